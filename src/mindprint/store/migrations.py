"""The schema, as named migrations. Never edit an applied migration: add a new one."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("mindprint")


# The first schema, kept byte for byte as it was applied (later migrations change it).
_INITIAL_SCHEMA = """
        CREATE TABLE users (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id),
            input TEXT NOT NULL,
            response TEXT NOT NULL,
            label TEXT,
            score REAL,
            source TEXT NOT NULL,
            created_at TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            meta TEXT
        );
        CREATE UNIQUE INDEX items_user_hash ON items(user_id, content_hash);
        CREATE INDEX items_user_created ON items(user_id, created_at, id);

        CREATE TABLE features (
            id INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            extractor TEXT NOT NULL,
            name TEXT NOT NULL,
            context TEXT NOT NULL,
            kind TEXT NOT NULL,
            weight REAL NOT NULL,
            polarity REAL NOT NULL DEFAULT 0,
            factor_id TEXT
        );
        CREATE INDEX features_user_item ON features(user_id, item_id);

        CREATE TABLE vectors (
            user_id TEXT NOT NULL,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            model_id TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (item_id, kind, model_id)
        );
        CREATE INDEX vectors_user_kind ON vectors(user_id, kind, model_id);

        CREATE TABLE factors (
            user_id TEXT NOT NULL,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT NOT NULL,
            members TEXT NOT NULL,
            stats TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (user_id, id)
        );

        CREATE TABLE user_models (
            user_id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            built_at TEXT NOT NULL,
            extractor TEXT NOT NULL,
            item_count INTEGER NOT NULL,
            summary TEXT NOT NULL,
            corpus TEXT
        );

        CREATE TABLE paths (
            item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            reasoning TEXT NOT NULL,
            generator TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX paths_user ON paths(user_id);

        -- One row per item whose item-level stage is done, for which extractor:
        -- the resumption point of a build killed midway.
        CREATE TABLE item_state (
            item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            extractor TEXT NOT NULL,
            built_at TEXT NOT NULL
        );
        CREATE INDEX item_state_user ON item_state(user_id, extractor);

        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL,
            item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,
            query TEXT NOT NULL,
            response TEXT NOT NULL,
            edited_response TEXT,
            rating INTEGER,
            comment TEXT,
            rewrite_id INTEGER,
            created_at TEXT NOT NULL
        );
        CREATE INDEX feedback_user ON feedback(user_id, id);

        CREATE TABLE rewrites (
            id INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL,
            query TEXT,
            draft TEXT NOT NULL,
            rewritten TEXT NOT NULL,
            trajectory TEXT NOT NULL,
            generator TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX rewrites_user ON rewrites(user_id, id);

        CREATE TABLE llm_calls (
            id INTEGER PRIMARY KEY,
            user_id TEXT,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            purpose TEXT NOT NULL,
            input_tokens INTEGER,
            output_tokens INTEGER,
            latency_ms REAL NOT NULL,
            ok INTEGER NOT NULL,
            error TEXT,
            items INTEGER NOT NULL DEFAULT 0,
            prompt_hash TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX llm_calls_user ON llm_calls(user_id, purpose);
        """


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    db.executescript(_INITIAL_SCHEMA)


@migrations(name="0002_user_generations")
def _user_generations(db: Database) -> None:
    """One database-wide counter that only grows, for ``users.revision`` and the new
    ``users.generation``.

    Forgetting a user deletes its row; if the id is re-created, a per-user count would
    start again at 0 and repeat values that another process still holds as a cache key
    or as the identity of a build in progress (issue 19).
    """
    # One statement at a time: executescript would commit the migration's transaction.
    db.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    db.execute(
        "INSERT INTO counters (name, value) SELECT 'revision', COALESCE(MAX(revision), 0) "
        "FROM users"
    )
    db.execute("ALTER TABLE users ADD COLUMN generation INTEGER NOT NULL DEFAULT 0")


@migrations(name="0003_finite_scores")
def _finite_scores(db: Database) -> None:
    """Clear scores of +-infinity that older versions accepted at import (``"inf"``,
    ``1e400``): every retrieval of such a user failed. SQLite already stores NaN as NULL;
    the literal 9e999 is SQLite's infinity."""
    db.execute("UPDATE items SET score = NULL WHERE abs(score) >= 9e999")


@migrations(name="0010_feature_origin")
def _feature_origin(db: Database) -> None:
    # Who wrote each feature: offline extractor, configured LLM, or the host model
    # (record_feedback reasons). Features written so far came from the extractor.
    # Plain statements, not executescript (which commits): the caller holds the write
    # lock for all pending migrations.
    db.execute("ALTER TABLE features ADD COLUMN origin TEXT NOT NULL DEFAULT 'offline'")
    db.execute(
        "UPDATE features SET origin = 'llm' "
        "WHERE extractor LIKE 'llm:%' AND kind = 'content' AND name NOT LIKE '% tone'"
    )


@migrations(name="0020_user_controls")
def _user_controls(db: Database) -> None:
    """The dashboard's controls: the overlay in force per factor (pinned, vetoed, the
    user's own name and description) and the log of every change, with what undo
    restores (``before``: the previous overlay, or a deleted item's row)."""
    db.execute(
        "CREATE TABLE factor_controls (user_id TEXT NOT NULL, factor_id TEXT NOT NULL, "
        "pinned INTEGER NOT NULL DEFAULT 0, vetoed INTEGER NOT NULL DEFAULT 0, name TEXT, "
        "description TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (user_id, factor_id))"
    )
    db.execute(
        "CREATE TABLE control_log (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, "
        "action TEXT NOT NULL, target TEXT NOT NULL, label TEXT NOT NULL, before TEXT, "
        "after TEXT, created_at TEXT NOT NULL, undone_at TEXT)"
    )
    db.execute("CREATE INDEX control_log_user ON control_log(user_id, id)")


@migrations(name="0030_path_fallback")
def _path_fallback(db: Database) -> None:
    """Why a path's generator stood in for another (``{"from", "reason"}`` JSON): the
    template writing an item's path after the LLM's answer for it was unusable. Older
    rows named the LLM writer whoever wrote them; the next build rewrites them."""
    db.execute("ALTER TABLE paths ADD COLUMN fallback TEXT")


@migrations(name="0050_feature_detail")
def _feature_detail(db: Database) -> None:
    """Named attributes of a preference feature (stance, firmness, domain, the row of its
    vector, ...) as a JSON object; NULL for every other kind of feature."""
    db.execute("ALTER TABLE features ADD COLUMN detail TEXT")


@migrations(name="0060_feedback_identity")
def _feedback_identity(db: Database) -> None:
    """What makes a repeated record_feedback call the same event (issue 26): the
    caller's idempotency key, and a fingerprint of the call's content for repeats
    without one. Rows written so far have neither and are never taken as repeated."""
    db.execute("ALTER TABLE feedback ADD COLUMN idempotency_key TEXT")
    db.execute("ALTER TABLE feedback ADD COLUMN fingerprint TEXT")
    db.execute("CREATE INDEX feedback_key ON feedback(user_id, idempotency_key)")
    db.execute("CREATE INDEX feedback_fingerprint ON feedback(user_id, fingerprint)")


@migrations(name="0070_backtests")
def _backtests(db: Database) -> None:
    """The last backtest measured for each user ("how well mindprint knows you"), with the
    revision of the data and the basis (code and models) it was measured on: every
    process serves it at once instead of measuring again (issue 26)."""
    db.execute(
        "CREATE TABLE backtests (user_id TEXT PRIMARY KEY REFERENCES users(id), "
        "revision INTEGER NOT NULL, basis TEXT NOT NULL, body TEXT NOT NULL, "
        "measured_at TEXT NOT NULL)"
    )
