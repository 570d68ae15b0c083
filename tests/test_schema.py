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


def test_coerce_option_converts_command_line_text_to_the_declared_type():
    from ioresponse.schema import coerce_option

    assert coerce_option("confirm_response", "true", bool) is True
    assert coerce_option("confirm_response", "No", bool) is False
    assert coerce_option("min_sd_days", "56", int) == 56
    assert coerce_option("confirm_max_days", "none", int | None) is None
    assert coerce_option("threshold", "0.5", float) == 0.5
    assert coerce_option("mode", "warn", str) == "warn"


def test_coerce_option_refuses_text_that_does_not_convert():
    import pytest

    from ioresponse.schema import coerce_option

    with pytest.raises(InputError, match='min_sd_days: "six weeks" is not a whole number'):
        coerce_option("min_sd_days", "six weeks", int)
    with pytest.raises(InputError, match='confirm_response: "maybe" is not true or false'):
        coerce_option("confirm_response", "maybe", bool)
