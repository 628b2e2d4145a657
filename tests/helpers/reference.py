"""Running the reference, `wasmtime wizer`, the same way everywhere (the `reference` fixture)."""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

# A fixed environment: no RUST_BACKTRACE or WASMTIME_* settings of the person running the tests
# change what the reference prints or does.
ENV = {"RUST_BACKTRACE": "0", "PATH": "/usr/bin:/bin"}


@dataclass(frozen=True)
class ReferenceRun:
    """One run of `wasmtime wizer`."""

    returncode: int
    output: bytes | None       # the pre-initialized bytes; None when it failed or wrote nothing
    output_written: bool       # an output file exists after the run (whether or not it succeeded)
    stdout: bytes
    stderr: bytes

    def require_output(self) -> bytes:
        """The output of a run that must succeed (its stderr as the failure message otherwise)."""
        if self.returncode != 0 or self.output is None:
            raise AssertionError(f"`wasmtime wizer` failed (exit {self.returncode}): {self.stderr.decode()}")
        return self.output


def run_reference(exe: str, workdir: Path, src: bytes | bytearray | str | os.PathLike, *flags: str, stdin: bool = False,
                  timeout: float = 120) -> ReferenceRun:
    """`wasmtime wizer -C cache=n FLAGS SRC -o OUT` in ``workdir``.

    ``src`` is the input's bytes (written to ``workdir/in.wasm``) or the path of a .wasm or .wat
    file. With ``stdin=True`` the bytes go to standard input (`-`) and the output is what the
    reference writes to standard output."""
    if stdin:
        p = subprocess.run([exe, "wizer", "-C", "cache=n", *flags, "-"], input=src, capture_output=True,
                           timeout=timeout, env=ENV)
        output = p.stdout if p.returncode == 0 else None
        return ReferenceRun(p.returncode, output, output is not None, p.stdout, p.stderr)
    if not isinstance(src, (str, os.PathLike)):
        path = workdir / "in.wasm"
        path.write_bytes(src)
        src = path
    out = workdir / "ref.wasm"
    p = subprocess.run([exe, "wizer", "-C", "cache=n", *flags, str(src), "-o", str(out)], capture_output=True,
                       timeout=timeout, env=ENV)
    written = out.exists()
    output = out.read_bytes() if written and p.returncode == 0 else None
    return ReferenceRun(p.returncode, output, written, p.stdout, p.stderr)
