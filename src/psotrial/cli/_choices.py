"""Defaults and choices that command signatures need before any command runs.

Typer reads every command's options (their help and defaults) to print ``psotrial --help``,
so whatever a signature names is imported at start-up. The modules that own these values
pull in pydantic models, polars, pandas or SQLAlchemy; copying the few values here keeps
``psotrial --help`` and every command's start-up from paying for all of them (issue 7).
tests/cli/test_choices.py holds each copy equal to its source.
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "DATASET_FORMATS",
    "DEFAULT_MAX_SHIFT_DAYS",
    "DEFAULT_PROTOCOL",
    "DEFAULT_START",
    "RECORD_FORMATS",
    "SCENARIO_NAMES",
]

# psotrial.protocol.DEFAULT_PROTOCOL
DEFAULT_PROTOCOL = "nct03745417"
# psotrial.simulate.SCENARIOS (its keys, in order) and psotrial.simulate.DEFAULT_START
SCENARIO_NAMES = ("msc", "placebo", "biologic")
DEFAULT_START = date(2026, 1, 5)
# psotrial.capture.records.FORMATS
RECORD_FORMATS = ("csv", "jsonl")
# psotrial.exchange.datasets.DATASET_FORMATS
DATASET_FORMATS = ("xpt", "parquet", "csv")
# psotrial.capture.deidentify.DEFAULT_MAX_SHIFT_DAYS
DEFAULT_MAX_SHIFT_DAYS = 30
