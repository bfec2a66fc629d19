from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mindprint.engine.types import Factor, Feature, UserSummary, WrittenPath
from mindprint.errors import UnknownUserError
from mindprint.store import NewItem, Store
from mindprint.store.repository import USER_TABLES, ItemArtifacts


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "t.db", max_page=50)


def test_same_item_twice_is_stored_once(store: Store) -> None:
    a = store.add_items("u", [NewItem(input="in", response="out"), NewItem(input="in2", response="out")])
    b = store.add_items("u", [NewItem(input=" in ", response="out "), NewItem(input="x", response="y")])
    assert len(a.added) == 2 and a.duplicates == []
    assert b.duplicates == [a.added[0]] and len(b.added) == 1
    assert store.count_items("u") == 3
    # The same content for another user is that user's own item.
    assert store.add_items("v", [NewItem(input="in", response="out")]).added


def test_list_reads_are_capped_and_paginated(store: Store) -> None:
    store.add_items("u", [NewItem(input=f"q{i}", response=f"r{i}", created_at=f"2026-01-01T00:00:{i:02d}+00:00") for i in range(60)])
    assert len(store.list_items("u", limit=10_000)) == 50  # capped at max_page
    first = store.list_items("u", limit=20)
    second = store.list_items("u", limit=20, offset=20)
    assert first[0].input == "q59"  # newest first
    assert not {i.id for i in first} & {i.id for i in second}
    assert len(store.list_items("u", limit=20, offset=50)) == 10
    assert sum(len(p) for p in store.iter_items("u", batch=7)) == 60


def test_unknown_user(store: Store) -> None:
    with pytest.raises(UnknownUserError, match="mindprint import"):
        store.require_user("nobody")
    with pytest.raises(UnknownUserError):
        store.export_user("nobody")


def test_failed_write_changes_nothing(store: Store) -> None:
    store.add_items("u", [NewItem(input="a", response="b")])
    rev = store.revision("u")
    with pytest.raises(RuntimeError), store.write() as db:
        db.execute("INSERT INTO users (id, created_at, updated_at) VALUES ('x', 'n', 'n')")
        raise RuntimeError("boom")
    assert not store.user_exists("x")
    assert store.revision("u") == rev


def _artifacts(store: Store) -> list[int]:
    ids = store.add_items("u", [NewItem(input=f"q{i}", response="r") for i in range(3)]).added
    arts = [
        ItemArtifacts(i, [Feature("price", "cheap", polarity=0.3)], {"raw": np.ones(4, np.float32)}, WrittenPath(f"path {i}", "test-paths"))
        for i in ids[:2]
    ]
    store.save_artifacts("u", "ex1", "m1", arts)
    return ids


def test_artifacts_mark_items_done_for_their_extractor(store: Store) -> None:
    ids = _artifacts(store)
    assert [i.id for i in store.items_without_features("u", "ex1", 10)] == [ids[2]]
    assert len(store.items_without_features("u", "ex2", 10)) == 3
    feats = store.get_features("u")
    assert feats[ids[0]][0] == Feature("price", "cheap", polarity=0.3)
    got_ids, mat = store.get_vectors("u", "raw", "m1")
    assert got_ids == ids[:2] and mat.shape == (2, 4) and mat.dtype == np.float32
    assert store.get_vectors("u", "raw", "other-model")[0] == []
    assert store.get_paths("u", ids) == {ids[0]: f"path {ids[0]}", ids[1]: f"path {ids[1]}"}


def test_user_model_round_trip_and_versions(store: Store) -> None:
    store.add_items("u", [NewItem(input="a", response="b", label="x")])
    f = Factor("f_1", "price", "about price", ("price", "cost"), {"n_items": 1, "coverage": 1.0})
    v1 = store.save_user_model("u", [f], UserSummary(1, {"x": 1}, None, {"n_texts": 0}), "ex1")
    v2 = store.save_user_model("u", [f], UserSummary(1, {"x": 1}, None, {"n_texts": 0}), "ex1", corpus={"n_docs": 1, "df": {"a": 1}})
    assert (v1, v2) == (1, 2)
    assert store.get_factors("u") == [f]
    meta = store.get_user_model("u")
    assert meta is not None and meta.summary.label_counts == {"x": 1} and meta.version == 2
    assert store.get_corpus("u") == {"n_docs": 1, "df": {"a": 1}}


def test_forget_deletes_every_row_and_purges_the_file(tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    store = Store.open(path)
    secret = "my very secret diary entry zebra-quokka"
    _artifacts(store)
    store.add_items("u", [NewItem(input=secret, response="ok")])
    store.add_rewrite("u", query=None, draft=secret, rewritten="x", trajectory={}, generator="g")
    store.add_feedback("u", NewItem(input="q", response=secret), query="q", response=secret,
                       edited_response=None, rating=4, comment=None)
    store.log_llm_call({"user_id": "u", "provider": "p", "model": "m", "purpose": "x", "latency_ms": 1.0, "ok": 1})
    store.add_items("other", [NewItem(input="keep", response="me")])
    counts = store.forget_user("u")
    assert counts["items"] == 5 and counts["users"] == 1
    for table in USER_TABLES:
        col = "id" if table == "users" else "user_id"
        assert store.db.execute(f"SELECT COUNT(*) FROM {table} WHERE {col} = 'u'").fetchone()[0] == 0
    assert store.count_items("other") == 1
    store.close()
    for f in tmp_path.iterdir():
        assert b"zebra-quokka" not in f.read_bytes(), f.name
    # Idempotent.
    assert sum(Store.open(path).forget_user("u").values()) == 0


def test_export_has_everything(store: Store) -> None:
    _artifacts(store)
    store.add_feedback("u", NewItem(input="q", response="r2"), query="q", response="r2",
                       edited_response=None, rating=5, comment="good")
    data = store.export_user("u")
    assert {"items", "features", "paths", "factors", "feedback", "rewrites", "llm_calls", "user_model"} <= set(data)
    assert len(data["items"]) == 4 and data["feedback"][0]["comment"] == "good"
