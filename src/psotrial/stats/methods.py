"""The statistical methods, as data, for the report's Methods section. PURE.

Each :class:`MethodText` is one paragraph: a heading and plain text (no markup), in the
order a report prints them. The text states what each statistic is and which options are
used; it is kept beside the code that does it, so both change together.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["METHODS", "MethodText"]


@dataclass(frozen=True)
class MethodText:
    """One paragraph of the Methods section."""

    key: str
    heading: str
    text: str


METHODS: tuple[MethodText, ...] = (
    MethodText(
        "data",
        "Data and populations",
        "All statistics are computed from the ADaM datasets (ADSL, ADPASI, ADQS, ADLB, ADAE, "
        "ADTTE) and nothing else. Efficacy is analysed in the full analysis set (FASFL: "
        "enrolled, at least one infusion and a baseline PASI) and safety in the safety "
        "population (SAFFL: at least one infusion). The analysis record at each visit is the "
        "ADaM analysis record (ANL01FL, the assessment closest to the visit target, the "
        "earlier on a tie); assessments outside every visit window are flagged and never "
        "used for an outcome. Baseline is the last non-missing value on or before the first "
        "infusion.",
    ),
    MethodText(
        "summaries",
        "Continuous outcomes",
        "Continuous values (PASI improvement rate, PASI, pruritus VAS, BSA%, DLQI) are "
        "summarised at baseline, at the outcome visit and as change from baseline over "
        "observed values: n, mean, standard deviation (n - 1), median, interquartile range "
        "(quartiles by Hyndman and Fan definition 7, linear interpolation, as R's default), "
        "minimum and maximum, and the 95% confidence interval of the mean from the t "
        "distribution. The PASI improvement rate is (baseline - value) / baseline x 100, "
        "negative when worse and never clamped. Because few participants are expected, each "
        "participant's values at week 12 are listed as well (listings are omitted above 50 "
        "participants).",
    ),
    MethodText(
        "wilcoxon",
        "Wilcoxon signed-rank test",
        "The change from baseline at the outcome visit is tested against no change by the "
        "two-sided Wilcoxon signed-rank test. V is the sum of the ranks of the positive "
        "changes. Zero changes are dropped (Wilcoxon's convention) and tied absolute changes "
        "get mid-ranks. The p-value is exact: the null distribution of V is enumerated over "
        "all sign patterns (conditional on the mid-ranks when changes tie), which without "
        "ties equals the classical exact test; above 200 non-zero changes the normal "
        "approximation with tie and continuity corrections is used.",
    ),
    MethodText(
        "responders",
        "PASI-50/75/90/100 and other responder rates",
        "PASI-x response is decided exactly on integer tenths of PASI by ADaM (100 x "
        "(baseline - value) >= x x baseline; PASI-100 is a value of 0). Responder rates are "
        "given at every visit with the exact Clopper-Pearson 95% confidence interval, under "
        "observed cases (participants assessed at the visit) and under non-responder "
        "imputation (NRI: participants who should have been assessed, because they left the "
        "study or the visit window closed, and were not, count as non-responders). NRI is "
        "primary for responder outcomes. DLQI and pruritus responders use the minimal "
        "clinically important difference (DLQI improvement of at least 4 points; VAS of at "
        "least 10 mm) and DLQI 0/1.",
    ),
    MethodText(
        "relapse",
        "Relapse",
        "Relapse can occur only in participants who reached PASI-50. Protocol definition "
        "(primary): a later visit at which the improvement falls below 50% (2 x PASI > "
        "baseline). Treatment period: among participants reaching PASI-50 at a visit up to "
        "week 12, relapse at a later visit up to week 12. Follow-up: among participants with "
        "PASI-50 at week 12 and at least one follow-up assessment, relapse at any visit from "
        "week 16 to week 24. As a sensitivity analysis the National Psoriasis Foundation "
        "definition counts a relapse when at least half of the best improvement so far is "
        "lost. Rates carry Clopper-Pearson 95% intervals. Time to relapse (from the first "
        "PASI-50) and time to first PASI-50 (from the first infusion) are estimated by "
        "Kaplan-Meier with pointwise 95% intervals (log(-log) transformation); the median is "
        "given with its 95% interval or as not reached, with the numbers at risk every four "
        "weeks.",
    ),
    MethodText(
        "mixed_model",
        "Mixed model for repeated measures",
        "The PASI change from baseline over all post-baseline visits is analysed by a linear "
        "mixed model with visit as a fixed effect (one mean per visit), baseline PASI "
        "(centred) as a covariate and a random intercept per participant, fitted by REML "
        "(the model of statsmodels MixedLM, fitted by a vectorised profiled likelihood). A "
        "random intercept is used instead of an unstructured covariance because a small "
        "trial cannot estimate the 36 covariances of eight visits. Estimates are adjusted "
        "mean changes with model-based 95% intervals. The model is reported as not "
        "estimable, with the reason, with fewer than five participants or two visits.",
    ),
    MethodText(
        "dlqi_bands",
        "DLQI bands",
        "DLQI totals are banded as 0-1 no effect, 2-5 small, 6-10 moderate, 11-20 very large "
        "and 21-30 extremely large effect on the patient's life (Hongbo et al. 2005), and "
        "the band at baseline is cross-tabulated against the band at week 12.",
    ),
    MethodText(
        "safety",
        "Safety",
        "Adverse events are coded to CTCAE v5.0 terms with their MedDRA system organ class "
        "and graded 1-5. Treatment-emergent events (onset on or after the first infusion) "
        "are counted as participants with at least one event and as events, by system organ "
        "class and term, by worst grade per participant and by closest relationship per "
        "participant. Serious adverse events (ICH E2A) are listed. Infusion-related "
        "reactions are given per infusion (infusions followed by a reaction of all "
        "infusions given). Laboratory values are graded by CTCAE v5.0, and the grade at "
        "baseline is cross-tabulated against the worst grade after the first infusion.",
    ),
    MethodText(
        "deviations",
        "Protocol deviations",
        "Assessments outside every visit window, infusions due by the data cut but not "
        "given, and (where the analysis data carry doses) infusions deviating from the "
        "planned dose by more than the protocol's percentage are reported.",
    ),
    MethodText(
        "rounding",
        "Software and rounding",
        "Computed in Python with polars, SciPy, statsmodels and lifelines. Numbers are kept "
        "unrounded until display and rounded half away from zero.",
    ),
)
"""The Methods paragraphs in report order."""
