"""The report's Methods chapter: derivations and definitions, in the protocol's words.

Sources, in this order: the registered outcome wording (protocol ``outcomes``, copied from
the registry record), the ADaM derivation texts (``ADAM_SPECS`` ``Variable.method``, the same
text Define-XML carries), the protocol's named analysis settings, the statistical methods
as the analysis package words them (``psotrial.stats.methods.METHODS``), and how numbers are
rounded and the datasets fingerprinted.
"""

from __future__ import annotations

from typing import Any

from psotrial.protocol import Protocol
from psotrial.reports.digest import DIGEST_VERSION
from psotrial.stats import Analysis

__all__ = ["Methods", "build_methods"]

Methods = list[tuple[str, list[str]]]
"""Sections of the Methods chapter: ``(title, paragraphs)``."""

_IMPUTATION_WORDING = {
    "nri": "a participant without an analysis value at a visit they should have had counts "
    "as a non-responder (NRI); observed cases are shown beside.",
    "locf": "a missing analysis value is the last earlier analysis value carried forward "
    "(LOCF); observed cases are shown beside.",
    "none": "observed cases only.",
}

_SETTINGS_WORDING = {
    "study_day": "Study day follows CDISC: Day 1 is the date of the first infusion; there is "
    "no Day 0. Week w targets Day 7w + 1.",
    "baseline": "Baseline is the last non-missing value on or before the first infusion "
    "(pre-dose).",
    "analysis_visit": "Analysis visit: within a visit window, the assessment closest to the "
    "target day; the earlier one on a tie.",
    "out_of_window": "Assessments outside every window are flagged (OUTWINFL = Y) and never "
    "used as analysis values, in particular not for the primary outcome.",
    "relapse_primary": "Relapse (protocol definition, primary): among participants who "
    "reached PASI-50, a later visit with an improvement below 50% of baseline (2 x PASI > "
    "baseline PASI).",
    "relapse_sensitivity": "Relapse (sensitivity, NPF definition): loss of at least half of "
    "the best improvement reached.",
}


def _adam_method(dataset: str, variable: str) -> str:
    from psotrial.adam import ADAM_SPECS

    specs: Any = ADAM_SPECS
    spec = (
        specs[dataset] if isinstance(specs, dict) else next(s for s in specs if s.name == dataset)
    )
    for item in spec.variables:
        if item.name == variable:
            return str(item.method or "")
    return ""


def _stats_methods() -> Methods:
    # The analysis package words its own statistical methods, beside the code that does them.
    from psotrial.stats.methods import METHODS

    return [(method.heading, [method.text]) for method in METHODS]


def build_methods(protocol: Protocol, analysis: Analysis) -> Methods:
    """The Methods chapter as ``(title, paragraphs)`` sections."""
    outcomes = [
        f"{o.id} ({o.kind}) {o.title}: {o.description} Time frame: {o.time_frame}."
        for o in protocol.outcomes
    ]
    settings = protocol.settings.model_dump()
    derivations = [text for key, text in _SETTINGS_WORDING.items() if key in settings] + [
        "PASI is computed in integer tenths (0-720) and each response threshold is decided "
        "exactly: PASI-x is reached iff 100 x (B - P) >= x x B on tenths (ADPASI CRIT1-4: "
        "PASI-50/75/90/100).",
        "Improvement rate (ADPASI PARAMCD PASIIMPR): AVAL = (B - P) / B x 100 with B the "
        "baseline and P the visit's PASI, exact, negative when worse, never clamped, "
        "undefined for B = 0 (the registry: (PASI before - PASI after) / PASI before x 100%).",
        "Imputation (DTYPE): " + _adam_method("ADPASI", "DTYPE"),
        "Analysis record (ANL01FL): one record per participant, parameter and analysis "
        "visit: the closest to target, the earlier on a tie; imputed records are analysis "
        "records.",
    ]
    populations = [
        f"{name}: {_adam_method('ADSL', flag)}"
        for name, flag in (
            ("Screened", "SCRNFL"),
            ("Enrolled", "ENRLFL"),
            ("Safety set", "SAFFL"),
            ("Full analysis set", "FASFL"),
            ("Per-protocol set", "PPROTFL"),
        )
    ]
    display = [
        "Every number is computed from the ADaM datasets by tested code "
        "(psotrial.stats) and rounded for display half away from zero (47.25 -> 47.3), "
        "never half to even.",
        f"Dataset fingerprint ({DIGEST_VERSION}): SHA-256 over the analysed datasets (the "
        "ADaM datasets, and SDTM IE for the reasons of screen failure) in "
        "ascending order of name, each as '## NAME' followed by CSV of all its columns in "
        "spec order, every value cast to text by polars (dates ISO 8601, floats in shortest "
        "round-trip form), values and header names double-quoted, missing values as \\N "
        "unquoted, rows sorted by the text of every column (missing last); see "
        "psotrial.reports.digest.",
    ]
    ours: Methods = [
        ("Registered outcome measures (registry wording)", outcomes),
        ("Analysis populations", populations),
        ("Derivations and definitions", derivations),
        ("Rounding and reproducibility", display),
    ]
    statistics = _stats_methods()
    statistics.append(
        (
            "Missing responses in this report",
            [
                f"ADaM was built with imputation {analysis.imputation!r}: "
                + _IMPUTATION_WORDING.get(analysis.imputation, "see the ADaM DTYPE records.")
            ],
        )
    )
    return [*ours[:3], *statistics, *ours[3:]]
