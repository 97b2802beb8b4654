"""The README documents every command, and opens with the two commands that do everything."""

from __future__ import annotations

from pathlib import Path

import typer

from psotrial.cli.main import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def command_paths(typer_app: typer.Typer, prefix: str = "psotrial") -> list[str]:
    paths = [f"{prefix} {command.name}" for command in typer_app.registered_commands]
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None
        paths += command_paths(group.typer_instance, f"{prefix} {group.name}")
    return paths


def test_readme_opens_with_make_run_and_make_test() -> None:
    opening = README.split("\n\n")[1]
    assert "make run" in opening
    assert "make test" in opening


def test_readme_documents_every_command() -> None:
    paths = command_paths(app)
    assert len(paths) >= 12
    undocumented = [path for path in paths if path not in README]
    assert undocumented == []
