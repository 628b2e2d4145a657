;; Rust's `slice::sort_unstable_by_key` (ipnsort, core::slice::sort::unstable), step for step, for
;; the element type the reference sorts when it caps data segments: an 8-byte `Copy` struct
;; `GapIndex { gap: u32, index: u32 }` compared by `gap` alone. Every comparison and every move is
;; the standard library's, so ties end up exactly where Rust leaves them. See rust_sort.py.
;;
;; An element is an i64: gap << 32 | original position; `$lt` compares the gaps only.
;; Memory: [0, 256) the small sort's merge scratch (32 elements); the slice from 256 on.
;; `sort(v, len)` sorts the `len` elements at byte address `v` in place; `pack`, `unpack` and
;; `mark_first` move between elements and the caller's plain arrays, `pack_gaps` and
;; `merge_marked` between elements and (start, end) runs (see rust_sort.py).
;; Pointers are byte addresses; `$swap_if_less` takes byte offsets.
(module
  (memory (export "memory") 1)

  ;; is_less(a, b) = a.gap < b.gap
  (func $lt (param $a i64) (param $b i64) (result i32)
    (i64.lt_u (i64.shr_u (local.get $a) (i64.const 32)) (i64.shr_u (local.get $b) (i64.const 32))))

  ;; shared::smallsort::insert_tail: sort [begin, tail] assuming [begin, tail) is sorted
  (func $insert_tail (param $begin i32) (param $tail i32)
    (local $sift i32) (local $dst i32) (local $tmp i64)
    (local.set $sift (i32.sub (local.get $tail) (i32.const 8)))
    (local.set $tmp (i64.load (local.get $tail)))
    (if (i32.eqz (call $lt (local.get $tmp) (i64.load (local.get $sift)))) (then (return)))
    (local.set $dst (local.get $tail))
    (block $done
      (loop $l
        (i64.store (local.get $dst) (i64.load (local.get $sift)))
        (local.set $dst (local.get $sift))
        (br_if $done (i32.eq (local.get $sift) (local.get $begin)))
        (local.set $sift (i32.sub (local.get $sift) (i32.const 8)))
        (br_if $l (call $lt (local.get $tmp) (i64.load (local.get $sift))))))
    (i64.store (local.get $dst) (local.get $tmp)))

  ;; insertion_sort_shift_left(v[..len], offset)
  (func $insertion_sort (param $v i32) (param $len i32) (param $offset i32)
    (local $tail i32) (local $end i32)
    (local.set $tail (i32.add (local.get $v) (i32.shl (local.get $offset) (i32.const 3))))
    (local.set $end (i32.add (local.get $v) (i32.shl (local.get $len) (i32.const 3))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $tail) (local.get $end)))
        (call $insert_tail (local.get $v) (local.get $tail))
        (local.set $tail (i32.add (local.get $tail) (i32.const 8)))
        (br $l))))

  ;; swap_if_less(v, a, b): swap when v[b] < v[a] (a, b: byte offsets)
  (func $swap_if_less (param $v i32) (param $a i32) (param $b i32)
    (local $x i64) (local $y i64)
    (local.set $a (i32.add (local.get $v) (local.get $a)))
    (local.set $b (i32.add (local.get $v) (local.get $b)))
    (local.set $x (i64.load (local.get $a)))
    (local.set $y (i64.load (local.get $b)))
    (if (call $lt (local.get $y) (local.get $x))
      (then (i64.store (local.get $a) (local.get $y))
            (i64.store (local.get $b) (local.get $x)))))

  (func $sort9_optimal (param $v i32)
    (call $swap_if_less (local.get $v) (i32.const 0) (i32.const 24)) (call $swap_if_less (local.get $v) (i32.const 8) (i32.const 56)) (call $swap_if_less (local.get $v) (i32.const 16) (i32.const 40)) (call $swap_if_less (local.get $v) (i32.const 32) (i32.const 64))
    (call $swap_if_less (local.get $v) (i32.const 0) (i32.const 56)) (call $swap_if_less (local.get $v) (i32.const 16) (i32.const 32)) (call $swap_if_less (local.get $v) (i32.const 24) (i32.const 64)) (call $swap_if_less (local.get $v) (i32.const 40) (i32.const 48))
    (call $swap_if_less (local.get $v) (i32.const 0) (i32.const 16)) (call $swap_if_less (local.get $v) (i32.const 8) (i32.const 24)) (call $swap_if_less (local.get $v) (i32.const 32) (i32.const 40)) (call $swap_if_less (local.get $v) (i32.const 56) (i32.const 64))
    (call $swap_if_less (local.get $v) (i32.const 8) (i32.const 32)) (call $swap_if_less (local.get $v) (i32.const 24) (i32.const 48)) (call $swap_if_less (local.get $v) (i32.const 40) (i32.const 56)) (call $swap_if_less (local.get $v) (i32.const 0) (i32.const 8))
    (call $swap_if_less (local.get $v) (i32.const 16) (i32.const 32)) (call $swap_if_less (local.get $v) (i32.const 24) (i32.const 40)) (call $swap_if_less (local.get $v) (i32.const 48) (i32.const 64)) (call $swap_if_less (local.get $v) (i32.const 16) (i32.const 24))
    (call $swap_if_less (local.get $v) (i32.const 32) (i32.const 40)) (call $swap_if_less (local.get $v) (i32.const 48) (i32.const 56)) (call $swap_if_less (local.get $v) (i32.const 8) (i32.const 16)) (call $swap_if_less (local.get $v) (i32.const 24) (i32.const 32))
    (call $swap_if_less (local.get $v) (i32.const 40) (i32.const 48)))

  (func $sort13_optimal (param $v i32)
    (call $swap_if_less (local.get $v) (i32.const 0) (i32.const 96)) (call $swap_if_less (local.get $v) (i32.const 8) (i32.const 80)) (call $swap_if_less (local.get $v) (i32.const 16) (i32.const 72)) (call $swap_if_less (local.get $v) (i32.const 24) (i32.const 56))
    (call $swap_if_less (local.get $v) (i32.const 40) (i32.const 88)) (call $swap_if_less (local.get $v) (i32.const 48) (i32.const 64)) (call $swap_if_less (local.get $v) (i32.const 8) (i32.const 48)) (call $swap_if_less (local.get $v) (i32.const 16) (i32.const 24))
    (call $swap_if_less (local.get $v) (i32.const 32) (i32.const 88)) (call $swap_if_less (local.get $v) (i32.const 56) (i32.const 72)) (call $swap_if_less (local.get $v) (i32.const 64) (i32.const 80)) (call $swap_if_less (local.get $v) (i32.const 0) (i32.const 32))
    (call $swap_if_less (local.get $v) (i32.const 8) (i32.const 16)) (call $swap_if_less (local.get $v) (i32.const 24) (i32.const 48)) (call $swap_if_less (local.get $v) (i32.const 56) (i32.const 64)) (call $swap_if_less (local.get $v) (i32.const 72) (i32.const 80))
    (call $swap_if_less (local.get $v) (i32.const 88) (i32.const 96)) (call $swap_if_less (local.get $v) (i32.const 32) (i32.const 48)) (call $swap_if_less (local.get $v) (i32.const 40) (i32.const 72)) (call $swap_if_less (local.get $v) (i32.const 64) (i32.const 88))
    (call $swap_if_less (local.get $v) (i32.const 80) (i32.const 96)) (call $swap_if_less (local.get $v) (i32.const 0) (i32.const 40)) (call $swap_if_less (local.get $v) (i32.const 24) (i32.const 64)) (call $swap_if_less (local.get $v) (i32.const 32) (i32.const 56))
    (call $swap_if_less (local.get $v) (i32.const 48) (i32.const 88)) (call $swap_if_less (local.get $v) (i32.const 72) (i32.const 80)) (call $swap_if_less (local.get $v) (i32.const 0) (i32.const 8)) (call $swap_if_less (local.get $v) (i32.const 16) (i32.const 40))
    (call $swap_if_less (local.get $v) (i32.const 48) (i32.const 72)) (call $swap_if_less (local.get $v) (i32.const 56) (i32.const 64)) (call $swap_if_less (local.get $v) (i32.const 80) (i32.const 88)) (call $swap_if_less (local.get $v) (i32.const 8) (i32.const 24))
    (call $swap_if_less (local.get $v) (i32.const 16) (i32.const 32)) (call $swap_if_less (local.get $v) (i32.const 40) (i32.const 48)) (call $swap_if_less (local.get $v) (i32.const 72) (i32.const 80)) (call $swap_if_less (local.get $v) (i32.const 8) (i32.const 16))
    (call $swap_if_less (local.get $v) (i32.const 24) (i32.const 32)) (call $swap_if_less (local.get $v) (i32.const 40) (i32.const 56)) (call $swap_if_less (local.get $v) (i32.const 48) (i32.const 64)) (call $swap_if_less (local.get $v) (i32.const 16) (i32.const 24))
    (call $swap_if_less (local.get $v) (i32.const 32) (i32.const 40)) (call $swap_if_less (local.get $v) (i32.const 48) (i32.const 56)) (call $swap_if_less (local.get $v) (i32.const 64) (i32.const 72)) (call $swap_if_less (local.get $v) (i32.const 24) (i32.const 32))
    (call $swap_if_less (local.get $v) (i32.const 40) (i32.const 48)))

  ;; one region of small_sort_network: a sorting network for its first 13 or 9 elements, then
  ;; insertion sort of the rest
  (func $presort_region (param $v i32) (param $len i32)
    (local $presorted i32)
    (local.set $presorted (i32.const 1))
    (if (i32.ge_u (local.get $len) (i32.const 13))
      (then (call $sort13_optimal (local.get $v)) (local.set $presorted (i32.const 13)))
      (else (if (i32.ge_u (local.get $len) (i32.const 9))
        (then (call $sort9_optimal (local.get $v)) (local.set $presorted (i32.const 9))))))
    (call $insertion_sort (local.get $v) (local.get $len) (local.get $presorted)))

  ;; bidirectional_merge of src[..len] (both halves sorted) into dst
  (func $bidirectional_merge (param $src i32) (param $len i32) (param $dst i32)
    (local $half i32) (local $left i32) (local $right i32) (local $left_rev i32) (local $right_rev i32)
    (local $dst_rev i32) (local $i i32) (local $l i64) (local $r i64) (local $is_l i32)
    (local.set $half (i32.shr_u (local.get $len) (i32.const 1)))
    (local.set $left (local.get $src))
    (local.set $right (i32.add (local.get $src) (i32.shl (local.get $half) (i32.const 3))))
    (local.set $left_rev (i32.sub (local.get $right) (i32.const 8)))
    (local.set $right_rev (i32.add (local.get $src) (i32.shl (i32.sub (local.get $len) (i32.const 1)) (i32.const 3))))
    (local.set $dst_rev (i32.add (local.get $dst) (i32.shl (i32.sub (local.get $len) (i32.const 1)) (i32.const 3))))
    (local.set $i (local.get $half))
    (loop $l
      ;; merge_up
      (local.set $l (i64.load (local.get $left)))
      (local.set $r (i64.load (local.get $right)))
      (local.set $is_l (i32.eqz (call $lt (local.get $r) (local.get $l))))
      (i64.store (local.get $dst) (select (local.get $l) (local.get $r) (local.get $is_l)))
      (local.set $left (i32.add (local.get $left) (i32.shl (local.get $is_l) (i32.const 3))))
      (local.set $right (i32.add (local.get $right) (i32.shl (i32.eqz (local.get $is_l)) (i32.const 3))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
      ;; merge_down
      (local.set $l (i64.load (local.get $left_rev)))
      (local.set $r (i64.load (local.get $right_rev)))
      (local.set $is_l (i32.eqz (call $lt (local.get $r) (local.get $l))))
      (i64.store (local.get $dst_rev) (select (local.get $r) (local.get $l) (local.get $is_l)))
      (local.set $right_rev (i32.sub (local.get $right_rev) (i32.shl (local.get $is_l) (i32.const 3))))
      (local.set $left_rev (i32.sub (local.get $left_rev) (i32.shl (i32.eqz (local.get $is_l)) (i32.const 3))))
      (local.set $dst_rev (i32.sub (local.get $dst_rev) (i32.const 8)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i)))
    ;; odd length: one element is left
    (if (i32.and (local.get $len) (i32.const 1))
      (then (i64.store (local.get $dst)
        (i64.load (select (local.get $left) (local.get $right)
                          (i32.lt_u (local.get $left) (i32.add (local.get $left_rev) (i32.const 8)))))))))

  ;; small_sort_network (SMALL_SORT_NETWORK_THRESHOLD = 32)
  (func $small_sort (param $v i32) (param $len i32)
    (local $half i32)
    (if (i32.lt_u (local.get $len) (i32.const 2)) (then (return)))
    (if (i32.lt_u (local.get $len) (i32.const 18))
      (then (call $presort_region (local.get $v) (local.get $len)) (return)))
    (local.set $half (i32.shr_u (local.get $len) (i32.const 1)))
    (call $presort_region (local.get $v) (local.get $half))
    (call $presort_region (i32.add (local.get $v) (i32.shl (local.get $half) (i32.const 3)))
                          (i32.sub (local.get $len) (local.get $half)))
    (call $bidirectional_merge (local.get $v) (local.get $len) (i32.const 0))
    (memory.copy (local.get $v) (i32.const 0) (i32.shl (local.get $len) (i32.const 3))))

  ;; unstable::heapsort
  (func $heapsort (param $v i32) (param $len i32)
    (local $i i32) (local $node i32) (local $end i32) (local $child i32) (local $p i32) (local $q i32) (local $t i64)
    (local.set $i (i32.add (local.get $len) (i32.shr_u (local.get $len) (i32.const 1))))
    (block $done
      (loop $outer
        (br_if $done (i32.eqz (local.get $i)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (if (i32.ge_u (local.get $i) (local.get $len))
          (then (local.set $node (i32.sub (local.get $i) (local.get $len)))
                (local.set $end (local.get $len)))
          (else (local.set $p (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3))))
                (local.set $t (i64.load (local.get $v)))
                (i64.store (local.get $v) (i64.load (local.get $p)))
                (i64.store (local.get $p) (local.get $t))
                (local.set $node (i32.const 0))
                (local.set $end (local.get $i))))
        ;; sift_down(v[..end], node)
        (block $sifted
          (loop $sift
            (local.set $child (i32.add (i32.shl (local.get $node) (i32.const 1)) (i32.const 1)))
            (br_if $sifted (i32.ge_u (local.get $child) (local.get $end)))
            (local.set $q (i32.add (local.get $v) (i32.shl (local.get $child) (i32.const 3))))
            (if (i32.lt_u (i32.add (local.get $child) (i32.const 1)) (local.get $end))
              (then (if (call $lt (i64.load (local.get $q)) (i64.load offset=8 (local.get $q)))
                      (then (local.set $child (i32.add (local.get $child) (i32.const 1)))
                            (local.set $q (i32.add (local.get $q) (i32.const 8)))))))
            (local.set $p (i32.add (local.get $v) (i32.shl (local.get $node) (i32.const 3))))
            (br_if $sifted (i32.eqz (call $lt (i64.load (local.get $p)) (i64.load (local.get $q)))))
            (local.set $t (i64.load (local.get $p)))
            (i64.store (local.get $p) (i64.load (local.get $q)))
            (i64.store (local.get $q) (local.get $t))
            (local.set $node (local.get $child))
            (br $sift)))
        (br $outer))))

  ;; shared::pivot::median3 (pointers in, pointer out)
  (func $median3 (param $a i32) (param $b i32) (param $c i32) (result i32)
    (local $ka i64) (local $kb i64) (local $kc i64) (local $x i32)
    (local.set $ka (i64.load (local.get $a)))
    (local.set $kb (i64.load (local.get $b)))
    (local.set $kc (i64.load (local.get $c)))
    (local.set $x (call $lt (local.get $ka) (local.get $kb)))
    (if (result i32) (i32.eq (local.get $x) (call $lt (local.get $ka) (local.get $kc)))
      (then (select (local.get $c) (local.get $b)
                    (i32.xor (call $lt (local.get $kb) (local.get $kc)) (local.get $x))))
      (else (local.get $a))))

  ;; shared::pivot::median3_rec (PSEUDO_MEDIAN_REC_THRESHOLD = 64)
  (func $median3_rec (param $a i32) (param $b i32) (param $c i32) (param $n i32) (result i32)
    (local $n8 i32) (local $o4 i32) (local $o7 i32)
    (if (i32.ge_u (i32.shl (local.get $n) (i32.const 3)) (i32.const 64))
      (then
        (local.set $n8 (i32.shr_u (local.get $n) (i32.const 3)))
        (local.set $o4 (i32.mul (local.get $n8) (i32.const 32)))
        (local.set $o7 (i32.mul (local.get $n8) (i32.const 56)))
        (local.set $a (call $median3_rec (local.get $a) (i32.add (local.get $a) (local.get $o4))
                                         (i32.add (local.get $a) (local.get $o7)) (local.get $n8)))
        (local.set $b (call $median3_rec (local.get $b) (i32.add (local.get $b) (local.get $o4))
                                         (i32.add (local.get $b) (local.get $o7)) (local.get $n8)))
        (local.set $c (call $median3_rec (local.get $c) (i32.add (local.get $c) (local.get $o4))
                                         (i32.add (local.get $c) (local.get $o7)) (local.get $n8)))))
    (call $median3 (local.get $a) (local.get $b) (local.get $c)))

  ;; shared::pivot::choose_pivot -> index of the pivot in v
  (func $choose_pivot (param $v i32) (param $len i32) (result i32)
    (local $d i32) (local $b i32) (local $c i32)
    (local.set $d (i32.shr_u (local.get $len) (i32.const 3)))
    (local.set $b (i32.add (local.get $v) (i32.mul (local.get $d) (i32.const 32))))
    (local.set $c (i32.add (local.get $v) (i32.mul (local.get $d) (i32.const 56))))
    (i32.shr_u
      (i32.sub
        (if (result i32) (i32.lt_u (local.get $len) (i32.const 64))
          (then (call $median3 (local.get $v) (local.get $b) (local.get $c)))
          (else (call $median3_rec (local.get $v) (local.get $b) (local.get $c) (local.get $d))))
        (local.get $v))
      (i32.const 3)))

  ;; unstable::quicksort::partition with partition_lomuto_branchless_cyclic. The left side takes
  ;; is_less(elem, pivot) (le = 0) or, for the equal-to-ancestor path, !is_less(pivot, elem) (le = 1).
  ;; Returns num_lt; the pivot ends at v[num_lt].
  (func $partition (param $v i32) (param $len i32) (param $pivot i32) (param $le i32) (result i32)
    (local $p i32) (local $pk i64) (local $w i32) (local $end i32) (local $right i32) (local $gap i32)
    (local $left i32) (local $num i32) (local $saved i64) (local $elem i64) (local $t i64)
    ;; v.swap(0, pivot)
    (local.set $p (i32.add (local.get $v) (i32.shl (local.get $pivot) (i32.const 3))))
    (local.set $pk (i64.load (local.get $p)))
    (i64.store (local.get $p) (i64.load (local.get $v)))
    (i64.store (local.get $v) (local.get $pk))
    ;; the cyclic Lomuto partition of w = v[1..]
    (local.set $w (i32.add (local.get $v) (i32.const 8)))
    (if (i32.gt_u (local.get $len) (i32.const 1))
      (then
        (local.set $end (i32.add (local.get $v) (i32.shl (local.get $len) (i32.const 3))))
        (local.set $saved (i64.load (local.get $w)))
        (local.set $gap (local.get $w))
        (local.set $right (i32.add (local.get $w) (i32.const 8)))
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $right) (local.get $end)))
            (local.set $elem (i64.load (local.get $right)))
            (local.set $left (i32.add (local.get $w) (i32.shl (local.get $num) (i32.const 3))))
            (i64.store (local.get $gap) (i64.load (local.get $left)))
            (i64.store (local.get $left) (local.get $elem))
            (local.set $gap (local.get $right))
            (local.set $num (i32.add (local.get $num)
              (select (i32.eqz (call $lt (local.get $pk) (local.get $elem)))
                      (call $lt (local.get $elem) (local.get $pk))
                      (local.get $le))))
            (local.set $right (i32.add (local.get $right) (i32.const 8)))
            (br $l)))
        ;; the saved first element closes the cycle
        (local.set $left (i32.add (local.get $w) (i32.shl (local.get $num) (i32.const 3))))
        (i64.store (local.get $gap) (i64.load (local.get $left)))
        (i64.store (local.get $left) (local.get $saved))
        (local.set $num (i32.add (local.get $num)
          (select (i32.eqz (call $lt (local.get $pk) (local.get $saved)))
                  (call $lt (local.get $saved) (local.get $pk))
                  (local.get $le))))))
    ;; v.swap(0, num_lt): the pivot between the two sides
    (local.set $p (i32.add (local.get $v) (i32.shl (local.get $num) (i32.const 3))))
    (local.set $t (i64.load (local.get $p)))
    (i64.store (local.get $p) (i64.load (local.get $v)))
    (i64.store (local.get $v) (local.get $t))
    (local.get $num))

  ;; unstable::quicksort::quicksort; $ancestor: byte address of the ancestor pivot, or -1 for None
  (func $quicksort (param $v i32) (param $len i32) (param $ancestor i32) (param $limit i32)
    (local $pivot i32) (local $num i32)
    (loop $l
      (if (i32.le_u (local.get $len) (i32.const 32))
        (then (call $small_sort (local.get $v) (local.get $len)) (return)))
      (if (i32.eqz (local.get $limit))
        (then (call $heapsort (local.get $v) (local.get $len)) (return)))
      (local.set $limit (i32.sub (local.get $limit) (i32.const 1)))
      (local.set $pivot (call $choose_pivot (local.get $v) (local.get $len)))
      (if (i32.ne (local.get $ancestor) (i32.const -1))
        (then
          (if (i32.eqz (call $lt (i64.load (local.get $ancestor))
                                 (i64.load (i32.add (local.get $v) (i32.shl (local.get $pivot) (i32.const 3))))))
            (then
              (local.set $num (i32.add (call $partition (local.get $v) (local.get $len) (local.get $pivot) (i32.const 1))
                                       (i32.const 1)))
              (local.set $v (i32.add (local.get $v) (i32.shl (local.get $num) (i32.const 3))))
              (local.set $len (i32.sub (local.get $len) (local.get $num)))
              (local.set $ancestor (i32.const -1))
              (br $l)))))
      (local.set $num (call $partition (local.get $v) (local.get $len) (local.get $pivot) (i32.const 0)))
      (call $quicksort (local.get $v) (local.get $num) (local.get $ancestor) (local.get $limit))
      (local.set $ancestor (i32.add (local.get $v) (i32.shl (local.get $num) (i32.const 3))))
      (local.set $v (i32.add (local.get $ancestor) (i32.const 8)))
      (local.set $len (i32.sub (local.get $len) (i32.add (local.get $num) (i32.const 1))))
      (br $l)))

  ;; unstable::sort: insertion sort up to 20 elements, else ipnsort (existing run, then quicksort
  ;; with a limit of 2 * floor(log2(len)) imbalanced partitions)
  (func (export "sort") (param $v i32) (param $len i32)
    (local $run i32) (local $desc i32) (local $p i32) (local $q i32) (local $t i64)
    (if (i32.lt_u (local.get $len) (i32.const 2)) (then (return)))
    (if (i32.le_u (local.get $len) (i32.const 20))
      (then (call $insertion_sort (local.get $v) (local.get $len) (i32.const 1)) (return)))
    ;; find_existing_run
    (local.set $run (i32.const 2))
    (local.set $desc (call $lt (i64.load offset=8 (local.get $v)) (i64.load (local.get $v))))
    (local.set $p (i32.add (local.get $v) (i32.const 16)))
    (block $run_end
      (loop $l
        (br_if $run_end (i32.ge_u (local.get $run) (local.get $len)))
        (br_if $run_end (i32.ne (local.get $desc)
                                (call $lt (i64.load (local.get $p)) (i64.load offset=0 (i32.sub (local.get $p) (i32.const 8))))))
        (local.set $run (i32.add (local.get $run) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $l)))
    (if (i32.eq (local.get $run) (local.get $len))
      (then
        (if (local.get $desc)
          (then
            (local.set $p (local.get $v))
            (local.set $q (i32.add (local.get $v) (i32.shl (i32.sub (local.get $len) (i32.const 1)) (i32.const 3))))
            (block $rev_done
              (loop $rev
                (br_if $rev_done (i32.ge_u (local.get $p) (local.get $q)))
                (local.set $t (i64.load (local.get $p)))
                (i64.store (local.get $p) (i64.load (local.get $q)))
                (i64.store (local.get $q) (local.get $t))
                (local.set $p (i32.add (local.get $p) (i32.const 8)))
                (local.set $q (i32.sub (local.get $q) (i32.const 8)))
                (br $rev)))))
        (return)))
    (call $quicksort (local.get $v) (local.get $len) (i32.const -1)
      (i32.shl (i32.sub (i32.const 31) (i32.clz (i32.or (local.get $len) (i32.const 1)))) (i32.const 1))))

  ;; v[i] = keys[i] << 32 | i, from the u32 keys at `keys`
  (func (export "pack") (param $v i32) (param $keys i32) (param $len i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i64.store (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))
          (i64.or (i64.shl (i64.extend_i32_u (i32.load (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 2)))))
                           (i64.const 32))
                  (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))

  ;; out[i] = the original position of v[i] (u32s)
  (func (export "unpack") (param $v i32) (param $out i32) (param $len i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (i32.wrap_i64 (i64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))

  ;; out[p] = 1 for the original position p of each of v[..k], 0 for the others (len bytes)
  (func (export "mark_first") (param $v i32) (param $out i32) (param $len i32) (param $k i32)
    (local $i i32)
    (memory.fill (local.get $out) (i32.const 0) (local.get $len))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $k)))
        (i32.store8 (i32.add (local.get $out)
                             (i32.wrap_i64 (i64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3))))))
                    (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))
  ;; v[i] = gap_i << 32 | i with gap_i = start[i+1] - end[i], from the len + 1 (start, end) i64
  ;; pairs at `runs` (neighbouring runs of one memory; the caller makes sure no gap reaches 2^32)
  (func (export "pack_gaps") (param $v i32) (param $runs i32) (param $len i32)
    (local $i i32) (local $r i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $r (i32.add (local.get $runs) (i32.shl (local.get $i) (i32.const 4))))
        (i64.store (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))
          (i64.or (i64.shl (i64.sub (i64.load offset=16 (local.get $r)) (i64.load offset=8 (local.get $r)))
                           (i64.const 32))
                  (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))

  ;; the len + 1 runs at `runs` with run i + 1 merged into run i wherever mask[i] = 1, as (start,
  ;; end) pairs at `out`; returns how many
  (func (export "merge_marked") (param $runs i32) (param $mask i32) (param $len i32) (param $out i32) (result i32)
    (local $i i32) (local $n i32) (local $w i32)
    (i64.store (local.get $out) (i64.load (local.get $runs)))
    (i64.store offset=8 (local.get $out) (i64.load offset=8 (local.get $runs)))
    (local.set $n (i32.const 1))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $w (i32.add (local.get $runs) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 4))))
        (if (i32.load8_u (i32.add (local.get $mask) (local.get $i)))
          (then     ;; the last written run now ends where run i + 1 ends
            (i64.store offset=8 (i32.add (local.get $out) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 4)))
                       (i64.load offset=8 (local.get $w))))
          (else
            (i64.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 4))) (i64.load (local.get $w)))
            (i64.store offset=8 (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 4))) (i64.load offset=8 (local.get $w)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $n))
)
