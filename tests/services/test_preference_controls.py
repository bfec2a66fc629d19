"""The user's controls on their stated preferences, through the app (a real SQLite file,
the real model): a replaced statement is history, never served; a deleted source item
takes its preference at once; restated words are what the assistant gets; a preference
recorded since the last build can be vetoed and un-vetoed; History finds its items."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.settings import LimitSettings
from mindprint.store import Store
from mindprint.views import factors_view, is_preference, retrieval_view
from tests.chats import BRANDS, CHAT_USER, SHORT, SPICY_NOW, SPICY_THEN

pytestmark = pytest.mark.model


@pytest.fixture
def app(tmp_path: Path, chat_template: Path, real_embedder: FastEmbedEmbedder) -> Mindprint:
    shutil.copyfile(chat_template, tmp_path / "m.db")
    return Mindprint(Store.open(tmp_path / "m.db"), real_embedder, limits=LimitSettings())


def quotes(app: Mindprint) -> list[str]:
    return [p.quote for p in factors_view(app, CHAT_USER).preferences]


def pref_id(app: Mindprint, quote: str) -> str:
    return next(s.factor.id for s in app.controls.factors(CHAT_USER)
                if is_preference(s.factor) and s.factor.stats["quote"] == quote)


def test_a_replaced_statement_is_history_not_served(app: Mindprint) -> None:
    assert SPICY_NOW in quotes(app) and SPICY_THEN not in quotes(app)
    old = next(s.factor for s in app.controls.factors(CHAT_USER) if s.factor.stats.get("quote") == SPICY_THEN)
    assert old.stats["superseded_by"] == pref_id(app, SPICY_NOW)
    res = retrieval_view(app, CHAT_USER, "What dishes should I try in Bangkok?", 3)
    assert SPICY_THEN not in [p.quote for p in res.preferences]


def test_deleting_the_only_item_that_said_it_takes_the_preference_at_once(
    app: Mindprint, monkeypatch: pytest.MonkeyPatch,
) -> None:
    [item] = next(s.factor for s in app.controls.factors(CHAT_USER)
                  if s.factor.stats.get("quote") == BRANDS).stats["items"]
    monkeypatch.setattr(app.controls, "rebuild", lambda uid: None)  # as before any rebuild
    app.controls.delete_item(CHAT_USER, item)
    assert BRANDS not in quotes(app)
    res = retrieval_view(app, CHAT_USER, "Which wireless speaker should I get?", 3)
    assert BRANDS not in [p.quote for p in res.preferences]


def test_restated_words_are_what_the_assistant_gets(app: Mindprint) -> None:
    words = "I want answers of three sentences at most, and no lists."
    app.controls.edit(CHAT_USER, pref_id(app, SHORT), "answer length", words)
    assert words in quotes(app) and SHORT not in quotes(app)
    draft = "Tips:\n\n- one\n- two"
    conflicts = app.rewriting.rewrite(CHAT_USER, draft).trajectory["conflicts"]
    assert [c["quote"] for c in conflicts] == [words]
    # As learned, for the dashboard: the words they first said.
    assert SHORT in {
        s.factor.stats["quote"] for s in app.controls.factors(CHAT_USER) if is_preference(s.factor)}


def test_a_preference_recorded_since_the_build_is_steered_too(app: Mindprint) -> None:
    said = "I'm afraid of heights, so no cable cars or towers."
    app.feedback.record(CHAT_USER, "Suggest a weekend trip.", "Take the cable car up.", comment=said)
    fresh = next(s for s in app.controls.factors(CHAT_USER) if s.factor.stats.get("quote") == said)
    assert fresh.factor.id not in {f.id for f in app.store.all_factors(CHAT_USER)}  # not built
    assert said in quotes(app)
    app.controls.set(CHAT_USER, fresh.factor.id, "veto")
    assert said not in quotes(app)
    res = retrieval_view(app, CHAT_USER, "Which viewpoints in Lisbon should I visit?", 5)
    assert said not in [p.quote for p in res.preferences]
    app.controls.set(CHAT_USER, fresh.factor.id, "unveto")
    app.controls.edit(CHAT_USER, fresh.factor.id, "", "Heights scare me: keep me on the ground.")
    assert "Heights scare me: keep me on the ground." in quotes(app)


def test_history_finds_the_items_that_said_a_preference(app: Mindprint) -> None:
    ids = next(s.factor for s in app.controls.factors(CHAT_USER)
               if s.factor.stats.get("quote", "").startswith("I'll go with")).stats["items"]
    items, total = app.admin.search(CHAT_USER, "", "", among=ids)
    assert total == 2 and {it.id for it in items} == set(ids)
    assert app.admin.search(CHAT_USER, "HIIT", "", among=ids)[1] == 1
    assert app.admin.search(CHAT_USER, "", "", among=[])[1] == 0


def test_an_instruction_about_answers_is_served_as_edited_and_not_once_vetoed(app: Mindprint) -> None:
    unrelated = "What is the capital of Australia?"
    assert retrieval_view(app, CHAT_USER, unrelated, 3).every_answer == [SHORT]
    words, fid = "Answer in three sentences at most.", pref_id(app, SHORT)
    app.controls.edit(CHAT_USER, fid, "", words)
    assert retrieval_view(app, CHAT_USER, unrelated, 3).every_answer == [words]
    app.controls.set(CHAT_USER, fid, "veto")
    assert retrieval_view(app, CHAT_USER, unrelated, 3).every_answer is None
