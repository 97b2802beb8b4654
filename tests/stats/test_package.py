"""``psotrial.stats`` exports every public name lazily, and exactly the module's object."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import psotrial.stats as stats


def test_every_exported_name_is_its_modules_object() -> None:
    for name in stats.__all__:
        module = importlib.import_module(f"psotrial.stats.{stats._MODULES[name]}")
        assert getattr(stats, name) is getattr(module, name), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = stats.no_such_thing


def test_one_calculation_does_not_load_the_whole_analysis() -> None:
    # `psotrial design simon` and `analyze pasi` import one module each (issue 7: start-up).
    code = (
        "import sys, psotrial.stats.simon, psotrial.stats.responders\n"
        "print(sorted(m for m in ('statsmodels', 'lifelines', 'pydantic', 'scipy.stats') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
