"""ADQS: patient-reported and extent outcomes per analysis visit (BDS).

Parameters (cdisc.md §1.3-1.4; the QS/FA test codes of :mod:`psotrial.sdtm`):

=========  ==========================================  =========================
PARAMCD    PARAM                                       source
=========  ==========================================  =========================
DLQITOT    DLQI Total Score                            QS DLQI111 (QSCAT DLQI)
DLQI112..  DLQI subscores (QSTEST)                     QS DLQI112-DLQI117
ITCHVAS    Pruritus VAS (mm)                           QS PRUVAS01 (sponsor)
BSA        Percent BSA Affected (%)                    FA BSAAFCTP (SKIN)
SASRAW     Zung SAS Raw Score                          QS ZSAS01RS (sponsor)
SASIDX     Zung SAS Index Score (raw x 1.25)           QS ZSAS01SS (sponsor)
SDSRAW     Zung SDS Raw Score                          QS ZSDS01RS (sponsor)
SDSIDX     Zung SDS Index Score (raw x 1.25)           QS ZSDS01SS (sponsor)
=========  ==========================================  =========================

Responder criteria (domain.md §3.1, §4):

- DLQITOT CRIT1 "DLQI MCID: CHG <= -4" (Basra 2015; :func:`compute_dlqi_mcid`), CRIT2
  "DLQI 0/1: AVAL <= 1" (no effect on the patient's life; Hongbo 2005 band).
- ITCHVAS CRIT1 "Pruritus VAS MCID: CHG <= -10 mm" (HQLO 2013;11:82;
  :func:`compute_itch_mcid`).

All are decided on integers (DLQI totals and VAS millimetres are whole numbers). Imputation
is as in ADPASI: "nri" for DLQITOT and ITCHVAS (the responder parameters), "locf" for every
parameter, each only at the visits where its form is scheduled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

import polars as pl

from psotrial.adam._frame import compute_distinct, temp_name
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
from psotrial.errors import DerivationError
from psotrial.instruments import compute_dlqi_mcid, compute_itch_mcid
from psotrial.protocol import Protocol

__all__ = ["QS_CRITERIA", "QS_SOURCES", "build_adqs", "derive_vars_qs_crit"]

Imputation = Literal["nri", "locf", "none"]

# (source, CRF form whose schedule gives the analysis visits)
QS_SOURCES: tuple[tuple[ParamSource, str], ...] = (
    (ParamSource("QS", "DLQI111", "DLQITOT", 1, "DLQI Total Score", category="DLQI"), "dlqi"),
    *(
        (ParamSource("QS", f"DLQI1{n}", f"DLQI1{n}", n - 10, category="DLQI"), "dlqi")
        for n in range(12, 18)
    ),
    (ParamSource("QS", "PRUVAS01", "ITCHVAS", 10, "Pruritus VAS (mm)", unit="mm"), "itch"),
    (
        ParamSource(
            "FA", "BSAAFCTP", "BSA", 20, "Percent BSA Affected (%)", location="SKIN", unit="%"
        ),
        "bsa",
    ),
    (ParamSource("QS", "ZSAS01RS", "SASRAW", 30, "Zung SAS Raw Score"), "zung_sas"),
    (ParamSource("QS", "ZSAS01SS", "SASIDX", 31, "Zung SAS Index Score (raw x 1.25)"), "zung_sas"),
    (ParamSource("QS", "ZSDS01RS", "SDSRAW", 32, "Zung SDS Raw Score"), "zung_sds"),
    (ParamSource("QS", "ZSDS01SS", "SDSIDX", 33, "Zung SDS Index Score (raw x 1.25)"), "zung_sds"),
)


def _dlqi_mcid(value: float, base: float) -> bool:
    return compute_dlqi_mcid(_whole(base), _whole(value))


def _dlqi_none(value: float, base: float) -> bool:
    return _whole(value) <= 1


def _itch_mcid(value: float, base: float) -> bool:
    return compute_itch_mcid(_whole(base), _whole(value))


def _whole(value: float) -> int:
    if not float(value).is_integer():
        raise DerivationError(f"expected a whole-number score, got {value!r}")
    return int(value)


# (PARAMCD, CRIT number, description, decision on (AVAL, BASE))
QS_CRITERIA: tuple[tuple[str, int, str, Callable[[float, float], bool]], ...] = (
    ("DLQITOT", 1, "DLQI MCID: CHG <= -4", _dlqi_mcid),
    ("DLQITOT", 2, "DLQI 0/1: AVAL <= 1", _dlqi_none),
    ("ITCHVAS", 1, "Pruritus VAS MCID: CHG <= -10 mm", _itch_mcid),
)

_KEEP = ("STUDYID", "PARAM", "PARAMN", "AVALU", "TRTSDT", "TRTEDT")


def derive_vars_qs_crit(dataset: pl.DataFrame, *, filter: pl.Expr) -> pl.DataFrame:
    """Add the responder criteria of ``QS_CRITERIA`` on the records in ``filter``.

    Example:
        >>> ds = pl.DataFrame({"PARAMCD": ["DLQITOT", "DLQITOT", "ITCHVAS"],
        ...     "AVAL": [10.0, 11.0, 50.0], "BASE": [14.0, 14.0, 60.0]})
        >>> out = derive_vars_qs_crit(ds, filter=pl.lit(True))
        >>> out["CRIT1FL"].to_list(), out["CRIT2FL"].to_list()
        (['Y', 'N', 'Y'], ['N', 'N', None])
    """
    for paramcd, number, description, decide in QS_CRITERIA:

        def decision(
            code: object,
            value: object,
            base: object,
            paramcd: str = paramcd,
            decide: Callable[..., bool] = decide,
        ) -> tuple[bool | None]:
            if code != paramcd or value is None or base is None:
                return (None,)
            return (decide(value, base),)

        met = compute_distinct(
            dataset, ["PARAMCD", "AVAL", "BASE"], decision, {"met": pl.Boolean()}
        ).get_column("met")
        column = temp_name(dataset, "met")
        dataset = derive_vars_crit_flag(
            dataset.with_columns(met.alias(column)),
            crit_nr=number,
            condition=pl.col(column),
            description=description,
            filter=filter & (pl.col("PARAMCD") == paramcd),
        ).drop(column)
    return dataset


def build_adqs(
    sdtm: Mapping[str, pl.DataFrame],
    protocol: Protocol,
    *,
    adsl: pl.DataFrame,
    imputation: Imputation = "nri",
) -> pl.DataFrame:
    """ADQS records (not yet sequenced nor merged with ADSL; see ``build_adam``)."""
    parts = []
    forms: dict[str, list[ParamSource]] = {}
    for source, form in QS_SOURCES:
        forms.setdefault(form, []).append(source)
    responders = {paramcd for paramcd, *_ in QS_CRITERIA}
    for form, sources in forms.items():
        windows = compute_analysis_windows(protocol, form=form)
        data = derive_bds_core(build_param_records(sdtm, sources), adsl=adsl, windows=windows)
        codes = [s.paramcd for s in sources]
        if imputation == "locf":
            expected = build_expected_visits(data, adsl=adsl, windows=windows, paramcds=codes)
            data = derive_bds_changes(
                derive_locf_records(data, dataset_ref=expected, keep_vars=_KEEP)
            )
        parts.append(data)
    data = pl.concat(parts, how="diagonal_relaxed")
    not_nri = pl.col("DTYPE").is_null() | (pl.col("DTYPE") != "NRI")
    data = derive_vars_qs_crit(data, filter=not_nri & POST_BASELINE.fill_null(False))
    if imputation == "nri":
        for form, sources in forms.items():
            codes = [s.paramcd for s in sources if s.paramcd in responders]
            if not codes:
                continue
            windows = compute_analysis_windows(protocol, form=form)
            expected = build_expected_visits(data, adsl=adsl, windows=windows, paramcds=codes)
            numbers = sorted({n for code, n, *_ in QS_CRITERIA if code in codes})
            data = derive_nri_records(data, dataset_ref=expected, crit_nrs=numbers, keep_vars=_KEEP)
        data = derive_bds_changes(data)
    return data
