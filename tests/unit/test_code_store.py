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


def _saved_and_checked_ahead(tmp_path, wasm: bytes, n: int) -> tuple[CodeStore, str]:
    """A store holding one entry (code returning ``n``) whose check_ahead has finished; its key."""
    from wizerscope.preinit.runtime import codestore
    store = CodeStore(tmp_path)
    digest = store.digest(wasm)
    key = store.key(digest, "l")
    store.save(key, _compiled(n))
    store.check_ahead(digest)
    codestore._AHEAD[store.prefix(digest)].join()
    return store, key


def test_an_entry_checked_ahead_is_not_read_again(tmp_path, monkeypatch):
    from wizerscope.preinit.runtime import codestore
    store, key = _saved_and_checked_ahead(tmp_path, b"checked ahead", 3)
    reads = []
    real = codestore._damage
    monkeypatch.setattr(codestore, "_damage", lambda path, stamp: reads.append(path) or real(path, stamp))
    assert store.load(key, _thaw) is not None and reads == []       # the thread's answer was used
    assert store.load(key, _thaw) is not None and len(reads) == 1   # once: a later load checks again


def test_an_entry_replaced_after_its_check_ahead_is_checked_again(tmp_path):
    store, key = _saved_and_checked_ahead(tmp_path, b"replaced after the check", 4)
    (entry,) = tmp_path.iterdir()
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF                     # same size, another file (a new inode and mtime)
    tmp = tmp_path / "replacement"
    tmp.write_bytes(bytes(data))
    os.replace(tmp, entry)
    assert store.load(key, _thaw) is None
    assert any("damaged" in n for n in store.notes) and not entry.exists()


def test_a_stray_file_under_an_entry_prefix_is_judged_without_a_thread_traceback(tmp_path, capfd):
    from wizerscope.preinit.runtime import codestore
    store = CodeStore(tmp_path)
    digest = store.digest(b"stray")
    stray = tmp_path / (store.prefix(digest) + codestore.SUFFIX)      # no engine part, no stamp
    stray.write_bytes(b"not code")
    store.check_ahead(digest)
    codestore._AHEAD[store.prefix(digest)].join()
    assert "Traceback" not in capfd.readouterr().err
    assert codestore._CHECKED.pop(str(stray))[1] == "is not a code cache entry"


def test_the_checksum_is_the_same_mapped_or_read(tmp_path, monkeypatch):
    """The CRC runs over a mapping of the entry; where the file cannot be mapped it is read in
    pieces, with the same verdicts: a good entry loads, a flipped byte is found either way."""
    from wizerscope.preinit.runtime import codestore
    store = CodeStore(tmp_path)
    key = store.key(store.digest(b"mapped or read"), "l")
    store.save(key, _compiled(5))
    (entry,) = tmp_path.iterdir()
    stamp = entry.name[len(key) + 1:-len(codestore.SUFFIX)]
    assert codestore._damage(entry, stamp) is None
    monkeypatch.setattr(codestore, "_mapped_crc", lambda f: None)      # as if mapping were refused
    assert codestore._damage(entry, stamp) is None
    data = bytearray(entry.read_bytes())
    data[-1] ^= 0x01
    entry.write_bytes(bytes(data))
    assert "damaged" in codestore._damage(entry, stamp)
    monkeypatch.undo()
    assert "damaged" in codestore._damage(entry, stamp)
