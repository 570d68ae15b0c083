"""Audit of EORTC 1999, PECRIT and PERCIMT (spec/metabolic.md sections 1, 2.7, 3.3, 4, 6, 7).

Everything runs through the public API (``ioresponse.assess``) on small hand-typed tables. Expected values
come from the spec text and hand arithmetic. The first tests pin differences the audit
found, since fixed: each asserts the spec's result. The plain
tests pin boundary and precedence cases that were checked and behave as the spec says.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import ioresponse
from ioresponse.schema import InputError

NAN = math.nan

EORTC_COLUMNS = ["patient_id", "day", "lesion_id", "role", "organ", "suvmax", "cycles_before_scan", "status"]
PECRIT_COLUMNS = [
    "patient_id", "day", "lesion_id", "role", "organ", "sulpeak",
    "uptake_min", "liver_sul_mean", "liver_sul_sd", "recist_response",
]
PERCIMT_COLUMNS = ["patient_id", "day", "lesion_id", "role", "organ", "status", "functional_diameter_mm"]


def assess(rows, columns, criterion, **options):
    return ioresponse.assess(pd.DataFrame(rows, columns=columns), criteria=(criterion,), **options)


def eortc(rows, columns=EORTC_COLUMNS, **options):
    return assess(rows, columns, "eortc", **options)


def eortc_rows(values, columns=EORTC_COLUMNS):
    """EORTC rows from (lesion_id, role, organ, {day: (suvmax, cycles, status)})."""
    rows = []
    for lesion_id, role, organ, cells in values:
        for day, (value, cycles, status) in cells.items():
            rows.append(("P1", day, lesion_id, role, organ, value, cycles, status))
    return rows


# spec 6.11: baseline day -4, SCAN-2 day 24, liver 2.0 / 0.25 (T = 3.5), uptake 60 and 63 min.
PECRIT_SCANS = {d: (60 if d < 0 else 63, 2.0, 0.25) for d in (-4, 14, 24, 42)}


def pecrit(values, recist="SD", scans=PECRIT_SCANS, **options):
    """PECRIT on (lesion_id, organ, {day: sulpeak}); ``recist`` is the follow-up RECIST 1.1 response."""
    rows = [
        ("P1", day, lesion_id, "target", organ, value, *scans[day], "" if day < 0 else recist)
        for lesion_id, organ, cells in values
        for day, value in cells.items()
    ]
    return assess(rows, PECRIT_COLUMNS, "pecrit", **options)


# spec 7.11: baseline day -7 with B1 (lung), B2 (lymph node), B3 (liver); follow-up day 84.
PERCIMT_BASELINE = [
    ("P1", -7, "B1", "target", "lung", "present", 20.0),
    ("P1", -7, "B2", "target", "lymph node", "present", 15.0),
    ("P1", -7, "B3", "target", "liver", "present", 18.0),
]
PERCIMT_PRESENT_84 = [(p, 84, i, r, o, s, d) for p, _, i, r, o, s, d in PERCIMT_BASELINE]


def percimt_with_new(*diameters):
    new = [("P1", 84, f"N{i}", "new", "bone", "present", d) for i, d in enumerate(diameters, 1)]
    return [*PERCIMT_BASELINE, *PERCIMT_PRESENT_84, *new]


def only_row(result):
    assert len(result.timepoints) == 1
    return result.timepoints.iloc[0]


# ========================================================= differences found (fixed since)


def test_4_2_eortc_hottest_aggregate_uses_the_hottest_baseline_lesion_including_non_targets():
    # spec 4.2: "Alternative eortc_aggregate = "hottest": value = metric of the hottest
    # baseline-present lesion at each scan"; 1.3: "Baseline lesions: rows at baseline with role in
    # {target, non_target}" (5.2 uses "baseline-present" for target or non-target alike).
    # Baseline hottest = N1 8.0; day 42 hottest = T1 5.0; rel = (5.0 - 8.0) / 8.0 = -0.375.
    # c = 2: PMR needs rel < -0.25 (4.5): holds -> PMR.
    rows = eortc_rows(
        [
            ("T1", "target", "lung", {-3: (5.0, 0, "present"), 42: (5.0, 2, "present")}),
            ("N1", "non_target", "bone", {-3: (8.0, 0, "present"), 42: (4.0, 2, "present")}),
        ]
    )
    row = only_row(eortc(rows, eortc_aggregate="hottest"))
    assert row["reference_value"] == 8.0
    assert row["rel_change"] == pytest.approx(-0.375)
    assert row["overall_response"] == "PMR"


def test_4_10_A1_eortc_sulpeak_metric_does_not_need_a_suvmax_column():
    # spec 4.10: "Required: patient_id, day/date, lesion_id, role, organ, the chosen metric (suvmax by
    # default), cycles_before_scan."; 4.12 A1 alternative: eortc_metric = "sulpeak".
    # E-1 numbers in SULpeak: sum 12.0 -> 10.2, rel = -0.15 after 1 cycle: rel <= -0.15 -> PMR.
    columns = ["patient_id", "day", "lesion_id", "role", "organ", "sulpeak", "cycles_before_scan"]
    rows = [
        ("P1", -3, "T1", "target", "lung", 8.0, 0),
        ("P1", -3, "T2", "target", "lymph node", 4.0, 0),
        ("P1", 21, "T1", "target", "lung", 6.6, 1),
        ("P1", 21, "T2", "target", "lymph node", 3.6, 1),
    ]
    row = only_row(eortc(rows, columns, eortc_metric="sulpeak"))
    assert row["overall_response"] == "PMR"


def test_4_5_eortc_non_integer_cycles_is_not_read_as_one_cycle():
    # spec 4.2: "Number of cycles: cycles_before_scan (required at every follow-up, integer >= 1)";
    # 4.5: PMR is "c == 1 and rel <= -0.15; or c >= 2 and rel < -0.25".
    # c = 1.5, rel = (8.0 - 10.0) / 10.0 = -0.20: c == 1 fails, c >= 2 fails; the input is refused as not
    # an integer (spec 1.1 types cycles_before_scan "integer"), at its row.
    rows = eortc_rows([("T1", "target", "lung", {-3: (10.0, 0, "present"), 30: (8.0, 1.5, "present")})])
    with pytest.raises(InputError, match="whole number of cycles") as refusal:
        eortc(rows)
    assert refusal.value.rows == [3]


def test_1_2_eortc_baseline_lesion_missing_from_a_follow_up_makes_it_ne():
    # spec 1.2: "Every lesion present at baseline must be reported at every follow-up, either with a
    # value or with status = absent. A baseline lesion missing from a follow-up makes that follow-up NE
    # for criteria that need lesion values (reason lists the missing lesion_ids)."
    # Here it also matters: T1 resolved, NT1 unknown -> CMR (4.5) or PMR cannot be told apart.
    rows = eortc_rows(
        [
            ("T1", "target", "lung", {-3: (8.0, 0, "present"), 42: (NAN, 2, "absent")}),
            ("NT1", "non_target", "bone", {-3: (3.0, 0, "present")}),
        ]
    )
    row = only_row(eortc(rows))
    assert row["overall_response"] == "NE"
    assert "NT1" in row["reason"]


def test_7_10_percimt_refuses_a_table_without_the_status_column():
    # spec 7.10: "Required: patient_id, day/date, lesion_id, role, functional_diameter_mm (for new
    # lesions), status (for resolution of baseline lesions)."; 1.1: "If a needed column is absent the
    # criterion raises InputError naming it; it never guesses a value."
    rows = [(p, d, i, r, o, dia) for p, d, i, r, o, _, dia in [*PERCIMT_BASELINE, *PERCIMT_PRESENT_84]]
    columns = [c for c in PERCIMT_COLUMNS if c != "status"]
    with pytest.raises(InputError, match="status"):
        assess(rows, columns, "percimt")


def test_7_10_7_5_percimt_without_new_lesions_needs_no_diameters():
    # spec 7.10: functional_diameter_mm is required "(for new lesions)"; 7.3: "Every new lesion must have
    # functional_diameter_mm"; 7.5 PMR: "at least one but not all baseline lesions resolved and
    # n_all == 0". No new lesion, B2 absent, B1 and B3 present -> PMR. The column is present, empty.
    rows = [
        *[(p, d, i, r, o, s, NAN) for p, d, i, r, o, s, _ in PERCIMT_BASELINE],
        ("P1", 84, "B1", "target", "lung", "present", NAN),
        ("P1", 84, "B2", "target", "lymph node", "absent", NAN),
        ("P1", 84, "B3", "target", "liver", "present", NAN),
    ]
    row = only_row(assess(rows, PERCIMT_COLUMNS, "percimt"))
    assert row["overall_response"] == "PMR"


# =============================================================== checked, behave as specified


def test_4_5_A7_eortc_extent_exactly_20_percent_with_float_noise_is_not_pmd():
    # spec 4.5: PMD if "d_fu / d_bl - 1 > 0.20"; A7 "strict: more than 20%"; 1.5: ratios are rounded to
    # 6 decimals. 21.6 / 18 - 1 = 0.20000000000000018 raw, 0.2 rounded: not > 0.20 -> SMD.
    # 20 -> 24.1 mm: 0.205 > 0.20 -> PMD.
    columns = [*EORTC_COLUMNS, "functional_diameter_mm"]

    def rows(before, after):
        return [
            ("P1", -3, "T1", "target", "lung", 10.0, 0, "present", before),
            ("P1", 42, "T1", "target", "lung", 10.0, 2, "present", after),
        ]

    assert only_row(eortc(rows(18.0, 21.6), columns))["overall_response"] == "SMD"
    grown = only_row(eortc(rows(20.0, 24.1), columns))
    assert grown["overall_response"] == "PMD"
    assert "T1 FDG-avid extent 20 -> 24.1 mm" in grown["reason"]


def test_4_11_E3_A5_eortc_exactly_plus_25_percent_is_smd_and_plus_26_7_is_pmd():
    # spec 4.11 E-3: day 42 sum 15.0 vs 12.0, rel = +0.25, "PMD needs > 0.25: fails; SMD";
    # day 84 sum 15.2, rel = +0.266667 > 0.25: PMD.
    rows = eortc_rows(
        [
            ("T1", "target", "lung", {-3: (8.0, 0, "present"), 42: (10.0, 2, "present"),
                                      84: (10.2, 4, "present")}),
            ("T2", "target", "lymph node", {-3: (4.0, 0, "present"), 42: (5.0, 2, "present"),
                                            84: (5.0, 4, "present")}),
        ]
    )
    timepoints = eortc(rows).timepoints
    assert timepoints["overall_response"].tolist() == ["SMD", "PMD"]
    assert "exactly +25%" in timepoints["reason"].iloc[0]


def test_4_3_4_7_eortc_zero_baseline_is_ne_but_a_new_lesion_still_gives_pmd():
    # spec 4.3: "If the baseline sum is 0 or missing: all follow-ups NE ... except PMD by new lesion";
    # 4.7: "A new lesion still gives PMD on a scan that is otherwise NE."
    rows = eortc_rows(
        [
            ("T1", "target", "lung", {-3: (0.0, 0, "present"), 42: (3.0, 2, "present"),
                                      84: (3.0, 4, "present")}),
            ("N1", "new", "liver", {84: (5.0, 4, "present")}),
        ]
    )
    result = eortc(rows)
    assert result.timepoints["overall_response"].tolist() == ["NE", "PMD"]
    assert result.best_response["best_response"].iloc[0] == "PMD"
    assert result.best_response["progression_day"].iloc[0] == 84


def test_4_2_eortc_without_reader_targets_tracks_five_hottest_max_two_per_organ():
    # spec 4.2: "if the reader flagged no target, the toolkit tracks select_hottest(baseline lesions,
    # metric, n=5, per_organ=2)". Lung 9, 8, 7 and bone 1: tracked A, B (lung) and D (bone); C, the
    # third lung lesion, tripling to 21.0 does not move the sum (18.0 -> 18.0): SMD, not PMD.
    rows = eortc_rows(
        [
            ("A", "non_target", "lung", {-3: (9.0, 0, "present"), 42: (9.0, 2, "present")}),
            ("B", "non_target", "lung", {-3: (8.0, 0, "present"), 42: (8.0, 2, "present")}),
            ("C", "non_target", "lung", {-3: (7.0, 0, "present"), 42: (21.0, 2, "present")}),
            ("D", "non_target", "bone", {-3: (1.0, 0, "present"), 42: (1.0, 2, "present")}),
        ]
    )
    row = only_row(eortc(rows))
    assert row["tracked_lesions"] == "A,B,D"
    assert row["overall_response"] == "SMD"


def test_4_11_E6_1_7_eortc_best_response_stops_at_first_pmd_and_later_cmr_is_after_progression():
    # spec 4.11 E-6: PMR (day 21), SMD (day 63), PMD (day 105): best PMR, progression day 105.
    # 1.7: later scans "are still evaluated and reported, flagged after_progression = True ... and never
    # change the best response or the progression date" (day 147: every baseline lesion absent -> CMR).
    cells = {
        "T1": {21: 6.6, 63: 6.6, 105: 10.0},
        "T2": {21: 3.6, 63: 3.2, 105: 5.5},
    }
    cycles = {21: 1, 63: 3, 105: 5, 147: 7}
    rows = eortc_rows(
        [
            (lesion, "target", organ, {-3: (base, 0, "present"),
                                       **{d: (v, cycles[d], "present") for d, v in cells[lesion].items()},
                                       147: (NAN, 7, "absent")})
            for lesion, organ, base in (("T1", "lung", 8.0), ("T2", "lymph node", 4.0))
        ]
    )
    result = eortc(rows)
    timepoints = result.timepoints
    assert timepoints["overall_response"].tolist() == ["PMR", "SMD", "PMD", "CMR"]
    assert timepoints["after_progression"].tolist() == [False, False, False, True]
    best = result.best_response.iloc[0]
    assert best["best_response"] == "PMR" and best["best_response_confirmed"] == "PMR"
    assert best["progression_day"] == 105 and best["bor_day"] == 21


def test_4_7_A9_eortc_uptake_note_only_for_more_than_15_minutes():
    # spec 4.7: "the reason notes an uptake-time difference of more than 15 minutes from baseline";
    # 1.5 rounding: 65.4 - 50.4 = 15 (no note); 66.0 - 50.4 = 15.6 (note). Category unchanged (SMD).
    columns = [*EORTC_COLUMNS, "uptake_min"]
    rows = [
        ("P1", -3, "T1", "target", "lung", 8.0, 0, "present", 50.4),
        ("P1", 42, "T1", "target", "lung", 8.0, 2, "present", 65.4),
        ("P1", 84, "T1", "target", "lung", 8.0, 4, "present", 66.0),
    ]
    timepoints = eortc(rows, columns).timepoints
    assert timepoints["overall_response"].tolist() == ["SMD", "SMD"]
    assert "uptake time" not in timepoints["reason"].iloc[0]
    assert "uptake time 66 min differs from baseline 50.4 min" in timepoints["reason"].iloc[1]


@pytest.mark.parametrize(
    ("after", "direction"),
    [(4.62, "increase"), (3.38, "decrease")],  # raw rel +0.15500000000000003 / -0.15500000000000003
)
def test_6_5_C5_A2_pecrit_exactly_15_5_percent_never_gives_benefit(after, direction):
    # spec 6.5: "The threshold is strict in both directions ...; exactly 15.5% never gives benefit";
    # C-5: L1 4.0 -> 4.62, rel = 0.155000 -> no_clinical_benefit. Baseline 4.0 >= T = 3.5 (measurable).
    row = only_row(pecrit([("L1", "lung", {-4: 4.0, 24: after})], pecrit_sd_direction=direction))
    assert abs(row["rel_change"]) == 0.155
    assert row["overall_response"] == "no_clinical_benefit"


def test_6_3_6_12_A5_pecrit_baseline_hottest_exactly_at_t_is_measurable_and_no_sul_minimum():
    # spec 6.3 / 5.3: measurable if "sulpeak >= T", T = 1.5 x 2.0 + 2 x 0.25 = 3.5; 6.7: baseline not
    # measurable -> NE in the SD branch. 6.12 A5: "the 0.8 SUL absolute minimum: not applied".
    # 3.5 -> 4.2: rel = +0.20 > 0.155 (only +0.7 SUL) -> clinical_benefit; 3.49 < 3.5 -> NE.
    at_t = only_row(pecrit([("L1", "lung", {-4: 3.5, 24: 4.2})]))
    assert at_t["overall_response"] == "clinical_benefit"
    below = only_row(pecrit([("L1", "lung", {-4: 3.49, 24: 4.2})]))
    assert below["overall_response"] == "NE"


def test_6_9_pecrit_uses_the_first_scan_in_days_21_to_28_not_the_first_follow_up():
    # spec 6.9: "PECRIT is evaluated once per patient, on the first follow-up PET with 21 <= day <= 28".
    # Day 14 (5.0 -> 5.0, +0%) would be no benefit; day 24 (+20%) gives clinical_benefit, unflagged.
    row = only_row(pecrit([("L1", "lung", {-4: 5.0, 14: 5.0, 24: 6.0})]))
    assert row["day"] == 24 and row["timing_flag"] == ""
    assert row["overall_response"] == "clinical_benefit"


def test_6_7_pecrit_quality_checks_apply_only_in_the_sd_branch():
    # spec 6.7: NE "in the SD branch only: PERCIST quality checks fail (5.4) with percist_qc = "strict"";
    # 6.5: "CR or PR | not consulted | clinical_benefit". Follow-up uptake 80 min fails 50-70 (5.4).
    scans = {-4: (60, 2.0, 0.25), 24: (80, 2.0, 0.25)}
    values = [("L1", "lung", {-4: 5.0, 24: 6.0})]
    assert only_row(pecrit(values, "SD", scans))["overall_response"] == "NE"
    assert only_row(pecrit(values, "SD", scans, percist_qc="warn"))["overall_response"] == "clinical_benefit"
    assert only_row(pecrit(values, "PR", scans))["overall_response"] == "clinical_benefit"


@pytest.mark.parametrize(
    ("diameters", "expected"),
    [
        ((12.0, 12.0, NAN), "NE"),  # <= 10: n_gt10 = 2 (SMD); > 15: n_gt10 = 3 (PMD) -> differ -> NE
        ((5.0, NAN), "SMD"),  # <= 10: n_all 2; > 15: n_gt15 1 -> both SMD -> common result
        ((16.0, 15.0, 9.0), "SMD"),  # M-7: 15 is not > 15, n_gt15 = 1, n_gt10 = 2, n_all = 3
        ((16.0, 15.1), "PMD"),  # n_gt15 = 2 >= 2
    ],
)
def test_7_7_A2_percimt_unknown_sizes_and_strict_size_boundaries(diameters, expected):
    # spec 7.7: "compute the counts with unknown sizes treated as <= 10 (minimum) and as > 15 (maximum);
    # if the two give different categories, NE ...; otherwise use the common result";
    # 7.12 A2: "strict >: 10 mm is not > 1.0 cm, 15 mm is not > 1.5 cm".
    row = only_row(assess(percimt_with_new(*diameters), PERCIMT_COLUMNS, "percimt"))
    assert row["overall_response"] == expected
