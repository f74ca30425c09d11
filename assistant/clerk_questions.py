"""A unit fact of another unit becomes a question for the clerk, never a copied claim.

"Các đơn thư đã được xem xét giải quyết, không có đơn thư tồn đọng" is Quang Khải's 2023 result;
in a draft for another commune it becomes "[Trong năm có đơn thư tồn đọng không? Nếu có: số
đơn, lý do]". The question is built from the sentence's strongest unit-fact signal
(``assistant.sentence_kinds``): an outcome asks whether it holds, a count asks how many, an
event asks whether it took place, a trait asks what the place is like. Names and figures of the
other unit never enter the question (they are read from the adapted sentence, where they are
already placeholders, and placeholders are dropped).

A unit fact from the clerk's *own* earlier report is also asked (last year's figures are not
this year's), with what that report said as a hint, so the clerk only updates it.

Example:
    >>> q = question_for("Các đơn thư đã được xem xét giải quyết, không có đơn thư tồn đọng.")
    >>> q.text
    '[Trong năm có đơn thư tồn đọng không? Nếu có: số đơn, lý do.]'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.adapt import PLACEHOLDER_RE
from assistant.clerk_facts import _ACTIONS, measure_of
from assistant.sentence_kinds import KindDecision, classify_sentence

__all__ = ["Question", "question_for", "is_question"]

_QUESTION_RE = re.compile(r"^\[[^\[\]]+\]$")
_CLAUSE_END = re.compile(r"[,;:.()“”\"]|\s(?:và|nhằm|để|qua đó|góp phần|theo)\s")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*\s*%?")
_MEASURE_LABELS = {"hộ": "số hộ", "nhân khẩu": "số nhân khẩu", "ha": "diện tích", "thôn": "số thôn",
                   "%": "tỷ lệ", "tiền": "số tiền", "đảng viên": "số đảng viên", "chi bộ": "số chi bộ",
                   "km": "khoảng cách"}
_TRAIT_TOPICS: tuple[tuple[str, str], ...] = (
    (r"chủ\s+yếu", ""),
    (r"nằm|giáp|địa\s+hình|miền\s+núi|vùng\s+cao|ven\s+biển|là\s+(?:một\s+)?(?:xã|phường|thị\s+trấn)", "vị trí, địa hình"),
    (r"diện\s+tích", "diện tích"), (r"dân\s+số|nhân\s+khẩu", "dân số"),
    (r"thu\s+nhập|giá\s+trị\s+sản\s+xuất|bình\s+quân|nghề|cây\s+trồng|sản\s+xuất|kinh\s+tế", "kinh tế, thu nhập của người dân"),
    (r"hộ\s+nghèo", "tỷ lệ hộ nghèo"), (r"Covid|dịch\s+bệnh|mục\s+tiêu\s+kép|bối\s+cảnh", "bối cảnh riêng của năm"),
    (r"khó\s+khăn", "những khó khăn riêng của đơn vị"), (r"nông\s+thôn\s+mới", "kết quả xây dựng nông thôn mới"),
    (r"mô\s+hình", "mô hình đơn vị đang thực hiện (tên, kết quả)"), (r"phân\s+loại", "phân loại đơn vị hành chính"),
    (r"thu\s+hồi|cụm\s+công\s+nghiệp|khu\s+công\s+nghiệp|cơ\s+cấu\s+cây\s+trồng", "dự án, công trình trên địa bàn"),
)


@dataclass(frozen=True)
class Question:
    """A question for the clerk standing in for a unit fact.

    Args:
        text: the question, in square brackets.
        topic: a key that two questions asking the same thing share (used to ask only once).
        asks: canonical measures it asks for ("đơn", "lượt") and "event"/"outcome"/"trait" words,
            so clerk facts that already answer it can be recognised.
        specific: whether it asks something precise (a count, whether X happened); a vague one
            is worth asking only where the section describes the unit itself.
    """

    text: str
    topic: str
    asks: frozenset[str]
    specific: bool = True      # False: a vague question (a passing remark about the place, a generic result)


def is_question(text: str) -> bool:
    """A draft sentence that is a question to the clerk (the whole sentence in brackets)."""
    return bool(_QUESTION_RE.match(text.strip()))


def _clean_phrase(text: str, max_words: int = 12) -> str:
    # a placeholder goes with the small words that led to it ("dọc [tên đường] của [tên thôn]")
    text = re.sub(r"(?:\s+(?:dọc|của|tại|ở|thuộc|trên|tuyến|với|và|các|là))*\s*\[[^\[\]]*\]", " ", text)
    text = PLACEHOLDER_RE.sub(" ", text)
    text = _NUMBER.sub(" ", text)
    text = re.sub(r"(?<!\w)(?:đã|được|đều|cũng|luôn)(?!\w)", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" ,;:.-–")
    words = text.split()
    return " ".join(words[:max_words])


def _clause_from(text: str, start: int, max_words: int = 14) -> str:
    """The clause from ``start`` to its end; a comma among the first words does not end it."""
    first_words = re.match(r"(?:\S+\s+){0,7}", text[start:])
    skip = start + (first_words.end() if first_words else 0)
    m = _CLAUSE_END.search(text, skip)
    return _clean_phrase(text[start: m.start() if m else len(text)], max_words)


_PREDICATE = re.compile(r"(?<!\w)(?:được|đã|là|có|đều|không|luôn|vẫn|còn|chưa|tiếp tục|từng bước|ổn định)(?!\w)", re.I)


def _subject(text: str, max_words: int = 12) -> str:
    """The noun phrase a sentence opens with, up to its first predicate word ("Tình hình an ninh trật tự")."""
    m = _PREDICATE.search(text)
    head = _clean_phrase(text[: m.start()] if m else text, max_words)
    return head[:1].lower() + head[1:] if head[1:2].islower() else head


def _count_nouns(text: str) -> list[tuple[str, str, int]]:
    """(measure, verb before, position) for each counted figure or count placeholder."""
    out = []
    for m in re.finditer(r"\[số[^\]]*\]|\d+(?:[.,]\d+)*\s*%?", text):
        after = text[m.end():]
        measured = measure_of(after) or (("%", "%") if m.group().endswith("%") else None)
        if m.group().startswith("[số") and measured is None:
            label = m.group()[1:-1]
            measured = measure_of(label.replace("số ", "", 1)) or None
        if measured is None:
            continue
        before = text[: m.start()].lower()
        verb = next((v for v in _ACTIONS if re.search(rf"(?<!\w){v}\s*$", before)), "")
        out.append((measured[0], verb, m.start()))
    return out


def _short_title(title: str, max_words: int = 12) -> str:
    """A document title short enough for a question: cut at a comma before ``max_words`` when it runs on."""
    title = re.split(r";", title.strip(" “”\"."))[0]
    words = title.split()
    if len(words) > max_words:
        head = " ".join(words[:max_words])
        title = head[: head.rfind(",")] if "," in head else head
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


def question_for(sentence: str, adapted: str | None = None, decision: KindDecision | None = None,
                 hint: str | None = None) -> Question:
    """The question that stands in for a unit-fact sentence.

    Args:
        sentence: the precedent sentence as written.
        adapted: the same sentence adapted to the target (names and figures as placeholders);
            questions are worded from it. Default: ``sentence``.
        decision: its kind decision (computed when not given).
        hint: what the clerk's own earlier report said (added to the question).
    """
    text = adapted or sentence
    decision = decision or classify_sentence(sentence)
    reasons = set(decision.reasons)
    asks: set[str] = set()
    body = ""
    topic = ""
    specific = True
    low = text.lower()

    none_m = re.search(r"không\s+(?:có|để|xảy\s+ra|phát\s+sinh)\s+", low)
    all_m = re.search(r"(?:đều|100\s*%)\s+[^.;]{0,30}?giải\s+quyết|giải\s+quyết\s+(?:xong|dứt\s+điểm)|"
                      r"được\s+xem\s+xét\s+giải\s+quyết", low)
    counts = _count_nouns(text)
    if "outcome" in reasons and none_m:
        from assistant.sentence_kinds import _OUTCOME

        outcome = _OUTCOME.search(text, none_m.start())
        end = outcome.end() if outcome and outcome.start() <= none_m.start() + 2 else None
        thing = _clean_phrase(text[none_m.end():end], 10) if end else _clause_from(text, none_m.end() - 1, 8)
        if len(thing.split()) < 2:   # "không để tồn đọng": the thing is named earlier in the sentence
            nouns = re.findall(r"hồ\s+sơ|đơn\s+thư|đơn|vụ\s+việc|thủ\s+tục", low[: none_m.start()])
            thing = f"{nouns[-1]} {thing}".strip() if nouns else thing
        measured = measure_of(thing)
        asks |= {measured[0]} if measured else set()
        unit = f"số {measured[0]}" if measured else "số lượng"
        body = f"Trong năm có {thing} không? Nếu có: {unit}, lý do."
        topic = f"none:{thing}"
        asks.add("outcome")
    elif "outcome" in reasons and all_m:
        noun = next((m for m, _, _ in counts), None) or next(
            (measure_of(w)[0] for w in re.findall(r"(?:đơn|hồ sơ|vụ việc|vụ)\w*", low) if measure_of(w)), "trường hợp")
        body = f"Trong năm đã giải quyết bao nhiêu {noun}, còn bao nhiêu chưa giải quyết, vì sao?"
        topic = f"resolved:{noun}"
        asks |= {noun, "outcome"}
    elif counts:
        measures = list(dict.fromkeys(m for m, _, _ in counts))
        asks |= set(measures)
        if len(measures) == 1 and measures[0] not in _MEASURE_LABELS and counts[0][1]:
            body = f"Trong năm đã {counts[0][1]} bao nhiêu {measures[0]}?"
        else:
            labels = [_MEASURE_LABELS.get(m, f"số {m}") for m in measures]
            body = f"Số liệu của đơn vị: {', '.join(labels)}?"
            specific = False
        topic = "count:" + ",".join(measures)
    elif re.search(r"(?<!\w)mô\s+hình(?!\w)", low) and reasons & {"event", "name", "trait"}:
        body = "Đơn vị đang thực hiện mô hình nào (tên mô hình, kết quả)?"
        topic = "model"
        asks |= {"mô hình", "trait"}
    elif "event" in reasons:
        from assistant.sentence_kinds import _EVENT, _REPORTED_EVENT

        m = _EVENT.search(text) or _REPORTED_EVENT.search(text)
        phrase = _clause_from(text, m.start(), 16) if m else _clean_phrase(text, 12)
        phrase = phrase[:1].lower() + phrase[1:]
        if re.search(r"hội\s+nghị|hội\s+thi|đối\s+thoại|tiếp\s+xúc|họp|lớp|cuộc", phrase, re.I):
            slots = "số cuộc, thời gian, địa điểm, kết quả"
        elif re.search(r"ban\s+hành", phrase, re.I):
            slots = "số, ngày, trích yếu văn bản"
        else:
            slots = "nội dung, thời gian, kết quả"
        body = f"Trong năm có {phrase} không? Nếu có: {slots}."
        topic = f"event:{' '.join(phrase.split()[:4])}"
        asks |= {"event"} | {w for w in ("hội nghị", "đối thoại", "tiếp xúc", "họp") if w in phrase}
    elif "outcome" in reasons:
        if re.search(r"công\s+nhận|xếp\s+loại|đạt\s+(?:chuẩn|giải|danh\s+hiệu)|về\s+đích|khen", low):
            body = "Trong năm đơn vị được công nhận, xếp loại hoặc khen thưởng gì (nội dung, cấp công nhận)?"
            topic = "recognition"
        elif re.search(r"an\s+ninh|trật\s+tự|đời\s+sống", low):
            body = "Tình hình an ninh trật tự, đời sống nhân dân trên địa bàn trong năm thế nào (có vụ việc nổi bật không)?"
            topic = "security"
        else:
            subject = _subject(text) or "nội dung này"
            body = f"Trong năm, kết quả cụ thể về {subject} thế nào (nêu số liệu, nếu có)?"
            topic = f"outcome:{subject}"
            specific = False
        asks.add("outcome")
    elif "trait" in reasons:
        main = next(((rx, label) for rx, label in _TRAIT_TOPICS if re.search(rx, text, re.I)), (None, ""))
        if main[0] == r"chủ\s+yếu":
            m = re.search(r"chủ\s+yếu\s+(?:là|liên\s+quan\s+đến|về|từ|tập\s+trung\s+(?:vào|ở))?", text, re.I)
            subject = _clean_phrase(text[: m.start()], 10) if m else ""
            body = f"{subject} {m.group().strip() if m else 'chủ yếu'} gì?" if subject else "Đặc điểm chủ yếu của đơn vị?"
        else:
            body = f"Đặc điểm của đơn vị: {main[1] or 'nội dung này'}?"
        topic = f"trait:{main[1] or body}"
        asks.add("trait")
        specific = False
    elif "local_document" in reasons:
        from assistant.adapt import directive_spans

        from assistant.sentence_kinds import _LOCAL_ISSUER

        titles = [getattr(ref, "title", None) for _, _, ref in directive_spans(sentence) if ref is not None
                  and (getattr(ref, "is_local", False) or _LOCAL_ISSUER.search(getattr(ref, "issuer", None) or ""))]
        about = next((_short_title(t) for t in titles if t), "")
        body = (f"Văn bản của tỉnh, huyện đơn vị đang thực hiện về {about} (số, ngày, trích yếu)?" if about
                else "Văn bản của tỉnh, huyện đơn vị đang thực hiện về nội dung này (số, ngày, trích yếu)?")
        topic = "local_document"
    else:
        body = f"Nội dung cụ thể của đơn vị: {_clean_phrase(text, 10)}?"
        topic = f"name:{_clean_phrase(text, 4)}"
        specific = False
    body = re.sub(r"\s+", " ", body).strip()
    body = body[:1].upper() + body[1:]
    if hint:
        body += f" Báo cáo năm trước của đơn vị ghi: «{hint.strip().rstrip('.')}»."
    return Question(f"[{body}]", topic.casefold(), frozenset(asks), specific)
