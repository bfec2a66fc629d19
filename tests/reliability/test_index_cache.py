"""The per-process retrieval index across processes (issue 13, speed).

Each process keeps the user's index (vectors, features, factors, corpus statistics) and
reloads it when the store's revision of the user moves. A build whose item stage was
already done writes only the user model (factors, their assignment to features, paths);
another process that cached the index before must see that too, and answer exactly as
a process that never cached anything.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.services.retrieval import RetrievalResult
from mindprint.store import Store
from tests.chats import CHAT_USER, chat_history
from tests.reliability.cli import run_cli
from tests.server.support import REPO, USER

QUERY = "Review request: Ridgeback Flow 5 trail shoe — 250 g, 6 mm drop, $150. It broke fast."

# A child process: the demo history imported and its items processed, then the build
# stops before the user stage (as a crash or a kill would leave it).
ITEMS_ONLY = f"""
import sys
from pathlib import Path
from mindprint.app import Mindprint
from mindprint.importers import read_file
app = Mindprint.from_settings()
app.add_items({USER!r}, read_file(Path(sys.argv[1]))[0])
def stop(*args, **kwargs):
    raise RuntimeError("stopped before the user stage")
app.pipeline.build_user = stop
try:
    app.build({USER!r})
except RuntimeError:
    pass
app.close()
"""


def _answer(r: RetrievalResult) -> tuple[object, ...]:
    return (
        [(h.item.id, h.score, h.features, h.path, h.shared_factors) for h in r.hits],
        r.query_features,
        r.prediction,
        r.factor_names,
    )


def test_a_build_in_another_process_reaches_a_cached_index(
    tmp_path: Path, real_embedder: FastEmbedEmbedder
) -> None:
    db = tmp_path / "shared.db"
    env = {
        "MINDPRINT_HOME": str(tmp_path / "home"),
        "MINDPRINT_DB": str(db),
        "MINDPRINT_USER": USER,
        "MINDPRINT_MODEL_DIR": str(real_embedder.model_dir),
        "HF_HUB_OFFLINE": "1",
        "MINDPRINT_AUTO_INSTALL_MODEL": "0",
    }
    demo = str(REPO / "examples" / "demo_history.jsonl")
    child = subprocess.run(
        [sys.executable, "-c", ITEMS_ONLY, demo], env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )
    assert child.returncode == 0, child.stderr[-3000:]

    cached = Mindprint(Store.open(db), real_embedder, default_user=USER)
    try:
        before = cached.retrieve(USER, QUERY, 3)
        assert before.hits and not before.factor_names  # items, no user model yet

        built = run_cli(env, "build", "--user", USER, timeout=300)
        assert built.returncode == 0, built.stderr[-3000:]

        after = cached.retrieve(USER, QUERY, 3)
        fresh = Mindprint(Store.open(db), real_embedder, default_user=USER)
        try:
            expected = fresh.retrieve(USER, QUERY, 3)
        finally:
            fresh.close()
        assert expected.factor_names and any(h.shared_factors for h in expected.hits)
        assert _answer(after) == _answer(expected)
    finally:
        cached.close()


# A child process: a preference said in a conversation, recorded through record_feedback.
RECORD = """
import sys
from mindprint.app import Mindprint
app = Mindprint.from_settings()
app.record_feedback(sys.argv[1], sys.argv[2], "Noted, no peanuts.")
app.close()
"""
PEANUTS = "I'm allergic to peanuts, so never suggest anything with them."
SNACK = "Can you suggest a peanut butter snack for my hike?"


def _preferences(r: RetrievalResult) -> list[tuple[str, float, str]]:
    return [(a.factor.id, a.score, a.because) for a in r.preferences]


def test_a_preference_recorded_by_another_process_reaches_cached_preferences(
    tmp_path: Path, real_embedder: FastEmbedEmbedder
) -> None:
    """The standing preferences are cached with the index (read only when first asked
    for): a process that cached both, and one that cached the index alone, must serve a
    preference another process recorded since, exactly as a fresh process does."""
    db = tmp_path / "chats.db"
    chat_history(db, real_embedder)
    env = {
        "MINDPRINT_HOME": str(tmp_path / "home"), "MINDPRINT_DB": str(db),
        "MINDPRINT_MODEL_DIR": str(real_embedder.model_dir), "HF_HUB_OFFLINE": "1",
        "MINDPRINT_AUTO_INSTALL_MODEL": "0",
    }
    both = Mindprint(Store.open(db), real_embedder, default_user=CHAT_USER)
    index_only = Mindprint(Store.open(db), real_embedder, default_user=CHAT_USER)
    try:
        before = both.retrieve(CHAT_USER, SNACK, 3)
        index_only.retrieval.index.get(CHAT_USER)  # the index alone, as a build reads it
        assert PEANUTS not in {a.factor.stats.get("quote") for a in before.preferences}
        child = subprocess.run(
            [sys.executable, "-c", RECORD, CHAT_USER, PEANUTS], env=env, capture_output=True,
            text=True, timeout=300, check=False,
        )
        assert child.returncode == 0, child.stderr[-3000:]
        after = both.retrieve(CHAT_USER, SNACK, 3)
        late = index_only.retrieve(CHAT_USER, SNACK, 3)
        fresh = Mindprint(Store.open(db), real_embedder, default_user=CHAT_USER)
        try:
            expected = fresh.retrieve(CHAT_USER, SNACK, 3)
            listed = [f.id for f in fresh.models.preferences(CHAT_USER)]
        finally:
            fresh.close()
        assert PEANUTS in {a.factor.stats.get("quote") for a in expected.preferences}
        assert _preferences(after) == _preferences(late) == _preferences(expected)
        assert _answer(after) == _answer(late) == _answer(expected)
        assert [f.id for f in index_only.models.preferences(CHAT_USER)] == listed
    finally:
        both.close()
        index_only.close()
