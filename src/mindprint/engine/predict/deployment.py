"""The deployment policy: which population model a deployed user's predictions depart from. Pure.

The evaluation harness fits its own (leave-user-out, on the run's other users); a deployed
server has only what ships with it. The app builds one :class:`ShippedPopulation` at
start-up (``app.Mindprint``), so a user's residuals under it are computed once per index.
"""

from __future__ import annotations

from typing import Protocol

from mindprint.engine.predict.population import Answers, Population, PriorPopulation


class PopulationSource(Protocol):
    """Where the app gets the population model of a user's task (None: there is none)."""

    def for_user(self, user_id: str, answers: Answers) -> Population | None: ...


class ShippedPopulation:
    """The shipped rating prior for 1-5 star histories; nothing for other scales or labels
    (their predictions then come from the user's own history alone)."""

    def __init__(self, model_id: str) -> None:
        self.prior = PriorPopulation(model_id)

    def for_user(self, user_id: str, answers: Answers) -> Population | None:
        if answers.scale == (1.0, 5.0):
            return self.prior
        return None
