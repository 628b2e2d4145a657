"""What a person explores, read by the TUI and by ``wizerscope inspect``: the :class:`Session`
facade (:mod:`.session`) and the plain rows (:mod:`.rows`), tree (:mod:`.tree`), init candidates
(:mod:`.candidates`), rewrite changes (:mod:`.changes`) and diffs (:mod:`.diff`) it shows."""
