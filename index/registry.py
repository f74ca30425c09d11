"""Registry of every directive the corpus cites or contains, with conflicts and evidence kept visible.

What is stored is per *source file* (``SourceDirectives``): its content hash, the mentions
found in it and the status facts (repeal / replacement clauses) it states. The ingestion
pipeline derives it from each file's decoded text in the same pass that chunks the file
(``directives_of``), whatever the file's format, and ``soanthao index`` writes the registry
into the index folder with the same manifest and atomic swap as the chunks and vectors
(``registry.json``). Readers only open that file (``load_registry``); nothing here walks the
corpus or decodes files. Everything a reader sees — the per-directive record with date,
issuer, title, conflicts and status — is derived from the per-source entries on demand.
That makes the incremental rebuild trivial: a changed file replaces only its own entry, an
unchanged one is reused by hash, and a deleted one is dropped (``remove``).

Status is set only from corpus evidence:

* ``repealed``: a clause "<văn bản> … hết hiệu lực …" whose subject is the document, e.g.
  Điều 90 khoản 2 of Luật 10/2022/QH15 (Pháp điển 44.13.LQ.90) for Pháp lệnh 34/2007/PL-UBTVQH11;
* ``replaced``: "<văn bản> này … thay thế <văn bản>";
* ``in_force``: the document is a Pháp điển source (its provenance line says it took effect and
  the Pháp điển only consolidates provisions in force) and no repeal clause names it;
* otherwise ``unknown``.

Titles, strongest evidence first (the record's ``title_evidence`` says which one was used):

* the law's own provenance line ("Luật số 35/2013/QH13 Hòa giải ở cơ sở ngày …");
* the title of the Pháp điển topic the law is the main law of (``index.phapdien.main_law``: the
  law the topic's ``LQ`` articles come from, e.g. 75/2015/QH13 ← "Mặt trận Tổ quốc Việt Nam",
  whose provenance lines are all short-form); amending laws named inside provenance lines never
  get it. A topic title that disagrees with the provenance title is kept as a ``title`` conflict;
* the title stated where a governing (Pháp điển) text cites the document;
* the title the reports' citations agree on (``index.titles.agreed_title``: run-on clauses cut, the
  wording most mentions share, never a lone longer variant).

Variant ids of one document (``11-QĐi/TW`` beside ``11-QĐ/TW``, ``14/2014/TTLT/BTC-BTP`` beside
``14/2014/TTLT-BTC-BTP``, ``02/TTLT/BTC-MTTW`` beside ``02/2002/TTLT/BTC-MTTW`` of the same date) are
**aliases**: one record under the best-attested id, its ``aliases`` naming the others, and
``Registry.get`` answers for either. Ids one year apart (``04/2014/NĐ-CP`` / ``04/2015/NĐ-CP``) or an
undated id whose date is another year (``26/CT-TTg`` of 2017 / ``26/2001/CT-TTg``) stay separate records.

Usage:
    >>> reg = build_registry([("a.txt", "Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ")])
    >>> reg.get("33/CT-TTg").date
    '2021-11-26'
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

from index.citations import (
    CitationRef,
    find_citations,
    issuer_from_symbol,
    line_of,
    normalize_for_citations,
    parse_date,
)
from index.errors import IndexNotFoundError, SoanThaoError
from index.lexical import strip_diacritics
from index.phapdien import is_phapdien, main_law, parse_phapdien
from index.schema import NormalizedText, ParsedDocument, content_hash
from index.titles import agreed_title, title_key, trim_run_on

logger = logging.getLogger(__name__)

#: 2: per-source Pháp điển topic titles (``TopicTitle``); records carry ``title_evidence``.
#: 3: unquoted titles end where a local body starts the next clause (mentions cached by content hash
#:    would otherwise keep the old, overlong titles).
FORMAT_VERSION = 3
REGISTRY_FILENAME = "registry.json"

_HEADING_RE = re.compile(
    r"^\s*(?:\*\*)?\s*(?P<h>(?P<md>#{1,6})\s+.+|(?P<roman>[IVX]{1,5})\.\s+\S.*|(?P<num>\d{1,2}(?:\.\d{1,2})*)\.\s+\S.*"
    r"|(?P<art>Điều\s+[\dA-Za-zĐ.]+\.\s+\S.*)|(?P<ch>Chương\s+[IVX]+))\s*$"
)


@dataclass(frozen=True)
class Mention:
    """One place a directive is cited (or, for a Pháp điển provenance line, contained)."""

    id: str
    source: str
    line: int
    section: str
    sentence: str
    raw: str
    kind: str
    date: str | None
    issuer: str | None
    title: str | None
    article: str | None = None
    effective: str | None = None


@dataclass(frozen=True)
class StatusFact:
    """A clause in the corpus that changes a directive's status, with where it says so."""

    target_id: str
    status: str            # "repealed" | "replaced"
    by_id: str | None      # the document whose clause it is ("10/2022/QH15")
    by_article: str | None  # "Điều 90"
    effective: str | None  # ISO date from which it applies, if stated
    source: str
    line: int
    text: str


@dataclass(frozen=True)
class TopicTitle:
    """A Pháp điển topic file names its main law: "Mặt trận Tổ quốc Việt Nam" is Luật 75/2015/QH13.

    Evidence kept with it: where the topic title is written and how many of the topic's own
    (``LQ``) articles carry the law in their provenance line.
    """

    law_id: str            # "75/2015/QH13"
    title: str             # "Mặt trận Tổ quốc Việt Nam"
    source: str            # "phapdien/mat-tran-to-quoc-viet-nam.md"
    line: int              # the line the topic title is written on
    text: str              # that line: "title: Mặt trận Tổ quốc Việt Nam"
    articles: int          # LQ articles whose provenance names the law
    of_articles: int       # LQ articles in the topic
    first_article: str     # "35.4.LQ.1"


class RegistryFormatError(SoanThaoError, ValueError):
    """A persisted registry written by another version of this module (``soanthao index`` rewrites it)."""


@dataclass(frozen=True)
class DirectiveRecord:
    """Everything the corpus says about one directive."""

    id: str
    kind: str
    symbol_text: str | None
    issuer: str | None
    date: str | None
    title: str | None
    status: str
    status_evidence: dict[str, Any] | None
    conflicts: tuple[dict[str, Any], ...]
    mentions: tuple[Mention, ...]
    suspect: bool = False           # a near-duplicate id far less attested than its twin
    governing: bool = False         # contained in the corpus (Pháp điển), not only cited
    title_evidence: dict[str, Any] | None = None  # where the title comes from (see module docstring)
    aliases: tuple[str, ...] = ()   # variant ids of this same document (see module docstring)
    effective: str | None = None    # ISO date it took effect, from its own (Pháp điển) provenance lines

    @property
    def expected_issuer(self) -> str | None:
        """Who issued it: what a State symbol states (``CT-TTg`` → Thủ tướng Chính phủ) wins over what the
        corpus says; Party symbols state nothing, so then the corpus's issuer."""
        return issuer_from_symbol(_symbol_part(self.id)) or self.issuer

    @property
    def citation(self) -> str:
        """Standard form a clerk pastes: "Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ về …"."""
        parts = [f"{self.kind} số {self.symbol_text or self.id.split('@')[0]}"]
        if self.date:
            y, m, d = self.date.split("-")
            parts.append(f"ngày {d}/{m}/{y}")
        if self.issuer:
            parts.append(f"của {self.issuer}")
        if self.title:
            t = self.title.rstrip(". ")
            if re.match(r"(?:Quy chế|Quy định|Hướng dẫn)\b", t):
                parts.append(f"ban hành {t}")
            elif re.match(r"(?:quy định|hướng dẫn)\b", t):   # the title is a verb phrase: "quy định chi tiết …"
                parts.append(t)
            elif re.match(r"(?:về|Về)\b", t):
                parts.append("về" + t[2:])
            else:
                first = t.split(" ", 1)[0]
                lower = first.lower() if (first[1:].islower() or len(first) == 1) and not _names_proper(t) else first
                parts.append(f"về {lower}{t[len(first):]}")
        return " ".join(parts)


def _names_proper(title: str) -> bool:
    """"Mặt trận Tổ quốc Việt Nam", "Hội Nông dân …": a capital in the next two words means a proper name."""
    return any(w[:1].isupper() for w in title.split()[1:3])


@dataclass(frozen=True)
class SourceDirectives:
    """What one file says about directives, derived once per content hash by the ingestion pipeline."""

    content_hash: str
    mentions: tuple[Mention, ...] = ()
    facts: tuple[StatusFact, ...] = ()
    topics: tuple[TopicTitle, ...] = ()


def directives_of(source: str, text: str, hash_: str | None = None,
                  sections: list[str] | None = None) -> SourceDirectives:
    """Mentions, status facts and Pháp điển topic title of one file's text.

    Args:
        source: the file's corpus-relative name (what mentions cite).
        text: its normalized text, lines as in the file (line numbers are the file's).
        hash_: the file's content hash (default: the text's).
        sections: the section path in force at each line (default: from numbered/Markdown headings).
    """
    text = normalize_for_citations(text)
    hash_ = hash_ or content_hash(text)
    refs = find_citations(text)
    lines = text.split("\n")
    sections = sections or _sections_by_line(lines)
    mentions = []
    for r in refs:
        if r.canonical_id is None:
            continue
        ln = line_of(text, r.span[0])
        mentions.append(Mention(
            id=r.canonical_id, source=source, line=ln, section=sections[ln - 1] if ln - 1 < len(sections) else "",
            sentence=_sentence_around(text, *r.span), raw=r.raw, kind=r.kind, date=r.date,
            issuer=r.issuer, title=r.title, article=r.article, effective=r.effective,
        ))
    logger.debug("registry: %s → %d mentions", source, len(mentions))
    return SourceDirectives(hash_, tuple(mentions), tuple(_status_facts(source, text, refs)),
                            tuple(_topic_titles(source, lines, hash_)))


def _topic_titles(source: str, lines: list[str], hash_: str) -> list[TopicTitle]:
    """The main law of a Pháp điển topic file and the topic's title (empty for any other file)."""
    normalized = NormalizedText(source, tuple(lines))
    if not is_phapdien(normalized):
        return []
    doc = parse_phapdien(normalized, hash_)
    law = main_law(doc.provenance)
    title = doc.meta.title
    if law is None or not title:
        return []
    refs = [r for r in find_citations(f"{law.law_kind} số {law.law_number}") if r.canonical_id]
    if not refs:
        logger.warning("%s: main law %s %s not understood as a reference", source, law.law_kind, law.law_number)
        return []
    written = {f"title: {title}", f"# {title}"}
    lineno = next((i for i, line in enumerate(lines, 1) if line.strip() in written), 0)
    return [TopicTitle(refs[0].canonical_id, title, source, lineno, lines[lineno - 1].strip() if lineno else title,
                       law.articles, law.of_articles, law.first_article)]


def _sections_by_line(lines: list[str]) -> list[str]:
    """Section path (joined with " > ") in force at each line, from numbered/Markdown headings."""
    stack: list[tuple[int, str]] = []
    out: list[str] = []
    for line in lines:
        m = _HEADING_RE.match(line) if len(line) < 160 else None
        if m:
            if m.group("md"):
                level = len(m.group("md"))
            elif m.group("ch"):
                level = 1
            elif m.group("roman"):
                level = 1
            elif m.group("art"):
                level = 3
            else:
                level = 1 + m.group("num").count(".") + 1
            title = re.sub(r"\s+", " ", m.group("h").replace("*", "")).strip(" #")
            stack = [s for s in stack if s[0] < level] + [(level, title)]
        out.append(" > ".join(t for _, t in stack))
    return out


def _sentence_around(text: str, start: int, end: int, limit: int = 400) -> str:
    """The sentence (or clause run) containing a mention, whitespace collapsed."""
    left = max(text.rfind(". ", 0, start), text.rfind(".\n", 0, start), text.rfind("\n\n\n", 0, start))
    left = max(left + 1, start - limit // 2)
    m = re.compile(r"\.(?=\s+[A-ZĐÂĂÊÔƠƯ“\"-])|\.\s*$|\n\s*\n\s*\n").search(text, end)
    right = min(m.start() + 1 if m else len(text), end + limit)
    return re.sub(r"\s+", " ", text[left:right].replace("*", " ")).strip()


_REPEAL_RE = re.compile(r"hết\s+hiệu\s+lực")
_REPLACE_RE = re.compile(r"\bnày\b[^.;]{0,120}?\bthay\s+thế\s+")


def _status_facts(source: str, text: str, refs: list[CitationRef]) -> list[StatusFact]:
    """Repeal/replace clauses: the subject (first reference of the paragraph) is repealed."""
    facts: list[StatusFact] = []
    current: CitationRef | None = None
    by_line: dict[int, list[CitationRef]] = defaultdict(list)
    for r in refs:
        by_line[line_of(text, r.span[0])].append(r)
    lines = text.split("\n")
    offset = 0
    for lineno, line in enumerate(lines, 1):
        line_refs = [r for r in by_line.get(lineno, []) if r.canonical_id]
        for r in line_refs:
            if r.article:
                current = r
        stripped = re.sub(r"^\s*(?:\d+\.|[a-zđ]\))\s*", "", line)
        lead = len(line) - len(stripped)
        rm = _REPEAL_RE.search(line)
        if rm and line_refs and not line_refs[0].article:
            first = line_refs[0]
            if first.span[0] - offset <= lead + 1:
                subjects = [r for r in line_refs if r.span[0] - offset < rm.start()]
                # only references joined by "và" to the subject, not ones inside its title
                chain = [subjects[0]]
                for r in subjects[1:]:
                    between = text[chain[-1].span[1]:r.span[0]]
                    if re.search(r"\svà\s*$", between[-40:]) or re.search(r"\svà\s+(?:\S+\s+){0,1}$", between[-12:]):
                        chain.append(r)
                rest = line[rm.end():]
                eff = parse_date(rest[:80]) if not re.match(r"\s*(?:thi\s+hành\s+)?kể\s+từ\s+ngày\s+\w+\s+này", rest) else None
                eff = eff or (current.effective if current else None)
                for r in chain:
                    facts.append(StatusFact(r.canonical_id, "repealed", current.canonical_id if current else None,
                                            current.article if current else None, eff, source, lineno, line.strip()))
        pm = _REPLACE_RE.search(line)
        if pm and current is not None:
            after = [r for r in line_refs if r.span[0] - offset >= pm.end() - 1 and not r.article]
            if after:
                r = after[0]
                facts.append(StatusFact(r.canonical_id, "replaced", current.canonical_id, current.article,
                                        current.effective, source, lineno, line.strip()))
        offset += len(line) + 1
    return facts


class Registry:
    """Directives of a corpus; persisted as JSON next to the index.

    Example:
        >>> reg = Registry()
        >>> reg.update_text("seeds/a.txt", "Nghị định số 04/2015/NĐ-CP ngày 09/01/2015 của Chính phủ")
        True
        >>> reg.get("04/2015/NĐ-CP").issuer
        'Chính phủ'
    """

    def __init__(self) -> None:
        self._sources: dict[str, SourceDirectives] = {}
        self._records: dict[str, DirectiveRecord] | None = None
        self._aliases: dict[str, str] = {}

    # --- building -----------------------------------------------------------------------
    def update_text(self, source: str, text: str, hash_: str | None = None,
                    sections: list[str] | None = None) -> bool:
        """(Re)parse one source unless its content hash is unchanged. Returns True if it changed."""
        hash_ = hash_ or content_hash(normalize_for_citations(text))
        old = self._sources.get(source)
        if old is not None and old.content_hash == hash_:
            return False
        self.add(source, directives_of(source, text, hash_, sections))
        return True

    def add(self, source: str, entry: SourceDirectives) -> None:
        """Put one source's entry in (replacing any earlier one of the same source)."""
        self._sources[source] = entry
        self._records = None

    def entry(self, source: str) -> SourceDirectives | None:
        return self._sources.get(source)

    def update_document(self, doc: ParsedDocument, text: str | None = None) -> bool:
        """From a pipeline ``ParsedDocument``: sections come from its blocks' ``section_path``.

        ``text`` (the normalized file text) gives exact lines; without it the blocks are
        joined line-faithfully (each block placed at its ``line_start``).
        """
        n_lines = max((b.line_end for b in doc.blocks), default=0)
        sections = [""] * max(n_lines, 1)
        lines = [""] * max(n_lines, 1)
        for b in doc.blocks:
            for ln in range(b.line_start, b.line_end + 1):
                sections[ln - 1] = " > ".join(b.section_path)
            lines[b.line_start - 1] = b.text
        if text is None:
            text = "\n".join(lines)
        return self.update_text(doc.meta.source, text, doc.content_hash, sections)

    def remove(self, source: str) -> None:
        self._sources.pop(source, None)
        self._records = None

    @property
    def sources(self) -> dict[str, str]:
        return {s: e.content_hash for s, e in self._sources.items()}

    # --- reading ------------------------------------------------------------------------
    def records(self) -> dict[str, DirectiveRecord]:
        """One record per document, under its canonical id (aliases are not keys)."""
        if self._records is None:
            self._records = _aggregate(self._sources)
            self._aliases = {a: r.id for r in self._records.values() for a in r.aliases}
        return self._records

    def resolve(self, directive_id: str) -> str:
        """The canonical id of ``directive_id`` (itself when it is not a known alias)."""
        self.records()
        return self._aliases.get(directive_id, directive_id)

    def get(self, directive_id: str) -> DirectiveRecord | None:
        return self.records().get(self.resolve(directive_id))

    def __contains__(self, directive_id: str) -> bool:
        return self.resolve(directive_id) in self.records()

    def governing_family(self, directive_id: str) -> tuple[str, ...]:
        """The texts that govern the topic a contained directive belongs to: the main law of its Pháp điển
        topic, then the decrees that detail that law (their title names it: "Quy định chi tiết … Luật Tiếp
        công dân"). Empty for a directive the corpus only cites.

        A clerk asking "which text governs X" expects the law among the answers even when a decree's
        wording matches the question better (issue 18: NĐ 64/2014 without Luật 42/2013).
        """
        rec = self.get(directive_id)
        if rec is None or not rec.governing:
            return ()
        sources = {m.source for m in rec.mentions if m.article}
        family: list[str] = []
        for source in sorted(sources):
            for topic in self._sources[source].topics if source in self._sources else ():
                law = self.get(topic.law_id)
                if law is None:
                    continue
                if law.id not in family:
                    family.append(law.id)
                named = "luat " + title_key(topic.title)
                decrees = [r for r in self.records().values()
                           if r.kind == "Nghị định" and r.governing and r.title and named in title_key(r.title)
                           and any(m.source == source and m.article for m in r.mentions)]
                family += [r.id for r in sorted(decrees, key=lambda r: -len(r.mentions)) if r.id not in family]
        return tuple(family)

    def __len__(self) -> int:
        return len(self.records())

    def nearest(self, directive_id: str, exclude_suspect: bool = True) -> str | None:
        """The most similar known id (rapidfuzz), preferring the same document type."""
        from rapidfuzz import fuzz, process

        records = self.records()
        rec = records.get(directive_id)
        twins = [c["other_id"] for c in (rec.conflicts if rec else ()) if c.get("field") == "id"]
        if not twins:
            twins = [k for k in records if k != directive_id and _dedup_key(k) == _dedup_key(directive_id)]
        if twins:
            return max(twins, key=lambda t: len(records[t].mentions))
        base = directive_id.split("@")[0]
        choices = {k: k.split("@")[0] for k, v in records.items()
                   if k != directive_id and not (exclude_suspect and v.suspect)}
        tail = re.split(r"[/-]", base, maxsplit=1)[-1]
        same_type = {k: v for k, v in choices.items() if v.endswith(tail.split("/")[-1])}
        pool = same_type or choices
        best = process.extract(base, pool, scorer=fuzz.ratio, score_cutoff=70, limit=5)
        if not best:
            return None
        return max(best, key=lambda b: (b[1], len(records[b[2]].mentions)))[2]

    # --- persistence --------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "sources": {s: {"content_hash": e.content_hash, "mentions": [asdict(m) for m in e.mentions],
                            "facts": [asdict(f) for f in e.facts], "topics": [asdict(t) for t in e.topics]}
                        for s, e in sorted(self._sources.items())},
            "directives": {k: _record_json(v) for k, v in sorted(self.records().items())},
        }

    def save(self, path: Path) -> None:
        """Write atomically (write aside, then rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "Registry":
        """Read a saved registry.

        Raises:
            RegistryFormatError: the file was written by another format version.
        """
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT_VERSION:
            raise RegistryFormatError(
                f"Danh mục văn bản {path} có định dạng {data.get('format')}, cần {FORMAT_VERSION}; chạy `soanthao "
                f"index` (không nhúng lại). / Registry {path}: format {data.get('format')} != {FORMAT_VERSION}; run "
                "`soanthao index` (nothing is re-embedded).")
        reg = cls()
        for s, e in data["sources"].items():
            reg._sources[s] = SourceDirectives(e["content_hash"], tuple(Mention(**m) for m in e["mentions"]),
                                               tuple(StatusFact(**f) for f in e["facts"]),
                                               tuple(TopicTitle(**t) for t in e["topics"]))
        return reg


def _record_json(r: DirectiveRecord) -> dict[str, Any]:
    d = asdict(r)
    d["mentions"] = [{"source": m.source, "line": m.line, "section": m.section} for m in r.mentions]
    d["citation"] = r.citation
    return d


def _dedup_key(directive_id: str) -> str:
    """Ids that differ only by year (04/2014 vs 04/2015) or QĐ/QĐi share a key.

    Ids without a year (``26/CT-TTg``) never pair with dated ones (``26/2001/CT-TTg``):
    those are different documents by numbering convention.
    """
    base = directive_id.replace("QĐi/", "QĐ/")
    return re.sub(r"^(\d+)/(?:19|20)\d\d/", r"\1/YYYY/", base)


def _variant_key(directive_id: str) -> tuple[int, str, str] | None:
    """What variant spellings of one id share: the number, the letters of the symbol (separators, the
    year and Party "QĐi"/"QĐ" aside) and the locality. ``11-QĐi/TW`` and ``11-QĐ/TW`` → (11, "QĐTW", "")."""
    core, _, place = directive_id.partition("@")
    m = re.match(r"^(\d+)[-/](?:(?:19|20)\d\d/)?(.+)$", core)
    if m is None:
        return None
    letters = re.sub(r"[^\wĐđ&]", "", m.group(2).replace("QĐi", "QĐ"))
    return int(m.group(1)), letters, place


def _alias_map(by_id: dict[str, list[Mention]]) -> dict[str, str]:
    """Variant id → the id of the same document it is an alias of (see module docstring).

    Variants are the same document when their years agree (or one has none and its stated date is of
    the other's year) and their stated dates do not contradict each other. The canonical id is the
    most cited one (ties: the one with a year, then the shorter).
    """
    dates = {did: _pick([m.date for m in ms if m.article and m.date]) or _pick([m.date for m in ms if m.date])
             for did, ms in by_id.items()}
    groups: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    for did in by_id:
        key = _variant_key(did)
        if key is not None:
            groups[key].append(did)
    canonical_of: dict[str, str] = {}
    for ids in groups.values():
        ids.sort(key=lambda d: (-len(by_id[d]), _year_of(d) is None, len(d), d))
        for variant in ids[1:]:
            head = next((c for c in ids if c != variant and c not in canonical_of
                         and _same_document(variant, c, dates)), None)
            if head is not None and ids.index(head) < ids.index(variant):
                canonical_of[variant] = head
    return canonical_of


def _same_document(a: str, b: str, dates: dict[str, str | None]) -> bool:
    year_a = _year_of(a) or (int(dates[a][:4]) if dates.get(a) else None)
    year_b = _year_of(b) or (int(dates[b][:4]) if dates.get(b) else None)
    if _year_of(a) and _year_of(b) and _year_of(a) != _year_of(b):
        return False
    if year_a is None or year_b is None:
        return bool(_year_of(a) and _year_of(b)) or a.replace("QĐi/", "QĐ/") == b.replace("QĐi/", "QĐ/")
    if year_a != year_b:
        return False
    return not (dates.get(a) and dates.get(b) and dates[a] != dates[b])


def _year_of(directive_id: str) -> int | None:
    m = re.match(r"^\d+/((?:19|20)\d\d)/", directive_id)
    return int(m.group(1)) if m else None


def _pick(values: list[str]) -> str | None:
    if not values:
        return None
    counts = Counter(values)
    return max(counts, key=lambda v: (counts[v], len(v)))


def _aggregate(sources: dict[str, SourceDirectives]) -> dict[str, DirectiveRecord]:
    by_id: dict[str, list[Mention]] = defaultdict(list)
    for entry in sources.values():
        for m in entry.mentions:
            by_id[_mention_id(m)].append(m)
    facts: dict[str, list[StatusFact]] = defaultdict(list)
    topics: dict[str, list[TopicTitle]] = defaultdict(list)
    for entry in sources.values():
        for f in entry.facts:
            facts[f.target_id].append(f)
        for t in entry.topics:
            topics[t.law_id].append(t)
    governing_sources = {s for s, e in sources.items() if any(m.article for m in e.mentions)}
    canonical_of = _alias_map(by_id)
    merged: dict[str, list[Mention]] = defaultdict(list)
    for did, ms in by_id.items():
        merged[canonical_of.get(did, did)].extend(ms)
    by_id = merged

    groups: dict[str, list[str]] = defaultdict(list)
    for did in by_id:
        groups[_dedup_key(did)].append(did)

    records: dict[str, DirectiveRecord] = {}
    for did, mentions in by_id.items():
        mentions.sort(key=lambda m: (m.source, m.line))
        prov = [m for m in mentions if m.article]
        cited = [m for m in mentions if not m.article]
        conflicts: list[dict[str, Any]] = []
        # date: the governing text's own date wins; otherwise the stated dates (conflicts kept)
        prov_dates = [m.date for m in prov if m.date]
        stated = defaultdict(list)
        for m in cited:
            if m.date:
                stated[m.date].append({"source": m.source, "line": m.line, "text": m.raw})
        date = _pick(prov_dates) or _pick([m.date for m in cited if m.date])
        if len(stated) > 1 or (prov_dates and stated and set(stated) - {date}):
            conflicts.append({"field": "date", "values": [
                {"value": v, "mentions": ms} for v, ms in sorted(stated.items())]})
        issuers = [m.issuer for m in (prov or cited) if m.issuer]
        symbol_issuer = issuer_from_symbol(_symbol_part(did))
        issuer = _pick([_issuer_core(i) for i in issuers]) or symbol_issuer
        distinct_issuers = {_issuer_core(i) for i in issuers}
        if len(distinct_issuers) > 1:
            conflicts.append({"field": "issuer", "values": sorted(distinct_issuers)})
        title, title_evidence, title_conflict = _title_of(prov, cited, topics.get(did, []), governing_sources)
        if title_conflict:
            conflicts.append(title_conflict)
        # near-duplicates: same number and type one year apart (a likely typo), or QĐ/QĐi variants
        twins = [t for t in groups[_dedup_key(did)] if t != did
                 and (_year_of(t) is None or abs((_year_of(t) or 0) - (_year_of(did) or 0)) == 1)]
        suspect = False
        for t in twins:
            kind = "symbol_variant" if did.replace("QĐi/", "QĐ/") == t.replace("QĐi/", "QĐ/") else "near_duplicate_id"
            conflicts.append({"field": "id", "kind": kind, "other_id": t,
                              "mentions": len(mentions), "other_mentions": len(by_id[t])})
            # suspect: a bare, once-off citation one year away from a well-attested twin
            # (04/2014/NĐ-CP once, undated, beside 04/2015/NĐ-CP four times)
            if (kind == "near_duplicate_id" and 2 * len(mentions) <= len(by_id[t]) and not prov
                    and not any(m.date or m.title for m in mentions)
                    and abs((_year_of(did) or 0) - (_year_of(t) or 0)) == 1):
                suspect = True
        status, evidence = "unknown", None
        if facts.get(did):
            f = facts[did][0]
            status = f.status
            evidence = {"source": f.source, "line": f.line, "text": f.text, "by": f.by_id,
                        "article": f.by_article, "effective": f.effective}
        elif prov:
            p = prov[0]
            status = "in_force"
            evidence = {"source": p.source, "line": p.line, "text": p.sentence[:300], "by": None,
                        "article": p.article, "effective": p.effective}
        records[did] = DirectiveRecord(
            id=did, kind=_pick([m.kind for m in (prov or mentions)]) or mentions[0].kind,
            symbol_text=_symbol_of(did), issuer=issuer, date=date, title=title, status=status,
            status_evidence=evidence, conflicts=tuple(conflicts), mentions=tuple(mentions),
            suspect=suspect, governing=bool(prov), title_evidence=title_evidence,
            aliases=tuple(sorted(a for a, c in canonical_of.items() if c == did)),
            effective=_pick([m.effective for m in prov if m.effective]),
        )
    return records


def _title_key(title: str) -> str:
    """Titles compared without case, diacritics, punctuation or a leading kind word ("Luật …")."""
    folded = re.sub(r"\W+", " ", strip_diacritics(title).lower()).strip()
    return re.sub(r"^luat ", "", folded)


def _title_of(prov: list[Mention], cited: list[Mention], topics: list[TopicTitle],
              governing_sources: set[str]) -> tuple[str | None, dict[str, Any] | None, dict[str, Any] | None]:
    """(title, its evidence, a ``title`` conflict or None), strongest evidence first (module docstring)."""
    topic = topics[0] if topics else None
    topic_evidence = None
    if topic is not None:
        topic_evidence = {"from": "phapdien_topic", "source": topic.source, "line": topic.line, "text": topic.text,
                          "article": topic.first_article, "articles": topic.articles,
                          "of_articles": topic.of_articles}
    prov_titles = [m.title for m in prov if m.title]
    if prov_titles:
        title = _pick(prov_titles)
        m = next(m for m in prov if m.title == title)
        evidence = {"from": "provenance", "source": m.source, "line": m.line, "text": m.sentence[:300]}
        differing = [t for t in topics if _title_key(t.title) != _title_key(title)]
        conflict = None
        if differing:
            conflict = {"field": "title", "values": [
                {"value": title, "from": "provenance", "source": m.source, "line": m.line}] + [
                {"value": t.title, "from": "phapdien_topic", "source": t.source, "line": t.line} for t in differing]}
        return title, evidence, conflict
    if topic is not None:
        conflict = None
        others = [t for t in topics[1:] if _title_key(t.title) != _title_key(topic.title)]
        if others:
            conflict = {"field": "title", "values": [
                {"value": t.title, "from": "phapdien_topic", "source": t.source, "line": t.line}
                for t in [topic, *others]]}
        return topic.title, topic_evidence, conflict
    for pool in ([m for m in cited if m.source in governing_sources], cited):
        titles = [m.title for m in pool if m.title]
        if titles:
            title = agreed_title(titles)
            m = next(m for m in pool if m.title and trim_run_on(m.title) == title)
            return title, {"from": "citation", "source": m.source, "line": m.line, "text": m.sentence[:300]}, None
    return None, None, None


def _mention_id(m: Mention) -> str:
    return m.id


def _symbol_of(directive_id: str) -> str:
    return directive_id.split("@")[0]


def _symbol_part(directive_id: str) -> str:
    """"33/CT-TTg" → "CT-TTg"; "25-NQ/TW" → "NQ/TW" (what ``issuer_from_symbol`` reads)."""
    core = _symbol_of(directive_id)
    return re.sub(r"^\d+[-/]", "", core)


def _issuer_core(issuer: str) -> str:
    """"Chủ tịch UBND tỉnh X" and "UBND tỉnh X" name the same issuing authority."""
    return re.sub(r"^Chủ tịch ", "", issuer)


def build_registry(items: Iterable[ParsedDocument | tuple[str, str]], registry: Registry | None = None) -> Registry:
    """Registry from pipeline documents or ``(source, normalized text)`` pairs.

    Args:
        items: ``ParsedDocument`` (sections from the structure parser) or ``(source, text)`` pairs.
        registry: an existing registry to update incrementally (unchanged hashes skipped).
    """
    reg = registry or Registry()
    for item in items:
        if isinstance(item, ParsedDocument):
            reg.update_document(item)
        else:
            reg.update_text(item[0], item[1])
    return reg


def registry_path(index_dir: Path) -> Path:
    """Where ``soanthao index`` writes the registry: inside the index folder, swapped in with it."""
    return Path(index_dir) / REGISTRY_FILENAME


def load_registry(settings: Any) -> Registry:
    """The registry ``soanthao index`` wrote into ``settings.index_dir`` (read once; never rebuilt here).

    Raises:
        IndexNotFoundError: no index yet, or an index written before the registry was part of it.
        RegistryFormatError: written by another version of this module.
    """
    path = registry_path(settings.index_dir)
    if not path.is_file():
        raise IndexNotFoundError(
            f"Chưa có danh mục văn bản chỉ đạo trong {settings.index_dir}. Sửa: chạy `soanthao index` (đoạn đã "
            f"nhúng được dùng lại). / No directive registry in {settings.index_dir}. Fix: run `soanthao index` "
            "(embedded chunks are reused)."
        )
    try:
        return Registry.load(path)
    except RegistryFormatError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RegistryFormatError(
            f"Danh mục văn bản {path} hỏng ({exc}); chạy `soanthao index`. / The directive registry {path} is "
            f"damaged ({exc}); run `soanthao index`."
        ) from exc
