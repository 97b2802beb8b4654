"""The ``psotrial`` command: JSON in, JSON (``--json``) or a readable table out.

Exit status: 0 on success; 2 with a one-line error on bad input (``psotrial: error: ...``);
1 where a command reports a negative verdict (``protocol validate`` on a bad file, ``audit
verify`` on a broken trail, ``import`` with refused lines); 3 when the database is unavailable.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from psotrial.cli import analyze, labs, protocol, score, simulate
from psotrial.cli.cdisc import export_adam, export_define, export_sdtm
from psotrial.cli.check import app as check_app
from psotrial.cli.ctgov import export_ctgov
from psotrial.cli.database import audit_app, db_app, demo
from psotrial.cli.design import app as design_app
from psotrial.cli.exchange import export_odm, export_redcap, import_any
from psotrial.cli.records import backup, export_records, restore
from psotrial.cli.report import report
from psotrial.cli.response import response
from psotrial.cli.schedule import dose, schedule
from psotrial.cli.screening import eligibility
from psotrial.cli.web import serve, sites_app, users_app
from psotrial.errors import FieldErrors, PsotrialError

__all__ = ["app", "main", "run"]

app = typer.Typer(
    name="psotrial",
    help="psotrial: the data system of the NCT03745417 psoriasis UC-MSC trial.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(protocol.app, name="protocol")
app.add_typer(score.app, name="score")
app.add_typer(labs.app, name="labs")
app.add_typer(simulate.app, name="simulate")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(check_app, name="check")
app.add_typer(design_app, name="design")
app.add_typer(analyze.app, name="analyze")
export_app = typer.Typer(help="Export captured data.", no_args_is_help=True)
export_app.command("records")(export_records)
export_app.command("sdtm")(export_sdtm)
export_app.command("adam")(export_adam)
export_app.command("define")(export_define)
export_app.command("odm")(export_odm)
export_app.command("redcap")(export_redcap)
export_app.command("ctgov")(export_ctgov)
app.add_typer(export_app, name="export")
app.command("eligibility")(eligibility)
app.command("response")(response)
app.command("report")(report)
app.command("schedule")(schedule)
app.command("dose")(dose)
app.command("import")(import_any)
app.command("demo")(demo)
app.command("backup")(backup)
app.command("restore")(restore)
app.command("serve")(serve)
app.add_typer(users_app, name="users")
app.add_typer(sites_app, name="sites")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status (errors become one line on stderr)."""
    try:
        app(args=argv, prog_name="psotrial")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0
    except FieldErrors as exc:
        problems = "; ".join(str(error) for error in exc.errors)
        print(f"psotrial: error: {len(exc.errors)} problems: {problems}", file=sys.stderr)
        return 2
    except PsotrialError as exc:
        print(f"psotrial: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except Exception as exc:
        # SQLAlchemy is imported by the commands that open a database, not at start-up
        # (issue 7): its errors can only come from a command that imported it.
        problem = _database_problem(exc, sys.modules.get("sqlalchemy.exc"))
        if problem is None:
            raise
        status, message = problem
        print(f"psotrial: error: {message}", file=sys.stderr)
        return status
    return 0


def _database_problem(exc: Exception, errors: Any) -> tuple[int, str] | None:
    """Exit status and message for a database refusal; None for anything else.

    The same cases the web application answers 503 or 422 (web/handlers.py): nothing was
    acknowledged, and the message says why.
    """
    if errors is None or not isinstance(exc, errors.DBAPIError):
        return None
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    if isinstance(exc, errors.OperationalError):
        # unreachable, full disk, read-only file, locked past the busy timeout
        return 3, f"database unavailable: {detail}"
    if isinstance(exc, errors.InternalError) and getattr(exc.orig, "sqlstate", None) == "25006":
        # PostgreSQL in recovery (a standby after fail-over) or set read-only
        return 3, f"database unavailable (read-only): {detail}"
    if isinstance(exc, errors.DataError):
        # a value the database cannot hold (e.g. a NUL character on PostgreSQL)
        return 2, f"a value could not be stored: {detail}"
    return None


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
