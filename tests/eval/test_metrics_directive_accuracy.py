"""Directive accuracy against a toy registry."""

from datetime import date

import pytest

from eval.metrics.directive_accuracy import (
    DirectiveReference,
    RegistryEntry,
    directive_accuracy,
    directive_key,
    reference_problems,
)

REGISTRY = {
    directive_key(e.number): e
    for e in [
        RegistryEntry("33/CT-TTg", date(2021, 11, 26), "Thủ tướng Chính phủ"),
        RegistryEntry("04/2015/NĐ-CP", date(2015, 1, 9), "Chính phủ"),
    ]
}


def test_each_problem_is_named():
    assert reference_problems(DirectiveReference("33/CT-TTg", date(2021, 11, 26), "thủ tướng  chính phủ"), REGISTRY) == ()
    assert reference_problems(DirectiveReference("99/CT-TTg"), REGISTRY) == ("unknown",)
    assert reference_problems(DirectiveReference("33/CT-TTg", date(2021, 11, 25)), REGISTRY) == ("date",)
    assert reference_problems(DirectiveReference("04/2015/NĐ-CP", None, "Quốc hội"), REGISTRY) == ("issuer",)
    assert reference_problems(DirectiveReference("33/CT TTg"), REGISTRY) == ("unknown",)  # damaged number


def test_accuracy_is_share_of_correct_references():
    refs = [
        DirectiveReference("33/CT-TTg", date(2021, 11, 26), "Thủ tướng Chính phủ"),
        DirectiveReference("04/2015/nđ-cp"),  # case-insensitive number, omitted fields not held against it
        DirectiveReference("99/CT-TTg"),
        DirectiveReference("33/CT-TTg", date(2016, 5, 16)),
    ]
    assert directive_accuracy(refs, REGISTRY) == pytest.approx(2 / 4)


def test_empty_inputs():
    assert directive_accuracy([], REGISTRY) == 0.0
    assert directive_accuracy([DirectiveReference("33/CT-TTg")], {}) == 0.0
