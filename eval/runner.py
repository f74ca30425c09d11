"""``soanthao eval``: run the evaluation suites against the index in the configured data folder, with
the baselines measured in the same run, and write a dated report folder.

The system is judged from outside, through the public APIs a user calls (``Retriever.search``,
``lookup``, ``draft_section``, ``compare_documents``). ``quick`` runs the subset CI can afford (every
retrieval and lookup query, four drafting requests, the support judge, every compare pair; no naive
LlamaIndex baseline, which needs the corpus embedded a second time) and the floors of
``eval/floors.toml`` decide the exit code.

Example:
    >>> run = run_eval(Settings(), EvalOptions(suites=("retrieval",), quick=True))  # doctest: +SKIP
    >>> run.results["suites"]["retrieval"]["headline"]["all"]["hit_at_5"]  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from eval import datasets
from eval.floors import DEFAULT_FLOORS_PATH, FloorCheck, check_floors, failed, load_floors
from index.embed import Embedder
from index.settings import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)

SUITES = ("retrieval", "lookup", "drafting", "unit_drafting", "compare")
QUICK_DRAFTING_IDS = ("d001", "d004", "d003", "d012")  # two dev, two test; facts, MTTQ, "Dân vận khéo", directives
# two dev, two test: facts and none, xã and phường, one whole report
QUICK_UNIT_DRAFTING_IDS = ("u001", "u003", "u101", "u109")


@dataclass(frozen=True)
class DatasetPaths:
    """Where the datasets are (tests point these at tiny files)."""

    retrieval: Path = datasets.DATA_DIR / "retrieval.jsonl"
    lookup: Path = datasets.DATA_DIR / "lookup.jsonl"
    support: Path = datasets.DATA_DIR / "support_pairs.jsonl"
    drafting: Path = datasets.DATA_DIR / "drafting.jsonl"
    unit_drafting: Path = datasets.DATA_DIR / "drafting_units.jsonl"
    sentence_kinds: Path = datasets.DATA_DIR / "sentence_kinds.jsonl"
    compare: Path = datasets.DATA_DIR / "compare_gold.jsonl"


@dataclass(frozen=True)
class EvalOptions:
    """What to run.

    Args:
        suites: any of ``SUITES`` ("drafting" also measures the support judge).
        quick: the CI subset (see module docstring).
        out_dir: report folder; default ``reports/eval-YYYYmmdd-HHMMSS`` under the project root.
        floors_path: the floors file.
        naive_baseline: measure the naive LlamaIndex baseline (default: only in a full run).
        data: dataset files.
        progress: progress bars while building the index or embedding the baseline.
    """

    suites: tuple[str, ...] = SUITES
    quick: bool = False
    out_dir: Path | None = None
    floors_path: Path = DEFAULT_FLOORS_PATH
    naive_baseline: bool | None = None
    data: DatasetPaths = field(default_factory=DatasetPaths)
    progress: bool = True

    def __post_init__(self) -> None:
        unknown = [s for s in self.suites if s not in SUITES]
        if unknown or not self.suites:
            raise ValueError(f"unknown suite(s) {unknown}; choose from {SUITES}")

    @property
    def with_naive(self) -> bool:
        return (not self.quick) if self.naive_baseline is None else self.naive_baseline


@dataclass(frozen=True)
class EvalRun:
    """The figures of one run, where its report is, and the floor checks."""

    results: dict[str, Any]
    report_dir: Path
    floor_checks: tuple[FloorCheck, ...]

    @property
    def failed_floors(self) -> list[FloorCheck]:
        return failed(list(self.floor_checks))


def default_report_dir(now: datetime | None = None) -> Path:
    return PROJECT_ROOT / "reports" / f"eval-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}"


def ensure_index(settings: Settings, embedder: Embedder, progress: bool = True) -> dict[str, Any]:
    """Bring the index of the configured corpus up to date with ``build_index`` (built when missing).

    The build is incremental: an index that matches the corpus and the code embeds nothing, so this is
    cheap when nothing changed, and the evaluation never measures a stale index.

    Returns:
        What the build did: chunks in total, embedded and reused, and files added/changed/removed.
    """
    from index.build import build_index

    from assistant.fusion_weight import ensure_calibrated

    report = build_index(settings, embedder=embedder, progress=progress)
    logger.info("%s", report.summary())
    calibration = ensure_calibrated(settings, embedder)   # as `soanthao index` does: the product's own fusion
    return {"dense_weight": calibration.dense_weight if calibration else settings.dense_weight,"chunks_total": report.chunks_total, "chunks_embedded": report.chunks_embedded,
            "chunks_reused": report.chunks_reused, "added": len(report.added), "changed": len(report.changed),
            "removed": len(report.removed), "rejected": len(report.rejected), "seconds": round(report.seconds, 1)}


def _quick_drafting(requests: list[datasets.DraftingRequest]) -> list[datasets.DraftingRequest]:
    chosen = [r for r in requests if r.id in QUICK_DRAFTING_IDS]
    if chosen:
        return chosen
    return [r for split in datasets.SPLITS for r in datasets.by_split(requests, split)[:2]]


def _unit_drafting(settings: Settings, services: Any, embedder: Embedder, options: EvalOptions) -> dict[str, Any]:
    """The unit-drafting suite: drafts for units outside the corpus, judged against hand labels and facts."""
    from assistant.draft import SectionDrafter, draft_section
    from assistant.intent import fold
    from assistant.own_unit import unit_of_meta
    from assistant.sentence_kinds import classify_sentence
    from eval.suites.drafting import CorpusUnits
    from eval.suites.unit_drafting import run_unit_drafting_suite

    requests = datasets.load_unit_drafting(options.data.unit_drafting)
    if options.quick:
        requests = [r for r in requests if r.id in QUICK_UNIT_DRAFTING_IDS] or requests[:4]
    labels = datasets.load_sentence_kinds(options.data.sentence_kinds)
    retriever, registry = services.retriever, services.registry
    chunks = retriever.index.chunks
    drafter = SectionDrafter(settings, retriever, embedder, registry)
    meta = {c.source: c.meta for c in chunks}

    def classify(label: datasets.SentenceLabel) -> bool:
        m = meta.get(label.source, {})
        unit = unit_of_meta(m)
        key = f"{unit.level} {fold(unit.name)}" if unit else label.source
        decision = classify_sentence(label.text, recurs=drafter.recurrence.count(label.text, key),
                                     own_names=[unit.name] if unit else (), other_names=(),
                                     report=str(m.get("kind") or "báo cáo") != "kế hoạch")
        return decision.kind == "unit_fact"

    headings = sorted({h for c in chunks for h in c.section_path})
    return run_unit_drafting_suite(
        requests, lambda r: draft_section(r, settings, retriever, embedder, registry), labels, embedder, registry,
        CorpusUnits.from_chunks(chunks), headings, classify)


def support_threshold_status(embedder: Embedder) -> dict[str, Any]:
    """Which support rule drafts are judged by: the model's calibrated one, or the lexical fallback
    (then ``notice`` says so and how to calibrate)."""
    from assistant.support import is_calibrated_for, load_support_config, uncalibrated_notice

    config = load_support_config(embedder)
    calibrated = is_calibrated_for(config, embedder)
    return {"fingerprint": config.fingerprint, "threshold": config.threshold,
            "lexical_weight": config.lexical_weight, "calibrated_for_model": calibrated,
            "notice": None if calibrated else uncalibrated_notice(embedder)}


def run_eval(settings: Settings, options: EvalOptions = EvalOptions(), embedder: Embedder | None = None) -> EvalRun:
    """Run the chosen suites, check the floors, write the report folder.

    Args:
        settings: corpus and data folder (the index is built there if missing).
        options: suites, quick mode, output folder, floors file, datasets.
        embedder: default ``index.embed.load_embedder(settings)`` (tests pass ``FakeEmbedder``).

    Raises:
        FloorsFileError: the floors file is missing or malformed (checked before anything runs).
        DatasetError: a dataset line is malformed.
    """
    from assistant.services import Services
    from eval.report import write_report

    started_at = datetime.now()
    started = time.perf_counter()
    floors = load_floors(options.floors_path)
    services = Services(settings, embedder)
    embedder = services.embedder
    needs_index = any(s in options.suites for s in ("retrieval", "lookup", "drafting", "unit_drafting"))
    index_report = ensure_index(settings, embedder, options.progress) if needs_index else None
    suites: dict[str, Any] = {}
    naive = None
    if options.with_naive and ("retrieval" in options.suites or "drafting" in options.suites):
        from eval.baselines import NaiveLlamaIndexBaseline

        naive = NaiveLlamaIndexBaseline(settings, embedder, progress=options.progress)

    if "retrieval" in options.suites:
        from eval.suites.retrieval import project_searcher, run_retrieval_suite

        retriever = services.retriever
        systems = {m: project_searcher(retriever, m) for m in ("hybrid", "lexical", "dense")}
        if naive is not None:
            systems["naive_llamaindex"] = naive.search
        suites["retrieval"] = {"project": "hybrid",
                               **run_retrieval_suite(datasets.load_retrieval(options.data.retrieval), systems)}
    if "lookup" in options.suites:
        from eval.suites.lookup import load_lookup, project_lookup, run_lookup_suite

        ask = project_lookup(settings, services.registry, services.retriever)
        suites["lookup"] = {"project": "project", **run_lookup_suite(load_lookup(options.data.lookup), ask)}
    if "drafting" in options.suites:
        from assistant.draft import draft_section
        from eval.suites.drafting import CorpusUnits, run_drafting_suite
        from eval.suites.support import run_support_suite

        requests = datasets.load_drafting(options.data.drafting)
        if options.quick:
            requests = _quick_drafting(requests)
        registry = services.registry
        retriever = services.retriever
        drafters = {"project": lambda r: draft_section(r, settings, retriever, embedder, registry)}
        notes = []
        if naive is not None:
            from eval.baselines import NaiveDraftRetriever

            naive_retriever = NaiveDraftRetriever(naive)
            drafters["naive_llamaindex"] = lambda r: draft_section(r, settings, naive_retriever, embedder, registry)
            notes.append("naive_llamaindex = the project's extractive drafter fed the naive LlamaIndex top-k chunks "
                         "(no section path, no unit/year metadata).")
        corpus = CorpusUnits.from_chunks(retriever.index.chunks)
        suites["drafting"] = {"project": "project", "notes": notes,
                              **run_drafting_suite(requests, drafters, embedder, registry, corpus)}
        suites["support"] = {"project": "project",
                             **run_support_suite(datasets.load_support_pairs(options.data.support), embedder)}
    if "unit_drafting" in options.suites:
        suites["unit_drafting"] = {"project": "project", **_unit_drafting(settings, services, embedder, options)}
    if "compare" in options.suites:
        from eval.suites.compare import run_compare_suite

        suites["compare"] = {"project": "project",
                             **run_compare_suite(datasets.load_compare_gold(options.data.compare), settings, embedder)}
    if options.quick:
        for name in ("retrieval", "drafting"):
            if name in suites:
                suites[name].setdefault("notes", []).append(
                    "quick run: the naive LlamaIndex baseline is measured only in the full run.")

    headline = {name: suite["headline"] for name, suite in suites.items() if "headline" in suite}
    checks = check_floors(headline, floors)
    support = support_threshold_status(embedder)
    results: dict[str, Any] = {
        "meta": {
            "started": started_at.isoformat(timespec="seconds"),
            "quick": options.quick,
            "suites": list(suites),
            "data_dir": str(settings.data_dir),
            "corpus_dir": str(settings.corpus_dir),
            "model_id": embedder.model_id,
            "model_fingerprint": embedder.fingerprint,
            "support_threshold": support,
            "index": index_report,
            "naive_baseline": naive is not None,
            "seconds": 0.0,
        },
        "headline": headline,
        "floors": [c.to_json() for c in checks],
        "failed_floors": [c.to_json() for c in failed(checks)],
        "suites": suites,
    }
    out_dir = Path(options.out_dir) if options.out_dir else default_report_dir(started_at)
    results["meta"]["report_dir"] = str(out_dir)
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    write_report(results, out_dir)
    return EvalRun(results=results, report_dir=out_dir, floor_checks=tuple(checks))
