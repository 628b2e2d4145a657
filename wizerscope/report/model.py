"""The report dataclasses. Their field names are the JSON keys (scripts rely on them; a test pins
them), so renaming a field is a change of the report's ``schema``. Records the pre-initializer
already keeps as plain dataclasses (a reference gap, a determinism difference) are used as they
are."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..preinit.anatomy import Anatomy
from ..preinit.determinism import GlobalDifference, MemoryDifference
from ..preinit.outputdiff import GlobalChange, MemoryChange, SectionChange
from ..preinit.reference_gaps import ReferenceGap
from ..preinit.startup import Startup

SCHEMA = 1


@dataclass
class GlobalReport:
    index: int
    name: str | None
    type: str
    before: str          # the initializer, or the state just before init when that was taken
    after: str
    changed: bool


@dataclass
class MemoryReport:
    index: int
    type: str
    pages_before: int
    pages_after: int
    bytes: int


@dataclass
class SegmentRecord:
    memory: int
    offset: int
    length: int


@dataclass
class SegmentsReport:
    raw_runs: int
    merged: int
    cap_merges: int
    merged_to_fit: int       # further merges so the output stays within 100,000 data segments
    final: int
    bytes: int
    list: list[SegmentRecord] = field(default_factory=list)     # the first LISTED_SEGMENTS


@dataclass
class RewriteReport:
    removed_exports: list[str]
    renamed_exports: list[tuple[str, str]]
    removed_start: int | None
    emptied_active_segments: int
    kept_passive_segments: int
    added_segments: int
    data_count: tuple[int, int] | None


@dataclass
class ModuleReport:
    """One snapshotted module: the core input (``path`` "", ``core_instance`` None) or an
    instantiated module of a component."""

    path: str
    core_instance: int | None
    copy_of: int | None
    globals: list[GlobalReport]
    memories: list[MemoryReport]
    segments: SegmentsReport
    rewrite: RewriteReport | None


@dataclass
class AccessorReport:
    ordinal: int
    component: str
    core_module: int
    core_instance: int
    core_export: str
    kind: str
    type: str
    wit: str
    funcs: dict[str, str]


@dataclass
class ComponentPart:
    """What only a component run has: its accessor table and the component-level rewrite."""

    accessors: list[AccessorReport]
    removed_exports: list[str]
    kept_core_exports: list[str]
    renumbered_funcs_from: int | None
    state_read: dict[str, int]


@dataclass
class HostModeReport:
    """Where init's clocks and randomness came from: the host's, or ``--deterministic`` ones."""

    deterministic: bool
    seed: int | None
    clock_epoch_s: int | None        # the wall clock's first reading, in seconds since 1970
    description: str


@dataclass
class RunReport:
    """``wizerscope init --json``. ``host_calls`` lists every host import init called, as
    ``{"import": "<module>.<name>", "calls": int}`` in the order of their first call."""

    kind: str
    init_func: str
    init_results: list[str]
    modules: list[ModuleReport]
    component: ComponentPart | None
    sizes: dict[str, int | float]     # input, output, output_gzip, snapshot bytes; snapshot_share
    timings: dict[str, float]
    compiler: str
    stdout: str
    stderr: str
    reference_gaps: list[ReferenceGap]
    host_mode: HostModeReport
    host_calls: list[dict]
    files_read_bytes: int            # bytes init read from files (not stdin)
    fuel_used: int | None            # with --fuel: what the start function and init consumed
    # one entry per snapshotted memory (preinit/anatomy.py): regions whose bytes add up to its snapshot bytes
    anatomy: list[Anatomy] = field(default_factory=list)
    startup: Startup | None = None   # with --measure-startup
    dead_stack_saved: int | None = None   # with --drop-dead-stack: snapshot bytes left out of the output
    notes: list[str] = field(default_factory=list)   # what the run did beyond the plain path (a retry, the cache left off)
    # where the init code came from: "compiled", "mapped" (wizerscope's code cache, docs/cache.md)
    # or "reused" (compiled earlier in the same process: the inspector's re-runs)
    code: str = "compiled"


@dataclass
class DeterminismReport:
    """``wizerscope init --check-determinism --json``."""

    kind: str
    init_func: str
    deterministic: bool
    instances_compared: int
    results: list[list[str]]
    globals: list[GlobalDifference]
    memories: list[MemoryDifference]
    host_mode: HostModeReport
    interventions: list[str]           # the sources varied to attribute causes ([] when none ran)


@dataclass
class RejectionReport:
    rule: str
    message: str
    item: str
    path: str
    offset: int | None
    hint: str
    context: list[tuple[int, str]]       # (offset, 16 bytes as hex) lines around ``offset``


@dataclass
class InspectionReport:
    """``wizerscope inspect --json``."""

    file: str
    kind: str
    size: int
    init_func: str
    structure: dict
    candidates: list[dict]
    globals: list[dict]
    memories: list[dict]
    instrumentation: list[dict]
    rejections: list[RejectionReport]
    reference_gaps: list[ReferenceGap]


@dataclass
class CheckReport:
    """``wizerscope init --check --json``."""

    file: str
    kind: str
    rejections: list[RejectionReport]
    reference_gaps: list[ReferenceGap]


@dataclass
class DiffReport:
    """``wizerscope diff A B --json``: ``identical`` is about the initial states (globals and memory
    bytes); ``sections`` lists the sections that differ in size or content either way."""

    a: str
    b: str
    identical: bool
    kind_a: str
    kind_b: str
    globals: list[GlobalChange]
    memories: list[MemoryChange]
    sections: list[SectionChange]
    modules_only_in_a: list[str]
    modules_only_in_b: list[str]
