"""irRC (Wolchok 2009): the worked examples Q1-Q5 of spec/anatomic.md 2.10 and the options of 2.11."""

from __future__ import annotations

import pandas as pd
import pytest
from _examples import Q1, Q2, Q3, Q4, Q5
from _lesions import best, by_day, flags_on, lesions, study

from ioresponse.criteria import irrc, registry
from ioresponse.schema import InputError


def run(table, **options):
    return irrc.assess(study(table), **options)




def test_Q1_confirmed_irpr():
    result = run(lesions(Q1))
    assert by_day(result) == {84: "irPR", 112: "irPR"}
    assert by_day(result, "current_sum") == {84: 620.0, 112: 476.0}
    assert by_day(result, "baseline_sum") == {84: 1650.0, 112: 1650.0}
    assert by_day(result, "nadir_sum") == {84: 1650.0, 112: 620.0}
    assert set(by_day(result, "sum_unit").values()) == {"mm2"}
    pct = by_day(result, "pct_change_baseline")
    assert pct[84] == pytest.approx(-62.42, abs=0.005)
    assert pct[112] == pytest.approx(-71.15, abs=0.005)
    assert by_day(result, "pct_change_nadir")[112] == pytest.approx(-23.23, abs=0.005)
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irPR", "irPR")
    assert row["first_response_day"] == 84
    assert not row["pfs_event"]
    assert "Wolchok" in by_day(result, "reason")[84] or "irRC" in by_day(result, "reason")[84]




def test_Q2_new_measurable_lesion_in_burden_turns_irpr_into_irsd():
    result = run(lesions(Q2))
    assert by_day(result) == {84: "irSD", 112: "irPR", 140: "irPR"}
    assert by_day(result, "current_sum") == {84: 600.0, 112: 380.0, 140: 278.0}
    assert by_day(result, "new_lesion_sum") == {84: 180.0, 112: 80.0, 140: 48.0}
    assert by_day(result, "pct_change_baseline")[84] == pytest.approx(-45.45, abs=0.005)
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irPR", "irPR")
    assert row["first_response_day"] == 112


def test_Q2_new_lesion_is_pd_under_recist_but_not_under_irrc():
    table = lesions(Q2)
    recist = registry()["recist11"].assess(study(table))
    assert by_day(recist)[84] == "PD"
    assert best(recist)["best_response"] == "PD"
    assert "irPD" not in by_day(run(table)).values()




def test_Q3_unconfirmed_irpd_then_irpr():
    result = run(lesions(Q3))
    assert by_day(result) == {84: "irPD", 112: "irSD", 168: "irPR", 196: "irPR"}
    assert by_day(result, "current_sum") == {84: 914.0, 112: 438.0, 168: 180.0, 196: 140.0}
    assert by_day(result, "pct_change_nadir")[84] == pytest.approx(52.33, abs=0.005)
    assert by_day(result, "confirmation_state")[84] == "not_confirmed"
    assert not any(by_day(result, "after_progression").values())
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irPR", "irPR")
    assert not row["pfs_event"]
    assert _missing(row["progression_day"])


def test_Q3_new_lesions_make_recist_pd_on_day_84():
    recist = registry()["recist11"].assess(study(lesions(Q3)))
    assert by_day(recist)[84] == "PD"




def test_Q4_confirmed_irpd_dated_to_first_irpd():
    result = run(lesions(Q4))
    assert by_day(result) == {56: "irPD", 84: "irPD"}
    assert by_day(result, "pct_change_nadir")[56] == pytest.approx(36.00, abs=0.005)
    assert by_day(result, "confirmation_state") == {56: "confirmed", 84: "confirms"}
    row = best(result)
    assert row["best_response"] == "irPD"
    assert row["progression_day"] == 56
    assert row["pfs_event"]
    assert row["pfs_day"] == 56


def test_B8_irpd_confirmed_by_25_percent_again_without_further_increase():
    # spec 2.11 B8: the deciding assessment only has to meet >= +25 % over the nadir again.
    table = lesions(
        Q4.replace("84  L1     target liver n    40   38", "84  L1     target liver n    36   34")
    )
    assert by_day(run(table), "confirmation_state") == {56: "confirmed", 84: "confirms"}




def test_Q5_ircr_with_normal_sized_index_node():
    result = run(lesions(Q5))
    assert by_day(result, "current_sum") == {84: 96.0, 112: 77.0}
    assert by_day(result) == {84: "irCR", 112: "irCR"}
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irCR", "irCR")


def test_B2_who_node_rules_node_must_disappear_for_ircr():
    result = run(lesions(Q5), node_rules="who")
    assert by_day(result) == {84: "irPR", 112: "irPR"}
    assert best(result)["best_response_confirmed"] == "irPR"


# --- thresholds pinned on both sides (spec 2.4) ---------------------------------------------------


def _two_visits(day1: str, day2: str) -> str:
    return f"""
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
56  L1     target liver n    {day1}  present
84  L1     target liver n    {day2}  present
"""


def test_irpd_at_exactly_plus_25_percent_over_nadir():
    # 400 -> 500 mm2 is +25.00 %: irPD band (>= 25 %).
    result = run(lesions(_two_visits("25   20", "25   20")))
    assert by_day(result)[56] == "irPD"


def test_no_irpd_just_under_plus_25_percent():
    # 400 -> 499.8 mm2 (21 x 23.8) is +24.95 %: irSD.
    result = run(lesions(_two_visits("21   23.8", "21   23.8")))
    assert by_day(result)[56] == "irSD"


def test_irpr_at_exactly_minus_50_percent_of_baseline():
    # 400 -> 200 mm2 is -50.00 %: irPR; 201 mm2 is irSD.
    assert by_day(run(lesions(_two_visits("20   10", "20   10"))))[56] == "irPR"
    assert by_day(run(lesions(_two_visits("20   10.05", "20   10.05"))))[56] == "irSD"


def test_irpd_confirmation_needs_28_days_day_27_does_not_decide():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
56  L1     target liver n    25   25   present
83  L1     target liver n    20   18   present
84  L1     target liver n    25   25   present
"""
    result = run(lesions(text))
    # day 83 is 27 days after the irPD: it does not decide; day 84 (28 days) confirms.
    assert by_day(result, "confirmation_state")[56] == "confirmed"
    assert by_day(result, "confirmation_state")[84] == "confirms"
    assert best(result)["progression_day"] == 56


def test_irpd_pending_at_end_of_data_is_irpd_by_default_and_ne_with_option():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
56  L1     target liver n    25   25   present
"""
    default = run(lesions(text))
    assert by_day(default, "confirmation_state")[56] == "pending"
    assert best(default)["best_response"] == "irPD"
    assert "pd_unconfirmed" in str(best(default)["reason"]) or "pd_unconfirmed" in flags_on(default, 56)
    assert best(run(lesions(text), unconfirmed_pd_as="ne"))["best_response"] == "NE"


def test_confirm_max_days_flags_a_late_confirmation():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
56  L1     target liver n    25   25   present
140 L1     target liver n    26   26   present
"""
    assert "late_confirmation" not in flags_on(run(lesions(text)), 140)
    assert "late_confirmation" in flags_on(run(lesions(text), confirm_max_days=56), 140)


def test_B9_absolute_minimum_for_irpd_is_an_option():
    # 400 -> 500 mm2: +25 % and +100 mm2; with pd_absolute_mm2 = 150 it is not irPD.
    table = lesions(_two_visits("25   20", "25   20"))
    assert by_day(run(table, pd_absolute_mm2=150.0))[56] == "irSD"
    assert by_day(run(table, pd_absolute_mm2=100.0))[56] == "irPD"


# --- non-index lesions, new lesions (spec 2.5, 2.6) ------------------------------------------------


def test_non_index_unequivocal_progression_never_defines_irpd():
    text = """
day lesion role       organ node long perp status
-7  L1     target     liver n    20   20   present
-7  NI1    non_target bone  n    -    -    present
56  L1     target     liver n    20   20   present
56  NI1    non_target bone  n    -    -    unequivocal_progression
"""
    assert by_day(run(lesions(text))) == {56: "irSD"}


def test_gone_burden_with_non_index_present_is_irpr_and_new_nonmeasurable_prevents_ircr():
    text = """
day lesion role       organ node long perp status
-7  L1     target     liver n    20   20   present
-7  NI1    non_target bone  n    -    -    present
56  L1     target     liver n    -    -    absent
56  NI1    non_target bone  n    -    -    present
84  L1     target     liver n    -    -    absent
84  NI1    non_target bone  n    -    -    absent
84  N1     new        lung  n    4    4    present
112 L1     target     liver n    -    -    absent
112 NI1    non_target bone  n    -    -    absent
112 N1     new        lung  n    -    -    absent
"""
    assert by_day(run(lesions(text))) == {56: "irPR", 84: "irPR", 112: "irCR"}


def test_incomplete_burden_is_ne_unless_known_part_already_irpd():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
-7  L2     target lung  n    10   10   present
56  L1     target liver n    20   20   present
56  L2     target lung  n    -    -    not_evaluable
84  L1     target liver n    25   25   present
84  L2     target lung  n    -    -    not_evaluable
"""
    result = run(lesions(text))
    # nadir 500; day 84 known part 625 = +25 %: irPD whatever L2 is.
    assert by_day(result) == {56: "NE", 84: "irPD"}
    assert by_day(result, "sum_complete") == {56: False, 84: False}


def test_no_index_lesion_at_baseline_every_timepoint_ne():
    text = """
day lesion role       organ node long perp status
-7  NI1    non_target bone  n    -    -    present
56  NI1    non_target bone  n    -    -    present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "NE"}
    assert "no index lesion" in by_day(result, "reason")[56]


def test_B1_new_lesion_of_exactly_5_by_5_mm_is_measurable_and_4_9_is_not():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
56  L1     target liver n    20   20   present
56  N1     new    lung  n    5    5    present
56  N2     new    lung  n    4.9  6    present
"""
    assert by_day(run(lesions(text)), "current_sum") == {56: 425.0}
    assert by_day(run(lesions(text), min_diameter_inclusive=False), "current_sum") == {56: 400.0}


def test_B1_baseline_index_lesion_below_5_mm_is_an_input_error_and_option_lowers_it():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   4    present
56  L1     target liver n    20   4    present
"""
    with pytest.raises(InputError, match="perpendicular_mm"):
        run(lesions(text))
    assert by_day(run(lesions(text), baseline_min_diameter_mm=4.0)) == {56: "irSD"}


def test_B3_too_small_index_lesion_counts_25_mm2():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
-7  L2     target lung  n    10   10   present
56  L1     target liver n    20   20   present
56  L2     target lung  n    -    -    too_small
"""
    assert by_day(run(lesions(text)), "current_sum") == {56: 425.0}
    assert by_day(run(lesions(text), too_small_product_mm2=0.0), "current_sum") == {56: 400.0}


def test_B4_new_lesion_caps_five_per_organ():
    rows = "\n".join(f"56  N{i}     new    lung  n    10   10   present" for i in range(1, 7))
    text = f"""
day lesion role   organ node long perp status
-7  L1     target liver n    40   40   present
56  L1     target liver n    40   40   present
{rows}
"""
    # six new 10 x 10 lung lesions: five counted under the caps (500 mm2), the sixth is non-measurable.
    assert by_day(run(lesions(text)), "new_lesion_sum") == {56: 500.0}
    assert by_day(run(lesions(text), apply_new_lesion_caps=False), "new_lesion_sum") == {56: 600.0}


def test_B5_new_lesion_enters_burden_when_it_becomes_measurable():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    40   40   present
56  L1     target liver n    40   40   present
56  N1     new    lung  n    4    4    present
112 L1     target liver n    40   40   present
112 N1     new    lung  n    10   10   present
"""
    assert by_day(run(lesions(text)), "current_sum") == {56: 1600.0, 112: 1700.0}
    entry_first = run(lesions(text), new_lesion_entry="first_appearance_only")
    assert by_day(entry_first, "current_sum") == {56: 1600.0, 112: 1600.0}


def test_B6_irpr_needs_confirmation_by_default():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
56  L1     target liver n    10   10   present
84  L1     target liver n    20   20   present
"""
    # irPR on day 56, irSD on day 84: best_response counts the irPR, the confirmed column does not.
    row = best(run(lesions(text)))
    assert (row["best_response"], row["best_response_confirmed"]) == ("irPR", "irSD")
    assert _missing(row["first_response_day"])
    assert best(run(lesions(text), confirm_response=False))["first_response_day"] == 56


def test_B7_min_sd_days_irsd_before_day_42_is_ne_and_zero_disables():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
35  L1     target liver n    20   20   present
"""
    assert best(run(lesions(text)))["best_response"] == "NE"
    assert best(run(lesions(text), min_sd_days=0))["best_response"] == "irSD"


def test_missing_perpendicular_of_present_index_lesion_is_an_input_error():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   -    present
56  L1     target liver n    20   20   present
"""
    with pytest.raises(InputError, match="perpendicular_mm"):
        run(lesions(text))


def test_missing_diameter_option_reads_the_lesion_as_not_evaluable():
    # spec 2.9 requires both diameters; with missing_diameter="not_evaluable" the burden is incomplete.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
-7  L2     target lung  n    10   10   present
56  L1     target liver n    20   20   present
56  L2     target lung  n    10   -    present
"""
    result = run(lesions(text), missing_diameter="not_evaluable")
    assert by_day(result) == {56: "NE"}
    assert "missing_diameter" in flags_on(result, 56)


def test_irrc_is_registered_and_requires_perpendicular():
    # spec 2.9: perpendicular_mm is required for present index (and measured new) lesions that are not nodes,
    # whose short axis stands in for it (0.1): so it is checked on the table, not listed unconditionally
    criterion = registry()["irrc"]
    assert criterion.family == "anatomic"
    assert "perpendicular_mm" not in criterion.required_columns
    assert criterion.missing_columns(study(lesions(Q1))) == []


def test_irrc_reports_perpendicular_missing_when_the_column_is_empty():
    # the validated table always has the column; with no value in it irRC cannot run (spec 2.9)
    text = """
day lesion role   organ node long status
-7  L1     target liver n    40   present
56  L1     target liver n    30   present
"""
    assert registry()["irrc"].missing_columns(study(lesions(text))) == ["perpendicular_mm"]


def _missing(value) -> bool:
    return bool(pd.isna(value))


def test_apply_slice_rule_doubles_the_minimum_diameter_for_thick_slices():
    # spec 2.2: with apply_slice_rule each diameter must be >= 2 x a slice thicker than 5 mm.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    40   40   present
56  L1     target liver n    40   40   present
56  N1     new    lung  n    8    8    present
"""
    table = lesions(text, slice_thickness_mm="6")
    assert by_day(run(table), "new_lesion_sum") == {56: 64.0}
    assert by_day(run(table, apply_slice_rule=True), "new_lesion_sum") == {56: 0.0}


def test_index_lesion_counts_five_per_organ():
    rows = "\n".join(f"-7  L{i}     target liver n    20   20   present" for i in range(1, 7))
    follow = "\n".join(f"56  L{i}     target liver n    20   20   present" for i in range(1, 7))
    table = lesions(f"day lesion role organ node long perp status\n{rows}\n{follow}")
    with pytest.raises(InputError, match="index lesions per organ"):
        run(table)
    assert by_day(run(table, max_index_per_organ=6)) == {56: "irSD"}
