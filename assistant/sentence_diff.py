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


YEAR_IN_TEXT = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def mask_unit_and_year(text: str, unit_names: Sequence[str]) -> str:
    """The sentence with every unit name and every year (also inside dates: 15/12/2023) masked."""
    masked = _norm(text)
    for name in sorted({_norm(n) for n in unit_names if n.strip()}, key=len, reverse=True):
        masked = masked.replace(name, "<đơn vị>")
    return YEAR_IN_TEXT.sub("<năm>", masked)


def is_unit_or_year_change(edits: Sequence[WordEdit], unit_names: Sequence[str]) -> bool:
    """True when every differing word is a year or part of a unit name (of either document),
    or when the two sentences are equal once unit names and years (dates included) are masked."""
    a = " ".join(e.a for e in edits if e.a)
    b = " ".join(e.b for e in edits if e.b)
    if _norm(a) != _norm(b) and mask_unit_and_year(a, unit_names) == mask_unit_and_year(b, unit_names):
        return True
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

    @property
    def char_floor(self) -> float:
        """Below this character similarity no meaning can lift a pair over the threshold.

        The combined score is at most ``0.5 * chars + 0.5``, so such sentences need no embedding.
        """
        return max(0.0, 2.0 * self.threshold - 1.0)

    def needs_meaning(self, sents_a: Sequence[str], sents_b: Sequence[str]) -> tuple[list[int], list[int]]:
        """Rows and columns with at least one partner above ``char_floor``: the only ones embedded."""
        if not sents_a or not sents_b:
            return [], []
        chars = _char_matrix(sents_a, sents_b)
        hopeful = chars >= self.char_floor
        return [int(i) for i in np.flatnonzero(hopeful.any(1))], [int(j) for j in np.flatnonzero(hopeful.any(0))]

    def similarity(self, sents_a: Sequence[str], sents_b: Sequence[str]) -> np.ndarray:
        """max(characters, ½ characters + ½ meaning); meaning only where characters leave it open."""
        if not sents_a or not sents_b:
            return np.zeros((len(sents_a), len(sents_b)), dtype=np.float32)
        chars = _char_matrix(sents_a, sents_b)
        rows, cols = self.needs_meaning(sents_a, sents_b)
        semantic = np.zeros_like(chars)
        if rows and cols:
            vectors = self.embedder.embed_passages([sents_a[i] for i in rows] + [sents_b[j] for j in cols])
            cos = vectors[: len(rows)] @ vectors[len(rows):].T
            # e5 cosines of related sentences sit in [0.8, 1]
            semantic[np.ix_(rows, cols)] = np.clip((cos - 0.8) / 0.2, 0.0, 1.0)
        return np.maximum(chars, 0.5 * chars + 0.5 * semantic)

    def diff(self, sents_a: Sequence[str], sents_b: Sequence[str], unit_names: Sequence[str] = ()) -> list[SentenceChange]:
        """Edit script in B's order; A-only sentences come right after their matched predecessor.

        Sentences that are identical (after case and whitespace folding) are paired first and
        never embedded; only the rest are matched by meaning. Applying the script to A
        (``apply_changes``) yields exactly B's sentences.
        """
        from scipy.optimize import linear_sum_assignment

        matches = identical_pairs(sents_a, sents_b)
        rest_a = [i for i in range(len(sents_a)) if i not in matches]
        taken_b = set(matches.values())
        rest_b = [j for j in range(len(sents_b)) if j not in taken_b]
        sim = np.zeros((len(sents_a), len(sents_b)), dtype=np.float32)
        for i, j in matches.items():
            sim[i, j] = 1.0
        if rest_a and rest_b:
            sub = self.similarity([sents_a[i] for i in rest_a], [sents_b[j] for j in rest_b])
            sim[np.ix_(rest_a, rest_b)] = sub
            rows, cols = linear_sum_assignment(-sub)
            matches.update({rest_a[r]: rest_b[c] for r, c in zip(rows, cols) if sub[r, c] >= self.threshold})
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


def _char_matrix(sents_a: Sequence[str], sents_b: Sequence[str]) -> np.ndarray:
    from rapidfuzz.process import cdist

    return (cdist([_norm(a) for a in sents_a], [_norm(b) for b in sents_b], scorer=fuzz.token_sort_ratio)
            / 100.0).astype(np.float32)


def identical_pairs(sents_a: Sequence[str], sents_b: Sequence[str]) -> dict[int, int]:
    """A index → B index for sentences equal after case/whitespace folding, first come first paired."""
    free_b: dict[str, list[int]] = {}
    for j, b in enumerate(sents_b):
        free_b.setdefault(_norm(b), []).append(j)
    pairs: dict[int, int] = {}
    for i, a in enumerate(sents_a):
        slots = free_b.get(_norm(a))
        if slots:
            pairs[i] = slots.pop(0)
    return pairs


def sentences_to_embed(differ: SentenceDiffer, sents_a: Sequence[str], sents_b: Sequence[str]) -> list[str]:
    """The sentences ``differ.diff`` will embed: no identical partner, and a partner close enough in characters."""
    matches = identical_pairs(sents_a, sents_b)
    taken_b = set(matches.values())
    rest_a = [a for i, a in enumerate(sents_a) if i not in matches]
    rest_b = [b for j, b in enumerate(sents_b) if j not in taken_b]
    rows, cols = differ.needs_meaning(rest_a, rest_b)
    return [rest_a[i] for i in rows] + [rest_b[j] for j in cols]


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
