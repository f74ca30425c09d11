"""Lookup suite: top-1 and top-3 accuracy of "which directive applies?" (``assistant.lookup.lookup``),
per split, plus every question whose gold directive is not first.

``eval/data/lookup.jsonl`` (written with the directives feature) has one
``{"question", "gold": [ids], "split"}`` per line; the line number is the question's id (``l01``…).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.datasets import DATA_DIR, SPLITS, jsonl_lines
from eval.metrics.directive_accuracy import directive_key
from eval.metrics.lookup import top_k_accuracy

logger = logging.getLogger(__name__)

METRICS = ("top_1_accuracy", "top_3_accuracy")


@dataclass(frozen=True)
class LookupQuestion:
    """A topic question and the directive ids that answer it."""

    id: str
    question: str
    gold: tuple[str, ...]
    split: str


def load_lookup(path: Path = DATA_DIR / "lookup.jsonl") -> list[LookupQuestion]:
    """Load and validate the lookup questions.

    Raises:
        DatasetError: a line is not a JSON object with a non-empty question, a non-empty gold list and a split.
    """
    questions = []
    for line in jsonl_lines(Path(path)):
        question, gold = line.get("question", str), line.strings("gold")
        split = line.choice("split", SPLITS)
        questions.append(LookupQuestion(line.obj.get("id") or f"l{line.number:02d}", question, gold, split))
    return questions


LookupFn = Callable[[str, int], Sequence[str]]


def project_lookup(settings: Any, registry: Any, retriever: Any) -> LookupFn:
    """``assistant.lookup.lookup`` as a function question, k → directive ids, best first."""
    from assistant.lookup import lookup

    def ask(question: str, k: int) -> list[str]:
        result = lookup(question, k=k, settings=settings, registry=registry, retriever=retriever)
        return [d.id for d in result.directives]

    return ask


def run_lookup_suite(questions: Sequence[LookupQuestion], ask: LookupFn, k: int = 5) -> dict[str, Any]:
    """Ask every question; top-1/top-3 accuracy per split; failures = gold not first."""
    started = time.perf_counter()
    rows = []
    for q in questions:
        ranked = [directive_key(i) for i in ask(q.question, k)]
        rows.append((q, ranked, {directive_key(g) for g in q.gold}))

    def figures(subset: list[tuple[LookupQuestion, list[str], set[str]]]) -> dict[str, Any]:
        preds, gold = [r[1] for r in subset], [r[2] for r in subset]
        return {"top_1_accuracy": top_k_accuracy(preds, gold, 1), "top_3_accuracy": top_k_accuracy(preds, gold, 3),
                "n": len(subset)}

    own: dict[str, Any] = {"all": figures(rows)}
    for split in SPLITS:
        own[split] = figures([r for r in rows if r[0].split == split])
    own["seconds"] = round(time.perf_counter() - started, 2)
    failures = []
    for q, ranked, gold in rows:
        if not ranked or ranked[0] not in gold:
            failures.append({
                "id": q.id, "split": q.split, "query": q.question, "gold": list(q.gold), "returned": ranked[:3],
                "severity": "miss@3" if not any(r in gold for r in ranked[:3]) else "not first",
            })
    return {
        "systems": {"project": own},
        "headline": {s: {m: own[s][m] for m in METRICS} for s in ("all", *SPLITS) if own[s]["n"]},
        "failures": failures,
    }
