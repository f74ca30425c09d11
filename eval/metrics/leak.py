"""Leak rate: the share of draft sentences that carry another unit's names or figures.

The caller supplies what counts as foreign (names of the other communes, villages, people, and figures
found in precedents but not given by the clerk) and what is allowed (the target's own names, the
clerk's facts, years of the request). Matching is on whole tokens after NFC and case folding, so the
figure "16" does not match inside "2016" or "2.16", and "256" not inside "2.256"; the name
"Quang Khải" matches "xã Quang Khải," but not "Quang Khảii".

Example:
    >>> leak_rate(["Xã đã tiếp 16 đơn.", "Xã đã tiếp [số đơn] đơn."], names=[], figures=["16"])
    0.5
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence

# A term must not touch a letter/digit, nor continue a figure through its separator (2.256, 05/12).
_LEFT = r"(?<!\w)(?<!\d[.,/])"
_RIGHT = r"(?!\w)(?![.,/]\d)"


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(_LEFT + re.escape(_fold(term)) + _RIGHT)


def find_leaks(sentence: str, names: Collection[str], figures: Collection[str], allowed: Collection[str] = ()) -> list[str]:
    """Foreign names and figures found in one sentence, in the order given, minus allowed terms.

    Args:
        sentence: a draft sentence.
        names: other units' names (communes, villages, streets, people).
        figures: figures from precedents the clerk did not give ("2.256", "16", "80 triệu").
        allowed: terms that are legitimate here even if also listed as foreign (clerk facts, target names).
    """
    folded = _fold(sentence)
    allowed_folded = {_fold(a) for a in allowed}
    found = []
    for term in [*names, *figures]:
        if not term.strip() or _fold(term) in allowed_folded:
            continue
        if _term_pattern(term).search(folded):
            found.append(term)
    return found


def leak_rate(sentences: Sequence[str], names: Collection[str], figures: Collection[str], allowed: Collection[str] = ()) -> float:
    """Share of sentences with at least one leak (0.0 for no sentences: nothing leaked)."""
    if not sentences:
        return 0.0
    return sum(1 for s in sentences if find_leaks(s, names, figures, allowed)) / len(sentences)
