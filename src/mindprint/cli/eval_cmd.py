"""``mindprint eval``: run the methods side by side on a LaMP-format data set.

Heavy imports (the app, numpy, matplotlib) happen inside the command, so loading
the CLI for any other command stays fast. ROUGE, BM25 and the plots are the ``eval``
extra, which serving does not install: without it the command says how to add it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mindprint.cli.common import err, out

if TYPE_CHECKING:
    from rich.console import Console

    from mindprint.engine.protocols import Embedder
    from mindprint.eval.runs import EvalConfig, EvalRun

TASK_HELP = "rating, classification, generation, rewrite, category or recall."
# What the eval extra brings (pyproject.toml), by import name.
EVAL_EXTRA = ("rouge_score", "rank_bm25", "matplotlib")


def require_eval_extra() -> None:
    """Refuse, with the command that fixes it, when the eval extra is not installed."""
    import importlib

    from mindprint.errors import ConfigError

    missing = []
    for name in EVAL_EXTRA:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise ConfigError(
            f"`mindprint eval` needs the eval extra ({', '.join(missing)} missing), which "
            "serving does not install. Add it with `pip install 'mindprint[eval]'` (in a "
            "checkout: `.venv/bin/pip install -e '.[eval]'`, or `make setup`); with uv, run "
            "`uvx --from 'mindprint[eval]' mindprint eval ...` (from a checkout: "
            "`--from '/path/to/mindprint[eval]'`)."
        )


def _embedder(kind: str, cache: bool) -> Embedder:
    from mindprint.embed import FakeEmbedder, FastEmbedEmbedder
    from mindprint.errors import InvalidInputError
    from mindprint.eval.vector_cache import DiskCachedEmbedder, default_dir
    from mindprint.settings import EmbeddingSettings

    if kind == "fake":
        return FakeEmbedder()
    if kind != "model":
        raise InvalidInputError(f"--embedder must be 'model' or 'fake', not {kind!r}")
    es = EmbeddingSettings()
    model = FastEmbedEmbedder(
        es.resolved_model_dir, batch_size=es.embed_batch_size, threads=es.embed_threads,
        spin=es.embed_spin,
    )
    return DiskCachedEmbedder(model, default_dir()) if cache else model


# The options of ``mindprint eval``, one alias each, so the command reads as a list.
TaskOpt = Annotated[str, typer.Option("--task", help=TASK_HELP)]
OutDirOpt = Annotated[
    Path, typer.Option("--out", help="Output folder: results.json, results.md, PNGs.")
]
DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="A data set folder (LaMP format, or per-annotator with task.json), or the "
        "shared data root (the task's default folder is used). Default: "
        "$MINDPRINT_SHARED_DATA, else ../shared/data beside the repository.",
    ),
]
SplitOpt = Annotated[
    str,
    typer.Option(
        "--split",
        help="dev, test or all: a stable hash over users (over texts for per-annotator "
        "sets). Make choices on dev; report test.",
    ),
]
ProtocolOpt = Annotated[
    str,
    typer.Option(
        "--protocol",
        help="offline (build from the whole history, answer the questions) or online "
        "(replay each history in time order through record_feedback, predicting each "
        "item before it is recorded).",
    ),
]
PopulationOpt = Annotated[
    str,
    typer.Option(
        "--population",
        help="shipped (deployment mode: each person alone, from the shipped model or their "
        "own history, with their own fitted departure, as a deployed server runs them), team "
        "(every user in one database, as a team server with MINDPRINT_TEAM runs them) or "
        "pool (the run's other users fitted leave-user-out: an upper reference).",
    ),
]
UsersOpt = Annotated[
    int | None, typer.Option("--users", help="Deterministic sample of N users (default all).")
]
MethodOpt = Annotated[
    list[str] | None,
    typer.Option("--method", help="Run only this method (repeatable; default all)."),
]
ProviderOpt = Annotated[
    str, typer.Option("--provider", help="offline (default), anthropic or openai (OPENAI_BASE_URL for any compatible server).")
]
KOpt = Annotated[int, typer.Option("--k", help="History items retrieved per query.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Sampling, random baseline, bootstrap.")]
KeepDbOpt = Annotated[
    bool, typer.Option("--keep-db", help="Keep the evaluation database in --out.")
]
EmbedderOpt = Annotated[
    str,
    typer.Option(
        "--embedder", help="model (the real all-MiniLM-L6-v2) or fake (smoke runs only)."
    ),
]
VectorCacheOpt = Annotated[
    bool,
    typer.Option(
        "--vector-cache/--no-vector-cache",
        help="Keep text embeddings between runs in $XDG_CACHE_HOME/mindprint/eval-vectors "
        "(off: embed everything, for cold timings).",
    ),
]


def eval_command(
    task: TaskOpt,
    out_dir: OutDirOpt,
    data: DataOpt = None,
    split: SplitOpt = "all",
    protocol: ProtocolOpt = "offline",
    population: PopulationOpt = "pool",
    users: UsersOpt = None,
    method: MethodOpt = None,
    provider: ProviderOpt = "offline",
    k: KOpt = 3,
    seed: SeedOpt = 0,
    keep_db: KeepDbOpt = False,
    embedder: EmbedderOpt = "model",
    vector_cache: VectorCacheOpt = True,
) -> None:
    """Evaluate mindprint against baselines, per user as in a real deployment."""
    require_eval_extra()
    from mindprint.cli.eval_progress import print_table
    from mindprint.eval.datasets import default_data_root
    from mindprint.eval.plots import write_plots
    from mindprint.eval.report import build_results, write_results
    from mindprint.eval.runs import EvalConfig

    if protocol not in ("offline", "online"):
        raise typer.BadParameter("--protocol must be offline or online")
    if population not in ("pool", "shipped", "team"):
        raise typer.BadParameter("--population must be pool, shipped or team")
    if population != "pool" and task == "recall":
        raise typer.BadParameter(
            "--population applies to the rating and label tasks: recall predicts nothing; "
            "drop --population")
    if population == "team" and protocol == "online":
        raise typer.BadParameter(
            "--population team is offline only (a team's histories replayed one person after "
            "another would not be a team's); use --population shipped or pool with --protocol online")
    config = EvalConfig(task=task, data_dir=data or default_data_root(), split=split,
                        out_dir=out_dir, users=users, methods=tuple(method or ()),
                        provider=provider, k=k, seed=seed, keep_db=keep_db,
                        population=population)
    model = _embedder(embedder, vector_cache)
    if task == "recall":
        _recall(config, embedder, model, out(), err(), online=protocol == "online")
        return
    if protocol == "online":
        _online(config, embedder, model, out(), err())
        return
    run = _run_with_progress(config, embedder, model, err())
    with err().status("Scoring and plotting …"):
        results = build_results(run)
        json_path, md_path = write_results(results, out_dir)
        plots = write_plots(results, out_dir)
    print_table(out(), results)
    out().print(
        f"[green]Wrote[/] {json_path}, {md_path} and {len(plots)} plot(s) in "
        f"{results['timing']['wall_seconds']:.0f} s ({results['n_users']} users)."
    )


def _online(
    config: EvalConfig, embedder: str, model: Embedder, out: Console, err: Console
) -> None:
    """The online protocol: replay each history in time order, then write its results."""
    from mindprint.cli.eval_progress import progress
    from mindprint.eval.online import run_online, write_online
    from mindprint.eval.online_alone import run_online_alone

    replay = run_online_alone if config.population == "shipped" else run_online
    with progress(config, err) as step:
        online = replay(config, model, progress=step, command=_command(config, embedder, "online"))
    paths = write_online(online, config.out_dir)
    out.print(online.markdown_table(), soft_wrap=True)
    out.print(f"[green]Wrote[/] {', '.join(str(p) for p in paths)}.")


def _recall(
    config: EvalConfig, embedder: str, model: Embedder, out: Console, err: Console, *, online: bool
) -> None:
    """The recall task (preferences stated in chat): its own runner and results."""
    from mindprint.cli.eval_progress import progress
    from mindprint.eval.recall_run import markdown, run_recall, write_recall

    with progress(config, err) as step:
        res = run_recall(config, model, online=online, progress=step,
                         command=_command(config, embedder, "online" if online else "offline"))
    paths = write_recall(res, config.out_dir)
    out.print(markdown(res), soft_wrap=True)
    out.print(f"[green]Wrote[/] {', '.join(str(p) for p in paths)}.")


def _run_with_progress(config: EvalConfig, embedder: str, model: Embedder, err: Console) -> EvalRun:
    from mindprint.cli.eval_progress import progress
    from mindprint.eval.runner import run_eval

    with progress(config, err) as step:
        return run_eval(config, model, progress=step, command=_command(config, embedder))


def _command(config: EvalConfig, embedder: str, protocol: str = "offline") -> list[str]:
    """The command line that reproduces the run, rebuilt from the parsed options."""
    cmd = ["mindprint", "eval", "--task", config.task, "--data", str(config.data_dir)]
    cmd += ["--out", str(config.out_dir), "--split", config.split]
    if protocol != "offline":
        cmd += ["--protocol", protocol]
    if config.population != "pool":
        cmd += ["--population", config.population]
    if config.users is not None:
        cmd += ["--users", str(config.users)]
    for m in config.methods:
        cmd += ["--method", m]
    cmd += ["--provider", config.provider, "--k", str(config.k), "--seed", str(config.seed)]
    if config.keep_db:
        cmd.append("--keep-db")
    if embedder != "model":
        cmd += ["--embedder", embedder]
    return cmd
