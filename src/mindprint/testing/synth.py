"""Generated chat exports (ChatGPT and Claude layouts) of any size, written as a stream.

A fictional runner asks an assistant about gear. Their reactions are consistent — long
answers without a price get "too long, what does it cost?", short priced answers get
thanks — so a model built from the history has something real to find. Every
conversation is unique (its topic, race distance and month), so the expected item count is
exact: one exchange per user message after the first, none a duplicate.

Used by the end-to-end import test and by ``benchmarks/import_memory.py``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

T0 = 1_700_000_000.0
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
TOPICS = [
    ("headlamp", "night trail race", "The Lumen X has 600 lumens and a 5 hour battery; the Owl 2 is lighter at 80 g and has 400 lumens."),
    ("trail shoes", "muddy mountain race", "For mud you want 5 mm lugs: the Mudclaw grips best, the Speedgoat is the most cushioned and the Peregrine is the most stable."),
    ("rain jacket", "windy ridge run", "A 3-layer shell with taped seams and a stiff hood brim keeps wind and rain out; the Ridgeline weighs 210 g and packs small."),
    ("running vest", "long ultra", "A 12 litre vest with front soft flasks carries the mandatory kit; the Pace 12 fits snugly and does not bounce."),
    ("gps watch", "multi-day stage race", "The Summit Pro lasts 60 hours in GPS mode and has offline maps; the Trail 5 lasts 30 hours but is simpler."),
    ("energy gels", "hot marathon", "Take a gel every 30 to 40 minutes with water; caffeinated gels help in the last hour and salt tabs prevent cramps."),
]
PRICES = {"headlamp": 89, "trail shoes": 140, "rain jacket": 189, "running vest": 120,
          "gps watch": 399, "energy gels": 2}
FILLER = (" It is also worth thinking about fit, weather, the course profile, how you train,"
          " what your club mates use, care and washing, warranty terms and resale value.")


@dataclass(frozen=True, slots=True)
class Expected:
    conversations: int
    items: int


def _turns(i: int, rng: random.Random) -> list[tuple[str, str]]:
    """(role, text) of one conversation along its active branch."""
    topic, race, answer = TOPICS[i % len(TOPICS)]
    km = 10 + i % 190
    month = f"{MONTHS[(i // 190) % 12]} {2024 + i // 2280}"
    price = PRICES[topic]
    turns = [("user", f"Which {topic} should I get for a {km} km {race} in {month}?")]
    long_answer = answer + FILLER * rng.randint(2, 6)
    turns.append(("assistant", long_answer))
    turns.append(("user", rng.choice([
        f"Too long. Just tell me which {topic} and what it costs.",
        f"That is far too long and you forgot the price of the {topic} again.",
        f"Way too long for a {km} km race. Price?",
    ])))
    if rng.random() < 0.7:
        turns.append(("assistant", f"The first one, about {price} euros, for your {km} km in {month}."))
        turns.append(("user", rng.choice([
            f"Thanks, short and with the price: perfect for the {km} km.",
            "Perfect, that is exactly what I needed. Thank you!",
            f"Great, {price} euros is fine. Thanks.",
        ])))
    turns.append(("assistant", "Good luck with the race!"))
    return turns


def _chatgpt(i: int, turns: list[tuple[str, str]]) -> dict[str, Any]:
    t = T0 + i * 3600
    mapping: dict[str, Any] = {"root": {"id": "root", "message": None, "parent": None, "children": ["sys"]}}
    mapping["sys"] = _node("sys", "root", "system", "", t, hidden=True)
    parent = "sys"
    for n, (role, text) in enumerate(turns):
        nid = f"m{n}"
        mapping[nid] = _node(nid, parent, role, text, t + 10 * (n + 1))
        mapping[parent]["children"].append(nid)
        parent = nid
    # A regenerated first answer the user moved away from: off the active branch.
    mapping["alt"] = _node("alt", "m0", "assistant", "A discarded first answer.", t + 5)
    mapping["m0"]["children"].append("alt")
    return {"title": f"Gear question {i}", "create_time": t, "update_time": t + 600,
            "mapping": mapping, "current_node": parent, "conversation_id": f"conv-{i}", "id": f"conv-{i}"}


def _node(nid: str, parent: str, role: str, text: str, t: float, hidden: bool = False) -> dict[str, Any]:
    return {"id": nid, "parent": parent, "children": [], "message": {
        "id": nid, "author": {"role": role, "name": None, "metadata": {}}, "create_time": t,
        "content": {"content_type": "text", "parts": [text]}, "status": "finished_successfully",
        "metadata": {"is_visually_hidden_from_conversation": True} if hidden else {},
        "recipient": "all", "weight": 1.0, "end_turn": True}}


def _claude(i: int, turns: list[tuple[str, str]]) -> dict[str, Any]:
    day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
    msgs = [{"uuid": f"c{i}-{n}", "text": text, "content": [{"type": "text", "text": text}],
             "sender": "human" if role == "user" else "assistant",
             "created_at": f"{day}T10:{n:02d}:00Z", "attachments": [], "files": []}
            for n, (role, text) in enumerate(turns)]
    return {"uuid": f"conv-{i}", "name": f"Gear question {i}", "created_at": f"{day}T10:00:00Z",
            "updated_at": f"{day}T10:30:00Z", "account": {"uuid": "acc"}, "chat_messages": msgs}


def write_export(path: Path, n: int, *, layout: str = "chatgpt", seed: int = 7) -> Expected:
    """Write ``n`` conversations to ``path`` one by one (never all in memory)."""
    rng = random.Random(seed)
    items = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[")
        for i in range(n):
            turns = _turns(i, rng)
            items += sum(1 for role, _ in turns if role == "user") - 1  # each reaction
            conv = _chatgpt(i, turns) if layout == "chatgpt" else _claude(i, turns)
            _write(fh, conv, first=i == 0)
        fh.write("]")
    return Expected(conversations=n, items=items)


def _write(fh: IO[str], obj: dict[str, Any], *, first: bool) -> None:
    if not first:
        fh.write(",\n")
    json.dump(obj, fh, ensure_ascii=False)
