"""Pack the Claude Desktop bundle, unpack it, launch it as a host would, call every tool.

    .venv/bin/python scripts/bundle_check.py [--keep]

1. ``mcpb pack`` (the pinned CLI) turns the repository into ``mindprint.mcpb``;
   ``mcpb unpack`` puts it into an empty temporary folder.
2. The manifest's ``mcp_config`` is resolved the way mcpb's ``getMcpConfigForManifest``
   does (``${__dirname}``, user_config defaults, unset options left as placeholders).
3. Its command runs with a clean environment: a ``uv`` binary from PyPI alone on PATH,
   a fresh HOME, uv cache and MINDPRINT_HOME, no project venv, no embedding model, and
   uv not allowed to download a Python (the host's, or here the machine's, is used).
4. The real MCP Python client lists the tools and calls every one of them. The first
   call waits for the first-start model install (from PyPI) and must not fail.
5. ``uv tool install <repo>`` then ``uvx mindprint serve`` (the README's install for
   Claude Code and VS Code) in the same kind of clean environment (a new tool folder,
   built from the uv cache step 3 filled: a second cold cache costs ~15 s just to delete
   on this disk): it must answer ``tools/list``, and its environment must hold no dev
   tools and none of the eval extra; ``mindprint eval`` there must say how to add the extra.

Prints what it measured and exits non-zero on any failure. Needs node (npx) and PyPI.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import jsonschema
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp_types import CallToolResult, TextContent

REPO = Path(__file__).resolve().parents[1]
MCPB = ["npx", "-y", "@anthropic-ai/mcpb@2.1.2"]
USER_CONFIG = {"user": "bundle-check"}  # what a user typed; other options stay unset
FIRST_CALL_TIMEOUT_S = 300.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mindprint-bundle-check-"))
    try:
        started = time.perf_counter()
        ext = pack_and_unpack(work)
        command, argv, env = resolve_launch(ext, work)
        print(f"launch: {command} {' '.join(argv)}", flush=True)
        stats = anyio.run(exercise, command, argv, env)
        stats["total_s"] = round(time.perf_counter() - started, 1)
        stats["packages_installed"] = len(check_runtime_only(installed_packages(ext), "the bundle"))
        stats["uvx"] = anyio.run(uvx_check, work, env)
        print(json.dumps(stats, indent=2))
        print("bundle check: passed")
        return 0
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(cmd: list[str], **kw: Any) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")


def pack_and_unpack(work: Path) -> Path:
    # pack validates the manifest against the pinned schema first.
    bundle = work / "mindprint.mcpb"
    run([*MCPB, "pack", str(REPO), str(bundle)])
    ext = work / "extension"
    ext.mkdir()
    run([*MCPB, "unpack", str(bundle), str(ext)])
    names = {p.relative_to(ext).as_posix() for p in ext.rglob("*") if p.is_file()}
    for required in ("manifest.json", "pyproject.toml", "uv.lock", "README.md"):
        assert required in names, f"the bundle lacks {required}"
    for banned in (".venv/", "tests/", ".git/", ".hypothesis/", ".pytest_cache/"):
        assert not any(n.startswith(banned) for n in names), f"the bundle holds {banned}"
    print(f"bundle: {bundle.stat().st_size / 1e6:.2f} MB, {len(names)} files", flush=True)
    return ext


def resolve_launch(ext: Path, work: Path) -> tuple[str, list[str], dict[str, str]]:
    manifest = json.loads((ext / "manifest.json").read_text(encoding="utf-8"))
    cfg = manifest["server"]["mcp_config"]
    values = {"__dirname": str(ext), "/": os.sep, "pathSeparator": os.sep}
    for key, option in manifest.get("user_config", {}).items():
        value = USER_CONFIG.get(key, option.get("default"))
        if value is not None:
            values[f"user_config.{key}"] = str(value)

    def sub(text: str) -> str:
        # Unknown variables stay as they are, as mcpb leaves them.
        return re.sub(r"\$\{([^}]+)\}", lambda m: values.get(m.group(1), m.group(0)), text)

    bin_dir = work / "bin"
    bin_dir.mkdir()
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    assert uv is not None, "no uv next to this Python: run `make setup` (uv is a dev dependency)"
    shutil.copy2(uv, bin_dir / "uv")
    home = work / "home"
    home.mkdir()
    env = {
        "PATH": os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"]),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "UV_CACHE_DIR": str(work / "uv-cache"),
        # The host supplies Python; this machine cannot download one.
        "UV_PYTHON": sys._base_executable,
        "UV_PYTHON_DOWNLOADS": "never",
        # Trust the OS certificate store, as Python and pip do: some networks (this CI's
        # among them) reach PyPI through a proxy whose CA only the OS store holds.
        "UV_SYSTEM_CERTS": "1",
        "MINDPRINT_HOME": str(home / "mindprint"),
        "MINDPRINT_LOG_LEVEL": "INFO",
    }
    env.update({k: sub(v) for k, v in cfg.get("env", {}).items()})
    return sub(cfg["command"]), [sub(a) for a in cfg["args"]], env


def text_of(r: CallToolResult) -> str:
    return " ".join(c.text for c in r.content if isinstance(c, TextContent))


async def exercise(command: str, argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    stats: dict[str, Any] = {}
    started = time.perf_counter()
    # The server's log goes to a file: a pipe nobody reads would fill and block it.
    with (Path(env["HOME"]) / "server.log").open("w") as errlog:
        params = StdioServerParameters(command=command, args=argv, env=env)
        try:
            async with Client(stdio_client(params, errlog=errlog), mode="legacy") as c:
                await call_everything(c, stats, started)
        except BaseException:
            errlog.flush()
            sys.stderr.write(Path(errlog.name).read_text()[-6000:])
            raise
    return stats


async def call_everything(c: Client, stats: dict[str, Any], started: float) -> None:
    tools = {t.name: t for t in (await c.list_tools()).tools}
    stats["tools_list_s"] = round(time.perf_counter() - started, 1)
    progress: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)

    async def call(name: str, arguments: dict[str, Any], first: bool = False) -> dict[str, Any]:
        r = await c.call_tool(
            name, arguments,
            read_timeout_seconds=FIRST_CALL_TIMEOUT_S if first else 120.0,
            progress_callback=on_progress if first else None,
        )  # fmt: skip
        assert not r.is_error, f"{name} failed: {text_of(r)}"
        assert "mindprint model install" not in text_of(r)
        schema = tools[name].output_schema
        if schema is not None:
            jsonschema.Draft202012Validator(schema).validate(r.structured_content)
        return r.structured_content or {}

    t = time.perf_counter()
    exchanges = [
        ("Review request: trail shoe, 250 g, 8 mm drop, $140.",
         "4/5. Light and grippy; the narrow toe box costs it a point on long runs.", 4),
        ("Review request: GPS watch, 25 h battery, $229.",
         "5/5. The battery outlasts my longest race and the buttons work with gloves.", 5),
        ("Review request: hydration vest, 5 L, $120.",
         "3/5. Bounces when full, and the pockets are hard to reach while running.", 3),
    ]  # fmt: skip
    for i, (query, answer, rating) in enumerate(exchanges):
        await call("record_feedback", {"query": query, "response": answer, "rating": rating}, first=i == 0)
        if i == 0:
            stats["first_call_s"] = round(time.perf_counter() - t, 1)
            stats["progress_notifications"] = len(progress)
    await call("get_user_factors", {})
    await call("retrieve_reasoning_paths", {"query": "Review request: road shoe, 230 g, $160."})
    await call("rewrite_for_user", {"draft": "This jacket is a good choice. It is waterproof and light. "
                                    "You will probably like it a lot overall.", "query": "Is this jacket good?"})
    await call("export_user", {})
    await call("forget_user", {"user_id": USER_CONFIG["user"], "confirm": True})
    called = {"record_feedback", "get_user_factors", "retrieve_reasoning_paths",
              "rewrite_for_user", "export_user", "forget_user"}  # fmt: skip
    assert called == set(tools), f"tools not exercised: {set(tools) - called}"
    stats["tools_called"] = sorted(called)
    stats["all_calls_s"] = round(time.perf_counter() - started, 1)


DEV_TOOLS = {"pytest", "pytest-timeout", "hypothesis", "mypy", "ruff", "uv"}
EVAL_ONLY = {"rouge-score", "rank-bm25", "matplotlib", "nltk"}


def check_runtime_only(installed: set[str], where: str) -> set[str]:
    """``installed`` (normalised names), once it is known to hold no dev or eval package."""
    assert not installed & DEV_TOOLS, f"{where} installed dev tools: {sorted(installed & DEV_TOOLS)}"
    assert not installed & EVAL_ONLY, f"{where} installed the eval extra: {sorted(installed & EVAL_ONLY)}"
    return installed


async def uvx_check(work: Path, bundle_env: dict[str, str]) -> dict[str, Any]:
    """``uv tool install REPO``, then ``uvx mindprint serve``: time to tools/list, and
    what the installed environment holds."""
    env = {k: v for k, v in bundle_env.items() if not k.startswith("MINDPRINT_")}
    env |= {"MINDPRINT_HOME": str(work / "uvx-home"), "MINDPRINT_AUTO_INSTALL_MODEL": "false",
            "UV_TOOL_DIR": str(work / "uv-tools"), "UV_TOOL_BIN_DIR": str(work / "uv-tools-bin")}
    uv = str(Path(env["PATH"].split(os.pathsep)[0]) / "uv")
    subprocess.run([uv, "tool", "install", str(REPO)], env=env, capture_output=True, text=True, check=True)
    started = time.perf_counter()
    params = StdioServerParameters(command=uv, args=["tool", "run", "mindprint", "serve"], env=env)
    with (work / "uvx-server.log").open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode="legacy") as c:
            names = {t.name for t in (await c.list_tools()).tools}
    seconds = round(time.perf_counter() - started, 1)
    assert len(names) == 6, names
    python = work / "uv-tools" / "mindprint" / "bin" / "python"
    listing = subprocess.run(
        [str(python), "-c",
         "import importlib.metadata as m; print('\\n'.join(d.metadata['Name'] for d in m.distributions()))"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    installed = {_norm(line) for line in listing.stdout.splitlines() if line.strip()}
    check_runtime_only(installed, "uv tool install")
    refused = subprocess.run(
        [uv, "tool", "run", "mindprint", "eval", "--task", "rating", "--out", str(work / "eval-out")],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode == 1 and "mindprint[eval]" in refused.stderr, refused.stderr[-2000:]
    return {"tools_list_s": seconds, "packages_installed": len(installed)}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def installed_packages(ext: Path) -> set[str]:
    site = list((ext / ".venv").glob("lib/python3*/site-packages"))
    assert site, "the bundle's launch created no .venv"
    return {_norm(d.name.split("-")[0]) for d in site[0].glob("*.dist-info")}


if __name__ == "__main__":
    raise SystemExit(main())
