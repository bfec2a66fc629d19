"""FastEmbedEmbedder: laziness and fast failures (no model needed), then the real
model (``@pytest.mark.model``), which must be installed: a missing model fails these
tests rather than skipping them, so a CI without the model cannot pass silently."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import mindprint
from mindprint.embed import FastEmbedEmbedder, check_model, default_model_dir, verify_model
from mindprint.engine.protocols import Embedder
from mindprint.errors import ModelError, ModelNotInstalledError

_SRC = str(Path(mindprint.__file__).resolve().parents[1])


def _run_python(code: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    # A fresh interpreter: whether fastembed is imported, and what reaches fd 1, can
    # only be observed without this test process's earlier imports and capturing.
    full_env = {**os.environ, "PYTHONPATH": _SRC, **env}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        env=full_env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


# ------------------------------------------------------------------- no model needed


def test_default_model_dir() -> None:
    assert default_model_dir(Path("/h")) == Path("/h/models/all-MiniLM-L6-v2")


def test_import_and_construct_do_not_import_fastembed(tmp_path: Path) -> None:
    code = f"""
import sys
from pathlib import Path
from mindprint.embed import FastEmbedEmbedder
e = FastEmbedEmbedder(Path({str(tmp_path / "absent")!r}))
assert e.dim == 384 and e.model_id and not e.loaded
assert e.embed([]).shape == (0, 384)
try:
    e.embed(["x"])
except Exception as exc:
    assert type(exc).__name__ == "ModelNotInstalledError", exc
assert "fastembed" not in sys.modules, "fastembed imported too early"
assert "onnxruntime" not in sys.modules, "onnxruntime imported too early"
"""
    result = _run_python(code)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b""


def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt fails the test: a missing model must not send the embedder
    looking for it online (that is ~40 s of retries before the error)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the embedder tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_missing_model_fails_fast_naming_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_network(monkeypatch)
    embedder = FastEmbedEmbedder(tmp_path / "nowhere")
    with pytest.raises(ModelNotInstalledError) as info:
        embedder.embed(["hello"])
    assert "mindprint model install" in str(info.value)
    assert not embedder.loaded


def test_incomplete_folder_fails_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_network(monkeypatch)
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(b"\0" * 1024)
    with pytest.raises(ModelNotInstalledError, match="mindprint model install"):
        FastEmbedEmbedder(folder).embed(["hello"])


def test_empty_input_needs_no_model(tmp_path: Path) -> None:
    out = FastEmbedEmbedder(tmp_path / "absent").embed([])
    assert out.shape == (0, 384)
    assert out.dtype == np.float32


def test_threads_spin_only_below_one_task_per_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert FastEmbedEmbedder(tmp_path, spin=True).spins()
    assert not FastEmbedEmbedder(tmp_path, spin=False).spins()
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 3.0, 3.0))
    assert FastEmbedEmbedder(tmp_path).spins()
    monkeypatch.setattr(os, "getloadavg", lambda: (2.4, 0.1, 0.1))
    assert not FastEmbedEmbedder(tmp_path).spins()


def test_argument_validation(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        FastEmbedEmbedder(tmp_path).embed("a single string")
    for kwargs in ({"batch_size": 0}, {"max_length": 0}, {"max_length": 513}, {"threads": 0}):
        with pytest.raises(ValueError):
            FastEmbedEmbedder(tmp_path, **kwargs)


def test_identity() -> None:
    emb = FastEmbedEmbedder(Path("unused"))
    assert isinstance(emb, Embedder)
    assert emb.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert emb.dim == 384
    # A different truncation is a different vector space for long texts.
    assert FastEmbedEmbedder(Path("unused"), max_length=128).model_id.endswith("@max128")


def test_batches_are_bounded_by_count_and_padded_tokens() -> None:
    emb = FastEmbedEmbedder(Path("unused"), batch_size=32)
    lengths = [7] * 70 + [256] * 20 + [60] * 10
    groups = emb._plan_batches(lengths)
    flat = [i for g in groups for i in g]
    assert sorted(flat) == list(range(len(lengths)))
    assert all(len(g) <= 32 for g in groups)
    long_groups = [g for g in groups if any(lengths[i] == 256 for i in g)]
    assert all(len(g) <= 8 for g in long_groups)
    assert sum(len(g) == 32 for g in groups) >= 2  # short texts still fill whole batches
    # No batch mixes the three lengths: padding 7-token texts to 60 costs more than a call.
    assert all(len({lengths[i] for i in g}) == 1 for g in groups)


def test_batches_trade_padding_against_calls() -> None:
    emb = FastEmbedEmbedder(Path("unused"), batch_size=32)
    # Near-equal lengths share a call (padding 1-2 tokens is cheaper than a call) ...
    assert emb._plan_batches([20, 21, 22, 20]) == [[0, 3, 1, 2]]
    # ... a query's short feature string does not get padded to its long sentences.
    assert emb._plan_batches([40, 8, 42, 41]) == [[1], [0, 3, 2]]


# ------------------------------------------------------------------ the real model


def _real_model_dir() -> Path:
    configured = os.environ.get("MINDPRINT_MODEL_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".local" / "share" / "mindprint" / "models" / "all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def model_dir() -> Path:
    folder = _real_model_dir()
    try:
        check_model(folder)
    except ModelError as exc:
        pytest.fail(
            f"The real embedding model is not installed in {folder}: run "
            "`mindprint model install --offline` (or set MINDPRINT_MODEL_DIR to an "
            f"installed model folder). Details: {exc}",
            pytrace=False,
        )
    return folder


@pytest.fixture(scope="module")
def embedder(model_dir: Path) -> Iterator[FastEmbedEmbedder]:
    yield FastEmbedEmbedder(model_dir)


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


@pytest.mark.model
def test_real_model_verifies(model_dir: Path) -> None:
    verify_model(model_dir)


@pytest.mark.model
@pytest.mark.parametrize(
    ("anchor", "paraphrase", "unrelated"),
    [
        ("A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."),
        ("The new movie is awesome.", "The new movie is so great.", "A man is playing guitar."),
        (
            "How do I reset my password?",
            "I forgot my password, how can I change it?",
            "What is the weather like in Paris today?",
        ),
        (
            "A woman is slicing an onion.",
            "Someone is cutting up an onion.",
            "Two children are playing football in the park.",
        ),
    ],
)
def test_paraphrases_are_closer(
    embedder: FastEmbedEmbedder, anchor: str, paraphrase: str, unrelated: str
) -> None:
    a, p, u = embedder.embed([anchor, paraphrase, unrelated])
    assert _cos(a, p) > 0.6
    assert _cos(a, p) > _cos(a, u) + 0.3


@pytest.mark.model
def test_shape_dtype_norm(embedder: FastEmbedEmbedder) -> None:
    out = embedder.embed(["one", "two words", "", "A slightly longer sentence, with punctuation!"])
    assert out.shape == (4, 384)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, 384)


@pytest.mark.model
def test_batch_of_100_matches_single_calls(embedder: FastEmbedEmbedder) -> None:
    texts = [
        f"Note {i}: the user prefers {['tea', 'coffee', 'water'][i % 3]} at {i} am"
        for i in range(100)
    ]
    batch = embedder.embed(texts)
    assert batch.shape == (100, 384)
    # Padding inside a batch must not change a text's vector.
    for i in (0, 37, 99):
        single = embedder.embed([texts[i]])[0]
        assert _cos(batch[i], single) > 0.9999


@pytest.mark.model
def test_own_session_gives_fastembeds_vectors_bit_for_bit(embedder: FastEmbedEmbedder) -> None:
    # The embedder opens its own onnxruntime session (busy-waiting threads or not); the
    # vectors must be exactly those of fastembed's default session, or every stored
    # vector would silently stop matching the queries.
    from fastembed import TextEmbedding

    from mindprint.embed.install import MODEL_NAME

    texts = [
        "ok", "", "The battery died after two hours, but the screen is bright.",
        "wish torchwood children; currently airing; earth; positive tone",
        "Long reviews ramble on about many things. " * 40,
        *(f"Note {i}: {['tea', 'coffee', 'water'][i % 3]} at {i} am, {'very ' * i}late" for i in range(20)),
    ]
    calm = FastEmbedEmbedder(embedder.model_dir, spin=False)
    ours = calm.embed(texts)
    options = calm._model.model.model.get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert np.array_equal(FastEmbedEmbedder(embedder.model_dir, spin=True).embed(texts), ours)
    reference = TextEmbedding(
        MODEL_NAME, specific_model_path=str(embedder.model_dir), cache_dir=str(embedder.model_dir)
    )
    theirs = np.asarray(list(reference.embed(texts, batch_size=4)), dtype=np.float32)
    theirs /= np.maximum(np.linalg.norm(theirs, axis=1, keepdims=True), np.float32(1e-12))
    assert ours.shape == theirs.shape == (len(texts), 384)
    assert np.array_equal(ours, theirs)


@pytest.mark.model
def test_mixed_lengths_keep_input_order(embedder: FastEmbedEmbedder) -> None:
    texts = ["word " * 400, "hi", "a medium length sentence about coffee " * 5, "ok", ""]
    together = embedder.embed(texts)
    for i, text in enumerate(texts):
        assert _cos(together[i], embedder.embed([text])[0]) > 0.9999


@pytest.mark.model
def test_batches_are_planned_on_real_token_counts(embedder: FastEmbedEmbedder) -> None:
    embedder.load()
    model = embedder._model
    # [CLS] + one token per word + [SEP]; long texts count as the truncated 256.
    lengths = embedder._token_lengths(model, ["the cat sat", "the cat sat on the mat", "word " * 400])
    assert lengths == [5, 8, 256]
    # Emoji and URLs take many tokens for few characters: a character estimate would
    # put this text with short ones, the token count does not.
    noisy = "🎉🎉🎉 https://example.com/a/b?c=d 🎉🎉🎉"
    (n_noisy,) = embedder._token_lengths(model, [noisy])
    assert n_noisy > len(noisy) // 4 + 2


@pytest.mark.model
def test_truncates_at_256_tokens(embedder: FastEmbedEmbedder) -> None:
    # "the cat sat on the mat" is one token per word, so word counts are token counts.
    words = ("the cat sat on the mat " * 60).split()
    tail_a = " quantum physics lecture notes about electrons and photons" * 3
    tail_b = " chocolate cake recipe with butter sugar eggs and flour" * 3
    long_prefix = " ".join(words[:300])  # beyond 256: the tails are cut off
    short_prefix = " ".join(words[:200])  # within 256: the tails count
    la, lb, sa, sb = embedder.embed(
        [long_prefix + tail_a, long_prefix + tail_b, short_prefix + tail_a, short_prefix + tail_b]
    )
    assert _cos(la, lb) > 0.99999
    assert _cos(sa, sb) < 0.95


@pytest.mark.model
def test_very_long_texts_are_embedded_truncated(embedder: FastEmbedEmbedder) -> None:
    # Truncation plus token-budget batching keep 32 texts of 20,000 characters cheap
    # (untruncated at 512 tokens in one batch it was GBs and minutes); what that costs is
    # measured by benchmarks/engine_bench.py (long items, peak RSS), not asserted here.
    text = ("Long reviews ramble on about many things. " * 500)[:20_000]
    assert len(text) == 20_000
    out = embedder.embed([text] * 32 + [text[:100]])
    assert out.shape == (33, 384)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(out[0], out[31], atol=1e-6)


@pytest.mark.model
def test_concurrent_first_calls_load_once(model_dir: Path) -> None:
    embedder = FastEmbedEmbedder(model_dir)
    start = threading.Barrier(4)

    def worker(_: int) -> tuple[np.ndarray, int]:
        start.wait()
        out = embedder.embed(["shared text", "another one"])
        return out, id(embedder._model)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(worker, range(4)))  # re-raises any worker's exception
    assert len({model for _, model in results}) == 1
    for out, _ in results[1:]:
        np.testing.assert_allclose(out, results[0][0], atol=1e-6)


@pytest.mark.model
def test_nothing_reaches_stdout(model_dir: Path) -> None:
    # stdout is the MCP protocol channel: loading and embedding must not write to it,
    # at the file-descriptor level (onnxruntime logs from C++).
    code = f"""
from pathlib import Path
from mindprint.embed import FastEmbedEmbedder
e = FastEmbedEmbedder(Path({str(model_dir)!r}))
assert e.embed(["hello", "world"] * 40).shape == (80, 384)
"""
    result = _run_python(code)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b""


@pytest.mark.model
def test_a_texts_vector_does_not_depend_on_what_it_is_batched_with(embedder: FastEmbedEmbedder) -> None:
    # What lets a build embed a repeated text once and reuse it (pipeline.Remembering).
    texts = ["Thanks!", "I'm vegetarian and I hate coriander.",
             "Could you plan a three-day trip to Lyon by train, with a cheap hotel near the station, "
             "a market in the morning and a museum that is not too crowded in the afternoon?"]
    together = embedder.embed(texts)
    for i, t in enumerate(texts):
        np.testing.assert_array_equal(embedder.embed([t])[0], together[i])
        np.testing.assert_array_equal(embedder.embed([t, "ok", texts[-1] * 3])[0], together[i])
