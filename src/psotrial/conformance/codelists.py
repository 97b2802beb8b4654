"""Controlled-terminology rules: values of coded variables come from their codelist. PURE.

A variable's codelist is the one its spec names (C-code or short name). Membership honours
extensibility (CDISC CT; SDTMIG 3.4 section 4.3): a value outside a non-extensible codelist
is an error; outside an extensible one it is a sponsor extension, which is allowed but must
be described in Define-XML, so it is a warning, once per distinct value. Codelists that are
external dictionaries (MedDRA, WHODrug, ISO 3166 -- the ``COUNTRY`` codelist of DM --,
ISO 8601) are not checked here.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from psotrial.conformance.findings import Context, Issue, issues_by_row, record_label
from psotrial.sdtm.terminology import Codelist

__all__ = [
    "EXTERNAL_DICTIONARIES",
    "check_codelists_known",
    "check_ct_extensible",
    "check_ct_non_extensible",
]

EXTERNAL_DICTIONARIES = (
    "MEDDRA",
    "WHODRUG",
    "ISO 3166",
    "ISO3166",
    "COUNTRY",
    "ISO 8601",
    "ISO8601",
)


def _is_external(codelist: str) -> bool:
    key = codelist.upper()
    return any(key.startswith(prefix) for prefix in EXTERNAL_DICTIONARIES)


def _coded_columns(context: Context) -> Iterator[tuple[str, pl.DataFrame, str, Codelist]]:
    for name, frame in context.frames.items():
        spec = context.specs.get(name)
        for variable in spec.variables if spec else ():
            if variable.codelist is None or variable.name not in frame.columns:
                continue
            codelist = context.terminology.get(variable.codelist)
            if codelist is not None and frame[variable.name].dtype == pl.String:
                yield name, frame, variable.name, codelist


def check_codelists_known(context: Context) -> Iterator[Issue]:
    """Every codelist a spec names is in the terminology (or is an external dictionary)."""
    for name in context.frames:
        spec = context.specs.get(name)
        for variable in spec.variables if spec else ():
            code = variable.codelist
            if code is None or _is_external(code) or code in context.terminology:
                continue
            yield Issue(
                name,
                variable.name,
                None,
                f"codelist {code!r} of {variable.name} is not in CT {context.terminology.version}"
                "; its values were not checked",
            )


def check_ct_non_extensible(context: Context) -> Iterator[Issue]:
    """Values of a variable with a non-extensible codelist are submission values of it."""
    for name, frame, variable, codelist in _coded_columns(context):
        if codelist.extensible:
            continue
        column = frame[variable]
        invalid = column.is_not_null() & ~column.is_in(list(codelist.values))
        allowed = ", ".join(codelist.values[:12]) + (", ..." if len(codelist.values) > 12 else "")
        yield from issues_by_row(
            frame,
            invalid,
            name,
            variable,
            f"{{value!r}} is not in non-extensible codelist {codelist.short_name} "
            f"({codelist.code}); expected one of: {allowed}",
        )


def check_ct_extensible(context: Context) -> Iterator[Issue]:
    """Values outside an extensible codelist are sponsor extensions: reported once per
    value (with the first record and the count), to be described in Define-XML."""
    for name, frame, variable, codelist in _coded_columns(context):
        if not codelist.extensible:
            continue
        column = frame[variable]
        outside = (column.is_not_null() & ~column.is_in(list(codelist.values))).fill_null(False)
        rows = outside.arg_true().to_list()
        first_row: dict[str, int] = {}
        counts: dict[str, int] = {}
        for row in rows:
            value = column[row]
            first_row.setdefault(value, row)
            counts[value] = counts.get(value, 0) + 1
        subset = "" if codelist.complete else " (vendored subset)"
        for value, row in first_row.items():
            yield Issue(
                name,
                variable,
                record_label(frame, row, name),
                f"{value!r} is a sponsor value in extensible codelist {codelist.short_name} "
                f"({codelist.code}){subset}; {counts[value]} record(s)",
            )
