"""Where mindprint keeps its files (and how to run this program from a shell), which
setting chose each, and whether each is usable; and what a person with no history yet
is told about them (the database and the command that imports into it).

``mindprint where`` prints these. MCP clients do not pass the shell's environment to the
servers they start, so a client without ``MINDPRINT_HOME`` in its config uses the
default home: this is how a person finds out which database a command or a client uses.
Nothing here creates, migrates or locks anything, and nothing heavy is imported until
:func:`locations` runs (the server names its program in a new person's welcome).
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from mindprint.errors import MindprintError

# A person with no history yet gets an empty model and this welcome, not an error: the
# assistant is told to call get_user_factors first, so it is everyone's first result.
WELCOME = (
    "Nothing is stored for user {user} yet (database: {db}), so there is no model of them "
    "to use yet. mindprint learns from their history and feedback: the preferences they "
    "state, the reasons they judge things by (price, durability, tone, ...), how their "
    "answers depart from what anyone would answer given the same text, the reasoning "
    "behind each past answer, and their writing style. record_feedback starts the "
    "learning at once: every correction, rating or edit recorded is stored and retrievable "
    "immediately, and the factors are rebuilt as feedback accumulates. To start from an "
    "existing history (a ChatGPT, Claude, Goodreads or Letterboxd export, or any CSV/JSON "
    "file), run in a terminal, with the downloaded file in place of "
    "path/to/export.zip:\n{command}"
)


@dataclass(frozen=True, slots=True)
class Location:
    name: str  # home, database, model, tokens
    path: Path
    chosen_by: str  # the variable that set it, or "default"
    usable: bool
    status: str  # "ok: ..." details, or what is wrong and how to fix it


def _chosen_by(*names: str) -> str:
    return next((n for n in names if os.environ.get(n, "").strip()), "default")


def _folder(path: Path) -> tuple[bool, str]:
    if path.is_dir():
        return (True, "exists") if os.access(path, os.W_OK) else (False, "not writable by you")
    parent = next((d for d in path.parents if d.exists()), None)
    if parent is not None and os.access(parent, os.W_OK):
        return True, "not created yet: created on first use"
    return False, f"cannot be created ({parent or path.parent} is not writable)"


def _model(path: Path) -> tuple[bool, str]:
    from mindprint.embed import check_model

    try:
        check_model(path)
    except MindprintError as e:
        return False, str(e)
    return True, "installed"


def _tokens(path: Path) -> tuple[bool, str]:
    # Only for `serve --transport http`; stdio needs none. Reading and validating the
    # file is the server's job (its errors say what to fix); here: is it there.
    if not path.exists():
        return False, "not created (HTTP serving only): `mindprint token new --user <you>` makes it"
    if not os.access(path, os.R_OK):
        return False, "not readable by you"
    return True, "exists"


def locations() -> list[Location]:
    """Home, database, model and tokens file, as the settings of this process say."""
    from mindprint.settings import EmbeddingSettings, ServerSettings, StoreSettings
    from mindprint.store.db import inspect_database

    store, emb, server = StoreSettings(), EmbeddingSettings(), ServerSettings()
    home = store.home.expanduser()
    home_by = _chosen_by("MINDPRINT_HOME")
    found = [
        ("home", home, home_by, _folder(home)),
        ("database", store.db_path.expanduser(), _chosen_by("MINDPRINT_DB", "MINDPRINT_HOME"),
         inspect_database(store.db_path)),
        ("model", emb.resolved_model_dir.expanduser(),
         _chosen_by("MINDPRINT_MODEL_DIR", "MINDPRINT_HOME"), _model(emb.resolved_model_dir)),
        ("tokens", server.default_tokens_file.expanduser(),
         _chosen_by("MINDPRINT_TOKENS_FILE", "MINDPRINT_HOME"), _tokens(server.default_tokens_file)),
    ]
    return [Location(name, path, by, ok, why) for name, path, by, (ok, why) in found]


def quote(arg: str) -> str:
    """``arg`` as one word of a shell command line (POSIX shells, cmd and PowerShell
    all read a double-quoted word without spaces or quotes inside as one)."""
    if arg and not any(c in arg for c in ' \t"\'$`&|;<>()*?[]{}!#~%^'):
        return arg
    return '"' + arg.replace('"', '\\"') + '"'


def executable(argv0: str | None = None) -> Path | None:
    """The absolute path of the running ``mindprint`` program (None when run another
    way, e.g. ``python -m mindprint`` or inside a test runner)."""
    raw = argv0 if argv0 is not None else (sys.argv[0] if sys.argv else "")
    if not raw or Path(raw).stem.lower() != "mindprint":
        return None
    has_sep = os.sep in raw or bool(os.altsep and os.altsep in raw)
    found = raw if has_sep else shutil.which(raw)
    return Path(found).resolve() if found else None


def program(argv0: str | None = None, *, relative: bool = True) -> str:
    """How to run this mindprint from the user's shell: ``mindprint`` when that name on
    PATH is this program, else its path (``relative``: from the current folder when
    inside it, e.g. ``.venv/bin/mindprint`` after ``make demo``; a server, whose folder
    is its client's choice, names the absolute path)."""
    exe = executable(argv0)
    if exe is None:
        return "mindprint"
    on_path = shutil.which("mindprint")
    if on_path is not None and Path(on_path).resolve() == exe:
        return "mindprint"
    shown = str(exe)
    if relative and exe.is_relative_to(Path.cwd().resolve()):
        shown = str(exe.relative_to(Path.cwd().resolve()))
    return quote(shown if os.sep in shown else f".{os.sep}{shown}")


def welcome(user_id: str, database: str, runs_as: str) -> str:
    """WELCOME for ``user_id``: the import command into ``database`` (``runs_as``: how
    this mindprint runs from a shell, see :func:`program`)."""
    command = f"{runs_as} --db {quote(database)} import path/to/export.zip --user {quote(user_id)}"
    return WELCOME.format(user=repr(user_id), db=database, command=command)
