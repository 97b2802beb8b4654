"""The command line: Typer commands, each calling pure code or a service; no logic here."""
