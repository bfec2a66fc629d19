"""The preference stage through an LLM: the real anthropic/openai SDK clients against the
local fake endpoint, which reads the prompt as a model would (it quotes the first-person
stance sentences of each user turn it is shown, and picks an option when a reply does).

What is checked: only the user's words reach the stored preferences (a quote of the
assistant is dropped and its item falls back), a malformed answer or a skipped item
costs only its items, and the stage costs one logged call per 8 conversation items."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mindprint.app import Mindprint
from mindprint.embed import FakeEmbedder
from mindprint.engine.features.preferences import MAX_SENTENCE_CHARS
from mindprint.engine.features.turns import user_text
from mindprint.engine.llm.interface import TokenCaps, fence
from mindprint.engine.llm.preferences import LLMPreferenceReader, find_span
from mindprint.engine.llm.stages import llm_pipeline
from mindprint.engine.types import Feature, Item
from mindprint.errors import ProviderUnavailable
from mindprint.providers.anthropic_provider import AnthropicProvider
from mindprint.providers.base import ProviderBase
from mindprint.providers.openai_provider import OpenAIProvider
from mindprint.store import NewItem, Store
from mindprint.testing.fake_llm import FakeLLM, fake_llm, preference_turns, smart_reply
from tests.providers.test_providers import ITEMS

# (the user's prompt, the assistant's answer, the user's reply): 16 conversation items, so
# the stage makes two calls of 8.
CHATS = [
    ("I'm vegetarian and I hate coriander. What should I cook tonight?",
     "Sounds good! I love a spicy beef curry with fresh coriander. Or try a mushroom risotto with thyme.",
     "I'll go with the mushroom risotto."),
    ("Plan a weekend in Lyon for me.",
     "Here is a plan: fly in on Friday, see the old town, and eat at a bouchon.",
     "I prefer trains to flying. I avoid crowds, so skip the old town on Saturday."),
    ("What is the capital of Australia?", "The capital of Australia is Canberra.", "Thanks, good to know."),
    ("Explain recursion in one paragraph.",
     "Recursion is when a function calls itself on a smaller input until it reaches a base case.",
     "Got it, thanks."),
    ("Suggest a podcast for my commute.", "You might like Hardcore History or 99% Invisible.",
     "I enjoy design stories, so 99% Invisible it is."),
    ("How do I convert 80 kg to pounds?", "80 kg is about 176 pounds.",
     "Give me metric units, I never use pounds."),
    ("What's a good board game for two?", "Patchwork, Jaipur or 7 Wonders Duel are all great for two.",
     "Nice list."),
    ("Translate 'good morning' into Spanish.", "Buenos días.", "Gracias."),
    ("Which running shoes fit wide feet?", "Try the Altra Torin or the New Balance 880 in 2E width.",
     "I have wide feet and I need a roomy toe box."),
    ("Any tips for a first marathon?", "Build mileage slowly and practise fuelling on long runs.",
     "My knees hurt on hills, so I avoid steep routes."),
    ("What laptop should I buy for photo editing?",
     "A MacBook Pro or a Dell XPS 15 with a colour-accurate screen.",
     "I only buy from small independent brands when I can."),
    ("Recommend a novel.", "Try The Remains of the Day by Kazuo Ishiguro.", "Sounds good."),
    ("How long should I boil an egg?", "About 7 minutes for a jammy yolk.", "Perfect."),
    ("Write a haiku about rain.", "Soft rain on the roof, the gutters hum an old song.", "Lovely."),
    ("What time zone is Tokyo in?", "Tokyo is on Japan Standard Time, UTC+9.", "Thanks."),
    ("Give me a quick stretch routine.", "Neck rolls, shoulder circles and a standing forward fold.",
     "Keep answers short, I like brief lists."),
]
ASSISTANT_STANCE = "I love a spicy beef curry with fresh coriander."
STATED = {"I'm vegetarian and I hate coriander.", "I prefer trains to flying.",
          "I have wide feet and I need a roomy toe box.",
          "I only buy from small independent brands when I can."}


def exchange(prompt: str, answer: str, reply: str) -> NewItem:
    """An exchange as the chat importer stores it: prompt and answer in, the reply out."""
    return NewItem(input=f"{prompt}\n\n{answer}", response=reply,
                   meta={"kind": "exchange", "prompt_chars": len(prompt)})


HISTORY = [exchange(*c) for c in CHATS] + ITEMS[:2]


def provider(kind: str, url: str, store: Store) -> ProviderBase:
    """The real SDK client, every call logged in the store's ``llm_calls``."""
    def sink(r: Any) -> None:
        store.log_llm_call(r.as_row())
    if kind == "anthropic":
        return AnthropicProvider("k", "claude-test", base_url=url, max_retries=0, sink=sink)
    return OpenAIProvider("k", "gpt-test", base_url=url + "/v1", max_retries=0, sink=sink)


def built(tmp_path: Path, fake: FakeLLM, kind: str = "openai") -> tuple[Mindprint, LLMPreferenceReader]:
    store = Store.open(tmp_path / "db.sqlite")
    emb = FakeEmbedder()
    pipe = llm_pipeline(emb, provider(kind, fake.url, store))
    assert isinstance(pipe.preferences, LLMPreferenceReader)
    app = Mindprint(store, emb, pipeline=pipe)
    app.add_items("u", HISTORY)
    assert app.build("u").items == len(HISTORY)
    return app, pipe.preferences


def preferences(app: Mindprint) -> dict[int, list[Feature]]:
    return {i: [f for f in fs if f.kind == "preference"] for i, fs in app.store.get_features("u").items()}


def items(app: Mindprint) -> dict[int, Item]:
    return {it.id: it for page in app.store.iter_items("u") for it in page}


def the_item(app: Mindprint, words: str) -> int:
    return next(i for i, it in items(app).items() if words in it.input)


def preference_prompts(fake: FakeLLM) -> list[dict[str, Any]]:
    def system(body: dict[str, Any]) -> str:
        return str(body.get("system") or body["messages"][0]["content"])
    return [b for _, b in fake.requests if "standing preferences" in system(b)]


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with fake_llm() as f:
        yield f


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_a_build_stores_the_users_own_words_as_llm_preferences(
    tmp_path: Path, fake: FakeLLM, kind: str
) -> None:
    app, reader = built(tmp_path, fake, kind)
    assert reader.failures == []
    found = preferences(app)
    by_id = items(app)
    quotes = {f.context for fs in found.values() for f in fs}
    assert quotes >= STATED
    for iid, fs in found.items():
        it = by_id[iid]
        for f in fs:
            assert f.origin == "llm", f
            assert f.context in user_text(it), f.context
            assert f.context not in it.input[it.prompt_chars:], f.context
    assert all(not fs for iid, fs in found.items() if by_id[iid].kind == "answered")
    # The reply that picks an offered option is a choice, its option in the assistant's words.
    [choice] = [f for f in found[the_item(app, "coriander")] if f.attr("said_as") == "choice"]
    assert (choice.context, choice.attr("chosen")) == (
        "I'll go with the mushroom risotto.", "Or try a mushroom risotto with thyme.")
    # Standing preferences reach the factors, quoting the user.
    said = {str(f.stats["quote"]) for f in app.factors("u")[1] if f.stats.get("kind") == "preference"}
    assert said >= STATED and ASSISTANT_STANCE not in said
    # One call per 8 conversation items, logged with its items; ratings sent nothing.
    [usage] = [r for r in app.store.usage("u") if r["purpose"] == "preferences"]
    assert (usage["calls"], usage["items"], usage["failed"]) == (2, len(CHATS), 0)
    sent = preference_prompts(fake)
    assert len(sent) == 2 and all(b["max_tokens"] == TokenCaps().preferences for b in sent)
    prompt = "\n".join(str(b["messages"][-1]["content"]) for b in sent)
    assert ITEMS[0].input not in prompt
    # The assistant's words are in the prompt only as its fenced context.
    at = prompt.index(ASSISTANT_STANCE)
    assert prompt.rfind('<untrusted_data kind="assistant"', 0, at) > prompt.rfind("</untrusted_data>", 0, at)
    app.close()


def _turns_of(prompt: str) -> dict[int, str]:
    """The user's words of each item of a preference prompt, by its number."""
    return {n: " ".join(t[2] for t in turns) for n, turns in preference_turns(prompt)}


def test_a_quote_of_the_assistant_is_dropped_and_its_item_falls_back(tmp_path: Path) -> None:
    def lie(system: str, prompt: str) -> str:
        answer = json.loads(smart_reply(system, prompt))
        if "standing preferences" not in system:
            return json.dumps(answer)
        said = _turns_of(prompt)
        for entry in answer["items"]:
            if "coriander" in said[entry["item"]]:  # the assistant's stance, as the person's
                entry["preferences"] = [{"turn": 2, "quote": ASSISTANT_STANCE, "stance": "likes",
                                         "firmness": "prefer", "said_as": "stated", "chosen": ""}]
            elif "Lyon" in said[entry["item"]]:  # an invented quote beside the real ones
                entry["preferences"].append({"turn": 2, "quote": "I love flying on Fridays.",
                                             "stance": "likes", "firmness": "prefer",
                                             "said_as": "stated", "chosen": ""})
        return json.dumps(answer)

    with fake_llm(lie) as fake:
        app, reader = built(tmp_path, fake, "anthropic")
    found = preferences(app)
    curry = found[the_item(app, "coriander")]
    assert curry and {f.origin for f in curry} == {"fallback"}
    assert ASSISTANT_STANCE not in {f.context for fs in found.values() for f in fs}
    lyon = found[the_item(app, "Lyon")]
    assert {f.context for f in lyon} == {
        "I prefer trains to flying.", "I avoid crowds, so skip the old town on Saturday."}
    assert {f.origin for f in lyon} == {"llm"}
    assert reader.failures == [
        "preferences: item 1 turn 2 quotes the assistant; dropped",
        "preferences: no quote of item 1 was the person's words",
        "preferences: item 2 turn 2 quotes words the person did not write there; dropped",
    ]
    app.close()


def test_a_malformed_answer_and_a_skipped_item_fall_back_item_by_item(tmp_path: Path) -> None:
    """The first batch's answer is not JSON (twice: the answer and its retry); the second
    leaves out the shoe item. Those items get the offline reader's preferences, the
    others keep the model's, and the next build retries exactly the fallen-back ones."""
    weak = [True]

    def flaky(system: str, prompt: str) -> str:
        if "standing preferences" not in system or not weak[0]:
            return smart_reply(system, prompt)
        if "Lyon" in prompt:
            return "Sure! Here are the preferences: trains, no crowds"
        answer = json.loads(smart_reply(system, prompt))
        said = _turns_of(prompt)
        answer["items"] = [e for e in answer["items"] if "wide feet" not in said[e["item"]]]
        return json.dumps(answer)

    with fake_llm(flaky) as fake:
        app, reader = built(tmp_path, fake)
        found = preferences(app)
        by_id = items(app)
        first = sorted(i for i in found if by_id[i].kind == "exchange")[:8]
        shoe = the_item(app, "wide feet")
        fell = {i for i, fs in found.items() if any(f.origin == "fallback" for f in fs)}
        assert fell == {i for i in [*first, shoe] if found[i]} and shoe in fell
        assert {f.origin for i, fs in found.items() if i not in fell for f in fs} == {"llm"}
        assert any("toe box" in f.context for f in found[shoe])
        assert len(reader.failures) == 2 and "invalid twice" in reader.failures[0]
        assert reader.failures[1] == "preferences: the answer had no entry for item 1"
        assert len(preference_prompts(fake)) == 3  # the bad batch and its one retry, the good one
        weak[0] = False
        assert app.build("u").retried == len(fell)
        assert all(f.origin == "llm" for fs in preferences(app).values() for f in fs)
    app.close()


def test_items_without_user_turns_send_nothing_and_a_dead_provider_stops(fake: FakeLLM) -> None:
    answered = [Item(id=i, input=n.input, response=n.response) for i, n in enumerate(ITEMS[:3])]
    reader = LLMPreferenceReader(OpenAIProvider("k", "gpt-test", base_url=fake.url + "/v1"))
    assert reader.read(answered, {}) == [[], [], []]
    assert fake.requests == []
    chat = Item(id=9, input="I hate coriander.\n\nNoted.", response="Thanks.", kind="exchange",
                prompt_chars=17)
    down = LLMPreferenceReader(OpenAIProvider("k", "gpt-test", base_url="http://127.0.0.1:9/v1",
                                              max_retries=0))
    with pytest.raises(ProviderUnavailable, match="Cannot reach"):
        down.read([chat], {})


def test_a_long_choice_is_kept_cut_not_voiding_its_batch(fake: FakeLLM) -> None:
    """A reply that picks an option at length: the model quotes all of it (longer than a
    stored quote may be). It is stored cut, with its option, and the batch stands."""
    offer = "1. A fleece blanket for warmth. 2. A wool throw that breathes. 3. A cashmere wrap."
    reply = "I'll go with the wool throw that breathes, " + "because wool stays dry " * 30 + "."
    chat = Item(id=5, input=f"Which blanket should I buy?\n\n{offer}", response=reply,
                kind="exchange", prompt_chars=27)
    reader = LLMPreferenceReader(OpenAIProvider("k", "gpt-test", base_url=fake.url + "/v1"))
    [[choice]] = reader.read([chat], {})
    assert reader.failures == [] and choice.origin == "llm"
    assert choice.context == reply[:MAX_SENTENCE_CHARS] and len(reply) > MAX_SENTENCE_CHARS
    assert choice.attr("chosen") == "A wool throw that breathes."
    assert choice.attr("said_as") == "choice"


@pytest.mark.parametrize(
    ("quote", "text", "span"),
    [
        ("I hate  coriander", "Well,\nI hate\tcoriander, truly.", "I hate\tcoriander"),
        ("i can't eat gluten", "Since I can’t eat gluten I pack nuts.", "I can’t eat gluten"),
        ('"I prefer trains."', "Honestly I prefer trains.", "I prefer trains."),
        ("I love curry", "I hate curry.", None),
        ("x", "x marks the spot", None),
    ],
)
def test_a_quote_is_found_after_folding_and_stored_as_written(quote: str, text: str, span: str | None) -> None:
    assert find_span(quote, text) == span


def test_an_edited_prompt_is_shown_with_its_first_version_and_read_as_a_correction() -> None:
    """The model sees how the person first wrote a message they edited, fenced apart from
    what they kept; a correction is stored with the words the edit added, and a quote of
    the first version is dropped like a quote of the assistant."""
    first = "Suggest a lunch place near Alexanderplatz."
    kept = "Suggest a vegetarian lunch place near Alexanderplatz."
    chat = Item(id=3, input=f"{kept}\n\nTry the falafel place on Dircksenstrasse.",
                response="Falafel it is.", kind="exchange", prompt_chars=len(kept),
                prompt_edited_from=first)
    seen: list[list[tuple[int, str, str]]] = []

    def model(system: str, prompt: str) -> str:
        if "standing preferences" not in system:
            return smart_reply(system, prompt)
        [(n, turns)] = preference_turns(prompt)
        seen.append(turns)
        said = {"stance": "needs", "firmness": "firm", "said_as": "correction", "chosen": ""}
        return json.dumps({"items": [{"item": n, "preferences": [
            said | {"turn": 1, "quote": kept}, said | {"turn": 1, "quote": first}]}]})

    with fake_llm(model) as fake:
        reader = LLMPreferenceReader(OpenAIProvider("k", "gpt-test", base_url=fake.url + "/v1"))
        [[pref]] = reader.read([chat], {})
        [prompt] = [b for _, b in fake.requests]
    [(_, before, text), _reply] = seen[0]
    assert (before, text) == ("", kept)  # the person's words are what they kept
    assert json.dumps(fence(first, "first_version", turn=1))[1:-1] in json.dumps(prompt)
    assert (pref.context, pref.origin, pref.attr("said_as")) == (kept, "llm", "correction")
    assert pref.attr("added") == "vegetarian"
    assert reader.failures == ["preferences: item 1 turn 1 quotes the version the person edited away; dropped"]
