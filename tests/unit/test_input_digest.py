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
