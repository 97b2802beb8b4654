"""Scoring instruments: pure functions from responses to exact scores.

One module per instrument (PASI, BSA, DLQI, itch VAS, Zung SAS/SDS, PASI response over time);
each cites its scoring source and states its missing-data rule in its docstring.
"""

from psotrial.instruments.bsa import PALM_PCT, REGION_MAX_PCT, BsaResult, RegionBsa, compute_bsa
from psotrial.instruments.dlqi import (
    DLQI_COPYRIGHT,
    DlqiResult,
    compute_dlqi,
    compute_dlqi_band,
    compute_dlqi_mcid,
)
from psotrial.instruments.itch import ItchResult, compute_itch, compute_itch_mcid
from psotrial.instruments.pasi import (
    REGION_WEIGHTS,
    REGIONS,
    SIGNS,
    PasiResult,
    RegionScore,
    compute_area_score,
    compute_pasi,
)
from psotrial.instruments.response import (
    Rebound,
    Relapse,
    ResponseResult,
    VisitResponse,
    check_pasi_response,
    compute_improvement,
    compute_response,
    to_tenths,
)
from psotrial.instruments.zung import (
    DISPLAY_CHOICES,
    REVERSE_ITEMS,
    SCALES,
    ZungResult,
    compute_zung,
)

# ctcae: re-exported by its author

__all__ = [
    "DISPLAY_CHOICES",
    "DLQI_COPYRIGHT",
    "PALM_PCT",
    "REGIONS",
    "REGION_MAX_PCT",
    "REGION_WEIGHTS",
    "REVERSE_ITEMS",
    "SCALES",
    "SIGNS",
    "BsaResult",
    "DlqiResult",
    "ItchResult",
    "PasiResult",
    "Rebound",
    "RegionBsa",
    "RegionScore",
    "Relapse",
    "ResponseResult",
    "VisitResponse",
    "ZungResult",
    "check_pasi_response",
    "compute_area_score",
    "compute_bsa",
    "compute_dlqi",
    "compute_dlqi_band",
    "compute_dlqi_mcid",
    "compute_improvement",
    "compute_itch",
    "compute_itch_mcid",
    "compute_pasi",
    "compute_response",
    "compute_zung",
    "to_tenths",
]
