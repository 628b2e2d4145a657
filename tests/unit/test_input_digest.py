"""The input's sha256 is the same whether it is hashed on a thread (big inputs) or when asked."""
import hashlib

from wizerscope.preinit.input_digest import THREAD_FROM, InputDigest
from wizerscope.preinit.choose import pipeline_for


def test_small_and_big_inputs_hash_like_hashlib():
    for data in (b"", b"\0asm", bytes(range(256)) * (THREAD_FROM // 256 + 3)):
        d = InputDigest(data)
        assert (d._thread is not None) == (len(data) >= THREAD_FROM)
        assert d.hexdigest() == hashlib.sha256(data).hexdigest()
        assert d.hexdigest() == hashlib.sha256(data).hexdigest()      # asked twice: same answer


def test_a_memoryview_input_and_the_pipeline_digest():
    wasm = b"\0asm\x01\0\0\0"
    assert InputDigest(memoryview(wasm)).hexdigest() == hashlib.sha256(wasm).hexdigest()
    assert pipeline_for(wasm).digest.hexdigest() == hashlib.sha256(wasm).hexdigest()
