"""Lookup: the scoring rule by hand, a fake retriever, output shape, and the eval set (≥ 25 questions)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from assistant.lookup import combine_scores, lookup, normalize, retrieval_scores
from index.registry import build_registry, corpus_files
from index.schema import Chunk
from index.settings import PROJECT_ROOT, Settings

EVAL = [json.loads(line) for line in (PROJECT_ROOT / "eval" / "data" / "lookup.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def registry(sample_corpus):
    return build_registry(corpus_files(sample_corpus), corpus_root=sample_corpus)


@pytest.fixture
def no_index(tmp_path):
    return Settings(data_dir=tmp_path / "data")


@dataclass(frozen=True)
class FakeHit:
    chunk: Chunk
    score: float
    rank: int


class FakeRetriever:
    def __init__(self, chunks):
        self.chunks = chunks
        self.queries = []

    def search(self, query, k=5, **kwargs):
        self.queries.append(query)
        return [FakeHit(c, 1.0 / (i + 1), i + 1) for i, c in enumerate(self.chunks[:k])]


def _chunk(text, source="x.md", meta=None):
    return Chunk("c" + str(abs(hash(text))), "x", source, text, ("Điều 1",), 1, 1, meta or {})


def test_normalize_and_combine_by_hand():
    assert normalize({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert normalize({"a": 5.0}) == {"a": 1.0}
    assert normalize({}) == {}
    # lexical a=1, b=0 ; retrieval b=1, c=0  →  a: .6*1 = .6 ; b: .6*0 + .4*1 = .4 ; c: 0
    assert combine_scores({"a": 3.0, "b": 1.0}, {"b": 0.2, "c": 0.1}) == [("a", 0.6), ("b", 0.4), ("c", 0.0)]
    # no retrieval signal → lexical alone decides
    assert combine_scores({"a": 1.0, "b": 3.0}, {}) == [("b", 1.0), ("a", 0.0)]


def test_retrieval_scores_credit_cited_and_owning_law(registry):
    hits = [FakeHit(_chunk("Nhân dân bàn và quyết định trực tiếp", meta={"law_number": "10/2022/QH15"}), 1.0, 1),
            FakeHit(_chunk("theo Quyết định số 217-QĐ/TW của Bộ Chính trị"), 0.5, 2)]
    scores, evidence = retrieval_scores(hits, registry)
    assert scores == pytest.approx({"10/2022/QH15": 1 / 11, "217-QĐ/TW": 1 / 12})
    assert evidence["10/2022/QH15"][0].section == "Điều 1"


def test_fake_retriever_changes_the_ranking(registry, no_index):
    question = "thực hiện dân chủ"
    base = [d.id for d in lookup(question, k=5, settings=no_index, registry=registry).directives]
    fake = FakeRetriever([_chunk("Nghị định số 04/2015/NĐ-CP về thực hiện dân chủ", meta={})] * 3)
    res = lookup(question, k=5, settings=no_index, registry=registry, retriever=fake)
    assert fake.queries == [question]
    assert res.directives[0].id == "04/2015/NĐ-CP" != base[0]


def test_output_shape_and_citation(registry, no_index):
    out = lookup("Văn bản nào quy định về giám sát, phản biện xã hội của Mặt trận?", k=3,
                 settings=no_index, registry=registry).to_json()
    assert out["question"].startswith("Văn bản nào")
    top = out["directives"][0]
    assert set(top) == {"id", "kind", "issuer", "date", "title", "citation", "status", "status_evidence",
                        "conflicts", "evidence"}
    assert top["id"] == "217-QĐ/TW" and top["date"] == "2013-12-12" and top["issuer"] == "Bộ Chính trị"
    assert top["citation"].startswith("Quyết định số 217-QĐ/TW ngày 12/12/2013 của Bộ Chính trị")
    assert top["evidence"] and all(set(e) == {"source", "section", "text"} for e in top["evidence"])


def test_law_question_evidence_includes_the_article(registry, no_index):
    res = lookup("Luật quy định nội dung, cách thức thực hiện dân chủ ở cơ sở", k=1, settings=no_index, registry=registry)
    (top,) = res.directives
    assert top.id == "10/2022/QH15" and top.record.status == "in_force"
    assert any("Điều" in e.section or "Điều" in e.text for e in top.evidence)


def _accuracy(answer_ids):
    top1 = sum(ids[:1] != [] and ids[0] in row["gold"] for ids, row in zip(answer_ids, EVAL)) / len(EVAL)
    top3 = sum(any(i in row["gold"] for i in ids[:3]) for ids, row in zip(answer_ids, EVAL)) / len(EVAL)
    return top1, top3


def test_eval_set_is_well_formed(registry):
    assert len(EVAL) >= 25
    assert {r["split"] for r in EVAL} == {"dev", "test"}
    for row in EVAL:
        assert all(g in registry for g in row["gold"]), row


def test_lookup_accuracy_registry_only(registry, no_index):
    answers = [[d.id for d in lookup(r["question"], k=3, settings=no_index, registry=registry).directives] for r in EVAL]
    top1, top3 = _accuracy(answers)
    print(f"lookup (registry lexical only): top-1 {top1:.3f}  top-3 {top3:.3f}  n={len(EVAL)}")
    assert top1 >= 0.85 and top3 >= 0.95


@pytest.mark.slow
def test_lookup_accuracy_with_real_index(registry, real_index):
    """The same set through the hybrid retriever over the real index of the sample corpus."""
    from assistant.retrieve import get_retriever

    retriever = get_retriever(real_index.settings, real_index.embedder)
    answers = [[d.id for d in lookup(r["question"], k=3, settings=real_index.settings, registry=registry,
                                     retriever=retriever).directives] for r in EVAL]
    top1, top3 = _accuracy(answers)
    print(f"lookup (hybrid retriever + registry): top-1 {top1:.3f}  top-3 {top3:.3f}  n={len(EVAL)}")
    assert top1 >= 0.85 and top3 >= 0.95


def test_lookup_to_json_is_the_cli_payload(registry, no_index):
    from assistant.lookup import lookup_to_json

    res = lookup("hương ước, quy ước của cộng đồng dân cư", k=2, settings=no_index, registry=registry)
    assert lookup_to_json(res) == res.to_json() and res.directives[0].id == "61/2023/NĐ-CP"
