"""Extractive drafting latency, warm: one section (``SectionDrafter.draft``) and a whole report
(``assistant.draft.draft_report``) for the eval drafting requests, with the directive registry
the CLI and app use. Target (issue 9): a section in under 2 s on this machine (p95).
"""

from __future__ import annotations

import logging
import time
from dataclasses import fields

from bench.common import BenchContext, BenchResult, BenchSkipped, LatencyStats, verdict

logger = logging.getLogger(__name__)

NAME = "drafting"
SECTION_TARGET_S = 2.0
ROUNDS = 2
REPORTS = 3


def _requests(quick: bool):
    from assistant.draft import DraftRequest
    from eval.datasets import load_drafting

    allowed = {f.name for f in fields(DraftRequest)}
    out = []
    for item in load_drafting():
        values = {"section": item.section, "unit": item.unit, "unit_level": item.unit_level,
                  "parent_units": item.parent_units, "year": item.year, "kind": item.kind, "facts": item.facts}
        out.append(DraftRequest(**{k: v for k, v in values.items() if k in allowed}))
    return out[:4] if quick else out


def run(ctx: BenchContext) -> BenchResult:
    try:
        from assistant.draft import SectionDrafter, draft_report
    except ImportError as exc:
        raise BenchSkipped(f"the drafter is not importable yet ({exc})") from exc
    from assistant.retrieve import Retriever
    from index.registry import load_registry

    result = BenchResult(NAME)
    settings = ctx.index_settings()
    embedder = ctx.embedder()
    retriever = Retriever(settings, embedder)
    registry = load_registry(settings)
    drafter = SectionDrafter(settings, retriever, embedder, registry)
    requests = _requests(ctx.quick)
    drafter.draft(requests[0])                                   # warm-up

    section_s = []
    for _ in range(1 if ctx.quick else ROUNDS):
        for request in requests:
            started = time.perf_counter()
            drafter.draft(request)
            section_s.append(time.perf_counter() - started)
    stats = LatencyStats.from_seconds(section_s)
    result.add("section p50", stats.p50_ms / 1000, "s", target=f"< {SECTION_TARGET_S} s",
               verdict=verdict(stats.p50_ms / 1000, SECTION_TARGET_S))
    result.add("section p95", stats.p95_ms / 1000, "s", target=f"< {SECTION_TARGET_S} s",
               verdict=verdict(stats.p95_ms / 1000, SECTION_TARGET_S))

    report_s, sections = [], 0
    for request in requests[: 1 if ctx.quick else REPORTS]:
        started = time.perf_counter()
        draft = draft_report(request, settings, retriever=retriever, embedder=embedder, registry=registry)
        report_s.append(time.perf_counter() - started)
        sections = max(sections, len(draft.sections))
    report = LatencyStats.from_seconds(report_s)
    result.add("whole report p50", report.p50_ms / 1000, "s", baseline=f"{sections} sections")
    result.add("whole report p95", report.p95_ms / 1000, "s")
    result.data = {"section_ms": stats.__dict__, "report_ms": report.__dict__, "requests": len(requests),
                   "report_sections": sections}
    result.notes.append(
        f"{len(requests)} eval drafting requests × {1 if ctx.quick else ROUNDS} rounds (extractive, no LLM), "
        f"{len(report_s)} whole reports; warm drafter with the directive registry."
    )
    return result
