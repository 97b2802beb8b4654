"""De-identification: exports carry participant IDs only; free text is screened; dates shift.

The pure rules (psotrial.capture.deidentify) are tested on literal tables; the exports on a
small SYNTHETIC demo with identifiers planted in one adverse event's verbatim
(``exported_study`` in conftest.py): every file of every export (records CSV/JSONL, SDTM,
ADaM, ODM, REDCap) is searched for birth dates, names, usernames and the planted phone.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.capture.deidentify import (
    IDENTIFYING_ITEMS,
    DateShift,
    compute_date_shift,
    mask_text,
    screen_text,
    shift_iso_date,
)
from psotrial.exchange import casebooks

BIRTH = date(1980, 5, 17)
NAMES = ("Wang Lei", "Chen Mei (synthetic)")


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("DOB 1980-05-17", ["birth_date"]),
        ("born 17/05/1980 in Guangzhou", ["birth_date"]),
        ("birthday May 17, 1980", ["birth_date"]),
        ("生于1980年5月17日", ["birth_date"]),
        ("date of birth: 03.04.1975", ["birth_date"]),  # any date after a birth keyword
        ("17 May 1980", ["birth_date"]),
        ("call +86 20 8888 1234", ["phone"]),
        ("mobile 13800138000", ["phone"]),
        ("tel (020) 8888-1234", ["phone"]),
        ("seen by Dr Wang Lei", ["name"]),
        ("told WANG at the clinic", ["name"]),  # a part of a name alone, any case
        ("nurse Chen Mei", ["name", "name"]),
        # Not identifiers: doses, lab values, other dates, short numbers, a lot number.
        ("2x10^6 cells/kg, 150 mg twice daily", []),
        ("onset 2026-03-03, resolved 2026-03-04", []),
        ("calcium 2.35 mmol/L; lot LOT-2026-0001", []),
        ("headache for 3 days", []),
    ],
)
def test_screen_text(text: str, kinds: list[str]) -> None:
    found = screen_text(text, birth_dates=[BIRTH], names=NAMES)
    assert [f.kind for f in found] == kinds, found


def test_mask_text_replaces_each_finding_and_keeps_the_rest() -> None:
    masked, found = mask_text(
        "rash; DOB 17/05/1980; call 138 0013 8000; seen by Wang Lei",
        birth_dates=[BIRTH],
        names=NAMES,
    )
    assert masked == "rash; DOB [date]; call [phone]; seen by [name]"
    assert len(found) == 3


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=200))
def test_text_without_digits_or_names_is_left_alone(text: str) -> None:
    assert mask_text(text, birth_dates=[BIRTH]) == (text, [])


@given(st.text(max_size=120), st.sampled_from(sorted(NAMES)), st.text(max_size=120))
def test_a_name_of_the_record_never_survives_masking(before: str, name: str, after: str) -> None:
    masked, _ = mask_text(f"{before} {name} {after}", names=NAMES)
    assert name not in masked


@given(st.text(min_size=1, max_size=30), st.integers(1, 400))
def test_date_shift_is_stable_bounded_and_never_zero(participant: str, max_days: int) -> None:
    days = compute_date_shift("key", participant, max_days)
    assert days == compute_date_shift("key", participant, max_days)
    assert 1 <= abs(days) <= max_days


def test_date_shift_depends_on_the_key_and_spreads_over_the_range() -> None:
    shifts = [compute_date_shift("key", f"GZ01-{n:03}", 30) for n in range(1, 301)]
    assert len(set(shifts)) >= 50  # of the 60 possible values
    other = [compute_date_shift("other key", f"GZ01-{n:03}", 30) for n in range(1, 301)]
    assert shifts != other


@given(
    st.dates(date(1900, 1, 1), date(2099, 12, 31)), st.dates(date(1900, 1, 1), date(2099, 12, 31))
)
def test_shifting_keeps_intervals(first: date, second: date) -> None:
    shift = DateShift("key", 30)
    days = shift.days_for("GZ01-001")
    a, b = (date.fromisoformat(str(shift_iso_date(d.isoformat(), days))) for d in (first, second))
    assert (b - a) == (second - first)
    assert a - first == timedelta(days=days)


def test_exchange_uses_the_one_table_of_identifying_items() -> None:
    assert casebooks.IDENTIFYING_ITEMS is IDENTIFYING_ITEMS


# --- The exports -----------------------------------------------------------------------------


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _spellings(day: date) -> set[str]:
    return {day.isoformat(), f"{day:%d/%m/%Y}", f"{day:%Y%m%d}", f"{day:%m/%d/%Y}"}


def test_exports_hold_no_birth_date_name_username_or_planted_phone(exported_study: Any) -> None:
    study = exported_study
    birth = date.fromisoformat(study.birth_date)
    forbidden = {
        *_spellings(birth),
        study.investigator,
        *study.full_names,
        *study.passwords,  # the usernames
        "138 0013 8000",
    }
    files = [p for p in _files(study.out) if p.suffix in (".csv", ".jsonl", ".xml", ".txt")]
    assert len(files) >= 30, files
    leaks = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        leaks += [f"{path.relative_to(study.out)}: {item!r}" for item in forbidden if item in text]
    assert not leaks, leaks


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_record_export_masks_the_planted_verbatim_and_generalises_identifiers(
    exported_study: Any,
) -> None:
    study = exported_study
    records = study.out / "records-csv"
    [event] = [r for r in _rows(records / "adverse_event.csv") if r["repeat"] == "90"]
    assert event["verbatim"] == "itchy rash; DOB [date], call [phone], reported to [name]"
    demographics = {r["participant"]: r for r in _rows(records / "demographics.csv")}
    assert demographics[study.planted]["birth_date"] != study.birth_date
    confirmations = _rows(records / "eligibility_confirmation.csv")
    assert {r["investigator"] for r in confirmations} == {"withheld on export"}
    jsonl = (records.parent / "records-jsonl" / "adverse_event.jsonl").read_text("utf-8")
    assert "[phone]" in jsonl
    # The SDTM AE term comes from the same verbatim: it must not carry the phone either.
    ae = (study.out / "sdtm" / "ae.csv").read_text("utf-8")
    assert "138 0013 8000" not in ae


def test_shifted_exports_move_each_participant_consistently(exported_study: Any) -> None:
    study = exported_study
    plain = {
        (r["participant"], r["visit"]): r
        for r in _rows(study.out / "records-csv" / "vital_signs.csv")
    }
    moved = {
        (r["participant"], r["visit"]): r
        for r in _rows(study.out / "records-shifted" / "vital_signs.csv")
    }
    consent_plain = {
        r["participant"]: r for r in _rows(study.out / "records-csv" / "informed_consent.csv")
    }
    consent_moved = {
        r["participant"]: r for r in _rows(study.out / "records-shifted" / "informed_consent.csv")
    }
    assert plain.keys() == moved.keys()
    shifts = {}
    for pid, row in consent_plain.items():
        days = (
            date.fromisoformat(consent_moved[pid]["consent_date"])
            - date.fromisoformat(row["consent_date"])
        ).days
        assert days == DateShift(study.secret_key).days_for(pid)
        shifts[pid] = days
    assert len(set(shifts.values())) > 1  # not one shift for everyone
    # SDTM: every date of a participant moves by that participant's days; study days stay.
    dm_plain = {r["USUBJID"]: r for r in _rows(study.out / "sdtm" / "dm.csv")}
    dm_moved = {r["USUBJID"]: r for r in _rows(study.out / "sdtm-shifted" / "dm.csv")}
    for usubjid, row in dm_plain.items():
        pid = usubjid.removeprefix(f"{row['STUDYID']}-")
        for column in ("RFICDTC", "RFSTDTC"):
            if row[column]:
                days = (
                    date.fromisoformat(dm_moved[usubjid][column][:10])
                    - date.fromisoformat(row[column][:10])
                ).days
                assert days == DateShift(study.secret_key).days_for(pid), (usubjid, column)
    vs_plain = _rows(study.out / "sdtm" / "vs.csv")
    vs_moved = _rows(study.out / "sdtm-shifted" / "vs.csv")
    assert [r["VSDY"] for r in vs_plain] == [r["VSDY"] for r in vs_moved]
    assert [r["VSDTC"] for r in vs_plain] != [r["VSDTC"] for r in vs_moved]
