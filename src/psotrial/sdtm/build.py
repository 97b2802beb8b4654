"""``build_sdtm``: every SDTM dataset from the captured data and the protocol."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from psotrial.protocol import Protocol
from psotrial.sdtm.ae import build_ae
from psotrial.sdtm.cm import build_cm
from psotrial.sdtm.conform import conform_to_spec
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
from psotrial.sdtm.source import Captured
from psotrial.sdtm.specs import SDTM_SPECS
from psotrial.sdtm.supp import build_supp
from psotrial.sdtm.sv import build_sv
from psotrial.sdtm.trial_design import build_ta, build_te, build_ti, build_tv
from psotrial.sdtm.ts import build_ts
from psotrial.sdtm.vs import build_vs

__all__ = ["BUILDERS", "build_sdtm"]

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
