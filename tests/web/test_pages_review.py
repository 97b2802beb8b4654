"""Signatures, verification and locks through the pages: roles, sites, password, CSRF."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from psotrial.capture.entries import save_entry
from psotrial.capture.participants import get_participant
from psotrial.capture.visits import record_visit
from psotrial.db.models import AuditEvent, FormEntry, Signature
from psotrial.protocol.answers import nest_answers


def _with_pasi(trial: Any) -> tuple[str, int]:
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
        spec = trial.protocol.form("pasi")
        saved = save_entry(session, protocol=trial.protocol, actor=coordinator,
                           participant=participant, visit="W0", form="pasi",
                           data=nest_answers({i.name: i.example for i in spec.items}),
                           base_version=0, now=trial.now)  # fmt: skip
        return str(participant.participant_code), saved.entry.id


def _entry(trial: Any, entry_id: int) -> FormEntry:
    with trial.db.factory() as session:
        entry = session.get(FormEntry, entry_id)
        assert entry is not None
        return entry


def test_investigator_signs_with_password_and_a_wrong_one_is_audited(server: Any) -> None:
    pid, entry_id = _with_pasi(server.trial)
    investigator = server.browser("investigator")
    listed = investigator.get(f"/signatures?pid={pid}").text
    assert f'id="entry-{entry_id}"' in listed
    assert 'action="/review/sign"' in listed
    summary = investigator.get("/signatures").text
    assert f'href="/signatures?pid={pid}"' in summary

    form = {"entry_id": entry_id, "csrf_token": investigator.csrf, "next": f"/signatures?pid={pid}"}
    wrong = investigator.post("/review/sign", data={**form, "password": "not-my-password"})
    assert wrong.status_code == 303
    assert wrong.headers["location"].endswith("flash=wrong_password")
    assert "nothing was signed" in investigator.get(wrong.headers["location"]).text
    assert _entry(server.trial, entry_id).status == "complete"
    with server.trial.db.factory() as session:
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sign_refused")
        ).all()
        assert [(e.actor, e.entity, e.entity_id) for e in refused] == [
            ("investigator", "form_entry", str(entry_id))
        ]

    signed = investigator.post("/review/sign", data={**form, "password": server.trial.password})
    assert signed.status_code == 303
    assert signed.headers["location"].endswith("flash=signed")
    assert _entry(server.trial, entry_id).status == "signed"
    assert f'id="entry-{entry_id}"' not in investigator.get(f"/signatures?pid={pid}").text

    casebook = investigator.post(
        "/review/sign-casebook",
        data={"pid": pid, "password": server.trial.password, "csrf_token": investigator.csrf},
    )
    assert casebook.status_code == 303
    with server.trial.db.factory() as session:
        assert session.scalars(select(Signature).where(Signature.entry_id.is_(None))).all()


def test_signing_is_refused_to_other_roles_sites_and_without_csrf(server: Any) -> None:
    pid, entry_id = _with_pasi(server.trial)
    password = server.trial.password
    for username, status in (("coordinator", 403), ("monitor", 403), ("coordinator2", 404)):
        client = server.browser(username)
        data = {"entry_id": entry_id, "password": password, "csrf_token": client.csrf}
        assert client.post("/review/sign", data=data).status_code == status, username
        casebook = {"pid": pid, "password": password, "csrf_token": client.csrf}
        assert client.post("/review/sign-casebook", data=casebook).status_code == status
    investigator = server.browser("investigator")
    assert (
        investigator.post(
            "/review/sign", data={"entry_id": entry_id, "password": password}
        ).status_code
        == 403
    )
    assert server.browser("coordinator2").get(f"/signatures?pid={pid}").status_code == 404
    assert _entry(server.trial, entry_id).status == "complete"


def test_monitor_verifies_and_data_manager_locks_and_unlocks(server: Any) -> None:
    pid, entry_id = _with_pasi(server.trial)
    coordinator = server.browser("coordinator")
    refused = {"entry_id": entry_id, "csrf_token": coordinator.csrf}
    assert coordinator.post("/review/verify", data=refused).status_code == 403
    assert coordinator.post("/review/lock", data=refused).status_code == 403

    monitor = server.browser("monitor")
    page = monitor.get(f"/signatures?pid={pid}").text
    assert 'action="/review/verify"' in page
    assert 'action="/review/sign"' not in page
    verified = monitor.post(
        "/review/verify", data={"entry_id": entry_id, "csrf_token": monitor.csrf}
    )
    assert verified.status_code == 303
    assert _entry(server.trial, entry_id).status == "verified"
    assert (
        monitor.post("/review/lock", data={"pid": pid, "csrf_token": monitor.csrf}).status_code
        == 403
    )

    manager = server.browser("data_manager")
    token = manager.csrf
    assert manager.post("/review/lock", data={"entry_id": entry_id}).status_code == 403
    assert (
        manager.post("/review/lock", data={"entry_id": entry_id, "csrf_token": token}).status_code
        == 303
    )
    assert _entry(server.trial, entry_id).locked
    assert (
        manager.post("/review/lock", data={"entry_id": entry_id, "csrf_token": token}).status_code
        == 409
    )
    # Unlocking needs a reason.
    no_reason = {"entry_id": entry_id, "csrf_token": token, "reason": " "}
    assert manager.post("/review/unlock", data=no_reason).status_code == 422
    assert manager.post("/review/unlock", data={**no_reason, "reason": "typo"}).status_code == 303
    assert not _entry(server.trial, entry_id).locked

    locked = manager.post(
        "/review/lock", data={"pid": pid, "csrf_token": token, "next": f"/participants/{pid}"}
    )
    assert locked.status_code == 303
    assert locked.headers["location"] == f"/participants/{pid}?flash=locked"
    page = manager.get(locked.headers["location"]).text
    assert "Locked." in page
    assert 'action="/review/unlock"' in page
    with server.trial.db.factory() as session:
        assert get_participant(session, pid).locked
    assert (
        manager.post(
            "/review/unlock", data={"pid": pid, "csrf_token": token, "reason": "reopen"}
        ).status_code
        == 303
    )
    assert manager.post("/review/lock", data={"csrf_token": token}).status_code == 422
    assert (
        manager.post("/review/lock", data={"pid": "GZ09-001", "csrf_token": token}).status_code
        == 404
    )


def test_redirects_stay_on_this_site(server: Any) -> None:
    _pid, entry_id = _with_pasi(server.trial)
    monitor = server.browser("monitor")
    response = monitor.post(
        "/review/verify",
        data={"entry_id": entry_id, "csrf_token": monitor.csrf, "next": "//evil.example/x"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/signatures?flash=verified"
    # A flash is a code with a catalogued message: anything else shows nothing.
    page = monitor.get("/signatures?flash=%3Cb%3Ehi%3C/b%3E").text
    assert 'class="flash' not in page
    assert "<b>hi</b>" not in page
