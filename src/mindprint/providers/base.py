"""What every provider shares: a concurrency limit, timing, and the call log."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mindprint.engine.llm.interface import Completion, TokenCaps, current_user
from mindprint.errors import ProviderError


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One row of ``llm_calls``."""

    user_id: str | None
    provider: str
    model: str
    purpose: str
    input_tokens: int | None
    output_tokens: int | None
    latency_ms: float
    ok: bool
    error: str | None
    items: int

    def as_row(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id, "provider": self.provider, "model": self.model,
            "purpose": self.purpose, "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens, "latency_ms": round(self.latency_ms, 2),
            "ok": int(self.ok), "error": self.error, "items": self.items,
        }


Sink = Callable[[CallRecord], None]


class ProviderBase:
    """Subclasses make their SDK client (:meth:`_client`) and implement :meth:`_call`;
    this class holds the settings every SDK takes, limits, times and logs."""

    provider = "base"

    def __init__(
        self,
        api_key: str,
        model: str,
        *,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        concurrency: int = 4,
        seed: int | None = 0,
        sink: Sink | None = None,
        caps: TokenCaps | None = None,
    ) -> None:
        self.model = model
        self._caps = caps or TokenCaps()
        # Sent where the API takes one (OpenAI-compatible servers), with temperature 0,
        # so extraction answers repeat from one build to the next.
        self.seed = seed
        self.base_url = base_url
        self._sem = threading.BoundedSemaphore(concurrency)
        self.sink = sink
        # The SDKs retry 429 and 5xx with exponential backoff (honouring retry-after).
        self.client = self._client(api_key, base_url, timeout, max_retries)

    def _client(self, api_key: str, base_url: str | None, timeout: float, max_retries: int) -> Any:
        raise NotImplementedError

    @property
    def name(self) -> str:
        return f"{self.provider}:{self.model}"

    @property
    def caps(self) -> TokenCaps:
        return self._caps

    def _call(self, system: str, prompt: str, max_tokens: int, temperature: float) -> Completion:
        raise NotImplementedError

    def complete(
        self,
        system: str,
        prompt: str,
        *,
        purpose: str,
        max_tokens: int | None = None,
        user_id: str | None = None,
        items: int = 0,
        temperature: float = 0.0,
    ) -> Completion:
        # Every request carries a cap: the stage's, unless the caller set one.
        cap = max_tokens if max_tokens is not None else self._caps.of(purpose)
        t0 = time.perf_counter()
        with self._sem:
            try:
                out = self._call(system, prompt, cap, temperature)
            except ProviderError as e:
                self._log(user_id, purpose, None, t0, items, str(e))
                raise
        self._log(user_id, purpose, out, t0, items, None)
        return out

    def _log(
        self, user_id: str | None, purpose: str, out: Completion | None, t0: float, items: int,
        error: str | None,
    ) -> None:
        if self.sink is None:
            return
        self.sink(CallRecord(
            user_id=user_id or current_user.get(), provider=self.provider, model=out.model if out else self.model,
            purpose=purpose, input_tokens=out.input_tokens if out else None,
            output_tokens=out.output_tokens if out else None,
            latency_ms=(time.perf_counter() - t0) * 1000, ok=error is None, error=error, items=items,
        ))
