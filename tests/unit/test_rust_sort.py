"""The segment cap's tie-break: Rust's ``sort_unstable_by_key`` (rust_sort.wat) and, end to end,
``wasmtime wizer`` itself on heaps whose cap is decided among equal gaps.

The golden digests are of permutations printed by real ``sort_unstable_by_key(|g| g.gap)`` runs
(rustc 1.95, ``GapIndex { gap: u32, index: u32 }`` as in the reference) on the inputs built
here; no Rust toolchain is needed to check them.
"""
from __future__ import annotations

import base64
import hashlib
import lzma
import random
from array import array

import pytest
import wasmtime

from wizerscope.preinit.options import Options
from wizerscope.preinit import preinit
from wizerscope.preinit.runtime.kernels.rust_sort import (first_k, first_k_mask, sort_permutation,
                                          sort_unstable_by_key_permutation)
from wizerscope.preinit.segments import MAX_DATA_SEGMENTS


def _lcg_keys(n: int, mod: int, seed: int) -> list[int]:
    x, out = seed, []
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out.append((x >> 16) % mod)
    return out


def _digest(perm) -> str:
    return hashlib.sha256(array("I", perm).tobytes()).hexdigest()[:24]


# (length, key modulus, seed, digest of Rust's permutation): every path of the sort, from
# insertion sort (<= 20) over the small sort (<= 32, merge from 18) to deep quicksorts
GOLDEN = [
    (2, 2, 1, '01acecb507abfe1a354aa806'),
    (5, 3, 2, '7982b8f2183df9d9b99ee86d'),
    (20, 4, 3, 'aa4f41819623e3f70ca318fe'),
    (21, 4, 4, 'e354351c2dd5394fe0a79a71'),
    (32, 5, 5, 'ed7506ee8c7ada86427adf96'),
    (33, 5, 6, '25667856add8efa1383911ec'),
    (63, 3, 7, 'af57828b891ecce3fedc3be6'),
    (64, 7, 8, 'f358e1754aff82bb1060012d'),
    (65, 2, 9, 'e2169eece3c3473c2797e7ef'),
    (100, 10, 10, '14f9a2c3feb2e8c7c9ba35f2'),
    (517, 6, 11, '0ed41911caa544964a0afb01'),
    (1000, 3, 12, '552cdb431711b441db18aa2a'),
    (4099, 40, 13, 'c37276b7bcb83624d17faa8c'),
    (30000, 16, 14, '0736e5b0b01d40fcfb5cd9f8'),
    (110000, 5, 15, '67dcc6d79b2094e3aa5b6808'),
    (110000, 65536, 16, '2717684000d853927221b8ad'),
]


@pytest.mark.parametrize("n, mod, seed, digest", GOLDEN)
def test_permutation_matches_real_rust(n, mod, seed, digest):
    keys = _lcg_keys(n, mod, seed)
    perm = sort_permutation(keys)
    assert sorted(perm) == list(range(n))
    assert [keys[i] for i in perm] == sorted(keys)
    assert _digest(perm) == digest


# 1,500 distinct keys from McIlroy's antiquicksort adversary run against sort_unstable_by: they
# exhaust the quicksort's 2*log2(n) bad-partition budget and drive it into its heapsort fallback.
_ADVERSARY = "{Wp48S^xk9=GL@E0stWa8~^|S5YJf5;0w11H(da30X!G*kCgOPOsH7g!eIfDgQRklxS#yI=K_pE80kC#^eEx8AA~C~RAeaqO?4W-b2`$aQ(C?rKh-sYo|T^KSv&n<8c{q=Lj|0pzX@^5X3eU$7~NPtX7l2E>BOzFtoX8CDW#Rqi71vtHEn~)6Uvf_$!7U>st#PAp2_o07wZe!)>Z!e$O>S;u0H&cGDPxZZVWBiBCL$UW{79$J{E;U?QTc7c|1_)b&TpaNSiRqVg-2Is(EF5khlKXN)#0K@|y7*eq)(P9A_2>WBK)cLup}Q397)V<r+}Hvo)z}%!Ep3`Az!1y<MUSfMi3V(v41qaxjKV0P=s#Y)vO3uMn#$B*=&s|8)-mM0KQP1pAM(DnADl@7Ucub^5IegioBw$#p-Bhc=JXuVE82#drNiemyTEr#ijR?mro6W#G7Fs|8BNpprUUDqF6yZPoh2Q~@2n+(GO#&Fc15Wt^V(;495eylcde&<$I9-i<itf+-4;5e+p)Ju>GjFsrjz+1w7Bjt<>-ShS@ZK=?HE*Vb8tyyM3HW3!%3eG(nOYxenz^Je9JT5^S*0N3ePV;v;n*!$;dp<7xY<cCEvKVT-=LGap6{W@N()mJpT3cNcSJTxECmBc;F)#;4Jh(dW!S+C&g9A%n9>5s(jiE&a&#>H*ChttiEl%yp(l#3(->8X5aq~^D@IJ8%2o{7RXw#NC?_W?oawV=6vVmfGKWh}$Vs|C$7NJUCP9bG0Fy~in**IgEnz&*6I1C5Z7Sp<RQYoKn&lBaHGgi1I>+W);9p3e{GcE<!FL%^3{%WtTACwtGG<MqFO{Nn1LowRjUu_UrO|K%z*`7QY`fE7FKt1bUwHY^v7C!k7qw}R=Ny7iW;Bk1k&V3z=eE{iOlbXdkqH<j89miuHoy?7l^-3Fp8S`jA?tIhf&_~o6Vv)wL>9|eX-bTH|4<E&2mBZFpE_ho@p;xktHX86ohm-TxP<AMF-suWG&Cd%ZlO=Ng3NZh_nE-F_6buqWy3y=e;#$#SK0bZR^5uf-v_{e^$f)lpa7&pP1<?!p}G#Y?TS)LZ8ufia5Gn82fr$`Onr^zSd{;ON^zheAhG|+r6?T(m}6Amk|OnbIbHfGB#Z_#&zclZBK82TJ^InrX9bC%dwAVnnjDg9g}k1i@SNucGQJyVD?k4@Hnd?TMwDHG^#_O1vJK7oTRL;f>Z%grA*ma)Ts>m9p)f190EXQSAJ_juU9Ci$qkNL_f?j0AaVrcWUjg}S5?px8=QHc$<OCD^1Zd(vDxBNWaLT;t1>c!JfR9+5#~OW(IfU(l%!49ma7g3rn$>Fs;ncC)>0snvS4Lj_$eaoeT4Kt+!6d&_6Pq;avoC1%eHZHdM|7*RH4-I0Rq>ih3qYDd4;!iQ03@7LguU<scZl?L$`^f`7Q26&#hYuTpn(zF72?f*oynVBVEaHqutu?i->HpJyGjI*IdjS(zJ>D*F<s9xR?=fq{$B25pdHBc>#SjUf&U6yGG@L3&}T0C^t;x6pY=QzP5Z=&fPZeQ0$j6Z_9#8MDMvO{K}S8(?RK$?L-SF5~FZHf4y#_d7nlkOm{>c#1r@IeAmcJ7G1;Nt}e4JF2*{h$kfY9=hT!pz8rB5DC)5$%-YWl*q04K?eB(!f$(@sZDAGxjLt&7w=85tz*?(LUqo$mwGGDH_cSE^mPOb5W@4WIkfAiZ2C-vhI5DlrScJvyN4<Ux+3Fk9_f>bg!Wn347>POP(3FoDOyQfEl5y>c&)`g9R?Wcb#_UY(bPs$W~X{v<W(1P-4V~Aw%B-M&GQ6PlURN!0Bd1ji8FrvwvGvu5PD{R#$DHHi$)aHb%u_GYj-j;CZtvkL5YkbR(WWVhm``Tau}rM~NJ;U9@L+GN`=V>@p6U*~H*;Tg14T4ajA0AG9WvU2B$8!2hSizug(IP~6xwm@2n`Vmq3lVN^_v?`__kg|AHQ%^Ts4bmopc)CgY^foCJel>1J>?VTSKE`9yHE1JSU#7LV=&c%~M$=L;hkdodD$OYV!9+KL3Pz*`f*M1}Gh(Tg$Qt);?s|$HW3rRVyQe_dz?gR~I0eH5)>?qJOegg7Bhhu->xdMYo=unB^>*|?gZ|^4MU|e&32$@G`+5LIfuXWfE_M>@YhPsKO1y)#Tu{M5~OWIGjcD#NMVGwkr>{6*FQa6gi3+czw;b(;92~R|<*qHS&MSC6$a5<LLg7>q8Ntwl8H1_s;FdiMr%RR_H?GHju9ff~;xm5q&%cGo;>UVK{CAGy%8wex4ptg4J8U>~U<W;j)kF&uW=y*c22Czz=?6%2_{#lfE?@6!YMBb(0R*l|zuvneKM+@&V?f)zUsmifDj#a9hQ}a+U$7V?|qm>rLqKFLzBxkLpS1Qa>l~Y8|b8n#QAHwkm2XhM%ikv-1gU0|3K6N%9Vqi@3o!b!_@I*7M`q$OI$*x!AHae<Ed7#;GjzYs(C>3~{7ZLW&!ujyh=%2qO7LE^(tf~QiPKX+3c+=@B9lhkkxoGNg&(j!;S|tF<LQ|!vyUdbG)E@$s!JRifhJOSMU=V8yK2()g3Z4VW=sDl^8HuQG<D!%W0@3<fK;#J%etjL%TN4MSjOHWun-D@Y$&5At{pJ-aiHrsDi)cTj%kT+TZ45tHl*W$(cR>>S+b^woD(vMi#E~PIfRtwNZAOJf^%{|2cT^-cal$Twr$(P+@In9pAhDsKV)z~C00GkwxEBBbUjDH5vBYQl0ssI200dcD"


@pytest.mark.parametrize("divisor, digest", [(1, "7ad10680d3bfa9bf17ea2034"), (4, "f7d727535e211340ceeb9963")])
def test_heapsort_fallback_matches_real_rust(divisor, digest):
    keys = [k // divisor for k in array("H", lzma.decompress(base64.b85decode(_ADVERSARY)))]
    assert len(keys) == 1500
    assert _digest(sort_permutation(keys)) == digest


def test_small_and_presorted_inputs():
    assert sort_permutation([]) == [] and sort_permutation([9]) == [0]
    assert sort_permutation([5] * 1000) == list(range(1000))                  # an existing run
    assert sort_permutation(list(range(1000, 0, -1))) == list(range(999, -1, -1))   # reversed
    # non-strictly descending is not a run: the quicksort decides
    keys = [1000 - i // 2 for i in range(1000)]
    perm = sort_permutation(keys)
    assert [keys[i] for i in perm] == sorted(keys) and perm != list(range(999, -1, -1))


def test_keys_outside_u32_sort_by_rank():
    rnd = random.Random(3)
    ranks = [rnd.randrange(7) for _ in range(5000)]
    keys = [(r - 3) * (1 << 40) for r in ranks]
    assert sort_permutation(keys) == sort_permutation(ranks)


def test_numpy_form_and_masks_agree():
    np = pytest.importorskip("numpy")
    rnd = random.Random(5)
    keys = [rnd.randrange(4) for _ in range(3000)]
    perm = sort_permutation(keys)
    out = sort_unstable_by_key_permutation(np.array(keys, dtype=np.int64))
    assert out.dtype == np.int64 and out.tolist() == perm
    for k in (0, 1, 750, 1499, 2999, 3000, 4000):
        assert first_k(keys, k) == sorted(perm[:k])
        mask = first_k_mask(keys, k)
        assert len(mask) == len(keys) and [i for i in range(len(keys)) if mask[i]] == sorted(perm[:k])


def test_tie_choice_is_not_positional():
    """Why the emulation exists: the tied gaps Rust keeps are not the first ones."""
    keys = _lcg_keys(30000, 16, 14)
    k = sum(1 for g in keys if g < 3) + 500
    chosen = first_k(keys, k)
    positional = sorted(sorted(range(len(keys)), key=keys.__getitem__)[:k])
    assert chosen != positional


# -- end to end: heaps whose > 10,000 segments are capped among equal gaps -----------------------
def _heap_module(count: int, length: str, gap: str, seed: int, memories: int = 1, value: int = 7) -> bytes:
    """Init writes `count` runs per memory: run i has `length` bytes and is followed by `gap`
    zero bytes (WAT expressions over the run index $i and an LCG state $x)."""
    pages = (count * 80) // 65536 + 2
    mems = "".join(f"(memory $m{m} {pages})" for m in range(memories))
    fills = "".join(f"""
        (local.set $x (i32.const {seed + 977 * m})) (local.set $i (i32.const 0)) (local.set $pos (i32.const 0))
        (loop $l{m}
          (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
          (local.set $len {length})
          (memory.fill $m{m} (local.get $pos) (i32.const {value}) (local.get $len))
          (local.set $pos (i32.add (local.get $pos) (i32.add (local.get $len) {gap})))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l{m} (i32.lt_u (local.get $i) (i32.const {count}))))""" for m in range(memories))
    return wasmtime.wat2wasm(f"""(module {mems}
      (func (export "wizer-initialize") (local $pos i32) (local $x i32) (local $i i32) (local $len i32)
        {fills}))""")


_R = "(i32.shr_u (local.get $x) (i32.const 16))"
HEAPS = {
    # gaps 5..7 and runs of 1..4 bytes, pseudo-random (a malloc'd table)
    "lcg-3-gaps": (24000, "(i32.add (i32.const 1) (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 3)))",
                   f"(i32.add (i32.const 5) (i32.rem_u {_R} (i32.const 3)))", 1, 1),
    # one byte every 6, with a larger gap every 7th and 13th run: structured ties
    "periodic": (30000, "(i32.const 1)",
                 "(i32.add (i32.const 5) (i32.add (i32.eqz (i32.rem_u (local.get $i) (i32.const 7)))"
                 " (i32.shl (i32.eqz (i32.rem_u (local.get $i) (i32.const 13))) (i32.const 1))))", 2, 1),
    # ascending teeth of gaps 5..54: long sorted stretches, 200 ties per value
    "sawtooth": (10050, "(i32.const 2)", "(i32.add (i32.const 5) (i32.rem_u (local.get $i) (i32.const 50)))", 3, 1),
    # descending teeth
    "sawtooth-down": (20000, "(i32.const 1)", "(i32.sub (i32.const 54) (i32.rem_u (local.get $i) (i32.const 50)))", 4, 1),
    # nearly all gaps 5, a rare 200: the cut falls inside the 5s
    "rare-outliers": (40000, "(i32.const 1)",
                      f"(i32.add (i32.const 5) (i32.mul (i32.const 195) (i32.eqz (i32.rem_u {_R} (i32.const 97)))))", 5, 1),
    # just above the cap: one merge to choose among thousands of equal gaps
    "cap-plus-one": (10001, "(i32.const 3)", f"(i32.add (i32.const 5) (i32.rem_u {_R} (i32.const 2)))", 6, 1),
    # two memories: pairs across them are never candidates
    "two-memories": (9000, "(i32.add (i32.const 1) (i32.and (local.get $x) (i32.const 1)))",
                     f"(i32.add (i32.const 5) (i32.rem_u {_R} (i32.const 4)))", 7, 2),
}


@pytest.mark.parametrize("name", list(HEAPS))
def test_capped_heap_matches_reference(name, reference):
    count, length, gap, seed, memories = HEAPS[name]
    wasm = _heap_module(count, length, gap, seed, memories)
    result = preinit(wasm, Options())
    plan = result.snapshot.plan
    assert len(plan.merged_arrays) > MAX_DATA_SEGMENTS
    assert len(plan.final_arrays) == MAX_DATA_SEGMENTS
    assert result.output == reference(wasm).require_output()


def test_spec_scenario_byte_42_every_6_bytes(reference):
    """SPEC §2.6: byte 42 every 6 bytes over 10 pages: 109,227 one-byte runs, all gaps 5. The gaps
    form one ascending run, so Rust's sort keeps them in place and the first 99,227 pairs merge:
    [0, 595363) and then 9,999 one-byte segments."""
    wasm = wasmtime.wat2wasm("""(module (memory 10)
      (func (export "wizer-initialize") (local $p i32)
        (loop $l (i32.store8 (local.get $p) (i32.const 42))
          (local.set $p (i32.add (local.get $p) (i32.const 6)))
          (br_if $l (i32.lt_u (local.get $p) (i32.const 655360))))))""")
    result = preinit(wasm, Options())
    plan = result.snapshot.plan
    assert len(plan.merged_arrays) == 109_227
    final = plan.final
    assert len(final) == MAX_DATA_SEGMENTS
    assert (final[0].start, final[0].end) == (0, 595_363)
    assert [(r.start, r.end - r.start) for r in final[1:]] == [(s, 1) for s in range(595_368, 655_360, 6)]
    assert sort_permutation([5] * 109_226)[:99_227] == list(range(99_227))
    assert result.output == reference(wasm).require_output()
