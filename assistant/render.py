"""HTML and Markdown views of drafts, lookups, comparisons and citation checks, for the app.

Everything here works on the JSON contracts of the CLI (``draft --json``, ``lookup --json``,
``check --json``, ``compare --json``), so the UI shows exactly what a script would get. All
document text is escaped: a passage containing ``<script>`` is shown as text. Text going into
Markdown (the chat) goes through ``md_literal``: a ``[x](javascript:…)`` link, an image, a bare
URL or an e-mail address in a document stays text there too, whatever the front-end sanitizer does.
"""

from __future__ import annotations

import html
import re
from typing import Any, Mapping, Sequence

# How each sentence's origin (``draft --json`` "origin") is named to the clerk.
KIND_LABELS = {"precedent": "công thức, đúng với mọi đơn vị", "clerk": "số liệu của đơn vị",
               "own_unit": "từ văn bản trước của đơn vị", "question": "câu hỏi cho cán bộ"}
CITE_MARK = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
PLACEHOLDER = re.compile(r"\[(?!\d)[^\[\]]{1,60}\]")
# Markdown punctuation that can start a link, image, autolink, emphasis, code, heading, table or formula;
# ':' and '@' break bare URLs and e-mails. Written as numeric character references, which CommonMark
# (and Gradio's renderer) always shows as the character and never reads as syntax.
_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+!|~:@$]")
_BARE_WWW = re.compile(r"(?i)\b(www)\.")

DRAFT_CSS = """
<style>
.st-draft{position:relative}
.st-draft p{line-height:1.7}
.st-cite{font-weight:600;text-decoration:none;color:#1d4ed8;cursor:pointer}
/* the popup spans the draft's width just under the hovered line, so it never leaves the page */
.st-cite .st-pop{display:none;position:absolute;left:0;right:0;margin-top:1.5em;z-index:50;
  background:#fff;color:#111;border:1px solid #94a3b8;border-radius:6px;padding:.5em;font-weight:400;
  box-shadow:0 4px 14px rgba(0,0,0,.18);font-size:.9em;line-height:1.4;text-align:left}
.st-cite:hover .st-pop,.st-cite:focus .st-pop{display:block}
.st-pop mark,.st-sources mark{background:#bbf7d0}
.st-unsupported{background:#fee2e2;border-bottom:2px dotted #b91c1c}
.st-placeholder{background:#fef3c7;padding:0 2px}
.st-sources li{margin:.4em 0;padding:.3em;border-radius:4px}
.st-sources li:target{background:#fff7c2;outline:2px solid #eab308}
.st-where{color:#475569;font-size:.9em}
.st-fullcite{user-select:all;background:#f1f5f9;padding:0 3px;border-radius:3px}
.st-problem{color:#b91c1c}
.st-leak{color:#b91c1c;font-weight:600}
.st-legend span{margin-right:1em;font-size:.85em}
.st-kind-clerk{background:#dcfce7}
.st-kind-own_unit{background:#e0f2fe}
.st-kind-question{background:#fef9c3;font-style:italic}
.st-table{border-collapse:collapse;width:100%}
.st-table td,.st-table th{border:1px solid #cbd5e1;padding:4px;vertical-align:top}
</style>
"""


def sentence_text(sentence: Mapping[str, Any]) -> str:
    """A draft sentence as it reads in the draft: its ``[n]`` markers before the final stop.

    The JSON keeps each sentence's text plain and its sources in ``citations``.
    """
    from assistant.verify import format_markers

    return format_markers(CITE_MARK.sub("", sentence["text"]).strip(), sentence.get("citations", []))


def draft_text(sentences: Sequence[Mapping[str, Any]], report: Mapping[str, Any] | None = None) -> str:
    """The text of a (refined) draft: its sentences with markers, space-separated; for a whole
    report (``report``: the JSON's ``report`` layout) laid out as ``draft_report`` does — header,
    title, opening, each section's heading and sentences, closing."""
    if not report:
        return " ".join(sentence_text(s) for s in sentences)
    body = [*report["header"], "", report["title"], "", report["opening"], ""]
    start = 0
    for section in report["sections"]:
        end = start + section["sentences"]
        body += [section["heading"], " ".join(sentence_text(s) for s in sentences[start:end]), ""]
        start = end
    return "\n".join(body + list(report["closing"]))


def md_literal(value: Any) -> str:
    """Untrusted text inside Markdown, shown exactly as written: HTML-escaped and its Markdown
    punctuation written as character references, so no link, image, autolink or tag can come out of it.

    Example:
        >>> md_literal("[x](javascript:alert(1)) <b>")
        '&#91;x&#93;&#40;javascript&#58;alert&#40;1&#41;&#41; &lt;b&gt;'
    """
    text = html.escape("" if value is None else str(value), quote=False)
    text = _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group(0))};", text)
    return _BARE_WWW.sub(r"\1&#46;", text)


def sentence_markdown(sentence: Mapping[str, Any]) -> str:
    """``sentence_text`` for the chat: the sentence's own words inert (``md_literal``), its [n] markers kept."""
    from assistant.verify import format_markers

    return format_markers(md_literal(CITE_MARK.sub("", sentence["text"]).strip()), sentence.get("citations", []))


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _with_placeholders(escaped: str) -> str:
    return PLACEHOLDER.sub(lambda m: f'<mark class="st-placeholder">{m.group(0)}</mark>', escaped)


def quote_spans(passage: str, quote: str | None) -> list[tuple[int, int]]:
    """Where the draft's supporting sentence(s) sit in the passage, merged and in order.

    The drafter joins several quoted sentences with a space and may have dropped line
    breaks or a bullet mark, so each quoted sentence is searched separately, whitespace-tolerant.
    """
    if not quote or not passage:
        return []
    from index.sentences import split_sentences

    spans: list[tuple[int, int]] = []
    for sent in split_sentences(quote) or []:
        words = sent.text.split()
        if not words:
            continue
        pattern = r"\s+".join(re.escape(w) for w in words)
        if (m := re.search(pattern, passage)) is not None:
            spans.append((m.start(), m.end()))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight_quote(passage: str, quote: str | None) -> str:
    """Escaped passage with the supporting span(s) wrapped in ``<mark>``."""
    out, pos = [], 0
    for start, end in quote_spans(passage, quote):
        out += [_esc(passage[pos:start]), "<mark>", _esc(passage[start:end]), "</mark>"]
        pos = end
    out.append(_esc(passage[pos:]))
    return "".join(out)


def _where(c: Mapping[str, Any]) -> str:
    """"seeds/a.txt — III > 4. Tiếp dân (dòng 154–160)", escaped."""
    lines = ""
    if c.get("line_start"):
        end = c.get("line_end") or c["line_start"]
        lines = f" (dòng {c['line_start']}–{end})" if end != c["line_start"] else f" (dòng {c['line_start']})"
    if c.get("page"):
        lines = f" ({c['page']}{', ' + lines.strip(' ()') if lines else ''})"
    return f"<b>{_esc(c.get('source'))}</b> — {_esc(c.get('section'))}{_esc(lines)}"


def draft_html(draft: Mapping[str, Any]) -> str:
    """The draft with clickable ``[n]`` (hover shows the passage, click jumps to it) and a source list."""
    sources = {c["n"]: c for c in draft.get("citations", [])}
    parts = [DRAFT_CSS, '<div class="st-draft">',
             '<div class="st-legend"><span class="st-unsupported">câu chưa đủ căn cứ</span>'
             '<span class="st-placeholder">[chỗ cần điền]</span><span>[n] — rê chuột để xem nguồn, bấm để tới nguồn</span>'
             + "".join(f'<span class="st-kind-{k}">{v}</span>' for k, v in KIND_LABELS.items() if k != "precedent")
             + '<span>còn lại: công thức, đúng với mọi đơn vị</span></div><p>']
    for i, sent in enumerate(draft.get("sentences", []), start=1):
        plain = CITE_MARK.sub("", sent["text"]).strip()
        body = _with_placeholders(_esc(plain))
        links = []
        for n in sent.get("citations", []):
            src = sources.get(n)
            if src is None:
                links.append(f'<span class="st-problem" title="Không có nguồn số {n}">[{n}?]</span>')
                continue
            pop = (f'<span class="st-pop">{_where(src)}<br>'
                   f'{highlight_quote(src.get("text", ""), src.get("quote"))}</span>')
            links.append(f'<a class="st-cite" href="#st-src-{n}" data-n="{n}">[{n}]{pop}</a>')
        origin = sent.get("origin", "precedent")
        supported = sent.get("supported", True) or origin == "question"
        cls = f"st-sent st-kind-{_esc(origin)}" + ("" if supported else " st-unsupported")
        tip = KIND_LABELS.get(origin, "") if supported else "Chưa đủ căn cứ trong nguồn trích dẫn — cần kiểm tra"
        parts.append(f'<span class="{cls}" data-i="{i}" data-kind="{_esc(sent.get("kind", ""))}" '
                     f'title="{_esc(tip)}">{body}{"".join(links)}</span> ')
    parts.append("</p></div>")
    if draft.get("placeholders"):
        parts.append('<p><b>Cần điền:</b> ' + ", ".join(
            f'<mark class="st-placeholder">{_esc(p)}</mark>' for p in draft["placeholders"]) + "</p>")
    if draft.get("leaks"):
        parts.append('<p class="st-leak">Có thể lộ thông tin của đơn vị khác: ' + _esc("; ".join(draft["leaks"])) + "</p>")
    problems = [d for d in draft.get("directives", []) if d.get("problems")]
    if problems:
        parts.append("<h4>Vấn đề trích dẫn văn bản</h4><ul>")
        for d in problems:
            msgs = "; ".join(
                _esc(p.get("message", "")) + (f" → <i>{_esc(p['suggestion'])}</i>" if p.get("suggestion") else "")
                for p in d["problems"]
            )
            parts.append(f'<li class="st-problem">{_esc(d.get("citation") or d.get("id"))}: {msgs}</li>')
        parts.append("</ul>")
    if draft.get("warnings"):
        parts.append("<details><summary>Cảnh báo</summary><ul>"
                     + "".join(f"<li>{_esc(w)}</li>" for w in draft["warnings"]) + "</ul></details>")
    parts.append('<h4>Nguồn trích dẫn</h4><ol class="st-sources">')
    for n in sorted(sources):
        c = sources[n]
        parts.append(
            f'<li id="st-src-{n}" value="{n}"><span class="st-where">{_where(c)}</span>'
            f'<blockquote>{highlight_quote(c.get("text", ""), c.get("quote"))}</blockquote></li>'
        )
    parts.append("</ol>")
    return "".join(parts)


def draft_markdown(draft: Mapping[str, Any]) -> str:
    """Chat-message form of a draft: numbered sentences, then unsupported/placeholder/problem notes
    (every text from a document or the drafter through ``md_literal``)."""
    lines = []
    for i, s in enumerate(draft.get("sentences", []), 1):
        mark = "" if s.get("supported", True) else " ⚠️"
        lines.append(f"{i}. {sentence_markdown(s)}{mark}")
    if not lines:
        lines.append(md_literal(draft.get("text", "").strip()) or "Không tìm được câu nào có căn cứ cho mục này.")
    unsupported = [i for i, s in enumerate(draft.get("sentences", []), 1) if not s.get("supported", True)]
    if unsupported:
        lines.append(f"\n⚠️ Câu chưa đủ căn cứ: {', '.join(map(str, unsupported))}")
    if draft.get("placeholders"):
        lines.append("\n✏️ Cần điền: " + ", ".join(md_literal(p) for p in draft["placeholders"]))
    problems = [d for d in draft.get("directives", []) if d.get("problems")]
    if problems:
        lines.append("\n❗ Trích dẫn văn bản cần xem lại: " + "; ".join(
            f"{md_literal(d.get('citation') or d.get('id'))} "
            f"({'; '.join(md_literal(p.get('message', '')) for p in d['problems'])})"
            for d in problems))
    if draft.get("leaks"):
        lines.append("\n⛔ Nghi lộ thông tin đơn vị khác: " + "; ".join(md_literal(x) for x in draft["leaks"]))
    lines.append("\n_Nguồn của từng [n] ở khung «Bản nháp» bên dưới; «bỏ câu 3» hoặc «thêm ý về …» để chỉnh._")
    return "\n".join(lines)


def lookup_html(result: Mapping[str, Any]) -> str:
    """Ranked directives: id, full citation (to copy), status with its evidence, and supporting passages."""
    directives = result.get("directives", [])
    if not directives:
        return "<p>Không tìm thấy văn bản phù hợp.</p>"
    answer = result.get("answer") or {}
    head = f'<p class="st-answer"><b>Trả lời:</b> {_esc(answer["text"])}</p>' if answer.get("text") else ""
    rows = []
    for rank, d in enumerate(directives, start=1):
        evidence = "".join(
            f"<li><i>{_esc(e.get('source'))} — {_esc(e.get('section'))}</i>: {_esc(e.get('text'))}</li>"
            for e in d.get("evidence", [])[:3]
        )
        conflicts = "".join(f'<div class="st-problem">Lưu ý: {_esc(note)}</div>' for note in d.get("notes", []))
        status_ev = d.get("status_evidence") or {}
        status = _esc(STATUS_VI.get(d.get("status"), d.get("status")))
        if status_ev:
            status += f" <small>({_esc(status_ev.get('source'))}: {_esc(status_ev.get('text'))})</small>"
        rows.append(
            f"<tr><td>{rank}</td><td><b>{_esc(d.get('id'))}</b><br><span class='st-fullcite'>{_esc(d.get('citation'))}</span>{conflicts}</td>"
            f"<td>{status}</td><td><ul>{evidence}</ul></td></tr>"
        )
    return (
        DRAFT_CSS + head + '<table class="st-table"><tr><th>#</th><th>Văn bản (trích dẫn đầy đủ)</th><th>Hiệu lực</th>'
        "<th>Căn cứ</th></tr>" + "".join(rows) + "</table>"
    )


STATUS_VI = {
    "in_force": "còn hiệu lực", "amended": "đã được sửa đổi", "replaced": "đã bị thay thế",
    "repealed": "hết hiệu lực", "expired": "hết hiệu lực", "unknown": "chưa rõ",
}


def lookup_citations(result: Mapping[str, Any]) -> str:
    """The full citations, one per line, for the copy box."""
    return "\n".join(str(d.get("citation") or d.get("id")) for d in result.get("directives", []))


def topic_html(payload: Mapping[str, Any]) -> str:
    """How one topic was worded across documents, oldest first."""
    entries = payload.get("entries", [])
    if not entries:
        return "<p>Không tìm thấy mục phù hợp.</p>"
    rows = "".join(
        f"<tr><td>{_esc(e.get('year'))}</td><td>{_esc(e.get('unit'))}</td>"
        f"<td>{_esc(e.get('source'))}<br><i>{_esc(e.get('section'))}</i></td><td>{_esc(e.get('text'))}</td></tr>"
        for e in entries
    )
    return (DRAFT_CSS + '<table class="st-table"><tr><th>Năm</th><th>Đơn vị</th><th>Văn bản · mục</th>'
            f"<th>Nội dung</th></tr>{rows}</table>")


def search_html(results: Sequence[Mapping[str, Any]]) -> str:
    """Search hits: where each passage is, and the passage (escaped)."""
    if not results:
        return "<p>Không tìm thấy đoạn văn phù hợp.</p>"
    items = "".join(
        f'<li><span class="st-where">{_where(r)}</span><blockquote>{_esc(r.get("text"))}</blockquote></li>'
        for r in results
    )
    return f'{DRAFT_CSS}<ol class="st-sources">{items}</ol>'


def check_html(result: Mapping[str, Any]) -> str:
    """Every reference of a checked draft with its problems and suggested fixes."""
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
        rows.append(f"<tr><td>{_esc(ref.get('line'))}</td><td>{_esc(ref.get('text'))}</td>"
                    f"<td>{_esc(ref.get('id'))}</td><td>{cell}</td></tr>")
    return (DRAFT_CSS + '<table class="st-table"><tr><th>Dòng</th><th>Trích dẫn</th><th>Mã</th><th>Vấn đề</th></tr>'
            + "".join(rows) + "</table>")
