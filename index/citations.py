"""Find and parse references to legal and Party documents in Vietnamese text.

A clerk's report cites its governing texts in two numbering systems:

* Party style: ``25-NQ/TW``, ``11-QĐi/TW``, ``28-CT/TU`` (number-TYPE/ORGAN);
* State style: ``33/CT-TTg``, ``04/2015/NĐ-CP``, ``34/2007/PL-UBTVQH11``, ``10/2022/QH15``
  (number[/year]/TYPE-ORGAN).

Text extracted from PDF breaks references across lines, adds stray spaces
(``23- QĐ/TW``, ``Nghị định số145/2020``) and drops hyphens (``16/CT TTg``). The
regular expressions below therefore allow any whitespace (newlines included)
between the parts of a reference, and every ``CitationRef`` keeps its exact span
in the input so a checker can point at it.

Canonical ids (the registry key):

* Party: ``25-NQ/TW``; State: ``33/CT-TTg``, ``04/2015/NĐ-CP``, ``10/2022/QH15``.
* Local documents (organ ``UBND``/``HĐND`` or Party organ ``TU``/``HU``/``ĐU``) are not
  unique across provinces, so the id is qualified with the issuing locality:
  ``1533/QĐ-UBND@tỉnh Hải Dương``, ``28-CT/TU@tỉnh Hải Dương``. When the text does not
  name the locality the qualifier is ``?`` (``24-CT/TU@?``): the id is honest about
  what is unknown instead of guessing a province.
* A reference without a symbol ("Quyết định số 217 và 218") gets the symbol of a
  reference with the same kind and number elsewhere in the same text, if there is
  exactly one; otherwise ``symbol`` and ``canonical_id`` stay ``None``.

Usage:
    >>> refs = find_citations("Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ")
    >>> refs[0].canonical_id, refs[0].date, refs[0].issuer
    ('33/CT-TTg', '2021-11-26', 'Thủ tướng Chính phủ')
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# --- kinds ------------------------------------------------------------------------------

#: Kind words in the order they must be tried (longer first).
KINDS: tuple[str, ...] = (
    "Nghị quyết liên tịch",
    "Thông tư liên tịch",
    "Pháp lệnh",
    "Nghị quyết",
    "Nghị định",
    "Chỉ thị",
    "Kết luận",
    "Quyết định",
    "Quy định",
    "Quy chế",
    "Kế hoạch",
    "Thông tư",
    "Công văn",
    "Hướng dẫn",
    "Thông báo",
    "Báo cáo",
    "Luật",
)

#: Kind implied by the type code of a symbol, used when the text names no kind.
KIND_BY_CODE: dict[str, str] = {
    "NQ": "Nghị quyết",
    "NĐ": "Nghị định",
    "CT": "Chỉ thị",
    "KL": "Kết luận",
    "QĐ": "Quyết định",
    "QĐi": "Quy định",
    "QC": "Quy chế",
    "KH": "Kế hoạch",
    "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch",
    "NQLT": "Nghị quyết liên tịch",
    "PL": "Pháp lệnh",
    "HD": "Hướng dẫn",
    "TB": "Thông báo",
    "BC": "Báo cáo",
}

#: Issuer implied by the organ part of a State symbol (the symbol itself says it).
ISSUER_BY_ORGAN: dict[str, str] = {
    "TTg": "Thủ tướng Chính phủ",
    "CP": "Chính phủ",
    "BNV": "Bộ Nội vụ",
    "TTCP": "Thanh tra Chính phủ",
    "BTC": "Bộ Tài chính",
    "BTP": "Bộ Tư pháp",
    "BCA": "Bộ Công an",
    "BQP": "Bộ Quốc phòng",
}

#: Organs whose documents are numbered per locality (id must be qualified by issuer).
LOCAL_ORGANS = frozenset({"UBND", "HĐND", "TU", "HU", "ĐU", "QU", "BCĐ"})

#: Organs accepted after a *space* instead of a hyphen (``16/CT TTg``); anything else
#: after a space is ordinary prose, not part of the symbol.
_SPACE_ORGANS = frozenset({"TTg", "CP", "UBND", "HĐND", "BNV", "TTCP", "BTP", "BCA", "BTC"})


def _word_pattern(phrase: str) -> str:
    """Regex for a phrase: first letter either case, words separated by any whitespace."""
    first, rest = phrase[0], phrase[1:]
    words = rest.split(" ")
    body = r"\s+".join(re.escape(w) for w in words)
    return f"[{first.upper()}{first.lower()}]{body}"


_KIND_RE = "|".join(f"(?:{_word_pattern(k)})" for k in KINDS)

_UP = "A-ZĐÂĂÊÔƠƯ"  # capital letters that start a symbol part
_PARTY = (
    rf"(?P<pnum>\d{{1,5}})(?P<psep>\s*-\s*)(?P<pcode>[{_UP}][A-Za-zĐđ]{{0,4}})"
    rf"(?P<pslash>\s*/\s*)(?P<porg>[{_UP}][A-ZĐ]{{1,7}})(?![\w/])"
)
_STATE = (
    rf"(?P<snum>\d{{1,5}})\s*/\s*(?:(?P<syear>(?:19|20)\d\d)\s*/\s*)?"
    rf"(?P<scode>[{_UP}][A-Za-zĐđ]{{0,5}}\d{{0,2}}(?:/[{_UP}][A-ZĐƯ]{{1,8}})?)"
    rf"(?:(?P<ssep>[ \t]*-[ \t]*\n?\s*|[ \t]*\n?\s*-[ \t]*|[ \t]+)"
    rf"(?P<sorg>[{_UP}][A-Za-zĐđƯ&]{{0,15}}\d{{0,2}}(?:-[{_UP}][A-Za-zĐđƯ&]{{0,15}}\d{{0,2}})*))?"
    rf"(?![\w/])"
)
_BARE = r"(?P<bnum>\d{1,5})(?![\d/.,]\d|\s*[-/])"

_REF_RE = re.compile(
    rf"(?P<kind>{_KIND_RE})(?P<so>\s*số\s*|\s+)(?:{_PARTY}|{_STATE}|{_BARE})"
)
#: A symbol with no kind word in front ("theo 33/CT-TTg").
_SYMBOL_ONLY_RE = re.compile(rf"(?<![\w/.-])(?:{_PARTY}|{_STATE})")
#: "... số 217 và 218" / "... số 217, 218": the second number shares the kind.
_AND_NUMBER_RE = re.compile(r"\s*(?:và|,)\s*(?:số\s*)?(?P<num>\d{1,5})(?![\d/.,]\d|\s*[-/]|\s*(?:người|lượt|cuộc|thôn|hộ|%))")

_DATE_SLASH = r"(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*(?P<y>(?:19|20)\d\d)"
_DATE_WORDS = r"(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})\s+năm\s+(?P<y2>(?:19|20)\d\d)"
_DATE_RE = re.compile(rf"^[\s,*]*(?:ban\s+hành\s+)?ngày\s*(?:{_DATE_SLASH}|{_DATE_WORDS})")
_ANY_DATE_RE = re.compile(rf"(?:{_DATE_SLASH}|{_DATE_WORDS})")

_PLACE_WORD = r"[A-ZĐÂĂÊÔƠƯÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ][^\s,;.:()“”\"]*"
_PLACE = rf"(?:{_PLACE_WORD}(?:[ \t]*\n?\s*{_PLACE_WORD}){{0,2}})"
_LEVEL = r"(?:tỉnh|huyện|xã|phường|thị\s+xã|thị\s+trấn|thành\s+phố|quận)"

#: (pattern, canonical issuer template). Tried in order; ``{level}``/``{place}`` filled in.
_ISSUER_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"Ban\s+[Cc]hấp\s+hành\s+Trung\s+ương(?:\s+Đảng)?", "Ban Chấp hành Trung ương"),
    (r"Bộ\s+[Cc]hính\s+trị", "Bộ Chính trị"),
    (r"Ban\s+[Bb]í\s+thư(?:\s+Trung\s+ương\s+Đảng)?", "Ban Bí thư"),
    (r"Ủy\s+ban\s+[Tt]hường\s+vụ\s+Quốc\s+hội|Uỷ\s+ban\s+[Tt]hường\s+vụ\s+Quốc\s+hội", "Ủy ban Thường vụ Quốc hội"),
    (r"Quốc\s+hội", "Quốc hội"),
    (r"Thủ\s+tướng\s+[Cc]hính\s+phủ|Thủ\s+tuớng\s+[Cc]hính\s+phủ", "Thủ tướng Chính phủ"),
    (r"Chính\s+phủ", "Chính phủ"),
    (rf"Ban\s+[Tt]hường\s+vụ\s+Tỉnh\s+[uủ][ỷy](?:\s+(?P<place1>{_PLACE}))?", "Ban Thường vụ Tỉnh ủy{place}"),
    (rf"Tỉnh\s+[uủ][ỷy](?:\s+(?P<place2>{_PLACE}))?", "Tỉnh ủy{place}"),
    (rf"Chủ\s+tịch\s+(?:UBND|Ủy\s+ban\s+nhân\s+dân)\s+(?P<level3>{_LEVEL})(?:\s+(?P<place3>{_PLACE}))?",
     "Chủ tịch UBND {level}{place}"),
    (rf"(?:UBND|Ủy\s+ban\s+nhân\s+dân|Uỷ\s+ban\s+nhân\s+dân)\s+(?P<level4>{_LEVEL})(?:\s+(?P<place4>{_PLACE}))?",
     "UBND {level}{place}"),
    (r"Bộ\s+(?:trưởng\s+Bộ\s+)?(?:Nội\s+vụ)", "Bộ Nội vụ"),
    (r"Bộ\s+Tài\s+chính", "Bộ Tài chính"),
)
_ISSUER_RE = [(re.compile(rf"^[\s,*]*(?:của\s+)({p})"), t) for p, t in _ISSUER_PATTERNS]
_ISSUER_BARE_RE = [(re.compile(rf"^[\s,*]*({p})"), t) for p, t in _ISSUER_PATTERNS]

_OWN_NUMBER_RE = re.compile(r"Số\s*:\s*$")
_PROVENANCE_RE = re.compile(r"\(\s*Điều\s+(?P<art>\d+[a-z]?)\s+$")
_EFFECTIVE_TAIL = (r"\s*,\s*có\s+hiệu\s+lực\s+thi\s+hành\s+kể\s+từ\s+ngày\s+"
                   r"(?P<ed>\d{1,2})/(?P<em>\d{1,2})/(?P<ey>\d{4})")
#: Pháp điển provenance tail: "<title> ngày dd/mm/yyyy của <issuer>, có hiệu lực thi hành kể từ ngày …".
#: The title is greedy so the *last* "ngày … của" (the law's own date) wins over dates inside the title.
_PROVENANCE_TAIL_RE = re.compile(
    rf"^(?P<title>.*)\s+ngày\s+{_DATE_SLASH}\s+của\s+(?P<iss>[^,]+?){_EFFECTIVE_TAIL}"
)
_PROVENANCE_SHORT_RE = re.compile(rf"^(?P<title>[^,]*?){_EFFECTIVE_TAIL}")


@dataclass(frozen=True)
class CitationRef:
    """One reference to a document, as written in the text.

    Args:
        kind: "Chỉ thị", "Nghị định", … (from the kind word, else from the symbol's type code).
        number: the document number as written ("33", "04", "217").
        year: year part of a State symbol (2015 in ``04/2015/NĐ-CP``), else None.
        symbol: the symbol without the number ("CT-TTg", "NQ/TW", "2015/NĐ-CP"), None if absent.
        issuer: issuer as stated in the text ("của Thủ tướng Chính phủ"), canonical spelling.
        date: ISO date stated right after the reference, None if none.
        title: quoted title or the clause after "về", whitespace collapsed.
        canonical_id: registry key (see module docstring), None if it cannot be known.
        span: (start, end) offsets of the reference in the input text (kind word to symbol end).
        raw: ``text[start:end]`` exactly.
        article: for a Pháp điển provenance line, the article ("Điều 11"); else None.
        effective: for a provenance line, the ISO date the article took effect.
    """

    kind: str
    number: str
    year: int | None
    symbol: str | None
    issuer: str | None
    date: str | None
    title: str | None
    canonical_id: str | None
    span: tuple[int, int]
    raw: str
    article: str | None = None
    effective: str | None = None

    @property
    def is_local(self) -> bool:
        return self.canonical_id is not None and "@" in self.canonical_id

    @property
    def symbol_text(self) -> str | None:
        """Full document number as printed on the document: ``33/CT-TTg``, ``25-NQ/TW``."""
        if self.symbol is None:
            return None
        return f"{self.number}-{self.symbol}" if _is_party_symbol(self.symbol) else f"{self.number}/{self.symbol}"


def _is_party_symbol(symbol: str) -> bool:
    return "/" in symbol and "-" not in symbol.split("/")[-1] and not symbol[:4].isdigit()


def normalize_for_citations(text: str) -> str:
    """NFC and the PDF glyph ``ƣ``→``ư``; length-preserving so spans stay valid."""
    text = unicodedata.normalize("NFC", text)
    return text.replace("ƣ", "ư").replace("Ƣ", "Ư")


def _clean(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("*", " ")).strip()


def _iso(d: str, m: str, y: str) -> str | None:
    day, month, year = int(d), int(m), int(y)
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_date(fragment: str) -> str | None:
    """ISO date of the first ``dd/mm/yyyy`` or ``dd tháng mm năm yyyy`` in ``fragment``."""
    m = _ANY_DATE_RE.search(fragment)
    if not m:
        return None
    if m.group("d"):
        return _iso(m.group("d"), m.group("m"), m.group("y"))
    return _iso(m.group("d2"), m.group("m2"), m.group("y2"))


def _match_issuer(tail: str, require_cua: bool = True) -> tuple[str, int] | None:
    """Canonical issuer at the start of ``tail`` and the length consumed."""
    for rx, template in _ISSUER_RE if require_cua else _ISSUER_BARE_RE:
        m = rx.match(tail)
        if not m:
            continue
        gd = {k: v for k, v in m.groupdict().items() if v}
        place = next((v for k, v in gd.items() if k.startswith("place")), None)
        level = next((v for k, v in gd.items() if k.startswith("level")), "")
        place_txt = f" {_clean(place)}" if place else ""
        issuer = template.format(level=_clean(level), place=place_txt)
        return _clean(issuer), m.end()
    return None


def locality_of(issuer: str | None) -> str | None:
    """"UBND tỉnh Hải Dương" → "tỉnh Hải Dương"; "Tỉnh ủy Hải Dương" → "tỉnh Hải Dương"."""
    if not issuer:
        return None
    m = re.search(r"(?:UBND|Chủ tịch UBND)\s+((?:tỉnh|huyện|xã|phường|thị xã|thị trấn|thành phố|quận)(?: .+)?)$", issuer)
    if m:
        loc = m.group(1)
        return loc if " " in loc.replace("thị xã", "thị_xã").replace("thành phố", "thành_phố").replace(
            "thị trấn", "thị_trấn") else None
    m = re.search(r"Tỉnh ủy (.+)$", issuer)
    if m:
        return f"tỉnh {m.group(1)}"
    return None


def make_canonical_id(number: str, symbol: str | None, issuer: str | None) -> str | None:
    """Registry key; local documents qualified by locality (``@?`` when unknown)."""
    if symbol is None:
        return None
    core = f"{number}-{symbol}" if _is_party_symbol(symbol) else f"{number}/{symbol}"
    organ = re.split(r"[/-]", symbol)[-1]
    if organ in LOCAL_ORGANS:
        return f"{core}@{locality_of(issuer) or '?'}"
    return core


def issuer_from_symbol(symbol: str | None) -> str | None:
    """Issuer the symbol itself states (``CT-TTg`` → Thủ tướng Chính phủ); Party symbols say nothing definite."""
    if not symbol:
        return None
    organ = re.split(r"[/-]", symbol)[-1]
    if re.fullmatch(r"QH\d+", organ):
        return "Quốc hội"
    if re.fullmatch(r"UBTVQH\d+", organ):
        return "Ủy ban Thường vụ Quốc hội"
    if _is_party_symbol(symbol):
        return None
    return ISSUER_BY_ORGAN.get(organ)


def _symbol_from_match(m: re.Match[str]) -> tuple[str, str | None, int | None, str | None] | None:
    """(number, symbol, year, code) from a match of the party/state/bare alternatives."""
    if m.group("pnum"):
        return m.group("pnum"), f"{m.group('pcode')}/{m.group('porg')}", None, m.group("pcode")
    if m.group("snum"):
        code = m.group("scode")
        org = m.group("sorg")
        sep = m.group("ssep")
        if org and sep is not None and "-" not in sep and org.split("-")[0] not in _SPACE_ORGANS:
            return None  # "04/BC something": prose after a space is not an organ
        year = int(m.group("syear")) if m.group("syear") else None
        org_clean = re.sub(r"\s+", "", org) if org else None
        parts = ([str(year)] if year else []) + [code + (f"-{org_clean}" if org_clean else "")]
        if not org_clean and not re.fullmatch(r"QH\d+|CP|UBTVQH\d+", code):
            return None  # "47/KH" alone is too weak to be a symbol
        return m.group("snum"), "/".join(parts), year, code
    return m.group("bnum"), None, None, None


def _end_of_symbol(m: re.Match[str]) -> int:
    if m.group("pnum"):
        return m.end("porg")
    if m.group("snum"):
        return m.end("sorg") if m.group("sorg") else m.end("scode")
    return m.end("bnum")


#: Where an unquoted title ends: punctuation, a new list item, the clause's predicate
#: ("Pháp lệnh số 34/2007/PL-UBTVQH11 về thực hiện dân chủ ở xã, phường, thị trấn hết hiệu lực …"), or a
#: new clause whose subject is a local body ("Chỉ thị 35-CT/TW … giải quyết khiếu nại, tố cáo, UBND xã đã
#: ban hành …"): a body after a comma inside a title is never followed by "đã"/"đều"/… within a few words.
_STOP_AFTER_TITLE = re.compile(
    r"[;:”\"]|\.(?=\s|$)|\n\s*\n\s*(?:[-+•]|\d+\.|[IVX]+\.)|\s+hết\s+hiệu\s+lực\b"
    r"|,\s+(?:UBND|HĐND|MTTQ|Ủy\s+ban\s+nhân\s+dân|Hội\s+đồng\s+nhân\s+dân|Đảng\s+ủy|Ban\s+Thường\s+vụ|"
    r"[Cc]hính\s+quyền|[Cc]ấp\s+ủy)(?:\s+\S+){0,3}?\s+(?:đã|đều|luôn|tiếp\s+tục|thường\s+xuyên)\b")


def _title_after(text: str, pos: int, next_ref_start: int, provenance: bool) -> str | None:
    """Quoted title or the ``về`` clause starting at ``pos``; cut at ;/./quote/next reference."""
    tail = text[pos:next_ref_start]
    if provenance:
        m = re.match(r"^\s+(?!ngày\b|của\b|,)(.+?)(?=\s+ngày\s+\d|\s+của\s|,\s*có\s+hiệu\s+lực|\)|$)", tail, re.S)
        return _clean(m.group(1)) if m else None
    m = re.match(r"^[\s,*]*(?:\(?[Kk]hóa\s+[XVI]+\)?\s*)?(?:,\s*)?"
                 r"(?P<lead>(?:ban\s+hành\s+)?(?:về\s+(?:việc\s+)?)?(?:ban\s+hành\s+)?)"
                 r"(?P<q>[“\"])?", tail)
    if not m:
        return None
    lead = m.group("lead").strip()
    body_start = m.end()
    if m.group("q"):
        close = re.search(r"[”\"]", tail[body_start:])
        stop = re.search(r";|\.(?=\s|$)", tail[body_start:])
        end = close.start() if close else (stop.start() if stop else len(tail) - body_start)
        if close and stop and stop.start() < close.start() and "\n\n" in tail[body_start:body_start + close.start()]:
            end = stop.start()
        title = _clean(tail[body_start:body_start + end])
        return title or None
    if not lead:
        return None
    stop = _STOP_AFTER_TITLE.search(tail, body_start)
    end = stop.start() if stop else len(tail)
    title = re.sub(r"(?:\s+(?:và|hoặc))+$", "", _clean(tail[body_start:end]).rstrip(",:– -")).rstrip(",:– -")
    if len(title) > 300:
        title = title[:300].rsplit(" ", 1)[0]
    return title or None


def _context_issuer_date(text: str, end: int, limit: int) -> tuple[str | None, str | None, int]:
    """Date and issuer written right after a reference, in either order."""
    pos = end
    date = issuer = None
    for _ in range(2):
        seg = text[pos:limit]
        if date is None:
            dm = _DATE_RE.match(seg)
            if dm:
                date = (_iso(dm.group("d"), dm.group("m"), dm.group("y")) if dm.group("d")
                        else _iso(dm.group("d2"), dm.group("m2"), dm.group("y2")))
                pos += dm.end()
                continue
        if issuer is None:
            im = _match_issuer(seg)
            if im:
                issuer, used = im
                pos += used
                continue
        break
    return date, issuer, pos


def find_citations(text: str) -> list[CitationRef]:
    """Every reference to a document in ``text``, in order of appearance.

    Args:
        text: raw or normalized text; parsed after NFC (length-preserving, so spans
            index the NFC form, which equals the input for NFC input).

    Returns:
        One ``CitationRef`` per reference. The document's own number in its header
        (``Số: 04/BC-UBND``) is not a reference and is skipped.
    """
    text = normalize_for_citations(text)
    hits: list[tuple[int, int, re.Match[str] | None, str, str, str | None, int | None]] = []
    taken: list[tuple[int, int]] = []

    for m in _REF_RE.finditer(text):
        parsed = _symbol_from_match(m)
        if parsed is None:
            continue
        number, symbol, year, code = parsed
        if symbol is None and not m.group("so").strip():
            continue  # "Luật 2013" style without "số" is not a reference
        kind = _normalize_kind(m.group("kind"))
        hits.append((m.start(), _end_of_symbol(m), m, kind, number, symbol, year))
        taken.append((m.start(), _end_of_symbol(m)))
        # "số 217 và 218": a second bare number sharing the kind word
        pos = _end_of_symbol(m)
        while symbol is None:
            am = _AND_NUMBER_RE.match(text, pos)
            if not am:
                break
            hits.append((am.start("num"), am.end("num"), None, kind, am.group("num"), None, None))
            taken.append((am.start("num"), am.end("num")))
            pos = am.end()

    for m in _SYMBOL_ONLY_RE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        parsed = _symbol_from_match(m)
        if parsed is None:
            continue
        number, symbol, year, code = parsed
        if _OWN_NUMBER_RE.search(text[max(0, m.start() - 10):m.start()]):
            continue
        organ = re.split(r"[/-]", symbol)[-1]
        kind = KIND_BY_CODE.get(code or "")
        if kind is None and re.fullmatch(r"QH\d+", code or ""):
            kind = "Luật"
        if kind is None or (organ == code and not re.fullmatch(r"QH\d+", code or "")):
            continue
        hits.append((m.start(), _end_of_symbol(m), m, kind, number, symbol, year))

    hits.sort(key=lambda h: h[0])
    refs: list[CitationRef] = []
    for i, (start, end, m, kind, number, symbol, year) in enumerate(hits):
        next_start = hits[i + 1][0] if i + 1 < len(hits) else len(text)
        # a following reference's kind word begins before its number for bare refs; stop there too
        nk = re.compile(rf"(?:{_KIND_RE})\s*số").search(text, end, next_start)
        limit = nk.start() if nk else next_start
        if symbol is None and m is None:
            limit = next_start
        prov = _PROVENANCE_RE.search(text[max(0, start - 20):start])
        own_own = _OWN_NUMBER_RE.search(text[max(0, start - 10):start])
        if own_own:
            continue
        date, issuer, after = _context_issuer_date(text, end, max(limit, end))
        title = _title_after(text, after, max(limit, after), provenance=bool(prov))
        if not prov and title and limit < len(text) and re.search(r"\w\s*$", text[after:limit]) \
                and not re.search(r"(?:\bvà|\bhoặc|,)\s*$", text[after:limit]) \
                and _clean(text[after:limit]).endswith(title):
            # the clause runs on through the next reference ("về tiếp tục thực hiện Chỉ thị số 05-CT/TW …")
            title = _title_after(text, after, min(len(text), after + 600), provenance=False)
        article = effective = None
        if prov:
            article = f"Điều {prov.group('art')}"
            line_end = text.find("\n", end)
            line = text[end:line_end if line_end != -1 else len(text)]
            pm = _PROVENANCE_TAIL_RE.match(line) or _PROVENANCE_SHORT_RE.match(line)
            if pm:
                effective = _iso(pm.group("ed"), pm.group("em"), pm.group("ey"))
                if "d" in pm.groupdict() and pm.group("d"):
                    date = _iso(pm.group("d"), pm.group("m"), pm.group("y"))
                    issuer = _clean(pm.group("iss"))
                    got = _match_issuer(" của " + issuer)
                    if got and got[1] >= len(issuer):
                        issuer = got[0]
                title = _clean(pm.group("title")) or None
                if title:
                    title = re.sub(rf"^{re.escape(kind)}\s+", "", title, flags=re.I) or title
        refs.append(CitationRef(
            kind=kind, number=number, year=year, symbol=symbol, issuer=issuer, date=date, title=title,
            canonical_id=make_canonical_id(number, symbol, issuer), span=(start, end), raw=text[start:end],
            article=article, effective=effective,
        ))
    return _share_and_infer(refs, text)


def _normalize_kind(word: str) -> str:
    w = _clean(word)
    return w[0].upper() + w[1:]


def _share_and_infer(refs: list[CitationRef], text: str) -> list[CitationRef]:
    """Fill what a reference shares with its neighbour and infer missing symbols.

    * "Quyết định số 217-QĐ/TW và Quyết định số 218-QĐ/TW, ngày 12/12/2013 của Bộ Chính trị":
      the date and issuer written once after the pair belong to both.
    * A bare "Quyết định số 217" takes the symbol of the unique "217-…" of the same kind in the text.
    """
    from dataclasses import replace

    out = list(refs)
    for i in range(len(out) - 2, -1, -1):
        a, b = out[i], out[i + 1]
        between = text[a.span[1]:b.span[0]]
        if a.kind == b.kind and a.date is None and a.issuer is None and re.fullmatch(r"\s*(?:và|,)\s*(?:[\w ]*số\s*)?", between):
            out[i] = replace(a, date=b.date, issuer=b.issuer,
                             canonical_id=make_canonical_id(a.number, a.symbol, b.issuer))
    by_key: dict[tuple[str, str], set[str]] = {}
    for r in out:
        if r.symbol:
            by_key.setdefault((r.kind, r.number), set()).add(r.symbol)
    for i, r in enumerate(out):
        if r.symbol is None:
            syms = by_key.get((r.kind, r.number), set())
            if len(syms) == 1:
                sym = next(iter(syms))
                out[i] = replace(r, symbol=sym, canonical_id=make_canonical_id(r.number, sym, r.issuer))
    return out


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1


def standard_symbol_text(ref: CitationRef) -> str | None:
    """The symbol as it should be written (no stray spaces, hyphen restored)."""
    return ref.symbol_text
