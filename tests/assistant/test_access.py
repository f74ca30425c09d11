"""Accounts, document owners, sessions, throttling, the audit log and the login guard, without the
Gradio app: real argon2 hashes, a real SQLite file, a real ASGI stack (Starlette's test client).
The same pieces are driven through the real server in ``test_app_shared.py``.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from assistant.access.accounts import AccountStore, accounts_for
from assistant.access.audit import AuditLog
from assistant.access.ownership import Ownership, free_name, may_change
from assistant.access.sessions import SessionStore
from assistant.access.throttle import LoginThrottle, ThrottlePolicy
from assistant.access.web import COOKIE, AccessGuard, Gate
from assistant.errors import AccountError


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path):
    return AccountStore(tmp_path / "access.sqlite3")


def test_accounts_hash_passwords_and_check_them(store, tmp_path):
    store.add("Ngocky.VanThu", "mat-khau-dai-1", role="clerk", unit="UBND xã Ngọc Kỳ")
    store.add("huyen.admin", "mat-khau-dai-2", role="admin")
    raw = (tmp_path / "access.sqlite3").read_bytes()
    assert b"mat-khau-dai-1" not in raw                                   # never stored in clear
    with sqlite3.connect(tmp_path / "access.sqlite3") as conn:
        hashes = [h for (h,) in conn.execute("SELECT password_hash FROM users")]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert (tmp_path / "access.sqlite3").stat().st_mode & 0o077 == 0      # owner-only file
    clerk = store.authenticate("ngocky.vanthu", "mat-khau-dai-1")         # names are case-insensitive
    assert clerk is not None and clerk.role == "clerk" and clerk.unit == "UBND xã Ngọc Kỳ"
    assert store.authenticate("ngocky.vanthu", "mat-khau-sai") is None
    assert store.authenticate("no.such.user", "mat-khau-dai-1") is None
    assert [a.username for a in store.list()] == ["huyen.admin", "ngocky.vanthu"]


@pytest.mark.parametrize(("args", "message"), [
    (("ab", "short", "clerk", "UBND xã A"), "ít nhất 8"),
    (("../etc", "long-enough-1", "clerk", "UBND xã A"), "không hợp lệ"),
    (("a.clerk", "long-enough-1", "clerk", ""), "cần --unit"),
    (("a.clerk", "long-enough-1", "root", ""), "Vai trò"),
])
def test_bad_accounts_are_refused_with_the_reason(store, args, message):
    with pytest.raises(AccountError, match=message):
        store.add(*args)


def test_password_change_bumps_epoch_and_remove_forgets(store):
    store.add("a.clerk", "long-enough-1", "clerk", "UBND xã A")
    with pytest.raises(AccountError, match="đã có"):
        store.add("A.Clerk", "long-enough-2", "clerk", "UBND xã A")
    changed = store.set_password("a.clerk", "long-enough-3")
    assert changed.epoch == 1
    assert store.authenticate("a.clerk", "long-enough-1") is None
    assert store.authenticate("a.clerk", "long-enough-3") is not None
    store.remove("a.clerk")
    assert store.get("a.clerk") is None
    with pytest.raises(AccountError, match="Không có tài khoản"):
        store.remove("a.clerk")


def test_environment_admin_keeps_working_beside_the_file(tmp_path):
    accounts = accounts_for(tmp_path, "Admin", "from-env")
    assert accounts.any
    assert accounts.authenticate("admin", "from-env").is_admin
    assert accounts.authenticate("admin", "wrong") is None
    assert not accounts_for(tmp_path / "other").any              # no file, no variables: open (local only)


def test_owners_decide_who_may_change_a_document(store, tmp_path):
    a = store.add("a.clerk", "long-enough-1", "clerk", "UBND xã Ngọc Kỳ")
    b = store.add("b.clerk", "long-enough-1", "clerk", "UBND phường Lam Sơn")
    a2 = store.add("a.other", "long-enough-1", "clerk", "ubnd xa ngoc ky")     # same unit, typed otherwise
    admin = store.add("boss", "long-enough-1", "admin")
    owners = Ownership(tmp_path / "access.sqlite3")
    owners.record("bao-cao.txt", a, "Báo cáo.txt")
    record = owners.get("bao-cao.txt")
    assert (record.added_by, record.unit, record.original_name) == ("a.clerk", "UBND xã Ngọc Kỳ", "Báo cáo.txt")
    assert may_change(a, record) and may_change(a2, record) and may_change(admin, record)
    assert not may_change(b, record)
    assert not may_change(a, None) and may_change(admin, None)     # an upload with no owner: admins only
    owners.forget("bao-cao.txt")
    assert owners.get("bao-cao.txt") is None


def test_free_name_never_takes_a_used_name():
    assert free_name("bao-cao.txt", set()) == "bao-cao.txt"
    assert free_name("bao-cao.txt", {"bao-cao.txt", "bao-cao-2.txt"}) == "bao-cao-3.txt"
    assert free_name("README", {"README"}) == "README-2"


def test_sessions_end_when_idle_too_long_or_too_old():
    clock = Clock()
    sessions = SessionStore(idle_seconds=60, max_seconds=300, clock=clock)
    token = sessions.open("a", 0, "10.0.0.1")
    for _ in range(4):                       # used every 50 s: the idle limit never strikes
        clock.now += 50
        assert sessions.check(token) is not None
    clock.now += 50                          # 250 s old
    assert sessions.check(token) is not None
    clock.now += 51                          # 301 s old: the absolute limit
    assert sessions.check(token) is None
    idle = sessions.open("b", 0, "10.0.0.1")
    clock.now += 61
    assert sessions.check(idle) is None
    assert sessions.check("forged-token") is None


def test_throttle_locks_an_account_then_an_address_and_doubles():
    clock = Clock()
    throttle = LoginThrottle(ThrottlePolicy(3, 600, 10, 40), ThrottlePolicy(5, 600, 20, 80), clock)
    for _ in range(3):
        assert throttle.refusal("a", "10.0.0.1") is None
        throttle.failed("a", "10.0.0.1")
    refusal = throttle.refusal("a", "10.0.0.1")
    assert refusal.scope == "account" and refusal.retry_after == 10
    assert "thử lại sau 10 giây" in refusal.message and "try again in 10 s" in refusal.message
    assert throttle.refusal("a", "10.0.0.9") is not None          # the account is locked from anywhere
    assert throttle.refusal("b", "10.0.0.9") is None
    clock.now += 10.5
    assert throttle.refusal("a", "10.0.0.1") is None
    throttle.failed("a", "10.0.0.1")                               # 4th failure: the lock doubles
    assert throttle.refusal("a", "10.0.0.2").retry_after == 20
    for name in ("x1", "x2", "x3", "x4"):                          # spraying names from one address
        throttle.failed(name, "10.0.0.1")
    refusal = throttle.refusal("fresh.name", "10.0.0.1")
    assert refusal.scope == "address"
    assert throttle.refusal("fresh.name", "10.0.0.7") is None
    throttle.succeeded("b")
    clock.now += 700                                               # the window forgets everything
    assert throttle.refusal("a", "10.0.0.1") is None


def test_audit_log_is_a_hash_chain_that_shows_tampering(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record("a.clerk", "login", address="10.0.0.1", role="clerk")
    log.record("a.clerk", "upload", "bao-cao.txt", address="10.0.0.1", unit="UBND xã A")
    log.record("boss", "remove", "bao-cao.txt", address="10.0.0.2")
    assert [e.action for e in log.entries()] == ["remove", "upload", "login"]
    assert [e.action for e in log.entries(action="upload")] == ["upload"]
    assert log.verify() == []
    assert (tmp_path / "audit.jsonl").stat().st_mode & 0o077 == 0
    lines = (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    edited = json.loads(lines[1])
    edited["who"] = "b.clerk"
    (tmp_path / "audit.jsonl").write_text("\n".join([lines[0], json.dumps(edited), lines[2]]) + "\n", encoding="utf-8")
    assert any("dòng 2" in p and "altered" in p for p in log.verify())
    (tmp_path / "audit.jsonl").write_text("\n".join([lines[0], lines[2]]) + "\n", encoding="utf-8")
    assert any("dòng 2" in p and "chain broken" in p for p in log.verify())


def test_forwarded_address_is_believed_only_from_a_trusted_proxy(store, tmp_path):
    gate = Gate(accounts_for(tmp_path), SessionStore(60, 600), LoginThrottle(), AuditLog(tmp_path / "a.jsonl"),
                trusted_proxies=("127.0.0.1",))
    assert gate.address("127.0.0.1", "203.0.113.5") == "203.0.113.5"
    assert gate.address("127.0.0.1", "198.51.100.1, 203.0.113.5, 127.0.0.1") == "203.0.113.5"
    assert gate.address("10.9.9.9", "203.0.113.5") == "10.9.9.9"            # a client cannot claim another address
    assert gate.address("127.0.0.1", None) == "127.0.0.1"


def _guarded_app(tmp_path, clock):
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    store = AccountStore(tmp_path / "access.sqlite3")
    store.add("a.clerk", "long-enough-1", "clerk", "UBND xã A")
    gate = Gate(accounts_for(tmp_path), SessionStore(60, 600, clock=clock), LoginThrottle(),
                AuditLog(tmp_path / "audit.jsonl"))
    inner = Starlette(routes=[Route("/", lambda r: PlainTextResponse("app")),
                              Route("/gradio_api/info", lambda r: PlainTextResponse("secret api"))])
    return AccessGuard(inner, gate), gate, store


def test_guard_login_cookie_logout_and_expiry(tmp_path):
    from starlette.testclient import TestClient

    clock = Clock()
    app, gate, store = _guarded_app(tmp_path, clock)
    client = TestClient(app, follow_redirects=False)

    def info(cookie: str):
        client.cookies.clear()
        client.cookies.set(COOKIE, cookie)
        return client.get("/gradio_api/info")

    assert client.get("/gradio_api/info").status_code == 401
    page = client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert page.headers["x-frame-options"] == "DENY"
    form = client.get("/login", headers={"accept": "text/html"})
    assert "<form" in form.text and "script" not in form.text.lower()
    assert "default-src 'none'" in form.headers["content-security-policy"]
    wrong = client.post("/login", data={"username": "a.clerk", "password": "nope"}, headers={"accept": "text/html"})
    assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in wrong.text
    ok = client.post("/login", data={"username": "a.clerk", "password": "long-enough-1"})
    assert ok.status_code == 200 and ok.json() == {"success": True}
    cookie = ok.cookies[COOKIE]
    set_cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    assert info(cookie).text == "secret api"
    clock.now += 61                                              # idle longer than the limit
    assert info(cookie).status_code == 401
    cookie = client.post("/login", data={"username": "a.clerk", "password": "long-enough-1"}).cookies[COOKIE]
    store.set_password("a.clerk", "long-enough-2")               # a new password ends older sessions
    assert info(cookie).status_code == 401
    cookie = client.post("/login", data={"username": "a.clerk", "password": "long-enough-2"}).cookies[COOKIE]
    client.cookies.set(COOKIE, cookie)
    out = client.get("/logout")
    assert out.status_code == 303
    assert info(cookie).status_code == 401
    actions = [e.action for e in gate.audit.entries()]
    assert actions == ["logout", "login", "login", "login", "login_failed"]
