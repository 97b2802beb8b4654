"""Who runs the trial and what it gives: identity, sites, arms, epochs and dosing."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Arm", "Dosing", "Epoch", "Identity", "Site"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Identity(_Strict):
    """The registry identity of the study (ClinicalTrials.gov record)."""

    registry_id: str = Field(pattern=r"^NCT\d{8}$")
    other_ids: tuple[str, ...] = ()
    title: str
    short_title: str
    phase: str
    sponsor: str
    condition: str
    design: str
    masking: str
    target_enrollment: int = Field(ge=1)


class Site(_Strict):
    """A trial site; ``code`` prefixes participant IDs (``SITE-NNN``)."""

    code: str = Field(pattern=r"^[A-Z0-9]{2,8}$")
    name: str
    city: str
    country: str
    timezone: str


class Dosing(_Strict):
    """Cells per kilogram of the most recent body weight, per infusion."""

    product: str
    cells_per_kg: int = Field(gt=0)
    route: Literal["IV"]
    deviation_pct: int = Field(ge=0, le=100, description="actual vs planned beyond this is flagged")


class Arm(_Strict):
    """A treatment arm; ``infusion_visits`` name the visits where a dose is given, in order."""

    code: str
    name: str
    type: Literal["experimental", "active_comparator", "placebo_comparator", "no_intervention"]
    description: str
    dosing: Dosing
    infusion_visits: tuple[str, ...] = Field(min_length=1)


class Epoch(_Strict):
    """A trial epoch (CDISC TE/SE): screening, treatment, follow-up."""

    code: str
    name: str
