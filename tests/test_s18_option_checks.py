"""One way to check and word an option's error (STYLE.md 5): "options, option NAME: ...".

Numeric options are counts, days, sizes or thresholds: finite and >= 0. A choice option is checked before
its value is read as a column name. iRECIST's confirmation window (spec/anatomic.md 0.8, 4.11 D3-D4) must
hold an assessment. irRC's baseline message names the minimum that applied (spec 2.2, 2.11 B1).
"""

from __future__ import annotations

import inspect
import math
import typing
from dataclasses import fields

import pandas as pd
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.api import select_criteria, split_options
from ioresponse.cli import app
from ioresponse.criteria import Study, registry
from ioresponse.criteria import irecist as irecist_module
from ioresponse.patterns import select
from ioresponse.patterns._common import PatternOptions
from ioresponse.schema import OPTIONS, InputError, coerce_option

LESION_COLUMNS = ["patient_id", "day", "lesion_id", "role", "organ", "lymph_node", "long_axis_mm",
                  "perpendicular_mm", "status", "slice_thickness_mm"]


def lesions(size_mm: float = 40.0, slice_mm: float = 1.0) -> pd.DataFrame:
    """One liver target, size_mm x size_mm at baseline (day -7) and at day 56."""
    rows = [("P1", day, "T1", "target", "liver", False, size_mm, size_mm, "present", slice_mm)
            for day in (-7, 56)]
    return pd.DataFrame(rows, columns=LESION_COLUMNS)


def cli(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def flat(result) -> str:
    return " ".join(result.output.split())


def refused(call) -> InputError:
    with pytest.raises(InputError) as error:
        call()
    return error.value


# ------------------------------------------------------------------ 1. numeric options are >= 0


def _numeric_kinds(hint: object) -> set[type]:
    parts = typing.get_args(hint) or (hint,)
    return {k for k in parts if k in (int, float)} if bool not in parts else set()


def _criterion_numeric_options() -> list[tuple[str, str, type]]:
    found = []
    for key, criterion in registry().items():
        hints = typing.get_type_hints(criterion.assess)
        for name in inspect.signature(criterion.assess).parameters:
            kinds = _numeric_kinds(hints.get(name))
            if kinds:
                found.append((key, name, float if float in kinds else int))
    return found


def _pattern_numeric_options() -> list[tuple[str, type]]:
    hints = typing.get_type_hints(PatternOptions)
    return [(f.name, float if float in _numeric_kinds(hints[f.name]) else int)
            for f in fields(PatternOptions) if _numeric_kinds(hints[f.name])]


def test_the_options_the_audit_named_are_numeric_so_the_checks_below_cover_them():
    criterion_names = {name for _, name, _ in _criterion_numeric_options()}
    assert {"confirm_min_days", "confirm_max_days", "min_sd_days", "max_ne_between", "max_targets",
            "pd_absolute_mm", "icpd_absolute_mm", "new_node_min_short_axis_mm", "impercist_min_abs_sul",
            "pecrit_recist_window_days", "too_small_product_mm2"} <= criterion_names
    assert {"early_cutoff_days", "max_progressing_lesions", "min_off_treatment_days",
            "prebaseline_max_days_before_baseline", "matos_min_abs_increase_mm",
            "cohort_median_pfs_days"} <= {name for name, _ in _pattern_numeric_options()}


@pytest.mark.parametrize(("key", "name", "kind"), _criterion_numeric_options())
def test_every_numeric_criterion_option_refuses_a_negative_value_and_accepts_zero(key, name, kind):
    # No numeric option of any criterion takes a negative value (each is a count, days, a size or a
    # threshold): -1 is refused naming the option, 0 is kept.
    criterion = registry()[key]
    error = refused(lambda: split_options([criterion], {name: -1}))
    expected = "a number" if kind is float else "a whole number"
    assert (error.file, error.column) == (OPTIONS, name)
    assert error.located().startswith(f"options, option {name}: -1 is negative; expected {expected} >= 0")
    # a maximum of 0 days needs a minimum of 0 (the window rule below)
    window = {"confirm_min_days": 0} if name == "confirm_max_days" else {}
    assert split_options([criterion], {name: 0, **window})[key][name] == 0


@pytest.mark.parametrize(("name", "kind"), _pattern_numeric_options())
def test_every_numeric_pattern_option_refuses_a_negative_value_and_accepts_zero(name, kind):
    error = refused(lambda: PatternOptions.from_mapping({name: -2}))
    expected = "a number" if kind is float else "a whole number"
    assert error.located().startswith(f"options, option {name}: -2 is negative; expected {expected} >= 0")
    assert getattr(PatternOptions.from_mapping({name: 0}), name) == 0


@pytest.mark.parametrize(
    ("criterion", "options", "located"),
    [
        # the values the audit found accepted silently
        ("recist11", {"min_sd_days": -1},
         "options, option min_sd_days: -1 is negative; expected a whole number >= 0"),
        ("recist11", {"max_ne_between": -1}, "options, option max_ne_between: -1 is negative"),
        ("recist11", {"confirm_min_days": -5}, "options, option confirm_min_days: -5 is negative"),
        ("irrecist", {"pd_absolute_mm": -5},
         "options, option pd_absolute_mm: -5 is negative; expected a number >= 0"),
        ("recist11", {"new_node_min_short_axis_mm": math.nan},
         "options, option new_node_min_short_axis_mm: nan is not a finite number; expected a number >= 0"),
        ("recist11", {"new_node_min_short_axis_mm": math.inf},
         "options, option new_node_min_short_axis_mm: inf is not a finite number"),
        # text from the command line is converted first, then checked the same way
        ("recist11", {"min_sd_days": "-1"}, "options, option min_sd_days: -1 is negative"),
        ("recist11", {"max_progressing_lesions": -2},
         "options, option max_progressing_lesions: -2 is negative"),
        ("recist11", {"min_off_treatment_days": -5},
         "options, option min_off_treatment_days: -5 is negative"),
    ],
)
def test_assess_refuses_the_nonsense_numbers_of_the_audit(criterion, options, located):
    error = refused(lambda: ioresponse.assess(lesions(), criterion, **options))
    assert error.located().startswith(located)


def test_impercist_minimum_sul_of_minus_one_is_refused():
    error = refused(lambda: split_options([registry()["impercist"]], {"impercist_min_abs_sul": -1}))
    assert error.located().startswith(
        "options, option impercist_min_abs_sul: -1 is negative; expected a number >= 0")


def test_a_negative_option_on_the_command_line_exits_2_naming_it(tmp_path):
    path = tmp_path / "lesions.csv"
    lesions().to_csv(path, index=False)
    result = cli("assess", path, "--out", tmp_path / "out", "--no-patterns", "--option", "min_sd_days=-1")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "error: options, option min_sd_days: -1 is negative; expected a whole number >= 0" in flat(result)


def test_coerce_option_keeps_none_for_an_optional_number_and_whole_floats_as_int():
    assert coerce_option("confirm_max_days", None, int | None) is None
    assert coerce_option("confirm_max_days", "none", int | None) is None
    assert coerce_option("min_sd_days", 56.0, int) == 56  # a whole float for an int option


# ------------------------------------------------------------------ 2. one wording: "option NAME"


def test_an_options_error_says_option_not_column():
    option = InputError(OPTIONS, [], "early_cutoff_days", "x")
    assert option.located() == "options, option early_cutoff_days: x"
    column = InputError("lesions.csv", [], "early_cutoff_days", "x")
    assert column.located() == "lesions.csv, column early_cutoff_days: x"


@pytest.mark.parametrize(
    ("call", "located"),
    [
        (lambda: PatternOptions.from_mapping({"hodi_criterion": "recist"}),
         "options, option hodi_criterion: 'recist' is not one of irrc, irrecist."),
        (lambda: ioresponse.assess(lesions(), "irecist", icpd_increase_reference="first"),
         "options, option icpd_increase_reference: 'first' is not one of iupd, previous, min_since_iupd."),
        (lambda: ioresponse.assess(lesions(), "recist11", on_invalid="skip"),
         "options, option on_invalid: 'skip' is not one of raise, exclude."),
        (lambda: select(set(), PatternOptions(), ["nope"]),
         "options, option definitions: 'nope' is not one of "),
    ],
    ids=["pattern-choice", "criterion-choice", "load-choice", "pattern-definitions"],
)
def test_every_choice_outside_its_list_reads_the_same(call, located):
    assert refused(call).located().startswith(located)


def test_the_pet_command_words_a_choice_as_every_other_option(tmp_path):
    result = cli("pet", "suv", tmp_path, "--normalization", "sul")
    assert result.exit_code == 2 and "Traceback" not in result.output
    expected = "error: options, option --normalization: 'sul' is not one of auto, bw, lbm, bsa, ibw."
    assert expected in flat(result)


# ------------------------------------------------------------------ 3. a choice before a column name

PET = pd.DataFrame({"patient_id": ["P1", "P1"], "day": [-5, 56], "lesion_id": ["L1", "L1"],
                    "role": ["target", "target"], "organ": ["lung", "lung"], "sulpeak": [8.0, 5.6],
                    "uptake_min": [60, 62], "liver_sul_mean": [2.0, 2.1], "liver_sul_sd": [0.25, 0.25]})


def test_eortc_metric_outside_its_choices_is_refused_before_it_names_a_column():
    # spec/metabolic.md 4.12 A1: eortc_metric is suvmax, sulpeak or sulmean; "suvmean" is none of them,
    # not a column the table lacks
    error = refused(lambda: select_criteria(["eortc"], Study(pet=PET), {"eortc_metric": "suvmean"}))
    assert error.located() == ("options, option eortc_metric: 'suvmean' is not one of suvmax, sulpeak, "
                               "sulmean.")


def test_validate_names_the_choices_of_eortc_metric_not_an_unknown_option(tmp_path):
    path = tmp_path / "pet.csv"
    PET.to_csv(path, index=False)
    result = cli("validate", path, "--criteria", "eortc,percist", "--option", "eortc_metric=suvmean")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "options, option eortc_metric: 'suvmean' is not one of suvmax, sulpeak, sulmean." in flat(result)


# ------------------------------------------------------------------ iRECIST confirmation window


def test_irecist_tolerance_above_the_minimum_is_refused():
    # spec 4.11 D3: the tolerance accepts confirm_min_days - tolerance; 28 - 40 = -12 days is no window
    error = refused(lambda: ioresponse.assess(lesions(), "irecist", confirm_tolerance_days=40))
    assert error.located().startswith(
        "options, option confirm_tolerance_days: 40 exceeds confirm_min_days (28)")
    assert "28 - 40 = -12 days after the iUPD (spec 4.11 D3)" in error.message


def test_irecist_tolerance_equal_to_the_minimum_is_kept():
    # 28 - 28 = 0 days: the edge, accepted
    assert len(ioresponse.assess(lesions(), "irecist", confirm_tolerance_days=28).timepoints) == 1


@pytest.mark.parametrize("key", ["irecist", "irrc", "irrecist", "imrecist"])
def test_a_maximum_below_the_minimum_is_refused_by_every_criterion_that_takes_both(key):
    # spec 0.8 / 4.11 D4: the deciding assessment comes >= confirm_min_days (28) after the first PD; a
    # maximum of 20 days is below it
    error = refused(lambda: ioresponse.assess(lesions(), key, confirm_max_days=20))
    assert error.located().startswith("options, option confirm_max_days: 20 is below confirm_min_days (28)")


def test_a_maximum_equal_to_the_minimum_and_none_are_kept():
    # one follow-up (day 56): one timepoint row each
    kept = ioresponse.assess(lesions(), "irecist", confirm_min_days=42, confirm_max_days=42)
    assert len(kept.timepoints) == 1
    kept = ioresponse.assess(lesions(), "irrc", confirm_min_days=60, confirm_max_days=None)
    assert len(kept.timepoints) == 1


def test_the_window_is_checked_when_irecist_is_called_directly():
    study = ioresponse.load(lesions())
    error = refused(lambda: irecist_module.assess(study, confirm_min_days=28, confirm_max_days=14))
    assert error.located().startswith("options, option confirm_max_days: 14 is below confirm_min_days (28)")


def test_the_window_error_exits_2_on_the_command_line(tmp_path):
    path = tmp_path / "lesions.csv"
    lesions().to_csv(path, index=False)
    result = cli("assess", path, "--out", tmp_path / "out", "--no-patterns", "--criteria", "irecist",
                 "--option", "confirm_tolerance_days=40")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "error: options, option confirm_tolerance_days: 40 exceeds confirm_min_days (28)" in flat(result)


# ------------------------------------------------------------------ 4. irRC names the minimum that applied


def test_irrc_slice_rule_names_twice_the_slice():
    # spec 2.2: with apply_slice_rule each diameter must be >= 2 x a slice thicker than 5 mm:
    # max(5, 2 x 6) = 12 mm, and 8 x 8 mm is below it. The baseline row is row 2 (header = row 1).
    error = refused(lambda: ioresponse.assess(lesions(8.0, slice_mm=6.0), "irrc", apply_slice_rule=True))
    assert error.rows == [2]
    assert "patient P1: index lesion below 12 x 12 mm, twice the 6 mm slice (both diameters" in error.message


def test_irrc_exclusive_minimum_says_not_above():
    # spec 2.11 B1: min_diameter_inclusive=False asks for both diameters > 5 mm; 5 x 5 mm is not above
    error = refused(lambda: ioresponse.assess(lesions(5.0), "irrc", min_diameter_inclusive=False))
    assert ("patient P1: index lesion not above 5 x 5 mm (both diameters; irRC, Wolchok 2009 Table 2 "
            "footnote; spec 2.11 B1)") in error.message


def test_irrc_default_minimum_is_five_by_five():
    # spec 2.2: both diameters >= 5 mm; 4 x 4 mm is below (a 6 mm slice does not count without the rule)
    error = refused(lambda: ioresponse.assess(lesions(4.0, slice_mm=6.0), "irrc"))
    assert ("patient P1: index lesion below 5 x 5 mm (both diameters; irRC, Wolchok 2009 Table 1; "
            "spec 2.2)") in error.message
