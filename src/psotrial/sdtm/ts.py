"""TS (Trial Summary): one record per parameter value, from the protocol and the data.

Parameters and codes: TSPARMCD/TSPARM from CT C66738; coded values carry their NCI C-code in
TSVALCD with TSVCDREF ``CDISC CT`` and TSVCDVER ``2025-03-28`` (cdisc.md sections 1.1, 7.2;
CORE-000761/001080). REGID carries the ClinicalTrials.gov identifier. The protocol decides
TPHASE, the age limits (the inclusion rule on ``demographics.age_years``), the dose
(cells per kg, as 10^6/kg) and its frequency (the spacing of the infusion visits); the data
decide SSTDTC (first informed consent), ACTSUB (subjects enrolled) and DCUTDTC (data cut).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

import polars as pl

from psotrial.protocol import Protocol
from psotrial.protocol.criteria import AllRule, AnyRule, CompareRule, NotRule
from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.text import to_ascii
from psotrial.sdtm.variables import domain, studyid, text

__all__ = ["CT_VERSION", "TS_SPEC", "build_study_ts", "build_ts", "compute_tphase"]

CT_VERSION = "2025-03-28"
_CT = "CDISC CT"

TS_SPEC = DatasetSpec(
    "TS",
    "Trial Summary",
    "Trial Design",
    "One record per trial summary parameter value",
    ("STUDYID", "TSPARMCD", "TSSEQ"),
    (
        studyid(),
        domain(),
        text("TSSEQ", "Sequence Number", 8, "Req", type="integer", origin="Assigned"),
        text("TSGRPID", "Group ID", 20, "Perm", origin="Assigned"),
        text(
            "TSPARMCD",
            "Trial Summary Parameter Short Name",
            8,
            "Req",
            codelist="TSPARMCD",
            origin="Assigned",
        ),
        text("TSPARM", "Trial Summary Parameter", 40, "Req", codelist="TSPARM", origin="Assigned"),
        text("TSVAL", "Parameter Value", 200, "Exp", origin="Protocol"),
        text("TSVALNF", "Parameter Null Flavor", 8, "Perm", origin="Assigned"),
        text("TSVALCD", "Parameter Value Code", 20, "Exp", origin="Assigned"),
        text("TSVCDREF", "Name of the Reference Terminology", 40, "Exp", origin="Assigned"),
        text("TSVCDVER", "Version of the Reference Terminology", 20, "Exp", origin="Assigned"),
    ),
)

_PHASES = {
    "phase 1": ("PHASE I TRIAL", "C15600"),
    "phase 1/phase 2": ("PHASE I/II TRIAL", "C15693"),
    "phase 2": ("PHASE II TRIAL", "C15601"),
    "phase 2/phase 3": ("PHASE II/III TRIAL", "C15694"),
    "phase 3": ("PHASE III TRIAL", "C15602"),
    "phase 4": ("PHASE IV TRIAL", "C15603"),
}
_FREQUENCIES = {
    2: ("EVERY 2 WEEKS", "C71127"),
    3: ("EVERY 3 WEEKS", "C64535"),
    4: ("EVERY 4 WEEKS", "C64529"),
}


def compute_tphase(phase: str) -> tuple[str, str] | None:
    """TPHASE term and C-code of a registry phase, or None when unknown.

    Example:
        >>> compute_tphase("Phase 1/Phase 2")
        ('PHASE I/II TRIAL', 'C15693')
    """
    return _PHASES.get(phase.strip().lower())


def build_ts(context: SdtmContext) -> pl.DataFrame:
    """TS: the trial summary parameters (see the module docstring for their sources)."""
    return build_study_ts(
        context.protocol, context.study_id, context.subjects, context.captured.data_cut
    )


def build_study_ts(
    protocol: Protocol, study_id: str, subjects: pl.DataFrame, data_cut: date
) -> pl.DataFrame:
    """TS from the study's subjects (every subject of the study: at least
    ``participant_code`` and ``RFICDTC``, in any order) and the data cut."""
    rows: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for code, name, value, value_code, reference in _parameters(protocol, subjects, data_cut):
        counts[code] = counts.get(code, 0) + 1
        rows.append(
            {
                "TSSEQ": counts[code],
                "TSGRPID": None,
                "TSPARMCD": code,
                "TSPARM": name,
                "TSVAL": value,
                "TSVALNF": "UNK" if value is None else None,
                "TSVALCD": value_code,
                "TSVCDREF": reference,
                "TSVCDVER": CT_VERSION if reference == _CT else None,
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.lit(study_id).alias("STUDYID"), pl.lit("TS").alias("DOMAIN")
    )


Parameter = tuple[str, str, str | None, str | None, str | None]


def _parameters(protocol: Protocol, subjects: pl.DataFrame, data_cut: date) -> Iterator[Parameter]:
    identity = protocol.identity
    arm = protocol.arm()
    yield "TITLE", "Trial Title", to_ascii(identity.title), None, None
    yield "SPONSOR", "Clinical Study Sponsor", to_ascii(identity.sponsor), None, None
    yield (
        "REGID",
        "Registry Identifier",
        identity.registry_id,
        identity.registry_id,
        "ClinicalTrials.gov",
    )
    phase = compute_tphase(identity.phase)
    if phase is not None:
        yield "TPHASE", "Trial Phase Classification", phase[0], phase[1], _CT
    yield "STYPE", "Study Type", "INTERVENTIONAL", "C98388", _CT
    if len(protocol.arms) == 1:
        yield "INTMODEL", "Intervention Model", "SINGLE GROUP", "C82640", _CT
    yield "INTTYPE", "Intervention Type", "BIOLOGIC", "C307", _CT
    yield "TTYPE", "Trial Type", "EFFICACY", "C49666", _CT
    yield "TTYPE", "Trial Type", "SAFETY", "C49667", _CT
    if "open" in identity.masking.lower() or identity.masking.lower().startswith("none"):
        yield "TBLIND", "Trial Blinding Schema", "OPEN LABEL", "C49659", _CT
    if len(protocol.arms) == 1:
        yield "TCNTRL", "Control Type", "NONE", "C41132", _CT
        yield "RANDOM", "Trial is Randomized", "N", "C49487", _CT
    yield "NARMS", "Planned Number of Arms", str(len(protocol.arms)), None, None
    yield "PLANSUB", "Planned Number of Subjects", str(identity.target_enrollment), None, None
    enrolled = subjects.filter(pl.col("participant_code").is_not_null()).height
    yield "ACTSUB", "Actual Number of Subjects", str(enrolled), None, None
    low, high = _age_limits(protocol)
    if low is not None:
        yield "AGEMIN", "Planned Minimum Age of Subjects", f"P{low}Y", None, "ISO 8601"
    if high is not None:
        yield "AGEMAX", "Planned Maximum Age of Subjects", f"P{high}Y", None, "ISO 8601"
    yield "SEXPOP", "Sex of Participants", "BOTH", "C49636", _CT
    yield "HLTSUBJI", "Healthy Subject Indicator", "N", "C49487", _CT
    yield "INDIC", "Trial Disease/Condition Indication", to_ascii(identity.condition), None, None
    yield "TRT", "Investigational Therapy or Treatment", _product(protocol), None, None
    yield "ROUTE", "Route of Administration", "INTRAVENOUS", "C38276", _CT
    dose = Decimal(arm.dosing.cells_per_kg).scaleb(-6).normalize()
    yield "DOSE", "Dose per Administration", format(dose, "f"), None, None
    yield "DOSU", "Dose Units", "10^6/kg", "C198380", _CT
    frequency = _frequency(protocol)
    if frequency is not None:
        yield "DOSFRQ", "Dosing Frequency", frequency[0], frequency[1], _CT
    yield "ADDON", "Added on to Existing Treatments", "N", "C49487", _CT
    for country in sorted({site.country for site in protocol.sites}):
        yield (
            "FCNTRY",
            "Planned Country of Investigational Sites",
            country,
            country,
            "ISO 3166-1 alpha-3",
        )
    title = to_ascii(identity.title)
    yield (
        "OBJPRIM",
        "Trial Primary Objective",
        f"To evaluate the {title[:1].lower()}{title[1:]}"[:200],
        None,
        None,
    )
    yield "LENGTH", "Trial Length", f"P{_length_days(protocol)}D", None, "ISO 8601"
    for outcome in protocol.outcomes:
        code, name = (
            ("OUTMSPRI", "Primary Outcome Measure")
            if outcome.kind == "primary"
            else ("OUTMSSEC", "Secondary Outcome Measure")
        )
        yield code, name, to_ascii(outcome.title).strip()[:200], None, None
    consents = subjects.get_column("RFICDTC").drop_nulls()
    first = consents.min() if consents.len() else None
    yield "SSTDTC", "Study Start Date", str(first) if first is not None else None, None, "ISO 8601"
    yield "DCUTDTC", "Data Cutoff Date", data_cut.isoformat(), None, "ISO 8601"
    yield "DCUTDESC", "Data Cutoff Description", "DATABASE SNAPSHOT", None, None
    yield "SDTMVER", "SDTM Version", "2.0", None, None
    yield "SDTIGVER", "SDTM IG Version", "3.4", None, None


def _product(protocol: Protocol) -> str:
    product = to_ascii(protocol.arm().dosing.product)
    return product.split(" (")[0].upper()


def _frequency(protocol: Protocol) -> tuple[str, str] | None:
    weeks = [protocol.visit(code).week for code in protocol.arm().infusion_visits]
    if len(weeks) < 2 or any(w is None for w in weeks):
        return None
    gaps = {b - a for a, b in pairwise(weeks) if a is not None and b is not None}
    return _FREQUENCIES.get(gaps.pop()) if len(gaps) == 1 else None


def _length_days(protocol: Protocol) -> int:
    """Calendar days from the earliest screening day to the last day of the last window."""
    first, last = protocol.visits[0].first_day, protocol.visits[-1].last_day
    span = last - first + 1
    return span - 1 if first < 0 < last else span  # there is no day 0


def _age_limits(protocol: Protocol) -> tuple[int | None, int | None]:
    low: int | None = None
    high: int | None = None
    for criterion in protocol.criteria:
        if criterion.kind != "inclusion" or criterion.rule is None:
            continue
        for rule in _leaves(criterion.rule):
            if rule.fact.endswith("age_years") and rule.value is not None:
                if rule.op in (">=", ">"):
                    low = int(rule.value) + (1 if rule.op == ">" else 0)
                elif rule.op in ("<=", "<"):
                    high = int(rule.value) - (1 if rule.op == "<" else 0)
    return low, high


def _leaves(rule: Any) -> Iterator[CompareRule]:
    if isinstance(rule, AllRule):
        for child in rule.all:
            yield from _leaves(child)
    elif isinstance(rule, AnyRule):
        for child in rule.any:
            yield from _leaves(child)
    elif isinstance(rule, NotRule):
        return
    elif isinstance(rule, CompareRule):
        yield rule
