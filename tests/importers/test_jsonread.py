"""The JSON reader against the standard library's parser: the same values for any
document, read in any chunking, by the fast path and by the byte scanner alike; strings
cut only at character boundaries; nesting, size and value limits enforced per record."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mindprint.errors import ImportFormatError
from mindprint.importers.jsonread import Limits, Unread, json_records

SCANNER = Limits(whole_bytes=0)  # every record through the byte scanner


class Trickle(io.RawIOBase):
    """A file whose reads return at most ``step`` bytes: chunk edges fall anywhere."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.pos, self.step = data, 0, step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = self.step if size < 0 else min(size, self.step)
        out = self.data[self.pos:self.pos + n]
        self.pos += len(out)
        return out


def records(data: bytes, *, step: int = 1 << 20, **kw: Any) -> list[tuple[int, Any]]:
    return list(json_records(Trickle(data, step), "f.json", **kw))  # type: ignore[arg-type]


TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from('"\\\n\t\x00é😀\u202e'), max_size=40)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(VALUES, max_size=6), step=st.integers(1, 64), ascii_only=st.booleans(),
       indent=st.sampled_from([None, 0, 2]), scanner=st.booleans())
def test_arrays_read_as_the_standard_parser_reads_them(
    values: list[Any], step: int, ascii_only: bool, indent: int | None, scanner: bool
) -> None:
    data = json.dumps(values, ensure_ascii=ascii_only, indent=indent).encode()
    got = records(data, step=step, limits=SCANNER if scanner else None)
    assert got == list(enumerate(json.loads(data), start=1))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(VALUES, max_size=6), step=st.integers(1, 64), scanner=st.booleans(),
       blank=st.booleans())
def test_json_lines_read_as_the_standard_parser_reads_them(
    values: list[Any], step: int, scanner: bool, blank: bool
) -> None:
    lines = [json.dumps(v) for v in values]
    if blank:
        lines.insert(len(lines) // 2, "  ")
    data = ("\r\n" if blank else "\n").join(lines).encode()
    got = records(data, step=step, lines=True, limits=SCANNER if scanner else None)
    expected = [(n, json.loads(line)) for n, line in enumerate(lines, start=1) if line.strip()]
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(codec="utf-8") | st.sampled_from('"\\é😀'), min_size=1, max_size=60),
       field=st.integers(1, 80), step=st.integers(1, 16), ascii_only=st.booleans())
def test_a_long_string_is_cut_at_a_character_boundary(
    text: str, field: int, step: int, ascii_only: bool
) -> None:
    data = json.dumps([text, "next"], ensure_ascii=ascii_only).encode()
    [(_, cut), (_, after)] = records(data, step=step, limits=Limits(field_bytes=field, whole_bytes=0))
    assert text.startswith(cut) and "next".startswith(after) and (field < 4 or after == "next")
    assert len(json.dumps(cut, ensure_ascii=ascii_only).encode()) - 2 <= field
    cut.encode("utf-8")  # no half of a surrogate pair


@pytest.mark.parametrize("lines", [False, True])
@pytest.mark.parametrize("limits", [None, SCANNER])
def test_nesting_is_refused_with_its_position(lines: bool, limits: Limits | None) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    data = (f'{{"a": 1}}\n{deep}\n' if lines else f'[{{"a": 1}}, {deep}]').encode()
    where = "line 2" if lines else "record 2"
    with pytest.raises(ImportFormatError, match=f"f.json {where} is nested too deeply"):
        records(data, lines=lines, limits=limits)


def test_records_over_the_limits_are_skipped_alone() -> None:
    small = Limits(record_bytes=1 << 20, values=1_000, field_bytes=1 << 18, whole_bytes=0)
    data = json.dumps([{"keep": 1}, "x" * (3 << 20), list(range(5_000)), {"keep": 2}]).encode()
    got = records(data, limits=small)
    assert got[0] == (1, {"keep": 1}) and got[3] == (4, {"keep": 2})
    assert got[1] == (2, "x" * (1 << 18))  # one long string: cut, not skipped
    assert got[2] == (3, Unread("not read: it holds more than 1,000 values"))
    many = json.dumps([["y" * 1000] * 2_000, 7]).encode()
    assert records(many, limits=Limits(record_bytes=1 << 20, whole_bytes=0)) == [
        (1, Unread("not read: it is over 1 MB")), (2, 7)]


def test_a_huge_integer_skips_its_record_only() -> None:
    data = b'[{"n": ' + b"9" * 5_000 + b'}, {"n": 1}]'
    got = records(data)
    assert isinstance(got[0][1], Unread) and "digits" in got[0][1].reason and got[1] == (2, {"n": 1})


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "not a JSON array"),
        (b'{"a": 1}', "not a JSON array"),
        (b"[1, 2", "ends inside the array, after [12] complete records"),
        (b'[{"mapping": ', "ends inside the array, after 0 complete records"),
        (b"[1,]", "a record is missing"),
        (b"[1 2]", r"expected , or \] after record 1|record 1 is not valid JSON \(Extra data"),
        (b"[1] 2", "more data follows"),
        (b'["\xff"]', "not UTF-8"),
    ],
)
def test_what_is_not_json_is_refused(data: bytes, match: str) -> None:
    for limits in (None, SCANNER):
        with pytest.raises(ImportFormatError, match=match):
            records(data, limits=limits)


def test_a_byte_order_mark_is_skipped() -> None:
    assert records(b'\xef\xbb\xbf[1]') == [(1, 1)]
    assert records(b'\xef\xbb\xbf{"a": 1}\n', lines=True) == [(1, {"a": 1})]
