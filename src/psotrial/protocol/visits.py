"""Planned visits: study day targets, windows and the forms due at each.

Study day follows CDISC (architecture.md): Day 1 is the first infusion and there is no
Day 0, so week *w* targets Day 7w + 1, and days before Day 1 are negative.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Visit"]


class Visit(BaseModel):
    """One planned visit of the schedule of activities."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z][A-Z0-9]{0,7}$")
    name: str
    epoch: str
    week: int | None = None
    day: int = Field(description="CDISC study day of the target (no day 0)")
    window_before: int = Field(ge=0)
    window_after: int = Field(ge=0)
    forms: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check_day(self) -> Visit:
        if self.day == 0:
            raise ValueError("study day 0 does not exist (CDISC: Day 1 is the first infusion)")
        if self.week is not None and self.day != 7 * self.week + 1:
            raise ValueError(f"week {self.week} targets day {7 * self.week + 1}, not {self.day}")
        return self

    @property
    def first_day(self) -> int:
        """Earliest study day inside the window (skipping the missing day 0)."""
        return _shift_day(self.day, -self.window_before)

    @property
    def last_day(self) -> int:
        """Latest study day inside the window (skipping the missing day 0)."""
        return _shift_day(self.day, self.window_after)


def _shift_day(day: int, offset: int) -> int:
    """Move ``offset`` calendar days from study day ``day``, where day 0 does not exist."""
    ordinal = day - 1 if day > 0 else day  # 0-based: Day 1 -> 0, Day -1 -> -1
    ordinal += offset
    return ordinal + 1 if ordinal >= 0 else ordinal
