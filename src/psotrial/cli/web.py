"""``psotrial serve``, ``psotrial users add|list``, ``psotrial sites add|list``."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from psotrial.capture.actors import ROLES, SYSTEM
from psotrial.cli._db import open_database
from psotrial.cli._io import print_table
from psotrial.errors import ConfigError, FieldError

# The web application, SQLAlchemy and the settings load inside each command, not when
# `psotrial --help` lists the commands (issue 7: start-up time).

__all__ = ["serve", "sites_app", "users_app"]

users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
sites_app = typer.Typer(help="Sites of the study.", no_args_is_help=True)
_ROLE_CHOICES = ", ".join(r for r in ROLES if r != "system")


# Warnings and errors only; no access log: at level "warning" its lines were never written,
# but uvicorn still built each one's arguments (issue 7).
_UVICORN: dict[str, Any] = {"log_level": "warning", "access_log": False, "server_header": False}


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes (PostgreSQL; on SQLite one process queues writers best).",
        ),
    ] = 1,
) -> None:
    """Serve the web application and the JSON API on the configured database."""
    import uvicorn

    from psotrial.settings import DEMO_SECRET_KEY
    from psotrial.web import create_app

    with open_database() as opened:
        from psotrial.capture.study import get_study

        with opened.factory() as session:
            synthetic = get_study(session).synthetic
        if opened.settings.secret_key == DEMO_SECRET_KEY and not synthetic:
            raise ConfigError(
                "PSOTRIAL_SECRET_KEY is the demo key; set a long random secret before serving "
                "a real study (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        where = f"{opened.engine.url.render_as_string()} on http://{host}:{port}/"
        if workers == 1:
            app = create_app(opened.settings, factory=opened.factory)
            typer.echo(f"psotrial serving {where}")
            uvicorn.run(app, host=host, port=port, **_UVICORN)
            return
        typer.echo(f"psotrial serving {where} with {workers} worker processes")
    # Each worker process builds its own app and engine from the same environment
    # (uvicorn starts workers from an import string; they share the listening socket).
    uvicorn.run(
        "psotrial.web.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        **_UVICORN,
    )


def _read_password() -> str:
    if sys.stdin.isatty():
        first = typer.prompt("Password", hide_input=True)
        second = typer.prompt("Repeat password", hide_input=True)
        if first != second:
            raise FieldError("password", "the two entries differ")
        return str(first)
    return sys.stdin.readline().rstrip("\r\n")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {_ROLE_CHOICES}.")],
    site: Annotated[
        list[str] | None, typer.Option("--site", help="Site code (repeat for several sites).")
    ] = None,
    full_name: Annotated[
        str | None, typer.Option("--name", help="Full name shown in the app.")
    ] = None,
) -> None:
    """Create an account; the password is read from stdin (or prompted on a terminal)."""
    from psotrial.capture.users import create_user
    from psotrial.db.engine import transaction

    password = _read_password()
    with open_database() as opened, transaction(opened.factory) as session:
        create_user(
            session,
            actor=SYSTEM,
            username=username,
            full_name=full_name or username,
            role=role,
            password=password,
            sites=site or (),
        )
    typer.echo(f"created {username} ({role}){' at ' + ', '.join(site) if site else ''}")


@users_app.command("list")
def users_list() -> None:
    """Every account: username, role, sites, active."""
    from sqlalchemy import select

    from psotrial.db.models import User

    with open_database() as opened, opened.factory() as session:
        users = list(session.scalars(select(User).order_by(User.username)))
        rows = [
            (
                u.username,
                u.role,
                ", ".join(s.code for s in u.sites) or "all",
                "yes" if u.active else "no",
            )
            for u in users
        ]
    print_table("Users", ["username", "role", "sites", "active"], rows)


@sites_app.command("add")
def sites_add(
    code: Annotated[str, typer.Argument(help="Site code, e.g. GZ02.")],
    name: Annotated[str, typer.Argument(help="Site name.")],
    timezone: Annotated[str, typer.Option("--timezone", help="IANA time zone.")] = "Asia/Shanghai",
) -> None:
    """Add a site (a multi-site trial adds its centres this way)."""
    from psotrial.capture.sites import add_site
    from psotrial.db.engine import transaction

    with open_database() as opened, transaction(opened.factory) as session:
        add_site(session, actor=SYSTEM, code=code, name=name, timezone=timezone)
    typer.echo(f"added site {code} ({name}, {timezone})")


@sites_app.command("list")
def sites_list() -> None:
    """Every site: code, name, time zone."""
    from psotrial.capture.sites import list_sites

    with open_database() as opened, opened.factory() as session:
        rows = [(s.code, s.name, s.timezone) for s in list_sites(session)]
    print_table("Sites", ["code", "name", "timezone"], rows)
