"""The dependency rule, checked by walking the imports (architecture.md).

PURE packages import only the standard library, pydantic, numpy/polars/scipy and other
PURE packages (plus the shared ``errors``, ``exact`` and ``types`` modules); never db, web,
cli or capture; and they never read the clock (``today``/``now`` are passed in).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "psotrial"
PURE = ("protocol", "instruments", "screening", "schedule", "sdtm", "adam", "stats", "simulate")
PURE += ("conformance",)
FORBIDDEN_INTERNAL = ("db", "web", "cli", "capture", "audit", "exchange", "reports")
# statsmodels and lifelines (with pandas, their input) are pure computation: the analysis
# issue names them for the mixed model and Kaplan-Meier.
ALLOWED_EXTERNAL = {
    "__future__", "pydantic", "numpy", "polars", "scipy", "yaml", "typing_extensions",
    "statsmodels", "lifelines", "pandas",
}  # fmt: skip
STDLIB_IO = {"sqlite3", "socket", "subprocess", "urllib", "http", "shutil", "tempfile"}
CLOCK_CALLS = {"today", "now", "utcnow", "time", "monotonic", "perf_counter"}


def pure_modules() -> list[Path]:
    return sorted(p for package in PURE for p in (SRC / package).rglob("*.py"))


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_pure_packages_exist() -> None:
    assert pure_modules(), "no pure modules found: is the layout right?"


@pytest.mark.parametrize("path", pure_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_pure_module_imports_only_allowed(path: Path) -> None:
    import sys

    for name in imported_modules(path):
        top, _, rest = name.partition(".")
        if top == "psotrial":
            inner = rest.partition(".")[0]
            assert inner not in FORBIDDEN_INTERNAL, f"{path.name} imports {name}"
            continue
        assert top not in STDLIB_IO, f"{path.name} imports {name} (I/O in a pure package)"
        assert top in sys.stdlib_module_names or top in ALLOWED_EXTERNAL, (
            f"{path.name} imports {name}, which a pure package may not"
        )


@pytest.mark.parametrize("path", pure_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_pure_module_reads_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in CLOCK_CALLS, (
                f"{path.name}:{node.lineno} calls .{node.func.attr}(): pass the date in"
            )
        if isinstance(node, ast.Name):
            assert node.id != "open", f"{path.name}:{node.lineno} opens a file"


def test_architecture_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    planted = tmp_path / "bad.py"
    planted.write_text("from psotrial.db import session\nimport sqlite3\n", encoding="utf-8")
    assert imported_modules(planted) == ["psotrial.db", "sqlite3"]
