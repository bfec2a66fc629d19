"""Hostile exports through the real CLI (issue 27, findings 1-3): nesting, one malformed
conversation, zip bombs and damaged zips. Each is refused or rejected with a reason, and
the database is unchanged by a refusal."""

from __future__ import annotations

import json
import resource
import zipfile
from pathlib import Path
from typing import Any

from tests.reliability.cli import assert_clean_error, run_cli
from tests.server.support import snapshot

FIX = Path(__file__).parents[1] / "importers" / "fixtures"
# Address space for the child: far more than an import needs, far less than the
# gigabytes a parser that grows with the square of the depth takes (a guard for the
# machine, not a target: benchmarks/json_reader.py prints the real peaks).
CHILD_MEMORY = 1_500 << 20


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_deeply_nested_exports_are_refused_cleanly(
    child_env: dict[str, str], db_path: Path, tmp_path: Path
) -> None:
    chat = tmp_path / "conversations.json"
    chat.write_text('[{"title": "t", "mapping": {"a": {"message": ' + _deep(60_000) + "}}}]")
    plain = tmp_path / "records.json"
    plain.write_text('[{"output": "fine"}, {"output": ' + _deep(60_000) + "}]")
    zipped = tmp_path / "export.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(chat, "export/conversations.json")
    before = snapshot(db_path)
    for path, args, where in ((chat, [], "record 1"), (plain, ["--format", "json"], "record 2"),
                              (zipped, [], "record 1")):
        proc = run_cli(child_env, "import", str(path), "--user", "deep", "--no-build", *args,
                       preexec=_limited)
        assert_clean_error(proc, f"{where} is nested too deeply", "nothing was imported")
    assert snapshot(db_path) == before


def _conversation(i: int) -> dict[str, Any]:
    convs: list[dict[str, Any]] = json.loads((FIX / "claude_conversations.json").read_text())
    conv = json.loads(json.dumps(convs[0]))
    conv["uuid"], conv["name"] = f"c{i}", f"chat {i}"
    for m in conv["chat_messages"]:
        m["text"] = f"{m['text']} ({i})"
        m["content"] = [{"type": "text", "text": m["text"]}]
    return conv


def test_one_malformed_conversation_is_rejected_alone_with_its_position(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    convs = [_conversation(i) for i in range(3)]
    convs[1]["chat_messages"][0]["attachments"] = 5
    convs[2]["chat_messages"][1]["uuid"] = ["not", "an", "id"]
    convs[2]["chat_messages"][1]["parent_message_uuid"] = {"x": 1}
    for m in convs[2]["chat_messages"]:
        m.setdefault("parent_message_uuid", None)
    f = tmp_path / "conversations.json"
    f.write_text(json.dumps(convs))
    proc = run_cli(child_env, "import", str(f), "--user", "mixed", "--no-build", "--json")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    assert summary["read"] == 3 and summary["added"] == summary["items"] > 0
    reasons = {r["where"]: r["reason"] for r in summary["rejected"]}
    assert reasons["conversation 2 ('chat 1')"] == "the attachments of message 1 is a number, not an array"
    assert reasons["conversation 3 ('chat 2')"].startswith("the uuid of message 2 is an array")


def test_a_zip_bomb_is_refused_before_it_is_read(
    child_env: dict[str, str], db_path: Path, tmp_path: Path
) -> None:
    bomb = tmp_path / "chatgpt-export.zip"
    with (zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
          zf.open("conversations.json", "w", force_zip64=True) as member):
        member.write(b'[{"title": "t", "mapping": {}, "x": "')
        for _ in range(64):
            member.write(b"a" * (1 << 20))
        member.write(b'"}]')
    assert bomb.stat().st_size < 1 << 20
    before = snapshot(db_path)
    proc = run_cli(child_env, "import", str(bomb), "--user", "bomb", "--no-build")
    assert_clean_error(proc, "unpacks to 64 MB from", "over 100 times its size", "Nothing was imported")
    assert snapshot(db_path) == before


def test_a_damaged_zip_is_refused_cleanly(child_env: dict[str, str], db_path: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIX / "chatgpt_conversations.json", "conversations.json")
    data = bytearray(good.read_bytes())
    info = zipfile.ZipFile(good).getinfo("conversations.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 200, start + 260):  # inside the compressed stream
        data[k] ^= 0x5A
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    before = snapshot(db_path)
    proc = run_cli(child_env, "import", str(damaged), "--user", "damaged", "--no-build", "--format", "chatgpt")
    assert_clean_error(proc, "conversations.json is damaged", "nothing was imported")
    assert snapshot(db_path) == before
