"""irAE look-alike rules of spec/patterns.md 5.4: each fires on a minimal input and not on its near miss.

Inputs typed by hand from the rule table and the worked examples IRAE-1 .. IRAE-3 (spec 5.5).
"""

from __future__ import annotations

import pandas as pd
import pytest
from pattern_rows import lesion, study, timepoint

import ioresponse
from ioresponse.criteria import Study
from ioresponse.patterns import irae
from ioresponse.patterns._common import pattern_frame


def finding(organ: str, *, finding: str = "uptake", pattern: str = "", side: str = "", day: int = 70) -> dict:
    return {
        "patient_id": "P1",
        "day": day,
        "organ": organ,
        "side": side,
        "finding": finding,
        "pattern": pattern,
        "suvmax": 5.0,
        "size_mm": None,
    }


def fired(rows: list[dict], study_: Study | None = None, timepoints: pd.DataFrame | None = None) -> set[str]:
    flags = irae.find_flags(study_ or Study(), timepoints, findings=pd.DataFrame(rows) if rows else None)
    return set(flags["rule_id"])


CASES = {
    # rule: (minimal input that fires, near miss that does not)
    "IRAE-PNEU": (
        [finding("lung", finding="opacity", pattern="ground_glass")],
        [finding("lung", finding="lesion", pattern="nodular")],
    ),
    "IRAE-COL": ([finding("colon", pattern="segmental")], [finding("colon", pattern="focal")]),
    "IRAE-HEP": ([finding("liver", pattern="diffuse")], [finding("liver", pattern="focal")]),
    "IRAE-PANC": ([finding("pancreas", finding="enlargement")], [finding("pancreas", finding="lesion")]),
    "IRAE-THY": ([finding("thyroid", pattern="diffuse")], [finding("thyroid", pattern="focal", side="left")]),
    "IRAE-ADR": (
        [
            finding("adrenal", finding="enlargement", side="left"),
            finding("adrenal", finding="enlargement", side="right"),
        ],
        [finding("adrenal", finding="enlargement", side="left")],
    ),
    "IRAE-HYPO": ([finding("pituitary", finding="enlargement")], [finding("brain", finding="lesion")]),
    "IRAE-MYO": ([finding("myocardium")], [finding("pericardium", finding="lesion")]),
    "IRAE-PERI": ([finding("pericardium", finding="effusion")], [finding("pericardium", finding="lesion")]),
    "IRAE-VASC": ([finding("aorta", finding="wall_thickening")], [finding("aorta", finding="lesion")]),
    "IRAE-VTE": (
        [finding("pulmonary artery", finding="filling_defect")],
        [finding("pulmonary artery", finding="lesion")],
    ),
    "IRAE-ART": ([finding("joint")], [finding("bone")]),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires_on_minimal_input(rule: str) -> None:
    assert rule in fired(CASES[rule][0])


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_does_not_fire_on_near_miss(rule: str) -> None:
    assert rule not in fired(CASES[rule][1])


def test_IRAE1_diffuse_thyroid_is_info() -> None:
    # spec 5.5 IRAE-1: day 70, thyroid, pattern diffuse, suvmax 6.1 -> IRAE-THY (info).
    flags = irae.find_flags(
        Study(), findings=pd.DataFrame([finding("thyroid", pattern="diffuse") | {"suvmax": 6.1}])
    )
    row = flags.iloc[0]
    assert (row["rule_id"], row["level"], row["day"]) == ("IRAE-THY", "info", 70)
    assert row["values"]["suvmax"] == [6.1]
    assert row["flag_text"].startswith("Diffuse thyroid uptake: typical of immune thyroiditis")


# spec 5.5 IRAE-2: day 84, new nodes right hilar 14, left hilar 13, subcarinal 12 (short axis); target sum
# -35 % vs baseline (here one liver target 40 -> 26).
IRAE2 = [
    lesion(-5, "T1", 40, organ="liver"),
    lesion(84, "T1", 26, organ="liver"),
    lesion(84, "U1", 14, role="new", organ="hilar", node=True, side="right"),
    lesion(84, "U2", 13, role="new", organ="hilar", node=True, side="left"),
    lesion(84, "U3", 12, role="new", organ="subcarinal", node=True, side="midline"),
]


def test_IRAE2_sarcoid_like_flag_beside_unchanged_iupd() -> None:
    tp = pd.DataFrame([timepoint("P1", "irecist", 84, "iUPD") | {"flags": "", "reason": "new lesions: iUPD"}])
    flags = irae.find_flags(study(IRAE2), tp)
    sarc = flags[flags["rule_id"] == "IRAE-SARC"].iloc[0]
    assert sarc["evidence"]["non_thoracic_disease_controlled"] is True
    assert sarc["concurrent_response"] == {"irecist": "iUPD"}
    patterns = pattern_frame(irae.pattern_rows(flags, None))
    mentioned = irae.mention_flags(tp, patterns)
    assert mentioned["overall_response"].tolist() == ["iUPD"]  # a flag never changes a response (spec 5.1)
    assert "IRAE-SARC" in mentioned["reason"].iat[0] and "irae:IRAE-SARC" in mentioned["flags"].iat[0]


def test_IRAE2_near_miss_without_left_hilar_node() -> None:
    rows = [r for r in IRAE2 if r["lesion_id"] != "U2"]
    assert "IRAE-SARC" not in fired([], study(rows))


def test_IRAE3_unilateral_adrenal_nodule_no_flag() -> None:
    # spec 5.5 IRAE-3: one new left adrenal nodule 18 mm, right adrenal normal -> no IRAE-ADR.
    rows = [
        lesion(-5, "T1", 40, organ="liver"),
        lesion(60, "T1", 40, organ="liver"),
        lesion(60, "U1", 18, role="new", organ="adrenal", side="left"),
    ]
    assert "IRAE-ADR" not in fired([], study(rows))


def test_pneumonitis_bilateral_new_lung_lesions_unless_extrathoracic_progression() -> None:
    base = [
        lesion(-5, "T1", 40, organ="liver"),
        lesion(56, "T1", 40, organ="liver"),
        lesion(56, "U1", 8, role="new", organ="lung", side="left"),
        lesion(56, "U2", 9, role="new", organ="lung", side="right"),
    ]
    assert "IRAE-PNEU" in fired([], study(base))
    extra = base + [lesion(56, "U3", 15, role="new", organ="liver")]
    assert "IRAE-PNEU" not in fired([], study(extra))


def _liver_pet(liver_day_56: float, region: str = "liver") -> Study:
    """One PET lesion (SULpeak 6 -> 5) and the liver SULmean 2.0 at baseline, ``liver_day_56`` on day 56."""
    rows = [{"patient_id": "P1", "day": day, "lesion_id": "L1", "role": "target", "organ": "lung",
             "status": "present", "sulpeak": peak, "uptake_min": 60, "liver_sul_mean": liver,
             "liver_sul_sd": 0.25, "blood_pool_sul_mean": 1.5, "blood_pool_sul_sd": 0.2,
             "reference_region": region}
            for day, peak, liver in ((-3, 6.0, 2.0), (56, 5.0, liver_day_56))]
    return ioresponse.load(pd.DataFrame(rows))


def test_hepatitis_from_liver_reference_signal() -> None:
    # spec 5.4 IRAE-HEP: the metabolic module reports the liver reference at A as not comparable with
    # baseline (the liver stability check of spec/metabolic.md 5.4: within 20 % and < 0.3 SUL), read from the
    # PET table, not from a criterion's reason text (whichever criteria ran, spec 5.1). The rule table's
    # signal keeps its name "liver SULmean changed".
    flags = irae.find_flags(_liver_pet(2.45))  # 2.0 -> 2.45: +22.5 % and +0.45 SUL: not comparable
    assert flags[["patient_id", "day", "rule_id"]].values.tolist() == [["P1", 56, "IRAE-HEP"]]
    assert flags["flag_text"].iat[0].startswith("Diffuse liver uptake change: consider immune hepatitis")
    assert "IRAE-HEP" not in set(irae.find_flags(_liver_pet(2.25))["rule_id"])  # +12.5 %, +0.25 SUL
    # a blood-pool scan: the liver is checked in any case (metabolic.md 5.4)
    assert "IRAE-HEP" in set(irae.find_flags(_liver_pet(2.45, "blood_pool"))["rule_id"])
    # PERCIST's reason text alone no longer raises the flag (it is not a fact of the study)
    reason = "quality check failed: liver SULmean changed by 0.45 SUL (must be < 0.3) (spec 5.4)"
    tp = pd.DataFrame([timepoint("P1", "percist", 56, "SMD") | {"flags": "qc_failed", "reason": reason}])
    assert "IRAE-HEP" not in fired([], Study(), tp)


def test_clinical_events_shown_with_the_flag() -> None:
    events = pd.DataFrame({"patient_id": ["P1"], "day": [75], "event": ["Pneumonitis"], "grade": [2]})
    findings = pd.DataFrame([finding("lung", pattern="organizing_pneumonia")])
    flags = irae.find_flags(Study(), findings=findings, events=events)
    assert flags.iloc[0]["evidence"]["clinical_events"] == ["pneumonitis (grade 2) on day 75"]
    rows = pattern_frame(irae.pattern_rows(flags, irae.clinical_events(events, Study())))
    assert set(rows["pattern"]) == {"irae_lookalike", "irae_event"}


def test_user_rule_table_extends_the_rules(tmp_path) -> None:
    extended = pd.concat(
        [
            irae.default_rules(),
            pd.DataFrame(
                [
                    {
                        **{c: "" for c in irae.RULE_COLUMNS},
                        "rule_id": "IRAE-NEPH",
                        "clause": "1",
                        "level": "review",
                        "organs": "kidney",
                        "new_lesions_only": "false",
                        "min_rows": "1",
                        "sides_both": "false",
                        "flag_text": "Kidney enlargement: consider immune nephritis.",
                        "source": "user",
                    }
                ]
            ),
        ]
    )
    path = tmp_path / "rules.csv"
    extended.to_csv(path, index=False)
    flags = irae.find_flags(Study(), findings=pd.DataFrame([finding("kidney")]), rules=irae.read_rules(path))
    assert flags["rule_id"].tolist() == ["IRAE-NEPH"]
