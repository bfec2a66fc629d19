"""OpenAI's Chat Completions API, and anything that speaks it (Ollama, vLLM, LM Studio,
llama.cpp's server) through ``OPENAI_BASE_URL``."""

from __future__ import annotations

import openai

from mindprint.engine.llm.interface import Completion
from mindprint.errors import ProviderError, ProviderUnavailable
from mindprint.providers.base import ProviderBase


class OpenAIProvider(ProviderBase):
    provider = "openai"
    client: openai.OpenAI

    def _client(
        self, api_key: str, base_url: str | None, timeout: float, max_retries: int
    ) -> openai.OpenAI:
        return openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    def _call(self, system: str, prompt: str, max_tokens: int, temperature: float) -> Completion:
        try:
            resp = self.client.chat.completions.create(
                model=self.model,
                max_tokens=max_tokens,
                temperature=temperature,
                seed=self.seed if self.seed is not None else openai.omit,
                messages=[
                    {"role": "system", "content": system},
                    {"role": "user", "content": prompt},
                ],
            )
        except openai.AuthenticationError as e:
            raise ProviderUnavailable("The OpenAI-compatible server rejected the key: check OPENAI_API_KEY.") from e
        except openai.APITimeoutError as e:
            raise ProviderError(
                f"{self.base_url or 'OpenAI'} did not answer in time: raise MINDPRINT_LLM_TIMEOUT_S."
            ) from e
        except openai.NotFoundError as e:
            raise ProviderUnavailable(
                f"{self.base_url or 'OpenAI'} does not serve the model {self.model!r} (or the URL "
                "is wrong): check MINDPRINT_OPENAI_MODEL and OPENAI_BASE_URL."
            ) from e
        except openai.APIConnectionError as e:
            raise ProviderUnavailable(
                f"Cannot reach {self.base_url or 'the OpenAI API'}: check OPENAI_BASE_URL and that "
                "the server is running."
            ) from e
        except openai.APIError as e:
            raise ProviderError(f"OpenAI-compatible API error: {e}") from e
        if not resp.choices:
            raise ProviderError("The OpenAI-compatible server returned no choices.")
        usage, choice = resp.usage, resp.choices[0]
        return Completion(
            text=choice.message.content or "",
            model=resp.model or self.model,
            input_tokens=usage.prompt_tokens if usage else None,
            output_tokens=usage.completion_tokens if usage else None,
            truncated=choice.finish_reason == "length",
        )
