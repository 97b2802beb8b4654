"""Demographics and baseline characteristics from ADSL. PURE.

Continuous: age (years), height (cm), weight (kg), BMI (kg/m2), PASI, BSA (%), DLQI,
pruritus VAS (mm), each summarised by :func:`compute_summary`. Categorical: sex, race,
ethnicity, country, with "Not reported" for a missing value, so the counts add to n.
"""

from __future__ import annotations

import polars as pl

from psotrial.stats.analysis import BaselineCategory, BaselineContinuous, BaselineTable, CountRow
from psotrial.stats.descriptive import compute_summary
from psotrial.stats.records import filter_population, require_columns

__all__ = ["BASELINE_CATEGORICAL", "BASELINE_CONTINUOUS", "build_baseline_table"]

BASELINE_CONTINUOUS: tuple[tuple[str, str, str | None], ...] = (
    ("AGE", "Age", "years"),
    ("HEIGHTBL", "Height", "cm"),
    ("WEIGHTBL", "Weight", "kg"),
    ("BMIBL", "Body mass index", "kg/m2"),
    ("PASIBL", "PASI", None),
    ("BSABL", "Body surface area affected", "%"),
    ("DLQIBL", "DLQI", None),
    ("ITCHBL", "Pruritus VAS", "mm"),
)
BASELINE_CATEGORICAL: tuple[tuple[str, str], ...] = (
    ("SEX", "Sex"),
    ("RACE", "Race"),
    ("ETHNIC", "Ethnicity"),
    ("COUNTRY", "Country"),
)


def build_baseline_table(adsl: pl.DataFrame, *, population: str = "FASFL") -> BaselineTable:
    """Baseline characteristics of ``population`` (variables absent from ADSL are skipped).

    Example:
        >>> adsl = pl.DataFrame({"FASFL": ["Y", "Y", "N"], "AGE": [30, 40, 50],
        ...     "SEX": ["F", None, "M"]})
        >>> t = build_baseline_table(adsl)
        >>> t.n, t.continuous[0].summary.mean
        (2, 35.0)
        >>> [(c.label, c.count) for c in t.categorical[0].categories]
        [('F', 1), ('Not reported', 1)]
    """
    require_columns(adsl, [population], "ADSL")
    data = filter_population(adsl, population)
    n = data.height
    continuous = tuple(
        BaselineContinuous(label, unit, compute_summary(data[var]))
        for var, label, unit in BASELINE_CONTINUOUS
        if var in data.columns
    )
    categorical = []
    for var, label in BASELINE_CATEGORICAL:
        if var not in data.columns:
            continue
        counts = (
            data[var]
            .cast(pl.String)
            .fill_null("Not reported")
            .value_counts()
            .sort(["count", var], descending=[True, False])
        )
        rows = tuple(CountRow(str(value), int(count), n) for value, count in counts.iter_rows())
        categorical.append(BaselineCategory(label, rows))
    return BaselineTable(population, n, continuous, tuple(categorical))
