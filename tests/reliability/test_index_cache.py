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
