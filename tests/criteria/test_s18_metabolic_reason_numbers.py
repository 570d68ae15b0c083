"""Numbers in the metabolic reasons that an exact decimal puts on a rounding edge (found by the s18 audit
of decimal boundaries; spec/metabolic.md 5.5 reporting format "PMR -30%, week 8", 5.12 A1)."""

from __future__ import annotations

import pytest
from _pet_tables import pet

import ioresponse
from ioresponse.criteria._metabolic import whole_percent


@pytest.mark.parametrize(("rel", "shown"), [
    (-0.285, "-29%"),  # 28.5 % half away from zero; in binary 28.499999999999996 % floored to 28
    (0.145, "+15%"),   # 14.499999999999998 % in binary
    (-0.30, "-30%"),
    (0.004, "+0%"),
])
def test_whole_percent_rounds_the_decimal_value_half_away_from_zero(rel, shown):
    assert whole_percent(rel) == shown


def test_percist_inclusive_boundary_note_names_the_inclusive_rule():
    # Liver 1.0 / 0.1: T = 1.5 x 1.0 + 2 x 0.1 = 1.7, so L1 2.0 is measurable (spec 5.3). Day 56: 2.0 -> 2.6
    # is +30 % but only +0.6 SUL: not PMD even with percist_pmd_inclusive (>= 0.8 SUL needed, A1).
    scans = {day: {"uptake_min": 60, "liver_sul_mean": 1.0, "liver_sul_sd": 0.1} for day in (-5, 56)}
    frame = pet([("L1", "target", "lung", {-5: 2.0, 56: 2.6})], scans)
    row = ioresponse.assess(frame, criteria=("percist",), patterns=False,
                            percist_pmd_inclusive=True).timepoints.iloc[0]
    assert row["overall_response"] == "SMD"
    assert "(>=0.8 SUL required for PMD)" in row["reason"]
