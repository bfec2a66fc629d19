"""What a rewrite must preserve, and a mechanical check that it did.

:func:`protected_spans` lists the spans the offline rewriter never touches (code,
URLs, @mentions, #hashtags, numbers). :func:`fidelity_check` compares a draft with
its rewrite and names what went missing: numbers (digits or number words), code
blocks, URLs, mentions and hashtags, and capitalised names. It guards the LLM
rewriter (fall back to the draft when it reports a problem) and is asserted on the
offline one in tests.
"""

from __future__ import annotations

import re
from collections import Counter

from mindprint.engine.features.habits import ALL_FORMS
from mindprint.engine.features.vocab import NUMBER_WORDS

PROTECT_RE = re.compile(
    r"```.*?```|`[^`\n]+`|https?://\S+|www\.\S+|(?<!\w)[@#]\w+|\b\d[\d.,:/%-]*\b", re.S
)
_CODE_RE = re.compile(r"```.*?```|`[^`\n]+`", re.S)
_URL_RE = re.compile(r"https?://[^\s)\]>\"']+|www\.[^\s)\]>\"']+")
_HANDLE_RE = re.compile(r"(?<!\w)[@#]\w+")
_NUMBER_RE = re.compile(r"\d+(?:[.,:/]\d+)*")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_SENTENCE_START_RE = re.compile(r"[.!?:;\n\"'(\u201c*]\s*$")
# Words of the lexicon ("Hello", "God" in "Oh my God") are not names.
_LEXICON_WORDS = frozenset(w for form in ALL_FORMS for w in form.split())


def protected_spans(text: str) -> list[str]:
    """What a rewrite must keep verbatim: code, URLs, mentions, hashtags, numbers."""
    return [m.group(0) for m in PROTECT_RE.finditer(text)]


def _numbers(text: str) -> Counter[str]:
    """Numbers as digits; number words count as their digits ("three" = "3")."""
    plain = _CODE_RE.sub(" ", _URL_RE.sub(" ", text))
    found: Counter[str] = Counter(_NUMBER_RE.findall(plain))
    for w in _WORD_RE.findall(plain):
        digit = NUMBER_WORDS.get(w.lower())
        if digit:
            found[digit] += 1
    return found


def _names(text: str) -> set[str]:
    """Capitalised words that are not sentence-initial, and acronyms: likely names."""
    plain = _HANDLE_RE.sub(" ", _CODE_RE.sub(" ", _URL_RE.sub(" ", text)))
    out: set[str] = set()
    for m in _WORD_RE.finditer(plain):
        w = m.group(0).replace("\u2019", "'")
        if not w[0].isupper() or w.split("'")[0] == "I":
            continue
        before = plain[: m.start()]
        initial = not before.strip() or bool(_SENTENCE_START_RE.search(before))
        acronym = len(w) >= 2 and w.isupper()
        if (acronym or not initial) and w.lower() not in _LEXICON_WORDS:
            out.add(w.lower())
    return out


def fidelity_check(draft: str, rewritten: str) -> list[str]:
    """Problems with ``rewritten`` as a faithful rewrite of ``draft`` (empty: none found).

    Mechanical: every code block, URL, @mention and #hashtag of the draft must be in
    the rewrite verbatim, every number (as digits or as a number word) as often,
    and every name (a capitalised word inside a sentence, or an acronym) at least
    once, in any case.
    """
    problems: list[str] = []
    for code in _CODE_RE.findall(draft):
        if code not in rewritten:
            problems.append(f"changed or dropped code block: {code[:60]!r}")
    for url in _URL_RE.findall(draft):
        url = url.rstrip(".,;:!?")
        if url not in rewritten:
            problems.append(f"dropped URL: {url}")
    kept_handles = set(_HANDLE_RE.findall(rewritten))
    for handle in dict.fromkeys(_HANDLE_RE.findall(draft)):
        if handle not in kept_handles:
            kind = "mention" if handle.startswith("@") else "hashtag"
            problems.append(f"dropped {kind}: {handle}")
    have = _numbers(rewritten)
    for number, count in _numbers(draft).items():
        if have[number] < count:
            problems.append(f"dropped number: {number}")
    rewritten_words = {w.lower().replace("\u2019", "'") for w in _WORD_RE.findall(rewritten)}
    for name in sorted(_names(draft)):
        if name not in rewritten_words:
            problems.append(f"dropped name: {name}")
    return problems
