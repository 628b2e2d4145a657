"""Real components from the shared corpus: outputs validate, behave (the MANIFEST's verify commands,
run with `wasmtime run`) and, where the reference is deterministic, are byte-identical to it.

Skips when /tmp/wizerscope-corpus is absent (build it with ../shared/corpus/build.sh). The item
list, flags and checks come from the corpus's own ``corpus.py``.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers import CORPUS
from tests.helpers.cli import run_cli
from tests.helpers.corpus import CORPUS_PY, ROWS, needs_corpus
from tests.helpers.wasm import validate

pytestmark = needs_corpus

ITEMS = {it.name: it for it in getattr(CORPUS_PY, "ITEMS", []) if it.kind == "component" and it.name in ROWS}


def _init(name: str, tmp_path: Path, *flags: str) -> Path:
    it = ITEMS[name]
    out = tmp_path / f"{name}.out.wasm"
    p = run_cli("init", *flags, "-f", it.init, str(CORPUS / f"{name}.wasm"), "-o", str(out))
    assert p.returncode == 0, p.stderr.decode()
    return out


def _verify(wasmtime_cli: str, path: Path, checks) -> None:
    _, expected, ok = CORPUS_PY.do_checks(wasmtime_cli, str(path.parent), path.name, checks)
    assert ok, f"{path.name}: verify commands failed (expected {expected})"


@pytest.mark.parametrize("name", ["comp_counter", "comp_wasiapp"])
def test_small_components_match_the_reference(name, tmp_path, wasmtime_cli, wasm_tools):
    if name not in ITEMS:
        pytest.skip(f"{name} not in the corpus")
    it = ITEMS[name]
    out = _init(name, tmp_path, *it.wizer_args)
    assert out.read_bytes() == (CORPUS / ROWS[name]["wizer_output"]).read_bytes()
    _verify(wasmtime_cli, out, it.after)


@pytest.mark.parametrize("name", ["comp_counter", "comp_wasiapp"])
def test_default_invocation_is_valid(name, tmp_path, wasmtime_cli, wasm_tools):
    """Reference bug #13168: without --keep-init-func `wasmtime wizer` writes an invalid component
    for these inputs (MANIFEST column component_default_invocation); wizerscope's output is valid."""
    if name not in ITEMS:
        pytest.skip(f"{name} not in the corpus")
    assert "INVALID" in ROWS[name]["component_default_invocation"]
    it = ITEMS[name]
    out = _init(name, tmp_path, *[f for f in it.wizer_args if not f.startswith("--keep-init-func")])
    validate(wasm_tools, out)
    _verify(wasmtime_cli, out, it.after)


@pytest.mark.parametrize("keep", [True, False])
def test_nested_component_with_module(keep, tmp_path, wasmtime_cli, wasm_tools):
    """The reference rejects it (`nested components with modules not currently supported`);
    wizerscope pre-initializes the inner module and writes its state into the nested definition.
    It wraps comp_counter, so comp_counter's checks apply."""
    if "reject_nested_component" not in ITEMS or "comp_counter" not in ITEMS:
        pytest.skip("corpus items missing")
    assert "nested components with modules" in ROWS["reject_nested_component"]["wizer_error"]
    out = _init("reject_nested_component", tmp_path, *(["--keep-init-func=true"] if keep else []))
    validate(wasm_tools, out)
    _verify(wasmtime_cli, out, ITEMS["comp_counter"].after)


@pytest.mark.slow
def test_componentize_py(tmp_path, wasmtime_cli, wasm_tools):
    """18 MB, 14 core modules sharing one memory; already pre-initialized once by componentize-py.
    Its init reads random seeds, so only the behaviour (and roughly the size) must match."""
    if "comp_py" not in ITEMS:
        pytest.skip("comp_py not in the corpus")
    it = ITEMS["comp_py"]
    t = time.perf_counter()
    out = _init("comp_py", tmp_path, *it.wizer_args)
    elapsed = time.perf_counter() - t
    validate(wasm_tools, out)
    _verify(wasmtime_cli, out, it.after)
    assert abs(out.stat().st_size - int(ROWS["comp_py"]["wizer_output_size"])) < 65536
    print(f"comp_py: wizerscope {elapsed:.2f} s, wasmtime wizer (MANIFEST) {ROWS['comp_py']['wizer_wall_s']} s")
