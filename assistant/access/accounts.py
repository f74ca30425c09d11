"""Accounts a district IT officer can run: argon2 password hashes in one SQLite file.

SQLite (standard library) rather than a JSON file because ``soanthao users add`` runs in another
process while the server is up: every login reads the current table, so a new clerk can log in and
a removed one cannot, without a restart. Passwords are hashed with argon2id (``argon2-cffi``); the
file never holds a password. ``epoch`` grows on every password change, which ends the sessions
opened with the old password.

The single-user variables ``SOANTHAO_AUTH_USER``/``SOANTHAO_AUTH_PASSWORD`` keep working: they add
one admin account that lives only in the server's environment.

Example:
    >>> book = AccountStore(Path("/tmp/x/access.sqlite3"))                      # doctest: +SKIP
    >>> book.add("ngocky.vanthu", "mat-khau-dai", role="clerk", unit="UBND xã Ngọc Kỳ")  # doctest: +SKIP
    >>> book.authenticate("ngocky.vanthu", "mat-khau-dai").unit                 # doctest: +SKIP
    'UBND xã Ngọc Kỳ'
"""

from __future__ import annotations

import hmac
import re
import sqlite3
import threading
import unicodedata
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from assistant.errors import AccountError
from assistant.intent import fold

Role = Literal["clerk", "admin"]
ROLES: tuple[str, ...] = ("clerk", "admin")
DB_NAME = "access.sqlite3"
MIN_PASSWORD_LENGTH = 8
USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
#: Who acts when the app runs on 127.0.0.1 with no account at all (one person on their own PC).
LOCAL_USER = "local"

# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): tens of ms a check on a busy
# 2-core server, so 20 clerks logging in at once wait about a second (argon2-cffi's default, 64 MiB ×
# 3 passes, took ~0.6 s a check here under load and timed logins out). Two at a time, so a burst queues
# instead of exhausting memory. Hashes made with other parameters are re-hashed at the next login.
ARGON2 = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
_HASHING = threading.BoundedSemaphore(2)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('clerk', 'admin')),
    unit TEXT NOT NULL DEFAULT '',
    epoch INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    source TEXT PRIMARY KEY,
    added_by TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL,
    original_name TEXT NOT NULL DEFAULT ''
);
"""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_READY: set[Path] = set()     # databases whose tables this process has already made sure of


def connect(path: Path) -> sqlite3.Connection:
    """Open (and on first use create, readable by its owner only) the access database."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        _READY.discard(path)
    conn = sqlite3.connect(path, timeout=30)
    if path not in _READY:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        _READY.add(path)
    return conn


@dataclass(frozen=True)
class Account:
    """A person who may log in. ``unit`` is the commune/ward a clerk works for ("" for a district admin)."""

    username: str
    role: Role
    unit: str = ""
    epoch: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def same_unit(self, unit: str | None) -> bool:
        """True when ``unit`` names this account's unit (accents, case and spacing ignored)."""
        return bool(self.unit.strip()) and fold(self.unit) == fold(unit or "")


LOCAL_ACCOUNT = Account(LOCAL_USER, "admin")


def normalize_username(name: str) -> str:
    """NFC, trimmed, lower-case; raises ``AccountError`` unless it is 2–64 of a-z 0-9 . _ @ -."""
    clean = unicodedata.normalize("NFC", (name or "").strip()).lower()
    if not USERNAME.fullmatch(clean):
        raise AccountError(
            f"Tên đăng nhập «{clean[:40]}» không hợp lệ: 2–64 ký tự a-z, 0-9, '.', '_', '@', '-' / "
            "invalid username: 2-64 characters a-z 0-9 . _ @ -"
        )
    return clean


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự / password needs at least "
            f"{MIN_PASSWORD_LENGTH} characters"
        )


class AccountStore:
    """The ``users`` table of ``data/access.sqlite3``: add, remove, change password, list, authenticate."""

    def __init__(self, path: Path):
        from argon2 import PasswordHasher

        self.path = Path(path)
        self._hasher = PasswordHasher(**ARGON2)
        # verified when the user is unknown, so a wrong name costs as long as a wrong password
        self._dummy_hash = self._hasher.hash("soanthao-no-such-user")

    def _hash(self, password: str) -> str:
        with _HASHING:
            return self._hasher.hash(password)

    def add(self, username: str, password: str, role: str = "clerk", unit: str = "") -> Account:
        """Create an account. A clerk needs a unit: it decides which documents the clerk may change."""
        name = normalize_username(username)
        if role not in ROLES:
            raise AccountError(f"Vai trò «{role}» không có; chọn {' hoặc '.join(ROLES)} / role must be clerk or admin")
        unit = unicodedata.normalize("NFC", " ".join((unit or "").split()))
        if role == "clerk" and not unit:
            raise AccountError("Cán bộ (clerk) cần --unit, ví dụ «UBND xã Ngọc Kỳ» / a clerk needs --unit")
        _check_password(password)
        stamp = now_iso()
        with closing(connect(self.path)) as conn, conn:
            try:
                conn.execute("INSERT INTO users VALUES (?, ?, ?, ?, 0, ?, ?)",
                             (name, self._hash(password), role, unit, stamp, stamp))
            except sqlite3.IntegrityError as exc:
                raise AccountError(f"Tài khoản «{name}» đã có / account {name!r} already exists") from exc
        return Account(name, role, unit)  # type: ignore[arg-type]

    def remove(self, username: str) -> Account:
        account = self._require(username)
        with closing(connect(self.path)) as conn, conn:
            conn.execute("DELETE FROM users WHERE username = ?", (account.username,))
        return account

    def set_password(self, username: str, password: str) -> Account:
        """New password; the epoch grows, so sessions opened with the old one end at their next request."""
        account = self._require(username)
        _check_password(password)
        with closing(connect(self.path)) as conn, conn:
            conn.execute("UPDATE users SET password_hash = ?, epoch = epoch + 1, changed_at = ? WHERE username = ?",
                         (self._hash(password), now_iso(), account.username))
        return self._require(account.username)

    def get(self, username: str) -> Account | None:
        row = self._row(username)
        return None if row is None else Account(row[0], row[2], row[3], row[4])

    def list(self) -> list[Account]:
        if not self.path.exists():
            return []
        with closing(connect(self.path)) as conn:
            rows = conn.execute("SELECT username, role, unit, epoch FROM users ORDER BY username").fetchall()
        return [Account(*row) for row in rows]

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account when the password matches its hash, else None (same cost either way)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        row = self._row(username)
        stored = row[1] if row else self._dummy_hash
        try:
            with _HASHING:
                self._hasher.verify(stored, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if self._hasher.check_needs_rehash(stored):   # argon2 parameters raised since it was stored
            with closing(connect(self.path)) as conn, conn:
                conn.execute("UPDATE users SET password_hash = ? WHERE username = ?", (self._hash(password), row[0]))
        return Account(row[0], row[2], row[3], row[4])

    def _row(self, username: str) -> tuple | None:
        if not self.path.exists():
            return None
        try:
            name = normalize_username(username)
        except AccountError:
            return None
        with closing(connect(self.path)) as conn:
            return conn.execute("SELECT username, password_hash, role, unit, epoch FROM users WHERE username = ?",
                                (name,)).fetchone()

    def _require(self, username: str) -> Account:
        account = self.get(username)
        if account is None:
            raise AccountError(f"Không có tài khoản «{str(username)[:64]}» / no account {username!r}")
        return account


class Accounts:
    """Everyone who may log in: the accounts file plus, when set, the single environment admin.

    Args:
        store: the accounts file.
        env_user, env_password: ``SOANTHAO_AUTH_USER``/``SOANTHAO_AUTH_PASSWORD``; their account is an admin.
        env_unit: that admin's unit (``SOANTHAO_AUTH_UNIT``, optional).
    """

    def __init__(self, store: AccountStore, env_user: str | None = None, env_password: str | None = None,
                 env_unit: str = ""):
        self.store = store
        self._env: Account | None = None
        self._env_password = env_password or ""
        if env_user and env_password:
            self._env = Account(normalize_username(env_user), "admin", env_unit or "")

    @property
    def any(self) -> bool:
        """True when at least one account exists: then every route needs a login, on any address."""
        return self._env is not None or bool(self.store.list())

    def get(self, username: str) -> Account | None:
        if self._env is not None and username == self._env.username:
            return self._env
        return self.store.get(username)

    def authenticate(self, username: str, password: str) -> Account | None:
        if self._env is not None:
            try:
                name = normalize_username(username)
            except AccountError:
                name = ""
            if name == self._env.username:
                ok = hmac.compare_digest((password or "").encode("utf-8"), self._env_password.encode("utf-8"))
                return self._env if ok else None
        return self.store.authenticate(username, password)


def accounts_for(data_dir: Path, env_user: str | None = None, env_password: str | None = None,
                 env_unit: str = "") -> Accounts:
    return Accounts(AccountStore(Path(data_dir) / DB_NAME), env_user, env_password, env_unit)
