"""Stage 4 of RPM: a short rationale per item, from its features through the factor
statistics to the response the user actually gave.

Offline, the rationale is composed from the structures (no invented facts): which
features the item showed, what the user's history says about those factors, and
what the user answered.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Protocol

from mindprint.engine.factors.departure_stats import FactorDeparture
from mindprint.engine.factors.grouping import STYLE_ID, TONE_ID
from mindprint.engine.factors.stats import confidence_note
from mindprint.engine.factors.wording import short
from mindprint.engine.features.text import trim
from mindprint.engine.features.turns import CHAT_KINDS
from mindprint.engine.model_settings import MODEL
from mindprint.engine.types import Factor, Feature, Item, WrittenPath

OFFLINE_PATHS = "offline-paths-v5"


class PathWriter(Protocol):
    @property
    def id(self) -> str: ...

    def write(
        self,
        items: Sequence[Item],
        features: Sequence[Sequence[Feature]],
        factors: Sequence[Factor],
    ) -> list[WrittenPath]:
        """One path per item, each naming the generator that actually wrote it."""
        ...


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
    ) -> list[WrittenPath]:
        return [
            WrittenPath(self.write_one(it, fs, factors), OFFLINE_PATHS)
            for it, fs in zip(items, features, strict=True)
        ]

    def write_one(self, item: Item, feats: Sequence[Feature], factors: Sequence[Factor]) -> str:
        """A few short sentences: what the item turns on, the reasons the host model
        noted (if any), the evidence, the answer."""
        by_id = {f.id: f for f in factors}
        if item.kind in CHAT_KINDS:
            return chat_path(item, feats, by_id)
        stated = [f.name for f in feats if f.origin == "host"]
        content = [f for f in feats if f.kind == "content" and f.origin != "host"]
        tone = next((f for f in feats if f.kind == "tone"), None)
        style = [f.name for f in feats if f.kind == "style"]
        lead = ""
        if content:
            lead = "Turns on " + ", ".join(f'"{f.name}"' for f in content[:3])
            if tone is not None:
                lead += f" ({tone.name})"
            lead += "."
        elif tone is not None:
            lead = f"Written in a {tone.name}."
        judged = _judged(feats)
        if judged:
            lead = f"{lead} {judged}".strip()

        evidence: list[str] = []
        seen: set[str] = set()
        # The factors of the host model's reasons first: they say why, the rest what.
        for f in sorted(feats, key=lambda f: f.origin != "host"):
            fac = by_id.get(f.factor_id or "")
            if fac is None or fac.id in seen or fac.id in (TONE_ID, STYLE_ID):
                continue
            seen.add(fac.id)
            e = _evidence(fac)
            if e:
                evidence.append(e)
        ev = " ".join(evidence[:2])

        if item.label is not None and len(item.response) < 40:
            outcome = f"Answered {item.response.strip()!r}."
        elif item.score is not None:
            outcome = f"Scored {item.score:g}: {trim(item.response, 100)!r}."
        else:
            outcome = f"Wrote {trim(item.response, 120)!r}"
            outcome += f" ({', '.join(style[:3])})." if style else "."
        noted = ("The assistant noted: " + ", ".join(f'"{n}"' for n in stated) + ".") if stated else ""
        return " ".join(x for x in (lead, noted, ev, outcome) if x)


def without(path: str, names: Collection[str]) -> str:
    """``path`` with every clause that names one of ``names`` left out (a vetoed factor's
    name and members: a stored path must not quote what the user asked never to be
    used). A clause is a sentence, or a part of one between semicolons."""
    if not names or not path:
        return path
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                         + r")\b", re.IGNORECASE)
    if not pattern.search(path):
        return path
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+", path.strip()):
        clauses = [c for c in sentence.split("; ") if not pattern.search(c)]
        if clauses:
            text = "; ".join(clauses)
            text = text[:1].upper() + text[1:]
            kept.append(text if text.endswith((".", "!", "?", "\"", "'")) else text + ".")
    return " ".join(kept)


def _judged(feats: Sequence[Feature]) -> str:
    """The reasons an item shows: aspects judged well or badly, quantities stated."""
    well = [f.name for f in feats if f.kind in ("aspect", "reason") and f.polarity >= MODEL.judged]
    badly = [f.name for f in feats if f.kind in ("aspect", "reason") and f.polarity <= -MODEL.judged]
    stated = [f.context for f in feats if f.kind == "quantity"]
    parts = []
    if well:
        parts.append("judges " + ", ".join(well[:3]) + " well")
    if badly:
        parts.append("judges " + ", ".join(badly[:3]) + " badly")
    if stated:
        parts.append("states " + ", ".join(stated[:4]))
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:] if parts else ""


def _evidence(fac: Factor) -> str:
    """One clause of factor statistics, skipped when it says nothing (no lift, no n)."""
    st = fac.stats
    n = int(st.get("n_items", 0))
    if n < 2:
        return ""
    dep = FactorDeparture.of(st)
    if dep is not None and dep.effect.clear:
        return f"{short(fac.name, dep)} ({confidence_note(dep.present.n)})."
    if "mean_score" in st:
        if abs(float(st.get("lift", 0.0))) < 0.05:
            return ""
        return (
            f"With {fac.name!r} they average {st['mean_score']} vs {st['base_mean_score']} "
            f"overall ({confidence_note(int(st.get('score_n', n)))})."
        )
    if "top_label" in st:
        return (
            f"With {fac.name!r} they chose {st['top_label']} "
            f"{round(100 * st['top_label_share'])}% of the time vs "
            f"{round(100 * st['top_label_base_share'])}% overall "
            f"({confidence_note(int(st.get('label_n', n)))})."
        )
    return f"{fac.name!r} is in {round(100 * st.get('coverage', 0.0))}% of their history."


_SAID_AS = {
    "stated": "Said",
    "choice": "Chose",
    "correction": "Pushed back",
    "instruction": "Asked for",
}


def chat_path(item: Item, feats: Sequence[Feature], by_id: dict[str, Factor]) -> str:
    """A conversation item's path, from the user's side only: what they said about
    themselves (quoted, with stance and firmness), or what they asked about. The
    assistant's words are never quoted as the person's."""
    prefs = [f for f in feats if f.kind == "preference"]
    parts: list[str] = []
    for f in prefs[:2]:
        how = "Added, editing their message," if f.attr("added") else _SAID_AS.get(
            f.attr("said_as"), "Said")
        chosen = f.attr("chosen")
        what = f"{trim(chosen, 80)!r} over the other options: " if how == "Chose" and chosen else ""
        parts.append(
            f"{how} {what}{trim(f.context, 160)!r} ({f.attr('stance')}, {f.attr('firmness')}"
            + (f"; {f.attr('domain')}" if f.attr("domain") else "") + ")."
        )
        later = by_id.get(f.factor_id or "")
        if later is not None and later.stats.get("superseded_by"):
            parts.append("Later changed.")
    if not prefs:
        topics = [f.name for f in feats if f.kind == "content" and f.origin != "host"]
        parts.append(
            ("Asked about " + ", ".join(f'"{t}"' for t in topics[:3]) + "; " if topics else "")
            + "said nothing about themselves."
        )
    stated = [f.name for f in feats if f.origin == "host" and f.kind != "preference"]
    if stated:
        parts.append("The assistant noted: " + ", ".join(f'"{n}"' for n in stated) + ".")
    return " ".join(parts)
