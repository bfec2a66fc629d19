"""The language of stances: which stance the user's words take, said or revealed.

Said: general stance language ("I can't stand", "I avoid", "I only", "I follow a ...
diet"), or, failing that, the sentiment of a first-person verdict ("I find X boring"), or a
fact about oneself that changes advice ("as a nurse", "I'm vegetarian", "I weigh 80 kg"),
and how firmly. Revealed: which of the options the assistant just offered a reply picks.
The answer only supplies the options (a numbered or bulleted list, inline numbers, or a
prose enumeration with "or"); the pick is read from the user's words alone: by number
("option 3"), by ordinal ("the first one"), or by the words that name one option and no
other ("The Timemore sounds perfect"). Words said in a clause that turns something down
("I don't want anything electric", "the XPS is too glossy for me") count against the
options they name: a reply never chooses the option it rejects.

Whether what is said is the person's standing view rather than the task of the moment is
decided by :mod:`preferences`, which reads it.
"""

from __future__ import annotations

import re
from collections import Counter

from mindprint.engine.features.extract import sentiment
from mindprint.engine.features.text import LIST_LINE, STOPWORDS, sentences, words

# Stances and how firmly they are held.
LIKES, AVOIDS, NEEDS, IS = "likes", "avoids", "needs", "is"
STRICT, FIRM, PREFER = "strict", "firm", "prefer"

FIRST = frozenset(
    ["i", "i'm", "i've", "i'd", "i'll", "im", "ive", "my", "me", "myself", "mine", "we", "we're", "we've", "our", "us", "ourselves"]
)
# "I must add / say / admit": how one goes on speaking, not a need or a strict stance.
_GOING_ON = r"(?! (add|say|admit|confess|mention|note|point out|stress|ask)\b)"
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
    (r"\b(must(?!-(?!have))" + _GOING_ON + r"|have to|has to|require[sd]?|requirement|essential|non-negotiable|must-have|deal-?breaker)\b", NEEDS, STRICT, 0.9),
    (r"\b(follow|adhere to|stick to|keep|on) (a |an |to a |to an )?[\w\-, ]{0,40}(diet|rule|routine|schedule|budget|lifestyle)\b", NEEDS, STRICT, 1.0),
    (r"\b(i|we) (\w+ ){0,2}(only|exclusively|solely)\b|\bstrict(ly)?\b", NEEDS, STRICT, 0.8),
    (r"\b(important|matters?) (to|for) me\b|\bprioriti[sz]e\b|\bpriority\b", NEEDS, FIRM, 0.9),
    (r"\bbudget\b", NEEDS, FIRM, 0.6),
    (r"\b(prefer(s|red|ring)?|preference|rather)\b", LIKES, PREFER, 1.0),
    # "like" and "into" are prepositions too ("lenses like a lensbaby", "break it into"):
    # only with a subject or an adverb before them.
    (r"\b(i|we|really|also|just|still|do|did|always|genuinely) (really |also |just |still |do |truly )?(like|love|enjoy)\b", LIKES, PREFER, 0.9),
    # "I'd like a quiet room" is a taste; "I'd like to get down to 85 kg" a wish of the moment.
    (r"\b(i'd|i would) (really |also |just |truly )?(like|love|enjoy)\b(?! to\b)", LIKES, PREFER, 0.9),
    (r"\b((?<!'d )(?<!would )loves?|adore|enjoys|fond of|fan of|passionate about|keen on|fascinated|(i'?m|i am|we'?re|really) into)\b", LIKES, PREFER, 0.9),
    (r"\b(favou?rite|drawn to|gravitate|appreciate)\b", LIKES, PREFER, 0.8),
    (r"\b(usually|typically|tend to|always|generally|normally)\b", LIKES, PREFER, 0.5),
]
# A habit ("usually") or a mention of money ("budget") alone says no stance of its own.
WEAK_CUE = 0.6
CUES = [(re.compile(p), stance, firm, s) for p, stance, firm, s in _CUES]
STRICT_WORDS = re.compile(
    r"\b(strict(ly)?|absolutely|severe|never|must" + _GOING_ON + r"|cannot|can'?t|refuse|only|exclusively|"
    r"allerg\w*|intoleran\w*|non-negotiable|under no circumstances)\b"
)
STRONG_WORDS = re.compile(r"\b(strongly|really|extremely|intense|deep|firm|hate|detest|loathe|aversion)\b")
# A verdict in the conditional judges a possibility, not a taste (see _supposing).
_SUPPOSED = re.compile(
    r"\b(could|would|might|may|will|'d|'ll) (really |definitely |probably |also |certainly )?"
    r"(be|make|work|help|add|give|prove)\b"
)
_FOR_ME = re.compile(
    r"\bfor (me|my|myself)\b|\bto me\b|\bmy (taste|liking|style)\b|"
    r"\b(i|we)('d|'ll| would| will| could| might) (really |definitely |probably |also )?(be|feel)\b"
)
# First-person verdicts with no stance word, read by their sentiment ("I find X boring").
_VERDICT = re.compile(r"\b(i|we) (find|found|feel|felt|get|got|think)\b|\bmakes? me\b|\bto me\b")
# "I'm <word>" is a verdict unless the word says how one is or what one does right now:
# what one is doing ("I'm mainly struggling"), a passing state ("I'm not sure", "I'm curious
# about"), a feeling with no object to judge ("I'm exhausted", "I'm worried about the
# permits"); a feeling taken in something is a taste ("I'm interested in", "fascinated by").
_I_AM = re.compile(
    r"\bi(?:'?m| am) ((?:\w+ly|a bit|a little|not|so|really|also|pretty|quite|very|too|just|still) )*([\w\-]+)"
    r"( (?:in|by|with)\b)?"
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


def cue(low: str, ws: set[str], text: str = "") -> tuple[float, str, str] | None:
    best: tuple[float, str, str] | None = None
    for rx, stance, firmness, strength in CUES:
        if (best is None or strength > best[0]) and rx.search(low):
            best = (strength, stance, firmness)
    if best is None and ws & FIRST and (_VERDICT.search(low) or _judging(low)) and not _supposing(low):
        c = sentiment(low)
        if abs(c) >= 0.3:
            best = (0.8, LIKES if c > 0 else AVOIDS, PREFER)
    if best is None and ws & FIRST and (_FACT.search(low) or _identity(text)):
        best = (0.5, IS, PREFER)
    return best


def _supposing(low: str) -> bool:
    """Whether a verdict is on a possibility under discussion ("I think a book-themed tea
    party would be a hit", "something more creative could be fun"): the plan of the moment,
    unless said of oneself ("I think it would be awful for me", "I'd be happier in a quiet
    neighbourhood")."""
    return bool(_SUPPOSED.search(low)) and not _FOR_ME.search(low)


def _judging(low: str) -> bool:
    """Whether an "I'm ..." in ``low`` judges something rather than saying how one is now."""
    return any(not (m.group(2).endswith("ing") or m.group(2) in _STATES
                    or (m.group(2).endswith("ed") and not m.group(3)))
               for m in _I_AM.finditer(low))


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


def stance_of(low: str, default: str) -> str:
    """The stance of a correction or an instruction: its stance words, when it has any
    besides a habit ("always give me metric units" needs them, it does not like them)."""
    found = cue(low, set(words(low)))
    return found[1] if found is not None and found[1] != IS and found[0] > WEAK_CUE else default


# -- revealed choices -------------------------------------------------------------------

# A reply that picks among offered options, or turns the others down.
CHOOSE = re.compile(
    r"\b(go(ing)? with|go for|opt for|settle (on|for)|i choose|i pick|i'?ll take|option \d|"
    r"the (first|second|third|fourth|fifth|last) (one|option)|(sounds?|seems?|would be) (like )?"
    r"(the )?(most|more|best|right|perfect|ideal)|best (fit|option|choice)|most (suitable|appealing)|"
    # "... sounds like a good option": a plain adjective only with the noun that makes it a pick.
    r"(sounds?|seems?|looks?|would be) (like )?an? ((good|great|nice|better|solid|safe)(,| and)? ){1,2}"
    r"(option|choice|fit|pick|match|bet))\b"
)
REJECT = re.compile(
    r"\b(the )?(other|rest|remaining) (options?|ones|choices)\b|\b(do ?n[o']t|does ?n[o']t|do not|"
    r"does not|wo ?n't|aren'?t|are not|is ?n't|is not) (really |quite )?(appeal|suit|fit|work|"
    r"interest|align|my thing|for me)|\btoo [\w\- ]{1,30} for (me|my)\b|\b(i'?ll|i will) pass on\b"
)
# Praise alone ("That sounds perfect!") picks nothing unless it names an option; a pick
# said as a habit ("I tend to go for vegan options") is a standing preference, not a choice.
_PICK = re.compile(
    r"\b(go(ing)? with|go for|opt for|settle (on|for)|i choose|i pick|i'?ll take|option \d|"
    r"the (first|second|third|fourth|fifth|last) (one|option))\b"
)
_HABIT = re.compile(
    r"\b(tend to|usually|always|generally|normally|often|typically) (go for|go with|opt for|choose|pick)\b"
)
# A clause that turns something down: its words count against the options they name.
_AGAINST = re.compile(
    r"\b(not|never|neither|nor|too|no longer|out of the question|rather not|avoid\w*|dislike\w*|"
    r"hate\w*|pass on|dont|doesnt|wont|cant)\b|n't\b"
)
# The subject of a praise ("<subject> sounds perfect"), and the words that make it the whole
# answer rather than one of its options.
_PRAISED = re.compile(r"(?:^|[.!?]\s+)([^.!?]{1,120}?)\s+(?:sounds?|seems?|looks?|would be|is|are)\b")
_WHOLE = frozenset(["that", "that's", "those", "these", "this", "it", "they", "all", "both", "everything"])
_CLAUSE = re.compile(r"[,;]\s+|\s+(?:but|while|whereas|though|although)\s+")
_INLINE_NUM = re.compile(r"(?:^|\s)(\d)[.)]\s+")
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4}
# Markdown emphasis around an option's name ("**Train**: Eurostar to Paris").
_EMPHASIS = re.compile(r"\*\*|__")
# What brackets hold ("(electric, 150 euros)") belongs to the option before them.
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_HELD = "\x00"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_PROSE = re.compile(r"(?<=[.!?;:])\s+|,\s+(?:or|and)\s+|\s+or\s+|,\s+")


def offered(text: str) -> list[str]:
    """The options an answer offers: a numbered or bulleted list, inline numbers ("1. ...
    2. ..."), or a prose enumeration with "or" ("a fleece, a wool or a cashmere blanket"),
    never split inside brackets."""
    text = _EMPHASIS.sub("", text)
    lines = [m.group(2).strip() for m in LIST_LINE.finditer(text)]
    if len(lines) >= 2:
        return lines
    parts = _INLINE_NUM.split(text)
    if len(parts) >= 5:
        found = [p.strip() for p in parts[2::2] if p.strip()]
        # The last option ends with its sentence; what follows is the answer going on.
        return [*found[:-1], _SENTENCE_END.split(found[-1], maxsplit=1)[0]] if found else []
    if re.search(r"\bor\b", text) and text.count(",") >= 2:
        held = _BRACKETED.sub(lambda m: re.sub(r"\s", _HELD, m.group(0)), text)
        clauses = [c.replace(_HELD, " ").strip() for c in _PROSE.split(held)]
        return [c.rstrip(".!?") for c in clauses if len(c.split()) >= 2]
    return []


# A reply reporting that code failed ("That method doesn't work on a QVBoxLayout: TypeError:
# ...", a call or a traceback in it) turns down no option, whatever "doesn't work" says.
_FAILURE = re.compile(r"\w(error|exception)\b\s*:|\btraceback\b|[a-z_]\.[a-z_]\w*\(")


def is_choice(low: str) -> bool:
    """Whether a reply (lower-cased) reads as picking among options or turning them down."""
    turned_down = REJECT.search(low) and not _FAILURE.search(low)
    return bool((CHOOSE.search(low) or turned_down) and not _HABIT.search(low))


def praise_only(low: str, option: str | None) -> bool:
    """Whether a reply only praises without naming an option: no pick ("I'll go with"), no
    rejection, and no praise whose subject is the option (``option``: the one its words
    share most with): "The Timemore sounds perfect" names it, "Those sound perfect!" or
    "That sounds perfect" praises the whole answer."""
    if _PICK.search(low) or REJECT.search(low):
        return False
    named = {w for w in words(option.lower()) if w not in STOPWORDS} if option else set()
    for m in _PRAISED.finditer(low):
        subject = words(m.group(1))
        if subject and subject[0] not in _WHOLE and named & set(subject):
            return False
    return True


def which(low: str, options: list[str]) -> int | None:
    """The option a reply picks: by number ("option 3"), by ordinal ("the first one"), or
    by the words it shares with one option, each word counting by how few options share
    it, for the option when said in favour and against it when said turning it down."""
    m = re.search(r"\boption (\d)\b", low)
    if m and 1 <= int(m.group(1)) <= len(options):
        return int(m.group(1)) - 1
    m = re.search(r"\bthe (first|second|third|fourth|fifth) (one|option)\b", low)
    if m and _ORDINALS[m.group(1)] < len(options):
        return _ORDINALS[m.group(1)]
    named = [{w for w in words(o.lower()) if w not in STOPWORDS} for o in options]
    shared = Counter(w for ws in named for w in ws)
    liked, rejected = _sides(low)
    score = [
        (sum(1 / shared[w] for w in ws & liked) - sum(1 / shared[w] for w in ws & rejected))
        / (1 + len(ws))
        for ws in named
    ]
    best = max(range(len(options)), key=lambda i: score[i])
    return best if score[best] > 0 else None


def _sides(low: str) -> tuple[set[str], set[str]]:
    """The content words a reply says in favour, and those it says turning something down
    (a clause with a negation: "I don't want anything electric")."""
    liked: set[str] = set()
    rejected: set[str] = set()
    for s in sentences(low):
        for clause in _CLAUSE.split(s):
            side = rejected if _AGAINST.search(clause) else liked
            side.update(w for w in words(clause) if w not in STOPWORDS)
    return liked - rejected, rejected
