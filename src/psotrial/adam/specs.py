"""ADaM dataset metadata (ADaMIG 1.3): variables in order, labels, types and methods.

One source of truth for ``build_adam`` (which selects and orders columns by it), the XPT
writer, Define-XML (computational methods from ``Variable.method``) and the conformance
checks. Names are <= 8 characters and labels <= 40 (XPT v5; cdisc.md §3.1).
"""

from __future__ import annotations

from psotrial.sdtm.metadata import Core, DatasetSpec, DataType, Variable

__all__ = [
    "ADAE_SPEC",
    "ADAM_SPECS",
    "ADLB_SPEC",
    "ADPASI_SPEC",
    "ADQS_SPEC",
    "ADSL_SPEC",
    "ADTTE_SPEC",
]


def _v(
    name: str,
    label: str,
    type: DataType = "text",
    *,
    length: int | None = None,
    core: Core = "Perm",
    codelist: str | None = None,
    source: str | None = None,
    method: str | None = None,
    origin: str | None = None,
) -> Variable:
    if origin is None:
        origin = "Derived" if method else ("Predecessor" if source else "Assigned")
    if type == "text" and length is None:
        length = 200
    return Variable(
        name, label, type, core, length if type == "text" else 8, codelist, origin, source, method
    )


def _copy(
    name: str,
    label: str,
    source: str,
    type: DataType = "text",
    length: int | None = None,
    core: Core = "Perm",
    codelist: str | None = None,
) -> Variable:
    return _v(name, label, type, length=length, core=core, codelist=codelist, source=source)


_YN = "NY"
_STUDYID = _copy("STUDYID", "Study Identifier", "DM.STUDYID", length=20, core="Req")
_USUBJID = _copy("USUBJID", "Unique Subject Identifier", "DM.USUBJID", length=40, core="Req")

# ADSL variables carried into every other dataset (ADaMIG: identifiers and flags).
_FROM_ADSL = (
    _copy("SITEID", "Study Site Identifier", "ADSL.SITEID", length=8),
    _copy("TRT01P", "Planned Treatment for Period 01", "ADSL.TRT01P", length=200),
    _copy("TRT01A", "Actual Treatment for Period 01", "ADSL.TRT01A", length=200),
    _copy("TRTSDT", "Date of First Exposure to Treatment", "ADSL.TRTSDT", "date"),
    _copy("TRTEDT", "Date of Last Exposure to Treatment", "ADSL.TRTEDT", "date"),
    _copy("SAFFL", "Safety Population Flag", "ADSL.SAFFL", length=1, codelist=_YN),
    _copy("FASFL", "Full Analysis Set Population Flag", "ADSL.FASFL", length=1, codelist=_YN),
    _copy("PPROTFL", "Per-Protocol Population Flag", "ADSL.PPROTFL", length=1, codelist=_YN),
)

ADSL_SPEC = DatasetSpec(
    "ADSL",
    "Subject-Level Analysis Dataset",
    "SUBJECT LEVEL ANALYSIS DATASET",
    "One record per subject",
    ("STUDYID", "USUBJID"),
    (
        _STUDYID,
        _USUBJID,
        _copy("SUBJID", "Subject Identifier for the Study", "DM.SUBJID", length=20, core="Req"),
        _copy("SITEID", "Study Site Identifier", "DM.SITEID", length=8, core="Req"),
        _copy("COUNTRY", "Country", "DM.COUNTRY", length=3, codelist="COUNTRY"),
        _copy("AGE", "Age", "DM.AGE", "integer", core="Req"),
        _copy("AGEU", "Age Units", "DM.AGEU", length=5, core="Req", codelist="AGEU"),
        _copy("SEX", "Sex", "DM.SEX", length=1, core="Req", codelist="SEX"),
        _copy("RACE", "Race", "DM.RACE", length=40, core="Req", codelist="RACE"),
        _copy("ETHNIC", "Ethnicity", "DM.ETHNIC", length=40, codelist="ETHNIC"),
        _copy("ARMCD", "Planned Arm Code", "DM.ARMCD", length=20),
        _copy("ARM", "Description of Planned Arm", "DM.ARM", length=200, core="Req"),
        _copy("ACTARMCD", "Actual Arm Code", "DM.ACTARMCD", length=20),
        _copy("ACTARM", "Description of Actual Arm", "DM.ACTARM", length=200),
        _copy("ARMNRS", "Reason Arm and/or Actual Arm is Null", "DM.ARMNRS", length=40),
        _v(
            "TRT01P",
            "Planned Treatment for Period 01",
            length=200,
            core="Req",
            source="DM.ARM",
            method="DM.ARM",
        ),
        _v(
            "TRT01A",
            "Actual Treatment for Period 01",
            length=200,
            core="Cond",
            source="DM.ACTARM",
            method="DM.ACTARM",
        ),
        _v(
            "RFICDT",
            "Date of Informed Consent",
            "date",
            source="DM.RFICDTC",
            method="Date part of DM.RFICDTC",
        ),
        _v(
            "TRTSDT",
            "Date of First Exposure to Treatment",
            "date",
            core="Cond",
            source="EX.EXSTDTC",
            method="Earliest complete EXSTDTC date of an EX record with EXDOSE > 0 or missing",
        ),
        _v(
            "TRTEDT",
            "Date of Last Exposure to Treatment",
            "date",
            core="Cond",
            source="EX.EXSTDTC",
            method=(
                "Latest complete EXSTDTC date of an EX record with EXDOSE > 0 or missing (single "
                "administrations)"
            ),
        ),
        _v("TRTDURD", "Total Treatment Duration (Days)", "integer", method="TRTEDT - TRTSDT + 1"),
        _v(
            "NINFUS",
            "Number of Infusions Received",
            "integer",
            source="EX",
            method="Count of EX records with a complete EXSTDTC and EXDOSE > 0 or missing",
        ),
        _v(
            "CUMDOSE",
            "Cumulative Dose (10^6 cells/kg)",
            "float",
            source="EX.EXDOSE",
            method="Sum of EXDOSE over the infusions counted in NINFUS, rounded to 3 decimals",
        ),
        _v(
            "NDOSDEV",
            "Number of Infusions Off Planned Dose",
            "integer",
            source="SUPPEX.PLANCELL, SUPPEX.ACTCELL",
            method=(
                "Count of infusions with 10 x |ACTCELL - PLANCELL| > PLANCELL (a deviation over "
                "10%); 0 for treated participants without one, null for the untreated"
            ),
        ),
        _v(
            "SCRNFL",
            "Screened Population Flag",
            length=1,
            codelist=_YN,
            method="Y for every DM record (DM holds every consented, screened candidate)",
        ),
        _v(
            "ENRLFL",
            "Enrolled Population Flag",
            length=1,
            codelist=_YN,
            method="Y if DM.ARMCD is not null (assigned to an arm), else N",
        ),
        _v(
            "SAFFL",
            "Safety Population Flag",
            length=1,
            core="Cond",
            codelist=_YN,
            method="Y if TRTSDT is not null (at least one infusion), else N",
        ),
        _v(
            "FASFL",
            "Full Analysis Set Population Flag",
            length=1,
            core="Cond",
            codelist=_YN,
            method="Y if ENRLFL = Y, SAFFL = Y and an ADPASI PASITOT record has ABLFL = Y, else N",
        ),
        _v(
            "PPROTFL",
            "Per-Protocol Population Flag",
            length=1,
            core="Cond",
            codelist=_YN,
            method=(
                "Y if FASFL = Y, NINFUS >= the planned infusions of the arm, and an observed "
                "in-window PASITOT analysis record exists at every visit of the primary outcome "
                "(WEEK 12), else N"
            ),
        ),
        _v(
            "EOSSTT",
            "End of Study Status",
            length=12,
            method=(
                "COMPLETED if the DS disposition event DSDECOD = COMPLETED; null for SCREEN "
                "FAILURE; DISCONTINUED for any other disposition event; ONGOING without one"
            ),
        ),
        _v(
            "EOSDT",
            "End of Study Date",
            "date",
            source="DS.DSSTDTC",
            method="Date part of DSSTDTC of the last DS record with DSCAT = DISPOSITION EVENT",
        ),
        _v(
            "DCSREAS",
            "Reason for Discontinuation from Study",
            length=40,
            source="DS.DSDECOD",
            method="DSDECOD of the disposition event when EOSSTT = DISCONTINUED",
        ),
        _v(
            "DCSREASP",
            "Reason Spec for Discont from Study",
            length=200,
            source="DS.DSTERM",
            method="DSTERM when DCSREAS = OTHER",
        ),
        _copy("DTHFL", "Subject Death Flag", "DM.DTHFL", length=1, codelist=_YN),
        _v(
            "LSTALVDT",
            "Date Last Known Alive",
            "date",
            method=(
                "Latest complete date of the subject in SV, EX, DS, RS, QS, FA, LB, VS and AE "
                "(start and end)"
            ),
        ),
        _v(
            "HEIGHTBL",
            "Baseline Height (cm)",
            "float",
            source="VS.VSSTRESN",
            method="Last VS HEIGHT result on or before TRTSDT (any date if not treated)",
        ),
        _v(
            "WEIGHTBL",
            "Baseline Weight (kg)",
            "float",
            source="VS.VSSTRESN",
            method="Last VS WEIGHT result on or before TRTSDT (any date if not treated)",
        ),
        _v(
            "BMIBL",
            "Baseline Body Mass Index (kg/m2)",
            "float",
            method="WEIGHTBL / (HEIGHTBL/100)**2, exact, rounded half-up to 0.1",
        ),
        _v(
            "PASIBL",
            "Baseline PASI Total Score",
            "float",
            source="ADPASI.AVAL",
            method="AVAL of the ADPASI PASITOT record with ABLFL = Y",
        ),
        _v(
            "BSABL",
            "Baseline Percent BSA Affected",
            "float",
            source="ADQS.AVAL",
            method="AVAL of the ADQS BSA record with ABLFL = Y",
        ),
        _v(
            "DLQIBL",
            "Baseline DLQI Total Score",
            "float",
            source="ADQS.AVAL",
            method="AVAL of the ADQS DLQITOT record with ABLFL = Y",
        ),
        _v(
            "ITCHBL",
            "Baseline Pruritus VAS (mm)",
            "float",
            source="ADQS.AVAL",
            method="AVAL of the ADQS ITCHVAS record with ABLFL = Y",
        ),
    ),
)


def _bds_head(domain_source: str) -> tuple[Variable, ...]:
    return (
        _STUDYID,
        _USUBJID,
        *_FROM_ADSL,
        _v(
            "ASEQ",
            "Analysis Sequence Number",
            "integer",
            method=(
                "Row number within USUBJID after sorting by PARAMN, PARAMCD, AVISITN, ADT, SRCSEQ,"
                " DTYPE"
            ),
        ),
        _v(
            "PARAMCD",
            "Parameter Code",
            length=8,
            core="Req",
            source=f"{domain_source}TESTCD",
            method=f"Parameter of the {domain_source}TESTCD (see the parameter table)",
        ),
        _v(
            "PARAM",
            "Parameter",
            length=200,
            core="Req",
            source=f"{domain_source}TEST",
            method=f"Parameter description; {domain_source}TEST where not renamed",
        ),
        _v("PARAMN", "Parameter (N)", "integer", method="Display order of the parameter"),
    )


def _bds_body(domain_source: str) -> tuple[Variable, ...]:
    return (
        _v(
            "AVAL",
            "Analysis Value",
            "float",
            core="Cond",
            source=f"{domain_source}STRESN",
            method=(
                f"{domain_source}STRESN; for DTYPE = LOCF the last earlier analysis value; null "
                f"for DTYPE = NRI"
            ),
        ),
        _v(
            "AVALU",
            "Analysis Value Unit",
            length=20,
            source=f"{domain_source}STRESU",
            method=f"{domain_source}STRESU or the parameter's unit",
        ),
        _v(
            "DTYPE",
            "Derivation Type",
            length=8,
            codelist="DTYPE",
            method=(
                "LOCF: last observation carried forward; NRI: non-responder imputation (sponsor "
                "term); null for observed records"
            ),
        ),
        _v(
            "ADT",
            "Analysis Date",
            "date",
            source=f"{domain_source}DTC",
            method=f"Date part of {domain_source}DTC when complete",
        ),
        _v(
            "ADY",
            "Analysis Relative Day",
            "integer",
            method="ADT - TRTSDT + 1 if ADT >= TRTSDT, else ADT - TRTSDT (no day 0)",
        ),
        _copy("VISITNUM", "Visit Number", f"{domain_source}.VISITNUM", "float"),
        _copy("VISIT", "Visit Name", f"{domain_source}.VISIT", length=40),
        _v(
            "AVISIT",
            "Analysis Visit",
            length=40,
            method=(
                "Protocol visit whose window [AWLO, AWHI] contains ADY (closest target, earlier on"
                " a tie): WEEK w, or SCREENING; null out of every window"
            ),
        ),
        _v(
            "AVISITN",
            "Analysis Visit (N)",
            "float",
            method="Week number of AVISIT; -1 for SCREENING",
        ),
        _v(
            "AWTARGET",
            "Analysis Window Target",
            "integer",
            method="Protocol target study day of AVISIT",
        ),
        _v(
            "AWLO",
            "Analysis Window Beginning Timepoint",
            "integer",
            method="First study day of the AVISIT window",
        ),
        _v(
            "AWHI",
            "Analysis Window End Timepoint",
            "integer",
            method="Last study day of the AVISIT window",
        ),
        _v(
            "AWTDIFF",
            "Analysis Window Diff from Target",
            "integer",
            method="Absolute calendar days between ADY and AWTARGET",
        ),
        _v("AWU", "Analysis Window Unit", length=4, method="DAYS when AVISIT is not null"),
        _v(
            "OUTWINFL",
            "Out-of-Window Record Flag",
            length=1,
            codelist=_YN,
            method="Y when ADY lies in no analysis window; such records are never analysis records",
        ),
        _v(
            "ABLFL",
            "Baseline Record Flag",
            length=1,
            core="Cond",
            codelist=_YN,
            method=(
                "Y on the last record per USUBJID and PARAMCD with non-missing AVAL and ADT <= "
                "TRTSDT (order ADT, VISITNUM, SRCSEQ); imputed records excluded"
            ),
        ),
        _v(
            "BASE",
            "Baseline Value",
            "float",
            core="Cond",
            method="AVAL of the ABLFL = Y record of the same USUBJID and PARAMCD",
        ),
        _v(
            "CHG",
            "Change from Baseline",
            "float",
            core="Cond",
            method="AVAL - BASE, exact on decimals, after baseline (ADT > TRTSDT or imputed)",
        ),
        _v(
            "PCHG",
            "Percent Change from Baseline",
            "float",
            core="Cond",
            method=(
                "(AVAL - BASE) / |BASE| * 100, exact, rounded once to a double; null when BASE = 0"
            ),
        ),
    )


def _bds_tail(domain_source: str) -> tuple[Variable, ...]:
    return (
        _v(
            "ANL01FL",
            "Analysis Flag 01",
            length=1,
            core="Cond",
            codelist=_YN,
            method=(
                "Y on one record per USUBJID, PARAMCD, AVISIT: non-missing AVAL closest to target "
                "(AWTDIFF), earlier ADT on a tie, then lower SRCSEQ; and on every imputed record"
            ),
        ),
        _v(
            "SRCDOM",
            "Source Data",
            length=8,
            method=f"{domain_source} for observed records (LOCF: of the carried record)",
        ),
        _v("SRCVAR", "Source Variable", length=8, method=f"{domain_source}STRESN"),
        _v(
            "SRCSEQ",
            "Source Sequence Number",
            "integer",
            method=f"{domain_source}SEQ of the source record",
        ),
    )


def _crit(number: int, text: str) -> tuple[Variable, ...]:
    return (
        _v(
            f"CRIT{number}",
            f"Analysis Criterion {number}",
            length=200,
            core="Cond",
            method=f"Criterion text: {text}",
        ),
        _v(
            f"CRIT{number}FL",
            f"Criterion {number} Evaluation Result Flag",
            length=1,
            core="Cond",
            codelist=_YN,
            method=(
                f"Y if {text}, N if not, null if AVAL or BASE is missing (BASE 0 for PASI); N for "
                f"DTYPE = NRI"
            ),
        ),
    )


ADPASI_SPEC = DatasetSpec(
    "ADPASI",
    "PASI Analysis Dataset",
    "BASIC DATA STRUCTURE",
    "One or more records per subject per parameter per analysis visit",
    ("STUDYID", "USUBJID", "PARAMCD", "AVISITN", "ADT", "DTYPE", "ASEQ"),
    (
        *_bds_head("RS"),
        _v(
            "PARAMTYP",
            "Parameter Type",
            length=7,
            codelist="PARAMTYP",
            method="DERIVED for PASIIMPR",
        ),
        *_bds_body("RS"),
        *_crit(1, "PASI 50: 100*(BASE-AVAL) >= 50*BASE on integer tenths (PASITOT)"),
        *_crit(2, "PASI 75: 100*(BASE-AVAL) >= 75*BASE on integer tenths (PASITOT)"),
        *_crit(3, "PASI 90: 100*(BASE-AVAL) >= 90*BASE on integer tenths (PASITOT)"),
        *_crit(4, "PASI 100: AVAL = 0 (PASITOT)"),
        *_bds_tail("RS"),
    ),
)

ADQS_SPEC = DatasetSpec(
    "ADQS",
    "Questionnaire and BSA Analysis Dataset",
    "BASIC DATA STRUCTURE",
    "One or more records per subject per parameter per analysis visit",
    ("STUDYID", "USUBJID", "PARAMCD", "AVISITN", "ADT", "DTYPE", "ASEQ"),
    (
        *_bds_head("QS"),
        *_bds_body("QS"),
        *_crit(1, "DLQITOT: CHG <= -4 (MCID, Basra 2015); ITCHVAS: CHG <= -10 mm (MCID)"),
        *_crit(2, "DLQITOT: AVAL <= 1 (DLQI 0/1, no effect)"),
        *_bds_tail("QS/FA"),
    ),
)

ADLB_SPEC = DatasetSpec(
    "ADLB",
    "Laboratory Analysis Dataset",
    "BASIC DATA STRUCTURE",
    "One record per subject per parameter per analysis date",
    ("STUDYID", "USUBJID", "PARAMCD", "ADT", "ASEQ"),
    (
        *_bds_head("LB"),
        *_bds_body("LB"),
        _v(
            "ANRLO",
            "Analysis Normal Range Lower Limit",
            "float",
            source="LB.LBSTNRLO",
            method="LBSTNRLO",
        ),
        _v(
            "ANRHI",
            "Analysis Normal Range Upper Limit",
            "float",
            source="LB.LBSTNRHI",
            method="LBSTNRHI",
        ),
        _v(
            "ANRIND",
            "Analysis Reference Range Indicator",
            length=8,
            source="LB.LBNRIND",
            method="LBNRIND; else LOW if AVAL < ANRLO, HIGH if AVAL > ANRHI, else NORMAL",
        ),
        _v(
            "BNRIND",
            "Baseline Reference Range Indicator",
            length=8,
            method="ANRIND of the ABLFL = Y record",
        ),
        _v(
            "ATOXDSCL",
            "Analysis Toxicity Description Low",
            length=40,
            method="CTCAE v5.0 low-direction term of the test",
        ),
        _v(
            "ATOXGRL",
            "Analysis Toxicity Grade Low",
            length=1,
            method="CTCAE v5.0 grade of ATOXDSCL (psotrial.instruments.ctcae, exact decimals)",
        ),
        _v(
            "ATOXDSCH",
            "Analysis Toxicity Description High",
            length=40,
            method="CTCAE v5.0 high-direction term of the test",
        ),
        _v(
            "ATOXGRH",
            "Analysis Toxicity Grade High",
            length=1,
            method="CTCAE v5.0 grade of ATOXDSCH; calcium Payne-corrected with same-day albumin",
        ),
        _v(
            "ATOXGR",
            "Analysis Toxicity Grade",
            length=2,
            method="-ATOXGRL if ATOXGRL > 0; ATOXGRH if > 0; 0 if every direction is 0; else null",
        ),
        _v("ATOXGRN", "Analysis Toxicity Grade (N)", "integer", method="ATOXGR as a number"),
        _v("BTOXGR", "Baseline Toxicity Grade", length=2, method="ATOXGR of the ABLFL = Y record"),
        _v(
            "BTOXGRN",
            "Baseline Toxicity Grade (N)",
            "integer",
            method="ATOXGRN of the ABLFL = Y record",
        ),
        _v(
            "SHIFT1",
            "Shift 1",
            length=40,
            method="BNRIND || ' to ' || ANRIND (missing shown as NULL)",
        ),
        _v(
            "SHIFT2",
            "Shift 2",
            length=40,
            method="BTOXGR || ' to ' || ATOXGR (missing shown as NULL)",
        ),
        *_bds_tail("LB"),
    ),
)

ADAE_SPEC = DatasetSpec(
    "ADAE",
    "Adverse Events Analysis Dataset",
    "OCCURRENCE DATA STRUCTURE",
    "One record per subject per adverse event",
    ("STUDYID", "USUBJID", "AESEQ"),
    (
        _STUDYID,
        _USUBJID,
        *_FROM_ADSL,
        _copy("AESEQ", "Sequence Number", "AE.AESEQ", "integer", core="Req"),
        _copy("AETERM", "Reported Term for the Adverse Event", "AE.AETERM", length=200, core="Req"),
        _copy("AELLT", "Lowest Level Term", "AE.AELLT", length=200),
        _copy("AELLTCD", "Lowest Level Term Code", "AE.AELLTCD", length=20),
        _copy("AEDECOD", "Dictionary-Derived Term", "AE.AEDECOD", length=200, core="Req"),
        _copy("AEBODSYS", "Body System or Organ Class", "AE.AEBODSYS", length=200),
        _copy("AESOC", "Primary System Organ Class", "AE.AESOC", length=200),
        _copy("AESTDTC", "Start Date/Time of Adverse Event", "AE.AESTDTC", length=19),
        _copy("AEENDTC", "End Date/Time of Adverse Event", "AE.AEENDTC", length=19),
        _v(
            "ASTDT",
            "Analysis Start Date",
            "date",
            source="AE.AESTDTC",
            method=(
                "AESTDTC; a missing day imputed to the 1st, a missing month to January; "
                "not before TRTSDT when the partial date contains TRTSDT"
            ),
        ),
        _v(
            "ASTDTF",
            "Analysis Start Date Imputation Flag",
            length=1,
            method="D if the day was imputed, M if month and day were",
        ),
        _v(
            "ASTDY",
            "Analysis Start Relative Day",
            "integer",
            method="ASTDT - TRTSDT + 1 if ASTDT >= TRTSDT, else ASTDT - TRTSDT",
        ),
        _v(
            "AENDT",
            "Analysis End Date",
            "date",
            source="AE.AEENDTC",
            method=(
                "AEENDTC; a missing day imputed to the last of the month, a missing month to "
                "December"
            ),
        ),
        _v(
            "AENDTF",
            "Analysis End Date Imputation Flag",
            length=1,
            method="D if the day was imputed, M if month and day were",
        ),
        _v(
            "AENDY",
            "Analysis End Relative Day",
            "integer",
            method="AENDT - TRTSDT + 1 if AENDT >= TRTSDT, else AENDT - TRTSDT",
        ),
        _v(
            "TRTEMFL",
            "Treatment Emergent Analysis Flag",
            length=1,
            core="Cond",
            codelist=_YN,
            method=(
                "Y if TRTSDT is not null and ASTDT >= TRTSDT, or ASTDT is missing and AENDT is "
                "missing or >= TRTSDT"
            ),
        ),
        _copy("AESEV", "Severity/Intensity", "AE.AESEV", length=10, codelist="AESEV"),
        _v(
            "ASEV",
            "Analysis Severity/Intensity",
            length=10,
            codelist="AESEV",
            method="AESEV; else from AETOXGR: 1 MILD, 2 MODERATE, 3-5 SEVERE",
        ),
        _copy("AETOXGR", "Standard Toxicity Grade", "AE.AETOXGR", length=1),
        _v(
            "ATOXGR",
            "Analysis Toxicity Grade",
            length=1,
            source="AE.AETOXGR",
            method="AETOXGR (CTCAE v5.0)",
        ),
        _v("ATOXGRN", "Analysis Toxicity Grade (N)", "integer", method="ATOXGR as a number"),
        _copy("AESER", "Serious Event", "AE.AESER", length=1, codelist=_YN),
        _v(
            "ASER",
            "Analysis Serious Event",
            length=1,
            codelist=_YN,
            source="AE.AESER",
            method="AESER",
        ),
        _copy("AEREL", "Causality", "AE.AEREL", length=20),
        _v("AREL", "Analysis Causality", length=20, source="AE.AEREL", method="AEREL"),
        _v(
            "RELGR1",
            "Pooled Causality Group 1",
            length=11,
            method=(
                "NOT RELATED if AREL is NOT RELATED or UNLIKELY RELATED; RELATED for any other AREL"
            ),
        ),
        _copy("AEACN", "Action Taken with Study Treatment", "AE.AEACN", length=20, codelist="ACN"),
        _copy("AEOUT", "Outcome of Adverse Event", "AE.AEOUT", length=40, codelist="OUT"),
    ),
)

ADTTE_SPEC = DatasetSpec(
    "ADTTE",
    "Time-to-Event Analysis Dataset",
    "BASIC DATA STRUCTURE",
    "One record per subject per parameter",
    ("STUDYID", "USUBJID", "PARAMCD"),
    (
        _STUDYID,
        _USUBJID,
        *_FROM_ADSL,
        _v(
            "ASEQ",
            "Analysis Sequence Number",
            "integer",
            method="Row number within USUBJID after sorting by PARAMN",
        ),
        _v(
            "PARAMCD",
            "Parameter Code",
            length=8,
            core="Req",
            method="TTPASI50, TTRELPRO or TTRELNPF",
        ),
        _v("PARAM", "Parameter", length=200, core="Req", method="Description of PARAMCD"),
        _v("PARAMN", "Parameter (N)", "integer", method="Display order of the parameter"),
        _v(
            "STARTDT",
            "Time-to-Event Origin Date for Subject",
            "date",
            core="Cond",
            method=(
                "TTPASI50: TRTSDT; relapse: ADT of the first ADPASI PASITOT analysis record with "
                "CRIT1FL = Y"
            ),
        ),
        _v(
            "ADT",
            "Analysis Date",
            "date",
            method="Date of the first event, else the latest censoring date",
        ),
        _v("AVAL", "Analysis Value", "integer", core="Cond", method="ADT - STARTDT + 1 (days)"),
        _v("AVALU", "Analysis Value Unit", length=4, method="DAYS"),
        _v(
            "CNSR", "Censor", "integer", core="Cond", method="0 for an event, 1 for a censored time"
        ),
        _v(
            "EVNTDESC",
            "Event or Censoring Description",
            length=60,
            method="Description of the event source chosen",
        ),
        _v(
            "CNSDTDSC",
            "Censor Date Description",
            length=60,
            method="Description of the censoring source chosen",
        ),
        _v("SRCDOM", "Source Data", length=8, method="ADPASI (or ADSL for censoring at TRTSDT)"),
        _v("SRCVAR", "Source Variable", length=8, method="ADT (or TRTSDT)"),
        _v("SRCSEQ", "Source Sequence Number", "integer", method="ASEQ of the ADPASI record"),
    ),
)

ADAM_SPECS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (ADSL_SPEC, ADPASI_SPEC, ADQS_SPEC, ADLB_SPEC, ADAE_SPEC, ADTTE_SPEC)
}
