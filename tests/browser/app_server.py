"""A real Soạn Thảo server for tests: a copy of the session's real index, a free loopback port.

The copy keeps the shared session index (``tests/real_index.py``) untouched by uploads,
removals, exports and Gradio's upload cache, which all live in the served data folder.
"""

from __future__ import annotations

import shutil
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from index.settings import Settings


@dataclass(frozen=True)
class RunningApp:
    url: str
    settings: Settings
    demo: object


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_data_dir(source: Path, target: Path) -> Path:
    """Copy the index folder only (not uploads/exports of earlier runs)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(Path(source) / "index", target / "index")
    return target


@contextmanager
def running_app(real_index, data_dir: Path, accounts: tuple[tuple[str, str, str, str], ...] = (),
                copy_index: bool = True, **settings: object) -> Iterator[RunningApp]:
    """Serve a copy of ``real_index``'s data folder on 127.0.0.1 in a background thread; close on exit.

    ``accounts`` — (user, password, role, unit) — are added first, so every route needs a login;
    ``settings`` override the server's settings (session limits, trusted proxies …).
    """
    from assistant.access.accounts import AccountStore
    from assistant.app import serve

    if copy_index:
        copy_data_dir(real_index.settings.data_dir, data_dir)
    for user, password, role, unit in accounts:
        AccountStore(Path(data_dir) / "access.sqlite3").add(user, password, role, unit)
    settings = real_index.settings.model_copy(update={"data_dir": data_dir, "host": "127.0.0.1",
                                                      "port": free_port(), **settings})
    demo = serve(settings, block=False)
    try:
        yield RunningApp(url=f"http://127.0.0.1:{settings.port}/", settings=settings, demo=demo)
    finally:
        demo.close()
