"""The one-line answer a lookup gives before its evidence, and the readable notes on a record's conflicts.

A clerk who asks "Luật … có hiệu lực từ ngày nào?" wants the date, not a list to read through; the
line states exactly the registry's fact for the question's ``asks`` (``assistant.question``) and where
the corpus says it, and says plainly when the corpus does not know. Every sentence here is a template
over ``DirectiveRecord`` fields: nothing is guessed.

Example:
    >>> answer_line("effective", registry.get("10/2022/QH15"), registry).text  # doctest: +SKIP
    'Luật số 10/2022/QH15 có hiệu lực thi hành từ ngày 01/07/2023 (phapdien/thuc-hien-dan-chu-o-co-so.md, dòng 33).'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.question import Asks
from index.registry import DirectiveRecord, Registry


def vn_date(iso: str | None) -> str:
    """"2023-07-01" → "01/07/2023" (the form Vietnamese documents write)."""
    if not iso:
        return "?"
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def short_name(rec: DirectiveRecord) -> str:
    """"Luật số 10/2022/QH15": how a sentence names a document."""
    return f"{rec.kind} số {rec.symbol_text or rec.id.split('@')[0]}"


@dataclass(frozen=True)
class Answer:
    """The answer line: what was asked, the sentence, the directive it is about and where the corpus says it."""

    asks: Asks
    text: str
    directive: str | None
    source: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"asks": self.asks, "text": self.text, "directive": self.directive,
                "source": self.source, "line": self.line}


def _where(source: str | None, line: int | None) -> str:
    return f" ({source}, dòng {line})" if source and line else ""


def _provenance(rec: DirectiveRecord) -> tuple[str | None, int | None]:
    m = next((m for m in rec.mentions if m.article and m.effective), None)
    return (m.source, m.line) if m else (None, None)


def _dated_mention(rec: DirectiveRecord) -> tuple[str | None, int | None]:
    m = next((m for m in rec.mentions if m.date == rec.date and m.article), None) or \
        next((m for m in rec.mentions if m.date == rec.date), None)
    return (m.source, m.line) if m else (None, None)


def _ended(rec: DirectiveRecord, registry: Registry) -> tuple[str, str | None, int | None, DirectiveRecord | None]:
    """For a repealed/replaced record: the sentence of how it ended, where, and the text that ended it."""
    ev = rec.status_evidence or {}
    by = registry.get(ev["by"]) if ev.get("by") else None
    verb = "đã hết hiệu lực" if rec.status == "repealed" else "đã bị thay thế"
    when = f" từ ngày {vn_date(ev.get('effective'))}" if ev.get("effective") else ""
    per = f" (theo {ev['article'] + ' ' if ev.get('article') else ''}{short_name(by)})" if by else ""
    return f"{short_name(rec)} {verb}{when}{per}", ev.get("source"), ev.get("line"), by


def answer_line(asks: Asks, rec: DirectiveRecord, registry: Registry) -> Answer:
    """The sentence that answers ``asks`` about ``rec`` from the registry's evidence alone."""
    name = short_name(rec)
    if asks == "effective":
        if rec.effective:
            source, line = _provenance(rec)
            text = f"{name} có hiệu lực thi hành từ ngày {vn_date(rec.effective)}{_where(source, line)}."
            return Answer(asks, text, rec.id, source, line)
        issued = f" Ngày ban hành: {vn_date(rec.date)}." if rec.date else ""
        return Answer(asks, f"Kho văn bản không ghi ngày có hiệu lực của {name}.{issued}", rec.id)
    if asks == "issued":
        if rec.date:
            source, line = _dated_mention(rec)
            conflict = next((c for c in rec.conflicts if c["field"] == "date"), None)
            others = [vn_date(v["value"]) for v in (conflict or {}).get("values", []) if v["value"] != rec.date]
            caveat = f"; lưu ý: kho văn bản cũng ghi ngày {', '.join(others)}, cần đối chiếu bản gốc" if others else ""
            return Answer(asks, f"{name} được ban hành ngày {vn_date(rec.date)}{_where(source, line)}{caveat}.",
                          rec.id, source, line)
        return Answer(asks, f"Kho văn bản không ghi ngày ban hành của {name}.", rec.id)
    if asks == "issuer":
        issuer = rec.expected_issuer
        if issuer:
            return Answer(asks, f"{name} do {issuer} ban hành.", rec.id)
        return Answer(asks, f"Kho văn bản không ghi cơ quan ban hành {name}.", rec.id)
    if asks in ("status", "successor"):
        if rec.status in ("repealed", "replaced"):
            sentence, source, line, by = _ended(rec, registry)
            if asks == "successor":
                successor = f"; văn bản thay thế: {by.citation}" if by else "; kho văn bản không ghi văn bản thay thế"
                return Answer(asks, f"{sentence}{successor}{_where(source, line)}.", rec.id, source, line)
            return Answer(asks, f"{sentence}{_where(source, line)}.", rec.id, source, line)
        if rec.status == "in_force":
            ev = rec.status_evidence or {}
            tail = ", chưa có văn bản nào trong kho thay thế" if asks == "successor" else ""
            text = (f"{name} còn hiệu lực (có trong Pháp điển, không có điều khoản nào trong kho bãi bỏ){tail}"
                    f"{_where(ev.get('source'), ev.get('line'))}.")
            return Answer(asks, text, rec.id, ev.get("source"), ev.get("line"))
        return Answer(asks, f"Kho văn bản không có căn cứ về hiệu lực của {name}: văn bản không có trong Pháp điển "
                            "và không có điều khoản nào nói về việc bãi bỏ hay thay thế nó.", rec.id)
    if asks == "content":
        if rec.title:
            return Answer(asks, f"{rec.citation}.", rec.id)
        return Answer(asks, f"Kho văn bản không ghi trích yếu của {name}.", rec.id)
    return Answer(asks, f"{rec.citation}.", rec.id)


def record_notes(rec: DirectiveRecord) -> list[str]:
    """What a clerk should know about a record's evidence, in words: variant ids, conflicting dates,
    issuers or titles (the JSON keeps the raw ``conflicts`` and ``aliases``)."""
    notes = []
    if rec.aliases:
        notes.append(f"Cùng một văn bản, có nơi ghi số hiệu là {', '.join(rec.aliases)}.")
    for c in rec.conflicts:
        field = c.get("field")
        if field == "date":
            parts = []
            for v in c["values"]:
                where = ", ".join(f"{m['source']} dòng {m['line']}" for m in v["mentions"][:3])
                more = f" và {len(v['mentions']) - 3} nơi khác" if len(v["mentions"]) > 3 else ""
                parts.append(f"{vn_date(v['value'])} ({where}{more})")
            notes.append(f"Kho văn bản ghi nhiều ngày ban hành khác nhau: {'; '.join(parts)}. "
                         f"Ngày dùng trong trích dẫn: {vn_date(rec.date)}.")
        elif field == "issuer":
            notes.append(f"Kho văn bản ghi nhiều cơ quan ban hành: {', '.join(c['values'])}.")
        elif field == "title":
            values = "; ".join(f"“{v['value']}” ({v['source']} dòng {v['line']})" for v in c["values"])
            notes.append(f"Tên văn bản được ghi khác nhau: {values}.")
        elif field == "id":
            notes.append(f"Số hiệu gần giống {c['other_id']} ({c['other_mentions']} lần trong kho, số hiệu này "
                         f"{c['mentions']} lần): có thể một trong hai bị ghi nhầm.")
    return notes
