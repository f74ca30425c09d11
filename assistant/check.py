"""Citation checker for a clerk's draft: every reference, and what the corpus says is wrong with it.

Only what the corpus supports is flagged (the registry carries the evidence):

* ``unknown_id`` — the id is not in the registry, or is a once-off near-duplicate of a
  well-attested id (``04/2014/NĐ-CP`` beside ``04/2015/NĐ-CP``); the nearest known id is suggested only
  when it is of the same kind and about the same topic (``suggestion_fits``): no suggestion beats a wrong one;
* ``date_mismatch`` — the stated date differs from the registry's (single) date;
* ``conflicting_dates`` — the corpus itself gives this document two dates;
* ``issuer_mismatch`` — the stated issuer differs from the registry's or the symbol's;
* ``title_mismatch`` — the stated title is another directive's (seed 000, line 169, gives 218-QĐ/TW
  the title of 217-QĐ/TW), or shares almost nothing with any title the corpus gives this one. Short
  titles one word apart ("thực hiện dân chủ ở xã" / "… ở cơ sở") are too close to call and pass;
* ``repealed`` — the document is repealed/replaced per a clause in the corpus and is
  cited as current (the sentence does not itself speak of the repeal);
* ``malformed_symbol`` — stray spaces, a missing hyphen, ``số145`` glued.

Usage:
    >>> result = check_text(draft_text, "draft.txt", registry)   # doctest: +SKIP
    >>> result.to_json()["references"][0]["problems"]            # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from assistant.answer import vn_date
from assistant.intent import fold
from index.citations import CitationRef, find_citations, line_of, normalize_for_citations
from index.registry import DirectiveRecord, Registry

#: A stated title this close (rapidfuzz ratio, accents and case folded) to another directive's title,
#: and clearly closer to it than to any of this directive's titles, is that other directive's title.
TITLE_OF_ANOTHER = 85.0
TITLE_MARGIN = 10.0
#: Below this token-set similarity to every title the corpus gives the directive, the title is wrong
#: (token-set, so a shortened or reordered title still passes).
TITLE_UNRELATED = 50.0
#: A suggested replacement for an unknown number (other than its one-year-apart twin) must be among this
#: many documents of its kind that best match the reference's own words (title or sentence), and share at
#: least this share of their word pairs.
SUGGEST_WITHIN_TOPIC = 3
SUGGEST_MIN_OVERLAP = 0.5


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    suggestion: str | None = None


@dataclass(frozen=True)
class ReferenceCheck:
    text: str
    id: str | None
    line: int
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class CheckResult:
    source: str
    references: tuple[ReferenceCheck, ...]

    @property
    def problem_count(self) -> int:
        return sum(len(r.problems) for r in self.references)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "references": [
            {"text": r.text, "id": r.id, "line": r.line,
             "problems": [{"code": p.code, "message": p.message, "suggestion": p.suggestion} for p in r.problems]}
            for r in self.references]}


def _flat(raw: str) -> str:
    """The reference with line breaks (and the spaces around them) removed: wrapping is not an error."""
    return re.sub(r"[ \t]*\n\s*", lambda m: "" if m.string[m.start() - 1:m.start()] in "-/" else " ", raw).strip()


def _malformed(ref: CitationRef) -> Problem | None:
    if ref.symbol is None:
        return None
    flat = _flat(ref.raw)
    expected = ref.symbol_text or ""
    glued = re.search(r"số\d", flat)
    joined = re.sub(r"\s*([-/])\s*", r"\1", flat)
    joined = re.sub(r"(/[A-ZĐ][A-Za-zĐđ]*)\s+([A-ZĐ][A-Za-z]*)$", r"\1-\2", joined)  # "16/CT TTg"
    if flat.endswith(expected) and not glued:
        return None
    if not joined.endswith(expected) and not glued:
        return None  # a form we do not know how to correct: say nothing
    good = f"{ref.kind} số {expected}"
    if glued:
        what = "thiếu dấu cách sau “số”"
    elif "-" not in flat.split("/")[-1] and "-" in expected.split("/")[-1]:
        what = "thiếu dấu gạch nối trong số hiệu"
    else:
        what = "thừa dấu cách trong số hiệu"
    return Problem("malformed_symbol", f"Số hiệu viết sai quy cách ({what}): “{flat}”.", good)


def _issuer_key(issuer: str) -> str:
    return re.sub(r"^Chủ tịch ", "", issuer)


def _fold_title(title: str) -> str:
    return fold(title.replace(",", " "))


def _title_problem(ref: CitationRef, rec: DirectiveRecord, registry: Registry, source: str | None) -> Problem | None:
    """A stated title that is another directive's, or unrelated to every title the corpus gives this one.

    Titles written in ``source`` itself are left out, so a file checked against a registry that
    contains it does not vouch for its own wording.
    """
    if not ref.title:
        return None
    own = {m.title for m in rec.mentions if m.title and m.source != source}
    if rec.title and (rec.title_evidence or {}).get("source") != source:
        own.add(rec.title)
    if not own:
        return None
    stated = _fold_title(ref.title)
    own_ratio = max(fuzz.ratio(stated, _fold_title(t)) for t in own)
    twins = {c.get("other_id") for c in rec.conflicts if c["field"] == "id"}
    others = [(fuzz.ratio(stated, _fold_title(r.title)), r) for r in registry.records().values()
              if r.title and r.id != rec.id and r.id not in twins]
    best_ratio, best = max(others, key=lambda pair: pair[0], default=(0.0, None))
    if best is not None and best_ratio >= TITLE_OF_ANOTHER and best_ratio > own_ratio + TITLE_MARGIN:
        return Problem(
            "title_mismatch",
            f"Tên “{ref.title}” là tên của {best.kind} số {best.symbol_text or best.id}, không phải của "
            f"{rec.kind} số {rec.symbol_text or rec.id} (kho văn bản ghi: “{rec.title or sorted(own)[0]}”).",
            rec.citation)
    if max(fuzz.token_set_ratio(stated, _fold_title(t)) for t in own) < TITLE_UNRELATED:
        return Problem(
            "title_mismatch",
            f"Tên “{ref.title}” không khớp với tên mà kho văn bản ghi cho {rec.id}: “{rec.title or sorted(own)[0]}”.",
            rec.citation)
    return None


def check_reference(ref: CitationRef, text: str, registry: Registry, source: str | None = None) -> list[Problem]:
    """Problems of one reference, each backed by the registry's evidence.

    ``source`` names the checked file when it is itself in the corpus (its own titles are not evidence).
    """
    problems: list[Problem] = []
    bad = _malformed(ref)
    if bad:
        problems.append(bad)
    rid = ref.canonical_id
    if rid is None:
        return problems
    rec: DirectiveRecord | None = registry.get(rid)
    if rec is None or rec.suspect:
        near = registry.nearest(rid)
        near_rec = registry.get(near) if near else None
        if near_rec is not None and not suggestion_fits(ref, text, rec, near_rec, registry):
            near, near_rec = None, None
        if rec is not None and near_rec is not None:
            msg = (f"Số hiệu {rid} chỉ xuất hiện {len(rec.mentions)} lần trong kho văn bản, trong khi {near} "
                   f"xuất hiện {len(near_rec.mentions)} lần: có thể nhầm năm ban hành.")
        else:
            msg = f"Không tìm thấy văn bản {rid} trong kho văn bản."
            if near:
                msg += f" Văn bản gần nhất: {near}."
        problems.append(Problem("unknown_id", msg, near_rec.citation if near_rec else None))
        return problems

    date_conflict = next((c for c in rec.conflicts if c["field"] == "date"), None)
    if ref.date and rec.date and ref.date != rec.date and (rec.governing or date_conflict is None):
        problems.append(Problem(
            "date_mismatch",
            f"Ngày ban hành {vn_date(ref.date)} khác với ngày {vn_date(rec.date)} mà kho văn bản ghi cho {rid}.",
            rec.citation))
    elif date_conflict is not None and not rec.governing:
        where = "; ".join(f"{vn_date(v['value'])} ({', '.join(m['source'] + ':' + str(m['line']) for m in v['mentions'])})"
                          for v in date_conflict["values"])
        problems.append(Problem(
            "conflicting_dates",
            f"Kho văn bản ghi {rid} với nhiều ngày ban hành khác nhau: {where}. Cần đối chiếu bản gốc.",
            None))

    expected_issuer = rec.expected_issuer
    if ref.issuer and expected_issuer:
        a, b = _issuer_key(ref.issuer), _issuer_key(expected_issuer)
        if not (a.startswith(b) or b.startswith(a)) and not any(c["field"] == "issuer" for c in rec.conflicts):
            problems.append(Problem(
                "issuer_mismatch",
                f"Cơ quan ban hành “{ref.issuer}” khác với “{expected_issuer}” theo số hiệu/kho văn bản.",
                rec.citation))

    title_problem = _title_problem(ref, rec, registry, source)
    if title_problem:
        problems.append(title_problem)

    if rec.status in ("repealed", "replaced") and rec.status_evidence:
        ev = rec.status_evidence
        start = max(text.rfind(".", 0, ref.span[0]), 0)
        end = text.find(".", ref.span[1])
        sentence = text[start:end if end != -1 else len(text)]
        if not re.search(r"hết\s+hiệu\s+lực|bãi\s+bỏ|thay\s+thế", sentence):
            by = registry.get(ev["by"]) if ev.get("by") else None
            verb = "đã hết hiệu lực" if rec.status == "repealed" else "đã bị thay thế"
            by_txt = f" theo {ev['article']} {by.kind} số {by.symbol_text}" if by and ev.get("article") else ""
            problems.append(Problem(
                "repealed",
                f"{rec.kind} số {rec.symbol_text} {verb} từ ngày {vn_date(ev.get('effective'))}{by_txt} "
                f"({ev['source']}, dòng {ev['line']}); không dẫn như văn bản còn hiệu lực.",
                by.citation if by else None))
    return problems


def _reference_words(ref: CitationRef, text: str) -> str:
    """What the reference is about: its stated title, else the sentence it sits in (without the reference)."""
    if ref.title:
        return ref.title
    start = max(text.rfind(".", 0, ref.span[0]), text.rfind(";", 0, ref.span[0]), 0)
    ends = [i for i in (text.find(".", ref.span[1]), text.find(";", ref.span[1])) if i != -1]
    return text[start:ref.span[0]] + " " + text[ref.span[1]:min(ends) if ends else len(text)]


def suggestion_fits(ref: CitationRef, text: str, rec: DirectiveRecord | None, near: DirectiveRecord,
                    registry: Registry) -> bool:
    """Is ``near`` a replacement worth offering for an unknown reference? Same kind, and about the same topic:
    the reference's words (title or sentence) share words with what the corpus says of ``near``; for any
    other than its one-year-apart twin, ``near`` must also be among the ``SUGGEST_WITHIN_TOPIC`` documents
    of that kind those words match best and share ``SUGGEST_MIN_OVERLAP`` of their word pairs."""
    from assistant.lookup import directive_topic_scores, topic_overlap

    if near.kind != ref.kind:
        return False
    words = _reference_words(ref, text)
    scores = directive_topic_scores(words, registry)
    if scores.get(near.id, 0.0) <= 0.0:
        return False
    if rec is not None and any(c.get("other_id") == near.id for c in rec.conflicts if c["field"] == "id"):
        return True
    same_kind = sorted((s for did, s in scores.items() if registry.get(did).kind == near.kind), reverse=True)
    return scores[near.id] >= same_kind[:SUGGEST_WITHIN_TOPIC][-1] and topic_overlap(words, near) >= SUGGEST_MIN_OVERLAP


def check_text(text: str, source: str, registry: Registry, corpus_source: str | None = None) -> CheckResult:
    """Check every reference in ``text`` against the registry.

    ``corpus_source`` is the registry's name for this very file when it is in the corpus.
    """
    text = normalize_for_citations(text)
    checks = []
    for ref in find_citations(text):
        checks.append(ReferenceCheck(text=_flat(ref.raw), id=ref.canonical_id, line=line_of(text, ref.span[0]),
                                     problems=tuple(check_reference(ref, text, registry, corpus_source))))
    return CheckResult(source=source, references=tuple(checks))


def check_file(path: Path, registry: Registry, settings: Any = None) -> CheckResult:
    """Check a draft in any format the index reads (loaded through ``index.load.load_file``).

    A file that is itself in the corpus (same content hash) is checked against the rest of it.
    ``settings`` (optional) gives OCR settings and the data folder's cache of text read by OCR.
    """
    from index.extract_cache import ExtractionCache
    from index.load import load_file

    path = Path(path)
    options = {} if settings is None else {"cache": ExtractionCache.for_data_dir(settings.data_dir),
                                           "ocr": settings.ocr_settings()}
    loaded = load_file(path.resolve(), path.resolve().parent, **options)
    text = loaded.text
    if loaded.ocr_pages:   # OCR'd text gets the OCR repairs the index gives it (symbols, heading numerals)
        from index.normalize import normalize_vietnamese
        from index.pages import ocr_lines

        text = normalize_vietnamese(loaded.text, loaded.source, ocr_lines=ocr_lines(loaded)).text
    in_corpus = next((s for s, h in registry.sources.items() if h == loaded.content_hash), None)
    return check_text(text, str(path), registry, in_corpus)
