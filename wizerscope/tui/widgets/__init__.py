"""The inspector's widgets, one job each: structure tree, tables, hex diff, run panel, rejections."""
