"""ADaM ADRS dates each best response by its own assessment: BOR by the day of ``best_response``, CBOR by
the day of ``best_response_confirmed`` (found by the s17 reasons audit: both took ``bor_day``, the day of
the one that drives the dates, spec/anatomic.md 0.9). The anatomic criteria write both days
(``best_response_day``, ``best_response_confirmed_day``); a table without them reads ``bor_day``."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from ioresponse.report.export import adrs_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "criteria"))
from assessed import row, run  # noqa: E402

# RECIST 1.1 (sec. 4.3.1): 100 -> 90 (SD, day 56) -> 60 (-40 %: PR, day 112) -> 95 (+58 % over 60: PD,
# day 168). The PR is not confirmed (PD next): best response PR (day 112), confirmed SD (day 56).
ROWS = [row(0, "T1", 100), row(56, "T1", 90), row(112, "T1", 60), row(168, "T1", 95)]


@pytest.mark.parametrize("criterion", ["recist11", "irecist", "irrecist", "imrecist"])
@pytest.mark.parametrize("confirm", [False, True])
def test_both_best_responses_carry_their_day(criterion, confirm):
    best = run(ROWS, criterion, confirm_response=confirm).best_response.iloc[0]
    assert (best.best_response_day, best.best_response_confirmed_day) == (112, 56)
    assert best.bor_day == (56 if confirm else 112)  # the one that drives the dates (spec 0.9)


def adrs_days(best: pd.DataFrame, timepoints: pd.DataFrame) -> dict[str, float]:
    adrs = adrs_table(timepoints, best)
    return dict(zip(adrs["PARAMCD"], adrs["ADY"], strict=False))


def test_adrs_bor_and_cbor_are_dated_by_their_own_best_response():
    result = run(ROWS, "recist11")
    days = adrs_days(result.best_response, result.timepoints)
    # study day = day + 1 (SDTM IG 4.4.4: no day 0): BOR PR of day 112 -> 113, CBOR SD of day 56 -> 57
    assert (days["BOR"], days["CBOR"]) == (113, 57)


def test_a_table_without_the_two_days_dates_both_by_bor_day():
    result = run(ROWS, "recist11")
    older = result.best_response.drop(columns=["best_response_day", "best_response_confirmed_day"])
    days = adrs_days(older, result.timepoints)
    assert (days["BOR"], days["CBOR"]) == (113, 113)  # bor_day 112 (confirm_response False)
