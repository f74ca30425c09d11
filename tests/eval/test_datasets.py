"""The evaluation datasets load, meet their minimum sizes, keep a held-out split, and point at real text."""

import json
import re
from collections import Counter

import pytest

from eval.datasets import (
    DatasetError,
    by_split,
    load_compare_gold,
    load_drafting,
    load_retrieval,
    load_support_pairs,
    normalize_for_match,
    span_in_text,
)
from eval.metrics.alignment import section_key
from index.settings import SAMPLE_CORPUS

SEEDS = {f"seeds/{p}" for p in (
    "000_ad1bc2404d8aad29.txt", "001_fbaec8e52927d2a0.txt", "002_2cc0b2eb3d9fdbc1.txt",
    "003_6c84fea0602fb7f4.txt", "004_bf2fac1579fa6850.txt")}
PHAPDIEN = {f"phapdien/{n}.md" for n in (
    "hoa-giai-o-co-so", "mat-tran-to-quoc-viet-nam", "thuc-hien-dan-chu-o-co-so", "tiep-cong-dan")}
CAN_THO = "van-ban-dia-phuong/2579-QD-UBND-2025-can-tho.md"
# Glyphs the PDF extraction of seed 004 dropped (leaving a space); gold headings carry them repaired.
DROPPED_GLYPHS = "HỦỤXA"


@pytest.fixture(scope="module")
def corpus_text(sample_corpus):
    return lambda source: (sample_corpus / source).read_text(encoding="utf-8")


def _split_share(records):
    return len(by_split(records, "test")) / len(records)


def test_normalize_for_match():
    assert normalize_for_match("Tr\u01b0\u01a1ng **đ\u01a1n**\n\n  vị\u00ad") == "Trương đơn vị"
    assert normalize_for_match("ƣ Ƣ") == "ư Ư"
    assert normalize_for_match("Vie\u0302\u0323t") == "Việt"  # decomposed → NFC
    assert span_in_text("hộ với 6.894", "có 2.256 hộ với \n6.894 nhân khẩu")


def test_retrieval_queries(corpus_text):
    queries = load_retrieval()
    assert len(queries) >= 45
    types = Counter(q.type for q in queries)
    assert set(types) == {"verbatim", "paraphrase", "no_diacritics"}
    assert min(types.values()) >= 14  # roughly equal thirds
    assert 0.25 <= _split_share(queries) <= 0.4
    assert {q.split for q in queries if q.type == "no_diacritics"} == {"dev", "test"}
    covered = {s for q in queries for s in q.gold_sources}
    assert SEEDS | PHAPDIEN | {CAN_THO} <= covered
    for q in queries:
        if q.type == "no_diacritics":
            assert re.fullmatch(r"[\x00-\x7f]+", q.query), f"{q.id} has diacritics: {q.query}"
        for source in q.gold_sources:
            assert span_in_text(q.gold_span, corpus_text(source)), f"{q.id}: gold span not in {source}"


def test_retrieval_gold_spans_are_unique_to_their_documents(corpus_text, sample_corpus):
    """A span found in a document not listed as gold would make the query ambiguous."""
    all_sources = sorted(SEEDS | PHAPDIEN | {CAN_THO})
    texts = {s: normalize_for_match(corpus_text(s)) for s in all_sources}
    for q in load_retrieval():
        found = {s for s, t in texts.items() if q.gold_span in t}
        assert found == set(q.gold_sources), f"{q.id}: span found in {sorted(found)}"


def test_support_pairs(corpus_text):
    pairs = load_support_pairs()
    assert len(pairs) >= 160
    kinds = Counter(p.kind for p in pairs)
    assert set(kinds) == {"paraphrase", "verbatim", "hard_negative_figure", "hard_negative_unit", "topic_negative", "unrelated"}
    negatives = [p for p in pairs if not p.supported]
    assert 0.45 <= len(negatives) / len(pairs) <= 0.65
    hard = [p for p in negatives if p.kind.startswith("hard_negative")]
    assert len(hard) >= len(negatives) / 3
    assert 0.25 <= _split_share(pairs) <= 0.4
    for split in ("dev", "test"):
        assert {p.supported for p in by_split(pairs, split)} == {True, False}
    # A passage never appears in both splits: the held-out split holds unseen passages.
    dev_passages = {p.passage for p in by_split(pairs, "dev")}
    assert not dev_passages & {p.passage for p in by_split(pairs, "test")}
    for p in pairs:
        assert p.source is not None and span_in_text(p.passage, corpus_text(p.source)), f"{p.id}: passage not in corpus"
        assert "chúng tôi" not in p.sentence.casefold()


def test_verbatim_support_sentences_are_copied(corpus_text):
    """Verbatim sentences equal passage text apart from "[…]" placeholders and the first letter's case."""
    for p in load_support_pairs():
        if p.kind != "verbatim":
            continue
        for fragment in re.split(r"\[[^\]]+\]", p.sentence):
            fragment = fragment.strip(" ,.;")
            if fragment:
                assert fragment.casefold() in p.passage.casefold(), f"{p.id}: {fragment!r}"


def test_drafting_requests():
    requests = load_drafting()
    assert len(requests) >= 12
    corpus_units = {"Quang Khải", "Quang Trung", "Ngọc Kỳ", "Lam Sơn", "Song Vân"}
    new_units = [r for r in requests if not any(u in r.unit for u in corpus_units)]
    assert len(new_units) >= len(requests) / 2
    assert sum(r.facts is not None for r in requests) >= 3
    assert {r.kind for r in requests} == {"báo cáo", "kế hoạch"}
    assert 0.25 <= _split_share(requests) <= 0.4
    gold = {section_key(pair[side]) for g in load_compare_gold() for pair in g.pairs for side in (0, 1) if pair[side]}
    for r in requests:
        assert set(r.gold_sources) <= SEEDS
        for section in r.gold_sections:
            assert section_key(section) in gold, f"{r.id}: {section!r} is not a known section"


def _skeleton(text):
    """Text without whitespace, Markdown marks and the glyphs seed 004 lost, for heading look-up."""
    text = normalize_for_match(text).replace("#", "")
    return re.sub(rf"[\s{DROPPED_GLYPHS}]", "", text)


def test_compare_gold_headings_exist_and_cover_each_side(corpus_text):
    golds = load_compare_gold()
    assert len(golds) >= 3
    assert {(g.a_source, g.b_source) for g in golds} >= {
        ("seeds/001_fbaec8e52927d2a0.txt", "seeds/003_6c84fea0602fb7f4.txt"),
        ("seeds/000_ad1bc2404d8aad29.txt", "seeds/002_2cc0b2eb3d9fdbc1.txt"),
    }
    for g in golds:
        for side, source in ((0, g.a_source), (1, g.b_source)):
            skeleton = _skeleton(corpus_text(source))
            names = [pair[side] for pair in g.pairs if pair[side] is not None]
            assert len(names) >= 8, f"{g.id}: too few sections on side {side}"
            for name in names:
                for heading in name.split(" > "):
                    assert _skeleton(heading) in skeleton, f"{g.id}: heading {heading!r} not in {source}"
        matched = [p for p in g.pairs if p[0] and p[1]]
        assert len(matched) >= 3


def test_loader_names_file_and_line(tmp_path):
    bad = tmp_path / "retrieval.jsonl"
    good = json.dumps({"id": "x", "query": "q", "type": "verbatim", "gold_source": "seeds/a.txt", "gold_span": "a", "split": "dev"})
    bad.write_text(good + "\n" + good.replace('"verbatim"', '"fuzzy"').replace('"x"', '"y"') + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        load_retrieval(bad)
    assert "retrieval.jsonl" in str(err.value) and "line 2" in str(err.value) and "'type'" in str(err.value)


@pytest.mark.parametrize("line, reason", [
    ('{"id": "s1", "sentence": "a", "passage": "b", "supported": true, "kind": "unrelated", "split": "dev"}', "contradicts"),
    ('{"id": "s1", "sentence": "a", "passage": "b", "supported": "yes", "kind": "verbatim", "split": "dev"}', "'supported'"),
    ('{"id": "s1", "sentence": "a", "passage": "b", "supported": true, "kind": "verbatim", "split": "train"}', "'split'"),
    ('{"id": "s1", "sentence": "a"', "invalid JSON"),
])
def test_support_loader_rejects_bad_lines(tmp_path, line, reason):
    path = tmp_path / "support_pairs.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=re.escape(reason)):
        load_support_pairs(path)


def test_duplicate_ids_and_missing_file(tmp_path):
    path = tmp_path / "compare_gold.jsonl"
    rec = json.dumps({"id": "c", "a_source": "a", "b_source": "b", "split": "dev", "pairs": [{"a": "I. X", "b": None}]})
    path.write_text(rec + "\n" + rec + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="duplicate id"):
        load_compare_gold(path)
    with pytest.raises(DatasetError, match="file not found"):
        load_drafting(tmp_path / "missing.jsonl")


def test_unit_drafting_requests_are_outside_the_corpus_and_cover_the_cases():
    from eval.datasets import load_unit_drafting

    requests = load_unit_drafting()
    corpus_units = {"Quang Khải", "Quang Trung", "Ngọc Kỳ", "Lam Sơn", "Song Vân"}
    assert len(requests) >= 20 and not any(r.unit.split(" ", 2)[-1] in corpus_units for r in requests)
    for split in ("dev", "test"):
        chosen = [r for r in requests if r.split == split]
        assert {r.unit_level for r in chosen} >= {"xã", "phường"}
        assert any(r.facts for r in chosen) and any(not r.facts for r in chosen)
        assert any(r.outline for r in chosen) and any(not r.outline for r in chosen)
    for r in requests:
        assert bool(r.facts) == bool(r.expected_facts), r.id
        for fact in r.expected_facts:   # every expected figure or place is in the clerk's own text
            assert (fact.value or fact.what or "").split("/")[0].casefold() in (r.facts or "").casefold(), (r.id, fact)


def test_sentence_labels_are_seed_sentences_with_a_held_out_document_split():
    from eval.datasets import load_sentence_kinds, normalize_for_match

    labels = load_sentence_kinds()
    assert len(labels) >= 250
    assert {l.source[6:9] for l in labels if l.split == "test"} == {"003", "004"}
    assert {l.source[6:9] for l in labels if l.split == "dev"} == {"000", "001", "002"}
    assert sum(l.label == "unit_fact" for l in labels if l.split == "test") >= 25
    texts = {}
    for l in labels:
        text = texts.setdefault(l.source, normalize_for_match((SAMPLE_CORPUS / l.source).read_text(encoding="utf-8")))
        words = normalize_for_match(l.text).split()
        assert " ".join(words[:4]) in text, l.id   # the sentence is the seed's (its opening words, as written)
