"""The language of stances: which stance a sentence takes, read without a topic word list,
and which offered option a reply picks, read from the user's words only."""

from __future__ import annotations

import pytest

from mindprint.engine.features.preferences import Stated, extract
from mindprint.engine.features.stances import (
    AVOIDS,
    IS,
    LIKES,
    NEEDS,
    cue,
    offered,
    stance_of,
    which,
)
from mindprint.engine.features.text import words
from mindprint.engine.features.turns import Turn


def stance(text: str) -> str | None:
    low = text.lower()
    found = cue(low, set(words(low)), text)
    return found[1] if found is not None else None


@pytest.mark.parametrize(
    "text",
    [
        "I'm exhausted after my 12-hour shift at the hospital.",
        "I'm particularly worried about the research permits.",
        "I'm not sure which type to choose.",
        "I'm mainly struggling with time management.",
        "I'm excited to try these ideas.",
        "I'm curious about the future of libraries.",
    ],
)
def test_how_one_is_right_now_is_no_stance(text: str) -> None:
    assert stance(text) is None


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("I'm really interested in organic farming methods.", LIKES),
        ("I'm fascinated by deep-sea creatures.", LIKES),
        ("I'm not happy with noisy hotels.", AVOIDS),
        ("I find stories about time travel boring.", AVOIDS),
        ("I weigh 92 kg.", IS),
    ],
)
def test_a_verdict_on_something_or_a_fact_about_oneself_is_read(text: str, said: str) -> None:
    assert stance(text) == said


def test_a_habit_word_alone_does_not_set_an_instructions_stance() -> None:
    assert stance_of("always give me numbers in metric units please.", NEEDS) == NEEDS
    assert stance_of("never use bullet points, i hate them.", NEEDS) == AVOIDS


# -- revealed choices -------------------------------------------------------------------


def said(text: str, before: str = "", role: str = "message") -> list[Stated]:
    return extract([Turn(1, text, before, role, 0 if before else None)])  # type: ignore[arg-type]


OPTIONS = (
    "Here are some options:\n1. A HIIT workout with short bursts.\n"
    "2. A Tabata routine.\n3. Steady-state cardio like brisk walking or cycling.\n"
    "4. Circuit training with intervals."
)


def test_a_reply_picking_an_offered_option_is_a_revealed_choice() -> None:
    [p] = said("I'll go with option 3. The other options with intense bursts don't appeal to me.",
               OPTIONS)
    assert p.kind == "choice" and p.stance == LIKES
    assert p.chosen.startswith("Steady-state cardio")
    assert p.offer == ""  # the turn carried no offer text
    assert p.firmness == "firm"  # it turned the others down


def test_a_choice_is_matched_by_the_words_of_the_option_when_not_numbered() -> None:
    [p] = said("I think I'll go with the brisk walking, thanks.", OPTIONS)
    assert p.chosen.startswith("Steady-state cardio")


def test_a_reply_calling_one_option_a_good_option_is_a_choice() -> None:
    [p] = said("The steady-state cardio sounds like a good option. The others might be a bit "
               "hard on my knees.", OPTIONS)
    assert p.kind == "choice" and p.chosen.startswith("Steady-state cardio")


def test_a_choice_called_a_nice_safe_option_is_a_choice() -> None:
    snacks = ("You could bring fresh fruit skewers with a yogurt dipping sauce, baklava pastries "
              "with pistachios, homemade trail mix with almonds, or peanut butter cookies.")
    [p] = said("I think the fresh fruit skewers with yogurt dipping sauce would be a nice, safe "
               "option. The others contain nuts which some people may be allergic to.", snacks)
    assert p.kind == "choice" and "fresh fruit skewers" in p.chosen and "baklava" not in p.chosen


def test_a_reply_that_only_sounds_pleased_is_no_choice() -> None:
    assert said("That sounds great, thanks!", OPTIONS) == []
    assert said("Good to know, that looks like a lot of work.", OPTIONS) == []


def test_a_report_that_code_failed_turns_down_no_option() -> None:
    code = ("In that case, you have two options:\n1. Call setVerticalScrollBarPolicy on the "
            "scroll area.\n2. Call setupViewport() on the layout.")
    failed = ("1. Already done: self.scroll_area.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOn) "
              "2. That method doesn't work on a QVBoxLayout: TypeError: setupViewport(self, "
              "viewport: QWidget): argument 1 has unexpected type 'CustomVBoxLayout'")
    assert said(failed, code) == []
    assert said("Still doesn't work for me:\nTraceback (most recent call last): ...", code) == []
    [p] = said("The Tabata routine doesn't really work for me.", OPTIONS)  # still a rejection
    assert p.kind == "choice"
    [p] = said("I'll go with option 1, the setupViewport() call raised a TypeError: bad type.", code)
    assert p.kind == "choice" and p.chosen.startswith("Call setVerticalScrollBarPolicy")


def test_without_options_before_it_a_reply_is_not_a_choice() -> None:
    assert said("I'll go with option 3.", "Understood, noted.") == []


def test_offered_reads_lists_inline_numbers_and_prose() -> None:
    assert len(offered("Options:\n- a red one\n- a blue one\n- a green one")) == 3
    assert len(offered("Try 1. the museum 2. the park 3. the zoo today")) == 3
    assert len(offered("Consider a fleece blanket, a wool blanket, or a cashmere throw for warmth.")) >= 3
    assert offered("Understood, a great choice.") == []


def test_offered_options_lose_markdown_emphasis() -> None:
    answer = ("You have three options:\n1. **Train**: the Nightjet, 11 h overnight\n"
              "2. __Coach__: FlixBus, 10 h\n3. **Plane**: 1 h 20, from BER")
    assert offered(answer) == ["Train: the Nightjet, 11 h overnight", "Coach: FlixBus, 10 h",
                               "Plane: 1 h 20, from BER"]
    [p] = said("I'll go with the train, the other options don't suit me.", answer)
    assert p.chosen == "Train: the Nightjet, 11 h overnight"


GRINDERS = ("Options: a Baratza Encore (electric, 150 euros), a Timemore C2 (manual, 70 euros), "
            "or a Comandante (manual, 250 euros).")


def test_prose_options_are_not_split_inside_brackets() -> None:
    assert offered(GRINDERS) == ["a Baratza Encore (electric, 150 euros)",
                                 "a Timemore C2 (manual, 70 euros)", "a Comandante (manual, 250 euros)"]


def test_the_chosen_option_is_the_one_named_never_the_one_turned_down() -> None:
    """"Electric" is said turning something down: it counts against the Baratza, which the
    reply shares as many words with as with the Timemore."""
    [p] = said("The Timemore sounds perfect. I don't want anything electric on my counter.", GRINDERS)
    assert (p.kind, p.chosen) == ("choice", "a Timemore C2 (manual, 70 euros)")
    # Naming only what they turn down picks nothing.
    assert which("i don't want the baratza, it's electric.", offered(GRINDERS)) is None


def test_words_of_the_rejected_options_count_against_them() -> None:
    palettes = ("Try these:\n1. The Glitz Palette offers shimmery, glittery shades.\n"
                "2. The Nude Matte Palette has neutral, matte shades.\n"
                "3. The Sparkle Palette has glittery and shimmery shades.")
    [p] = said("I think I'll go with the Nude Matte Palette. The other options seem a bit too "
               "shimmery or glittery for my everyday preferences.", palettes)
    assert p.chosen.startswith("The Nude Matte Palette")


def test_inline_numbered_options_end_with_their_sentence() -> None:
    answer = ("Here are three options: 1) Lenovo ThinkPad T14 2) Dell XPS 13 3) MacBook Air M2. "
              "The ThinkPad has excellent Linux support.")
    assert offered(answer) == ["Lenovo ThinkPad T14", "Dell XPS 13", "MacBook Air M2."]
    [p] = said("I'll go with the ThinkPad. The MacBook is out of the question and the XPS is too "
               "glossy for me.", answer)
    assert (p.chosen, p.firmness) == ("Lenovo ThinkPad T14", "firm")


def test_praise_that_names_no_option_is_no_choice() -> None:
    """Praise of the whole answer ("Those sound perfect") picks nothing, even when a word of
    it happens to be in an option; praise whose subject is an option picks it."""
    ideas = ("You could visit the botanical garden, take a pottery class, or try the climbing "
             "wall downtown with some friends this weekend.")
    assert [p.kind for p in said("That sounds perfect! Thanks a lot.", ideas)] == []
    assert [p.kind for p in said("Those ideas with friends sound perfect!", ideas)] == []
    [p] = said("The botanical garden sounds perfect!", ideas)
    assert (p.kind, p.chosen) == ("choice", "You could visit the botanical garden")


def test_a_pick_said_as_a_habit_is_a_standing_preference() -> None:
    [p] = said("I tend to go for vegan options that are still durable.", OPTIONS)
    assert (p.kind, p.stance) == ("stated", LIKES)


@pytest.mark.parametrize(
    ("reply", "picked"),
    [("i'll take the second one.", 1), ("option 3 for me.", 2), ("the comandante, not the timemore.", 2)],
)
def test_which_reads_numbers_ordinals_and_names(reply: str, picked: int) -> None:
    assert which(reply, offered(GRINDERS)) == picked


def test_an_option_named_with_commas_in_praise_is_chosen() -> None:
    """The praise's subject runs over commas: "The salad with ..., avocado, and olive oil
    dressing sounds like a good option" names the salad."""
    meals = ("You could try a salad with grilled chicken, avocado, and olive oil dressing, a creamy "
             "carbonara, or a deep-fried fish and chips.")
    [p] = said("The salad with grilled chicken, avocado, and olive oil dressing sounds like a good "
               "option.", meals)
    assert p.kind == "choice" and p.chosen in ("You could try a salad with grilled chicken", "olive oil dressing")
