"""Does a draft sentence contradict what the clerk said?

A sentence may be perfectly cited and still false for the clerk's unit: "không có đơn thư tồn
đọng" when the clerk wrote "còn 1 đơn đang xác minh", "Trong năm đã tiếp 16 đơn" when the clerk
received 9. The sentence's own claims are read with the same parser as the clerk's facts
(``assistant.clerk_facts``) and compared:

* a figure of a measure the clerk counted (đơn, lượt, buổi …) that is none of the clerk's
  figures for that measure;
* "không có X" when the clerk gave a positive count of X;
* a positive count of X when the clerk said there was no X;
* "no backlog" / "all resolved" wording ("không có … tồn đọng", "đều được giải quyết",
  "giải quyết xong") when the clerk reported something still pending.

Questions to the clerk are not claims and are never checked.

Example:
    >>> facts = parse_facts("tiếp nhận 9 đơn, đã giải quyết 8 đơn, còn 1 đơn đang xác minh")
    >>> [c.reason for c in contradictions("Các đơn thư đã được giải quyết, không có đơn thư tồn đọng.", facts)]
    ['pending']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.clerk_facts import ClerkFacts, TypedFact, parse_facts
from assistant.clerk_questions import is_question
from assistant.intent import fold

__all__ = ["Contradiction", "contradictions"]

_ALL_RESOLVED = re.compile(
    r"không\s+(?:có|để|còn)\s+[^.;]{0,50}?tồn\s+đọng|(?:đều|100\s*%)\s+[^.;]{0,40}?giải\s+quyết|"
    r"giải\s+quyết\s+(?:xong|dứt\s+điểm|hết)|không\s+còn\s+(?:đơn|vụ|hồ\s+sơ)", re.I)
_BACKLOG_MEASURES = frozenset({"đơn", "vụ", "hồ sơ", "kiến nghị"})
_STOP = frozenset({"đơn", "thư", "có", "không", "các", "của", "về", "và", "những", "được", "đã", "trong", "năm", "nào", "gì"})


@dataclass(frozen=True)
class Contradiction:
    """A claim of a draft sentence that the clerk's facts deny."""

    claim: str
    fact: str
    reason: str       # "figure", "none", "exists", "pending"

    @property
    def message(self) -> str:
        return f"“{self.claim}” trái với số liệu của đơn vị “{self.fact}” / contradicts the clerk's facts"


def _content(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", fold(text)) if w not in {fold(s) for s in _STOP} and not w.isdigit()}


def _overlaps(a: TypedFact, b: TypedFact) -> bool:
    """Same measure, and what they count is not disjoint (an unqualified one matches any)."""
    if a.measure != b.measure:
        return False
    wa, wb = _content(a.what), _content(b.what)
    return not wa or not wb or bool(wa & wb)


def _compatible_action(a: TypedFact, b: TypedFact) -> bool:
    ca, cb = a.action_class, b.action_class
    return ca is None or cb is None or ca == cb


def contradictions(sentence: str, facts: ClerkFacts | str | None) -> list[Contradiction]:
    """Every contradiction between ``sentence`` and the clerk's ``facts`` (empty when none or no facts)."""
    if isinstance(facts, str) or facts is None:
        facts = parse_facts(facts)
    sentence = re.sub(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]", "", sentence)   # citation marks are no figures
    if not facts or is_question(sentence):
        return []
    out: list[Contradiction] = []
    given = [f for f in facts.facts if f.count is not None]
    pending = [f for f in given if f.status == "pending" and f.measure in _BACKLOG_MEASURES and f.count != "0"]
    m = _ALL_RESOLVED.search(sentence)
    if m and pending:
        out.append(Contradiction(m.group(), pending[0].text, "pending"))
    for claim in parse_facts(sentence).facts:
        if claim.count is None or not claim.measure:
            continue
        if claim.count == "0":
            said_none = [f for f in given if f.count == "0" and _overlaps(claim, f)]
            qualifier = _content(claim.what)
            positive = [f for f in given if f.count != "0" and f.measure == claim.measure
                        and (not qualifier or qualifier & _content(f.what))]
            if positive and not said_none:
                out.append(Contradiction(claim.text, positive[0].text, "none"))
            continue
        denied = [f for f in given if f.count == "0" and _overlaps(claim, f) and _content(f.what)
                  and _content(f.what) <= _content(claim.what)]
        if denied:
            out.append(Contradiction(claim.text, denied[0].text, "exists"))
            continue
        same = [f for f in given if f.measure == claim.measure and f.count != "0"]
        if same and claim.count not in {f.count for f in same}:
            related = [f for f in same if _compatible_action(claim, f)]
            if related:
                out.append(Contradiction(f"{claim.count} {claim.measure}", related[0].text, "figure"))
    return out
