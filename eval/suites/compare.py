"""Compare suite: alignment accuracy of ``assistant.compare.compare_documents`` against the gold
section alignments, per gold document pair and per split.

The compare output names sections by heading path; names are matched to the gold's through
``eval.metrics.alignment.section_key``, so "III- KẾT QUẢ" and "III. Kết quả" are the same section.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from eval.datasets import SPLITS, GoldAlignment
from eval.metrics.alignment import alignment_accuracy, alignment_failures, section_key

logger = logging.getLogger(__name__)


def predicted_pairs(settings: Any, embedder: Any, gold: GoldAlignment) -> list[tuple[str | None, str | None]]:
    """The section pairs the project's compare command prints for the gold's two documents."""
    from assistant.compare import compare_documents, comparison_to_json, resolve_document

    doc_a = resolve_document(gold.a_source, settings)
    doc_b = resolve_document(gold.b_source, settings)
    payload = comparison_to_json(compare_documents(doc_a, doc_b, embedder))
    return [(p["a_section"], p["b_section"]) for p in payload["pairs"]]


def run_compare_suite(golds: Sequence[GoldAlignment], settings: Any, embedder: Any) -> dict[str, Any]:
    """Align every gold document pair; accuracy = share of gold pairs (incl. "unmatched") reproduced.

    Split figures pool the gold pairs of the documents in that split (micro average).
    """
    started = time.perf_counter()
    per_doc: dict[str, Any] = {}
    failures: list[dict[str, Any]] = []
    reproduced: dict[str, list[bool]] = {s: [] for s in ("all", *SPLITS)}
    for gold in golds:
        predicted = predicted_pairs(settings, embedder, gold)
        missed = alignment_failures(gold.pairs, predicted)
        accuracy = alignment_accuracy(gold.pairs, predicted)
        per_doc[gold.id] = {"a": gold.a_source, "b": gold.b_source, "split": gold.split,
                            "alignment_accuracy": accuracy, "n": len(gold.pairs)}
        missed_keys = {(section_key(a) if a else None, section_key(b) if b else None) for a, b in missed}
        for a, b in gold.pairs:
            ok = (section_key(a) if a else None, section_key(b) if b else None) not in missed_keys
            reproduced["all"].append(ok)
            reproduced[gold.split].append(ok)
        for a, b in missed:
            got = [p for p in predicted if (a and p[0] and section_key(p[0]) == section_key(a))
                   or (b and p[1] and section_key(p[1]) == section_key(b))]
            failures.append({"id": gold.id, "split": gold.split, "query": f"{gold.a_source} ↔ {gold.b_source}",
                             "gold": {"a": a, "b": b}, "predicted": [{"a": x, "b": y} for x, y in got]})
    own: dict[str, Any] = {}
    for split, flags in reproduced.items():
        own[split] = {"alignment_accuracy": sum(flags) / len(flags) if flags else 0.0, "n": len(flags)}
    own["seconds"] = round(time.perf_counter() - started, 2)
    return {
        "systems": {"project": own},
        "per_pair": per_doc,
        "headline": {s: {"alignment_accuracy": own[s]["alignment_accuracy"]} for s in ("all", *SPLITS) if own[s]["n"]},
        "failures": failures,
    }
