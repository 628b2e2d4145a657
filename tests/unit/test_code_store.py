"""The code store's own rules: entries named by key, size and CRC-32; the least recently used go
first once the store is over its limit; temporaries left by a killed run are removed."""
from __future__ import annotations

import os
import time

import wasmtime

from wizerscope.preinit.runtime import engines
from wizerscope.preinit.runtime.codestore import CodeStore

WAT = '(module (func (export "f") (result i32) i32.const {n}))'


def _compiled(n: int) -> wasmtime.Module:
    return wasmtime.Module(engines.validation_engine(), WAT.format(n=n))


def _thaw(path: str) -> wasmtime.Module:
    return wasmtime.Module.deserialize_file(engines.validation_engine(), path)


def test_save_then_load_gives_working_code(tmp_path):
    store = CodeStore(tmp_path)
    key = store.key(store.digest(b"some wasm"), "label")
    assert store.load(key, _thaw) is None
    store.save(key, _compiled(7))
    module = store.load(key, _thaw)
    s = wasmtime.Store(engines.validation_engine())
    assert wasmtime.Instance(s, module, []).exports(s)["f"](s) == 7
    assert store.notes == []
    assert store.key(store.digest(b"some wasm"), "other label") != key != store.key(store.digest(b"other wasm"), "label")


def test_least_recently_used_entries_go_first(tmp_path):
    store = CodeStore(tmp_path)
    keys = [store.key(store.digest(bytes([i])), "l") for i in range(3)]
    store.save(keys[0], _compiled(0))
    size = sum(p.stat().st_size for p in tmp_path.iterdir())
    store.save(keys[1], _compiled(1))
    old = time.time() - 100
    for p in tmp_path.iterdir():
        os.utime(p, (old, old))
    assert store.load(keys[0], _thaw) is not None      # used now: the most recent
    stale = tmp_path / ".tmp-left-by-a-killed-run"
    stale.write_bytes(b"x")
    os.utime(stale, (old - 7200, old - 7200))
    store.limit = 2 * size + size // 2
    store.save(keys[2], _compiled(2))
    assert store.load(keys[1], _thaw) is None           # the least recently used went
    assert store.load(keys[0], _thaw) is not None and store.load(keys[2], _thaw) is not None
    assert not stale.exists()


def test_an_entry_trimmed_by_another_run_meanwhile_is_a_quiet_miss(tmp_path, monkeypatch):
    from wizerscope.preinit.runtime import codestore
    store = CodeStore(tmp_path)
    key = store.key(store.digest(b"x"), "l")
    listed = [f"{key}-100-0000abcd.cwasm"]                   # listed, then removed before it is read
    monkeypatch.setattr(codestore.os, "listdir", lambda d: listed)
    assert store.load(key, _thaw) is None and store.notes == []
