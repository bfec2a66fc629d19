"""Anthropic's Messages API through the official SDK."""

from __future__ import annotations

import anthropic

from mindprint.engine.llm.interface import Completion
from mindprint.errors import ProviderError, ProviderUnavailable
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

    def _call(self, system: str, prompt: str, max_tokens: int, temperature: float) -> Completion:
        try:
            # No temperature or seed: the Messages API (version 2026-10-21, which SDK 2.x
            # sends) refuses every sampling parameter, and the SDK no longer takes them, so
            # the model's own setting applies and Anthropic builds are not bit-reproducible.
            msg = self.client.messages.create(
                model=self.model,
                max_tokens=max_tokens,
                system=system,
                messages=[{"role": "user", "content": prompt}],
            )
        except anthropic.AuthenticationError as e:
            raise ProviderUnavailable(
                "Anthropic rejected the API key: check ANTHROPIC_API_KEY."
            ) from e
        except anthropic.NotFoundError as e:
            raise ProviderUnavailable(
                f"Anthropic does not know the model {self.model!r}: check MINDPRINT_ANTHROPIC_MODEL."
            ) from e
        except anthropic.APITimeoutError as e:  # before its parent, APIConnectionError
            raise ProviderError(
                "Anthropic did not answer in time: raise MINDPRINT_LLM_TIMEOUT_S or retry later."
            ) from e
        except anthropic.APIConnectionError as e:
            raise ProviderUnavailable(
                f"Cannot reach {self.base_url or 'the Anthropic API'}: check the network "
                "(or ANTHROPIC_BASE_URL)."
            ) from e
        except anthropic.APIError as e:
            raise ProviderError(f"Anthropic API error: {e}") from e
        text = "".join(getattr(b, "text", "") for b in msg.content)
        return Completion(
            text=text, model=msg.model, input_tokens=msg.usage.input_tokens,
            output_tokens=msg.usage.output_tokens,
            truncated=msg.stop_reason in ("max_tokens", "model_context_window_exceeded"),
        )
