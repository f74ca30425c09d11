"""Vietnamese-aware sentence splitting with character offsets.

Administrative Vietnamese breaks naive splitters: abbreviations end in a dot
(``TM.``, ``KT.``, ``TP.``, ``ThS.``, ``v.v.``), numbers use dots and commas
(``2.256`` hộ, ``657,36`` ha), dates use slashes, headings start with ``1.``,
``2.1.``, ``II.`` or ``a)``, and ellipses (``...``/``…``) often end a list mid-
sentence. The drafter and the verifier both cut text here, so a sentence can
always be quoted back by its offsets (``text[span.start:span.end] == span.text``).

Example:
    >>> [s.text for s in split_sentences("Xã có 2.256 hộ. TM. UBND xã ký.")]
    ['Xã có 2.256 hộ.', 'TM. UBND xã ký.']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Span", "split_sentences", "ABBREVIATIONS"]

# Tokens that end with a dot but do not end a sentence (compared case-sensitively
# first, then lower-cased for the all-lowercase ones).
ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "TM", "KT", "TL", "TUQ", "Q", "TP", "Tp", "ThS", "TS", "PGS", "GS", "BS", "CN", "KS",
        "Th", "St", "Đ", "Ng", "P", "TX", "TT", "Tr", "tr", "v.v", "vv", "đ/c", "Đ/c", "ông", "bà",
        "Sđd", "tp", "No", "Ths",
    }
)
_ROMAN = re.compile(r"^[IVXLC]+$")
_HEADING_NUMBER = re.compile(r"^(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])$")
_OPEN_QUOTES = "“\"'‘«(["
_CLOSE_QUOTES = "”\"'’»)]"
_TERMINATORS = ".!?…"


@dataclass(frozen=True)
class Span:
    """One sentence and where it sits in the text it was cut from (0-based, end exclusive)."""

    text: str
    start: int
    end: int


def _token_before(text: str, dot: int) -> str:
    """The whitespace-delimited token ending right before position ``dot``."""
    i = dot
    while i > 0 and not text[i - 1].isspace():
        i -= 1
    return text[i:dot].lstrip(_OPEN_QUOTES)


def _only_space_between(text: str, start: int, end: int) -> bool:
    return text[start:end].strip() == ""


def _is_boundary(text: str, run_start: int, run_end: int, sentence_start: int) -> bool:
    """Decide whether the terminator run ``text[run_start:run_end]`` ends a sentence."""
    run = text[run_start:run_end]
    # Followed by more text without a space (2.256, v.v, 05.12, "...mới”,") → not a boundary.
    nxt = run_end
    if nxt < len(text) and not text[nxt].isspace():
        return False
    # Find the next non-space character.
    j = nxt
    while j < len(text) and text[j] in " \t":
        j += 1
    if j >= len(text) or text[j] == "\n":
        return True
    following = text[j]
    is_ellipsis = run.startswith("...") or "…" in run or run.count(".") >= 2
    if following.islower():
        # "giải quyết... và" or "TP. hồ": lowercase continuation never starts a sentence.
        return False
    if run == ".":
        token = _token_before(text, run_start)
        if token in ABBREVIATIONS or token.lower() in {"v.v", "vv", "tp"}:
            return False
        if len(token) == 1 and token.isupper() and token.isalpha() and not _ROMAN.match(token):
            return False  # an initial: "Nguyễn V. An"
        # Heading numbers ("1.", "2.1.", "II.") at the very start of a sentence.
        if _HEADING_NUMBER.match(token) and _only_space_between(text, sentence_start, run_start - len(token)):
            return False
    if is_ellipsis and not (following.isupper() or following.isdigit() or following in _OPEN_QUOTES or following == "-"):
        return False
    return True


def split_sentences(text: str) -> list[Span]:
    """Cut ``text`` into sentences; line breaks always end a sentence.

    Args:
        text: NFC text; may contain ``\\n`` between paragraphs or bullet items.

    Returns:
        Spans in order, stripped of surrounding whitespace, empty ones dropped;
        ``text[s.start:s.end] == s.text`` for every span.
    """
    spans: list[Span] = []
    sentence_start = 0
    i = 0
    n = len(text)

    def emit(end: int) -> None:
        raw = text[sentence_start:end]
        lead = len(raw) - len(raw.lstrip())
        stripped = raw.strip()
        if stripped:
            s = sentence_start + lead
            spans.append(Span(stripped, s, s + len(stripped)))

    while i < n:
        ch = text[i]
        if ch == "\n":
            emit(i)
            sentence_start = i + 1
            i += 1
            continue
        if ch in _TERMINATORS:
            run_end = i
            while run_end < n and text[run_end] in _TERMINATORS:
                run_end += 1
            # Closing quotes/brackets belong to the sentence they close: “…mới”.
            close_end = run_end
            while close_end < n and text[close_end] in _CLOSE_QUOTES:
                close_end += 1
            if _is_boundary(text, i, close_end, sentence_start):
                emit(close_end)
                sentence_start = close_end
            i = close_end
            continue
        i += 1
    emit(n)
    return spans
