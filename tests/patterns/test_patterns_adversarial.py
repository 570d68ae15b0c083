"""Third-round adversarial audit of spec/patterns.md sections 0-4, end to end from a lesion table.

Every test starts from a plain lesion table (one row per lesion per assessment), runs the criteria through
``ioresponse.assess`` and reads ``result.patterns`` (definitions that are not run by default are asked for
with ``find_patterns`` on the same result). Expected values are traced by hand from the spec text in the
comments: months = days / 30.4375 (0.1); TGR = 100 (exp(3 ln(S_b / S_a) / months) - 1) and
TGK = (S_b - S_a) / months (2.1); non-strict thresholds meet t exactly, strict ones do not (0.4).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import ioresponse
from ioresponse.patterns import find_patterns

IRECIST = "pseudoprogression.irecist"
RECIST_THEN = "pseudoprogression.recist_then_nonpd"
HODI = "pseudoprogression.irrc_hodi2016"
HPD_DEFAULT = (
    "hpd.champiat2017", "hpd.kanjanapan2019", "hpd.petrioli2020", "hpd.saada_bouzid2017", "hpd.kato2017",
    "hpd.ferrara2018", "hpd.lo_russo2019", "hpd.matos2020", "hpd.kas2020",
)


def _lesion(patient: str, day: int, lesion_id: str, value: float | None, *, role: str = "target",
            organ: str = "lung", node: bool = False, status: str = "present", reader: str = "",
            long: float | None = None, perp: float | None = None) -> dict:
    """One lesion row; ``value`` is the short axis of a node (long axis ``long``, default value + 5) and the
    long axis otherwise."""
    row = {
        "patient_id": patient, "reader": reader, "day": day, "lesion_id": lesion_id, "role": role,
        "organ": organ, "lymph_node": node, "long_axis_mm": np.nan, "short_axis_mm": np.nan, "status": status,
    }
    if value is not None:
        if node:
            row["short_axis_mm"] = float(value)
            row["long_axis_mm"] = float(long if long is not None else value + 5)
        else:
            row["long_axis_mm"] = float(value)
    if perp is not None:
        row["perpendicular_mm"] = float(perp)
    return row


def _two(patient: str, day: int, a: float | None, b: float | None, *, reader: str = "",
         status_a: str = "present", status_b: str = "present") -> list[dict]:
    """Targets A (lung) and B (liver) at one assessment."""
    return [
        _lesion(patient, day, "A", a, reader=reader, status=status_a),
        _lesion(patient, day, "B", b, organ="liver", reader=reader, status=status_b),
    ]


def _series(patient: str, sums: list[tuple[int, float | None, float | None]], reader: str = "") -> list[dict]:
    rows: list[dict] = []
    for day, a, b in sums:
        rows += _two(patient, day, a, b, reader=reader,
                     status_a="present" if a is not None else "not_evaluable",
                     status_b="present" if b is not None else "not_evaluable")
    return rows


def _decoded(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(values=table["values"].map(json.loads), evidence=table["evidence"].map(json.loads))


def _assess(rows: list[dict], criteria: list[str], patients: pd.DataFrame | None = None,
            **options: object) -> ioresponse.api.Result:
    return ioresponse.assess(pd.DataFrame(rows), criteria=criteria, patients=patients, **options)


def _patterns(rows: list[dict], criteria: list[str], patients: pd.DataFrame | None = None,
              **options: object) -> pd.DataFrame:
    return _decoded(_assess(rows, criteria, patients, **options).patterns)


def _chosen(rows: list[dict], criteria: list[str], definitions: list[str],
            patients: pd.DataFrame | None = None, **options: object) -> pd.DataFrame:
    """Non-default definitions: the criteria through ``assess``, then ``find_patterns`` on its result."""
    result = _assess(rows, criteria, patients)
    table = find_patterns(result.study, result.timepoints, result.best_response, definitions=definitions,
                          **options)
    return _decoded(table)


def _rows(table: pd.DataFrame, patient: str, definition: str, reader: str = "") -> pd.DataFrame:
    chosen = table[(table["patient_id"] == patient) & (table["reader"] == reader)
                   & (table["definition"] == definition)]
    return chosen.sort_values("episode", na_position="first").reset_index(drop=True)


def _one(table: pd.DataFrame, patient: str, definition: str, reader: str = "") -> pd.Series:
    rows = _rows(table, patient, definition, reader)
    assert len(rows) == 1, f"{patient}/{reader} {definition}: {len(rows)} rows"
    return rows.iloc[0]


def _flags(table: pd.DataFrame, patient: str, definitions: tuple[str, ...] | list[str]) -> dict[str, str]:
    return {d: _one(table, patient, d)["flag"] for d in definitions}


# --- 1. Pseudoprogression ---------------------------------------------------------------------------------

# Targets A (lung) + B (liver). Baseline -7: 30 + 20 = 50.
# 42: 40 + 25 = 65 -> +15 mm, +30.0 % vs nadir 50: RECIST PD / iUPD (episode 1, t_u 42).
# 84: 28 + 18 = 46 -> nadir 50 (0.5: the PD sum 65 is larger): -8.0 %: not PD; -8.0 % vs baseline: SD / iSD.
# 126: 20 + 14 = 34 -> -32.0 % vs baseline: PR / iPR; nadir becomes 34.
# 168: 26 + 18 = 44 -> +10 mm, +29.41 % vs nadir 34: PD / iUPD (episode 2, t_u 168).
# 210: 27 + 19 = 46 -> +12 mm, +35.29 % vs nadir 34: still PD.
# 252: 22 + 15 = 37 -> +3 mm vs nadir 34 (< 5 mm): not PD; -26.0 % vs baseline: SD / iSD.
TWO_EPISODES = _series("E2", [(-7, 30, 20), (42, 40, 25), (84, 28, 18), (126, 20, 14), (168, 26, 18),
                              (210, 27, 19), (252, 22, 15)])


def test_1_4_recist_then_nonpd_two_episodes_from_a_lesion_table() -> None:
    # spec 1.3 recist_then_nonpd: initial RECIST PD; no confirmation ("persisting PD keeps the episode
    # open"); resolution "a later assessment not meeting PD vs the pre-PD nadir ... with every new lesion
    # absent", default min_subsequent_response "SD". 1.4 step 6: "After a resolved episode, a later initial
    # progression starts episode 2 (same rules)". Step 4: early if t_u <= 84, late if t_u > 84.
    # Episode 1: PD day 42 (+30.00 % vs nadir 50), day 84 sum 46 < 1.2 x 50 -> resolved: true, early,
    #   42 days.
    # Episode 2: PD day 168 (+29.41 % vs pre-PD nadir 34); day 210 46 is +12 mm and +35.3 % vs 34: still PD,
    #   continue (1.4 step 2 "RECIST variant: still PD"); day 252: 37, +3 mm: not PD -> true, late (168 > 84),
    #   252 - 168 = 84 days.
    table = _chosen(TWO_EPISODES, ["recist11"], [RECIST_THEN])
    rows = _rows(table, "E2", RECIST_THEN)
    assert rows["episode"].tolist() == [1, 2]
    assert rows["flag"].tolist() == ["true", "true"]
    assert rows["day"].tolist() == [42, 168]
    first, second = rows["values"]
    assert (first["t_u"], first["resolution_day"], first["days_to_resolution"], first["timing"]) == (
        42, 84, 42, "early")
    assert first["pct_change_nadir_at_progression"] == pytest.approx(30.0)
    assert first["response_at_resolution"] == "SD"
    assert (second["t_u"], second["resolution_day"], second["days_to_resolution"], second["timing"]) == (
        168, 252, 84, "late")
    assert second["pct_change_nadir_at_progression"] == pytest.approx(29.41, abs=0.005)


def test_1_4_irecist_two_episodes_each_reset() -> None:
    # Same table under iRECIST (anatomic.md 4.6): day 42 iUPD (T trigger, ref_S 65). Day 84 is 42 days later
    # (>= 28): 46 - 65 < 5 mm (no iCPD); R1 46 not PD vs N 50 -> reset, iSD. Day 126 iPR. Day 168 iUPD
    # (44 vs N 34: +10 mm, +29.4 %), ref_S 44. Day 210: 46 - 44 = 2 < 5 mm, no iCPD; R1 fails (46 vs N 34 is
    # PD) -> iUPD continues (patterns 1.4 step 2 "still iUPD without confirmation ... continue"). Day 252:
    # 37 - 44 < 5; 37 vs 34 not PD -> reset, iSD.
    # spec 1.3 irecist: resolution "a later iSD, iPR or iCR before any iCPD" -> episode 1 true early
    # (42 <= 84), episode 2 true late (168 > 84), resolved on days 84 and 252.
    table = _patterns(TWO_EPISODES, ["irecist"])
    rows = _rows(table, "E2", IRECIST)
    assert rows["episode"].tolist() == [1, 2]
    assert rows["flag"].tolist() == ["true", "true"]
    assert [v["timing"] for v in rows["values"]] == ["early", "late"]
    assert [v["resolution_day"] for v in rows["values"]] == [84, 252]
    assert [v["response_at_resolution"] for v in rows["values"]] == ["iSD", "iSD"]


def test_1_4_new_therapy_between_episodes_makes_only_episode_2_not_evaluable() -> None:
    # The two-episode table with new_therapy_start = 2021-05-21 = day 140 (treatment_start 2021-01-01:
    # 30 + 28 + 31 + 30 + 21 = 140). Episode 1 (42 -> 84) resolves before day 140: true. Episode 2 starts
    # on day 168; 1.4 step 2 "if new_therapy_start <= date(T): stop; flag not_evaluable, reason 'new
    # anticancer therapy started on day X ...'": at T = day 210, 140 <= 210 -> not_evaluable.
    patients = pd.DataFrame({"patient_id": ["E2"], "treatment_start": ["2021-01-01"],
                             "new_therapy_start": ["2021-05-21"]})
    table = _chosen(TWO_EPISODES, ["recist11"], [RECIST_THEN], patients)
    rows = _rows(table, "E2", RECIST_THEN)
    assert rows["flag"].tolist() == ["true", "not_evaluable"]
    assert "new anticancer therapy" in rows.iloc[1]["reason"] and "day 140" in rows.iloc[1]["reason"]


# Early: baseline -7 50; 42: 50 (iSD); 84: 38 + 24 = 62 (+12 mm, +24 % vs nadir 50: iUPD); 126: 46 (reset,
# iSD: 46 - 62 < 5 mm, 46 not PD vs 50); 168: 44 (iSD). Late: the same sums on days 42, 91, 133, 175.
EARLY_LATE = (
    _series("EARLY", [(-7, 30, 20), (42, 30, 20), (84, 38, 24), (126, 28, 18), (168, 27, 17)])
    + _series("LATE", [(-7, 30, 20), (42, 30, 20), (91, 38, 24), (133, 28, 18), (175, 27, 17)])
)


def test_1_4_early_on_day_84_and_late_on_day_91_in_one_table() -> None:
    # spec 1.4 step 4: "early if t_u <= 84, late if t_u > 84". EARLY: t_u 84 -> early; LATE: t_u 91 -> late.
    # Both resolved 42 days later by iSD.
    table = _patterns(EARLY_LATE, ["irecist"])
    early, late = _one(table, "EARLY", IRECIST), _one(table, "LATE", IRECIST)
    assert (early["flag"], early["values"]["t_u"], early["values"]["timing"]) == ("true", 84, "early")
    assert (late["flag"], late["values"]["t_u"], late["values"]["timing"]) == ("true", 91, "late")
    assert (early["values"]["days_to_resolution"], late["values"]["days_to_resolution"]) == (42, 42)


def test_1_4_early_cutoff_91_passed_through_assess() -> None:
    # spec 1.4 step 4 option early_cutoff_days ("a trial with a week-12 visit window may set 91"): 91 <= 91
    # -> LATE becomes early; EARLY stays early.
    table = _patterns(EARLY_LATE, ["irecist"], early_cutoff_days=91)
    assert _one(table, "LATE", IRECIST)["values"]["timing"] == "early"
    assert _one(table, "EARLY", IRECIST)["values"]["timing"] == "early"


def test_1_3_recist_then_nonpd_pr_family_walks_past_sd() -> None:
    # Baseline 50; 42: 65 PD (+30 %); 84: 46 (-8 % vs baseline: SD, not PD vs nadir 50); 126: 20 + 14 = 34
    # (-32 % <= -30 %: PR); 168: 20 + 13 = 33 (PR).
    # spec 1.3 option min_subsequent_response "SD" (default): resolved on day 84 by SD.
    # "PR" (Park 2020 PR/CR family): day 84 is not PR (46 > 0.7 x 50 = 35), not PD either -> 1.4 step 2
    # continue; day 126 34 <= 35 -> PR -> true, resolution day 126, 126 - 42 = 84 days.
    rows = _series("PR", [(-7, 30, 20), (42, 40, 25), (84, 28, 18), (126, 20, 14), (168, 20, 13)])
    default = _one(_chosen(rows, ["recist11"], [RECIST_THEN]), "PR", RECIST_THEN)
    pr = _one(_chosen(rows, ["recist11"], [RECIST_THEN], min_subsequent_response="PR"), "PR", RECIST_THEN)
    assert (default["flag"], default["values"]["resolution_day"]) == ("true", 84)
    assert (pr["flag"], pr["values"]["resolution_day"], pr["values"]["days_to_resolution"]) == (
        "true", 126, 84)
    assert pr["values"]["response_at_resolution"] == "PR"


def test_1_3_recist_then_nonpd_new_lesion_not_evaluable_is_not_absent() -> None:
    # Baseline -7: 30 + 20 = 50. Day 42: 31 + 20 = 51 (+2 %) and a new lung lesion U1 -> RECIST PD (new
    # lesion), t_u 42. Day 84: 28 + 18 = 46 (not PD vs pre-PD nadir 50) but U1 not evaluable. Day 126:
    # 27 + 17 = 44 with U1 absent. Day 168: 44, U1 absent.
    # spec 1.3 resolution: "not meeting PD vs the pre-PD nadir, with every new lesion absent": on day 84 U1
    # is not known to be absent -> no resolution, 1.4 step 2 continue; day 126 meets it -> true, resolved on
    # day 126 (84 days).
    rows = _series("NLNE", [(-7, 30, 20), (42, 31, 20), (84, 28, 18), (126, 27, 17), (168, 27, 17)])
    for day, value, status in ((42, 12, "present"), (84, None, "not_evaluable"), (126, None, "absent"),
                               (168, None, "absent")):
        rows.append(_lesion("NLNE", day, "U1", value, role="new", status=status))
    row = _one(_chosen(rows, ["recist11"], [RECIST_THEN]), "NLNE", RECIST_THEN)
    assert (row["flag"], row["day"], row["values"]["resolution_day"]) == ("true", 42, 126)


def test_1_4_irecist_open_episode_ending_on_an_ne_assessment() -> None:
    # Baseline -7 50; 28: 31 + 20 = 51 (iSD); 56: 40 + 25 = 65 (+15 mm, +30 % vs nadir 50: iUPD); 98: both
    # targets not evaluable -> NE (anatomic.md 4.6 step 3: a missing value could decide; episode open).
    # spec 1.4 step 2: NE neither confirms nor resolves -> continue; step 3: the walk ends -> not_evaluable,
    # reason "progression unconfirmed at last assessment (day 98)".
    rows = _series("OPEN", [(-7, 30, 20), (28, 31, 20), (56, 40, 25), (98, None, None)])
    row = _one(_patterns(rows, ["irecist"]), "OPEN", IRECIST)
    assert (row["flag"], row["day"]) == ("not_evaluable", 56)
    assert "progression unconfirmed at last assessment (day 98)" in row["reason"]


def _irrc(patient: str, day: int, a: tuple[float, float], b: tuple[float, float]) -> list[dict]:
    return [_lesion(patient, day, "A", a[0], perp=a[1]),
            _lesion(patient, day, "B", b[0], organ="liver", perp=b[1])]


def test_1_3_hodi2016_on_irrc_products_exactly_25_percent() -> None:
    # irRC burden = sum of long x perpendicular products (anatomic.md 0.4). Baseline -7: 20x20 + 10x10 = 500.
    # H25, day 56: 25x20 + 12.5x10 = 500 + 125 = 625 = 1.25 x nadir 500: ">= +25 % vs nadir (non-strict)"
    #   (spec 1.3) -> initial progression, +25.00 %. Day 98: 24x20 + 11x10 = 590 < 1.25 x 500 = 625 ->
    #   resolution ("the next assessment < 1.25 x nadir") -> true, early (56 <= 84), resolved day 98.
    # H24, day 56: 500 + 12.4x10 = 624 = +24.8 % -> no initial progression; 98: 590 (+18 %); 140: 540 -> one
    #   false row.
    rows = []
    for patient, b56 in (("H25", 12.5), ("H24", 12.4)):
        rows += _irrc(patient, -7, (20, 20), (10, 10)) + _irrc(patient, 56, (25, 20), (b56, 10))
        rows += _irrc(patient, 98, (24, 20), (11, 10)) + _irrc(patient, 140, (22, 20), (10, 10))
    table = _chosen(rows, ["irrc"], [HODI])
    hit = _one(table, "H25", HODI)
    assert (hit["flag"], hit["day"], hit["values"]["resolution_day"], hit["values"]["timing"]) == (
        "true", 56, 98, "early")
    assert hit["values"]["pct_change_nadir_at_progression"] == pytest.approx(25.0)
    assert _one(table, "H24", HODI)["flag"] == "false"


# --- 0.2 / 2. Hyperprogression with prebaseline scans in the lesion table ----------------------------------


def test_0_2_latest_of_two_complete_prebaseline_scans_with_a_node_target() -> None:
    # spec 0.2: prebaseline = "the latest assessment strictly before the baseline assessment in which every
    # baseline target lesion (same lesion_id) has a measurement"; S is "short axis for lymph nodes".
    # Targets A (lung) and N1 (node; short axis, long axis larger):
    #   day -120: 10 + 10 = 20; day -56: 25 + 15 = 40; baseline -7: 27 + 17 = 44; day 49: 37 + 25 = 62;
    #   day 91: 45 + 30 = 75.
    # Latest complete prebaseline: day -56 -> S_pre 40, which makes this spec 2.4 HP-1: TGR_ref 19.44,
    # TGR_exp 74.93, ratio 3.855, dTGR 55.49, TGKr 3.938; pct_1 = 18/44 = +40.91 %, +18 mm: RECIST PD.
    # H1 true, H3 true, H4 true, H6 true (55.49 > 50), H9 false (55.49 not > 100).
    # (The older scan would give TGR_ref = 100 (exp(3 ln(44/20) / (113/30.4375)) - 1) = 89.11 and a ratio
    # 0.841: H1 false.)
    rows = []
    for day, a, n in ((-120, 10, 10), (-56, 25, 15), (-7, 27, 17), (49, 37, 25), (91, 45, 30)):
        rows += [_lesion("HN", day, "A", a), _lesion("HN", day, "N1", n, organ="mediastinum", node=True,
                                                     long=n + 9)]
    table = _patterns(rows, ["recist11"])
    values = _one(table, "HN", "hpd.champiat2017")["values"]
    assert (values["t_pre"], values["S_pre"], values["S_0"], values["S_1"]) == (-56, 40.0, 44.0, 62.0)
    assert (values["TGR_ref"], values["TGR_exp"], values["TGR_ratio"]) == (19.44, 74.93, 3.855)
    assert _one(table, "HN", "hpd.saada_bouzid2017")["values"]["TGK_ratio"] == 3.938
    assert _flags(table, "HN", ["hpd.champiat2017", "hpd.petrioli2020", "hpd.saada_bouzid2017",
                                "hpd.ferrara2018", "hpd.kas2020"]) == {
        "hpd.champiat2017": "true", "hpd.petrioli2020": "true", "hpd.saada_bouzid2017": "true",
        "hpd.ferrara2018": "true", "hpd.kas2020": "false",
    }


# Prebaseline scans with target B marked not_evaluable (no measurement):
# NEPD: -56 A 25, B NE; -7: 27 + 17 = 44; 49: 37 + 25 = 62 (+40.91 %, +18 mm: PD); 91: 40 + 28.
# NESD: same prebaseline and baseline; 49: 28 + 18 = 46 (+4.55 %, +2 mm: SD); 91: 28 + 18.
# NEOLD: -90: 20 + 12 = 32 (complete); -30: A 25, B NE; -7: 44; 49: 62; 91: 40 + 28.
PRE_NE = (
    _series("NEPD", [(-56, 25, None), (-7, 27, 17), (49, 37, 25), (91, 40, 28)])
    + _series("NESD", [(-56, 25, None), (-7, 27, 17), (49, 28, 18), (91, 28, 18)])
    + _series("NEOLD", [(-90, 20, 12), (-30, 25, None), (-7, 27, 17), (49, 37, 25), (91, 40, 28)])
)


def test_2_2_prebaseline_with_a_not_evaluable_target_first_evaluation_pd() -> None:
    # spec 0.2: B neither measured nor absent on day -56 -> no prebaseline; 2.2: "the reference quantity is
    # not_evaluable"; the definition is still decided false "if another required condition is false".
    # NEPD: RECIST PD holds, so H1/H2/H3/H4/H6 are not_evaluable; H9 size +40.91 % and +18 mm holds -> NE.
    # H5 Kato: pct_1 40.91 not > 50 -> false. H7 Lo Russo: PD; c1 TTF unknown (no patient table), c2 40.91 <
    # 50 false, c3/c4 false (no new lesion), c5 unknown (no ECOG) -> 0 true + 2 NE < 3 -> false.
    # H8 Matos: PD, 40.91 >= 40, TTF unknown -> not_evaluable ("TTF undecidable ... while the size
    # conditions hold").
    table = _patterns(PRE_NE, ["recist11"])
    assert _flags(table, "NEPD", HPD_DEFAULT) == {
        "hpd.champiat2017": "not_evaluable", "hpd.kanjanapan2019": "not_evaluable",
        "hpd.petrioli2020": "not_evaluable", "hpd.saada_bouzid2017": "not_evaluable",
        "hpd.kato2017": "false", "hpd.ferrara2018": "not_evaluable", "hpd.lo_russo2019": "false",
        "hpd.matos2020": "not_evaluable", "hpd.kas2020": "not_evaluable",
    }
    row = _one(table, "NEPD", "hpd.champiat2017")
    assert row["values"]["S_pre"] is None and "prebaseline" in row["reason"]


def test_2_2_prebaseline_with_a_not_evaluable_target_first_evaluation_sd() -> None:
    # NESD: first evaluation +4.55 %, +2 mm: RECIST SD. Decided false by the failing condition: H1, H2, H6
    # (no PD), H9 (size: 4.55 % < 20 %), H5 (4.55 not > 50), H7 and H8 (no PD). H3 and H4 have only the
    # ratio, which needs the prebaseline -> not_evaluable (2.3 H3 "no PD condition that could decide
    # false early").
    table = _patterns(PRE_NE, ["recist11"])
    assert _flags(table, "NESD", HPD_DEFAULT) == {
        "hpd.champiat2017": "false", "hpd.kanjanapan2019": "false", "hpd.petrioli2020": "not_evaluable",
        "hpd.saada_bouzid2017": "not_evaluable", "hpd.kato2017": "false", "hpd.ferrara2018": "false",
        "hpd.lo_russo2019": "false", "hpd.matos2020": "false", "hpd.kas2020": "false",
    }


def test_0_2_older_complete_prebaseline_used_when_the_latest_has_a_not_evaluable_target() -> None:
    # NEOLD: day -30 lacks a value for B -> not a candidate; day -90 (32 mm) is the latest complete scan.
    # Reference 83 days: TGR_ref = 100 (exp(3 ln(44/32) / (83/30.4375)) - 1) = 100 (exp(0.35035) - 1) = 41.96;
    # TGR_exp (HP-1, 56 days) 74.93 -> ratio 1.786 < 2: H1 and H3 false; dTGR 32.97 not > 50: H6 false.
    # TGK_ref = 12 / 2.7269 = 4.4006, TGK_exp = 18 / 1.8398 = 9.7835 -> TGKr 2.223 >= 2: H4 true.
    table = _patterns(PRE_NE, ["recist11"])
    values = _one(table, "NEOLD", "hpd.champiat2017")["values"]
    assert (values["t_pre"], values["S_pre"], values["TGR_ref"]) == (-90, 32.0, 41.96)
    assert values["TGR_ratio"] == pytest.approx(1.786, abs=0.0005)
    assert _flags(table, "NEOLD", ["hpd.champiat2017", "hpd.petrioli2020", "hpd.ferrara2018",
                                   "hpd.saada_bouzid2017"]) == {
        "hpd.champiat2017": "false", "hpd.petrioli2020": "false", "hpd.ferrara2018": "false",
        "hpd.saada_bouzid2017": "true",
    }


def test_2_3_H4_tgk_ratio_exactly_two_while_tgr_ratio_is_below_two() -> None:
    # Two 60-day intervals (m = 60/30.4375 = 1.97125): K2: -65: 20 + 16 = 36; -5: 24 + 18 = 42; 55: 30 + 24
    # = 54; 97: 33 + 26. TGK_ref = 6/m = 3.04375, TGK_exp = 12/m = 6.0875 -> TGKr = 2.000 >= 2 (non-strict):
    # H4 true. TGR_ref = 100 (exp(3 ln(42/36)/m) - 1) = 26.44, TGR_exp = 100 (exp(3 ln(54/42)/m) - 1) = 46.59
    # -> ratio 1.762: H1 and H3 false although RECIST PD (+12 mm, +28.57 %); dTGR 20.15: H6 false.
    # K19: day 55 30 + 23.9 = 53.9 -> TGKr = 11.9/6 = 1.983 < 2: H4 false.
    rows = _series("K2", [(-65, 20, 16), (-5, 24, 18), (55, 30, 24), (97, 33, 26)])
    rows += _series("K19", [(-65, 20, 16), (-5, 24, 18), (55, 30, 23.9), (97, 33, 26)])
    table = _patterns(rows, ["recist11"])
    k2 = _one(table, "K2", "hpd.saada_bouzid2017")
    assert (k2["flag"], k2["values"]["TGK_ratio"]) == ("true", 2.0)
    assert _flags(table, "K2", ["hpd.champiat2017", "hpd.petrioli2020", "hpd.ferrara2018"]) == {
        "hpd.champiat2017": "false", "hpd.petrioli2020": "false", "hpd.ferrara2018": "false",
    }
    assert _one(table, "K2", "hpd.petrioli2020")["values"]["TGR_ratio"] == pytest.approx(1.762, abs=0.0005)
    assert _one(table, "K19", "hpd.saada_bouzid2017")["flag"] == "false"


# Baseline day -3 for every patient: A (lung) + B (lung). treatment_end_day 45 (TTF 45 < 60.875 days).
# M40:  30 + 20 = 50 -> day 42: 42 + 28 = 70: +40.00 %, +20 mm (PD).
# M39:  50 -> 41.5 + 28 = 69.5: +39.00 % (PD), no new lesion.
# M20:  50 -> 36 + 24 = 60: +20.00 %, +10 mm (PD); new lesions in liver and bone.
# M20L: 50 -> 60 with two new liver lesions (one organ).
# K50:  24 + 16 = 40 -> 36 + 24 = 60: +50.00 % (PD).
def _threshold_table() -> tuple[list[dict], pd.DataFrame]:
    rows: list[dict] = []
    sizes = {"M40": (30, 20, 42, 28), "M39": (30, 20, 41.5, 28), "M20": (30, 20, 36, 24),
             "M20L": (30, 20, 36, 24), "K50": (24, 16, 36, 24)}
    for patient, (a0, b0, a1, b1) in sizes.items():
        for day, a, b in ((-3, a0, b0), (42, a1, b1), (84, a1 + 2, b1 + 2), (126, a1 + 4, b1 + 4)):
            rows += [_lesion(patient, day, "A", a), _lesion(patient, day, "B", b)]
    for day in (42, 84, 126):
        rows += [_lesion("M20", day, "U1", 12, role="new", organ="liver"),
                 _lesion("M20", day, "U2", 15, role="new", organ="bone"),
                 _lesion("M20L", day, "U1", 12, role="new", organ="liver"),
                 _lesion("M20L", day, "U2", 14, role="new", organ="liver")]
    patients = pd.DataFrame({"patient_id": list(sizes), "treatment_end_day": [45] * len(sizes)})
    return rows, patients


def test_2_3_H8_matos_size_thresholds_in_one_table() -> None:
    # spec 2.3 H8: PD AND (pct_1 >= 40 % OR (pct_1 >= 20 % AND new lesions in >= 2 distinct organs)) AND
    # TTF < 2 months. M40: 40.00 >= 40 -> true. M39: 39.00 < 40 and no new lesion -> false. M20: 20.00 >= 20
    # with liver + bone -> true. M20L: 20 % but both new lesions in the liver (1 organ) -> false.
    # K50: 50 % -> true.
    rows, patients = _threshold_table()
    table = _patterns(rows, ["recist11"], patients)
    flags = {p: _one(table, p, "hpd.matos2020")["flag"] for p in ("M40", "M39", "M20", "M20L", "K50")}
    assert flags == {"M40": "true", "M39": "false", "M20": "true", "M20L": "false", "K50": "true"}


def test_2_3_H5_kato_exactly_50_percent_and_H7_lo_russo_three_valued_count() -> None:
    # K50: H5 "pct_1 > 50 % (strict)": 50.00 is not > 50 -> false without the pace (no prebaseline).
    # H7 criteria (no ECOG table: c5 not_evaluable): K50 c1 TTF 45 true, c2 50 >= 50 true, c3/c4 false ->
    # 2 true + 1 NE: "at least 3 of 5" is not_evaluable (0.3: #true + #NE = 3 >= 3); PD true -> NE.
    # M20: c1 true, c2 false (20 %), c3 false (no organ involved at baseline (lung) with 2 new lesions),
    # c4 true (liver, bone new organs), c5 NE -> NE. M40: c1 true only + c5 NE = 2 < 3 -> false.
    rows, patients = _threshold_table()
    table = _patterns(rows, ["recist11"], patients)
    assert _one(table, "K50", "hpd.kato2017")["flag"] == "false"
    lo_russo = {p: _one(table, p, "hpd.lo_russo2019") for p in ("K50", "M20", "M40")}
    assert {p: r["flag"] for p, r in lo_russo.items()} == {"K50": "not_evaluable", "M20": "not_evaluable",
                                                             "M40": "false"}
    assert lo_russo["K50"]["values"]["criteria"] == {"c1": True, "c2": True, "c3": False, "c4": False,
                                                     "c5": None}
    assert lo_russo["M20"]["values"]["criteria"] == {"c1": True, "c2": False, "c3": False, "c4": True,
                                                     "c5": None}


def test_2_3_H7_lo_russo_decided_false_once_ecog_is_known() -> None:
    # Same M20 with an ECOG table: 0 at day 0, 1 on day 30 (not >= 2) -> c5 false -> 2 true + 0 NE < 3 ->
    # false. K50 with ECOG 1 -> 2 on day 40 (>= 2 and > 1) -> c5 true -> 3 of 5 -> true.
    rows, patients = _threshold_table()
    visits = pd.DataFrame({"patient_id": ["M20", "M20", "K50", "K50"], "day": [0, 30, 0, 40],
                           "ecog": [0, 1, 1, 2]})
    table = _chosen(rows, ["recist11"], ["hpd.lo_russo2019"], patients, visits=visits)
    assert _one(table, "M20", "hpd.lo_russo2019")["flag"] == "false"
    assert _one(table, "K50", "hpd.lo_russo2019")["flag"] == "true"


def test_2_3_H9_kas_exactly_20_percent_and_5_mm_with_a_flat_reference() -> None:
    # KA: prebaseline -40: 15 + 10 = 25; baseline -3: 25 (TGR_ref = 0, TGK_ref = 0); day 18: 18 + 12 = 30:
    # +20.00 % and +5 mm exactly -> target-lesion progression (H9, non-strict) and RECIST PD.
    # TGR_exp = 100 (exp(3 ln 1.2 / (21/30.4375)) - 1) = 100 (exp(0.79277) - 1) = 120.95; dTGR = 120.95 > 100:
    # H9 true, H6 true (> 50). 2.2: "Difference-based definitions (Ferrara, Kas) remain evaluable when
    # TGR_ref <= 0"; ratio definitions with the default nonpositive_reference -> H1, H3, H4 not_evaluable.
    # Experimental interval 21 days < 28 -> evidence short_interval_warning (reference 37 days: none).
    # KB: day 18 18 + 11.9 = 29.9: +19.6 % -> no target progression (H9 false) and RECIST SD (H6 false).
    rows = _series("KA", [(-40, 15, 10), (-3, 15, 10), (18, 18, 12), (60, 18, 12), (102, 19, 12)])
    rows += _series("KB", [(-40, 15, 10), (-3, 15, 10), (18, 18, 11.9), (60, 18, 12), (102, 19, 12)])
    table = _patterns(rows, ["recist11"])
    assert _flags(table, "KA", ["hpd.kas2020", "hpd.ferrara2018", "hpd.champiat2017", "hpd.petrioli2020",
                                "hpd.saada_bouzid2017"]) == {
        "hpd.kas2020": "true", "hpd.ferrara2018": "true", "hpd.champiat2017": "not_evaluable",
        "hpd.petrioli2020": "not_evaluable", "hpd.saada_bouzid2017": "not_evaluable",
    }
    kas = _one(table, "KA", "hpd.kas2020")
    assert (kas["values"]["TGR_ref"], kas["values"]["TGR_exp"], kas["values"]["dTGR"]) == (
        0.0, 120.95, 120.95)
    warnings = " ".join(kas["evidence"].get("warnings", []))
    assert "short_interval_warning" in warnings and "experimental" in warnings and "reference" not in warnings
    assert _flags(table, "KB", ["hpd.kas2020", "hpd.ferrara2018"]) == {
        "hpd.kas2020": "false", "hpd.ferrara2018": "false"}


def test_0_2_first_evaluation_is_the_first_assessment_after_day_0_even_if_incomplete() -> None:
    # spec 0.2: "First evaluation: the first assessment with day > 0"; "not_evaluable or missing makes the sum
    # not computable". HP-1 prebaseline and baseline (-56: 40, -7: 44); day 91: 40 + 28 = 68 (complete).
    # FE1, day 49: A 37, B not evaluable: 37 alone is not PD vs 44 -> RECIST NE (anatomic.md 1.4 step 1);
    #   S_1 not computable, RECIST unknown, TTF unknown (no row in the patient table): nothing fails, every
    #   HPD definition not_evaluable (H7: c1, c2, c5 NE, c3/c4 false -> 0 + 3 >= 3 -> NE). The complete day 91
    #   is not the first evaluation (using it would make H1 true).
    # FE2, day 49: A 55, B not evaluable: 55 vs 44 is +25 %, +11 mm -> RECIST PD from the known part;
    #   treatment_end_day 100 (TTF 100 not < 60.875). H1 PD true, ratio NE -> NE; H5 TTF false -> false;
    #   H8 TTF false -> false; H7 c1 false, c2 NE, c3/c4 false, c5 NE -> 0 + 2 < 3 -> false.
    rows = _series("FE1", [(-56, 25, 15), (-7, 27, 17), (49, 37, None), (91, 40, 28)])
    rows += _series("FE2", [(-56, 25, 15), (-7, 27, 17), (49, 55, None), (91, 56, 28)])
    patients = pd.DataFrame({"patient_id": ["FE2"], "treatment_end_day": [100]})
    table = _patterns(rows, ["recist11"], patients)
    assert set(_flags(table, "FE1", HPD_DEFAULT).values()) == {"not_evaluable"}
    values = _one(table, "FE1", "hpd.champiat2017")["values"]
    assert (values["t_1"], values["S_1"]) == (49, None)
    assert _flags(table, "FE2", ["hpd.champiat2017", "hpd.ferrara2018", "hpd.kas2020", "hpd.kato2017",
                                 "hpd.matos2020", "hpd.lo_russo2019"]) == {
        "hpd.champiat2017": "not_evaluable", "hpd.ferrara2018": "not_evaluable",
        "hpd.kas2020": "not_evaluable", "hpd.kato2017": "false", "hpd.matos2020": "false",
        "hpd.lo_russo2019": "false",
    }


def test_2_1_ttf_from_patient_table_dates() -> None:
    # M40 sizes (baseline -3: 50 -> day 42: 70, +40 %, PD) for four patients; treatment_start 2021-01-01.
    # spec 2.1 TTF = treatment_start -> treatment_end; "If treatment is ongoing, TTF is censored at
    # last_contact_date: 'TTF < 2 months' is false if follow-up already exceeds 60 days, else not_evaluable".
    # T60 end 2021-03-02 = day 60 (31 + 28 + 1) < 60.875 -> H8 true; T61 end 2021-03-03 = day 61 -> false;
    # O61 ongoing, last contact 2021-03-03 (61 days > 60) -> false; O60 ongoing, last contact 2021-03-02
    # (60 days) -> TTF undecided while the size conditions hold -> not_evaluable.
    rows: list[dict] = []
    for patient in ("T60", "T61", "O61", "O60"):
        for day, a, b in ((-3, 30, 20), (42, 42, 28), (84, 44, 30), (126, 46, 32)):
            rows += [_lesion(patient, day, "A", a), _lesion(patient, day, "B", b)]
    patients = pd.DataFrame({
        "patient_id": ["T60", "T61", "O61", "O60"],
        "treatment_start": ["2021-01-01"] * 4,
        "treatment_end": ["2021-03-02", "2021-03-03", None, None],
        "last_contact_date": [None, None, "2021-03-03", "2021-03-02"],
    })
    table = _patterns(rows, ["recist11"], patients)
    flags = {p: _one(table, p, "hpd.matos2020")["flag"] for p in ("T60", "T61", "O61", "O60")}
    assert flags == {"T60": "true", "T61": "false", "O61": "false", "O60": "not_evaluable"}


def test_2_3_H6_pd_by_new_lesion_but_H9_needs_target_progression() -> None:
    # NL: prebaseline -56: 25 + 15 = 40; baseline -7: 40 (TGR_ref = 0); day 14: 29 + 17 = 46 (+15.00 %,
    # +6 mm: target not PD) and a new liver lesion -> RECIST PD (2.1: "... or a new lesion").
    # TGR_exp = 100 (exp(3 ln 1.15 / (21/30.4375)) - 1) = 83.62; dTGR = 83.62 - 0 > 50 -> H6 true (RECIST PD
    # at first evaluation). H9 needs "target-lesion RECIST progression (pct_1 >= 20 % and abs_1 >= 5 mm)":
    # 15 % -> false. H8: PD but 15 % < 20 % -> false. H1: TGR_ref = 0 <= 0 -> not_evaluable (default).
    rows = _series("NL", [(-56, 25, 15), (-7, 25, 15), (14, 29, 17), (56, 29, 17), (98, 30, 18)])
    rows += [_lesion("NL", day, "U1", 12, role="new", organ="liver") for day in (14, 56, 98)]
    table = _patterns(rows, ["recist11"])
    assert _flags(table, "NL", ["hpd.ferrara2018", "hpd.kas2020", "hpd.matos2020", "hpd.champiat2017"]) == {
        "hpd.ferrara2018": "true", "hpd.kas2020": "false", "hpd.matos2020": "false",
        "hpd.champiat2017": "not_evaluable",
    }
    assert _one(table, "NL", "hpd.ferrara2018")["values"]["dTGR"] == pytest.approx(83.62, abs=0.005)


def test_0_1_days_from_lesion_dates_and_treatment_start() -> None:
    # spec 0.1: "If only date is given, day = date - treatment_start". HP-1 typed with dates, start
    # 2021-03-01: 2021-01-04 = day -56, 2021-02-22 = day -7, 2021-04-19 = day 49, 2021-05-31 = day 91.
    # Sums 40, 44, 62, 75 -> spec 2.4 HP-1: ratio 3.855 (H1 true), t_pre -56, t_1 49.
    rows = []
    for date, (a, b) in (("2021-01-04", (25, 15)), ("2021-02-22", (27, 17)), ("2021-04-19", (37, 25)),
                         ("2021-05-31", (45, 30))):
        for row in _two("HD", 0, a, b):
            row.pop("day")
            rows.append(row | {"date": date})
    patients = pd.DataFrame({"patient_id": ["HD"], "treatment_start": ["2021-03-01"]})
    row = _one(_patterns(rows, ["recist11"], patients), "HD", "hpd.champiat2017")
    assert row["flag"] == "true"
    assert (row["values"]["t_pre"], row["values"]["t_0"], row["values"]["t_1"]) == (-56, -7, 49)
    assert row["values"]["TGR_ratio"] == 3.855


def test_0_2_baseline_on_day_0_and_label_on_an_incomplete_scan() -> None:
    # spec 0.1 "day 0 is the first dose"; 0.2 baseline = "the latest assessment with day <= 0", so the day 0
    # scan is the baseline and day -49 a prebaseline candidate.
    # D0: -49: 25 + 15 = 40; 0: 27 + 17 = 44; 56: 37 + 25 = 62; 98: 45 + 30. Intervals 49 and 56 days as in
    #   spec 2.4 HP-1 -> TGR_ref 19.44, TGR_exp 74.93, ratio 3.855: H1 true, t_0 0, t_pre -49.
    # LB: day -90 labelled "prebaseline" but B not measured there (not a candidate: 0.2 requires every
    #   baseline target); day -56 complete 40 -> reference -56 ("the label wins" only among candidates).
    rows = [r | {"timepoint_label": ""}
            for r in _series("D0", [(-49, 25, 15), (0, 27, 17), (56, 37, 25), (98, 45, 30)])]
    labelled = [r | {"timepoint_label": "prebaseline"} for r in _series("LB", [(-90, 20, None)])]
    rows += labelled + [r | {"timepoint_label": ""}
                        for r in _series("LB", [(-56, 25, 15), (-7, 27, 17), (49, 37, 25), (91, 45, 30)])]
    table = _patterns(rows, ["recist11"])
    d0 = _one(table, "D0", "hpd.champiat2017")
    assert (d0["flag"], d0["values"]["t_pre"], d0["values"]["t_0"], d0["values"]["t_1"]) == (
        "true", -49, 0, 56)
    assert d0["values"]["TGR_ratio"] == 3.855
    lb = _one(table, "LB", "hpd.champiat2017")["values"]
    assert (lb["t_pre"], lb["S_pre"]) == (-56, 40.0)


# --- 3. Dissociated response -------------------------------------------------------------------------------


def _dissociated_rows() -> list[dict]:
    # D1. Targets A (lung) 40, N1 (mediastinal node, short axis 20, long 28), C (liver) 30; non-target node
    # NT short axis 12. C is split into two fragments from day 56 (anatomic.md 0.4: fragments are summed).
    rows: list[dict] = []
    plan = [
        (-7, 40, (20, 28), [30], 12),
        (56, 42, (21, 28), [12, 13], 12),
        (112, 41, (13, 40), [16, 15], 12),
        (168, 41, (13, 40), [None, 33], 12),
    ]
    for day, a, (n_short, n_long), fragments, nt in plan:
        rows.append(_lesion("D1", day, "A", a))
        rows.append(_lesion("D1", day, "N1", n_short, organ="mediastinum", node=True, long=n_long))
        for value in fragments:
            rows.append(_lesion("D1", day, "C", value, organ="liver",
                                status="present" if value is not None else "absent"))
        rows.append(_lesion("D1", day, "NT", nt, role="non_target", organ="mediastinum", node=True))
    # D2. Targets A (lung) 30, B (liver) 20; non-target node NT short axis 12 at baseline, 9 afterwards.
    for day, b, nt in ((-7, 20, 12), (56, 26, 9), (112, 26, 9), (168, 26, 9)):
        rows += [_lesion("D2", day, "A", 30), _lesion("D2", day, "B", b, organ="liver"),
                 _lesion("D2", day, "NT", nt, role="non_target", organ="mediastinum", node=True)]
    return rows


def test_3_2_split_lesion_and_node_short_axis_dissociated_response() -> None:
    # spec 3.2: size x = short axis for nodes; responding r_base <= -0.30; progressing r_nadir >= 0.20 AND
    # a_nadir >= 5 vs the lesion's own nadir (smallest value at baseline or any earlier timepoint).
    # Day 56: A 42 (+5 %), N1 21 (+5 %), C 12 + 13 = 25 (-16.7 %), NT 12: all stable -> false.
    # Day 112: A 41 (+2.5 % vs nadir 40) stable; N1 13 vs 20 = -35 % responding (its long axis 28 -> 40 is
    # not used); C 16 + 15 = 31 vs its nadir 25 (day 56): +24 %, +6 mm -> progressing (vs baseline 30 only
    # +3.3 %) -> lesion_level true; Bernard-Tessier: -35 % < -30 %, +24 % > 20 %, summed 6 >= 5 -> true;
    # Tozuka: N1 < 0 and C progressing -> true.
    # 3.3: "the first such date is reported" -> day 112; "The row also reports the overall response of
    # each criterion at T": RECIST at 112: 41 + 13 + 31 = 85 vs nadir 88 (day 56: 42 + 21 + 25) not PD,
    # -5.56 % vs baseline 90 -> SD.
    definitions = ["dissociated.lesion_level", "dissociated.bernard_tessier2020", "dissociated.tozuka2020"]
    table = _chosen(_dissociated_rows(), ["recist11"], definitions)
    for definition in definitions:
        row = _one(table, "D1", definition)
        assert (row["flag"], row["day"]) == ("true", 112), definition
    values = _one(table, "D1", "dissociated.lesion_level")["values"]
    assert (values["responding"], values["progressing"]) == (["N1"], ["C"])
    assert values["responses"]["recist11"] == "SD"


def test_3_2_non_target_node_back_under_10_mm_is_the_responding_lesion() -> None:
    # D2 day 56: NT (measured non-target node) 12 -> 9: only -25 %, but "nodes: short axis < 10 mm counts as
    # responding when it was >= 10 mm at baseline" (3.2, "for each lesion with a measurement"); B 20 -> 26:
    # +30 %, +6 mm progressing; A unchanged -> lesion_level true on day 56. Bernard-Tessier needs a lesion
    # with r_base < -30 % (strict): -25 % and 0 % fail -> false. Tozuka: NT -25 % < 0 and B progressing
    # -> true.
    definitions = ["dissociated.lesion_level", "dissociated.bernard_tessier2020", "dissociated.tozuka2020"]
    table = _chosen(_dissociated_rows(), ["recist11"], definitions)
    assert _flags(table, "D2", definitions) == {
        "dissociated.lesion_level": "true", "dissociated.bernard_tessier2020": "false",
        "dissociated.tozuka2020": "true",
    }
    assert _one(table, "D2", "dissociated.lesion_level")["day"] == 56


# --- 4.1 Durable response ----------------------------------------------------------------------------------


def test_4_1_drr_response_across_ne_assessments() -> None:
    # RECIST 1.1 (confirm_response False: onset = first PR). Baseline -7: 40 + 30 = 70.
    # R1: 56: 25 + 20 = 45 (-35.7 %, PR); 112: 22 + 18 = 40 (PR); 168: A not evaluable -> NE (18 alone is not
    #   PD); 240: 20 + 17 = 37 (PR). No loss; last assessment in response 240 - 56 = 184 >= 183 -> durable.
    # R3: 56: PR (45); 112 and 168: A not evaluable -> NE; 240: 33 + 22 = 55 vs nadir 45 (incomplete sums
    #   never enter the nadir): +10 mm, +22.2 % -> PD = loss d_l; 240 - 56 = 184 >= 183 -> durable.
    # R4: as R3 with the PD on day 238: 182 < 183 -> false.
    # spec 4.1: d_l = "first PD ... after d_r"; an NE is not a loss.
    rows = _series("R1", [(-7, 40, 30), (56, 25, 20), (112, 22, 18), (168, None, 18), (240, 20, 17)])
    rows += _series("R3", [(-7, 40, 30), (56, 25, 20), (112, None, 20), (168, None, 21), (240, 33, 22)])
    rows += _series("R4", [(-7, 40, 30), (56, 25, 20), (112, None, 20), (168, None, 21), (238, 33, 22)])
    table = _patterns(rows, ["recist11"])
    flags = {p: _one(table, p, "durable.drr_optim")["flag"] for p in ("R1", "R3", "R4")}
    assert flags == {"R1": "true", "R3": "true", "R4": "false"}
    assert _one(table, "R3", "durable.drr_optim")["values"]["duration_days"] == 184


# --- 0.6 Several patients and readers in one table ---------------------------------------------------------


def _multi_rows() -> tuple[list[dict], pd.DataFrame]:
    # X read by R1 (prebaseline scan on day -56) and R2 (no prebaseline), Y read by R1; same lesion ids.
    rows = _series("X", [(-56, 25, 15), (-7, 27, 17), (49, 37, 25), (91, 26, 16), (133, 25, 15)], "R1")
    rows += _series("X", [(-7, 27, 17), (49, 30, 18), (91, 28, 17), (133, 26, 16)], "R2")
    rows += _series("Y", [(-3, 30, 20), (42, 40, 25), (84, 28, 18), (126, 26, 17)], "R1")
    patients = pd.DataFrame({"patient_id": ["X", "Y"], "treatment_start": ["2021-01-01", "2021-01-01"],
                             "new_therapy_start": [None, "2021-03-12"]})
    return rows, patients


def test_0_6_readers_and_patients_do_not_leak() -> None:
    # X/R1 is spec 2.4 HP-1 (40 -> 44 -> 62): H1 true with S_pre 40 on day -56. X/R2 has no scan before its
    # baseline: its own reference is missing (0.2), RECIST 44 -> 48 (+9.1 %) SD -> H1 false, H3 not_evaluable
    # with S_pre empty (R1's day -56 scan is not R2's).
    # iRECIST: X/R1 iUPD day 49 (62 vs 44: +40.9 %), day 91 42 (reset: 42 - 62 < 5, not PD vs 44) -> iSD ->
    # true, early. X/R2: no iUPD -> one false row. Y/R1: iUPD day 42 (65 vs 50), new_therapy_start
    # 2021-03-12 = day 70 (31 + 28 + 11) <= day 84 -> not_evaluable (1.4 step 2); X has no new therapy.
    rows, patients = _multi_rows()
    table = _patterns(rows, ["recist11", "irecist"], patients)
    for patient, reader in (("X", "R1"), ("X", "R2"), ("Y", "R1")):
        for definition in HPD_DEFAULT:
            _one(table, patient, definition, reader)
    r1 = _one(table, "X", "hpd.champiat2017", "R1")
    assert (r1["flag"], r1["values"]["S_pre"], r1["values"]["t_pre"]) == ("true", 40.0, -56)
    r2 = _one(table, "X", "hpd.champiat2017", "R2")
    assert (r2["flag"], r2["values"]["S_pre"], r2["values"]["S_1"]) == ("false", None, 48.0)
    assert _one(table, "X", "hpd.petrioli2020", "R2")["flag"] == "not_evaluable"
    assert _one(table, "Y", "hpd.petrioli2020", "R1")["values"]["S_pre"] is None
    psp_r1 = _one(table, "X", IRECIST, "R1")
    assert (psp_r1["flag"], psp_r1["values"]["timing"]) == ("true", "early")
    assert _one(table, "X", IRECIST, "R2")["flag"] == "false"
    psp_y = _one(table, "Y", IRECIST, "R1")
    assert psp_y["flag"] == "not_evaluable" and "day 70" in psp_y["reason"]
    assert not table["reader"].isin(["", "nan"]).any()


# --- A patient without follow-up ---------------------------------------------------------------------------


def _no_follow_up_rows() -> list[dict]:
    # W: ordinary patient (prebaseline, baseline, three follow-ups). Z: prebaseline day -60 and baseline
    # day -7 only.
    rows = _series("W", [(-60, 25, 15), (-7, 27, 17), (49, 37, 25), (91, 30, 20), (133, 28, 18)])
    rows += _series("Z", [(-60, 25, 15), (-7, 27, 17)])
    return rows


def test_2_3_patient_without_follow_up_hpd_not_evaluable() -> None:
    # spec 2.3 H1/H4/H8: "Not evaluable: ... no first evaluation"; every other definition needs S_1 or the
    # first-evaluation response, and with no patient table TTF is unknown (2.1), so nothing can fail:
    # every HPD definition is not_evaluable for Z, with S_pre 40 (day -60) still reported and no S_1.
    table = _patterns(_no_follow_up_rows(), ["recist11", "irecist"])
    assert set(_flags(table, "Z", HPD_DEFAULT).values()) == {"not_evaluable"}
    values = _one(table, "Z", "hpd.champiat2017")["values"]
    assert (values["S_pre"], values["S_0"], values["S_1"]) == (40.0, 44.0, None)
    assert _one(table, "W", "hpd.champiat2017")["values"]["S_1"] == 62.0


def test_0_6_patient_without_follow_up_has_a_row_per_default_definition() -> None:
    # spec 0.6: one row per patient x definition. The default definitions run for this table (W has
    # iRECIST timepoints and lesion rows) must also give Z a row; its flag is not fixed by the spec for a
    # patient with no follow-up, so only "false" or "not_evaluable" is required.
    table = _patterns(_no_follow_up_rows(), ["recist11", "irecist"])
    for definition in (IRECIST, "dissociated.lesion_level", "oligoprogression"):
        assert len(_rows(table, "W", definition)) == 1
        rows = _rows(table, "Z", definition)
        assert len(rows) == 1, definition
        assert rows.iloc[0]["flag"] in ("false", "not_evaluable")


def test_2_3_table_where_no_patient_has_follow_up_still_reports_hpd() -> None:
    # Only Z (prebaseline and baseline): the criteria have no timepoint row, but the HPD definitions read the
    # lesion table (spec 2.3 inputs) and are not_evaluable "no first evaluation".
    rows = [r for r in _no_follow_up_rows() if r["patient_id"] == "Z"]
    table = _assess(rows, ["recist11"]).patterns
    assert len(table) > 0
    hpd = table[table["pattern"] == "hyperprogression"]
    assert set(hpd["definition"]) == set(HPD_DEFAULT)
    assert set(hpd["flag"]) == {"not_evaluable"}
