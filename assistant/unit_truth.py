"""Keep a draft true of the clerk's unit: which precedent sentences may stand, and what replaces the rest.

Every candidate sentence gets a kind (``assistant.sentence_kinds``) and an origin:

* ``precedent`` — a formula, true of any unit, from any precedent: kept (adapted to the unit,
  its vocabulary fitted, its legal basis brought up to date);
* ``own_unit`` — from the target unit's own earlier documents: formulas and what the place is
  like (traits, names, stable counts such as hộ, nhân khẩu, diện tích) are kept; last year's
  events, counts and outcomes are not this year's, so they become questions with last year's
  wording as a hint;
* ``clerk`` — a sentence written from the clerk's facts (``assistant.fact_sentences``), cited to
  those facts;
* ``question`` — a unit fact of another unit, turned into a question for the clerk
  (``assistant.clerk_questions``), unless the clerk's facts already answer it.

The same rules apply to an LLM's sentences (``judge_written``): a unit fact it wrote stands
only when the clerk's facts support it (every figure is the clerk's, nothing contradicts them),
otherwise it becomes a question.

Example:
    >>> item = judge_candidate(candidate, context)        # doctest: +SKIP
    >>> item.origin, item.text                            # doctest: +SKIP
    ('question', '[Trong năm có đơn thư tồn đọng không? Nếu có: số đơn, lý do.]')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Literal, Sequence

from assistant.adapt import PLACEHOLDER_RE, UnitRef
from assistant.clerk_facts import ClerkFacts, measure_of
from assistant.clerk_questions import Question, is_question, question_for
from assistant.fact_check import contradictions
from assistant.fact_sentences import FactSentence
from assistant.intent import fold
from assistant.legal_basis import BasisChange, LegalBasis
from assistant.precedent_sentences import is_whole_sentence, looks_like_topic_label
from assistant.sentence_kinds import KindDecision, classify_sentence
from assistant.unit_profile import UnitProfile, fit_vocabulary

__all__ = ["Origin", "DraftItem", "TruthContext", "judge_candidate", "judge_written", "answered_by",
           "compose", "fact_items", "STABLE_MEASURES"]

Origin = Literal["precedent", "own_unit", "clerk", "question"]
# Counts that describe the place rather than the year: an own earlier document may state them.
STABLE_MEASURES = frozenset({"hộ", "nhân khẩu", "ha", "km", "thôn", "tổ dân phố", "khu phố", "chi bộ", "đảng viên"})
_GENERIC_ASKS = frozenset({"event", "outcome", "trait"})


@dataclass(frozen=True)
class DraftItem:
    """One sentence of a section in the making.

    Args:
        text: the sentence (a question is wholly in brackets).
        kind: "formula" or "unit_fact".
        origin: see the module docstring.
        signals: why it is a unit fact ("figure", "event", …).
        position: relative position in the precedents' section (0..1), for ordering.
        support: how many precedent documents attest it (for choosing among formulas).
        rank: the best precedent rank it comes from.
        sources: (chunk, precedent sentence) pairs to cite.
        question: the question, for a ``question`` item.
        facts: indexes of the clerk's facts stated, for a ``clerk`` item.
    """

    text: str
    kind: str
    origin: Origin
    signals: tuple[str, ...] = ()
    position: float = 0.0
    support: int = 1
    rank: int = 0
    sources: tuple[tuple[Any, str], ...] = ()
    question: Question | None = None
    facts: tuple[int, ...] = ()
    citations: tuple[int, ...] = ()
    basis: tuple[BasisChange, ...] = ()


@dataclass
class TruthContext:
    """What the judging needs about the request.

    Args:
        target: the clerk's unit; year: the report's year.
        profile: the unit's kind and words.
        facts: the clerk's typed facts.
        basis: the legal-basis checker (registry + year); None when no registry is known.
        other_names: names of other units known in the corpus.
        dropped: why candidate sentences were left out (reason → count), shown as notes.
    """

    target: UnitRef
    year: int
    profile: UnitProfile
    facts: ClerkFacts
    basis: LegalBasis | None = None
    other_names: Sequence[str] = ()
    dropped: dict[str, int] = field(default_factory=dict)
    asked: set[str] = field(default_factory=set)   # question topics already in the report

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    @property
    def notes(self) -> list[str]:
        return [f"Bỏ {n} câu tiền lệ: {reason} / {n} precedent sentence(s) left out" for reason, n in self.dropped.items()]

    def fact_terms(self) -> set[str]:
        terms: set[str] = set()
        for f in self.facts.facts:
            if f.measure:
                terms.add(f.measure)
            for word in re.findall(r"\w+(?:\s+\w+)?", f.what.lower()):
                terms.add(word)
            terms |= {w for w in ("hội nghị", "đối thoại", "tiếp xúc", "họp") if w in f.text.lower()}
        return terms


def answered_by(question: Question, context: TruthContext) -> bool:
    """True when the clerk's facts already speak to what ``question`` asks."""
    specific = set(question.asks) - _GENERIC_ASKS
    return bool(specific) and bool(specific & context.fact_terms())


def _stable_only(decision: KindDecision, text: str) -> bool:
    """A trait of the place (and stable counts only): true next year too."""
    reasons = set(decision.reasons)
    if reasons & {"event", "outcome", "local_document"}:
        return False
    for signal in decision.signals:
        if signal.name == "figure":
            measured = measure_of(text[signal.end:])
            if measured is None or measured[0] not in STABLE_MEASURES:
                return False
    return True


def _finish_formula(text: str, context: TruthContext) -> tuple[str | None, tuple[BasisChange, ...]]:
    """(the sentence with its vocabulary fitted and its legal basis updated, the basis changes);
    text None when the sentence must go."""
    fitted = fit_vocabulary(text, context.profile)
    if fitted.text is None:
        context.drop(f"không hợp với {context.profile.level} ({fitted.reason})")
        return None, ()
    text = re.sub(r"(?<!\w)(số)(\d)", r"\1 \2", fitted.text)   # "số145/2020" → "số 145/2020"
    text = re.sub(r"(\d)\s+-\s*(?=[A-ZĐ]{2})", r"\1-", text)     # "217 -QĐ/TW" → "217-QĐ/TW"
    changes: tuple[BasisChange, ...] = ()
    if context.basis is not None:
        current = context.basis.apply(text)
        changes = current.changes
        if current.text is None:
            context.drop("viện dẫn văn bản đã hết hiệu lực, chưa rõ văn bản thay thế")
            return None, ()
        text = current.text
    if not is_whole_sentence(text) or looks_like_topic_label(text):
        context.drop("câu không trọn vẹn")
        return None, ()
    return text, changes


def judge_candidate(source: str, adapted: str, decision: KindDecision, own: bool, context: TruthContext,
                    chunk: Any = None, position: float = 0.0, rank: int = 0, support: int = 1) -> DraftItem | None:
    """The item a precedent sentence becomes in the draft, or None when it is left out."""
    sources = ((chunk, source),) if chunk is not None else ()
    if decision.kind == "formula":
        text, basis = _finish_formula(adapted, context)
        if text is None:
            return None
        return DraftItem(text, "formula", "own_unit" if own else "precedent", decision.reasons, position, support,
                         rank, sources, basis=basis)
    if own and _stable_only(decision, source):
        text, basis = _finish_formula(adapted, context)
        if text is not None:
            return DraftItem(text, "unit_fact", "own_unit", decision.reasons, position, support, rank, sources,
                             basis=basis)
    question = _fitted_question(question_for(source, adapted, decision, hint=source if own else None), context)
    if question is None:
        return None
    return DraftItem(question.text, "unit_fact", "question", decision.reasons, position, support, rank, (),
                     question)


def _fitted_question(question: Question, context: TruthContext) -> Question | None:
    """A question in the unit's own words ("số tổ dân phố" for a ward); None when it only fits another kind."""
    fitted = fit_vocabulary(question.text, context.profile)
    if fitted.text is None:
        return None
    return replace(question, text=fitted.text)


def _supported_by_facts(text: str, context: TruthContext) -> bool:
    """A unit-fact sentence written by a model stands only on the clerk's facts."""
    if not context.facts or PLACEHOLDER_RE.search(text):
        return False
    figures = re.findall(r"(?<![\w/.,])\d+(?:[.,]\d+)*", text)
    allowed = set(context.facts.counts) | {str(context.year + d) for d in (-1, 0, 1)}
    if any(f not in allowed for f in figures):
        return False
    if contradictions(text, context.facts):
        return False
    words = set(re.findall(r"\w+", fold(text)))
    fact_words = set(re.findall(r"\w+", fold(context.facts.text)))
    return len(words & fact_words) >= max(2, len(words) // 3)


def judge_written(text: str, citations: Sequence[int], context: TruthContext) -> DraftItem | None:
    """An LLM-written sentence under the same rules (see the module docstring)."""
    text = text.strip()
    if not text or looks_like_topic_label(text) or (not is_question(text) and not is_whole_sentence(text)):
        return None
    if is_question(text):
        return DraftItem(text, "unit_fact", "question")
    decision = classify_sentence(text, own_names=[context.target.name], other_names=context.other_names)
    if decision.kind == "unit_fact":
        if _supported_by_facts(text, context):
            return DraftItem(text, "unit_fact", "clerk", decision.reasons)
        question = _fitted_question(question_for(text, text, decision), context)
        if question is None or answered_by(question, context):
            return None
        return DraftItem(question.text, "unit_fact", "question", decision.reasons, question=question)
    finished, basis = _finish_formula(text, context)
    if finished is None:
        return None
    return DraftItem(finished, "formula", "precedent", citations=tuple(citations), basis=basis)


def fact_items(sentences: Iterable[FactSentence], position: float) -> list[DraftItem]:
    """Sentences written from the clerk's facts, placed at ``position`` in the section."""
    return [DraftItem(s.text, "unit_fact", "clerk", ("clerk",), position + i * 1e-3, facts=s.facts)
            for i, s in enumerate(sentences)]


_DESCRIBES_UNIT = re.compile(r"đặc\s+điểm|tình\s+hình\s+chung|khái\s+quát|tình\s+hình\s+địa\s+phương", re.I)


def compose(items: Sequence[DraftItem], facts: Sequence[DraftItem], limit: int, context: TruthContext,
            section: str = "", max_questions: int | None = None) -> list[DraftItem]:
    """The section: the best-attested formulas and own-unit sentences, one question per topic the
    clerk's facts leave open (asked once in a report), and every fact sentence, in the precedents' order.

    ``limit`` counts precedent sentences and questions; fact sentences always come in full. A vague
    question (``Question.specific`` False) is asked only in a section that describes the unit itself.
    """
    describes_unit = bool(_DESCRIBES_UNIT.search(section))
    max_questions = (limit if describes_unit else max(2, limit // 3)) if max_questions is None else max_questions
    questions: dict[str, DraftItem] = {}
    statements: list[DraftItem] = []
    for item in items:
        if item.origin == "question":
            assert item.question is not None
            if answered_by(item.question, context) or item.question.topic in context.asked:
                continue
            if not item.question.specific and not describes_unit:
                context.drop("nêu đặc điểm riêng của đơn vị khác")
                continue
            key = item.question.topic
            best = questions.get(key)
            if best is None or (item.support, -item.rank) > (best.support, -best.rank):
                questions[key] = item
        else:
            statements.append(item)
    # the unit's own wording first, then what most precedents say
    ranked_q = sorted(questions.values(), key=lambda i: (-i.support, i.rank, i.position))
    ranked_s = sorted(statements, key=lambda i: (i.origin != "own_unit", -i.support, i.rank, i.position))
    n_questions = min(len(ranked_q), max(max_questions, limit - len(ranked_s)))
    keep = ranked_s[: max(0, limit - n_questions)] + ranked_q[:n_questions]
    seen: set[str] = set()
    out: list[DraftItem] = []
    for item in sorted([*keep, *facts], key=lambda i: i.position):
        if item.text in seen:
            continue
        seen.add(item.text)
        if item.question is not None:
            context.asked.add(item.question.topic)
        out.append(item)
    return out
