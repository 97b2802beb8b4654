# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from psotrial.protocol import Protocol
from psotrial.sdtm.elements import build_elements, derive_var_epoch


def _subject(**values: Any) -> dict[str, Any]:
    base = {"participant_id": 1, "USUBJID": "S-1", "RFICDTC": "2026-02-20", "RFSTDTC": None,
            "dispo_date": None, "screening_date": date(2026, 2, 23)}  # fmt: skip
    return base | values


def _elements(
    protocol: Protocol, subject: dict[str, Any], visits: dict[str, date]
) -> list[tuple[Any, ...]]:
    subjects = pl.DataFrame([subject], infer_schema_length=None)
    frame = pl.DataFrame(
        {
            "participant_id": [1] * len(visits),
            "visit_code": list(visits),
            "actual_date": list(visits.values()),
        },
        schema={"participant_id": pl.Int64, "visit_code": pl.String, "actual_date": pl.Date},
    )
    built = build_elements(protocol, subjects, frame)
    return [
        (e, s.isoformat(), n.isoformat() if n else None)
        for e, s, n in built.select("ETCD", "start", "end").rows()
    ]


D = date


@pytest.mark.parametrize(
    ("subject", "visits", "expected"),
    [
        # screen failure: screening only, ending on the failure date
        (_subject(dispo_date="2026-02-24"), {"SCR": D(2026, 2, 23)}, [("SCRN", "2026-02-20", "2026-02-24")]),
        # on treatment at the data cut: treatment open
        (_subject(RFSTDTC="2026-03-02"), {"SCR": D(2026, 2, 23), "W0": D(2026, 3, 2), "W2": D(2026, 3, 16)},
         [("SCRN", "2026-02-20", "2026-03-01"), ("UCMSC", "2026-03-02", None)]),
        # W12 done, in follow-up: treatment ends at W12, follow-up starts the next day
        (_subject(RFSTDTC="2026-03-02"), {"W0": D(2026, 3, 2), "W12": D(2026, 5, 25), "W16": D(2026, 6, 22)},
         [("SCRN", "2026-02-20", "2026-03-01"), ("UCMSC", "2026-03-02", "2026-05-25"), ("FU", "2026-05-26", None)]),
        # W12 missed but W16 done: treatment ends the day before W16
        (_subject(RFSTDTC="2026-03-02"), {"W0": D(2026, 3, 2), "W16": D(2026, 6, 22)},
         [("SCRN", "2026-02-20", "2026-03-01"), ("UCMSC", "2026-03-02", "2026-06-21"), ("FU", "2026-06-22", None)]),
        # withdrawn during treatment: no follow-up element
        (_subject(RFSTDTC="2026-03-02", dispo_date="2026-04-01"), {"W0": D(2026, 3, 2), "W4": D(2026, 3, 30)},
         [("SCRN", "2026-02-20", "2026-03-01"), ("UCMSC", "2026-03-02", "2026-04-01")]),
        # completed at W24
        (_subject(RFSTDTC="2026-03-02", dispo_date="2026-08-17"), {"W12": D(2026, 5, 25), "W24": D(2026, 8, 17)},
         [("SCRN", "2026-02-20", "2026-03-01"), ("UCMSC", "2026-03-02", "2026-05-25"), ("FU", "2026-05-26", "2026-08-17")]),
    ],
)  # fmt: skip
def test_build_elements_are_contiguous_whole_days(
    protocol: Protocol,
    subject: dict[str, Any],
    visits: dict[str, date],
    expected: list[tuple[Any, ...]],
) -> None:
    assert _elements(protocol, subject, visits) == expected


def test_derive_var_epoch_puts_day_one_in_treatment_and_undated_records_nowhere() -> None:
    elements = pl.DataFrame({
        "USUBJID": ["A"] * 3, "EPOCH": ["SCREENING", "TREATMENT", "FOLLOW-UP"], "TAETORD": [1, 2, 3],
        "start": [D(2026, 2, 20), D(2026, 3, 2), D(2026, 5, 26)], "end": [D(2026, 3, 1), D(2026, 5, 25), None],
    })  # fmt: skip
    frame = pl.DataFrame({"USUBJID": ["A"] * 6,
                          "XXDTC": ["2026-03-01", "2026-03-02T08:00", "2026-05-25", "2026-05-26", "2026-01-01", None]})  # fmt: skip
    epochs = derive_var_epoch(frame, elements=elements, dtc="XXDTC")["EPOCH"].to_list()
    assert epochs == ["SCREENING", "TREATMENT", "TREATMENT", "FOLLOW-UP", None, None]
