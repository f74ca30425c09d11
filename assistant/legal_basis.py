"""The legal basis a draft cites must be in force in the report's year.

Precedents are written years apart: a 2023 report still "tiếp tục thực hiện Pháp lệnh số
34/2007/PL-UBTVQH11", which Luật Thực hiện dân chủ ở cơ sở (10/2022/QH15) repealed from
01/07/2023. For every reference in a draft sentence the directive registry (``index.registry``,
read only) says whether the text was repealed or replaced, from when, and by what. A text no
longer in force in the report's year is swapped for its successor, together with the
successor's detailing decree when the registry knows one (a text in force whose title says it
"quy định chi tiết" the successor: Nghị định 59/2023/NĐ-CP for Luật 10/2022/QH15); when the
registry knows no successor the sentence is dropped. Either way a visible note says what
changed. References by name without a number ("pháp lệnh dân chủ", "Pháp lệnh thực hiện dân
chủ ở xã, phường, thị trấn") are recognised from the record's kind and title words.

Example:
    >>> basis = LegalBasis(registry, 2025)                     # doctest: +SKIP
    >>> basis.apply("Tiếp tục thực hiện Pháp lệnh số 34/2007/PL-UBTVQH11.").text   # doctest: +SKIP
    'Tiếp tục thực hiện Luật số 10/2022/QH15 … và Nghị định số 59/2023/NĐ-CP ….'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.adapt import directive_spans
from assistant.intent import fold

__all__ = ["BasisChange", "CurrentBasis", "LegalBasis"]

OUT_OF_FORCE = ("repealed", "replaced")
_STOP = frozenset({"về", "việc", "của", "và", "ở", "các", "trong", "đối", "với", "cho", "số", "năm", "nhà", "nước"})
# Kind words that are also ordinary words in lower case ("cấp có thẩm quyền quyết định", "kế hoạch của xã")
# name a document only when written with a capital.
_NOUN_ONLY_KINDS = frozenset({"pháp lệnh", "luật", "nghị định", "thông tư", "nghị quyết"})
_DETAILING = re.compile(r"^(?:quy\s+định\s+chi\s+tiết|hướng\s+dẫn\s+thi\s+hành|hướng\s+dẫn)", re.I)


@dataclass(frozen=True)
class BasisChange:
    """One out-of-date reference and what became of it (``new`` None: the sentence was dropped).

    ``evidence`` is where the corpus says so: the repealing clause and the successors' own text,
    as (source, line) pairs, so the new wording can be cited.
    """

    old_id: str
    old: str
    new: str | None
    note: str
    evidence: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class CurrentBasis:
    """A sentence with its legal basis brought up to date (``text`` None: drop the sentence)."""

    text: str | None
    changes: tuple[BasisChange, ...] = ()


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", fold(text)) if w not in _STOP]


_LEVEL_TOKENS = {"xa", "phuong", "thi", "tran"}


def _title_tokens(text: str) -> list[str]:
    """Folded words of a title; "xã", "phường", "thị trấn" are one token (adaptation swaps them)."""
    out: list[str] = []
    for w in re.findall(r"\w+", fold(text)):
        token = "LEVEL" if w in _LEVEL_TOKENS else w
        if not (token == "LEVEL" and out and out[-1] == "LEVEL" and w == "tran"):
            out.append(token)
    return out


class LegalBasis:
    """Checks and updates the references of draft sentences against the registry.

    Args:
        registry: an ``index.registry.Registry`` (anything with ``get(id)`` and ``records()``).
        year: the report's year; a text whose repeal took effect by the end of it is out of date.
    """

    def __init__(self, registry: Any, year: int):
        self.registry = registry
        self.year = year
        self._records = registry.records() if registry is not None and hasattr(registry, "records") else {}

    def out_of_date(self, directive_id: str | None) -> Any:
        """The registry record when ``directive_id`` was no longer in force in the report's year, else None."""
        if not directive_id or self.registry is None:
            return None
        record = self.registry.get(directive_id)
        if record is None or record.status not in OUT_OF_FORCE:
            return None
        effective = (record.status_evidence or {}).get("effective")
        if effective and int(effective[:4]) > self.year:
            return None
        return record

    def successors(self, record: Any) -> list[Any]:
        """What replaced ``record``, then the texts in force that detail it."""
        by = (record.status_evidence or {}).get("by")
        first = self.registry.get(by) if by else None
        if first is None:
            return []
        out = [first]
        title = _words(first.title or "")
        if title:
            for other in self._records.values():
                if other.id == first.id or other.status in OUT_OF_FORCE or not other.title:
                    continue
                if _DETAILING.match(other.title.strip()) and " ".join(title) in " ".join(_words(other.title)):
                    out.append(other)
        return out

    def evidence(self, record: Any) -> tuple[tuple[str, int], ...]:
        """(source, line) of the clause that repealed ``record`` and of its successors' own text."""
        out = []
        for r in [record, *self.successors(record)]:
            ev = r.status_evidence or {}
            if ev.get("source") and ev.get("line"):
                out.append((ev["source"], int(ev["line"])))
        return tuple(dict.fromkeys(out))

    def _replacement(self, record: Any) -> str | None:
        successors = self.successors(record)
        return " và ".join(s.citation for s in successors) if successors else None

    def _short_name(self, record: Any) -> str | None:
        """"Luật Thực hiện dân chủ ở cơ sở": how a text is named without its number."""
        successors = self.successors(record)
        if not successors or not successors[0].title:
            return None
        first = successors[0]
        title = first.title.strip()
        if first.kind.lower() != "luật":
            return first.citation
        return f"{first.kind} {title[:1].upper()}{title[1:]}"

    def _title_end(self, text: str, start: int, title: str | None) -> int:
        """End of "về <title>" written right after a reference, or ``start`` when there is none."""
        if not title:
            return start
        m = re.match(r"\s*,?\s*(?:về|quy định về)\s+(?:việc\s+)?[“\"]?", text[start:], re.I)
        if not m:
            return start
        want = _title_tokens(title)
        pos = start + m.end()
        matched = 0
        previous = ""
        for w in re.finditer(r"\w+", text[pos:]):
            token = _title_tokens(w.group())[0] if _title_tokens(w.group()) else ""
            if previous == "thi" and fold(w.group()) == "tran":      # "thị trấn" read as one level word
                end = pos + w.end()
                previous = "tran"
                continue
            previous = fold(w.group())
            if matched >= len(want) or token != want[matched]:
                break
            matched += 1
            end = pos + w.end()
        if matched < min(4, len(want)):
            return start
        if matched < len(want):   # the title written a little differently: take the rest of its clause
            tail = re.match(r"(?:\s+[^\W\d][\w]*){0,6}?(?=\s*(?:[,;.()]|\s+và\s|$))", text[end:])
            end += tail.end() if tail else 0
        close = re.match(r"[”\"]", text[end:])
        return end + (1 if close else 0)

    def _named_mentions(self, text: str) -> list[tuple[int, int, Any]]:
        """Out-of-date texts named by kind and title words, without a number."""
        out = []
        for record in self._records.values():
            if record.status not in OUT_OF_FORCE or not record.title or not record.kind or self.out_of_date(record.id) is None:
                continue
            title_words = set(_words(record.title))
            flags = re.I if record.kind.lower() in _NOUN_ONLY_KINDS else 0
            kind = record.kind[:1].upper() + record.kind[1:]
            for m in re.finditer(rf"(?<!\w){re.escape(kind)}(?!\w)((?:\s+[^\s\d.;:,()]+){{1,8}})", text, flags):
                tail = m.group(1).split()
                hits = [i for i, w in enumerate(tail) if fold(w) in title_words]
                if len(hits) >= 2 and hits[0] <= 1 and hits[1] - hits[0] <= 2:
                    end = m.start(1) + len(" ".join(m.group(1).split()[: hits[-1] + 1])) + (len(m.group(1)) - len(m.group(1).lstrip()))
                    out.append((m.start(), end, record))
        return out

    def canonical_numbers(self, sentence: str) -> CurrentBasis:
        """``sentence`` with a variant number of a known text ("11-QĐi/TW", a typo the registry keeps as an
        alias) written as the text's own number, so a draft never copies a precedent's misspelt citation."""
        resolve = getattr(self.registry, "resolve", None)
        if resolve is None:
            return CurrentBasis(sentence)
        text, changes = sentence, []
        for start, end, ref in sorted(directive_spans(sentence), key=lambda s: -s[0]):
            variant = getattr(ref, "canonical_id", None)
            if not variant or resolve(variant) == variant:
                continue
            written, own = variant.split("@")[0], resolve(variant).split("@")[0]
            piece = text[start:end]
            if written not in piece:
                continue
            text = text[:start] + piece.replace(written, own, 1) + text[end:]
            changes.append(BasisChange(variant, written, own,
                                       f"Sửa số hiệu {written} thành {own} (cách viết của chính văn bản) / "
                                       f"{written} written as {own}, the text's own number"))
        return CurrentBasis(text, tuple(reversed(changes)))

    def apply(self, sentence: str) -> CurrentBasis:
        """``sentence`` citing only texts in force in the report's year (see the module docstring), every
        known text under its own number (``canonical_numbers``)."""
        if self.registry is None:
            return CurrentBasis(sentence)
        numbered = self.canonical_numbers(sentence)
        current = self._in_force(numbered.text)
        if current.text is None:
            return current
        return CurrentBasis(current.text, numbered.changes + current.changes)

    def _in_force(self, sentence: str) -> CurrentBasis:
        edits: list[tuple[int, int, str | None, Any]] = []
        for start, end, ref in directive_spans(sentence):
            if ref is None:
                continue
            record = self.out_of_date(getattr(ref, "canonical_id", None))
            if record is None:
                continue
            end = self._title_end(sentence, end, record.title)
            edits.append((start, end, self._replacement(record), record))
        taken = [(s, e) for s, e, _, _ in edits]
        for start, end, record in self._named_mentions(sentence):
            if any(start < e and s < end for s, e in taken):
                continue
            edits.append((start, end, self._short_name(record), record))
            taken.append((start, end))
        if not edits:
            return CurrentBasis(sentence)
        changes: list[BasisChange] = []
        text = sentence
        for start, end, new, record in sorted(edits, key=lambda e: -e[0]):
            old = sentence[start:end]
            effective = (record.status_evidence or {}).get("effective") or "?"
            if new is None:
                note = (f"Bỏ câu: {record.kind} {record.id} đã hết hiệu lực ({effective}) và chưa rõ văn bản thay thế / "
                        f"sentence dropped: {record.id} no longer in force, no known successor")
                return CurrentBasis(None, (BasisChange(record.id, old, None, note),))
            note = (f"Thay {record.kind} {record.id} (hết hiệu lực từ {effective}) bằng {new} / "
                    f"replaced {record.id}, no longer in force, by its successor")
            changes.append(BasisChange(record.id, old, new, note, self.evidence(record)))
            text = text[:start] + new + text[end:]
        text = self._dedupe(text)
        return CurrentBasis(text, tuple(reversed(changes)))

    @staticmethod
    def _dedupe(text: str) -> str:
        """"Luật X và Luật X" after two old texts were both swapped for the same successor."""
        parts = re.split(r"(\s*(?:;|,| và )\s*)", text)
        seen: set[str] = set()
        out: list[str] = []
        for i in range(0, len(parts), 2):
            piece = parts[i]
            key = piece.strip()
            if len(key) > 25 and key in seen:
                if out:
                    out.pop()   # the separator before the repeated piece
                continue
            seen.add(key)
            out.append(piece)
            if i + 1 < len(parts):
                out.append(parts[i + 1])
        return "".join(out)
