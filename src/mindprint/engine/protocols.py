"""The interfaces the engine depends on; adapters live outside ``engine/``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors.

    ``model_id`` and ``dim`` identify the vector space: vectors stored under one
    identity are never compared with vectors of another.
    """

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Vector:
        """Return an array of shape ``(len(texts), dim)``, each row unit length."""
        ...


@runtime_checkable
class Vocabulary(Protocol):
    """An embedder whose model knows which words are common in general English."""

    def common_words(self) -> Sequence[str]:
        """The model's whole words, most frequent first (empty: not known)."""
        ...


class Wrapper:
    """An embedder in front of another: the vectors keep the wrapped model's identity."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def common_words(self) -> Sequence[str]:
        return self.inner.common_words() if isinstance(self.inner, Vocabulary) else ()
