"""Placeholder coverage: the share of expected local-fact slots that the draft either fills with the
clerk's fact or shows as a visible placeholder, instead of silently dropping or inventing them.

A slot is covered when the clerk's value for it appears in the draft, or one of the slot's placeholder
spellings (e.g. ``[số đơn]``) appears. Comparison is on NFC, case-folded, whitespace-collapsed text.

Example:
    >>> slots = [FactSlot("số đơn", ("[số đơn]",), "5 đơn"), FactSlot("số lượt", ("[số lượt]",), None)]
    >>> placeholder_coverage(slots, "Nhận 5 đơn; tiếp [số lượt] lượt công dân.")
    1.0
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FactSlot:
    """A local fact the section is expected to state.

    Attributes:
        name: what the fact is ("số đơn thư").
        placeholders: accepted placeholder spellings ("[số đơn]", "[số đơn thư]").
        clerk_value: the clerk's fact for this slot, when given ("5 đơn").
    """

    name: str
    placeholders: tuple[str, ...]
    clerk_value: str | None = None


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def slot_covered(slot: FactSlot, draft_text: str) -> bool:
    """True if the draft states the clerk's value for the slot or shows one of its placeholders."""
    text = _fold(draft_text)
    if slot.clerk_value and _fold(slot.clerk_value) in text:
        return True
    return any(p.strip() and _fold(p) in text for p in slot.placeholders)


def placeholder_coverage(slots: Sequence[FactSlot], draft_text: str) -> float:
    """Share of slots covered (0.0 if no slots are expected)."""
    if not slots:
        return 0.0
    return sum(slot_covered(s, draft_text) for s in slots) / len(slots)
