"""Every hyperparameter of mindprint's model, with its unit and why it has its value. Pure.

They are chosen by measurement on the dev splits (``benchmarks/README.md`` has the
searches), not per deployment: no environment variable reaches them (the README's
configuration table lists what a person can set). Two groups live with the code they
shape: the departure model's prior (each kernel part's default and the values the fit
tries, ``predict/kernel.py``) and the text limits that define the stored vectors
(``pipeline.py``, whose identity names them, so changing one re-embeds every item).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _h(default: object, unit: str, why: str) -> Any:
    """A hyperparameter: its default, its unit, and why it has that value."""
    return field(default=default, metadata={"unit": unit, "why": why})


@dataclass(frozen=True, slots=True)
class ModelSettings:
    # Shrinkage and evidence.
    pseudo_items: float = _h(
        3.0, "items",
        "a small-sample mean (a user's offset, a factor's mean departure or score lift, the "
        "fallback's mean score) is shrunk as if it had this many more items at its prior: "
        "with n items it keeps n/(n + 3)")
    answered_share: float = _h(
        0.5, "share of a history's items",
        "a history answers one way (rated, labelled, read by the rating prior) when at least "
        "this share of its items (and at least one) do")
    judged: float = _h(
        0.05, "|polarity|",
        "an aspect or reason counts as judged well or badly from this polarity; below, it is "
        "mentioned without a verdict")
    min_judged: int = _h(
        2, "items", "judged items a factor needs before the joint regression gives it an effect")
    judged_ridge: float = _h(
        1.0, "penalty on the regression's coefficients",
        "keeps the joint regression of departures on judgements defined when two reasons "
        "always come together")
    false_discovery: float = _h(
        0.05, "expected share of flukes among the factors flagged clear",
        "a person has some twenty factors, each tested: clear ones are chosen by "
        "Benjamini-Hochberg over all of them, not one interval at a time")
    uncertain_items: int = _h(5, "items", "a factor seen on fewer items is marked uncertain")

    # The population model (harness: fitted leave-user-out on the run's other users).
    ridge_lambda: float = _h(
        3.0, "penalty on unit-norm embeddings and z-scored signals",
        "chosen on the dev split; the intercept is not shrunk")

    own_ridge: tuple[float, ...] = _h(
        (1.0, 3.0, 10.0, 30.0, 100.0), "penalties on unit-norm embeddings and z-scored signals",
        "a person's own history as their population (labels, scales no shipped model reads) "
        "takes the one with the least leave-one-out error on their items (closed form)")
    own_min_items: int = _h(
        20, "answered items",
        "from this many a person's own history is a candidate population beside the shipped "
        "model on a scale (chosen by leave-one-out); labels always read their own history")

    team_min_people: int = _h(
        3, "other people",
        "on a team server a model of the others is a candidate population only when at least "
        "this many others answer alike: with fewer it would tell a person what one colleague "
        "answered")

    # The departure model (its prior: predict/kernel.py).
    predict_k: int = _h(
        32, "items",
        "retrieved items that reach a prediction: with fewer, all of them do; beyond, "
        "retrieval decides (benchmarks/README.md has the ablation)")
    recent_k: int = _h(
        16, "items", "the latest items a recency part always reads besides the retrieved ones")
    fit_items: int = _h(
        64, "items per user", "the latest items of each user the kernel fit reads")
    fit_min_items: int = _h(
        20, "items", "below this many items in the pool the fit keeps its start kernel")
    fit_sweeps: int = _h(
        2, "sweeps", "passes of coordinate descent over the kernel's hyperparameters")
    fit_step_p: float = _h(
        0.05, "one-sided chance that a step's gain is noise",
        "a step of the kernel fit must clear the t point of this, its standard error taken "
        "over users (items of one person move together): 20 synthetic null pools grow no "
        "part (5 did with one standard error over items, 3 with p = 0.1); 0.025 cost pool "
        "mode its label and StudEmo lifts on dev (benchmarks/README.md)")

    # Retrieval.
    tone_weight: float = _h(
        1.0, "cosine points per unit of tone distance",
        "the prior's reading of a rated text predicts the user's answer well (shared Amazon "
        "histories: top-3 MAE 0.55 vs 0.63 without)")
    tone_weight_lexicon: float = _h(
        0.25, "cosine points per unit of tone distance",
        "VADER polarity of free text says much less (LaMP-7: 1 cost ROUGE, 0.25 is neutral "
        "to slightly positive)")

    # Features and factors.
    factor_threshold: float = _h(
        0.45, "mean cosine similarity",
        "two groups of feature names merge into one factor while their members are on "
        "average at least this similar")
    factor_context_min: float = _h(
        0.7, "cosine of the mean embeddings of the items two phrases appear in",
        "below it two phrases never share a factor, however alike the phrases: MiniLM puts "
        "rare words that share word pieces close ('lumens' and 'lugs' 0.71) while their items "
        "differ (a headlamp's and a shoe's: 0.59); a shoe's phrases share items at 0.8-0.9")
    one_off_context_min: float = _h(
        0.55, "cosine of a one-off phrase's item to the mean of the factor's items",
        "a phrase seen once joins the factor owning one of its words only from this on: one "
        "item against a factor's items is less alike than two factors' items (the demo: "
        "headlamps and shoes joining their own factor 0.58-0.62, a jacket, a headlamp and a "
        "watch that share 'trail' with the shoes 0.43-0.54)")
    boilerplate_share: float = _h(
        0.5, "share of a user's items",
        "a word in more than this share of a user's items is template text, not a feature")
    boilerplate_min_docs: int = _h(
        4, "items", "below this many items no word is treated as template text")

    # Stated preferences (conversations).
    pref_min_strength: float = _h(
        0.5, "extraction strength (a first-person stance 0.8-1.0, a fact about oneself 0.5)",
        "a sentence is kept as a preference at this strength or above; a stance not in the "
        "first person, a request or a question is scored down below it")
    pref_same: float = _h(
        0.82, "cosine", "two statements of one stance at least this similar are one preference")
    pref_related: float = _h(
        0.55, "cosine",
        "a later statement at least this similar with another stance (or saying it changed) "
        "supersedes the earlier one")
    pref_floor: float = _h(
        0.1, "cosine",
        "a preference applies to a query from this similarity on (PrefEval dev: 0.1 brought "
        "back more gold preferences than 0.2 and no fewer than 0)")
    pref_why_floor: float = _h(
        0.35, "cosine",
        "a query phrase at least this close to a preference's own words is named as why it "
        "applies (PrefEval dev, the preferences applied to 10 people's questions in two sets: "
        "0.35 named a phrase for 48% of the gold preferences and 9% of the others, 0.3 for 61% "
        "and 18%; a wrong phrase named misleads, none named only says less)")
    pref_why_domain: float = _h(
        0.35, "cosine",
        "else a query phrase at least this close to the description of the preference's "
        "domain, and closer to it than to any other domain, is named (\"street-food tour\" is "
        "about food at 0.46; \"bike ride\" is nearest activities at 0.32)")
    pref_strength_weight: float = _h(
        0.1, "cosine points per unit of extraction strength",
        "a firmly stated preference ranks a little above a fact said in passing")
    pref_generic_weight: float = _h(
        0.35, "of a statement's similarity to requests in general",
        "taken off its similarity to the query: a remark near every question (\"that would be "
        "perfect\") no longer outranks the preference a question needs (PrefEval dev)")
    pref_cited_items: int = _h(
        8, "items",
        "a standing preference names the latest this many items that said it; only those are "
        "left out of the similar exchanges retrieved beside it (not shown twice), so one said "
        "on every exchange hides none of the others")


MODEL = ModelSettings()
