"""The other profiles of the database as a team (``MINDPRINT_TEAM``): what each member's
answered history gives a population model, read through the index cache, and the
team's pool, kept until any member's revision moves (in any process)."""

from __future__ import annotations

import threading
from collections.abc import Hashable

from mindprint.engine.predict.deployment import Member, ShippedPopulation, TeamPool, answered_inputs
from mindprint.engine.predict.index import answers_of
from mindprint.engine.predict.population import Answers
from mindprint.errors import UnknownUserError
from mindprint.services.index import IndexCache
from mindprint.store import Store


class StoreTeam:
    """Every profile of one store as one team (``engine.predict.deployment.Team``)."""

    def __init__(self, store: Store, index: IndexCache, model_id: str) -> None:
        self.store, self.index, self.model_id = store, index, model_id
        self._lock = threading.Lock()
        self._members: dict[str, tuple[int, Member | None]] = {}
        self._pools: dict[Hashable, TeamPool | None] = {}

    def pool(self, user_id: str, answers: Answers) -> TeamPool | None:
        revisions = self.store.revisions()
        if len(revisions) < 2:
            return None
        kind = (answers.scale, answers.step) if answers.is_scale else "labels"
        key = (kind, tuple(sorted(revisions.items())))
        with self._lock:
            if key in self._pools:
                return self._pools[key]
        members = [m for uid, rev in sorted(revisions.items()) if (m := self._member(uid, rev))]
        found = TeamPool.of(answers, members, self.model_id, key)
        with self._lock:
            # One pool per kind of answers: the latest revisions replace the ones before.
            self._pools = {k: p for k, p in self._pools.items() if k[0] != kind}  # type: ignore[index]
            self._pools[key] = found
        return found

    def _member(self, uid: str, revision: int) -> Member | None:
        with self._lock:
            hit = self._members.get(uid)
        if hit is not None and hit[0] == revision:
            return hit[1]
        member = self._read(uid)
        with self._lock:
            self._members[uid] = (revision, member)
        return member

    def _read(self, uid: str) -> Member | None:
        """What ``uid``'s answered history gives a population model (None: nothing)."""
        try:
            c = self.index.get(uid)
        except UnknownUserError:
            return None  # forgotten since the revisions were read: no longer a member
        answers = answers_of(c)
        got = answered_inputs(c, answers) if answers is not None else None
        if answers is None or got is None:
            return None
        return Member(uid, answers, got[0], got[1], tuple(got[2]))


def deployed(store: Store, index: IndexCache, model_id: str, *, team: bool) -> ShippedPopulation:
    """The deployment policy a server runs; ``team``: the store's other profiles are a team."""
    return ShippedPopulation(model_id, StoreTeam(store, index, model_id) if team else None)
