"""The one reader of every JSON import: the elements of a top-level array, or the lines
of a JSON-lines file, one record at a time, in bounded memory and linear time.

A record is parsed by the standard library's C decoder as soon as it is complete. One
that grows past :attr:`Limits.whole_bytes` before it is complete goes to the byte
scanner of :mod:`mindprint.importers.jsonscan`, which reads it within every limit (a
string over ``field_bytes`` is cut; a record over ``record_bytes`` or ``values`` is
read to its end and rejected alone). So whatever the file:

- memory holds about one record, never the file;
- nesting is bounded before it costs anything: a record nested hundreds of levels deep
  is refused with its position, and nothing is imported, as for a JSONL line;
- time is linear in the size: an incomplete record is parsed again only once the text
  after it has doubled, and every byte of a large record is scanned once.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from mindprint.errors import ImportFormatError
from mindprint.importers.jsonscan import TOO_DEEP, BigRecord, Limits, Unread, unreadable_number

__all__ = ["Limits", "Unread", "json_records"]

CHUNK = 1 << 20
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_BOM = codecs.BOM_UTF8
_NUMBER = frozenset("0123456789.eE+-")


def json_records(
    fh: IO[bytes], name: str, *, lines: bool = False, limits: Limits | None = None
) -> Iterator[tuple[int, Any]]:
    """(position, value) of each record: its number in the array (from 1), or its line
    number (blank lines are skipped). ``value`` is the parsed JSON, or :class:`Unread`
    with the reason it was skipped. Raises :class:`ImportFormatError` for a file that is
    not JSON (nothing should be imported from it)."""
    lim = limits or Limits()
    if lines:
        yield from _Lines(fh, name, lim).records()
    else:
        yield from _Array(fh, name, lim).records()


def _not_utf8(name: str, e: UnicodeDecodeError) -> ImportFormatError:
    return ImportFormatError(f"{name} is not UTF-8 text ({e}); nothing was imported.")


def _read(fh: IO[bytes], first: bool) -> bytes:
    data = fh.read(CHUNK)
    return data[len(_BOM):] if first and data.startswith(_BOM) else data


class _Array:
    """The elements of ``[ ... ]``, read from decoded text."""

    def __init__(self, fh: IO[bytes], name: str, lim: Limits) -> None:
        self.fh, self.name, self.lim = fh, name, lim
        self.dec = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.i = 0  # where reading goes on in ``text``
        self.eof = False
        self.started = False
        self.pos = 0  # records begun
        self.done = 0  # records read to their end

    def _more(self) -> bool:
        """Append the next chunk to ``text``; False at the end of the file."""
        data = _read(self.fh, not self.started)
        self.started = True
        try:
            new = self.dec.decode(data, final=not data)
        except UnicodeDecodeError as e:
            raise _not_utf8(self.name, e) from e
        self.text, self.i = self.text[self.i:] + new, 0
        self.eof = not data
        return bool(data)

    def _next(self) -> str | None:
        """The next character that is not white space (None: the end of the file)."""
        while True:
            match = _SPACE.match(self.text, self.i)
            self.i = match.end() if match else self.i
            if self.i < len(self.text):
                return self.text[self.i]
            if not self._more():
                return None

    def records(self) -> Iterator[tuple[int, Any]]:
        first = self._next()
        if first != "[":
            shown = "nothing" if first is None else repr(first)
            raise ImportFormatError(f"{self.name} is not a JSON array (it starts with {shown}); "
                                    "nothing was imported.")
        self.i += 1
        empty = self._next() == "]"
        while not empty:
            yield self._record()
            self.done += 1
            c = self._next()
            if c == "]":
                break
            self.i += 1
            if c != ",":
                raise self._broken(f"expected , or ] after record {self.pos}" if c else None)
            if self._next() in ("]", None):
                raise self._broken("a record is missing after a comma")
        self.i += 1
        if self._next() is not None:
            raise ImportFormatError(f"{self.name} is not valid JSON (more data follows the "
                                    "array's closing ]); nothing was imported.")

    def _broken(self, why: str | None) -> ImportFormatError:
        if why is None:
            return ImportFormatError(
                f"{self.name} is not valid JSON (it ends inside the array, after {self.done} "
                "complete records); nothing was imported. Is the file complete (an export cut "
                "short by a failed download ends mid-array)?"
            )
        return ImportFormatError(f"{self.name} is not valid JSON ({why}); nothing was imported.")

    def _record(self) -> tuple[int, Any]:
        """The record starting at ``i``; parsed again only when the text after it doubled."""
        self.pos += 1
        tried = 0
        while True:
            pending = len(self.text) - self.i
            if pending > self.lim.whole_bytes:
                return self.pos, self._big()
            if self.eof or pending >= 2 * tried:
                try:
                    value, end = _DECODER.raw_decode(self.text, self.i)
                except json.JSONDecodeError as e:
                    if self.eof:
                        raise self._broken(f"record {self.pos}: {e.msg}" if end_inside(e) else None) from e
                    tried = max(pending, 1)
                except RecursionError:
                    raise ImportFormatError(
                        f"{self.name} record {self.pos} is {TOO_DEEP}; nothing was imported."
                    ) from None
                except ValueError:  # a huge integer: the scanner finds where it ends
                    return self.pos, self._big()
                else:
                    if self.eof or (end < len(self.text) and self.text[end] not in _NUMBER):
                        self.i = end
                        return self.pos, value
                    tried = max(pending, 1)  # a number may go on in the next chunk
            if not self._more():
                self.eof = True

    def _big(self) -> Any:
        """The record starting at ``i``, through the byte scanner; reading goes on after it."""
        data = self.text[self.i:].encode("utf-8") + self.dec.getstate()[0]
        self.dec.reset()
        self.text, self.i = "", 0
        rec = BigRecord(self.name, f"record {self.pos}", lines=False, limits=self.lim)
        while (end := rec.feed(data)) is None:
            data = _read(self.fh, False)
            if not data:
                raise self._broken(None)
        try:
            self.text = self.dec.decode(data[end:])
        except UnicodeDecodeError as e:
            raise _not_utf8(self.name, e) from e
        return rec.value()


def end_inside(e: json.JSONDecodeError) -> bool:
    """Whether the decoder failed inside the text rather than at its end (incomplete)."""
    return e.pos < len(e.doc) and not e.msg.startswith("Unterminated string")


class _Lines:
    """The lines of a JSON-lines file, each parsed on its own."""

    def __init__(self, fh: IO[bytes], name: str, lim: Limits) -> None:
        self.fh, self.name, self.lim = fh, name, lim
        self.line = 0

    def records(self) -> Iterator[tuple[int, Any]]:
        pending: list[bytes] = []
        size = 0
        data = _read(self.fh, True)
        while data:
            start = 0
            while (nl := data.find(b"\n", start)) >= 0:
                line = b"".join([*pending, data[start:nl]]) if pending else data[start:nl]
                pending, size, start = [], 0, nl + 1
                self.line += 1
                if line.strip():
                    yield self.line, self._parse(line)
            rest = data[start:]
            if size + len(rest) > self.lim.whole_bytes:
                self.line += 1
                rec, data = self._big(b"".join([*pending, rest]))
                pending, size = [], 0
                if not rec.blank():
                    yield self.line, rec.value()
                data = data or _read(self.fh, False)
                continue
            pending.append(rest)
            size += len(rest)
            data = _read(self.fh, False)
        line = b"".join(pending)
        if line.strip():
            self.line += 1
            yield self.line, self._parse(line)

    def _parse(self, line: bytes) -> Any:
        try:
            return json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as e:
            raise _not_utf8(self.name, e) from e
        except json.JSONDecodeError as e:
            raise ImportFormatError(
                f"{self.name} line {self.line} is not valid JSON ({e.msg}); nothing was imported."
            ) from e
        except RecursionError:
            raise ImportFormatError(f"{self.name} line {self.line} is {TOO_DEEP}; nothing was "
                                    "imported.") from None
        except ValueError as e:
            return unreadable_number(e)

    def _big(self, data: bytes) -> tuple[BigRecord, bytes]:
        """The long line starting ``data``, through the byte scanner, and what follows it."""
        rec = BigRecord(self.name, f"line {self.line}", lines=True, limits=self.lim)
        while (end := rec.feed(data)) is None:
            data = _read(self.fh, False)
            if not data:
                return rec, b""
        return rec, data[end:]
