"""What kind of sentence is this: a formula true of any unit, or a fact of one particular unit?

A precedent sentence is of one of two kinds (headings are recognised from the layout, in
``assistant.precedent_sentences``, never from the words):

* **formula** — policy, directive, duty or method language that is true of any commune:
  "Triển khai thực hiện có hiệu quả Chỉ thị 35-CT/TW …", "Tiếp tục tăng cường …". It may be
  copied from any precedent.
* **unit fact** — an event, count, outcome, place or trait of the unit that wrote it:
  "Các đơn thư đã được xem xét giải quyết, không có đơn thư tồn đọng", "… đã tổ chức hội
  nghị tiếp xúc, đối thoại …", "Xã có 3 thôn …". Copied into another unit's draft it becomes
  a false statement, so it may only come from the clerk or from the unit's own documents.

The decision needs no language model. Signals of a unit fact, each found by a rule:

* ``figure`` — a count, percentage, area, sum or local date (directive numbers and their
  dates, years, terms and durations are not figures);
* ``name`` — a place, person or other unit: "thôn 5", "tuyến đường Lý Thường Kiệt", "tỉnh Hải
  Dương", a surname followed by given names, a name of another unit known in the corpus;
* ``local_document`` — a document of a province or district ("Chỉ thị số 28-CT/TU … của Tỉnh
  ủy"), which another province does not have;
* ``event`` — something that happened in the period ("đã tổ chức", "tiếp nhận … đơn", "bầu
  được", "đã ban hành Kế hoạch về …");
* ``outcome`` — a checkable result ("không có … tồn đọng", "đều được giải quyết", "đạt chuẩn",
  "an ninh trật tự được giữ vững");
* ``trait`` — what the place is like (geography, population, main crops, "chủ yếu liên quan đến …").

A signal against it: the sentence **recurs**, near-duplicate, in documents of other units. A
recurring sentence whose only signals are the weaker ones (an event or trait word, no figure,
name, local document or outcome) is standard wording, hence a formula.

Because a unit fact taken for a formula becomes a false claim in someone else's report, the
rules lean towards "unit fact": recall on unit facts matters more than precision (measured on
the hand-labelled ``eval/data/sentence_kinds.jsonl``).

Example:
    >>> classify_sentence("Các đơn thư đã được xem xét giải quyết, không có đơn thư tồn đọng.").kind
    'unit_fact'
    >>> classify_sentence("Tiếp tục quán triệt Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ.").kind
    'formula'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Literal

from assistant.adapt import LEVELS, NAME, NATIONAL_NAMES, STREETS, SUB_UNITS, SURNAMES, CAP_WORD, directive_spans

__all__ = ["Kind", "Signal", "KindDecision", "classify_sentence", "STRONG_SIGNALS", "KINDS"]

Kind = Literal["formula", "unit_fact", "heading"]
KINDS: tuple[str, ...] = ("formula", "unit_fact", "heading")
STRONG_SIGNALS = frozenset({"figure", "name", "local_document", "outcome"})


@dataclass(frozen=True)
class Signal:
    """One reason the sentence looks like a unit fact: its name and the words that triggered it."""

    name: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class KindDecision:
    """The kind of one sentence and why."""

    kind: Kind
    signals: tuple[Signal, ...] = ()
    recurs: int = 0

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.name for s in self.signals))


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.I)


_S = r"\s+"
# Something done in the period, not a standing duty: "đã" + an act, or an act with a result.
_EVENT = _rx(
    r"đã\s+(?:tổ\s+chức|tiếp(?!\s+tục)|tiếp\s+nhận|thụ\s+lý|bầu|vận\s+động|trao|trao\s+tặng|khen\s+thưởng|"
    r"phát\s+động|ký\s+kết|thành\s+lập|luân\s+chuyển|điều\s+động|kiểm\s+tra|thanh\s+tra|xử\s+lý|hòa\s+giải|"
    r"hoà\s+giải|trả\s+lời|đối\s+thoại|tiếp\s+xúc|khánh\s+thành|khởi\s+công|hỗ\s+trợ|tặng|xây\s+dựng\s+được|"
    r"kiện\s+toàn|sáp\s+nhập|tham\s+gia\s+ý\s+kiến\s+vào|"
    r"giao\s+cho|cử|mở|được\s+công\s+nhận|được\s+tặng|được\s+khen)",
    r"đến\s+nay\s+(?:đã|có)", r"tổ\s+chức\s+thành\s+công", r"bầu\s+được", r"vận\s+động\s+được", r"tiếp\s+nhận\s+(?:và\s+\w+\s+)?\d",
    r"đã\s+ban\s+hành\s+(?:Kế\s+hoạch|Quyết\s+định|Chỉ\s+thị|Nghị\s+quyết|Thông\s+báo|Quy\s+chế)\s+(?:số|về)",
    r"đã\s+ban\s+hành\s+(?:kế\s+hoạch|quyết\s+định)\s+(?:tự\s+)?(?:kiểm\s+tra|tổ\s+chức|thành\s+lập)",
    r"qua\s+kiểm\s+tra", r"(?:hội\s+thi|cuộc\s+thi|hội\s+nghị|cuộc\s+bầu\s+cử)[^.;]{0,60}?(?:đạt|kết\s+quả\s*:)",
    r"được\s+tổ\s+chức\s+(?:vào|tại|thành\s+công)",
)
_OUTCOME = _rx(
    r"không\s+(?:có|xảy\s+ra|phát\s+sinh)\s+[^.;]{0,60}?(?:tồn\s+đọng|vi\s+phạm|điểm\s+nóng|vượt\s+cấp|"
    r"khiếu\s+kiện|kéo\s+dài|sai\s+phạm|bị\s+xử\s+lý|suy\s+thoái|tai\s+nạn|tội\s+phạm|phức\s+tạp)",
    r"(?:đều|100\s*%)\s+(?:[^.;]{0,30}?\s+)?(?:đã\s+)?được\s+(?:xem\s+xét\s+)?giải\s+quyết",
    r"được\s+xem\s+xét\s+giải\s+quyết", r"giải\s+quyết\s+(?:xong|dứt\s+điểm|thành)", r"hòa\s+giải\s+thành",
    r"hoà\s+giải\s+thành", r"(?:đã|được)\s+(?:UBND\s+\w+\s+)?công\s+nhận", r"xếp\s+loại\s+\w+",
    r"đạt\s+(?:chuẩn|giải|danh\s+hiệu|tỷ\s+lệ|loại|xuất\s+sắc|\d)", r"hoàn\s+thành\s+(?:vượt\s+)?(?:các\s+)?(?:chỉ\s+tiêu|kế\s+hoạch)",
    r"an\s+ninh(?:\s+chính\s+trị)?\s*,?\s*(?:và\s+)?trật\s+tự[^.;]{0,50}?(?:giữ\s+vững|ổn\s+định|bảo\s+đảm|đảm\s+bảo)",
    r"(?:Quốc\s+phòng\s*-\s*)?An\s+ninh\s+(?:được\s+)?giữ\s+vững",
    r"đời\s+sống[^.;]{0,40}?(?:ổn\s+định|cải\s+thiện|nâng\s+(?:cao|lên))",
    r"tồn\s+đọng\s+kéo\s+dài", r"còn\s+tồn\s+(?:tại|đọng)", r"về\s+đích", r"kết\s+quả\s*:",
)
# "không để tồn đọng": an aim when the sentence sets a task, a result when it reports one.
_AIM = _rx(
    r"không\s+để\s+(?:xảy\s+ra\s+|phát\s+sinh\s+)?[^.;]{0,60}?(?:tồn\s+đọng|vi\s+phạm|điểm\s+nóng|vượt\s+cấp|"
    r"khiếu\s+kiện|kéo\s+dài|sai\s+phạm|phức\s+tạp)",
)
_TASK_OPENING = re.compile(
    r"^\s*(?:Tiếp\s+tục|Tăng\s+cường|Đẩy\s+mạnh|Tập\s+trung|Nâng\s+cao|Thực\s+hiện|Triển\s+khai|Chỉ\s+đạo|"
    r"Phát\s+huy|Chủ\s+động|Quan\s+tâm|Kịp\s+thời|Phối\s+hợp|Xây\s+dựng|Duy\s+trì|Phấn\s+đấu|Làm\s+tốt|Tổ\s+chức\s+tốt)\b")
_TRAIT = _rx(
    r"là\s+(?:một\s+)?(?:xã|phường|thị\s+trấn)\s+(?:miền|vùng|có|nằm|thuần|ven|đồng|trung|nghèo|đặc|loại|thuộc)",
    r"(?:xã|phường|thị\s+trấn)\s+(?:loại\s+(?:I|II|III|1|2|3)|miền\s+núi|vùng\s+cao|đặc\s+biệt\s+khó\s+khăn)",
    r"nằm\s+(?:về\s+)?(?:phía|ở|tại|trên|cách)", r"diện\s+tích\s+(?:đất\s+)?(?:tự\s+nhiên|canh\s+tác|là)",
    r"dân\s+số", r"nhân\s+khẩu", r"tiếp\s+giáp", r"giáp\s+(?:với|ranh)", r"địa\s+hình",
    r"miền\s+núi", r"vùng\s+cao", r"ven\s+biển", r"chủ\s+yếu\s+(?:là|liên\s+quan|về|tập\s+trung|sản\s+xuất)",
    r"nghề\s+chính", r"cây\s+trồng\s+chính", r"ngành\s+nghề\s+(?:chính|truyền\s+thống)", r"thu\s+nhập\s+của",
    r"giá\s+trị\s+sản\s+xuất", r"bình\s+quân\s+đầu\s+người", r"sản\s+xuất\s+nhỏ\s+lẻ", r"mục\s+tiêu\s+kép",
    r"chuyển\s+đổi\s+cơ\s+cấu\s+cây\s+trồng", r"đất\s+bị\s+thu\s+hồi", r"cụm\s+công\s+nghiệp", r"khu\s+công\s+nghiệp",
    r"(?:còn\s+)?gặp\s+(?:rất\s+)?nhiều\s+khó\s+khăn", r"hộ\s+nghèo", r"thu\s+nhập\s+bình\s+quân",
    r"Covid(?:-19)?", r"dịch\s+bệnh\s+\w+", r"nông\s+thôn\s+mới\s+(?:nâng\s+cao|kiểu\s+mẫu)",
    r"phân\s+loại\s+(?:lại\s+)?đơn\s+vị\s+hành\s+chính", r"(?:kinh\s+tế|tình\s+hình)[^.;]{0,30}?(?:phục\s+hồi|tăng\s+trưởng)",
    r"trong\s+bối\s+cảnh", r"(?:nhất\s+là|như|gồm)\s+cây\s+\w+",
)
# In a report (not a plan) an act named with its occasion is something that took place.
_REPORTED_EVENT = _rx(
    r"ban\s+hành\s+(?:Kế\s+hoạch|Quyết\s+định|Chỉ\s+thị|Nghị\s+quyết|Thông\s+báo|Quy\s+chế)\s+(?:số|về)",
    r"tổ\s+chức(?:\s*,\s*thực\s+hiện)?\s+(?:thành\s+công\s+)?(?:các\s+|\d+\s+)?(?:họp\s+dân|họp\s+cử\s+tri|hội\s+nghị|hội\s+thi|cuộc\s+(?:họp|thi|bầu\s+cử|đối\s+thoại|"
    r"tiếp\s+xúc)|buổi|lớp|đợt|diễn\s+đàn|đối\s+thoại|tiếp\s+xúc|lễ|hội\s+diễn|giải)",
    r"[Mm]ô\s+hình(?=\s*[“\"])", r"[Mm]ô\s+hình(?=\s+(?-i:[A-ZĐ]))",
)
_LOCAL_ISSUER = re.compile(
    r"(?:Tỉnh|Huyện|Thị|Thành)\s*(?:ủy|uỷ)|UBND\s+(?:tỉnh|huyện|thị\s+xã|thành\s+phố|quận)|"
    r"Ủy\s+ban\s+nhân\s+dân\s+(?:tỉnh|huyện|thị\s+xã|thành\s+phố|quận)|HĐND\s+(?:tỉnh|huyện)", re.I)
_LOCAL_DOC_WORDS = re.compile(
    r"(?<!\w)(?:Đề\s+án|Chỉ\s+thị|Quyết\s+định|Kế\s+hoạch|Nghị\s+quyết|Quy\s+chế|Kết\s+luận|Hướng\s+dẫn|Công\s+văn)"
    r"\s+(?:số\s+)?\d[\w\-/]*[^.;]{0,80}?của\s+(?:Ban\s+Thường\s+vụ\s+|Ban\s+Chấp\s+hành\s+)?"
    r"(?:(?:Tỉnh|Huyện|Thị|Thành)\s*(?:ủy|uỷ)|UBND\s+(?:tỉnh|huyện|thị\s+xã)|Chủ\s+tịch\s+UBND\s+(?:tỉnh|huyện))")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_NUMBER = re.compile(r"(?<![\w/.,-])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\w/])|(?<![\w/.,-])\d+(?:,\d+)?(?:\s*%)?(?![\w/]|[.,]\d)")
_DATE = re.compile(r"(?<!\w)\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{2,4})?(?!\w)|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}", re.I)
_DURATION_AFTER = re.compile(r"\s*(?:tháng|năm|ngày|tuần|quý|giờ|phút|lần\s+trong)(?!\w)", re.I)
_NOT_FIGURE_BEFORE = re.compile(
    r"(?:thông\s+qua\s+ngày|hiệu\s+lực(?:\s+thi\s+hành)?\s+(?:kể\s+)?từ\s+ngày|năm|nhiệm\s+kỳ|giai\s+đoạn|khóa|khoá|Điều|điều|khoản|Khoản|điểm|Chương|Mục|mục|số|mũi|lần\s+thứ|"
    r"Covid|phút|tháng|quý)\s*$", re.I)
_TERM = re.compile(r"(?:nhiệm\s+kỳ|giai\s+đoạn)?\s*\d{4}\s*[-–]\s*\d{4}", re.I)


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(max(0, start), min(len(chars), end)):
            chars[i] = " "
    return "".join(chars)


def _figures(text: str) -> list[Signal]:
    out: list[Signal] = []
    taken: list[tuple[int, int]] = [m.span() for m in _TERM.finditer(text)]
    for m in _DATE.finditer(text):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        taken.append(m.span())
        if not _NOT_FIGURE_BEFORE.search(text[max(0, m.start() - 40):m.start()]):
            out.append(Signal("figure", m.group(), m.start(), m.end()))
    for m in _NUMBER.finditer(text):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        digits = m.group().rstrip("% ").strip()
        if _YEAR.match(digits):
            continue
        if _NOT_FIGURE_BEFORE.search(text[max(0, m.start() - 14):m.start()]):
            continue
        if not m.group().endswith("%") and _DURATION_AFTER.match(text, m.end()):
            continue
        out.append(Signal("figure", m.group(), m.start(), m.end()))
    return out


_LEVEL_ALT = "|".join(re.escape(lv) for lv in LEVELS)
_SUB_ALT = "|".join(re.escape(k) for k in sorted(SUB_UNITS, key=len, reverse=True))
_STREET_ALT = "|".join(re.escape(k) for k in sorted(STREETS, key=len, reverse=True))
_LEVEL_NAME = re.compile(rf"(?<!\w)(?i:{_LEVEL_ALT})\s+({NAME})")
_SUB_NAME = re.compile(rf"(?<!\w)(?i:{_SUB_ALT})\s+(?:số\s+)?(?:{NAME}|\d+[A-Za-z]?)(?!\w)")
_STREET_NAME = re.compile(rf"(?<!\w)(?:{_STREET_ALT})\s+{NAME}")
_PERSON = re.compile(rf"(?<!\w)(?:{'|'.join(SURNAMES)})(?:\s+{CAP_WORD}){{1,3}}(?!\w)")


def _names(text: str, own_names: Iterable[str], other_names: Iterable[str]) -> list[Signal]:
    own = {n.casefold() for n in own_names if n}
    out: list[Signal] = []
    for m in _LEVEL_NAME.finditer(text):
        name = m.group(1)
        if name.casefold() in own or name in NATIONAL_NAMES:
            continue
        out.append(Signal("name", m.group(), m.start(), m.end()))
    for rx in (_SUB_NAME, _STREET_NAME):
        for m in rx.finditer(text):
            out.append(Signal("name", m.group(), m.start(), m.end()))
    for m in _PERSON.finditer(text):
        if m.group() in NATIONAL_NAMES or any(m.group().startswith(n) for n in NATIONAL_NAMES):
            continue
        out.append(Signal("name", m.group(), m.start(), m.end()))
    for name in other_names:
        if not name or name.casefold() in own or name in NATIONAL_NAMES:
            continue
        for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text):
            out.append(Signal("name", m.group(), m.start(), m.end()))
    return out


def _local_documents(text: str) -> list[Signal]:
    out: list[Signal] = []
    for start, end, ref in directive_spans(text):
        if ref is None:
            continue
        issuer = getattr(ref, "issuer", None) or ""
        if getattr(ref, "is_local", False) or _LOCAL_ISSUER.search(issuer):
            out.append(Signal("local_document", text[start:end], start, end))
    for m in _LOCAL_DOC_WORDS.finditer(text):
        out.append(Signal("local_document", m.group(), m.start(), m.end()))
    return out


def _matches(rx: re.Pattern[str], name: str, text: str) -> list[Signal]:
    return [Signal(name, m.group(), m.start(), m.end()) for m in rx.finditer(text)]


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """Quoted titles (“…”) name campaigns and texts, not places or events of the unit."""
    return [m.span() for m in re.finditer(r"“[^”]{0,200}”|\"[^\"]{0,200}\"", text)]


def classify_sentence(text: str, recurs: int = 0, own_names: Iterable[str] = (),
                      other_names: Iterable[str] = (), report: bool = True) -> KindDecision:
    """The kind of one (whole) sentence.

    Args:
        text: the sentence as written in its document (NFC).
        recurs: in how many documents of *other* units a near-duplicate of it occurs.
        own_names: names of the unit that wrote it (its own name is adapted, it is no signal).
        other_names: names of other units known in the corpus.
        report: the sentence comes from a report (what was done), not a plan (what is to be done);
            in a report "tổ chức hội nghị …" tells of a meeting that took place.
    """
    text = unicodedata.normalize("NFC", text)
    directives = [(s, e) for s, e, ref in directive_spans(text)]
    signals: list[Signal] = []
    signals += _local_documents(text)
    plain = _blank(text, directives)
    signals += _figures(plain)
    unquoted = _blank(plain, _quoted_spans(plain))
    signals += _names(unquoted, own_names, other_names)
    signals += _matches(_EVENT, "event", unquoted)
    if report:
        signals += _matches(_REPORTED_EVENT, "event", plain)
    signals += _matches(_OUTCOME, "outcome", plain)
    if not _TASK_OPENING.match(text):
        signals += _matches(_AIM, "outcome", plain)
    signals += _matches(_TRAIT, "trait", plain)
    signals.sort(key=lambda s: s.start)
    names = {s.name for s in signals}
    if not signals:
        return KindDecision("formula", (), recurs)
    if recurs > 0 and not names & STRONG_SIGNALS:
        return KindDecision("formula", tuple(signals), recurs)
    return KindDecision("unit_fact", tuple(signals), recurs)


RECUR_MIN = 85.0   # rapidfuzz token_set_ratio for "the same sentence in another unit's document"


def _recur_key(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"\d+", " ", text)
    return " ".join(re.findall(r"\w+", text))


class CrossUnitRecurrence:
    """How many *other* units' documents hold a near-duplicate of a sentence.

    Built once from every report sentence of the corpus, keyed by the unit that wrote it.

    Example:
        >>> rec = CrossUnitRecurrence([("A", "Công tác dân vận được quan tâm."), ("B", "Công tác dân vận được quan tâm.")])
        >>> rec.count("Công tác dân vận được quan tâm.", "A")
        1
    """

    def __init__(self, sentences: Iterable[tuple[str, str]]):
        self._units: list[str] = []
        self._keys: list[str] = []
        for unit, text in sentences:
            key = _recur_key(text)
            if len(key.split()) >= 5:
                self._units.append(unit)
                self._keys.append(key)

    def count(self, text: str, unit: str) -> int:
        from rapidfuzz import fuzz, process

        key = _recur_key(text)
        if not self._keys or len(key.split()) < 5:
            return 0
        hits = process.extract(key, self._keys, scorer=fuzz.token_set_ratio, score_cutoff=RECUR_MIN, limit=None)
        others = {self._units[i] for _, score, i in hits
                  if self._units[i] != unit and fuzz.token_sort_ratio(key, self._keys[i]) >= RECUR_MIN - 10}
        return len(others)
