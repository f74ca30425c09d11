"""LLM drafter against a real OpenAI-compatible HTTP server on 127.0.0.1 that replays scripted completions.

Each script turns the prompt the drafter sent (its numbered, masked sources) into a reply,
so the replies are what a small model really does: cite correctly, swap citation numbers,
invent ``Chỉ thị số 99/CT-TTg``, copy another commune's figures, write "chúng tôi".
"""

from __future__ import annotations

import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import pytest

from assistant.draft import DraftRequest, draft_section
from assistant.errors import LLMUnavailableError
from assistant.llm import LLMDrafter, build_prompt
from assistant.retrieve import Retriever
from index.embed import FakeEmbedder
from index.settings import Settings
from tests.assistant.draft_corpus import TIEP_DAN, build_draft_index

Script = Callable[[str], str]


class ReplayServer:
    """``/v1/chat/completions`` and ``/v1/completions`` answering with the next script's output."""

    def __init__(self) -> None:
        self.scripts: list[Script] = []
        self.prompts: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path.endswith("/chat/completions"):
                    prompt = body["messages"][-1]["content"]
                    if isinstance(prompt, list):
                        prompt = "".join(part.get("text", "") for part in prompt)
                else:
                    prompt = body["prompt"]
                outer.prompts.append(prompt)
                reply = outer.scripts.pop(0)(prompt)
                if self.path.endswith("/chat/completions"):
                    payload = {"id": "r1", "object": "chat.completion", "created": 0, "model": body["model"],
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": reply}}],
                               "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
                else:
                    payload = {"id": "r1", "object": "text_completion", "created": 0, "model": body["model"],
                               "choices": [{"index": 0, "text": reply, "finish_reason": "stop", "logprobs": None}],
                               "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "ReplayServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def sources_of(prompt: str) -> dict[int, str]:
    return {int(n): t for n, t in re.findall(r"^\[(\d+)\] (.+)$", prompt, flags=re.M)}


def first_sentence(text: str) -> str:
    return re.split(r"(?<=\.)\s+(?=[A-ZĐ])", text)[0].rstrip(".")


def correct(prompt: str) -> str:
    s = sources_of(prompt)
    return " ".join(f"{first_sentence(t)} [{n}]." for n, t in list(s.items())[:2])


def swapped(prompt: str) -> str:
    (n1, t1), (n2, t2) = list(sources_of(prompt).items())[:2]
    return f"{first_sentence(t1)} [{n2}]. {first_sentence(t2)} [{n1}]."


def invented_directive(prompt: str) -> str:
    return correct(prompt) + " Thực hiện Chỉ thị số 99/CT-TTg ngày 01/01/2024 của Thủ tướng Chính phủ về công tác tiếp công dân [1]."


def other_commune_figures(prompt: str) -> str:
    return correct(prompt) + " Trong năm đã tiếp 16 đơn, các đơn đề nghị đều được giải quyết cơ bản [1]."


def clerk_figures(prompt: str) -> str:
    return correct(prompt) + " Trong năm 2024, UBND xã Ngọc Kỳ đã tiếp 12 lượt công dân [1]."


def broken_and_heading(prompt: str) -> str:
    return correct(prompt) + " Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo. Các đơn vị thực hiện tốt các nhiệm vụ được"


def claims(draft):
    return [s for s in draft.sentences if s.origin != "question"]


def first_person(prompt: str) -> str:
    n, t = next(iter(sources_of(prompt).items()))
    return f"Chúng tôi ghi nhận: {first_sentence(t)[0].lower()}{first_sentence(t)[1:]} [{n}]."


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    embedder = FakeEmbedder()
    settings = build_draft_index(tmp_path_factory.mktemp("llm") / "data", embedder)
    return settings, Retriever(settings, embedder), embedder


def run(env, server_url: str, **kw):
    settings, retriever, embedder = env
    llm_settings = settings.model_copy(update={"llm_base_url": server_url, "llm_model": "replay", "llm_timeout": 10.0})
    request = DraftRequest(section=TIEP_DAN, unit="UBND xã Ngọc Kỳ", year=2024, use_llm=True, **kw)
    return draft_section(request, llm_settings, retriever, embedder)


def test_correct_reply_passes_verification(env):
    with ReplayServer() as server:
        server.scripts.append(correct)
        draft = run(env, server.url)
    prompt = server.prompts[0]
    assert "[1] " in prompt and "chúng tôi" in prompt  # the prompt forbids it by name
    # the sources are formulas only: no other commune's figures, names or results reach the model
    assert "16 đơn" not in prompt and "Quang Khải" not in prompt and "tồn đọng" not in prompt
    assert len(claims(draft)) == 2 and all(s.supported and s.kind == "formula" for s in claims(draft))
    assert all(s.text.startswith("[") for s in draft.sentences if s.origin == "question")
    assert draft.leaks == () and not any("sửa trích dẫn" in w for w in draft.warnings)


def test_wrong_citation_numbers_are_corrected(env):
    with ReplayServer() as server:
        server.scripts.append(swapped)
        draft = run(env, server.url)
    assert all(s.supported for s in claims(draft))
    assert sum("sửa trích dẫn" in w for w in draft.warnings) == 2


def test_invented_directive_is_flagged(env):
    with ReplayServer() as server:
        server.scripts.append(invented_directive)
        draft = run(env, server.url)
    bad = [d for d in draft.directives if d.id == "99/CT-TTg"]
    assert bad and bad[0].problems[0]["code"] == "unknown_id"
    assert not next(s for s in draft.sentences if "99/CT-TTg" in s.text).supported


def test_another_communes_result_written_by_the_model_becomes_a_question(env):
    with ReplayServer() as server:
        server.scripts.append(other_commune_figures)
        draft = run(env, server.url)
    assert "16 đơn" not in draft.text and "đều được giải quyết" not in draft.text and draft.leaks == ()
    assert "[Trong năm đã giải quyết bao nhiêu đơn, còn bao nhiêu chưa giải quyết, vì sao?]" in draft.text


def test_the_clerks_figures_written_by_the_model_stand_on_the_facts(env):
    facts = "Trong năm tiếp 12 lượt công dân; nhận 5 đơn, giải quyết 5"
    with ReplayServer() as server:
        server.scripts.append(clerk_figures)
        draft = run(env, server.url, facts=facts)
    written = next(s for s in draft.sentences if "12 lượt" in s.text)
    assert written.origin == "clerk" and written.supported
    assert draft.citations[written.citations[0] - 1].doc_id == "clerk_facts"
    assert "5 đơn" in draft.text   # a fact the model left out is still written in


def test_fragments_and_headings_written_by_the_model_are_dropped(env):
    with ReplayServer() as server:
        server.scripts.append(broken_and_heading)
        draft = run(env, server.url)
    assert len(claims(draft)) == 2 and "nhiệm vụ được" not in draft.text


def test_first_person_register_is_flagged(env):
    with ReplayServer() as server:
        server.scripts.append(first_person)
        draft = run(env, server.url)
    assert any("register:chúng tôi" in s.problems for s in draft.sentences)
    assert any("chúng tôi" in w.lower() for w in draft.warnings)


def test_completions_endpoint(env):
    settings, _, _ = env
    with ReplayServer() as server:
        server.scripts.append(lambda prompt: "Câu một [1]. Câu hai. [2]")
        sentences = LLMDrafter(settings.model_copy(update={"llm_base_url": server.url}), chat=False).draft_sentences(
            "Mục", "UBND xã A", 2024, "báo cáo", {1: "nguồn một", 2: "nguồn hai"})
    assert [(s.text, s.citations) for s in sentences] == [("Câu một.", (1,)), ("Câu hai.", (2,))]


def test_unreachable_server_falls_back_to_extractive(env):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    draft = run(env, f"http://127.0.0.1:{port}/v1")
    assert any("LLM" in w for w in draft.warnings)
    assert claims(draft) and all(s.supported for s in claims(draft))
    with pytest.raises(LLMUnavailableError):
        LLMDrafter(Settings(llm_base_url=None))


def test_build_prompt_lists_sources():
    prompt = build_prompt("Mục A", "UBND xã A", 2024, "báo cáo", {2: "hai", 1: "một"}, "")
    assert prompt.index("[1] một") < prompt.index("[2] hai")
    assert "Mục A" in prompt and "UBND xã A" in prompt


@pytest.mark.llama_server
def test_real_llama_cpp_server_output_is_verified(env):
    """Optional: a real OpenAI-compatible server (e.g. ``python -m llama_cpp.server`` with a small GGUF model)
    at ``SOANTHAO_LLM_BASE_URL``; skipped visibly when none answers."""
    import os
    import urllib.error
    import urllib.request

    url = os.environ.get("SOANTHAO_LLM_BASE_URL")
    if not url:
        pytest.skip("SOANTHAO_LLM_BASE_URL is not set: no local LLM server to test against")
    try:
        urllib.request.urlopen(url.rstrip("/") + "/models", timeout=3)
    except (urllib.error.URLError, OSError) as exc:
        pytest.skip(f"no LLM server answers at {url}: {exc}")
    draft = run(env, url)
    assert draft.sentences
    for s in claims(draft):  # whatever the model wrote, nothing unverified passes silently
        assert s.supported or "unsupported" in s.problems
    numbers = {c.n for c in draft.citations}
    assert all(set(s.citations) <= numbers for s in draft.sentences)
