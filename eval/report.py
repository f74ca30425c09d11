"""The dated report folder of an evaluation run: ``report.md``, ``results.json`` and PNG plots.

``report.md`` is for a developer: the floors, one table per suite with every system on every split,
the project's gain over each baseline, and every failure with its query or request so it can be acted
on. Plots (matplotlib, Agg backend, no display needed): per-metric bars of the project against the
baselines, and the support-score histogram of supported vs unsupported pairs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SUITE_METRICS: dict[str, tuple[str, ...]] = {
    "retrieval": ("hit_at_1", "hit_at_5", "mrr_at_10", "ndcg_at_10"),
    "lookup": ("top_1_accuracy", "top_3_accuracy", "answer_accuracy", "governing_coverage"),
    "drafting": ("citation_recall", "citation_precision", "directive_accuracy", "leak_rate", "placeholder_coverage",
                 "gold_precedent_cited"),
    "unit_drafting": ("unit_fact_fidelity", "fact_coverage", "contradictions", "broken_sentences",
                      "outdated_legal_basis", "citation_recall", "citation_precision", "leak_rate", "directive_accuracy",
                      "unit_fact_recall", "strict_rule_recall"),
    "support": ("precision", "recall", "f1"),
    "compare": ("alignment_accuracy",),
}
LOWER_IS_BETTER = frozenset({"leak_rate", "contradictions", "broken_sentences", "outdated_legal_basis"})
SPLIT_ORDER = ("all", "dev", "test")


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _gain(project: Any, baseline: Any, metric: str) -> str:
    if project is None or baseline is None:
        return "n/a"
    delta = project - baseline
    better = delta < 0 if metric in LOWER_IS_BETTER else delta > 0
    sign = "+" if delta >= 0 else "−"
    return f"{sign}{abs(delta):.3f}" + (" ✓" if better else "")


def _project_name(suite: Mapping[str, Any]) -> str:
    return suite.get("project", next(iter(suite["systems"])))


def _table(suite_name: str, suite: Mapping[str, Any]) -> list[str]:
    metrics = SUITE_METRICS[suite_name]
    lines = ["| system | split | n | " + " | ".join(metrics) + " |", "|" + "---|" * (len(metrics) + 3)]
    for system, figures in suite["systems"].items():
        for split in SPLIT_ORDER:
            row = figures.get(split)
            if not row or not row.get("n"):
                continue
            lines.append(f"| {system} | {split} | {row['n']} | " + " | ".join(_fmt(row.get(m)) for m in metrics) + " |")
    return lines


def _gains(suite_name: str, suite: Mapping[str, Any]) -> list[str]:
    project = _project_name(suite)
    baselines = [s for s in suite["systems"] if s != project]
    if not baselines:
        return []
    metrics = SUITE_METRICS[suite_name]
    lines = ["", f"Gain of **{project}** over each baseline (split `all`; ✓ = better; leak rate: lower is better):", "",
             "| baseline | " + " | ".join(metrics) + " |", "|" + "---|" * (len(metrics) + 1)]
    own = suite["systems"][project]["all"]
    for base in baselines:
        other = suite["systems"][base]["all"]
        lines.append(f"| {base} | " + " | ".join(_gain(own.get(m), other.get(m), m) for m in metrics) + " |")
    return lines


def _per_type(suite: Mapping[str, Any]) -> list[str]:
    lines = ["", "Per query type (split `all`), hit@5 / MRR@10:", "",
             "| system | " + " | ".join(next(iter(suite["systems"].values()))["per_type"]) + " |",
             "|" + "---|" * (1 + len(next(iter(suite["systems"].values()))["per_type"]))]
    for system, figures in suite["systems"].items():
        cells = [f"{_fmt(v['hit_at_5'])} / {_fmt(v['mrr_at_10'])} (n={v['n']})" for v in figures["per_type"].values()]
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    return lines


def _per_type_split(suite: Mapping[str, Any]) -> list[str]:
    """The project's hit@5 / MRR@10 per query type on dev, test and the queries written blind."""
    project = suite["systems"][_project_name(suite)]
    table = project.get("per_type_split") or {}
    if not table:
        return []
    lines = ["", f"**{_project_name(suite)}** per query type and subset (test and the blind r051–r090 reported "
             "apart), hit@5 / MRR@10:", "", "| type | dev | test | blind | blind ∩ test |", "|---|---|---|---|---|"]
    for qtype, subsets in table.items():
        cells = [f"{_fmt(v['hit_at_5'])} / {_fmt(v['mrr_at_10'])} (n={v['n']})" if v["n"] else "n/a"
                 for v in (subsets[k] for k in ("dev", "test", "blind", "blind_test"))]
        lines.append(f"| {qtype} | " + " | ".join(cells) + " |")
    return lines


def _lookup_per_type(suite: Mapping[str, Any]) -> list[str]:
    per_type = suite["systems"][_project_name(suite)].get("per_type") or {}
    if not per_type:
        return []
    lines = ["", "Per question type (split `all`): top-1 · answer line correct:", "",
             "| type | n | top-1 | answer line |", "|---|---|---|---|"]
    for qtype, v in per_type.items():
        answers = f"{_fmt(v['answer_accuracy'])} (n={v['n_answers']})" if v["n_answers"] else "n/a"
        lines.append(f"| {qtype} | {v['n']} | {_fmt(v['top_1_accuracy'])} | {answers} |")
    return lines


def _paired(suite: Mapping[str, Any]) -> list[str]:
    paired = suite.get("paired") or {}
    if not paired:
        return []
    lines = ["", f"Is the MRR@10 difference real? **{_project_name(suite)}** minus each baseline, per query "
             "(95 % paired bootstrap interval; two-sided paired randomization test):", "",
             "| baseline | Δ MRR@10 | 95 % interval | wins / losses / ties | p |", "|---|---|---|---|---|"]
    for base, d in paired.items():
        lines.append(f"| {base} | {d['mean_delta']:+.3f} | [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}] | "
                     f"{d['wins']} / {d['losses']} / {d['ties']} | {d['p_value']:.3f} |")
    return lines


def _failure_lines(failures: Sequence[Mapping[str, Any]]) -> list[str]:
    if not failures:
        return ["", "No failures."]
    lines = ["", f"**Failures ({len(failures)})**", ""]
    for f in failures:
        head = f"- `{f.get('id')}` ({f.get('split')}"
        head += f", {f['severity']}" if f.get("severity") else ""
        head += f", {f['type']}" if f.get("type") else ""
        lines.append(head + f"): {f.get('query', '')}")
        for key, value in f.items():
            if key in ("id", "split", "severity", "type", "query"):
                continue
            if isinstance(value, list) and value and isinstance(value[0], Mapping):
                lines.append(f"  - {key}:")
                lines += [f"    - {json.dumps(v, ensure_ascii=False)}" for v in value]
            else:
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                if key == "draft" and len(text) > 600:
                    text = text[:600] + "…"
                lines.append(f"  - {key}: {text}")
    return lines


def render_markdown(results: Mapping[str, Any], plots: Sequence[str] = ()) -> str:
    """The Markdown summary of one run."""
    meta = results["meta"]
    lines = [f"# Soạn Thảo evaluation — {meta['started']}", "",
             f"- mode: {'quick' if meta['quick'] else 'full'}; suites: {', '.join(meta['suites'])}",
             f"- data dir: `{meta['data_dir']}`; embedding model: `{meta['model_id']}`",
             f"- runtime: {meta['seconds']:.1f} s", ""]
    support = meta.get("support_threshold") or {}
    if support:
        lines[-1:-1] = [f"- support threshold: {support['threshold']} (lexical weight {support['lexical_weight']}), "
                        + ("calibrated for this model" if support["calibrated_for_model"]
                           else f"**not calibrated for this model**: {support['notice']}")]
    checks = results.get("floors", [])
    if checks:
        lines += ["## Floors (`eval/floors.toml`)", "", "| metric | split | floor | measured | result |", "|---|---|---|---|---|"]
        for c in checks:
            verdict = {True: "pass", False: "**FAIL**", None: f"skipped ({c['note']})"}[c["passed"]]
            op = "≥" if c["kind"] == "min" else "≤"
            lines.append(f"| {c['suite']}.{c['metric']} | {c['split']} | {op} {c['floor']:g} | {_fmt(c['measured'])} | {verdict} |")
        lines.append("")
    for name, suite in results["suites"].items():
        title = {"support": "Support judge (calibrated threshold "
                 f"{suite.get('threshold', 0):.4f}, {suite.get('config', {}).get('fingerprint', '')})"}.get(name, name.capitalize())
        lines += [f"## {title}", ""]
        if suite.get("notes"):
            lines += [f"> {note}" for note in suite["notes"]] + [""]
        lines += _table(name, suite)
        lines += _gains(name, suite)
        if name == "retrieval":
            lines += _per_type(suite)
            lines += _per_type_split(suite)
            lines += _paired(suite)
        if name == "lookup":
            lines += _lookup_per_type(suite)
        if name == "compare" and suite.get("per_pair"):
            lines += ["", "| pair | split | a | b | accuracy | gold pairs |", "|---|---|---|---|---|---|"]
            for pid, p in suite["per_pair"].items():
                lines.append(f"| {pid} | {p['split']} | {p['a']} | {p['b']} | {_fmt(p['alignment_accuracy'])} | {p['n']} |")
        for plot in plots:
            if plot.startswith(name):
                lines += ["", f"![{name}]({plot})"]
        lines += _failure_lines(suite.get("failures", []))
        lines.append("")
    return "\n".join(lines) + "\n"


def plot_bars(suite_name: str, suite: Mapping[str, Any], path: Path) -> None:
    """Grouped bars: one group per metric (split ``all``), one bar per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    metrics = [m for m in SUITE_METRICS[suite_name]
               if any(f["all"].get(m) is not None for f in suite["systems"].values() if f["all"].get("n"))]
    systems = [s for s, f in suite["systems"].items() if f["all"].get("n")]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(metrics) * max(1, len(systems)) / 2 + 2), 4))
    width = 0.8 / max(1, len(systems))
    x = np.arange(len(metrics))
    for i, system in enumerate(systems):
        values = [suite["systems"][system]["all"].get(m) or 0.0 for m in metrics]
        bars = ax.bar(x + i * width - 0.4 + width / 2, values, width, label=system)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.set_xticks(x, metrics, rotation=15, fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.set_title(f"{suite_name}: project vs baselines (split all)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_support_histogram(support: Mapping[str, Any], path: Path) -> None:
    """Histogram of judge scores, supported vs unsupported pairs, with the calibrated threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    yes = [s["score"] for s in support["scores"] if s["supported"]]
    no = [s["score"] for s in support["scores"] if not s["supported"]]
    bins = [i / 20 for i in range(21)]
    ax.hist(no, bins=bins, alpha=0.6, label=f"unsupported (n={len(no)})", color="tab:red")
    ax.hist(yes, bins=bins, alpha=0.6, label=f"supported (n={len(yes)})", color="tab:green")
    ax.axvline(support["threshold"], color="black", linestyle="--", label=f"threshold {support['threshold']:.3f}")
    ax.set_xlabel("support score")
    ax.set_ylabel("pairs")
    ax.set_title("Support judge: scores of hand-labelled pairs")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(results: Mapping[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write ``results.json``, the PNG plots and ``report.md`` into ``out_dir`` (created).

    Returns:
        name → path of every file written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    plots: list[str] = []
    for name, suite in results["suites"].items():
        if name in SUITE_METRICS and suite.get("systems"):
            filename = f"{name}_bars.png"
            plot_bars(name, suite, out_dir / filename)
            plots.append(filename)
        if name == "support" and suite.get("scores"):
            filename = "support_histogram.png"
            plot_support_histogram(suite, out_dir / filename)
            plots.append(filename)
    for filename in plots:
        written[filename] = out_dir / filename
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    written["results.json"] = json_path
    md_path = out_dir / "report.md"
    md_path.write_text(render_markdown(results, plots), encoding="utf-8")
    written["report.md"] = md_path
    logger.info("evaluation report written to %s", out_dir)
    return written
