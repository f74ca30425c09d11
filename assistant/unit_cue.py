"""A search query that names a unit whose documents are indexed ("tồn tại năm 2024 của xã Quang Trung")
lifts the passages of those documents.

A report names its unit in its header only; a passage in the middle of it ("Chưa có sự phối hợp đồng
bộ giữa chính quyền, Mặt trận …") does not say "Quang Trung", so neither BM25 nor the embedding can
use the unit the clerk named. The unit is document metadata (``meta["unit_level"]``/``"unit_name"``,
read by the structure parser), so the query is matched against it:

* the name as written, accents and all ("Quang Trung", "Cần Thơ"), case-insensitively, whole words;
* or, typed without accents, the level word with the name ("xa song van"): a bare unaccented name
  could be ordinary words ("doi song van hoa" is not xã Song Vân).

Only names of two syllables or more count. Matched documents' passages get ``UNIT_BOOST`` added to
their fused score (convex fusion's scores are in [0, 1]): a lift, not a filter, so a question about a
unit that a law answers still finds the law.

Example:
    >>> units = DocumentUnits([("seeds/001.txt", "xã", "Quang Trung")])
    >>> units.named("tồn tại năm 2024 của xã Quang Trung")
    {'seeds/001.txt'}
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from assistant.intent import fold

#: Added to the fused score (in [0, 1]) of passages of a unit the query names. Chosen on the dev split.
UNIT_BOOST = 0.2


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text))


class DocumentUnits:
    """The units of the indexed documents, to find the ones a query names.

    Args:
        units: (source, unit level, unit name) per document; entries without a name are ignored.
    """

    def __init__(self, units: Iterable[tuple[str, str | None, str | None]]):
        self._accented: list[tuple[re.Pattern[str], str]] = []
        self._folded: list[tuple[str, str]] = []
        for source, level, name in units:
            if not name or len(name.split()) < 2:
                continue
            lowered = unicodedata.normalize("NFC", name).lower()
            self._accented.append((re.compile(rf"(?<!\w){re.escape(lowered)}(?!\w)"), source))
            if level:
                self._folded.append((f" {_words(fold(level))} {_words(fold(name))} ", source))

    @classmethod
    def of_chunks(cls, chunks: Iterable) -> "DocumentUnits":
        seen: dict[str, tuple[str, str | None, str | None]] = {}
        for chunk in chunks:
            if chunk.source not in seen:
                meta = chunk.meta or {}
                seen[chunk.source] = (chunk.source, meta.get("unit_level"), meta.get("unit_name"))
        return cls(seen.values())

    def named(self, query: str) -> set[str]:
        """Sources of the documents whose unit the query names."""
        lowered = unicodedata.normalize("NFC", query).lower()
        folded = f" {_words(fold(query))} "
        found = {source for pattern, source in self._accented if pattern.search(lowered)}
        found |= {source for phrase, source in self._folded if phrase in folded}
        return found


def lift_named_units(ranked: list[tuple[int, float]], sources_of: list[str], named: set[str],
                     boost: float = UNIT_BOOST) -> list[tuple[int, float]]:
    """``ranked`` (position, fused score) with ``boost`` added to passages whose source is in ``named``; re-sorted."""
    if not named:
        return ranked
    lifted = [(pos, score + boost if sources_of[pos] in named else score) for pos, score in ranked]
    order = {pos: i for i, (pos, _) in enumerate(ranked)}
    return sorted(lifted, key=lambda kv: (-kv[1], order[kv[0]]))
