"""% change from baseline -> sum-only table (io/pct_change.py).

Expected sums are hand arithmetic: target_sum = baseline x (1 + pct / 100), e.g. 50 mm at -30 % = 35 mm.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ioresponse.io.pct_change import (
    NOMINAL_BASELINE_NOTE,
    NominalBaselineWarning,
    read_pct_change,
    sums_from_pct_change,
)
from ioresponse.io.validate import ImplausibleValueWarning
from ioresponse.schema import InputError


def _table(**overrides) -> pd.DataFrame:
    table = pd.DataFrame({"patient_id": ["A", "A", "A"], "day": [56, 112, 168],
                          "pct_change": [-30.0, "", 20.0], "baseline_size_mm": [50.0, 50.0, 50.0]})
    return table.assign(**overrides)


def test_sums_rebuilt_from_baseline_size_with_baseline_row_added():
    result = sums_from_pct_change(_table())
    assert list(result.columns) == ["patient_id", "day", "target_sum_mm", "note"]
    assert result["day"].tolist() == [0, 56, 112, 168]
    assert result["target_sum_mm"].tolist()[:2] == [50.0, 35.0]  # 50 x 0.7 = 35 exactly (rounded)
    assert np.isnan(result["target_sum_mm"].iloc[2])  # empty change stays empty (not evaluable)
    assert result["target_sum_mm"].iloc[3] == 60.0
    assert result["note"].iloc[0] == "baseline row added at day 0 from the % change table"


def test_without_baseline_size_nominal_100_mm_and_note_says_5mm_rule_not_applicable():
    with pytest.warns(NominalBaselineWarning, match=r"\+5 mm"):
        result = sums_from_pct_change(_table().drop(columns="baseline_size_mm"))
    assert result["target_sum_mm"].tolist()[:2] == [100.0, 70.0]
    assert result["note"].str.contains(NOMINAL_BASELINE_NOTE, regex=False).all()


def test_existing_baseline_row_with_zero_change_is_kept_not_duplicated():
    table = pd.DataFrame({"patient_id": ["A", "A"], "day": [-3, 56], "pct_change": [0.0, -100.0],
                          "baseline_size_mm": [40.0, 40.0]})
    result = sums_from_pct_change(table)
    assert result["day"].tolist() == [-3, 56]
    assert result["target_sum_mm"].tolist() == [40.0, 0.0]


def test_weeks_become_days():
    result = sums_from_pct_change(_table(day=[8.0, 16.0, 24.1]), time_unit="weeks")
    assert result["day"].tolist() == [0, 56, 112, 169]


@pytest.mark.parametrize(("overrides", "column", "message"), [
    ({"pct_change": [-30.0, -100.5, 0.0]}, "pct_change", "below -100"),
    ({"pct_change": [-30.0, "n/a", 0.0]}, "pct_change", "not a number"),
    ({"day": [56, 56, 168]}, "day", "same patient and day"),
    ({"day": [56, None, 168]}, "day", "empty"),
    ({"baseline_size_mm": [50.0, 51.0, 50.0]}, "baseline_size_mm", "differs"),
    ({"baseline_size_mm": [0.0, 0.0, 0.0]}, "baseline_size_mm", "above 0"),
    ({"day": [0, 112, 168]}, "pct_change", "baseline and must have a change of 0"),
])
def test_bad_input_is_a_located_input_error(overrides, column, message):
    with pytest.raises(InputError, match=message) as caught:
        sums_from_pct_change(_table(**overrides))
    assert caught.value.column == column
    assert caught.value.rows  # 1-based rows of the input (header = row 1)


def test_pct_exactly_minus_100_is_allowed():
    assert sums_from_pct_change(_table(pct_change=[-100.0, -100.0, -100.0]))["target_sum_mm"].iloc[1] == 0.0


def test_missing_column_error_names_it():
    with pytest.raises(InputError, match="pct_change"):
        sums_from_pct_change(_table().drop(columns="pct_change"))


def test_read_csv_with_column_map(tmp_path):
    path = tmp_path / "changes.csv"
    pd.DataFrame({"id": ["INS-1", "INS-1"], "time": [3.0, 9.0], "size_change": [-40.0, 10.0],
                  "l_size": [80.0, 80.0]}).to_csv(path, index=False)
    result = read_pct_change(path, time_unit="weeks", column_map={
        "id": "patient_id", "time": "day", "size_change": "pct_change", "l_size": "baseline_size_mm"})
    assert result["day"].tolist() == [0, 21, 63]
    assert result["target_sum_mm"].tolist() == [80.0, 48.0, 88.0]


def test_rebuilt_table_loads_as_sum_only_study():
    from ioresponse.io.load import load_study

    study = load_study(sums_from_pct_change(_table()))
    assert set(study.lesions["lesion_id"]) == {"target_sum"}
    assert study.lesions["long_axis_mm"].iloc[1] == 35.0


@pytest.mark.parametrize(("pct", "message"), [
    ([-30.0, "inf", 0.0], "'inf' is not a finite number"),
    ([-30.0, 1e9, 0.0], "larger change than a target sum makes"),
])
def test_change_that_is_not_a_percentage_is_refused_at_its_row(pct, message):
    with pytest.raises(InputError, match=message) as caught:
        sums_from_pct_change(_table(pct_change=pct))
    assert (caught.value.rows, caught.value.column) == ([3], "pct_change")


def test_changes_that_look_like_fractions_are_refused_or_kept_with_a_warning():
    # Excel cells formatted as percentages store -35 % as -0.35: every change within -1 to 1, with decimals.
    fractions = _table(pct_change=[-0.35, "", 0.25])
    with pytest.raises(InputError, match=r"values look like fractions \(-0.35 = -35 %\)") as caught:
        sums_from_pct_change(fractions)
    assert (caught.value.rows, caught.value.column) == ([2, 4], "pct_change")
    with pytest.warns(ImplausibleValueWarning, match="fractions"):
        kept = sums_from_pct_change(fractions, validation="warn")
    assert kept["target_sum_mm"].iloc[1] == 49.825  # -0.35 % of 50 mm, as given
    whole = sums_from_pct_change(_table(pct_change=[-1.0, 0.0, 1.0]))  # whole % within -1 to 1: not fractions
    assert whole["target_sum_mm"].iloc[1] == 49.5
