"""Deleting one item from the dashboard: gone at once, undoable for a stated window,
then gone from the database file too.

The item goes with its features, vectors and path, and with the feedback that recorded
it (and the rewrite that feedback was about). Their rows wait in the change log
(``control_log.before``) so that undo can put them back, for ``undo_hours`` (24 by
default, ``MINDPRINT_UNDO_HOURS``). After that the log keeps only the item's number:
``Store.scrub_deleted`` (:mod:`mindprint.store.export`) clears the copy and checkpoints
the write-ahead log, so no copy of the text is left in the file (``secure_delete``
zeroes the freed space). It runs when a process opens the database, builds a model, or
shows or changes the controls. An export never holds a deleted item's text, not even
inside the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mindprint.errors import InvalidInputError

if TYPE_CHECKING:
    from sqlite_utils import Database

_ITEM_COLS = ("id", "input", "response", "label", "score", "source", "created_at",
              "content_hash", "meta")


def _rows(db: Database, sql: str, args: list[Any]) -> list[dict[str, Any]]:
    cur = db.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def take_item(db: Database, user_id: str, item_id: int) -> dict[str, Any]:
    """Delete the item and what recorded it, inside a write; what undo needs to restore it."""
    found = _rows(db, f"SELECT {', '.join(_ITEM_COLS)} FROM items WHERE user_id = ? AND id = ?",
                  [user_id, item_id])
    if not found:
        raise InvalidInputError(f"Item #{item_id} is not in {user_id!r}'s history.")
    feedback = _rows(db, "SELECT * FROM feedback WHERE user_id = ? AND item_id = ?", [user_id, item_id])
    ids = sorted({f["rewrite_id"] for f in feedback if f["rewrite_id"] is not None})
    rewrites = _rows(db, f"SELECT * FROM rewrites WHERE user_id = ? AND id IN ({', '.join('?' * len(ids))})",
                     [user_id, *ids]) if ids else []
    db.execute("DELETE FROM feedback WHERE user_id = ? AND item_id = ?", [user_id, item_id])
    for r in rewrites:
        db.execute("DELETE FROM rewrites WHERE id = ?", [r["id"]])
    db.execute("DELETE FROM items WHERE id = ?", [item_id])
    return {"item": found[0], "feedback": feedback, "rewrites": rewrites}


def restore_item(db: Database, user_id: str, state: dict[str, Any]) -> None:
    """Put back what :func:`take_item` took (an older log holds the item's row alone)."""
    item = state.get("item", state)
    item_id = _restore(db, "items", {**item, "user_id": user_id},
                       dup=("SELECT id FROM items WHERE user_id = ? AND content_hash = ?",
                            [user_id, item["content_hash"]]))
    for r in state.get("rewrites", []):
        _restore(db, "rewrites", r, dup=("SELECT id FROM rewrites WHERE id = ?", [r["id"]]))
    for f in state.get("feedback", []):
        _restore(db, "feedback", {**f, "item_id": item_id},
                 dup=("SELECT id FROM feedback WHERE id = ?", [f["id"]]))


def _restore(db: Database, table: str, row: dict[str, Any], *, dup: tuple[str, list[Any]]) -> int:
    """Insert ``row`` under its old id when free; the id it has now. Nothing is inserted
    when ``dup`` finds the row already back (imported again meanwhile)."""
    found = db.execute(*dup).fetchone()
    if found is not None:
        return int(found[0])
    values = dict(row)
    if db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [values["id"]]).fetchone():
        values.pop("id")
    cols = list(values)
    cur = db.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                     [values[c] for c in cols])
    return int(values.get("id") or cur.lastrowid or 0)
