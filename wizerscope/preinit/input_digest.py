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

THREAD_FROM = 1 << 20        # bytes from which the hash runs on a thread


class InputDigest:
    """The sha256 (hex) of ``wasm``, started now, waited for by :meth:`hexdigest`."""

    def __init__(self, wasm: bytes | memoryview) -> None:
        self._wasm: bytes | memoryview | None = wasm
        self._hex: str | None = None
        self._thread: threading.Thread | None = None
        if len(wasm) >= THREAD_FROM:
            self._thread = threading.Thread(target=self._hash, daemon=True, name="wizerscope-digest")
            self._thread.start()

    def _hash(self) -> None:
        if self._wasm is not None:
            self._hex = hashlib.sha256(self._wasm).hexdigest()
            self._wasm = None

    def hexdigest(self) -> str:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._hex is None:       # small, or the thread did not get there: hash here
            self._hash()
        return self._hex
