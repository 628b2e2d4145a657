"""Reading inputs and writing outputs safely: files or stdin, binary or WAT, atomic writes.

The CLI and the inspector both read and write through here, so both refuse the same things (an
output that exists when the caller did not say to overwrite it, the input itself as the output
when the caller protects it) with the same words.
"""
from __future__ import annotations

import os
import sys
import tempfile

from ..errors import WizerscopeError


class OutputExists(WizerscopeError):
    """The chosen output file exists and the caller did not say to overwrite it."""


def read_input(path: str) -> bytes:
    """The Wasm bytes of ``path`` (``-`` = stdin); WAT text is converted."""
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


def write_output(path: str, data: bytes, *, overwrite: bool = True, protect: str | None = None) -> str:
    """Write ``data`` atomically (a temporary file beside the target, then rename); ``-`` is
    stdout. Refuse an existing file unless ``overwrite`` (:class:`OutputExists`, so the caller
    can ask), and the file ``protect`` names (the input). Returns the path written."""
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return path
    if not path:
        raise WizerscopeError("choose an output path")
    target = os.path.abspath(os.path.expanduser(path))
    if os.path.exists(target):
        if protect and protect != "-" and os.path.exists(protect) and os.path.samefile(target, protect):
            raise WizerscopeError(f"refusing to overwrite the input {path}",
                                  hint="choose another name; the input stays what you opened")
        if not overwrite:
            raise OutputExists(f"{path} exists", hint="confirm to overwrite it")
    directory = os.path.dirname(target) or "."
    if not os.path.isdir(directory):
        raise WizerscopeError(f"failed to write output file: directory {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".wizerscope-", suffix=".tmp", dir=directory)
    except OSError as e:
        raise WizerscopeError(f"failed to write output file {path}: {e.strerror}") from None
    try:
        # mkstemp makes the file private (0600); give the output the mode a plain open() would
        # (or the mode of the file it replaces), as `wasmtime wizer` does
        os.fchmod(fd, _output_mode(target))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
        return target
    except BaseException as e:   # also Ctrl-C mid-write: never leave the temporary file behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise WizerscopeError(f"failed to write output file {path}: {e.strerror}") from None
        raise


def _output_mode(target: str) -> int:
    """The permission bits for a new output: the replaced file's, else 0666 minus the umask."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
