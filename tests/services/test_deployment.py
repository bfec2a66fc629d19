"""What a single deployed person runs (issue 25): labels and any numeric scale go through
the same departure model as 1-5 stars, from the population the deployment policy chose;
a record_feedback rating is read against the assistant's answer. A real SQLite file and
the real embedding model."""

from __future__ import annotations

from pathlib import Path

import pytest

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.predict.deployment import shipped
from mindprint.engine.predict.index import answers_of, population_inputs
from mindprint.engine.predict.population import OwnPopulation, PriorPopulation
from mindprint.services.retrieval import MOST_GIVEN
from mindprint.store import NewItem, Store

pytestmark = pytest.mark.model

SPORT = ["the striker scored twice in the final", "a late goal won the league title",
         "the coach praised the defence after the match", "the sprinter broke the record",
         "the team signed a new goalkeeper", "fans cheered the cup winners"]
POLITICS = ["parliament passed the budget bill", "the minister resigned over the scandal",
            "voters head to the polls on sunday", "the senate debated the new tax law",
            "the president vetoed the spending bill", "the opposition called for an election"]


@pytest.fixture
def app(tmp_path: Path, real_embedder: FastEmbedEmbedder) -> Mindprint:
    m = Mindprint(Store.open(tmp_path / "m.db"), real_embedder)
    yield m
    m.close()


def test_labels_depart_from_the_persons_own_history(app: Mindprint) -> None:
    items = [NewItem(input=t, response=lab, label=lab)
             for texts, lab in ((SPORT, "SPORTS"), (POLITICS, "POLITICS")) for t in texts * 2]
    app.add_items("ana", items)
    app.build("ana")
    res = app.retrieve("ana", "the goalkeeper saved a penalty in the cup final", 3)
    assert res.prediction is not None and res.prediction.label == "SPORTS"
    assert set(res.prediction.distribution) == {"SPORTS", "POLITICS"}  # one output per label
    assert "a model of this user's own history reads this as" in res.prediction.explanation.text
    c = app.retrieval.index.get("ana")
    answers = answers_of(c)
    assert answers is not None
    assert isinstance(app.retrieval.population.for_user("ana", answers, c), OwnPopulation)


def test_a_half_star_scale_is_predicted_on_its_own_steps(app: Mindprint) -> None:
    films = [("a slow, beautiful film with a haunting score", 4.5), ("dull and far too long", 1.5),
             ("funny, warm and clever", 4.0), ("a mess of a plot, wooden acting", 0.5),
             ("decent but forgettable", 3.0), ("an instant classic, perfect", 5.0)] * 2
    app.add_items("lee", [NewItem(input="", response=t, score=s) for t, s in films])
    app.build("lee")
    res = app.retrieve("lee", "a haunting, beautiful film", 3)
    assert res.prediction is not None and res.prediction.value is not None
    assert float(res.prediction.label) * 2 == int(float(res.prediction.label) * 2)  # on the 0.5 grid
    assert 0.5 <= float(res.prediction.label) <= 5.0
    c = app.retrieval.index.get("lee")
    answers = answers_of(c)
    assert answers is not None and answers.scale == (0.5, 5.0) and answers.step == 0.5
    pop = app.retrieval.population.for_user("lee", answers, c)
    assert isinstance(pop, PriorPopulation)  # too few items for their own history to compete


def test_record_feedback_rates_the_assistants_answer(app: Mindprint) -> None:
    """The population reads the answer that was rated, not the user's message."""
    app.record_feedback("kim", "what do you think of this tent?", "It is a superb, flawless tent.", rating=5)
    app.wait_idle()
    c = app.retrieval.index.get("kim")
    assert c.reading is not None
    answer = app.embedder.embed(["It is a superb, flawless tent."])[0]
    message = app.embedder.embed(["what do you think of this tent?"])[0]
    row = c.reading[0][0]
    assert float(row @ answer) > 0.99 and float(row @ message) < 0.9


def test_chats_never_take_a_rated_neighbours_place(app: Mindprint) -> None:
    """40 chat turns nearer the query than 12 rated reviews: the prediction still reads
    every rated review (unanswered items are not neighbours; they are skipped, not lost)."""
    reviews = [NewItem(input=f"review request: tent model {i}", response=f"tent {i}, fine", score=4.0)
               for i in range(12)]
    chats = [NewItem(input=f"the tent question number {i}: is a tent model {i} waterproof?",
                     response="Yes, mostly.", source="chat", meta={"kind": "turn"}) for i in range(40)]
    app.add_items("max", [*reviews, *chats])
    app.build("max")
    res = app.retrieve("max", "the tent question: is tent model 3 waterproof?", 3)
    assert res.prediction is not None
    assert "(from 12 of their answered items)" in res.prediction.explanation.text


REVIEWS = ["Stays in tune for weeks and the tone is warm. Great strings.",
           "The cable crackles when you move it; returned it.", "Decent stand, a bit wobbly.",
           "Pours a hazy gold with a thin head; grassy hops, short finish.",
           "Sweet caramel malt, a touch of diesel. Not for me.", "Solid stout: roast, coffee, smooth.",
           "Exactly what I needed for my pedalboard. Works fine.", "Flat, watery, metallic aftertaste.",
           "Nice capo but the spring is stiff.", "Wonderful tripel, spicy yeast and pear, dangerous.",
           "Cheap tuner, readable display, does the job.", "Skunky lager, drinkable ice cold."]


def test_a_lone_person_gets_the_shipped_head_their_history_fits(app: Mindprint) -> None:
    """The shipped heads (pooled, one per domain) compete by the person's own leave-one-out
    error: someone who gives exactly the stars one head reads in their texts gets it."""
    app.add_items("probe", [NewItem(input="", response=t, score=1 + n % 5) for n, t in enumerate(REVIEWS)])
    app.build("probe")
    c = app.retrieval.index.get("probe")
    answers = answers_of(c)
    inputs = population_inputs(c)
    assert answers is not None and inputs is not None
    heads = shipped(app.embedder.model_id, answers)
    assert [h.domain for h in heads] == [None, "instruments", "beer"]  # type: ignore[attr-defined]
    texts = [c.items[i].text for i in c.ids]
    stars = [h.answers.levels(h.outputs(*inputs)[:, 0]) for h in heads]
    assert len({tuple(s) for s in stars}) == len(heads)  # the heads read these texts differently
    for n, (head, given) in enumerate(zip(heads, stars, strict=True)):
        uid = f"fits{n}"
        app.add_items(uid, [NewItem(input="", response=t, score=float(s)) for t, s in zip(texts, given, strict=True)])
        app.build(uid)
        cu = app.retrieval.index.get(uid)
        au = answers_of(cu)
        assert au is not None
        got = app.retrieval.population.for_user(uid, au, cu)
        assert isinstance(got, PriorPopulation) and got.domain == head.domain  # type: ignore[attr-defined]


def test_before_its_first_build_a_label_history_is_read_by_its_most_given_label(app: Mindprint) -> None:
    # What a lone server could answer without the departure model is what it answers:
    # the deployment-mode baselines score these first items as mindprint's fallback does.
    app.add_items("kai", [NewItem(input=t, response=lab, label=lab)
                          for t, lab in ((SPORT[0], "SPORTS"), (POLITICS[0], "POLITICS"), (POLITICS[1], "POLITICS"))])
    res = app.retrieve("kai", SPORT[1], 3)
    read = app.retrieval.population_answers("kai", SPORT[1])
    assert res.prediction is not None and res.prediction.label == "POLITICS"
    assert read == ("POLITICS", "POLITICS", MOST_GIVEN)
    app.add_items("ivy", [NewItem(input="", response="no answer here")])
    assert app.retrieval.population_answers("ivy", SPORT[1]) is None
