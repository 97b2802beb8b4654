"""Synthetic cohorts: valid forms, honest eligibility, the rates of domain.md §9, data cuts."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from psotrial.casebook import Casebook
from psotrial.errors import FieldError, NotFoundError
from psotrial.instruments import (
    REGIONS,
    compute_area_score,
    compute_bsa,
    compute_dlqi,
    compute_pasi,
)
from psotrial.protocol import FormSpec, Protocol, load_protocol
from psotrial.protocol.answers import read_form
from psotrial.schedule import check_dose, check_visit_window, compute_dose
from psotrial.screening import EligibilityResult, evaluate_eligibility, read_screening_record
from psotrial.simulate import (
    FAILURE_CRITERIA,
    INVESTIGATOR,
    filter_casebook,
    simulate_cohort,
    simulate_participant,
)

REPEATING = ("adverse_event", "concomitant_medication")


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol("nct03745417")


@pytest.fixture(scope="module")
def cohort(protocol: Protocol) -> list[Casebook]:
    return simulate_cohort(protocol, n=200, seed=7)


@pytest.fixture(scope="module")
def enrolled(cohort: list[Casebook]) -> list[Casebook]:
    return [casebook for casebook in cohort if casebook.enrolment is not None]


def verdict(protocol: Protocol, casebook: Casebook) -> EligibilityResult:
    screening = casebook.screening
    record = {
        "screening_date": screening.date.isoformat(),
        "planned_first_infusion": (
            screening.planned_first_infusion.isoformat()
            if screening.planned_first_infusion
            else None
        ),
        "forms": screening.forms,
        "confirmations": screening.confirmations,
    }
    return evaluate_eligibility(protocol, read_screening_record(protocol, record))


def all_forms(casebook: Casebook) -> Iterator[tuple[str, Mapping[str, Any]]]:
    yield from casebook.screening.forms.items()
    for visit in casebook.visits:
        yield from visit.forms.items()
    for log in casebook.logs:
        yield log.form, log.data


def check_complete(form: FormSpec, data: Mapping[str, Any]) -> None:
    values = read_form(form, data)
    if form.instrument == "labs":
        assert sorted(values) == sorted(test.code for test in form.lab_tests)
        return
    required = {item.name for item in form.items if item.required}
    assert required <= set(values), f"{form.code} lacks {required - set(values)}"


def status(protocol: Protocol, casebook: Casebook) -> str:
    if casebook.enrolment is None:
        return "screen_failure"
    if casebook.withdrawal is not None:
        return "withdrawn"
    if not casebook.visits:
        return "enrolled"
    ends = [v.forms["end_of_study"] for v in casebook.visits if "end_of_study" in v.forms]
    if ends and ends[-1]["status"] == "completed":
        return "completed"
    # The casebook's rule: follow-up once the last treatment-epoch visit is done.
    end_of_treatment = [v.code for v in protocol.visits if v.epoch == "TREATMENT"][-1]
    done = {visit.visit for visit in casebook.visits}
    return "follow_up" if end_of_treatment in done else "on_treatment"


def pasi_at(casebook: Casebook, visit_code: str) -> int | None:
    for visit in casebook.visits:
        if visit.visit == visit_code:
            return compute_pasi(visit.forms["pasi"]).tenths
    return None


def test_simulate_cohort_is_deterministic(protocol: Protocol) -> None:
    first = simulate_cohort(protocol, n=25, seed=3)
    assert simulate_cohort(protocol, n=25, seed=3) == first
    assert simulate_cohort(protocol, n=25, seed=4) != first
    assert len(first) == 25


def test_simulate_cohort_every_form_passes_read_form(
    protocol: Protocol, cohort: list[Casebook]
) -> None:
    for casebook in cohort:
        for code, data in all_forms(casebook):
            check_complete(protocol.form(code), data)


def test_simulate_cohort_eligibility_matches_enrolment(
    protocol: Protocol, cohort: list[Casebook]
) -> None:
    for casebook in cohort:
        result = verdict(protocol, casebook)
        assert result.eligible == (casebook.enrolment is not None)
        assert casebook.screening.confirmations == {"EX05": True, "EX10": True}
        assert casebook.screening.forms["eligibility_confirmation"] == {
            "eligible": result.eligible,
            "ex05": True,
            "ex10": True,
            "investigator": INVESTIGATOR,
            "confirmed_on": casebook.screening.date.isoformat(),
        }
        if casebook.enrolment is None:
            assert (casebook.visits, casebook.logs, casebook.withdrawal) == ((), (), None)
        else:
            assert casebook.enrolment.first_infusion == casebook.screening.planned_first_infusion
            gap = (casebook.enrolment.first_infusion - casebook.screening.date).days
            assert 7 <= gap <= 21
            assert casebook.visits[0].date == casebook.enrolment.first_infusion


def test_simulate_cohort_fails_screening_on_each_listed_criterion(
    protocol: Protocol, cohort: list[Casebook]
) -> None:
    failed: Counter[str] = Counter()
    failures = 0
    for casebook in cohort:
        if casebook.enrolment is None:
            failures += 1
            failed.update(c.id for c in verdict(protocol, casebook).criteria if c.status != "met")
    assert set(failed) == set(FAILURE_CRITERIA)
    assert 0.12 <= failures / len(cohort) <= 0.28


def test_simulate_cohort_visits_collect_the_protocol_forms(
    protocol: Protocol, enrolled: list[Casebook]
) -> None:
    order = [visit.code for visit in protocol.visits[1:]]
    for casebook in enrolled:
        codes = [visit.visit for visit in casebook.visits]
        assert codes == order[: len(codes)]
        for visit in casebook.visits:
            expected = [
                f
                for f in protocol.visit(visit.visit).forms
                if f not in (*REPEATING, "end_of_study")
            ]
            forms = list(visit.forms)
            if visit is casebook.visits[-1] and (casebook.withdrawal or visit.visit == "W24"):
                assert forms == [*expected, "end_of_study"]
            else:
                assert forms == expected
        assert {log.form for log in casebook.logs} <= set(REPEATING)


def test_simulate_cohort_pasi_areas_agree_with_bsa(enrolled: list[Casebook]) -> None:
    for casebook in enrolled:
        for forms in [casebook.screening.forms, *(visit.forms for visit in casebook.visits)]:
            bsa = compute_bsa(forms["bsa"])
            for region in REGIONS:
                area_pct = Decimal(forms["pasi"][region]["area_pct"])
                assert bsa.regions[region].pasi_area == compute_area_score(area_pct)
                assert bsa.regions[region].involvement_pct == area_pct


def test_simulate_cohort_infusions_dose_on_the_latest_weight(
    protocol: Protocol, enrolled: list[Casebook]
) -> None:
    arm = protocol.arm()
    infusions = reactions = deviations = 0
    for casebook in enrolled:
        numbers = []
        for visit in casebook.visits:
            if "infusion" not in visit.forms:
                assert visit.visit not in arm.infusion_visits
                continue
            infusion = visit.forms["infusion"]
            numbers.append(infusion["infusion_number"])
            assert infusion["weight_kg_used"] == visit.forms["vital_signs"]["weight_kg"]
            assert infusion["planned_cells"] == compute_dose(
                infusion["weight_kg_used"], arm.dosing.cells_per_kg
            )
            start = datetime.fromisoformat(infusion["start_time"])
            assert start.date() == visit.date
            assert start.utcoffset() == timedelta(hours=8)
            assert infusion["lot_number"].startswith("LOT-SYN-")
            assert infusion["reaction"] == (infusion["reaction_description"] is not None)
            infusions += 1
            reactions += infusion["reaction"]
            check = check_dose(infusion["planned_cells"], infusion["actual_cells"], 10)
            deviations += check.deviation
        assert numbers == list(range(1, len(numbers) + 1))
    assert 0.1 <= reactions / infusions <= 0.25
    assert 0.01 <= deviations / infusions <= 0.12


def test_simulate_cohort_adverse_events_use_ctcae_terms(enrolled: list[Casebook]) -> None:
    events = [log.data for c in enrolled for log in c.logs if log.form == "adverse_event"]
    grades = Counter(event["grade"] for event in events)
    assert grades[1] + grades[2] >= 0.9 * len(events)
    serious = [event for event in events if event["serious"]]
    assert serious
    assert {event["seriousness"] for event in serious} == {"hospitalisation"}
    assert any(event["ctcae_term"] == "Infusion related reaction" for event in events)
    listing = resources.files("psotrial") / "data" / "ctcae-v5-terms.csv"
    terms = {row["tox_desc"] for row in csv.DictReader(io.StringIO(listing.read_text("utf-8")))}
    assert {event["ctcae_term"] for event in events} <= terms


def test_simulate_cohort_logs_hold_no_date_after_their_visit(enrolled: list[Casebook]) -> None:
    for casebook in enrolled:
        dates = {visit.visit: visit.date for visit in casebook.visits}
        for log in casebook.logs:
            for key in ("onset_date", "resolution_date", "start_date", "end_date"):
                if log.data.get(key) is not None:
                    assert date.fromisoformat(log.data[key]) <= dates[log.visit]


def test_simulate_cohort_withdrawals_end_the_visits(
    protocol: Protocol, enrolled: list[Casebook]
) -> None:
    withdrawn = [casebook for casebook in enrolled if casebook.withdrawal is not None]
    assert 0.02 <= len(withdrawn) / len(enrolled) <= 0.15
    for casebook in enrolled:
        last = casebook.visits[-1]
        end = last.forms.get("end_of_study")
        if casebook.withdrawal is None:
            assert last.visit == protocol.visits[-1].code
            assert end == {"status": "completed", "date": last.date.isoformat(), "reason": None}
            continue
        assert last.visit != protocol.visits[-1].code
        assert all(visit.date <= casebook.withdrawal.date for visit in casebook.visits)
        assert end == {
            "status": "withdrawn",
            "date": casebook.withdrawal.date.isoformat(),
            "reason": casebook.withdrawal.reason,
        }


def test_simulate_cohort_dates_some_visits_out_of_window(
    protocol: Protocol, enrolled: list[Casebook]
) -> None:
    checks = [
        check_visit_window(protocol, c.enrolment.first_infusion, v.visit, v.date)
        for c in enrolled
        if c.enrolment is not None
        for v in c.visits
    ]
    outside = [check for check in checks if not check.in_window]
    assert 0.02 <= len(outside) / len(checks) <= 0.1
    assert {abs(check.days_from_target) for check in outside} <= {4, 5, 6}


def test_simulate_cohort_dlqi_follows_pasi(enrolled: list[Casebook]) -> None:
    changes: dict[bool, list[int]] = {True: [], False: []}
    for casebook in enrolled:
        base, week12 = pasi_at(casebook, "W0"), pasi_at(casebook, "W12")
        if base is None or week12 is None:
            continue
        forms = {visit.visit: visit.forms for visit in casebook.visits}
        before, after = (compute_dlqi(forms[code]["dlqi"]).total for code in ("W0", "W12"))
        assert before is not None
        assert after is not None
        changes[2 * week12 <= base].append(after - before)
    assert sum(changes[True]) / len(changes[True]) < sum(changes[False]) / len(changes[False])


@pytest.mark.parametrize(("scenario", "threshold", "low", "high"), [
    ("msc", 50, 0.25, 0.65),
    ("placebo", 75, 0.0, 0.15),
])  # fmt: skip
def test_simulate_cohort_response_rates_at_week_12(
    protocol: Protocol, scenario: str, threshold: int, low: float, high: float
) -> None:
    responders = assessed = 0
    for casebook in simulate_cohort(protocol, n=500, scenario=scenario, seed=11):
        base, week12 = pasi_at(casebook, "W0"), pasi_at(casebook, "W12")
        if base is None or week12 is None:
            continue
        assessed += 1
        responders += 100 * (base - week12) >= threshold * base
    assert assessed > 300
    assert low <= responders / assessed <= high


def test_simulate_cohort_data_cut_drops_everything_after_it(protocol: Protocol) -> None:
    cut = date(2026, 9, 1)
    full = simulate_cohort(protocol, n=70, seed=5)
    cohort = simulate_cohort(protocol, n=70, seed=5, data_cut=cut)
    assert 0 < len(cohort) < len(full)
    assert max(c.screening.date for c in cohort) <= cut < full[len(cohort)].screening.date
    for before, after in zip(full, cohort, strict=False):
        assert after == filter_casebook(before, data_cut=cut)
        assert all(visit.date <= cut for visit in after.visits)
        assert after.withdrawal is None or after.withdrawal.date <= cut
        assert {log.visit for log in after.logs} <= {visit.visit for visit in after.visits}
    statuses = Counter(status(protocol, casebook) for casebook in cohort)
    assert {"screen_failure", "on_treatment", "follow_up", "completed"} <= set(statuses)


def test_simulate_cohort_rejects_bad_arguments(protocol: Protocol) -> None:
    with pytest.raises(NotFoundError, match="scenario"):
        simulate_cohort(protocol, n=1, scenario="nope")
    with pytest.raises(FieldError, match="n"):
        simulate_cohort(protocol, n=-1)
    with pytest.raises(ValueError, match="cannot fail"):
        simulate_participant(protocol, fail="EX10")


def test_simulate_participant_fails_on_the_named_criterion(protocol: Protocol) -> None:
    for index, criterion in enumerate(FAILURE_CRITERIA):
        casebook = simulate_participant(protocol, seed=index, fail=criterion)
        failed = {c.id for c in verdict(protocol, casebook).criteria if c.status != "met"}
        assert casebook.enrolment is None
        assert criterion in failed
        assert failed <= {criterion, "IN01"}  # guttate/inverse psoriasis also misses IN01


def test_simulate_cohort_other_protocol(protocol: Protocol) -> None:
    sister = load_protocol("nct03265613")
    for casebook in simulate_cohort(sister, n=15, seed=2, scenario="biologic"):
        assert verdict(sister, casebook).eligible == (casebook.enrolment is not None)
        for code, data in all_forms(casebook):
            check_complete(sister.form(code), data)
