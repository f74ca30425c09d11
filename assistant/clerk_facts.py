"""The clerk's facts, typed: what was counted, how many, where, and in what state.

The clerk writes facts the way a clerk writes them, either as running text

    tiếp công dân định kỳ 24 buổi, tiếp 31 lượt công dân; tiếp nhận 9 đơn (7 kiến nghị,
    phản ánh về đất đai và 2 đơn khiếu nại), đã giải quyết 8 đơn, còn 1 đơn đang xác minh;
    không có đơn tố cáo. Tổ chức 2 hội nghị đối thoại với Nhân dân tại thôn Đông và thôn Đoài.

or as a small table, one fact a line (``Số lượt tiếp công dân: 31``, ``Đơn tố cáo | 0``,
tab-separated cells). Each figure becomes a ``TypedFact``: the count, the measure it counts
(``lượt``, ``đơn``, ``buổi``, ``hội nghị`` …), what is counted (``công dân``, ``khiếu nại``),
the act (``tiếp``, ``tiếp nhận``, ``giải quyết``, ``tổ chức``), the places named, and a status
(``pending`` for "còn 1 đơn đang xác minh", ``none`` for "không có đơn tố cáo"). A clause with
no figure ("Không phát sinh khiếu kiện đông người") is kept as a statement fact, so every
fact the clerk gave can be checked for in the draft.

The statements keep the clerk's own grouping (``FactStatement``): the draft writes one
sentence per statement (``assistant.fact_sentences``), the verifier looks for contradictions
(``assistant.fact_check``).

Example:
    >>> facts = parse_facts("tiếp 31 lượt công dân; còn 1 đơn đang xác minh; không có đơn tố cáo")
    >>> [(f.count, f.measure, f.what, f.status) for f in facts.facts]
    [('31', 'lượt', 'công dân', None), ('1', 'đơn', '', 'pending'), ('0', 'đơn', 'tố cáo', 'none')]
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from assistant.adapt import LOWER, NAME, SUB_UNITS

__all__ = ["TypedFact", "FactStatement", "ClerkFacts", "parse_facts", "MEASURES", "measure_of", "action_class"]

Status = Literal["pending", "none", "done"]

# Counted nouns, longest first; the canonical measure is the first word.
MEASURES: tuple[tuple[str, str], ...] = (
    ("hội nghị", "hội nghị"), ("cuộc", "cuộc"), ("buổi", "buổi"), ("lượt", "lượt"), ("đơn thư", "đơn"),
    ("đơn", "đơn"), ("vụ việc", "vụ"), ("vụ", "vụ"), ("hồ sơ", "hồ sơ"), ("thủ tục", "thủ tục"),
    ("nhân khẩu", "nhân khẩu"), ("khẩu", "nhân khẩu"), ("hộ", "hộ"), ("người", "người"), ("đồng chí", "người"),
    ("cán bộ", "cán bộ"), ("công chức", "cán bộ"), ("đảng viên", "đảng viên"), ("chi bộ", "chi bộ"),
    ("thôn", "thôn"), ("tổ dân phố", "tổ dân phố"), ("khu phố", "khu phố"), ("mô hình", "mô hình"),
    ("văn bản", "văn bản"), ("kế hoạch", "văn bản"), ("lớp", "lớp"), ("đợt", "đợt"), ("lần", "lần"),
    ("tin", "tin bài"), ("bài", "tin bài"),
    ("ha", "ha"), ("km", "km"), ("%", "%"), ("tỷ đồng", "tiền"), ("triệu đồng", "tiền"), ("nghìn đồng", "tiền"),
    ("đồng", "tiền"), ("công trình", "công trình"), ("dự án", "dự án"),
)
_RECEIVE = ("tiếp nhận", "nhận", "thụ lý", "tiếp")
_RESOLVE = ("giải quyết", "xử lý", "hòa giải", "hoà giải", "trả lời", "giải quyết xong")
_HOLD = ("tổ chức", "mở", "thực hiện", "triển khai")
_ACTIONS = ("tiếp nhận", "thụ lý", "giải quyết", "xử lý", "hòa giải thành", "hoà giải thành", "hòa giải",
            "hoà giải", "trả lời", "tổ chức", "tiếp", "nhận", "chuyển", "xác minh", "kiểm tra", "giám sát",
            "khảo sát", "tuyên truyền", "vận động", "ban hành", "đăng ký", "công nhận", "khen thưởng", "hỗ trợ",
            "tập huấn", "đối thoại", "tiếp xúc")
_PENDING = re.compile(r"(?<!\w)(?:còn|đang|chưa|tồn\s+đọng|tồn)(?!\w)", re.I)
_NONE = re.compile(r"(?<!\w)(?:không\s+có|không\s+phát\s+sinh|không\s+xảy\s+ra|chưa\s+có)(?!\w)", re.I)
_NUMBER = re.compile(r"(?<![\w/.,])(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?![\w/]|[.,]\d)")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_SUB_ALT = "|".join(re.escape(k) for k in sorted(SUB_UNITS, key=len, reverse=True))
_PLACE = re.compile(rf"(?<!\w)(?:{_SUB_ALT})\s+(?:số\s+)?(?:{NAME}|\d+[A-Za-z]?)(?!\w)")
_KV_LINE = re.compile(r"^\s*[-*•]?\s*(?P<key>[^:|\t]{3,}?)\s*(?::|\||\t)\s*(?P<value>[^|\t]+?)\s*\|?\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
_OCCASIONS = ("buổi", "cuộc", "hội nghị", "lớp", "đợt", "lần")


@dataclass(frozen=True)
class TypedFact:
    """One figure (or one statement) the clerk gave.

    Args:
        count: the figure as written ("31", "1.250"); "0" for "không có …"; None for a statement.
        measure: what the figure counts, canonical ("lượt", "đơn", "buổi", "hội nghị"); "" for a statement.
        what: the thing counted or described ("công dân", "khiếu nại", "đối thoại với Nhân dân").
        action: the act as the clerk wrote it ("tiếp", "tiếp nhận", "giải quyết", "tổ chức"), if any.
        status: "pending" (còn, đang xác minh), "none" (không có), "done", or None.
        places: villages / residential groups named ("thôn Đông", "thôn Đoài").
        part_of: index (in ``ClerkFacts.facts``) of the total this figure breaks down, if any.
        statement: index of the ``FactStatement`` it came from.
        text: the words of the clause it came from.
    """

    count: str | None
    measure: str
    what: str
    action: str | None
    status: Status | None
    places: tuple[str, ...]
    part_of: int | None
    statement: int
    text: str

    @property
    def value(self) -> float | None:
        if self.count is None:
            return None
        return float(self.count.replace(".", "").replace(",", "."))

    @property
    def action_class(self) -> str | None:
        return action_class(self.action)


@dataclass(frozen=True)
class FactStatement:
    """One statement of the clerk (a clause group as written: split on ";", "." and new lines)."""

    text: str
    facts: tuple[int, ...]          # indexes into ClerkFacts.facts


@dataclass(frozen=True)
class ClerkFacts:
    """Everything the clerk gave: the typed facts and the statements they came in."""

    text: str
    facts: tuple[TypedFact, ...] = ()
    statements: tuple[FactStatement, ...] = ()

    @property
    def as_read(self) -> str:
        """The clerk's text, and when a table or key–value lines were rewritten, the statements as read."""
        read = "; ".join(s.text for s in self.statements)
        if not read or re.sub(r"\W+", " ", read).strip() in re.sub(r"\W+", " ", self.text):
            return self.text.strip()
        return f"{self.text.strip()}\n(đọc là: {read})"

    @property
    def counts(self) -> tuple[str, ...]:
        """The figures as written (what a draft may state)."""
        return tuple(dict.fromkeys(f.count for f in self.facts if f.count and f.count != "0"))

    def __bool__(self) -> bool:
        return bool(self.facts)


def action_class(action: str | None) -> str | None:
    """"receive", "resolve", "hold" or None: separates "nhận 5 đơn" from "giải quyết 5 đơn"."""
    if not action:
        return None
    a = action.lower()
    if any(a.startswith(v) for v in _RESOLVE):
        return "resolve"
    if any(a.startswith(v) for v in _RECEIVE):
        return "receive"
    if any(a.startswith(v) for v in _HOLD):
        return "hold"
    return None


def measure_of(words: str) -> tuple[str, str] | None:
    """(canonical measure, the words that name it) when ``words`` start with a counted noun."""
    w = words.lower().lstrip()
    for written, canonical in MEASURES:
        if w.startswith(written) and (len(w) == len(written) or not w[len(written)].isalnum()
                                      or written == "%"):
            return canonical, words.lstrip()[: len(written)]
    return None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,;:.-–")


def _what_after(rest: str) -> str:
    """The counted thing after the measure: up to a comma, semicolon, bracket, "và" + figure, or end."""
    m = re.match(r"\s*(.*?)(?=\s*(?:[,;()]|\s+và\s+\d|\s+(?:tại|ở)\s|$))", rest)
    return _tidy(m.group(1)) if m else ""


def _action_before(before: str) -> str | None:
    words = before.lower().split()
    for n in (3, 2, 1):
        tail = " ".join(words[-n:]) if len(words) >= n else ""
        tail = re.sub(r"^(?:đã|được)\s+", "", tail)
        if tail in _ACTIONS:
            return tail
    return None


def _phrase_before(before: str) -> str:
    """The phrase right before a figure, back to the previous separator ("tiếp công dân định kỳ")."""
    piece = re.split(r"[,;()]|\s+và\s+", before)[-1]
    return _tidy(re.sub(r"^(?:đã|được|có)\s+", "", piece.strip()))


def _places(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for m in _PLACE.finditer(text):
        found.append(_tidy(m.group()))
    # "tại thôn Đông và Đoài": a bare name joined to a place word shares it
    for m in re.finditer(rf"(?<!\w)({_SUB_ALT})\s+({NAME})\s+(?:và|,)\s+({NAME})(?!\w)", text):
        extra = f"{m.group(1)} {m.group(3)}"
        if not any(p.endswith(m.group(3)) for p in found):
            found.append(extra)
    return tuple(dict.fromkeys(found))


def _clauses(text: str) -> list[str]:
    """Statements: split on new lines, semicolons and sentence stops (not inside brackets)."""
    out: list[str] = []
    depth = 0
    current = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        boundary = ch in ";\n" or (ch == "." and (i + 1 == len(text) or text[i + 1].isspace())
                                   and not re.search(r"\d$", "".join(current)[-1:] or ""))
        if boundary and depth == 0:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    out.append("".join(current))
    return [_tidy(c) for c in out if _tidy(c)]


def _lower_first(text: str) -> str:
    """Sentence-initial capital of a table cell dropped ("Đơn tố cáo" → "đơn tố cáo"), names kept."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _kv_clause(line: str) -> str | None:
    """"Số lượt tiếp công dân: 31" → "tiếp 31 lượt công dân"; "Đơn tố cáo | 0" → "không có đơn tố cáo"."""
    if _TABLE_RULE.match(line):
        return ""
    cells = [c.strip() for c in re.split(r"\s*\|\s*|\t", line.strip().strip("|")) if c.strip()]
    if len(cells) < 2:
        m = _KV_LINE.match(line)
        if not m:
            return None
        cells = [m.group("key"), m.group("value")]
    key, value = re.sub(r"^\s*[-*•]\s*", "", cells[0]), " ".join(cells[1:])
    num = _NUMBER.search(value)
    body = _lower_first(re.sub(r"^(?:tổng\s+)?số\s+(?:lượng\s+)?", "", key, flags=re.I).strip())
    if num is None:
        if re.fullmatch(r"\s*(?:không|không có|0)\s*", value, re.I):
            return f"không có {body}"
        return f"{key}: {value}" if value.strip() else None
    count = num.group(1)
    unit_after = measure_of(value[num.end():])
    head = measure_of(body)
    if head is not None:                       # "Số lượt tiếp công dân" → the measure is in the key
        measure_words, rest = head[1].lower(), body[len(head[1]):].strip()
    elif unit_after is not None:               # "Tiếp công dân | 31 lượt"
        measure_words, rest = unit_after[1].lower(), body
    else:
        return f"{body} {count}" if count != "0" else f"không có {body}"
    if count == "0":
        return f"không có {measure_words} {rest}".strip()
    past = re.match(r"(?:đã|được)\s+", rest, re.I)
    if past:                                   # "Số đơn đã giải quyết: 6" → "đã giải quyết 6 đơn"
        rest = rest[past.end():]
    words = rest.split()
    verb = next((v for v in (" ".join(words[:2]).lower(), (words[0].lower() if words else ""))
                 if v in _ACTIONS), None)
    if verb and measure_of(measure_words)[0] not in _OCCASIONS:
        lead = "đã " if past else ""
        return f"{lead}{rest[:len(verb)]} {count} {measure_words} {rest[len(verb):].strip()}".strip()
    if past:
        rest = f"{past.group().strip()} {rest}"
    return f"{count} {measure_words} {rest}".strip()


def _table_to_text(text: str) -> str:
    """Key–value lines and table rows rewritten as clauses; running text left as it is."""
    lines = text.split("\n")
    kv = [ln for ln in lines if ln.strip() and (_KV_LINE.match(ln) or "|" in ln or "\t" in ln)]
    if not kv or len(kv) < max(1, len([ln for ln in lines if ln.strip()]) // 2):
        return text
    out: list[str] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if "|" in line and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            continue                           # the header row of a table
        clause = _kv_clause(line) if (_KV_LINE.match(line) or "|" in line or "\t" in line) else line
        if clause is None:
            clause = line
        if clause:
            out.append(clause.strip())
    return ";\n".join(out)


def parse_facts(text: str | None) -> ClerkFacts:
    """Typed facts from the clerk's free text or key–value / table form (see the module docstring)."""
    if not text or not text.strip():
        return ClerkFacts(text or "")
    text = _nfc(text)
    body = _table_to_text(text)
    facts: list[TypedFact] = []
    statements: list[FactStatement] = []
    for clause in _clauses(body):
        start = len(facts)
        last_measure: str | None = None
        total_index: int | None = None
        inside_from = clause.find("(")
        inside_to = clause.find(")", inside_from) if inside_from >= 0 else -1
        clause_places = _places(clause)
        for m in _NUMBER.finditer(clause):
            number = m.group(1)
            before, after = clause[: m.start()], clause[m.end():]
            if _YEAR.match(number) and re.search(r"(?:năm|nhiệm\s+kỳ|giai\s+đoạn)\s*$", before, re.I):
                continue                          # "năm 2025" is the period, not a figure
            if re.match(r"\s*/\s*\d", after) or re.search(r"\d\s*/\s*$", before):
                continue                          # a date or a fraction written as d/m
            measured = measure_of(after)
            inside = inside_from >= 0 and inside_from < m.start() and (inside_to < 0 or m.start() < inside_to)
            if measured is not None:
                measure, words = measured
                what = _what_after(after.lstrip()[len(words):])
            elif last_measure is not None:      # "9 đơn (7 kiến nghị, phản ánh về đất đai …)": the total's measure
                measure = last_measure
                what = _tidy(re.split(r"\)|;|\s+và\s+\d", after)[0]) if inside else _what_after(after)
            else:
                continue
            action = _action_before(before)
            state_words = bool(what) and what.split()[0].lower() in ("đang", "chưa", "còn", "được")
            if state_words:
                what = ""                         # "1 đơn đang xác minh": a state, not what is counted
            if not what:
                phrase = _phrase_before(before)
                if phrase and action is None and not re.fullmatch(r"(?:còn|trong đó|gồm|với)", phrase, re.I):
                    what = phrase                 # "tiếp công dân định kỳ 24 buổi"
            local = clause[max(0, m.start() - 12): m.end() + 40]
            status: Status | None = None
            if re.search(r"(?<!\w)còn\s*$", before.lower()) or _PENDING.search(after[:40].split(",")[0]):
                status = "pending"
            elif action_class(action) == "resolve":
                status = "done"
            part_of = total_index if inside else None
            places = tuple(p for p in clause_places if p in local or measure in ("hội nghị", "cuộc", "buổi"))
            facts.append(TypedFact(number, measure, what, action, status, places, part_of,
                                   len(statements), clause))
            if not inside:
                total_index = len(facts) - 1
            last_measure = measure
        for m in re.finditer(rf"{_NONE.pattern}\s+((?:[{LOWER}]+\s*){{1,6}})", clause, re.I):
            noun = _tidy(m.group(1))
            measured = measure_of(noun)
            if measured is not None:
                measure, words = measured
                what = _tidy(noun[len(words):])
            else:
                measure, what = "", noun
            facts.append(TypedFact("0", measure, what, None, "none", (), None, len(statements), clause))
        if len(facts) == start:
            facts.append(TypedFact(None, "", clause, None, None, clause_places, None, len(statements), clause))
        statements.append(FactStatement(clause, tuple(range(start, len(facts)))))
    return ClerkFacts(text, tuple(facts), tuple(statements))
