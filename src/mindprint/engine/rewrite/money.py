"""Amounts of money in a text, and the budget a person stated.

General money parsing: a currency symbol, code or name next to a number ("€1,400",
"1.400 EUR", "800 euros", "$1.2k"). A *budget* is an amount the person put a ceiling
on in their own words ("My budget is around 800 euros", "I can spend up to $500");
"budget-friendly" or "not too expensive" name no amount and give no budget. A price
in a draft is compared only with a budget in the same currency and over the same
period (a nightly budget with nightly prices), and only when it is clearly above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SYMBOLS = {
    "US$": "USD", "CA$": "CAD", "C$": "CAD", "AU$": "AUD", "A$": "AUD", "$": "USD",
    "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR",
}
_NAMES = {
    "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD",
    "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP",
    "jpy": "JPY", "yen": "JPY", "inr": "INR", "rupee": "INR", "rupees": "INR",
    "chf": "CHF", "franc": "CHF", "francs": "CHF", "cad": "CAD", "aud": "AUD",
}
_AMOUNT = r"(?P<num>\d{1,3}(?:[,.\u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?:\s?(?P<mult>k|K|thousand|grand|m|M|mn|million|bn|billion)\b)?"
_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "grand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6,
                "bn": 1e9, "billion": 1e9}
_SYM = "|".join(re.escape(s) for s in _SYMBOLS)
_NAME = "|".join(sorted(_NAMES, key=len, reverse=True))
_BEFORE = re.compile(rf"(?P<cur>{_SYM}|\b(?:USD|EUR|GBP|CHF|CAD|AUD|JPY|INR)\b)\s?{_AMOUNT}")
_AFTER = re.compile(rf"(?<![\w.,]){_AMOUNT}(?:\s?-\s?|\s?)(?P<cur>€|£|¥|(?i:{_NAME})\b)")
# A ceiling the person put on what they pay, in their own words.
_BUDGET = re.compile(
    r"\b(budget|spend|afford|under|below|less than|no more than|not more than|up to|at most|"
    r"max(imum)?|cap|limit|cheaper than)\b", re.I
)
_NOT_A_LIMIT = re.compile(r"\b(flexible|no budget|not on a budget|don'?t care about (the )?price)\b", re.I)
_APPROXIMATE = re.compile(r"\b(around|about|roughly|approximately|approx|ish|or so|give or take)\b|~", re.I)
_PERIOD = re.compile(
    r"(?:\b(?:per|a|an|each|every)\s+|/\s?)(night|day|week|month|year|person|head|hour)\b"
    r"|\b(nightly|daily|weekly|monthly|yearly|annually|hourly)\b", re.I
)
_ADVERB_PERIOD = {"nightly": "night", "daily": "day", "weekly": "week", "monthly": "month",
                  "yearly": "year", "annually": "year", "hourly": "hour"}
_WEIGHT = re.compile(r"\b(weigh\w*|heavy|heavier|light|lighter|mass|load)\b", re.I)
# How far above a budget a price must be to be "clearly above" it: a stated ceiling
# ("up to 800") is firmer than an approximate one ("around 800").
FIRM_MARGIN, LOOSE_MARGIN = 0.10, 0.25
_PERIOD_REACH = 30


@dataclass(frozen=True, slots=True)
class Money:
    start: int
    end: int
    text: str
    currency: str
    amount: float
    period: str | None


@dataclass(frozen=True, slots=True)
class Budget:
    currency: str
    amount: float
    period: str | None
    approximate: bool

    def exceeded_by(self, m: Money) -> bool:
        margin = LOOSE_MARGIN if self.approximate else FIRM_MARGIN
        return (m.currency == self.currency and m.period == self.period
                and m.amount > self.amount * (1 + margin))

    def shown(self) -> str:
        amount = f"{self.amount:,.0f}" if self.amount == int(self.amount) else f"{self.amount:,.2f}"
        return f"{amount} {self.currency}" + (f" per {self.period}" if self.period else "")


def parse_amount(num: str, mult: str | None = None) -> float:
    """"1,400" and "1.400" are 1400; "1.5" and "1,5" are 1.5; "1.400,50" is 1400.5."""
    digits = num.replace("\u00a0", ",").replace("\u202f", ",")
    seps = [c for c in digits if c in ",."]
    if len(set(seps)) == 2:
        dec = digits[max(digits.rfind(","), digits.rfind("."))]
        digits = digits.replace("." if dec == "," else ",", "").replace(dec, ".")
    elif seps and all(len(g) == 3 for g in re.split(r"[,.]", digits)[1:]):
        digits = re.sub(r"[,.]", "", digits)
    else:
        digits = digits.replace(",", ".")
    value = float(digits)
    return value * _MULTIPLIERS.get((mult or "").lower(), 1)


def amounts(text: str) -> list[Money]:
    """Every amount of money in ``text``, with its currency and period ("per night")."""
    out: list[Money] = []
    taken: set[int] = set()
    for m in [*_BEFORE.finditer(text), *_AFTER.finditer(text)]:
        if taken & set(range(m.start(), m.end())):
            continue  # "$5 dollars": one amount
        taken |= set(range(m.start(), m.end()))
        cur = m.group("cur")
        if cur.lower().startswith("pound") and _WEIGHT.search(text[max(m.start() - 40, 0):m.end() + 20]):
            continue  # "it weighs 5 pounds"
        code = _SYMBOLS.get(cur) or _NAMES.get(cur.lower()) or cur.upper()
        out.append(Money(m.start(), m.end(), m.group(0), code, parse_amount(m.group("num"), m.group("mult")),
                         _period(text[m.end():m.end() + _PERIOD_REACH])))
    return sorted(out, key=lambda m: m.start)


def _period(after: str) -> str | None:
    m = _PERIOD.match(after.lstrip(" ,"))
    if not m:
        return None
    word = (m.group(1) or m.group(2)).lower()
    return _ADVERB_PERIOD.get(word, word)


def budget(quote: str) -> Budget | None:
    """The ceiling a person's words put on what they spend, or None when they name no
    amount, several currencies, or say the budget is flexible."""
    if not _BUDGET.search(quote) or _NOT_A_LIMIT.search(quote):
        return None
    found = amounts(quote)
    if not found or len({(m.currency, m.period) for m in found}) > 1:
        return None
    top = max(found, key=lambda m: m.amount)
    return Budget(top.currency, top.amount, top.period, bool(_APPROXIMATE.search(quote)))
