"""Document metadata from the parsed blocks: kind, issuing unit and its level, parents,
reporting year, number, date, place, recipient, signer, title and trích yếu.

Commune reports rarely carry a clean header (seed 000 starts at "BÁO CÁO"; seed 004
lost the "UBND XÃ" line to the PDF extraction), so the issuing unit is found by
weighing every mention of "<cấp> <Tên>" in the text, with the header, the place line
and the "Trên đây là …" sentence counting most. Unknown fields stay None.

Example:
    >>> parse_vietnamese_date("Song Vân, ngày 11 tháng 01 năm 2024")
    '2024-01-11'
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import date

from index.schema import Block, DocumentMeta, Heading, doc_id_for
from index.structure import looks_like_person_name

logger = logging.getLogger(__name__)

KIND_BY_TITLE = {
    "BÁO CÁO": "báo cáo",
    "KẾ HOẠCH": "kế hoạch",
    "QUYẾT ĐỊNH": "quyết định",
    "LUẬT": "luật",
    "NGHỊ ĐỊNH": "nghị định",
}
GOVERNING_KINDS = frozenset({"quyết định", "luật", "nghị định", "pháp điển"})

# Units directly under the central government although called "thành phố" (Luật Tổ chức
# chính quyền địa phương): their level is that of a province.
CENTRAL_CITIES = frozenset({"Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"})

COMMUNE_LEVELS = ("xã", "phường", "thị trấn")
DISTRICT_LEVELS = ("huyện", "thị xã", "quận", "thành phố")
PROVINCE_LEVELS = ("tỉnh", "thành phố")

_LEVEL_RE = re.compile(
    r"(?<!\w)(thị trấn|thị xã|thành phố|xã|phường|huyện|quận|tỉnh)\s+(\w+(?:[ \t]+\w+){0,4})",
    re.IGNORECASE,
)
_NATIONAL_NAME_RE = re.compile(r"c[ộo]ng\s+h(?:òa|oà|oa)\s*$", re.IGNORECASE)
_UBND_BEFORE_RE = re.compile(r"(UBND|Ủy ban nhân dân|Uỷ ban nhân dân|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)\s*$", re.IGNORECASE)
_DATE_WORDS_RE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_DATE_SLASH_RE = re.compile(r"ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)
_NUMBER_RE = re.compile(r"^Số\s*:?\s*(\S.*?)(?=\s+[A-ZĐÀ-Ỹ][\w]*(?:\s+\w+)*,\s*ngày|\s*$)")
_VALID_NUMBER_RE = re.compile(r"^\d+[\w.]*/[\w.&-]+(?:-[\w.&]+)*$")
_YEAR_RE = re.compile(r"năm\s+(\d{4})")
_SIGNER_TITLE_RE = re.compile(r"^((TM|T/M|KT|TL|TUQ|Q)\.?\s+.*|(PHÓ\s+)?CHỦ TỊCH.*)$")


def parse_vietnamese_date(text: str) -> str | None:
    """ISO date from "ngày 11 tháng 01 năm 2024" or "ngày 11/01/2024" inside ``text``.

    Returns None when there is no complete date ("ngày tháng năm 2024") or it does not
    exist on the calendar.
    """
    for pattern in (_DATE_WORDS_RE, _DATE_SLASH_RE):
        m = pattern.search(text)
        if m:
            day, month, year = (int(g) for g in m.groups())
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                logger.debug("not a calendar date: %r", m.group(0))
                return None
    return None


def _name_from(words: str, caps: bool) -> str | None:
    """The proper name at the start of ``words``: capitalised words up to the first that is not."""
    name: list[str] = []
    for word in words.split():
        if not word[0].isupper() or word.isdigit():
            break
        if word.isupper() and len(word) > 1 and not caps:
            break      # an acronym (UBND, HĐND) ends a name in running text
        name.append(word.title() if caps else word)
    return " ".join(name) or None


def find_unit_mentions(text: str) -> list[tuple[str, str, bool]]:
    """Every "<cấp> <Tên>" in ``text`` as (level, name, preceded_by_UBND)."""
    found = []
    for m in _LEVEL_RE.finditer(text):
        level_word = m.group(1)
        caps = level_word.isupper()
        if not caps and level_word[0].isupper() and m.start() > 0 and text[m.start() - 1] not in " \n(":
            continue
        name = _name_from(m.group(2), caps=caps and m.group(2).isupper())
        if not name:
            continue
        if _NATIONAL_NAME_RE.search(text[max(0, m.start() - 12):m.start()]) and level_word.lower() == "xã":
            continue   # "CỘNG HÒA XÃ HỘI CHỦ NGHĨA": the country's name, on one line with the unit in a PDF header
        ubnd = bool(_UBND_BEFORE_RE.search(text[max(0, m.start() - 20):m.start()]))
        found.append((level_word.lower(), name, ubnd))
    return found


def _level_of(level_word: str, name: str) -> str:
    if level_word == "thành phố" and name in CENTRAL_CITIES:
        return "tỉnh"
    return level_word


def _header_info(blocks: tuple[Block, ...]) -> dict:
    info: dict = {}
    header_text = []
    for block in blocks:
        if block.kind != "header":
            continue
        text = block.text
        if text.startswith("Kính gửi"):
            info["recipient"] = text.split(":", 1)[-1].strip().rstrip(".").strip()
            continue
        if text.startswith("CỘNG HÒA") or text.startswith("CỘNG HOÀ") or text.startswith("Độc lập"):
            continue
        # "Số: 04/BC-UBND", or a template "Số: /BC- UBND" whose code wrapped after the hyphen
        m = re.match(r"^Số\s*:?\s*(\S*-\s+[A-ZĐ]{2,})\b", text) or re.match(r"^Số\s*:?\s*([^\s,]*)", text)
        if m:
            raw_number = re.sub(r"\s+", "", m.group(1))
            info["number_raw"] = raw_number
            if _VALID_NUMBER_RE.match(raw_number):
                info["number"] = raw_number
            text = text[m.end():].strip()
        if ", ngày" in text or parse_vietnamese_date(text):
            place = text.split(", ngày", 1)[0].strip() if ", ngày" in text else None
            if place:
                info["place_raw"] = place
                for level in sorted(COMMUNE_LEVELS + DISTRICT_LEVELS + PROVINCE_LEVELS, key=len, reverse=True):
                    if place.lower().startswith(level + " "):
                        info["place_level"] = level
                        place = place[len(level) + 1:].strip()
                        break
                info["place"] = place
            info["date"] = parse_vietnamese_date(text)
            info["date_year"] = _year_of(text)
            continue
        if text:
            header_text.append(text)
    info["header_text"] = " | ".join(header_text)
    return info


def _year_of(text: str) -> int | None:
    m = re.search(r"năm\s+(\d{4})", text)
    return int(m.group(1)) if m else None


def _choose_unit(blocks: tuple[Block, ...], info: dict) -> tuple[str | None, str | None, str | None]:
    """(level_word, name, level) of the issuing unit."""
    header_mentions = find_unit_mentions(info.get("header_text", ""))
    if header_mentions:
        level_word, name, _ = header_mentions[0]
        return level_word, name, _level_of(level_word, name)

    place = info.get("place")
    place_level = info.get("place_level")
    if place and place_level:
        return place_level, place, _level_of(place_level, place)

    scores: Counter[tuple[str, str]] = Counter()
    body_text = []
    for block in blocks:
        if block.kind == "header":
            continue
        weight = 3 if block.text.startswith("Trên đây") else 1
        for level_word, name, ubnd in find_unit_mentions(block.text):
            if level_word in COMMUNE_LEVELS:
                scores[(level_word, name)] += weight + (2 if ubnd else 0)
        body_text.append(block.text)
    if place:
        # "Song Vân là xã miền núi …": the place line names the unit, the body gives its level
        m = re.search(re.escape(place) + r"\s+là\s+(?:một\s+)?(xã|phường|thị trấn)\b", " ".join(body_text))
        if m:
            return m.group(1), place, m.group(1)
        for (level_word, name), _ in scores.most_common():
            if name == place:
                return level_word, name, level_word
    if scores:
        (level_word, name), _ = scores.most_common(1)[0]
        return level_word, name, level_word
    return None, place, None


def _parents(blocks: tuple[Block, ...], level: str | None, unit_name: str | None) -> tuple[str, ...]:
    """The most-mentioned district and province above a commune unit (only higher levels)."""
    if level is None:
        return ()
    districts: Counter[str] = Counter()
    provinces: Counter[str] = Counter()
    for block in blocks:
        for level_word, name, _ in find_unit_mentions(block.text):
            if name == unit_name:
                continue
            if level_word == "tỉnh" or (level_word == "thành phố" and name in CENTRAL_CITIES):
                provinces[f"{level_word} {name}"] += 1
            elif level_word in DISTRICT_LEVELS:
                districts[f"{level_word} {name}"] += 1
    parents: list[str] = []
    if level in COMMUNE_LEVELS and districts:
        parents.append(districts.most_common(1)[0][0])
    if level in COMMUNE_LEVELS + DISTRICT_LEVELS and level != "tỉnh" and provinces:
        parents.append(provinces.most_common(1)[0][0])
    return tuple(parents)


def _signing_title(text: str) -> list[str]:
    """All-caps runs that name the signing capacity ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH") in a
    closing line, which in two-column extractions shares the line with "Nơi nhận"."""
    runs: list[list[str]] = [[]]
    for word in text.split():
        if word in ("TM.", "T/M", "KT.", "TL.", "TUQ.", "Q.") or (word.isupper() and word.isalpha()):
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    found = []
    for run in runs:
        phrase = " ".join(run)
        # "DÂN" alone: "TM. ỦY BAN NHÂN" / "DÂN" wrapped in the Cần Thơ decision
        if phrase.startswith(("TM", "T/M", "KT", "TL", "TUQ", "Q.")) or "CHỦ TỊCH" in phrase or phrase == "DÂN":
            found.append(phrase)
    return found


def _signer(blocks: tuple[Block, ...]) -> tuple[str | None, str | None]:
    """(signer name, signing title) from the closing blocks."""
    closing = [b for b in blocks if b.kind == "closing"]
    signer = None
    titles: list[str] = []
    for block in closing:
        if block.text.startswith("Trên đây"):
            continue
        titles.extend(_signing_title(block.text))
        if looks_like_person_name(block.text) and titles:
            signer = block.text
            break
    signing_title = " ".join(titles) if titles else None
    return signer, signing_title


def extract_metadata(
    source: str,
    blocks: tuple[Block, ...],
    headings: tuple[Heading, ...],
    lines: tuple[str, ...],
) -> DocumentMeta:
    """Everything the parser can tell about the document as a whole.

    Args:
        source: corpus-relative path.
        blocks: parsed blocks (header/title/closing kinds carry most of it).
        headings: the heading tree (unused for now; kept for kinds recognised by headings).
        lines: normalized lines, for a fallback date search in the first lines.

    Returns:
        DocumentMeta with unknown fields left None.
    """
    del headings
    titles = [b for b in blocks if b.kind == "title"]
    title = titles[0].text if titles else None
    summary = titles[1].text if len(titles) > 1 and titles[1].line_start - titles[0].line_end <= 6 else None
    kind = KIND_BY_TITLE.get(title.upper(), "văn bản") if title else "văn bản"

    info = _header_info(blocks)
    if info.get("date") is None and "date_year" not in info:
        # Some extractions put the place/date line among the body lines near the top.
        for line in lines[:15]:
            if ", ngày" in line and parse_vietnamese_date(line):
                info["date"] = parse_vietnamese_date(line)
                break

    level_word, unit_name, level = _choose_unit(blocks, info)
    unit = f"UBND {level_word} {unit_name}" if level_word and unit_name else None
    parents = _parents(blocks, level, unit_name)

    year = None
    for text in (summary, title):
        if text:
            m = _YEAR_RE.search(text)
            if m:
                year = int(m.group(1))
                break
    if year is None and info.get("date"):
        year = int(info["date"][:4])
    if year is None:
        year = info.get("date_year")

    signer, signing_title = _signer(blocks)
    extra = {}
    if signing_title:
        extra["signing_title"] = signing_title
    if info.get("number_raw") and not info.get("number"):
        extra["number_raw"] = info["number_raw"]
    if level_word and level and level_word != level:
        extra["unit_type"] = level_word
    return DocumentMeta(
        doc_id=doc_id_for(source),
        source=source,
        kind=kind,
        title=title,
        summary=summary,
        unit=unit,
        unit_name=unit_name,
        unit_level=level,
        parent_units=parents,
        year=year,
        number=info.get("number"),
        date=info.get("date"),
        place=info.get("place"),
        recipient=info.get("recipient"),
        signer=signer,
        is_governing=kind in GOVERNING_KINDS,
        extra=extra,
    )
