"""The study report as HTML: one self-contained report.html, or its body for the web app.

The templates (``psotrial/reports/templates``) are autoescaped, so text from the data (an
AE verbatim term typed at a site, a reason) is shown literally and never becomes markup;
figures are PNG ``data:`` URIs; numbers are rounded half away from zero by the template
filters (:mod:`psotrial.reports.display`). The report is in English (it is a study
document, not an application page).

Order of the document: title page (registry ID, data cut, SHA-256 of the analysed
datasets), contents, synopsis, participant flow (CONSORT), baseline, one section per
registered outcome in the registry's order with the registry's wording and time frame, PASI
response at every visit, safety, protocol deviations, listings, methods.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from psotrial.protocol import Protocol
from psotrial.reports.charts import ReportFigure, build_report_figures
from psotrial.reports.digest import compute_adam_digest
from psotrial.reports.display import format_ci, format_number, format_p, format_pct, format_range
from psotrial.reports.methods import build_methods
from psotrial.stats import LISTING_CAP, Analysis, OutcomeResult, RelapseOutcome, ResponderOutcome

__all__ = [
    "ReportData",
    "ReportSection",
    "build_report_environment",
    "compute_report_digest",
    "render_report_html",
    "report_stylesheet",
]

# Which figures each registered measure shows in its section (the rest appear once).
_SECTION_FIGURES: Mapping[str, tuple[str, ...]] = {
    "pasi_improvement_pct": ("waterfall",),
    "pasi": ("trajectories",),
    "relapse_rate": ("km_relapse", "km_pasi50"),
    "pasi50": ("responders",),
    "pasi75": (),
    "itch_vas": (),
    "bsa_pct": ("bsa",),
    "dlqi": ("dlqi_itch",),
}

_IMPUTATIONS = {
    "nri": "non-responder imputation (NRI) for responder endpoints; observed cases shown beside",
    "locf": "last observation carried forward (LOCF) records; observed cases shown beside",
    "none": "observed cases only (no imputed records)",
}


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows: the analysis, the datasets it came from, and the context.

    ``adam`` holds the datasets given to ``build_analysis``: the ADaM datasets and, when
    present, SDTM IE (screen-failure reasons); all of them are hashed on the title page.
    When ``adam`` holds only what the analysis reads (``build_analysed``: ADPASI and ADQS
    narrowed to the analysed parameters), ``records`` gives each dataset's rows in full and
    ``digest_of`` computes the SHA-256 of the datasets in full.

    ``generated_at`` is passed in (the report never reads the clock itself), so the same
    inputs give the same document.
    """

    analysis: Analysis
    adam: Mapping[str, pl.DataFrame]
    protocol: Protocol
    synthetic: bool
    generated_at: datetime
    records: Mapping[str, int] | None = None
    digest_of: Callable[[], str] | None = None


def compute_report_digest(data: ReportData) -> str:
    """The SHA-256 of the analysed datasets in full (see :class:`ReportData`)."""
    if data.digest_of is not None:
        return data.digest_of()
    return compute_adam_digest(data.adam)


@dataclass(frozen=True)
class ReportSection:
    """One registered outcome's section: its registry header, result and figures."""

    header: Any
    result: OutcomeResult
    kind: str
    figures: tuple[str, ...]


def _subject(usubjid: Any) -> str:
    text = "" if usubjid is None else str(usubjid)
    parts = text.split("-", 1)
    return parts[1] if len(parts) == 2 else text


def _visit(value: Any) -> str:
    return "–" if value is None else str(value).title()


def build_report_environment() -> Environment:
    """The autoescaping Jinja environment of the report templates, with number filters."""
    env = Environment(
        loader=PackageLoader("psotrial.reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = format_number
    env.filters["pct"] = format_pct
    env.filters["ci"] = lambda low, high, places=1, scale=1: format_ci(
        low, high, places, scale=scale
    )
    env.filters["rng"] = format_range
    env.filters["p"] = format_p
    env.filters["subject"] = _subject
    env.filters["visit"] = _visit
    return env


def _kind(result: OutcomeResult) -> str:
    if isinstance(result, RelapseOutcome):
        return "relapse"
    if isinstance(result, ResponderOutcome):
        return "responder"
    return "continuous"


def _sections(analysis: Analysis) -> list[ReportSection]:
    sections = []
    for result in analysis.outcomes:
        header = result.outcome
        if header is None:  # an outcome without its registry header cannot be reported as one
            continue
        sections.append(
            ReportSection(header, result, _kind(result), _SECTION_FIGURES.get(header.measure, ()))
        )
    return sections


def _ae_listing(adam: Mapping[str, pl.DataFrame]) -> tuple[list[dict[str, Any]] | None, str]:
    adsl = adam["ADSL"]
    safety = adsl.filter(pl.col("SAFFL") == "Y").height
    if safety > LISTING_CAP:
        return None, (
            f"Per-participant adverse event listings are given for at most {LISTING_CAP} "
            f"participants; the safety set has {safety}. See ADAE."
        )
    adae = adam["ADAE"].sort("USUBJID", "ASTDY", "AESEQ", nulls_last=True)
    columns = ["USUBJID", "AETERM", "AEDECOD", "ASTDY", "ATOXGR", "AESER", "AREL", "TRTEMFL"]
    return adae.select(columns).to_dicts(), ""


def _populations(analysis: Analysis) -> list[tuple[str, int, str]]:
    from psotrial.adam import ADSL_SPEC

    methods = {v.name: v.method or "" for v in ADSL_SPEC.variables}
    p = analysis.disposition.populations
    return [
        ("Screened", p.screened, methods["SCRNFL"]),
        ("Enrolled", p.enrolled, methods["ENRLFL"]),
        ("Safety set", p.safety, methods["SAFFL"]),
        ("Full analysis set", p.full_analysis, methods["FASFL"]),
        ("Per-protocol set", p.per_protocol, methods["PPROTFL"]),
    ]


def _figure_numbers(
    sections: list[ReportSection], figures: Mapping[str, ReportFigure]
) -> dict[str, int]:
    # Numbered in the order the document shows them.
    order = ["consort", *[key for s in sections for key in s.figures], "swimmer"]
    numbers: dict[str, int] = {}
    for key in order:
        if key in figures and key not in numbers:
            numbers[key] = len(numbers) + 1
    return numbers


def render_report_html(
    data: ReportData,
    *,
    standalone: bool = True,
    figures: Mapping[str, ReportFigure] | None = None,
    digest: str | None = None,
) -> str:
    """The report as HTML.

    Args:
        data: the analysis and its context.
        standalone: a whole document with its stylesheet embedded (report.html, the PDF);
            otherwise only the report's body, for a page that links ``report.css`` itself.
        figures: already rendered figures (default: rendered now).
        digest: the ADaM SHA-256 (default: computed now).
    """
    analysis = data.analysis
    figures = (
        figures if figures is not None else build_report_figures(analysis, data.adam, data.protocol)
    )
    sections = _sections(analysis)
    ae_listing, listing_note = _ae_listing(data.adam)
    records = (
        data.records
        if data.records is not None
        else {name: frame.height for name, frame in data.adam.items()}
    )
    data_cut: date | None = analysis.data_cut
    context: dict[str, Any] = {
        "a": analysis,
        "protocol": data.protocol,
        "arm": data.protocol.arms[0],
        "registry_id": analysis.registry_id,
        "synthetic": data.synthetic,
        "data_cut": data_cut.isoformat() if data_cut else "not stated",
        "generated_at": data.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip(),
        "imputation_text": _IMPUTATIONS.get(analysis.imputation, analysis.imputation),
        "dataset_rows": ", ".join(f"{name} ({records[name]} records)" for name in sorted(records)),
        "digest": digest or compute_report_digest(data),
        "sections": sections,
        "figures": figures,
        "figure_numbers": _figure_numbers(sections, figures),
        "populations": _populations(analysis),
        "ae_listing": ae_listing,
        "listing_note": listing_note,
        "methods": build_methods(data.protocol, analysis),
        "stylesheet": Markup(report_stylesheet()),  # our own file, not data
    }
    env = build_report_environment()
    template = env.get_template("report.html" if standalone else "_body.html")
    return template.render(context)


def report_stylesheet() -> str:
    """The report's CSS (also served by the web app as ``/report/report.css``)."""
    return (resources.files("psotrial.reports") / "templates" / "report.css").read_text(
        encoding="utf-8"
    )
