"""Placeholder coverage on toy drafts."""

import pytest

from eval.metrics.placeholder import FactSlot, placeholder_coverage, slot_covered

SLOTS = [
    FactSlot("số lượt tiếp", ("[số lượt]",), "12 lượt"),
    FactSlot("số đơn", ("[số đơn]", "[số đơn thư]"), None),
    FactSlot("số đơn giải quyết", ("[số đơn đã giải quyết]",), None),
]


def test_clerk_value_or_placeholder_covers_a_slot():
    text = "Trong năm tiếp 12 lượt công dân; nhận [số đơn thư] đơn."
    assert slot_covered(SLOTS[0], text)
    assert slot_covered(SLOTS[1], text)
    assert not slot_covered(SLOTS[2], text)
    assert placeholder_coverage(SLOTS, text) == pytest.approx(2 / 3)


def test_invented_figure_does_not_cover():
    assert placeholder_coverage(SLOTS[:1], "Trong năm tiếp 16 lượt công dân.") == 0.0
    assert placeholder_coverage(SLOTS[:1], "Trong năm tiếp [số lượt] lượt công dân.") == 1.0


def test_empty_inputs():
    assert placeholder_coverage([], "bất kỳ") == 0.0
    assert placeholder_coverage(SLOTS, "") == 0.0
