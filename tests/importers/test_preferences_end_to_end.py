"""Issue 24's end-to-end target, with real parts: a ChatGPT export zip written here the
way ChatGPT writes it (an edited prompt, a regenerated answer, preferences said outright,
in passing and as a choice, an assistant that says "sounds good"), imported by the real
CLI into a real SQLite file with the real embedding model, then read through the MCP
SDK's client from the real `mindprint serve` over stdio."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from mindprint.engine.features.text import words
from mindprint.testing.chatgpt_export import Said, answer, ask, conversation, write_zip
from tests.importers.test_end_to_end import _cli, _env
from tests.server.support import MINDPRINT_BIN, call_ok

USER = "lena"
DAY = 86_400.0
T0 = 1_757_000_000.0

OLD_PROMPT = "Find me the cheapest flight from Berlin to Vienna next Friday."
REGENERATED = ("Sounds good! You could also drive: the A9 and the A2 take about seven hours, "
               "or share a ride on a carpooling site.")
CHATS: list[tuple[str, list[Said]]] = [
    ("Berlin to Vienna", [
        ask("I'd rather not fly. What's the best way to get from Berlin to Vienna next Friday?",
            edited_from=[(OLD_PROMPT, "Sounds good! Flights start at 39 euros with an early "
                                      "morning departure from BER.")]),
        answer("Sounds good! Without flying you have three options:\n"
               "1. The ÖBB Nightjet sleeper train (about 11 h overnight, from 59 euros)\n"
               "2. A daytime Railjet via Prague (about 8 h)\n"
               "3. A FlixBus coach (about 10 h, from 29 euros)",
               regenerated_from=[REGENERATED]),
        ask("I'll take the Nightjet sleeper train, the other options are too long for me "
            "during the day."),
        answer("Great choice, sounds good! Book a couchette early, they sell out on Fridays."),
        ask("Thanks!"),
    ]),
    ("Bake sale", [
        ask("What can I bake for the school bake sale this weekend? I'm allergic to peanuts, "
            "so it has to be nut-free."),
        answer("Sounds good! Nut-free ideas:\n- lemon bars\n- chocolate chip cookies made with "
               "seed butter\n- a classic Victoria sponge\nAlways check labels for 'may contain "
               "nuts'."),
        ask("Lemon bars it is, thanks."),
    ]),
    ("Index funds", [
        ask("Explain what an index fund is."),
        answer("Sounds good! An index fund is a type of mutual fund or exchange-traded fund "
               "designed to follow the performance of a market index such as the S&P 500. "
               "Instead of paying managers to pick stocks, it simply holds every company in "
               "the index in proportion to its size. This keeps costs low, spreads risk across "
               "hundreds of companies and, over long periods, beats most actively managed "
               "funds after fees. There are also bond index funds, sector funds and many "
               "more variations worth comparing before you choose one."),
        ask("Too long. Please keep answers to three sentences at most."),
        answer("Sounds good! It's a fund that holds every stock in an index. Costs are low. "
               "Most beat active funds over time."),
        ask("Perfect."),
    ]),
    ("String to date", [
        ask("How do I turn the string '2024-05-01' into a date in Python?"),
        answer("Sounds good? Use `datetime.date.fromisoformat('2024-05-01')`."),
        ask("Works, thanks."),
    ]),
    ("Lunch near the office", [
        ask("Suggest a vegetarian lunch place near Alexanderplatz.", edited_from=[
            ("Suggest a lunch place near Alexanderplatz.",
             "Sounds good! The Brauhaus does great schnitzel and sausages.")]),
        answer("Sounds good! Try the falafel place on Dircksenstraße, or the salad bar in the "
               "Alexa mall."),
        ask("Falafel it is."),
    ]),
    ("Gym timing", [
        ask("Since I work night shifts, what's a good time of day for me to go to the gym?"),
        answer("Sounds good! Go after you wake up, before your shift, rather than straight "
               "after it, when you need to wind down for sleep."),
        ask("Makes sense, thanks."),
    ]),
]


def _export(tmp_path: Path) -> Path:
    convs = [conversation(title, T0 + n * DAY, msgs) for n, (title, msgs) in enumerate(CHATS)]
    return write_zip(tmp_path / "chatgpt-export.zip", convs)


def _written() -> tuple[str, str]:
    """Everything the user wrote on the kept branches, and everything the assistant wrote."""
    user = [s.text for _, msgs in CHATS for s in msgs if s.role == "user"]
    assistant = [s.text for _, msgs in CHATS for s in msgs if s.role == "assistant"]
    assistant += [REGENERATED] + [a for _, msgs in CHATS for s in msgs for _, a in s.was if a]
    return "\n".join(user), "\n".join(assistant)


# A path quotes the person as `Said '...'`, `Pushed back '...'`, `Asked for '...'`, what an
# edit added as `Added, editing their message, '...'`, and a choice as `Chose '<the
# option>' over the other options: '<their words>'`.
_THEIRS = re.compile(
    r"""(?:Said|Pushed back|Asked for|editing their message,|other options:) (['"])(.*?)\1 \(""")


def _their_quotes(path: str) -> list[str]:
    return [m.group(2).rstrip("…") for m in _THEIRS.finditer(path)]


@pytest.mark.anyio
@pytest.mark.usefixtures("real_embedder")
async def test_preferences_in_a_chatgpt_export_come_back_through_mcp(
    tmp_path: Path, anyio_backend: str
) -> None:
    env = _env(tmp_path) | {"MINDPRINT_USER": USER}
    out = _cli(env, "import", str(_export(tmp_path)), "--user", USER)
    assert "Built" in out, out
    user_text, assistant_text = _written()

    params = StdioServerParameters(command=MINDPRINT_BIN, args=["serve"], env=env)
    async with Client(params, mode="legacy") as c:
        model = await call_ok(c, "get_user_factors", {})
        prefs = model["preferences"]
        quotes = [p["quote"] for p in prefs]
        for said in ("rather not fly", "allergic to peanuts", "three sentences", "night shifts",
                     "vegetarian"):
            assert any(said in q for q in quotes), (said, quotes)
        for p in prefs:  # quoted in their own words, from the items that said it
            assert p["quote"] in user_text and p["items"], p
        # What an edit added corrects the first version: "vegetarian" was added to the
        # prompt, the first version ("a lunch place") is no preference; "rather not" avoids.
        veg = next(p for p in prefs if "vegetarian lunch place" in p["quote"])
        assert veg["stance"] == "needs", veg
        assert next(p for p in prefs if "rather not fly" in p["quote"])["stance"] == "avoids"
        nightjet = next(p for p in prefs if "Nightjet" in p["quote"])
        assert "Nightjet" in nightjet["chosen"]  # the option picked from the kept answer
        assert not any(OLD_PROMPT in q or "cheapest" in q or q.startswith("Suggest a lunch")
                       for q in quotes)

        # Nothing built from the assistant's words: no "sound" from "Sounds good!", and
        # no factor named by a word only the assistant used.
        assistant_only = set(words(assistant_text)) - set(words(user_text))
        for f in model["factors"]:
            said = set(words(" ".join([f["name"], *f["members"]])))
            assert "sound" not in said and "sounds" not in said, f
            if f["name"] not in ("tone", "writing style"):
                assert not said & assistant_only, f

        quoted = 0
        # Each question needs one thing she said (either food constraint will do for the
        # dessert, either travel statement for the trip) and names none of it.
        for query, needed in [
            ("Can you suggest a dessert I could bring to a friend's party?", ("peanuts", "vegetarian")),
            ("How should I get from Munich to Paris next month?", ("fly", "Nightjet")),
        ]:
            found = await call_ok(c, "retrieve_reasoning_paths", {"query": query, "k": 3})
            first = found["preferences"][0]
            assert any(n in first["quote"] for n in needed), (query, found["preferences"])
            assert first["items"] and first["because"].startswith(first["domain"])
            quoted += _paths_quote_only_the_person(found["items"], user_text)
        assert quoted, "no path quoted the person"
        # Her instruction about answers comes with any question, apart from the topical ones.
        bond = await call_ok(c, "retrieve_reasoning_paths", {"query": "What is a bond, in plain words?"})
        assert any("three sentences" in said for said in bond["every_answer"]), bond
        assert not any("three sentences" in p["quote"] for p in bond["preferences"])


def _paths_quote_only_the_person(items: list[dict[str, Any]], user_text: str) -> int:
    """How many quotes the paths attribute to the person (each checked to be theirs)."""
    n = 0
    for hit in items:
        path = hit["reasoning_path"]
        assert "Sounds good" not in path and "sounds good" not in path, path
        for quote in _their_quotes(path):
            assert quote in user_text, (quote, path)
            n += 1
    return n
