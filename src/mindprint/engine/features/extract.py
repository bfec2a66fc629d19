"""Stage 1 of RPM: the response-influential features of each history item.

The offline extractor reads two kinds of feature:
- content: key phrases of the item's text, scored by how specific they are to this
  item within the user's own history (IDF over the user's corpus), with the
  polarity of the sentence they stand in (aspect sentiment, VADER lexicon);
- style: habits visible in a free-text response (length, casing, emoji, …).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from mindprint.engine.features.aspects import reasons
from mindprint.engine.features.text import (
    EMOJI_RE,
    HASHTAG_RE,
    MENTION_RE,
    URL_RE,
    content_words,
    is_lowercase,
    phrase_candidates,
    sentences,
    trim,
    words,
)
from mindprint.engine.features.turns import CHAT_KINDS
from mindprint.engine.model_settings import MODEL
from mindprint.engine.types import Factor, Feature, Item

_ELONGATED_RE = re.compile(r"([a-z])\1{2,}", re.I)
_NUMERIC_RE = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")

_analyzer: SentimentIntensityAnalyzer | None = None


def _vader() -> SentimentIntensityAnalyzer:
    global _analyzer
    if _analyzer is None:
        _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


@lru_cache(maxsize=8192)
def _scores(text: str) -> tuple[float, float, float]:
    """VADER (compound, pos, neg); cached: features and signals read the same sentences."""
    s = _vader().polarity_scores(text)
    return float(s["compound"]), float(s["pos"]), float(s["neg"])


def sentiment(text: str) -> float:
    """VADER compound polarity in [-1, 1]."""
    return _scores(text)[0]


_CONTRAST = frozenset({"but", "however", "although", "though", "unfortunately", "except"})
_RETURN = frozenset({"return", "returned", "returning", "refund", "refunded"})
SIGNAL_NAMES = (
    "compound", "positive share", "negative share", "most negative sentence",
    "mean sentence", "log length", "contrast words", "return words",
)


def text_signals(text: str) -> list[float]:
    """Eight lexicon signals of a text (VADER + counts), the input of the rating prior.

    Sentences are scored once each (cached) and shared with the per-phrase polarity
    of the features.
    """
    compound, pos, neg = _scores(text)
    toks = words(text)
    n = max(1, len(toks))
    sent_pols = [sentiment(x) for x in sentences(text)[:40]] or [0.0]
    return [
        compound,
        pos,
        neg,
        min(sent_pols),
        sum(sent_pols) / len(sent_pols),
        math.log1p(len(toks)),
        10.0 * sum(w in _CONTRAST for w in toks) / n,
        float(sum(w in _RETURN for w in toks)),
    ]


# A word in more than this share of the user's items does not tell items apart (a
# template such as "Review request:", the user's own name): it is not a feature.


@dataclass(slots=True)
class CorpusStats:
    """Document frequencies of content words over one user's history."""

    n_docs: int = 0
    df: Counter[str] = field(default_factory=Counter)
    # Memo of ``boilerplate()``: every query of a user reads it, and it scans ``df``.
    _common: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> CorpusStats:
        stats = cls()
        for t in texts:
            stats.add(t)
        return stats

    def add(self, text: str) -> None:
        self.n_docs += 1
        self.df.update(set(content_words(text)))
        self._common = None

    def boilerplate(self) -> frozenset[str]:
        """Words present in more than half of the user's items (when there are enough)."""
        if self._common is None:
            if self.n_docs < MODEL.boilerplate_min_docs:
                self._common = frozenset()
            else:
                cut = MODEL.boilerplate_share * self.n_docs
                self._common = frozenset(w for w, c in self.df.items() if c > cut)
        return self._common

    def idf(self, word: str) -> float:
        return math.log((1 + self.n_docs) / (1 + self.df.get(word, 0))) + 1.0

    def to_json(self, top: int = 5000) -> dict[str, object]:
        return {"n_docs": self.n_docs, "df": dict(self.df.most_common(top))}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> CorpusStats:
        df = data.get("df", {})
        n = data.get("n_docs", 0)
        return cls(
            n_docs=int(n) if isinstance(n, int) else 0,
            df=Counter({str(k): int(v) for k, v in df.items()}) if isinstance(df, dict) else Counter(),
        )


class FeatureExtractor(Protocol):
    """Implemented by the offline extractor and by the LLM one."""

    @property
    def id(self) -> str: ...

    def extract(self, items: Sequence[Item], corpus: CorpusStats) -> list[list[Feature]]: ...

    def extract_query(
        self, query: str, corpus: CorpusStats, factors: Sequence[Factor]
    ) -> list[Feature]: ...


def is_free_text(response: str) -> bool:
    """A response worth reading for style: not a bare label such as "5" or "POLITICS"."""
    return len(response.split()) >= 3 and not _NUMERIC_RE.match(response)


def style_features(response: str) -> list[Feature]:
    """Observable writing habits of one response."""
    feats: list[Feature] = []
    toks = words(response)
    n = len(toks)

    def add(name: str, context: str) -> None:
        feats.append(Feature(name=name, context=context, kind="style"))

    if n <= 12:
        add("short reply", f"{n} words")
    elif n >= 60:
        add("long reply", f"{n} words")
    if is_lowercase(response):
        add("all lowercase", "writes without capitals")
    upper_words = [w for w in response.split() if len(w) > 2 and w.isupper()]
    if upper_words:
        add("shouting caps", ", ".join(upper_words[:3]))
    if "!" in response:
        add("exclamations", f"{response.count('!')} exclamation mark(s)")
    if "?" in response:
        add("questions", "asks a question")
    if EMOJI_RE.search(response):
        add("emoji or emoticons", ", ".join(EMOJI_RE.findall(response)[:3]))
    if MENTION_RE.search(response):
        add("mentions people", ", ".join(MENTION_RE.findall(response)[:3]))
    if HASHTAG_RE.search(response):
        add("hashtags", ", ".join(HASHTAG_RE.findall(response)[:3]))
    if URL_RE.search(response):
        add("shares links", "includes a URL")
    if _ELONGATED_RE.search(response):
        add("elongated words", ", ".join(m.group(0) for m in _ELONGATED_RE.finditer(response))[:40])
    if "..." in response or "…" in response:
        add("trailing dots", "uses ellipses")
    return feats


class OfflineFeatureExtractor:
    """Deterministic features from statistics and a sentiment lexicon: no LLM, no network."""

    def __init__(self, max_content: int = 5, context_chars: int = 160) -> None:
        self.max_content = max_content
        self.context_chars = context_chars

    @property
    def id(self) -> str:
        return f"offline-v5-k{self.max_content}"

    def extract(self, items: Sequence[Item], corpus: CorpusStats) -> list[list[Feature]]:
        out: list[list[Feature]] = []
        common = corpus.boilerplate()
        for it in items:
            feats = self._text_features(it.text, corpus, common)
            if it.kind in CHAT_KINDS:
                # A conversation: only the user's words (``it.text``), and no product
                # aspects or quantities (a "sounds good" is not sound, an "80 kg" the
                # person is not a product's weight); what they say about themselves
                # is the preference stage's.
                if is_free_text(it.text):
                    feats.extend(style_features(it.text))
                out.append(feats)
                continue
            # What the user said about it judges the aspects: their reasons.
            reacted = bool(it.input.strip()) and is_free_text(it.response)
            feats.extend(merge_reasons(reasons(it.text, sentiment),
                                       reasons(it.response, sentiment) if reacted else []))
            if is_free_text(it.response):
                feats.extend(style_features(it.response))
            out.append(feats)
        return out

    def extract_query(
        self, query: str, corpus: CorpusStats, factors: Sequence[Factor]
    ) -> list[Feature]:
        feats = self._text_features(query, corpus, corpus.boilerplate())
        return feats + reasons(query, sentiment)

    def _text_features(
        self, text: str, corpus: CorpusStats, common: frozenset[str]
    ) -> list[Feature]:
        pols: dict[str, float] = {}

        def pol(sent: str) -> float:
            if sent not in pols:
                pols[sent] = sentiment(sent)
            return pols[sent]

        feats = self._content(text, corpus, common, pol)
        whole = sentiment(text)
        sents = sentences(text) or [text]
        polar = max(sents, key=lambda x: abs(pol(x))) if len(sents) > 1 else sents[0]
        feats.append(
            Feature(
                name=_tone_name(whole),
                context=trim(polar, self.context_chars),
                kind="tone",
                weight=round(abs(whole), 4),
                polarity=round(whole, 4),
            )
        )
        return feats

    def _content(
        self,
        text: str,
        corpus: CorpusStats,
        common: frozenset[str],
        pol: Callable[[str], float],
    ) -> list[Feature]:
        cands = phrase_candidates(text)
        if not cands:
            return []
        tf = Counter(w for p, _ in cands for w in p.split())
        scored: dict[str, tuple[float, str]] = {}
        for phrase, sent in cands:
            ws = phrase.split()
            if all(w in common for w in ws):
                continue
            # Specific words (high IDF within the user's history) and repeated
            # words make a phrase central to this item; a mild bonus for
            # multi-word phrases prefers "tube amp" over "amp".
            s = sum(corpus.idf(w) * (1 + math.log(tf[w])) for w in ws) / len(ws)
            s *= 1 + 0.25 * (len(ws) - 1)
            if phrase not in scored or s > scored[phrase][0]:
                scored[phrase] = (s, sent)
        chosen: list[Feature] = []
        used: set[str] = set()
        for phrase, (s, sent) in sorted(scored.items(), key=lambda kv: (-kv[1][0], kv[0])):
            phrase_words = set(phrase.split())
            if phrase_words & used:
                continue  # diversity: one phrase per word
            used |= phrase_words
            chosen.append(
                Feature(
                    name=phrase,
                    context=trim(sent, self.context_chars),
                    kind="content",
                    weight=round(s, 4),
                    polarity=round(pol(sent), 4),
                )
            )
            if len(chosen) >= self.max_content:
                break
        return chosen


def merge_reasons(from_input: Sequence[Feature], from_response: Sequence[Feature]) -> list[Feature]:
    """One feature per aspect (the response's judgement wins when it takes a side) and
    each distinct quantity once."""
    out: dict[tuple[str, str], Feature] = {}
    for f in [*from_input, *from_response]:
        key = (f.name, f.kind if f.kind == "aspect" else f.context)
        prev = out.get(key)
        if prev is None or abs(f.polarity) >= abs(prev.polarity):
            out[key] = f
    return list(out.values())


def _tone_name(pol: float) -> str:
    if pol >= 0.5:
        return "strongly positive tone"
    if pol >= 0.05:
        return "positive tone"
    if pol <= -0.5:
        return "strongly negative tone"
    if pol <= -0.05:
        return "negative tone"
    return "neutral tone"


def serialize(features: Sequence[Feature]) -> str:
    """The text embedded for feature-level retrieval (RPM serialises the feature set).

    Only the input's features and what the user said of themselves: style features
    describe the user's *responses*, which a query does not have yet, so they would only
    add noise to the comparison.
    """
    return "; ".join(f.name for f in features if f.kind in ("content", "tone", "preference"))
