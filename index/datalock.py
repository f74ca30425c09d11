"""One index update at a time per data folder: a lock file that a second ``soanthao index`` waits on.

Why: an index run reads the previous manifest, ingests, embeds and swaps in a whole new
index folder. Two runs at once (two terminals, or the command line and an upload in the app)
each start from the same old manifest, and the one that swaps last silently drops what the
other added. Holding ``<data_dir>/.index.lock`` from reading the manifest to the swap makes
the second run start from the first one's result, so no update is lost.

The lock is an OS file lock (``filelock``: ``flock`` on POSIX), released by the kernel when
its process dies, so a killed run never leaves the folder locked. Who holds it (pid, start
time, what) is written beside it, for the waiting run's message. Readers never take it; they
only ask ``update_in_progress`` before repairing a swap that looks interrupted, because in a
running build that state is the swap itself.

Example:
    >>> with index_lock(Settings(data_dir="/tmp/x")):   # doctest: +SKIP
    ...     build()
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from filelock import FileLock, Timeout

from index.errors import IndexBusyError

logger = logging.getLogger(__name__)

LOCK_NAME = ".index.lock"
OWNER_NAME = ".index.lock.owner"


def _lock(data_dir: Path) -> FileLock:
    # One instance per path (is_singleton): re-entrant in the thread that holds it, exclusive
    # against other threads and processes.
    return FileLock(str(Path(data_dir) / LOCK_NAME), is_singleton=True)


def _owner(data_dir: Path) -> str:
    """"pid 1234 on host, since 10:02:11 (soanthao index)" from the owner file, or "" when unknown."""
    try:
        data = json.loads((Path(data_dir) / OWNER_NAME).read_text(encoding="utf-8"))
        return f"pid {data['pid']} on {data['host']}, since {data['started']} ({data['what']})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def busy_message(data_dir: Path, waited: float | None = None) -> str:
    """Why the data folder is busy, in Vietnamese and English."""
    who = _owner(data_dir)
    who = f" ({who})" if who else ""
    if waited is None:
        return (f"Một lần cập nhật chỉ mục khác đang chạy trên {data_dir}{who}; chờ nó xong… / Another index update "
                f"is running on {data_dir}{who}; waiting for it to finish…")
    return (f"Một lần cập nhật chỉ mục khác vẫn đang chạy trên {data_dir}{who} sau {waited:.0f} giây chờ; chạy lại "
            f"khi nó xong (hoặc tăng SOANTHAO_INDEX_LOCK_TIMEOUT). / Another index update is still running on "
            f"{data_dir}{who} after waiting {waited:.0f} s; run again when it has finished (or raise "
            "SOANTHAO_INDEX_LOCK_TIMEOUT).")


@contextmanager
def index_lock(settings: Any, on_wait: Callable[[str], None] | None = None,
               what: str | None = None) -> Iterator[None]:
    """Hold the data folder's index lock for the body; wait up to ``settings.index_lock_timeout`` s for it.

    Args:
        settings: ``data_dir`` and ``index_lock_timeout``.
        on_wait: told once, with a readable message, when another run holds the lock.
        what: recorded as the holder ("soanthao index", "app upload"); default: the command line.

    Raises:
        IndexBusyError: the other run did not finish within the timeout.
        OSError: the lock file cannot be created (read-only or full data folder).
    """
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = _lock(data_dir)
    nested = lock.is_locked
    try:
        lock.acquire(timeout=0)
    except Timeout:
        message = busy_message(data_dir)
        if on_wait is not None:
            on_wait(message)
        else:
            logger.warning("%s", message)
        started = time.monotonic()
        try:
            lock.acquire(timeout=settings.index_lock_timeout)
        except Timeout as exc:
            raise IndexBusyError(busy_message(data_dir, time.monotonic() - started)) from exc
    owner = data_dir / OWNER_NAME
    try:
        if not nested:
            owner.write_text(json.dumps({
                "pid": os.getpid(), "host": socket.gethostname(),
                "started": datetime.now().isoformat(timespec="seconds"),
                "what": what or " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:2])}), encoding="utf-8")
        yield
    finally:
        if not nested:
            owner.unlink(missing_ok=True)
        lock.release()


def update_in_progress(data_dir: Path) -> bool:
    """True while another thread or process holds the data folder's index lock (False in its holder).

    A reader never creates the lock file: no file means no index run has ever locked this folder.
    """
    if not (Path(data_dir) / LOCK_NAME).exists():
        return False
    lock = _lock(Path(data_dir))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:        # the lock file cannot even be created: nobody can be updating this folder
        return False
    lock.release()
    return False
