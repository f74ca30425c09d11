"""Does a cited passage support a draft sentence? A score in [0, 1] and its calibrated threshold.

The score mixes two signals, because each alone fails in a known way:
lexical containment (syllables and syllable bigrams of the sentence found in the
passage) is exact for extractive sentences but blind to paraphrase; embedding
cosine (the sentence against the passage and against each passage sentence, best
kept) catches paraphrase but rates any on-topic sentence as similar. Before
scoring, placeholders (``[số đơn]``), digits, unit level words and the target's /
precedent's own names are masked, so an adapted sentence is judged on what it
*says*, not on the names that adaptation changed.

The threshold (and the lexical weight) are chosen on the dev split of the hand-
labelled pairs in ``eval/data/support_pairs.jsonl`` by ``calibrate_support_threshold``
and stored per embedding-model fingerprint in ``assistant/support_threshold.json``;
an unknown model falls back to the lexical-only entry, never to a made-up number.

Example:
    >>> from index.embed import FakeEmbedder
    >>> scorer = SupportScorer(FakeEmbedder(), SupportConfig(threshold=0.5, lexical_weight=1.0))
    >>> scorer.score("Xã đã tiếp [số đơn] đơn.", "Trong năm xã đã tiếp 16 đơn.") > 0.9
    True
"""

from __future__ import annotations

import hashlib
import math
import json
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from assistant.adapt import PLACEHOLDER_RE
from index.sentences import split_sentences
from index.embed import Embedder

log = logging.getLogger(__name__)

__all__ = [
    "SupportConfig",
    "SupportScorer",
    "syllables",
    "mask_for_support",
    "lexical_support",
    "support_score",
    "load_support_config",
    "is_calibrated_for",
    "uncalibrated_notice",
    "calibrate_support_threshold",
    "THRESHOLD_PATH",
    "PAIRS_PATH",
]

THRESHOLD_PATH = Path(__file__).resolve().parent / "support_threshold.json"
PAIRS_PATH = Path(__file__).resolve().parent.parent / "eval" / "data" / "support_pairs.jsonl"
LEXICAL_KEY = "lexical-only"
CALIBRATE_COMMAND = "python -m assistant.support"
DEFAULT_LEXICAL_WEIGHT = 0.6
_LEVEL_WORDS = re.compile(r"(?<!\w)(?:thị trấn|thị xã|phường|xã)(?!\s+hội)(?!\w)", re.I)
_CITATION_MARK = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")


def syllables(text: str) -> list[str]:
    """Lower-cased NFC syllables, digits dropped (figures are judged by the leak check, not here)."""
    text = unicodedata.normalize("NFC", text).lower()
    return [t for t in re.findall(r"[^\W\d_]+", text)]


def mask_for_support(text: str, names: Iterable[str] = ()) -> str:
    """Remove placeholders, citation markers, unit level words and the given names."""
    text = unicodedata.normalize("NFC", text)
    text = _CITATION_MARK.sub(" ", text)
    text = PLACEHOLDER_RE.sub(" ", text)
    for name in sorted({n for n in names if n and n.strip()}, key=len, reverse=True):
        text = re.sub(r"(?<!\w)" + re.escape(name) + r"(?!\w)", " ", text, flags=re.I)
    text = _LEVEL_WORDS.sub(" ", text)
    return text


def _bigrams(tokens: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:]))


def lexical_support(sentence: str, passage: str) -> float:
    """Mean of unigram and bigram containment of the sentence in the passage (already masked)."""
    s_tok = syllables(sentence)
    p_tok = syllables(passage)
    if not s_tok:
        return 0.0
    p_set = set(p_tok)
    uni = sum(1 for t in s_tok if t in p_set) / len(s_tok)
    s_bi = _bigrams(s_tok)
    if not s_bi:
        return uni
    p_bi = _bigrams(p_tok)
    bi = len(s_bi & p_bi) / len(s_bi)
    return 0.5 * uni + 0.5 * bi


@dataclass(frozen=True)
class SupportConfig:
    """A calibrated decision rule: ``score >= threshold`` means supported.

    Args:
        threshold: the cut-off on the combined score.
        lexical_weight: weight of lexical containment; ``1 - lexical_weight`` goes to cosine.
        fingerprint: embedding-model fingerprint the rule was calibrated with (``lexical-only`` if none).
        model_id, dataset_sha256, dev, test: provenance and the measured precision/recall.
    """

    threshold: float
    lexical_weight: float = DEFAULT_LEXICAL_WEIGHT
    fingerprint: str = LEXICAL_KEY
    model_id: str = ""
    dataset_sha256: str = ""
    dev: dict[str, Any] = field(default_factory=dict)
    test: dict[str, Any] = field(default_factory=dict)
    # Earlier fingerprints of the same model (first scheme: changed with library upgrades).
    previous_fingerprints: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.lexical_weight <= 1.0:
            raise ValueError(f"lexical_weight must be in [0, 1], got {self.lexical_weight}")


class SupportScorer:
    """Scores sentence/passage pairs with one embedder and one calibrated config.

    Embeddings of passage sentences are cached, so verifying many sentences against the
    same few cited passages embeds each passage once.

    Example:
        >>> scorer = SupportScorer(embedder, load_support_config(embedder))  # doctest: +SKIP
        >>> scorer.supported("câu nháp", "đoạn nguồn")  # doctest: +SKIP
    """

    def __init__(self, embedder: Embedder | None, config: SupportConfig):
        if config.lexical_weight < 1.0 and embedder is None:
            raise ValueError("an embedder is required when lexical_weight < 1")
        self.embedder = embedder
        self.config = config
        self._cache: dict[str, np.ndarray] = {}

    def _embed(self, texts: Sequence[str]) -> list[np.ndarray]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            assert self.embedder is not None
            vectors = self.embedder.embed_passages(missing)
            for t, v in zip(missing, vectors):
                self._cache[t] = np.asarray(v, dtype=np.float32)
        return [self._cache[t] for t in texts]

    def cosine(self, sentence: str, passage: str) -> float:
        """Best cosine of the sentence against the passage or any of its sentences."""
        parts = [passage] + [s.text for s in split_sentences(passage) if len(s.text) > 20]
        vecs = self._embed([sentence, *parts])
        s = vecs[0]
        return float(max(0.0, max(float(np.dot(s, p)) for p in vecs[1:])))

    def score(self, sentence: str, passage: str, sentence_names: Iterable[str] = (),
              passage_names: Iterable[str] = (), allowed_figures: Iterable[str] = ()) -> float:
        """Combined score, scaled down by figures and higher-level units the passage does not state.

        Args:
            sentence, passage: the pair (NFC).
            sentence_names: the target's own names (masked in the sentence).
            passage_names: the precedent's names (masked in the passage).
            allowed_figures: figures that need no support (the clerk's facts, the reporting years).
        """
        lex, cos, factor = self.components(sentence, passage, sentence_names, passage_names, allowed_figures,
                                           with_cosine=self.config.lexical_weight < 1.0)
        return combine(lex, cos, factor, self.config.lexical_weight)

    def components(self, sentence: str, passage: str, sentence_names: Iterable[str] = (),
                   passage_names: Iterable[str] = (), allowed_figures: Iterable[str] = (),
                   with_cosine: bool = True) -> tuple[float, float | None, float]:
        """(lexical containment, cosine or None, agreement factor) of one pair."""
        s = mask_for_support(sentence, sentence_names)
        p = mask_for_support(passage, passage_names)
        lex = lexical_support(s, p)
        cos = self.cosine(s, p) if with_cosine and self.embedder is not None and syllables(s) else None
        factor = (figure_agreement(sentence, passage, allowed_figures) * level_agreement(s, p)
                  * directive_agreement(sentence, passage) * actor_agreement(sentence, passage))
        return lex, cos, factor

    def supported(self, sentence: str, passage: str, sentence_names: Iterable[str] = (),
                  passage_names: Iterable[str] = (), allowed_figures: Iterable[str] = ()) -> bool:
        return self.score(sentence, passage, sentence_names, passage_names, allowed_figures) >= self.config.threshold


_HIGHER_LEVELS = re.compile(r"(?<!\w)(huyện|tỉnh|thành phố|quận|trung ương|chính phủ)(?!\w)", re.I)


def _figure_in(figure: str, text: str) -> bool:
    return re.search(r"(?<!\w)(?<!\d[.,/])" + re.escape(figure) + r"(?!\w)(?![.,/]\d)", text) is not None


def figure_agreement(sentence: str, passage: str, allowed: Iterable[str] = ()) -> float:
    """Share of the sentence's figures (outside directive references) that the passage states.

    A sentence that says "61 đơn" where the passage says "16 đơn" is not supported,
    however similar the wording; placeholders carry no figure, so they cost nothing.
    """
    from assistant.adapt import find_figures

    allowed_set = {a.strip() for a in allowed}
    figures = [f for _, _, f in find_figures(PLACEHOLDER_RE.sub(" ", _CITATION_MARK.sub(" ", sentence)))]
    figures = [f.strip() for f in figures if f.strip() not in allowed_set]
    if not figures:
        return 1.0
    return sum(1 for f in figures if _figure_in(f, passage)) / len(figures)


def _refs(text: str) -> list[Any]:
    from assistant.adapt import directive_spans

    return [ref for _, _, ref in directive_spans(text) if ref is not None and getattr(ref, "number", None)]


def _issuer_key(issuer: str | None) -> str:
    return re.sub(r"\s+", " ", (issuer or "").casefold()).strip()


def directive_agreement(sentence: str, passage: str) -> float:
    """Share of the sentence's directive references the passage states with the same number, date and issuer.

    "Chỉ thị số 35-CT/TW ngày 26/5/2015" against a passage citing it "ngày 26/5/2014"
    is not supported: a wrong date or number is exactly what a clerk must not copy.
    """
    s_refs = _refs(sentence)
    if not s_refs:
        return 1.0
    p_refs = _refs(passage)
    agree = 0
    for ref in s_refs:
        key = (ref.kind, ref.number, ref.symbol)
        same = [r for r in p_refs if (r.kind, r.number, r.symbol) == key
                or (ref.symbol and r.symbol == ref.symbol and r.number == ref.number)]
        if not same:
            continue
        if ref.date and not any(r.date == ref.date for r in same if r.date):
            continue
        if ref.issuer and any(r.issuer for r in same) and not any(
                _issuer_key(r.issuer) == _issuer_key(ref.issuer) for r in same if r.issuer):
            continue
        agree += 1
    return agree / len(s_refs)


_ORGANS = {"ubnd": "ubnd", "ủy ban nhân dân": "ubnd", "uỷ ban nhân dân": "ubnd", "hđnd": "hđnd",
           "hội đồng nhân dân": "hđnd", "đảng ủy": "đảng ủy", "đảng uỷ": "đảng ủy", "chủ tịch": "chủ tịch",
           "trung tâm": "trung tâm", "công an": "công an", "thường trực": "thường trực"}
_LEVEL_CLASS = {"xã": "cơ sở", "phường": "cơ sở", "thị trấn": "cơ sở", "huyện": "huyện", "thị xã": "huyện",
                "quận": "huyện", "thành phố": "tỉnh", "tỉnh": "tỉnh"}
_ACTOR_RE = re.compile(
    r"(?<!\w)(" + "|".join(sorted(map(re.escape, _ORGANS), key=len, reverse=True)) + r")\s+(?:cấp\s+)?("
    + "|".join(sorted(map(re.escape, _LEVEL_CLASS), key=len, reverse=True)) + r"|ubnd|hđnd|ủy ban nhân dân|hội đồng nhân dân)(?!\w)",
    re.I,
)


def _actors(text: str) -> set[tuple[str, str]]:
    out = set()
    for m in _ACTOR_RE.finditer(unicodedata.normalize("NFC", text)):
        organ = _ORGANS[m.group(1).lower()]
        second = m.group(2).lower()
        out.add((organ, _LEVEL_CLASS.get(second, _ORGANS.get(second, second))))
    return out


def actor_agreement(sentence: str, passage: str) -> float:
    """0.5 when the sentence names an actor the passage does not ("Đảng ủy phường" for "UBND phường").

    Commune-level words (xã, phường, thị trấn) count as one level, since adaptation swaps them.
    """
    return 0.5 if _actors(sentence) - _actors(passage) else 1.0


def level_agreement(sentence: str, passage: str) -> float:
    """0.5 when the sentence names an administrative level (huyện, tỉnh, …) the passage never mentions."""
    s_levels = {m.lower() for m in _HIGHER_LEVELS.findall(sentence)}
    p_levels = {m.lower() for m in _HIGHER_LEVELS.findall(passage)}
    return 0.5 if s_levels - p_levels else 1.0


def combine(lex: float, cos: float | None, factor: float, lexical_weight: float) -> float:
    """``(w·lexical + (1−w)·cosine) · factor``; lexical only when there is no cosine."""
    base = lex if cos is None or lexical_weight >= 1.0 else lexical_weight * lex + (1.0 - lexical_weight) * cos
    return base * factor


def support_score(sentence: str, passage: str, embedder: Embedder | None,
                  lexical_weight: float = DEFAULT_LEXICAL_WEIGHT, names: Iterable[str] = ()) -> float:
    """One-off support score (see ``SupportScorer`` to score many pairs)."""
    weight = 1.0 if embedder is None else lexical_weight
    return SupportScorer(embedder, SupportConfig(threshold=0.0, lexical_weight=weight)).score(
        sentence, passage, names, names
    )


# --------------------------------------------------------------------------- config file


def _config(entry: dict[str, Any]) -> SupportConfig:
    return SupportConfig(**{**entry, "previous_fingerprints": tuple(entry.get("previous_fingerprints", ()))})


def _calibrated_entry(embedder: Embedder, entries: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The entry of this model: by its fingerprint, by an earlier fingerprint an entry lists, or by
    the first-scheme fingerprint of its folder (an entry written before the scheme changed)."""
    if embedder.fingerprint in entries:
        return entries[embedder.fingerprint]
    for entry in entries.values():
        if embedder.fingerprint in entry.get("previous_fingerprints", ()):
            return entry
    folder = getattr(embedder, "folder", None)
    if folder is not None:
        from index.model_identity import legacy_model_fingerprint

        legacy = legacy_model_fingerprint(Path(folder))
        if legacy in entries:
            log.info("support threshold of model %s found under its earlier fingerprint %s", embedder.model_id,
                     legacy[:12])
            return {**entries[legacy], "fingerprint": embedder.fingerprint,
                    "previous_fingerprints": [*entries[legacy].get("previous_fingerprints", ()), legacy]}
    return None


def load_support_config(embedder: Embedder | None = None, path: Path = THRESHOLD_PATH) -> SupportConfig:
    """The calibrated rule for this embedder, else the lexical-only rule (``is_calibrated_for`` tells which,
    ``uncalibrated_notice`` says so to the clerk).

    Raises:
        FileNotFoundError: when the threshold file is missing (run ``calibrate_support_threshold``).
    """
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"support threshold file not found: {path}; run `{CALIBRATE_COMMAND}` to calibrate it on "
            "eval/data/support_pairs.jsonl"
        )
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    entries: dict[str, dict[str, Any]] = data.get("models", {})
    if embedder is not None:
        entry = _calibrated_entry(embedder, entries)
        if entry is not None:
            return _config(entry)
        log.warning("no support threshold calibrated for model %s (%s); using the lexical-only rule",
                    embedder.model_id, embedder.fingerprint[:12])
    if LEXICAL_KEY not in entries:
        raise KeyError(f"{path} has no '{LEXICAL_KEY}' entry; recalibrate")
    return _config(entries[LEXICAL_KEY])


def is_calibrated_for(config: SupportConfig, embedder: Embedder | None) -> bool:
    """Was ``config`` calibrated for this embedder (always true without one: the lexical rule is meant)?"""
    return embedder is None or config.fingerprint == embedder.fingerprint


def uncalibrated_notice(embedder: Embedder) -> str:
    """One line for the clerk when the lexical-only rule stands in for an uncalibrated model."""
    return (
        f"Chưa hiệu chỉnh ngưỡng kiểm chứng nguồn cho mô hình {embedder.model_id} ({embedder.fingerprint[:12]}): "
        f"đang dùng quy tắc chỉ so khớp từ; chạy `{CALIBRATE_COMMAND}` để hiệu chỉnh. / No support threshold is "
        f"calibrated for model {embedder.model_id} ({embedder.fingerprint[:12]}): the lexical-only rule is in "
        f"force; run `{CALIBRATE_COMMAND}` to calibrate it."
    )


def read_pairs(path: Path = PAIRS_PATH) -> list[dict[str, Any]]:
    """The labelled pairs (sentence, passage, supported, kind, split)."""
    rows = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        missing = {"sentence", "passage", "supported", "split"} - row.keys()
        if missing:
            raise ValueError(f"{path}:{i}: missing fields {sorted(missing)}")
        rows.append(row)
    return rows


def calibrate_support_threshold(
    embedder: Embedder | None,
    pairs_path: Path = PAIRS_PATH,
    out_path: Path | None = THRESHOLD_PATH,
    weights: Sequence[float] = (1.0, 0.8, 0.6, 0.4, 0.2),
) -> SupportConfig:
    """Choose the lexical weight and threshold on the dev split; report on test; store the result.

    The weight with the best dev F1 wins (ties → more lexical, which is cheaper and
    easier to explain); its threshold comes from ``eval.metrics.judge_quality.calibrate_threshold``.
    The held-out test split is only evaluated, never tuned on.

    Args:
        embedder: the embedding model (None: lexical-only calibration).
        pairs_path: the labelled pairs.
        out_path: the JSON file to update (one entry per model fingerprint); None to not write.
        weights: lexical weights to try (only 1.0 when ``embedder`` is None).

    Returns:
        The chosen ``SupportConfig`` with dev and test precision/recall.
    """
    from eval.metrics.judge_quality import calibrate_threshold, evaluate_threshold

    rows = read_pairs(pairs_path)
    dataset_sha = hashlib.sha256(Path(pairs_path).read_bytes()).hexdigest()
    dev = [r for r in rows if r["split"] == "dev"]
    test = [r for r in rows if r["split"] == "test"]
    if not dev:
        raise ValueError(f"{pairs_path} has no dev pairs")
    if embedder is None:
        weights = (1.0,)
    probe = SupportScorer(embedder, SupportConfig(threshold=0.0, lexical_weight=0.0 if embedder else 1.0))
    dev_parts = [probe.components(r["sentence"], r["passage"], with_cosine=embedder is not None) for r in dev]
    test_parts = [probe.components(r["sentence"], r["passage"], with_cosine=embedder is not None) for r in test]
    dev_labels = [bool(r["supported"]) for r in dev]
    best: tuple[float, float, Any] | None = None
    for w in weights:
        cal = calibrate_threshold([combine(*parts, w) for parts in dev_parts], dev_labels)
        log.info("lexical weight %.1f: dev F1 %.4f at threshold %.4f", w, cal.dev.f1, cal.threshold)
        if best is None or cal.dev.f1 > best[2].dev.f1 + 1e-9:
            best = (w, cal.threshold, cal)
    assert best is not None
    weight, threshold, cal = best
    test_scores = evaluate_threshold(
        [combine(*parts, weight) for parts in test_parts], [bool(r["supported"]) for r in test], threshold
    ) if test else None
    config = SupportConfig(
        threshold=math.floor(float(threshold) * 1e6) / 1e6,  # never round above an observed score
        lexical_weight=weight,
        fingerprint=embedder.fingerprint if embedder is not None else LEXICAL_KEY,
        model_id=embedder.model_id if embedder is not None else "",
        dataset_sha256=dataset_sha,
        dev={**asdict(cal.dev), "n": len(dev)},
        test={**asdict(test_scores), "n": len(test)} if test_scores else {},
    )
    if out_path is not None:
        _store(config, Path(out_path), embedder)
    return config


def _store(config: SupportConfig, path: Path, embedder: Embedder | None) -> None:
    data: dict[str, Any] = {"models": {}}
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        data.setdefault("models", {})
    key = embedder.fingerprint if embedder is not None else LEXICAL_KEY
    data["models"][key] = {**asdict(config), "previous_fingerprints": list(config.previous_fingerprints)}
    data["about"] = ("Support thresholds calibrated by assistant.support.calibrate_support_threshold on the "
                     "dev split of eval/data/support_pairs.jsonl; test = held-out split. One entry per "
                     "embedding-model fingerprint; 'lexical-only' is used for any other model.")
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log.info("support threshold %.4f (lexical weight %.1f) stored in %s", config.threshold, config.lexical_weight, path)


def main() -> None:  # pragma: no cover - a maintenance command
    """Calibrate the lexical-only rule and, when it can be loaded, the real embedding model."""
    logging.basicConfig(level=logging.INFO)
    print(json.dumps(asdict(calibrate_support_threshold(None)), ensure_ascii=False, indent=2))
    try:
        from index.embed import load_embedder
        from index.settings import Settings

        embedder = load_embedder(Settings())
    except (ImportError, OSError) as exc:
        log.warning("real embedding model not available (%s); only the lexical-only rule was calibrated", exc)
        return
    print(json.dumps(asdict(calibrate_support_threshold(embedder)), ensure_ascii=False, indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
