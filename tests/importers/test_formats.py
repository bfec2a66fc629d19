"""Each importer on its fixture (written from the format's public description): detection
by content, the items it yields, and what it skips or rejects and why."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from mindprint.errors import ImportFormatError
from mindprint.importers import ImportSummary, detect, make_plan, parse_map, scan
from mindprint.importers.fields import parse_when
from mindprint.store import NewItem
from mindprint.testing.chatgpt_export import answer, ask, conversation, write_zip

FIX = Path(__file__).parent / "fixtures"


def read(path: Path, **kw: object) -> tuple[list[NewItem], ImportSummary]:
    fmt = kw.pop("fmt", None)
    mapping = kw.pop("mapping", None)
    plan = make_plan(path, fmt=fmt, mapping=mapping)  # type: ignore[arg-type]
    summary = plan.summary()
    return list(scan(plan, summary, **kw)), summary  # type: ignore[arg-type]


def test_chatgpt_tree_follows_the_active_branch() -> None:
    items, s = read(FIX / "chatgpt_conversations.json")
    assert s.format == "chatgpt" and s.read == 4 and s.items == 4 == len(items)
    by_reaction = {it.response: it for it in items}
    # The edited prompt (u1b) and the kept answer (a1c) are on the branch; the first
    # prompt, its answer and the regenerated answer are not.
    ex = by_reaction["Too long. Just tell me which one drains fastest and its price."]
    assert ex.input.startswith("Which trail shoes for a muddy 50 km race in October?")
    assert "Speedgoat" in ex.input and "forty shoes" not in ex.input and "discarded" not in ex.input
    assert s.skipped["message on an edited-away branch"] == 3
    # The user edited the opening prompt: its first version is kept beside it, and no
    # other item has one.
    assert ex.meta["prompt_edited_from"] == "Which trail shoes should I buy?"
    assert [it for it in items if it.meta and "prompt_edited_from" in it.meta] == [ex]
    assert not any(it.meta and "edited_from" in it.meta for it in items)
    # The opening prompt is the first exchange's context, not an item of its own.
    assert all(it.input for it in items)
    assert ex.meta and ex.meta["conversation"] == "Trail shoes for a wet race" and ex.meta["kind"] == "exchange"
    assert ex.created_at == "2024-05-01T08:01:00+00:00" and ex.source == "import-chatgpt"


def test_chatgpt_skips_system_tool_hidden_and_non_text_and_keeps_attachments() -> None:
    items, s = read(FIX / "chatgpt_conversations.json")
    assert s.skipped["system message"] == 1 and s.skipped["tool call"] == 1
    assert s.skipped["tool message"] == 1 and s.skipped["hidden thoughts content"] == 1
    assert s.skipped["user message without text (image_asset_pointer)"] == 1
    assert s.skipped["empty conversation"] == 1
    lamp = next(it for it in items if it.response.startswith("You ignored the battery weight"))
    # The image-only message is skipped, so the two answers around it are what was shown.
    assert "400 lumens" in lamp.input and "rear battery pack" in lamp.input and "print(" not in lamp.input
    assert lamp.meta and "headlamp.jpg" in lamp.meta["attachments"]
    assert all("200.0" not in it.input for it in items)


def test_chatgpt_voice_messages_keep_their_transcript(tmp_path: Path) -> None:
    import json

    def node(nid: str, parent: str | None, role: str, parts: list[object]) -> dict[str, object]:
        msg = {"author": {"role": role}, "create_time": 1.7e9,
               "content": {"content_type": "multimodal_text", "parts": parts}, "metadata": {}}
        return {"id": nid, "parent": parent, "children": [], "message": msg}

    mapping = {
        "u": node("u", None, "user", [{"content_type": "audio_transcription", "text": "Is it going to rain?"},
                                      {"content_type": "audio_asset_pointer", "asset_pointer": "x"}]),
        "a": node("a", "u", "assistant", ["Light rain after noon."]),
        "r": node("r", "a", "user", [{"content_type": "audio_transcription", "text": "Which hour exactly?"}]),
    }
    f = tmp_path / "conversations.json"
    f.write_text(json.dumps([{"title": "voice", "mapping": mapping, "current_node": "r"}]), encoding="utf-8")
    [item], _ = read(f)
    assert (item.input, item.response) == ("Is it going to rain?\n\nLight rain after noon.", "Which hour exactly?")
    assert item.meta and item.meta["attachments"] == ["audio_asset_pointer"]


def test_chatgpt_unicode_survives() -> None:
    items, _ = read(FIX / "chatgpt_conversations.json")
    [ex] = [it for it in items if it.response == "Merci ! Parfait — مرحبا 👍"]
    assert ex.input.startswith("Plan a café stop during the 東京 marathon 🏃‍♀️ — near km 30?")


def test_claude_export() -> None:
    items, s = read(FIX / "claude_conversations.json")
    assert s.format == "claude" and s.read == 3 and s.items == 2
    assert s.skipped == {"last answer had no reaction from the user": 1, "empty conversation": 1}
    ex = next(it for it in items if it.response == "What does it cost? You forgot the price again.")
    assert "3-layer shell" in ex.input and "hidden" not in ex.input  # the thinking block is not shown
    assert ex.meta and ex.meta["attachments"] == ["packing-list.txt"] and ex.source == "import-claude"
    merino = next(it for it in items if it.response == "Short and to the point, good.")
    assert merino.input.startswith("Does merino stay warm when wet? 🐑\n\nYes, merino")


def test_claude_branches_follow_parent_links(tmp_path: Path) -> None:
    import json

    msgs = [
        {"uuid": "a", "parent_message_uuid": "root", "sender": "human", "text": "Old prompt"},
        {"uuid": "b", "parent_message_uuid": "a", "sender": "assistant", "text": "Old answer"},
        {"uuid": "c", "parent_message_uuid": "root", "sender": "human", "text": "Edited prompt"},
        {"uuid": "d", "parent_message_uuid": "c", "sender": "assistant", "text": "New answer"},
        {"uuid": "e", "parent_message_uuid": "d", "sender": "human", "text": "Better, thanks"},
    ]
    f = tmp_path / "conversations.json"
    f.write_text(json.dumps([{"uuid": "x", "name": "t", "chat_messages": msgs}]), encoding="utf-8")
    items, s = read(f)
    assert [(it.input, it.response) for it in items] == [("Edited prompt\n\nNew answer", "Better, thanks")]
    assert s.skipped["message on an edited-away branch"] == 2


def test_an_edited_message_keeps_its_first_version(tmp_path: Path) -> None:
    convs = [conversation("Trip", 1_757_000_000.0, [
        ask("Plan a quiet weekend in Lisbon.", edited_from=[
            ("Plan a weekend in Lisbon.", "Day 1: the big viewpoints at sunset."),
            ("Plan a weekend in Lisbon, please.", "Day 1: Alfama."),
        ]),
        answer("Day 1: Campo de Ourique.", regenerated_from=["Day 1: Tram 28."]),
        ask("Shorter, and no museums.", edited_from=[("Shorter.", "Day 1: a market.")]),
        answer("Day 1: a market. Day 2: the river."),
        ask("Thanks."),
    ])]
    items, s = read(write_zip(tmp_path / "export.zip", convs))
    first, second = items
    # The first version the user wrote, on the item whose text they edited: the opening
    # prompt on the first exchange, a reaction on its exchange and as the next prompt.
    assert first.meta and first.meta["prompt_edited_from"] == "Plan a weekend in Lisbon."
    assert first.meta["edited_from"] == "Shorter."
    assert second.meta and second.meta["prompt_edited_from"] == "Shorter."
    assert "edited_from" not in second.meta
    # Only the kept branch is imported: no old answer, no regenerated one.
    assert not any("Tram 28" in it.input or "sunset" in it.input for it in items)
    assert s.skipped["message on an edited-away branch"] == 7


def test_claude_edits_keep_their_first_version(tmp_path: Path) -> None:
    """The fixture's first conversation as Claude exports a branched one: every message
    linked to its parent. The user edited the opening prompt (the first version, as typed
    content blocks, got an answer of its own) and later their reply to an answer."""
    import copy
    import json

    [conv] = copy.deepcopy(json.loads((FIX / "claude_conversations.json").read_text())[:1])
    m1, m2, m3, m4 = conv["chat_messages"]
    root = "00000000-0000-4000-8000-000000000000"

    def first(uuid: str, of: dict[str, Any], words: str, at: str) -> dict[str, Any]:
        return of | {"uuid": uuid, "text": "", "created_at": f"2024-06-01T{at}.000000Z",
                     "content": [{"type": "text", "text": words}]}

    old_prompt = first("m0", m1, "Which rain jacket should I buy?", "08:59:00")
    old_answer = first("m0a", m2, "The Alpine Pro, a classic.", "08:59:10")
    old_reply = first("m3x", m3, "What does it cost?", "09:00:40")
    # A reply written after the kept one, on a branch left later, is not its first version.
    later = first("m3y", m3, "Is it on sale?", "09:05:00")
    for msg, parent in [(old_prompt, root), (old_answer, "m0"), (m1, root), (m2, "m1"),
                        (old_reply, "m2"), (m3, "m2"), (later, "m2"), (m4, "m3")]:
        msg["parent_message_uuid"] = parent
    conv["chat_messages"] = [old_prompt, old_answer, m1, m2, old_reply, m3, later, m4]
    f = tmp_path / "conversations.json"
    f.write_text(json.dumps([conv]), encoding="utf-8")
    [item], s = read(f)
    assert item.input.startswith("Which rain jacket for a windy ridge run?")
    assert item.response == "What does it cost? You forgot the price again."
    assert item.meta and item.meta["prompt_edited_from"] == "Which rain jacket should I buy?"
    assert item.meta["edited_from"] == "What does it cost?"
    assert "Alpine" not in item.input and "on sale" not in item.response
    assert s.skipped["message on an edited-away branch"] == 4
    # Without the earlier reply, the later one is no first version of the kept reply.
    conv["chat_messages"].remove(old_reply)
    f.write_text(json.dumps([conv]), encoding="utf-8")
    [item], _ = read(f)
    assert item.meta and "edited_from" not in item.meta and "prompt_edited_from" in item.meta
    # A linear export (no parent links, the fixture as it is) has no first versions.
    items, _ = read(FIX / "claude_conversations.json")
    assert not any(it.meta and ("prompt_edited_from" in it.meta or "edited_from" in it.meta)
                   for it in items)


def test_a_conversation_nobody_reacted_in_is_the_users_writing(tmp_path: Path) -> None:
    import json

    one_shot = {"uuid": "x", "name": "quick", "chat_messages": [
        {"sender": "human", "text": "Is 40 km a week enough for a marathon?"},
        {"sender": "assistant", "text": "It can be, with one long run."},
    ]}
    f = tmp_path / "conversations.json"
    f.write_text(json.dumps([one_shot]), encoding="utf-8")
    items, s = read(f)
    assert [(it.input, it.response) for it in items] == [("", "Is 40 km a week enough for a marathon?")]
    assert items[0].meta and items[0].meta["kind"] == "writing"
    assert s.skipped["last answer had no reaction from the user"] == 1


def test_goodreads_library() -> None:
    items, s = read(FIX / "goodreads_library_export.csv")
    assert s.format == "goodreads" and s.read == 6 and s.items == 4
    first = items[0]
    assert first.score == 5.0 and first.response == "5" and first.label == "5"
    assert first.input.startswith("The Long Ridge by Mara Quill (2018)\n\nA gripping climb story.")
    assert "<br/>" not in first.input and "<i>" not in first.input and first.created_at == "2023-03-14"
    unrated = next(it for it in items if it.input.startswith("Café Stories"))
    assert unrated.score is None and unrated.response.startswith("Lovely vignettes")
    assert s.skipped["book neither rated nor reviewed (e.g. on the to-read shelf)"] == 1
    assert [(r.where, r.reason) for r in s.rejected] == [
        ("line 7 (Broken Row)", "rating 7 is outside 1-5 in steps of 1")
    ]


def test_letterboxd_files_and_zip(tmp_path: Path) -> None:
    ratings, s = read(FIX / "letterboxd_ratings.csv")
    assert s.format == "letterboxd" and [it.score for it in ratings] == [4.5, 2.0, 5.0, 3.5]
    reviews, _ = read(FIX / "letterboxd_reviews.csv")
    assert reviews[0].input.startswith("Night Train North (2019)\n\nThe long single take")
    assert "<b>" not in reviews[0].input and reviews[2].score is None
    z = tmp_path / "letterboxd-user-2024.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(FIX / "letterboxd_ratings.csv", "ratings.csv")
        zf.write(FIX / "letterboxd_reviews.csv", "reviews.csv")
        zf.writestr("watched.csv", "Date,Name,Year,Letterboxd URI\n")
    both, s = read(z)
    # Two rated films have reviews: their bare ratings are not imported a second time.
    assert s.items == 5 and s.skipped["film already imported with its review"] == 2
    assert sorted(it.score or 0 for it in both) == [0, 2.0, 3.5, 4.5, 5.0]


def test_chat_exports_inside_their_zip(tmp_path: Path) -> None:
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(FIX / "chatgpt_conversations.json", "conversations.json")
        zf.writestr("chat.html", "<html></html>")
    assert detect(z) == "chatgpt"
    items, s = read(z)
    assert s.items == 4 and len(items) == 4
    zc = tmp_path / "claude.zip"
    with zipfile.ZipFile(zc, "w") as zf:
        zf.write(FIX / "claude_conversations.json", "data-2024/conversations.json")
    assert detect(zc) == "claude"


@pytest.mark.parametrize(
    ("name", "text", "spec", "expected"),
    [
        ("notes.csv", "Q,A,Stars,When\nWhich tent?,The light one,4,2024-02-01\nAny tips?,,3,\n",
         "input=Q,output=A,score=Stars,created_at=When", [("Which tent?", "The light one", 4.0)]),
        ("notes.tsv", "Q\tA\nWhich tent?\tThe light one\n", "input=Q,output=A",
         [("Which tent?", "The light one", None)]),
        ("notes.json", '[{"q": {"text": "Which tent?"}, "a": "The light one", "s": 5}, 3]',
         "input=q.text,output=a,score=s", [("Which tent?", "The light one", 5.0)]),
        ("notes.jsonl", '{"prompt": "Which tent?", "reply": "The light one"}\n',
         "input=prompt,output=reply", [("Which tent?", "The light one", None)]),
    ],
)
def test_generic_with_map(tmp_path: Path, name: str, text: str, spec: str,
                          expected: list[tuple[str, str, float | None]]) -> None:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    items, s = read(f, mapping=parse_map(spec))
    assert [(it.input, it.response, it.score) for it in items] == expected
    if name in ("notes.csv", "notes.json"):
        assert s.rejected_total == 1  # the row without output / the element that is not an object


def test_generic_table_needs_a_map_that_fits(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text("Q,A\nx,y\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"columns Q, A.*--map"):
        make_plan(f)
    with pytest.raises(ImportFormatError, match=r"no column 'Answer'.*columns are: A, Q"):
        make_plan(f, mapping=parse_map("output=Answer"))
    with pytest.raises(ImportFormatError, match="FIELD=COLUMN"):
        parse_map("reply=A")
    with pytest.raises(ImportFormatError, match="needs output"):
        parse_map("input=Q")


def test_since_and_limit() -> None:
    since = parse_when("2024-05-02")
    items, s = read(FIX / "chatgpt_conversations.json", since=since)
    assert s.items == 2 and all(it.created_at and it.created_at >= "2024-05-02" for it in items)
    assert s.skipped["before --since"] == 2
    items, s = read(FIX / "chatgpt_conversations.json", limit=2)
    assert len(items) == 2 and s.limit_reached and s.read == 1  # stopped inside the first conversation


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "is empty"),
        (b'[{"mapping": {"a": {"message": null}}}, {"mapping": ', "not valid JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "Cannot tell the format"),
        (b"[1, 2", "not valid JSON"),
    ],
)
def test_files_that_are_not_what_they_say(tmp_path: Path, content: bytes, match: str) -> None:
    f = tmp_path / "conversations.json"
    f.write_bytes(content)
    with pytest.raises(ImportFormatError, match=match):
        plan = make_plan(f)
        list(scan(plan, plan.summary()))


def test_forcing_the_wrong_format_rejects_every_record() -> None:
    items, s = read(FIX / "claude_conversations.json", fmt="chatgpt")
    assert items == [] and s.rejected_total == 3
    assert s.rejected[0].reason == 'not a ChatGPT conversation (no "mapping" object)'


def test_long_texts_are_cut_not_lost(tmp_path: Path) -> None:
    import json

    conv = {"uuid": "x", "name": "long", "chat_messages": [
        {"sender": "human", "text": "Explain it."},
        {"sender": "assistant", "text": "word " * 10_000},
        {"sender": "human", "text": "Shorter please."},
    ]}
    f = tmp_path / "conversations.json"
    f.write_text(json.dumps([conv]), encoding="utf-8")
    plan = make_plan(f, max_chars=2_000)
    s = plan.summary()
    items = list(scan(plan, s, max_chars=2_000))
    assert len(items) == 1 and s.truncated == 1
    assert len(items[0].input) <= 2_000 and items[0].input.endswith("…")
