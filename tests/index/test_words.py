"""Words for BM25's third field: underthesea on passages, longest match on queries."""

from __future__ import annotations

from index.lexical import STOPWORDS_VI
from index.words import longest_match, segment_passage


def test_segment_passage_joins_syllables_and_drops_stopwords_and_punctuation():
    words = segment_passage("Ủy ban nhân dân xã tiếp công dân và giải quyết khiếu nại, tố cáo.", STOPWORDS_VI)
    assert "và" not in words and "," not in words
    assert {"giải_quyết", "khiếu_nại", "tố_cáo"} <= set(words)
    assert all(w == w.lower() for w in words)


def test_longest_match_prefers_the_longest_known_word():
    vocab = {"tiếp_công_dân", "công_dân", "giải_quyết", "khiếu_nại"}
    assert longest_match("tiếp công dân giải quyết khiếu nại".split(), vocab) == [
        "tiếp_công_dân", "giải_quyết", "khiếu_nại"]
    assert longest_match(["công", "dân"], vocab) == ["công_dân"]
    assert longest_match(["xyz"], vocab) == ["xyz"] and longest_match([], vocab) == []
