"""Anthropic's Messages API through the official SDK."""

from __future__ import annotations

import anthropic

from mindprint.engine.llm import Completion
from mindprint.errors import ProviderError
from mindprint.providers.base import ProviderBase


class AnthropicProvider(ProviderBase):
    provider = "anthropic"
    client: anthropic.Anthropic

    def _client(
        self, api_key: str, base_url: str | None, timeout: float, max_retries: int
    ) -> anthropic.Anthropic:
        return anthropic.Anthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    def _call(self, system: str, prompt: str, max_tokens: int) -> Completion:
        try:
            msg = self.client.messages.create(
                model=self.model,
                max_tokens=max_tokens,
                system=system,
                messages=[{"role": "user", "content": prompt}],
            )
        except anthropic.AuthenticationError as e:
            raise ProviderError(
                "Anthropic rejected the API key: check ANTHROPIC_API_KEY."
            ) from e
        except anthropic.APITimeoutError as e:
            raise ProviderError(
                "Anthropic did not answer in time: raise MINDPRINT_LLM_TIMEOUT_S or retry later."
            ) from e
        except anthropic.APIError as e:
            raise ProviderError(f"Anthropic API error: {e}") from e
        text = "".join(getattr(b, "text", "") for b in msg.content)
        return Completion(
            text=text, model=msg.model, input_tokens=msg.usage.input_tokens,
            output_tokens=msg.usage.output_tokens,
        )
