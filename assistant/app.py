"""The clerk's door: a Gradio Blocks app, Vietnamese labels, offline, on 127.0.0.1 by default.

Each tab's main function is also a named API endpoint (``/draft``, ``/chat``, ``/lookup``,
``/compare_docs``, ``/compare_topic``, ``/upload``, ``/remove``, ``/check``, ``/search``), so
the tests — and a script — drive exactly what the page does through ``gradio_client``.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, Iterator

from assistant import render
from assistant.errors import InvalidRequestError, SoanThaoError
from assistant.intent import parse_draft_request, route
from assistant.services import Services
from index.settings import Settings

logger = logging.getLogger(__name__)

SAFE_NAME = re.compile(r"[^\w.\-]+", re.UNICODE)
KINDS = ["báo cáo", "kế hoạch"]


def sanitize_filename(name: str) -> str:
    """A file name that cannot leave the uploads folder: no separators, no dot-dot, NFC, ≤ 120 chars."""
    base = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name)
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = SAFE_NAME.sub("_", stem).strip("._") or "tai-lieu"
    ext = SAFE_NAME.sub("", ext)[:10]
    return stem[:110] + ("." + ext if ext else "")


class AppLogic:
    """What each tab does, without Gradio: testable directly and wrapped by ``build_app``."""

    def __init__(self, services: Services):
        self.services = services
        self.settings = services.settings

    # --- Soạn thảo -------------------------------------------------------------------------
    def draft(self, section: str, unit: str, year: float | int | None, kind: str, facts: str,
              strict: bool = False, use_llm: bool = False, outline: bool = False) -> dict[str, Any]:
        """Draft JSON (the ``draft --json`` contract) for a form request."""
        from assistant.draft import DraftRequest, draft_report, draft_section, draft_to_json

        if not (section or outline) or not unit or not year:
            raise InvalidRequestError(
                "Cần nhập mục cần soạn, đơn vị và năm báo cáo / section, unit and year are required"
            )
        level = unit.split()[0].lower() if unit.split() else None
        request = DraftRequest(
            section=section or "", unit=unit.strip(), unit_level=level, year=int(year), kind=kind or "báo cáo",
            facts=facts or None, strict=strict, use_llm=use_llm, outline=outline,
        )
        fn = draft_report if outline else draft_section
        result = fn(request, settings=self.settings, retriever=self.services.retriever,
                    embedder=self.services.embedder, registry=self.services.registry)
        return draft_to_json(result)

    def export_docx(self, draft_json: dict[str, Any]) -> str:
        from assistant.docx_export import export_docx_from_json

        out = Path(tempfile.mkdtemp(prefix="soanthao-")) / "du-thao.docx"
        export_docx_from_json(draft_json, out)
        return str(out)

    # --- Tra cứu văn bản -------------------------------------------------------------------
    def lookup(self, question: str, k: int = 5) -> dict[str, Any]:
        from assistant.lookup import lookup, lookup_to_json

        if not question.strip():
            raise InvalidRequestError("Hãy nhập câu hỏi / please type a question")
        result = lookup(question, k=int(k), settings=self.settings, registry=self.services.registry,
                        retriever=self.services.retriever)
        return lookup_to_json(result)

    # --- So sánh ---------------------------------------------------------------------------
    def compare_docs(self, doc_a: str, doc_b: str, section: str = "") -> tuple[dict[str, Any], str]:
        from assistant.compare import compare_documents, comparison_to_json, render_html, resolve_document

        if not doc_a or not doc_b:
            raise InvalidRequestError("Chọn hai văn bản để so sánh / choose two documents")
        comparison = compare_documents(resolve_document(doc_a, self.settings), resolve_document(doc_b, self.settings),
                                       self.services.embedder, section=section or None)
        return comparison_to_json(comparison), render_html(comparison)

    def compare_topic(self, topic: str, unit: str = "", year_from: float | None = None,
                      year_to: float | None = None) -> dict[str, Any]:
        from assistant.compare import compare_topic, topic_to_json

        if not topic.strip():
            raise InvalidRequestError("Hãy nhập chủ đề / please type a topic")
        entries = compare_topic(topic, self.services.retriever, units=[unit] if unit else (),
                                year_min=int(year_from) if year_from else None,
                                year_max=int(year_to) if year_to else None)
        return topic_to_json(topic, entries)

    # --- Kho tài liệu ----------------------------------------------------------------------
    def documents(self) -> list[list[Any]]:
        """One row per file: source, unit, year, kind, chunk count, status, reason (rejected files too)."""
        index = self.services.retriever.index
        first: dict[str, Any] = {}
        for chunk in index.chunks:
            first.setdefault(chunk.source, chunk.meta)
        rows = []
        for source, record in index.manifest.files.items():
            meta = first.get(source, {})
            rows.append([source, meta.get("unit"), meta.get("year"), meta.get("kind"), len(record.chunk_ids),
                         "đã lập chỉ mục", ""])
        for rejected in index.manifest.extra.get("rejected", []):
            rows.append([rejected["source"], None, None, None, 0, "bị từ chối", rejected["reason"]])
        return sorted(rows, key=lambda r: str(r[0]))

    def upload(self, paths: list[str]) -> dict[str, Any]:
        """Copy uploads (sanitized names) into the data folder, then index them incrementally."""
        from index.build import build_index

        if not paths:
            raise InvalidRequestError("Chưa chọn tệp nào / no file chosen")
        target_dir = self.services.uploads_dir
        target_dir.mkdir(parents=True, exist_ok=True)
        stored = []
        for p in paths:
            dest = target_dir / sanitize_filename(Path(p).name)
            shutil.copyfile(p, dest)
            stored.append(dest)
        report = build_index(self.settings, paths=stored, embedder=self.services.embedder, progress=True)
        self.services.reload()
        return build_report_json(report)

    def remove(self, source: str) -> dict[str, Any]:
        """Remove an uploaded document from the folder and from the index."""
        from index.build import build_index

        target = (self.services.uploads_dir / Path(source).name).resolve()
        if not source or not target.is_file() or target.parent != self.services.uploads_dir.resolve():
            raise InvalidRequestError(
                f"Chỉ xoá được tài liệu đã tải lên: {source} / only uploaded documents can be removed"
            )
        target.unlink()
        report = build_index(self.settings, embedder=self.services.embedder, progress=True)
        self.services.reload()
        return build_report_json(report)

    # --- Kiểm tra trích dẫn ----------------------------------------------------------------
    def check(self, text: str, upload: str | None = None) -> dict[str, Any]:
        from assistant.check import check_file, check_text

        if upload:
            result = check_file(Path(upload), self.services.registry)
        elif text.strip():
            result = check_text(text, "bản nháp", self.services.registry)
        else:
            raise InvalidRequestError("Dán văn bản hoặc tải tệp lên / paste text or upload a file")
        return result.to_json()

    def search(self, query: str, k: int = 5) -> dict[str, Any]:
        from assistant.retrieve import hit_to_json

        hits = self.services.retriever.search(query, k=int(k))
        return {"query": query, "results": [hit_to_json(h) for h in hits]}

    # --- chat -----------------------------------------------------------------------------
    def chat(self, message: str, state: dict[str, Any] | None, form: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """Answer one chat turn; yields (assistant markdown so far, new state) so drafts stream in."""
        state = dict(state or {})
        intent = route(message)
        if intent == "refine" and state.get("draft"):
            draft = self.refine(state["draft"], state.get("request", {}), message)
            state["draft"] = draft
            yield render.draft_markdown(draft), state
            return
        if intent in ("draft", "refine"):
            parsed = parse_draft_request(message)
            request = {
                "section": parsed.section or form.get("section") or "",
                "unit": parsed.unit or form.get("unit") or "",
                "year": parsed.year or form.get("year"),
                "kind": parsed.kind or form.get("kind") or "báo cáo",
                "facts": form.get("facts") or "",
            }
            missing = [name for name, key in (("mục", "section"), ("đơn vị", "unit"), ("năm", "year")) if not request[key]]
            if missing:
                yield f"Cần bổ sung: {', '.join(missing)} (nhập trong câu hỏi hoặc ô bên phải).", state
                return
            draft = self.draft(request["section"], request["unit"], request["year"], request["kind"], request["facts"])
            state.update(draft=draft, request=request)
            shown: list[str] = []
            for sent in draft.get("sentences", []):
                shown.append(sent["text"])
                yield " ".join(shown), state
            yield render.draft_markdown(draft), state
            return
        if intent == "lookup":
            result = self.lookup(message)
            lines = [f"{i}. {d['citation']} — *{d['status']}*" for i, d in enumerate(result["directives"], 1)]
            yield ("Các văn bản liên quan:\n" + "\n".join(lines)) if lines else "Không tìm thấy văn bản phù hợp.", state
            return
        if intent == "compare":
            result = self.compare_topic(message)
            lines = [f"- {e['year']} · {e['unit']} · {e['section']}: {e['text'][:200]}…" for e in result["entries"]]
            yield ("Cách diễn đạt qua các văn bản:\n" + "\n".join(lines)) if lines else "Không tìm thấy mục phù hợp.", state
            return
        result = self.search(message, k=3)
        lines = [f"- **{r['source']}** — {r['section']}: {r['text'][:300]}" for r in result["results"]]
        yield ("Đoạn văn liên quan:\n" + "\n".join(lines)) if lines else "Không tìm thấy đoạn văn phù hợp.", state

    def refine(self, draft: dict[str, Any], request: dict[str, Any], message: str) -> dict[str, Any]:
        """Follow-up turns: "bỏ câu 3" drops a sentence; "thêm ý về X" adds supported sentences about X."""
        from assistant.intent import fold

        folded = fold(message)
        if m := re.search(r"\b(?:bo|xoa)\s+cau\s+(\d+)", folded):
            n = int(m.group(1))
            sentences = draft.get("sentences", [])
            if not 1 <= n <= len(sentences):
                raise InvalidRequestError(f"Bản nháp chỉ có {len(sentences)} câu / the draft has {len(sentences)} sentences")
            kept = sentences[: n - 1] + sentences[n:]
            return {**draft, "sentences": kept, "text": " ".join(s["text"] for s in kept)}
        if m := re.search(r"\bthem\s+(?:y|noi dung|doan)\s+(?:ve\s+)?(.+)$", folded):
            topic = message[m.start(1):].strip() if len(message) == len(folded) else m.group(1)
            extra = self.draft(f"{request.get('section', '')} {topic}", request.get("unit", ""), request.get("year"),
                               request.get("kind", "báo cáo"), request.get("facts", ""))
            return merge_drafts(draft, extra)
        raise InvalidRequestError("Chưa hiểu yêu cầu chỉnh sửa; thử «bỏ câu 3» hoặc «thêm ý về chuyển đổi số»")


def build_report_json(report: Any) -> dict[str, Any]:
    """A ``BuildReport`` as JSON for the UI."""
    from dataclasses import asdict

    return asdict(report)


def merge_drafts(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Append ``extra``'s new sentences to ``base``, renumbering its citations after base's."""
    offset = max((c["n"] for c in base.get("citations", [])), default=0)
    known = {render.CITE_MARK.sub("", s["text"]).strip() for s in base.get("sentences", [])}
    citations = list(base.get("citations", []))
    renumber = {}
    for c in extra.get("citations", []):
        renumber[c["n"]] = c["n"] + offset
        citations.append({**c, "n": c["n"] + offset})
    sentences = list(base.get("sentences", []))
    for s in extra.get("sentences", []):
        plain = render.CITE_MARK.sub("", s["text"]).strip()
        if plain in known:
            continue
        cites = [renumber.get(n, n) for n in s.get("citations", [])]
        text = plain + "".join(f" [{n}]" for n in cites)
        sentences.append({**s, "text": text, "citations": cites})
    return {**base, "sentences": sentences, "citations": citations, "text": " ".join(s["text"] for s in sentences),
            "placeholders": sorted(set(base.get("placeholders", [])) | set(extra.get("placeholders", [])))}


def _guard(fn):
    """Turn library errors into a visible Gradio error (the message is already bilingual)."""
    import functools

    import gradio as gr

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SoanThaoError as exc:
            raise gr.Error(str(exc)) from exc

    return wrapper


def build_app(services: Services):
    """The Blocks UI. Labels are Vietnamese; every main function has an ``api_name``."""
    import gradio as gr

    logic = AppLogic(services)

    def documents_choices() -> list[str]:
        try:
            return [row[0] for row in logic.documents()]
        except SoanThaoError:
            return []

    with gr.Blocks(title="Soạn Thảo") as demo:
        gr.Markdown("# Soạn Thảo — trợ lý soạn thảo văn bản cấp xã (ngoại tuyến)")
        chat_state = gr.State({})
        with gr.Tab("Soạn thảo"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="Trò chuyện", height=420, buttons=["copy"])
                    msg = gr.Textbox(label="Yêu cầu", placeholder="Soạn mục công tác tiếp dân cho báo cáo năm 2025 của xã Ngọc Kỳ")
                    send = gr.Button("Gửi", variant="primary")
                with gr.Column(scale=2):
                    f_section = gr.Textbox(label="Mục cần soạn", value="Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo")
                    f_unit = gr.Textbox(label="Đơn vị", value="xã Ngọc Kỳ")
                    f_year = gr.Number(label="Năm báo cáo", value=2025, precision=0)
                    f_kind = gr.Dropdown(KINDS, value="báo cáo", label="Loại văn bản")
                    f_facts = gr.Textbox(label="Số liệu của đơn vị (nếu có)", lines=3)
                    f_strict = gr.Checkbox(label="Chế độ chặt (bỏ câu chưa đủ căn cứ)")
                    f_outline = gr.Checkbox(label="Soạn cả báo cáo theo đề cương")
                    draft_btn = gr.Button("Soạn theo mẫu", variant="secondary")
            draft_view = gr.HTML(label="Bản nháp và nguồn trích dẫn", elem_id="st-draft-view")
            with gr.Row():
                copy_box = gr.Textbox(label="Văn bản để sao chép", lines=6, buttons=["copy"])
                docx_file = gr.File(label="Tải .docx")
            draft_json = gr.JSON(visible=False)

            def on_form(section, unit, year, kind, facts, strict, outline, progress=gr.Progress()):
                progress(0.1, desc="Đang tìm văn bản mẫu…")
                draft = _guard(logic.draft)(section, unit, year, kind, facts, strict, False, outline)
                progress(0.9, desc="Đang xuất .docx…")
                return draft, render.draft_html(draft), draft.get("text", ""), logic.export_docx(draft)

            draft_btn.click(on_form, [f_section, f_unit, f_year, f_kind, f_facts, f_strict, f_outline],
                            [draft_json, draft_view, copy_box, docx_file], api_name="draft")

            def on_chat(message, history, state, section, unit, year, kind, facts):
                history = list(history or []) + [{"role": "user", "content": message}]
                form = {"section": section, "unit": unit, "year": year, "kind": kind, "facts": facts}
                answer, new_state = "", state
                try:
                    for answer, new_state in logic.chat(message, state, form):
                        yield history + [{"role": "assistant", "content": answer}], new_state, gr.update(), gr.update(), ""
                except SoanThaoError as exc:
                    yield history + [{"role": "assistant", "content": f"⚠️ {exc}"}], state, gr.update(), gr.update(), ""
                    return
                draft = (new_state or {}).get("draft")
                if draft:
                    yield (history + [{"role": "assistant", "content": answer}], new_state,
                           render.draft_html(draft), draft.get("text", ""), "")

            chat_inputs = [msg, chatbot, chat_state, f_section, f_unit, f_year, f_kind, f_facts]
            chat_outputs = [chatbot, chat_state, draft_view, copy_box, msg]
            send.click(on_chat, chat_inputs, chat_outputs, api_name="chat")
            msg.submit(on_chat, chat_inputs, chat_outputs, api_name=False)

        with gr.Tab("Tra cứu văn bản"):
            q = gr.Textbox(label="Câu hỏi", placeholder="Văn bản nào quy định về giám sát, phản biện xã hội của Mặt trận?")
            k = gr.Slider(1, 10, value=5, step=1, label="Số văn bản")
            lookup_btn = gr.Button("Tra cứu", variant="primary")
            lookup_view = gr.HTML()
            lookup_json = gr.JSON(label="Kết quả (JSON)")

            def on_lookup(question, k):
                result = _guard(logic.lookup)(question, k)
                return result, render.lookup_html(result)

            lookup_btn.click(on_lookup, [q, k], [lookup_json, lookup_view], api_name="lookup")

        with gr.Tab("So sánh"):
            with gr.Row():
                doc_a = gr.Dropdown(choices=documents_choices(), label="Văn bản A", allow_custom_value=True)
                doc_b = gr.Dropdown(choices=documents_choices(), label="Văn bản B", allow_custom_value=True)
                sec = gr.Textbox(label="Chỉ mục (không bắt buộc)")
            cmp_btn = gr.Button("So sánh hai văn bản", variant="primary")
            with gr.Row():
                topic = gr.Textbox(label="Hoặc theo chủ đề", placeholder="tiếp công dân")
                t_unit = gr.Textbox(label="Đơn vị (lọc)")
                t_from = gr.Number(label="Từ năm", precision=0)
                t_to = gr.Number(label="Đến năm", precision=0)
            topic_btn = gr.Button("Xem theo chủ đề")
            cmp_view = gr.HTML()
            cmp_json = gr.JSON(label="Kết quả (JSON)")

            def on_compare(a, b, s, progress=gr.Progress()):
                progress(0.2, desc="Đang căn chỉnh các mục…")
                payload, page = _guard(logic.compare_docs)(a, b, s)
                return payload, page

            def on_topic(t, u, y1, y2):
                payload = _guard(logic.compare_topic)(t, u, y1, y2)
                rows = "".join(
                    f"<tr><td>{e['year']}</td><td>{render._esc(e['unit'])}</td><td>{render._esc(e['section'])}</td>"
                    f"<td>{render._esc(e['text'])}</td></tr>" for e in payload["entries"]
                )
                return payload, f"<table><tr><th>Năm</th><th>Đơn vị</th><th>Mục</th><th>Nội dung</th></tr>{rows}</table>"

            cmp_btn.click(on_compare, [doc_a, doc_b, sec], [cmp_json, cmp_view], api_name="compare_docs")
            topic_btn.click(on_topic, [topic, t_unit, t_from, t_to], [cmp_json, cmp_view], api_name="compare_topic")

        with gr.Tab("Kho tài liệu"):
            docs_table = gr.Dataframe(
                headers=["Tệp", "Đơn vị", "Năm", "Loại", "Số đoạn", "Trạng thái", "Lý do"],
                value=lambda: _safe_documents(logic), interactive=False,
            )
            uploads = gr.File(label="Tải tài liệu lên (.txt, .md, .docx, .pdf)", file_count="multiple", type="filepath")
            upload_btn = gr.Button("Đưa vào kho", variant="primary")
            remove_name = gr.Textbox(label="Tệp đã tải lên cần xoá")
            remove_btn = gr.Button("Xoá khỏi kho")
            corpus_json = gr.JSON(label="Báo cáo lập chỉ mục")

            def on_upload(files, progress=gr.Progress(track_tqdm=True)):
                progress(0.0, desc="Đang lập chỉ mục…")
                report = _guard(logic.upload)(files or [])
                return report, _safe_documents(logic)

            def on_remove(name):
                report = _guard(logic.remove)(name)
                return report, _safe_documents(logic)

            upload_btn.click(on_upload, [uploads], [corpus_json, docs_table], api_name="upload")
            remove_btn.click(on_remove, [remove_name], [corpus_json, docs_table], api_name="remove")

        with gr.Tab("Kiểm tra trích dẫn"):
            check_text = gr.Textbox(label="Dán bản nháp", lines=10)
            check_file = gr.File(label="Hoặc tải tệp (.txt, .md, .docx)", type="filepath")
            check_btn = gr.Button("Kiểm tra", variant="primary")
            check_view = gr.HTML()
            check_json = gr.JSON(label="Kết quả (JSON)")

            def on_check(text, path):
                result = _guard(logic.check)(text or "", path)
                return result, render.check_html(result)

            check_btn.click(on_check, [check_text, check_file], [check_json, check_view], api_name="check")

        with gr.Tab("Tìm kiếm"):
            sq = gr.Textbox(label="Tìm đoạn văn")
            sk = gr.Slider(1, 20, value=5, step=1, label="Số kết quả")
            s_btn = gr.Button("Tìm")
            s_json = gr.JSON()
            s_btn.click(lambda query, kk: _guard(logic.search)(query, kk), [sq, sk], [s_json], api_name="search")
    return demo


def _safe_documents(logic: AppLogic) -> list[list[Any]]:
    try:
        return logic.documents()
    except SoanThaoError as exc:
        logger.warning("document list unavailable: %s", exc)
        return []


def serve(settings: Settings, host: str | None = None, port: int | None = None, block: bool = True):
    """Start the app. Binding beyond localhost requires a login (SOANTHAO_AUTH_USER/PASSWORD)."""
    host = host or settings.host
    port = port if port is not None else settings.port
    auth = None
    if settings.auth_user and settings.auth_password:
        auth = (settings.auth_user, settings.auth_password)
    elif host not in ("127.0.0.1", "localhost", "::1"):
        raise InvalidRequestError(
            f"Mở ra ngoài máy ({host}) cần đặt SOANTHAO_AUTH_USER và SOANTHAO_AUTH_PASSWORD / "
            f"binding to {host} requires SOANTHAO_AUTH_USER and SOANTHAO_AUTH_PASSWORD"
        )
    services = Services(settings)
    demo = build_app(services)
    demo.queue(default_concurrency_limit=4)
    uploads = Path(settings.data_dir) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    demo.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=not block,
                allowed_paths=[], show_error=True, quiet=not block)
    return demo

