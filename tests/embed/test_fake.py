from __future__ import annotations

import numpy as np
import pytest

from mindprint.embed import FakeEmbedder
from mindprint.engine.protocols import Embedder


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


def test_satisfies_protocol_and_identity() -> None:
    emb = FakeEmbedder(dim=64)
    assert isinstance(emb, Embedder)
    assert emb.dim == 64
    assert emb.model_id == "fake-hash-v1"
    assert FakeEmbedder().dim == 384


def test_shape_dtype_and_unit_norm() -> None:
    emb = FakeEmbedder()
    texts = ["hello world", "", "   ", "!!!", "Ünïcödé wörds ok", "x" * 20_000]
    out = emb.embed(texts)
    assert out.shape == (len(texts), 384)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_empty_list() -> None:
    out = FakeEmbedder(dim=32).embed([])
    assert out.shape == (0, 32)
    assert out.dtype == np.float32


def test_deterministic_across_instances_and_calls() -> None:
    texts = ["The quick brown fox", "jumps over the lazy dog"]
    a = FakeEmbedder().embed(texts)
    b = FakeEmbedder().embed(list(reversed(texts)))[::-1]
    np.testing.assert_array_equal(a, b)


def test_stable_known_value() -> None:
    # Vectors are stored, so they must not change between runs or Python versions
    # (Python's hash() is salted per process): this pins the blake2b scheme.
    vec = FakeEmbedder(dim=8).embed(["stable"])[0]
    expected = [0.0, 0.0, -0.6389, 0.0, -0.6881, 0.0, -0.3440, 0.0]
    np.testing.assert_allclose(vec, expected, atol=1e-4)


def test_content_dependent_not_constant() -> None:
    out = FakeEmbedder().embed(["apples and pears", "quantum field theory", ""])
    assert not np.allclose(out[0], out[1])
    assert not np.allclose(out[0], out[2])


def test_empty_text_is_fixed_unit_vector() -> None:
    out = FakeEmbedder().embed(["", "", "?!"])
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_array_equal(out[0], out[2])  # no word characters: also "empty"
    assert np.linalg.norm(out[0]) == pytest.approx(1.0, abs=1e-6)


def test_case_insensitive() -> None:
    out = FakeEmbedder().embed(["Hello World", "hello world"])
    np.testing.assert_array_equal(out[0], out[1])


@pytest.mark.parametrize(
    ("anchor", "related", "unrelated"),
    [
        (
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "The stock market fell sharply.",
        ),
        (
            "I prefer short direct answers",
            "give me short direct answers please",
            "volcanoes erupt lava",
        ),
        ("database migration failed", "the database migration failed again", "my cat likes tuna"),
    ],
)
def test_shared_words_are_closer(anchor: str, related: str, unrelated: str) -> None:
    a, r, u = FakeEmbedder().embed([anchor, related, unrelated])
    assert _cos(a, r) > _cos(a, u) + 0.2


def test_inflections_overlap_through_trigrams() -> None:
    a, b, c = FakeEmbedder().embed(["running", "runner", "xylophone"])
    assert _cos(a, b) > _cos(a, c)


def test_rejects_single_string_and_bad_dim() -> None:
    with pytest.raises(TypeError):
        FakeEmbedder().embed("not a list")
    with pytest.raises(ValueError):
        FakeEmbedder(dim=0)
    with pytest.raises(ValueError):
        FakeEmbedder(dim=True)
