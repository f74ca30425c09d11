"""Contradictions: draft sentences that say the opposite of the clerk's given facts.

Judged from the hand-written ``expected_facts`` of the request, independently of the drafter:

* a figure followed by a unit the clerk counted (đơn, lượt, hội nghị …) that is none of the clerk's
  figures for it ("đã tiếp 16 đơn" when the clerk gave 9, 8, 1 đơn);
* "nothing pending / all resolved" ("không có đơn thư tồn đọng", "đều được giải quyết", "giải quyết
  xong", "100% … giải quyết") when the clerk said something is still pending;
* "không có X" when the clerk gave a positive count of X, or a positive count of X when the clerk
  said there was none.

A question to the clerk (wholly in brackets) states nothing.

Example:
    >>> contradictions("Không có đơn thư tồn đọng.", [ExpectedFact("pending", "1", "đơn")])
    ['không có đơn thư tồn đọng']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from eval.datasets import ExpectedFact

_ALL_DONE = re.compile(r"không\s+(?:có|còn)\s+[^.;]{0,50}?tồn\s+đọng|(?:đều|100\s*%)\s+[^.;]{0,40}?giải\s+quyết|"
                       r"giải\s+quyết\s+(?:xong|dứt\s+điểm|hết)")


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def contradictions(sentence: str, facts: Sequence[ExpectedFact], given: str = "") -> list[str]:
    """The phrases of ``sentence`` that contradict ``facts`` (empty: none); a figure written in the clerk's
    ``given`` text is never a contradiction."""
    text = _fold(re.sub(r"\[\d+(?:\s*[,;]\s*\d+)*\]", " ", sentence))
    if re.fullmatch(r"\[[^\[\]]+\]", text.strip()):
        return []
    found: list[str] = []
    if any(f.kind == "pending" for f in facts):
        found += [m.group() for m in _ALL_DONE.finditer(text)]
    counted: dict[str, set[str]] = {}
    for f in facts:
        if f.kind in ("value", "pending") and f.unit:
            counted.setdefault(_fold(f.unit), set()).add(f.value or "")
    for unit, values in counted.items():
        for m in re.finditer(rf"(?<![\w.,/])(\d+(?:[.,/]\d+)*)\s+(?:\S+\s+){{0,1}}?{re.escape(unit)}(?!\w)", text):
            written = re.search(rf"(?<![\w.,/]){re.escape(m.group(1))}(?![\w]|[.,/]\d)", given)
            if m.group(1) not in values and not any(m.group(1) in v.split("/") for v in values) and not written:
                found.append(m.group())
    for f in facts:
        what = _fold(f.what or "")
        if f.kind == "none" and what:
            head = what.split()[-1]
            for m in re.finditer(rf"(?<![\w.,/])\d+\s+(?:\S+\s+){{0,3}}?{re.escape(head)}(?!\w)", text):
                if re.search(rf"{re.escape(what)}", text[m.start():m.end() + len(what)]):
                    found.append(m.group())
        if f.kind == "value" and what and f.value not in ("0",):
            for m in re.finditer(rf"không\s+có\s+(?:\S+\s+){{0,3}}?{re.escape(what)}", text):
                found.append(m.group())
    return found
