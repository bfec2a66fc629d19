"""The forward record of a person's departure model, and the gate it decides. Pure.

A lone person's departure strengths and population are chosen on their own history by
leave-one-out error, which is optimistic on a few dozen items (the model that won the
choice is scored on the items it was chosen on). The forward record is not: each of the
person's latest answered items is predicted from the items before it only, by what the
policy fits on those items (population, kernel, residuals), as if the person had asked
it then. The same record is kept for the plain baseline: their usual offset and no other
departure, from the population the deployment policy names for it (the shipped head that
reads them best). The person keeps their fitted departure
when its forward mean error is at most the baseline's less ``MODEL.forward_margin`` (0: a
tie keeps it); otherwise they get the baseline, served through the same predictor (an
offset-only kernel: with ``MODEL.pseudo_items`` of shrinkage its posterior mean is the
shrunk mean residual of the items that reach it).

Each item is read as the index stored it: its text's vectors and tone, and the factor
values read from its text, never from the person's reaction to it (a request rarely
names the aspect the reaction judged). The policy is fitted again once the answered
history has grown by ``MODEL.refit_growth`` since the last fit, not for every item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial

import numpy as np

from mindprint.engine.features.extract import is_free_text
from mindprint.engine.features.turns import CHAT_KINDS
from mindprint.engine.model_settings import MODEL
from mindprint.engine.predict.departure import Query, departure
from mindprint.engine.predict.index import (
    Residuals,
    UserIndex,
    answer_text,
    answers_of,
    chronological,
    sub_index,
)
from mindprint.engine.predict.kernel import Kernel, Offset
from mindprint.engine.predict.population import Answers, Arr, Population
from mindprint.engine.predict.retrieval import among, top_k
from mindprint.engine.types import Item

# What a policy gives the items before a point: the population it departs from (None: none).
Policy = Callable[[UserIndex, Answers], Population | None]

# The baseline's kernel: the person's usual offset only, shrunk as ``user_offset`` is.
OFFSET_ONLY = Kernel((Offset(1.0 / MODEL.pseudo_items),), 1.0)


def plain(pop: Population) -> Population:
    """``pop`` served with the person's usual offset and no other departure."""
    return replace(pop, kernel=OFFSET_ONLY, personal=False)  # type: ignore[type-var]


def query_factors(it: Item, values: Mapping[str, float]) -> Mapping[str, float]:
    """The factor values a query of the item's text would carry: its stored ones, unless
    part of them was read from the person's reaction to it (none then)."""
    reacted = it.kind not in CHAT_KINDS and bool(it.input.strip()) and is_free_text(it.response)
    return {} if reacted else values


def predicted(sub: UserIndex, pop: Population, c: UserIndex, iid: int) -> str:
    """Item ``iid`` of ``c`` predicted on ``sub`` (the items before it) under ``pop``, as a
    query of its text is: retrieval among the answered items, then the departure."""
    row = c.ids.index(iid)
    assert c.signals is not None
    raw = np.asarray(c.vectors["raw"][row], dtype=np.float64)
    q_vecs = {"features": c.vectors["features"][row], "raw": c.vectors["raw"][row]}
    tone = (float(c.tone[row]), sub.tone) if c.tone is not None and sub.tone is not None else None
    answered = [i for i in sub.ids if answer_text(sub.items[i], pop.answers) is not None]
    ids, vecs, sub_tone = among(answered, sub.ids, sub.vectors, tone)
    weight = MODEL.tone_weight if sub.tone_from_prior else MODEL.tone_weight_lexicon
    near = [h.item_id for h in top_k(q_vecs, ids, vecs, MODEL.predict_k, tone=sub_tone,
                                     tone_weight=weight)]
    hist, kernel = sub.residuals.under(pop, sub)
    out = pop.outputs(raw, c.signals[row])[0]  # its text, as a query's (not the answer rated)
    factors = query_factors(c.items[iid], c.factor_values.get(iid, {}))
    dep = departure(hist, near, Query(out, raw, factors), kernel)
    return pop.answers.answer(out + dep.total)


def record(c: UserIndex, answers: Answers, policy: Policy, key: str,
           points: int = MODEL.forward_points) -> Arr:
    """The error of each of the person's latest ``points`` answered items (after the
    first) predicted forward under ``policy`` (NaN: nothing to predict from yet)."""
    order = chronological(c)
    answered = [i for i in order if answer_text(c.items[i], answers) is not None]
    rank = {i: n for n, i in enumerate(order)}
    out: list[float] = []
    fit: tuple[int, Residuals] | None = None  # (answered items it saw, its residuals)
    for t in range(max(1, len(answered) - points), len(answered)):
        iid = answered[t]
        sub = sub_index(c, order[: rank[iid]])
        reuse = fit is not None and t < MODEL.refit_growth * fit[0]
        if fit is not None and reuse:
            sub.residuals = fit[1].fitted()
        a = answers_of(sub)
        pop = None if a is None else sub.residuals.chosen((key, a), partial(policy, sub, a))
        gold = answer_text(c.items[iid], answers)
        assert gold is not None
        out.append(np.nan if pop is None else answers.error(predicted(sub, pop, c, iid), gold))
        if not reuse and pop is not None:
            fit = (t, sub.residuals)
    return np.asarray(out, dtype=np.float64)


def earns(model: Arr, baseline: Arr, margin: float = MODEL.forward_margin) -> bool:
    """Whether the model's forward errors are, on average over the items both predicted,
    at most the baseline's less ``margin`` (a tie keeps the model; nothing predicted: it
    does not)."""
    both = ~(np.isnan(model) | np.isnan(baseline))
    if not both.any():
        return False
    return bool(float(np.mean(baseline[both] - model[both])) >= margin)


def gate(c: UserIndex, answers: Answers, model: Policy, baseline: Policy) -> Population | None:
    """The person's population: the model policy's choice on their whole history if its
    forward record earns it, else the baseline's."""
    if earns(record(c, answers, model, "model"), record(c, answers, baseline, "baseline")):
        return model(c, answers)
    return baseline(c, answers)
