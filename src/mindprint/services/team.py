"""The other profiles of the database as a team (``MINDPRINT_TEAM``): what each member's
answered history gives a population model, read through the index cache, and the team's
pool. A new pool means each person's population is chosen again (a leave-one-out fit per
candidate), so the pool is kept, as the factor table is, until the team's items grow by a
tenth (in any process); a member who joins, is forgotten or loses an item makes a new one
at once, so nothing deleted keeps reading anyone."""

from __future__ import annotations

import threading
from collections.abc import Hashable

from mindprint.engine.predict.deployment import Member, ShippedPopulation, TeamPool, answered_inputs
from mindprint.engine.predict.index import answers_of
from mindprint.engine.predict.population import Answers
from mindprint.errors import UnknownUserError
from mindprint.services.index import IndexCache
from mindprint.services.models import grown
from mindprint.store import Store


class StoreTeam:
    """Every profile of one store as one team (``engine.predict.deployment.Team``)."""

    def __init__(self, store: Store, index: IndexCache, model_id: str) -> None:
        self.store, self.index, self.model_id = store, index, model_id
        self._lock = threading.Lock()
        self._members: dict[str, tuple[int, Member | None]] = {}
        # Per kind of answers: the pool, and each user's number of items when it was made.
        self._pools: dict[Hashable, tuple[TeamPool | None, dict[str, int]]] = {}

    def pool(self, user_id: str, answers: Answers) -> TeamPool | None:
        states = self.store.user_states()
        if len(states) < 2:
            return None
        kind = (answers.scale, answers.step) if answers.is_scale else "labels"
        items = {uid: n for uid, (_, n) in states.items()}
        with self._lock:
            kept = self._pools.get(kind)
        if kept is not None and still_fresh(kept[1], items):
            return kept[0]
        members = [m for uid, (rev, _) in sorted(states.items()) if (m := self._member(uid, rev))]
        key = (kind, tuple(sorted(states.items())))
        found = TeamPool.of(answers, members, self.model_id, key)
        with self._lock:
            self._pools[kind] = (found, items)
            for gone in self._members.keys() - states.keys():  # forgotten: nothing of them kept
                del self._members[gone]
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


def still_fresh(made: dict[str, int], now: dict[str, int]) -> bool:
    """Whether a pool made when the users had ``made`` items still stands at ``now``: the
    same people, none with fewer items, and fewer new items than a refresh waits for."""
    if made.keys() != now.keys() or any(now[u] < n for u, n in made.items()):
        return False
    return not grown(sum(made.values()), sum(now.values()))


def deployed(store: Store, index: IndexCache, model_id: str, *, team: bool) -> ShippedPopulation:
    """The deployment policy a server runs; ``team``: the store's other profiles are a team."""
    return ShippedPopulation(model_id, StoreTeam(store, index, model_id) if team else None)
