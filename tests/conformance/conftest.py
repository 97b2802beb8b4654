"""A clean, minimal SDTM and ADaM study as literal frames and specs; tests plant errors in
copies of it. Every rule stays silent on the clean study."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from psotrial.exchange.terminology import load_terminology
from psotrial.sdtm.metadata import DatasetSpec, Variable
from psotrial.sdtm.terminology import Terminology

STUDY = "NCT03745417"


def v(name: str, type_: str = "text", core: str = "Perm", **kw: object) -> Variable:
    return Variable(name, kw.pop("label", name.title()), type_, core, **kw)  # type: ignore[arg-type]


SDTM_SPECS: dict[str, DatasetSpec] = {
    "DM": DatasetSpec(
        "DM", "Demographics", "Special-Purpose", "One record per subject", ("STUDYID", "USUBJID"),
        (
            v("STUDYID", core="Req"), v("DOMAIN", core="Req", codelist="DOMAIN"),
            v("USUBJID", core="Req"), v("SUBJID", core="Req"), v("RFSTDTC", "date", "Exp"),
            v("SITEID", core="Req"), v("SEX", core="Req", codelist="SEX"),
            v("COUNTRY", core="Req", codelist="ISO 3166-1 alpha-3"),
        ),
    ),
    "AE": DatasetSpec(
        "AE", "Adverse Events", "Events", "One record per event", ("STUDYID", "USUBJID", "AESEQ"),
        (
            v("STUDYID", core="Req"), v("DOMAIN", core="Req", codelist="C66734"),
            v("USUBJID", core="Req"), v("AESEQ", "integer", "Req"),
            v("AETERM", core="Req", length=40), v("AEDECOD", core="Req", codelist="MedDRA"),
            v("AESEV", core="Perm", codelist="AESEV"), v("AESER", core="Exp", codelist="NY"),
            v("EPOCH", codelist="EPOCH"), v("AESTDTC", "datetime", "Exp"),
            v("AEENDTC", "datetime", "Exp"), v("AESTDY", "integer"),
        ),
    ),
    "LB": DatasetSpec(
        "LB", "Laboratory Test Results", "Findings", "One record per test per visit",
        ("STUDYID", "USUBJID", "LBTESTCD", "LBDTC"),
        (
            v("STUDYID", core="Req"), v("DOMAIN", core="Req", codelist="DOMAIN"),
            v("USUBJID", core="Req"), v("LBSEQ", "integer", "Req"),
            v("LBTESTCD", core="Req", codelist="LBTESTCD"),
            v("LBTEST", core="Req", codelist="LBTEST"),
            v("LBSTRESN", "float", "Exp"), v("LBSTRESU", core="Exp", codelist="UNIT"),
            v("EPOCH", codelist="EPOCH"), v("LBDTC", "datetime", "Exp"), v("LBDY", "integer"),
        ),
    ),
}  # fmt: skip


def sdtm_frames() -> dict[str, pl.DataFrame]:
    subjects = [f"{STUDY}-01-001", f"{STUDY}-01-002"]
    dm = pl.DataFrame(
        {
            "STUDYID": [STUDY] * 2, "DOMAIN": ["DM"] * 2, "USUBJID": subjects,
            "SUBJID": ["001", "002"], "RFSTDTC": ["2026-03-02", "2026-03-09"],
            "SITEID": ["01", "01"], "SEX": ["F", "M"], "COUNTRY": ["CHN", "CHN"],
        }
    )  # fmt: skip
    ae = pl.DataFrame(
        {
            "STUDYID": [STUDY] * 2, "DOMAIN": ["AE"] * 2, "USUBJID": subjects,
            "AESEQ": [1, 1], "AETERM": ["transient fever", "headache"],
            "AEDECOD": ["Fever", "Headache"], "AESEV": ["MILD", "MODERATE"], "AESER": ["N", "N"],
            "EPOCH": ["TREATMENT", "TREATMENT"],
            "AESTDTC": ["2026-03-02T10:30", "2026-03-08"], "AEENDTC": ["2026-03-03", "2026-03-08"],
            "AESTDY": [1, -1],
        }
    )  # fmt: skip
    lb = pl.DataFrame(
        {
            "STUDYID": [STUDY] * 3, "DOMAIN": ["LB"] * 3, "USUBJID": [subjects[0]] * 3,
            "LBSEQ": [1, 2, 3], "LBTESTCD": ["ALT", "CA", "ALT"],
            "LBTEST": ["Alanine Aminotransferase", "Calcium", "Alanine Aminotransferase"],
            "LBSTRESN": [25.0, 2.35, 31.0], "LBSTRESU": ["U/L", "mmol/L", "U/L"],
            "EPOCH": ["SCREENING", "SCREENING", "TREATMENT"],
            "LBDTC": ["2026-02-20", "2026-02-20", "2026-03-16"], "LBDY": [-10, -10, 15],
        }
    )  # fmt: skip
    return {"DM": dm, "AE": ae, "LB": lb}


ADAM_SPECS: dict[str, DatasetSpec] = {
    "ADSL": DatasetSpec(
        "ADSL", "Subject-Level Analysis Dataset", "SUBJECT LEVEL ANALYSIS DATASET",
        "One record per subject", ("STUDYID", "USUBJID"),
        (
            v("STUDYID", core="Req"), v("USUBJID", core="Req"), v("SUBJID"), v("SITEID"),
            v("AGE", "integer"), v("AGEU", codelist="AGEU"), v("SEX", codelist="SEX"),
            v("RACE", codelist="RACE"), v("ARM"), v("TRT01P"), v("SAFFL", codelist="NY"),
            v("TRTSDT", "date"),
        ),
    ),
    "ADPASI": DatasetSpec(
        "ADPASI", "PASI Analysis Dataset", "BASIC DATA STRUCTURE",
        "One record per subject per parameter per analysis visit",
        ("STUDYID", "USUBJID", "PARAMCD", "AVISITN"),
        (
            v("STUDYID", core="Req"), v("USUBJID", core="Req"),
            v("PARAMCD", core="Req", length=8), v("PARAM", core="Req"), v("AVISIT"),
            v("AVISITN", "integer", "Exp"), v("ADT", "date"), v("ADY", "integer"),
            v("AVAL", "float"), v("ABLFL", codelist="NY"), v("BASE", "float"),
            v("CHG", "float"), v("PCHG", "float"), v("ANL01FL", codelist="NY"),
            v("DTYPE", codelist="DTYPE"),
        ),
    ),
    "ADTTE": DatasetSpec(
        "ADTTE", "Time-to-Event Analysis Dataset", "BASIC DATA STRUCTURE",
        "One record per subject per parameter", ("STUDYID", "USUBJID", "PARAMCD"),
        (
            v("STUDYID", core="Req"), v("USUBJID", core="Req"), v("PARAMCD", core="Req"),
            v("PARAM", core="Req"), v("STARTDT", "date"), v("ADT", "date"),
            v("AVAL", "float"), v("CNSR", "integer"),
        ),
    ),
}  # fmt: skip


def adam_frames() -> dict[str, pl.DataFrame]:
    subjects = [f"{STUDY}-01-001", f"{STUDY}-01-002"]
    adsl = pl.DataFrame(
        {
            "STUDYID": [STUDY] * 2, "USUBJID": subjects, "SUBJID": ["001", "002"],
            "SITEID": ["01", "01"], "AGE": [44, 51], "AGEU": ["YEARS"] * 2, "SEX": ["F", "M"],
            "RACE": ["ASIAN"] * 2, "ARM": ["UC-MSC"] * 2, "TRT01P": ["UC-MSC"] * 2,
            "SAFFL": ["Y", "Y"], "TRTSDT": [date(2026, 3, 2), date(2026, 3, 9)],
        }
    )  # fmt: skip
    # Subject 1: baseline PASI 20.0, W12 5.0 (PCHG -75); an out-of-window W12 value not
    # analysed; subject 2: baseline 0 (PCHG null), W12 LOCF.
    adpasi = pl.DataFrame(
        {
            "STUDYID": [STUDY] * 5,
            "USUBJID": [subjects[0]] * 3 + [subjects[1]] * 2,
            "PARAMCD": ["PASITOT"] * 5, "PARAM": ["PASI Total Score"] * 5,
            "AVISIT": ["BASELINE", "WEEK 12", "WEEK 12", "BASELINE", "WEEK 12"],
            "AVISITN": [0, 12, 12, 0, 12],
            "ADT": [date(2026, 3, 2), date(2026, 5, 25), date(2026, 5, 30), date(2026, 3, 9), None],
            "ADY": [1, 85, 90, 1, None],
            "AVAL": [20.0, 5.0, 4.7, 0.0, 0.0],
            "ABLFL": ["Y", None, None, "Y", None],
            "BASE": [20.0, 20.0, 20.0, 0.0, 0.0],
            "CHG": [0.0, -15.0, -15.3, 0.0, 0.0],
            "PCHG": [0.0, -75.0, -76.5, None, None],
            "ANL01FL": ["Y", "Y", None, "Y", "Y"],
            "DTYPE": [None, None, None, None, "LOCF"],
        }
    )  # fmt: skip
    adtte = pl.DataFrame(
        {
            "STUDYID": [STUDY] * 2, "USUBJID": subjects, "PARAMCD": ["TTRELAP"] * 2,
            "PARAM": ["Time to Relapse (days)"] * 2,
            "STARTDT": [date(2026, 4, 13), date(2026, 4, 20)],
            "ADT": [date(2026, 6, 8), date(2026, 8, 17)], "AVAL": [57.0, 120.0], "CNSR": [0, 1],
        }
    )  # fmt: skip
    return {"ADSL": adsl, "ADPASI": adpasi, "ADTTE": adtte}


@pytest.fixture(scope="session")
def terminology() -> Terminology:
    return load_terminology()


Study = tuple[dict[str, pl.DataFrame], dict[str, DatasetSpec]]


@pytest.fixture
def sdtm_study() -> Study:
    """Fresh clean SDTM frames and specs (the test may change them)."""
    return sdtm_frames(), dict(SDTM_SPECS)


@pytest.fixture
def adam_study() -> Study:
    """Fresh clean ADaM frames and specs (the test may change them)."""
    return adam_frames(), dict(ADAM_SPECS)
