"""The study report as PDF (WeasyPrint, A4, page numbers, the SYNTHETIC mark on every page).

The PDF is the standalone report.html printed: the stylesheet's ``@media print`` rules give
the A4 page, "Page n of N" at the foot, the registry ID and data cut beside it, and, on
synthetic data, a "SYNTHETIC DATA" box at the head of every page. Figures are the same PNG
``data:`` URIs, so WeasyPrint reads no file and fetches nothing: its URL fetcher allows the
``data`` scheme only.
"""

from __future__ import annotations

__all__ = ["render_report_pdf"]


def render_report_pdf(html: str) -> bytes:
    """PDF bytes of a standalone report document (from ``render_report_html``).

    WeasyPrint is imported here, not at module import: it costs about half a second and
    only the report needs it (stack.md: keep ``psotrial --help`` fast).
    """
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    fetcher = URLFetcher(allowed_protocols=("data",))
    document = HTML(string=html, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf()
    return pdf
