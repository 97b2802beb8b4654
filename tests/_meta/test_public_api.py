"""Each package's ``__all__`` names only what exists (ruff RUF022 keeps it sorted)."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "psotrial",
    "psotrial.errors",
    "psotrial.exact",
    "psotrial.protocol",
    "psotrial.instruments",
    "psotrial.screening",
    "psotrial.schedule",
    "psotrial.simulate",
    "psotrial.audit",
    "psotrial.casebook",
    "psotrial.settings",
    "psotrial.sdtm",
    "psotrial.adam",
    "psotrial.conformance",
    "psotrial.exchange",
    "psotrial.web",
    "psotrial.stats",
    "psotrial.reports",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_resolves(name: str) -> None:
    module = importlib.import_module(name)
    for attribute in module.__all__:
        assert hasattr(module, attribute), f"{name}.__all__ names missing {attribute}"
