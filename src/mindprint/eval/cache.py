"""An embedding cache shared by every method of one evaluation run.

The app embeds each history item's raw text while building the user model; the
``dense`` baseline needs exactly those vectors again, and every retrieval mode of
``mindprint`` re-embeds the same query. Wrapping the run's embedder once and handing
the wrapper to both makes those repeats free, so baselines cost little and the wall
time of a run is dominated by the work mindprint really does.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mindprint.engine.protocols import Embedder, Vector, Wrapper

__all__ = ["CacheStats", "CachingEmbedder", "Wrapper"]

# ~1.5 KB per 384-d float32 row: 200k entries cap the cache near 300 MB, far more
# than one run of the shared data sets needs (LaMP-7 has ~35k distinct texts).
DEFAULT_MAX_ENTRIES = 200_000


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    embed_seconds: float = 0.0

    def as_dict(self) -> dict[str, float]:
        total = self.hits + self.misses
        return {
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": round(self.hits / total, 4) if total else 0.0,
            "embed_seconds": round(self.embed_seconds, 3),
        }


class CachingEmbedder(Wrapper):
    """``Embedder`` that remembers vectors by ``(model_id, text)``, least recently used out.

    Misses of one call are embedded together in a single call to the wrapped
    embedder (duplicates once), so batching is preserved.
    """

    def __init__(self, inner: Embedder, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be >= 1, got {max_entries}")
        super().__init__(inner)
        self.max_entries = max_entries
        self.stats = CacheStats()
        self._store: OrderedDict[tuple[str, str], Vector] = OrderedDict()

    def __len__(self) -> int:
        return len(self._store)

    def embed(self, texts: Sequence[str]) -> Vector:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single str")
        model = self.inner.model_id
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for row, text in enumerate(texts):
            key = (model, text)
            vec = self._store.get(key)
            if vec is None:
                missing.setdefault(text, []).append(row)
            else:
                self._store.move_to_end(key)
                out[row] = vec
                self.stats.hits += 1
        if missing:
            unique = list(missing)
            t0 = time.perf_counter()
            fresh = self.inner.embed(unique)
            self.stats.embed_seconds += time.perf_counter() - t0
            for text, vec in zip(unique, fresh, strict=True):
                # A copy, so the cache never aliases an array a caller may mutate.
                stored = np.array(vec, dtype=np.float32, copy=True)
                self._store[(model, text)] = stored
                for row in missing[text]:
                    out[row] = stored
            self.stats.misses += sum(len(rows) for rows in missing.values())
            while len(self._store) > self.max_entries:
                self._store.popitem(last=False)
        return out
