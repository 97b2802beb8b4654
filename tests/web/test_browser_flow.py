"""In a real browser (Debian's Chromium at tablet width): a participant's way through the
trial as the site staff and the monitor see it.

A coordinator registers a candidate, enters a screening form and sees the exclusion
explained; an investigator, in a browser of their own, enrols an eligible candidate; the
coordinator enters the W0 PASI and watches the total follow the typing, saves, corrects a
value with a reason and opens that item's history in one click; the investigator signs the
form with the password re-entered; the monitor raises a query on an item and finds it
marked. A user whose language is Chinese sees the dashboard in Chinese.

Forms the story does not need to type (the eligible candidate's fifteen screening forms)
are saved through the capture service, the same one the pages call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from psotrial.capture.access import find_participant
from psotrial.capture.entries import save_entry
from psotrial.db.engine import transaction
from psotrial.db.models import User
from psotrial.web.i18n import load_catalogs

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)

PASI = {
    "head": {"erythema": 2, "induration": 1, "desquamation": 2, "area_pct": 15},
    "upper_limbs": {"erythema": 3, "induration": 2, "desquamation": 2, "area_pct": 35},
    "trunk": {"erythema": 2, "induration": 2, "desquamation": 1, "area_pct": 20},
    "lower_limbs": {"erythema": 3, "induration": 3, "desquamation": 3, "area_pct": 55},
}
# psotrial score pasi on PASI: head 0.1·5·2 = 1.0, upper limbs 0.2·7·3 = 4.2, trunk
# 0.3·5·2 = 3.0, lower limbs 0.4·9·4 = 14.4; total 22.6 (Fredriksson & Pettersson 1978).
PASI_TOTAL = "22.6"


def _input(name: str) -> str:
    """The id the form pages give the input of item ``name`` (``head.area_pct``)."""
    return "#f-" + name.replace(".", "-").replace("_", "-")


@pytest.fixture
def open_tab(chromium: Any, server: Any) -> Iterator[Callable[[str], Any]]:
    """``open_tab(username)``: another user's browser (its own context and cookies), logged in."""
    contexts: list[Any] = []

    def run(username: str) -> Any:
        context = chromium.new_context(viewport={"width": 768, "height": 1024}, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        tab = context.new_page()
        tab.goto(f"{server.url}/login")
        tab.fill("#username", username)
        tab.fill("#password", server.trial.password)
        tab.click("button[type=submit]")
        tab.wait_for_url("**/dashboard")
        return tab

    yield run
    for context in contexts:
        context.close()


@pytest.fixture
def enrolled(server: Any) -> str:
    """An enrolled participant (first infusion 2 March 2026) at GZ01."""
    with transaction(server.trial.db.factory) as session:
        code: str = server.trial.enrolled(session).participant_code
    return code


def _save_pasi(server: Any, pid: str) -> None:
    with transaction(server.trial.db.factory) as session:
        participant = find_participant(session, server.trial.actors["coordinator"], pid)
        save_entry(
            session,
            protocol=server.trial.protocol,
            actor=server.trial.actors["coordinator"],
            participant=participant,
            visit="W0",
            form="pasi",
            data=PASI,
            base_version=0,
            now=server.trial.now,
        )


def test_screening_explains_an_exclusion_and_the_investigator_enrols(
    page: Any, server: Any, log_in: Any, open_tab: Any
) -> None:
    with transaction(server.trial.db.factory) as session:
        eligible = server.trial.screen(session).screening_number
    log_in("coordinator")
    page.click("nav.main-nav >> text=Screening")
    page.wait_for_url("**/screening")
    expect(page.locator(f"a[href='/screening/{eligible}']")).to_be_visible()
    # Register a new candidate (screening date: today at the site, prefilled).
    expect(page.locator("#f-screening-date")).not_to_have_value("")
    page.click("button:has-text('Register')")
    page.wait_for_url(re.compile(r"/screening/GZ01-S\d{3}$"))
    candidate = page.url.rsplit("/", 1)[1]
    assert candidate != eligible
    age = page.locator("#criterion-IN02")
    expect(age.locator(".badge")).to_have_text("cannot evaluate")
    # Enter the demographics form: a 16-year-old.
    page.click("a:text-is('Demographics')")
    page.wait_for_url(f"**/participants/{candidate}/visits/SCR/forms/demographics")
    today = date.today()
    page.fill(_input("birth_date"), date(today.year - 16, 1, 1).isoformat())
    page.check("input[name=sex][value=F]")
    page.fill(_input("height_cm"), "158")
    page.click("button[name=_status][value=complete]")
    expect(page.locator("[role=status]")).to_have_text("Saved.")
    # Back on the screening page, the verdict and its reason.
    page.goto(f"{server.url}/screening/{candidate}")
    expect(age.locator(".badge")).to_have_text("not met")
    expect(age).to_contain_text("demographics.age_years")
    expect(age).to_contain_text("< 18")
    expect(page.locator("#verdicts h2 .badge")).to_have_text("not eligible yet")
    # The coordinator may not enrol: the page says an investigator does.
    expect(page.locator("text=An investigator of the site confirms eligibility")).to_be_visible()
    expect(page.locator("button:has-text('Enrol')")).to_have_count(0)

    # The investigator, in a browser of their own, enrols the eligible candidate.
    investigator = open_tab("investigator")
    investigator.goto(f"{server.url}/screening/{eligible}")
    expect(investigator.locator("#verdicts h2 .badge")).to_have_text("eligible")
    investigator.click("button:has-text('Enrol')")  # the confirmation is not ticked yet
    expect(investigator.locator("#err-confirm")).to_be_visible()
    investigator.check("input[name=confirm][value=yes] >> nth=0")
    investigator.click("button:has-text('Enrol')")
    investigator.wait_for_url(re.compile(r"/participants/GZ01-\d{3}$"))
    expect(investigator.locator("h1")).to_contain_text("GZ01-001")
    expect(investigator.locator("#visit-W0")).to_be_visible()


def test_pasi_total_follows_the_typing_and_a_change_needs_a_reason(
    page: Any, server: Any, log_in: Any, enrolled: str
) -> None:
    log_in("coordinator")
    page.goto(f"{server.url}/participants/{enrolled}")
    page.click("#visit-W0 >> a:text-is('Psoriasis Area and Severity Index (PASI)')")
    page.wait_for_url(f"**/participants/{enrolled}/visits/W0/forms/pasi")
    total = page.locator("#pasi-total")
    expect(total).to_have_text("–")
    for sign, value in PASI["head"].items():
        page.locator(_input(f"head.{sign}")).press_sequentially(str(value))
    # One region complete: its contribution shows; the total waits for the others.
    expect(page.locator("#pasi-contrib-head")).to_have_text("1.0")
    expect(total).to_have_text("–")
    for region in ("upper_limbs", "trunk", "lower_limbs"):
        for sign, value in PASI[region].items():
            page.locator(_input(f"{region}.{sign}")).press_sequentially(str(value))
    expect(total).to_have_text(PASI_TOTAL)
    expect(page.locator("#pasi-contrib-lower_limbs")).to_have_text("14.4")
    page.locator(_input("lower_limbs.area_pct")).fill("75")  # area score 4 -> 5
    expect(total).to_have_text("26.2")
    page.locator(_input("lower_limbs.area_pct")).fill("55")
    expect(total).to_have_text(PASI_TOTAL)

    page.click("button[name=_status][value=complete]")
    expect(page.locator("[role=status]")).to_have_text("Saved.")
    expect(page.locator("section[aria-label='Entry status']")).to_contain_text("Version 1")
    expect(total).to_have_text(PASI_TOTAL)

    # A change to a complete form needs a reason: refused without one, values kept.
    page.locator(_input("head.erythema")).fill("3")
    page.click("button[name=_status][value=complete]")
    expect(page.locator("#err-reason")).to_be_visible()
    expect(page.locator(_input("head.erythema"))).to_have_value("3")
    page.fill("#f-reason", "Transcription error against the source (synthetic)")
    page.click("button[name=_status][value=complete]")
    expect(page.locator("[role=status]")).to_have_text("Saved.")
    expect(page.locator("section[aria-label='Entry status']")).to_contain_text("Version 2")
    expect(total).to_have_text("22.8")  # head 0.1·6·2 = 1.2

    # The item's history, one click from the item.
    page.locator(f"#wrap-{_input('head.erythema')[1:]} a.history-link").click()
    page.wait_for_url(re.compile(rf"/participants/{enrolled}/audit\?.*item=head\.erythema"))
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(2)
    change = rows.filter(has_text="Transcription error")
    expect(change).to_have_count(1)
    cells = change.locator("td")
    expect(cells.nth(1)).to_have_text("coordinator")
    expect(cells.nth(5)).to_have_text("head.erythema")
    expect(cells.nth(6)).to_have_text("2")
    expect(cells.nth(7)).to_have_text("3")


def test_investigator_signs_a_form_with_the_password(
    page: Any, server: Any, log_in: Any, enrolled: str
) -> None:
    _save_pasi(server, enrolled)
    log_in("investigator")
    page.click("nav.main-nav >> text=Signatures")
    page.click(f"a[href='/signatures?pid={enrolled}']")
    w0_pasi = page.locator(f"a[href='/participants/{enrolled}/visits/W0/forms/pasi']")
    row = page.locator("table.signatures tbody tr", has=w0_pasi)
    expect(row).to_have_count(1)
    row.locator("input[type=password]").fill("not-the-password")
    row.locator("button:has-text('Sign')").click()
    expect(page.locator(".flash.bad")).to_contain_text("nothing was signed")
    row.locator("input[type=password]").fill(server.trial.password)
    row.locator("button:has-text('Sign')").click()
    expect(page.locator(".flash")).to_have_text("The form is signed.")
    expect(row).to_have_count(0)  # no longer awaiting a signature
    page.goto(f"{server.url}/participants/{enrolled}/visits/W0/forms/pasi")
    expect(page.locator("section[aria-label='Entry status'] .badge").first).to_have_text("signed")


def test_monitor_raises_a_query_on_an_item_and_the_item_is_marked(
    page: Any, server: Any, log_in: Any, enrolled: str
) -> None:
    _save_pasi(server, enrolled)
    log_in("monitor")
    page.click("nav.main-nav >> text=Participants")
    page.click(f"a[href='/participants/{enrolled}']")
    page.click("a.button:has-text('Queries')")
    page.wait_for_url(f"**/queries?pid={enrolled}")
    page.select_option("#r-visit", "W0")
    page.select_option("#r-form", "pasi")
    page.fill("#r-item", "head.area_pct")
    page.fill("#r-text", "Head area 15% does not match the body chart (synthetic).")
    page.click("button:has-text('Raise the query')")
    expect(page.locator(".flash")).to_have_text("The query is raised.")
    expect(page.locator("table.queries tbody tr", has_text="head.area_pct")).to_have_count(1)
    # The item is marked on its form, and the mark leads to the query.
    page.goto(f"{server.url}/participants/{enrolled}/visits/W0/forms/pasi")
    flag = page.locator(f"#wrap-{_input('head.area_pct')[1:]} a.query-flag")
    expect(flag).to_have_text("?1")
    expect(page.locator(f"#wrap-{_input('head.erythema')[1:]} a.query-flag")).to_have_count(0)
    flag.click()
    expect(page.locator("table.queries tbody tr")).to_have_count(1)
    expect(page.locator("table.queries")).to_contain_text("does not match the body chart")
    # And on the casebook, beside the form.
    page.goto(f"{server.url}/participants/{enrolled}")
    expect(page.locator("#visit-W0 a.query-flag")).to_have_text("?1")


def test_a_chinese_user_sees_the_dashboard_in_chinese(page: Any, server: Any, log_in: Any) -> None:
    with transaction(server.trial.db.factory) as session:
        session.execute(update(User).where(User.username == "monitor").values(language="zh"))
    log_in("monitor")
    zh = load_catalogs().get("zh").gettext
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    expect(page.locator("h1")).to_have_text(zh("Dashboard"))
    assert zh("Dashboard") == "工作台"
    expect(page.locator("nav.main-nav")).to_contain_text(zh("Participants"))
    expect(page.locator("#enrolment-title")).to_have_text(zh("Enrolment"))
    # Nothing English is left on the page but codes and abbreviations.
    words = set(re.findall(r"[A-Za-z]{2,}", page.locator("main").inner_text()))
    assert words <= {"SAE"}, words
