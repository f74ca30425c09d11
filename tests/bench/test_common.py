"""Arithmetic of the benchmark plumbing (no timing assertions: speed belongs in bench/)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.common import (
    BenchResult,
    LatencyStats,
    format_table,
    percentile,
    ratio,
    recall_at_k,
    throughput,
    verdict,
    write_json,
)


def test_percentile_interpolates_between_closest_ranks():
    # rank (n-1)*q/100 = 3*0.5 = 1.5 → halfway between 2 and 3
    assert percentile([4, 1, 3, 2], 50) == 2.5
    # rank 3*0.95 = 2.85 → 3 + 0.85*(4-3)
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile([1, 2, 3, 4], 0) == 1
    assert percentile([1, 2, 3, 4], 100) == 4
    assert percentile([7.0], 95) == 7.0


def test_percentile_matches_numpy_linear_definition():
    values = [0.3, 12.0, 5.5, 5.5, 1.0, 9.25, 2.0]
    for q in (10, 50, 90, 95, 99):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_rejects_empty_and_out_of_range():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_stats_in_milliseconds():
    stats = LatencyStats.from_seconds([0.001, 0.002, 0.003, 0.010])
    assert stats.n == 4
    assert stats.p50_ms == pytest.approx(2.5)             # halfway between 2 ms and 3 ms
    assert stats.p95_ms == pytest.approx(3 + 0.85 * 7)    # rank 2.85 between 3 ms and 10 ms
    assert stats.mean_ms == pytest.approx(4.0)


def test_ratio_and_verdict():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0.0) is None
    assert ratio(1.0, -1.0) is None
    assert verdict(1.5, 1.5) == "PASS"            # ≤ target passes
    assert verdict(1.51, 1.5) == "FAIL"
    assert verdict(0.99, 0.99, higher_is_better=True) == "PASS"
    assert verdict(0.98, 0.99, higher_is_better=True) == "FAIL"
    assert verdict(None, 1.5) == "n/a"


def test_throughput():
    assert throughput(500, 25.0) == 20.0
    assert throughput(10, 0.0) == 0.0


def test_recall_at_k_counts_overlap_of_top_k_only():
    # query 1: {1,2} ∩ {2,3} = 1 of 2; query 2: {5,6} ∩ {6,5} = 2 of 2 → (0.5 + 1) / 2
    assert recall_at_k([[1, 2, 9], [5, 6]], [[2, 3, 1], [6, 5]], k=2) == pytest.approx(0.75)
    # FAISS pads missing results with -1; they never count
    assert recall_at_k([[-1, -1]], [[-1, 4]], k=2) == 0.0
    assert recall_at_k([], [], k=10) == 0.0
    # FAISS returns (n, k) arrays, not lists
    assert recall_at_k(np.array([[1, 2]]), np.array([[2, 1]]), k=2) == 1.0
    with pytest.raises(ValueError):
        recall_at_k([[1]], [], k=1)


def test_table_and_json(tmp_path):
    result = BenchResult("search")
    result.add("project hybrid p50", 4.2, "ms", baseline="floor 3.0 ms", ratio=1.4, target="≤ 1.5×", verdict="PASS")
    result.notes.append("two rounds")
    skipped = BenchResult("app", status="skipped", notes=["skipped: app not importable"])
    table = format_table([result, skipped])
    assert "project hybrid p50" in table and "1.40×" in table and "PASS" in table
    assert "SKIPPED" in table and "[app] skipped: app not importable" in table
    path = write_json([result, skipped], tmp_path, meta={"quick": True})
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["quick"] is True
    assert data["results"][0]["rows"][0]["ratio"] == 1.4
    assert data["results"][1]["status"] == "skipped"
    assert data["machine"]["cpus"] >= 1
