"""How a factor's effect is said: one wording for the CLI, the dashboard, the MCP App
card and the reasoning paths, so they agree in number, sign and unit. Pure.

An effect is in the answer's own units (stars for 1-5 ratings), beyond what a model of
everyone reads in the text. A quantity's effect is per doubling and is read in words
("lighter is better") from its sign and unit, so a negative number never reads as
"weight is bad" when it means "fewer grams score higher".
"""

from __future__ import annotations

from mindprint.engine.factors.departure_stats import Effect, EffectKind, FactorDeparture

# Unit -> (fewer, more): the words for a smaller and a larger value of the quantity.
_DIRECTION = {
    "g": ("lighter", "heavier"), "kg": ("lighter", "heavier"), "oz": ("lighter", "heavier"),
    "lb": ("lighter", "heavier"), "lbs": ("lighter", "heavier"),
    "$": ("cheaper", "pricier"), "€": ("cheaper", "pricier"), "£": ("cheaper", "pricier"),
    "h": ("shorter", "longer"), "hours": ("shorter", "longer"), "min": ("shorter", "longer"),
    "mm": ("smaller", "larger"), "cm": ("smaller", "larger"), "in": ("smaller", "larger"),
    "lumens": ("dimmer", "brighter"), "mah": ("smaller", "larger"), "mAh": ("smaller", "larger"),
}


def direction(unit: str, per_doubling: float) -> str:
    """E.g. "lighter is better" for grams with a negative effect per doubling."""
    fewer, more = _DIRECTION.get(unit, ("less", "more"))
    return f"{fewer if per_doubling < 0 else more} is better"


def what(name: str, e: Effect) -> str:
    """What the effect compares, e.g. "when weight is judged well rather than badly"."""
    if e.kind is EffectKind.JUDGED:
        return f"when {name} is judged well rather than badly"
    if e.kind is EffectKind.JUDGED_WELL:
        return f"when {name} is judged well rather than not mentioned"
    if e.kind is EffectKind.JUDGED_BADLY:
        return f"when {name} is judged badly rather than not mentioned"
    if e.kind is EffectKind.QUANTITY:
        return f"for {name}, each doubling of {e.unit} ({direction(e.unit or '', e.value)})"
    return f"when {name} is present"


def _interval(e: Effect) -> str:
    lo, hi = e.ci95
    return f"95% CI {lo:+.2f} to {hi:+.2f}"


def evidence(name: str, dep: FactorDeparture) -> str:
    """The sentence shown beside a factor, e.g. "for weight, each doubling of g (lighter is
    better): -0.32 stars beyond what the text suggests (95% CI -0.57 to -0.07, 46 items; clear
    among 19 factors tested); judged well rather than badly, at the same g: -0.09 (...)"."""
    e = dep.effect
    units = f" {dep.unit}" if dep.unit else ""
    verdict = f"clear among {dep.tested} factors tested" if e.clear else "not clear"
    text = (f"{what(name, e)}: {e.value:+.2f}{units} beyond what the text suggests "
            f"({_interval(e)}, {dep.present.n} items; {verdict})")
    o = dep.other
    if o is not None:
        held = f"at the same {e.unit}" if e.kind is EffectKind.QUANTITY else "at the same judgement"
        text += f"; {what(name, o)}, {held}: {o.value:+.2f} ({_interval(o)})"
    return text


def short(name: str, dep: FactorDeparture) -> str:
    """A clause for a reasoning path, e.g. "For weight, each doubling of g (lighter is
    better): -0.32 stars beyond what the text suggests"."""
    e = dep.effect
    units = f" {dep.unit}" if dep.unit else ""
    head = what(name, e)
    return f"{head[:1].upper()}{head[1:]}: {e.value:+.2f}{units} beyond what the text suggests"
