"""The PET assessment table (spec/metabolic.md 1.1-1.3): canonical form and located InputErrors."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

from ioresponse.io.pet_table import looks_like_pet_table, read_pet_table, validate_pet_table
from ioresponse.schema import InputError

CSV = """patient_id,date,day,lesion_id,role,organ,sulpeak,tlg,uptake_min,liver_sul_mean,liver_sul_sd
P1,2021-01-01,-3,L1,target,Lung,8.0,60,60,2.0,0.25
P1,2021-01-01,-3,L2,Non-Target,Lymph Node,5.0,,60,2.0,0.25
P1,2021-03-01,56,L1,target,lung,5.6,40,62,2.1,0.25
P1,2021-03-01,56,L2,non_target,lymph node,3.0,,,2.1,0.25
P1,2021-03-01,56,N1,new,liver,3.0,,62,2.1,0.25
"""


def write(tmp_path, text, name="pet.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_is_read_into_the_canonical_table(tmp_path):
    table = read_pet_table(write(tmp_path, CSV))
    assert table.columns[:9].tolist() == [
        "patient_id",
        "reader",
        "day",
        "date",
        "lesion_id",
        "role",
        "organ",
        "visceral",
        "sulpeak",
    ]
    assert table["day"].dtype == "int64" and table["sulpeak"].dtype == "float64"
    assert table["role"].tolist() == ["target", "non_target", "target", "non_target", "new"]
    assert table["organ"].tolist()[:2] == ["lung", "lymph node"]
    assert "status" not in table  # optional (spec 1.1): PERCIMT, which needs it, names it (7.10)
    assert table["source_row"].tolist() == [2, 3, 4, 5, 6]
    # per-scan value left empty on row 5 takes the scan's value (spec 1.1)
    assert table.loc[table["source_row"] == 5, "uptake_min"].item() == 62
    assert "cycles_before_scan" not in table  # absent columns stay absent: a criterion names them


def test_validation_is_idempotent_and_accepts_polars(tmp_path):
    table = read_pet_table(write(tmp_path, CSV))
    pd.testing.assert_frame_equal(validate_pet_table(table), table)
    from_polars = read_pet_table(pl.read_csv(write(tmp_path, CSV), infer_schema_length=0))
    assert from_polars["sulpeak"].tolist() == table["sulpeak"].tolist()


def test_same_input_in_any_row_order_gives_the_same_table(tmp_path):
    table = read_pet_table(write(tmp_path, CSV))
    lines = CSV.strip().split("\n")
    shuffled = read_pet_table(write(tmp_path, "\n".join([lines[0], *reversed(lines[1:])]) + "\n", "b.csv"))
    pd.testing.assert_frame_equal(shuffled.drop(columns="source_row"), table.drop(columns="source_row"))


def test_non_numeric_value_is_located(tmp_path):
    with pytest.raises(InputError, match=r"pet\.csv, row 4, column sulpeak: 'high' is not a number"):
        read_pet_table(write(tmp_path, CSV.replace("56,L1,target,lung,5.6", "56,L1,target,lung,high")))


def test_negative_value_is_located(tmp_path):
    with pytest.raises(InputError, match="row 2, column sulpeak: negative value"):
        read_pet_table(write(tmp_path, CSV.replace("Lung,8.0", "Lung,-8.0")))


def test_unknown_role_is_located(tmp_path):
    with pytest.raises(InputError, match="row 6, column role: role 'fresh'"):
        read_pet_table(write(tmp_path, CSV.replace("N1,new", "N1,fresh")))


def test_unknown_status_is_located(tmp_path):
    text = CSV.replace("patient_id,", "status,patient_id,", 1)
    text = "\n".join([text.split("\n")[0]] + ["," + line for line in text.split("\n")[1:] if line]) + "\n"
    text = text.replace(",P1,2021-03-01,56,N1", "too small,P1,2021-03-01,56,N1")
    with pytest.raises(InputError, match="row 6, column status: status 'too_small'"):
        read_pet_table(write(tmp_path, text))


def test_per_scan_values_that_disagree_name_the_rows(tmp_path):
    with pytest.raises(
        InputError, match="rows 4-6, column liver_sul_mean: patient P1 day 56: the rows of one scan"
    ):
        read_pet_table(write(tmp_path, CSV.replace("3.0,,62,2.1", "3.0,,62,2.4")))


def test_duplicate_lesion_row_is_located(tmp_path):
    lines = CSV.strip().split("\n")
    with pytest.raises(InputError, match="rows 4, 7, column lesion_id: lesion L1 appears twice"):
        read_pet_table(write(tmp_path, "\n".join([*lines, lines[3]]) + "\n"))


def test_missing_baseline_is_an_input_error(tmp_path):
    text = CSV.replace(",2021-01-01,-3,", ",2021-01-07,3,")  # day 3 = 2021-01-07 (start 2021-01-04)
    with pytest.raises(InputError, match="missing baseline: patient P1 has no scan with day <= 0"):
        read_pet_table(write(tmp_path, text))


def test_new_lesion_at_baseline_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="row 3, column role: patient P1: role 'new' at the baseline scan"):
        read_pet_table(write(tmp_path, CSV.replace("L2,Non-Target", "L2,new")))


def test_lesion_first_seen_at_follow_up_must_be_new(tmp_path):
    with pytest.raises(InputError, match="row 6, column role: .*N1 is first seen after baseline"):
        read_pet_table(write(tmp_path, CSV.replace("N1,new", "N1,target")))


def test_missing_required_column_is_named(tmp_path):
    text = CSV.replace("lesion_id,", "lesion,", 1)
    with pytest.raises(InputError, match="column lesion_id: missing column 'lesion_id'"):
        read_pet_table(write(tmp_path, text))


def test_day_derived_from_date_and_treatment_start(tmp_path):
    lines = [line.split(",") for line in CSV.strip().split("\n")]
    text = "\n".join(",".join(cells[:2] + cells[3:]) for cells in lines) + "\n"  # without the day column
    with pytest.raises(InputError, match="treatment_start"):
        read_pet_table(write(tmp_path, text))
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_start": ["2021-01-04"]})
    table = read_pet_table(write(tmp_path, text), patients=patients)
    assert table["day"].unique().tolist() == [-3, 56]


def test_mixing_lbm_formulas_within_a_patient_is_an_input_error():
    frame = pd.DataFrame(
        {
            "patient_id": ["P1", "P1"],
            "day": [-5, 56],
            "lesion_id": ["L1", "L1"],
            "role": ["target", "target"],
            "sulpeak": [8.0, 5.0],
            "lbm_formula": ["james", "janmahasatian"],
        }
    )
    with pytest.raises(InputError, match="lbm_formula: patient P1: scans use different LBM formulas"):
        validate_pet_table(frame)
    frame["lbm_formula"] = ""
    assert validate_pet_table(frame)["lbm_formula"].unique().tolist() == ["user-supplied"]


def test_looks_like_pet_table():
    assert looks_like_pet_table(["patient_id", "day", "lesion_id", "role", "SULpeak"])
    assert not looks_like_pet_table(["patient_id", "day", "lesion_id", "role", "long_axis_mm", "suvmax"])
    assert not looks_like_pet_table(["patient_id", "day", "target_sum_mm"])


def test_normalization_column_of_pet_quantify_gives_the_lbm_formula():
    # ioresponse.pet.quantify writes "lbm_janmahasatian" / "lbm_james" (spec/metabolic.md 2.2).
    frame = pd.DataFrame(
        {
            "patient_id": ["P1", "P1"],
            "day": [-5, 56],
            "lesion_id": ["L1", "L1"],
            "role": ["target", "target"],
            "sulpeak": [8.0, 5.0],
            "normalization": ["lbm_james", "lbm_james"],
        }
    )
    assert validate_pet_table(frame)["lbm_formula"].tolist() == ["james", "james"]


def test_unused_column_is_named_in_a_warning_and_never_changes_the_table(tmp_path):
    from ioresponse.io.validate import UnusedColumnWarning

    text = CSV.replace("liver_sul_sd\n", "liver_sul_sd,comment\n").replace("0.25\n", "0.25,x\n")
    with pytest.warns(UnusedColumnWarning, match="comment"):
        table = read_pet_table(write(tmp_path, text))
    pd.testing.assert_frame_equal(table, read_pet_table(write(tmp_path, CSV, "plain.csv")))


def test_suvmax_in_two_normalisations_for_one_patient_is_refused(tmp_path):
    # spec/metabolic.md 4.2: the EORTC metric keeps "whatever normalisation the user's column carries,
    # identical at all scans"; pet quantify writes it in suvmax_normalization (spec/pet.md 1.7). P1's day-56
    # row (file row 3) is in SUVbsa after a baseline in SUVbw; P2 in SUVbsa throughout is accepted.
    text = """patient_id,day,lesion_id,role,suvmax,suvmax_normalization
P1,-3,L1,target,8.0,bw
P1,56,L1,target,5.0,bsa
P2,-3,L1,target,2.0,bsa
P2,56,L1,target,1.0,bsa
"""
    with pytest.raises(InputError) as error:
        read_pet_table(write(tmp_path, text))
    assert error.value.rows == [3] and error.value.column == "suvmax_normalization"
    accepted = read_pet_table(write(tmp_path, text.replace("56,L1,target,5.0,bsa", "56,L1,target,5.0,bw")))
    assert len(accepted) == 4
