"""irAE look-alike flags (spec/patterns.md section 5) and biomarker label rules (section 6), checked by hand.

Every expected value below was worked out from the spec text (sections 0, 5, 6), not from the code or
from other tests; the reasoning sits beside each case. Inputs go through the public API as a user runs
it: ``ioresponse.load`` / ``ioresponse.run`` / ``ioresponse.patterns.find_patterns`` with a findings
table, ``ioresponse.biomarkers.evaluate_biomarkers`` / ``il8_changes``, and ``ioresponse patterns`` on
the command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.biomarkers import default_rules, evaluate_biomarkers, il8_changes
from ioresponse.cli import app
from ioresponse.patterns import find_patterns
from ioresponse.schema import InputError

# ----------------------------------------------------------------------------------------------------
# irAE look-alikes (spec 5)
# ----------------------------------------------------------------------------------------------------

# Spec 5.4 "Level" and "Flag text shown to the reader" columns.
LEVEL = {
    "IRAE-PNEU": "review",
    "IRAE-SARC": "review",
    "IRAE-COL": "review",
    "IRAE-HEP": "review",
    "IRAE-PANC": "review",
    "IRAE-THY": "info",
    "IRAE-ADR": "review",
    "IRAE-HYPO": "review",
    "IRAE-MYO": "urgent",
    "IRAE-PERI": "review",
    "IRAE-VASC": "review",
    "IRAE-VTE": "urgent",
    "IRAE-ART": "info",
}
FLAG_TEXT = {
    "IRAE-THY": "Diffuse thyroid uptake: typical of immune thyroiditis (check TSH, free T4); not a "
    "metastasis pattern.",
    "IRAE-MYO": "New myocardial uptake on immunotherapy: consider immune myocarditis, which can be fatal; "
    "urgent clinical correlation (troponin, ECG).",
    "IRAE-SARC": "Symmetric bilateral hilar/mediastinal nodes on immunotherapy: consider a sarcoid-like "
    "reaction, especially if other disease is responding; tissue confirmation may be needed.",
    "IRAE-ADR": "Bilateral adrenal enlargement/uptake: consider immune adrenalitis (check cortisol/ACTH); a "
    "unilateral nodule is not covered by this flag.",
}


def les(day: int, lesion_id: str, size: float, *, role: str = "target", organ: str = "liver",
        node: bool = False, side: str = "", pattern: str = "") -> dict:
    """One lesion row (size = short axis for nodes, long axis otherwise)."""
    return {
        "patient_id": "P1",
        "day": day,
        "lesion_id": lesion_id,
        "role": role,
        "organ": organ,
        "lymph_node": node,
        "long_axis_mm": np.nan if node else size,
        "short_axis_mm": size if node else np.nan,
        "status": "present",
        "side": side,
        "pattern": pattern,
    }


def base(*days: int) -> list[dict]:
    """Baseline liver target T1 40 mm on day -7, unchanged (0 %: stable by 3.2) on each follow-up day."""
    return [les(-7, "T1", 40)] + [les(d, "T1", 40) for d in days]


def fnd(organ: str, finding: str = "uptake", pattern: str = "", side: str = "", day: int = 70,
        suvmax: float = 5.0) -> dict:
    """One findings-table row (spec 0.5)."""
    return {"patient_id": "P1", "day": day, "organ": organ, "side": side, "finding": finding,
            "pattern": pattern, "suvmax": suvmax, "size_mm": np.nan}


def irae_rows(lesion_rows: list[dict], findings: list[dict] | None = None) -> pd.DataFrame:
    """The irAE look-alike rows of the patterns table (find_patterns on the study and its RECIST 1.1 run)."""
    study = ioresponse.load(pd.DataFrame(lesion_rows))
    result = ioresponse.run(study, ["recist11"], patterns=False)
    table = find_patterns(
        study,
        result.timepoints,
        result.best_response,
        findings=pd.DataFrame(findings) if findings else None,
        definitions=["irae"],
    )
    return table[table["pattern"] == "irae_lookalike"].reset_index(drop=True)


def fired(lesion_rows: list[dict], findings: list[dict] | None = None, day: int = 70) -> set[str]:
    rows = irae_rows(lesion_rows, findings)
    return set(rows.loc[rows["day"] == day, "definition"])


# (findings at day 70 on top of a stable liver target, rule ids expected by hand on that assessment)
FINDING_CASES = [
    # IRAE-PNEU clause 1: organ lung AND (pattern in {ground_glass, consolidation, organizing_pneumonia,
    # reticular} OR finding = opacity).
    ("pneu_opacity_no_pattern", [fnd("lung", "opacity")], {"IRAE-PNEU"}),  # finding = opacity
    ("pneu_ground_glass", [fnd("lung", "uptake", "ground_glass")], {"IRAE-PNEU"}),
    ("pneu_consolidation", [fnd("lung", "lesion", "consolidation")], {"IRAE-PNEU"}),
    ("pneu_organizing", [fnd("lung", "uptake", "organizing_pneumonia")], {"IRAE-PNEU"}),
    ("pneu_reticular", [fnd("lung", "uptake", "reticular")], {"IRAE-PNEU"}),
    ("pneu_organ_upper_case", [fnd("LUNG", "opacity")], {"IRAE-PNEU"}),  # 5.3: mapped case-insensitively
    ("pneu_nodular_lesion_no", [fnd("lung", "lesion", "nodular")], set()),  # neither pattern nor opacity
    ("pneu_pleura_no", [fnd("pleura", "opacity", "ground_glass")], set()),  # organ must be lung
    # IRAE-SARC clause 1: >= 2 hilar/mediastinal rows whose hilar rows include left and right.
    ("sarc_hilar_left_right", [fnd("hilar", side="right"), fnd("hilar", side="left")], {"IRAE-SARC"}),
    # bilateral counts as left and right (5.4), 2 rows in all:
    ("sarc_hilar_bilateral_plus_subcarinal", [fnd("hilar", side="bilateral"), fnd("subcarinal")],
     {"IRAE-SARC"}),
    # hilar rows hold the right side only:
    ("sarc_hilar_right_mediastinal_left_no", [fnd("hilar", side="right"), fnd("mediastinal", side="left")],
     set()),
    # no hilar row at all, so the hilar rows cannot include left and right:
    ("sarc_mediastinal_only_no", [fnd("mediastinal", side="left"), fnd("mediastinal", side="right")], set()),
    # one row only (clause 1 needs >= 2) and no symmetric pattern:
    ("sarc_single_bilateral_hilar_no", [fnd("hilar", side="bilateral")], set()),
    # clause 2: one such row with pattern = symmetric
    ("sarc_single_symmetric", [fnd("mediastinal", pattern="symmetric")], {"IRAE-SARC"}),
    # IRAE-COL: organ colon / small_bowel AND (pattern diffuse/segmental/wall_thickening OR finding
    # wall_thickening).
    ("col_colon_diffuse", [fnd("colon", pattern="diffuse")], {"IRAE-COL"}),
    ("col_small_bowel_segmental", [fnd("small_bowel", pattern="segmental")], {"IRAE-COL"}),
    ("col_pattern_wall_thickening", [fnd("colon", pattern="wall_thickening")], {"IRAE-COL"}),
    ("col_finding_wall_thickening", [fnd("colon", "wall_thickening")], {"IRAE-COL"}),
    ("col_colon_focal_no", [fnd("colon", pattern="focal")], set()),
    ("col_stomach_no", [fnd("stomach", pattern="diffuse")], set()),  # stomach is not in the organ set
    # IRAE-HEP clause 1: liver AND pattern = diffuse
    ("hep_liver_diffuse", [fnd("liver", pattern="diffuse")], {"IRAE-HEP"}),
    ("hep_liver_focal_no", [fnd("liver", pattern="focal")], set()),
    ("hep_liver_enlargement_no", [fnd("liver", "enlargement")], set()),  # the rule reads pattern only
    # IRAE-PANC: pancreas AND (pattern diffuse/enlargement OR finding enlargement)
    ("panc_diffuse", [fnd("pancreas", pattern="diffuse")], {"IRAE-PANC"}),
    ("panc_pattern_enlargement", [fnd("pancreas", pattern="enlargement")], {"IRAE-PANC"}),
    ("panc_finding_enlargement", [fnd("pancreas", "enlargement", "focal")], {"IRAE-PANC"}),
    ("panc_focal_lesion_no", [fnd("pancreas", "lesion", "focal")], set()),
    # IRAE-THY: thyroid AND (pattern diffuse/bilateral/symmetric OR sides include left and right)
    ("thy_diffuse", [fnd("thyroid", pattern="diffuse")], {"IRAE-THY"}),
    ("thy_bilateral_pattern", [fnd("thyroid", pattern="bilateral")], {"IRAE-THY"}),
    ("thy_symmetric", [fnd("thyroid", pattern="symmetric")], {"IRAE-THY"}),
    ("thy_two_lobes", [fnd("thyroid", pattern="focal", side="left"), fnd("thyroid", pattern="focal",
                                                                           side="right")], {"IRAE-THY"}),
    ("thy_side_bilateral", [fnd("thyroid", pattern="focal", side="bilateral")], {"IRAE-THY"}),
    ("thy_left_focal_no", [fnd("thyroid", pattern="focal", side="left")], set()),
    ("thy_left_left_no", [fnd("thyroid", pattern="focal", side="left")] * 2, set()),
    # unmapped organ names stay as given and trigger no rule (5.3)
    ("thy_unmapped_organ_no", [fnd("thyroid gland", pattern="diffuse")], set()),
    # IRAE-ADR: adrenal rows with finding enlargement/uptake/lesion whose sides include left and right
    ("adr_left_enl_right_uptake", [fnd("adrenal", "enlargement", side="left"), fnd("adrenal", side="right")],
     {"IRAE-ADR"}),
    ("adr_bilateral_enlargement", [fnd("adrenal", "enlargement", side="bilateral")], {"IRAE-ADR"}),
    ("adr_lesions_both", [fnd("adrenal", "lesion", side="left"), fnd("adrenal", "lesion", side="right")],
     {"IRAE-ADR"}),
    ("adr_left_only_no", [fnd("adrenal", "enlargement", side="left")], set()),
    # effusion is not in {enlargement, uptake, lesion}: only the left row qualifies
    ("adr_right_effusion_no", [fnd("adrenal", "enlargement", side="left"), fnd("adrenal", "effusion",
                                                                              side="right")], set()),
    # IRAE-HYPO: any row with organ pituitary
    ("hypo_enlargement", [fnd("pituitary", "enlargement")], {"IRAE-HYPO"}),
    ("hypo_focal_lesion", [fnd("pituitary", "lesion", "focal")], {"IRAE-HYPO"}),
    ("hypo_brain_no", [fnd("brain", "lesion")], set()),
    # IRAE-MYO: any row with organ myocardium
    ("myo_uptake", [fnd("myocardium")], {"IRAE-MYO"}),
    ("myo_lesion", [fnd("myocardium", "lesion")], {"IRAE-MYO"}),
    # IRAE-PERI: pericardium AND finding effusion/wall_thickening/uptake
    ("peri_effusion", [fnd("pericardium", "effusion")], {"IRAE-PERI"}),
    ("peri_thickening", [fnd("pericardium", "wall_thickening")], {"IRAE-PERI"}),
    ("peri_uptake", [fnd("pericardium", "uptake")], {"IRAE-PERI"}),
    ("peri_lesion_no", [fnd("pericardium", "lesion")], set()),
    ("peri_enlargement_no", [fnd("pericardium", "enlargement")], set()),
    # IRAE-VASC: aorta / large_vessel AND finding wall_thickening/uptake
    ("vasc_aorta_thickening", [fnd("aorta", "wall_thickening")], {"IRAE-VASC"}),
    ("vasc_large_vessel_uptake", [fnd("large_vessel", "uptake")], {"IRAE-VASC"}),
    ("vasc_aorta_lesion_no", [fnd("aorta", "lesion")], set()),
    ("vasc_pulmonary_artery_no", [fnd("pulmonary_artery", "uptake")], set()),  # not aorta / large_vessel
    # IRAE-VTE: finding filling_defect / thrombus, any organ (and nothing else fires on these rows)
    ("vte_vein_thrombus", [fnd("vein", "thrombus")], {"IRAE-VTE"}),
    ("vte_pa_filling_defect", [fnd("pulmonary_artery", "filling_defect")], {"IRAE-VTE"}),
    ("vte_liver_thrombus", [fnd("liver", "thrombus")], {"IRAE-VTE"}),
    ("vte_aorta_thrombus", [fnd("aorta", "thrombus")], {"IRAE-VTE"}),  # VASC needs thickening / uptake
    ("vte_vein_opacity_no", [fnd("vein", "opacity")], set()),
    # IRAE-ART: any row with organ joint
    ("art_joint", [fnd("joint")], {"IRAE-ART"}),
    ("art_bone_no", [fnd("bone")], set()),
    # several rules at one assessment: one row per rule
    ("thy_and_myo", [fnd("thyroid", pattern="diffuse"), fnd("myocardium")], {"IRAE-THY", "IRAE-MYO"}),
]


@pytest.mark.parametrize(
    "findings,expected", [c[1:] for c in FINDING_CASES], ids=[c[0] for c in FINDING_CASES]
)
def test_rule_on_findings(findings: list[dict], expected: set[str]) -> None:
    rows = irae_rows(base(70), findings)
    assert set(rows["definition"]) == expected
    # one row per patient x assessment x rule, every row a shown flag (true) on day 70 with the spec level
    assert len(rows) == len(expected)
    assert (rows["flag"] == "true").all() and (rows["day"] == 70).all()
    for _, row in rows.iterrows():
        assert json.loads(row["values"])["level"] == LEVEL[row["definition"]]
        if row["definition"] in FLAG_TEXT:
            assert row["reason"].startswith(FLAG_TEXT[row["definition"]])


def test_IRAE1_thyroid_diffuse_info() -> None:
    # spec 5.5 IRAE-1: day 70, thyroid, pattern diffuse, suvmax 6.1 -> IRAE-THY (info); the SUVmax is
    # reported in the values (5.4 output row: values (suvmax, sizes)), days since start = 70.
    rows = irae_rows(base(70), [fnd("thyroid", pattern="diffuse", suvmax=6.1)])
    assert list(rows["definition"]) == ["IRAE-THY"]
    values = json.loads(rows.loc[0, "values"])
    assert values["level"] == "info" and values["suvmax"] == [6.1] and values["organs"] == ["thyroid"]
    assert rows.loc[0, "day"] == 70


# ---- timing: shown, never used to suppress a flag (5.1); C(A) needs day > 0 (5.4)


@pytest.mark.parametrize(
    "day,expected",
    [
        (0, set()),  # day 0 is the first dose, not an assessment with day > 0
        (1, {"IRAE-MYO"}),  # first day after the first dose
        (400, {"IRAE-MYO"}),  # > 12 months (365.25 d): timing is shown, not used to suppress
    ],
)
def test_timing_window(day: int, expected: set[str]) -> None:
    lesion_rows = base() + ([les(day, "T1", 40)] if day > 0 else [])
    rows = irae_rows(lesion_rows, [fnd("myocardium", day=day)])
    assert set(rows["definition"]) == expected
    if expected:
        assert rows.loc[0, "day"] == day


def test_days_from_dates_and_after_treatment_end() -> None:
    # treatment_start 2021-01-01; finding dated 2021-03-12: 31 (Jan) + 28 (Feb) + 11 = day 70 (0.1).
    # Treatment stopped on 2021-02-01 (day 31): irAEs occur after stopping too, the flag is still shown.
    patients = pd.DataFrame(
        [{"patient_id": "P1", "treatment_start": "2021-01-01", "treatment_end": "2021-02-01"}]
    )
    lesions = pd.DataFrame(
        [
            {"patient_id": "P1", "date": d, "lesion_id": "T1", "role": "target", "organ": "liver",
             "lymph_node": False, "long_axis_mm": 40.0, "status": "present"}
            for d in ("2020-12-25", "2021-03-12")
        ]
    )
    study = ioresponse.load(lesions, patients=patients)
    result = ioresponse.run(study, ["recist11"], patterns=False)
    finding = pd.DataFrame([{"patient_id": "P1", "date": "2021-03-12", "organ": "pituitary",
                             "finding": "enlargement"}])
    table = find_patterns(study, result.timepoints, result.best_response, findings=finding,
                          definitions=["irae"])
    rows = table[table["pattern"] == "irae_lookalike"]
    assert list(rows["definition"]) == ["IRAE-HYPO"]
    assert int(rows["day"].iloc[0]) == 70


# ---- lesion-table candidates: (a) role = new rows, (b) rows classified progressing by 3.2


def _lung_pair() -> list[dict]:
    return [les(70, "N1", 12, role="new", organ="lung", side="left"),
            les(70, "N2", 10, role="new", organ="lung", side="right")]


@pytest.mark.parametrize(
    "lesion_rows,expected",
    [
        # clause 2: 2 new lung lesions, left and right, no non-thoracic lesion progressing (liver 40 -> 40)
        (base(70) + _lung_pair(), {"IRAE-PNEU"}),
        # both on the left: the sides do not include right
        (base(70) + [les(70, "N1", 12, role="new", organ="lung", side="left"),
                     les(70, "N2", 10, role="new", organ="lung", side="left")], set()),
        # one new lesion only (even bilateral): clause 2 needs >= 2
        (base(70) + [les(70, "N1", 12, role="new", organ="lung", side="bilateral")], set()),
        # a new liver lesion is progressing (3.2: a new lesion is progressing) outside the thorax
        (base(70) + _lung_pair() + [les(70, "N3", 15, role="new", organ="liver")], set()),
        # liver target 40 -> 48: +20 % and +8 mm vs nadir 40 (>= 20 %, >= 5 mm): progressing, outside thorax
        ([les(-7, "T1", 40), les(70, "T1", 48)] + _lung_pair(), set()),
        # liver target 40 -> 47: +17.5 % (< 20 %): stable, so clause 2 holds
        ([les(-7, "T1", 40), les(70, "T1", 47)] + _lung_pair(), {"IRAE-PNEU"}),
        # a new mediastinal node is thoracic: it does not block clause 2 (and one node alone is no SARC)
        (base(70) + _lung_pair() + [les(70, "N3", 12, role="new", organ="mediastinal", node=True)],
         {"IRAE-PNEU"}),
        # clause 1 on a lesion row: a single new lung lesion with pattern ground_glass
        (base(70) + [les(70, "N1", 15, role="new", organ="lung", side="left", pattern="ground_glass")],
         {"IRAE-PNEU"}),
        # IRAE-HYPO on a new pituitary lesion (any row with organ pituitary)
        (base(70) + [les(70, "N1", 11, role="new", organ="pituitary")], {"IRAE-HYPO"}),
    ],
    ids=["pneu_lr", "pneu_left_left_no", "pneu_single_no", "pneu_new_liver_no", "pneu_liver_grows_20pct_no",
         "pneu_liver_17pct", "pneu_mediastinal_ok", "pneu_ground_glass_lesion", "hypo_new_lesion"],
)
def test_rule_on_lesion_rows(lesion_rows: list[dict], expected: set[str]) -> None:
    assert fired(lesion_rows) == expected


@pytest.mark.parametrize(
    "left,right,expected",
    [
        # 25 -> 30 mm: +20.0 % and +5 mm vs nadir 25: both >= (non-strict), so both progressing (3.2)
        (30, 30, {"IRAE-ADR"}),
        # 25 -> 29 mm: +16 % and +4 mm: stable, not in C(A)
        (29, 29, set()),
        # only the left one progresses: a unilateral enlargement is not covered
        (30, 29, set()),
    ],
)
def test_adrenal_targets_progressing(left: float, right: float, expected: set[str]) -> None:
    rows = [les(-7, "A1", 25, organ="adrenal", side="left"), les(-7, "A2", 25, organ="adrenal", side="right"),
            les(70, "A1", left, organ="adrenal", side="left"),
            les(70, "A2", right, organ="adrenal", side="right")]
    assert fired(rows) == expected


def test_IRAE3_unilateral_adrenal_nodule() -> None:
    # spec 5.5 IRAE-3: day 60, one new left adrenal nodule 18 mm, right adrenal normal -> no IRAE-ADR.
    assert fired(base(60) + [les(60, "N1", 18, role="new", organ="adrenal", side="left")], day=60) == set()


def test_adrenal_sides_at_different_assessments() -> None:
    # 5.4 IRAE-ADR: left and right "at the same assessment": left on day 70, right on day 126 -> no flag.
    findings = [fnd("adrenal", "enlargement", side="left", day=70),
                fnd("adrenal", "enlargement", side="right", day=126)]
    assert irae_rows(base(70, 126), findings).empty


def _irae2_rows(t1_day84: float) -> list[dict]:
    # spec 5.5 IRAE-2: new nodes on day 84, right hilar 14, left hilar 13, subcarinal 12 mm (short axis).
    return [
        les(-7, "T1", 40),
        les(84, "T1", t1_day84),
        les(84, "N1", 14, role="new", organ="hilar", node=True, side="right"),
        les(84, "N2", 13, role="new", organ="hilar", node=True, side="left"),
        les(84, "N3", 12, role="new", organ="subcarinal", node=True, side="midline"),
    ]


def test_IRAE2_sarcoid_like_nodes_response_unchanged() -> None:
    # Liver target 40 -> 26 mm = -35 % vs baseline: the only non-thoracic lesion is responding (3.2:
    # r_base <= -30 %), so non_thoracic_disease_controlled is true. iRECIST: new lesions -> iUPD, and it stays
    # iUPD with the flag shown next to it (5.1: a flag never changes a response).
    study = ioresponse.load(pd.DataFrame(_irae2_rows(26)))
    with_patterns = ioresponse.run(study, ["irecist"])
    without = ioresponse.run(study, ["irecist"], patterns=False)
    tp = with_patterns.timepoints
    assert list(tp["overall_response"]) == ["iUPD"] == list(without.timepoints["overall_response"])
    assert "IRAE-SARC" in tp["reason"].iloc[0]
    rows = with_patterns.patterns[with_patterns.patterns["pattern"] == "irae_lookalike"]
    assert list(rows["definition"]) == ["IRAE-SARC"]
    row = rows.iloc[0]
    evidence = json.loads(row["evidence"])
    assert evidence["non_thoracic_disease_controlled"] is True
    assert evidence["concurrent_response"] == {"irecist": "iUPD"}
    assert sorted(json.loads(row["values"])["lesion_ids"][:2]) == ["N1", "N2"]
    assert row["day"] == 84 and row["reason"].startswith(FLAG_TEXT["IRAE-SARC"])


def test_IRAE2_variant_non_thoracic_progressing() -> None:
    # Same nodes, liver target 40 -> 50 mm (+25 %, +10 mm vs nadir: progressing): the flag is still shown,
    # with non_thoracic_disease_controlled false (the evidence only raises or lowers strength).
    rows = irae_rows(_irae2_rows(50))
    assert list(rows["definition"]) == ["IRAE-SARC"]
    assert json.loads(rows.loc[0, "evidence"])["non_thoracic_disease_controlled"] is False


def test_IRAE2_variant_new_bone_lesion() -> None:
    # Liver target stable (40 -> 40) but a new bone lesion on day 84: a new lesion is progressing (3.2), so
    # not every non-thoracic lesion is responding or stable -> non_thoracic_disease_controlled false.
    rows = irae_rows(_irae2_rows(40) + [les(84, "N4", 15, role="new", organ="bone")])
    assert list(rows["definition"]) == ["IRAE-SARC"]
    assert json.loads(rows.loc[0, "evidence"])["non_thoracic_disease_controlled"] is False


@pytest.mark.parametrize(
    "size,expected",
    [
        # hilar target nodes 15 -> 20 mm short axis: +33 %, +5 mm vs nadir: progressing (3.2), left and right
        (20, {"IRAE-SARC"}),
        # 15 -> 18 mm: +20 % but +3 mm (< 5 mm): stable, not in C(A)
        (18, set()),
    ],
)
def test_sarc_on_growing_hilar_targets(size: float, expected: set[str]) -> None:
    rows = base(70) + [
        les(-7, "H1", 15, organ="hilar", node=True, side="right"),
        les(-7, "H2", 15, organ="hilar", node=True, side="left"),
        les(70, "H1", size, organ="hilar", node=True, side="right"),
        les(70, "H2", size, organ="hilar", node=True, side="left"),
    ]
    assert fired(rows) == expected


def test_thyroid_new_lesions_on_both_lobes() -> None:
    # IRAE-THY: thyroid rows whose sides include left and right (new lesion rows are candidates (a))
    rows = base(70) + [les(70, "N1", 11, role="new", organ="thyroid", side="left"),
                       les(70, "N2", 11, role="new", organ="thyroid", side="right")]
    assert fired(rows) == {"IRAE-THY"}


# ---- IRAE-HEP clause 2: the metabolic module reports the liver reference as not comparable


def _pet_study(liver_bl: float, liver_fu: float, uptake_fu: int = 62) -> ioresponse.Study:
    lesions = pd.DataFrame([les(-5, "T1", 40, organ="lung"), les(56, "T1", 38, organ="lung")])
    pet = pd.DataFrame(
        [
            {"patient_id": "P1", "day": d, "lesion_id": "L1", "role": "target", "organ": "lung",
             "sulpeak": s, "uptake_min": u, "liver_sul_mean": liv, "liver_sul_sd": 0.1}
            for d, s, u, liv in ((-5, 8.0, 60, liver_bl), (56, 7.5, uptake_fu, liver_fu))
        ]
    )
    return ioresponse.load(lesions, pet=pet)


@pytest.mark.parametrize(
    "liver_bl,liver_fu,expected",
    [
        # +5 %, +0.1 SUL: comparable (metabolic.md 5.4: |rel| <= 20 % and |abs| < 0.3) -> no flag
        (2.0, 2.1, set()),
        # +17.5 %, +0.35 SUL: the absolute change fails -> PERCIST says not comparable -> IRAE-HEP
        (2.0, 2.35, {"IRAE-HEP"}),
        # +20.0 %, +0.2 SUL: both limits met (<= 20 % non-strict) -> comparable, no flag
        (1.0, 1.2, set()),
        # +25 %, +0.25 SUL: the relative change fails -> not comparable -> IRAE-HEP
        (1.0, 1.25, {"IRAE-HEP"}),
    ],
)
def test_hep_liver_reference_not_comparable(liver_bl: float, liver_fu: float, expected: set[str]) -> None:
    result = ioresponse.run(_pet_study(liver_bl, liver_fu), ["recist11", "percist"])
    rows = result.patterns[result.patterns["pattern"] == "irae_lookalike"]
    assert set(rows["definition"]) == expected
    # the flag never changes the PERCIST call itself
    percist = result.timepoints[result.timepoints["criterion"] == "percist"]["overall_response"].iloc[0]
    assert percist == ("SMD" if liver_fu in (2.1, 1.2) else "NE")


def test_hep_not_triggered_by_other_qc_failure() -> None:
    # Uptake 80 min (outside 50-70) makes PERCIST NE, but the liver (2.0 -> 2.1: +5 %, +0.1) is comparable:
    # IRAE-HEP clause 2 reads the liver reference only -> no flag.
    result = ioresponse.run(_pet_study(2.0, 2.1, uptake_fu=80), ["recist11", "percist"])
    tp = result.timepoints
    assert tp.loc[tp["criterion"] == "percist", "overall_response"].iloc[0] == "NE"
    assert not (result.patterns["pattern"] == "irae_lookalike").any()


# ----------------------------------------------------------------------------------------------------
# Biomarkers (spec 6)
# ----------------------------------------------------------------------------------------------------

NSCLC_1L = {"patient_id": "B1", "tumor_type": "NSCLC", "line_of_therapy": 1, "drug": "pembrolizumab",
            "egfr_alk_negative": True, "pdl1_assay": "22C3"}
UC_1L = {"patient_id": "B3", "tumor_type": "urothelial", "line_of_therapy": 1, "cisplatin_eligible": False}
AGNOSTIC = {"patient_id": "B4", "tumor_type": "colorectal", "drug": "pembrolizumab",
            "prior_treatment_progressed": True}


def bm(patient: dict, **options: object) -> dict[str, str]:
    table = evaluate_biomarkers(pd.DataFrame([patient]), **options)
    return dict(zip(table["rule_id"], table["meets_cutoff"], strict=True))


def bm_line(patient: dict, rule_id: str, **options: object) -> str:
    table = evaluate_biomarkers(pd.DataFrame([patient]), **options)
    return str(table.loc[table["rule_id"] == rule_id, "line"].iloc[0])


@pytest.mark.parametrize(
    "tps,expected",
    [
        (50, {"BM-NSCLC-1L-50": "true", "BM-NSCLC-1L-1-US": "true"}),  # BM-1: 50 >= 50
        (50 - 5e-10, {"BM-NSCLC-1L-50": "true", "BM-NSCLC-1L-1-US": "true"}),  # 0.4: >= 50 - 1e-9
        (49.9, {"BM-NSCLC-1L-50": "false", "BM-NSCLC-1L-1-US": "true"}),
        (20, {"BM-NSCLC-1L-50": "false", "BM-NSCLC-1L-1-US": "true"}),  # BM-2
        (1, {"BM-NSCLC-1L-50": "false", "BM-NSCLC-1L-1-US": "true"}),  # 1 >= 1
        # 0.7 + 0.1 + 0.1 + 0.1 = 0.9999999999999999 in binary: >= 1 - 1e-9 (0.4)
        (0.7 + 0.1 + 0.1 + 0.1, {"BM-NSCLC-1L-50": "false", "BM-NSCLC-1L-1-US": "true"}),
        (0.99, {"BM-NSCLC-1L-50": "false", "BM-NSCLC-1L-1-US": "false"}),
        (0, {"BM-NSCLC-1L-50": "false", "BM-NSCLC-1L-1-US": "false"}),
        (100, {"BM-NSCLC-1L-50": "true", "BM-NSCLC-1L-1-US": "true"}),  # 100 is inside 0-100
        (None, {"BM-NSCLC-1L-50": "not_evaluable", "BM-NSCLC-1L-1-US": "not_evaluable"}),  # missing value
    ],
)
def test_nsclc_first_line_tps(tps: float | None, expected: dict[str, str]) -> None:
    assert bm(NSCLC_1L | {"pdl1_tps": tps}) == expected


def test_BM1_notes_consensus_wording_and_label_context() -> None:
    # spec 6.6 BM-1: "Under the consensus's wording '> 50 %' it would be false; the output notes this."
    line = bm_line(NSCLC_1L | {"pdl1_tps": 50}, "BM-NSCLC-1L-50")
    assert "consensus" in line and "> 50" in line
    assert "label context" in line.lower()  # 6.3: wording is "label context", never a treatment decision
    assert "not provided" in bm_line(NSCLC_1L | {"pdl1_tps": None}, "BM-NSCLC-1L-50")  # 6.3 missing value


def test_nsclc_tps_column_absent_is_not_evaluable() -> None:
    # full context given, no TPS column at all: "missing value -> not_evaluable" (6.3)
    assert bm(NSCLC_1L) == {"BM-NSCLC-1L-50": "not_evaluable", "BM-NSCLC-1L-1-US": "not_evaluable"}


def test_wrong_assay_and_equivalent_option() -> None:
    # 6.3: a TPS from SP263 is not silently used for a 22C3 rule -> not_evaluable with the assay named;
    # option accept_equivalent_assays uses it (60 >= 50 and 60 >= 1).
    patient = NSCLC_1L | {"pdl1_tps": 60, "pdl1_assay": "SP263"}
    assert bm(patient) == {"BM-NSCLC-1L-50": "not_evaluable", "BM-NSCLC-1L-1-US": "not_evaluable"}
    assert "SP263" in bm_line(patient, "BM-NSCLC-1L-50")
    both_true = {"BM-NSCLC-1L-50": "true", "BM-NSCLC-1L-1-US": "true"}
    assert bm(patient, accept_equivalent_assays=True) == both_true


def test_us_only_rule_says_so() -> None:
    # 6.3 BM-NSCLC-1L-1-US: FDA 11 Apr 2019 (US only); every row carries as_of.
    table = evaluate_biomarkers(pd.DataFrame([NSCLC_1L | {"pdl1_tps": 20}]))
    row = table.set_index("rule_id").loc["BM-NSCLC-1L-1-US"]
    assert "US only" in f"{row['regulator']} {row['context']}" and "2019" in row["regulator"]
    assert (table["as_of"].astype(str).str.strip() != "").all()


@pytest.mark.parametrize(
    "change,expected",
    [
        # EGFR/ALK alteration: outside the first-line context (no EGFR/ALK alteration required)
        ({"egfr_alk_negative": False}, {}),
        # second line, pembrolizumab: BM-NSCLC-2L-1 (after platinum), 60 >= 1; not the first-line rules
        ({"line_of_therapy": 2}, {"BM-NSCLC-2L-1": "true"}),
        ({"line_of_therapy": 3}, {"BM-NSCLC-2L-1": "true"}),
        ({"line_of_therapy": 2, "pdl1_tps": 1}, {"BM-NSCLC-2L-1": "true"}),  # 1 >= 1
        ({"line_of_therapy": 2, "pdl1_tps": 0.99}, {"BM-NSCLC-2L-1": "false"}),
        # first line nivolumab: no rule (pembrolizumab rules only)
        ({"drug": "nivolumab"}, {}),
        # another tumour type: no NSCLC rule
        ({"tumor_type": "melanoma"}, {}),
    ],
)
def test_nsclc_context(change: dict, expected: dict[str, str]) -> None:
    assert bm(NSCLC_1L | {"pdl1_tps": 60} | change) == expected


@pytest.mark.parametrize(
    "change,applies",
    [
        ({"drug": "nivolumab", "line_of_therapy": 2, "pdl1_tps": 0}, True),  # TPS 0: no PD-L1 condition
        ({"drug": "atezolizumab", "line_of_therapy": 3}, True),
        ({"drug": "nivolumab", "line_of_therapy": 1}, False),  # previously treated only
        # the rule names nivolumab and atezolizumab only
        ({"drug": "pembrolizumab", "line_of_therapy": 2, "pdl1_tps": 0}, False),
    ],
)
def test_nsclc_second_line_no_pdl1_condition(change: dict, applies: bool) -> None:
    # 6.3 BM-NSCLC-2L-NONE: previously treated advanced NSCLC, nivolumab or atezolizumab, no PD-L1 condition:
    # a PD-L1-negative patient is never "cut-off not met" under it.
    result = bm(NSCLC_1L | change)
    assert ("BM-NSCLC-2L-NONE" in result) == applies
    if applies:
        assert result["BM-NSCLC-2L-NONE"] != "false"


@pytest.mark.parametrize(
    "patient,expected",
    [
        # BM-3: CPS 8 < 10 -> false
        (UC_1L | {"drug": "pembrolizumab", "pdl1_cps": 8, "pdl1_assay": "22C3"}, {"BM-UC-1L-CPS10": "false"}),
        (UC_1L | {"drug": "pembrolizumab", "pdl1_cps": 10, "pdl1_assay": "22C3"}, {"BM-UC-1L-CPS10": "true"}),
        (UC_1L | {"drug": "pembrolizumab", "pdl1_cps": 9.99, "pdl1_assay": "22C3"},
         {"BM-UC-1L-CPS10": "false"}),
        # CPS from SP142 for a 22C3 rule: not evaluable
        (UC_1L | {"drug": "pembrolizumab", "pdl1_cps": 30, "pdl1_assay": "SP142"},
         {"BM-UC-1L-CPS10": "not_evaluable"}),
        # BM-3: IC 5 % (SP142) -> 5 >= 5 true
        (UC_1L | {"drug": "atezolizumab", "pdl1_ic": 5, "pdl1_assay": "SP142"}, {"BM-UC-1L-IC5": "true"}),
        (UC_1L | {"drug": "atezolizumab", "pdl1_ic": 4.99, "pdl1_assay": "SP142"}, {"BM-UC-1L-IC5": "false"}),
        (UC_1L | {"drug": "atezolizumab", "pdl1_ic": 5, "pdl1_assay": "22C3"},
         {"BM-UC-1L-IC5": "not_evaluable"}),
        (UC_1L | {"drug": "atezolizumab", "pdl1_ic": None, "pdl1_assay": "SP142"},
         {"BM-UC-1L-IC5": "not_evaluable"}),
        # cisplatin-eligible or second line: outside the context -> no line
        (UC_1L | {"drug": "atezolizumab", "pdl1_ic": 10, "pdl1_assay": "SP142",
                  "cisplatin_eligible": True}, {}),
        (UC_1L | {"drug": "pembrolizumab", "pdl1_cps": 20, "pdl1_assay": "22C3", "line_of_therapy": 2}, {}),
        # wrong tumour type for a urothelial rule
        (UC_1L | {"drug": "pembrolizumab", "pdl1_cps": 20, "pdl1_assay": "22C3",
                  "tumor_type": "melanoma"}, {}),
    ],
)
def test_urothelial_first_line(patient: dict, expected: dict[str, str]) -> None:
    assert bm(patient) == expected


@pytest.mark.parametrize(
    "status,expected",
    [
        ({"msi_status": "MSI-H", "mmr_status": ""}, "true"),
        ({"msi_status": "", "mmr_status": "dMMR"}, "true"),
        ({"msi_status": "MSS", "mmr_status": "pMMR"}, "false"),
        ({"msi_status": "MSI-L", "mmr_status": ""}, "false"),
        ({"msi_status": "", "mmr_status": ""}, "not_evaluable"),  # missing value
    ],
)
def test_msi_agnostic(status: dict, expected: str) -> None:
    # 6.3 BM-MSI-AGNOSTIC: MSI-H or dMMR positive, pembrolizumab, progressing after prior treatment.
    assert bm(AGNOSTIC | status)["BM-MSI-AGNOSTIC"] == expected


@pytest.mark.parametrize(
    "change",
    [{"prior_treatment_progressed": False}, {"drug": "nivolumab"}],
    ids=["not_progressed", "nivolumab"],
)
def test_msi_agnostic_outside_context(change: dict) -> None:
    assert "BM-MSI-AGNOSTIC" not in bm(AGNOSTIC | {"msi_status": "MSI-H"} | change)


@pytest.mark.parametrize(
    "tmb,assay,expected",
    [
        (12, "FoundationOne CDx", "true"),  # BM-4: 12 >= 10
        (9.9, "FoundationOne CDx", "false"),  # BM-4: 9.9 < 10
        (10, "FoundationOne CDx", "true"),  # non-strict >= 10
        (10 - 5e-10, "FoundationOne CDx", "true"),  # 0.4 tolerance
        (9.99, "FoundationOne CDx", "false"),
        (15, "WES", "not_evaluable"),  # wrong assay for the rule
        (None, "FoundationOne CDx", "not_evaluable"),  # missing value
    ],
)
def test_tmb_agnostic(tmb: float | None, assay: str, expected: str) -> None:
    assert bm(AGNOSTIC | {"tmb_mut_per_mb": tmb, "tmb_assay": assay})["BM-TMB-AGNOSTIC"] == expected


def test_tmb_needs_progression_after_prior_treatment() -> None:
    patient = AGNOSTIC | {"tmb_mut_per_mb": 20, "tmb_assay": "FoundationOne CDx",
                          "prior_treatment_progressed": False}
    assert "BM-TMB-AGNOSTIC" not in bm(patient)


@pytest.mark.parametrize(
    "tps,expected",
    [
        (50, "false"),  # 50 is not > 50 (the consensus wording BM-1 contrasts)
        (50 + 5e-10, "false"),  # 0.4: strict x > t is tested as x > t + 1e-9
        (50.1, "true"),
    ],
)
def test_strict_operator_in_an_extended_rule_table(tps: float, expected: str) -> None:
    # The rule table is data a user extends (README); a ">" rule follows 0.4's strict test.
    rules = default_rules()
    rule = rules[rules["rule_id"] == "BM-NSCLC-1L-50"].assign(rule_id="USER-GT-50", operator=">")
    assert bm(NSCLC_1L | {"pdl1_tps": tps}, rules=rule) == {"USER-GT-50": expected}


def test_disabled_candidate_rows_are_not_applied() -> None:
    # 6.3: head and neck SCC first line pembrolizumab CPS >= 1 is a candidate row, disabled until checked.
    patient = {"patient_id": "B9", "tumor_type": "hnscc", "line_of_therapy": 1, "drug": "pembrolizumab",
               "pdl1_cps": 20, "pdl1_assay": "22C3"}
    assert bm(patient) == {}


@pytest.mark.parametrize(
    "column,value",
    [("pdl1_tps", 100.5), ("pdl1_tps", -1), ("pdl1_cps", 101), ("pdl1_ic", -0.5), ("tmb_mut_per_mb", -0.1)],
)
def test_out_of_range_values_are_input_errors(column: str, value: float) -> None:
    # 6.3: values outside 0-100 for TPS/CPS/IC, or TMB < 0, are input errors.
    with pytest.raises(InputError):
        evaluate_biomarkers(pd.DataFrame([NSCLC_1L | {column: value}]))


def test_range_edges_are_accepted() -> None:
    # 0 and 100 are inside 0-100; TMB 0 is not < 0.
    patient = AGNOSTIC | {"tmb_mut_per_mb": 0, "tmb_assay": "FoundationOne CDx",
                          "pdl1_tps": 0, "pdl1_cps": 100, "pdl1_ic": 0}
    table = evaluate_biomarkers(pd.DataFrame([patient]))
    assert table.set_index("rule_id").loc["BM-TMB-AGNOSTIC", "meets_cutoff"] == "false"  # 0 < 10


# ---- IL-8 (6.4)


def _samples(patient: str, days_values: list[tuple[int, float]], unit: str = "pg/mL") -> list[dict]:
    return [{"patient_id": patient, "day": d, "analyte": "IL-8", "value": v, "unit": unit}
            for d, v in days_values]


def test_il8_example_and_directions() -> None:
    # 6.4 example: baseline 40 pg/mL, day 21: 22 pg/mL -> ratio 0.55, decrease (first sample in days 14-28:
    # the early ratio). Day 42: 40/40 = 1 -> unchanged; day 56: 60/40 = 1.5 -> increase.
    table = il8_changes(pd.DataFrame(_samples("I1", [(-3, 40), (21, 22), (42, 40), (56, 60)])))
    assert list(table["day"]) == [21, 42, 56]
    assert table["il8_ratio"].tolist() == pytest.approx([0.55, 1.0, 1.5])
    assert list(table["direction"]) == ["decrease", "unchanged", "increase"]
    assert list(table["early"]) == [True, False, False]


@pytest.mark.parametrize(
    "days,early_day",
    [
        ([13, 14, 28], 14),  # day 13 is before the window; 14 is the first sample inside it
        ([13, 28, 29], 28),  # 28 is the last day of the window (inclusive)
        ([13, 29], None),  # no sample in days 14-28
    ],
)
def test_il8_early_window(days: list[int], early_day: int | None) -> None:
    table = il8_changes(pd.DataFrame(_samples("I2", [(-1, 50)] + [(d, 25) for d in days])))
    early = table.loc[table["early"].astype(bool), "day"].tolist()
    assert early == ([] if early_day is None else [early_day])


# ---- the command line as a user runs it: BM-1, IRAE-1 and the IL-8 example in one call


def test_cli_patterns_writes_flags_biomarkers_and_il8(tmp_path: Path) -> None:
    (tmp_path / "lesions.csv").write_text(
        "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"
        "P1,-7,T1,target,lung,false,40,present\n"
        "P1,70,T1,target,lung,false,38,present\n"
    )
    (tmp_path / "patients.csv").write_text(
        "patient_id,treatment_start,tumor_type,line_of_therapy,drug,egfr_alk_negative,pdl1_tps,pdl1_assay\n"
        "P1,2021-01-01,NSCLC,1,pembrolizumab,true,50,22C3\n"
    )
    (tmp_path / "findings.csv").write_text(
        "patient_id,day,organ,side,finding,pattern,suvmax\nP1,70,thyroid,,uptake,diffuse,6.1\n"
    )
    (tmp_path / "samples.csv").write_text(
        "patient_id,day,analyte,value,unit\nP1,-3,IL-8,40,pg/mL\nP1,21,IL-8,22,pg/mL\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["patterns", str(tmp_path / "lesions.csv"), "--out", str(out), "--criteria", "recist11",
         "--patients", str(tmp_path / "patients.csv"), "--findings", str(tmp_path / "findings.csv"),
         "--samples", str(tmp_path / "samples.csv")],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    # IRAE-1: IRAE-THY, info, day 70
    flags = pd.read_csv(out / "irae_flags.csv", dtype=str)
    shown = list(zip(flags["rule_id"], flags["level"], flags["day"], strict=True))
    assert shown == [("IRAE-THY", "info", "70")]
    # BM-1: TPS 50 (22C3) -> BM-NSCLC-1L-50 true; also 50 >= 1 for the US-only rule
    biomarkers = pd.read_csv(out / "biomarkers.csv", dtype=str).set_index("rule_id")["meets_cutoff"].to_dict()
    assert biomarkers == {"BM-NSCLC-1L-50": "true", "BM-NSCLC-1L-1-US": "true"}
    patterns = pd.read_csv(out / "patterns.csv", dtype=str)
    bm_rows = patterns[patterns["pattern"] == "biomarker"].set_index("definition")["flag"].to_dict()
    assert bm_rows == {"BM-NSCLC-1L-50": "true", "BM-NSCLC-1L-1-US": "true"}
    # IL-8 example: 22 / 40 = 0.55, decrease, early
    il8 = pd.read_csv(out / "il8.csv")
    assert il8["il8_ratio"].tolist() == pytest.approx([0.55])
    assert list(il8["direction"]) == ["decrease"]


# ----------------------------------------------------------------------------------------------------
# A PET study alone (spec 5.3: C(A) (a) reads "role = new" lesion rows, of a PET table as of a CT one)


def _pet_only(new_sides: list[str], liver_fu: float = 2.05) -> ioresponse.Study:
    # target L1 (lung) 8.0 -> 7.5 SUL; liver 2.0 -> liver_fu; new adrenal lesions on day 56, one per side
    scan = {"patient_id": "P1", "uptake_min": 60, "liver_sul_sd": 0.1}
    rows = [scan | {"day": d, "lesion_id": "L1", "role": "target", "organ": "lung", "sulpeak": s,
                    "liver_sul_mean": liver}
            for d, s, liver in ((-5, 8.0, 2.0), (56, 7.5, liver_fu))]
    rows += [scan | {"day": 56, "lesion_id": f"N{i}", "role": "new", "organ": "Adrenal", "side": side,
                     "sulpeak": 4.0, "liver_sul_mean": liver_fu}
             for i, side in enumerate(new_sides)]
    return ioresponse.load(pd.DataFrame(rows))


@pytest.mark.parametrize("sides, expected", [
    (["left", "right"], {"IRAE-ADR"}),  # new uptake in both adrenals at one assessment
    (["bilateral"], {"IRAE-ADR"}),  # bilateral counts as left and right (5.4 "Sides")
    (["left"], set()),  # a unilateral nodule is not covered
    (["left", "left"], set()),
], ids=["left_right", "bilateral", "left", "left_twice"])
def test_pet_study_alone_new_adrenal_lesions(sides: list[str], expected: set[str]) -> None:
    result = ioresponse.run(_pet_only(sides), ["percist"])
    rows = result.patterns[result.patterns["pattern"] == "irae_lookalike"]
    assert set(rows["definition"]) == expected
    assert set(rows["day"]) <= {56}


def test_pet_study_alone_liver_reference_not_comparable_flags_hepatitis() -> None:
    # liver 2.0 -> 2.5: +25 % and +0.5 SUL, both limits of metabolic.md 5.4 fail -> PERCIST NE, IRAE-HEP
    result = ioresponse.run(_pet_only([], liver_fu=2.5), ["percist"])
    assert result.timepoints["overall_response"].tolist() == ["NE"]
    rows = result.patterns[result.patterns["pattern"] == "irae_lookalike"]
    assert rows["definition"].tolist() == ["IRAE-HEP"]
