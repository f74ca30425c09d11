"""Quality of the support judge against hand labels, and calibration of its threshold.

Definitions (standard binary classification, "supported" is the positive class):
precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2PR / (P + R); a ratio with a zero
denominator is 0.0 (scikit-learn's ``zero_division=0``). A score ≥ threshold predicts "supported".

Calibration picks the threshold on the *dev* split only, among the observed scores, either maximizing
F1 or maximizing precision subject to recall ≥ ``min_recall``; ties go to the highest threshold (the
stricter judge). The chosen threshold is then reported on the *test* split with :func:`evaluate_threshold`,
never re-tuned there.

Example:
    >>> calibrate_threshold([0.9, 0.8, 0.3], [True, True, False]).threshold
    0.8
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class ClassificationScores:
    """Confusion counts and the derived precision, recall and F1."""

    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Calibration:
    """A chosen threshold and the dev-split scores it reached."""

    threshold: float
    objective: str
    dev: ClassificationScores


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def classification_scores(predictions: Sequence[bool], labels: Sequence[bool]) -> ClassificationScores:
    """Precision/recall/F1 of boolean predictions against boolean labels.

    Raises:
        ValueError: if the sequences differ in length.
    """
    if len(predictions) != len(labels):
        raise ValueError(f"{len(predictions)} predictions for {len(labels)} labels")
    pred = np.asarray(predictions, dtype=bool)
    gold = np.asarray(labels, dtype=bool)
    tp = int(np.sum(pred & gold))
    fp = int(np.sum(pred & ~gold))
    fn = int(np.sum(~pred & gold))
    tn = int(np.sum(~pred & ~gold))
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ClassificationScores(tp, fp, fn, tn, precision, recall, f1)


def evaluate_threshold(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> ClassificationScores:
    """Scores of the rule ``score >= threshold`` → supported."""
    return classification_scores([s >= threshold for s in scores], labels)


def calibrate_threshold(
    scores: Sequence[float],
    labels: Sequence[bool],
    objective: Literal["f1", "precision_at_recall"] = "f1",
    min_recall: float = 0.9,
) -> Calibration:
    """Choose the support threshold on dev data.

    Args:
        scores: judge scores of the dev pairs.
        labels: hand labels (True = supported).
        objective: "f1" maximizes F1; "precision_at_recall" maximizes precision with recall ≥ min_recall.
        min_recall: the recall floor for "precision_at_recall".

    Returns:
        The threshold (one of the observed scores) and its dev scores.

    Raises:
        ValueError: on empty input, length mismatch, unknown objective, or when no threshold reaches
            ``min_recall`` (cannot happen if any label is True: the lowest score gives recall 1).
    """
    if len(scores) != len(labels):
        raise ValueError(f"{len(scores)} scores for {len(labels)} labels")
    if not scores:
        raise ValueError("cannot calibrate a threshold on zero pairs")
    if objective not in ("f1", "precision_at_recall"):
        raise ValueError(f"unknown objective {objective!r}; use 'f1' or 'precision_at_recall'")
    best: Calibration | None = None
    best_value = -1.0
    for threshold in sorted(set(float(s) for s in scores), reverse=True):  # high first: ties keep stricter
        result = evaluate_threshold(scores, labels, threshold)
        if objective == "f1":
            value = result.f1
        else:
            if result.recall < min_recall:
                continue
            value = result.precision
        if value > best_value:
            best_value = value
            best = Calibration(threshold, objective, result)
    if best is None:
        raise ValueError(f"no threshold reaches recall ≥ {min_recall}; are there supported pairs in dev?")
    return best
