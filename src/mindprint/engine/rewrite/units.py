"""Units of measure and clock times in a text: found, and converted where that is safe.

Units are a closed, general vocabulary (not a topic list): a quantity written in the
system a person asked not to get ("220 miles" for someone who wants metric) is found
by its unit word after a number. A plain "<number> <unit>" converts to the other
system ("about 354 km"); where the conversion would change a fixed phrase ("a 5-mile
walk", a range, a spelled-out number) or the unit has no single meaning (US or UK
pint, a cup of flour), it is only found, never rewritten. Code and URLs are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import pairwise

from mindprint.engine.features.vocab import NUMBER_WORDS

METRIC, IMPERIAL = "metric", "imperial"


@dataclass(frozen=True, slots=True)
class Unit:
    pattern: str
    system: str
    # (target unit, factor); None: found but not converted.
    to: tuple[str, float] | None
    # "pounds" is also a currency: not a unit in a sentence about money.
    also_money: bool = False


# Fahrenheit/Celsius convert by formula (the factors are placeholders: see _convert).
_UNITS = (
    Unit(r"square (?:feet|foot)|sq\.? ?ft\.?|ft²", IMPERIAL, ("m²", 0.09290304)),
    Unit(r"fluid ounces?|fl\.? ?oz\.?", IMPERIAL, ("ml", 29.5735)),
    Unit(r"°\s?F|degrees? (?:F\b|Fahrenheit)|Fahrenheit", IMPERIAL, ("°C", 0.0)),
    Unit(r"miles?|mi", IMPERIAL, ("km", 1.609344)),
    Unit(r"mph", IMPERIAL, ("km/h", 1.609344)),
    Unit(r"mpg", IMPERIAL, None),
    Unit(r"feet|foot|ft\.?", IMPERIAL, ("m", 0.3048)),
    Unit(r"inch(?:es)?", IMPERIAL, ("cm", 2.54)),
    Unit(r"yards?|yds?", IMPERIAL, ("m", 0.9144)),
    Unit(r"pounds?", IMPERIAL, ("kg", 0.45359237), also_money=True),
    Unit(r"lbs?\.?", IMPERIAL, ("kg", 0.45359237)),
    Unit(r"ounces?|oz\.?", IMPERIAL, ("g", 28.349523)),
    Unit(r"stones?", IMPERIAL, ("kg", 6.35029318)),
    Unit(r"gallons?|gal", IMPERIAL, ("L", 3.785411784)),
    Unit(r"quarts?|qt", IMPERIAL, ("L", 0.946352946)),
    Unit(r"acres?", IMPERIAL, ("ha", 0.40468564)),
    Unit(r"square (?:met(?:er|re)s?)|sq\.? ?m\b|m²", METRIC, ("sq ft", 10.7639104)),
    Unit(r"°\s?C|degrees? (?:C\b|Celsius|centigrade)|Celsius", METRIC, ("°F", 0.0)),
    Unit(r"km/h|kph|kmh", METRIC, ("mph", 0.621371192)),
    Unit(r"kilomet(?:er|re)s?|kms?", METRIC, ("miles", 0.621371192)),
    Unit(r"centimet(?:er|re)s?|cm", METRIC, ("inches", 0.393700787)),
    Unit(r"millimet(?:er|re)s?|mm", METRIC, ("inches", 0.0393700787)),
    Unit(r"met(?:er|re)s?", METRIC, ("feet", 3.2808399)),
    Unit(r"kilo(?:gram)?s?|kgs?", METRIC, ("lb", 2.20462262)),
    Unit(r"grams?|g", METRIC, ("oz", 0.0352739619)),
    Unit(r"millilit(?:er|re)s?|ml|mL", METRIC, ("fl oz", 0.033814)),
    Unit(r"lit(?:er|re)s?|(?<= )L", METRIC, ("quarts", 1.05668821)),  # "1L student": not litres
    Unit(r"hectares?", METRIC, ("acres", 2.47105381)),
)
_NUMBER = r"\d+/\d+|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SPELLED = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_QUANTITY = re.compile(
    rf"(?<![\w.,])(?<!\d/)(?P<num>{_NUMBER}|(?i:{_SPELLED}))(?P<range>\s?(?:-|–|to)\s?(?:{_NUMBER}))?"
    rf"(?P<sep>\s?-\s?|\s?)(?P<unit>{'|'.join(f'(?P<u{i}>{u.pattern})' for i, u in enumerate(_UNITS))})"
    r"(?![\w²])",
)
# A quantity already hedged or bounded keeps its own word; others get "about".
_HEDGED = re.compile(
    r"\b(about|around|roughly|approximately|approx\.?|nearly|almost|some|over|under|below|above|"
    r"less than|more than|up to|at least|at most|within|a|an|the)\s*$|~\s*$", re.I
)
_MONEY_WORDS = re.compile(r"£|\b(cost|costs|price|priced|pay|paid|spend|sterling|budget|quid)\b", re.I)
_SKIP = re.compile(r"```.*?```|`[^`\n]+`|https?://\S+|www\.\S+", re.S)
_TIME = re.compile(r"\b(?:(?P<from>1[0-2]|0?[1-9])(?::(?P<from_min>[0-5]\d))?\s?[-–]\s?)?"
                   r"\b(1[0-2]|0?[1-9])(?::([0-5]\d))?\s?([ap])(?:\.m\.|\.m\b|m\b)", re.I)
# Between two quantities, what makes the second the first's equivalent: "129°F (54°C)".
_EQUIVALENT = re.compile(r"\s*(\(|/|or|,|=)?\s*$")


@dataclass(frozen=True, slots=True)
class Quantity:
    start: int
    end: int
    text: str
    system: str
    # The replacement in the other system, or None when it is only found.
    converted: str | None
    # Given with its equivalent in the other system next to it ("129°F (54°C)").
    paired: bool = False


def _masked(text: str) -> str:
    """``text`` with code and URLs blanked (same length, so offsets hold)."""
    return _SKIP.sub(lambda m: " " * len(m.group(0)), text)


def quantities(text: str) -> list[Quantity]:
    """Every quantity with a unit of measure in ``text``, with its conversion."""
    plain = _masked(text)
    out = []
    for m in _QUANTITY.finditer(plain):
        unit = next(u for i, u in enumerate(_UNITS) if m.group(f"u{i}") is not None)
        if unit.also_money and _MONEY_WORDS.search(_sentence_around(plain, m.start())):
            continue  # "500 pounds" of money
        out.append(Quantity(m.start(), m.end(), text[m.start():m.end()], unit.system,
                            _convert(m, unit, plain)))
    return _pair(out, plain)


def _pair(found: list[Quantity], text: str) -> list[Quantity]:
    """Mark quantities given with their equivalent in the other system right after them."""
    paired: set[int] = set()
    for i, (a, b) in enumerate(pairwise(found)):
        if a.system != b.system and _EQUIVALENT.fullmatch(text[a.end:b.start]):
            paired |= {i, i + 1}
    return [replace(q, paired=True) if i in paired else q for i, q in enumerate(found)]


def _sentence_around(text: str, at: int) -> str:
    start = max(text.rfind(c, 0, at) for c in ".!?\n") + 1
    ends = [i for i in (text.find(c, at) for c in ".!?\n") if i >= 0]
    return text[start:min(ends) if ends else len(text)]


def _convert(m: re.Match[str], unit: Unit, text: str) -> str | None:
    """"about 354 km" for "220 miles"; None where a plain swap would misread the text."""
    num = m.group("num").replace(",", "")
    signed = text[max(m.start() - 1, 0):m.start()] in ("-", "−")
    # Written apart ("5 mm", not "14mm f/2.8" or "9mm": names of things), or in degrees.
    degrees = unit.to is not None and unit.to[0] in ("°C", "°F")
    apart = m.group("sep") == " " or (degrees and m.group("sep") == "")
    if unit.to is None or m.group("range") or not apart or not num.replace(".", "").isdigit() or signed:
        return None
    value = float(num)
    target, factor = unit.to
    if target == "°C":
        shown = f"{round((value - 32) * 5 / 9)} °C"
    elif target == "°F":
        shown = f"{round(value * 9 / 5 + 32)} °F"
    else:
        shown = f"{_round(value * factor)} {target}"
    before = text[:m.start()]
    if _HEDGED.search(before):
        return None if re.search(r"\b(a|an|the)\s*$", before, re.I) else shown
    return f"about {shown}"


def _round(v: float) -> str:
    """Two significant figures below 100, three above; thousands separated."""
    if v == 0:
        return "0"
    digits = 2 if abs(v) < 100 else 3
    places = digits - 1 - int(f"{abs(v):e}".split("e")[1])
    r = round(v, places)
    return f"{r:,.{max(places, 0)}f}" if places > 0 else f"{int(r):,}"


@dataclass(frozen=True, slots=True)
class ClockTime:
    start: int
    end: int
    text: str
    converted: str


def twelve_hour_times(text: str) -> list[ClockTime]:
    """Times written with am/pm, each with its 24-hour form ("3:30 pm" → "15:30", "3-5 PM"
    → "15:00-17:00")."""
    out = []
    for m in _TIME.finditer(_masked(text)):
        half = m.group(5).lower()
        end = _hour(int(m.group(3)), half)
        shown = f"{end:02d}:{m.group(4) or '00'}"
        if m.group("from"):
            start = _hour(int(m.group("from")), half)
            start -= 12 if start > end else 0  # "11-1 pm" starts in the morning
            shown = f"{start:02d}:{m.group('from_min') or '00'}-{shown}"
        # "at 5 p.m." ending a sentence keeps the sentence's period.
        after = text[m.end():].lstrip()
        stop = "." if m.group(0).endswith(".") and (not after or after[0].isupper()) else ""
        out.append(ClockTime(m.start(), m.end(), m.group(0), shown + stop))
    return out


def _hour(hour: int, half: str) -> int:
    return hour % 12 + (12 if half == "p" else 0)
