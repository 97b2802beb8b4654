"""Imputed analysis records: LOCF and non-responder imputation (DTYPE).

ADaMIG 1.3 §4.2: an imputed value is a new record with DTYPE naming the method, never an
overwritten AVAL. A record is imputed for each expected analysis visit (``dataset_ref``:
by-variables plus AVISIT and AVISITN) that has no analysis record (ANL01FL = "Y").

- LOCF (DTYPE "LOCF", CT C81224): AVAL and its trace (SRCDOM/SRCVAR/SRCSEQ) are carried
  from the latest analysis record at an earlier AVISITN, baseline included (admiral
  ``derive_locf_records``). Without an earlier value nothing is imputed.
- Non-responder imputation (DTYPE "NRI", a sponsor extension of C81224): AVAL stays null and
  every responder flag CRITyFL given is "N", with the parameter's CRITy text. A missing
  response is a failure to respond (the usual convention for PASI-50/75 endpoints).

Imputed records get ANL01FL = "Y" and no ADT/ADY; they are appended after the input rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from psotrial.adam._frame import require_columns, temp_name

__all__ = ["derive_locf_records", "derive_nri_records"]

_VISIT = ("AVISIT", "AVISITN")


def _missing(
    dataset: pl.DataFrame, dataset_ref: pl.DataFrame, by_vars: Sequence[str], flag: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    require_columns(dataset, [*by_vars, *_VISIT, flag, "AVAL"])
    require_columns(dataset_ref, [*by_vars, *_VISIT])
    observed = dataset.filter(pl.col(flag) == "Y")
    if "DTYPE" in dataset.columns:
        observed = observed.filter(pl.col("DTYPE").is_null())
    expected = dataset_ref.select([*by_vars, *_VISIT]).unique(maintain_order=True)
    missing = expected.join(
        observed.select([*by_vars, "AVISIT"]), on=[*by_vars, "AVISIT"], how="anti"
    )
    return observed, missing


def _first_of_group(
    dataset: pl.DataFrame, by_vars: Sequence[str], keep_vars: Sequence[str]
) -> pl.DataFrame:
    present = [v for v in keep_vars if v in dataset.columns and v not in by_vars]
    return dataset.group_by(list(by_vars), maintain_order=True).agg(pl.col(present).first())


def derive_locf_records(
    dataset: pl.DataFrame,
    *,
    dataset_ref: pl.DataFrame,
    by_vars: Sequence[str] = ("USUBJID", "PARAMCD"),
    keep_vars: Sequence[str] = (),
    analysis_flag: str = "ANL01FL",
) -> pl.DataFrame:
    """Append a DTYPE = "LOCF" record for each expected visit without an analysis record.

    Args:
        dataset_ref: the expected visits: ``by_vars``, AVISIT, AVISITN.
        keep_vars: variables constant within a by-group (STUDYID, PARAM, ADSL variables)
            copied onto the new records.

    Raises:
        MissingVariablesError: a by, visit or flag variable is absent.

    Example:
        >>> ds = pl.DataFrame({"USUBJID": ["1", "1"], "PARAMCD": ["P", "P"],
        ...     "AVISIT": ["WEEK 0", "WEEK 4"], "AVISITN": [0.0, 4.0], "AVAL": [20.0, 9.0],
        ...     "ANL01FL": ["Y", "Y"]})
        >>> ref = pl.DataFrame({"USUBJID": ["1"] * 2, "PARAMCD": ["P"] * 2,
        ...     "AVISIT": ["WEEK 4", "WEEK 8"], "AVISITN": [4.0, 8.0]})
        >>> derive_locf_records(ds, dataset_ref=ref).select("AVISIT", "AVAL", "DTYPE").rows()
        [('WEEK 0', 20.0, None), ('WEEK 4', 9.0, None), ('WEEK 8', 9.0, 'LOCF')]
    """
    observed, missing = _missing(dataset, dataset_ref, by_vars, analysis_flag)
    carried = [v for v in ("AVAL", "AVALC", "SRCDOM", "SRCVAR", "SRCSEQ") if v in dataset.columns]
    source_n = temp_name(dataset, "srcn")
    sources = observed.select([*by_vars, pl.col("AVISITN").alias(source_n), *carried])
    # The latest earlier analysis record per missing visit (a backward as-of join, written
    # as join + filter so that no sortedness assumption is needed).
    candidates = missing.join(sources, on=list(by_vars), how="inner").filter(
        pl.col(source_n) < pl.col("AVISITN")
    )
    imputed = (
        candidates.sort([*by_vars, "AVISITN", source_n], maintain_order=True)
        .group_by([*by_vars, "AVISIT", "AVISITN"], maintain_order=True)
        .last()
        .drop(source_n)
    )
    constant = _first_of_group(dataset, by_vars, [v for v in keep_vars if v not in carried])
    imputed = imputed.join(constant, on=list(by_vars), how="left", maintain_order="left")
    imputed = imputed.with_columns(pl.lit("LOCF").alias("DTYPE"), pl.lit("Y").alias(analysis_flag))
    return pl.concat([_with_dtype(dataset), imputed], how="diagonal_relaxed")


def derive_nri_records(
    dataset: pl.DataFrame,
    *,
    dataset_ref: pl.DataFrame,
    crit_nrs: Sequence[int],
    by_vars: Sequence[str] = ("USUBJID", "PARAMCD"),
    keep_vars: Sequence[str] = (),
    analysis_flag: str = "ANL01FL",
) -> pl.DataFrame:
    """Append a DTYPE = "NRI" non-responder record for each expected visit without one.

    Args:
        dataset_ref: the expected visits: ``by_vars``, AVISIT, AVISITN.
        crit_nrs: the responder criteria: CRITyFL is "N" and CRITy is copied from the
            by-group's existing records.
        keep_vars: variables constant within a by-group copied onto the new records.

    Raises:
        MissingVariablesError: a by, visit, flag or CRITy/CRITyFL variable is absent.

    Example:
        >>> ds = pl.DataFrame({"USUBJID": ["1"], "PARAMCD": ["P"], "AVISIT": ["WEEK 0"],
        ...     "AVISITN": [0.0], "AVAL": [20.0], "ANL01FL": ["Y"],
        ...     "CRIT1": ["PASI 50"], "CRIT1FL": ["N"]})
        >>> ref = pl.DataFrame({"USUBJID": ["1"], "PARAMCD": ["P"], "AVISIT": ["WEEK 12"],
        ...     "AVISITN": [12.0]})
        >>> derive_nri_records(ds, dataset_ref=ref, crit_nrs=[1]).select(
        ...     "AVISIT", "AVAL", "CRIT1", "CRIT1FL", "DTYPE").rows()[1]
        ('WEEK 12', None, 'PASI 50', 'N', 'NRI')
    """
    crits = [f"CRIT{n}" for n in crit_nrs]
    require_columns(dataset, [*crits, *(f"{c}FL" for c in crits)])
    _, missing = _missing(dataset, dataset_ref, by_vars, analysis_flag)
    texts = dataset.filter(pl.col(crits[0]).is_not_null()) if crits else dataset
    descriptions = _first_of_group(texts, by_vars, crits)
    constant = _first_of_group(dataset, by_vars, [v for v in keep_vars if v not in crits])
    imputed = (
        missing.join(constant, on=list(by_vars), how="left", maintain_order="left")
        .join(descriptions, on=list(by_vars), how="left", maintain_order="left")
        .with_columns(
            *(pl.when(pl.col(c).is_not_null()).then(pl.lit("N")).alias(f"{c}FL") for c in crits),
            pl.lit("NRI").alias("DTYPE"),
            pl.lit("Y").alias(analysis_flag),
        )
    )
    return pl.concat([_with_dtype(dataset), imputed], how="diagonal_relaxed")


def _with_dtype(dataset: pl.DataFrame) -> pl.DataFrame:
    if "DTYPE" in dataset.columns:
        return dataset
    return dataset.with_columns(pl.lit(None, pl.String).alias("DTYPE"))
