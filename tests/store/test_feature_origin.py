"""Feature origin (offline / llm / host): the 0010 migration, and host features (the
assistant's reasons) surviving re-extraction without being duplicated."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from mindprint.engine.types import Feature
from mindprint.store import NewItem, Store
from mindprint.store.repository import ItemArtifacts


def _art(item_id: int, *feats: Feature) -> ItemArtifacts:
    return ItemArtifacts(item_id, list(feats), {"raw": np.ones(3, dtype=np.float32)}, None)


def test_an_older_database_gets_the_origin_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    s = Store.open(path)
    [iid] = s.add_items("u", [NewItem(input="q", response="r")]).added
    s.close()
    # Back to the schema before 0010, with features written by an LLM and offline.
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE features DROP COLUMN origin")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0010_feature_origin'")
    conn.executemany(
        "INSERT INTO features (user_id, item_id, extractor, name, context, kind, weight) "
        "VALUES ('u', ?, ?, ?, '', ?, 1.0)",
        [(iid, "llm:openai:m+vec2", "battery life", "content"),
         (iid, "llm:openai:m+vec2", "negative tone", "content"),
         (iid, "offline-v3+vec2", "weight", "content")],
    )
    conn.commit()
    conn.close()
    s = Store.open(path)
    origins = {f.name: f.origin for f in s.get_features("u")[iid]}
    assert origins == {"battery life": "llm", "negative tone": "offline", "weight": "offline"}


def test_host_features_survive_re_extraction_once(tmp_path: Path) -> None:
    s = Store.open(tmp_path / "a.db")
    [iid] = s.add_items("u", [NewItem(input="q", response="r")]).added
    reason = Feature("answer too long", "Answer too long", origin="host", polarity=-0.5)
    s.save_artifacts("u", "x1", "m", [_art(iid, Feature("price", "the price"), reason)])
    s.save_artifacts("u", "x2", "m", [_art(iid, Feature("battery", "the battery"))])
    feats = s.get_features("u")[iid]
    assert sorted((f.name, f.origin) for f in feats) == [
        ("answer too long", "host"), ("battery", "offline")
    ]
    # Given back with the item (as a build passes them), it is updated, not doubled.
    s.save_artifacts("u", "x3", "m", [_art(iid, Feature("battery", "b"), reason)])
    assert sorted(f.name for f in s.get_features("u")[iid]) == ["answer too long", "battery"]
    assert s.host_feature_names("u") == {"answer too long"}
