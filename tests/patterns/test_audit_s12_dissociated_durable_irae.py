"""Audit of spec/patterns.md sections 0, 3 (dissociated response), 4 (durable response, oligoprogression),
5 (irAE look-alikes) and 6 (biomarkers).

Every input is a small table typed by hand and run through the public API (``ioresponse.load`` /
``ioresponse.run`` / ``ioresponse.patterns.find_patterns`` / ``ioresponse.biomarkers``). Every expected value
is worked out in the comments from the spec text (section numbers quoted), never read off the code.

Lesion classes (spec 3.2): x = short axis for nodes, long axis otherwise; r_base = (x_T - x_0) / x_0;
r_nadir = (x_T - x_nadir) / x_nadir; a_nadir = x_T - x_nadir; responding if r_base <= -0.30 or absent;
progressing if r_nadir >= 0.20 AND a_nadir >= 5, or new; else stable.
Three-valued logic (spec 0.3): AND is false as soon as one part is false, true if all are true, else
not_evaluable.

The first tests pin differences between the code and the spec found by this audit, since fixed.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import ioresponse
from ioresponse.biomarkers import evaluate_biomarkers, il8_changes
from ioresponse.criteria import Study
from ioresponse.patterns import find_patterns

DISSOCIATED = ["dissociated.lesion_level", "dissociated.bernard_tessier2020", "dissociated.tozuka2020"]
START = "2021-01-01"


def _lesion(day: int, lesion_id: str, value: float | None, *, role: str = "target", organ: str = "lung",
            node: bool = False, status: str = "present", patient: str = "P1", **extra: object) -> dict:
    """One lesion row; ``value`` is the short axis for nodes and the long axis otherwise."""
    row = {
        "patient_id": patient, "day": day, "lesion_id": lesion_id, "role": role, "organ": organ,
        "lymph_node": node,
        "long_axis_mm": np.nan if (node or value is None) else float(value),
        "short_axis_mm": float(value) if (node and value is not None) else np.nan,
        "status": status,
    }
    return row | extra


def _patterns(
    rows: list[dict], definitions: list[str], criteria: tuple[str, ...] = ("recist11",),
    patients: list[dict] | None = None, **options: object,
) -> tuple[ioresponse.Result, pd.DataFrame]:
    """The criteria's result and the patterns table of the chosen definitions (public API)."""
    study = ioresponse.load(pd.DataFrame(rows), patients=None if patients is None else pd.DataFrame(patients))
    result = ioresponse.run(study, list(criteria), patterns=False, **options)
    table = find_patterns(study, result.timepoints, result.best_response, definitions=definitions, **options)
    return result, table


def _flags(table: pd.DataFrame, patient: str = "P1") -> dict[str, str]:
    mine = table[table["patient_id"] == patient]
    return dict(zip(mine["definition"], mine["flag"], strict=True))


def _best(patient: str, onset: float, progression: float, pfs_day: float, event: bool) -> dict:
    """A best-response row (schema.BEST_RESPONSE_COLUMNS) typed by hand."""
    return {
        "patient_id": patient, "reader": "", "criterion": "recist11", "best_response": "PR",
        "best_response_confirmed": "PR", "bor_day": onset, "first_response_day": onset,
        "progression_day": progression, "duration_of_response_days": np.nan, "pfs_event": event,
        "pfs_day": pfs_day, "reason": "",
    }


def _tp(patient: str, day: int, response: str) -> dict:
    return {"patient_id": patient, "reader": "", "criterion": "recist11", "date": "", "day": day,
            "overall_response": response, "current_sum": np.nan, "nadir_sum": np.nan,
            "baseline_sum": np.nan, "confirmation_state": ""}


def _durable(best_rows: list[dict], points: list[dict], definition: str, **options: object) -> dict[str, str]:
    """find_patterns on typed criteria tables (as test_durable.py builds them), one flag per patient."""
    table = find_patterns(Study(), pd.DataFrame(points), pd.DataFrame(best_rows), definitions=[definition],
                          **options)
    return dict(zip(table["patient_id"], table["flag"], strict=True))


# =========================================================================================================
# Differences found (fixed since: the test asserts the spec)
# =========================================================================================================


def test_3_2_unmeasured_present_non_target_is_not_classified() -> None:
    # spec 3.2: "Per timepoint T (after baseline), for each lesion with a measurement: ..."; "Lesions without
    # measurements (non-measurable non-target) are used only for 'unequivocal progression' reported by the
    # criterion." spec 3.3: not evaluable only when "fewer than one measurable lesion ..." or "the call
    # would change if a lesion marked `not_evaluable` at T were responding or progressing".
    # Baseline: A lung 30 (target), N liver 20 (non-target, measured). Day 56: A 15 (-50 %: responding),
    # N status present, no measurement (not marked not_evaluable) -> N is not classified at T.
    # lesion_level: 1 responding, 0 progressing -> false. Tozuka: A shrinks but nothing progresses or is new
    # -> false.
    rows = [_lesion(-7, "A", 30), _lesion(-7, "N", 20, role="non_target", organ="liver"),
            _lesion(56, "A", 15), _lesion(56, "N", None, role="non_target", organ="liver")]
    _, table = _patterns(rows, DISSOCIATED)
    flags = _flags(table)
    assert flags["dissociated.lesion_level"] == "false"
    assert flags["dissociated.tozuka2020"] == "false"


def test_5_4_sarc_evidence_ignores_unmeasured_non_thoracic_lesion() -> None:
    # spec 5.4 IRAE-SARC: "Evidence adds `non_thoracic_disease_controlled` (true if every non-thoracic lesion
    # is responding or stable)"; spec 3.2: lesions are classified "for each lesion with a measurement".
    # spec 5.5 IRAE-2 layout: day 84 new nodes right hilar 14, left hilar 13, subcarinal 12 (short axis);
    # liver target T1 40 -> 26 (-35 %: responding). Bone non-target B measured 20 at baseline, reported
    # present without a measurement on day 84: not classified, and no unequivocal progression.
    # Every classified non-thoracic lesion (T1) is responding -> evidence true.
    rows = [
        _lesion(-7, "T1", 40, organ="liver"), _lesion(-7, "B", 20, role="non_target", organ="bone"),
        _lesion(84, "T1", 26, organ="liver"), _lesion(84, "B", None, role="non_target", organ="bone"),
        _lesion(84, "N1", 14, role="new", organ="hilar", node=True, side="right"),
        _lesion(84, "N2", 13, role="new", organ="hilar", node=True, side="left"),
        _lesion(84, "N3", 12, role="new", organ="subcarinal", node=True, side="midline"),
    ]
    _, table = _patterns(rows, ["irae"], criteria=("irecist",))
    sarc = table[table["definition"] == "IRAE-SARC"]
    assert len(sarc) == 1
    assert json.loads(sarc["evidence"].iloc[0])["non_thoracic_disease_controlled"] is True


def test_3_1_bernard_tessier_decrease_and_increase_in_different_lesions() -> None:
    # spec 3.1 Bernard-Tessier 2020: "concomitant relative decrease > 30 % in some lesions and relative
    # increase > 20 % in others"; spec 3.1 (Humbert & Chardin): "coexistence of responding and
    # non-responding lesions in the same patient".
    # One lesion A: 100 (day -7) -> 40 (day 56) -> 60 (day 112). Day 112: r_base = -40 %, r_nadir = +50 %,
    # a_nadir = 20 mm. A single lesion cannot be "some lesions" and "others" -> false at every timepoint.
    rows = [_lesion(-7, "A", 100), _lesion(56, "A", 40), _lesion(112, "A", 60)]
    _, table = _patterns(rows, DISSOCIATED)
    flags = _flags(table)
    assert flags["dissociated.lesion_level"] == "false"  # one lesion, one class: holds already
    assert flags["dissociated.bernard_tessier2020"] == "false"


def test_3_1_tozuka_shrinking_and_growing_lesions_are_different_lesions() -> None:
    # spec 3.1 Tozuka 2020: "some shrinking lesions together with growing or newly emerging lesions".
    # One lesion A: 100 -> 60 (day 56) -> 75 (day 112). Day 112: r_base = -25 % (< 0), r_nadir = +25 %,
    # a_nadir = 15 mm (progressing by 3.2). No other lesion, no new lesion -> no dissociation -> false.
    rows = [_lesion(-7, "A", 100), _lesion(56, "A", 60), _lesion(112, "A", 75)]
    _, table = _patterns(rows, DISSOCIATED)
    assert _flags(table)["dissociated.tozuka2020"] == "false"


def test_4_4_oligoprogression_not_evaluable_lesion_could_be_the_progressing_one() -> None:
    # spec 4.4: "progressing lesions (3.2, new lesions included) number 1 to `max_progressing_lesions` ...,
    # and every other lesion is responding or stable"; spec 0.3 AND: "true if all parts are true; else
    # not_evaluable"; spec 3.3: not evaluable when "the call would change if a lesion marked
    # `not_evaluable` at T were responding or progressing".
    # Targets A 15 -> 18, B 15 -> 18: sum 30 -> 36 (+20 %, +6 mm) -> RECIST PD on day 56. Each lesion +3 mm
    # (< 5): stable. Non-target N (liver) measured 12 at baseline, not_evaluable on day 56.
    # If N were progressing: 1 lesion, 1 organ, others stable -> true; if stable: 0 lesions -> false.
    # The call depends on N -> not_evaluable.
    rows = [_lesion(-7, "A", 15), _lesion(-7, "B", 15),
            _lesion(-7, "N", 12, role="non_target", organ="liver"),
            _lesion(56, "A", 18), _lesion(56, "B", 18),
            _lesion(56, "N", None, role="non_target", organ="liver", status="not_evaluable")]
    result, table = _patterns(rows, ["oligoprogression"])
    assert result.timepoints["overall_response"].tolist() == ["PD"]
    assert _flags(table)["oligoprogression"] == "not_evaluable"


def test_3_2_pet_variant_falls_back_to_suvmax_per_lesion() -> None:
    # spec 3.2: "PET variant uses per-lesion `sulpeak` (or `suvmax`) with the same +/-30 % bands and a minimum
    # absolute change of 0.8 SUL for progression"; spec 3.3 dissociated.pet: ">= 1 metabolically responding
    # AND >= 1 metabolically progressing or new FDG-avid lesion".
    # A (lung): SULpeak 10 -> 6: -40 % -> responding. B (liver): no SULpeak, SUVmax 4 -> 6: +50 %, +2.0
    # -> progressing. -> true.
    scan = {"patient_id": "P1", "uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.1,
            "role": "target"}
    rows = [scan | {"day": -5, "lesion_id": "A", "organ": "lung", "sulpeak": 10.0, "suvmax": 12.0},
            scan | {"day": -5, "lesion_id": "B", "organ": "liver", "sulpeak": np.nan, "suvmax": 4.0},
            scan | {"day": 56, "lesion_id": "A", "organ": "lung", "sulpeak": 6.0, "suvmax": 7.0},
            scan | {"day": 56, "lesion_id": "B", "organ": "liver", "sulpeak": np.nan, "suvmax": 6.0}]
    study = ioresponse.load(pd.DataFrame(rows))
    result = ioresponse.run(study, ["percist"], patterns=False)
    table = find_patterns(study, result.timepoints, result.best_response, definitions=["dissociated.pet"])
    assert _flags(table)["dissociated.pet"] == "true"


def test_4_3_off_treatment_no_response_is_false_even_without_treatment_end() -> None:
    # spec 4.3: "Rule: best response CR or PR (or, option, SD) before `treatment_end`, ...".
    # spec 0.3: "a definition is decided as `false` as soon as one required condition is known to fail, even
    # if another input is missing."
    # A 30 -> 40 on day 56 (+33 %, +10 mm): RECIST PD, best response PD; treatment_end not given.
    # "best response CR or PR" is known false -> false.
    rows = [_lesion(-7, "A", 30), _lesion(56, "A", 40)]
    patients = [{"patient_id": "P1", "treatment_start": START}]
    result, table = _patterns(rows, ["durable.off_treatment"], patients=patients)
    assert result.best_response["best_response"].tolist() == ["PD"]
    assert _flags(table)["durable.off_treatment"] == "false"


def test_4_3_off_treatment_missing_end_reason_is_not_evaluable() -> None:
    # spec 4.3: "... `treatment_end_reason` not progression, and no PD ... for >= `min_off_treatment_days`";
    # spec 0.3 AND: "true if all parts are true; else not_evaluable".
    # A 30 -> 15 (day 56, PR), 15 on days 112 and 400, no PD. treatment_end 2021-04-23 = day 112 (31 + 28 +
    # 31 + 22), reason empty. Off treatment 400 - 112 = 288 >= 183 and PR before the end are true, the reason
    # is unknown -> not_evaluable.
    rows = [_lesion(-7, "A", 30), _lesion(56, "A", 15), _lesion(112, "A", 15), _lesion(400, "A", 15)]
    patients = [{"patient_id": "P1", "treatment_start": START, "treatment_end": "2021-04-23",
                 "treatment_end_reason": ""}]
    _, table = _patterns(rows, ["durable.off_treatment"], patients=patients)
    assert _flags(table)["durable.off_treatment"] == "not_evaluable"


def test_4_3_off_treatment_include_sd_needs_a_best_response_of_sd() -> None:
    # spec 4.3: "best response CR or PR (or, option, SD) before `treatment_end`".
    # A 50 -> 48 on day 28 (SD timepoint, before min_sd_days) -> 70 on day 300 (+45.8 % vs nadir 48: PD).
    # Best response PD. Treatment stopped 2021-01-31 = day 30 for toxicity. With the SD option the best
    # response is still not CR, PR or SD -> false.
    rows = [_lesion(-7, "A", 50), _lesion(28, "A", 48), _lesion(300, "A", 70)]
    patients = [{"patient_id": "P1", "treatment_start": START, "treatment_end": "2021-01-31",
                 "treatment_end_reason": "toxicity"}]
    result, table = _patterns(rows, ["durable.off_treatment"], patients=patients,
                              off_treatment_include_sd=True)
    assert result.best_response["best_response"].tolist() == ["PD"]
    assert _flags(table)["durable.off_treatment"] == "false"


def _only_ne_follow_up() -> list[dict]:
    # A 30 -> 15, B 20 -> not_evaluable on day 56: the sum cannot be computed (spec 0.2) -> RECIST NE, the
    # only follow-up; best response NE: whether a response occurred is unknown.
    return [_lesion(-7, "A", 30), _lesion(-7, "B", 20), _lesion(56, "A", 15),
            _lesion(56, "B", None, status="not_evaluable")]


def test_4_1_drr_optim_best_response_ne_is_not_evaluable() -> None:
    # spec 4.1: durable if "`d_r <= 365` AND (...)" with d_r = first CR/PR; spec 0.3: "false if any part is
    # false; true if all parts are true; else not_evaluable". Best response NE: d_r is unknown, not absent.
    result, table = _patterns(_only_ne_follow_up(), ["durable.drr_optim"])
    assert result.best_response["best_response"].tolist() == ["NE"]
    assert _flags(table)["durable.drr_optim"] == "not_evaluable"


def test_4_3_off_treatment_without_an_assessment_before_treatment_end_is_false() -> None:
    # spec 4.3 AND of: best response CR/PR before treatment_end, reason not progression (toxicity: true),
    # no PD >= 183 days after the end. End day 30, the only assessment (NE) on day 56: no response can have
    # been documented before the end, so the first part is known false and 0.3 decides false "as soon as
    # one required condition is known to fail" (the s13 differential audit; this test first read it as
    # not_evaluable from the NE best response).
    patients = [{"patient_id": "P1", "treatment_start": START, "treatment_end": "2021-01-31",
                 "treatment_end_reason": "toxicity"}]
    _, table = _patterns(_only_ne_follow_up(), ["durable.off_treatment"], patients=patients)
    assert _flags(table)["durable.off_treatment"] == "false"


# =========================================================================================================
# Tricky cases checked that already follow the spec
# =========================================================================================================


def test_3_3_bernard_tessier_minus_30_percent_exactly_is_not_a_decrease() -> None:
    # spec 3.3: bernard_tessier2020 needs "r_base < -0.30 (strict)"; 3.2 responding is "r_base <= -0.30
    # (non-strict)". A 40 -> 28: -12 / 40 = -30 % exactly; B 10 -> 15: +50 %, +5 mm (>= 5: progressing).
    # lesion_level: A responding, B progressing -> true. Bernard-Tessier: -30 % is not < -30 % -> false.
    rows = [_lesion(-7, "A", 40), _lesion(-7, "B", 10), _lesion(56, "A", 28), _lesion(56, "B", 15)]
    _, table = _patterns(rows, DISSOCIATED)
    flags = _flags(table)
    assert flags["dissociated.lesion_level"] == "true"
    assert flags["dissociated.bernard_tessier2020"] == "false"


def test_3_3_tozuka_any_shrinkage_with_a_new_lesion() -> None:
    # spec 3.3 tozuka2020: ">= 1 lesion with r_base < 0 AND (>= 1 progressing lesion per 3.2 or any new
    # lesion)". A 30 -> 29 (-3.3 %: shrinking, but stable by 3.2), new liver lesion U1 on day 56.
    # Tozuka true; lesion_level: no responding lesion -> false; Bernard-Tessier: no lesion < -30 % -> false.
    rows = [_lesion(-7, "A", 30), _lesion(56, "A", 29), _lesion(56, "U1", 12, role="new", organ="liver")]
    _, table = _patterns(rows, DISSOCIATED)
    assert _flags(table) == {"dissociated.lesion_level": "false", "dissociated.bernard_tessier2020": "false",
                             "dissociated.tozuka2020": "true"}


def test_3_3_patient_level_reports_the_first_true_timepoint() -> None:
    # spec 3.3: "The patient-level flag is `true` if any post-baseline timepoint is `true`; the first such
    # date is reported." Day 56: A 30 -> 20 (-33 %: responding), B 20 -> 22 (+2 mm: stable) -> false.
    # Day 112: A 20 (responding), B 30 (+50 % and +10 mm vs nadir 20: progressing) -> true.
    rows = [_lesion(-7, "A", 30), _lesion(-7, "B", 20), _lesion(56, "A", 20), _lesion(56, "B", 22),
            _lesion(112, "A", 20), _lesion(112, "B", 30)]
    _, table = _patterns(rows, ["dissociated.lesion_level"])
    row = table[table["definition"] == "dissociated.lesion_level"].iloc[0]
    assert row["flag"] == "true" and int(row["day"]) == 112
    assert json.loads(row["evidence"])["days_true"] == [112]


@pytest.mark.parametrize("organs,expected", [(["liver", "bone", "adrenal"], "true"),
                                             (["liver", "bone", "adrenal", "brain"], "false")])
def test_4_4_oligoprogression_organ_limit(organs: list[str], expected: str) -> None:
    # spec 4.4: progressing lesions "number 1 to `max_progressing_lesions` (default 5 ...), lie in <=
    # `max_progressing_organs` organs (default 3)". Lung target A 40 -> 38 (stable); one new lesion per organ
    # on day 56 (RECIST PD): 3 lesions in 3 organs -> true; 4 lesions in 4 organs (4 > 3) -> false.
    rows = [_lesion(-7, "A", 40), _lesion(56, "A", 38)]
    rows += [_lesion(56, f"U{i}", 12, role="new", organ=o) for i, o in enumerate(organs)]
    _, table = _patterns(rows, ["oligoprogression"])
    assert _flags(table)["oligoprogression"] == expected


@pytest.mark.parametrize(
    "onset,progression,last,expected",
    [
        (365, np.nan, 548, "true"),  # onset day 365 (<= 365), ongoing 548 - 365 = 183 >= 183
        (366, np.nan, 700, "false"),  # onset > 365: not counted
        (84, 267, 267, "true"),  # lost on day 267: 183 days >= 183
        (84, 266, 266, "false"),  # lost on day 266: 182 days
        (84, np.nan, 266, "not_evaluable"),  # still responding with 182 days of follow-up
    ],
)
def test_4_1_drr_optim_day_boundaries(onset: int, progression: float, last: int, expected: str) -> None:
    # spec 4.1: "Durable if `d_r <= 365` AND (`d_l - d_r >= 183` OR no loss and last assessment in response
    # `- d_r >= 183`). Not evaluable if still responding with < 183 days of follow-up."
    points = [_tp("A", onset, "PR")]
    points += [_tp("A", last, "PD")] if not np.isnan(progression) else [_tp("A", last, "PR")]
    best = [_best("A", onset, progression, last, not np.isnan(progression))]
    assert _durable(best, points, "durable.drr_optim") == {"A": expected}


def test_4_2_pons_tostivint_threshold_boundaries() -> None:
    # spec 4.2: median PFS 4.0 months -> threshold 3 x 4.0 x 30.4375 = 365.25 days. "durable if PFS event time
    # >= threshold, or censored at or after the threshold; `false` if an event occurs before it;
    # `not_evaluable` if censored before it." Event 365 (< 365.25) false; event 366 true; censored 366 true;
    # censored 365 not evaluable.
    best = [_best("E365", 84, 365, 365, True), _best("E366", 84, 366, 366, True),
            _best("C366", 84, np.nan, 366, False), _best("C365", 84, np.nan, 365, False)]
    result = _durable(best, [], "durable.pons_tostivint2019", cohort_median_pfs_days=4.0 * 30.4375)
    assert result == {"E365": "false", "E366": "true", "C366": "true", "C365": "not_evaluable"}


def test_4_3_off_treatment_example_from_dates() -> None:
    # spec 4.3 example: "PR on day 112, treatment completed day 730, last assessment day 1100 without PD ->
    # 370 days off treatment -> true". Start 2021-01-01; day 730 = 2023-01-01 (365 + 365 days).
    rows = [_lesion(-7, "A", 30), _lesion(112, "A", 15), _lesion(1100, "A", 15)]
    patients = [{"patient_id": "P1", "treatment_start": START, "treatment_end": "2023-01-01",
                 "treatment_end_reason": "completed"}]
    _, table = _patterns(rows, ["durable.off_treatment"], patients=patients)
    row = table.iloc[0]
    assert row["flag"] == "true"
    assert json.loads(row["values"])["off_treatment_progression_free_days"] == 370


def test_5_4_pneu_clause_2_blocked_by_a_new_extrathoracic_node() -> None:
    # spec 5.4 IRAE-PNEU: ">= 2 new lung lesions whose sides include left and right while no lesion outside
    # thoracic organs is `progressing`"; thoracic = lung, pleura, lymph_node_hilar, lymph_node_mediastinal;
    # spec 3.2: a new lesion is progressing. A new axillary node (lymph_node_other) is outside the thorax
    # -> no IRAE-PNEU; it is not hilar/mediastinal -> no IRAE-SARC either. Without it: IRAE-PNEU.
    lungs = [_lesion(-7, "T1", 40, organ="liver"), _lesion(70, "T1", 40, organ="liver"),
             _lesion(70, "N1", 12, role="new", organ="lung", side="left"),
             _lesion(70, "N2", 10, role="new", organ="lung", side="right")]
    axilla = [_lesion(70, "N3", 15, role="new", organ="axilla", node=True, side="left")]
    _, with_node = _patterns(lungs + axilla, ["irae"])
    _, without = _patterns(lungs, ["irae"])
    assert set(with_node.loc[with_node["pattern"] == "irae_lookalike", "definition"]) == set()
    assert set(without.loc[without["pattern"] == "irae_lookalike", "definition"]) == {"IRAE-PNEU"}


def test_6_3_urothelial_cps_10_notes_the_consensus_wording() -> None:
    # spec 6.3 BM-UC-1L-CPS10: "PD-L1 CPS, 22C3 | >= 10 | ... cisplatin-ineligible | pembrolizumab" and "yes
    # (consensus writes '> 10 %')". CPS 10 -> 10 >= 10 true; under "> 10" it would not be met (as 6.6 BM-1
    # says of the "> 50 %" wording: "the output notes this").
    patient = {"patient_id": "B3", "tumor_type": "urothelial", "line_of_therapy": 1, "drug": "pembrolizumab",
               "cisplatin_eligible": False, "pdl1_cps": 10, "pdl1_assay": "22C3"}
    table = evaluate_biomarkers(pd.DataFrame([patient])).set_index("rule_id")
    assert table.loc["BM-UC-1L-CPS10", "meets_cutoff"] == "true"
    line = table.loc["BM-UC-1L-CPS10", "line"]
    assert "consensus" in line and "> 10" in line


def test_6_4_il8_other_unit_is_not_evaluable() -> None:
    # spec 6.4: "il8_ratio = value / baseline value (same unit required)". Baseline 40 pg/mL (day -3);
    # day 21: 0.022 ng/mL -> other unit -> no ratio; day 42: 20 pg/mL -> 20 / 40 = 0.5 -> decrease.
    samples = pd.DataFrame([
        {"patient_id": "I1", "day": -3, "analyte": "IL-8", "value": 40, "unit": "pg/mL"},
        {"patient_id": "I1", "day": 21, "analyte": "IL-8", "value": 0.022, "unit": "ng/mL"},
        {"patient_id": "I1", "day": 42, "analyte": "IL-8", "value": 20, "unit": "pg/mL"},
    ])
    table = il8_changes(samples)
    assert list(table["direction"]) == ["not_evaluable", "decrease"]
    assert np.isnan(table["il8_ratio"].iloc[0]) and table["il8_ratio"].iloc[1] == pytest.approx(0.5)
