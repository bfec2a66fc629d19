"""What people say about themselves: preferences read from the user's side of a chat.

Offline and general: no topic word lists. A sentence the user wrote is a *stated*
preference when it speaks in the first person and takes a stance (likes, avoids, needs,
or an identity fact that changes advice: :mod:`stances`) as the person's standing view,
not as the task of the moment (a request, a plan, a thing to get). A reply that picks one of the options the
assistant just offered is a *revealed choice*; a reply that pushes back on an answer
("too long", "no, I meant metric") is a *correction*, and so is what the user added when
they edited a message they had sent (a chat export keeps the first version); an
imperative about answers ("keep it short") is an *instruction*. Requests ("can you write
...") and questions are weak evidence and are scored down, not dropped: "Any tips, since
I can't eat gluten?" is a statement inside a question.

The assistant's words are never read for the person's stance: they only supply the
options a choice picks from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from mindprint.engine.features.stances import AVOIDS as AVOIDS  # named here for its readers
from mindprint.engine.features.stances import (
    FIRM,
    FIRST,
    PREFER,
    REJECT,
    STRICT_WORDS,
    STRONG_WORDS,
    cue,
    is_choice,
    offered,
    praise_only,
    stance_of,
    which,
)
from mindprint.engine.features.stances import IS as IS
from mindprint.engine.features.stances import LIKES as LIKES
from mindprint.engine.features.stances import NEEDS as NEEDS
from mindprint.engine.features.stances import STRICT as STRICT
from mindprint.engine.features.text import STOPWORDS, sentences, words
from mindprint.engine.features.turns import Turn, edit_words
from mindprint.engine.model_settings import MODEL

MIN_STRENGTH = MODEL.pref_min_strength
MAX_SENTENCE_CHARS = 400

# Asking the assistant for something is not a statement about oneself...
_REQUEST = re.compile(
    r"\b(can you|could you|would you|will you|please|(?<!to )help me|i want you to|i need you to|"
    r"i'?d like you to|act as|write (me )?a|give me|tell me|show me|explain|list (me )?|"
    r"generate|create|make me (a|an)\b|translate|summari[sz]e|rewrite|correct this|fix this)\b"
)
# Liking what the assistant just proposed ("I love the idea of themed snacks", "I like the
# sports tournament idea", "I appreciate all your helpful suggestions"), after an answer, is
# a reaction to it, not a standing preference.
_PROPOSAL = re.compile(
    r"\b(like|love|enjoy|appreciate)s? (all )?(the|your|that|this|those|these) ([\w\-]+ ){0,3}"
    r"(ideas?|suggestions?|tips?|plans?|recommendations?|approach|advice)\b"
)
# ... unless the stance sits in a clause of its own ("since I'm vegan", "as someone who
# avoids zoos, ...").
_SOMEONE = re.compile(r"\bas (someone|a person) who\b")  # oneself, in the third person
_ASIDE = re.compile(r"\b(since|because|as) (i|i'm|i am|we)\b|" + _SOMEONE.pattern)
_CODE = re.compile(
    r"[{}=<>\[\]#]|\b(def|class|import|return|function|var|const|public|void)\b|"
    r"\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*|\w_\w"
)
# Talking to the assistant ("you") or about what one is about to do ("I'll need to") is
# about the task at hand, not a standing trait.
_TASK = re.compile(r"\byou\b|\blet'?s\b")
# What one plans or wishes ("I'll", "I'd like to") is about the moment too, but does not
# make a fact said beside it less true ("I weigh 92 kg and I'd like to get down to 85").
_PLAN = re.compile(r"\b(i'?ll|i will|i'?m going to|we'?ll|i'?d like to|i would like to)\b")
# Asking for a thing to get, or saying a chore or a resolution of the moment, is no standing
# need: "I need a new laptop", "we want another car", "I need to buy a desk", "I need to
# update my work boots", "I need to be more consistent"; and so is needing a thing that the
# same message then asks about ("I need a desk. Which one fits a small room?").
_ACQUIRE = re.compile(
    r"\b(need|want|looking for|shopping for|in the market for) (a |an |some |one )?"
    r"(new|another|replacement|second|spare)\b|\b(need|want|have) to (buy|purchase|replace|"
    r"upgrade|order|update|pick up|check|bring|pack|book|schedule|finish|fix|prepare|renew|send|"
    r"write|be more|be less|improve)\b"
)
_NEEDED = re.compile(r"\b(?:i|we) (?:really |just |also )?need (?:a|an|some|one) ((?:[\w\-]+ ){0,2}[\w\-]+)")
_WHICH_ONE = re.compile(r"\bwhich (one|ones)\b")
# Corrections of the last answer, and imperatives about answers.
_CORRECTION = re.compile(
    r"^\s*(no\b|nope|not quite|that'?s not|that is not|not what i|wrong|actually|i said|i meant|"
    r"too (long|short|wordy|technical|vague|formal|casual)|shorter|longer|simpler|instead)"
)
# How to answer, as a standing rule: a style verb ("keep it short", "no bullet points"), or
# any answer verb said for the future ("from now on, answer in metric units"); "give me a
# list of ..." is a task, not a rule.
_INSTRUCTION = re.compile(
    r"^\s*(please |and |also )*((keep|be|use|avoid|don'?t|do not|no|stop|skip|less|fewer|more)\b|"
    r"(from now on|in future|going forward|always|never)\b)"
)
# ("for example" introduces an example; it does not ask for one.) How long, exact or formal
# to be is about answers only when said of the answer itself ("keep it short", "be more
# specific", "less technical"), not of a thing ("avoid long flights", "avoid formal
# restaurants", "no detailed itineraries").
_ABOUT_ANSWERS = re.compile(
    r"\b(answers?|repl(y|ies)|responses?|explanations?|lists?|bullets?|bullet points|units|words|"
    r"sentences|paragraphs|format|formatting|tone|language|(?<!for )examples?|code|summary|details?|"
    r"brief|concise|jargon|emojis?|metric|imperial)\b|"
    r"\b(be|keep it|keep them|stay|more|less|too)\s+((more|less|too|very)\s+)?"
    r"(detailed|specific|precise|formal|casual|short|shorter|long|longer|simple|simpler|technical)"
    r"\b(?!\s+(?!and\b|or\b|about\b|please\b|in\b)[a-z])"
)
# Whether an instruction about answers holds for every answer or only for the task at hand.
# For every answer: it says so, or speaks of answers in general, in the plural.
_LASTING = re.compile(
    r"\b(always|never|from now on|in future|in the future|going forward|every|each time|"
    r"answers|replies|responses|explanations)\b"
)
# For the task at hand: it points at one answer or at the task ("justify your answer",
# "summarise the following").
_ONE_ANSWER = re.compile(
    r"\b(your|the|this|that) (answer|response|reply|output|result|solution|explanation|summary|"
    r"list|essay|text|code)\b|\b(this|these|the following|the above|the below)\b"
)
# The words of an instruction that say how to answer rather than what about.
_STYLE_VERBS = re.compile(r"\b(keep|avoid|stop|skip|less|fewer|justify|include|add|write|sure|please)\b")
# An answer this long that takes up what an instruction names carries out a task.
MIN_TASK_WORDS = 30
# A refusal is as plain as a correction: weaker than "I don't want ...", which says whose.
REFUSAL_STRENGTH = 0.8
# A thing turned down in the imperative ("No spicy food please.", "Avoid crowded places."):
# the person's stance, said without "I". Not a reply's formula ("no thanks", "never mind").
_REFUSAL = re.compile(
    r"^\s*(please |and |also |oh,? )*(no|avoid)\s+(?!(problem|problems|thanks?|worries|need|idea|way|"
    r"matter|doubt|one|longer|more|less|further|else|mind|rush|pressure|hurry|big deal|sorry|"
    r"i|i'm|you|we|it|it's|that|this|they|he|she|not|sir|man)\b)[a-z]"
)
MIN_OFFER_WORDS = 15
_BUT = re.compile(r",\s+but\s+", re.I)
MIN_CLAUSE_WORDS = 3


@dataclass(frozen=True, slots=True)
class Stated:
    """One preference as the user expressed it. ``quote``: their own words, verbatim;
    ``kind``: stated, choice, correction or instruction; ``chosen``: for a choice, the
    option picked (the assistant's wording of it); ``asked_item``: the item whose answer
    offered the options."""

    item_id: int
    quote: str
    stance: str
    firmness: str
    kind: str
    strength: float
    chosen: str = ""
    asked_item: int | None = None
    # For a choice: the exchange that offered the options (matched against later queries).
    offer: str = ""
    # For a correction made by editing a message: the words the edit added.
    added: str = ""


def extract(turns: Iterable[Turn]) -> list[Stated]:
    """The preferences in the user's turns, in order, at ``MIN_STRENGTH`` or above."""
    out: list[Stated] = []
    for t in turns:
        choice = _choice(t)
        if choice is not None:
            out.append(choice)
            continue
        edit = _Edit.of(t)
        for s in sentences(t.text):
            got = _clause_first(t, s)
            if edit is not None:
                got = edit.read(t, s, got)
            if got is not None and got.strength >= MIN_STRENGTH:
                out.append(got)
    return out


def _clause_first(t: Turn, s: str) -> Stated | None:
    """The sentence read whole; when that is not a preference, the clause before its ", but"
    read alone ("I usually avoid coconut due to my allergy, but do you have ideas?"): the
    stance is said in a clause of its own before the sentence turns to its question. The
    clause needs content words of its own ("I'd love to, but can you ..." is no stance)."""
    got = _sentence(t, s)
    if got is not None and got.strength >= MIN_STRENGTH:
        return got
    head = _BUT.split(s, maxsplit=1)[0]
    if head == s or len([w for w in words(head.lower()) if w not in STOPWORDS]) < MIN_CLAUSE_WORDS:
        return got
    clause = _sentence(t, head)
    return clause if clause is not None and clause.strength >= MIN_STRENGTH else got


def _readable(s: str, ws: set[str]) -> bool:
    """A sentence short enough, with words enough, and not code or pasted material: a
    table's row (tabs) or a quiz's fill-in blank ("As a pet owner, I want to _____")."""
    return (len(s) <= MAX_SENTENCE_CHARS and len(ws) >= 2 and len(_CODE.findall(s)) < 2
            and "\t" not in s and "___" not in s)


def _sentence(t: Turn, s: str) -> Stated | None:
    low = s.lower().replace("’", "'")
    ws = set(words(low))
    if not _readable(s, ws):
        return None
    reacting = t.role in ("reaction", "comment") and bool(t.before.strip())
    if reacting and _CORRECTION.search(low):
        return Stated(t.item_id, s.strip(), stance_of(low, AVOIDS), FIRM, "correction", 0.8)
    if _INSTRUCTION.search(low) and _ABOUT_ANSWERS.search(low) and not s.rstrip().endswith("?"):
        if not _rule(t, s, low, reacting):
            return None  # how to do the task at hand ("Be sure to justify your answer")
        return Stated(t.item_id, s.strip(), stance_of(low, NEEDS), FIRM, "instruction", 0.9)
    refused = _refused(t, s, low)
    if refused is not None:
        return refused
    found = cue(low, ws, s)
    if found is None:
        return None
    strength, stance, firmness = found
    strength *= _standing(t, s, low, ws, stance)
    if STRICT_WORDS.search(low):
        firmness = STRICT
    elif firmness == PREFER and STRONG_WORDS.search(low):
        firmness = FIRM
    return Stated(t.item_id, s.strip(), stance, firmness, "stated", round(strength, 3))


def _refused(t: Turn, s: str, low: str) -> Stated | None:
    """A thing the person turns down in the imperative, in a message of its own (not a line
    of a task, not a question): "No spicy food please." says "I don't want spicy food". No
    "I" to weigh, and its "please" is politeness, not a request."""
    if not _REFUSAL.search(low) or s.rstrip().endswith("?") or not _alone(t, s):
        return None
    firmness = STRICT if STRICT_WORDS.search(low) else FIRM
    return Stated(t.item_id, s.strip(), AVOIDS, firmness, "stated", REFUSAL_STRENGTH)


def _rule(t: Turn, s: str, low: str, reacting: bool) -> bool:
    """Whether an instruction about answers is a standing rule, not a request for the task
    at hand. It is when it says so ("always", "from now on") or speaks of answers in general
    ("keep answers short"); it is not when it points at one answer or at the task ("justify
    your answer", "the following"), or names things that the answer then carries out ("be
    more specific, for example ultrasonic welding", answered about ultrasonic welding).
    Otherwise, it is when said in reaction to an answer or as a message of its own."""
    if _LASTING.search(low):
        return True
    if _ONE_ANSWER.search(low) or _carried_out(t, low):
        return False
    return reacting or _alone(t, s)


def _alone(t: Turn, s: str) -> bool:
    """Whether ``s`` is a message of its own rather than a line of a task: the message is
    short and none of its other sentences sets a task (a question, a request, code):
    "What does this code print? No explanation is needed." is one task."""
    if len(t.text) > MAX_SENTENCE_CHARS:
        return False
    return not any(_sets_task(x) for x in sentences(t.text) if x.strip() != s.strip())


def _sets_task(s: str) -> bool:
    low = s.lower().replace("’", "'")
    if _INSTRUCTION.search(low) and _ABOUT_ANSWERS.search(low):
        return False  # another instruction ("Metric units please. No emojis either.")
    asks = _REQUEST.search(low.replace("please", ""))
    return s.rstrip().endswith("?") or bool(asks) or len(_CODE.findall(s)) >= 2


def _carried_out(t: Turn, low: str) -> bool:
    """Whether the conversation carries an instruction out on a task: the answer it gets (or,
    said in reaction, the answer it reacts to) is long and takes up words the instruction
    names besides how to answer. A standing rule is acknowledged ("Sure.")."""
    answer = t.before if t.role in ("reaction", "comment") else t.reply
    if len(answer.split()) < MIN_TASK_WORDS:
        return False
    rest = _STYLE_VERBS.sub(" ", _ABOUT_ANSWERS.sub(" ", low))
    named = {w for w in words(rest) if w not in STOPWORDS and len(w) > 2}
    return bool(named & set(words(answer)))


def _standing(t: Turn, s: str, low: str, ws: set[str], stance: str) -> float:
    """How much a stance said in ``s`` is the person's standing one rather than the task of
    the moment: not in the first person, a request, a plan, a question weaken it."""
    weight = 1.0 if ws & FIRST or _SOMEONE.search(low) else 0.3
    aside = bool(_ASIDE.search(low))
    asking = (_REQUEST.search(low) or (stance != IS and _acquiring(low, t.text))) and not aside
    planned = not aside and stance != IS and bool(_PLAN.search(low))
    # A need said for what one plans is the plan's ("I'll have to run it by the team").
    if asking or (t.before and _reacting(low, ws, s)) or (planned and stance == NEEDS):
        weight *= 0.4
    elif planned or (not aside and _TASK.search(low)):
        weight *= 0.6
    if s.rstrip().endswith("?") and not aside:
        weight *= 0.6
    return weight


def _reacting(low: str, ws: set[str], s: str) -> bool:
    """Whether the sentence's stance is only its liking of what was just proposed: "I like
    the sports tournament idea", but not "I usually avoid self-help books, so I appreciate
    the practical tips", whose stance stands without the reaction."""
    if not _PROPOSAL.search(low):
        return False
    rest = _PROPOSAL.sub(" ", low)
    return cue(rest, set(words(rest)), s) is None


def _acquiring(low: str, message: str) -> bool:
    """Whether ``low`` asks for a thing to get: a new one, or one the message asks about."""
    if _ACQUIRE.search(low):
        return True
    m = _NEEDED.search(low)
    if m is None:
        return False
    thing = {w for w in words(m.group(1)) if w not in STOPWORDS}
    asked = " ".join(q for q in sentences(message.lower()) if q.rstrip().endswith("?"))
    return bool(thing & set(words(asked))) or bool(_WHICH_ONE.search(asked))


# -- edited messages ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Edit:
    """A message the user edited: the content words of its first version, and whether
    the edit took any of them out (changed a detail) or only added."""

    first: frozenset[str]
    removed: bool

    @classmethod
    def of(cls, t: Turn) -> _Edit | None:
        if not t.revised.strip():
            return None
        first = frozenset(edit_words(t.revised))
        return cls(first, bool(first - set(edit_words(t.text))))

    def read(self, t: Turn, s: str, got: Stated | None) -> Stated | None:
        """A sentence with words the edit added corrects the first version: a stance in it
        is held firmly (they went back to say it, so a request around it does not weaken
        it); with no stance, a pure addition of a quality ("a *quiet* weekend",
        "*vegetarian* restaurants") is something they need, while one that names a thing (a
        capitalised name, a number: "a weekend *in Porto*") specifies the task, and so does
        a sentence with no stance that is new ("Could you find trains?"), not a first one
        they reworded. A sentence the first version had already says nothing new."""
        said = edit_words(s)
        added = [w for w in said if w not in self.first]
        if not added:
            return got
        if got is not None:
            firmness = STRICT if got.firmness == STRICT else FIRM
            return replace(got, kind="correction", firmness=firmness,
                           strength=max(got.strength, MIN_STRENGTH), added=" ".join(added))
        new = len(added) == len(said)
        if new or self.removed or _names(s, added) or not _readable(s, set(words(s.lower()))):
            return None  # a detail changed ("April" to "May") or given: not a preference
        return Stated(t.item_id, s.strip(), NEEDS, PREFER, "correction", MIN_STRENGTH,
                      added=" ".join(added))


def _names(s: str, added: list[str]) -> bool:
    """Whether an added word is a name (capitalised inside the sentence) or a number."""
    capitalised = {w.strip(".,;:!?()\"'").lower() for w in s.split()[1:] if w[:1].isupper()}
    return any(w in capitalised or any(c.isdigit() for c in w) for w in added)


# -- revealed choices -------------------------------------------------------------------


def _choice(t: Turn) -> Stated | None:
    if t.role == "writing" or not t.before.strip():
        return None
    low = t.text.lower().replace("’", "'")
    if not is_choice(low):
        return None
    options = offered(t.before)
    # A reply that picks or turns down "the other options" after a substantial answer is a
    # choice even when the options were prose this parser cannot split.
    if len(options) < 2 and len(t.before.split()) < MIN_OFFER_WORDS:
        return None
    picked = which(low, options) if options else None
    if praise_only(low, options[picked] if picked is not None else None):
        return None  # "That sounds perfect!"
    firmness = FIRM if REJECT.search(low) else PREFER
    return Stated(
        t.item_id, t.text.strip()[:MAX_SENTENCE_CHARS], LIKES, firmness, "choice", 1.0,
        chosen=options[picked] if picked is not None else "",
        asked_item=t.before_item if t.before_item != t.item_id else None,
        offer=t.offer,
    )
