"""Selecting analysis records from ADaM BDS datasets, the same way everywhere. PURE.

An *analysis record* is ``ANL01FL = "Y"`` (one per participant, parameter and analysis
visit; ADaM's rule: closest to target, earlier on a tie). An *observed* record has DTYPE
null; imputed records carry DTYPE ("NRI", "LOCF"). Out-of-window records (OUTWINFL = Y)
are never analysis records, so they never enter an outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from psotrial.errors import DerivationError, MissingVariablesError

__all__ = [
    "filter_analysis_records",
    "filter_population",
    "get_dataset",
    "require_columns",
    "visit_label",
]


def require_columns(dataset: pl.DataFrame, columns: Iterable[str], name: str) -> None:
    """Raise :class:`MissingVariablesError` naming each absent ``name.column``."""
    missing = [f"{name}.{c}" for c in columns if c not in dataset.columns]
    if missing:
        raise MissingVariablesError(missing)


def get_dataset(adam: Mapping[str, pl.DataFrame], name: str) -> pl.DataFrame:
    """The ADaM dataset ``name``.

    Raises:
        DerivationError: it is absent (the message lists what was given).
    """
    if name not in adam:
        given = ", ".join(sorted(adam)) or "nothing"
        raise DerivationError(f"adam: {name} is required; got {given}")
    return adam[name]


def filter_population(dataset: pl.DataFrame, flag: str) -> pl.DataFrame:
    """Records of participants with ``flag = "Y"`` (e.g. FASFL, SAFFL).

    Example:
        >>> frame = pl.DataFrame({"USUBJID": ["a", "b"], "FASFL": ["Y", "N"]})
        >>> filter_population(frame, "FASFL")["USUBJID"].to_list()
        ['a']
    """
    require_columns(dataset, [flag], "dataset")
    return dataset.filter(pl.col(flag) == "Y")


def filter_analysis_records(
    dataset: pl.DataFrame, paramcd: str, *, observed: bool = True
) -> pl.DataFrame:
    """Analysis records (ANL01FL = Y) of one parameter; observed only unless told.

    Example:
        >>> frame = pl.DataFrame({"PARAMCD": ["P", "P", "P"], "ANL01FL": ["Y", None, "Y"],
        ...                       "DTYPE": [None, None, "NRI"]})
        >>> filter_analysis_records(frame, "P").height, filter_analysis_records(
        ...     frame, "P", observed=False).height
        (1, 2)
    """
    require_columns(dataset, ["PARAMCD", "ANL01FL", "DTYPE"], "dataset")
    selected = dataset.filter(pl.col("PARAMCD") == paramcd, pl.col("ANL01FL") == "Y")
    return selected.filter(pl.col("DTYPE").is_null()) if observed else selected


def visit_label(week: int) -> str:
    """The ADaM AVISIT of protocol week ``week`` ("WEEK 12").

    Example:
        >>> visit_label(12)
        'WEEK 12'
    """
    return f"WEEK {week}"
