"""WAT text to Wasm bytes: the one place wizerscope calls wasmtime's text assembler.

Inputs may be WAT files, preloads may be WAT files, and the kernels and accessor modules are
written as WAT; all of them go through :func:`assemble`, so a text error always reads the same
(the file named, the assembler's message kept line by line).
"""
from __future__ import annotations

from ...errors import WizerscopeError


class WatError(WizerscopeError):
    """Text that is not valid WAT; ``lines`` keeps the assembler's message as it printed it."""

    def __init__(self, name: str, lines: list[str]) -> None:
        super().__init__(f"{name} is not valid WAT text: " + " ".join(line.strip() for line in lines if line.strip()))
        self.name = name
        self.lines = lines


def assemble(text: str | bytes, name: str = "input") -> bytes:
    """The binary for WAT ``text``; raise :class:`WatError` naming ``name`` when it is not WAT."""
    import wasmtime       # lazy: the headless paths that never see WAT do not load it here
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise WizerscopeError(f"{name} is neither a WebAssembly binary nor UTF-8 WAT text") from None
    try:
        return wasmtime.wat2wasm(text)
    except wasmtime.WasmtimeError as e:
        lines = str(e).replace("<anon>", name).splitlines()
        raise WatError(name, lines) from None
