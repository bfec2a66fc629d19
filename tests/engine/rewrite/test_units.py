"""Units of measure and clock times in a draft: found by the closed unit vocabulary,
converted only where a plain swap keeps the sentence right."""

from __future__ import annotations

import pytest

from mindprint.engine.rewrite.units import IMPERIAL, METRIC, quantities, twelve_hour_times


@pytest.mark.parametrize(("text", "found", "system", "converted"), [
    ("It is about 220 miles, a 4 hour drive.", "220 miles", IMPERIAL, "354 km"),  # already hedged
    ("Walk 4 miles.", "4 miles", IMPERIAL, "about 6.4 km"),
    ("It is 2,000 miles away.", "2,000 miles", IMPERIAL, "about 3,220 km"),
    ("Bake at 350°F.", "350°F", IMPERIAL, "about 177 °C"),
    ("It weighs 10 pounds.", "10 pounds", IMPERIAL, "about 4.5 kg"),
    ("Run 5 km today.", "5 km", METRIC, "about 3.1 miles"),
    ("Add 500 g of flour.", "500 g", METRIC, "about 18 oz"),
    ("under 5 miles", "5 miles", IMPERIAL, "8.0 km"),
])
def test_a_plain_quantity_is_found_and_converted(text: str, found: str, system: str, converted: str) -> None:
    [q] = quantities(text)
    assert (q.text, q.system, q.converted) == (found, system, converted)
    assert text[q.start:q.end] == found


@pytest.mark.parametrize(("text", "found"), [
    ("a 5-mile walk", "5-mile"),        # a compound adjective
    ("3-5 miles", "3-5 miles"),         # a range
    ("two miles away", "two miles"),    # a spelled-out number
    ("cuts of 1/8 inch", "1/8 inch"),   # a fraction
    ("a 2 miles walk", "2 miles"),      # "about" would break the article
    ("It was -5°F.", "5°F"),            # the sign is outside the match
    ("Car does 40 mpg.", "40 mpg"),     # no single metric form
    ("Get the Samyang 14mm f/2.8.", "14mm"),  # written together: often a name
])
def test_where_a_swap_could_misread_the_text_it_is_found_but_not_converted(text: str, found: str) -> None:
    [q] = quantities(text)
    assert q.text == found and q.converted is None


@pytest.mark.parametrize("text", [
    "It costs 5 pounds.",            # money, not weight
    "Add 2 cups of coffee.",         # a count as often as a measure
    "A 4G or 5G phone.",             # not grams
    "See `5 miles` and https://example.com/5km",  # code and URLs
    "It takes 4 hours and 3 days.",
    "Programs for 1L students.",     # a law student's first year
])
def test_what_is_not_a_unit_of_measure_is_not_found(text: str) -> None:
    assert quantities(text) == []


@pytest.mark.parametrize("text", [
    "Cook steak at 129°F (54°C).", "Around 122°F/50°C.", "Over 500 km/h or 310 mph.",
])
def test_a_quantity_given_with_its_equivalent_is_paired(text: str) -> None:
    assert [q.paired for q in quantities(text)] == [True, True]
    assert [q.paired for q in quantities("Walk 5 miles, then 3 km.")] == [False, False]


def test_twelve_hour_times_get_their_24_hour_form() -> None:
    times = twelve_hour_times("Leave at 7 a.m. and 3:30 PM, back by 12 am. Dinner at 5 p.m.")
    assert [(t.text, t.converted) for t in times] == [
        ("7 a.m.", "07:00"), ("3:30 PM", "15:30"), ("12 am", "00:00"), ("5 p.m.", "17:00.")]
    assert twelve_hour_times("I am here at 15:00.") == []
    ranges = twelve_hour_times("Late afternoon (3-5 PM) or 11-1 pm.")
    assert [(t.text, t.converted) for t in ranges] == [("3-5 PM", "15:00-17:00"), ("11-1 pm", "11:00-13:00")]
