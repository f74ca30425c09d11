"""Hybrid retrieval: RRF math, filters before fusion, de-duplication, modes, JSON shape."""

from __future__ import annotations

import unicodedata

import pytest

from assistant.errors import InvalidRequestError, ModelMismatchError
from assistant.retrieve import (
    Hit,
    Retriever,
    SearchFilters,
    dedup_key,
    hit_to_json,
    reciprocal_rank_fusion,
    convex_fusion,
    has_vietnamese_diacritics,
    search,
)
from index.build import IndexBuilder
from index.embed import FakeEmbedder
from index.settings import Settings
from tests.tiny_index import tiny_files

A_TIEP_DAN, A_CHI_THI, A_LOOSE, B_HOA_GIAI, B_TIEP_DAN_COPY, C_NGHI_DINH, C_LUAT = range(7)


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("retrieve") / "data")
    IndexBuilder(settings, FakeEmbedder()).build(tiny_files())
    return settings


@pytest.fixture(scope="module")
def retriever(settings) -> Retriever:
    return Retriever(settings, FakeEmbedder())


def _texts(hits: list[Hit]) -> list[str]:
    return [h.chunk.text for h in hits]


def test_rrf_matches_hand_computed_scores():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], k=60)
    assert [item for item, _ in fused] == ["a", "c", "b"]
    scores = dict(fused)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert scores["b"] == pytest.approx(1 / 62)


def test_rrf_ties_keep_first_appearance_and_empty_lists():
    assert [i for i, _ in reciprocal_rank_fusion([["x"], ["y"]])] == ["x", "y"]
    assert reciprocal_rank_fusion([[], []]) == []
    assert dict(reciprocal_rank_fusion([["x"]], k=0))["x"] == 1.0


def test_hybrid_ranks_fused_and_keeps_component_ranks(retriever):
    hits = retriever.search("hòa giải thành vụ việc mâu thuẫn", k=3)
    top = hits[0]
    assert top.chunk.text.startswith("Tổ hòa giải ở cơ sở")
    assert top.rank == 1 and top.dense_rank == 1 and top.lexical_rank == 1
    assert top.score == pytest.approx(0.2 * 1.0 + 0.8 * 1.0)   # first of both lists: max of each min-max
    assert [h.rank for h in hits] == [1, 2, 3]
    assert all(h.score >= n.score for h, n in zip(hits, hits[1:]))


def test_convex_fusion_matches_hand_computed_scores():
    dense = [(1, 0.90), (2, 0.80), (3, 0.70)]      # min-max: 1 → 1.0, 2 → 0.5, 3 → 0.0
    lexical = [(2, 10.0), (4, 6.0), (1, 2.0)]      # min-max: 2 → 1.0, 4 → 0.5, 1 → 0.0
    fused = dict(convex_fusion(dense, lexical, dense_weight=0.2))
    assert fused[2] == pytest.approx(0.2 * 0.5 + 0.8 * 1.0)
    assert fused[1] == pytest.approx(0.2 * 1.0 + 0.8 * 0.0)
    assert fused[4] == pytest.approx(0.8 * 0.5)
    assert fused[3] == pytest.approx(0.0)
    assert [i for i, _ in convex_fusion(dense, lexical, 0.2)][:2] == [2, 4]
    assert convex_fusion([], [], 0.5) == []
    assert dict(convex_fusion([(7, 3.0)], [], 1.0)) == {7: 1.0}   # one equal-score list counts fully
    with pytest.raises(ValueError):
        convex_fusion(dense, lexical, 1.5)


def test_query_without_diacritics_gets_no_dense_vote(retriever):
    assert has_vietnamese_diacritics("tiếp công dân") and not has_vietnamese_diacritics("tiep cong dan 33/CT-TTg")
    assert retriever.dense_vote("tiep cong dan giai quyet khieu nai") == 0.0
    assert retriever.dense_vote("tiếp công dân") == retriever.settings.dense_weight
    hits = retriever.search("tiep cong dan giai quyet khieu nai", k=3)
    assert all(h.dense_rank is None for h in hits)   # the query was never embedded
    assert hits[0].chunk.text.startswith("Công tác tiếp công dân")


def test_rrf_fusion_is_selectable(retriever):
    rrf = Retriever.__new__(Retriever)   # same loaded index, settings with fusion="rrf"
    rrf.__dict__.update(retriever.__dict__)
    rrf.settings = retriever.settings.model_copy(update={"fusion": "rrf"})
    top = rrf.search("hòa giải thành vụ việc mâu thuẫn", k=1)[0]
    assert top.score == pytest.approx(2 / 61)


def test_near_duplicate_passages_are_collapsed_to_the_best(retriever):
    # seeds/b.txt copies seeds/a.txt's paragraph with ";" for "," and no final "."
    chunks = retriever.index.chunks
    assert dedup_key(chunks[A_TIEP_DAN].text) == dedup_key(chunks[B_TIEP_DAN_COPY].text)
    hits = retriever.search("tiếp công dân giải quyết khiếu nại", k=7)
    sources = [h.chunk.source for h in hits if h.chunk.text.startswith("Công tác tiếp công dân")]
    assert len(sources) == 1
    assert len(hits) == 6


def test_query_without_diacritics_finds_the_passage(retriever):
    hits = retriever.search("tiep cong dan giai quyet khieu nai", k=3, mode="lexical")
    assert hits[0].chunk.text.startswith("Công tác tiếp công dân")
    hybrid = retriever.search("tiep cong dan giai quyet khieu nai", k=3)
    assert hybrid[0].chunk.text.startswith("Công tác tiếp công dân")


def test_document_number_query_hits_the_citing_passage(retriever):
    hits = retriever.search("33/CT-TTg", k=3)
    assert "33/CT-TTg" in hits[0].chunk.text
    hits = retriever.search("nghi dinh 04/2015/nđ-cp", k=3)
    assert "04/2015/NĐ-CP" in hits[0].chunk.text


def test_nfd_query_equals_nfc_query(retriever):
    q = "hòa giải ở cơ sở"
    nfd = retriever.search(unicodedata.normalize("NFD", q), k=3)
    nfc = retriever.search(q, k=3)
    assert [(h.chunk.chunk_id, h.score) for h in nfd] == [(h.chunk.chunk_id, h.score) for h in nfc]


@pytest.mark.parametrize(
    "filters, allowed_sources",
    [
        (SearchFilters(governing=True), {"phapdien/luat.md"}),
        (SearchFilters(governing=False), {"seeds/a.txt", "seeds/b.txt"}),
        (SearchFilters(kinds=("Luật",)), {"phapdien/luat.md"}),
        (SearchFilters(units=("song van",)), {"seeds/b.txt"}),
        (SearchFilters(units=("Quang Khải",)), {"seeds/a.txt"}),
        (SearchFilters(year_min=2024), {"seeds/b.txt"}),
        (SearchFilters(year_max=2022), {"phapdien/luat.md"}),
        (SearchFilters(year_min=2023, year_max=2023), {"seeds/a.txt"}),
        (SearchFilters(sources=("seeds/",)), {"seeds/a.txt", "seeds/b.txt"}),
    ],
)
def test_filters_apply_before_fusion(retriever, filters, allowed_sources):
    for mode in ("hybrid", "dense", "lexical"):
        hits = retriever.search("thực hiện dân chủ tiếp công dân hòa giải", k=7, filters=filters, mode=mode)
        assert hits, mode
        assert {h.chunk.source for h in hits} <= allowed_sources, mode
    # over-fetch then filter: every matching passage is reachable, not only those in the unfiltered top
    hybrid = retriever.search("thực hiện dân chủ tiếp công dân hòa giải", k=7, filters=filters)
    expected = {c.chunk_id for c in retriever.index.chunks if filters.matches(c)}
    assert {h.chunk.chunk_id for h in hybrid} <= expected


def test_filtered_reports_keep_the_copy_when_the_original_is_filtered_out(retriever):
    hits = retriever.search("tiếp công dân", k=2, filters=SearchFilters(units=("Song Vân",)))
    assert hits[0].chunk.source == "seeds/b.txt"
    assert hits[0].chunk.text.startswith("Công tác tiếp công dân")


def test_filter_that_matches_nothing_returns_nothing(retriever):
    assert retriever.search("tiếp công dân", k=3, filters=SearchFilters(kinds=("nghị định",))) == []


def test_bad_requests_raise(retriever):
    with pytest.raises(InvalidRequestError):
        retriever.search("   ", k=3)
    with pytest.raises(InvalidRequestError):
        retriever.search("x", k=0)
    with pytest.raises(InvalidRequestError):
        retriever.search("x", mode="fuzzy")
    with pytest.raises(InvalidRequestError):
        SearchFilters(year_min=2025, year_max=2020)


def test_mode_scores_are_cosine_or_bm25(retriever):
    dense = retriever.search("hòa giải", k=1, mode="dense")
    assert dense[0].lexical_rank is None and 0 < dense[0].score <= 1.0 + 1e-6
    lexical = retriever.search("hòa giải", k=1, mode="lexical")
    position = retriever.index.chunks.index(lexical[0].chunk)
    assert lexical[0].dense_rank is None
    assert lexical[0].score == pytest.approx(float(retriever.index.lexical.scores("hòa giải")[position]))


def test_dense_vote_uses_the_index_calibration_and_the_lists_confidence(retriever, settings):
    from assistant.fusion_weight import FusionCalibration, index_key

    assert retriever.base_dense_weight == settings.dense_weight          # no fusion.json: the configured weight
    FusionCalibration(0.4, index_key(retriever.index.manifest), 30, {"0.4": 0.5}).save(settings.index_dir)
    try:
        retriever.refresh_fusion()
        assert retriever.dense_vote("tiếp công dân") == 0.4
        peaked, flat = [(0, 9.0)] + [(i, 1.0) for i in range(1, 12)], [(i, 1.0) for i in range(12)]
        assert retriever.dense_vote("tiếp công dân", peaked, flat) == 0.8
        assert retriever.dense_vote("tiep cong dan", peaked, flat) == 0.0
    finally:
        (settings.index_dir / "fusion.json").unlink()
        retriever.refresh_fusion()


def test_query_naming_a_unit_lifts_its_documents(retriever):
    """Reports A and B hold the same tiếp dân paragraph; naming A's unit puts A's copy first."""
    plain = retriever.search("tiếp công dân được duy trì định kỳ", k=1)
    assert plain[0].chunk.source == "seeds/b.txt"
    named = retriever.search("tiếp công dân được duy trì định kỳ ở xã Quang Khải", k=1)
    assert named[0].chunk.source == "seeds/a.txt"


def test_retriever_refuses_another_model(settings):
    with pytest.raises(ModelMismatchError, match="--rebuild"):
        Retriever(settings, FakeEmbedder(model_id="x", fingerprint="x-v1", salt="x"))


def test_hit_to_json_has_exactly_the_issue_fields(retriever):
    hit = retriever.search("33/CT-TTg", k=1)[0]
    data = hit_to_json(hit)
    assert list(data) == ["rank", "score", "doc_id", "source", "title", "unit", "year", "kind", "section",
                          "text", "line_start", "line_end", "page"]
    assert data["rank"] == 1 and data["source"] == "seeds/a.txt" and data["doc_id"] == "a"
    assert data["title"] == "BÁO CÁO Kết quả thực hiện dân chủ ở cơ sở năm 2023"
    assert (data["unit"], data["year"], data["kind"]) == ("UBND xã Quang Khải", 2023, "báo cáo")
    assert data["section"] == "II. CÔNG TÁC CHỈ ĐẠO"
    assert (data["line_start"], data["line_end"], data["page"]) == (11, 13, None)   # a text file has no pages


def test_module_search_caches_and_reloads_after_rebuild(settings, tmp_path):
    local = Settings(data_dir=tmp_path / "d")
    embedder = FakeEmbedder()
    IndexBuilder(local, embedder).build(tiny_files())
    first = search("hòa giải", k=1, settings=local, embedder=embedder)
    assert first[0].chunk.source == "seeds/b.txt"
    from assistant.retrieve import get_retriever

    assert get_retriever(local, embedder) is get_retriever(local, embedder)
    IndexBuilder(local, embedder).build(tiny_files()[2:])
    import os
    import time

    manifest = local.index_dir / "manifest.json"
    os.utime(manifest, (time.time() + 5, time.time() + 5))   # mtime granularity on some filesystems
    again = search("hòa giải", k=1, settings=local, embedder=embedder)
    assert again[0].chunk.source == "phapdien/luat.md"


def test_cli_search_json_prints_the_issue_shape(settings):
    import json

    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(app, ["search", "tiep cong dan", "--json", "-k", "2", "--mode", "lexical",
                                      "--reports", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["query"] == "tiep cong dan"
    assert [r["rank"] for r in payload["results"]] == [1, 2]
    assert payload["results"][0]["text"].startswith("Công tác tiếp công dân")
    assert all(r["kind"] == "báo cáo" for r in payload["results"])


def test_cli_search_without_index_explains_the_fix(tmp_path):
    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(app, ["search", "x", "--mode", "lexical", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "soanthao index" in result.output


# --- real model, real sample corpus ------------------------------------------------------



@pytest.mark.slow
def test_real_index_second_build_embeds_nothing(real_index):
    from index.build import build_index

    embedder = real_index.embedder
    before = embedder.passages_embedded
    report = build_index(real_index.settings, embedder=embedder, progress=False)
    assert embedder.passages_embedded == before
    assert report.chunks_embedded == 0 and report.chunks_reused == report.chunks_total > 100
    assert not report.added and not report.changed and not report.removed


@pytest.mark.slow
@pytest.mark.parametrize(
    "query, source, needle",
    [
        ("Công tác tiếp công dân thường xuyên và định kỳ tại phòng tiếp dân của xã",
         "seeds/001_fbaec8e52927d2a0.txt", "phòng tiếp dân"),
        ("tiep cong dan thuong xuyen va dinh ky tai phong tiep dan cua xa",
         "seeds/001_fbaec8e52927d2a0.txt", "phòng tiếp dân"),
        ("Chỉ thị 35-CT/TW tăng cường sự lãnh đạo của Đảng đối với công tác tiếp công dân",
         "seeds/001_fbaec8e52927d2a0.txt", "35-CT/TW"),
        ("tổ hòa giải khu phố không để đơn thư đông người vượt cấp",
         "seeds/003_6c84fea0602fb7f4.txt", "vượt cấp"),
    ],
)
def test_real_known_queries_find_their_passage_in_top_5(real_index, query, source, needle):
    hits = Retriever(real_index.settings, real_index.embedder).search(query, k=5)
    assert any(h.chunk.source == source and needle in h.chunk.text for h in hits), [
        (h.chunk.source, h.chunk.text[:80]) for h in hits]
