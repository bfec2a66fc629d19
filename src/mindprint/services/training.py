"""Training data for a reflection model (RPO's SFT and preference stages), as JSONL.

- ``sft``: one chat example per *accepted* rewrite — a rewrite the user rated 4-5, or
  kept unedited when recording feedback on it. The user turn is the same reflection
  prompt the LLM rewriter sends (style profile, factor table, draft); the assistant
  turn is the trajectory and the rewrite, as JSON. The OpenAI fine-tuning format
  (``{"messages": [...]}``), which TRL's SFTTrainer also reads.
- ``preferences``: ``{"prompt", "chosen", "rejected"}`` pairs in TRL's conversational
  DPO format. Chosen is what the user wanted — their edited response, else a rewrite
  they rated 4-5; rejected is the rewrite they edited, else the draft.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

from mindprint.engine.llm.rewrite import build_prompt
from mindprint.store import Store

Format = Literal["sft", "preferences"]
_PAGE = 200


def _rewrites_with_feedback(store: Store, user_id: str | None) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Every stored rewrite with the feedback rows that refer to it."""
    offset = 0
    while True:
        page = store.list_rewrites(user_id, limit=_PAGE, offset=offset)
        if not page:
            return
        for rw in page:
            yield rw, store.feedback_for_rewrite(rw["user_id"], rw["id"])
        offset += len(page)


def _messages(store: Store, rw: dict[str, Any]) -> list[dict[str, str]]:
    meta = store.get_user_model(rw["user_id"])
    style = meta.summary.style if meta else {}
    system, prompt = build_prompt(rw["draft"], style, store.get_factors(rw["user_id"]), [], rw["query"])
    return [{"role": "system", "content": system}, {"role": "user", "content": prompt}]


def _answer(trajectory: dict[str, Any], text: str) -> str:
    keep = {k: trajectory[k] for k in ("profile_analysis", "gap_analysis", "edit_plan") if k in trajectory}
    return json.dumps({**keep, "rewrite": text}, ensure_ascii=False)


def export_training(store: Store, fmt: Format, user_id: str | None = None) -> Iterator[dict[str, Any]]:
    for rw, feedback in _rewrites_with_feedback(store, user_id):
        if not feedback:
            continue
        fb = feedback[-1]  # the latest word of the user on this rewrite
        rating, edited = fb["rating"], fb["edited_response"]
        liked = (rating is not None and rating >= 4) or (rating is None and not edited)
        msgs = _messages(store, rw)
        if fmt == "sft":
            if liked and not edited:
                yield {"messages": [*msgs, {"role": "assistant",
                                            "content": _answer(rw["trajectory"], rw["rewritten"])}]}
            continue
        if edited:
            chosen, rejected = edited, rw["rewritten"]
        elif liked and rw["rewritten"] != rw["draft"]:
            chosen, rejected = rw["rewritten"], rw["draft"]
        else:
            continue  # a rewrite rated down without an edit says what not to write, not what to
        yield {
            "prompt": msgs,
            "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}],
        }
