"""What the pipeline derives from each item: features, vectors and reasoning paths."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlite_utils import Database

from mindprint.engine.protocols import Vector
from mindprint.engine.types import Feature, WrittenPath
from mindprint.store.base import StoreBase
from mindprint.store.records import ItemArtifacts, utcnow

# The generator of an item's path row before the user stage has written the path.
NO_PATH = "none"
# The vectors of an item's preferences: one row per preference, in one blob.
PREFS = "prefs"


def _detail(raw: str | None) -> tuple[tuple[str, str], ...]:
    if not raw:
        return ()
    data = json.loads(raw)
    return tuple(sorted((str(k), str(v)) for k, v in data.items())) if isinstance(data, dict) else ()


def _fallback(path: WrittenPath) -> str | None:
    return json.dumps(path.fallback, ensure_ascii=False) if path.fallback else None


class ArtifactRows(StoreBase):
    """The ``features``, ``vectors``, ``paths`` and ``item_state`` tables."""

    def save_artifacts(
        self, user_id: str, extractor: str, model_id: str, batch: Sequence[ItemArtifacts],
        *, generation: int | None = None,
    ) -> None:
        """Replace features, vectors and path of each item in one transaction.

        The ``item_state`` row marks the item as done for ``extractor`` in the same
        transaction, so a build killed midway resumes at the first item without it.
        """
        with self.write() as db:
            self._still_there(db, user_id, generation)
            self._write_artifacts(db, user_id, extractor, model_id, batch)
            self._bump(db, user_id)

    def _write_artifacts(
        self, db: Database, user_id: str, extractor: str, model_id: str,
        batch: Sequence[ItemArtifacts],
    ) -> None:
        now = utcnow()
        for art in batch:
            # The host model's reasons are not the extractor's to replace: they stay,
            # and come back in ``art.features`` only to be updated.
            db.execute("DELETE FROM features WHERE item_id = ? AND origin != 'host'", [art.item_id])
            self._insert_features(db, user_id, art.item_id, extractor, art.features)
            db.execute("DELETE FROM vectors WHERE item_id = ? AND kind = ?", [art.item_id, PREFS])
            for kind, vec in art.vectors.items():
                v = np.asarray(vec, dtype=np.float32)
                if v.size == 0:
                    continue  # an item with no preference has no row of that kind
                db.execute(
                    "INSERT OR REPLACE INTO vectors (user_id, item_id, kind, model_id, dim, "
                    "vector) VALUES (?, ?, ?, ?, ?, ?)",
                    [user_id, art.item_id, kind, model_id, int(v.shape[-1]), v.tobytes()],
                )
            path = art.path or WrittenPath("", NO_PATH)
            db.execute(
                "INSERT OR REPLACE INTO paths (item_id, user_id, reasoning, generator, fallback, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [art.item_id, user_id, path.text, path.generator, _fallback(path), now],
            )
            db.execute(
                "INSERT OR REPLACE INTO item_state (item_id, user_id, extractor, built_at) "
                "VALUES (?, ?, ?, ?)",
                [art.item_id, user_id, extractor, now],
            )

    @staticmethod
    def _insert_features(
        db: Database, user_id: str, item_id: int, extractor: str, features: Sequence[Feature]
    ) -> None:
        host = [f.name for f in features if f.origin == "host"]
        if host:
            db.execute(
                f"DELETE FROM features WHERE item_id = ? AND origin = 'host' AND name IN "
                f"({','.join('?' * len(host))})",
                [item_id, *host],
            )
        db.conn.executemany(
            "INSERT INTO features (user_id, item_id, extractor, name, context, kind, "
            "weight, polarity, factor_id, origin, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (user_id, item_id, extractor, f.name, f.context, f.kind, f.weight,
                 f.polarity, f.factor_id, f.origin,
                 json.dumps(dict(f.detail), ensure_ascii=False) if f.detail else None)
                for f in features
            ],
        )

    def set_feature_factors(
        self, user_id: str, assignment: dict[str, str | None], *, generation: int | None = None
    ) -> None:
        """Link feature names to factor ids after factor construction."""
        with self.write() as db:
            self._still_there(db, user_id, generation)
            # Each row is read once and only the changed ones are written, by id: an
            # UPDATE per name scanned all the user's features (no index on names), which
            # for a chat export's hundreds of preferences was most of the user stage.
            rows = db.execute(
                "SELECT id, name, factor_id FROM features WHERE user_id = ?", [user_id]
            ).fetchall()
            db.conn.executemany(
                "UPDATE features SET factor_id = ? WHERE id = ?",
                [(assignment.get(name), row_id) for row_id, name, old in rows
                 if assignment.get(name) != old],
            )
            # The features' factors are part of every process's cached index.
            self._bump(db, user_id)

    def update_paths(
        self, user_id: str, paths: dict[int, WrittenPath], *, generation: int | None = None,
    ) -> None:
        """Each path with the generator that wrote it (and why another stood in)."""
        with self.write() as db:
            self._still_there(db, user_id, generation)
            now = utcnow()
            db.conn.executemany(
                "UPDATE paths SET reasoning = ?, generator = ?, fallback = ?, created_at = ? "
                "WHERE item_id = ? AND user_id = ?",
                [(p.text, p.generator, _fallback(p), now, iid, user_id) for iid, p in paths.items()],
            )
            self._bump(db, user_id)  # any cache of the user's answers must reload

    def get_features(
        self, user_id: str, item_ids: Sequence[int] | None = None
    ) -> dict[int, list[Feature]]:
        sql = (
            "SELECT item_id, name, context, kind, weight, polarity, factor_id, origin, detail "
            "FROM features WHERE user_id = ?"
        )
        params: list[Any] = [user_id]
        if item_ids is not None:
            if not item_ids:
                return {}
            sql += f" AND item_id IN ({','.join('?' * len(item_ids))})"
            params.extend(item_ids)
        out: dict[int, list[Feature]] = {}
        with self.read() as db:
            for r in db.execute(sql + " ORDER BY item_id, id", params):
                out.setdefault(int(r[0]), []).append(
                    Feature(
                        name=r[1], context=r[2], kind=r[3], weight=r[4], polarity=r[5],
                        factor_id=r[6], origin=r[7], detail=_detail(r[8]),
                    )
                )
        return out

    def get_vectors(self, user_id: str, kind: str, model_id: str) -> tuple[list[int], Vector]:
        """All vectors of one kind for the user, as (item ids, matrix)."""
        with self.read() as db:
            rows = db.execute(
                "SELECT item_id, dim, vector FROM vectors WHERE user_id = ? AND kind = ? "
                "AND model_id = ? ORDER BY item_id",
                [user_id, kind, model_id],
            ).fetchall()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        dim = int(rows[0][1])
        mat = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), dim)
        return [int(r[0]) for r in rows], mat

    def get_pref_vectors(self, user_id: str, model_id: str) -> dict[int, Vector]:
        """Each item's preference vectors (one row per preference feature, by its ``row``)."""
        with self.read() as db:
            rows = db.execute(
                "SELECT item_id, dim, vector FROM vectors WHERE user_id = ? AND kind = ? "
                "AND model_id = ? ORDER BY item_id",
                [user_id, PREFS, model_id],
            ).fetchall()
        return {
            int(r[0]): np.frombuffer(r[2], dtype=np.float32).reshape(-1, int(r[1])) for r in rows
        }

    def get_paths(self, user_id: str, item_ids: Sequence[int]) -> dict[int, str]:
        if not item_ids:
            return {}
        marks = ",".join("?" * len(item_ids))
        with self.read() as db:
            rows = db.execute(
                f"SELECT item_id, reasoning FROM paths WHERE user_id = ? AND item_id IN ({marks})",
                [user_id, *item_ids],
            ).fetchall()
        return {int(r[0]): r[1] for r in rows}

    def host_feature_names(self, user_id: str) -> set[str]:
        """Names of the features the host model wrote (record_feedback reasons)."""
        with self.read() as db:
            rows = db.execute(
                "SELECT DISTINCT name FROM features WHERE user_id = ? AND origin = 'host'", [user_id]
            ).fetchall()
        return {r[0] for r in rows}
