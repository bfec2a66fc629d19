"""The user's measurable writing habits, read from their free-text responses."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from mindprint.engine.features.extract import is_free_text
from mindprint.engine.features.habits import lexical_habits, normalise
from mindprint.engine.features.text import (
    EMOJI_RE,
    HASHTAG_RE,
    MENTION_RE,
    URL_RE,
    is_lowercase,
    letter_counts,
    sentences,
    words,
)
from mindprint.engine.types import Item

_CONTRACTION_RE = re.compile(r"\b\w+'(?:s|re|ve|ll|d|m|t)\b", re.I)
_BULLET_RE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.M)


def style_profile(items: Sequence[Item]) -> dict[str, Any]:
    """Rates and averages over the user's free-text responses (empty if none). A
    ``turn``'s response is the assistant's answer (record_feedback, a chat replayed turn
    by turn): it is no habit of the user's, so it is left out."""
    texts = [it.response for it in items if it.kind != "turn" and is_free_text(it.response)]
    n = len(texts)
    if n == 0:
        return {"n_texts": 0}
    word_counts = [len(words(t)) for t in texts]
    sent_lens = [len(words(s)) for t in texts for s in sentences(t)]
    letters = [letter_counts(t) for t in texts]

    def rate(pred: Any) -> float:
        return round(sum(1 for t in texts if pred(t)) / n, 3)

    vocab = Counter(w for t in texts for w in set(words(normalise(t))))
    return {
        "n_texts": n,
        "mean_words": round(sum(word_counts) / n, 1),
        "median_words": sorted(word_counts)[n // 2],
        "mean_sentence_words": round(sum(sent_lens) / max(1, len(sent_lens)), 1),
        "lowercase_rate": rate(is_lowercase),
        "starts_lowercase_rate": rate(lambda t: t.lstrip()[:1].islower()),
        "exclamation_rate": rate(lambda t: "!" in t),
        "question_rate": rate(lambda t: "?" in t),
        "ellipsis_rate": rate(lambda t: "..." in t or "…" in t),
        "emoji_rate": rate(lambda t: bool(EMOJI_RE.search(t))),
        "mention_rate": rate(lambda t: bool(MENTION_RE.search(t))),
        "hashtag_rate": rate(lambda t: bool(HASHTAG_RE.search(t))),
        "url_rate": rate(lambda t: bool(URL_RE.search(t))),
        "contraction_rate": rate(lambda t: bool(_CONTRACTION_RE.search(t))),
        "bullet_rate": rate(lambda t: bool(_BULLET_RE.search(t))),
        "ends_with_period_rate": rate(lambda t: t.rstrip().endswith(".")),
        "lowercase_letter_share": round(
            sum(lo for lo, _ in letters) / max(1, sum(tot for _, tot in letters)), 3
        ),
        # Ties by word: the counter's order comes from sets, i.e. from the hash seed.
        "frequent_words": [w for w, c in sorted(vocab.items(), key=lambda kv: (-kv[1], kv[0]))
                           if c >= 2][:25],
        "lexicon": lexical_habits(texts),
    }

