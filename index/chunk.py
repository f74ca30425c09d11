"""Section-aware chunking: a parsed document → ``Chunk`` records sized for the embedding model.

Rules, in order of importance:

1. **A chunk never crosses a section boundary.** Blocks are grouped by identical
   ``section_path``; inside a section the administrative header/title blocks, the
   closing block (``Trên đây là…``, ``Nơi nhận``, signer) and the body are kept
   apart, so a passage about "tiếp công dân" never drags in the signature.
   A section holding nothing but its own heading (``Chương I``, ``III. KẾT QUẢ``
   followed directly by sub-sections) yields no chunk: its words already travel in
   the section path of every chunk below it.
2. **Whole blocks are packed** up to the budget; a block larger than the budget is
   split at sentence boundaries (then at words), consecutive pieces overlapping by
   ``settings.chunk_overlap_tokens``.
3. **The budget is in cl100k_base tokens** (tiktoken, read offline from
   LlamaIndex's bundled BPE files) and covers the *embedded* text, i.e. the
   section-path prefix plus the passage (see ``embed_text``). e5 reads at most 512
   XLM-R tokens; on the sample corpus Vietnamese costs about 1.7 cl100k tokens per
   XLM-R token, so the default 350 stays far below the limit (see the report in
   ``tests/index/test_chunk.py`` and ``bench/``).

What is embedded: ``embed_text(chunk)`` = section path, blank line, passage —
exactly what LlamaIndex produces for ``chunk_to_node(chunk)`` in
``MetadataMode.EMBED``. ``Chunk.text`` stays the bare passage (what is quoted and
cited); the section path gives short passages ("1. Tổ chức cuộc họp …") the
context of the article or heading they belong to.

Example:
    >>> from index.settings import Settings
    >>> chunks = chunk_document(parsed_document, Settings())   # doctest: +SKIP
    >>> chunks[0].section, chunks[0].line_start, chunks[0].line_end   # doctest: +SKIP
    ('Chương I. NHỮNG QUY ĐỊNH CHUNG > Điều 37.1.LQ.1. Phạm vi điều chỉnh', 33, 41)
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from index.schema import Block, Chunk, DocumentMeta, ParsedDocument
from index.settings import Settings

if TYPE_CHECKING:  # LlamaIndex is imported only where nodes are built
    from llama_index.core.schema import TextNode

logger = logging.getLogger(__name__)

__all__ = [
    "TOKENIZER",
    "CHUNKER_VERSION",
    "Chunker",
    "chunk_document",
    "chunk_to_node",
    "node_to_chunk",
    "count_tokens",
    "embed_text",
    "chunk_meta",
]

TOKENIZER = "cl100k_base"
CHUNKER_VERSION = "1"
SECTION_SEPARATOR = " > "
_FRONT_KINDS = frozenset({"header", "title"})
_CLOSING_KINDS = frozenset({"closing"})
# Metadata keys a node carries besides ``chunk.meta`` (``section`` is the only one embedded).
_NODE_KEYS = ("section", "section_path", "doc_id", "source", "line_start", "line_end")


@functools.lru_cache(maxsize=1)
def _encoding():
    """The cl100k_base encoding, loaded from LlamaIndex's bundled BPE file (never downloaded)."""
    from index.offline import apply_offline_env

    apply_offline_env()
    import tiktoken

    return tiktoken.get_encoding(TOKENIZER)


def count_tokens(text: str) -> int:
    """Number of cl100k_base tokens in ``text``."""
    return len(_encoding().encode(text, disallowed_special=()))


def _embed_prefix(section: str) -> str:
    return section.strip()


def embed_text(chunk: Chunk) -> str:
    """The text to embed for a chunk: section path, a blank line, the passage.

    Equal to ``chunk_to_node(chunk).get_content(MetadataMode.EMBED)``.
    """
    prefix = _embed_prefix(chunk.section)
    return f"{prefix}\n\n{chunk.text}" if prefix else chunk.text


def chunk_meta(meta: DocumentMeta) -> dict[str, Any]:
    """JSON-safe document metadata copied onto every chunk (filters and citations use it)."""
    return {
        "doc_id": meta.doc_id,
        "source": meta.source,
        "kind": meta.kind,
        "unit": meta.unit,
        "unit_name": meta.unit_name,
        "unit_level": meta.unit_level,
        "year": meta.year,
        "title": meta.title,
        "summary": meta.summary,
        "is_governing": meta.is_governing,
        "parent_units": list(meta.parent_units),
        "date": meta.date,
        "number": meta.number,
    }


def _provenance_meta(doc: ParsedDocument, section_path: tuple[str, ...]) -> dict[str, Any]:
    """Pháp điển: the source law of the innermost article in ``section_path``, if any."""
    for title in reversed(section_path):
        provenance = doc.provenance.get(title)
        if provenance is not None:
            return {
                "law_number": provenance.law_number,
                "law_kind": provenance.law_kind,
                "law_title": provenance.law_title,
                "article": provenance.article,
                "issued": provenance.issued,
                "effective": provenance.effective,
            }
    return {}


@dataclass(frozen=True)
class _Piece:
    """Text bound for one chunk, with the blocks' original line range."""

    text: str
    line_start: int
    line_end: int


class Chunker:
    """Turns a ``ParsedDocument`` into section-aware ``Chunk`` records.

    Example:
        >>> chunker = Chunker(Settings(chunk_tokens=200, chunk_overlap_tokens=20))
        >>> chunks = chunker.chunk(parsed_document)   # doctest: +SKIP
    """

    def __init__(self, settings: Settings):
        budget = settings.chunk_tokens
        overlap = settings.chunk_overlap_tokens
        if budget < 32:
            raise ValueError(f"chunk_tokens must be at least 32, got {budget}")
        if overlap < 0 or overlap * 2 >= budget:
            raise ValueError(f"chunk_overlap_tokens must be in [0, chunk_tokens/2), got {overlap} for {budget}")
        self.budget = budget
        self.overlap = overlap

    # --- public -------------------------------------------------------------------------

    def chunk(self, doc: ParsedDocument) -> list[Chunk]:
        """Chunks of ``doc`` in document order; deterministic for the same input.

        Args:
            doc: a parsed document (any kind: report, plan, decision, Pháp điển).

        Returns:
            Chunks whose ``text`` fits the token budget together with its section prefix.
        """
        base = chunk_meta(doc.meta)
        groups = list(_section_groups(doc.blocks))
        chunks: list[Chunk] = []
        for index, (path, blocks) in enumerate(groups):
            if all(b.kind == "heading" for b in blocks) and _has_children(path, groups[index + 1:]):
                continue
            section = SECTION_SEPARATOR.join(path)
            budget = self._text_budget(section)
            meta = {**base, **_provenance_meta(doc, path)}
            for run in _role_runs(blocks):
                for piece in self._pack(run, budget):
                    ident = {"doc_id": doc.meta.doc_id, "section": section,
                             "line_start": piece.line_start, "line_end": piece.line_end}
                    chunks.append(
                        Chunk(
                            chunk_id=Chunk.make_id(piece.text, ident),
                            doc_id=doc.meta.doc_id,
                            source=doc.meta.source,
                            text=piece.text,
                            section_path=path,
                            line_start=piece.line_start,
                            line_end=piece.line_end,
                            meta=dict(meta),
                        )
                    )
        logger.debug("%s: %d blocks → %d chunks", doc.meta.source, len(doc.blocks), len(chunks))
        return chunks

    # --- packing ------------------------------------------------------------------------

    def _text_budget(self, section: str) -> int:
        """Tokens left for the passage once the embedded section prefix is paid for.

        A pathological prefix (over three quarters of the budget) is not allowed to
        starve the passage: the passage then keeps a quarter of the budget, and the
        embedded text may exceed the budget by the excess of the prefix.
        """
        prefix = _embed_prefix(section)
        cost = count_tokens(prefix + "\n\n") if prefix else 0
        return max(self.budget - cost, self.budget // 4)

    def _pack(self, blocks: list[Block], budget: int) -> list[_Piece]:
        """Greedy packing of whole blocks.

        Counts are added up (block + newline) and only recounted exactly when the sum
        passes the budget: BPE merges at a join (``.`` + ``\\n``) can only save tokens.
        """
        pieces: list[_Piece] = []
        current: list[Block] = []
        used = 0
        newline = count_tokens("\n")

        def flush() -> None:
            # A lone heading before an oversize block adds nothing the section prefix does not say.
            if current and all(b.kind == "heading" for b in current) and len(current) < len(blocks):
                current.clear()
            if current:
                pieces.append(_Piece("\n".join(b.text for b in current),
                                     min(b.line_start for b in current), max(b.line_end for b in current)))
                current.clear()

        for block in blocks:
            size = count_tokens(block.text)
            if size > budget:
                flush()
                used = 0
                for text in self._split(block.text, budget):
                    pieces.append(_Piece(text, block.line_start, block.line_end))
                continue
            if not current:
                used = size
            elif used + newline + size <= budget:
                used += newline + size  # an upper bound: merging at the join only saves tokens
            else:
                exact = count_tokens("\n".join([b.text for b in current] + [block.text]))
                if exact > budget:
                    flush()
                    exact = size
                used = exact
            current.append(block)
        flush()
        return pieces

    def _split(self, text: str, budget: int) -> list[str]:
        """Split an oversize block at sentences (then words), with overlap between pieces."""
        from index.sentences import split_sentences

        units: list[str] = []
        for span in split_sentences(text):
            if count_tokens(span.text) <= budget - self.overlap:
                units.append(span.text)
            else:
                units.extend(self._word_windows(span.text, budget - self.overlap))
        pieces: list[str] = []
        current: list[str] = []
        fresh = 0  # units added since the overlap was carried over
        for unit in units:
            candidate = " ".join(current + [unit])
            if current and fresh and count_tokens(candidate) > budget:
                pieces.append(" ".join(current))
                current = self._overlap_tail(current)
                fresh = 0
                candidate = " ".join(current + [unit])
                if count_tokens(candidate) > budget:
                    current = []
            current.append(unit)
            fresh += 1
        if current and fresh:
            pieces.append(" ".join(current))
        return pieces

    def _overlap_tail(self, units: list[str]) -> list[str]:
        """The last sentences of a piece (or its last words) worth at most ``overlap`` tokens."""
        if self.overlap == 0:
            return []
        tail: list[str] = []
        for unit in reversed(units):
            if count_tokens(" ".join([unit] + tail)) > self.overlap:
                break
            tail.insert(0, unit)
        if tail:
            return tail
        words = units[-1].split()
        kept: list[str] = []
        for word in reversed(words):
            if count_tokens(" ".join([word] + kept)) > self.overlap:
                break
            kept.insert(0, word)
        return [" ".join(kept)] if kept else []

    @staticmethod
    def _word_windows(sentence: str, limit: int) -> list[str]:
        """Cut a sentence longer than ``limit`` tokens into consecutive word runs of at most ``limit``.

        Each word is counted once with its leading space (a BPE pre-token boundary),
        so a window's cost is the sum of its words'; every window is re-checked exactly.
        """
        words = sentence.split()
        costs = [count_tokens(w if i == 0 else " " + w) for i, w in enumerate(words)]
        windows: list[str] = []
        start = 0
        while start < len(words):
            end, used = start, 0
            while end < len(words) and (end == start or used + costs[end] <= limit):
                used += costs[end]
                end += 1
            while end - start > 1 and count_tokens(" ".join(words[start:end])) > limit:
                end -= 1
            windows.append(" ".join(words[start:end]))
            start = end
        return windows


def _section_groups(blocks: Iterable[Block]) -> Iterable[tuple[tuple[str, ...], list[Block]]]:
    """Consecutive blocks with an identical section path."""
    path: tuple[str, ...] | None = None
    group: list[Block] = []
    for block in blocks:
        if block.section_path != path and group:
            yield path or (), group
            group = []
        path = block.section_path
        group.append(block)
    if group:
        yield path or (), group


def _has_children(path: tuple[str, ...], later: list[tuple[tuple[str, ...], list[Block]]]) -> bool:
    """True when the next group lies below ``path`` (so a heading-only group adds nothing)."""
    return bool(later) and len(later[0][0]) > len(path) and later[0][0][: len(path)] == path


def _role_runs(blocks: list[Block]) -> list[list[Block]]:
    """Split a section's blocks into runs of the same role: front matter, body, closing."""

    def role(block: Block) -> str:
        if block.kind in _FRONT_KINDS:
            return "front"
        if block.kind in _CLOSING_KINDS:
            return "closing"
        return "body"

    runs: list[list[Block]] = []
    for block in blocks:
        if runs and role(runs[-1][-1]) == role(block):
            runs[-1].append(block)
        else:
            runs.append([block])
    return runs


def chunk_document(doc: ParsedDocument, settings: Settings) -> list[Chunk]:
    """Chunk one parsed document (see ``Chunker``)."""
    return Chunker(settings).chunk(doc)


# --- LlamaIndex nodes ---------------------------------------------------------------------


def chunk_to_node(chunk: Chunk) -> "TextNode":
    """A LlamaIndex ``TextNode`` for storage: id = chunk_id; only the section path is embedded/shown.

    Every metadata key except ``section`` is listed in both
    ``excluded_embed_metadata_keys`` and ``excluded_llm_metadata_keys``, so the
    file path and the filters never leak into the embedded text or the prompt; the
    metadata template is just ``{value}`` so the embedded text is exactly
    ``embed_text(chunk)``.
    """
    from llama_index.core.schema import TextNode

    metadata: dict[str, Any] = dict(chunk.meta)
    metadata.update(
        section=chunk.section,
        section_path=list(chunk.section_path),
        doc_id=chunk.doc_id,
        source=chunk.source,
        line_start=chunk.line_start,
        line_end=chunk.line_end,
    )
    hidden = [key for key in metadata if key != "section"]
    return TextNode(
        id_=chunk.chunk_id,
        text=chunk.text,
        metadata=metadata,
        excluded_embed_metadata_keys=hidden,
        excluded_llm_metadata_keys=list(hidden),
        metadata_template="{value}",
    )


def node_to_chunk(node: "TextNode") -> Chunk:
    """Inverse of ``chunk_to_node``."""
    metadata = dict(node.metadata)
    section_path = tuple(metadata.pop("section_path", ()))
    metadata.pop("section", None)
    doc_id = metadata.get("doc_id", "")
    source = metadata.get("source", "")
    line_start = int(metadata.pop("line_start"))
    line_end = int(metadata.pop("line_end"))
    return Chunk(
        chunk_id=node.node_id,
        doc_id=doc_id,
        source=source,
        text=node.text,
        section_path=section_path,
        line_start=line_start,
        line_end=line_end,
        meta=metadata,
    )
