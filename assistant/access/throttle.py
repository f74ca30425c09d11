"""Failed-login limits per account and per client address.

Each key (an account name, an address) counts its failures in a sliding window. From the
``max_failures``-th failure on, the key is locked for ``base_lock_seconds``, doubled for every
further failure, up to ``max_lock_seconds``. While locked, nothing is checked — not even the right
password — so guessing cannot go on behind the lock. A success clears the account's count (not the
address's: one office address may be shared by many clerks, hence its higher limit).

Example:
    >>> t = LoginThrottle()
    >>> for _ in range(5):
    ...     t.failed("a", "10.0.0.5")
    >>> t.refusal("a", "10.0.0.5").scope
    'account'
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Literal


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    window_seconds: float
    base_lock_seconds: float
    max_lock_seconds: float


ACCOUNT_POLICY = ThrottlePolicy(max_failures=5, window_seconds=900, base_lock_seconds=30, max_lock_seconds=900)
ADDRESS_POLICY = ThrottlePolicy(max_failures=20, window_seconds=900, base_lock_seconds=60, max_lock_seconds=900)
#: Keys kept at most per scope; older ones are dropped first (a spray of random names stays bounded).
MAX_KEYS = 50_000


@dataclass(frozen=True)
class Refusal:
    """Why a login is not even checked: which limit, and in how many seconds to try again."""

    scope: Literal["account", "address"]
    retry_after: int

    @property
    def message(self) -> str:
        who = "tài khoản này" if self.scope == "account" else "địa chỉ máy này"
        en = "this account" if self.scope == "account" else "this address"
        return (f"Đăng nhập sai quá nhiều lần cho {who}. Vui lòng thử lại sau {self.retry_after} giây. / "
                f"Too many failed logins for {en}: try again in {self.retry_after} s.")


class _Counter:
    def __init__(self, policy: ThrottlePolicy):
        self.policy = policy
        self.failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self.failures.get(key, deque())
        while times and now - times[0] > self.policy.window_seconds:
            times.popleft()
        return times

    def locked_for(self, key: str, now: float) -> float:
        times = self._recent(key, now)
        over = len(times) - self.policy.max_failures
        if over < 0:
            return 0.0
        lock = min(self.policy.base_lock_seconds * 2 ** over, self.policy.max_lock_seconds)
        return max(0.0, times[-1] + lock - now)

    def add(self, key: str, now: float) -> None:
        times = self._recent(key, now)
        times.append(now)
        self.failures.pop(key, None)
        self.failures[key] = times            # most recent last, so the oldest keys are dropped first
        while len(self.failures) > MAX_KEYS:
            self.failures.pop(next(iter(self.failures)))

    def clear(self, key: str) -> None:
        self.failures.pop(key, None)


class LoginThrottle:
    """Decides, before a password is checked, whether this attempt is answered at all."""

    def __init__(self, account_policy: ThrottlePolicy = ACCOUNT_POLICY,
                 address_policy: ThrottlePolicy = ADDRESS_POLICY, clock: Callable[[], float] = time.monotonic):
        self._account = _Counter(account_policy)
        self._address = _Counter(address_policy)
        self._clock = clock
        self._lock = threading.Lock()

    def refusal(self, username: str, address: str) -> Refusal | None:
        now = self._clock()
        with self._lock:
            waits = [("account", self._account.locked_for(username, now)),
                     ("address", self._address.locked_for(address, now))]
        scope, wait = max(waits, key=lambda w: w[1])
        return Refusal(scope, math.ceil(wait)) if wait > 0 else None  # type: ignore[arg-type]

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            self._account.add(username, now)
            self._address.add(address, now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._account.clear(username)
