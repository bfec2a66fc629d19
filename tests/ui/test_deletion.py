"""Delete means deleted (issue 27, finding 5): a deleted item's text, and the feedback
that recorded it, are in no export, are kept in the change log only for the undo window,
and after it are gone from the database file, its write-ahead log and its shared memory.

Against real `mindprint ui` processes over real HTTP, each on its own copy of the built
user; the file's bytes are read as they are on disk.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.store import Store
from tests.server.conftest import built_template  # noqa: F401 (fixture)
from tests.server.support import MINDPRINT_BIN
from tests.ui.support import Dashboard, start_ui, stop

MARKER = "Qzvormlak"  # a word in no other text: found in the file only if the text is
QUERY = f"Review request: the {MARKER} bivvy bag, 410 g, $180."
ANSWER = f"The {MARKER} is light for a bivvy and fully waterproof."
EDITED = f"{MARKER}: 410 g, waterproof, pricey. 3/5"


def planted(folder: Path, template: Path, embedder: FastEmbedEmbedder, undo_hours: str) -> dict[str, str]:
    """A copy of the built user plus one exchange recorded as feedback (the marked item)."""
    db = folder / "mindprint.db"
    shutil.copyfile(template, db)
    m = Mindprint(Store.open(db), embedder, default_user="rui")
    try:
        m.record_feedback("rui", QUERY, ANSWER, rating=3, edited_response=EDITED, comment="pricey")
        m.wait_idle()
    finally:
        m.close()
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(folder),
            "MINDPRINT_HOME": str(folder / "home"), "MINDPRINT_DB": str(db), "MINDPRINT_USER": "rui",
            "MINDPRINT_MODEL_DIR": os.environ["MINDPRINT_MODEL_DIR"], "HF_HUB_OFFLINE": "1",
            "MINDPRINT_AUTO_INSTALL_MODEL": "0", "MINDPRINT_UNDO_HOURS": undo_hours}


def in_files(db: Path) -> dict[str, bool]:
    """Whether the marker's bytes are in the database file, its WAL and its shared memory."""
    return {p.name: MARKER.encode() in p.read_bytes()
            for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()}


@pytest.fixture
def session(request: pytest.FixtureRequest, tmp_path: Path, built_template: Path,  # noqa: F811
            real_embedder: FastEmbedEmbedder) -> Iterator[tuple[Dashboard, httpx.Client]]:
    env = planted(tmp_path, built_template, real_embedder, request.param)
    proc, url = start_ui(env)
    d = Dashboard(url, Path(env["MINDPRINT_DB"]), env)
    try:
        with httpx.Client(base_url=d.origin, timeout=60) as c:
            assert c.get(d.url).status_code == 303
            yield d, c
    finally:
        stop(proc)


def marked_item(c: httpx.Client) -> int:
    m = re.search(r'id="item-(\d+)"', c.get("/history", params={"q": MARKER}).text)
    assert m, "the marked item is not in the history"
    return int(m.group(1))


def post(d: Dashboard, c: httpx.Client, path: str, data: dict[str, str]) -> str:
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', c.get("/controls").text)
    assert token
    r = c.post(path, data={**data, "csrf": token.group(1)}, headers={"Origin": d.origin})
    assert r.status_code == 303, r.text[-500:]
    return c.get(r.headers["location"]).text


def cli_export(d: Dashboard) -> str:
    proc = subprocess.run([MINDPRINT_BIN, "export", "--user", "rui"], env=d.env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.parametrize("session", ["24"], indirect=True)
def test_inside_the_window_delete_is_undoable_and_no_export_holds_the_text(
    session: tuple[Dashboard, httpx.Client],
) -> None:
    d, c = session
    item = marked_item(c)
    page = post(d, c, "/items/delete", {"item_id": str(item)})
    assert f"Deleted item #{item}; undo it below within 24 hours" in page
    assert '<p class="lead" id="count">0 items' in c.get("/history", params={"q": MARKER}).text
    assert MARKER not in c.get("/feedback").text  # the feedback that recorded it went too
    exported = c.get("/export.json").text
    assert MARKER not in exported and MARKER not in cli_export(d)
    log = json.loads(exported)["control_log"]
    assert [e["before"] for e in log if e["action"] == "delete_item"] == [{"item": {"id": item}}]
    assert any(in_files(d.db).values())  # kept for undo, in the change log
    assert "Undo is possible for 24 hours; then the text is scrubbed from the database file." in \
        c.get("/history").text  # said next to every delete button
    log_id = re.search(r'name="log_id" value="(\d+)"', c.get("/controls").text)
    assert log_id
    page = post(d, c, "/controls/undo", {"log_id": log_id.group(1)})
    assert "Undid: deleted item" in page
    assert EDITED in c.get("/history", params={"q": MARKER}).text
    assert EDITED in c.get("/feedback").text


@pytest.mark.parametrize("session", ["0"], indirect=True)
def test_after_the_window_the_text_is_gone_from_the_file(session: tuple[Dashboard, httpx.Client]) -> None:
    d, c = session
    assert any(in_files(d.db).values())
    item = marked_item(c)
    post(d, c, "/items/delete", {"item_id": str(item)})
    deadline = time.monotonic() + 180  # a guard: the rebuild after a delete runs in the background
    while any(in_files(d.db).values()):
        assert time.monotonic() < deadline, in_files(d.db)
        c.get("/controls")  # a page load scrubs what the window let go
        time.sleep(0.5)
    controls = c.get("/controls").text
    assert "text scrubbed; cannot be undone" in controls
    log_id = re.search(r'name="log_id" value="(\d+)"', controls)
    assert log_id is None  # no undo button left for it
    exported = c.get("/export.json").text
    assert MARKER not in exported
    [entry] = [e for e in json.loads(exported)["control_log"] if e["action"] == "delete_item"]
    page = post(d, c, "/controls/undo", {"log_id": str(entry["id"])})
    assert "Nothing changed: Change" in page and "can no longer be undone: a deleted item is kept 0 hours" in page
    assert not any(in_files(d.db).values())
