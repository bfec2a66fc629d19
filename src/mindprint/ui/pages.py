"""The read pages: You, How well mindprint knows you, History, Feedback.

Each function returns a page body; :mod:`mindprint.ui.web` wraps it in the layout.
Everything the user stored reaches the page through :func:`esc` (via :func:`h`).
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from mindprint.engine.features.text import trim
from mindprint.engine.types import Feature, Item
from mindprint.ui import prefs
from mindprint.ui.controls import delete_button
from mindprint.ui.html import Html, esc, h, join, num, table
from mindprint.ui.svg import EVERYONE, MINE, Series, interval_chart, line_chart
from mindprint.views import EFFECT_LEGEND, FactorView, UserFactorsView, factors_view

if TYPE_CHECKING:
    from mindprint.app import Mindprint

PAGE = 20
SNIPPET = 160


def origin(f: FactorView, extractor: str | None) -> str:
    """Who found the factor: the offline extractor, an LLM, or the assistant's reasons."""
    if f.host_reasons:
        return "from your assistant's stated reasons"
    if extractor and extractor.startswith("llm"):
        return f"found by an LLM ({extractor})"
    return "found offline"


def _item_line(it: Item) -> Html:
    answer = it.label if it.label is not None else (f"{it.score:g}" if it.score is not None else "")
    return h("li", h("a", f"#{it.id}", href=f"/history?item={it.id}"), " ",
             trim(it.text, SNIPPET), " ", h("b", answer) if answer else "")


def _factor_card(m: Mindprint, uid: str, f: FactorView, extractor: str | None) -> Html:
    ex = m.admin.items(uid, list(f.examples or [])[:3])
    stats = [
        ("effect", h("span", f"{num(f.effect, sign=True)} [{num(f.effect_ci95[0], sign=True)}, "
                     f"{num(f.effect_ci95[1], sign=True)}]" if f.effect_ci95 else num(f.effect, sign=True),
                     class_=_effect_class(f))),
        ("items", f"{f.n_items} ({f.coverage:.0%} of your history)"),
        ("mean score when present", num(f.mean_score)),
        ("origin", origin(f, extractor)),
    ]
    return h(
        "article",
        h("h3", f.name, h("span", "uncertain", class_="tag") if f.uncertain else ""),
        h("p", f.description) if f.description else "",
        h("p", f.evidence, class_="evidence") if f.evidence else "",
        h("dl", *(join([h("dt", k), h("dd", v)]) for k, v in stats)),
        h("p", "features: ", ", ".join(f.members[:8]), class_="members"),
        h("ul", *(_item_line(ex[i]) for i in (f.examples or [])[:3] if i in ex), class_="examples")
        if ex else "",
        class_="factor", id=f"factor-{f.id}", data_factor=f.name,
    )


def _effect_class(f: FactorView) -> str:
    """The effect's colour by sign, bold when clear (the legend says so)."""
    if f.effect is None:
        return "effect"
    return "effect " + ("up" if f.effect >= 0 else "down") + (" clear" if f.clear else "")


def _style(style: dict[str, Any]) -> Html:
    rows = []
    for key, value in sorted(style.items()):
        if key == "lexicon":
            continue
        shown = value if not isinstance(value, dict | list) else trim(str(value), 200)
        rows.append((key.replace("_", " "), f"{shown:.3g}" if isinstance(shown, float) else shown))
    return table(["habit", "value"], rows, class_="style") if rows else h("p", "No style measured yet.")


def you(m: Mindprint, uid: str, csrf: str, view: UserFactorsView | None = None) -> Html:
    v = view or factors_view(m, uid)
    if not v.built:
        return join([h("p", f"{v.history_size} items stored; no model yet. Run ",
                       h("code", f"mindprint build --user {uid}"), "."), prefs.section(m, uid, csrf)])
    rows = [(f.name, f.effect, f.effect_ci95[0], f.effect_ci95[1])
            for f in v.factors if f.effect is not None and f.effect_ci95][:15]
    unit = "stars" if any(" stars beyond" in (f.evidence or "") for f in v.factors) else "answer units"
    return join([
        h("p", f"{v.history_size} items; model built {v.built_at or ''} by ",
          h("code", v.extractor or "offline"), f", {len(v.factors)} factors.", class_="lead"),
        prefs.section(m, uid, csrf),
        h("section", h("h2", "What moves your answers"),
          h("p", EFFECT_LEGEND, class_="legend"),
          interval_chart(rows, "Factor effects with 95% intervals",
                         f"effect beyond what the text suggests ({unit}; a quantity: per doubling)"),
          class_="plot") if rows else "",
        h("section", h("h2", "Your factors"),
          *(_factor_card(m, uid, f, v.extractor) for f in v.factors[:20]), id="factors"),
        h("section", h("h2", "Your style"), _style(v.style)),
    ])


def knows(m: Mindprint, uid: str) -> Html:
    bt = m.backtest.run(uid)
    if bt.kind is None:
        return h("p", bt.sentence, class_="sentence", id="sentence")
    labels = [f"{b.lo}" if b.lo == b.hi else f"{b.lo}–{b.hi}" for b in bt.curve]
    series = [Series("mindprint", MINE, [(i, b.error) for i, b in enumerate(bt.curve)])]
    if all(b.population_error is not None for b in bt.curve):
        series.append(Series(bt.who, EVERYONE,
                             [(i, float(b.population_error or 0)) for i, b in enumerate(bt.curve)]))
    unit = "mean absolute error" if bt.kind == "scale" else "share wrong"
    items = m.admin.items(uid, [p.item_id for p in bt.recent])
    rows = [
        (h("a", f"#{p.item_id}", href=f"/history?item={p.item_id}"),
         trim(items[p.item_id].text, 90) if p.item_id in items else "", p.gold, p.mindprint,
         p.population or "–")
        for p in reversed(bt.recent)
    ]
    return join([
        h("p", bt.sentence, class_="sentence", id="sentence"),
        h("p", "Each answered item was predicted from the items stored before it only (in "
               f"time order, as if you were using mindprint then), and by {bt.who} "
               "that never saw your answers. The factor grouping is today's.", class_="lead"),
        h("section", h("h2", "Learning curve"),
          line_chart(labels, series, unit, "Error by how much history mindprint had seen"),
          class_="plot"),
        h("section", h("h2", f"Your last {len(rows)} predictions"),
          table(["item", "text", "you", "mindprint", "everyone"], rows, id="predictions")),
    ])


def _feature(f: Feature, names: dict[str, str]) -> Html:
    bits: list[str] = [f.kind]
    if f.factor_id and f.factor_id in names:
        bits.append(names[f.factor_id])
    if f.origin != "offline":
        bits.append(f.origin)
    return h("li", h("b", f.name), " (", ", ".join(bits), ")",
             h("span", f" “{trim(f.context, 80)}”", class_="ctx") if f.context.strip() else "")


def said(it: Item) -> list[tuple[str, str]]:
    """Who said what in an item, labelled as it happened: a review or a rating is what you
    were shown and what you answered; a ``record_feedback`` exchange is your message and
    the assistant's answer (which you rated); a chat export's exchange is your prompt, the
    assistant's answer and your reply."""
    if it.kind == "turn":
        out = [("you said", it.input), ("the assistant answered", it.response)]
        return out + ([("your comment", it.note)] if it.note else [])
    if it.kind == "exchange":
        cut = max(0, it.prompt_chars)
        return [("you asked", it.input[:cut]), ("the assistant answered", it.input[cut:]),
                ("you replied", it.response)]
    if it.kind == "writing" or not it.input.strip():
        return [("you wrote", it.response)]
    return [("you were shown", it.input), ("you answered", it.response)]


def _history_item(it: Item, feats: list[Feature], path: str | None, names: dict[str, str],
                  csrf: str, undo_hours: float) -> Html:
    answer = it.label if it.label is not None else (f"{it.score:g}" if it.score is not None else "–")
    return h(
        "article",
        h("h3", f"#{it.id} ", h("span", f"{it.source} · {it.created_at or ''}", class_="meta"),
          h("span", answer, class_="answer")),
        *(h("p", h("b", f"{who}: "), text, class_="text") for who, text in said(it) if text.strip()),
        h("details", h("summary", f"{len(feats)} features"),
          h("ul", *(_feature(f, names) for f in feats))) if feats else "",
        h("p", h("b", "reasoning path: "), path, class_="path") if path else "",
        delete_button(it.id, csrf, undo_hours),
        class_="item", id=f"item-{it.id}",
    )


def history(m: Mindprint, uid: str, q: str, factor: str, offset: int, item: int | None,
            csrf: str) -> Html:
    names = {f.id: f.name for f in m.models.factors(uid)[1]}
    said = prefs.learned(m.controls.factors(uid))
    if item is not None:
        found = m.admin.items(uid, [item])
        items, total = ([found[item]], 1) if item in found else ([], 0)
    elif factor in said:  # a preference: the items that said it
        items, total = m.admin.search(uid, q, "", PAGE, offset, among=said[factor].items)
    else:
        items, total = m.admin.search(uid, q, factor, PAGE, offset)
    feats, paths = m.admin.details(uid, [it.id for it in items])
    measured = sorted(((fid, n) for fid, n in names.items() if fid not in said), key=lambda kv: kv[1])
    options = [h("option", "any factor", value=""), prefs.options(said, factor)] + [
        h("option", n, value=fid, selected=fid == factor) for fid, n in measured
    ]
    search = h("form", h("input", type="search", name="q", value=q, placeholder="search your history",
                         aria_label="search"),
               h("select", *options, name="factor", aria_label="factor"),
               h("button", "Search", type="submit"), method="get", action="/history", class_="search")
    nav = []
    if offset > 0:
        nav.append(h("a", "newer", href=_history_url(q, factor, max(0, offset - PAGE))))
    if offset + PAGE < total:
        nav.append(h("a", "older", href=_history_url(q, factor, offset + PAGE)))
    return join([
        search,
        h("p", f"{total} items" + (f", {offset + 1}–{min(total, offset + PAGE)} shown" if total else ""),
          class_="lead", id="count"),
        *(_history_item(it, feats.get(it.id, []), paths.get(it.id), names, csrf, m.controls.undo_hours)
          for it in items),
        h("p", *nav, class_="pager"),
    ])


def _history_url(q: str, factor: str, offset: int) -> str:
    from urllib.parse import urlencode

    return "/history?" + urlencode({"q": q, "factor": factor, "offset": offset})


def word_diff(a: str, b: str) -> Html:
    """``a`` -> ``b`` word by word: removed words struck out, added ones marked."""
    aw, bw = a.split(), b.split()
    out: list[Html] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=aw, b=bw, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(esc(" ".join(aw[i1:i2])))
            continue
        if i2 > i1:
            out.append(h("del", " ".join(aw[i1:i2])))
        if j2 > j1:
            out.append(h("ins", " ".join(bw[j1:j2])))
    return Html(" ".join(out))


def _rewrite(r: dict[str, Any]) -> Html:
    plan = r["trajectory"].get("edit_plan", [])
    edits = [
        (e.get("change", ""), e.get("factor", ""), e.get("reason", ""),
         "applied" if e.get("applied") else "advice")
        for e in plan
    ]
    return h(
        "article",
        h("h3", f"rewrite #{r['id']} ", h("span", f"{r['generator']} · {r['created_at']}", class_="meta")),
        h("p", h("b", "for: "), r["query"], class_="text") if r.get("query") else "",
        h("p", word_diff(r["draft"], r["rewritten"]), class_="diff"),
        table(["edit", "caused by", "evidence", ""], edits, class_="edits") if edits
        else h("p", "No edit was needed."),
        class_="rewrite", id=f"rewrite-{r['id']}",
    )


def feedback(m: Mindprint, uid: str) -> Html:
    fb = m.admin.feedback(uid)
    rows = [
        (r["created_at"][:19], trim(r["query"], 120), trim(r["response"], 160),
         trim(r["edited_response"] or "", 160), r["rating"] if r["rating"] is not None else "–",
         r["comment"] or "", h("a", f"#{r['item_id']}", href=f"/history?item={r['item_id']}")
         if r["item_id"] else "")
        for r in reversed(fb)
    ]
    rewrites = m.admin.rewrites(uid)
    return join([
        h("section", h("h2", "Feedback your assistant recorded"),
          table(["when", "your message", "answer", "your edit", "rating", "comment", "item"],
                rows, id="feedback") if rows else h("p", "No feedback recorded yet.")),
        h("section", h("h2", "Rewrites"),
          h("p", "Each rewrite of a draft, word by word, with the factor or habit behind each edit."),
          *([_rewrite(r) for r in reversed(rewrites)] or [h("p", "No rewrite yet.")])),
    ])
