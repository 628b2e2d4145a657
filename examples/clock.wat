;; An init that reads the clock: the snapshot freezes the time pre-initialization ran at, so
;; two runs differ. Run it with WASI ("WASI during init"), then the determinism check (d) shows
;; the differing bytes with their cause (clock); "deterministic" fixes the clock and the output.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (global $built_at (mut i64) (i64.const 0))
  (func (export "wizer-initialize")
    (drop (call $clock (i32.const 0) (i64.const 1000) (i32.const 128)))
    (global.set $built_at (i64.load (i32.const 128))))
  (func (export "built_at") (result i64) (global.get $built_at)))
