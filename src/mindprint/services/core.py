"""What the model, retrieval and feedback services share: one store, one pipeline, the
embedding model's id, the per-user index, the input checks and the population model that
predictions and factor statistics depart from, and the runner of work done in the
background."""

from __future__ import annotations

from dataclasses import dataclass, field

from mindprint.engine.pipeline import Pipeline
from mindprint.engine.predict.deployment import PopulationSource
from mindprint.services.background import Background
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
    background: Background = field(default_factory=Background)
