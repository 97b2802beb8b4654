"""Load a protocol by name (built-in) or path, reporting every problem at once."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from psotrial.errors import NotFoundError, ProtocolError
from psotrial.protocol.checks import check_protocol
from psotrial.protocol.model import Protocol

__all__ = ["DEFAULT_PROTOCOL", "list_protocols", "load_protocol", "parse_protocol"]

DEFAULT_PROTOCOL = "nct03745417"


def list_protocols() -> list[str]:
    """Names of the built-in protocols (package data ``psotrial/protocols/*.yaml``)."""
    folder = resources.files("psotrial") / "protocols"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_protocol(name_or_path: str | Path = DEFAULT_PROTOCOL) -> Protocol:
    """Load a built-in protocol by name (``nct03745417``) or a protocol file by path.

    Raises:
        NotFoundError: neither a built-in name nor an existing file.
        ProtocolError: the file is malformed; every problem is listed with its path.
    """
    text, source = _read(name_or_path)
    return parse_protocol(text, source=source)


def parse_protocol(text: str, *, source: str) -> Protocol:
    """Parse and validate protocol YAML; ``source`` names it in errors.

    A document may start from another with ``extends: NAME`` (a built-in protocol): each
    top-level section it gives replaces the base's section whole.
    """
    document = _resolve(_parse_yaml(text, source), source, seen=(source,))
    try:
        protocol = Protocol.model_validate(document)
    except ValidationError as exc:
        raise ProtocolError(source, _describe_all(exc)) from None
    problems = check_protocol(protocol)
    if problems:
        raise ProtocolError(source, problems)
    return protocol


def _read(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise NotFoundError("protocol file", str(path))
        return path.read_text(encoding="utf-8"), str(path)
    name = str(name_or_path).lower()
    if name not in list_protocols():
        raise NotFoundError("protocol", str(name_or_path), list_protocols())
    text = (resources.files("psotrial") / "protocols" / f"{name}.yaml").read_text("utf-8")
    return text, f"{name}.yaml"


def _parse_yaml(text: str, source: str) -> dict[str, Any]:
    try:
        # libyaml's loader when built in: the same safe YAML, ~15x faster to parse, which a
        # server restart after a crash waits for (tests/reliability/test_crash.py).
        document: Any = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ProtocolError(source, [(where, f"not valid YAML: {exc}")]) from None
    if not isinstance(document, dict):
        raise ProtocolError(source, [("", "expected a mapping at the top level")])
    return document


def _resolve(document: dict[str, Any], source: str, seen: tuple[str, ...]) -> dict[str, Any]:
    base_name = document.get("extends")
    if base_name is None:
        return document
    if not isinstance(base_name, str) or base_name.lower() not in list_protocols():
        choices = ", ".join(list_protocols())
        raise ProtocolError(
            source, [("extends", f"expected a built-in protocol ({choices}), got {base_name!r}")]
        )
    text, base_source = _read(base_name)
    if base_source in seen:
        raise ProtocolError(source, [("extends", f"circular: {' -> '.join(seen)}")])
    base = _resolve(_parse_yaml(text, base_source), base_source, (*seen, base_source))
    return {**base, **{key: value for key, value in document.items() if key != "extends"}}


_TAGS = ("all", "any", "not", "in", "within", "compare")


def _describe(error: Any) -> tuple[str, str]:
    """Turn one pydantic error into ``(path, message)`` with a readable path."""
    path = ""
    previous: list[object] = []
    for part in error["loc"]:
        # A rule union adds its discriminator tag after the field holding the union.
        holds_rule = previous[-1:] in (["rule"], ["not"]) or (
            len(previous) >= 2 and isinstance(previous[-1], int) and previous[-2] in ("all", "any")
        )
        previous.append(part)
        if part in _TAGS and holds_rule:
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    if error["type"] == "missing":
        return path, "required field is missing"
    if error["type"] == "extra_forbidden":
        return path, "unexpected field"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error["input"]
    if isinstance(value, str | int | float | bool) or value is None:
        shown = repr(value)
        message += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return path, message


def _describe_all(exc: ValidationError) -> list[tuple[str, str]]:
    """Every problem once: a list is not also "too short" because its items failed."""
    described = [(error, _describe(error)) for error in exc.errors()]
    paths = [path for _, (path, _) in described]
    return [
        problem
        for error, problem in described
        if not (
            error["type"] == "too_short"
            and any(other != problem[0] and other.startswith(problem[0]) for other in paths)
        )
    ]
