;; Rejected, and why: tables are not snapshotted, so no function may mutate one. `table.set`
;; appears at two sites (the Rejections tab shows one card listing both offsets), even though
;; init itself never runs `poke`: the check is static.
(module
  (table $t 1 externref)
  (memory (export "memory") 1)
  (func (export "wizer-initialize") (table.set $t (i32.const 0) (ref.null extern)))
  (func (export "poke") (table.set $t (i32.const 0) (ref.null extern))))
