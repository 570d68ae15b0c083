"""Pattern definitions of spec/patterns.md on small histories computed by hand.

Every history goes through the public API as a user would: ``ioresponse.load`` of a lesion table (and
patient / PET tables), ``ioresponse.run`` for the criteria, then ``ioresponse.patterns.find_patterns``.
Each expected number is worked out from the formulas of spec/patterns.md (sections 0-4); the arithmetic
is written beside it. Constants: months(d) = d / 30.4375 (spec 0.1); thresholds use the 1e-9 tolerance
of spec 0.4, so a value built to sit exactly on a threshold (a float within 1e-13 of it) is "on" it.
Sums are in mm, days count from the first dose (day 0).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import ioresponse
from ioresponse.patterns import find_patterns

COLUMNS = ["patient_id", "day", "lesion_id", "role", "organ", "lymph_node", "long_axis_mm", "status"]
MONTH = 30.4375  # days per month (spec 0.1)


def lesion(patient: str, day: int, lesion_id: str, size: float | None, role: str = "target",
           organ: str = "lung", status: str = "present") -> tuple:
    return (patient, day, lesion_id, role, organ, False, np.nan if size is None else size, status)


def track(patient: str, scans: list[tuple[int, float]], lesion_id: str = "A", organ: str = "lung") -> list:
    """One target lesion measured on each (day, mm) scan: its size is the target sum."""
    return [lesion(patient, day, lesion_id, size, organ=organ) for day, size in scans]


def new(patient: str, day: int, lesion_id: str, organ: str, size: float = 12.0) -> tuple:
    return lesion(patient, day, lesion_id, size, role="new", organ=organ)


def patterns(rows: list, criteria: list[str], definitions: list[str], *, patients: pd.DataFrame | None = None,
             pet: pd.DataFrame | None = None, visits: pd.DataFrame | None = None, **options: object) -> dict:
    """{(patient, definition, episode): row} of the patterns table (episode 0 when there is none)."""
    study = ioresponse.load(pd.DataFrame(rows, columns=COLUMNS), patients=patients, pet=pet)
    result = ioresponse.run(study, criteria, patterns=False)
    table = find_patterns(study, result.timepoints, result.best_response, definitions=definitions,
                          visits=visits, **options)
    out = {}
    for row in table.to_dict("records"):
        episode = 0 if pd.isna(row["episode"]) else int(row["episode"])
        out[(row["patient_id"], row["definition"], episode)] = row | {"values": json.loads(row["values"])}
    return out


def flags_of(table: dict, definition: str) -> dict[str, str]:
    return {p: row["flag"] for (p, d, _), row in table.items() if d == definition}


# =====================================================================================================
# 2. Hyperprogression: one study, every definition (spec 2.1-2.4, 11)
# =====================================================================================================
HPD = ["hpd.champiat2017", "hpd.kanjanapan2019", "hpd.petrioli2020", "hpd.saada_bouzid2017", "hpd.kato2017",
       "hpd.ferrara2018", "hpd.lo_russo2019", "hpd.matos2020", "hpd.kas2020"]

M28, M56 = 28 / MONTH, 56 / MONTH  # 0.919918 and 1.839836 months

HPD_ROWS = [
    # R1: two targets, 25+15 = 40 (day -58), 28+18 = 46 (day -2), 36+23.3 = 59.3 (day 54); 56-day intervals.
    *track("R1", [(-58, 25), (-2, 28), (54, 36)]),
    *track("R1", [(-58, 15), (-2, 18), (54, 23.3)], "B", "liver"),
    # R2: as R1 with B = 23.2 on day 54: sum 59.2.
    *track("R2", [(-58, 25), (-2, 28), (54, 36)]),
    *track("R2", [(-58, 15), (-2, 18), (54, 23.2)], "B", "liver"),
    *track("P", [(-58, 40), (-2, 42), (54, 48)]),  # +14.29 % at first evaluation: not RECIST PD
    *track("Z", [(-58, 50), (-2, 50), (54, 65)]),  # flat before treatment: TGR_ref = TGK_ref = 0
    *track("F1", [(-58, 40), (-2, 45), (54, 62.6)]),
    *track("F2", [(-58, 40), (-2, 45), (54, 62.5)]),
    *track("K1", [(-58, 40), (-2, 45), (54, 73.3)]),
    *track("K2", [(-58, 40), (-2, 45), (54, 73.2)]),
    # KS: flat reference over 28 days, target +7 mm (+16.67 %) plus a new liver lesion: RECIST PD by the new
    # lesion only.
    *track("KS", [(-30, 42), (-2, 42), (26, 49)]), new("KS", 26, "U1", "liver"),
    # X2: built so that TGR_ref = 100 %/month and TGR_exp = 200 %/month exactly (28-day intervals):
    # S_0 = 20 * 2^(m/3), S_1 = S_0 * 3^(m/3), m = 28 / 30.4375 -> S_0 = 24.7365, S_1 = 34.6451 (+40.06 %).
    *track("X2", [(-30, 20), (-2, 20 * 2 ** (M28 / 3)), (26, 20 * 2 ** (M28 / 3) * 3 ** (M28 / 3))]),
    # XF / XK: flat reference (50 -> 50) and S_1 = 50 * 1.5^(m/3) / 50 * 2^(m/3), m = 56 / 30.4375:
    # TGR_exp = 100 * (1.5 - 1) = 50 and 100 * (2 - 1) = 100 %/month exactly; S_1 = 64.1155 / 76.4866.
    *track("XF", [(-58, 50), (-2, 50), (54, 50 * 1.5 ** (M56 / 3))]),
    *track("XK", [(-58, 50), (-2, 50), (54, 50 * 2 ** (M56 / 3))]),
    # G1 / G2: 49-day reference (+7 mm), 42-day experimental interval (+12 mm / +11.9 mm).
    *track("G1", [(-51, 40), (-2, 47), (40, 59)]),
    *track("G2", [(-51, 40), (-2, 47), (40, 58.9)]),
    # Kato: 60-day reference interval.
    *track("KA1", [(-62, 40), (-2, 60), (34, 96)]),
    *track("KA2", [(-62, 40), (-2, 60), (33, 96)]),
    *track("KB1", [(-62, 40), (-2, 44), (40, 66)]),
    *track("KB2", [(-62, 40), (-2, 44), (40, 66.2)]),
    *track("KC", [(-62, 40), (-2, 44), (40, 66.2)]),
    *track("KD", [(-2, 44), (40, 66.2)]),  # no prebaseline scan
    *track("KE1", [(-62, 40), (-2, 44), (40, 66.2)]),
    *track("KE2", [(-62, 40), (-2, 44), (40, 66.2)]),
    *track("NF", [(-58, 40), (-2, 46)]),  # no assessment after day 0
    *track("NS", [(-2, 50), (42, 55)]),  # no prebaseline, +10 % at first evaluation: RECIST SD
]
# Lo Russo 2019 (no prebaseline): targets A lung 30 + B liver 20 = 50 on day -2; first evaluation day 42.
LO_RUSSO = {  # patient: (A, B on day 42, new lesions (id, organ))
    "LR1": (45, 30, [("U1", "lung"), ("U2", "lung")]),
    "LR2": (45, 30, [("U1", "lung"), ("U2", "lung")]),
    "LR3": (45, 30, [("U1", "lung"), ("U2", "lung")]),
    "LR4": (45, 30, [("U1", "lung"), ("U2", "lung")]),
    "LR5": (44.9, 30, [("U1", "lung"), ("U2", "lung")]),
    "LR6": (45, 30, [("U1", "lung"), ("U2", "lung")]),
    "LR7": (44.9, 30, [("U1", "lung"), ("U3", "bone")]),
    "LR8": (44.9, 30, [("U1", "lung"), ("U2", "lung"), ("U3", "bone")]),
    "LR9": (45, 30, [("U1", "lung"), ("U2", "lung")]),
    "LR10": (45, 30, [("U1", "bone"), ("U2", "bone")]),  # bone involved at baseline by a non-target lesion
    "LR11": (45, 30, [("U1", "lung"), ("U2", "lung")]),  # ECOG 1 on day 28, no baseline ECOG
    "LR12": (45, 30, [("U1", "lung"), ("U2", "lung")]),  # ECOG 3 on day 28, no baseline ECOG
}
for _p, (_a, _b, _new) in LO_RUSSO.items():
    HPD_ROWS += track(_p, [(-2, 30), (42, _a)]) + track(_p, [(-2, 20), (42, _b)], "B", "liver")
    HPD_ROWS += [new(_p, 42, i, o) for i, o in _new]
HPD_ROWS += [lesion("LR10", d, "N1", None, "non_target", "bone") for d in (-2, 42)]
# Matos 2020 (no prebaseline): one target 50 mm on day -2, first evaluation day 42.
HPD_ROWS += [
    *track("M1", [(-2, 50), (42, 70)]),
    *track("M2", [(-2, 50), (42, 69.9)]),
    *track("M3", [(-2, 50), (42, 60)]), new("M3", 42, "U1", "bone"), new("M3", 42, "U2", "adrenal"),
    *track("M4", [(-2, 50), (42, 60)]), new("M4", 42, "U1", "bone"), new("M4", 42, "U2", "bone", 14),
    *track("M5", [(-2, 50), (42, 59.9)]), new("M5", 42, "U1", "bone"), new("M5", 42, "U2", "adrenal"),
    *track("M6", [(-2, 50), (42, 72)]),
]
TTF = {  # treatment_end_day (TTF, spec 2.1); missing: treatment ongoing
    **dict.fromkeys(["R1", "R2", "P", "Z", "F1", "F2", "K1", "K2", "KS", "X2", "XF", "XK", "G1", "G2"], 90),
    "KA1": 50, "KA2": 50, "KB1": 50, "KB2": 60, "KC": 61, "KD": 50, "NF": 30, "NS": 90,
    "LR1": 70, "LR2": 60, "LR3": 70, "LR4": 70, "LR5": 60, "LR6": 70, "LR7": 60, "LR8": 60, "LR9": 70,
    "LR10": 70, "LR11": 70, "LR12": 70,
    "M1": 45, "M2": 45, "M3": 45, "M4": 45, "M5": 45,
}
LAST_CONTACT = {"KE1": 60, "KE2": 61, "M6": 50}
ECOG = {  # Lo Russo criterion 5 (visits table): (day, ECOG); baseline = latest visit on or before day 0
    "LR1": [(0, 1), (28, 1)], "LR2": [(0, 1), (28, 1)], "LR3": [(0, 1), (60, 2)],
    "LR4": [(0, 1), (28, 1), (61, 2)], "LR5": [(0, 1), (28, 1)], "LR7": [(0, 1), (28, 1)],
    "LR8": [(0, 1), (28, 1)], "LR9": [(0, 2), (30, 2)], "LR10": [(0, 1), (28, 1)],
    "LR11": [(28, 1)], "LR12": [(28, 3)],
}


@pytest.fixture(scope="module")
def hpd() -> dict:
    ids = sorted({r[0] for r in HPD_ROWS})
    patients = pd.DataFrame({
        "patient_id": ids,
        "treatment_end_day": [TTF.get(p, np.nan) for p in ids],
        "last_contact_day": [LAST_CONTACT.get(p, np.nan) for p in ids],
    })
    visits = pd.DataFrame([(p, d, e) for p, scores in ECOG.items() for d, e in scores],
                          columns=["patient_id", "day", "ecog"])
    return patterns(HPD_ROWS, ["recist11"], HPD, patients=patients, visits=visits)


def hpd_row(table: dict, patient: str, definition: str) -> dict:
    return table[(patient, definition, 0)]


# --- H1 Champiat, H2 Kanjanapan (PD and TGR ratio >= 2), H3 Petrioli (TGR ratio >= 2) ---------------------

def test_tgr_ratio_just_above_two(hpd: dict) -> None:
    values = hpd_row(hpd, "R1", "hpd.champiat2017")["values"]
    assert (values["S_pre"], values["S_0"], values["S_1"]) == (40.0, 46.0, pytest.approx(59.3))
    # TGR_ref = 100*(exp(3*ln(46/40)/(56/30.4375)) - 1) = 100*(exp(3*0.139762/1.839836) - 1)
    #         = 100*(exp(0.227893) - 1) = 25.60 %/month
    assert values["TGR_ref"] == pytest.approx(25.60, abs=0.006)
    # TGR_exp = 100*(exp(3*ln(59.3/46)/1.839836) - 1) = 100*(exp(3*0.253968/1.839836) - 1)
    #         = 100*(exp(0.414115) - 1) = 51.30 %/month
    assert values["TGR_exp"] == pytest.approx(51.30, abs=0.006)
    # ratio = 51.3031 / 25.5951 = 2.004 >= 2; RECIST PD: 59.3 vs 46 = +28.91 % and +13.3 mm
    assert values["TGR_ratio"] == pytest.approx(2.004, abs=0.0006)
    assert values["pct_1"] == pytest.approx(28.91, abs=0.006)
    for definition in ("hpd.champiat2017", "hpd.kanjanapan2019", "hpd.petrioli2020"):
        assert hpd_row(hpd, "R1", definition)["flag"] == "true", definition


def test_tgr_ratio_just_below_two(hpd: dict) -> None:
    # TGR_exp = 100*(exp(3*ln(59.2/46)/1.839836) - 1) = 100*(exp(3*0.252280/1.839836) - 1)
    #         = 100*(exp(0.411363) - 1) = 50.89;
    # ratio = 50.8873 / 25.5951 = 1.988 < 2 (still RECIST PD, +28.70 %)
    values = hpd_row(hpd, "R2", "hpd.petrioli2020")["values"]
    assert values["TGR_exp"] == pytest.approx(50.89, abs=0.006)
    assert values["TGR_ratio"] == pytest.approx(1.988, abs=0.0006)
    for definition in ("hpd.champiat2017", "hpd.kanjanapan2019", "hpd.petrioli2020"):
        assert hpd_row(hpd, "R2", definition)["flag"] == "false", definition


def test_tgr_ratio_exactly_two_meets_non_strict_threshold(hpd: dict) -> None:
    # X2: (S_0/S_pre)^(3/m) = 2 and (S_1/S_0)^(3/m) = 3 ->
    #     TGR_ref = 100*(2-1) = 100, TGR_exp = 100*(3-1) = 200, ratio 200/100 = 2
    #     (spec 0.4: ">= 2" tested as >= 2 - 1e-9). RECIST PD: 34.6451/24.7365 = +40.06 %, +9.9 mm.
    values = hpd_row(hpd, "X2", "hpd.champiat2017")["values"]
    assert values["TGR_ref"] == pytest.approx(100.0, abs=0.006)
    assert values["TGR_exp"] == pytest.approx(200.0, abs=0.006)
    assert values["TGR_ratio"] == pytest.approx(2.0, abs=0.0006)
    for definition in ("hpd.champiat2017", "hpd.kanjanapan2019", "hpd.petrioli2020"):
        assert hpd_row(hpd, "X2", definition)["flag"] == "true", definition


def test_petrioli_needs_no_recist_pd(hpd: dict) -> None:
    # P: TGR_ref = 100*(exp(3*ln(42/40)/1.839836) - 1) = 100*(exp(3*0.048790/1.839836) - 1) = 8.28;
    # TGR_exp = 100*(exp(3*ln(48/42)/1.839836) - 1) = 100*(exp(3*0.133531/1.839836) - 1) = 24.33;
    # ratio 24.3256 / 8.2807 = 2.938 >= 2. First evaluation 48 vs 42 = +14.29 %: RECIST SD, not PD.
    values = hpd_row(hpd, "P", "hpd.petrioli2020")["values"]
    assert values["TGR_ref"] == pytest.approx(8.28, abs=0.006)
    assert values["TGR_exp"] == pytest.approx(24.33, abs=0.006)
    assert values["TGR_ratio"] == pytest.approx(2.938, abs=0.0006)
    assert hpd_row(hpd, "P", "hpd.petrioli2020")["flag"] == "true"
    assert hpd_row(hpd, "P", "hpd.champiat2017")["flag"] == "false"  # PD fails: decided false
    assert hpd_row(hpd, "P", "hpd.kanjanapan2019")["flag"] == "false"


def test_zero_reference_growth_is_not_evaluable_for_ratios(hpd: dict) -> None:
    # Z: S_pre = S_0 = 50 -> TGR_ref = 100*(exp(3*ln(1)/m) - 1) = 0 <= 0 and TGK_ref = 0/m = 0 <= 0:
    # ratio definitions not evaluable (spec 2.2 default), although 65/50 = +30 % is RECIST PD.
    for definition in ("hpd.champiat2017", "hpd.kanjanapan2019", "hpd.petrioli2020", "hpd.saada_bouzid2017"):
        row = hpd_row(hpd, "Z", definition)
        assert row["flag"] == "not_evaluable", definition
    assert hpd_row(hpd, "Z", "hpd.champiat2017")["values"]["TGR_ref"] == pytest.approx(0.0, abs=1e-9)


def test_no_first_evaluation_is_not_evaluable_everywhere(hpd: dict) -> None:
    # NF: prebaseline and baseline only; TTF 30 days (< 2 months) is the only known part.
    # Kato: TTF true AND pct_1 unknown AND pace unknown -> NE; Lo Russo: PD unknown, 1 true + 4 unknown -> NE;
    # Matos: PD unknown AND size unknown AND TTF true -> NE; the others need S_1 -> NE.
    for definition in HPD:
        assert hpd_row(hpd, "NF", definition)["flag"] == "not_evaluable", definition


def test_no_prebaseline_decided_false_when_not_pd(hpd: dict) -> None:
    # NS: 50 -> 55 (+10 %, +5 mm): RECIST SD. Definitions with a PD (or size) condition are decided false
    # without the reference (spec 0.3 AND); those without one stay not evaluable.
    flags = {d: hpd_row(hpd, "NS", d)["flag"] for d in HPD}
    assert flags == {
        "hpd.champiat2017": "false", "hpd.kanjanapan2019": "false", "hpd.petrioli2020": "not_evaluable",
        "hpd.saada_bouzid2017": "not_evaluable",
        "hpd.kato2017": "false",  # +10 % not > 50 %
        "hpd.ferrara2018": "false", "hpd.lo_russo2019": "false", "hpd.matos2020": "false",
        "hpd.kas2020": "false",  # +10 % not >= 20 %
    }
    assert "no prebaseline scan" in hpd_row(hpd, "NS", "hpd.champiat2017")["reason"]


# --- H4 Saada-Bouzid (TGK ratio >= 2) -----------------------------------------------------------------------

def test_tgk_ratio_exactly_two(hpd: dict) -> None:
    # G1: TGK_ref = (47-40)/(49/30.4375) = 7/1.609856 = 4.3482 mm/month;
    #     TGK_exp = (59-47)/(42/30.4375) = 12/1.379877 = 8.6964 mm/month; ratio = (12/42)/(7/49) = 2 exactly.
    row = hpd_row(hpd, "G1", "hpd.saada_bouzid2017")
    assert row["values"]["TGK_ref"] == pytest.approx(4.3482, abs=0.0001)
    assert row["values"]["TGK_exp"] == pytest.approx(8.6964, abs=0.0001)
    assert row["values"]["TGK_ratio"] == pytest.approx(2.0, abs=0.0006)
    assert row["flag"] == "true"


def test_tgk_ratio_just_below_two(hpd: dict) -> None:
    # G2: TGK_exp = 11.9/1.379877 = 8.6240; ratio = (11.9/42)/(7/49) = 11.9*49/(7*42) = 1.983 < 2.
    row = hpd_row(hpd, "G2", "hpd.saada_bouzid2017")
    assert row["values"]["TGK_ratio"] == pytest.approx(1.983, abs=0.0006)
    assert row["flag"] == "false"


def test_tgk_ratio_on_the_tgr_patients(hpd: dict) -> None:
    # Same 56-day intervals, so TGK ratio = (S_1 - S_0)/(S_0 - S_pre):
    # R1 13.3/6 = 2.217, R2 13.2/6 = 2.200 (TGR ratio 1.988 fails, TGK ratio passes), P 6/2 = 3.000.
    for patient, ratio in (("R1", 2.217), ("R2", 2.2), ("P", 3.0)):
        row = hpd_row(hpd, patient, "hpd.saada_bouzid2017")
        assert row["values"]["TGK_ratio"] == pytest.approx(ratio, abs=0.0006), patient
        assert row["flag"] == "true", patient
    assert hpd_row(hpd, "NF", "hpd.saada_bouzid2017")["flag"] == "not_evaluable"


# --- H5 Kato (TTF < 2 months AND pct_1 > 50 % AND pace ratio > 2, all strict) -------------------------------

def test_kato_pace_ratio_exactly_two_is_not_above(hpd: dict) -> None:
    # KA1: pace_ref = (60/40 - 1)/(60/30.4375) = 0.5/1.971253 = 0.253646 /month;
    #      pace_exp = (96/60 - 1)/(36/30.4375) = 0.6/1.182752 = 0.507292 /month; ratio = 0.6*60/(0.5*36) = 2.
    # TTF 50 <= 60 and pct_1 = 36/60 = +60 % > 50, but 2 is not > 2 -> false.
    row = hpd_row(hpd, "KA1", "hpd.kato2017")
    assert row["values"]["pace_ref"] == pytest.approx(0.25365, abs=0.00001)
    assert row["values"]["pace_exp"] == pytest.approx(0.50729, abs=0.00001)
    assert row["values"]["pace_ratio"] == pytest.approx(2.0, abs=0.0006)
    assert row["values"]["pct_1"] == pytest.approx(60.0, abs=0.006)
    assert row["flag"] == "false"


def test_kato_pace_ratio_just_above_two(hpd: dict) -> None:
    # KA2: first evaluation one day earlier (35-day interval): pace_exp = 0.6/(35/30.4375) = 0.521786;
    # ratio = 0.6*60/(0.5*35) = 2.057 > 2; TTF 50, +60 % -> true.
    row = hpd_row(hpd, "KA2", "hpd.kato2017")
    assert row["values"]["pace_ratio"] == pytest.approx(2.057, abs=0.0006)
    assert row["flag"] == "true"


def test_kato_fifty_percent_is_not_above(hpd: dict) -> None:
    # KB1: pct_1 = (66-44)/44 = 50.00 %, not > 50 -> false (pace ratio (22/44/42)/(4/40/60) = 7.143, TTF 50).
    row = hpd_row(hpd, "KB1", "hpd.kato2017")
    assert row["values"]["pct_1"] == pytest.approx(50.0, abs=0.006)
    assert row["values"]["pace_ratio"] == pytest.approx(7.143, abs=0.0006)
    assert row["flag"] == "false"


def test_kato_just_above_fifty_percent_with_ttf_60_days(hpd: dict) -> None:
    # KB2: pct_1 = 22.2/44 = 50.45 % > 50; pace_exp = 0.504545/(42/30.4375) = 0.365645,
    # pace_ref = 0.1/(60/30.4375) = 0.050729, ratio 7.208 > 2; TTF 60 days < 60.875 (spec 0.1: day <= 60).
    row = hpd_row(hpd, "KB2", "hpd.kato2017")
    assert row["values"]["pct_1"] == pytest.approx(50.45, abs=0.006)
    assert row["values"]["pace_ratio"] == pytest.approx(7.208, abs=0.0006)
    assert row["values"]["ttf_days"] == 60
    assert row["flag"] == "true"
    assert hpd_row(hpd, "KC", "hpd.kato2017")["flag"] == "false"  # same sums, TTF 61 days: not < 2 months


def test_kato_missing_parts(hpd: dict) -> None:
    # KD: no prebaseline; TTF 50 and +50.45 % are true, pace unknown -> not evaluable (spec H5).
    assert hpd_row(hpd, "KD", "hpd.kato2017")["flag"] == "not_evaluable"
    # KE1: treatment ongoing, last contact day 60 (not > 60 days of follow-up): TTF unknown -> not evaluable;
    # KE2: last contact day 61: TTF already >= 2 months -> false (spec 2.1).
    assert hpd_row(hpd, "KE1", "hpd.kato2017")["flag"] == "not_evaluable"
    assert hpd_row(hpd, "KE2", "hpd.kato2017")["flag"] == "false"


# --- H6 Ferrara (PD AND dTGR > 50, strict), H9 Kas (target PD AND dTGR > 100, strict) -----------------------

def test_ferrara_delta_tgr_around_fifty(hpd: dict) -> None:
    # TGR_ref(40 -> 45, 56 d) = 100*(exp(3*ln(1.125)/1.839836) - 1)
    #                         = 100*(exp(3*0.117783/1.839836) - 1) = 21.17
    # F1: TGR_exp = 100*(exp(3*ln(62.6/45)/1.839836) - 1) = 100*(exp(3*0.330103/1.839836) - 1) = 71.30;
    #     dTGR = 71.3022 - 21.1737 = 50.13 > 50 -> true
    # F2: TGR_exp = 100*(exp(3*ln(62.5/45)/1.839836) - 1) = 100*(exp(3*0.328504/1.839836) - 1) = 70.86;
    #     dTGR = 70.8562 - 21.1737 = 49.68 -> false. Both RECIST PD (+39.11 % / +38.89 %).
    f1, f2 = hpd_row(hpd, "F1", "hpd.ferrara2018"), hpd_row(hpd, "F2", "hpd.ferrara2018")
    assert f1["values"]["TGR_ref"] == pytest.approx(21.17, abs=0.006)
    assert f1["values"]["dTGR"] == pytest.approx(50.13, abs=0.006)
    assert f2["values"]["dTGR"] == pytest.approx(49.68, abs=0.006)
    assert (f1["flag"], f2["flag"]) == ("true", "false")


def test_ferrara_exactly_fifty_is_not_above(hpd: dict) -> None:
    # XF: TGR_ref = 0 (50 -> 50); TGR_exp = 100*((1.5^(m/3))^(3/m) - 1) = 50; dTGR = 50, not > 50 (strict).
    # XK: TGR_exp = 100*(2 - 1) = 100; dTGR = 100 > 50 -> Ferrara true; Kas: 100 not > 100 -> false.
    xf, xk = hpd_row(hpd, "XF", "hpd.ferrara2018"), hpd_row(hpd, "XK", "hpd.ferrara2018")
    assert xf["values"]["dTGR"] == pytest.approx(50.0, abs=0.006)
    assert xf["flag"] == "false"
    assert xk["values"]["dTGR"] == pytest.approx(100.0, abs=0.006)
    assert xk["flag"] == "true"
    assert hpd_row(hpd, "XK", "hpd.kas2020")["flag"] == "false"


def test_difference_definitions_decide_with_zero_reference(hpd: dict) -> None:
    # Z: TGR_ref = 0; TGR_exp = 100*(exp(3*ln(65/50)/1.839836) - 1) = 100*(exp(3*0.262364/1.839836) - 1)
    #    = 100*(exp(0.427806) - 1) = 53.39 = dTGR > 50 with RECIST PD -> Ferrara true;
    #    53.39 not > 100 -> Kas false.
    row = hpd_row(hpd, "Z", "hpd.ferrara2018")
    assert row["values"]["dTGR"] == pytest.approx(53.39, abs=0.006)
    assert row["flag"] == "true"
    assert hpd_row(hpd, "Z", "hpd.kas2020")["flag"] == "false"


def test_kas_delta_tgr_around_one_hundred(hpd: dict) -> None:
    # K1: TGR_exp = 100*(exp(3*ln(73.3/45)/1.839836) - 1) = 100*(exp(3*0.487898/1.839836) - 1) = 121.57;
    #     dTGR = 121.5675 - 21.1737 = 100.39 > 100; target +28.3 mm = +62.89 % -> true
    # K2: TGR_exp = 100*(exp(3*ln(73.2/45)/1.839836) - 1) = 121.07; dTGR = 121.0748 - 21.1737 = 99.90 -> false
    k1, k2 = hpd_row(hpd, "K1", "hpd.kas2020"), hpd_row(hpd, "K2", "hpd.kas2020")
    assert k1["values"]["dTGR"] == pytest.approx(100.39, abs=0.006)
    assert k2["values"]["dTGR"] == pytest.approx(99.90, abs=0.006)
    assert (k1["flag"], k2["flag"]) == ("true", "false")
    assert hpd_row(hpd, "K2", "hpd.ferrara2018")["flag"] == "true"  # 99.90 > 50


def test_kas_needs_target_progression_ferrara_any_recist_pd(hpd: dict) -> None:
    # KS: 28-day intervals, TGR_ref = 0 (42 -> 42); TGR_exp = 100*(exp(3*ln(49/42)/(28/30.4375)) - 1)
    #     = 100*(exp(3*0.154151/0.919918) - 1) = 100*(exp(0.502710) - 1) = 65.32 = dTGR.
    # RECIST PD by the new lesion -> Ferrara true (65.32 > 50). Target +7 mm = +16.67 % (not >= 20 %) -> Kas
    # false. TGR_ref = 0 -> Champiat not evaluable.
    row = hpd_row(hpd, "KS", "hpd.ferrara2018")
    assert row["values"]["dTGR"] == pytest.approx(65.32, abs=0.006)
    assert row["values"]["pct_1"] == pytest.approx(16.67, abs=0.006)
    assert row["flag"] == "true"
    assert hpd_row(hpd, "KS", "hpd.kas2020")["flag"] == "false"
    assert hpd_row(hpd, "KS", "hpd.champiat2017")["flag"] == "not_evaluable"


def test_difference_definitions_without_prebaseline(hpd: dict) -> None:
    # KD: RECIST PD (+50.45 %, +22.2 mm) but no reference scan: dTGR unknown -> not evaluable.
    assert hpd_row(hpd, "KD", "hpd.ferrara2018")["flag"] == "not_evaluable"
    assert hpd_row(hpd, "KD", "hpd.kas2020")["flag"] == "not_evaluable"


# --- H7 Lo Russo (PD AND >= 3 of 5) -------------------------------------------------------------------------
# c1 TTF < 2 months; c2 target sum >= +50 %; c3 >= 2 new lesions in an organ involved at baseline;
# c4 a new lesion in a new organ; c5 ECOG on days 1-60 >= 2 and above baseline. All histories are RECIST PD
# (new lesions). Baseline sum 30 + 20 = 50.

LO_RUSSO_EXPECTED = {
    # patient: (c1..c5, flag)
    "LR1": ((False, True, True, False, False), "false"),  # TTF 70; 75/50 = +50.00 %; 2 new lung; ECOG 1 -> 1
    "LR2": ((True, True, True, False, False), "true"),  # as LR1 with TTF 60: 3 of 5
    "LR3": ((False, True, True, False, True), "true"),  # ECOG 1 -> 2 on day 60 (inside days 1-60)
    "LR4": ((False, True, True, False, False), "false"),  # ECOG 2 only on day 61: outside the window
    "LR5": ((True, False, True, False, False), "false"),  # 74.9/50 = +49.80 % < 50
    "LR7": ((True, False, False, True, False), "false"),  # 1 new lung lesion only (needs >= 2); bone is new
    "LR8": ((True, False, True, True, False), "true"),  # 2 new lung + 1 bone
    "LR9": ((False, True, True, False, False), "false"),  # ECOG 2 -> 2: not above baseline
    "LR10": ((False, True, True, False, False), "false"),  # 2 new bone; bone has a baseline non-target
}


@pytest.mark.parametrize("patient", sorted(LO_RUSSO_EXPECTED))
def test_lo_russo_criteria(hpd: dict, patient: str) -> None:
    criteria, flag = LO_RUSSO_EXPECTED[patient]
    row = hpd_row(hpd, patient, "hpd.lo_russo2019")
    assert row["values"]["criteria"] == {f"c{i + 1}": c for i, c in enumerate(criteria)}
    assert row["values"]["criteria_met"] == sum(criteria)
    assert row["flag"] == flag


def test_lo_russo_exactly_fifty_percent(hpd: dict) -> None:
    # LR1: (45 + 30 - 50)/50 = 25/50 = +50.00 %, criterion 2 non-strict.
    assert hpd_row(hpd, "LR1", "hpd.lo_russo2019")["values"]["pct_1"] == pytest.approx(50.0, abs=0.006)


def test_lo_russo_without_ecog_is_not_evaluable(hpd: dict) -> None:
    # LR6: as LR1 (c1 false, c2 true, c3 true, c4 false) without ECOG visits: c5 unknown.
    # "at least 3 of 5": 2 true + 1 unknown = 3 could still be reached -> not evaluable (spec 0.3).
    row = hpd_row(hpd, "LR6", "hpd.lo_russo2019")
    assert row["values"]["criteria"]["c5"] is None
    assert row["flag"] == "not_evaluable"


def test_lo_russo_ecog_below_2_needs_no_baseline_ecog(hpd: dict) -> None:
    # c5 = "some ECOG in days 1-60 is >= 2 and greater than the baseline ECOG" (spec 2.3 H7): with ECOG 1 as
    # the worst on days 1-60 the first half is false, so c5 is false whatever the baseline (LR11); ECOG 3
    # without a baseline leaves the second half unknown (LR12). Both as LR1 otherwise (c2, c3 true).
    lr11 = hpd_row(hpd, "LR11", "hpd.lo_russo2019")
    assert (lr11["values"]["criteria"]["c5"], lr11["flag"]) == (False, "false")  # 2 of 5, nothing unknown
    lr12 = hpd_row(hpd, "LR12", "hpd.lo_russo2019")
    assert (lr12["values"]["criteria"]["c5"], lr12["flag"]) == (None, "not_evaluable")  # 2 + 1 unknown


# --- H8 Matos (PD AND (>= 40 % OR (>= 20 % AND new lesions in >= 2 organs)) AND TTF < 2 months) -------------

@pytest.mark.parametrize(
    ("patient", "pct", "flag"),
    [
        ("M1", 40.0, "true"),  # (70-50)/50 = +40.00 % >= 40 (non-strict); TTF 45
        ("M2", 39.8, "false"),  # (69.9-50)/50 = +39.80 %, no new lesion
        ("M3", 20.0, "true"),  # (60-50)/50 = +20.00 % and new lesions in bone and adrenal (2 organs)
        ("M4", 20.0, "false"),  # +20.00 % but both new lesions in bone (1 organ)
        ("M5", 19.8, "false"),  # (59.9-50)/50 = +19.80 %: RECIST PD by new lesions, size condition fails
        ("M6", 44.0, "not_evaluable"),  # (72-50)/50 = +44 %; ongoing, last contact day 50: TTF unknown
    ],
)
def test_matos(hpd: dict, patient: str, pct: float, flag: str) -> None:
    row = hpd_row(hpd, patient, "hpd.matos2020")
    assert row["values"]["pct_1"] == pytest.approx(pct, abs=0.006)
    assert row["flag"] == flag


@pytest.mark.parametrize("option", ["literal", "hpd_if_exp_positive"])
def test_zero_reference_growth_with_nonpositive_reference_options(option: str) -> None:
    # Z: TGR_ref = TGK_ref = 0, TGR_exp = 53.39 > 0, TGK_exp = 15/1.839836 = 8.15 > 0, RECIST PD.
    # "literal": 53.39 / 0 = +inf >= 2 -> true; "hpd_if_exp_positive": flat before, growing during -> true.
    rows = [r for r in HPD_ROWS if r[0] == "Z"]
    table = patterns(rows, ["recist11"], ["hpd.champiat2017", "hpd.saada_bouzid2017"],
                     nonpositive_reference=option)
    assert flags_of(table, "hpd.champiat2017") == {"Z": "true"}
    assert flags_of(table, "hpd.saada_bouzid2017") == {"Z": "true"}


@pytest.mark.parametrize(("limit", "flag"), [(56, "true"), (55, "not_evaluable")])
def test_prebaseline_window_boundary(limit: int, flag: str) -> None:
    # R1: prebaseline day -58 is 56 days before baseline day -2: kept with a 56-day window, refused with 55.
    rows = [r for r in HPD_ROWS if r[0] == "R1"]
    table = patterns(rows, ["recist11"], ["hpd.champiat2017"], prebaseline_max_days_before_baseline=limit)
    assert flags_of(table, "hpd.champiat2017") == {"R1": flag}


# --- dates instead of days (spec 0.1), prebaseline choice (spec 0.2), S_1 = 0 (spec 2.2) --------------------
# treatment_start 2020-01-01 (day 0); 2019-12-30 = day -2; 2019-11-04 = day -58; 2019-10-03 = day -90;
# 2019-11-22 = day -40; 2020-02-12 = day 42; 2020-02-24 = day 54; 2020-03-01 = day 60 (2020 is a leap year:
# 31 + 29 days); 2020-03-02 = day 61; 2020-03-11 = day 70; 2020-03-31 = day 90.
DATED_COLUMNS = ["patient_id", "date", "lesion_id", "role", "organ", "lymph_node", "long_axis_mm",
                 "short_axis_mm", "status", "timepoint_label"]


def dated(patient: str, date: str, lesion_id: str, size: float | None, role: str = "target",
          organ: str = "lung", status: str = "present", node: bool = False, label: str = "") -> tuple:
    value = np.nan if size is None else size
    return (patient, date, lesion_id, role, organ, node, np.nan if node else value, value if node else np.nan,
            status, label)


DATED_ROWS = [
    dated("DT1", "2019-12-30", "A", 50), dated("DT1", "2020-02-12", "A", 70),
    dated("DT2", "2019-12-30", "A", 50), dated("DT2", "2020-02-12", "A", 70),
    # LB: two earlier scans; the older one carries timepoint_label = prebaseline and wins over the latest.
    dated("LB", "2019-10-03", "A", 40, label="prebaseline"), dated("LB", "2019-11-22", "A", 44),
    dated("LB", "2019-12-30", "A", 46), dated("LB", "2020-02-24", "A", 59.3),
    # AB: target B absent on the prebaseline scan (contributes 0 mm, spec 0.2).
    dated("AB", "2019-11-04", "A", 36), dated("AB", "2019-11-04", "B", None, organ="liver", status="absent"),
    dated("AB", "2019-12-30", "A", 38), dated("AB", "2019-12-30", "B", 10, organ="liver"),
    dated("AB", "2020-02-24", "A", 45), dated("AB", "2020-02-24", "B", 15, organ="liver"),
    # CR: every target gone at the first evaluation.
    dated("CR", "2019-11-04", "A", 40), dated("CR", "2019-12-30", "A", 46),
    dated("CR", "2020-02-24", "A", None, status="absent"),
    # PT: reference scan given in the patient table only (prebaseline_date 2019-11-04, 40 mm).
    dated("PT", "2019-12-30", "A", 46), dated("PT", "2020-02-24", "A", 59.3),
    # LN: lung 30 + mediastinal node 20 (short axis); day 42: 45 + 30 = 75 and two new axillary nodes.
    dated("LN", "2019-12-30", "A", 30), dated("LN", "2019-12-30", "N", 20, organ="mediastinum", node=True),
    dated("LN", "2020-02-12", "A", 45), dated("LN", "2020-02-12", "N", 30, organ="mediastinum", node=True),
    dated("LN", "2020-02-12", "U1", 16, role="new", organ="axilla", node=True),
    dated("LN", "2020-02-12", "U2", 17, role="new", organ="axilla", node=True),
]
DATED_PATIENTS = pd.DataFrame({
    "patient_id": ["DT1", "DT2", "LB", "AB", "CR", "PT", "LN"],
    "treatment_start": ["2020-01-01"] * 7,
    "treatment_end": ["2020-03-01", "2020-03-02", "2020-03-31", "2020-03-31", "2020-03-31", "2020-03-31",
                      "2020-03-11"],
    "prebaseline_date": ["", "", "", "", "", "2019-11-04", ""],
    "prebaseline_sum_mm": [np.nan, np.nan, np.nan, np.nan, np.nan, 40.0, np.nan],
})
DATED_VISITS = pd.DataFrame({"patient_id": ["LN", "LN"], "day": [0, 30], "ecog": [1, 1]})


def dated_patterns(**options: object) -> dict:
    study = ioresponse.load(pd.DataFrame(DATED_ROWS, columns=DATED_COLUMNS), patients=DATED_PATIENTS)
    result = ioresponse.run(study, ["recist11"], patterns=False)
    table = find_patterns(study, result.timepoints, result.best_response, definitions=HPD,
                          visits=DATED_VISITS, **options)
    return {(r["patient_id"], r["definition"]): r | {"values": json.loads(r["values"])}
            for r in table.to_dict("records")}


@pytest.fixture(scope="module")
def hpd_dated() -> dict:
    return dated_patterns()


def test_ttf_from_dates(hpd_dated: dict) -> None:
    # DT1 / DT2: 50 -> 70 (+40.00 %); TTF 2020-01-01 -> 2020-03-01 = 60 days (< 60.875),
    # 2020-01-01 -> 2020-03-02 = 61 days.
    assert hpd_dated[("DT1", "hpd.matos2020")]["flag"] == "true"
    assert hpd_dated[("DT2", "hpd.matos2020")]["flag"] == "false"
    assert hpd_dated[("DT1", "hpd.lo_russo2019")]["values"]["criteria"]["c1"] is True
    assert hpd_dated[("DT2", "hpd.lo_russo2019")]["values"]["criteria"]["c1"] is False


def test_labelled_prebaseline_wins(hpd_dated: dict) -> None:
    # LB: reference = labelled day -90 (40 mm), not day -40 (44 mm): interval 88 days = 2.891170 months;
    # TGR_ref = 100*(exp(3*ln(46/40)/2.891170) - 1) = 100*(exp(3*0.139762/2.891170) - 1) = 100*(exp(0.145022)
    # - 1)
    # = 15.61; TGR_exp = 51.30 (as R1) -> ratio 51.3031 / 15.6076 = 3.287; TGK_ref = 6/2.891170 = 2.0753.
    values = hpd_dated[("LB", "hpd.champiat2017")]["values"]
    assert (values["t_pre"], values["S_pre"]) == (-90, 40.0)
    assert values["TGR_ref"] == pytest.approx(15.61, abs=0.006)
    assert values["TGR_ratio"] == pytest.approx(3.287, abs=0.0006)
    assert values["TGK_ref"] == pytest.approx(2.0753, abs=0.0001)


def test_absent_target_on_prebaseline_counts_zero(hpd_dated: dict) -> None:
    # AB: S_pre = 36 + 0 = 36 (day -58), S_0 = 38 + 10 = 48, S_1 = 45 + 15 = 60 (day 54).
    # TGR_ref = 100*(exp(3*ln(48/36)/1.839836) - 1) = 100*(exp(3*0.287682/1.839836) - 1) =
    # 100*(exp(0.469088)-1)
    #         = 59.85; TGR_exp = 100*(exp(3*ln(60/48)/1.839836) - 1) = 100*(exp(0.363852) - 1) = 43.89;
    # ratio 43.8887 / 59.8540 = 0.733 -> false; TGK_ref = TGK_exp = 12/1.839836 = 6.5223 -> TGK ratio 1.000.
    row = hpd_dated[("AB", "hpd.champiat2017")]
    assert (row["values"]["S_pre"], row["values"]["S_0"], row["values"]["S_1"]) == (36.0, 48.0, 60.0)
    assert row["values"]["TGR_ref"] == pytest.approx(59.85, abs=0.006)
    assert row["values"]["TGR_exp"] == pytest.approx(43.89, abs=0.006)
    assert row["values"]["TGR_ratio"] == pytest.approx(0.733, abs=0.0006)
    assert row["flag"] == "false"
    assert hpd_dated[("AB", "hpd.saada_bouzid2017")]["values"]["TGK_ratio"] == pytest.approx(1.0, abs=0.0006)


def test_all_targets_gone_gives_minus_100(hpd_dated: dict) -> None:
    # CR: S_1 = 0 -> TGR_exp = -100 %/month (spec 2.2 limit); TGK_exp = -46/1.839836 = -25.0022 mm/month;
    # Petrioli ratio -100/25.5951 = -3.907 < 2; Saada-Bouzid -25.0022/3.2612 = -7.667 < 2 -> both false.
    row = hpd_dated[("CR", "hpd.petrioli2020")]
    assert row["values"]["TGR_exp"] == pytest.approx(-100.0, abs=0.006)
    assert row["values"]["TGK_exp"] == pytest.approx(-25.0022, abs=0.0001)
    assert row["values"]["TGR_ratio"] == pytest.approx(-3.907, abs=0.0006)
    assert row["flag"] == "false"
    assert hpd_dated[("CR", "hpd.saada_bouzid2017")]["flag"] == "false"


def test_patient_table_reference_by_date(hpd_dated: dict) -> None:
    # PT: prebaseline_date 2019-11-04 (day -58), prebaseline_sum_mm 40: same sums and days as R1
    # -> ratio 2.004.
    row = hpd_dated[("PT", "hpd.champiat2017")]
    assert (row["values"]["t_pre"], row["values"]["S_pre"]) == (-58, 40.0)
    assert row["values"]["TGR_ratio"] == pytest.approx(2.004, abs=0.0006)
    assert row["flag"] == "true"


def test_lymph_node_stations_are_one_organ(hpd_dated: dict) -> None:
    # LN: new axillary nodes while a mediastinal node was involved at baseline: one organ "lymph_node" ->
    # c3 (>= 2 new lesions in an involved organ) true, c4 (new organ) false; c2 75/50 = +50 % true;
    # c1 TTF 70 false; c5 ECOG 1 -> 1 false: 2 of 5 -> false.
    row = hpd_dated[("LN", "hpd.lo_russo2019")]
    assert row["values"]["criteria"] == {"c1": False, "c2": True, "c3": True, "c4": False, "c5": False}
    assert row["flag"] == "false"
    # split_lymph_node_regions: axilla (lymph_node_other) is not the mediastinal station -> c3 false, c4 true.
    split = dated_patterns(split_lymph_node_regions=True)[("LN", "hpd.lo_russo2019")]
    assert split["values"]["criteria"] == {"c1": False, "c2": True, "c3": False, "c4": True, "c5": False}



# =====================================================================================================
# 1. Pseudoprogression (spec 1.3, 1.4)
# =====================================================================================================
PSP_ROWS = [
    *track("PP1", [(-3, 60), (42, 52), (84, 64), (126, 50)]),
    *track("PP2", [(-3, 60), (42, 52), (85, 64), (127, 50)]),
    *track("PP3", [(-3, 60), (56, 74), (98, 80)]),
    *track("PP4", [(-3, 60), (56, 74), (98, 55)]),
    *track("PP9", [(-3, 60), (56, 74), (98, 80)]),
    *track("PP5", [(-3, 60), (56, 74), (98, 55)]),
    *track("PP6", [(-3, 60), (56, 74), (98, 76), (140, 58)]),
    *track("PP7", [(-3, 60), (56, 74), (98, 76)]),
    *track("PP8", [(-3, 60), (56, 74), (98, 58), (140, 72), (182, 82)]),
    *track("HO1", [(-3, 48), (42, 40), (84, 50), (126, 49.9)]),
    *track("HO2", [(-3, 48), (56, 62), (112, 60)]),
    *track("HO3", [(-3, 48), (56, 59.9), (112, 40)]),
    *track("RN1", [(-3, 50), (56, 42), (112, 52), (168, 50.4), (224, 50.3)]),
    *track("RN2", [(-3, 50), (56, 50), (112, 45), (168, 44)]),
    new("RN2", 56, "U1", "bone"), new("RN2", 112, "U1", "bone"),
    lesion("RN2", 168, "U1", None, "new", "bone", "absent"),
    *track("RN3", [(-3, 50), (56, 34), (112, 41), (168, 35.1), (224, 35.0)]),
    *track("IM1", [(-3, 60), (56, 74), (112, 58)]),
    *track("IM2", [(-3, 60), (56, 74), (112, 73)]),
    *track("IM3", [(-3, 60), (56, 74), (70, 76), (112, 58)]),
]
PSP = ["pseudoprogression.irecist", "pseudoprogression.irrc_hodi2016", "pseudoprogression.recist_then_nonpd",
       "pseudoprogression.imrecist"]


@pytest.fixture(scope="module")
def psp() -> dict:
    patients = pd.DataFrame({"patient_id": ["PP4", "PP5", "PP9"], "new_therapy_start_day": [98, 99, 98]})
    return patterns(PSP_ROWS, ["recist11", "irecist", "irrecist", "imrecist"], PSP, patients=patients,
                    hodi_criterion="irrecist")


@pytest.fixture(scope="module")
def psp_pr() -> dict:
    """recist_then_nonpd with min_subsequent_response = "PR" (Park 2020 family "PD followed by PR/CR")."""
    return patterns(PSP_ROWS, ["recist11"], ["pseudoprogression.recist_then_nonpd"],
                    min_subsequent_response="PR")


IRECIST = "pseudoprogression.irecist"


def test_irecist_early_at_day_84(psp: dict) -> None:
    # PP1: 60 (day -3) -> 52 (iSD, nadir 52) -> 64 on day 84: +12 mm, 12/52 = +23.08 % vs nadir: iUPD,
    # t_u = 84; day 126: 50 < nadir, -16.7 % vs baseline: iSD -> true, early (84 <= 84),
    # resolved after 126 - 84 = 42 days.
    row = psp[("PP1", IRECIST, 1)]
    assert row["flag"] == "true"
    values = row["values"]
    assert (values["t_u"], values["resolution_day"], values["days_to_resolution"]) == (84, 126, 42)
    assert values["timing"] == "early"
    assert values["response_at_resolution"] == "iSD"
    assert values["pct_change_nadir_at_progression"] == pytest.approx(23.08, abs=0.006)


def test_irecist_late_at_day_85(psp: dict) -> None:
    # PP2: same sums one day later: iUPD on day 85 > 84 -> late.
    row = psp[("PP2", IRECIST, 1)]
    assert (row["flag"], row["values"]["timing"], row["values"]["t_u"]) == ("true", "late", 85)


def test_irecist_confirmed_is_false(psp: dict) -> None:
    # PP3: iUPD day 56 (74 vs 60: +23.3 %, +14 mm); day 98: 80 - 74 = +6 mm >= 5 -> iCPD -> false.
    row = psp[("PP3", IRECIST, 1)]
    assert row["flag"] == "false"
    assert row["values"]["confirmation_day"] == 98


def test_new_therapy_on_the_resolving_day_is_not_evaluable(psp: dict) -> None:
    # PP4: iUPD day 56, new therapy day 98, iSD day 98 (55 vs 60): new_therapy_start <= date(T)
    # -> not evaluable (spec 1.4 step 2).
    row = psp[("PP4", IRECIST, 1)]
    assert row["flag"] == "not_evaluable"
    assert "new anticancer therapy started on day 98" in row["reason"]
    # PP5: new therapy day 99, after the iSD of day 98 -> true.
    assert psp[("PP5", IRECIST, 1)]["flag"] == "true"


def test_new_therapy_on_the_confirming_day_is_not_evaluable(psp: dict) -> None:
    # PP9: as PP3 (iCPD on day 98) with new therapy on day 98: the new-therapy stop comes first
    # (spec 1.4 step 2).
    row = psp[("PP9", IRECIST, 1)]
    assert row["flag"] == "not_evaluable"
    assert row["values"]["new_therapy_day"] == 98


def test_irecist_open_iupd_then_resolution(psp: dict) -> None:
    # PP6: iUPD day 56 (74); day 98: 76 (+2 mm < 5, still 76/60 = +26.7 % vs nadir): iUPD stays open;
    # day 140: 58 (-3.3 % vs nadir 60): iSD -> true, 140 - 56 = 84 days to resolution.
    row = psp[("PP6", IRECIST, 1)]
    assert row["flag"] == "true"
    assert (row["values"]["resolution_day"], row["values"]["days_to_resolution"]) == (140, 84)


def test_irecist_unconfirmed_at_last_assessment(psp: dict) -> None:
    # PP7: iUPD day 56, still iUPD day 98 (+2 mm): walk ends -> not evaluable,
    # "progression unconfirmed at last assessment (day 98)".
    row = psp[("PP7", IRECIST, 1)]
    assert row["flag"] == "not_evaluable"
    assert "progression unconfirmed at last assessment (day 98)" in row["reason"]


def test_irecist_second_episode(psp: dict) -> None:
    # PP8: episode 1 iUPD day 56 (74), reset by iSD day 98 (58) -> true, early; nadir becomes 58;
    # day 140: 72 vs 58 = +14 mm, +24.1 %: iUPD (episode 2, t_u 140, late);
    # day 182: 82 - 72 = +10 mm: iCPD -> false.
    assert psp[("PP8", IRECIST, 1)]["flag"] == "true"
    second = psp[("PP8", IRECIST, 2)]
    assert second["flag"] == "false"
    assert second["values"]["t_u"] == 140
    assert second["values"]["pct_change_nadir_at_progression"] == pytest.approx(24.14, abs=0.006)  # 14/58


HODI = "pseudoprogression.irrc_hodi2016"


def test_hodi_exactly_25_percent_over_nadir_then_just_below(psp: dict) -> None:
    # HO1 (irRECIST burden, no new lesions): nadir 40 (day 42); day 84: 50/40 = 1.25 >= 1.25 -> initial,
    # t_u 84; day 126: 49.9/40 = 1.2475 < 1.25 -> not confirmed -> true, early.
    row = psp[("HO1", HODI, 1)]
    assert row["flag"] == "true"
    assert row["values"]["pct_change_nadir_at_progression"] == pytest.approx(25.0, abs=0.006)
    values = row["values"]
    assert (values["t_u"], values["resolution_day"], values["timing"]) == (84, 126, "early")


def test_hodi_next_assessment_exactly_25_percent_confirms(psp: dict) -> None:
    # HO2: day 56: 62/48 = 1.2917 -> initial; day 112: 60/48 = 1.25, still >= +25 % vs nadir 48 -> false.
    row = psp[("HO2", HODI, 1)]
    assert row["flag"] == "false"
    assert row["values"]["confirmation_day"] == 112


def test_hodi_just_under_25_percent_starts_nothing(psp: dict) -> None:
    # HO3: 59.9/48 = 1.2479 < 1.25, then 40: no initial progression -> one false row.
    assert flags_of(psp, HODI)["HO3"] == "false"


RECIST_THEN = "pseudoprogression.recist_then_nonpd"


def test_recist_then_nonpd_pd_boundary_keeps_episode_open(psp: dict, psp_pr: dict) -> None:
    # RN1: nadir 42 (day 56); day 112: 52 (+10 mm, +23.8 %): RECIST PD, t_u 112. Day 168: 50.4 = 1.2 x 42 and
    # +8.4 mm: still PD -> continue. Day 224: 50.3 < 50.4 -> not PD -> true (SD family), late (112 > 84).
    row = psp[("RN1", RECIST_THEN, 1)]
    assert row["flag"] == "true"
    assert (row["values"]["resolution_day"], row["values"]["timing"]) == (224, "late")
    assert row["values"]["pct_change_nadir_at_progression"] == pytest.approx(23.81, abs=0.006)  # 10/42
    # PR family: 50.3 > 0.7 x 50 = 35 -> never resolved -> not evaluable at the last assessment.
    assert psp_pr[("RN1", RECIST_THEN, 1)]["flag"] == "not_evaluable"


def test_recist_then_nonpd_new_lesion_must_be_gone(psp: dict) -> None:
    # RN2: day 56 new bone lesion -> PD (t_u 56); day 112: 45 (not PD) but the new lesion is present -> open;
    # day 168: 44 and the new lesion absent -> true, early, resolution day 168.
    row = psp[("RN2", RECIST_THEN, 1)]
    assert row["flag"] == "true"
    assert (row["values"]["t_u"], row["values"]["resolution_day"]) == (56, 168)


def test_recist_then_nonpd_pr_family_boundary(psp: dict, psp_pr: dict) -> None:
    # RN3: PR day 56 (34), PD day 112 (41 vs 34: +7 mm, +20.6 %). SD family: day 168 (35.1) resolves.
    # PR family: 35.1 > 0.7 x 50 = 35 -> no; day 224: 35.0 <= 35 (non-strict) -> resolves on day 224.
    assert psp[("RN3", RECIST_THEN, 1)]["values"]["resolution_day"] == 168
    row = psp_pr[("RN3", RECIST_THEN, 1)]
    assert row["flag"] == "true"
    assert row["values"]["resolution_day"] == 224


IMRECIST = "pseudoprogression.imrecist"


def test_imrecist(psp: dict) -> None:
    # IM1: PD day 56 (74 vs 60: +23.3 %, +14 mm), SD day 112 (58) -> true.
    # IM2: PD day 56, day 112 (>= 28 days later): 73 vs nadir 60 = +21.7 %, +13 mm: PD confirmed -> false.
    # IM3: PD day 56, day 70 (14 days later: cannot confirm), SD day 112 before any confirmation -> true.
    assert psp[("IM1", IMRECIST, 1)]["flag"] == "true"
    assert psp[("IM2", IMRECIST, 1)]["flag"] == "false"
    row = psp[("IM3", IMRECIST, 1)]
    assert row["flag"] == "true"
    assert (row["values"]["resolution_day"], row["values"]["days_to_resolution"]) == (112, 56)


def test_imrecist_reads_the_confirmation_window_imrecist_ran_with() -> None:
    # anatomic.md 0.8: imRECIST run with confirm_min_days = 21. PD day 56 (74 vs 60: +23.3 %, +14 mm);
    # day 77 is 21 days later, the first evaluable assessment of that window: 58 mm, SD -> the PD is not
    # confirmed there, so the pseudoprogression is decided on day 77 (spec 1.3 imRECIST row), not left
    # open as it would be with the default 28-day window (no assessment 28 days after day 56).
    rows = track("IW", [(-7, 60), (56, 74), (77, 58)])
    study = ioresponse.load(pd.DataFrame(rows, columns=COLUMNS))
    result = ioresponse.run(study, ["imrecist"], patterns=False, confirm_min_days=21)
    assert result.criterion_options == {"imrecist": {"confirm_min_days": 21}}
    table = find_patterns(study, result.timepoints, result.best_response, definitions=[IMRECIST],
                          criterion_options=result.criterion_options)
    row = table.iloc[0]
    assert row["flag"] == "true"
    assert json.loads(row["values"])["resolution_day"] == 77
    default = find_patterns(study, result.timepoints, result.best_response, definitions=[IMRECIST])
    assert default.iloc[0]["flag"] != "true"  # 28-day window: day 77 cannot decide


PERCIST_PSP = "pseudoprogression.percist_humbert2020"
QC = {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25}


def pet_rows(patient: str, scans: list[tuple[int, float]]) -> list[dict]:
    return [{"patient_id": patient, "day": d, "lesion_id": "L1", "role": "target", "organ": "lung",
             "sulpeak": v, "status": "present"} | QC for d, v in scans]


PET = pd.DataFrame(
    pet_rows("PE1", [(-5, 8.0), (49, 11.0), (91, 8.2)])  # +37.5 % PMD, then +2.5 %: SMD
    + pet_rows("PE2", [(-5, 8.0), (49, 11.0), (91, 11.5)])  # PMD, then +43.75 %: PMD
    + pet_rows("PE3", [(-5, 8.0), (49, 11.0)])  # PMD, no later PET
)


def test_percist_humbert2020_with_a_ct_table() -> None:
    rows = [r for p in ("PE1", "PE2", "PE3") for r in track(p, [(-5, 40), (49, 40)])]
    table = patterns(rows, ["percist"], [PERCIST_PSP], pet=PET)
    # PE1: PMD day 49, next PET SMD day 91 -> true, early (49 <= 84), 42 days. PE2: next PET PMD -> false.
    # PE3: no later PET -> not evaluable.
    assert table[("PE1", PERCIST_PSP, 1)]["flag"] == "true"
    assert table[("PE1", PERCIST_PSP, 1)]["values"]["days_to_resolution"] == 42
    assert table[("PE2", PERCIST_PSP, 1)]["flag"] == "false"
    assert table[("PE3", PERCIST_PSP, 1)]["flag"] == "not_evaluable"


def test_percist_humbert2020_on_a_pet_only_study() -> None:
    study = ioresponse.load(PET)
    result = ioresponse.run(study, ["percist"], patterns=False)
    table = find_patterns(study, result.timepoints, result.best_response, definitions=[PERCIST_PSP])
    assert dict(zip(table["patient_id"], table["flag"], strict=True)) == {
        "PE1": "true", "PE2": "false", "PE3": "not_evaluable"}


# =====================================================================================================
# 3. Dissociated response and 4.4 oligoprogression (lesion classes of spec 3.2)
# =====================================================================================================
DISSOCIATED = ["dissociated.lesion_level", "dissociated.bernard_tessier2020", "dissociated.tozuka2020",
               "oligoprogression"]


def pair(patient: str, a: list[tuple[int, float]], b: list[tuple[int, float]]) -> list:
    """Target A (lung) and target B (liver)."""
    return track(patient, a) + track(patient, b, "B", "liver")


DR_ROWS = [
    *pair("DS1", [(-7, 40), (56, 28)], [(-7, 20), (56, 26)]),
    *pair("DS2", [(-7, 40), (56, 27.9)], [(-7, 25), (56, 30)]),
    *pair("DS3", [(-7, 40), (56, 27.9)], [(-7, 25), (56, 30.1)]),
    *pair("DS4", [(-7, 40), (56, 26)], [(-7, 10), (56, 12.5)]), *track("DS4", [(-7, 10), (56, 12.5)], "C"),
    *pair("DS4b", [(-7, 40), (56, 26)], [(-7, 10), (56, 12.4)]), *track("DS4b", [(-7, 10), (56, 12.4)], "C"),
    *pair("DS5", [(-7, 40), (56, 28.1)], [(-7, 20), (56, 26)]),
    *pair("DS6", [(-7, 40), (56, 26)], [(-7, 20)]),
    lesion("DS6", 56, "B", None, organ="liver", status="not_evaluable"),
    *pair("DS7", [(-7, 40)], [(-7, 20)]),
    *pair("DS10", [(-7, 40), (56, 40)], [(-7, 20), (56, 26)]),
    *pair("DS11", [(-7, 40), (56, 39.9)], [(-7, 20), (56, 26)]),
    *pair("DS8", [(-7, 40), (56, 36), (112, 24)], [(-7, 20), (56, 20), (112, 27)]),
    *pair("DS9", [(-7, 40), (56, 20), (112, 20)], [(-7, 20), (56, 14), (112, 19)]),
    # Oligoprogression: targets unchanged, new lesions on day 56 (RECIST PD).
    *pair("OL1", [(-7, 30), (56, 30)], [(-7, 20), (56, 20)]),
    new("OL1", 56, "U1", "bone"), new("OL1", 56, "U2", "bone"), new("OL1", 56, "U3", "adrenal"),
    new("OL1", 56, "U4", "adrenal"), new("OL1", 56, "U5", "brain"),
    *pair("OL2", [(-7, 30), (56, 30)], [(-7, 20), (56, 20)]),
    new("OL2", 56, "U1", "bone"), new("OL2", 56, "U2", "bone"), new("OL2", 56, "U3", "adrenal"),
    new("OL2", 56, "U4", "brain"), new("OL2", 56, "U5", "skin"),
    *pair("OL3", [(-7, 30), (56, 30)], [(-7, 20), (56, 20)]), new("OL3", 56, "U1", "bone"),
    lesion("OL3", -7, "N1", None, "non_target", "liver"),
    lesion("OL3", 56, "N1", None, "non_target", "liver", "unequivocal_progression"),
]


@pytest.fixture(scope="module")
def dr() -> dict:
    return patterns(DR_ROWS, ["recist11"], DISSOCIATED)


DR_EXPECTED = {
    # patient: (lesion_level, bernard_tessier2020, tozuka2020)
    # DS1: A (40-28)/40 = -30.0 % (<= -30 responding; not < -30); B 26 vs 20 = +30 %, +6 mm progressing.
    "DS1": ("true", "false", "true"),
    # DS2: A (27.9-40)/40 = -30.25 % < -30; B 30 vs 25 = +20.0 %, +5 mm: progressing (>=) but not > 20 %.
    "DS2": ("true", "false", "true"),
    # DS3: B 30.1 vs 25 = +20.4 % > 20 %, summed increase 5.1 >= 5 -> Bernard-Tessier true.
    "DS3": ("true", "true", "true"),
    # DS4: A -35 %; B and C 10 -> 12.5: +25 % each (> 20 %) but +2.5 mm (< 5: not progressing by 3.2);
    # summed increase 2.5 + 2.5 = 5.0 >= 5 -> Bernard-Tessier true; no progressing lesion for the others.
    "DS4": ("false", "true", "false"),
    # DS4b: 10 -> 12.4: +24 % each, summed 2.4 + 2.4 = 4.8 < 5 -> false.
    "DS4b": ("false", "false", "false"),
    # DS5: A (28.1-40)/40 = -29.75 %: not responding, but shrinking (< 0) for Tozuka; B progressing.
    "DS5": ("false", "false", "true"),
    # DS6: A -35 % responding; B not evaluable at day 56 could be progressing -> not evaluable.
    "DS6": ("not_evaluable", "not_evaluable", "not_evaluable"),
    # DS7: no assessment after baseline -> not evaluable.
    "DS7": ("not_evaluable", "not_evaluable", "not_evaluable"),
    # DS10: A unchanged (0 %, not < 0 for Tozuka), B +30 %, +6 mm progressing: no shrinking lesion.
    "DS10": ("false", "false", "false"),
    # DS11: A (39.9-40)/40 = -0.25 % < 0: shrinking for Tozuka only (not <= -30 %).
    "DS11": ("false", "false", "true"),
}


@pytest.mark.parametrize("patient", sorted(DR_EXPECTED))
def test_dissociated_definitions(dr: dict, patient: str) -> None:
    got = tuple(dr[(patient, d, 0)]["flag"] for d in DISSOCIATED[:3])
    assert got == DR_EXPECTED[patient]


def test_dissociated_classes_reported(dr: dict) -> None:
    values = dr[("DS1", "dissociated.lesion_level", 0)]["values"]
    assert (values["responding"], values["progressing"], values["day"]) == (["A"], ["B"], 56)


def test_dissociated_first_true_day_is_reported(dr: dict) -> None:
    # DS8: day 56: A -10 %, B +0 % (both stable) -> false; day 112: A 24 = -40 % responding,
    # B 27 vs nadir 20 = +35 %, +7 mm progressing -> true; the patient row reports day 112.
    row = dr[("DS8", "dissociated.lesion_level", 0)]
    assert (row["flag"], row["day"]) == ("true", 112)


def test_dissociated_progression_against_the_lesions_own_nadir(dr: dict) -> None:
    # DS9: B 20 -> 14 (day 56) -> 19 (day 112): -5 % vs baseline but +5 mm and 5/14 = +35.7 % vs its nadir 14:
    # progressing; A 20 = -50 % responding -> true on day 112
    # (day 56: A and B both responding, no progressing lesion).
    row = dr[("DS9", "dissociated.lesion_level", 0)]
    assert (row["flag"], row["day"]) == ("true", 112)
    assert row["values"]["progressing"] == ["B"]


def test_dissociated_baseline_lesion_without_a_row_is_not_evaluable() -> None:
    # DS12: A 40 -> 26 (-35 %, responding); target B (20 mm at baseline) has no row on day 56, so it is
    # not evaluable there (the RECIST 1.1 timepoint itself is NE: "lesion B not evaluable"). B could be
    # progressing -> lesion_level not evaluable, as with an explicit status = not_evaluable (DS6).
    rows = pair("DS12", [(-7, 40), (56, 26)], [(-7, 20)])
    table = patterns(rows, ["recist11"], ["dissociated.lesion_level"])
    assert table[("DS12", "dissociated.lesion_level", 0)]["flag"] == "not_evaluable"


def test_oligoprogression_with_a_target_without_a_row_is_decided_when_it_cannot_change_the_call() -> None:
    # OL4: targets A 30 and B 20 unchanged, target C (15 mm) has no row on day 56, one new bone lesion (PD).
    # C's class is unknown, but the call does not depend on it (spec 3.3 "not evaluable ... [when] the call
    # would change if a lesion marked not_evaluable were responding or progressing"): stable or responding,
    # 1 progressing lesion in 1 organ; progressing, 2 lesions in <= 2 organs (<= 5, <= 3): true either way.
    rows = pair("OL4", [(-7, 30), (56, 30)], [(-7, 20), (56, 20)]) + [
        lesion("OL4", -7, "C", 15), new("OL4", 56, "U1", "bone")]
    table = patterns(rows, ["recist11"], ["oligoprogression"])
    assert table[("OL4", "oligoprogression", 0)]["flag"] == "true"


def test_oligoprogression_with_a_target_marked_not_evaluable() -> None:
    # OL5: as OL4 with C present as a row, status not_evaluable: true either way, as OL4. With at most one
    # progressing lesion allowed, C progressing would break the limit: the call depends on C -> not evaluable.
    rows = pair("OL5", [(-7, 30), (56, 30)], [(-7, 20), (56, 20)]) + [
        lesion("OL5", -7, "C", 15), lesion("OL5", 56, "C", None, status="not_evaluable"),
        new("OL5", 56, "U1", "bone")]
    table = patterns(rows, ["recist11"], ["oligoprogression"])
    assert table[("OL5", "oligoprogression", 0)]["flag"] == "true"
    table = patterns(rows, ["recist11"], ["oligoprogression"], max_progressing_lesions=1)
    assert table[("OL5", "oligoprogression", 0)]["flag"] == "not_evaluable"


@pytest.mark.parametrize(
    ("patient", "flag"),
    [
        ("OL1", "true"),  # 5 new lesions (<= 5) in bone, adrenal, brain (3 organs <= 3), targets stable
        ("OL2", "false"),  # 5 new lesions in bone, adrenal, brain, skin: 4 organs > 3
        ("OL3", "false"),  # 1 new bone lesion but unequivocal non-target progression in the liver
        ("DS1", "false"),  # RECIST SD (sum 60 -> 54): no PD / iUPD / iCPD timepoint
    ],
)
def test_oligoprogression(dr: dict, patient: str, flag: str) -> None:
    assert dr[(patient, "oligoprogression", 0)]["flag"] == flag


def sul(patient: str, day: int, lesion_id: str, value: float, role: str = "target",
        organ: str = "lung") -> dict:
    return {"patient_id": patient, "day": day, "lesion_id": lesion_id, "role": role, "organ": organ,
            "sulpeak": value, "status": "present"} | QC


PET_DR = pd.DataFrame([
    # Q1: L1 (5.6-8)/8 = -30 % (<= -30 %: responding); L2 (2.8-2)/2 = +40 % >= 30 % and +0.8 SUL >= 0.8.
    sul("Q1", -5, "L1", 8.0), sul("Q1", -5, "L2", 2.0, organ="liver"),
    sul("Q1", 49, "L1", 5.6), sul("Q1", 49, "L2", 2.8, organ="liver"),
    # Q2: L2 2.79: +39.5 % but +0.79 SUL < 0.8: stable.
    sul("Q2", -5, "L1", 8.0), sul("Q2", -5, "L2", 2.0, organ="liver"),
    sul("Q2", 49, "L1", 5.6), sul("Q2", 49, "L2", 2.79, organ="liver"),
    # Q3: L1 5.61: (5.61-8)/8 = -29.875 %: not responding (L2 progressing as Q1).
    sul("Q3", -5, "L1", 8.0), sul("Q3", -5, "L2", 2.0, organ="liver"),
    sul("Q3", 49, "L1", 5.61), sul("Q3", 49, "L2", 2.8, organ="liver"),
    # Q4: L1 (5-8)/8 = -37.5 % responding and a new FDG-avid bone lesion.
    sul("Q4", -5, "L1", 8.0), sul("Q4", 49, "L1", 5.0), sul("Q4", 49, "N1", 4.0, role="new", organ="bone"),
])


def test_dissociated_pet_bands() -> None:
    study = ioresponse.load(PET_DR)
    result = ioresponse.run(study, ["percist"], patterns=False)
    table = find_patterns(study, result.timepoints, result.best_response, definitions=["dissociated.pet"])
    assert dict(zip(table["patient_id"], table["flag"], strict=True)) == {
        "Q1": "true", "Q2": "false", "Q3": "false", "Q4": "true"}


# =====================================================================================================
# 4. Durable response (spec 4.1-4.3), RECIST 1.1 responses from the engine
# =====================================================================================================
DURABLE = ["durable.drr_optim", "durable.pons_tostivint2019", "durable.off_treatment"]
DU_ROWS = [
    # D1: first PR on day 365 (30 = -40 %), PD on day 548 (36 vs nadir 30: +20 %, +6 mm):
    # 548 - 365 = 183 days.
    *track("D1", [(-3, 50), (91, 45), (365, 30), (548, 36)]),
    # D2: same one day later: onset 366 > 365.
    *track("D2", [(-3, 50), (91, 45), (366, 30), (549, 36)]),
    # D3: PR day 84, PD day 266 (36 vs 30): 182 days.
    *track("D3", [(-3, 50), (84, 30), (266, 36)]),
    # D4 / D5: PR day 70, still PR on day 253 / day 252: 183 / 182 days of ongoing response.
    *track("D4", [(-3, 50), (70, 30), (253, 31)]),
    *track("D5", [(-3, 50), (70, 30), (252, 31)]),
    *track("D6", [(-3, 50), (84, 45), (300, 44)]),  # SD only
    # Off treatment (treatment_end day 300): PR day 112 (30).
    *track("OT1", [(-3, 50), (112, 30), (483, 30)]),  # last assessment 483 = 300 + 183
    *track("OT2", [(-3, 50), (112, 30), (482, 30)]),  # 300 + 182
    *track("OT3", [(-3, 50), (112, 30), (482, 36)]),  # PD on day 482: 182 days after the end
    *track("OT4", [(-3, 50), (112, 30), (600, 30)]),  # stopped for progression
    *track("OT5", [(-3, 50), (112, 45), (500, 45)]),  # SD only, 200 days off treatment
]
DU_PATIENTS = pd.DataFrame({
    "patient_id": ["OT1", "OT2", "OT3", "OT4", "OT5"],
    "treatment_end_day": [300] * 5,
    "treatment_end_reason": ["completed", "completed", "toxicity", "progression", "toxicity"],
})


@pytest.fixture(scope="module")
def durable() -> dict:
    return patterns(DU_ROWS, ["recist11"], DURABLE, patients=DU_PATIENTS)


@pytest.mark.parametrize(
    ("patient", "flag", "duration"),
    [
        ("D1", "true", 183),  # onset 365 <= 365 and 548 - 365 = 183 >= 183
        ("D2", "false", None),  # onset 366 > 365: not counted
        ("D3", "false", 182),  # 266 - 84 = 182 < 183
        ("D4", "true", 183),  # no loss, last response 253 - 70 = 183
        ("D5", "not_evaluable", 182),  # still responding, 252 - 70 = 182 < 183
        ("D6", "false", None),  # no CR/PR
    ],
)
def test_drr_optim(durable: dict, patient: str, flag: str, duration: int | None) -> None:
    row = durable[(patient, "durable.drr_optim", 0)]
    assert row["flag"] == flag
    if duration is not None:
        assert row["values"]["duration_days"] == duration


@pytest.mark.parametrize(
    ("patient", "flag", "off_days"),
    [
        ("OT1", "true", 183),  # 483 - 300 = 183 >= 183
        ("OT2", "not_evaluable", 182),  # 482 - 300 = 182, no PD yet
        ("OT3", "false", 182),  # PD 482 - 300 = 182 < 183
        ("OT4", "false", None),  # treatment_end_reason progression
        ("OT5", "false", None),  # best response SD (option off)
    ],
)
def test_off_treatment(durable: dict, patient: str, flag: str, off_days: int | None) -> None:
    row = durable[(patient, "durable.off_treatment", 0)]
    assert row["flag"] == flag
    if off_days is not None:
        assert row["values"]["off_treatment_progression_free_days"] == off_days


def test_off_treatment_with_sd_option() -> None:
    # OT5 with off_treatment_include_sd: SD from day 112 before the end (300), 500 - 300 = 200 >= 183 -> true.
    rows = [r for r in DU_ROWS if r[0] == "OT5"]
    table = patterns(rows, ["recist11"], ["durable.off_treatment"], patients=DU_PATIENTS,
                     off_treatment_include_sd=True)
    assert table[("OT5", "durable.off_treatment", 0)]["flag"] == "true"


# Pons-Tostivint: PFS events (RECIST PD, 50 -> 62 = +24 %, +12 mm) on days 56, 84, 112, 140 and 420; censored
# on days 200 (SD) and 430 (SD). Kaplan-Meier: S(56) = 6/7 = 0.857, S(84) = 0.857 x 5/6 = 0.714,
# S(112) = 0.714 x 4/5 = 0.571, S(140) = 0.571 x 3/4 = 0.429 <= 0.5 -> median 140 days;
# threshold 3 x 140 = 420 days.
PT_ROWS = [
    *track("PA", [(-3, 50), (56, 62)]),
    *track("PB", [(-3, 50), (84, 62)]),
    *track("PC", [(-3, 50), (112, 62)]),
    *track("PG", [(-3, 50), (140, 62)]),
    *track("PF", [(-3, 50), (200, 48)]),
    *track("PE", [(-3, 50), (210, 48), (420, 62)]),  # 62 vs nadir 48: +29 %, +14 mm
    *track("PH", [(-3, 50), (430, 48)]),
]


def test_pons_tostivint_kaplan_meier_threshold() -> None:
    table = patterns(PT_ROWS, ["recist11"], ["durable.pons_tostivint2019"])
    rows = {p: row for (p, _, _), row in table.items()}
    assert rows["PA"]["values"]["cohort_median_pfs_days"] == pytest.approx(140.0)
    assert rows["PA"]["values"]["threshold_days"] == pytest.approx(420.0)
    assert {p: row["flag"] for p, row in rows.items()} == {
        "PA": "false", "PB": "false", "PC": "false", "PG": "false",  # events before day 420
        "PF": "not_evaluable",  # censored on day 200 < 420
        "PE": "true",  # event on day 420 >= 420
        "PH": "true",  # censored on day 430 >= 420
    }

