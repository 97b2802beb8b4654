"""Run the real CLI in-process: argv in, (exit status, stdout, stderr) out."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from psotrial.cli.main import main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    def run(*argv: str, stdin: Any = None) -> tuple[int, str, str]:
        if stdin is not None:
            text = stdin if isinstance(stdin, str) else json.dumps(stdin)
            monkeypatch.setattr("sys.stdin", io.StringIO(text))
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err

    return run
