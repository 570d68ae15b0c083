"""A Kaplan-Meier median that is not reached, in the CSV files of ``ioresponse report`` (session 16, H2.3).

spec/patterns.md 7.3 and 7.4 report the Kaplan-Meier median with its 95 % CI; when the curve (or its
band) stays above one half the median is not reached. The report writes "not reached"; pfs.csv,
duration_of_response.csv and median_split.csv write an empty cell and name the columns in
``not_reached``, never "inf". Expected values are hand arithmetic, in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.cohort.survival import KaplanMeierByGroup, not_reached_named

LESION_COLUMNS = ["patient_id", "day", "lesion_id", "role", "organ", "lymph_node", "long_axis_mm", "status"]


def lesions(sizes: dict[str, list[tuple[int, float]]]) -> pd.DataFrame:
    """One non-nodal liver target T1 per patient: {patient: [(day, long axis mm)]}."""
    rows = [(patient, day, "T1", "target", "liver", False, size, "present")
            for patient, visits in sizes.items() for day, size in visits]
    return pd.DataFrame(rows, columns=LESION_COLUMNS)


def report_csv(tmp_path, sizes: dict[str, list[tuple[int, float]]], name: str) -> tuple[str, pd.DataFrame]:
    """``ioresponse report`` on the RECIST 1.1 results of ``sizes``: the text of name.csv, and the table."""
    ioresponse.assess(lesions(sizes), criteria=("recist11",)).to_parquet(tmp_path)
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / f"{name}.csv"
    return path.read_text(encoding="utf-8"), pd.read_csv(path, keep_default_na=False)


def test_an_inf_median_or_bound_is_an_empty_cell_named_in_not_reached():
    summary = pd.DataFrame({"criterion": ["recist11", "irecist"], "n": [4, 4],
                            "median_days": [math.inf, 8.0], "median_ci_low": [6.0, 5.0],
                            "median_ci_high": [math.inf, math.inf]})
    table = not_reached_named(summary)
    assert list(table.columns) == ["criterion", "n", "median_days", "median_ci_low", "median_ci_high",
                                   "not_reached"]
    assert table["not_reached"].tolist() == ["median_days, median_ci_high", "median_ci_high"]
    assert np.isnan(table.loc[0, "median_days"]) and table.loc[1, "median_days"] == 8.0
    assert table["median_ci_low"].tolist() == [6.0, 5.0]  # reached: kept as they are
    assert table["median_ci_high"].isna().all()
    assert np.isinf(summary.loc[0, "median_days"])  # the summary itself is unchanged (the report reads it)


def test_a_table_without_median_columns_is_kept_as_it_is():
    rates = pd.DataFrame({"criterion": ["recist11"], "orr": [0.5]})
    assert not_reached_named(rates) is rates


def test_a_fitted_curve_that_stays_above_one_half_has_no_median_in_the_csv():
    # 5+, 6, 7+, 8+: at 6, 3 at risk, 1 event: S = 2/3 > 1/2, no later event: the median is not reached
    durations = pd.DataFrame({"duration_days": [5, 6, 7, 8], "event": [False, True, False, False]})
    table = not_reached_named(KaplanMeierByGroup().fit(durations, groups=()).summary)
    assert np.isnan(table.loc[0, "median_days"])
    assert table.loc[0, "not_reached"].startswith("median_days")


def test_report_writes_no_inf_when_every_patient_is_censored(tmp_path):
    # A1 50 -> 30 (-40 %: PR), A2 50 -> 50 (SD), on day 56; no progression: both censored. No event: the
    # curve is 1 throughout and the Greenwood variance sum d / (n (n - d)) is 0, so the band is 1 too: the
    # median and both bounds are not reached.
    text, pfs = report_csv(tmp_path, {"A1": [(-7, 50), (56, 30)], "A2": [(-7, 50), (56, 50)]}, "pfs")
    assert "inf" not in text
    row = pfs.iloc[0]
    assert (row["n"], row["events"], row["censored"]) == (2, 0, 2)
    assert (row["median_days"], row["median_ci_low"], row["median_ci_high"]) == ("", "", "")
    assert row["not_reached"] == "median_days, median_ci_low, median_ci_high"
    # duration of response: A1 responds from day 56, censored there: not reached either
    text, duration = report_csv(tmp_path, {"A1": [(-7, 50), (56, 30)], "A2": [(-7, 50), (56, 50)]},
                                "duration_of_response")
    assert "inf" not in text
    assert duration.loc[0, "median_days"] == "" and "median_days" in duration.loc[0, "not_reached"]


def test_report_writes_a_reached_median_as_a_number(tmp_path):
    # B1 50 -> 65 on day 56 (+30 %, +15 mm: PD); B2 50 -> 50 on day 56 (SD) -> 70 on day 112 (+40 % and
    # +20 mm over the nadir 50: PD). Two events: S(56) = 1/2, the first time at or below one half: median 56.
    text, pfs = report_csv(tmp_path, {"B1": [(-7, 50), (56, 65)],
                                      "B2": [(-7, 50), (56, 50), (112, 70)]}, "pfs")
    assert "inf" not in text
    row = pfs.iloc[0]
    assert (row["n"], row["events"]) == (2, 2)
    assert float(row["median_days"]) == 56.0
    assert "median_days" not in row["not_reached"]
