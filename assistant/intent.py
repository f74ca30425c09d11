"""Deterministic intent routing for the chat: drafting, directive lookup, comparison, or search.

No model decides where a clerk's message goes: a few ordered rules over the
diacritics-folded text, so the same message always lands in the same tool and tests
can pin every route. Drafting requests are also parsed into their fields
("Soạn mục công tác tiếp dân cho báo cáo năm 2025 của xã Ngọc Kỳ" → section, kind,
year, unit).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from index.lexical import strip_diacritics

Intent = Literal["draft", "lookup", "compare", "refine", "search"]

UNIT_LEVELS = ("thị trấn", "phường", "xã")


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ→d), collapse spaces: what rules match against."""
    return " ".join(strip_diacritics(unicodedata.normalize("NFC", text)).lower().split())


# Ordered: the first rule that matches wins. Patterns are over folded text.
RULES: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    ("compare", re.compile(r"\b(so sanh|doi chieu|khac (gi|nhau|biet)|thay doi (gi|the nao)|dien dat qua cac nam)\b")),
    ("refine", re.compile(r"^(them|bo|xoa|rut gon|viet lai|sua|doi|thay)\b.*\b(y|cau|doan|muc|phan|so lieu|noi dung)\b")),
    ("draft", re.compile(r"\b(soan|viet|du thao|lap|xay dung)\b.*\b(muc|phan|bao cao|ke hoach|doan|noi dung)\b")),
    ("lookup", re.compile(
        r"\b(van ban nao|can cu (nao|vao dau)|quy dinh (o|tai) dau|(chi thi|nghi quyet|luat|nghi dinh|quyet dinh"
        r"|thong tu|quy dinh|ket luan|phap lenh|ke hoach|cong van|quy che) nao|trich dan|so hieu|hieu luc"
        r"|thay the (boi|bang)|ban hanh ngay|(co quan|ai) ban hanh|tra cuu)\b")),
)


@dataclass(frozen=True)
class DraftIntent:
    """Fields of a drafting request read off a chat message; None when the message does not say."""

    section: str | None = None
    kind: str | None = None
    year: int | None = None
    unit: str | None = None
    unit_level: str | None = None
    parent_units: tuple[str, ...] = field(default_factory=tuple)


def route(message: str) -> Intent:
    """Which tool answers this chat message."""
    folded = fold(message)
    for intent, pattern in RULES:
        if pattern.search(folded):
            return intent
    return "search"


_SECTION = re.compile(
    r"(?:so[aạ]n|vi[eế]t|d[uự] th[aả]o)\s+(?:(?:m[uụ]c|ph[aầ]n|đo[aạ]n|n[oộ]i dung)\s+)?(?P<section>.+?)"
    r"\s+(?:cho|trong|c[uủ]a)\s+(?:b[aá]o c[aá]o|k[eế] ho[aạ]ch)",
    re.IGNORECASE,
)
_KIND = re.compile(r"\b(báo cáo|kế hoạch)\b", re.IGNORECASE)
_YEAR = re.compile(r"\bnăm\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_UNIT = re.compile(
    r"\b(?P<level>thị trấn|phường|xã)\s+(?P<name>(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)*)"
)
_PARENT = re.compile(r"\b(?P<level>huyện|thị xã|thành phố|tỉnh)\s+(?P<name>(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)*)")


def parse_draft_request(message: str) -> DraftIntent:
    """Section, kind, year and unit of a drafting message (best effort, never guesses a unit).

    Example:
        >>> parse_draft_request("Soạn mục Công tác tiếp dân cho báo cáo năm 2025 của xã Ngọc Kỳ").unit
        'xã Ngọc Kỳ'
    """
    text = unicodedata.normalize("NFC", " ".join(message.split()))
    section = None
    if (m := _SECTION.search(text)) is not None:
        section = m.group("section").strip(" ,.;:")
    kind = (m.group(1).lower() if (m := _KIND.search(text)) else None)
    year = int(m.group(1)) if (m := _YEAR.search(text)) else None
    unit = level = None
    if (m := _UNIT.search(text)) is not None:
        level = m.group("level").lower()
        unit = f"{level} {m.group('name')}"
    parents = tuple(f"{m.group('level').lower()} {m.group('name')}" for m in _PARENT.finditer(text))
    return DraftIntent(section=section, kind=kind, year=year, unit=unit, unit_level=level, parent_units=parents)
