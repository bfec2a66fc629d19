"""RPO's reflection step with an LLM: one structured call, then a mechanical guard.

The trajectory (profile analysis → gap analysis → edit plan → rewrite) comes back as
one JSON object. The fidelity guard then checks the rewrite against the draft
(numbers, code blocks, URLs, mentions, names); a rewrite that loses any of them is
not returned — the draft is, with the problems explained — so a personalised answer
is never a less correct one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from mindprint.engine.fidelity import fidelity_check
from mindprint.engine.llm import LLM, SYSTEM_GUARD, ask_json, extract_json, fence, load_prompt
from mindprint.engine.llm_stages import factor_table
from mindprint.engine.text import trim
from mindprint.engine.types import Factor


class _Edit(BaseModel):
    change: str
    reason: str = ""
    factor: str = "writing style"


class _Gaps(BaseModel):
    gaps: list[str] = Field(default_factory=list)
    preserve: list[str] = Field(default_factory=list)


class _Trajectory(BaseModel):
    profile_analysis: list[str]
    gap_analysis: _Gaps
    edit_plan: list[_Edit]
    rewrite: str = Field(min_length=1)


@dataclass(slots=True)
class LLMRewrite:
    text: str
    accepted: bool
    generator: str
    trajectory: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def build_prompt(
    draft: str,
    style: dict[str, Any],
    factors: Sequence[Factor],
    examples: Sequence[str],
    query: str | None = None,
) -> tuple[str, str]:
    """(system, user) messages: also used for the MCP client's own model via sampling,
    so the system message carries the untrusted-data guard itself, and everything
    derived from history (style words, factor names) is fenced like the texts."""
    compact_style = {k: v for k, v in style.items() if not isinstance(v, (dict, list)) or k == "frequent_words"}
    parts = [
        "The person's style profile (measured on their own texts):",
        fence(json.dumps(compact_style, ensure_ascii=False), "style"),
        "\nTheir factor table:",
        fence(factor_table(factors), "factors"),
        "\nTheir most similar past texts:",
        "\n".join(fence(trim(t, 600), "history", item=n) for n, t in enumerate(examples, start=1))
        or "(none)",
    ]
    if query:
        parts += ["\nThe request the draft answers:", fence(trim(query, 2000), "query")]
    parts += ["\nThe draft to rewrite:", fence(draft, "draft")]
    return f"{load_prompt('rewrite').text}\n\n{SYSTEM_GUARD}", "\n".join(parts)


def parse_trajectory(text: str) -> _Trajectory:
    """Validate a trajectory answered outside :func:`ask_json` (MCP sampling)."""
    return _Trajectory.model_validate_json(extract_json(text))


def guard(draft: str, traj: _Trajectory, generator: str) -> LLMRewrite:
    """Accept the model's rewrite only if it keeps the draft's content."""
    trajectory: dict[str, Any] = {
        "profile_analysis": traj.profile_analysis,
        "gap_analysis": traj.gap_analysis.model_dump(),
        "edit_plan": [{**e.model_dump(), "applied": True} for e in traj.edit_plan],
    }
    problems = fidelity_check(draft, traj.rewrite)
    if problems:
        trajectory["fidelity"] = {"accepted": False, "problems": problems}
        for e in trajectory["edit_plan"]:
            e["applied"] = False  # the plan stands as advice; the draft is returned
        return LLMRewrite(draft, False, generator, trajectory, problems)
    trajectory["fidelity"] = {"accepted": True, "problems": []}
    return LLMRewrite(traj.rewrite, True, generator, trajectory)


def rewrite_with_llm(
    llm: LLM,
    draft: str,
    style: dict[str, Any],
    factors: Sequence[Factor],
    examples: Sequence[str],
    query: str | None = None,
    *,
    user_id: str | None = None,
) -> LLMRewrite:
    system, prompt = build_prompt(draft, style, factors, examples, query)
    traj = ask_json(llm, system, prompt, _Trajectory, purpose="rewrite", user_id=user_id, items=1,
                    max_tokens=4096)
    return guard(draft, traj, f"llm:{llm.name}:rewrite-{load_prompt('rewrite').hash}")
