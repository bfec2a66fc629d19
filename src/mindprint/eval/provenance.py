"""Which code produced a run: the checked-out commit, read without running git."""

from __future__ import annotations

from pathlib import Path


def git_commit(start: Path | None = None) -> str | None:
    """The checked-out commit of the repository holding mindprint, read from ``.git``.

    Read from the files (HEAD, loose and packed refs) rather than by running git,
    which may be absent where the harness runs.
    """
    here = (start or Path(__file__)).resolve()
    for folder in (here, *here.parents):
        dot_git = folder / ".git"
        if dot_git.is_file():  # a worktree: "gitdir: <path>"
            text = dot_git.read_text(encoding="utf-8").strip()
            if not text.startswith("gitdir:"):
                return None
            dot_git = (folder / text.split(":", 1)[1].strip()).resolve()
        if dot_git.is_dir():
            return _resolve_head(dot_git)
    return None


def _resolve_head(git_dir: Path) -> str | None:
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not head.startswith("ref:"):
        return head or None
    ref = head.split(":", 1)[1].strip()
    common = git_dir
    if (git_dir / "commondir").is_file():
        common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
    for base in (git_dir, common):
        loose = base / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip() or None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref:
                return parts[0]
    return None  # a branch without commits yet
