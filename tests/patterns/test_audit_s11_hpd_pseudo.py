"""Audit of spec/patterns.md sections 0, 1 (pseudoprogression), 2 and 11 (hyperprogression), 8-9.

Every input is a plain lesion table run through ``ioresponse.assess`` (or typed timepoint rows for the
walk of 1.4); every expected value is computed by hand in the comments from the spec text:
months = days / 30.4375 (0.1); TGR = 100 (exp(3 ln(S_b / S_a) / months) - 1), TGK = (S_b - S_a) / months
(2.1); non-strict x >= t is tested as x >= t - 1e-9 (0.4).
The first tests pinned differences between the code and the spec that the audit found (since fixed).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import ioresponse
from ioresponse.criteria import Study
from ioresponse.patterns import find_patterns
from ioresponse.patterns import pseudoprogression as psp
from ioresponse.patterns._common import PatternOptions, pattern_frame
from ioresponse.schema import InputError

RECIST_THEN = "pseudoprogression.recist_then_nonpd"
IRECIST = "pseudoprogression.irecist"


def _lesion(day: int, lesion_id: str, value: float | None, *, role: str = "target", organ: str = "lung",
            status: str = "present", patient: str = "P1") -> dict:
    return {
        "patient_id": patient, "day": day, "lesion_id": lesion_id, "role": role, "organ": organ,
        "lymph_node": False, "long_axis_mm": np.nan if value is None else float(value),
        "short_axis_mm": np.nan, "status": status,
    }


def _rows(frame: pd.DataFrame, definition: str) -> pd.DataFrame:
    rows = frame[frame["definition"] == definition].reset_index(drop=True)
    return rows.assign(values=rows["values"].map(json.loads))


def _timepoint(day: int, response: str, current: float, nadir: float, baseline: float = 50.0) -> dict:
    return {"patient_id": "P1", "reader": "", "criterion": "irecist", "date": "", "day": day,
            "overall_response": response, "current_sum": current, "nadir_sum": nadir,
            "baseline_sum": baseline, "confirmation_state": ""}


# --- differences the audit found, fixed -------------------------------------------------------------


def test_0_4_recist_then_nonpd_plus_5_mm_on_the_threshold_is_still_pd() -> None:
    # spec 1.3 recist_then_nonpd: resolution = "a later assessment not meeting PD vs the pre-PD nadir";
    # "none (persisting PD keeps the episode open)". RECIST PD = ">= +20 % and >= +5 mm vs nadir" (2.1).
    # spec 0.4: "Non-strict x >= t is tested as x >= t - 1e-9 (so a value that is exactly on the threshold in
    # decimal arithmetic but lands at 39.9999999999 in binary floating point still meets a '>= 40' rule".
    # Baseline day -5: 20. Day 42: 11.4 (PR, nadir 11.4). Day 84: 20 -> RECIST PD (+8.6 mm, +75.4 %).
    # Day 126: 16.4 vs the pre-PD nadir 11.4: +5.0 mm (decimal) and +43.86 % -> still PD: the episode stays
    # open, and 1.4 step 3: "If the walk ends without a decision: not_evaluable".
    table = pd.DataFrame([_lesion(-5, "A", 20), _lesion(42, "A", 11.4), _lesion(84, "A", 20),
                          _lesion(126, "A", 16.4)])
    result = ioresponse.assess(table, criteria=("recist11",), patterns=False)
    frame = find_patterns(result.study, result.timepoints, result.best_response, definitions=[RECIST_THEN])
    row = _rows(frame, RECIST_THEN).iloc[0]
    assert row["day"] == 84
    assert row["flag"] == "not_evaluable"
    assert "unconfirmed at last assessment (day 126)" in row["reason"]


@pytest.mark.parametrize("prebaseline_date", ["2020-01-27", "2020-01-29"])  # day -5 (= baseline), day -3
def test_2_2_patient_table_prebaseline_not_before_baseline_is_an_input_error(prebaseline_date: str) -> None:
    # spec 2.2: "Interval <= 0 days between the two scans: data error, reported by the input validator (dates
    # out of order or duplicate assessment), never silently dropped." spec 0.2: the patient table may give
    # prebaseline_date and prebaseline_sum_mm (the reference code's SCANDATE_BEFORE / RECIST_BEFORE).
    # treatment_start 2020-02-01; baseline scan day -5 (2020-01-27); prebaseline_date 2020-01-27 is day -5
    # (interval 0 days), 2020-01-29 is day -3 (interval -2 days): both are data errors.
    table = pd.DataFrame([_lesion(-5, "A", 40), _lesion(49, "A", 62)])
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_start": ["2020-02-01"],
                             "prebaseline_date": [prebaseline_date], "prebaseline_sum_mm": [30.0]})
    with pytest.raises(InputError):
        ioresponse.assess(table, criteria=("recist11",), patients=patients)


# --- tricky behaviours verified against the spec ----------------------------------------------------------


def test_2_3_every_definition_on_a_hand_computed_patient() -> None:
    # Prebaseline day -70: A 30 (lung) + B 20 (liver) = 50. Baseline day -7: 32 + 23 = 55. First
    # evaluation day 35: 45 + 35 = 80, new lesions: two in liver (involved), one in bone (new organ).
    # treatment_end day 50.
    # ECOG 1 on day -7, 2 on day 30.
    # Reference: 63 days = 2.069815 months; TG = 3 ln(1.1) / 2.069815 = 0.138142; TGR_ref = 14.81 %/mo.
    # Experimental (from the baseline scan, 2.1): 42 days = 1.379877 months; 3 ln(80/55) = 1.124079;
    # TG = 0.814619; TGR_exp = 125.83 %/mo. Ratio 8.494 (>= 2); dTGR = 111.02 (> 50, > 100).
    # TGK_ref = 5 / 2.069815 = 2.4157 mm/mo; TGK_exp = 25 / 1.379877 = 18.1176; TGKr = 25*63 / (42*5) = 7.5.
    # pct_1 = 25/55 = 45.45 %, abs_1 = 25 mm -> RECIST PD; TTF 50 d < 60.875.
    # H5 Kato: 45.45 % not > 50 -> F. H7 Lo Russo: TTF T, 45.45 % not >= 50 F, 2 new in liver T, bone T,
    # ECOG 1 -> 2 T: 4/5 -> T. H8 Matos: 45.45 >= 40, TTF < 2 mo -> T.
    rows = [_lesion(-70, "A", 30), _lesion(-70, "B", 20, organ="liver"),
            _lesion(-7, "A", 32), _lesion(-7, "B", 23, organ="liver"),
            _lesion(35, "A", 45), _lesion(35, "B", 35, organ="liver"),
            _lesion(35, "N1", 12, role="new", organ="liver"),
            _lesion(35, "N2", 11, role="new", organ="liver"),
            _lesion(35, "N3", 15, role="new", organ="bone")]
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_end_day": [50]})
    visits = pd.DataFrame({"patient_id": ["P1", "P1"], "day": [-7, 30], "ecog": [1, 2]})
    result = ioresponse.assess(pd.DataFrame(rows), criteria=("recist11",), patients=patients, patterns=False)
    frame = find_patterns(result.study, result.timepoints, result.best_response, visits=visits)
    hpd = frame[frame["pattern"] == "hyperprogression"].set_index("definition")
    flags = hpd["flag"].to_dict()
    assert flags == {
        "hpd.champiat2017": "true", "hpd.kanjanapan2019": "true", "hpd.petrioli2020": "true",
        "hpd.saada_bouzid2017": "true", "hpd.kato2017": "false", "hpd.ferrara2018": "true",
        "hpd.lo_russo2019": "true", "hpd.matos2020": "true", "hpd.kas2020": "true",
    }
    champiat = json.loads(hpd.loc["hpd.champiat2017", "values"])
    assert champiat["TGR_ref"] == pytest.approx(14.81, abs=0.005)
    assert champiat["TGR_exp"] == pytest.approx(125.83, abs=0.005)
    assert champiat["TGR_ratio"] == pytest.approx(8.494, abs=0.0005)
    assert champiat["dTGR"] == pytest.approx(111.02, abs=0.005)
    assert champiat["pct_1"] == pytest.approx(45.45, abs=0.005)
    saada = json.loads(hpd.loc["hpd.saada_bouzid2017", "values"])
    assert saada["TGK_ratio"] == pytest.approx(7.5, abs=0.0005)
    assert saada["TGK_ref"] == pytest.approx(2.4157, abs=0.00005)
    lo_russo = json.loads(hpd.loc["hpd.lo_russo2019", "values"])
    assert lo_russo["criteria"] == {"c1": True, "c2": False, "c3": True, "c4": True, "c5": True}


def test_1_3_recist_then_nonpd_measures_against_the_pre_pd_nadir() -> None:
    # spec 1.3: resolution = "a later assessment not meeting PD vs the pre-PD nadir, with every new lesion
    # absent". Baseline day -5: 50. Day 42: 40 (SD, nadir 40). Day 84: 38 + new liver lesion -> RECIST PD
    # (new lesion); the pre-PD nadir is 40 (the 38 on the PD scan itself is not "pre-PD").
    # Day 126: 46, new lesion absent: vs 40 -> +15.0 % (< 20 %): not PD -> true; early (84 <= 84), 42 days.
    # (Against 38, 46 would be +21.05 % and +8 mm, still PD: the episode would stay open.)
    rows = [_lesion(-5, "A", 50), _lesion(42, "A", 40), _lesion(84, "A", 38),
            _lesion(84, "N1", 12, role="new", organ="liver"), _lesion(126, "A", 46),
            _lesion(126, "N1", None, role="new", organ="liver", status="absent")]
    result = ioresponse.assess(pd.DataFrame(rows), criteria=("recist11",), patterns=False)
    frame = find_patterns(result.study, result.timepoints, result.best_response, definitions=[RECIST_THEN])
    row = _rows(frame, RECIST_THEN).iloc[0]
    assert row["flag"] == "true"
    values = row["values"]
    assert (values["t_u"], values["resolution_day"], values["timing"], values["days_to_resolution"]) == (
        84, 126, "early", 42)
    assert values["pct_change_nadir_at_progression"] == pytest.approx(-5.0)


def test_1_4_new_therapy_before_the_initial_progression_stops_the_walk() -> None:
    # spec 1.4 step 2: walking later timepoints T, "if new_therapy_start exists and new_therapy_start <=
    # date(T): stop; flag not_evaluable". new_therapy_start day 30 < iUPD day 56 < iSD day 98: at T = day 98,
    # 30 <= 98 -> not_evaluable, even though iSD would otherwise resolve the episode.
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_start": ["2020-01-01"],
                             "new_therapy_start": ["2020-01-31"]})
    rows = [_timepoint(56, "iUPD", 64.0, 50.0), _timepoint(98, "iSD", 47.0, 50.0)]
    found = psp.find(Study(lesions=None, patients=patients), pd.DataFrame(rows), PatternOptions(), [IRECIST])
    frame = pattern_frame(found)
    assert frame["flag"].tolist() == ["not_evaluable"]
    assert json.loads(frame["values"].iloc[0])["new_therapy_day"] == 30
    assert "new anticancer therapy started on day 30" in frame["reason"].iloc[0]


@pytest.mark.parametrize(("end_day", "contact_day", "expected"), [(None, 60, "not_evaluable"),
                                                                  (None, 61, "false"), (60, None, "true")])
def test_2_1_ttf_censoring_for_matos(end_day: int | None, contact_day: int | None, expected: str) -> None:
    # spec 2.1: "If treatment is ongoing, TTF is censored at last_contact_date: 'TTF < 2 months' is false if
    # follow-up already exceeds 60 days, else not_evaluable"; 0.1: "< 2 months" is day <= 60.
    # Baseline day -7: 40; day 42: 60 (+50 %, RECIST PD) -> Matos size part true; the TTF part decides.
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_end_day": [end_day],
                             "last_contact_day": [contact_day]})
    table = pd.DataFrame([_lesion(-7, "A", 40), _lesion(42, "A", 60)])
    result = ioresponse.assess(table, criteria=("recist11",), patients=patients)
    row = _rows(result.patterns, "hpd.matos2020").iloc[0]
    assert row["flag"] == expected
