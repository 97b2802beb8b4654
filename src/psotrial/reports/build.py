"""From the database to the report, step by step: the one pipeline the CLI and the web share.

``load_captured`` -> ``build_sdtm`` -> ``build_adam`` -> ``build_analysis`` -> figures ->
HTML -> PDF. Each step is announced through ``on_step`` so a caller can show progress
(the CLI draws a rich progress bar; the web app does not). The analysis libraries
(matplotlib, WeasyPrint, scipy, lifelines) are imported by the steps that use them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy.orm import Session

from psotrial.protocol import Protocol

if TYPE_CHECKING:
    from psotrial.reports.html import ReportData

__all__ = [
    "REPORT_IMPUTATIONS",
    "REPORT_STEPS",
    "BuiltReport",
    "build_report",
    "check_report_imputation",
    "load_report_data",
]

REPORT_IMPUTATIONS = ("nri", "locf")
"""Imputation of missing responses the report may be built with (ADaM ``imputation=``)."""

REPORT_STEPS = (
    "Reading the database",
    "Building SDTM",
    "Building ADaM",
    "Computing the analysis",
    "Drawing the figures",
    "Writing the HTML",
    "Printing the PDF",
)
"""The steps announced to ``on_step``, in order."""

OnStep = Callable[[str], None]


def _ignore(step: str) -> None:
    return None


def check_report_imputation(imputation: str) -> None:
    """Refuse an imputation the report is not built with.

    Raises:
        FieldError: ``imputation`` is not one of :data:`REPORT_IMPUTATIONS`.
    """
    from psotrial.errors import FieldError

    if imputation not in REPORT_IMPUTATIONS:
        raise FieldError(
            "imputation", f"expected one of {', '.join(REPORT_IMPUTATIONS)}, got {imputation!r}"
        )


@dataclass(frozen=True)
class BuiltReport:
    """A rendered report: report.html (standalone), its web body, report.pdf (if asked)."""

    html: str
    body: str
    pdf: bytes | None
    digest: str
    data_cut: date | None
    synthetic: bool


def load_report_data(
    session: Session,
    protocol: Protocol,
    *,
    imputation: str,
    now: datetime,
    data_cut: date | None = None,
    on_step: OnStep = _ignore,
) -> ReportData:
    """Read the study and compute the analysis: a :class:`ReportData`.

    Args:
        session: an open session (reads only).
        protocol: the study's protocol.
        imputation: ``nri`` or ``locf`` (missing responses in ADaM).
        now: when the report is generated (printed on the title page).
        data_cut: the snapshot date (default: the latest form entry change).

    Raises:
        FieldError: ``imputation`` is not one of :data:`REPORT_IMPUTATIONS`.
    """
    from psotrial.adam import Imputation, build_adam
    from psotrial.capture.extract import load_captured
    from psotrial.reports.html import ReportData
    from psotrial.sdtm import build_sdtm
    from psotrial.stats.build import build_analysis

    check_report_imputation(imputation)
    on_step(REPORT_STEPS[0])
    captured = load_captured(session, protocol, data_cut=data_cut)
    on_step(REPORT_STEPS[1])
    sdtm = build_sdtm(captured, protocol)
    on_step(REPORT_STEPS[2])
    adam = dict(build_adam(sdtm, protocol, imputation=cast(Imputation, imputation)))
    # SDTM IE joins ADaM as the one tabulation input: it holds the screen-failure reasons
    # of the CONSORT diagram, which no ADaM dataset carries. It is hashed with the rest.
    analysed = {**adam, "IE": sdtm["IE"]}
    on_step(REPORT_STEPS[3])
    analysis = build_analysis(analysed, protocol, data_cut=captured.data_cut)
    synthetic = bool(captured.study["synthetic"][0]) if captured.study.height else False
    return ReportData(analysis, analysed, protocol, synthetic, now)


def build_report(data: ReportData, *, pdf: bool = True, on_step: OnStep = _ignore) -> BuiltReport:
    """Render the figures, the HTML (document and web body) and, with ``pdf``, the PDF."""
    from psotrial.reports.charts import build_report_figures
    from psotrial.reports.digest import compute_adam_digest
    from psotrial.reports.html import render_report_html
    from psotrial.reports.pdf import render_report_pdf

    on_step(REPORT_STEPS[4])
    figures = build_report_figures(data.analysis, data.adam, data.protocol)
    on_step(REPORT_STEPS[5])
    digest = compute_adam_digest(data.adam)
    html = render_report_html(data, figures=figures, digest=digest)
    body = render_report_html(data, standalone=False, figures=figures, digest=digest)
    document = None
    if pdf:
        on_step(REPORT_STEPS[6])
        document = render_report_pdf(html)
    return BuiltReport(html, body, document, digest, data.analysis.data_cut, data.synthetic)
