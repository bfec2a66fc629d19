"""What one evaluation run is: its configuration and everything it measured before
scoring (the runner fills it, the report scores it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mindprint.eval.context import RETRIEVAL_K
from mindprint.eval.retrievers import RETRIEVERS


@dataclass(frozen=True, slots=True)
class EvalConfig:
    task: str
    data_dir: Path
    out_dir: Path
    users: int | None = None
    methods: tuple[str, ...] = ()
    provider: str = "offline"
    k: int = RETRIEVAL_K
    seed: int = 0
    keep_db: bool = False
    retrievers: tuple[str, ...] = RETRIEVERS
    split: str = "all"
    # "pool": the run's other users fitted leave-user-out (an upper reference); "shipped":
    # deployment mode, each person as their own server runs them (engine/predict/deployment.py);
    # "team": deployment mode with every user in one team server (engine/predict/deployment.py).
    population: str = "pool"


@dataclass(slots=True)
class EvalRun:
    """Everything measured in one run, before scoring."""

    config: EvalConfig
    methods: list[str]
    descriptions: dict[str, str]
    majority: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    predictions: dict[str, list[str]] = field(default_factory=dict)
    golds: list[str] = field(default_factory=list)
    method_seconds: dict[str, float] = field(default_factory=dict)
    population_seconds: float = 0.0
    build_seconds: float = 0.0
    wall_seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
