"""irRECIST (Nishino 2013; Bohnsack 2014): worked examples J1-J4 of spec/anatomic.md 3.10, options of 3.11."""

from __future__ import annotations

import pandas as pd
import pytest
from _examples import J2, J3
from _lesions import best, by_day, flags_on, lesions, study

from ioresponse.criteria import irrecist, registry
from ioresponse.schema import InputError


def run(table, **options):
    return irrecist.assess(study(table), **options)


# spec 3.10 J1: a new measurable lesion in the TMTB: PR on targets, irSD overall, then irPR.
J1 = """
day lesion role   organ       node long short status
-7  T1     target liver       n    40   -     present
-7  T2     target mediastinum y    25   20    present
56  T1     target liver       n    24   -     present
56  T2     target mediastinum y    18   14    present
56  N1     new    lung        n    12   -     present
84  T1     target liver       n    20   -     present
84  T2     target mediastinum y    15   10    present
84  N1     new    lung        n    10   -     present
112 T1     target liver       n    18   -     present
112 T2     target mediastinum y    14   9     present
112 N1     new    lung        n    8    -     present
"""


def test_J1_new_measurable_lesion_in_tmtb_irsd_then_irpr():
    result = run(lesions(J1))
    assert by_day(result, "current_sum") == {56: 50.0, 84: 40.0, 112: 35.0}
    assert by_day(result, "target_sum") == {56: 38.0, 84: 30.0, 112: 27.0}
    assert by_day(result, "new_lesion_sum") == {56: 12.0, 84: 10.0, 112: 8.0}
    assert by_day(result, "pct_change_baseline")[56] == pytest.approx(-16.67, abs=0.005)
    assert by_day(result, "pct_change_nadir")[84] == pytest.approx(-20.00, abs=0.005)
    assert by_day(result) == {56: "irSD", 84: "irPR", 112: "irPR"}
    assert set(by_day(result, "sum_unit").values()) == {"mm"}
    row = best(result)
    assert row["best_response"] == "irPR"
    assert row["first_response_day"] == 84


def test_J1_confirmed_irpr_with_confirm_response():
    row = best(run(lesions(J1), confirm_response=True))
    assert (row["best_response"], row["best_response_confirmed"]) == ("irPR", "irPR")
    assert row["first_response_day"] == 84


def test_J1_new_lesion_is_recist_pd_but_not_irpd():
    recist = registry()["recist11"].assess(study(lesions(J1)))
    assert by_day(recist)[56] == "PD"
    assert "irPD" not in by_day(run(lesions(J1))).values()




def test_J2_plus_20_percent_under_5mm_then_confirmed_irpd_from_new_lesion():
    result = run(lesions(J2))
    assert by_day(result) == {56: "irSD", 112: "irSD", 168: "irPD", 196: "irPD"}
    assert by_day(result, "abs_change_nadir") == {56: -4.0, 112: 4.0, 168: 14.0, 196: 16.0}
    assert by_day(result, "pct_change_nadir")[112] == pytest.approx(23.53, abs=0.005)
    assert by_day(result, "confirmation_state")[168] == "confirmed"
    assert by_day(result, "confirmation_state")[196] == "confirms"
    row = best(result)
    assert row["best_response"] == "irSD"
    assert row["bor_day"] == 56
    assert row["progression_day"] == 168
    assert row["pfs_event"]




def test_J3_unequivocal_non_target_progression_is_confirmed_irpd_by_default():
    result = run(lesions(J3))
    assert by_day(result) == {56: "irPD", 84: "irPD"}
    assert by_day(result, "confirmation_state") == {56: "confirmed", 84: "confirms"}
    row = best(result)
    assert row["best_response"] == "irPD"
    assert row["progression_day"] == 56


def test_J3_C4_nontarget_cannot_define_pd_in_nishino_form():
    result = run(lesions(J3), nontarget_can_define_pd=False)
    assert by_day(result) == {56: "irSD", 84: "irSD"}
    assert best(result)["best_response"] == "irSD"


# spec 3.10 J4: irCR with a normal node; a new non-measurable lesion delays irCR.
J4 = """
day lesion role   organ       node long short status
-7  T1     target mediastinum y    20   16    present
-7  T2     target liver       n    22   -     present
56  T1     target mediastinum y    12   8     present
56  T2     target liver       n    -    -     absent
56  N1     new    lung        n    6    -     present
84  T1     target mediastinum y    10   7     present
84  T2     target liver       n    -    -     absent
84  N1     new    lung        n    -    -     absent
112 T1     target mediastinum y    10   7     present
112 T2     target liver       n    -    -     absent
112 N1     new    lung        n    -    -     absent
"""


def test_J4_new_nonmeasurable_lesion_delays_ircr_with_normal_node():
    result = run(lesions(J4))
    assert by_day(result, "current_sum") == {56: 8.0, 84: 7.0, 112: 7.0}
    assert by_day(result) == {56: "irPR", 84: "irCR", 112: "irCR"}
    assert best(result)["best_response"] == "irCR"
    assert best(run(lesions(J4), confirm_response=True))["best_response_confirmed"] == "irCR"


def test_J4_recist_calls_the_new_lesion_pd():
    assert by_day(registry()["recist11"].assess(study(lesions(J4))))[56] == "PD"


# --- thresholds pinned on both sides (spec 3.4) ---------------------------------------------------


def _one_target(*values: str) -> str:
    lines = [
        f"{day}  T1     target liver n    {v}   present"
        for day, v in zip((56, 84, 112), values, strict=False)
    ]
    return "day lesion role organ node long status\n-7  T1     target liver n    25   present\n" + "\n".join(
        lines
    )


def test_irpd_needs_20_percent_and_5mm_both_met_exactly():
    # nadir 25: 30 is +20.00 % and +5 mm: irPD; 29.9 is +19.6 %: irSD.
    assert by_day(run(lesions(_one_target("30"))))[56] == "irPD"
    assert by_day(run(lesions(_one_target("29.9"))))[56] == "irSD"


def test_C2_absolute_5mm_is_an_option():
    # nadir 10 -> 12: +20 % but +2 mm: irSD by default, irPD with pd_absolute_mm = 0.
    text = (
        "day lesion role organ node long status\n-7 T1 target liver n 10 present\n"
        "56 T1 target liver n 12 present"
    )
    assert by_day(run(lesions(text)))[56] == "irSD"
    assert by_day(run(lesions(text), pd_absolute_mm=0.0))[56] == "irPD"


def test_irpr_at_exactly_minus_30_percent():
    assert by_day(run(lesions(_one_target("17.5"))))[56] == "irPR"
    assert by_day(run(lesions(_one_target("17.6"))))[56] == "irSD"


def test_C5_confirm_max_days_flags_late_confirmation():
    text = _one_target("31", "32").replace("84  T1", "150  T1")
    assert "late_confirmation" not in flags_on(run(lesions(text)), 150)
    assert "late_confirmation" in flags_on(run(lesions(text), confirm_max_days=84), 150)


def test_unconfirmed_irpd_at_end_of_data_per_option():
    text = _one_target("20", "31")
    assert best(run(lesions(text)))["best_response"] == "irSD"
    assert by_day(run(lesions(text)), "confirmation_state")[84] == "pending"
    text = _one_target("31")
    assert best(run(lesions(text)))["best_response"] == "irPD"
    assert best(run(lesions(text), unconfirmed_pd_as="ne"))["best_response"] == "NE"


# --- new lesions (spec 3.4, 3.5, 3.11) -------------------------------------------------------------


def test_C3_caps_two_new_measurable_lesions_per_organ():
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    30   present
56  N1     new    liver n    15   present
56  N2     new    liver n    12   present
56  N3     new    liver n    11   present
"""
    assert by_day(run(lesions(text)), "current_sum") == {56: 57.0}
    assert by_day(run(lesions(text), max_new_measurable_per_organ=5), "current_sum") == {56: 68.0}


def test_C1_new_nonmeasurable_unequivocal_progression_is_irpd_by_default_and_option_off():
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    50   present
56  N1     new    liver n    6    present
84  T1     target lung  n    50   present
84  N1     new    liver n    -    unequivocal_progression
"""
    assert by_day(run(lesions(text)))[84] == "irPD"
    assert by_day(run(lesions(text), new_nonmeasurable_can_define_pd=False))[84] == "irSD"


def test_C7_new_lesion_entry_when_measurable_and_first_appearance_only():
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    50   present
56  N1     new    liver n    6    present
84  T1     target lung  n    50   present
84  N1     new    liver n    12   present
"""
    assert by_day(run(lesions(text)), "current_sum") == {56: 50.0, 84: 62.0}
    assert by_day(run(lesions(text), new_lesion_entry="first_appearance_only"), "current_sum") == {
        56: 50.0,
        84: 50.0,
    }


def test_C1_target_caps_irrc_allows_five_targets_per_organ():
    text = """
day lesion role   organ node long status
-7  T1     target liver n    30   present
-7  T2     target liver n    20   present
-7  T3     target liver n    15   present
56  T1     target liver n    30   present
56  T2     target liver n    20   present
56  T3     target liver n    15   present
"""
    with pytest.raises(InputError):
        run(lesions(text))
    assert by_day(run(lesions(text), target_caps="irrc")) == {56: "irSD"}


def test_no_target_lesions_non_target_only_patient():
    text = """
day lesion role       organ  node long status
-7  NT1    non_target pleura n    -    present
56  NT1    non_target pleura n    -    present
112 NT1    non_target pleura n    -    absent
"""
    assert by_day(run(lesions(text))) == {56: "irNON-CR/NON-PD", 112: "irCR"}


def test_equivocal_new_lesion_is_not_counted_until_unequivocal():
    text = """
day lesion role   organ node long equivocal status
-7  T1     target lung  n    20   n         present
56  T1     target lung  n    20   n         present
56  N1     new    liver n    15   y         present
"""
    assert by_day(run(lesions(text)), "current_sum") == {56: 20.0}


def test_irrecist_is_registered():
    assert "irrecist" in registry()
    assert isinstance(run(lesions(J1)).timepoints, pd.DataFrame)
