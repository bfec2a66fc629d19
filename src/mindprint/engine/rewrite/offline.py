"""RPO's reflection step, offline: rewrite a generic draft towards the user's habits.

Only edits that are safe without understanding the text are applied: each swaps
a word or phrase for one that means the same (the hand-written lexicon in
:mod:`mindprint.engine.features.vocab`), chosen by what the user writes themselves (counted
at build time by :mod:`mindprint.engine.features.habits`, chosen in
:mod:`mindprint.engine.rewrite.wordchoice`), plus casing and end punctuation. Code blocks,
URLs, @mentions, #hashtags and numbers are never touched. Everything else (length,
fillers such as "lol", exclamations, emoji, bullets, voice) becomes advice in the
edit plan, for the assistant to apply itself.

The individual changes, in the order they run, are named in :data:`REWRITE_RULES`;
pass a subset as ``rules`` to :func:`rewrite_offline` for ablations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mindprint.engine.features import vocab
from mindprint.engine.features.text import words
from mindprint.engine.rewrite import wordchoice
from mindprint.engine.rewrite.fidelity import fidelity_check, protected_spans
from mindprint.engine.rewrite.textedit import (
    drop_words,
    ends_protected,
    lowercase_keeping_names,
    substitute,
    summary,
)

__all__ = [
    "OFFLINE_REWRITER",
    "REWRITE_RULES",
    "Edit",
    "RewriteResult",
    "fidelity_check",
    "protected_spans",
    "rewrite_offline",
]

OFFLINE_REWRITER = "offline-style-v2"

#: The individual changes of the offline rewriter, in the order they run. The names
#: are stable: the eval harness ablates them one at a time.
#:
#: - ``plain_words``: a formal word the user never writes becomes the plain word for
#:   the same meaning, or the user's own one ("currently" → "now", "purchase" → "buy").
#: - ``synonyms``: among everyday equivalents, the one the user writes ("mom" → "mum").
#: - ``contractions``: "I am" / "I'm" / "im" as the user spells it (per word, else
#:   their overall habit); never expands a contraction.
#: - ``textspeak``: the user's informal spelling where their history shows it more
#:   often than the standard one ("you" → "u", "because" → "cuz", "going to" → "gonna").
#: - ``drop_formal``: drop formal connectives and intensifiers the user never writes
#:   ("indeed", "quite", "unfortunately").
#: - ``digits``: number words as digits ("three" → "3") unless the user spells them out.
#: - ``lowercase``: all lowercase for users who write that way (60%+ of texts).
#: - ``end_period``: no final period for users who rarely end with one (< 25%).
REWRITE_RULES: tuple[str, ...] = (
    "plain_words",
    "synonyms",
    "contractions",
    "textspeak",
    "drop_formal",
    "digits",
    "lowercase",
    "end_period",
)

# A habitual filler ("lol") is advised when it is in more than a quarter of the
# texts. Not applied: on LaMP-7 adding it lowered ROUGE, as where it fits depends
# on the content.
FILLER_MIN_RATE = 0.25

# A paraphrase that reports the text instead of saying it ("@x expressed…").
_NARRATION_RE = re.compile(
    r"\bthe (?:author|tweeter|writer|speaker)\b|\bthe tweet\b"
    r"|^\s*@?\w+ (?:is |has )?(?:express(?:es|ed|ing)|mention(?:s|ed|ing)|suggest(?:s|ed|ing))\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Edit:
    """One line of the edit plan: ``applied`` edits are in the text, the others are advice."""

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


_LEXICAL_RULES: tuple[tuple[str, Any, str, str], ...] = (
    ("plain_words", wordchoice.plain_words, "plain words for formal ones", "vocabulary"),
    ("synonyms", wordchoice.synonyms, "their own word for the same thing", "vocabulary"),
    ("contractions", wordchoice.contractions, "contractions as they write them", "informality"),
    ("textspeak", wordchoice.textspeak, "their informal spelling", "informality"),
)


def rewrite_offline(
    draft: str, style: Mapping[str, Any], *, rules: Sequence[str] | None = None
) -> RewriteResult:
    """Rewrite ``draft`` with the habits in ``style`` (from :func:`style_profile`).

    ``rules`` names the changes to run (a subset of :data:`REWRITE_RULES`, for
    ablations); default: all. Unknown names raise ``ValueError``. Advice never
    changes the text and is always given. A style profile from before the lexicon
    counts existed gets only the casing and punctuation rules.
    """
    enabled = set(REWRITE_RULES if rules is None else rules)
    unknown = enabled - set(REWRITE_RULES)
    if unknown:
        raise ValueError(
            f"unknown rewrite rules {sorted(unknown)}; known: {', '.join(REWRITE_RULES)}"
        )
    res = RewriteResult(text=draft, preserved=protected_spans(draft))
    n = int(style.get("n_texts", 0) or 0)
    if n == 0:
        res.gaps.append("No free-text history: nothing is known about this user's writing.")
        return res
    h = wordchoice.Habits(style)
    res.profile.append(
        f"Typical text: {style.get('median_words')} words, sentences of "
        f"~{style.get('mean_sentence_words')} words (from {n} texts)."
    )
    text = draft

    def applied(change: str, reason: str, factor: str) -> None:
        res.edits.append(Edit(change, reason, True, factor))

    if not h.known:
        res.gaps.append("Their vocabulary habits are not measured yet: rebuild the user model.")
    else:
        text = _word_choice(text, h, n, enabled, applied)
    text = _casing_and_punctuation(text, style, enabled, res, applied)
    _advise(res, draft, text, style, h)
    res.text = text
    return res


def _word_choice(
    text: str, h: wordchoice.Habits, n: int, enabled: set[str],
    applied: Callable[[str, str, str], None],
) -> str:
    """The lexical rules, the dropped formal fillers and numbers as digits, each run
    only when ``enabled`` and reported through ``applied(change, reason, factor)``."""
    for rule, choose, what, factor in _LEXICAL_RULES:
        if rule not in enabled:
            continue
        plan: wordchoice.Plan = choose(h)
        text, done = substitute(text, plan.mapping, plan.lookaheads, plan.lookbehinds)
        if done:
            evidence = "; ".join(dict.fromkeys(plan.why[s] for s, _ in done))
            applied(f"{what}: {summary(done)}", f"in their {n} texts, {evidence}", factor)
    if "drop_formal" in enabled:
        text, dropped = drop_words(
            text, frozenset(w for w in vocab.FORMAL_FILLERS if h.c(w) == 0)
        )
        if dropped:
            applied(
                f"dropped formal filler words: {', '.join(dict.fromkeys(dropped))}",
                f"never in their {n} texts",
                "register",
            )
    if "digits" in enabled and h.digits >= h.number_words:
        text, done = substitute(text, vocab.NUMBER_WORDS)
        if done:
            applied(
                f"numbers as digits: {summary(done)}",
                f"they write numbers as digits ({h.digits}×) more than as words "
                f"({h.number_words}×)",
                "informality",
            )
    return text


def share_of_texts(rate: float, n: int) -> str:
    """A share of the user's texts as a person would say it: "none of their 40 texts",
    "3 of their 40 texts", "all 12 of their texts", "35% of their 400 texts"; never
    "0%" or "100%" for a share that is not really none or all."""
    of = f"their {n} texts" if n else "their texts"
    if rate <= 0:
        return f"none of {of}"
    if rate >= 1:
        return f"all {n} of their texts" if n else "all of their texts"
    if 0 < n <= 100:
        count = min(max(round(rate * n), 1), n - 1)
        return f"{count} of {of}"
    pct = min(max(round(100 * rate), 1), 99)
    return f"{'fewer than 1%' if rate < 0.005 else f'{pct}%'} of {of}"


def _only(share: str) -> str:
    return share if share.startswith("none") else f"only {share}"


def _casing_and_punctuation(
    text: str, style: Mapping[str, Any], enabled: set[str], res: RewriteResult, applied: Any
) -> str:
    lower = float(style.get("lowercase_rate", 0.0) or 0.0)
    if lower >= 0.6:
        n = int(style.get("n_texts", 0) or 0)
        res.profile.append(f"Writes in lowercase ({share_of_texts(lower, n)}).")
        if "lowercase" in enabled:
            new = lowercase_keeping_names(text)
            if new != text:
                applied(
                    "lowercased the text",
                    f"{share_of_texts(lower, n)} are lowercase",
                    "writing style",
                )
                text = new
    period = float(style.get("ends_with_period_rate", 1.0) or 0.0)
    body = text.rstrip()
    if (
        "end_period" in enabled
        and period < 0.25
        and body.endswith(".")
        and not body.endswith("..")
        and not ends_protected(body)
    ):
        text = body[:-1]
        applied(
            "dropped the final period",
            _only(share_of_texts(period, int(style.get("n_texts", 0) or 0))) + " end with one",
            "writing style",
        )
    return text


def _advise(
    res: RewriteResult, draft: str, text: str, style: Mapping[str, Any], h: wordchoice.Habits
) -> None:
    def advise(change: str, reason: str, factor: str = "writing style") -> None:
        res.edits.append(Edit(change, reason, False, factor))

    draft_words = len(words(draft))
    median = int(style.get("median_words", 0) or 0)
    if median and draft_words > 2 * median:
        res.gaps.append(f"The draft has {draft_words} words; this user's texts have ~{median}.")
        advise(
            f"shorten to about {median} words", f"their median text has {median} words", "length"
        )
    elif median and draft_words * 2 < median:
        advise(f"expand towards ~{median} words", f"their median text has {median} words", "length")
    if _NARRATION_RE.search(draft):
        res.gaps.append("The draft reports the message in the third person.")
        advise(
            "write it in the user's own voice (first person)",
            "their texts speak for themselves",
            "voice",
        )
    excl = float(style.get("exclamation_rate", 0) or 0)
    if excl >= 0.4 and "!" not in draft:
        advise("allow an exclamation", f"{share_of_texts(excl, h.n_texts)} have one")
    emoji = float(style.get("emoji_rate", 0) or 0)
    if emoji >= 0.3:
        advise(
            "add an emoji or emoticon where natural",
            f"{share_of_texts(emoji, h.n_texts)} have one",
        )
    bullets = float(style.get("bullet_rate", 0) or 0)
    if bullets >= 0.3 and "\n-" not in draft:
        advise(
            "use bullet points for lists",
            f"{share_of_texts(bullets, h.n_texts)} use them",
            "structure",
        )
    present = {t.lower() for t in text.split()} | set(words(text))
    for filler, (count, _start, _end, spelling) in sorted(
        h.fillers.items(), key=lambda kv: (-int(kv[1][0]), kv[0])
    ):
        if int(count) / (h.n_texts + 1) >= FILLER_MIN_RATE and filler not in present:
            advise(f"add '{spelling}' where it fits", f"in {count} of their {h.n_texts} texts")
    fw = style.get("frequent_words") or []
    if fw:
        res.profile.append("Their own words (used more than general English would): " + ", ".join(list(fw)[:12]) + ".")
    own = h.informal_spellings()
    if own:
        res.profile.append("Their spellings: " + ", ".join(f"'{f}' {c}×" for f, c in own) + ".")
