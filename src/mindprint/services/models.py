"""Building and refreshing a user's model: import items, run the pipeline, keep the
factor table fresh as feedback arrives."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mindprint.engine.factors.standing import ranked
from mindprint.engine.features.extract import CorpusStats
from mindprint.engine.features.turns import Before, previous_answers
from mindprint.engine.llm.interface import acting_for
from mindprint.engine.pipeline import Pipeline
from mindprint.engine.predict.index import answers_of, evidence
from mindprint.engine.types import Factor, Item
from mindprint.services.core import Core
from mindprint.services.overlay import pinned, visible
from mindprint.store import AddResult, NewItem
from mindprint.store.repository import ItemArtifacts, UserModelMeta

log = logging.getLogger("mindprint")

Progress = Callable[[int, int], None]
# What the item stage reads besides the items: the user's word statistics, for each
# conversation turn the previous turn and its answer, and the pipeline of this build
# (embedding a text repeated across batches once).
Context = tuple[CorpusStats, dict[int, Before], Pipeline]

# Rebuild the factor table in the background once this share of the history is new.
REFRESH_SHARE = 0.1
REFRESH_MIN_ITEMS = 3


def grown(built: int, now: int) -> bool:
    """Whether a history read at ``built`` items has grown enough by ``now`` to be read again:
    by a tenth of it, and by at least ``REFRESH_MIN_ITEMS``."""
    return now - built >= max(REFRESH_MIN_ITEMS, int(REFRESH_SHARE * built))


@dataclass(frozen=True, slots=True)
class BuildReport:
    user_id: str
    items: int
    processed: int
    factors: int
    seconds: float
    extractor: str
    # Items whose LLM features had fallen back to offline ones, sent to the LLM again.
    retried: int = 0


class ModelService:
    def __init__(self, core: Core) -> None:
        self.store, self.pipeline, self.model_id = core.store, core.pipeline, core.model_id
        self.index, self.inputs = core.index, core.inputs
        self.population = core.population
        self.background = core.background

    def add_items(self, user_id: str, items: Sequence[NewItem]) -> AddResult:
        self.inputs.items(items)
        return self.store.add_items(self.inputs.user(user_id), items)

    def factors(
        self, user_id: str | None, limit: int | None = None
    ) -> tuple[UserModelMeta | None, list[Factor], int]:
        """(build metadata, the strongest ``limit`` factors or all of them, history size)."""
        uid = self.inputs.user(user_id)
        self.store.require_user(uid)
        # As the user steered them (vetoed out, pinned first), then the page.
        facs = visible(self.store, uid, self.store.all_factors(uid))
        if limit is not None:
            facs = facs[: max(0, min(limit, self.store.max_page))]
        return self.store.get_user_model(uid), facs, self.store.count_items(uid)

    def preferences(self, user_id: str | None) -> list[Factor]:
        """The user's current standing preferences in ``ranked`` order (pinned ones
        before them): those the last build grouped and those recorded since, as
        retrieval serves them; superseded and vetoed ones left out."""
        uid = self.inputs.user(user_id)
        self.store.require_user(uid)
        with acting_for(uid):
            prefs = ranked(list(self.index.both(uid)[1].factors.values()))
        first = pinned(self.store, uid)
        return [f for f in prefs if f.id in first] + [f for f in prefs if f.id not in first]

    def model_meta(self, user_id: str | None) -> UserModelMeta | None:
        """The last build's metadata and summary (the style profile), None before it."""
        return self.store.get_user_model(self.inputs.user(user_id))

    def host_reasons(self, user_id: str) -> set[str]:
        """The features the host model stated (record_feedback reasons), by name."""
        return self.store.host_feature_names(self.inputs.user(user_id))

    def build(self, user_id: str, *, progress: Progress | None = None, batch: int = 64) -> BuildReport:
        """Build (or finish building) the user model. Resumable: done items are skipped;
        items whose LLM features fell back to offline ones are retried once per build."""
        uid = self.inputs.user(user_id)
        self.store.require_user(uid)
        self.store.scrub_deleted()
        t0 = time.perf_counter()
        with acting_for(uid), self.index.lock_for(uid):
            # Every write of this build checks it, so a forget (from any process)
            # landing midway stops the build instead of resurrecting the user.
            gen = self.store.generation(uid)
            total = self.store.count_items(uid)
            all_items = [it for page in self.store.iter_items(uid) for it in page]
            corpus = CorpusStats.from_texts(it.text for it in all_items)
            # Listed before new items are processed: an item falling back in this build
            # waits for the next one, so a failing provider is not asked again and again.
            fallen_back = self.store.items_fallen_back(uid, self.pipeline.id)
            before = previous_answers(all_items)
            ctx = (corpus, before, self.pipeline.remembering())
            processed = self._item_stage(uid, gen, total, ctx, progress, batch)
            retried = self._retry_fallbacks(uid, gen, fallen_back, ctx, batch)
            n_factors = self._user_stage(uid, gen, all_items, corpus)
        self.index.invalidate(uid)
        return BuildReport(
            user_id=uid,
            items=total,
            processed=processed,
            factors=n_factors,
            seconds=round(time.perf_counter() - t0, 3),
            extractor=self.pipeline.id,
            retried=retried,
        )

    def _item_stage(
        self, uid: str, gen: int, total: int, ctx: Context, progress: Progress | None,
        batch: int,
    ) -> int:
        """Features, vectors and path of every item not yet done, in resumable batches."""
        processed = 0
        done = total - len(self.store.items_without_features(uid, self.pipeline.id, total + 1))
        if progress:
            progress(done, total)
        while True:
            todo = self.store.items_without_features(uid, self.pipeline.id, batch)
            if not todo:
                return processed
            self._process(uid, gen, todo, ctx)
            processed += len(todo)
            done += len(todo)
            if progress:
                progress(done, total)

    def _retry_fallbacks(self, uid: str, gen: int, ids: list[int], ctx: Context, batch: int) -> int:
        """Run the item stage again on the items that fell back. Each batch replaces its
        items' artefacts in one transaction, and only once the new ones are computed: a
        provider that fails again (the items stay ``fallback``) or stops the build
        (:class:`ProviderUnavailable`) leaves the stored fallback output as it was.
        Without an LLM nothing is listed (offline extraction never falls back)."""
        retried = 0
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            found = self.store.get_items(uid, chunk)
            # An item deleted meanwhile (by another process) has nothing to retry.
            todo = [found[i] for i in chunk if i in found]
            self._process(uid, gen, todo, ctx)
            retried += len(todo)
        return retried

    def _process(self, uid: str, gen: int, todo: list[Item], ctx: Context) -> None:
        """The item stage of ``todo``, saved in one transaction. ``ctx``: the user's word
        statistics and what each conversation turn replies to."""
        if not todo:
            return
        # Re-extraction keeps what the host model stated about these items.
        stored = self.store.get_features(uid, [it.id for it in todo])
        given = {i: [f for f in fs if f.origin == "host"] for i, fs in stored.items()}
        results = ctx[2].process_items(todo, ctx[0], given=given, before=ctx[1])
        self.store.save_artifacts(
            uid,
            self.pipeline.id,
            self.model_id,
            [ItemArtifacts(r.item_id, r.features, r.vectors, r.path) for r in results],
            generation=gen,
        )

    def _user_stage(self, uid: str, gen: int, items: list[Item], corpus: CorpusStats) -> int:
        feats_by_item = self.store.get_features(uid)
        items = [it for it in items if it.id in feats_by_item]
        feats = [feats_by_item[it.id] for it in items]
        previous = self.store.all_factors(uid)
        residuals, unit = self._residuals(uid)
        c = self.index.get(uid)
        row = {i: n for n, i in enumerate(c.ids)}
        contexts = (c.vectors["raw"][[row[it.id] for it in items]]
                    if all(it.id in row for it in items) else None)
        model = self.pipeline.build_user(
            items, feats, previous, residuals,
            pref_vectors=self.store.get_pref_vectors(uid, self.model_id), unit=unit,
            contexts=contexts,
        )
        self.store.save_user_model(
            uid, model.factors, model.summary, self.pipeline.id, corpus=corpus.to_json(),
            generation=gen,
        )
        self.store.set_feature_factors(uid, model.assignment, generation=gen)
        self.store.update_paths(uid, model.paths, generation=gen)
        return len(model.factors)

    def _residuals(self, uid: str) -> tuple[dict[int, float], str]:
        """Each rated item's ``score - population(text)``: what factor statistics measure;
        and the unit they are in ("stars" on a 1-5 scale)."""
        self.index.invalidate(uid)
        c = self.index.get(uid)
        answers = answers_of(c)
        if answers is None or not answers.is_scale:
            return {}, ""
        pop = self.population.everyone(uid, answers, c)
        if pop is None:
            return {}, ""
        unit = "stars" if answers.scale == (1.0, 5.0) else "points"
        return {e.item_id: float(e.residual[0]) for e in evidence(pop, c)}, unit

    # -- background refresh -----------------------------------------------------------

    def _refresh_due(self, uid: str) -> bool:
        meta = self.store.get_user_model(uid)
        n = self.store.count_items(uid)
        built = meta.item_count if meta else 0
        return grown(built, n)

    def rebuild_soon(self, uid: str) -> bool:
        """Rebuild in the background now (an item was deleted or restored)."""
        return self.schedule_refresh(uid, force=True)

    def schedule_refresh(self, uid: str, *, force: bool = False) -> bool:
        """Rebuild in the background if enough of the history is new (``force``: in
        any case); True if scheduled (or already running)."""
        if not force and not self._refresh_due(uid):
            return False

        def run() -> None:
            # Another process sharing the database may have rebuilt meanwhile.
            if force or self._refresh_due(uid):
                self.build(uid)

        self.background.once("refresh", uid, run)
        return True

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Wait for the work in the background: refreshes and backtests (tests, shutdown)."""
        self.background.wait_idle(timeout)
