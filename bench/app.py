"""The Gradio app as a user meets it: cold start to the first served page, and draft latency
through ``gradio_client`` — one client alone (the baseline), then 10 concurrent clients.

The app runs in its own process (``assistant.app.serve`` on a free local port), started
by this benchmark and stopped by its pid at the end.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from bench.common import BenchContext, BenchResult, LatencyStats, ratio

logger = logging.getLogger(__name__)

NAME = "app"
CLIENTS = 10
DRAFTS_PER_CLIENT = 2
START_TIMEOUT_S = 300
DRAFT_ARGS = ("Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo", "UBND xã Ngọc Kỳ", 2025, "báo cáo",
              "Trong năm tiếp 12 lượt công dân; nhận 5 đơn, giải quyết 5", False, False)

_SERVER = """
import sys
from index.settings import Settings
from assistant.app import serve
serve(Settings(), host="127.0.0.1", port=int(sys.argv[1]), block=True)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_page(url: str, proc: subprocess.Popen, timeout: float) -> float:
    """Seconds until ``url`` answers 200 (polling every 0.2 s)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with code {proc.returncode} before serving a page")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    response.read()
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"no page from {url} within {timeout} s")


def _draft_latencies(url: str, clients: int, per_client: int) -> list[float]:
    from gradio_client import Client

    made = [Client(url, verbose=False) for _ in range(clients)]

    def work(client) -> list[float]:
        out = []
        for _ in range(per_client):
            started = time.perf_counter()
            client.predict(*DRAFT_ARGS, api_name="/draft")
            out.append(time.perf_counter() - started)
        return out

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return [s for part in pool.map(work, made) for s in part]


def run(ctx: BenchContext) -> BenchResult:
    result = BenchResult(NAME)
    settings = ctx.index_settings()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "SOANTHAO_DATA_DIR": str(settings.data_dir), "SOANTHAO_CORPUS_DIR": str(settings.corpus_dir),
           "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
    log_path = ctx.work_dir / "app-server.log"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(port)], env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            cold = _wait_for_page(url, proc, START_TIMEOUT_S)
            result.add("cold start → first page", cold, "s")
            first = _draft_latencies(url, 1, 1)[0]                  # loads model/index/registry lazily
            result.add("first draft after start", first, "s")
            alone = LatencyStats.from_seconds(_draft_latencies(url, 1, 1 if ctx.quick else 3))
            clients = 3 if ctx.quick else CLIENTS
            loaded = LatencyStats.from_seconds(_draft_latencies(url, clients, 1 if ctx.quick else DRAFTS_PER_CLIENT))
            result.add("draft p50, 1 client", alone.p50_ms / 1000, "s")
            result.add(f"draft p50, {clients} clients", loaded.p50_ms / 1000, "s",
                       baseline="1 client", ratio=ratio(loaded.p50_ms, alone.p50_ms))
            result.add(f"draft p95, {clients} clients", loaded.p95_ms / 1000, "s",
                       baseline="1 client p95", ratio=ratio(loaded.p95_ms, alone.p95_ms))
            result.data = {"cold_start_s": cold, "first_draft_s": first, "alone_ms": alone.__dict__,
                           "concurrent_ms": loaded.__dict__, "clients": clients, "server_log": str(log_path)}
            result.notes.append(
                f"{clients} concurrent gradio_client clients on /draft (the app queues with "
                "default_concurrency_limit=4); extractive drafting, no LLM."
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    return result
