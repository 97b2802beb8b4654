"""ADaM analysis datasets (ADaMIG 1.3) built from SDTM, admiral style. PURE.

``build_adam(sdtm, protocol, imputation=...)`` returns ADSL, ADPASI, ADQS, ADLB, ADAE and
ADTTE; ``ADAM_SPECS`` describes their variables. The derivations are small pure functions
named as in pharmaverse/admiral (``derive_var_base``, ``derive_vars_crit_flag``,
``derive_param_tte``...), each checking its input first and never sorting its output.
"""

from psotrial.adam.adae import build_adae
from psotrial.adam.adlb import build_adlb, build_lab_records
from psotrial.adam.adpasi import PASI_CRITERIA, PASI_SOURCES, build_adpasi, derive_vars_pasi_crit
from psotrial.adam.adqs import QS_CRITERIA, QS_SOURCES, build_adqs, derive_vars_qs_crit
from psotrial.adam.adsl import build_adsl, derive_vars_adsl_baseline, derive_vars_adsl_populations
from psotrial.adam.adtte import TTE_PARAMS, build_adtte
from psotrial.adam.baseline import derive_var_ablfl, derive_var_base, derive_var_extreme_flag
from psotrial.adam.build import IMPUTATIONS, Imputation, build_adam, conform_to_spec
from psotrial.adam.change import derive_var_chg, derive_var_pchg
from psotrial.adam.criteria import derive_vars_crit_flag
from psotrial.adam.dates import compute_dtc_date, derive_vars_dt, derive_vars_dy
from psotrial.adam.findings import (
    ParamSource,
    build_expected_visits,
    build_param_records,
    derive_bds_changes,
    derive_bds_core,
)
from psotrial.adam.imputation import derive_locf_records, derive_nri_records
from psotrial.adam.merge import derive_vars_merged
from psotrial.adam.occurrence import derive_var_trtemfl
from psotrial.adam.specs import (
    ADAE_SPEC,
    ADAM_SPECS,
    ADLB_SPEC,
    ADPASI_SPEC,
    ADQS_SPEC,
    ADSL_SPEC,
    ADTTE_SPEC,
)
from psotrial.adam.toxicity import LAB_TEST_ALIASES, derive_var_shift, derive_vars_atoxgr
from psotrial.adam.tte import CensorSource, EventSource, derive_param_tte
from psotrial.adam.windows import (
    AnalysisWindow,
    compute_analysis_windows,
    derive_var_anl01fl,
    derive_vars_avisit,
)

__all__ = [
    "ADAE_SPEC",
    "ADAM_SPECS",
    "ADLB_SPEC",
    "ADPASI_SPEC",
    "ADQS_SPEC",
    "ADSL_SPEC",
    "ADTTE_SPEC",
    "IMPUTATIONS",
    "LAB_TEST_ALIASES",
    "PASI_CRITERIA",
    "PASI_SOURCES",
    "QS_CRITERIA",
    "QS_SOURCES",
    "TTE_PARAMS",
    "AnalysisWindow",
    "CensorSource",
    "EventSource",
    "Imputation",
    "ParamSource",
    "build_adae",
    "build_adam",
    "build_adlb",
    "build_adpasi",
    "build_adqs",
    "build_adsl",
    "build_adtte",
    "build_expected_visits",
    "build_lab_records",
    "build_param_records",
    "compute_analysis_windows",
    "compute_dtc_date",
    "conform_to_spec",
    "derive_bds_changes",
    "derive_bds_core",
    "derive_locf_records",
    "derive_nri_records",
    "derive_param_tte",
    "derive_var_ablfl",
    "derive_var_anl01fl",
    "derive_var_base",
    "derive_var_chg",
    "derive_var_extreme_flag",
    "derive_var_pchg",
    "derive_var_shift",
    "derive_var_trtemfl",
    "derive_vars_adsl_baseline",
    "derive_vars_adsl_populations",
    "derive_vars_atoxgr",
    "derive_vars_avisit",
    "derive_vars_crit_flag",
    "derive_vars_dt",
    "derive_vars_dy",
    "derive_vars_merged",
    "derive_vars_pasi_crit",
    "derive_vars_qs_crit",
]
