"""The snapshot of every instantiated module, read through the component's accessors.

For each instantiated module (:class:`~wizerscope.preinit.instrument.Unit`), the core :func:`~wizerscope.preinit.snapshot.snapshot` runs against an
:class:`AccessorState`: globals come back as raw bits, the non-zero runs of each memory are found
by the scanner inside the component (only (start, end) pairs cross), and the bytes of the final
segments are fetched lazily in windows around those runs (:class:`LazyMemory`).
"""
from __future__ import annotations

import bisect
import queue
import threading
from array import array
from dataclasses import dataclass, field

from ..instrument import GlobalProbe, MemoryProbe
from ..segment_plan import FlatRuns
from ..segments import MIN_ACTIVE_SEGMENT_OVERHEAD as JOIN_GAP
from ..snapshot import Snapshot, snapshot
from ..runtime.kernels.accessor import SCAN_CAP, all_globals_layout
from ..runtime.kernels.nonzero_runs import CHUNK as SCAN_CHUNK
from .instrument import Accessor, ComponentInstrumentation

CHUNK = 1 << 20          # bytes per `read` call: far below the host-call limits, small enough that
# the reads ahead and the decoding here overlap finely (8 MiB calls left most of it serial)
# Neighbouring runs closer than this are fetched in one call: a call costs ~60-120 us, a zero
# byte in between ~0.5 ns (an ASCII byte in wasmtime's latin-1 lifting and in the decoding here),
# so a gap of 128 KiB costs less than a call (a component with 12,000 bytes set 6,000 apart:
# 10,000 calls, 1.2 s of snapshot, at a 4 KiB gap)
WINDOW_GAP = 128 << 10
# below this many bytes per call on average, calls are made here, one after the other: handing
# many small results over from a thread costs more than it overlaps
READ_AHEAD_FROM = 64 << 10


class LazyMemory:
    """A read-only, sliceable view of a live component memory, fetched on demand.

    ``runs`` (the memory's non-zero runs, ascending) decide the windows: a miss at ``s``
    fetches from ``s`` over every following run that starts within WINDOW_GAP of the previous one.
    """

    def __init__(self, read, length: int, runs: FlatRuns | None, decode=None) -> None:
        self._read = read               # (start, n) -> the bytes as they cross, which
        self._decode = decode           # this makes the memory's bytes (None: they are)
        self._length = length
        self._runs = runs               # their lists are made on the first slice that misses
        self._wstarts: list[int] = []                   # sorted window starts
        self._wdata: list[bytes] = []
        self._breaks: list[int] | None = None
        self._last: tuple[int, int, bytes] | None = None
        self.fetched = 0
        self.calls = 0

    def __len__(self) -> int:
        return self._length

    def _fetch(self, start: int, end: int) -> bytes:
        return b"".join(self._fetched([(start, end)]))

    def _fetched(self, spans: list[tuple[int, int]]):
        """The bytes of each span, in order (CHUNK bytes per call). With several calls of
        READ_AHEAD_FROM bytes or more on average, the calls run on a thread, at most two ahead,
        while this thread decodes what came: the accessor call lets go of the GIL
        (runtime/internals.call_for_string_bytes), so wasmtime's lifting and Python's decoding
        overlap (componentize-py's 11.5 MB of final segments: 56-60 -> 47-48 ms)."""
        calls = [[(pos, min(CHUNK, end - pos)) for pos in range(start, end, CHUNK)] for start, end in spans]
        flat = [c for span in calls for c in span]
        decode = self._decode or (lambda raw: raw)
        ahead = len(flat) > 1 and sum(n for _, n in flat) >= READ_AHEAD_FROM * len(flat)
        got = _read_ahead(self._read, flat) if ahead else (self._read(pos, n) for pos, n in flat)
        try:
            for span in calls:
                parts = [decode(next(got)) for _ in span]
                self.calls += len(span)
                self.fetched += sum(n for _, n in span)
                yield parts[0] if len(parts) == 1 else b"".join(parts)
        finally:
            got.close()                 # a read-ahead thread is done before this returns

    def segments(self, starts: list[int], ends: list[int]) -> list[bytes]:
        """The bytes of each [starts[i], ends[i]) (ascending, disjoint: the final segments), read
        in windows over the segments themselves: neighbours whose gap is at most WINDOW_GAP share
        one read of at most CHUNK bytes (a larger segment is read in CHUNK pieces). One pass
        instead of a slice per segment (componentize-py: 10,000 segments, 0.1 s -> 0.04 s)."""
        windows: list[tuple[int, int, int, int]] = []      # (start, end, first, past last segment)
        i, n = 0, len(starts)
        while i < n:
            ws, we = starts[i], ends[i]
            j = i + 1
            while j < n and starts[j] - we <= WINDOW_GAP and ends[j] - ws <= CHUNK:
                we = ends[j]
                j += 1
            windows.append((ws, we, i, j))
            i = j
        out: list[bytes] = []
        for (ws, _, i, j), data in zip(windows, self._fetched([(w[0], w[1]) for w in windows])):
            out.extend([data[a - ws:b - ws] for a, b in zip(starts[i:j], ends[i:j])])
        return out

    def _window_end(self, s: int, e: int) -> int:
        """End of the fetch window starting at ``s``: through the cluster of runs (gaps at most
        WINDOW_GAP) that the slice [s, e) starts in, at most CHUNK bytes, at least ``e``."""
        if not self._runs:
            return e
        starts, ends = self._runs.lists
        if self._breaks is None:    # indices i where run i starts a new cluster
            self._breaks = [i for i, (s1, e0) in enumerate(zip(starts[1:], ends), 1) if s1 - e0 > WINDOW_GAP]
        i = bisect.bisect_left(ends, s + 1)            # first run ending after s
        b = bisect.bisect_right(self._breaks, i)
        last = (self._breaks[b] if b < len(self._breaks) else len(ends)) - 1
        end = ends[last] if last >= i else e
        if end - s > CHUNK:
            j = bisect.bisect_right(ends, s + CHUNK) - 1
            end = ends[j] if j >= i else e
        return min(max(end, e), self._length)

    def __getitem__(self, key: slice) -> bytes:
        if not isinstance(key, slice):
            raise TypeError("LazyMemory supports slices only")
        s, e = key.start, key.stop
        if s is None or e is None or s < 0 or e > self._length:
            s, e, _ = key.indices(self._length)
        last = self._last
        if last is not None and last[0] <= s and e <= last[1]:     # the common case: same window
            return last[2][s - last[0]:e - last[0]]
        if e <= s:
            return b""
        k = bisect.bisect_right(self._wstarts, s) - 1
        if k >= 0 and e <= self._wstarts[k] + len(self._wdata[k]):
            ws, data = self._wstarts[k], self._wdata[k]
        else:
            ws, data = s, self._fetch(s, self._window_end(s, e))
            # slices come in ascending order: windows that end before this one are done with
            keep = [j for j in range(len(self._wstarts)) if self._wstarts[j] + len(self._wdata[j]) > s]
            self._wstarts = [self._wstarts[j] for j in keep]
            self._wdata = [self._wdata[j] for j in keep]
            k = bisect.bisect_right(self._wstarts, s) - 1
            self._wstarts.insert(k + 1, s)
            self._wdata.insert(k + 1, data)
        self._last = (ws, ws + len(data), data)
        return data[s - ws:e - ws]


def _latin1(utf8: bytes) -> bytes:
    """The memory bytes a ``read`` accessor's latin-1 string carries, from wasmtime's UTF-8 of it."""
    return utf8.decode("utf-8").encode("latin-1")


def _read_ahead(read, calls: list[tuple[int, int]]):
    """``read(pos, n)`` of every call, in order, made on a thread that stays at most two results
    ahead; an error there is raised here, in order. The thread is done before this generator is
    (closed early, it is stopped and waited for), so nothing touches the store after the caller
    moves on."""
    ahead: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def work() -> None:
        try:
            for pos, n in calls:
                if stop.is_set():
                    return
                ahead.put((read(pos, n), None))
        except BaseException as e:          # noqa: B902 - handed to the consumer, raised there
            ahead.put((None, e))

    worker = threading.Thread(target=work, name="wizerscope-read-ahead", daemon=True)
    worker.start()
    try:
        for _ in calls:
            data, error = ahead.get()
            if error is not None:
                raise error
            yield data
    finally:
        stop.set()
        while worker.is_alive():            # let a worker blocked on a full queue finish
            try:
                ahead.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()


class AccessorState:
    """The core snapshot's "instance state" for one module site, backed by accessor calls."""

    runs_joined = True        # nonzero_runs joins gaps of at most MIN_ACTIVE_SEGMENT_OVERHEAD itself

    def __init__(self, runner, accessors: list[Accessor]) -> None:
        self.runner = runner
        self.by_export = {a.core_export: a for a in accessors}
        self.runs: dict[str, FlatRuns] = {}
        self.views: dict[str, LazyMemory] = {}
        self._globals = [a for a in accessors if isinstance(a.probe, GlobalProbe)]
        self._all: dict[str, int] | None = None

    def global_bits(self, probe: GlobalProbe) -> int:
        """The global's raw bits; every global of the module comes from the first call's one
        accessor call (role ``all``, which every global accessor has)."""
        if self._all is None:
            self._all = self._all_globals(self.by_export[probe.export].funcs["all"])
        return self._all[probe.export]

    def _all_globals(self, name: str) -> dict[str, int]:
        """Every global of the module from one accessor call (accessor.ALL_GLOBALS), by export."""
        raw = self.runner.access(name).encode("latin-1")
        out = {}
        for acc, (at, n) in zip(self._globals, all_globals_layout([a.probe for a in self._globals])):
            width = {"i32": 32, "f32": 32}.get(acc.probe.type.value.name, 8 * n)
            out[acc.core_export] = int.from_bytes(raw[at:at + n], "little") & ((1 << width) - 1)
        return out

    def nonzero_runs(self, probe: MemoryProbe) -> FlatRuns:
        """The memory's non-zero runs, already joined where the gap is at most
        MIN_ACTIVE_SEGMENT_OVERHEAD bytes (inside wasm, before they cross into Python). That join
        is the segment plan's own first step and is idempotent, so the merged and final segments
        are exactly the reference's; only ``plan.raw`` is coarser than per-page runs (comp_py:
        206k runs instead of 1.42M, 0.6 s and ~100 MB less)."""
        if probe.export in self.runs:
            return self.runs[probe.export]
        acc = self.by_export[probe.export]
        total = self._length(acc)
        flat: array = array("q")
        pos = 0
        check = self.runner.sandbox.scan_bound()
        runs_func = acc.funcs["runs"]
        while pos < total:
            check()
            to = min(total, (pos // SCAN_CHUNK + 1) * SCAN_CHUNK)
            batch = array("q", self.runner.access(runs_func, pos, to, SCAN_CAP).encode("latin-1"))
            pos = batch[-2]                       # the last record says where to resume
            del batch[-2:]
            if batch and flat and batch[0] - flat[-1] <= JOIN_GAP:     # join across the batch boundary
                flat[-1] = batch[1]
                del batch[:2]
            flat.extend(batch)
        runs = self.runs[probe.export] = FlatRuns(flat)
        return runs

    def _length(self, acc: Accessor) -> int:
        return self.runner.access(acc.funcs["len"])

    def memory(self, probe: MemoryProbe) -> LazyMemory:
        acc = self.by_export[probe.export]
        read_name = acc.funcs["read"]
        runs = self.nonzero_runs(probe)     # first, so the view knows where the data is
        # the runner's reader, not a method of `self`: a view -> state -> view cycle would keep
        # every fetched window alive until a full collection (comp_py: 11.5 MB, or 6 ms to collect)
        view = LazyMemory(self.runner.string_reader(read_name), self._length(acc), runs, _latin1)
        self.views[probe.export] = view
        return view


@dataclass
class ComponentSnapshot:
    """One core :class:`Snapshot` per instantiated module, keyed by (component path, module index)."""

    modules: dict[tuple[str, int], Snapshot] = field(default_factory=dict)
    bytes_read: int = 0
    read_calls: int = 0


def snapshot_component(table: ComponentInstrumentation, runner) -> ComponentSnapshot:
    """Read every module's state through the accessors."""
    out = ComponentSnapshot()
    for site in table.sites:
        accs = [a for a in table.accessors if (a.path, a.module) == site.key]
        state = AccessorState(runner, accs)
        out.modules[site.key] = snapshot(site.instrumentation, state)
        for v in state.views.values():
            out.bytes_read += v.fetched
            out.read_calls += v.calls
    return out
