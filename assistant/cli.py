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


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
