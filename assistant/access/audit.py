"""The audit log: who logged in, and who added, replaced or removed which document, and when.

One JSON object a line in ``data/audit.jsonl``, only ever appended (the file is opened in append
mode under an exclusive lock, so the server and ``soanthao users`` can both write). Each entry
carries the SHA-256 of the one before it, so an edited or deleted line breaks the chain and
``verify`` names the first line that no longer fits.

Example:
    >>> log = AuditLog(Path("/tmp/x/audit.jsonl"))                                 # doctest: +SKIP
    >>> log.record("ngocky.vanthu", "upload", "bao-cao.txt", address="10.0.0.5", unit="UBND xã Ngọc Kỳ")  # doctest: +SKIP
    >>> log.entries(limit=1)[0].action                                              # doctest: +SKIP
    'upload'
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.access.accounts import now_iso

AUDIT_NAME = "audit.jsonl"
GENESIS = "0" * 64
#: Actions written by the app and the CLI (the log accepts others; these are the ones to look for).
ACTIONS = ("login", "login_failed", "login_throttled", "logout", "upload", "replace", "remove", "denied",
           "user_add", "user_remove", "user_passwd", "exports_removed")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    time: str
    who: str
    action: str
    target: str = ""
    address: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    prev: str = GENESIS
    hash: str = ""

    def digest(self) -> str:
        body = {k: v for k, v in asdict(self).items() if k != "hash"}
        return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


class AuditLog:
    """Append and read ``audit.jsonl``."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def record(self, who: str, action: str, target: str = "", address: str = "", **detail: Any) -> AuditEntry:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)
            try:
                last = self._last()
                entry = AuditEntry(seq=last.seq + 1 if last else 1, time=now_iso(), who=who, action=action,
                                   target=str(target)[:300], address=address, detail=detail,
                                   prev=last.hash if last else GENESIS)
                entry = AuditEntry(**{**asdict(entry), "hash": entry.digest()})
                out.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
                out.flush()
            finally:
                fcntl.flock(out, fcntl.LOCK_UN)
        return entry

    def entries(self, limit: int | None = None, action: str | None = None) -> list[AuditEntry]:
        """Newest first; ``action`` keeps only that kind of entry."""
        found = [e for e in self._read() if action is None or e.action == action]
        found.reverse()
        return found[:limit] if limit else found

    def verify(self) -> list[str]:
        """Problems of the chain (empty when every line is intact and in order)."""
        problems, prev, seq = [], GENESIS, 0
        for line_no, entry in enumerate(self._read(strict=False), start=1):
            if entry is None:
                problems.append(f"dòng {line_no}: không đọc được / line {line_no}: unreadable")
                continue
            if entry.prev != prev or entry.seq != seq + 1:
                problems.append(f"dòng {line_no}: đứt chuỗi (thiếu hoặc bị chèn dòng) / line {line_no}: chain broken")
            if entry.hash != entry.digest():
                problems.append(f"dòng {line_no}: nội dung bị sửa / line {line_no}: entry altered")
            prev, seq = entry.hash, entry.seq
        return problems

    def _read(self, strict: bool = True) -> list[Any]:
        if not self.path.exists():
            return []
        out: list[Any] = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                out.append(AuditEntry(**json.loads(line)))
            except (ValueError, TypeError):
                if not strict:
                    out.append(None)
        return out

    def _last(self) -> AuditEntry | None:
        """The last entry, read from the file's tail (another process may have appended since)."""
        size = self.path.stat().st_size if self.path.exists() else 0
        if not size:
            return None
        with open(self.path, "rb") as f:
            f.seek(max(0, size - 65536))
            tail = f.read().decode("utf-8", errors="replace").splitlines()
        for line in reversed(tail):
            try:
                return AuditEntry(**json.loads(line))
            except (ValueError, TypeError):
                continue
        return None
