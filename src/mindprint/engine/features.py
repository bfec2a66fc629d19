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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from mindprint.engine.text import (
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
from mindprint.engine.types import Factor, Feature, Item

_ELONGATED_RE = re.compile(r"([a-z])\1{2,}", re.I)
_NUMERIC_RE = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")

_analyzer: SentimentIntensityAnalyzer | None = None


def sentiment(text: str) -> float:
    """VADER compound polarity in [-1, 1]."""
    global _analyzer
    if _analyzer is None:
        _analyzer = SentimentIntensityAnalyzer()
    return float(_analyzer.polarity_scores(text)["compound"])


@dataclass(slots=True)
class CorpusStats:
    """Document frequencies of content words over one user's history."""

    n_docs: int = 0
    df: Counter[str] = field(default_factory=Counter)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> CorpusStats:
        stats = cls()
        for t in texts:
            stats.add(t)
        return stats

    def add(self, text: str) -> None:
        self.n_docs += 1
        self.df.update(set(content_words(text)))

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
        return f"offline-v1-k{self.max_content}"

    def extract(self, items: Sequence[Item], corpus: CorpusStats) -> list[list[Feature]]:
        out: list[list[Feature]] = []
        for it in items:
            feats = self._content(it.text, corpus)
            pol = sentiment(it.text)
            feats.append(
                Feature(
                    name=_tone_name(pol),
                    context=trim(_most_polar_sentence(it.text), self.context_chars),
                    kind="content",
                    weight=abs(pol),
                    polarity=pol,
                )
            )
            if is_free_text(it.response):
                feats.extend(style_features(it.response))
            out.append(feats)
        return out

    def extract_query(
        self, query: str, corpus: CorpusStats, factors: Sequence[Factor]
    ) -> list[Feature]:
        feats = self._content(query, corpus)
        pol = sentiment(query)
        feats.append(
            Feature(
                name=_tone_name(pol),
                context=trim(_most_polar_sentence(query), self.context_chars),
                weight=abs(pol),
                polarity=pol,
            )
        )
        return feats

    def _content(self, text: str, corpus: CorpusStats) -> list[Feature]:
        cands = phrase_candidates(text)
        if not cands:
            return []
        tf = Counter(w for p, _ in cands for w in p.split())
        scored: dict[str, tuple[float, str]] = {}
        for phrase, sent in cands:
            ws = phrase.split()
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
                    polarity=round(sentiment(sent), 4),
                )
            )
            if len(chosen) >= self.max_content:
                break
        return chosen


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


def _most_polar_sentence(text: str) -> str:
    sents = sentences(text) or [text]
    if len(sents) == 1:
        return sents[0]
    return max(sents, key=lambda s: abs(sentiment(s)))


def serialize(features: Sequence[Feature]) -> str:
    """The text that is embedded for feature-level retrieval (RPM serialises the set)."""
    content = [f.name for f in features if f.kind == "content"]
    style = [f.name for f in features if f.kind == "style"]
    parts = ["; ".join(content)]
    if style:
        parts.append("style: " + ", ".join(style))
    return " | ".join(p for p in parts if p)
