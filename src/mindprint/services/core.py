"""What the model, retrieval and feedback services share: one store, one pipeline, the
embedding model's id, the per-user index and the input checks."""

from __future__ import annotations

from dataclasses import dataclass

from mindprint.engine.pipeline import Pipeline
from mindprint.services.index import IndexCache
from mindprint.services.inputs import Inputs
from mindprint.store import Store


@dataclass(frozen=True, slots=True)
class Core:
    store: Store
    pipeline: Pipeline
    model_id: str
    index: IndexCache
    inputs: Inputs
