"""Settings, one class per concern, all read from ``MINDPRINT_*`` environment variables.

An empty variable counts as unset: MCP Bundle hosts pass optional fields the user
left blank as ``""``, which must not mean "the current directory" or "a key is set".

Only the composition root (:mod:`mindprint.app`) and the CLI entry points build these;
every other module receives plain values or objects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ProviderName = Literal["auto", "offline", "anthropic", "openai", "sampling"]


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("mindprint", appauthor=False))


class StoreSettings(BaseSettings):
    """Where data lives."""

    model_config = SettingsConfigDict(env_prefix="MINDPRINT_", extra="ignore", env_ignore_empty=True)

    home: Path = Field(default_factory=default_home, description="Data directory.")
    db: Path | None = Field(default=None, description="Database file (default HOME/mindprint.db).")
    user: str = Field(default="default", description="User id used when a call names none.")
    busy_timeout_ms: int = Field(default=10_000, ge=0)
    undo_hours: float = Field(
        default=24.0, ge=0, le=24 * 365,
        description="How long a deleted item's text is kept so the deletion can be undone; then it is scrubbed from the database file.",
    )

    team: bool = Field(
        default=False,
        description="The database's profiles are one team's: a person's predictions may depart from a model fitted on the others' answers (chosen when it reads their own history best; never shown item by item).",
    )

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else self.home / "mindprint.db"

    @property
    def open_options(self) -> dict[str, Any]:
        """How ``Store.open`` opens the database at :attr:`db_path`."""
        return {"busy_timeout_ms": self.busy_timeout_ms, "undo_hours": self.undo_hours}


class EmbeddingSettings(BaseSettings):
    """The embedding model."""

    model_config = SettingsConfigDict(env_prefix="MINDPRINT_", extra="ignore", env_ignore_empty=True)

    home: Path = Field(default_factory=default_home)
    model_dir: Path | None = Field(default=None, description="Model folder (default HOME/models/all-MiniLM-L6-v2).")
    embed_batch_size: int = Field(default=32, ge=1, le=256)
    embed_threads: int | None = Field(default=None, ge=1)
    embed_spin: bool | None = Field(
        default=None,
        description="Let the model's threads busy-wait between operators (default: when the load average is below the core count).",
    )

    @property
    def resolved_model_dir(self) -> Path:
        if self.model_dir is not None:
            return self.model_dir
        return self.home / "models" / "all-MiniLM-L6-v2"


class ProviderSettings(BaseSettings):
    """Which LLM, if any, deepens each stage."""

    model_config = SettingsConfigDict(env_prefix="MINDPRINT_", extra="ignore", env_ignore_empty=True)

    provider: ProviderName = "auto"
    anthropic_api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("ANTHROPIC_API_KEY", "MINDPRINT_ANTHROPIC_API_KEY"))
    anthropic_model: str = "claude-haiku-4-5"
    anthropic_base_url: str | None = Field(default=None, validation_alias=AliasChoices("ANTHROPIC_BASE_URL", "MINDPRINT_ANTHROPIC_BASE_URL"))
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "MINDPRINT_OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "MINDPRINT_OPENAI_BASE_URL"))
    openai_model: str = "gpt-4o-mini"
    rewrite_base_url: str | None = Field(default=None, description="Separate OpenAI-compatible URL for the rewrite step.")
    rewrite_model: str | None = None
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=3, ge=0, le=10)
    llm_concurrency: int = Field(default=4, ge=1, le=64)
    llm_seed: int | None = Field(default=0, description="Sent with temperature 0 where the API takes a seed.")
    rewrite_temperature: float = Field(default=0.3, ge=0.0, le=1.0, description="The rewrite's sampling temperature.")
    # The max_tokens each stage sends (MINDPRINT_MAX_TOKENS_<STAGE>); an answer cut at its
    # cap is treated as malformed: retried once, then the stage's offline fallback. The
    # defaults are engine.llm.TokenCaps' (settings may not import the engine; a test
    # keeps them equal).
    max_tokens_features: int = Field(default=1536, ge=64, le=65_536, description="Features of 8 history items.")
    max_tokens_query_features: int = Field(default=512, ge=64, le=65_536, description="Features of a query.")
    max_tokens_factors: int = Field(default=2048, ge=64, le=65_536, description="The factor table.")
    max_tokens_paths: int = Field(default=2048, ge=64, le=65_536, description="Reasoning paths of 8 items.")
    max_tokens_preferences: int = Field(default=2048, ge=64, le=65_536, description="Preferences of 8 conversation items.")
    max_tokens_answer: int = Field(default=1024, ge=64, le=65_536, description="The answer step.")
    max_tokens_rewrite: int = Field(default=4096, ge=64, le=65_536, description="The rewrite trajectory.")
    max_tokens_repair: int = Field(default=4096, ge=64, le=65_536, description="The rewrite's repair round.")


class LimitSettings(BaseSettings):
    """Input limits: anything larger is refused with a clear error and changes nothing."""

    model_config = SettingsConfigDict(env_prefix="MINDPRINT_", extra="ignore", env_ignore_empty=True)

    max_text_chars: int = Field(default=20_000, ge=100, description="Largest query, draft or response.")
    max_k: int = Field(default=20, ge=1, le=200, description="Most items one retrieval returns.")
    max_page: int = Field(default=200, ge=1, le=10_000, description="Most rows one list read returns.")
    max_user_id_chars: int = Field(default=128, ge=8, le=1024)


class ServerSettings(BaseSettings):
    """The MCP server's transport and authentication."""

    model_config = SettingsConfigDict(env_prefix="MINDPRINT_", extra="ignore", env_ignore_empty=True)

    home: Path = Field(default_factory=default_home)
    transport: Literal["stdio", "http"] = "stdio"
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=1, le=65535)
    tokens_file: Path | None = Field(default=None, description="JSON file mapping bearer tokens to user ids.")
    sessions_per_token: int = Field(
        default=64, ge=1, le=10_000,
        description="Open HTTP sessions one bearer token may hold (one tenant cannot take them all).",
    )
    auto_install_model: bool = Field(
        default=True, description="Install a missing embedding model in the background on serve."
    )
    log_level: str = "WARNING"

    @property
    def default_tokens_file(self) -> Path:
        """MINDPRINT_TOKENS_FILE, else HOME/tokens.json: where `mindprint token new`
        writes and what `serve --transport http` reads unless told otherwise."""
        return self.tokens_file if self.tokens_file is not None else self.home / "tokens.json"
