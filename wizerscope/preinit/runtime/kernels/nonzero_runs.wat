;; Find the non-zero runs of a live linear memory without copying it out.
;;
;; Instantiated with that memory as its import (in the init instance's own store, or inside an
;; instrumented component next to the accessors), so it reads the memory in place. Records are
;; (start, end) i64 pairs written to this module's own memory `out`; when `out` holds `cap` of them
;; the scan stops and `resume` says where to continue. Two scans:
;; - `scan`: every maximal run inside each page, exactly the reference's per-page runs (the core
;;   path keeps them for the inspector);
;; - `scan_joined`: the runs after the snapshot's first join (gaps of at most
;;   MIN_ACTIVE_SEGMENT_OVERHEAD = 4 zero bytes close up), found directly: a joined run ends where
;;   five zero bytes in a row begin, and page boundaries split nothing that the join would not
;;   close again. The component accessors use it (componentize-py: 1.42M per-page runs but 208k
;;   joined; 46 -> 31 ms under Winch).
;; `{MEMTYPE}` and `{A}` are filled in per memory type (32/64-bit index, custom page size) by
;; nonzero_runs.py, and `{OUT_PAGES}`, the size of `out`. Winch compiles this and inlines nothing: the loads are written out in place.
(module
  (import "target" "memory" (memory $m {MEMTYPE}))
  (memory $o (export "out") {OUT_PAGES})
  (global $resume (export "resume") (mut i64) (i64.const 0))

  ;; the first non-zero byte in [pos, end), or end: a word at a time (the first non-zero byte of
  ;; a word found by its trailing zero count), and after a zero word 64 bytes at a time while they
  ;; are all zero (most gaps are a few bytes: the word comes first)
  (func $skip_zeros (param $pos i64) (param $end i64) (result i64) (local $v i64)
    (block $done
      (loop $zeros
        (br_if $done (i64.ge_u (local.get $pos) (local.get $end)))
        (if (i64.le_u (i64.add (local.get $pos) (i64.const 8)) (local.get $end))
          (then
            (local.set $v (i64.load $m align=1 ({A} (local.get $pos))))
            (if (i64.ne (local.get $v) (i64.const 0))   ;; little-endian: the lowest set bit is in the first non-zero byte
              (then (return (i64.add (local.get $pos) (i64.shr_u (i64.ctz (local.get $v)) (i64.const 3))))))
            (local.set $pos (i64.add (local.get $pos) (i64.const 8)))
            (block $sparse
              (loop $blocks
                (br_if $sparse (i64.gt_u (i64.add (local.get $pos) (i64.const 64)) (local.get $end)))
                (br_if $sparse (i64.ne (i64.or
                  (i64.or (i64.or (i64.load $m align=1 ({A} (local.get $pos)))
                                  (i64.load $m offset=8 align=1 ({A} (local.get $pos))))
                          (i64.or (i64.load $m offset=16 align=1 ({A} (local.get $pos)))
                                  (i64.load $m offset=24 align=1 ({A} (local.get $pos)))))
                  (i64.or (i64.or (i64.load $m offset=32 align=1 ({A} (local.get $pos)))
                                  (i64.load $m offset=40 align=1 ({A} (local.get $pos))))
                          (i64.or (i64.load $m offset=48 align=1 ({A} (local.get $pos)))
                                  (i64.load $m offset=56 align=1 ({A} (local.get $pos))))))
                  (i64.const 0)))
                (local.set $pos (i64.add (local.get $pos) (i64.const 64)))
                (br $blocks)))
            (br $zeros)))
        (br_if $done (i32.load8_u $m ({A} (local.get $pos))))
        (local.set $pos (i64.add (local.get $pos) (i64.const 1)))
        (br $zeros)))
    (local.get $pos))

  ;; record [s, e) as record n; the new count, or 0 after setting `resume` to e once cap are held
  (func $record (param $n i32) (param $s i64) (param $e i64) (param $cap i32) (result i32)
    (i64.store $o (i32.shl (local.get $n) (i32.const 4)) (local.get $s))
    (i64.store $o offset=8 (i32.shl (local.get $n) (i32.const 4)) (local.get $e))
    (local.set $n (i32.add (local.get $n) (i32.const 1)))
    (if (i32.ge_u (local.get $n) (local.get $cap))
      (then (global.set $resume (local.get $e)) (return (i32.const 0))))
    (local.get $n))

  (func (export "scan") (param $from i64) (param $to i64) (param $page i64) (param $cap i32) (result i32)
    (local $pos i64) (local $pend i64) (local $s i64) (local $v i64) (local $n i32) (local $next i32)
    (local.set $pos (local.get $from))
    (block $stop
      (loop $pages
        (br_if $stop (i64.ge_u (local.get $pos) (local.get $to)))
        (local.set $pend (i64.add (i64.sub (local.get $pos) (i64.rem_u (local.get $pos) (local.get $page)))
                                  (local.get $page)))
        (if (i64.gt_u (local.get $pend) (local.get $to)) (then (local.set $pend (local.get $to))))
        (block $page_done
          (loop $runs
            (local.set $pos (call $skip_zeros (local.get $pos) (local.get $pend)))
            (br_if $page_done (i64.ge_u (local.get $pos) (local.get $pend)))
            (local.set $s (local.get $pos))
            ;; skip non-zeros: 8 bytes at a time while no byte is zero; the first zero byte of a
            ;; word is the lowest byte flagged by (v - 0x01..01) & ~v & 0x80..80 (a false flag can
            ;; only follow a true one)
            (block $run_end
              (loop $nonzeros
                (br_if $run_end (i64.ge_u (local.get $pos) (local.get $pend)))
                (if (i64.le_u (i64.add (local.get $pos) (i64.const 8)) (local.get $pend))
                  (then
                    (local.set $v (i64.load $m align=1 ({A} (local.get $pos))))
                    (local.set $v (i64.and (i64.and (i64.sub (local.get $v) (i64.const 0x0101010101010101))
                                                    (i64.xor (local.get $v) (i64.const -1)))
                                           (i64.const 0x8080808080808080)))
                    (if (i64.eqz (local.get $v))
                      (then (local.set $pos (i64.add (local.get $pos) (i64.const 8))) (br $nonzeros)))
                    (local.set $pos (i64.add (local.get $pos) (i64.shr_u (i64.ctz (local.get $v)) (i64.const 3))))
                    (br $run_end)))
                (br_if $run_end (i32.eqz (i32.load8_u $m ({A} (local.get $pos)))))
                (local.set $pos (i64.add (local.get $pos) (i64.const 1)))
                (br $nonzeros)))
            (local.set $next (call $record (local.get $n) (local.get $s) (local.get $pos) (local.get $cap)))
            (if (i32.eqz (local.get $next)) (then (return (local.get $cap))))
            (local.set $n (local.get $next))
            (br $runs)))
        (local.set $pos (local.get $pend))
        (br $pages)))
    (global.set $resume (local.get $to))
    (local.get $n))

  (func (export "scan_joined") (param $from i64) (param $to i64) (param $cap i32) (result i32)
    (local $pos i64) (local $s i64) (local $v i64) (local $z i64) (local $w i64) (local $zeros i64)
    (local $n i32) (local $next i32)
    (local.set $pos (local.get $from))
    (block $stop
      (loop $runs
        (local.set $pos (call $skip_zeros (local.get $pos) (local.get $to)))
        (br_if $stop (i64.ge_u (local.get $pos) (local.get $to)))
        (local.set $s (local.get $pos))
        (block $run_end
          ;; per word: $z has 0x80 in each zero byte (exact: no borrow crosses a byte), and
          ;; z & z>>8 & z>>16 & z>>24 & z>>32 flags each of the word's first four bytes that
          ;; starts five zeros; so the word advances four bytes a step
          (loop $dense
            (if (i64.le_u (i64.add (local.get $pos) (i64.const 8)) (local.get $to))
              (then
                (local.set $v (i64.load $m align=1 ({A} (local.get $pos))))
                (local.set $z (i64.and (i64.xor (i64.or (i64.add (i64.and (local.get $v) (i64.const 0x7f7f7f7f7f7f7f7f))
                                                                  (i64.const 0x7f7f7f7f7f7f7f7f))
                                                          (local.get $v))
                                                  (i64.const -1))
                                       (i64.const 0x8080808080808080)))
                (local.set $w (i64.and (local.get $z) (i64.shr_u (local.get $z) (i64.const 8))))
                (local.set $w (i64.and (i64.and (local.get $w) (i64.shr_u (local.get $w) (i64.const 16)))
                                       (i64.shr_u (local.get $z) (i64.const 32))))
                (if (i64.ne (local.get $w) (i64.const 0))
                  (then
                    (local.set $pos (i64.add (local.get $pos) (i64.shr_u (i64.ctz (local.get $w)) (i64.const 3))))
                    (br $run_end)))
                (local.set $pos (i64.add (local.get $pos) (i64.const 4)))
                (br $dense))))
          ;; fewer than 8 bytes before $to: byte by byte from where no five-zero window was ruled
          ;; out yet (4 back, not before the run's start); at $to the run ends before its zeros
          (if (i64.ge_u (local.get $pos) (i64.add (local.get $s) (i64.const 4)))
            (then (local.set $pos (i64.sub (local.get $pos) (i64.const 4))))
            (else (local.set $pos (local.get $s))))
          (local.set $zeros (i64.const 0))
          (loop $tail
            (if (i64.ge_u (local.get $pos) (local.get $to))
              (then (local.set $pos (i64.sub (local.get $pos) (local.get $zeros))) (br $run_end)))
            (if (i32.load8_u $m ({A} (local.get $pos)))
              (then (local.set $zeros (i64.const 0)))
              (else
                (local.set $zeros (i64.add (local.get $zeros) (i64.const 1)))
                (if (i64.eq (local.get $zeros) (i64.const 5))
                  (then (local.set $pos (i64.sub (local.get $pos) (i64.const 4))) (br $run_end)))))
            (local.set $pos (i64.add (local.get $pos) (i64.const 1)))
            (br $tail)))
        (local.set $next (call $record (local.get $n) (local.get $s) (local.get $pos) (local.get $cap)))
        (if (i32.eqz (local.get $next)) (then (return (local.get $cap))))
        (local.set $n (local.get $next))
        (br $runs)))
    (global.set $resume (local.get $to))
    (local.get $n)))
