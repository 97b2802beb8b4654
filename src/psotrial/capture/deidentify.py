"""What leaves the database: identifying items generalised, free text screened, dates shifted.

Exports carry participant IDs only (HIPAA Safe Harbor, 45 CFR 164.514(b)(2); EMA Policy
0070 anonymisation guidance). Three tools, each applied by the exporters:

- :data:`IDENTIFYING_ITEMS`: the form items that identify a person, and how each leaves
  (:func:`generalise_item`): ``demographics.birth_date`` becomes the date that gives the
  same completed age at screening (what eligibility and the analysis use), and
  ``eligibility_confirmation.investigator`` (a name) becomes :data:`WITHHELD`. The ODM,
  REDCap and record exporters share this one table.
- :func:`screen_text` / :func:`mask_text`: free text (adverse-event verbatims, medications,
  reasons) is screened for the participant's date of birth (in any common spelling, or any
  date after "DOB", "born", "出生"), telephone numbers, and the names the record holds
  (the investigator's, the staff's); :func:`mask_text` replaces each with a placeholder.
- :func:`compute_date_shift` / :func:`shift_date`: for external sharing, every date of a
  participant moves by the same number of days, drawn from an HMAC of the participant ID
  with the server's secret key, so intervals (study days, durations, ages at an event)
  are kept, the shift is the same in every export, and it cannot be undone without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.db.models import FormEntry, Participant, User
from psotrial.jsoncodec import loads_exact

__all__ = [
    "DEFAULT_MAX_SHIFT_DAYS",
    "FREE_TEXT_ITEMS",
    "IDENTIFYING_ITEMS",
    "MASKS",
    "SDTM_FREE_TEXT_SUFFIXES",
    "WITHHELD",
    "DateShift",
    "Finding",
    "Identifiers",
    "compute_age_preserving_birth_date",
    "compute_date_shift",
    "generalise_item",
    "load_identifiers",
    "mask_dataset_text",
    "mask_item",
    "mask_text",
    "screen_text",
    "shift_dataset_dates",
    "shift_date",
    "shift_iso_date",
]

WITHHELD = "withheld on export"
# (form, item) -> how it leaves the database; see the module docstring.
IDENTIFYING_ITEMS: Mapping[tuple[str, str], str] = {
    ("demographics", "birth_date"): "generalised to the same completed age at screening",
    ("eligibility_confirmation", "investigator"): f"replaced by {WITHHELD!r}",
}
# Free-text items screened on export (a lot number or a CTCAE term is not free text).
FREE_TEXT_ITEMS: frozenset[tuple[str, str]] = frozenset(
    {
        ("adverse_event", "verbatim"),
        ("concomitant_medication", "name"),
        ("concomitant_medication", "indication"),
        ("infusion", "reaction_description"),
        ("end_of_study", "reason"),
    }
)
Kind = Literal["birth_date", "phone", "name"]
MASKS: Mapping[Kind, str] = {"birth_date": "[date]", "phone": "[phone]", "name": "[name]"}


def compute_age_preserving_birth_date(birth: date, screening: date) -> date:
    """The screening date's anniversary ``age`` years back (28 February for a leap day).

    Completed age on the screening date is unchanged, and generalising twice gives the
    same date, so an exported and re-imported file exports identically.

    Example:
        >>> compute_age_preserving_birth_date(date(1980, 5, 17), date(2026, 2, 23))
        datetime.date(1981, 2, 23)
    """
    before_birthday = (screening.month, screening.day) < (birth.month, birth.day)
    age = screening.year - birth.year - int(before_birthday)
    year = screening.year - age
    if (screening.month, screening.day) == (2, 29):
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return screening.replace(year=year)


def generalise_item(form: str, item: str, value: Any, screening_date: date) -> Any:
    """``value`` of ``form.item`` as it may leave the database (:data:`IDENTIFYING_ITEMS`).

    Example:
        >>> generalise_item("eligibility_confirmation", "investigator", "Dr X", date(2026, 1, 5))
        'withheld on export'
        >>> generalise_item("demographics", "birth_date", "1980-05-17", date(2026, 1, 5))
        '1981-01-05'
        >>> generalise_item("pasi", "head.erythema", 2, date(2026, 1, 5))
        2
    """
    if (form, item) == ("eligibility_confirmation", "investigator") and value is not None:
        return WITHHELD
    if (form, item) == ("demographics", "birth_date") and isinstance(value, str):
        birth = date.fromisoformat(value)
        return compute_age_preserving_birth_date(birth, screening_date).isoformat()
    return value


# --- Free text ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """An identifier found in free text: its kind and where it is (``text[start:end]``)."""

    kind: Kind
    start: int
    end: int
    text: str


_MONTHS = (
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_ANY_DATE = (
    r"(?:\d{4}[-/.年]\s?\d{1,2}[-/.月]\s?\d{1,2}日?"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    rf"|\d{{1,2}}[\s-]{_MONTH}[\s-]\d{{4}}"
    rf"|{_MONTH}\s\d{{1,2}},?\s\d{{4}}"
    r"|\d{8})"
)
_BIRTH_KEYWORD = re.compile(
    r"(?:d\.?o\.?b\.?|date of birth|birth ?date|born(?: on)?|出生日期|出生于?|生于|生日)"
    rf"[:：\s]*({_ANY_DATE})",
    re.IGNORECASE,
)
# A telephone number: 7 to 15 digits with separators or a leading +, or a Chinese mobile
# number (11 digits from 13x-19x) written plain. Bare digit runs otherwise are not flagged
# (doses, cell counts and lot numbers are digits too).
_PHONE = re.compile(r"(?<![\w.+/-])(?:\+\d[\d\s().-]{5,20}\d|\(?\d[\d\s().-]{5,20}\d)(?![\w])")
# Word edges against Latin letters and digits only: Chinese text has no spaces between words.
_NOT_AFTER, _NOT_BEFORE = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_DATE_LIKE = re.compile(rf"^\s*{_ANY_DATE}\s*$", re.IGNORECASE)


def _birth_date_spellings(birth: date) -> set[str]:
    d, m, y = birth.day, birth.month, birth.year
    month = _MONTHS[m - 1]
    numeric = {
        f"{y}-{m:02}-{d:02}", f"{y}/{m:02}/{d:02}", f"{y}.{m:02}.{d:02}", f"{y}{m:02}{d:02}",
        f"{y}-{m}-{d}", f"{y}/{m}/{d}", f"{y}.{m}.{d}",
        f"{y}年{m}月{d}日", f"{y}年{m:02}月{d:02}日",
        f"{d:02}/{m:02}/{y}", f"{d}/{m}/{y}", f"{d:02}.{m:02}.{y}", f"{d:02}-{m:02}-{y}",
        f"{m:02}/{d:02}/{y}", f"{m}/{d}/{y}",
    }  # fmt: skip
    words = {
        f"{d} {month} {y}", f"{d} {month[:3]} {y}", f"{d}-{month[:3]}-{y}",
        f"{month} {d}, {y}", f"{month} {d} {y}", f"{month[:3]} {d}, {y}", f"{month[:3]} {d} {y}",
    }  # fmt: skip
    return numeric | words


def screen_text(
    text: str, *, birth_dates: Iterable[date] = (), names: Iterable[str] = ()
) -> list[Finding]:
    """Identifiers in ``text``: the given birth dates in any common spelling, any date after
    a birth keyword, telephone numbers, and the given names (whole words, any case; each
    part of a name of 3 letters or more alone too). Sorted by position, not overlapping.

    Example:
        >>> found = screen_text(
        ...     "rash; call Dr Wang Lei on +86 20 8888 1234; DOB 17/05/1980",
        ...     birth_dates=[date(1980, 5, 17)],
        ...     names=["Wang Lei"],
        ... )
        >>> [(f.kind, f.text) for f in found]
        [('name', 'Wang Lei'), ('phone', '+86 20 8888 1234'), ('birth_date', '17/05/1980')]
    """
    found: list[Finding] = []
    for birth in birth_dates:
        for spelling in _birth_date_spellings(birth):
            pattern = rf"{_NOT_AFTER}{re.escape(spelling)}{_NOT_BEFORE}"
            for match in re.finditer(pattern, text, re.IGNORECASE):
                found.append(Finding("birth_date", match.start(), match.end(), match.group()))
    for match in _BIRTH_KEYWORD.finditer(text):
        found.append(Finding("birth_date", match.start(1), match.end(1), match.group(1)))
    for phone in (_PHONE, _MOBILE):
        for match in phone.finditer(text):
            digits = sum(ch.isdigit() for ch in match.group())
            if 7 <= digits <= 15 and not _DATE_LIKE.match(match.group()):
                found.append(Finding("phone", match.start(), match.end(), match.group()))
    for name in names:
        parts = [name.strip(), *(p for p in re.split(r"[\s,.]+", name) if len(p) >= 3)]
        for part in {p for p in parts if p}:
            pattern = rf"{_NOT_AFTER}{re.escape(part)}{_NOT_BEFORE}"
            for match in re.finditer(pattern, text, re.IGNORECASE):
                found.append(Finding("name", match.start(), match.end(), match.group()))
    # Longest first at each position; drop what an earlier finding already covers.
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(
            Finding(finding.kind, finding.start, finding.end, text[finding.start : finding.end])
        )
    return kept


def mask_text(
    text: str, *, birth_dates: Iterable[date] = (), names: Iterable[str] = ()
) -> tuple[str, list[Finding]]:
    """``text`` with every :func:`screen_text` finding replaced by its :data:`MASKS` mark.

    Example:
        >>> mask_text("headache after call to 138 0013 8000", names=["Wang Lei"])[0]
        'headache after call to [phone]'
    """
    findings = screen_text(text, birth_dates=birth_dates, names=names)
    pieces, at = [], 0
    for finding in findings:
        pieces += [text[at : finding.start], MASKS[finding.kind]]
        at = finding.end
    pieces.append(text[at:])
    return "".join(pieces), findings


# --- Date shifting -------------------------------------------------------------------------------


def compute_date_shift(secret: str, participant: str, max_days: int) -> int:
    """The days every date of ``participant`` moves by: from -``max_days`` to ``max_days``,
    never 0, the same for the same key, participant and range (HMAC-SHA256).

    Example:
        >>> compute_date_shift("k", "GZ01-001", 30) == compute_date_shift("k", "GZ01-001", 30)
        True
        >>> 1 <= abs(compute_date_shift("k", "GZ01-001", 30)) <= 30
        True
    """
    if max_days < 1:
        raise ValueError(f"max_days must be at least 1, got {max_days}")
    digest = hmac.new(secret.encode(), b"date-shift:" + participant.encode(), hashlib.sha256)
    draw = int.from_bytes(digest.digest()[:8], "big") % (2 * max_days)
    return draw - max_days if draw < max_days else draw - max_days + 1


DEFAULT_MAX_SHIFT_DAYS = 30


@dataclass(frozen=True)
class DateShift:
    """Shift every date of a participant by :func:`compute_date_shift` days."""

    secret: str
    max_days: int = DEFAULT_MAX_SHIFT_DAYS

    def days_for(self, participant: str) -> int:
        """The shift of ``participant``'s dates."""
        return compute_date_shift(self.secret, participant, self.max_days)


def shift_date(value: date | datetime, days: int) -> date | datetime:
    """``value`` moved by ``days`` (a time of day is kept)."""
    return value + timedelta(days=days)


def shift_iso_date(value: str | None, days: int) -> str | None:
    """An ISO 8601 date or datetime text moved by ``days``; a partial date (``2026-03``,
    ``2026``) keeps its precision and moves with its first day.

    Example:
        >>> shift_iso_date("2026-03-02", -3), shift_iso_date("2026-03-02T09:30", 1)
        ('2026-02-27', '2026-03-03T09:30')
        >>> shift_iso_date("2026-03", 30), shift_iso_date("", 5)
        ('2026-03', '')
    """
    if not value:
        return value
    head, sep, tail = value.partition("T")
    parts = head.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        moved = date.fromisoformat(head) + timedelta(days=days)
        return moved.isoformat() + sep + tail
    if len(parts) in (1, 2) and all(p.isdigit() for p in parts):
        first = date(int(parts[0]), int(parts[1]) if len(parts) == 2 else 1, 1)
        moved = first + timedelta(days=days)
        return f"{moved.year:04}-{moved.month:02}" if len(parts) == 2 else f"{moved.year:04}"
    return value


def shift_dataset_dates(dataset: pl.DataFrame, date_shift: DateShift) -> pl.DataFrame:
    """An SDTM dataset with every ``--DTC`` text moved by its participant's shift.

    The participant is ``USUBJID`` less its ``STUDYID-`` prefix (the participant ID, the
    same key as the record export's). A dataset without ``USUBJID`` (trial design) is
    returned as it is; study days (``--DY``) and durations stay, as intervals are kept.

    Example:
        >>> dm = pl.DataFrame(
        ...     {"STUDYID": ["S"], "USUBJID": ["S-GZ01-001"], "RFSTDTC": ["2026-03-02"]}
        ... )
        >>> shift = DateShift("k", 30)
        >>> moved = shift_dataset_dates(dm, shift)["RFSTDTC"][0]
        >>> moved == shift_iso_date("2026-03-02", shift.days_for("GZ01-001"))
        True
    """
    if "USUBJID" not in dataset.columns or "STUDYID" not in dataset.columns:
        return dataset
    columns = [c for c in dataset.columns if c.endswith("DTC") and dataset.schema[c] == pl.String]
    keys = [
        subject.removeprefix(f"{study}-")
        for study, subject in zip(dataset["STUDYID"], dataset["USUBJID"], strict=True)
    ]
    shifts = {key: date_shift.days_for(key) for key in set(keys)}
    return dataset.with_columns(
        pl.Series(
            column,
            [shift_iso_date(v, shifts[k]) for v, k in zip(dataset[column], keys, strict=True)],
            dtype=pl.String,
        )
        for column in columns
    )


# --- Applying it to a study ------------------------------------------------------------------

# SDTM variables that carry the free text of FREE_TEXT_ITEMS (AETERM, CMTRT, CMINDC, DSTERM).
SDTM_FREE_TEXT_SUFFIXES = ("TERM", "TRT", "INDC")


@dataclass(frozen=True)
class Identifiers:
    """What one participant's free text is screened for."""

    screening_date: date
    birth_dates: tuple[date, ...]
    names: tuple[str, ...]


def load_identifiers(session: Session) -> dict[str, Identifiers]:
    """Per participant ID (the participant code, else the screening number): the screening
    date, the recorded birth date, and the names the record holds (the investigator's in
    the eligibility confirmation, and every user's full name)."""
    staff = tuple(name for name in session.scalars(select(User.full_name)) if name)
    found: dict[int, tuple[list[date], list[str]]] = {}
    for participant_id, form, data in session.execute(
        select(FormEntry.participant_id, FormEntry.form_code, FormEntry.data).where(
            FormEntry.form_code.in_(("demographics", "eligibility_confirmation"))
        )
    ):
        births, names = found.setdefault(participant_id, ([], []))
        values = loads_exact(data)
        birth, investigator = values.get("birth_date"), values.get("investigator")
        if form == "demographics" and isinstance(birth, str):
            births.append(date.fromisoformat(birth))
        if form == "eligibility_confirmation" and isinstance(investigator, str):
            names.append(investigator)
    result = {}
    for participant_id, code, number, screened in session.execute(
        select(
            Participant.id,
            Participant.participant_code,
            Participant.screening_number,
            Participant.screening_date,
        )
    ):
        births, names = found.get(participant_id, ([], []))
        result[code or number] = Identifiers(screened, tuple(births), (*names, *staff))
    return result


def mask_item(form: str, item: str, value: Any, identifiers: Identifiers) -> tuple[Any, int]:
    """``form.item``'s value as it may leave: generalised (:func:`generalise_item`), and
    masked when it is free text (:data:`FREE_TEXT_ITEMS`); and the number of masks."""
    value = generalise_item(form, item, value, identifiers.screening_date)
    if (form, item) in FREE_TEXT_ITEMS and isinstance(value, str):
        value, findings = mask_text(
            value, birth_dates=identifiers.birth_dates, names=identifiers.names
        )
        return value, len(findings)
    return value, 0


def mask_dataset_text(
    dataset: pl.DataFrame, identifiers: Mapping[str, Identifiers]
) -> tuple[pl.DataFrame, int]:
    """An SDTM dataset with its free-text variables (:data:`SDTM_FREE_TEXT_SUFFIXES`)
    masked per participant, and the number of masks."""
    if "USUBJID" not in dataset.columns or "STUDYID" not in dataset.columns:
        return dataset, 0
    columns = [
        c
        for c in dataset.columns
        if c.endswith(SDTM_FREE_TEXT_SUFFIXES) and dataset.schema[c] == pl.String
    ]
    keys = [
        subject.removeprefix(f"{study}-")
        for study, subject in zip(dataset["STUDYID"], dataset["USUBJID"], strict=True)
    ]
    masked = 0
    replaced = []
    for column in columns:
        values = []
        for value, key in zip(dataset[column], keys, strict=True):
            known = identifiers.get(key)
            if value and known is not None:
                value, findings = mask_text(value, birth_dates=known.birth_dates, names=known.names)
                masked += len(findings)
            values.append(value)
        replaced.append(pl.Series(column, values, dtype=pl.String))
    return dataset.with_columns(replaced), masked
