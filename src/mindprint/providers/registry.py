"""Providers register themselves under a name; settings pick one.

Selection: an explicit ``MINDPRINT_PROVIDER``, else the first configured key
(Anthropic, then OpenAI / an OpenAI-compatible base URL), else offline (no LLM).
"""

from __future__ import annotations

from collections.abc import Callable

from mindprint.engine.llm.interface import LLM, TokenCaps
from mindprint.errors import ConfigError
from mindprint.providers.base import Sink
from mindprint.settings import ProviderSettings

Factory = Callable[[ProviderSettings, Sink | None], LLM]
PROVIDERS: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    def deco(fn: Factory) -> Factory:
        PROVIDERS[name] = fn
        return fn

    return deco


@register("anthropic")
def _anthropic(s: ProviderSettings, sink: Sink | None) -> LLM:
    from mindprint.providers.anthropic_provider import AnthropicProvider

    if s.anthropic_api_key is None:
        raise ConfigError("The anthropic provider needs a key: set ANTHROPIC_API_KEY.")
    return AnthropicProvider(
        s.anthropic_api_key.get_secret_value(), s.anthropic_model, base_url=s.anthropic_base_url,
        timeout=s.llm_timeout_s, max_retries=s.llm_max_retries, concurrency=s.llm_concurrency,
        seed=s.llm_seed, sink=sink, caps=token_caps(s),
    )


@register("openai")
def _openai(s: ProviderSettings, sink: Sink | None) -> LLM:
    if s.openai_api_key is None and s.openai_base_url is None:
        raise ConfigError(
            "The openai provider needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server "
            "such as Ollama, vLLM or LM Studio)."
        )
    return _openai_compatible(s, s.openai_model, s.openai_base_url, sink)


def _openai_compatible(
    s: ProviderSettings, model: str, base_url: str | None, sink: Sink | None
) -> LLM:
    from mindprint.providers.openai_provider import OpenAIProvider

    # Local servers (Ollama, vLLM, LM Studio) accept any key; the SDK insists on one.
    key = s.openai_api_key.get_secret_value() if s.openai_api_key else "not-needed"
    return OpenAIProvider(
        key, model, base_url=base_url, timeout=s.llm_timeout_s, max_retries=s.llm_max_retries,
        concurrency=s.llm_concurrency, seed=s.llm_seed, sink=sink, caps=token_caps(s),
    )


def token_caps(s: ProviderSettings) -> TokenCaps:
    """The per-stage ``max_tokens`` the settings name (MINDPRINT_MAX_TOKENS_<STAGE>)."""
    return TokenCaps(
        features=s.max_tokens_features, query_features=s.max_tokens_query_features,
        factors=s.max_tokens_factors, paths=s.max_tokens_paths,
        preferences=s.max_tokens_preferences, answer=s.max_tokens_answer,
        rewrite=s.max_tokens_rewrite, repair=s.max_tokens_repair,
    )


def resolve_provider_name(s: ProviderSettings) -> str:
    if s.provider != "auto":
        return s.provider
    if s.anthropic_api_key is not None:
        return "anthropic"
    if s.openai_api_key is not None or s.openai_base_url is not None:
        return "openai"
    return "offline"


def create_rewrite_provider(s: ProviderSettings, sink: Sink | None = None) -> LLM | None:
    """A separate model for the reflection (rewrite) step, at MINDPRINT_REWRITE_BASE_URL
    (any OpenAI-compatible server), or None to use the main provider."""
    if s.rewrite_base_url is None:
        return None
    return _openai_compatible(s, s.rewrite_model or s.openai_model, s.rewrite_base_url, sink)


def create_provider(s: ProviderSettings, sink: Sink | None = None) -> LLM | None:
    """The configured LLM, or None for offline. ``sampling`` is created per request by the server."""
    name = resolve_provider_name(s)
    if name in ("offline", "sampling"):
        return None
    factory = PROVIDERS.get(name)
    if factory is None:
        raise ConfigError(
            f"Unknown provider {name!r}: set MINDPRINT_PROVIDER to one of "
            f"offline, sampling, {', '.join(sorted(PROVIDERS))}."
        )
    return factory(s, sink)
