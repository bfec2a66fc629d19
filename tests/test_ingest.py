from __future__ import annotations

import json
from pathlib import Path

import pytest

from mindprint.errors import ImportFormatError
from mindprint.importers import read_file
from mindprint.ingest import lamp_item
from mindprint.store import Store


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_items_and_rejections(tmp_path: Path) -> None:
    f = _write(tmp_path / "h.jsonl", [
        json.dumps({"input": "q1", "output": "a1", "score": 4, "created_at": "2026-01-02T10:00:00+00:00"}),
        "",
        json.dumps({"input": "q2"}),
        json.dumps({"input": "q3", "output": "a3", "score": "lots"}),
        json.dumps({"output": "only output", "label": "X"}),
        json.dumps({"input": "q5", "output": "a5", "colour": "red"}),
        json.dumps({"input": "q6", "output": "x" * 30}),
    ])
    items, s = read_file(f, max_chars=20)
    assert [it.response for it in items] == ["a1", "only output"]
    assert items[0].score == 4.0 and items[1].label == "X" and items[1].input == ""
    assert [(r.where, r.reason.split()[0]) for r in s.rejected] == [
        ("line 3", '"output"'), ("line 4", '"score"'), ("line 6", "unknown"), ("line 7", '"output"')
    ]


@pytest.mark.parametrize(
    "bad",
    ['{"input": "a", "output": "b"}\n{"input": broken}\n', "\xff\xfe"],
)
def test_malformed_jsonl_writes_nothing(tmp_path: Path, bad: str) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_bytes(bad.encode("latin-1"))
    store = Store.open(tmp_path / "db.sqlite")
    with pytest.raises(ImportFormatError, match="nothing was imported"):
        store.add_items("u", read_file(f, fmt="jsonl")[0])
    assert not store.user_exists("u")


def test_a_line_that_is_not_an_object_is_rejected_alone(tmp_path: Path) -> None:
    f = _write(tmp_path / "h.jsonl", ['{"output": "kept"}', '["not", "an", "object"]', "7"])
    items, s = read_file(f)
    assert [it.response for it in items] == ["kept"]
    assert [(r.where, r.reason) for r in s.rejected] == [
        ("line 2", "an array, not an object"), ("line 3", "a number, not an object")]


def test_lamp_item_mapping() -> None:
    r = lamp_item({"id": "1", "text": "great amp", "score": "5", "date": 1353024000})
    assert (r.input, r.response, r.label, r.score) == ("great amp", "5", "5", 5.0)
    assert r.created_at is not None and r.created_at.startswith("2012-11-16")
    n = lamp_item({"text": "desc", "title": "Headline", "category": "POLITICS", "date": "2018-05-09"})
    assert (n.input, n.response, n.label) == ("desc", "Headline", "POLITICS")
    t = lamp_item({"text": "just a tweet"})
    assert (t.input, t.response, t.label) == ("", "just a tweet", None)
    c = lamp_item({"text": "a film about heists", "tag": "crime"})
    assert (c.input, c.response, c.label) == ("a film about heists", "crime", "crime")


@pytest.mark.parametrize(
    ("folder", "lamp_id", "kind"),
    [
        ("amazon_rating/musical_instruments", "mi0000", "score"),
        ("lamp/LaMP_7_dev", "610", "tweet"),
        ("lamp/newscat_lamp4_style", "nc001", "title"),
    ],
)
def test_lamp_files_from_shared_data(shared_data: Path, tmp_path: Path, folder: str, lamp_id: str, kind: str) -> None:
    path = shared_data / folder / "dev_questions.json"
    raw = next(q for q in json.loads(path.read_text()) if q["id"] == lamp_id)
    items, s = read_file(path, lamp_id=lamp_id)
    assert s.format == "lamp" and len(items) == len(raw["profile"]) - s.rejected_total
    assert len(items) >= 4
    first = items[0]
    if kind == "score":
        assert first.score is not None and first.response == raw["profile"][0]["score"]
    elif kind == "tweet":
        assert first.input == "" and first.response == raw["profile"][0]["text"]
    else:
        assert first.response == raw["profile"][0]["title"] and first.label == raw["profile"][0]["category"]
    store = Store.open(tmp_path / "db.sqlite")
    res = store.add_items("u", items)
    again = store.add_items("u", items)
    assert len(again.added) == 0 and len(again.duplicates) == len(items)
    assert store.count_items("u") == len(res.added)


def test_lamp_file_needs_a_choice_when_it_holds_many_users(shared_data: Path) -> None:
    with pytest.raises(ImportFormatError, match="--lamp-id"):
        read_file(shared_data / "lamp/LaMP_7_dev/dev_questions.json")
    with pytest.raises(ImportFormatError, match="No question"):
        read_file(shared_data / "lamp/LaMP_7_dev/dev_questions.json", lamp_id="nope")


def test_malformed_lamp_file(tmp_path: Path) -> None:
    f = tmp_path / "q.json"
    f.write_text('{"id": 1}')
    with pytest.raises(ImportFormatError, match="not a JSON array"):
        read_file(f, fmt="lamp")
    f.write_text('[1, 2]')
    with pytest.raises(ImportFormatError, match="LaMP questions"):
        read_file(f, fmt="lamp")
    f.write_text('[{"id": "1", "input": "x"}]')
    with pytest.raises(ImportFormatError, match="profile"):
        read_file(f, fmt="lamp")
