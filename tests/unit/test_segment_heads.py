"""The data segment heads kernel encodes exactly what the per-segment encoder does."""
from hypothesis import given, settings, strategies as st

from wizerscope.preinit.rewrite import HEADS_KERNEL_FROM, _data_segment_head, _data_segment_heads
from wizerscope.preinit.runtime.kernels.segment_heads import LIMIT, segment_heads
from wizerscope.preinit.snapshot import SegmentData

# every LEB128 length class of the offset (signed) and of the length (unsigned), at its edges
EDGES = [0, 1, 0x3F, 0x40, 0x7F, 0x80, 0x1FFF, 0x2000, 0x3FFF, 0x4000, 0xFFFFF, 0x100000, 0x1FFFFF, 0x200000,
         0x7FFFFFF, 0x8000000, 0xFFFFFFF, 0x10000000, LIMIT - 1]


class _Sized:
    """A segment's bytes as far as a head sees them: their number (up to 4 GiB, never made)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


def _expected(offset: int, length: int) -> bytes:
    return _data_segment_head(SegmentData(0, offset, _Sized(length), False))


def test_every_length_class_at_its_edges():
    offsets = [o for o in EDGES for _ in EDGES]
    lengths = [n for _ in EDGES for n in EDGES]
    assert segment_heads(offsets, lengths) == [_expected(o, n) for o, n in zip(offsets, lengths)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, LIMIT - 1), st.integers(0, (1 << 32) - 1)), min_size=1, max_size=300))
def test_random_heads_match_the_encoder(pairs):
    offsets, lengths = [p[0] for p in pairs], [p[1] for p in pairs]
    assert segment_heads(offsets, lengths) == [_expected(o, n) for o, n in pairs]


def test_the_rewrite_takes_the_kernel_for_many_common_segments_only():
    """Many segments of memory 0 below 2 GiB: the kernel; any other (another memory, a 64-bit
    memory, an offset from 2^31) keeps every head on the per-segment encoder, with the same bytes."""
    many = [SegmentData(0, 0x100 * i, b"ab" * (i % 70), False) for i in range(HEADS_KERNEL_FROM)]
    assert _data_segment_heads(many) == [_data_segment_head(s) for s in many]
    for odd in (SegmentData(1, 8, b"x", False), SegmentData(0, 8, b"x", True), SegmentData(0, LIMIT, b"x", False)):
        mixed = many + [odd]
        assert _data_segment_heads(mixed) == [_data_segment_head(s) for s in mixed]
