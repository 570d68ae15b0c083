"""InputError locates the problem as STYLE.md section 5 shows."""

from ioresponse.schema import InputError


def test_input_error_names_file_row_and_column():
    error = InputError("lesions.csv", [17], "long_axis_mm", "3.2 looks like centimetres")
    assert str(error) == "lesions.csv, row 17, column long_axis_mm: 3.2 looks like centimetres"


def test_input_error_contiguous_rows_are_a_range():
    error = InputError("lesions.csv", [41, 40], "lesion_id", "lesion L3 appears twice")
    assert error.located().startswith("lesions.csv, rows 40, 41, column lesion_id")
    assert InputError("f", [3, 4, 5], None, "x").located() == "f, rows 3-5: x"


def test_input_error_without_rows_names_the_file():
    assert InputError("t.csv", [], None, "missing baseline").located() == "t.csv: missing baseline"
