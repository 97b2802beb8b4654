"""``build_analysis``: every registered outcome and the study tables, from ADaM only. PURE.

The program reads as a list of analyses, in the registry's order (protocol.outcomes), then
the baseline table, disposition, safety and deviations. Each piece is a small tested
function in its own module; this one only wires them to the protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from psotrial.errors import ProtocolError
from psotrial.protocol import Outcome, Protocol
from psotrial.stats.analysis import (
    Analysis,
    ContinuousOutcome,
    OutcomeHeader,
    OutcomeResult,
    RelapseOutcome,
    ResponderOutcome,
    Safety,
)
from psotrial.stats.bands import build_dlqi_band_shift
from psotrial.stats.baseline import build_baseline_table
from psotrial.stats.continuous import build_continuous_outcome
from psotrial.stats.deviations import build_deviations
from psotrial.stats.disposition import build_disposition
from psotrial.stats.mixed import build_mixed_model
from psotrial.stats.rates import (
    build_responder_outcome,
    build_responder_rates,
    build_responder_table,
)
from psotrial.stats.records import get_dataset, visit_label
from psotrial.stats.relapse import build_relapse_rates
from psotrial.stats.safety import (
    build_ae_by_grade,
    build_ae_by_relationship,
    build_ae_by_soc_term,
    build_ae_overview,
    build_exposure,
    build_infusion_reactions,
    build_lab_shifts,
    build_serious_events,
)
from psotrial.stats.survival import build_kaplan_meier

__all__ = ["ANALYSED_PARAMS", "MEASURES", "build_analysis", "build_safety"]

MEASURES: tuple[str, ...] = (
    "pasi_improvement_pct",
    "pasi",
    "relapse_rate",
    "pasi50",
    "pasi75",
    "itch_vas",
    "bsa_pct",
    "dlqi",
)
"""The outcome measures ``build_analysis`` knows (protocol ``Outcome.measure``)."""

_DEFAULT_WEEK = 12
_PASI_PARAMS = ("PASITOT", "PASIIMPR")
_QS_PARAMS = ("DLQITOT", "ITCHVAS", "BSA", "SASRAW", "SDSRAW")
ANALYSED_PARAMS: Mapping[str, tuple[str, ...]] = {"ADPASI": _PASI_PARAMS, "ADQS": _QS_PARAMS}
"""The only parameters (PARAMCD) of ADPASI and ADQS that ``build_analysis`` reads; the
PASI items and the subscales are most of the rows. A caller may keep only these rows."""


def _header(outcome: Outcome | None) -> OutcomeHeader | None:
    if outcome is None:
        return None
    return OutcomeHeader(
        outcome.id,
        outcome.kind,
        outcome.title,
        outcome.description,
        outcome.time_frame,
        outcome.measure,
        outcome.visits,
    )


def _week(protocol: Protocol, outcome: Outcome | None, default: int) -> int:
    if outcome is None:
        return default
    visit = protocol.visit(outcome.visits[-1])
    if visit.week is None:
        raise ProtocolError(
            "protocol",
            [(f"outcomes.{outcome.id}.visits", f"visit {visit.code} has no week")],
        )
    return visit.week


def _end_of_treatment_week(protocol: Protocol) -> int:
    weeks = [
        v.week for v in protocol.visits if v.week is not None and v.epoch.upper() == "TREATMENT"
    ]
    return max(weeks) if weeks else _DEFAULT_WEEK


def _imputation(adpasi: pl.DataFrame) -> str:
    kinds = set(adpasi["DTYPE"].drop_nulls().unique().to_list())
    return "nri" if "NRI" in kinds else "locf" if "LOCF" in kinds else "none"


def build_safety(adam: Mapping[str, pl.DataFrame], protocol: Protocol) -> Safety:
    """Exposure, TEAE tables, SAEs, infusion reactions and lab shifts (SAFFL = Y)."""
    adsl = get_dataset(adam, "ADSL")
    adae = get_dataset(adam, "ADAE")
    planned = max(len(arm.infusion_visits) for arm in protocol.arms)
    exposure = build_exposure(adsl, planned_infusions=planned)
    n = exposure.treated
    adlb = adam.get("ADLB")
    return Safety(
        population="SAFFL",
        n=n,
        exposure=exposure,
        overview=build_ae_overview(adae, n=n),
        by_soc_term=build_ae_by_soc_term(adae, n=n),
        by_grade=build_ae_by_grade(adae, n=n),
        by_relationship=build_ae_by_relationship(adae, n=n),
        serious=build_serious_events(adae),
        infusion_reactions=build_infusion_reactions(adae, infusions=exposure.total_infusions),
        lab_shifts=build_lab_shifts(adlb) if adlb is not None and adlb.height else (),
    )


def build_analysis(
    adam: Mapping[str, pl.DataFrame], protocol: Protocol, *, data_cut: date | None = None
) -> Analysis:
    """Analyse every registered outcome and build the study tables from ADaM.

    Args:
        adam: ADSL, ADPASI, ADQS, ADAE and ADTTE (ADLB optional), as ``build_adam`` returns
            them; an optional SDTM ``IE`` dataset gives screen-failure reasons.
        protocol: the study definition (outcomes in the registry's order, visits, arms).
        data_cut: the date the data were cut; defaults to the latest ADSL LSTALVDT. It
            decides which infusions were due (missed infusions).

    Raises:
        DerivationError: a required dataset or variable is missing (named).
        ProtocolError: an outcome's visit has no week.
    """
    adsl = get_dataset(adam, "ADSL")
    # The PASI items and the subscales are most of the rows and no outcome reads them.
    adpasi = get_dataset(adam, "ADPASI").filter(pl.col("PARAMCD").is_in(_PASI_PARAMS)).rechunk()
    adqs = get_dataset(adam, "ADQS").filter(pl.col("PARAMCD").is_in(_QS_PARAMS)).rechunk()
    adtte = get_dataset(adam, "ADTTE")
    by_measure: dict[str, Outcome] = {o.measure: o for o in reversed(protocol.outcomes)}
    cut = data_cut if data_cut is not None else adsl["LSTALVDT"].max()
    if cut is not None and not isinstance(cut, date):
        cut = None

    def visit_of(measure: str) -> str:
        return visit_label(_week(protocol, by_measure.get(measure), _DEFAULT_WEEK))

    mixed = build_mixed_model(adpasi, paramcd="PASITOT")
    primary_visit = visit_of("pasi_improvement_pct")
    pasi_improvement = build_continuous_outcome(
        adpasi,
        paramcd="PASITOT",
        avisit=primary_visit,
        outcome=_header(by_measure.get("pasi_improvement_pct")),
        value_paramcd="PASIIMPR",
        mixed_model=mixed,
    )
    pasi = build_continuous_outcome(
        adpasi,
        paramcd="PASITOT",
        avisit=visit_of("pasi"),
        outcome=_header(by_measure.get("pasi")),
        mixed_model=mixed,
    )
    table = build_responder_table(adpasi)
    pasi50 = build_responder_outcome(
        table, label="PASI-50", avisit=visit_of("pasi50"), outcome=_header(by_measure.get("pasi50"))
    )
    pasi75 = build_responder_outcome(
        table, label="PASI-75", avisit=visit_of("pasi75"), outcome=_header(by_measure.get("pasi75"))
    )
    end_week = _end_of_treatment_week(protocol)
    rates = build_relapse_rates(
        adpasi, end_week=end_week, npf_inclusive=protocol.settings.npf_boundary_inclusive
    )
    relapse = RelapseOutcome(
        outcome=_header(by_measure.get("relapse_rate")),
        end_of_treatment=visit_label(end_week),
        treatment_protocol=rates.treatment_protocol,
        follow_up_protocol=rates.follow_up_protocol,
        treatment_npf=rates.treatment_npf,
        follow_up_npf=rates.follow_up_npf,
        time_to_relapse=build_kaplan_meier(adtte, paramcd="TTRELPRO"),
        time_to_relapse_npf=build_kaplan_meier(adtte, paramcd="TTRELNPF"),
        time_to_pasi50=build_kaplan_meier(adtte, paramcd="TTPASI50"),
        participants=rates.participants,
        participants_note=rates.note,
    )
    itch_visit = visit_of("itch_vas")
    itch_vas = build_continuous_outcome(
        adqs,
        paramcd="ITCHVAS",
        avisit=itch_visit,
        outcome=_header(by_measure.get("itch_vas")),
        responders=_at(
            build_responder_rates(
                adqs, paramcd="ITCHVAS", flag="CRIT1FL", label="Pruritus VAS MCID"
            ),
            itch_visit,
        ),
    )
    bsa = build_continuous_outcome(
        adqs, paramcd="BSA", avisit=visit_of("bsa_pct"), outcome=_header(by_measure.get("bsa_pct"))
    )
    dlqi_visit = visit_of("dlqi")
    dlqi_responders = (
        *build_responder_rates(adqs, paramcd="DLQITOT", flag="CRIT1FL", label="DLQI MCID"),
        *build_responder_rates(adqs, paramcd="DLQITOT", flag="CRIT2FL", label="DLQI 0/1"),
    )
    dlqi = build_continuous_outcome(
        adqs,
        paramcd="DLQITOT",
        avisit=dlqi_visit,
        outcome=_header(by_measure.get("dlqi")),
        responders=_at(dlqi_responders, dlqi_visit),
        shift=build_dlqi_band_shift(adqs, avisit=dlqi_visit),
    )
    results: dict[str, OutcomeResult] = {
        "pasi_improvement_pct": pasi_improvement,
        "pasi": pasi,
        "relapse_rate": relapse,
        "pasi50": pasi50,
        "pasi75": pasi75,
        "itch_vas": itch_vas,
        "bsa_pct": bsa,
        "dlqi": dlqi,
    }
    outcomes = tuple(_for_outcome(results[o.measure], _header(o)) for o in protocol.outcomes)
    notes = []
    if cut is None:
        notes.append("no data cut date: ADSL has no LSTALVDT; missed infusions not counted")
    narrowed = {**adam, "ADPASI": adpasi, "ADQS": adqs}
    deviations = build_deviations(narrowed, protocol, data_cut=cut or date.max)
    return Analysis(
        study_id=str(adsl["STUDYID"].first()) if adsl.height else protocol.identity.registry_id,
        registry_id=protocol.identity.registry_id,
        data_cut=cut,
        imputation=_imputation(adpasi),
        outcomes=outcomes,
        pasi_improvement=pasi_improvement,
        pasi=pasi,
        relapse=relapse,
        pasi50=pasi50,
        pasi75=pasi75,
        itch_vas=itch_vas,
        bsa=bsa,
        dlqi=dlqi,
        pasi_responders=table,
        baseline=build_baseline_table(adsl),
        disposition=build_disposition(adsl, ie=adam.get("IE")),
        safety=build_safety(adam, protocol),
        deviations=deviations,
        notes=tuple(notes),
    )


def _at(rates: tuple[object, ...], avisit: str) -> tuple:  # type: ignore[type-arg]
    return tuple(r for r in rates if getattr(r, "avisit", None) == avisit)


def _for_outcome(result: OutcomeResult, header: OutcomeHeader | None) -> OutcomeResult:
    # Two registered outcomes may share a measure; each keeps its own wording.
    from dataclasses import replace

    if isinstance(result, ContinuousOutcome | ResponderOutcome | RelapseOutcome):
        return replace(result, outcome=header)
    return result
