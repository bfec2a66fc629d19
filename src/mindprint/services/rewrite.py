"""Rewriting a draft the way the user writes and reasons: RPO's reflection trajectory
written by an LLM (a configured provider, or the MCP client's own model) and guarded
for fidelity, or the offline style rewriter. Every rewrite is stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from mindprint.engine.llm.interface import LLM, acting_for, load_prompt
from mindprint.engine.llm.rewrite import build_prompt, guard, parse_trajectory, rewrite_with_llm
from mindprint.engine.rewrite.conflicts import conflicts, fixes, said_in
from mindprint.engine.rewrite.offline import OFFLINE_REWRITER, rewrite_offline
from mindprint.engine.types import Factor
from mindprint.errors import ProviderError
from mindprint.services.inputs import Inputs
from mindprint.services.overlay import visible
from mindprint.store import Store


class Examples(Protocol):
    def similar_responses(self, user_id: str, text: str, k: int = 3) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class RewriteOutcome:
    rewrite_id: int
    user_id: str
    text: str
    changed: bool
    generator: str
    trajectory: dict[str, Any]

    @property
    def fallback(self) -> dict[str, str] | None:
        """{"from": the generator that failed, "reason": why}, or None."""
        fb = self.trajectory.get("fallback")
        return dict(fb) if isinstance(fb, dict) else None


class RewriteService:
    def __init__(
        self, store: Store, inputs: Inputs, examples: Examples, llm: LLM | None,
        *, temperature: float = 0.3,
    ) -> None:
        self.store = store
        self.temperature = temperature
        self.inputs = inputs
        self.examples = examples
        # May differ from the pipeline's LLM (e.g. one fine-tuned on
        # `mindprint export-training` data, served by vLLM or Ollama).
        self.llm = llm

    def _inputs(self, user_id: str | None, draft: str, query: str | None) -> tuple[str, str, str | None]:
        """Validated (user id, draft, optional query) of a rewrite."""
        return (
            self.inputs.user(user_id),
            self.inputs.text(draft, "draft"),
            self.inputs.text(query, "query", required=False) or None,
        )

    def rewrite(
        self, user_id: str | None, draft: str, query: str | None = None, *,
        fallback: dict[str, str] | None = None,
    ) -> RewriteOutcome:
        """Reflective rewrite of a generic draft: with an LLM, RPO's reflection trajectory
        guarded for fidelity; offline (or if the LLM fails), the style rewriter.
        ``fallback``: why another generator's answer was not used (recorded)."""
        uid, draft, q = self._inputs(user_id, draft, query)
        self.store.require_user(uid)
        if self.llm is not None and fallback is None:
            try:
                with acting_for(uid):
                    return self._rewrite_llm(self.llm, uid, draft, q)
            except ProviderError as e:  # InvalidAnswer included
                fallback = {"from": f"llm:{self.llm.name}", "reason": str(e)}
        return self._rewrite_offline(uid, draft, q, fallback)

    def _rewrite_offline(
        self, uid: str, draft: str, q: str | None, fallback: dict[str, str] | None
    ) -> RewriteOutcome:
        meta = self.store.get_user_model(uid)
        res = rewrite_offline(draft, meta.summary.style if meta else {})
        trajectory = {
            "profile_analysis": res.profile,
            "gap_analysis": {"gaps": res.gaps, "preserve": res.preserved},
            "edit_plan": [
                {"change": e.change, "reason": e.reason, "applied": e.applied, "factor": e.factor}
                for e in res.edits
            ],
        }
        if fallback:
            trajectory["fallback"] = fallback
        return self._store(uid, q, draft, res.text, trajectory, OFFLINE_REWRITER)

    def _store(
        self, uid: str, q: str | None, draft: str, text: str, trajectory: dict[str, Any], generator: str
    ) -> RewriteOutcome:
        """Store the rewrite, made to follow the user's standing instructions where that
        needs no new content (units, clock), with what in it still goes against their
        stated preferences (listed among the gaps too, so every client sees it)."""
        prefs = [f for f in visible(self.store, uid, self.store.get_factors(uid))
                 if f.stats.get("kind") == "preference"]
        text, fixed = fixes(text, prefs)
        if fixed:
            trajectory = {**trajectory, "edit_plan": [*trajectory.get("edit_plan", []), *(
                {"change": "; ".join(f"{old} → {new}" for old, new in fx.changes),
                 "reason": f"they asked ({said_in(fx.items)}): “{fx.quote}”",
                 "applied": True, "factor": fx.factor} for fx in fixed)]}
        found = conflicts(text, prefs)
        if found:
            trajectory = {**trajectory, "conflicts": [
                {"preference": c.factor_id, "quote": c.quote, "items": list(c.items), "evidence": c.evidence}
                for c in found
            ]}
            gap = dict(trajectory.get("gap_analysis") or {})
            gap["gaps"] = [*gap.get("gaps", []), *(c.sentence() for c in found)]
            trajectory["gap_analysis"] = gap
        rid = self.store.add_rewrite(
            uid, query=q, draft=draft, rewritten=text, trajectory=trajectory, generator=generator
        )
        return RewriteOutcome(rid, uid, text, text != draft, generator, trajectory)

    def _context(self, uid: str, draft: str, query: str | None) -> tuple[dict[str, Any], list[Factor], list[str]]:
        """Style profile, factors and the most similar past responses for a rewrite."""
        meta = self.store.get_user_model(uid)
        examples = self.examples.similar_responses(uid, query or draft, 3)
        return (meta.summary.style if meta else {}), visible(self.store, uid, self.store.get_factors(uid)), examples

    def prompt(self, user_id: str | None, draft: str, query: str | None = None) -> tuple[str, str]:
        """(system, user) messages of the reflection step, for the MCP client's own model."""
        uid, draft, q = self._inputs(user_id, draft, query)
        self.store.require_user(uid)
        style, factors, examples = self._context(uid, draft, q)
        return build_prompt(draft, style, factors, examples, q)

    def from_answer(
        self, user_id: str | None, draft: str, query: str | None, answer: str, model: str,
        *, truncated: bool = False,
    ) -> RewriteOutcome:
        """Finish a rewrite whose trajectory another model (MCP sampling) wrote: validate,
        guard fidelity, store; an unusable answer (``truncated``: cut at max_tokens) falls
        back to the offline rewriter."""
        uid, draft, q = self._inputs(user_id, draft, query)
        source = f"sampling:{model or 'unknown'}"
        if not answer.strip() or truncated:
            why = "was cut at max_tokens" if truncated else "returned no text"
            return self.rewrite(uid, draft, q, fallback={
                "from": source, "reason": f"the client's model {why}"})
        try:
            traj = parse_trajectory(answer)
        except ValidationError as e:
            return self.rewrite(uid, draft, q, fallback={
                "from": source,
                "reason": f"the client's model did not answer the trajectory as JSON ({_first_error(e)})",
            })
        # The sampled answer arrives once, through the tool call's resolver: no repair round.
        out = guard(draft, traj, f"{source}:rewrite-{load_prompt('rewrite').hash}")
        return self._store(uid, q, draft, out.text, out.trajectory, out.generator)

    def _rewrite_llm(self, llm: LLM, uid: str, draft: str, query: str | None) -> RewriteOutcome:
        style, factors, examples = self._context(uid, draft, query)
        out = rewrite_with_llm(llm, draft, style, factors, examples, query, user_id=uid,
                               temperature=self.temperature)
        return self._store(uid, query, draft, out.text, out.trajectory, out.generator)


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "answer"
    return f"{e.error_count()} errors, first at {where}: {err['msg']}"
