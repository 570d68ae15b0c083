"""PECRIT: the worked examples C-1..C-6 and ambiguities A1-A5 of spec/metabolic.md section 6.

Tables are typed by hand from the spec; expected predictions are the spec's. The RECIST 1.1 response
comes either from the PET table's ``recist_response`` column or from the RECIST 1.1 engine run on a
hand-typed anatomic table of the same patient.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from ioresponse.criteria import Study
from ioresponse.criteria.pecrit import CRITERION
from ioresponse.io.load import load_study
from ioresponse.schema import InputError

# spec 6.11: baseline day -4, SCAN-2 day 24, liver 2.0 / 0.25 at both scans, uptake 60 and 63 min.
SCANS = {
    -4: {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
    24: {"uptake_min": 63, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
    42: {"uptake_min": 63, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
}


def table(l1, l2, recist=None, day=24, scans=SCANS):
    """L1 (lung) and L2 (lymph node) SULpeak at baseline and at the follow-up, with its RECIST response."""
    rows = []
    for lesion_id, organ, (before, after) in (("L1", "lung", l1), ("L2", "lymph node", l2)):
        rows.append(
            {
                "patient_id": "P1",
                "day": -4,
                "lesion_id": lesion_id,
                "role": "target",
                "organ": organ,
                "sulpeak": before,
            }
            | scans[-4]
        )
        rows.append(
            {
                "patient_id": "P1",
                "day": day,
                "lesion_id": lesion_id,
                "role": "target",
                "organ": organ,
                "sulpeak": after,
            }
            | scans[day]
        )
    frame = pd.DataFrame(rows)
    if recist is not None:
        frame["recist_response"] = ["" if d < 0 else recist for d in frame["day"]]
    return frame


def predict(frame, **options):
    return CRITERION.assess(Study(pet=frame), **options).timepoints.iloc[0]


def test_C1_recist_pr_is_clinical_benefit_pet_not_consulted():
    row = predict(table((6.0, 8.4), (3.0, 3.0), "PR"))
    assert row["overall_response"] == "clinical_benefit"
    assert "RECIST 1.1 PR at day 24" in row["reason"] and "PECRIT, Cho 2017" in row["reason"]


def test_C2_recist_pd_is_no_clinical_benefit():
    assert predict(table((6.0, 4.2), (3.0, 3.0), "PD"))["overall_response"] == "no_clinical_benefit"


def test_C3_recist_sd_with_20_percent_sulpeak_increase_is_benefit_by_default():
    frame = table((5.0, 6.0), (3.9, 4.1), "SD")
    row = predict(frame)
    assert row["rel_change"] == 0.2 and row["overall_response"] == "clinical_benefit"
    assert predict(frame, pecrit_sd_direction="decrease")["overall_response"] == "no_clinical_benefit"


def test_C4_recist_sd_split_by_the_sulpeak_change_direction_option():
    frame = table((5.0, 4.0), (3.9, 3.5), "SD")
    row = predict(frame)
    assert row["rel_change"] == -0.2 and row["overall_response"] == "no_clinical_benefit"
    assert "pecrit_sd_direction='increase'" in row["reason"]
    decrease = predict(frame, pecrit_sd_direction="decrease")
    assert decrease["overall_response"] == "clinical_benefit"
    assert "pecrit_sd_direction='decrease'" in decrease["reason"]


def test_C5_exactly_15_5_percent_is_never_benefit():
    frame = table((4.0, 4.62), (3.9, 3.9), "SD")
    row = predict(frame)
    assert row["rel_change"] == 0.155 and row["overall_response"] == "no_clinical_benefit"
    assert predict(table((4.0, 4.63), (3.9, 3.9), "SD"))["overall_response"] == "clinical_benefit"
    assert (
        predict(table((4.0, 3.38), (3.9, 3.3), "SD"), pecrit_sd_direction="decrease")["overall_response"]
        == "no_clinical_benefit"
    )


def test_C6_scan_outside_days_21_28_is_flagged_or_ne_with_strict_window():
    frame = table((5.0, 6.0), (3.9, 4.1), "SD", day=42)
    row = predict(frame)
    assert row["overall_response"] == "clinical_benefit" and row["timing_flag"] == "outside_pecrit_window"
    assert "this scan is day 42" in row["reason"]
    assert predict(frame, pecrit_strict_window=True)["overall_response"] == "NE"


def test_first_scan_inside_the_window_is_used():
    frame = pd.concat(
        [
            table((5.0, 6.0), (3.9, 4.1), "SD", day=24),
            table((5.0, 4.0), (3.9, 3.5), "SD", day=42).query("day == 42"),
        ]
    )
    result = CRITERION.assess(Study(pet=frame))
    assert result.timepoints["day"].tolist() == [24]
    best = result.best_response.iloc[0]
    assert best["best_response"] == "clinical_benefit" and best["bor_day"] == 24


def test_recist_ne_is_ne():
    assert predict(table((5.0, 6.0), (3.9, 4.1), "NE"))["overall_response"] == "NE"


def test_A4_quality_check_failure_in_the_sd_branch_is_ne_unless_warn():
    scans = SCANS | {24: {"uptake_min": 90, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25}}
    frame = table((5.0, 6.0), (3.9, 4.1), "SD", scans=scans)
    row = predict(frame)
    assert row["overall_response"] == "NE" and "quality check failed" in row["reason"]
    assert predict(frame, percist_qc="warn")["overall_response"] == "clinical_benefit"
    assert predict(table((5.0, 6.0), (3.9, 4.1), "PR", scans=scans))["overall_response"] == "clinical_benefit"


def test_sd_branch_needs_a_measurable_baseline():
    row = predict(table((3.4, 6.0), (3.0, 4.1), "SD"))
    assert row["overall_response"] == "NE" and "no measurable baseline lesion" in row["reason"]


def test_A5_no_absolute_sul_minimum():
    # 2.0 -> 2.4 would fail PERCIST's 0.8 SUL; PECRIT uses the percentage only (+20%).
    scans = {day: {"uptake_min": 60, "liver_sul_mean": 1.0, "liver_sul_sd": 0.1} for day in (-4, 24)}
    assert predict(table((2.0, 2.4), (1.0, 1.0), "SD", scans=scans))["overall_response"] == "clinical_benefit"


# The RECIST 1.1 part from the anatomic table of the same study (spec 6.2): one lung target of 30 mm.
def anatomic(long_axis_at_day_24):
    return load_study(
        pd.DataFrame(
            {
                "patient_id": ["P1", "P1"],
                "day": [-4, 24],
                "lesion_id": ["T1", "T1"],
                "role": ["target", "target"],
                "organ": ["lung", "lung"],
                "lymph_node": [False, False],
                "long_axis_mm": [30.0, long_axis_at_day_24],
                "status": ["present", "present"],
            }
        )
    )


@pytest.mark.parametrize(
    ("long_axis", "recist", "expected"),
    [
        (29.0, "SD", "clinical_benefit"),  # RECIST SD (-3.3%), SULpeak +20%
        (20.0, "PR", "clinical_benefit"),  # RECIST PR (-33.3%)
        (37.0, "PD", "no_clinical_benefit"),  # RECIST PD (+23.3%, +7 mm)
    ],
)
def test_recist_part_from_the_recist11_engine_on_the_anatomic_table(long_axis, recist, expected):
    study = replace(anatomic(long_axis), pet=table((5.0, 6.0), (3.9, 4.1)))
    result = CRITERION.assess(study)
    row = result.timepoints.iloc[0]
    assert row["recist_response"] == recist and row["overall_response"] == expected


def test_recist_assessment_on_another_day_needs_the_window_option():
    pet = table((5.0, 6.0), (3.9, 4.1))
    pet.loc[pet["day"] == 24, "day"] = 25
    study = replace(anatomic(29.0), pet=pet)
    assert CRITERION.assess(study).timepoints.iloc[0]["overall_response"] == "NE"
    row = CRITERION.assess(study, pecrit_recist_window_days=1).timepoints.iloc[0]
    assert row["recist_response"] == "SD" and row["overall_response"] == "clinical_benefit"


def test_without_recist_response_or_anatomic_table_is_an_input_error():
    with pytest.raises(InputError, match="recist_response"):
        CRITERION.assess(Study(pet=table((5.0, 6.0), (3.9, 4.1))))


def test_missing_columns_names_the_recist_source_so_criteria_all_can_skip_pecrit():
    assert CRITERION.missing_columns(Study(pet=table((5.0, 6.0), (3.9, 4.1)))) == ["recist_response"]
    assert CRITERION.missing_columns(Study(pet=table((5.0, 6.0), (3.9, 4.1), "SD"))) == []
    assert CRITERION.missing_columns(replace(anatomic(29.0), pet=table((5.0, 6.0), (3.9, 4.1)))) == []
