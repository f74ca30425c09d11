"""Compare: gold alignments and diff round trips on the real seeds (slow), topic mode on the real index
(slow), HTML escaping, the embedding memo and the CLI JSON shapes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.compare import (
    EmbeddingMemo, compare_documents, compare_topic, comparison_to_json, render_html, render_text,
    resolve_document, split_into_sentences,
)
from assistant.sentence_diff import apply_changes
from eval.datasets import load_compare_gold
from eval.metrics.alignment import alignment_accuracy, alignment_failures
from index.embed import FakeEmbedder
from index.schema import Block, DocumentMeta, Heading, ParsedDocument
from index.settings import Settings

GOLD = {g.id: g for g in load_compare_gold()}


def sentences(section) -> list[str]:
    return split_into_sentences(section.text) if section is not None else []


@pytest.fixture(scope="module")
def real_embedder():
    from index.embed import load_embedder

    return load_embedder(Settings())


@pytest.fixture(scope="module")
def gold_comparisons(real_embedder):
    settings = Settings()
    return {
        gid: compare_documents(resolve_document(g.a_source, settings), resolve_document(g.b_source, settings),
                               real_embedder)
        for gid, g in GOLD.items()
    }


# --- real documents, real model ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("gold_id", sorted(GOLD))
def test_alignment_accuracy_on_gold_pair(gold_comparisons, gold_id):
    payload = comparison_to_json(gold_comparisons[gold_id])
    predicted = [(p["a_section"], p["b_section"]) for p in payload["pairs"]]
    gold = list(GOLD[gold_id].pairs)
    assert alignment_accuracy(gold, predicted) >= 0.9, alignment_failures(gold, predicted)


@pytest.mark.slow
@pytest.mark.parametrize("gold_id", sorted(GOLD))
def test_diff_round_trip_on_every_aligned_pair(gold_comparisons, gold_id):
    comparison = gold_comparisons[gold_id]
    matched = [cp for cp in comparison.pairs if cp.pair.a is not None and cp.pair.b is not None]
    assert len(matched) >= 2
    for cp in comparison.pairs:
        assert apply_changes(sentences(cp.pair.a), cp.changes) == sentences(cp.pair.b)
    # unmatched sections are pure additions/removals
    for cp in comparison.pairs:
        if cp.pair.a is None:
            assert {c.op for c in cp.changes} == {"added"}
        if cp.pair.b is None:
            assert {c.op for c in cp.changes} == {"removed"}


@pytest.mark.slow
def test_unit_and_year_only_rewrite_of_a_real_report(real_embedder, tmp_path, seed_paths):
    """Last year's report of xã Quang Khải with only the unit name and the year rewritten."""
    original = seed_paths[0].read_text(encoding="utf-8")
    assert "Quang Khải" in original and "2023" in original
    rewritten = (original.replace("Quang Khải", "Ngọc Sơn").replace("QUANG KHẢI", "NGỌC SƠN")
                 .replace("2023", "2024"))
    copy = tmp_path / "quang-khai-rewritten.txt"
    copy.write_text(rewritten, encoding="utf-8")
    settings = Settings()
    comparison = compare_documents(resolve_document(str(seed_paths[0]), settings),
                                   resolve_document(str(copy), settings), real_embedder)
    assert all(cp.pair.a is not None and cp.pair.b is not None for cp in comparison.pairs)
    assert all(cp.pair.a.title.replace("2023", "2024") == cp.pair.b.title for cp in comparison.pairs)
    changes = [c for cp in comparison.pairs for c in cp.changes]
    assert {c.op for c in changes} <= {"same", "changed"}
    changed = [c for c in changes if c.op == "changed"]
    assert changed, "the rewrite touches sentences"
    assert all(c.kind == "unit_or_year" for c in changed), [c.a for c in changed if c.kind != "unit_or_year"]
    # the one with the unit's name: "… chính quyền xã Quang Khải triển khai … năm 2023 …"
    assert any("Quang Khải" in c.a and "Ngọc Sơn" in c.b for c in changed)
    assert any("2023" in c.a and "2024" in c.b for c in changed)
    html = render_html(comparison)
    assert "(chỉ đổi tên đơn vị/năm)" in html


@pytest.mark.slow
def test_topic_mode_ordered_by_year_then_unit_with_filters(real_index):  # noqa: F811
    from assistant.retrieve import Retriever

    retriever = Retriever(real_index.settings, real_index.embedder)
    entries = compare_topic("tiếp công dân, giải quyết đơn thư khiếu nại", retriever)
    assert len(entries) >= 3
    keys = [(e.year if e.year is not None else 9999, e.unit or "") for e in entries]
    assert keys == sorted(keys)
    assert len({e.doc_id for e in entries}) == len(entries)          # one section per document
    assert all(e.source.startswith("seeds/") for e in entries)          # governing texts left out
    assert any("tiếp" in (e.section + e.text).lower() for e in entries)

    only_2024 = compare_topic("tiếp công dân, giải quyết đơn thư khiếu nại", retriever, year_min=2024, year_max=2024)
    assert only_2024 and all(e.year == 2024 for e in only_2024)
    quang_khai = compare_topic("tiếp công dân", retriever, units=["Quang Khải"])
    assert [e.unit for e in quang_khai] == ["UBND xã Quang Khải"]


@pytest.mark.slow
def test_cli_topic_json_shape(real_index):  # noqa: F811
    result = CliRunner().invoke(app, ["compare", "--topic", "Dân vận khéo", "--year-from", "2023",
                                      "--json", "--data-dir", str(real_index.settings.data_dir)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["topic"] == "Dân vận khéo"
    assert payload["entries"]
    for entry in payload["entries"]:
        assert set(entry) == {"doc_id", "source", "unit", "year", "section", "text"}
        assert entry["year"] >= 2023


# --- logic with the fake embedder ----------------------------------------------------------


def make_doc(doc_id: str, outline: list[tuple[tuple[str, ...], str]], unit: str, year: int) -> ParsedDocument:
    headings, blocks = [], []
    for line, (path, body) in enumerate(outline, start=1):
        headings.append(Heading(number="", title=path[-1], level=len(path), path=path, line_start=line * 10,
                                line_end=line * 10))
        if body:
            blocks.append(Block(kind="paragraph", text=body, section_path=path, line_start=line * 10 + 1,
                                line_end=line * 10 + 2))
    return ParsedDocument(meta=DocumentMeta(doc_id=doc_id, source=f"{doc_id}.txt", unit=unit, year=year),
                          blocks=tuple(blocks), headings=tuple(headings), content_hash=doc_id)


DOC_A = make_doc("a", [
    (("I. TÌNH HÌNH",), "Xã có 3 thôn. <script>alert(1)</script> là ghi chú lạ trong văn bản."),
    (("II. TIẾP CÔNG DÂN",), "UBND xã Quang Khải tiếp công dân định kỳ năm 2023. Đơn thư được giải quyết đúng hạn."),
], unit="UBND xã Quang Khải", year=2023)
DOC_B = make_doc("b", [
    (("I. TÌNH HÌNH",), "Xã có 3 thôn. Tình hình an ninh ổn định."),
    (("II. TIẾP CÔNG DÂN",), "UBND xã Ngọc Kỳ tiếp công dân định kỳ năm 2024. Đơn thư được giải quyết đúng hạn."),
], unit="UBND xã Ngọc Kỳ", year=2024)


class CountingEmbedder(FakeEmbedder):
    def __init__(self):
        super().__init__()
        self.calls: list[list[str]] = []

    def embed_passages(self, texts, **kwargs):
        self.calls.append(list(texts))
        return super().embed_passages(texts, **kwargs)


def test_html_escapes_document_text():
    page = render_html(compare_documents(DOC_A, DOC_B, FakeEmbedder()))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<del>" in page and "<ins>" in page      # the changed sentences are highlighted


def test_pair_json_shape_and_unit_year_label():
    payload = comparison_to_json(compare_documents(DOC_A, DOC_B, FakeEmbedder()))
    assert set(payload) == {"a", "b", "pairs"}
    assert set(payload["a"]) == {"doc_id", "source", "title", "unit", "year"}
    assert (payload["a"]["unit"], payload["b"]["year"]) == ("UBND xã Quang Khải", 2024)
    assert [(p["a_section"], p["b_section"]) for p in payload["pairs"]] == [
        ("I. TÌNH HÌNH", "I. TÌNH HÌNH"), ("II. TIẾP CÔNG DÂN", "II. TIẾP CÔNG DÂN")]
    tiep_dan = payload["pairs"][1]["changes"]
    assert tiep_dan[0] == {"op": "changed", "a": "UBND xã Quang Khải tiếp công dân định kỳ năm 2023.",
                           "b": "UBND xã Ngọc Kỳ tiếp công dân định kỳ năm 2024.", "kind": "unit_or_year"}
    assert tiep_dan[1]["op"] == "same"
    assert "[chỉ đổi tên đơn vị/năm]" in render_text(compare_documents(DOC_A, DOC_B, FakeEmbedder()))


def test_section_filter_keeps_matching_pairs_only():
    comparison = compare_documents(DOC_A, DOC_B, FakeEmbedder(), section="tiếp công dân")
    assert [cp.pair.b.name for cp in comparison.pairs] == ["II. TIẾP CÔNG DÂN"]


def test_each_text_embedded_once_and_identical_sentences_never():
    embedder = CountingEmbedder()
    compare_documents(DOC_A, DOC_B, embedder)
    embedded = [t for call in embedder.calls for t in call]
    assert len(embedded) == len(set(embedded))
    assert len(embedder.calls) == 2                     # section bodies, then the sentences of aligned pairs
    assert "Xã có 3 thôn." not in embedded               # identical on both sides: decided without the model
    assert "Đơn thư được giải quyết đúng hạn." not in embedded
    assert "Tình hình an ninh ổn định." in embedded


def test_embedding_memo_returns_the_inner_vectors():
    inner = FakeEmbedder()
    memo = EmbeddingMemo(inner)
    texts = ["một", "hai", "một"]
    assert np.allclose(memo.embed_passages(texts), inner.embed_passages(texts))
    assert memo.embed_passages([]).shape[0] == 0


def test_cli_pair_json_shape(monkeypatch):
    import index.embed

    monkeypatch.setattr(index.embed, "load_embedder", lambda settings: FakeEmbedder())
    result = CliRunner().invoke(app, ["compare", "000_ad1bc2404d8aad29", "seeds/002_2cc0b2eb3d9fdbc1.txt",
                                      "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["a"]["doc_id"] == "000_ad1bc2404d8aad29" and payload["b"]["year"] == 2023
    assert payload["pairs"]
    for pair in payload["pairs"]:
        assert set(pair) == {"a_section", "b_section", "similarity", "changes"}
        assert pair["a_section"] is not None or pair["b_section"] is not None
        for change in pair["changes"]:
            assert change["op"] in {"same", "changed", "added", "removed"}
            assert {"op", "a", "b"} <= set(change)


def test_cli_errors_are_clean():
    runner = CliRunner()
    result = runner.invoke(app, ["compare", "000_ad1bc2404d8aad29"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["compare", "khong-co-van-ban-nay", "000_ad1bc2404d8aad29"])
    assert result.exit_code == 2
    assert "khong-co-van-ban-nay" in result.output
