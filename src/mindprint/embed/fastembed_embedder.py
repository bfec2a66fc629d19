"""The real embedder: all-MiniLM-L6-v2 through fastembed, loaded from a local folder.

Nothing here imports fastembed at module import or construction time: the import
alone costs ~0.6 s and the MCP handshake must not wait for it. The model is loaded on
the first ``embed()`` call.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mindprint.embed.install import MODEL_DIM, MODEL_MAX_LENGTH, MODEL_NAME, check_model
from mindprint.engine.protocols import Vector
from mindprint.errors import ModelError

# The position table of the model has 512 entries; more tokens cannot be embedded.
_MAX_POSITIONS = 512
# Padded-token budget per batch slot: batch_size short sentences (~20-40 tokens) fit
# whole, while texts at the 256-token limit go 8 to a batch at the default size 32.
_PADDED_TOKENS_PER_SLOT = 64
# One model call costs about as much as this many extra tokens (2 cores, int8 model:
# ~1.4 ms fixed + ~0.16 ms per padded token). A batch closes when padding the next,
# longer text would cost more than a call of its own.
_CALL_OVERHEAD_TOKENS = 9
# Used only when the tokenizer cannot be read: English averages ~4 characters per
# token; 3 over-estimates tokens on purpose (batches only get smaller).
_CHARS_PER_TOKEN_LOW = 3


def default_model_dir(home: Path) -> Path:
    """Where the model lives under mindprint's data folder ``home``."""
    return home / "models" / "all-MiniLM-L6-v2"


class FastEmbedEmbedder:
    """``Embedder`` backed by fastembed's ONNX runtime, fully offline."""

    def __init__(
        self,
        model_dir: Path,
        *,
        batch_size: int = 32,
        max_length: int = MODEL_MAX_LENGTH,
        threads: int | None = None,
        spin: bool | None = None,
    ) -> None:
        """``spin``: let onnxruntime's worker threads busy-wait between operators
        (None: when the load average is below the core count as the model loads)."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if not 1 <= max_length <= _MAX_POSITIONS:
            raise ValueError(f"max_length must be in 1..{_MAX_POSITIONS}, got {max_length}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1 or None, got {threads}")
        self._model_dir = Path(model_dir)
        self._batch_size = batch_size
        self._max_length = max_length
        self._threads = threads
        self._spin = spin
        self._model: Any = None
        self._counter: Any = None
        self._common: tuple[str, ...] | None = None
        # One lock for loading and inference: a second caller must not load a second
        # copy of the model, and serialising inference costs nothing since onnxruntime
        # already spreads one batch over all cores.
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        # Truncation changes the vectors of long texts, so a non-default limit is a
        # different vector space. The int8 (PyPI) and fp32 (hub) files agree to cosine
        # >= 0.999, close enough to share one id.
        if self._max_length == MODEL_MAX_LENGTH:
            return MODEL_NAME
        return f"{MODEL_NAME}@max{self._max_length}"

    @property
    def dim(self) -> int:
        return MODEL_DIM

    @property
    def model_dir(self) -> Path:
        return self._model_dir

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def common_words(self) -> tuple[str, ...]:
        """The tokenizer's whole words in vocabulary order. A WordPiece vocabulary lists
        them by how often they occur in the English the model was trained on ("the", "of",
        "and", ...) after its reserved tokens and single characters, which are left out
        (as are word pieces and non-ASCII words): a frequency ranking that is already on the
        machine."""
        if self._common is None:
            path = self._model_dir / "tokenizer.json"
            try:
                vocab = json.loads(path.read_text("utf-8"))["model"]["vocab"]
                ranked = sorted(vocab.items(), key=lambda kv: int(kv[1]))
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ModelError(
                    f"The model's vocabulary in {path} is unreadable ({type(exc).__name__}: {exc}). "
                    "Check it with `mindprint model install --verify`."
                ) from exc
            self._common = tuple(w for w, _ in ranked if len(w) > 1 and w.isascii() and w.isalpha())
        return self._common

    def load(self) -> None:
        """Load the model now (otherwise the first ``embed()`` does); idempotent."""
        with self._lock:
            self._ensure_loaded()

    def embed(self, texts: Sequence[str]) -> Vector:
        if isinstance(texts, str):
            # A str is itself a Sequence[str]; embedding it char by char is never intended.
            raise TypeError("embed() takes a sequence of texts, not a single str")
        if len(texts) == 0:
            return np.zeros((0, MODEL_DIM), dtype=np.float32)
        items = list(texts)
        out = np.empty((len(items), MODEL_DIM), dtype=np.float32)
        with self._lock:
            model = self._ensure_loaded()
            for group in self._plan_batches(self._token_lengths(model, items)):
                try:
                    rows = list(model.embed([items[i] for i in group], batch_size=len(group)))
                except Exception as exc:
                    # onnxruntime and tokenizers raise their own exception types; all of
                    # them mean the same thing to a caller, and the cause is chained.
                    raise ModelError(
                        f"Embedding {len(items)} texts failed ({type(exc).__name__}: {exc}). "
                        "Check the model with `mindprint model install --verify`."
                    ) from exc
                out[group] = np.asarray(rows, dtype=np.float32).reshape(len(group), MODEL_DIM)
        # fastembed normalises already; doing it again in float32 makes unit length
        # exact for our dtype and guards against a future change upstream.
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.maximum(norms, np.float32(1e-12), out=norms)
        result: Vector = out / norms
        return result

    def _plan_batches(self, lengths: Sequence[int]) -> list[list[int]]:
        """Group text indices, given their token counts, into batches.

        A batch is padded to its longest text and the model's cost is per padded
        token, so texts are sorted by length and a batch closes when (a) padding
        its members up to the next text would cost more than a call of its own,
        (b) it holds ``batch_size`` texts, or (c) count x longest would exceed the
        padded-token budget (attention memory grows with batch x length^2: 32
        texts at the 256-token limit take ~600 MB more RSS than batches of 8).
        Planned on character estimates, a 1,000-tweet build padded 71.6k tokens
        for 49.9k real ones.
        """
        budget = self._batch_size * _PADDED_TOKENS_PER_SLOT
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        groups: list[list[int]] = []
        current: list[int] = []
        longest = 0
        for i in order:
            n = lengths[i]
            if current and (
                len(current) * (n - longest) > _CALL_OVERHEAD_TOKENS
                or len(current) >= self._batch_size
                or (len(current) + 1) * n > budget
            ):
                groups.append(current)
                current = []
            current.append(i)
            longest = n
        if current:
            groups.append(current)
        return groups

    def _token_lengths(self, model: Any, texts: Sequence[str]) -> list[int]:
        """Each text's token count after truncation, [CLS] and [SEP] included."""
        counter = self._counter
        if counter is None:
            tokenizer = getattr(getattr(model, "model", None), "tokenizer", None)
            if tokenizer is not None and hasattr(tokenizer, "to_str"):
                from tokenizers import Tokenizer

                # A copy without padding: the model's own tokenizer pads a batch to
                # its longest text, which would hide each text's length.
                counter = Tokenizer.from_str(tokenizer.to_str())
                counter.no_padding()
                self._counter = counter
        if counter is None:
            return [min(self._max_length, len(t) // _CHARS_PER_TOKEN_LOW + 2) for t in texts]
        return [len(e.ids) for e in counter.encode_batch(list(texts))]

    def _ensure_loaded(self) -> Any:
        if self._model is not None:
            return self._model
        # Fails in milliseconds, before the slow import, naming the fix.
        check_model(self._model_dir)
        # specific_model_path already skips every hub lookup; offline mode also stops
        # huggingface_hub (read at its import) from trying the network anywhere else.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import onnxruntime

            # Belt and braces with ORT_DISABLE_TELEMETRY (see mindprint.embed): no
            # usage events from any session this process creates.
            onnxruntime.disable_telemetry_events()
            from fastembed import TextEmbedding
        except ImportError as exc:
            raise ModelError(
                f"fastembed is not importable ({exc}); reinstall mindprint "
                "(`pip install --force-reinstall mindprint`)."
            ) from exc
        try:
            # fastembed writes nothing to stdout on this path (no download, no tqdm);
            # a test guards that, since stdout is the MCP protocol channel.
            # lazy_load: the session is made here, with our options (fastembed's
            # constructor would make one with its own first).
            model = TextEmbedding(
                MODEL_NAME,
                specific_model_path=str(self._model_dir),
                cache_dir=str(self._model_dir),
                threads=self._threads,
                lazy_load=True,
            )
            self._open_session(model.model, onnxruntime)
        except Exception as exc:
            raise ModelError(
                f"Loading the embedding model from {self._model_dir} failed "
                f"({type(exc).__name__}: {exc}). Check it with `mindprint model install "
                "--verify`, or reinstall with `mindprint model install`."
            ) from exc
        self._apply_max_length(model)
        self._model = model
        return model

    def _open_session(self, inner: Any, ort: Any) -> None:
        """Give fastembed's model an onnxruntime session whose threads spin only when
        that pays.

        Between the operators of one call, onnxruntime's worker threads busy-wait
        for the next one by default. With a core free that saves wake-ups (~1 ms of a
        short query's ~6 ms embedding on a quiet 2-core machine); when the cores are busy
        (other server processes, other jobs) the spins compete with the work itself
        (load 2-5 on 2 cores: builds 1.3-2.2x and queries 1.4-2.3x faster without). Same graph optimisation, threads and model file
        as fastembed's own session, so the vectors are bit-for-bit the same (a test
        compares them). If fastembed's internals differ, its own session loads instead.
        """
        description = getattr(inner, "model_description", None)
        folder = getattr(inner, "_model_dir", None)
        if description is None or folder is None or not hasattr(inner, "_ensure_tokenizer"):
            inner.load_onnx_model()
            return
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if self._threads is not None:
            so.intra_op_num_threads = so.inter_op_num_threads = self._threads
        if not self.spins():
            so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        inner.model = ort.InferenceSession(
            str(Path(folder) / description.model_file), sess_options=so,
            providers=["CPUExecutionProvider"],
        )
        inner._ensure_tokenizer()

    def spins(self) -> bool:
        """Whether the session's threads busy-wait: as configured, else when the last
        minute's load average is below the number of cores (onnxruntime's default
        where the load cannot be read)."""
        if self._spin is not None:
            return self._spin
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):
            return True
        # The load counts this process too: below one runnable task per core, a
        # spinning worker mostly finds a core of its own.
        return load < (os.cpu_count() or 1)

    def _apply_max_length(self, model: Any) -> None:
        # fastembed takes the limit from tokenizer_config.json (the installer writes
        # 256). A different max_length is applied to its tokenizer directly; that object
        # is fastembed-internal, hence the defensive lookups.
        tokenizer = getattr(getattr(model, "model", None), "tokenizer", None)
        truncation = getattr(tokenizer, "truncation", None)
        if not isinstance(truncation, dict):
            if self._max_length != MODEL_MAX_LENGTH:
                raise ModelError(
                    "This fastembed version hides its tokenizer, so max_length="
                    f"{self._max_length} cannot be applied; use the default "
                    f"{MODEL_MAX_LENGTH}."
                )
            return
        if truncation.get("max_length") != self._max_length:
            assert tokenizer is not None
            tokenizer.enable_truncation(
                max_length=self._max_length,
                direction=truncation.get("direction", "right"),
            )
