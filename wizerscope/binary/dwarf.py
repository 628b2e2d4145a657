"""The static variables a module's DWARF describes: name, address in linear memory, size.

A Wasm producer with debug info (clang ``-g``) writes the DWARF sections as custom sections named
``.debug_info``, ``.debug_abbrev``, ``.debug_str`` and so on, in the same encoding as in an ELF
file, with addresses that are linear-memory offsets. pyelftools reads DWARF from raw section
bytes, so we hand it those payloads rather than decoding DWARF ourselves. Only variables with a
fixed address (``DW_OP_addr`` / ``DW_OP_addrx``) and a known size are kept: they are what the
anatomy can place in the snapshot. Without DWARF the data segments' names stand in where they
name one variable each (``.rodata.crc_table``, as ``--no-merge-data-segments`` leaves them).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from .module import Module
from .types import CUSTOM

_SECTIONS = ("info", "aranges", "abbrev", "frame", "eh_frame", "str", "loc", "ranges", "line", "pubtypes",
             "pubnames", "addr", "str_offsets", "line_str", "loclists", "rnglists", "sup", "gnu_debugaltlink",
             "types")
_DW_OP_ADDR = 0x03
_DW_OP_ADDRX = 0xA1
_DW_OP_CONSTX = 0xA2
_QUALIFIERS = ("DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type", "DW_TAG_restrict_type",
               "DW_TAG_atomic_type")
_STATIC_PREFIXES = (".rodata.", ".data.", ".bss.", ".tdata.")
# pyelftools reads about 0.4 MB of .debug_info a second: beyond this the report would wait too long
MAX_DEBUG_INFO = 8 << 20


@dataclass(frozen=True)
class Variable:
    """One variable at a fixed place in linear memory 0."""

    name: str
    address: int
    size: int


def has_dwarf(m: Module) -> bool:
    return any(s.id == CUSTOM and s.custom_name == ".debug_info" for s in m.sections)


def debug_info_size(m: Module) -> int:
    return sum(len(s.payload) for s in m.sections if s.id == CUSTOM and s.custom_name == ".debug_info")


def variables(m: Module) -> list[Variable]:
    """Every fixed-address variable, by address: from DWARF when present (a malformed DWARF reads as
    none, and one above MAX_DEBUG_INFO is not read), else from data segments named after one
    variable each."""
    if has_dwarf(m):
        if debug_info_size(m) > MAX_DEBUG_INFO:
            return []
        try:
            return sorted(_dwarf_variables(m), key=lambda v: (v.address, v.name))
        except Exception:          # pyelftools raises many kinds on bad input; debug info is optional
            return []
    return _segment_variables(m)


def _segment_variables(m: Module) -> list[Variable]:
    """Segments whose name is ``.rodata.NAME`` (and similar) at a constant offset in memory 0."""
    from .instructions import const_bits
    out = []
    for i, seg in enumerate(m.segments):
        name = m.names.data_segments.get(i, "")
        prefix = next((p for p in _STATIC_PREFIXES if name.startswith(p)), None)
        if prefix is None or seg.mode != "active" or seg.memory != 0:
            continue
        try:
            at = const_bits(seg.offset_expr)
        except Exception:
            continue
        if at is not None:
            out.append(Variable(name[len(prefix):], at, seg.length))
    return out


def _dwarf_info(m: Module):
    from elftools.dwarf.dwarfinfo import DebugSectionDescriptor, DWARFInfo, DwarfConfig
    raw = {s.custom_name: _content(s) for s in m.sections if s.id == CUSTOM and s.custom_name}

    def desc(short: str):
        data = raw.get(f".debug_{short}" if short not in ("eh_frame", "gnu_debugaltlink") else f".{short}")
        return None if data is None else DebugSectionDescriptor(io.BytesIO(data), short, None, len(data), 0)
    return DWARFInfo(DwarfConfig(little_endian=True, machine_arch="wasm", default_address_size=4),
                     *(desc(s) for s in _SECTIONS))


def _content(sec) -> bytes:
    """A custom section's bytes after its name."""
    from .reader import Reader
    r = Reader(sec.payload, sec.payload_offset)
    r.name()
    return bytes(sec.payload[r.pos:])


def _dwarf_variables(m: Module) -> list[Variable]:
    info = _dwarf_info(m)
    out: dict[tuple[str, int], Variable] = {}
    for cu in info.iter_CUs():
        for die in cu.iter_DIEs():
            if die.tag != "DW_TAG_variable" or "DW_AT_location" not in die.attributes:
                continue
            v = _variable(info, cu, die)
            if v is not None:
                out[(v.name, v.address)] = v
    return list(out.values())


def _variable(info, cu, die) -> Variable | None:
    name = die.attributes.get("DW_AT_name")
    loc = die.attributes["DW_AT_location"]
    if name is None or not isinstance(loc.value, list) or not loc.value:
        return None
    address = _address(info, cu, loc.value)
    size = _type_size(die)
    if address is None or not size:
        return None
    text = name.value.decode("utf-8", "replace") if isinstance(name.value, bytes) else str(name.value)
    return Variable(text, address, size)


def _address(info, cu, expr: list[int]) -> int | None:
    """The address of a location expression that is just one address operation."""
    op = expr[0]
    if op == _DW_OP_ADDR and len(expr) >= 5:
        return int.from_bytes(bytes(expr[1:5]), "little")
    if op in (_DW_OP_ADDRX, _DW_OP_CONSTX):
        index, _ = _uleb(expr, 1)
        base = cu.get_top_DIE().attributes.get("DW_AT_addr_base")
        return info.get_addr(cu, index) if base is not None else None
    return None


def _uleb(expr: list[int], at: int) -> tuple[int, int]:
    value = shift = 0
    while at < len(expr):
        b = expr[at]
        at += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            break
    return value, at


def _type_size(die, depth: int = 0) -> int | None:
    """Bytes of the variable's type: qualifiers and typedefs followed, arrays multiplied out."""
    if depth > 32 or "DW_AT_type" not in die.attributes:
        return None
    t = die.get_DIE_from_attribute("DW_AT_type")
    if t.tag in _QUALIFIERS:
        return _type_size(t, depth + 1)
    if t.tag == "DW_TAG_array_type":
        element = _type_size(t, depth + 1)
        count = 1
        for sub in t.iter_children():
            if sub.tag == "DW_TAG_subrange_type":
                n = _subrange_count(sub)
                if n is None:
                    return None
                count *= n
        return element * count if element else None
    size = t.attributes.get("DW_AT_byte_size")
    return size.value if size is not None and isinstance(size.value, int) else None


def _subrange_count(sub) -> int | None:
    if "DW_AT_count" in sub.attributes and isinstance(sub.attributes["DW_AT_count"].value, int):
        return sub.attributes["DW_AT_count"].value
    upper = sub.attributes.get("DW_AT_upper_bound")
    if upper is not None and isinstance(upper.value, int):
        lower = sub.attributes.get("DW_AT_lower_bound")
        return upper.value - (lower.value if lower is not None else 0) + 1
    return None
