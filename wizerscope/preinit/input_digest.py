"""The input's sha256, computed on a thread while the input is parsed.

Both stores of earlier runs' work name their entries after the input's bytes: the check verdicts
(:mod:`~wizerscope.preinit.verdicts`) and the compiled init code
(:mod:`~wizerscope.preinit.runtime.codestore`, whose code is the instrumented input: a function of
the input and of our code alone). Hashing componentize-py's 18 MB takes ~10 ms, which hashlib
spends without holding the GIL; started before the parse (~40 ms of Python), it is ready by the
time the check asks for it. Small inputs are hashed when asked: a thread would cost more.
"""
from __future__ import annotations

import hashlib
import threading
from typing import Callable

THREAD_FROM = 1 << 20        # bytes from which the hash runs on a thread
_KNOWN: list[tuple[bytes, str]] = []     # (bytes, their sha256) hashed before a pipeline asked


def hash_ahead(wasm: bytes) -> None:
    """Hash ``wasm`` now, on the calling thread, before any pipeline is made (the CLI's
    read-ahead, :func:`~wizerscope.preinit.files.read_ahead`, while the run's code is still
    imported): the :class:`InputDigest` of these very bytes takes the digest instead of hashing
    them again. One entry (the last), held until then."""
    _KNOWN[:] = [(wasm, hashlib.sha256(wasm).hexdigest())]


class InputDigest:
    """The sha256 (hex) of ``wasm``, started now, waited for by :meth:`hexdigest`. ``then(hex)``,
    when given, runs as soon as the digest is known (what can start on it before the parse is
    done: the code store's check of the stored code): on the hashing thread, or right here when
    the bytes were hashed ahead (:func:`hash_ahead`); it is a head start only, so whatever it
    raises is dropped."""

    def __init__(self, wasm: bytes | memoryview, then: Callable[[str], None] | None = None) -> None:
        self._wasm: bytes | memoryview | None = wasm
        self._hex: str | None = None
        self._hashed: threading.Event | None = None
        if _KNOWN and _KNOWN[0][0] is wasm:
            self._hex, self._wasm = _KNOWN.pop()[1], None
            if then is not None:
                self._then(then)
        elif len(wasm) >= THREAD_FROM:
            self._hashed = threading.Event()
            threading.Thread(target=self._hash_then, args=(then,), daemon=True, name="wizerscope-digest").start()

    def _hash(self) -> None:
        if self._wasm is not None:
            self._hex = hashlib.sha256(self._wasm).hexdigest()
            self._wasm = None

    def _hash_then(self, then: Callable[[str], None] | None) -> None:
        try:
            self._hash()
        finally:
            self._hashed.set()          # the digest's readers do not wait for ``then``
        if then is not None and self._hex is not None:
            self._then(then)

    def _then(self, then: Callable[[str], None]) -> None:
        try:
            then(self._hex)
        except Exception:              # noqa: BLE001 - a head start only: the run does it again
            pass

    def hexdigest(self) -> str:
        if self._hashed is not None:
            self._hashed.wait()
            self._hashed = None
        if self._hex is None:       # small, or the thread did not get there: hash here
            self._hash()
        return self._hex
