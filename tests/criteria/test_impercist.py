"""imPERCIST5: the worked examples I-1..I-5 and ambiguities A1-A5 of spec/metabolic.md section 8.

Tables are typed by hand from the spec; expected categories and numbers are the spec's.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ioresponse.criteria import Study
from ioresponse.criteria.impercist import CRITERION

# spec 8.11: baseline day -6, follow-up day 90; liver 2.0 / 0.25 at both (T = 3.5); uptake 60 / 61 min.
SCANS = {
    -6: {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
    90: {"uptake_min": 61, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
    150: {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
}


def table(lesions, scans=SCANS):
    """Long PET table from (lesion_id, role, organ, {day: sulpeak}) rows."""
    return pd.DataFrame(
        [
            {
                "patient_id": "P1",
                "day": day,
                "lesion_id": lesion_id,
                "role": role,
                "organ": organ,
                "sulpeak": value,
            }
            | scans[day]
            for lesion_id, role, organ, values in lesions
            for day, value in values.items()
        ]
    )


def run(lesions, scans=SCANS, **options):
    return CRITERION.assess(Study(pet=table(lesions, scans)), **options)


def first(lesions, scans=SCANS, **options):
    return run(lesions, scans, **options).timepoints.iloc[0]


I1 = [
    ("L1", "target", "liver", {-6: 8.0, 90: 7.0}),
    ("L2", "target", "liver", {-6: 6.0, 90: 5.0}),
    ("L3", "target", "lymph node", {-6: 4.0, 90: 3.0}),
    ("N1", "new", "lung", {90: 4.0}),
]
I2 = [
    ("L1", "target", "lung", {-6: 6.0, 90: 6.0}),
    ("L2", "target", "lymph node", {-6: 4.0, 90: 4.0}),
    ("N1", "new", "bone", {90: 4.0}),
]
I5 = [
    ("L1", "target", "lung", {-6: 6.0, 90: 5.0}),
    ("L2", "target", "lung", {-6: 5.0, 90: 4.0}),
    ("L3", "target", "lymph node", {-6: 5.0, 90: 4.0}),
    ("L4", "target", "lymph node", {-6: 4.0, 90: 3.5}),
    ("L5", "target", "bone", {-6: 4.0, 90: 3.5}),
    ("N1", "new", "liver", {90: 6.0}),
    ("N2", "new", "liver", {90: 5.5}),
]


def test_I1_new_lesion_added_to_the_sum_is_not_pmd():
    row = first(I1)
    assert row["baseline_sum"] == 18.0 and row["current_sum"] == 19.0 and row["new_lesion_sum"] == 4.0
    assert row["rel_change"] == pytest.approx(0.055556)
    assert row["overall_response"] == "SMD"
    assert "sum SULpeak 19.0 (incl. new N1) vs baseline 18.0: +5.6%" in row["reason"]


def test_I2_new_lesion_pushes_the_sum_over_30_percent_is_pmd():
    row = first(I2)
    assert row["current_sum"] == 14.0 and row["rel_change"] == 0.4 and row["overall_response"] == "PMD"


def test_I3_exactly_plus_30_percent_is_pmd_by_default_and_smd_when_strict():
    lesions = [
        ("L1", "target", "lung", {-6: 6.0, 90: 7.8}),
        ("L2", "target", "lymph node", {-6: 4.0, 90: 5.2}),
    ]
    row = first(lesions)
    assert row["rel_change"] == 0.3 and row["overall_response"] == "PMD"
    assert first(lesions, impercist_inclusive=False)["overall_response"] == "SMD"


def test_I3_just_under_30_percent_is_smd():
    lesions = [
        ("L1", "target", "lung", {-6: 6.0, 90: 7.79}),
        ("L2", "target", "lymph node", {-6: 4.0, 90: 5.2}),
    ]
    assert first(lesions)["overall_response"] == "SMD"


def test_I4_exactly_minus_30_percent_is_pmr():
    lesions = [
        ("L1", "target", "liver", {-6: 8.0, 90: 6.0}),
        ("L2", "target", "liver", {-6: 6.0, 90: 4.0}),
        ("L3", "target", "lymph node", {-6: 4.0, 90: 2.6}),
    ]
    row = first(lesions)
    assert row["current_sum"] == pytest.approx(12.6) and row["rel_change"] == -0.3
    assert row["overall_response"] == "PMR"
    assert first(lesions, impercist_inclusive=False)["overall_response"] == "SMD"


def test_I5_top5_reselection_with_two_per_organ_is_smd():
    row = first(I5)
    assert row["baseline_sum"] == 24.0 and row["current_sum"] == 24.5
    assert row["summed_lesions"] == "N1,N2,L1,L2,L3"
    assert row["overall_response"] == "SMD"


def test_I5_add_all_mode_is_pmd():
    row = first(I5, impercist_new_lesion_mode="add_all")
    assert row["current_sum"] == 31.5 and row["rel_change"] == 0.3125 and row["overall_response"] == "PMD"


def test_A3_absolute_minimum_blocks_a_small_relative_rise():
    # sum 2.0 -> 2.7: +35% but only +0.7 SUL; baseline lesion measurable with a low liver.
    scans = {day: {"uptake_min": 60, "liver_sul_mean": 1.0, "liver_sul_sd": 0.1} for day in (-6, 90)}
    lesions = [("L1", "target", "lung", {-6: 2.0, 90: 2.7})]
    assert first(lesions, scans)["overall_response"] == "PMD"
    assert first(lesions, scans, impercist_min_abs_sul=0.8)["overall_response"] == "SMD"


def test_cmr_when_every_lesion_is_below_the_liver():
    lesions = [
        ("L1", "target", "lung", {-6: 6.0, 90: 1.5}),
        ("L2", "target", "lymph node", {-6: 4.0, 90: 1.0}),
    ]
    assert first(lesions)["overall_response"] == "CMR"


def test_no_measurable_baseline_lesion_is_ne_even_with_a_new_lesion():
    lesions = [("L1", "target", "lung", {-6: 3.4, 90: 3.0}), ("N1", "new", "bone", {90: 9.0})]
    row = first(lesions)
    assert row["overall_response"] == "NE" and "no measurable baseline lesion" in row["reason"]


def test_A5_failed_quality_check_is_ne_without_new_lesion_rescue_and_warn_keeps_category():
    scans = SCANS | {90: {"uptake_min": 85, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25}}
    assert first(I2, scans)["overall_response"] == "NE"
    row = first(I2, scans, impercist_qc="warn")
    assert row["overall_response"] == "PMD" and "quality check failed" in row["reason"]


def test_A4_nadir_reference_for_pmd():
    lesions = [("L1", "target", "lung", {-6: 10.0, 90: 6.0, 150: 8.0})]
    assert run(lesions).timepoints["overall_response"].tolist() == ["PMR", "SMD"]
    nadir = run(lesions, impercist_reference="nadir").timepoints
    assert nadir["overall_response"].tolist() == ["PMR", "PMD"]
    assert nadir.iloc[1]["nadir_sum"] == 6.0


def test_best_response_up_to_first_pmd():
    lesions = [("L1", "target", "lung", {-6: 10.0, 90: 6.0, 150: 13.0})]
    best = run(lesions).best_response.iloc[0]
    assert best["best_response"] == "PMR" and best["progression_day"] == 150
