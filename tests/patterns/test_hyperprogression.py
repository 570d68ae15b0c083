"""Hyperprogression definitions H1-H10 on the worked examples of spec/patterns.md 2.4 (HP-1 .. HP-5).

Every expected number and T/F/NE call is transcribed by hand from the spec's results table (2.4) and
the comparison table (section 11); none is the output of this code.
"""

from __future__ import annotations

import math

import pytest

from ioresponse.patterns._common import PatternOptions
from ioresponse.patterns.hyperprogression import (
    DEFINITIONS,
    HpdInputs,
    Scan,
    kinetics,
    progression_pace,
    tumor_growth_kinetics,
    tumor_growth_rate,
)

DEFAULT = PatternOptions()

# spec 2.4: HP-1 .. HP-5 (days from treatment_start, sums in mm).
HP = {
    "HP-1": HpdInputs(
        "HP-1",
        Scan(-7, 44.0),
        prebaseline=Scan(-56, 40.0),
        first=Scan(49, 62.0),
        recist_first="PD",
        treatment_end_day=84,
        new_lesion_organs=(),
        baseline_organs=frozenset({"lung", "liver"}),
        ecog_baseline=1,
        ecog_first_60_days=(1,),
    ),
    "HP-2": HpdInputs(
        "HP-2",
        Scan(-4, 45.0),
        prebaseline=Scan(-60, 30.0),
        first=Scan(52, 60.0),
        recist_first="PD",
        treatment_end_day=52,
        new_lesion_organs=(),
        baseline_organs=frozenset({"lung", "liver"}),
        ecog_baseline=0,
        ecog_first_60_days=(1,),
    ),
    "HP-3": HpdInputs(
        "HP-3",
        Scan(-10, 46.0),
        prebaseline=Scan(-90, 50.0),
        first=Scan(46, 70.0),
        recist_first="PD",
        treatment_end_day=50,
        new_lesion_organs=("liver", "liver", "bone"),
        baseline_organs=frozenset({"lung", "liver"}),
        ecog_baseline=1,
        ecog_first_60_days=(3,),
    ),
    "HP-4": HpdInputs(
        "HP-4",
        Scan(-3, 50.0),
        prebaseline=None,
        first=Scan(42, 72.0),
        recist_first="PD",
        treatment_end_day=56,
        new_lesion_organs=("adrenal", "bone"),
        baseline_organs=frozenset({"lung", "lymph_node"}),
        ecog_baseline=0,
        ecog_first_60_days=(1,),
    ),
    "HP-5": HpdInputs(
        "HP-5",
        Scan(-5, 33.0),
        prebaseline=Scan(-61, 30.0),
        first=Scan(40, 55.0),
        recist_first="PD",
        treatment_end_day=45,
        new_lesion_organs=(),
        baseline_organs=frozenset({"lung", "liver"}),
        ecog_baseline=1,
        ecog_first_60_days=(2,),
    ),
}

# spec 2.4 results table / section 11 last column (T = true, F = false, NE = not evaluable).
T, F, NE = True, False, None
EXPECTED = {
    "hpd.champiat2017": (T, F, NE, NE, T),
    "hpd.kanjanapan2019": (T, F, NE, NE, T),
    "hpd.petrioli2020": (T, F, NE, NE, T),
    "hpd.saada_bouzid2017": (T, F, NE, NE, T),
    "hpd.kato2017": (F, F, NE, F, T),
    "hpd.ferrara2018": (T, F, T, NE, T),
    "hpd.lo_russo2019": (F, F, T, F, T),
    "hpd.matos2020": (F, F, T, T, T),
    "hpd.kas2020": (F, F, T, NE, T),
}
BY_ID = {d.id: d for d in DEFINITIONS}


@pytest.mark.parametrize("definition", sorted(EXPECTED))
@pytest.mark.parametrize("index,patient", list(enumerate(HP)))
def test_spec_2_4_results_table(definition: str, index: int, patient: str) -> None:
    decision = BY_ID[definition].decide(HP[patient], DEFAULT)
    assert decision.flag is EXPECTED[definition][index], decision.reason


def test_HP1_reference_and_experimental_tgr() -> None:
    # spec 2.4 HP-1: TGR_ref 19.44, TGR_exp 74.93, ratio 3.855 (unrounded), dTGR 55.49; TGKr 3.938.
    k = kinetics(HP["HP-1"])
    assert k.tgr_ref == pytest.approx(19.44, abs=0.005)
    assert k.tgr_exp == pytest.approx(74.93, abs=0.005)
    assert k.tgr_exp / k.tgr_ref == pytest.approx(3.855, abs=0.0005)
    assert k.delta_tgr == pytest.approx(55.49, abs=0.005)
    assert k.tgk_ref == pytest.approx(2.4847, abs=5e-5)
    assert k.tgk_exp == pytest.approx(9.7835, abs=5e-5)
    assert k.tgk_exp / k.tgk_ref == pytest.approx(3.938, abs=6e-4)  # exactly 3.9375, shown 3.938
    assert k.pace_exp / k.pace_ref == pytest.approx(3.580, abs=0.0005)
    assert k.pct_1 == pytest.approx(40.91, abs=0.005)


def test_HP2_ratio_below_two() -> None:
    k = kinetics(HP["HP-2"])  # spec 2.4 HP-2: TGR_ref 93.70, TGR_exp 59.85, ratio 0.639, dTGR -33.85
    assert k.tgr_ref == pytest.approx(93.70, abs=0.005)
    assert k.tgr_exp == pytest.approx(59.85, abs=0.005)
    assert k.delta_tgr == pytest.approx(-33.85, abs=0.005)
    assert k.tgk_exp / k.tgk_ref == pytest.approx(1.000, abs=0.0005)


def test_HP3_negative_reference_difference_definitions_decide() -> None:
    k = kinetics(HP["HP-3"])  # spec 2.4 HP-3: TGR_ref -9.08, TGR_exp 98.30, dTGR 107.38
    assert k.tgr_ref == pytest.approx(-9.08, abs=0.005)
    assert k.tgr_exp == pytest.approx(98.30, abs=0.005)
    assert k.delta_tgr == pytest.approx(107.38, abs=0.005)
    assert k.tgk_ref == pytest.approx(-1.5219, abs=5e-5)
    assert k.pace_ref == pytest.approx(-0.03044, abs=5e-6)


def test_HP3_nonpositive_reference_options() -> None:
    # spec 2.4 HP-3, H1: literal -10.83 would give F; hpd_if_exp_positive gives T.
    literal = BY_ID["hpd.champiat2017"].decide(HP["HP-3"], PatternOptions(nonpositive_reference="literal"))
    assert literal.flag is False
    assert literal.values["TGR_ratio"] == pytest.approx(-10.828, abs=0.001)
    growing = PatternOptions(nonpositive_reference="hpd_if_exp_positive")
    assert BY_ID["hpd.champiat2017"].decide(HP["HP-3"], growing).flag is True
    default = BY_ID["hpd.champiat2017"].decide(HP["HP-3"], DEFAULT)
    assert "TGR_ref <= 0" in default.reason


def test_HP4_missing_reference_scan_not_evaluable_with_reason() -> None:
    # spec 2.2 / 2.4 HP-4: no prebaseline -> reference quantities not evaluable, never imputed.
    decision = BY_ID["hpd.champiat2017"].decide(HP["HP-4"], DEFAULT)
    assert decision.flag is None
    assert "no prebaseline scan" in decision.reason
    assert decision.values["TGR_ref"] is None
    assert decision.values["TGR_exp"] == pytest.approx(109.58, abs=0.005)  # spec 2.4 HP-4


def test_HP4_kato_decided_false_without_pace() -> None:
    # spec 2.4 example reason: "tumor burden +44.00 % is not > 50 %: not HPD (Kato 2017); pace not computed"
    decision = BY_ID["hpd.kato2017"].decide(HP["HP-4"], DEFAULT)
    assert decision.flag is False
    assert decision.reason.startswith("tumor burden +44.00 % is not > 50 %: not HPD (Kato 2017)")
    assert "no prebaseline scan" in decision.reason


def test_HP1_hyperprogressive_by_champiat_not_by_kas() -> None:
    # spec 2.4 "Reading the table": HP-1 HPD by Champiat, Petrioli, Saada-Bouzid, Ferrara; not Kato, Lo Russo,
    # Kas or default Matos.
    champiat = BY_ID["hpd.champiat2017"].decide(HP["HP-1"], DEFAULT)
    kas = BY_ID["hpd.kas2020"].decide(HP["HP-1"], DEFAULT)
    assert champiat.flag is True and kas.flag is False
    assert "ratio 3.855 >= 2" in champiat.reason and "HPD (Champiat 2017)" in champiat.reason
    assert "dTGR" in kas.reason and "not > 100" in kas.reason


def test_HP1_matos_without_time_rule() -> None:
    # spec 2.4: with matos_time_rule = "none": T, 40.91 >= 40.
    decision = BY_ID["hpd.matos2020"].decide(HP["HP-1"], PatternOptions(matos_time_rule="none"))
    assert decision.flag is True


def test_HP5_lo_russo_ecog_rule_option() -> None:
    # spec 2.4 HP-5: 3/5 (TTF, 66.67 %, ECOG 1 -> 2); with worsens_by_2_or_more F (2/5).
    default = BY_ID["hpd.lo_russo2019"].decide(HP["HP-5"], DEFAULT)
    assert default.values["criteria_met"] == 3
    strict = BY_ID["hpd.lo_russo2019"].decide(HP["HP-5"], PatternOptions(ecog_rule="worsens_by_2_or_more"))
    assert strict.flag is False and strict.values["criteria_met"] == 2


def test_lo_russo_criteria_counts() -> None:
    # spec 2.4 H7 row: HP-1 0/5, HP-2 1/5, HP-3 5/5, HP-4 2/5.
    counts = [BY_ID["hpd.lo_russo2019"].decide(HP[p], DEFAULT).values["criteria_met"] for p in HP]
    assert counts == [0, 1, 5, 2, 3]


def test_HP5_ratios() -> None:
    k = kinetics(HP["HP-5"])  # spec 2.4 HP-5: ratio 10.821, dTGR 165.13, TGKr 9.126, pace ratio 8.296
    assert k.tgr_exp / k.tgr_ref == pytest.approx(10.821, abs=0.0005)
    assert k.delta_tgr == pytest.approx(165.13, abs=0.005)
    assert k.tgk_exp / k.tgk_ref == pytest.approx(9.126, abs=0.0005)
    assert k.pace_exp / k.pace_ref == pytest.approx(8.296, abs=0.0005)


def test_tgr_zero_sums() -> None:
    # spec 2.2: S_1 = 0 -> limit -100 %/month; S_pre = 0 or S_0 = 0 -> log undefined (not evaluable).
    assert tumor_growth_rate(40.0, 0.0, 56) == -100.0
    assert tumor_growth_rate(0.0, 40.0, 56) is None
    assert tumor_growth_kinetics(40.0, 0.0, 30.4375) == pytest.approx(-40.0)
    assert progression_pace(0.0, 10.0, 30) is None


def test_tgr_one_month_doubling_volume() -> None:
    # Ferté 2014 formula: diameter x 2^(1/3) in one month doubles the volume -> TGR = 100 %/month.
    assert tumor_growth_rate(10.0, 10.0 * 2 ** (1 / 3), 30.4375) == pytest.approx(100.0)
    assert math.isclose(tumor_growth_rate(10.0, 10.0, 30.0), 0.0, abs_tol=1e-12)


def test_petrioli_ratio_exactly_two_meets_threshold_and_just_below_does_not() -> None:
    # spec H3: TGR ratio >= 2 (non-strict, 0.4 tolerance). Two 30-day intervals: TGR_ref = 100 %/month
    # (volume x2 per month), TGR_exp = 200 %/month (x3) -> ratio 2; x2.999 -> ratio 1.999.
    m = 30 / 30.4375
    ref, base = Scan(-30, 10.0), Scan(0, 10.0 * 2 ** (m / 3))
    exact = HpdInputs("A", base, prebaseline=ref, first=Scan(30, base.sum_mm * 3 ** (m / 3)))
    below_ = HpdInputs("B", base, prebaseline=ref, first=Scan(30, base.sum_mm * 2.999 ** (m / 3)))
    assert kinetics(exact).tgr_ref == pytest.approx(100.0)
    assert BY_ID["hpd.petrioli2020"].decide(exact, DEFAULT).flag is True
    assert BY_ID["hpd.petrioli2020"].decide(below_, DEFAULT).flag is False


def test_not_pd_decides_false_even_without_prebaseline() -> None:
    # spec 0.3 / H1: decided false without the ratio if the first evaluation is not PD.
    x = HpdInputs("S", Scan(-3, 50.0), first=Scan(42, 52.0), recist_first="SD")
    decision = BY_ID["hpd.champiat2017"].decide(x, DEFAULT)
    assert decision.flag is False
    assert "no RECIST PD" in decision.reason and "no prebaseline scan" in decision.reason


def test_ttf_ongoing_follow_up_decides() -> None:
    # spec 2.1: ongoing treatment, follow-up beyond 60 days -> "TTF < 2 months" false; else not evaluable.
    base = dict(baseline=Scan(-3, 50.0), first=Scan(42, 80.0), recist_first="PD")
    long_follow_up = HpdInputs("A", last_contact_day=61, **base)
    short_follow_up = HpdInputs("B", last_contact_day=60, **base)
    assert BY_ID["hpd.matos2020"].decide(long_follow_up, DEFAULT).flag is False
    assert BY_ID["hpd.matos2020"].decide(short_follow_up, DEFAULT).flag is None


def test_ttf_boundary_60_vs_61_days() -> None:
    # spec 0.1: "< 2 months" is day <= 60 with integer days (2 months = 60.875 days).
    base = dict(baseline=Scan(-3, 50.0), first=Scan(42, 80.0), recist_first="PD")
    assert BY_ID["hpd.matos2020"].decide(HpdInputs("A", treatment_end_day=60, **base), DEFAULT).flag is True
    assert BY_ID["hpd.matos2020"].decide(HpdInputs("B", treatment_end_day=61, **base), DEFAULT).flag is False


def test_kas_target_progression_boundary() -> None:
    # spec H9: pct_1 >= 20 % and abs_1 >= 5 mm; 25 -> 30 mm (+20 %, +5 mm) meets it exactly.
    ref, base = Scan(-60, 24.0), Scan(-2, 25.0)
    exact = HpdInputs("A", base, prebaseline=ref, first=Scan(14, 30.0))
    below_ = HpdInputs("B", base, prebaseline=ref, first=Scan(14, 29.9))
    assert "target-lesion progression (+20.00 %" in BY_ID["hpd.kas2020"].decide(exact, DEFAULT).reason
    assert BY_ID["hpd.kas2020"].decide(below_, DEFAULT).flag is False


def test_kim2019_is_disabled_and_never_decides() -> None:
    kim = BY_ID["hpd.kim2019"]
    assert kim.default is False
    assert kim.decide(HP["HP-5"], DEFAULT).flag is None


@pytest.mark.parametrize("metric", ["relative", "absolute", "tgr"])
def test_HP5_kato_pace_metric_options(metric: str) -> None:
    # spec 2.1: pace ratio 8.296 (relative), TGK ratio 9.126 (absolute), TGR ratio 10.821: all > 2 for HP-5.
    decision = BY_ID["hpd.kato2017"].decide(HP["HP-5"], PatternOptions(kato_pace_metric=metric))
    assert decision.flag is True
    expected = {"relative": 8.296, "absolute": 9.126, "tgr": 10.821}[metric]
    assert decision.values["pace_ratio"] == pytest.approx(expected, abs=0.001)


def test_short_reference_interval_is_computed_with_warning() -> None:
    # spec 2.2: interval < 28 days computed, evidence carries short_interval_warning.
    x = HpdInputs("S", Scan(-3, 44.0), prebaseline=Scan(-20, 40.0), first=Scan(49, 62.0), recist_first="PD")
    decision = BY_ID["hpd.champiat2017"].decide(x, DEFAULT)
    assert decision.flag is not None
    assert any("short_interval_warning" in w for w in decision.evidence["warnings"])
