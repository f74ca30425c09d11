"""Typed loaders for the hand-written evaluation datasets in ``eval/data/*.jsonl``.

Each line is one JSON object with an ``"id"`` and a ``"split"`` (``"dev"`` for tuning, ``"test"`` held
out, never used to choose a threshold). Loaders validate every field and raise :class:`DatasetError`
naming the file and line, so a typo in a dataset fails loudly instead of silently skewing a metric.

Example:
    >>> queries = load_retrieval()
    >>> {q.type for q in queries} == {"verbatim", "paraphrase", "no_diacritics"}
    True
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from index.errors import SoanThaoError

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
SPLITS = ("dev", "test")
QUERY_TYPES = ("verbatim", "paraphrase", "no_diacritics")
#: Retrieval queries written blind, after the system was frozen, by someone who ran no retriever
#: (eval/README.md); reported apart from the first 50, which were written while it was built.
BLIND_RETRIEVAL_IDS = frozenset(f"r{i:03d}" for i in range(51, 91))
SUPPORT_KINDS = ("paraphrase", "verbatim", "hard_negative_figure", "hard_negative_unit", "topic_negative", "unrelated")
DOCUMENT_KINDS = ("báo cáo", "kế hoạch")
UNIT_LEVELS = ("xã", "phường", "thị trấn")

T = TypeVar("T")


class DatasetError(SoanThaoError):
    """A dataset line is malformed; the message names the file and line."""

    def __init__(self, path: Path | str, line: int, reason: str):
        self.path = str(path)
        self.line = line
        self.reason = reason
        super().__init__(
            f"Tập dữ liệu đánh giá {self.path}, dòng {line}: không hợp lệ / "
            f"Evaluation dataset {self.path}, line {line}: {reason}"
        )


def normalize_for_match(text: str) -> str:
    """The normalization gold spans are checked under: NFC, ``ƣ``→``ư``, soft hyphens and Markdown
    ``*`` removed, hard line breaks joined, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text).replace("ƣ", "ư").replace("Ƣ", "Ư").replace("\u00ad", "")
    text = text.replace("*", "")
    return " ".join(text.split())


@dataclass(frozen=True)
class RetrievalQuery:
    """A search query with its gold document(s) and a short gold span from the gold passage."""

    id: str
    query: str
    type: str
    gold_sources: tuple[str, ...]
    gold_span: str
    split: str


@dataclass(frozen=True)
class SupportPair:
    """A (sentence, passage) pair labelled by hand: does the passage support the sentence?"""

    id: str
    sentence: str
    passage: str
    supported: bool
    kind: str
    split: str
    source: str | None = None


@dataclass(frozen=True)
class _Request:
    """What every drafting request names: the section, the unit, the year, the kind and the clerk's facts."""

    id: str
    section: str
    unit: str
    unit_level: str
    parent_units: tuple[str, ...]
    year: int
    kind: str
    facts: str | None


@dataclass(frozen=True)
class DraftingRequest(_Request):
    """A drafting request with its gold precedent documents and sections."""

    gold_sources: tuple[str, ...]
    gold_sections: tuple[str, ...]
    split: str


@dataclass(frozen=True)
class ExpectedFact:
    """One fact of a request's clerk facts that the draft must state (written by hand with the request).

    ``kind``: "value" (``value`` next to its ``unit``, e.g. "31" "lượt"; ``what`` narrows it: "khiếu nại"),
    "pending" (``value`` ``unit`` still open: "1 đơn đang xác minh"), "none" (``what``: "đơn tố cáo" — there
    was none), "place" (``what``: "thôn Đông").
    """

    kind: str
    value: str | None = None
    unit: str | None = None
    what: str | None = None


@dataclass(frozen=True)
class UnitDraftingRequest(_Request):
    """A drafting request for a unit outside the corpus, with the facts its draft must state."""

    outline: bool
    expected_facts: tuple[ExpectedFact, ...]
    split: str


@dataclass(frozen=True)
class SentenceLabel:
    """A precedent sentence labelled by hand: "unit_fact", "formula" or "heading" (see eval/README.md)."""

    id: str
    source: str
    section: str
    text: str
    label: str
    reasons: tuple[str, ...]
    split: str


@dataclass(frozen=True)
class GoldAlignment:
    """Gold section alignment of two documents; ``None`` on a side means "unmatched"."""

    id: str
    a_source: str
    b_source: str
    pairs: tuple[tuple[str | None, str | None], ...]
    split: str


class JsonlLine:
    """Field access on one JSON object, raising DatasetError with file and line."""

    def __init__(self, path: Path, number: int, obj: dict[str, Any]):
        self.path, self.number, self.obj = path, number, obj

    def fail(self, reason: str) -> DatasetError:
        return DatasetError(self.path, self.number, reason)

    def get(self, key: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
        if key not in self.obj:
            if optional:
                return None
            raise self.fail(f"missing field {key!r}")
        value = self.obj[key]
        if value is None and optional:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"field {key!r} should be {kind}, got {type(value).__name__}")
        if isinstance(value, str) and not value.strip():
            raise self.fail(f"field {key!r} is empty")
        return value

    def choice(self, key: str, allowed: Sequence[str]) -> str:
        value = self.get(key, str)
        if value not in allowed:
            raise self.fail(f"field {key!r} is {value!r}, expected one of {list(allowed)}")
        return value

    def strings(self, key: str, *, allow_empty: bool = False) -> tuple[str, ...]:
        value = self.get(key, list)
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"field {key!r} should be a list of non-empty strings")
        if not value and not allow_empty:
            raise self.fail(f"field {key!r} is an empty list")
        return tuple(value)

    def nfc(self, key: str, value: str) -> str:
        if unicodedata.normalize("NFC", value) != value:
            raise self.fail(f"field {key!r} is not NFC")
        return value


def jsonl_lines(path: Path) -> Iterator[JsonlLine]:
    """Each non-blank line of a JSONL dataset as a ``JsonlLine``; errors name the file and line."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DatasetError(path, 0, "file not found") from exc
    for number, text in enumerate(raw.splitlines(), start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DatasetError(path, number, f"invalid JSON: {exc.msg} at column {exc.colno}") from exc
        if not isinstance(obj, dict):
            raise DatasetError(path, number, "each line must be a JSON object")
        yield JsonlLine(path, number, obj)


def _load(path: Path, parse: Callable[[JsonlLine], T]) -> list[T]:
    records: list[T] = []
    seen: dict[str, int] = {}
    for line in jsonl_lines(path):
        record_id = line.get("id", str)
        if record_id in seen:
            raise line.fail(f"duplicate id {record_id!r} (first on line {seen[record_id]})")
        seen[record_id] = line.number
        records.append(parse(line))
    logger.debug("loaded %d records from %s", len(records), path)
    return records


def _source(line: JsonlLine, value: str) -> str:
    if value.startswith("/") or ".." in Path(value).parts:
        raise line.fail(f"source {value!r} must be a path relative to the corpus root")
    return value


def _parse_retrieval(line: JsonlLine) -> RetrievalQuery:
    if "gold_sources" in line.obj:
        sources = line.strings("gold_sources")
        if "gold_source" in line.obj and line.obj["gold_source"] not in sources:
            raise line.fail("gold_source must be one of gold_sources")
    else:
        sources = (line.get("gold_source", str),)
    span = line.nfc("gold_span", line.get("gold_span", str))
    if span != normalize_for_match(span):
        raise line.fail("gold_span must be one line, whitespace-collapsed, without '*' or 'ƣ'")
    return RetrievalQuery(
        id=line.get("id", str),
        query=line.nfc("query", line.get("query", str)),
        type=line.choice("type", QUERY_TYPES),
        gold_sources=tuple(_source(line, s) for s in sources),
        gold_span=span,
        split=line.choice("split", SPLITS),
    )


def _parse_support(line: JsonlLine) -> SupportPair:
    supported = line.get("supported", bool)
    kind = line.choice("kind", SUPPORT_KINDS)
    if supported != (kind in ("paraphrase", "verbatim")):
        raise line.fail(f"kind {kind!r} contradicts supported={supported}")
    return SupportPair(
        id=line.get("id", str),
        sentence=line.nfc("sentence", line.get("sentence", str)),
        passage=line.nfc("passage", line.get("passage", str)),
        supported=supported,
        kind=kind,
        split=line.choice("split", SPLITS),
        source=_source(line, line.get("source", str)) if "source" in line.obj else None,
    )


def _parse_drafting(line: JsonlLine) -> DraftingRequest:
    year = line.get("year", int)
    if not 2000 <= year <= 2100:
        raise line.fail(f"year {year} out of range")
    return DraftingRequest(
        id=line.get("id", str),
        section=line.nfc("section", line.get("section", str)),
        unit=line.nfc("unit", line.get("unit", str)),
        unit_level=line.choice("unit_level", UNIT_LEVELS),
        parent_units=line.strings("parent_units", allow_empty=True),
        year=year,
        kind=line.choice("kind", DOCUMENT_KINDS),
        facts=line.get("facts", str, optional=True),
        gold_sources=tuple(_source(line, s) for s in line.strings("gold_sources")),
        gold_sections=line.strings("gold_sections"),
        split=line.choice("split", SPLITS),
    )


SENTENCE_LABELS = ("unit_fact", "formula", "heading")
LABEL_REASONS = ("F", "N", "E", "O", "C")
EXPECTED_KINDS = ("value", "pending", "none", "place")


def _parse_expected(line: JsonlLine, i: int, raw: Any) -> ExpectedFact:
    if not isinstance(raw, dict):
        raise line.fail(f"expected_facts[{i}] must be an object")
    if "none" in raw:
        return ExpectedFact("none", what=str(raw["none"]))
    if "place" in raw:
        return ExpectedFact("place", what=str(raw["place"]))
    if "pending" in raw and raw.get("unit"):
        return ExpectedFact("pending", value=str(raw["pending"]), unit=str(raw["unit"]))
    if "value" in raw and raw.get("unit"):
        return ExpectedFact("value", value=str(raw["value"]), unit=str(raw["unit"]), what=raw.get("what"))
    raise line.fail(f"expected_facts[{i}] needs value+unit, pending+unit, none or place")


def _parse_unit_drafting(line: JsonlLine) -> UnitDraftingRequest:
    outline = line.get("outline", bool)
    section = line.obj.get("section") or ""
    if not outline and not section.strip():
        raise line.fail("a section request needs a section")
    facts = line.get("facts", str, optional=True)
    expected = tuple(_parse_expected(line, i, raw) for i, raw in enumerate(line.get("expected_facts", list)))
    if facts and not expected:
        raise line.fail("a request with facts must list its expected_facts")
    return UnitDraftingRequest(
        id=line.get("id", str), section=line.nfc("section", section) if section else "",
        unit=line.nfc("unit", line.get("unit", str)), unit_level=line.choice("unit_level", UNIT_LEVELS),
        parent_units=line.strings("parent_units", allow_empty=True), year=line.get("year", int),
        kind=line.choice("kind", DOCUMENT_KINDS), outline=outline, facts=facts, expected_facts=expected,
        split=line.choice("split", SPLITS),
    )


def _parse_sentence_label(line: JsonlLine) -> SentenceLabel:
    reasons = line.strings("reasons", allow_empty=True)
    label = line.choice("label", SENTENCE_LABELS)
    if any(r not in LABEL_REASONS for r in reasons):
        raise line.fail(f"reasons must be among {list(LABEL_REASONS)}")
    if (label == "unit_fact") != bool(reasons):
        raise line.fail("a unit_fact lists its reasons, and only a unit_fact does")
    return SentenceLabel(id=line.get("id", str), source=_source(line, line.get("source", str)),
                         section=line.obj.get("section") or "", text=line.nfc("text", line.get("text", str)),
                         label=label, reasons=reasons, split=line.choice("split", SPLITS))


def _parse_alignment(line: JsonlLine) -> GoldAlignment:
    raw_pairs = line.get("pairs", list)
    pairs: list[tuple[str | None, str | None]] = []
    for i, pair in enumerate(raw_pairs):
        if not isinstance(pair, dict) or set(pair) != {"a", "b"}:
            raise line.fail(f"pairs[{i}] must be an object with exactly 'a' and 'b'")
        a, b = pair["a"], pair["b"]
        if a is None and b is None:
            raise line.fail(f"pairs[{i}] has neither side")
        if any(v is not None and (not isinstance(v, str) or not v.strip()) for v in (a, b)):
            raise line.fail(f"pairs[{i}] sides must be non-empty strings or null")
        pairs.append((a, b))
    for side in (0, 1):
        names = [p[side] for p in pairs if p[side] is not None]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise line.fail(f"section(s) listed twice on side {'ab'[side]}: {sorted(duplicates)}")
    return GoldAlignment(
        id=line.get("id", str),
        a_source=_source(line, line.get("a_source", str)),
        b_source=_source(line, line.get("b_source", str)),
        pairs=tuple(pairs),
        split=line.choice("split", SPLITS),
    )


def load_retrieval(path: Path = DATA_DIR / "retrieval.jsonl") -> list[RetrievalQuery]:
    """Load and validate the retrieval queries."""
    return _load(path, _parse_retrieval)


def load_support_pairs(path: Path = DATA_DIR / "support_pairs.jsonl") -> list[SupportPair]:
    """Load and validate the labelled support pairs."""
    return _load(path, _parse_support)


def load_drafting(path: Path = DATA_DIR / "drafting.jsonl") -> list[DraftingRequest]:
    """Load and validate the drafting requests."""
    return _load(path, _parse_drafting)


def load_unit_drafting(path: Path = DATA_DIR / "drafting_units.jsonl") -> list[UnitDraftingRequest]:
    """Load and validate the drafting requests for units outside the corpus."""
    return _load(path, _parse_unit_drafting)


def load_sentence_kinds(path: Path = DATA_DIR / "sentence_kinds.jsonl") -> list[SentenceLabel]:
    """Load and validate the hand-labelled precedent sentences."""
    return _load(path, _parse_sentence_label)


def load_compare_gold(path: Path = DATA_DIR / "compare_gold.jsonl") -> list[GoldAlignment]:
    """Load and validate the gold section alignments."""
    return _load(path, _parse_alignment)


def by_split(records: Sequence[T], split: str) -> list[T]:
    """The records of one split ("dev" or "test")."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {SPLITS}")
    return [r for r in records if getattr(r, "split") == split]


def span_in_text(span: str, text: str) -> bool:
    """True if ``span`` occurs in ``text`` once both are normalized with :func:`normalize_for_match`."""
    return normalize_for_match(span) in normalize_for_match(text)
