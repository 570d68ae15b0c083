"""Dissociated response and oligoprogression on spec/patterns.md 3.4 (DR-1 .. DR-4) and 4.4.

Lesion sizes and expected calls transcribed by hand from the spec.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pattern_rows import lesion, study, timepoint

from ioresponse.criteria import Study
from ioresponse.patterns import dissociated
from ioresponse.patterns._common import PatternOptions, pattern_frame

ALL = [d.id for d in dissociated.DEFINITIONS] + ["oligoprogression"]


def calls(rows: list[dict], responses: list[dict] | None = None, **options: object) -> dict[str, str]:
    tp = pd.DataFrame(responses) if responses else None
    frame = pattern_frame(dissociated.find(study(rows), tp, PatternOptions(**options), ALL))
    return dict(zip(frame["definition"], frame["flag"], strict=True))


# DR-1: A lung 30 -> 15, B lung 20 -> 10, C liver 25 -> 40 (day 56); RECIST SD.
DR1 = [
    lesion(-7, "A", 30),
    lesion(-7, "B", 20),
    lesion(-7, "C", 25, organ="liver"),
    lesion(56, "A", 15),
    lesion(56, "B", 10),
    lesion(56, "C", 40, organ="liver"),
]
# DR-2: A lung 40 -> 20, B mediastinal node 30 -> 18, new left adrenal 15 mm (day 63): PD / iUPD.
DR2 = [
    lesion(-7, "A", 40),
    lesion(-7, "B", 30, organ="mediastinum", node=True),
    lesion(63, "A", 20),
    lesion(63, "B", 18, organ="mediastinum", node=True),
    lesion(63, "U1", 15, role="new", organ="adrenal"),
]
# DR-3: A 30 -> 27, B 20 -> 24 (+4 mm): SD.
DR3 = [lesion(-7, "A", 30), lesion(-7, "B", 20), lesion(56, "A", 27), lesion(56, "B", 24)]
# DR-4: A 40 -> 26 (-35 %), B 10 -> 15 (+50 %, +5 mm exactly).
DR4 = [lesion(-7, "A", 40), lesion(-7, "B", 10), lesion(56, "A", 26), lesion(56, "B", 15)]


def test_DR1_lesion_level_and_bernard_tessier() -> None:
    result = calls(DR1)
    assert result["dissociated.lesion_level"] == "true"
    assert result["dissociated.bernard_tessier2020"] == "true"


def test_DR2_new_lesion_counts_for_lesion_level_not_bernard_tessier() -> None:
    result = calls(DR2, [timepoint("P1", "recist11", 63, "PD"), timepoint("P1", "irecist", 63, "iUPD")])
    assert result["dissociated.lesion_level"] == "true"
    assert result["dissociated.bernard_tessier2020"] == "false"
    assert result["dissociated.tozuka2020"] == "true"
    assert result["oligoprogression"] == "true"  # spec 3.4 DR-2 / 4.4: 1 progressing lesion, 1 organ


def test_DR3_no_responding_and_4mm_growth_is_not_progressing() -> None:
    result = calls(DR3)
    assert result["dissociated.lesion_level"] == "false"
    assert result["dissociated.bernard_tessier2020"] == "false"


def test_DR4_five_mm_boundary_is_progressing() -> None:
    result = calls(DR4)
    assert result["dissociated.lesion_level"] == "true"
    assert result["dissociated.bernard_tessier2020"] == "true"


def test_DR4_just_under_five_mm_is_not_progressing() -> None:
    rows = [r | {"long_axis_mm": 14.9} if (r["day"], r["lesion_id"]) == (56, "B") else r for r in DR4]
    assert calls(rows)["dissociated.lesion_level"] == "false"


def test_six_new_liver_lesions_are_not_oligoprogression() -> None:
    # spec 4.4 example: 6 new liver lesions -> false (6 > 5).
    rows = [lesion(-7, "A", 40), lesion(56, "A", 38)]
    rows += [lesion(56, f"U{k}", 12, role="new", organ="liver") for k in range(6)]
    assert calls(rows, [timepoint("P1", "recist11", 56, "PD")])["oligoprogression"] == "false"
    assert calls(rows[:-1], [timepoint("P1", "recist11", 56, "PD")])["oligoprogression"] == "true"


def test_not_evaluable_lesion_that_could_flip_the_call() -> None:
    # spec 3.3: not evaluable if the call would change were an NE lesion responding or progressing.
    rows = [
        lesion(-7, "A", 30),
        lesion(-7, "B", 20),
        lesion(56, "A", 15),
        lesion(56, "B", None, status="not_evaluable"),
    ]
    frame = pattern_frame(dissociated.find(study(rows), None, PatternOptions(), ["dissociated.lesion_level"]))
    assert frame.iloc[0]["flag"] == "not_evaluable"
    assert "not evaluable: B" in frame.iloc[0]["reason"]


def test_row_reports_counts_and_first_day() -> None:
    frame = pattern_frame(dissociated.find(study(DR1), None, PatternOptions(), ["dissociated.lesion_level"]))
    values = json.loads(frame.iloc[0]["values"])
    assert values["responding"] == ["A", "B"] and values["progressing"] == ["C"]
    assert frame.iloc[0]["day"] == 56


@pytest.mark.parametrize("value,expected", [(9.0, "responding"), (10.0, "stable")])
def test_node_back_under_10mm_is_responding(value: float, expected: str) -> None:
    # spec 3.2: a node >= 10 mm at baseline with short axis < 10 mm counts as responding.
    assert dissociated.classify(value, 12.0, 12.0, False, True, False) == expected


def pet_study(b_follow_up: float) -> Study:
    rows = [("A", -3, 10.0), ("B", -3, 4.0), ("A", 49, 6.0), ("B", 49, b_follow_up)]
    pet = pd.DataFrame(
        {
            "patient_id": "P1",
            "reader": "",
            "day": [r[1] for r in rows],
            "date": "",
            "lesion_id": [r[0] for r in rows],
            "role": "target",
            "status": "present",
            "sulpeak": [r[2] for r in rows],
        }
    )
    return Study(pet=pet)


@pytest.mark.parametrize(
    "b_follow_up,expected",
    [(5.3, "true"), (4.7, "false")],  # +32.5 % and +1.3 SUL progressing; +17.5 % stable
)
def test_pet_dissociated_bands(b_follow_up: float, expected: str) -> None:
    # spec 3.2 PET variant: +/-30 % bands and >= 0.8 SUL for progression (project convention, spec 9.8).
    frame = pattern_frame(dissociated.find_pet(pet_study(b_follow_up), None))
    assert frame.iloc[0]["flag"] == expected


def test_pet_progression_needs_0_8_sul() -> None:
    assert dissociated.classify(2.7, 2.0, 2.0, False, False, False, 0.30, 0.8) == "stable"  # +35 %, +0.7
    assert dissociated.classify(2.8, 2.0, 2.0, False, False, False, 0.30, 0.8) == "progressing"  # +0.8
