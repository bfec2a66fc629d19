"""The user's controls over their model: pin, veto, rename a factor, delete an item,
and undo any of these. Recorded with a timestamp; in force at once in every process on
the database (each change moves the user's revision, which every cache checks).

The overlay itself is applied in :mod:`mindprint.services.overlay`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from mindprint.engine.types import Factor
from mindprint.errors import InvalidInputError
from mindprint.services.index import IndexCache
from mindprint.services.inputs import Inputs
from mindprint.store import Store
from mindprint.store import controls as db
from mindprint.store.controls import FactorControl

NAME_CHARS = 80
DESCRIPTION_CHARS = 400


@dataclass(frozen=True, slots=True)
class SteeredFactor:
    factor: Factor  # as learned
    control: FactorControl

    @property
    def name(self) -> str:
        return self.control.name or self.factor.name


class ControlService:
    def __init__(self, store: Store, index: IndexCache, inputs: Inputs,
                 rebuild: Callable[[str], Any]) -> None:
        """``rebuild``: refreshes a user's factors in the background (after a deleted
        or restored item)."""
        self.store, self.index, self.inputs, self.rebuild = store, index, inputs, rebuild

    def factors(self, user_id: str | None) -> list[SteeredFactor]:
        """Every learned factor with the control in force, vetoed ones included, and the
        preferences stated since the last build (the next build keeps their ids, unless
        it finds one said before)."""
        uid = self.inputs.user(user_id)
        self.store.require_user(uid)
        controls = db.factor_controls(self.store, uid)
        learned = self.store.all_factors(uid)
        ids = {f.id for f in learned}
        learned += [f for f in self.index.both(uid)[1].fresh if f.id not in ids]
        return [SteeredFactor(f, controls.get(f.id, FactorControl())) for f in learned]

    def _factor(self, uid: str, factor_id: str) -> SteeredFactor:
        for s in self.factors(uid):
            if s.factor.id == factor_id:
                return s
        raise InvalidInputError(f"{uid!r} has no factor {factor_id[:40]!r}: reload the page.")

    def set(self, user_id: str | None, factor_id: str, action: str) -> int:
        """pin, unpin, veto or unveto a factor; the change's log id."""
        uid = self.inputs.user(user_id)
        s = self._factor(uid, factor_id)
        c = s.control
        new = {"pin": replace(c, pinned=True), "unpin": replace(c, pinned=False),
               "veto": replace(c, vetoed=True, pinned=False), "unveto": replace(c, vetoed=False)}
        if action not in new:
            raise InvalidInputError(f"Unknown control {action[:20]!r}: pin, unpin, veto or unveto.")
        return self._apply(uid, factor_id, action, s.name, new[action])

    def edit(self, user_id: str | None, factor_id: str, name: str, description: str) -> int:
        """Give the factor the user's own name and description ('' keeps the learned one)."""
        uid = self.inputs.user(user_id)
        s = self._factor(uid, factor_id)
        name, description = name.strip(), description.strip()
        if len(name) > NAME_CHARS or len(description) > DESCRIPTION_CHARS:
            raise InvalidInputError(f"A factor's name is at most {NAME_CHARS} characters and its "
                                    f"description at most {DESCRIPTION_CHARS}.")
        if any(ord(ch) < 32 for ch in name):
            raise InvalidInputError("A factor's name cannot hold control characters.")
        new = replace(s.control, name=name if name and name != s.factor.name else None,
                      description=description if description and description != s.factor.description
                      else None)
        return self._apply(uid, factor_id, "edit", s.name, new)

    def _apply(self, uid: str, factor_id: str, action: str, label: str, new: FactorControl) -> int:
        log_id = db.set_factor_control(self.store, uid, factor_id, action, label, new)
        self.index.invalidate(uid)
        return log_id

    def delete_item(self, user_id: str | None, item_id: int) -> int:
        """Delete the item and the feedback that recorded it; undoable for the store's
        undo window, then scrubbed (:mod:`mindprint.store.deletion`)."""
        uid = self.inputs.user(user_id)
        self.store.scrub_deleted()
        log_id = db.delete_item(self.store, uid, item_id)
        self.index.invalidate(uid)
        self.rebuild(uid)
        return log_id

    def undo(self, user_id: str | None, log_id: int) -> dict[str, Any]:
        uid = self.inputs.user(user_id)
        self.store.scrub_deleted()
        entry = db.undo(self.store, uid, log_id)
        self.index.invalidate(uid)
        if entry["action"] == "delete_item":
            self.rebuild(uid)
        return entry

    def log(self, user_id: str | None, limit: int = 50) -> list[dict[str, Any]]:
        uid = self.inputs.user(user_id)
        self.store.scrub_deleted()
        return db.control_log(self.store, uid, limit)

    @property
    def undo_hours(self) -> float:
        """How long a deleted item can be restored."""
        return self.store.undo_hours
