"""The demo users, with the real model: the runner's factors are his reasons, with the
right direction; the chat person's factors are what she said about herself, and a
question that needs one brings it back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from rich.console import Console

from mindprint.app import Mindprint
from mindprint.cli.demo import CHAT_QUERY, CHATS, demo_file, run_demo
from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.features.text import words
from mindprint.store import Store
from mindprint.views import factors_view, retrieval_view
from tests.server.conftest import built_template  # noqa: F401 (fixture)


def test_ruis_top_factors_are_his_reasons(
    tmp_path: Path, built_template: Path, real_embedder: FastEmbedEmbedder  # noqa: F811
) -> None:
    # His demo history as `mindprint import` leaves it (imported, built, backtest measured),
    # made once per session by tests/server/conftest.py: a copy of it.
    shutil.copyfile(built_template, tmp_path / "demo.db")
    m = Mindprint(Store.open(tmp_path / "demo.db"), real_embedder)
    try:
        view = factors_view(m, "rui")
        top = {f.name: f for f in view.factors[:10]}
        assert {"weight", "battery life", "durability", "price/value"} <= set(top), list(top)
        # Things that break cost him most; heavier gear, and being judged badly, cost too.
        assert top["durability"].effect is not None and top["durability"].effect > 0
        assert top["durability"].effect_ci95 is not None and top["durability"].effect_ci95[0] > 0
        # Heavier gear costs him: the grams carry the effect, read as "lighter is better",
        # and the judgement is said at the same grams (issue 25).
        weight = top["weight"]
        # The interval is a t interval over his 46 items and straddles 0 or not by a few
        # hundredths with the penalty his own-history model picks, so only its sign is pinned.
        assert (weight.effect or 0) < 0 and weight.effect_ci95 is not None and weight.effect_ci95[0] < 0
        assert (weight.evidence or "").startswith("for weight, each doubling of g (lighter is better): -")
        assert "at the same g" in (weight.evidence or "")
        assert (top["battery life"].effect or 0) > 0 and "each doubling of h (longer is better): +" in (
            top["battery life"].evidence or "")
        price = top["price/value"]  # paying more costs him, or being judged good value helps
        assert (price.effect or 0) < 0 if "cheaper is better" in (price.evidence or "") else (price.effect or 0) > 0
        # Topics (what he bought) rank below the reasons with a measured effect.
        assert view.factors[0].name == "durability"
        # The prediction names what moved it.
        res = retrieval_view(m, "rui", "Review request: Feather Lite pack - 180 g, $120.", 3)
        assert res.likely_preference is not None
        # From the population his history chose by leave-one-out (the shipped model of
        # everyone, or his own history's model), said as such.
        assert " reads this as " in res.likely_preference.explanation
    finally:
        m.close()


def _said_in(export: Path) -> tuple[str, str]:
    """Everything the user wrote in a ChatGPT export, and everything the assistant wrote."""
    by_role: dict[str, list[str]] = {"user": [], "assistant": []}
    for conv in json.loads(export.read_text(encoding="utf-8")):
        for node in conv["mapping"].values():
            msg = node["message"]
            if msg and msg["author"]["role"] in by_role:
                by_role[msg["author"]["role"]].extend(msg["content"]["parts"])
    return "\n".join(by_role["user"]), "\n".join(by_role["assistant"])


def test_the_chat_persons_preferences_are_factors_and_come_back(
    tmp_path: Path, real_embedder: FastEmbedEmbedder
) -> None:
    m = Mindprint(Store.open(tmp_path / "demo.db"), real_embedder)
    out = Console(record=True, width=240)
    try:
        run_demo(m, out, Console(stderr=True, quiet=True), "rui", "maya")
        user_text, assistant_text = _said_in(demo_file(CHATS))
        view = factors_view(m, "maya")
        quotes = [p.quote for p in view.preferences]
        # What she said about herself, each quoted in her words, with the items that said it.
        for said in ("vegetarian", "coriander", "crowds", "trains to flying", "answers short",
                     "wide toe box"):
            assert any(said in q for q in quotes), (said, quotes)
        assert all(q in user_text and p.items for q, p in zip(quotes, view.preferences, strict=True))
        choice = next(p for p in view.preferences if p.chosen and "Eurostar" in p.quote)
        assert "TGV" in choice.chosen  # the option she picked, in the assistant's words
        assert choice.chosen.startswith("Train: Eurostar")  # as text: no "**Train**"
        short = next(p for p in view.preferences if "answers short" in p.quote)
        assert short.domain == "answers"
        # Nothing from the assistant: no "sound" from its "Sounds good!", and no factor
        # built from a word only the assistant used.
        assistant_only = set(words(assistant_text)) - set(words(user_text))
        for f in view.factors:
            if f.name not in ("tone", "writing style"):
                assert not set(words(" ".join([f.name, *f.members]))) & assistant_only, f
        # A question that needs what she said about food, without naming it.
        res = retrieval_view(m, "maya", CHAT_QUERY, 2)
        top = res.preferences[0]
        assert "vegetarian" in top.quote or "coriander" in top.quote, res.preferences
        assert top.because.startswith("food;")
        shown = out.export_text()
        assert top.quote in shown and f"why: {top.because}" in shown
        assert "I hate coriander, it tastes like soap to me." in shown
        last = [line for line in shown.splitlines() if line.strip()][-2:]
        assert last[0].startswith("Demo finished in ") and "--user maya" in last[0], last
        assert last[1] == "See your model in the browser: mindprint ui --user rui"
    finally:
        m.close()
