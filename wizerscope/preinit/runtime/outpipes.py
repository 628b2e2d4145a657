"""init's stdout and stderr through pipes, drained by one thread.

wasmtime-py's custom output callback is called for every 4 KiB the guest writes, and each call is
a ctypes trampoline into Python under the GIL (20-45 us): an init printing 1 GiB took 12 s where
`wasmtime wizer`, which inherits stdout, takes 0.2 s. Here wasmtime writes each stream into a pipe
(opened through ``/proc/self/fd``, so the WASI context holds the only write end) and one thread
drains both with ``select``, 64 KiB at a time, handing the bytes on as they arrive. Memory stays
bounded: a full pipe makes the guest's write wait for the reader. Order within a stream is exact;
between stdout and stderr it is the order the reader finds them in, which differs from the write
order only when both streams have unread bytes at the same moment. Where ``/proc/self/fd`` does
not exist (not Linux) the caller keeps the callbacks.
"""
from __future__ import annotations

import fcntl
import os
import select
import struct
import termios
import threading
import time
from typing import Callable

CHUNK = 64 * 1024
PROC_FD = "/proc/self/fd"

Sink = Callable[[str, bytes], None]


class OutputPipes:
    """Both streams of one WASI context; ``sink(stream, data)`` runs on the draining thread."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self._streams: dict[int, str] = {}       # read end -> "stdout" / "stderr"
        self._lock = threading.Lock()            # held while bytes are between the pipe and the sink

    @staticmethod
    def available() -> bool:
        return os.path.isdir(PROC_FD)

    def attach(self, config) -> bool:
        """Point ``config``'s stdout and stderr at fresh pipes and start draining them; False
        (and nothing attached) when a pipe cannot be made or wasmtime cannot open it."""
        made: list[tuple[str, int, int]] = []
        try:
            for stream in ("stdout", "stderr"):
                r, w = os.pipe()
                made.append((stream, r, w))
                setattr(config, f"{stream}_file", f"{PROC_FD}/{w}")
        except Exception:                # OSError, or wasmtime refusing the path
            for _, r, w in made:
                os.close(r)
                os.close(w)
            return False
        for stream, r, w in made:
            os.close(w)                  # wasmtime opened its own write end
            self._streams[r] = stream
        threading.Thread(target=self._drain, name="wizerscope-output", daemon=True).start()
        return True

    def _drain(self) -> None:
        """Until wasmtime closes both write ends (its WASI context is dropped with the store)."""
        while True:
            with self._lock:
                fds = list(self._streams)
            if not fds:
                return
            try:
                ready, _, _ = select.select(fds, [], [])
            except (OSError, ValueError):
                return
            with self._lock:
                for fd in ready:
                    data = os.read(fd, CHUNK)
                    if data:
                        self.sink(self._streams[fd], data)
                    else:
                        os.close(fd)
                        del self._streams[fd]

    def flush(self) -> None:
        """Wait until every byte written so far has reached the sink (the guest is not running:
        nothing new arrives, so the pipes empty)."""
        while True:
            with self._lock:
                if not any(_unread(fd) for fd in self._streams):
                    return
            time.sleep(0.0005)


def _unread(fd: int) -> int:
    try:
        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    except OSError:
        return 0
