"""The inspector's model: loading, candidates, a step-by-step run with a real before state, the
diff, segments, rewrite changes, cancellation, traps, rejections and writing."""
from __future__ import annotations

import threading

import pytest

from wizerscope.errors import InitError, RejectedError
from wizerscope.preinit.statediff import MemoryDiff, SparseMemory, changed_ranges
from wizerscope.inspector.session import RUN_STEPS as STEPS, Session
from wizerscope.preinit.files import OutputExists

from tests.helpers.inspector_wat import BIG, COUNTER, FOREVER, NESTED, REJECTED, START_THEN_INIT, TRAPS, TWICE, write
from tests.helpers.wasm import call


def test_counter_candidates_and_structure(tmp_path):
    s = Session.open(write(tmp_path, "counter.wat", COUNTER))
    assert s.kind == "module" and not s.rejections and s.loaded
    by = {c.name: c for c in s.candidates()}
    assert by["wizer-initialize"].usable and by["wizer-initialize"].default
    assert not by["memory"].usable and "not a function" in by["memory"].reason
    assert not by["square"].usable and "parameters" in by["square"].reason
    assert by["checksum"].usable and "results" in by["checksum"].reason
    assert s.options.init_func == "wizer-initialize"
    tree = s.structure()
    sections = [c.label.split(" section")[0] for c in tree.children]
    assert sections == ["type", "function", "memory", "global", "export", "code", "data", "custom 'name'"]
    glob = tree.find("global section")
    assert [c.label for c in glob.children] == ["global 0 $calls : (mut i32) = 0",
                                                "global 1 $checksum : (mut i64) = 0"]
    assert glob.offset == s.pipeline.model.section(6).offset and glob.size == s.pipeline.model.section(6).size
    data = tree.find("data 0")
    assert ("offset", "0x10") in data.details and ("length", "18 bytes") in data.details


def test_counter_run_diff_segments_and_write(tmp_path):
    s = Session.open(write(tmp_path, "counter.wat", COUNTER))
    seen = []
    out = s.run(lambda step, i, n: seen.append(step))
    assert out.ok, out.error
    assert seen == list(STEPS) and out.steps_done == list(STEPS[:-1])
    rows = {g.index: g for g in s.global_rows()}
    assert (rows[0].before, rows[0].after, rows[0].changed) == ("0", "1", True)
    expected_sum = sum(i * i for i in range(256))
    assert rows[1].after == str(expected_sum)
    # the diff: exactly the non-zero bytes of the squares table at 1024 + 4 i
    expected = set()
    for i in range(256):
        for k, b in enumerate((i * i).to_bytes(4, "little")):
            if b:
                expected.add(1024 + 4 * i + k)
    (d,) = s.memory_diffs()
    got = {o for st, en in zip(d.starts, d.ends) for o in range(st, en)}
    assert got == expected and d.changed_bytes == len(expected)
    assert d.before.read(16, 18) == b"wizerscope example"        # the data segment was there before init
    assert d.next_change(0) == min(expected) and d.prev_change(min(expected)) is None
    # segments: totals agree with the rows; the rewrite's changes are listed
    segs = s.segment_rows()
    totals = s.segment_totals()
    assert totals.segments == len(segs) and sum(r.raw_runs for r in segs) == totals.raw_runs
    assert sum(r.length for r in segs) == totals.data_bytes
    runs = s.raw_runs_in(segs[1])
    assert len(runs) == segs[1].raw_runs == 255 and runs[0][2] is None
    assert sum(g for _, _, g in runs[1:]) == segs[1].gap_bytes and all(g <= 4 for _, _, g in runs[1:])
    assert totals.output_size == len(out.output)
    changes = s.rewrite_changes()
    assert ("counter.wat", "export", "removed export 'wizer-initialize'") in changes
    assert any(sec == "data" and "emptied" in text for _, sec, text in changes)
    # write: refuses to overwrite silently, then writes a module that starts initialized
    target = tmp_path / "out.wasm"
    report = s.write(str(target))
    assert report.size == len(out.output) == target.stat().st_size
    with pytest.raises(OutputExists):
        s.write(str(target))
    s.write(str(target), overwrite=True)
    assert call(target.read_bytes(), "square", 12) == 144 and call(target.read_bytes(), "calls") == 1


def test_before_is_the_instance_after_its_start_function(tmp_path):
    s = Session.open(write(tmp_path, "start.wat", START_THEN_INIT))
    out = s.run()
    assert out.ok, out.error
    (g,) = s.global_rows()
    assert (g.init, g.before, g.after) == ("0", "5", "7")
    (d,) = s.memory_diffs()
    assert d.before.read(100, 2) == b"\x01\x00" and d.after.read(100, 2) == b"\x01\x02"
    assert (d.starts, d.ends) == ([101], [102])
    assert any("start section removed" in c for _, _, c in s.rewrite_changes())


def run_and_cancel_at(s: Session, step: str) -> tuple:
    """Run ``s`` on a thread, cancel it once the run reaches ``step``; (outcome, seconds from
    the cancel to the run's return)."""
    import time
    reached = threading.Event()
    result = {}
    t = threading.Thread(target=lambda: result.setdefault(
        "out", s.run(lambda name, i, n: reached.set() if name == step else None)))
    t.start()
    assert reached.wait(30)
    t0 = time.perf_counter()
    s.cancel()
    t.join(30)
    return result["out"], time.perf_counter() - t0


def test_cancel_a_running_init(tmp_path):
    s = Session.open(write(tmp_path, "forever.wat", FOREVER))
    out, _ = run_and_cancel_at(s, "init")
    assert not out.ok and out.cancelled and out.current_step == "init"
    assert "snapshot before" in out.steps_done
    assert s.memory_diffs() == [] and s.segment_rows() == []


def test_trap_keeps_backtrace(tmp_path):
    s = Session.open(write(tmp_path, "traps.wat", TRAPS))
    out = s.run()
    assert isinstance(out.error, InitError) and not out.cancelled
    assert out.current_step == "init" and "unreachable" in str(out.error)
    assert len(out.backtrace) >= 3


def test_rejected_input_opens_and_explains(tmp_path):
    s = Session.open(write(tmp_path, "rejected.wat", REJECTED))
    rules = [(r.rule, r.message) for r in s.rejections]
    assert ("forbidden-instruction", "unsupported `table.grow` instruction") in rules
    assert ("forbidden-instruction", "unsupported `table.set` instruction") in rules
    r = s.rejections[0]
    lines = s.hex_context(r.offset)
    assert any(o <= r.offset < o + len(b) for o, b in lines)
    assert s.wasm[r.offset] == 0xFC          # the table.grow prefix byte sits at the offset
    out = s.run()
    assert isinstance(out.error, RejectedError) and not out.ok


def test_malformed_input_still_opens(tmp_path):
    p = tmp_path / "broken.wasm"
    p.write_bytes(b"\0asm\x01\x00\x00\x00\x01\x05\x01")
    s = Session.open(str(p))
    assert not s.loaded
    assert [r.rule for r in s.rejections] == ["validation", "format"]     # wasmtime's words, then ours with the offset
    assert s.rejections[1].offset is not None
    invalid = Session.open(write(tmp_path, "invalid.wat", "(module (func (result i32)))"))
    (r,) = invalid.rejections
    assert r.rule == "validation" and "type mismatch" in r.message and r.offset is not None
    assert any(o <= r.offset < o + len(b) for o, b in invalid.hex_context(r.offset))
    assert s.structure().kind == "file" and s.candidates() == []
    assert "could not be parsed" in str(s.run().error)


def test_nested_component(tmp_path):
    s = Session.open(write(tmp_path, "nested.wat", NESTED))
    assert s.kind == "component" and not s.rejections
    assert [u.label for u in s.units()] == ["component 0 / core module 0"]
    tree = s.structure()
    nested = tree.find("component 0")
    assert nested is not None and nested.find("core module 0") is not None
    assert [c.name for c in s.candidates() if c.usable] == ["wizer-initialize", "get"]
    acc = s.accessor_rows()
    assert {a.core_export for a in acc} == {"__wizer_global_0", "__wizer_memory_0"}
    out = s.run()
    assert out.ok, out.error
    (g,) = s.global_rows()
    assert (g.where, g.before, g.after) == ("component 0 / core module 0", "0", "42")
    (d,) = s.memory_diffs()
    assert d.after.read(64, 4) == b"\x2a" * 4 and d.changed_bytes == 4
    assert any(w == "component" for w, _, _ in s.rewrite_changes())


def test_big_memory_diff_reads_windows_only(tmp_path):
    s = Session.open(write(tmp_path, "big.wat", BIG))
    assert s.run().ok
    (d,) = s.memory_diffs()
    assert d.length == 1600 * 65536
    assert list(zip(d.starts, d.ends)) == [(16, 17), (52428800, 52428801), (104857599, 104857600)]
    assert sum(len(x) for x in d.after.datas) < 64        # only the segments are held
    assert d.after.read(104857590, 16) == b"\0" * 9 + b"\x03" + b"\0" * 6


def test_sparse_memory_and_changed_ranges():
    a = SparseMemory.from_pieces(64, [(8, b"\x01\x02\x03"), (40, b"\xff")])
    b = SparseMemory.from_pieces(80, [(9, b"\x02\x09"), (40, b"\xff"), (70, b"\x05")])
    assert a.read(6, 6) == b"\0\0\x01\x02\x03\0" and a.read(60, 8) == b"\0" * 8
    starts, ends = changed_ranges(a, b)
    assert list(zip(starts, ends)) == [(8, 9), (10, 11), (70, 71)]
    d = MemoryDiff.between("", 0, a, b)
    assert d.changed_mask(8, 4) == [True, False, True, False]
    assert d.next_change(8) == 10 and d.prev_change(70) == 10 and d.next_change(70) is None


def test_changed_run_across_chunk_border(monkeypatch):
    from wizerscope.preinit import statediff
    monkeypatch.setattr(statediff, "CHUNK", 16)
    a = SparseMemory.from_pieces(64, [(0, b"\x01" * 40)])
    b = SparseMemory.from_pieces(64, [(0, b"\x01" * 10 + b"\x02" * 20 + b"\x01" * 10)])
    assert changed_ranges(a, b) == ([10], [30])


@pytest.mark.corpus
def test_corpus_cap_merges_and_output_size():
    from tests.helpers import CORPUS
    path = CORPUS / "c_hashmap.wasm"
    if not path.exists():
        pytest.skip("corpus not built")
    s = Session.open(str(path))
    s.options.wasi = True
    out = s.run()
    assert out.ok, out.error
    totals = s.segment_totals()
    rows = s.segment_rows()
    assert totals.segments == len(rows) == 10_000 and totals.merged > 10_000
    assert totals.cap_merges == totals.merged - 10_000 == sum(r.cap_merges for r in rows)
    assert out.output == (CORPUS / "c_hashmap.wizer.wasm").read_bytes()     # what `wasmtime wizer` wrote


def test_run_waits_for_a_check_in_progress(tmp_path):
    s = Session.open(write(tmp_path, "rejected.wat", REJECTED), check=False)
    assert not s.checked and s.rejections == []          # structure first: the inspector shows it at once
    assert s.structure().find("code section") is not None
    checker = threading.Thread(target=s.check)
    checker.start()
    out = s.run()
    checker.join()
    assert isinstance(out.error, RejectedError) and len(s.rejections) == 2


INTERFACE = """(component
  (core module $m
    (global $g (mut i32) (i32.const 0))
    (func (export "setup") (global.set $g (i32.const 5)))
    (func (export "get") (result i32) (global.get $g)))
  (core instance $i (instantiate $m))
  (func $setup (canon lift (core func $i "setup")))
  (func $get (result u32) (canon lift (core func $i "get")))
  (instance $api (export "setup" (func $setup)))
  (export "x:y/api@1.0.0" (instance $api))
  (export "get" (func $get)))"""


def test_interface_functions_are_candidates_and_the_only_one_is_preselected(tmp_path):
    """An init function inside an exported interface is named `ns:pkg/iface.func@ver`; the
    inspector lists it (read off the export bundle, nothing compiled); with two usable
    functions and no `wizer-initialize` it does not guess."""
    s = Session.open(write(tmp_path, "iface.wat", INTERFACE))
    by = {c.name: c for c in s.candidates()}
    assert by["x:y/api.setup@1.0.0"].usable and by["x:y/api.setup@1.0.0"].kind == "func"
    assert "x:y/api@1.0.0" not in by            # the interface itself is replaced by its functions
    assert s.options.init_func == "wizer-initialize"     # two usable functions: no guess
    s.options.init_func = "x:y/api.setup@1.0.0"
    out = s.run()
    assert out.ok, out.error
    (g,) = s.global_rows()
    assert (g.before, g.after) == ("0", "5")


def test_a_single_interface_function_is_not_guessed(tmp_path):
    """`init` runs `wizer-initialize` unless told otherwise; the inspector does not guess either,
    and its verdict says the export is missing, with the one candidate."""
    s = Session.open(write(tmp_path, "iface1.wat", INTERFACE.replace('\n  (export "get" (func $get))', "")))
    assert [c.name for c in s.candidates() if c.usable] == ["x:y/api.setup@1.0.0"]
    assert s.options.init_func == "wizer-initialize"
    (card,) = s.verdict()
    assert card.level == "init-export" and card.lines == ["candidates: `x:y/api.setup@1.0.0`"]


def test_cancel_a_running_determinism_check(tmp_path):
    """The determinism check runs init twice; cancel() stops the endless first run by epoch
    interruption, as it stops a run."""
    from wizerscope.preinit.pipeline import Cancelled
    s = Session.open(write(tmp_path, "forever.wat", FOREVER))
    result = {}

    def check():
        try:
            result["report"] = s.check_determinism()
        except InitError as e:
            result["error"] = e
    t = threading.Thread(target=check)
    t.start()
    for _ in range(3000):                   # until the first runner is in init
        if s._runner is not None and s._runner.instance is not None:
            break
        threading.Event().wait(0.01)
    s.cancel()
    t.join(30)
    assert not t.is_alive()
    assert isinstance(result.get("error"), Cancelled) and "cancelled" in str(result["error"])
    assert s._runner is None


def test_determinism_check_through_the_session(tmp_path):
    s = Session.open(write(tmp_path, "counter.wat", COUNTER))
    assert s.check_determinism().deterministic


def test_module_instantiated_twice_shows_each_copy(tmp_path):
    """The inspector runs the specialised component: one row per instance of the module."""
    s = Session.open(write(tmp_path, "twice.wat", TWICE))
    assert s.check() == []
    out = s.run()
    assert out.ok, out.error
    rows = [(g.where, g.after) for g in s.global_rows()]
    assert rows == [("core module 0", "1"), ("core module 1 (copy of core module 0)", "3")]


def test_cancel_during_a_long_compile_returns_at_once(tmp_path, monkeypatch):
    """wasmtime cannot stop a compile; the run returns as soon as the user cancels and the
    compile is dropped when it ends (here a compile made to take 3 s)."""
    import time
    from wizerscope.preinit.run import CoreRunner
    real = CoreRunner.compile

    def slow_compile(self, cache=None):
        time.sleep(3)
        real(self, cache)
    monkeypatch.setattr(CoreRunner, "compile", slow_compile)
    s = Session.open(write(tmp_path, "counter.wat", COUNTER))
    out, seconds = run_and_cancel_at(s, "compile")
    assert seconds < 1.0
    assert out.cancelled and not out.ok and out.current_step == "compile"
    monkeypatch.setattr(CoreRunner, "compile", real)
    assert s.run().ok                        # and the next run works


def test_structure_says_a_twice_instantiated_module_is_copied(tmp_path):
    s = Session.open(write(tmp_path, "twice.wat", TWICE))
    node = s.structure().find("core module 0")
    assert "core instance 0, core instance 1" in node.label
    assert dict(node.details)["pre-initialized as"].startswith("2 copies, one per instance")


def test_structure_of_a_global_whose_initializer_does_not_fit_its_type(tmp_path):
    """Found by the mutation fuzzer: the inspector shows the tree before validation, so an f32
    global initialised by an f64.const must not crash the tree (validation rejects it)."""
    import struct
    payload = bytes([1, 0x7D, 0x01, 0x44]) + struct.pack("<d", 1.0) + bytes([0x0B])  # (mut f32) f64.const 1
    p = tmp_path / "odd.wasm"
    p.write_bytes(b"\0asm\x01\0\0\0" + bytes([6, len(payload)]) + payload)
    s = Session.open(str(p))
    label = s.structure().find("global section").children[0].label
    assert "does not fit f32" in label and s.rejections
