"""Peak memory and throughput of `mindprint import` on a generated large chat export.

Generates a ChatGPT-layout (or Claude-layout) `conversations.json` of N conversations
(default 10,000), then runs the real CLI in a child process twice — the import, then
the same import again — and prints, for each run, the child's peak RSS, wall time,
MB/s and items/s, and whether the counts are right (every generated item added the
first time, none the second). The build is not run (`--no-build`): it is timed by
engine_bench.py. Target (issue 14): peak RSS under 300 MB.

    .venv/bin/python benchmarks/import_memory.py [--conversations 10000] [--layout claude]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mindprint.testing.synth import write_export

TARGET_MB = 300


def _run(cli: Path, export: Path, env: dict[str, str], tmp: Path) -> dict[str, float | int]:
    """One import in a child process; its own peak RSS from wait4's rusage."""
    t0 = time.perf_counter()
    with (tmp / "out.json").open("wb") as out, (tmp / "err.txt").open("wb") as err:
        proc = subprocess.Popen(
            [str(cli), "import", str(export), "--user", "bench", "--no-build", "--json"],
            stdout=out, stderr=err, env=env,
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"import failed ({proc.returncode}): {(tmp / 'err.txt').read_text()[-2000:]}")
    summary = json.loads((tmp / "out.json").read_text())
    return {"seconds": round(seconds, 2), "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "items": summary["items"], "added": summary["added"], "duplicates": summary["duplicates"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conversations", type=int, default=10_000)
    ap.add_argument("--layout", choices=["chatgpt", "claude"], default="chatgpt")
    args = ap.parse_args()
    cli = Path(sys.executable).parent / "mindprint"
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "conversations.json"
        expected = write_export(export, args.conversations, layout=args.layout)
        size_mb = export.stat().st_size / 1e6
        env = dict(os.environ, MINDPRINT_HOME=str(Path(tmp) / "home"))
        env.pop("MINDPRINT_DB", None)
        print(f"{args.layout} export: {args.conversations:,} conversations, {size_mb:.1f} MB, "
              f"{expected.items:,} expected items; load average {os.getloadavg()[0]:.2f} "
              f"on {os.cpu_count()} cores")
        first = _run(cli, export, env, Path(tmp))
        again = _run(cli, export, env, Path(tmp))
    ok = first["added"] == expected.items and again["added"] == 0 and again["duplicates"] == expected.items
    for name, r in (("import", first), ("re-import", again)):
        print(f"{name:>9}: peak RSS {r['peak_mb']} MB, {r['seconds']} s, "
              f"{size_mb / float(r['seconds']):.1f} MB/s, {int(r['items']) / float(r['seconds']):,.0f} items/s, "
              f"added {r['added']:,}, already stored {r['duplicates']:,}")
    peak = max(float(first["peak_mb"]), float(again["peak_mb"]))
    print(f"counts right: {ok}; peak {peak} MB (target < {TARGET_MB} MB): "
          f"{'PASS' if peak < TARGET_MB and ok else 'FAIL'}")
    if not ok or peak >= TARGET_MB:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
