"""Streaming access to an export: a plain file or one member of a zip, read in chunks.

Nothing here loads a whole file: JSON is read one record at a time
(:mod:`mindprint.importers.jsonread`), CSV row by row, so the memory an import needs is
that of the largest single conversation, not of the export. A zip member is checked
before it is read (its declared size and compression ratio) and while it is read (the
bytes it really yields against the bytes read from the archive), so a small archive
cannot unpack into gigabytes.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from mindprint.errors import ImportFormatError

# CSV fields of exported reviews can be long (a Goodreads review is up to ~20k characters).
csv.field_size_limit(10_000_000)

OnBytes = Callable[[int], None]

# Text exports compress 5-45 times (the generated test export: 43); a zip bomb, thousands.
MAX_RATIO = 100
# Below this, a high ratio costs nothing (a file of blank lines).
RATIO_FREE_BYTES = 16 << 20
MAX_UNCOMPRESSED = 4 << 30


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
        with self.path.open("rb") as raw:
            archive = _Counting(raw, None)
            with zipfile.ZipFile(archive) as zf:
                info = zf.getinfo(self.member)
                check_unpacked(self.name, info.file_size, info.compress_size)
                try:
                    zfh = zf.open(info)
                except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as e:
                    raise ImportFormatError(f"{self.name} cannot be read ({e}); unzip it and "
                                            "import the file inside. Nothing was imported.") from e
                with zfh:
                    member = _Unzipping(zfh, self.name, info.file_size, archive)
                    stream = cast(IO[bytes], member)
                    yield cast(IO[bytes], _Counting(stream, on_bytes)) if on_bytes else stream


def check_unpacked(name: str, unpacked: int, packed: int) -> None:
    """Refuse a zip member that unpacks into too much, or far too much for its size."""
    if unpacked > MAX_UNCOMPRESSED:
        raise ImportFormatError(
            f"{name} unpacks to {unpacked / 2**30:.1f} GB, over the {MAX_UNCOMPRESSED >> 30} GB "
            "an import reads; nothing was imported. Split the export or unzip it and import "
            "the part you want."
        )
    if unpacked > RATIO_FREE_BYTES and unpacked > MAX_RATIO * max(packed, 1):
        raise ImportFormatError(
            f"{name} unpacks to {unpacked / 2**20:,.0f} MB from {packed / 2**20:,.1f} MB, "
            f"over {MAX_RATIO} times its size: no export compresses that well (a zip bomb "
            "does). Nothing was imported."
        )


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
    """A read-only stream that counts the bytes that went through (progress)."""

    def __init__(self, inner: IO[bytes], on_bytes: OnBytes | None) -> None:
        self._inner = inner
        self._on_bytes = on_bytes
        self.count = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._inner.seekable()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()

    def read(self, size: int | None = -1) -> bytes:
        data = self._inner.read(-1 if size is None else size)
        self.count += len(data)
        if self._on_bytes:
            self._on_bytes(len(data))
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size > 0 else 65_536)

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


class _Unzipping(_Counting):
    """A zip member as it unpacks, refused as soon as it yields more than it declared
    or more than ``MAX_RATIO`` times the bytes read from the archive so far."""

    def __init__(self, inner: IO[bytes], name: str, declared: int, archive: _Counting) -> None:
        super().__init__(inner, None)
        self._name, self._declared, self._archive = name, declared, archive
        self._start = archive.count

    def read(self, size: int | None = -1) -> bytes:
        try:
            data = super().read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise ImportFormatError(f"{self._name} is damaged ({e}); nothing was imported.") from e
        packed = self._archive.count - self._start
        if self.count > self._declared:
            raise ImportFormatError(f"{self._name} unpacks to more than the {self._declared:,} "
                                    "bytes its zip entry declares; nothing was imported.")
        check_unpacked(self._name, self.count, packed)
        return data


def head(src: Source, n: int = 65_536) -> bytes:
    """The first ``n`` bytes (for detection), without a UTF-8 byte-order mark."""
    with src.open() as fh:
        data = fh.read(n)
    return data[3:] if data.startswith(codecs.BOM_UTF8) else data


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
