"""What the model, retrieval and feedback services share: one store, one pipeline, the
embedding model's id, the per-user index, the input checks and the population model that
predictions and factor statistics depart from."""

from __future__ import annotations

from dataclasses import dataclass

from mindprint.engine.pipeline import Pipeline
from mindprint.engine.predict.deployment import PopulationSource
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
    population: PopulationSource  # one for the app's life (see app.Mindprint)
