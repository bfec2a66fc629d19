"""The History page says who said what: a review is what you were shown and what you
answered; a record_feedback exchange is your message and the assistant's answer (issue 25)."""

from __future__ import annotations

from mindprint.engine.types import Item
from mindprint.ui.pages import said


def test_feedback_is_labelled_as_your_message_and_the_assistants_answer() -> None:
    turn = Item(1, "Is this tent any good?", "It is light and sturdy.", score=4.0, kind="turn",
                note="too short")
    assert said(turn) == [("you said", "Is this tent any good?"),
                          ("the assistant answered", "It is light and sturdy."),
                          ("your comment", "too short")]


def test_reviews_chats_and_writing_keep_their_own_labels() -> None:
    review = Item(2, "Review request: Pika 300 headlamp", "64 g, 5/5", score=5.0)
    assert said(review) == [("you were shown", "Review request: Pika 300 headlamp"),
                            ("you answered", "64 g, 5/5")]
    chat = Item(3, "what is git?\nGit is a version control system.", "thanks", kind="exchange",
                prompt_chars=len("what is git?"))
    assert [who for who, _ in said(chat)] == ["you asked", "the assistant answered", "you replied"]
    assert said(chat)[0][1] == "what is git?"
    assert said(Item(4, "", "my own tweet", kind="writing")) == [("you wrote", "my own tweet")]
