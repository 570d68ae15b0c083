"""Second-round audit of spec/patterns.md sections 5 (irAE look-alikes), 6 (biomarkers) and 7 (endpoints).

Only rules that the earlier tests (tests/patterns/test_irae.py, test_pattern_rules.py,
tests/test_biomarkers.py, tests/cohort/*.py) do not pin yet. Every expected value comes from the spec
text, a published number, or the Clopper-Pearson formula of spec 7.1 evaluated here with
scipy.stats.beta; never from the code's output. Hand arithmetic is in the comments.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import beta

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "criteria"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "patterns"))
import pattern_rows as pr  # noqa: E402
from _lesions import lesions, study  # noqa: E402

from ioresponse.biomarkers import evaluate_biomarkers, il8_changes  # noqa: E402
from ioresponse.cohort.beyond_progression import treatment_beyond_progression  # noqa: E402
from ioresponse.cohort.rates import ResponseRateFitter, clopper_pearson, response_rates  # noqa: E402
from ioresponse.cohort.reclassification import progression_moves  # noqa: E402
from ioresponse.cohort.survival import (  # noqa: E402
    DEFAULT_LANDMARKS_DAYS,
    pfs_durations,
    response_durations,
)
from ioresponse.criteria import Study, registry  # noqa: E402
from ioresponse.patterns import irae  # noqa: E402


def _cp(x: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """spec 7.1 formula typed from the text: lower = BetaInv(a/2; x, n-x+1) (0 if x = 0),
    upper = BetaInv(1 - a/2; x+1, n-x) (1 if x = n)."""
    low = 0.0 if x == 0 else beta.ppf(alpha / 2, x, n - x + 1)
    high = 1.0 if x == n else beta.ppf(1 - alpha / 2, x + 1, n - x)
    return float(low), float(high)


# =============================================================================================
# 5. irAE look-alike flags
# =============================================================================================


def _f(organ: str, finding: str = "uptake", pattern: str = "", side: str = "", day: int = 70) -> dict:
    return {"patient_id": "P1", "day": day, "organ": organ, "side": side, "finding": finding,
            "pattern": pattern, "suvmax": 3.0, "size_mm": None}


def _rules(findings: list[dict] | None = None, rows: list[dict] | None = None,
           study_: Study | None = None) -> set[str]:
    data = study_ or (pr.study(rows) if rows else Study())
    table = irae.find_flags(data, findings=pd.DataFrame(findings) if findings else None)
    return set(table["rule_id"])


FLAG_TEXT = {
    # spec 5.4, column "Flag text shown to the reader" and "Level", copied verbatim.
    "IRAE-PNEU": ("review", "New lung opacities on immunotherapy: consider immune pneumonitis "
                  "(organizing-pneumonia pattern is the most common) before calling progression; correlate "
                  "with symptoms and oxygen saturation."),
    "IRAE-SARC": ("review", "Symmetric bilateral hilar/mediastinal nodes on immunotherapy: consider a "
                  "sarcoid-like reaction, especially if other disease is responding; tissue confirmation "
                  "may be needed."),
    "IRAE-COL": ("review", "Diffuse or segmental bowel uptake / wall thickening: consider immune colitis; "
                 "correlate with diarrhoea."),
    "IRAE-HEP": ("review", "Diffuse liver uptake change: consider immune hepatitis (check transaminases); "
                 "the PERCIST liver reference may not be comparable."),
    "IRAE-PANC": ("review", "Diffuse pancreatic enlargement/uptake: consider immune pancreatitis (check "
                  "lipase)."),
    "IRAE-THY": ("info", "Diffuse thyroid uptake: typical of immune thyroiditis (check TSH, free T4); not a "
                 "metastasis pattern."),
    "IRAE-ADR": ("review", "Bilateral adrenal enlargement/uptake: consider immune adrenalitis (check "
                 "cortisol/ACTH); a unilateral nodule is not covered by this flag."),
    "IRAE-HYPO": ("review", "Pituitary enlargement/uptake: consider hypophysitis (check pituitary "
                  "hormones)."),
    "IRAE-MYO": ("urgent", "New myocardial uptake on immunotherapy: consider immune myocarditis, which can "
                 "be fatal; urgent clinical correlation (troponin, ECG)."),
    "IRAE-PERI": ("review", "New pericardial effusion/thickening/uptake: consider immune pericarditis."),
    "IRAE-VASC": ("review", "Large-vessel wall uptake: consider immune vasculitis."),
    "IRAE-VTE": ("urgent", "Filling defect / thrombus: venous thromboembolism is reported with "
                 "immunotherapy; distinguish bland from tumor thrombus."),
    "IRAE-ART": ("info", "Joint/periarticular uptake: consider immune arthritis (extension, not in the "
                 "consensus's table)."),
}
TRIGGER = {
    # one minimal findings-table input per rule, each typed from the trigger column of spec 5.4
    "IRAE-PNEU": [_f("lung", "opacity")],
    "IRAE-SARC": [_f("lymph_node_mediastinal", "enlargement", "symmetric")],
    "IRAE-COL": [_f("small_bowel", "uptake", "diffuse")],
    "IRAE-HEP": [_f("liver", "uptake", "diffuse")],
    "IRAE-PANC": [_f("pancreas", "uptake", "diffuse")],
    "IRAE-THY": [_f("thyroid", "uptake", "symmetric")],
    "IRAE-ADR": [_f("adrenal", "uptake", side="bilateral")],
    "IRAE-HYPO": [_f("pituitary", "lesion")],
    "IRAE-MYO": [_f("myocardium", "uptake")],
    "IRAE-PERI": [_f("pericardium", "uptake")],
    "IRAE-VASC": [_f("large_vessel", "uptake")],
    "IRAE-VTE": [_f("vein", "thrombus")],
    "IRAE-ART": [_f("joint", "uptake")],
}


@pytest.mark.parametrize("rule", sorted(FLAG_TEXT))
def test_5_4_every_rule_shows_the_spec_flag_text_and_level(rule):
    # spec 5.4 rule table: the flag text and level of each row, shown verbatim to the reader.
    table = irae.find_flags(Study(), findings=pd.DataFrame(TRIGGER[rule]))
    row = table[table["rule_id"] == rule].iloc[0]
    assert (row["level"], row["flag_text"]) == FLAG_TEXT[rule]


@pytest.mark.parametrize(("finding", "pattern"), [
    ("opacity", ""),  # "or finding = opacity" alone
    ("lesion", "consolidation"),
    ("lesion", "reticular"),
    ("uptake", "organizing_pneumonia"),
])
def test_5_4_pneu_clause_1_pattern_or_opacity_each_alone(finding, pattern):
    # spec 5.4 IRAE-PNEU: organ = lung and (pattern in {ground_glass, consolidation, organizing_pneumonia,
    # reticular} or finding = opacity): each alternative on its own fires.
    assert "IRAE-PNEU" in _rules([_f("lung", finding, pattern, side="left")])


def test_5_4_pneu_clause_1_reads_the_pattern_of_a_single_new_lesion_row():
    # spec 5.4 C(A)(a): lesion rows with role = new; 0.5: the lesion table has an optional `pattern`.
    # One new left lung lesion with pattern organizing_pneumonia: clause 1 fires although clause 2
    # (>= 2 lesions, both sides) does not.
    rows = [pr.lesion(-5, "T1", 40, organ="liver"), pr.lesion(56, "T1", 38, organ="liver"),
            pr.lesion(56, "U1", 12, role="new", organ="lung", side="left", pattern="organizing_pneumonia")]
    assert "IRAE-PNEU" in _rules(rows=rows)


def test_5_4_pneu_clause_2_one_bilateral_lesion_is_not_two_lesions():
    # spec 5.4 IRAE-PNEU clause 2: ">= 2 new lung lesions whose sides include left and right". One new lesion
    # marked bilateral gives both sides but only 1 lesion < 2 -> no flag.
    rows = [pr.lesion(-5, "T1", 40, organ="liver"), pr.lesion(56, "T1", 40, organ="liver"),
            pr.lesion(56, "U1", 9, role="new", organ="lung", side="bilateral")]
    assert "IRAE-PNEU" not in _rules(rows=rows)


def test_5_4_pneu_clause_2_thoracic_progression_does_not_block():
    # spec 5.4: thoracic organs = lung, pleura, lymph_node_hilar, lymph_node_mediastinal; clause 2 only needs
    # "no lesion outside thoracic organs ... progressing". A new pleural lesion is thoracic -> still fires.
    rows = [pr.lesion(-5, "T1", 40, organ="liver"), pr.lesion(56, "T1", 40, organ="liver"),
            pr.lesion(56, "U1", 8, role="new", organ="lung", side="left"),
            pr.lesion(56, "U2", 9, role="new", organ="lung", side="right"),
            pr.lesion(56, "U3", 11, role="new", organ="pleura", side="right")]
    assert "IRAE-PNEU" in _rules(rows=rows)


@pytest.mark.parametrize(("liver_day56", "fires"), [
    (48, False),  # (48-40)/40 = +20 % >= 20 % and +8 mm >= 5 mm: progressing (3.2) -> blocks
    (47, True),  # +17.5 % < 20 %: stable -> extrathoracic disease not progressing -> flag
])
def test_5_4_pneu_clause_2_extrathoracic_progression_uses_the_3_2_lesion_class(liver_day56, fires):
    # spec 5.4 C(A)(b) and clause 2: "while no lesion outside thoracic organs is progressing" (3.2:
    # r_nadir >= 0.20 AND a_nadir >= 5, both non-strict). Liver target 40 mm at baseline.
    rows = [pr.lesion(-5, "T1", 40, organ="liver"), pr.lesion(56, "T1", liver_day56, organ="liver"),
            pr.lesion(56, "U1", 8, role="new", organ="lung", side="left"),
            pr.lesion(56, "U2", 9, role="new", organ="lung", side="right")]
    assert ("IRAE-PNEU" in _rules(rows=rows)) is fires


def test_5_4_pneu_clause_2_needs_new_lesions_not_growing_ones():
    # spec 5.4 clause 2: ">= 2 *new* lung lesions". Two lung targets (left 20 -> 26, right 20 -> 26: +30 %,
    # +6 mm, progressing by 3.2) are in C(A) but are not new, and carry no pneumonitis pattern -> no flag.
    rows = [pr.lesion(-5, "T1", 20, side="left"), pr.lesion(-5, "T2", 20, side="right"),
            pr.lesion(56, "T1", 26, side="left"), pr.lesion(56, "T2", 26, side="right")]
    assert "IRAE-PNEU" not in _rules(rows=rows)


def test_5_4_sarc_clause_2_single_symmetric_mediastinal_row():
    # spec 5.4 IRAE-SARC: "OR such a row with pattern = symmetric" (one hilar/mediastinal row suffices).
    assert "IRAE-SARC" in _rules([_f("lymph_node_mediastinal", "enlargement", "symmetric", side="midline")])


def test_5_4_sarc_needs_the_hilar_rows_on_both_sides_not_mediastinal_ones():
    # spec 5.4 IRAE-SARC: ">= 2 rows ... whose *hilar* rows include left and right". Two mediastinal nodes,
    # left and right, no hilar row, no symmetric pattern -> no flag.
    findings = [_f("lymph_node_mediastinal", "enlargement", side="left"),
                _f("lymph_node_mediastinal", "enlargement", side="right")]
    assert "IRAE-SARC" not in _rules(findings)


@pytest.mark.parametrize(("left_day84", "fires"), [
    (20, True),  # 15 -> 20: +33.3 %, +5 mm (>= 5, non-strict): progressing; with right: 2 hilar rows, L+R
    (19, False),  # 15 -> 19: +4 mm < 5: stable -> only the right node in C(A): 1 row < 2
])
def test_5_4_sarc_from_enlarging_hilar_target_nodes(left_day84, fires):
    # spec 5.2 "new or enlarging thoracic nodes"; 5.4 C(A)(b): lesion rows classified progressing by 3.2.
    # Right hilar node 16 -> 22 (+37.5 %, +6 mm): progressing in both cases.
    rows = [pr.lesion(-5, "N1", 15, organ="hilar", node=True, side="left"),
            pr.lesion(-5, "N2", 16, organ="hilar", node=True, side="right"),
            pr.lesion(84, "N1", left_day84, organ="hilar", node=True, side="left"),
            pr.lesion(84, "N2", 22, organ="hilar", node=True, side="right")]
    assert ("IRAE-SARC" in _rules(rows=rows)) is fires


def test_5_4_sarc_evidence_false_when_non_thoracic_disease_progresses_but_flag_still_shown():
    # spec 5.4 IRAE-SARC evidence: non_thoracic_disease_controlled = true only "if every non-thoracic lesion
    # is responding or stable". IRAE-2 nodes (5.5) plus a new liver lesion (new = progressing, 3.2):
    # the trigger still holds (2 hilar rows L+R), the evidence is false.
    rows = [pr.lesion(-5, "T1", 40, organ="liver"), pr.lesion(84, "T1", 26, organ="liver"),
            pr.lesion(84, "U1", 14, role="new", organ="hilar", node=True, side="right"),
            pr.lesion(84, "U2", 13, role="new", organ="hilar", node=True, side="left"),
            pr.lesion(84, "U3", 12, role="new", organ="subcarinal", node=True, side="midline"),
            pr.lesion(84, "U4", 15, role="new", organ="liver")]
    table = irae.find_flags(pr.study(rows))
    sarc = table[table["rule_id"] == "IRAE-SARC"]
    assert len(sarc) == 1
    assert sarc.iloc[0]["evidence"]["non_thoracic_disease_controlled"] is False


@pytest.mark.parametrize(("organ", "finding", "pattern", "rule", "fires"), [
    ("colon", "wall_thickening", "", "IRAE-COL", True),  # "or finding = wall_thickening"
    ("small_bowel", "uptake", "segmental", "IRAE-COL", True),
    ("stomach", "uptake", "diffuse", "IRAE-COL", False),  # stomach is not colon / small_bowel
    ("pancreas", "uptake", "diffuse", "IRAE-PANC", True),
    ("pancreas", "uptake", "enlargement", "IRAE-PANC", True),
    ("pancreas", "uptake", "focal", "IRAE-PANC", False),
    ("thyroid", "uptake", "bilateral", "IRAE-THY", True),
    ("pericardium", "wall_thickening", "", "IRAE-PERI", True),
    ("pericardium", "uptake", "", "IRAE-PERI", True),
    ("large_vessel", "uptake", "", "IRAE-VASC", True),
    ("aorta", "effusion", "", "IRAE-VASC", False),  # finding must be wall_thickening or uptake
    ("liver", "lesion", "focal", "IRAE-HEP", False),  # HEP needs pattern = diffuse
])
def test_5_4_rule_table_rows_on_each_alternative(organ, finding, pattern, rule, fires):
    # spec 5.4 trigger column of each row; each alternative of the "or" is tested alone.
    assert (rule in _rules([_f(organ, finding, pattern)])) is fires


def test_5_4_vte_fires_in_any_organ_and_does_not_make_it_hepatitis():
    # spec 5.4 IRAE-VTE: "a row with finding in {filling_defect, thrombus} (any organ)"; a focal liver
    # thrombus has no diffuse pattern, so IRAE-HEP does not fire.
    assert _rules([_f("liver", "thrombus", "focal")]) == {"IRAE-VTE"}


def test_5_4_adrenal_sides_must_be_at_the_same_assessment():
    # spec 5.4 IRAE-ADR: sides include left and right "at the same assessment"; left on day 56 and right on
    # day 84 are two assessments with one side each -> no flag.
    findings = [_f("adrenal", "enlargement", side="left", day=56),
                _f("adrenal", "enlargement", side="right", day=84)]
    assert "IRAE-ADR" not in _rules(findings)


def test_5_4_adrenal_new_lesions_on_both_sides_fire_and_effusion_does_not():
    # spec 5.4 IRAE-ADR: finding in {enlargement, uptake, lesion} "(or role = new)" on both sides. New left
    # and right adrenal lesions (the bilateral counterpart of IRAE-3) -> flag. Findings "effusion" on both
    # sides are not in the finding set -> no flag.
    rows = [pr.lesion(-5, "T1", 40, organ="liver"), pr.lesion(60, "T1", 40, organ="liver"),
            pr.lesion(60, "U1", 18, role="new", organ="adrenal", side="left"),
            pr.lesion(60, "U2", 16, role="new", organ="adrenal", side="right")]
    assert "IRAE-ADR" in _rules(rows=rows)
    assert "IRAE-ADR" not in _rules([_f("adrenal", "effusion", side="left"),
                                     _f("adrenal", "effusion", side="right")])


def test_5_4_new_pituitary_and_myocardial_lesions_in_the_lesion_table():
    # spec 5.4 IRAE-HYPO "any row with organ = pituitary", IRAE-MYO "any row with organ = myocardium":
    # new lesion rows are rows of C(A) too (a).
    rows = [pr.lesion(-5, "T1", 40, organ="liver"), pr.lesion(84, "T1", 40, organ="liver"),
            pr.lesion(84, "U1", 11, role="new", organ="pituitary"),
            pr.lesion(84, "U2", 10, role="new", organ="myocardium")]
    table = irae.find_flags(pr.study(rows))
    assert dict(zip(table["rule_id"], table["level"], strict=True)) == {"IRAE-HYPO": "review",
                                                                      "IRAE-MYO": "urgent"}


def test_5_4_equivocal_new_lung_opacity_is_still_a_candidate():
    # spec 5.4 C(A)(a): "lesion rows at A with role = new". A new left lung lesion with pattern ground_glass
    # that the reader marks equivocal (anatomic.md 0.1: not sure it is malignant) still has role = new ->
    # clause 1 (organ lung, pattern ground_glass) -> IRAE-PNEU. The criteria's handling of equivocal lesions
    # (no PD yet) is unchanged by a flag (5.1).
    rows = [pr.lesion(-5, "T1", 40, organ="liver"), pr.lesion(56, "T1", 38, organ="liver"),
            pr.lesion(56, "U1", 12, role="new", organ="lung", side="left", pattern="ground_glass",
                      equivocal=True)]
    assert "IRAE-PNEU" in _rules(rows=rows)


def test_5_1_timing_is_shown_never_used_to_suppress_a_flag():
    # spec 5.1: "irAEs can occur at any time, including after treatment stops, so timing is shown, not used to
    # suppress a flag". Myocardial uptake on day 900 (far beyond the median 34 days) is still flagged, with
    # days_since_treatment_start 900.
    table = irae.find_flags(Study(), findings=pd.DataFrame([_f("myocardium", day=900)]))
    row = table.iloc[0]
    assert (row["rule_id"], row["days_since_treatment_start"]) == ("IRAE-MYO", 900)


def test_5_4_output_row_columns_and_day_from_date():
    # spec 5.4 output row: patient_id, date, day, rule_id, level, organs, lesion_ids, values (suvmax, sizes),
    # flag_text, days_since_treatment_start, concurrent_response. spec 0.1: day = date - treatment_start:
    # 2021-01-01 -> 2021-03-12 = 31 (Jan) + 28 (Feb) + 11 = 70 days (IRAE-1 day).
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_start": ["2021-01-01"]})
    finding = {"patient_id": "P1", "date": "2021-03-12", "organ": "thyroid", "side": "", "finding": "uptake",
               "pattern": "diffuse", "suvmax": 6.1, "size_mm": None}
    table = irae.find_flags(Study(patients=patients), findings=pd.DataFrame([finding]))
    expected = {"patient_id", "date", "day", "rule_id", "level", "organs", "lesion_ids", "values",
                "flag_text", "days_since_treatment_start", "concurrent_response"}
    assert expected <= set(table.columns)
    row = table.iloc[0]
    assert (row["day"], row["days_since_treatment_start"], row["date"]) == (70, 70, "2021-03-12")
    assert row["organs"] == ["thyroid"] and row["values"]["suvmax"] == [6.1]


# =============================================================================================
# 6. Biomarkers
# =============================================================================================

NSCLC = {"patient_id": "B", "tumor_type": "NSCLC", "line_of_therapy": 1, "drug": "pembrolizumab",
         "egfr_alk_negative": True, "pdl1_assay": "22C3"}
UC = {"patient_id": "U", "tumor_type": "urothelial", "line_of_therapy": 1, "cisplatin_eligible": False}
TMB_ROW = {"patient_id": "T", "tumor_type": "cholangiocarcinoma", "drug": "pembrolizumab",
           "prior_treatment_progressed": True, "tmb_assay": "FoundationOne CDx"}


def _bm(row: dict, **options: object) -> pd.DataFrame:
    return evaluate_biomarkers(pd.DataFrame([row]), **options).set_index("rule_id")


def test_6_3_cps_column_absent_is_a_missing_value_not_a_skipped_rule():
    # spec 6.3: rules apply to "patients whose tumor_type, line_of_therapy, drug and eligibility columns match
    # the rule's context"; "missing value -> not_evaluable ('PD-L1 CPS not provided')". Urothelial, first
    # line, cisplatin-ineligible, pembrolizumab: BM-UC-1L-CPS10's context matches; no CPS given (column
    # absent).
    table = _bm(UC | {"drug": "pembrolizumab", "pdl1_assay": "22C3"})
    assert "BM-UC-1L-CPS10" in table.index
    line = table.loc["BM-UC-1L-CPS10"]
    assert line["meets_cutoff"] == "not_evaluable" and "PD-L1 CPS not provided" in line["line"]


def test_6_6_BM2_us_only_rule_says_us_only():
    # spec 6.6 BM-2: TPS 20 % -> BM-NSCLC-1L-1-US true "(US only)"; 6.3: FDA 11 Apr 2019 (US only).
    line = _bm(NSCLC | {"pdl1_tps": 20}).loc["BM-NSCLC-1L-1-US"]
    assert line["meets_cutoff"] == "true"
    assert "US only" in line["line"] and "11 Apr 2019" in line["regulator"]


def test_0_4_strict_consensus_reading_at_50_0000000001():
    # spec 0.4: "one landing at 50.0000000001 does not meet a '> 50' rule" (strict: x > t + 1e-9);
    # label >= 50 is met. So the BM-1 note "under the consensus's wording it would not be met" appears.
    line = _bm(NSCLC | {"pdl1_tps": 50.0000000001}).loc["BM-NSCLC-1L-50"]
    assert line["meets_cutoff"] == "true"
    assert "would not be met" in line["line"]


def test_6_6_BM1_no_consensus_note_when_both_readings_agree():
    # spec 6.6 BM-1: the note is about 50 % exactly; TPS 60: 60 >= 50 and 60 > 50 -> both met, no note.
    line = _bm(NSCLC | {"pdl1_tps": 60}).loc["BM-NSCLC-1L-50"]
    assert line["meets_cutoff"] == "true" and "consensus" not in line["line"]


@pytest.mark.parametrize(("tmb", "expected"), [
    (10 - 1e-12, "true"),  # spec 0.4: x >= t tested as x >= t - 1e-9
    (0.0, "false"),  # TMB 0 is a valid value (only TMB < 0 is an input error), 0 < 10
])
def test_6_3_tmb_tolerance_and_zero(tmb, expected):
    assert _bm(TMB_ROW | {"tmb_mut_per_mb": tmb}).loc["BM-TMB-AGNOSTIC", "meets_cutoff"] == expected


def test_8_tmb_rule_is_fda_2020_pembrolizumab_only():
    # spec 6.3 / 8: BM-TMB-AGNOSTIC, pembrolizumab, FDA 16 Jun 2020 (accelerated), "no EU rule".
    line = _bm(TMB_ROW | {"tmb_mut_per_mb": 12}).loc["BM-TMB-AGNOSTIC"]
    assert "16 Jun 2020" in line["regulator"] and "FDA" in line["regulator"]
    # drug context: nivolumab with TMB 20 is outside the rule's context -> no line
    assert "BM-TMB-AGNOSTIC" not in _bm(TMB_ROW | {"drug": "nivolumab", "tmb_mut_per_mb": 20}).index


def test_6_3_urothelial_rules_match_drug_and_first_line():
    # spec 6.3: BM-UC-1L-CPS10 is pembrolizumab, BM-UC-1L-IC5 atezolizumab, both first line.
    # Atezolizumab with CPS 50 (22C3): the CPS rule is not applied, and the IC rule, whose whole context
    # matches, is not evaluable for want of an IC value ("missing value -> not_evaluable"); pembrolizumab
    # line 2: neither.
    atezolizumab = _bm(UC | {"drug": "atezolizumab", "pdl1_cps": 50, "pdl1_assay": "22C3"})
    assert atezolizumab["meets_cutoff"].to_dict() == {"BM-UC-1L-IC5": "not_evaluable"}
    assert _bm(UC | {"drug": "pembrolizumab", "line_of_therapy": 2, "pdl1_cps": 50,
                     "pdl1_assay": "22C3"}).empty


def test_6_3_previously_treated_nsclc_no_pdl1_rule_is_nivolumab_or_atezolizumab_second_line():
    # spec 6.3 BM-NSCLC-2L-NONE: previously treated NSCLC, nivolumab or atezolizumab, no PD-L1 condition.
    base = {"patient_id": "N", "tumor_type": "NSCLC", "pdl1_tps": 0, "pdl1_assay": "22C3"}
    assert _bm(base | {"line_of_therapy": 2, "drug": "atezolizumab"})["meets_cutoff"].to_dict() == {
        "BM-NSCLC-2L-NONE": "true"}
    # pembrolizumab in line 2 gets the TPS >= 1 % rule (0 < 1 -> false), not the no-condition rule
    assert _bm(base | {"line_of_therapy": 2, "drug": "pembrolizumab"})["meets_cutoff"].to_dict() == {
        "BM-NSCLC-2L-1": "false"}
    # nivolumab in first line: no rule of the table
    assert _bm(base | {"line_of_therapy": 1, "drug": "nivolumab"}).empty


@pytest.mark.parametrize(("cps", "expected"), [(1, "true"), (0.99, "false")])
def test_6_3_candidate_hnscc_cps_1_when_enabled(cps, expected):
    # spec 6.3 candidate rows: "head and neck SCC first line pembrolizumab monotherapy CPS >= 1" (disabled
    # until checked; enabled on request): 1 >= 1 true, 0.99 false.
    row = {"patient_id": "H", "tumor_type": "HNSCC", "line_of_therapy": 1, "drug": "pembrolizumab",
           "pdl1_cps": cps, "pdl1_assay": "22C3"}
    assert _bm(row, include_disabled=True).loc["BM-HNSCC-1L-CPS1", "meets_cutoff"] == expected


def test_6_4_only_the_first_sample_in_days_14_28_is_the_early_ratio():
    # spec 6.4: "the early ratio uses the first sample in days 14-28". Samples on days 14 and 21 (both in the
    # window, same unit): only day 14 is early. Baseline 40: 14 -> 30/40 = 0.75, 21 -> 22/40 = 0.55.
    samples = pd.DataFrame({"patient_id": "A", "day": [-3, 14, 21], "analyte": "IL-8",
                            "value": [40.0, 30.0, 22.0], "unit": "pg/mL"})
    table = il8_changes(samples).set_index("day")
    assert bool(table.loc[14, "early"]) and not bool(table.loc[21, "early"])
    assert table.loc[14, "il8_ratio"] == pytest.approx(0.75)
    assert table.loc[21, "il8_ratio"] == pytest.approx(0.55)


# =============================================================================================
# 7. Endpoints
# =============================================================================================


def test_7_1_clopper_pearson_3_of_10_published_and_formula():
    # spec 7.1 formula; R binom.test(3, 10) prints 0.06673951 0.65245285 (published reference implementation).
    low, high = clopper_pearson(3, 10)
    assert (low, high) == pytest.approx(_cp(3, 10), abs=1e-9)
    assert low == pytest.approx(0.0667, abs=5e-5) and high == pytest.approx(0.6525, abs=5e-5)


def test_8_clopper_pearson_hodi_late_pseudoprogression_9_of_327():
    # spec 8: Hodi 2016 late pseudoprogression 9/327 (consensus 2.8 %): 9/327 = 2.75 %; exact CI from the 7.1
    # formula; and the CI is symmetric: CI(x, n) = 1 - reversed CI(n - x, n).
    low, high = clopper_pearson(9, 327)
    assert (low, high) == pytest.approx(_cp(9, 327), abs=1e-9)
    assert round(9 / 327 * 100, 2) == 2.75
    low_c, high_c = clopper_pearson(318, 327)
    assert (low, high) == pytest.approx((1 - high_c, 1 - low_c), abs=1e-12)


def _immune_best(labels: list[str], criterion: str = "irecist") -> pd.DataFrame:
    return pd.DataFrame({"patient_id": [f"P{i}" for i in range(len(labels))], "reader": "",
                         "criterion": criterion, "best_response": labels, "best_response_confirmed": labels})


def test_7_1_7_2_irecist_labels_orr_3_of_10_dcr_7_of_10_with_exact_cis():
    # spec 7.1: responders iCR/iPR for immune criteria; 7.2 DCR adds SD (iSD; NON-iCR/NON-iUPD is the
    # non-target-only "SD"); iUPD/iCPD are neither. 1 iCR + 2 iPR = 3; + 3 iSD + 1 NON-iCR/NON-iUPD = 7.
    labels = ["iCR", "iPR", "iPR", "iSD", "iSD", "iSD", "NON-iCR/NON-iUPD", "iUPD", "iUPD", "iCPD"]
    row = response_rates(_immune_best(labels), population="all_treated").iloc[0]
    assert (row["n"], row["responders"], row["disease_control"]) == (10, 3, 7)
    assert (row["orr_ci_low"], row["orr_ci_high"]) == pytest.approx(_cp(3, 10), abs=1e-9)
    assert (row["dcr_ci_low"], row["dcr_ci_high"]) == pytest.approx(_cp(7, 10), abs=1e-9)


def test_7_1_alpha_option_gives_the_90_percent_interval():
    # spec 7.1: "level 1 - alpha" -> alpha 0.10: lower = BetaInv(0.05; 3, 8), upper = BetaInv(0.95; 4, 7).
    labels = ["iPR"] * 3 + ["iUPD"] * 7
    summary = ResponseRateFitter(0.10, population="all_treated").fit(_immune_best(labels), groups=()).summary
    row = summary.iloc[0]
    assert (row["orr_ci_low"], row["orr_ci_high"]) == pytest.approx(_cp(3, 10, 0.10), abs=1e-9)
    assert row["orr_ci_high"] < _cp(3, 10)[1]  # a 90 % interval is narrower than the 95 % one


RESET_AROUND_LANDMARK = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    45   present
84  T1     target liver n    45   present
84  N1     new    lung  n    10   present
126 T1     target liver n    45   present
126 N1     new    lung  n    -    absent
"""


def test_7_2_dcr_landmark_side_by_side_recist_pd_vs_irecist_reset():
    # spec 7.2 landmark 122 days: "CR, PR or SD at 4 months"; 7: per criterion, side by side.
    # Target 50 -> 45 (-10 %: SD on day 56 >= 42). Day 84 new lesion: RECIST PD (progression), iRECIST iUPD.
    # Day 126: new lesion gone, target 45: iRECIST iSD (iUPD reset, not progression, 7.4); RECIST: after PD.
    # RECIST: only SD day 56 < 122 before progression -> not in control at 122: DCR 0/1.
    # iRECIST: iSD on day 126 >= 122 -> DCR 1/1.
    table = lesions(RESET_AROUND_LANDMARK)
    results = [registry()[key].assess(study(table)) for key in ("recist11", "irecist")]
    best = pd.concat([r.best_response for r in results], ignore_index=True)
    timepoints = pd.concat([r.timepoints for r in results], ignore_index=True)
    rates = response_rates(best, timepoints=timepoints, dcr_landmark_days=122).set_index("criterion")
    assert rates.loc["recist11", "disease_control"] == 0
    assert rates.loc["irecist", "disease_control"] == 1


IRRC_PR_THEN_PD = """
day lesion role   organ node long perp status
-7  L1     target liver n    40   30   present
56  L1     target liver n    20   20   present
84  L1     target liver n    20   20   present
112 L1     target liver n    26   20   present
140 L1     target liver n    {l140} {p140} present
"""


def test_7_3_7_4_irrc_dor_and_pfs_end_at_the_first_irpd_when_confirmed():
    # spec 7.3 "irRC: the first irPD date when confirmed"; 7.4 "irRC ... first irPD confirmed". Products:
    # -7 1200; 56: 400 (-66.7 % <= -50 %: irPR); 84: 400 irPR, 28 days later -> confirms day 56 (first day
    # of the confirmed pair); 112: 26 x 20 = 520 vs nadir 400 = +30 % >= 25 %: irPD pending; 140: 26 x 21 =
    # 546 vs nadir 400 = +36.5 % -> confirmed; progression day 112. DoR = 112 - 56 = 56 (event);
    # PFS 112 (event).
    result = registry()["irrc"].assess(study(lesions(IRRC_PR_THEN_PD.format(l140=26, p140=21))))
    durations = response_durations(result.best_response).iloc[0]
    assert (durations["duration_days"], bool(durations["event"])) == (56, True)
    pfs = pfs_durations(result.best_response).iloc[0]
    assert (pfs["duration_days"], pfs["event_type"]) == (112, "progression")


def test_7_3_7_4_irrc_unconfirmed_irpd_is_not_an_event():
    # Same, day 140: 20 x 20 = 400 (vs nadir 400: 0 %; vs TB0 -66.7 %: irPR) -> the irPD of day 112 is not
    # confirmed (anatomic.md 0.8). No event: PFS censored at the last adequate assessment 140; DoR 140 - 56 =
    # 84, censored.
    result = registry()["irrc"].assess(study(lesions(IRRC_PR_THEN_PD.format(l140=20, p140=20))))
    durations = response_durations(result.best_response).iloc[0]
    assert (durations["duration_days"], bool(durations["event"])) == (84, False)
    pfs = pfs_durations(result.best_response).iloc[0]
    assert (pfs["duration_days"], bool(pfs["event"])) == (140, False)


def test_7_3_irrc_unconfirmed_irpr_has_no_duration_of_response():
    # spec 7.3 "For responders only"; 7.1: irRC responders are read confirmed. 40 x 30 = 1200 -> day 56
    # 20 x 20 = 400 (-66.7 %: irPR), day 70 400 again but only 14 < 28 days later: not confirmed, no later
    # scan -> not a responder under irRC -> no DoR row.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    40   30   present
56  L1     target liver n    20   20   present
70  L1     target liver n    20   20   present
"""
    result = registry()["irrc"].assess(study(lesions(text)))
    assert response_durations(result.best_response).empty


def test_7_4_death_after_new_therapy_is_censored_at_the_last_assessment_before_it():
    # spec 7.4: "death without progression is an event"; option "censor at the last assessment before
    # new_therapy_start". D1: no PD, last adequate assessment day 112, new therapy day 150, death day 300.
    # Default: death event at 300. With the option: the death (300 > 150) is after the new therapy ->
    # censored at day 112 (last assessment on or before 150).
    best = pd.DataFrame({"patient_id": ["D1"], "reader": "", "criterion": "recist11", "pfs_day": [112],
                         "pfs_event": [False]})
    timepoints = pd.DataFrame({"patient_id": "D1", "reader": "", "criterion": "recist11",
                               "day": [56, 112], "overall_response": ["SD", "SD"]})
    patients = pd.DataFrame({"patient_id": ["D1"], "os_days": [300], "os_event": [True],
                             "new_therapy_start_day": [150]})
    default = pfs_durations(best, patients).iloc[0]
    assert (default["duration_days"], default["event_type"]) == (300, "death")
    moved = pfs_durations(best, patients, timepoints=timepoints, censor_at_new_therapy=True).iloc[0]
    assert (moved["duration_days"], bool(moved["event"])) == (112, False)


def test_0_1_7_4_default_landmarks_are_6_and_12_months_in_days():
    # spec 0.1: 6 months = 182.625 days, 12 months = 365.25 days (months = d / 30.4375).
    assert tuple(DEFAULT_LANDMARKS_DAYS) == pytest.approx((6 * 30.4375, 12 * 30.4375))


IR_RESET = """
day lesion role       organ node long status
-7  T1     target     liver n    40   present
56  T1     target     liver n    36   present
56  N1     new        lung  n    8    present
112 T1     target     liver n    30   present
112 N1     new        lung  n    -    absent
"""


def test_7_4_progression_moves_recist_pd_but_not_icpd_from_the_engine():
    # spec 7.4: "the count of patients whose progression date moves between criteria (e.g. RECIST PD but not
    # iCPD)". New lesion day 56: RECIST PD (event 56); iRECIST iUPD reset on day 112 (lesion gone, target
    # -25 %: iSD) -> no event. reference_only 1, moved 1.
    table = lesions(IR_RESET)
    best = pd.concat([registry()[k].assess(study(table)).best_response for k in ("recist11", "irecist")],
                     ignore_index=True)
    moves = progression_moves(best).iloc[0]
    assert (moves["criterion"], moves["reference_only"], moves["moved"]) == ("irecist", 1, 1)


TBP_TEXT = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    65   present
98  T1     target liver n    47   present
"""


def test_7_5_outcome_reported_under_each_immune_criterion():
    # spec 7.5: "the subsequent outcome under each immune criterion". RECIST PD day 56 (50 -> 65: +30 %,
    # +15 mm); last dose 140 -> TBP 84 days. iRECIST: iUPD 56, iSD 98 -> pseudoprogression. irRECIST: irPD 56
    # pending, decided at day 98 (42 >= 28 days later): 47 vs nadir 50 -> not irPD -> not confirmed, irSD ->
    # pseudoprogression. One row per immune criterion.
    table = lesions(TBP_TEXT)
    results = [registry()[k].assess(study(table)) for k in ("recist11", "irecist", "irrecist")]
    best = pd.concat([r.best_response for r in results], ignore_index=True)
    timepoints = pd.concat([r.timepoints for r in results], ignore_index=True)
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_end_day": [140]})
    rows = treatment_beyond_progression(best, timepoints, patients).set_index("criterion")
    assert set(rows.index) == {"irecist", "irrecist"}
    assert rows["tbp_days"].tolist() == [84, 84]
    assert rows["pseudoprogression"].to_dict() == {"irecist": "true", "irrecist": "true"}


def test_7_5_no_recist_pd_no_tbp_row():
    # spec 7.5: TBP is defined after the first RECIST 1.1 PD; a patient without PD (50 -> 45 -> 40) has no
    # TBP row.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    45   present
98  T1     target liver n    40   present
"""
    table = lesions(text)
    results = [registry()[k].assess(study(table)) for k in ("recist11", "irecist")]
    best = pd.concat([r.best_response for r in results], ignore_index=True)
    timepoints = pd.concat([r.timepoints for r in results], ignore_index=True)
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_end_day": [140]})
    assert treatment_beyond_progression(best, timepoints, patients).empty

