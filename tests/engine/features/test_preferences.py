"""Preferences read from the user's side of a conversation, offline."""

from __future__ import annotations

import pytest

from mindprint.engine.features.preferences import (
    AVOIDS,
    IS,
    LIKES,
    NEEDS,
    STRICT,
    extract,
)
from mindprint.engine.features.reader import as_feature, with_place
from mindprint.engine.features.turns import (
    Turn,
    describe_edit,
    join_notes,
    previous_answers,
    user_turns,
)
from mindprint.engine.types import Item


def said(text: str, before: str = "", role: str = "message", reply: str = "") -> list:
    return extract([Turn(1, text, before, role, 0 if before else None, reply=reply)])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("I can't stand the smell of lavender; it gives me a headache.", AVOIDS),
        ("I avoid leather products.", AVOIDS),
        ("I'm not a fan of crowded beaches.", AVOIDS),
        ("I find stories about time travel boring.", AVOIDS),
        ("I strongly prefer trains to flying.", LIKES),
        ("I really love spicy Sichuan food.", LIKES),
        ("I follow a whole-food, plant-based diet.", NEEDS),
        ("I need a desk with room for two monitors.", NEEDS),
        ("I'm a wheelchair user.", IS),
        ("I'm vegetarian.", IS),
        ("I've been vegan for ten years.", IS),
        ("I'm Jewish.", IS),
    ],
)
def test_first_person_stances_are_read(text: str, stance: str) -> None:
    [p] = said(text)
    assert p.stance == stance
    assert p.quote == text
    assert p.kind == "stated"


@pytest.mark.parametrize(
    "text", ["I'm Sarah.", "I'm stuck.", "I'm back!", "I'm thinking about it.", "I'm late."]
)
def test_a_name_or_a_passing_state_is_no_identity(text: str) -> None:
    assert said(text) == []


def test_strict_words_make_a_strict_preference() -> None:
    [p] = said("I have a severe nut allergy and must avoid all nuts.")
    assert (p.stance, p.firmness) == (AVOIDS, STRICT)


@pytest.mark.parametrize(
    "text",
    [
        "Can you write me a Python function that parses dates?",
        "What is the capital of Australia?",
        "Explain this code: def f(x): return x[0]",
        "The lenses like a lensbaby are fun.",  # "like" as a preposition
        "Break the story into three parts.",  # "into" as a preposition
    ],
)
def test_requests_questions_and_code_are_not_preferences(text: str) -> None:
    assert said(text) == []


def test_a_stance_in_an_aside_of_a_question_counts() -> None:
    [p] = said("Any snack ideas for night shifts, since I follow a strict halal diet?")
    assert p.stance == NEEDS and p.firmness == STRICT


def test_a_preference_mentioned_in_passing_is_found_in_a_long_turn() -> None:
    text = (
        "Thanks for the ideas! I'm planning the wildlife program for next month. "
        "By the way, I usually avoid scented candles since I can't stand lavender. "
        "Do you know any good relaxation techniques?"
    )
    found = said(text)
    assert [p.quote for p in found] == [
        "By the way, I usually avoid scented candles since I can't stand lavender."
    ]


@pytest.mark.parametrize(
    ("text", "quote", "stance"),
    [
        (
            "I usually avoid anything with coconut due to my allergy, but do you have any "
            "dessert ideas?",
            "I usually avoid anything with coconut due to my allergy",
            AVOIDS,
        ),
        (
            "Speaking of themes, I avoid graphic novels with superhero themes, but I was "
            "wondering what comics you'd recommend for the waiting room?",
            "Speaking of themes, I avoid graphic novels with superhero themes",
            AVOIDS,
        ),
        (
            "I usually prefer cruelty-free and vegan beauty products to help me relax.",
            "I usually prefer cruelty-free and vegan beauty products to help me relax.",
            LIKES,
        ),
    ],
)
def test_a_stance_before_the_question_a_sentence_turns_to_counts(
    text: str, quote: str, stance: str
) -> None:
    """The stance clause before ", but <question>" is read alone, quoted as said; "to help me
    relax" is a purpose, not a request for help."""
    [p] = said(text)
    assert (p.quote, p.stance) == (quote, stance)


@pytest.mark.parametrize(
    "text",
    [
        "I'd love to, but can you tell me more first?",  # no content of its own
        "Can you help me plan a birthday party?",
        "It looks fine, but could you shorten the intro?",  # not in the first person
    ],
)
def test_a_clause_before_but_without_a_stance_of_its_own_is_no_preference(text: str) -> None:
    assert said(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "I'm looking for some advice on how to promote our book club meeting.",
        "I'm struggling to keep up with the orders this week.",
        "I'm having trouble deciding between the two.",
        "Which must-see sights should my family put first in Rome?",
    ],
)
def test_what_one_is_doing_now_or_a_must_see_is_no_preference(text: str) -> None:
    assert said(text) == []


def test_liking_what_the_assistant_proposed_is_a_reaction_not_a_preference() -> None:
    answer = "You could theme the snacks after the book and invite a local author to speak."
    assert said("I love the idea of themed snacks and inviting local authors!", answer) == []
    assert said("I like your suggestion about inviting an author.", answer) == []
    # Said with no answer to react to, the same words are the person's own taste.
    [p] = said("I love the idea of slow travel.")
    assert p.stance == LIKES


@pytest.mark.parametrize(
    "text",
    [
        "I like the sports tournament idea.",
        "Oh, I love the paper quilling idea!",
        "I appreciate all your helpful suggestions for our educational programs!",
        "We've had some basic training on domestic disputes, but I appreciate the additional tips.",
    ],
)
def test_liking_a_proposal_named_with_more_words_is_a_reaction(text: str) -> None:
    assert said(text, "You could run a sports tournament, a paper quilling class, or both.") == []


def test_a_stance_beside_a_reaction_still_counts() -> None:
    [p] = said("I usually prefer to avoid self-help books, so I appreciate the practical tips.",
               "Here are some practical tips for staying inspired.")
    assert p.stance == AVOIDS and "self-help" in p.quote


@pytest.mark.parametrize(
    "text",
    [
        "I'd love to hear more about the AIGA Design Conference.",
        "Yes, I'd love to know more about the course structure and duration.",
        "I've dabbled a bit with glazes, but I'd love to learn more about laminated dough techniques.",
    ],
)
def test_what_one_would_love_to_do_now_is_a_wish_not_a_like(text: str) -> None:
    assert said(text) == []


@pytest.mark.parametrize("text", ["I love to cook on weekends.", "I'd love a quiet room away from the lift."])
def test_loving_to_do_something_or_to_have_something_is_a_like(text: str) -> None:
    [p] = said(text)
    assert p.stance == LIKES


@pytest.mark.parametrize(
    "text", ["I'm a sucker for a good plate of biscuits and gravy.", "I'm not happy with noisy hotels."]
)
def test_a_verdict_about_oneself_is_still_read(text: str) -> None:
    assert len(said(text)) == 1


def test_the_assistants_words_are_never_read_for_stances() -> None:
    before = "I really love this plan. I avoid nothing. Sounds good!"
    assert said("Thanks.", before, role="reaction") == []


def test_a_reaction_pushing_back_is_a_correction() -> None:
    [p] = said("Too long, and no jargon please.", "A very long answer ...", role="reaction")
    assert p.kind == "correction"


def test_a_standing_instruction_about_answers() -> None:
    [p] = said("From now on, use metric units in every answer.")
    assert p.kind == "instruction" and p.stance == NEEDS
    assert said("Give me a list of Italian films.") == []  # a task, not a rule


def test_an_edit_that_cuts_an_answer_asks_for_shorter_answers() -> None:
    original = " ".join(["word"] * 100) + "\n- a\n- b"
    edited = " ".join(["word"] * 30)
    note = describe_edit(original, edited)
    assert note is not None and "shorter" in note and "bullet" in note
    assert describe_edit("same words here", "same words here") is None
    [short, bullets] = said(note, "an answer", role="comment")
    assert short.kind == "instruction" and bullets.kind == "correction"


def test_notes_join_each_remark_once() -> None:
    assert join_notes("too long", None, "too long", " no emoji ") == "too long\nno emoji"
    assert join_notes(None, "  ") is None


def test_turns_follow_who_wrote_what() -> None:
    exchange = Item(1, "I'm vegetarian, ideas?\n\nSure: a steak, a salad.", "Salad please", kind="exchange",
                    prompt_chars=len("I'm vegetarian, ideas?"))
    msg, reaction = user_turns(exchange)
    assert msg.text == "I'm vegetarian, ideas?" and msg.before == ""
    assert reaction.text == "Salad please" and reaction.before == "Sure: a steak, a salad."
    assert exchange.text == "I'm vegetarian, ideas?\nSalad please"  # never the assistant's
    turn = Item(2, "I'll take the salad", "Good choice", kind="turn", note="and no onions")
    [m, c] = user_turns(turn, "1. salad 2. steak", 7, "q\n1. salad 2. steak")
    assert (m.before_item, m.offer) == (7, "q\n1. salad 2. steak")
    assert c.role == "comment" and c.before == "Good choice"
    assert user_turns(Item(3, "a review input", "5 stars")) == []


def test_previous_answers_link_consecutive_turns_only() -> None:
    a = Item(1, "what should I cook?", "1. pasta 2. curry", kind="turn", created_at="2026-01-01T10:00")
    b = Item(2, "the curry", "ok", kind="turn", created_at="2026-01-01T10:01")
    c = Item(3, "a review", "4", created_at="2026-01-01T10:02")
    d = Item(4, "hello", "hi", kind="turn", created_at="2026-01-01T10:03")
    got = previous_answers([d, c, b, a])
    assert got == {2: (1, "1. pasta 2. curry", "what should I cook?\n1. pasta 2. curry")}


def edited(first: str, kept: str, role: str = "message") -> list:
    return extract([Turn(1, kept, "", role, revised=first)])  # type: ignore[arg-type]


FIRST = "Plan a long weekend in Lisbon for me in April."


def test_a_stance_an_edit_added_is_a_correction_held_firmly() -> None:
    # Allergic is strict on its own; inside a request ("please") it would fall below the
    # threshold if the user had not gone back to add it.
    text = "I'm allergic to shellfish, so no seafood places please."
    assert said(text) == []
    [p] = edited(FIRST, f"{FIRST} {text}")
    assert (p.kind, p.stance, p.firmness, p.quote) == ("correction", AVOIDS, STRICT, text)
    assert "shellfish" in p.added and "lisbon" not in p.added
    # A mere preference ("prefer") added in an edit is held firmly.
    [q] = edited(FIRST, f"{FIRST} I prefer trains to buses.")
    [plain] = said("I prefer trains to buses.")
    assert (plain.kind, plain.firmness) == ("stated", "prefer")
    assert (q.kind, q.stance, q.firmness) == ("correction", LIKES, "firm")
    assert as_feature(q).name == "likes trains buses"


@pytest.mark.parametrize(
    ("kept", "added"),
    [
        ("Plan a quiet long weekend in Lisbon for me in April.", "quiet"),
        ("Can you plan a cheap long weekend in Lisbon for me in April?", "cheap"),
        ("Plan a long weekend in Lisbon for me in April, somewhere walkable.", "somewhere walkable"),
    ],
)
def test_a_quality_an_edit_added_is_something_they_need(kept: str, added: str) -> None:
    assert said(kept) == []  # no stance: without the first version, nothing
    [p] = edited(FIRST, kept)
    assert (p.kind, p.stance, p.added, p.quote) == ("correction", NEEDS, added, kept)
    assert as_feature(p).name == f"needs {added}"
    assert dict(as_feature(p).detail)["added"] == added


@pytest.mark.parametrize(
    "kept",
    [
        "Plan a long weekend in Lisbon for me in May.",  # a detail swapped for another
        "Plan a long weekend in Lisbon for me in April, with a day in Sintra.",  # a name
        "Plan a long weekend in Lisbon for me in April for 4 people.",  # a number
        "Plan a long weekend in Lisbon for me in April. Could you find trains?",  # a new ask
        FIRST,  # nothing changed
    ],
)
def test_a_name_a_number_or_a_new_request_an_edit_added_is_the_task(kept: str) -> None:
    assert edited(FIRST, kept) == []


def test_a_sentence_the_first_version_had_reads_as_it_always_does() -> None:
    [r] = edited("I avoid crowds. Plan a weekend.", "I avoid crowds. Plan a weekend in Porto.")
    assert (r.kind, r.quote, r.added) == ("stated", "I avoid crowds.", "")
    # No first version: no edit to read.
    assert [p.kind for p in edited("", "I prefer trains to buses.")] == ["stated"]


def test_edits_reach_the_turns_of_an_exchange_and_a_writing() -> None:
    item = Item(1, "Plan a quiet weekend.\n\nSure: day 1 ...", "Shorter, and no museums please.",
                kind="exchange", prompt_chars=len("Plan a quiet weekend."),
                prompt_edited_from="Plan a weekend.", edited_from="Shorter.")
    prompt, reaction = user_turns(item)
    assert (prompt.revised, reaction.revised) == ("Plan a weekend.", "Shorter.")
    assert [(p.quote, p.added) for p in extract([prompt])] == [("Plan a quiet weekend.", "quiet")]
    writing = Item(2, "", "Draft a vegan menu for Sunday.", kind="writing",
                   edited_from="Draft a menu for Sunday.")
    [w] = user_turns(writing)
    assert w.revised == "Draft a menu for Sunday."
    assert [p.added for p in extract([w])] == ["vegan"]


@pytest.mark.parametrize(
    "text",
    ["I'd rather not fly if there is any other way.", "I prefer not to drive at night."],
)
def test_rather_not_is_avoiding(text: str) -> None:
    [p] = said(text)
    assert p.stance == AVOIDS


def test_an_instructions_domain_is_answers() -> None:
    [p] = said("From now on, use metric units in every answer.")
    [q] = said("I'm allergic to peanuts.")
    placed = [with_place(as_feature(x), 3, "food") for x in (p, q)]
    assert [dict(f.detail)["domain"] for f in placed] == ["answers", "food"]
    assert dict(placed[0].detail)["row"] == "3"


@pytest.mark.parametrize(
    "text",
    [
        "I need a new laptop for programming.",
        "We want another car for the family.",
        "I need some new clothes for the summer.",
        "Speaking of which, I need to buy some new work shirts.",
    ],
)
def test_asking_for_a_thing_to_get_is_a_request_not_a_standing_need(text: str) -> None:
    assert said(text) == []


def test_needing_a_thing_the_message_then_asks_about_is_a_request() -> None:
    turn = Turn(1, "I need a desk with room for two monitors. Which desk would fit a small room?", "",
                "message")
    assert extract([turn]) == []


@pytest.mark.parametrize(
    "text", ["I need wheelchair-accessible rooms.", "I need gluten-free food.", "I need a quiet room to sleep."]
)
def test_a_standing_need_stays_one(text: str) -> None:
    [p] = said(text)
    assert (p.stance, p.kind) == (NEEDS, "stated")


def test_the_rest_of_a_request_is_still_read() -> None:
    found = said("I need a new laptop for programming. I run Linux only, I never use Windows or "
                 "macOS. My budget is around 800 euros.")
    assert [p.quote for p in found] == ["I run Linux only, I never use Windows or macOS.",
                                        "My budget is around 800 euros."]


def test_a_fact_with_a_wish_beside_it_is_a_fact_with_its_quantity() -> None:
    """"I'd like to get down to 85" is a goal, not a taste: the sentence is a fact about the
    person, named with their own quantity."""
    [p] = said("I weigh 92 kg and I'd like to get down to 85.")
    assert (p.stance, p.kind) == (IS, "stated")
    assert as_feature(p).name == "is weigh 92 kg"
    assert said("I'd like to get down to 85.") == []  # a wish alone is no standing preference
    [q] = said("I'd like a quiet room facing the courtyard.")  # a taste, said conditionally
    assert q.stance == LIKES


def test_an_instructions_stance_is_not_its_habit_word() -> None:
    [p] = said("Always give me numbers in metric units please.")
    assert (p.kind, p.stance) == ("instruction", NEEDS)


def test_an_instruction_inside_a_pasted_task_is_for_that_task() -> None:
    task = ("The team completed 3 sprints of 35, 37 and 43 story points. The release is planned "
            "for 6 sprints. Did the team perform their roles correctly? Be sure to justify your answer.")
    assert said(task) == []
    # About answers in general, inside a task or alone, it is a rule.
    assert [p.kind for p in said(f"{task} Keep your answers short from now on.")] == ["instruction"]
    assert [p.kind for p in said("Be sure to justify your answers.")] == ["instruction"]


# What an assistant answers when it carries a request out (PrefEval's distractor chats).
WELDING = ("Ultrasonic welding is a relevant technology to consider. It uses high-frequency "
           "acoustic vibrations to generate heat and join materials together; for flexible "
           "packaging it seals pouches, laminates and films quickly, with no adhesives or "
           "solvents, and it suits the thin layers of a pouch well.")
ARRAYS = ("The passage describes the input the solver expects: dense or sparse arrays of 64-bit "
          "floats. Passing C-ordered arrays or CSR matrices avoids a copy, because any other "
          "layout is converted first, which costs memory and time on large data sets. The "
          "solvers listed differ in how they handle regularization.")


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        # One answer, not answers: "your answer" to this question.
        ("Be sure to justify your answer.", ""),
        # Said with the task it is for.
        ("What does the following Python code print? No explanation is needed.", "120"),
        # A request about this answer, which the reply carries out.
        ("please be more specific as for example ultrasonic welding", WELDING),
        ("Use C-ordered arrays or CSR matrices containing 64-bit floats for optimal performance; "
         "any other input format will be converted.", ARRAYS),
    ],
)
def test_a_request_for_the_task_at_hand_is_no_instruction_for_every_answer(text: str, reply: str) -> None:
    assert said(text, "An earlier answer.", reply=reply) == []


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("Please keep your answers short, no bullet points.", "Sure."),
        ("Always give me numbers in metric units please.", "Noted."),
        ("That's way too long. Please keep answers short, three bullet points at most.", "Sure."),
        ("Use metric units please.", "Sure, I will use metric units."),
        ("Be concise.", "Understood."),
        # About answers in general, even when the message also asks something.
        ("Keep answers short. What should I see in welding museums?", WELDING),
    ],
)
def test_a_standing_instruction_is_still_one(text: str, reply: str) -> None:
    found = said(text, "An earlier answer.", reply=reply)
    assert [p.kind for p in found] == ["instruction"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # How long, exact or formal to be, said of the answer: an instruction.
        ("Please be more specific.", "instruction"),
        ("Keep it casual.", "instruction"),
        ("Be less formal please.", "instruction"),
        # The same words said of a thing: a preference about that thing, which competes on
        # topic instead of being served with every answer.
        ("Avoid formal restaurants, I hate dressing up.", "stated"),
        ("No detailed itineraries, I like to wander.", "stated"),
        ("Avoid long flights.", "stated"),
        ("Keep it short and simple.", "instruction"),
        ("Less technical please.", "instruction"),
    ],
)
def test_how_long_exact_or_formal_to_be_is_about_answers_only_when_said_of_them(text: str, kind: str) -> None:
    found = said(text, "An earlier answer.", reply="Sure.")
    assert [p.kind for p in found] == [kind]


@pytest.mark.parametrize(
    ("text", "quote_words"),
    [
        ("No spicy food please.", "spicy food"),
        ("Please no seafood.", "seafood"),
        ("Avoid crowded places please.", "crowded places"),
    ],
)
def test_a_thing_turned_down_in_the_imperative_is_avoided(text: str, quote_words: str) -> None:
    """Said without "I", in a message of its own: the person's stance all the same."""
    [p] = said(text, "Any dietary needs or places to avoid?", reply="Noted.")
    assert (p.kind, p.stance, p.firmness) == ("stated", "avoids", "firm")
    assert quote_words in p.quote.lower()


@pytest.mark.parametrize(
    "text",
    ["No thanks.", "No problem, thanks!", "Never mind.", "No, I meant the other one.",
     "No I don't think so.", "No it's fine.", "Nothing works.", "No more questions.",
     "No spicy food?",
     # A line of a task, not a message of its own.
     "Summarise this log. No history found. No user statistics available."],
)
def test_a_reply_formula_or_a_line_of_a_task_is_no_refusal(text: str) -> None:
    assert said(text, "An earlier answer.", reply="Sure.") == []


def test_in_reaction_an_instruction_about_what_the_answer_said_is_for_that_answer() -> None:
    assert said("Be more specific about the welding part.", WELDING, role="reaction") == []
    [p] = said("Avoid jargon please.", WELDING, role="reaction")
    assert p.kind == "instruction"


@pytest.mark.parametrize(
    "text", ["I'll have to run it by the team.", "I guess we'll have to adapt as things change."]
)
def test_a_need_said_for_a_plan_is_the_plans(text: str) -> None:
    assert said(text) == []


def test_as_someone_who_speaks_of_oneself_in_an_aside() -> None:
    [p] = said("As someone who tends to avoid places that keep animals in captivity, do you have "
               "any suggestions for art destinations that don't involve zoos?")
    assert (p.stance, p.kind) == (AVOIDS, "stated")


def test_i_must_add_or_say_is_how_one_goes_on_not_a_need() -> None:
    assert said("I must add: this is not a problem when there are many small QWidget objects added.") == []
    [p] = said("I must say I really love hiking in the mountains.")
    assert p.stance == LIKES and p.firmness != "strict"
    [p] = said("I have coeliac disease, so I must avoid gluten completely.")
    assert p.stance == AVOIDS and p.firmness == "strict"


def test_pasted_tables_and_quizzes_are_not_the_persons_voice() -> None:
    assert said("Select the action that best completes the user story: As a pet owner, I want "
                "to _____ so that my cat doesn't get sick.") == []
    assert said("Columns: Business Area\tI usually prefer\tOwner\tStatus") == []
    [p] = said("As a pet owner, I want to keep my cat away from lilies.")  # said, not pasted
    assert p.stance in (LIKES, NEEDS, IS)


@pytest.mark.parametrize("text", [
    "I think a book-themed tea party would be a hit.",
    "There's a charming independent coffee shop downtown that I think would be perfect.",
    "We've done some coding challenges before, but I think something more creative could be fun.",
])
def test_a_verdict_on_a_possibility_under_discussion_is_the_plan_not_a_taste(text: str) -> None:
    assert said(text) == []


@pytest.mark.parametrize(("text", "stance"), [
    ("I think a crowded rooftop bar would be awful for me.", AVOIDS),  # said of oneself
    ("I think I'd be happier in a quiet neighbourhood.", LIKES),
    ("I think jazz is wonderful.", LIKES),
    ("I find crowded places exhausting.", AVOIDS),
])
def test_a_verdict_of_ones_own_taste_is_still_read(text: str, stance: str) -> None:
    [p] = said(text)
    assert p.stance == stance


@pytest.mark.parametrize("text", [
    "Speaking of which, I need to update my work boots.",
    "I've been using some flashcard apps, but I need to be more consistent.",
    "I need to check in with my dispatcher.",
])
def test_a_chore_or_a_resolution_of_the_moment_is_no_standing_need(text: str) -> None:
    assert said(text) == []


def test_a_standing_need_said_with_need_to_is_still_read() -> None:
    [p] = said("I need to avoid gluten because of my coeliac disease.")
    assert p.stance == AVOIDS
    [p] = said("I really need quiet to focus when I work.")
    assert p.stance == NEEDS
