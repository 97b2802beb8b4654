"""Literal SDTM tables for the ADaM tests: three participants of NCT03745417.

- S-001: treated 2026-03-02 (five infusions), baseline PASI 7.6 on Day 1 (screening 20.0
  earlier); PASI 3.8 at week 4 (exactly 50%), 1.9 at week 8 (exactly 75%: the float trap of
  domain.md R2), 2.0 on Day 84 and 1.5 on Day 87 (both in the week-12 window; Day 84 is
  nearer), 4.0 at week 16 (2*4.0 > 7.6: protocol relapse), completed.
- S-002: treated 2026-03-09 (two infusions), baseline PASI 9.0, 0.9 at week 2 (exactly 90%,
  domain.md R3), then discontinued (adverse event) after week 2: weeks 4-24 are missing.
- S-003: screen failure (no arm, no infusion).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from psotrial.protocol import Protocol, load_protocol

STUDY = "NCT03745417"


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    return load_protocol("nct03745417")


def _rs(rows: list[tuple[str, str, str, float]]) -> pl.DataFrame:
    """(USUBJID, date, VISIT, total PASI) -> RS PASI0229 records with RSSEQ per subject."""
    seq: dict[str, int] = {}
    records = []
    for subject, when, visit, total in rows:
        seq[subject] = seq.get(subject, 0) + 1
        records.append(
            {
                "STUDYID": STUDY,
                "DOMAIN": "RS",
                "USUBJID": subject,
                "RSSEQ": seq[subject],
                "RSCAT": "PASI FELDMAN",
                "RSTESTCD": "PASI0229",
                "RSTEST": "PASI02-Total Sum",
                "RSSTRESC": str(total),
                "RSSTRESN": total,
                "VISITNUM": None,
                "VISIT": visit,
                "RSDTC": when,
            }
        )
    return pl.DataFrame(records, schema_overrides={"VISITNUM": pl.Float64})


PASI_ROWS = [
    ("S-001", "2026-02-20", "SCREENING", 20.0),
    ("S-001", "2026-03-02", "WEEK 0", 7.6),
    ("S-001", "2026-03-16", "WEEK 2", 5.0),
    ("S-001", "2026-03-30", "WEEK 4", 3.8),
    ("S-001", "2026-04-13", "WEEK 6", 3.0),
    ("S-001", "2026-04-27", "WEEK 8", 1.9),
    ("S-001", "2026-05-24", "WEEK 12", 2.0),
    ("S-001", "2026-05-27", "UNSCHEDULED", 1.5),
    ("S-001", "2026-06-22", "WEEK 16", 4.0),
    ("S-001", "2026-07-20", "WEEK 20", 4.1),
    ("S-001", "2026-08-17", "WEEK 24", 3.0),
    ("S-002", "2026-03-09", "WEEK 0", 9.0),
    ("S-002", "2026-03-23", "WEEK 2", 0.9),
    ("S-003", "2026-03-01", "SCREENING", 5.0),
]


def build_literal_sdtm() -> dict[str, pl.DataFrame]:
    dm = pl.DataFrame(
        {
            "STUDYID": [STUDY] * 3,
            "DOMAIN": ["DM"] * 3,
            "USUBJID": ["S-001", "S-002", "S-003"],
            "SUBJID": ["001", "002", "003"],
            "RFICDTC": ["2026-02-16", "2026-02-23", "2026-02-25"],
            "SITEID": ["GZ01"] * 3,
            "AGE": [44, 52, 30],
            "AGEU": ["YEARS", "YEARS", "YEARS"],
            "SEX": ["F", "M", "M"],
            "RACE": [None, None, None],
            "ARMCD": ["UCMSC", "UCMSC", None],
            "ARM": ["UCMSCs group", "UCMSCs group", None],
            "ACTARMCD": ["UCMSC", "UCMSC", None],
            "ACTARM": ["UCMSCs group", "UCMSCs group", None],
            "ARMNRS": [None, None, "SCREEN FAILURE"],
            "COUNTRY": ["CHN"] * 3,
        },
        schema_overrides={"RACE": pl.String},
    )
    ex_dates = {
        "S-001": ["2026-03-02T09:30", "2026-03-16", "2026-03-30", "2026-04-13", "2026-04-27"],
        "S-002": ["2026-03-09T10:00", "2026-03-23"],
    }
    ex = pl.DataFrame(
        [
            {"STUDYID": STUDY, "USUBJID": s, "EXSEQ": i, "EXDOSE": 2.0, "EXSTDTC": d}
            for s, dates in ex_dates.items()
            for i, d in enumerate(dates, start=1)
        ]
    )
    ds = pl.DataFrame(
        {
            "STUDYID": [STUDY] * 3,
            "USUBJID": ["S-001", "S-002", "S-003"],
            "DSSEQ": [2, 2, 2],
            "DSCAT": ["DISPOSITION EVENT"] * 3,
            "DSDECOD": ["COMPLETED", "ADVERSE EVENT", "SCREEN FAILURE"],
            "DSTERM": ["COMPLETED", "ADVERSE EVENT", "not met: IN01"],
            "DSSTDTC": ["2026-08-17", "2026-04-01", "2026-03-01"],
        }
    )
    qs = pl.DataFrame(
        {
            "STUDYID": [STUDY] * 5,
            "USUBJID": ["S-001"] * 3 + ["S-002"] * 2,
            "QSSEQ": [1, 2, 3, 1, 2],
            "QSCAT": ["DLQI", "DLQI", "PRURITUS VAS", "DLQI", "PRURITUS VAS"],
            "QSTESTCD": ["DLQI111", "DLQI111", "PRUVAS01", "DLQI111", "PRUVAS01"],
            "QSTEST": ["DLQI1-Score", "DLQI1-Score", "Pruritus VAS", "DLQI1-Score", "Pruritus VAS"],
            "QSSTRESN": [14.0, 10.0, 62.0, 11.0, 40.0],
            "QSSTRESU": [None, None, "mm", None, "mm"],
            "QSDTC": ["2026-03-02", "2026-03-30", "2026-03-02", "2026-03-09", "2026-03-09"],
            "VISIT": ["WEEK 0", "WEEK 4", "WEEK 0", "WEEK 0", "WEEK 0"],
        }
    )
    lb = pl.DataFrame(
        {
            "STUDYID": [STUDY] * 5,
            "USUBJID": ["S-001"] * 5,
            "LBSEQ": [1, 2, 3, 4, 5],
            "LBTESTCD": ["PLAT", "PLAT", "CA", "ALB", "CYSTATC"],
            "LBTEST": ["Platelets", "Platelets", "Calcium", "Albumin", "Cystatin C"],
            "LBSTRESN": [210.0, 74.0, 2.0, 30.0, 0.8],
            "LBSTRESU": ["10^9/L", "10^9/L", "mmol/L", "g/L", "mg/L"],
            "LBSTNRLO": [125.0, 125.0, 2.11, 40.0, 0.51],
            "LBSTNRHI": [350.0, 350.0, 2.52, 55.0, 1.09],
            "LBDTC": ["2026-02-20", "2026-03-30", "2026-03-30", "2026-03-30", "2026-03-30"],
        }
    )
    ae = pl.DataFrame(
        {
            "STUDYID": [STUDY] * 3,
            "USUBJID": ["S-001", "S-001", "S-002"],
            "AESEQ": [1, 2, 1],
            "AETERM": ["fever after infusion", "headache before", "rash"],
            "AEDECOD": ["Fever", "Headache", "Rash maculo-papular"],
            "AEBODSYS": ["General disorders", "Nervous system disorders", "Skin"],
            "AESTDTC": ["2026-03-02", "2026-02-25", "2026-03"],
            "AEENDTC": ["2026-03-03", "2026-02-26", None],
            "AETOXGR": ["1", "2", "3"],
            "AESER": ["N", "N", "Y"],
            "AEREL": ["POSSIBLY RELATED", "NOT RELATED", "UNLIKELY RELATED"],
        }
    )
    vs = pl.DataFrame(
        {
            "STUDYID": [STUDY] * 3,
            "USUBJID": ["S-001", "S-001", "S-001"],
            "VSSEQ": [1, 2, 3],
            "VSTESTCD": ["HEIGHT", "WEIGHT", "WEIGHT"],
            "VSSTRESN": [162.0, 61.5, 60.0],
            "VSDTC": ["2026-02-20", "2026-03-02", "2026-03-30"],
        }
    )
    return {
        "DM": dm,
        "EX": ex,
        "DS": ds,
        "RS": _rs(PASI_ROWS),
        "QS": qs,
        "LB": lb,
        "AE": ae,
        "VS": vs,
    }


@pytest.fixture
def literal_sdtm() -> dict[str, pl.DataFrame]:
    return build_literal_sdtm()


@pytest.fixture
def rs_table() -> Callable[[list[tuple[str, str, str, float]]], pl.DataFrame]:
    return _rs
