"""iRECIST (Seymour 2017): worked examples iR1-iR7 of spec/anatomic.md 4.10 and the options of 4.11."""

from __future__ import annotations

import pandas as pd
import pytest
from _examples import IR2, IR3, IR4, IR5, IR6, IR7
from _lesions import best, by_day, flags_on, lesions, study

from ioresponse.criteria import irecist, registry


def run(table, **options):
    return irecist.assess(study(table), **options)


def _drop_days(text: str, *days: int) -> str:
    return "\n".join(
        line for line in text.strip().splitlines() if line.split()[0] not in {str(d) for d in days}
    )


# spec 4.10 iR1: iUPD from a new lesion that resolves: reset, then iPR.
IR1 = """
day lesion role       organ node long status  clinical
-7  T1     target     liver n    40   present stable
-7  T2     target     liver n    30   present stable
-7  NT1    non_target bone  n    -    present stable
56  T1     target     liver n    36   present stable
56  T2     target     liver n    26   present stable
56  NT1    non_target bone  n    -    present stable
56  N1     new        lung  n    8    present stable
112 T1     target     liver n    30   present stable
112 T2     target     liver n    20   present stable
112 NT1    non_target bone  n    -    present stable
112 N1     new        lung  n    -    absent  stable
168 T1     target     liver n    26   present stable
168 T2     target     liver n    18   present stable
168 NT1    non_target bone  n    -    present stable
168 N1     new        lung  n    -    absent  stable
"""


def test_iR1_iupd_from_new_lesion_that_resolves_resets_then_ipr():
    result = run(lesions(IR1))
    assert by_day(result) == {56: "iUPD", 112: "iSD", 168: "iPR"}
    assert by_day(result, "current_sum") == {56: 62.0, 112: 50.0, 168: 44.0}
    assert "iupd_reset" in flags_on(result, 112)
    assert set(by_day(result, "clinical_status").values()) == {"stable"}
    row = best(result)
    assert row["best_response"] == "iPR"
    assert not row["pfs_event"]
    assert pd.isna(row["icpd_day"])
    assert row["iupd_day"] == 56


def test_iR1_recist_best_response_is_pd():
    recist = registry()["recist11"].assess(study(lesions(IR1)))
    assert by_day(recist)[56] == "PD"
    assert best(recist)["best_response"] == "PD"




def test_iR2_icpd_from_growth_of_new_lesion_targets():
    result = run(lesions(IR2))
    assert by_day(result) == {56: "iSD", 112: "iUPD", 147: "iCPD"}
    assert by_day(result, "new_lesion_sum") == {56: 0.0, 112: 22.0, 147: 27.0}
    assert by_day(result, "current_sum") == {56: 46.0, 112: 45.0, 147: 44.0}
    row = best(result)
    assert row["best_response"] == "iSD"
    assert row["progression_day"] == 112
    assert (row["iupd_day"], row["icpd_day"]) == (112, 147)
    assert row["pfs_event"] and row["pfs_day"] == 112
    assert "+5" in by_day(result, "reason")[147]


def test_iR2_additive_new_lesion_growth_confirms_later():
    text = (
        _drop_days(IR2, 147)
        + """
147 T1     target kidney n    44   present
147 A      new    liver  n    14   present
147 B      new    lung   n    12   present
189 T1     target kidney n    44   present
189 A      new    liver  n    15   present
189 B      new    lung   n    12   present
"""
    )
    result = run(lesions(text))
    assert by_day(result) == {56: "iSD", 112: "iUPD", 147: "iUPD", 189: "iCPD"}
    assert best(result)["progression_day"] == 112


def test_iR2_recist_pd_on_day_112():
    recist = registry()["recist11"].assess(study(lesions(IR2)))
    assert by_day(recist)[112] == "PD"
    assert best(recist)["best_response"] == "SD"




def test_iR3_icpd_from_further_target_growth_after_non_confirming_assessment():
    result = run(lesions(IR3))
    assert by_day(result) == {56: "iSD", 112: "iUPD", 154: "iUPD", 196: "iCPD"}
    row = best(result)
    assert row["best_response"] == "iSD"
    assert row["progression_day"] == 112


def test_D2_icpd_increase_reference_previous_needs_5mm_over_last_assessment():
    # 49 at iUPD, 53, 56: +3 mm over the previous assessment only.
    result = run(lesions(IR3), icpd_increase_reference="previous")
    assert by_day(result)[196] == "iUPD"


def test_D2_icpd_increase_reference_min_since_iupd():
    text = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
56  T1     target liver n    52   present
112 T1     target liver n    50   present
168 T1     target liver n    55   present
"""
    # iUPD at 52 (+30 % over 40); 50 is still PD over the nadir (no reset) and not +5 mm;
    # 55 is +3 mm over 52 (default: iUPD) but +5 mm over the minimum 50 since iUPD.
    assert by_day(run(lesions(text))) == {56: "iUPD", 112: "iUPD", 168: "iUPD"}
    assert by_day(run(lesions(text), icpd_increase_reference="min_since_iupd"))[168] == "iCPD"


def test_icpd_absolute_mm_option():
    assert by_day(run(lesions(IR3), icpd_absolute_mm=4.0))[154] == "iCPD"




def test_iR4_reset_then_second_iupd_confirmed_by_new_lesion():
    result = run(lesions(IR4))
    assert by_day(result) == {56: "iSD", 112: "iUPD", 154: "iSD", 210: "iSD", 266: "iUPD", 301: "iCPD"}
    assert "iupd_reset" in flags_on(result, 154)
    row = best(result)
    assert row["best_response"] == "iSD"
    assert row["progression_day"] == 266
    assert (row["iupd_day"], row["icpd_day"]) == (266, 301)




def test_iR5_unstable_iupd_early_scan_not_used_then_icpd():
    result = run(lesions(IR5))
    assert by_day(result) == {56: "iUPD", 70: "iUPD", 91: "iCPD"}
    assert "iupd_not_clinically_stable" in flags_on(result, 56)
    assert "early_scan_not_used" in flags_on(result, 70)
    assert by_day(result, "clinical_status")[56] == "deteriorating"
    row = best(result)
    assert row["best_response"] == "iCPD"
    assert row["progression_day"] == 56


def test_iR5_imaging_stops_after_early_scan_ibor_iupd_and_ipfs_event():
    result = run(lesions(_drop_days(IR5, 91)))
    row = best(result)
    assert row["best_response"] == "iUPD"
    assert row["pfs_event"] and row["pfs_day"] == 56
    assert pd.isna(row["icpd_day"])


def test_D8_unconfirmed_iupd_pfs_censor():
    row = best(run(lesions(_drop_days(IR5, 91)), unconfirmed_iupd_pfs="censor"))
    assert not row["pfs_event"]
    assert row["pfs_day"] == -7  # the last assessment before the iUPD (spec 4.11 D8)


def test_D9_unstable_iupd_as_icpd_option():
    result = run(lesions(IR5), unstable_iupd_as_icpd=True)
    assert by_day(result)[56] == "iCPD"
    assert best(result)["progression_day"] == 56


def test_D3_early_scan_with_new_lesion_confirms_only_with_option():
    text = IR5.rstrip() + "\n70  N1     new    lung  n    12   present deteriorating\n"
    text = _drop_days(text, 91)
    assert by_day(run(lesions(text)))[70] == "iUPD"
    assert by_day(run(lesions(text), early_scan_policy="new_lesion_only"))[70] == "iCPD"


def test_D3_confirm_tolerance_days_accepts_26_days():
    text = """
day lesion role   organ node long status
-7  T1     target liver n    60   present
56  T1     target liver n    75   present
82  T1     target liver n    82   present
"""
    assert by_day(run(lesions(text)))[82] == "iUPD"
    assert by_day(run(lesions(text), confirm_tolerance_days=2))[82] == "iCPD"


def test_D4_confirmation_later_than_8_weeks_still_decides_with_flag():
    text = """
day lesion role   organ node long status
-7  T1     target liver n    60   present
56  T1     target liver n    75   present
119 T1     target liver n    82   present
"""
    result = run(lesions(text))
    assert by_day(result)[119] == "iCPD"
    assert "late_confirmation" in flags_on(result, 119)




def test_iR6_D1_reset_by_target_shrinkage_while_new_lesion_persists():
    result = run(lesions(IR6))
    assert by_day(result) == {56: "iSD", 112: "iUPD", 168: "iPR", 224: "iPR"}
    assert best(result)["best_response"] == "iPR"


def test_iR6_D1_resolution_only_keeps_iupd_while_new_lesion_present():
    result = run(lesions(IR6), new_lesion_reset="resolution_only")
    assert by_day(result) == {56: "iSD", 112: "iUPD", 168: "iUPD", 224: "iUPD"}
    row = best(result)
    assert row["best_response"] == "iSD"
    assert row["bor_day"] == 56




def test_iR7_new_lesion_without_further_shrinkage_keeps_iupd():
    result = run(lesions(IR7))
    assert by_day(result) == {56: "iPR", 112: "iUPD", 168: "iUPD"}
    assert best(result)["best_response"] == "iPR"


def test_iR7_confirm_response_ipr_followed_by_iupd_is_not_confirmed():
    row = best(run(lesions(IR7), confirm_response=True))
    assert row["best_response_confirmed"] == "iSD"


def test_D10_accept_iupd_between_lets_an_ipr_be_confirmed_across_an_iupd():
    text = """
day lesion role   organ node long status
-7  T1     target liver n    60   present
56  T1     target liver n    40   present
84  T1     target liver n    40   present
84  N1     new    lung  n    6    present
140 T1     target liver n    30   present
140 N1     new    lung  n    -    absent
"""
    # iPR, iUPD (new lesion), iPR after reset (N1 resolved).
    assert by_day(run(lesions(text))) == {56: "iPR", 84: "iUPD", 140: "iPR"}
    assert best(run(lesions(text), confirm_response=True))["best_response_confirmed"] == "iSD"
    opt = run(lesions(text), confirm_response=True, accept_iupd_between=True)
    assert best(opt)["best_response_confirmed"] == "iPR"


# --- what confirms iCPD (spec 4.6 step 3) ---------------------------------------------------------

NT_IUPD = """
day lesion role       organ  node long status                  {extra}
-7  T1     target     liver  n    50   present                 {e0}
-7  NT1    non_target pleura n    20   present                 {e0}
56  T1     target     liver  n    45   present                 {e0}
56  NT1    non_target pleura n    30   unequivocal_progression {e0}
112 T1     target     liver  n    45   present                 {e0}
112 NT1    non_target pleura n    {nt} unequivocal_progression {e1}
"""


def test_nontarget_iupd_confirmed_by_any_further_measured_increase():
    text = NT_IUPD.format(extra="", e0="", e1="", nt="31")
    assert by_day(run(lesions(text))) == {56: "iUPD", 112: "iCPD"}
    text = NT_IUPD.format(extra="", e0="", e1="", nt="30")
    assert by_day(run(lesions(text))) == {56: "iUPD", 112: "iUPD"}


def test_D5_increase_since_previous_column_confirms_nontarget_iupd():
    text = NT_IUPD.format(extra="increase", e0="n", e1="y", nt="-")
    assert by_day(run(lesions(text)))[112] == "iCPD"


def test_target_pd_confirms_an_iupd_driven_by_new_lesions():
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    40   present
56  N1     new    lung  n    6    present
112 T1     target liver n    50   present
112 N1     new    lung  n    6    present
"""
    # T was not in the iUPD categories: target PD vs nadir 40 (+25 %, +10 mm) confirms.
    assert by_day(run(lesions(text))) == {56: "iUPD", 112: "iCPD"}


def test_additional_new_lesion_always_confirms():
    text = IR3.replace(
        "196 T2     target lung  n    21   present",
        "196 T2     target lung  n    20   present\n196 N1     new    lung  n    5    present",
    )
    text = text.replace("196 T1     target liver n    35", "196 T1     target liver n    30")
    assert by_day(run(lesions(text)))[196] == "iCPD"


def test_missing_value_that_could_decide_gives_ne_and_episode_stays_open():
    text = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
-7  T2     target lung  n    20   present
56  T1     target liver n    50   present
56  T2     target lung  n    25   present
112 T1     target liver n    50   present
112 T2     target lung  n    -    not_evaluable
168 T1     target liver n    56   present
168 T2     target lung  n    25   present
"""
    assert by_day(run(lesions(text))) == {56: "iUPD", 112: "NE", 168: "iCPD"}


# --- new-lesion classes (spec 4.4) -----------------------------------------------------------------


def test_new_lesion_targets_capped_at_two_per_organ():
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    50   present
56  A      new    liver n    15   present
56  B      new    liver n    12   present
56  C      new    liver n    11   present
"""
    assert by_day(run(lesions(text)), "new_lesion_sum") == {56: 27.0}
    assert by_day(run(lesions(text), max_new_target_per_organ=5), "new_lesion_sum") == {56: 38.0}


def test_D6_new_lesion_class_fixed_at_first_appearance_unless_reclassified():
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    50   present
56  N1     new    liver n    8    present
112 T1     target lung  n    50   present
112 N1     new    liver n    12   present
"""
    assert by_day(run(lesions(text)), "new_lesion_sum")[112] == 0.0
    assert by_day(run(lesions(text), reclassify_new_lesions=True), "new_lesion_sum")[112] == 12.0


def test_D7_known_nlt_growth_after_reset_needs_5mm_by_default():
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    40   present
56  A      new    liver n    10   present
112 T1     target lung  n    36   present
112 A      new    liver n    10   present
168 T1     target lung  n    36   present
168 A      new    liver n    12   present
"""
    # 56 iUPD (NL); 112 reset (A did not grow, targets shrank 40 -> 36); 168: NLT 10 -> 12 is +20 %
    # over the NLT nadir 10 but only +2 mm: no trigger by default, iUPD with nlt_pd_absolute_mm = 0.
    default = run(lesions(text))
    assert by_day(default) == {56: "iUPD", 112: "iSD", 168: "iSD"}
    assert by_day(run(lesions(text), nlt_pd_absolute_mm=0.0))[168] == "iUPD"


def test_reappearance_after_icr_is_iupd_and_option_off():
    text = """
day lesion role   organ node long status
-7  T1     target liver n    20   present
56  T1     target liver n    -    absent
112 T1     target liver n    4    present
"""
    assert by_day(run(lesions(text))) == {56: "iCR", 112: "iUPD"}
    assert by_day(run(lesions(text), reappearance_after_cr_is_pd=False))[112] == "iPR"


def test_icr_icpd_dates_and_columns_after_schema_columns():
    result = run(lesions(IR2))
    columns = list(result.best_response.columns)
    assert columns.index("iupd_day") > columns.index("reason")
    assert columns.index("icpd_day") > columns.index("reason")


@pytest.mark.parametrize(
    ("example", "expected"),
    [(IR1, "iPR"), (IR2, "iCPD"), (IR3, "iCPD"), (IR4, "iCPD"), (IR6, "iPR"), (IR7, "iPR")],
)
def test_ibor_order_when_isd_is_too_short(example, expected):
    # spec 4.7: iSD counts only at day >= min_sd_days; otherwise iCPD, then an unconfirmed iUPD.
    assert best(run(lesions(example), min_sd_days=400))["best_response"] == expected
