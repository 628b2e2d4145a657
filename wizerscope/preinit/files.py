"""Reading inputs and writing outputs safely: files or stdin, binary or WAT, atomic writes.

The CLI and the inspector both read and write through here, so both refuse the same things (an
output that exists when the caller did not say to overwrite it, the input itself as the output
when the caller protects it) with the same words.
"""
from __future__ import annotations

import os
import stat
import sys
import tempfile
import threading

from ..binary.encode import LazyJoin
from ..errors import WizerscopeError
from .input_digest import hash_ahead

READ_AHEAD_FROM = 1 << 20        # bytes from which read_ahead reads on a thread
_AHEAD: dict[str, tuple[threading.Thread, list[bytes]]] = {}


class OutputExists(WizerscopeError):
    """The chosen output file exists and the caller did not say to overwrite it."""


def read_ahead(path: str) -> None:
    """Start reading the regular file ``path`` on a thread, for the next :func:`read_input` of
    it. The CLI calls this as soon as its arguments are parsed, so that the read
    (componentize-py's 18 MB: 11-17 ms, spent without the GIL) and the hash of the input
    (:func:`~wizerscope.preinit.input_digest.hash_ahead`) overlap the import of the run's code
    (~90 ms) instead of following it. Anything else (stdin, a FIFO, a small file, a file that
    cannot be read) is left to :func:`read_input`, which says what is wrong."""
    if path == "-" or path in _AHEAD:
        return
    try:
        st = os.stat(path)
    except OSError:
        return
    if not stat.S_ISREG(st.st_mode) or st.st_size < READ_AHEAD_FROM:
        return
    got: list[bytes] = []

    def read() -> None:
        try:
            with open(path, "rb") as f:
                got.append(f.read())
        except (OSError, MemoryError):
            return                       # read_input reads it again and explains the failure
        # hashed here too (~20 ms, also without the GIL): the code store's check of the stored
        # code can then start when the pipeline is made, not once the parse is half done
        if got[0][:4] == b"\0asm":         # WAT text becomes other bytes: nothing to hash ahead
            hash_ahead(got[0])
    thread = threading.Thread(target=read, daemon=True, name="wizerscope-read")
    _AHEAD[path] = (thread, got)
    thread.start()


def read_input(path: str) -> bytes:
    """The Wasm bytes of ``path`` (``-`` = stdin); WAT text is converted."""
    ahead = _AHEAD.pop(path, None)
    if ahead is not None:
        ahead[0].join()
        if ahead[1]:
            return to_binary(ahead[1][0], path)
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except FileNotFoundError:
        raise WizerscopeError(f"failed to read input Wasm module: {path}: no such file") from None
    except IsADirectoryError:
        raise WizerscopeError(f"failed to read input Wasm module: {path} is a directory") from None
    except OSError as e:
        raise WizerscopeError(f"failed to read input Wasm module: {path}: {e.strerror}") from None
    return to_binary(data, path)


def to_binary(data: bytes, name: str = "input") -> bytes:
    """``data`` as a Wasm binary: itself, or assembled when it is WAT text."""
    if data[:4] == b"\0asm":
        return data
    if not data:
        raise WizerscopeError(f"{name} is empty: expected a WebAssembly binary or WAT text", offset=0)
    if _looks_like_text(data):
        from .runtime.wat import assemble
        return assemble(data, name)
    raise WizerscopeError(f"{name} is not a WebAssembly binary: it does not start with the magic bytes "
                          f"\\0asm (found {data[:4].hex(' ')})", offset=0)


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    return b"\0" not in head and head.lstrip()[:1] in (b"(", b";")


def write_output(path: str, data: bytes | LazyJoin, *, overwrite: bool = True, protect: str | None = None) -> str:
    """Write ``data`` to ``path`` (``-`` = stdout) and return the path written. A binary still in
    pieces (:class:`~wizerscope.binary.encode.LazyJoin`) is written piece by piece, never joined.

    A regular file is replaced atomically (a temporary file beside it, then a rename), so a
    failed or interrupted write never leaves half an output. A FIFO or a device (``/dev/null``,
    ``/dev/stdout``) is written through, as `wasmtime wizer` does: renaming over it would turn it
    into a regular file. A symlink is followed: its target is replaced atomically and the link
    stays. Refused: an existing file unless ``overwrite`` (:class:`OutputExists`, so the caller
    can ask), the file ``protect`` names (the input), and a file the caller may not write (the
    rename would replace it anyway when the directory is writable)."""
    if path == "-":
        write_stdout(data)
        return path
    if not path:
        raise WizerscopeError("choose an output path")
    shown = os.path.abspath(os.path.expanduser(path))
    target = os.path.realpath(shown)            # through symlinks: replace the target, keep the link
    try:
        st: os.stat_result | None = os.stat(target)
    except OSError:
        st = None
    if st is not None:
        if protect and protect != "-" and os.path.exists(protect) and os.path.samefile(target, protect):
            raise WizerscopeError(f"refusing to overwrite the input {path}",
                                  hint="choose another name; the input stays what you opened")
        if not overwrite:
            raise OutputExists(f"{path} exists", hint="confirm to overwrite it")
        if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
            _write_through(path, target, data)
            return shown
        if stat.S_ISDIR(st.st_mode):
            raise WizerscopeError(f"failed to write output file {path}: it is a directory")
        if not os.access(target, os.W_OK):
            raise WizerscopeError(f"failed to write output file {path}: Permission denied",
                                  hint="the file is not writable by you; choose another name")
    _replace_atomically(path, target, data)
    return shown


def temporary_prefix() -> str:
    """The name our temporary output files start with: a stale one (from a killed run) names
    the process that left it, so it can be recognised and removed."""
    return f".wizerscope-{os.getpid()}-"


def _pieces(data: bytes | LazyJoin) -> list[bytes | memoryview]:
    """What to write, in order: a binary's pieces while it has them, else its bytes."""
    if isinstance(data, LazyJoin):
        return data.parts if data.parts is not None else [data.join()]
    return [data]


def _replace_atomically(path: str, target: str, data: bytes | LazyJoin) -> None:
    directory = os.path.dirname(target) or "."
    if not os.path.isdir(directory):
        raise WizerscopeError(f"failed to write output file: directory {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=temporary_prefix(), suffix=".tmp", dir=directory)
    except OSError as e:
        raise WizerscopeError(f"failed to write output file {path}: {e.strerror}") from None
    try:
        # mkstemp makes the file private (0600); give the output the mode a plain open() would
        # (or the mode of the file it replaces), as `wasmtime wizer` does
        try:
            os.fchmod(fd, _output_mode(target))
            _write_all(fd, data, f"failed to write output file {path}")
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException as e:   # also Ctrl-C or SIGTERM mid-write: never leave the temporary file behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise WizerscopeError(f"failed to write output file {path}: {e.strerror}") from None
        raise


def _write_through(path: str, target: str, data: bytes | LazyJoin) -> None:
    """Write into a FIFO or a device as it is (no temporary file, no rename)."""
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise WizerscopeError(f"failed to write output file {path}: {e.strerror}") from None
    try:
        _write_all(fd, data, f"failed to write output file {path}")
    finally:
        os.close(fd)


def write_stdout(data: bytes | LazyJoin) -> None:
    """All of ``data`` on stdout, or an error: a short write (a full disk, ``ulimit -f``, a
    reader that left) or a closed stdout must not end as a success with a truncated output.
    A stdout replaced in-process (a test's capture, a library user's buffer) is written as is."""
    what = "failed to write output to stdout"
    out = sys.stdout
    if out is None:                 # the process started with stdout closed
        raise WizerscopeError(f"{what}: stdout is closed")
    try:
        fd = out.fileno()
    except (OSError, ValueError, AttributeError):
        buffer = getattr(out, "buffer", None)
        for piece in _pieces(data):
            if buffer is not None:
                buffer.write(piece)
            else:
                out.write(bytes(piece).decode("utf-8", "replace"))
        return
    try:
        out.flush()                 # whatever was printed before goes first
    except (OSError, ValueError):
        pass
    _write_all(fd, data, what)


IOV_MAX = 1024           # pieces per writev (POSIX's minimum for IOV_MAX; Linux's value)


def _write_all(fd: int, data: bytes | LazyJoin, what: str) -> None:
    """All of ``data``'s pieces to ``fd``, or an error: with ``writev``, IOV_MAX pieces a call
    (componentize-py's output is 22,360 pieces: 6 ms, against 9 ms joined first and 10 ms
    piece by piece through a buffered file), each short write continued where it stopped."""
    pieces = _pieces(data)
    gather = getattr(os, "writev", None)
    i, done = 0, 0              # the next piece, and how much of it is written
    while i < len(pieces):
        first = pieces[i] if not done else memoryview(pieces[i])[done:]
        try:
            if gather is not None:
                n = gather(fd, [first, *pieces[i + 1:i + IOV_MAX]])
            else:
                n = os.write(fd, memoryview(first)[:1 << 20])
        except InterruptedError:
            continue
        except OSError as e:
            raise WizerscopeError(f"{what}: {e.strerror}") from None
        if n <= 0 and len(first):
            raise WizerscopeError(f"{what}: nothing more could be written")
        n += done
        while i < len(pieces) and n >= len(pieces[i]):
            n -= len(pieces[i])
            i += 1
        done = n


def print_stdout(text: str) -> None:
    """A line of text (a JSON report) on stdout, with every failure an error: stdout may be closed
    (``sys.stdout`` is None then, and print() would drop the text silently)."""
    write_stdout((text + "\n").encode())


def _output_mode(target: str) -> int:
    """The permission bits for a new output: the replaced file's, else 0666 minus the umask."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
