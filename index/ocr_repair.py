"""Repairs for what OCR gets wrong in a structured way, applied only to lines read by OCR.

**Roman headings.** Tesseract reads the numerals of a report's top-level headings badly: the
strokes merge or split ("III." → "II.", "I." → "IL.", "1."), and the period drops ("II NHIỆM VỤ").
The report's outline then loses or repeats a heading. Those headings count up one by one, so
each line that looks like one (a numeral-like token — I, V, X and their look-alikes l, L, 1, | —
then a capitals heading) is read in order: a token within one edit of the numeral the count
expects is that numeral, written with its period; a clean numeral with its period at or past the
count is kept and the count goes on from it (a report may skip a number). Nothing else changes.

**Symbols of the National Assembly.** The term number in ``QH11``/``UBTVQH11`` comes back with
letters for digits ("UBTVQHI1", "QHII"); after ``QH`` only digits are written.

Example:
    >>> [after for _, _, after in fix_roman_sequence(["IL. MỤC ĐÍCH", "II NHIỆM VỤ", "II. TỔ CHỨC"], {1, 2, 3})]
    ['I. MỤC ĐÍCH', 'II. NHIỆM VỤ', 'III. TỔ CHỨC']
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

_HEADING_LIKE = re.compile(r"^(\s*)([IVXLl1|]{1,5})(?:\s*([.\-–])\s*|\s+)(?=\S)(.*)$")
_NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
             "XVI", "XVII", "XVIII", "XIX", "XX")
_VALUE = {numeral: value for value, numeral in enumerate(_NUMERALS, 1)}
_LOOK_ALIKE = str.maketrans({"l": "I", "1": "I", "|": "I"})
_QH_TERM = re.compile(r"(?<=QH)([0-9Il|]{2})(?![\w])")


def fix_roman_sequence(lines: Sequence[str], ocr_lines: Collection[int]) -> list[tuple[int, str, str]]:
    """``(line number, before, after)`` for each OCR'd top-level Roman heading repaired (1-based lines)."""
    fixes = []
    expected = 1
    for number, line in enumerate(lines, 1):
        if number not in ocr_lines:
            continue
        m = _HEADING_LIKE.match(line)
        if not m or not _caps_heading(m.group(4)):
            continue
        token = m.group(2).translate(_LOOK_ALIKE)
        if token in _VALUE and m.group(3) and _VALUE[token] >= expected:
            numeral = token                       # a clean numeral at or past the count (a report may skip one)
        elif expected <= len(_NUMERALS) and _within_one_edit(token, _NUMERALS[expected - 1]):
            numeral = _NUMERALS[expected - 1]
        else:
            continue
        expected = _VALUE[numeral] + 1
        if m.group(3) in ("-", "–"):
            after = f"{m.group(1)}{numeral}{line[m.end(2):m.start(4)]}{m.group(4)}"
        else:
            after = f"{m.group(1)}{numeral}. {m.group(4)}"
        if after != line:
            fixes.append((number, line, after))
    return fixes


def fix_symbols(line: str) -> str:
    """``UBTVQHI1`` → ``UBTVQH11``: after ``QH`` (National Assembly terms) only digits are written."""
    return _QH_TERM.sub(lambda m: m.group(1).translate(_LOOK_ALIKE).replace("I", "1"), line)


def _within_one_edit(a: str, b: str) -> bool:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(a, b) <= 1


def _caps_heading(rest: str) -> bool:
    letters = [ch for ch in rest if ch.isalpha()]
    return len(letters) >= 4 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)
