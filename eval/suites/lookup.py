"""Lookup suite: top-1 and top-3 accuracy of "which directive applies?" (``assistant.lookup.lookup``),
per split and per question type, the answer line's accuracy, the governing-law coverage, and every
question whose gold directive is not first.

``eval/data/lookup.jsonl`` (written with the directives feature) has one
``{"question", "gold": [ids], "split"}`` per line; the line number is the question's id (``l01``…).
Optional fields: ``"type"`` (``named``, ``kind``, ``topic``, ``effective``, ``issued``, ``issuer``,
``status``, ``successor``, ``content``), ``"answer"`` (the answer line a clerk expects, for the
reader) with ``"answer_facts"`` (what that line must state: a date, an id, "hết hiệu lực" …; compared
without case, accents or spacing), and ``"top3"`` (ids that must be among the first three answers: a
topic's governing law).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.datasets import DATA_DIR, SPLITS, jsonl_lines
from eval.metrics.directive_accuracy import directive_key
from eval.metrics.lookup import answer_states, top_k_accuracy

logger = logging.getLogger(__name__)

METRICS = ("top_1_accuracy", "top_3_accuracy", "answer_accuracy", "governing_coverage")


@dataclass(frozen=True)
class LookupQuestion:
    """A question, the directive ids that answer it, and optionally the facts its answer line must state."""

    id: str
    question: str
    gold: tuple[str, ...]
    split: str
    type: str | None = None
    answer_facts: tuple[str, ...] = ()
    top3: tuple[str, ...] = ()


@dataclass(frozen=True)
class LookupReply:
    """What a lookup system returns for one question: directive ids best first, and its answer line."""

    ids: tuple[str, ...]
    answer: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def load_lookup(path: Path = DATA_DIR / "lookup.jsonl") -> list[LookupQuestion]:
    """Load and validate the lookup questions.

    Raises:
        DatasetError: a line is not a JSON object with a non-empty question, a non-empty gold list and a split.
    """
    questions = []
    for line in jsonl_lines(Path(path)):
        question, gold = line.get("question", str), line.strings("gold")
        split = line.choice("split", SPLITS)
        facts = line.strings("answer_facts") if "answer_facts" in line.obj else ()
        if facts and "answer" not in line.obj:
            raise line.fail("'answer_facts' needs the expected 'answer' line beside it")
        top3 = line.strings("top3") if "top3" in line.obj else ()
        qtype = line.get("type", str, optional=True)
        questions.append(LookupQuestion(line.obj.get("id") or f"l{line.number:02d}", question, gold, split,
                                        qtype, facts, top3))
    return questions


LookupFn = Callable[[str, int], LookupReply]


def project_lookup(settings: Any, registry: Any, retriever: Any) -> LookupFn:
    """``assistant.lookup.lookup`` as a function question, k → directive ids best first and the answer line."""
    from assistant.lookup import lookup

    def ask(question: str, k: int) -> LookupReply:
        result = lookup(question, k=k, settings=settings, registry=registry, retriever=retriever)
        return LookupReply(tuple(d.id for d in result.directives), result.answer.text if result.answer else "")

    return ask


def _figures(rows: Sequence[tuple[LookupQuestion, list[str], set[str], LookupReply]]) -> dict[str, Any]:
    preds, gold = [r[1] for r in rows], [r[2] for r in rows]
    answered = [r for r in rows if r[0].answer_facts]
    states = answer_states([r[3].answer for r in answered], [r[0].answer_facts for r in answered])
    covered = [r for r in rows if r[0].top3]
    return {
        "top_1_accuracy": top_k_accuracy(preds, gold, 1), "top_3_accuracy": top_k_accuracy(preds, gold, 3),
        "answer_accuracy": sum(states) / len(states) if states else None, "n_answers": len(states),
        "governing_coverage": (sum(all(directive_key(t) in r[1][:3] for t in r[0].top3) for r in covered)
                               / len(covered)) if covered else None, "n_governing": len(covered),
        "n": len(rows),
    }


def run_lookup_suite(questions: Sequence[LookupQuestion], ask: LookupFn, k: int = 5) -> dict[str, Any]:
    """Ask every question; top-1/top-3 accuracy, answer-line accuracy and governing-law coverage per split
    and per question type; failures = gold not first, a wrong answer line, or a governing law not in the top 3."""
    started = time.perf_counter()
    rows = []
    for q in questions:
        reply = ask(q.question, k)
        rows.append((q, [directive_key(i) for i in reply.ids], {directive_key(g) for g in q.gold}, reply))

    own: dict[str, Any] = {"all": _figures(rows)}
    for split in SPLITS:
        own[split] = _figures([r for r in rows if r[0].split == split])
    types = sorted({r[0].type or "topic" for r in rows})
    own["per_type"] = {t: _figures([r for r in rows if (r[0].type or "topic") == t]) for t in types}
    own["seconds"] = round(time.perf_counter() - started, 2)
    failures = []
    for q, ranked, gold, reply in rows:
        problems = []
        if not ranked or ranked[0] not in gold:
            problems.append("miss@3" if not any(r in gold for r in ranked[:3]) else "not first")
        if q.answer_facts and not answer_states([reply.answer], [q.answer_facts])[0]:
            problems.append("answer line")
        if q.top3 and not all(directive_key(t) in ranked[:3] for t in q.top3):
            problems.append("governing law not in top 3")
        if problems:
            failures.append({
                "id": q.id, "split": q.split, "query": q.question, "gold": list(q.gold), "returned": ranked[:3],
                "answer": reply.answer, "severity": ", ".join(problems),
            })
    return {
        "systems": {"project": own},
        "headline": {s: {m: own[s][m] for m in METRICS} for s in ("all", *SPLITS) if own[s]["n"]},
        "failures": failures,
    }
