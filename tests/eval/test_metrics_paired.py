"""Paired randomization test and bootstrap interval on toy score lists with hand-computed values."""

import pytest

from eval.metrics.paired import paired_difference


def test_identical_systems_show_no_difference():
    d = paired_difference([1.0, 0.5, 0.0], [1.0, 0.5, 0.0], resamples=500)
    assert (d.n, d.wins, d.losses, d.ties) == (3, 0, 0, 3)
    assert d.mean_delta == 0.0 and d.ci_low == 0.0 and d.ci_high == 0.0
    assert d.p_value == 1.0  # every sign flip is as extreme as "no difference"


def test_one_rank_on_one_query_is_not_significant():
    # 50 queries, the project moves one gold from rank 2 to rank 1: +0.5 once, mean +0.01.
    project = [1.0] * 49 + [1.0]
    baseline = [1.0] * 49 + [0.5]
    d = paired_difference(project, baseline, resamples=4000)
    assert d.mean_delta == pytest.approx(0.01)
    assert (d.wins, d.losses, d.ties) == (1, 0, 49)
    assert d.p_value == 1.0  # flipping the single non-zero difference only changes its sign
    assert d.ci_low == 0.0 and d.ci_high == pytest.approx(0.01 * 3, abs=0.011)


def test_sign_flip_p_value_matches_the_enumerated_distribution():
    # Non-zero differences 0.5 and 0.75: the four sign patterns give |sum| 1.25, 0.25, 0.25, 1.25,
    # so P(|mean| >= observed 1.25/4) = 2/4 = 0.5.
    d = paired_difference([1.0, 1.0, 1.0, 1.0], [1.0, 0.5, 1.0, 0.25], resamples=20_000, seed=3)
    assert d.mean_delta == pytest.approx(1.25 / 4)
    assert d.p_value == pytest.approx(0.5, abs=0.02)


def test_a_consistent_gain_is_significant_and_its_interval_excludes_zero():
    d = paired_difference([1.0] * 30, [0.5] * 20 + [1.0 / 3] * 10, resamples=2000)
    assert d.wins == 30 and d.losses == 0
    assert d.p_value == pytest.approx(1 / 2001)  # no random sign pattern reaches the all-positive sum
    assert 0.5 <= d.ci_low <= d.mean_delta <= d.ci_high <= 2 / 3


def test_a_loss_has_a_negative_delta():
    d = paired_difference([0.5, 0.5, 1.0], [1.0, 1.0, 1.0], resamples=1000)
    assert d.mean_delta == pytest.approx(-1 / 3) and (d.wins, d.losses, d.ties) == (0, 2, 1)
    assert d.ci_high <= 0.0


def test_the_result_is_reproducible_for_a_seed():
    a = paired_difference([1, 0.5, 0.2, 1], [0.5, 0.5, 1, 0.25], resamples=3000, seed=7)
    b = paired_difference([1, 0.5, 0.2, 1], [0.5, 0.5, 1, 0.25], resamples=3000, seed=7)
    assert a == b


@pytest.mark.parametrize("project, baseline, resamples, message", [
    ([1.0], [1.0, 0.5], 100, "same queries"),
    ([], [], 100, "at least one"),
    ([1.0], [0.5], 0, "positive"),
])
def test_bad_input_is_refused(project, baseline, resamples, message):
    with pytest.raises(ValueError, match=message):
        paired_difference(project, baseline, resamples=resamples)
