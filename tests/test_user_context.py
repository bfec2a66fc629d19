"""The user a call works for is set and reset in one place (issue 18): after a call,
nothing is left attributed to that user on the thread."""

from __future__ import annotations

from pathlib import Path

from mindprint.app import Mindprint
from mindprint.embed import FakeEmbedder
from mindprint.engine.llm.interface import acting_for, current_user
from mindprint.store import NewItem, Store


def test_acting_for_restores_the_previous_user() -> None:
    assert current_user.get() is None
    with acting_for("a"):
        with acting_for("b"):
            assert current_user.get() == "b"
        assert current_user.get() == "a"
    assert current_user.get() is None


def test_use_cases_leave_no_user_behind(tmp_path: Path) -> None:
    m = Mindprint(Store.open(tmp_path / "t.db"), FakeEmbedder())
    m.add_items("u", [NewItem(input=f"q{i}", response=f"fine {i}/5", score=float(i % 5 + 1))
                      for i in range(6)])
    m.build("u")
    m.retrieve("u", "q1")
    m.rewrite("u", "It is a good product. I am satisfied with it.")
    m.record_feedback("u", "q9", "meh", rating=2)
    assert current_user.get() is None  # set and never reset before
    m.close()
