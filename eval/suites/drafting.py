"""Drafting suite: citation recall and precision (ALCE), directive accuracy, leak rate, placeholder
coverage and gold-precedent use of drafts made through the public API (``assistant.draft.draft_section``),
for the project and for the naive baseline (the same extractive drafter fed the naive LlamaIndex chunks).

How each figure is judged, from outside the drafter:

* **citation recall / precision**: ``eval.metrics.citation`` with the project's calibrated support judge
  (``assistant.support``) as ``judge``; the target's own names are masked in the sentence, every corpus
  unit name in the passage, and the clerk's figures and the reporting years need no support. Averaged
  over drafts, as ALCE averages over responses.
* **directive accuracy**: references found in the draft by the directives parser
  (``index.citations.find_citations``) looked up in the registry (number, date, issuer must match);
  None when the drafts hold no reference (nothing to measure).
* **leak rate**: share of draft sentences with the name of another corpus unit (its commune or its
  district/province when the target's differ) or a figure of a cited precedent report that the clerk did
  not give (directive numbers and dates, and the reporting years, are not figures).
* **placeholder coverage**: each local figure of the precedent sentence a draft sentence came from is a
  slot; it is covered when that figure is gone from the draft sentence and the sentence shows a
  placeholder ``[…]``, the clerk's figure or the reporting year instead.
* **gold precedent cited**: share of drafts citing at least one of the request's gold precedent files.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from eval.datasets import SPLITS, DraftingRequest
from eval.metrics.citation import CitedSentence, citation_precision, citation_recall, precise_citations, sentence_supported
from eval.metrics.directive_accuracy import (
    DirectiveReference,
    RegistryEntry,
    directive_key,
    reference_problems,
)
from eval.metrics.leak import find_leaks
from eval.metrics.retrieval import mean

logger = logging.getLogger(__name__)

METRICS = ("citation_recall", "citation_precision", "directive_accuracy", "leak_rate", "placeholder_coverage",
           "gold_precedent_cited")
_FIGURE = re.compile(r"(?<![\w.,/])\d+(?:[.,/]\d+)*(?![\w])")
_LEVEL_PREFIX = re.compile(r"^(?:UBND\s+)?(?:thị trấn|thị xã|thành phố|phường|xã|quận|huyện|tỉnh)\s+", re.I)
_TRAILING_DATE = re.compile(r"^\s*,?\s*(?:ngày\s+)?\d{1,2}\s*[/-]\s*\d{1,2}\s*[/-]\s*\d{4}")
_PLACEHOLDER = re.compile(r"\[[^\[\]\d][^\[\]]*\]")
# "Hiến pháp năm 2013", "Luật Thực hiện dân chủ ở cơ sở năm 2022": the year names a law, it is not a local figure
_LAW_YEAR = re.compile(r"\b(?:Hiến pháp|Luật|Bộ luật|Pháp lệnh)\b[^.;:]{0,120}?\bnăm\s+\d{4}")


def bare_name(unit: str) -> str:
    """"UBND xã Quang Khải" → "Quang Khải"; "huyện Tứ Kỳ" → "Tứ Kỳ"."""
    return _LEVEL_PREFIX.sub("", unicodedata.normalize("NFC", unit).strip()).strip()


@dataclass(frozen=True)
class CorpusUnits:
    """What the corpus says about its units: each report unit with its parents, and which sources govern."""

    units: tuple[tuple[str, tuple[str, ...]], ...]
    governing_sources: frozenset[str]

    common_names: frozenset[str] = frozenset()

    @classmethod
    def from_chunks(cls, chunks: Iterable[Any]) -> "CorpusUnits":
        """Units of the report documents. A name that also occurs in a governing text ("Hồ Chí Minh" in
        "tư tưởng Hồ Chí Minh"), or a one-word name (a metadata slip such as "Hội"), is not a distinctive
        local name and is kept out of the leak check."""
        units: dict[str, tuple[str, ...]] = {}
        governing: set[str] = set()
        governing_texts: list[str] = []
        for chunk in chunks:
            meta = chunk.meta or {}
            if meta.get("is_governing"):
                governing.add(chunk.source)
                governing_texts.append(chunk.text)
                continue
            name = meta.get("unit_name") or (bare_name(str(meta["unit"])) if meta.get("unit") else None)
            if name:
                units.setdefault(str(name), tuple(bare_name(str(p)) for p in meta.get("parent_units") or ()))
        names = {n for n, _ in units.items()} | {p for _, parents in units.items() for p in parents}
        common = {n for n in names if len(n.split()) < 2 or any(find_leaks(t, [n], []) for t in governing_texts)}
        return cls(tuple(sorted(units.items())), frozenset(governing), frozenset(common))

    def all_names(self) -> list[str]:
        names = {n for n, _ in self.units} | {p for _, parents in self.units for p in parents}
        return sorted(n for n in names if n and n not in self.common_names)

    def foreign_names(self, request: DraftingRequest) -> list[str]:
        own = {bare_name(request.unit).casefold()} | {bare_name(p).casefold() for p in request.parent_units}
        return [n for n in self.all_names() if n.casefold() not in own]


def strip_directive_references(text: str) -> str:
    """The text with every directive reference (and the date right after it) blanked out."""
    from index.citations import find_citations

    out = text
    for ref in sorted(find_citations(text), key=lambda r: r.span[0], reverse=True):
        start, end = ref.span
        tail = _TRAILING_DATE.match(text[end:])
        end = end + tail.end() if tail else end
        out = out[:start] + " " * (end - start) + out[end:]
    return _LAW_YEAR.sub(lambda m: " " * len(m.group(0)), out)


def figures_of(text: str) -> list[str]:
    """Figures of a text outside directive references ("2.256", "16", "05/12/2023")."""
    return _FIGURE.findall(strip_directive_references(text))


def allowed_figures(request: DraftingRequest) -> list[str]:
    """Figures a draft may state without a source: the clerk's and the reporting years."""
    years = [str(request.year + d) for d in (-1, 0, 1)]
    return years + (figures_of(request.facts) if request.facts else [])


def to_draft_request(request: DraftingRequest) -> Any:
    from assistant.draft import DraftRequest

    return DraftRequest(section=request.section, unit=request.unit, year=request.year, unit_level=request.unit_level,
                        parent_units=request.parent_units, kind=request.kind, facts=request.facts)


def make_judge(embedder: Any, request: DraftingRequest, corpus: CorpusUnits) -> Callable[[str, Sequence[str]], bool]:
    """The project's calibrated support judge, with names masked and the clerk's figures allowed."""
    from assistant.support import SupportScorer, load_support_config

    config = load_support_config(embedder)
    scorer = SupportScorer(embedder if config.lexical_weight < 1.0 else None, config)
    own = [request.unit, bare_name(request.unit)]
    passage_names = corpus.all_names() + own
    allowed = allowed_figures(request)

    def judge(sentence: str, passages: Sequence[str]) -> bool:
        return scorer.supported(sentence, "\n".join(passages), own, passage_names, allowed)

    return judge


def registry_entries(registry: Any) -> dict[str, RegistryEntry]:
    """The registry as the directive-accuracy metric expects it (keyed by ``directive_key``)."""
    entries = {}
    for record in registry.records().values():
        when = date.fromisoformat(record.date) if record.date else None
        entries[directive_key(record.id)] = RegistryEntry(record.id, when, record.issuer)
    return entries


def directive_references(text: str) -> list[DirectiveReference]:
    """Directive references stated in a draft, as the metric expects them."""
    from index.citations import find_citations

    refs = []
    for ref in find_citations(text):
        when = date.fromisoformat(ref.date) if ref.date else None
        refs.append(DirectiveReference(ref.canonical_id or ref.raw, when, ref.issuer))
    return refs


def _source_sentence(sentence: str, quotes: Sequence[str]) -> str:
    from rapidfuzz import fuzz

    from index.sentences import split_sentences

    candidates = [s.text for q in quotes for s in split_sentences(q)]
    return max(candidates, key=lambda c: fuzz.token_set_ratio(sentence, c), default="")


def _has_figure(figure: str, text: str) -> bool:
    return bool(find_leaks(text, [], [figure]))


def score_draft(draft: Any, request: DraftingRequest, corpus: CorpusUnits, judge: Callable[[str, Sequence[str]], bool],
                registry: dict[str, RegistryEntry]) -> dict[str, Any]:
    """All drafting figures of one draft, and the details behind each failure.

    A question to the clerk (a sentence wholly in brackets) states nothing, so it is not a claim
    to cite and is left out of every figure here."""
    from eval.metrics.unit_fact_fidelity import is_question

    sentences = [CitedSentence(s.text, tuple(s.citations)) for s in draft.sentences if not is_question(s.text)]
    passages = {c.n: c.text for c in draft.citations}
    by_n = {c.n: c for c in draft.citations}
    recall = citation_recall(sentences, passages, judge)
    precision = citation_precision(sentences, passages, judge)
    refs = [r for s in sentences for r in directive_references(s.text)]
    bad_refs = [(r, reference_problems(r, registry)) for r in refs]
    bad_refs = [(r, p) for r, p in bad_refs if p]
    names = corpus.foreign_names(request)
    allowed = allowed_figures(request)
    precedent_figures = sorted({f for c in draft.citations if c.source not in corpus.governing_sources
                                for f in figures_of(c.text)} - set(allowed))
    leaks = []
    slots = covered = 0
    uncovered = []
    for s in sentences:
        found = find_leaks(s.text, names, []) + find_leaks(strip_directive_references(s.text), [], precedent_figures, allowed)
        if found:
            leaks.append({"sentence": s.text, "leaked": found})
        quotes = [by_n[n].quote or by_n[n].text for n in s.citations if n in by_n]
        origin = _source_sentence(s.text, quotes)
        stand_in = bool(_PLACEHOLDER.search(s.text)) or any(_has_figure(a, s.text) for a in allowed)
        for figure in dict.fromkeys(figures_of(origin)):
            if figure in allowed:
                continue
            slots += 1
            if not _has_figure(figure, s.text) and stand_in:
                covered += 1
            else:
                uncovered.append({"sentence": s.text, "precedent": origin, "figure": figure})
    unsupported = [{"sentence": s.text, "citations": list(s.citations)} for s in sentences
                   if not sentence_supported(s, passages, judge)]
    imprecise = []
    for s in sentences:
        if len(s.citations) > 1 and sentence_supported(s, passages, judge):
            needed = precise_citations(s, passages, judge)
            if needed < len(s.citations):
                imprecise.append({"sentence": s.text, "citations": list(s.citations), "needed": needed})
    return {
        "citation_recall": recall,
        "citation_precision": precision,
        "n_sentences": len(sentences),
        "n_citations": sum(len(s.citations) for s in sentences),
        "n_references": len(refs),
        "n_references_ok": len(refs) - len(bad_refs),
        "n_leaking": len(leaks),
        "n_slots": slots,
        "n_covered": covered,
        "gold_precedent_cited": any(c.source in request.gold_sources for c in draft.citations),
        "details": {
            "unsupported": unsupported,
            "imprecise": imprecise,
            "bad_references": [{"reference": r.number, "date": r.date.isoformat() if r.date else None,
                                "issuer": r.issuer, "problems": list(p)} for r, p in bad_refs],
            "leaks": leaks,
            "uncovered_slots": uncovered,
        },
        "text": draft.text,
    }


def aggregate(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Figures over several drafts: ALCE means over drafts; directive accuracy, leak rate and placeholder
    coverage pooled over references, sentences and slots (None when there is nothing to count)."""
    if not rows:
        return {"n": 0}
    refs = sum(r["n_references"] for r in rows)
    sentences = sum(r["n_sentences"] for r in rows)
    slots = sum(r["n_slots"] for r in rows)
    # a draft of questions only states nothing to cite: it does not count for citation recall/precision
    # (an empty run still scores 0.0, so it cannot pass a floor)
    cited = [r for r in rows if r["n_sentences"]] or rows
    return {
        "citation_recall": mean(r["citation_recall"] for r in cited),
        "citation_precision": mean(r["citation_precision"] for r in cited),
        "directive_accuracy": sum(r["n_references_ok"] for r in rows) / refs if refs else None,
        "leak_rate": sum(r["n_leaking"] for r in rows) / sentences if sentences else 0.0,
        "placeholder_coverage": sum(r["n_covered"] for r in rows) / slots if slots else None,
        "gold_precedent_cited": mean(1.0 if r["gold_precedent_cited"] else 0.0 for r in rows),
        "n": len(rows),
        "n_sentences": sentences,
        "n_references": refs,
        "n_slots": slots,
    }


def run_drafting_suite(requests: Sequence[DraftingRequest], drafters: dict[str, Callable[[Any], Any]],
                       embedder: Any, registry: Any, corpus: CorpusUnits, project: str = "project") -> dict[str, Any]:
    """Draft every request with every drafter and score the drafts.

    Args:
        requests: drafting requests (a subset in quick mode).
        drafters: name → function ``DraftRequest → Draft`` (the project's and the baseline's).
        embedder: the embedding model of the support judge.
        registry: the directive registry (``index.registry.Registry``).
        corpus: unit names and governing sources of the indexed corpus.
        project: the drafter whose failures are listed.
    """
    if project not in drafters:
        raise ValueError(f"project drafter {project!r} is not among {sorted(drafters)}")
    entries = registry_entries(registry)
    result: dict[str, Any] = {"systems": {}, "per_request": {}, "failures": []}
    for name, draft_fn in drafters.items():
        started = time.perf_counter()
        rows = []
        for request in requests:
            draft = draft_fn(to_draft_request(request))
            row = score_draft(draft, request, corpus, make_judge(embedder, request, corpus), entries)
            row["request"] = request
            rows.append(row)
        figures: dict[str, Any] = {"all": aggregate(rows)}
        for split in SPLITS:
            figures[split] = aggregate([r for r in rows if r["request"].split == split])
        figures["seconds"] = round(time.perf_counter() - started, 2)
        result["systems"][name] = figures
        result["per_request"][name] = {
            r["request"].id: {k: v for k, v in r.items() if k not in ("request", "details", "text")} for r in rows
        }
        if name == project:
            for r in rows:
                req: DraftingRequest = r["request"]
                problems = {k: v for k, v in r["details"].items() if v}
                if problems or not r["gold_precedent_cited"] or r["n_sentences"] == 0:
                    result["failures"].append({
                        "id": req.id, "split": req.split,
                        "query": f"{req.section} — {req.unit} {req.year} ({req.kind})"
                                 + (f"; facts: {req.facts}" if req.facts else ""),
                        "gold_precedent_cited": r["gold_precedent_cited"], "n_sentences": r["n_sentences"],
                        **problems, "draft": r["text"],
                    })
    own = result["systems"][project]
    result["headline"] = {s: {m: own[s].get(m) for m in METRICS} for s in ("all", *SPLITS) if own[s]["n"]}
    return result
