"""The clerk's facts written as report sentences, in the way the precedents write such sentences.

Precedents state a unit's figures in a few fixed shapes ("Trong năm 2023, UBND phường tiếp nhận
6 đơn …", "Trong năm đã tiếp 16 đơn …"): a time frame, a subject, "đã" before the act, then the
act and its figures. ``learn_patterns`` reads those shapes from precedent sentences that carry
figures; ``write_fact_sentences`` puts each statement of the clerk (``assistant.clerk_facts``)
into that shape, keeping the clerk's own words for the facts themselves, so a sentence never
says more (or other) than the clerk said. Every statement gives one sentence; a short negative
statement ("không có đơn tố cáo") joins the sentence before it when it is about the same thing.

Example:
    >>> facts = parse_facts("tiếp 31 lượt công dân; tiếp nhận 9 đơn; không có đơn tố cáo")
    >>> [s.text for s in write_fact_sentences(facts, UnitRef.parse("UBND xã Đại Đồng"), 2025)]
    ['Trong năm 2025, UBND xã Đại Đồng đã tiếp 31 lượt công dân.', 'Đã tiếp nhận 9 đơn; không có đơn tố cáo.']
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from assistant.adapt import UnitRef
from assistant.clerk_facts import _ACTIONS, _OCCASIONS, ClerkFacts, measure_of, parse_facts

__all__ = ["FactPatterns", "FactSentence", "learn_patterns", "write_fact_sentences", "DEFAULT_PATTERNS"]

_NUMBER = re.compile(r"(?<![\w/.,])\d{1,3}(?:\.\d{3})+(?:,\d+)?|(?<![\w/.,])\d+(?:,\d+)?")
_FRAME = re.compile(r"^(?P<frame>(?:Trong|Từ đầu)\s+năm(?:\s+(?:19|20)\d{2})?|Năm\s+(?:19|20)\d{2})\s*,?\s*(?P<rest>.*)$", re.I)
_CLERK_FRAME = re.compile(r"^(?:(?:trong|từ đầu)\s+năm(?:\s+(?:19|20)\d{2})?|năm\s+(?:19|20)\d{2})\s*,?\s*", re.I)
MAX_HEAD_WORDS = 14      # frame + subject + act before the first figure; longer heads are narratives
_NEGATIVE = re.compile(r"^(?:không|chưa)\s+(?:có|phát sinh|xảy ra)\b", re.I)


@dataclass(frozen=True)
class FactPatterns:
    """How precedents state a unit's figures.

    Args:
        frame: the time frame, "{year}" for the reporting year ("Trong năm {year}").
        subject: whether the acting body is named ("UBND xã") before the act.
        past: whether the act is written with "đã" ("đã tiếp", "đã tổ chức").
        examples: how many precedent sentences the shape was learned from.
    """

    frame: str = "Trong năm {year}"
    subject: bool = True
    past: bool = True
    examples: int = 0


DEFAULT_PATTERNS = FactPatterns()


@dataclass(frozen=True)
class FactSentence:
    """One sentence written from the clerk's facts, and which statements and facts it states."""

    text: str
    statements: tuple[int, ...]
    facts: tuple[int, ...]


def _counted_figure(sentence: str) -> re.Match[str] | None:
    for m in _NUMBER.finditer(sentence):
        if measure_of(sentence[m.end():]) is not None and not re.match(r"(?:19|20)\d{2}$", m.group()):
            return m
    return None


def learn_patterns(sentences: Iterable[str]) -> FactPatterns:
    """The most common frame / subject / "đã" of precedent sentences that state counted figures."""
    frames: Counter[str] = Counter()
    subjects: Counter[bool] = Counter()
    past: Counter[bool] = Counter()
    examples = 0
    for sentence in sentences:
        m = _counted_figure(sentence)
        if m is None:
            continue
        head = sentence[: m.start()].strip()
        fm = _FRAME.match(head)
        if fm is None or len(head.split()) > MAX_HEAD_WORDS:
            continue
        examples += 1
        frame = re.sub(r"(?:19|20)\d{2}", "{year}", fm.group("frame"))
        frames[frame[:1].upper() + frame[1:]] += 1
        words = fm.group("rest").split()
        verb_at = next((i for i in range(len(words)) if words[i].lower() == "đã"
                        or _starts_with_action(" ".join(words[i:]))), len(words))
        subjects[verb_at > 0] += 1
        past["đã" in (w.lower() for w in words)] += 1
    if not examples:
        return DEFAULT_PATTERNS
    frame = max(frames, key=lambda f: (frames[f], "{year}" in f))
    return FactPatterns(frame=frame, subject=subjects[True] >= subjects[False],
                        past=past[True] >= past[False], examples=examples)


def _starts_with_action(body: str) -> str | None:
    words = body.lower().split()
    for n in (3, 2, 1):
        if len(words) >= n and " ".join(words[:n]) in _ACTIONS:
            return " ".join(words[:n])
    return None


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or text[1:2] == " " else text


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _finish(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip().rstrip(",;: ")
    text = re.sub(r"\s+([,;:.)])", r"\1", text)
    return _capital(text) + ("" if text.endswith((".", "!", "?", "…")) else ".")


def _clause(body: str, facts: ClerkFacts, indexes: Sequence[int], patterns: FactPatterns) -> tuple[str, bool]:
    """(the statement as a predicate, whether it needs the subject before it)."""
    body = _CLERK_FRAME.sub("", body.strip())
    body = re.sub(r"^(?:UBND|Ủy ban nhân dân)\s+(?:xã|phường|thị trấn)\s+", "", body, flags=re.I)
    body = _lower_first(body)
    if _NEGATIVE.match(body):
        return body, False
    had_past = bool(re.match(r"(?:đã|được)\s", body))
    action = _starts_with_action(re.sub(r"^(?:đã|được)\s+", "", body))
    if action is not None:
        if patterns.past and not had_past:
            body = "đã " + body
        return body, True
    if had_past:
        return body, True
    first = facts.facts[indexes[0]] if indexes else None
    if first is not None and first.count and body.startswith(first.count):
        if first.measure in _OCCASIONS:
            return ("đã tổ chức " if patterns.past else "tổ chức ") + body, True
        if first.status == "pending":
            return "còn " + body, False
        return "có " + body, False
    return body, False


def write_fact_sentences(facts: ClerkFacts | str | None, target: UnitRef, year: int,
                         patterns: FactPatterns = DEFAULT_PATTERNS) -> list[FactSentence]:
    """One sentence per statement of the clerk, in the clerk's order (see the module docstring)."""
    if isinstance(facts, str) or facts is None:
        facts = parse_facts(facts)
    subject = target.full      # named once, in the first sentence; the others follow on from it
    frame = patterns.frame.replace("{year}", str(year))
    out: list[tuple[list[str], list[int], list[int], str]] = []   # parts, statements, facts, measure
    for i, statement in enumerate(facts.statements):
        body, needs_subject = _clause(statement.text, facts, statement.facts, patterns)
        if not body:
            continue
        measures = {facts.facts[j].measure for j in statement.facts if facts.facts[j].measure}
        if _NEGATIVE.match(body) and out and (not measures or measures & {out[-1][3]} or len(body.split()) <= 6):
            out[-1][0].append(body)
            out[-1][1].append(i)
            out[-1][2].extend(statement.facts)
            continue
        lead = frame if not out else ""
        if lead and needs_subject and patterns.subject:
            text = f"{lead}, {subject} {body}"
        else:
            text = f"{lead}, {body}" if lead else body
        out.append(([text], [i], list(statement.facts), next(iter(measures), "")))
    return [FactSentence(_finish("; ".join(parts)), tuple(st), tuple(dict.fromkeys(fs))) for parts, st, fs, _ in out]
