"""A local HTTP server that speaks the Anthropic Messages and OpenAI Chat Completions wire
formats, so the real SDK clients (request building, retries, parsing) are exercised.

Its answers depend on the prompt's content (which items, which features), like a real
model's would; ``script`` queues overrides (a 429, a malformed answer, a slow answer). An
answer longer than the request's ``max_tokens`` is cut there and its stop reason says so
(``length`` / ``max_tokens``), as a real server's is.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mindprint.engine.features.text import content_words

Reply = Callable[[str, str], str]


@dataclass
class Scripted:
    status: int = 200
    text: str | None = None  # the model's text; None = the content-dependent reply
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def _fenced(block: str, kind: str) -> str:
    m = re.search(rf'<untrusted_data kind="{kind}"[^>]*>\n(.*?)\n</untrusted_data>', block, re.S)
    return m.group(1) if m else ""


def _items(prompt: str) -> list[tuple[int, str]]:
    out = []
    for m in re.finditer(r"## item (\d+)\n(.*?)(?=\n## item |\Z)", prompt, re.S):
        block = m.group(2)
        out.append((int(m.group(1)), _fenced(block, "input") or _fenced(block, "response")))
    return out


def _names(text: str, n: int = 2) -> list[str]:
    words = sorted(set(content_words(text)), key=lambda w: (-len(w), w))
    return words[:n] or ["general"]


# The preference stage's reading of a sentence: first person plus a stance word.
_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'd|my|me)\b")
_STANCES = [
    (re.compile(r"\b(hate|can't stand|avoid|dislike|allergic|never)\b", re.I), "avoids", "firm"),
    (re.compile(r"\b(need|must|have to|only)\b", re.I), "needs", "strict"),
    (re.compile(r"\b(love|prefer|like|enjoy|favou?rite)\b", re.I), "likes", "prefer"),
]
_PICK = re.compile(r"\b(go with|I'll take|option \d|the (first|second|third) one)\b", re.I)


def preference_turns(prompt: str) -> list[tuple[int, list[tuple[int, str, str]]]]:
    """The preference prompt's items: (number, [(turn, assistant's words, user's words)])."""
    out = []
    for m in re.finditer(r"## item (\d+)\n(.*?)(?=\n## item |\Z)", prompt, re.S):
        turns = [(int(t.group(1)), _fenced(t.group(2), "assistant"), _fenced(t.group(2), "user"))
                 for t in re.finditer(r"### turn (\d+)[^\n]*\n(.*?)(?=\n### turn |\Z)", m.group(2), re.S)]
        out.append((int(m.group(1)), turns))
    return out


def _said(turn: int, before: str, text: str) -> list[dict[str, object]]:
    """A turn's preferences: a pick among the assistant's sentences, or each first-person
    sentence with a stance word, quoted as written."""
    if before and _PICK.search(text):
        said = set(content_words(text))
        options = re.split(r"(?<=[.!?])\s+", before)
        chosen = max(options, key=lambda o: len(said & set(content_words(o))))
        return [{"turn": turn, "quote": text, "stance": "likes", "firmness": "prefer",
                 "said_as": "choice", "chosen": chosen}]
    out: list[dict[str, object]] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        stance = next(((st, fi) for rx, st, fi in _STANCES if rx.search(sentence)), None)
        if stance and _FIRST_PERSON.search(sentence):
            out.append({"turn": turn, "quote": sentence, "stance": stance[0], "firmness": stance[1],
                        "said_as": "stated", "chosen": ""})
    return out


def smart_reply(system: str, prompt: str) -> str:
    """What a cooperative model would answer, computed from the prompt."""
    if "standing preferences" in system:
        return json.dumps({"items": [
            {"item": n, "preferences": [p for k, before, text in turns for p in _said(k, before, text)]}
            for n, turns in preference_turns(prompt)
        ]})
    if "answer a new input" in system:
        return json.dumps({"reasoning": "Similar items were rated 5.", "answer": "5"})
    if "reflection step of a personalization system" in system:
        draft = _fenced(prompt, "draft")
        return json.dumps({
            "profile_analysis": ["writes in lowercase (item 1)"],
            "gap_analysis": {"gaps": ["the draft is capitalised"], "preserve": ["the numbers"]},
            "edit_plan": [{"change": "lowercase", "reason": "item 1", "factor": "writing style",
                           "before": draft[:12], "after": draft[:12].lower()}],
            "rewrite": draft.lower(),
        })
    if "response-influential features of the INPUT" in system:
        return json.dumps({"items": [
            {"item": n, "features": [{"name": w, "context": f"mentions {w}"} for w in _names(text)]}
            for n, text in _items(prompt)
        ]})
    if "user-level factors" in system:
        lines = [ln[2:] for ln in prompt.splitlines() if ln.startswith("- ")]
        names = [ln.split(" (")[0].split(" | ")[0] for ln in lines]
        groups: dict[str, list[str]] = {}
        for nm in names:
            groups.setdefault(nm[0], []).append(nm)
        return json.dumps({"factors": [
            {"name": f"{k}-words", "description": f"Features starting with {k}", "members": v}
            for k, v in list(groups.items())[:6]
        ]})
    if "reasoning paths" in system:
        return json.dumps({"items": [
            {"item": n, "reasoning": f"The user reacted to {', '.join(_names(text))}."}
            for n, text in _items(prompt)
        ]})
    if "features of a new input" in system:
        text = _fenced(prompt, "input")
        return json.dumps({"features": [{"name": w, "context": "in the input", "factor": None}
                                         for w in _names(text, 3)]})
    return "{}"


# The fake's tokenizer: one token per 4 characters (the usage it reports counts the same).
CHARS_PER_TOKEN = 4


def _cap(text: str, max_tokens: int | None) -> tuple[str, bool]:
    """The answer cut at ``max_tokens`` as a server cuts it, and whether it was."""
    if max_tokens is None or len(text) <= max_tokens * CHARS_PER_TOKEN:
        return text, False
    return text[: max_tokens * CHARS_PER_TOKEN], True


class FakeLLM:
    def __init__(self, reply: Reply = smart_reply) -> None:
        self.reply = reply
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.script: list[Scripted] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _next(self) -> Scripted:
        with self._lock:
            return self.script.pop(0) if self.script else Scripted()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # silence stderr
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with fake._lock:
                    fake.requests.append((self.path, body))
                step = fake._next()
                if step.delay:
                    time.sleep(step.delay)
                if step.status != 200:
                    self._send(step.status, {"error": {"type": "rate_limit_error", "message": "slow down"}},
                               step.headers)
                    return
                if self.path.endswith("/messages"):
                    system = body.get("system", "")
                    prompt = body["messages"][0]["content"]
                    text = step.text if step.text is not None else fake.reply(system, prompt)
                    text, cut = _cap(text, body.get("max_tokens"))
                    self._send(200, {
                        "id": "msg_1", "type": "message", "role": "assistant", "model": body["model"],
                        "content": [{"type": "text", "text": text}],
                        "stop_reason": "max_tokens" if cut else "end_turn", "stop_sequence": None,
                        "usage": {"input_tokens": len(prompt) // 4, "output_tokens": len(text) // 4},
                    })
                elif self.path.endswith("/chat/completions"):
                    msgs = body["messages"]
                    system, prompt = msgs[0]["content"], msgs[-1]["content"]
                    text = step.text if step.text is not None else fake.reply(system, prompt)
                    text, cut = _cap(text, body.get("max_tokens"))
                    self._send(200, {
                        "id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                        "model": body["model"],
                        "choices": [{"index": 0, "finish_reason": "length" if cut else "stop",
                                     "message": {"role": "assistant", "content": text}}],
                        "usage": {"prompt_tokens": len(prompt) // 4,
                                  "completion_tokens": len(text) // 4,
                                  "total_tokens": (len(prompt) + len(text)) // 4},
                    })
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                # The client may have given up already (the timeout test): expected.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

        return Handler


@contextmanager
def fake_llm(reply: Reply = smart_reply) -> Iterator[FakeLLM]:
    fake = FakeLLM(reply)
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
