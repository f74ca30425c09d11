"""Top-k accuracy of directive lookup, and whether an answer line states the expected facts.

Definition (the usual classification top-k accuracy, e.g. scikit-learn ``top_k_accuracy_score``):
the share of questions for which at least one gold id is among the first k predicted ids.

Example:
    >>> top_k_accuracy([["a", "b"], ["c"]], [{"b"}, {"x"}], k=2)
    0.5
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from index.lexical import strip_diacritics


def top_k_accuracy(predictions: Sequence[Sequence[str]], gold: Sequence[Collection[str]], k: int) -> float:
    """Share of questions whose top-``k`` predictions contain a gold id.

    Args:
        predictions: per question, predicted ids best first.
        gold: per question, the set of acceptable ids.
        k: cut-off (≥ 1).

    Returns:
        The share in [0, 1]; 0.0 for no questions.

    Raises:
        ValueError: if k ≤ 0 or the two sequences differ in length.
    """
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    if len(predictions) != len(gold):
        raise ValueError(f"{len(predictions)} predictions for {len(gold)} gold answers")
    if not predictions:
        return 0.0
    hits = sum(1 for ranked, ok in zip(predictions, gold) if any(p in ok for p in ranked[:k]))
    return hits / len(predictions)


def _folded(text: str) -> str:
    return " ".join(strip_diacritics(text).lower().split())


def answer_states(answers: Sequence[str], facts: Sequence[Collection[str]]) -> list[bool]:
    """Per question: does its answer line state every expected fact? (Compared without case, accents or
    spacing: "01/07/2023", "hết hiệu lực", "Bộ Chính trị".) A question with no facts is True.

    >>> answer_states(["Luật số 10/2022/QH15 có hiệu lực thi hành từ ngày 01/07/2023."], [["01/07/2023"]])
    [True]
    >>> answer_states(["… còn hiệu lực."], [["hết hiệu lực"]])
    [False]
    """
    if len(answers) != len(facts):
        raise ValueError(f"{len(answers)} answers for {len(facts)} fact lists")
    return [all(_folded(f) in _folded(a) for f in fs) for a, fs in zip(answers, facts)]
