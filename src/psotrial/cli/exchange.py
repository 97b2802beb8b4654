"""``export odm|redcap`` and ``import [odm|redcap] FILE``: CDISC ODM 1.3.2 and REDCap exchange.

Exports are audited and carry participant IDs only (see :mod:`psotrial.exchange.casebooks`);
imports go through the capture services, one participant per transaction, like
``psotrial import`` of casebooks, which ``import FILE`` still is.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from psotrial.capture.actors import SYSTEM
from psotrial.cli._db import open_database, study_protocol
from psotrial.cli.database import import_records
from psotrial.errors import DataEntryError

# The exchange formats (lxml, odmlib, pandas) and SQLAlchemy load inside each command, not
# when `psotrial --help` lists the commands (issue 7: start-up time).
if TYPE_CHECKING:
    from psotrial.casebook import Casebook

__all__ = ["EXCHANGE_FORMATS", "export_odm", "export_redcap", "import_any"]

EXCHANGE_FORMATS = ("odm", "redcap")


def export_odm(
    out: Annotated[Path, typer.Option("--out", help="ODM file to write.")] = Path("study.odm.xml"),
    no_audit: Annotated[
        bool, typer.Option("--no-audit", help="Leave out the AuditRecord of each value.")
    ] = False,
) -> None:
    """Export the study as CDISC ODM 1.3.2: metadata, every value, and its audit record."""
    from psotrial.capture.records import atomic_file
    from psotrial.db.engine import transaction
    from psotrial.exchange.odm import export_odm as write_odm

    with open_database() as opened:
        _, protocol = study_protocol(opened.factory)
        with transaction(opened.factory) as session:
            xml = write_odm(
                session,
                protocol=protocol,
                actor=SYSTEM,
                file_name=out.name,
                include_audit=not no_audit,
            )
            # Written inside the transaction: a failed write leaves no export event.
            with atomic_file(out) as handle:
                handle.write(xml)
    subjects = xml.count(b"<SubjectData ")
    values = xml.count(b"<ItemData ")
    typer.echo(
        f"exported {subjects} participants, {values} values to {out} "
        f"(ODM 1.3.2, schema-valid, {len(xml):,} bytes)"
    )


def export_redcap(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("redcap"),
) -> None:
    """Export a REDCap project: data dictionary, events, instrument mapping and records."""
    from psotrial.db.engine import transaction
    from psotrial.exchange.redcap import export_redcap as write_redcap

    with open_database() as opened:
        _, protocol = study_protocol(opened.factory)
        with transaction(opened.factory) as session:
            paths = write_redcap(session, protocol=protocol, actor=SYSTEM, out_dir=out)
    typer.echo(f"exported {len(paths)} REDCap files to {out}: " + ", ".join(p.name for p in paths))


def import_any(
    file: Annotated[
        str | None,
        typer.Argument(
            help="JSON Lines file, one participant per line; or the format odm or redcap.",
            metavar="[FORMAT] FILE",
        ),
    ] = None,
    exchange_file: Annotated[
        str | None,
        typer.Argument(
            help="After odm or redcap: the ODM 1.3.2 file or REDCap CSV export.",
            metavar="[FILE]",
            show_default=False,
        ),
    ] = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the JSON Schema of a line.")
    ] = False,
    protocol_name: Annotated[
        str, typer.Option("--protocol", help="Protocol for a database without a study yet.")
    ] = "nct03745417",
) -> None:
    """Import casebooks through the capture services; bad lines are reported, the rest go in.

    Also ``import odm FILE`` (ODM 1.3.2) and ``import redcap FILE`` (a REDCap flat CSV export).
    """
    if file not in EXCHANGE_FORMATS:
        if exchange_file is not None:
            raise DataEntryError(
                f"unknown import format {file!r}; formats are: {', '.join(EXCHANGE_FORMATS)} "
                "(or give a single JSON Lines file)"
            )
        import_records(file, schema=schema, protocol_name=protocol_name)
        return
    if exchange_file is None:
        raise DataEntryError(f"give the {file} file to import: psotrial import {file} FILE")
    from sqlalchemy import select

    from psotrial.capture.study import ensure_study
    from psotrial.db.engine import transaction
    from psotrial.db.models import Study
    from psotrial.exchange.casebooks import import_casebooks
    from psotrial.exchange.odm import read_odm
    from psotrial.exchange.redcap import read_redcap_export
    from psotrial.protocol import load_protocol

    path = Path(exchange_file)
    if not path.is_file():
        raise DataEntryError(f"cannot read {exchange_file}: no such file")
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
        casebooks: dict[str, Casebook]
        if file == "odm":
            casebooks = read_odm(path.read_bytes(), protocol)
        else:
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise DataEntryError(f"{exchange_file} is not UTF-8 (byte {exc.start})") from None
            casebooks = read_redcap_export(text, protocol)
        imported = refused = 0
        for key, new, error in import_casebooks(
            opened.factory, protocol=protocol, actor=SYSTEM, casebooks=casebooks
        ):
            if error is not None:
                refused += 1
                typer.echo(f"{exchange_file}: {key}: refused: {error}", err=True)
                continue
            imported += 1
            if new != key:
                typer.echo(f"{key} -> {new}")
    typer.echo(f"imported {imported} participant(s); refused {refused}")
    if refused:
        raise typer.Exit(1)
