"""Stage 2 of RPM: group a user's features into a handful of named factors.

Offline, content features are clustered by the embeddings of their names
(average-linkage agglomerative clustering on cosine similarity). The stopping rule
is a similarity threshold: two groups merge only while their members are, on
average, closer than ``threshold`` — so the number of factors follows from the data
rather than being fixed. Tone and style features form their own two factors.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from mindprint.engine.model_settings import MODEL
from mindprint.engine.protocols import Embedder, Vector
from mindprint.engine.types import REASON_KINDS, Factor, Feature

TONE_FACTOR = "tone"
STYLE_FACTOR = "writing style"
TONE_ID = "f_tone"
# Member-set overlap at which a rebuilt factor keeps the id of the factor it continues.
REUSE_JACCARD = 0.5
STYLE_ID = "f_writing_style"
STATED_FACTOR = "stated reasons"
STATED_ID = "f_stated_reasons"


def factor_id(members: Sequence[str]) -> str:
    """Same members, same id: a rebuild that regroups identically keeps its ids."""
    return "f_" + hashlib.sha1("\x1f".join(sorted(members)).encode()).hexdigest()[:10]


@dataclass(frozen=True, slots=True)
class Grouping:
    factors: list[Factor]
    assignment: dict[str, str | None]  # feature name -> factor id


class FactorBuilder(Protocol):
    """Implemented by the offline (embedding) builder and by the LLM one."""

    def build(self, features: Sequence[Sequence[Feature]], contexts: Vector | None = None) -> Grouping:
        """``contexts``: each item's text embedding (rows aligned with ``features``), which
        tells phrases that only look alike from phrases of alike items."""
        ...

    def assign_query(
        self, features: Sequence[Feature], factors: Sequence[Factor]
    ) -> list[Feature]: ...


def average_linkage(sim: Vector, threshold: float) -> list[list[int]]:
    """Agglomerative clustering; merges the most similar pair while avg sim >= threshold."""
    n = sim.shape[0]
    clusters: dict[int, list[int]] = {i: [i] for i in range(n)}
    # Sum of pairwise similarities between clusters, so average = sum / (|a| * |b|).
    sums = sim.astype(np.float64).copy()
    active = list(range(n))
    while len(active) > 1:
        sub = sums[np.ix_(active, active)]
        sizes = np.array([len(clusters[a]) for a in active], dtype=np.float64)
        avg = sub / np.outer(sizes, sizes)
        np.fill_diagonal(avg, -np.inf)
        flat = int(np.argmax(avg))
        i, j = divmod(flat, len(active))
        if avg[i, j] < threshold:
            break
        a, b = active[i], active[j]
        clusters[a].extend(clusters.pop(b))
        sums[a, :] += sums[b, :]
        sums[:, a] += sums[:, b]
        active.remove(b)
    return [clusters[a] for a in active]


class EmbeddingFactorBuilder:
    """Offline factor construction by clustering feature-name embeddings.

    Only *recurring* phrases (in at least ``min_items`` items) are clustered: a factor
    is a theme of the history, and a phrase seen once is not evidence of one. Such a
    one-off phrase joins a factor when it shares a word with a member ("rear battery
    pack" joins the factor of "battery"), which costs no embedding, so the cost of a
    build stays flat in the history size (at most ``max_pool`` phrases are embedded).
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        threshold: float = MODEL.factor_threshold,
        max_pool: int = 200,
        max_factors: int = 8,
        min_items: int = 2,
    ) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.max_pool = max_pool
        self.max_factors = max_factors
        self.min_items = min_items

    def build(self, features: Sequence[Sequence[Feature]], contexts: Vector | None = None) -> Grouping:
        """Group the features (ids from members; :func:`stabilize_ids` reuses old ones)."""
        n_items = max(1, len(features))
        reason, content, tone, style = _count_kinds(features)
        factors, assignment = reason_factors(reason, self.min_items, n_items)
        content = Counter({p: c for p, c in content.items() if p not in assignment})
        assignment.update({p: None for p in content})
        # A reason the host model stated is evidence even when stated once.
        stated = {f.name for feats in features for f in feats if f.origin == "host"}
        pool = [
            p for p, c in content.most_common(self.max_pool) if c >= self.min_items or p in stated
        ]
        if pool:
            ctx = _contexts(list(content), features, contexts)
            sim = self._similarity(pool, ctx)
            word_owner = self._cluster(pool, sim, content, factors, assignment)
            extra = _attach_one_offs(content, word_owner, factors, assignment, ctx)
            _describe_topics(factors, extra, content, n_items)

        leftover = stated_factor(features, assignment)
        if leftover is not None:
            factors.append(leftover)

        for fid, name, counter, desc in (
            (TONE_ID, TONE_FACTOR, tone, "The sentiment the item is written in (VADER lexicon)"),
            (STYLE_ID, STYLE_FACTOR, style, "Habits of the user's own writing"),
        ):
            if counter:
                members = [m for m, _ in counter.most_common()]
                factors.append(Factor(id=fid, name=name, description=desc, members=tuple(members)))
                for m in members:
                    assignment[m] = fid
        return Grouping(factors=factors, assignment=assignment)

    def _similarity(self, pool: list[str], ctx: dict[str, Vector]) -> Vector:
        """The phrases' cosine similarity; with their contexts, none between two phrases
        whose items are unalike (see :func:`_contexts`): a rare word's embedding is mostly
        its word pieces ("lumens" and "lugs": 0.71), its items are not (headlamps and
        shoes: 0.59)."""
        vecs = self.embedder.embed(pool)
        sim: Vector = vecs @ vecs.T
        if not ctx:
            return sim
        c = np.stack([ctx[p] for p in pool])
        out: Vector = np.where(c @ c.T >= MODEL.factor_context_min, sim, -1.0)
        return out

    def _cluster(
        self, pool: list[str], sim: Vector, content: Counter[str], factors: list[Factor],
        assignment: dict[str, str | None],
    ) -> dict[str, tuple[int, int]]:
        """Cluster the pooled content phrases into topic factors (the best supported
        ``max_factors``), appended to ``factors``; returns word -> (support, factor index)."""
        groups = average_linkage(sim, self.threshold)
        scored = []
        for g in groups:
            members = [pool[i] for i in g]
            support = sum(content[m] for m in members)
            scored.append((support, g, members))
        scored.sort(key=lambda t: (-t[0], sorted(t[2])[0]))
        kept = scored[: self.max_factors]
        word_owner: dict[str, tuple[int, int]] = {}  # word -> (support, factor index)
        for _support, g, members in kept:
            name = _central_name(members, sim[np.ix_(g, g)], content)
            ordered = sorted(members, key=lambda m: (-content[m], m))
            fid = factor_id(ordered)
            for m in members:
                assignment[m] = fid
                for w in m.split():
                    if w not in word_owner or word_owner[w][0] < content[m]:
                        word_owner[w] = (content[m], len(factors))
            factors.append(
                Factor(id=fid, name=name, description="", members=tuple(ordered))
            )
        return word_owner

    def assign_query(
        self, features: Sequence[Feature], factors: Sequence[Factor]
    ) -> list[Feature]:
        """Tag query features with the user's factors: a member name, else a shared word.

        No embedding at query time: retrieval latency stays that of one query embedding.
        """
        by_member = {m: f.id for f in factors for m in f.members}
        has_tone = any(f.id == TONE_ID for f in factors)
        word_owner: dict[str, str] = {}
        for fac in factors:
            if fac.id in (TONE_ID, STYLE_ID):
                continue
            for m in fac.members:
                for w in m.split():
                    word_owner.setdefault(w, fac.id)
        out: list[Feature] = []
        for f in features:
            fid = by_member.get(f.name)
            if fid is None and _is_tone(f):
                fid = TONE_ID if has_tone else None
            if fid is None and f.kind == "content":
                fid = next((word_owner[w] for w in f.name.split() if w in word_owner), None)
            out.append(Feature(f.name, f.context, f.kind, f.weight, f.polarity, factor_id=fid))
        return out


def _count_kinds(
    features: Sequence[Sequence[Feature]],
) -> tuple[Counter[str], Counter[str], Counter[str], Counter[str]]:
    """Items per feature name, by kind: (reason, content, tone, style). A name that is a
    reason is not counted as content."""
    content = Counter[str]()
    tone = Counter[str]()
    style = Counter[str]()
    reason = Counter[str]()
    for feats in features:
        reason.update({f.name for f in feats if f.kind in REASON_KINDS})
        content.update({f.name for f in feats if f.kind == "content" and f.name not in reason})
        tone.update({f.name for f in feats if _is_tone(f)})
        style.update({f.name for f in feats if f.kind == "style"})
    return reason, content, tone, style


def _contexts(
    phrases: list[str], features: Sequence[Sequence[Feature]], contexts: Vector | None
) -> dict[str, Vector]:
    """Each phrase's context: the normalised mean embedding of the items it appears in
    (empty without ``contexts``)."""
    if contexts is None or len(contexts) != len(features):
        return {}
    where: dict[str, list[int]] = {p: [] for p in phrases}
    for row, feats in enumerate(features):
        for name in {f.name for f in feats if f.name in where}:
            where[name].append(row)
    out: dict[str, Vector] = {}
    for p, rows in where.items():
        if rows:
            v = np.asarray(contexts[rows], dtype=np.float64).mean(axis=0)
            out[p] = v / max(float(np.linalg.norm(v)), 1e-12)
    return out


def _attach_one_offs(
    content: Counter[str], word_owner: dict[str, tuple[int, int]], factors: list[Factor],
    assignment: dict[str, str | None], ctx: dict[str, Vector],
) -> dict[int, list[str]]:
    """One-off phrases join the factor that owns one of their words, when their items are
    like the factor's (with contexts: "vortex trail jacket" does not join the shoes for
    "trail"); returns the phrases each factor (by index) gained."""
    extra: dict[int, list[str]] = {}
    for p in content:
        if assignment[p] is not None:
            continue
        owners = [word_owner[w] for w in p.split() if w in word_owner]
        if owners:
            k = max(owners)[1]
            members = [ctx[m] for m in factors[k].members if m in ctx]
            if p in ctx and members:
                centre = np.mean(members, axis=0)
                if float(ctx[p] @ centre) / max(float(np.linalg.norm(centre)), 1e-12) < MODEL.one_off_context_min:
                    continue
            assignment[p] = factors[k].id
            extra.setdefault(k, []).append(p)
    return extra


def _describe_topics(
    factors: list[Factor], extra: dict[int, list[str]], content: Counter[str], n_items: int
) -> None:
    """Give each topic factor its one-off phrases and its description (in place)."""
    for k, fac in enumerate(factors):
        if fac.id.startswith(REASON_PREFIX):
            continue
        members = list(fac.members) + sorted(extra.get(k, []), key=lambda m: (-content[m], m))
        mentions = sum(content[m] for m in members)
        factors[k] = Factor(
            id=fac.id,
            name=fac.name,
            description=_describe(fac.name, members, mentions, n_items),
            members=tuple(members),
        )


def stated_factor(
    features: Sequence[Sequence[Feature]], assignment: dict[str, str | None]
) -> Factor | None:
    """The host model's reasons that no factor took, as one "stated reasons" factor
    (assigned in ``assignment``): a stated reason is evidence even when it joins no theme.
    Shared by the offline and the LLM factor builders."""
    unheard = sorted(
        {f.name for feats in features for f in feats if f.origin == "host"}
        - {name for name, fid in assignment.items() if fid is not None}
    )
    if not unheard:
        return None
    assignment.update(dict.fromkeys(unheard, STATED_ID))
    return Factor(
        id=STATED_ID, name=STATED_FACTOR,
        description="Reasons the assistant recorded for the user's reactions, not part of another factor",
        members=tuple(unheard),
    )


REASON_PREFIX = "f_reason_"


def reason_factor_id(name: str) -> str:
    """Reasons keep one id per name across rebuilds and users ("f_reason_weight")."""
    return REASON_PREFIX + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def reason_factors(
    counts: Counter[str], min_items: int, n_items: int
) -> tuple[list[Factor], dict[str, str | None]]:
    """One factor per aspect or stated reason seen in at least ``min_items`` items."""
    factors: list[Factor] = []
    assignment: dict[str, str | None] = {}
    for name, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if c < min_items:
            continue
        fid = reason_factor_id(name)
        assignment[name] = fid
        factors.append(Factor(
            id=fid, name=name, members=(name,),
            description=f"How the user judges {name}: mentioned or judged in {c} of {n_items} items.",
        ))
    return factors, assignment


def _central_name(members: Sequence[str], sim: Vector, counts: Counter[str]) -> str:
    """The member that best stands for the group: central and frequent, plain words."""
    if len(members) == 1:
        return members[0]
    centrality = [float(x) for x in (sim.sum(axis=1) - 1.0) / (len(members) - 1)]

    def score(i: int) -> float:
        m = members[i]
        plain = 0.0 if any(c.isdigit() for c in m) else 0.1
        return centrality[i] + 0.1 * math.log1p(counts[m]) + plain - 0.05 * (len(m.split()) - 1)

    return members[max(range(len(members)), key=lambda i: (score(i), members[i]))]


def stabilize_ids(
    grouping: Grouping, previous: Sequence[Factor], min_jaccard: float = REUSE_JACCARD
) -> Grouping:
    """Give each new factor the id of the previous factor it continues.

    A factor continues an old one when their member sets overlap by Jaccard >=
    ``min_jaccard`` (best match first, each old id used once). So a rebuild after a few
    new items keeps the ids that feedback and clients refer to, while a factor that
    really changed gets a new id. Works for any factor builder (offline or LLM).
    """
    pairs: list[tuple[float, int, int]] = []
    for i, new in enumerate(grouping.factors):
        for j, old in enumerate(previous):
            if {new.id, old.id} & {TONE_ID, STYLE_ID} or any(
                f.id.startswith(REASON_PREFIX) for f in (new, old)
            ):
                continue
            a, b = set(new.members), set(old.members)
            jac = len(a & b) / len(a | b) if a | b else 0.0
            if jac >= min_jaccard:
                pairs.append((jac, i, j))
    remap: dict[str, str] = {}
    used_new: set[int] = set()
    used_old: set[int] = set()
    for _jac, i, j in sorted(pairs, key=lambda t: (-t[0], t[1], t[2])):
        if i in used_new or j in used_old:
            continue
        used_new.add(i)
        used_old.add(j)
        remap[grouping.factors[i].id] = previous[j].id
    taken = set(remap.values())
    for f in grouping.factors:  # a fresh id must not collide with a reused one
        if f.id not in remap and f.id in taken:
            remap[f.id] = factor_id([*f.members, "\x1e"])
    if not remap:
        return grouping
    factors = [replace(f, id=remap.get(f.id, f.id)) for f in grouping.factors]
    assignment = {k: (remap.get(v, v) if v else v) for k, v in grouping.assignment.items()}
    return Grouping(factors=factors, assignment=assignment)


def _is_tone(f: Feature) -> bool:
    return f.kind == "tone"


def _describe(name: str, members: Sequence[str], mentions: int, n_items: int) -> str:
    others = [m for m in members if m != name][:4]
    also = f" (also: {', '.join(others)})" if others else ""
    return f"Items mentioning {name}{also}: {mentions} mentions in {n_items} items."
