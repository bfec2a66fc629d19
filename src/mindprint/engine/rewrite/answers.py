"""Standing instructions about answers, read from the person's words and checked on a draft.

What a person says about how to answer ("Please keep answers short, three bullet points
at most", "Always give me numbers in metric units", "no emojis") becomes
:class:`AnswerRules`: limits on words, sentences, list items and paragraphs, a list or
markdown ban, a unit system, a 24-hour clock. Only what the words say is read: "short"
is a length (:data:`LONG_WORDS`), "three bullet points at most" a count; an instruction
that names nothing measurable ("no jargon") gives no rule, so it is never flagged.
:func:`breaks` names, for each rule a draft breaks, the evidence in the draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from mindprint.engine.features.text import trim
from mindprint.engine.features.vocab import NUMBER_WORDS
from mindprint.engine.rewrite.units import IMPERIAL, METRIC, quantities, twelve_hour_times

# A draft longer than this is not short.
LONG_WORDS = 150
_COUNTS = {"one": 1, "single": 1, "a single": 1, "a couple of": 2, "couple of": 2,
           **{w: int(d) for w, d in NUMBER_WORDS.items()}}
_N = rf"(?P<n>\d+|{'|'.join(sorted(_COUNTS, key=len, reverse=True))})(?:\s+or\s+(?P<m>\d+|{'|'.join(_COUNTS)}))?"
_WHAT = r"(?:short\s+)?(?P<what>sentences?|bullet\s?points?|bullets?|points|items|words|paragraphs?)"
_BELOW = r"fewer than|less than|under|below"
_ANS = r"(?:answers?|repl(?:y|ies)|responses?|explanations?|messages?|summar(?:y|ies))"
_LIMITS = (
    re.compile(rf"\b(?P<bound>at most|no more than|not more than|max(?:imum)?(?: of)?|up to|{_BELOW}|"
               rf"within|only|just|in|to|limit(?:ed)? to)\s+{_N}\s+{_WHAT}\b", re.I),
    re.compile(rf"\b{_N}\s+{_WHAT}\s+(?P<bound>at most|max(?:imum)?|or (?:fewer|less)|tops|or under)\b", re.I),
    # "one-sentence answers", not "a six-word memoir".
    re.compile(rf"\b{_N}-(?P<what>word|sentence|paragraph|bullet)\s+(?:\w+\s+)?{_ANS}\b", re.I),
)
_NEG = r"(?:no|not|never|don'?t|do not|without|avoid|stop|hate|dislike|instead of|rather than)"
_NO_LISTS = re.compile(rf"\b{_NEG}\b[^.]{{0,20}}\b(bullets?|bullet points|lists?|listicles?)\b"
                       r"|\b(in|as) (plain |flowing |full )?(prose|paragraphs)\b", re.I)
_NO_MARKDOWN = re.compile(rf"\b{_NEG}\b[^.]{{0,12}}\bmarkdown\b|\bplain text\b", re.I)
_NO_EMOJI = re.compile(rf"\b{_NEG}\b[^.]{{0,20}}\bemoj(i|is|ies)\b", re.I)
# A length word about the answer itself ("keep it short", "concise answers"), not about a
# thing ("short breaks", "short-term", "don't take too long to prepare").
_ENDS = r"(?=\s*(?:[,.;:!?)]|$))"
_SHORT = re.compile(rf"\b(short|shorter|brief|briefer|concise|succinct|terse)\b"
                    rf"(?=\s*(?:[.;:!?)]|$|and\b|please\b|(?:\w+\s+)?{_ANS}\b))"
                    rf"|\b(keep|be|make|stay|it|them|{_ANS})\s+(\w+\s+)?(short|brief|concise)\s*,|\bto the point\b"
                    rf"|\btoo (long|wordy|verbose|lengthy){_ENDS}|\b(wordy|verbose|rambling)\b|\bwalls? of text\b"
                    rf"|\b{_NEG}\s+(\w+\s+){{0,2}}(long|lengthy)\s+{_ANS}\b", re.I)
_NOT_SHORT = re.compile(r"(\bnot|n't|\bnever|\btoo|\bhate|\bdislike)\s+(\w+\s+){0,2}(short|brief|concise|terse)\b", re.I)
_ANSWER_NOUN = re.compile(r"\b(answers?|repl(y|ies)|responses?|explanations?|messages?|units|metric|imperial|"
                          r"markdown|emojis?|bullet points|bullets)\b", re.I)
# Said to the assistant about what it gives them ("give me numbers in km", "tell me in brief").
_TO_ME = re.compile(r"\b(give|tell|show|send|write|explain)\b[^.]{0,30}\bme\b", re.I)
_METRIC = r"metric|si units|celsius|centigrade|kilomet\w*|km|kilos?|kilograms?|kg|lit(?:er|re)s"
_IMPERIAL = r"imperial|(?:us|american) (?:customary )?units|us customary|fahrenheit|miles|feet|pounds|lbs|inches|ounces"
_UNIT_TERM = re.compile(rf"\b(?:(?P<metric>{_METRIC})|(?P<imperial>{_IMPERIAL}))\b", re.I)
_NEGATED_BEFORE = re.compile(rf"\b{_NEG}\s+(\w+\s+){{0,2}}$", re.I)
_ABOUT_UNITS = re.compile(r"\b(units?|system|measure\w*|distances?|temperatures?|weights?|heights?|numbers|"
                          r"quantities|amounts|convert\w*|use|give|show|express\w*|write|always|please)\b", re.I)
_CLOCK24 = re.compile(r"\b(24[- ]?(h|hr|hour) (clock|time|format)|military time)\b", re.I)
_LIST_LINE = re.compile(r"(?m)^\s*(\d+[.)]|[-*•])\s+\S")
_MARKDOWN = re.compile(r"(?m)^\s*#{1,6}\s+\S|\*\*[^*\n]+\*\*|^\s*\|.*\|\s*$|^\s*(\d+[.)]|[-*•])\s+\S")
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
_CODE = re.compile(r"```.*?```", re.S)
# Sentence ends, not abbreviations ("e.g. this", "Dr. Who").
_SENTENCE_END = re.compile(r"(?<!\b[a-z])(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)(?<!\bDr)(?<!\bMr)(?<!\bMs)"
                           r"(?<!\bSt)[.!?]+[\"”')]*\s+(?=[A-Z0-9\"“(])|\n+")


@dataclass(frozen=True, slots=True)
class AnswerRules:
    """What an instruction asks of an answer; None/False: it does not say."""

    max_words: int | None = None
    max_sentences: int | None = None
    max_bullets: int | None = None  # 0: no list at all
    max_paragraphs: int | None = None
    short: bool = False
    no_markdown: bool = False
    no_emoji: bool = False
    units: str | None = None  # the system they want: METRIC or IMPERIAL
    clock24: bool = False

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) not in (None, False) for f in fields(self))


def _count(word: str | None) -> int | None:
    if not word:
        return None
    w = word.lower()
    return int(w) if w.isdigit() else _COUNTS.get(w)


def _limits(quote: str) -> dict[str, int]:
    """{"max_words": 100, "max_bullets": 3, ...} from the numbers the instruction states."""
    out: dict[str, int] = {}
    for pattern in _LIMITS:
        for m in pattern.finditer(quote):
            n = max(filter(None, (_count(m.group("n")), _count(m.groupdict().get("m")))), default=None)
            if n is None:
                continue
            bound = (m.groupdict().get("bound") or "").lower()
            if re.fullmatch(_BELOW, bound):
                n -= 1
            what = m.group("what").lower()
            key = ("max_words" if what.startswith("word") else "max_sentences" if what.startswith("sentence")
                   else "max_paragraphs" if what.startswith("paragraph") else "max_bullets")
            out[key] = min(n, out.get(key, n))
    return out


def _units(quote: str) -> str | None:
    """The unit system an instruction asks for ("metric units", "km, not miles")."""
    votes = {METRIC: 0, IMPERIAL: 0}
    for m in _UNIT_TERM.finditer(quote):
        if re.search(r"\d\s*$", quote[:m.start()]):
            continue  # "I run 10 km": a measurement they gave, not a unit they asked for
        system = METRIC if m.group("metric") else IMPERIAL
        if _NEGATED_BEFORE.search(quote[:m.start()]):
            system = IMPERIAL if system == METRIC else METRIC
        votes[system] += 1
    if votes[METRIC] == votes[IMPERIAL] or not _ABOUT_UNITS.search(quote):
        return None
    return max(votes, key=lambda s: votes[s])


def rules(quote: str, *, about_answers: bool) -> AnswerRules:
    """The checkable rules in an instruction. ``about_answers``: the preference is known
    to be about answers (its domain, or said as an instruction); otherwise the words must
    say they are about answers ("short answers", "give me numbers in metric units"), so
    "a short commute", "my to-do list, no more than 5 items" or "I always run 10 km" give
    no rule."""
    if not (about_answers or _ANSWER_NOUN.search(quote) or _TO_ME.search(quote)):
        return AnswerRules()
    limits = _limits(quote)
    no_lists = "max_bullets" not in limits and bool(_NO_LISTS.search(quote))
    return AnswerRules(
        max_words=limits.get("max_words"),
        max_sentences=limits.get("max_sentences"),
        max_bullets=0 if no_lists else limits.get("max_bullets"),
        max_paragraphs=limits.get("max_paragraphs"),
        short=bool(_SHORT.search(quote)) and not _NOT_SHORT.search(quote),
        no_markdown=bool(_NO_MARKDOWN.search(quote)),
        no_emoji=bool(_NO_EMOJI.search(quote)),
        units=_units(quote),
        clock24=_clock24(quote),
    )


def _clock24(quote: str) -> bool:
    m = _CLOCK24.search(quote)
    return m is not None and not _NEGATED_BEFORE.search(quote[:m.start()])


def sentence_count(text: str) -> int:
    return len([s for s in _SENTENCE_END.split(text) if s and re.search(r"\w", s)])


def _over(n: int, limit: int | None, what: str) -> str | None:
    return f"the draft has {n} {what} (at most {limit} asked)" if limit is not None and n > limit else None


def breaks(text: str, r: AnswerRules) -> list[str]:
    """The evidence, in ``text``, of each rule it breaks; [] when it complies."""
    prose = _CODE.sub(" ", text)
    n_words = len(prose.split())
    n_items = len(_LIST_LINE.findall(prose))
    paragraphs = [p for p in re.split(r"\n\s*\n", prose) if p.strip()]
    found = [
        _over(n_words, r.max_words, "words"),
        _over(sentence_count(prose), r.max_sentences, "sentences"),
        _over(n_items, r.max_bullets, "list items") if r.max_bullets else None,
        "the draft uses a bulleted or numbered list" if r.max_bullets == 0 and n_items else None,
        _over(len(paragraphs), r.max_paragraphs, "paragraphs"),
    ]
    if r.short and r.max_words is None and n_words > LONG_WORDS:
        found.append(f"the draft runs to {n_words} words")
    if r.no_markdown and (md := _MARKDOWN.search(prose)):
        line = prose[prose.rfind("\n", 0, md.start()) + 1:].split("\n", 1)[0]
        found.append(f"markdown: “{trim(line.strip(), 60)}”")
    if r.no_emoji and (emoji := _EMOJI.findall(prose)):
        found.append("emoji: " + " ".join(dict.fromkeys(emoji)))
    if r.units:
        wrong = [q.text for q in quantities(text) if q.system != r.units and not q.paired]
        if wrong:
            found.append(f"{'imperial' if r.units == METRIC else 'metric'} units: "
                         + ", ".join(f"“{w}”" for w in dict.fromkeys(wrong)))
    if r.clock24 and (times := twelve_hour_times(text)):
        found.append("12-hour times: " + ", ".join(f"“{t.text}”" for t in times))
    return [f for f in found if f]
