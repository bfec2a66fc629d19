"""Recording feedback: the exchange becomes a history item at once, and the model is
refreshed in the background when enough is new."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from mindprint.engine.features.extract import CorpusStats
from mindprint.engine.features.turns import Before, describe_edit, join_notes, replying_to
from mindprint.engine.llm.interface import acting_for
from mindprint.engine.types import Feature, Item
from mindprint.errors import InvalidInputError
from mindprint.services.core import Core
from mindprint.services.overlay import visible
from mindprint.store import NewItem
from mindprint.store.records import FeedbackIdentity
from mindprint.store.repository import ItemArtifacts

# An identical call within this many seconds is the same event (an assistant retrying a
# call it believes failed, or a client sending it twice); with an idempotency key, a
# retry at any distance is.
REPEAT_WINDOW_S = 120


class Refresher(Protocol):
    def schedule_refresh(self, uid: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class FeedbackReceipt:
    feedback_id: int
    item_id: int
    new_item: bool
    history_size: int
    refresh_scheduled: bool
    # True: the call repeated an earlier one and recorded nothing (the ids are the earlier's).
    duplicate: bool = False


def identity(content: list[Any], key: str | None) -> FeedbackIdentity:
    """The call's :class:`FeedbackIdentity`: its content's hash, the start of the repeat
    window, and the caller's idempotency key."""
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()
    since = datetime.now(timezone.utc) - timedelta(seconds=REPEAT_WINDOW_S)
    return FeedbackIdentity(digest, since.isoformat(timespec="microseconds"), key)


def reason_features(reasons: list[str], rating: int | None) -> list[Feature]:
    """The host's reasons as content features: named by the phrase (lower case, so the
    same reason given twice is one feature), leaning the way the rating does."""
    polarity = (rating - 3) / 2 if rating is not None else 0.0
    return [
        Feature(name=r.lower(), context=r, kind="content", polarity=polarity, origin="host")
        for r in reasons
    ]


class FeedbackService:
    def __init__(self, core: Core, refresher: Refresher) -> None:
        self.store, self.pipeline, self.model_id = core.store, core.pipeline, core.model_id
        self.index, self.inputs = core.index, core.inputs
        self.refresher = refresher

    def record(
        self,
        user_id: str | None,
        query: str,
        response: str,
        *,
        rating: int | None = None,
        edited_response: str | None = None,
        comment: str | None = None,
        rewrite_id: int | None = None,
        reasons: Sequence[str] | None = None,
        label: str | None = None,
        idempotency_key: str | None = None,
    ) -> FeedbackReceipt:
        """``reasons``: why the user reacted so, in the host model's words; stored as
        features of the exchange (origin "host") that factors, paths and retrieval use.
        ``label``: the user's answer when it is a class ("Hateful", "POLITICS") rather
        than a 1-5 rating; with a rating and no label, the rating is the label.
        A call repeating an earlier one (same ``idempotency_key``, or without one the
        same content within REPEAT_WINDOW_S) records nothing: its receipt says
        ``duplicate`` and carries the earlier call's ids."""
        uid = self.inputs.user(user_id)
        query = self.inputs.text(query, "query")
        response = self.inputs.text(response, "response")
        edited = self.inputs.text(edited_response, "edited_response", required=False) or None
        comment_t = self.inputs.text(comment, "comment", required=False) or None
        label_t = self.inputs.text(label, "label", required=False) or None
        if rating is not None and (not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5):
            raise InvalidInputError(f"rating must be an integer from 1 to 5; got {rating!r}.")
        stated = reason_features(self.inputs.reasons(reasons), rating)
        ident = identity([query, response, edited, rating, comment_t, rewrite_id,
                          sorted(f.name for f in stated), label_t], self.inputs.key(idempotency_key))
        earlier = self.store.repeat_of(uid, ident)  # before embedding: a repeat costs nothing
        if earlier is not None:
            return self._receipt(uid, *earlier, False, False, True)
        self._check_rewrite(uid, rewrite_id)
        said, item = self._exchange(uid, query, response, edited, comment_t, rating, label_t)
        # Embed before writing, then write item, feedback and artefacts in one
        # transaction: a failure (model missing, bad text) leaves nothing behind, and
        # the new item is retrievable the moment the call returns.
        with acting_for(uid):
            art = self._artifacts_for(uid, item, stated, said)
        fid, item_id, new, repeat = self.store.add_feedback(
            uid, item, query=query, response=response, edited_response=edited, rating=rating,
            comment=comment_t, rewrite_id=rewrite_id, artifacts=art,
            extractor=self.pipeline.id, model_id=self.model_id, reasons=stated,
            new_note=_note(item) if said is not None and _note(item) != said.note else None,
            identity=ident,
        )
        if repeat:  # recorded by another process meanwhile
            return self._receipt(uid, fid, item_id, False, False, True)
        self.index.invalidate(uid)
        scheduled = self.refresher.schedule_refresh(uid)
        return self._receipt(uid, fid, item_id, new, scheduled, False)

    def _check_rewrite(self, uid: str, rewrite_id: int | None) -> None:
        if rewrite_id is not None and self.store.get_rewrite(uid, rewrite_id) is None:
            # The store does not check the link: a feedback row could otherwise point
            # at another user's rewrite.
            raise InvalidInputError(
                f"rewrite_id {rewrite_id} is not a rewrite of user {uid!r}; pass the "
                "rewrite_id that rewrite_for_user returned for this user, or omit it."
            )

    def _receipt(self, uid: str, fid: int, item_id: int, new: bool, scheduled: bool,
                 duplicate: bool) -> FeedbackReceipt:
        return FeedbackReceipt(fid, item_id, new, self.store.count_items(uid), scheduled, duplicate)

    def _exchange(
        self, uid: str, query: str, response: str, edited: str | None, comment: str | None,
        rating: int | None, label: str | None,
    ) -> tuple[Item | None, NewItem]:
        """The item this call stores (and the stored one it repeats, if any). An edited
        response is what the user wanted: it becomes the history item. What the user said
        about the answer, and what their edit did to it, is their note on it (read for
        preferences), with everything said about it before."""
        said = self.store.find_item(uid, query, edited or response) if self.store.user_exists(uid) else None
        note = join_notes(said.note if said else None, comment,
                          describe_edit(response, edited) if edited else None)
        meta: dict[str, str] = {"original_response": response} if edited else {}
        if note:
            meta["comment"] = note
        return said, NewItem(
            input=query,
            response=edited or response,
            score=float(rating) if rating is not None else None,
            label=label or (str(rating) if rating is not None else None),
            source="feedback-edit" if edited else "feedback",
            meta=meta or None,
        )

    def _artifacts_for(
        self, uid: str, item: NewItem, stated: list[Feature], said: Item | None
    ) -> ItemArtifacts:
        """Features, vectors and path of a not-yet-stored item (or of ``said``, the stored
        one it repeats, with the new note), against the current model."""
        before: dict[int, Before] = {}
        if self.store.user_exists(uid):
            # Two small reads rather than the retrieval index: the previous feedback has
            # just invalidated it, and rebuilding it loads every vector of the user.
            corpus = self.index.corpus(uid, (it.text for page in self.store.iter_items(uid) for it in page))
            factors = visible(self.store, uid, self.store.all_factors(uid))
            before = self._replying_to(uid, said)
        else:
            corpus, factors = CorpusStats(), []
        provisional = Item(id=-1, input=item.input, response=item.response, label=item.label,
                           score=item.score, source=item.source, kind="turn",
                           note=_note(item))
        corpus.add(provisional.text)
        [r] = self.pipeline.process_items([provisional], corpus, factors, given={-1: stated},
                                          before=before)
        return ItemArtifacts(-1, r.features, r.vectors, r.path)

    def _replying_to(self, uid: str, said: Item | None) -> dict[int, Before]:
        """The previous turn of the conversation (the user's latest item before this one),
        when it was a turn too: what the message may choose from."""
        latest = [it for it in self.store.list_items(uid, limit=2) if said is None or it.id != said.id]
        prev = latest[0] if latest else None
        return {-1: replying_to(prev)} if prev is not None and prev.kind == "turn" else {}


def _note(item: NewItem) -> str | None:
    note = (item.meta or {}).get("comment")
    return note if isinstance(note, str) else None
