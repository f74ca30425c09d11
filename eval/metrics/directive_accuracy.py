"""Directive accuracy: the share of directive references in drafts that exist in the registry and
match its number, date and issuer.

A reference is correct when its number is in the registry and every field the reference states (date,
issuer) equals the registry's; a field the reference leaves out is not held against it. Numbers are
compared after :func:`directive_key` (NFC, upper case, spaces removed, "-"/"/" variants kept), issuers
case-insensitively after whitespace collapsing.

Example:
    >>> from datetime import date
    >>> reg = {directive_key("33/CT-TTg"): RegistryEntry("33/CT-TTg", date(2021, 11, 26), "Thủ tướng Chính phủ")}
    >>> directive_accuracy([DirectiveReference("33/CT-TTg", date(2021, 11, 26), None)], reg)
    1.0
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DirectiveReference:
    """A directive reference as written in a draft (fields the draft omits are None)."""

    number: str
    date: date | None = None
    issuer: str | None = None


@dataclass(frozen=True)
class RegistryEntry:
    """What the directive registry knows about one directive."""

    number: str
    date: date | None
    issuer: str | None


def directive_key(number: str) -> str:
    """Comparison key of a directive number: NFC, upper case, no whitespace ("33/CT TTg" ≠ "33/CT-TTg")."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", number)).upper()


def _issuer_key(issuer: str) -> str:
    return " ".join(unicodedata.normalize("NFC", issuer).split()).casefold()


def reference_problems(ref: DirectiveReference, registry: Mapping[str, RegistryEntry]) -> tuple[str, ...]:
    """Why a reference is wrong: ``("unknown",)``, ``("date",)``, ``("issuer",)``…; empty if correct.

    Args:
        ref: the reference found in the draft.
        registry: entries keyed by :func:`directive_key` of their number.
    """
    entry = registry.get(directive_key(ref.number))
    if entry is None:
        return ("unknown",)
    problems = []
    if ref.date is not None and ref.date != entry.date:
        problems.append("date")
    if ref.issuer is not None and (entry.issuer is None or _issuer_key(ref.issuer) != _issuer_key(entry.issuer)):
        problems.append("issuer")
    return tuple(problems)


def directive_accuracy(refs: Sequence[DirectiveReference], registry: Mapping[str, RegistryEntry]) -> float:
    """Share of references with no problem (0.0 for no references)."""
    if not refs:
        return 0.0
    return sum(1 for ref in refs if not reference_problems(ref, registry)) / len(refs)
