"""ADPASI: PASI total, components and improvement rate per analysis visit (BDS).

Parameters (RS, RSCAT "PASI FELDMAN", cdisc.md §1.2):

- PASITOT "PASI Total Score" from RSTESTCD PASI0229 (0-72, steps of 0.1).
- The 28 component items and regional subtotals PASI0201-PASI0228 keep their RSTESTCD as
  PARAMCD and RSTEST as PARAM.
- PASIIMPR "PASI Improvement Rate (%)" (PARAMTYP DERIVED): one record per PASITOT record
  with AVAL = (BASE - AVAL)/BASE x 100 of that record, exact (Fraction) and rounded once to
  a float, never clamped, null for a baseline of 0 (architecture.md). It equals -PCHG of the
  PASITOT record; it is its own parameter so that the protocol's primary endpoint is an AVAL.

Responder criteria on PASITOT, decided EXACTLY on integer tenths by
:func:`psotrial.instruments.check_pasi_response` (``100*(B - P) >= x*B``; domain.md §1.2):
CRIT1 PASI-50, CRIT2 PASI-75, CRIT3 PASI-90, CRIT4 PASI-100 (P = 0), each "Y"/"N", null
without a (non-zero) baseline.

Imputation (``imputation``): "nri" adds DTYPE "NRI" PASITOT/PASIIMPR records with every
CRITyFL "N" for expected visits without an analysis value; "locf" adds DTYPE "LOCF" records
for every parameter carrying the last analysis value forward (CRIT flags recomputed); "none"
adds nothing. Expected visits: see :func:`psotrial.adam.findings.build_expected_visits`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import partial
from typing import Literal

import numpy as np
import polars as pl

from psotrial.adam._frame import temp_name
from psotrial.adam.criteria import derive_vars_crit_flag
from psotrial.adam.findings import (
    POST_BASELINE,
    ParamSource,
    build_expected_visits,
    build_param_records,
    derive_bds_changes,
    derive_bds_core,
)
from psotrial.adam.imputation import derive_locf_records, derive_nri_records
from psotrial.adam.windows import compute_analysis_windows
from psotrial.instruments import check_pasi_response, compute_improvement, to_tenths
from psotrial.protocol import Protocol

__all__ = [
    "PASI_CRITERIA",
    "PASI_SOURCES",
    "build_adpasi",
    "build_adpasi_core",
    "derive_vars_pasi_crit",
]

Imputation = Literal["nri", "locf", "none"]

PASI_SOURCES: tuple[ParamSource, ...] = (
    ParamSource("RS", "PASI0229", "PASITOT", 1, "PASI Total Score"),
    *(ParamSource("RS", f"PASI02{n:02d}", f"PASI02{n:02d}", 100 + n) for n in range(1, 29)),
)

# (CRIT number, percent improvement, description); 100 is PASI-100, P = 0.
PASI_CRITERIA: tuple[tuple[int, int, str], ...] = (
    (1, 50, "PASI 50: 100*(BASE-AVAL) >= 50*BASE"),
    (2, 75, "PASI 75: 100*(BASE-AVAL) >= 75*BASE"),
    (3, 90, "PASI 90: 100*(BASE-AVAL) >= 90*BASE"),
    (4, 100, "PASI 100: AVAL = 0"),
)

_KEEP = ("STUDYID", "PARAM", "PARAMN", "AVALU", "TRTSDT", "TRTEDT")


def derive_vars_pasi_crit(dataset: pl.DataFrame, *, filter: pl.Expr) -> pl.DataFrame:
    """Add CRIT1-CRIT4 (PASI-50/75/90/100) on the records in ``filter``, exact on tenths.

    Example:
        >>> ds = pl.DataFrame({"AVAL": [1.9, 2.5, 0.9, 0.0], "BASE": [7.6, 9.9, 9.0, 8.1]})
        >>> out = derive_vars_pasi_crit(ds, filter=pl.lit(True))
        >>> out.select("CRIT2FL", "CRIT3FL", "CRIT4FL").rows()
        [('Y', 'N', 'N'), ('N', 'N', 'N'), ('Y', 'Y', 'N'), ('Y', 'Y', 'Y')]
    """
    tenths = _Tenths(dataset)
    for number, percent, description in PASI_CRITERIA:
        column = temp_name(dataset, "met")
        met = tenths.compute(
            100 * (tenths.base - tenths.value) >= percent * tenths.base,
            partial(_responds, percent=percent),
            pl.Boolean(),
        )
        dataset = derive_vars_crit_flag(
            dataset.with_columns(met.alias(column)),
            crit_nr=number,
            condition=pl.col(column),
            description=description,
            filter=filter,
        ).drop(column)
    return dataset


class _Tenths:
    """AVAL and BASE as integer tenths where both are exactly a PASI 0-72 in steps of 0.1.

    ``t = round(10x)`` with ``t / 10 == x`` (IEEE division, in NumPy) means ``x`` is the
    float of the decimal ``t/10`` (the float spacing below 72 is far under 0.1), so ``t``
    is what :func:`to_tenths` reads from its shortest repr. Rows where either is not
    (off the lattice, out of range, NaN) go through the exact per-value function, which
    raises as before; rows with a zero baseline are null.
    """

    def __init__(self, dataset: pl.DataFrame) -> None:
        self.values, self.bases = dataset.get_column("AVAL"), dataset.get_column("BASE")
        self.value, value_ok = self._read(self.values)
        self.base, base_ok = self._read(self.bases)
        both = (self.values.is_not_null() & self.bases.is_not_null()).to_numpy()
        self.fast = value_ok & base_ok & (self.base != 0)
        self.slow = both & ~(value_ok & base_ok)

    @staticmethod
    def _read(values: pl.Series) -> tuple[np.ndarray, np.ndarray]:
        x = values.cast(pl.Float64).to_numpy()
        with np.errstate(invalid="ignore"):
            scaled = np.round(x * 10)
            ok = np.isfinite(x) & (scaled / 10 == x) & (scaled >= 0) & (scaled <= 720)
        return np.where(ok, scaled, 0).astype(np.int64), ok

    def compute(
        self,
        fast: np.ndarray,
        slow: Callable[[float | None, float | None], object],
        dtype: pl.DataType,
    ) -> pl.Series:
        """``fast`` (computed on ``self.value``/``self.base``) on the lattice, else ``slow``."""
        result = pl.Series(fast).cast(dtype).set(pl.Series(~self.fast), None)
        rows = np.flatnonzero(self.slow)
        if rows.size:
            values, bases = self.values.gather(rows), self.bases.gather(rows)
            pairs = zip(values.to_list(), bases.to_list(), strict=True)
            result = result.scatter(rows, pl.Series([slow(v, b) for v, b in pairs], dtype=dtype))
        return result


def _responds(value: float | None, base: float | None, percent: int) -> bool | None:
    if value is None or base is None:
        return None
    base_tenths = to_tenths(base, "BASE")
    if base_tenths == 0:
        return None
    return check_pasi_response(base_tenths, to_tenths(value, "AVAL"), percent)


def _improvement(value: float | None, base: float | None) -> float | None:
    if value is None or base is None:
        return None
    base_tenths = to_tenths(base, "BASE")
    if base_tenths == 0:
        return None
    rate: Fraction = compute_improvement(base_tenths, to_tenths(value, "AVAL"))
    return float(rate)


def build_adpasi(
    sdtm: Mapping[str, pl.DataFrame],
    protocol: Protocol,
    *,
    adsl: pl.DataFrame,
    imputation: Imputation = "nri",
    core: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """ADPASI records (not yet sequenced nor merged with ADSL; see ``build_adam``).

    ``adsl`` needs STUDYID, USUBJID, TRTSDT, TRTEDT, and for imputation FASFL, LSTALVDT and
    EOSSTT. ``core``: the :func:`build_adpasi_core` records, when already built from an
    ADSL with the same TRTSDT/TRTEDT (``build_adam`` builds them once for both passes).
    """
    windows = compute_analysis_windows(protocol, form="pasi")
    data = build_adpasi_core(sdtm, protocol, adsl=adsl) if core is None else core
    if imputation != "none":
        paramcds = ["PASITOT"] if imputation == "nri" else [s.paramcd for s in PASI_SOURCES]
        expected = build_expected_visits(data, adsl=adsl, windows=windows, paramcds=paramcds)
    if imputation == "locf":
        data = derive_locf_records(data, dataset_ref=expected, keep_vars=_KEEP)
        data = derive_bds_changes(data)
    not_nri = pl.col("DTYPE").is_null() | (pl.col("DTYPE") != "NRI")
    scored = (pl.col("PARAMCD") == "PASITOT") & not_nri & POST_BASELINE.fill_null(False)
    data = derive_vars_pasi_crit(data, filter=scored)
    if imputation == "nri":
        data = derive_nri_records(
            data, dataset_ref=expected, crit_nrs=[c[0] for c in PASI_CRITERIA], keep_vars=_KEEP
        )
        data = derive_bds_changes(data)
    return pl.concat([data, _improvement_records(data)], how="diagonal_relaxed")


def build_adpasi_core(
    sdtm: Mapping[str, pl.DataFrame], protocol: Protocol, *, adsl: pl.DataFrame
) -> pl.DataFrame:
    """The observed ADPASI records with dates, windows, baseline, change and ANL01FL.

    They depend on ADSL only through TRTSDT and TRTEDT.
    """
    windows = compute_analysis_windows(protocol, form="pasi")
    records = build_param_records(sdtm, PASI_SOURCES)
    return derive_bds_core(records, adsl=adsl, windows=windows)


def _improvement_records(data: pl.DataFrame) -> pl.DataFrame:
    """PASIIMPR from each PASITOT record after baseline (the rate is 0 by definition at
    baseline and undefined before it)."""
    total = data.filter(
        (pl.col("PARAMCD") == "PASITOT")
        & pl.col("BASE").is_not_null()
        & (pl.col("ABLFL").is_null())
        & (pl.col("ADT").is_null() | (pl.col("ADT") > pl.col("TRTSDT")))
    )
    # (B - P) / B x 100 as one IEEE division of two exact integers: correctly rounded,
    # the same float as float(Fraction) (compute_improvement).
    tenths = _Tenths(total)
    with np.errstate(divide="ignore", invalid="ignore"):
        divided = (100 * (tenths.base - tenths.value)).astype(np.float64) / tenths.base
    rates = tenths.compute(divided, _improvement, pl.Float64())
    drop = [c for c in total.columns if c.startswith("CRIT") or c in ("BASE", "CHG", "PCHG")]
    return total.drop(drop).with_columns(
        pl.lit("PASIIMPR").alias("PARAMCD"),
        pl.lit("PASI Improvement Rate (%)").alias("PARAM"),
        pl.lit(2, pl.Int64).alias("PARAMN"),
        pl.lit("%").alias("AVALU"),
        rates.alias("AVAL"),
        pl.lit("DERIVED").alias("PARAMTYP"),
    )
