"""Registered outcome measures and the protocol's named analysis decisions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Outcome", "ProtocolSettings"]


class Outcome(BaseModel):
    """One outcome measure as registered, in the registry's order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^O\d{2}$")
    kind: Literal["primary", "secondary"]
    title: str
    description: str
    time_frame: str
    measure: Literal[
        "pasi_improvement_pct",
        "pasi",
        "relapse_rate",
        "pasi50",
        "pasi75",
        "itch_vas",
        "bsa_pct",
        "dlqi",
    ]
    visits: tuple[str, ...] = Field(min_length=1)


class ProtocolSettings(BaseModel):
    """The decisions of architecture.md, named so that a protocol states each one.

    Each value is a closed choice: a protocol that needs another convention adds it here
    and in the code that honours it, never by a free-text flag.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    study_day: Literal["cdisc_day1_no_day0"] = "cdisc_day1_no_day0"
    baseline: Literal["last_non_missing_on_or_before_first_infusion"] = (
        "last_non_missing_on_or_before_first_infusion"
    )
    analysis_visit: Literal["closest_to_target_earlier_on_tie"] = "closest_to_target_earlier_on_tie"
    out_of_window: Literal["flag_and_exclude_from_primary"] = "flag_and_exclude_from_primary"
    relapse_primary: Literal["protocol", "npf"] = "protocol"
    relapse_sensitivity: Literal["protocol", "npf"] = "npf"
    npf_boundary_inclusive: bool = True
    rebound_pct: int = Field(default=125, gt=100)
    rebound_within_days: int = Field(default=90, gt=0)
    zung_comparison: Literal["exact_index", "truncated_index", "rounded_index"] = "exact_index"
    zung_display: Literal["truncate", "round_half_up"] = "truncate"
    dlqi_missing: Literal["one_item_scored_zero"] = "one_item_scored_zero"
    calcium: Literal["total_payne_corrected_when_albumin"] = "total_payne_corrected_when_albumin"
    washout_reference: Literal["planned_first_infusion_else_screening_date"] = (
        "planned_first_infusion_else_screening_date"
    )
    age: Literal["completed_years_at_screening"] = "completed_years_at_screening"
    dose_weight: Literal["most_recent_on_or_before_infusion"] = "most_recent_on_or_before_infusion"
