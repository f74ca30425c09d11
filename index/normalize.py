"""Normalize stage: character-level repair of Vietnamese text, one output line per input line.

Steps, in order, each recorded as ``TextChange`` records with the original line number:

1. ``nfc``: Unicode NFC (seed 003 and Windows-1258 files come decomposed).
2. ``pdf-glyph``: ``ƣ``/``Ƣ`` (a PDF font's glyph for ư/Ư) → ``ư``/``Ư``; the Icelandic ``Ð``/``ð``
   (drawn like ``Đ``, what OCR and old encodings put for it) → ``Đ``/``đ``.
3. ``html-entity``, ``invisible``: ``&amp;``-style entities decoded; zero-width
   characters and soft hyphens removed; non-breaking spaces and tabs become spaces.
4. ``markdown``: emphasis markers (``**b**``, ``*i*``, ``__u__``) removed (heading
   ``#`` kept, the structure parser needs them); lines that are only table or rule
   debris (``|``, ``---``, ``** **``) become empty.
5. ``dropped-glyph``: bold capitals that a PDF extractor dropped, each leaving a
   space ("C Ỉ ĐẠO" → "CHỈ ĐẠO"), are restored. See ``repair_dropped_glyphs``.
6. ``whitespace``: runs of spaces collapsed, line ends stripped.
7. ``ocr-symbol``, ``ocr-tone``, ``ocr-roman``: on lines read by OCR only, National Assembly term
   numbers in document symbols get their digits back, a tone mark the corpus's word pairs prove
   wrong is put right, and top-level Roman headings follow the report's count (``index.ocr_repair``).

Lines are never merged or split: ``NormalizedText.lines[i]`` is original line
``i + 1``. Rejoining hard wraps and split document numbers ("Nghị định số" /
"04/2015/NĐ-CP") is the structure and citation parsers' job, as is
``23- QĐ/TW``-style spacing inside numbers.

Example:
    >>> from index.syllables import SyllableInventory
    >>> inv = SyllableInventory.from_texts({"x": "chỉ đạo chỉ đạo hoạt động hoạt động"})
    >>> normalize_vietnamese("C Ỉ ĐẠO\\n**Hoạt  động**", inventory=inv).lines
    ('CHỈ ĐẠO', 'Hoạt động')
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from index.ocr_repair import fix_roman_sequence, fix_symbols, fix_tones
from index.schema import NormalizedText, TextChange
from index.syllables import SyllableInventory, default_inventory, is_syllable_prefix, is_valid_syllable

logger = logging.getLogger(__name__)

NORMALIZER_VERSION = 2   # 2: OCR repairs (ocr-symbol, ocr-tone, ocr-roman)

# Capitals that the bold font of seed 004's source PDF failed to extract.
DEFAULT_DROPPED_GLYPHS: tuple[str, ...] = ("H", "Ủ", "Ụ", "X", "A")

_PDF_GLYPHS = {"ƣ": "ư", "Ƣ": "Ư", "Ð": "Đ", "ð": "đ"}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\v\f"), " ")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_HEADING = re.compile(r"^(\s*#{1,6})(\s.*|)$")
_BULLET_STAR = re.compile(r"^(\s*)\*(\s+)(?=\S)")
_DEBRIS = re.compile(r"^[\s|:\-=_*]*$")
_SPACE_RUN = re.compile(r" {2,}")
_LETTER_RUN = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class GlyphRepairSettings:
    """Knobs of the dropped-glyph repair.

    Args:
        glyphs: candidate glyphs that may have fallen out (their case follows the word).
        glyph_cost: log-probability cost of assuming one dropped glyph; higher = more conservative.
        min_gain: the repaired line must beat the line as written by this many nats.
        common_count: a valid syllable seen this often elsewhere in the corpus is not suspicious.
        min_filled_count: a word completed by a glyph must be a valid syllable seen at
            least this often elsewhere in the corpus ("ụt", a valid but unseen shape, is refused).
    """

    glyphs: tuple[str, ...] = DEFAULT_DROPPED_GLYPHS
    glyph_cost: float = 2.0
    min_gain: float = 1.0
    common_count: int = 2
    min_filled_count: int = 1

    def __post_init__(self):
        if not self.glyphs or any(len(g) != 1 or not g.isalpha() for g in self.glyphs):
            raise ValueError(f"glyphs must be single letters, got {self.glyphs!r}")
        if self.glyph_cost < 0 or self.min_gain < 0:
            raise ValueError("glyph_cost and min_gain must be >= 0")


def normalize_vietnamese(
    text: str,
    source: str = "",
    inventory: SyllableInventory | None = None,
    repair: GlyphRepairSettings | None = None,
    ocr_lines: frozenset[int] = frozenset(),
) -> NormalizedText:
    """Normalize a decoded document line by line.

    Args:
        text: the loaded text (``LoadedFile.text``), lines separated by ``\\n``.
        source: corpus-relative name, carried into the result.
        inventory: syllable counts for the dropped-glyph repair; default: the
            bundled corpus. The document itself is left out of the counts.
        repair: dropped-glyph repair settings (default ``GlyphRepairSettings()``).
        ocr_lines: the (1-based) lines whose text was read by OCR; OCR repairs touch only these.

    Returns:
        ``NormalizedText`` with exactly as many lines as ``text`` and the changes made.
    """
    repair = repair or GlyphRepairSettings()
    inventory = (inventory if inventory is not None else default_inventory()).excluding(text)
    changes: list[TextChange] = []
    out: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = _step(line, unicodedata.normalize("NFC", line), number, "nfc", changes)
        line = _step(line, _fix_pdf_glyphs(line), number, "pdf-glyph ƣ→ư", changes)
        line = _step(line, _decode_entities(line), number, "html-entity", changes)
        line = _step(line, line.translate(_INVISIBLE).translate(_SPACES), number, "invisible", changes)
        line = _step(line, _strip_markdown(line), number, "markdown", changes)
        line, repairs = repair_dropped_glyphs(line, inventory, repair)
        changes.extend(TextChange(number, before, after, "dropped-glyph") for before, after in repairs)
        line = _step(line, _SPACE_RUN.sub(" ", line).strip(), number, "whitespace", changes)
        out.append(line)
    if ocr_lines:
        for number in sorted(ocr_lines):
            if number <= len(out):
                out[number - 1] = _step(out[number - 1], fix_symbols(out[number - 1]), number, "ocr-symbol", changes)
                out[number - 1] = _step(out[number - 1], fix_tones(out[number - 1], inventory), number, "ocr-tone",
                                        changes)
        for number, before, after in fix_roman_sequence(out, ocr_lines):
            out[number - 1] = after
            changes.append(TextChange(number, before, after, "ocr-roman"))
    glyph_repairs = sum(1 for c in changes if c.reason == "dropped-glyph")
    if glyph_repairs:
        logger.info("%s: %d dropped-glyph repairs", source or "<text>", glyph_repairs)
    return NormalizedText(source=source, lines=tuple(out), changes=tuple(changes))


def _step(before: str, after: str, number: int, reason: str, changes: list[TextChange]) -> str:
    if after != before:
        changes.append(TextChange(number, before, after, reason))
    return after


def _fix_pdf_glyphs(line: str) -> str:
    for bad, good in _PDF_GLYPHS.items():
        line = line.replace(bad, good)
    return line


def _decode_entities(line: str) -> str:
    if "&" not in line:
        return line
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), line)


def _strip_markdown(line: str) -> str:
    """Drop emphasis markers and table/rule debris; keep heading hashes and ``* `` bullets."""
    heading = _HEADING.match(line)
    prefix, body = (heading.group(1), heading.group(2)) if heading else ("", line)
    bullet = _BULLET_STAR.match(body)
    if bullet:
        prefix, body = prefix + bullet.group(0), body[bullet.end():]
    body = body.replace("*", "")
    body = re.sub(r"(?<!_)__(?!_)", "", body)
    if not heading and not bullet and _DEBRIS.match(body) and body.strip():
        return ""
    return prefix + body


# --- dropped-glyph repair ---------------------------------------------------------------------


def _suspicious(run: str, inventory: SyllableInventory, settings: GlyphRepairSettings) -> bool:
    """A letter run that is not a common, well-formed syllable: possible debris of a damaged word."""
    return not (is_valid_syllable(run) and inventory.count(run) >= settings.common_count)


def _open_positions(line: str, inventory: SyllableInventory, settings: GlyphRepairSettings) -> list[int]:
    """Indices of spaces that may hide a dropped glyph: every space of a gap touching a suspicious letter run."""
    runs = list(_LETTER_RUN.finditer(line))
    if not runs:
        return []
    suspicious_ends: set[int] = set()
    suspicious_starts: set[int] = set()
    for match in runs:
        if _suspicious(match.group(0), inventory, settings):
            suspicious_starts.add(match.start())
            suspicious_ends.add(match.end())
    if not suspicious_starts:
        return []
    positions: list[int] = []
    for gap in re.finditer(r" +", line):
        if gap.start() in suspicious_ends or gap.end() in suspicious_starts:
            positions.extend(range(gap.start(), gap.end()))
    return positions


def _best_reading(
    line: str, open_positions: Sequence[int], inventory: SyllableInventory, settings: GlyphRepairSettings
) -> tuple[str, float, float]:
    """Viterbi search over fillings of the open spaces under a syllable bigram model.

    State: (previous finished word, word being built). Each open space is either a
    separator or one of the candidate glyphs (lower-cased while scoring). Returns the
    best reading (glyphs lower-cased, case fixed later), its score and the score of
    the line as written.
    """
    glyph_options = sorted({g.lower() for g in settings.glyphs})
    open_set = set(open_positions)
    # (previous word, word being built, does it hold an inserted glyph) -> (score, path);
    # a path is a linked list (char, parent) so extending it costs O(1)
    State = tuple[str | None, str, bool]
    states: dict[State, tuple[float, tuple | None]] = {(None, "", False): (0.0, None)}

    def close(prev: str | None, tail: str, tainted: bool, score: float) -> tuple[str | None, float] | None:
        if not tail:
            return prev, score
        if tainted and not (is_valid_syllable(tail) and inventory.count(tail) >= settings.min_filled_count):
            return None                    # a filled gap must yield a real, attested syllable
        return tail, score + inventory.log_prob(tail, prev)

    for index, char in enumerate(line):
        options = [(char, False)]
        if index in open_set:
            options += [(glyph, True) for glyph in glyph_options]
        new_states: dict[State, tuple[float, tuple | None]] = {}
        for (prev, tail, tainted), (score, path) in states.items():
            for option, is_glyph in options:
                new_score = score - (settings.glyph_cost if is_glyph else 0.0)
                if option.isalpha():
                    new_tail, new_tainted = tail + option.lower(), tainted or is_glyph
                    if new_tainted and not is_syllable_prefix(new_tail):
                        continue
                    key: State = (prev, new_tail, new_tainted)
                else:
                    closed = close(prev, tail, tainted, new_score)
                    if closed is None:
                        continue
                    key, new_score = (closed[0], "", False), closed[1]
                if key not in new_states or new_states[key][0] < new_score:
                    new_states[key] = (new_score, (option, path))
        states = new_states
    finals = []
    for (prev, tail, tainted), (score, path) in states.items():
        closed = close(prev, tail, tainted, score)
        if closed is not None:
            finals.append((closed[1], path))
    best_score, path = max(finals, key=lambda item: item[0])
    best_chars: list[str] = []
    while path is not None:
        best_chars.append(path[0])
        path = path[1]
    best_chars.reverse()
    written = 0.0
    prev = None
    for word in _LETTER_RUN.findall(line):
        written += inventory.log_prob(word.lower(), prev)
        prev = word.lower()
    return "".join(best_chars), best_score, written


def _restore_case(reading: str, inserted: set[int]) -> str:
    """Give each inserted glyph the case of its word: capitals in capital words and at word starts."""
    chars = list(reading)
    for run in _LETTER_RUN.finditer(reading):
        others = [reading[i] for i in range(run.start(), run.end()) if i not in inserted]
        for i in range(run.start(), run.end()):
            if i not in inserted:
                continue
            if not others or all(ch.isupper() for ch in others):
                chars[i] = chars[i].upper()
            elif i == run.start() and others[0].islower():
                chars[i] = chars[i].upper()
            else:
                chars[i] = chars[i].lower()
    return "".join(chars)


def repair_dropped_glyphs(
    line: str, inventory: SyllableInventory, settings: GlyphRepairSettings | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """Restore glyphs that an extractor replaced by spaces, when the evidence says so.

    A space is a candidate only if it touches a letter run that is not a common,
    well-formed syllable ("C", "IỆN", "oạt"); a line without such a run is returned
    untouched. For the candidates, every filling with glyphs from ``settings.glyphs``
    is scored by a syllable bigram model with a cost per assumed glyph, and the
    best filling is kept only if it beats the line as written by ``min_gain``.

    Returns:
        The line (spacing kept, so the caller collapses it) and a list of
        ``(damaged span, repaired span)`` pairs, one per repaired stretch.
    """
    settings = settings or GlyphRepairSettings()
    positions = _open_positions(line, inventory, settings)
    if not positions:
        return line, []
    reading = line
    for start, end, cluster in _windows(line, positions):
        window = [p - start for p in cluster]
        best_window, best, written = _best_reading(reading[start:end], window, inventory, settings)
        if best - written >= settings.min_gain:
            reading = reading[:start] + best_window + reading[end:]
    if reading == line:
        return line, []
    inserted = {i for i, (a, b) in enumerate(zip(line, reading)) if a != b}
    repaired = _restore_case(reading, inserted)
    return repaired, _spans(line, repaired, inserted)


def _windows(line: str, positions: Sequence[int]) -> list[tuple[int, int, list[int]]]:
    """Independent stretches to search: each run of linked open spaces plus one word of left context.

    Open spaces are linked when no fixed (non-open) space separates them; a fixed
    space is a certain word boundary, so stretches on either side of it can be
    scored apart (the left word is kept only for its bigram with the stretch).
    """
    open_set = set(positions)
    fixed = [i for i, ch in enumerate(line) if ch == " " and i not in open_set]
    clusters: list[list[int]] = []
    for pos in sorted(positions):
        if clusters and not any(clusters[-1][-1] < f < pos for f in fixed):
            clusters[-1].append(pos)
        else:
            clusters.append([pos])
    spans = []
    for cluster in clusters:
        first, last = cluster[0], cluster[-1]
        left_fixed = [f for f in fixed if f < first]
        start = 0
        if left_fixed:
            boundary = left_fixed[-1]
            while boundary > 0 and line[boundary - 1] == " " and boundary - 1 not in open_set:
                boundary -= 1
            earlier = [f for f in fixed if f < boundary]
            start = earlier[-1] + 1 if earlier else 0
        right_fixed = [f for f in fixed if f > last]
        end = right_fixed[0] if right_fixed else len(line)
        spans.append((start, end, cluster))
    return spans


def _spans(before: str, after: str, inserted: set[int]) -> list[tuple[str, str]]:
    """Group changed positions into stretches widened to whole words, for the change log."""
    spans: list[tuple[str, str]] = []
    start = end = None
    for i in sorted(inserted):
        lo, hi = i, i + 1
        while lo > 0 and not after[lo - 1].isspace():
            lo -= 1
        while hi < len(after) and not after[hi].isspace():
            hi += 1
        if start is not None and lo <= end + 1:
            end = max(end, hi)
        else:
            if start is not None:
                spans.append((before[start:end].strip(), after[start:end].strip()))
            start, end = lo, hi
    if start is not None:
        spans.append((before[start:end].strip(), after[start:end].strip()))
    return spans
