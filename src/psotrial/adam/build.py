"""``build_adam``: every ADaM dataset from the SDTM datasets and the protocol.

The program reads as admiral's templates do, a list of derivations per dataset:

1. ADSL core (DM, EX, DS and every dated domain for LSTALVDT);
2. the observed ADPASI records (the core of ADPASI without imputation), whose baselines
   decide FASFL and whose week-12 analysis records decide PPROTFL;
3. ADPASI and ADQS with the chosen imputation, ADLB, ADAE;
4. ADSL baseline characteristics from ADPASI, ADQS and VS;
5. each dataset sorted, sequenced (ASEQ), given its ADSL variables, and reduced to its
   specification's variables in order; ADTTE from the final ADPASI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import polars as pl

from psotrial.adam.adae import build_adae
from psotrial.adam.adlb import build_adlb
from psotrial.adam.adpasi import build_adpasi, build_adpasi_core
from psotrial.adam.adqs import build_adqs
from psotrial.adam.adsl import build_adsl, derive_vars_adsl_baseline, derive_vars_adsl_populations
from psotrial.adam.adtte import build_adtte
from psotrial.adam.merge import derive_vars_merged
from psotrial.adam.specs import ADAM_SPECS
from psotrial.errors import DerivationError
from psotrial.protocol import Protocol
from psotrial.sdtm.conform import concat_sorted
from psotrial.sdtm.metadata import DatasetSpec

__all__ = ["IMPUTATIONS", "Imputation", "build_adam", "concat_adam", "conform_to_spec"]

Imputation = Literal["nri", "locf", "none"]
"""How missing analysis values at expected visits are imputed (see ``build_adam``)."""
IMPUTATIONS: tuple[Imputation, ...] = ("nri", "locf", "none")

_ADSL_VARS = ("SITEID", "TRT01P", "TRT01A", "TRTSDT", "TRTEDT", "SAFFL", "FASFL", "PPROTFL")
_BASELINE_PARAMS = {"PASIBL": "PASITOT", "BSABL": "BSA", "DLQIBL": "DLQITOT", "ITCHBL": "ITCHVAS"}
_TYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "integer": pl.Int64(),
    "float": pl.Float64(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
}


def build_adam(
    sdtm: Mapping[str, pl.DataFrame],
    protocol: Protocol,
    *,
    imputation: Imputation = "nri",
) -> dict[str, pl.DataFrame]:
    """Build ADSL, ADPASI, ADQS, ADLB, ADAE and ADTTE (in that order of keys).

    Args:
        sdtm: SDTM datasets keyed by domain (DM is required; others may be absent).
        protocol: the study definition (visits and windows, arms, outcomes, settings).
        imputation: missing analysis values at expected visits: "nri" (non-responder
            records for the responder parameters), "locf" (last observation carried
            forward for every parameter) or "none".

    Raises:
        DerivationError: an unknown ``imputation`` (the valid ones are listed), or input
            that a derivation cannot use (MissingVariablesError, DuplicateRecordsError).
    """
    if imputation not in IMPUTATIONS:
        raise DerivationError(
            f"imputation: expected one of {', '.join(IMPUTATIONS)}, got {imputation!r}"
        )
    if "DM" not in sdtm:
        raise DerivationError(f"sdtm: DM is required; got {', '.join(sorted(sdtm)) or 'nothing'}")
    adsl = build_adsl(sdtm, protocol)
    # The observed core is built once: the populations add FASFL/PPROTFL, never TRTSDT or
    # TRTEDT, the only ADSL variables it reads.
    core = build_adpasi_core(sdtm, protocol, adsl=adsl)
    # FASFL and PPROTFL read only the observed PASITOT records' ABLFL, ANL01FL, DTYPE and
    # AVISIT, which the core holds as ADPASI without imputation has them: the CRIT flags
    # and PASIIMPR records that pass would add are never read.
    adsl = derive_vars_adsl_populations(adsl, adpasi=core, protocol=protocol)
    adpasi = build_adpasi(sdtm, protocol, adsl=adsl, imputation=imputation, core=core)
    del core
    adqs = build_adqs(sdtm, protocol, adsl=adsl, imputation=imputation)
    adlb = build_adlb(sdtm, protocol, adsl=adsl)
    adae = build_adae(sdtm, adsl=adsl)
    adsl = derive_vars_adsl_baseline(
        adsl,
        bds=pl.concat([adpasi, adqs], how="diagonal_relaxed"),
        vs=sdtm.get("VS"),
        params=_BASELINE_PARAMS,
    )
    bds_order = ["USUBJID", "PARAMN", "PARAMCD", "AVISITN", "ADT", "SRCSEQ", "DTYPE"]
    adpasi = _finish(adpasi, adsl, "ADPASI", bds_order)
    adtte = build_adtte(adpasi, protocol, adsl=adsl)
    return {
        "ADSL": conform_to_spec(adsl.sort("USUBJID", maintain_order=True), ADAM_SPECS["ADSL"]),
        "ADPASI": adpasi,
        "ADQS": _finish(adqs, adsl, "ADQS", bds_order),
        "ADLB": _finish(adlb, adsl, "ADLB", bds_order),
        "ADAE": _finish(adae, adsl, "ADAE", ["USUBJID", "AESEQ"], sequence=False),
        "ADTTE": _finish(adtte, adsl, "ADTTE", ["USUBJID", "PARAMN"]),
    }


def concat_adam(parts: Sequence[Mapping[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """The datasets of :func:`build_adam` of groups of subjects taken in USUBJID order,
    put together as :func:`build_adam` of them all gives them.

    Every dataset is ordered by USUBJID first, and every derivation reads one subject's
    records at a time (baselines, windows, imputation, ASEQ, populations, ADTTE), so a
    subject's records are the same, in the same order, whichever group built them.
    """
    if not parts:
        raise DerivationError("parts: expected at least one group of subjects")
    return {name: concat_sorted([part[name] for part in parts], ["USUBJID"]) for name in parts[0]}


def _finish(
    data: pl.DataFrame, adsl: pl.DataFrame, name: str, order: list[str], *, sequence: bool = True
) -> pl.DataFrame:
    present = [c for c in order if c in data.columns]
    data = data.sort(present, nulls_last=True, maintain_order=True)
    if sequence:
        data = data.with_columns(
            pl.int_range(1, pl.len() + 1).over("USUBJID").cast(pl.Int64).alias("ASEQ")
        )
    data = derive_vars_merged(
        data, dataset_add=adsl, by_vars=["STUDYID", "USUBJID"], new_vars=list(_ADSL_VARS)
    )
    return conform_to_spec(data, ADAM_SPECS[name])


def conform_to_spec(data: pl.DataFrame, spec: DatasetSpec) -> pl.DataFrame:
    """The spec's variables in order, typed by the spec; absent ones as null columns.

    Example:
        >>> from psotrial.sdtm.metadata import Variable
        >>> spec = DatasetSpec("X", "X", "BDS", "", ("A",),
        ...     (Variable("A", "A", "text"), Variable("N", "N", "integer")))
        >>> conform_to_spec(pl.DataFrame({"N": [1.0], "Z": [0]}), spec).schema
        Schema([('A', String), ('N', Int64)])
    """
    return data.select(
        (pl.col(v.name) if v.name in data.columns else pl.lit(None))
        .cast(_TYPES[v.type])
        .alias(v.name)
        for v in spec.variables
    )
