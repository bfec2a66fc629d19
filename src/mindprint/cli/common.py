"""What the commands share: the app, the consoles, JSON output, a build under a progress
bar (how to write this program's name in a printed command: :mod:`mindprint.locations`).

Nothing heavy is imported here: ``mindprint serve`` loads this module too, and pays for
Rich, the app (numpy, SQLite, the embedder) or the importers only when a command uses them.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

from mindprint.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console

    from mindprint.app import BuildReport, Mindprint


@cache
def out() -> Console:
    from rich.console import Console

    return Console()


@cache
def err() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def open_app(provider: str | None = None) -> Mindprint:
    """The app as the settings say; ``provider`` overrides MINDPRINT_PROVIDER."""
    from mindprint.app import Mindprint
    from mindprint.settings import ProviderSettings

    if provider and provider not in ("offline", "anthropic", "openai"):
        raise ConfigError(f"Unknown provider {provider!r}: use offline, anthropic or openai.")
    ps = ProviderSettings(provider=provider) if provider else None  # type: ignore[arg-type]
    return Mindprint.from_settings(provider_settings=ps)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def build_with_progress(m: Mindprint, uid: str) -> BuildReport:
    """Build (or resume) the user's model under a progress bar on stderr."""
    from mindprint.cli import render

    total = m.admin.history_size(uid)
    return render.with_progress(
        err(), f"Building {uid}", total,
        lambda step: m.build(uid, progress=lambda done, _total: step(done, absolute=True)),
    )
