"""A repeated record_feedback call is one event: by its idempotency key at any distance,
or without one by its content within the repeat window; the result says so. Through the
real MCP client, and across two apps (as two server processes) on one database file."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

from mindprint.app import Mindprint
from mindprint.server.state import ServerState
from mindprint.services import feedback
from tests.server.support import USER, call_err, call_ok, snapshot

pytestmark = pytest.mark.anyio
EXCHANGE = {"query": "Is the Vortex 2 worth $160?", "response": "Yes: light and grippy.", "rating": 2,
            "comment": "too vague", "reasons": ["answer too long"]}


async def _history(c: Client) -> int:
    return int((await call_ok(c, "get_user_factors", {}))["history_size"])


async def test_an_identical_call_within_the_window_is_recorded_once(
    server: MCPServer[ServerState], db_path: Path
) -> None:
    async with Client(server, mode="legacy") as c:
        first = await call_ok(c, "record_feedback", EXCHANGE)
        after_first = snapshot(db_path)
        again = await call_ok(c, "record_feedback", EXCHANGE)
        assert snapshot(db_path) == after_first  # nothing written
        other = await call_ok(c, "record_feedback", {**EXCHANGE, "rating": 3})
        size = await _history(c)
    assert "duplicate" not in first and again["duplicate"] is True
    assert (again["feedback_id"], again["item_id"]) == (first["feedback_id"], first["item_id"])
    assert other["feedback_id"] != first["feedback_id"] and "duplicate" not in other
    assert size == first["history_size"] == 49


async def test_outside_the_window_the_same_call_is_a_new_event(
    server: MCPServer[ServerState], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feedback, "REPEAT_WINDOW_S", 0)
    async with Client(server, mode="legacy") as c:
        first = await call_ok(c, "record_feedback", EXCHANGE)
        second = await call_ok(c, "record_feedback", EXCHANGE)
    assert second["feedback_id"] != first["feedback_id"] and "duplicate" not in second
    # Same exchange: the history item is stored once, the feedback event twice.
    assert second["item_id"] == first["item_id"] and not second["new_item"]


async def test_an_idempotency_key_makes_a_retry_safe_at_any_distance(
    server: MCPServer[ServerState], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feedback, "REPEAT_WINDOW_S", 0)  # the window plays no part
    keyed = {**EXCHANGE, "idempotency_key": "turn-7"}
    async with Client(server, mode="legacy") as c:
        first = await call_ok(c, "record_feedback", keyed)
        retry = await call_ok(c, "record_feedback", keyed)
        before = snapshot(db_path)
        message = await call_err(c, "record_feedback", {**keyed, "rating": 5})
        assert snapshot(db_path) == before
        fresh = await call_ok(c, "record_feedback", {**EXCHANGE, "idempotency_key": "turn-8"})
        too_long = await call_err(c, "record_feedback", {**EXCHANGE, "idempotency_key": "k" * 201})
    assert retry["duplicate"] is True and retry["feedback_id"] == first["feedback_id"]
    assert "idempotency_key 'turn-7' was already used for different feedback" in message
    assert str(db_path) in message
    assert fresh["feedback_id"] not in (first["feedback_id"],) and "duplicate" not in fresh
    assert "idempotency_key is 201 characters" in too_long


def test_two_processes_racing_with_one_call_record_it_once(
    app_factory: Callable[[], Mindprint], db_path: Path
) -> None:
    """Two apps (each its own connection, as two server processes) on one file, the same
    call at the same moment: one records it, the other gets the receipt as a duplicate."""
    apps = [app_factory(), app_factory()]
    start = threading.Barrier(len(apps))
    receipts: list[Any] = []

    def call(app: Mindprint) -> None:
        start.wait()
        receipts.append(app.feedback.record(USER, EXCHANGE["query"], EXCHANGE["response"],
                                            rating=2, idempotency_key="race-1"))

    threads = [threading.Thread(target=call, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for a in apps:
        a.close()
    assert len(receipts) == 2 and sorted(r.duplicate for r in receipts) == [False, True]
    assert len({r.feedback_id for r in receipts}) == 1
    check = app_factory()
    try:
        rows = [r for r in check.admin.export(USER)["feedback"] if r["idempotency_key"] == "race-1"]
    finally:
        check.close()
    assert len(rows) == 1
