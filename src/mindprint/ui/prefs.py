"""Standing preferences in the dashboard: what the person said about themselves.

The You page shows each current preference as its own card (their words quoted, stance,
firmness, domain, how it was said, when, the items that said it) with the ones it
replaced beneath it as history, and the controls that steer it. The Controls page lists
every preference, vetoed ones included, and History filters by one (its source items).
Measured factors are drawn elsewhere (:mod:`mindprint.ui.pages`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mindprint.engine.features.text import trim
from mindprint.engine.types import Factor
from mindprint.ui import steer
from mindprint.ui.html import Html, h, join, table
from mindprint.views import is_preference

if TYPE_CHECKING:
    from mindprint.app import Mindprint
    from mindprint.services.controls import SteeredFactor

SOURCES = 8  # source items linked on a card; History shows them all
LABEL_CHARS = 70
SAID_AS = {"stated": "said outright", "choice": "a choice among options offered",
           "correction": "correcting an answer", "instruction": "an instruction, given with every answer"}


@dataclass(frozen=True, slots=True)
class Said:
    """One preference as learned, with the control in force and what replaced it."""

    steered: SteeredFactor

    @property
    def f(self) -> Factor:
        return self.steered.factor

    @property
    def quote(self) -> str:
        """As it is served: the user's own description, once they gave one."""
        return self.steered.control.description or str(self.f.stats.get("quote") or self.f.description)

    @property
    def items(self) -> list[int]:
        return [int(i) for i in self.f.stats.get("items", [])]


def learned(steered: list[SteeredFactor]) -> dict[str, Said]:
    """Every preference among ``steered`` (the control service's factors), by id."""
    return {s.factor.id: Said(s) for s in steered if is_preference(s.factor)}


def _day(at: object) -> str:
    return str(at)[:10] if at else "–"


def _how(f: Factor) -> Html:
    said_as = str(f.stats.get("said_as") or "stated")
    how = SAID_AS.get(said_as, said_as)
    chosen = f.stats.get("chosen")
    return join([how, ": chose “", str(chosen), "”"]) if chosen else Html(how)


def _sources(s: Said) -> Html:
    links = [h("a", f"#{i}", href=f"/history?item={i}") for i in s.items[-SOURCES:]]
    every = h("a", f"all {len(s.items)} in History", href=f"/history?factor={s.f.id}",
              class_="all")
    return join([*(join([a, " "]) for a in links), "(", every, ")"])


def _facts(s: Said) -> Html:
    st = s.f.stats
    rows = [("stance", st.get("stance") or "–"), ("firmness", st.get("firmness") or "prefer"),
            ("domain", st.get("domain") or "–"), ("how", _how(s.f)),
            ("first seen", _day(st.get("first_seen"))), ("last seen", _day(st.get("last_seen"))),
            ("said in", _sources(s))]
    return h("dl", *(join([h("dt", k), h("dd", v, class_=k.replace(" ", "-"))]) for k, v in rows))


def _history(s: Said, replaced: dict[str, list[Said]]) -> Html:
    """The statements this one replaced, latest first, each with what it replaced."""
    chain: list[Said] = []
    todo = list(replaced.get(s.f.id, []))
    while todo:
        old = todo.pop(0)
        chain.append(old)
        todo += replaced.get(old.f.id, [])
    if not chain:
        return Html("")
    return h("details", h("summary", f"replaced {len(chain)} earlier statement"
                                     + ("s" if len(chain) > 1 else "")),
             *(h("div", h("q", o.quote), " ", h("span", f"{o.f.stats.get('stance')}, "
                                                      f"{o.f.stats.get('firmness')}", class_="meta"),
                 _facts(o), class_="superseded", data_preference=o.f.id) for o in chain),
             class_="history", open=True)


def _card(shown: Factor, s: Said, replaced: dict[str, list[Said]], csrf: str) -> Html:
    st = s.f.stats
    c = s.steered.control
    tags = [h("span", str(st.get("firmness") or "prefer"), class_="tag firmness"),
            h("span", "pinned", class_="tag pinned") if c.pinned else ""]
    first = str(st.get("quote") or "")
    return h(
        "article",
        h("h3", h("span", str(st.get("stance") or ""), class_="stance"), " ",
          h("q", s.quote, class_="quote"), *tags),
        h("p", "you first said: ", h("q", first), class_="said") if c.description else "",
        h("p", "named ", h("b", shown.name), class_="members"),
        _facts(s),
        _history(s, replaced),
        h("div", *steer.buttons(s.steered, csrf, "/"),
          steer.edit(s.steered, csrf, "/", describe="in your words "), class_="controls"),
        class_="preference", id=f"pref-{shown.id}", data_preference=shown.id,
    )


def section(m: Mindprint, uid: str, csrf: str) -> Html:
    """The You page's preferences: current ones in the order they are served."""
    current = m.models.preferences(uid)
    every = learned(m.controls.factors(uid))
    replaced: dict[str, list[Said]] = {}
    for s in sorted(every.values(), key=lambda s: str(s.f.stats.get("last_seen") or ""), reverse=True):
        by = s.f.stats.get("superseded_by")
        if by and not s.steered.control.vetoed:
            replaced.setdefault(str(by), []).append(s)
    cards = [_card(f, every[f.id], replaced, csrf) for f in current if f.id in every]
    vetoed = sum(1 for s in every.values() if s.steered.control.vetoed)
    return h(
        "section", h("h2", "What you told your assistant"),
        h("p", "Preferences you stated in your conversations and feedback, in your own words, "
               "firmest, then most strongly said, then latest first, as your assistant gets them. A later statement "
               "replaces an earlier one; the earlier one stays here as history.", class_="lead"),
        *(cards or [h("p", "No stated preference yet: they come from what you say about "
                           "yourself in conversations.", id="no-preferences")]),
        h("p", f"{vetoed} vetoed: see ", h("a", "Controls", href="/controls#preferences"), ".",
          class_="lead") if vetoed else "",
        id="preferences",
    )


def controls_section(steered: list[SteeredFactor], csrf: str) -> Html:
    """Every preference with its controls, vetoed and replaced ones included."""
    rows = [
        [join([h("q", trim(s.quote, 120)), " ",
               h("span", "vetoed", class_="tag") if s.steered.control.vetoed else "",
               h("span", "pinned", class_="tag pinned") if s.steered.control.pinned else "",
               h("span", "replaced", class_="tag") if s.f.stats.get("superseded_by") else ""]),
         f"{s.f.stats.get('stance')}, {s.f.stats.get('firmness')}", s.f.stats.get("domain") or "–",
         h("a", len(s.items), href=f"/history?factor={s.f.id}"),
         h("div", *steer.buttons(s.steered, csrf),
           steer.edit(s.steered, csrf, describe="in your words "), class_="controls")]
        for s in learned(steered).values()
    ]
    return h("section", h("h2", "Your preferences"),
             h("p", "What you said about yourself. Edit a preference's words to restate it: your "
                    "assistant then gets your new words."),
             table(["you said", "stance", "domain", "items", ""], rows, id="preference-controls")
             if rows else h("p", "No stated preference yet."), id="preferences")


def options(every: dict[str, Said], selected: str) -> Html:
    """History's filter choices for the preferences (vetoed ones left out)."""
    shown = [s for s in every.values() if not s.steered.control.vetoed or s.f.id == selected]
    if not shown:
        return Html("")
    return h("optgroup", *(h("option", trim(f"“{s.quote}”", LABEL_CHARS), value=s.f.id,
                               selected=s.f.id == selected) for s in shown),
             label="what you said")
