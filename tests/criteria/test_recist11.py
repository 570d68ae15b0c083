"""RECIST 1.1 worked examples R1-R8 of spec/anatomic.md section 1.10, transcribed by hand."""

import pandas as pd
import pytest
from lesion_rows import lesion, responses, study

from ioresponse.criteria.recist11 import assess
from ioresponse.schema import InputError, IoresponseWarning


def visits(days_values: dict[int, dict[str, object]], lesions: dict[str, dict]) -> list[dict]:
    """Rows from {day: {lesion_id: value or status}} and {lesion_id: lesion kwargs}."""
    rows = []
    for day, values in days_values.items():
        for lesion_id, value in values.items():
            kwargs = dict(lesions.get(lesion_id, {}))
            if isinstance(value, str):
                rows.append(lesion(day, lesion_id, None, status=value, **kwargs))
            elif isinstance(value, tuple):  # (status, value)
                rows.append(lesion(day, lesion_id, value[1], status=value[0], **kwargs))
            else:
                rows.append(lesion(day, lesion_id, value, **kwargs))
    return rows


def best(result) -> tuple[str, str]:
    row = result.best_response.iloc[0]
    return row["best_response"], row["best_response_confirmed"]


# R1 (spec 1.10): T1 liver, T2 lung, T3 mediastinal node; NT1 bone present throughout.
R1 = visits(
    {
        -7: {"T1": 40, "T2": 20, "T3": 20, "NT1": "present"},
        56: {"T1": 28, "T2": 14, "T3": 12, "NT1": "present"},
        84: {"T1": 26, "T2": 12, "T3": 11, "NT1": "present"},
        140: {"T1": 34, "T2": 15, "T3": 12, "NT1": "present"},
    },
    {"T2": {"organ": "lung"}, "T3": {"organ": "mediastinum", "node": True}, "NT1": {"organ": "bone"}},
)


def test_R1_confirmed_pr_then_pd():
    result = assess(study(R1))
    tp = result.timepoints
    assert responses(tp) == {56: "PR", 84: "PR", 140: "PD"}
    assert tp["current_sum"].tolist() == [54, 49, 61]
    assert tp["nadir_sum"].tolist() == [80, 54, 49]
    assert tp["pct_change_baseline"].tolist() == [-32.5, -38.75, -23.75]
    assert tp["pct_change_nadir"].iloc[2] == 24.49
    assert tp["non_target_response"].tolist() == ["NON-CR/NON-PD"] * 3
    assert "+24.49% and +12 mm vs nadir 49 mm" in tp["reason"].iloc[2]
    row = result.best_response.iloc[0]
    assert (row["best_response"], row["best_response_confirmed"]) == ("PR", "PR")
    assert row["progression_day"] == 140
    assert row["first_response_day"] == 56
    assert row["duration_of_response_days"] == 84


# R2: +20 % over nadir but less than 5 mm is not PD.
R2 = visits(
    {-7: {"T1": 12, "T2": 10}, 56: {"T1": 10, "T2": 8}, 112: {"T1": 13, "T2": 9}, 168: {"T1": 14, "T2": 10}},
    {"T1": {"organ": "lung"}, "T2": {"organ": "lung"}},
)


def test_R2_plus_20_percent_under_5mm_is_not_pd():
    result = assess(study(R2))
    assert responses(result.timepoints) == {56: "SD", 112: "SD", 168: "PD"}
    assert result.timepoints["pct_change_nadir"].tolist() == [-18.18, 22.22, 33.33]
    assert "(<5 mm): not PD" in result.timepoints["reason"].iloc[1]
    assert best(result) == ("SD", "SD")
    assert result.best_response["progression_day"].iloc[0] == 168


def test_R2_boundary_exactly_20_percent_and_5mm_is_pd():
    # spec 0.5: (30 - 25) / 25 = 0.2 exactly and +5 mm: both tests are ">=", so PD.
    rows = visits({-7: {"T1": 25}, 56: {"T1": 25}, 112: {"T1": 30}}, {})
    assert responses(assess(study(rows)).timepoints) == {56: "SD", 112: "PD"}
    rows = visits({-7: {"T1": 25}, 56: {"T1": 25}, 112: {"T1": 29.9}}, {})
    assert responses(assess(study(rows)).timepoints)[112] == "SD"


def test_R2_boundary_exactly_minus_30_percent_is_pr():
    # spec 0.5: (14 - 20) / 20 = -0.3 exactly: "<= -30%" holds.
    rows = visits({-7: {"T1": 20}, 56: {"T1": 14}, 112: {"T1": 14.1}}, {})
    assert responses(assess(study(rows)).timepoints) == {56: "PR", 112: "SD"}


# R3: node CR with a sum above 0, then a node regrows after CR.
R3_LESIONS = {
    "T1": {"organ": "mediastinum", "node": True},
    "T2": {"organ": "retroperitoneum", "node": True},
    "NT1": {"organ": "pelvis", "node": True},
}
R3 = visits(
    {
        -7: {"T1": 18, "T2": 16, "T3": 25, "NT1": ("present", 12)},
        56: {"T1": 9, "T2": 7, "T3": "absent", "NT1": ("present", 8)},
        112: {"T1": 8, "T2": 7, "T3": "absent", "NT1": ("present", 7)},
        168: {"T1": 11, "T2": 7, "T3": "absent", "NT1": ("present", 7)},
    },
    R3_LESIONS,
)


def test_R3_node_cr_with_positive_sum_then_reappearance_is_pd():
    result = assess(study(R3))
    tp = result.timepoints
    assert responses(tp) == {56: "CR", 112: "CR", 168: "PD"}
    assert tp["current_sum"].tolist() == [16, 15, 18]
    assert tp["target_response"].tolist() == ["CR", "CR", "PR"]
    assert tp["non_target_response"].tolist() == ["CR", "CR", "CR"]
    row = result.best_response.iloc[0]
    assert (row["best_response"], row["best_response_confirmed"]) == ("CR", "CR")
    assert row["progression_day"] == 168
    assert row["duration_of_response_days"] == 112


def test_R3_option_reappearance_not_pd_downgrades_cr_before_pr():
    result = assess(study(R3), reappearance_after_cr_is_pd=False)
    assert responses(result.timepoints) == {56: "CR", 112: "CR", 168: "PR"}
    assert best(result) == ("CR", "PR")
    assert "cr_downgraded_to_pr" in result.timepoints["flags"].iloc[1]
    assert pd.isna(result.best_response["progression_day"].iloc[0])


# R4: missing measurement: NE, then PD despite the missing lesion.
R4 = visits(
    {
        -7: {"T1": 30, "T2": 20, "T3": 15, "NT1": "present"},
        56: {"T1": 24, "T2": 16, "T3": "not_evaluable", "NT1": "present"},
        112: {"T1": 45, "T2": 34, "T3": "not_evaluable", "NT1": "present"},
    },
    {"T3": {"organ": "lung"}, "NT1": {"organ": "peritoneum"}},
)


def test_R4_missing_measurement_ne_then_pd_on_known_lesions():
    result = assess(study(R4))
    tp = result.timepoints
    assert responses(tp) == {56: "NE", 112: "PD"}
    assert tp["nadir_sum"].tolist() == [65, 65]  # the incomplete sum 40 never becomes a nadir
    assert "sec. 4.4.2" in tp["reason"].iloc[1]
    assert tp["reason"].iloc[0].startswith("lesion T3 not evaluable")  # spec 0.2, 0.10
    assert best(result) == ("PD", "PD")
    assert result.best_response["progression_day"].iloc[0] == 112


def test_R4_missing_lesion_row_counts_as_not_evaluable():
    rows = [r for r in R4 if not (r["lesion_id"] == "T3" and r["day"] > 0)]
    tp = assess(study(rows)).timepoints
    assert responses(tp) == {56: "NE", 112: "PD"}
    assert tp["reason"].str.startswith("lesion T3 not evaluable").all()  # no row: named too (spec 0.2)


# R5: equivocal new lesion confirmed later: PD back-dated.
R5 = visits(
    {-7: {"T1": 50, "T2": 30}, 56: {"T1": 40, "T2": 22}, 112: {"T1": 38, "T2": 21}}, {"T2": {"organ": "lung"}}
) + [lesion(56, "U1", 6, equivocal=True), lesion(112, "U1", 12)]


def test_R5_equivocal_new_lesion_confirmed_later_backdates_pd():
    result = assess(study(R5))
    assert responses(result.timepoints) == {56: "PD", 112: "PD"}
    assert "PD dated day 56" in result.timepoints["reason"].iloc[0]
    assert best(result) == ("PD", "PD")
    assert result.best_response["progression_day"].iloc[0] == 56


def test_R5_option_no_backdating():
    result = assess(study(R5), backdate_equivocal_pd=False)
    assert responses(result.timepoints) == {56: "SD", 112: "PD"}
    assert "equivocal_new_lesion" in result.timepoints["flags"].iloc[0]
    assert best(result)[0] == "SD"
    assert result.best_response["progression_day"].iloc[0] == 112


# R6a: unconfirmed PR becomes SD; R6b: PR-NE-PR is confirmed.
R6A = visits(
    {
        -7: {"T1": 40, "T2": 30, "NT1": "present"},
        56: {"T1": 26, "T2": 22, "NT1": "present"},
        84: {"T1": 30, "T2": 24, "NT1": "present"},
        140: {"T1": 31, "T2": 25, "NT1": "present"},
    },
    {},
)
R6B = visits(
    {
        -7: {"T1": 40, "T2": 30},
        56: {"T1": 26, "T2": 20},
        84: {"T1": "not_evaluable", "T2": 19},
        112: {"T1": 24, "T2": 18},
    },
    {},
)


def test_R6a_unconfirmed_pr_is_sd_with_confirmation():
    result = assess(study(R6A), confirm_response=True)
    assert responses(result.timepoints) == {56: "PR", 84: "SD", 140: "SD"}
    assert best(result) == ("PR", "SD")
    assert result.timepoints["confirmation_state"].iloc[0] == "not_confirmed"


def test_R6b_pr_ne_pr_is_confirmed():
    result = assess(study(R6B), confirm_response=True)
    assert responses(result.timepoints) == {56: "PR", 84: "NE", 112: "PR"}
    assert best(result) == ("PR", "PR")
    assert result.timepoints["confirmation_state"].tolist() == ["confirmed", "not_required", "confirms"]


def test_R6b_two_ne_between_exceed_max_ne_between():
    rows = R6B + visits({98: {"T1": "not_evaluable", "T2": 19}}, {})
    assert best(assess(study(rows), confirm_response=True)) == ("PR", "SD")
    assert best(assess(study(rows), confirm_response=True, max_ne_between=2)) == ("PR", "PR")


# R7: split lesion, "too small to measure", disappearance.
R7 = visits(
    {
        -7: {"T1": 30, "T2": 12},
        112: {"T1": 8, "T2": "absent"},
        168: {"T1": "absent", "T2": "absent"},
        196: {"T1": "absent", "T2": "absent"},
    },
    {"T2": {"organ": "lung"}},
) + [lesion(56, "T1", 12), lesion(56, "T1", 9), lesion(56, "T2", None, status="too_small", organ="lung")]


def test_R7_split_lesion_too_small_and_disappearance():
    result = assess(study(R7), confirm_response=True)
    tp = result.timepoints
    assert responses(tp) == {56: "PR", 112: "PR", 168: "CR", 196: "CR"}
    assert tp["current_sum"].tolist() == [26, 8, 0, 0]
    assert tp["pct_change_baseline"].tolist() == [-38.10, -80.95, -100.0, -100.0]
    assert best(result) == ("CR", "CR")


# R8a: SD before the minimum duration; R8b: non-target-only patient.
def test_R8a_sd_before_min_sd_days_does_not_count():
    rows = visits({-7: {"T1": 50}, 35: {"T1": 48}, 70: {"T1": 47}}, {}) + [lesion(70, "U1", 12)]
    result = assess(study(rows))
    assert responses(result.timepoints) == {35: "SD", 70: "PD"}
    assert best(result) == ("PD", "PD")
    only_early = visits({-7: {"T1": 50}, 35: {"T1": 48}}, {})
    assert best(assess(study(only_early))) == ("NE", "NE")


def test_R8a_boundary_sd_on_day_42_counts():
    rows = visits({-7: {"T1": 50}, 42: {"T1": 48}, 70: {"T1": 70}}, {})
    assert best(assess(study(rows))) == ("SD", "SD")
    rows = visits({-7: {"T1": 50}, 41: {"T1": 48}, 70: {"T1": 70}}, {})
    assert best(assess(study(rows))) == ("PD", "PD")


def test_R8b_non_target_only_patient():
    rows = visits(
        {
            -7: {"NT1": "present", "NT2": ("present", 12)},
            56: {"NT1": "present", "NT2": ("present", 11)},
            112: {"NT1": "absent", "NT2": ("present", 9)},
            140: {"NT1": "absent", "NT2": ("present", 8)},
        },
        {"NT1": {"organ": "peritoneum"}, "NT2": {"organ": "pelvis", "node": True}},
    )
    result = assess(study(rows), confirm_response=True)
    assert responses(result.timepoints) == {56: "NON-CR/NON-PD", 112: "CR", 140: "CR"}
    assert best(result) == ("CR", "CR")


def test_unequivocal_non_target_progression_is_pd():
    rows = visits({-7: {"T1": 50, "NT1": "present"}, 56: {"T1": 30, "NT1": "unequivocal_progression"}}, {})
    assert responses(assess(study(rows)).timepoints) == {56: "PD"}


def test_new_node_below_10mm_is_not_a_new_lesion():
    rows = visits({-7: {"T1": 50}, 56: {"T1": 48}}, {}) + [lesion(56, "U1", 9, node=True, organ="axilla")]
    tp = assess(study(rows)).timepoints
    assert responses(tp) == {56: "SD"}
    assert "new_node_below_10mm" in tp["flags"].iloc[0]
    rows[-1] = lesion(56, "U1", 10, node=True, organ="axilla")
    assert responses(assess(study(rows)).timepoints) == {56: "PD"}


def test_A1_target_below_10mm_is_an_error_or_a_flag():
    rows = visits({-7: {"T1": 8}, 56: {"T1": 8}}, {})
    with pytest.raises(InputError, match="measurability"):
        assess(study(rows))
    with pytest.warns(UserWarning, match="measurability"):
        tp = assess(study(rows), on_baseline_violation="warn").timepoints
    assert "baseline_target_rule_violated" in tp["flags"].iloc[0]


def test_A1_three_targets_in_one_organ_is_an_error():
    rows = visits({-7: {"T1": 20, "T2": 20, "T3": 20}, 56: {"T1": 20, "T2": 20, "T3": 20}}, {})
    with pytest.raises(InputError, match="2 per organ"):
        assess(study(rows))


def test_missing_baseline_is_an_error():
    rows = visits({14: {"T1": 20}, 56: {"T1": 20}}, {})
    with pytest.raises(InputError, match="missing baseline"):
        assess(study(rows))


def test_A4_normal_node_growth_cr_wins_by_default():
    lesions = {"T1": {"node": True, "organ": "neck"}, "T2": {"node": True, "organ": "axilla"}}
    rows = visits({-7: {"T1": 20, "T2": 20}, 56: {"T1": 5, "T2": 5}, 112: {"T1": 9, "T2": 8}}, lesions)
    assert responses(assess(study(rows)).timepoints) == {56: "CR", 112: "CR"}
    assert responses(assess(study(rows), normal_node_growth_can_be_pd=True).timepoints)[112] == "PD"


def test_sum_only_table_sum_below_10_mm_breaks_the_measurability_rule():
    # A sum-only input (io contract: pseudo-lesion "target_sum") of 8 mm: every target is >= 10 mm (nodes
    # >= 15 mm short axis; RECIST 1.1 sec. 3.1.1), so no sum of targets is under 10 mm: a baseline violation,
    # refused by default (spec 1.11 A1); with on_baseline_violation="warn" the patient is flagged and
    # assessed: -37.5% at day 56 is PR (sec. 4.3.1).
    rows = [
        lesion(-7, "target_sum", 8, organ="all targets"),
        lesion(56, "target_sum", 5, organ="all targets"),
    ]
    given = study(rows, missing_components=frozenset({"non_target", "new"}))
    with pytest.raises(InputError, match="measurability"):
        assess(given)
    with pytest.warns(IoresponseWarning, match="measurability"):
        tp = assess(given, on_baseline_violation="warn").timepoints
    assert responses(tp) == {56: "PR"}
    assert "baseline_target_rule_violated" in tp["flags"].iloc[0]
    assert tp["non_target_response"].iloc[0] == "not_given"
    assert "target-only assessment" in tp["reason"].iloc[0]


def test_A11_split_node_fragments_are_summed_and_flagged():
    # spec 1.11 A11: fragment short axes of a node are summed as for other lesions, flag split_node.
    rows = [
        lesion(-7, "T1", 30, node=True, organ="neck"),
        lesion(56, "T1", 12, node=True, organ="neck"),
        lesion(56, "T1", 9, node=True, organ="neck"),
    ]
    tp = assess(study(rows)).timepoints
    assert tp["current_sum"].tolist() == [21]  # 12 + 9; -30.00% vs 30 mm: PR
    assert responses(tp) == {56: "PR"}
    assert "split_node" in tp["flags"].iloc[0]


def test_baseline_older_than_28_days_is_flagged_or_refused():
    # spec 0.2 (RECIST 1.1 sec. 3.2.1): baseline on day -29 is more than 4 weeks before treatment.
    rows = visits({-29: {"T1": 40}, 56: {"T1": 30}}, {})
    tp = assess(study(rows)).timepoints
    assert "baseline_older_than_28_days" in tp["flags"].iloc[0]
    with pytest.raises(InputError, match="more than 28 days before treatment"):
        assess(study(rows), on_old_baseline="error")
    on_day_28 = visits({-28: {"T1": 40}, 56: {"T1": 30}}, {})
    assert "baseline_older" not in assess(study(on_day_28)).timepoints["flags"].iloc[0]


def test_bone_target_and_normal_node_at_baseline_are_flagged():
    # spec 1.2: a bone target asks for a soft-tissue component; a recorded node < 10 mm is normal.
    rows = visits(
        {-7: {"T1": 20, "NT1": ("present", 8)}, 56: {"T1": 18, "NT1": ("present", 8)}},
        {"T1": {"organ": "bone"}, "NT1": {"organ": "neck", "node": True}},
    )
    flags = assess(study(rows)).timepoints["flags"].iloc[0]
    assert "bone_target_check_soft_tissue_component" in flags
    assert "normal_node_recorded" in flags
