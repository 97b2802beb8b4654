"""CTCAE v5.0 toxicity grades and shifts for ADLB (admiral ``derive_var_atoxgr_dir``,
``derive_var_atoxgr``, ``derive_var_shift``).

Grades come from :func:`psotrial.instruments.ctcae.compute_lab_grades` (CTCAE v5.0 as
transcribed in admiral's ``ncictcaev5.json``; exact decimal thresholds). A test can have a
low-direction term (e.g. Hypocalcemia) and a high-direction term (Hypercalcemia):

- ATOXDSCL/ATOXGRL and ATOXDSCH/ATOXGRH hold each direction's term and grade ("0"-"4").
- ATOXGR combines them as admiral does: "-k" when the low grade k > 0, "k" when the high
  grade k > 0, "0" when every graded direction is 0, null when a direction cannot be graded
  (no reference range) and no other direction has a grade. ATOXGRN is its number.
- Calcium is graded on Payne-corrected calcium when an albumin (g/L) is given
  (architecture.md: calcium). Tests CTCAE has no term for (cystatin C, albumin) stay null.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from psotrial.adam._frame import compute_distinct, require_columns, to_exact
from psotrial.instruments.ctcae import LAB_TESTS, LabGrade, compute_lab_grades

__all__ = ["LAB_TEST_ALIASES", "derive_var_shift", "derive_vars_atoxgr"]

# SDTM LBTESTCD (CT C65047) -> the test codes of instruments.ctcae.
LAB_TEST_ALIASES: Mapping[str, str] = {
    "PLAT": "PLT",
    "PLT": "PLT",
    "WBC": "WBC",
    "HGB": "HGB",
    "AST": "AST",
    "ALT": "ALT",
    "CREAT": "CREAT",
    "CA": "CA",
}

_LOW_TERMS = frozenset(
    {"Platelet count decreased", "White blood cell decreased", "Anemia", "Hypocalcemia"}
)


def derive_vars_atoxgr(
    dataset: pl.DataFrame,
    *,
    test_var: str = "PARAMCD",
    value_var: str = "AVAL",
    unit_var: str = "AVALU",
    lln_var: str = "ANRLO",
    uln_var: str = "ANRHI",
    base_var: str | None = "BASE",
    albumin_var: str | None = None,
) -> pl.DataFrame:
    """Add ATOXDSCL, ATOXGRL, ATOXDSCH, ATOXGRH, ATOXGR and ATOXGRN.

    Args:
        albumin_var: a column with the same-day albumin in g/L, for corrected calcium.

    Raises:
        MissingVariablesError: a named variable is absent.
        ResponseOutOfRangeError: a value or unit the CTCAE grader refuses (unknown unit,
            negative value) for a gradable test.

    Example:
        >>> ds = pl.DataFrame({"PARAMCD": ["PLAT", "CA", "CYSTATC"], "AVAL": [74.0, 1.9, 0.8],
        ...     "AVALU": ["10^9/L", "mmol/L", "mg/L"], "ANRLO": [125.0, 2.11, 0.51],
        ...     "ANRHI": [350.0, 2.52, 1.09]})
        >>> derive_vars_atoxgr(ds, base_var=None)["ATOXGR"].to_list()
        ['-2', '-2', None]
    """
    needed = [test_var, value_var, unit_var, lln_var, uln_var]
    needed += [v for v in (base_var, albumin_var) if v is not None]
    require_columns(dataset, needed)
    names = ("ATOXDSCL", "ATOXGRL", "ATOXDSCH", "ATOXGRH", "ATOXGR", "ATOXGRN")
    types: dict[str, pl.DataType] = {k: pl.String() for k in names}
    types["ATOXGRN"] = pl.Int64()

    def grade(*row: object) -> tuple[object, ...]:
        values = dict(zip(needed, row, strict=True))
        graded = _grade(
            values, test_var, value_var, unit_var, lln_var, uln_var, base_var, albumin_var
        )
        return tuple(graded[k] for k in names)

    graded = compute_distinct(dataset, needed, grade, types)
    return dataset.with_columns(graded.get_column(k) for k in names)


def _grade(
    values: Mapping[str, object],
    test_var: str,
    value_var: str,
    unit_var: str,
    lln_var: str,
    uln_var: str,
    base_var: str | None,
    albumin_var: str | None,
) -> dict[str, object]:
    empty: dict[str, object] = dict.fromkeys(
        ("ATOXDSCL", "ATOXGRL", "ATOXDSCH", "ATOXGRH", "ATOXGR", "ATOXGRN")
    )
    test = LAB_TEST_ALIASES.get(str(values[test_var]))
    value = values[value_var]
    if test is None or test not in LAB_TESTS or value is None or values[unit_var] is None:
        return empty
    grades = compute_lab_grades(
        test,
        _number(value),
        str(values[unit_var]),
        lln=_number(values[lln_var]),
        uln=_number(values[uln_var]),
        baseline=_number(values[base_var]) if base_var else None,
        albumin_g_l=_number(values[albumin_var]) if albumin_var else None,
    )
    low = high = None
    for grade in grades:
        if grade.term in _LOW_TERMS:
            low = grade
            empty["ATOXDSCL"] = grade.term
            empty["ATOXGRL"] = None if grade.grade is None else str(grade.grade)
        else:
            high = grade
            empty["ATOXDSCH"] = grade.term
            empty["ATOXGRH"] = None if grade.grade is None else str(grade.grade)
    combined = _combine(low, high)
    empty["ATOXGR"] = None if combined is None else str(combined)
    empty["ATOXGRN"] = combined
    return empty


def _combine(low: LabGrade | None, high: LabGrade | None) -> int | None:
    """admiral ``derive_var_atoxgr``: low grades negative; 0 only when every direction is 0."""
    if low is not None and low.grade is not None and low.grade > 0:
        return -low.grade
    if high is not None and high.grade is not None and high.grade > 0:
        return high.grade
    directions = [d for d in (low, high) if d is not None]
    if directions and all(d.grade == 0 for d in directions):
        return 0
    return None


def _number(value: object) -> str | None:
    """A float cell as the decimal it stands for, so CTCAE compares exact decimals."""
    if value is None:
        return None
    if isinstance(value, float | int):
        exact = to_exact(value)
        return None if exact is None else str(exact)
    return str(value)


def derive_var_shift(
    dataset: pl.DataFrame,
    *,
    new_var: str,
    from_var: str,
    to_var: str,
    missing_value: str = "NULL",
    sep_val: str = " to ",
) -> pl.DataFrame:
    """Add ``new_var`` = "<from> to <to>", a missing side shown as ``missing_value``.

    Raises:
        MissingVariablesError: ``from_var`` or ``to_var`` is absent.

    Example:
        >>> ds = pl.DataFrame({"BNRIND": ["NORMAL", "LOW", None], "ANRIND": ["HIGH", "LOW", "LOW"]})
        >>> derive_var_shift(ds, new_var="SHIFT1", from_var="BNRIND", to_var="ANRIND")[
        ...     "SHIFT1"].to_list()
        ['NORMAL to HIGH', 'LOW to LOW', 'NULL to LOW']
    """
    require_columns(dataset, [from_var, to_var])
    side = [pl.col(v).cast(pl.String).fill_null(missing_value) for v in (from_var, to_var)]
    return dataset.with_columns(pl.concat_str([side[0], pl.lit(sep_val), side[1]]).alias(new_var))
