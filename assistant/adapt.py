"""Adapt a precedent sentence of another unit to the clerk's own unit and year.

A precedent written by "UBND xã Quang Khải" for 2023 becomes a sentence for the
target ("UBND xã Ngọc Kỳ", 2024): the unit's names are swapped (also the
``phường``↔``xã`` wording), the reporting year (and its neighbours: "phương hướng
năm 2024" keeps its +1 offset) is moved, and every *local fact* of the other unit
— figures, counts, money, percentages, areas, dates of local events, names of
villages, streets and people — becomes either the clerk's own fact or a visible
placeholder such as ``[số đơn]``. Directive references (``Chỉ thị số 33/CT-TTg
ngày 26/11/2021``) are national and stay intact, dates and numbers included.

Nothing here guesses a figure: a number survives only when the clerk gave it.

Example:
    >>> target = UnitRef.parse("UBND xã Ngọc Kỳ")
    >>> prec = UnitRef.parse("UBND xã Quang Khải")
    >>> a = adapt_sentence("Năm 2023, xã Quang Khải đã tiếp 16 đơn.", prec, target, 2023, 2024)
    >>> a.text
    'Năm 2024, xã Ngọc Kỳ đã tiếp [số đơn].'
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

log = logging.getLogger(__name__)

__all__ = [
    "UnitRef",
    "ClerkFact",
    "Replacement",
    "AdaptedSentence",
    "parse_unit",
    "parse_clerk_facts",
    "directive_spans",
    "find_figures",
    "adapt_sentence",
    "PLACEHOLDER_RE",
]

UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
LOWER = "a-zđàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
CAP_WORD = rf"[{UPPER}][{LOWER}]*"
NAME = rf"{CAP_WORD}(?:[ \t]+{CAP_WORD}){{0,3}}"
PLACEHOLDER_RE = re.compile(r"\[[^\[\]\d][^\[\]]*\]")

# Unit levels, longest first so "thị xã" wins over "xã".
LEVELS = ("thị trấn", "thị xã", "thành phố", "phường", "xã", "quận", "huyện", "tỉnh")
LOWER_LEVELS = ("xã", "phường", "thị trấn")
PARENT_LEVELS = ("huyện", "thị xã", "thành phố", "quận", "tỉnh")
_UNIT_PREFIX = re.compile(
    r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|ỦY BAN NHÂN DÂN|Đảng [uủ][ỷy]|HĐND|Hội đồng nhân dân)\s+", re.I
)
SUB_UNITS = {"thôn": "tên thôn", "xóm": "tên xóm", "khu phố": "tên khu phố", "tổ dân phố": "tên tổ dân phố",
             "khu dân cư": "tên khu dân cư", "ấp": "tên ấp", "bản": "tên bản", "khu": "tên khu"}
STREETS = {"tuyến đường": "tên đường", "đường": "tên đường", "phố": "tên phố", "cầu": "tên công trình"}
SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đinh Mai Trịnh Lương Cao "
    "Lâm Hà Tạ Tô Trương Triệu Quách Kiều Vương Chu Đoàn Lục Khổng Văn Thái Tăng Nông Lưu Đàm Mạc Lò"
).split()
NATIONAL_NAMES = {"Hồ Chí Minh", "Việt Nam", "Hà Nội", "Trung ương"}

# What a number counts → placeholder label. Matched on the words after the number.
COUNT_NOUNS: tuple[tuple[str, str, str], ...] = (
    # (pattern on the following words, canonical key, placeholder label)
    (r"lượt", "lượt", "số lượt"),
    (r"đơn", "đơn", "số đơn"),
    (r"vụ", "vụ việc", "số vụ việc"),
    (r"hộ", "hộ", "số hộ"),
    (r"nhân khẩu|khẩu", "nhân khẩu", "số nhân khẩu"),
    (r"ha\b|hécta|héc-ta", "ha", "diện tích"),
    (r"km", "km", "khoảng cách"),
    (r"%|phần trăm", "%", "tỷ lệ"),
    (r"tỷ đồng|triệu đồng|nghìn đồng|đồng\b", "tiền", "số tiền"),
    (r"cuộc", "cuộc", "số cuộc"),
    (r"hội nghị", "hội nghị", "số hội nghị"),
    (r"buổi", "buổi", "số buổi"),
    (r"thôn", "thôn", "số thôn"),
    (r"cán bộ|công chức", "cán bộ", "số cán bộ, công chức"),
    (r"đảng viên", "đảng viên", "số đảng viên"),
    (r"chi bộ", "chi bộ", "số chi bộ"),
    (r"đồng chí|người", "người", "số người"),
    (r"văn bản|kế hoạch", "văn bản", "số văn bản"),
    (r"mô hình", "mô hình", "số mô hình"),
    (r"hồ sơ|thủ tục", "hồ sơ", "số hồ sơ"),
    (r"tin|bài", "tin bài", "số tin, bài"),
)
_RECEIVE_VERBS = ("tiếp nhận", "tiếp", "nhận", "thụ lý")
_RESOLVE_VERBS = ("giải quyết", "xử lý", "hòa giải", "hoà giải", "trả lời")

_DATE_RE = re.compile(
    r"(?:ngày\s+)?\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{2,4}"
    r"|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"
    r"|tháng\s+\d{1,2}\s*/\s*\d{4}"
    r"|tháng\s+\d{1,2}\s+năm\s+\d{4}",
    re.I,
)
_DIRECTION_RE = re.compile(r"phía\s+(?:Đông|Tây|Nam|Bắc|đông|tây|nam|bắc)(?:\s+(?:Bắc|Nam|bắc|nam))?")
_TERM_RE = re.compile(r"(?:nhiệm kỳ|giai đoạn)\s+\d{4}\s*[-–]\s*\d{4}", re.I)
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_END = r"(?:(?=ha\b|km\b)|(?![\w/]|[.,]\d))"
_FRACTION_RE = re.compile(rf"(?<![\w/.,])(?:{_NUM})\s*/\s*(?:{_NUM}){_END}")
_YEAR_RE = re.compile(r"(?<![\w/.,-])(?:19|20)\d{2}(?![\w/]|[.,]\d)")
_NUMBER_RE = re.compile(rf"(?<![\w/.,-])(?:{_NUM}){_END}")
_LEGAL_UNIT_RE = re.compile(r"\b(?:Điều|khoản|Khoản|điểm|Điểm|Chương|chương|Mục|mục|khóa|khoá|Covid-)\s*\d+")

_ATTACHED_RE = re.compile(
    r"[\s,]*(?:ngày\s+(?:\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}))?"
    r"(?:[\s,]*của\s+[^;“”\"()]*?(?=\s+về\b|\s+ban hành|[;“\"(]|,\s|\.\s|\.$|$))?"
)
_NATIONAL_YEAR_RE = re.compile(
    rf"(?:Hiến pháp|Luật(?:\s+{CAP_WORD}|\s+[{LOWER}]+){{1,8}}?)\s+năm\s+\d{{4}}"
)


@dataclass(frozen=True)
class UnitRef:
    """A commune-level (or any) administrative unit.

    Args:
        name: bare place name, "Ngọc Kỳ".
        level: "xã", "phường", "thị trấn", "huyện", "tỉnh", ….
        full: as written in a report's opening, "UBND xã Ngọc Kỳ".
        parents: ("huyện Tứ Kỳ", "tỉnh Hải Dương") when known.
    """

    name: str
    level: str
    full: str
    parents: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str, level: str | None = None, parents: Sequence[str] = ()) -> "UnitRef":
        return parse_unit(text, level, parents)

    def parent(self, level: str) -> str | None:
        """Name of the parent unit at ``level`` ("huyện" → "Tứ Kỳ"), if known."""
        for p in self.parents:
            lv, nm = _split_level(p)
            if lv == level and nm:
                return nm
        return None


def _split_level(text: str) -> tuple[str | None, str]:
    text = text.strip()
    low = text.lower()
    if low in LEVELS:
        return low, ""
    for lv in LEVELS:
        if low.startswith(lv + " "):
            return lv, text[len(lv) + 1 :].strip()
    return None, text


def parse_unit(text: str, level: str | None = None, parents: Sequence[str] = ()) -> UnitRef:
    """Parse "UBND xã Ngọc Kỳ" / "phường Lam Sơn" / "Ngọc Kỳ" into a ``UnitRef``.

    Raises:
        ValueError: when no place name is left after removing the prefix and level.
    """
    raw = re.sub(r"\s+", " ", text or "").strip()
    body = _UNIT_PREFIX.sub("", raw)
    lv, name = _split_level(body)
    name = name.strip(" ,.")
    if not name:
        raise ValueError(f"không nhận ra tên đơn vị / cannot find a unit name in {text!r}")
    given = (level or "").lower().strip()
    level = lv or (given if given in LEVELS else None) or "xã"
    return UnitRef(name=name, level=level, full=f"UBND {level} {name}", parents=tuple(p for p in parents if p))


@dataclass(frozen=True)
class ClerkFact:
    """One figure the clerk gave, with what it counts.

    ``key`` is the canonical counted thing ("đơn", "lượt", "hộ", "%", "tiền", …)
    used to match a precedent's figure; ``verb`` separates "nhận 5 đơn" from
    "giải quyết 5 đơn".
    """

    quantity: str
    noun: str
    key: str
    verb: str | None
    text: str


@dataclass(frozen=True)
class Replacement:
    """One change made to the precedent sentence (offsets in ``source_text``)."""

    start: int
    end: int
    before: str
    after: str
    kind: str   # "unit", "parent", "level", "year", "fact", "placeholder"


@dataclass(frozen=True)
class AdaptedSentence:
    """A precedent sentence rewritten for the target unit.

    Args:
        text: the adapted sentence.
        source_text: the precedent sentence as retrieved.
        replacements: every change, in order.
        placeholders: labels left for the clerk, brackets included ("[số đơn]").
        facts_used: the clerk's facts that filled a figure.
        foreign_references: local documents of another locality cited in the sentence
            (e.g. a Quyết định of UBND tỉnh Hải Dương for a commune of Bắc Giang); the
            drafter drops such sentences.
    """

    text: str
    source_text: str
    replacements: tuple[Replacement, ...] = ()
    placeholders: tuple[str, ...] = ()
    facts_used: tuple[ClerkFact, ...] = ()
    foreign_references: tuple[str, ...] = ()


# --------------------------------------------------------------------------- facts


def count_key(words: str) -> tuple[str, str] | None:
    """Canonical (key, label) for the words following a number, None if unknown."""
    w = words.strip().lower()
    for pattern, key, label in COUNT_NOUNS:
        if re.match(pattern, w):
            return key, label
    return None


def _verb_class(verb: str | None) -> str | None:
    if not verb:
        return None
    v = verb.lower()
    if any(r in v for r in _RESOLVE_VERBS):
        return "resolve"
    if any(r in v for r in _RECEIVE_VERBS):
        return "receive"
    return None


_FACT_NUMBER_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")


def parse_clerk_facts(text: str | None) -> tuple[ClerkFact, ...]:
    """Parse the clerk's free text into typed facts.

    "Trong năm tiếp 12 lượt công dân; nhận 5 đơn, giải quyết 5" →
    (12, "lượt công dân", verb "tiếp"), (5, "đơn", "nhận"), (5, "đơn", "giải quyết") —
    a number without a noun counts the same thing as the one before it.
    """
    if not text:
        return ()
    facts: list[ClerkFact] = []
    last_noun: tuple[str, str] | None = None
    for clause in re.split(r";|\n|,\s+|\.\s+|\.$", text):
        clause = clause.strip()
        if not clause:
            continue
        for m in _FACT_NUMBER_RE.finditer(clause):
            if _YEAR_RE.fullmatch(m.group()) and re.search(r"năm\s*$", clause[: m.start()]):
                continue  # "năm 2024" is the period, not a figure
            after = clause[m.end():]
            before = clause[: m.start()]
            noun_m = re.match(rf"\s*(%|[{LOWER}]+(?:\s+[{LOWER}]+){{0,2}})", after)
            noun = noun_m.group(1).strip() if noun_m else ""
            ck = count_key(noun) if noun else None
            if ck is None and last_noun is not None:
                noun, ck = last_noun[0], (last_noun[1], "")
            if ck is None:
                continue
            verb_m = re.search(rf"([{LOWER}]+(?:\s+[{LOWER}]+)?)\s*(?:được\s+)?$", before.lower())
            verb = verb_m.group(1) if verb_m else None
            facts.append(ClerkFact(quantity=m.group(), noun=noun, key=ck[0], verb=verb, text=clause))
            last_noun = (noun, ck[0])
    return tuple(facts)


def _pick_fact(facts: Sequence[ClerkFact], key: str, verb_before: str) -> ClerkFact | None:
    same = [f for f in facts if f.key == key]
    if not same:
        return None
    want = _verb_class(verb_before)
    for f in same:
        if _verb_class(f.verb) == want:
            return f
    if want is None:
        non_resolve = [f for f in same if _verb_class(f.verb) != "resolve"]
        return (non_resolve or same)[0]
    return None


# --------------------------------------------------------------------------- spans


def directive_spans(text: str) -> list[tuple[int, int, object]]:
    """(start, end, ref) of every directive reference, widened to its attached date and issuer.

    The references come from ``index.citations.find_citations``, the project's one parser
    of directive references.
    """
    from index.citations import find_citations

    spans = [(ref.span[0], ref.span[1], ref) for ref in find_citations(text)]
    widened: list[tuple[int, int, object]] = []
    for start, end, ref in spans:
        m = _ATTACHED_RE.match(text, end)
        if m:
            end = max(end, len(text[: m.end()].rstrip(" ,")))
        widened.append((start, end, ref))
    for m in _NATIONAL_YEAR_RE.finditer(text):
        widened.append((m.start(), m.end(), None))
    for m in _LEGAL_UNIT_RE.finditer(text):
        widened.append((m.start(), m.end(), None))
    return sorted(widened, key=lambda s: s[0])


def find_figures(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of every local figure or date outside directive references.

    Used by the verifier's leak check: years are included, article numbers and
    directive numbers/dates are not.
    """
    protected = [(s, e) for s, e, _ in directive_spans(text)]
    out: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = list(protected)
    for rx in (_DATE_RE, _FRACTION_RE, _YEAR_RE, _NUMBER_RE):
        for m in rx.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            out.append((m.start(), m.end(), m.group()))
    return sorted(out)


# --------------------------------------------------------------------------- adapt


def _match_case(template: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return template.upper()
    if like[:1].isupper():
        return template[:1].upper() + template[1:]
    return template


@dataclass
class _Plan:
    text: str
    taken: list[tuple[int, int]] = field(default_factory=list)
    reps: list[Replacement] = field(default_factory=list)

    def free(self, start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e in self.taken)

    def add(self, start: int, end: int, after: str, kind: str) -> bool:
        if not self.free(start, end):
            return False
        self.taken.append((start, end))
        before = self.text[start:end]
        if before != after:
            self.reps.append(Replacement(start, end, before, after, kind))
        return True


def _name_pattern(name: str) -> str:
    return r"(?<![\w])" + r"\s+".join(re.escape(p) for p in name.split()) + r"(?![\w])"


def adapt_sentence(
    sentence: str,
    precedent: UnitRef | None,
    target: UnitRef,
    precedent_year: int | None,
    target_year: int,
    facts: Sequence[ClerkFact] = (),
    other_names: Iterable[str] = (),
    own_places: bool = False,
) -> AdaptedSentence:
    """Rewrite one precedent sentence for ``target`` and ``target_year``.

    Args:
        sentence: the precedent sentence (NFC).
        precedent: the unit that wrote it (from the chunk metadata), None if unknown.
        target: the clerk's unit.
        precedent_year: the precedent's reporting year (None: every year → ``[năm]``).
        target_year: the clerk's reporting year.
        facts: the clerk's facts (``parse_clerk_facts``); the only source of figures.
        other_names: names of other units known in the corpus; each becomes a placeholder.
        own_places: the sentence comes from the target unit's own document, so its villages,
            streets and people are the target's own and stay as written.

    Returns:
        The ``AdaptedSentence``; ``text`` contains no figure the clerk did not give.
    """
    plan = _Plan(sentence)
    foreign: list[str] = []
    target_places = {target.name.lower()} | {(_split_level(p)[1]).lower() for p in target.parents}

    # 1. directive references are national: protect them (and note foreign local ones).
    for start, end, ref in directive_spans(sentence):
        plan.add(start, end, sentence[start:end], "directive")
        issuer = getattr(ref, "issuer", None) if ref is not None else None
        if ref is not None and getattr(ref, "is_local", False):
            locality = (getattr(ref, "canonical_id", "") or "").split("@", 1)[-1]
            place = _split_level(locality)[1].lower() if locality and locality != "?" else ""
            if place and place not in target_places:
                foreign.append(sentence[start:end])
        elif issuer:
            m = re.search(rf"(?:Tỉnh ủy|Huyện ủy|Thành ủy|Thị ủy|tỉnh|huyện)\s+({NAME})", issuer)
            if m and m.group(1).lower() not in target_places:
                foreign.append(sentence[start:end])

    # 2. dates of local events and terms; the unit's geographic position.
    for rx, label in ((_TERM_RE, "[nhiệm kỳ]"), (_DATE_RE, "[ngày]"), (_DIRECTION_RE, "[vị trí]")):
        for m in rx.finditer(sentence):
            plan.add(m.start(), m.end(), label, "placeholder")

    # 3. names: the precedent unit, its parents, other units, villages, streets, people.
    if precedent is not None and precedent.name:
        prec_name = _name_pattern(precedent.name)
        level_alt = "|".join(re.escape(lv) for lv in LEVELS)
        for m in re.finditer(rf"(?i:({level_alt}))\s+{prec_name}", sentence):
            plan.add(m.start(), m.end(), _match_case(f"{target.level} {target.name}", m.group(1)), "unit")
        for m in re.finditer(prec_name, sentence, flags=re.I):
            after = target.name.upper() if m.group().isupper() else target.name
            plan.add(m.start(), m.end(), after, "unit")
        for parent in precedent.parents:
            lv, nm = _split_level(parent)
            if not nm:
                continue
            repl_name = target.parent(lv) if lv else None
            for m in re.finditer(rf"(?:(?i:{re.escape(lv)})\s+)?{_name_pattern(nm)}" if lv else _name_pattern(nm), sentence):
                if repl_name:
                    has_level = m.group().lower().startswith(lv) if lv else False
                    after = f"{m.group()[:len(lv)]} {repl_name}" if has_level else repl_name
                    plan.add(m.start(), m.end(), after, "parent")
                else:
                    plan.add(m.start(), m.end(), f"[tên {lv or 'đơn vị'}]", "placeholder")

    # Units named after a level word: target/parents stay, anything else is another unit.
    level_alt = "|".join(re.escape(lv) for lv in LEVELS)
    for m in re.finditer(rf"(?<!\w)(?i:({level_alt}))\s+({NAME})", sentence):
        lv, nm = m.group(1).lower(), m.group(2)
        if nm.lower() in target_places or nm in NATIONAL_NAMES:
            continue
        plan.add(m.start(), m.end(), f"[tên {lv}]", "placeholder")

    sub_alt = "|".join(re.escape(k) for k in sorted(SUB_UNITS, key=len, reverse=True))
    if own_places:
        sub_alt = r"(?!x)x"   # matches nothing: the unit's own villages stay
    list_re = rf"(?<!\w)({sub_alt})(\s+(?:là|gồm|gồm có)\s*:?\s*|\s+)((?:{NAME}|\d+[A-Za-z]?)(?:\s*(?:,|và)\s*(?:{NAME}|\d+[A-Za-z]?))*)"
    for m in re.finditer(list_re, sentence):
        kind = m.group(1)
        label = f"[{SUB_UNITS[kind]}]"
        if m.group(2).strip():  # "thôn là Tân Quang, Nhũ Tỉnh và Vũ Xá" → keep "thôn là"
            plan.add(m.start(3), m.end(3), label, "placeholder")
        else:
            plan.add(m.start(), m.end(), label, "placeholder")
    street_alt = "|".join(re.escape(k) for k in sorted(STREETS, key=len, reverse=True))
    for m in ([] if own_places else re.finditer(rf"(?<!\w)({street_alt})\s+({NAME})", sentence)):
        plan.add(m.start(), m.end(), f"[{STREETS[m.group(1)]}]", "placeholder")

    for name in sorted({n for n in other_names if n}, key=len, reverse=True):
        if name.lower() in target_places or name in NATIONAL_NAMES:
            continue
        for m in re.finditer(_name_pattern(name), sentence):
            plan.add(m.start(), m.end(), "[tên đơn vị]", "placeholder")

    surname_alt = "|".join(SURNAMES)
    for m in ([] if own_places else re.finditer(rf"(?<!\w)(?:{surname_alt})(?:\s+{CAP_WORD}){{1,3}}(?!\w)", sentence)):
        if m.group() in NATIONAL_NAMES or any(m.group().startswith(n) for n in NATIONAL_NAMES):
            continue
        plan.add(m.start(), m.end(), "[họ và tên]", "placeholder")

    # 4. phường ↔ xã wording for bare level words ("trên địa bàn phường", "UBND Phường").
    if precedent is not None and precedent.level != target.level:
        if precedent.level == "xã":
            bare = r"(?<!thị )(?<!Thị )(?<!\w)(xã|Xã|XÃ)(?!\w)(?!\s+(?:hội|viên|Hội))"
        else:
            bare = rf"(?<!\w)({re.escape(precedent.level)}|{re.escape(precedent.level.capitalize())}|{re.escape(precedent.level.upper())})(?!\w)"
        for m in re.finditer(bare, sentence):
            at_start = sentence[: m.start()].strip() == ""
            after = _match_case(target.level, m.group(1)) if at_start or m.group(1).isupper() else target.level
            plan.add(m.start(), m.end(), after, "level")

    # 5. years: the reporting year and its neighbours move; other years are local facts.
    for m in _YEAR_RE.finditer(sentence):
        year = int(m.group())
        after_text = sentence[m.end():]
        if count_key(after_text[:20]) is not None and not re.search(r"năm\s*$", sentence[: m.start()]):
            continue  # "2000 hộ" is a count: handled with the numbers
        if precedent_year is not None and abs(year - precedent_year) <= 2:
            plan.add(m.start(), m.end(), str(target_year + (year - precedent_year)), "year")
        else:
            plan.add(m.start(), m.end(), "[năm]", "placeholder")

    # 6. figures: the clerk's fact when one matches, else a labelled placeholder.
    used: list[ClerkFact] = []
    for m in _FRACTION_RE.finditer(sentence):
        plan.add(m.start(), m.end(), "[số lượng]", "placeholder")
    for m in _NUMBER_RE.finditer(sentence):
        if not plan.free(m.start(), m.end()):
            continue
        after_text = sentence[m.end():]
        ck = count_key(after_text[:25])
        verb_m = re.search(rf"([{LOWER}]+(?:\s+[{LOWER}]+)?)\s*(?:được\s+|đã\s+)?$", sentence[: m.start()].lower())
        verb_before = verb_m.group(1) if verb_m else ""
        end = m.end()
        if ck is None:
            plan.add(m.start(), end, "[số liệu]", "placeholder")
            continue
        key, label = ck
        if key == "%":
            pm = re.match(r"\s*%", after_text)
            end = m.end() + (pm.end() if pm else 0)
        fact = _pick_fact(facts, key, verb_before)
        if fact is not None:
            plan.add(m.start(), m.end(), fact.quantity, "fact")
            used.append(fact)
            continue
        if key == "lượt" and ("tiếp" in verb_before or "công dân" in after_text[:30]):
            label = "số lượt tiếp công dân"
        plan.add(m.start(), end, f"[{label}]", "placeholder")

    reps = sorted(plan.reps, key=lambda r: r.start)
    pieces: list[str] = []
    pos = 0
    for r in reps:
        pieces.append(sentence[pos : r.start])
        pieces.append(r.after)
        pos = r.end
    pieces.append(sentence[pos:])
    text = "".join(pieces)
    placeholders = tuple(dict.fromkeys(PLACEHOLDER_RE.findall(text)))
    return AdaptedSentence(
        text=text,
        source_text=sentence,
        replacements=tuple(reps),
        placeholders=placeholders,
        facts_used=tuple(dict.fromkeys(used)),
        foreign_references=tuple(foreign),
    )
