"""Report folder from a hand-made results dict: files exist, tables show gains, failures are listed."""

from __future__ import annotations

import json

from eval.report import render_markdown, write_report


def _results():
    figures = lambda h5, mrr: {"hit_at_1": mrr, "hit_at_5": h5, "mrr_at_10": mrr, "ndcg_at_10": mrr, "n": 4}  # noqa: E731
    per_type = {"verbatim": {**figures(1.0, 1.0), "n": 2}, "paraphrase": {**figures(0.5, 0.5), "n": 2}}
    return {
        "meta": {"started": "2025-01-01T10:00:00", "quick": True, "suites": ["retrieval", "support"],
                 "data_dir": "/tmp/d", "model_id": "fake", "seconds": 1.5},
        "floors": [{"suite": "retrieval", "metric": "hit_at_5", "kind": "min", "floor": 0.95, "split": "all",
                    "measured": 0.75, "passed": False, "note": ""}],
        "suites": {
            "retrieval": {
                "project": "hybrid",
                "systems": {"hybrid": {"all": figures(0.75, 0.5), "dev": figures(1.0, 1.0), "test": {"n": 0},
                                       "per_type": per_type},
                            "lexical": {"all": figures(0.5, 0.25), "dev": figures(0.5, 0.5), "test": {"n": 0},
                                        "per_type": per_type}},
                "failures": [{"id": "r007", "split": "dev", "type": "paraphrase", "severity": "miss@5",
                              "query": "xã tiếp bao nhiêu đơn", "gold_span": "tiếp 16 đơn"}],
                "paired": {"lexical": {"n": 4, "mean_delta": 0.25, "ci_low": 0.0, "ci_high": 0.5, "wins": 2,
                                       "losses": 0, "ties": 2, "p_value": 0.5}},
            },
            "support": {"project": "project", "threshold": 0.7, "config": {"fingerprint": "lexical-only"},
                        "systems": {"project": {"all": {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "n": 3}}},
                        "scores": [{"score": 0.9, "supported": True}, {"score": 0.3, "supported": True},
                                   {"score": 0.2, "supported": False}],
                        "failures": []},
        },
    }


def test_markdown_has_floors_tables_gains_and_every_failure():
    text = render_markdown(_results(), ["retrieval_bars.png"])
    assert "| retrieval.hit_at_5 | all | ≥ 0.95 | 0.750 | **FAIL** |" in text
    assert "| hybrid | all | 4 | 0.500 | 0.750 | 0.500 | 0.500 |" in text
    assert "| lexical | +0.250 ✓ | +0.250 ✓ | +0.250 ✓ | +0.250 ✓ |" in text
    assert "| lexical | +0.250 | [+0.000, +0.500] | 2 / 0 / 2 | 0.500 |" in text
    assert "- `r007` (dev, miss@5, paraphrase): xã tiếp bao nhiêu đơn" in text
    assert "gold_span: tiếp 16 đơn" in text
    assert "![retrieval](retrieval_bars.png)" in text
    assert "| hybrid | test |" not in text   # empty split not shown


def test_write_report_writes_json_markdown_and_non_empty_plots(tmp_path):
    written = write_report(_results(), tmp_path / "out")
    assert set(written) == {"report.md", "results.json", "retrieval_bars.png", "support_bars.png", "support_histogram.png"}
    for path in written.values():
        assert path.is_file() and path.stat().st_size > 0
    assert (tmp_path / "out" / "retrieval_bars.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["suites"]["retrieval"]["project"] == "hybrid"
