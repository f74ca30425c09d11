"""What kind of unit the draft is for, and the words that go with it.

A xã is made of thôn (xóm, bản, ấp) led by a trưởng thôn; a phường or thị trấn of tổ dân phố
(khu phố) led by a tổ trưởng. A precedent from a mountain commune speaks of "quy ước của thôn
bản; … trưởng bản"; copied into a ward's report that is plainly wrong. The profile comes from
the request (the level in "UBND phường Hòa Bình") and, when the unit's own documents are in the
index, from the sub-unit word those documents use most. ``fit_vocabulary`` rewrites a
sentence's sub-unit words to the profile's and drops the sentence when a word cannot be
rewritten (a rural programme in a ward's report). Quoted titles are never touched.

Example:
    >>> profile = unit_profile(UnitRef.parse("UBND phường Hòa Bình"))
    >>> fit_vocabulary("Nhân dân bàn quy ước của thôn bản; bầu trưởng bản.", profile).text
    'Nhân dân bàn quy ước của tổ dân phố; bầu tổ trưởng tổ dân phố.'
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from assistant.adapt import UnitRef

__all__ = ["UnitProfile", "unit_profile", "fit_vocabulary", "FittedSentence", "RURAL", "URBAN"]

RURAL = ("thôn", "xóm", "bản", "ấp")
URBAN = ("tổ dân phố", "khu phố")
_HEADS = {"thôn": "trưởng thôn", "xóm": "trưởng xóm", "bản": "trưởng bản", "ấp": "trưởng ấp",
          "tổ dân phố": "tổ trưởng tổ dân phố", "khu phố": "trưởng khu phố"}
_DEFAULT = {"xã": "thôn", "phường": "tổ dân phố", "thị trấn": "tổ dân phố"}
# "nông thôn" is countryside, not a village; "văn bản", "cơ bản" are not mountain villages.
_RURAL_WORDS = re.compile(
    r"(?<!\w)(?:thôn\s*,?\s*(?:bản|xóm|làng)|(?<!nông\s)thôn(?!\s+mới)|xóm|làng|ấp(?!\s+ủ))(?!\w)", re.I)
_BAN = re.compile(r"(?:(?<=các\s)|(?<=của\s)|(?<=từng\s))bản(?=\s*[,;.:)]|\s+[A-ZĐ]|\s*$)|(?<!\w)bản\s+làng(?!\w)")
_RURAL_HEAD = re.compile(r"(?<!\w)trưởng\s+(?:thôn|bản|xóm|ấp|làng)(?!\w)", re.I)
_URBAN_WORDS = re.compile(r"(?<!\w)(?:khu\s+phố\s*,?\s*tổ\s+dân\s+phố|tổ\s+dân\s+phố|khu\s+phố|tổ\s+phố)(?!\w)", re.I)
_URBAN_HEAD = re.compile(r"(?<!\w)(?:tổ\s+trưởng\s+tổ\s+dân\s+phố|trưởng\s+khu\s+phố|tổ\s+trưởng\s+dân\s+phố)(?!\w)", re.I)
_VILLAGE_CHARTER = re.compile(r"(?<!\w)hương\s+ước\s*,\s*quy\s+ước|quy\s+ước\s*,\s*hương\s+ước(?!\w)", re.I)
_RURAL_ONLY = re.compile(r"(?<!\w)(?:nông\s+thôn\s+mới|xã\s+miền\s+núi|vùng\s+cao)(?!\w)", re.I)
_URBAN_TOO = re.compile(r"(?<!\w)đô\s+thị\s+văn\s+minh(?!\w)", re.I)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


@dataclass(frozen=True)
class UnitProfile:
    """The target unit's kind and its words.

    Args:
        level: "xã", "phường" or "thị trấn".
        sub_unit: what it is made of ("thôn", "tổ dân phố", "khu phố", "bản", …).
        head: who leads one ("trưởng thôn", "tổ trưởng tổ dân phố").
        source: where ``sub_unit`` was learned: "request" or "own documents".
    """

    level: str
    sub_unit: str
    head: str
    source: str = "request"

    @property
    def urban(self) -> bool:
        return self.sub_unit in URBAN


@dataclass(frozen=True)
class FittedSentence:
    """A sentence rewritten to the profile's words (``text`` None: it cannot be, drop it)."""

    text: str | None
    changes: tuple[str, ...] = ()
    reason: str = ""


def unit_profile(target: UnitRef, own_texts: Iterable[str] = ()) -> UnitProfile:
    """The profile of ``target``: its level, and the sub-unit word its own documents use most."""
    level = target.level if target.level in _DEFAULT else "xã"
    counts: Counter[str] = Counter()
    for text in own_texts:
        for word in (*URBAN, *RURAL):
            pattern = r"(?<!\w)(?<!nông\s)" + re.escape(word) + r"(?!\w)" if word != "bản" else r"(?<!\w)thôn\s*,?\s*bản(?!\w)"
            counts[word] += len(re.findall(pattern, text, re.I))
    fitting = [w for w, n in counts.most_common() if n and ((w in URBAN) == (level != "xã"))]
    if fitting:
        # a commune that writes "thôn bản" at all is a mountain commune: keep its "bản"
        word = "bản" if counts["bản"] and level == "xã" else fitting[0]
        return UnitProfile(level, word, _HEADS[word], "own documents")
    word = _DEFAULT[level]
    return UnitProfile(level, word, _HEADS[word], "request")


def _outside_quotes(text: str, rx: re.Pattern[str], repl: str, changes: list[str]) -> str:
    pieces: list[str] = []
    pos = 0
    for q in _QUOTED.finditer(text):
        pieces.append(_sub(text[pos:q.start()], rx, repl, changes))
        pieces.append(q.group())
        pos = q.end()
    pieces.append(_sub(text[pos:], rx, repl, changes))
    return "".join(pieces)


def _sub(text: str, rx: re.Pattern[str], repl: str, changes: list[str]) -> str:
    def one(m: re.Match[str]) -> str:
        changes.append(f"{m.group()} → {repl}")
        return repl.capitalize() if m.group()[:1].isupper() else repl
    return rx.sub(one, text)


def fit_vocabulary(sentence: str, profile: UnitProfile) -> FittedSentence:
    """``sentence`` in the profile's words, or ``text=None`` when it only fits another kind of unit."""
    plain = _QUOTED.sub(" ", sentence)
    changes: list[str] = []
    text = sentence
    if profile.urban:
        if _RURAL_ONLY.search(plain) and not _URBAN_TOO.search(plain):
            return FittedSentence(None, (), f"“{_RURAL_ONLY.search(plain).group()}” chỉ hợp với xã / fits a commune only")
        text = _outside_quotes(text, _VILLAGE_CHARTER, "quy ước", changes)
        text = _outside_quotes(text, _RURAL_HEAD, profile.head, changes)
        text = _outside_quotes(text, _RURAL_WORDS, profile.sub_unit, changes)
        text = _outside_quotes(text, _BAN, profile.sub_unit, changes)
    else:
        text = _outside_quotes(text, _URBAN_HEAD, profile.head, changes)
        text = _outside_quotes(text, _URBAN_WORDS, profile.sub_unit, changes)
        if profile.sub_unit != "bản":
            text = _outside_quotes(text, re.compile(r"(?<!\w)thôn\s*,?\s*bản(?!\w)", re.I), profile.sub_unit, changes)
            text = _outside_quotes(text, re.compile(r"(?<!\w)trưởng\s+bản(?!\w)", re.I), profile.head, changes)
    text = re.sub(rf"(?<!\w)({re.escape(profile.sub_unit)})(\s*,\s*|\s+)\1(?!\w)", r"\1", text, flags=re.I)
    return FittedSentence(text, tuple(changes))
