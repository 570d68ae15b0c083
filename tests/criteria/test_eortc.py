"""EORTC 1999: the worked examples E-1..E-6 and ambiguities A1-A10 of spec/metabolic.md section 4.

Tables are typed by hand from the spec; expected categories and numbers are the spec's.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ioresponse.criteria import Study
from ioresponse.criteria.eortc import CRITERION
from ioresponse.schema import InputError

COLUMNS = ("patient_id", "day", "lesion_id", "role", "organ", "suvmax", "cycles_before_scan")


def run(rows, columns=COLUMNS, **options):
    return CRITERION.assess(Study(pet=pd.DataFrame(rows, columns=list(columns))), **options)


def responses(result):
    return result.timepoints["overall_response"].tolist()


# spec 4.11 E-1, E-2, E-6: baseline day -3, T1 (lung) 8.0 and T2 (lymph node) 4.0, sum 12.0.
E1_E2_E6 = [
    ("P1", -3, "T1", "target", "lung", 8.0, 0),
    ("P1", -3, "T2", "target", "lymph node", 4.0, 0),
    ("P1", 21, "T1", "target", "lung", 6.6, 1),
    ("P1", 21, "T2", "target", "lymph node", 3.6, 1),
    ("P1", 63, "T1", "target", "lung", 6.6, 3),
    ("P1", 63, "T2", "target", "lymph node", 3.2, 3),
    ("P1", 105, "T1", "target", "lung", 10.0, 5),
    ("P1", 105, "T2", "target", "lymph node", 5.5, 5),
]


def test_E1_exactly_15_percent_decrease_after_one_cycle_is_pmr():
    row = run(E1_E2_E6[:4]).timepoints.iloc[0]
    assert row["overall_response"] == "PMR"
    assert row["baseline_sum"] == 12.0 and row["current_sum"] == 10.2 and row["sum_unit"] == "SUV"
    assert row["rel_change"] == -0.15
    assert (
        "sum SUVmax 10.2 vs baseline 12.0 (-15.0%) after 1 cycle: decrease >=15%: PMR (EORTC 1999"
        in row["reason"]
    )


def test_E1_just_under_15_percent_after_one_cycle_is_smd():
    rows = [
        *E1_E2_E6[:2],
        ("P1", 21, "T1", "target", "lung", 6.61, 1),
        ("P1", 21, "T2", "target", "lymph node", 3.6, 1),
    ]
    assert responses(run(rows)) == ["SMD"]


def test_E2_18_percent_decrease_after_three_cycles_is_smd_in_the_gap():
    rows = [*E1_E2_E6[:2], *E1_E2_E6[4:6]]
    row = run(rows).timepoints.iloc[0]
    assert row["overall_response"] == "SMD"
    assert row["rel_change"] == pytest.approx(-0.183333)
    assert "decrease of 18.3% after 3 cycles lies between the 15% and 25% thresholds" in row["reason"]


def test_E2_gap_policy_pmr_applies_the_one_cycle_threshold():
    rows = [*E1_E2_E6[:2], *E1_E2_E6[4:6]]
    assert responses(run(rows, eortc_gap_policy="pmr")) == ["PMR"]


def test_A6_exactly_25_percent_decrease_after_two_cycles_is_not_pmr():
    rows = [
        *E1_E2_E6[:2],
        ("P1", 42, "T1", "target", "lung", 6.0, 2),
        ("P1", 42, "T2", "target", "lymph node", 3.0, 2),
    ]
    assert responses(run(rows)) == ["SMD"]
    assert responses(run(rows, eortc_gap_policy="pmr")) == ["PMR"]


def test_more_than_25_percent_decrease_after_two_cycles_is_pmr():
    rows = [
        *E1_E2_E6[:2],
        ("P1", 42, "T1", "target", "lung", 6.0, 2),
        ("P1", 42, "T2", "target", "lymph node", 2.99, 2),
    ]
    assert responses(run(rows)) == ["PMR"]


def test_E3_exactly_plus_25_percent_is_smd_and_plus_26_7_percent_is_pmd():
    rows = [
        ("P1", -3, "T1", "target", "lung", 8.0, 0),
        ("P1", -3, "T2", "target", "lymph node", 4.0, 0),
        ("P1", 42, "T1", "target", "lung", 10.0, 2),
        ("P1", 42, "T2", "target", "lymph node", 5.0, 2),
        ("P1", 84, "T1", "target", "lung", 10.2, 4),
        ("P1", 84, "T2", "target", "lymph node", 5.0, 4),
    ]
    result = run(rows)
    assert responses(result) == ["SMD", "PMD"]
    assert result.timepoints["rel_change"].tolist() == [0.25, pytest.approx(0.266667)]
    assert "exactly +25%" in result.timepoints.iloc[0]["reason"]


def test_E4_new_lesion_overrides_a_large_suv_decrease():
    rows = [
        ("P1", -3, "T1", "target", "lung", 8.0, 0),
        ("P1", -3, "T2", "target", "lymph node", 4.0, 0),
        ("P1", 42, "T1", "target", "lung", 5.0, 2),
        ("P1", 42, "T2", "target", "lymph node", 3.0, 2),
        ("P1", 42, "N1", "new", "liver", 5.5, 2),
    ]
    row = run(rows).timepoints.iloc[0]
    assert row["overall_response"] == "PMD"
    assert row["rel_change"] == pytest.approx(-0.333333)
    assert "new FDG-avid lesion N1 (liver): PMD (EORTC 1999" in row["reason"]


def test_E5_extent_increase_of_25_percent_with_falling_suv_is_pmd():
    rows = [
        ("P1", -3, "T1", "target", "lung", 8.0, 0, 20),
        ("P1", -3, "T2", "target", "lymph node", 4.0, 0, 15),
        ("P1", 42, "T1", "target", "lung", 7.2, 2, 25),
        ("P1", 42, "T2", "target", "lymph node", 3.6, 2, 15),
    ]
    row = run(rows, (*COLUMNS, "functional_diameter_mm")).timepoints.iloc[0]
    assert row["overall_response"] == "PMD"
    assert row["rel_change"] == -0.1
    assert "T1 FDG-avid extent 20 -> 25 mm (+25.0%, >20%): PMD" in row["reason"]


def test_A7_extent_exactly_20_percent_is_not_pmd():
    rows = [
        ("P1", -3, "T1", "target", "lung", 8.0, 0, 20),
        ("P1", 42, "T1", "target", "lung", 7.2, 2, 24),
    ]
    assert responses(run(rows, (*COLUMNS, "functional_diameter_mm"))) == ["SMD"]


def test_E6_best_response_pmr_then_progression_on_day_105():
    result = run(E1_E2_E6)
    assert responses(result) == ["PMR", "SMD", "PMD"]
    assert result.timepoints["rel_change"].iloc[2] == pytest.approx(0.291667)
    best = result.best_response.iloc[0]
    assert best["best_response"] == "PMR" and best["bor_day"] == 21
    assert best["progression_day"] == 105 and best["pfs_event"]


def test_cmr_when_every_baseline_lesion_is_absent():
    rows = [
        ("P1", -3, "T1", "target", "lung", 8.0, 0, "present"),
        ("P1", -3, "T2", "target", "lymph node", 4.0, 0, "present"),
        ("P1", 42, "T1", "target", "lung", None, 2, "absent"),
        ("P1", 42, "T2", "target", "lymph node", None, 2, "absent"),
    ]
    assert responses(run(rows, (*COLUMNS, "status"))) == ["CMR"]


def test_A10_unequivocal_progression_flag_is_pmd():
    rows = [
        ("P1", -3, "T1", "target", "lung", 8.0, 0, "present"),
        ("P1", 42, "T1", "target", "lung", 7.0, 2, "unequivocal_progression"),
    ]
    assert responses(run(rows, (*COLUMNS, "status"))) == ["PMD"]


def test_missing_cycles_makes_the_scan_ne_but_a_new_lesion_still_gives_pmd():
    rows = [("P1", -3, "T1", "target", "lung", 8.0, 0), ("P1", 42, "T1", "target", "lung", 5.0, None)]
    result = run(rows)
    assert responses(result) == ["NE"] and "cycles_before_scan missing" in result.timepoints.iloc[0]["reason"]
    assert responses(run([*rows, ("P1", 42, "N1", "new", "bone", 3.0, None)])) == ["PMD"]


def test_tracked_lesion_without_value_is_ne():
    rows = [
        ("P1", -3, "T1", "target", "lung", 8.0, 0),
        ("P1", -3, "T2", "target", "bone", 3.0, 0),
        ("P1", 42, "T1", "target", "lung", 5.0, 2),
    ]
    result = run(rows)
    assert responses(result) == ["NE"] and "T2 without suvmax" in result.timepoints.iloc[0]["reason"]


def test_without_reader_targets_the_five_hottest_lesions_two_per_organ_are_tracked():
    rows = [
        ("P1", -3, f"L{i}", "non_target", organ, value, 0)
        for i, (organ, value) in enumerate([("lung", 9.0), ("lung", 8.0), ("lung", 7.0), ("bone", 3.0)], 1)
    ]
    rows += [
        ("P1", 42, "L1", "non_target", "lung", 9.0, 2),
        ("P1", 42, "L2", "non_target", "lung", 8.0, 2),
        ("P1", 42, "L3", "non_target", "lung", 30.0, 2),
        ("P1", 42, "L4", "non_target", "bone", 3.0, 2),
    ]
    row = run(rows).timepoints.iloc[0]
    assert row["tracked_lesions"] == "L1,L2,L4"
    assert row["overall_response"] == "SMD"  # L3 (third lung lesion) is not tracked


def test_A2_hottest_aggregate():
    rows = [
        ("P1", -3, "T1", "target", "lung", 8.0, 0),
        ("P1", -3, "T2", "target", "bone", 4.0, 0),
        ("P1", 42, "T1", "target", "lung", 5.0, 2),
        ("P1", 42, "T2", "target", "bone", 5.9, 2),
    ]
    assert responses(run(rows)) == ["SMD"]  # sum 12.0 -> 10.9, -9.2%
    row = run(rows, eortc_aggregate="hottest").timepoints.iloc[0]  # hottest 8.0 (T1) -> 5.9 (T2), -26.3%
    assert row["baseline_sum"] == 8.0 and row["current_sum"] == 5.9 and row["overall_response"] == "PMR"


def test_A1_sulpeak_metric_needs_its_column():
    rows = [("P1", -3, "T1", "target", "lung", 8.0, 0), ("P1", 42, "T1", "target", "lung", 5.0, 2)]
    with pytest.raises(InputError, match="sulpeak"):
        run(rows, eortc_metric="sulpeak")
    columns = ("patient_id", "day", "lesion_id", "role", "organ", "sulpeak", "cycles_before_scan")
    row = run(rows, columns, eortc_metric="sulpeak").timepoints.iloc[0]
    assert row["sum_unit"] == "SUL" and row["overall_response"] == "PMR"


def test_A9_uptake_time_difference_is_a_warning_only():
    rows = [("P1", -3, "T1", "target", "lung", 8.0, 0, 60), ("P1", 42, "T1", "target", "lung", 5.0, 2, 80)]
    columns = (*COLUMNS, "uptake_min")
    row = run(rows, columns).timepoints.iloc[0]
    assert (
        row["overall_response"] == "PMR"
        and "differs from baseline 60 min by more than 15 min" in row["reason"]
    )
    assert "uptake" not in run(rows, columns, eortc_qc="off").timepoints.iloc[0]["reason"]


def test_missing_cycles_column_is_an_input_error():
    rows = [("P1", -3, "T1", "target", "lung", 8.0), ("P1", 42, "T1", "target", "lung", 5.0)]
    with pytest.raises(InputError, match="cycles_before_scan"):
        run(rows, COLUMNS[:-1])
