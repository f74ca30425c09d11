"""Which title a directive gets when the corpus only cites it: what its mentions agree on, never a run-on.

A report cites "Quy định số 11-QĐ/TW … về trách nhiệm của người đứng đầu cấp ủy …" without quotes, so the
citation parser (``index.citations``) cannot always tell where the title ends; one seed's sentence runs on
into its own news ("… kiến nghị của dân trên địa bàn phường đã đạt được những kết quả quan trọng …").
Two rules keep such text out of the title a clerk pastes:

* **cut a run-on** (``trim_run_on``): a document title never states what was done — it has no
  "đã/đang/sẽ" of a clause, no "như sau", and no local body starting a new clause after a comma
  ("…, UBND xã Ngọc Kỳ xây dựng Kế hoạch …"); the title ends before the first of those;
* **agreement** (``agreed_title``): among the titles the mentions give, the one most of them agree
  with (near-equal wording, rapidfuzz ratio ≥ ``AGREE_RATIO`` once accents, case and punctuation are
  folded), then the one closest to all the others; a lone longer variant loses to the wording others share.

Example:
    >>> agreed_title(["về việc A, B và C", "về việc A, B và C", "về việc A, B và C trên địa bàn phường đã làm"])
    'về việc A, B và C'
"""

from __future__ import annotations

import re
from typing import Sequence

from index.lexical import strip_diacritics

#: Two cited titles this close (rapidfuzz ratio on folded text) say the same thing.
AGREE_RATIO = 90.0

_RUN_ON = re.compile(
    r"\s+(?:đã|đang|sẽ)\s"                # a clause's tense marker: "… trên địa bàn phường đã đạt được …"
    r"|\s+như\s+sau\b"                    # "… xây dựng Kế hoạch triển khai thực hiện như sau"
    r"|,\s+(?:UBND|HĐND|MTTQ|Ủy\s+ban\s+nhân\s+dân|Uỷ\s+ban\s+nhân\s+dân|Hội\s+đồng\s+nhân\s+dân|Đảng\s+ủy)"
    r"\s+(?:xã|phường|thị\s+trấn|huyện|quận|thị\s+xã|tỉnh|thành\s+phố)\b"  # "…, UBND xã Ngọc Kỳ xây dựng …"
)


def trim_run_on(title: str) -> str:
    """The title without the clause it runs on into (see module docstring); unchanged when none.

    >>> trim_run_on("triển khai công tác dân vận năm 2023, UBND xã Ngọc Kỳ xây dựng Kế hoạch như sau")
    'triển khai công tác dân vận năm 2023'
    """
    m = _RUN_ON.search(title)
    if m is None:
        return title
    cut = title[:m.start()].rstrip(" ,;:–-")
    return cut if len(cut.split()) >= 2 else title


def title_key(title: str) -> str:
    """A title compared without case, accents or punctuation."""
    return " ".join(re.findall(r"\w+", strip_diacritics(title).lower()))


def agreed_title(titles: Sequence[str]) -> str | None:
    """The title the most mentions agree with (run-ons cut first), then the one closest to all; ties: shorter.

    Args:
        titles: every title the mentions give, one per mention (repeats count as agreement).
    """
    from rapidfuzz import fuzz

    cleaned = [trim_run_on(t) for t in titles if t and t.strip()]
    if not cleaned:
        return None
    keys = [title_key(t) for t in cleaned]
    best: tuple[int, float, int] | None = None
    chosen = None
    for i, (title, key) in enumerate(zip(cleaned, keys)):
        ratios = [fuzz.ratio(key, other) for other in keys]
        rank = (sum(r >= AGREE_RATIO for r in ratios), sum(ratios), -len(title))
        if best is None or rank > best:
            best, chosen = rank, title
    return chosen
