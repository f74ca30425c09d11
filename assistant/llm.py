"""Optional LLM drafter: any OpenAI-compatible server (Ollama, vLLM, llama.cpp server) through LlamaIndex.

The model only rewrites: it receives numbered sources whose local facts ``assistant.adapt``
has already masked, and the prompt (``prompts/draft_section.txt``, Vietnamese, formal
register) asks for ``[n]`` after each sentence. Its reply is parsed into sentences
and goes through the same verifier as the extractive draft, because small models
copy other communes' figures, invent directives and misplace citations
(``DEPENDENCIES.md``).

Example:
    >>> drafter = LLMDrafter(Settings(llm_base_url="http://127.0.0.1:8080/v1", llm_model="qwen"))  # doctest: +SKIP
    >>> drafter.draft_sentences("Công tác tiếp dân", "UBND xã Ngọc Kỳ", 2024, "báo cáo", {1: "…"})  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from assistant.errors import InvalidRequestError, LLMUnavailableError
from assistant.verify import CitedSentence, parse_cited_text
from index.settings import Settings
from prompts import load_prompt

log = logging.getLogger(__name__)

__all__ = ["LLMDrafter", "build_prompt", "PROMPT_NAME"]

PROMPT_NAME = "draft_section.txt"


def build_prompt(section: str, unit: str, year: int, kind: str, sources: Mapping[int, str], facts: str = "",
                 template: str | None = None) -> str:
    """Fill the drafting prompt; sources are listed as ``[n] text`` lines."""
    if not sources:
        raise InvalidRequestError("Không có nguồn để soạn / no sources to draft from")
    listed = "\n".join(f"[{n}] {text.strip()}" for n, text in sorted(sources.items()))
    return (template or load_prompt(PROMPT_NAME)).format(
        section=section, unit=unit, year=year, kind=kind, sources=listed,
        facts=facts.strip() or "(không có — giữ nguyên các chỗ trống)",
    )


class LLMDrafter:
    """Calls the configured OpenAI-compatible server.

    Args:
        settings: ``llm_base_url`` (e.g. ``http://127.0.0.1:8080/v1``), ``llm_model``,
            ``llm_api_key``, ``llm_timeout``.
        chat: use ``/chat/completions`` (True, the default) or ``/completions``.

    Raises:
        LLMUnavailableError: no server is configured (checked here) or it does not answer (on ``draft``).
    """

    def __init__(self, settings: Settings, chat: bool = True):
        if not settings.llm_base_url:
            raise LLMUnavailableError(
                "Chưa cấu hình máy chủ LLM (SOANTHAO_LLM_BASE_URL) / no LLM server configured"
            )
        if settings.llm_timeout <= 0:
            raise InvalidRequestError(f"llm_timeout must be positive, got {settings.llm_timeout}")
        self.settings = settings
        self.chat = chat

    def _llm(self) -> Any:
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(
            model=self.settings.llm_model or "local-model",
            api_base=self.settings.llm_base_url,
            api_key=self.settings.llm_api_key,
            timeout=self.settings.llm_timeout,
            max_retries=0,
            is_chat_model=self.chat,
            context_window=8192,
            temperature=0.1,
        )

    def complete(self, prompt: str) -> str:
        """The server's reply to ``prompt``.

        Raises:
            LLMUnavailableError: connection refused, timeout, or an HTTP error status.
        """
        import openai

        llm = self._llm()
        try:
            if self.chat:
                from llama_index.core.llms import ChatMessage

                response = llm.chat([ChatMessage(role="user", content=prompt)])
                text = response.message.content or ""
            else:
                text = llm.complete(prompt).text
        except (openai.APIConnectionError, openai.APIStatusError) as exc:
            raise LLMUnavailableError(
                f"Máy chủ LLM {self.settings.llm_base_url} không phản hồi / LLM server did not answer: {exc}"
            ) from exc
        log.info("LLM replied with %d characters", len(text))
        return text.strip()

    def draft(self, section: str, unit: str, year: int, kind: str, sources: Mapping[int, str], facts: str = "") -> str:
        """The drafted paragraph, as the model wrote it (markers included)."""
        return self.complete(build_prompt(section, unit, year, kind, sources, facts))

    def draft_sentences(self, section: str, unit: str, year: int, kind: str, sources: Mapping[int, str],
                        facts: str = "") -> list[CitedSentence]:
        """The reply parsed into sentences with their ``[n]``."""
        return parse_cited_text(self.draft(section, unit, year, kind, sources, facts))
