"""Three `mindprint serve` processes write to ONE database at once, through the real MCP
client over stdio, and nothing is lost: every acknowledged feedback is a row, every new
exchange is one item with its features, its vectors and a path, the same call sent by
several processes at the same moment is one feedback event (the others' receipts say
duplicate), and the file passes
``PRAGMA integrity_check``. What one process wrote, another retrieves.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from mindprint.testing.exchanges import exchange
from tests.server.support import MINDPRINT_BIN, USER, call_ok

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

N_WRITERS = 3
# Distinct exchanges each process records: enough for every kind of call in plan() to
# race the others many times and for several background refreshes to overlap the
# writes; volume (minutes of writers) is benchmarks/soak.py's job.
PER_WRITER = 60
COMMON = 8  # calls every process makes for USER too: one event, two receipts say duplicate
RETRIEVE_EVERY = 10
MODES = ("legacy", "2026-07-28", "legacy")  # both protocol eras among the writers
SHARED_NEW = "team-shared"  # a user the three processes create concurrently

@dataclass(frozen=True, slots=True)
class Sent:
    writer: int
    user: str
    query: str
    stored_response: str  # what the item holds: the edited response when there is one
    receipt: dict[str, Any]


def plan(writer: int) -> list[tuple[str, dict[str, Any]]]:
    """(user, record_feedback arguments) for one writer, in the order it sends them."""
    out: list[tuple[str, dict[str, Any]]] = []
    for i in range(PER_WRITER):
        query, response, rating = exchange(writer, i)
        # Most for USER (all three processes), a third for a user the three create
        # together, a few for a user of this process alone.
        user = f"solo-{writer}" if i % 25 == 24 else (USER, USER, SHARED_NEW)[i % 3]
        args: dict[str, Any] = {"query": query, "response": response, "rating": rating}
        if user != USER or i % 2:  # USER is also the default: half the calls omit it
            args["user_id"] = user
        if i % 7 == 0:
            args["edited_response"] = f"{response.lower()} (edited by me)"
        if i % 5 == 0:
            args["comment"] = "shorter please"
        out.append((user, args))
    for j in range(COMMON):
        query, response, rating = exchange(99, j)
        out.insert(j * PER_WRITER // COMMON, (USER, {"query": query, "response": response, "rating": rating}))
    return out


def count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


async def run_writer(writer: int, c: Client, sent: list[Sent]) -> None:
    for n, (user, args) in enumerate(plan(writer)):
        receipt = await call_ok(c, "record_feedback", args)
        stored = args.get("edited_response") or args["response"]
        sent.append(Sent(writer, user, args["query"], stored, receipt))
        if n % RETRIEVE_EVERY == RETRIEVE_EVERY - 1:
            found = await call_ok(
                c, "retrieve_reasoning_paths",
                {"query": args["query"], "user_id": user, "k": 3},
            )
            assert found["user_id"] == user and found["items"]


async def test_three_server_processes_lose_no_write(
    child_env: dict[str, str], db_path: Path, tmp_path: Path
) -> None:
    with sqlite3.connect(db_path) as conn:
        items0, feedback0 = count(conn, "items"), count(conn, "feedback")
    conn.close()
    logs = [tmp_path / f"writer-{w}.log" for w in range(N_WRITERS)]
    sent: list[Sent] = []
    async with AsyncExitStack() as stack:
        clients: list[Client] = []
        for w in range(N_WRITERS):
            errlog = stack.enter_context(logs[w].open("w", encoding="utf-8"))
            params = StdioServerParameters(command=MINDPRINT_BIN, args=["serve"], env=child_env)
            clients.append(
                await stack.enter_async_context(Client(stdio_client(params, errlog=errlog), mode=MODES[w]))
            )
        async with anyio.create_task_group() as tg:
            for w, c in enumerate(clients):
                tg.start_soon(run_writer, w, c, sent)

        # What process A recorded, process B retrieves (its cache must see A's writes).
        for w, c in enumerate(clients):
            other = (w + 1) % N_WRITERS
            theirs = [s for s in sent if s.writer == other and s.receipt["new_item"]]
            for s in theirs[:: max(1, len(theirs) // 4)]:
                found = await call_ok(
                    c, "retrieve_reasoning_paths", {"query": s.query, "user_id": s.user, "k": 3}
                )
                ids = [h["item_id"] for h in found["items"]]
                # An exchange a stated preference cites comes back as that preference.
                said = [i for p in found.get("preferences", []) for i in p["items"]]
                assert s.receipt["item_id"] in ids + said, (w, other, s.query, ids, said)
                hit = next((h for h in found["items"] if h["item_id"] == s.receipt["item_id"]), None)
                assert hit is None or hit["response"] == s.stored_response
    # All three processes have exited (their background factor refreshes finished).

    total_calls = N_WRITERS * (PER_WRITER + COMMON)
    assert len(sent) == total_calls
    distinct = {(s.user, s.query, s.stored_response) for s in sent}
    assert len(distinct) == N_WRITERS * PER_WRITER + COMMON
    # Each exchange was new for exactly one caller, even the ones sent by all three; of
    # those, one call was recorded and the two others were told they repeated it.
    assert sum(s.receipt["new_item"] for s in sent) == len(distinct)
    repeats = [s for s in sent if s.receipt.get("duplicate")]
    assert len(repeats) == (N_WRITERS - 1) * COMMON
    assert {s.query for s in repeats} == {exchange(99, j)[0] for j in range(COMMON)}
    assert len({s.receipt["feedback_id"] for s in sent}) == total_calls - len(repeats)
    item_of = {(s.user, s.query, s.stored_response): s.receipt["item_id"] for s in sent}
    for s in sent:
        assert s.receipt["item_id"] == item_of[(s.user, s.query, s.stored_response)]

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        n_items = items0 + len(distinct)
        assert count(conn, "items") == n_items
        assert count(conn, "feedback") == feedback0 + total_calls - len(repeats)
        assert count(conn, "item_state") == n_items
        assert count(conn, "paths") == n_items
        # One vector of every kind the pipeline makes (features, raw, ...) per item; the
        # preference rows only for items that state a preference; what a rated turn's
        # rating is of (the assistant's answer: ``rated``, ``rated_signals``) only for those.
        per_item = "kind NOT IN ('prefs', 'rated', 'rated_signals')"
        kinds = {r[0] for r in conn.execute(f"SELECT DISTINCT kind FROM vectors WHERE {per_item}")}
        assert {"features", "raw"} <= kinds
        assert count(conn, f"vectors WHERE {per_item}") == len(kinds) * n_items
        incomplete = conn.execute(
            "SELECT COUNT(*) FROM items i WHERE (SELECT COUNT(DISTINCT kind) FROM vectors v "
            f"WHERE v.item_id = i.id AND {per_item}) != ?", [len(kinds)]
        ).fetchone()[0]
        assert incomplete == 0, "an item without one vector of each kind"
        rated_turns = count(conn, "items WHERE source IN ('feedback', 'feedback-edit') "
                            "AND (score IS NOT NULL OR label IS NOT NULL)")
        assert rated_turns > 0
        for kind in ("rated", "rated_signals"):
            assert count(conn, f"vectors WHERE kind = '{kind}'") == rated_turns
        assert conn.execute(
            "SELECT COUNT(*) FROM items i WHERE NOT EXISTS "
            "(SELECT 1 FROM features f WHERE f.item_id = i.id)"
        ).fetchone()[0] == 0
        users = dict(conn.execute("SELECT user_id, COUNT(*) FROM items GROUP BY user_id").fetchall())
        expected_users = Counter(u for u, _q, _r in distinct)
        expected_users[USER] += items0
        assert users == dict(expected_users)
        # Every receipt points at the row it acknowledged, in the right user.
        rows = {
            r[0]: r[1:]
            for r in conn.execute("SELECT f.id, f.user_id, f.query, i.input, i.response "
                                  "FROM feedback f JOIN items i ON i.id = f.item_id")
        }
        for s in sent:
            assert rows[s.receipt["feedback_id"]] == (s.user, s.query, s.query, s.stored_response)
    finally:
        conn.close()

    for log in logs:
        text = log.read_text(encoding="utf-8")
        assert "Traceback" not in text and " ERROR " not in text, text[-3000:]
        assert "locked" not in text, text[-3000:]
