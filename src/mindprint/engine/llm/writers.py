"""The LLM stages that write prose: each item's reasoning path (build) and the answer to
a new input (query).

A path the model did not write (its call failed, its answer stayed invalid, it skipped
the item) is the template's, and says so: its generator is the template writer's and
``fallback`` names the LLM writer and why its answer was not used.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from mindprint.engine.factors.paths import TemplatePathWriter
from mindprint.engine.features.text import trim
from mindprint.engine.llm.blocks import batches, factor_table, item_block, recoverable
from mindprint.engine.llm.interface import LLM, ask_json, fence, load_prompt
from mindprint.engine.types import Factor, Feature, Item, WrittenPath
from mindprint.errors import ProviderError

SKIPPED = "the model's answer had no path for this item"


class PathOut(BaseModel):
    item: int
    reasoning: str = Field(min_length=1, max_length=800)


class PathAnswer(BaseModel):
    items: list[PathOut]


class Answer(BaseModel):
    reasoning: str
    answer: str


class LLMPathWriter:
    """Reasoning paths in prose, written from the item, its features and the factor table."""

    def __init__(self, llm: LLM, *, batch_size: int = 8, user_id: str | None = None) -> None:
        self.llm = llm
        self.batch_size = batch_size
        self.user_id = user_id
        self.prompt = load_prompt("paths")
        self.fallback = TemplatePathWriter()
        self.failures: list[str] = []

    @property
    def id(self) -> str:
        return f"llm:{self.llm.name}:paths-{self.prompt.hash}"

    def write(
        self, items: Sequence[Item], features: Sequence[Sequence[Feature]], factors: Sequence[Factor]
    ) -> list[WrittenPath]:
        table = factor_table(factors)
        out: list[WrittenPath] = []
        for rng in batches(len(items), self.batch_size):
            by_item, error = self._ask(table, factors, [items[i] for i in rng], [features[i] for i in rng])
            for n, i in enumerate(rng, start=1):
                text = by_item.get(n)
                if text:
                    out.append(WrittenPath(text, self.id))
                    continue
                if not error:  # the model skipped this item: it alone falls back
                    self.failures.append(f"paths: the answer had no path for item {n}")
                out.append(WrittenPath(
                    self.fallback.write_one(items[i], features[i], factors), self.fallback.id,
                    {"from": self.id, "reason": error or SKIPPED},
                ))
        return out

    def _ask(
        self, table: str, factors: Sequence[Factor], items: Sequence[Item],
        features: Sequence[Sequence[Feature]],
    ) -> tuple[dict[int, str], str]:
        """(path by item number, "") or ({}, why the batch's call gave no usable answer)."""
        names = {f.id: f.name for f in factors}
        blocks = []
        for n, (it, fs) in enumerate(zip(items, features, strict=True), start=1):
            feats = "; ".join(f"{f.name} [{names.get(f.factor_id or '', '-')}]" for f in fs)
            blocks.append(item_block(n, it, fence(f"features: {feats}", "derived")))
        try:
            ans = ask_json(
                self.llm, self.prompt.text,
                f"The person's factor table:\n{table}\n\n" + "\n\n".join(blocks),
                PathAnswer, purpose="paths", user_id=self.user_id, items=len(items),
            )
        except ProviderError as e:
            error = recoverable(e)
            self.failures.append(error)
            return {}, error
        return {p.item: p.reasoning for p in ans.items}, ""


def answer(
    llm: LLM,
    query: str,
    factors: Sequence[Factor],
    retrieved: Sequence[tuple[Item, Sequence[Feature], str | None]],
    *,
    query_features: Sequence[Feature] = (),
    user_id: str | None = None,
) -> tuple[str, str]:
    """Generate the user's answer conditioned on the factor table, the query's own
    features (tagged with the user's factors) and the retrieved reasoning paths, as
    RPM's answer prompt is (step 3).

    Returns ``(answer, reasoning)``.
    """
    names = {f.id: f.name for f in factors}
    blocks = []
    for n, (it, feats, path) in enumerate(retrieved, start=1):
        # Paths and feature names derive from stored text (offline paths quote the
        # response): they are data too.
        extra = fence(f"features: {'; '.join(f.name for f in feats)}\nreasoning: {path or '-'}", "derived")
        blocks.append(item_block(n, it, extra))
    tagged = "\n".join(
        f"- {f.name} [{names.get(f.factor_id or '', '-')}]: {f.context}" for f in query_features
    ) or "(none)"
    prompt = (
        f"The person's factor table:\n{factor_table(factors)}\n\n"
        "Their most similar past items:\n" + ("\n\n".join(blocks) or "(none)")
        + f"\n\nThe new input:\n{fence(trim(query, 4000), 'input')}"
        + f"\n\nThe new input's features [the person's factor]:\n{fence(tagged, 'derived')}"
    )
    ans = ask_json(llm, load_prompt("answer").text, prompt, Answer, purpose="answer",
                   user_id=user_id, items=1)
    return ans.answer.strip(), ans.reasoning.strip()

