"""Money in a text and the budget a person stated: a price is over budget only in the
same currency and period, and only clearly above it."""

from __future__ import annotations

import pytest

from mindprint.engine.rewrite.money import Budget, amounts, budget, parse_amount


@pytest.mark.parametrize(("num", "mult", "value"), [
    ("1,400", None, 1400.0), ("1.400", None, 1400.0), ("1.5", None, 1.5), ("1,5", None, 1.5),
    ("1.400,50", None, 1400.5), ("1,400.50", None, 1400.5), ("1.2", "k", 1200.0), ("800", None, 800.0),
])
def test_amounts_parse_either_decimal_convention(num: str, mult: str | None, value: float) -> None:
    assert parse_amount(num, mult) == value


def test_amounts_carry_currency_and_period() -> None:
    found = amounts("The MacBook is 1,400 euros, the ThinkPad €799; rooms from $120/night, USD 1500 or 2.5k EUR.")
    assert [(m.text, m.currency, m.amount, m.period) for m in found] == [
        ("1,400 euros", "EUR", 1400.0, None), ("€799", "EUR", 799.0, None), ("$120", "USD", 120.0, "night"),
        ("USD 1500", "USD", 1500.0, None), ("2.5k EUR", "EUR", 2500.0, None)]
    assert amounts("It weighs 5 pounds.") == []
    assert [m.amount for m in amounts("A price tag of over $3.5 million, or €2bn.")] == [3.5e6, 2e9]


@pytest.mark.parametrize(("quote", "expected"), [
    ("My budget is around 800 euros.", Budget("EUR", 800.0, None, approximate=True)),
    ("I can spend up to $500.", Budget("USD", 500.0, None, approximate=False)),
    ("My budget is 100 euros per night.", Budget("EUR", 100.0, "night", approximate=False)),
    ("Something between 500 and 800 euros fits my budget.", Budget("EUR", 800.0, None, approximate=False)),
    ("I want something under 50 quid.", Budget("GBP", 50.0, None, approximate=False)),
])
def test_a_stated_ceiling_is_a_budget(quote: str, expected: Budget) -> None:
    assert budget(quote) == expected


@pytest.mark.parametrize("quote", [
    "I'm on a tight budget.",                     # no amount
    "Budget-friendly options please.",
    "I'm flexible on budget, 500 euros is fine.",
    "My budget is 800 euros or 900 dollars.",      # two currencies
    "I paid 800 euros for my last laptop.",        # no ceiling
])
def test_a_vague_or_mixed_budget_is_none(quote: str) -> None:
    assert budget(quote) is None


def test_only_a_price_clearly_above_in_the_same_currency_and_period_exceeds_it() -> None:
    around = Budget("EUR", 800.0, None, approximate=True)
    firm = Budget("EUR", 800.0, None, approximate=False)
    [big, near, dollars, nightly] = amounts("1,400 euros, 950 euros, $1,400, 1,400 euros per night")
    assert around.exceeded_by(big) and firm.exceeded_by(near) and not around.exceeded_by(near)
    assert not around.exceeded_by(dollars) and not around.exceeded_by(nightly)
    assert around.shown() == "800 EUR"
