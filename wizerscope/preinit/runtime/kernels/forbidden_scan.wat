;; The forbidden-instruction scan, in WebAssembly: decoding every instruction of a large code section
;; in Python runs at ~6 MB/s; here it runs at hundreds of MB/s.
;;
;; Memory layout (written by opscan.py before calling `scan`):
;;   [0, 256)     shape of each one-byte opcode (see SHAPE_* below; 255 = unknown)
;;   [256, 288)   number of LEB immediates of each 0xFC sub-opcode (255 = unknown)
;;   [288, 320)   number of LEB immediates of each 0xFB sub-opcode (254 = br_on_cast form, 255 = unknown)
;;   [1024, ...)  the code section payload, then the output records
;; `scan(code, len, out, cap)` walks every body and writes (body index, offset in payload, code)
;; triples of i32 for every forbidden instruction; it returns the record count, or -1 when the
;; bytes do not decode (the caller then falls back to the Python scanner, which explains why).
;; code: 0x26 = table.set, 0x100|sub for 0xFC sub-opcodes, 0x200|sub for 0xFB sub-opcodes.
(module
  (memory (export "memory") 1)
  (global $pos (export "pos") (mut i32) (i32.const 0))

  (func $byte (result i32)
    (local $b i32)
    (local.set $b (i32.load8_u (global.get $pos)))
    (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
    (local.get $b))

  (func $skip_leb
    (loop $l
      (br_if $l (i32.and (call $byte) (i32.const 0x80)))))

  (func $u32 (result i32)
    (local $r i32) (local $shift i32) (local $b i32)
    (loop $l
      (local.set $b (call $byte))
      (local.set $r (i32.or (local.get $r)
        (i32.shl (i32.and (local.get $b) (i32.const 0x7f)) (local.get $shift))))
      (local.set $shift (i32.add (local.get $shift) (i32.const 7)))
      (br_if $l (i32.and (i32.shr_u (local.get $b) (i32.const 7))
                         (i32.lt_u (local.get $shift) (i32.const 35)))))
    (local.get $r))

  (func $skip_valtype
    (local $b i32)
    (local.set $b (call $byte))
    (if (i32.or (i32.eq (local.get $b) (i32.const 0x63)) (i32.eq (local.get $b) (i32.const 0x64)))
      (then (call $skip_leb))))

  (func $skip_blocktype
    (local $b i32)
    (local.set $b (i32.load8_u (global.get $pos)))
    (if (i32.or (i32.eq (local.get $b) (i32.const 0x63)) (i32.eq (local.get $b) (i32.const 0x64)))
      (then (global.set $pos (i32.add (global.get $pos) (i32.const 1)))))
    (call $skip_leb))

  (func $skip_memarg
    (if (i32.and (call $u32) (i32.const 0x40)) (then (call $skip_leb)))
    (call $skip_leb))

  (func $skip_n_leb (param $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (call $skip_leb)
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l))))

  (func (export "scan") (param $code i32) (param $len i32) (param $out i32) (param $cap i32) (result i32)
    (local $end i32) (local $nbodies i32) (local $i i32) (local $bend i32) (local $n i32)
    (local $op i32) (local $shape i32) (local $sub i32) (local $count i32) (local $at i32) (local $k i32)
    (local.set $end (i32.add (local.get $code) (local.get $len)))
    (global.set $pos (local.get $code))
    (local.set $nbodies (call $u32))
    (block $fail
      (block $finished
        (loop $bodies
          (br_if $finished (i32.ge_u (local.get $i) (local.get $nbodies)))
          (local.set $n (call $u32))
          (local.set $bend (i32.add (global.get $pos) (local.get $n)))
          (br_if $fail (i32.gt_u (local.get $bend) (local.get $end)))
          ;; locals
          (local.set $k (call $u32))
          (block $ldone
            (loop $locals
              (br_if $ldone (i32.eqz (local.get $k)))
              (call $skip_leb)
              (call $skip_valtype)
              (local.set $k (i32.sub (local.get $k) (i32.const 1)))
              (br $locals)))
          ;; instructions
          (block $bdone
            (loop $instrs
              (br_if $bdone (i32.ge_u (global.get $pos) (local.get $bend)))
              (local.set $at (global.get $pos))
              (local.set $op (call $byte))
              (local.set $shape (i32.load8_u (local.get $op)))
              (block $next
                (br_if $next (i32.eqz (local.get $shape)))                            ;; 0 none
                (if (i32.eq (local.get $shape) (i32.const 1)) (then (call $skip_leb) (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 2))
                  (then (call $skip_leb) (call $skip_leb) (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 3)) (then (call $skip_blocktype) (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 4))                          ;; br_table
                  (then (call $skip_n_leb (i32.add (call $u32) (i32.const 1))) (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 5)) (then (call $skip_memarg) (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 8))
                  (then (global.set $pos (i32.add (global.get $pos) (i32.const 4))) (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 9))
                  (then (global.set $pos (i32.add (global.get $pos) (i32.const 8))) (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 10))                         ;; select t*
                  (then
                    (local.set $k (call $u32))
                    (block $sd (loop $sl
                      (br_if $sd (i32.eqz (local.get $k)))
                      (call $skip_valtype)
                      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                      (br $sl)))
                    (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 11))                         ;; try_table
                  (then
                    (call $skip_blocktype)
                    (local.set $k (call $u32))
                    (block $td (loop $tl
                      (br_if $td (i32.eqz (local.get $k)))
                      (if (i32.lt_u (call $byte) (i32.const 2)) (then (call $skip_leb)))
                      (call $skip_leb)
                      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                      (br $tl)))
                    (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 12))                         ;; table.set
                  (then
                    (call $skip_leb)
                    (local.set $sub (i32.const 0x26))
                    (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 13))                         ;; 0xFC
                  (then
                    (local.set $sub (call $u32))
                    (br_if $fail (i32.ge_u (local.get $sub) (i32.const 32)))
                    (local.set $k (i32.load8_u offset=256 (local.get $sub)))
                    (br_if $fail (i32.eq (local.get $k) (i32.const 255)))
                    (call $skip_n_leb (local.get $k))
                    (if (i32.or (i32.or (i32.eq (local.get $sub) (i32.const 9))
                                        (i32.and (i32.ge_u (local.get $sub) (i32.const 12))
                                                 (i32.le_u (local.get $sub) (i32.const 15))))
                                (i32.eq (local.get $sub) (i32.const 17)))
                      (then (local.set $sub (i32.or (local.get $sub) (i32.const 0x100))) (br $next)))
                    (local.set $sub (i32.const 0))
                    (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 14))                         ;; 0xFD SIMD
                  (then
                    (local.set $sub (call $u32))
                    (if (i32.or (i32.le_u (local.get $sub) (i32.const 11))
                                (i32.or (i32.eq (local.get $sub) (i32.const 92)) (i32.eq (local.get $sub) (i32.const 93))))
                      (then (call $skip_memarg) (local.set $sub (i32.const 0)) (br $next)))
                    (if (i32.or (i32.eq (local.get $sub) (i32.const 12)) (i32.eq (local.get $sub) (i32.const 13)))
                      (then (global.set $pos (i32.add (global.get $pos) (i32.const 16)))
                            (local.set $sub (i32.const 0)) (br $next)))
                    (if (i32.and (i32.ge_u (local.get $sub) (i32.const 21)) (i32.le_u (local.get $sub) (i32.const 34)))
                      (then (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
                            (local.set $sub (i32.const 0)) (br $next)))
                    (if (i32.and (i32.ge_u (local.get $sub) (i32.const 84)) (i32.le_u (local.get $sub) (i32.const 91)))
                      (then (call $skip_memarg) (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
                            (local.set $sub (i32.const 0)) (br $next)))
                    (br_if $fail (i32.gt_u (local.get $sub) (i32.const 0x113)))
                    (local.set $sub (i32.const 0))
                    (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 15))                         ;; 0xFB GC
                  (then
                    (local.set $sub (call $u32))
                    (br_if $fail (i32.ge_u (local.get $sub) (i32.const 32)))
                    (local.set $k (i32.load8_u offset=288 (local.get $sub)))
                    (br_if $fail (i32.eq (local.get $k) (i32.const 255)))
                    (if (i32.eq (local.get $k) (i32.const 254))
                      (then (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
                            (local.set $k (i32.const 3))))
                    (call $skip_n_leb (local.get $k))
                    (if (i32.or (i32.eq (local.get $sub) (i32.const 5))
                                (i32.or (i32.eq (local.get $sub) (i32.const 14))
                                        (i32.and (i32.ge_u (local.get $sub) (i32.const 16))
                                                 (i32.le_u (local.get $sub) (i32.const 19)))))
                      (then (local.set $sub (i32.or (local.get $sub) (i32.const 0x200))) (br $next)))
                    (local.set $sub (i32.const 0))
                    (br $next)))
                (if (i32.eq (local.get $shape) (i32.const 16))                         ;; 0xFE atomics
                  (then
                    (if (i32.eq (call $u32) (i32.const 3))
                      (then (global.set $pos (i32.add (global.get $pos) (i32.const 1))))
                      (else (call $skip_memarg)))
                    (br $next)))
                (br $fail))                                                            ;; unknown opcode
              ;; record a forbidden instruction found above
              (if (local.get $sub)
                (then
                  (br_if $fail (i32.ge_u (local.get $count) (local.get $cap)))
                  (i32.store (local.get $out) (local.get $i))
                  (i32.store offset=4 (local.get $out) (i32.sub (local.get $at) (local.get $code)))
                  (i32.store offset=8 (local.get $out) (local.get $sub))
                  (local.set $out (i32.add (local.get $out) (i32.const 12)))
                  (local.set $count (i32.add (local.get $count) (i32.const 1)))
                  (local.set $sub (i32.const 0))))
              (br $instrs)))
          (br_if $fail (i32.ne (global.get $pos) (local.get $bend)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $bodies)))
      (return (local.get $count)))
    (i32.const -1)))
