"""The shape the code must keep: the layering contracts, one owner of wasmtime-py's private API,
the headless commands free of Textual and Rich."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import wasmtime

from wizerscope.preinit.runtime import internals

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "wizerscope"


def test_import_linter_contracts_are_kept():
    """The contracts of pyproject.toml: the layers, core never importing component code, a
    binary layer without wasmtime, headless layers without Textual/Rich, no sibling cycles."""
    tool = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.skip("import-linter is not installed")
    p = subprocess.run([tool, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "0 broken" in p.stdout


def test_every_core_preinit_module_is_under_the_core_contract():
    """The "core never uses component" contract lists its modules by name; a new core module must
    join it (only the dispatch, ``choose``, and the package's lazy entry may reach components)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (core,) = [c for c in config if c.get("forbidden_modules") == ["wizerscope.preinit.component"]]
    listed = set(core["source_modules"])
    here = {f"wizerscope.preinit.{p.stem}" for p in (PACKAGE / "preinit").iterdir()
            if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.stem not in ("__init__", "choose", "component")}
    assert here <= listed, sorted(here - listed)


PRIVATE = re.compile(r"\b(_ffi|_bindings|_func)\b|\._from_ptr|\._from_raw|\._context\(|\._tagged\(")


def test_only_internals_touches_wasmtime_private_api():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "preinit" / "runtime" / "internals.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if PRIVATE.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def test_the_private_api_we_rely_on_is_still_there():
    """Fails loudly when a wasmtime-py upgrade moves a private name, before a user's init does."""
    assert internals.check() == []


def test_internals_behave():
    """Each private-API helper against the public API's own answer."""
    wat = """(module
      (memory (export "m") 1) (data (i32.const 3) "\\07")
      (global (export "nan") (mut f32) (f32.const nan:0x200001))
      (global (export "v") (mut v128) (v128.const i32x4 1 2 3 4))
      (func (export "pair") (result i32 v128) (i32.const 9) (v128.const i64x2 5 6)))"""
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    inst = wasmtime.Instance(store, wasmtime.Module(engine, wasmtime.wat2wasm(wat)), [])
    ex = inst.exports(store)
    assert internals.global_bits(store, ex["nan"], "f32") == 0x7FA00001          # signalling NaN kept
    v = internals.global_bits(store, ex["v"], "v128")
    assert v.to_bytes(16, "little") == b"".join(i.to_bytes(4, "little") for i in (1, 2, 3, 4))
    nine, lanes = internals.call_without_args(store, ex["pair"], ["i32", "v128"])
    assert nine == 9 and lanes.to_bytes(16, "little") == (5).to_bytes(8, "little") + (6).to_bytes(8, "little")
    view = internals.memory_view(store, ex["m"])
    assert len(view) == 65536 and bytes(view[:4]) == b"\0\0\0\7" and bytes(view[:4]) == ex["m"].read(store, 0, 4)
    config = wasmtime.Config()
    internals.use_winch(config)
    from wizerscope.preinit.runtime.engines import winch_supported
    if winch_supported():
        wasmtime.Module(wasmtime.Engine(config), wasmtime.wat2wasm("(module (func))"))
    comp = wasmtime.wat2wasm("(component (core module))")
    from wasmtime import component as wc
    assert isinstance(internals.compile_component(engine, comp), wc.Component)


@pytest.mark.parametrize("argv", [["init", "{src}", "-o", "{out}", "--json"], ["inspect", "--json", "{src}"],
                                  ["init", "--check", "--json", "{src}"]])
def test_headless_commands_import_neither_textual_nor_rich(tmp_path, argv):
    src = tmp_path / "in.wat"
    src.write_text((ROOT / "examples" / "counter.wat").read_text())
    args = [a.format(src=src, out=tmp_path / "out.wasm") for a in argv]
    code = ("import sys, io, contextlib\nfrom wizerscope.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()): main({args!r})\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'textual'}))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == "[]"


def test_the_command_line_parses_its_arguments_before_importing_wasmtime():
    """``wizerscope init`` starts reading (and hashing) a big input as soon as its arguments
    are parsed, while wasmtime and the stages are imported (preinit/files.read_ahead): the entry
    point's module must not import them itself."""
    code = "import sys, wizerscope.cli\nprint(sorted(m for m in ('wasmtime', 'wizerscope.preinit.pipeline') if m in sys.modules))"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_no_docstring_cites_a_document_outside_the_repository():
    cites = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py") if "SPEC §" in p.read_text()]
    assert cites == []
