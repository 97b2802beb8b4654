"""Import: each line through the services; a bad line is refused whole, the others go in."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from psotrial.audit import verify_audit
from psotrial.capture import importing
from psotrial.capture.actors import SYSTEM
from psotrial.capture.importing import import_lines
from psotrial.db.models import AuditEvent, FormEntry, Participant
from psotrial.jsoncodec import dumps_canonical
from psotrial.simulate import simulate_cohort


def test_import_lines_bad_line_refused_others_imported(trial: Any) -> None:
    cohort = simulate_cohort(trial.protocol, n=4, seed=3, start=date(2026, 1, 5))
    lines = [dumps_canonical(c.model_dump()).encode() for c in cohort]
    broken = json.loads(lines[1])
    broken["visits"][2]["forms"]["pasi"]["head"]["erythema"] = 9
    lines[1] = json.dumps(broken).encode()
    lines.insert(2, b'{"site": "GZ01", "screening": ')  # truncated
    with trial.db.factory() as session:
        events_before = session.scalar(select(func.count()).select_from(AuditEvent))
    results = list(
        import_lines(
            trial.db.factory, protocol=trial.protocol, actor=SYSTEM, lines=lines, now=trial.now
        )
    )
    assert [(n, error is None) for n, _, error in results] == [
        (1, True),
        (2, False),
        (3, False),
        (4, True),
        (5, True),
    ]
    assert "pasi.head.erythema: expected 0 to 4, got 9" in str(results[1][2])
    assert "not valid JSON" in str(results[2][2])
    with trial.db.factory() as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == 3
        assert session.scalar(select(func.count()).select_from(AuditEvent)) > events_before
        assert verify_audit(session).ok
        assert session.scalar(select(func.count()).select_from(FormEntry)) > 0


def test_import_lines_yields_a_line_only_once_its_group_is_committed(
    trial: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "GROUP_LINES", 2)
    monkeypatch.setattr(importing, "GROUP_SECONDS", 3600.0)  # groups by count alone here
    cohort = simulate_cohort(trial.protocol, n=5, seed=4, start=date(2026, 1, 5))
    lines = [dumps_canonical(c.model_dump()).encode() for c in cohort]
    lines.insert(1, b"not json")
    results = import_lines(
        trial.db.factory, protocol=trial.protocol, actor=SYSTEM, lines=lines, now=trial.now
    )
    stored_when_yielded = {}
    for number, _, _ in results:
        with trial.db.factory() as session:
            stored = session.scalar(select(func.count()).select_from(Participant))
        stored_when_yielded[number] = stored
    # Groups of two lines: (1, 2 refused), (3, 4), (5, 6); a line comes out with its group
    # committed, never before.
    assert stored_when_yielded == {1: 1, 2: 1, 3: 3, 4: 3, 5: 5, 6: 5}
    with trial.db.factory() as session:
        numbers = session.scalars(select(Participant.screening_number).order_by(Participant.id))
        # The refused line's savepoint gave its screening number back.
        assert list(numbers) == [f"GZ01-S{n:03d}" for n in range(1, 6)]
        assert verify_audit(session).ok
