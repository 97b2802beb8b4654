"""report.html: every registered outcome in the registry's order, the banner, the hash, escaping."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from psotrial.reports import compute_adam_digest, render_report_html
from psotrial.reports.display import format_number

# The outcome measures of the registry record (ClinicalTrials.gov NCT03745417), in its order.
REGISTRY_OUTCOMES = [
    ("PASI score improvement rate", "12 weeks (plus or minus 3 days) after treatment"),
    ("Psoriasis Area and Severity Index(PASI)", "12 weeks (plus or minus 3 days) after treatment"),
    (
        "Relapse rate in treatment period / follow-up period",
        "During the treatment period of 12 weeks / follow-up period of 12 weeks after treatment"
        " period",
    ),
    ("PASI-50", "12 weeks (plus or minus 3 days) after treatment"),
    ("PASI-75", "12 weeks (plus or minus 3 days) after treatment"),
    (
        "Pruritus Scores on the Visual Analogue Scale",
        "12 weeks (plus or minus 3 days) after treatment",
    ),
    ("the Body Surface Area (BSA%)", "12 weeks (plus or minus 3 days) after treatment"),
    ("the Dermatology Life Quality Index(DLQI)", "12 weeks (plus or minus 3 days) after treatment"),
]


def test_every_registered_outcome_has_a_section_in_the_registry_order(report_demo: Any) -> None:
    html = report_demo.html
    headings = re.findall(
        r'<section class="outcome[^"]*" id="outcome-(O\d\d)"[^>]*>\s*<h3>4\.(\d) ([^<]+)', html
    )
    assert [(code, int(n), title.strip()) for code, n, title in headings] == [
        (f"O0{i}", i, title) for i, (title, _) in enumerate(REGISTRY_OUTCOMES, start=1)
    ]
    positions = [html.index(f'id="outcome-O0{i}"') for i in range(1, 9)]
    assert positions == sorted(positions)
    for outcome in report_demo.protocol.outcomes:
        section = html[html.index(f'id="outcome-{outcome.id}"') :]
        section = section[: section.index("</section>")]
        assert f"<strong>Time frame:</strong> {outcome.time_frame}" in section
        assert outcome.description.replace("&", "&amp;")[:60] in section


def test_primary_outcome_numbers_come_from_the_analysis(report_demo: Any) -> None:
    primary = report_demo.analysis.pasi_improvement
    section = report_demo.html[report_demo.html.index('id="outcome-O01"') :]
    row = re.search(r"Improvement rate \(%\)</th>(.*?)</tr>", section, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    assert cells[0] == str(primary.value.n)
    assert cells[1].startswith(format_number(primary.value.mean, 1) + " (")
    assert cells[2] == format_number(primary.value.median, 1)


def test_synthetic_banner_and_page_mark(report_demo: Any) -> None:
    html = report_demo.html
    assert '<div class="synthetic-banner" role="note">SYNTHETIC DATA' in html
    assert 'content: "SYNTHETIC DATA: not real participants"' in html  # every PDF page
    assert "<title>[SYNTHETIC]" in html
    real = render_report_html(
        replace(report_demo.data, synthetic=False), figures={}, digest="0" * 64
    )
    assert "SYNTHETIC" not in real


def test_title_page_carries_registry_id_data_cut_and_the_adam_hash(report_demo: Any) -> None:
    html = report_demo.html
    digest = compute_adam_digest(report_demo.adam)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    title = html[html.index('id="title"') : html.index("</section>")]
    assert f'<dd class="hash" id="adam-sha256">{digest}</dd>' in title
    assert "<dd>NCT03745417 (ClinicalTrials.gov)</dd>" in title
    assert f"<dd>{report_demo.analysis.data_cut.isoformat()}</dd>" in title


def test_hostile_text_is_escaped(report_demo: Any) -> None:
    html = report_demo.html
    assert "<script" not in html
    assert "<b>bold</b>" not in html
    assert (
        "&lt;script&gt;alert(&#34;psotrial&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
        in html
    )


def test_every_figure_is_embedded_and_numbered(report_demo: Any) -> None:
    html = report_demo.html
    images = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)">', html)
    assert len(images) >= 8
    numbers = [int(n) for n in re.findall(r"<figcaption>Figure (\d+)\.", html)]
    assert numbers == list(range(1, len(images) + 1))
    for caption in ("Participant flow (CONSORT 2010).", "with the PASI-50 and PASI-75 thresholds."):
        assert caption in html


@pytest.mark.parametrize(
    "chapter",
    [
        "Synopsis",
        "Participant flow",
        "Baseline characteristics",
        "Registered outcomes",
        "Safety",
        "Protocol deviations",
        "Listings",
        "Methods",
    ],
)
def test_report_has_each_chapter(report_demo: Any, chapter: str) -> None:
    assert re.search(rf"<h2>\d\. {chapter}</h2>", report_demo.html)


def test_web_body_has_no_inline_style_or_script(report_demo: Any) -> None:
    body = render_report_html(report_demo.data, standalone=False, figures={}, digest="0" * 64)
    assert "<style" not in body
    assert " style=" not in body
    assert "<script" not in body
    assert body.lstrip().startswith('<div class="report')


def test_methods_quote_the_protocol_wording(report_demo: Any) -> None:
    methods = report_demo.html[report_demo.html.index('id="methods"') :]
    assert (
        "PASI score improvement rate = (PASI score before intervention - PASI score after "
        "intervention)/PASI score before intervention ×100%" in methods
    )
    assert "psotrial-adam-digest v1" in methods
    assert "half away from zero" in methods
