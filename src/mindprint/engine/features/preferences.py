"""What people say about themselves: preferences read from the user's side of a chat.

Offline and general: no topic word lists. A sentence the user wrote is a *stated*
preference when it speaks in the first person and takes a stance (likes, avoids, needs,
or an identity fact that changes advice), found by stance language ("I can't stand",
"I avoid", "I only", "I follow a ... diet") or, failing that, by the sentiment of a
first-person verdict ("I find X boring"). A reply that picks one of the options the
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

from mindprint.engine.features.extract import sentiment
from mindprint.engine.features.text import STOPWORDS, sentences, words
from mindprint.engine.features.turns import Turn
from mindprint.engine.model_settings import MODEL

# Stances and how firmly they are held.
LIKES, AVOIDS, NEEDS, IS = "likes", "avoids", "needs", "is"
STRICT, FIRM, PREFER = "strict", "firm", "prefer"
MIN_STRENGTH = MODEL.pref_min_strength
MAX_SENTENCE_CHARS = 400

_FIRST = frozenset(
    ["i", "i'm", "i've", "i'd", "i'll", "im", "ive", "my", "me", "myself", "mine", "we", "we're", "we've", "our", "us", "ourselves"]
)
# (pattern, stance, firmness, strength): general stance language, matched on the lower-cased
# sentence. Ordered by nothing: the strongest match wins.
_CUES = [
    (r"\b(can'?t|cannot|can not) (stand|handle|tolerate|bear)\b", AVOIDS, FIRM, 1.0),
    (r"\b(dislike[sd]?|hate[sd]?|detest|loathe|despise|distaste|disdain|opposed to)\b", AVOIDS, FIRM, 1.0),
    (r"\b(i'?m|i am|we'?re|we are) (\w+ )?against\b", AVOIDS, FIRM, 1.0),
    (r"\b(avoid(s|ed|ing)?|steer clear|stay away|aversion|averse)\b", AVOIDS, FIRM, 1.0),
    (r"\b(rather|prefer(s|red)? to|prefer) not\b", AVOIDS, FIRM, 1.0),
    (r"\b(uninterested|not (comfortable|keen|a (big |huge )?fan)|not (really )?into|off-?putting)\b", AVOIDS, FIRM, 1.0),
    (r"\b(not|never been) interested\b|\bno interest\b|\b(do|does) ?n[o']t interest\b|\bnot for me\b", AVOIDS, FIRM, 0.9),
    (r"\b(do ?n[o']t|does ?n[o']t|never) (really )?(like|enjoy|care for|want|eat|drink|use|wear|watch|play|listen|read|buy|go|fly|drive|own|consume|support|trust|do)\b", AVOIDS, FIRM, 1.0),
    (r"\b(refuse[sd]?|won'?t|will not|would never)\b", AVOIDS, STRICT, 1.0),
    (r"\b(allerg(y|ic|ies)|intoleran(t|ce)|sensitiv(e|ity) to|coeliac|celiac)\b", AVOIDS, STRICT, 1.0),
    (r"\b(fear|afraid|scared|terrified|phobia|nause\w+|uncomfortable)\b", AVOIDS, FIRM, 0.9),
    (r"\b(turned off|put off|bothers? me|annoy(s|ed|ing)?|gives? me (a )?(headache|migraine))\b", AVOIDS, FIRM, 0.8),
    (r"\b(can'?t|cannot|can not|unable to) (eat|drink|have|use|do|wear|take|afford|travel|fly|walk|sit|climb|digest)\b", AVOIDS, STRICT, 1.0),
    (r"\bi (really |absolutely |definitely |always )?need\b|\bneeds? (a|an|to be)\b", NEEDS, STRICT, 1.0),
    # "must-see", "must-try": what a place is known for, not what the person needs.
    (r"\b(must(?!-(?!have))|have to|has to|require[sd]?|requirement|essential|non-negotiable|must-have|deal-?breaker)\b", NEEDS, STRICT, 0.9),
    (r"\b(follow|adhere to|stick to|keep|on) (a |an |to a |to an )?[\w\-, ]{0,40}(diet|rule|routine|schedule|budget|lifestyle)\b", NEEDS, STRICT, 1.0),
    (r"\b(i|we) (\w+ ){0,2}(only|exclusively|solely)\b|\bstrict(ly)?\b", NEEDS, STRICT, 0.8),
    (r"\b(important|matters?) (to|for) me\b|\bprioriti[sz]e\b|\bpriority\b", NEEDS, FIRM, 0.9),
    (r"\bbudget\b", NEEDS, FIRM, 0.6),
    (r"\b(prefer(s|red|ring)?|preference|rather)\b", LIKES, PREFER, 1.0),
    # "like" and "into" are prepositions too ("lenses like a lensbaby", "break it into"):
    # only with a subject or an adverb before them.
    (r"\b(i|we|i'd|i would|really|also|just|still|do|did|always|genuinely) (really |also |just |still |do |truly )?(like|love|enjoy)\b", LIKES, PREFER, 0.9),
    (r"\b(loves?|adore|enjoys|fond of|fan of|passionate about|keen on|fascinated|(i'?m|i am|we'?re|really) into)\b", LIKES, PREFER, 0.9),
    (r"\b(favou?rite|drawn to|gravitate|appreciate)\b", LIKES, PREFER, 0.8),
    (r"\b(usually|typically|tend to|always|generally|normally)\b", LIKES, PREFER, 0.5),
]
CUES = [(re.compile(p), stance, firm, s) for p, stance, firm, s in _CUES]
_STRICT = re.compile(
    r"\b(strict(ly)?|absolutely|severe|never|must|cannot|can'?t|refuse|only|exclusively|"
    r"allerg\w*|intoleran\w*|non-negotiable|under no circumstances)\b"
)
_STRONG = re.compile(r"\b(strongly|really|extremely|intense|deep|firm|hate|detest|loathe|aversion)\b")
# Asking the assistant for something is not a statement about oneself...
_REQUEST = re.compile(
    r"\b(can you|could you|would you|will you|please|(?<!to )help me|i want you to|i need you to|"
    r"i'?d like you to|act as|write (me )?a|give me|tell me|show me|explain|list (me )?|"
    r"generate|create|make me (a|an)\b|translate|summari[sz]e|rewrite|correct this|fix this)\b"
)
# Liking what the assistant just proposed ("I love the idea of themed snacks", "I like your
# suggestion"), after an answer, is a reaction to it, not a standing preference.
_PROPOSAL = re.compile(
    r"\b(like|love|enjoy|appreciate)s? (the|your|that|this|those|these) (ideas?|suggestions?|tips?|"
    r"plans?|recommendations?|approach|advice)\b"
)
# ... unless the stance sits in a clause of its own ("since I'm vegan").
_ASIDE = re.compile(r"\b(since|because|as) (i|i'm|i am|we)\b")
# First-person verdicts with no stance word, read by their sentiment ("I find X boring").
# "I'm" followed by an -ing word is what one is doing now ("I'm looking for advice", "I'm
# struggling to keep up"), not a verdict.
_VERDICT = re.compile(
    r"\b(i|we) (find|found|feel|felt|get|got|think)\b|\bi'?m\b(?! \w+ing\b)|\bi am\b(?! \w+ing\b)|"
    r"\bmakes? me\b|\bto me\b"
)
# Identity facts that change advice ("as a nurse", "I'm a wheelchair user", "I weigh 80 kg").
_FACT = re.compile(
    r"\b(i'?m|i am) (a|an) [a-z\-]+|\bas (a|an) [a-z\-]+|\bas someone who\b|\bbeing (a|an) [a-z\-]+|"
    r"\bi (weigh|live|work|study|have (a|an|two|three|four|\d+)|own)\b"
)
# An identity said as an adjective that closes its clause ("I'm vegetarian.", "I've been
# vegan for years"). A feeling or a passing state is not one: those carry sentiment, end in
# -ing/-ed/-ly, or are among the few neutral ones below; a capitalised word is a name unless
# it reads as a nationality or a faith ("Canadian", "Jewish", "Catholic", "Japanese").
_IDENTITY = re.compile(
    r"\b(?:i'?m|i am|i'?ve been|i have been) (?:(?:a|an|strictly|mostly|fully|also) )?"
    r"([A-Za-z][a-z\-]{3,})(?=\s*(?:[.,;:!]|$|\b(?:and|so|but|for|since)\b))",
    re.IGNORECASE,
)
_STATES = frozenset(
    [
        "ready", "here", "there", "back", "home", "alone", "done", "sure", "fine", "okay",
        "free", "busy", "late", "early", "curious", "aware", "stuck", "right", "wrong",
        "correct", "lost", "away", "good", "well", "open", "tired", "hungry", "sick",
        "unsure", "certain", "able", "unable", "online", "offline", "available", "around",
        "bored", "nervous", "afraid", "scared"
    ]
)
_CODE = re.compile(
    r"[{}=<>\[\]#]|\b(def|class|import|return|function|var|const|public|void)\b|"
    r"\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*|\w_\w"
)
# Talking to the assistant ("you") or about what one is about to do ("I'll need to") is
# about the task at hand, not a standing trait.
_TASK = re.compile(r"\byou\b|\b(i'?ll|i will|i'?m going to|let'?s|we'?ll|i'?d like to)\b")
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
_ABOUT_ANSWERS = re.compile(
    r"\b(answers?|repl(y|ies)|responses?|explanations?|lists?|bullets?|bullet points|units|words|"
    r"sentences|paragraphs|format|formatting|tone|language|examples?|code|summary|details?|"
    r"short|shorter|brief|concise|long|longer|simple|simpler|technical|jargon|emojis?|metric|imperial)\b"
)
# A reply that picks among offered options, or turns the others down.
_CHOOSE = re.compile(
    r"\b(go(ing)? with|go for|opt for|settle (on|for)|i choose|i pick|i'?ll take|option \d|"
    r"the (first|second|third|fourth|fifth|last) (one|option)|(sounds?|seems?|would be) (like )?"
    r"(the )?(most|more|best|right|perfect|ideal)|best (fit|option|choice)|most (suitable|appealing)|"
    # "... sounds like a good option": a plain adjective only with the noun that makes it a pick.
    r"(sounds?|seems?|looks?|would be) (like )?an? (good|great|nice|better|solid|safe) "
    r"(option|choice|fit|pick|match|bet))\b"
)
_REJECT = re.compile(
    r"\b(the )?(other|rest|remaining) (options?|ones|choices)\b|\b(do ?n[o']t|does ?n[o']t|do not|"
    r"does not|wo ?n't|aren'?t|are not|is ?n't|is not) (really |quite )?(appeal|suit|fit|work|"
    r"interest|align|my thing|for me)|\btoo [\w\- ]{1,30} for (me|my)\b|\b(i'?ll|i will) pass on\b"
)
MIN_OFFER_WORDS = 15
_BUT = re.compile(r",\s+but\s+", re.I)
MIN_CLAUSE_WORDS = 3
LIST_LINE = re.compile(r"(?m)^\s*(\d+[.)]|[-*•])\s+(.+)$")
_INLINE_NUM = re.compile(r"(?:^|\s)(\d)[.)]\s+")
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4}
# Markdown emphasis around an option's name ("**Train**: Eurostar to Paris").
_EMPHASIS = re.compile(r"\*\*|__")


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
    """A sentence short enough, with words enough, and not code."""
    return len(s) <= MAX_SENTENCE_CHARS and len(ws) >= 2 and len(_CODE.findall(s)) < 2


def _sentence(t: Turn, s: str) -> Stated | None:
    low = s.lower().replace("’", "'")
    ws = set(words(low))
    if not _readable(s, ws):
        return None
    reacting = t.role in ("reaction", "comment") and bool(t.before.strip())
    if reacting and _CORRECTION.search(low):
        return Stated(t.item_id, s.strip(), _stance_of(low, AVOIDS), FIRM, "correction", 0.8)
    if _INSTRUCTION.search(low) and _ABOUT_ANSWERS.search(low) and not s.rstrip().endswith("?"):
        return Stated(t.item_id, s.strip(), _stance_of(low, NEEDS), FIRM, "instruction", 0.9)
    found = _cue(low, ws, s)
    if found is None:
        return None
    strength, stance, firmness = found
    if not ws & _FIRST:
        strength *= 0.3
    if (_REQUEST.search(low) and not _ASIDE.search(low)) or (t.before and _PROPOSAL.search(low)):
        strength *= 0.4
    elif _TASK.search(low) and not _ASIDE.search(low):
        strength *= 0.6
    if s.rstrip().endswith("?") and not _ASIDE.search(low):
        strength *= 0.6
    if _STRICT.search(low):
        firmness = STRICT
    elif firmness == PREFER and _STRONG.search(low):
        firmness = FIRM
    return Stated(t.item_id, s.strip(), stance, firmness, "stated", round(strength, 3))


def _cue(low: str, ws: set[str], text: str = "") -> tuple[float, str, str] | None:
    best: tuple[float, str, str] | None = None
    for rx, stance, firmness, strength in CUES:
        if (best is None or strength > best[0]) and rx.search(low):
            best = (strength, stance, firmness)
    if best is None and ws & _FIRST and _VERDICT.search(low):
        c = sentiment(low)
        if abs(c) >= 0.3:
            best = (0.8, LIKES if c > 0 else AVOIDS, PREFER)
    if best is None and ws & _FIRST and (_FACT.search(low) or _identity(text)):
        best = (0.5, IS, PREFER)
    return best


def _identity(text: str) -> bool:
    """Whether ``text`` says what the person is with an adjective ("I'm vegan.")."""
    for m in _IDENTITY.finditer(text.replace("\u2019", "'")):
        w = m.group(1)
        if w[0].isupper() and not w.endswith(("ish", "ese", "ian", "ic")):
            continue
        w = w.lower()
        if not (w.endswith(("ing", "ed", "ly")) or w in _STATES or sentiment(w)):
            return True
    return False


def _stance_of(low: str, default: str) -> str:
    found = _cue(low, set(words(low)))
    return found[1] if found is not None and found[1] != IS else default


# -- edited messages ---------------------------------------------------------------------


def _content(text: str) -> list[str]:
    # A lone digit counts: "for 4 people" adds a number, a detail of the task.
    return [w for w in dict.fromkeys(words(text.lower().replace("’", "'")))
            if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def edit_added(first: str, said: str) -> str:
    """The content words of ``said`` that the first version of its message lacked."""
    before = set(_content(first))
    return " ".join(w for w in _content(said) if w not in before)


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
        first = frozenset(_content(t.revised))
        return cls(first, bool(first - set(_content(t.text))))

    def read(self, t: Turn, s: str, got: Stated | None) -> Stated | None:
        """A sentence with words the edit added corrects the first version: a stance in it
        is held firmly (they went back to say it, so a request around it does not weaken
        it); with no stance, a pure addition of a quality ("a *quiet* weekend",
        "*vegetarian* restaurants") is something they need, while one that names a thing (a
        capitalised name, a number: "a weekend *in Porto*") specifies the task, and so does
        a sentence with no stance that is new ("Could you find trains?"), not a first one
        they reworded. A sentence the first version had already says nothing new."""
        said = _content(s)
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


def offered(text: str) -> list[str]:
    """The options an answer offers: a numbered or bulleted list, inline numbers ("1. ...
    2. ..."), or a prose enumeration with "or" ("a fleece, a wool or a cashmere blanket")."""
    text = _EMPHASIS.sub("", text)
    lines = [m.group(2).strip() for m in LIST_LINE.finditer(text)]
    if len(lines) >= 2:
        return lines
    parts = _INLINE_NUM.split(text)
    if len(parts) >= 5:
        return [p.strip() for p in parts[2::2] if p.strip()]
    if re.search(r"\bor\b", text) and text.count(",") >= 2:
        clauses = re.split(r"(?<=[.!?;:])\s+|,\s+(?:or|and)\s+|\s+or\s+|,\s+", text)
        return [c.strip() for c in clauses if len(c.split()) >= 2]
    return []


def _choice(t: Turn) -> Stated | None:
    if t.role == "writing" or not t.before.strip():
        return None
    low = t.text.lower().replace("’", "'")
    if not (_CHOOSE.search(low) or _REJECT.search(low)):
        return None
    options = offered(t.before)
    # A reply that picks or turns down "the other options" after a substantial answer is a
    # choice even when the options were prose this parser cannot split.
    if len(options) < 2 and len(t.before.split()) < MIN_OFFER_WORDS:
        return None
    picked = _which(low, options) if options else None
    firmness = FIRM if _REJECT.search(low) else PREFER
    return Stated(
        t.item_id, t.text.strip()[:MAX_SENTENCE_CHARS], LIKES, firmness, "choice", 1.0,
        chosen=options[picked] if picked is not None else "",
        asked_item=t.before_item if t.before_item != t.item_id else None,
        offer=t.offer,
    )


def _which(low: str, options: list[str]) -> int | None:
    """The option a reply picks: by number ("option 3"), by ordinal ("the first one"), or
    the one sharing the most content words with it."""
    m = re.search(r"\boption (\d)\b", low)
    if m and 1 <= int(m.group(1)) <= len(options):
        return int(m.group(1)) - 1
    m = re.search(r"\bthe (first|second|third|fourth|fifth) (one|option)\b", low)
    if m and _ORDINALS[m.group(1)] < len(options):
        return _ORDINALS[m.group(1)]
    said = {w for w in words(low) if w not in STOPWORDS}
    overlap = [len(said & set(words(o))) / (1 + len(set(words(o)))) for o in options]
    best = max(range(len(options)), key=lambda i: overlap[i])
    return best if overlap[best] > 0 else None

