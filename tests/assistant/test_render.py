"""The app's HTML views: citations clickable, problems visible, and all document text escaped."""

from __future__ import annotations

from assistant.render import check_html, draft_html, draft_markdown, lookup_html

DRAFT = {
    "text": "UBND xã Ngọc Kỳ tiếp [số lượt] lượt công dân [1]. Câu không có căn cứ [2].",
    "sentences": [
        {"text": "UBND xã Ngọc Kỳ tiếp [số lượt] lượt công dân.", "citations": [1], "supported": True, "support": 0.8},
        {"text": "Câu không có căn cứ.", "citations": [2], "supported": False, "support": 0.1},
    ],
    "citations": [
        {"n": 1, "doc_id": "d1", "source": "seeds/a.txt", "section": "III > 4. Tiếp dân", "text": "Xã tiếp 12 lượt công dân <script>alert(1)</script>.",
         "quote": "tiếp 12 lượt công dân", "line_start": 154, "line_end": 160},
        {"n": 2, "doc_id": "d2", "source": "seeds/b.txt", "section": "I", "text": "Đoạn khác.", "quote": None},
    ],
    "placeholders": ["[số lượt]"],
    "directives": [{"id": "99/CT-TTg", "citation": "Chỉ thị số 99/CT-TTg", "problems": [{"code": "unknown_id", "message": "Không có <b>trong</b> kho", "suggestion": None}]}],
    "leaks": ["Quang Khải"],
    "warnings": [],
}


def test_draft_html_links_escapes_and_marks():
    page = draft_html(DRAFT)
    assert '<a class="st-cite" href="#st-src-1"' in page and 'id="st-src-1"' in page
    assert 'data-n="1"' in page and "<b>seeds/a.txt</b> — III &gt; 4. Tiếp dân" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<mark>tiếp 12 lượt công dân</mark>" in page
    assert '<mark class="st-placeholder">[số lượt]</mark>' in page
    assert "st-unsupported" in page and "(dòng 154–160)" in page
    assert "Không có &lt;b&gt;trong&lt;/b&gt; kho" in page
    assert "Quang Khải" in page


def test_draft_markdown_lists_problems():
    md = draft_markdown(DRAFT)
    # the sentence's own brackets are escaped (Markdown shows them as typed), its [n] markers are not
    assert "Câu chưa đủ căn cứ: 2" in md and "&#91;số lượt&#93;" in md and "Quang Khải" in md
    assert "1. UBND xã Ngọc Kỳ tiếp &#91;số lượt&#93; lượt công dân [1]." in md   # markers as in the draft text
    assert "2. Câu không có căn cứ [2]. ⚠️" in md


def test_lookup_and_check_html_escape():
    lookup = {"directives": [{"id": "33/CT-TTg", "citation": "Chỉ thị số 33/CT-TTg <x>", "status": "unknown",
                              "status_evidence": None, "conflicts": [], "evidence": [{"source": "s", "section": "x", "text": "<img src=x>"}]}]}
    page = lookup_html(lookup)
    assert "&lt;img src=x&gt;" in page and "<img src=x>" not in page and "Chỉ thị số 33/CT-TTg &lt;x&gt;" in page
    check = {"references": [{"text": "<script>", "id": None, "line": 3, "problems": [{"code": "unknown_id", "message": "m", "suggestion": "04/2015/NĐ-CP"}]}]}
    page = check_html(check)
    assert "&lt;script&gt;" in page and "04/2015/NĐ-CP" in page
    assert "Không tìm thấy" in check_html({"references": []})


def test_hover_popup_shows_passage_with_span_document_section_and_lines():
    page = draft_html(DRAFT)
    link_start = page.index('<a class="st-cite" href="#st-src-1"')
    link = page[link_start: page.index("</a>", link_start)]
    assert '<span class="st-pop">' in link
    assert "<b>seeds/a.txt</b> — III &gt; 4. Tiếp dân (dòng 154–160)" in link
    assert "<mark>tiếp 12 lượt công dân</mark>" in link
    assert "&lt;script&gt;" in link and "<script>" not in link


def test_quote_spans_each_sentence_whitespace_tolerant():
    from assistant.render import highlight_quote, quote_spans

    passage = "Mở đầu. Xã tiếp\n  12 lượt công dân. Ở giữa. Nhận 5 đơn thư."
    # two quoted sentences joined by a space, with the line break of the passage flattened
    spans = quote_spans(passage, "Xã tiếp 12 lượt công dân. Nhận 5 đơn thư.")
    assert [passage[s:e] for s, e in spans] == ["Xã tiếp\n  12 lượt công dân.", "Nhận 5 đơn thư."]
    assert highlight_quote("a < b. Khác.", "a < b.") == "<mark>a &lt; b.</mark> Khác."
    assert quote_spans(passage, "") == [] and quote_spans(passage, "Không có trong đoạn.") == []


def test_citation_without_source_is_flagged():
    page = draft_html({**DRAFT, "citations": DRAFT["citations"][:1]})
    assert "[2?]" in page and 'href="#st-src-2"' not in page


def test_topic_search_and_lookup_helpers():
    from assistant.render import lookup_citations, search_html, topic_html

    page = topic_html({"entries": [{"year": 2023, "unit": "UBND xã A", "source": "s.txt", "section": "<i>", "text": "x <b>"}]})
    assert "2023" in page and "&lt;i&gt;" in page and "x &lt;b&gt;" in page
    assert "Không tìm thấy" in topic_html({"entries": []})
    hits = [{"source": "up.txt", "section": "I", "text": "<script>alert(1)</script>", "line_start": 3, "line_end": 3}]
    page = search_html(hits)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page and "(dòng 3)" in page
    assert lookup_citations({"directives": [{"id": "a", "citation": "Luật số 10/2022/QH15"}, {"id": "b", "citation": None}]}) \
        == "Luật số 10/2022/QH15\nb"


def test_lookup_html_shows_the_answer_and_readable_notes_not_json():
    result = {"question": "q", "answer": {"asks": "effective", "text": "Luật số 10/2022/QH15 có hiệu lực <từ> 01/07/2023."},
              "directives": [{"id": "26/CT-TTg", "citation": "Chỉ thị số 26/CT-TTg", "status": "unknown",
                              "status_evidence": None, "evidence": [],
                              "conflicts": [{"field": "date", "values": [{"value": "2016-09-05", "mentions": []}]}],
                              "notes": ["Kho văn bản ghi nhiều ngày ban hành khác nhau: 05/09/2016; 05/09/2017."]}]}
    page = lookup_html(result)
    assert "<b>Trả lời:</b> Luật số 10/2022/QH15 có hiệu lực &lt;từ&gt; 01/07/2023." in page
    assert "Lưu ý: Kho văn bản ghi nhiều ngày ban hành khác nhau" in page
    assert "{" not in page.split("</style>", 1)[1] and "'field'" not in page and "&#x27;field" not in page
