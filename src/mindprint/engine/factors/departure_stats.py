"""Factor statistics measured as departures from the population. Pure.

A factor's raw label statistics mostly restate what anyone would answer for such
items (a review that says "snapped" gets one star from everybody). What belongs to the
person is the *departure*: on each history item the residual ``answer - population
(text)``, beyond the user's own average residual. For every factor this module reports
the residuals of the items where it is present (count, shrunk mean, 95% interval,
example items) and, for aspects the user judged, the residuals when they judged the
aspect well versus badly: "when Rui criticizes weight he scores 0.9 below what his
words suggest". Factors are then ranked by how clearly they move the person.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mindprint.engine.features.aspects import quantity_value
from mindprint.engine.model_settings import MODEL
from mindprint.engine.types import Feature, Item

QTY = "qty:"  # regressor keys of quantities: qty:<factor id>\x1f<unit>


class EffectKind(enum.Enum):
    """What a factor's effect measures (the values are the stored wording)."""

    JUDGED = "judged well minus judged badly, the other reasons held fixed"
    PRESENT = "mean departure when present"


Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Summary:
    """The departures of some items: count, mean, mean shrunk towards 0, 95% interval."""

    n: int
    mean: float
    shrunk: float
    ci95: Interval

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "mean": self.mean, "shrunk": self.shrunk, "ci95": list(self.ci95)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Summary:
        return cls(int(d["n"]), float(d["mean"]), float(d["shrunk"]), _pair(d["ci95"]))


@dataclass(frozen=True, slots=True)
class QuantityEffect:
    """How the departure moves per doubling of a quantity the factor states."""

    unit: str
    per_doubling: float
    ci95: Interval


@dataclass(frozen=True, slots=True)
class Effect:
    """The effect a factor is ranked by, with its 95% interval."""

    kind: EffectKind
    value: float
    ci95: Interval

    @property
    def clear(self) -> bool:
        """Whether the interval excludes 0."""
        return bool(self.ci95[0] > 0 or self.ci95[1] < 0)


@dataclass(frozen=True, slots=True)
class FactorDeparture:
    """One factor's departure statistics: its items' departures, the judged ones by
    direction, its quantity effect, and the effect it is ranked by."""

    present: Summary
    examples: tuple[int, ...]  # the items that departed most
    judged_well: Summary | None
    judged_badly: Summary | None
    quantity: QuantityEffect | None
    effect: Effect

    def to_json(self) -> dict[str, Any]:
        """The stored form (``Factor.stats["departure"]``)."""
        out: dict[str, Any] = {**self.present.to_json(), "examples": list(self.examples)}
        if self.judged_well is not None:
            out["judged_well"] = self.judged_well.to_json()
        if self.judged_badly is not None:
            out["judged_badly"] = self.judged_badly.to_json()
        if self.quantity is not None:
            q = self.quantity
            out["quantity_effect"] = {"unit": q.unit, "per_doubling": q.per_doubling, "ci95": list(q.ci95)}
        e = self.effect
        out.update(effect=e.value, effect_ci95=list(e.ci95), effect_kind=e.kind.value, clear=e.clear)
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> FactorDeparture:
        q = d.get("quantity_effect")
        return cls(
            present=Summary.from_json(d),
            examples=tuple(int(i) for i in d.get("examples", ())),
            judged_well=Summary.from_json(d["judged_well"]) if "judged_well" in d else None,
            judged_badly=Summary.from_json(d["judged_badly"]) if "judged_badly" in d else None,
            quantity=QuantityEffect(str(q["unit"]), float(q["per_doubling"]), _pair(q["ci95"])) if q else None,
            effect=Effect(EffectKind(d["effect_kind"]), float(d["effect"]), _pair(d["effect_ci95"])),
        )

    @classmethod
    def of(cls, stats: Mapping[str, Any]) -> FactorDeparture | None:
        """A factor's departure statistics from its stored ``stats`` (None without)."""
        dep = stats.get("departure")
        return cls.from_json(dep) if isinstance(dep, Mapping) and "effect" in dep else None

    def strength(self) -> float:
        """How clearly the factor moves the person: its effect over its interval's
        half-width (the clearer of its judged and its quantity effect); above 1, the
        interval excludes 0."""
        effects = [(self.effect.value, self.effect.ci95)]
        if self.quantity is not None:
            effects.append((self.quantity.per_doubling, self.quantity.ci95))
        return float(max(abs(e) / max((hi - lo) / 2, 1e-6) for e, (lo, hi) in effects))


def _pair(v: Sequence[float]) -> Interval:
    return float(v[0]), float(v[1])


def _summary(values: Sequence[float]) -> Summary:
    k = len(values)
    mean = sum(values) / k
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (k - 1)) if k > 1 else 1.0
    half = 1.96 * max(sd, MODEL.sd_floor) / math.sqrt(k)
    return Summary(k, round(mean, 3), round(sum(values) / (k + MODEL.pseudo_items), 3),
                   (round(mean - half, 3), round(mean + half, 3)))


def departure_stats(
    items: Sequence[Item],
    features: Sequence[Sequence[Feature]],
    assignment: Mapping[str, str | None],
    residuals: Mapping[int, float],
) -> dict[str, FactorDeparture]:
    """Per factor id: the departure statistics of the items where it is present."""
    if not residuals:
        return {}
    present, judged, judged_rows = _departures(items, features, assignment, residuals)
    joint = judged_effects(judged_rows)
    return {fid: _entry(fid, rows, judged.get(fid, []), joint) for fid, rows in present.items()}


def _departures(
    items: Sequence[Item],
    features: Sequence[Sequence[Feature]],
    assignment: Mapping[str, str | None],
    residuals: Mapping[int, float],
) -> tuple[
    dict[str, list[tuple[int, float]]],
    dict[str, list[tuple[float, float]]],
    list[tuple[float, dict[str, float]]],
]:
    """Each answered item's departure ``d`` (its residual beyond the user's shrunk mean
    residual), gathered per factor: (item id, d) where present, (polarity, d) where
    judged, and one regression row per item (judgements and log quantities)."""
    offset = sum(residuals.values()) / (len(residuals) + MODEL.pseudo_items)
    present: dict[str, list[tuple[int, float]]] = {}
    judged: dict[str, list[tuple[float, float]]] = {}
    judged_rows: list[tuple[float, dict[str, float]]] = []
    for it, feats in zip(items, features, strict=True):
        if it.id not in residuals:
            continue
        d = residuals[it.id] - offset
        seen: dict[str, float] = {}
        for f in feats:
            fid = assignment.get(f.name)
            if fid is None:
                continue
            if f.kind in ("aspect", "reason") and abs(f.polarity) >= abs(seen.get(fid, 0.0)):
                seen[fid] = f.polarity
            else:
                seen.setdefault(fid, 0.0)
        for fid, pol in seen.items():
            present.setdefault(fid, []).append((it.id, d))
            if abs(pol) >= MODEL.judged:
                judged.setdefault(fid, []).append((pol, d))
        row = {f: p for f, p in seen.items() if abs(p) >= MODEL.judged}
        for f in feats:
            fid = assignment.get(f.name)
            value = quantity_value(f.context) if f.kind == "quantity" else None
            if fid is not None and value is not None and value > 0:
                row[f"{QTY}{fid}\x1f{_unit(f.context)}"] = math.log(value)
        judged_rows.append((d, row))
    return present, judged, judged_rows


def _entry(
    fid: str,
    rows: Sequence[tuple[int, float]],
    judged: Sequence[tuple[float, float]],
    joint: Mapping[str, tuple[float, float]],
) -> FactorDeparture:
    """One factor's statistics: its departures, the judged ones by direction, its
    quantity effect, and the effect it is ranked by."""
    st = _summary([d for _, d in rows])
    examples = sorted(rows, key=lambda r: -abs(r[1]))[:3]
    good = [d for p, d in judged if p > 0]
    bad = [d for p, d in judged if p < 0]
    quantity = None
    qty = {k: v for k, v in joint.items() if k.startswith(f"{QTY}{fid}\x1f")}
    if qty:
        key, (q_eff, q_half) = max(qty.items(), key=lambda kv: abs(kv[1][0]) / kv[1][1])
        quantity = QuantityEffect(key.split("\x1f", 1)[1], round(q_eff, 3),
                                  (round(q_eff - q_half, 3), round(q_eff + q_half, 3)))
    if fid in joint:
        value, half = joint[fid]
        effect = Effect(EffectKind.JUDGED, round(value, 3), (round(value - half, 3), round(value + half, 3)))
    else:
        effect = Effect(EffectKind.PRESENT, st.shrunk, st.ci95)
    return FactorDeparture(st, tuple(i for i, _ in examples), _summary(good) if good else None,
                           _summary(bad) if bad else None, quantity, effect)


def judged_effects(rows: Sequence[tuple[float, Mapping[str, float]]]) -> dict[str, tuple[float, float]]:
    """Per judged factor: (well-minus-badly effect, 95% half-width) from one ridge
    regression of the departures on every judged polarity at once, so a 1-star review
    that says "cheap and light, but it snapped" blames durability, not price or weight.

    ``rows``: (departure, {factor id: polarity}) of each answered item."""
    ids = sorted({fid for _, pols in rows for fid in pols})
    usable = [fid for fid in ids if sum(1 for _, p in rows if fid in p) >= MODEL.min_judged]
    if not usable or len(rows) < 3:
        return {}
    x = np.array([[pols.get(fid, np.nan) for fid in usable] for _, pols in rows])
    # Quantities enter as z-scored log values (absent: the mean), judgements as is (absent: 0).
    scale = np.ones(len(usable))
    for j, fid in enumerate(usable):
        col = x[:, j]
        if fid.startswith(QTY):
            seen = ~np.isnan(col)
            mu, sd = float(col[seen].mean()), float(col[seen].std()) or 1.0
            x[:, j] = np.where(seen, (col - mu) / sd, 0.0)
            scale[j] = math.log(2) / sd / 2  # reported per doubling (the 2x below undone)
        else:
            x[:, j] = np.nan_to_num(col)
    y = np.array([d for d, _ in rows])
    gram = x.T @ x
    h = np.linalg.inv(gram + MODEL.judged_ridge * np.eye(len(usable)))
    beta = h @ x.T @ y
    dof = max(len(rows) - len(usable), 1)
    sigma2 = max(float(((y - x @ beta) ** 2).sum()) / dof, MODEL.sd_floor**2)
    se = np.sqrt(np.clip(np.diag(sigma2 * h @ gram @ h), 1e-12, None))
    # A polarity of +1 against -1 is a difference of two units.
    return {
        fid: (2 * float(b) * sc, 2 * 1.96 * float(e) * sc)
        for fid, b, e, sc in zip(usable, beta, se, scale, strict=True)
    }


def _unit(context: str) -> str:
    parts = context.split()
    return parts[1] if len(parts) > 1 else context[:1]
