import json

import pytest

from assistant.support import (
    LEXICAL_KEY,
    SupportConfig,
    SupportScorer,
    calibrate_support_threshold,
    is_calibrated_for,
    lexical_support,
    load_support_config,
    uncalibrated_notice,
    mask_for_support,
    support_score,
)
from index.embed import FakeEmbedder

PASSAGE = ("Công tác tiếp dân, giải quyết đơn thư được cấp ủy, chính quyền quan tâm lãnh đạo. "
           "Trong năm đã tiếp 16 đơn, các đơn đề nghị đều được giải quyết cơ bản.")


def test_mask_removes_placeholders_names_levels_and_markers():
    masked = mask_for_support("UBND xã Ngọc Kỳ đã tiếp [số đơn] đơn [1].", ["Ngọc Kỳ"])
    assert masked.split() == ["UBND", "đã", "tiếp", "đơn", "."]


def test_lexical_support_hand_computed():
    # sentence syllables: a b c d ; passage has a b c → unigram 3/4, bigrams ab bc cd → 2/3
    assert lexical_support("a b c d", "x a b c") == pytest.approx(0.5 * 3 / 4 + 0.5 * 2 / 3)
    assert lexical_support("", "a b") == 0.0
    assert lexical_support("a", "a b") == 1.0


def test_extractive_sentence_scores_high_and_unrelated_low():
    scorer = SupportScorer(None, SupportConfig(threshold=0.5, lexical_weight=1.0))
    assert scorer.score("Trong năm đã tiếp [số đơn] đơn, các đơn đề nghị đều được giải quyết cơ bản.", PASSAGE) == 1.0
    unrelated = scorer.score("Xã tổ chức tiêm phòng vắc xin cho đàn gia súc trên địa bàn.", PASSAGE)
    assert unrelated < 0.3


def test_names_are_masked_on_both_sides():
    scorer = SupportScorer(None, SupportConfig(threshold=0.5, lexical_weight=1.0))
    s = scorer.score("Ngọc Kỳ là xã nằm ở phía Tây.", "Quang Khải là xã nằm ở phía Tây.", ["Ngọc Kỳ"], ["Quang Khải"])
    assert s == 1.0


def test_combined_score_uses_the_embedder():
    emb = FakeEmbedder()
    score = support_score("Trong năm đã tiếp [số đơn] đơn.", PASSAGE, emb, lexical_weight=0.5)
    assert 0.5 < score <= 1.0
    assert emb.passages_embedded > 0
    with pytest.raises(ValueError):
        SupportScorer(None, SupportConfig(threshold=0.5, lexical_weight=0.5))


def _pairs(tmp_path):
    rows = []
    good = [("Trong năm đã tiếp [số đơn] đơn.", PASSAGE),
            ("Công tác tiếp dân được cấp ủy quan tâm lãnh đạo.", PASSAGE)]
    bad = [("Xã tổ chức tiêm phòng vắc xin cho đàn gia súc.", PASSAGE),
           ("Hội nông dân vận động xây dựng nông thôn mới.", PASSAGE)]
    for split in ("dev", "test"):
        rows += [{"sentence": s, "passage": p, "supported": True, "kind": "extractive", "split": split} for s, p in good]
        rows += [{"sentence": s, "passage": p, "supported": False, "kind": "off_topic", "split": split} for s, p in bad]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_calibration_writes_per_model_entries(tmp_path):
    pairs = _pairs(tmp_path)
    out = tmp_path / "thr.json"
    lexical = calibrate_support_threshold(None, pairs, out)
    assert lexical.fingerprint == LEXICAL_KEY and lexical.lexical_weight == 1.0 and lexical.model_id == ""
    assert lexical.dev["precision"] == 1.0 and lexical.dev["recall"] == 1.0 and lexical.test["n"] == 4
    emb = FakeEmbedder()
    calibrate_support_threshold(emb, pairs, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["models"]) == {LEXICAL_KEY, emb.fingerprint}
    assert load_support_config(emb, out).threshold == data["models"][emb.fingerprint]["threshold"]
    assert load_support_config(FakeEmbedder(fingerprint="other"), out).fingerprint == LEXICAL_KEY
    with pytest.raises(FileNotFoundError):
        load_support_config(None, tmp_path / "missing.json")


def test_an_uncalibrated_model_is_told_not_silently_judged_lexically(tmp_path):
    pairs = _pairs(tmp_path)
    out = tmp_path / "thr.json"
    calibrate_support_threshold(None, pairs, out)
    other = FakeEmbedder(model_id="mô hình khác", fingerprint="other-fp")
    config = load_support_config(other, out)
    assert config.fingerprint == LEXICAL_KEY and not is_calibrated_for(config, other)
    assert is_calibrated_for(config, None)                      # no model: the lexical rule is the rule
    notice = uncalibrated_notice(other)
    assert "mô hình khác" in notice and "python -m assistant.support" in notice
    assert "Chưa hiệu chỉnh" in notice and "No support threshold" in notice


def test_entries_are_found_under_an_earlier_fingerprint_of_the_same_model(tmp_path):
    pairs = _pairs(tmp_path)
    out = tmp_path / "thr.json"
    emb = FakeEmbedder(fingerprint="new-scheme")
    calibrated = calibrate_support_threshold(emb, pairs, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    data["models"]["new-scheme"]["previous_fingerprints"] = ["old-scheme"]
    out.write_text(json.dumps(data), encoding="utf-8")
    # A calibration stored under the old key is still the calibration of a model now called "old-scheme"…
    assert load_support_config(FakeEmbedder(fingerprint="old-scheme"), out).threshold == calibrated.threshold
    # …and a model folder whose first-scheme fingerprint is the stored key is recognised by it.
    from index.model_identity import legacy_model_fingerprint

    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights")
    data["models"][legacy_model_fingerprint(folder)] = data["models"].pop("new-scheme")
    out.write_text(json.dumps(data), encoding="utf-8")
    upgraded = FakeEmbedder(fingerprint="v2-of-that-folder")
    upgraded.folder = folder
    found = load_support_config(upgraded, out)
    assert found.threshold == calibrated.threshold and is_calibrated_for(found, upgraded)


def _reproduce(embedder):
    from assistant.support import PAIRS_PATH, THRESHOLD_PATH, read_pairs
    from eval.metrics.judge_quality import evaluate_threshold

    config = load_support_config(embedder, THRESHOLD_PATH)
    scorer = SupportScorer(embedder if config.lexical_weight < 1.0 else None, config)
    rows = [r for r in read_pairs(PAIRS_PATH) if r["split"] == "test"]
    result = evaluate_threshold([scorer.score(r["sentence"], r["passage"]) for r in rows],
                                [bool(r["supported"]) for r in rows], config.threshold)
    return config, result


def test_stored_lexical_threshold_reproduces_on_the_held_out_split():
    import hashlib

    from assistant.support import PAIRS_PATH

    config, result = _reproduce(None)
    assert config.dataset_sha256 == hashlib.sha256(PAIRS_PATH.read_bytes()).hexdigest(), "pairs changed: recalibrate"
    assert (result.precision, result.recall) == (config.test["precision"], config.test["recall"])
    assert result.precision >= 0.85 and result.recall >= 0.9


@pytest.mark.slow
def test_stored_threshold_for_the_real_model_reproduces():
    from index.embed import load_embedder
    from index.errors import ModelNotPreparedError
    from index.settings import Settings

    try:
        embedder = load_embedder(Settings())
    except ModelNotPreparedError as exc:
        pytest.skip(f"embedding model not prepared: {exc}")
    config, result = _reproduce(embedder)
    assert config.fingerprint == embedder.fingerprint, "no threshold calibrated for this model: run python -m assistant.support"
    assert (result.precision, result.recall) == (config.test["precision"], config.test["recall"])
