"""Who added each uploaded document and for which unit, and who may change it.

Kept in the ``documents`` table of ``data/access.sqlite3`` beside the accounts, keyed by the
document's id in the index (its stored upload name). The rule: an admin may change anything; a
clerk may replace or remove only documents recorded for their own unit. An upload with no record
(added before accounts existed) belongs to no unit, so only an admin may change it.

Example:
    >>> owners = Ownership(Path("data/access.sqlite3"))                         # doctest: +SKIP
    >>> owners.record("bao-cao.txt", clerk, "Báo cáo.txt")                      # doctest: +SKIP
    >>> may_change(other_unit_clerk, owners.get("bao-cao.txt"))                 # doctest: +SKIP
    False
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from assistant.access.accounts import Account, connect, now_iso


@dataclass(frozen=True)
class Owner:
    """The record of one uploaded document."""

    source: str
    added_by: str
    unit: str
    added_at: str
    original_name: str = ""


def may_change(account: Account, owner: Owner | None) -> bool:
    """True when ``account`` may replace or remove the document ``owner`` describes."""
    if account.is_admin:
        return True
    return owner is not None and account.same_unit(owner.unit)


def free_name(name: str, taken: set[str]) -> str:
    """``name`` itself when free, else ``stem-2.ext``, ``stem-3.ext`` … (never another's file)."""
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while (candidate := f"{stem}-{n}" + (f".{ext}" if ext else "")) in taken:
        n += 1
    return candidate


class Ownership:
    """The ``documents`` table: one row per uploaded document."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def get(self, source: str) -> Owner | None:
        if not self.path.exists():
            return None
        with closing(connect(self.path)) as conn:
            row = conn.execute("SELECT source, added_by, unit, added_at, original_name FROM documents "
                               "WHERE source = ?", (source,)).fetchone()
        return Owner(*row) if row else None

    def all(self) -> dict[str, Owner]:
        if not self.path.exists():
            return {}
        with closing(connect(self.path)) as conn:
            rows = conn.execute("SELECT source, added_by, unit, added_at, original_name FROM documents").fetchall()
        return {row[0]: Owner(*row) for row in rows}

    def record(self, source: str, account: Account, original_name: str = "") -> Owner:
        owner = Owner(source, account.username, account.unit, now_iso(), original_name)
        with closing(connect(self.path)) as conn, conn:
            conn.execute("INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?)",
                         (owner.source, owner.added_by, owner.unit, owner.added_at, owner.original_name))
        return owner

    def forget(self, source: str) -> None:
        with closing(connect(self.path)) as conn, conn:
            conn.execute("DELETE FROM documents WHERE source = ?", (source,))
