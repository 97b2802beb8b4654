"""Trial design datasets TE, TA, TV and TI, from the protocol file alone (SDTMIG 3.4 ch. 7).

TE/TA: the elements of :func:`~psotrial.sdtm.elements.plan_elements`, one arm (single-arm
trial), no branches. TV: one planned visit per protocol visit, VISITDY its target study day,
the window in TVSTRL. TI: every inclusion and exclusion criterion; IETEST is the registry
wording made ASCII and cut to 200 characters at a word boundary (the full text stays in the
protocol), IETESTCD is ``INCL01``/``EXCL01`` from the criterion ID (``IN01``/``EX01``).
"""

from __future__ import annotations

import polars as pl

from psotrial.protocol import Criterion, Protocol
from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.elements import plan_elements
from psotrial.sdtm.metadata import Core, DatasetSpec, Variable
from psotrial.sdtm.text import shorten, to_ascii
from psotrial.sdtm.variables import domain, epoch, studyid, text
from psotrial.sdtm.visits import build_visit_map

__all__ = [
    "TA_SPEC",
    "TE_SPEC",
    "TI_SPEC",
    "TV_SPEC",
    "build_ta",
    "build_te",
    "build_ti",
    "build_tv",
    "compute_ietest",
    "compute_ietestcd",
]

_ETCD = text("ETCD", "Element Code", 8, "Req", origin="Protocol")


def _armcd(core: Core = "Req") -> Variable:
    return text("ARMCD", "Planned Arm Code", 20, core, origin="Protocol")


TE_SPEC = DatasetSpec(
    "TE",
    "Trial Elements",
    "Trial Design",
    "One record per planned Element",
    ("STUDYID", "ETCD"),
    (
        studyid(),
        domain(),
        _ETCD,
        text("ELEMENT", "Description of Element", 100, "Req", origin="Protocol"),
        text("TESTRL", "Rule for Start of Element", 200, "Req", origin="Protocol"),
        text("TEENRL", "Rule for End of Element", 200, "Perm", origin="Protocol"),
        text("TEDUR", "Planned Duration of Element", 20, "Perm", origin="Protocol"),
    ),
)

TA_SPEC = DatasetSpec(
    "TA",
    "Trial Arms",
    "Trial Design",
    "One record per planned Element per Arm",
    ("STUDYID", "ARMCD", "TAETORD"),
    (
        studyid(),
        domain(),
        _armcd(),
        text("ARM", "Description of Planned Arm", 200, "Req", origin="Protocol"),
        text(
            "TAETORD",
            "Planned Order of Element within Arm",
            8,
            "Req",
            type="integer",
            origin="Protocol",
        ),
        _ETCD,
        text("ELEMENT", "Description of Element", 100, "Perm", origin="Protocol"),
        text("TABRANCH", "Branch", 200, "Exp", origin="Protocol"),
        text("TATRANS", "Transition Rule", 200, "Exp", origin="Protocol"),
        epoch("Req"),
    ),
)

TV_SPEC = DatasetSpec(
    "TV",
    "Trial Visits",
    "Trial Design",
    "One record per planned Visit per Arm",
    ("STUDYID", "ARMCD", "VISITNUM"),
    (
        studyid(),
        domain(),
        text("VISITNUM", "Visit Number", 8, "Req", type="float", origin="Protocol"),
        text("VISIT", "Visit Name", 40, "Perm", origin="Protocol"),
        text("VISITDY", "Planned Study Day of Visit", 8, "Perm", type="integer", origin="Protocol"),
        _armcd("Exp"),
        text("ARM", "Description of Planned Arm", 200, "Perm", origin="Protocol"),
        text("TVSTRL", "Visit Start Rule", 200, "Req", origin="Protocol"),
        text("TVENRL", "Visit End Rule", 200, "Perm", origin="Protocol"),
    ),
)

TI_SPEC = DatasetSpec(
    "TI",
    "Trial Inclusion/Exclusion Criteria",
    "Trial Design",
    "One record per I/E criterion",
    ("STUDYID", "IETESTCD"),
    (
        studyid(),
        domain(),
        text(
            "IETESTCD",
            "Incl/Excl Criterion Short Name",
            8,
            "Req",
            origin="Protocol",
            method="INCL/EXCL + the number of the protocol criterion ID",
        ),
        text("IETEST", "Inclusion/Exclusion Criterion", 200, "Req", origin="Protocol"),
        text(
            "IECAT", "Inclusion/Exclusion Category", 9, "Req", codelist="IECAT", origin="Protocol"
        ),
        text("TIRL", "Criterion Rule", 200, "Perm", origin="Protocol"),
        text("TIVERS", "Protocol Criteria Versions", 20, "Perm", origin="Protocol"),
    ),
)


def compute_ietestcd(criterion_id: str) -> str:
    """IETESTCD of a protocol criterion ID.

    Example:
        >>> compute_ietestcd("IN02"), compute_ietestcd("EX10")
        ('INCL02', 'EXCL10')
    """
    if criterion_id.startswith("IN"):
        return f"INCL{criterion_id[2:]}"
    if criterion_id.startswith("EX"):
        return f"EXCL{criterion_id[2:]}"
    return criterion_id[:8]


def compute_ietest(criterion: Criterion) -> str:
    """IETEST: the criterion's wording, ASCII, single-spaced, at most 200 characters."""
    return shorten(" ".join(to_ascii(criterion.text).split()), 200)


def build_te(context: SdtmContext) -> pl.DataFrame:
    """TE: one record per planned element."""
    rows = [dict(e) | {"TEDUR": None} for e in plan_elements(context.protocol)]
    return _with_study(pl.DataFrame(rows), context, "TE")


def build_ta(context: SdtmContext) -> pl.DataFrame:
    """TA: each arm's elements in order (a single arm here, so no branches)."""
    protocol = context.protocol
    rows = [
        dict(e) | {"ARMCD": arm.code, "ARM": to_ascii(arm.name), "TABRANCH": None, "TATRANS": None}
        for arm in protocol.arms
        for e in plan_elements(protocol)
    ]
    return _with_study(pl.DataFrame(rows), context, "TA")


def build_tv(context: SdtmContext) -> pl.DataFrame:
    """TV: one record per planned visit per arm, with its window as the start rule."""
    protocol = context.protocol
    visits = build_visit_map(protocol)
    rows = []
    for arm in protocol.arms:
        for visit, number, name in zip(
            protocol.visits, visits["VISITNUM"], visits["VISIT"], strict=True
        ):
            rows.append(
                {
                    "VISITNUM": number,
                    "VISIT": name,
                    "VISITDY": visit.day,
                    "ARMCD": arm.code,
                    "ARM": to_ascii(arm.name),
                    "TVSTRL": _visit_rule(protocol, visit.code),
                    "TVENRL": None,
                }
            )
    return _with_study(pl.DataFrame(rows), context, "TV")


def _visit_rule(protocol: Protocol, code: str) -> str:
    visit = protocol.visit(code)
    name = to_ascii(visit.name)
    if visit.window_before == visit.window_after == 0:
        return f"{name}: study day {visit.day}"
    return (
        f"{name}: study day {visit.day}, window {visit.first_day} to {visit.last_day} "
        f"(-{visit.window_before}/+{visit.window_after} days)"
    )


def build_ti(context: SdtmContext) -> pl.DataFrame:
    """TI: every inclusion and exclusion criterion of the protocol."""
    rows = [
        {
            "IETESTCD": compute_ietestcd(c.id),
            "IETEST": compute_ietest(c),
            "IECAT": "INCLUSION" if c.kind == "inclusion" else "EXCLUSION",
            "TIRL": shorten(" ".join(to_ascii(c.note).split()), 200) if c.note else None,
            "TIVERS": None,
        }
        for c in context.protocol.criteria
    ]
    return _with_study(pl.DataFrame(rows, infer_schema_length=None), context, "TI")


def _with_study(frame: pl.DataFrame, context: SdtmContext, name: str) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(context.study_id).alias("STUDYID"), pl.lit(name).alias("DOMAIN")
    )
