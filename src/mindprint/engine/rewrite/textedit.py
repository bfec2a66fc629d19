"""Word-level text surgery that never touches protected spans.

Substituting whole words or phrases (keeping the capital of the word replaced and
fixing "a"/"an" before the new word) and deleting words with the comma that sets
them off. Code, URLs, @mentions, #hashtags and numbers (see
:data:`mindprint.engine.rewrite.fidelity.PROTECT_RE`) pass through unchanged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence

from mindprint.engine.features.text import STOPWORDS
from mindprint.engine.rewrite.fidelity import PROTECT_RE

_W = r"[\w'\u2019]"  # a character that continues a word
_SENTENCE_END_RE = re.compile(r"[.!?]\s*$")
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")


def map_unprotected(text: str, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to the text between protected spans only."""
    out: list[str] = []
    last = 0
    for m in PROTECT_RE.finditer(text):
        out.append(fn(text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(fn(text[last:]))
    return "".join(out)


def ends_protected(text: str) -> bool:
    """Whether ``text`` ends inside a protected span (a URL's final dot is the URL's)."""
    spans = list(PROTECT_RE.finditer(text))
    return bool(spans) and spans[-1].end() == len(text)


def norm(phrase: str) -> str:
    """Lowercase, straight apostrophes, single spaces: the lexicon's spelling."""
    return " ".join(phrase.lower().replace("\u2019", "'").split())


def cased(src: str, tgt: str) -> str:
    """``tgt`` with the initial capital of ``src``."""
    return tgt[:1].upper() + tgt[1:] if src[:1].isupper() else tgt


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;\"(\n"


def _is_i(phrase: str) -> bool:
    return norm(phrase).split()[0].split("'")[0] == "i"


def _source_pattern(source: str, lookbehind: str, lookahead: str) -> str:
    body = r"\s+".join(re.escape(w).replace("'", "['\u2019]") for w in source.split())
    return lookbehind + body + lookahead


@functools.lru_cache(maxsize=1024)
def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"(?<!{_W})(?:{'|'.join(patterns)})(?!{_W})", re.I)


def substitute(
    text: str,
    mapping: Mapping[str, str],
    lookaheads: Mapping[str, str] | None = None,
    lookbehinds: Mapping[str, str] | None = None,
) -> tuple[str, list[tuple[str, str]]]:
    """Replace whole-word ``mapping`` sources (lexicon spelling), longest first.

    ``lookaheads``/``lookbehinds`` add regex conditions on what must follow or
    precede a source. A capitalised source inside a sentence is left alone (likely
    a name). Returns the new text and the ``(source, target)`` pairs replaced.
    """
    present = set(_TOKEN_RE.findall(text.lower().replace("\u2019", "'")))
    # Only sources whose words are all in the text: a small pattern, usually cached.
    candidates = [s for s in mapping if all(w.strip(",") in present for w in s.split())]
    if not candidates:
        return text, []
    after = lookaheads or {}
    before = lookbehinds or {}
    ordered = sorted(candidates, key=lambda s: (-len(s), s))
    pattern = _compile(
        tuple(_source_pattern(s, before.get(s, ""), after.get(s, "")) for s in ordered)
    )
    done: list[tuple[str, str]] = []

    def repl(m: re.Match[str]) -> str:
        src = m.group(0)
        if src[:1].isupper() and not _sentence_initial(m.string, m.start()) and not _is_i(src):
            return src  # a capital inside a sentence: likely a name ("Great Britain")
        tgt = mapping[norm(src)]
        done.append((norm(src), tgt))
        return cased(src, tgt)

    text = map_unprotected(text, lambda seg: pattern.sub(repl, seg))
    return fix_articles(text, {t.split()[0] for _, t in done if t[:1].isalpha()}), done


@functools.lru_cache(maxsize=1024)
def _article_pattern(first: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!{_W})(an?)(\s+)(?={re.escape(first)}(?!{_W}))", re.I)


def fix_articles(text: str, firsts: set[str]) -> str:
    """ "a"/"an" agreeing with the words in ``firsts`` ("a awesome" → "an awesome")."""
    for first in sorted(firsts):
        article = "an" if first[0] in "aeiou" else "a"
        pattern = _article_pattern(first)

        def fix(m: re.Match[str], article: str = article) -> str:
            return cased(m.group(1), article) + m.group(2)

        text = map_unprotected(text, functools.partial(pattern.sub, fix))
    return text


@functools.lru_cache(maxsize=256)
def _drop_pattern(drop: frozenset[str]) -> re.Pattern[str]:
    alt = "|".join(sorted(map(re.escape, drop)))
    # Spaces after the word go with it only when more text follows in the segment,
    # so the space before a protected span ("… @amy") always stays.
    return re.compile(
        rf"(,[ \t]*)?(?<!{_W})({alt})(?!{_W})([ \t]*,)?(?:[ \t]+(?=\S))?", re.I
    )


def drop_words(text: str, drop: frozenset[str]) -> tuple[str, list[str]]:
    """Delete the whole words in ``drop`` with the comma that sets them off.

    "Unfortunately, it rained" → "It rained"; "it is quite good" → "it is good";
    "a, indeed, b" → "a, b". Returns the new text and the words dropped.
    """
    if not drop:
        return text, []
    present = set(_TOKEN_RE.findall(text.lower()))
    drop = frozenset(w for w in drop if w in present)
    if not drop:
        return text, []
    pattern = _drop_pattern(drop)
    dropped: list[str] = []

    def fix(seg: str) -> str:
        out: list[str] = []
        last = 0
        for m in pattern.finditer(seg):
            before = seg[last : m.start()]
            rest = seg[m.end() :]
            so_far = "".join(out) + before
            initial = not so_far.strip() or bool(_SENTENCE_END_RE.search(so_far))
            lead, word, trail = m.group(1), m.group(2), m.group(3)
            dropped.append(word.lower())
            if lead and trail:
                joiner = ", "  # "a, indeed, b" -> "a, b"
            elif lead and (not rest or rest[:1] in ".!?"):
                joiner = ""  # "good, indeed." -> "good."
            elif lead:
                joiner = lead if rest[:1].isalnum() else lead.rstrip()
            elif so_far[-1:].isalnum() and rest[:1].isalnum():
                joiner = " "
            else:
                joiner = ""
            out.append(before + joiner)
            last = m.end()
            if not joiner and (not so_far or so_far[-1:].isspace()):
                while last < len(seg) and seg[last] in " \t":
                    last += 1  # no double space
            if initial and word[:1].isupper() and seg[last : last + 1].islower():
                out.append(seg[last].upper())  # keep the sentence's capital
                last += 1
        out.append(seg[last:])
        return "".join(out)

    return map_unprotected(text, fix), dropped


def summary(done: Sequence[tuple[str, str]]) -> str:
    """ "you → u (×2), because → cuz" """
    seen: dict[tuple[str, str], int] = {}
    for pair in done:
        seen[pair] = seen.get(pair, 0) + 1
    return ", ".join(f"{s} → {t}" + (f" (×{k})" if k > 1 else "") for (s, t), k in seen.items())


_CASED_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
# After a sentence-initial word: a number or another capitalised word makes it part
# of a product or brand name ("Speedgoat 6 is…", "Hoka Speedgoat…").
_NAME_CONTINUES_RE = re.compile(r"\s+(?:\d|([A-Z][A-Za-z'\u2019-]*))")


def lowercase_keeping_names(text: str) -> str:
    """Lowercase as a lowercase writer does, leaving names and code alone.

    Lowercased: the pronoun "I" and its contractions, function words (they are never
    names), and a capitalised sentence start the text never capitalises mid-sentence.
    Kept: proper nouns, product and brand names (capitalised inside a sentence,
    followed by a model number or another capitalised word), acronyms and CamelCase,
    and protected spans (code, URLs, @mentions, numbers).
    """
    protected = [m.span() for m in PROTECT_RE.finditer(text)]
    found = [
        m for m in _CASED_WORD_RE.finditer(text)
        if not any(a <= m.start() < b for a, b in protected)
    ]  # fmt: skip
    names = {
        m.group(0).lower() for m in found
        if m.group(0)[:1].isupper() and not _sentence_initial(text, m.start())
        and m.group(0).lower() not in STOPWORDS
    }  # fmt: skip
    out: list[str] = []
    last = 0
    for m in found:
        w = m.group(0)
        low = w.lower().replace("\u2019", "'")
        if w == w.lower() or (w[1:] != w[1:].lower() and not _is_i(w)):
            continue  # already lowercase, or an acronym / CamelCase word: as written
        initial = _sentence_initial(text, m.start())
        lower_it = (
            _is_i(w)
            or low in STOPWORDS
            or (initial and low not in names and not _name_continues(text, m.end()))
        )
        if lower_it:
            out.append(text[last : m.start()] + w.lower())
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def _name_continues(text: str, end: int) -> bool:
    m = _NAME_CONTINUES_RE.match(text, end)
    if m is None:
        return False
    following = m.group(1)
    return following is None or following.lower().replace("\u2019", "'") not in STOPWORDS
