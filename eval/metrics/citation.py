"""ALCE-style citation recall and precision (Gao et al. 2023, "Enabling Large Language Models to
Generate Text with Citations", https://arxiv.org/abs/2305.14627, ``eval.py: compute_autoais``).

* Citation recall: the share of sentences that are fully supported by the union of their cited
  passages. A sentence without citations, or citing a number that does not exist, scores 0.
* Citation precision: the share of citations that are needed. For a supported sentence with several
  citations, citation c is *irrelevant* if c alone does not support the sentence AND the remaining
  citations still do; every other citation of a supported sentence counts as precise. Citations of an
  unsupported sentence all count as imprecise. Precision = precise citations / all citations.

The support decision is injected as ``judge(sentence, passages) -> bool`` so this module never sees a
model or a prompt (the drafting verifier provides a calibrated judge; tests pass a toy one).

Example:
    >>> judge = lambda s, ps: all(w in " ".join(ps) for w in s.split())
    >>> citation_recall([CitedSentence("a b", (1, 2))], {1: "a", 2: "b"}, judge)
    1.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

Judge = Callable[[str, Sequence[str]], bool]


@dataclass(frozen=True)
class CitedSentence:
    """One draft sentence and the citation numbers ``[n]`` attached to it."""

    text: str
    citations: tuple[int, ...]


def _cited_passages(sentence: CitedSentence, passages: Mapping[int, str]) -> list[str] | None:
    """The cited passages in citation order, or None if a citation number does not resolve."""
    if any(n not in passages for n in sentence.citations):
        return None
    return [passages[n] for n in sentence.citations]


def sentence_supported(sentence: CitedSentence, passages: Mapping[int, str], judge: Judge) -> bool:
    """True if the sentence has citations, all resolve, and their union supports it."""
    if not sentence.citations:
        return False
    cited = _cited_passages(sentence, passages)
    return cited is not None and bool(judge(sentence.text, cited))


def precise_citations(sentence: CitedSentence, passages: Mapping[int, str], judge: Judge) -> int:
    """How many of the sentence's citations are needed (ALCE precision numerator for one sentence)."""
    if not sentence_supported(sentence, passages, judge):
        return 0
    if len(sentence.citations) == 1:
        return 1
    precise = 0
    for position, n in enumerate(sentence.citations):
        if judge(sentence.text, [passages[n]]):
            precise += 1
            continue
        others = [passages[m] for i, m in enumerate(sentence.citations) if i != position]
        if not judge(sentence.text, others):
            precise += 1  # needed: without it the rest no longer supports the sentence
    return precise


def citation_recall(sentences: Sequence[CitedSentence], passages: Mapping[int, str], judge: Judge) -> float:
    """Share of sentences fully supported by the union of their cited passages (0.0 if none)."""
    if not sentences:
        return 0.0
    return sum(sentence_supported(s, passages, judge) for s in sentences) / len(sentences)


def citation_precision(sentences: Sequence[CitedSentence], passages: Mapping[int, str], judge: Judge) -> float:
    """Share of all citations that are needed, ALCE definition (0.0 if there are no citations)."""
    total = sum(len(s.citations) for s in sentences)
    if total == 0:
        return 0.0
    return sum(precise_citations(s, passages, judge) for s in sentences) / total
