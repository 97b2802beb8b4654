"""``build_sdtm``: every SDTM dataset from the captured data and the protocol."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from psotrial.protocol import Protocol
from psotrial.sdtm.ae import build_ae
from psotrial.sdtm.cm import build_cm
from psotrial.sdtm.conform import concat_sorted, conform_to_spec
from psotrial.sdtm.context import SdtmContext, build_context
from psotrial.sdtm.dm import build_dm
from psotrial.sdtm.ds import build_ds
from psotrial.sdtm.ex import build_ex
from psotrial.sdtm.fa import build_fa
from psotrial.sdtm.ie import build_ie
from psotrial.sdtm.lb import build_lb
from psotrial.sdtm.mh import build_mh
from psotrial.sdtm.qs import build_qs
from psotrial.sdtm.rs import build_rs
from psotrial.sdtm.se import build_se
from psotrial.sdtm.source import CAPTURED_SCHEMAS, Captured
from psotrial.sdtm.specs import SDTM_SPECS
from psotrial.sdtm.supp import build_supp
from psotrial.sdtm.sv import build_sv
from psotrial.sdtm.trial_design import build_ta, build_te, build_ti, build_tv
from psotrial.sdtm.ts import build_study_ts, build_ts
from psotrial.sdtm.vs import build_vs

__all__ = [
    "BUILDERS",
    "STUDY_DATASETS",
    "SubjectSdtm",
    "build_sdtm",
    "build_study_sdtm",
    "build_subject_sdtm",
    "concat_subject_sdtm",
]

BUILDERS: dict[str, Callable[[SdtmContext], pl.DataFrame]] = {
    "TA": build_ta,
    "TE": build_te,
    "TV": build_tv,
    "TI": build_ti,
    "TS": build_ts,
    "DM": build_dm,
    "SE": build_se,
    "SV": build_sv,
    "DS": build_ds,
    "IE": build_ie,
    "MH": build_mh,
    "CM": build_cm,
    "EX": build_ex,
    "AE": build_ae,
    "LB": build_lb,
    "VS": build_vs,
    "RS": build_rs,
    "QS": build_qs,
    "FA": build_fa,
}


def build_sdtm(
    captured: Captured, protocol: Protocol, *, study_id: str | None = None
) -> dict[str, pl.DataFrame]:
    """Build every SDTM dataset (SDTMIG 3.4, CT 2025-03-28).

    Args:
        captured: the captured frames (:func:`psotrial.capture.extract.load_captured`).
        protocol: the study's protocol.
        study_id: STUDYID; by default the protocol's registry ID (``NCT03745417``).

    Returns:
        Frames keyed by upper-case dataset name (``DM``, ``SUPPEX``...), each with exactly
        the variables of its :data:`~psotrial.sdtm.specs.SDTM_SPECS` entry, in spec order,
        sorted by the spec's keys. A domain with no records is an empty frame.
    """
    context = build_context(captured, protocol, study_id or protocol.identity.registry_id)
    built = {name: builder(context) for name, builder in BUILDERS.items()}
    built |= build_supp(context, built)
    # Each raw frame is released as soon as its conformed copy exists, so a large study
    # never holds every domain twice.
    return {name: conform_to_spec(built.pop(name), spec) for name, spec in SDTM_SPECS.items()}


STUDY_DATASETS = ("TA", "TE", "TV", "TI", "TS")
"""The datasets of the study as a whole: the trial design (the protocol) and TS (the
protocol, the count of enrolled subjects, the first consent and the data cut)."""


@dataclass(frozen=True)
class SubjectSdtm:
    """The subject-level SDTM datasets of a group of subjects, and what TS needs of them."""

    datasets: dict[str, pl.DataFrame]
    subjects: pl.DataFrame
    """participant_code and RFICDTC of each subject (the inputs of TS's ACTSUB, SSTDTC)."""


def build_subject_sdtm(
    captured: Captured, protocol: Protocol, *, study_id: str | None = None
) -> SubjectSdtm:
    """The datasets of :func:`build_sdtm` but :data:`STUDY_DATASETS`, for the subjects of
    ``captured``: a group of the study's participants (``load_captured(participants=)``,
    with the study's data cut).

    Every derivation of these datasets reads one subject's records at a time (--SEQ,
    reference dates, elements, epochs, study days, baselines), so the records of a
    subject are the same whichever group it is built in; :func:`concat_subject_sdtm`
    puts groups back together as :func:`build_sdtm` of them all gives them.
    """
    context = build_context(captured, protocol, study_id or protocol.identity.registry_id)
    built = {
        name: builder(context) for name, builder in BUILDERS.items() if name not in STUDY_DATASETS
    }
    built |= build_supp(context, built)
    datasets = {
        name: conform_to_spec(built.pop(name), spec)
        for name, spec in SDTM_SPECS.items()
        if name not in STUDY_DATASETS
    }
    return SubjectSdtm(datasets, context.subjects.select("participant_code", "RFICDTC"))


def build_study_sdtm(
    protocol: Protocol, subjects: pl.DataFrame, data_cut: date, *, study_id: str | None = None
) -> dict[str, pl.DataFrame]:
    """:data:`STUDY_DATASETS` as :func:`build_sdtm` gives them, from every subject of the
    study (``subjects``: the :attr:`SubjectSdtm.subjects` of all groups, concatenated)."""
    study_id = study_id or protocol.identity.registry_id
    # The trial design reads only the protocol and STUDYID: an empty study gives them.
    context = build_context(_empty_captured(data_cut), protocol, study_id)
    built = {name: BUILDERS[name](context) for name in STUDY_DATASETS if name != "TS"}
    built["TS"] = build_study_ts(protocol, study_id, subjects, data_cut)
    return {name: conform_to_spec(built[name], SDTM_SPECS[name]) for name in STUDY_DATASETS}


def concat_subject_sdtm(parts: Sequence[pl.DataFrame], name: str) -> pl.DataFrame:
    """Dataset ``name`` of groups of subjects taken in USUBJID order, in dataset order."""
    return concat_sorted(parts, SDTM_SPECS[name].keys)


def _empty_captured(data_cut: date) -> Captured:
    empty = {name: pl.DataFrame(schema=dict(schema)) for name, schema in CAPTURED_SCHEMAS.items()}
    return Captured(**empty, data_cut=data_cut)
