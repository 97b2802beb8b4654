"""Variable-level rules: required and expected variables, required values, types, lengths,
and variables the spec does not define. PURE.

The Required lists are the spec's ``Req`` variables together with the implementation
guide's own lists (SDTMIG 3.4 section 2.5 metadata, as tabulated in docs/cdisc.md section
1.1; ADaMIG 1.3 sections 3.1-3.3), so a spec that forgets a required variable is caught too.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from psotrial.conformance.findings import Context, Issue, issues_by_row
from psotrial.sdtm.metadata import DatasetSpec, Variable

__all__ = [
    "ADAMIG_REQUIRED",
    "ADAM_IDENTIFIERS",
    "SDTMIG_REQUIRED",
    "check_expected_present",
    "check_required_populated",
    "check_required_present",
    "check_undefined_variables",
    "check_value_lengths",
    "check_variable_types",
    "required_variables",
]

_SUBJECT = ("STUDYID", "DOMAIN", "USUBJID")

# SDTMIG 3.4 Required variables per domain (docs/cdisc.md section 1.1).
SDTMIG_REQUIRED: dict[str, tuple[str, ...]] = {
    "DM": (*_SUBJECT, "SUBJID", "SITEID", "SEX", "COUNTRY"),
    "SE": (*_SUBJECT, "SESEQ", "ETCD", "SESTDTC"),
    "SV": (*_SUBJECT, "VISITNUM"),
    "TA": ("STUDYID", "DOMAIN", "ARMCD", "ARM", "TAETORD", "ETCD", "EPOCH"),
    "TE": ("STUDYID", "DOMAIN", "ETCD", "ELEMENT", "TESTRL"),
    "TV": ("STUDYID", "DOMAIN", "VISITNUM", "VISIT", "TVSTRL"),
    "TI": ("STUDYID", "DOMAIN", "IETESTCD", "IETEST", "IECAT"),
    "TS": ("STUDYID", "DOMAIN", "TSSEQ", "TSPARMCD", "TSPARM"),
    "IE": (*_SUBJECT, "IESEQ", "IETESTCD", "IETEST", "IECAT", "IEORRES", "IESTRESC"),
    "EX": (*_SUBJECT, "EXSEQ", "EXTRT"),
    "EC": (*_SUBJECT, "ECSEQ", "ECTRT"),
    "AE": (*_SUBJECT, "AESEQ", "AETERM", "AEDECOD"),
    "CM": (*_SUBJECT, "CMSEQ", "CMTRT"),
    "MH": (*_SUBJECT, "MHSEQ", "MHTERM"),
    "DS": (*_SUBJECT, "DSSEQ", "DSTERM", "DSDECOD"),
    "LB": (*_SUBJECT, "LBSEQ", "LBTESTCD", "LBTEST"),
    "VS": (*_SUBJECT, "VSSEQ", "VSTESTCD", "VSTEST"),
    "RS": (*_SUBJECT, "RSSEQ", "RSTESTCD", "RSTEST"),
    "QS": (*_SUBJECT, "QSSEQ", "QSTESTCD", "QSTEST", "QSCAT"),
    "FA": (*_SUBJECT, "FASEQ", "FATESTCD", "FATEST", "FAOBJ"),
}

# ADaMIG 1.3 Required variables by structure (ADSL section 3.1, BDS section 3.3; ADTTE per
# the ADaM BDS for Time-to-Event Analyses v1.0 section 3); OCCDS needs only the keys.
ADAMIG_REQUIRED: dict[str, tuple[str, ...]] = {
    "ADSL": (
        "STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ARM", "TRT01P",
    ),
    "BDS": ("STUDYID", "USUBJID", "PARAM", "PARAMCD"),
    "TTE": ("STUDYID", "USUBJID", "PARAM", "PARAMCD", "AVAL", "STARTDT", "ADT", "CNSR"),
    "OCCDS": ("STUDYID", "USUBJID"),
}  # fmt: skip


def adam_structure(name: str, spec: DatasetSpec | None) -> str:
    """``ADSL``, ``TTE``, ``BDS`` or ``OCCDS`` from the dataset's name and class."""
    dataset_class = (spec.dataset_class if spec else "").upper()
    if name == "ADSL" or "SUBJECT LEVEL" in dataset_class:
        return "ADSL"
    if name == "ADTTE" or "TIME-TO-EVENT" in dataset_class:
        return "TTE"
    if "BASIC DATA STRUCTURE" in dataset_class or dataset_class == "BDS":
        return "BDS"
    if "OCCURRENCE" in dataset_class or dataset_class == "OCCDS" or name == "ADAE":
        return "OCCDS"
    return "BDS" if spec is not None and "PARAMCD" in spec.variable_names else "OCCDS"


def required_variables(context: Context, name: str) -> tuple[str, ...]:
    """The spec's ``Req`` variables followed by the implementation guide's, without repeats."""
    spec = context.specs.get(name)
    from_spec = [v.name for v in spec.variables if v.core == "Req"] if spec else []
    if context.standard == "SDTM":
        from_ig = SDTMIG_REQUIRED.get(name, ())
    else:
        from_ig = ADAMIG_REQUIRED[adam_structure(name, spec)]
    return tuple(dict.fromkeys([*from_spec, *from_ig]))


def check_required_present(context: Context) -> Iterator[Issue]:
    """Every Required variable is a column (SDTMIG 3.4 section 4.1.5; ADaMIG 1.3 section 3)."""
    for name, frame in context.frames.items():
        for variable in required_variables(context, name):
            if variable not in frame.columns:
                yield Issue(name, variable, None, f"required variable {variable} is missing")


def check_expected_present(context: Context) -> Iterator[Issue]:
    """Every Expected variable is a column (it may be null; SDTMIG 3.4 section 4.1.5)."""
    for name, frame in context.frames.items():
        spec = context.specs.get(name)
        for variable in spec.variables if spec else ():
            if variable.core == "Exp" and variable.name not in frame.columns:
                yield Issue(
                    name, variable.name, None, f"expected variable {variable.name} is missing"
                )


# ADaMIG 1.3 section 3 defines Req as "must be included in the dataset", not "populated on
# every record" (ADSL ARM is null for a screen failure); only the identifiers must be.
ADAM_IDENTIFIERS = ("STUDYID", "USUBJID", "SUBJID", "SITEID", "PARAMCD", "PARAM")


def check_required_populated(context: Context) -> Iterator[Issue]:
    """SDTM: a Required variable is never null or blank (SDTMIG 3.4 section 4.1.5). ADaM:
    the identifiers among the Required variables (STUDYID, USUBJID, SUBJID, SITEID,
    PARAMCD, PARAM) are never null."""
    for name, frame in context.frames.items():
        required = required_variables(context, name)
        if context.standard == "ADaM":
            required = tuple(v for v in required if v in ADAM_IDENTIFIERS)
        for variable in required:
            if variable not in frame.columns:
                continue
            column = frame[variable]
            empty = column.is_null()
            if column.dtype == pl.String:
                empty = empty | (column.str.strip_chars() == "")
            yield from issues_by_row(
                frame, empty, name, variable, f"required variable {variable} is null"
            )


def _type_fits(dtype: pl.DataType, variable: Variable) -> bool:
    # The same compatibility the XPT writer accepts (exchange/xpt.py check_columns).
    if dtype == pl.Null:
        return True
    if variable.type == "text":
        return dtype == pl.String
    if variable.type in ("integer", "float"):
        return dtype.is_numeric() or dtype == pl.Boolean
    return dtype in (pl.Date, pl.String) or isinstance(dtype, pl.Datetime) or dtype.is_numeric()


def check_variable_types(context: Context) -> Iterator[Issue]:
    """Columns hold their spec's type: text is character, integer/float numeric, and an
    integer variable holds whole numbers (XPORT stores them as floats)."""
    for name, frame in context.frames.items():
        spec = context.specs.get(name)
        for variable in spec.variables if spec else ():
            if variable.name not in frame.columns:
                continue
            column = frame[variable.name]
            if not _type_fits(column.dtype, variable):
                kind = "character" if variable.type == "text" else variable.type
                yield Issue(
                    name,
                    variable.name,
                    None,
                    f"{variable.name} is {column.dtype}, but the spec says {kind}",
                )
            elif variable.type == "integer" and column.dtype.is_float():
                fractional = column.is_finite() & (column != column.round(0))
                yield from issues_by_row(
                    frame,
                    fractional,
                    name,
                    variable.name,
                    f"{variable.name} is an integer variable but holds {{value}}",
                )


def check_value_lengths(context: Context) -> Iterator[Issue]:
    """Character values fit the spec's length (in bytes, as SAS counts)."""
    for name, frame in context.frames.items():
        spec = context.specs.get(name)
        for variable in spec.variables if spec else ():
            if variable.length is None or variable.name not in frame.columns:
                continue
            column = frame[variable.name]
            if column.dtype != pl.String:
                continue
            too_long = column.str.len_bytes() > variable.length
            yield from issues_by_row(
                frame,
                too_long,
                name,
                variable.name,
                f"value {{value!r}} is longer than the spec's length {variable.length}",
            )


def check_undefined_variables(context: Context) -> Iterator[Issue]:
    """Every column is defined by the dataset's spec, and every dataset has a spec."""
    for name, frame in context.frames.items():
        spec = context.specs.get(name)
        if spec is None:
            yield Issue(
                name, None, None, f"dataset {name} has no spec; only generic rules were run"
            )
            continue
        for column in frame.columns:
            if column not in spec.variable_names:
                yield Issue(name, column, None, f"{column} is not a variable of the {name} spec")
