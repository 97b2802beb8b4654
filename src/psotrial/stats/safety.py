"""Safety tables from ADSL, ADAE and ADLB (safety population, SAFFL = Y). PURE.

- Exposure: infusions received (ADSL NINFUS), treatment duration (TRTDURD). ADaM here
  carries no dose variable, so cells/kg is reported as not estimable with that reason
  unless ADSL has ``CUMDOSE`` (cumulative 10^6 cells/kg).
- TEAEs (ADAE TRTEMFL = Y): participants with at least one event and events, by SOC
  (AESOC) and term (AEDECOD, CTCAE v5.0 term); by worst grade per participant (ATOXGR);
  by closest relationship per participant (AREL, ordered from the investigator's scale).
- SAEs (ASER or AESER = Y) listed.
- Infusion reactions: TEAEs with AEDECOD "Infusion related reaction" (CTCAE v5.0; SOC
  Injury, poisoning and procedural complications), per infusion given.
- Lab shifts: CTCAE grade at baseline (BTOXGRN) x worst post-baseline grade (max
  ATOXGRN over every record after the first infusion, ADY > 1, in or out of window: for
  safety the worst value counts wherever it fell), per test; "Missing" where no grade.
"""

from __future__ import annotations

import polars as pl

from psotrial.stats.analysis import (
    AdverseEventRow,
    CountRow,
    Exposure,
    InfusionReactions,
    LabShift,
    NotEstimable,
    SeriousEvent,
    ShiftTable,
    Summary,
    TeaeOverview,
)
from psotrial.stats.descriptive import compute_rate, compute_summary
from psotrial.stats.records import filter_population, require_columns

__all__ = [
    "INFUSION_REACTION_TERM",
    "RELATIONSHIP_ORDER",
    "build_ae_by_grade",
    "build_ae_by_relationship",
    "build_ae_by_soc_term",
    "build_ae_overview",
    "build_exposure",
    "build_infusion_reactions",
    "build_lab_shifts",
    "build_serious_events",
    "build_shift_table",
]

INFUSION_REACTION_TERM = "Infusion related reaction"
RELATIONSHIP_ORDER: tuple[str, ...] = (
    "DEFINITELY RELATED",
    "PROBABLY RELATED",
    "POSSIBLY RELATED",
    "UNLIKELY RELATED",
    "NOT RELATED",
)
"""Investigator causality from closest to farthest; a participant counts at the closest."""


def build_exposure(adsl: pl.DataFrame, *, planned_infusions: int) -> Exposure:
    """Infusions received and treatment duration among the treated (SAFFL = Y)."""
    require_columns(adsl, ["USUBJID", "SAFFL", "NINFUS", "TRTDURD"], "ADSL")
    treated = filter_population(adsl, "SAFFL")
    counts = treated.group_by("NINFUS").len().sort("NINFUS", descending=True).iter_rows()
    received = tuple(
        CountRow(f"{k} infusion{'s' if k != 1 else ''}", int(c), treated.height)
        for k, c in counts
        if k is not None
    )
    cells: Summary | NotEstimable = NotEstimable(
        "ADaM carries no dose: ADSL has no cumulative dose (10^6 cells/kg) variable"
    )
    if "CUMDOSE" in adsl.columns:
        cells = compute_summary(treated["CUMDOSE"])
    return Exposure(
        treated=treated.height,
        planned_infusions=planned_infusions,
        total_infusions=int(treated["NINFUS"].fill_null(0).sum()),
        infusions=compute_summary(treated["NINFUS"]),
        infusions_received=received,
        duration_days=compute_summary(treated["TRTDURD"]),
        cells_per_kg=cells,
    )


def _teae(adae: pl.DataFrame) -> pl.DataFrame:
    require_columns(adae, ["USUBJID", "TRTEMFL", "SAFFL", "AEDECOD", "AESOC"], "ADAE")
    return adae.filter(pl.col("TRTEMFL") == "Y", pl.col("SAFFL") == "Y")


def build_ae_overview(adae: pl.DataFrame, *, n: int) -> TeaeOverview:
    """Participants and events: any TEAE, related, serious, grade >= 3, fatal (grade 5)."""
    teae = _teae(adae)
    grade = pl.col("ATOXGRN") if "ATOXGRN" in teae.columns else pl.lit(None, pl.Int64)
    serious = pl.col("ASER") == "Y" if "ASER" in teae.columns else pl.col("AESER") == "Y"
    related = pl.col("RELGR1") == "RELATED" if "RELGR1" in teae.columns else pl.lit(False)
    labels: tuple[str, ...] = ("Any TEAE", "Related TEAE", "Serious TEAE", "Grade >= 3 TEAE")
    labels += ("Fatal TEAE (grade 5)",)
    conditions = (pl.lit(True), related, serious, grade >= 3, grade == 5)
    flags = teae.select(
        "USUBJID",
        *(c.fill_null(False).alias(f"__c{i}") for i, c in enumerate(conditions)),
    )
    counts = flags.select(
        *(
            pl.col("USUBJID").filter(pl.col(f"__c{i}")).n_unique().alias(f"p{i}")
            for i in range(len(labels))
        ),
        *(pl.col(f"__c{i}").sum().alias(f"e{i}") for i in range(len(labels))),
    ).row(0, named=True)
    rows = [
        AdverseEventRow(None, label, int(counts[f"p{i}"]), n, int(counts[f"e{i}"]))
        for i, label in enumerate(labels)
    ]
    return TeaeOverview(tuple(rows))


def build_ae_by_soc_term(adae: pl.DataFrame, *, n: int) -> tuple[AdverseEventRow, ...]:
    """TEAEs by SOC (descending participants, then name) and term within SOC.

    Example:
        >>> adae = pl.DataFrame({"USUBJID": ["a", "a", "b"], "TRTEMFL": ["Y"] * 3,
        ...     "SAFFL": ["Y"] * 3, "AEDECOD": ["Fever", "Fever", "Headache"],
        ...     "AESOC": ["General", "General", "Nervous"]})
        >>> for r in build_ae_by_soc_term(adae, n=2):
        ...     print(r.soc, r.term, r.participants, r.events)
        General None 1 2
        General Fever 1 2
        Nervous None 1 1
        Nervous Headache 1 1
    """
    teae = _teae(adae).with_columns(pl.col("AESOC").fill_null("Uncoded"))
    socs = (
        teae.group_by("AESOC")
        .agg(p=pl.col("USUBJID").n_unique(), e=pl.len())
        .sort(["p", "AESOC"], descending=[True, False])
    )
    terms = (
        teae.group_by("AESOC", "AEDECOD")
        .agg(p=pl.col("USUBJID").n_unique(), e=pl.len())
        .sort(["p", "AEDECOD"], descending=[True, False])
    )
    rows: list[AdverseEventRow] = []
    for soc, p, e in socs.iter_rows():
        rows.append(AdverseEventRow(soc, None, int(p), n, int(e)))
        for _, term, tp, te in terms.filter(pl.col("AESOC") == soc).iter_rows():
            rows.append(AdverseEventRow(soc, term, int(tp), n, int(te)))
    return tuple(rows)


def build_ae_by_grade(adae: pl.DataFrame, *, n: int) -> tuple[AdverseEventRow, ...]:
    """Participants by their worst TEAE grade (events: all events of that grade)."""
    teae = _teae(adae)
    require_columns(teae, ["ATOXGRN"], "ADAE")
    worst = teae.group_by("USUBJID").agg(pl.col("ATOXGRN").max())
    rows = []
    for grade in range(1, 6):
        rows.append(
            AdverseEventRow(
                None,
                f"Grade {grade}",
                int((worst["ATOXGRN"] == grade).sum()),
                n,
                int((teae["ATOXGRN"] == grade).sum()),
            )
        )
    missing = int(worst["ATOXGRN"].is_null().sum())
    if missing:
        events = int(teae["ATOXGRN"].is_null().sum())
        rows.append(AdverseEventRow(None, "Grade missing", missing, n, events))
    return tuple(rows)


def build_ae_by_relationship(adae: pl.DataFrame, *, n: int) -> tuple[AdverseEventRow, ...]:
    """Participants by the closest relationship of any of their TEAEs (AREL)."""
    teae = _teae(adae)
    require_columns(teae, ["AREL"], "ADAE")
    known = list(RELATIONSHIP_ORDER)
    others = sorted(set(teae["AREL"].drop_nulls().to_list()) - set(known))
    order = [*known, *others]
    ranked = teae.with_columns(
        pl.col("AREL").replace_strict(order, list(range(len(order))), default=None).alias("__r")
    )
    closest = ranked.group_by("USUBJID").agg(pl.col("__r").min())
    rows = []
    for i, label in enumerate(order):
        participants = int((closest["__r"] == i).sum())
        events = int((ranked["__r"] == i).sum())
        if i < len(known) or participants:
            rows.append(AdverseEventRow(None, label, participants, n, events))
    missing = int(closest["__r"].is_null().sum())
    if missing:
        rows.append(
            AdverseEventRow(None, "Not recorded", missing, n, int(ranked["__r"].is_null().sum()))
        )
    return tuple(rows)


def build_serious_events(adae: pl.DataFrame) -> tuple[SeriousEvent, ...]:
    """Every serious adverse event (any TRTEMFL) of the safety population."""
    require_columns(adae, ["USUBJID", "AEDECOD", "SAFFL"], "ADAE")
    flag = "ASER" if "ASER" in adae.columns else "AESER"
    rows = adae.filter(pl.col(flag) == "Y", pl.col("SAFFL") == "Y").sort("USUBJID")

    def get(row: dict[str, object], name: str) -> object:
        return row.get(name)

    return tuple(
        SeriousEvent(
            usubjid=str(r["USUBJID"]),
            term=str(r["AEDECOD"]),
            soc=get(r, "AESOC"),  # type: ignore[arg-type]
            start=get(r, "ASTDT"),  # type: ignore[arg-type]
            study_day=get(r, "ASTDY"),  # type: ignore[arg-type]
            grade=get(r, "ATOXGR"),  # type: ignore[arg-type]
            relationship=get(r, "AREL"),  # type: ignore[arg-type]
            outcome=get(r, "AEOUT"),  # type: ignore[arg-type]
        )
        for r in rows.iter_rows(named=True)
    )


def build_infusion_reactions(adae: pl.DataFrame, *, infusions: int) -> InfusionReactions:
    """Infusion-related reactions: events, participants, and per infusion given.

    An infusion "with a reaction" is a distinct participant and start date (ASTDT) of a
    reaction event; ADaM has no link from an AE to its infusion (SUPPEX INFREACT stays
    in SDTM), and a reaction starts on the day of its infusion by definition (CTCAE v5.0).
    """
    teae = _teae(adae).filter(pl.col("AEDECOD") == INFUSION_REACTION_TERM)
    date = "ASTDT" if "ASTDT" in teae.columns else "AESTDTC"
    with_reaction = min(teae.select("USUBJID", date).unique().height, infusions)
    return InfusionReactions(
        events=teae.height,
        participants=teae["USUBJID"].n_unique(),
        infusions=infusions,
        per_infusion=compute_rate(with_reaction, infusions),
    )


def build_shift_table(
    frame: pl.DataFrame, *, row: str, column: str, order: tuple[str, ...], title: str
) -> ShiftTable:
    """Counts of ``row`` x ``column`` categories (nulls as "Missing"), rows in ``order``.

    Example:
        >>> f = pl.DataFrame({"B": ["0", "0", "1", None], "W": ["0", "1", "1", "0"]})
        >>> t = build_shift_table(f, row="B", column="W", order=("0", "1"), title="x")
        >>> t.rows, t.columns, t.counts
        (('0', '1', 'Missing'), ('0', '1'), ((1, 1), (0, 1), (1, 0)))
    """
    data = frame.select(
        pl.col(row).cast(pl.String).fill_null("Missing").alias("r"),
        pl.col(column).cast(pl.String).fill_null("Missing").alias("c"),
    )
    seen = set(data["r"].to_list()) | set(data["c"].to_list())
    extra = sorted(seen - set(order) - {"Missing"})
    cats = [*order, *extra]
    rows = [c for c in cats if c in set(data["r"].to_list()) or c in order]
    cols = [c for c in cats if c in set(data["c"].to_list()) or c in order]
    if "Missing" in set(data["r"].to_list()):
        rows.append("Missing")
    if "Missing" in set(data["c"].to_list()):
        cols.append("Missing")
    counts = data.group_by("r", "c").len()
    lookup = {(r, c): int(k) for r, c, k in counts.iter_rows()}
    table = tuple(tuple(lookup.get((r, c), 0) for c in cols) for r in rows)
    return ShiftTable(title, tuple(rows), tuple(cols), table, data.height)


def build_lab_shifts(adlb: pl.DataFrame) -> tuple[LabShift, ...]:
    """CTCAE grade shift (baseline grade x worst post-baseline grade) for each graded test.

    A test with no CTCAE grade at all (e.g. albumin, used only to correct calcium) is left
    out. The grade is the magnitude |ATOXGRN| (ADaM signs low-direction grades negative).
    """
    require_columns(
        adlb, ["USUBJID", "PARAMCD", "PARAM", "ATOXGRN", "ABLFL", "ANL01FL", "SAFFL"], "ADLB"
    )
    columns = ["USUBJID", "PARAMCD", "PARAM", "ATOXGRN", "ABLFL", "ADY", "SAFFL"]
    data = filter_population(adlb.select(columns), "SAFFL").with_columns(
        pl.col("ATOXGRN").abs().alias("__g")
    )
    graded = data.group_by("PARAMCD").agg(pl.col("__g").is_not_null().any().alias("any"))
    tests = sorted(graded.filter(pl.col("any"))["PARAMCD"].to_list())
    base = (
        data.filter(pl.col("ABLFL") == "Y")
        .group_by("USUBJID", "PARAMCD")
        .agg(pl.col("__g").first().alias("B"))
    )
    post = (
        data.filter(pl.col("ABLFL").is_null(), pl.col("ADY") > 1)
        .group_by("USUBJID", "PARAMCD")
        .agg(pl.col("__g").max().alias("W"))
    )
    both = base.join(post, on=["USUBJID", "PARAMCD"], how="full", coalesce=True)
    order = tuple(str(g) for g in range(5))
    out = []
    for paramcd in tests:
        rows = both.filter(pl.col("PARAMCD") == paramcd)
        param = str(data.filter(pl.col("PARAMCD") == paramcd)["PARAM"].first())
        title = f"{param}: CTCAE grade at baseline x worst post-baseline grade"
        out.append(
            LabShift(
                paramcd,
                str(param),
                build_shift_table(rows, row="B", column="W", order=order, title=title),
            )
        )
    return tuple(out)
