"""Parser for Bộ Pháp điển files (``corpus/phapdien/*.md``): one unit per article.

A Pháp điển topic file gathers the articles of a law and of the decrees and
circulars that implement it, under the law's chapters. Each article
(``Điều 37.1.LQ.1. Phạm vi điều chỉnh``) is followed by its provenance line::

    (Điều 1 Luật số 35/2013/QH13 Hòa giải ở cơ sở ngày 20/06/2013 của Quốc hội,
     có hiệu lực thi hành kể từ ngày 01/01/2014 )

The files come from a web export and are damaged in ways a line-based parser
trips over, so this parser works on a stream of *pieces* instead of lines:

- article headings and chapter markers are glued to the end of the previous
  paragraph (``…đối ngoại nhân dân.Điều 35.4.LQ.4. Nguyên tắc …``,
  ``…toàn dân tộc.Chương II``);
- provenance lines and "(Điều này có nội dung liên quan đến …)" cross-references
  wrap over two lines and have the next text glued after their ``)``;
- article codes also occur *inside* those cross-references, where they are not
  headings (they are masked by tracking the parentheses across lines);
- the embedded circulars carry their own ``Mục 2.`` sub-headings, which are not
  part of the Pháp điển tree. The trailing ``## Danh sách điều khoản`` index
  lists the real chapters/sections in order, so a ``Chương``/``Mục`` in the body
  is accepted only where that index expects it (the index itself is dropped).

Example:
    >>> from index.schema import NormalizedText
    >>> text = NormalizedText("phapdien/x.md", (
    ...     "## VĂN BẢN", "Chương I", "", "NHỮNG QUY ĐỊNH CHUNG", "",
    ...     "Điều 1.1.LQ.1. Phạm vi điều chỉnh", "",
    ...     "(Điều 1 Luật số 1/2020/QH14, có hiệu lực thi hành kể từ ngày 01/01/2021)", "",
    ...     "Luật này quy định …"))
    >>> doc = parse_phapdien(text, "h")
    >>> [h.title for h in doc.headings]
    ['Chương I. NHỮNG QUY ĐỊNH CHUNG', 'Điều 1.1.LQ.1. Phạm vi điều chỉnh']
    >>> doc.provenance['Điều 1.1.LQ.1. Phạm vi điều chỉnh'].effective
    '2021-01-01'
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from index.schema import (
    Block,
    BlockKind,
    DocumentMeta,
    Heading,
    LawProvenance,
    NormalizedText,
    ParsedDocument,
    doc_id_for,
)

logger = logging.getLogger(__name__)

__all__ = ["is_phapdien", "parse_phapdien", "parse_provenance", "main_law", "TopicLaw", "ARTICLE_CODE"]

# "Điều 37.1.LQ.1." / "Điều 44.13.TT.10.16." — topic.subject.source-kind.numbers.
ARTICLE_CODE = re.compile(r"Điều (\d+\.\d+\.[A-ZĐ]{2}\.(?:\d+\.)*\d+)\.")
_LAW_KINDS = (
    "Thông tư liên tịch",
    "Nghị quyết liên tịch",
    "Thông tư",
    "Nghị quyết",
    "Nghị định",
    "Quyết định",
    "Chỉ thị",
    "Pháp lệnh",
    "Hiến pháp",
    "Luật",
)
_KIND_ALT = "|".join(re.escape(k) for k in _LAW_KINDS)
# Opening of a provenance line: "(Điều 1 Luật số …", also the damaged "Thông tư số liên tịch …".
_PROVENANCE_START = re.compile(rf"\((?:Điều|Khoản|Điểm) [^\s()]+ (?:{_KIND_ALT})(?: số)?(?: liên tịch)? ")
_PROVENANCE = re.compile(
    rf"^\((?P<article>(?:Điều|Khoản|Điểm) [^\s()]+)\s+(?P<kind>{_KIND_ALT})\s+(?:số\s+)?(?P<liên_tịch>liên tịch\s+)?"
    r"(?P<number>[^\s,()]+?),?\s+(?P<rest>.*)\)\s*$",
    re.S,
)
_EFFECTIVE = re.compile(r",?\s*có hiệu lực thi hành kể từ ngày (\d{1,2}/\d{1,2}/\d{4})")
_ISSUED = re.compile(r"^(?P<title>.*)\s+ngày (?P<date>\d{1,2}/\d{1,2}/\d{4}) của (?P<issuer>.+?)\s*$", re.S)
_AMENDED_BY = re.compile(rf"bởi ((?:Điều|Khoản|Điểm) \S+ (?:{_KIND_ALT}) số \S+)")
_REFERENCE_START = re.compile(r"\((?:Điều|Chương|Mục) này có nội dung liên quan đến")
_CHAPTER = re.compile(r"^Chương ([IVXLC]+)\b\.?\s*(.*)$")
_SECTION = re.compile(r"^Mục (\d+)\b\.?\s*(.*)$")
# "Chương II" glued to the end of the previous paragraph ("…toàn dân tộc.Chương II").
_GLUED_STRUCTURE = re.compile(r"(?<=[.;:!?”\")])(?:Chương [IVXLC]+|Mục \d+)\.?\s*$")
_BODY_START = re.compile(r"^#*\s*VĂN BẢN\s*$")
_INDEX_START = re.compile(r"^#*\s*Danh sách điều khoản\s*$")
_INFO_START = re.compile(r"^#*\s*THÔNG TIN VĂN BẢN\s*$")
_DOC_TITLE = re.compile(r"^#\s+(.+)$")
_FRONT_FIELD = re.compile(r"^([a-z_]+):\s*(.*)$")
_UNKNOWN = "Đang cập nhật"
_INFO_KEYS = ("Số hiệu", "Loại văn bản", "Nơi ban hành", "Người ký", "Ngày ban hành", "Ngày hiệu lực", "Trạng thái", "Nguồn")
_URL = re.compile(r"\((https?://[^)\s]+)\)|(https?://\S+)")


def _iso_date(value: str | None) -> str | None:
    """``20/06/2013`` → ``2013-06-20``; anything else → None."""
    if not value:
        return None
    m = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", value)
    if not m:
        return None
    day, month, year = (int(g) for g in m.groups())
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_provenance(text: str) -> LawProvenance | None:
    """Parse one provenance line (wraps already joined) into a ``LawProvenance``.

    Handles the long form (title, issue date, issuer), the short form
    ``(Điều 2 Luật số 35/2013/QH13, có hiệu lực thi hành kể từ ngày 01/01/2014)``
    and the amended form (``…, có nội dung được sửa đổi … bởi Điều 1 Luật số …``),
    where the first effective date is the article's own.

    Returns:
        None when ``text`` is not a provenance line.
    """
    flat = re.sub(r"\s+", " ", text.strip())
    m = _PROVENANCE.match(flat)
    if not m:
        return None
    kind = m.group("kind")
    if m.group("liên_tịch") and "liên tịch" not in kind:
        kind = f"{kind} liên tịch"  # "Thông tư số liên tịch 02/2002/…" (a typo in the source)
    rest = m.group("rest")
    effective_match = _EFFECTIVE.search(rest)
    effective = _iso_date(effective_match.group(1)) if effective_match else None
    head = rest[: effective_match.start()] if effective_match else rest
    title = issued = issuer = None
    issued_match = _ISSUED.match(head.strip())
    if issued_match:
        title = issued_match.group("title").strip().rstrip(".").strip() or None
        issued = _iso_date(issued_match.group("date"))
        issuer = issued_match.group("issuer").strip()
    elif head.strip():
        title = head.strip().rstrip(",.").strip() or None
    return LawProvenance(
        article=m.group("article"),
        law_kind=kind,
        law_number=m.group("number").rstrip(".,"),
        law_title=title,
        issued=issued,
        issuer=issuer,
        effective=effective,
    )


@dataclass(frozen=True)
class TopicLaw:
    """The law a Pháp điển topic is built from: the source of the topic's own (``LQ``) articles.

    A topic file consolidates one law (its articles coded ``Điều 35.4.LQ.n``) with the decrees
    and circulars that implement it (``.NĐ.``, ``.TT.`` …) and the laws that amend it (named
    only inside provenance lines, "được sửa đổi … bởi Điều 1 Luật số 97/2025/QH15"). Only the
    law that the ``LQ`` articles come from is the topic's law, so only it may take the topic title.
    """

    law_kind: str          # "Luật"
    law_number: str        # "75/2015/QH13"
    articles: int          # LQ articles whose provenance names this law
    of_articles: int       # LQ articles in the topic
    first_article: str     # heading code of the first of them: "35.4.LQ.1"


def main_law(provenance: dict[str, LawProvenance]) -> TopicLaw | None:
    """The law most of the topic's ``LQ`` articles come from, if it holds a strict majority of them.

    Args:
        provenance: article heading title → provenance (``ParsedDocument.provenance``).

    Returns:
        None when the topic has no ``LQ`` article or no law holds more than half of them.

    Example:
        >>> p = LawProvenance("Điều 1", "Luật", "75/2015/QH13", None, None, None, "2016-01-01")
        >>> main_law({"Điều 35.4.LQ.1. Phạm vi điều chỉnh": p}).law_number
        '75/2015/QH13'
    """
    own: list[tuple[str, LawProvenance]] = []
    for heading_title, p in provenance.items():
        code = ARTICLE_CODE.match(heading_title)
        if code and code.group(1).split(".")[2] == "LQ":
            own.append((code.group(1), p))
    if not own:
        return None
    counts: dict[str, int] = {}
    for _, p in own:
        counts[p.law_number] = counts.get(p.law_number, 0) + 1
    number = max(counts, key=lambda n: counts[n])
    if 2 * counts[number] <= len(own):
        logger.debug("no law holds a majority of the LQ articles: %s", counts)
        return None
    first_code, first = next((c, p) for c, p in own if p.law_number == number)
    return TopicLaw(first.law_kind, number, counts[number], len(own), first_code)


def amended_by(text: str) -> str | None:
    """"Điều 1 Luật số 97/2025/QH15" when the provenance says the article was amended/repealed by it."""
    m = _AMENDED_BY.search(re.sub(r"\s+", " ", text))
    return m.group(1) if m else None


def is_phapdien(normalized: NormalizedText) -> bool:
    """True when the text is a Pháp điển topic file.

    Both markers must be present: an article heading with a Pháp điển code at the
    start of a line, and a provenance line — a combination no report or decision has.
    """
    has_article = False
    has_provenance = False
    for line in normalized.lines:
        stripped = line.strip()
        if not has_article and ARTICLE_CODE.match(stripped):
            has_article = True
        elif not has_provenance and _PROVENANCE_START.match(stripped):
            has_provenance = True
        if has_article and has_provenance:
            return True
    return False


# --- stage 1: cut the body into pieces ------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """A run of text on one original line: plain text, a provenance or a cross-reference."""

    line: int            # original 1-based line
    kind: str            # "text" | "prov" | "ref"
    text: str
    line_start: bool     # begins its line (nothing but spaces before it)
    closed: bool = True  # for "prov"/"ref": the parenthesis closed on this line


def _closing_index(text: str, start: int, depth: int) -> tuple[int | None, int]:
    """Scan for the ``)`` that brings ``depth`` back to 0; (index or None, remaining depth)."""
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i, 0
    return None, depth


def _cut_points(text: str, start: int) -> int | None:
    """Earliest place after ``start`` where a new piece begins (heading, reference, glued chapter)."""
    candidates = []
    for pattern in (ARTICLE_CODE, _REFERENCE_START):
        m = pattern.search(text, start + 1)
        if m:
            candidates.append(m.start())
    m = _GLUED_STRUCTURE.search(text, start + 1)
    if m:
        candidates.append(m.start())
    return min(candidates) if candidates else None


def _pieces(lines: list[tuple[int, str]]) -> list[_Piece]:
    """Cut body lines into pieces, tracking open parentheses of provenances and references across lines."""
    pieces: list[_Piece] = []
    open_kind: str | None = None
    depth = 0
    for lineno, raw in lines:
        text = raw.strip()
        pos = 0
        while pos < len(text):
            at_start = pos == 0
            if open_kind is not None:
                end, depth = _closing_index(text, pos, depth)
                stop = len(text) if end is None else end + 1
                pieces.append(_Piece(lineno, open_kind, text[pos:stop].strip(), at_start, end is not None))
                if end is not None:
                    open_kind = None
                pos = stop
                while pos < len(text) and text[pos] == " ":
                    pos += 1
                continue
            rest = text[pos:]
            if _REFERENCE_START.match(rest) or (at_start and _PROVENANCE_START.match(rest)):
                open_kind = "ref" if _REFERENCE_START.match(rest) else "prov"
                depth = 0
                continue  # the open-span branch consumes it
            cut = _cut_points(text, pos)
            stop = len(text) if cut is None else cut
            chunk = text[pos:stop].strip()
            if chunk:
                pieces.append(_Piece(lineno, "text", chunk, at_start))
            pos = stop
    return pieces


# --- stage 2: the structure index at the end of the file ---------------------------------


def _structure_index(lines: list[tuple[int, str]]) -> list[tuple[str, str, str]]:
    """Ordered (kind, number, title) of chapters and sections listed in ``Danh sách điều khoản``."""
    entries = []
    for _, raw in lines:
        text = raw.strip()
        m = _CHAPTER.match(text)
        if m and m.group(2):
            entries.append(("chương", m.group(1), m.group(2).strip()))
            continue
        m = _SECTION.match(text)
        if m and m.group(2):
            entries.append(("mục", m.group(1), m.group(2).strip()))
    return entries


def _is_upper_title(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(not c.islower() for c in letters)


# --- stage 3: front matter and the information table -------------------------------------


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    """YAML-ish ``key: value`` pairs between leading ``---`` lines; (fields, index after)."""
    fields: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            text = lines[i].strip()
            if text == "---":
                return fields, i + 1
            key, sep, value = text.partition(":")
            if sep:
                fields[key.strip()] = value.strip()
        return {}, 0
    # The normalizer may have blanked the "---" fences as Markdown rule debris:
    # then the front matter is the leading run of "key: value" lines.
    end = 0
    for i, line in enumerate(lines):
        text = line.strip()
        m = _FRONT_FIELD.match(text)
        if m:
            fields[m.group(1)] = m.group(2).strip()
            end = i + 1
        elif text:
            break
    return (fields, end) if "title" in fields else ({}, 0)


def _info_row(text: str) -> tuple[str, str] | None:
    """``| **Số hiệu** | 35/2013/QH13 |`` (or the same with Markdown stripped) → (key, value)."""
    cleaned = text.replace("**", "").strip().strip("|").strip()
    for key in _INFO_KEYS:
        if cleaned.startswith(key):
            value = cleaned[len(key):].strip()
            value = value.lstrip("|:\t -").strip()
            return key, value
    return None


# --- the parser ----------------------------------------------------------------------------


class _Builder:
    """Accumulates blocks, headings and provenance while walking the pieces."""

    def __init__(self, structure: list[tuple[str, str, str]]):
        self.structure = structure
        self.next_struct = 0
        self.blocks: list[Block] = []
        self.headings: list[Heading] = []
        self.provenance: dict[str, LawProvenance] = {}
        self.provenance_text: dict[str, str] = {}
        self.chapter: Heading | None = None
        self.section: Heading | None = None
        self.article: Heading | None = None

    # the path of the innermost open heading
    def path(self) -> tuple[str, ...]:
        for heading in (self.article, self.section, self.chapter):
            if heading is not None:
                return heading.path
        return ()

    def add_block(self, kind: BlockKind, text: str, line_start: int, line_end: int) -> None:
        text = re.sub(r"\s+", " ", text).strip()
        if text:
            self.blocks.append(Block(kind, text, self.path(), line_start, line_end))

    def accept_structure(self, kind: str, number: str) -> str | None:
        """Title from the index when (kind, number) is where the index expects it; "" without an index."""
        if not self.structure:
            return ""
        if kind == "mục":
            if self.next_struct < len(self.structure) and self.structure[self.next_struct][:2] == (kind, number):
                self.next_struct += 1
                return self.structure[self.next_struct - 1][2]
            return None
        for i in range(self.next_struct, len(self.structure)):
            if self.structure[i][:2] == (kind, number):
                self.next_struct = i + 1
                return self.structure[i][2]
        return None

    def open_structure(self, kind: str, number: str, title: str, line_start: int, line_end: int) -> None:
        label = "Chương" if kind == "chương" else "Mục"
        full = f"{label} {number}. {title}" if title else f"{label} {number}"
        if kind == "chương":
            parent: tuple[str, ...] = ()
            level = 1
        else:
            parent = self.chapter.path if self.chapter else ()
            level = len(parent) + 1
        heading = Heading(number, full, level, parent + (full,), line_start, line_end)
        if kind == "chương":
            self.chapter, self.section = heading, None
        else:
            self.section = heading
        self.article = None
        self.headings.append(heading)
        self.add_block("heading", full, line_start, line_end)

    def extend_structure(self, extra_title: str, line_end: int) -> None:
        """Append a wrapped uppercase title line to the heading just opened (body title, no index)."""
        current = self.section if self.section is not None else self.chapter
        assert current is not None
        old = current
        title = f"{old.title}. {extra_title}" if old.title.endswith(old.number) else f"{old.title} {extra_title}"
        new = replace(old, title=title, path=old.path[:-1] + (title,), line_end=line_end)
        self.headings[self.headings.index(old)] = new
        if old is self.section:
            self.section = new
        else:
            self.chapter = new
        last = self.blocks[-1]
        self.blocks[-1] = replace(last, text=title, section_path=new.path, line_end=line_end)

    def set_structure_end(self, line_end: int) -> None:
        """Stretch the open chapter/section heading over its (index-titled) body title lines."""
        current = self.section if self.section is not None else self.chapter
        if current is None or line_end <= current.line_end:
            return
        new = replace(current, line_end=line_end)
        self.headings[self.headings.index(current)] = new
        if current is self.section:
            self.section = new
        else:
            self.chapter = new
        self.blocks[-1] = replace(self.blocks[-1], line_end=line_end)

    def open_article(self, code: str, text: str, line: int) -> None:
        parent = self.path() if self.article is None else self.article.path[:-1]
        title = text.strip()
        heading = Heading(code, title, len(parent) + 1, parent + (title,), line, line)
        self.article = heading
        self.headings.append(heading)
        self.add_block("heading", title, line, line)


def parse_phapdien(normalized: NormalizedText, content_hash: str) -> ParsedDocument:
    """Parse a Pháp điển topic file into one heading per article, with provenance.

    Args:
        normalized: the file's normalized, line-preserving text.
        content_hash: sha256 of the raw file (kept on the document).

    Returns:
        A ``ParsedDocument``: headings ``Chương`` (level 1) > ``Mục`` (level 2, when
        present) > article; each article's heading block, its ``provenance`` block and
        its paragraphs (cross-reference notes included); ``provenance`` maps each
        article heading title to its parsed ``LawProvenance``.

    Raises:
        ValueError: when the text holds no article at all (not a Pháp điển file).
    """
    lines = list(normalized.lines)
    front, after_front = _front_matter(lines)

    body_start = next((i for i, l in enumerate(lines) if _BODY_START.match(l.strip())), None)
    index_start = next((i for i, l in enumerate(lines) if _INDEX_START.match(l.strip())), len(lines))
    if body_start is None:
        # No "## VĂN BẢN" marker: the body starts at the first chapter or article line.
        body_start = next(
            (i - 1 for i, l in enumerate(lines[:index_start]) if _CHAPTER.match(l.strip()) or ARTICLE_CODE.match(l.strip())),
            after_front,
        )
    structure = _structure_index(list(enumerate(lines[index_start:], start=index_start + 1)))

    builder = _Builder(structure)

    # Information table and note, between the front matter and the body.
    info: dict[str, Any] = {}
    info_lines: list[int] = []
    note = None
    for i in range(after_front, body_start):
        text = lines[i].strip()
        row = _info_row(text)
        if row:
            key, value = row
            info_lines.append(i + 1)
            if key == "Nguồn":
                urls = [a or b for a, b in _URL.findall(value)]
                if urls:
                    info[key] = urls
            elif value and value != _UNKNOWN:
                info[key] = value
        elif text.startswith(">"):
            note = text.lstrip("> ").strip() or None
            info_lines.append(i + 1)

    title = front.get("title")
    # Title block: "# Hòa giải ở cơ sở" right after the body marker.
    body_lines: list[tuple[int, str]] = []
    for i in range(body_start + 1, index_start):
        text = lines[i].strip()
        m = _DOC_TITLE.match(text)
        if m and not any(l.strip() for _, l in body_lines) and not any(b.kind == "title" for b in builder.blocks):
            title = title or m.group(1).strip()
            builder.add_block("title", m.group(1), i + 1, i + 1)
            continue
        body_lines.append((i + 1, lines[i]))
    if info_lines:
        fields = [f"{k}: {v}" for k, v in info.items() if k != "Nguồn"]
        header_text = ". ".join(([title] if title else []) + fields + ([note] if note else []))
        if fields or note:
            builder.blocks.insert(0, Block("header", header_text, (), min(info_lines), max(info_lines)))

    _walk(builder, _pieces(body_lines))

    if not any(h for h in builder.headings if ARTICLE_CODE.match(h.title)):
        raise ValueError(f"{normalized.source}: no Pháp điển article (Điều xx.yy.LQ.n.) found")

    provenance = _fill_short_forms(builder.provenance)
    meta = _document_meta(normalized.source, title, front, info, note, provenance, builder.provenance_text)
    logger.debug(
        "%s: %d articles, %d blocks, %d provenance lines",
        normalized.source, sum(1 for h in builder.headings if ARTICLE_CODE.match(h.title)),
        len(builder.blocks), len(provenance),
    )
    return ParsedDocument(
        meta=meta,
        blocks=tuple(builder.blocks),
        headings=tuple(builder.headings),
        content_hash=content_hash,
        provenance=provenance,
    )


def _walk(builder: _Builder, pieces: list[_Piece]) -> None:
    """Turn pieces into headings and blocks (the state machine of the parser)."""
    paragraph: list[_Piece] = []
    span: list[_Piece] = []          # an open provenance/reference spanning lines
    title_open = False               # a Chương/Mục just opened; uppercase lines may follow as its title
    title_from_body = False          # the title is built from the body (no index entry)

    def flush_paragraph() -> None:
        if paragraph:
            builder.add_block("paragraph", " ".join(p.text for p in paragraph), paragraph[0].line, paragraph[-1].line)
            paragraph.clear()

    def flush_span() -> None:
        if not span:
            return
        text = " ".join(p.text for p in span)
        first, last = span[0].line, span[-1].line
        if span[0].kind == "prov":
            builder.add_block("provenance", text, first, last)
            parsed = parse_provenance(text)
            article = builder.article
            if parsed is None:
                logger.warning("line %d: provenance not understood: %.120s", first, text)
            elif article is not None and article.title not in builder.provenance:
                builder.provenance[article.title] = parsed
                builder.provenance_text[article.title] = text
        else:
            builder.add_block("paragraph", text, first, last)
        span.clear()

    for piece in pieces:
        if piece.kind in ("prov", "ref"):
            title_open = False
            if not span:
                flush_paragraph()
            span.append(piece)
            if piece.closed:
                flush_span()
            continue
        flush_span()

        text = piece.text
        code = ARTICLE_CODE.match(text)
        structure = _CHAPTER.match(text) or _SECTION.match(text)
        if code:
            flush_paragraph()
            title_open = False
            builder.open_article(code.group(1), text, piece.line)
        elif structure and (not structure.group(2) or _is_upper_title(structure.group(2))):
            kind = "chương" if text.startswith("Chương") else "mục"
            index_title = builder.accept_structure(kind, structure.group(1))
            if index_title is None:
                # Not in the Pháp điển tree (a circular's own "Mục 2."): plain text.
                title_open = False
                _add_text(paragraph, piece, flush_paragraph)
                continue
            flush_paragraph()
            body_title = structure.group(2).strip()
            builder.open_structure(kind, structure.group(1), index_title or body_title, piece.line, piece.line)
            title_open = True
            title_from_body = not index_title and not body_title
        elif title_open and _is_upper_title(text):
            if title_from_body:
                builder.extend_structure(text, piece.line)
            else:
                builder.set_structure_end(piece.line)
        else:
            title_open = False
            _add_text(paragraph, piece, flush_paragraph)
    flush_span()
    flush_paragraph()


def _add_text(paragraph: list[_Piece], piece: _Piece, flush_paragraph) -> None:
    """Append a text piece; a hard-wrapped paragraph continues on the very next line only."""
    if paragraph and not (piece.line_start and piece.line == paragraph[-1].line + 1):
        flush_paragraph()
    paragraph.append(piece)


def _fill_short_forms(provenance: dict[str, LawProvenance]) -> dict[str, LawProvenance]:
    """Give short-form provenances the title/issue date/issuer stated elsewhere for the same law."""
    known: dict[str, LawProvenance] = {}
    for p in provenance.values():
        if p.law_title and p.issued and p.law_number not in known:
            known[p.law_number] = p
    filled = {}
    for key, p in provenance.items():
        full = known.get(p.law_number)
        if full is not None and (p.law_title is None or p.issued is None or p.issuer is None):
            p = replace(
                p,
                law_title=p.law_title or full.law_title,
                issued=p.issued or full.issued,
                issuer=p.issuer or full.issuer,
            )
        filled[key] = p
    return filled


def _document_meta(
    source: str,
    title: str | None,
    front: dict[str, str],
    info: dict[str, Any],
    note: str | None,
    provenance: dict[str, LawProvenance],
    provenance_text: dict[str, str],
) -> DocumentMeta:
    """Document-level metadata: the main law is the one of the ``.LQ.`` articles (else the first)."""
    topic_law = main_law(provenance)
    main: LawProvenance | None = None
    if topic_law is not None:
        main = next(p for p in provenance.values() if p.law_number == topic_law.law_number)
    if main is None and provenance:
        main = next(iter(provenance.values()))

    laws: dict[str, dict[str, Any]] = {}
    for heading_title, p in provenance.items():
        entry = laws.setdefault(
            p.law_number,
            {"number": p.law_number, "kind": p.law_kind, "title": p.law_title, "issued": p.issued,
             "issuer": p.issuer, "effective": p.effective, "articles": 0},
        )
        entry["articles"] += 1
        changed_by = amended_by(provenance_text.get(heading_title, ""))
        if changed_by:
            entry.setdefault("amended_by", [])
            if changed_by not in entry["amended_by"]:
                entry["amended_by"].append(changed_by)

    extra: dict[str, Any] = dict(info)
    for key in ("permalink", "lastedit"):
        if key in front:
            extra[key] = front[key]
    extra["laws"] = list(laws.values())

    number = info.get("Số hiệu") or (main.law_number if main else None)
    date = _iso_date(info.get("Ngày ban hành")) or (main.issued if main else None)
    unit = info.get("Nơi ban hành") or (main.issuer if main else None)
    return DocumentMeta(
        doc_id=doc_id_for(source),
        source=source,
        kind="pháp điển",
        title=title,
        summary=note,
        unit=unit,
        unit_level="trung ương",
        number=number,
        date=date,
        signer=info.get("Người ký"),
        is_governing=True,
        extra=extra,
    )
