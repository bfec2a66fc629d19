"""Standing instructions about answers: read from a person's words, checked on a draft.

Each rule flags a draft that breaks it, naming the evidence, and passes one that complies.
"""

from __future__ import annotations

import pytest

from mindprint.engine.rewrite.answers import LONG_WORDS, AnswerRules, breaks, rules, sentence_count
from mindprint.engine.rewrite.units import IMPERIAL, METRIC

BULLETS_7 = "\n".join(f"- tip number {i}" for i in range(7))
BULLETS_3 = "\n".join(f"- tip number {i}" for i in range(3))


@pytest.mark.parametrize(("quote", "expected"), [
    ("Please keep answers short, three bullet points at most.", AnswerRules(max_bullets=3, short=True)),
    ("Always give me numbers in metric units please.", AnswerRules(units=METRIC)),
    ("Please keep your answers short, no bullet points.", AnswerRules(max_bullets=0, short=True)),
    ("I want answers of three sentences at most, and no lists.", AnswerRules(max_sentences=3, max_bullets=0)),
    ("Answer in one or two sentences.", AnswerRules(max_sentences=2)),
    ("Keep it under 50 words.", AnswerRules(max_words=49)),
    ("No more than 100 words please.", AnswerRules(max_words=100)),
    ("One-sentence answers only.", AnswerRules(max_sentences=1)),
    ("Write in prose, not bullet points.", AnswerRules(max_bullets=0)),
    ("At most two paragraphs, please.", AnswerRules(max_paragraphs=2)),
    ("I hate emojis in answers.", AnswerRules(no_emoji=True)),
    ("Plain text please, no markdown.", AnswerRules(no_markdown=True)),
    ("Give me distances in km, not miles.", AnswerRules(units=METRIC)),
    ("I don't understand metric, use imperial units.", AnswerRules(units=IMPERIAL)),
    ("Use 24-hour time.", AnswerRules(clock24=True)),
])
def test_instructions_are_read_from_the_persons_words(quote: str, expected: AnswerRules) -> None:
    assert rules(quote, about_answers=True) == expected


@pytest.mark.parametrize("quote", [
    "I don't like short answers, give me detail.",  # the opposite of short
    "I have a short commute.",                      # not about answers
    "I run 10 km every morning.",                   # a unit, not an instruction
    "Please avoid jargon.",                         # nothing measurable
    "I'm flexible about format.",
    "I keep a to-do list, no more than 5 items.",   # a list of theirs, not an answer's
    "I always run 10 km before work.",
])
def test_words_that_ask_nothing_checkable_give_no_rule(quote: str) -> None:
    assert not rules(quote, about_answers=quote.startswith("Please"))


@pytest.mark.parametrize("quote", [
    "Any short, energizing activities we could do backstage?",
    "I need meals that don't take too long to prepare.",
    "I work in a 24-hour fitness center.",
    "I love the six-word memoir concept.",
    "The team moved the statue 150 feet in two minutes.",
    "I take short breaks and go for walks.",
])
def test_length_and_unit_words_about_things_are_not_instructions(quote: str) -> None:
    """Even where the reader filed the sentence under answers."""
    assert not rules(quote, about_answers=True)


def test_words_not_known_to_be_about_answers_must_say_so() -> None:
    assert not rules("That's way too long.", about_answers=False)
    assert rules("That's way too long.", about_answers=True) == AnswerRules(short=True)
    assert rules("I like short answers.", about_answers=False) == AnswerRules(short=True)
    assert rules("Give me distances in km.", about_answers=False) == AnswerRules(units=METRIC)
    assert not rules("I hate it when trips are short.", about_answers=False)


@pytest.mark.parametrize(("rule", "breaking", "evidence", "complying"), [
    (AnswerRules(max_bullets=3), BULLETS_7, "the draft has 7 list items (at most 3 asked)", BULLETS_3),
    (AnswerRules(max_bullets=0), "Tips:\n\n1. one\n2. two", "the draft uses a bulleted or numbered list",
     "Try one, then two."),
    (AnswerRules(short=True), "word " * 400, "the draft runs to 400 words", "word " * LONG_WORDS),
    (AnswerRules(max_words=20), "word " * 21, "the draft has 21 words (at most 20 asked)", "word " * 20),
    (AnswerRules(max_sentences=2), "It is far. Take the train. It is faster!",
     "the draft has 3 sentences (at most 2 asked)", "It is far, e.g. 300 km. Take the train."),
    (AnswerRules(max_paragraphs=1), "First part.\n\nSecond part.", "the draft has 2 paragraphs (at most 1 asked)",
     "First part.\nSecond line."),
    (AnswerRules(no_emoji=True), "Have fun 🎉", "emoji: 🎉", "Have fun :-)"),
    (AnswerRules(no_markdown=True), "## Plan\nGo early.", "markdown: “## Plan”", "Plan: go early."),
    (AnswerRules(units=METRIC), "It is about 220 miles and 75°F.", "imperial units: “220 miles”, “75°F”",
     "It is about 354 km, a 4 hour drive."),
    (AnswerRules(units=IMPERIAL), "Walk 5 km with 2 kg.", "metric units: “5 km”, “2 kg”", "Walk 3 miles."),
    (AnswerRules(clock24=True), "The train leaves at 3:30 pm.", "12-hour times: “3:30 pm”",
     "The train leaves at 15:30."),
])
def test_a_breaking_draft_is_flagged_with_its_evidence_and_a_complying_one_is_not(
    rule: AnswerRules, breaking: str, evidence: str, complying: str
) -> None:
    assert breaks(breaking, rule) == [evidence]
    assert breaks(complying, rule) == []


def test_units_given_with_their_equivalent_comply() -> None:
    assert breaks("Cook it at 129°F (54°C).", AnswerRules(units=METRIC)) == []


def test_code_blocks_are_not_counted_or_read() -> None:
    draft = "Run this:\n```\n- not a bullet\n- nor this 5 miles\n```"
    assert breaks(draft, AnswerRules(max_bullets=0, units=METRIC)) == []


def test_sentences_are_counted_past_abbreviations_and_decimals() -> None:
    assert sentence_count("Hello there. This is e.g. a test. Dr. Who is 5.5 m tall! Really?") == 4
