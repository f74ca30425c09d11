"""Loading the lookup questions (eval/data/lookup.jsonl): the bundled file and clear errors on bad lines."""

from __future__ import annotations

import json

import pytest

from eval.datasets import DatasetError
from eval.suites.lookup import load_lookup


def test_bundled_lookup_questions_load_with_line_number_ids():
    questions = load_lookup()
    assert len(questions) >= 61
    assert questions[0].id == "l01" and questions[60].id == "l61"
    assert {q.split for q in questions} == {"dev", "test"}
    assert all(q.question.strip() and q.gold for q in questions)


def test_clerk_questions_carry_their_answer_facts():
    """l36–l61 (issue 18): kind-, date-, status- and successor-questions, split before tuning, each with facts."""
    clerk = load_lookup()[35:61]
    assert all(q.type for q in clerk)
    answered = [q for q in clerk if q.answer_facts]
    assert len(answered) >= 15 and {"kind", "effective", "status", "successor"} <= {q.type for q in answered}
    assert {q.split for q in answered} == {"dev", "test"} and sum(q.split == "test" for q in answered) == 10
    assert any(q.top3 for q in clerk)


def test_answer_facts_need_the_expected_line(tmp_path):
    path = tmp_path / "lookup.jsonl"
    path.write_text(json.dumps({"question": "x?", "gold": ["a"], "split": "dev", "answer_facts": ["01/07/2023"]}) + "\n",
                    encoding="utf-8")
    with pytest.raises(DatasetError, match="answer"):
        load_lookup(path)


def test_suite_scores_answers_and_governing_coverage():
    from eval.suites.lookup import LookupQuestion, LookupReply, run_lookup_suite

    questions = [LookupQuestion("l1", "q1", ("A",), "dev", "effective", ("01/07/2023",)),
                 LookupQuestion("l2", "q2", ("B",), "test", "status", ("hết hiệu lực",), ("L",)),
                 LookupQuestion("l3", "q3", ("C",), "test")]
    replies = {"q1": LookupReply(("A", "X"), "Luật có hiệu lực thi hành từ ngày 01/07/2023."),
               "q2": LookupReply(("B", "X", "Y", "L"), "B còn hiệu lực."),
               "q3": LookupReply(("X", "C"), "X")}
    out = run_lookup_suite(questions, lambda q, k: replies[q])
    own = out["systems"]["project"]
    assert own["all"]["top_1_accuracy"] == 2 / 3 and own["all"]["answer_accuracy"] == 1 / 2
    assert own["all"]["governing_coverage"] == 0.0 and own["test"]["n_answers"] == 1
    assert own["per_type"]["effective"]["answer_accuracy"] == 1.0
    assert {f["id"]: f["severity"] for f in out["failures"]} == {
        "l2": "answer line, governing law not in top 3", "l3": "not first"}


@pytest.mark.parametrize("row, reason", [
    ({"question": "", "gold": ["33/CT-TTg"], "split": "dev"}, "'question' is empty"),
    ({"question": "Tiếp dân?", "gold": [], "split": "dev"}, "'gold' is an empty list"),
    ({"question": "Tiếp dân?", "gold": ["33/CT-TTg"], "split": "train"}, "expected one of"),
])
def test_bad_lines_name_the_file_line_and_field(tmp_path, row, reason):
    path = tmp_path / "lookup.jsonl"
    good = {"question": "Luật hòa giải ở cơ sở", "gold": ["35/2013/QH13"], "split": "dev"}
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n\n" + json.dumps(row, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        load_lookup(path)
    assert "lookup.jsonl" in str(caught.value) and "line 3:" in str(caught.value) and reason in str(caught.value)


def test_broken_json_is_reported_with_its_line(tmp_path):
    path = tmp_path / "lookup.jsonl"
    path.write_text('{"question": "x", "gold": ["a"], "split": "dev"}\n{not json\n', encoding="utf-8")
    with pytest.raises(DatasetError, match="invalid JSON"):
        load_lookup(path)
