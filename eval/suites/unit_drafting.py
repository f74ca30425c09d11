"""Unit-drafting suite: are drafts for units outside the corpus true of *those* units?

Drafts are made through the public API (``assistant.draft.draft_section`` / ``draft_report``) for the
requests of ``eval/data/drafting_units.jsonl`` (xã, phường and thị trấn; with and without the clerk's
facts; sections and whole reports) and judged from outside:

* **unit_fact_fidelity** (``eval.metrics.unit_fact_fidelity``): of the sentences stating a fact of a
  particular unit, the share the clerk's facts support — a sentence taken from a precedent is judged by
  the hand label of that precedent sentence, any other by the judge's own stricter rule;
* **fact_coverage** (``eval.metrics.fact_coverage``): the hand-listed given facts the draft states;
* **contradictions** (``eval.metrics.contradiction``): sentences saying the opposite of a given fact;
* **broken_sentences** (``eval.metrics.broken_sentence``): fragments and headings among the sentences;
* **outdated_legal_basis** (``eval.metrics.legal_basis``): references to texts no longer in force;
* the drafting suite's citation recall / precision, leak rate and directive accuracy on the same drafts
  (questions to the clerk are not claims and are left out of them);
* on the hand-labelled precedent sentences (``eval/data/sentence_kinds.jsonl``): the drafter's sentence
  classifier (``unit_fact_recall`` / ``unit_fact_precision``) and the judge's strict rule
  (``strict_rule_recall``), per split.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

from eval.datasets import SPLITS, DraftingRequest, SentenceLabel, UnitDraftingRequest
from eval.metrics.broken_sentence import broken_reason
from eval.metrics.contradiction import contradictions
from eval.metrics.fact_coverage import fact_found
from eval.metrics.judge_quality import classification_scores
from eval.metrics.legal_basis import TextStatus, outdated_references
from eval.metrics.unit_fact_fidelity import best_label, fidelity, is_question, is_unit_fact_strict, supported_by_facts
from eval.suites.drafting import CorpusUnits, aggregate, make_judge, registry_entries, score_draft

logger = logging.getLogger(__name__)

METRICS = ("unit_fact_fidelity", "fact_coverage", "contradictions", "broken_sentences", "outdated_legal_basis",
           "citation_recall", "citation_precision", "leak_rate", "directive_accuracy", "unit_fact_recall",
           "strict_rule_recall")


def to_draft_request(request: UnitDraftingRequest) -> Any:
    from assistant.draft import DraftRequest

    return DraftRequest(section=request.section, unit=request.unit, year=request.year, unit_level=request.unit_level,
                        parent_units=request.parent_units, kind=request.kind, facts=request.facts,
                        outline=request.outline)


def _as_drafting_request(request: UnitDraftingRequest) -> DraftingRequest:
    return DraftingRequest(request.id, request.section or "báo cáo", request.unit, request.unit_level,
                           request.parent_units, request.year, request.kind, request.facts, (), (), request.split)


def text_statuses(registry: Any) -> dict[str, TextStatus]:
    """The registry's status of every text, as the legal-basis metric reads it."""
    out = {}
    for record in registry.records().values():
        evidence = record.status_evidence or {}
        out[record.id] = TextStatus(record.status, evidence.get("effective"), record.kind, record.title)
    return out


@dataclass(frozen=True)
class _Judged:
    text: str
    unit_fact: bool
    supported: bool
    by: str          # "label" or "strict rule"


def judge_draft(draft: Any, request: UnitDraftingRequest, labels: Sequence[SentenceLabel], headings: Sequence[str],
                statuses: dict[str, TextStatus]) -> dict[str, Any]:
    """The new figures of one draft, with the sentences behind each failure."""
    years = [str(request.year + d) for d in (-1, 0, 1)]
    sources = {c.n: c.source for c in draft.citations}
    by_source: dict[str, list[tuple[str, str]]] = {}
    for label in labels:
        by_source.setdefault(label.source, []).append((label.text, label.label))
    judged: list[_Judged] = []
    broken, contradicting = [], []
    claims = [s for s in draft.sentences if not is_question(s.text)]
    for s in claims:
        candidates = [pair for n in s.citations for pair in by_source.get(sources.get(n, ""), [])]
        label = best_label(s.text, candidates) if candidates else None
        unit_fact = label == "unit_fact" if label in ("unit_fact", "formula") else is_unit_fact_strict(s.text, years)
        judged.append(_Judged(s.text, unit_fact, supported_by_facts(s.text, request.facts, years, request.unit),
                              "label" if label in ("unit_fact", "formula") else "strict rule"))
        reason = "a heading" if label == "heading" else broken_reason(s.text, headings)
        if reason:
            broken.append({"sentence": s.text, "reason": reason})
        found = contradictions(s.text, request.expected_facts, request.facts or "")
        if found:
            contradicting.append({"sentence": s.text, "contradicts": found})
    covered = [f for f in request.expected_facts if fact_found(f, draft.text)]
    outdated = outdated_references(" ".join(s.text for s in claims), statuses, request.year)
    return {
        "judged": [(j.unit_fact, j.supported) for j in judged],
        "n_facts": len(request.expected_facts), "n_covered": len(covered),
        "n_contradictions": len(contradicting), "n_broken": len(broken), "n_outdated": len(outdated),
        "n_questions": len(draft.sentences) - len(claims),
        "details": {
            "unsupported_unit_facts": [{"sentence": j.text, "judged_by": j.by} for j in judged
                                       if j.unit_fact and not j.supported],
            "missing_facts": [f.__dict__ for f in request.expected_facts if f not in covered],
            "contradictions": contradicting, "broken": broken, "outdated_legal_basis": outdated,
        },
    }


def classifier_scores(labels: Sequence[SentenceLabel], classify: Callable[[SentenceLabel], bool],
                      strict: Callable[[str], bool]) -> dict[str, Any]:
    """Recall/precision of the drafter's classifier and recall of the judge's strict rule on unit facts, per split."""
    out: dict[str, Any] = {}
    for split in ("all", *SPLITS):
        rows = [l for l in labels if l.label != "heading" and (split == "all" or l.split == split)]
        if not rows:
            continue
        gold = [l.label == "unit_fact" for l in rows]
        predicted = [classify(l) for l in rows]
        scores = classification_scores(predicted, gold)
        strict_scores = classification_scores([strict(l.text) for l in rows], gold)
        out[split] = {"unit_fact_recall": scores.recall, "unit_fact_precision": scores.precision,
                      "strict_rule_recall": strict_scores.recall, "n_labels": len(rows), "n_unit_facts": sum(gold)}
    return out


def _aggregate(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    judged = [pair for r in rows for pair in r["judged"]]
    facts = sum(r["n_facts"] for r in rows)
    return {
        "unit_fact_fidelity": fidelity(judged),
        "fact_coverage": sum(r["n_covered"] for r in rows) / facts if facts else None,
        "contradictions": sum(r["n_contradictions"] for r in rows),
        "broken_sentences": sum(r["n_broken"] for r in rows),
        "outdated_legal_basis": sum(r["n_outdated"] for r in rows),
        "n_unit_fact_sentences": sum(1 for unit_fact, _ in judged if unit_fact),
        "n_questions": sum(r["n_questions"] for r in rows),
    }


def run_unit_drafting_suite(requests: Sequence[UnitDraftingRequest], draft: Callable[[Any], Any],
                            labels: Sequence[SentenceLabel], embedder: Any, registry: Any, corpus: CorpusUnits,
                            headings: Sequence[str], classify: Callable[[SentenceLabel], bool]) -> dict[str, Any]:
    """Draft every request and judge the drafts (see the module docstring).

    Args:
        requests: the requests (a subset in quick mode).
        draft: ``DraftRequest → Draft`` (the project's drafter).
        labels: the hand-labelled precedent sentences.
        embedder, registry, corpus: as for the drafting suite.
        headings: every section heading of the corpus (a draft sentence equal to one is broken).
        classify: the drafter's classifier on a labelled sentence (True: unit fact).
    """
    started = time.perf_counter()
    entries = registry_entries(registry)
    statuses = text_statuses(registry)
    rows = []
    for request in requests:
        result = draft(to_draft_request(request))
        claims = SimpleNamespace(sentences=[s for s in result.sentences if not is_question(s.text)],
                                 citations=result.citations, text=result.text)
        old = _as_drafting_request(request)
        row = score_draft(claims, old, corpus, make_judge(embedder, old, corpus), entries)
        row.update(judge_draft(result, request, labels, headings, statuses))
        row["request"] = request
        rows.append(row)
    figures: dict[str, Any] = {}
    for split in ("all", *SPLITS):
        chosen = [r for r in rows if split == "all" or r["request"].split == split]
        if chosen:
            old = aggregate(chosen)
            figures[split] = {**_aggregate(chosen), **{k: old[k] for k in ("citation_recall", "citation_precision",
                                                                             "leak_rate", "directive_accuracy")},
                              "n": len(chosen)}
    kinds = classifier_scores(labels, classify, is_unit_fact_strict)
    for split, scores in kinds.items():
        figures.setdefault(split, {"n": 0}).update(scores)
    failures = []
    for r in rows:
        problems = {k: v for k, v in r["details"].items() if v and k in (
            "unsupported_unit_facts", "missing_facts", "contradictions", "broken", "outdated_legal_basis",
            "unsupported", "leaks", "bad_references")}
        if problems:
            req = r["request"]
            failures.append({"id": req.id, "split": req.split, "query": f"{req.section or 'cả báo cáo'} — {req.unit} "
                             f"{req.year}" + (f"; facts: {req.facts}" if req.facts else ""), **problems, "draft": r["text"]})
    per_request = {r["request"].id: {k: v for k, v in r.items() if k not in ("request", "details", "text", "judged")}
                   for r in rows}
    headline = {s: {m: figures[s].get(m) for m in METRICS} for s in figures if figures[s].get("n")}
    figures["seconds"] = round(time.perf_counter() - started, 2)
    return {"headline": headline, "systems": {"project": figures}, "per_request": per_request, "failures": failures}
