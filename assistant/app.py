"""The clerk's door: a Gradio Blocks app, Vietnamese labels, offline, on 127.0.0.1 by default.

Each tab's main function is also a named API endpoint (``/draft``, ``/chat``, ``/lookup``,
``/compare_docs``, ``/compare_topic``, ``/upload``, ``/remove``, ``/check``, ``/search``,
``/audit``), so the tests — and a script — drive exactly what the page does through ``gradio_client``.
``AppLogic`` holds what each tab does without Gradio; ``build_app`` only wires widgets to it.

Run for many communes, the app takes identifiers, never paths: a document is named by its id in
the index, and nothing a client sends is opened as a file except Gradio's own uploads. Who may
change what comes from the logged-in account (``assistant.access``): a clerk uploads for their own
unit and may replace or remove only that unit's documents; an admin may do everything and reads
the audit log.
"""

import html
import json
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
from assistant.access.accounts import DB_NAME, LOCAL_ACCOUNT, Account
from assistant.access.audit import ACTIONS as AUDIT_ACTIONS
from assistant.access.audit import AUDIT_NAME, AuditLog
from assistant.access.ownership import Ownership, free_name, may_change
from assistant.errors import AccessDeniedError, DocumentNotFoundError, InvalidRequestError, SoanThaoError
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
    """Document text inside a chat message: shown as text (no HTML, link or image comes out of it)."""
    return render.md_literal(text)


def _shown(ref: str) -> str:
    """A client's identifier echoed in an error: one short line, nothing else added."""
    flat = " ".join(str(ref or "").split())
    return flat if len(flat) <= 80 else flat[:79] + "…"


class AppLogic:
    """What each tab does, without Gradio: testable directly and wrapped by ``build_app``.

    Example:
        >>> logic = AppLogic(Services(Settings()))            # doctest: +SKIP
        >>> logic.lookup("Luật thực hiện dân chủ ở cơ sở")["directives"][0]["id"]   # doctest: +SKIP
        '10/2022/QH15'
    """

    def __init__(self, services: Services, audit: AuditLog | None = None):
        self.services = services
        self.settings = services.settings
        self._build_lock = threading.Lock()
        self._names_lock = threading.Lock()        # choosing an upload's stored name, then copying it
        data_dir = Path(self.settings.data_dir)
        self.ownership = Ownership(data_dir / DB_NAME)
        self.audit = audit or AuditLog(data_dir / AUDIT_NAME)
        self.sweeper = None                        # assistant.retention.ExportSweeper, set by serve()

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
        if self.sweeper is not None:
            self.sweeper.poke()
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
        """Aligned sections of two indexed documents (by id) and their side-by-side HTML."""
        from assistant.compare import compare_documents, comparison_to_json, render_html

        if not doc_a or not doc_b:
            raise InvalidRequestError("Chọn hai văn bản để so sánh / choose two documents")
        docs = [self._indexed_document(ref) for ref in (doc_a, doc_b)]
        comparison = compare_documents(docs[0], docs[1], self.services.embedder, section=section or None)
        return comparison_to_json(comparison), render_html(comparison)

    def _indexed_document(self, ref: str):
        """An indexed document, parsed, named by its id in the index: the source name shown in the
        document list ("seeds/000_….txt", "bao-cao.txt" for an upload) or its doc id ("000_…").

        Nothing else is looked up: a path, absolute or relative, is just an unknown id, and the
        error is the same whether such a file exists or not.

        Raises:
            DocumentNotFoundError: no indexed document has that id.
        """
        from assistant.compare import resolve_document

        index = self.services.retriever.index
        ref = (ref or "").strip()
        record = index.manifest.files.get(ref)
        if record is None:
            sources = {c.source for c in index.chunks if c.doc_id == ref}
            record = index.manifest.files.get(sources.pop()) if len(sources) == 1 else None
        unknown = DocumentNotFoundError(
            f"Không có văn bản «{_shown(ref)}» trong kho; chọn một văn bản trong danh sách / "
            f"no indexed document with id {_shown(ref)!r}: pick one from the list")
        if record is None or not record.path:
            raise unknown
        try:
            return resolve_document(record.path, self.settings)
        except DocumentNotFoundError as exc:      # indexed, but its file is gone or unreadable now
            logger.warning("indexed document %s cannot be read: %s", record.source, exc)
            raise unknown from None

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
        """One row per file: source, title, unit, year, kind, chunk count, status, reason (rejected files
        too), and for uploads who added it and for which unit."""
        index = self.services.retriever.index
        first: dict[str, Any] = {}
        for chunk in index.chunks:
            first.setdefault(chunk.source, chunk.meta)
        uploads = self.services.uploads_dir.resolve()
        owners = self.ownership.all()
        rows = []
        for source, record in index.manifest.files.items():
            meta = first.get(source, {})
            uploaded = bool(record.path) and Path(record.path).resolve().parent == uploads
            title = " ".join(str(meta[k]) for k in ("title", "summary") if meta.get(k))
            title = title if len(title) <= 120 else title[:119] + "…"
            owner = owners.get(source) if uploaded else None
            rows.append([source, title, meta.get("unit"), meta.get("year"), meta.get("kind"), len(record.chunk_ids),
                         "đã tải lên" if uploaded else "kho mẫu", "", *_owner_cells(owner)])
        for rejected in index.manifest.extra.get("rejected", []):
            rows.append([rejected["source"], "", None, None, None, 0, "bị từ chối", rejected["reason"],
                         *_owner_cells(owners.get(rejected["source"]))])
        return sorted(rows, key=lambda r: str(r[0]))

    def document_sources(self) -> list[str]:
        """Indexed source names, for the comparison pickers."""
        return sorted(self.services.retriever.index.manifest.files)

    def upload(self, paths: list[str], progress: bool = False, account: Account = LOCAL_ACCOUNT,
               address: str = "") -> dict[str, Any]:
        """Copy uploads (sanitized names) into the data folder, recorded for ``account`` and its unit,
        then index them incrementally.

        A name already used by a document the account may not change (another unit's, a bundled
        one, or one uploaded earlier in the same batch) is stored under a free name instead
        (``bao-cao-2.txt``), reported in ``renamed``; the account's own unit's document of that name
        is replaced, reported in ``replaced``. Nothing is ever overwritten silently.
        """
        from index.model_identity import sha256_file

        if not paths:
            raise InvalidRequestError("Chưa chọn tệp nào / no file chosen")
        target_dir = self.services.uploads_dir
        target_dir.mkdir(parents=True, exist_ok=True)
        stored, replaced, renamed = [], [], {}
        with self._names_lock:
            taken = {p.name for p in target_dir.iterdir()} | self._indexed_sources()
            for p in paths:
                source = Path(p)
                if not source.is_file():
                    raise InvalidRequestError(
                        f"Không đọc được tệp tải lên: {source.name} / cannot read upload {source.name}")
                wanted = sanitize_filename(source.name)
                name = wanted
                existing = (target_dir / wanted).is_file()
                if wanted in stored or not existing or not may_change(account, self.ownership.get(wanted)):
                    name = free_name(wanted, taken | set(stored))
                if name != wanted:
                    renamed[wanted] = name
                elif existing:
                    replaced.append(name)
                shutil.copyfile(source, target_dir / name)
                self.ownership.record(name, account, source.name)
                taken.add(name)
                stored.append(name)
                self.audit.record(account.username, "replace" if name in replaced else "upload", name,
                                  address=address, unit=account.unit, original_name=source.name,
                                  sha256=sha256_file(target_dir / name),
                                  **({"renamed_from": wanted} if name != wanted else {}))
        report = self._rebuild(progress)
        report.update(stored=stored, replaced=replaced, renamed=renamed)
        return report

    def _indexed_sources(self) -> set[str]:
        try:
            return set(self.services.retriever.index.manifest.files)
        except SoanThaoError:              # no index yet: the first upload builds it
            return set()

    def remove(self, source: str, progress: bool = False, account: Account = LOCAL_ACCOUNT,
               address: str = "") -> dict[str, Any]:
        """Remove an uploaded document from the folder and from the index (bundled documents stay).

        Raises:
            AccessDeniedError: a clerk asked to remove another unit's document.
        """
        name = (source or "").strip()
        target = (self.services.uploads_dir / Path(name).name).resolve()
        if not name or not target.is_file() or target.parent != self.services.uploads_dir.resolve():
            raise InvalidRequestError(
                f"Chỉ xoá được tài liệu đã tải lên: «{_shown(name)}» / only uploaded documents can be removed"
            )
        owner = self.ownership.get(target.name)
        if not may_change(account, owner):
            self.audit.record(account.username, "denied", target.name, address=address, wanted="remove",
                              unit=account.unit, owner_unit=owner.unit if owner else None)
            raise AccessDeniedError(
                f"«{target.name}» là tài liệu của {owner.unit if owner and owner.unit else 'đơn vị khác'}; chỉ đơn vị "
                f"đó hoặc quản trị viên được xoá / only its own unit or an admin may remove {target.name!r}")
        target.unlink()
        self.ownership.forget(target.name)
        self.audit.record(account.username, "remove", target.name, address=address, unit=account.unit,
                          owner_unit=owner.unit if owner else None)
        return self._rebuild(progress)

    def audit_entries(self, account: Account, limit: int = 200, action: str = "") -> dict[str, Any]:
        """The audit log, newest first, for an admin; ``problems`` lists lines that break its chain.

        Raises:
            AccessDeniedError: the account is not an admin.
        """
        from dataclasses import asdict

        if not account.is_admin:
            raise AccessDeniedError("Chỉ quản trị viên xem được nhật ký / only an admin may read the audit log")
        entries = self.audit.entries(limit=max(1, min(int(limit or 200), 5000)), action=(action or "").strip() or None)
        return {"entries": [asdict(e) for e in entries], "problems": self.audit.verify()}

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
                   f"{_esc_md(request['kind'])} năm {_esc_md(request['year'])}…"), state
            draft = self.draft(request["section"], request["unit"], request["year"], request["kind"],
                               request["facts"])
            state.update(draft=draft, request=request)
            shown: list[str] = []
            for sent in draft.get("sentences", []):
                shown.append(render.sentence_markdown(sent))
                yield " ".join(shown), state
            yield render.draft_markdown(draft), state
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


def _owner_cells(owner) -> list[str]:
    """The "added by" and "for unit" cells of the document list ("" for bundled documents)."""
    return [owner.added_by, owner.unit or "(chung)"] if owner is not None else ["", ""]


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


def build_app(services: Services, gate: Any = None, logic: AppLogic | None = None):
    """The Blocks UI. Labels are Vietnamese; every main function has an ``api_name``.

    ``gate`` (``assistant.access.web.Gate``) is the login of a shared server; without it the app
    is one person's on 127.0.0.1 and that person acts as the local admin.
    """
    import gradio as gr

    logic = logic or AppLogic(services)
    settings = services.settings

    def who(request: gr.Request | None) -> tuple[Account, str]:
        """The logged-in account of a request and the client's address."""
        client = getattr(request, "client", None)
        peer = getattr(client, "host", "") or ""
        if gate is None:
            return LOCAL_ACCOUNT, peer
        account = gate.accounts.get(request.username) if request is not None and request.username else None
        if account is None:
            raise gr.Error("Chưa đăng nhập hoặc phiên đã hết hạn / not logged in or session expired")
        return account, gate.address(peer, request.headers.get("x-forwarded-for"))

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

    # Gradio's upload/download cache (data/tmp) is swept on the export retention too
    keep = int(settings.export_retention_hours * 3600)
    with gr.Blocks(title="Soạn Thảo", delete_cache=(min(3600, keep), keep)) as demo:
        gr.Markdown("# Soạn Thảo — trợ lý soạn thảo văn bản cấp xã (ngoại tuyến)")
        with gr.Row():
            whoami = gr.Markdown("", elem_id="st-whoami")
            gr.Button("Đăng xuất", link="/logout", size="sm", scale=0, visible=gate is not None, elem_id="st-logout")
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
                headers=["Tệp", "Tiêu đề", "Đơn vị", "Năm", "Loại", "Số đoạn", "Trạng thái", "Lý do",
                         "Người thêm", "Thêm cho đơn vị"],
                interactive=False, wrap=True, elem_id="st-docs",
                column_widths=["18%", "26%", "12%", "5%", "6%", "5%", "7%", "7%", "7%", "7%"],
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

            def on_upload(files, request: gr.Request, progress=gr.Progress(track_tqdm=True)):
                account, address = who(request)
                progress(0.0, desc="Đang lập chỉ mục…")
                report = _guarded(logic.upload)(files or [], True, account, address)
                return report, *refreshed()

            def on_remove(name, request: gr.Request, progress=gr.Progress(track_tqdm=True)):
                account, address = who(request)
                progress(0.0, desc="Đang cập nhật chỉ mục…")
                report = _guarded(logic.remove)(name, True, account, address)
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

        with gr.Tab("Quản trị", visible=gate is None) as admin_tab:
            gr.Markdown("Nhật ký đăng nhập và thay đổi kho tài liệu (chỉ quản trị viên) / audit log (admins only)")
            with gr.Row():
                a_limit = gr.Number(label="Số dòng mới nhất", value=200, precision=0)
                a_action = gr.Dropdown(["", *AUDIT_ACTIONS], value="", label="Loại sự kiện")
            a_btn = gr.Button("Xem nhật ký", variant="primary")
            a_view = gr.HTML(elem_id="st-audit")
            a_json = gr.JSON(label="Nhật ký (JSON)")

            def on_audit(limit, action, request: gr.Request):
                account, _ = who(request)
                result = _guarded(logic.audit_entries)(account, limit, action)
                return result, render_audit_html(result)

            a_btn.click(on_audit, [a_limit, a_action], [a_json, a_view], api_name="audit")

        with gr.Tab("Cài đặt"):
            settings_md = gr.Markdown("")

        def on_load(request: gr.Request):
            account, _ = who(request)
            session = (f"Đăng nhập: **{_esc_md(account.username)}** "
                       f"({'quản trị viên' if account.is_admin else 'cán bộ'}"
                       f"{', ' + _esc_md(account.unit) if account.unit else ''})"
                       if gate is not None else "")
            return (session, gr.update(visible=account.is_admin),
                    settings_text(settings, account, login=gate is not None), *refreshed())

        demo.load(on_load, None, [whoami, admin_tab, settings_md, docs_table, doc_a, doc_b], api_name=False)
    return demo


def render_audit_html(result: dict[str, Any]) -> str:
    """The audit entries as a table (every value escaped)."""
    esc = html.escape
    problems = "".join(f'<p class="st-problem">{esc(p)}</p>' for p in result.get("problems", []))
    rows = "".join(
        f"<tr><td>{e['seq']}</td><td>{esc(e['time'])}</td><td>{esc(e['who'])}</td><td>{esc(e['action'])}</td>"
        f"<td>{esc(e['target'])}</td><td>{esc(e['address'])}</td>"
        f"<td>{esc(json.dumps(e['detail'], ensure_ascii=False))}</td></tr>"
        for e in result.get("entries", []))
    return (render.DRAFT_CSS + problems + '<table class="st-table"><tr><th>#</th><th>Thời điểm (UTC)</th>'
            "<th>Ai</th><th>Việc</th><th>Đối tượng</th><th>Địa chỉ</th><th>Chi tiết</th></tr>" + rows + "</table>")


def settings_text(settings: Settings, account: Account, login: bool) -> str:
    """The settings tab: where things are (for an admin only) and which variables change them."""
    from assistant.backup import describe

    lines = [f"- Máy chủ LLM: `{'đã cấu hình' if settings.llm_base_url else 'không dùng'}`",
             f"- Đăng nhập: `{'bắt buộc' if login else 'không (chỉ máy này)'}`; phiên hết hạn sau "
             f"{settings.session_idle_minutes:g} phút không dùng, tối đa {settings.session_max_hours:g} giờ",
             f"- Bản .docx xuất ra được xoá sau {settings.export_retention_hours:g} giờ"]
    if account.is_admin:
        lines += [f"- Kho văn bản mẫu: `{settings.corpus_dir}`", f"- Địa chỉ: `{settings.host}:{settings.port}`",
                  "", "```", describe(settings.data_dir).rstrip(), "```",
                  "Tài khoản: `soanthao users add|remove|passwd|list`. Đổi cấu hình bằng biến môi trường "
                  "`SOANTHAO_*` (README «Máy chủ dùng chung»)."]
    return "\n".join(lines)


def serve(settings: Settings, host: str | None = None, port: int | None = None, block: bool = True):
    """Start the app; returns the running ``gr.Blocks`` (call ``.close()`` to stop it).

    When any account exists (``soanthao users add``, or ``SOANTHAO_AUTH_USER``/``_PASSWORD``), every
    route needs a login (``assistant.access.web``), on any address; binding beyond localhost without
    an account is refused. Gradio's own upload cache is pointed inside the data folder, so uploaded
    files never leave it; exported drafts are removed after ``export_retention_hours``.

    Raises:
        InvalidRequestError: a non-local host without any account.
    """
    from assistant.access.accounts import accounts_for
    from assistant.access.sessions import SessionStore
    from assistant.access.throttle import LoginThrottle
    from assistant.access.web import AccessGuard, Gate
    from assistant.retention import ExportSweeper

    host = host or settings.host
    port = port if port is not None else settings.port
    data_dir = Path(settings.data_dir)
    accounts = accounts_for(data_dir, settings.auth_user, settings.auth_password, settings.auth_unit)
    if not accounts.any and host not in LOCAL_HOSTS:
        raise InvalidRequestError(
            f"Mở ra ngoài máy ({host}) cần tài khoản: `soanthao users add` hoặc đặt SOANTHAO_AUTH_USER và "
            f"SOANTHAO_AUTH_PASSWORD / binding to {host} requires accounts (`soanthao users add`) or "
            "SOANTHAO_AUTH_USER and SOANTHAO_AUTH_PASSWORD"
        )
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
    audit = AuditLog(data_dir / AUDIT_NAME)
    gate = None
    launch_login: dict[str, Any] = {}
    if accounts.any:
        from starlette.middleware import Middleware

        proxies = tuple(p.strip() for p in settings.trusted_proxies.split(",") if p.strip())
        gate = Gate(accounts, SessionStore(settings.session_idle_minutes * 60, settings.session_max_hours * 3600),
                    LoginThrottle(), audit, proxies)
        launch_login = {"auth_dependency": gate.auth_dependency,
                        "app_kwargs": {"middleware": [Middleware(AccessGuard, gate=gate)]}}
    logic = AppLogic(services, audit)
    logic.sweeper = ExportSweeper(
        data_dir / "exports", settings.export_retention_hours * 3600,
        on_removed=lambda names: audit.record("system", "exports_removed", "exports/", count=len(names)),
    ).start()
    demo = build_app(services, gate, logic)
    demo.queue(default_concurrency_limit=4)
    demo.launch(server_name=host, server_port=port, prevent_thread_lock=not block,
                allowed_paths=[str(data_dir / "exports")], show_error=True, quiet=not block,
                footer_links=["api"], ssr_mode=False, max_file_size="50mb", enable_monitoring=False,
                **launch_login)
    return demo
