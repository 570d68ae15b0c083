"""Second-round audit of RECIST 1.1 and irRC against spec/anatomic.md sections 0, 1 and 2.

Only rules and example columns not already pinned by test_recist11*.py, test_irrc*.py and
test_irrc_irrecist_rules.py. Every expected value is worked out by hand from the spec text; the
arithmetic is in each test's comment. RECIST lesion ids: T* target, N* non-target, U* new
(tests/criteria/lesion_rows.py); irRC tables use the whitespace helper of tests/criteria/_lesions.py.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from _examples import Q1, Q2, Q3, Q4, Q5
from _lesions import by_day, flags_on, lesions
from _lesions import study as table_study
from lesion_rows import lesion, responses, study

from ioresponse.criteria import irrc, recist11
from ioresponse.schema import InputError

PCT = 0.005  # percentages are reported with two decimals (spec 0.5)


def run(rows, **options):
    return recist11.assess(study(rows), **options)


def run_irrc(text, **options):
    return irrc.assess(table_study(lesions(text)), **options)


def col(result, name, patient="P1"):
    tp = result.timepoints[result.timepoints["patient_id"] == patient]
    return dict(zip(tp["day"].astype(int), tp[name], strict=True))


def bor(result, patient="P1"):
    rows = result.best_response[result.best_response["patient_id"] == patient]
    assert len(rows) == 1
    return rows.iloc[0]


def pair(result):
    row = bor(result)
    return row["best_response"], row["best_response_confirmed"]


def approx_map(values):
    return {k: pytest.approx(v, abs=PCT) for k, v in values.items()}


def missing(value) -> bool:
    return bool(pd.isna(value))


def schedule(days: dict[int, dict[str, object]], kinds: dict[str, dict] | None = None) -> list[dict]:
    """{day: {lesion_id: value | status | (status, value)}} -> rows (lesion kwargs per id in kinds)."""
    kinds = kinds or {}
    rows = []
    for day, values in days.items():
        for lesion_id, value in values.items():
            kwargs = dict(kinds.get(lesion_id, {}))
            if isinstance(value, str):
                rows.append(lesion(day, lesion_id, None, status=value, **kwargs))
            elif isinstance(value, tuple):
                rows.append(lesion(day, lesion_id, value[1], status=value[0], **kwargs))
            else:
                rows.append(lesion(day, lesion_id, value, **kwargs))
    return rows


# =================================================================================================
# RECIST 1.1 worked examples (spec 1.10): the columns the existing tests do not check
# =================================================================================================

R1 = schedule(
    {
        -7: {"T1": 40, "T2": 20, "T3": 20, "N1": "present"},
        56: {"T1": 28, "T2": 14, "T3": 12, "N1": "present"},
        84: {"T1": 26, "T2": 12, "T3": 11, "N1": "present"},
        140: {"T1": 34, "T2": 15, "T3": 12, "N1": "present"},
    },
    {"T2": {"organ": "lung"}, "T3": {"organ": "mediastinum", "node": True}, "N1": {"organ": "bone"}},
)


def test_R1_every_timepoint_changes_states_and_dates():
    # spec 1.10 R1: S = 54, 49, 61; nadirs 80, 54, 49; vs nadir: 54 - 80 = -26 (-32.50%), 49 - 54 = -5
    # (-9.26%), 61 - 49 = +12 (+24.49%). Target PR, PR, PD (sec. 4.3.1).
    # confirm_response=True (spec 0.7): PR 56 confirmed by PR 84 (84 - 56 = 28 >= 28); 84 is the confirming
    # row ("confirms", spec 0.9); 84 itself has only PD after it. bor_day 56, first response 56,
    # progression 140, duration 140 - 56 = 84, pfs_event true, pfs_day 140 (spec 1.7 dates).
    result = run(R1, confirm_response=True)
    assert col(result, "target_response") == {56: "PR", 84: "PR", 140: "PD"}
    assert col(result, "abs_change_nadir") == {56: -26, 84: -5, 140: 12}
    assert col(result, "pct_change_nadir") == approx_map({56: -32.50, 84: -9.26, 140: 24.49})
    assert col(result, "confirmation_state") == {56: "confirmed", 84: "confirms", 140: "not_required"}
    assert col(result, "after_progression") == {56: False, 84: False, 140: False}
    row = bor(result)
    assert (row["bor_day"], row["first_response_day"], row["progression_day"]) == (56, 56, 140)
    assert row["duration_of_response_days"] == 84
    assert bool(row["pfs_event"]) and row["pfs_day"] == 140


def test_R2_every_timepoint_and_the_not_pd_reason_numbers():
    # spec 1.10 R2: B = 22. S = 18, 22, 24; nadir 22, 18, 18 (22 > 18 is not a new nadir).
    # vs baseline: -4 mm (-18.18%), 0 (+0.00%), +2 (+9.09%). vs nadir: -4, +4 (+22.22%), +6 (+33.33%).
    # Day 112: relative test met, 4 < 5 mm: SD. Best SD on day 56 (>= 42), progression 168.
    # spec 0.10 template: "target sum 22 mm is +22.22% but only +4 mm vs nadir 18 mm (<5 mm): not PD;
    # +0.00% vs baseline 22 mm: SD (RECIST 1.1 sec. 4.3.1)": the numbers must be named.
    rows = schedule(
        {
            -7: {"T1": 12, "T2": 10},
            56: {"T1": 10, "T2": 8},
            112: {"T1": 13, "T2": 9},
            168: {"T1": 14, "T2": 10},
        },
        {"T1": {"organ": "lung"}, "T2": {"organ": "lung"}},
    )
    result = run(rows)
    assert col(result, "current_sum") == {56: 18, 112: 22, 168: 24}
    assert col(result, "nadir_sum") == {56: 22, 112: 18, 168: 18}
    assert col(result, "abs_change_nadir") == {56: -4, 112: 4, 168: 6}
    assert col(result, "pct_change_baseline") == approx_map({56: -18.18, 112: 0.0, 168: 9.09})
    assert col(result, "target_response") == {56: "SD", 112: "SD", 168: "PD"}
    reason = col(result, "reason")[112]
    for part in ("target sum 22 mm", "+22.22%", "+4 mm", "nadir 18 mm", "(<5 mm): not PD", "+0.00%",
                 "baseline 22 mm", "RECIST 1.1 sec. 4.3.1"):
        assert part in reason, (part, reason)
    row = bor(result)
    assert (row["bor_day"], row["progression_day"], row["pfs_day"]) == (56, 168, 168)
    assert missing(row["first_response_day"])


R3 = schedule(
    {
        -7: {"T1": 18, "T2": 16, "T3": 25, "N1": ("present", 12)},
        56: {"T1": 9, "T2": 7, "T3": "absent", "N1": ("present", 8)},
        112: {"T1": 8, "T2": 7, "T3": "absent", "N1": ("present", 7)},
        168: {"T1": 11, "T2": 7, "T3": "absent", "N1": ("present", 7)},
    },
    {
        "T1": {"organ": "mediastinum", "node": True},
        "T2": {"organ": "retroperitoneum", "node": True},
        "N1": {"organ": "pelvis", "node": True},
    },
)


def test_R3_sums_changes_states_and_the_reappearance_reason():
    # spec 1.10 R3: B = 18 + 16 + 25 = 59. S = 16, 15, 18; nadir 59, 16, 15.
    # vs baseline: -72.88%, -74.58%, -69.49%; vs nadir: -72.88%, -6.25% (-1 mm), +20.00% (+3 mm).
    # confirm_response=True: CR 56 confirmed by CR 112 (56 days); first response 56; progression 168.
    # spec 1.8.1: "Reason names the lesion": T1 back to 11 mm (>= 10) after CR.
    result = run(R3, confirm_response=True)
    assert col(result, "nadir_sum") == {56: 59, 112: 16, 168: 15}
    assert col(result, "pct_change_baseline") == approx_map({56: -72.88, 112: -74.58, 168: -69.49})
    assert col(result, "pct_change_nadir") == approx_map({56: -72.88, 112: -6.25, 168: 20.00})
    assert col(result, "abs_change_nadir") == {56: -43, 112: -1, 168: 3}
    assert col(result, "confirmation_state")[56] == "confirmed"
    assert col(result, "confirmation_state")[112] == "confirms"
    assert "T1" in col(result, "reason")[168]
    row = bor(result)
    assert (row["first_response_day"], row["progression_day"], row["bor_day"]) == (56, 168, 56)


def test_R3_target_cr_reason_names_the_node_short_axes():
    # spec 0.10 third template, on R3 day 56: node short axes 9 and 7 mm, sum 16 mm, sec. 4.3.2.
    reason = col(run(R3), "reason")[56]
    for part in ("9, 7 mm", "16 mm", "RECIST 1.1 sec. 4.3.2"):
        assert part in reason, (part, reason)


def test_R3_option_no_reappearance_pr_of_day_112_is_the_first_confirmed_response():
    # spec 1.10 R3 with reappearance_after_cr_is_pd=False: 56 CR, 112 CR, 168 PR; CR 112 read as PR (next
    # evaluable is PR), CR 56 has no confirming CR (112 now reads PR), PR 112 confirmed by PR 168 (56 days).
    # confirm_response=True: first response day = first of the confirmed pair = 112; no PD: duration
    # censored at the last evaluable assessment 168 - 112 = 56 (spec 1.7 dates); pfs_event false.
    result = run(R3, reappearance_after_cr_is_pd=False, confirm_response=True)
    assert col(result, "confirmation_state") == {56: "not_confirmed", 112: "confirmed", 168: "confirms"}
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("CR", "PR")
    assert row["first_response_day"] == 112
    assert row["duration_of_response_days"] == 56
    assert not bool(row["pfs_event"])


R4_KINDS = {"T3": {"organ": "lung"}, "N1": {"organ": "peritoneum"}}


def test_R4_target_components_and_pd_reason_numbers():
    # spec 1.10 R4: targets NE then PD; sums incomplete at both; NT NON-CR/NON-PD.
    # Best PD, progression 112; no response, so first_response_day empty.
    rows = schedule(
        {
            -7: {"T1": 30, "T2": 20, "T3": 15, "N1": "present"},
            56: {"T1": 24, "T2": 16, "T3": "not_evaluable", "N1": "present"},
            112: {"T1": 45, "T2": 34, "T3": "not_evaluable", "N1": "present"},
        },
        R4_KINDS,
    )
    result = run(rows)
    assert col(result, "target_response") == {56: "NE", 112: "PD"}
    assert col(result, "sum_complete") == {56: False, 112: False}
    assert col(result, "non_target_response") == {56: "NON-CR/NON-PD", 112: "NON-CR/NON-PD"}
    reason = col(result, "reason")[112]
    # spec 0.10 template 4: "lesion T3 not evaluable; measured targets already sum 79 mm ... and +14 mm"
    for part in ("lesion T3 not evaluable", "79 mm", "+14 mm", "65", "RECIST 1.1 sec. 4.4.2"):
        assert part in reason, (part, reason)
    row = bor(result)
    assert (row["progression_day"], row["pfs_day"]) == (112, 112)
    assert missing(row["first_response_day"])


def test_R4_pd_reason_names_the_threshold_of_1_2_times_the_nadir():
    # 1.2 x nadir 65 = 78 mm is a number of the 0.10 template.
    rows = schedule(
        {
            -7: {"T1": 30, "T2": 20, "T3": 15},
            56: {"T1": 24, "T2": 16, "T3": "not_evaluable"},
            112: {"T1": 45, "T2": 34, "T3": "not_evaluable"},
        },
        R4_KINDS,
    )
    assert "78 mm" in col(run(rows), "reason")[112]


def test_R4_counterfactual_measured_t3_lowers_the_nadir_to_50():
    # spec 1.10 R4 last sentence: "Had T3 been measured at 10 mm on day 56, the nadir would have been 50 and
    # PD on day 112 would have needed only 60 mm". Day 56: 24 + 16 + 10 = 50 (complete; -23.08%: SD).
    # Day 112, T3 NE: known 36 + 24 = 60 = 1.2 x 50 and +10 mm >= 5 -> PD (sec. 4.4.2).
    # Known 36 + 23 = 59 (+18%): cannot decide -> NE.
    def rows(t2):
        return schedule(
            {
                -7: {"T1": 30, "T2": 20, "T3": 15},
                56: {"T1": 24, "T2": 16, "T3": 10},
                112: {"T1": 36, "T2": t2, "T3": "not_evaluable"},
            },
            R4_KINDS,
        )

    result = run(rows(24))
    assert responses(result.timepoints) == {56: "SD", 112: "PD"}
    assert col(result, "nadir_sum")[112] == 50
    assert responses(run(rows(23)).timepoints) == {56: "SD", 112: "NE"}


R5 = schedule(
    {-7: {"T1": 50, "T2": 30}, 56: {"T1": 40, "T2": 22}, 112: {"T1": 38, "T2": 21}}, {"T2": {"organ": "lung"}}
) + [lesion(56, "U1", 6, equivocal=True), lesion(112, "U1", 12)]


def test_R5_every_column_of_the_table():
    # spec 1.10 R5: S = 62, 59; nadir 80, 62 (62 < 80); vs baseline 80: -22.50%, -26.25%;
    # vs nadir: -18 mm (-22.50%), -3 mm (-4.84%). Target SD, SD; new "equivocal" then "yes".
    # Default back-dating: progression day 56, so day 112 is after progression (spec 0.9).
    result = run(R5)
    assert col(result, "current_sum") == {56: 62, 112: 59}
    assert col(result, "nadir_sum") == {56: 80, 112: 62}
    assert col(result, "pct_change_baseline") == approx_map({56: -22.50, 112: -26.25})
    assert col(result, "pct_change_nadir") == approx_map({56: -22.50, 112: -4.84})
    assert col(result, "abs_change_nadir") == {56: -18, 112: -3}
    assert col(result, "target_response") == {56: "SD", 112: "SD"}
    assert col(result, "new_lesion_response") == {56: "equivocal", 112: "yes"}
    assert col(result, "after_progression") == {56: False, 112: True}
    assert bor(result)["pfs_day"] == 56


def test_R5_option_no_backdating_dates():
    # spec 1.10 R5 with backdate_equivocal_pd=False: day 56 SD, best SD (56 >= 42) on day 56, progression
    # 112; no assessment after progression.
    result = run(R5, backdate_equivocal_pd=False)
    assert col(result, "after_progression") == {56: False, 112: False}
    row = bor(result)
    assert (row["bor_day"], row["progression_day"], row["pfs_day"]) == (56, 112, 112)


def test_1_8_2_backdating_rewrites_only_the_first_equivocal_assessment():
    # spec 1.8.2: "the earlier assessment's overall_response is rewritten to PD with reason 'equivocal new
    # lesion N1 first seen on day d, confirmed on day e: PD dated day d'". U1 equivocal on 56 and 84,
    # unequivocal on 112. B = 80; 56: 62 (SD); 84: 61 (-23.75%; vs nadir 62: -1.61%): SD, equivocal;
    # 112: 59, PD. Only day 56 is rewritten; day 84 keeps SD and lies after the progression day 56.
    rows = R5 + schedule({84: {"T1": 39, "T2": 22}}, {"T2": {"organ": "lung"}}) + [
        lesion(84, "U1", 8, equivocal=True)
    ]
    result = run(rows)
    assert responses(result.timepoints) == {56: "PD", 84: "SD", 112: "PD"}
    assert col(result, "after_progression") == {56: False, 84: True, 112: True}
    assert "equivocal new lesion U1 first seen on day 56, confirmed on day 112: PD dated day 56" in col(
        result, "reason"
    )[56]
    row = bor(result)
    assert (row["best_response"], row["progression_day"]) == ("PD", 56)


R6A = schedule(
    {
        -7: {"T1": 40, "T2": 30, "N1": "present"},
        56: {"T1": 26, "T2": 22, "N1": "present"},
        84: {"T1": 30, "T2": 24, "N1": "present"},
        140: {"T1": 31, "T2": 25, "N1": "present"},
    }
)


def test_R6a_sums_changes_and_dates_with_and_without_confirmation():
    # spec 1.10 R6a: S = 48, 54, 56; nadir 70, 48, 48; vs baseline -31.43%, -22.86%, -20.00%;
    # vs nadir +6 mm (+12.50%) and +8 mm (+16.67%): >= 5 mm but < 20%: SD.
    # confirm_response=True: no confirmed response -> first_response_day empty; best SD dated 56.
    # confirm_response=False: first response day 56, censored at the last evaluable 140: 140 - 56 = 84.
    result = run(R6A, confirm_response=True)
    assert col(result, "current_sum") == {56: 48, 84: 54, 140: 56}
    assert col(result, "nadir_sum") == {56: 70, 84: 48, 140: 48}
    assert col(result, "pct_change_baseline") == approx_map({56: -31.43, 84: -22.86, 140: -20.00})
    assert col(result, "pct_change_nadir") == approx_map({84: 12.50, 140: 16.67, 56: -31.43})
    assert col(result, "abs_change_nadir")[84] == 6
    assert col(result, "abs_change_nadir")[140] == 8
    row = bor(result)
    assert missing(row["first_response_day"])
    assert row["bor_day"] == 56
    row = bor(run(R6A))
    assert (row["first_response_day"], row["duration_of_response_days"]) == (56, 84)


def test_R6b_incomplete_sum_is_not_a_nadir_and_dates():
    # spec 1.10 R6b: day 84 known 19, target NE, nadir stays 46 at day 112; 112: 42 is -40.00% vs 70 and
    # -8.70% vs nadir 46. PR 56 confirmed by PR 112 (56 days, one NE between): first response day 56.
    # The NE reason names T1 (spec 0.2).
    rows = schedule(
        {
            -7: {"T1": 40, "T2": 30},
            56: {"T1": 26, "T2": 20},
            84: {"T1": "not_evaluable", "T2": 19},
            112: {"T1": 24, "T2": 18},
        }
    )
    result = run(rows, confirm_response=True)
    assert col(result, "nadir_sum") == {56: 70, 84: 46, 112: 46}
    assert col(result, "pct_change_baseline")[112] == pytest.approx(-40.0, abs=PCT)
    assert col(result, "pct_change_nadir")[112] == pytest.approx(-8.70, abs=PCT)
    assert col(result, "target_response") == {56: "PR", 84: "NE", 112: "PR"}
    assert "T1" in col(result, "reason")[84]
    row = bor(result)
    assert (row["first_response_day"], row["bor_day"]) == (56, 56)


def test_R7_nadirs_components_and_confirmation_states():
    # spec 1.10 R7: nadirs 42, 26, 8, 0 (each complete sum is lower than the last). Targets PR, PR, CR, CR;
    # no non-target at baseline: non-target response "none" (spec 1.5 step 5).
    # Confirmation (spec 0.7): PR 56 by PR 112 (56 days); PR 112 by CR 168 (56 days); CR 168 by CR 196
    # (28 days); 196 confirms. Best CR from the pair 168/196: bor_day 168.
    rows = schedule(
        {
            -7: {"T1": 30, "T2": 12},
            112: {"T1": 8, "T2": "absent"},
            168: {"T1": "absent", "T2": "absent"},
            196: {"T1": "absent", "T2": "absent"},
        },
        {"T2": {"organ": "lung"}},
    ) + [lesion(56, "T1", 12), lesion(56, "T1", 9), lesion(56, "T2", None, status="too_small", organ="lung")]
    result = run(rows, confirm_response=True)
    assert col(result, "nadir_sum") == {56: 42, 112: 26, 168: 8, 196: 0}
    assert col(result, "target_response") == {56: "PR", 112: "PR", 168: "CR", 196: "CR"}
    assert set(col(result, "non_target_response").values()) == {"none"}
    assert col(result, "confirmation_state") == {
        56: "confirmed",
        112: "confirmed",
        168: "confirmed",
        196: "confirms",
    }
    row = bor(result)
    assert row["bor_day"] == 168
    # Dates (spec 1.7; RECIST 1.1 sec. 4.6.2 "whichever is first recorded"): the first confirmed response
    # is the PR of day 56; no PD: censored at 196 -> 140 days.
    assert row["first_response_day"] == 56
    assert row["duration_of_response_days"] == 140


def test_R8a_dates_and_the_early_sd_only_patient():
    # spec 1.10 R8a: 50 -> 48 (-4.00%) on day 35 (SD < 42), PD on day 70 (new lesion): best PD dated 70,
    # progression 70. Without day 70: best NE, no PFS event.
    rows = schedule({-7: {"T1": 50}, 35: {"T1": 48}, 70: {"T1": 47}}) + [lesion(70, "U1", 12)]
    result = run(rows)
    assert col(result, "pct_change_baseline")[35] == pytest.approx(-4.0, abs=PCT)
    row = bor(result)
    assert (row["bor_day"], row["progression_day"], row["pfs_day"]) == (70, 70, 70)
    early = bor(run(schedule({-7: {"T1": 50}, 35: {"T1": 48}})))
    assert early["best_response"] == "NE"
    assert not bool(early["pfs_event"])


def test_R8b_components_states_and_dates():
    # spec 1.10 R8b (no target): non-target NON-CR/NON-PD, CR (NT1 absent, NT2 9 < 10), CR; no target
    # response ("none"). CR 112 confirmed by CR 140 (28 days): first response day 112, bor_day 112.
    rows = schedule(
        {
            -7: {"N1": "present", "N2": ("present", 12)},
            56: {"N1": "present", "N2": ("present", 11)},
            112: {"N1": "absent", "N2": ("present", 9)},
            140: {"N1": "absent", "N2": ("present", 8)},
        },
        {"N1": {"organ": "peritoneum"}, "N2": {"organ": "pelvis", "node": True}},
    )
    result = run(rows, confirm_response=True)
    assert col(result, "non_target_response") == {56: "NON-CR/NON-PD", 112: "CR", 140: "CR"}
    assert set(col(result, "target_response").values()) == {"none"}
    assert col(result, "confirmation_state") == {56: "not_required", 112: "confirmed", 140: "confirms"}
    row = bor(result)
    assert (row["first_response_day"], row["bor_day"]) == (112, 112)


# =================================================================================================
# RECIST 1.1 rules (spec 0.4, 0.5, 0.7, 1.4-1.8, 1.11) in combinations not pinned elsewhere
# =================================================================================================


def test_1_4_node_cr_needs_every_non_nodal_target_absent_too_small_is_not_absent():
    # spec 1.4 step 2 and 0.4: T1 node 20 -> 8 (normal), T2 liver 30. B = 50.
    # T2 present 5 mm: S = 13 (-74.00%): PR, not CR. T2 too_small: value 5 mm (not 0): S = 13, PR.
    # T2 absent: every non-nodal target absent, node normal: CR with S = 8 mm > 0.
    def rows(t2):
        base = [lesion(-7, "T1", 20, node=True, organ="neck"), lesion(-7, "T2", 30)]
        return base + [lesion(56, "T1", 8, node=True, organ="neck"), t2]

    for t2, expected, total in (
        (lesion(56, "T2", 5), "PR", 13),
        (lesion(56, "T2", None, status="too_small"), "PR", 13),
        (lesion(56, "T2", None, status="absent"), "CR", 8),
    ):
        result = run(rows(t2))
        assert col(result, "target_response") == {56: expected}, t2["status"]
        assert col(result, "current_sum") == {56: total}, t2["status"]


def test_0_4_too_small_target_node_is_normal_and_counts_5mm_in_the_sum():
    # spec 0.4: a node "too_small" is normal, and too_small is valued 5.0 mm (TOO_SMALL_DEFAULT_MM).
    # T1 node 20 too_small, T2 liver 30 absent: target CR (1.4 step 2), S = 5 + 0 = 5 mm (-90.00%).
    rows = [
        lesion(-7, "T1", 20, node=True, organ="neck"),
        lesion(-7, "T2", 30),
        lesion(56, "T1", None, node=True, organ="neck", status="too_small"),
        lesion(56, "T2", None, status="absent"),
    ]
    result = run(rows)
    assert responses(result.timepoints) == {56: "CR"}
    assert col(result, "current_sum") == {56: 5}
    assert col(result, "pct_change_baseline")[56] == pytest.approx(-90.0, abs=PCT)


def test_0_5_too_small_after_cr_is_pd_by_the_sums_even_without_the_reappearance_rule():
    # T1 40 -> absent (CR, nadir 0) -> too_small on day 84 (value 5 mm, spec 0.4).
    # Default: PD by 1.8.1 (non-nodal target value > 0 after CR).
    # reappearance_after_cr_is_pd=False: not CR (too_small is not absent); vs nadir 0: R = 0, every S > 0
    # meets the relative test (spec 0.5), abs 5 - 0 = 5 >= 5: PD by the sums (1.4 step 3).
    # A measured 4.9 mm instead: +4.9 mm < 5: not PD; -87.75% vs 40: PR.
    rows = [lesion(-7, "T1", 40), lesion(56, "T1", None, status="absent")]
    small = rows + [lesion(84, "T1", None, status="too_small")]
    assert responses(run(small).timepoints) == {56: "CR", 84: "PD"}
    result = run(small, reappearance_after_cr_is_pd=False)
    assert responses(result.timepoints) == {56: "CR", 84: "PD"}
    assert col(result, "target_response")[84] == "PD"
    measured = rows + [lesion(84, "T1", 4.9)]
    assert responses(run(measured, reappearance_after_cr_is_pd=False).timepoints) == {56: "CR", 84: "PR"}


def test_1_8_1_reappearance_after_cr_across_an_ne_assessment_is_pd():
    # spec 1.8.1: "If the most recent evaluable overall response was CR". CR 56 (T1 absent), NE 84 (T1 not
    # evaluable; known sum 0 cannot be PD), T1 4 mm on 112: the most recent evaluable response is CR, a
    # non-nodal target value > 0: PD. Best CR (unconfirmed), progression 112.
    rows = [
        lesion(-7, "T1", 40),
        lesion(56, "T1", None, status="absent"),
        lesion(84, "T1", None, status="not_evaluable"),
        lesion(112, "T1", 4),
    ]
    result = run(rows)
    assert responses(result.timepoints) == {56: "CR", 84: "NE", 112: "PD"}
    row = bor(result)
    assert (row["best_response"], row["progression_day"]) == ("CR", 112)


def test_1_8_1_no_reappearance_rule_when_the_last_evaluable_response_was_pr():
    # spec 1.8.1 applies only when the most recent evaluable overall response was CR.
    # T1 liver 30, N1 node 12. 56: T1 absent, N1 8 -> CR. 84: N1 11 present (not unequivocal) -> NT
    # NON-CR/NON-PD, target CR -> PR (Table 1 row 7). 112: T1 back at 4 mm: last evaluable is PR, so no
    # reappearance; sums: 4 vs nadir 0 is +4 mm (< 5): not PD; (4 - 30) / 30 = -86.67%: target PR;
    # NT NON-CR/NON-PD -> overall PR (row 8).
    rows = [
        lesion(-7, "T1", 30),
        lesion(-7, "N1", 12, node=True, organ="pelvis"),
        lesion(56, "T1", None, status="absent"),
        lesion(56, "N1", 8, node=True, organ="pelvis"),
        lesion(84, "T1", None, status="absent"),
        lesion(84, "N1", 11, node=True, organ="pelvis"),
        lesion(112, "T1", 4),
        lesion(112, "N1", 11, node=True, organ="pelvis"),
    ]
    result = run(rows)
    assert responses(result.timepoints) == {56: "CR", 84: "PR", 112: "PR"}
    assert col(result, "target_response")[112] == "PR"


def test_A5_reappearance_requires_confirmed_cr_counts_ne_between_like_0_7():
    # reappearance_requires_confirmed_cr=True. CR 56, NE 70, NE 77, CR 84 (T1 absent; NE = T1 not
    # evaluable). By 0.7 CR 56 is not confirmed (two NE between > max_ne_between 1) and CR 84 has no later
    # CR: no confirmed CR. So T1 4 mm on day 112 is judged by the sums: +4 mm over nadir 0 (< 5): not PD;
    # -90% vs 40: PR. With max_ne_between=2 the CR is confirmed and the reappearance is PD.
    rows = [
        lesion(-7, "T1", 40),
        lesion(56, "T1", None, status="absent"),
        lesion(70, "T1", None, status="not_evaluable"),
        lesion(77, "T1", None, status="not_evaluable"),
        lesion(84, "T1", None, status="absent"),
        lesion(112, "T1", 4),
    ]
    two_allowed = run(rows, reappearance_requires_confirmed_cr=True, max_ne_between=2)
    assert responses(two_allowed.timepoints)[112] == "PD"
    assert responses(run(rows, reappearance_requires_confirmed_cr=True).timepoints)[112] == "PR"


def test_1_6_1_row4_reappearance_beats_row5_target_ne():
    # spec 1.6.1: rows are evaluated top to bottom; row 4 (reappearance after CR) comes before row 5 (NE).
    # T1 30, T2 20 absent on 56 (CR). Day 84: T1 back at 4 mm, T2 not evaluable: known sum 4 vs nadir 0 is
    # +4 mm (< 5): target NE (1.4 step 1); but T1 > 0 after an overall CR: PD (1.8.1).
    rows = schedule(
        {
            -7: {"T1": 30, "T2": 20},
            56: {"T1": "absent", "T2": "absent"},
            84: {"T1": 4, "T2": "not_evaluable"},
        },
        {"T2": {"organ": "lung"}},
    )
    result = run(rows)
    assert col(result, "target_response") == {56: "CR", 84: "NE"}
    assert responses(result.timepoints) == {56: "CR", 84: "PD"}


def test_1_7_non_target_only_unconfirmed_cr_counts_as_sd_in_the_confirmed_column():
    # spec 1.7 best_response_confirmed step 2: "else any CR, PR or SD at day >= min_sd_days -> SD"; the same
    # minimum "applies to NON-CR/NON-PD and to unconfirmed CR/PR counted as SD". NT-only patient: CR on day
    # 56 (NT1 absent), no later assessment: best_response CR, best_response_confirmed SD (literal reading).
    rows = [lesion(-7, "N1", None, organ="pleura"), lesion(56, "N1", None, organ="pleura", status="absent")]
    result = run(rows, confirm_response=True)
    assert pair(result) == ("CR", "SD")
    assert col(result, "confirmation_state") == {56: "pending"}


def test_0_7_no_progression_between_the_pair_pr_pd_pr():
    # spec 0.7: "no progression date lies in (day_i, day_j]"; 1.7 scope: only assessments up to the first
    # PD count. B = 50. PR 56 (30: -40%); PD 84 (new lesion U1); PR 112 (30, U1 absent) after progression.
    # Confirmed column: PR 56 not confirmed -> counts as SD (56 >= 42); unconfirmed column: PR.
    # confirm_response=False: first response 56, duration 84 - 56 = 28; 112 after_progression.
    rows = [
        lesion(-7, "T1", 50),
        lesion(56, "T1", 30),
        lesion(84, "T1", 30),
        lesion(84, "U1", 12, organ="lung"),
        lesion(112, "T1", 30),
        lesion(112, "U1", None, status="absent", organ="lung"),
    ]
    result = run(rows)
    assert responses(result.timepoints) == {56: "PR", 84: "PD", 112: "PR"}
    assert col(result, "after_progression") == {56: False, 84: False, 112: True}
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("PR", "SD")
    assert (row["first_response_day"], row["duration_of_response_days"]) == (56, 28)
    confirmed = bor(run(rows, confirm_response=True))
    assert missing(confirmed["first_response_day"])


def test_0_7_cr_confirmation_interval_and_one_ne_between():
    # spec 0.7 / Table 3 "CR then CR -> CR". T1 40 absent on each CR day.
    # CR 56, CR 83: 27 days < 28: not confirmed -> confirmed column SD (56 >= 42).
    # CR 56, NE 70, CR 84: 28 days, one NE (<= max_ne_between 1): confirmed CR.
    # CR 56, NE 63, NE 70, CR 84: two NE: not confirmed (SD); max_ne_between=2: CR.
    def rows(*visits):
        out = [lesion(-7, "T1", 40)]
        for day, status in visits:
            out.append(lesion(day, "T1", None, status=status))
        return out

    assert pair(run(rows((56, "absent"), (83, "absent")))) == ("CR", "SD")
    assert pair(run(rows((56, "absent"), (70, "not_evaluable"), (84, "absent")))) == ("CR", "CR")
    two = rows((56, "absent"), (63, "not_evaluable"), (70, "not_evaluable"), (84, "absent"))
    assert pair(run(two)) == ("CR", "SD")
    assert pair(run(two, max_ne_between=2)) == ("CR", "CR")


def test_table3_pr_then_pd_is_sd_only_when_the_minimum_sd_duration_was_met():
    # spec 1.7 Table 3: "PR then PD -> SD if the minimum was met, else PD". B = 50; PR (30, -40%) on day 41
    # or 42; PD on day 70 (new lesion). Confirmed column: PR unconfirmed counts as SD only at day >= 42.
    # Unconfirmed column: PR either way.
    def rows(pr_day):
        return [
            lesion(-7, "T1", 50),
            lesion(pr_day, "T1", 30),
            lesion(70, "T1", 30),
            lesion(70, "U1", 12, organ="lung"),
        ]

    assert pair(run(rows(41), confirm_response=True)) == ("PR", "PD")
    assert pair(run(rows(42), confirm_response=True)) == ("PR", "SD")


def test_1_7_sd_then_ne_then_pd_best_sd_dated_by_the_sd():
    # spec 1.7: SD at 56 (45 vs 50: -10%) >= 42; NE at 84; PD at 112 (new lesion). Best SD on day 56,
    # progression 112, pfs_day 112. NE then NE only -> NE (Table 3 "NE then NE").
    rows = [
        lesion(-7, "T1", 50),
        lesion(56, "T1", 45),
        lesion(84, "T1", None, status="not_evaluable"),
        lesion(112, "T1", 45),
        lesion(112, "U1", 12, organ="lung"),
    ]
    result = run(rows)
    assert responses(result.timepoints) == {56: "SD", 84: "NE", 112: "PD"}
    row = bor(result)
    assert pair(result) == ("SD", "SD")
    assert (row["bor_day"], row["progression_day"], row["pfs_day"]) == (56, 112, 112)
    only_ne = [lesion(-7, "T1", 50)] + [lesion(d, "T1", None, status="not_evaluable") for d in (56, 84)]
    assert pair(run(only_ne)) == ("NE", "NE")


def test_A9_min_sd_days_option_raises_the_bar():
    # spec 1.11 A9: min_sd_days = 42 by default. SD on day 49 (45 vs 50), PD on day 98 (new lesion).
    # Default: 49 >= 42 -> SD. min_sd_days=56: 49 < 56 -> the SD does not count -> PD.
    rows = [
        lesion(-7, "T1", 50),
        lesion(49, "T1", 45),
        lesion(98, "T1", 45),
        lesion(98, "U1", 12, organ="lung"),
    ]
    assert pair(run(rows)) == ("SD", "SD")
    assert pair(run(rows, min_sd_days=56)) == ("PD", "PD")


def test_1_6_2_non_target_only_reappearance_after_cr_is_pd():
    # spec 1.6.2: "Row 4 of 1.6.1 (reappearance after CR) also applies". NT1 pleura present at baseline,
    # absent 56 and 84 (CR, CR: confirmed, 28 days), present again 112: PD (1.8.1: a non-target lesion
    # present again). Best CR both ways; progression 112.
    rows = [
        lesion(-7, "N1", None, organ="pleura"),
        lesion(56, "N1", None, organ="pleura", status="absent"),
        lesion(84, "N1", None, organ="pleura", status="absent"),
        lesion(112, "N1", None, organ="pleura"),
    ]
    result = run(rows)
    assert responses(result.timepoints) == {56: "CR", 84: "CR", 112: "PD"}
    assert pair(result) == ("CR", "CR")
    assert bor(result)["progression_day"] == 112


def test_1_6_2_non_target_only_equivocal_new_lesion_is_backdated_when_confirmed():
    # spec 1.5 / 1.8.2 with Table 2: NT1 present; U1 equivocal on 56, unequivocal on 112.
    # Default: 56 rewritten to PD (dated 56), 112 PD. backdate_equivocal_pd=False: the equivocal lesion
    # "does not make PD now" (day 56 is not PD, flag equivocal_new_lesion), PD from 112.
    rows = [
        lesion(-7, "N1", None, organ="pleura"),
        lesion(56, "N1", None, organ="pleura"),
        lesion(56, "U1", 6, organ="liver", equivocal=True),
        lesion(112, "N1", None, organ="pleura"),
        lesion(112, "U1", 12, organ="liver"),
    ]
    result = run(rows)
    assert responses(result.timepoints) == {56: "PD", 112: "PD"}
    assert bor(result)["progression_day"] == 56
    plain = run(rows, backdate_equivocal_pd=False)
    assert responses(plain.timepoints)[56] != "PD"
    assert responses(plain.timepoints)[112] == "PD"
    assert "equivocal_new_lesion" in col(plain, "flags")[56]
    assert bor(plain)["progression_day"] == 112


def test_0_4_split_lesion_is_absent_only_when_every_fragment_is_absent():
    # spec 0.4: "The lesion is absent only if every fragment is absent". T1 30.
    # Fragments (absent, 4 mm): value 0 + 4 = 4, not absent: not CR; -86.67% vs 30: PR.
    # Fragments (absent, absent): absent -> CR, sum 0.
    base = [lesion(-7, "T1", 30)]
    one_left = base + [lesion(56, "T1", None, status="absent"), lesion(56, "T1", 4)]
    result = run(one_left)
    assert col(result, "current_sum") == {56: 4}
    assert col(result, "target_response") == {56: "PR"}
    both_gone = base + [lesion(56, "T1", None, status="absent"), lesion(56, "T1", None, status="absent")]
    result = run(both_gone)
    assert col(result, "target_response") == {56: "CR"}
    assert col(result, "current_sum") == {56: 0}


def test_0_4_merged_lesions_conglomerate_present_prevents_cr():
    # spec 0.4 (coalesced lesions): T1 liver 20, T2 liver 15 (B = 35). Day 56 they coalesce: the
    # conglomerate 30 mm is entered on T1, T2 absent with merged_into = T1. S = 30 + 0 = 30 (-14.29%): SD,
    # never CR while the conglomerate is present.
    rows = [
        lesion(-7, "T1", 20, merged_into=""),
        lesion(-7, "T2", 15, merged_into=""),
        lesion(56, "T1", 30, merged_into=""),
        lesion(56, "T2", None, status="absent", merged_into="T1"),
    ]
    result = run(rows)
    assert col(result, "current_sum") == {56: 30}
    assert responses(result.timepoints) == {56: "SD"}


def test_1_8_3_continued_pr_leaves_both_best_responses_unchanged():
    # spec 1.8.3: "Best overall response is the same either way". B = 100; PR 56 (68: -32%); SD 84
    # (75: -25%; +10.29% vs nadir 68). confirm_response=False. Without the option: best PR, confirmed SD
    # (PR 56 not confirmed: SD follows). With it 84 reads PR (flag continued_pr), but the confirmed best
    # must stay SD: a re-labelled SD cannot confirm the PR.
    rows = [lesion(-7, "T1", 100), lesion(56, "T1", 68), lesion(84, "T1", 75)]
    assert pair(run(rows)) == ("PR", "SD")
    result = run(rows, continued_pr_after_confirmed_pr=True)
    assert responses(result.timepoints) == {56: "PR", 84: "PR"}
    assert pair(result) == ("PR", "SD")


def test_0_2_max_baseline_gap_days_option():
    # spec 0.2: flag when day < -max_baseline_gap_days. Option 35: baseline on day -35 is not flagged
    # (-35 < -35 is false); day -36 is.
    def rows(baseline_day):
        return [lesion(baseline_day, "T1", 40), lesion(56, "T1", 38)]

    assert "baseline_older_than_28_days" in col(run(rows(-35)), "flags")[56]  # default 28
    assert "baseline_older_than_28_days" not in col(run(rows(-35), max_baseline_gap_days=35), "flags")[56]
    assert "baseline_older_than_28_days" in col(run(rows(-36), max_baseline_gap_days=35), "flags")[56]


# =================================================================================================
# irRC worked examples (spec 2.10): columns not checked by test_irrc.py
# =================================================================================================



def test_Q1_states_and_the_recist_cross_check():
    # spec 2.10 Q1: irPR 84 confirmed by irPR 112 (28 days): states confirmed / confirms; vs nadir at 84
    # -62.42% (nadir 1650). No new lesion: new_lesion_sum 0. bor_day 84.
    # RECIST 1.1 on the long axes: B = 40 + 20 + 15 = 75; 25 + 12 + 0 = 37 (-50.67%); 22 + 10 + 0 = 32
    # (-57.33%): PR, PR.
    result = run_irrc(Q1)
    assert by_day(result, "confirmation_state") == {84: "confirmed", 112: "confirms"}
    assert by_day(result, "pct_change_nadir")[84] == pytest.approx(-62.42, abs=PCT)
    assert by_day(result, "new_lesion_sum") == {84: 0.0, 112: 0.0}
    assert bor(result)["bor_day"] == 84
    recist = recist11.assess(table_study(lesions(Q1)))
    assert by_day(recist) == {84: "PR", 112: "PR"}
    assert by_day(recist, "pct_change_baseline") == approx_map({84: -50.67, 112: -57.33})




def test_Q2_nadirs_changes_index_sum_and_states():
    # spec 2.10 Q2: TB = 600, 380, 278; nadir 1100, 600, 380; vs TB0 1100: -45.45%, -65.45%, -74.73%;
    # vs nadir: -45.45%, -36.67%, -26.84%. Index-only sums 270 + 150 = 420, 180 + 120 = 300, 140 + 90 = 230
    # (day 84: 420 alone would be -61.82%). irPR 112 confirmed by 140.
    result = run_irrc(Q2)
    assert by_day(result, "nadir_sum") == {84: 1100.0, 112: 600.0, 140: 380.0}
    assert by_day(result, "pct_change_baseline") == approx_map({84: -45.45, 112: -65.45, 140: -74.73})
    assert by_day(result, "pct_change_nadir") == approx_map({84: -45.45, 112: -36.67, 140: -26.84})
    assert by_day(result, "target_sum") == {84: 420.0, 112: 300.0, 140: 230.0}
    assert by_day(result, "confirmation_state") == {84: "not_required", 112: "confirmed", 140: "confirms"}




def test_Q3_nadirs_changes_new_lesion_sums_and_states():
    # spec 2.10 Q3: TB 914, 438, 180, 140. Nadir: 600, 600 (914 is not lower), 438, 180.
    # vs TB0 600: +52.33%, -27.00%, -70.00%, -76.67%; vs nadir: +52.33%, -27.00%, -58.90%, -22.22%.
    # N1 counted from 84 (10 x 10 = 100), stays counted: 6 x 5 = 30, then 0; N2 4 x 3 never counted.
    # irPR 168 confirmed by 196; first response day 168, bor_day 168.
    result = run_irrc(Q3)
    assert by_day(result, "nadir_sum") == {84: 600.0, 112: 600.0, 168: 438.0, 196: 180.0}
    vs_baseline = {84: 52.33, 112: -27.00, 168: -70.00, 196: -76.67}
    vs_nadir = {84: 52.33, 112: -27.00, 168: -58.90, 196: -22.22}
    assert by_day(result, "pct_change_baseline") == approx_map(vs_baseline)
    assert by_day(result, "pct_change_nadir") == approx_map(vs_nadir)
    assert by_day(result, "new_lesion_sum") == {84: 100.0, 112: 30.0, 168: 0.0, 196: 0.0}
    assert by_day(result, "confirmation_state") == {
        84: "not_confirmed",
        112: "not_required",
        168: "confirmed",
        196: "confirms",
    }
    row = bor(result)
    assert (row["first_response_day"], row["bor_day"]) == (168, 168)


def test_Q3_reason_of_the_first_irpd_names_the_template_numbers():
    # spec 0.10 template: "tumour burden 914 mm2 is +52.33% vs nadir 600 mm2 (>=25%): irPD, pending
    # confirmation >=28 days (irRC, Wolchok 2009 Table 1)" -- Q3 day 84. (The state is decided later as not
    # confirmed, so only the numbers and the rule are required here.)
    reason = by_day(run_irrc(Q3), "reason")[84]
    for part in ("914 mm2", "+52.33%", "600 mm2", ">=25%", "irPD", "Wolchok 2009"):
        assert part in reason, (part, reason)


def test_Q3_recist_target_sum_alone_is_not_pd():
    # spec 2.10 Q3: "target long-axis sum 40 -> 47 = +17.5% alone would not be PD": RECIST target SD on
    # day 84 (+7 mm but < 20%), overall PD through the new lesions (Table 1 row 3).
    recist = recist11.assess(table_study(lesions(Q3)))
    assert by_day(recist, "target_response")[84] == "SD"
    assert by_day(recist, "pct_change_nadir")[84] == pytest.approx(17.5, abs=PCT)
    assert by_day(recist)[84] == "PD"




def test_Q4_nadir_after_progression_and_recist_cross_check():
    # spec 2.10 Q4: nadir 900 at both (1224 > 900); 1520 vs 900 = +68.89%. Confirmed irPD dated 56: day 84
    # is after progression. bor_day 56. RECIST 1.1 on the long axis: 30 -> 36 = +20.00% and +6 mm: PD on
    # day 56 without confirmation.
    result = run_irrc(Q4)
    assert by_day(result, "nadir_sum") == {56: 900.0, 84: 900.0}
    assert by_day(result, "pct_change_nadir")[84] == pytest.approx(68.89, abs=PCT)
    assert by_day(result, "after_progression") == {56: False, 84: True}
    assert bor(result)["bor_day"] == 56
    recist = recist11.assess(table_study(lesions(Q4)))
    assert by_day(recist)[56] == "PD"
    assert bor(recist)["progression_day"] == 56




def test_Q5_changes_states_and_the_who_variant():
    # spec 2.10 Q5: TB 96, 77; nadir 500, 96; vs TB0 500: -80.80%, -84.60%; 77 vs 96 = -19.79%.
    # irCR 84 confirmed by 112: first response 84. node_rules="who": irPR, irPR (-80.80%, -84.60% <= -50%),
    # also confirmed (28 days): best irPR both columns, first response 84.
    result = run_irrc(Q5)
    assert by_day(result, "nadir_sum") == {84: 500.0, 112: 96.0}
    assert by_day(result, "pct_change_baseline") == approx_map({84: -80.80, 112: -84.60})
    assert by_day(result, "pct_change_nadir")[112] == pytest.approx(-19.79, abs=PCT)
    assert by_day(result, "confirmation_state") == {84: "confirmed", 112: "confirms"}
    assert bor(result)["first_response_day"] == 84
    who = run_irrc(Q5, node_rules="who")
    assert pair(who) == ("irPR", "irPR")
    assert by_day(who, "confirmation_state") == {84: "confirmed", 112: "confirms"}
    assert bor(who)["first_response_day"] == 84


# =================================================================================================
# irRC rules (spec 0.4, 0.7, 0.8, 2.2-2.7, 2.11)
# =================================================================================================


def test_0_4_irrc_node_product_uses_perpendicular_and_short_axis_only_when_it_is_empty():
    # spec 0.4: product = long x perpendicular, "for nodes short_axis_mm when perpendicular_mm is empty".
    # Node 20 long, 16 short, 18 perpendicular: 20 x 18 = 360 (not 20 x 16 = 320). Follow-up unchanged.
    text = """
day lesion role   organ       node long short perp status
-7  L1     target mediastinum y    20   16    18   present
56  L1     target mediastinum y    20   16    18   present
"""
    assert by_day(run_irrc(text), "baseline_sum") == {56: 360.0}
    assert by_day(run_irrc(text.replace("18   present", "-    present")), "baseline_sum") == {56: 320.0}


def test_2_4_counted_new_lesion_prevents_gone_then_irpr_confirmed_by_ircr():
    # spec 2.4 step 3: gone needs every index AND every counted new lesion absent.
    # TB0 = 20 x 20 = 400. 56: L1 absent, N1 10 x 10 = 100 counted: TB 100, -75% vs 400, not gone: irPR.
    # 84: N1 absent: TB 0, gone, no non-index, no new non-measurable: irCR.
    # spec 2.7 / Table 1: irPR confirmed by irPR or irCR >= 4 weeks later: irPR 56 confirmed by 84;
    # the irCR has no later irCR. best_response irCR, best_response_confirmed irPR, first response 56.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
56  L1     target liver n    -    -    absent
56  N1     new    lung  n    10   10   present
84  L1     target liver n    -    -    absent
84  N1     new    lung  n    -    -    absent
"""
    result = run_irrc(text)
    assert by_day(result, "current_sum") == {56: 100.0, 84: 0.0}
    assert by_day(result) == {56: "irPR", 84: "irCR"}
    assert pair(result) == ("irCR", "irPR")
    assert bor(result)["first_response_day"] == 56


def test_2_5_new_too_small_lesion_is_never_counted_but_prevents_ircr():
    # spec 2.4: a new lesion is counted from the first assessment at which both diameters are >= 5 mm; a
    # too_small lesion has no diameters: "new non-measurable". spec 2.5: it never defines irPD but any one
    # present prevents irCR. L1 gone: row 5 -> irPR; new_lesion_sum 0; new_lesion_response yes.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
56  L1     target liver n    -    -    absent
56  N1     new    lung  n    -    -    too_small
"""
    result = run_irrc(text)
    assert by_day(result) == {56: "irPR"}
    assert by_day(result, "new_lesion_sum") == {56: 0.0}
    assert by_day(result, "new_lesion_response") == {56: "yes"}


def test_2_6_row4_gone_with_unequivocal_non_index_progression_is_irpr():
    # spec 2.6 row 4: gone + non-index "unequivocal progression" -> irPR; 2.5: it never defines irPD.
    text = """
day lesion role       organ node long perp status
-7  L1     target     liver n    20   20   present
-7  NI1    non_target bone  n    -    -    present
56  L1     target     liver n    -    -    absent
56  NI1    non_target bone  n    -    -    unequivocal_progression
"""
    assert by_day(run_irrc(text)) == {56: "irPR"}


def test_2_7_ircr_confirmation_interval_and_one_ne_between():
    # spec 2.7: irCR confirmed by a second irCR at least 4 weeks later (routine 0.7, max_ne_between 1).
    # L1 20 x 20 absent on the irCR days. irCR 56 + irCR 83 (27 days): not confirmed -> confirmed column
    # irSD (any irCR at day >= 42). irCR 56, NE 70, irCR 84: confirmed irCR.
    def text(*visits):
        lines = ["day lesion role organ node long perp status", "-7 L1 target liver n 20 20 present"]
        lines += [f"{day} L1 target liver n - - {status}" for day, status in visits]
        return "\n".join(lines)

    assert pair(run_irrc(text((56, "absent"), (83, "absent")))) == ("irCR", "irSD")
    result = run_irrc(text((56, "absent"), (70, "not_evaluable"), (84, "absent")))
    assert pair(result) == ("irCR", "irCR")
    assert by_day(result, "confirmation_state")[56] == "confirmed"


def test_0_8_irrc_confirm_min_days_option_also_sets_the_irpd_interval():
    # spec 2.11 option table: one confirm_min_days (default 28) for 0.7 and 0.8. 400 -> 500 (+25%) on 56
    # and 77 (21 days). Default: 77 is too early to decide, no later data: both irPD pending.
    # confirm_min_days=21: 77 decides and confirms: progression day 56.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
56  L1     target liver n    25   20   present
77  L1     target liver n    25   20   present
"""
    assert by_day(run_irrc(text), "confirmation_state") == {56: "pending", 77: "pending"}
    result = run_irrc(text, confirm_min_days=21)
    assert by_day(result, "confirmation_state") == {56: "confirmed", 77: "confirms"}
    assert bor(result)["progression_day"] == 56


def test_2_3_visceral_and_cutaneous_index_caps_are_options():
    # spec 2.3 / 2.11: max_index_visceral = 10, max_index_cutaneous = 5.
    # 5 skin index lesions: fine by default, refused with max_index_cutaneous=4.
    # 11 visceral (5 lung + 5 liver + 1 kidney): refused by default, accepted with max_index_visceral=11.
    def table(organs):
        lines = ["day lesion role organ node long perp status"]
        for day in (-7, 56):
            lines += [f"{day} L{i:02d} target {o} n 20 20 present" for i, o in enumerate(organs, 1)]
        return "\n".join(lines)

    skin = table(["skin"] * 5)
    assert by_day(run_irrc(skin)) == {56: "irSD"}
    with pytest.raises(InputError):
        run_irrc(skin, max_index_cutaneous=4)
    visceral = table(["lung"] * 5 + ["liver"] * 5 + ["kidney"])
    with pytest.raises(InputError):
        run_irrc(visceral)
    assert by_day(run_irrc(visceral, max_index_visceral=11)) == {56: "irSD"}


def test_2_2_irrc_baseline_flags_for_a_normal_index_node_and_a_bone_index_lesion():
    # spec 2.2 (B2): "a nodal index lesion with short axis < 10 mm at baseline gets the flag
    # normal_node_recorded"; "Bone and cysts: flags only, as in 1.2" ->
    # bone_target_check_soft_tissue_component.
    text = """
day lesion role   organ       node long short perp status
-7  L1     target mediastinum y    20   8     -    present
-7  L2     target bone        n    20   -     20   present
56  L1     target mediastinum y    20   8     -    present
56  L2     target bone        n    20   -     20   present
"""
    flags = flags_on(run_irrc(text), 56)
    assert "normal_node_recorded" in flags
    assert "bone_target_check_soft_tissue_component" in flags


def test_2_7_irrc_pd_then_irsd_before_min_sd_days_and_pending_at_end():
    # spec 2.7: irSD counts only at day >= 42; pending irPD at the end: "pd" -> irPD, "ne" -> NE.
    # 400 -> 400 on day 35 (irSD, too early), 500 on day 70 (+25%: irPD, nothing later: pending).
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
35  L1     target liver n    20   20   present
70  L1     target liver n    25   20   present
"""
    assert bor(run_irrc(text))["best_response"] == "irPD"
    assert bor(run_irrc(text, unconfirmed_pd_as="ne"))["best_response"] == "NE"
    assert math.isclose(by_day(run_irrc(text), "pct_change_nadir")[70], 25.0, abs_tol=PCT)


def test_2_8_irrc_clinical_status_is_copied_and_never_changes_the_call():
    # spec 2.8: "clinical_status is copied only: irRC does not use clinical status in the response".
    # Q1 with "deteriorating" on every row of day 84: still irPR (620 mm2, -62.42%), value copied.
    table = lesions(Q1)
    table["clinical_status"] = table["day"].map({-7: "", 84: "deteriorating", 112: "stable"})
    result = irrc.assess(table_study(table))
    assert by_day(result) == {84: "irPR", 112: "irPR"}
    assert by_day(result, "clinical_status") == {84: "deteriorating", 112: "stable"}
