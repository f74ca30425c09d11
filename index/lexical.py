"""Vietnamese lexical (BM25) matching over syllables, with and without diacritics.

Why two fields: clerks often type without accents ("tiep cong dan"), and a plain
BM25 over accented syllables would then find nothing. Every passage is indexed
twice with bm25s — once as lower-cased NFC syllables, once with the diacritics
stripped (``đ`` → ``d``) — and a query is scored against both; the two BM25 scores
are summed, so an accented query gets the exact-accent field as a bonus while an
unaccented one still matches through the stripped field. Query tokens without
diacritics are scored in the stripped field only: they carry no accent to reward, and
passages holding unaccented text (file names) would otherwise match them twice.

Both fields also hold adjacent-syllable pairs (``tiếp_dân``): most Vietnamese words are
two syllables, and on the sample corpus the pairs lifted the unaccented query
"tiep cong dan thuong xuyen … phong tiep dan" from rank 10 to rank 1.

A third field holds **words** (``index.words``): each passage segmented by underthesea when it is
indexed, plus its document-number tokens. A query typed with diacritics is scored in that field only,
its syllables cut into the index's own words by longest match (no segmenter at search time): on the
retrieval set's dev split it lifted paraphrased questions (MRR 0.73 → 0.82 in hybrid) without moving
near-verbatim ones, where the syllable fields count "tiếp" and "xúc" apart and pair syllables across
words. A query without diacritics keeps the two syllable fields (the words field cannot be matched
without accents: folded longest match lost MRR on the unaccented dev queries, 0.82 → 0.75).

Document numbers (``33/CT-TTg``, ``04/2015/NĐ-CP``, ``25-NQ/TW``, ``10/2022/QH15``)
are additionally indexed as one whole token, normalized (lower case, no diacritics,
no spaces, no leading zeros: ``16/CT TTg`` and ``16/CT-TTg`` → ``16/ct-ttg``,
``23- QĐ/TW`` → ``23-qd/tw``), so a query naming the number ranks the passages that
cite exactly that number first instead of every passage containing "33" and "ct".

Tone placement: Vietnamese writes the tone of an open ``oa``/``oe``/``uy`` on either vowel
("hoà"/"hòa", "hoả hoạn"/"hỏa hoạn", "Uỷ ban"/"Ủy ban"), and the sample corpus mixes both
(uỷ 72× beside ủy 1,120×, hoả 39× beside hỏa 34×). Both fields put it on the first vowel
(``unify_tone_placement``), so a query in one style matches a passage in the other.

Stopwords (``STOPWORDS_VI``): a deliberately small list of Vietnamese function words
(và, của, các, những, được, là, …) that occur in nearly every passage. Content words
that look common in reports ("công tác", "thực hiện") are kept: BM25's IDF already
damps them and they sometimes matter.

Example:
    >>> idx = LexicalIndex.build(["Tiếp công dân định kỳ", "Hòa giải ở cơ sở"])
    >>> idx.search("tiep cong dan", k=1)[0][0]
    0
"""

from __future__ import annotations

import logging
import re
import unicodedata
from array import array
from pathlib import Path
from typing import Iterable

import numpy as np

logger = logging.getLogger(__name__)

#: Bumped whenever tokenization changes; stored in the manifest so an index tokenized
#: differently is refreshed (``soanthao index`` rebuilds BM25 without re-embedding).
LEXICAL_VERSION = "4"

#: Function words dropped from both fields (compared on the accented, lower-cased syllable).
STOPWORDS_VI: frozenset[str] = frozenset(
    """
    và của các những được là có cho với để này đã theo về từ tại một trên khi thì đó
    như do bởi nên mà cũng vào hoặc lại sẽ đang rằng nào này kia ấy nhưng vẫn còn
    """.split()
)

_SYLLABLE = re.compile(r"\w+")
# A document-number part after a separator: starts with a capital (NĐ, CP, TW, QH15, TTg).
_PART = r"[A-ZĐ][A-Za-zĐđ0-9]*"
# ``16/CT TTg``: a space instead of the hyphen, only before a capitals+lowercase part (TTg)
# so that the next word ("UBND", "Của") is not swallowed.
_SPACED_PART = r"[A-ZĐ]+[a-z]\b"
_DOC_NUMBER = (
    rf"(?<![\w/.-])\d{{1,5}}(?:\s*/\s*\d{{4}})?\s*[/-]\s*{_PART}"
    rf"(?:[-/]{_PART}|\s{_SPACED_PART})*"
)
_DOC_NUMBER_CORPUS = re.compile(_DOC_NUMBER)
# Queries are typed in any case ("33/ct-ttg"); passages use capitals, which keeps dates
# and ranges ("15/3", "2023- 2025") out of the corpus side. Case-insensitively the spaced
# form would swallow the next word ("33/ct-ttg va"), so the query pattern leaves it out.
_DOC_NUMBER_QUERY = re.compile(
    rf"(?<![\w/.-])\d{{1,5}}(?:\s*/\s*\d{{4}})?\s*[/-]\s*{_PART}(?:[-/]{_PART})*", re.IGNORECASE
)


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese tone and vowel marks; ``đ``/``Đ`` become ``d``/``D``.

    >>> strip_diacritics("Tiếp công dân, Đảng ủy")
    'Tiep cong dan, Dang uy'
    """
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


def normalize_document_number(raw: str) -> str:
    """Canonical token for a document number: lower case, no diacritics, no spaces, no leading zeros.

    >>> normalize_document_number("04/2015/NĐ-CP")
    '4/2015/nd-cp'
    >>> normalize_document_number("16/CT TTg")
    '16/ct-ttg'
    """
    text = strip_diacritics(unicodedata.normalize("NFC", raw)).lower()
    text = re.sub(r"\s*([/-])\s*", r"\1", text.strip())
    text = re.sub(r"\s+", "-", text)
    return re.sub(r"^0+(?=\d)", "", text)


def find_document_numbers(text: str, *, query: bool = False) -> list[str]:
    """Normalized document-number tokens found in ``text`` (in order, repeats kept).

    Args:
        text: a passage or a query.
        query: match case-insensitively (users type "33/ct-ttg"); passages require
            the capitals documents use, so dates like ``15/3`` never match.
    """
    text = unicodedata.normalize("NFC", text)
    matches = list(_DOC_NUMBER_CORPUS.finditer(text))
    if query:
        taken = [m.span() for m in matches]
        matches += [
            m
            for m in _DOC_NUMBER_QUERY.finditer(text)
            if not any(start < m.end() and m.start() < end for start, end in taken)
        ]
        matches.sort(key=lambda m: m.start())
    return [normalize_document_number(m.group(0)) for m in matches]


_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
#: Open-syllable endings with the tone on the second vowel → tone on the first ("oà" → "òa").
_TONE_ON_FIRST = {
    unicodedata.normalize("NFC", first + second + tone): unicodedata.normalize("NFC", first + tone + second)
    for first, second in (("o", "a"), ("o", "e"), ("u", "y"))
    for tone in _TONES
}


def unify_tone_placement(syllable: str) -> str:
    """Put the tone of a final open ``oa``/``oe``/``uy`` on its first vowel (lower-case input).

    ``qu`` + ``y`` is left alone: there ``u`` belongs to the consonant and the tone is on ``y`` in
    every spelling ("quý").

    >>> [unify_tone_placement(s) for s in ("hoà", "hoả", "uỷ", "thuỷ", "khoẻ", "quý", "toàn", "hòa")]
    ['hòa', 'hỏa', 'ủy', 'thủy', 'khỏe', 'quý', 'toàn', 'hòa']
    """
    ending = syllable[-2:]
    swapped = _TONE_ON_FIRST.get(ending)
    if swapped is None or (ending[0] == "u" and syllable[-3:-2] == "q"):
        return syllable
    return syllable[:-2] + swapped


def syllables(text: str) -> list[str]:
    """Lower-cased NFC syllables (``\\w+``) without the stopwords, tone placement unified."""
    lowered = unicodedata.normalize("NFC", text).lower()
    return [unify_tone_placement(tok) for tok in _SYLLABLE.findall(lowered) if tok not in STOPWORDS_VI]


def tokenize_fields(text: str, *, query: bool = False) -> tuple[list[str], list[str]]:
    """Tokens of the accented field and of the diacritics-stripped field.

    Both fields also carry the whole document-number tokens. Passages and queries go
    through the same function (``query`` only relaxes the document-number case rule).
    """
    accented = syllables(text)
    numbers = find_document_numbers(text, query=query)
    stripped = [strip_diacritics(tok) for tok in accented]
    return accented + _bigrams(accented) + numbers, stripped + _bigrams(stripped) + numbers


def _bigrams(tokens: list[str]) -> list[str]:
    """Adjacent syllable pairs (``tiếp_dân``): Vietnamese words are mostly two syllables, and
    pairs disambiguate unaccented queries ("phong tiep dan" vs "Bộ Quốc phòng")."""
    return [f"{a}_{b}" for a, b in zip(tokens, tokens[1:])]


def word_tokens(text: str, segmented: dict[str, list[str]] | None = None) -> list[str]:
    """Tokens of the words field for a passage: its segmented words and its document numbers.

    ``segmented`` (text key → words, ``index.words.text_key``) holds passages segmented by an earlier
    build; a passage found there is not segmented again, one segmented now is added to it.
    """
    from index.words import segment_passage, text_key

    if segmented is None:
        return segment_passage(text, STOPWORDS_VI) + find_document_numbers(text)
    key = text_key(text)
    if key not in segmented:
        segmented[key] = segment_passage(text, STOPWORDS_VI)
    return segmented[key] + find_document_numbers(text)


class LexicalIndex:
    """Three-field BM25 (accented syllables, stripped syllables, words) over a fixed list of passages.

    Positions (0..n-1) are the order of the texts given to ``build``; the store keeps
    the chunk order alongside.

    Example:
        >>> idx = LexicalIndex.build(["Nghị định 04/2015/NĐ-CP", "Chỉ thị 33/CT-TTg"])
        >>> idx.search("33/CT-TTg", k=1)[0][0]
        1
    """

    FIELDS = ("accented", "stripped", "words")

    def __init__(self, accented, stripped, words, size: int):
        self._fields = {"accented": accented, "stripped": stripped, "words": words}
        self.size = size

    @classmethod
    def build(cls, texts: Iterable[str], k1: float = 1.5, b: float = 0.75,
              segmented: dict[str, list[str]] | None = None) -> "LexicalIndex":
        """Tokenize and index ``texts`` (any iterable: passages can be generated as they go).

        Each passage's tokens become 4-byte vocabulary ids as soon as it is tokenized and are
        handed to bm25s in its pre-tokenized ``(ids, vocab)`` form: holding every passage's
        token *strings* instead peaked at 3.8 GiB for 100k chunks and would need ~37 GiB at
        1M (bench/scale.py); the ids need a few GiB, and the index and its scores are the same.

        ``segmented``: the words of passages an earlier build segmented (``word_tokens``), reused so an
        unchanged corpus is not segmented again; updated in place with the new ones.
        """
        import bm25s

        vocabs: tuple[dict[str, int], ...] = ({}, {}, {})
        ids: tuple[list[array], ...] = ([], [], [])
        size = 0
        for text in texts:
            for field_tokens, vocab, out in zip((*tokenize_fields(text), word_tokens(text, segmented)), vocabs, ids):
                out.append(array("i", [vocab.setdefault(tok, len(vocab)) for tok in field_tokens]))
            size += 1
        fields = []
        for vocab, field_ids in zip(vocabs, ids):
            retriever = bm25s.BM25(k1=k1, b=b)
            if size:
                retriever.index((field_ids, vocab), show_progress=False)
            field_ids.clear()
            fields.append(retriever)
        return cls(*fields, size=size)

    def save(self, folder: Path) -> None:
        """Write both bm25s indexes under ``folder/<field>/``."""
        folder = Path(folder)
        for name, retriever in self._fields.items():
            if self.size:
                retriever.save(str(folder / name), show_progress=False)
            else:
                (folder / name).mkdir(parents=True, exist_ok=True)

    @classmethod
    def load(cls, folder: Path, size: int) -> "LexicalIndex":
        """Read an index written by ``save``; ``size`` is the passage count from the manifest."""
        import bm25s

        folder = Path(folder)
        fields = []
        for name in cls.FIELDS:
            if size:
                fields.append(bm25s.BM25.load(str(folder / name), show_progress=False))
            else:
                fields.append(bm25s.BM25())
        return cls(*fields, size=size)

    def query_words(self, query: str) -> list[str]:
        """The query's tokens in the words field: its syllables cut into indexed words, and its numbers."""
        from index.words import longest_match

        vocabulary = self._fields["words"].vocab_dict
        return longest_match(syllables(query), vocabulary) + find_document_numbers(query, query=True)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage: the words field for a query with diacritics, else accented +
        stripped syllable fields (module docstring)."""
        total = np.zeros(self.size, dtype=np.float32)
        if not self.size:
            return total
        if strip_diacritics(query) != query:
            words = self._fields["words"]
            known = [tok for tok in self.query_words(query) if tok in words.vocab_dict]
            if known:
                total += np.asarray(words.get_scores(known), dtype=np.float32)
            return total
        accented, stripped = tokenize_fields(query, query=True)
        numbers = set(find_document_numbers(query, query=True))
        # A query token without diacritics ("tiep") says nothing about accents, so it is scored
        # only in the stripped field; otherwise passages that happen to contain unaccented text
        # (file names, "Mau so 07") would match it twice and outrank the real answer.
        accented = [tok for tok in accented if tok in numbers or strip_diacritics(tok) != tok]
        for name, tokens in zip(self.FIELDS, (accented, stripped)):
            retriever = self._fields[name]
            known = [tok for tok in tokens if tok in retriever.vocab_dict]
            if known:
                total += np.asarray(retriever.get_scores(known), dtype=np.float32)
        return total

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (position, score) with score > 0, best first; ``mask`` (bool per passage) filters."""
        if k <= 0:
            raise ValueError("k must be positive")
        scores = self.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return []
        top = positive[np.argsort(-scores[positive], kind="stable")[:k]]
        return [(int(i), float(scores[i])) for i in top]
