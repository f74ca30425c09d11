"""Support-judge suite: precision, recall and F1 of the calibrated support judge
(``assistant.support``) on the hand-labelled pairs, dev and held-out test reported separately.

The threshold is the one stored by calibration for this embedding model (``load_support_config``); it
was chosen on dev only, so the test figures are the honest ones. Scores are kept per pair for the
report's histogram of supported vs unsupported pairs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from eval.datasets import SPLITS, SupportPair
from eval.metrics.judge_quality import evaluate_threshold

logger = logging.getLogger(__name__)


def run_support_suite(pairs: Sequence[SupportPair], embedder: Any) -> dict[str, Any]:
    """Score every pair with the project's calibrated support scorer and measure it against the labels.

    Returns:
        ``{"threshold", "config", "systems": {"project": {split: {precision, recall, f1, tp, fp, fn, tn, n}}},
        "headline", "scores": [{"id", "score", "supported", "kind", "split"}], "failures": [...]}``
    """
    from assistant.support import SupportScorer, load_support_config

    config = load_support_config(embedder)
    scorer = SupportScorer(embedder if config.lexical_weight < 1.0 else None, config)
    started = time.perf_counter()
    scored = [(p, scorer.score(p.sentence, p.passage)) for p in pairs]
    own: dict[str, Any] = {}
    for split in ("all", *SPLITS):
        subset = [(p, s) for p, s in scored if split == "all" or p.split == split]
        if subset:
            figures = evaluate_threshold([s for _, s in subset], [p.supported for p, _ in subset], config.threshold)
            own[split] = {**asdict(figures), "n": len(subset)}
        else:
            own[split] = {"n": 0}
    own["seconds"] = round(time.perf_counter() - started, 2)
    failures = [
        {"id": p.id, "split": p.split, "kind": p.kind, "query": p.sentence, "passage": p.passage[:200],
         "score": round(s, 4), "severity": "false support" if not p.supported else "missed support"}
        for p, s in scored if (s >= config.threshold) != p.supported
    ]
    return {
        "threshold": config.threshold,
        "config": {"fingerprint": config.fingerprint, "lexical_weight": config.lexical_weight, "model_id": config.model_id},
        "systems": {"project": own},
        "headline": {s: {m: own[s][m] for m in ("precision", "recall", "f1")} for s in ("all", *SPLITS) if own[s]["n"]},
        "scores": [{"id": p.id, "score": round(s, 6), "supported": p.supported, "kind": p.kind, "split": p.split}
                   for p, s in scored],
        "failures": failures,
    }
