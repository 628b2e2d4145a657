"""Pre-initializing components: the core stages applied to every instantiated core module.

Files mirror the core ones and build on them: ``check`` (the reference's component rules, then
the core check per module), ``specialise`` (one copy of a definition per instance), ``instrument``
(the core instrumentation per module, plus accessors exported as ``wasmtime:wizer/access``),
``run`` (wasmtime components, WASI p2), ``wave`` (init calls with arguments), ``snapshot`` (the
core snapshot through the accessors), ``rewrite`` (the core rewrite per module), ``pipeline``
(the stages for the driver), ``reference_gaps``; ``structure`` holds facts several of them need.
"""
