"""Metrics checked against values worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import pytest

from mindprint.eval.metrics import (
    absolute_errors,
    accuracy,
    correct,
    macro_f1,
    mae,
    parse_rating,
    rating_accuracy,
    rmse,
    rouge,
    rouge1,
    rougeL,
    squared_errors,
    worst_rating,
)

# ---------------------------------------------------------------------- rating


@pytest.mark.parametrize(
    ("gold", "worst"),
    [
        # |1-g| > |5-g| picks 1, otherwise (including the tie at 3) 5.
        ("1", 5.0),
        ("2", 5.0),
        ("3", 5.0),
        ("4", 1.0),
        ("5", 1.0),
    ],
)
def test_unparseable_prediction_is_the_worst_rating_for_its_gold(gold: str, worst: float) -> None:
    assert worst_rating(float(gold)) == worst
    assert parse_rating("I cannot tell", gold) == worst


@pytest.mark.parametrize(
    ("prediction", "value"),
    [
        ("4", 4.0),
        (" 4 \n", 4.0),  # LaMP strips before float()
        ("4.0", 4.0),
        ("3.5", 3.5),
        ("7", 7.0),  # LaMP does not clamp out-of-range numbers
    ],
)
def test_parse_rating_uses_float_on_the_stripped_string(prediction: str, value: float) -> None:
    assert parse_rating(prediction, "5") == value


@pytest.mark.parametrize("prediction", ["4 stars", "Rating: 4", "", "four", "nan", "inf"])
def test_parse_rating_does_not_extract_digits_and_rejects_non_finite(prediction: str) -> None:
    # gold 2 -> worst is 5.0 (|1-2| = 1 is not > |5-2| = 3).
    assert parse_rating(prediction, "2") == 5.0


def test_mae_rmse_accuracy_by_hand() -> None:
    golds = ["5", "3", "1", "4"]
    preds = ["4", "3", "banana", "5.0"]
    # parsed: 4, 3, worst-for-1 = 5, 5  -> |err| = 1, 0, 4, 1
    assert absolute_errors(preds, golds) == [1.0, 0.0, 4.0, 1.0]
    assert squared_errors(preds, golds) == [1.0, 0.0, 16.0, 1.0]
    assert mae(preds, golds) == pytest.approx(6 / 4)  # 1.5
    assert rmse(preds, golds) == pytest.approx(math.sqrt(18 / 4))  # 2.1213
    # only "3" == 3; "5.0" vs 4 is wrong
    assert rating_accuracy(preds, golds) == pytest.approx(0.25)
    # numeric equality: "5.0" counts for gold "5"
    assert rating_accuracy(["5.0", " 2"], ["5", "2"]) == 1.0


def test_rating_rejects_non_numeric_gold_and_bad_lengths() -> None:
    with pytest.raises(ValueError, match="gold rating"):
        mae(["5"], ["five"])
    with pytest.raises(ValueError, match="predictions but"):
        mae(["5", "4"], ["5"])
    with pytest.raises(ValueError, match="no examples"):
        rmse([], [])


# -------------------------------------------------------------- classification


def test_accuracy_strips_but_is_case_sensitive() -> None:
    assert correct([" a", "B", "c"], ["a ", "b", "c"]) == [1.0, 0.0, 1.0]
    assert accuracy([" a", "B", "c"], ["a ", "b", "c"]) == pytest.approx(2 / 3)


def test_macro_f1_with_a_label_that_is_never_predicted() -> None:
    golds = ["a", "a", "b", "c"]
    preds = ["a", "b", "b", "a"]
    # a: tp=1 fp=1 (gold c) fn=1 (pred b)  P=1/2 R=1/2 F=1/2
    # b: tp=1 fp=1 (gold a) fn=0           P=1/2 R=1   F=2/3
    # c: never predicted, tp=0 fn=1        F=0
    # macro = (1/2 + 2/3 + 0) / 3 = 7/18
    assert macro_f1(preds, golds) == pytest.approx(7 / 18)
    assert accuracy(preds, golds) == pytest.approx(2 / 4)


def test_macro_f1_counts_spurious_predicted_labels_by_default() -> None:
    golds = ["a", "b"]
    preds = ["a", "zzz"]
    # labels {a, b, zzz}: a F=1; b tp=0 fn=1 F=0; zzz tp=0 fp=1 F=0 -> 1/3
    assert macro_f1(preds, golds) == pytest.approx(1 / 3)
    # LaMP-style fixed label set [a, b]: zzz is just a miss for b -> (1 + 0) / 2
    assert macro_f1(preds, golds, labels=["a", "b"]) == pytest.approx(1 / 2)


def test_macro_f1_fixed_labels_include_absent_ones() -> None:
    golds = ["a", "a", "b", "c"]
    preds = ["a", "b", "b", "a"]
    # as above plus d (never seen, F=0): (1/2 + 2/3 + 0 + 0) / 4 = 7/24
    assert macro_f1(preds, golds, labels=["a", "b", "c", "d"]) == pytest.approx(7 / 24)


def test_macro_f1_perfect_and_all_wrong() -> None:
    assert macro_f1(["x", "y"], ["x", "y"]) == 1.0
    # labels {x, y}: both tp=0 -> 0
    assert macro_f1(["y", "x"], ["x", "y"]) == 0.0


# ------------------------------------------------------------------ generation


def test_rouge_identical_and_disjoint() -> None:
    assert rouge1(["the cat sat on the mat"], ["the cat sat on the mat"]) == 1.0
    assert rougeL(["the cat sat on the mat"], ["the cat sat on the mat"]) == 1.0
    assert rouge1(["hello world"], ["foo bar"]) == 0.0
    assert rougeL(["hello world"], ["foo bar"]) == 0.0


def test_rouge_partial_overlap_by_hand() -> None:
    # gold tokens: the cat sat on the mat (6); pred: the cat lay on a mat (6)
    # clipped unigram overlap: the(min 2,1)=1 + cat + on + mat = 4 -> P = R = 4/6 -> F = 2/3
    # LCS: the cat on mat = 4 -> F = 2/3
    scores = rouge(["the cat lay on a mat"], ["the cat sat on the mat"])
    assert scores.rouge1 == pytest.approx(2 / 3)
    assert scores.rougeL == pytest.approx(2 / 3)


def test_rouge_l_differs_from_rouge_1_when_order_changes() -> None:
    # same bag of words -> ROUGE-1 = 1; reversed order -> LCS = 1 of 4 -> P = R = F = 1/4
    assert rouge1(["d c b a"], ["a b c d"]) == 1.0
    assert rougeL(["d c b a"], ["a b c d"]) == pytest.approx(0.25)


def test_rouge_precision_recall_asymmetry() -> None:
    # gold "the cat sat" (3), pred "the cat" (2): overlap 2 -> P = 1, R = 2/3
    # F = 2 * 1 * 2/3 / (1 + 2/3) = 4/5
    assert rouge1(["the cat"], ["the cat sat"]) == pytest.approx(0.8)
    assert rougeL(["the cat"], ["the cat sat"]) == pytest.approx(0.8)


def test_rouge_tokenizer_matches_evaluate_defaults() -> None:
    # DefaultTokenizer: lowercase, punctuation is a separator ...
    assert rouge1(["The CAT!!"], ["the cat"]) == 1.0
    # ... and no stemming (evaluate's use_stemmer=False): cats/cat, running/run differ
    assert rouge1(["cats running"], ["cat run"]) == 0.0


def test_rouge_per_example_and_mean() -> None:
    scores = rouge(
        ["the cat sat on the mat", "hello world", "the cat"],
        ["the cat sat on the mat", "foo bar", "the cat sat"],
    )
    assert scores.rouge1_per_example == pytest.approx((1.0, 0.0, 0.8))
    assert scores.rougeL_per_example == pytest.approx((1.0, 0.0, 0.8))
    assert scores.rouge1 == pytest.approx(1.8 / 3)  # 0.6
    assert scores.rougeL == pytest.approx(0.6)


def test_rouge_of_an_empty_prediction_is_zero() -> None:
    assert rouge1([""], ["something"]) == 0.0
    assert rougeL(["   "], ["something"]) == 0.0
