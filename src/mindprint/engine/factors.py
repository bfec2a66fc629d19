"""Stage 2 of RPM: group a user's features into a handful of named factors.

Offline, content features are clustered by the embeddings of their names
(average-linkage agglomerative clustering on cosine similarity). The stopping rule
is a similarity threshold: two groups merge only while their members are, on
average, closer than ``threshold`` — so the number of factors follows from the data
rather than being fixed. Tone and style features form their own two factors.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mindprint.engine.protocols import Embedder, Vector
from mindprint.engine.types import Factor, Feature

TONE_FACTOR = "tone"
STYLE_FACTOR = "writing style"


def factor_id(members: Sequence[str]) -> str:
    """Same members, same id: a rebuild that regroups identically keeps its ids."""
    return "f_" + hashlib.sha1("\x1f".join(sorted(members)).encode()).hexdigest()[:10]


@dataclass(frozen=True, slots=True)
class Grouping:
    factors: list[Factor]
    assignment: dict[str, str | None]  # feature name -> factor id


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
    """Offline factor construction by clustering feature-name embeddings."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        threshold: float = 0.45,
        max_pool: int = 200,
        max_factors: int = 8,
        min_items: int = 2,
    ) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.max_pool = max_pool
        self.max_factors = max_factors
        self.min_items = min_items

    def build(self, features: Sequence[Sequence[Feature]]) -> Grouping:
        n_items = max(1, len(features))
        content = Counter[str]()
        tone = Counter[str]()
        style = Counter[str]()
        for feats in features:
            content.update({f.name for f in feats if f.kind == "content" and not _is_tone(f)})
            tone.update({f.name for f in feats if _is_tone(f)})
            style.update({f.name for f in feats if f.kind == "style"})

        factors: list[Factor] = []
        assignment: dict[str, str | None] = {}

        # Bound the pool: the most frequent phrases define the factors, the long tail
        # joins the nearest one (or none), so cost stays flat for huge histories.
        pool = [p for p, c in content.most_common(self.max_pool) if c >= 1]
        if pool:
            vecs = self.embedder.embed(pool)
            sim = vecs @ vecs.T
            groups = average_linkage(sim, self.threshold)
            scored = []
            for g in groups:
                members = [pool[i] for i in g]
                support = sum(content[m] for m in members)
                scored.append((support, g, members))
            scored.sort(key=lambda t: (-t[0], sorted(t[2])[0]))
            kept = [t for t in scored if t[0] >= self.min_items][: self.max_factors]
            centroids: list[Vector] = []
            for support, g, members in kept:
                sub = sim[np.ix_(g, g)]
                medoid = members[int(np.argmax(sub.sum(axis=1)))]
                ordered = sorted(members, key=lambda m: (-content[m], m))
                fid = factor_id(ordered)
                factors.append(
                    Factor(
                        id=fid,
                        name=medoid,
                        description=_describe(medoid, ordered, support, n_items),
                        members=tuple(ordered),
                    )
                )
                for m in members:
                    assignment[m] = fid
                c = vecs[g].mean(axis=0)
                centroids.append((c / (np.linalg.norm(c) or 1.0)).astype(np.float32))
            rest = [p for p in content if p not in assignment]
            if rest and centroids:
                cmat = np.stack(centroids)
                rvecs = self.embedder.embed(rest)
                best = rvecs @ cmat.T
                for p, row in zip(rest, best, strict=True):
                    k = int(np.argmax(row))
                    assignment[p] = factors[k].id if row[k] >= self.threshold else None
            else:
                for p in rest:
                    assignment[p] = None

        for name, counter, desc in (
            (TONE_FACTOR, tone, "The sentiment the item is written in (VADER lexicon)"),
            (STYLE_FACTOR, style, "Habits of the user's own writing"),
        ):
            if counter:
                members = [m for m, _ in counter.most_common()]
                fid = "f_" + name.replace(" ", "_")
                factors.append(Factor(id=fid, name=name, description=desc, members=tuple(members)))
                for m in members:
                    assignment[m] = fid
        return Grouping(factors=factors, assignment=assignment)

    def assign_query(
        self, features: Sequence[Feature], factors: Sequence[Factor]
    ) -> list[Feature]:
        """Tag query features with the user's factors (exact member, else nearest by embedding)."""
        by_member = {m: f.id for f in factors for m in f.members}
        content_factors = [f for f in factors if f.id not in (f"f_{TONE_FACTOR}", "f_writing_style")]
        out: list[Feature] = []
        unknown = [f for f in features if f.name not in by_member and not _is_tone(f)]
        nearest: dict[str, str | None] = {}
        if unknown and content_factors:
            names = [f.name for f in unknown]
            fvecs = self.embedder.embed(names)
            cvecs = self.embedder.embed([" ; ".join(f.members[:8]) for f in content_factors])
            sims = fvecs @ cvecs.T
            for name, row in zip(names, sims, strict=True):
                k = int(np.argmax(row))
                nearest[name] = content_factors[k].id if row[k] >= self.threshold else None
        for f in features:
            fid = by_member.get(f.name)
            if fid is None and _is_tone(f):
                fid = f"f_{TONE_FACTOR}" if any(x.id == f"f_{TONE_FACTOR}" for x in factors) else None
            if fid is None:
                fid = nearest.get(f.name)
            out.append(
                Feature(f.name, f.context, f.kind, f.weight, f.polarity, factor_id=fid)
            )
        return out


def _is_tone(f: Feature) -> bool:
    return f.kind == "content" and f.name.endswith(" tone")


def _describe(name: str, members: Sequence[str], support: int, n_items: int) -> str:
    others = [m for m in members if m != name][:4]
    also = f" (also: {', '.join(others)})" if others else ""
    return f"Items about {name}{also}; {support} mentions across {n_items} items."
