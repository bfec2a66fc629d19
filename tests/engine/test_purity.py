"""engine/ is pure: no adapter packages, enforced by reading every import."""

from __future__ import annotations

import ast
from pathlib import Path

import mindprint.engine

FORBIDDEN = {"mcp", "anthropic", "openai", "fastembed", "sqlite_utils", "sqlite3", "httpx"}


def test_engine_imports_no_adapter_package() -> None:
    root = Path(mindprint.engine.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for n in names:
                top = n.split(".")[0]
                if top in FORBIDDEN or (
                    n.startswith("mindprint.") and not n.startswith("mindprint.engine")
                ):
                    offenders.append(f"{path.name}: {n}")
    assert offenders == []
    assert len(list(root.glob("*.py"))) >= 10
