"""How much the dense list counts in hybrid search: per index, calibrated on held-in data; per query, by
how sure each list is.

The fixed weight 0.2 was chosen on the sample corpus, where e5-small is far weaker than BM25; on an
outside legal corpus e5 is about as strong as BM25, and a fixed small weight throws it away. So:

* **per index** (``calibrate_dense_weight``): held-in pseudo-queries the index itself provides — a
  sentence of a passage, whose relevant passages are the *other* passages of the same section (its own
  passage is left out, so the task is topical, not verbatim) — are searched by both lists, and the
  base weight is the smallest grid weight whose MRR@10 is within ``CALIBRATION_TOLERANCE`` of the best
  (a flat curve keeps the lexical side's order). Written to ``fusion.json`` in the index folder, tied to
  what it was measured on (``index_key``: the passages, the model and the BM25 format), so an unchanged
  corpus is not measured again and a changed one is.
* **per query** (``query_dense_weight``): each list's confidence is how far its best score stands above
  the next ones, in standard deviations of its top scores (``list_confidence``); the dense weight is the
  base times ``2 · dense / (dense + lexical)`` confidence, capped at ``MAX_DENSE_WEIGHT``. Two lists
  equally sure keep the base; a dense list with a clear winner where BM25 has none gets more say.

Example:
    >>> query_dense_weight([(1, 0.9), (2, 0.5), (3, 0.49)], [(4, 3.0), (5, 2.9), (6, 2.8)], base=0.2) > 0.2
    True
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

logger = logging.getLogger(__name__)

FUSION_FILENAME = "fusion.json"
MAX_DENSE_WEIGHT = 0.8
#: Weights tried by the calibration, and how close to the best MRR the chosen (smallest) one must be.
CALIBRATION_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8)
CALIBRATION_TOLERANCE = 0.01
CALIBRATION_QUERIES = 120
_TOP = 50


def list_confidence(scored: Sequence[tuple[int, float]]) -> float:
    """How far the best score stands above the next nine, in standard deviations of the top 50 (0 when flat)."""
    values = np.asarray([s for _, s in scored[:_TOP]], dtype=np.float64)
    if values.size < 3:
        return 0.0
    spread = float(values.std())
    return 0.0 if spread <= 0 else float((values[0] - values[1:10].mean()) / spread)


def query_dense_weight(dense: Sequence[tuple[int, float]], lexical: Sequence[tuple[int, float]],
                       base: float) -> float:
    """The dense weight of convex fusion for one query (module docstring)."""
    if not dense:
        return 0.0
    if not lexical:
        return base
    c_dense, c_lexical = list_confidence(dense), list_confidence(lexical)
    if c_dense + c_lexical <= 0:
        return base
    return float(min(MAX_DENSE_WEIGHT, max(0.0, base * 2.0 * c_dense / (c_dense + c_lexical))))


@dataclass(frozen=True)
class FusionCalibration:
    """The base dense weight measured for one index build, and the curve it was chosen from."""

    dense_weight: float
    index_key: str
    queries: int
    mrr_by_weight: dict[str, float]

    def save(self, index_dir: Path) -> None:
        path = Path(index_dir) / FUSION_FILENAME
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)


def index_key(manifest: Any) -> str:
    """What a calibration depends on: the passages (their ids, in order), the model and the BM25 format."""
    import hashlib

    digest = hashlib.sha256()
    for record in manifest.files.values():
        digest.update("\n".join(record.chunk_ids).encode())
    digest.update(f"|{manifest.model_fingerprint}|{manifest.extra.get('lexical_version')}".encode())
    return digest.hexdigest()


def load_calibration(index_dir: Path, key: str) -> FusionCalibration | None:
    """The calibration measured on the index ``key`` names, or None (missing, unreadable, or another index)."""
    path = Path(index_dir) / FUSION_FILENAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        calibration = FusionCalibration(float(data["dense_weight"]), str(data["index_key"]), int(data["queries"]),
                                        {str(k): float(v) for k, v in data["mrr_by_weight"].items()})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("ignoring %s: %s", path, exc)
        return None
    return calibration if calibration.index_key == key else None


def held_in_queries(chunks: Sequence[Any], n: int = CALIBRATION_QUERIES, seed: int = 0) -> list[tuple[int, str, set[int]]]:
    """(passage position, one of its sentences, the other passages of its section) for up to ``n`` passages
    of sections with at least two passages, drawn with a fixed seed so a build's calibration is repeatable."""
    from index.sentences import split_sentences

    by_section: dict[tuple[str, str], list[int]] = {}
    for i, chunk in enumerate(chunks):
        by_section.setdefault((chunk.source, chunk.section), []).append(i)
    candidates = [i for i, c in enumerate(chunks) if len(by_section[(c.source, c.section)]) >= 2]
    random.Random(seed).shuffle(candidates)
    out = []
    rng = random.Random(seed + 1)
    for i in candidates:
        sentences = [s.text for s in split_sentences(chunks[i].text) if 8 <= len(s.text.split()) <= 40]
        if sentences:
            others = set(by_section[(chunks[i].source, chunks[i].section)]) - {i}
            out.append((i, " ".join(rng.choice(sentences).split()), others))
        if len(out) == n:
            break
    return out


def calibrate_dense_weight(retriever: Any, n: int = CALIBRATION_QUERIES) -> FusionCalibration | None:
    """Measure the base dense weight of ``retriever``'s index on held-in pseudo-queries (module docstring).

    None when the index has too few multi-passage sections to measure anything (the caller keeps the default).
    """
    from assistant.retrieve import convex_fusion

    queries = held_in_queries(retriever.index.chunks, n)
    if len(queries) < 20:
        return None
    lists = []
    for own, sentence, relevant in queries:
        dense = [(p, s) for p, s in retriever.dense_candidates(sentence, 101, None) if p != own][:100]
        lexical = [(p, s) for p, s in retriever.index.lexical.search(sentence, 101) if p != own][:100]
        lists.append((dense, lexical, relevant))
    curve = {}
    for weight in CALIBRATION_GRID:
        rr = []
        for dense, lexical, relevant in lists:
            fused = [p for p, _ in convex_fusion(dense, lexical, query_dense_weight(dense, lexical, weight))[:10]]
            rr.append(next((1.0 / r for r, p in enumerate(fused, 1) if p in relevant), 0.0))
        curve[f"{weight:.1f}"] = round(float(np.mean(rr)), 4)
    best = max(curve.values())
    chosen = min(float(w) for w, mrr in curve.items() if mrr >= best - CALIBRATION_TOLERANCE)
    return FusionCalibration(chosen, index_key(retriever.index.manifest), len(lists), curve)


def ensure_calibrated(settings: Any, embedder: Any = None) -> FusionCalibration | None:
    """The index's calibration, measured now if this build has none (after ``soanthao index``)."""
    from assistant.retrieve import get_retriever

    retriever = get_retriever(settings, embedder)
    index_dir = Path(settings.index_dir)
    existing = load_calibration(index_dir, index_key(retriever.index.manifest))
    if existing is not None or not retriever.index.chunks:
        return existing
    calibration = calibrate_dense_weight(retriever)
    if calibration is not None:
        calibration.save(index_dir)
        retriever.refresh_fusion()
        logger.info("hybrid search: dense weight %.1f calibrated on %d held-in queries", calibration.dense_weight,
                    calibration.queries)
    return calibration
