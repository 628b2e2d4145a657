;; A component with a nested component: the inner component owns a core module whose global the
;; init function sets. `wasmtime wizer` refuses nested components with modules; wizerscope
;; pre-initializes them (the Rejections tab lists it as a reference gap).
(component
  (component $inner
    (core module $m
      (memory (export "memory") 1)
      (global $ready (mut i32) (i32.const 0))
      (func (export "init") (global.set $ready (i32.const 42)) (i32.store (i32.const 64) (i32.const 7)))
      (func (export "ready") (result i32) (global.get $ready)))
    (core instance $i (instantiate $m))
    (func $init (canon lift (core func $i "init")))
    (func $ready (result u32) (canon lift (core func $i "ready")))
    (export "wizer-initialize" (func $init))
    (export "ready" (func $ready)))
  (instance $c (instantiate $inner))
  (export "wizer-initialize" (func $c "wizer-initialize"))
  (export "ready" (func $c "ready")))
