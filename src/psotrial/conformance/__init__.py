"""Our own CDISC conformance rules for SDTM and ADaM datasets. PURE.

CDISC CORE has no ADaM rules and almost no controlled-terminology checks, and needs
Python 3.12 (docs/cdisc.md section 6), so psotrial checks its datasets itself: small rule
functions over polars frames, the dataset specs and the vendored terminology, each with a
stable ID (SD0001.., AD0001..) and a severity. ``psotrial check sdtm|adam DIR`` runs them.
"""

from __future__ import annotations

from psotrial.conformance.checks import ADAM_RULES, SDTM_RULES, check_adam, check_sdtm, run_rules
from psotrial.conformance.findings import Context, Finding, Issue, Rule, Severity

__all__ = [
    "ADAM_RULES",
    "SDTM_RULES",
    "Context",
    "Finding",
    "Issue",
    "Rule",
    "Severity",
    "check_adam",
    "check_sdtm",
    "run_rules",
]
