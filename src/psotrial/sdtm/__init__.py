"""SDTM tabulation datasets (SDTMIG 3.4, CT 2025-03-28), built from captured data and the
protocol (PURE): ``build_sdtm(captured, protocol)`` gives every dataset as a polars frame,
shaped by its :class:`DatasetSpec` in :data:`SDTM_SPECS`.

Traceability: every record taken from a form carries ``--SPID`` = ``FE<form_entry.id>``.
"""

from psotrial.sdtm.build import build_sdtm
from psotrial.sdtm.metadata import DatasetSpec, Variable
from psotrial.sdtm.source import CAPTURED_SCHEMAS, Captured, build_captured
from psotrial.sdtm.specs import SDTM_SPECS

__all__ = [
    "CAPTURED_SCHEMAS",
    "SDTM_SPECS",
    "Captured",
    "DatasetSpec",
    "Variable",
    "build_captured",
    "build_sdtm",
]
