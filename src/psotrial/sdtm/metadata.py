"""Dataset and variable metadata shared by SDTM and ADaM builders, the XPT writer,
Define-XML and the conformance checks: one source of truth per variable.

Core designations and label/length limits follow SDTMIG 3.4 section 2.5 and ADaMIG 1.3
section 3; the XPT v5 limits (name <= 8, label <= 40, character value <= 200 bytes) follow
the FDA Study Data Technical Conformance Guide section 3.3 (see docs/cdisc.md section 3.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Core", "DataType", "DatasetSpec", "Variable"]

Core = Literal["Req", "Exp", "Perm", "Cond"]
DataType = Literal["text", "integer", "float", "date", "datetime"]


@dataclass(frozen=True, slots=True)
class Variable:
    """One variable of a dataset, in its standard order.

    ``origin`` is Define-XML's origin type ("Collected", "Derived", "Assigned", "Protocol",
    "Predecessor"); ``source`` says where it comes from (a CRF item path such as
    ``pasi.head.erythema``, a predecessor such as ``RS.RSSTRESN``); ``method`` is the
    human-readable computation for derived variables.
    """

    name: str
    label: str
    type: DataType
    core: Core = "Perm"
    length: int | None = None
    codelist: str | None = None
    origin: str = "Derived"
    source: str | None = None
    method: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """A dataset: name (upper case, <= 8), label (<= 40), class, structure, keys, variables."""

    name: str
    label: str
    dataset_class: str
    structure: str
    keys: tuple[str, ...]
    variables: tuple[Variable, ...] = field(default=())

    @property
    def variable_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)

    def variable(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(name)
