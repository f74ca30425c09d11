"""Login sessions that end: after a quiet spell (idle limit) and after a working day (absolute limit).

Gradio's own login keeps a token for as long as the server runs; here each session carries the
time it was opened and last used, and the account's password epoch, so a changed password or a
removed account ends it too. Sessions live in the server's memory: a restart logs everyone out.

Example:
    >>> store = SessionStore(idle_seconds=3600, max_seconds=12 * 3600)
    >>> token = store.open("a", epoch=0, address="10.0.0.5")
    >>> store.check(token).username
    'a'
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable


@dataclass(frozen=True)
class Session:
    username: str
    epoch: int
    address: str
    opened: float
    last_seen: float


class SessionStore:
    """Tokens (256 random bits) → sessions; expired ones are dropped when next seen."""

    def __init__(self, idle_seconds: float, max_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, username: str, epoch: int, address: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._prune(now)
            self._sessions[token] = Session(username, epoch, address, now, now)
        return token

    def check(self, token: str | None, touch: bool = True) -> Session | None:
        """The live session of ``token`` (its idle clock restarted when ``touch``), or None."""
        if not token:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if self._expired(session, now):
                del self._sessions[token]
                return None
            if touch:
                session = self._sessions[token] = replace(session, last_seen=now)
            return session

    def close(self, token: str | None) -> Session | None:
        with self._lock:
            return self._sessions.pop(token or "", None)

    def close_user(self, username: str) -> int:
        """End every session of ``username`` (removed account); returns how many."""
        with self._lock:
            tokens = [t for t, s in self._sessions.items() if s.username == username]
            for t in tokens:
                del self._sessions[t]
        return len(tokens)

    def _expired(self, session: Session, now: float) -> bool:
        return now - session.last_seen > self.idle_seconds or now - session.opened > self.max_seconds

    def _prune(self, now: float) -> None:
        for token in [t for t, s in self._sessions.items() if self._expired(s, now)]:
            del self._sessions[token]
