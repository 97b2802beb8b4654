"""A planted error for every rule: each fires on a minimal literal study with one thing
wrong, on the dataset and variable it names, and every rule is silent on the clean study."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import polars as pl
import pytest

from psotrial.conformance import ADAM_RULES, SDTM_RULES, Finding, check_adam, check_sdtm
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.terminology import Terminology

Frames = dict[str, pl.DataFrame]
Specs = dict[str, DatasetSpec]
Study = tuple[Frames, Specs]
Plant = Callable[[Frames, Specs], None]


def set_cell(frames: Frames, dataset: str, column: str, row: int, value: object) -> None:
    frame = frames[dataset]
    values = frame[column].to_list()
    values[row] = value
    frames[dataset] = frame.with_columns(pl.Series(column, values, dtype=frame[column].dtype))


def drop(dataset: str, column: str) -> Plant:
    def plant(frames: Frames, specs: Specs) -> None:
        frames[dataset] = frames[dataset].drop(column)

    return plant


def cell(dataset: str, column: str, row: int, value: object) -> Plant:
    def plant(frames: Frames, specs: Specs) -> None:
        set_cell(frames, dataset, column, row, value)

    return plant


def column(dataset: str, series: pl.Series) -> Plant:
    def plant(frames: Frames, specs: Specs) -> None:
        frames[dataset] = frames[dataset].with_columns(series)

    return plant


def respec(dataset: str, variable: str | None, **changes: object) -> Plant:
    def plant(frames: Frames, specs: Specs) -> None:
        spec = specs[dataset]
        if variable is None:
            specs[dataset] = dataclasses.replace(spec, **changes)  # type: ignore[arg-type]
            return
        variables = tuple(
            dataclasses.replace(v, **changes) if v.name == variable else v  # type: ignore[arg-type]
            for v in spec.variables
        )
        specs[dataset] = dataclasses.replace(spec, variables=variables)

    return plant


def duplicate_row(dataset: str, row: int) -> Plant:
    def plant(frames: Frames, specs: Specs) -> None:
        frame = frames[dataset]
        frames[dataset] = pl.concat([frame, frame[row]])

    return plant


LONG = "A" * 201

# rule ID, plant, dataset and variable the finding must name
SDTM_PLANTS: list[tuple[str, Plant, str, str | None]] = [
    ("SD0001", drop("AE", "AETERM"), "AE", "AETERM"),
    ("SD0001", drop("DM", "COUNTRY"), "DM", "COUNTRY"),  # SDTMIG's list, also in the spec
    ("SD0002", drop("AE", "AESER"), "AE", "AESER"),
    ("SD0003", cell("AE", "AETERM", 1, None), "AE", "AETERM"),
    ("SD0003", cell("DM", "SITEID", 0, "  "), "DM", "SITEID"),
    ("SD0004", column("AE", pl.Series("AESEQ", ["1", "1"])), "AE", "AESEQ"),
    ("SD0004", column("AE", pl.Series("AESEQ", [1.0, 1.5])), "AE", "AESEQ"),
    ("SD0005", cell("AE", "AETERM", 0, "x" * 41), "AE", "AETERM"),
    ("SD0006", cell("DM", "SEX", 1, "X"), "DM", "SEX"),
    ("SD0006", cell("AE", "AESER", 0, "YES"), "AE", "AESER"),
    ("SD0007", cell("LB", "EPOCH", 2, "RUN-OUT"), "LB", "EPOCH"),
    ("SD0007", cell("LB", "LBTESTCD", 2, "ZZTEST"), "LB", "LBTESTCD"),
    ("SD0008", respec("LB", "LBSTRESU", codelist="NOSUCHCL"), "LB", "LBSTRESU"),
    ("SD0009", cell("AE", "AESTDTC", 0, "02/03/2026"), "AE", "AESTDTC"),
    ("SD0009", cell("AE", "AEENDTC", 1, "2026-02-30"), "AE", "AEENDTC"),
    ("SD0009", cell("LB", "LBDTC", 0, "2026-02-"), "LB", "LBDTC"),
    ("SD0010", cell("AE", "AESTDY", 0, 2), "AE", "AESTDY"),
    ("SD0010", cell("LB", "LBDTC", 2, "2026-03"), "LB", "LBDY"),  # partial date, DY kept
    ("SD0011", cell("AE", "AESTDY", 1, 0), "AE", "AESTDY"),
    ("SD0012", cell("AE", "AEENDTC", 0, "2026-03-01"), "AE", "AESTDTC"),
    ("SD0012", cell("AE", "AEENDTC", 0, "2026-03-02T09:00"), "AE", "AESTDTC"),
    ("SD0013", cell("LB", "LBSEQ", 2, 1), "LB", "LBSEQ"),
    ("SD0014", drop("AE", "EPOCH"), "AE", "EPOCH"),
    ("SD0015", cell("LB", "EPOCH", 0, None), "LB", "EPOCH"),
    ("SD0016", cell("LB", "USUBJID", 2, "NCT03745417-01-999"), "LB", "USUBJID"),
    ("SD0017", column("AE", pl.Series("AEVERYLONG", ["a", "b"])), "AE", "AEVERYLONG"),
    ("SD0017", column("AE", pl.Series("ae_low", ["a", "b"])), "AE", "ae_low"),
    ("SD0018", respec("AE", "AETERM", label="Reported Term for the Adverse Event (verbatim)"),
     "AE", "AETERM"),
    ("SD0018", respec("AE", None, label="Événements indésirables"), "AE", None),
    ("SD0019", cell("AE", "AEDECOD", 0, LONG), "AE", "AEDECOD"),
    ("SD0020", cell("AE", "AEDECOD", 0, "Fièvre"), "AE", "AEDECOD"),
    ("SD0021", column("AE", pl.Series("AEXTRA", ["a", "b"])), "AE", "AEXTRA"),
    ("SD0022", cell("LB", "LBTEST", 2, "Alanine Transaminase"), "LB", "LBTESTCD"),
    ("SD0022", cell("LB", "LBTEST", 2, "Calcium"), "LB", "LBTEST"),  # two codes, one name
    ("SD0022", cell("LB", "LBTEST", 1, "Albumin"), "LB", "LBTEST"),  # CA is not Albumin
]  # fmt: skip

ADAM_PLANTS: list[tuple[str, Plant, str, str | None]] = [
    ("AD0001", drop("ADSL", "TRT01P"), "ADSL", "TRT01P"),  # ADaMIG's list, not the spec's
    ("AD0001", drop("ADTTE", "CNSR"), "ADTTE", "CNSR"),
    ("AD0002", drop("ADPASI", "AVISITN"), "ADPASI", "AVISITN"),
    ("AD0003", cell("ADPASI", "PARAMCD", 2, None), "ADPASI", "PARAMCD"),
    ("AD0003", cell("ADSL", "USUBJID", 1, None), "ADSL", "USUBJID"),
    ("AD0004", column("ADPASI", pl.Series("AVAL", ["20", "5", "4.7", "0", "0"])), "ADPASI", "AVAL"),
    ("AD0005", cell("ADPASI", "PARAMCD", 0, "PASITOTAL"), "ADPASI", "PARAMCD"),
    ("AD0006", cell("ADSL", "SAFFL", 0, "YES"), "ADSL", "SAFFL"),
    ("AD0007", cell("ADPASI", "DTYPE", 4, "LAST VISIT"), "ADPASI", "DTYPE"),
    ("AD0008", respec("ADSL", "ARM", codelist="ARMCL"), "ADSL", "ARM"),
    ("AD0009", drop("ADTTE", "STUDYID"), "ADTTE", "STUDYID"),
    ("AD0010", cell("ADTTE", "USUBJID", 1, "NCT03745417-01-999"), "ADTTE", "USUBJID"),
    ("AD0011", duplicate_row("ADSL", 1), "ADSL", "USUBJID"),
    ("AD0012", cell("ADPASI", "ABLFL", 2, "Y"), "ADPASI", "ABLFL"),
    ("AD0013", cell("ADPASI", "BASE", 1, 21.0), "ADPASI", "BASE"),
    ("AD0014", cell("ADPASI", "CHG", 1, 15.0), "ADPASI", "CHG"),
    ("AD0014", cell("ADPASI", "BASE", 4, None), "ADPASI", "CHG"),  # CHG without a BASE
    ("AD0015", cell("ADPASI", "PCHG", 1, -74.9), "ADPASI", "PCHG"),
    ("AD0015", cell("ADPASI", "PCHG", 4, 0.0), "ADPASI", "PCHG"),  # BASE = 0: PCHG null
    ("AD0016", cell("ADPASI", "ANL01FL", 2, "Y"), "ADPASI", "ANL01FL"),
    ("AD0017", cell("ADTTE", "CNSR", 1, 2), "ADTTE", "CNSR"),
    ("AD0017", cell("ADTTE", "CNSR", 0, None), "ADTTE", "CNSR"),
    ("AD0018", cell("ADPASI", "ADY", 0, 0), "ADPASI", "ADY"),
    ("AD0019", column("ADSL", pl.Series("TRT01PLONG", ["a", "b"])), "ADSL", "TRT01PLONG"),
    ("AD0020", respec("ADSL", None, label="Subject-Level Analysis Dataset for the UC-MSC trial"),
     "ADSL", None),
    ("AD0021", cell("ADSL", "ARM", 0, LONG), "ADSL", "ARM"),
    ("AD0022", cell("ADSL", "ARM", 0, "UC-MSC ×5"), "ADSL", "ARM"),
    ("AD0023", column("ADSL", pl.Series("EXTRA", ["a", "b"])), "ADSL", "EXTRA"),
    ("AD0024", cell("ADPASI", "PARAM", 1, "PASI total"), "ADPASI", "PARAMCD"),
]  # fmt: skip


def names(findings: list[Finding], rule_id: str) -> set[tuple[str, str | None]]:
    return {(f.dataset, f.variable) for f in findings if f.rule_id == rule_id}


def test_check_sdtm_is_silent_on_the_clean_study(
    terminology: Terminology, sdtm_study: Study
) -> None:
    assert check_sdtm(*sdtm_study, terminology) == []


def test_check_adam_is_silent_on_the_clean_study(
    terminology: Terminology, adam_study: Study
) -> None:
    assert check_adam(*adam_study, terminology) == []


@pytest.mark.parametrize(("rule_id", "plant", "dataset", "variable"), SDTM_PLANTS)
def test_check_sdtm_finds_the_planted_error(
    terminology: Terminology,
    sdtm_study: Study,
    rule_id: str,
    plant: Plant,
    dataset: str,
    variable: str | None,
) -> None:
    frames, specs = sdtm_study
    plant(frames, specs)
    findings = check_sdtm(frames, specs, terminology)
    assert (dataset, variable) in names(findings, rule_id), findings


@pytest.mark.parametrize(("rule_id", "plant", "dataset", "variable"), ADAM_PLANTS)
def test_check_adam_finds_the_planted_error(
    terminology: Terminology,
    adam_study: Study,
    rule_id: str,
    plant: Plant,
    dataset: str,
    variable: str | None,
) -> None:
    frames, specs = adam_study
    plant(frames, specs)
    findings = check_adam(frames, specs, terminology)
    assert (dataset, variable) in names(findings, rule_id), findings


def test_every_rule_has_a_planted_error() -> None:
    assert {rule.rule_id for rule in SDTM_RULES} == {p[0] for p in SDTM_PLANTS}
    assert {rule.rule_id for rule in ADAM_RULES} == {p[0] for p in ADAM_PLANTS}


def test_check_adam_allows_null_required_non_identifiers(
    terminology: Terminology, adam_study: Study
) -> None:
    # ADaMIG 1.3: Req means included; a screen failure's ARM and TRT01P are null.
    frames, specs = adam_study
    cell("ADSL", "ARM", 1, None)(frames, specs)
    cell("ADSL", "TRT01P", 1, None)(frames, specs)
    assert check_adam(frames, specs, terminology) == []


def test_rule_ids_are_unique_and_numbered_in_order() -> None:
    for prefix, rules in (("SD", SDTM_RULES), ("AD", ADAM_RULES)):
        ids = [rule.rule_id for rule in rules]
        assert ids == [f"{prefix}{n:04d}" for n in range(1, len(rules) + 1)]


CORRUPTIONS: dict[str, Callable[[pl.Series], pl.Series]] = {
    "as text": lambda s: s.cast(pl.String),
    "all null": lambda s: pl.Series(s.name, [None] * len(s), dtype=pl.Null),
    "as float": lambda s: s.cast(pl.Float64, strict=False),
}


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_rules_never_raise_on_a_column_of_another_type(
    terminology: Terminology, sdtm_study: Study, adam_study: Study, corruption: str
) -> None:
    change = CORRUPTIONS[corruption]
    for (frames, specs), check in ((sdtm_study, check_sdtm), (adam_study, check_adam)):
        for dataset, frame in frames.items():
            for name in frame.columns:
                corrupted = {**frames, dataset: frame.with_columns(change(frame[name]))}
                check(corrupted, specs, terminology)  # no exception
