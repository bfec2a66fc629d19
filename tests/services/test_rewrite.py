"""rewrite_for_user's checks against what the person said, through the app: a real SQLite
file, preferences learned by the real model from a chat, every rewrite stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.settings import LimitSettings
from mindprint.store import Store
from tests.chats import CHAT_USER as USER
from tests.chats import chat_history

pytestmark = pytest.mark.model

CHAT = [
    ("I need a new laptop for programming. My budget is around 800 euros.", "Here are three options."),
    ("What's a good way to learn Git branching?", "Start with `git switch -c`. Sounds good?"),
    ("I weigh 92 kg. Always give me numbers in metric units please.", "Noted."),
    ("How many days are in a leap year?", "366 days."),
    ("That's way too long. Please keep answers short, three bullet points at most.", "Sure."),
]
BUDGET = "My budget is around 800 euros."
METRIC = "Always give me numbers in metric units please."
SHORT = "Please keep answers short, three bullet points at most."


@pytest.fixture
def app(tmp_path: Path, real_embedder: FastEmbedEmbedder) -> Mindprint:
    chat_history(tmp_path / "m.db", real_embedder, CHAT)
    return Mindprint(Store.open(tmp_path / "m.db"), real_embedder, limits=LimitSettings())


def item_of(app: Mindprint, quote: str) -> int:
    [f] = [f for f in app.store.get_factors(USER) if f.stats.get("quote") == quote]
    [item] = f.stats["items"]
    return int(item)


def test_a_draft_over_budget_or_too_long_is_flagged_with_quote_item_and_evidence(app: Mindprint) -> None:
    draft = "Get the MacBook Air M3 for 1,400 euros.\n" + "\n".join(f"- reason {i}" for i in range(7))
    out = app.rewriting.rewrite(USER, draft, "Which laptop should I buy?")
    found = {c["quote"]: c for c in out.trajectory["conflicts"]}
    assert found[BUDGET]["evidence"] == "“1,400 euros” above their budget of 800 EUR"
    assert found[BUDGET]["items"] == [item_of(app, BUDGET)]
    assert found[SHORT]["evidence"] == "the draft has 7 list items (at most 3 asked)"
    gaps = out.trajectory["gap_analysis"]["gaps"]
    assert f"Goes against what they said (item #{item_of(app, BUDGET)}: “{BUDGET}”): " \
        "“1,400 euros” above their budget of 800 EUR" in gaps
    # Stored as returned.
    stored = app.store.get_rewrite(USER, out.rewrite_id)
    assert stored is not None and stored["trajectory"]["conflicts"] == out.trajectory["conflicts"]


def test_a_complying_draft_gets_no_flag(app: Mindprint) -> None:
    out = app.rewriting.rewrite(USER, "Get the ThinkPad T14 for 780 euros.\n- solid Linux support\n- good keyboard")
    assert "conflicts" not in out.trajectory


def test_miles_become_kilometres_for_someone_who_asked_for_metric(app: Mindprint) -> None:
    out = app.rewriting.rewrite(USER, "It is about 220 miles, roughly a 4 hour drive.", "How far is Berlin from Prague?")
    assert "about 354 km" in out.text and "miles" not in out.text and out.changed
    [edit] = [e for e in out.trajectory["edit_plan"] if "354 km" in e["change"]]
    assert edit["applied"] is True and edit["change"] == "220 miles → 354 km"
    assert edit["reason"] == f"they asked (item #{item_of(app, METRIC)}): “{METRIC}”"
    assert "conflicts" not in out.trajectory
