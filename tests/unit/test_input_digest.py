"""The input's sha256 is the same whether it is hashed on a thread (big inputs) or when asked."""
import hashlib

from wizerscope.preinit.input_digest import THREAD_FROM, InputDigest
from wizerscope.preinit.choose import pipeline_for


def test_small_and_big_inputs_hash_like_hashlib():
    for data in (b"", b"\0asm", bytes(range(256)) * (THREAD_FROM // 256 + 3)):
        d = InputDigest(data)
        assert (d._hashed is not None) == (len(data) >= THREAD_FROM)
        assert d.hexdigest() == hashlib.sha256(data).hexdigest()
        assert d.hexdigest() == hashlib.sha256(data).hexdigest()      # asked twice: same answer


def test_a_memoryview_input_and_the_pipeline_digest():
    wasm = b"\0asm\x01\0\0\0"
    assert InputDigest(memoryview(wasm)).hexdigest() == hashlib.sha256(wasm).hexdigest()
    assert pipeline_for(wasm).digest.hexdigest() == hashlib.sha256(wasm).hexdigest()


def test_a_big_input_tells_its_digest_on_the_hashing_thread_and_survives_a_failing_listener():
    """``pipeline_for(wasm, on_digest)``: (kind, sha256) as soon as the hash is done, from the
    hashing thread (the code store's check starts there); what the listener raises is dropped."""
    import threading

    from wizerscope.binary import encode
    payload = encode.name("pad") + bytes(THREAD_FROM)
    wasm = b"\0asm\x01\0\0\0" + encode.section(0, payload)       # one big custom section
    heard = []

    def listen(kind: str, digest: str) -> None:
        heard.append((kind, digest, threading.current_thread().name))
        raise RuntimeError("a listener's bug")
    p = pipeline_for(wasm, listen)
    assert p.digest.hexdigest() == hashlib.sha256(wasm).hexdigest()
    for t in threading.enumerate():
        if t.name == "wizerscope-digest":
            t.join()
    assert heard == [("module", hashlib.sha256(wasm).hexdigest(), "wizerscope-digest")]


def test_a_digest_hashed_ahead_is_taken_for_those_very_bytes_only():
    """The CLI's read-ahead hashes the input while the run's code is imported: the pipeline of
    those bytes takes that digest at once, telling it on the spot (no hashing thread); equal
    bytes in another object are hashed as ever."""
    from wizerscope.preinit.input_digest import hash_ahead
    wasm = b"\0asm\x01\0\0\0" + bytes(THREAD_FROM)
    want = hashlib.sha256(wasm).hexdigest()
    hash_ahead(wasm)
    heard = []
    d = InputDigest(wasm, heard.append)
    assert d._hashed is None and d._wasm is None and heard == [want] and d.hexdigest() == want
    again = InputDigest(wasm)                       # taken once: this one hashes on its thread
    assert again._hashed is not None and again.hexdigest() == want
    hash_ahead(wasm)
    other = InputDigest(bytes(bytearray(wasm)))
    assert other._hashed is not None and other.hexdigest() == want


def test_read_ahead_gives_read_input_the_same_bytes_and_their_digest(tmp_path):
    from wizerscope.preinit import files
    from wizerscope.preinit.input_digest import _KNOWN
    big = tmp_path / "big.wasm"
    from wizerscope.binary import encode
    data = b"\0asm\x01\0\0\0" + encode.section(0, encode.name("pad") + bytes(files.READ_AHEAD_FROM))
    big.write_bytes(data)
    files.read_ahead(str(big))
    got = files.read_input(str(big))
    assert got == data and _KNOWN and _KNOWN[0][0] is got
    assert pipeline_for(got).digest.hexdigest() == hashlib.sha256(data).hexdigest()
    assert not _KNOWN
    # what is not a big regular file is left to read_input, which explains failures as ever
    small = tmp_path / "small.wasm"
    small.write_bytes(b"\0asm\x01\0\0\0")
    for path in (str(small), str(tmp_path / "missing.wasm"), str(tmp_path), "-"):
        files.read_ahead(path)
        assert path not in files._AHEAD
    assert files.read_input(str(small)) == b"\0asm\x01\0\0\0"


def test_a_read_ahead_that_fails_leaves_the_error_to_read_input(tmp_path):
    """The file is gone between the read-ahead's stat and its open: read_input says so."""
    import pytest
    from wizerscope.errors import WizerscopeError
    from wizerscope.preinit import files
    big = tmp_path / "big.wasm"
    big.write_bytes(bytes(files.READ_AHEAD_FROM))
    real_open = open

    def gone(path, *a, **k):
        if str(path) == str(big):
            big.unlink(missing_ok=True)
        return real_open(path, *a, **k)
    import builtins
    builtins.open, saved = gone, builtins.open
    try:
        files.read_ahead(str(big))
        files._AHEAD[str(big)][0].join()
    finally:
        builtins.open = saved
    with pytest.raises(WizerscopeError, match="no such file"):
        files.read_input(str(big))
