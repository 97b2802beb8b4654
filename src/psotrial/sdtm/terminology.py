"""CDISC controlled terminology as a pure model: codelists, terms, membership. PURE.

The data is the vendored subset of NCI EVS CDISC SDTM CT 2025-03-28 (plus the ADaM
codelists DTYPE, PARAMTYP, DATEFL, TIMEFL), in ``psotrial/data/cdisc-ct-2025-03-28.json``;
reading that file is :func:`psotrial.exchange.terminology.load_terminology`'s job, and this
module only parses what it is given (:func:`parse_terminology`).

Membership honours extensibility (CDISC CT user guide; SDTMIG 3.4 section 4.3): a value of a
non-extensible codelist must be one of its submission values; an extensible codelist also
accepts a sponsor value, which Define-XML then marks ``def:ExtendedValue="Yes"``. Matching
is exact and case-sensitive, as submission values are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from psotrial.errors import ConfigError, NotFoundError

__all__ = ["Codelist", "Membership", "Term", "Terminology", "parse_terminology"]

Membership = Literal["term", "extension", "invalid"]


@dataclass(frozen=True, slots=True)
class Term:
    """One term: its NCI C-code, CDISC submission value and CDISC synonyms."""

    code: str
    value: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Codelist:
    """A codelist: C-code, short name (``NY``), name, extensibility and its terms.

    ``complete`` is False when only the study's terms of a large extensible codelist were
    vendored (LBTESTCD, LOC); a value outside them then counts as a sponsor extension.
    """

    code: str
    short_name: str
    name: str
    extensible: bool
    terms: tuple[Term, ...]
    standard: str = "SDTM"
    complete: bool = True
    _by_value: dict[str, Term] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_value", {term.value: term for term in self.terms})

    @property
    def values(self) -> tuple[str, ...]:
        """The submission values, in file order."""
        return tuple(term.value for term in self.terms)

    def term(self, value: str) -> Term | None:
        """The term whose submission value is ``value`` exactly, or None."""
        return self._by_value.get(value)

    def classify(self, value: str) -> Membership:
        """``term`` for a submission value; ``extension`` for another value of an
        extensible codelist; ``invalid`` for another value of a non-extensible one.

        Example:
            >>> ny = Codelist("C66742", "NY", "No Yes Response", False, (Term("C49488", "Y"),))
            >>> ny.classify("Y"), ny.classify("YES")
            ('term', 'invalid')
        """
        if value in self._by_value:
            return "term"
        return "extension" if self.extensible else "invalid"

    def is_member(self, value: str) -> bool:
        """True when ``value`` may be submitted under this codelist (extensibility honoured)."""
        return self.classify(value) != "invalid"


@dataclass(frozen=True, slots=True)
class Terminology:
    """A set of codelists, looked up by C-code (``C66742``) or short name (``NY``)."""

    version: str
    codelists: tuple[Codelist, ...]
    source: str = ""
    _index: dict[str, Codelist] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Codelist] = {}
        for codelist in self.codelists:
            for key in (codelist.code, codelist.short_name):
                if key in index and index[key] is not codelist:
                    raise ConfigError(
                        f"terminology {self.version}: {key!r} names two codelists "
                        f"({index[key].code} and {codelist.code})"
                    )
                index[key] = codelist
        object.__setattr__(self, "_index", index)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def get(self, key: str) -> Codelist | None:
        """The codelist with C-code or short name ``key``, or None."""
        return self._index.get(key)

    def codelist(self, key: str) -> Codelist:
        """The codelist with C-code or short name ``key``.

        Raises:
            NotFoundError: no such codelist; the message lists the short names there are.
        """
        found = self._index.get(key)
        if found is None:
            raise NotFoundError("codelist", key, (c.short_name for c in self.codelists))
        return found

    def is_member(self, key: str, value: str) -> bool:
        """True when ``value`` may be submitted under codelist ``key`` (extensibility
        honoured).

        Raises:
            NotFoundError: no such codelist.

        Example:
            >>> ct = Terminology("demo", (Codelist("C66731", "SEX", "Sex", False,
            ...     (Term("C16576", "F"), Term("C20197", "M"))),))
            >>> ct.is_member("SEX", "F"), ct.is_member("C66731", "X")
            (True, False)
        """
        return self.codelist(key).is_member(value)


def parse_terminology(data: Mapping[str, Any] | str) -> Terminology:
    """Build a :class:`Terminology` from the vendored JSON (text or the parsed dict).

    Each codelist needs ``code``, ``short_name``, ``name``, ``extensible`` and ``terms``
    (each term ``[code, submission value, [synonyms]]``); ``standard`` and ``complete``
    are optional.

    Raises:
        ConfigError: the document is not JSON or lacks a field; the message says where.

    Example:
        >>> ct = parse_terminology('{"version": "2025-03-28", "codelists": [{"code": "C66781",'
        ...     ' "short_name": "AGEU", "name": "Age Unit", "extensible": false,'
        ...     ' "terms": [["C29848", "YEARS", ["Years"]]]}]}')
        >>> ct.codelist("AGEU").term("YEARS")
        Term(code='C29848', value='YEARS', synonyms=('Years',))
    """
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"terminology is not valid JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise ConfigError("terminology: expected a JSON object with 'version' and 'codelists'")
    version = _field(data, "version", str, "terminology")
    raw_codelists = _field(data, "codelists", list, "terminology")
    codelists = tuple(
        _parse_codelist(raw, f"codelists[{i}]") for i, raw in enumerate(raw_codelists)
    )
    return Terminology(version, codelists, str(data.get("source", "")))


def _parse_codelist(raw: Any, where: str) -> Codelist:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"terminology: {where}: expected an object")
    code = _field(raw, "code", str, where)
    short_name = _field(raw, "short_name", str, where)
    name = _field(raw, "name", str, where)
    extensible = _field(raw, "extensible", bool, where)
    terms = _field(raw, "terms", list, where)
    return Codelist(
        code=code,
        short_name=short_name,
        name=name,
        extensible=extensible,
        terms=tuple(_parse_term(t, f"{where}.terms[{j}]") for j, t in enumerate(terms)),
        standard=str(raw.get("standard", "SDTM")),
        complete=bool(raw.get("complete", True)),
    )


def _parse_term(raw: Any, where: str) -> Term:
    if (
        not isinstance(raw, list)
        or len(raw) != 3
        or not all(isinstance(x, str) for x in raw[:2])
        or not isinstance(raw[2], list)
    ):
        raise ConfigError(f"terminology: {where}: expected [code, submission value, [synonyms]]")
    return Term(raw[0], raw[1], tuple(str(s) for s in _strings(raw[2])))


def _strings(values: Iterable[Any]) -> Iterable[str]:
    return (v for v in values if isinstance(v, str))


def _field(raw: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = raw.get(key)
    if not isinstance(value, kind):
        raise ConfigError(f"terminology: {where}: {key!r} must be a {kind.__name__}")
    return value
