"""A lone person keeps their fitted departure only when its forward record earns it
(issue 25): each of their latest items predicted from the items before it, against their
shipped population plus offset. The harness's deployment mode runs the same gate as the
server. A real SQLite file and the real embedding model."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.predict import deployment
from mindprint.engine.predict.index import answers_of
from mindprint.engine.predict.population import PriorPopulation
from mindprint.eval.datasets import RATING_PREFIX
from mindprint.eval.runner import run_eval
from mindprint.eval.runs import EvalConfig
from mindprint.ingest import lamp_item
from mindprint.store import Store

pytestmark = pytest.mark.model

TENTS = [f"The {c} tent, model {n}, pitched in {m} minutes on the {p}." for n, (c, m, p) in enumerate(
    (c, m, p) for c in ("green", "orange", "grey", "blue", "red")
    for m, p in ((5, "ridge"), (8, "beach"), (6, "meadow"), (9, "moor"), (7, "forest"), (4, "lake shore")))]
LAMPS = [f"The {c} headlamp, model {n}, lit the {p} for {h} hours." for n, (c, h, p) in enumerate(
    (c, h, p) for c in ("black", "yellow", "white", "silver", "purple")
    for h, p in ((3, "trail"), (5, "path"), (4, "cave"), (6, "camp"), (2, "ridge"), (7, "road")))]
QUERY = "The brown tent, model 40, pitched in 6 minutes on the hill."

# (round, kind) -> stars. Neutral texts: what sets the person apart is the kind of gear.
Stars = Callable[[int, str], int]


def steady(n: int, kind: str) -> int:
    """Tents 5, headlamps 1, always: a departure that holds."""
    return 5 if kind == "tent" else 1


def flipped(n: int, kind: str) -> int:
    """The same, reversed halfway: what the first half taught misleads the second."""
    return steady(n, kind) if n < 15 else 6 - steady(n, kind)


def records(stars: Stars) -> list[dict[str, object]]:
    """Thirty rounds of one tent and one headlamp review, oldest first, as LaMP records."""
    return [{"id": f"{kind}{n}", "text": text, "score": str(stars(n, kind)), "date": 1000 + 2 * n + k}
            for n in range(30) for k, (kind, text) in enumerate((("tent", TENTS[n]), ("lamp", LAMPS[n])))]


@pytest.fixture
def app(tmp_path: Path, real_embedder: FastEmbedEmbedder) -> Iterator[Mindprint]:
    m = Mindprint(Store.open(tmp_path / "m.db"), real_embedder)
    yield m
    m.close()


def _gate(app: Mindprint, uid: str, stars: Stars) -> tuple[object, float, float]:
    """The person's population as the server gives it, and the mean forward error of the
    fitted departure and of the baseline."""
    app.add_items(uid, [lamp_item(r) for r in records(stars)])
    app.build(uid)
    c = app.retrieval.index.get(uid)
    answers = answers_of(c)
    assert answers is not None
    src = app.retrieval.population
    model = deployment.record(c, answers, src.fit, "model")  # type: ignore[attr-defined]
    base = deployment.record(c, answers, src.baseline, "baseline")  # type: ignore[attr-defined]
    assert len(model) == len(base) == 30  # the latest 30 items, each from those before it
    return src.for_user(uid, answers, c), float(np.nanmean(model)), float(np.nanmean(base))


def test_a_departure_that_holds_up_forward_is_kept(app: Mindprint) -> None:
    pop, model, base = _gate(app, "steady", steady)
    assert model < base  # it predicts the later items from the earlier ones better
    assert pop.kernel is not deployment.OFFSET_ONLY  # type: ignore[attr-defined]
    res = app.retrieve("steady", QUERY, 3)
    assert res.prediction is not None and res.prediction.label == "5"


def test_a_departure_that_does_not_hold_up_forward_gives_the_baseline(app: Mindprint) -> None:
    pop, model, base = _gate(app, "flip", flipped)
    assert model > base
    # A shipped head with the person's usual offset and no other departure.
    assert isinstance(pop, PriorPopulation) and pop.kernel is deployment.OFFSET_ONLY
    c = app.retrieval.index.get("flip")
    fitted = app.retrieval.population.fit(c, answers_of(c))  # type: ignore[attr-defined]
    assert fitted is not pop and fitted.kernel is not deployment.OFFSET_ONLY  # the gate, not the fit


def test_the_harness_deployment_mode_gives_a_person_what_their_server_does(
    tmp_path: Path, real_embedder: FastEmbedEmbedder, app: Mindprint,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    questions, golds = [], []
    for uid, stars in (("steady", steady), ("flip", flipped)):
        questions.append({"id": uid, "input": RATING_PREFIX + QUERY, "profile": records(stars),
                          "user_id": uid})
        golds.append({"id": uid, "output": "5"})
    (data / "dev_questions.json").write_text(json.dumps(questions), encoding="utf-8")
    (data / "dev_outputs.json").write_text(json.dumps({"task": "t", "golds": golds}), encoding="utf-8")
    config = EvalConfig(task="rating", data_dir=data, out_dir=tmp_path / "out", population="shipped")
    run = run_eval(config, real_embedder, command=["test"])
    got = dict(zip((r["user_id"] for r in run.rows), run.predictions["mindprint"], strict=True))
    for uid, stars in (("steady", steady), ("flip", flipped)):
        served = _gate(app, uid, stars)[0]
        res = app.retrieve(uid, QUERY, 3)
        assert res.prediction is not None and got[uid] == res.prediction.label
        assert (served.kernel is deployment.OFFSET_ONLY) == (uid == "flip")  # type: ignore[attr-defined]
