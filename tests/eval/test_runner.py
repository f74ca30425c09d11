"""The evaluation runner end to end on a tiny corpus (two seed reports and the Cần Thơ decision) with
``FakeEmbedder``: the index is built by the runner when missing, every suite runs through the public
APIs, the report folder is written, and floors decide the CLI's exit code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from eval import datasets
from eval.floors import check_floors, failed, load_floors
from eval.runner import DatasetPaths, EvalOptions, run_eval
from index.embed import FakeEmbedder
from index.settings import SAMPLE_CORPUS, Settings

COUNTS = frozenset({"contradictions", "broken_sentences", "outdated_legal_basis"})
FILES = ("seeds/000_ad1bc2404d8aad29.txt", "seeds/002_2cc0b2eb3d9fdbc1.txt",
         "van-ban-dia-phuong/2579-QD-UBND-2025-can-tho.md")


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _rows(name: str, keep) -> list[dict]:
    lines = (datasets.DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [row for row in (json.loads(line) for line in lines if line.strip()) if keep(row)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval-runner")
    corpus = root / "corpus"
    for rel in FILES:
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE_CORPUS / rel, corpus / rel)
    data = root / "data"
    data.mkdir()
    in_corpus = lambda sources: set(sources) <= set(FILES)  # noqa: E731
    paths = DatasetPaths(
        retrieval=_write_jsonl(data / "retrieval.jsonl", _rows(
            "retrieval.jsonl", lambda r: in_corpus(r.get("gold_sources", [r["gold_source"]])))),
        lookup=_write_jsonl(data / "lookup.jsonl", _rows("lookup.jsonl", lambda r: True)[:4]),
        support=datasets.DATA_DIR / "support_pairs.jsonl",
        drafting=_write_jsonl(data / "drafting.jsonl", _rows("drafting.jsonl", lambda r: r["id"] in ("d001", "d004"))),
        unit_drafting=_write_jsonl(data / "units.jsonl", _rows("drafting_units.jsonl", lambda r: r["id"] in ("u001", "u101"))),
        compare=_write_jsonl(data / "compare.jsonl", _rows("compare_gold.jsonl", lambda r: r["id"] == "c002")),
    )
    settings = Settings(corpus_dir=corpus, data_dir=root / "index-data")
    options = EvalOptions(quick=True, out_dir=root / "report", data=paths, progress=False)
    run = run_eval(settings, options, embedder=FakeEmbedder())
    return root, settings, run


def test_runner_builds_the_missing_index_and_runs_every_suite(tiny):
    _, settings, run = tiny
    results = run.results
    index = results["meta"]["index"]
    assert index["added"] == len(FILES) and index["chunks_embedded"] == index["chunks_total"] > 0
    assert (Path(settings.data_dir) / "index" / "manifest.json").is_file()
    assert set(results["suites"]) == {"retrieval", "lookup", "drafting", "unit_drafting", "support", "compare"}
    units = results["suites"]["unit_drafting"]["systems"]["project"]
    assert units["all"]["n"] == 2 and units["test"]["n"] == 1 and units["all"]["fact_coverage"] is not None
    assert units["test"]["n_labels"] == len([l for l in datasets.load_sentence_kinds()
                                             if l.split == "test" and l.label != "heading"])
    assert set(results["suites"]["retrieval"]["systems"]) == {"hybrid", "lexical", "dense"}
    assert set(results["suites"]["drafting"]["systems"]) == {"project"}
    assert results["meta"]["naive_baseline"] is False
    n_queries = results["suites"]["retrieval"]["systems"]["hybrid"]["all"]["n"]
    assert n_queries == len(_rows("retrieval.jsonl", lambda r: set(r.get("gold_sources", [r["gold_source"]])) <= set(FILES)))
    assert results["suites"]["drafting"]["systems"]["project"]["all"]["n"] == 2
    assert results["suites"]["compare"]["per_pair"]["c002"]["n"] > 0
    for suite, by_split in results["headline"].items():
        for split, figures in by_split.items():
            assert split in ("all", "dev", "test")
            for metric, value in figures.items():
                if metric in COUNTS:
                    assert value >= 0, (suite, split, metric, value)
                else:
                    assert value is None or 0.0 <= value <= 1.0, (suite, split, metric, value)
    json.dumps(results, ensure_ascii=False)   # JSON-safe as printed by --json


def test_runner_writes_the_report_folder(tiny):
    root, _, run = tiny
    assert run.report_dir == root / "report"
    for name in ("report.md", "results.json", "retrieval_bars.png", "drafting_bars.png", "support_histogram.png"):
        path = run.report_dir / name
        assert path.is_file() and path.stat().st_size > 0, name
    report = (run.report_dir / "report.md").read_text(encoding="utf-8")
    assert "## Retrieval" in report and "## Floors" in report
    for failure in run.results["suites"]["retrieval"]["failures"]:
        assert failure["query"] in report
    saved = json.loads((run.report_dir / "results.json").read_text(encoding="utf-8"))
    assert saved["headline"] == json.loads(json.dumps(run.results["headline"]))


def test_floor_above_the_measured_value_fails_and_at_it_passes(tiny, tmp_path):
    _, _, run = tiny
    measured = run.results["headline"]["retrieval"]["all"]["mrr_at_10"]
    above = tmp_path / "above.toml"
    above.write_text(f"[retrieval]\nmrr_at_10 = {{ min = {measured + 0.01} }}\n", encoding="utf-8")
    at = tmp_path / "at.toml"
    at.write_text(f"[retrieval]\nmrr_at_10 = {{ min = {measured} }}\n", encoding="utf-8")
    bad = failed(check_floors(run.results["headline"], load_floors(above)))
    assert any(c.split == "all" and c.measured == pytest.approx(measured) for c in bad)
    assert not [c for c in failed(check_floors(run.results["headline"], load_floors(at))) if c.split == "all"]


@pytest.mark.parametrize("floor, exit_code", [(1.01, 1), (0.0, 0)])
def test_cli_quick_exit_code_follows_the_floors(tiny, tmp_path, monkeypatch, floor, exit_code):
    from typer.testing import CliRunner

    import index.embed
    from assistant.cli import app

    _, settings, _ = tiny
    floors = tmp_path / "floors.toml"
    floors.write_text(f"[retrieval]\nhit_at_5 = {{ min = {floor} }}\n", encoding="utf-8")
    monkeypatch.setenv("SOANTHAO_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setattr(index.embed, "load_embedder", lambda s: FakeEmbedder())
    result = CliRunner().invoke(app, ["eval", "--suite", "retrieval", "--quick", "--json", "--floors", str(floors),
                                      "--out", str(tmp_path / "r"), "--data-dir", str(settings.data_dir)])
    assert result.exit_code == exit_code, result.output
    printed = result.stdout[result.stdout.index("{"):]
    assert set(json.loads(printed)["suites"]) == {"retrieval"}
    if exit_code:
        assert "retrieval.hit_at_5 ≥ 1.01" in result.output + getattr(result, "stderr", "")
    assert (tmp_path / "r" / "report.md").is_file()
