"""Repairs for what OCR gets wrong in a structured way, applied only to lines read by OCR.

**Roman headings.** Tesseract reads the numerals of a report's top-level headings badly: the
strokes merge or split ("III." → "II.", "I." → "IL.", "1."), and the period drops ("II NHIỆM VỤ").
The report's outline then loses or repeats a heading. Those headings count up one by one, so
each line that looks like one (a numeral-like token — I, V, X and their look-alikes l, L, 1, | —
then a capitals heading) is read in order. A clean numeral with its period is the author's and is
kept — a report may skip or repeat a number — unless it is the numeral the count expects with one
stroke lost ("II." or "V." where the count says III or IV). A look-alike token, or a numeral that
lost its period, within one stroke of the count is the counted numeral, written with its period.
Nothing else changes.

**Symbols of the National Assembly.** The term number in ``QH11``/``UBTVQH11`` comes back with
letters for digits, sometimes one stroke too many ("UBTVQHI1", "QHII", "QHI11"); after ``QH`` a
report writes one or two digits.

**Tone marks.** Tesseract adds or swaps a tone mark ("nhân dần", "tỉnh thần", "Nguyên nhần").
A word is given another tone (or none) only when the corpus has never seen it next to its
neighbours, has seen the other form next to every one of them, and often next to one
(``MIN_PAIR_SUPPORT``): "từng bước dần được" stays, because "bước dân" is not in the corpus either.

Example:
    >>> [after for _, _, after in fix_roman_sequence(["IL. MỤC ĐÍCH", "II NHIỆM VỤ", "II. TỔ CHỨC"], {1, 2, 3})]
    ['I. MỤC ĐÍCH', 'II. NHIỆM VỤ', 'III. TỔ CHỨC']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence

from index.syllables import SyllableInventory

_HEADING_LIKE = re.compile(r"^(\s*)([IVXLl1|]{1,5})(?:\s*([.\-–])\s*|\s+)(?=\S)(.*)$")
_NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
             "XVI", "XVII", "XVIII", "XIX", "XX")
_VALUE = {numeral: value for value, numeral in enumerate(_NUMERALS, 1)}
_LOOK_ALIKE = str.maketrans({"l": "I", "L": "I", "1": "I", "|": "I"})
_QH_TERM = re.compile(r"(?<=QH)([0-9Il|]{2,3})(?![\w])")
_WORD = re.compile(r"[^\W\d_]+")
_TONE_MARKS = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
#: The other form must have been seen this often beside one neighbour (and at least once beside each).
MIN_PAIR_SUPPORT = 5


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
        raw, token = m.group(2), m.group(2).translate(_LOOK_ALIKE)
        counted = _NUMERALS[expected - 1] if expected <= len(_NUMERALS) else None
        if raw in _VALUE and m.group(3):
            # a clean numeral: kept (the author's own numbering, even a repeated or skipped one) unless it is
            # the counted numeral with one stroke lost ("II." where the count says III)
            lost = counted and expected > 1 and len(raw) == len(counted) - 1 and _one_stroke_off(raw, counted)
            numeral = counted if lost else raw
        elif counted and (token == counted or _one_stroke_off(token, counted)):
            numeral = counted                     # a look-alike ("IL", "lV") or a numeral without its period
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
    def digits(m: re.Match[str]) -> str:
        run = m.group(1)
        if len(run) == 3 and any(ch in "Il|" for ch in run):      # one stroke read twice
            i = next(i for i, ch in enumerate(run) if ch in "Il|")
            run = run[:i] + run[i + 1:]
        return run.translate(_LOOK_ALIKE).replace("I", "1")
    return _QH_TERM.sub(digits, line)


def _tone_variants(word: str) -> list[str]:
    """``word`` with its tone mark removed or swapped for another (same letters, same place)."""
    decomposed = unicodedata.normalize("NFD", word)
    marks = [i for i, ch in enumerate(decomposed) if ch in _TONE_MARKS]
    if len(marks) != 1:
        return []
    i = marks[0]
    out = [decomposed[:i] + decomposed[i + 1:]]
    out += [decomposed[:i] + mark + decomposed[i + 1:] for mark in _TONE_MARKS if mark != decomposed[i]]
    return [unicodedata.normalize("NFC", variant) for variant in out]


def fix_tones(line: str, inventory: SyllableInventory) -> str:
    """Tone marks OCR got wrong, put right where the corpus's word pairs leave no doubt (module docstring)."""
    words = list(_WORD.finditer(line))
    replacements: dict[int, tuple[int, str]] = {}
    for k, m in enumerate(words):
        word = m.group(0)
        neighbours = [words[j].group(0) for j in (k - 1, k + 1) if 0 <= j < len(words)]
        if not neighbours or any(_pair(inventory, word, other, j < k) for j, other in
                                 zip((k - 1, k + 1) if k > 0 else (k + 1,), neighbours)):
            continue
        best, best_support = None, 0
        for variant in _tone_variants(word):
            support = [_pair(inventory, variant, other, j < k)
                       for j, other in zip((k - 1, k + 1) if k > 0 else (k + 1,), neighbours)]
            if min(support) >= 1 and max(support) >= MIN_PAIR_SUPPORT and sum(support) > best_support:
                best, best_support = variant, sum(support)
        if best is not None:
            replacements[m.start()] = (m.end(), best)
    for start in sorted(replacements, reverse=True):
        end, variant = replacements[start]
        line = line[:start] + variant + line[end:]
    return line


def _pair(inventory: SyllableInventory, word: str, other: str, other_first: bool) -> int:
    return inventory.bigram(other, word) if other_first else inventory.bigram(word, other)


def _one_stroke_off(token: str, numeral: str) -> bool:
    """The same numeral but for one "I" stroke too many or too few (``II``/``III``, ``V``/``IV``)."""
    return token.replace("I", "") == numeral.replace("I", "") and abs(len(token) - len(numeral)) <= 1


def _caps_heading(rest: str) -> bool:
    letters = [ch for ch in rest if ch.isalpha()]
    return len(letters) >= 4 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)
