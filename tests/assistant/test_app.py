"""The Gradio app, for real: a server on a free loopback port over a copy of the real sample-corpus
index (real e5 model), driven through ``gradio_client`` exactly as the page drives it.

Pure helpers (file-name sanitizing, follow-up edits, login rule) are tested first, without a server.
"""

from __future__ import annotations

import re
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant import render
from assistant.app import AppLogic, merge_drafts, sanitize_filename, serve
from assistant.errors import InvalidRequestError
from index.settings import Settings
from tests.browser.app_server import running_app

CITE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
DRAFT_QUESTION = "Soạn mục công tác tiếp dân cho báo cáo năm 2025 của xã Ngọc Kỳ"
SECTION = "Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo"


# --------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("Báo cáo mới (1).txt", "Báo_cáo_mới_1.txt"),
        ("<script>x</script>.md", "script.md"),   # "/" makes everything before it a folder name
        ("...", "tai-lieu"),
        (".bashrc", "tai-lieu.bashrc"),   # never a hidden file
    ],
)
def test_sanitize_filename(name, expected):
    assert sanitize_filename(name) == expected


def _sentence(text, cites, supported=True):
    return {"text": text, "citations": cites, "supported": supported, "support": 0.9}


BASE = {
    "text": "A [1]. B [2]. C [1].",
    "sentences": [_sentence("A.", [1]), _sentence("B.", [2]), _sentence("C.", [1])],
    "citations": [{"n": 1, "source": "s1", "text": "A. C."}, {"n": 2, "source": "s2", "text": "B."}],
    "placeholders": [], "directives": [], "leaks": [], "warnings": [],
}


def test_refine_drops_sentence_and_its_unused_source():
    logic = AppLogic.__new__(AppLogic)   # "bỏ câu" needs no services
    out = logic.refine(BASE, {}, "Bỏ câu 2")
    assert [s["text"] for s in out["sentences"]] == ["A.", "C."]
    assert [c["n"] for c in out["citations"]] == [1]
    assert out["text"] == "A [1]. C [1]."
    with pytest.raises(InvalidRequestError):
        logic.refine(BASE, {}, "bỏ câu 4")
    with pytest.raises(InvalidRequestError):
        logic.refine(BASE, {}, "viết lại cho hay hơn")


REPORT = {
    **BASE,
    "text": "UBND XÃ A\n\nBÁO CÁO\n\nKính gửi: UBND huyện B.\n\nI. ĐẶC ĐIỂM\nA [1]. B [2].\n\nII. KẾT QUẢ\nC [1].\n\n"
            "Trên đây là báo cáo.",
    "report": {"header": ["UBND XÃ A"], "title": "BÁO CÁO", "opening": "Kính gửi: UBND huyện B.",
               "sections": [{"heading": "I. ĐẶC ĐIỂM", "sentences": 2}, {"heading": "II. KẾT QUẢ", "sentences": 1}],
               "closing": ["Trên đây là báo cáo."]},
}


def test_follow_ups_on_a_whole_report_keep_its_header_sections_and_closing():
    assert render.draft_text(REPORT["sentences"], REPORT["report"]) == REPORT["text"]   # the layout reproduces it
    logic = AppLogic.__new__(AppLogic)
    out = logic.refine(REPORT, {}, "bỏ câu 2")
    assert out["text"] == ("UBND XÃ A\n\nBÁO CÁO\n\nKính gửi: UBND huyện B.\n\nI. ĐẶC ĐIỂM\nA [1].\n\n"
                           "II. KẾT QUẢ\nC [1].\n\nTrên đây là báo cáo.")
    assert [sec["sentences"] for sec in out["report"]["sections"]] == [1, 1]
    extra = {"sentences": [_sentence("D.", [1])], "citations": [{"n": 1, "source": "s3", "text": "D."}],
             "placeholders": [], "directives": [], "leaks": []}
    merged = merge_drafts(out, extra)
    assert merged["text"].endswith("II. KẾT QUẢ\nC [1]. D [2].\n\nTrên đây là báo cáo.")
    assert merged["text"].startswith("UBND XÃ A\n\nBÁO CÁO")
    assert [sec["sentences"] for sec in merged["report"]["sections"]] == [1, 2]


def test_merge_drafts_renumbers_after_base_and_skips_repeats():
    extra = {
        "sentences": [_sentence("B.", [1]), _sentence("D.", [2], supported=False)],
        "citations": [{"n": 1, "source": "s2", "text": "B."}, {"n": 2, "source": "s3", "text": "D."}],
        "placeholders": ["[số hộ]"], "directives": [], "leaks": [],
    }
    out = merge_drafts(BASE, extra)
    assert [s["text"] for s in out["sentences"]] == ["A.", "B.", "C.", "D."]
    assert out["text"] == "A [1]. B [2]. C [1]. D [4]."
    assert out["sentences"][-1]["citations"] == [4] and out["sentences"][-1]["supported"] is False
    assert [c["n"] for c in out["citations"]] == [1, 2, 4]          # extra's [1] repeated B: unused, dropped
    assert out["placeholders"] == ["[số hộ]"]


@pytest.mark.parametrize(("unit", "level"), [("UBND xã Ngọc Kỳ", "xã"), ("phường Lam Sơn", "phường"),
                                           ("UBND thị trấn Tứ Kỳ", "thị trấn"), ("Ngọc Kỳ", "xã")])
def test_draft_request_level_comes_from_the_unit_text(monkeypatch, unit, level):
    import types

    import assistant.draft as draft_module

    seen = {}

    def fake_draft_section(request, **kwargs):
        seen["request"] = request
        raise InvalidRequestError("stop")

    monkeypatch.setattr(draft_module, "draft_section", fake_draft_section)
    fake = types.SimpleNamespace(settings=Settings(), retriever=None, embedder=None, registry=None)
    with pytest.raises(InvalidRequestError, match="stop"):
        AppLogic(fake).draft("Công tác tiếp dân", unit, 2025.0, "báo cáo", "")
    assert seen["request"].target.level == level and seen["request"].year == 2025


def test_serve_refuses_open_bind_without_login(tmp_path):
    with pytest.raises(InvalidRequestError, match="SOANTHAO_AUTH_USER"):
        serve(Settings(data_dir=tmp_path), host="0.0.0.0", port=1, block=False)


# --------------------------------------------------------------------------- the real server


@pytest.fixture(scope="module")
def app(real_index, tmp_path_factory):  # noqa: F811
    with running_app(real_index, tmp_path_factory.mktemp("app-data")) as running:
        yield running


@pytest.fixture(scope="module")
def client(app):
    from gradio_client import Client

    return Client(app.url, verbose=False)


def _corpus_file(settings: Settings, source: str) -> bool:
    return (Path(settings.corpus_dir) / source).is_file()


def _assert_resolvable(draft: dict, settings: Settings) -> None:
    """Every [n] in the text has a citation whose source is a bundled corpus file."""
    by_n = {c["n"]: c for c in draft["citations"]}
    numbers = {int(n) for group in CITE.findall(draft["text"]) for n in group.split(",")}
    assert numbers, draft["text"]
    for n in numbers:
        assert n in by_n, f"[{n}] has no citation"
        assert _corpus_file(settings, by_n[n]["source"]), by_n[n]["source"]
        assert by_n[n]["line_start"] >= 1 and by_n[n]["line_end"] >= by_n[n]["line_start"]


@pytest.mark.slow
def test_api_lists_every_tab_endpoint(client):
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/draft", "/chat", "/lookup", "/compare_docs", "/compare_topic", "/upload", "/remove", "/check",
            "/search"} <= names


@pytest.mark.slow
def test_draft_form_has_resolvable_citations_and_docx(client, app):
    draft, page, text, docx = client.predict(SECTION, "UBND xã Ngọc Kỳ", 2025, "báo cáo", "", False, False, False,
                                             api_name="/draft")
    assert draft["request"]["unit_level"] == "xã" and draft["request"]["unit"] == "UBND xã Ngọc Kỳ"
    assert draft["sentences"] and text == draft["text"]
    _assert_resolvable(draft, app.settings)
    first = draft["citations"][0]
    assert f'href="#st-src-{first["n"]}"' in page and f'id="st-src-{first["n"]}"' in page
    assert "<mark>" in page                               # the supporting span is highlighted
    assert zipfile.is_zipfile(docx)
    with zipfile.ZipFile(docx) as zf:
        body = zf.read("word/document.xml").decode("utf-8")
    assert "Ngọc Kỳ" in body


@pytest.mark.slow
def test_chat_streams_a_draft_then_follow_ups_refine_it(app):
    from gradio_client import Client

    chat = Client(app.url, verbose=False)                 # own session: the chat state is per session
    form = (SECTION, "xã Ngọc Kỳ", 2025, "báo cáo", "")
    history, page, text, draft, docx, box = chat.predict(DRAFT_QUESTION, [], *form, api_name="/chat")
    assert box == ""
    assert history[0]["role"] == "user" and history[-1]["role"] == "assistant"
    assert draft["request"]["section"].lower() == "công tác tiếp dân"
    assert draft["request"]["unit_level"] == "xã"
    _assert_resolvable(draft, app.settings)
    answer = str(history[-1]["content"])
    # the draft is Ngọc Kỳ's (its sentences need not name it: the unit's facts are the clerk's to give)
    assert "Ngọc Kỳ" in draft["request"]["unit"] and "[1]" in answer
    assert 'class="st-cite"' in page and zipfile.is_zipfile(docx)
    n_before = len(draft["sentences"])
    assert n_before >= 3

    history, page, text, trimmed, docx, _ = chat.predict("bỏ câu 2", history, *form, api_name="/chat")
    assert [s["text"] for s in trimmed["sentences"]] == [
        s["text"] for i, s in enumerate(draft["sentences"]) if i != 1]
    assert text == trimmed["text"]

    history, page, text, more, docx, _ = chat.predict("thêm ý về chuyển đổi số", history, *form, api_name="/chat")
    assert len(more["sentences"]) > len(trimmed["sentences"])
    assert more["sentences"][: len(trimmed["sentences"])] == trimmed["sentences"]
    _assert_resolvable(more, app.settings)
    added = " ".join(s["text"] for s in more["sentences"][len(trimmed["sentences"]):]).lower()
    assert any(w in added for w in ("chuyển đổi số", "chính quyền số", "điện tử", "số hóa")), added


@pytest.mark.slow
def test_lookup_top_answer(client):
    result, page, citations = client.predict("Luật thực hiện dân chủ ở cơ sở quy định những gì?", 5,
                                             api_name="/lookup")
    top = result["directives"][0]
    assert top["id"] == "10/2022/QH15"
    assert "10/2022/QH15" in citations.splitlines()[0]
    assert "10/2022/QH15" in page and top["evidence"]


@pytest.mark.slow
def test_compare_two_documents_has_aligned_pairs(client):
    payload, page = client.predict("seeds/000_ad1bc2404d8aad29.txt", "seeds/001_fbaec8e52927d2a0.txt", "",
                                   api_name="/compare_docs")
    assert payload["a"]["source"] == "seeds/000_ad1bc2404d8aad29.txt"
    both = [p for p in payload["pairs"] if p["a_section"] and p["b_section"]]
    assert len(both) >= 3
    assert any(c["op"] in ("changed", "same") for p in both for c in p["changes"])
    assert 'class="st-compare"' in page and ("<ins>" in page or "<del>" in page)


@pytest.mark.slow
def test_compare_topic_orders_by_year(client):
    payload, page = client.predict("tiếp công dân, giải quyết khiếu nại tố cáo", "", None, None,
                                   api_name="/compare_topic")
    years = [e["year"] for e in payload["entries"] if e["year"] is not None]
    assert len(payload["entries"]) >= 3 and years == sorted(years)
    assert all(e["source"].startswith("seeds/") for e in payload["entries"])   # reports, not laws


@pytest.mark.slow
def test_check_flags_wrong_decree_number(client):
    text = ("Thực hiện Nghị định số 04/2014/NĐ-CP của Chính phủ về dân chủ trong cơ quan hành chính; "
            "Luật số 10/2022/QH15 ngày 10/11/2022.")
    result, page = client.predict(text, None, api_name="/check")
    refs = {r["id"]: r for r in result["references"]}
    assert refs["04/2014/NĐ-CP"]["problems"]
    assert "04/2015/NĐ-CP" in " ".join(str(p["suggestion"]) for p in refs["04/2014/NĐ-CP"]["problems"])
    assert 'class="st-problem"' in page


@pytest.mark.slow
def test_check_uploaded_file(client, tmp_path):
    from gradio_client import handle_file

    draft = tmp_path / "ban-nhap.txt"
    draft.write_text("Căn cứ Nghị định số 04/2014/NĐ-CP của Chính phủ.\n", encoding="utf-8")
    result, _ = client.predict("", handle_file(str(draft)), api_name="/check")
    assert [r["id"] for r in result["references"]] == ["04/2014/NĐ-CP"]
    assert result["references"][0]["problems"]


UPLOAD_TEXT = """BÁO CÁO
Kết quả công tác nuôi ong mật năm 2025

I. KẾT QUẢ
1. Phát triển đàn ong
Đoạn thử hiển thị: <script>alert('xss')</script> phải hiện ra như chữ.
Hợp tác xã Hoa Ban thuộc xã Bản Phố nhân giống được 340 đàn ong nội, thu hoạch 2.150 lít mật ong bạc hà.
"""


@pytest.mark.slow
def test_upload_becomes_searchable_escaped_then_removed(client, app, tmp_path):
    from gradio_client import handle_file

    good = tmp_path / "Báo cáo nuôi ong (2025).txt"
    good.write_text(UPLOAD_TEXT, encoding="utf-8")
    bad = tmp_path / "hong.pdf"
    bad.write_bytes(b"this is not a pdf")
    report, table, _, _ = client.predict([handle_file(str(good)), handle_file(str(bad))], api_name="/upload")
    stored = sanitize_filename(good.name)
    assert stored == "Báo_cáo_nuôi_ong_2025.txt"
    assert stored in report["added"] and stored in report["stored"]
    assert [r["source"] for r in report["rejected"]] == ["hong.pdf"]
    uploads = Path(app.settings.data_dir) / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == sorted([stored, "hong.pdf"])

    rows = {row[0]: row for row in table["data"]}
    assert rows[stored][6] == "đã tải lên" and rows[stored][5] >= 1
    assert rows["hong.pdf"][6] == "bị từ chối" and rows["hong.pdf"][7]
    assert rows["seeds/000_ad1bc2404d8aad29.txt"][6] == "kho mẫu"

    result, page = client.predict("nuôi ong mật bạc hà Hoa Ban", 3, api_name="/search")
    assert result["results"][0]["source"] == stored
    uploaded_texts = [r["text"] for r in result["results"] if r["source"] == stored]
    assert any("<script>alert('xss')</script>" in t for t in uploaded_texts)    # the JSON keeps the text as is
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in page and "<script>alert" not in page

    history, *_ = client.predict("ong mật bạc hà Hoa Ban xã Bản Phố", [], SECTION, "xã Ngọc Kỳ", 2025, "báo cáo", "",
                                 api_name="/chat")
    answer = str(history[-1]["content"])
    assert f"`{stored}`" in answer
    assert "&lt;script&gt;alert" in answer and "<script>" not in answer

    payload, _ = client.predict(stored, "seeds/000_ad1bc2404d8aad29.txt", "", api_name="/compare_docs")
    assert payload["a"]["source"] == stored and payload["pairs"]           # an upload can be compared too

    with pytest.raises(Exception, match="Chỉ xoá được"):
        client.predict("seeds/000_ad1bc2404d8aad29.txt", api_name="/remove")
    report, table, _, _ = client.predict(stored, api_name="/remove")
    assert stored in report["removed"]
    assert stored not in {row[0] for row in table["data"]}
    result, _ = client.predict("nuôi ong mật bạc hà Hoa Ban", 3, api_name="/search")
    assert all(r["source"] != stored for r in result["results"])
    assert sorted(p.name for p in uploads.iterdir()) == ["hong.pdf"]


@pytest.mark.slow
def test_gradio_upload_cache_stays_in_the_data_folder(app):
    import os

    assert os.environ["GRADIO_TEMP_DIR"] == str(Path(app.settings.data_dir) / "tmp")


@pytest.mark.slow
def test_ten_parallel_sessions_of_five_questions(app):
    from gradio_client import Client

    def session(i: int) -> list[str]:
        c = Client(app.url, verbose=False)
        errors: list[str] = []
        res, _ = c.predict("tiếp công dân giải quyết khiếu nại", 3, api_name="/search")
        if not res["results"] or not _corpus_file(app.settings, res["results"][0]["source"]):
            errors.append(f"{i}: search")
        res, _, _ = c.predict("Luật thực hiện dân chủ ở cơ sở", 5, api_name="/lookup")
        if res["directives"][0]["id"] != "10/2022/QH15":
            errors.append(f"{i}: lookup {res['directives'][0]['id']}")
        res, _, _ = c.predict("Luật Hòa giải ở cơ sở", 5, api_name="/lookup")
        if res["directives"][0]["id"] != "35/2013/QH13":
            errors.append(f"{i}: lookup hòa giải {res['directives'][0]['id']}")
        draft, _, text, _ = c.predict(SECTION, "UBND xã Ngọc Kỳ", 2025, "báo cáo", "", False, False, False,
                                      api_name="/draft")
        try:
            _assert_resolvable(draft, app.settings)
        except AssertionError as exc:
            errors.append(f"{i}: draft {exc}")
        res, _ = c.predict("hòa giải ở cơ sở", 3, api_name="/search")
        if not res["results"]:
            errors.append(f"{i}: search 2")
        return errors

    seen_threads: set[int] = set()
    lock = threading.Lock()

    def run(i: int) -> list[str]:
        with lock:
            seen_threads.add(threading.get_ident())
        return session(i)

    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = [pool.submit(run, i) for i in range(10)]
        errors = [e for f in futures for e in f.result(timeout=900)]   # a bound, not a speed assertion
    assert len(seen_threads) == 10
    assert errors == []


def test_cli_serve_refuses_open_bind_without_login(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from assistant.cli import app as cli

    monkeypatch.delenv("SOANTHAO_AUTH_USER", raising=False)
    monkeypatch.delenv("SOANTHAO_AUTH_PASSWORD", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "7999", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "SOANTHAO_AUTH_USER" in result.output
