;; A WASI reactor: `_initialize` (the C runtime's constructors) runs first, then the init
;; function builds on what it set up. Pre-initialization runs both and removes both exports.
(module
  (memory (export "memory") 1)
  (global $ctors_ran (mut i32) (i32.const 0))
  (global $greeting_len (mut i32) (i32.const 0))
  (func (export "_initialize")
    (global.set $ctors_ran (i32.const 1)))
  (func (export "wizer-initialize")
    ;; "hello" at 256, only if the constructors ran first
    (if (global.get $ctors_ran)
      (then
        (i32.store8 (i32.const 256) (i32.const 104))
        (i32.store8 (i32.const 257) (i32.const 101))
        (i32.store8 (i32.const 258) (i32.const 108))
        (i32.store8 (i32.const 259) (i32.const 108))
        (i32.store8 (i32.const 260) (i32.const 111))
        (global.set $greeting_len (i32.const 5)))))
  (func (export "greeting_len") (result i32) (global.get $greeting_len)))
