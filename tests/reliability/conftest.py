"""The server fixtures of tests/server, for the reliability and security tests.

Imported, not copied: the same built user, the same per-test database copy, the same
environment for spawned `mindprint serve` processes.
"""

from __future__ import annotations

from tests.server.conftest import (  # noqa: F401 (fixtures)
    anyio_backend,
    app_factory,
    built_template,
    child_env,
    db_path,
    server,
)
