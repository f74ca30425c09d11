"""Repairs for what OCR gets wrong in a structured way, applied only to lines read by OCR.

Tesseract merges the strokes of Roman numerals: the third top-level heading of a report
("III. KẾT QUẢ THỰC HIỆN") comes back as "II." when the scan is slightly soft, and the report's
outline then has two "II" and no "III". A report's top-level headings count up one by one, so a
numeral that repeats the previous one while the expected next numeral is the same letters with
one more "I" is that numeral — and the heading after it, when there is one, must confirm the
count (be the numeral after the expected one). Nothing else is touched.

Example:
    >>> fix_roman_sequence(["I. A", "II. B", "II. C", "IV. D"], {1, 2, 3, 4})
    [(3, 'II. C', 'III. C')]
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

_ROMAN_HEADING = re.compile(r"^(\s*)([IVX]{1,5})(\s*[.\-–]\s+\S.*)$")
_NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
             "XVI", "XVII", "XVIII", "XIX", "XX")
_VALUE = {numeral: value for value, numeral in enumerate(_NUMERALS, 1)}


def fix_roman_sequence(lines: Sequence[str], ocr_lines: Collection[int]) -> list[tuple[int, str, str]]:
    """``(line number, before, after)`` for each OCR'd top-level Roman heading repaired (1-based lines)."""
    headings = []
    for number, line in enumerate(lines, 1):
        m = _ROMAN_HEADING.match(line)
        if m and m.group(2) in _VALUE and _caps_heading(m.group(3)):
            headings.append((number, m))
    fixes = []
    for i, (number, m) in enumerate(headings):
        if i == 0 or number not in ocr_lines:
            continue
        previous = _VALUE[headings[i - 1][1].group(2)]
        current = _VALUE[m.group(2)]
        if current != previous or previous >= len(_NUMERALS):
            continue
        expected = _NUMERALS[previous]                 # the numeral after the previous one
        if expected != m.group(2) + "I":
            continue
        following = _VALUE[headings[i + 1][1].group(2)] if i + 1 < len(headings) else None
        if following is not None and following != previous + 2:
            continue
        fixes.append((number, m.group(0), f"{m.group(1)}{expected}{m.group(3)}"))
    return fixes


def _caps_heading(rest: str) -> bool:
    letters = [ch for ch in rest if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)
