"""Prompt templates as plain files, with named ``{placeholders}``; ``load_prompt(name)`` reads one."""

from __future__ import annotations

from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent


def load_prompt(name: str) -> str:
    """Text of ``prompts/<name>`` (e.g. ``draft_section.txt``), NFC, as stored."""
    path = PROMPTS_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"prompt template not found: {path}")
    return path.read_text(encoding="utf-8")
