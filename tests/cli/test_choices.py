"""The CLI's copies of defaults and choices equal their sources, and start-up stays light."""

from __future__ import annotations

import subprocess
import sys

from psotrial.capture.deidentify import DEFAULT_MAX_SHIFT_DAYS
from psotrial.capture.records import FORMATS
from psotrial.cli import _choices
from psotrial.exchange.datasets import DATASET_FORMATS
from psotrial.protocol import DEFAULT_PROTOCOL
from psotrial.simulate import DEFAULT_START, SCENARIOS

# What `psotrial --help` must not import: each costs a tenth of a second or more.
HEAVY = ("polars", "pandas", "numpy", "scipy", "sqlalchemy", "pydantic_settings", "xmlschema")


def test_copies_equal_their_sources() -> None:
    assert _choices.DEFAULT_PROTOCOL == DEFAULT_PROTOCOL
    assert tuple(SCENARIOS) == _choices.SCENARIO_NAMES
    assert _choices.DEFAULT_START == DEFAULT_START
    assert _choices.RECORD_FORMATS == FORMATS
    assert _choices.DATASET_FORMATS == DATASET_FORMATS
    assert _choices.DEFAULT_MAX_SHIFT_DAYS == DEFAULT_MAX_SHIFT_DAYS


def test_help_imports_no_heavy_library() -> None:
    # A fresh interpreter: this test process has imported everything already.
    script = (
        "import sys\n"
        "from psotrial.cli.main import main\n"
        "main(['--help'])\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "Commands" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"
