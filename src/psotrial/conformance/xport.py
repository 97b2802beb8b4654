"""SAS XPORT v5 limits as conformance rules. PURE.

FDA Study Data Technical Conformance Guide section 3.3 and SAS TS-140 (docs/cdisc.md
section 3.1): dataset and variable names of 1-8 characters (a letter, then letters, digits
or ``_``), labels of at most 40 ASCII characters, character values of at most 200 bytes,
ASCII only. The XPT writer refuses such data; these rules report all of it at once, for
data in any format (Parquet and CSV have no such limits, submissions do).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import polars as pl

from psotrial.conformance.findings import Context, Issue, issues_by_row

__all__ = [
    "MAX_LABEL",
    "MAX_NAME",
    "MAX_VALUE_BYTES",
    "check_xpt_labels",
    "check_xpt_names",
    "check_xpt_value_ascii",
    "check_xpt_value_bytes",
]

MAX_NAME = 8
MAX_LABEL = 40
MAX_VALUE_BYTES = 200
_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,7}")


def check_xpt_names(context: Context) -> Iterator[Issue]:
    """Dataset and variable names: 1-8 characters, an upper-case letter first, then
    upper-case letters, digits or underscores."""
    for name, frame in context.frames.items():
        if not _NAME.fullmatch(name):
            yield Issue(name, None, None, f"dataset name {name!r} is not a valid XPORT v5 name")
        for column in frame.columns:
            if not _NAME.fullmatch(column):
                yield Issue(
                    name,
                    column,
                    None,
                    f"variable name {column!r} is not a valid XPORT v5 name "
                    f"(1-{MAX_NAME} characters: a letter, then letters, digits or '_')",
                )


def check_xpt_labels(context: Context) -> Iterator[Issue]:
    """Dataset and variable labels in the specs: at most 40 characters, ASCII."""
    for name in context.frames:
        spec = context.specs.get(name)
        if spec is None:
            continue
        labelled = [(None, spec.label), *((v.name, v.label) for v in spec.variables)]
        for variable, label in labelled:
            what = f"label of {variable or 'dataset ' + name}"
            if len(label) > MAX_LABEL:
                yield Issue(
                    name,
                    variable,
                    None,
                    f"{what} {label!r} has {len(label)} characters; at most {MAX_LABEL}",
                )
            if not label.isascii():
                yield Issue(name, variable, None, f"{what} {label!r} is not ASCII")


def check_xpt_value_bytes(context: Context) -> Iterator[Issue]:
    """Character values: at most 200 bytes."""
    for name, frame in context.frames.items():
        for column in frame.columns:
            if frame[column].dtype == pl.String:
                too_long = frame[column].str.len_bytes() > MAX_VALUE_BYTES
                yield from issues_by_row(
                    frame,
                    too_long,
                    name,
                    column,
                    f"value is over {MAX_VALUE_BYTES} bytes, the XPORT v5 limit",
                )


def check_xpt_value_ascii(context: Context) -> Iterator[Issue]:
    """Character values: ASCII only."""
    for name, frame in context.frames.items():
        for column in frame.columns:
            if frame[column].dtype == pl.String:
                non_ascii = frame[column].str.contains(r"[^\x00-\x7F]")
                yield from issues_by_row(
                    frame, non_ascii, name, column, "value {value!r} is not ASCII"
                )
