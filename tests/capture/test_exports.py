"""An export is an audit event naming its kind, format and files, and who may export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from psotrial.audit import verify_audit
from psotrial.capture.exports import record_export
from psotrial.db.models import AuditEvent
from psotrial.errors import PermissionDenied


def test_record_export_appends_one_chained_event(trial: Any) -> None:
    with trial.session() as session:
        record_export(
            session,
            actor=trial.actors["statistician"],
            kind="sdtm",
            paths=[Path("/data/out/dm.xpt"), Path("/data/out/ae.xpt")],
            fmt="xpt",
            rows={"DM": 5, "AE": 0},
            now=trial.now,
        )
    with trial.db.factory() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event is not None
        assert (event.action, event.entity, event.actor) == ("export", "study", "statistician")
        assert json.loads(event.new_value or "{}") == {
            "kind": "sdtm",
            "files": ["dm.xpt", "ae.xpt"],  # names only: the folder is the user's business
            "format": "xpt",
            "rows": {"DM": 5, "AE": 0},
        }
        assert verify_audit(session).ok


def test_record_export_refuses_a_role_that_may_not_export(trial: Any) -> None:
    with trial.session() as session, pytest.raises(PermissionDenied, match="may not export"):
        record_export(
            session, actor=trial.actors["coordinator"], kind="define", paths=[], now=trial.now
        )
