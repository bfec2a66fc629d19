"""engine/ is pure: no adapter packages and nothing of mindprint outside engine/ but the
error hierarchy, enforced by reading every import (relative and importlib ones too)."""

from __future__ import annotations

from pathlib import Path

import mindprint.engine
from tests.test_architecture import ADAPTERS, _module_name, imported_modules


def test_engine_imports_no_adapter_package() -> None:
    root = Path(mindprint.engine.__file__).parent
    offenders = []
    paths = sorted(root.rglob("*.py"))
    for path in paths:
        module = _module_name(path)
        for n in imported_modules(path.read_text(), module, is_package=path.stem == "__init__"):
            top = n.split(".")[0]
            if top in ADAPTERS or (
                n.startswith("mindprint.")
                and not n.startswith("mindprint.engine")
                and n != "mindprint.errors"
            ):
                offenders.append(f"{module}: {n}")
    assert offenders == []
    assert len(paths) >= 30 and any(p.parent != root for p in paths)  # the subpackages are read
