"""The one exception hierarchy of mindprint.

Every message is written for the person who has to fix the problem: it says what
went wrong and what to do about it (which command to run, which setting to change).
"""

from __future__ import annotations


class MindprintError(Exception):
    """Base class: anything mindprint raises on purpose."""


class ConfigError(MindprintError):
    """A setting is missing or invalid (names the MINDPRINT_* variable to set)."""


class InvalidInputError(MindprintError):
    """A caller passed input that is empty, too large or of the wrong shape."""


class UnknownUserError(InvalidInputError):
    """The user id has no stored history."""

    def __init__(self, user_id: str, database: str | None = None) -> None:
        where = f" in the database {database}" if database else ""
        super().__init__(
            f"Unknown user {user_id!r}: nothing is stored for this user{where}. "
            "Import history with `mindprint import FILE --user "
            f"{user_id}` or record feedback for them first; `mindprint users` lists known users. "
            "A client or shell with other MINDPRINT_HOME or MINDPRINT_DB settings uses "
            "another database: `mindprint where` shows which."
        )
        self.user_id = user_id


class ImportFormatError(InvalidInputError):
    """An import file is malformed; nothing was written."""


class ModelError(MindprintError):
    """The embedding model is missing, corrupt or failed to load."""


class ModelNotInstalledError(ModelError):
    """The embedding model files are not on disk."""


class ModelIntegrityError(ModelError):
    """A model file does not match its pinned sha256."""


class ProviderError(MindprintError):
    """An LLM provider failed (auth, network, rate limit, invalid answers)."""


class ProviderUnavailable(ProviderError):
    """The provider cannot serve any call as configured (rejected key, unreachable server,
    unknown model): a build stops instead of falling back item by item."""


class InvalidAnswer(ProviderError):
    """An LLM's answer stayed invalid (not the JSON asked for) after one corrective retry."""


class StoreError(MindprintError):
    """The database could not be opened or written."""


class UserChangedError(StoreError):
    """The user was forgotten (perhaps re-created) while a build was writing its model."""

    def __init__(self, user_id: str, database: str | None = None) -> None:
        where = f" (database {database})" if database else ""
        super().__init__(
            f"User {user_id!r} was forgotten while its model was being built{where}, so the build "
            "stopped and kept nothing of the forgotten history. If the user has history "
            f"again, run `mindprint build --user {user_id}`."
        )
        self.user_id = user_id
