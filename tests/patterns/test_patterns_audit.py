"""Second-round audit of spec/patterns.md sections 0-4 (pseudoprogression, HPD H1-H10, dissociated response,
durable response, oligoprogression): rules not pinned by the other test files.

Every expected value is worked out by hand from the spec text (arithmetic in the comments), never copied
from the code's output. Months are days / 30.4375 (spec 0.1). Non-strict thresholds meet t exactly, strict
ones do not (spec 0.4).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pattern_rows import lesion, study, timepoint

from ioresponse.criteria import Study, registry
from ioresponse.patterns import dissociated, durable, find_patterns
from ioresponse.patterns import pseudoprogression as psp
from ioresponse.patterns._common import PatternOptions, pattern_frame
from ioresponse.patterns.hyperprogression import DEFINITIONS, HpdInputs, Scan
from ioresponse.schema import InputError

HPD = {d.id: d for d in DEFINITIONS}
M = 30.4375  # spec 0.1: days per month
T, F, NE = True, False, None


def hpd(definition: str, x: HpdInputs, **options: object):
    return HPD[definition].decide(x, PatternOptions(**options))


# spec 2.4 worked patients (only the ones re-used here), typed from the spec text.
HP2 = HpdInputs(
    "HP-2", Scan(-4, 45.0), prebaseline=Scan(-60, 30.0), first=Scan(52, 60.0), recist_first="PD",
    treatment_end_day=52, new_lesion_organs=(), baseline_organs=frozenset({"lung", "liver"}),
    ecog_baseline=0, ecog_first_60_days=(1,),
)
HP1 = HpdInputs(
    "HP-1", Scan(-7, 44.0), prebaseline=Scan(-56, 40.0), first=Scan(49, 62.0), recist_first="PD",
    treatment_end_day=84, new_lesion_organs=(), baseline_organs=frozenset({"lung", "liver"}),
    ecog_baseline=1, ecog_first_60_days=(1,),
)
HP3 = HpdInputs(
    "HP-3", Scan(-10, 46.0), prebaseline=Scan(-90, 50.0), first=Scan(46, 70.0), recist_first="PD",
    treatment_end_day=50, new_lesion_organs=("liver", "liver", "bone"),
    baseline_organs=frozenset({"lung", "liver"}), ecog_baseline=1, ecog_first_60_days=(3,),
)
HP5 = HpdInputs(
    "HP-5", Scan(-5, 33.0), prebaseline=Scan(-61, 30.0), first=Scan(40, 55.0), recist_first="PD",
    treatment_end_day=45, new_lesion_organs=(), baseline_organs=frozenset({"lung", "liver"}),
    ecog_baseline=1, ecog_first_60_days=(2,),
)


def _replace(x: HpdInputs, **changes: object) -> HpdInputs:
    fields = {k: getattr(x, k) for k in HpdInputs.__dataclass_fields__ if k != "evidence"}
    return HpdInputs(**(fields | changes))


# --- 2.3 H1 / H2 / H3 / H4: ratio definitions ---------------------------------------------------------------


def _tgr_ratio_patient(factor: float, recist: str | None) -> HpdInputs:
    """Two 30-day intervals, m = 30/30.4375 months. S_0 = 10 * 2^(m/3): TG_ref = 3 ln(2^(m/3)) / m = ln 2,
    TGR_ref = 100 (2 - 1) = 100 %/mo. S_1 = S_0 * factor^(m/3): TGR_exp = 100 (factor - 1)."""
    m = 30 / M
    base = Scan(0, 10.0 * 2 ** (m / 3))
    return HpdInputs("R", base, prebaseline=Scan(-30, 10.0), first=Scan(30, base.sum_mm * factor ** (m / 3)),
                     recist_first=recist)


@pytest.mark.parametrize("definition", ["hpd.champiat2017", "hpd.kanjanapan2019"])
def test_H1_H2_tgr_ratio_exactly_two_with_pd(definition: str) -> None:
    # spec 2.3 H1 (H2 alias): "RECIST PD at the first evaluation AND TGR ratio >= 2 (non-strict)".
    # factor 3: TGR_exp 200, ratio 200/100 = 2 -> true with PD; the same kinetics with RECIST SD -> false.
    # factor 2.999: TGR_exp 199.9, ratio 1.999 -> false even with PD.
    assert hpd(definition, _tgr_ratio_patient(3.0, "PD")).flag is True
    assert hpd(definition, _tgr_ratio_patient(3.0, "SD")).flag is False
    assert hpd(definition, _tgr_ratio_patient(2.999, "PD")).flag is False


def test_H3_H4_have_no_recist_condition() -> None:
    # spec 2.3 H3 "The abstract states no RECIST-PD condition, so none is applied";
    # H4 "No RECIST-PD condition".
    # S_pre 40 (day -58), S_0 40.5 (day -2), S_1 42 (day 54): both intervals 56 d = 1.8398 mo.
    # pct_1 = 1.5/40.5 = 3.70 % (RECIST SD).
    # TGR_ref = 100 (exp(3 ln(40.5/40)/1.8398) - 1) = 100 (exp(0.020257) - 1) = 2.046
    # TGR_exp = 100 (exp(3 ln(42/40.5)/1.8398) - 1) = 100 (exp(0.059302) - 1) = 6.110 -> ratio 2.99 >= 2.
    # TGK_ref = 0.5/1.8398, TGK_exp = 1.5/1.8398 -> TGKr = 3.0 >= 2.
    x = HpdInputs("S", Scan(-2, 40.5), prebaseline=Scan(-58, 40.0), first=Scan(54, 42.0), recist_first="SD")
    assert hpd("hpd.petrioli2020", x).flag is True
    assert hpd("hpd.saada_bouzid2017", x).flag is True
    assert hpd("hpd.champiat2017", x).flag is False  # same ratio, but no RECIST PD


# spec 0.3 AND + 2.2 "The definition is still decided false if another required condition is false":
# no prebaseline scan, first evaluation S 50 -> 52 (+4.00 %, +2 mm), RECIST SD, TTF unknown.
NO_PRE_SD = HpdInputs("N", Scan(-3, 50.0), first=Scan(42, 52.0), recist_first="SD",
                      new_lesion_organs=(), baseline_organs=frozenset({"lung"}))


@pytest.mark.parametrize(
    "definition,expected",
    [
        ("hpd.kanjanapan2019", F),  # not PD decides it
        ("hpd.ferrara2018", F),  # not PD decides it (H6 "decided false without them if ... not PD")
        ("hpd.kas2020", F),  # +4 % < 20 % and +2 mm < 5 mm: size condition fails (H9 "unless the size ...")
        ("hpd.kato2017", F),  # +4 % not > 50 %
        ("hpd.lo_russo2019", F),  # not PD
        ("hpd.matos2020", F),  # not PD
        ("hpd.petrioli2020", NE),  # H3: "there is no PD condition that could decide false early"
        ("hpd.saada_bouzid2017", NE),  # H4: only the TGK ratio, which needs the prebaseline
    ],
)
def test_2_2_missing_prebaseline_decided_only_where_another_condition_fails(
    definition: str, expected: bool | None
) -> None:
    assert hpd(definition, NO_PRE_SD).flag is expected


@pytest.mark.parametrize("definition", [d.id for d in DEFINITIONS])
def test_no_first_evaluation_is_not_evaluable_for_every_definition(definition: str) -> None:
    # spec 2.3: H1 "Not evaluable: ... no first evaluation"; H4 idem; H8 "no first evaluation"; the others
    # need S_1 or the RECIST response at the first evaluation. TTF 50 d < 60.875 is true, so nothing fails
    # and every definition (H10 never decides) is not_evaluable.
    x = HpdInputs("N", Scan(-7, 44.0), prebaseline=Scan(-56, 40.0), first=None, treatment_end_day=50,
                  new_lesion_organs=None, ecog_baseline=1, ecog_first_60_days=(1,))
    assert hpd(definition, x).flag is None


def test_recist_ne_at_first_evaluation_is_three_valued() -> None:
    # spec 0.3 AND: the RECIST part unknown (NE). HP-5 ratio 10.821 >= 2 and dTGR 165.13 > 50 hold -> NE;
    # HP-2 ratio 0.639 < 2 and dTGR -33.85 not > 50 fail -> false whatever RECIST says.
    hp5, hp2 = _replace(HP5, recist_first="NE"), _replace(HP2, recist_first="NE")
    for definition in ("hpd.champiat2017", "hpd.ferrara2018"):
        assert hpd(definition, hp5).flag is None
        assert hpd(definition, hp2).flag is False


def test_H4_saada_bouzid_nonpositive_reference_options_on_HP3() -> None:
    # spec 2.2 option nonpositive_reference; HP-3 TGK_ref = -4/2.6283 = -1.5219 <= 0,
    # TGK_exp = 24/1.8398 = 13.0446.
    # default -> NE (2.4 table); literal ratio = (24/56)/(-4/80) = 0.428571/-0.05 = -8.571 < 2 -> false;
    # hpd_if_exp_positive: shrinking before, growing during -> true.
    assert hpd("hpd.saada_bouzid2017", HP3).flag is None
    literal = hpd("hpd.saada_bouzid2017", HP3, nonpositive_reference="literal")
    assert literal.flag is False
    assert literal.values["TGK_ratio"] == pytest.approx(-8.571, abs=0.0005)
    assert hpd("hpd.saada_bouzid2017", HP3, nonpositive_reference="hpd_if_exp_positive").flag is True


def test_H5_kato_nonpositive_pace_options_on_HP3() -> None:
    # spec 2.4 H5 HP-3: "NE (TTF and 52.17 % true; pace_ref <= 0)". pace_exp = (24/46)/(56/M) = 0.28358,
    # pace_ref = (-4/50)/(80/M) = -0.030438; literal ratio = (24/(46*56)) / (-4/(50*80)) = 0.0093168/-0.001
    # = -9.317 -> not > 2 -> false. hpd_if_exp_positive: pace_exp > 0 -> met -> TTF 50 d, +52.17 %: true.
    assert hpd("hpd.kato2017", HP3).flag is None
    literal = hpd("hpd.kato2017", HP3, nonpositive_reference="literal")
    assert literal.flag is False
    assert literal.values["pace_ratio"] == pytest.approx(-9.317, abs=0.0005)
    assert hpd("hpd.kato2017", HP3, nonpositive_reference="hpd_if_exp_positive").flag is True


def test_H1_hpd_if_exp_positive_needs_growth_on_treatment() -> None:
    # spec 2.2: hpd_if_exp_positive "treats 'shrinking before, growing during' as meeting the ratio
    # threshold". Shrinking before (50 -> 46) and still shrinking during (46 -> 40): TGR_exp < 0 -> not met
    # -> Petrioli false.
    x = _replace(HP3, first=Scan(46, 40.0), recist_first="PR")
    assert hpd("hpd.petrioli2020", x, nonpositive_reference="hpd_if_exp_positive").flag is False


# --- 2.3 H6 / H9: difference definitions ------------------------------------------------------------------


def test_H9_kas_reads_target_sums_not_the_recist_timepoint() -> None:
    # spec 2.3 H9: "target-lesion RECIST progression at the first evaluation (pct_1 >= 20 % and
    # abs_1 >= 5 mm)"
    # -> computed from S_0, S_1, not from the RECIST row. HP-5 without a RECIST response: +66.67 %, +22 mm,
    # dTGR 165.13 > 100 -> Kas true; Ferrara (RECIST PD required, unknown; dTGR > 50 true) -> NE.
    x = _replace(HP5, recist_first=None)
    assert hpd("hpd.kas2020", x).flag is True
    assert hpd("hpd.ferrara2018", x).flag is None


def test_H9_kas_without_prebaseline_false_when_size_fails() -> None:
    # spec 2.3 H9: "Not evaluable: no prebaseline or zero sums, unless the size condition already fails".
    # 20 -> 24 mm: +20.00 % but +4 mm < 5 -> no target progression -> false. 20 -> 25: +25 %, +5 mm -> NE.
    small = HpdInputs("K", Scan(-3, 20.0), first=Scan(42, 24.0), recist_first="PD")
    holds = HpdInputs("K", Scan(-3, 20.0), first=Scan(42, 25.0), recist_first="PD")
    assert hpd("hpd.kas2020", small).flag is False
    assert hpd("hpd.kas2020", holds).flag is None


# --- 2.3 H7 Lo Russo --------------------------------------------------------------------------------------


def test_H7_tiny_sum_50_percent_without_pd_is_not_hpd() -> None:
    # spec 2.3 H7 note: criteria 2-4 imply PD "except a >= 50 % rise of < 5 mm in a tiny sum".
    # S_0 8 -> S_1 12: +50.00 %, +4 mm -> RECIST SD. Criteria: TTF 50 d (1), +50 % (2), ECOG 1 -> 2 (5) = 3/5,
    # but "RECIST PD at the first evaluation AND ..." fails -> false.
    x = HpdInputs("L", Scan(-2, 8.0), first=Scan(42, 12.0), recist_first="SD", treatment_end_day=50,
                  new_lesion_organs=(), baseline_organs=frozenset({"lung"}), ecog_baseline=1,
                  ecog_first_60_days=(2,))
    decision = hpd("hpd.lo_russo2019", x)
    assert decision.values["criteria_met"] == 3
    assert decision.flag is False


def test_H7_criterion_3_needs_two_new_lesions_in_the_same_involved_organ() -> None:
    # spec 2.3 H7 criterion 3: ">= 2 new lesions (non-strict) in an organ already involved at baseline".
    # Baseline organs lung, liver. New lesions liver + lung: one per organ -> c3 false; no new organ
    # -> c4 false.
    # New lesions liver + liver -> c3 true.
    one_each = _replace(HP1, new_lesion_organs=("liver", "lung"))
    two_liver = _replace(HP1, new_lesion_organs=("liver", "liver"))
    assert hpd("hpd.lo_russo2019", one_each).values["criteria"] == {
        "c1": F, "c2": F, "c3": F, "c4": F, "c5": F
    }  # HP-1: TTF 84 d, +40.91 %, ECOG 1 -> 1
    assert hpd("hpd.lo_russo2019", two_liver).values["criteria"]["c3"] is True


def _engine(rows: list[dict], patients: pd.DataFrame | None = None, **kwargs: object) -> pd.DataFrame:
    data = study(rows, patients=patients)
    result = registry()["recist11"].assess(data)
    return find_patterns(data, result.timepoints, result.best_response, **kwargs)


def _row(table: pd.DataFrame, definition: str) -> pd.Series:
    return table[table["definition"] == definition].iloc[0]


@pytest.mark.parametrize("new_organ,c4", [("bone", False), ("liver", True)])
def test_H7_non_target_baseline_organ_counts_as_involved(new_organ: str, c4: bool) -> None:
    # spec 2.3 H7 criterion 4 "spread to a new organ: >= 1 new lesion in an organ with no baseline lesion";
    # criterion 3 "same canonical organ code as a baseline target OR NON-TARGET lesion".
    # Baseline: target lung 30, non-target bone. Day 42: lung 45 and one new lesion. New lesion in bone
    # (involved through the non-target) -> c4 false; in liver -> c4 true. c3 false (one lesion only).
    rows = [
        lesion(-3, "A", 30),
        lesion(-3, "NT", None, role="non_target", organ="bone"),
        lesion(42, "A", 45),
        lesion(42, "NT", None, role="non_target", organ="bone"),
        lesion(42, "U1", 12, role="new", organ=new_organ),
    ]
    values = json.loads(_row(_engine(rows, definitions=["hpd.lo_russo2019"]), "hpd.lo_russo2019")["values"])
    assert (values["criteria"]["c3"], values["criteria"]["c4"]) == (False, c4)


@pytest.mark.parametrize("ecog_day,expected", [(60, "true"), (61, "false")])
def test_H7_ecog_window_is_days_1_to_60(ecog_day: int, expected: str) -> None:
    # spec 2.3 H7 criterion 5: "clinical deterioration within the first 2 months (day <= 60): some ECOG in
    # days 1-60 is >= 2 and greater than the baseline ECOG". Target 30 -> 45 (+50 %, +15 mm: RECIST PD).
    # TTF 50 d (c1), +50 % (c2), no new lesion; ECOG 1 at day 0, 1 on day 30, 3 on day 60: c5 -> 3/5 true;
    # the same ECOG 3 on day 61 is outside the window (window max 1, not > baseline 1) -> 2/5 false.
    rows = [lesion(-3, "A", 30), lesion(42, "A", 45)]
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_end_day": [50]})
    visits = pd.DataFrame({"patient_id": ["P1"] * 3, "day": [0, 30, ecog_day], "ecog": [1, 1, 3]})
    table = _engine(rows, patients, definitions=["hpd.lo_russo2019"], visits=visits)
    assert _row(table, "hpd.lo_russo2019")["flag"] == expected


# --- 2.3 H8 Matos ---------------------------------------------------------------------------------------


def _matos(s1: float, ttf: int | None) -> HpdInputs:
    return HpdInputs("M", Scan(-2, 20.0), first=Scan(42, s1), recist_first="PD", treatment_end_day=ttf,
                     new_lesion_organs=(), baseline_organs=frozenset({"lung"}))


def test_H8_matos_time_rule_none_decides_without_ttf() -> None:
    # spec 2.3 H8 option matos_time_rule "none": the TTF condition is dropped. 20 -> 30 mm = +50 % >= 40 %,
    # PD, TTF unknown: default -> NE (TTF undecidable while size holds); "none" -> true.
    assert hpd("hpd.matos2020", _matos(30.0, None)).flag is None
    assert hpd("hpd.matos2020", _matos(30.0, None), matos_time_rule="none").flag is True


@pytest.mark.parametrize("ttf,expected", [(60, True), (61, False)])
def test_H8_matos_ttf_le_2_months_with_integer_days(ttf: int, expected: bool) -> None:
    # spec 0.1: 2 months = 60.875 days; "<= 2 months" is then also day <= 60 with integer days (61 > 60.875).
    assert hpd("hpd.matos2020", _matos(30.0, ttf), matos_time_rule="ttf_le_2_months").flag is expected


@pytest.mark.parametrize("s1,expected", [(30.0, True), (29.9, False)])
def test_H8_matos_min_abs_increase_10_mm_boundary(s1: float, expected: bool) -> None:
    # spec 2.3 H8 matos_min_abs_increase_mm = 10 ("a minimum 10 mm increase"): 20 -> 30 is +10 mm (meets the
    # minimum), +50 %; 20 -> 29.9 is +9.9 mm (< 10) although +49.5 % >= 40 %. TTF 50 d.
    assert hpd("hpd.matos2020", _matos(s1, 50), matos_min_abs_increase_mm=10.0).flag is expected


# --- 0.4 display rounding, 2.2 evidence --------------------------------------------------------------------


def test_0_4_reported_values_rounded_from_unrounded_inputs() -> None:
    # spec 2.4: "HP-1: 74.93 / 19.44 gives 3.854, the unrounded ratio is 3.855; HP-5: 181.95 - 16.81 gives
    # 165.14, the unrounded dTGR is 165.13". 0.4: TGR to 2 decimals, ratios to 3, percentages to 2.
    hp1 = hpd("hpd.champiat2017", HP1).values
    assert (hp1["TGR_ref"], hp1["TGR_exp"], hp1["TGR_ratio"], hp1["pct_1"]) == (19.44, 74.93, 3.855, 40.91)
    assert hpd("hpd.ferrara2018", HP5).values["dTGR"] == 165.13
    assert hpd("hpd.champiat2017", HP3, nonpositive_reference="literal").values["TGR_ratio"] == -10.828


def test_0_4_tgk_ratio_HP1_reported_as_3_938() -> None:
    # spec 2.4 HP-1: TGKr = 9.7835 / 2.4847 = 3.938 (exactly (18/56)/(4/49) = 882/224 = 3.9375: the spec
    # shows 3.938).
    assert hpd("hpd.saada_bouzid2017", HP1).values["TGK_ratio"] == 3.938


def test_2_2_short_experimental_interval_warning() -> None:
    # spec 2.2: "Interval < 28 days: computed, but evidence carries short_interval_warning". Baseline day -2,
    # first evaluation day 18: 20 days < 28 (experimental); reference 56 days (no warning for it).
    x = HpdInputs("W", Scan(-2, 44.0), prebaseline=Scan(-58, 40.0), first=Scan(18, 60.0), recist_first="PD")
    decision = hpd("hpd.champiat2017", x)
    assert decision.flag is not None
    warnings = decision.evidence["warnings"]
    assert any("experimental" in w for w in warnings) and not any("reference" in w for w in warnings)


HP1_ROWS = [
    lesion(-56, "A", 25), lesion(-56, "B", 15, organ="liver"),
    lesion(-7, "A", 27), lesion(-7, "B", 17, organ="liver"),
    lesion(49, "A", 37), lesion(49, "B", 25, organ="liver"),
]


def test_2_2_prior_therapy_in_reference_period_is_evidence_only() -> None:
    # spec 2.2: "Reference period under a previous anticancer treatment: allowed ... Evidence carries
    # prior_therapy_in_reference_period if known." HP-1 stays true (ratio 3.855 >= 2, PD).
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_end_day": [84],
                             "prior_therapy_in_reference_period": ["true"]})
    row = _row(_engine(HP1_ROWS, patients, definitions=["hpd.champiat2017"]), "hpd.champiat2017")
    assert row["flag"] == "true"
    assert json.loads(row["evidence"])["prior_therapy_in_reference_period"] is True


def test_0_2_prebaseline_sum_within_half_mm_is_accepted_and_beyond_names_both_values() -> None:
    # spec 0.2: "If both lesion rows and these columns exist and the sums differ by more than 0.5 mm, that is
    # an input error naming both values." Lesion rows: 25 + 15 = 40. Table 40.5 (|diff| 0.5, not > 0.5) ->
    # accepted, HP-1 true; table 40.6 (0.6 > 0.5) -> error naming 40.6 and 40.
    ok = pd.DataFrame({"patient_id": ["P1"], "prebaseline_day": [-56], "prebaseline_sum_mm": [40.5]})
    assert _row(_engine(HP1_ROWS, ok, definitions=["hpd.champiat2017"]), "hpd.champiat2017")["flag"] == "true"
    bad = ok.assign(prebaseline_sum_mm=[40.6])
    with pytest.raises(InputError) as error:
        _engine(HP1_ROWS, bad, definitions=["hpd.champiat2017"])
    assert "40.6" in str(error.value) and "40 mm" in str(error.value)


def test_0_2_prebaseline_window_applies_to_patient_table_reference() -> None:
    # HP-1 without lesion rows on day -56; patient table gives prebaseline day -56, sum 40 (the reference
    # code's SCANDATE_BEFORE / RECIST_BEFORE). Baseline day -7: the reference is 49 days before baseline.
    # With prebaseline_max_days_before_baseline = 28: 49 > 28 -> no usable reference
    # -> Champiat not_evaluable.
    rows = [r for r in HP1_ROWS if r["day"] != -56]
    patients = pd.DataFrame({"patient_id": ["P1"], "prebaseline_day": [-56], "prebaseline_sum_mm": [40.0]})
    table = _engine(rows, patients, definitions=["hpd.champiat2017"], prebaseline_max_days_before_baseline=28)
    assert _row(table, "hpd.champiat2017")["flag"] == "not_evaluable"


def test_0_2_patient_table_reference_outside_window_says_why_like_lesion_rows() -> None:
    # Same wording as for a too-old lesion-row prebaseline (test_find_patterns), naming the table's day.
    # Definitions not needing a prebaseline (Lo Russo, spec 2.2) are unaffected: S_pre stays empty.
    rows = [r for r in HP1_ROWS if r["day"] != -56]
    patients = pd.DataFrame({"patient_id": ["P1"], "prebaseline_day": [-56], "prebaseline_sum_mm": [40.0]})
    table = _engine(rows, patients, definitions=["hpd.champiat2017", "hpd.lo_russo2019"],
                    prebaseline_max_days_before_baseline=28)
    reason = _row(table, "hpd.champiat2017")["reason"]
    why = "no prebaseline scan within 28 days before baseline day -7 (patient-table prebaseline day -56)"
    assert why in reason
    assert json.loads(_row(table, "hpd.lo_russo2019")["values"])["S_pre"] is None


@pytest.mark.parametrize("limit", [None, 49, 84])
def test_0_2_patient_table_reference_within_window_is_used(limit: int | None) -> None:
    # 49 days before baseline: inside a 49-day window (<=, as for lesion rows), an 84-day one, or no window.
    rows = [r for r in HP1_ROWS if r["day"] != -56]
    patients = pd.DataFrame({"patient_id": ["P1"], "prebaseline_day": [-56], "prebaseline_sum_mm": [40.0]})
    table = _engine(rows, patients, definitions=["hpd.champiat2017"],
                    prebaseline_max_days_before_baseline=limit)
    assert _row(table, "hpd.champiat2017")["flag"] == "true"


# --- 1. Pseudoprogression -----------------------------------------------------------------------------------


def _psp(rows: list[tuple], criterion: str, definition: str, patients: pd.DataFrame | None = None,
         **options: object) -> pd.DataFrame:
    """rows: (day, overall_response, current_sum, nadir_sum, baseline_sum)."""
    points = [
        timepoint("P1", criterion, d, r) | {"current_sum": s, "nadir_sum": n, "baseline_sum": b}
        for d, r, s, n, b in rows
    ]
    found = psp.find(Study(patients=patients), pd.DataFrame(points), PatternOptions(**options), [definition])
    frame = pattern_frame(found)
    return frame.assign(values=frame["values"].map(json.loads), evidence=frame["evidence"].map(json.loads))


RECIST_THEN = "pseudoprogression.recist_then_nonpd"
IRECIST = "pseudoprogression.irecist"
HODI = "pseudoprogression.irrc_hodi2016"


def test_1_3_recist_then_nonpd_exactly_pd_vs_pre_pd_nadir_keeps_episode_open() -> None:
    # spec 1.3: resolution = "a later assessment not meeting PD vs the pre-PD nadir"; RECIST PD is +20 % AND
    # +5 mm, both non-strict. Pre-PD nadir 25; day 112 sum 30 = +20.0 %, +5 mm -> still PD -> walk ends ->
    # not_evaluable ("persisting PD keeps the episode open").
    rows = [(56, "PD", 35.0, 25.0, 25.0), (112, "PD", 30.0, 25.0, 25.0)]
    assert _psp(rows, "recist11", RECIST_THEN).iloc[0]["flag"] == "not_evaluable"


def test_1_3_recist_then_nonpd_20_percent_but_4_mm_is_not_pd() -> None:
    # Pre-PD nadir 20; day 112 sum 24 = +20.0 % but +4 mm < 5 -> not PD -> resolved (default "SD"): true.
    rows = [(56, "PD", 30.0, 20.0, 20.0), (112, "SD", 24.0, 20.0, 20.0)]
    row = _psp(rows, "recist11", RECIST_THEN).iloc[0]
    assert (row["flag"], row["values"]["resolution_day"]) == ("true", 112)


def test_1_4_irecist_not_evaluable_timepoint_does_not_stop_the_walk() -> None:
    # spec 1.4 step 2: an assessment that neither confirms nor resolves -> continue. iUPD day 56, NE day 98,
    # iCPD day 140 -> false, confirmed on day 140.
    rows = [(56, "iUPD", 64.0, 50.0, 50.0), (98, "NE", np.nan, 50.0, 50.0), (140, "iCPD", 70.0, 50.0, 50.0)]
    row = _psp(rows, "irecist", IRECIST).iloc[0]
    assert row["flag"] == "false"
    assert row["values"]["confirmation_day"] == 140


def test_1_4_new_therapy_after_resolution_does_not_matter() -> None:
    # spec 1.4 step 2: the new-therapy stop applies while walking T after P; PsP-1 resolves on day 98 (iSD),
    # new therapy on day 120 (2020-01-01 + 120 = 2020-04-30) comes later -> true, early.
    patients = pd.DataFrame(
        {"patient_id": ["P1"], "treatment_start": ["2020-01-01"], "new_therapy_start": ["2020-04-30"]}
    )
    rows = [(56, "iUPD", 64.0, 50.0, 50.0), (98, "iSD", 47.0, 50.0, 50.0)]
    row = _psp(rows, "irecist", IRECIST, patients).iloc[0]
    assert (row["flag"], row["values"]["timing"]) == ("true", "early")


def test_1_4_local_therapy_before_progression_is_not_a_confounder() -> None:
    # spec 1.4 step 5: only local therapy "between P and the resolving timepoint" is flagged. PsP-1 (P day 56,
    # resolved day 98) with radiotherapy on day 40 (2020-02-10) -> true, no confounded_by_local_therapy.
    patients = pd.DataFrame(
        {"patient_id": ["P1"], "treatment_start": ["2020-01-01"], "local_therapy_dates": ["2020-02-10"]}
    )
    rows = [(56, "iUPD", 64.0, 50.0, 50.0), (98, "iSD", 47.0, 50.0, 50.0)]
    row = _psp(rows, "irecist", IRECIST, patients).iloc[0]
    assert row["flag"] == "true"
    assert "confounded_by_local_therapy" not in row["evidence"]


def test_1_5_PsP2_reported_values() -> None:
    # spec 1.5 PsP-2: day 168 S 48 vs nadir 38: +10 mm, 10/38 = +26.32 % (shown 26.3); resolution day 224 iPR;
    # 1.4 "Values reported: ... number of days between P and resolution" = 224 - 168 = 56; late (168 > 84).
    rows = [
        (56, "iPR", 40.0, 60.0, 60.0),
        (112, "iPR", 38.0, 40.0, 60.0),
        (168, "iUPD", 48.0, 38.0, 60.0),
        (224, "iPR", 36.0, 38.0, 60.0),
    ]
    values = _psp(rows, "irecist", IRECIST).iloc[0]["values"]
    assert values["pct_change_nadir_at_progression"] == 26.32
    assert (values["resolution_day"], values["days_to_resolution"], values["timing"]) == (224, 56, "late")


def test_1_3_hodi_decided_at_the_first_later_assessment() -> None:
    # spec 1.3/1.4: irRC_hodi2016 resolution "the next assessment < 1.25 x nadir"; "The irRC and PERCIST
    # variants decide at the first later assessment". P day 63: 50 vs nadir 40 (+25 %). Day 112: 49.9 <
    # 1.25 x 40 = 50 -> true; a later 80 mm on day 168 does not reopen the decision.
    rows = [(63, "irPD", 50.0, 40.0, 40.0), (112, "irSD", 49.9, 40.0, 40.0), (168, "irPD", 80.0, 40.0, 40.0)]
    frame = _psp(rows, "irrc", HODI)
    assert frame.iloc[0]["flag"] == "true"
    assert frame.iloc[0]["values"]["resolution_day"] == 112


def test_1_4_hodi_late_timing_and_cutoff_option() -> None:
    # spec 1.4 step 4 applies to every variant: P on day 98 (> 84) -> late; with early_cutoff_days = 91 still
    # late (98 > 91); with 98 -> early (98 <= 98). Resolution day 140: 45 < 50.
    rows = [(98, "irPD", 50.0, 40.0, 40.0), (140, "irSD", 45.0, 40.0, 40.0)]
    assert _psp(rows, "irrc", HODI).iloc[0]["values"]["timing"] == "late"
    assert _psp(rows, "irrc", HODI, early_cutoff_days=91).iloc[0]["values"]["timing"] == "late"
    assert _psp(rows, "irrc", HODI, early_cutoff_days=98).iloc[0]["values"]["timing"] == "early"


# --- 3. Dissociated response / 4.4 oligoprogression -------------------------------------------------------

ALL_DR = [d.id for d in dissociated.DEFINITIONS] + ["oligoprogression"]


def _dr(rows: list[dict], responses: list[dict] | None = None, **options: object) -> dict[str, str]:
    tp = pd.DataFrame(responses) if responses else None
    frame = pattern_frame(dissociated.find(study(rows), tp, PatternOptions(**options), ALL_DR))
    return dict(zip(frame["definition"], frame["flag"], strict=True))


def test_3_3_bernard_tessier_sums_small_increases() -> None:
    # spec 3.3 bernard_tessier2020: "sum of a_nadir over those progressing lesions >= 5 mm".
    # A 40 -> 20 (-50 %),
    # B 10 -> 13 (+30 % > 20 %, +3 mm), C 12 -> 15 (+25 % > 20 %, +3 mm): summed 6 >= 5 -> true.
    # lesion_level (3.2 per lesion: +3 mm < 5 mm, neither progressing) -> false; Tozuka (no progressing,
    # no new lesion) -> false.
    rows = [lesion(-7, "A", 40), lesion(-7, "B", 10), lesion(-7, "C", 12),
            lesion(56, "A", 20), lesion(56, "B", 13), lesion(56, "C", 15)]
    result = _dr(rows)
    assert result["dissociated.bernard_tessier2020"] == "true"
    assert result["dissociated.lesion_level"] == "false"
    assert result["dissociated.tozuka2020"] == "false"


def test_3_3_bernard_tessier_single_small_increase_is_false() -> None:
    # A 40 -> 20 (-50 %); B 10 -> 14: +40 % > 20 % but summed increase 4 < 5 -> false.
    rows = [lesion(-7, "A", 40), lesion(-7, "B", 10), lesion(56, "A", 20), lesion(56, "B", 14)]
    assert _dr(rows)["dissociated.bernard_tessier2020"] == "false"


def test_3_2_five_mm_but_under_20_percent_is_stable() -> None:
    # spec 3.2: progressing needs r_nadir >= 0.20 AND a_nadir >= 5. B 30 -> 35: +5 mm but +16.7 % -> stable.
    # A 40 -> 20 responding alone -> lesion_level false; Bernard-Tessier (16.7 % not > 20 %) false.
    rows = [lesion(-7, "A", 40), lesion(-7, "B", 30), lesion(56, "A", 20), lesion(56, "B", 35)]
    result = _dr(rows)
    assert result["dissociated.lesion_level"] == "false"
    assert result["dissociated.bernard_tessier2020"] == "false"


def test_3_3_tozuka_unchanged_lesion_is_not_shrinking() -> None:
    # spec 3.3 tozuka2020: ">= 1 lesion with r_base < 0" (strict). A 30 -> 30 (0 %) with a new lesion
    # -> false.
    rows = [lesion(-7, "A", 30), lesion(56, "A", 30), lesion(56, "U1", 12, role="new", organ="liver")]
    assert _dr(rows)["dissociated.tozuka2020"] == "false"


@pytest.mark.parametrize(
    "baseline,value,expected",
    [
        (10.0, 9.0, "responding"),  # >= 10 at baseline, < 10 now (only -10 %)
        (9.5, 8.0, "stable"),  # baseline < 10: node rule does not apply; -15.8 % > -30 %
    ],
)
def test_3_2_node_rule_needs_10_mm_at_baseline(baseline: float, value: float, expected: str) -> None:
    # spec 3.2: "nodes: short axis < 10 mm counts as responding when it was >= 10 mm at baseline".
    assert dissociated.classify(value, baseline, baseline, False, True, False) == expected


def test_3_2_absent_lesion_is_responding() -> None:
    # spec 3.2: responding "or the lesion is absent"; spec 0.2 absent contributes 0 mm. A 20 -> absent
    # (-100 %), B 20 -> 30 (+50 %, +10 mm): lesion_level true; Bernard-Tessier -100 % < -30 %, +50 % > 20 %,
    # summed 10 >= 5 -> true.
    rows = [lesion(-7, "A", 20), lesion(-7, "B", 20),
            lesion(56, "A", None, status="absent"), lesion(56, "B", 30)]
    result = _dr(rows)
    assert result["dissociated.lesion_level"] == "true"
    assert result["dissociated.bernard_tessier2020"] == "true"


def test_3_3_pet_new_fdg_avid_lesion_counts_as_progressing() -> None:
    # spec 3.3 dissociated.pet: ">= 1 metabolically responding AND >= 1 metabolically progressing or new
    # FDG-avid lesion". A SULpeak 10 -> 6 (-40 %, responding); new lesion N on day 49 -> true.
    pet = pd.DataFrame(
        {
            "patient_id": "P1", "reader": "", "day": [-3, 49, 49], "date": "",
            "lesion_id": ["A", "A", "N"], "role": ["target", "target", "new"],
            "status": "present", "sulpeak": [10.0, 6.0, 5.0],
        }
    )
    frame = pattern_frame(dissociated.find_pet(Study(pet=pet), None))
    assert frame.iloc[0]["flag"] == "true"


def test_4_4_oligoprogression_unknown_other_lesion_decides_only_when_it_could_change_the_call() -> None:
    # spec 4.4: "every other lesion is responding or stable"; 3.3: not evaluable when "the call would change
    # if a lesion marked not_evaluable at T were responding or progressing" (0.3).
    # PD day 56: new liver lesion (1 progressing lesion, 1 organ); B 30 -> 30 stable; A not evaluable.
    # A responding or stable: 1 lesion in 1 organ; A progressing: 2 lesions in <= 2 organs (<= 5, <= 3):
    # true either way. With max_progressing_lesions = 1, A progressing breaks the limit: not_evaluable.
    rows = [
        lesion(-7, "A", 40), lesion(-7, "B", 30),
        lesion(56, "A", None, status="not_evaluable"), lesion(56, "B", 30),
        lesion(56, "U1", 12, role="new", organ="liver"),
    ]
    assert _dr(rows, [timepoint("P1", "recist11", 56, "PD")])["oligoprogression"] == "true"
    one = _dr(rows, [timepoint("P1", "recist11", 56, "PD")], max_progressing_lesions=1)
    assert one["oligoprogression"] == "not_evaluable"


# --- 4. Durable response ----------------------------------------------------------------------------------


def _best(patient: str, onset: float, progression: float, pfs_day: float, event: bool) -> dict:
    return {
        "patient_id": patient, "reader": "", "criterion": "recist11", "best_response": "PR",
        "best_response_confirmed": "PR", "bor_day": onset, "first_response_day": onset,
        "progression_day": progression, "duration_of_response_days": np.nan, "pfs_event": event,
        "pfs_day": pfs_day, "reason": "",
    }


def _durable(best_rows: list[dict], points: list[tuple], definition: str, data: Study | None = None,
             **options: object) -> dict[str, str]:
    tp = pd.DataFrame(
        [{"patient_id": p, "reader": "", "criterion": "recist11", "day": d, "overall_response": r}
         for p, d, r in points]
    )
    rows = durable.find(data or Study(), tp, pd.DataFrame(best_rows), PatternOptions(**options), [definition])
    frame = pattern_frame(rows)
    return dict(zip(frame["patient_id"], frame["flag"], strict=True))


def test_4_1_drr_ongoing_duration_counts_to_the_last_assessment_in_response() -> None:
    # spec 4.1: "no loss and last assessment in response - d_r >= 183". PR day 84, PR day 200, SD day 300,
    # no PD:
    # last assessment in response is day 200 -> 116 < 183. Counting the SD day 300 would give 216 >= 183.
    # The response ended in SD on day 300, so the patient is not "still responding" (the only not-evaluable
    # case of 4.1) and the response did not last "continuously" 183 days -> false (was read as not
    # evaluable until session 16).
    points = [("A", 84, "PR"), ("A", 200, "PR"), ("A", 300, "SD")]
    result = _durable([_best("A", 84, np.nan, 300, False)], points, "durable.drr_optim")
    assert result == {"A": "false"}


@pytest.mark.parametrize("minimum,expected", [(183, "true"), (370, "true"), (371, "not_evaluable")])
def test_4_3_off_treatment_min_days_option(minimum: int, expected: str) -> None:
    # spec 4.3 example: PR day 112, treatment completed day 730, last assessment day 1100 without PD
    # -> 370 days
    # off treatment. Option min_off_treatment_days (default 183): 370 >= 183 and >= 370 -> true; with 371 and
    # no PD yet -> not enough follow-up -> not_evaluable.
    patients = pd.DataFrame(
        {"patient_id": ["A"], "treatment_end_day": [730], "treatment_end_reason": ["completed"]}
    )
    result = _durable([_best("A", 112, np.nan, 1100, False)], [("A", 112, "PR"), ("A", 1100, "PR")],
                      "durable.off_treatment", Study(patients=patients), min_off_treatment_days=minimum)
    assert result == {"A": expected}
