"""Components are validated whole (issue 11): ``inspect`` and ``init --check`` report what
wasmtime (and ``wasm-tools validate``) reject in a component's structure, and ``init`` names the
byte in the input, not in the instrumented binary nobody has seen."""
from __future__ import annotations

import re
import subprocess

import pytest

from tests.conformance.test_component import MULTIPLE_MODULES
from tests.helpers.component import comp
from wizerscope import cli
from wizerscope.errors import RejectedError
from wizerscope.preinit import Options
from wizerscope.preinit.choose import pipeline_for
from wizerscope.preinit.pipeline import drive


def _broken() -> bytes:
    """A component whose core modules are valid but whose instantiation wiring is not: one bit
    of an instantiation argument flipped (found by flipping bits; `wasm-tools validate` rejects it)."""
    b = bytearray(comp(MULTIPLE_MODULES))
    b[400 // 8] ^= 1 << (400 % 8)
    return bytes(b)


def _offset(text: str) -> int:
    return int(re.search(r"offset (0x[0-9a-f]+)", text).group(1), 16)


def test_cheap_check_misses_it_and_the_full_check_finds_it():
    p = pipeline_for(_broken())
    assert p.rejections() == []              # core validation and the reference's rules pass
    found = p.full_rejections()
    assert len(found) == 1 and found[0].rule == "validation" and "does not export" in found[0].message
    assert found[0].offset < len(_broken())


def test_check_and_inspect_reject_it(tmp_path, capsys):
    src = tmp_path / "broken.wasm"
    src.write_bytes(_broken())
    assert cli.main(["init", "--check", str(src)]) == 1
    err = capsys.readouterr().err
    assert "rejected:" in err and "no rejections" not in err
    assert cli.main(["inspect", str(src)]) == 1
    assert "No rejections" not in capsys.readouterr().out


def test_init_names_the_input_offset(tmp_path, capsys):
    wasm = _broken()
    expected = pipeline_for(wasm).full_rejections()[0].offset
    with pytest.raises(RejectedError) as e:
        drive(pipeline_for(wasm), Options())
    assert e.value.rejections[0].offset == expected
    src = tmp_path / "broken.wasm"
    src.write_bytes(wasm)
    assert cli.main(["init", str(src), "-o", str(tmp_path / "out.wasm")]) == 1
    err = capsys.readouterr().err
    assert _offset(err) == expected and "internal error" not in err


def test_offset_is_the_one_wasm_tools_names(tmp_path, wasm_tools):
    p = subprocess.run([wasm_tools, "validate", "-"], input=_broken(), capture_output=True)
    assert p.returncode != 0
    assert _offset(p.stderr.decode()) == pipeline_for(_broken()).full_rejections()[0].offset
