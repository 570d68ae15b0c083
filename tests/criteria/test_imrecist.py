"""imRECIST (Hodi 2018): worked examples M1-M4 of spec/anatomic.md 5.10 and the options of 5.11."""

from __future__ import annotations

import pandas as pd
import pytest
from _lesions import best, by_day, flags_on, lesions, study

from ioresponse.criteria import imrecist, registry


def run(table, **options):
    return imrecist.assess(study(table), **options)


# spec 5.10 M1: unconfirmed PD followed by PR (spike pattern).
M1 = """
day lesion role   organ node long status
-7  T1     target lung  n    30   present
-7  T2     target liver n    25   present
56  T1     target lung  n    38   present
56  T2     target liver n    30   present
84  T1     target lung  n    24   present
84  T2     target liver n    18   present
140 T1     target lung  n    18   present
140 T2     target liver n    16   present
168 T1     target lung  n    17   present
168 T2     target liver n    15   present
"""


def test_M1_unconfirmed_pd_followed_by_pr():
    result = run(lesions(M1))
    assert by_day(result) == {56: "PD", 84: "SD", 140: "PR", 168: "PR"}
    assert by_day(result, "current_sum") == {56: 68.0, 84: 42.0, 140: 34.0, 168: 32.0}
    assert by_day(result, "pct_change_nadir")[56] == pytest.approx(23.64, abs=0.005)
    assert by_day(result, "confirmation_state")[56] == "not_confirmed"
    row = best(result)
    assert row["best_response"] == "PR"
    assert row["first_response_day"] == 140
    assert not row["pfs_event"]
    assert pd.isna(row["progression_day"])


def test_M1_confirmed_pr_with_confirm_response():
    row = best(run(lesions(M1), confirm_response=True))
    assert row["best_response_confirmed"] == "PR"
    assert row["first_response_day"] == 140


def test_M1_recist_best_response_pd_on_day_56():
    recist = registry()["recist11"].assess(study(lesions(M1)))
    assert by_day(recist)[56] == "PD"
    row = best(recist)
    assert row["best_response"] == "PD"
    assert row["progression_day"] == 56


# spec 5.10 M2: new measurable lesion in the sum; non-target growth and a small new lesion do not make PD.
M2 = """
day lesion role       organ  node long status
-7  T1     target     lung   n    40   present
-7  T2     target     kidney n    20   present
-7  NT1    non_target bone   n    -    present
56  T1     target     lung   n    30   present
56  T2     target     kidney n    15   present
56  NT1    non_target bone   n    -    unequivocal_progression
56  N1     new        liver  n    12   present
56  N2     new        lung   n    6    present
112 T1     target     lung   n    28   present
112 T2     target     kidney n    14   present
112 NT1    non_target bone   n    -    unequivocal_progression
112 N1     new        liver  n    20   present
112 N2     new        lung   n    6    present
"""


def test_M2_nontarget_growth_and_small_new_lesion_do_not_make_pd():
    result = run(lesions(M2))
    assert by_day(result, "current_sum") == {56: 57.0, 112: 62.0}
    assert by_day(result, "abs_change_nadir")[112] == 5.0
    assert by_day(result, "pct_change_nadir")[112] == pytest.approx(8.77, abs=0.005)
    assert by_day(result) == {56: "SD", 112: "SD"}
    assert "nt_progression_not_pd" in flags_on(result, 56)
    row = best(result)
    assert row["best_response"] == "SD"
    assert row["bor_day"] == 56


def test_M2_same_data_recist_pd_and_irecist_icpd():
    table = lesions(M2)
    assert by_day(registry()["recist11"].assess(study(table)))[56] == "PD"
    irecist = registry()["irecist"].assess(study(table))
    assert by_day(irecist) == {56: "iUPD", 112: "iCPD"}
    assert by_day(irecist, "new_lesion_sum") == {56: 12.0, 112: 20.0}
    assert best(irecist)["progression_day"] == 56


# spec 5.10 M3: confirmed PD.
M3 = """
day lesion role   organ node long status
-7  T1     target lung  n    25   present
-7  T2     target liver n    15   present
56  T1     target lung  n    22   present
56  T2     target liver n    13   present
112 T1     target lung  n    27   present
112 T2     target liver n    15   present
112 N1     new    adrenal n    12   present
140 T1     target lung  n    28   present
140 T2     target liver n    16   present
140 N1     new    adrenal n    14   present
"""


def test_M3_confirmed_pd():
    result = run(lesions(M3))
    assert by_day(result) == {56: "SD", 112: "PD", 140: "PD"}
    assert by_day(result, "current_sum") == {56: 35.0, 112: 54.0, 140: 58.0}
    assert by_day(result, "confirmation_state") == {56: "not_required", 112: "confirmed", 140: "confirms"}
    assert by_day(result, "after_progression") == {56: False, 112: False, 140: True}
    row = best(result)
    assert row["best_response"] == "SD"
    assert row["progression_day"] == 112
    assert row["pfs_event"] and row["pfs_day"] == 112


# spec 5.10 M4: cap of two new measurable lesions per organ.
M4 = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    30   present
56  N1     new    liver n    15   present
56  N2     new    liver n    12   present
56  N3     new    liver n    11   present
112 T1     target lung  n    28   present
112 N1     new    liver n    16   present
112 N2     new    liver n    12   present
112 N3     new    liver n    25   present
"""


def test_M4_cap_of_two_new_measurable_lesions_per_organ():
    result = run(lesions(M4))
    assert by_day(result, "current_sum") == {56: 57.0, 112: 56.0}
    assert by_day(result) == {56: "SD", 112: "SD"}
    assert best(result)["best_response"] == "SD"


def test_M4_E1_five_new_measurable_per_organ_makes_pd_pending():
    result = run(lesions(M4), max_new_measurable_per_organ=5)
    assert by_day(result, "current_sum")[56] == 68.0
    assert by_day(result)[56] == "PD"


# --- options of spec 5.11 -------------------------------------------------------------------------

M3_THEN_PR = (
    M3
    + """
196 T1     target lung  n    12   present
196 T2     target liver n    6    present
196 N1     new    adrenal n    2    present
"""
)


def test_E2_bor_scope_all_counts_response_after_confirmed_pd():
    # day 196: 12 + 6 + 2 = 20 mm, -50 % vs baseline 40: PR after the confirmed PD.
    result = run(lesions(M3_THEN_PR))
    assert by_day(result)[196] == "PR"
    assert best(result)["best_response"] == "PR"
    assert best(result)["progression_day"] == 112


def test_E2_bor_scope_until_confirmed_pd():
    assert best(run(lesions(M3_THEN_PR), bor_scope="until_confirmed_pd"))["best_response"] == "SD"


def test_E3_ne_scan_does_not_decide_a_pending_pd():
    text = M1.replace(
        "84  T1     target lung  n    24   present", "84  T1     target lung  n    -    not_evaluable"
    )
    result = run(lesions(text))
    assert by_day(result)[84] == "NE"
    assert by_day(result, "confirmation_state")[56] == "not_confirmed"  # decided by day 140 (PR)


def test_E5_pending_pd_at_end_of_data():
    text = "\n".join(M1.strip().splitlines()[:5])
    default = best(run(lesions(text)))
    assert default["best_response"] == "PD"
    assert default["pfs_event"] and default["pfs_day"] == 56
    option = best(run(lesions(text), unconfirmed_pd_as="ne"))
    assert option["best_response"] == "NE"
    assert not option["pfs_event"]


def test_E4_new_lesion_entry_first_appearance_only():
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    50   present
56  N1     new    liver n    6    present
112 T1     target lung  n    50   present
112 N1     new    liver n    12   present
"""
    assert by_day(run(lesions(text)), "current_sum") == {56: 50.0, 112: 62.0}
    opt = run(lesions(text), new_lesion_entry="first_appearance_only")
    assert by_day(opt, "current_sum") == {56: 50.0, 112: 50.0}


def test_pd_needs_20_percent_and_5mm_over_nadir():
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    25   present
56  T1     target lung  n    30   present
"""
    assert by_day(run(lesions(text)))[56] == "PD"
    assert (
        by_day(
            run(lesions(text.replace("56  T1     target lung  n    30", "56  T1     target lung  n    29.9")))
        )[56]
        == "SD"
    )


def test_new_nonmeasurable_lesion_prevents_cr():
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    25   present
56  T1     target lung  n    -    absent
56  N1     new    liver n    6    present
112 T1     target lung  n    -    absent
112 N1     new    liver n    -    absent
"""
    assert by_day(run(lesions(text))) == {56: "PR", 112: "CR"}


def test_no_target_lesions_non_target_only():
    text = """
day lesion role       organ node long status
-7  NT1    non_target bone  n    -    present
56  NT1    non_target bone  n    -    unequivocal_progression
112 NT1    non_target bone  n    -    absent
"""
    assert by_day(run(lesions(text))) == {56: "NON-CR/NON-PD", 112: "CR"}


def test_imrecist_is_registered():
    assert registry()["imrecist"].family == "anatomic"


def test_M2_end_to_end_all_anatomic_criteria_side_by_side_through_the_api():
    # The user's table (DESIGN.md columns, no perpendicular diameters) through ioresponse.assess: irRC is
    # skipped with its reason, the other four run side by side (spec 5.10 M2 and its comparison lines).
    import ioresponse

    table = lesions(M2)[
        ["patient_id", "day", "lesion_id", "role", "organ", "lymph_node", "long_axis_mm", "status"]
    ]
    result = ioresponse.assess(table, criteria=("all",))
    assert "perpendicular_mm" in result.skipped["irrc"]
    best_by_criterion = dict(
        zip(result.best_response["criterion"], result.best_response["best_response"], strict=False)
    )
    assert best_by_criterion["recist11"] == "PD"
    assert best_by_criterion["imrecist"] == "SD"
    assert best_by_criterion["irecist"] == "iCPD"  # iUPD on day 56, iCPD on day 112 (spec 5.10 M2)
    assert best_by_criterion["irrecist"] == "irPD"  # non-target progression is irPD by default (spec 3.5)
