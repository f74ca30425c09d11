"""Which indexed documents are the clerk's own unit's, so they come first as precedents.

A clerk who uploaded "UBND xã Đại Đồng 2024" and now drafts Đại Đồng 2025 should see last
year's own report used first: its formulas in the unit's own wording, its places, and (as
hints in questions) what it said last year. A document is the unit's own when its unit name
is the same (case and accents folded), its level agrees, and no known parent (district,
province) disagrees — "xã Hòa Bình" of Tứ Kỳ is not "xã Hòa Bình" of another province.

Example:
    >>> is_own_document({"unit": "UBND xã Đại Đồng", "unit_level": "xã"}, UnitRef.parse("UBND xã Đại Đồng"))
    True
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from assistant.adapt import UnitRef, parse_unit
from assistant.intent import fold

__all__ = ["is_own_document", "own_document_ids", "unit_of_meta"]


def unit_of_meta(meta: Mapping[str, Any]) -> UnitRef | None:
    """The unit a chunk's document was written by, from its metadata (None when unknown)."""
    unit = meta.get("unit")
    if not unit:
        return None
    try:
        return parse_unit(str(unit), meta.get("unit_level"), tuple(meta.get("parent_units") or ()))
    except ValueError:
        return None


def _parents(unit: UnitRef) -> dict[str, str]:
    out = {}
    for level in ("tỉnh", "thành phố", "huyện", "thị xã", "quận"):
        name = unit.parent(level)
        if name:
            out[level] = fold(name)
    return out


def is_own_document(meta: Mapping[str, Any], target: UnitRef) -> bool:
    """True when the document was written by ``target`` (see the module docstring)."""
    if meta.get("is_governing"):
        return False
    unit = unit_of_meta(meta)
    if unit is None or fold(unit.name) != fold(target.name) or unit.level != target.level:
        return False
    mine, theirs = _parents(target), _parents(unit)
    return all(theirs[level] == name for level, name in mine.items() if level in theirs)


def own_document_ids(chunks: Iterable[Any], target: UnitRef) -> set[str]:
    """Ids of the indexed documents written by ``target``."""
    return {c.doc_id for c in chunks if is_own_document(c.meta, target)}
