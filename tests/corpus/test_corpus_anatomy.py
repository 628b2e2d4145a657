"""The anatomy on real inputs: the `-g` C item's tables by name from its DWARF, and on every
accepted item regions that add up to the snapshot. Skips without the corpus."""
from __future__ import annotations

import json

import pytest

from wizerscope.binary.dwarf import has_dwarf, variables
from wizerscope.binary.module import parse_module

from tests.helpers import CORPUS
from tests.helpers.cli import run_cli
from tests.helpers.corpus import CORPUS_PY, ROWS, needs_corpus

pytestmark = needs_corpus
ACCEPTED = [it for it in getattr(CORPUS_PY, "ITEMS", []) if it.name in ROWS and ROWS[it.name]["wizer_accepts"] == "yes"
            and it.name != "comp_py"]       # comp_py: 18 MB, its run belongs to the component corpus test


def _item(name: str):
    return next(it for it in CORPUS_PY.ITEMS if it.name == name)


def test_dwarf_names_the_c_tables():
    m = parse_module((CORPUS / "c_lut.wasm").read_bytes())
    assert has_dwarf(m)
    found = {v.name: v for v in variables(m)}
    assert {"sine_table", "crc_table"} <= set(found)
    assert found["crc_table"].size == 256 * 4


def test_c_lut_snapshot_symbols_come_from_dwarf(tmp_path):
    it = _item("c_lut")
    p = run_cli("init", *it.wizer_args, "-f", it.init, str(CORPUS / "c_lut.wasm"), "-o", str(tmp_path / "o.wasm"),
                "--json")
    assert p.returncode == 0, p.stderr.decode()
    (a,) = json.loads(p.stdout)["anatomy"]
    names = [s["name"] for s in a["symbols"]]
    assert "sine_table" in names and "crc_table" in names
    crc = next(s for s in a["symbols"] if s["name"] == "crc_table")
    assert crc["end"] - crc["start"] == 1024 and 0 < crc["bytes"] <= 1024


@pytest.mark.parametrize("it", ACCEPTED, ids=lambda it: it.name)
def test_regions_add_up_on_every_accepted_item(it, tmp_path):
    p = run_cli("init", *it.wizer_args, "-f", it.init, str(CORPUS / f"{it.name}.wasm"), "-o",
                str(tmp_path / "o.wasm"), "--json")
    assert p.returncode == 0, p.stderr.decode()
    report = json.loads(p.stdout)
    assert report["anatomy"]
    for a in report["anatomy"]:
        regions = a["regions"]
        assert sum(r["bytes"] for r in regions) == a["snapshot_bytes"]
        assert all(x["end"] <= y["start"] for x, y in zip(regions, regions[1:]))


@pytest.mark.parametrize("name", ["c_hashmap", "comp_wasiapp"])
def test_dropping_the_dead_stack_keeps_the_behaviour(name, tmp_path, wasmtime_cli):
    it = _item(name)
    out = tmp_path / f"{name}.out.wasm"
    p = run_cli("init", *it.wizer_args, "-f", it.init, str(CORPUS / f"{name}.wasm"), "-o", str(out), "--json",
                "--drop-dead-stack")
    assert p.returncode == 0, p.stderr.decode()
    report = json.loads(p.stdout)
    assert report["dead_stack_saved"] > 0
    for m in report["modules"]:         # the counts are of the segments written, after the cut
        assert m["segments"]["final"] == m["rewrite"]["added_segments"]
    _, expected, ok = CORPUS_PY.do_checks(wasmtime_cli, str(tmp_path), out.name, it.after)
    assert ok, f"{name}: verify commands failed (expected {expected})"
