"""A person whose history is conversations: things they said about themselves among
ordinary exchanges, an assistant that says "sounds good", a choice among offered
options, and a later statement that replaces an earlier one. Built once per session
with the real model (the fixture), copied by the tests that change it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from mindprint.embed import FastEmbedEmbedder

CHAT_USER = "ana"
CHAT = [
    ("I avoid spicy food, it makes me ill.", "Got it, I'll keep that in mind."),
    ("What's a good way to learn Git branching?", "Start with `git switch -c` and merge often. Sounds good?"),
    ("I strongly prefer trains to flying whenever I travel.", "Noted, trains it is."),
    ("What workout would you recommend for me?",
     "Options: 1. HIIT sprints 2. steady-state cycling 3. CrossFit classes"),
    ("I'll go with option 2. The other options are too intense for me.", "Great choice."),
    ("I only buy from small independent brands.", "Understood."),
    ("How many days are in a leap year?", "366 days. Sounds good!"),
    ("Please keep your answers short, no bullet points.", "Sure."),
    ("I love spicy food these days, the hotter the better.", "Great, noted!"),
]
SPICY_THEN = "I avoid spicy food, it makes me ill."
SPICY_NOW = "I love spicy food these days, the hotter the better."
TRAINS = "I strongly prefer trains to flying whenever I travel."
BRANDS = "I only buy from small independent brands."
SHORT = "Please keep your answers short, no bullet points."
CHOICE = "I'll go with option 2. The other options are too intense for me."


def chat_history(
    db: Path, embedder: FastEmbedEmbedder, chat: Sequence[tuple[str, str]] = tuple(CHAT)
) -> None:
    """``chat`` (default: CHAT) as ana's history in ``db``, built."""
    from mindprint.app import Mindprint
    from mindprint.store import NewItem, Store

    m = Mindprint(Store.open(db), embedder, default_user=CHAT_USER)
    try:
        m.add_items(CHAT_USER, [
            NewItem(input=u, response=a, source="chat", created_at=f"2026-03-{n + 1:02d}T10:00:00+00:00",
                    meta={"kind": "turn"})
            for n, (u, a) in enumerate(chat)
        ])
        m.build(CHAT_USER)
    finally:
        m.close()  # the last connection checkpoints the WAL into the main file


@pytest.fixture(scope="session")
def chat_template(tmp_path_factory: pytest.TempPathFactory, real_embedder: FastEmbedEmbedder) -> Path:
    """A database holding ana's conversations, built (a few seconds, once)."""
    path = tmp_path_factory.mktemp("chats") / "mindprint.db"
    chat_history(path, real_embedder)
    return path
