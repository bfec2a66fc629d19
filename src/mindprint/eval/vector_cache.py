"""Text embeddings kept on disk between evaluation runs.

Embedding the histories is most of a cold run's time (a 900-user RateBeer run embeds
~140k sentences). The vectors of a text never change for one model, so a second run
on the same data, another split or another method only embeds what it has not seen.
Two append-only files per model: the 20-byte digests of the texts and their float32
rows. A row is written before its digest, so a run killed mid-write leaves at most a
row without a digest, which is ignored. Writers take an exclusive ``flock``.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mindprint.engine.protocols import Embedder, Vector
from mindprint.eval.cache import Wrapper

DIGEST = 20


def default_dir() -> Path:
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mindprint" / "eval-vectors"


class DiskCachedEmbedder(Wrapper):
    """An ``Embedder`` that reads vectors it has embedded before from ``folder``."""

    def __init__(self, inner: Embedder, folder: Path) -> None:
        super().__init__(inner)
        folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", inner.model_id)
        self._keys = folder / f"{name}.keys"
        self._rows = folder / f"{name}.f32"
        self._lock = folder / f"{name}.lock"
        self._index: dict[bytes, Vector] = {}
        self._count = 0  # rows of the files read into the index
        self.hits = 0
        self._read_tail()

    def __len__(self) -> int:
        return len(self._index)

    def _read_tail(self) -> None:
        """Index the rows other runs (or earlier ones) appended since the last read."""
        if not self._keys.exists() or not self._rows.exists():
            return
        with open(self._keys, "rb") as f:
            f.seek(self._count * DIGEST)
            keys = f.read()
        row_bytes = self.dim * 4
        with open(self._rows, "rb") as f:
            f.seek(self._count * row_bytes)
            data = np.frombuffer(f.read(), dtype=np.float32)
        n = min(len(keys) // DIGEST, len(data) // self.dim)
        rows = data[: n * self.dim].reshape(n, self.dim)
        for i in range(n):
            self._index[keys[i * DIGEST : (i + 1) * DIGEST]] = rows[i]
        self._count += n

    def _digest(self, text: str) -> bytes:
        return hashlib.sha1(f"{self.model_id}\x00{text}".encode()).digest()

    def embed(self, texts: Sequence[str]) -> Vector:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single str")
        digests = [self._digest(t) for t in texts]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing: dict[bytes, list[int]] = {}
        for n, d in enumerate(digests):
            vec = self._index.get(d)
            if vec is None:
                missing.setdefault(d, []).append(n)
            else:
                out[n] = vec
        self.hits += len(texts) - sum(len(rows) for rows in missing.values())
        if missing:
            fresh = np.asarray(
                self.inner.embed([texts[rows[0]] for rows in missing.values()]), dtype=np.float32
            )
            for rows, vec in zip(missing.values(), fresh, strict=True):
                out[rows] = vec
            self._append(list(missing), fresh)
        return out

    def _append(self, digests: list[bytes], rows: Vector) -> None:
        new = {d: r for d, r in zip(digests, rows, strict=True) if d not in self._index}
        if not new:
            return
        with open(self._lock, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._read_tail()  # another run may have appended meanwhile
            keep = [(d, r) for d, r in new.items() if d not in self._index]
            if not keep:
                return
            # Cut a row left without a digest by an interrupted run, then append.
            with open(self._rows, "ab") as f:
                f.truncate(self._count * self.dim * 4)
                f.write(np.stack([r for _, r in keep]).astype(np.float32).tobytes())
            with open(self._keys, "ab") as f:
                f.truncate(self._count * DIGEST)
                f.write(b"".join(d for d, _ in keep))
            for d, r in keep:
                self._index[d] = r
            self._count += len(keep)
