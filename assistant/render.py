"""HTML and Markdown views of drafts, lookups and citation checks, for the app.

Everything here works on the JSON contracts of the CLI (``draft --json``, ``lookup --json``,
``check --json``), so the UI shows exactly what a script would get. All document text is
escaped: a passage containing ``<script>`` is shown as text.
"""

from __future__ import annotations

import html
import re
from typing import Any, Mapping

CITE_MARK = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
PLACEHOLDER = re.compile(r"\[(?!\d)[^\[\]]{1,60}\]")

DRAFT_CSS = """
<style>
.st-draft p{line-height:1.6}
.st-cite{font-weight:600;text-decoration:none;color:#1d4ed8;cursor:pointer}
.st-unsupported{background:#fee2e2;border-bottom:2px dotted #b91c1c}
.st-placeholder{background:#fef3c7;padding:0 2px}
.st-sources li{margin:.4em 0;padding:.3em;border-radius:4px}
.st-sources li:target{background:#fff7c2;outline:2px solid #eab308}
.st-sources mark{background:#bbf7d0}
.st-problem{color:#b91c1c}
.st-leak{color:#b91c1c;font-weight:600}
</style>
"""


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _with_placeholders(escaped: str) -> str:
    return PLACEHOLDER.sub(lambda m: f'<mark class="st-placeholder">{m.group(0)}</mark>', escaped)


def _highlight_quote(passage: str, quote: str | None) -> str:
    """Escaped passage with the supporting span marked (first occurrence)."""
    if quote and quote in passage:
        start = passage.index(quote)
        return _esc(passage[:start]) + "<mark>" + _esc(quote) + "</mark>" + _esc(passage[start + len(quote):])
    return _esc(passage)


def draft_html(draft: Mapping[str, Any]) -> str:
    """The draft with clickable ``[n]`` (jump to + hover shows the source) and a source list."""
    sources = {c["n"]: c for c in draft.get("citations", [])}
    parts = [DRAFT_CSS, '<div class="st-draft"><p>']
    for i, sent in enumerate(draft.get("sentences", []), start=1):
        plain = CITE_MARK.sub("", sent["text"]).strip()
        body = _with_placeholders(_esc(plain))
        links = []
        for n in sent.get("citations", []):
            src = sources.get(n, {})
            title = f'{src.get("source", "?")} — {src.get("section", "")}'
            links.append(f'<a class="st-cite" href="#st-src-{n}" title="{_esc(title)}">[{n}]</a>')
        cls = "st-sent" if sent.get("supported", True) else "st-sent st-unsupported"
        tip = "" if sent.get("supported", True) else ' title="Chưa đủ căn cứ trong nguồn trích dẫn"'
        parts.append(f'<span class="{cls}" data-i="{i}"{tip}>{body}{"".join(links)}</span> ')
    parts.append("</p></div>")
    if draft.get("leaks"):
        parts.append('<p class="st-leak">Có thể lộ thông tin của đơn vị khác: ' + _esc("; ".join(draft["leaks"])) + "</p>")
    problems = [d for d in draft.get("directives", []) if d.get("problems")]
    if problems:
        parts.append("<h4>Vấn đề trích dẫn văn bản</h4><ul>")
        for d in problems:
            msgs = "; ".join(p.get("message", "") for p in d["problems"])
            parts.append(f'<li class="st-problem">{_esc(d.get("citation") or d.get("id"))}: {_esc(msgs)}</li>')
        parts.append("</ul>")
    if draft.get("warnings"):
        parts.append("<details><summary>Cảnh báo</summary><ul>" + "".join(f"<li>{_esc(w)}</li>" for w in draft["warnings"]) + "</ul></details>")
    parts.append('<h4>Nguồn trích dẫn</h4><ol class="st-sources">')
    for n in sorted(sources):
        c = sources[n]
        lines = f' (dòng {c["line_start"]}–{c["line_end"]})' if c.get("line_start") else ""
        parts.append(
            f'<li id="st-src-{n}" value="{n}"><b>{_esc(c.get("source"))}</b> — {_esc(c.get("section"))}{lines}'
            f'<blockquote>{_highlight_quote(c.get("text", ""), c.get("quote"))}</blockquote></li>'
        )
    parts.append("</ol>")
    return "".join(parts)


def draft_markdown(draft: Mapping[str, Any]) -> str:
    """Chat-message form of a draft: the text, then unsupported/placeholder notes."""
    lines = [draft.get("text", "").strip()]
    unsupported = [i for i, s in enumerate(draft.get("sentences", []), 1) if not s.get("supported", True)]
    if unsupported:
        lines.append(f"\n⚠️ Câu chưa đủ căn cứ: {', '.join(map(str, unsupported))}")
    if draft.get("placeholders"):
        lines.append("\n✏️ Cần điền: " + ", ".join(draft["placeholders"]))
    if draft.get("leaks"):
        lines.append("\n⛔ Nghi lộ thông tin đơn vị khác: " + "; ".join(draft["leaks"]))
    return "\n".join(lines)


def lookup_html(result: Mapping[str, Any]) -> str:
    rows = []
    for rank, d in enumerate(result.get("directives", []), start=1):
        evidence = "".join(
            f"<li><i>{_esc(e.get('source'))} — {_esc(e.get('section'))}</i>: {_esc(e.get('text'))}</li>"
            for e in d.get("evidence", [])[:3]
        )
        conflicts = (
            f'<div class="st-problem">Mâu thuẫn: {_esc(d["conflicts"])}</div>' if d.get("conflicts") else ""
        )
        status_ev = d.get("status_evidence") or {}
        status = _esc(d.get("status"))
        if status_ev:
            status += f" <small>({_esc(status_ev.get('source'))}: {_esc(status_ev.get('text'))})</small>"
        rows.append(
            f"<tr><td>{rank}</td><td><b>{_esc(d.get('id'))}</b><br><code>{_esc(d.get('citation'))}</code>{conflicts}</td>"
            f"<td>{status}</td><td><ul>{evidence}</ul></td></tr>"
        )
    return (
        DRAFT_CSS + "<table><tr><th>#</th><th>Văn bản (trích dẫn đầy đủ)</th><th>Hiệu lực</th><th>Căn cứ</th></tr>"
        + "".join(rows) + "</table>"
    )


def check_html(result: Mapping[str, Any]) -> str:
    refs = result.get("references", [])
    if not refs:
        return "<p>Không tìm thấy trích dẫn văn bản nào.</p>"
    rows = []
    for ref in refs:
        problems = ref.get("problems", [])
        cell = "<span>✔ Không có vấn đề</span>" if not problems else "<ul>" + "".join(
            f'<li class="st-problem"><b>{_esc(p.get("code"))}</b>: {_esc(p.get("message"))}'
            + (f" → <i>{_esc(p.get('suggestion'))}</i>" if p.get("suggestion") else "") + "</li>"
            for p in problems
        ) + "</ul>"
        rows.append(f"<tr><td>{_esc(ref.get('line'))}</td><td>{_esc(ref.get('text'))}</td><td>{_esc(ref.get('id'))}</td><td>{cell}</td></tr>")
    return DRAFT_CSS + "<table><tr><th>Dòng</th><th>Trích dẫn</th><th>Mã</th><th>Vấn đề</th></tr>" + "".join(rows) + "</table>"
