"""The pieces every LLM stage's prompt is made of, and how a stage treats a failed call."""

from __future__ import annotations

import json
from collections.abc import Sequence

from mindprint.engine.features.text import trim
from mindprint.engine.llm.interface import fence
from mindprint.engine.types import Factor, Item
from mindprint.errors import ProviderError, ProviderUnavailable

ITEM_CHARS = 1500


def item_block(n: int, it: Item, extra: str = "", *, response: bool = True) -> str:
    """``response=False``: the input side only (the response when there is no input)."""
    parts = [f"## item {n}"]
    if it.input.strip():
        parts.append(fence(trim(it.input, ITEM_CHARS), "input"))
    if response or not it.input.strip():
        parts.append(fence(trim(it.response, ITEM_CHARS), "response"))
    if extra:
        parts.append(extra)
    return "\n".join(parts)


def batches(n: int, size: int) -> list[range]:
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def recoverable(e: ProviderError) -> str:
    """The reason one call's failure costs only its items; a provider that can serve no
    call at all is re-raised, so a misconfiguration is not hidden behind offline output."""
    if isinstance(e, ProviderUnavailable):
        raise e
    return str(e)


def factor_table(factors: Sequence[Factor]) -> str:
    """The factor table as compact JSON lines: name, description and key statistics."""
    keep = ("n_items", "coverage", "mean_score", "base_mean_score", "lift", "top_label",
            "top_label_share", "polarity", "influence")
    return "\n".join(
        json.dumps({"factor": f.name, "description": f.description,
                    **{k: f.stats[k] for k in keep if k in f.stats}}, ensure_ascii=False)
        for f in factors
    ) or "(no factors)"
