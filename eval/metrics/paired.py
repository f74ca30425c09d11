"""Paired comparison of two systems measured on the same queries: is a difference in a mean metric real?

On a few dozen queries two retrievers can differ by one rank on one query, which is noise, not an
improvement. Following Smucker, Allan & Carterette (CIKM 2007), the usual IR practice is a paired
randomization test: under the null hypothesis the two systems are exchangeable on each query, so the
sign of each per-query difference is flipped at random and the observed mean difference is compared
with that distribution. A paired bootstrap of the same differences gives a confidence interval.
Both use a fixed seed so a report is reproducible.

Example:
    >>> d = paired_difference([1.0, 1.0, 0.5, 1.0], [1.0, 0.5, 0.5, 0.25], resamples=2000)
    >>> d.wins, d.losses, d.ties, round(d.mean_delta, 4)
    (2, 0, 2, 0.3125)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PairedDifference:
    """Project minus baseline on one per-query metric.

    Attributes:
        n: number of queries.
        mean_delta: mean of (project − baseline) over the queries.
        ci_low, ci_high: 95 % paired-bootstrap interval of that mean.
        wins, losses, ties: queries where the project scored higher, lower, the same.
        p_value: two-sided paired randomization (sign-flip) test of "no difference".
    """

    n: int
    mean_delta: float
    ci_low: float
    ci_high: float
    wins: int
    losses: int
    ties: int
    p_value: float

    def as_dict(self) -> dict[str, float | int]:
        return {"n": self.n, "mean_delta": self.mean_delta, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "wins": self.wins, "losses": self.losses, "ties": self.ties, "p_value": self.p_value}


def paired_difference(project: Sequence[float], baseline: Sequence[float], *,
                      resamples: int = 10_000, seed: int = 0) -> PairedDifference:
    """Compare two per-query score lists taken on the same queries in the same order.

    Args:
        project: the project's per-query scores (e.g. reciprocal ranks).
        baseline: the baseline's scores on the same queries.
        resamples: bootstrap resamples and random sign flips.
        seed: seed of the random generator (the result is deterministic for a given seed).

    Raises:
        ValueError: the lists differ in length or are empty, or ``resamples`` is not positive.
    """
    if len(project) != len(baseline):
        raise ValueError(f"paired scores need the same queries: {len(project)} vs {len(baseline)} values")
    if not project:
        raise ValueError("paired scores need at least one query")
    if resamples <= 0:
        raise ValueError(f"resamples must be positive, got {resamples}")
    delta = np.asarray(project, dtype=float) - np.asarray(baseline, dtype=float)
    n = len(delta)
    observed = float(delta.mean())
    rng = np.random.default_rng(seed)
    boot = delta[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
    low, high = np.quantile(boot, [0.025, 0.975])
    signs = rng.choice(np.array([-1.0, 1.0]), size=(resamples, n))
    flipped = np.abs((signs * delta).mean(axis=1))
    # +1 in numerator and denominator: the observed assignment is one of the possible ones (never p = 0).
    p_value = (int(np.count_nonzero(flipped >= abs(observed) - 1e-12)) + 1) / (resamples + 1)
    return PairedDifference(
        n=n, mean_delta=observed, ci_low=float(low), ci_high=float(high),
        wins=int(np.count_nonzero(delta > 1e-12)), losses=int(np.count_nonzero(delta < -1e-12)),
        ties=int(np.count_nonzero(np.abs(delta) <= 1e-12)), p_value=float(p_value),
    )
