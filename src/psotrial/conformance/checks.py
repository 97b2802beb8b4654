"""The rule tables and the two entry points, :func:`check_sdtm` and :func:`check_adam`. PURE.

Rule IDs are stable: SD0001.. for SDTM, AD0001.. for ADaM (docs/drafts/conformance.md
lists each with what it checks). Findings come out in rule order, then dataset order, then
row order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from psotrial.conformance import analysis as adam
from psotrial.conformance import codelists as ct
from psotrial.conformance import dates as dt
from psotrial.conformance import records as rec
from psotrial.conformance import variables as var
from psotrial.conformance import xport as xpt
from psotrial.conformance.findings import Context, Finding, Rule, Standard
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.terminology import Terminology

__all__ = ["ADAM_RULES", "SDTM_RULES", "check_adam", "check_sdtm", "run_rules"]

SDTM_RULES: tuple[Rule, ...] = (
    Rule("SD0001", "error", "Required variable missing", var.check_required_present),
    Rule("SD0002", "warning", "Expected variable missing", var.check_expected_present),
    Rule("SD0003", "error", "Required variable null", var.check_required_populated),
    Rule("SD0004", "error", "Variable type differs from the spec", var.check_variable_types),
    Rule("SD0005", "error", "Value longer than the spec's length", var.check_value_lengths),
    Rule("SD0006", "error", "Value not in a non-extensible codelist", ct.check_ct_non_extensible),
    Rule("SD0007", "warning", "Sponsor value in an extensible codelist", ct.check_ct_extensible),
    Rule("SD0008", "warning", "Codelist not in the vendored CT", ct.check_codelists_known),
    Rule("SD0009", "error", "--DTC not ISO 8601", dt.check_dtc_format),
    Rule("SD0010", "error", "--DY inconsistent with --DTC and RFSTDTC", dt.check_study_day),
    Rule("SD0011", "error", "Study day 0", dt.check_no_day_zero),
    Rule("SD0012", "error", "--STDTC after --ENDTC", dt.check_start_before_end),
    Rule("SD0013", "error", "--SEQ not unique per subject", rec.check_seq_unique),
    Rule("SD0014", "error", "EPOCH missing from a dataset", rec.check_epoch_present),
    Rule("SD0015", "warning", "EPOCH null on an observation record", rec.check_epoch_populated),
    Rule("SD0016", "error", "USUBJID not in DM", rec.check_subjects_in_dm),
    Rule("SD0017", "error", "XPT v5 name invalid", xpt.check_xpt_names),
    Rule("SD0018", "error", "XPT v5 label too long or not ASCII", xpt.check_xpt_labels),
    Rule("SD0019", "error", "Character value over 200 bytes", xpt.check_xpt_value_bytes),
    Rule("SD0020", "error", "Character value not ASCII", xpt.check_xpt_value_ascii),
    Rule("SD0021", "warning", "Dataset or variable not in the spec", var.check_undefined_variables),
    Rule("SD0022", "error", "Test code and name not one to one", rec.check_test_code_pairs),
)  # fmt: skip

ADAM_RULES: tuple[Rule, ...] = (
    Rule("AD0001", "error", "Required variable missing", var.check_required_present),
    Rule("AD0002", "warning", "Expected variable missing", var.check_expected_present),
    Rule("AD0003", "error", "Identifier variable null", var.check_required_populated),
    Rule("AD0004", "error", "Variable type differs from the spec", var.check_variable_types),
    Rule("AD0005", "error", "Value longer than the spec's length", var.check_value_lengths),
    Rule("AD0006", "error", "Value not in a non-extensible codelist", ct.check_ct_non_extensible),
    Rule("AD0007", "warning", "Sponsor value in an extensible codelist", ct.check_ct_extensible),
    Rule("AD0008", "warning", "Codelist not in the vendored CT", ct.check_codelists_known),
    Rule("AD0009", "error", "STUDYID or USUBJID missing", adam.check_adsl_keys_present),
    Rule("AD0010", "error", "USUBJID not in ADSL", adam.check_subjects_in_adsl),
    Rule("AD0011", "error", "Subject has two ADSL records", adam.check_adsl_one_per_subject),
    Rule("AD0012", "error", "More than one baseline record", adam.check_one_baseline),
    Rule("AD0013", "error", "BASE is not the baseline AVAL", adam.check_base),
    Rule("AD0014", "error", "CHG is not AVAL - BASE", adam.check_chg),
    Rule("AD0015", "error", "PCHG is not (AVAL - BASE) / BASE x 100", adam.check_pchg),
    Rule("AD0016", "error", "Two ANL01FL records in a visit", adam.check_anl01fl_unique),
    Rule("AD0017", "error", "CNSR not 0 or 1", adam.check_cnsr),
    Rule("AD0018", "error", "Study day 0", dt.check_no_day_zero),
    Rule("AD0019", "error", "XPT v5 name invalid", xpt.check_xpt_names),
    Rule("AD0020", "error", "XPT v5 label too long or not ASCII", xpt.check_xpt_labels),
    Rule("AD0021", "error", "Character value over 200 bytes", xpt.check_xpt_value_bytes),
    Rule("AD0022", "error", "Character value not ASCII", xpt.check_xpt_value_ascii),
    Rule("AD0023", "warning", "Dataset or variable not in the spec", var.check_undefined_variables),
    Rule("AD0024", "error", "PARAMCD and PARAM not one to one", rec.check_test_code_pairs),
)  # fmt: skip


def run_rules(
    rules: Sequence[Rule],
    frames: Mapping[str, pl.DataFrame],
    specs: Mapping[str, DatasetSpec],
    terminology: Terminology,
    standard: Standard,
) -> list[Finding]:
    """Run ``rules`` over ``frames`` (keys upper-cased) and return every finding."""
    context = Context({k.upper(): v for k, v in frames.items()}, specs, terminology, standard)
    return [finding for rule in rules for finding in rule.run(context)]


def check_sdtm(
    frames: Mapping[str, pl.DataFrame],
    specs: Mapping[str, DatasetSpec],
    terminology: Terminology,
) -> list[Finding]:
    """Every SDTM rule over the tabulation datasets (``{"DM": frame, ...}``).

    Example:
        >>> from psotrial.sdtm.terminology import Terminology
        >>> dm = pl.DataFrame({"STUDYID": ["S"], "DOMAIN": ["DM"], "USUBJID": ["S-01"],
        ...     "SUBJID": ["01"], "SITEID": ["01"], "SEX": ["F"], "COUNTRY": ["CHN"]})
        >>> ae = pl.DataFrame({"STUDYID": ["S"], "DOMAIN": ["AE"], "USUBJID": ["S-02"],
        ...     "AESEQ": [1], "AETERM": ["Fever"], "AEDECOD": ["Fever"], "EPOCH": ["TREATMENT"]})
        >>> [(f.rule_id, f.record) for f in check_sdtm({"DM": dm, "AE": ae}, {},
        ...      Terminology("none", ())) if f.severity == "error"]
        [('SD0016', 'row 1 (USUBJID=S-02, AESEQ=1)')]
    """
    return run_rules(SDTM_RULES, frames, specs, terminology, "SDTM")


def check_adam(
    frames: Mapping[str, pl.DataFrame],
    specs: Mapping[str, DatasetSpec],
    terminology: Terminology,
) -> list[Finding]:
    """Every ADaM rule over the analysis datasets (``{"ADSL": frame, "ADPASI": ...}``)."""
    return run_rules(ADAM_RULES, frames, specs, terminology, "ADaM")
