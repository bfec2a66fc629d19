"""Where a draft goes against what the user said about themselves.

Checked mechanically, offline: a sentence of the draft that puts forward what the user
avoids ("Garnish with fresh coriander." against "I hate coriander"), unless the sentence
itself steers away from it ("ask for it without coriander"); and the two standing
instructions about form a draft can be checked against (bullet points; length). What
the user avoids is named by the distinctive words of their own quote, without its
stance words; a match needs one of them in the sentence (plurals folded).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mindprint.engine.features.preferences import AVOIDS
from mindprint.engine.features.text import STOPWORDS, sentences, trim, words
from mindprint.engine.types import Factor

# Words that say a stance, or are too general to name what is avoided.
_NOT_OBJECTS = frozenset(
    ["avoid", "avoids", "avoided", "dislike", "dislikes", "hate", "hates", "can't", "cannot", "stand", "really", "strongly", "prefer", "like", "love", "enjoy", "never", "eat", "eating", "drink", "use", "using", "wear", "buy", "watch", "play", "listen", "go", "any", "anything", "things", "stuff", "kind", "kinds", "type", "types", "lot", "lots", "much", "many", "very", "too", "also", "makes", "make", "made", "feel", "gives", "give", "find", "strict", "strictly", "severe", "allergy", "allergic", "intolerant", "intolerance", "fan", "interested", "interest", "aversion", "fear", "afraid", "scared", "food", "foods", "products", "product", "places", "place", "activities", "activity", "items", "item", "something", "someone", "people"]
)
_STEERS_AWAY = re.compile(r"\b(no|not|without|avoid\w*|skip\w*|free|instead|except|hold the|leave out)\b", re.I)
_LIST_LINE = re.compile(r"(?m)^\s*(\d+[.)]|[-*•])\s+\S")
_NO_BULLETS = re.compile(r"\b(no|avoid|without|don'?t use|stop using)\b.{0,20}\b(bullet|bullets|lists?)\b", re.I)
_SHORT = re.compile(r"\b(short|shorter|brief|briefer|concise|succinct)\b", re.I)
# A draft longer than this is not short.
LONG_WORDS = 150


@dataclass(frozen=True, slots=True)
class Conflict:
    factor_id: str
    quote: str
    evidence: str

    def sentence(self) -> str:
        return f"Goes against what they said, “{trim(self.quote, 120)}”: {trim(self.evidence, 120)}"


def _stem(w: str) -> str:
    return w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w


def avoided_words(quote: str) -> set[str]:
    """The distinctive words of what a preference avoids."""
    return {
        _stem(w) for w in words(quote)
        if len(w) > 3 and w not in STOPWORDS and w not in _NOT_OBJECTS and not w.isdigit()
    }


def conflicts(text: str, preferences: Sequence[Factor]) -> list[Conflict]:
    """The current preferences ``text`` goes against, each with the words that show it."""
    out: list[Conflict] = []
    sents = sentences(text)
    for f in preferences:
        st = f.stats
        if st.get("kind") != "preference" or st.get("superseded_by"):
            continue
        quote = str(st.get("quote") or "")
        found = _form(text, quote) or (_mention(sents, quote) if st.get("stance") == AVOIDS else None)
        if found:
            out.append(Conflict(f.id, quote, found))
    return out


def _mention(sents: Sequence[str], quote: str) -> str | None:
    wanted = avoided_words(quote)
    if not wanted:
        return None
    for s in sents:
        said = {_stem(w) for w in words(s)}
        if said & wanted and not _STEERS_AWAY.search(s):
            return s
    return None


def _form(text: str, quote: str) -> str | None:
    """The instructions about form a text can be held to: no bullet points, short answers."""
    if _NO_BULLETS.search(quote) and _LIST_LINE.search(text):
        return "the draft uses a bulleted or numbered list"
    n = len(text.split())
    if _SHORT.search(quote) and re.search(r"\b(answers?|repl(y|ies)|responses?)\b", quote, re.I) and n > LONG_WORDS:
        return f"the draft runs to {n} words"
    return None
