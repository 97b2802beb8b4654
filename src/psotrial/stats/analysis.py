"""The analysis as a tree of frozen dataclasses: what the report and the registry read.

``build_analysis(adam, protocol)`` (in :mod:`psotrial.stats.build`) returns an
:class:`Analysis`. Every number in it is computed from ADaM by tested code and kept
exact or as a float; nothing here is rounded for display. Formatting (half away from zero,
``psotrial.exact.round_half_up``) is the reader's job.

Conventions shared by every class:

- A proportion is a :class:`Rate` (count, n, fraction 0-1, Clopper-Pearson 95% CI on
  the 0-1 scale; ``pct`` gives percent).
- A statistic that cannot be computed is a :class:`NotEstimable` with the reason, never a
  silent ``None`` or a dropped row.
- Per-participant listings are tuples of rows; when there are more than
  :data:`LISTING_CAP` participants they are left empty and ``*_note`` says so.
- Visits are ADaM analysis visits (``AVISIT`` "WEEK 12", ``AVISITN`` 12.0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = [
    "LISTING_CAP",
    "AdverseEventRow",
    "Analysis",
    "BaselineCategory",
    "BaselineContinuous",
    "BaselineTable",
    "ContinuousOutcome",
    "CountRow",
    "Deviations",
    "Disposition",
    "Exposure",
    "InfusionReactions",
    "KaplanMeier",
    "KmPoint",
    "LabShift",
    "MixedModel",
    "MixedModelEstimate",
    "NotEstimable",
    "OutOfWindowRow",
    "OutcomeHeader",
    "OutcomeResult",
    "ParticipantValue",
    "Populations",
    "Rate",
    "RelapseOutcome",
    "RelapseParticipant",
    "ResponderOutcome",
    "ResponderRate",
    "ResponderRow",
    "ResponderTable",
    "Safety",
    "SeriousEvent",
    "ShiftTable",
    "SignedRankTest",
    "Summary",
    "TeaeOverview",
    "VisitSummary",
]

LISTING_CAP = 50
"""Per-participant listings are given for at most this many participants."""


@dataclass(frozen=True)
class NotEstimable:
    """A statistic that could not be computed, and why (e.g. "n = 2 < 3 participants")."""

    reason: str


@dataclass(frozen=True)
class Summary:
    """Descriptive statistics of one variable (``compute_summary``).

    Quantiles are Hyndman-Fan type 7 (linear interpolation; R's default, numpy "linear").
    ``sd`` is the sample SD (n - 1); the CI is mean +/- t(0.975, n - 1) x SD / sqrt(n).
    With n = 0 every statistic is None; with n = 1, ``sd`` and the CI are None.
    """

    n: int
    n_missing: int
    mean: float | None
    sd: float | None
    median: float | None
    q1: float | None
    q3: float | None
    minimum: float | None
    maximum: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class SignedRankTest:
    """Wilcoxon signed-rank test of H0: the changes are symmetric about 0 (two-sided).

    ``statistic`` is V, the sum of the ranks of the positive differences (R's
    ``wilcox.test``). ``n`` counts the non-zero differences used; ``n_zero`` the zero
    differences dropped (Wilcoxon's convention). ``method``: "exact" is the exact null
    distribution; "exact (ties)" the exact permutation distribution of V given the
    mid-ranks (when differences tie); "normal approximation" (with tie correction and
    continuity correction) is used above ``compute_signed_rank``'s exact limit; ``note``
    says which and why.
    """

    n: int
    n_zero: int
    statistic: float
    p_value: float
    method: Literal["exact", "exact (ties)", "normal approximation"]
    note: str | None


@dataclass(frozen=True)
class Rate:
    """``count`` of ``n`` with its exact Clopper-Pearson 95% CI (0-1 scale).

    ``proportion``, ``ci_low`` and ``ci_high`` are None when n = 0.
    """

    count: int
    n: int
    proportion: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def pct(self) -> float | None:
        """The proportion in percent (unrounded)."""
        return None if self.proportion is None else 100 * self.proportion


@dataclass(frozen=True)
class OutcomeHeader:
    """A registered outcome measure as the protocol (and the registry) words it."""

    id: str
    kind: Literal["primary", "secondary"]
    title: str
    description: str
    time_frame: str
    measure: str
    visits: tuple[str, ...]


@dataclass(frozen=True)
class ParticipantValue:
    """One participant's value at the outcome visit (primary listing)."""

    usubjid: str
    baseline: float | None
    value: float | None
    change: float | None
    improvement_pct: float | None
    ady: int | None
    imputed: str | None  # DTYPE of the record (NRI/LOCF) or None when observed


@dataclass(frozen=True)
class VisitSummary:
    """Summaries of the value and of the change from baseline at one analysis visit."""

    avisit: str
    avisitn: float
    value: Summary
    change: Summary


@dataclass(frozen=True)
class ResponderRate:
    """A responder definition at one visit: observed cases and non-responder imputation.

    ``observed`` counts analysis records without DTYPE; ``nri`` also counts the DTYPE NRI
    records as non-responders (None when ADaM was built without NRI records).
    """

    label: str
    criterion: str
    avisit: str
    avisitn: float
    observed: Rate
    nri: Rate | None


@dataclass(frozen=True)
class ShiftTable:
    """Counts of participants by a baseline category (rows) and a later category (columns).

    ``counts[i][j]`` is the number with row ``rows[i]`` and column ``columns[j]``; "Missing"
    is a category of its own where it occurs.
    """

    title: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    n: int


@dataclass(frozen=True)
class MixedModelEstimate:
    """Estimated mean change from baseline at one visit (model-based)."""

    avisit: str
    avisitn: float
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True)
class MixedModel:
    """Mixed model for repeated measures of a change from baseline over visits.

    statsmodels ``MixedLM``: CHG ~ C(visit) + BASE (no intercept, one mean per visit),
    random intercept per participant, REML. Observed analysis records only (no imputation),
    which is valid under missing at random.
    """

    paramcd: str
    formula: str
    n_participants: int
    n_observations: int
    converged: bool
    estimates: tuple[MixedModelEstimate, ...]
    random_intercept_var: float
    residual_var: float


@dataclass(frozen=True)
class ContinuousOutcome:
    """A continuous outcome at its visit: baseline, value, change and their tests.

    For the primary outcome (PASI improvement rate) ``value`` summarises PASIIMPR and
    ``change`` the PASI change (PASITOT CHG); the signed-rank test is on ``change``.
    ``over_time`` has one row per post-baseline analysis visit (observed cases).
    """

    outcome: OutcomeHeader | None
    paramcd: str
    param: str
    unit: str | None
    avisit: str
    population: str
    baseline: Summary
    value: Summary
    change: Summary
    signed_rank: SignedRankTest | NotEstimable
    participants: tuple[ParticipantValue, ...]
    participants_note: str | None
    over_time: tuple[VisitSummary, ...]
    responders: tuple[ResponderRate, ...]
    shift: ShiftTable | None
    mixed_model: MixedModel | NotEstimable | None


@dataclass(frozen=True)
class ResponderRow:
    """PASI-50/75/90/100 at one visit (one ResponderRate per criterion)."""

    avisit: str
    avisitn: float
    rates: tuple[ResponderRate, ...]


@dataclass(frozen=True)
class ResponderTable:
    """Every PASI response criterion at every post-baseline analysis visit."""

    population: str
    labels: tuple[str, ...]
    rows: tuple[ResponderRow, ...]


@dataclass(frozen=True)
class ResponderOutcome:
    """A registered responder outcome (PASI-50 or PASI-75): its visit and every visit.

    ``primary`` is the NRI rate at the outcome visit (observed when ADaM has no NRI records).
    """

    outcome: OutcomeHeader | None
    label: str
    avisit: str
    primary: ResponderRate
    by_visit: tuple[ResponderRate, ...]


@dataclass(frozen=True)
class KmPoint:
    """One step of a Kaplan-Meier curve (survival = probability of no event yet)."""

    time: float
    at_risk: int
    events: int
    censored: int
    survival: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan-Meier estimate (lifelines) of one ADTTE parameter, time in days.

    ``median`` is None when not reached (then ``median_note`` says "not reached");
    ``at_risk`` gives the numbers at risk at ``at_risk_times``.
    """

    paramcd: str
    param: str
    n: int
    events: int
    censored: int
    median: float | None
    median_ci_low: float | None
    median_ci_high: float | None
    median_note: str | None
    curve: tuple[KmPoint, ...]
    at_risk_times: tuple[float, ...]
    at_risk: tuple[int, ...]


@dataclass(frozen=True)
class RelapseParticipant:
    """One PASI-50 achiever: when PASI-50 was reached and when relapse occurred."""

    usubjid: str
    first_pasi50: str | None
    pasi50_at_end_of_treatment: bool
    relapse_treatment: str | None
    relapse_follow_up: str | None
    relapse_treatment_npf: str | None
    relapse_follow_up_npf: str | None


@dataclass(frozen=True)
class RelapseOutcome:
    """Relapse rates (protocol definition; NPF as sensitivity) and time-to-event estimates.

    Treatment period: among those reaching PASI-50 at a visit up to the end of treatment,
    relapse at a later visit up to it. Follow-up: among those with PASI-50 at the end of
    treatment, relapse at any follow-up visit. Observed analysis records only.
    """

    outcome: OutcomeHeader | None
    end_of_treatment: str
    treatment_protocol: Rate
    follow_up_protocol: Rate
    treatment_npf: Rate
    follow_up_npf: Rate
    time_to_relapse: KaplanMeier | NotEstimable
    time_to_relapse_npf: KaplanMeier | NotEstimable
    time_to_pasi50: KaplanMeier | NotEstimable
    participants: tuple[RelapseParticipant, ...]
    participants_note: str | None


@dataclass(frozen=True)
class BaselineContinuous:
    """A continuous baseline characteristic."""

    label: str
    unit: str | None
    summary: Summary


@dataclass(frozen=True)
class CountRow:
    """A category with its count and the denominator (pct = 100 x count / n)."""

    label: str
    count: int
    n: int

    @property
    def pct(self) -> float | None:
        """Percent of ``n`` (unrounded), None when n = 0."""
        return None if self.n == 0 else 100 * self.count / self.n


@dataclass(frozen=True)
class BaselineCategory:
    """A categorical baseline characteristic: its categories in display order."""

    label: str
    categories: tuple[CountRow, ...]


@dataclass(frozen=True)
class BaselineTable:
    """Demographics and baseline disease characteristics of one population."""

    population: str
    n: int
    continuous: tuple[BaselineContinuous, ...]
    categorical: tuple[BaselineCategory, ...]


@dataclass(frozen=True)
class Populations:
    """Participants in each analysis population (ADSL flags = Y)."""

    screened: int
    enrolled: int
    safety: int
    full_analysis: int
    per_protocol: int


@dataclass(frozen=True)
class Disposition:
    """Participant flow (CONSORT): screened, excluded by reason, enrolled ... analysed."""

    screened: int
    screen_failures: int
    screen_failure_reasons: tuple[CountRow, ...]
    screen_failure_note: str | None
    enrolled: int
    treated: int
    completed: int
    discontinued: int
    ongoing: int
    discontinued_reasons: tuple[CountRow, ...]
    populations: Populations


@dataclass(frozen=True)
class Exposure:
    """Infusions received (ADSL NINFUS) and dose (cells/kg) where ADaM carries it."""

    treated: int
    planned_infusions: int
    total_infusions: int
    infusions: Summary
    infusions_received: tuple[CountRow, ...]  # "5 infusions": k participants, of treated
    duration_days: Summary
    cells_per_kg: Summary | NotEstimable


@dataclass(frozen=True)
class AdverseEventRow:
    """Participants with at least one event and number of events, for one group.

    ``soc`` is None for a SOC-level row; ``term`` is None for a SOC total.
    """

    soc: str | None
    term: str | None
    participants: int
    n: int
    events: int

    @property
    def pct(self) -> float | None:
        """Percent of participants (unrounded), None when n = 0."""
        return None if self.n == 0 else 100 * self.participants / self.n


@dataclass(frozen=True)
class TeaeOverview:
    """Participants (and events) with any TEAE, related, serious, grade >= 3, fatal."""

    rows: tuple[AdverseEventRow, ...]  # ``term`` holds the category label


@dataclass(frozen=True)
class SeriousEvent:
    """One serious adverse event (listing)."""

    usubjid: str
    term: str
    soc: str | None
    start: date | None
    study_day: int | None
    grade: str | None
    relationship: str | None
    outcome: str | None


@dataclass(frozen=True)
class InfusionReactions:
    """Infusion-related reactions (ADAE AEDECOD "Infusion related reaction").

    ``per_infusion``: infusions followed by at least one reaction (distinct participant
    and start date) of all infusions given, with a Clopper-Pearson CI that treats
    infusions as independent (a participant contributes up to five).
    """

    events: int
    participants: int
    infusions: int
    per_infusion: Rate


@dataclass(frozen=True)
class LabShift:
    """CTCAE grade shift for one lab test: baseline grade x worst post-baseline grade."""

    paramcd: str
    param: str
    table: ShiftTable


@dataclass(frozen=True)
class Safety:
    """Safety population: exposure, TEAEs, SAEs, infusion reactions, lab shifts."""

    population: str
    n: int
    exposure: Exposure
    overview: TeaeOverview
    by_soc_term: tuple[AdverseEventRow, ...]
    by_grade: tuple[AdverseEventRow, ...]  # term = "Grade g" (worst grade per participant)
    by_relationship: tuple[AdverseEventRow, ...]  # term = AREL (closest per participant)
    serious: tuple[SeriousEvent, ...]
    infusion_reactions: InfusionReactions
    lab_shifts: tuple[LabShift, ...]


@dataclass(frozen=True)
class OutOfWindowRow:
    """An assessment outside every analysis window (OUTWINFL = Y)."""

    dataset: str
    usubjid: str
    paramcd: str
    visit: str | None
    ady: int | None


@dataclass(frozen=True)
class Deviations:
    """Protocol deviations visible in ADaM.

    ``out_of_window``: counts of out-of-window assessments by dataset/parameter with a
    listing (capped); ``missed_infusions``: infusions due by the data cut but not received;
    ``dose_deviations``: infusions whose dose differs from plan by more than the protocol's
    percentage, or NotEstimable when ADaM does not carry doses.
    """

    out_of_window: tuple[CountRow, ...]
    out_of_window_listing: tuple[OutOfWindowRow, ...]
    out_of_window_note: str | None
    missed_infusions: tuple[CountRow, ...]  # per participant: label = USUBJID, count = missed
    missed_infusions_total: int
    missed_infusions_note: str | None
    dose_deviations: tuple[CountRow, ...] | NotEstimable


OutcomeResult = ContinuousOutcome | ResponderOutcome | RelapseOutcome
"""The result of one registered outcome."""


@dataclass(frozen=True)
class Analysis:
    """Every registered outcome, in the registry's order, plus the study-level tables.

    ``outcomes`` follows ``protocol.outcomes``; the named attributes give the same objects
    by measure (``pasi_improvement`` is the primary outcome). ``imputation`` says which
    imputed records ADaM holds ("nri", "locf" or "none"), detected from DTYPE.
    """

    study_id: str
    registry_id: str
    data_cut: date | None
    imputation: str
    outcomes: tuple[OutcomeResult, ...]
    pasi_improvement: ContinuousOutcome
    pasi: ContinuousOutcome
    relapse: RelapseOutcome
    pasi50: ResponderOutcome
    pasi75: ResponderOutcome
    itch_vas: ContinuousOutcome
    bsa: ContinuousOutcome
    dlqi: ContinuousOutcome
    pasi_responders: ResponderTable
    baseline: BaselineTable
    disposition: Disposition
    safety: Safety
    deviations: Deviations
    notes: tuple[str, ...]
