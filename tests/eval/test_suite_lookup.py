"""Loading the lookup questions (eval/data/lookup.jsonl): the bundled file and clear errors on bad lines."""

from __future__ import annotations

import json

import pytest

from eval.datasets import DatasetError
from eval.suites.lookup import load_lookup


def test_bundled_lookup_questions_load_with_line_number_ids():
    questions = load_lookup()
    assert len(questions) == 35
    assert questions[0].id == "l01" and questions[-1].id == "l35"
    assert {q.split for q in questions} == {"dev", "test"}
    assert all(q.question.strip() and q.gold for q in questions)


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
