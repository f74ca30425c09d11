"""The clerk's door: a Gradio Blocks app, Vietnamese labels, offline, on 127.0.0.1 by default.

Each tab's main function is also a named API endpoint (``/draft``, ``/chat``, ``/lookup``,
``/compare_docs``, ``/compare_topic``, ``/upload``, ``/remove``, ``/check``, ``/search``), so
the tests — and a script — drive exactly what the page does through ``gradio_client``.
``AppLogic`` holds what each tab does without Gradio; ``build_app`` only wires widgets to it.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import threading
import unicodedata
import uuid
from pathlib import Path
from typing import Any, Iterator

from assistant import render
from assistant.errors import InvalidRequestError, SoanThaoError
from assistant.intent import fold, parse_draft_request, route
from assistant.services import Services
from index.settings import Settings

logger = logging.getLogger(__name__)

SAFE_NAME = re.compile(r"[^\w.\-]+", re.UNICODE)
KINDS = ["báo cáo", "kế hoạch"]
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
#: Sentences a "thêm ý về …" follow-up adds at most.
REFINE_EXTRA_SENTENCES = 3


def sanitize_filename(name: str) -> str:
    """A file name that cannot leave the uploads folder: no separators, no dot-dot, NFC, ≤ 120 chars.

    Example:
        >>> sanitize_filename("../../etc/Báo cáo <x>.txt")
        'Báo_cáo_x_.txt'
    """
    base = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name)
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = SAFE_NAME.sub("_", stem).strip("._") or "tai-lieu"
    ext = SAFE_NAME.sub("", ext)[:10]
    return stem[:110] + ("." + ext if ext else "")


def _code(name: Any) -> str:
    """A file name in a chat message, shown literally (no Markdown emphasis from its underscores)."""
    return "`" + str(name).replace("`", "'") + "`"


def _esc_md(text: Any) -> str:
    """Document text inside a chat message: HTML-escaped so markup in a passage shows as text."""
    return html.escape("" if text is None else str(text))


class AppLogic:
    """What each tab does, without Gradio: testable directly and wrapped by ``build_app``.

    Example:
        >>> logic = AppLogic(Services(Settings()))            # doctest: +SKIP
        >>> logic.lookup("Luật thực hiện dân chủ ở cơ sở")["directives"][0]["id"]   # doctest: +SKIP
        '10/2022/QH15'
    """

    def __init__(self, services: Services):
        self.services = services
        self.settings = services.settings
        self._build_lock = threading.Lock()

    # --- Soạn thảo -------------------------------------------------------------------------
    def draft(self, section: str, unit: str, year: float | int | None, kind: str, facts: str,
              strict: bool = False, use_llm: bool = False, outline: bool = False,
              max_sentences: int | None = None) -> dict[str, Any]:
        """Draft JSON (the ``draft --json`` contract) for a form request.

        The unit's level ("xã", "phường", "thị trấn") is read off the unit text itself
        ("UBND xã Ngọc Kỳ" → "xã") by ``DraftRequest``'s unit parser, never guessed from its first word.
        """
        from assistant.draft import DraftRequest, draft_report, draft_section, draft_to_json

        if not (section or outline) or not (unit or "").strip() or not year:
            raise InvalidRequestError(
                "Cần nhập mục cần soạn, đơn vị và năm báo cáo / section, unit and year are required"
            )
        extra = {"max_sentences": int(max_sentences)} if max_sentences else {}
        request = DraftRequest(
            section=section or "", unit=unit.strip(), year=int(year), kind=kind or "báo cáo",
            facts=facts or None, strict=bool(strict), use_llm=bool(use_llm), outline=bool(outline), **extra,
        )
        fn = draft_report if outline else draft_section
        result = fn(request, settings=self.settings, retriever=self.services.retriever,
                    embedder=self.services.embedder, registry=self.services.registry)
        return draft_to_json(result)

    def export_docx(self, draft_json: dict[str, Any]) -> str:
        """Write the draft's submission copy as .docx inside the data folder (``exports/<random>/du-thao.docx``):
        no quotations of other units; the review (quotes, sentence kinds) is the draft view itself."""
        from assistant.docx_export import export_docx_from_json

        out = self.exports_dir / uuid.uuid4().hex / "du-thao.docx"
        out.parent.mkdir(parents=True, exist_ok=True)
        export_docx_from_json(draft_json, out)
        return str(out)

    @property
    def exports_dir(self) -> Path:
        return Path(self.settings.data_dir) / "exports"

    # --- Tra cứu văn bản -------------------------------------------------------------------
    def lookup(self, question: str, k: int = 5) -> dict[str, Any]:
        from assistant.lookup import lookup, lookup_to_json

        if not (question or "").strip():
            raise InvalidRequestError("Hãy nhập câu hỏi / please type a question")
        result = lookup(question, k=int(k), settings=self.settings, registry=self.services.registry,
                        retriever=self.services.retriever)
        return lookup_to_json(result)

    # --- So sánh ---------------------------------------------------------------------------
    def compare_docs(self, doc_a: str, doc_b: str, section: str = "") -> tuple[dict[str, Any], str]:
        """Aligned sections of two documents (by source name, doc id or path) and their side-by-side HTML."""
        from assistant.compare import compare_documents, comparison_to_json, render_html, resolve_document

        if not doc_a or not doc_b:
            raise InvalidRequestError("Chọn hai văn bản để so sánh / choose two documents")
        docs = [resolve_document(self._document_path(ref), self.settings) for ref in (doc_a, doc_b)]
        comparison = compare_documents(docs[0], docs[1], self.services.embedder, section=section or None)
        return comparison_to_json(comparison), render_html(comparison)

    def _document_path(self, ref: str) -> str:
        """An indexed source name ("seeds/000_….txt", "bao-cao.txt" for an upload) → the file's path."""
        record = self.services.retriever.index.manifest.files.get(ref)
        return record.path if record is not None and record.path else ref

    def compare_topic(self, topic: str, unit: str = "", year_from: float | None = None,
                      year_to: float | None = None) -> dict[str, Any]:
        from assistant.compare import compare_topic, topic_to_json

        if not (topic or "").strip():
            raise InvalidRequestError("Hãy nhập chủ đề / please type a topic")
        entries = compare_topic(topic, self.services.retriever, units=[unit] if unit else (),
                                year_min=int(year_from) if year_from else None,
                                year_max=int(year_to) if year_to else None)
        return topic_to_json(topic, entries)

    # --- Kho tài liệu ----------------------------------------------------------------------
    def documents(self) -> list[list[Any]]:
        """One row per file: source, title, unit, year, kind, chunk count, status, reason (rejected files too)."""
        index = self.services.retriever.index
        first: dict[str, Any] = {}
        for chunk in index.chunks:
            first.setdefault(chunk.source, chunk.meta)
        uploads = self.services.uploads_dir.resolve()
        rows = []
        for source, record in index.manifest.files.items():
            meta = first.get(source, {})
            uploaded = bool(record.path) and Path(record.path).resolve().parent == uploads
            title = " ".join(str(meta[k]) for k in ("title", "summary") if meta.get(k))
            title = title if len(title) <= 120 else title[:119] + "…"
            rows.append([source, title, meta.get("unit"), meta.get("year"), meta.get("kind"), len(record.chunk_ids),
                         "đã tải lên" if uploaded else "kho mẫu", ""])
        for rejected in index.manifest.extra.get("rejected", []):
            rows.append([rejected["source"], "", None, None, None, 0, "bị từ chối", rejected["reason"]])
        return sorted(rows, key=lambda r: str(r[0]))

    def document_sources(self) -> list[str]:
        """Indexed source names, for the comparison pickers."""
        return sorted(self.services.retriever.index.manifest.files)

    def upload(self, paths: list[str], progress: bool = False) -> dict[str, Any]:
        """Copy uploads (sanitized names) into the data folder, then index them incrementally."""
        if not paths:
            raise InvalidRequestError("Chưa chọn tệp nào / no file chosen")
        target_dir = self.services.uploads_dir
        target_dir.mkdir(parents=True, exist_ok=True)
        stored = []
        for p in paths:
            source = Path(p)
            if not source.is_file():
                raise InvalidRequestError(f"Không đọc được tệp tải lên: {source.name} / cannot read upload {source.name}")
            dest = target_dir / sanitize_filename(source.name)
            shutil.copyfile(source, dest)
            stored.append(dest.name)
        report = self._rebuild(progress)
        report["stored"] = stored
        return report

    def remove(self, source: str, progress: bool = False) -> dict[str, Any]:
        """Remove an uploaded document from the folder and from the index (bundled documents stay)."""
        name = (source or "").strip()
        target = (self.services.uploads_dir / Path(name).name).resolve()
        if not name or not target.is_file() or target.parent != self.services.uploads_dir.resolve():
            raise InvalidRequestError(
                f"Chỉ xoá được tài liệu đã tải lên: «{name}» / only uploaded documents can be removed"
            )
        target.unlink()
        return self._rebuild(progress)

    def _rebuild(self, progress: bool) -> dict[str, Any]:
        """Index the corpus plus everything in the uploads folder; one build at a time."""
        from dataclasses import asdict

        from index.build import build_index

        with self._build_lock:
            uploads = sorted(p for p in self.services.uploads_dir.glob("*") if p.is_file())
            report = build_index(self.settings, paths=uploads, embedder=self.services.embedder, progress=progress,
                                 on_wait=lambda message: logger.warning("%s", message))
            from assistant.fusion_weight import ensure_calibrated

            ensure_calibrated(self.settings, self.services.embedder)
            self.services.reload()
        return asdict(report)

    # --- Kiểm tra trích dẫn ----------------------------------------------------------------
    def check(self, text: str, upload: str | None = None) -> dict[str, Any]:
        from assistant.check import check_file, check_text

        if upload:
            result = check_file(Path(upload), self.services.registry)
        elif (text or "").strip():
            result = check_text(text, "bản nháp", self.services.registry)
        else:
            raise InvalidRequestError("Dán văn bản hoặc tải tệp lên / paste text or upload a file")
        return result.to_json()

    # --- Tìm kiếm --------------------------------------------------------------------------
    def search(self, query: str, k: int = 5) -> dict[str, Any]:
        from assistant.retrieve import hit_to_json

        hits = self.services.retriever.search(query or "", k=int(k))
        return {"query": query, "results": [hit_to_json(h) for h in hits]}

    # --- chat -----------------------------------------------------------------------------
    def chat(self, message: str, state: dict[str, Any] | None,
             form: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """Answer one chat turn; yields (assistant markdown so far, new state) so drafts stream in."""
        state = dict(state or {})
        message = unicodedata.normalize("NFC", " ".join((message or "").split()))
        if not message:
            raise InvalidRequestError("Hãy nhập yêu cầu / please type a request")
        intent = route(message)
        if intent == "refine" and state.get("draft"):
            yield "Đang chỉnh bản nháp…", state
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
            missing = [name for name, key in (("mục", "section"), ("đơn vị", "unit"), ("năm", "year"))
                       if not request[key]]
            if missing:
                yield f"Cần bổ sung: {', '.join(missing)} (nhập trong câu hỏi hoặc ô bên phải).", state
                return
            yield (f"Đang soạn mục «{_esc_md(request['section'])}» cho {_esc_md(request['unit'])}, "
                   f"{request['kind']} năm {request['year']}…"), state
            draft = self.draft(request["section"], request["unit"], request["year"], request["kind"],
                               request["facts"])
            state.update(draft=draft, request=request)
            shown: list[str] = []
            for sent in draft.get("sentences", []):
                shown.append(_esc_md(render.sentence_text(sent)))
                yield " ".join(shown), state
            yield render.draft_markdown({**draft, "sentences": [
                {**s, "text": _esc_md(s["text"])} for s in draft.get("sentences", [])]}), state
            return
        if intent == "lookup":
            result = self.lookup(message)
            lines = [f"{i}. **{_esc_md(d['id'])}** — {_esc_md(d['citation'])} — "
                     f"*{render.STATUS_VI.get(d['status'], d['status'])}*"
                     for i, d in enumerate(result["directives"], 1)]
            answer = f"**{_esc_md(result['answer']['text'])}**\n\n" if result.get("answer") else ""
            yield (answer + "Các văn bản liên quan (chi tiết ở thẻ «Tra cứu văn bản»):\n" + "\n".join(lines)
                   if lines else "Không tìm thấy văn bản phù hợp."), state
            return
        if intent == "compare":
            result = self.compare_topic(message)
            lines = [f"- {e['year']} · {_esc_md(e['unit'])} · {_esc_md(e['section'])}: {_esc_md(e['text'][:200])}…"
                     for e in result["entries"]]
            yield ("Cách diễn đạt qua các văn bản:\n" + "\n".join(lines)) if lines else "Không tìm thấy mục phù hợp.", state
            return
        result = self.search(message, k=3)
        lines = [f"- {_code(r['source'])} — {_esc_md(r['section'])}: {_esc_md(r['text'][:300])}"
                 for r in result["results"]]
        yield ("Đoạn văn liên quan:\n" + "\n".join(lines)) if lines else "Không tìm thấy đoạn văn phù hợp.", state

    def refine(self, draft: dict[str, Any], request: dict[str, Any], message: str) -> dict[str, Any]:
        """Follow-up turns: "bỏ câu 3" drops a sentence; "thêm ý về X" adds supported sentences about X."""
        words = unicodedata.normalize("NFC", message).split()
        folded = fold(" ".join(words))
        if m := re.search(r"\b(?:bo|xoa)\s+cau\s+(?:so\s+)?(\d+)", folded):
            n = int(m.group(1))
            sentences = draft.get("sentences", [])
            if not 1 <= n <= len(sentences):
                raise InvalidRequestError(
                    f"Bản nháp chỉ có {len(sentences)} câu / the draft has {len(sentences)} sentences")
            kept = sentences[: n - 1] + sentences[n:]
            used = {c for s in kept for c in s.get("citations", [])}
            report = _report_without(draft.get("report"), n - 1)
            return {**draft, "sentences": kept, "text": render.draft_text(kept, report),
                    "citations": [c for c in draft.get("citations", []) if c["n"] in used],
                    **({"report": report} if report else {})}
        if m := re.search(r"\bthem\s+(?:y|noi dung|doan|phan)\s+(?:ve\s+)?(.+)$", folded):
            # fold() maps word for word, so the topic's first word has the same index in the original.
            topic = " ".join(words[len(folded[: m.start(1)].split()):]).strip(" .")
            extra = self.draft(topic, request.get("unit", ""), request.get("year"), request.get("kind", "báo cáo"),
                               request.get("facts", ""), max_sentences=REFINE_EXTRA_SENTENCES)
            merged = merge_drafts(draft, extra)
            if len(merged["sentences"]) == len(draft.get("sentences", [])):
                raise InvalidRequestError(
                    f"Không tìm được câu mới có căn cứ về «{topic}» / nothing new and supported about {topic!r}")
            return merged
        raise InvalidRequestError("Chưa hiểu yêu cầu chỉnh sửa; thử «bỏ câu 3» hoặc «thêm ý về chuyển đổi số»")


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
        known.add(plain)
        cites = [renumber.get(n, n) for n in s.get("citations", [])]
        sentences.append({**s, "text": plain, "citations": cites})
    used = {c for s in sentences for c in s.get("citations", [])}
    report = base.get("report")
    if report and report["sections"]:      # a whole report: the new sentences close its last section
        added = len(sentences) - len(base.get("sentences", []))
        last = report["sections"][-1]
        report = {**report, "sections": [*report["sections"][:-1], {**last, "sentences": last["sentences"] + added}]}
    return {**base, "sentences": sentences, "citations": [c for c in citations if c["n"] in used],
            "text": render.draft_text(sentences, report), **({"report": report} if report else {}),
            "placeholders": list(dict.fromkeys([*base.get("placeholders", []), *extra.get("placeholders", [])])),
            "directives": [*base.get("directives", []), *extra.get("directives", [])],
            "leaks": list(dict.fromkeys([*base.get("leaks", []), *extra.get("leaks", [])]))}


def _report_without(report: dict[str, Any] | None, index: int) -> dict[str, Any] | None:
    """A whole report's layout after its ``index``-th sentence (0-based, across sections) is dropped."""
    if not report:
        return None
    sections, start = [], 0
    for section in report["sections"]:
        count = section["sentences"]
        sections.append({**section, "sentences": count - (start <= index < start + count)})
        start += count
    return {**report, "sections": sections}


def _guarded(fn):
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


def _support_notice(services: Services) -> str | None:
    """The uncalibrated-threshold line, when the model can be loaded at all (else the index
    error shows where it matters)."""
    try:
        return services.support_notice
    except SoanThaoError as exc:
        logger.warning("embedding model not loaded: %s", exc)
        return None


def build_app(services: Services):
    """The Blocks UI. Labels are Vietnamese; every main function has an ``api_name``."""
    import gradio as gr

    logic = AppLogic(services)
    settings = services.settings

    def safe_sources() -> list[str]:
        try:
            return logic.document_sources()
        except SoanThaoError as exc:
            logger.warning("document list unavailable: %s", exc)
            return []

    def safe_documents() -> list[list[Any]]:
        try:
            return logic.documents()
        except SoanThaoError as exc:
            logger.warning("document list unavailable: %s", exc)
            return []

    with gr.Blocks(title="Soạn Thảo", delete_cache=(3600, 86400)) as demo:
        gr.Markdown("# Soạn Thảo — trợ lý soạn thảo văn bản cấp xã (ngoại tuyến)")
        notice = _support_notice(services)
        if notice:
            gr.Markdown(f"⚠️ {notice}", elem_id="support-notice")
        chat_state = gr.State({})
        with gr.Tab("Soạn thảo"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="Trò chuyện", height=420, buttons=["copy", "copy_all"],
                                         elem_id="st-chat")
                    msg = gr.Textbox(label="Yêu cầu", elem_id="st-msg",
                                     placeholder="Soạn mục công tác tiếp dân cho báo cáo năm 2025 của xã Ngọc Kỳ")
                    send = gr.Button("Gửi", variant="primary", elem_id="st-send")
                with gr.Column(scale=2):
                    f_section = gr.Textbox(label="Mục cần soạn",
                                           value="Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo")
                    f_unit = gr.Textbox(label="Đơn vị", value="xã Ngọc Kỳ")
                    f_year = gr.Number(label="Năm báo cáo", value=2025, precision=0)
                    f_kind = gr.Dropdown(KINDS, value="báo cáo", label="Loại văn bản")
                    f_facts = gr.Textbox(label="Số liệu của đơn vị (nếu có): câu văn, hoặc mỗi dòng «nội dung: số»", lines=3,
                                         placeholder="Tiếp 25 lượt công dân; nhận 7 đơn; giải quyết 6 đơn")
                    f_strict = gr.Checkbox(label="Chế độ chặt (bỏ câu chưa đủ căn cứ)")
                    f_outline = gr.Checkbox(label="Soạn cả báo cáo theo đề cương")
                    f_llm = gr.Checkbox(label="Dùng máy chủ LLM đã cấu hình", value=False,
                                        interactive=bool(settings.llm_base_url))
                    draft_btn = gr.Button("Soạn theo mẫu", variant="secondary")
            gr.Markdown("### Bản nháp và nguồn trích dẫn")
            draft_view = gr.HTML(elem_id="st-draft-view")
            with gr.Row():
                copy_box = gr.Textbox(label="Văn bản để sao chép", lines=6, buttons=["copy"], elem_id="st-copy")
                docx_file = gr.File(label="Tải .docx", elem_id="st-docx")
            draft_json = gr.JSON(visible=False)

            def on_form(section, unit, year, kind, facts, strict, outline, use_llm, progress=gr.Progress()):
                progress(0.1, desc="Đang tìm văn bản mẫu…")
                draft = _guarded(logic.draft)(section, unit, year, kind, facts, strict, use_llm, outline)
                progress(0.9, desc="Đang xuất .docx…")
                return draft, render.draft_html(draft), draft.get("text", ""), logic.export_docx(draft)

            draft_btn.click(on_form, [f_section, f_unit, f_year, f_kind, f_facts, f_strict, f_outline, f_llm],
                            [draft_json, draft_view, copy_box, docx_file], api_name="draft")

            def on_chat(message, history, state, section, unit, year, kind, facts):
                history = list(history or []) + [{"role": "user", "content": message}]
                form = {"section": section, "unit": unit, "year": year, "kind": kind, "facts": facts}
                answer, new_state = "", state
                keep = gr.update()
                try:
                    for answer, new_state in logic.chat(message, state, form):
                        yield (history + [{"role": "assistant", "content": answer}], new_state,
                               keep, keep, keep, keep, "")
                except SoanThaoError as exc:
                    yield (history + [{"role": "assistant", "content": f"⚠️ {_esc_md(exc)}"}], state,
                           keep, keep, keep, keep, "")
                    return
                draft = (new_state or {}).get("draft")
                if draft and draft is not (state or {}).get("draft"):
                    yield (history + [{"role": "assistant", "content": answer}], new_state,
                           render.draft_html(draft), draft.get("text", ""), draft, logic.export_docx(draft), "")

            chat_inputs = [msg, chatbot, chat_state, f_section, f_unit, f_year, f_kind, f_facts]
            chat_outputs = [chatbot, chat_state, draft_view, copy_box, draft_json, docx_file, msg]
            send.click(on_chat, chat_inputs, chat_outputs, api_name="chat")
            msg.submit(on_chat, chat_inputs, chat_outputs, api_name=False)

        with gr.Tab("Tra cứu văn bản"):
            q = gr.Textbox(label="Câu hỏi", placeholder="Văn bản nào quy định về giám sát, phản biện xã hội của Mặt trận?")
            k = gr.Slider(1, 10, value=5, step=1, label="Số văn bản")
            lookup_btn = gr.Button("Tra cứu", variant="primary")
            lookup_copy = gr.Textbox(label="Trích dẫn đầy đủ (để sao chép)", lines=3, buttons=["copy"])
            lookup_view = gr.HTML()
            lookup_json = gr.JSON(label="Kết quả (JSON)")

            def on_lookup(question, k):
                result = _guarded(logic.lookup)(question, k)
                return result, render.lookup_html(result), render.lookup_citations(result)

            lookup_btn.click(on_lookup, [q, k], [lookup_json, lookup_view, lookup_copy], api_name="lookup")

        with gr.Tab("So sánh"):
            with gr.Row():
                doc_a = gr.Dropdown(choices=safe_sources(), label="Văn bản A", allow_custom_value=True)
                doc_b = gr.Dropdown(choices=safe_sources(), label="Văn bản B", allow_custom_value=True)
                sec = gr.Textbox(label="Chỉ mục (không bắt buộc)")
            cmp_btn = gr.Button("So sánh hai văn bản", variant="primary")
            with gr.Row():
                topic = gr.Textbox(label="Hoặc theo chủ đề", placeholder="tiếp công dân")
                t_unit = gr.Textbox(label="Đơn vị (lọc)")
                t_from = gr.Number(label="Từ năm", value=None, precision=0)
                t_to = gr.Number(label="Đến năm", value=None, precision=0)
            topic_btn = gr.Button("Xem theo chủ đề")
            cmp_view = gr.HTML()
            cmp_json = gr.JSON(label="Kết quả (JSON)")

            def on_compare(doc_a, doc_b, section, progress=gr.Progress()):
                progress(0.2, desc="Đang căn chỉnh các mục…")
                payload, page = _guarded(logic.compare_docs)(doc_a, doc_b, section)
                return payload, page

            def on_topic(topic, unit, year_from, year_to):
                payload = _guarded(logic.compare_topic)(topic, unit, year_from, year_to)
                return payload, render.topic_html(payload)

            cmp_btn.click(on_compare, [doc_a, doc_b, sec], [cmp_json, cmp_view], api_name="compare_docs")
            topic_btn.click(on_topic, [topic, t_unit, t_from, t_to], [cmp_json, cmp_view], api_name="compare_topic")

        with gr.Tab("Kho tài liệu"):
            docs_table = gr.Dataframe(
                headers=["Tệp", "Tiêu đề", "Đơn vị", "Năm", "Loại", "Số đoạn", "Trạng thái", "Lý do"],
                interactive=False, wrap=True,
                column_widths=["22%", "30%", "14%", "6%", "7%", "6%", "7%", "8%"],
            )
            uploads = gr.File(label="Tải tài liệu lên (.docx, .doc, .odt, .pdf, bản scan .pdf/.png/.jpg/.tif, "
                                    ".txt, .md)", file_count="multiple", type="filepath")
            upload_btn = gr.Button("Đưa vào kho", variant="primary")
            with gr.Row():
                remove_name = gr.Textbox(label="Tệp đã tải lên cần xoá (tên trong cột «Tệp»)")
                remove_btn = gr.Button("Xoá khỏi kho")
            corpus_json = gr.JSON(label="Báo cáo lập chỉ mục")

            def refreshed():
                sources = safe_sources()
                return safe_documents(), gr.update(choices=sources), gr.update(choices=sources)

            def on_upload(files, progress=gr.Progress(track_tqdm=True)):
                progress(0.0, desc="Đang lập chỉ mục…")
                report = _guarded(logic.upload)(files or [], True)
                return report, *refreshed()

            def on_remove(name, progress=gr.Progress(track_tqdm=True)):
                progress(0.0, desc="Đang cập nhật chỉ mục…")
                report = _guarded(logic.remove)(name, True)
                return report, *refreshed()

            corpus_outputs = [corpus_json, docs_table, doc_a, doc_b]
            upload_btn.click(on_upload, [uploads], corpus_outputs, api_name="upload")
            remove_btn.click(on_remove, [remove_name], corpus_outputs, api_name="remove")

        with gr.Tab("Kiểm tra trích dẫn"):
            check_text = gr.Textbox(label="Dán bản nháp", lines=10)
            check_file = gr.File(label="Hoặc tải tệp (.txt, .md, .docx)", type="filepath")
            check_btn = gr.Button("Kiểm tra", variant="primary")
            check_view = gr.HTML()
            check_json = gr.JSON(label="Kết quả (JSON)")

            def on_check(text, file):
                result = _guarded(logic.check)(text or "", file)
                return result, render.check_html(result)

            check_btn.click(on_check, [check_text, check_file], [check_json, check_view], api_name="check")

        with gr.Tab("Tìm kiếm"):
            sq = gr.Textbox(label="Tìm đoạn văn")
            sk = gr.Slider(1, 20, value=5, step=1, label="Số kết quả")
            s_btn = gr.Button("Tìm", variant="primary")
            s_view = gr.HTML()
            s_json = gr.JSON(label="Kết quả (JSON)")

            def on_search(query, k):
                result = _guarded(logic.search)(query, k)
                return result, render.search_html(result["results"])

            s_btn.click(on_search, [sq, sk], [s_json, s_view], api_name="search")

        with gr.Tab("Cài đặt"):
            gr.Markdown(
                f"- Thư mục dữ liệu: `{settings.data_dir}`\n"
                f"- Kho văn bản mẫu: `{settings.corpus_dir}`\n"
                f"- Máy chủ LLM: `{settings.llm_base_url or 'không dùng'}`\n"
                f"- Địa chỉ: `{settings.host}:{settings.port}`\n\n"
                "Đổi bằng biến môi trường `SOANTHAO_DATA_DIR`, `SOANTHAO_LLM_BASE_URL`, hoặc "
                "`soanthao serve --host --port --data-dir`. Mở ra ngoài máy cần `SOANTHAO_AUTH_USER` và "
                "`SOANTHAO_AUTH_PASSWORD`."
            )
        demo.load(refreshed, None, [docs_table, doc_a, doc_b], api_name=False)
    return demo


def serve(settings: Settings, host: str | None = None, port: int | None = None, block: bool = True):
    """Start the app; returns the running ``gr.Blocks`` (call ``.close()`` to stop it).

    Binding beyond localhost requires a login (``SOANTHAO_AUTH_USER``/``SOANTHAO_AUTH_PASSWORD``).
    Gradio's own upload cache is pointed inside the data folder, so uploaded files never leave it.

    Raises:
        InvalidRequestError: a non-local host without a login.
    """
    host = host or settings.host
    port = port if port is not None else settings.port
    auth = None
    if settings.auth_user and settings.auth_password:
        auth = (settings.auth_user, settings.auth_password)
    elif host not in LOCAL_HOSTS:
        raise InvalidRequestError(
            f"Mở ra ngoài máy ({host}) cần đặt SOANTHAO_AUTH_USER và SOANTHAO_AUTH_PASSWORD / "
            f"binding to {host} requires SOANTHAO_AUTH_USER and SOANTHAO_AUTH_PASSWORD"
        )
    data_dir = Path(settings.data_dir)
    (data_dir / "uploads").mkdir(parents=True, exist_ok=True)
    (data_dir / "exports").mkdir(parents=True, exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(data_dir / "tmp")   # read by Gradio when the app is built
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    services = Services(settings)
    try:   # load the model and index now: the first clerk should not wait, and errors show at start
        services.retriever
        services.registry
    except SoanThaoError as exc:
        logger.warning("index not loaded yet (upload documents in «Kho tài liệu» to build it): %s", exc)
    if _support_notice(services):
        logger.warning(services.support_notice)
    demo = build_app(services)
    demo.queue(default_concurrency_limit=4)
    demo.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=not block,
                allowed_paths=[str(data_dir / "exports")], show_error=True, quiet=not block,
                footer_links=["api"], ssr_mode=False, max_file_size="50mb")
    return demo
