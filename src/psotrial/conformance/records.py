"""Record rules: ``--SEQ`` unique, EPOCH on subject observations, every subject in DM. PURE.

SDTMIG 3.4 section 4.1.9 (``--SEQ`` unique within a domain for each subject; TSSEQ within
each TSPARMCD), section 4.1.3.1 / CORE-000701 (EPOCH on subject-level Interventions, Events
and Findings records) and section 5.2 (DM holds one record for every subject in the study).
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from psotrial.conformance.findings import Context, Issue, issues_by_row, record_label

__all__ = [
    "EPOCH_EXEMPT",
    "OBSERVATION_CLASSES",
    "check_epoch_populated",
    "check_epoch_present",
    "check_seq_unique",
    "check_subjects_in_dm",
    "check_test_code_pairs",
]

OBSERVATION_CLASSES = ("INTERVENTIONS", "EVENTS", "FINDINGS")
_OBSERVATION_DOMAINS = ("AE", "CM", "DS", "EC", "EX", "FA", "IE", "LB", "QS", "RS", "VS")
# MH records describe events before the study, which no study epoch covers.
EPOCH_EXEMPT = ("MH",)


def check_seq_unique(context: Context) -> Iterator[Issue]:
    """``--SEQ`` is unique for each USUBJID (TSSEQ: for each TSPARMCD)."""
    for name, frame in context.frames.items():
        seq = f"{name[:2]}SEQ"
        if seq not in frame.columns:
            continue
        by = "USUBJID" if "USUBJID" in frame.columns else "TSPARMCD"
        if by not in frame.columns:
            continue
        duplicated = frame.select(pl.struct(by, seq).is_duplicated()).to_series()
        duplicated = duplicated & frame[seq].is_not_null()
        yield from issues_by_row(
            frame,
            duplicated,
            name,
            seq,
            f"{seq}={{value}} is not unique for this {by}",
        )


def _is_observation(context: Context, name: str) -> bool:
    if name[:2] in EPOCH_EXEMPT or name.startswith(("SUPP", "RELREC", "CO")):
        return False
    spec = context.specs.get(name)
    if spec is not None:
        dataset_class = spec.dataset_class.upper()
        return any(c in dataset_class for c in OBSERVATION_CLASSES)
    return name in _OBSERVATION_DOMAINS


def check_epoch_present(context: Context) -> Iterator[Issue]:
    """EPOCH is a variable of every subject-level Interventions, Events and Findings
    dataset (MH excepted)."""
    for name, frame in context.frames.items():
        if "USUBJID" not in frame.columns or not _is_observation(context, name):
            continue
        if "EPOCH" not in frame.columns:
            yield Issue(name, "EPOCH", None, "EPOCH is missing from a subject-level dataset")


def check_epoch_populated(context: Context) -> Iterator[Issue]:
    """EPOCH is populated on every record of those datasets (null is allowed only for an
    observation outside every element, such as a medication stopped before screening)."""
    for name, frame in context.frames.items():
        if "EPOCH" not in frame.columns or not _is_observation(context, name):
            continue
        rows = frame["EPOCH"].is_null().arg_true().to_list()
        if rows:
            # one finding per dataset: prior medications alone can be hundreds of records
            yield Issue(
                name,
                "EPOCH",
                record_label(frame, rows[0], name),
                f"EPOCH is null on {len(rows)} of {frame.height} records (first shown)",
            )


def check_subjects_in_dm(context: Context) -> Iterator[Issue]:
    """Every USUBJID of every dataset is a subject in DM (reported once per subject)."""
    dm = context.frames.get("DM")
    if dm is None or "USUBJID" not in dm.columns:
        if any("USUBJID" in f.columns for f in context.frames.values()):
            yield Issue("DM", "USUBJID", None, "DM is missing, so no subject can be traced")
        return
    known = set(dm["USUBJID"].drop_nulls().to_list())
    for name, frame in context.frames.items():
        if name == "DM" or "USUBJID" not in frame.columns:
            continue
        seen: set[str] = set()
        for row, subject in enumerate(frame["USUBJID"].to_list()):
            if subject is not None and subject not in known and subject not in seen:
                seen.add(subject)
                yield Issue(
                    name,
                    "USUBJID",
                    record_label(frame, row, name),
                    f"USUBJID {subject!r} is not in DM",
                )


def _one_to_one(frame: pl.DataFrame, name: str, code: str, text: str) -> Iterator[Issue]:
    if code not in frame.columns or text not in frame.columns:
        return
    pairs = frame.select(code, text).drop_nulls().unique(maintain_order=True)
    for left, right in ((code, text), (text, code)):
        counts = pairs.group_by(left, maintain_order=True).agg(pl.col(right))
        for key, values in counts.iter_rows():
            if len(values) > 1:
                shown = ", ".join(repr(v) for v in values)
                yield Issue(
                    name, left, None, f"{left}={key!r} goes with more than one {right}: {shown}"
                )


def check_test_code_pairs(context: Context) -> Iterator[Issue]:
    """``--TESTCD`` and ``--TEST``, VISITNUM and VISIT, PARAMCD and PARAM are one to one
    within a dataset (SDTMIG 3.4 sections 4.1.2.1 and 4.4.5; ADaMIG 1.3 section 3.3.2), and
    where both come from paired codelists (LBTESTCD/LBTEST, PASI02TC/PASI02TN) they name the
    same term (the same C-code)."""
    for name, frame in context.frames.items():
        prefix = name[:2]
        pairs = [(f"{prefix}TESTCD", f"{prefix}TEST"), ("VISITNUM", "VISIT"), ("PARAMCD", "PARAM")]
        for code, text in pairs:
            yield from _one_to_one(frame, name, code, text)
        yield from _ct_pair(context, name, frame, f"{prefix}TESTCD", f"{prefix}TEST")


def _ct_pair(
    context: Context, name: str, frame: pl.DataFrame, code: str, text: str
) -> Iterator[Issue]:
    spec = context.specs.get(name)
    if spec is None or code not in frame.columns or text not in frame.columns:
        return
    if code not in spec.variable_names or text not in spec.variable_names:
        return
    code_list, text_list = spec.variable(code).codelist, spec.variable(text).codelist
    codes = context.terminology.get(code_list) if code_list else None
    texts = context.terminology.get(text_list) if text_list else None
    if codes is None or texts is None:
        return
    pairs = frame.select(code, text).drop_nulls().unique(maintain_order=True)
    for value, label in pairs.iter_rows():
        code_term, text_term = codes.term(value), texts.term(label)
        if code_term and text_term and code_term.code != text_term.code:
            yield Issue(
                name,
                text,
                None,
                f"{code}={value!r} is {code_term.code} in {codes.short_name} but "
                f"{text}={label!r} is {text_term.code} in {texts.short_name}",
            )
