"""Support-judge quality and threshold calibration on toy scores."""

import pytest

from eval.metrics.judge_quality import calibrate_threshold, classification_scores, evaluate_threshold

SCORES = [0.95, 0.80, 0.70, 0.60, 0.40, 0.20]
LABELS = [True, True, False, True, False, False]


def test_classification_scores():
    s = classification_scores([True, True, False, False], [True, False, True, False])
    assert (s.tp, s.fp, s.fn, s.tn) == (1, 1, 1, 1)
    assert s.precision == pytest.approx(1 / 2)
    assert s.recall == pytest.approx(1 / 2)
    assert s.f1 == pytest.approx(2 * (1 / 2) * (1 / 2) / (1 / 2 + 1 / 2))


def test_zero_division_is_zero():
    s = classification_scores([False, False], [True, False])
    assert (s.precision, s.recall, s.f1) == (0.0, 0.0, 0.0)


def test_evaluate_threshold():
    s = evaluate_threshold(SCORES, LABELS, 0.6)
    assert (s.tp, s.fp, s.fn) == (3, 1, 0)
    assert s.precision == pytest.approx(3 / 4)
    assert s.recall == pytest.approx(3 / 3)


def test_calibrate_f1():
    # t=0.95: P1 R1/3 F1=0.5; t=0.8: P1 R2/3 F1=0.8; t=0.6: P3/4 R1 F1=6/7≈0.857; t=0.4: P3/5 R1 F1=0.75
    cal = calibrate_threshold(SCORES, LABELS, "f1")
    assert cal.threshold == 0.6
    assert cal.dev.f1 == pytest.approx(2 * (3 / 4) * 1 / (3 / 4 + 1))


def test_calibrate_precision_at_recall():
    cal = calibrate_threshold(SCORES, LABELS, "precision_at_recall", min_recall=0.6)
    assert cal.threshold == 0.8  # recall 2/3 ≥ 0.6 with precision 1.0
    assert cal.dev.precision == 1.0


def test_ties_keep_the_stricter_threshold():
    assert calibrate_threshold([0.9, 0.5], [True, True]).threshold == 0.5  # only 0.5 reaches F1 = 1
    assert calibrate_threshold([0.9, 0.5], [True, False]).threshold == 0.9


def test_refuses_empty_and_unreachable():
    with pytest.raises(ValueError):
        calibrate_threshold([], [])
    with pytest.raises(ValueError):
        calibrate_threshold([0.5], [False], "precision_at_recall", min_recall=0.5)
    with pytest.raises(ValueError):
        calibrate_threshold([0.5], [True], "accuracy")
