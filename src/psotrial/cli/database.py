"""Database commands: ``db upgrade``, ``import``, ``demo``, ``audit verify|show``."""

from __future__ import annotations

import json
import sys
from datetime import UTC
from pathlib import Path
from typing import Annotated

import typer

from psotrial.capture.actors import SYSTEM
from psotrial.cli._db import open_database, study_protocol
from psotrial.cli._io import console, print_table
from psotrial.errors import ConfigError, DataEntryError

# SQLAlchemy, the models and the capture services load inside each command, not when
# `psotrial --help` lists the commands (issue 7: start-up time).

db_app = typer.Typer(help="Create or upgrade the database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="Verify and read the audit trail.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema of PSOTRIAL_DATABASE_URL (the only thing that does)."""
    from psotrial.db.migrate import current_revision, head_revision, upgrade

    with open_database(migrated=False) as opened:
        before = current_revision(opened.engine)
        upgrade(opened.engine)
        after = head_revision(opened.engine)
        where = opened.engine.url.render_as_string(hide_password=True)
    typer.echo(f"{where}: schema {before or 'empty'} -> {after}")


def import_records(
    file: Annotated[
        str | None, typer.Argument(help="JSON Lines file, one participant per line.")
    ] = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the JSON Schema of a line.")
    ] = False,
    protocol_name: Annotated[
        str, typer.Option("--protocol", help="Protocol for a database without a study yet.")
    ] = "nct03745417",
) -> None:
    """Import casebooks through the capture services; bad lines are reported, the rest go in."""
    from sqlalchemy import select

    from psotrial.capture.importing import import_lines, read_lines
    from psotrial.capture.study import ensure_study
    from psotrial.casebook import Casebook
    from psotrial.db.engine import transaction
    from psotrial.db.models import Study
    from psotrial.protocol import load_protocol

    if schema:
        typer.echo(json.dumps(Casebook.model_json_schema(), indent=2))
        return
    if file is None:
        raise DataEntryError("give a JSON Lines file to import (or --schema)")
    path = Path(file)
    if not path.is_file():
        raise DataEntryError(f"cannot read {file}: no such file")
    imported = refused = 0
    with open_database() as opened:
        with transaction(opened.factory) as session:
            if session.scalars(select(Study)).first() is None:
                ensure_study(
                    session,
                    actor=SYSTEM,
                    protocol=load_protocol(protocol_name),
                    protocol_name=protocol_name,
                )
        _, protocol = study_protocol(opened.factory)
        with path.open("rb") as lines:
            for number, _participant, error in import_lines(
                opened.factory, protocol=protocol, actor=SYSTEM, lines=read_lines(lines)
            ):
                if error is None:
                    imported += 1
                else:
                    refused += 1
                    typer.echo(f"{file}:{number}: refused: {error}", err=True)
    typer.echo(f"imported {imported} participant(s); refused {refused} line(s)")
    if refused:
        raise typer.Exit(1)


def demo(
    participants: Annotated[int, typer.Option("--participants", min=5, max=2000)] = 30,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    protocol_name: Annotated[str, typer.Option("--protocol")] = "nct03745417",
) -> None:
    """Create a fresh demo database (SYNTHETIC) with participants at every stage."""
    from sqlalchemy import select

    from psotrial.capture.demo import build_demo
    from psotrial.db.migrate import current_revision, upgrade
    from psotrial.db.models import Study
    from psotrial.protocol import load_protocol

    with open_database(migrated=False) as opened:
        existing = None
        if current_revision(opened.engine) is not None:
            with opened.factory() as session:
                existing = session.scalars(select(Study)).first()
        path = opened.settings.sqlite_path
    if existing is not None:
        if not existing.synthetic or path is None:
            raise ConfigError(
                f"the database already holds study {existing.registry_id}"
                f"{'' if existing.synthetic else ' (real data)'}; point "
                "PSOTRIAL_DATABASE_URL at an empty database for the demo"
            )
        for suffix in ("", "-wal", "-shm"):  # a SQLite demo is replaced by a fresh one
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    with open_database(migrated=False) as opened:
        upgrade(opened.engine)
        summary = build_demo(
            opened.factory,
            protocol=load_protocol(protocol_name),
            protocol_name=protocol_name,
            participants=participants,
            seed=seed,
        )
        where = opened.engine.url.render_as_string(hide_password=True)
    console.print(f"[bold]SYNTHETIC demo study[/bold] ({where})")
    print_table("Participants by status", ["status", "n"], list(summary.statuses.items()))
    print_table(
        "Demo logins (synthetic; change before any real use)",
        ["username", "role", "password"],
        [(u.username, u.role, u.password) for u in summary.users],
    )
    for line in summary.refused:
        typer.echo(f"refused: {line}", err=True)


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the hash chain and explain every current value; exit 1 when anything is wrong."""
    from psotrial.audit import verify_audit

    with open_database() as opened, opened.factory() as session:
        report = verify_audit(session)
    if report.ok:
        typer.echo(
            f"audit trail intact: {report.events} events, {report.entries} form entries "
            "explained by their history"
        )
        return
    for problem in report.problems:
        typer.echo(f"BROKEN: {problem}")
    typer.echo(f"{len(report.problems)} problem(s) in {report.events} events", err=True)
    raise typer.Exit(1)


@audit_app.command("show")
def audit_show(
    participant: Annotated[str, typer.Argument(help="Participant ID or screening number.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Print a participant's audit history (who, when, what, old, new, reason)."""
    from sqlalchemy import select

    from psotrial.capture.participants import get_participant
    from psotrial.db.models import AuditEvent

    with open_database() as opened, opened.factory() as session:
        row = get_participant(session, participant)
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.participant_id == row.id).order_by(AuditEvent.id)
        ).all()
        rows = [
            (
                e.id,
                e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor,
                e.action,
                f"{e.entity} {e.entity_id or ''}".strip(),
                e.item,
                e.old_value,
                e.new_value,
                e.reason,
            )
            for e in events
        ]
    if as_json:
        keys = ("id", "at", "actor", "action", "entity", "item", "old", "new", "reason")
        sys.stdout.write(
            json.dumps([dict(zip(keys, r, strict=True)) for r in rows], indent=2) + "\n"
        )
        return
    print_table(
        f"Audit history of {participant} (UTC)",
        ["#", "at", "who", "action", "entity", "item", "old", "new", "reason"],
        rows,
    )
