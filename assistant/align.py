"""Section alignment between two documents.

Clerks' reports on the same subject number and word their headings differently
("IV. ĐÁNH GIÁ CHUNG > 2. Hạn chế và nguyên nhân" ↔ "III. ĐÁNH GIÁ CHUNG > 2. Khó khăn,
hạn chế và nguyên nhân"), so sections are matched on heading wording with the number
stripped, on the parent heading, and on what the sections say (embeddings), then
assigned one-to-one (Hungarian algorithm). Top-level headings are aligned first and
their sub-sections within each matched pair, so a "2." is never matched into an
unrelated chapter when a better home exists.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from rapidfuzz import fuzz

from index.embed import Embedder
from index.schema import ParsedDocument

logger = logging.getLogger(__name__)

NUMBER_PREFIX = re.compile(
    r"^\s*(?:(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])\s*[.)\-–:]+\s*)+", re.IGNORECASE
)
BODY_KINDS = frozenset({"paragraph", "bullet", "table", "provenance"})
# e5 cosines between any two Vietnamese administrative passages sit high; this maps
# the useful band onto [0, 1] so content and wording weigh comparably.
E5_COS_FLOOR = 0.75


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


def descendant_text(section: Section, sections: Sequence[Section], limit_chars: int = 1500) -> str:
    """Own text, or for a chapter heading with no text of its own, its sub-sections' text."""
    if section.text.strip():
        return section.text[:limit_chars]
    parts = [s.title + ". " + s.text for s in sections if s.path[: len(section.path)] == section.path and s is not section]
    return " ".join(parts)[:limit_chars] or section.title


class SectionAligner:
    """Aligns the sections of two parsed documents one-to-one.

    Args:
        embedder: embeds section texts for the content similarity.
        threshold: minimum combined similarity for two sections to be paired.
        cross_chapter_margin: extra similarity needed to pair sections whose chapters did not match.
        weights: (heading wording, parent heading, content) weights; must sum to > 0.

    Example:
        >>> aligner = SectionAligner(embedder)
        >>> pairs = aligner.align(doc_a, doc_b)   # doctest: +SKIP
    """

    def __init__(self, embedder: Embedder, threshold: float = 0.42, weights: tuple[float, float, float] = (0.5, 0.15, 0.35),
                 cross_chapter_margin: float = 0.15):
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("threshold must be in [0, 1]")
        if sum(weights) <= 0 or any(w < 0 for w in weights):
            raise ValueError("weights must be non-negative and not all zero")
        self.embedder = embedder
        self.threshold = threshold
        self.cross_chapter_margin = cross_chapter_margin
        total = float(sum(weights))
        self.weights = tuple(w / total for w in weights)

    def align(self, doc_a: ParsedDocument, doc_b: ParsedDocument) -> list[SectionPair]:
        """Pairs of sections that have text of their own, in B's reading order.

        Chapter headings without text of their own are not listed (there is nothing to diff
        in them), but they steer the alignment: sub-sections are paired inside matched chapters
        first. A-only sections are inserted after their nearest matched predecessor.
        """
        secs_a, secs_b = sections_of(doc_a), sections_of(doc_b)
        if not secs_a and not secs_b:
            return []
        sim = self._similarity_matrix(secs_a, secs_b)
        matches = self._hierarchical_assignment(secs_a, secs_b, sim)
        keep_a = [i for i, s in enumerate(secs_a) if s.text.strip()]
        keep_b = [j for j, s in enumerate(secs_b) if s.text.strip()]
        return _ordered_pairs(secs_a, secs_b, matches, sim, keep_a, keep_b)

    def _similarity_matrix(self, secs_a: Sequence[Section], secs_b: Sequence[Section]) -> np.ndarray:
        if not secs_a or not secs_b:
            return np.zeros((len(secs_a), len(secs_b)), dtype=np.float32)
        texts = [descendant_text(s, secs_a) for s in secs_a] + [descendant_text(s, secs_b) for s in secs_b]
        vectors = self.embedder.embed_passages(texts)
        va, vb = vectors[: len(secs_a)], vectors[len(secs_a):]
        content = np.clip((va @ vb.T - E5_COS_FLOOR) / (1.0 - E5_COS_FLOOR), 0.0, 1.0)
        w_head, w_parent, w_content = self.weights
        sim = np.zeros((len(secs_a), len(secs_b)), dtype=np.float32)
        for i, sa in enumerate(secs_a):
            for j, sb in enumerate(secs_b):
                head = fuzz.token_set_ratio(heading_words(sa.title), heading_words(sb.title)) / 100.0
                parent_a = heading_words(sa.path[-2]) if len(sa.path) > 1 else ""
                parent_b = heading_words(sb.path[-2]) if len(sb.path) > 1 else ""
                parent = 1.0 if parent_a == parent_b == "" else fuzz.token_set_ratio(parent_a, parent_b) / 100.0
                sim[i, j] = w_head * head + w_parent * parent + w_content * content[i, j]
                if (len(sa.path) == 1) != (len(sb.path) == 1):
                    sim[i, j] *= 0.6   # a chapter rarely corresponds to a sub-section
        return sim

    def _hierarchical_assignment(self, secs_a: Sequence[Section], secs_b: Sequence[Section], sim: np.ndarray) -> dict[int, int]:
        """Chapters first; then the text-bearing sections inside each matched chapter pair; then the rest.

        Only sections with text of their own end up matched (chapters only steer).
        """
        from scipy.optimize import linear_sum_assignment

        def assign(rows: list[int], cols: list[int], threshold: float) -> dict[int, int]:
            if not rows or not cols:
                return {}
            sub = sim[np.ix_(rows, cols)]
            r_idx, c_idx = linear_sum_assignment(-sub)
            return {rows[r]: cols[c] for r, c in zip(r_idx, c_idx) if sub[r, c] >= threshold}

        def has_text(s: Section) -> bool:
            return bool(s.text.strip())

        top_a = [i for i, s in enumerate(secs_a) if len(s.path) == 1]
        top_b = [j for j, s in enumerate(secs_b) if len(s.path) == 1]
        chapters = assign(top_a, top_b, self.threshold)
        matches: dict[int, int] = {}
        for i, j in chapters.items():
            inside_a = [k for k, s in enumerate(secs_a) if s.path[0] == secs_a[i].path[0] and has_text(s)]
            inside_b = [k for k, s in enumerate(secs_b) if s.path[0] == secs_b[j].path[0] and has_text(s)]
            matches.update(assign(inside_a, inside_b, self.threshold))
        rest_a = [i for i, s in enumerate(secs_a) if has_text(s) and i not in matches]
        used_b = set(matches.values())
        rest_b = [j for j, s in enumerate(secs_b) if has_text(s) and j not in used_b]
        # Across chapters only on strong evidence: the chapters themselves did not correspond.
        matches.update(assign(rest_a, rest_b, min(1.0, self.threshold + self.cross_chapter_margin)))
        return matches


def _ordered_pairs(secs_a: Sequence[Section], secs_b: Sequence[Section], matches: dict[int, int], sim: np.ndarray,
                   keep_a: Sequence[int], keep_b: Sequence[int]) -> list[SectionPair]:
    by_b = {j: i for i, j in matches.items()}
    listed_a = set(keep_a)
    pairs: list[SectionPair] = []
    emitted_a: set[int] = set()

    def flush_a_only(upto: int) -> None:
        for i in range(upto):
            if i in listed_a and i not in matches and i not in emitted_a:
                emitted_a.add(i)
                pairs.append(SectionPair(a=secs_a[i], b=None, similarity=0.0))

    for j in keep_b:
        sb = secs_b[j]
        if j in by_b:
            i = by_b[j]
            flush_a_only(i)
            emitted_a.add(i)
            pairs.append(SectionPair(a=secs_a[i], b=sb, similarity=round(float(sim[i, j]), 4)))
        else:
            pairs.append(SectionPair(a=None, b=sb, similarity=0.0))
    flush_a_only(len(secs_a))
    return pairs
