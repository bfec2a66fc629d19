"""The user's controls over their model: pinned, vetoed and renamed factors, deleted
items, and the log that records each change with its time and how to undo it.

A control is an overlay: the learned factors stay as built (so a rebuild keeps their
ids, and the control keeps applying); the services apply the overlay when they load
a user's factors. Every change bumps the user's revision in the same transaction, so
every process on the database (an MCP server included) reloads at its next call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mindprint.errors import InvalidInputError, UnknownUserError
from mindprint.store.deletion import restore_item, take_item
from mindprint.store.records import utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

    from mindprint.store.repository import Store

FACTOR_ACTIONS = ("pin", "unpin", "veto", "unveto", "edit")


@dataclass(frozen=True, slots=True)
class FactorControl:
    pinned: bool = False
    vetoed: bool = False
    name: str | None = None  # the user's name for the factor; None: the learned one
    description: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"pinned": self.pinned, "vetoed": self.vetoed, "name": self.name,
                "description": self.description}


def factor_controls(store: Store, user_id: str) -> dict[str, FactorControl]:
    """The controls in force, by factor id."""
    with store.read() as db:
        rows = db.execute(
            "SELECT factor_id, pinned, vetoed, name, description FROM factor_controls "
            "WHERE user_id = ?", [user_id]).fetchall()
    return {r[0]: FactorControl(bool(r[1]), bool(r[2]), r[3], r[4]) for r in rows}


def _control(db: Database, user_id: str, factor_id: str) -> FactorControl:
    row = db.execute(
        "SELECT pinned, vetoed, name, description FROM factor_controls "
        "WHERE user_id = ? AND factor_id = ?", [user_id, factor_id]).fetchone()
    return FactorControl(bool(row[0]), bool(row[1]), row[2], row[3]) if row else FactorControl()


def _put(db: Database, user_id: str, factor_id: str, c: FactorControl, now: str) -> None:
    if c == FactorControl():
        db.execute("DELETE FROM factor_controls WHERE user_id = ? AND factor_id = ?",
                   [user_id, factor_id])
        return
    db.execute(
        "INSERT OR REPLACE INTO factor_controls (user_id, factor_id, pinned, vetoed, name, "
        "description, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [user_id, factor_id, int(c.pinned), int(c.vetoed), c.name, c.description, now])


def _log(db: Database, user_id: str, action: str, target: str, label: str,
         before: dict[str, Any] | None, after: dict[str, Any] | None, now: str) -> int:
    cur = db.execute(
        "INSERT INTO control_log (user_id, action, target, label, before, after, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [user_id, action, target, label, json.dumps(before) if before is not None else None,
         json.dumps(after) if after is not None else None, now])
    return int(cur.lastrowid or 0)


def set_factor_control(store: Store, user_id: str, factor_id: str, action: str,
                       label: str, new: FactorControl) -> int:
    """Put ``new`` in force for the factor and log the change; the log entry's id."""
    with store.write() as db:
        if db.execute("SELECT 1 FROM users WHERE id = ?", [user_id]).fetchone() is None:
            raise UnknownUserError(user_id, store.path)
        now = utcnow()
        old = _control(db, user_id, factor_id)
        _put(db, user_id, factor_id, new, now)
        log_id = _log(db, user_id, action, factor_id, label, old.as_json(), new.as_json(), now)
        store._bump(db, user_id)
    return log_id


def delete_item(store: Store, user_id: str, item_id: int) -> int:
    """Delete one item (its features, vectors and path go with it, and the feedback that
    recorded it), keeping the rows in the log for undo (:mod:`mindprint.store.deletion`)."""
    with store.write() as db:
        taken = take_item(db, user_id, item_id)
        log_id = _log(db, user_id, "delete_item", str(item_id), f"#{item_id}", taken, None, utcnow())
        store._bump(db, user_id)
    return log_id


def control_log(store: Store, user_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The newest ``limit`` changes, newest first."""
    with store.read() as db:
        cur = db.execute(
            "SELECT id, action, target, label, before, after, created_at, undone_at "
            "FROM control_log WHERE user_id = ? ORDER BY id DESC LIMIT ?", [user_id, limit])
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    for r in rows:
        for k in ("before", "after"):
            r[k] = json.loads(r[k]) if r[k] else None
    return rows


def undo(store: Store, user_id: str, log_id: int) -> dict[str, Any]:
    """Restore the state before change ``log_id`` and mark it undone; the entry."""
    with store.write() as db:
        row = db.execute(
            "SELECT action, target, label, before, undone_at FROM control_log "
            "WHERE id = ? AND user_id = ?", [log_id, user_id]).fetchone()
        if row is None:
            raise InvalidInputError(f"Change #{log_id} is not one of {user_id!r}'s.")
        action, target, label, before, undone_at = row
        if undone_at is not None:
            raise InvalidInputError(f"Change #{log_id} ({action} {label}) is already undone.")
        if action == "delete_item" and before is None:
            raise InvalidInputError(
                f"Change #{log_id} (deleted item {label}) can no longer be undone: a deleted "
                f"item is kept {store.undo_hours:g} hours for undo, then scrubbed."
            )
        state = json.loads(before) if before else {}
        now = utcnow()
        if action == "delete_item":
            restore_item(db, user_id, state)
        else:
            _put(db, user_id, target, FactorControl(**state), now)
        db.execute("UPDATE control_log SET undone_at = ? WHERE id = ?", [now, log_id])
        store._bump(db, user_id)
    return {"id": log_id, "action": action, "target": target, "label": label}
