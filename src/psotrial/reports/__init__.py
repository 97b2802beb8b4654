"""The study report: figures, HTML and PDF (not pure: the CLI and the web app write files).

``render_report_html(ReportData(...))`` gives report.html, ``render_report_pdf(html)`` the
PDF; ``plot_*`` in :mod:`psotrial.reports.figures` draw each figure.
"""

from psotrial.reports.digest import compute_adam_digest
from psotrial.reports.html import ReportData, render_report_html
from psotrial.reports.pdf import render_report_pdf

__all__ = ["ReportData", "compute_adam_digest", "render_report_html", "render_report_pdf"]
