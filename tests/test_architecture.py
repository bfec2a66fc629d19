"""The import rules of ARCHITECTURE.md hold: read from its table, checked on every
module's imports, relative and ``importlib`` ones included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import mindprint

SRC = Path(mindprint.__file__).parent
DOC = SRC.parents[1] / "ARCHITECTURE.md"
ADAPTERS = {"mcp", "anthropic", "openai", "fastembed", "sqlite_utils", "sqlite3", "httpx"}
PURE_LAYERS = ("engine", "services")
_ROW = re.compile(r"^\|\s*`([\w_]+)`\s*\|\s*([^|]*)\|\s*$")


def rules() -> dict[str, set[str]]:
    """Layer -> the layers it may import, from the doc's import-rules table."""
    text = DOC.read_text(encoding="utf-8").split("## Import rules", 1)[1]
    out: dict[str, set[str]] = {}
    for line in text.splitlines():
        m = _ROW.match(line)
        if m:
            out[m.group(1)] = set(re.findall(r"`([\w_]+)`", m.group(2)))
    return out


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Absolute names of every module ``source`` imports, including relative imports and
    ``importlib.import_module("...")`` / ``__import__("...")`` with a literal name."""
    package = module if is_package else module.rpartition(".")[0]
    out: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base)
                if node.module:
                    out.append(f"{prefix}.{node.module}")
                else:
                    out += [f"{prefix}.{a.name}" for a in node.names]
            elif node.module:
                out.append(node.module)
        elif isinstance(node, ast.Call) and node.args:
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            arg = node.args[0]
            if name in ("import_module", "__import__") and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                out.append(arg.value)
    return out


def _layer(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def violations() -> list[str]:
    allowed = rules()
    bad: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        mod = _module_name(path)
        layer = _layer(mod)
        if not layer:
            continue  # mindprint/__init__.py: the version only
        if layer not in allowed:
            bad.append(f"{mod}: layer {layer!r} is not in ARCHITECTURE.md")
            continue
        for name in imported_modules(path.read_text(encoding="utf-8"), mod, is_package=path.name == "__init__.py"):
            top = name.split(".")[0]
            if layer in PURE_LAYERS and top in ADAPTERS:
                bad.append(f"{mod} imports adapter package {name}")
            if top != "mindprint" or name == "mindprint":
                continue
            target = _layer(name)
            if target != layer and target not in allowed[layer]:
                bad.append(f"{mod} imports {name} ({layer} may not import {target})")
    return bad


def test_every_import_follows_architecture_md() -> None:
    assert len(rules()) >= 10
    assert violations() == []


def test_relative_and_dynamic_imports_are_seen() -> None:
    src = (
        "from . import store\n"
        "from ..store.repository import Store\n"
        "import importlib\n"
        "importlib.import_module('mindprint.server.tools')\n"
        "__import__('sqlite3')\n"
    )
    got = imported_modules(src, "mindprint.engine.x")
    assert got == [
        "mindprint.engine.store", "mindprint.store.repository", "importlib",
        "mindprint.server.tools", "sqlite3",
    ]
    assert imported_modules("from .x import y\n", "mindprint.services", is_package=True) == [
        "mindprint.services.x"
    ]


# Outer layers reach data through services: not even an attribute called ``store``.
OUTER = ("server", "cli", "views", "importers", "ui", "eval")
SQL = re.compile(
    r"\b(SELECT\b.*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|PRAGMA)\b",
    re.I | re.S,
)


def leaks(source: str, layer: str) -> list[str]:
    """SQL text anywhere outside store/, and ``.store`` in the outer layers."""
    out: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if layer != "store" and isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            out.append(f"line {node.lineno}: SQL {node.value[:40]!r}")
        if layer in OUTER and isinstance(node, ast.Attribute) and node.attr == "store":
            out.append(f"line {node.lineno}: .store")
    return out


def test_no_sql_outside_the_store_and_no_store_in_outer_layers() -> None:
    found = [
        f"{_module_name(p)} {leak}"
        for p in sorted(SRC.rglob("*.py"))
        for leak in leaks(p.read_text(encoding="utf-8"), _layer(_module_name(p)))
    ]
    assert found == []
    assert sorted(leaks('x = app.store.read()\nq = "SELECT 1 FROM rewrites WHERE id = ?"\n', "server")) == [
        "line 1: .store", "line 2: SQL 'SELECT 1 FROM rewrites WHERE id = ?'",
    ]


# Modules of a few hundred lines with one job, a thin composition root, functions that
# fit a screen. A function's length counts from its first decorator to its last line.
MAX_MODULE_LINES = 400
MAX_APP_LINES = 150
MAX_FUNCTION_LINES = 60


def module_lengths() -> dict[str, int]:
    return {
        _module_name(p): len(p.read_text(encoding="utf-8").splitlines()) for p in sorted(SRC.rglob("*.py"))
    }


def long_functions(source: str) -> list[tuple[str, int]]:
    """(name, lines) of every function or method longer than MAX_FUNCTION_LINES."""
    out: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - start + 1
            if length > MAX_FUNCTION_LINES:
                out.append((node.name, length))
    return out


def test_modules_stay_small_and_app_stays_thin() -> None:
    lengths = module_lengths()
    assert {m: n for m, n in lengths.items() if n > MAX_MODULE_LINES} == {}
    assert lengths["mindprint.app"] < MAX_APP_LINES


def test_no_function_is_longer_than_a_screen() -> None:
    found = {
        f"{_module_name(p)}.{name}": n
        for p in sorted(SRC.rglob("*.py"))
        for name, n in long_functions(p.read_text(encoding="utf-8"))
    }
    assert found == {}
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    assert long_functions(f"@dec\ndef f():\n{body}\n") == [("f", MAX_FUNCTION_LINES + 2)]
    assert long_functions(f"def f():\n{body[: body.rindex(chr(10))]}\n") == []
