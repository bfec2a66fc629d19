"""The offline rewriter: the user's own words, protected spans, the edit plan, the guard."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mindprint.engine.features.style import style_profile
from mindprint.engine.rewrite.offline import (
    REWRITE_RULES,
    fidelity_check,
    protected_spans,
    rewrite_offline,
)
from mindprint.engine.types import Item


def profile(*texts: str) -> dict[str, Any]:
    return style_profile([Item(id=i, input="", response=t) for i, t in enumerate(texts)])


# A user who writes "u", "ur", "im", "dont", "gonna", "cuz", in lowercase, without
# a final period, with digits and "lol".
TEXTER = profile(
    "u know im gonna be late cuz of the bus lol",
    "dont tell ur mum, im serious lol",
    "ok u win, see u at 5",
    "im so tired cuz work was 2 long",
    "thx 4 the pics, u rock",
    "cant wait, its gonna be great lol",
)
# A user who writes standard, careful English.
FORMAL = profile(
    "I am currently reviewing the draft. You are right about the numbers.",
    "Thank you for your patience. I have attached the report.",
    "It is quite clear that the figures are correct. However, we must check them.",
    "Unfortunately, the meeting is on Monday. I will attend it.",
)


def rewrite(draft: str, style: dict[str, Any], *rules: str) -> str:
    return rewrite_offline(draft, style, rules=list(rules) if rules else None).text


def test_rule_names_are_stable() -> None:
    assert REWRITE_RULES == (
        "plain_words",
        "synonyms",
        "contractions",
        "textspeak",
        "drop_formal",
        "digits",
        "lowercase",
        "end_period",
    )


def test_unknown_rule_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown rewrite rules"):
        rewrite_offline("hi there", TEXTER, rules=["emoji"])


def test_no_history_leaves_the_draft_alone() -> None:
    res = rewrite_offline("I am currently busy.", {"n_texts": 0})
    assert res.text == "I am currently busy." and res.gaps


def test_no_rules_change_nothing() -> None:
    draft = "I am currently going to see you because it is difficult."
    assert rewrite_offline(draft, TEXTER, rules=[]).text == draft


def test_textspeak_follows_the_users_spelling() -> None:
    assert rewrite("Did you see your mom?", TEXTER, "textspeak") == "Did u see ur mom?"
    assert rewrite("I am going to call you because", TEXTER, "textspeak") == (
        "I am gonna call u cuz"
    )
    assert rewrite("Did you see your mom?", FORMAL, "textspeak") == "Did you see your mom?"


def test_textspeak_keeps_numbers_and_places() -> None:
    assert rewrite("from 5 to 6", TEXTER, "textspeak") == "from 5 to 6"
    assert "going to the store" in rewrite("I am going to the store", TEXTER, "textspeak")


def test_contractions_as_the_user_writes_them() -> None:
    assert rewrite("I am sure I'm right and I do not care.", TEXTER, "contractions") == (
        "Im sure Im right and I dont care."
    )
    # Never expanded, even for a user who writes full forms.
    assert rewrite("I'm sure it's fine.", FORMAL, "contractions") == "I'm sure it's fine."


def test_contractions_only_where_grammatical() -> None:
    assert rewrite("I have a dog.", TEXTER, "contractions") == "I have a dog."
    assert rewrite("I know what it is.", TEXTER, "contractions") == "I know what it is."


def test_plain_words_replace_formal_words_the_user_never_writes() -> None:
    assert rewrite("I am currently unable to purchase it.", TEXTER, "plain_words") == (
        "I am now not able to buy it."
    )
    assert rewrite("I'm unable to go.", TEXTER, "plain_words") == "I can't go."
    assert rewrite("However, it is difficult.", TEXTER, "plain_words") == "But it is hard."
    # The formal user writes "currently" themselves: kept.
    assert rewrite("I am currently busy.", FORMAL, "plain_words") == "I am currently busy."


def test_plain_words_keep_grammar() -> None:
    assert rewrite("I wish I could attend.", TEXTER, "plain_words") == "I wish I could attend."
    assert rewrite("I attend the show.", TEXTER, "plain_words") == "I go to the show."
    assert rewrite("My desire is simple.", TEXTER, "plain_words") == "My desire is simple."
    assert rewrite("I like it as well as that.", TEXTER, "plain_words") == (
        "I like it as well as that."
    )


def test_synonyms_use_the_users_word_but_not_inside_names() -> None:
    style = profile("my mum says hi", "mum is cooking tonight", "awesome game, awesome crowd")
    assert rewrite("My mom had a great day.", style, "synonyms") == "My mum had an awesome day."
    assert rewrite("We flew to Great Britain.", style, "synonyms") == "We flew to Great Britain."


def test_drop_formal_fillers() -> None:
    assert rewrite("Unfortunately, it rained.", TEXTER, "drop_formal") == "It rained."
    assert rewrite("It is quite good, indeed.", TEXTER, "drop_formal") == "It is good."
    assert rewrite("It is quite good.", FORMAL, "drop_formal") == "It is quite good."
    assert rewrite("Yes, unfortunately @amy left.", TEXTER, "drop_formal") == "Yes, @amy left."
    assert rewrite("Quite @amy", TEXTER, "drop_formal") == "@amy"
    assert rewrite("a, indeed, b", TEXTER, "drop_formal") == "a, b"


def test_digits() -> None:
    assert rewrite("I waited three hours.", TEXTER, "digits") == "I waited 3 hours."
    words_user = profile("two cats and three dogs", "it took five hours", "one of two")
    assert rewrite("I waited three hours.", words_user, "digits") == "I waited three hours."


def test_casing_and_end_period() -> None:
    assert rewrite("Hello There.", TEXTER, "lowercase", "end_period") == "hello there"
    assert rewrite("see http://example.com/x.", TEXTER, "end_period") == (
        "see http://example.com/x."
    )


def test_lowercase_keeps_names_products_and_code() -> None:
    draft = (
        "Speedgoat 6 is light. I ran 20 km in my Hoka Speedgoat 6 with the Garmin "
        "Forerunner, and `pip install FooBar` still works. The GPS is great."
    )
    assert rewrite(draft, TEXTER, "lowercase") == (
        "Speedgoat 6 is light. i ran 20 km in my Hoka Speedgoat 6 with the Garmin "
        "Forerunner, and `pip install FooBar` still works. the GPS is great."
    )
    res = rewrite_offline(draft, TEXTER, rules=["lowercase"])
    assert fidelity_check(draft, res.text) == []


def test_shares_of_texts_are_phrased_for_people() -> None:
    res = rewrite_offline("See you then.", TEXTER, rules=["end_period", "lowercase"])
    reasons = [e.reason for e in res.edits]
    assert "none of their 6 texts end with one" in reasons
    assert "all 6 of their texts are lowercase" in reasons
    everything = " ".join(reasons + res.profile)
    assert not re.search(r"\b(0|100)%", everything), everything


def test_full_rewrite_and_edit_plan() -> None:
    res = rewrite_offline(
        "I am currently going to see you because it is difficult. Unfortunately, I have three tasks.",
        TEXTER,
    )
    assert res.text == "im now gonna see u cuz its hard. i have 3 tasks"
    applied = [e for e in res.edits if e.applied]
    assert {e.factor for e in applied} >= {"vocabulary", "informality", "register"}
    textspeak = next(e for e in applied if e.change.startswith("their informal spelling"))
    assert "you → u" in textspeak.change and "'u' 4×" in textspeak.reason
    advice = [e for e in res.edits if not e.applied]
    assert any("'lol'" in e.change for e in advice)  # a habit, advised not applied
    assert any("'u'" in line for line in res.profile)


def test_each_rule_alone_changes_only_its_own_words() -> None:
    draft = "I am currently going to see you because it is difficult."
    full = rewrite(draft, TEXTER)
    for rule in REWRITE_RULES:
        alone = rewrite_offline(draft, TEXTER, rules=[rule])
        assert all(e.applied is False or rule_matches(e.change, rule) for e in alone.edits)
    assert full != draft


def rule_matches(change: str, rule: str) -> bool:
    prefix = {
        "plain_words": "plain words",
        "synonyms": "their own word",
        "contractions": "contractions",
        "textspeak": "their informal spelling",
        "drop_formal": "dropped formal",
        "digits": "numbers as digits",
        "lowercase": "lowercased",
        "end_period": "dropped the final period",
    }[rule]
    return change.startswith(prefix)


def test_profile_from_before_the_lexicon_gets_casing_only() -> None:
    old = {k: v for k, v in TEXTER.items() if k != "lexicon"}
    res = rewrite_offline("I am currently seeing you.", old)
    assert res.text == "i am currently seeing you"
    assert any("rebuild" in g for g in res.gaps)


def test_third_person_report_is_flagged() -> None:
    res = rewrite_offline("@amy expressed excitement about the trip.", TEXTER)
    assert any(e.factor == "voice" and not e.applied for e in res.edits)


# ----------------------------------------------------------------- protected spans

_WORDS = [
    "you", "your", "I", "am", "I'm", "currently", "However,", "because", "going", "to",
    "the", "store", "three", "is", "quite", "Great", "mom", "it", "is", "difficult", "and",
    "for", "see", "attend", "unfortunately", "okay", "with", "people", "later", ".", ",",
]
_SPANS = [
    "```\nyou are going to see it because\n```",
    "`I am currently`",
    "https://example.com/you/are?x=because",
    "www.example.org/three",
    "@you",
    "@currently_here",
    "#however",
    "#YouAre",
    "3",
    "2",
    "12:30",
    "4.5%",
    "http://example.com/x.",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_WORDS + _SPANS), st.sampled_from([" ", ", ", "\n", " (", ") "])),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from([TEXTER, FORMAL]),
)
def test_code_urls_mentions_and_numbers_are_never_altered(
    parts: list[tuple[str, str]], style: dict[str, Any]
) -> None:
    draft = "".join(word + sep for word, sep in parts).strip()
    out = rewrite_offline(draft, style).text
    spans = [s for s in protected_spans(draft) if not re.fullmatch(r"\d+", s)]
    pos = 0
    for span in spans:  # every span, verbatim and in order
        found = out.find(span, pos)
        assert found >= 0, (span, draft, out)
        pos = found + len(span)
    assert fidelity_check(draft, out) == []


# ------------------------------------------------------------------ fidelity check


def test_fidelity_catches_a_dropped_number() -> None:
    problems = fidelity_check("Meet me at 5 with 3 friends.", "Meet me with friends at 5.")
    assert problems == ["dropped number: 3"]


def test_fidelity_accepts_number_words_as_digits() -> None:
    assert fidelity_check("I have three cats.", "i got 3 cats") == []
    assert fidelity_check("I have 3 cats.", "i got three cats") == []


def test_fidelity_catches_a_changed_code_block() -> None:
    draft = "Run this:\n```\npip install mindprint\n```\nthen restart."
    rewritten = "run this:\n```\npip install mindprint==2\n```\nthen restart"
    problems = fidelity_check(draft, rewritten)
    assert len(problems) == 1 and problems[0].startswith("changed or dropped code block")
    assert fidelity_check("use `x = 1` here", "use `x=1` here")[0].startswith("changed")


def test_fidelity_catches_dropped_urls_mentions_and_names() -> None:
    draft = "Thanks @amy! Slides at https://example.com/s, ask Bob or NASA. #talk"
    rewritten = "thanks! slides are up, ask him"
    assert fidelity_check(draft, rewritten) == [
        "dropped URL: https://example.com/s",
        "dropped mention: @amy",
        "dropped hashtag: #talk",
        "dropped name: bob",
        "dropped name: nasa",
    ]
    assert fidelity_check(draft, draft.lower().replace("thanks", "thx")) == []
