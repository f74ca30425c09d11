"""Grounded drafting: a section (or a whole report) for the clerk's unit, every sentence cited.

The default drafter is extractive, because no small local model drafts acceptably
(``DEPENDENCIES.md``). For a requested section it:

1. retrieves precedent passages, preferring chunks whose section path matches the
   request (``rapidfuzz`` on heading wording), and takes the whole matching section
   of the best few precedent documents;
2. splits them into sentences (``index.sentences``);
3. groups near-duplicate sentences across precedents and keeps the representative
   with the fewest local facts (ties: the better-ranked precedent);
4. orders the groups the way precedents order that section (mean relative position);
5. adapts each sentence to the target unit and year (``assistant.adapt``), cites its
   source(s) ``[n]``, and verifies the result (``assistant.verify``).

With ``use_llm`` the numbered, already-masked sources go to an OpenAI-compatible
server (``assistant.llm``); the reply is verified the same way, and an unreachable
server falls back to the extractive draft with a warning.

Example:
    >>> req = DraftRequest(section="Công tác tiếp dân", unit="UBND xã Ngọc Kỳ", year=2024)
    >>> draft = draft_section(req, settings)   # doctest: +SKIP
    >>> draft_to_json(draft)["text"]           # doctest: +SKIP
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Literal, Sequence

from assistant.adapt import AdaptedSentence, ClerkFact, UnitRef, adapt_sentence, parse_clerk_facts, parse_unit
from assistant.errors import InvalidRequestError, LLMUnavailableError
from index.sentences import split_sentences
from assistant.verify import (
    Citation,
    CitedSentence,
    DirectiveCheck,
    VerificationResult,
    VerifiedSentence,
    format_markers,
    parse_cited_text,
    verify_draft,
)
from index.pages import page_label
from index.schema import Chunk
from index.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "DraftRequest",
    "DraftSection",
    "Draft",
    "SectionDrafter",
    "draft_section",
    "draft_report",
    "draft_to_json",
    "learn_outline",
    "DEFAULT_OUTLINE",
]

Scope = Literal["same_unit", "same_province", "all"]
SCOPES = ("same_unit", "same_province", "all")
SECTION_MATCH_MIN = 70.0     # rapidfuzz token_set_ratio for "this chunk is that section"
DUPLICATE_MIN = 80.0         # two precedent sentences say the same thing
CO_CITE_MIN = 88.0           # ... closely enough to cite both sources
MAX_PRECEDENTS = 3
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
_HEADING_LIKE = re.compile(r"^\s*(?:[IVX]+|\d+(?:\.\d+)*|[a-zđ])\s*[.)\-]\s*\S")

# Slots of the standard report outline, recognised by keywords in corpus headings.
OUTLINE_SLOTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("dac_diem", ("đặc điểm", "tình hình chung", "khái quát"), "ĐẶC ĐIỂM TÌNH HÌNH"),
    ("lanh_dao", ("lãnh đạo", "chỉ đạo", "triển khai"), "CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO"),
    ("ket_qua", ("kết quả",), "KẾT QUẢ THỰC HIỆN"),
    ("danh_gia", ("đánh giá", "hạn chế", "tồn tại"), "ĐÁNH GIÁ CHUNG"),
    ("phuong_huong", ("phương hướng", "nhiệm vụ", "giải pháp"), "PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {next_year}"),
)
DEFAULT_OUTLINE: tuple[str, ...] = tuple(title for _, _, title in OUTLINE_SLOTS)


@dataclass(frozen=True)
class DraftRequest:
    """What the clerk asks for.

    Args:
        section: free text ("Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo") or an outline heading.
        unit: the clerk's unit ("UBND xã Ngọc Kỳ").
        year: reporting year.
        unit_level: "xã", "phường", "thị trấn" (taken from ``unit`` when it says so).
        parent_units: ("huyện Tứ Kỳ", "tỉnh Hải Dương") when known.
        kind: "báo cáo" or "kế hoạch".
        facts: the clerk's own facts, the only allowed source of local figures.
        scope: which precedents: "same_unit", "same_province" or "all".
        outline: draft the whole report skeleton.
        use_llm: let the configured OpenAI-compatible server write (verified the same way).
        strict: remove unsupported sentences instead of flagging them.
        max_sentences: sentences per section.
    """

    section: str
    unit: str
    year: int
    unit_level: str | None = None
    parent_units: tuple[str, ...] = ()
    kind: str = "báo cáo"
    facts: str | None = None
    scope: Scope = "all"
    outline: bool = False
    use_llm: bool = False
    strict: bool = False
    max_sentences: int = 8

    def __post_init__(self) -> None:
        nfc = lambda s: unicodedata.normalize("NFC", s).strip() if isinstance(s, str) else s  # noqa: E731
        object.__setattr__(self, "section", nfc(self.section or ""))
        object.__setattr__(self, "unit", nfc(self.unit or ""))
        object.__setattr__(self, "facts", nfc(self.facts) if self.facts else None)
        object.__setattr__(self, "parent_units", tuple(nfc(p) for p in (self.parent_units or ()) if p))
        if not self.unit:
            raise InvalidRequestError("Thiếu đơn vị (ví dụ “UBND xã Ngọc Kỳ”) / the unit is required")
        if not self.section and not self.outline:
            raise InvalidRequestError("Thiếu mục cần soạn / the section is required (or use --outline)")
        if not isinstance(self.year, int) or not 1990 <= self.year <= 2100:
            raise InvalidRequestError(f"Năm báo cáo không hợp lệ: {self.year!r} / invalid year")
        if self.scope not in SCOPES:
            raise InvalidRequestError(f"Phạm vi không hợp lệ: {self.scope!r}; dùng / use {SCOPES}")
        if self.max_sentences < 1:
            raise InvalidRequestError("max_sentences phải ≥ 1 / must be >= 1")
        try:
            parse_unit(self.unit, self.unit_level, self.parent_units)
        except ValueError as exc:
            raise InvalidRequestError(str(exc)) from exc

    @property
    def target(self) -> UnitRef:
        return parse_unit(self.unit, self.unit_level, self.parent_units)

    def to_json(self) -> dict[str, Any]:
        return {
            "section": self.section, "unit": self.unit, "unit_level": self.target.level,
            "parent_units": list(self.parent_units), "year": self.year, "kind": self.kind, "facts": self.facts,
            "scope": self.scope, "outline": self.outline, "use_llm": self.use_llm, "strict": self.strict,
        }


@dataclass(frozen=True)
class DraftSection:
    """One drafted section of a report: its heading and its verified sentences."""

    heading: str
    sentences: tuple[VerifiedSentence, ...]

    @property
    def text(self) -> str:
        return " ".join(format_markers(s.text, s.citations) for s in self.sentences if not s.removed)


@dataclass(frozen=True)
class Draft:
    """A drafted section or report, verified. ``sentences`` excludes those removed in strict mode."""

    request: DraftRequest
    text: str
    sentences: tuple[VerifiedSentence, ...]
    citations: tuple[Citation, ...]
    placeholders: tuple[str, ...]
    directives: tuple[DirectiveCheck, ...]
    leaks: tuple[str, ...]
    warnings: tuple[str, ...]
    sections: tuple[DraftSection, ...] = ()
    title: str = ""
    header: tuple[str, ...] = ()
    opening: str = ""
    closing: tuple[str, ...] = ()
    threshold: float = 0.0


# --------------------------------------------------------------------------- helpers


def _norm_heading(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"^\s*(?:#+\s*)?(?:[ivx]+|\d+(?:\.\d+)*|[a-zđ])\s*[.)\-–:]\s*", "", text)
    text = re.sub(r"\b(?:năm\s+)?(?:19|20)\d{2}\b", " ", text)
    return re.sub(r"[^\w\s]", " ", text).strip()


def section_match(section: str, path: Sequence[str]) -> float:
    """Best rapidfuzz token_set_ratio between the requested section and any heading of ``path``."""
    return _best_heading(section, path)[0]


def _best_heading(section: str, path: Sequence[str]) -> tuple[float, int]:
    """(best score, index of the best-matching heading in ``path``; the innermost on ties)."""
    from rapidfuzz import fuzz

    want = _norm_heading(section)
    if not want or not path:
        return 0.0, len(path) - 1
    scores = [fuzz.token_set_ratio(want, _norm_heading(h)) for h in path]
    best = max(scores)
    return best, max(i for i, sc in enumerate(scores) if sc == best)


def _unit_of(meta: dict[str, Any]) -> UnitRef | None:
    unit = meta.get("unit")
    if not unit:
        return None
    try:
        return parse_unit(str(unit), meta.get("unit_level"), tuple(meta.get("parent_units") or ()))
    except ValueError:
        return None


def _is_body_sentence(text: str) -> bool:
    words = text.split()
    if len(words) < 6:
        return False
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        return False  # an all-caps heading or signature line
    if _HEADING_LIKE.match(text) and len(words) < 14:
        return False  # a numbered heading that the parser left in the body
    first_letter = next((c for c in text if c.isalpha()), "")
    if first_letter.islower():
        return False  # a fragment: the chunk overlap starts mid-sentence
    if re.match(r"^(?:Trên đây là|Nơi nhận|TM\.|KT\.|Kính gửi)", text):
        return False
    return True


def _strip_enumerator(text: str) -> str:
    """"- Đảng ủy…" / "a) Tổ chức…" / "2. Tiếp tục…" → the sentence without its list mark."""
    return re.sub(r"^(?:[-+*•]|\d+(?:\.\d+)*\.|[a-zđ]\))\s+", "", text)


def _is_own_heading(text: str, chunk: Chunk) -> bool:
    """The section's heading repeated inside the chunk body."""
    norm = _norm_heading(text)
    return any(norm == _norm_heading(h) for h in chunk.section_path)


def _complete(text: str) -> bool:
    return text.rstrip().endswith((".", "!", "?", "…", ";", ":", "”", '"'))


def _all_chunks(retriever: Any) -> Sequence[Chunk]:
    index = getattr(retriever, "index", None)
    return getattr(index, "chunks", ()) if index is not None else ()


def _corpus_units(chunks: Iterable[Chunk]) -> list[UnitRef]:
    seen: dict[str, UnitRef] = {}
    for c in chunks:
        if c.meta.get("is_governing"):
            continue
        u = _unit_of(c.meta)
        if u is not None:
            seen.setdefault(u.full, u)
    return list(seen.values())


def _other_names(units: Iterable[UnitRef], target: UnitRef) -> list[str]:
    own = {target.name.casefold()} | {p.split(" ", 1)[-1].casefold() for p in target.parents}
    names: set[str] = set()
    for u in units:
        names.add(u.name)
        for p in u.parents:
            names.add(p.split(" ", 1)[-1] if " " in p else p)
    return sorted(n for n in names if n and n.casefold() not in own)


@dataclass
class _Candidate:
    doc_rank: int
    position: float          # relative position in its precedent section (0..1)
    chunk: Chunk
    source: str              # precedent sentence
    adapted: AdaptedSentence
    group: list["_Candidate"] = field(default_factory=list)


class _CitationBook:
    """Numbers sources by first use across a whole report."""

    def __init__(self) -> None:
        self._by_chunk: dict[str, Citation] = {}
        self._quotes: dict[str, list[str]] = defaultdict(list)

    def cite(self, chunk: Chunk, quote: str) -> int:
        if chunk.chunk_id not in self._by_chunk:
            unit = _unit_of(chunk.meta)
            self._by_chunk[chunk.chunk_id] = Citation(
                n=len(self._by_chunk) + 1, doc_id=chunk.doc_id, source=chunk.source, section=chunk.section,
                text=chunk.text, unit=chunk.meta.get("unit"), unit_name=unit.name if unit else None,
                year=chunk.meta.get("year"), line_start=chunk.line_start, line_end=chunk.line_end,
                page=page_label(chunk.meta),
            )
        if quote and quote not in self._quotes[chunk.chunk_id]:
            self._quotes[chunk.chunk_id].append(quote)
        return self._by_chunk[chunk.chunk_id].n

    @property
    def citations(self) -> tuple[Citation, ...]:
        return tuple(replace(c, quote=" ".join(self._quotes[cid])) for cid, c in self._by_chunk.items())


# --------------------------------------------------------------------------- drafter


class SectionDrafter:
    """Drafts one section at a time against a loaded retriever.

    Args:
        settings: project settings (LLM server, data folder).
        retriever: an ``assistant.retrieve.Retriever`` (or anything with ``search(query, k, filters)``
            and ``index.chunks``); default: the index in ``settings.data_dir``.
        embedder: for the support score; default: the retriever's.
        registry: the directive registry for the citation checker (optional).

    Example:
        >>> drafter = SectionDrafter(settings, retriever)                 # doctest: +SKIP
        >>> drafter.draft(DraftRequest("Công tác tiếp dân", "UBND xã Ngọc Kỳ", 2024))  # doctest: +SKIP
    """

    def __init__(self, settings: Settings | None = None, retriever: Any = None, embedder: Any = None,
                 registry: Any = None):
        self.settings = settings or Settings()
        if retriever is None:
            from assistant.retrieve import get_retriever

            retriever = get_retriever(self.settings, embedder)
        if not hasattr(retriever, "search"):
            raise TypeError("retriever must have a search(query, k, filters) method")
        self.retriever = retriever
        self.embedder = embedder if embedder is not None else getattr(retriever, "embedder", None)
        self.registry = registry
        self.units = _corpus_units(_all_chunks(retriever))

    # -- retrieval ------------------------------------------------------------------------
    def _filters(self, request: DraftRequest, warnings: list[str]) -> Any:
        from assistant.retrieve import SearchFilters

        units: tuple[str, ...] = ()
        if request.scope == "same_unit":
            units = (request.target.name,)
        return SearchFilters(governing=False, units=units)

    def _in_scope(self, chunk: Chunk, request: DraftRequest) -> bool:
        if request.scope != "same_province":
            return True
        province = request.target.parent("tỉnh") or request.target.parent("thành phố")
        if not province:
            return True
        return any(province.casefold() in str(p).casefold() for p in chunk.meta.get("parent_units") or ())

    def precedents(self, request: DraftRequest, section: str, warnings: list[str]) -> list[list[Chunk]]:
        """The matching section of the best precedent documents, each as its chunks in reading order."""
        hits = self.retriever.search(section, k=30, filters=self._filters(request, warnings))
        hits = [h for h in hits if self._in_scope(h.chunk, request)]
        if request.scope == "same_province" and not (request.target.parent("tỉnh") or request.target.parent("thành phố")):
            warnings.append("Chưa biết tỉnh của đơn vị, dùng mọi tiền lệ / province unknown: all precedents used")
        if not hits:
            return []
        scored = [(section_match(section, h.chunk.section_path), h) for h in hits]
        matching = [(m, h) for m, h in scored if m >= SECTION_MATCH_MIN]
        if not matching:
            warnings.append("Không tiền lệ nào có mục trùng tên; dùng các đoạn gần nghĩa nhất / "
                            "no precedent has a matching heading: closest passages used")
            matching = scored[:MAX_PRECEDENTS]
        kind_pref = {h.chunk.doc_id: (str(h.chunk.meta.get("kind") or "") != request.kind) for _, h in matching}
        best_by_doc: dict[str, tuple[float, Any]] = {}
        for m, h in matching:
            key = h.chunk.doc_id
            if key not in best_by_doc or (m, -h.rank) > (best_by_doc[key][0], -best_by_doc[key][1].rank):
                best_by_doc[key] = (m, h)
        order = sorted(best_by_doc.values(), key=lambda mh: (kind_pref[mh[1].chunk.doc_id], mh[1].rank))
        all_chunks = _all_chunks(self.retriever)
        out: list[list[Chunk]] = []
        for _, hit in order[:MAX_PRECEDENTS]:
            path = hit.chunk.section_path
            score, idx = _best_heading(section, path)
            if score >= SECTION_MATCH_MIN:
                path = path[: idx + 1]  # "KẾT QUẢ THỰC HIỆN" takes the whole section III, not one subsection
            same = [c for c in all_chunks if c.doc_id == hit.chunk.doc_id and tuple(c.section_path[: len(path)]) == path]
            if not same:
                same = [h.chunk for _, h in scored if h.chunk.doc_id == hit.chunk.doc_id and h.chunk.section_path == path]
            out.append(sorted(same, key=lambda c: c.line_start))
        return out

    # -- extraction ------------------------------------------------------------------------
    def candidates(self, request: DraftRequest, precedents: list[list[Chunk]], facts: Sequence[ClerkFact],
                   warnings: list[str]) -> list[_Candidate]:
        target = request.target
        others = _other_names(self.units, target)
        cands: list[_Candidate] = []
        foreign_skipped = 0
        for rank, chunks in enumerate(precedents):
            sentences = [(c, _strip_enumerator(s.text)) for c in chunks for s in split_sentences(c.text)
                         if _is_body_sentence(s.text) and not _is_own_heading(s.text, c)]
            for idx, (chunk, text) in enumerate(sentences):
                prec_unit = _unit_of(chunk.meta)
                adapted = adapt_sentence(text, prec_unit, target, chunk.meta.get("year"), request.year, facts, others)
                if adapted.foreign_references:
                    foreign_skipped += 1
                    continue
                cands.append(_Candidate(rank, idx / max(1, len(sentences) - 1), chunk, text, adapted))
        if foreign_skipped:
            warnings.append(f"Bỏ {foreign_skipped} câu viện dẫn văn bản riêng của địa phương khác / "
                            f"{foreign_skipped} sentences citing another locality's own documents skipped")
        return cands

    @staticmethod
    def group(cands: list[_Candidate]) -> list[_Candidate]:
        """Cluster near-duplicates across precedents; return one representative per cluster, in outline order."""
        from rapidfuzz import fuzz

        clusters: list[list[_Candidate]] = []
        keys: list[str] = []
        for c in cands:
            key = _norm_heading(c.adapted.text)
            for i, k in enumerate(keys):
                if fuzz.token_set_ratio(key, k) >= DUPLICATE_MIN and fuzz.ratio(key, k) >= DUPLICATE_MIN - 20:
                    clusters[i].append(c)
                    break
            else:
                clusters.append([c])
                keys.append(key)
        reps: list[_Candidate] = []
        for members in clusters:
            rep = min(members, key=lambda c: (not _complete(c.source), len(c.adapted.placeholders), c.doc_rank,
                                              -len(c.source), c.position))
            rep.group = members
            rep.position = sum(m.position for m in members) / len(members)
            reps.append(rep)
        return sorted(reps, key=lambda c: (c.position, c.doc_rank))

    @staticmethod
    def select(reps: list[_Candidate], limit: int) -> list[_Candidate]:
        """Keep the ``limit`` most attested representatives (more precedents, better rank), in order."""
        ranked = sorted(reps, key=lambda c: (-len({m.chunk.doc_id for m in c.group}), c.doc_rank, c.position))
        keep: set[int] = set()
        facts_stated: set[ClerkFact] = set()
        for c in ranked:
            if len(keep) >= limit:
                break
            used = set(c.adapted.facts_used)
            if used and used <= facts_stated:
                continue  # another sentence already states these facts of the clerk
            facts_stated |= used
            keep.add(id(c))
        return [c for c in reps if id(c) in keep]

    # -- one section ------------------------------------------------------------------------
    def draft_sentences(self, request: DraftRequest, section: str, book: _CitationBook,
                        warnings: list[str]) -> tuple[list[CitedSentence], list[AdaptedSentence]]:
        facts = parse_clerk_facts(request.facts)
        precedents = self.precedents(request, section, warnings)
        if not precedents:
            warnings.append(f"Không tìm thấy tiền lệ cho mục “{section}” / no precedent found")
            return [], []
        reps = self.select(self.group(self.candidates(request, precedents, facts, warnings)), request.max_sentences)
        if request.use_llm:
            try:
                return self._llm_sentences(request, section, reps, book), [c.adapted for c in reps]
            except LLMUnavailableError as exc:
                warnings.append(f"Máy chủ LLM không phản hồi, dùng bản nháp trích xuất / LLM unavailable, "
                                f"extractive draft used: {exc}")
        from rapidfuzz import fuzz

        out: list[CitedSentence] = []
        for rep in reps:
            nums = [book.cite(rep.chunk, rep.source)]
            key = _norm_heading(rep.source)
            for m in rep.group:
                if m is not rep and m.chunk.doc_id != rep.chunk.doc_id and \
                        fuzz.token_set_ratio(key, _norm_heading(m.source)) >= CO_CITE_MIN:
                    n = book.cite(m.chunk, m.source)
                    if n not in nums:
                        nums.append(n)
            out.append(CitedSentence(rep.adapted.text, tuple(nums)))
        return out, [c.adapted for c in reps]

    def _llm_sentences(self, request: DraftRequest, section: str, reps: list[_Candidate],
                       book: _CitationBook) -> list[CitedSentence]:
        from assistant.llm import LLMDrafter

        sources: dict[int, list[str]] = defaultdict(list)
        for rep in reps:
            for m in rep.group:
                sources[book.cite(m.chunk, m.source)].append(m.adapted.text)
        numbered = {n: " ".join(dict.fromkeys(texts)) for n, texts in sorted(sources.items())}
        reply = LLMDrafter(self.settings).draft(section=section, unit=request.target.full, year=request.year,
                                               kind=request.kind, sources=numbered, facts=request.facts or "")
        return parse_cited_text(reply)

    def verify(self, request: DraftRequest, sentences: Sequence[CitedSentence], book: _CitationBook) -> VerificationResult:
        return verify_draft(
            sentences, book.citations, self.embedder, registry=self.registry, target_unit=request.target,
            clerk_facts=parse_clerk_facts(request.facts), precedent_units=[u for u in self.units if u.full != request.target.full],
            strict=request.strict, target_year=request.year,
        )

    def draft(self, request: DraftRequest) -> Draft:
        """Draft and verify the requested section."""
        warnings: list[str] = []
        book = _CitationBook()
        sentences, _ = self.draft_sentences(request, request.section, book, warnings)
        result = self.verify(request, sentences, book)
        renumbered, citations = _renumber(result.sentences, book.citations)
        kept = tuple(s for s in renumbered if not s.removed)
        placeholders = _placeholders(s.text for s in kept)
        return Draft(
            request=request, text=" ".join(format_markers(s.text, s.citations) for s in kept), sentences=kept,
            citations=citations,
            placeholders=placeholders, directives=result.directives, leaks=result.leaks,
            warnings=tuple(warnings) + result.warnings,
            sections=(DraftSection(request.section, kept),), threshold=result.threshold,
        )


def _renumber(sentences: Sequence[VerifiedSentence], citations: Sequence[Citation]
              ) -> tuple[tuple[VerifiedSentence, ...], tuple[Citation, ...]]:
    """Number the sources 1..k in order of first use by the kept sentences; drop unused ones."""
    mapping: dict[int, int] = {}
    for s in sentences:
        if s.removed:
            continue
        for n in s.citations:
            mapping.setdefault(n, len(mapping) + 1)
    out = tuple(replace(s, citations=tuple(mapping[n] for n in s.citations if n in mapping)) for s in sentences)
    cites = sorted((replace(c, n=mapping[c.n]) for c in citations if c.n in mapping), key=lambda c: c.n)
    return out, tuple(cites)


def _placeholders(texts: Iterable[str]) -> tuple[str, ...]:
    from assistant.adapt import PLACEHOLDER_RE

    return tuple(dict.fromkeys(p for t in texts for p in PLACEHOLDER_RE.findall(t)))


def draft_section(request: DraftRequest, settings: Settings | None = None, retriever: Any = None,
                  embedder: Any = None, registry: Any = None) -> Draft:
    """Draft one section (the Python API behind ``soanthao draft`` and the app)."""
    if request.outline:
        return draft_report(request, settings, retriever, embedder, registry)
    return SectionDrafter(settings, retriever, embedder, registry).draft(request)


# --------------------------------------------------------------------------- whole report


def _outline_wording(heading: str) -> str:
    """"V. PHƯƠNG HƯỚNG, NHIỆM VỤ TRONG NĂM 2024" → "PHƯƠNG HƯỚNG, NHIỆM VỤ" (numbering, year, final dot gone)."""
    text = unicodedata.normalize("NFC", heading).upper().replace("*", "")
    text = re.sub(r"^\s*(?:#+\s*)?(?:[IVX]+|\d+(?:\.\d+)*|[A-ZĐ])\s*[.)\-–:]\s*", "", text)
    text = re.sub(r"\s*(?:(?:TRONG\s+)?NĂM\s+)?(?:19|20)\d{2}\s*$", "", text)
    return re.sub(r"\s+", " ", text).strip(" .:-")


def learn_outline(chunks: Iterable[Chunk], next_year: int) -> list[str]:
    """The standard report outline, learned from the top-level headings of the corpus reports.

    Each top-level heading is assigned to a slot by keywords; a slot is kept when at
    least two documents have it (all slots when the corpus is too small), slots are
    ordered by their mean position, and each takes its most frequent wording.
    """
    tops: dict[str, list[str]] = defaultdict(list)
    for c in chunks:
        if c.meta.get("is_governing") or not c.section_path:
            continue
        if c.section_path[0] not in tops[c.doc_id]:
            tops[c.doc_id].append(c.section_path[0])
    positions: dict[str, list[float]] = defaultdict(list)
    wordings: dict[str, Counter[str]] = defaultdict(Counter)
    docs: dict[str, set[str]] = defaultdict(set)
    for doc_id, headings in tops.items():
        for i, h in enumerate(headings):
            norm = _norm_heading(h)
            for slot, keys, _ in OUTLINE_SLOTS:
                if any(k in norm for k in keys):
                    positions[slot].append(i / max(1, len(headings) - 1))
                    wordings[slot][_outline_wording(h)] += 1
                    docs[slot].add(doc_id)
                    break
    keep = [s for s, _, _ in OUTLINE_SLOTS if len(docs[s]) >= 2]
    defaults = {slot: title for slot, _, title in OUTLINE_SLOTS}
    if len(keep) < 3:
        keep = [s for s, _, _ in OUTLINE_SLOTS]
    keep.sort(key=lambda s: (sum(positions[s]) / len(positions[s])) if positions[s] else
              [x for x, _, _ in OUTLINE_SLOTS].index(s) / len(OUTLINE_SLOTS))
    out = []
    for slot in keep:
        wording = wordings[slot].most_common(1)[0][0] if wordings[slot] else defaults[slot]
        if slot == "phuong_huong" and "{next_year}" not in wording:
            wording = f"{wording} NĂM {{next_year}}"
        out.append(wording.replace("{next_year}", str(next_year)))
    return out


def report_frame(request: DraftRequest) -> tuple[tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]:
    """(header lines, title, opening lines, closing lines) of the administrative document.

    Header: issuing body, ``Số: …/BC-UBND``, quốc hiệu, tiêu ngữ, place and date placeholders;
    opening: ``Kính gửi`` and the lead sentence; closing: ``Trên đây là…``, ``Nơi nhận``, signature.
    """
    target = request.target
    kind_title = "KẾ HOẠCH" if request.kind == "kế hoạch" else "BÁO CÁO"
    symbol = "KH-UBND" if request.kind == "kế hoạch" else "BC-UBND"
    topic = request.section if (request.section and not request.outline) else \
        "công tác dân vận chính quyền và thực hiện quy chế dân chủ ở cơ sở"
    if request.kind == "kế hoạch":
        summary = f"Triển khai thực hiện {topic[0].lower() + topic[1:]} năm {request.year}"
    else:
        summary = f"Kết quả thực hiện {topic[0].lower() + topic[1:]} năm {request.year}"
    parent_level = next((lv for lv in ("huyện", "thị xã", "thành phố", "quận") if target.parent(lv)), None)
    recipient = f"UBND {parent_level} {target.parent(parent_level)}" if parent_level else "[cơ quan nhận báo cáo]"
    header = (
        f"ỦY BAN NHÂN DÂN {target.level.upper()} {target.name.upper()}",
        "Số: …/" + symbol,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"{target.name}, ngày … tháng … năm …",
    )
    lead = summary[0].lower() + summary[1:]
    opening = (f"Kính gửi: {recipient}.", f"{target.full} {kind_title.lower()} {lead} như sau:")
    closing = (
        f"Trên đây là {kind_title.lower()} {lead} của {target.full}./.",
        "Nơi nhận:", f"- {recipient};", "- Lưu: VT.",
        "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "[chữ ký, đóng dấu]", "[họ và tên]",
    )
    return header, f"{kind_title}\n{summary}", opening, closing


def draft_report(request: DraftRequest, settings: Settings | None = None, retriever: Any = None,
                 embedder: Any = None, registry: Any = None) -> Draft:
    """A whole report: header block, the learned outline with each section drafted, closing block."""
    drafter = SectionDrafter(settings, retriever, embedder, registry)
    outline = learn_outline(_all_chunks(drafter.retriever), request.year + 1)
    book = _CitationBook()
    warnings: list[str] = []
    per_section: list[tuple[str, list[CitedSentence]]] = []
    for heading in outline:
        sub = replace(request, section=heading, outline=False)
        sents, _ = drafter.draft_sentences(sub, heading, book, warnings)
        per_section.append((heading, sents))
    flat = [s for _, sents in per_section for s in sents]
    result = drafter.verify(request, flat, book)
    renumbered, citations = _renumber(result.sentences, book.citations)
    sections: list[DraftSection] = []
    pos = 0
    for i, (heading, sents) in enumerate(per_section):
        verified = renumbered[pos : pos + len(sents)]
        pos += len(sents)
        sections.append(DraftSection(f"{_ROMAN[i]}. {heading}", tuple(s for s in verified if not s.removed)))

    header, title, opening, closing = report_frame(request)
    body = [*header, "", title, "", *opening, ""]
    for sec in sections:
        body += [sec.heading, sec.text, ""]
    body += list(closing)
    kept = tuple(s for sec in sections for s in sec.sentences)
    placeholders = _placeholders([*(s.text for s in kept), *opening, *closing])
    return Draft(
        request=request, text="\n".join(body), sentences=kept,
        citations=citations,
        placeholders=placeholders, directives=result.directives, leaks=result.leaks,
        warnings=tuple(warnings) + result.warnings, sections=tuple(sections), title=title, header=header,
        opening="\n".join(opening), closing=closing, threshold=result.threshold,
    )


# --------------------------------------------------------------------------- JSON


def draft_to_json(draft: Draft) -> dict[str, Any]:
    """The ``soanthao draft --json`` contract."""
    return {
        "request": draft.request.to_json(),
        "text": draft.text,
        "sentences": [
            {"text": s.text, "citations": list(s.citations), "supported": s.supported, "support": s.support}
            for s in draft.sentences
        ],
        "citations": [
            {"n": c.n, "doc_id": c.doc_id, "source": c.source, "section": c.section, "text": c.text, "quote": c.quote,
             "line_start": c.line_start, "line_end": c.line_end, "page": c.page}
            for c in draft.citations
        ],
        "placeholders": list(draft.placeholders),
        "directives": [{"id": d.id, "citation": d.citation, "problems": list(d.problems)} for d in draft.directives],
        "leaks": list(draft.leaks),
        "warnings": list(draft.warnings),
    } | ({"report": report_layout(draft)} if draft.request.outline else {})


def report_layout(draft: Draft) -> dict[str, Any]:
    """A whole report's frame and how many of ``sentences`` each section holds, in order.

    Kept in the JSON so a follow-up turn that drops or adds sentences can lay the report out
    again (``render.draft_text``) instead of flattening it into one paragraph.
    """
    return {"header": list(draft.header), "title": draft.title, "opening": draft.opening,
            "sections": [{"heading": sec.heading, "sentences": len(sec.sentences)} for sec in draft.sections],
            "closing": list(draft.closing)}
