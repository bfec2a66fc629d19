"""The preference stage on a new user's chats, with the real model: what it keeps of what
they said, how it names and files it, and what a later question brings back."""

from __future__ import annotations

import pytest

from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.factors.standing import evidence, standing
from mindprint.engine.features.extract import CorpusStats
from mindprint.engine.pipeline import PREFS, Pipeline
from mindprint.engine.predict.retrieval import PrefIndex, applying, pref_index
from mindprint.engine.types import Factor, Item

pytestmark = pytest.mark.model

# (prompt, answer, reply): three exchanges of a chat export.
CHATS = [
    ("I need a new laptop for programming. I run Linux only, I never use Windows or macOS.",
     "Here are three options: 1) Lenovo ThinkPad T14 2) Dell XPS 13 3) MacBook Air M2. "
     "The ThinkPad has excellent Linux support.",
     "I'll go with the ThinkPad. The MacBook is out of the question and the XPS is too glossy for me."),
    ("I weigh 92 kg and I'd like to get down to 85.",
     "A moderate deficit of about 500 kcal a day would get you there in about 3 months.", ""),
    ("Which coffee grinder should I buy?",
     "Options: a Baratza Encore (electric, 150 euros), a Timemore C2 (manual, 70 euros), "
     "or a Comandante (manual, 250 euros).",
     "The Timemore sounds perfect. I don't want anything electric on my counter."),
]


def build(emb: FastEmbedEmbedder) -> tuple[Pipeline, list[Item], list[Factor], PrefIndex]:
    items = [Item(n + 1, f"{p}\n\n{a}", r, kind="exchange", prompt_chars=len(p), created_at=f"2026-01-0{n + 1}")
             for n, (p, a, r) in enumerate(CHATS)]
    pipe = Pipeline(emb)
    results = pipe.process_items(items, CorpusStats.from_texts([it.text for it in items]))
    feats = {r.item_id: r.features for r in results}
    vecs = {r.item_id: r.vectors[PREFS] for r in results if PREFS in r.vectors}
    factors, _ = standing(evidence(items, [feats[it.id] for it in items], vecs))
    return pipe, items, factors, pref_index({it.id: it for it in items}, feats, vecs, factors, set())


def test_what_a_new_user_said_is_kept_as_they_meant_it(real_embedder: FastEmbedEmbedder) -> None:
    _, _, factors, _ = build(real_embedder)
    by_quote = {f.stats["quote"]: f for f in factors}
    # The shopping request is no standing need; what they said about themselves beside it is.
    assert not any("new laptop" in q for q in by_quote)
    assert by_quote["I run Linux only, I never use Windows or macOS."].stats["stance"] == "avoids"
    weight = by_quote["I weigh 92 kg and I'd like to get down to 85."]
    assert (weight.name, weight.stats["stance"], weight.stats["domain"]) == ("is weigh 92 kg", "is", "health")
    chosen = sorted(f.stats.get("chosen", "") for f in factors if f.stats["said_as"] == "choice")
    assert chosen == ["Lenovo ThinkPad T14", "a Timemore C2 (manual, 70 euros)"]


def test_a_question_like_the_request_brings_back_the_option_they_chose(
    real_embedder: FastEmbedEmbedder,
) -> None:
    pipe, _, _, idx = build(real_embedder)
    pq = pipe.prepare_query("Which burr grinder would you recommend for my coffee?", CorpusStats(), [])
    found = applying(idx, pq.vectors["plain"], pq.phrases, 3)
    assert found and found[0].factor.stats.get("chosen") == "a Timemore C2 (manual, 70 euros)"
