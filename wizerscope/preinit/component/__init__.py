"""Pre-initializing components: the core pipeline applied to every instantiated core module.

Files mirror the core ones: ``check`` (SPEC §3.1 rules), ``instrument`` (accessors exported as
``wasmtime:wizer/access``), ``run`` (wasmtime components, WASI p2), ``wave`` (init calls),
``snapshot`` (the core snapshot through accessors), ``rewrite`` (the core rewrite per module),
``pipeline`` (all of it in one call).
"""
