"""An item's history: who, when (site time), old, new, why; filtered; scoped to the site."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from psotrial.capture.entries import save_entry
from psotrial.capture.visits import record_visit
from psotrial.protocol.answers import nest_answers

HOSTILE = '<script>alert(1)</script> & "quoted"'


def _vitals(trial: Any, weight: object) -> dict[str, Any]:
    spec = trial.protocol.form("vital_signs")
    values = {item.name: item.example for item in spec.items}
    values["weight_kg"] = weight
    return nest_answers(values)


def _changed_weight(trial: Any) -> str:
    """W0 vital signs saved with 60 kg, then changed to 61.5 kg with a (hostile) reason."""
    with trial.session() as session:
        participant = trial.enrolled(session)
        coordinator = trial.actors["coordinator"]
        record_visit(
            session,
            protocol=trial.protocol,
            actor=coordinator,
            participant=participant,
            visit="W0",
            on=date(2026, 3, 2),
            now=trial.now,
        )
        save_entry(
            session,
            protocol=trial.protocol,
            actor=coordinator,
            participant=participant,
            visit="W0",
            form="vital_signs",
            data=_vitals(trial, 60),
            base_version=0,
            now=trial.now,
        )
        save_entry(session, protocol=trial.protocol, actor=trial.actors["investigator"],
                   participant=participant, visit="W0", form="vital_signs",
                   data=_vitals(trial, Decimal("61.5")), base_version=1, reason=HOSTILE,
                   now=datetime(2026, 3, 3, 2, 5, tzinfo=UTC))  # fmt: skip
        return str(participant.participant_code)


def _rows(page: str) -> list[list[str]]:
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_item_history_shows_who_when_old_new_and_reason(server: Any) -> None:
    pid = _changed_weight(server.trial)
    response = server.browser("monitor").get(
        f"/participants/{pid}/audit?visit=W0&form=vital_signs&item=weight_kg"
    )
    assert response.status_code == 200
    rows = _rows(response.text)
    assert [row[:3] + row[5:8] for row in rows] == [
        ["2026-03-02 17:00 CST", "coordinator", "created", "weight_kg", "", "60"],
        ["2026-03-03 10:05 CST", "investigator", "changed", "weight_kg", "60", "61.5"],
    ]
    # The reason is shown as text, never as markup.
    assert html.unescape(rows[1][8]) == HOSTILE
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_filters_narrow_the_history(server: Any) -> None:
    pid = _changed_weight(server.trial)
    monitor = server.browser("monitor")
    everything = _rows(monitor.get(f"/participants/{pid}/audit").text)
    visit_w0 = _rows(monitor.get(f"/participants/{pid}/audit?visit=W0").text)
    form_only = _rows(monitor.get(f"/participants/{pid}/audit?visit=W0&form=vital_signs").text)
    assert len(everything) > len(visit_w0) > len(form_only) > 2
    assert {row[3] for row in visit_w0} == {"W0"}
    assert {row[4] for row in form_only} == {"vital_signs"}
    # The visit date is an item of the visit.
    dates = _rows(monitor.get(f"/participants/{pid}/audit?visit=W0&item=actual_date").text)
    assert [row[7] for row in dates] == ["2026-03-02"]


def test_history_of_another_sites_participant_is_not_found(server: Any) -> None:
    pid = _changed_weight(server.trial)
    assert server.browser("coordinator2").get(f"/participants/{pid}/audit").status_code == 404
    assert server.browser("coordinator").get(f"/participants/{pid}/audit").status_code == 200
