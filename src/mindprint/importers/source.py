"""Streaming access to an export: a plain file or one member of a zip, read in chunks.

Nothing here loads a whole file: JSON arrays are parsed one element at a time with
ijson (its C backend), CSV row by row, so the memory an import needs is that of the
largest single conversation, not of the export.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import ijson

from mindprint.errors import ImportFormatError

# CSV fields of exported reviews can be long (a Goodreads review is up to ~20k characters).
csv.field_size_limit(10_000_000)

OnBytes = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Source:
    """A file to read: ``path`` itself, or the zip member ``member`` inside it."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        return f"{self.path.name}:{self.member}" if self.member else self.path.name

    @property
    def size(self) -> int:
        """Bytes that :meth:`open` will deliver (uncompressed), for the progress bar."""
        if self.member is None:
            return self.path.stat().st_size
        with zipfile.ZipFile(self.path) as zf:
            return zf.getinfo(self.member).file_size

    @contextmanager
    def open(self, on_bytes: OnBytes | None = None) -> Iterator[IO[bytes]]:
        if self.member is None:
            with self.path.open("rb") as fh:
                yield cast(IO[bytes], _Counting(fh, on_bytes)) if on_bytes else fh
            return
        with zipfile.ZipFile(self.path) as zf, zf.open(self.member) as zfh:
            yield cast(IO[bytes], _Counting(zfh, on_bytes)) if on_bytes else zfh


def zip_members(path: Path) -> list[str] | None:
    """The file names inside ``path`` if it is a zip archive, else None."""
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            return [i.filename for i in zf.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as e:
        raise ImportFormatError(f"{path.name} is a damaged zip archive ({e}); nothing was imported.") from e


def find_member(members: list[str], name: str) -> str | None:
    """The member called ``name`` at any depth (exports nest a folder or not)."""
    hits = sorted((m for m in members if m.rsplit("/", 1)[-1].lower() == name), key=len)
    return hits[0] if hits else None


class _Counting(io.BufferedIOBase):
    """A read-only stream that reports how many bytes went through (progress)."""

    def __init__(self, inner: IO[bytes], on_bytes: OnBytes) -> None:
        self._inner = inner
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._inner.read(-1 if size is None else size)
        self._on_bytes(len(data))
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size > 0 else 65_536)

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


def head(src: Source, n: int = 65_536) -> bytes:
    """The first ``n`` bytes (for detection), without a UTF-8 byte-order mark."""
    with src.open() as fh:
        data = fh.read(n)
    return data[3:] if data.startswith(codecs.BOM_UTF8) else data


def json_array(fh: IO[bytes], src: Source) -> Iterator[Any]:
    """The elements of a top-level JSON array, one at a time."""
    try:
        yield from ijson.items(fh, "item", use_float=True)
    except ijson.JSONError as e:
        raise ImportFormatError(
            f"{src.name} is not valid JSON ({e}); nothing was imported. Is the file complete "
            "(an export cut short by a failed download ends mid-array)?"
        ) from e
    except UnicodeDecodeError as e:
        raise ImportFormatError(f"{src.name} is not UTF-8 text ({e}); nothing was imported.") from e


def json_lines(fh: IO[bytes], src: Source) -> Iterator[tuple[int, Any]]:
    """(line number, parsed object) of a JSON-lines file; blank lines are skipped."""
    import json

    lines = _text_lines(fh, src)
    try:
        for n, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except json.JSONDecodeError as e:
                raise ImportFormatError(
                    f"{src.name} line {n} is not valid JSON ({e.msg}); nothing was imported."
                ) from e
            except RecursionError:
                raise ImportFormatError(
                    f"{src.name} line {n} is nested too deeply to read (hundreds of levels; "
                    "\"meta\" may nest 16); nothing was imported."
                ) from None
            yield n, rec
    finally:
        # Detach the text layer now, not at garbage collection (which printed
        # "Exception ignored ... I/O operation on closed file" after an error).
        lines.close()


def _text_lines(fh: IO[bytes], src: Source) -> Generator[str, None, None]:
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    try:
        yield from text
    except UnicodeDecodeError as e:
        raise ImportFormatError(f"{src.name} is not UTF-8 text ({e}); nothing was imported.") from e
    finally:
        if not text.buffer.closed:  # detaching flushes, which a closed buffer refuses
            text.detach()


def csv_rows(fh: IO[bytes], src: Source, delimiter: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, row by header name) of a CSV/TSV file with a header row."""
    reader = csv.DictReader(_text_lines(fh, src), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, {k: v for k, v in row.items() if isinstance(k, str)}
    except csv.Error as e:
        raise ImportFormatError(
            f"{src.name} line {reader.line_num} is not valid CSV ({e}); nothing was imported."
        ) from e


def csv_header(data: bytes) -> tuple[list[str], str] | None:
    """(column names, delimiter) of the first line, if it looks like a CSV/TSV header."""
    try:
        first = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
    except UnicodeDecodeError:
        return None
    delim = "\t" if first.count("\t") > first.count(",") else ","
    cols = next(csv.reader([first], delimiter=delim), [])
    return ([c.strip() for c in cols], delim) if len(cols) >= 2 else None
