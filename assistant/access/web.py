"""The login page and the guard in front of every route of the Gradio app.

Gradio's built-in login keeps its tokens for ever, gives the password check no client address
(so no per-address throttling) and its page can only say "incorrect credentials". So the app is
launched with Gradio's ``auth_dependency`` hook (which reads our session cookie and tells Gradio
who is asking, for ``gr.Request.username``) and an ASGI middleware that:

- serves ``/login`` (a small form, no script, with the throttling message) and ``/logout``;
- answers every other route without a live session with 401 (the page itself redirects to
  ``/login``): API, queue, file, upload and Gradio's own unprotected helper routes alike;
- adds ``X-Frame-Options``/``nosniff``/``Referrer-Policy`` headers to every answer.

``POST /login`` accepts the same form as Gradio's, so ``gradio_client.Client(url, auth=(u, p))``
logs in unchanged: a browser gets a redirect, a script gets ``{"success": true}`` and the cookie.
"""

from __future__ import annotations

import html
import ipaddress
import logging
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from assistant.access.accounts import Account, Accounts, normalize_username
from assistant.access.audit import AuditLog
from assistant.access.sessions import SessionStore
from assistant.access.throttle import LoginThrottle
from assistant.errors import AccountError

logger = logging.getLogger(__name__)

COOKIE = "soanthao_session"
PAGES = ("/login", "/login/", "/logout", "/logout/")
#: Gradio routes answered without a login: launch() calls this one itself to start the app; it runs
#: the (already run) startup events once and returns a boolean — nothing to read or change.
OPEN_ROUTES = ("/gradio_api/startup-events",)
#: Throttled attempts of one (name, address) are written to the audit log at most once this often.
THROTTLE_AUDIT_EVERY_S = 60.0
SECURITY_HEADERS = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin")]


@dataclass(frozen=True)
class LoginOutcome:
    """What one login attempt gets: 200 with a session token, 401 (wrong), or 429 (throttled)."""

    status: int
    message: str
    token: str | None = None
    retry_after: int = 0


@dataclass
class Gate:
    """Everything a request's login is checked against; one per running server."""

    accounts: Accounts
    sessions: SessionStore
    throttle: LoginThrottle
    audit: AuditLog
    trusted_proxies: tuple[str, ...] = ()
    _throttle_logged: dict[tuple[str, str], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def address(self, peer: str | None, forwarded_for: str | None) -> str:
        """The client's address: the peer, or the last hop a trusted reverse proxy added."""
        peer = peer or ""
        if forwarded_for and _in(peer, self.trusted_proxies):
            hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
            for hop in reversed(hops):                 # the nearest hop not itself a trusted proxy
                if not _in(hop, self.trusted_proxies):
                    return hop[:64]
        return peer

    def account_for(self, token: str | None, touch: bool = True) -> Account | None:
        """The account behind a session cookie, or None (no session, expired, password changed, removed)."""
        session = self.sessions.check(token, touch=touch)
        if session is None:
            return None
        account = self.accounts.get(session.username)
        if account is None or account.epoch != session.epoch:
            self.sessions.close(token)
            return None
        return account

    def auth_dependency(self, request: Any) -> str | None:
        """Gradio's hook: the user name of a request (None → Gradio answers 401)."""
        account = self.account_for(request.cookies.get(COOKIE), touch=False)
        return account.username if account else None

    def login(self, username: str, password: str, address: str) -> LoginOutcome:
        """Check one login attempt (throttle first, then the password) and open a session on success."""
        try:
            key = normalize_username(username)
        except AccountError:
            key = (username or "").strip().lower()[:64]
        refusal = self.throttle.refusal(key, address)
        if refusal is not None:
            now = time.monotonic()
            with self._lock:
                last = self._throttle_logged.get((key, address), -THROTTLE_AUDIT_EVERY_S)
                if now - last >= THROTTLE_AUDIT_EVERY_S:
                    if len(self._throttle_logged) > 10_000:     # a spray of names stays bounded
                        self._throttle_logged.clear()
                    self._throttle_logged[(key, address)] = now
                    self.audit.record(key, "login_throttled", address=address, scope=refusal.scope,
                                      retry_after=refusal.retry_after)
            return LoginOutcome(429, refusal.message, retry_after=refusal.retry_after)
        account = self.accounts.authenticate(username, password)
        if account is None:
            self.throttle.failed(key, address)
            self.audit.record(key, "login_failed", address=address)
            return LoginOutcome(401, "Sai tên đăng nhập hoặc mật khẩu / wrong user name or password")
        self.throttle.succeeded(key)
        token = self.sessions.open(account.username, account.epoch, address)
        self.audit.record(account.username, "login", address=address, role=account.role, unit=account.unit)
        return LoginOutcome(200, "", token=token)

    def logout(self, token: str | None, address: str) -> None:
        session = self.sessions.close(token)
        if session is not None:
            self.audit.record(session.username, "logout", address=address)


def _in(address: str, networks: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


LOGIN_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đăng nhập — Soạn Thảo</title>
<style>
body{font-family:system-ui,sans-serif;background:#f1f5f9;margin:0;display:flex;min-height:100vh;
  align-items:center;justify-content:center}
form{background:#fff;padding:2em;border-radius:10px;box-shadow:0 4px 18px rgba(0,0,0,.12);width:22em}
h1{font-size:1.3em;margin:0 0 1em}
label{display:block;margin:.8em 0 .3em}
input{width:100%;box-sizing:border-box;padding:.5em;font-size:1em}
button{margin-top:1.2em;width:100%;padding:.6em;font-size:1em;background:#1d4ed8;color:#fff;border:0;border-radius:6px}
.st-login-error{color:#b91c1c;background:#fee2e2;padding:.6em;border-radius:6px}
</style></head><body>
<form method="post" action="login" id="st-login">
<h1>Soạn Thảo — đăng nhập</h1>
{message}
<label for="username">Tên đăng nhập</label>
<input id="username" name="username" autocomplete="username" required value="{username}">
<label for="password">Mật khẩu</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Đăng nhập</button>
</form></body></html>"""
LOGIN_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"


def login_page(message: str = "", username: str = "") -> str:
    box = f'<p class="st-login-error" id="st-login-error" role="alert">{html.escape(message)}</p>' if message else ""
    return LOGIN_PAGE.replace("{message}", box).replace("{username}", html.escape(username[:64], quote=True))


class AccessGuard:
    """ASGI middleware: the login pages, then a live session for everything else."""

    def __init__(self, app: Any, gate: Gate):
        self.app = app
        self.gate = gate

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        path = scope.get("path", "")
        if scope["type"] == "http" and path in PAGES:
            await self._page(scope, receive, send)
            return
        if path not in OPEN_ROUTES and self.gate.account_for(_cookie(scope)) is None:
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: dict, receive: Any, send: Any) -> None:
        from starlette.responses import JSONResponse, RedirectResponse

        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        accept = dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
        if scope.get("method") == "GET" and (scope.get("path") in ("", "/") or "text/html" in accept):
            response: Any = RedirectResponse(_root(scope) + "/login", status_code=303)
        else:
            response = JSONResponse({"detail": "Chưa đăng nhập hoặc phiên đã hết hạn / not logged in or session expired"},
                                    status_code=401)
        await response(scope, receive, send)

    async def _page(self, scope: dict, receive: Any, send: Any) -> None:
        from starlette.concurrency import run_in_threadpool
        from starlette.requests import Request
        from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse

        request = Request(scope, receive)
        address = self.gate.address(request.client.host if request.client else None,
                                    request.headers.get("x-forwarded-for"))
        token = request.cookies.get(COOKIE)
        wants_html = "text/html" in request.headers.get("accept", "")
        root = _root(scope)
        if request.url.path.startswith("/logout"):
            self.gate.logout(token, address)
            response: Any = RedirectResponse(root + "/login", status_code=303)
            response.delete_cookie(COOKIE, path="/")
        elif request.method == "GET":
            if self.gate.account_for(token, touch=False) is not None:
                response = RedirectResponse(root + "/", status_code=303)
            else:
                response = HTMLResponse(login_page(), headers={"content-security-policy": LOGIN_CSP})
        elif request.method == "POST":
            form = await request.form()
            username, password = str(form.get("username") or ""), str(form.get("password") or "")
            outcome = await run_in_threadpool(self.gate.login, username, password, address)
            if outcome.token is None:
                headers = {"content-security-policy": LOGIN_CSP}
                if outcome.retry_after:
                    headers["retry-after"] = str(outcome.retry_after)
                response = (HTMLResponse(login_page(outcome.message, username), outcome.status, headers)
                            if wants_html else JSONResponse({"detail": outcome.message}, outcome.status, headers))
            else:
                response = (RedirectResponse(root + "/", status_code=303) if wants_html
                            else JSONResponse({"success": True}))
                response.set_cookie(COOKIE, outcome.token, max_age=int(self.gate.sessions.max_seconds), path="/",
                                    httponly=True, samesite="lax", secure=_is_https(request, self.gate))
        else:
            response = JSONResponse({"detail": "method not allowed"}, status_code=405)
        await response(scope, receive, send)


def _cookie(scope: dict) -> str | None:
    for name, value in scope.get("headers") or []:
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001  (a malformed Cookie header is simply no session)
                return None
            if COOKIE in jar:
                return jar[COOKIE].value
    return None


def _root(scope: dict) -> str:
    return str(scope.get("root_path") or "").rstrip("/")


def _is_https(request: Any, gate: Gate) -> bool:
    """HTTPS directly, or a trusted reverse proxy says so (``X-Forwarded-Proto``)."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    return _in(peer, gate.trusted_proxies) and request.headers.get("x-forwarded-proto", "").lower() == "https"


def _with_headers(send: Any) -> Any:
    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            names = {k.lower() for k, _ in message.get("headers", [])}
            message["headers"] = list(message.get("headers", [])) + [
                (k, v) for k, v in SECURITY_HEADERS if k not in names]
        await send(message)
    return wrapped
