;; A WASI command: `_start` prints a line and there is no `wizer-initialize`.
;; Open it to see what the inspector says when the default init export is missing: nothing is
;; preselected, the Rejections tab lists the candidates, and choosing `_start` explains that the
;; output would lose its entry point (keep it exported, or rename another export to `_start`).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $greeted (mut i32) (i32.const 0))
  (data (i32.const 16) "hello from _start\n")
  (func $setup (export "setup")
    (global.set $greeted (i32.const 1))
    (i32.store (i32.const 64) (i32.const 0x5eed)))
  (func (export "_start")
    (call $setup)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 18))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
