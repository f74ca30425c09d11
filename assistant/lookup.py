"""“Which directive applies?” — rank the registry's directives for a topic question.

Two signals, combined by a tested rule (``combine_scores``):

* **registry lexical**: BM25 (bm25s) over one profile per directive — its title(s), the
  sentences that cite it in the corpus, and for laws in the corpus the text of their
  articles (the Pháp điển provenance context) — with syllable unigrams and bigrams;
* **retrieval**: the hybrid retriever's passages for the question (``Retriever.search``):
  every directive cited in a retrieved passage, and the law a Pháp điển chunk belongs to
  (``chunk.meta["law_number"]``), earns the reciprocal-rank credit of its best passage (the best, not
  the sum: otherwise a law whose many articles are retrieved outranks the decree the question is about;
  dev question l11, 04/2015/NĐ-CP behind Luật 10/2022/QH15, and top-1 on dev 0.976 → 1.000).

Each signal is min-max normalized to [0, 1]; the final score is
``W_LEXICAL * lexical + W_RETRIEVAL * retrieval`` (retrieval weight 0 when no retriever).

A third rule comes before the scores: a question that **names a text** ("Luật tiếp công dân",
"Pháp lệnh thực hiện dân chủ ở xã, phường, thị trấn") gets the records of that kind whose whole
title the question covers (``named_matches``) first — a repealed one too, followed by the text that
repealed or replaced it (``status_evidence["by"]``). A question that names no text is ranked by
the scores alone, exactly as without this rule.

Before all of these come the question's own cues (``assistant.question``):

* a **document number** written in it ("Nghị định 15/2014/NĐ-CP có hiệu lực từ ngày nào?") puts that
  document first (an alias id finds its canonical record), followed by the text that repealed or
  replaced it;
* a **kind asked for** ("Nghị định nào …", "Thông tư nào …") puts the candidates of that kind first,
  in score order, when their score is at least ``KIND_MIN_SHARE`` of the best one;
* a **topic's governing texts**: for a "which text governs …" question, the main law of the Pháp
  điển topic of the best answer, and the decrees detailing it, are among the first three
  (``Registry.governing_family``), so "tiếp công dân ở cấp xã" shows Luật Tiếp công dân beside its decree.

The answer line (``assistant.answer.answer_line``) states the fact asked — effective or issuing date,
issuer, status, successor, content, or the citation of the best text — before the list.

A question that names **who issued** the text ("chỉ thị của Thủ tướng", "nghị định của Chính phủ")
halves the score of directives whose known issuer is a different one (``issuer_cue``,
``ISSUER_MISMATCH_FACTOR``): "tiếp công dân … theo chỉ thị của Thủ tướng" asks for 14/CT-TTg, not
the Politburo's 35-CT/TW on the same topic. Directives with no known issuer are left as scored.

Usage:
    >>> result = lookup("Văn bản nào quy định về giám sát, phản biện xã hội của Mặt trận?")  # doctest: +SKIP
    >>> result.directives[0].id                                                               # doctest: +SKIP
    '217-QĐ/TW'
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from assistant.answer import Answer, answer_line, record_notes
from assistant.intent import fold
from assistant.question import QuestionCues, analyse_question
from index.citations import KINDS, find_citations
from index.lexical import normalize_document_number, strip_diacritics
from index.registry import DirectiveRecord, Registry
from index.settings import Settings

logger = logging.getLogger(__name__)

W_LEXICAL = 0.6
W_RETRIEVAL = 0.4
RRF_K = 10
RETRIEVE_K = 20
#: A candidate of the kind the question asks for goes first only when it scores at least this share of
#: the best candidate (an unrelated decree is not an answer because it is a decree). Any share from 0.1
#: to 0.5 gave the same dev figures.
KIND_MIN_SHARE = 0.2
#: How many first answers must hold a topic's governing law (and its detailing decrees).
FAMILY_WITHIN = 3

#: function words that carry no topic (kept short: Vietnamese syllables are ambiguous)
STOPWORDS = frozenset(
    "và của các cho về trong với theo là có được những một này đó nào gì văn bản quy định ở tại do từ"
    " đến như thì mà khi để bị việc đã sẽ đang nêu".split()
)


#: rapidfuzz ``partial_ratio`` from which a title counts as named by the question.
NAMED_MIN_SCORE = 90.0
#: Kind words that are also ordinary verbs/nouns ("quy định về …", "quyết định"): names only when capitalized.
_VERB_LIKE_KINDS = frozenset({"Quy định", "Quyết định", "Hướng dẫn", "Kết luận", "Báo cáo", "Kế hoạch", "Thông báo"})
#: A kind word right after these is part of another word: "pháp luật", "bộ luật", "dự luật".
_NOT_A_KIND_AFTER = frozenset({"phap", "bo", "du"})


class _Searcher(Protocol):
    def search(self, query: str, k: int = 5, **kwargs: Any) -> Sequence[Any]: ...


@dataclass(frozen=True)
class Evidence:
    source: str
    section: str
    text: str


@dataclass(frozen=True)
class DirectiveAnswer:
    record: DirectiveRecord
    score: float
    evidence: tuple[Evidence, ...]

    @property
    def id(self) -> str:
        return self.record.id

    def to_json(self) -> dict[str, Any]:
        r = self.record
        return {
            "id": r.id, "kind": r.kind, "issuer": r.issuer, "date": r.date, "title": r.title,
            "citation": r.citation, "status": r.status, "status_evidence": r.status_evidence,
            "effective": r.effective, "aliases": list(r.aliases),
            "conflicts": list(r.conflicts), "notes": record_notes(r),
            "evidence": [{"source": e.source, "section": e.section, "text": e.text} for e in self.evidence],
        }


@dataclass(frozen=True)
class LookupResult:
    question: str
    directives: tuple[DirectiveAnswer, ...]
    answer: Answer | None = None

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.answer.to_json() if self.answer else None,
                "directives": [d.to_json() for d in self.directives]}


def tokens(text: str) -> list[str]:
    """Lower-cased syllables without stopwords, plus adjacent-syllable bigrams."""
    text = unicodedata.normalize("NFC", text).lower()
    syl = [s for s in re.findall(r"\w+", text) if s not in STOPWORDS and not s.isdigit()]
    return syl + [f"{a}_{b}" for a, b in zip(syl, syl[1:])]


def profile_tokens(text: str) -> list[str]:
    """``tokens`` plus the same without diacritics (marked ``~``), so a question typed without accents
    ("van ban nao quy dinh ve hoa giai o co so") matches the profiles too."""
    return tokens(text) + ["~" + t for t in tokens(strip_diacritics(text))]


def question_tokens(question: str, topic: str) -> list[str]:
    """The question's profile tokens that belong to its topic (``QuestionCues.topic``): "có hiệu lực
    từ ngày nào" or "văn bản nào" say what is asked, not what about."""
    keep = set(topic.split())
    return [t for t in profile_tokens(question)
            if all(w in keep for w in fold(t.lstrip("~").replace("_", " ")).split())]


def fold_words(text: str) -> list[str]:
    """Words without case, diacritics or punctuation: ``"Luật Tiếp công dân,"`` → ``["luat", "tiep", "cong", "dan"]``."""
    return re.findall(r"\w+", fold(text))


_FOLDED_KINDS = [(k, fold_words(k)) for k in KINDS]


@dataclass(frozen=True)
class NamedText:
    """The text a question names: its kind word and what follows it, folded ("Luật", "tiep cong dan")."""

    kind: str
    rest: str


def named_text(question: str) -> NamedText | None:
    """The first kind word of the question (``index.citations.KINDS``) used as a name, and the words after it.

    "quy định", "quyết định" … are verbs too: they count only when written with a capital.
    "pháp luật"/"bộ luật" are not "Luật".
    """
    originals = re.findall(r"\w+", unicodedata.normalize("NFC", question))
    words = [fold_words(w)[0] for w in originals]
    for i in range(len(words)):
        for kind, kind_words in _FOLDED_KINDS:
            if words[i:i + len(kind_words)] != kind_words:
                continue
            if i > 0 and words[i - 1] in _NOT_A_KIND_AFTER:
                continue
            if kind in _VERB_LIKE_KINDS and not originals[i][:1].isupper():
                continue
            rest = words[i + len(kind_words):]
            return NamedText(kind, " ".join(rest)) if rest else None
    return None


def _title_words(title: str) -> str:
    """Folded title without a leading kind word ("Luật thực hiện dân chủ …" → "thuc hien dan chu …")."""
    words = fold_words(title)
    for _, kind_words in _FOLDED_KINDS:
        if words[:len(kind_words)] == kind_words:
            return " ".join(words[len(kind_words):])
    return " ".join(words)


def title_named_score(title: str | None, named: NamedText) -> float | None:
    """How well the question's words cover the *whole* title (rapidfuzz ``partial_ratio``), None below the bar.

    The title must be at least two words and not longer than what the question says after the
    kind word, so a question that names only part of a title ("… dân chủ ở xã") names nothing.
    """
    from rapidfuzz import fuzz

    if not title:
        return None
    words = _title_words(title)
    if len(words.split()) < 2 or len(words) > len(named.rest) + 2:
        return None
    score = fuzz.partial_ratio(words, named.rest)
    return score if score >= NAMED_MIN_SCORE else None


def named_matches(question: str, registry: Registry) -> list[tuple[str, float]]:
    """Records of the kind the question names whose title it covers, best match first (ties: longer title)."""
    named = named_text(question)
    if named is None:
        return []
    found = []
    for rec in registry.records().values():
        if rec.suspect or not rec.kind.startswith(named.kind):
            continue
        score = title_named_score(rec.title, named)
        if score is not None:
            found.append((rec.id, score, len(rec.title or "")))
    found.sort(key=lambda f: (-f[1], -f[2], f[0]))
    return [(did, score) for did, score, _ in found]


def _named_first(ranked: list[tuple[str, float]], named: list[tuple[str, float]],
                 registry: Registry) -> list[tuple[str, float]]:
    """Named records first (each repealed/replaced one followed by its successor), then the rest as ranked."""
    return _head_first(ranked, [did for did, _ in named], registry)


def _successor(rec: DirectiveRecord, registry: Registry) -> str | None:
    """The text that repealed or replaced ``rec``, when the corpus says so and knows it."""
    if rec.status not in ("repealed", "replaced"):
        return None
    by = (rec.status_evidence or {}).get("by")
    return registry.resolve(by) if by and by in registry and not registry.get(by).suspect else None


def _head_first(ranked: list[tuple[str, float]], ids: Sequence[str],
                registry: Registry) -> list[tuple[str, float]]:
    """``ids`` first, each followed by its successor, then the rest as ranked."""
    head: list[str] = []
    for did in ids:
        for item in (did, _successor(registry.get(did), registry)):
            if item and item not in head:
                head.append(item)
    score_of = dict(ranked)
    return [(did, score_of.get(did, 0.0)) for did in head] + [(i, s) for i, s in ranked if i not in head]


#: Issuer named in a question (folded, after "của" or a kind word) → the registry issuers it is compatible with.
#: Longest first, so "thu tuong chinh phu" is read as the Prime Minister, not the Government.
ISSUER_CUES: tuple[tuple[str, frozenset[str]], ...] = (
    ("uy ban thuong vu quoc hoi", frozenset({"Ủy ban Thường vụ Quốc hội"})),
    ("ban chap hanh trung uong", frozenset({"Ban Chấp hành Trung ương", "Bộ Chính trị", "Ban Bí thư"})),
    ("thu tuong chinh phu", frozenset({"Thủ tướng Chính phủ"})),
    ("thu tuong", frozenset({"Thủ tướng Chính phủ"})),
    ("bo chinh tri", frozenset({"Bộ Chính trị"})),
    ("ban bi thu", frozenset({"Ban Bí thư"})),
    ("trung uong dang", frozenset({"Ban Chấp hành Trung ương", "Bộ Chính trị", "Ban Bí thư"})),
    ("quoc hoi", frozenset({"Quốc hội", "Ủy ban Thường vụ Quốc hội"})),
    ("chinh phu", frozenset({"Chính phủ", "Thủ tướng Chính phủ"})),
)
ISSUER_MISMATCH_FACTOR = 0.5
_FOLDED_KIND_WORDS = "|".join(sorted((" ".join(w) for _, w in _FOLDED_KINDS), key=len, reverse=True))
_ISSUER_CUE_RE = re.compile(
    rf"\b(?:cua|{_FOLDED_KIND_WORDS})\s+(?P<cue>{'|'.join(c for c, _ in ISSUER_CUES)})\b")


def issuer_cue(question: str) -> frozenset[str] | None:
    """Issuers the question asks for ("… chỉ thị của Thủ tướng" → {"Thủ tướng Chính phủ"}), or None.

    Only an issuer right after "của" or a kind word counts: "cơ quan hành chính nhà nước" or
    "chính quyền" in a topic name no one.
    """
    m = _ISSUER_CUE_RE.search(fold(question))
    if m is None:
        return None
    return next(issuers for cue, issuers in ISSUER_CUES if cue == m.group("cue"))


def apply_issuer_cue(ranked: list[tuple[str, float]], issuers: frozenset[str],
                     registry: Registry) -> list[tuple[str, float]]:
    """Scale down directives whose known issuer is not among ``issuers``; re-sort (stable)."""
    scaled = []
    for did, score in ranked:
        issuer = registry.get(did).expected_issuer
        scaled.append((did, score * ISSUER_MISMATCH_FACTOR if issuer and issuer not in issuers else score))
    return sorted(scaled, key=lambda kv: -kv[1])


def _profile(rec: DirectiveRecord, max_sentences: int = 60) -> str:
    titles = {m.title for m in rec.mentions if m.title} | ({rec.title} if rec.title else set())
    sentences = []
    seen = set()
    for m in rec.mentions:
        if m.sentence not in seen:
            seen.add(m.sentence)
            sentences.append(m.sentence)
    return " ".join(sorted(titles) * 3 + sentences[:max_sentences])


def normalize(scores: dict[str, float]) -> dict[str, float]:
    """Min-max to [0, 1]; a single or constant signal maps to 1.0 for its positive entries."""
    if not scores:
        return {}
    hi, lo = max(scores.values()), min(scores.values())
    if hi <= 0:
        return {k: 0.0 for k in scores}
    if hi == lo:
        return {k: 1.0 for k in scores}
    return {k: (v - lo) / (hi - lo) for k, v in scores.items()}


def combine_scores(lexical: dict[str, float], retrieval: dict[str, float],
                   w_lexical: float = W_LEXICAL, w_retrieval: float = W_RETRIEVAL) -> list[tuple[str, float]]:
    """Weighted sum of the normalized signals, best first (ties broken by id for stability)."""
    lex, ret = normalize(lexical), normalize(retrieval)
    if not ret:
        w_lexical, w_retrieval = 1.0, 0.0
    ids = set(lex) | set(ret)
    combined = {i: w_lexical * lex.get(i, 0.0) + w_retrieval * ret.get(i, 0.0) for i in ids}
    return sorted(combined.items(), key=lambda kv: (-kv[1], kv[0]))


class DirectiveIndex:
    """BM25 over directive profiles; built once per registry.

    Example:
        >>> DirectiveIndex(registry).scores("giám sát phản biện xã hội")  # doctest: +SKIP
    """

    def __init__(self, registry: Registry):
        import bm25s

        self.records = [r for r in registry.records().values() if not r.suspect]
        if not self.records:
            raise ValueError("registry is empty: build the index first (soanthao index)")
        self.ids = [r.id for r in self.records]
        self._bm25 = bm25s.BM25()
        self._bm25.index([profile_tokens(_profile(r)) or ["_"] for r in self.records], show_progress=False)
        vocab = self._bm25.vocab_dict
        self._vocab = set(vocab)

    def scores(self, question: str, topic: str | None = None) -> dict[str, float]:
        """BM25 of every directive profile for the question (only its ``topic`` words when given)."""
        q = question_tokens(question, topic) if topic is not None else profile_tokens(question)
        q = [t for t in q if t in self._vocab]
        if not q:
            return {}
        raw = self._bm25.get_scores(q)
        return {i: float(s) for i, s in zip(self.ids, raw) if s > 0}


_INDEX_CACHE: dict[int, tuple[Registry, DirectiveIndex]] = {}


def _directive_index(registry: Registry) -> DirectiveIndex:
    cached = _INDEX_CACHE.get(id(registry))
    if cached is None or cached[0] is not registry:
        _INDEX_CACHE.clear()
        _INDEX_CACHE[id(registry)] = (registry, DirectiveIndex(registry))
    return _INDEX_CACHE[id(registry)][1]


def directive_topic_scores(text: str, registry: Registry) -> dict[str, float]:
    """BM25 of every directive's profile (titles and citing sentences) for ``text``: which documents it is about."""
    return _directive_index(registry).scores(text)


def topic_overlap(text: str, rec: DirectiveRecord) -> float:
    """Share of ``text``'s word pairs (``tiếp_dân``) found in what the corpus says of ``rec``: 0 when ``text``
    has none. Pairs, not syllables: "quản lý đơn thư" and a decree on "quản lý, sử dụng kinh phí" share
    the syllables "quản lý" but not the topic."""
    pairs = {t for t in tokens(text) if "_" in t}
    if not pairs:
        return 0.0
    return len(pairs & set(tokens(_profile(rec)))) / len(pairs)


def retrieval_scores(hits: Sequence[Any], registry: Registry) -> tuple[dict[str, float], dict[str, list[Evidence]]]:
    """Reciprocal-rank credit of the best retrieved passage that cites, or belongs to, each directive."""
    scores: dict[str, float] = {}
    evidence: dict[str, list[Evidence]] = {}
    records = registry.records()
    for rank, hit in enumerate(hits, 1):
        chunk = hit.chunk
        ids = {registry.resolve(r.canonical_id) for r in find_citations(chunk.text) if r.canonical_id in registry}
        law = (chunk.meta or {}).get("law_number")
        if law and law in registry:
            ids.add(registry.resolve(law))
        ids &= set(records)
        for did in ids:
            # a directive's credit is its best passage's: a law of 90 articles must not win by volume
            scores[did] = max(scores.get(did, 0.0), 1.0 / (RRF_K + rank))
            evidence.setdefault(did, []).append(Evidence(chunk.source, chunk.section, chunk.text[:500]))
    return scores, evidence


def _mention_evidence(rec: DirectiveRecord, question: str, n: int = 3) -> list[Evidence]:
    q = set(tokens(question))
    ranked = sorted(rec.mentions, key=lambda m: -len(q & set(tokens(m.sentence))))
    out, seen = [], set()
    for m in ranked:
        if m.sentence in seen:
            continue
        seen.add(m.sentence)
        section = m.section if not m.article else (m.section or m.article)
        out.append(Evidence(m.source, section, m.sentence))
        if len(out) == n:
            break
    return out


def named_ids(numbers: Sequence[str], registry: Registry) -> list[str]:
    """Canonical ids of the documents whose number the question writes (normalized as BM25 does:
    ``15/2014/nd-cp``), in the question's order; aliases find their canonical record."""
    by_number: dict[str, list[str]] = {}
    for rec in registry.records().values():
        for did in (rec.id, *rec.aliases):
            by_number.setdefault(normalize_document_number(did.split("@")[0]), []).append(rec.id)
    found: list[str] = []
    for number in numbers:
        for did in by_number.get(number, []) + by_number.get(number.replace("-qd/", "-qdi/"), []):
            if did not in found:
                found.append(did)
    return found


def _kind_first(ranked: list[tuple[str, float]], kind: str, registry: Registry) -> list[tuple[str, float]]:
    """Candidates of the asked kind ahead of the others (stable), if they score ``KIND_MIN_SHARE`` of the best."""
    if not ranked:
        return ranked
    floor = KIND_MIN_SHARE * max(s for _, s in ranked)
    head = [(i, s) for i, s in ranked if registry.get(i).kind.startswith(kind) and s >= floor]
    return head + [(i, s) for i, s in ranked if (i, s) not in head]


def _with_governing_family(ranked: list[tuple[str, float]], registry: Registry) -> list[tuple[str, float]]:
    """The best answer's governing law and detailing decrees within the first ``FAMILY_WITHIN`` answers."""
    if not ranked:
        return ranked
    family = [f for f in registry.governing_family(ranked[0][0]) if not registry.get(f).suspect]
    top = [i for i, _ in ranked[:FAMILY_WITHIN]]
    missing = [f for f in family if f not in top]
    if not missing:
        return ranked
    score_of = dict(ranked)
    head = [ranked[0][0]] + [f for f in family if f != ranked[0][0]]
    order = head + [i for i, _ in ranked if i not in head]
    return [(i, score_of.get(i, 0.0)) for i in order]


def lookup(question: str, k: int = 5, settings: Settings | None = None, registry: Registry | None = None,
           retriever: _Searcher | None = None) -> LookupResult:
    """Directives that govern a topic, best first, with their evidence.

    Args:
        question: plain Vietnamese question or topic.
        k: how many directives.
        settings: used to load the registry (and the retriever, if the index exists) when not given.
        registry: a built registry; default ``index.registry.load_registry(settings)``.
        retriever: anything with ``search(query, k=...) -> [Hit]``; default the project's
            ``assistant.retrieve.get_retriever(settings)`` when an index exists, else lexical only.
    """
    if not question.strip():
        from assistant.errors import InvalidRequestError

        raise InvalidRequestError("Câu hỏi trống / empty question")
    if k <= 0:
        raise ValueError("k must be positive")
    settings = settings or Settings()
    if registry is None:
        from index.registry import load_registry

        registry = load_registry(settings)
    if retriever is None and (settings.index_dir / "manifest.json").exists():
        from assistant.retrieve import get_retriever

        retriever = get_retriever(settings)
    cues = analyse_question(question)
    lexical = _directive_index(registry).scores(question, cues.topic)
    ret_scores: dict[str, float] = {}
    ret_evidence: dict[str, list[Evidence]] = {}
    if retriever is not None:
        hits = retriever.search(question, k=RETRIEVE_K)
        ret_scores, ret_evidence = retrieval_scores(hits, registry)
    ranked = rank_directives(question, cues, lexical, ret_scores, registry)[:k]
    answers = []
    for did, score in ranked:
        rec = registry.get(did)
        ev = ret_evidence.get(did, [])[:2] + _mention_evidence(rec, question)
        answers.append(DirectiveAnswer(rec, round(score, 4), tuple(ev[:4])))
    answer = answer_line(cues.asks, answers[0].record, registry) if answers else None
    return LookupResult(question, tuple(answers), answer)


def rank_directives(question: str, cues: QuestionCues, lexical: dict[str, float], retrieval: dict[str, float],
                    registry: Registry) -> list[tuple[str, float]]:
    """All candidates, best first: scores, then the issuer, named-text, kind, governing-law and
    document-number rules (module docstring), the later overriding the earlier."""
    ranked = [(i, s) for i, s in combine_scores(lexical, retrieval) if not registry.get(i).suspect]
    issuers = issuer_cue(question)
    if issuers:
        logger.debug("question names the issuer %s", sorted(issuers))
        ranked = apply_issuer_cue(ranked, issuers, registry)
    if cues.kind:
        ranked = _kind_first(ranked, cues.kind, registry)
    named = named_matches(question, registry)
    if named:
        logger.debug("question names %s", named)
        ranked = _named_first(ranked, named, registry)
    ids = named_ids(cues.numbers, registry)
    if ids:
        return _head_first(ranked, ids, registry)
    if cues.asks == "which":
        ranked = _with_governing_family(ranked, registry)
    return ranked


def lookup_to_json(result: LookupResult) -> dict[str, Any]:
    """The JSON the CLI prints and the app shows (``{"question", "answer", "directives": [...]}``)."""
    return result.to_json()
