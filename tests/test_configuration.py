"""Every setting a person can set is in the README's configuration table, and every model
hyperparameter (which no one sets) says its unit and why."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from pydantic_settings import BaseSettings

from mindprint import settings
from mindprint.engine.model_settings import MODEL, ModelSettings

README = Path(__file__).resolve().parents[1] / "README.md"


def variables(cls: type[BaseSettings]) -> dict[str, set[str]]:
    """Field -> the environment variables that set it."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    out: dict[str, set[str]] = {}
    for name, f in cls.model_fields.items():
        alias = f.validation_alias
        names = set(getattr(alias, "choices", ())) if alias is not None else set()
        out[name] = {str(n).upper() for n in names} or {f"{prefix}{name}".upper()}
    return out


def documented(table: str, names: set[str]) -> bool:
    """Whether the table names one of ``names``: in full, or as the `_SUFFIX` shorthand a
    row uses after a full name (`MINDPRINT_MAX_TOKENS_FEATURES`, `_QUERY_FEATURES`)."""
    cells = set(re.findall(r"`([A-Z_]+)`", table))
    return any(n in cells or any(c.startswith("_") and n.endswith(c) for c in cells) for n in names)


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    text = README.read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in text.splitlines() if line.startswith("|"))
    classes = [c for c in vars(settings).values()
               if isinstance(c, type) and issubclass(c, BaseSettings) and c is not BaseSettings]
    assert len(classes) >= 5
    missing = [f"{c.__name__}.{field}" for c in classes for field, names in variables(c).items()
               if not documented(table, names)]
    assert missing == []
    assert not documented("| `MINDPRINT_HOME` |", {"MINDPRINT_PORT"})
    assert documented("| `MINDPRINT_MAX_TOKENS_A`, `_B` |", {"MINDPRINT_MAX_TOKENS_B"})


def test_every_model_hyperparameter_says_its_unit_and_why() -> None:
    fields = dataclasses.fields(ModelSettings)
    assert len(fields) >= 20
    for f in fields:
        assert f.metadata.get("unit") and len(f.metadata.get("why", "")) > 20, f.name
        value = getattr(MODEL, f.name)
        # A number, or the numbers a fit chooses from (a person's own ridge penalty).
        assert isinstance(value, (int, float)) or (
            isinstance(value, tuple) and value and all(isinstance(v, (int, float)) for v in value)), f.name
