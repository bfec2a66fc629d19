"""The on-disk embedding cache of evaluation runs: reuse, crash safety, two writers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mindprint.embed import FakeEmbedder
from mindprint.engine.protocols import Vector
from mindprint.eval.vector_cache import DiskCachedEmbedder


class Counting(FakeEmbedder):
    """The hashing embedder, counting the texts it really embeds."""

    def __init__(self) -> None:
        super().__init__(dim=16)
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str]) -> Vector:
        self.embedded.extend(texts)
        return super().embed(texts)


def test_a_second_run_embeds_nothing_it_has_seen(tmp_path: Path) -> None:
    first = Counting()
    a = DiskCachedEmbedder(first, tmp_path)
    texts = ["hoppy and bitter", "sweet stout", "hoppy and bitter", "flat lager"]
    v1 = a.embed(texts)
    assert first.embedded == ["hoppy and bitter", "sweet stout", "flat lager"]
    second = Counting()
    b = DiskCachedEmbedder(second, tmp_path)
    v2 = b.embed([*texts, "new one"])
    assert second.embedded == ["new one"]
    np.testing.assert_array_equal(v1, v2[:4])
    np.testing.assert_array_equal(v2[4], FakeEmbedder(dim=16).embed(["new one"])[0])


def test_a_row_left_by_an_interrupted_run_is_ignored_and_overwritten(tmp_path: Path) -> None:
    a = DiskCachedEmbedder(Counting(), tmp_path)
    a.embed(["one", "two"])
    rows = next(tmp_path.glob("*.f32"))
    with open(rows, "ab") as f:  # a row written, its digest never
        f.write(np.ones(16, dtype=np.float32).tobytes())
    b = DiskCachedEmbedder(Counting(), tmp_path)
    assert len(b) == 2
    b.embed(["three"])
    c = DiskCachedEmbedder(Counting(), tmp_path)
    assert len(c) == 3
    np.testing.assert_array_equal(c.embed(["three"])[0], FakeEmbedder(dim=16).embed(["three"])[0])


def test_two_writers_on_one_folder_keep_every_vector(tmp_path: Path) -> None:
    a = DiskCachedEmbedder(Counting(), tmp_path)
    b = DiskCachedEmbedder(Counting(), tmp_path)
    a.embed([f"a{i}" for i in range(5)])
    b.embed([f"b{i}" for i in range(5)])
    a.embed(["a0", "shared"])
    b.embed(["shared"])
    fresh = Counting()
    c = DiskCachedEmbedder(fresh, tmp_path)
    names = [f"a{i}" for i in range(5)] + [f"b{i}" for i in range(5)] + ["shared"]
    got = c.embed(names)
    assert fresh.embedded == [] and len(c) == 11
    np.testing.assert_array_equal(got, FakeEmbedder(dim=16).embed(names))
