"""WAT inputs for what the inspector must say truthfully: a command module without the default
init export, an init that calls an import, one that grows memory, repeated rejection sites."""
from __future__ import annotations

# a WASI-style command: `_start` and a helper, no `wizer-initialize`
COMMAND = """(module
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "_start") (global.set $g (i32.const 1)))
  (func (export "setup") (global.set $g (i32.const 2))))
"""

CALLS_IMPORT = """(module
  (import "env" "host_fn" (func $f))
  (memory (export "memory") 1)
  (func (export "wizer-initialize") (call $f)))
"""

# init grows the memory by one page and writes into the new page
GROWS = """(module
  (memory (export "memory") 1)
  (func (export "wizer-initialize")
    (drop (memory.grow (i32.const 1)))
    (i32.store8 (i32.const 65540) (i32.const 9))))
"""

# three `table.set` sites, one reason
TABLE_SETS = """(module
  (table $t 1 externref)
  (memory (export "memory") 1)
  (func (export "wizer-initialize") (table.set $t (i32.const 0) (ref.null extern))
    (table.set $t (i32.const 0) (ref.null extern)))
  (func (export "other") (table.set $t (i32.const 0) (ref.null extern))))
"""

BAD_WAT = """(module
  (func (export "wizer-initialize")
    (i32.const 1)
    (no.such.instruction)))
"""
