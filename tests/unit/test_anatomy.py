"""The anatomy of a snapshot on inputs whose layout is known to the byte (tests/helpers/
anatomy_wat.py): every region pinned, regions disjoint, their bytes adding up to the snapshot's;
the dead stack dropped only with exact bounds, with an output that behaves the same; the start-up
measurement's shape (its timings are not asserted: speed belongs to benchmarks/)."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import wasmtime

from wizerscope.preinit.anatomy import anatomies, tile, Region
from wizerscope.preinit.choose import pipeline_for
from wizerscope.preinit.deadstack import dead_stack_range
from wizerscope.preinit.options import Options
from wizerscope.preinit.pipeline import drive
from wizerscope.preinit.startup import measure_startup, memory_image

from tests.helpers import anatomy_wat as W
from tests.helpers.cli import run_cli


def _run(wat: str, **opts):
    return drive(pipeline_for(wasmtime.wat2wasm(wat)), Options(**opts))


def _anatomy(run):
    (ur,) = run.units
    (a,) = anatomies(ur.unit.module, ur.unit.label, ur.after)
    return a


def _rows(a):
    return [(r.kind, r.name, r.start, r.end, r.bytes) for r in a.regions]


@pytest.mark.parametrize("wat, expected", [(W.LAYOUT, W.LAYOUT_REGIONS), (W.STACK_FIRST, W.STACK_FIRST_REGIONS),
                                           (W.OPAQUE, W.OPAQUE_REGIONS), (W.GROWS, W.GROWS_REGIONS),
                                           (W.PREINITIALIZED, W.PREINITIALIZED_REGIONS)],
                         ids=["after-data", "stack-first", "opaque", "grown", "preinitialized"])
def test_every_region_is_pinned_and_the_bytes_add_up(wat, expected):
    a = _anatomy(_run(wat))
    assert _rows(a) == expected
    assert sum(r.bytes for r in a.regions) == a.snapshot_bytes
    assert all(x.end <= y.start for x, y in zip(a.regions, a.regions[1:]))


def test_an_unknown_layout_says_so():
    a = _anatomy(_run(W.OPAQUE))
    assert any("__stack_pointer" in n for n in a.notes) and any("__heap_base" in n for n in a.notes)
    assert a.unknown_share() == pytest.approx(4 / 7)


def test_tiling_lets_the_earlier_region_win_and_fills_gaps():
    planned = [Region("static", "a", 10, 20), Region("heap", "h", 15, 40)]
    assert [(r.kind, r.start, r.end) for r in tile(planned, 50)] == [
        ("unknown", 0, 10), ("static", 10, 20), ("heap", 20, 40), ("unknown", 40, 50)]


def _instance(wasm: bytes):
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, wasm), [])
    ex = inst.exports(store)
    return lambda name, *args: ex[name](store, *args)


def test_dropping_the_dead_stack_saves_its_bytes_and_changes_no_behaviour():
    kept, dropped = _run(W.LAYOUT), _run(W.LAYOUT, drop_dead_stack=True)
    assert dropped.dead_stack_saved == 16 and kept.dead_stack_saved is None
    assert len(dropped.output) < len(kept.output)
    a, b = _instance(kept.output), _instance(dropped.output)
    assert a("sp") == b("sp") == 8160
    for addr in (512, 1024, 1047, 1072, 8160, 8167, 10000, 10099):
        assert a("peek", addr) == b("peek", addr) != 0
    assert a("peek", 8128) == 0xFF and b("peek", 8128) == 0       # the dead stack byte, gone
    assert _anatomy(dropped).bytes_by_kind()["stack-dead"] == 0


def test_stack_bytes_an_earlier_snapshot_kept_are_dead_stack():
    a = _anatomy(_run(W.PREINITIALIZED))
    assert any("inside the stack" in n for n in a.notes)
    run = _run(W.PREINITIALIZED, drop_dead_stack=True)
    assert run.dead_stack_saved == 4
    out = _instance(run.output)
    assert out("peek", 3000) == 0 and out("peek", 4096) == ord("a") and out("peek", 5000) == 0xFF


def test_the_dead_stack_is_kept_where_its_bounds_are_not_exact():
    run = _run(W.OPAQUE, drop_dead_stack=True)
    assert run.dead_stack_saved == 0
    (ur,) = run.units
    assert dead_stack_range(ur.unit, ur.after) is None


def test_startup_is_measured_on_a_costly_init():
    wasm = wasmtime.wat2wasm(W.COSTLY)
    run = drive(pipeline_for(wasm), Options())
    s = measure_startup(pipeline_for(wasm), pipeline_for(run.output), Options(),
                        [(ur.unit, ur.after) for ur in run.units], runs=3)
    assert s.runs == 3 and s.without_preinit_s > 0 and s.with_preinit_s > 0
    assert s.speedup == pytest.approx(s.without_preinit_s / s.with_preinit_s)
    assert s.memory_image == "copy-on-write"
    assert s.describe().startswith("start-up ") and "×" in s.describe()


def test_init_json_has_the_anatomy_startup_and_sizes(tmp_path):
    src = tmp_path / "layout.wat"
    src.write_text(W.LAYOUT)
    p = run_cli("init", str(src), "-o", str(tmp_path / "out.wasm"), "--json", "--measure-startup", "2",
                "--drop-dead-stack")
    assert p.returncode == 0, p.stderr.decode()
    report = json.loads(p.stdout)
    (a,) = report["anatomy"]
    assert (a["module"], a["memory"], a["snapshot_bytes"]) == ("", 0, 140)
    assert sum(r["bytes"] for r in a["regions"]) == 140
    assert set(report["startup"]) >= {"without_preinit_s", "with_preinit_s", "speedup", "memory_image"}
    assert report["dead_stack_saved"] == 16
    sizes = report["sizes"]
    assert sizes["output"] == (tmp_path / "out.wasm").stat().st_size and 0 < sizes["output_gzip"]
    assert sizes["snapshot"] == 140 and sizes["snapshot_share"] == round(140 / sizes["output"], 4)


def test_init_prints_the_anatomy_in_words(tmp_path):
    src = tmp_path / "layout.wat"
    src.write_text(W.LAYOUT)
    p = run_cli("init", str(src), "-o", str(tmp_path / "out.wasm"), "--anatomy")
    out = p.stdout.decode()
    assert p.returncode == 0
    assert "memory 0: 156 snapshot bytes: static 24, bss 4, stack-live 8, stack-dead 16, heap 100, unknown 4" in out
    assert "gzipped" in out


def test_measure_startup_refuses_zero_runs(tmp_path):
    src = tmp_path / "layout.wat"
    src.write_text(W.LAYOUT)
    p = run_cli("init", str(src), "-o", str(tmp_path / "out.wasm"), "--measure-startup", "0")
    assert p.returncode == 2 and b"Traceback" not in p.stderr and b"1 or more" in p.stderr
    assert not (tmp_path / "out.wasm").exists()


SPARSE = """(module (memory 400)
  (func (export "wizer-initialize") (i32.store8 (i32.const 16) (i32.const 1))
    (i32.store8 (i32.const 20971520) (i32.const 2))))"""


def test_a_sparse_image_above_16_mib_is_copied_not_mapped():
    run = _run(SPARSE)
    text = memory_image([(ur.unit, ur.after) for ur in run.units])
    assert text.startswith("copied at each instantiation: memory 0's image spans 20 MiB")
    assert memory_image([(ur.unit, ur.after) for ur in _run(W.LAYOUT).units]) == "copy-on-write"


@settings(max_examples=300, deadline=None)
@given(size=st.integers(0, 200),
       spans=st.lists(st.tuples(st.integers(0, 220), st.sampled_from([0, 1, 5, 30, 100]),
                                st.sampled_from(["static", "stack", "heap"])), max_size=12))
def test_tiling_gives_every_byte_to_the_earliest_region_holding_it(size, spans):
    """tile's sweep against its definition: each byte up to the end belongs to the first planned
    region that holds it (else it is unknown), and neighbouring bytes of one owner form one piece."""
    from wizerscope.preinit.anatomy import UNKNOWN
    planned = [Region(kind, f"r{i}", a, a + n) for i, (a, n, kind) in enumerate(spans)]
    end = max([size] + [r.end for r in planned])
    owner = [next((i for i, r in enumerate(planned) if r.start <= x < r.end), None) for x in range(end)]
    expected = []
    for x, o in enumerate(owner):
        if expected and expected[-1][0] == o:
            expected[-1][2] = x + 1
        else:
            expected.append([o, x, x + 1])
    got = tile(planned, size)
    assert [(r.kind, r.name, r.start, r.end) for r in got] == \
        [(planned[o].kind, planned[o].name, a, b) if o is not None else (UNKNOWN, None, a, b) for o, a, b in expected]
