"""The one exception tree of psotrial.

Every error a user can meet is a subclass of :class:`PsotrialError`, and its message
names the offending input and, where there is a closed set, the valid choices::

    PsotrialError
    ├── ConfigError
    ├── ProtocolError                  a protocol file is malformed (file, path, expected)
    ├── NotFoundError                  a named thing (protocol, visit, form, test) does not exist
    ├── ConflictError                  a save based on a stale version; nothing was written
    ├── LockedError                    the data is locked; a data manager can unlock it
    ├── StateError                     an illegal transition; names both states
    ├── PermissionDenied
    │   └── NotAuthenticated           no valid login (expired, logged out, bad token)
    ├── DataEntryError                 input that cannot be accepted as it is
    │   ├── FieldError(field, msg)     one field is wrong; ``field`` is a dotted path
    │   └── FieldErrors(errors)        several fields are wrong, each a FieldError
    ├── ScoringError                   an instrument cannot score malformed responses
    │   ├── IncompleteResponsesError
    │   └── ResponseOutOfRangeError
    ├── DerivationError
    │   ├── MissingVariablesError(vars)
    │   └── DuplicateRecordsError(by_vars)
    └── ExportError                    a dataset breaks a file format's limits; nothing written

A missing-data rule is not an error: instruments return "not scored" with a reason.
Messages show a bad input with :func:`shown`, which keeps it short and never fails.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable, Sequence

__all__ = [
    "ConfigError",
    "ConflictError",
    "DataEntryError",
    "DerivationError",
    "DuplicateRecordsError",
    "ExportError",
    "FieldError",
    "FieldErrors",
    "IncompleteResponsesError",
    "LockedError",
    "MissingVariablesError",
    "NotAuthenticated",
    "NotFoundError",
    "PermissionDenied",
    "ProtocolError",
    "PsotrialError",
    "ResponseOutOfRangeError",
    "ScoringError",
    "StateError",
    "shown",
]

_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 60
_SHOWN.maxlevel = 3


def shown(value: object) -> str:
    """A bad input as an error message shows it: its repr, cut short.

    Hostile input must not break the refusal: a 1 MB text, a 3,000-level nested object or
    a 5,000-digit integer (whose repr Python refuses) each become a short, safe string.

    Example:
        >>> shown("abc")
        "'abc'"
        >>> shown({"x": {"x": {"x": {"x": 1}}}})
        "{'x': {'x': {...}}}"
        >>> shown(10**5000)
        'an integer of more than 4,000 digits'
    """
    try:
        return _SHOWN.repr(value)
    except ValueError:  # int -> str beyond sys.get_int_max_str_digits()
        return "an integer of more than 4,000 digits"


class PsotrialError(Exception):
    """Base of every psotrial error."""


class ConfigError(PsotrialError):
    """The configuration (environment, settings) is invalid."""


class ProtocolError(PsotrialError):
    """A protocol definition is malformed.

    ``problems`` holds every problem found, each as ``(path, message)``, so a validator
    can report them all at once.
    """

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [
            f"{source}: {path}: {msg}" if path else f"{source}: {msg}" for path, msg in problems
        ]
        super().__init__("\n".join(lines) if lines else f"{source}: invalid protocol")


class NotFoundError(PsotrialError):
    """A named thing does not exist; the message lists what does."""

    def __init__(self, kind: str, name: str, choices: Iterable[str] = ()) -> None:
        self.kind = kind
        self.name = name
        self.choices = sorted(choices)
        msg = f"unknown {kind} {name!r}"
        if self.choices:
            msg += f"; expected one of: {', '.join(self.choices)}"
        super().__init__(msg)


class ConflictError(PsotrialError):
    """A save was based on a version that is no longer current; nothing was written."""


class LockedError(PsotrialError):
    """The form, participant or database is locked."""


class StateError(PsotrialError):
    """A transition that the lifecycle does not allow; the message names both states."""


class PermissionDenied(PsotrialError):
    """The acting user may not do this."""


class NotAuthenticated(PermissionDenied):
    """No valid login: none given, expired, revoked, or a token that does not verify."""


class DataEntryError(PsotrialError):
    """Input that cannot be accepted as it is."""


class FieldError(DataEntryError):
    """One field of an input is wrong; ``field`` is its dotted path."""

    def __init__(self, field: str, msg: str) -> None:
        self.field = field
        self.msg = msg
        super().__init__(f"{field}: {msg}")


class FieldErrors(DataEntryError):
    """Several fields are wrong at once; ``errors`` lists each, one line per field."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


class ScoringError(PsotrialError):
    """An instrument was given responses it cannot score (malformed, not merely missing)."""

    def __init__(self, field: str, msg: str) -> None:
        self.field = field
        self.msg = msg
        super().__init__(f"{field}: {msg}")


class IncompleteResponsesError(ScoringError):
    """A response that the instrument requires is absent."""


class ResponseOutOfRangeError(ScoringError):
    """A response is of the wrong type or outside the allowed values."""


class DerivationError(PsotrialError):
    """A dataset derivation cannot be carried out on its input."""


class ExportError(PsotrialError):
    """A dataset or its metadata breaks the limits of the file format it is written in
    (SAS XPORT v5: names, labels, value lengths, ASCII); nothing was written."""


class MissingVariablesError(DerivationError):
    """Input dataset lacks required variables."""

    def __init__(self, variables: Sequence[str]) -> None:
        self.variables = list(variables)
        super().__init__(f"required variables missing: {', '.join(self.variables)}")


class DuplicateRecordsError(DerivationError):
    """More than one record where the by-variables should identify one."""

    def __init__(self, by_vars: Sequence[str]) -> None:
        self.by_vars = list(by_vars)
        super().__init__(f"duplicate records by {', '.join(self.by_vars)}")
