"""Shared benchmark plumbing: timing, percentiles, ratios, memory readings, the result table and JSON.

Why ratios: the machine is shared (2 cores, other jobs running), so absolute milliseconds
move from run to run; a value divided by a baseline measured in the same run, right next
to it, moves much less. Every row of the table can carry its baseline, the ratio and a
PASS/FAIL verdict against the issue's target.

Memory is read from ``/proc/self/status`` (``VmRSS`` now, ``VmHWM`` peak) — Linux only,
like the machines this runs on; ``reset_peak_rss`` clears the peak so one stage's peak
can be read alone.
"""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

logger = logging.getLogger(__name__)

RESULTS_DIR = Path(__file__).resolve().parent / "results"


class BenchSkipped(Exception):
    """A benchmark cannot run here (missing part, missing optional package); the message says why."""


# -- statistics ----------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation between closest ranks.

    Same definition as ``numpy.percentile(values, q)`` (its default "linear" method):
    the value at fractional rank ``(n - 1) * q / 100`` of the sorted values.

    >>> percentile([1, 2, 3, 4], 50)
    2.5

    Raises:
        ValueError: no values, or ``q`` outside 0..100.
    """
    if not values:
        raise ValueError("percentile of an empty list")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, got {q}")
    ordered = sorted(float(v) for v in values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class LatencyStats:
    """p50/p95/mean of a list of durations, in milliseconds."""

    n: int
    p50_ms: float
    p95_ms: float
    mean_ms: float

    @classmethod
    def from_seconds(cls, seconds: Sequence[float]) -> "LatencyStats":
        if not seconds:
            raise ValueError("no timings")
        ms = [s * 1000.0 for s in seconds]
        return cls(n=len(ms), p50_ms=percentile(ms, 50), p95_ms=percentile(ms, 95), mean_ms=sum(ms) / len(ms))


def ratio(value: float, baseline: float) -> float | None:
    """``value / baseline``, or None when the baseline is zero, negative or not a number."""
    if baseline is None or value is None or not baseline > 0 or math.isnan(value):
        return None
    return value / baseline


def verdict(value: float | None, target: float, *, higher_is_better: bool = False) -> str:
    """``"PASS"`` when ``value`` meets ``target`` (≤ by default, ≥ with ``higher_is_better``),
    ``"FAIL"`` otherwise, ``"n/a"`` when there is no value."""
    if value is None or math.isnan(value):
        return "n/a"
    ok = value >= target if higher_is_better else value <= target
    return "PASS" if ok else "FAIL"


def throughput(items: int, seconds: float) -> float:
    """Items per second; 0 when nothing was timed."""
    return items / seconds if seconds > 0 else 0.0


def recall_at_k(found: Sequence[Sequence[int]], truth: Sequence[Sequence[int]], k: int) -> float:
    """Mean over queries of ``|found[:k] ∩ truth[:k]| / k`` (approximate vs exact neighbours).

    Negative ids (FAISS's "no result") never count as found.

    >>> recall_at_k([[1, 2]], [[2, 3]], k=2)
    0.5
    """
    if k <= 0:
        raise ValueError("k must be positive")
    if len(found) != len(truth):
        raise ValueError(f"{len(found)} result lists for {len(truth)} queries")
    if len(truth) == 0:
        return 0.0
    total = 0.0
    for got, exact in zip(found, truth):
        exact_set = {int(i) for i in list(exact)[:k] if int(i) >= 0}
        total += len({int(i) for i in list(got)[:k] if int(i) >= 0} & exact_set) / k
    return total / len(truth)


# -- timing --------------------------------------------------------------------------------


def time_calls(fn: Callable[[], Any], *, repeat: int, warmup: int = 1) -> list[float]:
    """Durations in seconds of ``repeat`` calls of ``fn`` after ``warmup`` untimed calls."""
    if repeat <= 0:
        raise ValueError("repeat must be positive")
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``."""

    def __enter__(self) -> "Stopwatch":
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.started


# -- memory --------------------------------------------------------------------------------


def _status_kb(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return float(line.split()[1])
    raise KeyError(key)


def rss_mb() -> float:
    """Resident memory of this process now, in MiB."""
    return _status_kb("VmRSS") / 1024.0


def peak_rss_mb() -> float:
    """Highest resident memory of this process since start (or the last reset), in MiB."""
    return _status_kb("VmHWM") / 1024.0


def reset_peak_rss() -> bool:
    """Reset the peak (``VmHWM``) to the current RSS; False where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError as exc:
        logger.debug("cannot reset the peak RSS: %s", exc)
        return False


def available_memory_mb() -> float:
    """``MemAvailable`` of the machine, in MiB."""
    with open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) / 1024.0
    raise KeyError("MemAvailable")


def folder_size_mb(path: Path) -> float:
    path = Path(path)
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def machine_info() -> dict[str, Any]:
    """What the numbers were taken on: they depend on it (and on what else was running)."""
    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_1_5_15": list(os.getloadavg()),
    }
    try:
        info["memory_available_mb"] = round(available_memory_mb())
    except (OSError, KeyError):
        pass
    return info


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table: a measured value, optionally against a same-run baseline."""

    bench: str
    metric: str
    value: float | str
    unit: str = ""
    baseline: str = ""            # what the ratio divides by, e.g. "floor 3.1 ms"
    ratio: float | None = None
    target: str = ""              # e.g. "≤ 1.5×"
    verdict: str = ""             # PASS / FAIL / n/a / ""


@dataclass
class BenchResult:
    """What one benchmark module returns: table rows, raw data for the JSON, notes."""

    name: str
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    status: str = "ok"            # ok / skipped / error
    seconds: float = 0.0

    def add(self, metric: str, value: float | str, unit: str = "", **kwargs: Any) -> Row:
        row = Row(bench=self.name, metric=metric, value=value, unit=unit, **kwargs)
        self.rows.append(row)
        return row


def _fmt(value: float | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 0.01:
        return f"{value:.3g}" if magnitude < 1 else f"{value:.2f}"
    return f"{value:.2e}"


def format_table(results: Iterable[BenchResult]) -> str:
    """A plain-text table of every row, then each benchmark's notes and skips."""
    header = ("bench", "metric", "value", "unit", "baseline", "ratio", "target", "verdict")
    lines_data: list[tuple[str, ...]] = []
    notes: list[str] = []
    for result in results:
        for row in result.rows:
            lines_data.append((
                row.bench, row.metric, _fmt(row.value), row.unit, row.baseline,
                "" if row.ratio is None else f"{row.ratio:.2f}×", row.target, row.verdict,
            ))
        if result.status != "ok":
            lines_data.append((result.name, result.status.upper(), "", "", "", "", "", ""))
        notes += [f"[{result.name}] {note}" for note in result.notes]
    widths = [max(len(h), *(len(r[i]) for r in lines_data)) if lines_data else len(h) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in lines_data]
    if notes:
        out += ["", *notes]
    return "\n".join(out)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and callable(value.item):      # numpy scalars
        return value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def write_json(results: Sequence[BenchResult], folder: Path = RESULTS_DIR, meta: dict[str, Any] | None = None) -> Path:
    """Write ``<folder>/<UTC timestamp>.json`` with every row, raw data and note; returns the path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{stamp}.json"
    payload = {
        "created": stamp,
        "machine": machine_info(),
        **(meta or {}),
        "results": [
            {"name": r.name, "status": r.status, "seconds": round(r.seconds, 2),
             "rows": [asdict(row) for row in r.rows], "data": r.data, "notes": r.notes}
            for r in results
        ],
    }
    path.write_text(json.dumps(_jsonable(payload), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


# -- context shared by the benchmarks ------------------------------------------------------


@dataclass
class BenchContext:
    """What every benchmark gets: settings, the size of the run, a scratch folder and the
    (lazily loaded, shared) real embedder, so the model is loaded once per run.

    Args:
        settings: the project's settings; the index under ``settings.data_dir`` is used
            when present (``make bench`` builds it first), otherwise one is built in
            ``work_dir``.
        quick: a small run (fewer passages and repeats, no 1M scale step).
        work_dir: scratch space for temporary indexes; gitignored under ``data/``.
    """

    settings: Any
    quick: bool = False
    work_dir: Path = Path("data") / "bench-work"
    scale_sizes: tuple[int, ...] | None = None     # None: the scale benchmark's defaults
    scale_parts: tuple[str, ...] | None = None     # "dense", "bm25"; None: both
    results_dir: Path = RESULTS_DIR                # where plots go, next to the JSON
    _embedder: Any = None
    _index_settings: Any = None

    def __post_init__(self) -> None:
        self.work_dir = Path(self.work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)

    def embedder(self):
        """The project's configured embedder (``index.embed.load_embedder``), loaded once."""
        if self._embedder is None:
            from index.embed import load_embedder

            self._embedder = load_embedder(self.settings)
        return self._embedder

    def index_settings(self):
        """Settings whose data folder holds an index of the corpus built with the configured model.

        The project's own index is reused when it exists and matches the model; otherwise
        an index is built (incrementally) under ``work_dir/index-data``.
        """
        if self._index_settings is not None:
            return self._index_settings
        from index.store import IndexStore

        embedder = self.embedder()
        own = self.settings.model_copy(update={"data_dir": self.work_dir / "index-data"})
        manifest = IndexStore(self.settings).read_manifest()
        if manifest is not None and manifest.model_fingerprint == embedder.fingerprint:
            self._index_settings = self.settings
            return self.settings
        from bench.ingestion import build_with_stages
        from index.errors import ModelMismatchError

        # Always an (incremental) build: it embeds nothing when the corpus, chunker and model are
        # unchanged, and brings the index up to date when another part changed (e.g. BM25 tokens).
        settings = own
        logger.info("building (incrementally) the benchmark index in %s", settings.data_dir)
        try:
            build_with_stages(settings, embedder)
        except ModelMismatchError:
            build_with_stages(settings, embedder, rebuild=True)
        self._index_settings = settings
        return settings
