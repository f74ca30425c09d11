"""Compare wording across years and units: the public API behind ``soanthao compare`` and the UI.

Two modes:
- pair: align the sections of two documents and diff each aligned pair sentence by sentence;
- topic: the section of every document that deals with one topic, ordered by year then unit,
  so a clerk sees how the wording evolved.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from assistant.align import SectionAligner, SectionPair, content_sections, embedding_text, heading_words
from assistant.errors import DocumentNotFoundError
from assistant.sentence_diff import SentenceChange, SentenceDiffer, sentences_to_embed
from index.embed import Embedder
from index.schema import ParsedDocument, doc_id_for
from index.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ComparedPair:
    pair: SectionPair
    changes: tuple[SentenceChange, ...]


@dataclass(frozen=True)
class Comparison:
    a: ParsedDocument
    b: ParsedDocument
    pairs: tuple[ComparedPair, ...]


@dataclass(frozen=True)
class TopicEntry:
    doc_id: str
    source: str
    unit: str | None
    year: int | None
    section: str
    text: str
    score: float


def split_into_sentences(text: str) -> list[str]:
    """Sentences of a section body, through the project's Vietnamese-aware splitter."""
    from index.sentences import split_sentences

    return [s.text.strip() for s in split_sentences(text) if s.text.strip()]


def document_files(settings: Settings) -> list[Path]:
    """Every indexable file the assistant knows: the corpus and the uploads folder."""
    from index.load import iter_corpus_files

    roots = [Path(settings.corpus_dir), Path(settings.data_dir) / "uploads"]
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            files.extend(iter_corpus_files(root, settings.ignore_names))
    return files


def resolve_document(ref: str, settings: Settings) -> ParsedDocument:
    """A document named by doc_id (``000_ad1bc2404d8aad29``) or by path, parsed.

    Raises:
        DocumentNotFoundError: nothing by that name, or the file could not be read.
    """
    from index.pipeline import ingest_paths

    path = Path(ref)
    candidates = [path] if path.is_file() else []
    if not candidates:
        corpus_root = Path(settings.corpus_dir)
        if (corpus_root / ref).is_file():
            candidates = [corpus_root / ref]
        else:
            candidates = [p for p in document_files(settings) if doc_id_for(p.name) == ref]
    if not candidates:
        raise DocumentNotFoundError(
            f"Không tìm thấy văn bản «{ref}» (mã văn bản hoặc đường dẫn) / no document with id or path {ref!r}"
        )
    target = candidates[0]
    root = Path(settings.corpus_dir) if target.resolve().is_relative_to(Path(settings.corpus_dir).resolve()) else target.parent
    result = ingest_paths([target], root, settings)
    if not result.documents:
        reason = result.entries[0].reason if result.entries else "unknown"
        raise DocumentNotFoundError(f"Không đọc được {target}: {reason} / cannot read {target}: {reason}")
    return result.documents[0]


def unit_names(*docs: ParsedDocument) -> list[str]:
    names: list[str] = []
    for doc in docs:
        names.extend(n for n in (doc.meta.unit, doc.meta.unit_name, doc.meta.place) if n)
    return names


class EmbeddingMemo:
    """Embeds each distinct text once per comparison, in as few model calls as possible.

    The real model embeds only a few passages a second on a busy machine, and the aligner and
    the sentence differ would otherwise embed the same texts again; ``prefetch`` batches
    everything a step will need into one call.
    """

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self.vectors: dict[str, np.ndarray] = {}

    def prefetch(self, texts: Sequence[str]) -> None:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            for text, vector in zip(missing, np.asarray(self.embedder.embed_passages(missing))):
                self.vectors[text] = vector

    def embed_passages(self, texts: Sequence[str], **_: Any) -> np.ndarray:
        self.prefetch(texts)
        if not texts:
            return np.zeros((0, int(getattr(self.embedder, "dim", 0))), dtype=np.float32)
        return np.stack([self.vectors[t] for t in texts])


def compare_documents(
    doc_a: ParsedDocument,
    doc_b: ParsedDocument,
    embedder: Embedder,
    section: str | None = None,
) -> Comparison:
    """Align two parsed documents and diff every aligned pair.

    Two model calls at most: the section bodies for the alignment, then every sentence of the
    aligned pairs that has no identical partner (identical sentences are never embedded;
    unmatched sections are all added/removed and need no embedding).

    Args:
        section: when given, keep only pairs whose A or B heading matches these words.
    """
    memo = EmbeddingMemo(embedder)
    memo.prefetch([embedding_text(s) for doc in (doc_a, doc_b) for s in content_sections(doc)])
    aligned = [p for p in SectionAligner(memo).align(doc_a, doc_b) if not section or _pair_matches(p, section)]
    split = [
        (split_into_sentences(p.a.text) if p.a else [], split_into_sentences(p.b.text) if p.b else []) for p in aligned
    ]
    differ = SentenceDiffer(memo)
    memo.prefetch([t for sents_a, sents_b in split for t in sentences_to_embed(differ, sents_a, sents_b)])
    names = unit_names(doc_a, doc_b)
    compared = [
        ComparedPair(pair=pair, changes=tuple(differ.diff(sents_a, sents_b, names)))
        for pair, (sents_a, sents_b) in zip(aligned, split)
    ]
    return Comparison(a=doc_a, b=doc_b, pairs=tuple(compared))


def _pair_matches(pair: SectionPair, section: str) -> bool:
    from rapidfuzz import fuzz

    wanted = heading_words(section)
    titles = [heading_words(s.title) for s in (pair.a, pair.b) if s is not None]
    return any(fuzz.token_set_ratio(wanted, t) >= 80 for t in titles)


def compare_topic(
    topic: str,
    retriever: Any,
    units: Sequence[str] = (),
    year_min: int | None = None,
    year_max: int | None = None,
    k: int = 40,
    reports_only: bool = True,
) -> list[TopicEntry]:
    """The best-matching section of each document for a topic, ordered by year then unit.

    Governing texts are left out by default: the point is how *clerks* worded it.
    """
    from assistant.retrieve import SearchFilters

    filters = SearchFilters(
        units=tuple(units),
        year_min=year_min,
        year_max=year_max,
        governing=False if reports_only else None,
    )
    best: dict[str, Any] = {}
    for hit in retriever.search(topic, k=k, filters=filters):
        doc_id = hit.chunk.doc_id
        if doc_id not in best or hit.score > best[doc_id].score:
            best[doc_id] = hit
    entries = [
        TopicEntry(
            doc_id=h.chunk.doc_id,
            source=h.chunk.source,
            unit=h.chunk.meta.get("unit"),
            year=h.chunk.meta.get("year"),
            section=h.chunk.section,
            text=h.chunk.text,
            score=float(h.score),
        )
        for h in best.values()
    ]
    return sorted(entries, key=lambda e: (e.year if e.year is not None else 9999, e.unit or ""))


# --- output -----------------------------------------------------------------------------


def _doc_json(doc: ParsedDocument) -> dict[str, Any]:
    m = doc.meta
    return {"doc_id": m.doc_id, "source": m.source, "title": m.summary or m.title, "unit": m.unit, "year": m.year}


def comparison_to_json(comparison: Comparison) -> dict[str, Any]:
    """The issue's contract: ``{"a", "b", "pairs": [{"a_section", "b_section", "similarity", "changes"}]}``."""
    pairs = []
    for cp in comparison.pairs:
        pairs.append(
            {
                "a_section": cp.pair.a.name if cp.pair.a else None,
                "b_section": cp.pair.b.name if cp.pair.b else None,
                "similarity": cp.pair.similarity,
                "changes": [
                    {"op": c.op, "a": c.a, "b": c.b, **({"kind": c.kind} if c.kind else {})} for c in cp.changes
                ],
            }
        )
    return {"a": _doc_json(comparison.a), "b": _doc_json(comparison.b), "pairs": pairs}


def topic_to_json(topic: str, entries: Sequence[TopicEntry]) -> dict[str, Any]:
    return {
        "topic": topic,
        "entries": [
            {"doc_id": e.doc_id, "source": e.source, "unit": e.unit, "year": e.year, "section": e.section, "text": e.text}
            for e in entries
        ],
    }


OP_MARK = {"same": " ", "changed": "~", "added": "+", "removed": "-"}


def render_text(comparison: Comparison) -> str:
    """Readable terminal view: one block per aligned pair, one line per sentence change."""
    lines = [f"A: {comparison.a.meta.source} ({comparison.a.meta.unit}, {comparison.a.meta.year})",
             f"B: {comparison.b.meta.source} ({comparison.b.meta.unit}, {comparison.b.meta.year})", ""]
    for cp in comparison.pairs:
        a_name = cp.pair.a.name if cp.pair.a else "—"
        b_name = cp.pair.b.name if cp.pair.b else "—"
        lines.append(f"## {a_name}  ⇄  {b_name}  (similarity {cp.pair.similarity:.2f})")
        for c in cp.changes:
            if c.op == "changed":
                label = " [chỉ đổi tên đơn vị/năm]" if c.kind == "unit_or_year" else ""
                lines.append(f"  - {c.a}")
                lines.append(f"  + {c.b}{label}")
            else:
                lines.append(f"  {OP_MARK[c.op]} {c.b if c.b is not None else c.a}")
        lines.append("")
    return "\n".join(lines)


def render_topic_text(topic: str, entries: Sequence[TopicEntry]) -> str:
    """Readable terminal view of topic mode: one block per document, oldest year first."""
    if not entries:
        return f"Không tìm thấy mục nào về «{topic}». / No section found for {topic!r}."
    lines = [f"Chủ đề / topic: {topic}", ""]
    for e in entries:
        lines.append(f"## {e.year or '?'} · {e.unit or '?'} — {e.source}")
        if e.section:
            lines.append(f"   § {e.section}")
        lines.append(f"   {e.text}")
        lines.append("")
    return "\n".join(lines)


def _words_html(change: SentenceChange) -> tuple[str, str]:
    left, right = [], []
    for w in change.words:
        a, b = html.escape(w.a), html.escape(w.b)
        if w.op == "equal":
            left.append(a)
            right.append(b)
        else:
            if a:
                left.append(f"<del>{a}</del>")
            if b:
                right.append(f"<ins>{b}</ins>")
    return " ".join(left), " ".join(right)


def render_html(comparison: Comparison) -> str:
    """Side-by-side HTML (all document text escaped) that the UI shows as is."""
    esc = html.escape
    rows = []
    for cp in comparison.pairs:
        a_name = esc(cp.pair.a.name) if cp.pair.a else "<em>(không có)</em>"
        b_name = esc(cp.pair.b.name) if cp.pair.b else "<em>(không có)</em>"
        rows.append(f'<tr class="st-section"><th>{a_name}</th><th>{b_name}</th></tr>')
        for c in cp.changes:
            if c.op == "changed":
                left, right = _words_html(c)
                note = ' <span class="st-note">(chỉ đổi tên đơn vị/năm)</span>' if c.kind == "unit_or_year" else ""
                rows.append(f'<tr class="st-changed"><td>{left}</td><td>{right}{note}</td></tr>')
            elif c.op == "same":
                rows.append(f'<tr class="st-same"><td>{esc(c.a or "")}</td><td>{esc(c.b or "")}</td></tr>')
            elif c.op == "added":
                rows.append(f'<tr class="st-added"><td></td><td><ins>{esc(c.b or "")}</ins></td></tr>')
            else:
                rows.append(f'<tr class="st-removed"><td><del>{esc(c.a or "")}</del></td><td></td></tr>')
    head = (
        f"<tr><th>A: {esc(comparison.a.meta.source)} — {esc(str(comparison.a.meta.unit))}, {comparison.a.meta.year}</th>"
        f"<th>B: {esc(comparison.b.meta.source)} — {esc(str(comparison.b.meta.unit))}, {comparison.b.meta.year}</th></tr>"
    )
    style = (
        "<style>.st-compare{border-collapse:collapse;width:100%}.st-compare td,.st-compare th{border:1px solid #ccc;"
        "padding:4px;vertical-align:top;width:50%}.st-compare del{background:#fdd}.st-compare ins{background:#dfd;"
        "text-decoration:none}.st-section th{background:#eef}.st-note{color:#777;font-size:90%}</style>"
    )
    return f'{style}<table class="st-compare">{head}{"".join(rows)}</table>'
