"""ADaM rules: subject keys, baseline and change, analysis flags, censoring. PURE.

ADaMIG 1.3: every dataset carries STUDYID and USUBJID and its subjects are in ADSL
(section 3.1, one ADSL record per subject); in a BDS dataset BASE is the AVAL of the
baseline record (ABLFL = "Y", at most one per subject, parameter and BASETYPE), CHG = AVAL
- BASE and PCHG = (AVAL - BASE) / BASE x 100, null when BASE is 0 (section 3.3.4); ANL01FL
marks at most one record per subject, parameter and analysis visit (section 3.3.8). ADaM
BDS for Time-to-Event Analyses v1.0: CNSR is 0 for an event and 1 for a censored time here
(the study uses one censoring value).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl

from psotrial.conformance.findings import Context, Issue, record_label
from psotrial.conformance.variables import adam_structure

__all__ = [
    "CHG_TOLERANCE",
    "PCHG_TOLERANCE",
    "check_adsl_keys_present",
    "check_adsl_one_per_subject",
    "check_anl01fl_unique",
    "check_base",
    "check_chg",
    "check_cnsr",
    "check_one_baseline",
    "check_pchg",
    "check_subjects_in_adsl",
]

# CHG is a difference of stored values: only float noise is tolerated. PCHG may be stored
# rounded to one decimal place, so half a unit in that place is tolerated.
CHG_TOLERANCE = 1e-6
PCHG_TOLERANCE = 0.05 + 1e-9


def _rows(frame: pl.DataFrame, columns: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    present = [c for c in columns if c in frame.columns]
    yield from enumerate(frame.select(present).iter_rows(named=True))


def _group_keys(frame: pl.DataFrame, keys: tuple[str, ...]) -> list[str]:
    return [k for k in keys if k in frame.columns]


def check_adsl_keys_present(context: Context) -> Iterator[Issue]:
    """STUDYID and USUBJID, the keys to ADSL, are variables of every ADaM dataset."""
    for name, frame in context.frames.items():
        for key in ("STUDYID", "USUBJID"):
            if key not in frame.columns:
                yield Issue(name, key, None, f"{key} is missing: the dataset cannot join ADSL")


def check_subjects_in_adsl(context: Context) -> Iterator[Issue]:
    """Every USUBJID of every ADaM dataset has its ADSL record (once per subject)."""
    adsl = context.frames.get("ADSL")
    if adsl is None or "USUBJID" not in adsl.columns:
        yield Issue("ADSL", "USUBJID", None, "ADSL is missing, so no subject can be traced")
        return
    known = set(adsl["USUBJID"].drop_nulls().to_list())
    for name, frame in context.frames.items():
        if name == "ADSL" or "USUBJID" not in frame.columns:
            continue
        seen: set[str] = set()
        for row, subject in enumerate(frame["USUBJID"].to_list()):
            if subject not in known and subject not in seen:
                seen.add(subject)
                yield Issue(
                    name,
                    "USUBJID",
                    record_label(frame, row, name),
                    f"USUBJID {subject!r} is not in ADSL",
                )


def check_adsl_one_per_subject(context: Context) -> Iterator[Issue]:
    """ADSL has exactly one record per USUBJID."""
    adsl = context.frames.get("ADSL")
    if adsl is None or "USUBJID" not in adsl.columns:
        return
    duplicated = adsl["USUBJID"].is_duplicated()
    for row in duplicated.arg_true().to_list():
        yield Issue(
            "ADSL",
            "USUBJID",
            record_label(adsl, row, "ADSL"),
            f"USUBJID {adsl['USUBJID'][row]!r} has more than one ADSL record",
        )


def _numeric(frame: pl.DataFrame, *columns: str) -> bool:
    # A column of the wrong type is the type rule's finding; arithmetic rules skip it.
    return all(
        c in frame.columns and (frame[c].dtype.is_numeric() or frame[c].dtype == pl.Null)
        for c in columns
    )


def _bds(context: Context) -> Iterator[tuple[str, pl.DataFrame]]:
    for name, frame in context.frames.items():
        if _numeric(frame, "AVAL") and "PARAMCD" in frame.columns and "USUBJID" in frame.columns:
            yield name, frame


def _baselines(frame: pl.DataFrame) -> dict[tuple[Any, ...], list[tuple[int, Any]]]:
    keys = _group_keys(frame, ("USUBJID", "PARAMCD", "BASETYPE"))
    found: dict[tuple[Any, ...], list[tuple[int, Any]]] = {}
    if "ABLFL" not in frame.columns:
        return found
    for row, values in _rows(frame, [*keys, "ABLFL", "AVAL"]):
        if values["ABLFL"] == "Y":
            found.setdefault(tuple(values[k] for k in keys), []).append((row, values["AVAL"]))
    return found


def check_one_baseline(context: Context) -> Iterator[Issue]:
    """At most one ABLFL = "Y" record per USUBJID, PARAMCD (and BASETYPE)."""
    for name, frame in _bds(context):
        for key, rows in _baselines(frame).items():
            for row, _ in rows[1:]:
                yield Issue(
                    name,
                    "ABLFL",
                    record_label(frame, row, name),
                    f"{len(rows)} baseline records (ABLFL='Y') for {'/'.join(map(str, key))}",
                )


def check_base(context: Context) -> Iterator[Issue]:
    """BASE is the AVAL of the subject's baseline record for the parameter, and null when
    there is none."""
    for name, frame in _bds(context):
        if not _numeric(frame, "BASE"):
            continue
        keys = _group_keys(frame, ("USUBJID", "PARAMCD", "BASETYPE"))
        baselines = _baselines(frame)
        for row, values in _rows(frame, [*keys, "BASE"]):
            base = values["BASE"]
            if base is None:
                continue
            found = baselines.get(tuple(values[k] for k in keys))
            if not found:
                yield Issue(
                    name,
                    "BASE",
                    record_label(frame, row, name),
                    f"BASE={base} but no ABLFL='Y' record",
                )
            elif found[0][1] is None or abs(base - found[0][1]) > CHG_TOLERANCE:
                yield Issue(
                    name,
                    "BASE",
                    record_label(frame, row, name),
                    f"BASE={base} but the baseline record's AVAL is {found[0][1]}",
                )


def check_chg(context: Context) -> Iterator[Issue]:
    """CHG = AVAL - BASE wherever CHG is populated."""
    for name, frame in _bds(context):
        if not _numeric(frame, "CHG", "BASE"):
            continue
        for row, values in _rows(frame, ["AVAL", "BASE", "CHG"]):
            aval, base, chg = values["AVAL"], values["BASE"], values["CHG"]
            if chg is None:
                continue
            if aval is None or base is None:
                message = f"CHG={chg} but AVAL={aval}, BASE={base}: CHG must be null"
            elif abs(chg - (aval - base)) > CHG_TOLERANCE:
                message = f"CHG={chg} but AVAL - BASE = {aval} - {base} = {aval - base:g}"
            else:
                continue
            yield Issue(name, "CHG", record_label(frame, row, name), message)


def check_pchg(context: Context) -> Iterator[Issue]:
    """PCHG = (AVAL - BASE) / BASE x 100 (within rounding to one decimal), null when BASE
    is 0 or missing."""
    for name, frame in _bds(context):
        if not _numeric(frame, "PCHG", "BASE"):
            continue
        for row, values in _rows(frame, ["AVAL", "BASE", "PCHG"]):
            aval, base, pchg = values["AVAL"], values["BASE"], values["PCHG"]
            if pchg is None:
                continue
            if aval is None or base is None or base == 0:
                message = f"PCHG={pchg} but AVAL={aval}, BASE={base}: PCHG must be null"
            else:
                expected = (aval - base) / base * 100
                # docs/cdisc.md divides by |BASE|; the two agree for the positive bases here.
                candidates = (expected, (aval - base) / abs(base) * 100)
                if min(abs(pchg - c) for c in candidates) <= PCHG_TOLERANCE:
                    continue
                message = f"PCHG={pchg} but (AVAL - BASE) / BASE x 100 = {expected:.4f}"
            yield Issue(name, "PCHG", record_label(frame, row, name), message)


def check_anl01fl_unique(context: Context) -> Iterator[Issue]:
    """At most one ANL01FL = "Y" record per USUBJID, PARAMCD, AVISIT (and BASETYPE)."""
    for name, frame in _bds(context):
        if "ANL01FL" not in frame.columns or "AVISIT" not in frame.columns:
            continue
        keys = _group_keys(frame, ("USUBJID", "PARAMCD", "BASETYPE", "AVISIT"))
        first: dict[tuple[Any, ...], int] = {}
        for row, values in _rows(frame, [*keys, "ANL01FL"]):
            if values["ANL01FL"] != "Y":
                continue
            key = tuple(values[k] for k in keys)
            if key in first:
                yield Issue(
                    name,
                    "ANL01FL",
                    record_label(frame, row, name),
                    f"a second ANL01FL='Y' record for {'/'.join(map(str, key))} "
                    f"(the first is row {first[key] + 1})",
                )
            else:
                first[key] = row


def check_cnsr(context: Context) -> Iterator[Issue]:
    """In time-to-event datasets CNSR is 0 (event) or 1 (censored), never null."""
    for name, frame in context.frames.items():
        if adam_structure(name, context.specs.get(name)) != "TTE" or "CNSR" not in frame.columns:
            continue
        for row, value in enumerate(frame["CNSR"].to_list()):
            if value not in (0, 1):
                yield Issue(
                    name, "CNSR", record_label(frame, row, name), f"CNSR={value}; expected 0 or 1"
                )
