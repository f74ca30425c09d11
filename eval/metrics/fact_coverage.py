"""Fact coverage: the share of the clerk's given facts that the draft states.

Each request with facts lists them by hand (``expected_facts`` in ``eval/data/drafting_units.jsonl``):
a figure with its unit ("31" "lượt" — the figure followed within three words by the unit), a figure
still pending ("1" "đơn" followed by đang/chưa/còn/tồn), a thing there was none of ("không có" …
"đơn tố cáo"), a place ("thôn Đông"). Matching is on NFC, case-folded, whitespace-collapsed text.

Example:
    >>> fact_coverage([ExpectedFact("value", "31", "lượt")], "Đã tiếp 31 lượt công dân.")
    1.0
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from eval.datasets import ExpectedFact


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _words(text: str) -> str:
    return r"\s+".join(re.escape(w) for w in _fold(text).split())


def fact_found(fact: ExpectedFact, draft_text: str) -> bool:
    """True when the draft states ``fact`` (see the module docstring)."""
    text = _fold(re.sub(r"\[\d+(?:\s*[,;]\s*\d+)*\]", " ", draft_text))
    number = rf"(?<![\w.,/]){re.escape(fact.value or '')}(?![\w]|[.,/]\d)"
    if fact.kind == "place":
        return re.search(rf"(?<!\w){_words(fact.what or '')}(?!\w)", text) is not None
    if fact.kind == "none":
        return re.search(rf"(?:không\s+có|không\s+phát\s+sinh|không\s+xảy\s+ra)\s+(?:\S+\s+){{0,3}}?"
                         rf"{_words(fact.what or '')}", text) is not None
    unit = _words(fact.unit or "")
    if fact.kind == "pending":
        return re.search(rf"{number}\s+(?:\S+\s+){{0,2}}?{unit}[^.;]{{0,40}}?(?:đang|chưa|tồn)|"
                         rf"(?:còn|tồn đọng)\s+{number}\s+(?:\S+\s+){{0,2}}?{unit}", text) is not None
    found = re.search(rf"{number}\s+(?:\S+\s+){{0,2}}?{unit}|{unit}\s*:?\s*{number}", text)
    if found is None or not fact.what:
        return found is not None
    return any(_fold(fact.what) in text[m.start(): m.end() + 60]
               for m in re.finditer(rf"{number}\s+(?:\S+\s+){{0,2}}?{unit}", text))


def fact_coverage(facts: Sequence[ExpectedFact], draft_text: str) -> float | None:
    """Share of ``facts`` the draft states (None when the request gave no facts)."""
    if not facts:
        return None
    return sum(fact_found(f, draft_text) for f in facts) / len(facts)
