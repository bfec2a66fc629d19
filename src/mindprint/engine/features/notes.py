"""Notes on an answer: what the user said about it (a comment, a correction) and what their
edit of it says about how they want answers, as sentences the preference extractor reads."""

from __future__ import annotations

from mindprint.engine.features.preferences import LIST_LINE

# An edit that keeps less than this share of an answer's words asks for shorter answers
# (more than its inverse, for longer ones).
SHORTER = 0.6
MAX_NOTE_CHARS = 2000


def describe_edit(original: str, edited: str) -> str | None:
    """What a user's edit of an answer says about how they want answers, as a sentence
    the extractor reads as an instruction; None when the edit says nothing general."""
    before, after = len(original.split()), len(edited.split())
    out = []
    if before and after < SHORTER * before:
        out.append(f"Keep answers shorter (I cut one from {before} to {after} words).")
    elif after and before < SHORTER * after:
        out.append(f"Give longer answers (I expanded one from {before} to {after} words).")
    if LIST_LINE.search(original) and not LIST_LINE.search(edited):
        out.append("No bullet points (I removed them from an answer).")
    return " ".join(out) or None


def join_notes(*notes: str | None) -> str | None:
    """Everything the user said about one answer, oldest first, each once, bounded."""
    parts = list(dict.fromkeys(n.strip() for n in notes if n and n.strip()))
    return "\n".join(parts)[-MAX_NOTE_CHARS:] or None
