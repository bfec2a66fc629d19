"""Stage 5 of RPM: top-k history items by feature-level similarity.

Items are represented by the embedding of their serialised feature set (as in the
paper). ``hybrid`` adds the similarity of the raw texts, which helps when an item
has few features; the evaluation harness measures each mode.

The tone feature is compared as a number, not as words: ``features`` and ``hybrid``
subtract ``tone_weight * |tone(query) - tone(item)|``, where tone is in [-1, 1]
(the rating prior's reading of the text for rated histories, else VADER polarity).
An embedding of "positive tone" says little; the distance between two verdicts
says whether the user probably answered the two items alike.

The user's standing preferences are retrieved beside the items (:func:`applying`):
every preference the user stated is matched by what it says, not by the words the query
shares with it: the cosine between the query's embedding and the embedding of the user's
own words (with the option they chose, and for a choice the exchange that offered the
options). A preference applies when that similarity reaches ``MODEL.pref_floor``; the strongest come
first. "Why" (:func:`because`) names the preference's domain and the query's phrase that links
them ("food; the question asks about “snack”"). Instructions about answers do not compete:
they apply to every query and are served apart. The preference index is built from
the items' preference features: those the last build grouped into standing preferences
carry that factor (a superseded or vetoed one is left out), and those recorded since
(feedback) stand alone until the next build groups them. A preference none of whose
statements is left (its items deleted) is gone at once, before the rebuild.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from mindprint.engine.factors.standing import Evidence, ranked, standing
from mindprint.engine.features.reader import DOMAINS
from mindprint.engine.model_settings import MODEL
from mindprint.engine.protocols import Vector
from mindprint.engine.types import Factor, Feature, Item

# "random" is the ablation: the user's items in a seeded random order, so the harness
# can show what similarity itself adds to a prediction.
Mode = Literal["features", "raw", "hybrid", "random"]


@dataclass(frozen=True, slots=True)
class Hit:
    item_id: int
    score: float


def top_k(
    query_vecs: dict[str, Vector],
    item_ids: Sequence[int],
    item_vecs: dict[str, Vector],
    k: int,
    mode: Mode = "hybrid",
    tone: tuple[float, Vector] | None = None,
    tone_weight: float = MODEL.tone_weight,
) -> list[Hit]:
    """Score every item against the query and return the best ``k``.

    ``query_vecs`` / ``item_vecs`` hold the kinds ``"features"`` (serialised feature
    set) and ``"raw"`` (the text itself); matrices are row-aligned with ``item_ids``.
    """
    if not item_ids or k <= 0:
        return []
    if mode == "random":
        seed = int(abs(float(np.asarray(query_vecs["raw"]).sum())) * 1e6) % (2**32)
        order = np.random.default_rng(seed).permutation(len(item_ids))[: min(k, len(item_ids))]
        return [Hit(item_id=int(item_ids[i]), score=1.0) for i in order]
    if mode == "features":
        scores = item_vecs["features"] @ query_vecs["features"]
    elif mode == "raw":
        scores = item_vecs["raw"] @ query_vecs["raw"]
    else:
        # Hybrid: the feature-level and the raw-text similarity, equally weighted.
        scores = 0.5 * (item_vecs["features"] @ query_vecs["features"]) + 0.5 * (
            item_vecs["raw"] @ query_vecs["raw"]
        )
    if tone is not None and mode != "raw" and tone_weight:
        q_tone, item_tone = tone
        scores = scores - tone_weight * np.abs(item_tone - q_tone)
    k = min(k, len(item_ids))
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [Hit(item_id=int(item_ids[i]), score=round(float(scores[i]), 4)) for i in idx]


# -- standing preferences ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PrefIndex:
    """The user's current preferences, one vector row per statement."""

    vectors: Vector
    factor_of_row: tuple[str, ...]
    strength: tuple[float, ...]
    factors: Mapping[str, Factor]  # the current ones, each with a row
    # Every preference of the statements recorded since the last build, as learned
    # (vetoed and superseded ones too): the user's controls reach them before that build.
    fresh: tuple[Factor, ...] = ()
    # The distinct factors of ``factor_of_row`` (first seen first) and each row's
    # position among them: what a query's best row per preference is taken over.
    owners: tuple[str, ...] = ()
    codes: NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, dtype=np.intp))


@dataclass(frozen=True, slots=True)
class Applying:
    factor: Factor
    score: float  # what ranks it: similarity, strength, less its share near any request
    because: str


def among(
    keep: Sequence[int], item_ids: Sequence[int], item_vecs: dict[str, Vector],
    tone: tuple[float, Vector] | None = None,
) -> tuple[list[int], dict[str, Vector], tuple[float, Vector] | None]:
    """The ids, vectors and tones of the items in ``keep`` only (row-aligned as
    :func:`top_k` reads them): what a prediction retrieves from, so an item without an
    answer (a chat turn beside rated reviews) never takes a rated neighbour's place."""
    wanted = set(keep)
    rows = [n for n, i in enumerate(item_ids) if i in wanted]
    vecs = {k: v[rows] for k, v in item_vecs.items() if k in ("features", "raw")}
    sub_tone = (tone[0], tone[1][rows]) if tone is not None else None
    return [item_ids[n] for n in rows], vecs, sub_tone


def pref_index(
    items: Mapping[int, Item],
    features: Mapping[int, Sequence[Feature]],
    vectors: Mapping[int, Vector],
    factors: Sequence[Factor],
    hidden: set[str],
) -> PrefIndex:
    """``factors``: the visible factors (the overlay applied); ``hidden``: ids of vetoed
    preferences, whose statements stay out even before a build links them. A choice has
    a second row: the exchange that offered the options ("what workout would you
    recommend? ... 1. HIIT 2. ..."), so a later question like that request finds it."""
    built = {f.id: f for f in factors if f.stats.get("kind") == "preference"}
    rows: list[Vector] = []
    owner: list[str] = []
    strength: list[float] = []
    fresh: list[Evidence] = []
    for iid, fs in features.items():
        mat = vectors.get(iid)
        for f in fs:
            row = f.attr("row")
            if f.kind != "preference" or mat is None or not row.isdigit() or int(row) >= len(mat):
                continue
            vec = mat[int(row)]
            if f.factor_id is None:
                fresh.append(Evidence(iid, f, vec, items[iid].created_at if iid in items else None))
                continue
            fac = built.get(f.factor_id)
            if fac is None or fac.stats.get("superseded_by"):
                continue  # vetoed, or replaced by a later statement
            for v in (vec, *_offer(f, mat)):
                rows.append(v)
                owner.append(fac.id)
                strength.append(f.weight)
    alone, of_name = standing(fresh)
    for fac in alone:
        if fac.id not in hidden and fac.id not in built and not fac.stats.get("superseded_by"):
            built[fac.id] = fac
    for ev in fresh:
        fid = of_name.get(ev.feature.name)
        if fid is not None and fid in built:
            for v in (ev.vector, *_offer(ev.feature, vectors[ev.item_id])):
                rows.append(v)
                owner.append(fid)
                strength.append(ev.feature.weight)
    dim = next(iter(vectors.values())).shape[-1] if vectors else 0
    mat = np.stack(rows).astype(np.float32) if rows else np.zeros((0, dim), dtype=np.float32)
    live = set(owner)
    current = {fid: f for fid, f in built.items() if fid in live}
    owners = tuple(dict.fromkeys(owner))
    at = {fid: n for n, fid in enumerate(owners)}
    codes = np.asarray([at[fid] for fid in owner], dtype=np.intp)
    return PrefIndex(mat, tuple(owner), tuple(strength), current, tuple(alone), owners, codes)


def _offer(f: Feature, mat: Vector) -> list[Vector]:
    row = f.attr("offer_row")
    return [mat[int(row)]] if row.isdigit() and int(row) < len(mat) else []


def applying(
    idx: PrefIndex, query: Vector, phrases: Sequence[str], k: int, floor: float | None = None,
    embed: Callable[[Sequence[str]], Vector] | None = None, domains: Vector | None = None,
    generic: Vector | None = None,
) -> list[Applying]:
    """The topical preferences that apply to the query (``query``: its plain embedding;
    ``phrases``: its topic phrases, strongest first), the strongest first, at most ``k``.
    Instructions about answers are not among them (:func:`instructions` serves them).
    ``embed`` embeds the phrases, called only when something applies, and ``domains`` are
    the domain descriptions' vectors: what :func:`because` names the link with; ``generic``
    the direction of requests in general (``features.reader.REQUESTS``), whose share of a statement's
    similarity is taken off."""
    if not len(idx.vectors) or k <= 0:
        return []
    floor = MODEL.pref_floor if floor is None else floor
    sims = idx.vectors @ query + MODEL.pref_strength_weight * (np.asarray(idx.strength) - 1.0)
    near = np.full(len(idx.owners), -np.inf)
    np.maximum.at(near, idx.codes, sims)  # each preference's best row: whether it applies
    if generic is not None:
        sims = sims - MODEL.pref_generic_weight * (idx.vectors @ generic)
    best = np.full(len(idx.owners), -np.inf)
    np.maximum.at(best, idx.codes, sims)  # and how it ranks among those that do
    # A preference counts from above -2 (below any cosine), as the best so far started;
    # an instruction about answers never competes (no question is about it).
    keep = [j for j in np.flatnonzero((near > -2.0) & (near >= floor)).tolist()
            if not is_instruction(idx.factors[idx.owners[j]])]
    chosen = sorted(((float(best[j]), j) for j in keep), reverse=True)[:k]
    vecs = embed(phrases) if chosen and phrases and embed is not None else None
    return [
        Applying(f, round(s, 4), because(f, idx.vectors[idx.codes == j], phrases, vecs, domains))
        for s, j in chosen
        for f in (idx.factors[idx.owners[j]],)
    ]


# -- why a preference applies, and what applies to every answer ---------------------------
#
# "Why" names what links the question to the preference: the query's topic phrase whose
# embedding is closest to one of the preference's own (the person's words, the options
# they were offered), from ``MODEL.pref_why_floor`` on; else the phrase that is about the
# preference's domain (nearest to that domain's description, from ``MODEL.pref_why_domain``
# on). Otherwise no phrase of the question speaks of it, and the reason says only that the
# question as a whole is near it: naming the query's strongest phrase instead would claim
# a link that is not there ("money; the question asks about “far”").
#
# An instruction about answers ("keep answers short", "metric units please") is about no
# topic, so no question is similar to it: it is served with every retrieval, apart from
# the topical preferences that compete on similarity.

# The domain of a standing instruction about answers (engine/features/reader.py).
ANSWERS = "answers"


def is_instruction(pref: Factor) -> bool:
    """An instruction about how to answer, rather than a preference about a topic: said as
    one (the extraction's reading of the sentence). A statement or choice whose words are
    merely nearest the description of answers ("I usually present 2-3 concepts to give
    clients options") keeps competing on similarity."""
    return pref.stats.get("said_as") == "instruction" and pref.stats.get("domain") == ANSWERS


def instructions(prefs: Sequence[Factor]) -> list[Factor]:
    """The person's current instructions about answers among ``prefs`` (the current
    preferences: superseded and vetoed ones are already left out), in ``ranked`` order."""
    return ranked([f for f in prefs if is_instruction(f) and not f.stats.get("superseded_by")])


def because(
    pref: Factor, rows: Vector, phrases: Sequence[str], phrase_vecs: Vector | None,
    domains: Vector | None = None,
) -> str:
    """Why ``pref`` applies: its domain, and the query phrase that links the question to it
    (``rows``: the preference's vectors; ``phrase_vecs``: one unit vector per phrase;
    ``domains``: the embeddings of the domain descriptions, in ``DOMAINS`` order)."""
    domain = str(pref.stats.get("domain") or "preference")
    linked = _link(domain, rows, phrase_vecs, domains) if len(phrases) else None
    if linked is None:
        return f"{domain}; near the question as a whole, no phrase of it names this"
    return f"{domain}; the question asks about “{phrases[linked]}”"


def _link(domain: str, rows: Vector, phrase_vecs: Vector | None, domains: Vector | None) -> int | None:
    """The phrase closest to the preference's own words, if one is close enough; else the
    phrase most clearly of the preference's domain (the domain it is nearest to, and near
    enough): "street-food tour" is about food before any word of "I love spicy food" is
    close to it. None when no phrase is either."""
    if phrase_vecs is None or not len(phrase_vecs) or not len(rows):
        return None
    pv = np.asarray(phrase_vecs)
    own = (pv @ np.asarray(rows).T).max(axis=1)
    if float(own.max()) >= MODEL.pref_why_floor:
        return int(np.argmax(own))
    names = list(DOMAINS)
    if domains is None or domain not in names:
        return None
    by_domain = pv @ np.asarray(domains).T
    mine = by_domain[:, names.index(domain)]
    ok = (by_domain.argmax(axis=1) == names.index(domain)) & (mine >= MODEL.pref_why_domain)
    return int(np.argmax(np.where(ok, mine, -np.inf))) if ok.any() else None


def named_items(f: Factor) -> list[int]:
    """The items a preference names: the latest few that said it."""
    return [int(i) for i in f.stats.get("items", [])][-MODEL.pref_cited_items:]


def cited(found: Sequence[Applying]) -> set[int]:
    """The history items the applying preferences name (and so show already)."""
    return {i for a in found for i in named_items(a.factor)}
