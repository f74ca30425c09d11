"""Unit-fact fidelity: of the draft sentences that state a fact of a particular unit, the share that
the clerk's facts (or the target unit's own documents) support.

The judge is not the drafter's classifier. A draft sentence taken from a precedent is judged by the
**hand label** of that precedent sentence (``eval/data/sentence_kinds.jsonl``, matched by wording);
any other sentence (written from the clerk's facts, or not found among the labelled ones) by a
**stricter rule** written here, which calls a unit fact anything with a figure, a placeholder, a
village or street name, a past act ("đã …") or a result word. Its recall on the hand labels is
reported next to the fidelity (``strict_rule_recall``), so the reader can see it misses none.

A question to the clerk (the whole sentence in brackets) states nothing and is not judged.

Example:
    >>> fidelity([(True, True), (True, False), (False, False)])
    0.5
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence

_QUESTION = re.compile(r"^\s*\[[^\[\]]+\]\s*$")
_PLACEHOLDER = re.compile(r"\[[^\[\]\d][^\[\]]*\]")
_MARKER = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")
_FIGURE = re.compile(r"(?<![\w.,/])\d+(?:[.,/]\d+)*(?![\w])")
_PLACE = re.compile(r"(?<!\w)(?:thôn|xóm|bản|ấp|tổ dân phố|khu phố|khu dân cư|đường|tuyến đường)\s+(?:số\s+)?"
                    r"(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*|\d+)", re.UNICODE)
_STRICT_WORDS = re.compile(
    r"(?<!\w)(?:đã|không có|không còn|không xảy ra|không phát sinh|100\s*%|đều được|xong|đạt|được công nhận|"
    r"tồn đọng|vi phạm|hội nghị|hội thi|đối thoại|tiếp xúc|bầu|khen thưởng|kết quả\s*:|trong năm|năm nay|"
    r"diện tích|dân số|nhân khẩu|chủ yếu|miền núi|giữ vững|ổn định|mô hình|kiện toàn|tổ chức họp|tồn tại|"
    r"bình quân|thu nhập|sản xuất nông nghiệp|cây trồng|dịch bệnh|ban hành kế hoạch|chương trình hành động|"
    r"của tỉnh|của huyện|tỉnh ủy|tỉnh uỷ|huyện ủy|huyện uỷ)(?!\w)", re.I)
_LOCAL_SYMBOL = re.compile(r"(?<!\w)\d+\s*-\s*[A-ZĐ]{2,4}\s*/\s*(?:TU|HU|ĐU)(?!\w)|/(?:QĐ|KH|CT|TB)-UBND(?!\w)")
FRAME_WORDS = frozenset("trong năm ubnd ủy ban nhân dân xã phường thị trấn đã được của và với tại có".split())


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def is_question(sentence: str) -> bool:
    return bool(_QUESTION.match(_MARKER.sub("", sentence)))


def is_unit_fact_strict(sentence: str, allowed_figures: Collection[str] = ()) -> bool:
    """The judge's own, deliberately stricter rule (see the module docstring)."""
    from eval.suites.drafting import strip_directive_references

    text = _MARKER.sub(" ", sentence)
    plain = strip_directive_references(text)
    figures = [f for f in _FIGURE.findall(plain) if f not in set(allowed_figures)]
    return bool(figures or _PLACEHOLDER.search(text) or _PLACE.search(plain) or _STRICT_WORDS.search(plain)
                or _LOCAL_SYMBOL.search(text))


def supported_by_facts(sentence: str, facts: str | None, allowed_figures: Collection[str] = (),
                       unit: str = "") -> bool:
    """Every figure of the sentence is one the clerk gave, no placeholder is left, and its words
    (beyond the report's frame and the unit's own name) are the clerk's."""
    if not facts:
        return False
    text = _MARKER.sub(" ", sentence)
    if _PLACEHOLDER.search(text):
        return False
    given = set(_FIGURE.findall(facts)) | set(allowed_figures)
    if any(f not in given for f in _FIGURE.findall(text)):
        return False
    own = set(re.findall(r"[^\W\d_]+", _fold(unit)))
    words = [w for w in re.findall(r"[^\W\d_]+", _fold(text)) if w not in FRAME_WORDS and w not in own]
    fact_words = set(re.findall(r"[^\W\d_]+", _fold(facts)))
    return bool(words) and sum(w in fact_words for w in words) / len(words) >= 0.7


def best_label(sentence: str, labelled: Sequence[tuple[str, str]], min_score: float = 85.0) -> str | None:
    """The hand label of the labelled sentence the draft sentence was taken from (None: not found).

    ``labelled`` are (text, label) pairs of the sentences of the sources the draft sentence cites.
    Placeholders, figures and citation marks are removed on both sides before comparing.
    """
    from rapidfuzz import fuzz

    def key(text: str) -> str:
        text = _PLACEHOLDER.sub(" ", _MARKER.sub(" ", text))
        return " ".join(re.findall(r"[^\W\d_]+", _fold(text)))

    want = key(sentence)
    scored = [(fuzz.ratio(want, key(text)), label) for text, label in labelled]
    best = max(scored, default=(0.0, None))
    return best[1] if best[0] >= min_score else None


def fidelity(judged: Sequence[tuple[bool, bool]]) -> float | None:
    """Share of unit-fact sentences that are supported; ``judged`` = (is unit fact, supported) per
    sentence. None when no sentence states a unit fact (nothing to measure)."""
    facts = [supported for unit_fact, supported in judged if unit_fact]
    return sum(facts) / len(facts) if facts else None
