"""Soak test: N `mindprint serve` processes write feedback to ONE database for M seconds.

    .venv/bin/python benchmarks/soak.py                       # 3 writers, 30 s
    .venv/bin/python benchmarks/soak.py --writers 4 --seconds 60 --out bench-out/soak4.json
    .venv/bin/python benchmarks/soak.py --mixed     # 3 processes, 120 s: writes, retrievals,
                                                    # builds, forget-and-refill (soak_mixed.py)

Each writer is a real server process spawned over stdio by the real MCP client (legacy
handshake, as Claude Desktop connects; no network, nothing listens on a port). After one
warm-up call each (it loads the embedding model; not timed), all writers start together
and call ``record_feedback`` back to back with distinct exchanges, alternating between a
user they all share and a user of their own, until the time is up or ``--max-writes``.
Closing the clients stops the servers, which finish their background factor refreshes.

Then the database is checked against the receipts the writers got back:
- lost writes: acknowledged feedback ids missing from the database, or stored with
  another exchange than the one acknowledged;
- unacknowledged rows: feedback rows no receipt accounts for (a failed call that wrote);
- items missing a vector of any kind the pipeline makes, or their ``item_state`` row;
- ``PRAGMA integrity_check`` and ``foreign_key_check``.

Prints a table (writes/s per writer and in total, p50/p95/max write latency, errors) and
writes JSON (default ``bench-out/soak.json``). Not a test: pytest does not collect it.
Bounded: at most --seconds (capped at 600) of writing and --max-writes per writer, and a
hard deadline on the whole run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp_types import TextContent

from mindprint.settings import EmbeddingSettings
from mindprint.testing.exchanges import exchange as review_exchange

MINDPRINT_BIN = str(Path(sys.executable).parent / "mindprint")
SHARED_USER = "soak-shared"
MAX_SECONDS = 600.0


def exchange(writer: int, i: int) -> dict[str, Any]:
    """record_feedback arguments for this writer and index: every other one for the user
    all writers share, the rest for the writer's own user."""
    query, response, rating = review_exchange(writer, i)
    return {
        "query": query,
        "response": response,
        "rating": rating,
        "user_id": SHARED_USER if i % 2 == 0 else f"soak-w{writer}",
    }


@dataclass
class Receipt:
    feedback_id: int
    item_id: int
    new_item: bool
    user_id: str
    query: str


@dataclass
class WriterResult:
    writer: int
    latencies_ms: list[float] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    refreshes_scheduled: int = 0
    seconds: float = 0.0



async def open_servers(
    stack: AsyncExitStack, work: Path, env: dict[str, str], n: int, name: str
) -> list[Client]:
    """``n`` real ``mindprint serve`` processes over stdio, each logging to ``work/name-i.log``."""
    clients = []
    for i in range(n):
        log = stack.enter_context((work / f"{name}-{i}.log").open("w", encoding="utf-8"))
        params = StdioServerParameters(command=MINDPRINT_BIN, args=["serve"], env=env)
        clients.append(await stack.enter_async_context(Client(stdio_client(params, errlog=log), mode="legacy")))
    return clients

async def call_tool(c: Client, tool: str, args: dict[str, Any]) -> tuple[float, dict[str, Any] | str]:
    """(milliseconds, the structured result or the error's text) of one tool call."""
    t0 = time.perf_counter()
    r = await c.call_tool(tool, args)
    ms = (time.perf_counter() - t0) * 1000
    if r.is_error or r.structured_content is None:
        first = r.content[0] if r.content else None
        return ms, first.text if isinstance(first, TextContent) else repr(first)
    out: dict[str, Any] = r.structured_content
    return ms, out


async def write_one(c: Client, args: dict[str, Any], res: WriterResult, timed: bool) -> None:
    t0 = time.perf_counter()
    try:
        r = await c.call_tool("record_feedback", args)
    except Exception as e:  # noqa: BLE001 - a transport failure is a counted error, not a crash
        res.errors += 1
        if len(res.error_samples) < 5:
            res.error_samples.append(f"{type(e).__name__}: {e}")
        return
    ms = (time.perf_counter() - t0) * 1000
    sc = r.structured_content
    if r.is_error or sc is None:
        res.errors += 1
        if len(res.error_samples) < 5:
            first = r.content[0] if r.content else None
            res.error_samples.append(first.text if isinstance(first, TextContent) else repr(first))
        return
    if timed:
        res.latencies_ms.append(ms)
    res.refreshes_scheduled += bool(sc.get("refresh_scheduled"))
    res.receipts.append(Receipt(int(sc["feedback_id"]), int(sc["item_id"]), bool(sc["new_item"]),
                                args["user_id"], args["query"]))


async def writer(
    w: int, c: Client, start: anyio.Event, ready: list[bool], deadline_s: float, max_writes: int,
    res: WriterResult,
) -> None:
    await write_one(c, exchange(w, 0), res, timed=False)  # loads the model
    ready[w] = True
    await start.wait()
    t0 = time.perf_counter()
    i = 1
    while i <= max_writes and time.perf_counter() - t0 < deadline_s:
        await write_one(c, exchange(w, i), res, timed=True)
        i += 1
    res.seconds = time.perf_counter() - t0


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 1)


def verify(db: Path, results: list[WriterResult]) -> dict[str, Any]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        fk_violations = len(conn.execute("PRAGMA foreign_key_check").fetchall())
        rows = {
            int(r[0]): (r[1], r[2], r[3])
            for r in conn.execute("SELECT f.id, f.user_id, f.query, f.item_id FROM feedback f")
        }
        receipts = [r for res in results for r in res.receipts]
        lost = sum(
            1 for r in receipts if rows.get(r.feedback_id) != (r.user_id, r.query, r.item_id)
        )
        acknowledged = {r.feedback_id for r in receipts}
        items = int(conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])
        counts = {t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                  for t in ("users", "items", "feedback", "item_state", "vectors", "paths")}
        kinds = sorted(r[0] for r in conn.execute("SELECT DISTINCT kind FROM vectors"))
        bad_vectors = int(conn.execute(
            "SELECT COUNT(*) FROM items i WHERE (SELECT COUNT(DISTINCT kind) FROM vectors v "
            "WHERE v.item_id = i.id) != ?", [len(kinds)]
        ).fetchone()[0])
        no_state = int(conn.execute(
            "SELECT COUNT(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM item_state s WHERE s.item_id = i.id)"
        ).fetchone()[0])
        rebuilds = {u: int(v) for u, v in conn.execute("SELECT user_id, version FROM user_models")}
    finally:
        conn.close()
    return {
        "integrity_check": integrity,
        "foreign_key_violations": fk_violations,
        "acknowledged_writes": len(receipts),
        "lost_writes": lost,
        "unacknowledged_rows": len(set(rows) - acknowledged),
        "new_items_acknowledged": sum(r.new_item for r in receipts),
        "items": items,
        "vector_kinds": kinds,
        "items_missing_a_vector": bad_vectors,
        "items_without_state": no_state,
        "rows": counts,
        "factor_rebuilds_per_user": rebuilds,
        "db_bytes": db.stat().st_size,
    }


async def soak(n_writers: int, seconds: float, max_writes: int, work: Path) -> dict[str, Any]:
    db = work / "soak.db"
    env = {
        "MINDPRINT_HOME": str(work / "home"),
        "MINDPRINT_DB": str(db),
        "MINDPRINT_USER": SHARED_USER,
        "MINDPRINT_MODEL_DIR": str(EmbeddingSettings().resolved_model_dir),
        "MINDPRINT_AUTO_INSTALL_MODEL": "0",  # never download during a soak
        "MINDPRINT_LOG_LEVEL": "WARNING",
        "HF_HUB_OFFLINE": "1",
    }
    results = [WriterResult(w) for w in range(n_writers)]
    ready = [False] * n_writers
    start = anyio.Event()
    wall = 0.0
    close_s = 0.0
    with anyio.fail_after(seconds + 300):  # hard bound on the whole run
        async with AsyncExitStack() as stack:
            clients = await open_servers(stack, work, env, n_writers, "writer")
            async with anyio.create_task_group() as tg:
                for w, c in enumerate(clients):
                    tg.start_soon(writer, w, c, start, ready, seconds, max_writes, results[w])
                while not all(ready):
                    await anyio.sleep(0.05)
                t0 = time.perf_counter()
                start.set()
            wall = time.perf_counter() - t0
            t1 = time.perf_counter()
        close_s = time.perf_counter() - t1
    report = verify(db, results)
    stderr_errors = []
    for w in range(n_writers):
        text = (work / f"writer-{w}.log").read_text(encoding="utf-8", errors="replace")
        stderr_errors += [ln for ln in text.splitlines() if "ERROR" in ln or "Traceback" in ln][:5]
    all_lat = [x for r in results for x in r.latencies_ms]
    timed_writes = len(all_lat)
    return {
        "writers": [
            {
                "writer": r.writer,
                "writes": len(r.latencies_ms),
                "writes_per_s": round(len(r.latencies_ms) / r.seconds, 2) if r.seconds else 0.0,
                "p50_ms": pct(r.latencies_ms, 50),
                "p95_ms": pct(r.latencies_ms, 95),
                "max_ms": round(max(r.latencies_ms), 1) if r.latencies_ms else None,
                "errors": r.errors,
                "refreshes_scheduled": r.refreshes_scheduled,
                "error_samples": r.error_samples,
            }
            for r in results
        ],
        "total": {
            "writes": timed_writes,
            "seconds": round(wall, 2),
            "writes_per_s": round(timed_writes / wall, 2) if wall else 0.0,
            "p50_ms": pct(all_lat, 50),
            "p95_ms": pct(all_lat, 95),
            "max_ms": round(max(all_lat), 1) if all_lat else None,
            "errors": sum(r.errors for r in results),
            "shutdown_s": round(close_s, 2),
        },
        "check": report,
        "server_log_errors": stderr_errors,
    }


def print_table(out: dict[str, Any]) -> None:
    head = f"{'writer':>8} {'writes':>7} {'writes/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}"
    print(head)
    print("-" * len(head))
    for w in out["writers"]:
        print(f"{w['writer']:>8} {w['writes']:>7} {w['writes_per_s']:>9} {w['p50_ms']!s:>8} "
              f"{w['p95_ms']!s:>8} {w['max_ms']!s:>8} {w['errors']:>7}")
    t = out["total"]
    print("-" * len(head))
    print(f"{'total':>8} {t['writes']:>7} {t['writes_per_s']:>9} {t['p50_ms']!s:>8} "
          f"{t['p95_ms']!s:>8} {t['max_ms']!s:>8} {t['errors']:>7}")
    c = out["check"]
    print()
    print(f"acknowledged writes     {c['acknowledged_writes']} (incl. {len(out['writers'])} warm-ups)")
    print(f"lost writes             {c['lost_writes']}")
    print(f"unacknowledged rows     {c['unacknowledged_rows']}")
    print(f"items / new receipts    {c['items']} / {c['new_items_acknowledged']}")
    print(f"items missing a vector  {c['items_missing_a_vector']} (kinds: {', '.join(c['vector_kinds'])})")
    print(f"items w/o item_state    {c['items_without_state']}")
    print(f"integrity_check         {c['integrity_check']} (foreign key violations: {c['foreign_key_violations']})")
    print(f"factor rebuilds / user  {c['factor_rebuilds_per_user']}")
    print(f"shutdown                {t['shutdown_s']} s (background refreshes finishing)")
    if out["server_log_errors"]:
        print("server log errors:", *out["server_log_errors"], sep="\n  ")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--writers", type=int, default=3, help="server processes (1-16)")
    ap.add_argument("--seconds", type=float, default=30.0, help=f"writing time (at most {MAX_SECONDS:.0f})")
    ap.add_argument("--max-writes", type=int, default=5_000, help="cap per writer")
    ap.add_argument("--out", type=Path, default=Path("bench-out/soak.json"))
    ap.add_argument("--keep", type=Path, default=None, help="keep the database and logs in this folder")
    ap.add_argument("--mixed", action="store_true",
                    help="the mixed run of soak_mixed.py (default 3 processes, 120 s)")
    args = ap.parse_args(argv)
    if args.mixed:
        return mixed_main(args, argv)
    n = max(1, min(16, args.writers))
    seconds = max(1.0, min(MAX_SECONDS, args.seconds))
    max_writes = max(1, args.max_writes)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory(prefix="mindprint-soak-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        result = anyio.run(soak, n, seconds, max_writes, work)
    out = {
        "config": {"writers": n, "seconds": seconds, "max_writes_per_writer": max_writes,
                   "transport": "stdio", "client_mode": "legacy"},
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "loadavg_at_start": load},
        **result,
    }
    print_table(out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    c = out["check"]
    ok = (c["lost_writes"] == 0 and c["integrity_check"] == "ok" and out["total"]["errors"] == 0
          and c["unacknowledged_rows"] == 0)
    return 0 if ok else 1


def mixed_main(args: argparse.Namespace, argv: list[str] | None) -> int:
    import soak_mixed

    given = set(argv if argv is not None else sys.argv[1:])
    n = max(2, min(8, args.writers))
    seconds = max(10.0, min(MAX_SECONDS, args.seconds if "--seconds" in given else 120.0))
    out_path = args.out if "--out" in given else Path("bench-out/soak-mixed.json")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory(prefix="mindprint-mixed-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        result = anyio.run(soak_mixed.mixed, n, seconds, work)
    out = {"config": {"processes": n, "seconds": seconds, "cycle_s": soak_mixed.CYCLE_S},
           "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                       "loadavg_at_start": load,
                       "loadavg_at_end": os.getloadavg() if hasattr(os, "getloadavg") else None},
           **result}
    soak_mixed.print_report(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out_path}")
    return 0 if soak_mixed.ok(out) else 1


if __name__ == "__main__":
    sys.exit(main())
