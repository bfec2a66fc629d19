"""The edges of the process (issue 19, finding 12): stdio lines the SDK cannot decode,
a tokens file in the wrong encoding or readable by others, and deleted text left in
the database file's free pages."""

from __future__ import annotations

import json
import time
from pathlib import Path

from mindprint.store import NewItem, Store
from tests.reliability.cli import assert_clean_error, run_cli
from tests.server.test_run import RawStdio, assert_only_jsonrpc

UNDECODABLE = {
    911: '{"jsonrpc":"2.0","id":911,"method":"tools/call","params":{"name":"get_user_factors",'
         '"arguments":{"user_id":"a\\udc00b"}}}',
    912: '{"jsonrpc":"2.0","id":912,"method":"ping","params":{"deep":' + "[" * 100_000 + "]" * 100_000 + "}}",
    913: '{"jsonrpc":"2.0","id":"req-913","method":"ping","params":{"deep":' + "[" * 300 + "]" * 300 + "}}",
}


def _replies(s: RawStdio) -> dict[object, dict[str, object]]:
    return {m["id"]: m for m in map(json.loads, list(s.lines)) if "id" in m}


def test_every_undecodable_stdio_request_gets_an_error_reply(child_env: dict[str, str]) -> None:
    s = RawStdio(child_env)
    try:
        s.initialize()
        assert s.proc.stdin is not None
        for line in UNDECODABLE.values():
            s.proc.stdin.write(line + "\n")
        # A notification that cannot be decoded gets no reply, as JSON-RPC says.
        s.proc.stdin.write('{"jsonrpc":"2.0","method":"notifications/x","params":{"q":"\\ud800"}}\n')
        s.proc.stdin.flush()
        assert s.request("ping")["result"] == {}  # answered in order: the errors came first
        replies = _replies(s)
        for rid in (911, 912, "req-913"):
            error = replies[rid]["error"]
            assert isinstance(error, dict) and error["code"] == -32700, replies[rid]
            assert "could not be decoded" in str(error["message"])
        assert None not in replies
    finally:
        code = s.close()
    assert code == 0, "".join(s.stderr)[-3000:]
    assert_only_jsonrpc(s.lines)


def test_a_tokens_file_in_another_encoding_or_open_to_others_is_refused(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    latin = tmp_path / "latin1.json"
    latin.write_bytes('{"tok-caf\xe9-0123456789abcdef": "alice"}'.encode("latin-1"))
    latin.chmod(0o600)
    serve = ("serve", "--transport", "http", "--port", "1", "--tokens-file")
    assert_clean_error(run_cli(child_env, *serve, str(latin)), "not UTF-8")

    shared = tmp_path / "shared.json"
    shared.write_text(json.dumps({"tok-alice-0123456789abcdef": "alice"}))
    shared.chmod(0o644)
    assert_clean_error(run_cli(child_env, *serve, str(shared)), "readable by other users", f"chmod 600 {shared}")


def _delete_marker(store: Store, path: Path) -> bool:
    """Store a marked item among others, delete it, checkpoint: is the marker still in the file?"""
    marker = "zebra-marker-" + str(time.time_ns())
    store.add_items("u", [NewItem(input="q", response=f"{marker} " * 40)])
    store.add_items("u", [NewItem(input=f"keep {i}", response="other text " * 30) for i in range(20)])
    with store.write() as db:
        db.execute("DELETE FROM items WHERE response LIKE ?", [f"{marker}%"])
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return marker.encode() in path.read_bytes()


def test_deleted_text_does_not_stay_in_free_pages(tmp_path: Path) -> None:
    # Any DELETE (a rebuilt factor table, replaced features, a forget whose VACUUM
    # could not run) must overwrite the row's bytes, not just unlink them.
    assert not _delete_marker(Store.open(tmp_path / "m.db"), tmp_path / "m.db")
    # The control: a connection with secure_delete off (the default of many SQLite
    # builds, though not of this one) leaves the text behind, so the scan above can fail.
    control = Store.open(tmp_path / "off.db")
    control.db.execute("PRAGMA secure_delete = OFF")
    assert _delete_marker(control, tmp_path / "off.db")
