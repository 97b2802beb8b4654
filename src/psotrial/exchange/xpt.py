"""SAS XPORT v5 files (``dm.xpt``): written with pyreadstat behind our own guard.

pyreadstat writes a valid v5 transport file but cuts labels over 40 characters without a
word and writes character values over 200 bytes and non-ASCII text as they are
(docs/cdisc.md section 3.2), which gives a file that regulators' tools reject. So
:func:`check_xpt` checks every limit of the FDA Study Data Technical Conformance Guide
(section 3.3) and SAS TS-140 first and :func:`write_xpt` refuses, never truncates:

- dataset and variable names: 1-8 characters, ``[A-Z][A-Z0-9_]*``;
- dataset and variable labels: at most 40 characters, ASCII;
- character values: at most 200 bytes, ASCII, and no longer than the spec's length;
- numbers: finite and within the IBM float range (about 5.4e-79 to 9.0e74);
- the frame's columns are exactly the spec's variables, of a compatible type.

Numbers are stored as 8-byte IBM floats (XPORT has no integer type), so integers come back
as floats. A variable of type ``date``/``datetime`` held as a polars ``Date``/``Datetime``
column (ADaM ``ADT``, ``TRTSDT``) is written as a SAS date (days since 1960-01-01,
format ``DATE9.``) or datetime (``DATETIME20.``); one held as text (SDTM ``--DTC``) is
written as the ISO 8601 text it is. Character lengths are the longest value in bytes,
which is what the FDA asks for. The file appears only once completely written.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyreadstat

from psotrial.capture.records import atomic_file
from psotrial.errors import ExportError
from psotrial.sdtm.metadata import DatasetSpec, Variable

__all__ = [
    "IBM_MAX",
    "IBM_MIN",
    "MAX_LABEL",
    "MAX_NAME",
    "MAX_VALUE_BYTES",
    "check_columns",
    "check_xpt",
    "read_xpt",
    "sas_format",
    "write_xpt",
]

MAX_NAME = 8
MAX_LABEL = 40
MAX_VALUE_BYTES = 200
_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_NUMERIC_TYPES = ("integer", "float")
# The format reaches (1 - 16**-14) * 16**63 (7.2e75), but readstat's converter turns values
# from 2 * 16**62 (9.0e74) up into infinity (measured with pyreadstat 1.3.7).
IBM_MAX = 2 * 16.0**62
IBM_MIN = 16.0**-65


def write_xpt(frame: pl.DataFrame, spec: DatasetSpec, path: str | Path) -> None:
    """Write ``frame`` as a SAS XPORT v5 file described by ``spec``; refuse, never truncate.

    Columns are written in the spec's variable order, with the spec's labels, under the
    member name ``spec.name`` and the dataset label ``spec.label``.

    Args:
        frame: the dataset; its columns must be exactly ``spec``'s variables.
        spec: names, labels, types and (optional) maximum lengths.
        path: the file to write (replaced atomically).

    Raises:
        ExportError: a name, label, value or column breaks the v5 limits or the spec; the
            message names the dataset, variable, row and value. Nothing is written.
    """
    check_xpt(frame, spec)
    target = Path(path)
    ordered = frame.select(spec.variable_names)
    formats = {v.name: fmt for v in spec.variables if (fmt := sas_format(v, ordered[v.name].dtype))}
    table = _to_pandas(ordered, spec)
    labels: dict[str, str | None] = {v.name: v.label for v in spec.variables}
    with atomic_file(target) as handle:
        # pyreadstat writes to a path, so the bytes go to a sibling temporary file first
        # and are copied into the atomic file; a failure leaves ``target`` untouched.
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".v5")
        os.close(fd)
        scratch = Path(name)
        try:
            pyreadstat.write_xport(
                table,
                str(scratch),
                file_label=spec.label,
                column_labels=labels,
                table_name=spec.name,
                file_format_version=5,
                variable_format=formats or None,
            )
            handle.write(scratch.read_bytes())
        finally:
            scratch.unlink(missing_ok=True)


def read_xpt(path: str | Path) -> pl.DataFrame:
    """Read a SAS XPORT file into polars.

    Character missing values (blank in XPORT) come back as null, numbers as ``Float64``,
    ``DATE9.`` variables as ``Date`` and ``DATETIME20.`` variables as ``Datetime``.
    """
    frame, meta = pyreadstat.read_xport(str(path), output_format="polars")
    assert isinstance(frame, pl.DataFrame)
    # a column with no values (an empty dataset) comes back untyped: type it from the header
    formats = meta.original_variable_types or {}
    frame = frame.with_columns(
        pl.col(name).cast(_header_type(meta.readstat_variable_types.get(name), formats.get(name)))
        for name, dtype in frame.schema.items()
        if dtype == pl.Null
    )
    strings = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name) == "").then(None).otherwise(pl.col(name)).alias(name)
        for name in strings
    )


def _header_type(storage: str | None, fmt: str | None) -> pl.DataType:
    if storage == "string":
        return pl.String()
    if fmt is not None and fmt.startswith("DATETIME"):
        return pl.Datetime("us")
    if fmt is not None and fmt.startswith("DATE"):
        return pl.Date()
    return pl.Float64()


def sas_format(variable: Variable, dtype: pl.DataType) -> str | None:
    """The SAS display format for ``variable`` held in a column of ``dtype``.

    Example:
        >>> from psotrial.sdtm.metadata import Variable
        >>> sas_format(Variable("ADT", "Analysis Date", "date"), pl.Date())
        'DATE9.'
        >>> sas_format(Variable("AESTDTC", "Start Date/Time of Adverse Event", "datetime"),
        ...            pl.String()) is None
        True
    """
    if dtype == pl.Date:
        return "DATE9."
    if isinstance(dtype, pl.Datetime):
        return "DATETIME20."
    return None


def check_xpt(frame: pl.DataFrame, spec: DatasetSpec) -> None:
    """Check ``frame`` and ``spec`` against the XPORT v5 limits without writing anything.

    Raises:
        ExportError: the first problem found, naming dataset, variable, row and value.

    Example:
        >>> from psotrial.sdtm.metadata import DatasetSpec, Variable
        >>> usubjid = Variable("USUBJID", "Unique Subject Identifier", "text")
        >>> spec = DatasetSpec("DM", "Demographics", "SPECIAL PURPOSE", "One record per subject",
        ...                    ("USUBJID",), (usubjid,))
        >>> check_xpt(pl.DataFrame({"USUBJID": ["NCT03745417-01-001"]}), spec)
        >>> try:
        ...     check_xpt(pl.DataFrame({"USUBJID": ["caf\\u00e9"]}), spec)
        ... except ExportError as error:
        ...     print(error)
        DM.USUBJID row 1: value 'café' is not ASCII; XPORT v5 values must be ASCII
    """
    _check_name(spec.name, f"dataset {spec.name!r}")
    _check_label(spec.label, f"dataset {spec.name}")
    check_columns(frame, spec)
    for variable in spec.variables:
        where = f"{spec.name}.{variable.name}"
        _check_name(variable.name, f"variable {where}")
        _check_label(variable.label, f"variable {where}")
        column = frame[variable.name]
        if column.dtype == pl.String:
            _check_values(column, variable, where)
        elif column.dtype.is_float():
            _check_numbers(column, where)


def _check_name(name: str, what: str) -> None:
    if len(name) > MAX_NAME or not _NAME.fullmatch(name):
        raise ExportError(
            f"{what}: name {name!r} is not allowed in XPORT v5; expected 1-{MAX_NAME} "
            "characters, an upper-case letter then upper-case letters, digits or '_'"
        )


def _check_label(label: str, what: str) -> None:
    if len(label) > MAX_LABEL:
        raise ExportError(
            f"{what}: label {label!r} has {len(label)} characters; XPORT v5 allows at most "
            f"{MAX_LABEL} (shorten it in the spec; the writer never truncates)"
        )
    if not label.isascii():
        raise ExportError(f"{what}: label {label!r} is not ASCII; XPORT v5 files must be ASCII")


def check_columns(frame: pl.DataFrame, spec: DatasetSpec) -> None:
    """Check that ``frame`` has exactly ``spec``'s variables, each of a compatible type.

    A ``text`` variable needs a string column, ``integer``/``float`` a numeric one, and
    ``date``/``datetime`` a ``Date``/``Datetime`` column or ISO 8601 text; an all-null
    column fits any type.

    Raises:
        ExportError: names the missing and extra columns, or the variable and its type.
    """
    expected = spec.variable_names
    missing = [name for name in expected if name not in frame.columns]
    extra = [name for name in frame.columns if name not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if extra:
            parts.append(f"not in the spec {', '.join(extra)}")
        raise ExportError(
            f"dataset {spec.name}: columns do not match the spec ({'; '.join(parts)}); "
            f"expected {', '.join(expected)}"
        )
    for variable in spec.variables:
        _check_type(frame[variable.name], variable, f"{spec.name}.{variable.name}")


def _check_type(column: pl.Series, variable: Variable, where: str) -> None:
    dtype = column.dtype
    if dtype == pl.Null:
        return
    if variable.type == "text":
        ok = dtype == pl.String
    elif variable.type in _NUMERIC_TYPES:
        ok = dtype.is_numeric() or dtype == pl.Boolean
    else:  # date/datetime: a SAS date or datetime, or ISO 8601 text
        ok = dtype in (pl.Date, pl.String) or isinstance(dtype, pl.Datetime)
    if not ok:
        raise ExportError(f"{where}: column of type {dtype} cannot hold a {variable.type} variable")


def _check_values(column: pl.Series, variable: Variable, where: str) -> None:
    limit = MAX_VALUE_BYTES if variable.length is None else min(variable.length, MAX_VALUE_BYTES)
    non_ascii = column.str.contains(r"[^\x00-\x7F]").fill_null(False)
    if non_ascii.any():
        row = int(non_ascii.arg_true()[0])
        raise ExportError(
            f"{where} row {row + 1}: value {column[row]!r} is not ASCII; XPORT v5 values "
            "must be ASCII"
        )
    sizes = column.str.len_bytes().fill_null(0)
    too_long = sizes > limit
    if too_long.any():
        row = int(too_long.arg_true()[0])
        value = column[row]
        source = (
            f"the spec's length {limit}"
            if variable.length is not None and variable.length < MAX_VALUE_BYTES
            else f"the XPORT v5 limit of {MAX_VALUE_BYTES}"
        )
        raise ExportError(
            f"{where} row {row + 1}: value {value!r} is {sizes[row]} bytes, over {source}"
        )


def _check_numbers(column: pl.Series, where: str) -> None:
    magnitude = column.abs()
    # IBM/360 hex floats start at 16**-65 (about 5.4e-79); outside [IBM_MIN, IBM_MAX) a
    # value would silently become 0 or infinity.
    bad = ~column.is_finite() | (magnitude >= IBM_MAX) | ((magnitude < IBM_MIN) & (column != 0))
    bad = bad.fill_null(False)
    if bad.any():
        row = int(bad.arg_true()[0])
        raise ExportError(
            f"{where} row {row + 1}: value {column[row]!r} cannot be stored as an XPORT "
            f"(IBM) number; expected 0 or a finite magnitude from {IBM_MIN:.1e} to under "
            f"{IBM_MAX:.1e}"
        )


def _to_pandas(frame: pl.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    columns: dict[str, Any] = {}
    for variable in spec.variables:
        column = frame[variable.name]
        if column.dtype == pl.Null:
            column = column.cast(pl.String if variable.type == "text" else pl.Float64)
        if column.dtype == pl.Date and column.null_count() == len(column):
            # an object column of None is taken for text; an all-missing date is numeric
            columns[variable.name] = pd.Series([float("nan")] * len(column), dtype="float64")
        elif column.dtype in (pl.String, pl.Date):
            # pyreadstat takes SAS dates from datetime.date objects (a datetime64 column
            # would be written as seconds) and text from Python str.
            columns[variable.name] = pd.Series(column.to_list(), dtype=object)
        elif isinstance(column.dtype, pl.Datetime):
            columns[variable.name] = column.to_pandas()
        else:
            columns[variable.name] = column.cast(pl.Float64).to_pandas()
    return pd.DataFrame(columns)
