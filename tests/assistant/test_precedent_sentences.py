"""Whole sentences across chunk windows and broken paragraphs; headings and list debris are never sentences."""

from __future__ import annotations

from assistant.precedent_sentences import is_whole_sentence, looks_like_topic_label, section_sentences
from index.schema import Chunk


def chunk(text: str, line: int, end: int | None = None, n: int = 0) -> Chunk:
    ident = {"source": "seeds/x.txt", "line": line, "n": n}
    return Chunk(chunk_id=Chunk.make_id(text, ident), doc_id="x", source="seeds/x.txt", text=text,
                 section_path=("II. KẾT QUẢ", "4. Công tác tiếp dân"), line_start=line, line_end=end or line,
                 meta={"unit": "UBND xã A"})


def bodies(chunks):
    return [s.text for s in section_sentences(chunks) if s.role == "body"]


def test_window_pieces_of_one_block_are_merged_on_their_overlap():
    first = chunk("Cán bộ, công chức thực hiện tốt các nhiệm vụ được giao, đúng các quy trình, quy chế làm việc. "
                  "Tăng cường vai trò trách nhiệm của người đứng đầu trong việc chỉ đạo, kiểm tra việc thực hiện kỷ", 10, 12)
    second = chunk("trong việc chỉ đạo, kiểm tra việc thực hiện kỷ luật, kỷ cương hành chính của đội ngũ công chức.", 10, 12, 1)
    sentences = section_sentences([first, second])
    assert [s.text for s in sentences] == [
        "Cán bộ, công chức thực hiện tốt các nhiệm vụ được giao, đúng các quy trình, quy chế làm việc.",
        "Tăng cường vai trò trách nhiệm của người đứng đầu trong việc chỉ đạo, kiểm tra việc thực hiện kỷ luật, kỷ "
        "cương hành chính của đội ngũ công chức."]
    assert sentences[1].holding == (first, second)   # cited to both pieces: neither holds it whole


def test_a_paragraph_broken_mid_sentence_is_joined():
    text = bodies([chunk("Thực hiện Kế hoạch, người đứng đầu cấp\nủy, chính quyền xã đã tổ chức hội nghị đối thoại.", 5, 7)])
    assert text == ["Thực hiện Kế hoạch, người đứng đầu cấp ủy, chính quyền xã đã tổ chức hội nghị đối thoại."]


def test_headings_fragments_and_closing_lines_are_not_sentences():
    sentences = section_sentences([chunk(
        "Trách nhiệm nêu gương của người đứng đầu chính quyền trong thực hành dân chủ.\n"
        "Mô hình dân vận khéo\n"
        "UBND xã đã tổ chức triển khai, tuyên truyền thực hiện các văn bản như:\n"
        "Tổ chức lồng ghép phát động thi đua thực hiện kỷ cương, kỷ luật hành chính trong các phong trào;\n"
        "Các đơn vị tiếp tục thực hiện...\n"
        "Nơi nhận:\n- Lãnh đạo UBND huyện;", 1, 9)])
    roles = {s.text: s.role for s in sentences}
    assert roles["Trách nhiệm nêu gương của người đứng đầu chính quyền trong thực hành dân chủ."] == "heading"
    assert roles["Mô hình dân vận khéo"] == "heading"
    assert roles["UBND xã đã tổ chức triển khai, tuyên truyền thực hiện các văn bản như:"] == "broken"
    # a list item's ";" and a list trailing off end the sentence with a stop
    assert roles["Tổ chức lồng ghép phát động thi đua thực hiện kỷ cương, kỷ luật hành chính trong các phong trào."] == "body"
    assert roles["Các đơn vị tiếp tục thực hiện."] == "body"
    assert all(role == "broken" for text, role in roles.items() if "Nơi nhận" in text or "Lãnh đạo" in text)


def test_whole_sentence_and_topic_label():
    assert is_whole_sentence("Công tác dân vận được quan tâm.")
    assert is_whole_sentence("Hoàn thành “Dân vận khéo”.")
    assert not is_whole_sentence("Thực hiện tốt các nhiệm vụ được")
    assert not is_whole_sentence("đã chỉ đạo giải quyết kịp thời.")
    assert not is_whole_sentence("Các nội dung như:")
    assert looks_like_topic_label("Công tác lãnh đạo, chỉ đạo thực hiện QCDC ở cơ sở gắn với thực hiện các nhiệm vụ chính trị.")
    assert not looks_like_topic_label("Công tác dân vận chính quyền được quan tâm, chú trọng.")
