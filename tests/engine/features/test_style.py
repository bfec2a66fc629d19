"""The style profile: writing habits and the lexicon counts the rewriter reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mindprint.engine.features.habits import lexical_habits
from mindprint.engine.features.style import English, style_profile
from mindprint.engine.types import Item


def items(*texts: str) -> list[Item]:
    return [Item(id=i, input="", response=t) for i, t in enumerate(texts)]


def test_the_assistants_answers_are_no_habit_of_the_user() -> None:
    answer = "Sure! Here are OPTIONS:\n- one\n- two\n- three 🎉"
    turns = [Item(id=i, input="what should i cook tonight", response=answer, kind="turn")
             for i in range(5)]
    assert style_profile(turns) == {"n_texts": 0}
    own = style_profile([*turns, *items("i'd go with pasta tbh", "fine by me")])
    assert own["n_texts"] == 2 and own["bullet_rate"] == 0 and own["emoji_rate"] == 0


def test_no_free_text_gives_an_empty_profile() -> None:
    assert style_profile([]) == {"n_texts": 0}
    assert style_profile(items("5", "POLITICS")) == {"n_texts": 0}


def test_rates_and_lengths() -> None:
    style = style_profile(
        items("omg this is great lol", "i can't believe it lol", "going out now, bye!")
    )
    assert style["n_texts"] == 3
    assert style["lowercase_rate"] == 1.0
    assert style["exclamation_rate"] == round(1 / 3, 3)
    assert style["contraction_rate"] == round(1 / 3, 3)
    assert style["ends_with_period_rate"] == 0.0


def test_counts_the_users_spelling_of_lexicon_forms() -> None:
    lex = lexical_habits(
        [
            "u know im gonna be late cuz of the bus",
            "dont tell u know who, im serious",
            "I'm not sure you are right",
        ]
    )
    forms = lex["forms"]
    assert forms["u"] == 2 and forms["im"] == 2 and forms["i'm"] == 1
    assert forms["gonna"] == 1 and forms["cuz"] == 1 and forms["dont"] == 1
    assert forms["you are"] == 1
    assert "know" not in forms  # only lexicon forms are kept


def test_digit_two_counts_as_to_only_between_words() -> None:
    lex = lexical_habits(["going 2 the shop", "back in 2 days", "see you at 2"])
    assert lex["forms"].get("2") == 1
    assert lex["numbers"][0] == 2  # "2 days" and "at 2" are numbers


def test_possessive_its_is_not_a_contraction() -> None:
    lex = lexical_habits(["the cat licked its own paw", "its raining again"])
    assert lex["forms"]["its"] == 1


def test_entities_mentions_and_urls_are_not_words() -> None:
    lex = lexical_habits(["@you look at http://u.example/you &amp; this &lt;3 ok"])
    assert "you" not in lex["forms"] and "u" not in lex["forms"]
    style = style_profile(items("@bob_smith fish &amp; chips", "@bob_smith fish &amp; rice"))
    assert "amp" not in style["frequent_words"] and "bob_smith" not in style["frequent_words"]
    assert "fish" in style["frequent_words"]


def test_fillers_keep_count_position_and_spelling() -> None:
    lex = lexical_habits(["LOL that was fun", "so tired lol", "haha no", "nothing here :D"])
    count, start, end, spelling = lex["fillers"]["lol"]
    assert (count, start, end) == (2, 1, 1)
    assert spelling in ("LOL", "lol")
    assert "haha" not in lex["fillers"]  # seen once: not a habit


def test_profile_stays_small_for_a_long_history() -> None:
    texts = [
        f"tweet {i}: u know im gonna be late cuz the bus, lol. i'm sorry, thanks 4 waiting"
        for i in range(400)
    ]
    style = style_profile(items(*texts))
    assert len(json.dumps(style)) < 20_000


def test_frequent_words_do_not_depend_on_the_hash_seed() -> None:
    # Many words tie (two uses, none of them in general English): their order must come from
    # the words, not from set order.
    code = (
        "import json\n"
        "from mindprint.engine.features.style import English, style_profile\n"
        "from mindprint.engine.types import Item\n"
        "texts = ['blorp flimx glaxo drubb yenta quazz wombly hext', "
        "'hext wombly quazz yenta drubb glaxo flimx blorp india']\n"
        "items = [Item(id=i, input='', response=t) for i, t in enumerate(texts)]\n"
        "print(json.dumps(style_profile(items)['frequent_words']))\n"
    )
    seen = set()
    for seed in ("1", "2", "3", "4"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        seen.add(out.stdout.strip())
    assert len(seen) == 1, seen
    assert json.loads(seen.pop()) == sorted(["blorp", "flimx", "glaxo", "drubb", "yenta", "quazz", "wombly", "hext"])


# A stand-in for general English, most frequent first (the real one is the model's vocabulary).
ENGLISH = English.of(["the", "of", "and", "to", "in", "was", "on", "weather", "for", "new", "all",
                      "night", "love", "went", "fine", "sound", "great", "played", "best", "own"])
GUITARIST = (
    "honestly i think the guitar and the amp are the best thing i own",
    "i played my guitar all night and the neighbours complained, honestly",
    "the new strings on the guitar sound great and i love them",
    "honestly the weather was fine and i went for a walk in the park",
    "i think the park was great and the weather fine",
    "all night i think the weather was great",
)


def test_frequent_words_are_the_persons_distinctive_words_not_englishs() -> None:
    """Words used more than general English would lead one to expect: "guitar" and
    "honestly" over "weather", which they use as often, and so does everyone."""
    plain = style_profile(items(*GUITARIST))["frequent_words"]
    fw = style_profile(items(*GUITARIST), ENGLISH)["frequent_words"]
    assert not {"the", "and", "i"} & (set(plain) | set(fw))  # stopwords are nobody's own
    assert plain[:3] == ["guitar", "honestly", "weather"]  # counted alone: as many texts
    assert set(fw[:2]) == {"guitar", "honestly"} and fw.index("weather") > fw.index("park")


@pytest.mark.model
def test_general_english_is_the_models_vocabulary_in_frequency_order(tmp_path: Path) -> None:
    """The real model's vocabulary gives the reference, most frequent first; a build reads
    frequent words against it; an unreadable vocabulary is a ModelError naming the fix."""
    from mindprint.embed.fastembed_embedder import FastEmbedEmbedder
    from mindprint.engine.pipeline import Pipeline, Remembering
    from mindprint.errors import ModelError
    from mindprint.settings import EmbeddingSettings

    embedder = FastEmbedEmbedder(EmbeddingSettings().resolved_model_dir)
    common = embedder.common_words()
    assert list(common[:3]) == ["the", "of", "and"] and len(common) > 20_000
    assert all(w.isalpha() and len(w) > 1 and not w.startswith("##") for w in common)
    english = Pipeline(Remembering(embedder)).english()  # through a wrapper too
    assert english is not None and english.ranks["the"] == 0 and len(english.ranks) == 10_000
    assert english.share("the") > english.share("guitar") > english.share("zzyzzx")
    fw = style_profile(items(*GUITARIST), english)["frequent_words"]
    assert set(fw[:3]) == {"guitar", "honestly", "weather"}, fw

    (tmp_path / "tokenizer.json").write_text("{not json", "utf-8")
    with pytest.raises(ModelError, match="model install --verify"):
        FastEmbedEmbedder(tmp_path).common_words()
