"""What a directive-lookup question asks: which fact, which kind of text, which document numbers.

A clerk's question carries three cues besides its topic, each read by a few rules over the
diacritics-folded text (``assistant.intent.fold``), so the same question always reads the same way:

* **the fact asked** (``Asks``): when it takes effect ("có hiệu lực từ ngày nào"), when it was issued
  ("ban hành ngày nào", "ký ngày nào"), who issued it ("cơ quan nào ban hành", "của ai"), whether it
  still applies ("còn hiệu lực không"), what replaced it ("thay thế bởi văn bản nào"), what it is about
  ("quy định về gì"); otherwise ``"which"`` — which text governs the topic;
* **the kind sought**: "Nghị định nào …", "Thông tư nào …", "chỉ thị của Thủ tướng …" ask for that kind
  (``index.citations.KINDS``); "văn bản nào" asks for none;
* **document numbers** written in the question ("Nghị định 15/2014/NĐ-CP", typed "15/2014/nd-cp" too).

``topic`` is the question without those cue phrases, so "có hiệu lực" does not count as a topic word.

Example:
    >>> q = analyse_question("Nghị định nào quy định chi tiết Luật Thực hiện dân chủ ở cơ sở?")
    >>> q.asks, q.kind
    ('which', 'Nghị định')
    >>> analyse_question("Luật Tiếp công dân có hiệu lực từ ngày nào?").asks
    'effective'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from assistant.intent import fold
from index.citations import KINDS
from index.lexical import find_document_numbers

Asks = Literal["effective", "issued", "issuer", "status", "successor", "content", "which"]

#: Ordered: the first cue that matches names the fact asked ("thay thế bởi văn bản nào" before "văn bản nào").
_ASKS: tuple[tuple[Asks, str], ...] = (
    ("successor", r"(?:duoc|bi|da bi|da duoc)?\s*thay the (?:boi|bang)\b.*|\b(?:van ban|\w+) nao thay the\b.*"
                  r"|\bthay the cho .* la (?:van ban )?nao\b.*"),
    ("status", r"\b(?:con|het|da het|co con) hieu luc\b(?: (?:thi hanh|nua))?(?: (?:khong|chua|hay khong))?"
               r"|\bcon (?:ap dung|su dung|dung) (?:duoc )?(?:khong|nua khong)\b|\bbi bai bo\b.*|\bda bi bai bo\b.*"),
    ("effective", r"\b(?:co |bat dau (?:co )?)?hieu luc (?:thi hanh )?(?:tu |ke tu )?(?:ngay|khi|luc|thoi diem) nao\b"
                  r"|\bngay (?:co )?hieu luc\b.*|\bkhi nao (?:co|bat dau co) hieu luc\b.*"),
    ("issued", r"\b(?:duoc )?(?:ban hanh|ky|thong qua)(?: vao)? (?:ngay|khi|luc|nam) (?:nao|bao nhieu|may)\b"
               r"|\bngay (?:ban hanh|ky|thong qua)\b.*|\b(?:ban hanh|ky) (?:tu )?bao gio\b"),
    ("issuer", r"\b(?:co quan|cap|don vi|ai) (?:nao )?(?:ban hanh|ky)\b|\bdo (?:ai|co quan nao|cap nao)(?: ban hanh)?\b"
               r"|\b(?:la )?cua (?:ai|co quan nao|cap nao)\b"),
    ("content", r"\b(?:quy dinh|noi dung|de cap|huong dan) (?:ve )?(?:nhung )?(?:gi|cai gi|viec gi|noi dung gi|van de gi)\b"
                r"|\bve (?:viec |van de )?gi\b|\bnoi dung (?:chinh )?(?:la )?gi\b|\btrich yeu\b"),
)
_ASKS_RE = [(asks, re.compile(pattern)) for asks, pattern in _ASKS]

#: "Nghị định nào", "thông tư gì", "chỉ thị số mấy"; "Chỉ thị của Thủ tướng" (a capital for verb-like kinds).
_KIND_FOLDED = sorted(((" ".join(re.findall(r"\w+", fold(k))), k) for k in KINDS), key=lambda kv: -len(kv[0]))
_VERB_LIKE = frozenset({"Quy định", "Quyết định", "Hướng dẫn", "Kết luận", "Báo cáo", "Kế hoạch", "Thông báo"})
_NOT_A_KIND_AFTER = ("phap", "bo", "du")
#: Scaffolding of a lookup question, dropped from the topic.
_NUMBER = re.compile(r"\b\d+\s*[/-]\s*\S+")
_SCAFFOLD = re.compile(r"\b(?:van ban|can cu|tai lieu) (?:nao|gi)\b|\bla (?:van ban )?nao\b|\bnao\b|\bgi\b|\bkhong\b\??$")


@dataclass(frozen=True)
class QuestionCues:
    """The cues of one lookup question (see module docstring)."""

    asks: Asks
    kind: str | None
    numbers: tuple[str, ...]
    topic: str


def _asks(folded: str) -> tuple[Asks, str]:
    for asks, pattern in _ASKS_RE:
        m = pattern.search(folded)
        if m:
            return asks, folded[:m.start()] + " " + folded[m.end():]
    return "which", folded


def _kind_sought(question: str, folded: str) -> str | None:
    """The kind the question asks for ("Nghị định nào …", "… chỉ thị của Thủ tướng"), or None."""
    originals = re.findall(r"\w+", unicodedata.normalize("NFC", question))
    words = folded.split()
    if len(words) != len(originals):   # folding changed the word count: read cues without case checks
        originals = words
    for i in range(len(words)):
        for kind_words, kind in _KIND_FOLDED:
            n = len(kind_words.split())
            if " ".join(words[i:i + n]) != kind_words or (i and words[i - 1] in _NOT_A_KIND_AFTER):
                continue
            after = words[i + n:i + n + 2]
            if after[:1] in (["nao"], ["gi"]) or after == ["so", "may"] or after == ["so", "nao"]:
                return kind
            if after[:1] == ["cua"] and (kind not in _VERB_LIKE or originals[i][:1].isupper()):
                return kind
    return None


def analyse_question(question: str) -> QuestionCues:
    """The fact asked, the kind sought, the document numbers named and the remaining topic words."""
    question = unicodedata.normalize("NFC", question)
    folded_words = " ".join(re.findall(r"\w+", fold(question)))
    asks, rest = _asks(" ".join(re.findall(r"\w+", fold(_NUMBER.sub(" ", question)))))
    kind = _kind_sought(question, folded_words)
    topic = " ".join(_SCAFFOLD.sub(" ", rest).split())
    return QuestionCues(asks=asks, kind=kind, numbers=tuple(dict.fromkeys(find_document_numbers(question, query=True))),
                        topic=topic)
