"""The per-user retrieval index, loaded from the store and kept until the user changes.

Building it loads every vector of the user, so it is cached per user and rebuilt only
when the store's revision of that user moves (any write bumps it, in any process).
The per-user locks that serialise builds of one user live here too: the model service
and the admin service (forget) both take them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace

from mindprint.engine.features.extract import CorpusStats
from mindprint.engine.predict.index import UserIndex, build_index
from mindprint.engine.predict.retrieval import PrefIndex, pref_index
from mindprint.engine.types import Factor, Feature, Item
from mindprint.services.overlay import overlay, unvetoed
from mindprint.store import Store
from mindprint.store import controls as db
from mindprint.store.controls import FactorControl

VECTOR_KINDS = ("features", "raw", "signals", "rated", "rated_signals")


@dataclass(frozen=True, slots=True)
class _Loaded:
    """What an index was built from, kept for its preferences (read on demand)."""

    items: dict[int, Item]
    features: dict[int, list[Feature]]
    factors: list[Factor]
    controls: dict[str, FactorControl]
    hidden: set[str]


class IndexCache:
    def __init__(self, store: Store, model_id: str) -> None:
        self.store = store
        self.model_id = model_id
        # Per user, one revision: the index, the standing preferences retrieval reads
        # (None until asked for) and what they are read from.
        self._cache: dict[str, tuple[UserIndex, PrefIndex | None, _Loaded]] = {}
        self._lock = threading.Lock()
        self._user_locks: dict[str, threading.Lock] = {}

    def lock_for(self, user_id: str) -> threading.Lock:
        """The lock held while the user's model is built or deleted."""
        with self._lock:
            return self._user_locks.setdefault(user_id, threading.Lock())

    def get(self, uid: str) -> UserIndex:
        """The user's index of the current revision (their standing preferences are read
        only when asked for: a build's user stage needs the index alone)."""
        rev = self.store.revision(uid)
        with self._lock:
            hit = self._cache.get(uid)
            if hit is not None and hit[0].revision == rev:
                return hit[0]
        c, raw = self._load(uid, rev)
        with self._lock:
            self._cache[uid] = (c, None, raw)
        return c

    def both(self, uid: str) -> tuple[UserIndex, PrefIndex]:
        """The user's index and their standing preferences, of the current revision."""
        rev = self.store.revision(uid)
        with self._lock:
            hit = self._cache.get(uid)
        if hit is not None and hit[0].revision == rev:
            c, prefs, raw = hit
            if prefs is not None:
                return c, prefs
        else:
            c, raw = self._load(uid, rev)
        prefs = self._prefs(uid, c, raw)
        with self._lock:
            self._cache[uid] = (c, prefs, raw)
        return c, prefs

    def _load(self, uid: str, rev: int) -> tuple[UserIndex, _Loaded]:
        loaded = {k: self.store.get_vectors(uid, k, self.model_id) for k in VECTOR_KINDS}
        items = {it.id: it for page in self.store.iter_items(uid) for it in page}
        features = self.store.get_features(uid)
        controls = db.factor_controls(self.store, uid)
        hidden = {fid for fid, c in controls.items() if c.vetoed}
        learned = self.store.all_factors(uid)
        factors = overlay(learned, controls)
        names = frozenset(n.lower() for f in learned if f.id in hidden for n in (f.name, *f.members))
        c = build_index(
            revision=rev,
            model_id=self.model_id,
            items=items,
            features=unvetoed(features, hidden),
            loaded=loaded,
            corpus=self.corpus(uid, (it.text for it in items.values())),
            factors=factors,
            vetoed=names,
        )
        return c, _Loaded(items, features, factors, controls, hidden)

    def _prefs(self, uid: str, c: UserIndex, raw: _Loaded) -> PrefIndex:
        """The standing preferences, read with the index of the same revision: the store's
        preference vectors are written with that revision's items, and any later write
        moves the revision (so this pairing is never stale)."""
        prefs = pref_index(
            raw.items, raw.features, self.store.get_pref_vectors(uid, self.model_id),
            raw.factors, raw.hidden,
        )
        # Those recorded since the build carry the user's names and descriptions too.
        return replace(prefs, factors={f.id: f for f in overlay(list(prefs.factors.values()),
                                                                  raw.controls)})

    def corpus(self, uid: str, texts: Iterable[str]) -> CorpusStats:
        """Word statistics saved by the last build; before any build, from ``texts``
        (a generator, consumed only then)."""
        saved = self.store.get_corpus(uid)
        return CorpusStats.from_json(saved) if saved else CorpusStats.from_texts(texts)

    def invalidate(self, uid: str) -> None:
        with self._lock:
            self._cache.pop(uid, None)
