"""``python -m bench [--only search,embedding] [--quick]``: run the benchmarks, print the table,
write ``bench/results/<UTC timestamp>.json``.

Each benchmark runs on its own; one that cannot run here (a missing optional package, the
app not importable) is reported as SKIPPED with the reason, and one that fails is reported
as ERROR with its traceback in the JSON, and the others still run.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
import traceback
from pathlib import Path

from index.offline import apply_offline_env  # noqa: E402  (before any ML library is imported)

apply_offline_env()

from bench.common import RESULTS_DIR, BenchContext, BenchResult, BenchSkipped, format_table, write_json  # noqa: E402

logger = logging.getLogger("bench")

#: Run order: cheap and foundational first, the long scale sweep last.
BENCHMARKS = ("search", "drafting", "ingestion", "formats", "embedding", "app", "scale")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="small run: fewer passages/repeats, no 1M scale step")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR, help="folder for the JSON results")
    parser.add_argument("--data-dir", type=Path, default=None, help="project data folder (default: settings)")
    parser.add_argument("--scale-sizes", default="", help="override the scale sizes, e.g. 10000,100000")
    parser.add_argument("--scale-parts", default="", help="scale: only these parts, dense and/or bm25")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    selected = [name.strip() for name in args.only.split(",") if name.strip()] or list(BENCHMARKS)
    unknown = [name for name in selected if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    args.selected = selected
    return args


def run_one(name: str, ctx: BenchContext) -> BenchResult:
    module = importlib.import_module(f"bench.{name}")
    started = time.perf_counter()
    try:
        result = module.run(ctx)
    except BenchSkipped as exc:
        result = BenchResult(name, status="skipped", notes=[f"skipped: {exc}"])
    except Exception as exc:  # noqa: BLE001 - the runner's edge: record, show, carry on with the others
        logger.exception("benchmark %s failed", name)
        result = BenchResult(name, status="error", notes=[f"error: {type(exc).__name__}: {exc}"],
                             data={"traceback": traceback.format_exc()})
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(message)s")
    logger.setLevel(logging.INFO)
    from index.settings import Settings

    settings = Settings(data_dir=args.data_dir) if args.data_dir else Settings()
    ctx = BenchContext(settings=settings, quick=args.quick, work_dir=Path(settings.data_dir) / "bench-work",
                       results_dir=args.out_dir)
    if args.scale_sizes:
        ctx.scale_sizes = tuple(int(s) for s in args.scale_sizes.split(","))
    if args.scale_parts:
        ctx.scale_parts = tuple(part.strip() for part in args.scale_parts.split(",") if part.strip())
        unknown = set(ctx.scale_parts) - {"dense", "bm25"}
        if unknown:
            raise SystemExit(f"unknown --scale-parts {sorted(unknown)}; choose from dense, bm25")
    results = []
    for name in args.selected:
        logger.info("running %s", name)
        result = run_one(name, ctx)
        logger.info("%s: %s in %.0f s", name, result.status, result.seconds)
        results.append(result)
    print(format_table(results))
    path = write_json(results, args.out_dir, meta={"quick": args.quick, "selected": args.selected})
    print(f"\nresults: {path}")
    return 1 if any(r.status == "error" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
