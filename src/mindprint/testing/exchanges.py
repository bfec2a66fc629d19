"""Distinct, realistic review exchanges for the concurrent-writer test and the soak
benchmark: many processes record them at once, so each (writer, index) is its own text."""

from __future__ import annotations

import random

BRANDS = ["Ridgeback", "Talus", "Vega", "Lumen", "Orbit", "Nimbus", "Cairn", "Kestrel", "Fjord"]
PRODUCTS = [
    ("trail shoe", "{g} g, {mm} mm drop, deep lugs"),
    ("GPS watch", "{h} h GPS, {g} g, sapphire lens"),
    ("headlamp", "{h} h on high, {g} g, USB-C"),
    ("rain jacket", "{g} g, taped seams, pit zips"),
    ("running vest", "{n} litres, {g} g, two soft flasks"),
    ("trekking poles", "carbon, {g} g, flick-lock"),
]
OPINIONS = [
    "light enough and the grip holds on wet rock",
    "battery dies before the cutoff, no thanks",
    "fits well but the price is silly",
    "does the job, nothing special",
    "heavy for what it is, returned it",
    "best one i've owned, bought a second",
    "honestly fine for winter only",
]


def exchange(writer: int, i: int) -> tuple[str, str, int]:
    """A distinct, realistic (query, response, rating) for this writer and index."""
    rng = random.Random(writer * 100_003 + i)
    product, spec = rng.choice(PRODUCTS)
    spec = spec.format(
        g=rng.randrange(40, 900, 5), mm=rng.randrange(0, 12), h=rng.randrange(3, 40), n=rng.randrange(5, 20)
    )
    # "w{writer}-{i}" cannot collide across writers however many writes a soak makes.
    name = f"{rng.choice(BRANDS)} {rng.choice(['Flow', 'Apex', 'Sky', 'Ridge', 'Tempo'])} w{writer}-{i}"
    rating = rng.randint(1, 5)
    query = f"Review request: {name} {product} — {spec}, ${rng.randrange(40, 450)}."
    response = f"{rng.choice(OPINIONS)}. {spec.split(',')[0]}. {rating}/5"
    return query, response, rating
