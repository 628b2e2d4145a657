"""The component snapshot's reads ahead (preinit/component/snapshot.py, ``_read_ahead``): the
accessor calls run on a thread while the caller decodes, so the order, the errors and the end of
that thread are what these tests hold."""
from __future__ import annotations

import threading

import pytest

from wizerscope.errors import WizerscopeError
from wizerscope.preinit.component.snapshot import LazyMemory, _read_ahead


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "wizerscope-read-ahead"]


def test_reads_come_back_in_order_and_the_thread_is_done():
    calls = [(i * 10, 10) for i in range(50)]
    seen: list[int] = []

    def read(pos: int, n: int) -> bytes:
        seen.append(pos)
        return bytes([pos % 251]) * n
    assert list(_read_ahead(read, calls)) == [bytes([p % 251]) * n for p, n in calls]
    assert seen == [p for p, _ in calls] and not _workers()


def test_an_error_comes_after_the_reads_before_it():
    def read(pos: int, n: int) -> bytes:
        if pos == 30:
            raise WizerscopeError("reading the initialized state failed in accessor `f1`: trap")
        return b"x" * n
    got = []
    with pytest.raises(WizerscopeError, match="accessor `f1`"):
        for data in _read_ahead(read, [(i * 10, 2) for i in range(10)]):
            got.append(data)
    assert got == [b"xx"] * 3 and not _workers()


def test_stopping_early_stops_the_thread_before_the_store_is_let_go():
    """A consumer that leaves (an error while decoding, a cancel) closes the generator: the
    worker, maybe blocked on the full queue, is drained and joined, and makes no further call."""
    made: list[int] = []
    release = threading.Event()

    def read(pos: int, n: int) -> bytes:
        made.append(pos)
        if pos == 0:
            release.wait(1)
        return b"y" * n
    gen = _read_ahead(read, [(i, 1) for i in range(100)])
    release.set()
    assert next(gen) == b"y"
    gen.close()
    assert not _workers() and len(made) < 100


def test_lazy_memory_decodes_what_crosses_in_the_calling_thread():
    """The view reads the wire form (here: UTF-8 of latin-1, as the accessors return it) and the
    decoding happens where the segments are asked for."""
    mem = bytes(range(256)) * 64 + b"\0" * 5000 + bytes(range(255, -1, -1)) * 64
    decoders: set[str] = set()

    def decode(wire: bytes) -> bytes:
        decoders.add(threading.current_thread().name)
        return wire.decode("utf-8").encode("latin-1")
    view = LazyMemory(lambda s, n: mem[s:s + n].decode("latin-1").encode("utf-8"), len(mem), None, decode)
    starts, ends = [0, 16384 + 5000], [16384, len(mem)]
    assert view.segments(starts, ends) == [mem[0:16384], mem[16384 + 5000:]]
    assert view[100:200] == mem[100:200]
    assert decoders == {threading.current_thread().name}


def test_scattered_segments_are_read_in_few_calls():
    """Segments 6,000 bytes apart (a component that sets one byte in each of 10,000 places):
    the zeros between them cost less than a call each, so the reads span them, a window of at
    most CHUNK bytes a call, instead of one call per segment (10,000 calls took 1.2 s)."""
    from wizerscope.preinit.component.snapshot import CHUNK
    n, step = 10_000, 6_000
    mem = bytearray(n * step)
    mem[::step] = b"\x07" * n
    calls: list[tuple[int, int]] = []

    def read(start: int, length: int) -> bytes:
        calls.append((start, length))
        return bytes(mem[start:start + length])
    view = LazyMemory(read, len(mem), None)
    starts = list(range(0, n * step, step))
    assert view.segments(starts, [s + 1 for s in starts]) == [b"\x07"] * n
    assert len(calls) <= len(mem) // CHUNK + 2 and view.calls == len(calls)


def test_small_reads_are_not_handed_over_from_a_thread(monkeypatch):
    """Below READ_AHEAD_FROM bytes a call on average, the calls are made in the asking thread."""
    from wizerscope.preinit.component import snapshot
    monkeypatch.setattr(snapshot, "_read_ahead", lambda read, calls: pytest.fail("read ahead"))
    far = 2 * snapshot.WINDOW_GAP                       # two windows, so two calls
    mem = bytes(range(1, 256)) * (far // 255 + 1)
    view = LazyMemory(lambda s, n: mem[s:s + n], len(mem), None)
    assert view.segments([0, far], [10, far + 10]) == [mem[0:10], mem[far:far + 10]]
    assert view.calls == 2
