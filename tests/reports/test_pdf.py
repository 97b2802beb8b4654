"""report.pdf, looked at page by page: rendered to PNG with pdftoppm, as a reader sees it.

Needs poppler-utils (pdftoppm, pdftotext, pdfinfo): skipped with a message where missing,
failed instead when PSOTRIAL_REQUIRE_BROWSER is set (CI installs them).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

TOOLS = ("pdftoppm", "pdftotext", "pdfinfo")


@pytest.fixture(scope="module")
def poppler() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = (
            f"PDF page tests skipped: {', '.join(missing)} missing (apt-get install poppler-utils)"
        )
        if os.environ.get("PSOTRIAL_REQUIRE_BROWSER"):
            pytest.fail(message.replace("skipped", "required"))
        pytest.skip(message)


@pytest.fixture(scope="module")
def pages(poppler: None, report_demo: Any, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("pages")
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(report_demo.pdf_path), str(folder / "page")],
        check=True,
    )
    return sorted(folder.glob("page-*.png"))


def page_texts(path: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[:-1]


def test_pdf_is_a4_and_every_page_renders_not_blank(report_demo: Any, pages: list[Path]) -> None:
    from PIL import Image

    info = subprocess.run(
        ["pdfinfo", str(report_demo.pdf_path)], check=True, capture_output=True, text=True
    ).stdout
    count = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert "(A4)" in info
    assert len(pages) == count
    assert 12 <= count <= 60
    for path in pages:
        with Image.open(path) as image:
            grey = image.convert("L")
            inked = sum(grey.histogram()[:200])  # pixels darker than light grey
            assert inked > 0.005 * grey.width * grey.height, f"{path.name} is (nearly) blank"


def test_every_page_is_marked_synthetic_and_numbered(poppler: None, report_demo: Any) -> None:
    texts = page_texts(report_demo.pdf_path)
    assert texts
    assert all("SYNTHETIC DATA: not real participants" in t for t in texts)
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text


def test_pdf_shows_hostile_text_literally(poppler: None, report_demo: Any) -> None:
    text = " ".join(" ".join(page_texts(report_demo.pdf_path)).split())
    assert 'alert("psotrial")' in text.replace(" ", "")
    assert "<b>bold</b>" in text.replace(" ", "")


def test_pdf_title_page_has_registry_id_and_hash(poppler: None, report_demo: Any) -> None:
    from psotrial.reports import compute_adam_digest

    first = page_texts(report_demo.pdf_path)[0]
    assert "NCT03745417" in first
    assert compute_adam_digest(report_demo.adam) in "".join(first.split())
