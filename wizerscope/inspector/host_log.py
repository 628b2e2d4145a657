"""What init asked of the host, for the inspector's run log: the host mode, every host call with
its count, bytes read from files, fuel used and how each memory grew."""
from __future__ import annotations

from ..preinit.pipeline import Run
from ..preinit.runtime.init_report import InitReport
from ..preinit.runtime.sandbox import host_mode
from ..preinit.options import Options


def host_lines(options: Options, init: InitReport, run: Run | None) -> list[str]:
    """Lines for the run log (empty lines are left out)."""
    try:
        mode = host_mode(options).describe()
    except Exception as e:          # a bad SOURCE_DATE_EPOCH: the run's own error says it already
        mode = str(e)
    lines = [f"host: {mode}"]
    calls = init.host.call_list()
    if calls:
        lines.append("host calls: " + ", ".join(f"{name} x{n}" for name, n in calls))
    elif options.wasi:
        lines.append("host calls: none")
    if init.host.file_bytes_read:
        lines.append(f"read from files: {init.host.file_bytes_read:,} bytes")
    if init.fuel_used is not None:
        lines.append(f"fuel used: {init.fuel_used:,} of {options.fuel:,}")
    if run is not None:
        grown = [f"{ur.unit.title + ' / ' if ur.unit.title else ''}memory {ms.index}: {ms.type.minimum} -> {ms.pages} pages"
                 for ur in run.units for ms in ur.after.memories if ms.pages != ms.type.minimum]
        if grown:
            lines.append("memory growth: " + ", ".join(grown))
    return lines
