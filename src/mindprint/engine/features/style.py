"""The user's measurable writing habits, read from their free-text responses."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mindprint.engine.features.extract import is_free_text
from mindprint.engine.features.habits import lexical_habits, normalise
from mindprint.engine.features.text import (
    EMOJI_RE,
    HASHTAG_RE,
    MENTION_RE,
    STOPWORDS,
    URL_RE,
    is_lowercase,
    letter_counts,
    sentences,
    words,
)
from mindprint.engine.types import Item

_CONTRACTION_RE = re.compile(r"\b\w+'(?:s|re|ve|ll|d|m|t)\b", re.I)
_BULLET_RE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.M)
DISTINCTIVE_WORDS = 25
# How many of general English's most frequent words a person's words are scored against.
COMMON_WORDS = 10_000
# Zipf-Mandelbrot: a word of frequency rank r has probability ~ 1 / (r + ZIPF_SHIFT).
ZIPF_SHIFT = 2.7


@dataclass(frozen=True, slots=True)
class English:
    """General English: each common word's frequency rank (0 the most frequent), and the
    Zipf normaliser over those ranks."""

    ranks: Mapping[str, int]
    norm: float

    @classmethod
    def of(cls, ranked: Sequence[str], limit: int = COMMON_WORDS) -> English:
        """From words ordered most frequent first (e.g. an embedding model's vocabulary)."""
        top = list(dict.fromkeys(ranked))[:limit]
        return cls({w: r for r, w in enumerate(top)},
                   sum(1 / (r + ZIPF_SHIFT) for r in range(len(top) + 1)))

    def share(self, word: str) -> float:
        """How often general English uses ``word`` (per word written), by its frequency
        rank: a word beyond the reference as the rarest."""
        return 1 / ((self.ranks.get(word, len(self.ranks)) + ZIPF_SHIFT) * self.norm)


def style_profile(items: Sequence[Item], english: English | None = None) -> dict[str, Any]:
    """Rates and averages over the user's free-text responses (empty if none). A
    ``turn``'s response is the assistant's answer (record_feedback, a chat replayed turn
    by turn): it is no habit of the user's, so it is left out. ``english``: what the
    person's frequent words are distinctive against (None: counted alone)."""
    texts = [it.response for it in items if it.kind != "turn" and is_free_text(it.response)]
    n = len(texts)
    if n == 0:
        return {"n_texts": 0}
    word_counts = [len(words(t)) for t in texts]
    sent_lens = [len(words(s)) for t in texts for s in sentences(t)]
    letters = [letter_counts(t) for t in texts]

    def rate(pred: Any) -> float:
        return round(sum(1 for t in texts if pred(t)) / n, 3)

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
        "frequent_words": distinctive_words(texts, english),
        "lexicon": lexical_habits(texts),
    }


def distinctive_words(
    texts: Sequence[str], english: English | None = None, n: int = DISTINCTIVE_WORDS,
) -> list[str]:
    """The words a person uses more than general English would lead one to expect: each
    word in two texts or more, scored by how many of their texts use it against how many
    would by its general frequency (``k log(k / e)``), highest first, ties by word. With no
    reference, the words in most texts. Stopwords, single letters and numbers are nobody's
    own words."""
    tokens = [words(normalise(t)) for t in texts]
    used = Counter(w for ws in tokens for w in set(ws)
                   if len(w) > 1 and w not in STOPWORDS and any(c.isalpha() for c in w))
    cands = [w for w, k in used.items() if k >= 2]
    if not cands or english is None:
        return sorted(cands, key=lambda w: (-used[w], w))[:n]
    lengths = Counter(len(ws) for ws in tokens)
    sizes = np.array(list(lengths), dtype=float)
    share = np.array([english.share(w) for w in cands])
    # The texts expected to use each word at least once, by their lengths.
    expected = (1 - (1 - share[:, None]) ** sizes[None, :]) @ np.array(list(lengths.values()), dtype=float)
    scored = [(-used[w] * math.log(used[w] / e), w) for w, e in zip(cands, expected.tolist(), strict=True)
              if used[w] > e]
    return [w for _, w in sorted(scored)[:n]]
