"""Rules of spec/patterns.md (sections 0-6): rules not pinned by the worked-example tests.

Every expected value is computed by hand from the spec text (arithmetic in the comments), never read
from the code's output. Boundaries use the 0.4 tolerances: non-strict ``x >= t`` meets t exactly,
strict ``x > t`` does not.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from pattern_rows import lesion, study, timepoint

from ioresponse.biomarkers import evaluate_biomarkers, il8_changes
from ioresponse.criteria import Study, registry
from ioresponse.patterns import dissociated, durable, find_patterns, irae
from ioresponse.patterns import pseudoprogression as psp
from ioresponse.patterns._common import PatternOptions, pattern_frame
from ioresponse.patterns.hyperprogression import DEFINITIONS, HpdInputs, Scan, ecog_deterioration

HPD = {d.id: d for d in DEFINITIONS}
M = 30.4375  # spec 0.1: days per month


def hpd(definition: str, x: HpdInputs, **options: object):
    return HPD[definition].decide(x, PatternOptions(**options))


def months(days: float) -> float:
    return days / M


# --- 2. Hyperprogression ------------------------------------------------------------------------------


def _tgr_patient(tgr_exp: float) -> HpdInputs:
    """S_pre = S_0 = 40 mm (TGR_ref = 0 exactly); S_1 chosen so that TGR_exp is the given value.

    TGR = 100 (exp(3 ln(S_1/S_0) / m) - 1)  =>  S_1 = S_0 (1 + TGR/100)^(m/3), m = 58 days / 30.4375.
    """
    m = months(56 - (-2))
    s1 = 40.0 * (1 + tgr_exp / 100) ** (m / 3)
    return HpdInputs("T", Scan(-2, 40.0), prebaseline=Scan(-60, 40.0), first=Scan(56, s1), recist_first="PD")


def test_H6_ferrara_dtgr_exactly_50_is_not_hpd_and_zero_reference_stays_evaluable() -> None:
    # spec 2.3 H6: dTGR > 50 (strict); "A non-positive TGR_ref does not block the difference" (2.2).
    # TGR_ref = 0 (40 -> 40); TGR_exp = 50 -> dTGR = 50 - 0 = 50, not > 50 -> false; TGR_exp 50.5 -> true.
    assert hpd("hpd.ferrara2018", _tgr_patient(50.0)).flag is False
    assert hpd("hpd.ferrara2018", _tgr_patient(50.5)).flag is True


def test_H9_kas_dtgr_exactly_100_is_not_hpd() -> None:
    # spec 2.3 H9: dTGR > 100 (strict). TGR_exp = 100 -> S_1 = 40 * 2^(1.9055/3) = 62.1 mm (+55 %, target PD),
    # dTGR = 100 - 0 = 100 -> false; TGR_exp = 101 -> dTGR 101 > 100 -> true.
    assert hpd("hpd.kas2020", _tgr_patient(100.0)).flag is False
    assert hpd("hpd.kas2020", _tgr_patient(101.0)).flag is True


def test_H1_zero_reference_growth_options() -> None:
    # spec 2.2: TGR_ref <= 0 (here exactly 0, stable before) -> ratio meaningless: default not_evaluable;
    # "literal" compares the infinite ratio (TGR_exp 60 / 0 = +inf >= 2 -> true);
    # "hpd_if_exp_positive": shrinking/stable before, growing during (60 > 0) -> true.
    x = _tgr_patient(60.0)
    assert hpd("hpd.champiat2017", x).flag is None
    assert hpd("hpd.champiat2017", x, nonpositive_reference="literal").flag is True
    assert hpd("hpd.champiat2017", x, nonpositive_reference="hpd_if_exp_positive").flag is True


def test_H4_saada_bouzid_tgk_ratio_exactly_two_is_hpd() -> None:
    # spec 2.3 H4: TGKr >= 2 (non-strict). Equal 56-day intervals: TGK_ref = (44-40)/m = 4/m,
    # TGK_exp = (52-44)/m = 8/m -> TGKr = 2.000 -> true; S_1 = 51.9: 7.9/4 = 1.975 -> false.
    def x(s1: float) -> HpdInputs:
        return HpdInputs("S", Scan(-2, 44.0), prebaseline=Scan(-58, 40.0), first=Scan(54, s1))

    assert hpd("hpd.saada_bouzid2017", x(52.0)).flag is True
    assert hpd("hpd.saada_bouzid2017", x(51.9)).flag is False


def test_H5_kato_strict_thresholds_pct_50_and_pace_ratio_2() -> None:
    # spec 2.3 H5: pct_1 > 50 % (strict) and pace ratio > 2 (strict); TTF 50 d < 60.875 in both.
    # (a) S_pre 28 (day -58), S_0 30 (day -2), S_1 45 (day 54): pct_1 = 15/30 = 50.00 % not > 50 -> false,
    #     although pace ratio = (0.5/m) / ((30/28 - 1)/m) = 0.5 / 0.0714 = 7.0 > 2 and TTF holds.
    #     S_1 45.3 -> +51.0 % -> true.
    def a(s1: float) -> HpdInputs:
        return HpdInputs(
            "K", Scan(-2, 30.0), prebaseline=Scan(-58, 28.0), first=Scan(54, s1), treatment_end_day=50
        )

    assert hpd("hpd.kato2017", a(45.0)).flag is False
    assert hpd("hpd.kato2017", a(45.3)).flag is True
    # (b) S_pre 20, S_0 30, S_1 60, 56-day intervals: pct_1 = 100 %; pace ratio = (60/30 - 1)/(30/20 - 1)
    #     = 1.0 / 0.5 = 2.000, not > 2 -> false. First evaluation on day 53 instead (55 days):
    #     ratio = (1/55) / (0.5/56) = 2.036 > 2 -> true.
    b = HpdInputs(
        "K", Scan(-2, 30.0), prebaseline=Scan(-58, 20.0), first=Scan(54, 60.0), treatment_end_day=50
    )
    b53 = HpdInputs(
        "K", Scan(-2, 30.0), prebaseline=Scan(-58, 20.0), first=Scan(53, 60.0), treatment_end_day=50
    )
    assert hpd("hpd.kato2017", b).flag is False
    assert hpd("hpd.kato2017", b53).flag is True


def test_H5_kato_ongoing_treatment_long_follow_up_decides_false_without_prebaseline() -> None:
    # spec 2.1: ongoing treatment, "TTF < 2 months" is false once follow-up exceeds 60 days; spec 0.3 AND:
    # decided false although pace (no prebaseline) is not evaluable. pct_1 = 18/30 = 60 % > 50 holds.
    # Follow-up of 60 days only: TTF undecided, pace undecided -> not evaluable.
    long_ = HpdInputs("K", Scan(-2, 30.0), first=Scan(42, 48.0), last_contact_day=61)
    short = HpdInputs("K", Scan(-2, 30.0), first=Scan(42, 48.0), last_contact_day=60)
    assert hpd("hpd.kato2017", long_).flag is False
    assert hpd("hpd.kato2017", short).flag is None


def _lo_russo(s1: float, *, ttf: int | None = 50, ecog: tuple[int, ...] | None = (2,)) -> HpdInputs:
    return HpdInputs(
        "L",
        Scan(-2, 30.0),
        first=Scan(42, s1),
        recist_first="PD",
        treatment_end_day=ttf,
        new_lesion_organs=(),
        baseline_organs=frozenset({"lung"}),
        ecog_baseline=1,
        ecog_first_60_days=ecog,
    )


def test_H7_lo_russo_50_percent_is_non_strict() -> None:
    # spec 2.3 H7 criterion 2: increase >= 50 % (non-strict). S_0 30 -> S_1 45 = +50.00 %: criteria met
    # TTF 50 d (1), +50 % (2), ECOG 1 -> 2 (5) = 3/5 -> true. S_1 44.9 (+49.67 %) -> 2/5 -> false.
    assert hpd("hpd.lo_russo2019", _lo_russo(45.0)).flag is True
    assert hpd("hpd.lo_russo2019", _lo_russo(44.9)).flag is False


def test_H7_lo_russo_k_of_n_with_missing_ecog() -> None:
    # spec 0.3 "at least k of n" and H7 ("missing ECOG table makes criterion 5 not_evaluable"):
    # TTF true, +60 % true, no new lesions (3, 4 false), ECOG missing -> #true 2 + #NE 1 = 3 >= 3:
    # not_evaluable.
    assert hpd("hpd.lo_russo2019", _lo_russo(48.0, ecog=None)).flag is None
    # TTF 61 d (not < 60.875) -> #true 1 + #NE 1 = 2 < 3 -> false even without ECOG.
    assert hpd("hpd.lo_russo2019", _lo_russo(48.0, ttf=61, ecog=None)).flag is False


@pytest.mark.parametrize(
    "baseline,window,rule,expected",
    [
        (1, (2,), "worsens_to_2_or_more", True),  # 2 >= 2 and 2 > 1
        (2, (2,), "worsens_to_2_or_more", False),  # 2 >= 2 but not greater than baseline 2
        (0, (1,), "worsens_to_2_or_more", False),  # 1 < 2
        (2, (3,), "worsens_to_2_or_more", True),  # 3 >= 2 and 3 > 2
        (1, (2,), "worsens_by_2_or_more", False),  # rises by 1
        (0, (2,), "worsens_by_2_or_more", True),  # rises by 2
    ],
)
def test_H7_lo_russo_ecog_rules(baseline: int, window: tuple[int, ...], rule: str, expected: bool) -> None:
    # spec 2.3 H7 criterion 5: default "some ECOG in days 1-60 is >= 2 and greater than the baseline ECOG";
    # option "ECOG rises by >= 2 points over baseline".
    x = HpdInputs("E", Scan(-2, 30.0), ecog_baseline=baseline, ecog_first_60_days=window)
    assert ecog_deterioration(x, rule).flag is expected


def _matos(s0: float, s1: float, organs: tuple[str, ...] = (), ttf: int | None = 50) -> HpdInputs:
    return HpdInputs(
        "M",
        Scan(-2, s0),
        first=Scan(42, s1),
        recist_first="PD",
        treatment_end_day=ttf,
        new_lesion_organs=organs,
        baseline_organs=frozenset({"lung", "liver"}),
    )


def test_H8_matos_size_boundaries_and_new_lesion_rules() -> None:
    # spec 2.3 H8: pct_1 >= 40 % (non-strict) OR (pct_1 >= 20 % AND new lesions in >= 2 distinct organs).
    assert hpd("hpd.matos2020", _matos(30.0, 42.0)).flag is True  # 12/30 = 40.00 %
    assert hpd("hpd.matos2020", _matos(30.0, 41.9)).flag is False  # 39.67 %, no new lesion
    assert hpd("hpd.matos2020", _matos(30.0, 36.0, ("liver", "bone"))).flag is True  # 20.00 % + 2 organs
    assert hpd("hpd.matos2020", _matos(30.0, 36.0, ("liver", "liver"))).flag is False  # 1 organ only
    # option two_in_involved_organ_or_new_organ: 2 new lesions in liver (involved at baseline) -> true.
    option = {"matos_new_lesion_rule": "two_in_involved_organ_or_new_organ"}
    assert hpd("hpd.matos2020", _matos(30.0, 36.0, ("liver", "liver")), **option).flag is True


def test_H8_matos_min_abs_increase_option_and_ttf_unknown() -> None:
    # spec 2.3 H8 option matos_min_abs_increase_mm (default None): 20 -> 28 mm is +40 % but only +8 mm:
    # true by default, false with a 10 mm minimum.
    assert hpd("hpd.matos2020", _matos(20.0, 28.0)).flag is True
    assert hpd("hpd.matos2020", _matos(20.0, 28.0), matos_min_abs_increase_mm=10.0).flag is False
    # "Not evaluable: TTF undecidable ... while the size conditions hold"; decided false when size fails.
    assert hpd("hpd.matos2020", _matos(30.0, 45.0, ttf=None)).flag is None  # +50 %, TTF unknown
    assert hpd("hpd.matos2020", _matos(30.0, 39.0, ttf=None)).flag is False  # +30 %, no new lesion


def _engine_patterns(
    rows: list[dict], patients: pd.DataFrame | None = None, **kwargs: object
) -> pd.DataFrame:
    data = study(rows, patients=patients)
    result = registry()["recist11"].assess(data)
    return find_patterns(data, result.timepoints, result.best_response, **kwargs)


def _values(table: pd.DataFrame, definition: str) -> dict:
    return json.loads(table[table["definition"] == definition].iloc[0]["values"])


def test_0_2_prebaseline_label_wins_over_latest() -> None:
    # spec 0.2: "if several candidates exist the label wins, else the latest one".
    # Scans: day -90 labelled prebaseline (A 20 + B 12 = 32), day -56 unlabelled (25 + 15 = 40), baseline -7.
    rows = [
        lesion(-90, "A", 20, timepoint_label="prebaseline"),
        lesion(-90, "B", 12, organ="liver", timepoint_label="prebaseline"),
        lesion(-56, "A", 25),
        lesion(-56, "B", 15, organ="liver"),
        lesion(-7, "A", 27),
        lesion(-7, "B", 17, organ="liver"),
        lesion(49, "A", 37),
        lesion(49, "B", 25, organ="liver"),
    ]
    values = _values(_engine_patterns(rows, definitions=["hpd.champiat2017"]), "hpd.champiat2017")
    assert (values["t_pre"], values["S_pre"]) == (-90, 32.0)


def test_0_2_latest_complete_prebaseline_and_absent_target_counts_zero() -> None:
    # spec 0.2: the prebaseline is the latest scan before baseline in which every baseline target has a
    # measurement or status absent. Day -56 lacks B -> not a candidate; day -90 (A 20, B absent -> 0 mm)
    # is: S_pre = 20 + 0 = 20.
    rows = [
        lesion(-90, "A", 20),
        lesion(-90, "B", None, organ="liver", status="absent"),
        lesion(-56, "A", 25),
        lesion(-7, "A", 27),
        lesion(-7, "B", 17, organ="liver"),
        lesion(49, "A", 37),
        lesion(49, "B", 25, organ="liver"),
    ]
    values = _values(_engine_patterns(rows, definitions=["hpd.champiat2017"]), "hpd.champiat2017")
    assert (values["t_pre"], values["S_pre"]) == (-90, 20.0)


def test_H7_lymph_node_stations_are_one_organ_unless_split() -> None:
    # spec 2.3 H7: "all lymph node stations count as one organ lymph_node (option split_lymph_node_regions)".
    # Baseline: lung 30 + mediastinal node 20 = 50; day 42: 40 + 35 = 75 (+50 %, RECIST PD) and two new hilar
    # nodes. Default: 2 new lesions in involved organ lymph_node -> criterion 3 true, criterion 4 false.
    # Split: "hilar" is a new organ -> criterion 3 false, criterion 4 true.
    rows = [
        lesion(-3, "A", 30),
        lesion(-3, "N1", 20, organ="mediastinal", node=True),
        lesion(42, "A", 40),
        lesion(42, "N1", 35, organ="mediastinal", node=True),
        lesion(42, "U1", 12, role="new", organ="hilar", node=True),
        lesion(42, "U2", 13, role="new", organ="hilar", node=True),
    ]
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_end_day": [50]})
    default = _values(_engine_patterns(rows, patients, definitions=["hpd.lo_russo2019"]), "hpd.lo_russo2019")
    split = _values(
        _engine_patterns(rows, patients, definitions=["hpd.lo_russo2019"], split_lymph_node_regions=True),
        "hpd.lo_russo2019",
    )
    assert (default["criteria"]["c3"], default["criteria"]["c4"]) == (True, False)
    assert (split["criteria"]["c3"], split["criteria"]["c4"]) == (False, True)


# --- 1. Pseudoprogression -----------------------------------------------------------------------------


def _psp(
    rows: list[tuple],
    criterion: str,
    definition: str,
    patients: pd.DataFrame | None = None,
    confirmation: dict[int, str] | None = None,
) -> pd.DataFrame:
    """rows: (day, overall_response, current_sum, nadir_sum)."""
    points = []
    for day, response, current, nadir in rows:
        row = timepoint("P1", criterion, day, response) | {
            "current_sum": current,
            "nadir_sum": nadir,
            "baseline_sum": 50.0,
        }
        row["confirmation_state"] = (confirmation or {}).get(day, "")
        points.append(row)
    frame = pattern_frame(
        psp.find(Study(patients=patients), pd.DataFrame(points), PatternOptions(), [definition])
    )
    return frame.assign(values=frame["values"].map(json.loads))


def test_1_4_irecist_still_iupd_continues_then_resolves() -> None:
    # spec 1.4 step 2: "otherwise (iRECIST: still iUPD without confirmation) continue". iUPD day 56, iUPD
    # day 98, iSD day 140 -> true, resolution day 140, 140 - 56 = 84 days, early (56 <= 84).
    row = _psp(
        [(56, "iUPD", 64, 50), (98, "iUPD", 66, 50), (140, "iSD", 48, 50)],
        "irecist",
        "pseudoprogression.irecist",
    ).iloc[0]
    assert row["flag"] == "true"
    assert (row["values"]["resolution_day"], row["values"]["days_to_resolution"]) == (140, 84)
    assert row["values"]["timing"] == "early"


def test_1_4_new_therapy_on_the_day_of_the_next_assessment_stops_the_walk() -> None:
    # spec 1.4 step 2: "new_therapy_start <= date(T)": therapy on day 98, next assessment day 98 (iSD)
    # -> not_evaluable, not true.
    patients = pd.DataFrame(
        {"patient_id": ["P1"], "treatment_start": ["2020-01-01"], "new_therapy_start": ["2020-04-08"]}
    )  # 2020-01-01 + 98 days
    row = _psp(
        [(56, "iUPD", 64, 50), (98, "iSD", 48, 50)], "irecist", "pseudoprogression.irecist", patients
    ).iloc[0]
    assert row["flag"] == "not_evaluable"
    assert "new anticancer therapy started on day 98" in row["reason"]


def test_1_3_percist_humbert2020() -> None:
    # spec 1.3: PERCIST PMD, confirmed by a PMD on the next PET (false), resolved by CMR/PMR/SMD (true).
    definition = "pseudoprogression.percist_humbert2020"
    resolved = _psp([(49, "PMD", np.nan, np.nan), (91, "SMD", np.nan, np.nan)], "percist", definition).iloc[0]
    confirmed = _psp([(49, "PMD", np.nan, np.nan), (91, "PMD", np.nan, np.nan)], "percist", definition).iloc[
        0
    ]
    assert (resolved["flag"], resolved["values"]["timing"]) == ("true", "early")
    assert confirmed["flag"] == "false"


def test_1_3_imrecist_confirmed_vs_resolved() -> None:
    # spec 1.3: first imRECIST PD; PD confirmed by imRECIST's confirmation rule -> false; not confirmed by it
    # and followed by SD, PR or CR -> true. The decision is imRECIST's own (anatomic.md 0.8): the PD row is
    # confirmed / not_confirmed, the deciding row (>= 28 days later) confirms or not; a PR 14 days later
    # does not decide, the PD stays pending at the end of the data -> not_evaluable.
    definition = "pseudoprogression.imrecist"
    resolved = _psp([(56, "PD", 64, 50), (112, "PR", 30, 50)], "imrecist", definition,
                    confirmation={56: "not_confirmed"}).iloc[0]
    confirmed = _psp([(56, "PD", 64, 50), (112, "PD", 70, 50)], "imrecist", definition,
                     confirmation={56: "confirmed", 112: "confirms"}).iloc[0]
    pending = _psp([(56, "PD", 64, 50), (70, "PR", 30, 50)], "imrecist", definition,
                   confirmation={56: "pending"}).iloc[0]
    assert (resolved["flag"], resolved["values"]["resolution_day"]) == ("true", 112)
    assert (confirmed["flag"], confirmed["values"]["confirmation_day"]) == ("false", 112)
    assert pending["flag"] == "not_evaluable"


def test_1_3_recist_then_nonpd_non_target_progression_keeps_episode_open() -> None:
    # spec 1.3 recist_then_nonpd: resolution needs "no unequivocal non-target progression". PD day 56
    # (64 vs nadir 50); day 112 sum 45 is not PD vs 50 but a non-target lesion progresses unequivocally:
    # no resolution, walk ends -> not_evaluable.
    rows = [
        lesion(-3, "T1", 50),
        lesion(-3, "NT1", None, role="non_target"),
        lesion(56, "T1", 64),
        lesion(56, "NT1", None, role="non_target"),
        lesion(112, "T1", 45),
        lesion(112, "NT1", None, role="non_target", status="unequivocal_progression"),
    ]
    points = [
        timepoint("P1", "recist11", 56, "PD")
        | {"current_sum": 64.0, "nadir_sum": 50.0, "baseline_sum": 50.0},
        timepoint("P1", "recist11", 112, "PD")
        | {"current_sum": 45.0, "nadir_sum": 50.0, "baseline_sum": 50.0},
    ]
    frame = pattern_frame(
        psp.find(study(rows), pd.DataFrame(points), PatternOptions(), ["pseudoprogression.recist_then_nonpd"])
    )
    assert frame.iloc[0]["flag"] == "not_evaluable"


# --- 3. Dissociated response / 4.4 oligoprogression ----------------------------------------------------


def _dissociated(rows: list[dict], responses: list[dict] | None = None, **options: object) -> dict[str, str]:
    ids = [d.id for d in dissociated.DEFINITIONS] + ["oligoprogression"]
    tp = pd.DataFrame(responses) if responses else None
    frame = pattern_frame(dissociated.find(study(rows), tp, PatternOptions(**options), ids))
    return dict(zip(frame["definition"], frame["flag"], strict=True))


def test_3_3_exactly_minus_30_percent_responds_for_lesion_level_not_bernard_tessier() -> None:
    # spec 3.2 responding r_base <= -0.30 (non-strict); Bernard-Tessier r_base < -0.30 (strict).
    # A 40 -> 28 = -30.0 %; B 10 -> 15 = +50 %, +5 mm (progressing, > +20 %, summed 5 >= 5).
    rows = [lesion(-7, "A", 40), lesion(-7, "B", 10), lesion(56, "A", 28), lesion(56, "B", 15)]
    result = _dissociated(rows)
    assert result["dissociated.lesion_level"] == "true"
    assert result["dissociated.bernard_tessier2020"] == "false"


def test_3_3_exactly_plus_20_percent_progresses_for_lesion_level_not_bernard_tessier() -> None:
    # spec 3.2 progressing r_nadir >= 0.20 and a_nadir >= 5 (non-strict); Bernard-Tessier r_nadir > 0.20.
    # A 40 -> 20 (-50 %); B 25 -> 30 = +20.0 %, +5 mm.
    rows = [lesion(-7, "A", 40), lesion(-7, "B", 25), lesion(56, "A", 20), lesion(56, "B", 30)]
    result = _dissociated(rows)
    assert result["dissociated.lesion_level"] == "true"
    assert result["dissociated.bernard_tessier2020"] == "false"


def test_3_2_progression_is_measured_from_the_lesions_own_nadir() -> None:
    # spec 3.2: r_nadir vs "smallest value at baseline or any earlier timepoint". B 20 -> 10 (day 56) -> 15
    # (day 112): +50 % and +5 mm vs nadir 10 -> progressing, although still -25 % vs baseline.
    # A 40 -> 20 -> 20 responding. Day 56 has no progressing lesion; day 112 is the first true day.
    rows = [
        lesion(-7, "A", 40),
        lesion(-7, "B", 20),
        lesion(56, "A", 20),
        lesion(56, "B", 10),
        lesion(112, "A", 20),
        lesion(112, "B", 15),
    ]
    frame = pattern_frame(dissociated.find(study(rows), None, PatternOptions(), ["dissociated.lesion_level"]))
    assert frame.iloc[0]["flag"] == "true"
    assert frame.iloc[0]["day"] == 112


def test_3_3_tozuka_any_shrinkage_with_new_lesion() -> None:
    # spec 3.3 tozuka2020: >= 1 lesion with r_base < 0 AND a progressing or new lesion. A 30 -> 29 (-3.3 %)
    # plus a new lesion: Tozuka true; lesion_level false (no lesion <= -30 %).
    rows = [lesion(-7, "A", 30), lesion(56, "A", 29), lesion(56, "U1", 12, role="new", organ="liver")]
    result = _dissociated(rows)
    assert result["dissociated.tozuka2020"] == "true"
    assert result["dissociated.lesion_level"] == "false"


def test_3_3_single_ne_lesion_that_cannot_change_the_call_is_false() -> None:
    # A 30 -> 27 (-10 %, stable); B not evaluable at day 56. If B were responding: 1 responding, 0 progressing
    # -> false; if B were progressing: 0 responding -> false. The call does not change -> false.
    rows = [
        lesion(-7, "A", 30),
        lesion(-7, "B", 20),
        lesion(56, "A", 27),
        lesion(56, "B", None, status="not_evaluable"),
    ]
    frame = pattern_frame(dissociated.find(study(rows), None, PatternOptions(), ["dissociated.lesion_level"]))
    assert frame.iloc[0]["flag"] == "false"


def test_3_3_two_ne_lesions_beside_a_stable_one_are_not_evaluable() -> None:
    # Same but with two NE lesions: B responding and C progressing would make the call true -> NE.
    rows = [
        lesion(-7, "A", 30),
        lesion(-7, "B", 20),
        lesion(-7, "C", 20),
        lesion(56, "A", 27),
        lesion(56, "B", None, status="not_evaluable"),
        lesion(56, "C", None, status="not_evaluable"),
    ]
    frame = pattern_frame(dissociated.find(study(rows), None, PatternOptions(), ["dissociated.lesion_level"]))
    assert frame.iloc[0]["flag"] == "not_evaluable"


def test_4_4_oligoprogression_organ_and_lesion_limits() -> None:
    # spec 4.4: 1..max_progressing_lesions (default 5; 3 alternative) in <= max_progressing_organs (3) organs.
    base = [lesion(-7, "A", 40), lesion(56, "A", 38)]
    pd_ = [timepoint("P1", "recist11", 56, "PD")]
    four_organs = base + [
        lesion(56, f"U{k}", 12, role="new", organ=o)
        for k, o in enumerate(["liver", "bone", "brain", "adrenal"])
    ]
    three_organs = four_organs[:-1]
    assert _dissociated(four_organs, pd_)["oligoprogression"] == "false"  # 4 organs > 3
    assert _dissociated(three_organs, pd_)["oligoprogression"] == "true"  # 3 lesions in 3 organs
    four_liver = base + [lesion(56, f"U{k}", 12, role="new", organ="liver") for k in range(4)]
    assert _dissociated(four_liver, pd_)["oligoprogression"] == "true"  # 4 <= 5
    assert _dissociated(four_liver, pd_, max_progressing_lesions=3)["oligoprogression"] == "false"  # 4 > 3


def test_4_4_oligoprogression_excluded_by_non_target_progression() -> None:
    # spec 4.4: "every other lesion is responding or stable with no unequivocal non-target progression".
    rows = [
        lesion(-7, "A", 40),
        lesion(-7, "NT", None, role="non_target"),
        lesion(56, "A", 38),
        lesion(56, "NT", None, role="non_target", status="unequivocal_progression"),
        lesion(56, "U1", 12, role="new", organ="liver"),
    ]
    assert _dissociated(rows, [timepoint("P1", "recist11", 56, "PD")])["oligoprogression"] == "false"


# --- 4. Durable response --------------------------------------------------------------------------------


def _best(patient: str, onset: float, progression: float, pfs_day: float, event: bool) -> dict:
    return {
        "patient_id": patient,
        "reader": "",
        "criterion": "recist11",
        "best_response": "PR",
        "best_response_confirmed": "PR",
        "bor_day": onset,
        "first_response_day": onset,
        "progression_day": progression,
        "duration_of_response_days": np.nan,
        "pfs_event": event,
        "pfs_day": pfs_day,
        "reason": "",
    }


def _durable(
    best_rows: list[dict], points: list[tuple], definition: str, data: Study | None = None, **options: object
) -> dict[str, str]:
    tp = pd.DataFrame(
        [
            {"patient_id": p, "reader": "", "criterion": "recist11", "day": d, "overall_response": r}
            for p, d, r in points
        ]
    )
    rows = durable.find(data or Study(), tp, pd.DataFrame(best_rows), PatternOptions(**options), [definition])
    frame = pattern_frame(rows)
    return dict(zip(frame["patient_id"], frame["flag"], strict=True))


def test_4_1_drr_onset_day_365_and_duration_183_boundaries() -> None:
    # spec 4.1 / 0.1: onset d_r <= 365 ("within 12 months"); d_l - d_r >= 183 (">= 6 months").
    rows = [
        _best("A", 365, 548, 548, True),  # onset 365 <= 365; 548 - 365 = 183 >= 183 -> true
        _best("B", 366, 600, 600, True),  # onset 366 > 365 -> false
        _best("C", 100, 282, 282, True),  # 282 - 100 = 182 < 183 -> false
    ]
    points = [
        ("A", 365, "PR"),
        ("A", 548, "PD"),
        ("B", 366, "PR"),
        ("B", 600, "PD"),
        ("C", 100, "PR"),
        ("C", 282, "PD"),
    ]
    assert _durable(rows, points, "durable.drr_optim") == {"A": "true", "B": "false", "C": "false"}


def test_4_2_pons_tostivint_threshold_boundaries() -> None:
    # spec 4.2: median 4.0 months -> threshold 3 x 121.75 = 365.25 days. Event day 366 >= threshold -> true;
    # event day 365 < 365.25 -> false; censored day 366 (at or after threshold) -> true; censored 365 -> NE.
    rows = [
        _best("A", 50, 366, 366, True),
        _best("B", 50, 365, 365, True),
        _best("C", 50, np.nan, 366, False),
        _best("D", 50, np.nan, 365, False),
    ]
    result = _durable(rows, [], "durable.pons_tostivint2019", cohort_median_pfs_days=4.0 * M)
    assert result == {"A": "true", "B": "false", "C": "true", "D": "not_evaluable"}


def test_4_3_off_treatment_duration_boundary_and_sd_option() -> None:
    # spec 4.3: no PD for >= min_off_treatment_days (default 183) after treatment_end.
    # A: end day 400 (completed), PD on day 583 -> 183 days -> true. B: PD on day 582 -> 182 -> false.
    patients = pd.DataFrame(
        {
            "patient_id": ["A", "B"],
            "treatment_end_day": [400, 400],
            "treatment_end_reason": ["completed", "toxicity"],
        }
    )
    rows = [_best("A", 112, 583, 583, True), _best("B", 112, 582, 582, True)]
    points = [("A", 112, "PR"), ("A", 583, "PD"), ("B", 112, "PR"), ("B", 582, "PD")]
    result = _durable(rows, points, "durable.off_treatment", Study(patients=patients))
    assert result == {"A": "true", "B": "false"}
    # Best response SD only: false by default, true with off_treatment_include_sd (option of spec 4.3).
    sd = _best("A", np.nan, np.nan, 800, False) | {"best_response": "SD", "best_response_confirmed": "SD"}
    sd_points = [("A", 112, "SD"), ("A", 800, "SD")]
    data = Study(patients=patients.iloc[[0]])
    assert _durable([sd], sd_points, "durable.off_treatment", data) == {"A": "false"}
    assert _durable([sd], sd_points, "durable.off_treatment", data, off_treatment_include_sd=True) == {
        "A": "true"
    }


# --- 5. irAE look-alikes --------------------------------------------------------------------------------


def _finding(organ: str, finding: str = "uptake", pattern: str = "", side: str = "", day: int = 70) -> dict:
    return {
        "patient_id": "P1",
        "day": day,
        "organ": organ,
        "side": side,
        "finding": finding,
        "pattern": pattern,
        "suvmax": 4.0,
        "size_mm": None,
    }


def _fired(findings: list[dict]) -> dict[str, str]:
    flags = irae.find_flags(Study(), findings=pd.DataFrame(findings))
    return dict(zip(flags["rule_id"], flags["level"], strict=True))


def test_5_4_bilateral_side_counts_as_left_and_right() -> None:
    # spec 5.4: "Sides ... with bilateral counting as both left and right".
    assert "IRAE-ADR" in _fired([_finding("adrenal", "enlargement", side="bilateral")])
    assert "IRAE-THY" in _fired([_finding("thyroid", side="left"), _finding("thyroid", side="right")])
    # IRAE-SARC: >= 2 hilar/mediastinal rows whose hilar rows include left and right.
    sarc = [
        _finding("lymph_node_hilar", "enlargement", side="bilateral"),
        _finding("lymph_node_mediastinal", "enlargement", side="midline"),
    ]
    assert "IRAE-SARC" in _fired(sarc)
    assert "IRAE-SARC" not in _fired([sarc[0] | {"side": "left"}, sarc[1]])


def test_5_3_organ_names_mapped_case_insensitively_and_unmapped_trigger_nothing() -> None:
    # spec 5.3: "inputs are mapped case-insensitively; unmapped values stay as given and trigger no rule".
    assert set(_fired([_finding("PITUITARY"), _finding("Heart", day=84)])) == {"IRAE-HYPO", "IRAE-MYO"}
    assert _fired([_finding("kidney", "enlargement", "diffuse")]) == {}


def test_5_4_levels_and_only_post_baseline_assessments() -> None:
    # spec 5.4 Level column: MYO urgent, VTE urgent, ART info, HYPO review; C(A) only for day > 0.
    levels = _fired(
        [
            _finding("myocardium"),
            _finding("vein", "thrombus", day=84),
            _finding("joint", day=98),
            _finding("pituitary", day=112),
        ]
    )
    assert levels == {"IRAE-MYO": "urgent", "IRAE-VTE": "urgent", "IRAE-ART": "info", "IRAE-HYPO": "review"}
    assert _fired([_finding("myocardium", day=0)]) == {}


def test_5_4_pneumonitis_clause_two_needs_new_lesions_not_findings() -> None:
    # spec 5.4 IRAE-PNEU second clause: ">= 2 new lung lesions whose sides include left and right";
    # two findings-table lesions without a pneumonitis pattern are not new lesion rows -> no flag.
    assert "IRAE-PNEU" not in _fired(
        [_finding("lung", "lesion", side="left"), _finding("lung", "lesion", side="right")]
    )


# --- 6. Biomarkers ------------------------------------------------------------------------------------


def _bm(row: dict) -> dict[str, str]:
    table = evaluate_biomarkers(pd.DataFrame([row]))
    return dict(zip(table["rule_id"], table["meets_cutoff"], strict=True))


@pytest.mark.parametrize("tps,expected", [(1.0, "true"), (0.9, "false")])
def test_6_3_nsclc_second_line_tps_1_and_first_line_rules_not_applied(tps: float, expected: str) -> None:
    # spec 6.3 BM-NSCLC-2L-1: TPS >= 1 % (22C3), NSCLC after platinum, pembrolizumab. First-line rules
    # (BM-NSCLC-1L-50, BM-NSCLC-1L-1-US) do not match line 2.
    row = {
        "patient_id": "P",
        "tumor_type": "NSCLC",
        "line_of_therapy": 2,
        "drug": "pembrolizumab",
        "pdl1_tps": tps,
        "pdl1_assay": "22C3",
    }
    assert _bm(row) == {"BM-NSCLC-2L-1": expected}


def test_6_3_urothelial_ic_boundary_and_cisplatin_eligible_context() -> None:
    # spec 6.3 BM-UC-1L-IC5: IC >= 5 % (SP142), first line, cisplatin-ineligible, atezolizumab.
    row = {
        "patient_id": "P",
        "tumor_type": "urothelial",
        "line_of_therapy": 1,
        "drug": "atezolizumab",
        "cisplatin_eligible": False,
        "pdl1_ic": 4.99,
        "pdl1_assay": "SP142",
    }
    assert _bm(row) == {"BM-UC-1L-IC5": "false"}  # 4.99 < 5
    assert _bm(row | {"cisplatin_eligible": True, "pdl1_ic": 20}) == {}  # outside the indication context


def test_6_3_tmb_wrong_assay_is_not_evaluable_naming_it() -> None:
    # spec 6.3: "wrong assay for the rule -> not_evaluable with the assay named"
    # (TMB rule: FoundationOne CDx).
    row = {
        "patient_id": "P",
        "tumor_type": "cholangiocarcinoma",
        "drug": "pembrolizumab",
        "prior_treatment_progressed": True,
        "tmb_mut_per_mb": 15,
        "tmb_assay": "MSK-IMPACT",
    }
    table = evaluate_biomarkers(pd.DataFrame([row]))
    line = table[table["rule_id"] == "BM-TMB-AGNOSTIC"].iloc[0]
    assert line["meets_cutoff"] == "not_evaluable" and "MSK-IMPACT" in line["line"]
    assert line["as_of"]  # spec 6.3: "every row carries as_of"


def test_6_4_il8_early_window_unit_and_direction() -> None:
    # spec 6.4: ratio = value / baseline (same unit required); early ratio = first sample in days 14-28;
    # direction decrease (< 1), increase (> 1), unchanged.
    samples = pd.DataFrame(
        {
            "patient_id": ["A"] * 5,
            "day": [-1, 13, 14, 21, 56],
            "analyte": ["IL-8"] * 5,
            "value": [40.0, 40.0, 50.0, 0.05, 30.0],
            "unit": ["pg/mL", "pg/mL", "pg/mL", "ng/mL", "pg/mL"],
        }
    )
    table = il8_changes(samples).set_index("day")
    assert table.loc[13, "direction"] == "unchanged" and not bool(table.loc[13, "early"])  # 13 < 14
    assert table.loc[14, "il8_ratio"] == pytest.approx(1.25) and bool(table.loc[14, "early"])
    assert table.loc[14, "direction"] == "increase"
    assert math.isnan(table.loc[21, "il8_ratio"]) and not bool(table.loc[21, "early"])  # other unit
    assert table.loc[56, "direction"] == "decrease"  # 30 / 40 = 0.75


# --- additional probes ----------------------------------------------------------------------------------


def test_2_2_zero_prebaseline_sum_blocks_tgr_but_not_tgk() -> None:
    # spec 2.2: "S_pre = 0 or S_0 = 0: log undefined -> reference ... TGR not_evaluable"; TGK (a difference,
    # no log) stays computable: TGK_ref = (20 - 0)/m, TGK_exp = (60 - 20)/m over equal 56-day intervals
    # -> TGKr = 40/20 = 2.000 >= 2 -> Saada-Bouzid true; Champiat (TGR ratio) not evaluable.
    x = HpdInputs("Z", Scan(-2, 20.0), prebaseline=Scan(-58, 0.0), first=Scan(54, 60.0), recist_first="PD")
    assert hpd("hpd.saada_bouzid2017", x).flag is True
    assert hpd("hpd.champiat2017", x).flag is None


def test_3_3_no_measurable_lesion_with_baseline_and_follow_up_value_is_not_evaluable() -> None:
    # spec 3.3: "Not evaluable at T: fewer than one measurable lesion with both a baseline and a T value and
    # no new lesion". Day 56 holds only the non-target row; target A has no value there -> not_evaluable.
    rows = [
        lesion(-7, "A", 30),
        lesion(-7, "NT", None, role="non_target"),
        lesion(56, "NT", None, role="non_target"),
    ]
    frame = pattern_frame(dissociated.find(study(rows), None, PatternOptions(), ["dissociated.lesion_level"]))
    assert frame.iloc[0]["flag"] == "not_evaluable"


def test_H7_new_lesions_compared_on_canonical_organ_codes() -> None:
    # Baseline target in "liver"; two new lesions recorded as "hepatic" (vocabulary alias of liver, spec 5.3):
    # criterion 3 (>= 2 new lesions in an involved organ) true, criterion 4 (new organ) false.
    rows = [
        lesion(-3, "A", 30, organ="liver"),
        lesion(42, "A", 45, organ="liver"),
        lesion(42, "U1", 12, role="new", organ="hepatic"),
        lesion(42, "U2", 11, role="new", organ="hepatic"),
    ]
    values = _values(_engine_patterns(rows, definitions=["hpd.lo_russo2019"]), "hpd.lo_russo2019")
    assert (values["criteria"]["c3"], values["criteria"]["c4"]) == (True, False)


def _irecist_drr(rows: list[dict]) -> pd.Series:
    data = study(rows)
    result = registry()["irecist"].assess(data)
    table = find_patterns(
        data,
        result.timepoints,
        result.best_response,
        definitions=["durable.drr_optim"],
        response_criterion="irecist",
    )
    return table.iloc[0]


def test_4_1_drr_irecist_loss_is_the_iupd_day_confirmed_as_icpd() -> None:
    """iRECIST loss of response is dated at the iUPD that is later confirmed as iCPD.

    Spec 4.1's "first PD (or iCPD / confirmed irPD)" names which event ends a response, not its date.
    The date is that of spec 7.3 (iDoR) and 7.4 (PFS): "the iUPD date when later confirmed as iCPD", the
    way the iRECIST working group dates progression (Seymour 2017, doi:10.1016/S1470-2045(17)30074-8).
    iPR day 56 (50 -> 30, -40 %), iPR day 112, new lesion day 200 (iUPD), the new lesion grows 15 -> 25 mm
    on day 250 (iCPD, confirming the iUPD): loss day 200, 200 - 56 = 144 < 183 -> not durable (the spec 4.1
    example "PR on day 56, PD on day 200: 144 days").
    """
    rows = [
        lesion(-3, "A", 50),
        lesion(56, "A", 30),
        lesion(112, "A", 30),
        lesion(200, "A", 30),
        lesion(200, "U1", 15, role="new", organ="liver"),
        lesion(250, "A", 30),
        lesion(250, "U1", 25, role="new", organ="liver"),
    ]
    row = _irecist_drr(rows)
    values = json.loads(row["values"])
    assert row["flag"] == "false"
    assert (values["loss_day"], values["duration_days"]) == (200, 144)


def test_4_1_drr_irecist_unconfirmed_iupd_is_not_a_loss() -> None:
    """An iUPD that is not confirmed, because a later iPR/iSD resets it, does not end the response.

    Only an iUPD confirmed as iCPD is progression under iRECIST (spec 7.4: "an iUPD resolved by
    iSD/iPR/iCR is not an event"; Seymour 2017). iPR day 56, new lesion day 200 (iUPD), gone on day 250
    with the targets still -40 % (iPR, reset), iPR day 300: no loss; response ongoing 300 - 56 = 244 >= 183
    -> durable. Had the iUPD counted, 200 - 56 = 144 < 183 would be false.
    """
    rows = [
        lesion(-3, "A", 50),
        lesion(56, "A", 30),
        lesion(112, "A", 30),
        lesion(200, "A", 30),
        lesion(200, "U1", 15, role="new", organ="liver"),
        lesion(250, "A", 30),
        lesion(250, "U1", None, role="new", organ="liver", status="absent"),
        lesion(300, "A", 30),
    ]
    row = _irecist_drr(rows)
    values = json.loads(row["values"])
    assert row["flag"] == "true"
    assert (values["loss_day"], values["duration_days"]) == (None, 244)
