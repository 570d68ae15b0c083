"""find_patterns end to end: lesion tables with prebaseline scans through the RECIST 1.1 engine.

Lesion sizes of HP-1, HP-3 and HP-4 are transcribed from spec/patterns.md 2.4; expected calls from its
results table.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pattern_rows import lesion, study

from ioresponse.criteria import registry
from ioresponse.patterns import PATTERN_COLUMNS, find_patterns
from ioresponse.patterns import registry as pattern_registry
from ioresponse.schema import InputError

HP1 = [
    lesion(-56, "A", 25, patient="HP-1"),
    lesion(-56, "B", 15, organ="liver", patient="HP-1"),
    lesion(-7, "A", 27, patient="HP-1"),
    lesion(-7, "B", 17, organ="liver", patient="HP-1"),
    lesion(49, "A", 37, patient="HP-1"),
    lesion(49, "B", 25, organ="liver", patient="HP-1"),
]
HP3 = [
    lesion(-90, "A", 30, patient="HP-3"),
    lesion(-90, "B", 20, organ="liver", patient="HP-3"),
    lesion(-10, "A", 28, patient="HP-3"),
    lesion(-10, "B", 18, organ="liver", patient="HP-3"),
    lesion(46, "A", 40, patient="HP-3"),
    lesion(46, "B", 30, organ="liver", patient="HP-3"),
    lesion(46, "U1", 14, role="new", organ="liver", patient="HP-3"),
    lesion(46, "U2", 11, role="new", organ="liver", patient="HP-3"),
    lesion(46, "U3", 15, role="new", organ="bone", patient="HP-3"),
]
HP4 = [
    lesion(-3, "A", 30, patient="HP-4"),
    lesion(-3, "N1", 20, organ="mediastinum", node=True, patient="HP-4"),
    lesion(42, "A", 44, patient="HP-4"),
    lesion(42, "N1", 28, organ="mediastinum", node=True, patient="HP-4"),
    lesion(42, "U1", 12, role="new", organ="adrenal", patient="HP-4"),
    lesion(42, "U2", 15, role="new", organ="bone", patient="HP-4"),
]
PATIENTS = pd.DataFrame({"patient_id": ["HP-1", "HP-3", "HP-4"], "treatment_end_day": [84, 50, 56]})
VISITS = pd.DataFrame(
    {
        "patient_id": ["HP-1", "HP-1", "HP-3", "HP-3", "HP-4", "HP-4"],
        "day": [0, 42, 0, 45, 0, 30],
        "ecog": [1, 1, 1, 3, 0, 1],
    }
)
EXPECTED = {  # spec 2.4 results table (HP-1, HP-3, HP-4 columns)
    "hpd.champiat2017": ("true", "not_evaluable", "not_evaluable"),
    "hpd.saada_bouzid2017": ("true", "not_evaluable", "not_evaluable"),
    "hpd.kato2017": ("false", "not_evaluable", "false"),
    "hpd.ferrara2018": ("true", "true", "not_evaluable"),
    "hpd.lo_russo2019": ("false", "true", "false"),
    "hpd.matos2020": ("false", "true", "true"),
    "hpd.kas2020": ("false", "true", "not_evaluable"),
}


@pytest.fixture(scope="module")
def patterns() -> pd.DataFrame:
    data = study(HP1 + HP3 + HP4, patients=PATIENTS)
    result = registry()["recist11"].assess(data)
    return find_patterns(data, result.timepoints, result.best_response, visits=VISITS)


def test_columns_and_order(patterns: pd.DataFrame) -> None:
    assert tuple(patterns.columns) == PATTERN_COLUMNS
    assert set(patterns["flag"]) <= {"true", "false", "not_evaluable"}


@pytest.mark.parametrize("definition", sorted(EXPECTED))
def test_spec_2_4_through_the_engine(patterns: pd.DataFrame, definition: str) -> None:
    rows = patterns[patterns["definition"] == definition].set_index("patient_id")["flag"]
    assert (rows["HP-1"], rows["HP-3"], rows["HP-4"]) == EXPECTED[definition]


def test_HP1_sums_from_lesions(patterns: pd.DataFrame) -> None:
    row = patterns[(patterns["definition"] == "hpd.champiat2017") & (patterns["patient_id"] == "HP-1")].iloc[
        0
    ]
    values = json.loads(row["values"])
    assert (values["S_pre"], values["S_0"], values["S_1"]) == (40.0, 44.0, 62.0)
    assert (values["t_pre"], values["t_0"], values["t_1"]) == (-56, -7, 49)
    assert values["TGR_ratio"] == pytest.approx(3.855, abs=0.001)


def test_missing_reference_scan_reason(patterns: pd.DataFrame) -> None:
    row = patterns[(patterns["definition"] == "hpd.champiat2017") & (patterns["patient_id"] == "HP-4")].iloc[
        0
    ]
    assert "no prebaseline scan (no assessment before baseline day -3)" in row["reason"]


def test_prebaseline_missing_a_baseline_target_is_not_a_reference() -> None:
    # spec 0.2: the prebaseline scan must measure every baseline target lesion (or mark it absent).
    rows = [r for r in HP1 if not (r["day"] == -56 and r["lesion_id"] == "B")]
    data = study(rows, patients=PATIENTS)
    result = registry()["recist11"].assess(data)
    table = find_patterns(data, result.timepoints, result.best_response, definitions=["hpd.champiat2017"])
    assert table.iloc[0]["flag"] == "not_evaluable"
    assert "no prebaseline scan with every baseline target measured (day -56" in table.iloc[0]["reason"]


def test_patient_table_prebaseline_sum_conflict_is_input_error() -> None:
    # spec 0.2: lesion rows and prebaseline_sum_mm differing by more than 0.5 mm is an input error.
    patients = pd.DataFrame({"patient_id": ["HP-0", "HP-1"], "prebaseline_day": [None, -56],
                             "prebaseline_sum_mm": [None, 41.0], "source_row": [2, 3]})
    data = study(HP1, patients=patients)
    result = registry()["recist11"].assess(data)
    with pytest.raises(InputError, match="prebaseline_sum_mm 41 mm differs") as error:
        find_patterns(data, result.timepoints, result.best_response, definitions=["hpd.champiat2017"])
    assert (error.value.rows, error.value.column) == ([3], "prebaseline_sum_mm")  # HP-1's row of the file


def test_prebaseline_sum_conflict_names_the_reader_whose_rows_disagree() -> None:
    # spec 0.2 (sums differing by more than 0.5 mm: input error); each reader is assessed apart
    # (README), so the message names the reader whose prebaseline rows give another sum.
    patients = pd.DataFrame({"patient_id": ["HP-1"], "prebaseline_day": [-56], "prebaseline_sum_mm": [41.0]})
    data = study([r | {"reader": "R2"} for r in HP1], patients=patients)
    result = registry()["recist11"].assess(data)
    with pytest.raises(InputError, match="on the prebaseline scan read by R2 \\(day -56"):
        find_patterns(data, result.timepoints, result.best_response, definitions=["hpd.champiat2017"])


def test_patient_table_prebaseline_sum_serves_as_reference() -> None:
    rows = [r for r in HP1 if r["day"] != -56]
    patients = pd.DataFrame({"patient_id": ["HP-1"], "prebaseline_day": [-56], "prebaseline_sum_mm": [40.0]})
    data = study(rows, patients=patients)
    result = registry()["recist11"].assess(data)
    table = find_patterns(data, result.timepoints, result.best_response, definitions=["hpd.champiat2017"])
    assert table.iloc[0]["flag"] == "true"


def test_unknown_definition_and_missing_input_are_input_errors() -> None:
    data = study(HP1)
    result = registry()["recist11"].assess(data)
    with pytest.raises(InputError, match="not one of"):
        find_patterns(data, result.timepoints, result.best_response, definitions=["hpd.nobody"])
    with pytest.raises(InputError, match="timepoints:irecist"):
        find_patterns(
            data, result.timepoints, result.best_response, definitions=["pseudoprogression.irecist"]
        )


def test_bad_option_choice_is_input_error() -> None:
    data = study(HP1)
    result = registry()["recist11"].assess(data)
    with pytest.raises(InputError, match="nonpositive_reference"):
        find_patterns(data, result.timepoints, result.best_response, nonpositive_reference="zero")


def test_every_definition_declares_inputs() -> None:
    for definition in pattern_registry().values():
        assert definition.required_inputs


def test_prebaseline_window_option() -> None:
    # spec 0.2 option prebaseline_max_days_before_baseline (Kim 2019 used 12 weeks): HP-1 reference is 49 days
    # before baseline: kept with 84, refused with 28.
    data = study(HP1, patients=PATIENTS)
    result = registry()["recist11"].assess(data)
    kept = find_patterns(
        data,
        result.timepoints,
        result.best_response,
        definitions=["hpd.champiat2017"],
        prebaseline_max_days_before_baseline=84,
    )
    refused = find_patterns(
        data,
        result.timepoints,
        result.best_response,
        definitions=["hpd.champiat2017"],
        prebaseline_max_days_before_baseline=28,
    )
    assert kept.iloc[0]["flag"] == "true"
    assert refused.iloc[0]["flag"] == "not_evaluable"
    assert "no prebaseline scan within 28 days before baseline day -7" in refused.iloc[0]["reason"]


def test_run_reports_each_family_of_patterns_to_the_progress_display() -> None:
    """A long cohort shows which family of patterns is running (issue 3: progress on long work)."""
    from ioresponse.api import run

    steps: list[str] = []
    run(study(HP1 + HP3), ["recist11"], progress=steps.append)
    assert steps[0] == "recist11"
    families = [s.removeprefix("patterns: ") for s in steps[1:]]
    assert all(s.startswith("patterns: ") for s in steps[1:])
    assert {"pseudoprogression", "hyperprogression", "durable response", "irAE look-alikes"} <= set(families)
