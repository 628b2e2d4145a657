"""A persistent record of inputs that passed every check, so a repeated run does not check again.

wasmtime's validation and the reference's rules (the forbidden-instruction scan, the import and
name rules) depend on nothing but the input's bytes, this code and wasmtime: on componentize-py's
18 MB component they cost ~0.1 s of a warm run that `wasmtime wizer` finishes in ~0.4 s. An input
that passed is remembered under the sha256 of its bytes (~11 ms for 18 MB) and a fingerprint of
wizerscope's source files and of the wasmtime library, so a changed rule, an edited checkout or
another wasmtime never reuses an old verdict. Only "passed every check" is stored: no rejection,
no output, no state of a run. Beside the verdicts lives one run hint: an init that ran out of wasm
stack with quickly compiled code and passed with optimised code is compiled optimised from the
start next time (docs/stack.md), instead of running into the exhaustion again first.

It lives next to wasmtime's compilation cache, with the same conventions (``$XDG_CACHE_HOME/
wizerscope/checks``, else ``~/.cache/wizerscope/checks``), one small file per input, written
atomically (concurrent runs are safe), and it is off with ``-C cache=n`` like wasmtime's. A cache
that cannot be used (its directory cannot be created or written, an entry is unreadable or
corrupt) is one ``warning:`` line and a run that checks the input again, never a failure.
"""
from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

from .. import __version__

# what an entry holds: a corrupt or foreign file is never read as a verdict
ACCEPTED = b"wizerscope check verdict: accepted\n"
# a run hint beside the verdicts: this init ran out of stack until compiled with optimised code
NEEDS_OPTIMISED = b"wizerscope run hint: init needs optimised code\n"


def cache_home(part: str) -> Path | None:
    """Where wizerscope's cache ``part`` lives under wasmtime's conventions (``$XDG_CACHE_HOME/
    wizerscope/PART``, else ``~/.cache/wizerscope/PART``); None without a cache home."""
    home = os.environ.get("XDG_CACHE_HOME")
    if home:
        return Path(home) / "wizerscope" / part
    user = os.environ.get("HOME")
    return Path(user) / ".cache" / "wizerscope" / part if user else None


def write_entry(directory: Path, fill: Callable[[BinaryIO], str]) -> None:
    """Write one cache entry atomically: ``fill(f)`` writes a temporary file in ``directory`` and
    returns the entry's name, and the file is then renamed to it, so a reader (another run at the
    same time) sees the whole entry or none. Raises OSError; nothing is left behind then."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            name = fill(f)
        os.replace(tmp, directory / name)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def cache_warning(store: str, directory: Path | None, problem: str, *, off: bool) -> str:
    """The one line for a cache ``store`` that was not used (``off``: not for the rest of the run).
    When wizerscope's cache home itself is no directory, every store says the same line, which
    the run then prints once."""
    root = directory.parent if directory is not None else None
    if off and root is not None and os.path.lexists(root) and not root.is_dir():
        return f"warning: wizerscope's caches are off for this run: {root} is not a directory"
    what = "is off for this run" if off else "was not used"
    return f"warning: wizerscope's {store} cache {what}: {problem}"


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """What a verdict depends on besides the input: our version, every source file of the package
    (path, size, mtime: an edited checkout is new code) and the wasmtime library. Once per
    process, which runs the code it imported at start. The walk is ~1 ms alone, but each of its
    ~200 stats lets go of the GIL: with another thread busy (the inspector's screen) each took a
    switch interval to get it back, so the inspector makes it while it checks the input, before
    a run's check step needs it (that step took 0.13-0.2 s in bench_tui_tabs, 0.48 s under load)."""
    import wasmtime
    h = hashlib.sha256(__version__.encode())
    roots = [Path(__file__).resolve().parent.parent, Path(wasmtime.__file__).resolve().parent]
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".py", ".wat", ".so", ".dylib", ".dll")):
                    st = os.stat(os.path.join(dirpath, name))
                    h.update(f"{os.path.relpath(dirpath, root)}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


@dataclass
class Verdicts:
    """The verdict store of one run; ``notes`` gathers its warnings (one line each)."""

    directory: Path | None
    notes: list[str] = field(default_factory=list)

    def key(self, kind: str, digest: str) -> str:
        """The name of the facts about the ``kind`` input whose sha256 is ``digest``."""
        return hashlib.sha256(f"{kind}:{digest}:{code_fingerprint()}".encode()).hexdigest()

    def accepted(self, key: str) -> bool:
        """Whether an earlier run found the input with ``key`` passing every check."""
        return self._holds(key, ACCEPTED, "the input was checked again")

    def remember_accepted(self, key: str) -> None:
        """Record that the input with ``key`` passed every check."""
        self._record(key, ACCEPTED)

    def needs_optimised(self, key: str, init_func: str) -> bool:
        """Whether an earlier run of this init on the input with ``key`` ran out of wasm stack with
        quickly compiled code and passed with optimised code (docs/stack.md)."""
        return self._holds(_hint_key(key, init_func), NEEDS_OPTIMISED, "init was tried quickly compiled first")

    def remember_needs_optimised(self, key: str, init_func: str) -> None:
        self._record(_hint_key(key, init_func), NEEDS_OPTIMISED)

    def _holds(self, key: str, fact: bytes, otherwise: str) -> bool:
        if self.directory is None:
            return False
        path = self.directory / key
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return False
        except OSError as e:
            self._warn(f"cannot read {path} ({e.strerror or e})", off=True)
            return False
        if data != fact:
            self._warn(f"{path} is corrupt; {otherwise}")
            return False
        return True

    def _record(self, key: str, fact: bytes) -> None:
        """Write ``fact`` under ``key``. On failure the store is off for the rest of the run."""
        if self.directory is None:
            return
        def fill(f: BinaryIO) -> str:
            f.write(fact)
            return key
        try:
            write_entry(self.directory, fill)
        except OSError as e:
            self._warn(f"cannot write {e.filename or self.directory} ({e.strerror or e})", off=True)

    def _warn(self, problem: str, *, off: bool = False) -> None:
        self.notes.append(cache_warning("check", self.directory, problem, off=off))
        if off:
            self.directory = None


def _hint_key(key: str, init_func: str) -> str:
    return hashlib.sha256(f"needs-optimised:{key}:{init_func}".encode()).hexdigest()


def verdicts_for(cache: bool) -> Verdicts:
    """The store a run with ``-C cache=`` ``cache`` uses: wasmtime's conventions, or none."""
    return Verdicts(cache_home("checks") if cache else None)
