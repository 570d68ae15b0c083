"""Validation before any assessment: one small bad file per check, asserting the located message.

Rules: spec/anatomic.md 0.1-0.4 and 1.3 (RECIST 1.1 sec. 4.2), STYLE.md 5-6. Each file in tests/io/data
breaks exactly one rule of an otherwise valid table; the header is row 1.
"""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from ioresponse.io.load import load_study, validate_only
from ioresponse.io.validate import ImplausibleValueWarning, SplitLesionWarning, TargetCountWarning
from ioresponse.schema import InputError

DATA = Path(__file__).resolve().parent / "data"

# file, rows, column, message fragment (regular expression)
BAD_FILES = [
    ("missing_column.csv", [], "organ", r"missing required column\(s\): organ"),
    ("unknown_role.csv", [3], "role",
     r'"nontarget" is not an allowed value; allowed: "target", "non_target", "new"'),
    ("unknown_status.csv", [3], "status",
     r'"shrinking" is not an allowed value; allowed: "present", "absent", "unequivocal_progression", '
     r'"too_small", "not_evaluable"'),
    ("negative_size.csv", [3], "long_axis_mm", r"-30 is negative"),
    ("non_numeric_size.csv", [3], "long_axis_mm", r"'3O' is not a number"),
    ("cm_sizes.csv", [2, 3, 4, 5], "long_axis_mm", r"sizes look like centimetres"),
    ("duplicate_rows.csv", [4], "lesion_id", r"identical duplicate of row 3"),
    ("non_target_twice.csv", [3, 4], "lesion_id",
     r"lesion NT1 appears 2 times .* non-target lesion is assessed as a whole"),
    ("bad_date.csv", [3], "date", r"'2021-02-30' is not an ISO date"),
    ("date_day_disagree.csv", [2, 3, 4], "date", r"dates and days of patient P1 disagree"),
    ("visit_order.csv", [4], "date", r"visit 3 of patient P1 is on day 42, before an earlier-numbered visit"),
    ("no_baseline.csv", [4, 5], "day", r"missing baseline: patient P2"),
    ("new_at_baseline.csv", [3], "role", r'role "new" at baseline'),
    ("first_seen_not_new.csv", [4], "role", r'lesion first seen at a follow-up must have role "new"'),
    ("follow_up_target_was_non_target.csv", [5], "role",
     r'lesion L2 of patient P1 is "target" at a follow-up but was "non_target" at baseline'),
    ("target_unequivocal.csv", [3], "status", r"unequivocal_progression is not allowed for a target lesion"),
    ("per_assessment_disagree.csv", [2, 3], "modality", r"rows of one assessment .* disagree \(ct, mri\)"),
    ("missing_measurement.csv", [3], "short_axis_mm",
     r"missing measurement: a present nodal target needs short_axis_mm"),
    ("no_time.csv", [3], "day", r"no day and no date"),
    ("bad_boolean.csv", [2], "lymph_node", r"'maybe' is not a boolean"),
    ("sums_bad_text.csv", [4], "target_sum_mm", r"'GONE' is neither a sum in mm nor an allowed text"),
    ("missing_treatment_start.csv", [2, 3], "treatment_start",
     r"patient P1 has dates but no day and no treatment_start"),
]


@pytest.mark.parametrize(("name", "rows", "column", "message"), BAD_FILES, ids=[b[0][:-4] for b in BAD_FILES])
def test_each_bad_file_raises_a_located_input_error(name, rows, column, message):
    with pytest.raises(InputError, match=message) as caught:
        load_study(DATA / name)
    error = caught.value
    assert error.file == name
    assert error.rows == rows
    assert error.column == column
    assert error.located().startswith(f"{name}, ")


def _data_rows(path: Path) -> set[int]:
    with path.open(newline="") as handle:
        return set(range(2, 2 + sum(1 for _ in csv.DictReader(handle))))


@pytest.mark.parametrize(("name", "rows", "column", "message"),
                         [b for b in BAD_FILES if b[1]], ids=[b[0][:-4] for b in BAD_FILES if b[1]])
def test_exclude_mode_accounts_for_every_row(name, rows, column, message):
    study = load_study(DATA / name, on_invalid="exclude")
    used = set(study.lesions["source_row"])
    excluded = set(study.excluded["source_row"])
    assert used | excluded == _data_rows(DATA / name)
    assert not used & excluded
    assert set(rows) <= excluded
    assert study.excluded["reason"].str.contains(message).any()


def test_validate_only_lists_every_problem():
    table = pd.read_csv(DATA / "first_seen_not_new.csv")  # row 4: first seen at follow-up, not new
    table.loc[1, "long_axis_mm"] = -1  # row 3: negative
    table.loc[3] = ["P2", 42, "L1", "target", "lung", False, 20, None, "present"]  # row 5: no baseline
    located = [p.located() for p in validate_only(table)]
    assert len(located) == 3
    assert located[0].startswith("<table>, row 3, column long_axis_mm: -1 is negative")
    assert any(text.startswith("<table>, row 4, column role") for text in located)
    assert any(text.startswith("<table>, row 5, column day: missing baseline: patient P2")
               for text in located)


def test_a_problem_that_follows_from_a_set_aside_row_says_so():
    """Issue 3: an invalid baseline row is set aside, and the "missing baseline" that follows names
    it, so that the user fixes the cause rather than adding a baseline."""
    table = pd.DataFrame(
        [("P1", -7, "T1", "target", "liver", False, -40.0, "present"),
         ("P1", 56, "T1", "target", "liver", False, 26.0, "present"),
         ("P2", -5, "T1", "target", "lung", False, 30.0, "present"),
         ("P2", 50, "T1", "target", "lung", False, 20.0, "present")],
        columns=["patient_id", "day", "lesion_id", "role", "organ", "lymph_node", "long_axis_mm", "status"],
    )
    located = [p.located() for p in validate_only(table)]
    assert len(located) == 2
    assert located[0].startswith("<table>, row 2, column long_axis_mm: -40 is negative")
    assert located[1].startswith("<table>, row 3, column day: missing baseline: patient P1")
    assert located[1].endswith("(row(s) 2 of this patient already set aside, see above)")


def test_validate_only_valid_table_has_no_problems():
    assert validate_only(DATA / "split_fragments.csv") == []


def test_cm_looking_sizes_warn_and_keep_values_when_validation_warn():
    with pytest.warns(ImplausibleValueWarning, match="centimetres"):
        study = load_study(DATA / "cm_sizes.csv", validation="warn")
    assert study.lesions["long_axis_mm"].tolist() == [4.2, 2.5, 3.1, 2.0]


def test_cm_check_boundary_integer_sizes_below_10_are_not_centimetres():
    table = pd.read_csv(DATA / "cm_sizes.csv").assign(long_axis_mm=[4, 3, 3, 2])
    assert len(load_study(table).lesions) == 4


def test_cm_check_boundary_one_size_of_10_mm_is_not_centimetres():
    table = pd.read_csv(DATA / "cm_sizes.csv").assign(long_axis_mm=[10.0, 2.5, 3.1, 2.0])
    assert len(load_study(table).lesions) == 4


def test_split_lesion_fragments_are_kept_as_rows_spec_0_4():
    with pytest.warns(SplitLesionWarning) as caught:
        lesions = load_study(DATA / "split_fragments.csv").lesions
    # the reader is told, located at the fragments' rows, that the two values add up (spec 0.4)
    message = str(caught[0].message)
    assert "split_fragments.csv, rows 3, 4, column lesion_id" in message
    assert "lesion L1 of patient P1 on day 42, 2 rows" in message and "add up" in message
    day42 = lesions[lesions["day"] == 42]
    assert day42["lesion_id"].tolist() == ["L1", "L1"]
    assert day42["long_axis_mm"].tolist() == [18.0, 12.0]


def test_one_row_per_lesion_gives_no_split_lesion_warning():
    table = pd.read_csv(DATA / "split_fragments.csv").iloc[[0, 1]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SplitLesionWarning)
        load_study(table)


def test_more_targets_than_recist_4_2_warns_naming_the_rule():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study = load_study(DATA / "too_many_targets.csv")
    messages = [str(w.message) for w in caught if issubclass(w.category, TargetCountWarning)]
    assert any(re.search(r"6 target lesions at baseline; RECIST 1.1 sec. 4.2 allows at most 5", m)
               for m in messages)
    assert any('3 target lesions in organ "liver"' in m for m in messages)
    assert any('3 target lesions in organ "lymph node"' in m for m in messages)  # nodes: one organ
    assert len(study.lesions) == 7  # a warning never removes a row


def test_two_targets_per_organ_is_allowed_boundary():
    table = pd.read_csv(DATA / "too_many_targets.csv")
    table = table[~table["lesion_id"].isin(["L3", "N3"])]
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetCountWarning)
        load_study(table)


def test_pre_baseline_assessment_is_kept_not_an_error_spec_0_2():
    table = pd.read_csv(DATA / "split_fragments.csv")
    earlier = table.iloc[[0]].assign(day=-60, long_axis_mm=35)
    lesions = load_study(pd.concat([earlier, table], ignore_index=True)).lesions
    assert sorted(lesions["day"].unique()) == [-60, -7, 42]


def test_treatment_start_from_patient_table_gives_day():
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_start": ["2021-01-07"], "arm": ["A"]})
    study = load_study(DATA / "missing_treatment_start.csv", patients=patients)
    assert study.lesions["day"].tolist() == [-3, 39]  # 2021-01-04 and 2021-02-15 minus 2021-01-07
    assert study.patients.set_index("patient_id").loc["P1", "arm"] == "A"


def test_patient_table_with_duplicate_patient_raises():
    patients = pd.DataFrame({"patient_id": ["P1", "P1"], "treatment_start": ["2021-01-07", "2021-01-08"]})
    with pytest.raises(InputError, match="patient P1 appears more than once") as caught:
        load_study(DATA / "missing_treatment_start.csv", patients=patients)
    assert caught.value.rows == [2, 3]


# One patient in centimetres among patients in mm (STYLE.md 5; RECIST 1.1 sec. 3.1.1: a target is at
# least 10 mm). P1 in mm; P2's baseline target sizes vary per test.
MIXED = """patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status
P1,-7,T1,target,liver,false,40,,present
P1,56,T1,target,liver,false,28,,present
P2,-3,A1,target,lung,false,{a1},,present
P2,-3,A2,target,lung,false,{a2},,present
P2,50,A1,target,lung,false,2.6,,present
P2,50,A2,target,lung,false,3,,present
"""


def _mixed(tmp_path, a1, a2) -> Path:
    path = tmp_path / "lesions.csv"
    path.write_text(MIXED.format(a1=a1, a2=a2))
    return path


def test_one_patient_in_cm_is_named_with_its_rows(tmp_path):
    message = (r"sizes of patient P2 look like centimetres, while other sizes in the table are in mm .*"
               r"--warn-implausible \(Python: validation=\"warn\"\)")
    with pytest.raises(InputError, match=message) as caught:
        load_study(_mixed(tmp_path, 4.2, 3))
    assert (caught.value.rows, caught.value.column) == ([4, 5, 6, 7], "long_axis_mm")


def test_one_patient_in_cm_boundary_one_baseline_target_of_10_is_mm(tmp_path):
    assert len(load_study(_mixed(tmp_path, 4.2, 10)).lesions) == 6


def test_one_patient_in_cm_boundary_integer_sizes_below_10_are_mm(tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_text(MIXED.format(a1=4, a2=3).replace("2.6", "2"))
    assert len(load_study(path).lesions) == 6


def test_one_patient_in_cm_warns_and_keeps_the_values_or_is_excluded_whole(tmp_path):
    path = _mixed(tmp_path, 4.2, 3)
    with pytest.warns(ImplausibleValueWarning, match="patient P2"):
        study = load_study(path, validation="warn")
    p2 = study.lesions[study.lesions["patient_id"] == "P2"]
    assert p2["long_axis_mm"].tolist() == [4.2, 3.0, 2.6, 3.0]
    study = load_study(path, on_invalid="exclude")
    assert set(study.lesions["patient_id"]) == {"P1"}
    assert study.excluded["source_row"].tolist() == [4, 5, 6, 7]


def test_validate_only_reads_pet_and_pct_change_tables_as_assess_does(tmp_path):
    pet = tmp_path / "pet.csv"
    pet.write_text("patient_id,date,lesion_id,role,sulpeak\nP1,2021-03-01,L1,target,8.0\n"
                   "P1,2021-05-01,L1,target,-5.6\n")
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_start": ["2021-03-05"]})
    located = [p.located() for p in validate_only(pet, patients=patients)]
    assert located == ["pet.csv, row 3, column sulpeak: negative value; PET values, times and counts are "
                       ">= 0"]
    pct = tmp_path / "pct.csv"
    pct.write_text("patient_id,day,pct_change\nA,0,0\n\nA,56,-40,5\n")
    assert [p.located() for p in validate_only(pct)] == [
        "pct.csv: Error tokenizing data. C error: Expected 3 fields in line 4, saw 4; every line has the "
        "fields of the header (line 1): remove an extra field (a delimiter at the end of the line?), and put "
        "a value holding the delimiter, a quote or a line break in double quotes"]
    pct.write_text("patient_id,day,pct_change\nA,0,0\n\nA,56,\"-40,5\"\n")
    assert [p.located() for p in validate_only(pct)] == [
        'pct.csv, row 4, column pct_change: not a number; the decimal separator looks like ",": write -40.5']


def test_pet_table_alone_keeps_the_patient_table():
    table = pd.DataFrame({"patient_id": ["P1", "P1"], "day": [-5, 56], "lesion_id": ["L1", "L1"],
                          "role": ["target", "target"], "sulpeak": [8.0, 5.6]})
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_end": ["2021-09-01"]})
    study = load_study(table, patients=patients)
    assert study.lesions is None and len(study.pet) == 2
    assert study.patients["treatment_end"].tolist() == ["2021-09-01"]
