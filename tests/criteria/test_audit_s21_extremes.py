"""Audit s21 (extremes): every criterion on the extremes of a study's shape.

What was audited, through the public API (``ioresponse.assess`` and the ``ioresponse assess`` command)
only, for the five anatomic criteria (recist11, irrc, irrecist, irecist, imrecist) and the six metabolic
ones (eortc, percist, pecrit, percimt, impercist, ipercist, on a PET table), against spec/anatomic.md 0.2
(baseline, window), 0.5 (reference 0), 0.7 (confirmation interval), 0.9 (one timepoint row per follow-up,
one best-response row per patient), 0.10 (reasons), 1.3 / 1.7 (caps, best response, minimum SD duration),
2.3 / 2.4 (irRC index and new-lesion caps), 3.4 / 3.6, 5.4 / 5.6 (new measurable lesions, no-target
patients) and spec/metabolic.md 1.2-1.7 (baseline, tie rule of select_hottest, output), 4.2, 6.9, plus the
README rule on the ``reader`` column:

1. baseline only (one patient, a whole cohort), one follow-up only;
2. non-target only, new lesions only, every target absent / 0 mm at baseline;
3. 60 follow-ups over 10 years, days near the plausibility limit, baseline on day 0 / -28 / -29;
4. many lesions: 30 targets in one organ, irRC 5 per organ / 10 visceral / 5 cutaneous, 40 new lesions at
   one visit, new lesions in 12 organs, caps filled across visits;
5. ties: equal-size new lesions and equal-uptake PET lesions (lesion_id string order), CR confirmed at
   exactly 28 days, SD at exactly day 42;
6. readers: one reader with a baseline only, another with follow-ups only, a reader cell left empty among
   named rows; plus a random fuzz (100 seeded cohorts, scratch only) checking row counts, vocabularies and
   reasons.

One difference was proven, and is fixed (s21: io.pet_table checks the reader cells as io.validate does
for a lesion table): the PET table accepted a ``reader`` cell left empty among
rows of the same patient that name their reader, and silently assessed the empty-reader rows as a second
subject of the patient, where the lesion table refused them (README "Input"; spec 0.9: one subject per
patient x reader). Everything else checked gives the spec's answer or a located ``InputError``; the passing
tests pin the tricky ones. Expected values come from the spec text and hand arithmetic in the comments.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from assessed import row
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.schema import InputError

ANATOMIC = ("recist11", "irrc", "irrecist", "irecist", "imrecist")
METABOLIC = ("eortc", "percist", "pecrit", "percimt", "impercist", "ipercist")
VOCABULARY = {  # spec/anatomic.md 0.9 and metabolic.md 1.7
    "recist11": {"CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"},
    "irrc": {"irCR", "irPR", "irSD", "irPD", "NE"},
    "irrecist": {"irCR", "irPR", "irSD", "irNON-CR/NON-PD", "irPD", "NE"},
    "irecist": {"iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iUPD", "iCPD", "NE"},
    "imrecist": {"CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"},
    "eortc": {"CMR", "PMR", "SMD", "PMD", "NE"},
    "percist": {"CMR", "PMR", "SMD", "PMD", "NE"},
    "pecrit": {"clinical_benefit", "no_clinical_benefit", "NE"},
    "percimt": {"CMR", "PMR", "SMD", "PMD", "NE"},
    "impercist": {"CMR", "PMR", "SMD", "PMD", "NE"},
    "ipercist": {"CMR", "PMR", "SMD", "PMD", "UPMD", "CPMD", "NE"},
}
QC = {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25}  # T = 1.5 x 2.0 + 2 x 0.25 = 3.5


def lesion(day, lesion_id, value=None, **kw):
    """An anatomic row (assessed.row) with ``perpendicular_mm`` = the measured value, so that irRC has its
    product (value x value)."""
    out = row(day, lesion_id, value, **kw)
    out["perpendicular_mm"] = out["short_axis_mm"] if out["lymph_node"] else out["long_axis_mm"]
    return out


def scan_row(day, lesion_id, value, *, role="target", organ="liver", status="present", patient="P1", **extra):
    """A PET row with every column the six metabolic criteria read (spec/metabolic.md 1.1): SULpeak = SUVmax
    = ``value``, a 20 mm functional diameter, QC passing, 2 cycles before a follow-up, RECIST 1.1 SD given
    for PECRIT at follow-ups."""
    out = dict(patient_id=patient, day=day, lesion_id=lesion_id, role=role, organ=organ, status=status,
               sulpeak=value, suvmax=value, functional_diameter_mm=20.0,
               cycles_before_scan=0 if day <= 0 else 2, recist_response=None if day <= 0 else "SD", **QC)
    out.update(extra)
    return out


def assess(frame, criterion, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(pd.DataFrame(frame), criteria=(criterion,), patterns=False, **options)


def check_shape(result, criterion, followups, patients):
    """Spec 0.9 / metabolic 1.6: ``followups`` timepoint rows, one best-response row per patient, labels from
    the criterion's vocabulary, a non-empty reason everywhere."""
    tp, br = result.timepoints, result.best_response
    assert len(tp) == followups
    assert sorted(br["patient_id"]) == sorted(patients)
    assert set(tp["overall_response"]) <= VOCABULARY[criterion]
    assert set(br["best_response"]) <= VOCABULARY[criterion]
    assert set(br["best_response_confirmed"]) <= VOCABULARY[criterion]
    assert tp["reason"].fillna("").str.len().gt(0).all()
    assert br["reason"].fillna("").str.len().gt(0).all()


# ---------------------------------------------------------------- 1. baseline only, one follow-up only


@pytest.mark.parametrize("criterion", ANATOMIC)
def test_0_9_baseline_only_patient_has_an_ne_best_row_and_no_timepoint_row_anatomic(criterion):
    """Spec 0.9: a timepoint row per follow-up (P2 has none), a best-response row per patient; 1.7 step 4:
    no assessment at all -> NE in both best-response columns."""
    rows = [lesion(-7, "T1", 40), lesion(56, "T1", 26), lesion(-7, "T1", 40, patient="P2")]
    result = assess(rows, criterion)
    check_shape(result, criterion, followups=1, patients=["P1", "P2"])
    p2 = result.best_response.set_index("patient_id").loc["P2"]
    assert (p2["best_response"], p2["best_response_confirmed"]) == ("NE", "NE")


@pytest.mark.parametrize("criterion", METABOLIC)
def test_metabolic_1_6_baseline_only_patient_has_an_ne_best_row(criterion):
    """metabolic.md 1.6 (a best-response row per patient), 4.9 / 1.7: no evaluable follow-up -> NE."""
    frame = [scan_row(-7, "L1", 8.0), scan_row(56, "L1", 5.0), scan_row(-7, "L1", 8.0, patient="P2")]
    result = assess(frame, criterion)
    check_shape(result, criterion, followups=1, patients=["P1", "P2"])
    assert result.best_response.set_index("patient_id").loc["P2", "best_response"] == "NE"


@pytest.mark.parametrize("criterion", ANATOMIC + METABOLIC)
def test_0_9_cohort_of_baseline_only_patients_gives_empty_timepoints_and_ne_rows(criterion):
    """Every patient baseline only: no timepoint row, two NE best-response rows with a reason (0.9, 1.7)."""
    if criterion in ANATOMIC:
        rows = [lesion(-7, "T1", 40), lesion(-7, "T1", 40, patient="P2")]
    else:
        rows = [scan_row(-7, "L1", 8.0), scan_row(-7, "L1", 8.0, patient="P2")]
    result = assess(rows, criterion)
    check_shape(result, criterion, followups=0, patients=["P1", "P2"])
    assert set(result.best_response["best_response"]) == {"NE"}


def test_0_2_patient_without_baseline_is_refused_at_its_row_api_and_cli(tmp_path):
    """Spec 0.2 / metabolic 1.2: no assessment with day <= 0 -> InputError("missing baseline"), located; the
    command line exits with code 2, never a traceback."""
    rows = [lesion(-7, "T1", 40), lesion(56, "T1", 40), lesion(56, "U1", 12, patient="P2")]
    for criterion in ANATOMIC:
        with pytest.raises(InputError, match="missing baseline: patient P2"):
            assess(rows, criterion)
    pet = [scan_row(-7, "L1", 8.0), scan_row(56, "L1", 8.0),
           scan_row(56, "U1", 5.0, role="new", patient="P2")]
    for criterion in METABOLIC:
        with pytest.raises(InputError, match="missing baseline: patient P2"):
            assess(pet, criterion)
    path = tmp_path / "lesions.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    result = CliRunner().invoke(app, ["assess", str(path), "--criteria", "recist11", "--out",
                                      str(tmp_path / "o"), "--no-patterns", "--format", "csv"])
    assert result.exit_code == 2
    assert "missing baseline" in " ".join(result.output.split())


# ---------------------------------------------------------------- 2. non-target only, no target at all


def test_1_6_2_and_2_3_non_target_only_patient():
    """RECIST 1.1 Table 2 (1.6.2): non-target present -> NON-CR/NON-PD, all gone -> CR; best CR (day 112),
    confirmed SD (single CR at day 112 >= 42, 1.7). irRC 2.3: no index lesion -> every timepoint NE."""
    rows = [lesion(-7, "N1", organ="lung"), lesion(56, "N1", organ="lung"),
            lesion(112, "N1", organ="lung", status="absent")]
    recist = assess(rows, "recist11")
    assert recist.timepoints["overall_response"].tolist() == ["NON-CR/NON-PD", "CR"]
    assert recist.best_response[["best_response", "best_response_confirmed"]].iloc[0].tolist() == ["CR", "SD"]
    irrc = assess(rows, "irrc")
    assert irrc.timepoints["overall_response"].tolist() == ["NE", "NE"]
    assert irrc.timepoints["reason"].str.contains("no index lesion at baseline").all()


@pytest.mark.parametrize(("criterion", "label"), [("irrecist", "irPD"), ("imrecist", "PD")])
def test_0_5_3_6_5_6_no_target_patient_new_measurable_lesion_over_nadir_0(criterion, label):
    """Non-target-only baseline (B = 0), a new 20 mm lesion at days 56 and 84. 3.4 / 5.4: it is counted
    (>= 10 mm): sum 20 vs nadir 0 -> rel empty (0.5: every S > 0 meets the relative test), abs +20 >= 5:
    PD, confirmed at day 84 (28 days later, 0.8)."""
    rows = [lesion(-7, "N1", organ="lung"), lesion(56, "N1", organ="lung"), lesion(84, "N1", organ="lung"),
            lesion(56, "U1", 20), lesion(84, "U1", 20)]
    tp = assess(rows, criterion).timepoints
    assert tp["current_sum"].tolist() == [20.0, 20.0]
    assert tp["pct_change_nadir"].isna().all()  # 0.5: rel reported empty when R = 0
    assert tp["overall_response"].tolist() == [label, label]
    assert tp["confirmation_state"].tolist() == ["confirmed", "confirms"]


# ---------------------------------------------------- 3. long histories, day limits, baseline window


@pytest.mark.parametrize("criterion", ANATOMIC + METABOLIC)
def test_0_9_sixty_followups_over_ten_years(criterion):
    """One target, 60 follow-ups on days round(3650 i / 60), i = 1..60 (61 ... 3650): 60 rows (PECRIT one,
    metabolic 6.9), values within +-10 % -> SD/SMD everywhere; best SD at the first day >= 42, day 61."""
    days = [round(3650 * i / 60) for i in range(1, 61)]
    if criterion in ANATOMIC:
        rows = [lesion(0, "T1", 40)] + [lesion(d, "T1", 40 - i % 5) for i, d in enumerate(days)]
    else:
        rows = [scan_row(0, "L1", 8.0)] + [scan_row(d, "L1", 8.0 - (i % 5) * 0.1) for i, d in enumerate(days)]
    result = assess(rows, criterion)
    check_shape(result, criterion, followups=1 if criterion == "pecrit" else 60, patients=["P1"])
    if criterion != "pecrit":
        best = result.best_response.iloc[0]
        assert best["best_response"] in {"SD", "irSD", "iSD", "SMD"}
        assert best["bor_day"] == 61
        assert days[-1] == 3650 and result.timepoints["day"].max() == 3650


def test_0_1_days_beyond_plausibility_are_refused_at_their_row():
    """Day 100000 (274 years): a located InputError naming the day column, never a traceback; day 3650 is
    accepted (previous test)."""
    for criterion in ANATOMIC:
        with pytest.raises(InputError, match="column day"):
            assess([lesion(-5, "T1", 40), lesion(100000, "T1", 20)], criterion)
    for criterion in METABOLIC:
        with pytest.raises(InputError, match="column day"):
            assess([scan_row(-5, "L1", 8.0), scan_row(100000, "L1", 4.0)], criterion)


@pytest.mark.parametrize("criterion", ANATOMIC)
def test_0_2_baseline_window_day_minus_28_and_minus_29(criterion):
    """Spec 0.2: flag baseline_older_than_28_days when day < -28 (default max_baseline_gap_days = 28, warn):
    day -28 no flag, day -29 flagged; day 0 is a baseline (day <= 0) and wins over day -7 (latest <= 0)."""
    for baseline, flagged in ((-28, False), (-29, True), (0, False)):
        rows = [lesion(baseline, "T1", 40), lesion(56, "T1", 20)]
        if baseline == 0:
            rows.insert(0, lesion(-7, "T1", 10))  # pre-baseline, ignored: a nadir of 10 would make 20 a PD
        tp = assess(rows, criterion).timepoints
        assert len(tp) == 1 and tp["baseline_sum"].iloc[0] in (40.0, 1600.0)
        assert ("baseline_older_than_28_days" in tp["flags"].iloc[0]) is flagged
        assert tp["overall_response"].iloc[0] in {"PR", "irPR", "iPR"}  # 20 vs 40: -50 %
    # option on_old_baseline = "error" (0.2): the -29 baseline is refused at its row, even for a patient
    # with a baseline only
    old = [lesion(-7, "T1", 40), lesion(56, "T1", 20), lesion(-29, "T1", 40, patient="P2")]
    with pytest.raises(InputError, match="patient P2: baseline on day -29"):
        assess(old, criterion, on_old_baseline="error")


# ---------------------------------------------------------------- 4. many lesions


def test_1_3_2_3_thirty_targets_in_one_organ_refused_and_irrc_caps_at_the_limit():
    """1.3: at most 5 targets, 2 per organ; 2.3: irRC at most 5 per organ, 10 visceral, 5 cutaneous. 30 liver
    targets: refused (InputError on the role column) by every anatomic criterion; irRC 5 liver + 5 lung +
    5 skin = 15 accepted (TB0 = 15 x 400 = 6000 mm2), a 16th (bone, 11th visceral) refused."""
    thirty = [lesion(d, f"T{i:02d}", 20) for d in (-7, 56) for i in range(30)]
    for criterion in ANATOMIC:
        with pytest.raises(InputError, match="column role"):
            assess(thirty, criterion)
    organs = ["liver"] * 5 + ["lung"] * 5 + ["skin"] * 5
    fifteen = [lesion(d, f"T{i:02d}", 20, organ=o) for d in (-7, 56) for i, o in enumerate(organs)]
    assert assess(fifteen, "irrc").timepoints["baseline_sum"].iloc[0] == 6000.0
    sixteen = fifteen + [lesion(d, "T99", 20, organ="bone") for d in (-7, 56)]
    with pytest.raises(InputError, match="10 visceral"):
        assess(sixteen, "irrc")


def test_2_4_3_4_5_4_forty_equal_new_lesions_counted_by_lesion_id_string_order():
    """Baseline T1 liver 40 mm (product 1600). Day 56: 40 new lung lesions U1..U40, all 20 mm (product 400);
    day 84 the same, but U10 is 30 mm. Ties are broken by lesion_id in string order: U1 < U10 < ... < U2.
    irRC (2.4, 5 per organ): U1, U10, U11, U12, U13 -> day 56 new 5 x 400 = 2000, day 84 2000 - 400 + 900 =
    2500. irRECIST / imRECIST (3.4 / 5.4, 2 per organ): U1, U10 -> 40, then 20 + 30 = 50. iRECIST new-lesion
    targets (2 per organ) likewise 40 then 50: +10 mm >= 5 -> iCPD at day 84."""
    ids = [f"U{i}" for i in range(1, 41)]
    rows = [lesion(d, "T1", 40) for d in (-7, 56, 84)]
    rows += [lesion(56, u, 20, organ="lung") for u in ids]
    rows += [lesion(84, u, 30 if u == "U10" else 20, organ="lung") for u in ids]
    expected = {"irrc": [2000.0, 2500.0], "irrecist": [40.0, 50.0], "imrecist": [40.0, 50.0],
                "irecist": [40.0, 50.0]}
    for criterion, sums in expected.items():
        tp = assess(rows, criterion).timepoints
        assert tp["new_lesion_sum"].tolist() == sums, criterion
    assert assess(rows, "irecist").timepoints["overall_response"].tolist() == ["iUPD", "iCPD"]
    assert assess(rows, "recist11").timepoints["overall_response"].tolist() == ["PD", "PD"]


def test_2_4_3_4_new_lesions_in_twelve_organs_and_caps_across_visits():
    """One 20 mm new lesion in each of 12 organs (11 visceral + skin). irRC 2.4: 10 visceral + 1 cutaneous
    counted -> 11 x 400 = 4400 mm2; irRECIST / imRECIST: 5 in total -> 100 mm."""
    organs = ["lung", "bone", "brain", "adrenal", "kidney", "spleen", "pancreas", "peritoneum", "pleura",
              "skin", "muscle", "thyroid"]
    rows = [lesion(-7, "T1", 40), lesion(56, "T1", 40)] + [lesion(56, f"U{o}", 20, organ=o) for o in organs]
    assert assess(rows, "irrc").timepoints["new_lesion_sum"].tolist() == [4400.0]
    for criterion in ("irrecist", "imrecist"):
        assert assess(rows, criterion).timepoints["new_lesion_sum"].tolist() == [100.0]


# ---------------------------------------------------------------- 5. ties


def test_metabolic_1_4_equal_uptake_ties_broken_by_lesion_id_string_order():
    """select_hottest (1.4): value descending, then lesion_id ascending as strings, at most 2 per organ.
    Seven lesions of 8.0: L10, L2, L1 (lung), L3, L20 (liver), L4, L5 (bone). EORTC 4.2 tracks
    L1, L10 (lung; L2 is the third lung), L20, L3, L4 = sum 40; L2 rising to 20 is untracked: SMD. PERCIST
    5.5: baseline hottest reported as L1 (first id of the tie); follow-up hottest L2 20.0: +150 % -> PMD."""
    ids = [("L10", "lung"), ("L2", "lung"), ("L1", "lung"), ("L3", "liver"), ("L20", "liver"), ("L4", "bone"),
           ("L5", "bone")]
    frame = [scan_row(-7, i, 8.0, role="non_target", organ=o) for i, o in ids]
    frame += [scan_row(56, i, 20.0 if i == "L2" else 8.0, role="non_target", organ=o) for i, o in ids]
    eortc = assess(frame, "eortc").timepoints.iloc[0]
    assert eortc["tracked_lesions"] == "L1,L10,L20,L3,L4"
    assert (eortc["baseline_sum"], eortc["current_sum"], eortc["overall_response"]) == (40.0, 40.0, "SMD")
    percist = assess(frame, "percist").timepoints.iloc[0]
    assert "baseline 8.0 (L1)" in percist["reason"] and percist["overall_response"] == "PMD"


@pytest.mark.parametrize("criterion", ANATOMIC)
def test_0_7_cr_confirmed_at_exactly_28_days_and_1_7_sd_at_exactly_day_42(criterion):
    """0.7: confirming CR at day_j - day_i >= 28: CR days 56 and 84 -> confirmed CR; days 56 and 83 -> not
    (confirmed column: CR at day >= 42 counts as SD). 1.7: SD only at day >= min_sd_days = 42: a single SD
    at day 42 -> SD, at day 41 -> NE."""
    cr = {"irrc": "irCR", "irrecist": "irCR", "irecist": "iCR"}.get(criterion, "CR")
    sd = {"irrc": "irSD", "irrecist": "irSD", "irecist": "iSD"}.get(criterion, "SD")
    for second, confirmed in ((84, cr), (83, sd)):
        rows = [lesion(-7, "T1", 40), lesion(56, "T1", status="absent"),
                lesion(second, "T1", status="absent")]
        best = assess(rows, criterion).best_response.iloc[0]
        assert (best["best_response"], best["best_response_confirmed"]) == (cr, confirmed)
    for day, expected in ((42, sd), (41, "NE")):
        best = assess([lesion(-7, "T1", 40), lesion(day, "T1", 40)], criterion).best_response.iloc[0]
        assert (best["best_response"], best["best_response_confirmed"]) == (expected, expected)


# ---------------------------------------------------------------- 6. readers


def test_0_9_reader_with_baseline_only_and_reader_with_followups_only():
    """Each reader is a subject of its own (0.9, README): R1 baseline only -> a best-response row NE, no
    timepoint row; R2 with follow-ups only has no baseline -> refused naming the reader (0.2)."""
    rows = [lesion(-7, "T1", 40, reader="R1"), lesion(-7, "T1", 40, reader="R2"),
            lesion(56, "T1", 20, reader="R2")]
    for criterion in ANATOMIC:
        result = assess(rows, criterion)
        assert result.timepoints["reader"].tolist() == ["R2"]
        best = dict(zip(result.best_response["reader"], result.best_response["best_response"], strict=True))
        assert best["R1"] == "NE" and best["R2"] in {"PR", "irPR", "iPR"}  # 20 vs 40: -50 %
    only = [lesion(-7, "T1", 40, reader="R1"), lesion(56, "T1", 20, reader="R2")]
    with pytest.raises(InputError, match=r"patient P1 \(reader R2\)"):
        assess(only, "recist11")
    pet = [scan_row(-7, "L1", 8.0, reader="R1"), scan_row(56, "L1", 4.0, reader="R2")]
    with pytest.raises(InputError, match=r"patient P1 \(reader R2\)"):
        assess(pet, "percist")


def test_readme_lesion_table_refuses_an_empty_reader_among_named_rows():
    """README "Input": a reader cell left empty among rows of the same patient that name their reader is
    refused (each reader is assessed separately)."""
    rows = [lesion(-7, "T1", 40, reader="R1"), lesion(56, "T1", 20, reader="R1"),
            lesion(-7, "T1", 40, reader=""), lesion(56, "T1", 20, reader="")]
    for criterion in ANATOMIC:
        with pytest.raises(InputError, match="column reader"):
            assess(rows, criterion)


MIXED_READER_PET = [scan_row(-7, "L1", 8.0, reader="R1"), scan_row(56, "L1", 4.0, reader="R1"),
                    scan_row(-7, "L1", 8.0, reader=""), scan_row(56, "L1", 4.0, reader="")]


@pytest.mark.parametrize("criterion", METABOLIC)
def test_readme_pet_table_refuses_an_empty_reader_among_named_rows(criterion):
    """The same table as the lesion-table test above, as PET rows: must be an InputError on the reader column,
    not two subjects P1/'' and P1/R1."""
    with pytest.raises(InputError, match="column reader"):
        assess(MIXED_READER_PET, criterion)


def test_readme_cli_pet_table_with_empty_reader_among_named_rows_exits_2(tmp_path):
    path = tmp_path / "pet.csv"
    pd.DataFrame(MIXED_READER_PET).replace({None: np.nan}).to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CliRunner().invoke(app, ["assess", str(path), "--criteria", "percist", "--out",
                                          str(tmp_path / "o"), "--no-patterns", "--format", "csv"])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "pet.csv, rows 4, 5, column reader: empty" in text, text  # the empty-reader rows (header row 1)
