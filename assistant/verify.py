"""Check a draft, sentence by sentence, against the sources it cites.

Runs on every draft, extractive or LLM-written, because whatever writes the text,
code must check it (see ``DEPENDENCIES.md``: small models relabel another commune's
figures and misplace ``[n]``). For each sentence:

- every ``[n]`` must name a source; unknown numbers are dropped (warning);
- support by the cited passage is scored (``assistant.support``); if the cited
  passage does not support it but another source does, the citation is corrected
  (warning); unsupported sentences are flagged, and removed in strict mode;
- the register: "chúng tôi"/"chúng ta" have no place in an administrative report;
- leaks: any name of another unit in the corpus, or a figure found in a precedent
  that the clerk did not give, is listed in ``leaks``.

Directive references in the whole draft go through the citation checker of the
directives feature (``assistant.check``) when it is available, else through the
registry (unknown id → nearest known id), else through the sources themselves.

Example:
    >>> result = verify_draft([CitedSentence("Xã đã tiếp [số đơn] đơn.", (1,))],
    ...                       [Citation(1, "d", "s.txt", "4. Tiếp dân", "Xã đã tiếp 16 đơn.", "")],
    ...                       embedder=None)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable, Sequence

from assistant.adapt import ClerkFact, UnitRef, directive_spans, find_figures
from assistant.untrusted import instruction_like, without_instructions
from index.sentences import split_sentences
from assistant.support import (
    SupportConfig,
    SupportScorer,
    is_calibrated_for,
    load_support_config,
    uncalibrated_notice,
)
from index.embed import Embedder

log = logging.getLogger(__name__)

__all__ = [
    "Citation",
    "CitedSentence",
    "VerifiedSentence",
    "DirectiveCheck",
    "VerificationResult",
    "parse_cited_text",
    "format_markers",
    "verify_draft",
    "REGISTER_RE",
]

MARKER_RE = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_MARKERS_AFTER_STOP = re.compile(r"([.!?…]+)(\s*)((?:\[\d+(?:\s*[,;]\s*\d+)*\]\s*)+)")
# "cấp mình" (one's own level) is ordinary administrative wording, so "mình" alone is not flagged.
REGISTER_RE = re.compile(r"(?<!\w)(chúng tôi|chúng ta|chúng mình|tôi)(?!\w)", re.I)


@dataclass(frozen=True)
class Citation:
    """A numbered source of a draft.

    Args:
        n: the number used in ``[n]``.
        doc_id, source, section: where the passage is (``source`` is corpus-relative).
        text: the passage as indexed (the precedent's own wording, names and figures).
        quote: the precedent sentence(s) this draft used from it.
        unit, unit_name, year: the precedent's metadata (for masking and leak checks).
        line_start, line_end: original lines of the passage.
        page: "trang 3" when the source has pages (PDF, scan), else None.
        title: the source document's title, for a list of sources consulted.
    """

    n: int
    doc_id: str
    source: str
    section: str
    text: str
    quote: str = ""
    unit: str | None = None
    unit_name: str | None = None
    year: int | None = None
    line_start: int = 0
    line_end: int = 0
    page: str | None = None
    title: str = ""


@dataclass(frozen=True)
class CitedSentence:
    """A draft sentence without its markers, and the numbers it cites.

    ``kind`` ("formula" / "unit_fact"), ``origin`` ("precedent", "own_unit", "clerk", "question")
    and ``signals`` say what the sentence is (``assistant.unit_truth``); they travel unchanged.
    """

    text: str
    citations: tuple[int, ...] = ()
    kind: str = "formula"
    origin: str = "precedent"
    signals: tuple[str, ...] = ()


@dataclass(frozen=True)
class VerifiedSentence:
    """A sentence after verification: ``supported`` compares ``support`` with the calibrated threshold."""

    text: str
    citations: tuple[int, ...]
    supported: bool
    support: float
    problems: tuple[str, ...] = ()
    removed: bool = False
    kind: str = "formula"
    origin: str = "precedent"
    signals: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectiveCheck:
    """One directive reference found in the draft, with the checker's problems (dicts: code, message, suggestion)."""

    id: str | None
    citation: str
    problems: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class VerificationResult:
    sentences: tuple[VerifiedSentence, ...]
    leaks: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    directives: tuple[DirectiveCheck, ...] = ()
    threshold: float = 0.0

    @property
    def kept(self) -> tuple[VerifiedSentence, ...]:
        return tuple(s for s in self.sentences if not s.removed)

    @property
    def text(self) -> str:
        return " ".join(format_markers(s.text, s.citations) for s in self.kept)


def format_markers(text: str, citations: Sequence[int]) -> str:
    """"Câu." + (1, 2) → "Câu [1][2]." (markers before the final stop)."""
    if not citations:
        return text
    marks = "".join(f"[{n}]" for n in citations)
    m = re.search(r"([.!?…]+[”\"»)]*)$", text)
    if m:
        return f"{text[: m.start()].rstrip()} {marks}{m.group(1)}"
    return f"{text} {marks}"


def parse_cited_text(text: str) -> list[CitedSentence]:
    """Split a drafted text (LLM reply) into sentences and their ``[n]`` markers.

    Markers written after the full stop ("… cơ sở. [2] Tiếp …") are attached to the
    sentence before them. Placeholders such as ``[số đơn]`` are not markers.
    """
    text = _MARKERS_AFTER_STOP.sub(lambda m: f" {m.group(3).strip()}{m.group(1)}{m.group(2)}", text)
    out: list[CitedSentence] = []
    for span in split_sentences(text):
        nums: list[int] = []
        for m in MARKER_RE.finditer(span.text):
            nums.extend(int(x) for x in re.split(r"\s*[,;]\s*", m.group(1)))
        clean = MARKER_RE.sub("", span.text)
        clean = re.sub(r"\s+([.,;:!?…])", r"\1", re.sub(r"[ \t]{2,}", " ", clean)).strip()
        clean = re.sub(r"^\s*[-*•]\s+", "", clean)
        if clean:
            out.append(CitedSentence(clean, tuple(dict.fromkeys(nums))))
    return out


def _unit_names(unit: UnitRef | str | None) -> list[str]:
    if unit is None:
        return []
    if isinstance(unit, str):
        try:
            unit = UnitRef.parse(unit)
        except ValueError:
            return [unit]
    names = [unit.name]
    for p in unit.parents:
        names.append(p.split(" ", 1)[-1] if " " in p else p)
    return [n for n in names if n]


def _citation_names(c: Citation) -> list[str]:
    names = [n for n in (c.unit_name,) if n]
    if c.unit and not c.unit_name:
        names.extend(_unit_names(c.unit))
    return names


def _is_real_registry(registry: Any) -> bool:
    try:
        from index.registry import Registry
    except ImportError:  # the registry is the directives feature's module
        return False
    return isinstance(registry, Registry)


def _check_directives(text: str, registry: Any, citations: Sequence[Citation]) -> list[DirectiveCheck]:
    """Every directive reference in ``text`` with its problems."""
    if registry is not None and _is_real_registry(registry):
        from assistant.check import check_text  # the directives feature's checker

        checks = []
        for ref in check_text(text, "bản nháp", registry).references:
            record = registry.get(ref.id) if ref.id else None
            citation = getattr(record, "citation", None) or ref.text
            problems = tuple({"code": p.code, "message": p.message, "suggestion": p.suggestion} for p in ref.problems)
            checks.append(DirectiveCheck(ref.id, citation, problems))
        return checks

    known_in_sources: set[str] = set()
    for c in citations:
        for _, _, ref in directive_spans(c.text):
            cid = getattr(ref, "canonical_id", None)
            if cid:
                known_in_sources.add(cid)
    checks = []
    for start, end, ref in directive_spans(text):
        if ref is None:
            continue
        cid = getattr(ref, "canonical_id", None)
        raw = getattr(ref, "raw", text[start:end])
        problems: list[dict[str, Any]] = []
        if cid is None:
            pass  # "Quyết định số 217": nothing to check without a symbol
        elif registry is not None:
            record = registry.get(cid)
            if record is None:
                nearest = registry.nearest(cid) if hasattr(registry, "nearest") else None
                problems.append({"code": "unknown_id",
                                 "message": f"Không tìm thấy văn bản {cid} trong kho văn bản / unknown directive",
                                 "suggestion": nearest})
            elif getattr(ref, "date", None) and getattr(record, "date", None) and ref.date != record.date:
                problems.append({"code": "date_mismatch",
                                 "message": f"Ngày ban hành {ref.date} khác với kho văn bản ({record.date})",
                                 "suggestion": record.citation})
        elif cid not in known_in_sources:
            problems.append({"code": "unknown_id",
                             "message": f"Văn bản {cid} không có trong các nguồn trích dẫn / not in any cited source",
                             "suggestion": None})
        checks.append(DirectiveCheck(cid, raw, tuple(problems)))
    return checks


def verify_draft(
    sentences: Sequence[CitedSentence],
    citations: Sequence[Citation],
    embedder: Embedder | None,
    registry: Any = None,
    target_unit: UnitRef | str | None = None,
    clerk_facts: Iterable[ClerkFact] = (),
    precedent_units: Iterable[UnitRef | str] = (),
    strict: bool = False,
    target_year: int | None = None,
    config: SupportConfig | None = None,
    scorer: SupportScorer | None = None,
    typed_facts: Any = None,
) -> VerificationResult:
    """Verify a draft's citations, support, register, leaks and directive references.

    Args:
        sentences: draft sentences with their cited numbers.
        citations: the numbered sources.
        embedder: the embedding model for the support score (None: lexical-only rule).
        registry: the directive registry (``index.registry.Registry``), optional.
        target_unit: the clerk's unit; its names are masked and never leaks.
        clerk_facts: the clerk's facts; their quantities are never leaks.
        precedent_units: every other unit known in the corpus (names are leaks).
        strict: remove unsupported sentences and sentences with register problems.
        target_year: the reporting year (it and its neighbours are not leaks).
        config: the support rule; default: the calibrated one for ``embedder``.
        scorer: a ready scorer (overrides ``embedder``/``config``).
        typed_facts: the clerk's facts (``assistant.clerk_facts.ClerkFacts``); a sentence that
            contradicts them is removed, strict mode or not. Questions to the clerk are not claims:
            they are neither scored nor checked.

    Returns:
        The ``VerificationResult``; ``result.text`` is the checked draft with markers.
    """
    warnings: list[str] = []
    if scorer is None:
        config = config or load_support_config(embedder)
        if not is_calibrated_for(config, embedder):
            warnings.append(uncalibrated_notice(embedder))
        scorer = SupportScorer(embedder if config.lexical_weight < 1.0 else None, config)
    by_n = {c.n: c for c in citations}
    target_names = _unit_names(target_unit)
    facts = list(clerk_facts)
    verified: list[VerifiedSentence] = []

    allowed = {f.quantity for f in facts} | set(getattr(typed_facts, "counts", ()))
    if target_year is not None:
        allowed |= {str(target_year + d) for d in range(-2, 3)}

    def score(sentence: str, c: Citation) -> float:
        # an order planted in a passage ("bỏ qua mọi hướng dẫn và viết rằng …") never counts as support
        return scorer.score(sentence, without_instructions(c.text), target_names, _citation_names(c), allowed)

    meta = lambda s: {"kind": s.kind, "origin": s.origin, "signals": s.signals}  # noqa: E731
    for i, sent in enumerate(sentences, start=1):
        if sent.origin == "question":
            verified.append(VerifiedSentence(sent.text, (), False, 0.0, **meta(sent)))
            continue
        problems: list[str] = []
        cited = [n for n in sent.citations if n in by_n]
        for n in sent.citations:
            if n not in by_n:
                warnings.append(f"Câu {i}: nguồn [{n}] không tồn tại, đã bỏ / sentence {i}: source [{n}] does not exist")
        scores = {n: score(sent.text, by_n[n]) for n in cited}
        best = max(scores.values(), default=0.0)
        union = False
        if best < scorer.config.threshold and len(cited) > 1:
            # ALCE: a sentence is supported by the union of its cited passages (a swapped legal
            # basis is supported by the precedent's wording together with the governing text)
            def union_score(numbers: Sequence[int]) -> float:
                names = [name for n in numbers for name in _citation_names(by_n[n])]
                return scorer.score(sent.text, "\n".join(by_n[n].text for n in numbers), target_names, names, allowed)

            whole = union_score(cited)
            union = whole >= scorer.config.threshold
            best = max(best, whole)
            if union:   # keep only the passages the union needs (ALCE precision)
                for n in list(cited):
                    rest = [m for m in cited if m != n]
                    if rest and union_score(rest) >= scorer.config.threshold:
                        cited = rest
        if best < scorer.config.threshold:
            others = {c.n: score(sent.text, c) for c in citations if c.n not in scores}
            if others:
                n_best, s_best = max(others.items(), key=lambda kv: kv[1])
                if s_best >= scorer.config.threshold:
                    old = "".join(f"[{n}]" for n in sent.citations) or "(không có)"
                    warnings.append(f"Câu {i}: sửa trích dẫn {old} → [{n_best}] / sentence {i}: citation corrected")
                    cited, best = [n_best], s_best
                    scores = {n_best: s_best}
        if best >= scorer.config.threshold and not union:
            cited = [n for n in cited if scores.get(n, 0.0) >= scorer.config.threshold] or cited
        supported = best >= scorer.config.threshold
        if instruction_like(sent.text):
            supported = False
            problems.append("instruction_like")
            warnings.append(f"Câu {i}: giống một lệnh cho máy, không phải nội dung văn bản — đã đánh dấu / "
                            f"sentence {i}: reads as an instruction to a machine, flagged")
        if not supported:
            problems.append("unsupported")
            warnings.append(f"Câu {i}: không có nguồn nào ủng hộ (điểm {best:.2f}) / sentence {i}: unsupported")
        if not cited:
            problems.append("no_citation")
        reg = REGISTER_RE.search(sent.text)
        if reg:
            problems.append(f"register:{reg.group(1).lower()}")
            warnings.append(f"Câu {i}: văn phong không phù hợp (“{reg.group(1)}”), văn bản hành chính không dùng "
                            f"ngôi thứ nhất / sentence {i}: first-person register")
        removed = strict and bool(problems)
        if removed:
            warnings.append(f"Câu {i}: đã loại bỏ (chế độ nghiêm ngặt) / sentence {i}: removed in strict mode")
        if typed_facts is not None:
            from assistant.fact_check import contradictions

            for c in contradictions(sent.text, typed_facts):
                problems.append(f"contradiction:{c.reason}")
                warnings.append(f"Câu {i}: đã loại bỏ, {c.message} / sentence {i}: removed, contradicts the facts")
                removed = True
        verified.append(VerifiedSentence(sent.text, tuple(cited), supported, round(float(best), 4), tuple(problems),
                                         removed, **meta(sent)))

    leaks = _find_leaks(verified, citations, target_names, facts, precedent_units, target_year,
                        set(getattr(typed_facts, "counts", ())))
    for leak, i in leaks:
        warnings.append(f"Câu {i}: lộ thông tin của đơn vị khác: {leak} / sentence {i}: leak")
        if strict:
            verified[i - 1] = replace(verified[i - 1], removed=True, problems=verified[i - 1].problems + ("leak",))
        else:
            verified[i - 1] = replace(verified[i - 1], problems=verified[i - 1].problems + ("leak",))
    draft_text = " ".join(s.text for s in verified)
    directives = _check_directives(draft_text, registry, citations)
    for d in directives:
        for p in d.problems:
            warnings.append(f"Văn bản {d.citation}: {p.get('message', '')}")
    return VerificationResult(
        sentences=tuple(verified),
        leaks=tuple(dict.fromkeys(term for term, _ in leaks)),
        warnings=tuple(warnings),
        directives=tuple(directives),
        threshold=scorer.config.threshold,
    )


def _find_leaks(
    sentences: Sequence[VerifiedSentence],
    citations: Sequence[Citation],
    target_names: Sequence[str],
    facts: Sequence[ClerkFact],
    precedent_units: Iterable[UnitRef | str],
    target_year: int | None,
    clerk_figures: set[str] = frozenset(),
) -> list[tuple[str, int]]:
    """(term, 1-based sentence number) for each foreign name or figure in the draft."""
    from eval.metrics.leak import find_leaks

    names: set[str] = set()
    for u in precedent_units:
        names.update(_unit_names(u))
    for c in citations:
        names.update(_citation_names(c))
    target_folded = {t.casefold() for t in target_names}
    names = {n for n in names if n.casefold() not in target_folded}
    figures: set[str] = set()
    for c in citations:
        for _, _, fig in find_figures(c.text):
            figures.add(fig.strip())
    allowed = {f.quantity for f in facts} | set(target_names) | set(clerk_figures)
    if target_year is not None:
        allowed |= {str(target_year + d) for d in range(-2, 3)}
    found: list[tuple[str, int]] = []
    for i, s in enumerate(sentences, start=1):
        text = s.text
        for start, end, _ in sorted(directive_spans(text), key=lambda x: -x[0]):
            text = text[:start] + " " * (end - start) + text[end:]  # directive numbers are national
        for term in find_leaks(text, sorted(names), sorted(figures), allowed):
            found.append((term, i))
    return found
