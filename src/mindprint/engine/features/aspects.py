"""Aspects a text judges and quantities it states: the *reasons* behind an answer. Pure.

A factor should say how a person judges ("weight", "price/value"), not what they
bought ("shoe"). Topic phrases still come from the content features; this module adds
two kinds of reason feature:

- **aspect**: an attribute the text talks about, from a small *generic* inventory of
  attributes that products, media and services are judged on (weight, price/value,
  durability, battery life, comfort, ...), each with the judgement's polarity in that
  clause. Polarity comes from the aspect's own cue words where they decide it ("snapped"
  is bad for durability, "light" good for weight: a sentiment lexicon knows neither),
  else from the clause's sentiment, with simple negation.
- **quantity**: a number with a unit ("265 g", "$140", "20 h", "6 mm"), mapped to the
  attribute the unit measures; its context is the canonical quantity, so statistics can
  read the value back.

The inventory is deliberately short and domain-neutral; anything outside it is still
found as a topic phrase and grouped by embedding (see :mod:`mindprint.engine.factors.grouping`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mindprint.engine.types import Feature

NEGATORS = frozenset({"not", "no", "never", "hardly", "isn't", "wasn't", "doesn't", "don't",
                      "didn't", "can't", "won't", "nothing"})


@dataclass(frozen=True, slots=True)
class Aspect:
    name: str
    terms: tuple[str, ...]  # mentions that name the attribute (neutral)
    good: tuple[str, ...] = ()  # cue phrases that judge it well
    bad: tuple[str, ...] = ()  # ... and badly


INVENTORY: tuple[Aspect, ...] = (
    Aspect("weight", ("weight", "weighs", "grams", "ounces", "pounds"),
           ("light", "lighter", "lightest", "lightweight", "featherweight"),
           ("heavy", "heavier", "heft", "a lot to carry", "a lot to lug", "too much to carry")),
    Aspect("price/value", ("price", "cost", "costs", "money", "paid", "priced", "dollars"),
           ("cheap", "affordable", "bargain", "worth", "good value", "best value", "fair price",
            "great value", "inexpensive", "value for money", "good deal"),
           ("pricey", "expensive", "overpriced", "steep", "costly", "rip-off", "ripoff",
            "terrible deal", "bad trade", "a lot of money", "price is a joke", "price isn't")),
    Aspect("durability", ("durability", "durable", "wear", "lasted", "lifespan"),
           ("held up", "holds up", "survived", "still intact", "still holding", "still going",
            "still works", "no fraying", "no blowouts", "barely worn", "bombproof", "sturdy",
            "never break", "without cracking", "no drama"),
           ("broke", "broken", "breaks", "snapped", "ripped", "tore", "torn", "fell apart",
            "cracked", "frayed", "fraying", "blew out", "worn out", "wore out", "dead by",
            "stopped working", "defective", "flimsy", "leaking", "started leaking", "snagged")),
    Aspect("battery life", ("battery", "batteries", "charge", "charging", "runtime", "recharge"),
           ("one charge", "haven't plugged", "lasts all", "all day", "long battery"),
           ("dies", "died", "runs out", "running out", "drains", "eats the battery",
            "nowhere near a full")),
    Aspect("comfort", ("comfort", "cushioning", "padding"),
           ("comfortable", "comfy", "no chafing", "without any chafing", "doesn't bounce",
            "soft", "cushioned"),
           ("uncomfortable", "chafing", "chafe", "painful", "blisters", "stiff",
            "bounces", "neck workout")),
    Aspect("size and fit", ("size", "sizing", "fit", "fits", "dimensions", "capacity"),
           ("fits well", "true to size", "roomy"), ("too small", "too big", "tight", "loose")),
    Aspect("sound", ("sound", "sounds", "audio", "volume", "noise", "tone"),
           ("warm", "clear", "crisp", "quiet", "rich"), ("noisy", "hum", "hums", "buzz", "tinny",
                                                         "muddy", "distorted")),
    Aspect("taste", ("taste", "tastes", "flavor", "flavour", "palate"),
           ("tasty", "delicious", "balanced"), ("bland", "watery", "sour", "off-flavor")),
    Aspect("aroma", ("aroma", "smell", "smells", "nose", "scent"), ("fragrant",), ("stinks",)),
    Aspect("looks", ("look", "looks", "colour", "colours", "color", "colors", "design",
                     "appearance", "finish"), ("gorgeous", "beautiful", "pretty", "sleek"),
           ("ugly",)),
    Aspect("ease of use", ("setup", "controls", "buttons", "interface", "instructions"),
           ("easy", "simple", "intuitive", "quick to"), ("confusing", "complicated", "fiddly",
                                                         "difficult", "hard to")),
    Aspect("performance", ("performance", "speed", "power", "accuracy", "grip", "traction",
                           "brightness"),
           ("fast", "powerful", "accurate", "grips", "bright", "works great", "works well"),
           ("slow", "weak", "inaccurate", "jumpy", "laggy", "dim")),
    Aspect("service", ("shipping", "delivery", "customer service", "support", "seller",
                       "warranty"), ("arrived quickly", "helpful"), ("never arrived", "rude")),
)

# Unit -> (attribute, canonical unit, factor to canonical).
UNITS: Mapping[str, tuple[str, str, float]] = {
    "g": ("weight", "g", 1.0), "gram": ("weight", "g", 1.0), "grams": ("weight", "g", 1.0),
    "kg": ("weight", "g", 1000.0), "oz": ("weight", "g", 28.35),
    "lb": ("weight", "g", 453.6), "lbs": ("weight", "g", 453.6),
    "h": ("battery life", "h", 1.0), "hr": ("battery life", "h", 1.0),
    "hrs": ("battery life", "h", 1.0), "hours": ("battery life", "h", 1.0),
    "mah": ("battery life", "mAh", 1.0),
    "mm": ("size and fit", "mm", 1.0), "cm": ("size and fit", "mm", 10.0),
    "l": ("size and fit", "L", 1.0), "lumens": ("performance", "lumens", 1.0),
}
CURRENCY = {"$": "$", "€": "€", "£": "£"}

_QTY_RE = re.compile(
    r"(?P<cur>[$€£])\s?(?P<cval>\d+(?:[.,]\d+)?)"
    r"|(?P<val>\d+(?:[.,]\d+)?)\s?(?P<unit>kg|g|grams?|oz|lbs?|h|hrs?|hours|mah|mm|cm|l|lumens)\b",
    re.IGNORECASE,
)
_CLAUSE_RE = re.compile(r"[.!?;]+\s*|,\s*|\s+(?:but|though|although|while|whereas)\s+", re.I)
_WORD_RE = re.compile(r"[a-z0-9'$€£-]+")


def quantities(text: str) -> list[Feature]:
    """Numbers with units, one feature each (name: the attribute, context: "265 g")."""
    out: list[Feature] = []
    for m in _QTY_RE.finditer(text):
        if m.group("cur"):
            value = float(m.group("cval").replace(",", "."))
            out.append(Feature("price/value", f"{CURRENCY[m.group('cur')]}{value:g}", "quantity"))
            continue
        attribute, unit, factor = UNITS[m.group("unit").lower()]
        value = float(m.group("val").replace(",", ".")) * factor
        out.append(Feature(attribute, f"{value:g} {unit}", "quantity"))
    return out


def quantity_value(context: str) -> float | None:
    """The number in a quantity feature's context ("265 g" -> 265.0)."""
    m = re.search(r"-?\d+(?:\.\d+)?", context)
    return float(m.group(0)) if m else None


@functools.lru_cache(maxsize=4096)
def _words(phrase: str) -> tuple[str, ...]:
    return tuple(phrase.split())


def _has(phrase: str, tokens: list[str], present: frozenset[str] | None = None) -> int:
    """Position of ``phrase`` in the clause's tokens, or -1 (``present``: the tokens as a
    set, so that most phrases are ruled out by one lookup per word)."""
    parts = list(_words(phrase))
    if present is not None and not all(w in present for w in parts):
        return -1
    for i in range(len(tokens) - len(parts) + 1):
        if tokens[i : i + len(parts)] == parts:
            return i
    return -1


def _judge(
    aspect: Aspect, tokens: list[str], clause: str, sentiment: Callable[[str], float],
    present: frozenset[str] | None = None,
) -> float | None:
    """The clause's judgement of the aspect in [-1, 1], or None if it does not mention it."""
    for cues, sign in ((aspect.bad, -1.0), (aspect.good, 1.0)):
        for cue in cues:
            at = _has(cue, tokens, present)
            if at < 0:
                continue
            window = tokens[max(0, at - 3) : at]
            flipped = any(w in NEGATORS or w.endswith("n't") for w in window)
            return -sign if flipped else sign
    if any(_has(t, tokens, present) >= 0 for t in aspect.terms):
        return float(sentiment(clause))
    return None


def _vocabulary(aspect: Aspect) -> frozenset[str]:
    """Every word of the aspect's terms and cues: a clause with none of them cannot
    mention the aspect (every phrase needs all its words present to match)."""
    phrases = (*aspect.terms, *aspect.good, *aspect.bad)
    assert all(_words(p) for p in phrases), f"{aspect.name}: an empty phrase matches anything"
    return frozenset(w for p in phrases for w in _words(p))


# Most clauses name no aspect at all: one set test per aspect rules it out (building a
# 1,000-item history spent ~20% of its non-embedding time in _judge before).
_VOCABULARY = tuple((aspect, _vocabulary(aspect)) for aspect in INVENTORY)


def aspects(text: str, sentiment: Callable[[str], float], context_chars: int = 160) -> list[Feature]:
    """The aspects a text judges, each once with its most decided judgement."""
    found: dict[str, Feature] = {}
    for clause in _CLAUSE_RE.split(text):
        clause = clause.strip()
        if not clause:
            continue
        lowered = clause.lower()
        tokens = _WORD_RE.findall(lowered)
        present = frozenset(tokens)
        for aspect, vocabulary in _VOCABULARY:
            if present.isdisjoint(vocabulary):
                continue
            pol = _judge(aspect, tokens, lowered, sentiment, present)
            if pol is None:
                continue
            prev = found.get(aspect.name)
            # A later clause wins a tie: after "but" comes what counts.
            if prev is None or abs(pol) >= abs(prev.polarity):
                found[aspect.name] = Feature(
                    aspect.name, clause[:context_chars], "aspect",
                    weight=round(abs(pol), 4), polarity=round(pol, 4),
                )
    return list(found.values())


def reasons(text: str, sentiment: Callable[[str], float]) -> list[Feature]:
    """Aspects judged and quantities stated in a text."""
    return aspects(text, sentiment) + quantities(text)
