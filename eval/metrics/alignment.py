"""Section alignment accuracy: the share of gold pairs, including gold "unmatched" entries, that a
comparison reproduces exactly.

Sections are named by their heading path, headings joined with " > " (see ``eval/README.md``). Names
are compared through :func:`section_key` (NFC, ``ƣ``→``ư``, Markdown ``#``/``*`` removed, whitespace
collapsed, trailing ``.:;,`` removed from each heading, the numbering marker written as "III. " whether the
file has "III.", "III -" or "III-", case folded), so "III- KẾT QUẢ THỰC HIỆN." and "III. Kết quả thực hiện"
are the same section.

A gold pair (a, b) is reproduced when the prediction maps a to exactly {b}; a gold (a, None) when the
prediction lists a only as unmatched (a → {None}); a gold (None, b) when b is only listed unmatched.
Predicted pairs about sections the gold does not list (e.g. parent headings with no own text) are ignored.

Example:
    >>> alignment_accuracy([("I. A", "I. A"), ("II. B", None)], [("I. A", "I. A"), ("II. B", "III. C")])
    0.5
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

SectionPair = tuple[str | None, str | None]

_TRAILING = ".:;, "
_NUMBERING = re.compile(r"^([IVXLC]+|\d+(?:\.\d+)*)\s*[.\-–)]\s*")


def section_key(name: str) -> str:
    """Comparison key of a section path (see module docstring)."""
    text = unicodedata.normalize("NFC", name).replace("ƣ", "ư").replace("Ƣ", "Ư")
    parts = []
    for part in text.split(" > "):
        part = re.sub(r"[*#]+", " ", part)
        part = " ".join(part.split()).strip(_TRAILING)
        part = _NUMBERING.sub(r"\1. ", part)
        parts.append(part.casefold())
    return " > ".join(parts)


def _mappings(predicted: Sequence[SectionPair]) -> tuple[dict[str, set[str | None]], dict[str, set[str | None]]]:
    a_to_b: dict[str, set[str | None]] = defaultdict(set)
    b_to_a: dict[str, set[str | None]] = defaultdict(set)
    for a, b in predicted:
        a_key = section_key(a) if a is not None else None
        b_key = section_key(b) if b is not None else None
        if a_key is not None:
            a_to_b[a_key].add(b_key)
        if b_key is not None:
            b_to_a[b_key].add(a_key)
    return a_to_b, b_to_a


def pair_reproduced(gold: SectionPair, predicted: Sequence[SectionPair]) -> bool:
    """True if the prediction reproduces one gold pair exactly (see module docstring)."""
    a_to_b, b_to_a = _mappings(predicted)
    return _reproduced(gold, a_to_b, b_to_a)


def _reproduced(gold: SectionPair, a_to_b: dict[str, set[str | None]], b_to_a: dict[str, set[str | None]]) -> bool:
    a, b = gold
    if a is None and b is None:
        raise ValueError("a gold pair needs at least one side")
    if a is not None:
        return a_to_b.get(section_key(a)) == {section_key(b) if b is not None else None}
    return b_to_a.get(section_key(b)) == {None}


def alignment_accuracy(gold: Sequence[SectionPair], predicted: Sequence[SectionPair]) -> float:
    """Share of gold pairs reproduced exactly (0.0 for an empty gold list)."""
    if not gold:
        return 0.0
    a_to_b, b_to_a = _mappings(predicted)
    return sum(_reproduced(pair, a_to_b, b_to_a) for pair in gold) / len(gold)


def alignment_failures(gold: Sequence[SectionPair], predicted: Sequence[SectionPair]) -> list[SectionPair]:
    """The gold pairs the prediction did not reproduce, for the failure list of the report."""
    a_to_b, b_to_a = _mappings(predicted)
    return [pair for pair in gold if not _reproduced(pair, a_to_b, b_to_a)]
