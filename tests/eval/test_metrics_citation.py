"""ALCE citation recall/precision with a toy judge: a sentence is supported when every word of it
appears in the joined cited passages."""

import pytest

from eval.metrics.citation import CitedSentence, citation_precision, citation_recall, precise_citations


def judge(sentence, passages):
    words = " ".join(passages).split()
    return all(w in words for w in sentence.split())


PASSAGES = {1: "tiếp 16 đơn", 2: "giải quyết đơn", 3: "hòa giải viên", 4: "tiếp 16 đơn giải quyết"}


def test_recall_counts_supported_sentences():
    sentences = [
        CitedSentence("tiếp 16 đơn", (1,)),  # supported
        CitedSentence("tiếp giải quyết", (1, 2)),  # supported by the union only
        CitedSentence("tiếp hòa", (2,)),  # not supported
        CitedSentence("tiếp", ()),  # no citation
        CitedSentence("tiếp", (9,)),  # citation that does not resolve
    ]
    assert citation_recall(sentences, PASSAGES, judge) == pytest.approx(2 / 5)


def test_precision_irrelevant_citation():
    # "tiếp 16": [1] alone supports; [3] alone does not and [1] still supports without it → irrelevant.
    s = CitedSentence("tiếp 16", (1, 3))
    assert precise_citations(s, PASSAGES, judge) == 1
    assert citation_precision([s], PASSAGES, judge) == pytest.approx(1 / 2)


def test_precision_both_needed_and_redundant_pair():
    needed = CitedSentence("tiếp quyết", (1, 2))  # neither alone, both together → both needed
    redundant = CitedSentence("tiếp 16", (1, 4))  # each alone supports → both precise (ALCE keeps them)
    unsupported = CitedSentence("viên tiếp xx", (3, 1))  # unsupported → both imprecise
    single = CitedSentence("hòa giải", (3,))  # single supporting citation → precise
    total = 2 + 2 + 2 + 1
    assert citation_precision([needed, redundant, unsupported, single], PASSAGES, judge) == pytest.approx((2 + 2 + 0 + 1) / total)


def test_empty_inputs():
    assert citation_recall([], PASSAGES, judge) == 0.0
    assert citation_precision([], PASSAGES, judge) == 0.0
    assert citation_precision([CitedSentence("tiếp", ())], PASSAGES, judge) == 0.0
