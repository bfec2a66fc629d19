"""Stage 4 of RPM: a short rationale per item, from its features through the factor
statistics to the response the user actually gave.

Offline, the rationale is composed from the structures (no invented facts): which
features the item showed, what the user's history says about those factors, and
what the user answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from mindprint.engine.stats import confidence_note
from mindprint.engine.text import trim
from mindprint.engine.types import Factor, Feature, Item

OFFLINE_PATHS = "offline-paths-v1"


class PathWriter(Protocol):
    @property
    def id(self) -> str: ...

    def write(
        self,
        items: Sequence[Item],
        features: Sequence[Sequence[Feature]],
        factors: Sequence[Factor],
    ) -> list[str]: ...


class TemplatePathWriter:
    """Deterministic rationales built from features and factor statistics."""

    @property
    def id(self) -> str:
        return OFFLINE_PATHS

    def write(
        self,
        items: Sequence[Item],
        features: Sequence[Sequence[Feature]],
        factors: Sequence[Factor],
    ) -> list[str]:
        return [self.write_one(it, fs, factors) for it, fs in zip(items, features, strict=True)]

    def write_one(self, item: Item, feats: Sequence[Feature], factors: Sequence[Factor]) -> str:
        by_id = {f.id: f for f in factors}
        content = [f for f in feats if f.kind == "content" and not f.name.endswith(" tone")]
        tone = next((f for f in feats if f.name.endswith(" tone")), None)
        style = [f.name for f in feats if f.kind == "style"]
        parts: list[str] = []
        if content:
            named = ", ".join(f'"{f.name}"' for f in content[:4])
            parts.append(f"The {'input' if item.input.strip() else 'post'} turns on {named}")
        if tone is not None:
            parts.append(f"written in a {tone.name}")
        lead = "; ".join(parts) + "." if parts else "No distinctive features."

        evidence: list[str] = []
        seen: set[str] = set()
        for f in feats:
            fac = by_id.get(f.factor_id or "")
            if fac is None or fac.id in seen:
                continue
            seen.add(fac.id)
            evidence.append(_evidence(fac))
        ev = " ".join(e for e in evidence[:3] if e)

        if item.score is not None or (item.label is not None and len(item.response) < 40):
            outcome = f"The user answered {item.response.strip()!r}."
        else:
            outcome = f"The user wrote: {trim(item.response, 140)!r}"
            if style:
                outcome += f" ({', '.join(style[:4])})"
        return " ".join(x for x in (lead, ev, outcome) if x)


def _evidence(fac: Factor) -> str:
    st = fac.stats
    n = int(st.get("n_items", 0))
    if "mean_score_shrunk" in st:
        return (
            f"When {fac.name!r} is present this user averages {st['mean_score']} "
            f"(vs {st['base_mean_score']} overall; {confidence_note(int(st.get('score_n', n)))})."
        )
    if "top_label" in st:
        return (
            f"With {fac.name!r} this user most often chose {st['top_label']} "
            f"({round(100 * st['top_label_share'])}% vs {round(100 * st['top_label_base_share'])}% "
            f"overall; {confidence_note(int(st.get('label_n', n)))})."
        )
    if "coverage" in st:
        return f"{fac.name!r} appears in {round(100 * st['coverage'])}% of their history."
    return ""
