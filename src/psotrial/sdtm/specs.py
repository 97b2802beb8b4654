"""Every SDTM dataset specification, keyed by dataset name: the one source of metadata for
the builders, the XPT writer, Define-XML and the conformance checks."""

from __future__ import annotations

from psotrial.sdtm.ae import AE_SPEC
from psotrial.sdtm.cm import CM_SPEC
from psotrial.sdtm.dm import DM_SPEC
from psotrial.sdtm.ds import DS_SPEC
from psotrial.sdtm.ex import EX_SPEC
from psotrial.sdtm.fa import FA_SPEC
from psotrial.sdtm.ie import IE_SPEC
from psotrial.sdtm.lb import LB_SPEC
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.mh import MH_SPEC
from psotrial.sdtm.qs import QS_SPEC
from psotrial.sdtm.rs import RS_SPEC
from psotrial.sdtm.se import SE_SPEC
from psotrial.sdtm.supp import SUPP_SPECS
from psotrial.sdtm.sv import SV_SPEC
from psotrial.sdtm.trial_design import TA_SPEC, TE_SPEC, TI_SPEC, TV_SPEC
from psotrial.sdtm.ts import TS_SPEC
from psotrial.sdtm.vs import VS_SPEC

__all__ = ["SDTM_SPECS"]

SDTM_SPECS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        TA_SPEC,
        TE_SPEC,
        TV_SPEC,
        TI_SPEC,
        TS_SPEC,
        DM_SPEC,
        SE_SPEC,
        SV_SPEC,
        DS_SPEC,
        IE_SPEC,
        MH_SPEC,
        CM_SPEC,
        EX_SPEC,
        AE_SPEC,
        LB_SPEC,
        VS_SPEC,
        RS_SPEC,
        QS_SPEC,
        FA_SPEC,
        *SUPP_SPECS.values(),
    )
}
