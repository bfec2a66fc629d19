"""Soak under load: 3 `mindprint serve` processes and a `mindprint ui` dashboard on ONE
database for 10 minutes, every write path at once, then every acknowledged write and
every deleted text checked.

    nice -n 10 .venv/bin/python benchmarks/soak_load.py                 # 600 s
    .venv/bin/python benchmarks/soak_load.py --seconds 60 --out bench-out/soak-load-60.json

Every text carries a marker unique to who wrote it and when. Per 30 s cycle, server
process p (a real server over stdio, the real MCP client): forgets its user ``load-p``
(forget_user, confirmed), imports 8 exchanges into it with the real CLI (`mindprint
import`), builds it with the CLI in the background (a forget may overtake the build:
it then stops cleanly), and until the cycle ends records feedback for its user and for
the user all share (``load-shared``), retrieves and exports. The dashboard (a real
`mindprint ui`, over HTTP, for ``load-shared``) vetoes and un-vetoes a factor and deletes
the newest shared item, every 5 s. Every process runs with ``MINDPRINT_UNDO_HOURS=0``:
a deleted text may be scrubbed at once.

Checked at the end:
- lost writes: acknowledged feedback missing from the database or stored with another
  exchange (unless its item was deleted or its user forgotten since), imported items of
  the last import missing, the last acknowledged veto not in force;
- resurrected texts: a forgotten or deleted marker in an answer (retrieval or export)
  that started after the forget or delete returned, in the final exports (real CLI), or
  in the bytes of the database, its WAL or its shared memory;
- ``PRAGMA integrity_check`` and ``foreign_key_check``.

Prints writes/s, p50/p95/max latency per operation, lost writes and resurrected texts,
with the load average at the start and the end (the machine may be shared). Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
import soak_mixed
from mcp import Client
from soak import MAX_SECONDS, MINDPRINT_BIN, open_servers, pct
from soak_mixed import MARKER, marked

from mindprint.settings import EmbeddingSettings

CYCLE_S = 30.0
IMPORTED = 8
SHARED = "load-shared"
DASH_EVERY_S = 5.0
KINDS = {"f": 0, "s": 1000, "i": 2000}  # own feedback, shared feedback, imported: by index


def own(p: int) -> str:
    return f"load-{p}"


def texts(p: int, cycle: int, i: int, kind: str) -> tuple[str, str, str]:
    """(marker, query, answer): ``kind`` f = own feedback, s = shared feedback, i = imported."""
    query, answer = marked(p, cycle, KINDS[kind] + i)
    return f"mk{p}x{cycle}x{KINDS[kind] + i}q", query, answer


@dataclass
class Run(soak_mixed.Run):
    """soak_mixed's record of latencies, counts and answers checked against what is gone
    (``forgotten_at``: forgotten or deleted), and what this soak must find at the end."""

    feedback: list[tuple[int, int, str, str]] = field(default_factory=list)  # id, item, user, query
    imported: dict[str, tuple[str, int]] = field(default_factory=dict)  # marker -> (user, cycle)
    last_forget: dict[str, int] = field(default_factory=dict)  # user -> cycle of its last forget
    deleted_items: set[int] = field(default_factory=set)
    veto: dict[str, bool] = field(default_factory=dict)  # factor id -> last acknowledged state

    def timed(self, kind: str, t0: float) -> None:
        self.latency.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)

    def error(self, kind: str, text: str) -> None:
        self.count(f"{kind}_errors")
        if len(self.error_samples) < 8:
            self.error_samples.append(text[:300])


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MINDPRINT_BIN, *args], env=env, capture_output=True, text=True,
                          timeout=600, check=False)


async def feedback(run: Run, c: Client, user: str, marker: str, query: str, answer: str) -> None:
    got = await soak_mixed.call(run, c, "feedback", "record_feedback",
                     {"user_id": user, "query": query, "response": answer, "rating": 3})
    if got is not None:
        run.feedback.append((int(got["feedback_id"]), int(got["item_id"]), user, query))


async def forget_and_import(run: Run, c: Client, p: int, cycle: int, env: dict[str, str], work: Path) -> None:
    for _attempt in range(3):  # "run forget again" when another process held the WAL
        if await soak_mixed.call(run, c, "forget", "forget_user", {"user_id": own(p), "confirm": True}) is not None:
            break
    done = time.perf_counter()
    run.last_forget[own(p)] = cycle
    for m in [m for m in run.imported if m.startswith(f"mk{p}x")] + \
             [x.group(0) for _, _, u, q in run.feedback if u == own(p) for x in MARKER.finditer(q)]:
        run.forgotten_at.setdefault(m, done)
    rows = [texts(p, cycle, i, "i") for i in range(IMPORTED)]
    f = work / f"import-{p}.jsonl"
    f.write_text("".join(json.dumps({"input": q, "output": a, "score": 1 + i % 5}) + "\n"
                         for i, (_, q, a) in enumerate(rows)), encoding="utf-8")
    t0 = time.perf_counter()
    proc = await anyio.to_thread.run_sync(cli, env, "import", str(f), "--user", own(p), "--no-build", "--json")
    run.timed("import", t0)
    if proc.returncode != 0:
        run.error("import", f"import: {proc.stderr[-300:]}")
        return
    added = json.loads(proc.stdout)["added"]
    run.count("imported_items", added)
    run.imported.update({m: (own(p), cycle) for m, _, _ in rows})


async def build(run: Run, env: dict[str, str], user: str) -> None:
    t0 = time.perf_counter()
    proc = await anyio.to_thread.run_sync(cli, env, "build", "--user", user)
    run.timed("build", t0)
    if proc.returncode == 0:
        run.count("builds")
    elif "forgotten while its model was being built" in proc.stderr or "Unknown user" in proc.stderr:
        run.count("builds_stopped_by_forget")
    else:
        run.error("build", f"build: {proc.stderr[-300:]}")


async def server_loop(run: Run, c: Client, p: int, n: int, env: dict[str, str], work: Path,
                      seconds: float) -> None:
    t_end = time.perf_counter() + seconds
    cycle = 0
    async with anyio.create_task_group() as tg:
        while time.perf_counter() < t_end:
            cycle_end = time.perf_counter() + CYCLE_S
            await forget_and_import(run, c, p, cycle, env, work)
            tg.start_soon(build, run, env, own(p))
            i = 0
            while time.perf_counter() < min(cycle_end, t_end):
                step = i % 4
                if step == 0:
                    await feedback(run, c, own(p), *texts(p, cycle, i, "f"))
                elif step == 1:
                    await feedback(run, c, SHARED, *texts(p, cycle, i, "s"))
                elif step == 2:
                    await soak_mixed.call(run, c, "retrieve", "retrieve_reasoning_paths",
                               {"user_id": own(p), "query": texts(p, cycle, i - 2, "f")[1], "k": 5})
                else:
                    who = SHARED if (i // 4) % 2 else own((p + 1) % n)
                    await soak_mixed.call(run, c, "export", "export_user", {"user_id": who})
                i += 1
            cycle += 1
    run.count("cycles", cycle)


class Board:
    """The dashboard, as a browser would use it: signed in, reading the forms' tokens."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.origin = url.split("/?", 1)[0]
        self.c = httpx.AsyncClient(base_url=self.origin, timeout=120)

    async def sign_in(self) -> None:
        r = await self.c.get(self.url)
        assert r.status_code == 303, r.text

    async def post(self, run: Run, kind: str, path: str, data: dict[str, str]) -> str | None:
        page = (await self.c.get("/controls")).text
        token = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
        t0 = time.perf_counter()
        r = await self.c.post(path, data={**data, "csrf": token.group(1) if token else ""},
                              headers={"Origin": self.origin})
        run.timed(kind, t0)
        notice = (await self.c.get(r.headers.get("location", "/controls"))).text if r.status_code == 303 else ""
        if r.status_code != 303 or "Nothing changed" in notice:
            run.error(kind, f"{path}: {r.status_code} {re.sub(r'<[^>]+>', ' ', notice)[-300:]}")
            return None
        run.count(kind)
        return notice


async def dashboard_loop(run: Run, board: Board, seconds: float) -> None:
    t_end = time.perf_counter() + seconds
    step = 0
    while time.perf_counter() < t_end:
        await anyio.sleep(DASH_EVERY_S)
        controls = (await board.c.get("/controls")).text  # also scrubs expired deletions
        factor = re.search(r'name="factor_id" value="([^"]+)"', controls)
        if factor:
            vetoed = not run.veto.get(factor.group(1), False)
            done = await board.post(run, "veto", "/controls/factor",
                                    {"factor_id": factor.group(1), "action": "veto" if vetoed else "unveto"})
            if done is not None:
                run.veto[factor.group(1)] = vetoed
        history = (await board.c.get("/history")).text
        item = re.search(r'id="item-(\d+)".*?</article>', history, re.S)
        deleted = item and await board.post(run, "delete", "/items/delete", {"item_id": item.group(1)})
        if item and deleted is not None:
            run.deleted_items.add(int(item.group(1)))
            for m in MARKER.finditer(item.group(0)):
                run.forgotten_at.setdefault(m.group(0), time.perf_counter())
        if step % 6 == 0:
            t0 = time.perf_counter()
            r = await board.c.get("/export.json")
            run.timed("dashboard_export", t0)
            run.check_answer("dashboard /export.json", t0, r.text)
        step += 1


async def builder_loop(run: Run, env: dict[str, str], seconds: float) -> None:
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        await build(run, env, SHARED)
        await anyio.sleep(20)


def lost_writes(run: Run, conn: sqlite3.Connection) -> dict[str, int]:
    rows = {int(r[0]): (r[1], r[2]) for r in conn.execute("SELECT id, user_id, query FROM feedback")}
    lost_feedback = 0
    for fid, item, user, query in run.feedback:
        m = MARKER.search(query)
        gone = item in run.deleted_items or (m is not None and m.group(0) in run.forgotten_at)
        if not gone and rows.get(fid) != (user, query):
            lost_feedback += 1
    items = {(r[0], m.group(0)) for r in conn.execute("SELECT user_id, input FROM items")
             for m in MARKER.finditer(r[1])}
    lost_imports = sum(1 for m, (user, cycle) in run.imported.items()
                       if cycle == run.last_forget.get(user) and m not in run.forgotten_at
                       and (user, m) not in items)
    lost_controls = 0
    for factor, vetoed in run.veto.items():
        row = conn.execute("SELECT vetoed FROM factor_controls WHERE user_id = ? AND factor_id = ?",
                           [SHARED, factor]).fetchone()
        lost_controls += bool(row[0] if row else 0) != vetoed
    return {"feedback": lost_feedback, "imported_items": lost_imports, "controls": lost_controls}


def resurrected(run: Run, db: Path, env: dict[str, str], users: list[str]) -> dict[str, Any]:
    in_exports = set()
    for user in users:
        proc = cli(env, "export", "--user", user)
        in_exports |= {m.group(0) for m in MARKER.finditer(proc.stdout)} & set(run.forgotten_at)
    in_files = {}
    for suffix in ("", "-wal", "-shm"):
        f = Path(f"{db}{suffix}")
        if f.exists():
            data = f.read_bytes()
            in_files[f.name] = sorted(m for m in run.forgotten_at if m.encode() in data)[:10]
    return {"in_answers": len(run.violations), "in_final_exports": sorted(in_exports)[:10],
            "in_files": in_files,
            "total": len(run.violations) + len(in_exports) + sum(len(v) for v in in_files.values())}


async def soak(n: int, seconds: float, work: Path) -> dict[str, Any]:
    db = work / "load.db"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "MINDPRINT_HOME": str(work / "home"),
           "MINDPRINT_DB": str(db), "MINDPRINT_USER": SHARED, "MINDPRINT_UNDO_HOURS": "0",
           "MINDPRINT_MODEL_DIR": str(EmbeddingSettings().resolved_model_dir),
           "MINDPRINT_AUTO_INSTALL_MODEL": "0", "MINDPRINT_LOG_LEVEL": "WARNING", "HF_HUB_OFFLINE": "1"}
    run = Run()
    with anyio.fail_after(seconds + 900):
        async with AsyncExitStack() as stack:
            clients = await open_servers(stack, work, env, n, "server")
            for p, c in enumerate(clients):  # warm-up: loads the model, creates the users (not timed)
                await c.call_tool("record_feedback", {"user_id": SHARED, "query": f"warm-up {p}", "response": "ok 3/5"})
            await anyio.to_thread.run_sync(cli, env, "build", "--user", SHARED)
            ui_log = stack.enter_context((work / "ui.log").open("w", encoding="utf-8"))
            ui = subprocess.Popen([MINDPRINT_BIN, "ui", "--no-open", "--user", SHARED], env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=ui_log)
            stack.callback(ui.wait, 30)
            stack.callback(ui.terminate)
            assert ui.stdout is not None
            url = ui.stdout.readline().split(": ", 1)[1].strip()
            board = Board(url)
            await board.sign_in()
            t0 = time.perf_counter()
            async with anyio.create_task_group() as tg:
                for p, c in enumerate(clients):
                    tg.start_soon(server_loop, run, c, p, n, env, work, seconds)
                tg.start_soon(dashboard_loop, run, board, seconds)
                tg.start_soon(builder_loop, run, env, seconds)
            wall = time.perf_counter() - t0
            await board.c.aclose()
    # A last build opens the database as every process does: what the window let go is scrubbed.
    await anyio.to_thread.run_sync(cli, env, "build", "--user", SHARED)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        check = {"integrity_check": conn.execute("PRAGMA integrity_check").fetchone()[0],
                 "foreign_key_violations": len(conn.execute("PRAGMA foreign_key_check").fetchall()),
                 "lost_writes": lost_writes(run, conn),
                 "rows": {t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                          for t in ("users", "items", "feedback", "factors", "control_log")}}
    finally:
        conn.close()
    check["resurrected"] = resurrected(run, db, env, [SHARED, *(own(p) for p in range(n))])
    writes = sum(run.counts.get(k, 0) for k in ("feedback", "forget", "veto", "delete", "imported_items"))
    log_errors = [ln for f in sorted(work.glob("*.log")) for ln in f.read_text(errors="replace").splitlines()
                  if "Traceback" in ln or " ERROR " in ln][:10]
    return {"seconds": round(wall, 1), "writes": writes, "writes_per_s": round(writes / wall, 2),
            "operations": dict(sorted(run.counts.items())),
            "latency_ms": {k: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95), "max": round(max(v), 1)}
                           for k, v in sorted(run.latency.items()) if v},
            "violations": run.violations[:20], "error_samples": run.error_samples, "log_errors": log_errors,
            "check": check}


def report(out: dict[str, Any]) -> None:
    m = out["machine"]
    print(f"soak under load: {out['config']['servers']} servers + dashboard + CLI imports and builds, "
          f"{out['seconds']} s; load average {m['loadavg_at_start'][0]:.2f} at the start, "
          f"{m['loadavg_at_end'][0]:.2f} at the end, on {m['cpus']} cores")
    print(f"writes {out['writes']} ({out['writes_per_s']}/s): {json.dumps(out['operations'])}")
    print(f"{'operation':<18} {'n':>6} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for k, lat in out["latency_ms"].items():
        print(f"{k:<18} {lat['n']:>6} {lat['p50']!s:>9} {lat['p95']!s:>9} {lat['max']!s:>9}")
    c = out["check"]
    lost = c["lost_writes"]
    print(f"lost writes        {sum(lost.values())} {lost}")
    print(f"resurrected texts  {c['resurrected']['total']} (answers {c['resurrected']['in_answers']}, "
          f"exports {c['resurrected']['in_final_exports']}, files {c['resurrected']['in_files']})")
    print(f"integrity_check    {c['integrity_check']} (foreign key violations {c['foreign_key_violations']})")
    for line in out["violations"] + out["error_samples"] + out["log_errors"]:
        print("  ", line)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--servers", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=600.0, help=f"at most {MAX_SECONDS:.0f}")
    ap.add_argument("--out", type=Path, default=Path("bench-out/soak-load.json"))
    ap.add_argument("--keep", type=Path, default=None, help="keep the database and logs in this folder")
    args = ap.parse_args(argv)
    n, seconds = max(2, min(6, args.servers)), max(30.0, min(MAX_SECONDS, args.seconds))
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="mindprint-load-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        result = anyio.run(soak, n, seconds, work)
    out = {"config": {"servers": n, "seconds": seconds, "cycle_s": CYCLE_S, "dashboard_every_s": DASH_EVERY_S},
           "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                       "loadavg_at_start": load, "loadavg_at_end": os.getloadavg()}, **result}
    report(out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    c = out["check"]
    ok = (sum(c["lost_writes"].values()) == 0 and c["resurrected"]["total"] == 0
          and c["integrity_check"] == "ok" and c["foreign_key_violations"] == 0 and not out["error_samples"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
