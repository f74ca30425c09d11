"""Top-k accuracy of directive lookup.

Definition (the usual classification top-k accuracy, e.g. scikit-learn ``top_k_accuracy_score``):
the share of questions for which at least one gold id is among the first k predicted ids.

Example:
    >>> top_k_accuracy([["a", "b"], ["c"]], [{"b"}, {"x"}], k=2)
    0.5
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


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
