"""Exported drafts do not pile up: ``exports/<random>/du-thao.docx`` older than the configured age
(``SOANTHAO_EXPORT_RETENTION_HOURS``) are removed when the app starts, after each export (at
most once a minute) and every hour while it runs.

A draft may hold a commune's figures; a clerk downloads it at once, so the server has no reason
to keep it for long.

Example:
    >>> removed = purge_exports(Path("data/exports"), max_age_seconds=24 * 3600)   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path
from typing import Callable

logger = logging.getLogger(__name__)

SWEEP_EVERY_S = 3600.0
MIN_GAP_S = 60.0


def purge_exports(exports_dir: Path, max_age_seconds: float, now: float | None = None) -> list[str]:
    """Remove every entry of ``exports_dir`` last modified more than ``max_age_seconds`` ago; their names."""
    exports_dir = Path(exports_dir)
    if not exports_dir.is_dir():
        return []
    now = time.time() if now is None else now
    removed = []
    for entry in sorted(exports_dir.iterdir()):
        try:
            newest = max([entry.stat().st_mtime] + [p.stat().st_mtime for p in entry.rglob("*")])
            if now - newest <= max_age_seconds:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry.name)
        except FileNotFoundError:     # removed meanwhile by another sweep
            continue
    return removed


class ExportSweeper:
    """Calls ``purge_exports`` now, then hourly in a daemon thread, and on ``poke`` (≥ a minute apart)."""

    def __init__(self, exports_dir: Path, max_age_seconds: float,
                 on_removed: Callable[[list[str]], None] | None = None):
        self.exports_dir = Path(exports_dir)
        self.max_age_seconds = max_age_seconds
        self._on_removed = on_removed
        self._last = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def sweep(self) -> list[str]:
        with self._lock:
            self._last = time.monotonic()
            removed = purge_exports(self.exports_dir, self.max_age_seconds)
        if removed:
            logger.info("removed %d export(s) older than %.0f h", len(removed), self.max_age_seconds / 3600)
            if self._on_removed:
                self._on_removed(removed)
        return removed

    def poke(self) -> None:
        if time.monotonic() - self._last >= MIN_GAP_S:
            self.sweep()

    def start(self) -> "ExportSweeper":
        self.sweep()

        def loop() -> None:
            while not self._stop.wait(SWEEP_EVERY_S):
                self.sweep()

        threading.Thread(target=loop, name="soanthao-export-sweeper", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
