;; A tiny module whose init function does some work worth snapshotting:
;; it fills a lookup table of squares and counts how many times init ran.
(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (global $checksum (mut i64) (i64.const 0))
  (func (export "wizer-initialize")
    (local $i i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (loop $fill
      (i32.store (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))
                 (i32.mul (local.get $i) (local.get $i)))
      (global.set $checksum (i64.add (global.get $checksum)
                                     (i64.extend_i32_u (i32.mul (local.get $i) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 256)))))
  (func (export "square") (param $n i32) (result i32)
    (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $n) (i32.const 2)))))
  (func (export "calls") (result i32) (global.get $calls))
  (func (export "checksum") (result i64) (global.get $checksum))
  (data (i32.const 16) "wizerscope example"))
