"""Factor statistics measured as departures from the population. Pure.

A factor's raw label statistics mostly restate what anyone would answer for such
items (a review that says "snapped" gets one star from everybody). What belongs to the
person is the *departure*: on each history item the residual ``answer - population
(text)``, beyond the user's own average residual. For every factor this module reports
the departures of the items where it is present, and one regression of the departures
on every judgement and (log) quantity at once, so a one-star "cheap and light, but it
snapped" blames durability, not price.

What a number is called is what it measures:

- a judgement seen both ways is a contrast "judged well rather than badly"; seen one
  way only, it is "judged well (or badly) rather than not mentioned";
- a factor that states a quantity and is judged too gets both in the regression; the
  one that carries the effect (the clearer) is its headline, the other is said "at the
  same <unit>" (or "at the same judgement");
- every estimate is a posterior mean shrunk towards 0 (``pseudo_items``), and its 95%
  interval is a t interval centred on it, with the spread shrunk towards the person's
  overall spread as if by ``pseudo_items`` more items;
- "clear" is decided over all of the person's factors at once (Benjamini-Hochberg at
  ``false_discovery``), not factor by factor.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from mindprint.engine.factors.inference import benjamini_hochberg, t_quantile, two_sided_p
from mindprint.engine.features.aspects import quantity_value
from mindprint.engine.model_settings import MODEL
from mindprint.engine.types import Feature, Item

QTY = "qty:"  # regressor keys of quantities: qty:<factor id>\x1f<unit>
T95 = 0.975


class EffectKind(enum.Enum):
    """What a factor's effect measures (the values are the stored wording)."""

    JUDGED = "judged well minus judged badly, the other reasons held fixed"
    JUDGED_WELL = "judged well minus not mentioned, the other reasons held fixed"
    JUDGED_BADLY = "judged badly minus not mentioned, the other reasons held fixed"
    QUANTITY = "per doubling of the quantity stated, the other reasons held fixed"
    PRESENT = "mean departure when present"


Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A shrunk estimate, its standard error and degrees of freedom."""

    value: float
    se: float
    df: float

    @property
    def ci95(self) -> Interval:
        half = t_quantile(T95, self.df) * self.se
        return round(float(self.value - half), 3), round(float(self.value + half), 3)

    @property
    def p(self) -> float:
        return two_sided_p(self.value, self.se, self.df)

    def scaled(self, by: float) -> Estimate:
        return Estimate(self.value * by, self.se * abs(by), self.df)


@dataclass(frozen=True, slots=True)
class Summary:
    """The departures of some items: count, mean, mean shrunk towards 0, 95% interval
    (centred on the shrunk mean)."""

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
    """One effect of a factor, with its 95% interval, its p-value, and whether it is
    clear after controlling the false discovery rate over the person's factors."""

    kind: EffectKind
    value: float
    ci95: Interval
    p: float = 1.0
    clear: bool = False
    unit: str | None = None  # the quantity's unit (QUANTITY only)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value, "value": self.value,
                               "ci95": list(self.ci95), "p": self.p, "clear": self.clear}
        return out | ({"unit": self.unit} if self.unit else {})

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Effect:
        return cls(EffectKind(d["kind"]), float(d["value"]), _pair(d["ci95"]), float(d.get("p", 1.0)),
                   bool(d.get("clear", False)), d.get("unit"))

    @classmethod
    def of(cls, kind: EffectKind, est: Estimate, unit: str | None = None) -> Effect:
        return cls(kind, round(float(est.value), 3), est.ci95, round(est.p, 5), False, unit)


@dataclass(frozen=True, slots=True)
class FactorDeparture:
    """One factor's departure statistics: its items' departures, the judged ones by
    direction, its quantity effect, the effect it is ranked by (``effect``) and the
    other effect of the same factor, held at the same value of the first (``other``)."""

    present: Summary
    examples: tuple[int, ...]  # the items that show the effect most
    judged_well: Summary | None
    judged_badly: Summary | None
    quantity: QuantityEffect | None
    effect: Effect
    other: Effect | None = None
    tested: int = 1  # how many factors "clear" was controlled over
    unit: str = ""  # the answers' unit ("stars" for 1-5 ratings)

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
        out.update(effect=e.value, effect_ci95=list(e.ci95), effect_kind=e.kind.value, clear=e.clear,
                   effect_p=e.p, tested=self.tested)
        if e.unit:
            out["effect_unit"] = e.unit
        if self.unit:
            out["unit"] = self.unit
        if self.other is not None:
            out["other_effect"] = self.other.to_json()
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> FactorDeparture:
        q = d.get("quantity_effect")
        effect = Effect(EffectKind(d["effect_kind"]), float(d["effect"]), _pair(d["effect_ci95"]),
                        float(d.get("effect_p", 1.0)), bool(d.get("clear", False)), d.get("effect_unit"))
        return cls(
            present=Summary.from_json(d),
            examples=tuple(int(i) for i in d.get("examples", ())),
            judged_well=Summary.from_json(d["judged_well"]) if "judged_well" in d else None,
            judged_badly=Summary.from_json(d["judged_badly"]) if "judged_badly" in d else None,
            quantity=QuantityEffect(str(q["unit"]), float(q["per_doubling"]), _pair(q["ci95"])) if q else None,
            effect=effect,
            other=Effect.from_json(d["other_effect"]) if "other_effect" in d else None,
            tested=int(d.get("tested", 1)),
            unit=str(d.get("unit", "")),
        )

    @classmethod
    def of(cls, stats: Mapping[str, Any]) -> FactorDeparture | None:
        """A factor's departure statistics from its stored ``stats`` (None without)."""
        dep = stats.get("departure")
        return cls.from_json(dep) if isinstance(dep, Mapping) and "effect" in dep else None

    def strength(self) -> float:
        """How clearly the factor moves the person: its effect over its interval's
        half-width; above 1, the interval excludes 0."""
        lo, hi = self.effect.ci95
        return float(abs(self.effect.value) / max((hi - lo) / 2, 1e-6))


def _pair(v: Sequence[float]) -> Interval:
    return float(v[0]), float(v[1])


def _shrunk(values: Sequence[float], spread: float) -> Estimate:
    """The mean of ``values`` shrunk towards 0 (as if ``pseudo_items`` more items at 0),
    with the posterior standard error: the items' own spread is shrunk towards ``spread``
    (the person's overall variance) as if by ``pseudo_items`` more items."""
    k, prior = len(values), MODEL.pseudo_items
    mean = sum(values) / k
    ss = sum((v - mean) ** 2 for v in values)
    df = (k - 1) + prior
    s2 = (ss + prior * spread) / df
    return Estimate(sum(values) / (k + prior), math.sqrt(s2 / (k + prior)), df)


def _summary(values: Sequence[float], spread: float) -> Summary:
    est = _shrunk(values, spread)
    return Summary(len(values), round(sum(values) / len(values), 3), round(float(est.value), 3), est.ci95)


@dataclass(frozen=True, slots=True)
class _Rows:
    """The answered items' departures, gathered per factor."""

    present: dict[str, list[tuple[int, float]]]  # factor -> (item id, departure)
    judged: dict[str, list[tuple[float, float]]]  # factor -> (polarity, departure)
    regression: list[tuple[int, float, dict[str, float]]]  # (item id, departure, regressors)
    spread: float  # the variance of all the person's departures


def departure_stats(
    items: Sequence[Item],
    features: Sequence[Sequence[Feature]],
    assignment: Mapping[str, str | None],
    residuals: Mapping[int, float],
    unit: str = "",
) -> dict[str, FactorDeparture]:
    """Per factor id: the departure statistics of the items where it is present, with
    "clear" decided over all of them at once (``unit``: the answers' unit, e.g. stars)."""
    if not residuals:
        return {}
    rows = _departures(items, features, assignment, residuals)
    joint = judged_effects([(d, x) for _, d, x in rows.regression], rows.spread)
    entries = {fid: _entry(fid, present, rows, joint) for fid, present in rows.present.items()}
    # On every answered item, "when present" is the person's own offset (~0): no effect.
    entries = {fid: e for fid, e in entries.items() if e.effect.kind is not EffectKind.PRESENT
               or len(rows.present[fid]) < len(rows.regression)}
    # A headline picked as the clearer of two effects was tested twice (Bonferroni).
    tests = {fid: min(1.0, e.effect.p * (2 if e.other is not None else 1)) for fid, e in entries.items()}
    clear = benjamini_hochberg(tests, MODEL.false_discovery)
    return {fid: replace(e, effect=replace(e.effect, clear=fid in clear), tested=len(entries), unit=unit)
            for fid, e in entries.items()}


def _departures(
    items: Sequence[Item],
    features: Sequence[Sequence[Feature]],
    assignment: Mapping[str, str | None],
    residuals: Mapping[int, float],
) -> _Rows:
    """Each answered item's departure ``d`` (its residual beyond the user's shrunk mean
    residual), gathered per factor: where present, where judged, and one regression row
    per item (judgements and log quantities)."""
    offset = sum(residuals.values()) / (len(residuals) + MODEL.pseudo_items)
    rows = _Rows({}, {}, [], 0.0)
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
            rows.present.setdefault(fid, []).append((it.id, d))
            if abs(pol) >= MODEL.judged:
                rows.judged.setdefault(fid, []).append((pol, d))
        x = {f: p for f, p in seen.items() if abs(p) >= MODEL.judged}
        for f in feats:
            fid = assignment.get(f.name)
            value = quantity_value(f.context) if f.kind == "quantity" else None
            if fid is not None and value is not None and value > 0:
                x[f"{QTY}{fid}\x1f{_unit(f.context)}"] = math.log(value)
        rows.regression.append((it.id, d, x))
    ds = [d for _, d, _ in rows.regression]
    mean = sum(ds) / len(ds)
    spread = sum((d - mean) ** 2 for d in ds) / max(len(ds) - 1, 1)
    return replace(rows, spread=spread)


def _sides(judged: Sequence[tuple[float, float]]) -> EffectKind:
    """A contrast of well against badly needs both sides; otherwise against not mentioned."""
    well = any(p > 0 for p, _ in judged)
    badly = any(p < 0 for p, _ in judged)
    return EffectKind.JUDGED if well and badly else EffectKind.JUDGED_WELL if well else EffectKind.JUDGED_BADLY


# A polarity of +1 against -1 is two units; +1 against 0 one; -1 against 0 minus one.
_PER_UNIT = {EffectKind.JUDGED: 2.0, EffectKind.JUDGED_WELL: 1.0, EffectKind.JUDGED_BADLY: -1.0}


def _entry(fid: str, present: Sequence[tuple[int, float]], rows: _Rows,
           joint: Mapping[str, Estimate]) -> FactorDeparture:
    """One factor's statistics: its departures, the judged ones by direction, its
    quantity and judgement effects, the headline and the other effect."""
    judged = rows.judged.get(fid, [])
    candidates: list[tuple[Effect, str]] = []
    if fid in joint:
        kind = _sides(judged)
        candidates.append((Effect.of(kind, joint[fid].scaled(_PER_UNIT[kind])), fid))
    qty = {k: v for k, v in joint.items() if k.startswith(f"{QTY}{fid}\x1f")}
    quantity = None
    if qty:
        key, est = min(qty.items(), key=lambda kv: kv[1].p)
        q = Effect.of(EffectKind.QUANTITY, est, key.split("\x1f", 1)[1])
        quantity = QuantityEffect(str(q.unit), q.value, q.ci95)
        candidates.append((q, key))
    if not candidates:
        est = _shrunk([d for _, d in present], rows.spread)
        candidates.append((Effect.of(EffectKind.PRESENT, est), ""))
    candidates.sort(key=lambda c: c[0].p)
    (effect, key), other = candidates[0], (candidates[1][0] if len(candidates) > 1 else None)
    good = [d for p, d in judged if p > 0]
    bad = [d for p, d in judged if p < 0]
    return FactorDeparture(
        _summary([d for _, d in present], rows.spread), _examples(fid, key, present, rows, joint),
        _summary(good, rows.spread) if good else None, _summary(bad, rows.spread) if bad else None,
        quantity, effect, other,
    )


def _examples(fid: str, key: str, present: Sequence[tuple[int, float]], rows: _Rows,
              joint: Mapping[str, Estimate]) -> tuple[int, ...]:
    """The three items that show the headline effect most: where the factor's own term
    moved the fitted departure most in the direction the item actually departed (for a
    mean departure: the items that departed most)."""
    mine = {i for i, _ in present}
    if not key:
        return tuple(i for i, _ in sorted(present, key=lambda r: -abs(r[1]))[:3])
    beta = joint[key].value
    values = {i: x.get(key) for i, _, x in rows.regression if i in mine and key in x}
    if key.startswith(QTY) and values:
        centre = sum(v for v in values.values() if v is not None) / len(values)
        values = {i: (v - centre if v is not None else None) for i, v in values.items()}
    score = {i: beta * float(v) * d for i, d, x in rows.regression if (v := values.get(i)) is not None}
    return tuple(sorted(score, key=lambda i: -score[i])[:3])


def judged_effects(rows: Sequence[tuple[float, Mapping[str, float]]],
                   spread: float | None = None) -> dict[str, Estimate]:
    """Per regressor (a judged factor's polarity, or a quantity's log value): its
    coefficient from one ridge regression of the departures on all of them at once,
    with an unpenalised intercept, as a posterior mean and standard error (prior
    coefficients N(0, sigma^2 / judged_ridge)). Quantities are reported per doubling.

    ``rows``: (departure, {regressor: value}) of each answered item; ``spread``: the
    person's overall variance of departures, towards which the residual variance is
    shrunk as if by ``pseudo_items`` more items (default: the departures' own)."""
    ids = sorted({fid for _, xs in rows for fid in xs})
    usable = [fid for fid in ids if sum(1 for _, x in rows if fid in x) >= MODEL.min_judged]
    if not usable or len(rows) < 3:
        return {}
    x = np.array([[xs.get(fid, np.nan) for fid in usable] for _, xs in rows])
    # Quantities enter as centred log values (absent: their mean), judgements as is (absent: 0).
    scale = np.ones(len(usable))
    for j, fid in enumerate(usable):
        col = x[:, j]
        if fid.startswith(QTY):
            seen = ~np.isnan(col)
            mu, sd = float(col[seen].mean()), float(col[seen].std()) or 1.0
            x[:, j] = np.where(seen, (col - mu) / sd, 0.0)
            scale[j] = math.log(2) / sd  # per doubling
        else:
            x[:, j] = np.nan_to_num(col)
    y = np.array([d for d, _ in rows])
    design = np.hstack([np.ones((len(y), 1)), x])
    penalty = np.diag([0.0] + [MODEL.judged_ridge] * len(usable))
    h = np.linalg.inv(design.T @ design + penalty)
    beta = h @ design.T @ y
    rss = float(((y - design @ beta) ** 2).sum())
    used = float(np.trace(design @ h @ design.T))  # the ridge's effective parameters
    prior = MODEL.pseudo_items
    overall = float(np.var(y, ddof=1)) if spread is None else spread
    df = max(len(y) - used, 0.0) + prior
    sigma2 = (rss + prior * overall) / df
    se = np.sqrt(np.clip(sigma2 * np.diag(h), 0.0, None))
    return {
        fid: Estimate(float(b) * sc, float(e) * sc, df)
        for fid, b, e, sc in zip(usable, beta[1:], se[1:], scale, strict=True)
    }


def _unit(context: str) -> str:
    parts = context.split()
    return parts[1] if len(parts) > 1 else context[:1]
