"""RPO's reflection step, offline: rewrite a generic draft towards the user's habits.

Only edits that are safe without understanding the text are applied (casing,
contractions, end punctuation, the user's own spelling of common words); code
blocks, URLs, @mentions, numbers and names are protected. Everything else becomes
advice in the edit plan, for the assistant to apply itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mindprint.engine.text import words

OFFLINE_REWRITER = "offline-style-v1"

_PROTECT_RE = re.compile(
    r"```.*?```|`[^`\n]+`|https?://\S+|www\.\S+|(?<!\w)[@#]\w+|\b\d[\d.,:/%-]*\b", re.S
)
_CONTRACTIONS = {
    "i am": "i'm", "it is": "it's", "do not": "don't", "does not": "doesn't", "did not": "didn't",
    "is not": "isn't", "are not": "aren't", "was not": "wasn't", "can not": "can't",
    "cannot": "can't", "will not": "won't", "would not": "wouldn't", "could not": "couldn't",
    "should not": "shouldn't", "i have": "i've", "i will": "i'll", "you are": "you're",
    "they are": "they're", "we are": "we're", "that is": "that's", "there is": "there's",
    "have not": "haven't", "has not": "hasn't", "let us": "let's", "i would": "i'd",
    "going to": "gonna", "want to": "wanna",
}


@dataclass(frozen=True, slots=True)
class Edit:
    change: str
    reason: str
    applied: bool
    factor: str = "writing style"


@dataclass(slots=True)
class RewriteResult:
    text: str
    edits: list[Edit] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    preserved: list[str] = field(default_factory=list)


def protected_spans(text: str) -> list[str]:
    """What a rewrite must keep verbatim: code, URLs, mentions, hashtags, numbers."""
    return [m.group(0) for m in _PROTECT_RE.finditer(text)]


def _map_unprotected(text: str, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to the text between protected spans only."""
    out: list[str] = []
    last = 0
    for m in _PROTECT_RE.finditer(text):
        out.append(fn(text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(fn(text[last:]))
    return "".join(out)


def _contract(seg: str, informal: bool) -> str:
    for full, short in _CONTRACTIONS.items():
        if short in ("gonna", "wanna") and not informal:
            continue
        seg = re.sub(rf"\b{full}\b", _case_keeping(short), seg, flags=re.I)
    return seg


def _case_keeping(repl: str) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        return repl[0].upper() + repl[1:] if m.group(0)[:1].isupper() else repl

    return sub


def rewrite_offline(
    draft: str, style: dict[str, Any], *, rules: Sequence[str] | None = None
) -> RewriteResult:
    """Rewrite ``draft`` with the habits in ``style`` (from :func:`style_profile`).

    ``rules`` limits which edits run (for ablations); default: all.
    """
    res = RewriteResult(text=draft, preserved=protected_spans(draft))
    n = int(style.get("n_texts", 0))
    if n == 0:
        res.gaps.append("No free-text history: nothing is known about this user's writing.")
        return res
    enabled = set(rules) if rules is not None else None

    def on(rule: str) -> bool:
        return enabled is None or rule in enabled

    text = draft
    res.profile.append(
        f"Typical reply: {style.get('median_words')} words, sentences of "
        f"~{style.get('mean_sentence_words')} words (from {n} texts)."
    )
    lower = float(style.get("lowercase_rate", 0.0))
    if lower >= 0.6 and on("lowercase"):
        res.profile.append(f"Writes in lowercase ({round(100 * lower)}% of texts).")
        new = _map_unprotected(text, str.lower)
        if new != text:
            res.edits.append(Edit("lowercased the text", f"{round(100 * lower)}% of their texts are lowercase", True))
            text = new
    contr = float(style.get("contraction_rate", 0.0))
    if contr >= 0.3 and on("contractions"):
        informal = float(style.get("lowercase_rate", 0.0)) >= 0.5
        new = _map_unprotected(text, lambda s: _contract(s, informal))
        if new != text:
            res.edits.append(Edit("used contractions", f"{round(100 * contr)}% of their texts use them", True))
            text = new
    period = float(style.get("ends_with_period_rate", 1.0))
    if period < 0.25 and text.rstrip().endswith(".") and not text.rstrip().endswith("..") and on("end_period"):
        text = text.rstrip()[:-1]
        res.edits.append(Edit("dropped the final period", f"only {round(100 * period)}% of their texts end with one", True))

    draft_words = len(words(draft))
    median = int(style.get("median_words", 0) or 0)
    if median and draft_words > 2 * median:
        res.gaps.append(f"The draft has {draft_words} words; this user's texts have ~{median}.")
        res.edits.append(Edit(f"shorten to about {median} words", "their typical length", False, "length"))
    elif median and draft_words * 2 < median:
        res.edits.append(Edit(f"expand towards ~{median} words", "their typical length", False, "length"))
    if float(style.get("exclamation_rate", 0)) >= 0.4 and "!" not in draft:
        res.edits.append(Edit("allow an exclamation", f"{round(100 * float(style['exclamation_rate']))}% of their texts have one", False))
    if float(style.get("emoji_rate", 0)) >= 0.3:
        res.edits.append(Edit("add an emoji or emoticon where natural", "a habit of theirs", False))
    if float(style.get("bullet_rate", 0)) >= 0.3 and "\n-" not in draft:
        res.edits.append(Edit("use bullet points for lists", "they format lists that way", False, "structure"))
    fw = style.get("frequent_words") or []
    if fw:
        res.profile.append("Frequent words: " + ", ".join(list(fw)[:12]) + ".")
    res.text = text
    return res
