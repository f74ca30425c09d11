"""Section alignment between two documents.

Clerks' reports on the same subject number and word their headings differently
("IV. ĐÁNH GIÁ CHUNG > 2. Hạn chế và nguyên nhân" ↔ "III. ĐÁNH GIÁ CHUNG > 2. Khó khăn,
hạn chế và nguyên nhân"), a report's "III. KẾT QUẢ > 3. cải cách hành chính" answers a
plan's "II. NHIỆM VỤ TRỌNG TÂM > 3. … cải cách hành chính", and every section of a
commune report repeats the same administrative words ("công tác", "thực hiện", "xã").
So two sections are scored on five signals and assigned one-to-one (Hungarian algorithm):

- **heading**: the distinctive words the two headings share (TF-IDF weights computed over
  every section of *both* documents, so words every section uses count for little), as a
  share of the shorter heading, so "Thực hiện quy chế dân chủ ở xã, phường" fully matches a
  long heading that contains it;
- **body terms**: TF-IDF cosine of the two bodies (syllables and syllable pairs);
- **body meaning**: e5 cosine of the two bodies, mapped from the band where Vietnamese
  administrative passages sit (0.85–0.95) onto [0, 1];
- **chapter**: TF-IDF cosine of the two top-level headings — a soft prior, not a constraint,
  because a report's "KẾT QUẢ" chapter answers a plan's "NHIỆM VỤ" chapter;
- **position**: a penalty for the distance between the sections' relative positions, since
  reports and plans follow the same standard outline order.

Weights and threshold were chosen on the dev gold pairs (c001, c002 in
``eval/data/compare_gold.jsonl``); c003 is held out.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from index.embed import Embedder
from index.lexical import syllables
from index.schema import ParsedDocument

logger = logging.getLogger(__name__)

NUMBER_PREFIX = re.compile(
    r"^\s*(?:(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])\s*[.)\-–:]+\s*)+", re.IGNORECASE
)
BODY_KINDS = frozenset({"paragraph", "bullet", "table", "provenance"})
# e5 cosines between any two Vietnamese administrative passages sit in a narrow high band;
# this maps it onto [0, 1] so meaning and wording weigh comparably.
E5_COS_FLOOR = 0.85
E5_COS_SPAN = 0.10
# A TF-IDF cosine of 0.33 between two section bodies is already a strong topical overlap.
TERMS_SCALE = 3.0
# The first characters of a body carry its topic and keep the passage inside e5's 512 tokens.
EMBED_CHARS = 1500


@dataclass(frozen=True)
class Section:
    """A heading of a document with the body text directly under it."""

    path: tuple[str, ...]
    level: int
    text: str           # body blocks whose section_path is exactly ``path``, joined by newlines
    line_start: int

    @property
    def title(self) -> str:
        return self.path[-1]

    @property
    def name(self) -> str:
        return " > ".join(self.path)


@dataclass(frozen=True)
class SectionPair:
    a: Section | None
    b: Section | None
    similarity: float


@dataclass(frozen=True)
class AlignWeights:
    """Weights of the alignment signals (see the module docstring); ``position`` is a penalty."""

    heading: float = 0.5
    body_terms: float = 0.5
    body_meaning: float = 1.0
    chapter: float = 0.5
    position: float = 0.5

    def validate(self) -> None:
        values = (self.heading, self.body_terms, self.body_meaning, self.chapter, self.position)
        if any(v < 0 for v in values):
            raise ValueError("alignment weights must be non-negative")
        if self.heading + self.body_terms + self.body_meaning + self.chapter <= 0:
            raise ValueError("at least one of the heading, body or chapter weights must be positive")


def heading_words(title: str) -> str:
    """Heading without its number, lower-cased, NFC: what the heading *says*."""
    stripped = NUMBER_PREFIX.sub("", unicodedata.normalize("NFC", title)).strip(" .:;")
    return stripped.lower()


def sections_of(doc: ParsedDocument) -> list[Section]:
    """Every heading of the document, in reading order, with its own body text."""
    texts: dict[tuple[str, ...], list[str]] = {}
    for block in doc.blocks:
        if block.kind in BODY_KINDS and block.section_path:
            texts.setdefault(tuple(block.section_path), []).append(block.text)
    return [
        Section(path=tuple(h.path), level=h.level, text="\n".join(texts.get(tuple(h.path), [])), line_start=h.line_start)
        for h in doc.headings
    ]


def content_sections(doc: ParsedDocument) -> list[Section]:
    """The sections that have body text of their own: the ones a comparison lists."""
    return [s for s in sections_of(doc) if s.text.strip()]


def embedding_text(section: Section) -> str:
    """What is embedded for a section's meaning (also used by ``compare`` to batch embeddings)."""
    return section.text[:EMBED_CHARS]


def terms(text: str) -> list[str]:
    """Syllables (stopwords and bare numbers dropped) plus adjacent-syllable pairs.

    Pairs stand in for Vietnamese compound words ("cải cách", "đơn thư") without a segmenter.
    """
    syl = [t for t in syllables(text) if not t.isdigit()]
    return syl + [f"{x}_{y}" for x, y in zip(syl, syl[1:])]


class TermWeights:
    """TF-IDF over the sections of the two documents being compared.

    Inverse document frequency is computed per comparison, so the words both documents use in
    every section ("công tác", "thực hiện", the commune's name) weigh almost nothing.
    """

    def __init__(self, sections: Sequence[Section]):
        frequency: Counter[str] = Counter()
        for s in sections:
            frequency.update(set(terms(s.title + " " + s.text)))
        n = len(sections)
        self.idf = {t: math.log((n + 1) / (f + 0.5)) for t, f in frequency.items()}

    def vector(self, text: str) -> dict[str, float]:
        counts = Counter(terms(text))
        return {t: (1.0 + math.log(c)) * self.idf.get(t, 0.0) for t, c in counts.items()}


def _cosine(u: dict[str, float], v: dict[str, float]) -> float:
    nu = math.sqrt(sum(x * x for x in u.values()))
    nv = math.sqrt(sum(x * x for x in v.values()))
    if not nu or not nv:
        return 0.0
    return sum(x * v.get(t, 0.0) for t, x in u.items()) / (nu * nv)


def _containment(u: dict[str, float], v: dict[str, float]) -> float:
    """Shared weight as a share of the lighter vector: 1.0 when one heading contains the other."""
    lighter = min(sum(u.values()), sum(v.values()))
    if lighter <= 0:
        return 0.0
    return sum(min(x, v[t]) for t, x in u.items() if t in v) / lighter


def _matrix(rows: Sequence[dict[str, float]], cols: Sequence[dict[str, float]], fn) -> np.ndarray:
    return np.array([[fn(r, c) for c in cols] for r in rows], dtype=np.float64).reshape(len(rows), len(cols))


class SectionAligner:
    """Aligns the content sections of two parsed documents one-to-one.

    Args:
        embedder: embeds section bodies for the meaning signal (anything with ``embed_passages``).
        threshold: minimum combined similarity in [0, 1] for two sections to be paired.
        weights: signal weights (``AlignWeights``).

    Example:
        >>> aligner = SectionAligner(embedder)
        >>> pairs = aligner.align(doc_a, doc_b)   # doctest: +SKIP
        >>> [(p.a.name if p.a else None, p.b.name if p.b else None) for p in pairs]  # doctest: +SKIP
    """

    def __init__(self, embedder: Embedder, threshold: float = 0.35, weights: AlignWeights = AlignWeights()):
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("threshold must be in [0, 1]")
        weights.validate()
        self.embedder = embedder
        self.threshold = threshold
        self.weights = weights

    def align(self, doc_a: ParsedDocument, doc_b: ParsedDocument) -> list[SectionPair]:
        """Pairs of content sections (own body text), in B's reading order.

        Parent headings without text of their own are not listed (there is nothing to diff
        in them); their words still count through the chapter signal. A-only sections are
        inserted after their nearest matched predecessor.
        """
        all_a, all_b = sections_of(doc_a), sections_of(doc_b)
        secs_a = [s for s in all_a if s.text.strip()]
        secs_b = [s for s in all_b if s.text.strip()]
        if not secs_a or not secs_b:
            return _ordered_pairs(secs_a, secs_b, {}, np.zeros((len(secs_a), len(secs_b))))
        sim = self.similarity_matrix(secs_a, secs_b, TermWeights(all_a + all_b))
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(-sim)
        matches = {int(i): int(j) for i, j in zip(rows, cols) if sim[i, j] >= self.threshold}
        logger.debug("aligned %d of %d/%d sections", len(matches), len(secs_a), len(secs_b))
        return _ordered_pairs(secs_a, secs_b, matches, sim)

    def similarity_matrix(self, secs_a: Sequence[Section], secs_b: Sequence[Section], weights: TermWeights) -> np.ndarray:
        """Combined similarity of every (A, B) section pair, roughly in [0, 1]."""
        w = self.weights
        head_a = [weights.vector(heading_words(s.title)) for s in secs_a]
        head_b = [weights.vector(heading_words(s.title)) for s in secs_b]
        chap_a = [weights.vector(heading_words(s.path[0])) for s in secs_a]
        chap_b = [weights.vector(heading_words(s.path[0])) for s in secs_b]
        body_a = [weights.vector(s.text) for s in secs_a]
        body_b = [weights.vector(s.text) for s in secs_b]
        heading = _matrix(head_a, head_b, _containment)
        chapter = _matrix(chap_a, chap_b, _cosine)
        body_terms = np.clip(_matrix(body_a, body_b, _cosine) * TERMS_SCALE, 0.0, 1.0)
        body_meaning = np.zeros_like(heading)
        if w.body_meaning > 0:
            vectors = np.asarray(self.embedder.embed_passages([embedding_text(s) for s in (*secs_a, *secs_b)]))
            cos = vectors[: len(secs_a)] @ vectors[len(secs_a):].T
            body_meaning = np.clip((cos - E5_COS_FLOOR) / E5_COS_SPAN, 0.0, 1.0)
        pos_a = np.arange(len(secs_a)) / max(len(secs_a) - 1, 1)
        pos_b = np.arange(len(secs_b)) / max(len(secs_b) - 1, 1)
        distance = np.abs(pos_a[:, None] - pos_b[None, :])
        total = w.heading + w.body_terms + w.body_meaning + w.chapter
        return (w.heading * heading + w.body_terms * body_terms + w.body_meaning * body_meaning
                + w.chapter * chapter - w.position * distance) / total


def _ordered_pairs(secs_a: Sequence[Section], secs_b: Sequence[Section], matches: dict[int, int],
                   sim: np.ndarray) -> list[SectionPair]:
    by_b = {j: i for i, j in matches.items()}
    pairs: list[SectionPair] = []
    emitted_a: set[int] = set()

    def flush_a_only(upto: int) -> None:
        for i in range(upto):
            if i not in matches and i not in emitted_a:
                emitted_a.add(i)
                pairs.append(SectionPair(a=secs_a[i], b=None, similarity=0.0))

    for j, sb in enumerate(secs_b):
        if j in by_b:
            i = by_b[j]
            flush_a_only(i)
            emitted_a.add(i)
            pairs.append(SectionPair(a=secs_a[i], b=sb, similarity=round(float(sim[i, j]), 4)))
        else:
            pairs.append(SectionPair(a=None, b=sb, similarity=0.0))
    flush_a_only(len(secs_a))
    return pairs
