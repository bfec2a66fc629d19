"""Where a draft goes against what the person said: each flag names the preference (quoted,
with its items) and the evidence; a complying draft gets none; units and clock times are
fixed where no content has to be invented."""

from __future__ import annotations

from typing import Any

from mindprint.engine.rewrite.conflicts import conflicts, fixes, instructions
from mindprint.engine.types import Factor

SHORT = "Please keep answers short, three bullet points at most."
METRIC = "Always give me numbers in metric units please."
BUDGET = "My budget is around 800 euros."
LINUX = "I run Linux only, I never use Windows or macOS."
PEANUTS = "Just so you know I'm allergic to peanuts, so no peanut butter."


def pref(fid: str, quote: str, stance: str, domain: str, item: int, **stats: Any) -> Factor:
    return Factor(fid, f"name of {fid}", quote, (fid,), {
        "kind": "preference", "quote": quote, "stance": stance, "domain": domain, "said_as": "stated",
        "items": [item], **stats})


ANA = [
    pref("p_short", SHORT, "needs", "answers", 4),
    pref("p_metric", METRIC, "likes", "answers", 2),
    pref("p_budget", BUDGET, "needs", "money", 5),
    pref("p_linux", LINUX, "avoids", "technology", 5),
    pref("p_peanuts", PEANUTS, "avoids", "food", 6),
]


def flags(text: str) -> dict[str, str]:
    return {c.factor_id: c.evidence for c in conflicts(text, ANA)}


def test_a_price_clearly_above_the_stated_budget_is_flagged() -> None:
    found = conflicts("Get the ThinkPad T14 for 1,400 euros, it is the best laptop for most people.", ANA)
    assert [(c.factor_id, c.quote, c.items, c.evidence) for c in found] == [
        ("p_budget", BUDGET, (5,), "“1,400 euros” above their budget of 800 EUR")]
    assert found[0].sentence() == (
        "Goes against what they said (item #5: “My budget is around 800 euros.”): "
        "“1,400 euros” above their budget of 800 EUR")
    assert flags("Get the ThinkPad T14 for 780 euros.") == {}
    assert flags("Get the ThinkPad T14 for $1,400.") == {}  # another currency: not comparable
    assert flags("Skip the 1,400 euros model, not worth it.") == {}  # steers away


def test_answer_instructions_are_flagged_with_the_drafts_evidence() -> None:
    seven = "\n".join(f"- snack {i}" for i in range(7))
    assert flags(seven) == {"p_short": "the draft has 7 list items (at most 3 asked)"}
    assert flags("word " * 400) == {"p_short": "the draft runs to 400 words"}
    assert flags("It is about 220 miles, roughly a 4 hour drive.") == {
        "p_metric": "imperial units: “220 miles”"}
    assert flags("- dried fruit\n- cheese\n- crackers") == {}
    assert flags("It is about 354 km, roughly a 4 hour drive.") == {}


def test_what_they_avoid_is_read_from_the_clause_that_says_it() -> None:
    assert flags("Get a MacBook, macOS is great for programming.") == {
        "p_linux": "Get a MacBook, macOS is great for programming."}
    assert flags("The ThinkPad T14 runs Linux well.") == {}  # what they use is not what they avoid
    assert "p_peanuts" in flags("Bring trail mix with peanuts.")


def test_an_instruction_about_answers_does_not_ban_its_own_words() -> None:
    long_ones = [pref("p_long", "I hate long answers with walls of text.", "avoids", "answers", 9)]
    assert conflicts("Short answers are best; text me.", long_ones) == []
    assert [c.evidence for c in conflicts("word " * 200, long_ones)] == ["the draft runs to 200 words"]


def test_a_superseded_preference_is_not_checked() -> None:
    old = [pref("p_old", BUDGET, "needs", "money", 5, superseded_by="p_new")]
    assert conflicts("It is 1,400 euros.", old) == []


def test_units_and_times_are_fixed_where_nothing_is_invented() -> None:
    prefs = [*ANA, pref("p_clock", "Use 24-hour time please.", "needs", "answers", 7, said_as="instruction")]
    text, done = fixes("It is about 220 miles; leave at 3 pm. A 5-mile walk after.", prefs)
    assert text == "It is about 354 km; leave at 15:00. A 5-mile walk after."
    assert {(f.factor_id, f.items, f.changes) for f in done} == {
        ("p_metric", (2,), (("220 miles", "354 km"),)), ("p_clock", (7,), (("3 pm", "15:00"),))}
    # What could not be converted is still flagged.
    assert flags(text) == {"p_metric": "imperial units: “5-mile”"}
    assert fixes("Walk 5 km.", prefs) == ("Walk 5 km.", [])


def test_the_llm_is_held_to_instructions_and_budgets_only() -> None:
    assert [f.id for f in instructions(ANA)] == ["p_short", "p_metric", "p_budget"]
