"""Count the user's lexical habits: which form of each lexicon equivalence they write.

Runs at build time over the user's texts; the result is stored in the style
profile (see :func:`mindprint.engine.features.style.style_profile`) and read by the
offline rewriter at query time. It is bounded: only forms from
:mod:`mindprint.engine.features.vocab` and its fillers are kept, never free vocabulary.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from mindprint.engine.features import vocab
from mindprint.engine.features.text import MENTION_RE, URL_RE

# Word tokens keep inner apostrophes ("don't"); the rest are textspeak and emoticons.
FORM_TOKEN_RE = re.compile(
    r"w/o(?![a-z])|w/|b/c|&|<3|[:;=]-?[dp](?![a-z])|[a-z0-9]+(?:'[a-z]+)*", re.I
)


def _all_forms() -> tuple[frozenset[str], int]:
    forms: set[str] = set()
    for full, apos, bare in vocab.CONTRACTIONS:
        forms.update(f for f in (full, apos, bare) if f)
    for groups in (vocab.TEXTSPEAK, vocab.PLAIN_WORDS, vocab.SYNONYMS):
        for group in groups:
            forms.update(group)
    forms.update(vocab.FORMAL_FILLERS)
    forms.update(vocab.NUMBER_WORDS)
    return frozenset(forms), max(len(f.split()) for f in forms)


ALL_FORMS, MAX_FORM_WORDS = _all_forms()
FILLER_SET = frozenset(vocab.FILLERS)


def normalise(text: str) -> str:
    """Decode HTML entities, straighten apostrophes, blank out URLs and @mentions."""
    text = html.unescape(text).replace("\u2019", "'")
    return MENTION_RE.sub(" ", URL_RE.sub(" ", text))


def form_tokens(text: str) -> list[str]:
    """Raw-cased tokens, as the lexicon sees them ("don't", "w/", ":D", "u")."""
    return FORM_TOKEN_RE.findall(normalise(text))


def is_textspeak_digit(prev: str, nxt: str) -> bool:
    """A "2"/"4" between two words that is "to"/"for", not a number ("2 days")."""
    return prev.isalpha() and nxt.isalpha() and nxt not in vocab.NUMBER_CONTEXT


def _count_forms(tokens: Sequence[str], counts: Counter[str]) -> None:
    n = len(tokens)
    for i in range(n):
        for size in range(1, MAX_FORM_WORDS + 1):
            if i + size > n:
                break
            phrase = " ".join(tokens[i : i + size])
            if phrase not in ALL_FORMS:
                continue
            nxt = tokens[i + size] if i + size < n else ""
            prev = tokens[i - 1] if i else ""
            if phrase == "its" and nxt in vocab.ITS_POSSESSIVE_NEXT:
                continue
            if phrase in ("2", "4") and not is_textspeak_digit(prev, nxt):
                continue
            counts[phrase] += 1


def lexical_habits(texts: Iterable[str]) -> dict[str, Any]:
    """Counts of the lexicon forms, fillers, number spelling and g-dropping in ``texts``.

    ``forms``: {form: occurrences}; ``fillers``: {filler: [texts, at start, at end,
    usual spelling]}; ``numbers``: [digit tokens 2–100, number words]; ``n_tokens``.
    """
    forms: Counter[str] = Counter()
    filler_texts: Counter[str] = Counter()
    filler_start: Counter[str] = Counter()
    filler_end: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    digits = number_words = n_tokens = 0
    for text in texts:
        raw = form_tokens(text)
        toks = [t.lower() for t in raw]
        n_tokens += len(toks)
        _count_forms(toks, forms)
        seen: set[str] = set()
        for j, (r, t) in enumerate(zip(raw, toks, strict=True)):
            if t in FILLER_SET:
                spellings.setdefault(t, Counter())[r] += 1
                if t not in seen:
                    seen.add(t)
                    filler_texts[t] += 1
                    filler_start[t] += j == 0
                    filler_end[t] += j == len(toks) - 1
            if t.isdigit() and 2 <= int(t) <= 100:
                prev = toks[j - 1] if j else ""
                nxt = toks[j + 1] if j + 1 < len(toks) else ""
                if not (t in ("2", "4") and is_textspeak_digit(prev, nxt)):
                    digits += 1
            elif t in vocab.NUMBER_WORDS:
                number_words += 1
    return {
        "forms": dict(sorted(forms.items())),
        "fillers": {
            f: [c, filler_start[f], filler_end[f], spellings[f].most_common(1)[0][0]]
            for f, c in sorted(filler_texts.items())
            if c >= 2
        },
        "numbers": [digits, number_words],
        "n_tokens": n_tokens,
    }
