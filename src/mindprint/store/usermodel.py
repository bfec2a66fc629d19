"""The user model: the factor table, the summary and the corpus statistics of a build."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mindprint.engine.types import Factor, UserSummary
from mindprint.store.base import StoreBase
from mindprint.store.records import UserModelMeta, utcnow


class ModelRows(StoreBase):
    """The ``factors``, ``user_models`` and ``backtests`` tables."""

    def save_user_model(
        self,
        user_id: str,
        factors: Sequence[Factor],
        summary: UserSummary,
        extractor: str,
        *,
        corpus: dict[str, Any] | None = None,
        generation: int | None = None,
    ) -> int:
        """Replace the factor table and summary in one transaction; return the new version.

        ``generation`` (from :meth:`generation` when the build started) makes the write
        fail with UserChangedError if the user was forgotten meanwhile.
        """
        with self.write() as db:
            self._still_there(db, user_id, generation)
            row = db.execute(
                "SELECT version FROM user_models WHERE user_id = ?", [user_id]
            ).fetchone()
            version = (int(row[0]) if row else 0) + 1
            db.execute("DELETE FROM factors WHERE user_id = ?", [user_id])
            db.conn.executemany(
                "INSERT INTO factors (user_id, id, name, description, members, stats, position) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (user_id, f.id, f.name, f.description, json.dumps(list(f.members)),
                     json.dumps(f.stats), i)
                    for i, f in enumerate(factors)
                ],
            )
            summary_json = json.dumps(
                {
                    "n_items": summary.n_items,
                    "label_counts": summary.label_counts,
                    "mean_score": summary.mean_score,
                    "style": summary.style,
                }
            )
            db.execute(
                "INSERT OR REPLACE INTO user_models (user_id, version, built_at, extractor, "
                "item_count, summary, corpus) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [user_id, version, utcnow(), extractor, summary.n_items, summary_json,
                 json.dumps(corpus) if corpus is not None else None],
            )
            # Factors and corpus statistics are part of every process's cached index.
            self._bump(db, user_id)
        return version

    def save_backtest(self, user_id: str, revision: int, basis: str, body: str) -> bool:
        """Keep the backtest measured on the user's data at ``revision``; True if kept.
        One measured on older data than the one stored (a slow measurement finishing
        after a faster, newer one) is dropped. Not a change of the user's data: the
        revision stays."""
        with self.write() as db:
            if db.execute("SELECT 1 FROM users WHERE id = ?", [user_id]).fetchone() is None:
                return False  # forgotten meanwhile
            row = db.execute("SELECT revision FROM backtests WHERE user_id = ?", [user_id]).fetchone()
            if row is not None and int(row[0]) > revision:
                return False
            db.execute(
                "INSERT OR REPLACE INTO backtests (user_id, revision, basis, body, measured_at) "
                "VALUES (?, ?, ?, ?, ?)", [user_id, revision, basis, body, utcnow()])
        return True

    def get_backtest(self, user_id: str) -> tuple[int, str, str] | None:
        """The last backtest kept for the user: (revision, basis, body), or None."""
        with self.read() as db:
            row = db.execute("SELECT revision, basis, body FROM backtests WHERE user_id = ?",
                             [user_id]).fetchone()
        return None if row is None else (int(row[0]), str(row[1]), str(row[2]))

    def get_factors(self, user_id: str, limit: int | None = None) -> list[Factor]:
        """One page of the user's factors, strongest first (``all_factors``: every one)."""
        return self._factors(user_id, self._page(limit))

    def all_factors(self, user_id: str) -> list[Factor]:
        """Every factor of the user, strongest first: the model needs all of them, so no
        page limit applies (a page is for showing, not for computing)."""
        return self._factors(user_id, -1)  # LIMIT -1: no limit in SQLite

    def _factors(self, user_id: str, limit: int) -> list[Factor]:
        with self.read() as db:
            rows = db.execute(
                "SELECT id, name, description, members, stats FROM factors WHERE user_id = ? "
                "ORDER BY position LIMIT ?",
                [user_id, limit],
            ).fetchall()
        return [
            Factor(id=r[0], name=r[1], description=r[2], members=tuple(json.loads(r[3])),
                   stats=json.loads(r[4]))
            for r in rows
        ]

    def get_corpus(self, user_id: str) -> dict[str, Any] | None:
        """Word statistics saved with the last build (IDF for query features)."""
        with self.read() as db:
            row = db.execute(
                "SELECT corpus FROM user_models WHERE user_id = ?", [user_id]
            ).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def get_user_model(self, user_id: str) -> UserModelMeta | None:
        with self.read() as db:
            row = db.execute(
                "SELECT version, built_at, extractor, item_count, summary FROM user_models "
                "WHERE user_id = ?",
                [user_id],
            ).fetchone()
        if row is None:
            return None
        s = json.loads(row[4])
        return UserModelMeta(
            version=int(row[0]),
            built_at=row[1],
            extractor=row[2],
            item_count=int(row[3]),
            summary=UserSummary(
                n_items=int(s["n_items"]),
                label_counts={str(k): int(v) for k, v in s["label_counts"].items()},
                mean_score=s["mean_score"],
                style=s["style"],
            ),
        )
