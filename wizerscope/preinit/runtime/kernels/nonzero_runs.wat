;; Find the non-zero runs of a live linear memory without copying it out.
;;
;; Instantiated in the init instance's own store with that memory as its import, so it reads the
;; memory in place at native speed (zero words are skipped eight bytes at a time, 64 where they can). Runs never
;; cross a page boundary, exactly like the reference's per-page scan. Records are (start, end)
;; i64 pairs written to this module's own memory `out`; when `out` is full the scan stops and
;; `resume` says where to continue. With `gap` >= 0 a run that starts at most `gap` bytes after the
;; previous record's end extends that record instead (the snapshot's first join, done here so
;; `out` fills with joined runs: componentize-py needs 50 calls instead of 343); -1 joins nothing. `{MEMTYPE}` and `{A}` are filled in per memory type
;; (32/64-bit index, custom page size) by runscan.py.
(module
  (import "target" "memory" (memory $m {MEMTYPE}))
  (memory $o (export "out") 1)
  (global $resume (export "resume") (mut i64) (i64.const 0))

  (func (export "scan") (param $from i64) (param $to i64) (param $page i64) (param $cap i32) (param $gap i64)
    (result i32)
    (local $pos i64) (local $pend i64) (local $s i64) (local $v i64) (local $n i32)
    (local.set $pos (local.get $from))
    (block $stop
      (loop $pages
        (br_if $stop (i64.ge_u (local.get $pos) (local.get $to)))
        (local.set $pend (i64.add (i64.sub (local.get $pos) (i64.rem_u (local.get $pos) (local.get $page)))
                                  (local.get $page)))
        (if (i64.gt_u (local.get $pend) (local.get $to)) (then (local.set $pend (local.get $to))))
        (block $page_done
          (loop $runs
            ;; skip zeros: a word at a time, the first non-zero byte of a word found by its
            ;; trailing zero count (no byte loop), and after a zero word 64 bytes at a time while
            ;; they are all zero (most gaps are a few bytes: the word comes first). The loads are
            ;; inline: Winch compiles this and inlines nothing.
            (block $found
              (loop $zeros
                (br_if $page_done (i64.ge_u (local.get $pos) (local.get $pend)))
                (if (i64.le_u (i64.add (local.get $pos) (i64.const 8)) (local.get $pend))
                  (then
                    (local.set $v (i64.load $m align=1 ({A} (local.get $pos))))
                    (if (i64.ne (local.get $v) (i64.const 0))
                      (then
                        ;; little-endian: the lowest set bit is in the first non-zero byte
                        (local.set $pos (i64.add (local.get $pos) (i64.shr_u (i64.ctz (local.get $v)) (i64.const 3))))
                        (br $found)))
                    (local.set $pos (i64.add (local.get $pos) (i64.const 8)))
                    (block $sparse
                      (loop $blocks
                        (br_if $sparse (i64.gt_u (i64.add (local.get $pos) (i64.const 64)) (local.get $pend)))
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
                (br_if $found (i32.load8_u $m ({A} (local.get $pos))))
                (local.set $pos (i64.add (local.get $pos) (i64.const 1)))
                (br $zeros)))
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
            (if (i32.ne (local.get $n) (i32.const 0))
              (then
                (if (i64.le_s (i64.sub (local.get $s) (i64.load $o offset=8 (i32.shl (i32.sub (local.get $n)
                                (i32.const 1)) (i32.const 4)))) (local.get $gap))
                  (then   ;; close enough to the previous record: extend it
                    (i64.store $o offset=8 (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 4))
                               (local.get $pos))
                    (br $runs)))))
            (i64.store $o (i32.shl (local.get $n) (i32.const 4)) (local.get $s))
            (i64.store $o offset=8 (i32.shl (local.get $n) (i32.const 4)) (local.get $pos))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (if (i32.ge_u (local.get $n) (local.get $cap))
              (then (global.set $resume (local.get $pos)) (return (local.get $n))))
            (br $runs)))
        (local.set $pos (local.get $pend))
        (br $pages)))
    (global.set $resume (local.get $to))
    (local.get $n)))
