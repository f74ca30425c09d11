"""Sentence-level diff of two aligned sections.

Sentences are matched by meaning (embedding cosine) and by characters (rapidfuzz), one
to one, so a reworded sentence shows as *changed* rather than as a removal plus an
addition. A change that only swaps the unit's name or the year — what every clerk does
to last year's file — is labelled as such instead of as a rewrite.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
from rapidfuzz import fuzz

from index.embed import Embedder

Op = Literal["same", "changed", "added", "removed"]
YEAR = re.compile(r"^(19|20)\d{2}$")
UNIT_WORDS = frozenset({"xã", "phường", "thị", "trấn", "ubnd", "ủy", "uỷ", "ban", "nhân", "dân", "đảng"})


@dataclass(frozen=True)
class WordEdit:
    op: Literal["equal", "replace", "delete", "insert"]
    a: str
    b: str


@dataclass(frozen=True)
class SentenceChange:
    """One step of the edit script from A's sentences to B's.

    ``kind`` refines ``changed``: ``"unit_or_year"`` when only unit names or years differ,
    ``"reworded"`` otherwise.
    """

    op: Op
    a: str | None
    b: str | None
    similarity: float = 0.0
    kind: str | None = None
    words: tuple[WordEdit, ...] = ()


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def word_edits(a: str, b: str) -> tuple[WordEdit, ...]:
    """Word-level edit script (difflib on whitespace tokens, punctuation kept on words)."""
    ta, tb = a.split(), b.split()
    edits = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).get_opcodes():
        edits.append(WordEdit(op=op, a=" ".join(ta[i1:i2]), b=" ".join(tb[j1:j2])))
    return tuple(edits)


def is_unit_or_year_change(edits: Sequence[WordEdit], unit_names: Sequence[str]) -> bool:
    """True when every differing word is a year or part of a unit name (of either document)."""
    unit_tokens = {t.strip(".,;:()“”\"").lower() for name in unit_names for t in name.split()} | UNIT_WORDS
    differing = [e for e in edits if e.op != "equal"]
    if not differing:
        return False
    for edit in differing:
        for token in (edit.a + " " + edit.b).split():
            word = token.strip(".,;:()“”\"").lower()
            if word and not (YEAR.match(word) or word in unit_tokens):
                return False
    return True


class SentenceDiffer:
    """Matches the sentences of two texts one-to-one and describes each difference.

    Args:
        embedder: embeds sentences for the semantic similarity.
        threshold: minimum combined similarity for two sentences to count as the same one, changed.

    Example:
        >>> differ = SentenceDiffer(embedder)
        >>> changes = differ.diff(sentences_a, sentences_b, unit_names=["Quang Khải", "Ngọc Kỳ"])  # doctest: +SKIP
    """

    def __init__(self, embedder: Embedder, threshold: float = 0.6):
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("threshold must be in [0, 1]")
        self.embedder = embedder
        self.threshold = threshold

    def similarity(self, sents_a: Sequence[str], sents_b: Sequence[str]) -> np.ndarray:
        if not sents_a or not sents_b:
            return np.zeros((len(sents_a), len(sents_b)), dtype=np.float32)
        vectors = self.embedder.embed_passages(list(sents_a) + list(sents_b))
        cos = vectors[: len(sents_a)] @ vectors[len(sents_a):].T
        semantic = np.clip((cos - 0.8) / 0.2, 0.0, 1.0)   # e5 cosines of related sentences sit in [0.8, 1]
        chars = np.array(
            [[fuzz.token_sort_ratio(_norm(a), _norm(b)) / 100.0 for b in sents_b] for a in sents_a], dtype=np.float32
        )
        return np.maximum(chars, 0.5 * chars + 0.5 * semantic)

    def diff(self, sents_a: Sequence[str], sents_b: Sequence[str], unit_names: Sequence[str] = ()) -> list[SentenceChange]:
        """Edit script in B's order; A-only sentences come right after their matched predecessor.

        Applying it to A (``apply_changes``) yields exactly B's sentences.
        """
        from scipy.optimize import linear_sum_assignment

        sim = self.similarity(sents_a, sents_b)
        matches: dict[int, int] = {}
        if sim.size:
            rows, cols = linear_sum_assignment(-sim)
            matches = {int(r): int(c) for r, c in zip(rows, cols) if sim[r, c] >= self.threshold}
        by_b = {j: i for i, j in matches.items()}
        changes: list[SentenceChange] = []
        emitted: set[int] = set()

        def flush_removed(upto: int) -> None:
            for i in range(upto):
                if i not in matches and i not in emitted:
                    emitted.add(i)
                    changes.append(SentenceChange(op="removed", a=sents_a[i], b=None))

        for j, b in enumerate(sents_b):
            if j not in by_b:
                changes.append(SentenceChange(op="added", a=None, b=b))
                continue
            i = by_b[j]
            flush_removed(i)
            emitted.add(i)
            a = sents_a[i]
            score = round(float(sim[i, j]), 4)
            if _norm(a) == _norm(b):
                changes.append(SentenceChange(op="same", a=a, b=b, similarity=score))
                continue
            edits = word_edits(a, b)
            kind = "unit_or_year" if is_unit_or_year_change(edits, unit_names) else "reworded"
            changes.append(SentenceChange(op="changed", a=a, b=b, similarity=score, kind=kind, words=edits))
        flush_removed(len(sents_a))
        return changes


def apply_changes(sents_a: Sequence[str], changes: Sequence[SentenceChange]) -> list[str]:
    """Replay an edit script on A; raises ValueError if it does not consume A exactly."""
    remaining = list(sents_a)
    out: list[str] = []
    for change in changes:
        if change.op in ("same", "changed", "removed"):
            if change.a not in remaining:
                raise ValueError(f"edit script refers to a sentence not in A: {change.a!r}")
            remaining.remove(change.a)
        if change.op in ("same", "changed", "added"):
            out.append(change.b)  # type: ignore[arg-type]
    if remaining:
        raise ValueError(f"edit script leaves {len(remaining)} sentence(s) of A unaccounted for")
    return out
