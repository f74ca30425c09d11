"""Drafting-suite helpers on hand-made text (no model, no index)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from eval.datasets import DraftingRequest
from eval.suites.drafting import CorpusUnits, aggregate, allowed_figures, bare_name, figures_of, score_draft

REQ = DraftingRequest("d1", "Công tác tiếp dân", "UBND xã Hòa Bình", "xã", ("huyện Tứ Kỳ", "tỉnh Hải Dương"), 2024,
                      "báo cáo", "tiếp 12 lượt công dân", ("seeds/a.txt",), ("4. Tiếp dân",), "dev")


@dataclass(frozen=True)
class _Sentence:
    text: str
    citations: tuple[int, ...]


@dataclass(frozen=True)
class _Citation:
    n: int
    source: str
    text: str
    quote: str = ""


@dataclass(frozen=True)
class _Draft:
    sentences: tuple
    citations: tuple
    text: str = ""


@dataclass
class _Chunk:
    source: str
    meta: dict
    text: str = ""


CORPUS = CorpusUnits.from_chunks([
    _Chunk("seeds/a.txt", {"unit": "UBND xã Quang Khải", "unit_name": "Quang Khải", "parent_units": ["huyện Tứ Kỳ"]}),
    _Chunk("seeds/b.txt", {"unit": "UBND phường Lam Sơn", "parent_units": ["thị xã Bỉm Sơn", "tỉnh Thanh Hóa"]}),
    _Chunk("seeds/c.txt", {"unit": "UBND phường Hội", "parent_units": ["thành phố Hồ Chí Minh"]}),
    _Chunk("phapdien/x.md", {"is_governing": True, "unit": None}, "Học tập và làm theo tư tưởng Hồ Chí Minh."),
])


def test_bare_names_and_corpus_units():
    assert bare_name("UBND xã Quang Khải") == "Quang Khải" and bare_name("thị xã Bỉm Sơn") == "Bỉm Sơn"
    assert CORPUS.governing_sources == {"phapdien/x.md"}
    # the target's own district (Tứ Kỳ) is not foreign; the other district and province are; a one-word
    # name ("Hội") and a name a governing text uses ("Hồ Chí Minh") are not distinctive
    assert CORPUS.common_names == {"Hội", "Hồ Chí Minh"}
    assert CORPUS.foreign_names(REQ) == ["Bỉm Sơn", "Lam Sơn", "Quang Khải", "Thanh Hóa"]


def test_figures_skip_directive_numbers_and_their_dates():
    text = "Thực hiện Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ, xã tiếp 16 đơn, đạt 2.256 hộ."
    assert figures_of(text) == ["16", "2.256"]
    assert figures_of("Pháp luật về dân chủ trực tiếp trong Hiến pháp năm 2013 và 12 thôn.") == ["12"]
    assert allowed_figures(REQ) == ["2023", "2024", "2025", "12"]


def _judge(sentence, passages):
    return all(word in " ".join(passages) for word in sentence.rstrip(".").split())


def test_score_draft_counts_leaks_slots_and_support():
    passage = "Xã Quang Khải tiếp 16 lượt công dân"
    draft = _Draft(
        sentences=(_Sentence("Xã tiếp [số lượt] lượt công dân.", (1,)),      # supported? "[số" not in passage → no
                   _Sentence("Xã Quang Khải tiếp 16 lượt công dân.", (1,)),  # supported, leaks name and figure
                   _Sentence("Xã tiếp lượt công dân.", (1, 2))),              # supported by [1] alone; [2] not needed
        citations=(_Citation(1, "seeds/a.txt", passage, quote=passage + "."), _Citation(2, "seeds/b.txt", "khác")),
    )
    row = score_draft(draft, REQ, CORPUS, _judge, registry={})
    assert row["citation_recall"] == pytest.approx(2 / 3)
    assert row["citation_precision"] == pytest.approx(2 / 4)   # [1] of s2, [1] of s3 needed; s1's [1] and s3's [2] not
    assert row["n_leaking"] == 1
    assert row["details"]["leaks"][0]["leaked"] == ["Quang Khải", "16"]
    # one slot (16) per sentence: s1 covered by its placeholder, s2 keeps 16, s3 drops it with no stand-in
    assert (row["n_slots"], row["n_covered"]) == (3, 1)
    assert row["gold_precedent_cited"] is True
    assert row["n_references"] == 0


def test_aggregate_pools_and_reports_none_when_nothing_to_measure():
    rows = [
        {"citation_recall": 1.0, "citation_precision": 0.5, "n_references": 0, "n_references_ok": 0, "n_sentences": 3,
         "n_leaking": 0, "n_slots": 0, "n_covered": 0, "gold_precedent_cited": True},
        {"citation_recall": 0.5, "citation_precision": 1.0, "n_references": 0, "n_references_ok": 0, "n_sentences": 1,
         "n_leaking": 1, "n_slots": 0, "n_covered": 0, "gold_precedent_cited": False},
    ]
    figures = aggregate(rows)
    assert figures["citation_recall"] == pytest.approx(0.75) and figures["citation_precision"] == pytest.approx(0.75)
    assert figures["leak_rate"] == pytest.approx(1 / 4)
    assert figures["directive_accuracy"] is None and figures["placeholder_coverage"] is None
    assert figures["gold_precedent_cited"] == 0.5
    assert aggregate([]) == {"n": 0}
