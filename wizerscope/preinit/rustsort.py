"""Which elements Rust's ``slice::sort_unstable_by_key`` leaves at the front, exactly.

The reference caps data segments by sorting the candidate gaps with ``sort_unstable_by_key`` and
keeping the first ``excess`` (SPEC §2.6). Among equal gaps the choice is whatever the standard
library's unstable sort (ipnsort, Rust ≥ 1.81) happens to leave in front — on real heaps (e.g. a
malloc'd hash map) that is a block in the middle of the tied gaps, not the lowest indices. For
byte-identical output we replay that algorithm for the reference's element type (an 8-byte
``Copy`` struct, so: insertion sort up to 20 elements, an existing-run check, then quicksort with
pseudo-median-of-9 pivots, branchless cyclic Lomuto partitions and a 32-element sorting-network
small sort).

Only the *set* of the first ``k`` elements matters, so :func:`select_first` does a quickselect
with the same steps: sub-slices that lie wholly before or after position ``k`` are left unsorted
(their inner order cannot change the set), which keeps the replay linear on average.
"""
from __future__ import annotations

_ALWAYS_INSERTION = 20          # sort(): len <= 20 -> insertion sort
_SMALL_SORT = 32                # small_sort_network threshold for 8-byte Copy types
_PSEUDO_MEDIAN_REC = 64
_NETWORK_9 = ((0, 3), (1, 7), (2, 5), (4, 8), (0, 7), (2, 4), (3, 8), (5, 6), (0, 2), (1, 3), (4, 5),
              (7, 8), (1, 4), (3, 6), (5, 7), (0, 1), (2, 4), (3, 5), (6, 8), (2, 3), (4, 5), (6, 7),
              (1, 2), (3, 4), (5, 6))
_NETWORK_13 = ((0, 12), (1, 10), (2, 9), (3, 7), (5, 11), (6, 8), (1, 6), (2, 3), (4, 11), (7, 9),
               (8, 10), (0, 4), (1, 2), (3, 6), (7, 8), (9, 10), (11, 12), (4, 6), (5, 9), (8, 11),
               (10, 12), (0, 5), (3, 8), (4, 7), (6, 11), (9, 10), (0, 1), (2, 5), (6, 9), (7, 8),
               (10, 11), (1, 3), (2, 4), (5, 6), (9, 10), (1, 2), (3, 4), (5, 7), (6, 8), (2, 3),
               (4, 5), (6, 7), (8, 9), (3, 4), (5, 6))


def select_first(keys: list[int], k: int) -> list[int]:
    """Positions (into ``keys``) of the elements that ``sort_unstable_by_key`` places in the first
    ``k`` slots, in ascending position order."""
    n = len(keys)
    if k <= 0:
        return []
    if k >= n:
        return list(range(n))
    ordered = sorted(keys)
    bound = ordered[k - 1]
    if k == n or ordered[k] != bound:      # no tie straddles position k: the set is unique
        return [i for i, g in enumerate(keys) if g <= bound]
    v = list(zip(keys, range(n)))
    _sort(v, k)
    return sorted(i for _, i in v[:k])


def sort_unstable(keys: list[int]) -> list[int]:
    """The full permutation (positions into ``keys``) that ``sort_unstable_by_key`` produces;
    for tests of the replay itself."""
    v = list(zip(keys, range(len(keys))))
    _sort(v, None)
    return [i for _, i in v]


# The element is a (key, position) tuple; only the key is ever compared, like `|g| g.gap`.
def _sort(v: list, k: int | None) -> None:
    n = len(v)
    if n < 2:
        return
    if n <= _ALWAYS_INSERTION:
        _insertion_sort(v, 0, n, 1)
        return
    run, descending = _existing_run(v)
    if run == n:
        if descending:
            v.reverse()
        return
    _quicksort(v, 0, n, None, 2 * ((n | 1).bit_length() - 1), k)


def _existing_run(v: list) -> tuple[int, bool]:
    n = len(v)
    run = 2
    if v[1][0] < v[0][0]:
        while run < n and v[run][0] < v[run - 1][0]:
            run += 1
        return run, True
    while run < n and not v[run][0] < v[run - 1][0]:
        run += 1
    return run, False


def _quicksort(v: list, lo: int, hi: int, ancestor, limit: int, k: int | None) -> None:
    while True:
        if k is not None and not lo < k < hi:
            return            # wholly inside or outside the first k: its order does not matter
        if hi - lo <= _SMALL_SORT:
            _small_sort(v, lo, hi)
            return
        if limit == 0:
            _heapsort(v, lo, hi)
            return
        limit -= 1
        p = _choose_pivot(v, lo, hi)
        if ancestor is not None and not ancestor < v[p][0]:
            # the pivot equals the left neighbour's pivot: split off everything equal to it
            lo += _partition(v, lo, hi, p, True) + 1
            ancestor = None
            continue
        mid = lo + _partition(v, lo, hi, p, False)
        _quicksort(v, lo, mid, ancestor, limit, k)
        ancestor = v[mid][0]
        lo = mid + 1


def _choose_pivot(v: list, lo: int, hi: int) -> int:
    n = hi - lo
    d = n // 8
    a, b, c = lo, lo + d * 4, lo + d * 7
    if n < _PSEUDO_MEDIAN_REC:
        return _median3(v, a, b, c)
    return _median3_rec(v, a, b, c, d)


def _median3_rec(v: list, a: int, b: int, c: int, n: int) -> int:
    if n * 8 >= _PSEUDO_MEDIAN_REC:
        n8 = n // 8
        a = _median3_rec(v, a, a + n8 * 4, a + n8 * 7, n8)
        b = _median3_rec(v, b, b + n8 * 4, b + n8 * 7, n8)
        c = _median3_rec(v, c, c + n8 * 4, c + n8 * 7, n8)
    return _median3(v, a, b, c)


def _median3(v: list, a: int, b: int, c: int) -> int:
    ka, kb, kc = v[a][0], v[b][0], v[c][0]
    x = ka < kb
    if x == (ka < kc):
        return c if (kb < kc) ^ x else b
    return a


def _partition(v: list, lo: int, hi: int, pivot_pos: int, or_equal: bool) -> int:
    """Move the pivot to ``lo``, Lomuto-partition the rest (branchless cyclic variant), put the
    pivot between the halves; return how many elements went left. ``or_equal``: the left side
    takes elements <= pivot (the `!is_less(pivot, x)` form) instead of < pivot."""
    v[lo], v[pivot_pos] = v[pivot_pos], v[lo]
    pk = v[lo][0]
    base = lo + 1
    if base == hi:
        return 0
    saved = v[base]
    gap = base
    num = 0
    for right in range(base + 1, hi):
        elem = v[right]
        left = base + num
        v[gap] = v[left]
        v[left] = elem
        gap = right
        if elem[0] < pk or (or_equal and elem[0] == pk):
            num += 1
    left = base + num
    v[gap] = v[left]
    v[left] = saved
    if saved[0] < pk or (or_equal and saved[0] == pk):
        num += 1
    v[lo], v[lo + num] = v[lo + num], v[lo]
    return num


def _insertion_sort(v: list, lo: int, hi: int, offset: int) -> None:
    """Sort v[lo:hi] assuming v[lo:lo+offset] is sorted (insert_tail per element)."""
    for i in range(lo + offset, hi):
        tmp = v[i]
        if tmp[0] < v[i - 1][0]:
            j = i
            while True:
                v[j] = v[j - 1]
                j -= 1
                if j == lo or not tmp[0] < v[j - 1][0]:
                    break
            v[j] = tmp


def _network(v: list, base: int, pairs) -> None:
    for a, b in pairs:
        x, y = v[base + a], v[base + b]
        if y[0] < x[0]:
            v[base + a], v[base + b] = y, x


def _small_sort(v: list, lo: int, hi: int) -> None:
    n = hi - lo
    if n < 2:
        return
    half = n // 2
    regions = [(lo, n)] if n < 18 else [(lo, half), (lo + half, n - half)]
    for start, length in regions:
        if length >= 13:
            _network(v, start, _NETWORK_13)
            pre = 13
        elif length >= 9:
            _network(v, start, _NETWORK_9)
            pre = 9
        else:
            pre = 1
        _insertion_sort(v, start, start + length, pre)
    if n >= 18:
        _bidirectional_merge(v, lo, hi)


def _bidirectional_merge(v: list, lo: int, hi: int) -> None:
    src = v[lo:hi]
    n = len(src)
    half = n // 2
    dst = [None] * n
    left, right, d = 0, half, 0
    left_rev, right_rev, d_rev = half - 1, n - 1, n - 1
    for _ in range(half):
        if not src[right][0] < src[left][0]:
            dst[d] = src[left]
            left += 1
        else:
            dst[d] = src[right]
            right += 1
        d += 1
        if not src[right_rev][0] < src[left_rev][0]:
            dst[d_rev] = src[right_rev]
            right_rev -= 1
        else:
            dst[d_rev] = src[left_rev]
            left_rev -= 1
        d_rev -= 1
    if n % 2:
        dst[d] = src[left] if left < left_rev + 1 else src[right]
    v[lo:hi] = dst


def _heapsort(v: list, lo: int, hi: int) -> None:
    n = hi - lo
    for i in range(n + n // 2 - 1, -1, -1):
        if i >= n:
            node = i - n
        else:
            v[lo], v[lo + i] = v[lo + i], v[lo]
            node = 0
        end = min(i, n)
        while True:
            child = 2 * node + 1
            if child >= end:
                break
            if child + 1 < end and v[lo + child][0] < v[lo + child + 1][0]:
                child += 1
            if not v[lo + node][0] < v[lo + child][0]:
                break
            v[lo + node], v[lo + child] = v[lo + child], v[lo + node]
            node = child
