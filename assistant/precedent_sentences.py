"""Whole sentences of a precedent section, whatever the chunk boundaries.

A large block is indexed as several overlapping word windows, and extraction damage
breaks paragraphs mid-sentence ("người đứng đầu cấp" / "ủy, Chính quyền xã …"), so
splitting each chunk on its own gives fragments that end mid-clause or mid-word
("…các nhiệm vụ được", "Kết"). Here the section's chunks are put back together first:

1. pieces of one block (same lines, the next starting with the tail of the one before)
   are merged on their overlap;
2. a paragraph that does not end a sentence and is followed by one starting in lower
   case is joined to it;
3. what is left without an ending is either a heading the parser left in the body
   (short, no final stop: "Trách nhiệm nêu gương của người đứng đầu …") or a broken
   sentence (ends on a comma, a colon introducing a list, or a cut word), and neither
   is ever offered as a draft sentence.

Example:
    >>> [s.text for s in section_sentences(chunks) if s.role == "body"]   # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Literal, Sequence

from index.schema import Chunk
from index.sentences import split_sentences

__all__ = ["PrecedentSentence", "Role", "section_sentences", "is_whole_sentence", "strip_enumerator",
           "looks_like_topic_label", "corpus_sentences"]

Role = Literal["body", "heading", "broken"]
MIN_OVERLAP = 12            # characters two pieces of one block must share to be merged
HEADING_MAX_WORDS = 30      # a line without a final stop and this short is a heading
MIN_WORDS = 6               # shorter lines are list debris ("Lãnh đạo UBND huyện;"), not sentences
_ENDS = (".", "!", "?", "…", ";")
_CLOSERS = "”\"’»)*"
_NUMBERED = re.compile(r"^\s*(?:[IVX]+|\d+(?:\.\d+)*|[a-zđ])\s*[.)\-–]\s*\S")
_ENUMERATOR = re.compile(r"^(?:[-+*•–]|\d+(?:\.\d+)*\.|[a-zđ]\))\s+")
_NOT_BODY = re.compile(r"^(?:Trên đây là|Nơi nhận|TM\.|KT\.|T/M|Kính gửi|Số:|Lưu:|Như trên)")
_CLOSING = re.compile(r"^(?:Nơi nhận|Trên đây là)")
# A topic label written with a final stop ("Trách nhiệm nêu gương của người đứng đầu … dân chủ."):
# it opens with a topic noun and says nothing about it, i.e. it has no predicate word.
_TOPIC_OPENING = re.compile(
    r"^(?:Việc|Công tác|Trách nhiệm|Kết quả|Tình hình|Về|Đánh giá|Nhiệm vụ|Giải pháp|Phương hướng|Mục đích|"
    r"Yêu cầu|Nội dung|Những|Một số)\s", re.I)
_PREDICATE = re.compile(
    r"(?<!\w)(?:được|đã|là|có|sẽ|đang|phải|cần|không|chưa|đều|luôn|vẫn|còn|bị|đạt|tăng|giảm|nhằm|"
    r"thực hiện tốt|đi vào|góp phần|bảo đảm|đảm bảo)(?!\w)", re.I)
TOPIC_MAX_WORDS = 25


@dataclass(frozen=True)
class PrecedentSentence:
    """One sentence of a precedent section.

    Args:
        text: the sentence, list mark removed, final ``;`` written as ``.``.
        chunk: the chunk holding it (the passage that is cited for it).
        role: ``body`` (a whole sentence), ``heading`` or ``broken`` (never drafted).
        position: its index among the section's sentences.
    """

    text: str
    chunk: Chunk
    role: Role
    position: int
    chunks: tuple[Chunk, ...] = ()

    @property
    def holding(self) -> tuple[Chunk, ...]:
        """Every chunk holding part of the sentence (a sentence may straddle two window pieces)."""
        return self.chunks or (self.chunk,)


def strip_enumerator(text: str) -> str:
    """"- Đảng ủy…" / "a) Tổ chức…" / "2. Tiếp tục…" → the sentence without its list mark."""
    return _ENUMERATOR.sub("", text)


def _ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip(_CLOSERS).rstrip().endswith(_ENDS) or text.rstrip().endswith("./.")


def is_whole_sentence(text: str) -> bool:
    """A draft sentence is whole when it starts with a capital (or a quote/number) and ends a sentence."""
    text = text.strip()
    first = next((c for c in text if c.isalnum()), "")
    return bool(first) and not first.islower() and _ends_sentence(text) and not text.rstrip(_CLOSERS).endswith(":")


def _merge_overlap(left: str, right: str) -> str | None:
    """``left + right`` without their shared run when ``right`` starts with the end of ``left``."""
    for k in range(min(len(left), len(right)), MIN_OVERLAP - 1, -1):
        if left.endswith(right[:k]):
            return left + right[k:]
    return None


def _paragraphs(chunks: Sequence[Chunk]) -> list[tuple[str, list[Chunk]]]:
    """The section's paragraphs in reading order, window pieces merged, each with the chunks it spans."""
    ordered = sorted(chunks, key=lambda c: (c.line_start, c.line_end))
    paras: list[tuple[str, list[Chunk], int]] = []   # text, chunks, line the paragraph ends on
    for chunk in ordered:
        for part in chunk.text.split("\n"):
            part = part.strip()
            if not part:
                continue
            if paras and paras[-1][2] >= chunk.line_start:
                merged = _merge_overlap(paras[-1][0], part)
                if merged is not None:
                    paras[-1] = (merged, [*paras[-1][1], chunk], chunk.line_end)
                    continue
                if part in paras[-1][0]:
                    continue  # a piece wholly inside the previous one
            paras.append((part, [chunk], chunk.line_end))
    return [(t, c) for t, c, _ in paras]


def _joined(paras: list[tuple[str, list[Chunk]]]) -> list[tuple[str, list[Chunk]]]:
    """Paragraphs broken mid-sentence (the next starts in lower case) joined back together."""
    out: list[tuple[str, list[Chunk]]] = []
    for text, chunks in paras:
        first = next((c for c in text if c.isalpha()), "")
        if out and first.islower() and not _ends_sentence(out[-1][0]):
            out[-1] = (f"{out[-1][0]} {text}", [*out[-1][1], *chunks])
        else:
            out.append((text, chunks))
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


def _holding_chunks(sentence: str, chunks: list[Chunk]) -> tuple[Chunk, ...]:
    """The chunk that holds the whole sentence, or the pieces that hold it between them."""
    flat = _flat(sentence)
    texts = [_flat(c.text) for c in chunks]
    for chunk, text in zip(chunks, texts):
        if flat in text:
            return (chunk,)
    step = 40
    pieces = [flat[i:i + step] for i in range(0, max(1, len(flat) - step + 1), step)] or [flat]
    holding = [c for c, text in zip(chunks, texts) if any(p in text for p in pieces)]
    return tuple(holding) or (chunks[0],)


def _is_heading_line(text: str) -> bool:
    plain = text.strip().strip("*").strip()
    if _ends_sentence(plain):
        return False
    words = plain.split()
    if _NUMBERED.match(plain) and len(words) <= HEADING_MAX_WORDS + 10:
        return True
    letters = [c for c in plain if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        return True
    return len(words) <= HEADING_MAX_WORDS and not plain.rstrip(_CLOSERS).endswith((",", ":", "-"))


def looks_like_topic_label(sentence: str) -> bool:
    """An outline heading written as a sentence: a topic noun phrase and no predicate."""
    unquoted = re.sub(r"“[^”]*”|\"[^\"]*\"", " ", sentence)   # quoted titles are names, not words of the label
    return (len(unquoted.split()) <= TOPIC_MAX_WORDS and bool(_TOPIC_OPENING.match(sentence))
            and not _PREDICATE.search(unquoted))


def _role(sentence: str, last_in_paragraph: bool, whole_paragraph: bool) -> Role:
    if _NOT_BODY.match(sentence):
        return "broken"
    if len(sentence.split()) < MIN_WORDS:
        return "heading" if whole_paragraph and not _ends_sentence(sentence) else "broken"
    if last_in_paragraph and not _ends_sentence(sentence):
        if whole_paragraph and _is_heading_line(sentence):
            return "heading"
        return "broken"
    if sentence.rstrip(_CLOSERS).rstrip().endswith(":"):
        return "broken"  # a lead-in to a list that is not part of the sentence
    first = next((c for c in sentence if c.isalnum()), "")
    if not first or first.islower():
        return "broken"
    if looks_like_topic_label(sentence):
        return "heading"
    letters = [c for c in sentence if c.isalpha()]
    if len(letters) > 12 and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        return "heading"  # an all-caps heading or signature line
    return "body"


def section_sentences(chunks: Sequence[Chunk]) -> list[PrecedentSentence]:
    """Every sentence of the section the ``chunks`` make up, in reading order, with its role."""
    out: list[PrecedentSentence] = []
    own_headings = {h.strip().casefold() for c in chunks for h in c.section_path}
    closing = False
    for paragraph, members in _joined(_paragraphs(chunks)):
        if paragraph.strip().strip("*").strip().casefold() in own_headings:
            continue  # the section's own heading repeated in its body
        closing = closing or bool(_CLOSING.match(paragraph.strip()))
        spans = split_sentences(paragraph)
        for i, span in enumerate(spans):
            text = strip_enumerator(span.text.strip())
            role = "broken" if closing else _role(text, i == len(spans) - 1, len(spans) == 1)
            if role == "body":
                # a list item's ";" and a list trailing off ("…", "...") end the draft sentence with a stop
                text = re.sub(r"(?:;|\.{2,}|…)(\s*[" + re.escape(_CLOSERS) + r"]*)$", r".\1", text)
            holding = _holding_chunks(span.text, members)
            out.append(PrecedentSentence(text, holding[0], role, len(out), holding))
    return out


def corpus_sentences(chunks: Sequence[Chunk], unit_key: Callable[[Chunk], str | None]) -> list[tuple[str, str]]:
    """(unit key, sentence) for every whole body sentence of the report sections in ``chunks``.

    What the cross-unit recurrence test and the learned fact patterns read: every report
    (not governing text) of the index, section by section.
    """
    sections: dict[tuple[str, tuple[str, ...]], list[Chunk]] = {}
    for c in chunks:
        if c.meta.get("is_governing") or not c.section_path:
            continue
        sections.setdefault((c.doc_id, tuple(c.section_path)), []).append(c)
    out: list[tuple[str, str]] = []
    for members in sections.values():
        key = unit_key(members[0]) or members[0].doc_id
        out.extend((key, s.text) for s in section_sentences(members) if s.role == "body")
    return out
