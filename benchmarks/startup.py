"""Start-up against the SDK's floor: how long until a client can use mindprint.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--only venv tool uvx bundle] [--source DIR]

For each way a client starts the server, in one run and interleaved:

- ``venv``: the checkout's ``.venv/bin/mindprint serve`` / ``.venv/bin/python minimal.py``;
- ``tool``: the README's install, ``uv tool install --from <checkout> mindprint`` once,
  then ``uvx mindprint serve`` (``uv tool run``, which starts the installed tool without
  asking the package index) / the minimal server installed and started the same way;
- ``uvx`` (warm): ``uv tool run --from <checkout> mindprint serve`` /
  ``uv tool run --from mcp==<version> python minimal.py``, after an untimed start that
  fills uv's cache (``bench-out/uv-cache``); uv revalidates every requirement against the
  package index at each such start;
- ``bundle``: the packed and unpacked bundle launched by its manifest's command
  (``uv run --locked --no-dev --directory <folder> mindprint serve``) / a folder holding
  only ``mcp==<version>`` in a ``uv.lock``, launched the same way (``python minimal.py``);

the time from spawn to the ``tools/list`` answer (``initialize``, ``initialized``,
``tools/list``, as Claude Desktop connects) and to the first tool result:
``get_user_factors`` of the demo user (its history imported and built beforehand) /
the minimal server's one tool. The minimal server is a one-tool ``MCPServer`` of the same
SDK: the floor. Median of ``--runs``; the children get no ``PYTHONDONTWRITEBYTECODE``,
so every start after the untimed one reads compiled bytecode, as on a user's machine.

Prints the table, the ratios against the targets of issue 26, and the size on disk of
each environment (files counted once however often they are hard-linked, bytecode left
out; ``--baseline`` sizes another checkout's bundle environment, e.g. an older commit's).
Writes JSON to ``--out``. Needs PyPI for the uv environments and node (npx) for the bundle.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MCPB = ["npx", "-y", "@anthropic-ai/mcpb@2.1.2"]
USER = "demo"
MINIMAL = '''\
from mcp.server.mcpserver import MCPServer

mcp = MCPServer("minimal")


@mcp.tool()
def echo(text: str) -> str:
    """Echo the text."""
    return text


mcp.run()
'''
HANDSHAKE = {"protocolVersion": "2025-11-25", "capabilities": {},
             "clientInfo": {"name": "startup-bench", "version": "0"}}
TOOLS = "tools"  # the uv tool folder of the installed-tool way, under the run's folder
TARGETS = {"venv_ratio": 1.3, "uvx_s": 1.5, "first_call_ratio": 2.0, "size_share": 0.6}


def _send(proc: subprocess.Popen[str], msg: dict[str, Any]) -> None:
    assert proc.stdin is not None
    proc.stdin.write(json.dumps({"jsonrpc": "2.0", **msg}) + "\n")
    proc.stdin.flush()


def _answer(proc: subprocess.Popen[str], msg_id: int) -> dict[str, Any]:
    assert proc.stdout is not None
    for line in proc.stdout:
        msg = json.loads(line)
        if msg.get("id") == msg_id:
            if "error" in msg or msg["result"].get("isError"):
                raise RuntimeError(f"the server answered with an error: {msg}")
            return dict(msg["result"])
    raise RuntimeError("the server closed stdout before answering")


def start(argv: list[str], env: dict[str, str], call: tuple[str, dict[str, Any]], log: Path) -> tuple[float, float]:
    """Seconds from spawn to the tools/list answer and to the first tool result."""
    with log.open("a") as errlog:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=errlog, env=env, text=True)
        try:
            _send(proc, {"id": 1, "method": "initialize", "params": HANDSHAKE})
            _answer(proc, 1)
            _send(proc, {"method": "notifications/initialized"})
            _send(proc, {"id": 2, "method": "tools/list", "params": {}})
            assert _answer(proc, 2)["tools"]
            listed = time.perf_counter() - t0
            _send(proc, {"id": 3, "method": "tools/call",
                         "params": {"name": call[0], "arguments": call[1]}})
            _answer(proc, 3)
            first = time.perf_counter() - t0
        finally:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=120)
            if proc.stdout:
                proc.stdout.close()
    return listed, first


def run(cmd: list[str], **kw: Any) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{result.stdout}{result.stderr}")
    return result.stdout


def size_on_disk(folder: Path) -> int:
    """Bytes of the files under ``folder``, each inode once (uv hard-links from its cache),
    without bytecode: a started environment has it, a freshly installed one not yet."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            st = os.lstat(os.path.join(root, name))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


# -- set-up ----------------------------------------------------------------------------


def child_env(work: Path, uv_cache: Path) -> dict[str, str]:
    """The environment of every server: this one minus mindprint's settings and the
    no-bytecode switch, plus a fresh home holding the demo user's database."""
    from mindprint.settings import EmbeddingSettings

    model_dir = EmbeddingSettings().resolved_model_dir
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MINDPRINT_", "UV_", "VIRTUAL_ENV")) and k != "PYTHONDONTWRITEBYTECODE"}
    env |= {
        "MINDPRINT_HOME": str(work / "home"),
        "MINDPRINT_USER": USER,
        "MINDPRINT_MODEL_DIR": str(model_dir),
        "HF_HUB_OFFLINE": "1",
        "UV_CACHE_DIR": str(uv_cache),
        # The host's Python, as a bundle host supplies it; never a download.
        "UV_PYTHON": sys._base_executable,
        "UV_PYTHON_DOWNLOADS": "never",
    }
    return env


def demo_user(env: dict[str, str]) -> None:
    """Import and build the demo history for USER in the children's home."""
    mindprint = Path(sys.executable).parent / "mindprint"
    run([str(mindprint), "import", str(REPO / "examples" / "demo_history.jsonl"),
         "--user", USER, "--json"], env=env)


def minimal_folder(work: Path, uv: str, env: dict[str, str]) -> Path:
    """The minimal server's script, and a locked project holding only the SDK."""
    folder = work / "minimal"
    folder.mkdir()
    (folder / "minimal.py").write_text(MINIMAL, encoding="utf-8")
    version = importlib.metadata.version("mcp")
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "minimal"\nversion = "0"\nrequires-python = ">=3.11"\n'
        f'dependencies = ["mcp=={version}"]\n\n[tool.uv]\npackage = false\n', encoding="utf-8")
    run([uv, "lock", "--directory", str(folder)], env=env)
    return folder


def installed_tools(source: Path, minimal: Path, work: Path, uv: str,
                    env: dict[str, str]) -> tuple[list[str], list[str]]:
    """``uv tool install`` mindprint and the minimal server (as a one-script package) into
    a tool folder of their own; the ``uv tool run`` command of each."""
    package = work / "minimal-tool"
    (package / "src" / "minimal_server").mkdir(parents=True)
    body = MINIMAL.replace("mcp.run()", "def main() -> None:\n    mcp.run()")
    (package / "src" / "minimal_server" / "__init__.py").write_text(body, encoding="utf-8")
    version = importlib.metadata.version("mcp")
    (package / "pyproject.toml").write_text(
        f'[project]\nname = "minimal-server"\nversion = "0"\nrequires-python = ">=3.11"\n'
        f'dependencies = ["mcp=={version}"]\n\n[project.scripts]\n'
        f'minimal-server = "minimal_server:main"\n\n[build-system]\n'
        f'requires = ["uv_build>=0.9,<1"]\nbuild-backend = "uv_build"\n', encoding="utf-8")
    tool_env = [f"UV_TOOL_DIR={work / TOOLS}", f"UV_TOOL_BIN_DIR={work / 'tools-bin'}"]
    for folder, name in ((source, "mindprint"), (package, "minimal-server")):
        run(["env", *tool_env, uv, "tool", "install", "--from", str(folder), name], env=env)
    run_tool = ["env", *tool_env, uv, "tool", "run"]
    return [*run_tool, "mindprint", "serve"], [*run_tool, "minimal-server"]


def unpacked_bundle(source: Path, work: Path) -> Path:
    bundle = work / "mindprint.mcpb"
    run([*MCPB, "pack", str(source), str(bundle)])
    ext = work / "extension"
    ext.mkdir()
    run([*MCPB, "unpack", str(bundle), str(ext)])
    return ext


def commands(ways: list[str], source: Path, work: Path, uv: str,
             env: dict[str, str]) -> dict[str, dict[str, list[str]]]:
    """way -> {"mindprint": argv, "minimal": argv}."""
    minimal = minimal_folder(work, uv, env)
    script = str(minimal / "minimal.py")
    out: dict[str, dict[str, list[str]]] = {}
    if "venv" in ways:
        venv = source / ".venv" / "bin"
        out["venv"] = {"mindprint": [str(venv / "mindprint"), "serve"],
                       "minimal": [str(venv / "python"), script]}
    if "tool" in ways:
        mp, floor = installed_tools(source, minimal, work, uv, env)
        out["tool"] = {"mindprint": mp, "minimal": floor}
    if "uvx" in ways:
        sdk = f"mcp=={importlib.metadata.version('mcp')}"
        out["uvx"] = {"mindprint": [uv, "tool", "run", "--from", str(source), "mindprint", "serve"],
                      "minimal": [uv, "tool", "run", "--from", sdk, "python", script]}
    if "bundle" in ways:
        ext = unpacked_bundle(source, work)
        launch = [uv, "run", "--locked", "--no-dev", "--directory"]
        out["bundle"] = {"mindprint": [*launch, str(ext), "mindprint", "serve"],
                         "minimal": [*launch, str(minimal), "python", script]}
    return out


def env_sizes(cmds: dict[str, dict[str, list[str]]], source: Path, work: Path, uv: str,
              env: dict[str, str]) -> dict[str, int]:
    """Bytes on disk of each way's environment (after the starts created them)."""
    sizes: dict[str, int] = {}
    if "venv" in cmds:
        sizes["venv (dev tools and eval extra too)"] = size_on_disk(source / ".venv")
    if "tool" in cmds:
        sizes["tool (uv tool install)"] = size_on_disk(work / TOOLS / "mindprint")
    if "uvx" in cmds:
        prefix = run([uv, "tool", "run", "--from", str(source), "python", "-c",
                      "import sys; print(sys.prefix)"], env=env).strip()
        sizes["uvx"] = size_on_disk(Path(prefix))
    if "bundle" in cmds:
        sizes["bundle"] = size_on_disk(Path(cmds["bundle"]["mindprint"][5]) / ".venv")
    return sizes


def baseline_size(baseline: Path, work: Path, uv: str, env: dict[str, str]) -> int:
    """The bundle environment of another checkout (e.g. before a change), as its
    manifest's launch would install it."""
    ext = unpacked_bundle(baseline, work / "baseline")
    run([uv, "sync", "--locked", "--no-dev", "--directory", str(ext)], env=env)
    return size_on_disk(ext / ".venv")


# -- the run -----------------------------------------------------------------------------


def measure(cmds: dict[str, dict[str, list[str]]], env: dict[str, str], runs: int,
            log: Path) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Untimed starts first (caches, bytecode), then ``runs`` rounds, interleaved."""
    calls = {"mindprint": ("get_user_factors", {}), "minimal": ("echo", {"text": "hello"})}
    for way, pair in cmds.items():
        for server, argv in pair.items():
            print(f"untimed first start: {way} {server}", flush=True)
            start(argv, env, calls[server], log)
    times: dict[str, dict[str, list[tuple[float, float]]]] = {
        way: {server: [] for server in pair} for way, pair in cmds.items()}
    for r in range(runs):
        for way, pair in cmds.items():
            for server, argv in pair.items():
                times[way][server].append(start(argv, env, calls[server], log))
        print(f"round {r + 1}/{runs} done", flush=True)
    return times


def summarise(times: dict[str, dict[str, list[tuple[float, float]]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for way, pair in times.items():
        row = {server: {"tools_list_s": round(statistics.median(t[0] for t in ts), 3),
                        "first_result_s": round(statistics.median(t[1] for t in ts), 3),
                        "tools_list_all_s": [round(t[0], 3) for t in ts]}
               for server, ts in pair.items()}
        mp, floor = row["mindprint"], row["minimal"]
        row["ratio_tools_list"] = round(mp["tools_list_s"] / floor["tools_list_s"], 2)
        row["ratio_first_to_start"] = round(mp["first_result_s"] / mp["tools_list_s"], 2)
        out[way] = row
    return out


def report(summary: dict[str, Any], sizes: dict[str, int], baseline: int | None) -> list[str]:
    lines = [f"{'way':<8}{'server':<11}{'tools/list s':>14}{'first result s':>16}"
             f"{'x SDK floor':>13}{'first/start':>13}"]
    for way, row in summary.items():
        for server in ("mindprint", "minimal"):
            t = row[server]
            extra = (f"{row['ratio_tools_list']:>13.2f}{row['ratio_first_to_start']:>13.2f}"
                     if server == "mindprint" else "")
            lines.append(f"{way:<8}{server:<11}{t['tools_list_s']:>14.3f}{t['first_result_s']:>16.3f}{extra}")
    lines.append("")
    checks = []
    if "venv" in summary:
        checks.append(("venv tools/list vs the SDK floor", summary["venv"]["ratio_tools_list"],
                       TARGETS["venv_ratio"], "x"))
    for way, name in (("tool", "installed tool: uvx mindprint serve"),
                      ("uvx", "warm uvx --from <checkout>")):
        if way in summary:
            checks.append((name, summary[way]["mindprint"]["tools_list_s"], TARGETS["uvx_s"], " s"))
    for way, row in summary.items():
        checks.append((f"{way}: first get_user_factors / start", row["ratio_first_to_start"],
                       TARGETS["first_call_ratio"], "x"))
    for name, value, target, unit in checks:
        lines.append(f"{name:<42}{value:>8.2f}{unit}  target <= {target}{unit}  "
                     f"{'met' if value <= target else 'NOT MET'}")
    lines.append("")
    for name, n in sizes.items():
        lines.append(f"environment size, {name:<38}{n / 1e6:>8.1f} MB")
    runtime = sizes.get("bundle") or sizes.get("uvx") or sizes.get("tool (uv tool install)")
    if baseline and runtime:
        share = runtime / baseline
        lines.append(f"runtime environment vs the baseline's {baseline / 1e6:.1f} MB: {share:.0%}  "
                     f"target <= {TARGETS['size_share']:.0%}  {'met' if share <= TARGETS['size_share'] else 'NOT MET'}")
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="timed starts per way and server (median)")
    ap.add_argument("--only", nargs="*", default=["venv", "tool", "uvx", "bundle"],
                    choices=["venv", "tool", "uvx", "bundle"])
    ap.add_argument("--source", type=Path, default=REPO, help="the checkout to start (default: this one)")
    ap.add_argument("--baseline", type=Path, help="another checkout whose bundle environment to size")
    ap.add_argument("--out", type=Path, default=REPO / "bench-out" / "startup.json")
    args = ap.parse_args(argv)
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        ap.error("no uv next to this Python: run `make setup` (uv is a dev dependency)")
    uv_cache = REPO / "bench-out" / "uv-cache"
    with tempfile.TemporaryDirectory(prefix="mindprint-startup-") as tmp:
        work = Path(tmp)
        env = child_env(work, uv_cache)
        demo_user(env)
        cmds = commands(args.only, args.source.resolve(), work, uv, env)
        load_before = os.getloadavg()[0]
        times = measure(cmds, env, args.runs, work / "servers.log")
        load_after = os.getloadavg()[0]
        sizes = env_sizes(cmds, args.source.resolve(), work, uv, env)
        baseline = baseline_size(args.baseline.resolve(), work, uv, env) if args.baseline else None
    summary = summarise(times)
    print(f"\nstart-up over stdio, median of {args.runs} (load average {load_before:.1f} before, "
          f"{load_after:.1f} after; {platform.python_version()}, {os.cpu_count()} CPUs)\n")
    print("\n".join(report(summary, sizes, baseline)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"runs": args.runs, "load": [load_before, load_after],
                                    "ways": summary, "sizes_bytes": sizes,
                                    "baseline_bytes": baseline}, indent=2) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
