"""Any field of one conversation, of any JSON type, rejects that conversation alone (with
its position and the reason) or is read around; the other conversations are imported
exactly as without it, and nothing raises.

Every field of the fixtures' conversations is set, in turn, to a value of each JSON type
(an exhaustive pass), then hypothesis sets random fields to random JSON values.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mindprint.importers import ImportSummary, make_plan, scan

FIX = Path(__file__).parent / "fixtures"
Path_ = tuple[str | int, ...]
ONE_OF_EACH_TYPE: list[Any] = [None, True, 0, -7, 2.5, 1e300, 10**30, "", "abc", "2024-01-01",
                               [], [1, "x"], {}, {"a": {"b": []}}]


@functools.cache
def conversations(layout: str) -> list[dict[str, Any]]:
    """The fixture's conversations, the smallest first: detection reads the first one, and
    every other one is mutated in turn. Read once: callers copy before they change one."""
    convs = json.loads((FIX / f"{layout}_conversations.json").read_text(encoding="utf-8"))
    return sorted(convs, key=lambda c: len(json.dumps(c)))


def paths(value: Any, at: Path_ = ()) -> Iterator[Path_]:
    """Every place in ``value``: the value itself, each key's value, each list element."""
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, (*at, i))


def replaced(value: Any, at: Path_, new: Any) -> Any:
    if not at:
        return new
    copy = json.loads(json.dumps(value))
    parent = copy
    for key in at[:-1]:
        parent = parent[key]
    parent[at[-1]] = new
    return copy


def read(tmp: Path, convs: list[Any]) -> tuple[list[tuple[Any, ...]], ImportSummary]:
    f = tmp / "conversations.json"
    # A new file each time: rewriting one in place makes ext4 flush it to disk at every
    # close (auto_da_alloc), which was most of this module's time.
    f.unlink(missing_ok=True)
    f.write_text(json.dumps(convs), encoding="utf-8")
    plan = make_plan(f)
    summary = plan.summary()
    items = [(it.input, it.response, it.created_at) for it in scan(plan, summary)]
    return items, summary


@functools.cache
def _without(tmp: Path, layout: str, k: int) -> tuple[list[tuple[Any, ...]], ImportSummary]:
    convs = conversations(layout)
    return read(tmp, convs[:k] + convs[k + 1:])


def check(tmp: Path, layout: str, k: int, mutated: Any) -> None:
    """Conversation ``k`` replaced by ``mutated``: the others are imported as without it."""
    convs = conversations(layout)
    without, base = _without(tmp, layout, k)
    items, s = read(tmp, [*convs[:k], mutated, *convs[k + 1:]])
    assert s.format == layout and s.read == len(convs)
    for it in without:
        assert it in items, f"lost {it[1][:40]!r}"
    theirs = [r for r in s.rejected if not r.where.startswith(f"conversation {k + 1}")]
    renumbered = [r.where.split(",")[0] for r in base.rejected]
    assert len(theirs) == len(renumbered), [r.where for r in s.rejected]
    for r in s.rejected:
        assert r.reason.strip() and r.where.startswith("conversation ")


@pytest.mark.parametrize("layout", ["chatgpt", "claude"])
def test_every_field_of_every_conversation_as_every_json_type(tmp_path: Path, layout: str) -> None:
    convs = conversations(layout)
    runs = 0
    for k in range(1, len(convs)):
        for at in paths(convs[k]):
            for new in ONE_OF_EACH_TYPE:
                check(tmp_path, layout, k, replaced(convs[k], at, new))
                runs += 1
    assert runs > 900


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@pytest.mark.parametrize("layout", ["chatgpt", "claude"])
def test_random_fields_as_random_json(tmp_path: Path, layout: str, data: st.DataObject) -> None:
    convs = conversations(layout)
    k = data.draw(st.integers(1, len(convs) - 1), label="conversation")
    mutated = convs[k]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        at = data.draw(st.sampled_from(list(paths(mutated))), label="field")
        mutated = replaced(mutated, at, data.draw(JSON, label="value"))
    check(tmp_path, layout, k, mutated)


ITEM_KEYS = ["input", "output", "label", "score", "created_at", "meta"]
TEXTS = st.text(max_size=20) | st.sampled_from(["\ud800", "a\udfffb", "2024-05-01", "inf", "1e400"])
HOSTILE = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**400), 10**400) | st.floats() | TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTS, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=st.dictionaries(st.sampled_from(ITEM_KEYS), HOSTILE, max_size=6) | HOSTILE,
       fmt=st.sampled_from(["jsonl", "json"]))
def test_a_hostile_jsonl_line_or_json_record_is_rejected_alone(
    tmp_path: Path, record: Any, fmt: str
) -> None:
    good = [{"input": f"question {i}", "output": f"answer {i}", "score": i} for i in range(3)]
    rows = [good[0], record, good[1], good[2]]
    f = tmp_path / f"records.{fmt}"
    # json.dumps writes NaN and Infinity, which Python's reader accepts: hostile input too.
    f.write_text("\n".join(json.dumps(r) for r in rows) if fmt == "jsonl" else json.dumps(rows),
                 encoding="utf-8")
    plan = make_plan(f, fmt=fmt)
    summary = plan.summary()
    items = list(scan(plan, summary))
    responses = [it.response for it in items]
    assert [r for r in responses if r.startswith("answer ")][-3:] == ["answer 0", "answer 1", "answer 2"]
    assert summary.read == 4 and len(items) + summary.rejected_total + sum(summary.skipped.values()) == 4
    where = "line 2" if fmt == "jsonl" else "record 2"
    assert all(r.where == where and r.reason for r in summary.rejected)
    for it in items:
        for text in (it.input, it.response, it.label or ""):
            text.encode("utf-8")
