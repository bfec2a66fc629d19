"""Reading one record too large to parse at once, in bounded memory: a byte scanner.

It looks only at quotes, backslashes, brackets and commas (and a JSON line's newline),
so it knows the nesting depth and where each string starts and ends without building
anything. It keeps the record's bytes while they fit, cuts each string over
``field_bytes`` at a character boundary, and stops keeping them once the record is over
``record_bytes`` or ``values``: the record is then read to its end and rejected alone.
Nesting deeper than ``depth`` is refused before any parser recurses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from mindprint.errors import ImportFormatError

_TOKENS = re.compile(rb'["\[\]{},]')
_LINE_TOKENS = re.compile(rb'["\[\]{},\n]')
# A string's body up to its closing quote, escapes included; possessive, so the regex
# engine keeps no backtracking state however long the string.
_STRING_BODY = re.compile(rb'(?:[^"\\]++|\\.)*+')
_LINE_STRING_BODY = re.compile(rb'(?:[^"\\\n]++|\\[^\n])*+')
_BULK = 256  # bytes outside strings worth counting at once
_PASSES = 8
_NOT_BRACKET = bytes(c for c in range(256) if c not in b"[]{}")
_CLOSES_THEN_OPENS = re.compile(rb"[\]}]*[\[{]*")
_SPACE = re.compile(rb"[ \t\r\n]*")
_KEY_BYTES, _KEY_COUNT = 64, 256  # the keys kept of a record too large to read
_HEX = frozenset(b"0123456789abcdefABCDEF")
TOO_DEEP = 'nested too deeply to read (hundreds of levels; "meta" may nest 16)'


@dataclass(frozen=True, slots=True)
class Limits:
    """What one record may cost. Records up to ``whole_bytes`` are parsed at once (the
    C decoder bounds their depth by the interpreter's recursion limit); larger ones go
    through :class:`BigRecord`, which enforces every limit while it reads."""

    depth: int = 500  # nested arrays and objects
    field_bytes: int = 4 << 20  # one string as written in the file (escapes included)
    record_bytes: int = 32 << 20  # one record (a conversation, a row, a line)
    values: int = 1_000_000  # values in one record (each costs memory once parsed)
    whole_bytes: int = 4 << 20  # so no string over 4 MB reaches an importer either way


@dataclass(frozen=True, slots=True)
class Unread:
    """A record skipped without parsing it, and why (it is rejected alone); ``keys``: the
    short keys of its outer object, as far as they were seen (for format detection)."""

    reason: str
    keys: frozenset[str] = frozenset()


def unreadable_number(e: ValueError) -> Unread:
    """An integer of thousands of digits: Python refuses to convert it."""
    return Unread(f"not read: {e}")


class BigRecord:
    """One record that starts at the first byte fed: an array element (ends before the
    ``,`` or ``]`` that follows it) or a JSON line (ends after its newline)."""

    def __init__(self, name: str, where: str, *, lines: bool, limits: Limits) -> None:
        self.name, self.where, self.lines, self.lim = name, where, lines, limits
        self.tokens = _LINE_TOKENS if lines else _TOKENS
        self.string_body = _LINE_STRING_BODY if lines else _STRING_BODY
        self.depth = 0
        self.in_str = False
        self.escape = False  # a backslash ended the previous chunk
        self.cutting = False  # in a string over field_bytes: skipping to its closing quote
        self.str_start = 0  # where the current string's content starts in ``buf``
        self.buf = bytearray()
        self.over: str | None = None  # why the record is not kept
        self.values = 0
        self.key_start = -1  # where a string of the outer object starts in this chunk
        self.keys: set[str] = set()

    def _key(self, data: bytes, start: int, end: int) -> None:
        """Keep the string ``data[start:end]`` if a colon follows it: a key of the record."""
        after = _SPACE.match(data, end + 1)
        if after is None or data[after.end():after.end() + 1] != b":" or len(self.keys) >= _KEY_COUNT:
            return
        try:
            self.keys.add(json.loads(b'"' + data[start:end] + b'"'))
        except ValueError:
            return  # not a string JSON reads (the record's own parse says why)

    def feed(self, data: bytes) -> int | None:
        """Read ``data``; the index where the record ends in it, or None if it goes on."""
        i, n = 0, len(data)
        seg: int | None = 0 if self.over is None and not self.cutting else None
        if self.escape:
            self.escape, i = False, 1
        self.key_start = -1  # a key across two chunks is not kept
        plain_until = -1  # data[i:plain_until] was found not to be takeable at once
        while i < n:
            if self.in_str:
                i, seg = self._string(data, i, seg)
                continue
            if i >= plain_until:
                q = data.find(b'"', i)
                q = n if q < 0 else q
                if q - i > _BULK and self._bulk(data, i, q):
                    i = q
                    seg = self._check_values(seg)
                    continue
                plain_until = q
            m = self.tokens.search(data, i)
            if m is None:
                break
            j = m.start()
            c = data[j]
            i = j + 1
            if c == 0x22:  # "
                self.in_str = True
                self.key_start = i if self.depth == 1 else -1
                if seg is not None:
                    self.str_start = len(self.buf) + i - seg
            elif c in (0x5B, 0x7B):  # [ {
                self.depth += 1
                self.values += 1
                if self.depth > self.lim.depth:
                    raise ImportFormatError(f"{self.name} {self.where} is {TOO_DEEP}; nothing was imported.")
            elif c == 0x0A or (self.depth == 0 and not self.lines and c in (0x2C, 0x5D)):
                self._keep(data, seg, j)
                return i if self.lines else j
            elif c == 0x2C:  # ,
                self.values += 1
            elif self.depth == 0:
                raise ImportFormatError(f"{self.name} {self.where} is not valid JSON (a "
                                        f"{chr(c)} closes nothing); nothing was imported.")
            else:  # ] }
                self.depth -= 1
            seg = self._check_values(seg)
        self._keep(data, seg, n)
        return None

    def _bulk(self, data: bytes, i: int, q: int) -> bool:
        """Take ``data[i:q]`` (no string in it) in one step, by C string operations, when
        the record cannot end in it and its depth cannot pass the limit.

        Matched pairs (``{}``, ``[]``) are cancelled from the inside out, at most
        ``_PASSES`` levels; what is left must be closes then opens, so the lowest depth
        inside is the depth now less those closes."""
        if self.lines and data.find(b"\n", i, q) >= 0:
            return False
        marks = data[i:q].translate(None, _NOT_BRACKET)
        left, passes = marks, 0
        while len(fewer := left.replace(b"{}", b"").replace(b"[]", b"")) < len(left):
            left, passes = fewer, passes + 1
            if passes > _PASSES:
                return False
        closes = left.count(b"]") + left.count(b"}")
        opens = len(left) - closes
        if (not _CLOSES_THEN_OPENS.fullmatch(left) or self.depth - closes <= 0
                or self.depth + passes + opens > self.lim.depth):
            return False
        self.depth += opens - closes
        self.values += (len(marks) - len(left)) // 2 + opens + data.count(b",", i, q)
        return True

    def _check_values(self, seg: int | None) -> int | None:
        if self.values > self.lim.values and self.over is None:
            self._skip(f"it holds more than {self.lim.values:,} values")
            return None
        return seg

    def _string(self, data: bytes, i: int, seg: int | None) -> tuple[int, int | None]:
        """Go on inside a string from ``i``: (where to go on, the new ``seg``)."""
        n = len(data)
        match = self.string_body.match(data, i)
        j = match.end() if match else i
        if seg is not None and len(self.buf) + j - seg - self.str_start > self.lim.field_bytes:
            self.buf += data[seg:j]
            self._cut()
            seg = None
        if j >= n:
            return n, seg
        c = data[j]
        if c == 0x5C:  # a backslash the body could not pair: last of the chunk, or before
            self.escape = j + 1 >= n  # a raw newline (which ends a JSON line)
            return j + (1 if self.lines else 2), seg
        self.in_str = False
        if c == 0x0A:
            return j, seg
        if self.key_start >= 0 and j - self.key_start <= _KEY_BYTES:
            self._key(data, self.key_start, j)
        if self.cutting:
            self.cutting, seg = False, j
        return j + 1, seg

    def _keep(self, data: bytes, seg: int | None, end: int) -> None:
        if seg is not None:
            self.buf += data[seg:end]
            if len(self.buf) > self.lim.record_bytes:
                self._skip(f"it is over {self.lim.record_bytes >> 20} MB")

    def _skip(self, reason: str) -> None:
        self.over, self.buf = reason, bytearray()

    def _cut(self) -> None:
        """Cut the current string to ``field_bytes``, not inside a UTF-8 character, an
        escape or a surrogate pair; the rest of it is skipped."""
        buf, start = self.buf, self.str_start
        k = start + self.lim.field_bytes
        while k > start and buf[k] & 0xC0 == 0x80:  # inside a UTF-8 character
            k -= 1
        del buf[_escape_boundary(buf, start, k):]
        self.cutting = True

    def blank(self) -> bool:
        """Nothing but white space (a blank JSON line)."""
        return self.over is None and not self.buf.strip()

    def value(self) -> Any:
        """The record, parsed, or :class:`Unread` with the reason."""
        if self.over is not None:
            return Unread(f"not read: {self.over}", frozenset(self.keys))
        try:
            return json.loads(self.buf.decode("utf-8"))
        except UnicodeDecodeError as e:
            raise ImportFormatError(f"{self.name} is not UTF-8 text ({e}); nothing was imported.") from e
        except json.JSONDecodeError as e:
            raise ImportFormatError(
                f"{self.name} {self.where} is not valid JSON ({e.msg}); nothing was imported."
            ) from e
        except ValueError as e:
            return unreadable_number(e)


def _escape_boundary(buf: bytearray, start: int, k: int) -> int:
    """The largest cut <= ``k`` that splits no escape (``\\n``, ``\\u00e9``) and leaves
    no half of a surrogate pair (``\\ud83d\\ude00``) in the string starting at ``start``."""
    for p in range(max(start, k - 5), k):
        if buf[p] == 0x5C and _escapes(buf, start, p) and p + (6 if buf[p + 1] == 0x75 else 2) > k:
            k = p
            break
    p = k - 6
    if (p >= start and buf[p] == 0x5C and buf[p + 1] == 0x75 and _escapes(buf, start, p)
            and _high_surrogate(bytes(buf[p + 2:k]))):
        k = p
    return k


def _escapes(buf: bytearray, start: int, p: int) -> bool:
    """Whether the backslash at ``p`` starts an escape (an even run of backslashes
    precedes it)."""
    run = 0
    while p - run - 1 >= start and buf[p - run - 1] == 0x5C:
        run += 1
    return run % 2 == 0


def _high_surrogate(hex4: bytes) -> bool:
    return all(c in _HEX for c in hex4) and 0xD800 <= int(hex4, 16) <= 0xDBFF
