"""A model-free embedder for tests and for running without the real model.

It is not semantic, but it is content-dependent: texts that share words or word
fragments land closer together than unrelated texts, which is enough for tests of
retrieval and clustering logic to mean something (constant vectors would make every
such test pass vacuously).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from mindprint.engine.protocols import Vector

_WORD_RE = re.compile(r"\w+", re.UNICODE)

# Unigrams carry the topic; bigrams reward shared phrasing; character trigrams make
# inflections ("eat"/"eating") overlap a little. Weights keep trigrams from drowning
# out whole-word matches, since a word yields several trigrams.
_UNIGRAM_WEIGHT = 1.0
_BIGRAM_WEIGHT = 0.7
_TRIGRAM_WEIGHT = 0.35

# Changing the feature scheme changes every vector, so it must change the model id too.
_MODEL_ID = "fake-hash-v1"


@lru_cache(maxsize=1 << 16)
def _digest(feature: str) -> int:
    # blake2b, not hash(): Python salts str hashes per process, and vectors must be
    # identical across runs because they are stored.
    raw = hashlib.blake2b(feature.encode("utf-8"), digest_size=8, person=b"mindprint").digest()
    return int.from_bytes(raw, "little")


def _features(text: str) -> list[tuple[str, float]]:
    words = _WORD_RE.findall(text.lower())
    feats: list[tuple[str, float]] = [("w:" + w, _UNIGRAM_WEIGHT) for w in words]
    feats.extend(("b:" + a + " " + b, _BIGRAM_WEIGHT) for a, b in itertools.pairwise(words))
    for w in words:
        padded = f"<{w}>"
        feats.extend(("c:" + padded[i : i + 3], _TRIGRAM_WEIGHT) for i in range(len(padded) - 2))
    return feats


class FakeEmbedder:
    """Deterministic hashing-trick embedder satisfying the ``Embedder`` protocol."""

    def __init__(self, dim: int = 384) -> None:
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 2:
            raise ValueError(f"FakeEmbedder dim must be an integer >= 2, got {dim!r}")
        self._dim = dim
        self._empty = self._vector_for([("empty:", 1.0)])

    @property
    def model_id(self) -> str:
        return _MODEL_ID

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> Vector:
        if isinstance(texts, str):
            # A str is itself a Sequence[str]; embedding it char by char is never intended.
            raise TypeError("embed() takes a sequence of texts, not a single str")
        out = np.empty((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            feats = _features(text)
            out[row] = self._vector_for(feats) if feats else self._empty
        return out

    def _vector_for(self, feats: list[tuple[str, float]]) -> Vector:
        vec = np.zeros(self._dim, dtype=np.float64)
        for feature, weight in feats:
            h = _digest(feature)
            # Signed buckets make collisions cancel on average instead of piling up,
            # so unrelated texts stay near-orthogonal.
            sign = 1.0 if (h >> 63) & 1 else -1.0
            vec[h % self._dim] += sign * weight
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            # Every feature cancelled out (possible for tiny dims): fall back to a fixed
            # bucket so the row is still unit length.
            vec[_digest("fallback:") % self._dim] = 1.0
            norm = 1.0
        return (vec / norm).astype(np.float32)
