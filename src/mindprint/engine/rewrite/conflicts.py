"""Where a draft goes against what the user said about themselves.

Checked mechanically, offline, each flag naming the preference (quoted, with its items)
and the evidence in the draft:

- standing instructions about answers (:mod:`.answers`): length, list form, markdown,
  emoji, units, 24-hour clock;
- a stated budget (:mod:`.money`): a price clearly above it, same currency and period;
- what the user avoids: a sentence that puts it forward ("Garnish with fresh coriander."
  against "I hate coriander"), unless the sentence itself steers away from it ("ask for
  it without coriander"). What is avoided is named by the distinctive words of their own
  quote, without its stance words; a match needs one of them in the sentence (plurals
  folded).

:func:`fixes` changes what can follow an instruction without new content (units
converted, times on the 24-hour clock); everything else is flagged only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mindprint.engine.features.preferences import AVOIDS
from mindprint.engine.features.text import STOPWORDS, sentences, trim, words
from mindprint.engine.rewrite.answers import AnswerRules, breaks, rules
from mindprint.engine.rewrite.money import Budget, amounts, budget
from mindprint.engine.rewrite.units import quantities, twelve_hour_times
from mindprint.engine.types import Factor

# Words that say a stance, or are too general to name what is avoided.
_NOT_OBJECTS = frozenset(
    ["avoid", "avoids", "avoided", "dislike", "dislikes", "hate", "hates", "can't", "cannot", "stand", "really", "strongly", "prefer", "like", "love", "enjoy", "never", "eat", "eating", "drink", "use", "using", "wear", "buy", "watch", "play", "listen", "go", "any", "anything", "things", "stuff", "kind", "kinds", "type", "types", "lot", "lots", "much", "many", "very", "too", "also", "makes", "make", "made", "feel", "gives", "give", "find", "strict", "strictly", "severe", "allergy", "allergic", "intolerant", "intolerance", "fan", "interested", "interest", "aversion", "fear", "afraid", "scared", "food", "foods", "products", "product", "places", "place", "activities", "activity", "items", "item", "something", "someone", "people"]
)
_STEERS_AWAY = re.compile(r"\b(no|not|without|avoid\w*|skip\w*|free|instead|except|hold the|leave out)\b", re.I)
_CLAUSE = re.compile(r"[,;:.!?]\s+|\s+(?:but|and|so|because|while|although)\s+", re.I)
_AVOIDING = re.compile(
    r"\b(no|not|never|without|avoid\w*|hate\w*|dislike\w*|detest\w*|allerg\w*|intoleran\w*|cannot|"
    r"refuse\w*|stand|afraid|fear\w*|scared|phobia)\b|n'?t\b", re.I)


@dataclass(frozen=True, slots=True)
class Conflict:
    factor_id: str
    quote: str
    evidence: str
    items: tuple[int, ...] = ()

    def sentence(self) -> str:
        said = f"{said_in(self.items)}: " if self.items else ""
        return f"Goes against what they said ({said}“{trim(self.quote, 120)}”): {trim(self.evidence, 160)}"


def said_in(items: Sequence[int]) -> str:
    """"item #4" / "item #4, #9": where the person said it."""
    return "item " + ", ".join(f"#{i}" for i in items)


@dataclass(frozen=True, slots=True)
class Fix:
    """Spans of a text changed to follow a standing instruction ("220 miles" → "about 354 km")."""

    factor_id: str
    factor: str
    quote: str
    items: tuple[int, ...]
    changes: tuple[tuple[str, str], ...]


def _stem(w: str) -> str:
    return w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w


def avoided_words(quote: str) -> set[str]:
    """The distinctive words of what a preference avoids: of the clauses that say the
    avoiding ("I never use Windows or macOS", not "I run Linux only") when it has several."""
    clauses = [c for c in _CLAUSE.split(quote) if _AVOIDING.search(c)] or [quote]
    return {
        _stem(w) for c in clauses for w in words(c)
        if len(w) > 3 and w not in STOPWORDS and w not in _NOT_OBJECTS and not w.isdigit()
    }


def current(preferences: Sequence[Factor]) -> list[Factor]:
    """The preferences that stand: stated ones not superseded by a later statement."""
    return [f for f in preferences
            if f.stats.get("kind") == "preference" and not f.stats.get("superseded_by")]


def _items(f: Factor) -> tuple[int, ...]:
    return tuple(int(i) for i in f.stats.get("items") or ())


def _about_answers(f: Factor) -> bool:
    return f.stats.get("domain") == "answers" or f.stats.get("said_as") == "instruction"


def answer_rules(f: Factor) -> AnswerRules:
    """The checkable instructions about answers in a preference's words."""
    return rules(str(f.stats.get("quote") or ""), about_answers=_about_answers(f))


def instructions(preferences: Sequence[Factor]) -> list[Factor]:
    """The current preferences a draft is held to beyond its topic: instructions about
    answers and stated budgets."""
    return [f for f in current(preferences)
            if _about_answers(f) or answer_rules(f) or budget(str(f.stats.get("quote") or ""))]


def conflicts(text: str, preferences: Sequence[Factor]) -> list[Conflict]:
    """The current preferences ``text`` goes against, each with the words that show it:
    instructions about answers it breaks, a stated budget it is clearly above, and what
    the person avoids that it puts forward."""
    out: list[Conflict] = []
    sents = sentences(text)
    for f in current(preferences):
        quote = str(f.stats.get("quote") or "")
        instructions, limit = answer_rules(f), budget(quote)
        found = breaks(text, instructions) + (_over_budget(sents, limit) if limit else [])
        # How to answer is not a topic: "I hate long answers" does not ban the word "answers".
        if not (instructions or limit or _about_answers(f)) and f.stats.get("stance") == AVOIDS:
            found = [s for s in [_mention(sents, quote)] if s]
        if found:
            out.append(Conflict(f.id, quote, "; ".join(found), _items(f)))
    return out


def fixes(text: str, preferences: Sequence[Factor]) -> tuple[str, list[Fix]]:
    """``text`` with what can be made to follow an instruction without new content
    (units in the system asked for, times on the 24-hour clock), and what changed."""
    spans: dict[int, tuple[int, str, Factor]] = {}
    for f in current(preferences):
        r = answer_rules(f)
        if r.units:
            for q in quantities(text):
                if q.system != r.units and q.converted and not q.paired:
                    spans.setdefault(q.start, (q.end, q.converted, f))
        if r.clock24:
            for t in twelve_hour_times(text):
                spans.setdefault(t.start, (t.end, t.converted, f))
    done: dict[str, list[tuple[str, str]]] = {}
    for start in sorted(spans, reverse=True):
        end, new, f = spans[start]
        done.setdefault(f.id, []).insert(0, (text[start:end], new))
        text = text[:start] + new + text[end:]
    by_id = {f.id: f for f in preferences}
    return text, [Fix(fid, by_id[fid].name, str(by_id[fid].stats.get("quote") or ""), _items(by_id[fid]),
                      tuple(changes)) for fid, changes in done.items()]


def _over_budget(sents: Sequence[str], limit: Budget) -> list[str]:
    """Prices clearly above the budget, in sentences that do not steer away from them."""
    over = [m.text for s in sents if not _STEERS_AWAY.search(s) for m in amounts(s) if limit.exceeded_by(m)]
    if not over:
        return []
    shown = ", ".join(f"“{t}”" for t in dict.fromkeys(over))
    return [f"{shown} above their budget of {limit.shown()}"]


def _mention(sents: Sequence[str], quote: str) -> str | None:
    wanted = avoided_words(quote)
    if not wanted:
        return None
    for s in sents:
        said = {_stem(w) for w in words(s)}
        if said & wanted and not _STEERS_AWAY.search(s):
            return s
    return None
