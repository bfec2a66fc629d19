"""Peak memory and time of `mindprint import` on hostile JSON: deep, wide and long-string.

Each case is a generated file read by the real CLI in a child process (`import FILE
--user bench --dry-run --json`, a fresh database each time): detection, the JSON reader,
the importer and every item's validation, without writing (writing embeds each item:
`import_memory.py` times that). Printed per case: the file's size, the child's peak RSS
(from wait4's rusage) and wall time, and what the import said. The long strings come in
three sizes, so the time per MB shows whether it grows linearly.

    .venv/bin/python benchmarks/json_reader.py               # every case (about 2 minutes)
    .venv/bin/python benchmarks/json_reader.py --only long   # the long-string cases

Issue 27 (findings 1 and 3): a 41 KB file nested 20,000 deep took 1.07 GB; a 128 MB
string took 81 s; a 1 MB zip holding a 1 GB string ran for over an hour.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

CLI = Path(sys.executable).parent / "mindprint"
MB = 1 << 20
Writer = Callable[[IO[bytes]], None]


def _chat(fh: IO[bytes], answer: Writer) -> None:
    """One ChatGPT-shaped conversation whose answer is written by ``answer``, then a normal one."""
    def node(nid: str, parent: str | None, role: str, text: bytes, t: int) -> bytes:
        head = json.dumps({"id": nid, "parent": parent, "children": [], "message": {
            "author": {"role": role}, "create_time": 1.7e9 + t,
            "content": {"content_type": "text", "parts": ["TEXT"]}}})
        return head.encode().replace(b'"TEXT"', text)

    for i, conv in enumerate(("big", "normal")):
        fh.write(b"[" if i == 0 else b",")
        fh.write(b'{"title": "' + conv.encode() + b'", "current_node": "r", "mapping": {')
        fh.write(b'"q": ' + node("q", None, "user", b'"Which lamp?"', 1) + b', "a": ')
        if conv == "big":
            fh.write(node("a", "q", "assistant", b"ANSWER", 2).split(b"ANSWER")[0])
            answer(fh)
            fh.write(node("a", "q", "assistant", b"ANSWER", 2).split(b"ANSWER")[1])
        else:
            fh.write(node("a", "q", "assistant", b'"The Owl, 80 g."', 2))
        fh.write(b', "r": ' + node("r", "a", "user", b'"Thanks, perfect."', 3) + b"}}")
    fh.write(b"]")


def long_string(size: int, unit: bytes = b"a") -> Writer:
    def write(fh: IO[bytes]) -> None:
        fh.write(b'"')
        block = unit * (MB // len(unit))
        for _ in range(size // MB):
            fh.write(block)
        fh.write(b'"')
    return lambda fh: _chat(fh, write)


def deep(depth: int) -> Writer:
    return lambda fh: _chat(fh, lambda f: (f.write(b"[" * depth), f.write(b"]" * depth)))


def wide(size: int, unit: bytes) -> Writer:
    def write(fh: IO[bytes]) -> None:
        fh.write(b"[")
        block = (unit + b",") * (MB // (len(unit) + 1))
        for _ in range(size // MB):
            fh.write(block)
        fh.write(unit + b"]")
    return lambda fh: _chat(fh, write)


def many_records(n: int) -> Writer:
    def write(fh: IO[bytes]) -> None:
        fh.write(b"[")
        for i in range(n):
            fh.write((b"," if i else b"") + b'{"input": "question %d", "output": "answer %d"}' % (i, i))
        fh.write(b"]")
    return write


CASES: dict[str, list[tuple[str, Writer, list[str]]]] = {
    "deep": [("20,000 levels", deep(20_000), []), ("1,000,000 levels", deep(1_000_000), [])],
    "wide": [
        ("32 MB of {} in one record", wide(32 * MB, b"{}"), []),
        ("32 MB of numbers in one record", wide(32 * MB, b"1.5"), []),
        ("1,000,000 small records (--format json)", many_records(1_000_000), ["--format", "json"]),
    ],
    "long": [
        ("16 MB string", long_string(16 * MB), []),
        ("64 MB string", long_string(64 * MB), []),
        ("256 MB string", long_string(256 * MB), []),
        ("64 MB of \\n escapes", long_string(64 * MB, b"\\n"), []),
    ],
    "zip": [],  # filled in main(): the bomb is the 1 GB string, zipped
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=sorted(CASES), action="append")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} on {os.cpu_count()} cores; CLI {CLI}")
    with tempfile.TemporaryDirectory(prefix="mindprint-jsonbench-") as tmp:
        work = Path(tmp)
        empty = work / "empty.json"
        empty.write_text('[{"title": "t", "mapping": {}}]', encoding="utf-8")
        base = min(float(_timed(empty, [], work / f"home-base-{k}")["seconds"]) for k in range(3))
        print(f"the CLI's start-up and an empty import: {base:.2f} s (best of 3); 'net s/MB' is "
              "the time beyond it, per MB")
        print(f"{'case':<42} {'file MB':>8} {'peak MB':>8} {'seconds':>8} {'net s/MB':>9}  outcome")
        for group in args.only or list(CASES):
            for k, (name, write, extra) in enumerate(_cases(group, work)):
                path = work / "conversations.json"
                if write is not None:
                    with path.open("wb") as fh:
                        write(fh)
                else:
                    path = work / "bomb.zip"
                size = path.stat().st_size / MB
                r = _timed(path, extra, work / f"home-{group}-{k}")
                per = max(0.0, float(r["seconds"]) - base) / size if size >= 1 else float("nan")
                print(f"{name:<42} {size:>8.1f} {r['peak_mb']!s:>8} {r['seconds']!s:>8} {per:>9.3f}  {r['said']}")
                path.unlink()
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


def _cases(group: str, work: Path) -> list[tuple[str, Writer | None, list[str]]]:
    if group != "zip":
        return list(CASES[group])
    bomb = work / "bomb.zip"
    with (zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
          zf.open("conversations.json", "w", force_zip64=True) as member):
        long_string(1024 * MB)(member)
    return [("1 GB string in a zip", None, [])]


def _timed(path: Path, extra: list[str], home: Path) -> dict[str, object]:
    """One import in a child process; its peak RSS from wait4's rusage."""
    env = dict(os.environ, MINDPRINT_HOME=str(home))
    env.pop("MINDPRINT_DB", None)
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([str(CLI), "import", str(path), "--user", "bench", "--dry-run",
                                 "--json", *extra], stdout=out, stderr=err, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if code == 0:
        s = json.loads(stdout)
        said = f"{'read' if s.get('dry_run') else 'imported'} {s['items']} items, rejected {s['rejected_total']}"
        if s["rejected"]:
            said += f" ({s['rejected'][0]['reason'][:50]})"
    else:
        said = " ".join(stderr.decode(errors="replace").split())[:100]
    return {"seconds": round(seconds, 2), "peak_mb": round(usage.ru_maxrss / 1024), "said": said}


if __name__ == "__main__":
    main()
