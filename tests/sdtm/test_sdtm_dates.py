from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.errors import MissingVariablesError
from psotrial.schedule import compute_study_day
from psotrial.sdtm.dates import derive_var_dy


@pytest.mark.parametrize(
    ("dtc", "day"),
    [("2026-03-02", 1), ("2026-03-01", -1), ("2026-03-03T08:15", 2), ("2026-02-23", -7),
     ("2026-03", None), ("2026---15", None), (None, None)],
)  # fmt: skip
def test_derive_var_dy_has_no_day_zero_and_needs_complete_dates(
    dtc: str | None, day: int | None
) -> None:
    frame = pl.DataFrame(
        {"RFSTDTC": ["2026-03-02"], "XXDTC": [dtc]},
        schema={"RFSTDTC": pl.String, "XXDTC": pl.String},
    )
    assert derive_var_dy(frame, dtc="XXDTC", new_var="XXDY")["XXDY"].to_list() == [day]


@given(st.dates(date(2000, 1, 1), date(2040, 1, 1)), st.integers(-400, 400))
def test_derive_var_dy_matches_compute_study_day(start: date, offset: int) -> None:
    on = start + timedelta(days=offset)
    frame = pl.DataFrame({"RFSTDTC": [start.isoformat()], "XXDTC": [on.isoformat()]})
    day = derive_var_dy(frame, dtc="XXDTC", new_var="XXDY")["XXDY"].item()
    assert day == compute_study_day(start, on)
    assert day != 0


def test_derive_var_dy_names_missing_columns() -> None:
    with pytest.raises(MissingVariablesError, match="RFSTDTC"):
        derive_var_dy(pl.DataFrame({"XXDTC": ["2026-01-01"]}), dtc="XXDTC", new_var="XXDY")
