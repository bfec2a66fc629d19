"""LLM providers: Anthropic, OpenAI-compatible, and the registry that picks one."""

from mindprint.providers.base import CallRecord, ProviderBase
from mindprint.providers.registry import (
    PROVIDERS,
    create_provider,
    create_rewrite_provider,
    register,
    resolve_provider_name,
)

__all__ = [
    "PROVIDERS",
    "CallRecord",
    "ProviderBase",
    "create_provider",
    "create_rewrite_provider",
    "register",
    "resolve_provider_name",
]
