"""The composition root: settings in, a :class:`Mindprint` holding the services out.

This is the only place that reads settings and picks implementations (store,
embedder, pipeline, LLM providers). The work is done by the services in
:mod:`mindprint.services`; the few methods here are shortcuts to them for scripts,
tests and the evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.llm.interface import LLM
from mindprint.engine.llm.stages import llm_pipeline
from mindprint.engine.pipeline import Pipeline
from mindprint.engine.predict.deployment import PopulationSource
from mindprint.engine.predict.retrieval import Mode
from mindprint.engine.protocols import Embedder
from mindprint.engine.types import Factor
from mindprint.services.admin import AdminService
from mindprint.services.backtest import BacktestService
from mindprint.services.controls import ControlService
from mindprint.services.core import Core
from mindprint.services.feedback import FeedbackReceipt, FeedbackService
from mindprint.services.index import IndexCache
from mindprint.services.inputs import Inputs
from mindprint.services.models import BuildReport, ModelService, Progress
from mindprint.services.retrieval import RetrievalResult, RetrievalService
from mindprint.services.rewrite import RewriteOutcome, RewriteService
from mindprint.services.team import deployed
from mindprint.settings import EmbeddingSettings, LimitSettings, ProviderSettings, StoreSettings
from mindprint.store import AddResult, NewItem, Store
from mindprint.store.repository import UserModelMeta

# The result types, importable from here as before the services existed.
__all__ = ["BuildReport", "FeedbackReceipt", "Mindprint", "RetrievalResult", "RewriteOutcome"]


class Mindprint:
    """One store, one embedder, one pipeline, and the services over them."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        *,
        limits: LimitSettings | None = None,
        default_user: str = "default",
        pipeline: Pipeline | None = None,
        llm: LLM | None = None,
        rewrite_llm: LLM | None = None,
        population: PopulationSource | None = None,
        rewrite_temperature: float = 0.3,
        team: bool = False,
    ) -> None:
        """``population``: the model of everyone predictions depart from (default: the deployment
        policy; ``team``: a model of the store's other profiles among its candidates)."""
        self.store = store  # closed with the app; tests inspect it. Outer layers use services.
        self.embedder = embedder
        self.llm = llm
        self.limits = limits or LimitSettings()
        self.pipeline = pipeline or Pipeline(embedder)
        self.inputs = Inputs(self.limits, default_user)
        index = IndexCache(store, embedder.model_id)
        population = population or deployed(store, index, embedder.model_id, team=team)  # one, for the app's life
        core = Core(store, self.pipeline, embedder.model_id, index, self.inputs, population)
        self.models = ModelService(core)
        self.retrieval = RetrievalService(core)
        self.feedback = FeedbackService(core, self.models)
        self.rewriting = RewriteService(store, self.inputs, self.retrieval, rewrite_llm or llm,
                                        temperature=rewrite_temperature)
        self.admin = AdminService(store, index, self.inputs)
        self.controls = ControlService(store, index, self.inputs, self.models.rebuild_soon)
        self.backtest = BacktestService(core)

    @classmethod
    def from_settings(
        cls,
        store_settings: StoreSettings | None = None,
        embedding_settings: EmbeddingSettings | None = None,
        limits: LimitSettings | None = None,
        provider_settings: ProviderSettings | None = None,
    ) -> Mindprint:
        """Offline unless a provider is configured (MINDPRINT_PROVIDER or an API key);
        then every RPM stage and the rewrite are written by that LLM, and each call is
        logged in ``llm_calls``."""
        from mindprint.providers import create_provider, create_rewrite_provider

        ss = store_settings or StoreSettings()
        es = embedding_settings or EmbeddingSettings()
        lim = limits or LimitSettings()
        store = Store.open(ss.db_path, max_page=lim.max_page, **ss.open_options)
        embedder = FastEmbedEmbedder(es.resolved_model_dir, batch_size=es.embed_batch_size,
                                     threads=es.embed_threads, spin=es.embed_spin)
        ps = provider_settings or ProviderSettings()
        sink = lambda r: store.log_llm_call(r.as_row())  # noqa: E731
        llm = create_provider(ps, sink=sink)
        pipeline = llm_pipeline(embedder, llm) if llm is not None else None
        return cls(store, embedder, limits=lim, default_user=ss.user, pipeline=pipeline, llm=llm,
                   rewrite_llm=create_rewrite_provider(ps, sink=sink),
                   rewrite_temperature=ps.rewrite_temperature, team=ss.team)

    def close(self) -> None:
        self.wait_idle()
        self.store.close()

    # -- shortcuts to the services ----------------------------------------------------

    def user(self, user_id: str | None) -> str:
        """The validated user id (``None``: the configured user)."""
        return self.inputs.user(user_id)

    def add_items(self, user_id: str, items: Sequence[NewItem]) -> AddResult:
        return self.models.add_items(user_id, items)

    def build(self, user_id: str, *, progress: Progress | None = None, batch: int = 64) -> BuildReport:
        return self.models.build(user_id, progress=progress, batch=batch)

    def wait_idle(self, timeout: float = 120.0) -> None:
        self.models.wait_idle(timeout)

    def factors(self, user_id: str | None, limit: int | None = None) -> tuple[UserModelMeta | None, list[Factor], int]:
        return self.models.factors(user_id, limit)

    def retrieve(
        self, user_id: str | None, query: str, k: int = 3, *, mode: Mode = "hybrid", predict: bool = True
    ) -> RetrievalResult:
        return self.retrieval.retrieve(user_id, query, k, mode=mode, predict=predict)

    def record_feedback(
        self, user_id: str | None, query: str, response: str, *, rating: int | None = None,
        edited_response: str | None = None, comment: str | None = None, rewrite_id: int | None = None,
        reasons: Sequence[str] | None = None, label: str | None = None,
    ) -> FeedbackReceipt:
        return self.feedback.record(
            user_id, query, response, rating=rating, edited_response=edited_response,
            comment=comment, rewrite_id=rewrite_id, reasons=reasons, label=label,
        )

    def rewrite(self, user_id: str | None, draft: str, query: str | None = None) -> RewriteOutcome:
        return self.rewriting.rewrite(user_id, draft, query)

    def export(self, user_id: str | None) -> dict[str, Any]:
        return self.admin.export(user_id)

    def forget(self, user_id: str) -> dict[str, int]:
        return self.admin.forget(user_id)
