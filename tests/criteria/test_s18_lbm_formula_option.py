"""The ``lbm_formula`` option of the criteria on SUL (spec/metabolic.md 2.2; PERCIST ambiguity A2, 5.12).

The criteria read SULpeak from the table; they cannot recompute it. The option states the formula the
SUL values must come from: a scan whose ``lbm_formula`` names the other formula is refused (2.2: "A
patient's scans must all use the same formula; mixing raises InputError"); values given directly are
recorded "user-supplied" (2.2), whatever the option.
"""

from __future__ import annotations

import pandas as pd
import pytest
from _pet_tables import QC, pet

import ioresponse
from ioresponse.schema import InputError

SUL_CRITERIA = ("percist", "ipercist", "impercist", "pecrit")

# Spec 5.5 P-1 shape: hottest SULpeak 8.0 -> 5.6 (-30 %, -2.4 SUL: PMR); liver 2.0 / 0.25 (QC passes).
LESIONS = [("L1", "target", "lung", {-5: 8.0, 56: 5.6}), ("L2", "target", "lymph node", {-5: 5.0, 56: 3.0})]


def table(formula: str | None) -> pd.DataFrame:
    scans = {day: {**QC, "recist_response": "SD", **({"lbm_formula": formula} if formula else {})}
             for day in (-5, 56)}
    return pet(LESIONS, scans)


def assess(frame: pd.DataFrame, criterion: str, **options) -> ioresponse.api.Result:
    return ioresponse.assess(frame, criteria=(criterion,), patterns=False, **options)


@pytest.mark.parametrize("criterion", SUL_CRITERIA)
@pytest.mark.parametrize("formula", ["janmahasatian", "james"])
def test_user_supplied_sul_is_accepted_under_either_formula_and_recorded_as_such(criterion, formula):
    result = assess(table(None), criterion, lbm_formula=formula)
    assert set(result.timepoints["lbm_formula"]) == {"user-supplied"}  # spec 2.2


@pytest.mark.parametrize("criterion", SUL_CRITERIA)
def test_sul_from_the_other_formula_is_refused_with_its_rows(criterion):
    with pytest.raises(InputError) as error:
        assess(table("james"), criterion, lbm_formula="janmahasatian")
    message = str(error.value)
    # both scans (4 lesion rows, header = row 1: rows 2-5) name james
    assert "rows 2-5" in message and "lbm_formula" in message and "james" in message


@pytest.mark.parametrize("criterion", SUL_CRITERIA)
def test_same_formula_or_no_option_takes_the_table_formula(criterion):
    for options in ({"lbm_formula": "james"}, {}):
        result = assess(table("james"), criterion, **options)
        assert set(result.timepoints["lbm_formula"]) == {"james"}  # the option value written (2.2)


def test_percist_call_does_not_depend_on_the_option():
    # P-1: -30.0 %, -2.4 SUL: PMR (spec 5.5) under both formulas: the SUL values are the table's.
    for formula in ("janmahasatian", "james"):
        calls = assess(table(None), "percist", lbm_formula=formula).timepoints["overall_response"]
        assert list(calls) == ["PMR"]


def test_unknown_formula_is_refused_naming_the_choices():
    with pytest.raises(InputError) as error:
        assess(table(None), "percist", lbm_formula="james120")
    assert "lbm_formula" in str(error.value) and "janmahasatian" in str(error.value)
