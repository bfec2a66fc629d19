"""Reads for browsing a history in the dashboard: search by text and by factor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mindprint.engine.types import Item

if TYPE_CHECKING:
    from mindprint.store.repository import Store

_COLS = "id, input, response, label, score, source, created_at, meta"


def _like(text: str) -> str:
    """``text`` as a LIKE pattern matching it literally anywhere (escape char: \\)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_items(
    store: Store, user_id: str, text: str = "", factor_id: str = "", limit: int | None = None,
    offset: int = 0, among: Sequence[int] | None = None,
) -> tuple[list[Item], int]:
    """One page of the user's items, newest first, whose texts contain ``text`` and
    (when given) one of whose features belongs to ``factor_id`` and whose id is one of
    ``among``; and the number of matching items."""
    where = ["i.user_id = ?"]
    params: list[Any] = [user_id]
    if text.strip():
        where.append("(i.input LIKE ? ESCAPE '\\' OR i.response LIKE ? ESCAPE '\\')")
        params += [_like(text.strip())] * 2
    if factor_id:
        where.append("EXISTS (SELECT 1 FROM features f WHERE f.item_id = i.id AND f.factor_id = ?)")
        params.append(factor_id)
    if among is not None:
        ids = [int(i) for i in among]
        where.append(f"i.id IN ({', '.join('?' * len(ids))})" if ids else "0")
        params += ids
    cond = " AND ".join(where)
    with store.read() as db:
        total = int(db.execute(f"SELECT COUNT(*) FROM items i WHERE {cond}", params).fetchone()[0])
        rows = db.execute(
            f"SELECT {_COLS} FROM items i WHERE {cond} ORDER BY created_at DESC, id DESC "
            "LIMIT ? OFFSET ?",
            [*params, store._page(limit), max(0, offset)],
        ).fetchall()
    return [store._item(r) for r in rows], total
