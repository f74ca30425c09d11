"""Per-query dense weight from the two lists' confidence, and the per-index calibration file."""

from __future__ import annotations

import pytest

from assistant.fusion_weight import (
    MAX_DENSE_WEIGHT,
    FusionCalibration,
    held_in_queries,
    list_confidence,
    load_calibration,
    query_dense_weight,
)
from index.schema import Chunk

FLAT = [(i, 1.0) for i in range(20)]
PEAKED = [(0, 10.0)] + [(i, 1.0 + 0.01 * i) for i in range(1, 20)]


def test_list_confidence_by_hand():
    assert list_confidence(FLAT) == 0.0 and list_confidence([(0, 1.0)]) == 0.0
    values = [10.0] + [1.0 + 0.01 * i for i in range(1, 20)]
    import numpy as np

    expected = (values[0] - np.mean(values[1:10])) / np.std(values)
    assert list_confidence(PEAKED) == pytest.approx(expected)


def test_dense_weight_follows_which_list_is_sure():
    assert query_dense_weight(PEAKED, PEAKED, 0.2) == pytest.approx(0.2)     # equally sure: the base
    assert query_dense_weight(PEAKED, FLAT, 0.2) == pytest.approx(0.4)       # only dense is sure: doubled
    assert query_dense_weight(FLAT, PEAKED, 0.2) == 0.0                       # only BM25 is sure
    assert query_dense_weight(FLAT, FLAT, 0.3) == 0.3                         # nobody is sure: the base
    assert query_dense_weight(PEAKED, FLAT, 0.6) == MAX_DENSE_WEIGHT          # capped
    assert query_dense_weight([], PEAKED, 0.2) == 0.0 and query_dense_weight(PEAKED, [], 0.2) == 0.2


def test_calibration_file_is_tied_to_its_build(tmp_path):
    cal = FusionCalibration(0.3, "key-of-this-index", 120, {"0.2": 0.33, "0.3": 0.34})
    cal.save(tmp_path)
    assert load_calibration(tmp_path, cal.index_key) == cal
    assert load_calibration(tmp_path, "another index") is None
    (tmp_path / "fusion.json").write_text("{broken", encoding="utf-8")
    assert load_calibration(tmp_path, cal.index_key) is None
    assert load_calibration(tmp_path / "none", cal.index_key) is None


def test_held_in_queries_leave_their_own_passage_out():
    text = "Ủy ban nhân dân xã tổ chức tiếp công dân định kỳ vào ngày 15 hằng tháng tại trụ sở. Câu ngắn."
    chunks = [Chunk(f"c{i}", "d", "a.md", text, ("I. Tiếp dân",), 1, 1, {}) for i in range(3)]
    chunks.append(Chunk("lone", "d", "a.md", text, ("II. Khác",), 2, 2, {}))
    queries = held_in_queries(chunks, n=10)
    assert len(queries) == 3 and all(own not in rel and rel == {0, 1, 2} - {own} for own, _, rel in queries)
    assert all(q.startswith("Ủy ban nhân dân xã tổ chức") for _, q, _ in queries)
    assert held_in_queries(chunks, n=10) == queries                          # a fixed seed: repeatable
