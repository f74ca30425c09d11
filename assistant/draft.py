"""Grounded drafting: a section (or a whole report) true of the clerk's unit, every sentence cited.

The default drafter is extractive, because no small local model drafts acceptably
(``DEPENDENCIES.md``). For a requested section it:

1. retrieves precedent passages, preferring chunks whose section path matches the
   request (``rapidfuzz`` on heading wording), the unit's own earlier documents first
   (``assistant.own_unit``), and takes the whole matching section of the best few;
2. rebuilds their whole sentences across chunk windows (``assistant.precedent_sentences``);
3. decides each sentence's kind (``assistant.sentence_kinds``): a formula true of any unit,
   or a fact of the unit that wrote it;
4. groups near-duplicate sentences across precedents and keeps one representative
   (the unit's own wording first, then the one with the fewest local facts);
5. adapts it to the target unit and year (``assistant.adapt``), and judges it
   (``assistant.unit_truth``): a formula stays (vocabulary fitted, legal basis in force),
   another unit's fact becomes a question for the clerk, and the clerk's facts
   (``assistant.clerk_facts``) are written in as sentences of their own
   (``assistant.fact_sentences``), cited to the clerk;
6. orders the section the way precedents order it, cites every source ``[n]``, and
   verifies the result (``assistant.verify``: support, leaks, contradictions with the facts).

With ``use_llm`` the chosen formulas go to an OpenAI-compatible server
(``assistant.llm``); every sentence of its reply is judged by the same rules and verified
the same way, and an unreachable server falls back to the extractive draft with a warning.

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

from assistant.adapt import AdaptedSentence, UnitRef, adapt_sentence, parse_clerk_facts, parse_unit
from assistant.clerk_facts import parse_facts
from assistant.errors import InvalidRequestError, LLMUnavailableError
from assistant.fact_sentences import FactPatterns, FactSentence, learn_patterns, write_fact_sentences
from assistant.intent import fold
from assistant.legal_basis import BasisChange, LegalBasis
from assistant.own_unit import is_own_document, own_document_ids, unit_of_meta
from assistant.precedent_sentences import corpus_sentences, section_sentences
from assistant.sentence_kinds import CrossUnitRecurrence, KindDecision, classify_sentence
from assistant.unit_profile import UnitProfile, unit_profile
from assistant.unit_truth import DraftItem, TruthContext, answered_by, compose, fact_items, judge_candidate, judge_written
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
MAX_OWN_PRECEDENTS = 2       # the unit's own earlier documents, taken before the others
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")

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
        facts: the clerk's own facts (text, key–value lines or a table), the only source of unit facts.
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
    legal_basis: tuple[BasisChange, ...] = ()
    profile: UnitProfile | None = None


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


_unit_of = unit_of_meta


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
    source: str              # precedent sentence, whole
    adapted: AdaptedSentence
    decision: KindDecision
    own: bool = False        # from the target unit's own document
    group: list["_Candidate"] = field(default_factory=list)
    extra_chunks: tuple[Chunk, ...] = ()   # further window pieces holding the rest of the sentence


CLERK_SOURCE = "số liệu do đơn vị cung cấp"


class _CitationBook:
    """Numbers sources by first use across a whole report; the clerk's facts are a source too."""

    def __init__(self) -> None:
        self._by_chunk: dict[str, Citation] = {}
        self._quotes: dict[str, list[str]] = defaultdict(list)
        self.basis: list[BasisChange] = []     # legal-basis changes made in the sentences cited so far

    def cite(self, chunk: Chunk, quote: str) -> int:
        if chunk.chunk_id not in self._by_chunk:
            unit = _unit_of(chunk.meta)
            title = " ".join(str(chunk.meta.get(k) or "") for k in ("title", "summary")).strip()
            self._by_chunk[chunk.chunk_id] = Citation(
                n=len(self._by_chunk) + 1, doc_id=chunk.doc_id, source=chunk.source, section=chunk.section,
                text=chunk.text, unit=chunk.meta.get("unit"), unit_name=unit.name if unit else None,
                year=chunk.meta.get("year"), line_start=chunk.line_start, line_end=chunk.line_end,
                page=page_label(chunk.meta),
                title=title or chunk.source,
            )
        if quote and quote not in self._quotes[chunk.chunk_id]:
            self._quotes[chunk.chunk_id].append(quote)
        return self._by_chunk[chunk.chunk_id].n

    def cite_clerk(self, facts_text: str, target: UnitRef, year: int, quote: str) -> int:
        """The clerk's facts, cited as their own source: what the unit itself reports for the year."""
        key = "clerk_facts"
        if key not in self._by_chunk:
            self._by_chunk[key] = Citation(
                n=len(self._by_chunk) + 1, doc_id=key, source=CLERK_SOURCE, section="",
                text=f"Số liệu của {target.full} trong năm {year}: {facts_text.strip()}",
                unit=target.full, unit_name=target.name, year=year, title=CLERK_SOURCE,
            )
        if quote and quote not in self._quotes[key]:
            self._quotes[key].append(quote)
        return self._by_chunk[key].n

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
        registry: the directive registry: citation checker and legal basis in force (optional).

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
        self._corpus_sentences: list[tuple[str, str]] | None = None
        self._recurrence: CrossUnitRecurrence | None = None

    # -- the corpus, read once ---------------------------------------------------------------
    @property
    def corpus_sentences(self) -> list[tuple[str, str]]:
        """(unit, sentence) of every report in the index."""
        if self._corpus_sentences is None:
            def key(chunk: Chunk) -> str | None:
                unit = _unit_of(chunk.meta)
                return f"{unit.level} {fold(unit.name)}" if unit else None
            self._corpus_sentences = corpus_sentences(_all_chunks(self.retriever), key)
        return self._corpus_sentences

    @property
    def recurrence(self) -> CrossUnitRecurrence:
        if self._recurrence is None:
            self._recurrence = CrossUnitRecurrence(self.corpus_sentences)
        return self._recurrence

    def context(self, request: DraftRequest) -> TruthContext:
        """What judging the request's sentences needs: profile, typed facts, legal basis, names."""
        target = request.target
        own_ids = own_document_ids(_all_chunks(self.retriever), target)
        own_texts = [c.text for c in _all_chunks(self.retriever) if c.doc_id in own_ids]
        basis = LegalBasis(self.registry, request.year) if _is_registry(self.registry) else None
        return TruthContext(target=target, year=request.year, profile=unit_profile(target, own_texts),
                            facts=parse_facts(request.facts), basis=basis,
                            other_names=_other_names(self.units, target))

    # -- retrieval ------------------------------------------------------------------------
    def _filters(self, request: DraftRequest, warnings: list[str]) -> Any:
        from assistant.retrieve import SearchFilters

        units: tuple[str, ...] = ()
        if request.scope == "same_unit":
            units = (request.target.name,)
        return SearchFilters(governing=False, units=units)

    def _in_scope(self, chunk: Chunk, request: DraftRequest) -> bool:
        if request.scope == "same_unit":
            return is_own_document(chunk.meta, request.target)
        if request.scope != "same_province":
            return True
        province = request.target.parent("tỉnh") or request.target.parent("thành phố")
        if not province:
            return True
        return any(province.casefold() in str(p).casefold() for p in chunk.meta.get("parent_units") or ())

    def precedents(self, request: DraftRequest, section: str, warnings: list[str]) -> list[tuple[list[Chunk], bool]]:
        """The matching section of the best precedent documents (the unit's own first), each as its
        chunks in reading order, with whether it is the unit's own."""
        from assistant.retrieve import SearchFilters

        target = request.target
        hits = list(self.retriever.search(section, k=30, filters=self._filters(request, warnings)))
        if request.scope != "same_unit" and own_document_ids(_all_chunks(self.retriever), target):
            seen = {h.chunk.chunk_id for h in hits}
            own_hits = self.retriever.search(section, k=15, filters=SearchFilters(governing=False, units=(target.name,)))
            hits = [h for h in own_hits if h.chunk.chunk_id not in seen] + hits
        hits = [h for h in hits if self._in_scope(h.chunk, request)]
        if request.scope == "same_province" and not (target.parent("tỉnh") or target.parent("thành phố")):
            warnings.append("Chưa biết tỉnh của đơn vị, dùng mọi tiền lệ / province unknown: all precedents used")
        if not hits:
            return []
        scored = [(section_match(section, h.chunk.section_path), h) for h in hits]
        matching = [(m, h) for m, h in scored if m >= SECTION_MATCH_MIN]
        if not matching:
            warnings.append("Không tiền lệ nào có mục trùng tên; dùng các đoạn gần nghĩa nhất / "
                            "no precedent has a matching heading: closest passages used")
            matching = scored[:MAX_PRECEDENTS]
        own = {h.chunk.doc_id for _, h in matching if is_own_document(h.chunk.meta, target)}
        kind_pref = {h.chunk.doc_id: (str(h.chunk.meta.get("kind") or "") != request.kind) for _, h in matching}
        best_by_doc: dict[str, tuple[float, Any]] = {}
        for m, h in matching:
            key = h.chunk.doc_id
            if key not in best_by_doc or (m, -h.rank) > (best_by_doc[key][0], -best_by_doc[key][1].rank):
                best_by_doc[key] = (m, h)
        order = sorted(best_by_doc.values(),
                       key=lambda mh: (mh[1].chunk.doc_id not in own, kind_pref[mh[1].chunk.doc_id], mh[1].rank))
        if own:
            warnings.append(f"Dùng trước tiên văn bản của chính đơn vị ({len(own)}) / the unit's own documents come first")
        all_chunks = _all_chunks(self.retriever)
        out: list[tuple[list[Chunk], bool]] = []
        for _, hit in order[: MAX_PRECEDENTS + min(len(own), MAX_OWN_PRECEDENTS)]:
            path = hit.chunk.section_path
            score, idx = _best_heading(section, path)
            if score >= SECTION_MATCH_MIN:
                path = path[: idx + 1]  # "KẾT QUẢ THỰC HIỆN" takes the whole section III, not one subsection
            same = [c for c in all_chunks if c.doc_id == hit.chunk.doc_id and tuple(c.section_path[: len(path)]) == path]
            if not same:
                same = [h.chunk for _, h in scored if h.chunk.doc_id == hit.chunk.doc_id and h.chunk.section_path == path]
            out.append((sorted(same, key=lambda c: (c.line_start, c.line_end)), hit.chunk.doc_id in own))
        return out

    # -- extraction ------------------------------------------------------------------------
    def candidates(self, request: DraftRequest, precedents: list[tuple[list[Chunk], bool]],
                   warnings: list[str]) -> list[_Candidate]:
        """Every whole body sentence of the precedents, classified and adapted to the target."""
        target = request.target
        others = _other_names(self.units, target)
        cands: list[_Candidate] = []
        foreign_skipped = 0
        for rank, (chunks, own) in enumerate(precedents):
            sentences = [s for s in section_sentences(chunks) if s.role == "body"]
            for idx, sentence in enumerate(sentences):
                chunk = sentence.chunk
                prec_unit = _unit_of(chunk.meta)
                adapted = adapt_sentence(sentence.text, prec_unit, target, chunk.meta.get("year"), request.year,
                                         (), () if own else others, own_places=own)
                if adapted.foreign_references and not own:
                    foreign_skipped += 1
                    continue
                unit_key = f"{prec_unit.level} {fold(prec_unit.name)}" if prec_unit else chunk.doc_id
                decision = classify_sentence(
                    sentence.text, recurs=self.recurrence.count(sentence.text, unit_key),
                    own_names=[prec_unit.name] if prec_unit else (), other_names=others,
                    report=str(chunk.meta.get("kind") or "báo cáo") != "kế hoạch")
                cands.append(_Candidate(rank, idx / max(1, len(sentences) - 1), chunk, sentence.text, adapted,
                                        decision, own, extra_chunks=sentence.holding[1:]))
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
            rep = min(members, key=lambda c: (not c.own, not _complete(c.source), len(c.adapted.placeholders),
                                              c.doc_rank, -len(c.source), c.position))
            rep.group = members
            rep.position = sum(m.position for m in members) / len(members)
            reps.append(rep)
        return sorted(reps, key=lambda c: (c.position, c.doc_rank))

    def plan(self, request: DraftRequest, section: str, context: TruthContext,
             warnings: list[str]) -> list[DraftItem]:
        """The section's candidate sentences judged: formulas kept, unit facts turned into questions."""
        precedents = self.precedents(request, section, warnings)
        if not precedents:
            warnings.append(f"Không tìm thấy tiền lệ cho mục “{section}” / no precedent found")
            return []
        from rapidfuzz import fuzz

        items: list[DraftItem] = []
        for rep in self.group(self.candidates(request, precedents, warnings)):
            key = _norm_heading(rep.source)
            sources = [(rep.chunk, rep.source), *((c, "") for c in rep.extra_chunks)]
            for m in rep.group:
                if m is not rep and m.chunk.doc_id not in {c.doc_id for c, _ in sources} and \
                        fuzz.token_set_ratio(key, _norm_heading(m.source)) >= CO_CITE_MIN:
                    sources.append((m.chunk, m.source))
            item = judge_candidate(rep.source, rep.adapted.text, rep.decision, rep.own, context, rep.chunk,
                                   rep.position, rep.doc_rank, len({m.chunk.doc_id for m in rep.group}))
            if item is not None:
                evidence = [(c, "") for change in item.basis for c in self._chunks_at(change.evidence)]
                items.append(replace(item, sources=tuple(sources) + tuple(evidence) if item.sources else ()))
        return items

    def _chunks_at(self, places: Iterable[tuple[str, int]]) -> list[Chunk]:
        """The indexed chunks holding the given (source, line) places: evidence for a swapped legal basis."""
        out = []
        for source, line in places:
            hit = next((c for c in _all_chunks(self.retriever) if c.source == source
                        and c.line_start <= line <= c.line_end), None)
            if hit is not None and hit not in out:
                out.append(hit)
        return out

    def fact_patterns(self) -> FactPatterns:
        """How the precedents state figures, learned from every report sentence of the index."""
        return learn_patterns(text for _, text in self.corpus_sentences)

    def finish(self, request: DraftRequest, section: str, items: list[DraftItem], facts: list[FactSentence],
               book: _CitationBook, context: TruthContext, warnings: list[str]) -> list[CitedSentence]:
        """The section's sentences: composed, the clerk's facts placed where the questions they answer
        were, each cited (precedents by chunk, the clerk's facts as their own source)."""
        answered = [i.position for i in items if i.origin == "question" and i.question and answered_by(i.question, context)]
        formulas = [i.position for i in items if i.origin != "question"]
        at = min(answered) if answered else (min(formulas) + 0.01 if formulas else 0.5)
        chosen = compose(items, fact_items(facts, at), request.max_sentences, context, section)
        if request.use_llm:
            try:
                return self._llm_sentences(request, section, chosen, facts, book, context)
            except LLMUnavailableError as exc:
                warnings.append(f"Máy chủ LLM không phản hồi, dùng bản nháp trích xuất / LLM unavailable, "
                                f"extractive draft used: {exc}")
        return [self._cited(item, book, request, context) for item in chosen]

    def _cited(self, item: DraftItem, book: _CitationBook, request: DraftRequest, context: TruthContext) -> CitedSentence:
        book.basis.extend(c for c in item.basis if c not in book.basis)
        if item.origin == "clerk":
            nums: tuple[int, ...] = (book.cite_clerk(context.facts.as_read, request.target, request.year, item.text),)
        elif item.sources:
            nums = tuple(dict.fromkeys(book.cite(chunk, quote) for chunk, quote in item.sources))
        else:
            nums = item.citations
        return CitedSentence(item.text, nums, item.kind, item.origin, item.signals)

    # -- one section ------------------------------------------------------------------------
    def draft_sentences(self, request: DraftRequest, section: str, book: _CitationBook, warnings: list[str],
                        context: TruthContext | None = None) -> list[CitedSentence]:
        """One section: its precedent sentences judged, the clerk's facts written in, all cited."""
        context = context or self.context(request)
        items = self.plan(request, section, context, warnings)
        facts = write_fact_sentences(context.facts, request.target, request.year, self.fact_patterns())
        if not items and not facts:
            return []
        return self.finish(request, section, items, facts, book, context, warnings)

    def _llm_sentences(self, request: DraftRequest, section: str, chosen: list[DraftItem], facts: list[FactSentence],
                       book: _CitationBook, context: TruthContext) -> list[CitedSentence]:
        """The model rewrites the chosen formulas; its reply goes through the same judging as a precedent's."""
        from assistant.llm import LLMDrafter

        sources: dict[int, list[str]] = defaultdict(list)
        for item in chosen:
            if item.origin in ("precedent", "own_unit"):
                for chunk, quote in item.sources:
                    sources[book.cite(chunk, quote)].append(item.text)
        numbered = {n: " ".join(dict.fromkeys(texts)) for n, texts in sorted(sources.items())}
        reply = LLMDrafter(self.settings).draft(section=section, unit=request.target.full, year=request.year,
                                               kind=request.kind, sources=numbered, facts=request.facts or "")
        items = [item for s in parse_cited_text(reply) if (item := judge_written(s.text, s.citations, context))]
        written = " ".join(i.text for i in items if i.origin == "clerk")
        missing = [f for f in facts if any(c not in written for c in _fact_counts(f, context))]
        items += fact_items(missing, 1.0)
        items += [i for i in chosen if i.origin == "question" and i.text not in {x.text for x in items}]
        return [self._cited(item, book, request, context) for item in items]

    def verify(self, request: DraftRequest, sentences: Sequence[CitedSentence], book: _CitationBook,
               context: TruthContext | None = None) -> VerificationResult:
        context = context or self.context(request)
        return verify_draft(
            sentences, book.citations, self.embedder, registry=self.registry, target_unit=request.target,
            clerk_facts=parse_clerk_facts(request.facts), precedent_units=[u for u in self.units if u.full != request.target.full],
            strict=request.strict, target_year=request.year, typed_facts=context.facts,
        )

    def draft(self, request: DraftRequest) -> Draft:
        """Draft and verify the requested section."""
        warnings: list[str] = []
        book = _CitationBook()
        context = self.context(request)
        sentences = self.draft_sentences(request, request.section, book, warnings, context)
        result = self.verify(request, sentences, book, context)
        renumbered, citations = _renumber(result.sentences, book.citations)
        kept = tuple(s for s in renumbered if not s.removed)
        placeholders = _placeholders(s.text for s in kept)
        return Draft(
            request=request, text=" ".join(format_markers(s.text, s.citations) for s in kept), sentences=kept,
            citations=citations,
            placeholders=placeholders, directives=result.directives, leaks=result.leaks,
            warnings=_notes(warnings, context, book) + result.warnings,
            sections=(DraftSection(request.section, kept),), threshold=result.threshold,
            legal_basis=tuple(book.basis), profile=context.profile,
        )


def _notes(warnings: list[str], context: TruthContext, book: _CitationBook) -> tuple[str, ...]:
    """The drafting warnings, the legal-basis changes made in the draft, and why sentences were left out."""
    return tuple(dict.fromkeys([*warnings, *(c.note for c in book.basis), *context.notes]))


def _is_registry(registry: Any) -> bool:
    return registry is not None and hasattr(registry, "records") and hasattr(registry, "get")


def _fact_counts(sentence: FactSentence, context: TruthContext) -> list[str]:
    return [context.facts.facts[i].count for i in sentence.facts if context.facts.facts[i].count not in (None, "0")]


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


def _assign_facts(facts: list[FactSentence], plans: list[tuple[str, list[DraftItem]]],
                  context: TruthContext) -> list[list[FactSentence]]:
    """Each fact sentence goes to the section whose questions its facts answer best; a fact that
    answers none goes to the results section ("KẾT QUẢ …"), else to the section with most questions."""
    per: list[list[FactSentence]] = [[] for _ in plans]
    if not facts:
        return per
    results = next((i for i, (h, _) in enumerate(plans) if "kết quả" in h.lower()), None)
    busiest = max(range(len(plans)), key=lambda i: sum(1 for it in plans[i][1] if it.origin == "question"))
    for sentence in facts:
        terms = set()
        for i in sentence.facts:
            fact = context.facts.facts[i]
            terms |= {fact.measure} | set(re.findall(r"\w+(?:\s+\w+)?", fact.what.lower()))
        scores = [sum(len((set(it.question.asks) - {"event", "outcome", "trait"}) & terms)
                      for it in items if it.origin == "question" and it.question) for _, items in plans]
        best = max(range(len(plans)), key=lambda i: scores[i])
        per[best if scores[best] > 0 else (results if results is not None else busiest)].append(sentence)
    return per


def draft_report(request: DraftRequest, settings: Settings | None = None, retriever: Any = None,
                 embedder: Any = None, registry: Any = None) -> Draft:
    """A whole report: header block, the learned outline with each section drafted, closing block.

    The clerk's facts are written once, each in the section whose questions it answers.
    """
    drafter = SectionDrafter(settings, retriever, embedder, registry)
    outline = learn_outline(_all_chunks(drafter.retriever), request.year + 1)
    book = _CitationBook()
    warnings: list[str] = []
    context = drafter.context(request)
    plans = [(heading, drafter.plan(replace(request, section=heading, outline=False), heading, context, warnings))
             for heading in outline]
    facts = write_fact_sentences(context.facts, request.target, request.year, drafter.fact_patterns())
    per_section: list[tuple[str, list[CitedSentence]]] = []
    for (heading, items), section_facts in zip(plans, _assign_facts(facts, plans, context)):
        sub = replace(request, section=heading, outline=False)
        sents = drafter.finish(sub, heading, items, section_facts, book, context, warnings) if items or section_facts else []
        per_section.append((heading, sents))
    flat = [s for _, sents in per_section for s in sents]
    result = drafter.verify(request, flat, book, context)
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
        warnings=_notes(warnings, context, book) + result.warnings, sections=tuple(sections),
        title=title, header=header, opening="\n".join(opening), closing=closing, threshold=result.threshold,
        legal_basis=tuple(book.basis), profile=context.profile,
    )


# --------------------------------------------------------------------------- JSON


def draft_to_json(draft: Draft) -> dict[str, Any]:
    """The ``soanthao draft --json`` contract."""
    return {
        "request": draft.request.to_json(),
        "text": draft.text,
        "sentences": [
            {"text": s.text, "citations": list(s.citations), "supported": s.supported, "support": s.support,
             "kind": s.kind, "origin": s.origin, "signals": list(s.signals)}
            for s in draft.sentences
        ],
        "citations": [
            {"n": c.n, "doc_id": c.doc_id, "source": c.source, "section": c.section, "text": c.text, "quote": c.quote,
             "line_start": c.line_start, "line_end": c.line_end, "page": c.page, "title": c.title}
            for c in draft.citations
        ],
        "placeholders": list(draft.placeholders),
        "directives": [{"id": d.id, "citation": d.citation, "problems": list(d.problems)} for d in draft.directives],
        "leaks": list(draft.leaks),
        "warnings": list(draft.warnings),
        "legal_basis": [{"old_id": c.old_id, "old": c.old, "new": c.new, "note": c.note} for c in draft.legal_basis],
        "unit_profile": ({"level": draft.profile.level, "sub_unit": draft.profile.sub_unit, "head": draft.profile.head,
                          "source": draft.profile.source} if draft.profile else None),
    } | ({"report": report_layout(draft)} if draft.request.outline else {})


def report_layout(draft: Draft) -> dict[str, Any]:
    """A whole report's frame and how many of ``sentences`` each section holds, in order.

    Kept in the JSON so a follow-up turn that drops or adds sentences can lay the report out
    again (``render.draft_text``) instead of flattening it into one paragraph.
    """
    return {"header": list(draft.header), "title": draft.title, "opening": draft.opening,
            "sections": [{"heading": sec.heading, "sentences": len(sec.sentences)} for sec in draft.sections],
            "closing": list(draft.closing)}
