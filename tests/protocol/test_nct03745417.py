"""The built-in protocol holds every criterion and outcome of the registry record verbatim.

The literal lists below are copied from the ClinicalTrials.gov record of NCT03745417
(shared/seed/NCT03745417.txt, verified January 2021).
"""

from __future__ import annotations

from psotrial.protocol import load_protocol

REGISTRY_INCLUSION = [
    "moderate to severe psoriasis vulgaris ( PASI > 7 or BSA >10% )",
    "18 to 65 years old",
    "written/signed informed consent",
]

REGISTRY_EXCLUSION = [
    "guttate psoriasis, inverse psoriasis or exclusively associated with the face",
    "Acute progressive psoriasis, and erythroderma tendency",
    "current (or within 1 year) pregnancy or lactation",
    "current significant anxiety or depression with the Self-rating Anxiety Scale (SAS) > 50 or "
    "the Self-rating Depression Scale (SDS) > 53, or with other psychiatric disorders",
    "With history of primary cardiovascular, respiratory, digestive, urinary, endocrinologic and "
    "hematologic diseases, which can't be controlled through ordinary treatments. Those who with "
    "malignant diseases, infections, electrolyte imbalance, acid-base disturbance. Patients with "
    "clinical test results listed below: abnormal serum calcium level ( Ca2+ > 2.9 mmol/L or < 2 "
    "mmol/L);AST or ALT 2 times more than normal upper limit; Creatinine and cystatin C more than "
    "normal upper limit; Hemoglobin elevates 20g/L more than normal upper limit,or hemoglobin "
    "reduction to anemia; Platelet count less than 75.0*10^9/L; White blood cell less than "
    "3.0*10^9/L; Or any other abnormal laboratory test results, assessed by investigators, that "
    "are not suitable for this clinical study",
    "Patients with malignant tumors, or when they were enrolled with abnormal tumor markers or "
    "with other organ dysfunction",
    "allergy to anything else ever before;",
    "current registration in other clinical trials or participation within a month;",
    "topical treatments (i.e. corticosteroids or retinoic acid or Vitamin D analogs ) within 2 "
    "weeks; systemic therapy or phototherapy (ultraviolet radiation B,UVB) and psoralen combined "
    "with ultraviolet A (PUVA) within 4 weeks; biological therapy within 12 weeks;",
    "medical conditions assessed by investigators, that are not suitable for this clinical study.",
]

REGISTRY_OUTCOMES = [
    ("PASI score improvement rate", "12 weeks (plus or minus 3 days) after treatment"),
    ("Psoriasis Area and Severity Index(PASI)", "12 weeks (plus or minus 3 days) after treatment"),
    (
        "Relapse rate in treatment period / follow-up period",
        "During the treatment period of 12 weeks / follow-up period of 12 weeks after treatment "
        "period",
    ),
    ("PASI-50", "12 weeks (plus or minus 3 days) after treatment"),
    ("PASI-75", "12 weeks (plus or minus 3 days) after treatment"),
    (
        "Pruritus Scores on the Visual Analogue Scale",
        "12 weeks (plus or minus 3 days) after treatment",
    ),
    ("the Body Surface Area (BSA%)", "12 weeks (plus or minus 3 days) after treatment"),
    ("the Dermatology Life Quality Index(DLQI)", "12 weeks (plus or minus 3 days) after treatment"),
]


def _words(text: str) -> str:
    return " ".join(text.split())


def test_protocol_holds_every_registry_criterion_verbatim() -> None:
    protocol = load_protocol("nct03745417")
    inclusion = [_words(c.text) for c in protocol.criteria if c.kind == "inclusion"]
    exclusion = [_words(c.text) for c in protocol.criteria if c.kind == "exclusion"]
    assert inclusion == [_words(t) for t in REGISTRY_INCLUSION]
    assert exclusion == [_words(t) for t in REGISTRY_EXCLUSION]


def test_protocol_holds_every_registry_outcome_in_order() -> None:
    protocol = load_protocol("nct03745417")
    assert [(o.title, _words(o.time_frame)) for o in protocol.outcomes] == REGISTRY_OUTCOMES
    assert protocol.outcomes[0].kind == "primary"


def test_protocol_investigator_judgement_where_the_record_asks_for_it() -> None:
    protocol = load_protocol("nct03745417")
    confirmed = [c.id for c in protocol.criteria if c.investigator_confirms]
    assert confirmed == ["EX05", "EX10"]
