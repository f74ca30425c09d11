"""Out-of-date legal basis: references in a draft to texts no longer in force in the report's year.

A reference is out of date when the directive registry (built from the corpus's own repeal and
replacement clauses) records the text as repealed or replaced with effect by the end of the report's
year. References are found by the directives parser (numbered) and, for texts cited without a number,
by their kind followed within two words by two words of their title ("pháp lệnh dân chủ").

Example:
    >>> statuses = {"34/2007/PL-UBTVQH11": TextStatus("repealed", "2023-07-01", "Pháp lệnh", "thực hiện dân chủ ở xã")}
    >>> outdated_references("Thực hiện Pháp lệnh số 34/2007/PL-UBTVQH11.", statuses, 2025)
    ['34/2007/PL-UBTVQH11']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class TextStatus:
    """What the registry says of one text: status, from when, its kind and title."""

    status: str
    effective: str | None
    kind: str | None = None
    title: str | None = None


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _out(status: TextStatus, year: int) -> bool:
    return status.status in ("repealed", "replaced") and (not status.effective or int(status.effective[:4]) <= year)


def outdated_references(text: str, statuses: Mapping[str, TextStatus], year: int) -> list[str]:
    """Ids of the out-of-date texts ``text`` refers to, once per mention."""
    from index.citations import find_citations

    found = [ref.canonical_id for ref in find_citations(text)
             if ref.canonical_id in statuses and _out(statuses[ref.canonical_id], year)]
    for key, status in statuses.items():
        if not _out(status, year) or not status.kind or not status.title:
            continue
        title = [w for w in re.findall(r"\w+", _fold(status.title)) if len(w) > 1]
        kind = status.kind[:1].upper() + status.kind[1:]
        # "quyết định", "kế hoạch" in lower case are a verb and a common noun, not a document's name
        flags = re.I if _fold(status.kind) in NOUN_KINDS else 0
        for m in re.finditer(rf"(?<!\w){re.escape(kind)}((?:\s+\S+){{1,4}})", text, flags):
            words = re.findall(r"\w+", _fold(m.group(1)))[:3]
            if words and words[0] in title and sum(w in title for w in words) >= 2 and not re.search(r"\d", m.group(1)):
                found.append(key)
    return found


NOUN_KINDS = frozenset({"pháp lệnh", "luật", "nghị định", "thông tư"})
