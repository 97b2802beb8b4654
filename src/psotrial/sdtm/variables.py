"""Variables shared by many SDTM datasets, declared once (SDTMIG 3.4 labels and cores).

Each builder returns the :class:`~psotrial.sdtm.metadata.Variable` for a domain prefix, so
``seq("AE")`` is ``AESEQ`` "Sequence Number", Req, integer. Lengths of character variables
are the maximum the builders can produce (the XPT writer may shrink them to the data).
"""

from __future__ import annotations

from psotrial.sdtm.metadata import Core, DataType, Variable

__all__ = [
    "DTC_LENGTH",
    "domain",
    "dtc",
    "dy",
    "epoch",
    "lobxfl",
    "seq",
    "spid",
    "studyid",
    "text",
    "usubjid",
    "visit_vars",
]

# ISO 8601 date-time to the minute, no zone: YYYY-MM-DDThh:mm (SDTMIG 4.4.2).
DTC_LENGTH = 19


def text(
    name: str,
    label: str,
    length: int,
    core: Core = "Perm",
    *,
    codelist: str | None = None,
    origin: str = "Collected",
    source: str | None = None,
    method: str | None = None,
    type: DataType = "text",
) -> Variable:
    """A variable (character unless ``type`` says otherwise) with keyword metadata."""
    return Variable(
        name=name,
        label=label,
        type=type,
        core=core,
        length=length if type == "text" else 8,
        codelist=codelist,
        origin=origin,
        source=source,
        method=method,
    )


def studyid() -> Variable:
    """STUDYID, from the protocol's registry identifier (or the ``study_id`` given)."""
    return text("STUDYID", "Study Identifier", 20, "Req", origin="Assigned")


def domain() -> Variable:
    """DOMAIN, the two-letter dataset code (CT C66734)."""
    return text("DOMAIN", "Domain Abbreviation", 2, "Req", codelist="DOMAIN", origin="Assigned")


def usubjid() -> Variable:
    """USUBJID = STUDYID-SUBJID (participant code, or screening number if never enrolled)."""
    return text(
        "USUBJID",
        "Unique Subject Identifier",
        40,
        "Req",
        origin="Derived",
        method="STUDYID || '-' || SUBJID",
    )


def seq(prefix: str) -> Variable:
    """--SEQ: 1, 2, ... per subject, in the dataset's natural order."""
    return text(
        f"{prefix}SEQ",
        "Sequence Number",
        8,
        "Req",
        type="integer",
        origin="Derived",
        method="Row number within USUBJID in key order",
    )


def spid(prefix: str) -> Variable:
    """--SPID: the source form entry, ``FE<form_entry.id>`` (traceability to the audit trail)."""
    return text(
        f"{prefix}SPID",
        "Sponsor-Defined Identifier",
        20,
        "Perm",
        origin="Assigned",
        method="'FE' || form_entry.id of the source form entry",
    )


def visit_vars(core: Core = "Exp") -> tuple[Variable, ...]:
    """VISITNUM, VISIT, VISITDY from TV by the entry's visit code."""
    return (
        text("VISITNUM", "Visit Number", 8, core, type="float", origin="Derived", source="TV"),
        text("VISIT", "Visit Name", 40, "Perm", origin="Derived", source="TV"),
        text(
            "VISITDY",
            "Planned Study Day of Visit",
            8,
            "Perm",
            type="integer",
            origin="Derived",
            source="TV",
        ),
    )


def epoch(core: Core = "Perm") -> Variable:
    """EPOCH from SE (element containing the date) or the visit's planned epoch."""
    return text(
        "EPOCH",
        "Epoch",
        20,
        core,
        codelist="EPOCH",
        origin="Derived",
        method="Epoch of the SE element whose start and end dates contain the date",
    )


def dtc(name: str, label: str, core: Core = "Exp", *, source: str | None = None) -> Variable:
    """An ISO 8601 date/time variable."""
    return text(name, label, DTC_LENGTH, core, source=source)


def dy(name: str, label: str, of: str) -> Variable:
    """A study day (SDTMIG 4.4.4, no day 0) of the date variable ``of``."""
    return text(
        name,
        label,
        8,
        "Perm",
        type="integer",
        origin="Derived",
        method=f"{of} - RFSTDTC + 1 if {of} >= RFSTDTC, else {of} - RFSTDTC",
    )


def lobxfl(prefix: str) -> Variable:
    """--LOBXFL: Y on the last non-missing result on or before the first infusion."""
    return text(
        f"{prefix}LOBXFL",
        "Last Observation Before Exposure Flag",
        1,
        "Exp",
        codelist="NY",
        origin="Derived",
        method="Y on the last non-missing result per test dated on or before RFXSTDTC",
    )
