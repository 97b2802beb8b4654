"""Files for statisticians and regulators: SAS XPORT v5 datasets and Define-XML 2.1.

Writers refuse input that breaks a format's limits (:class:`psotrial.errors.ExportError`)
rather than truncating it, and every file appears atomically.
"""

from __future__ import annotations

from psotrial.exchange.datasets import DATASET_FORMATS, read_datasets, write_datasets
from psotrial.exchange.xpt import check_xpt, read_xpt, write_xpt

__all__ = [
    "DATASET_FORMATS",
    "check_xpt",
    "read_datasets",
    "read_xpt",
    "write_datasets",
    "write_xpt",
]
