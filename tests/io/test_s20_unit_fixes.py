"""Session 20 unit fixes (audit tests/io/test_audit_s20_units.py): the centimetre rule of io/validate.py
(README "Input": sizes below 10 with decimals and about a tenth, 1/15 to 2/15, of the lesion's other size in
mm are refused; --warn-implausible / validation="warn" keeps them with a warning) applied to pre-baseline
scans, ``prebaseline_sum_mm``, SDTM sizes without a unit and PET functional diameters; SDTM records whose
collected and standard results disagree; patient-table weight and height (spec/pet.md 1.8); the PET
``normalization`` column (spec/pet.md 1.7, spec/metabolic.md 2.2).

Expected values come from those texts and the hand arithmetic in the comments.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ioresponse
from ioresponse.io.pet_table import validate_pet_table
from ioresponse.io.sdtm import CollectedUnitWarning
from ioresponse.io.validate import ImplausibleValueWarning
from ioresponse.schema import InputError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))  # the CLI test helpers (tests/cli)
from _cli import assert_accepted, assert_refused, cli, flat, write  # noqa: E402

HEADER = "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"
SDTM_TU = "USUBJID,TULNKID,TUSTRESC,TULOC\nS1,T01,TARGET,LIVER\nS1,NT01,NON-TARGET,BONE\n"
SDTM_HEADER = "USUBJID,TRLNKID,TRTESTCD,TRORRES,TRORRESU,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY\n"


def _sdtm(tmp_path, baseline, follow_up):
    """SDTM folder: T01 LDIAM at TRDY -6 (row 2) and TRDY 57 = day 56 (row 4), NT01 present at both;
    ``baseline`` / ``follow_up`` are "TRORRES,TRORRESU,TRSTRESC,TRSTRESN,TRSTRESU"."""
    folder = tmp_path / "sdtm"
    folder.mkdir()
    write(folder, SDTM_TU, "tu.csv")
    write(folder, SDTM_HEADER + f"S1,T01,LDIAM,{baseline},2021-03-01,-6\n"
          "S1,NT01,TUMSTATE,PRESENT,,PRESENT,,,2021-03-01,-6\n"
          f"S1,T01,LDIAM,{follow_up},2021-05-02,57\n"
          "S1,NT01,TUMSTATE,PRESENT,,PRESENT,,,2021-05-02,57\n", "tr.csv")
    return folder


def _loaded(data, **options):
    """``ioresponse.load`` with every warning recorded: (study, warning texts)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study = ioresponse.load(data, **options)
    return study, [str(w.message) for w in caught]


# ---------------------------------------------------------------------------------------------------------
# 1. A scan before baseline compared with the lesion's next size


def test_pre_baseline_scan_in_cm_is_refused_and_kept_with_warn(tmp_path):
    # T1 4.5 at day -60 (row 2), 50 at baseline: 4.5 / 50 = 0.09, in 1/15-2/15 (0.067-0.133), below 10 with a
    # decimal: refused at row 2, naming the next size
    text = (HEADER + "P1,-60,T1,target,liver,false,4.5,,present\nP1,-7,T1,target,liver,false,50,,present\n"
            "P1,56,T1,target,liver,false,80,,present\n")
    path = write(tmp_path, text)
    assert_refused(cli("validate", path), "lesions.csv, row 2, column long_axis_mm", "day -60",
                   "its later sizes are in mm", "lesion T1 4.5 before 50", "--warn-implausible")
    # --warn-implausible: kept as given (4.5 mm), with a warning naming row 2
    study, texts = _loaded(path, validation="warn")
    assert study.lesions["long_axis_mm"].tolist() == [4.5, 50.0, 80.0]
    assert any("row 2" in t and "centimetres" in t for t in texts)


@pytest.mark.parametrize("pre", ["30", "6.8", "4.5"])
def test_pre_baseline_scan_not_a_tenth_of_the_next_is_accepted(tmp_path, pre):
    # 30 / 50 = 0.6 (mm, and not below 10); 6.8 / 50 = 0.136 > 2/15 = 0.1333; and 4.5 before a baseline of 30:
    # 4.5 / 30 = 0.15 > 0.1333: none is a tenth, so none reads as centimetres
    baseline = "30" if pre == "4.5" else "50"
    text = (HEADER + f"P1,-60,T1,target,liver,false,{pre},,present\n"
            f"P1,-7,T1,target,liver,false,{baseline},,present\nP1,56,T1,target,liver,false,60,,present\n")
    result = cli("validate", write(tmp_path, text))
    assert_accepted(result)
    assert "centimetres" not in flat(result)


def test_one_pre_baseline_lesion_in_cm_beside_sizes_in_mm_is_warned_about(tmp_path):
    # day -60: T1 4.5 (a tenth of its next 50) beside T2 30 (next 32): not every size that day is below 10,
    # so the scan is not refused; the one lesion is warned about at its row (row 2), as after baseline
    text = (HEADER + "P1,-60,T1,target,liver,false,4.5,,present\nP1,-60,T2,target,lung,false,30,,present\n"
            "P1,-7,T1,target,liver,false,50,,present\nP1,-7,T2,target,lung,false,32,,present\n"
            "P1,56,T1,target,liver,false,55,,present\nP1,56,T2,target,lung,false,33,,present\n")
    result = cli("validate", write(tmp_path, text))
    assert_accepted(result)
    assert "row 2, column long_axis_mm" in flat(result) and "measures 4.5 before 50" in flat(result)


# ---------------------------------------------------------------------------------------------------------
# 2. prebaseline_sum_mm compared with the baseline target sum


def _prebaseline(tmp_path, value, targets=("50",)):
    rows = "".join(f"P1,-7,T{i},target,liver,false,{size},,present\n"
                   f"P1,56,T{i},target,liver,false,{size},,present\n" for i, size in enumerate(targets, 1))
    lesions = write(tmp_path, HEADER + rows)
    patients = write(tmp_path, "patient_id,treatment_start,prebaseline_date,prebaseline_sum_mm\n"
                               f"P1,2021-03-01,2020-12-31,{value}\n", "patients.csv")
    return lesions, patients


def test_prebaseline_sum_in_cm_is_refused_and_kept_with_warn(tmp_path):
    # baseline targets 30 + 25 = 55 mm; 5.5 / 55 = 0.1, below 10 with a decimal: refused at patients.csv row 2
    lesions, patients = _prebaseline(tmp_path, "5.5", ("30", "25"))
    assert_refused(cli("validate", lesions, "--patients", patients),
                   "patients.csv, row 2, column prebaseline_sum_mm", "5.5 looks like centimetres",
                   "baseline target sum 55 mm")
    study, texts = _loaded(lesions, patients=patients, validation="warn")
    assert study.patients["prebaseline_sum_mm"].tolist() == ["5.5"]  # kept as given
    assert any("prebaseline_sum_mm" in t and "centimetres" in t for t in texts)


@pytest.mark.parametrize("value", ["45", "5", "7.5"])
def test_prebaseline_sum_in_mm_is_accepted(tmp_path, value):
    # baseline sum 50 mm: 45 is mm (0.9); 5 has no decimals (a small sum in mm, README); 7.5 / 50 = 0.15 is
    # above 2/15 = 0.1333, not a tenth
    lesions, patients = _prebaseline(tmp_path, value)
    assert_accepted(cli("validate", lesions, "--patients", patients))


# ---------------------------------------------------------------------------------------------------------
# 3. SDTM: collected and standard results of one record


def test_sdtm_collected_cm_beside_standard_result_not_converted_is_refused(tmp_path):
    # row 4: TRORRES 3.6 cm = 36 mm, TRSTRESN 3.6 TRSTRESU mm = 3.6 mm: 32.4 mm apart, one record
    folder = _sdtm(tmp_path, "4.0,cm,40,40,mm", "3.6,cm,3.6,3.6,mm")
    assert_refused(cli("validate", folder), "tr.csv, row 4, column TRSTRESN", "TRORRES 3.6 cm (36 mm)",
                   "TRSTRESN 3.6 mm (3.6 mm)", "disagree")


def test_sdtm_standard_result_without_unit_beside_collected_cm_is_refused(tmp_path):
    # TRSTRESU empty: the standard result takes the collected unit TRORRESU cm, so TRSTRESN 40 reads 400 mm,
    # while TRORRES 4.0 cm is 40 mm (rows 2 and 4 alike: 3.6 cm = 36 mm vs 36 cm = 360 mm): refused
    folder = _sdtm(tmp_path, "4.0,cm,40,40,", "3.6,cm,36,36,")
    assert_refused(cli("validate", folder), "tr.csv, rows 2, 4, column TRSTRESN", "TRORRES 4.0 cm (40 mm)",
                   "TRSTRESN 40 cm (TRSTRESU empty: its unit is TRORRESU's) (400 mm)")


def test_sdtm_results_equal_within_rounding_are_read(tmp_path):
    # 1.234 cm = 12.34 mm beside TRSTRESN 12.3 mm: 0.04 mm apart, within 0.05 mm (rounding to 0.1 mm);
    # 1.0 cm beside 10 mm exactly. The standard result is read: 10 -> 12.3 mm
    folder = _sdtm(tmp_path, "1.0,cm,10,10,mm", "1.234,cm,12.3,12.3,mm")
    study, _ = _loaded(folder)
    t01 = study.lesions[study.lesions["lesion_id"] == "T01"]
    assert np.allclose(t01["long_axis_mm"].to_numpy(dtype=float), [10.0, 12.3])


def test_sdtm_results_apart_by_more_than_rounding_are_refused(tmp_path):
    # 1.24 cm = 12.4 mm beside 12.3 mm: 0.1 mm apart, more than 0.05 mm
    folder = _sdtm(tmp_path, "1.0,cm,10,10,mm", "1.24,cm,12.3,12.3,mm")
    assert_refused(cli("validate", folder), "tr.csv, row 4, column TRSTRESN", "disagree")


# ---------------------------------------------------------------------------------------------------------
# 4. SDTM sizes without any unit


def test_sdtm_sizes_without_unit_are_read_as_mm_with_a_note_and_a_warning(tmp_path):
    # TRSTRESU and TRORRESU empty: 40 and 36 read as mm (36 / 40 = 0.9, no centimetre rule applies)
    folder = _sdtm(tmp_path, "40,,40,40,", "36,,36,36,")
    study, texts = _loaded(folder)
    t01 = study.lesions[study.lesions["lesion_id"] == "T01"]
    assert t01["long_axis_mm"].tolist() == [40.0, 36.0]
    assert t01["note"].str.contains("no unit, read as mm").all()
    assert any("tr.csv, rows 2, 4, column TRSTRESU" in t and "read as mm" in t for t in texts)


def test_sdtm_follow_up_without_unit_in_cm_is_refused_at_its_row(tmp_path):
    # 3.6 after 40 (0.09), below 10 with a decimal, no unit: the lesion table's follow-up rule, row 4
    folder = _sdtm(tmp_path, "40,,40,40,", "3.6,,3.6,3.6,")
    assert_refused(cli("validate", folder), "tr.csv, row 4", "day 56", "centimetres")
    # --warn-implausible keeps it as 3.6 mm, with a warning
    with pytest.warns(ImplausibleValueWarning, match="centimetres"):
        study = ioresponse.load(folder, validation="warn")
    assert study.lesions.loc[study.lesions["lesion_id"] == "T01", "long_axis_mm"].tolist() == [40.0, 3.6]


def test_sdtm_follow_up_with_its_unit_stated_is_read_in_it(tmp_path):
    # the follow-up states mm (TRORRESU and TRSTRESU mm): read as 3.6 mm, whatever the baseline without unit
    # says; only sizes without a unit are checked by the lesion table's centimetre rule
    folder = _sdtm(tmp_path, "40,,40,40,", "3.6,mm,3.6,3.6,mm")
    with pytest.warns(CollectedUnitWarning, match="row 2"):
        study = ioresponse.load(folder)
    assert study.lesions.loc[study.lesions["lesion_id"] == "T01", "long_axis_mm"].tolist() == [40.0, 3.6]


# ---------------------------------------------------------------------------------------------------------
# 5. PET functional diameters


def _pet(diameters):
    return pd.DataFrame({"patient_id": "P1", "day": [-5, -5, 84, 84], "lesion_id": ["L1", "L2", "L1", "L2"],
                         "role": "target", "suvmax": [8.0, 6.0, 7.0, 5.0],
                         "functional_diameter_mm": diameters})


def test_pet_diameters_in_cm_are_refused_or_kept_with_warn():
    # 2.5, 1.8, 2.4, 1.7: every diameter below 10, with decimals: the whole-table rule, rows 2-5
    frame = _pet([2.5, 1.8, 2.4, 1.7])
    with pytest.raises(InputError) as raised:
        validate_pet_table(frame, file="pet.csv")
    assert raised.value.located().startswith("pet.csv, rows 2-5, column functional_diameter_mm")
    assert "look like centimetres" in raised.value.message
    with pytest.warns(ImplausibleValueWarning, match="functional_diameter_mm"):
        table = validate_pet_table(frame, file="pet.csv", validation="warn")
    assert table["functional_diameter_mm"].tolist() == [2.5, 1.8, 2.4, 1.7]  # kept as given


@pytest.mark.parametrize("diameters", [[25.0, 1.8, 24.0, 1.7], [5.0, 8.0, 6.0, 9.0]])
def test_pet_diameters_in_mm_are_accepted(diameters):
    # one diameter of 10 or more (25 mm): the table is not all below 10; whole numbers below 10: no decimals
    table = validate_pet_table(_pet(diameters), file="pet.csv")
    assert table["functional_diameter_mm"].tolist() == diameters


# ---------------------------------------------------------------------------------------------------------
# 6. Patient-table weight and height (spec/pet.md 1.8: weight 2 to 350 kg, height 40 to 250 cm)


@pytest.mark.parametrize(("column", "cell", "fragment"), [
    ("weight_kg", "1.9", "'1.9' is not a weight from 2 to 350 kg"),
    ("weight_kg", "350.5", "'350.5' is not a weight from 2 to 350 kg"),
    ("weight_kg", "176 lb", "'176 lb' is not a weight from 2 to 350 kg"),
    ("weight_kg", '"70,5"', "write 70.5"),
    ("height_cm", "39.9", "'39.9' is not a height from 40 to 250 cm"),
    ("height_cm", "251", "'251' is not a height from 40 to 250 cm"),
])
def test_patient_weight_and_height_outside_the_ranges_are_refused(tmp_path, column, cell, fragment):
    lesions = write(tmp_path, HEADER + "P1,-7,T1,target,liver,false,40,,present\n")
    patients = write(tmp_path, f"patient_id,{column}\nP1,{cell}\n", "patients.csv")
    assert_refused(cli("validate", lesions, "--patients", patients), f"patients.csv, row 2, column {column}",
                   fragment, "spec/pet.md 1.8")


@pytest.mark.parametrize(("weight", "height"), [("2", "40"), ("350", "250"), ("70.5", "175"), ("", "")])
def test_patient_weight_and_height_inside_the_ranges_are_accepted(tmp_path, weight, height):
    # the bounds themselves are inside (spec/pet.md 1.8: "2 to 350 kg", "40 to 250 cm"); empty: not known
    lesions = write(tmp_path, HEADER + "P1,-7,T1,target,liver,false,40,,present\n")
    patients = write(tmp_path, f"patient_id,weight_kg,height_cm\nP1,{weight},{height}\n", "patients.csv")
    assert_accepted(cli("validate", lesions, "--patients", patients))


# ---------------------------------------------------------------------------------------------------------
# 7. The PET normalization column names the SUL normalisation


def _sul_table(normalization):
    return pd.DataFrame({"patient_id": "P1", "day": [-5, 56], "lesion_id": "L1", "role": "target",
                         "sulpeak": [8.0, 5.0], "normalization": normalization})


@pytest.mark.parametrize("value", ["bw", "BSA"])
def test_pet_normalization_other_than_lbm_is_refused(value):
    # spec/pet.md 1.7: PERCIST, PECRIT, imPERCIST and iPERCIST read sulpeak as SUL (lean body mass); a
    # normalization bw or bsa says the values are not SUL: refused at rows 2, 3, never read as SUL
    with pytest.raises(InputError) as raised:
        validate_pet_table(_sul_table(value), file="pet.csv")
    assert raised.value.located().startswith("pet.csv, rows 2, 3, column normalization")
    assert f"{value.lower()!r} is not a lean-body-mass normalisation" in raised.value.message


@pytest.mark.parametrize(("value", "formula"), [
    ("lbm_janmahasatian", "janmahasatian"), ("LBM_James", "james"), ("lbm_james120", "user-supplied"),
    ("", "user-supplied")])
def test_pet_lbm_normalization_gives_the_lbm_formula(value, formula):
    # spec/metabolic.md 2.2: the formula is recorded; one the toolkit does not name, or none, is user-supplied
    table = validate_pet_table(_sul_table(value), file="pet.csv")
    assert table["lbm_formula"].tolist() == [formula, formula]
