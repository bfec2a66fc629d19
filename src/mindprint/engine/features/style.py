"""The user's measurable writing habits, read from their free-text responses."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path
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
# General English, most frequent first (``scripts/common_words.py``): what a person's words
# are distinctive against.
COMMON_WORDS_FILE = Path(__file__).parent / "data" / "common_words.txt"
DISTINCTIVE_WORDS = 25
# Zipf-Mandelbrot: a word of frequency rank r has probability ~ 1 / (r + ZIPF_SHIFT).
ZIPF_SHIFT = 2.7


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
        "frequent_words": distinctive_words(texts),
        "lexicon": lexical_habits(texts),
    }



@cache
def _ranks() -> tuple[dict[str, int], float]:
    """Each common word's frequency rank, and the Zipf normaliser over ranks."""
    lines = COMMON_WORDS_FILE.read_text("utf-8").splitlines()
    ranked = [w for w in (x.strip() for x in lines) if w and not w.startswith("#")]
    norm = sum(1 / (r + ZIPF_SHIFT) for r in range(len(ranked) + 1))
    return {w: r for r, w in enumerate(ranked)}, norm


def _share(word: str) -> float:
    """How often general English uses ``word`` (per word written), by its frequency rank:
    a word beyond the reference as the rarest."""
    ranks, norm = _ranks()
    return 1 / ((ranks.get(word, len(ranks)) + ZIPF_SHIFT) * norm)


def distinctive_words(texts: Sequence[str], n: int = DISTINCTIVE_WORDS) -> list[str]:
    """The words a person uses more than general English would lead one to expect: each
    word in two texts or more, scored by how many of their texts use it against how many
    would by its general frequency (``k log(k / e)``), highest first, ties by word.
    Stopwords, single letters and numbers are nobody's own words."""
    tokens = [words(normalise(t)) for t in texts]
    used = Counter(w for ws in tokens for w in set(ws)
                   if len(w) > 1 and w not in STOPWORDS and any(c.isalpha() for c in w))
    cands = [w for w, k in used.items() if k >= 2]
    if not cands:
        return []
    lengths = Counter(len(ws) for ws in tokens)
    sizes = np.array(list(lengths), dtype=float)
    share = np.array([_share(w) for w in cands])
    # The texts expected to use each word at least once, by their lengths.
    expected = (1 - (1 - share[:, None]) ** sizes[None, :]) @ np.array(list(lengths.values()), dtype=float)
    scored = [(-used[w] * math.log(used[w] / e), w) for w, e in zip(cands, expected.tolist(), strict=True)
              if used[w] > e]
    return [w for _, w in sorted(scored)[:n]]
