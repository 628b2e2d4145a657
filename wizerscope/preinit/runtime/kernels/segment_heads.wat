;; The heads of a snapshot's data segments, encoded in one call (see segment_heads.py).
;;
;; `heads` reads $n offsets (u32) at $offsets and $n lengths (u32) at $lengths and writes, for
;; each pair, the encoding of
;; an active segment of memory 0 up to its bytes: 0x00, i32.const (0x41) with the offset as a
;; signed LEB128, end (0x0b), then the length as an unsigned LEB128, every LEB128 in the fewest
;; bytes (as every encoder writes them, the reference's too). The heads follow each other from
;; $out; $ends receives the end of each (u32, relative to $out). Returns the bytes written.
;; The caller passes offsets below 2^31 only (a larger one needs the 64-bit head).
(module
  (memory (export "memory") 1)

  ;; the signed LEB128 of the non-negative $v at $p; returns the position after it
  (func $sleb (param $p i32) (param $v i32) (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.lt_u (local.get $v) (i32.const 0x40)))
        (i32.store8 (local.get $p) (i32.or (i32.and (local.get $v) (i32.const 0x7f)) (i32.const 0x80)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $v (i32.shr_u (local.get $v) (i32.const 7)))
        (br $more)))
    (i32.store8 (local.get $p) (local.get $v))
    (i32.add (local.get $p) (i32.const 1)))

  ;; the unsigned LEB128 of $v at $p; returns the position after it
  (func $uleb (param $p i32) (param $v i32) (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.lt_u (local.get $v) (i32.const 0x80)))
        (i32.store8 (local.get $p) (i32.or (i32.and (local.get $v) (i32.const 0x7f)) (i32.const 0x80)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $v (i32.shr_u (local.get $v) (i32.const 7)))
        (br $more)))
    (i32.store8 (local.get $p) (local.get $v))
    (i32.add (local.get $p) (i32.const 1)))

  (func (export "heads") (param $offsets i32) (param $lengths i32) (param $n i32) (param $out i32) (param $ends i32) (result i32)
    (local $i i32) (local $p i32)
    (local.set $p (local.get $out))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store16 (local.get $p) (i32.const 0x4100))          ;; 0x00 (memory 0), 0x41 (i32.const)
        (local.set $p (call $sleb (i32.add (local.get $p) (i32.const 2)) (i32.load (local.get $offsets))))
        (i32.store8 (local.get $p) (i32.const 0x0b))
        (local.set $p (call $uleb (i32.add (local.get $p) (i32.const 1)) (i32.load (local.get $lengths))))
        (i32.store (local.get $ends) (i32.sub (local.get $p) (local.get $out)))
        (local.set $offsets (i32.add (local.get $offsets) (i32.const 4)))
        (local.set $lengths (i32.add (local.get $lengths) (i32.const 4)))
        (local.set $ends (i32.add (local.get $ends) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.sub (local.get $p) (local.get $out)))
)
