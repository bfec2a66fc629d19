"""RPO's reflection step with an LLM: one structured call, a mechanical guard, one repair.

The trajectory (profile analysis → gap analysis → edit plan → rewrite) comes back as
one JSON object. The guard then checks the rewrite against the draft (numbers, code
blocks, URLs, mentions, names) and against the model's own ``preserve`` list. A
rewrite that breaks any of them gets one repair call that names the violations; if
the repaired rewrite still breaks one, the draft is returned with the reasons
(``fallback``), so a personalised answer is never a less correct one. Each edit of
the plan is checked against the returned text: ``applied`` is True only when the
edit's replacement is seen there, None when the edit quotes nothing checkable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from mindprint.engine.features.text import trim
from mindprint.engine.llm.blocks import factor_table
from mindprint.engine.llm.interface import (
    LLM,
    SYSTEM_GUARD,
    InvalidAnswer,
    ask_json,
    fence,
    load_prompt,
    parse_answer,
)
from mindprint.engine.rewrite.conflicts import instructions
from mindprint.engine.rewrite.fidelity import fidelity_check
from mindprint.engine.types import Factor

# The generator of a rewrite that kept the draft (the guard refused every LLM rewrite).
DRAFT_GENERATOR = "draft"


class _Edit(BaseModel):
    change: str
    reason: str = ""
    factor: str = "writing style"
    # The draft's words the edit changes and the words replacing them in the rewrite,
    # both verbatim: what lets the guard verify that the edit was really made.
    before: str = ""
    after: str = ""


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
    # {"from": the generator whose text was refused, "reason": why}; None when accepted.
    fallback: dict[str, str] | None = None


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
    held_to = instructions(factors)
    if held_to:
        parts += ["\nWhat they said they want from answers, and budgets they stated (their words):",
                  fence("\n".join(_said(f) for f in held_to), "answer_preferences")]
    if query:
        parts += ["\nThe request the draft answers:", fence(trim(query, 2000), "query")]
    parts += ["\nThe draft to rewrite:", fence(draft, "draft")]
    return f"{load_prompt('rewrite').text}\n\n{SYSTEM_GUARD}", "\n".join(parts)


def _said(f: Factor) -> str:
    items = ", ".join(str(i) for i in f.stats.get("items") or ())
    return f"- {trim(str(f.stats.get('quote') or ''), 300)}" + (f" (item id {items})" if items else "")


def parse_trajectory(text: str) -> _Trajectory:
    """Validate a trajectory answered outside :func:`ask_json` (MCP sampling)."""
    return parse_answer(text, _Trajectory)


_QUOTES = "\"'`\u201c\u201d\u2018\u2019"


def _squash(text: str) -> str:
    return " ".join(text.split())


def preserve_violations(draft: str, rewrite: str, preserve: Sequence[str]) -> list[str]:
    """Spans the model itself said must be preserved that the rewrite lost.

    Only entries quoted from the draft are checkable ("the meaning" is not): those
    must appear in the rewrite verbatim (whitespace aside)."""
    flat_draft, flat_rewrite = _squash(draft), _squash(rewrite)
    out = []
    for entry in preserve:
        span = _squash(entry.strip().strip(_QUOTES))
        if len(span) >= 2 and span in flat_draft and span not in flat_rewrite:
            out.append(f"dropped a span listed under preserve: {span[:80]!r}")
    return out


def violations(draft: str, traj: _Trajectory) -> list[str]:
    """Every reason to refuse ``traj.rewrite``: fidelity to the draft and the model's
    own preserve list."""
    return fidelity_check(draft, traj.rewrite) + preserve_violations(
        draft, traj.rewrite, traj.gap_analysis.preserve
    )


def edit_applied(edit: _Edit, output: str) -> bool | None:
    """Whether ``output`` shows ``edit``: its replacement is there and the words it
    replaced are gone (a deletion: gone). None when the edit quotes no words to check
    (a whole-text change such as "lowercase everything")."""
    before, after = _squash(edit.before), _squash(edit.after)
    if not before and not after:
        return None
    flat = _squash(output)
    if after and after not in flat:
        return False
    replaced = bool(before) and before not in after
    return not (replaced and before in flat)


def _trajectory(traj: _Trajectory, output: str) -> dict[str, Any]:
    return {
        "profile_analysis": traj.profile_analysis,
        "gap_analysis": traj.gap_analysis.model_dump(),
        "edit_plan": [
            {"change": e.change, "reason": e.reason, "factor": e.factor,
             "applied": edit_applied(e, output)}
            for e in traj.edit_plan
        ],
    }


def guard(
    draft: str, traj: _Trajectory, generator: str, *, first_attempt: Sequence[str] = (),
    note: str = "",
) -> LLMRewrite:
    """Accept the model's rewrite only if it keeps the draft's content and what the model
    listed under preserve; otherwise return the draft, naming the violations.
    ``first_attempt``: the violations of the rewrite a repair round replaced."""
    problems = violations(draft, traj)
    output = draft if problems else traj.rewrite
    trajectory = _trajectory(traj, output)
    trajectory["fidelity"] = {"accepted": not problems, "problems": problems}
    if first_attempt:
        trajectory["fidelity"]["repair_round"] = {"fixing": list(first_attempt)}
    if not problems:
        return LLMRewrite(traj.rewrite, True, generator, trajectory)
    reason = "the rewrite broke the fidelity guard: " + "; ".join(problems) + note
    fallback = {"from": generator, "reason": reason}
    trajectory["fallback"] = fallback
    return LLMRewrite(draft, False, DRAFT_GENERATOR, trajectory, problems, fallback)


def repair_prompt(prompt: str, rewrite: str, problems: Sequence[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems)
    return (
        f"{prompt}\n\nYour previous rewrite was refused because it broke these rules:\n{listed}\n"
        f"Your previous rewrite:\n{fence(rewrite, 'previous_rewrite')}\n"
        "Answer again with the whole trajectory. The new `rewrite` must fix exactly these "
        "problems: keep every listed number, name, code block, URL, mention and preserved span "
        "of the draft verbatim."
    )


def rewrite_with_llm(
    llm: LLM,
    draft: str,
    style: dict[str, Any],
    factors: Sequence[Factor],
    examples: Sequence[str],
    query: str | None = None,
    *,
    user_id: str | None = None,
    temperature: float = 0.3,
) -> LLMRewrite:
    """One reflection call; if the guard refuses it, one repair call naming the
    violations; if that is refused too, the draft with the reasons. An answer that is
    not a trajectory at all raises :class:`InvalidAnswer` (the caller falls back)."""
    system, prompt = build_prompt(draft, style, factors, examples, query)
    generator = f"llm:{llm.name}:rewrite-{load_prompt('rewrite').hash}"
    traj = ask_json(llm, system, prompt, _Trajectory, purpose="rewrite", user_id=user_id, items=1,
                    temperature=temperature)
    problems = violations(draft, traj)
    if not problems:
        return guard(draft, traj, generator)
    try:
        repaired = ask_json(llm, system, repair_prompt(prompt, traj.rewrite, problems), _Trajectory,
                            purpose="rewrite:repair", user_id=user_id, items=1,
                            temperature=temperature)
    except InvalidAnswer as e:
        return guard(draft, traj, generator, note=f" (the repair round's answer was unusable: {e})")
    return guard(draft, repaired, generator, first_attempt=problems,
                 note=" (after one repair round)")
