"""Which form of each lexicon equivalence to write for this user, and why.

Reads the counts :func:`mindprint.engine.features.habits.lexical_habits` stored in the
style profile and turns each family of :mod:`mindprint.engine.features.vocab` into a
substitution :class:`Plan` (source → target, with the evidence). Pure and cheap:
a few hundred dictionary look-ups per rewrite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mindprint.engine.features import vocab

# A class-level contraction habit ("they drop apostrophes") needs this many
# contractions in the history.
MIN_CONTRACTION_EVIDENCE = 2
# A one-letter spelling ("u", "r", "c") is also an initial or a list marker, so it
# must be seen this often before it counts as the user's word.
MIN_LETTER_EVIDENCE = 2

# "have" contracts only as an auxiliary ("I've been"), not as a verb ("I have a dog").
_AUX_NEXT = (
    r"(?=\s+(?:been|got|gotten|had|done|seen|made|heard|gone|never|just|already|always|"
    r"ever|finally|only|lost|found|read|tried|[a-z]+ed)\b)"
)
_BEFORE_WORD = r"(?=\s+\w)"  # not at the end of a clause: "what it is." stays
_NOT_BEFORE_NUMBER = r"(?!\s*\d)"  # "from 5 to 6" keeps its "to"
# "going to" + a place is not "gonna": "going to the store", "got to work".
_NOT_BEFORE_PLACE = (
    r"(?!\s+(?:the|a|an|my|your|his|her|their|our|this|that|bed|school|work|church|class|"
    r"town|sleep|dinner|lunch|breakfast|(?-i:[A-Z])|\d))"
)
# A verb that is also a noun is swapped only as a verb: "my desire is" stays.
_NOT_AFTER_DETERMINER = "".join(
    rf"(?<!\b{d} )" for d in ("a", "an", "the", "my", "your", "his", "her", "our", "their", "this")
)
_VERB_NOUNS = frozenset({"desire", "desires", "attempt", "purchase", "assist"})
# Connectives that take a comma: "However, it" → "But it".
_CONNECTIVES = frozenset(
    {"however", "nevertheless", "therefore", "thus", "consequently", "additionally",
     "furthermore", "moreover", "currently", "presently"}
)
# Extra conditions on what may follow a source, by source.
_CONDITIONS: dict[str, str] = {
    "to": _NOT_BEFORE_NUMBER,
    "for": _NOT_BEFORE_NUMBER,
    "going to": _NOT_BEFORE_PLACE,
    "got to": _NOT_BEFORE_PLACE,
    "as well": r"(?!\s+as\b)",  # "as well as" is not "too"
}
_STYLE_NAMES = ("full forms", "apostrophes", "no apostrophes")


@dataclass(slots=True)
class Plan:
    """Substitutions for one rule: ``mapping`` source → target, ``why`` source → evidence."""

    mapping: dict[str, str] = field(default_factory=dict)
    lookaheads: dict[str, str] = field(default_factory=dict)
    lookbehinds: dict[str, str] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)


class Habits:
    """The user's lexicon counts, as stored in the style profile under ``lexicon``."""

    def __init__(self, style: Mapping[str, Any]) -> None:
        lex = style.get("lexicon")
        self.known = isinstance(lex, Mapping)
        lex = lex if isinstance(lex, Mapping) else {}
        self.forms: dict[str, int] = {str(k): int(v) for k, v in (lex.get("forms") or {}).items()}
        self.fillers: dict[str, list[Any]] = dict(lex.get("fillers") or {})
        numbers = list(lex.get("numbers") or [0, 0])
        self.digits, self.number_words = int(numbers[0]), int(numbers[1])
        self.n_texts = int(style.get("n_texts", 0) or 0)

    def c(self, form: str) -> int:
        return self.forms.get(form, 0)

    def informal_spellings(self, limit: int = 8) -> list[tuple[str, int]]:
        """The user's most used informal spellings (for the profile analysis)."""
        informal = {v for g in vocab.TEXTSPEAK for v in g[1:]}
        informal |= {f for fam in vocab.CONTRACTIONS for f in fam[2:] if f}
        found = [(f, c) for f, c in self.forms.items() if f in informal and c >= 2]
        return sorted(found, key=lambda fc: (-fc[1], fc[0]))[:limit]


def _enough(h: Habits, form: str) -> bool:
    return h.c(form) >= (MIN_LETTER_EVIDENCE if len(form) == 1 else 1)


def plain_words(h: Habits) -> Plan:
    """Formal word → the user's plain word for it, else the lexicon's first plain word."""
    plan = Plan()
    for formal, *plain in vocab.PLAIN_WORDS:
        best = max(plain, key=h.c)  # the first on ties: the lexicon's default
        if h.c(formal) and h.c(formal) >= h.c(best):
            continue  # they write the formal word themselves
        plan.mapping[formal] = best
        plan.why[formal] = (
            f"they write '{best}' ({h.c(best)}×), '{formal}' {h.c(formal)}×"
            if h.c(best)
            else f"'{formal}' is not in their texts"
        )
        if formal in _CONNECTIVES and best in ("but", "so", "also", "plus"):
            plan.mapping[formal + ","] = best
            plan.why[formal + ","] = plan.why[formal]
        if formal in _VERB_NOUNS:
            plan.lookbehinds[formal] = _NOT_AFTER_DETERMINER
        if best.endswith((" to", " for", " of")):
            plan.lookaheads[formal] = _BEFORE_WORD  # "attend the show" → "go to the show"
        elif formal in _CONDITIONS:
            plan.lookaheads[formal] = _CONDITIONS[formal]
    return plan


def synonyms(h: Habits) -> Plan:
    """Among everyday equivalents, the one the user writes (twice or more, the others never)."""
    plan = Plan()
    for group in vocab.SYNONYMS:
        best = max(group, key=h.c)
        if h.c(best) < 2:
            continue
        for src in group:
            if src != best and h.c(src) == 0 and src not in plan.mapping:
                plan.mapping[src] = best
                plan.why[src] = f"they write '{best}' ({h.c(best)}×), never '{src}'"
    return plan


def contraction_style(h: Habits) -> int | None:
    """0 full forms, 1 apostrophes, 2 none: the user's overall habit, if they show one."""
    totals = [0, 0, 0]
    for family in vocab.CONTRACTIONS:
        for i, form in enumerate(family):
            if form and form not in ("its", "lets"):  # also a possessive and a verb
                totals[i] += h.c(form)
    if sum(totals) < MIN_CONTRACTION_EVIDENCE:
        return None
    return max(range(3), key=lambda i: (totals[i], -i))


def contractions(h: Habits) -> Plan:
    """ "I am" / "I'm" / "im": the user's spelling of each, else their overall habit.

    Only towards the informal side: a paraphrase expands contractions rather than
    inventing them, so a contraction already in the draft is kept or re-spelled,
    never expanded.
    """
    plan = Plan()
    overall = contraction_style(h)
    for family in vocab.CONTRACTIONS:
        counts = [h.c(f) if f else -1 for f in family]
        if max(counts) > 0:
            index = max(range(3), key=lambda i: (counts[i], -i))
            reason = f"they write '{family[index]}' ({counts[index]}×)"
        elif overall is not None:
            index = overall if family[overall] else 1
            reason = f"they write contractions with {_STYLE_NAMES[overall]}"
        else:
            continue
        target = family[index]
        full, apos, _ = family
        if target is None or target == full:
            continue
        for src in (full, apos):
            if src != target:
                plan.mapping[src] = target
                plan.why[src] = reason
        plan.lookaheads[full] = _AUX_NEXT if full.endswith(" have") else _BEFORE_WORD
    return plan


def textspeak(h: Habits) -> Plan:
    """Standard spelling → the user's informal one, where they write it more often."""
    plan = Plan()
    for standard, *variants in vocab.TEXTSPEAK:
        best = max(variants, key=h.c)
        if _enough(h, best) and h.c(best) > h.c(standard):
            plan.mapping[standard] = best
            plan.why[standard] = f"they write '{best}' {h.c(best)}×, '{standard}' {h.c(standard)}×"
            if standard in _CONDITIONS:
                plan.lookaheads[standard] = _CONDITIONS[standard]
    return plan
