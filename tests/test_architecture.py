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


# -- no import circles --------------------------------------------------------------------


def import_graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """Module -> the modules of ``sources`` it imports (any import, at any depth of the
    code: one inside a function still ties the two modules together). ``sources``: module
    -> (its text, whether it is a package's ``__init__``). ``from package import name``
    counts as importing ``package.name`` when that is a module, else ``package``."""
    graph: dict[str, set[str]] = {}
    for mod, (source, is_package) in sources.items():
        package = mod if is_package else mod.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    prefix = ".".join(parts[: len(parts) - (node.level - 1)])
                    base = f"{prefix}.{base}" if base else prefix
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in sources else base for a in node.names}
        graph[mod] = {m for m in found if m in sources and m != mod}
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The import circles of ``graph``: its strongly connected parts of two modules or more
    (Tarjan's algorithm, iterative so that a long chain cannot overflow the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                part: set[str] = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    part.add(w)
                    if w == v:
                        break
                if len(part) > 1:
                    out.append(part)
    return out


def _sources() -> dict[str, tuple[str, bool]]:
    return {
        _module_name(p): (p.read_text(encoding="utf-8"), p.name == "__init__.py")
        for p in sorted(SRC.rglob("*.py"))
    }


def test_no_import_circles_between_modules() -> None:
    found = [sorted(c) for c in circles(import_graph(_sources()))]
    assert found == []
    toy = {
        "p.a": ("from p import b\n", False),
        "p.b": ("def f():\n    from .c import x\n", False),
        "p.c": ("import p.a\n", False),
        "p.d": ("import p.a\n", False),
    }
    graph = import_graph(toy)
    assert graph == {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a"}, "p.d": {"p.a"}}
    assert circles(graph) == [{"p.a", "p.b", "p.c"}]


# -- the engine by stage ------------------------------------------------------------------

ENGINE = SRC / "engine"
MAX_SUBPACKAGE_MODULES = 10


def engine_parts() -> list[tuple[set[str], list[str]]]:
    """The rows of ARCHITECTURE.md's engine table, in order: (the part's names as the
    first cell writes them, e.g. ``features/`` or ``pipeline.py``; its modules)."""
    text = DOC.read_text(encoding="utf-8").split("## The engine by stage", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:-1] for line in text.splitlines() if line.startswith("| `")]
    return [(set(re.findall(r"`([\w./]+)`", r[0])), re.findall(r"`(\w+)`", r[-1])) for r in rows]


def engine_part(module: str) -> str:
    """The part of the engine a module belongs to: ``features/`` for a subpackage's module,
    ``pipeline.py`` for a top-level one."""
    rest = module.split(".")[2:]
    if not rest:
        return "__init__.py"
    if (ENGINE / rest[0]).is_dir():
        return f"{rest[0]}/"
    return f"{rest[0]}.py"


def test_the_engine_table_lists_every_part_and_module() -> None:
    listed = {name: mods for names, mods in engine_parts() for name in names}
    subpackages = {f"{p.name}/" for p in ENGINE.iterdir() if (p / "__init__.py").is_file()}
    top = {p.name for p in ENGINE.glob("*.py") if p.name != "__init__.py"}
    assert set(listed) == subpackages | top
    for part in subpackages:
        actual = sorted(p.stem for p in (ENGINE / part).glob("*.py") if p.name != "__init__.py")
        assert sorted(listed[part]) == actual, part
        assert len(actual) <= MAX_SUBPACKAGE_MODULES, part


def test_engine_stages_import_only_earlier_stages() -> None:
    rank = {name: n for n, (names, _) in enumerate(engine_parts()) for name in names}
    bad = []
    for mod, (source, is_package) in _sources().items():
        if not mod.startswith("mindprint.engine.") or is_package:
            continue
        here = engine_part(mod)
        for name in imported_modules(source, mod):
            if name.startswith("mindprint.engine.") and rank[engine_part(name)] > rank[here]:
                bad.append(f"{mod} imports {name} (a later stage)")
    assert bad == []
    assert engine_part("mindprint.engine.features.text") == "features/"
    assert engine_part("mindprint.engine.pipeline") == "pipeline.py"
