"""Mixed soak: 3 `mindprint serve` processes on ONE database for 2 minutes, each writing,
retrieving, exporting and building, and every 10 s forgetting its own user and refilling it.

    .venv/bin/python benchmarks/soak.py --mixed                 # 3 processes, 120 s
    .venv/bin/python benchmarks/soak.py --mixed --seconds 60 --out bench-out/soak-mixed.json

Each process is a real server spawned over stdio by the real MCP client (legacy handshake).
Per 10 s cycle, process p: forgets ``mixed-p`` (forget_user, confirmed) and refills it
with 6 exchanges whose texts carry a marker unique to (p, cycle, i); then, until the
cycle ends, records feedback for a user all share, retrieves for its own user and for the
next process's user, and exports the next process's user. Refills schedule background
rebuilds in the servers, and once per cycle one process also runs `mindprint build` for
its user as a separate CLI process (which a forget may overtake: it then stops cleanly).

The markers of a cycle are *forgotten* from the moment the next cycle's forget returned.
Checked, for every forgotten marker:
- no answer (retrieval or export, in any process) that started after its forget contains it;
- the final exports (real CLI) of every user do not contain it;
- the database file, its WAL and shared-memory files do not contain its bytes;
and ``PRAGMA integrity_check`` / ``foreign_key_check`` hold. Not a test: pytest does not
collect it; the whole run is bounded by a hard deadline.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from mcp import Client
from soak import MINDPRINT_BIN, call_tool, open_servers, pct

from mindprint.settings import EmbeddingSettings

CYCLE_S = 10.0
REFILL = 6
SHARED = "mixed-shared"
MARKER = re.compile(r"mk(\d+)x(\d+)x(\d+)q")


def own(p: int) -> str:
    return f"mixed-{p}"


def marked(p: int, cycle: int, i: int) -> tuple[str, str]:
    m = f"mk{p}x{cycle}x{i}q"
    return (f"Review request: {m} trail shoe number {i} — {200 + 10 * i} g, ${90 + i}.",
            f"the {m} grips well and weighs {200 + 10 * i} g. {1 + i % 5}/5")


@dataclass
class Run:
    """What every process saw, shared by the tasks (one event loop: no locks needed)."""

    forgotten_at: dict[str, float] = field(default_factory=dict)  # marker -> forget returned
    written: dict[str, int] = field(default_factory=dict)  # marker -> its cycle
    latency: dict[str, list[float]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def check_answer(self, what: str, started: float, payload: Any) -> None:
        for m in {mt.group(0) for mt in MARKER.finditer(json.dumps(payload, ensure_ascii=False))}:
            gone = self.forgotten_at.get(m)
            if gone is not None and gone < started:
                self.violations.append(f"{what} returned {m}, forgotten {started - gone:.2f} s before")


async def call(run: Run, c: Client, kind: str, tool: str, args: dict[str, Any]) -> dict[str, Any] | None:
    t0 = time.perf_counter()
    ms, got = await call_tool(c, tool, args)
    run.latency.setdefault(kind, []).append(ms)
    if isinstance(got, str):
        text = got
        # A user being forgotten by another process is briefly unknown: expected.
        run.count(f"{kind}_unknown_user" if "Unknown user" in text else f"{kind}_errors")
        if "Unknown user" not in text and len(run.error_samples) < 8:
            run.error_samples.append(f"{tool}: {text[:300]}")
        return None
    run.check_answer(f"{tool}({args.get('user_id')})", t0, got)
    run.count(kind)
    return got


async def forget_and_refill(run: Run, c: Client, p: int, cycle: int) -> None:
    for _attempt in range(3):  # "run forget again" when another process held the WAL
        out = await call(run, c, "forget", "forget_user", {"user_id": own(p), "confirm": True})
        if out is not None:
            break
    done = time.perf_counter()
    for m, cyc in list(run.written.items()):
        if m.startswith(f"mk{p}x") and cyc < cycle and m not in run.forgotten_at:
            run.forgotten_at[m] = done
    for i in range(REFILL):
        query, response = marked(p, cycle, i)
        run.written[f"mk{p}x{cycle}x{i}q"] = cycle
        fb = await call(run, c, "write", "record_feedback",
                        {"user_id": own(p), "query": query, "response": response, "rating": 1 + i % 5})
        if fb and fb.get("refresh_scheduled"):
            run.count("background_builds_scheduled")


def cli_build(env: dict[str, str], user: str) -> tuple[int, str]:
    proc = subprocess.run([MINDPRINT_BIN, "build", "--user", user], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    return proc.returncode, proc.stderr


async def process_loop(run: Run, c: Client, p: int, n: int, env: dict[str, str], seconds: float) -> None:
    t_end = time.perf_counter() + seconds
    cycle = 0
    async with anyio.create_task_group() as tg:
        while time.perf_counter() < t_end:
            cycle_end = time.perf_counter() + CYCLE_S
            await forget_and_refill(run, c, p, cycle)
            if cycle % n == p:
                tg.start_soon(run_cli_build, run, env, own(p))
            i = 0
            while time.perf_counter() < min(cycle_end, t_end):
                step = i % 4
                if step == 0:
                    await call(run, c, "write", "record_feedback", {
                        "user_id": SHARED, "query": f"Review request: shared item {p}-{cycle}-{i}",
                        "response": f"shared answer {p}-{cycle}-{i}. 3/5"})
                elif step == 1:
                    await call(run, c, "retrieve", "retrieve_reasoning_paths",
                               {"user_id": own(p), "query": marked(p, cycle, i % REFILL)[0], "k": 5})
                elif step == 2:
                    other = (p + 1) % n
                    await call(run, c, "retrieve", "retrieve_reasoning_paths",
                               {"user_id": own(other), "query": "Review request: a trail shoe, 250 g.", "k": 8})
                else:
                    await call(run, c, "export", "export_user", {"user_id": own((p + 1) % n)})
                i += 1
            cycle += 1
    run.count("cycles", cycle)


async def run_cli_build(run: Run, env: dict[str, str], user: str) -> None:
    t0 = time.perf_counter()
    code, err = await anyio.to_thread.run_sync(cli_build, env, user)
    run.latency.setdefault("cli_build", []).append((time.perf_counter() - t0) * 1000)
    if code == 0:
        run.count("cli_builds_done")
    elif "forgotten while its model was being built" in err or "Unknown user" in err:
        run.count("cli_builds_stopped_by_forget")
    else:
        run.count("cli_build_errors")
        run.error_samples.append(f"mindprint build: {err.strip()[-300:]}")


def final_checks(run: Run, db: Path, env: dict[str, str], n: int) -> dict[str, Any]:
    import sqlite3

    exports_with_forgotten = 0
    for p in range(n):
        proc = subprocess.run([MINDPRINT_BIN, "export", "--user", own(p)], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        found = {m.group(0) for m in MARKER.finditer(proc.stdout)} & set(run.forgotten_at)
        exports_with_forgotten += len(found)
    in_files: dict[str, int] = {}
    for suffix in ("", "-wal", "-shm"):
        f = Path(f"{db}{suffix}")
        if f.exists():
            data = f.read_bytes()
            in_files[f.name] = sum(1 for m in run.forgotten_at if m.encode() in data)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        fk = len(conn.execute("PRAGMA foreign_key_check").fetchall())
        rows = {t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                for t in ("users", "items", "feedback", "factors", "user_models")}
    finally:
        conn.close()
    return {"forgotten_markers": len(run.forgotten_at), "forgotten_in_final_exports": exports_with_forgotten,
            "forgotten_in_files": in_files, "integrity_check": integrity, "foreign_key_violations": fk,
            "rows": rows, "db_bytes": db.stat().st_size}


async def mixed(n: int, seconds: float, work: Path) -> dict[str, Any]:
    db = work / "mixed.db"
    env = {
        "PATH": "/usr/bin:/bin", "MINDPRINT_HOME": str(work / "home"), "MINDPRINT_DB": str(db),
        "MINDPRINT_USER": SHARED, "MINDPRINT_MODEL_DIR": str(EmbeddingSettings().resolved_model_dir),
        "MINDPRINT_AUTO_INSTALL_MODEL": "0", "MINDPRINT_LOG_LEVEL": "WARNING", "HF_HUB_OFFLINE": "1",
    }
    run = Run()
    with anyio.fail_after(seconds + 400):
        async with AsyncExitStack() as stack:
            clients = await open_servers(stack, work, env, n, "process")
            for p, c in enumerate(clients):  # warm-up: loads the model (not timed)
                await c.call_tool("record_feedback", {"user_id": SHARED, "query": f"warm-up {p}", "response": "ok"})
            t0 = time.perf_counter()
            async with anyio.create_task_group() as tg:
                for p, c in enumerate(clients):
                    tg.start_soon(process_loop, run, c, p, n, env, seconds)
            wall = time.perf_counter() - t0
    checks = final_checks(run, db, env, n)
    log_errors = [ln for p in range(n) for ln in (work / f"process-{p}.log").read_text(
        encoding="utf-8", errors="replace").splitlines() if "Traceback" in ln or " ERROR " in ln][:10]
    return {
        "seconds": round(wall, 1),
        "operations": dict(sorted(run.counts.items())),
        "per_s": {k: round(len(v) / wall, 2) for k, v in run.latency.items()},
        "latency_ms": {k: {"p50": pct(v, 50), "p95": pct(v, 95), "max": round(max(v), 1)}
                       for k, v in run.latency.items() if v},
        "violations": run.violations[:20],
        "violation_count": len(run.violations),
        "error_samples": run.error_samples,
        "check": checks,
        "server_log_errors": log_errors,
    }


def ok(out: dict[str, Any]) -> bool:
    c, ops = out["check"], out["operations"]
    errors = sum(v for k, v in ops.items() if k.endswith("_errors"))
    return (out["violation_count"] == 0 and c["forgotten_in_final_exports"] == 0
            and not any(c["forgotten_in_files"].values()) and c["integrity_check"] == "ok"
            and c["foreign_key_violations"] == 0 and errors == 0)


def print_report(out: dict[str, Any]) -> None:
    print(f"mixed soak: {out['seconds']} s")
    print(f"{'operation':<12} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>9}")
    for k, lat in out["latency_ms"].items():
        print(f"{k:<12} {out['per_s'][k]:>7} {lat['p50']!s:>8} {lat['p95']!s:>8} {lat['max']!s:>9}")
    print("operations:", json.dumps(out["operations"]))
    c = out["check"]
    print(f"forgotten markers        {c['forgotten_markers']}")
    print(f"returned after forget    {out['violation_count']}")
    print(f"in final exports         {c['forgotten_in_final_exports']}")
    print(f"in db / WAL / shm bytes  {c['forgotten_in_files']}")
    print(f"integrity_check          {c['integrity_check']} (foreign key violations: {c['foreign_key_violations']})")
    for line in out["violations"] + out["error_samples"] + out["server_log_errors"]:
        print("  ", line)
