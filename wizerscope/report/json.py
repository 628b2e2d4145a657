"""The one JSON writer: any report of :mod:`.model` as plain data, with the ``schema`` version."""
from __future__ import annotations

import dataclasses
import json as _json

from .model import SCHEMA


def as_json(report) -> dict:
    """``report`` (a dataclass of :mod:`.model`) as a dict, ``schema`` first."""
    return {"schema": SCHEMA, **dataclasses.asdict(report)}


def dumps(report) -> str:
    return _json.dumps(as_json(report), indent=2)
