"""Words that reach the pages as data, marked here so ``make i18n`` extracts them.

Visit and form names come from the built-in protocol files, bands and flags from the
instruments; the page translates them where it shows them (``{{ _(visit.name) }}``). A test
fails when a built-in protocol names a visit or form that is missing here, so a new
protocol file is translated before it is shown.
"""

from __future__ import annotations

from psotrial.web.i18n import N_

__all__ = ["VOCABULARY"]

VOCABULARY = (
    # Visits of the built-in protocols.
    N_("Screening"),
    N_("Week 0 (baseline, infusion 1)"),
    N_("Week 2 (infusion 2)"),
    N_("Week 4 (infusion 2)"),
    N_("Week 4 (infusion 3)"),
    N_("Week 6 (infusion 4)"),
    N_("Week 8 (infusion 3)"),
    N_("Week 8 (infusion 5)"),
    N_("Week 12 (end of treatment, primary endpoint)"),
    N_("Week 16 (follow-up)"),
    N_("Week 20 (follow-up)"),
    N_("Week 24 (end of follow-up)"),
    # Forms of the built-in protocols.
    N_("Adverse event"),
    N_("Body surface area (palm method)"),
    N_("Concomitant medication"),
    N_("Demographics"),
    N_("Dermatology Life Quality Index (DLQI)"),
    N_("Eligibility confirmation"),
    N_("End of study / disposition"),
    N_("Informed consent"),
    N_("Infusion record"),
    N_("Laboratory panel"),
    N_("Medical history"),
    N_("Pregnancy and lactation"),
    N_("Prior therapies (last use, for the washout rules)"),
    N_("Pruritus visual analogue scale"),
    N_("Psoriasis Area and Severity Index (PASI)"),
    N_("Psoriasis history"),
    N_("Vital signs and weight"),
    N_("Zung Self-rating Anxiety Scale (SAS)"),
    N_("Zung Self-rating Depression Scale (SDS)"),
    # DLQI bands (Hongbo 2005) and subscales; itch VAS bands (Reich 2012).
    N_("no effect"),
    N_("small effect"),
    N_("moderate effect"),
    N_("very large effect"),
    N_("extremely large effect"),
    N_("symptoms feelings"),
    N_("daily activities"),
    N_("leisure"),
    N_("work school"),
    N_("personal relationships"),
    N_("treatment"),
    N_("none"),
    N_("mild"),
    N_("moderate"),
    N_("severe"),
    N_("very severe"),
    # Reference-range flags and the washout reference dates of screening.
    N_("NORMAL"),
    N_("LOW"),
    N_("HIGH"),
    N_("planned first infusion"),
    N_("screening date"),
)
