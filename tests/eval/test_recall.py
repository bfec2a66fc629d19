"""``mindprint eval --task recall``: the harness on a small hand-made folder (every part of
the protocol, both protocols) and the loader on the shared PrefEval folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.eval.examples import DatasetError
from mindprint.eval.prefeval import Exchange, RecallCase, RecallQuestion, is_recall, load_recall
from mindprint.eval.recall import RecallRow, eval_person, import_person, person_model, rank_of
from mindprint.eval.recall_run import results, run_recall, write_recall
from mindprint.eval.runs import EvalConfig
from mindprint.settings import LimitSettings
from mindprint.store import Store

DISTRACTORS = [
    ("How do I reverse a list in Python?", "Use reversed() or slicing."),
    ("What is the boiling point of water at sea level?", "100 degrees Celsius."),
    ("Summarise the plot of Hamlet in one line.", "A prince avenges his father."),
    ("Convert 5 miles to kilometres.", "About 8 km."),
]
PEOPLE = {
    "p1": [("I cannot eat spicy food at all.", "Noted."),
           ("I strongly prefer trains to flying.", "Got it.")],
    "p2": [("I'm allergic to cats.", "Understood."),
           ("I only read non-fiction books.", "Noted.")],
}
QUESTIONS = {
    "p1": [("What should I order at a Thai restaurant?", 0), ("How should I get from Paris to Lyon?", 1)],
    "p2": [("Which pet would suit my flat?", 0), ("Recommend me something to read this summer.", 1)],
}


def make_folder(root: Path) -> Path:
    root.mkdir(parents=True)
    users: dict[str, list[dict[str, object]]] = {}
    questions, golds = [], []
    for uid, said in PEOPLE.items():
        turns = [*said[:1], *DISTRACTORS[:2], *said[1:], *DISTRACTORS[2:]]
        users[uid] = [{"id": f"{uid}_i{n}", "input": u, "response": a, "date": n}
                      for n, (u, a) in enumerate(turns)]
        for n, (q, which) in enumerate(QUESTIONS[uid]):
            qid = f"{uid}_q{n}"
            gold = next(it["id"] for it in users[uid] if it["input"] == said[which][0])
            questions.append({"id": qid, "user_id": uid, "input": q})
            golds.append({"id": qid, "output": [gold], "preference": said[which][0], "topic": "t"})
    (root / "task.json").write_text(json.dumps({"task": "recall", "k": [1, 3, 5]}))
    (root / "profiles.json").write_text(json.dumps({"users": users}))
    (root / "dev_questions.json").write_text(json.dumps(questions))
    (root / "dev_outputs.json").write_text(json.dumps({"task": "recall", "golds": golds}))
    return root


def test_rank_is_the_first_entry_holding_a_gold_item() -> None:
    entries = [frozenset({"a"}), frozenset({"b", "c"}), frozenset({"d"})]
    assert rank_of(entries, frozenset({"c"})) == 1
    assert rank_of(entries, frozenset({"z"})) is None


def test_results_report_every_metric_and_the_paired_lift_over_dense() -> None:
    rows = [RecallRow(f"q{n}", f"u{n % 3}", {"mindprint": 0, "dense": 2 if n % 2 else None}, n % 2 == 0)
            for n in range(12)]
    res = results(rows, ["mindprint", "dense"], seed=0)
    assert res["methods"]["mindprint"] == {"recall@1": 1.0, "recall@3": 1.0, "recall@5": 1.0,
                                           "mrr@5": 1.0, "factor_recall": 0.5}
    assert res["methods"]["dense"]["recall@1"] == 0.0 and res["methods"]["dense"]["recall@3"] == 0.5
    lift = res["lift"]["dense"]["recall@3"]
    assert lift["delta"] == 0.5 and lift["ci95"][0] <= 0.5 <= lift["ci95"][1]


@pytest.mark.model
@pytest.mark.parametrize("online", [False, True])
def test_a_recall_run_finds_the_needed_preferences(
    tmp_path: Path, real_embedder: FastEmbedEmbedder, online: bool
) -> None:
    folder = make_folder(tmp_path / "set")
    assert is_recall(folder)
    config = EvalConfig(task="recall", data_dir=folder, split="all", out_dir=tmp_path / "out")
    res = run_recall(config, real_embedder, online=online)
    assert set(res["methods"]) == {"mindprint", "dense", "bm25", "recency", "random"}
    for name, metrics in res["methods"].items():
        assert {"recall@1", "recall@3", "recall@5", "mrr@5"} <= set(metrics), name
    mp = res["methods"]["mindprint"]
    assert mp["recall@3"] == 1.0  # each question's preference among the first three
    assert mp["factor_recall"] == 1.0  # and every one of them listed by get_user_factors
    assert res["protocol"] == ("online" if online else "offline")
    js, md = write_recall(res, tmp_path / "out")
    assert json.loads(js.read_text())["n_questions"] == 4
    assert "Lift over `dense`" in md.read_text()


@pytest.mark.model
def test_an_exchange_said_twice_keeps_both_ids(tmp_path: Path, real_embedder: FastEmbedEmbedder) -> None:
    """The import keeps a repeated exchange once; that item answers for both ids (a question
    whose gold is the first saying is scored against it, not only against the last)."""
    said = ("I dislike theme parks.", "Thanks, noted.")
    history = tuple(Exchange(f"p_i{n}", u, a, n) for n, (u, a) in
                    enumerate([said, *DISTRACTORS[:2], said]))
    case = RecallCase("p", history, ())
    app = Mindprint(Store.open(tmp_path / "db.sqlite"), real_embedder, limits=LimitSettings())
    try:
        import_person(app, "eval-p", case, online=False)
        pm = person_model(app, "eval-p", case, real_embedder)
    finally:
        app.close()
    assert sorted(sorted(ids) for ids in pm.to_profile.values()) == [["p_i0", "p_i3"], ["p_i1"], ["p_i2"]]


def test_a_folder_whose_gold_is_not_in_the_history_is_refused(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "set")
    outputs = json.loads((folder / "dev_outputs.json").read_text())
    outputs["golds"][0]["output"] = ["nowhere"]
    (folder / "dev_outputs.json").write_text(json.dumps(outputs))
    with pytest.raises(DatasetError, match="gold"):
        load_recall(folder)


@pytest.mark.parametrize("variant", ["explicit", "implicit_choice", "implicit_persona"])
def test_the_shared_prefeval_folders_load(shared_data: Path, variant: str) -> None:
    folder = shared_data / "prefeval" / variant
    cases = load_recall(folder)
    assert len(cases) == 71 and sum(len(c.questions) for c in cases) == 710
    dev, test = load_recall(folder, "dev"), load_recall(folder, "test")
    assert len(dev) + len(test) == 71 and {c.user_id for c in dev}.isdisjoint(c.user_id for c in test)


@pytest.mark.model
def test_an_instruction_about_answers_counts_as_served_and_takes_no_entry(
    tmp_path: Path, real_embedder: FastEmbedEmbedder,
) -> None:
    """An instruction comes with every answer: its question counts it at rank 1 (its
    similarity to the question is nil), and it takes no entry from a topical question."""
    said = [("Please keep your answers short, no bullet points.", "Sure."),
            ("I strongly prefer trains to flying.", "Got it."), *DISTRACTORS]
    history = tuple(Exchange(f"p_i{n}", u, a, n) for n, (u, a) in enumerate(said))
    questions = (RecallQuestion("q0", "Explain how the tides work.", frozenset({"p_i0"})),
                 RecallQuestion("q1", "How should I get from Paris to Lyon?", frozenset({"p_i1"})))
    app = Mindprint(Store.open(tmp_path / "db.sqlite"), real_embedder, limits=LimitSettings())
    try:
        tides, trip = eval_person(app, RecallCase("p", history, questions), real_embedder,
                                  ["mindprint", "dense"], online=False, timings={})
    finally:
        app.close()
    assert tides.ranks["mindprint"] == 0 and tides.topical != 0
    assert tides.ranks["dense"] != 0  # by similarity alone the instruction is not first
    assert trip.ranks["mindprint"] == trip.topical == 0
