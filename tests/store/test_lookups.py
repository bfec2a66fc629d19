"""The lookups the outer layers need (issue 18): every factor without a magic number,
a rewrite or an item by id only for its owner, and an export read in pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mindprint.engine.types import Factor, UserSummary
from mindprint.store import NewItem, Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "t.db", max_page=200)
    yield s
    s.close()


def _factors(n: int) -> list[Factor]:
    return [Factor(id=f"f{i}", name=f"factor {i}", description="", members=(f"m{i}",), stats={})
            for i in range(n)]


def test_all_factors_is_every_factor_and_a_page_is_a_page(store: Store) -> None:
    store.add_items("u", [NewItem(input="q", response="a")])
    store.save_user_model("u", _factors(250), UserSummary(1, {}, None, {}), "offline")
    assert len(store.all_factors("u")) == 250  # limit=10_000 used to come back as 200
    assert [f.id for f in store.all_factors("u")][:3] == ["f0", "f1", "f2"]
    assert len(store.get_factors("u")) == 200 and len(store.get_factors("u", 5)) == 5


def test_rewrites_and_items_are_found_only_for_their_owner(store: Store) -> None:
    res = store.add_items("alice", [NewItem(input="q", response="a")])
    rid = store.add_rewrite("alice", query=None, draft="d", rewritten="r", trajectory={"x": 1},
                            generator="g")
    got = store.get_rewrite("alice", rid)
    assert got is not None and got["trajectory"] == {"x": 1} and got["rewritten"] == "r"
    assert store.get_rewrite("bob", rid) is None and store.get_rewrite("alice", rid + 1) is None
    item = store.get_item("alice", res.added[0])
    assert item is not None and item.response == "a"
    assert store.get_item("bob", res.added[0]) is None


def test_export_rows_page_by_rowid_and_match_the_full_export(store: Store) -> None:
    store.add_items("u", [NewItem(input=f"q{i}", response=f"a{i}") for i in range(7)])
    store.add_items("v", [NewItem(input="other", response="user")])
    pages, after = [], 0
    while rows := store.export_rows("u", "items", after, 3):
        pages.append([r for _, r in rows])
        after = rows[-1][0]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [r for p in pages for r in p] == store.export_user("u")["items"]
    assert store.export_counts("u")["items"] == 7
    with pytest.raises(ValueError):
        store.export_rows("u", "vectors", 0, 3)
