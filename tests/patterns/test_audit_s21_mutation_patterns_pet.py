"""Mutation audit s21 ("mutpat"): atypical patterns, cohort statistics and PET quantification.

What was mutation-tested and how: one rule at a time was changed in a private copy of ``src/`` (a
threshold, a comparison, a window, a constant of a formula, a denominator, an entry of the irAE rule
table data/irae_rules.csv) and the focused tests of its module were run against the copy (tests/patterns,
tests/cohort, tests/pet files named after the module). 95 mutants: 67 killed by the existing tests,
28 survived. 23 survivors are pinned here (each test below fails on its mutant and passes on the
original code); the other 5 are equivalent in practice or sit where the spec does not decide
(pseudoprogression local-therapy endpoints, spec 1.4 step 5). Every expected value is written from the
spec text, with the hand arithmetic in the comment beside the assertion (never read from the code's
output); each test names the rule and the spec section it pins.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from pattern_rows import lesion, study

from ioresponse.cohort.rates import response_rates
from ioresponse.criteria import Study, registry
from ioresponse.io.dicom import Geometry
from ioresponse.patterns import dissociated, durable, find_patterns, irae
from ioresponse.patterns._common import PatternOptions, pattern_frame
from ioresponse.patterns.hyperprogression import DEFINITIONS, HpdInputs, Scan
from ioresponse.pet import peak, reference_region
from ioresponse.pet.peak import PeakWarning
from ioresponse.pet.reference import ReferenceWarning
from ioresponse.schema import InputError

DEFAULT = PatternOptions()
HPD = {d.id: d for d in DEFINITIONS}


# --- hyperprogression (spec/patterns.md 2.3) ------------------------------------------------------------


def _kas_patient(first_sum: float, base_sum: float = 25.0) -> HpdInputs:
    """S_pre = S_0 (TGR_ref = 0), first evaluation 21 days after baseline."""
    return HpdInputs(
        "KAS",
        Scan(-7, base_sum),
        prebaseline=Scan(-35, base_sum),
        first=Scan(14, first_sum),
        recist_first="PD",
        treatment_end_day=200,
    )


def test_kas2020_target_progression_exactly_20_percent_and_5_mm_is_hpd() -> None:
    # spec 2.3 H9: "target-lesion RECIST progression at the first evaluation (pct_1 >= 20 % and abs_1 >= 5 mm)
    # AND dTGR > 100 (strict)".  S_0 25 -> S_1 30: pct_1 = 100 * 5 / 25 = 20 % (>= 20), abs_1 = 5 mm (>= 5).
    # TGR_ref = 100 (exp(3 ln(25/25) / (28/30.4375)) - 1) = 0; TGR_exp over 21 days (months 21/30.4375 =
    # 0.68994): TG = 3 ln(1.2) / 0.68994 = 0.79277, TGR_exp = 100 (e^0.79277 - 1) = 120.95 %/mo;
    # dTGR = 120.95 > 100 -> HPD.
    decision = HPD["hpd.kas2020"].decide(_kas_patient(30.0), DEFAULT)
    assert decision.flag is True, decision.reason


def test_kas2020_target_progression_needs_5_mm_besides_20_percent() -> None:
    # spec 2.3 H9 as above with S_pre = S_0 = 20, S_1 = 24.9: pct_1 = 24.5 % (>= 20) but abs_1 = 4.9 mm < 5
    # -> no target-lesion progression -> false, although
    # dTGR = 100 (exp(3 ln(1.245) / 0.68994) - 1) = 159 > 100.
    decision = HPD["hpd.kas2020"].decide(_kas_patient(24.9, base_sum=20.0), DEFAULT)
    assert decision.flag is False, decision.reason


def _short_interval_warnings(ref_days: int, exp_days: int) -> list[str]:
    x = HpdInputs(
        "SHORT",
        Scan(-7, 40.0),
        prebaseline=Scan(-7 - ref_days, 30.0),
        first=Scan(-7 + exp_days, 60.0),
        recist_first="PD",
        treatment_end_day=200,
    )
    decision = HPD["hpd.champiat2017"].decide(x, DEFAULT)
    return [w for w in decision.evidence.get("warnings", []) if "short_interval_warning" in w]


def test_short_interval_warning_below_28_days_only() -> None:
    # spec 2.2: "Interval < 28 days: computed, but evidence carries short_interval_warning". Strict: 27 days
    # (reference and experimental) warns for both intervals; exactly 28 days is not < 28 and warns for none.
    assert len(_short_interval_warnings(27, 27)) == 2
    assert _short_interval_warnings(28, 28) == []
    assert len(_short_interval_warnings(27, 28)) == 1


# --- dissociated response (spec/patterns.md 3.2) ----------------------------------------------------------


def test_dissociated_node_exactly_10_mm_at_baseline_back_under_10_is_responding() -> None:
    # spec 3.2: "nodes: short axis < 10 mm counts as responding when it was >= 10 mm at baseline" (non-strict
    # at baseline). Node 10 mm -> 9 mm: r_base = (9 - 10) / 10 = -10 % (not <= -30 %), but 10 >= 10 and 9 < 10
    # -> responding.  A node 10.5 -> 10 mm is not under 10 mm -> stable (-4.8 %, no growth).
    assert dissociated.classify(9.0, 10.0, 10.0, False, True, False) == "responding"
    assert dissociated.classify(10.0, 10.5, 10.0, False, True, False) == "stable"
    # a non-nodal lesion 10 -> 9 mm is only -10 % -> stable (the node rule is for lymph nodes only)
    assert dissociated.classify(9.0, 10.0, 10.0, False, False, False) == "stable"


# --- durable response after treatment end (spec/patterns.md 4.3) ------------------------------------------


def _off_treatment_flags(progression_days: dict[str, int]) -> dict[str, str]:
    """PR on day 112, treatment completed on day 730, RECIST PD on the given day (PFS event)."""
    patients = pd.DataFrame({
        "patient_id": list(progression_days),
        "treatment_end_day": [730] * len(progression_days),
        "treatment_end_reason": ["completed"] * len(progression_days),
    })
    best = [{
        "patient_id": p, "reader": "", "criterion": "recist11", "best_response": "PR",
        "best_response_confirmed": "PR", "bor_day": 112, "first_response_day": 112, "progression_day": d,
        "duration_of_response_days": np.nan, "pfs_event": True, "pfs_day": d, "reason": "",
    } for p, d in progression_days.items()]
    points = [{"patient_id": p, "reader": "", "criterion": "recist11", "day": day, "overall_response": r}
              for p, d in progression_days.items() for day, r in ((112, "PR"), (d, "PD"))]
    frame = pattern_frame(durable.find(Study(patients=patients), pd.DataFrame(points), pd.DataFrame(best),
                                       PatternOptions(), ["durable.off_treatment"]))
    return dict(zip(frame["patient_id"], frame["flag"], strict=True))


def test_off_treatment_progression_exactly_183_days_after_treatment_end_is_sustained() -> None:
    # spec 4.3: "no PD (per the chosen criterion) for >= min_off_treatment_days (default 183) after
    # treatment_end". A: PD on day 913 = 730 + 183 -> 183 >= 183 -> true.
    # B: PD on day 912 -> 182 < 183 -> false.
    assert _off_treatment_flags({"A": 913, "B": 912}) == {"A": "true", "B": "false"}


# --- cohort rates (spec/patterns.md 7.2) ------------------------------------------------------------------


def test_dcr_landmark_ignores_stable_disease_read_after_progression() -> None:
    # spec 7.2: option dcr_landmark_days, "CR, PR or SD at 4 months" (122 days); an assessment read after the
    # progression (RECIST continued after PD, after_progression = true, spec/anatomic.md 0.9) is no disease
    # control. P1: SD day 56, PD day 100, SD day 140 after progression -> best response SD but no control at
    # or after day 122. P2: SD days 56 and 130 -> controlled. DCR at 122 days = 1/2; without landmark 2/2.
    columns = ["patient_id", "criterion", "day", "baseline_sum", "overall_response", "after_progression"]
    timepoints = pd.DataFrame([
        ("P1", "recist11", 56, 50.0, "SD", False), ("P1", "recist11", 100, 50.0, "PD", False),
        ("P1", "recist11", 140, 50.0, "SD", True),
        ("P2", "recist11", 56, 50.0, "SD", False), ("P2", "recist11", 130, 50.0, "SD", False),
    ], columns=columns)
    best = pd.DataFrame({"patient_id": ["P1", "P2"], "criterion": "recist11", "best_response": "SD",
                         "best_response_confirmed": "SD"})
    assert response_rates(best, timepoints=timepoints).loc[0, "disease_control"] == 2
    row = response_rates(best, timepoints=timepoints, dcr_landmark_days=122).iloc[0]
    assert (row["n"], row["disease_control"]) == (2, 1)
    assert row["dcr"] == pytest.approx(0.5)  # 1 / 2


# --- PET reference regions (spec/pet.md 5.2, 5.3) -----------------------------------------------------------


def _grid_4mm(n: int) -> Geometry:
    return Geometry(shape=(n, n, n), spacing=(4.0, 4.0, 4.0), origin=np.zeros(3), direction=np.eye(3),
                    slice_positions=np.arange(n) * 4.0)


def _organ_mask_warnings(voxels_outside: int) -> list[str]:
    # spec 5.2: blood-pool cylinder at 4 mm isotropic = 25 voxels: slices k 8..12 (|dz| <= 10 mm) x the centre
    # and its 4 in-plane neighbours (4 mm <= 5 mm; the diagonals are 5.66 mm > 5 mm).
    organ = np.ones((20, 20, 20), dtype=bool)
    for j in range(voxels_outside):
        organ[8 + j, 10, 10] = False  # the cylinder's axis voxels, one slice each
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        region = reference_region(np.ones((20, 20, 20)), _grid_4mm(20), (10, 10, 10), kind="blood_pool",
                                  centre_is_index=True, organ_mask=organ)
    assert region.voxel_count == 25
    return [str(w.message) for w in caught if issubclass(w.category, ReferenceWarning)]


def test_reference_region_organ_mask_warning_below_95_percent() -> None:
    # spec 5.3 step 4: "warn when fewer than 95% of the selected voxels are inside it". 23/25 = 92 % < 95 %
    # -> warning; 24/25 = 96 % -> none.
    assert len(_organ_mask_warnings(2)) == 1
    assert _organ_mask_warnings(1) == []


def test_hpd_if_exp_positive_needs_growth_on_treatment_not_a_standstill() -> None:
    # spec 2.2: option nonpositive_reference "hpd_if_exp_positive treats 'shrinking before, growing during' as
    # meeting the ratio threshold". S_pre 50 (day -63) -> S_0 40 (day -7): TGR_ref < 0 (shrinking before).
    # S_1 = 40 on day 49: TGR_exp = 100 (exp(3 ln(40/40) / m) - 1) = 0, not growing -> Petrioli (H3, TGR ratio
    # only) false. S_1 = 44: TGR_exp = 100 (exp(3 ln 1.1 / (56/30.4375)) - 1) = 16.8 > 0 -> true.
    options = PatternOptions(nonpositive_reference="hpd_if_exp_positive")

    def petrioli(first_sum: float) -> bool | None:
        x = HpdInputs("NP", Scan(-7, 40.0), prebaseline=Scan(-63, 50.0), first=Scan(49, first_sum))
        return HPD["hpd.petrioli2020"].decide(x, options).flag

    assert petrioli(40.0) is False
    assert petrioli(44.0) is True


def _prebaseline_table_run(table_sum: float) -> pd.DataFrame:
    # spec 2.4 HP-1 lesion sizes: prebaseline day -56 A 25 + B 15 = 40 mm; baseline day -7 44 mm;
    # day 49 62 mm.
    rows = [lesion(-56, "A", 25, patient="HP-1"), lesion(-56, "B", 15, organ="liver", patient="HP-1"),
            lesion(-7, "A", 27, patient="HP-1"), lesion(-7, "B", 17, organ="liver", patient="HP-1"),
            lesion(49, "A", 37, patient="HP-1"), lesion(49, "B", 25, organ="liver", patient="HP-1")]
    patients = pd.DataFrame({"patient_id": ["HP-1"], "prebaseline_day": [-56],
                             "prebaseline_sum_mm": [table_sum]})
    data = study(rows, patients=patients)
    result = registry()["recist11"].assess(data)
    return find_patterns(data, result.timepoints, result.best_response, definitions=["hpd.champiat2017"])


def test_prebaseline_table_sum_within_half_a_millimetre_is_accepted() -> None:
    # spec 0.2: "If both lesion rows and these columns exist and the sums differ by more than 0.5 mm, that is
    # an input error". Rows give 25 + 15 = 40 mm: 40.5 differs by exactly 0.5 (not more) -> accepted, and HP-1
    # stays Champiat true (spec 2.4 results table); 40.6 differs by 0.6 > 0.5 -> InputError.
    table = _prebaseline_table_run(40.5)
    assert table.iloc[0]["flag"] == "true", table.iloc[0]["reason"]
    with pytest.raises(InputError, match="prebaseline_sum_mm"):
        _prebaseline_table_run(40.6)


# --- PET peak (spec/pet.md 3.6) ----------------------------------------------------------------------------


def _centre_rule_sphere(missing: tuple[int, int, int] | None) -> tuple[np.ndarray, np.ndarray]:
    # spec 3.1/3.3: r = (3 x 1000 / (4 pi))^(1/3) = 6.2035 mm; centre rule at 4 mm voxels keeps the
    # offsets with 16 (a^2 + b^2 + c^2) <= 38.48, i.e. a^2 + b^2 + c^2 <= 2: 1 + 6 + 12 = 19 voxels.
    steps = (-1, 0, 1)
    offsets = [(a, b, c) for a in steps for b in steps for c in steps if a * a + b * b + c * c <= 2]
    assert len(offsets) == 19
    image = np.zeros((9, 9, 9))
    mask = np.zeros((9, 9, 9), dtype=bool)
    for a, b, c in offsets:
        image[4 + a, 4 + b, 4 + c] = 2.0
        mask[4 + a, 4 + b, 4 + c] = (a, b, c) != missing
    image[4, 4, 4] = 21.0  # mean over the 19 kernel voxels: (18 x 2 + 21) / 19 = 57 / 19 = 3.0
    return image, mask


def test_peak_require_inside_mask_drops_a_kernel_with_one_voxel_outside() -> None:
    # spec 3.6: "With require_inside_mask = True, candidates whose kernel (non-zero weights) leaves the mask
    # are dropped (PET-IndiC behaviour); if none remains, the result is NaN with a warning". The 19-voxel
    # mask is the centre-rule kernel at (4, 4, 4): only that candidate fits, P = 57 / 19 = 3.0.
    image, mask = _centre_rule_sphere(None)
    result = peak(image, mask, (4.0, 4.0, 4.0), weighting="centre", require_inside_mask=True)
    assert result.value == pytest.approx(3.0, abs=1e-12)
    assert result.centre_index == (4, 4, 4)
    # one kernel voxel (offset (1, 1, 0)) out of the mask: the kernel leaves the mask at every candidate
    # -> NaN with a warning
    image, mask = _centre_rule_sphere((1, 1, 0))
    with pytest.warns(PeakWarning):
        result = peak(image, mask, (4.0, 4.0, 4.0), weighting="centre", require_inside_mask=True)
    assert np.isnan(result.value)


# --- irAE look-alikes (spec/patterns.md 5.4) -------------------------------------------------------------


def _finding(organ: str, finding: str, side: str = "", pattern: str = "") -> dict:
    return {"patient_id": "P1", "day": 70, "organ": organ, "side": side, "finding": finding,
            "pattern": pattern, "suvmax": 5.0, "size_mm": None}


def _fired(findings: list[dict] | None = None, lesions: list[dict] | None = None) -> set[str]:
    flags = irae.find_flags(study(lesions) if lesions else Study(), None,
                            findings=pd.DataFrame(findings) if findings else None)
    return set(flags["rule_id"])


def test_irae_sarc_needs_two_hilar_mediastinal_rows() -> None:
    # spec 5.4 IRAE-SARC: ">= 2 rows with organ in {lymph_node_hilar, lymph_node_mediastinal} whose hilar
    # rows include left and right; OR such a row with pattern = symmetric"; "bilateral" counts as left and
    # right.
    # One bilateral hilar row (no symmetric pattern): 1 row < 2 -> no flag. With a mediastinal row: 2 rows,
    # hilar sides {left, right} -> IRAE-SARC.
    hilar = _finding("lymph_node_hilar", "enlargement", side="bilateral")
    assert "IRAE-SARC" not in _fired([hilar])
    assert "IRAE-SARC" in _fired([hilar, _finding("lymph_node_mediastinal", "enlargement")])


def test_irae_pneumonitis_clause_needs_two_new_lung_lesions() -> None:
    # spec 5.4 IRAE-PNEU (second trigger): ">= 2 new lung lesions whose sides include left and right while
    # no lesion outside thoracic organs is progressing". A single new lung lesion marked bilateral is 1 < 2
    # lesions -> no flag; two new lung lesions, left and right -> IRAE-PNEU.
    base = [lesion(-5, "T1", 40, organ="liver"), lesion(56, "T1", 40, organ="liver")]
    one = base + [lesion(56, "U1", 8, role="new", organ="lung", side="bilateral")]
    two = base + [lesion(56, "U1", 8, role="new", organ="lung", side="left"),
                  lesion(56, "U2", 9, role="new", organ="lung", side="right")]
    assert "IRAE-PNEU" not in _fired(lesions=one)
    assert "IRAE-PNEU" in _fired(lesions=two)


def test_irae_adrenal_lesion_findings_on_both_sides() -> None:
    # spec 5.4 IRAE-ADR: "rows with organ = adrenal and finding in {enlargement, uptake, lesion} ... whose
    # sides include left and right at the same assessment": finding "lesion" left and right -> IRAE-ADR.
    rows = [_finding("adrenal", "lesion", side="left"), _finding("adrenal", "lesion", side="right")]
    assert "IRAE-ADR" in _fired(rows)


def test_irae_pericardium_uptake_fires() -> None:
    # spec 5.4 IRAE-PERI: "a row with organ = pericardium and finding in {effusion, wall_thickening, uptake}":
    # finding "uptake" -> IRAE-PERI; finding "lesion" is not in the set -> none.
    assert "IRAE-PERI" in _fired([_finding("pericardium", "uptake")])
    assert "IRAE-PERI" not in _fired([_finding("pericardium", "lesion")])


@pytest.mark.parametrize(("row", "rule", "level"), [
    # spec 5.4 rule table, one trigger each (organ, finding, pattern), with the table's Level column.
    (("colon", "uptake", "wall_thickening"), "IRAE-COL", "review"),  # pattern wall_thickening
    (("small_bowel", "uptake", "segmental"), "IRAE-COL", "review"),  # organ in {colon, small_bowel}
    (("lung", "uptake", "reticular"), "IRAE-PNEU", "review"),  # pattern in {ground_glass, ..., reticular}
    (("lung", "uptake", "organizing_pneumonia"), "IRAE-PNEU", "review"),
    (("lung", "uptake", "consolidation"), "IRAE-PNEU", "review"),
    (("thyroid", "uptake", "symmetric"), "IRAE-THY", "info"),  # pattern in {diffuse, bilateral, symmetric}
    (("thyroid", "uptake", "bilateral"), "IRAE-THY", "info"),
    (("large_vessel", "uptake", ""), "IRAE-VASC", "review"),  # organ in {aorta, large_vessel}
    (("vein", "thrombus", ""), "IRAE-VTE", "urgent"),  # finding in {filling_defect, thrombus}, any organ
    (("pancreas", "uptake", "enlargement"), "IRAE-PANC", "review"),  # pattern in {diffuse, enlargement}
    (("myocardium", "uptake", ""), "IRAE-MYO", "urgent"),
    (("joint", "uptake", ""), "IRAE-ART", "info"),
    (("pituitary", "enlargement", ""), "IRAE-HYPO", "review"),
])
def test_irae_rule_table_triggers_and_levels(row: tuple[str, str, str], rule: str, level: str) -> None:
    organ, kind, pattern = row
    flags = irae.find_flags(Study(), None, findings=pd.DataFrame([_finding(organ, kind, pattern=pattern)]))
    levels = dict(zip(flags["rule_id"], flags["level"], strict=True))
    assert levels.get(rule) == level, flags[["rule_id", "level"]].to_dict("records")
