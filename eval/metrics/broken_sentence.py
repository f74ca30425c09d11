"""Broken sentences: a draft sentence that ends mid-clause or mid-word, starts mid-sentence, or is a
heading rather than a sentence.

Judged here, not by the drafter: a sentence (markers removed) must start with a capital letter or a
figure, end with . ! ? or … (closing quotes allowed), not end on a colon nor on a word that cannot end
a Vietnamese clause ("của", "và", "các", "được" …), and must not be one of the corpus's headings
(its section headings, and the sentences labelled "heading" by hand in ``sentence_kinds.jsonl``). A
question to the clerk, wholly in brackets, is whole by construction.

Example:
    >>> broken_reason("Thực hiện tốt các nhiệm vụ được", [])
    'no final stop'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_DANGLING = frozenset("của và các được với để cho những là về từ theo trong tại đến như có một nhằm đã sẽ đang "
                      "hoặc mà thì nhưng bởi do".split())
_CLOSERS = "”\"’»)"


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"^\s*(?:[ivx]+|\d+(?:\.\d+)*|[a-zđ])\s*[.)\-–:]\s+", "", text)
    return " ".join(re.findall(r"\w+", text))


def broken_reason(sentence: str, headings: Sequence[str]) -> str | None:
    """Why ``sentence`` is not a whole sentence, or None when it is."""
    from rapidfuzz import fuzz

    text = re.sub(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]", "", sentence).strip()
    if re.fullmatch(r"\[[^\[\]]+\]", text):
        return None
    first = next((c for c in text if c.isalnum()), "")
    if not first or first.islower():
        return "starts mid-sentence"
    body = text.rstrip(_CLOSERS).rstrip()
    if not body.endswith((".", "!", "?", "…")):
        return "no final stop"
    if body.rstrip(".!?… ").endswith(":"):
        return "ends on a colon"
    words = re.findall(r"\w+", body.lower())
    if words and words[-1] in _DANGLING:
        return f"ends on “{words[-1]}”"
    key = _norm(text)
    if any(key and fuzz.ratio(key, _norm(h)) >= 90 for h in headings):
        return "a heading"
    return None


def broken_count(sentences: Sequence[str], headings: Sequence[str]) -> int:
    """How many of ``sentences`` are broken."""
    return sum(broken_reason(s, headings) is not None for s in sentences)
