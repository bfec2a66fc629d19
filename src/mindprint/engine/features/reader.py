"""The preference stage of the pipeline: each conversation item's preferences as features.

A preference feature is ``(name, context)`` in RPM terms: its name says the stance and
what it is about ("avoids spicy food"), its context is the user's own words, quoted.
Its ``detail`` holds the rest: stance, firmness, how it was said (stated, choice,
correction, instruction), the option chosen, the item that offered the options, and,
once the pipeline has embedded it, its domain and the row of its vector.

Two readers share one interface: the offline one (:mod:`preferences`) and the LLM one
(:mod:`mindprint.engine.llm.preferences`), which falls back to the offline one item by item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from mindprint.engine.features.preferences import Stated, extract
from mindprint.engine.features.stances import IS
from mindprint.engine.features.text import STOPWORDS, words
from mindprint.engine.features.turns import CHAT_KINDS, Before, Turn, user_turns
from mindprint.engine.protocols import Vector
from mindprint.engine.types import Feature, FeatureOrigin, Item

# The areas of life a preference can be about, each described for the embedding model:
# general, not a list of the topics of any data set.
DOMAINS: dict[str, str] = {
    "food": "food, eating, meals, dishes, cuisine, restaurants, cooking, snacks, drinks, diet",
    "travel": "travel, trips, vacations, destinations, hotels, flights, transport, getting around",
    "media": "books, films, television shows, music, podcasts, video games, art, entertainment",
    "activities": "sports, exercise, fitness, outdoor activities, hobbies, events",
    "health": "health, medical conditions, allergies, the body, body weight and height, sleep, wellbeing",
    "shopping": "shopping, products, brands, clothes, gadgets, furniture, buying things",
    "home": "home, household, where to live, neighbourhood, pets, family",
    "work": "work, jobs, career, workplace, colleagues, offices",
    "learning": "learning, studying, courses, education, teaching, skills",
    "money": "money, budget, prices, costs, finance",
    "technology": "technology, software, computers, phones, apps, programming",
    "values": "ethics, environment, animals, religion, politics, beliefs",
    "answers": "how to answer: length, format, tone, language, units, detail, style of replies",
}
# Everyday requests to an assistant, written for this purpose (general, from no data set).
# Some statements are near every question ("I think that would be perfect", "I'm always
# looking for fresh ideas"): how near one is to these, on the mean, is its share of any
# question's similarity that says nothing about this one, which retrieval takes off
# (``MODEL.pref_generic_weight``).
REQUESTS: tuple[str, ...] = (
    "Can you recommend something for me to try this weekend?",
    "What are some good options for a trip next month?",
    "Any tips for getting started?",
    "What would you suggest for dinner tonight?",
    "Which laptop should I buy for work?",
    "How can I stay healthy with a busy schedule?",
    "What are some fun activities for a family day out?",
    "Could you help me plan a birthday party?",
    "What books should I read next?",
    "How should I decorate my living room?",
    "What's the best way to save money each month?",
    "Can you suggest a gift for a friend?",
    "What should I pack for a holiday?",
    "How do I prepare for a job interview?",
    "Which phone has the best camera?",
    "What are some good exercises to do at home?",
    "Where should I go on vacation this summer?",
    "What movies would you recommend for a relaxing evening?",
    "How can I be more productive at work?",
    "What's a good hobby to pick up?",
    "Can you recommend a restaurant for a special occasion?",
    "What are some ideas for a team event?",
    "How do I choose a new car?",
    "What should I cook for guests this weekend?",
    "What's a good way to spend a rainy day?",
    "Can you suggest some music for studying?",
    "How do I plan a budget for a renovation?",
    "What are some good places to visit in Europe?",
    "What skincare routine would you recommend?",
    "How can I learn a new language quickly?",
    "What are some ways to unwind after a long day?",
    "Which apps would help me stay organised?",
    "What should I wear to a wedding?",
    "What are some healthy snacks for the office?",
    "How can I make my garden look better?",
    "What are good ways to meet new people in a new city?",
    "Can you recommend a podcast?",
    "What kind of pet would suit me?",
    "How should I get around when I visit a new city?",
    "What are some good ideas for a weekend getaway?",
)

# Words that say the stance rather than what it is about: left out of a preference's name.
_STANCE_WORDS = frozenset(
    ["like", "likes", "love", "loves", "enjoy", "enjoys", "prefer", "prefers", "preferred", "preference", "favor", "favour", "fond", "fan", "dislike", "dislikes", "hate", "hates", "detest", "loathe", "stand", "avoid", "avoids", "aversion", "strongly", "strong", "strictly", "strict", "really", "absolutely", "never", "always", "usually", "only", "exclusively", "refuse", "refuses", "interested", "find", "tend", "rather", "want", "need", "needs", "must", "follow", "adhere", "deep", "firm", "severe", "intense", "extreme", "distaste", "disdain", "opposed", "uncomfortable", "comfortable", "can't", "cannot", "go", "option", "think", "i'll", "i'd", "option", "other", "options", "don't", "appeal", "seem", "seems", "sounds"]
)
NAME_WORDS = 4
_CLAUSE_END = re.compile(r"[,;:]\s|\s(?:and|but|so|because|since)\s")
OFFER = "offer"
# An offer is embedded from its first characters: the request and the options' openings
# (a whole answer would cost up to eight times a sentence, for little).
OFFER_CHARS = 600
_POLARITY = {"likes": 1.0, "needs": 1.0, "avoids": -1.0, "is": 0.0}


class PreferenceReader(Protocol):
    @property
    def id(self) -> str: ...

    def read(self, items: Sequence[Item], before: Mapping[int, Before]) -> list[list[Feature]]: ...


def turns_of(item: Item, before: Mapping[int, Before]) -> list[Turn]:
    """The user's turns of ``item``; ``before``: what each turn item replies to."""
    if item.kind not in CHAT_KINDS:
        return []
    prev = before.get(item.id)
    return user_turns(item, *(prev[1], prev[0], prev[2])) if prev else user_turns(item)


class OfflinePreferenceReader:
    """Stance language, choice structure and corrections (:mod:`preferences`): no LLM."""

    @property
    def id(self) -> str:
        return "prefs-offline-v17"

    def read(self, items: Sequence[Item], before: Mapping[int, Before]) -> list[list[Feature]]:
        return [[as_feature(s) for s in extract(turns_of(it, before))] for it in items]


def about(stated: Stated) -> str:
    """What a preference is about, in a few of the user's words (or the option chosen, or
    what they added when they edited their message)."""
    source = stated.chosen or stated.added or stated.quote
    fact = stated.stance == IS
    if fact:
        # A fact is its first clause, and its quantities are the person's ("I weigh 92 kg").
        source = _CLAUSE_END.split(source, maxsplit=1)[0]
    kept = [w for w in words(source) if w not in STOPWORDS and w not in _STANCE_WORDS
            and len(w) > 1 and (fact or not w.isdigit())]
    return " ".join(list(dict.fromkeys(kept))[:NAME_WORDS])


def as_feature(s: Stated, origin: FeatureOrigin = "offline") -> Feature:
    verb = "chose" if s.kind == "choice" else ("is" if s.stance == IS else s.stance)
    name = f"{verb} {about(s)}".strip()
    detail = {"stance": s.stance, "firmness": s.firmness, "said_as": s.kind}
    if s.chosen:
        detail["chosen"] = s.chosen[:200]
    if s.asked_item is not None:
        detail["asked_item"] = str(s.asked_item)
    if s.added:
        detail["added"] = s.added[:200]
    if s.offer.strip():
        # Read once, by the pipeline, to embed the offer; not stored.
        detail[OFFER] = s.offer[:OFFER_CHARS]
    return Feature(
        name=name, context=s.quote, kind="preference", weight=round(s.strength, 3),
        polarity=_POLARITY.get(s.stance, 0.0), origin=origin,
        detail=tuple(sorted(detail.items())),
    )


def embed_texts(f: Feature) -> list[str]:
    """What a preference is embedded as: the user's words with the option they chose, and
    for a choice the exchange that offered the options."""
    chosen = f.attr("chosen")
    said = f"{f.context} {chosen}".strip() if chosen else f.context
    offer = f.attr(OFFER)
    return [said, offer] if offer else [said]


def with_place(f: Feature, row: int, domain: str) -> Feature:
    """The feature with the row of its vector (and of its offer's, next) and its domain
    recorded in ``detail``; the offer's text itself is dropped."""
    # An instruction is about answers by what makes it one (engine/features/preferences.py).
    if f.attr("said_as") == "instruction":
        domain = "answers"
    d = {k: v for k, v in f.detail if k != OFFER} | {"row": str(row), "domain": domain}
    if f.attr(OFFER):
        d["offer_row"] = str(row + 1)
    return Feature(f.name, f.context, f.kind, f.weight, f.polarity, f.factor_id, f.origin,
                   tuple(sorted(d.items())))


def domains_of(vecs: Vector, domain_vecs: Vector) -> list[str]:
    """The domain each preference vector is closest to."""
    if not len(vecs):
        return []
    names = list(DOMAINS)
    return [names[int(i)] for i in np.argmax(vecs @ domain_vecs.T, axis=1)]
