"""Compiled init code kept for the next run: in memory within a process (:class:`CodeCache`), and
on disk uncompressed (:class:`CodeStore`), so that a repeated run maps it instead of loading it.

wasmtime's own cache (on by default, docs/cache.md) stores compiled code zstd-compressed: a hit
reads the entry, decompresses it and copies it into executable memory. On componentize-py's
18 MB component that is ~0.15 s of a warm run that `wasmtime wizer` finishes in ~0.4 s. The same
code serialized by wasmtime and left uncompressed is mapped by ``deserialize_file`` in ~3 ms, its
pages read in as init touches them (and shared with the page cache: less resident memory too).

An entry is named by what wasmtime compiles, the instrumented binary: a function of the input and
of our instrumentation code alone, so a pipeline run names it by the input's sha256 (hashed while
the input is parsed, :mod:`~wizerscope.preinit.input_digest`) and any other binary by its own
sha256; then by the engine
that compiled it (Winch, Cranelift, optimised Cranelift; fuel, epochs, the stack limit) and the
fingerprint of wizerscope's and wasmtime's code (:func:`~wizerscope.preinit.verdicts.code_fingerprint`),
and carries its size and CRC-32 in its file name: a truncated or altered entry is never handed
to wasmtime (which would trust it, as it trusts its own cache), it is removed and compiled again.
That check reads the whole entry; a pipeline run starts it on a thread as soon as the input is
hashed (:meth:`CodeStore.check_ahead`, :func:`~wizerscope.preinit.pipeline.code_check_ahead`),
so that little or none of it is waited for.
Entries are written atomically (a reader sees a whole entry or none), touched when used, and the
least recently used are removed once the store holds more than :data:`LIMIT` bytes.

It lives beside wasmtime's cache with the same conventions (``$XDG_CACHE_HOME/wizerscope/code``,
else ``~/.cache/wizerscope/code``) and is off with ``-C cache=n``. A store that cannot be used is
one ``warning:`` line and a compile, never a failure.
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import wasmtime

from ..verdicts import cache_home, cache_warning, code_fingerprint, write_entry
from . import internals
from .engines import first_line

LIMIT = 1 << 30           # bytes of entries kept (componentize-py's component: 46 MB an entry)
SUFFIX = ".cwasm"
_READ = 1 << 20


class CodeCache:
    """Compiled code of one input, kept between runs whose engine settings are the same (the
    inspector's re-runs, the determinism check's two instances): compiling is the expensive part
    of a run, and instances are fresh anyway."""

    def __init__(self) -> None:
        self._entries: dict[tuple, tuple[wasmtime.Engine, object, str]] = {}

    def get(self, key: tuple) -> tuple[wasmtime.Engine, object, str] | None:
        return self._entries.get(key)

    def put(self, key: tuple, engine: wasmtime.Engine, compiled: object, compiler: str) -> None:
        self._entries[key] = (engine, compiled, compiler)

    def clear(self) -> None:
        self._entries.clear()


@dataclass
class CodeStore:
    """The code store of one run; ``notes`` gathers its warnings (one line each)."""

    directory: Path | None
    notes: list[str] = field(default_factory=list)
    limit: int = LIMIT

    @staticmethod
    def digest(wasm: bytes) -> str:
        """The sha256 of the binary to compile (~10 ms for componentize-py's 18 MB)."""
        return hashlib.sha256(wasm).hexdigest()

    @staticmethod
    def prefix(digest: str) -> str:
        """What the names of every entry for the binary ``digest`` (any engine) start with."""
        return hashlib.sha256(f"{digest}:{code_fingerprint()}".encode()).hexdigest()[:32] + "-"

    def key(self, digest: str, engine_label: str) -> str:
        """The entry name for the binary with sha256 ``digest`` compiled by ``engine_label``."""
        return self.prefix(digest) + hashlib.sha256(engine_label.encode()).hexdigest()[:8]

    def check_ahead(self, digest: str) -> None:
        """Start checking the entries for the binary ``digest`` against their CRC-32 on a thread,
        so that :meth:`load` finds the answer ready: the input's digest thread calls this, and
        the pipeline again before instrumenting (a no-op then); componentize-py's 46 MB entry
        takes 17-23 ms, overlapping the parse's end, the check and the instrumentation (zlib
        runs without the GIL)."""
        if self.directory is None:
            return
        prefix = self.prefix(digest)
        if prefix in _AHEAD:
            return
        thread = threading.Thread(target=_check_entries, args=(self.directory, prefix), daemon=True,
                                  name="wizerscope-code-check")
        _AHEAD[prefix] = thread
        thread.start()

    def load(self, key: str, thaw: Callable[[str], object]) -> object | None:
        """The compiled code stored under ``key``, mapped by ``thaw(path)``; None when there is
        none (or it was unusable: then it is removed, with a warning)."""
        if self.directory is None:
            return None
        try:
            names = [n for n in os.listdir(self.directory) if n.startswith(key + "-") and n.endswith(SUFFIX)]
        except FileNotFoundError:
            return None
        except OSError as e:
            self._warn(f"cannot read {self.directory} ({e.strerror or e})", off=True)
            return None
        ahead = _AHEAD.get(key[:key.index("-") + 1])
        if ahead is not None:
            ahead.join()
        for name in names:
            path = self.directory / name
            problem = _checked(path, name[len(key) + 1:-len(SUFFIX)])
            if problem is _GONE:                 # another run trimmed it meanwhile: a miss
                continue
            if problem is None:
                try:
                    compiled = thaw(str(path))
                except Exception as e:           # wasmtime refused it: another build, another CPU
                    problem = f"wasmtime cannot load it ({first_line(e)[:160]})"
                else:
                    _touch(path)
                    return compiled
            self._warn(f"{path} {problem}; the code was compiled again")
            _remove(path)
        return None

    def save(self, key: str, compiled: object) -> None:
        """Store ``compiled`` under ``key`` (atomically), then keep the store within its limit.
        On failure the store is off for the rest of the run."""
        if self.directory is None:
            return

        def fill(f) -> str:
            crc = 0

            def write(view: memoryview) -> None:
                nonlocal crc
                crc = zlib.crc32(view)
                f.write(view)
            size = internals.write_serialized(compiled, write)
            return f"{key}-{size}-{crc:08x}{SUFFIX}"
        try:
            write_entry(self.directory, fill)
        except OSError as e:
            self._warn(f"cannot write {e.filename or self.directory} ({e.strerror or e})", off=True)
            return
        self._trim()

    def _trim(self) -> None:
        """Remove the least recently used entries beyond ``limit`` bytes (and stale temporaries)."""
        entries = []
        try:
            with os.scandir(self.directory) as it:
                for e in it:
                    st = e.stat()
                    if e.name.startswith(".tmp-") and st.st_mtime < time.time() - 3600:
                        _remove(Path(e.path))              # left by a run that was killed
                    elif e.name.endswith(SUFFIX):
                        entries.append((st.st_mtime, st.st_size, e.path))
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.limit:
                break
            _remove(Path(path))
            total -= size

    def _warn(self, problem: str, *, off: bool = False) -> None:
        self.notes.append(cache_warning("code", self.directory, problem, off=off))
        if off:
            self.directory = None


def code_store_for(cache: bool | str) -> CodeStore:
    """The store a run with ``-C cache=`` ``cache`` uses (also with ``-C cache-config=FILE``,
    which configures wasmtime's cache only), or none."""
    return CodeStore(cache_home("code") if cache is not False else None)


_GONE = "is gone"

# check_ahead's threads (by name prefix) and what they found: path -> (its identity when checked, problem)
_AHEAD: dict[str, threading.Thread] = {}
_CHECKED: dict[str, tuple[tuple[int, int, int], str | None]] = {}


def _identity(path: Path) -> tuple[int, int, int] | None:
    """Which file ``path`` is now: an entry is only ever replaced whole (renamed over)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _check_entries(directory: Path, prefix: str) -> None:
    try:
        names = [n for n in os.listdir(directory) if n.startswith(prefix) and n.endswith(SUFFIX)]
    except OSError:
        return                           # load() lists again and says what is wrong
    for name in names:
        path = directory / name
        before = _identity(path)
        problem = _damage(path, name[len(prefix):-len(SUFFIX)].partition("-")[2])   # past the engine part
        if before is not None and before == _identity(path):
            _CHECKED[str(path)] = (before, problem)


def _checked(path: Path, stamp: str) -> str | None:
    """:func:`_damage`, or what check_ahead found when the file is still the one it checked."""
    done = _CHECKED.pop(str(path), None)
    if done is not None and done[0] == _identity(path) and done[1] is not _GONE:
        return done[1]
    return _damage(path, stamp)


def _damage(path: Path, stamp: str) -> str | None:
    """What is wrong with the entry at ``path`` against the size and CRC-32 in its name; None if
    nothing. The CRC runs over a read-only mapping of the file, not over copies of it read in
    pieces (componentize-py's 46 MB: 27-31 -> 17-23 ms; wasmtime maps the same file next), and
    over pieces read where it cannot be mapped."""
    try:
        size_text, crc_text = stamp.split("-")
        size, want = int(size_text), int(crc_text, 16)
    except ValueError:
        return "is not a code cache entry"
    try:
        with open(path, "rb", buffering=0) as f:
            seen = os.fstat(f.fileno()).st_size
            if seen != size:
                return "is damaged (its size or checksum is wrong)"
            crc = _mapped_crc(f) if size else 0
            if crc is None:
                crc = _read_crc(f)
    except FileNotFoundError:
        return _GONE
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    if crc != want:
        return "is damaged (its size or checksum is wrong)"
    return None


def _mapped_crc(f) -> int | None:
    """The CRC-32 of the open file ``f`` through a read-only mapping; None if it cannot be mapped."""
    import mmap
    try:
        view = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    try:
        return zlib.crc32(view)
    finally:
        view.close()


def _read_crc(f) -> int:
    """The CRC-32 of the open file ``f``, read from its start in 1 MiB pieces."""
    f.seek(0)
    crc = 0
    buf = bytearray(_READ)
    while True:
        n = f.readinto(buf)
        if not n:
            return crc
        crc = zlib.crc32(memoryview(buf)[:n], crc)


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
