"""Parse the structure of a report, plan or decision: header, title, heading tree, body, closing.

The seeds are text extracted from PDF/DOCX: sentences are hard-wrapped, sometimes
with blank lines *inside* a sentence, document numbers are split across lines, and
the heading numbering (``I.``/``II -``/``1.``/``2.1.``/``a)``, Markdown ``##``) is the
only reliable cue for the outline. This module rejoins lines into blocks, decides
which numbered lines are headings and which are numbered list items, and builds the
heading tree from the *numbering scheme* (never from the Markdown hash count).

Pháp điển files are handed to :func:`index.phapdien.parse_phapdien`.

Example:
    >>> from index.schema import NormalizedText
    >>> doc = parse_document(NormalizedText("x.txt", ("BÁO CÁO", "I. TÌNH HÌNH", "Nội dung.")), "h")
    >>> [h.title for h in doc.headings]
    ['I. TÌNH HÌNH']
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from index.schema import Block, Heading, NormalizedText, ParsedDocument

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- line level

TITLE_WORDS = (
    "BÁO CÁO", "KẾ HOẠCH", "QUYẾT ĐỊNH", "TỜ TRÌNH", "THÔNG BÁO", "CHƯƠNG TRÌNH",
    "NGHỊ QUYẾT", "CÔNG VĂN", "HƯỚNG DẪN", "QUY CHẾ", "QUY ĐỊNH", "BIÊN BẢN", "KẾT LUẬN",
    "CHỈ THỊ", "NGHỊ ĐỊNH", "LUẬT", "THÔNG TƯ",
)
# All-caps lines that open an attachment after the signature ("QUY ĐỊNH … kèm theo Quyết định").
ATTACHMENT_WORDS = ("QUY ĐỊNH", "QUY CHẾ", "PHỤ LỤC", "HƯỚNG DẪN", "ĐIỀU LỆ")

_ROMAN_RE = re.compile(r"^([IVXL]{1,5})\s*[.\-–:)]\s*(\S.*)$")
_ARABIC_MULTI_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(\S.*)$")
_ARABIC_RE = re.compile(r"^(\d{1,2})\s*[.)]\s+(\S.*)$")
_LETTER_RE = re.compile(r"^([a-zđ])\)\s+(\S.*)$")
_CHUONG_RE = re.compile(r"^(Chương|CHƯƠNG)\s+([IVXL]+|\d+)\b\.?\s*(.*)$")
_CHUONG_ALONE_RE = re.compile(r"^(Chương|CHƯƠNG)$")
_ROMAN_ALONE_RE = re.compile(r"^[IVXL]{1,5}$")
_MUC_RE = re.compile(r"^(Mục|MỤC)\s+(\d+)\b\.?\s*(.*)$")
_DIEU_RE = re.compile(r"^Điều\s+(\d+)\s*\.\s*(.*)$")
_BULLET_RE = re.compile(r"^([-+•–])\s*(\S.*)$")
_MD_RE = re.compile(r"^(#{1,6})\s*(.*)$")
_CLOSING_START_RE = re.compile(
    r"^(Trên đây là|Nơi nhận|(TM|T/M|KT|TL|TUQ|Q)\.?\s+[A-ZĐỦỶ]|(PHÓ\s+)?CHỦ TỊCH$)"
)
_SIGNATURE_RE = re.compile(r"^((TM|T/M|KT|TL|TUQ|Q)\.?\s+\S|(PHÓ\s+)?CHỦ TỊCH\b)")
_DEBRIS_RE = re.compile(r"^[|\-=_:\s]*$")
_EMPHASIS_RE = re.compile(r"\*+|(?<!\w)_{1,3}|_{1,3}(?!\w)")

SENTENCE_END = (".", "!", "?", "…", ":")
# A paragraph that ends with one of these words continues on the next line even if that
# line looks like a marker ("… theo Nghị định số" / "04/2015/NĐ-CP").
_DANGLING_WORDS = ("số", "khoản", "điểm")

# Rank of each numbering scheme in the outline: a heading closes every open heading
# of equal or higher rank, so levels follow the numbering whatever the "#" count says.
RANK = {
    "attachment": 0,
    "chuong": 1,
    "muc": 2,
    "dieu": 3,
    "roman": 4,
    "caps": 4,      # unnumbered all-caps heading: a top-level section
    "arabic": 5,
    "plain": 5,     # unnumbered mixed-case heading: sits where a "1." would
    "arabic2": 6,
    "arabic3": 7,
    "arabic4": 8,
    "letter": 9,
}


def clean_line(line: str) -> str:
    """Line text for classification and block text: no emphasis, no debris, single spaces."""
    if _DEBRIS_RE.match(line):
        return ""
    text = _EMPHASIS_RE.sub("", line)
    text = " ".join(text.split())
    if _DEBRIS_RE.match(text):
        return ""
    return text


def is_all_caps(text: str) -> bool:
    """True when every letter is upper case and there are at least three letters."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def starts_lower(text: str) -> bool:
    """True when the first letter-or-digit character is a lower-case letter."""
    for char in text:
        if char.isalnum():
            return char.islower()
    return False


def first_alpha_upper(text: str) -> bool:
    for char in text:
        if char.isalpha():
            return char.isupper()
    return False


@dataclass(frozen=True)
class NumberedLine:
    """What a line's leading numbering says: scheme, number and the rest of the text."""

    scheme: str
    number: str
    rest: str


def classify_numbering(text: str) -> NumberedLine | None:
    """Recognise the outline numbering at the start of a cleaned line, if any.

    Returns None for ordinary text. ``rest`` is the text after the number.
    """
    m = _CHUONG_RE.match(text)
    if m:
        return NumberedLine("chuong", m.group(2), m.group(3))
    m = _MUC_RE.match(text)
    if m:
        return NumberedLine("muc", m.group(2), m.group(3))
    m = _DIEU_RE.match(text)
    if m:
        return NumberedLine("dieu", m.group(1), m.group(2))
    m = _ROMAN_RE.match(text)
    if m and _valid_roman(m.group(1)) and first_alpha_upper(m.group(2)):
        return NumberedLine("roman", m.group(1), m.group(2))
    m = _ARABIC_MULTI_RE.match(text)
    if m and m.group(2)[0].isalpha():
        depth = m.group(1).count(".") + 1
        return NumberedLine(f"arabic{min(depth, 4)}", m.group(1), m.group(2))
    m = _ARABIC_RE.match(text)
    if m and (m.group(2)[0].isalpha() or m.group(2)[0] in "“\"("):
        return NumberedLine("arabic", m.group(1), m.group(2))
    m = _LETTER_RE.match(text)
    if m:
        return NumberedLine("letter", m.group(1), m.group(2))
    return None


def _valid_roman(numeral: str) -> bool:
    """Roman numerals I–XX, so "CỘNG"/"C Ỉ" fragments never read as numbers."""
    valid = {
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV",
        "XV", "XVI", "XVII", "XVIII", "XIX", "XX",
    }
    return numeral in valid


def is_bullet(text: str) -> bool:
    """A bullet item: ``-``/``+``/``•`` followed by text that starts a sentence."""
    m = _BULLET_RE.match(text)
    if not m:
        return False
    rest = m.group(2)
    return not starts_lower(rest)


def is_title_line(text: str) -> bool:
    return text.rstrip(" .").upper() == text.rstrip(" .") and text.strip(" .") in TITLE_WORDS


# --------------------------------------------------------------------------- blocks in the making


@dataclass
class _Draft:
    """A block being assembled from consecutive lines."""

    kind: str                      # header/title/paragraph/bullet/closing/candidate/heading
    lines: list[int] = field(default_factory=list)   # 0-based line indexes
    parts: list[str] = field(default_factory=list)   # cleaned line texts
    numbering: NumberedLine | None = None
    md_level: int = 0
    heading_scheme: str = ""       # set when the block is (or may be) a heading
    joined: str = ""

    def add(self, index: int, text: str, glue: str = " ") -> None:
        if self.parts and glue == "":
            self.parts[-1] = self.parts[-1] + text
        else:
            self.parts.append(text)
        self.lines.append(index)

    @property
    def text(self) -> str:
        return " ".join(p for p in self.parts if p)

    @property
    def last(self) -> str:
        return self.parts[-1] if self.parts else ""


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip()
    return stripped.endswith(SENTENCE_END) or stripped.endswith("./.")


def _glue(raw_prev: str, prev_clean: str, next_clean: str) -> str:
    """How two wrapped lines join: a hyphen at the very end ("PL-" / "UBTVQH11") joins tight."""
    if (
        prev_clean.endswith("-")
        and len(prev_clean) >= 2
        and not prev_clean[-2].isspace()
        and not raw_prev.endswith((" ", "\t"))
        and next_clean[:1].isalnum()
    ):
        return ""
    return " "


# --------------------------------------------------------------------------- the parser


class StructureParser:
    """Turns normalized lines into blocks and a heading tree.

    One verb: :meth:`parse`. The margin width and spacing style are measured per call.

    Example:
        >>> blocks, headings = StructureParser().parse(("I. MỤC ĐÍCH", "Nội dung."))
        >>> headings[0].title, blocks[1].section_path
        ('I. MỤC ĐÍCH', ('I. MỤC ĐÍCH',))
    """

    def parse(self, lines: tuple[str, ...] | list[str]) -> tuple[tuple[Block, ...], tuple[Heading, ...]]:
        raw = list(lines)
        clean = [clean_line(line) for line in raw]
        self._full_width = _full_width(clean)
        self._blank_is_break = _blank_is_break(clean)
        drafts = self._segment(raw, clean)
        self._decide_numbered(drafts)
        return self._build(drafts)

    # ---- segmentation --------------------------------------------------------------

    def _segment(self, raw: list[str], clean: list[str]) -> list[_Draft]:
        drafts: list[_Draft] = []
        title_index = self._find_title(clean)
        start = 0
        if title_index is not None:
            drafts.extend(self._header_blocks(clean, 0, title_index))
            drafts.append(_Draft("title", [title_index], [_strip_md(clean[title_index])]))
            start = self._summary(clean, title_index + 1, drafts)
        drafts.extend(self._body(raw, clean, start))
        return drafts

    @staticmethod
    def _find_title(clean: list[str]) -> int | None:
        seen = 0
        for index, text in enumerate(clean):
            if not text:
                continue
            seen += 1
            if is_title_line(_strip_md(text)):
                return index
            if seen > 40:
                break
        return None

    @staticmethod
    def _header_blocks(clean: list[str], start: int, end: int) -> list[_Draft]:
        """Header lines before the title; a line joins the previous one when it carries on
        without a blank line (a wrapped quốc hiệu or date line)."""
        drafts: list[_Draft] = []
        previous_blank = True
        for index in range(start, end):
            text = _strip_md(clean[index])
            if not text:
                previous_blank = True
                continue
            current = drafts[-1] if drafts else None
            if (
                current is not None
                and not previous_blank
                and (starts_lower(text) or (is_all_caps(current.last) and is_all_caps(text)))
            ):
                current.add(index, text)
            else:
                drafts.append(_Draft("header", [index], [text]))
            previous_blank = False
        return drafts

    @staticmethod
    def _summary(clean: list[str], start: int, drafts: list[_Draft]) -> int:
        """Trích yếu after the title: the first text lines, carried across a blank line only
        when the next line starts in lower case. Returns the first line of the body."""
        index = start
        n = len(clean)
        while index < n and not clean[index]:
            index += 1
        if index >= n:
            return index
        first = _strip_md(clean[index])
        if classify_numbering(first) or first.startswith(("Kính gửi", "Căn cứ")) or is_bullet(first):
            return index
        summary = _Draft("title", [index], [first])
        index += 1
        blank = False
        while index < n:
            text = _strip_md(clean[index])
            if not text:
                blank = True
                index += 1
                continue
            if classify_numbering(text) or is_bullet(text):
                break
            if blank and not starts_lower(text):
                break
            if not blank and _ends_sentence(summary.last) and not starts_lower(text):
                break
            summary.add(index, text)
            blank = False
            index += 1
        drafts.append(summary)
        return summary.lines[-1] + 1

    def _body(self, raw: list[str], clean: list[str], start: int) -> list[_Draft]:
        drafts: list[_Draft] = []
        current: _Draft | None = None
        blank_before = False
        in_closing = False
        signed = False
        after_header = True   # Kính gửi / issuing authority lines right after the trích yếu

        def flush() -> None:
            nonlocal current
            if current is not None and current.parts:
                drafts.append(current)
            current = None

        index = start
        n = len(clean)
        while index < n:
            text = clean[index]
            if not text:
                blank_before = True
                index += 1
                continue
            md = _MD_RE.match(text)
            md_level = len(md.group(1)) if md else 0
            body = md.group(2).strip() if md else text
            if not body:
                index += 1
                continue

            # -- front matter that follows the title (001: Kính gửi; decisions: issuing body)
            if after_header and body.startswith("Kính gửi"):
                flush()
                drafts.append(_Draft("header", [index], [body]))
                index += 1
                blank_before = False
                continue
            if after_header and is_all_caps(body) and body.startswith(("ỦY BAN", "UỶ BAN", "UBND", "HỘI ĐỒNG")):
                flush()
                drafts.append(_Draft("header", [index], [body]))
                index += 1
                blank_before = False
                continue
            if body.rstrip(":") in ("QUYẾT ĐỊNH", "QUYẾT NGHỊ") and body.endswith(":"):
                flush()
                drafts.append(_Draft("title", [index], [body]))
                index += 1
                blank_before = False
                continue

            numbering = classify_numbering(body)
            bullet = is_bullet(body)
            closing_start = bool(_CLOSING_START_RE.match(body))

            # -- an attachment after the signature ("QUY ĐỊNH" + its trích yếu)
            if signed and body.strip(" .") in ATTACHMENT_WORDS:
                flush()
                in_closing = False
                signed = False
                heading = _Draft("heading", [index], [body], md_level=md_level, heading_scheme="attachment")
                drafts.append(heading)
                index = self._summary(clean, index + 1, drafts)
                blank_before = False
                continue

            if closing_start and not in_closing:
                in_closing = True
            if in_closing:
                after_header = False
                if (
                    current is not None
                    and current.kind == "closing"
                    and not bullet
                    and not _CLOSING_START_RE.match(body)
                    and (starts_lower(body) or (current.text.startswith("Trên đây") and not _ends_sentence(current.last)))
                ):
                    current.add(index, body)
                else:
                    flush()
                    current = _Draft("closing", [index], [body])
                    if looks_like_person_name(body) and any(
                        _SIGNATURE_RE.match(d.text) or "CHỦ TỊCH" in d.text for d in drafts[-4:]
                    ):
                        signed = True
                index += 1
                blank_before = False
                continue

            if current is not None and self._continues(current, raw, index, body, numbering, bullet, md_level, blank_before):
                glue = _glue(raw[current.lines[-1]].rstrip("\n"), current.last, body)
                current.add(index, body, glue)
                index += 1
                blank_before = False
                continue

            flush()
            after_header = False
            if md_level or numbering:
                current = _Draft("candidate", [index], [body], numbering=numbering, md_level=md_level)
                if numbering and numbering.scheme == "chuong" and not numbering.rest:
                    index = self._chapter_title(clean, index, current)
            elif _CHUONG_ALONE_RE.match(body) and index + 1 < n and _ROMAN_ALONE_RE.match(clean[index + 1]):
                # "Chương" / "III" split across lines
                current = _Draft(
                    "candidate", [index, index + 1], [f"{body} {clean[index + 1]}"],
                    numbering=NumberedLine("chuong", clean[index + 1], ""),
                )
                index = self._chapter_title(clean, index + 1, current)
            elif bullet:
                current = _Draft("bullet", [index], [body])
            else:
                current = _Draft("paragraph", [index], [body])
            index += 1
            blank_before = False
        flush()
        return drafts

    @staticmethod
    def _chapter_title(clean: list[str], index: int, chapter: _Draft) -> int:
        """"Chương I" is followed (after a blank line) by its all-caps title."""
        look = index + 1
        while look < len(clean) and not clean[look]:
            look += 1
        parts: list[str] = []
        while look < len(clean) and clean[look] and is_all_caps(clean[look]) and not classify_numbering(clean[look]):
            parts.append(clean[look])
            chapter.lines.append(look)
            look += 1
        if parts:
            chapter.parts[0] = f"{chapter.parts[0]}. {' '.join(parts)}"
            return look - 1
        return index

    def _continues(
        self,
        current: _Draft,
        raw: list[str],
        index: int,
        body: str,
        numbering: NumberedLine | None,
        bullet: bool,
        md_level: int,
        blank_before: bool,
    ) -> bool:
        """Does this line carry on the block being built (a hard wrap), or start a new one?"""
        prev = current.last
        if md_level:
            return False
        if current.kind == "candidate" and current.md_level:
            return False     # a Markdown heading is one line
        if numbering or bullet:
            dangling = prev.rsplit(" ", 1)[-1] in _DANGLING_WORDS
            return dangling and not blank_before and current.kind in ("paragraph", "bullet")
        if _CLOSING_START_RE.match(body):
            return False
        if prev.endswith("-") and not prev.endswith(" -") and not _ends_sentence(prev):
            return True      # "Pháp lệnh số 34/2007/PL-" / "UBTVQH11"
        if current.kind == "candidate":
            return self._heading_continues(current, body, blank_before)
        # paragraph / bullet
        if starts_lower(body):
            return True
        if body.startswith(("Căn cứ", "Theo đề nghị", "Xét đề nghị")):
            return False     # each legal basis of a decision is its own paragraph
        if blank_before and prev.endswith(";") and self._blank_is_break:
            return False
        if _ends_sentence(prev):
            # Without a blank line the sentence after a full stop is the same paragraph, in
            # documents where blank lines mark paragraphs (000, 002); in double-spaced ones
            # (003, 004) a blank line says nothing, so the full stop decides.
            if blank_before:
                return False
            return self._blank_is_break or (prev.endswith(":") and current.kind == "paragraph")
        return True

    def _heading_continues(self, current: _Draft, body: str, blank_before: bool) -> bool:
        """A numbered line's own wrapped continuation joins it; the body after it does not.

        The cues, in order: an article (``Điều``) runs to the blank line; after a full stop
        only a line that ran to the right margin goes on; a lower-case start is a wrap; an
        all-caps heading continues in capitals; a line that reached the right margin wraps;
        a short last line ending the sentence ("Đảng và xây dựng chính quyền.") belongs to it.
        """
        prev = current.last
        scheme = current.numbering.scheme if current.numbering else ""
        full = len(prev) >= self._full_width
        if scheme == "dieu":
            # "Điều 2. Mục" / "đích đánh giá": the title (or the first provision) runs to the
            # blank line; a blank line inside a sentence is bridged only by a lower-case word.
            if blank_before:
                return starts_lower(body)
            return not current.numbering.rest or len(current.parts) > 1 or not _ends_sentence(prev)
        if scheme == "letter" and not blank_before:
            return True      # "a) Bị xử lý kỷ luật hình thức" / "“Khiển trách” thì …": điểm run on
        if prev.endswith(":") and not blank_before and scheme != "roman":
            return True      # "3. Ủy ban nhân dân xã, phường:" / "Xét tối đa 15 tập thể …"
        if _ends_sentence(prev) or prev.endswith(";"):
            if starts_lower(body):
                return len(current.parts) >= 2 or full
            return full and len(current.parts) >= 2
        if starts_lower(body):
            return True
        if is_all_caps(current.text) and is_all_caps(body):
            return True
        if full:
            return True
        return len(body) <= 45 and body.rstrip().endswith((".", "”")) and len(prev) >= 50

    # ---- headings or list items --------------------------------------------------------

    def _decide_numbered(self, drafts: list[_Draft]) -> None:
        """Decide for each numbered block whether it is a heading or a numbered list item.

        Chương/Mục/Điều, Roman numerals and Markdown headings are headings. Arabic and
        letter items are looked at as a run of siblings: when fewer than half of them are
        followed by their own body text (most go straight on to the next number), they are
        list items; otherwise each is a heading unless it ends with ``;``.
        """
        for draft in drafts:
            if draft.kind != "candidate":
                continue
            scheme = draft.numbering.scheme if draft.numbering else ""
            if not draft.numbering:
                draft.heading_scheme = "caps" if is_all_caps(draft.text) else "plain"
                draft.kind = "heading"
            elif scheme in ("chuong", "muc", "dieu", "roman"):
                draft.kind = "heading"
                draft.heading_scheme = scheme
            elif draft.md_level:
                draft.kind = "heading"
                draft.heading_scheme = scheme

        index = 0
        while index < len(drafts):
            draft = drafts[index]
            if draft.kind != "candidate":
                index += 1
                continue
            run = self._sibling_run(drafts, index)
            with_body = [i for i in run if self._has_body(drafts, i)]
            as_list = len(with_body) * 2 < len(run)
            for i in run:
                member = drafts[i]
                if member.kind != "candidate":
                    continue
                text = member.text
                letter_item = member.numbering.scheme == "letter" and _ends_sentence(text)
                if as_list or letter_item or text.endswith(";") or (i not in with_body and len(text) > 160):
                    member.kind = "bullet"
                else:
                    member.kind = "heading"
                    member.heading_scheme = member.numbering.scheme
            index += 1

    @staticmethod
    def _sibling_run(drafts: list[_Draft], start: int) -> list[int]:
        """Indexes of the candidates with the same scheme as ``drafts[start]`` under the same parent."""
        scheme = drafts[start].numbering.scheme
        rank = RANK[scheme]
        run = [start]
        for i in range(start + 1, len(drafts)):
            other = drafts[i]
            if other.kind == "closing":
                break
            other_scheme = (
                other.heading_scheme if other.kind == "heading"
                else (other.numbering.scheme if other.numbering else None)
            )
            if other_scheme is None:
                continue
            if RANK.get(other_scheme, 99) < rank:
                break
            if other_scheme == scheme and other.kind in ("candidate", "heading"):
                run.append(i)
        return run

    @staticmethod
    def _has_body(drafts: list[_Draft], index: int) -> bool:
        """Is the numbered block followed by text of its own (not a sibling, a higher heading or the end)?"""
        if index + 1 >= len(drafts):
            return False
        nxt = drafts[index + 1]
        if nxt.kind in ("closing", "title", "header"):
            return False
        scheme = drafts[index].numbering.scheme
        nxt_scheme = nxt.heading_scheme or (nxt.numbering.scheme if nxt.numbering else None)
        if nxt_scheme is not None and RANK.get(nxt_scheme, 99) <= RANK[scheme]:
            return False
        return True

    # ---- blocks and tree --------------------------------------------------------------

    def _build(self, drafts: list[_Draft]) -> tuple[tuple[Block, ...], tuple[Heading, ...]]:
        blocks: list[Block] = []
        headings: list[Heading] = []
        stack: list[tuple[int, str]] = []     # (rank, title)
        for draft in drafts:
            line_start = min(draft.lines) + 1
            line_end = max(draft.lines) + 1
            if draft.kind == "heading":
                title, body_text = self._heading_title(draft)
                rank = RANK[draft.heading_scheme]
                while stack and stack[-1][0] >= rank:
                    stack.pop()
                stack.append((rank, title))
                path = tuple(t for _, t in stack)
                number = draft.numbering.number if draft.numbering else ""
                heading_end = line_end if body_text is None else line_start
                headings.append(Heading(number, title, len(stack), path, line_start, heading_end))
                blocks.append(Block("heading", title, path, line_start, heading_end))
                if body_text is not None:
                    body_start = (sorted(draft.lines)[1] + 1) if len(draft.lines) > 1 else line_start
                    blocks.append(Block("paragraph", body_text, path, body_start, line_end))
                continue
            if draft.kind in ("header", "title", "closing"):
                path: tuple[str, ...] = ()
                if draft.kind == "title" and stack:
                    path = tuple(t for _, t in stack)   # an attachment's trích yếu
            else:
                path = tuple(t for _, t in stack)
            text = draft.text.strip()
            blocks.append(Block(draft.kind, text, path, line_start, line_end))
        return tuple(blocks), tuple(headings)

    @staticmethod
    def _heading_title(draft: _Draft) -> tuple[str, str | None]:
        """Heading title as written; an article whose first line is body text is split off.

        Returns (title, body) where body is None unless ``Điều 1.`` is followed by its
        provision rather than a title ("Điều 1." / "Ban hành kèm theo … ." ).
        """
        text = draft.text.strip()
        if draft.heading_scheme == "dieu" and draft.numbering is not None:
            head = f"Điều {draft.numbering.number}."
            rest = text[len(text.split(".", 1)[0]) + 1:].strip() if "." in text else ""
            if rest and (_ends_sentence(rest) or rest.endswith(";") or len(rest) > 150):
                return head, rest
        return text, None


def _full_width(clean: list[str]) -> int:
    """Length from which a line counts as running to the right margin (a hard wrap).

    85% of the 90th-percentile line length; documents whose paragraphs are single long
    lines get a width no line of a heading reaches.
    """
    lengths = sorted(len(t) for t in clean if len(t) > 20)
    if len(lengths) < 10:
        return 10_000    # too few lines to know the margin: never guess a wrap
    p90 = lengths[int(0.9 * (len(lengths) - 1))]
    if p90 > 160:
        return 10_000
    return max(50, int(0.85 * p90))


def _blank_is_break(clean: list[str]) -> bool:
    """True when blank lines separate paragraphs rather than every line (double spacing)."""
    texts = [bool(t) for t in clean]
    followed = sum(1 for a, b in zip(texts, texts[1:]) if a and not b)
    total = sum(texts)
    return total > 0 and followed / total < 0.5


def _strip_md(text: str) -> str:
    m = _MD_RE.match(text)
    return m.group(2).strip() if m else text


_NAME_WORD_RE = re.compile(r"^[^\W\d_][^\W\d_]*$")


def looks_like_person_name(text: str) -> bool:
    """"Nguyễn Đức Thuận": two to five capitalised words, not all capitals, no punctuation."""
    words = text.split()
    if not 2 <= len(words) <= 5:
        return False
    if is_all_caps(text):
        return False
    return all(_NAME_WORD_RE.match(w) and w[0].isupper() and w[1:].islower() for w in words)


# --------------------------------------------------------------------------- entry point


def is_phapdien(normalized: NormalizedText) -> bool:
    """Pháp điển files are recognised by ``index.phapdien`` (article codes + provenance lines)."""
    from index import phapdien

    return phapdien.is_phapdien(normalized)


def parse_document(normalized: NormalizedText, content_hash: str) -> ParsedDocument:
    """Parse a normalized document into blocks, a heading tree and metadata.

    Args:
        normalized: line-preserving normalized text (``lines[i]`` is original line ``i+1``).
        content_hash: sha256 of the raw file, carried into the result.

    Returns:
        ParsedDocument whose block and heading line numbers refer to the original file.
    """
    if is_phapdien(normalized):
        from index.phapdien import parse_phapdien

        return parse_phapdien(normalized, content_hash)
    from index.metadata import extract_metadata

    blocks, headings = StructureParser().parse(normalized.lines)
    meta = extract_metadata(normalized.source, blocks, headings, normalized.lines)
    logger.debug("%s: %d blocks, %d headings", normalized.source, len(blocks), len(headings))
    return ParsedDocument(meta=meta, blocks=blocks, headings=headings, content_hash=content_hash)
