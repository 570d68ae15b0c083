"""PERCIMT: the worked examples M-1..M-7 and ambiguities A1-A5 of spec/metabolic.md section 7.

Tables are typed by hand from the spec; expected categories are the spec's.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ioresponse.criteria import Study
from ioresponse.criteria.percimt import CRITERION
from ioresponse.schema import InputError

COLUMNS = ["patient_id", "day", "lesion_id", "role", "organ", "status", "functional_diameter_mm", "suvmax"]

# spec 7.11: baseline day -7 with B1 (lung), B2 (lymph node), B3 (liver); follow-up day 84.
BASELINE = [
    ("P1", -7, "B1", "target", "lung", "present", 20, 5.0),
    ("P1", -7, "B2", "target", "lymph node", "present", 15, 4.0),
    ("P1", -7, "B3", "target", "liver", "present", 18, 6.0),
]
PRESENT_AT_84 = [
    ("P1", 84, "B1", "target", "lung", "present", 20, 5.0),
    ("P1", 84, "B2", "target", "lymph node", "present", 15, 4.0),
    ("P1", 84, "B3", "target", "liver", "present", 18, 6.0),
]


def with_new(*diameters):
    new = [("P1", 84, f"N{i}", "new", "bone", "present", d, 3.0) for i, d in enumerate(diameters, 1)]
    return [*BASELINE, *PRESENT_AT_84, *new]


def run(rows, **options):
    return CRITERION.assess(Study(pet=pd.DataFrame(rows, columns=COLUMNS)), **options)


def first(rows, **options):
    return run(rows, **options).timepoints.iloc[0]


def test_M1_three_new_lesions_of_12_mm_is_pmd():
    row = first(with_new(12, 12, 12))
    assert row["overall_response"] == "PMD" and row["clinical_benefit"] == "no_clinical_benefit"
    assert row["new_lesion_count"] == 3 and row["new_over_10mm"] == 3
    assert "3 new lesions > 10 mm (>= 3) among N1, N2, N3" in row["reason"]
    assert first(with_new(12, 12, 12), percimt_counting="binned")["overall_response"] == "PMD"


def test_M2_three_small_new_lesions_one_exactly_10_mm_is_smd():
    row = first(with_new(8, 9, 10))
    assert row["overall_response"] == "SMD" and row["clinical_benefit"] == "clinical_benefit"
    assert row["new_over_10mm"] == 0


def test_M3_two_new_lesions_of_16_and_18_mm_is_pmd():
    assert first(with_new(16, 18))["overall_response"] == "PMD"


def test_M4_four_small_new_lesions_is_pmd():
    assert first(with_new(5, 6, 7, 9))["overall_response"] == "PMD"


def test_M5_counting_option_cumulative_pmd_binned_smd():
    assert first(with_new(6, 8, 12, 14))["overall_response"] == "PMD"
    assert first(with_new(6, 8, 12, 14), percimt_counting="binned")["overall_response"] == "SMD"


def test_M6_some_baseline_lesions_resolved_is_pmr_and_suv_rise_is_ignored():
    rows = [
        *BASELINE,
        ("P1", 84, "B1", "target", "lung", "present", 20, 8.0),
        ("P1", 84, "B2", "target", "lymph node", "absent", None, None),
        ("P1", 84, "B3", "target", "liver", "present", 18, 6.0),
    ]
    row = first(rows)
    assert row["overall_response"] == "PMR" and row["resolved_lesions"] == "B2"


def test_M6_all_baseline_lesions_resolved_is_cmr():
    rows = [
        *BASELINE,
        *[
            ("P1", 84, i, "target", o, "absent", None, None)
            for i, o in (("B1", "lung"), ("B2", "lymph node"), ("B3", "liver"))
        ],
    ]
    assert first(rows)["overall_response"] == "CMR"


def test_M7_near_misses_on_every_rule_is_smd():
    row = first(with_new(16, 15, 9))
    assert row["overall_response"] == "SMD"
    assert (row["new_lesion_count"], row["new_over_10mm"], row["new_over_15mm"]) == (3, 2, 1)


def test_unknown_size_that_could_change_the_result_is_ne():
    row = first(with_new(12, 12, None))
    assert row["overall_response"] == "NE" and "size of new lesion(s) N3 needed" in row["reason"]


def test_unknown_size_that_cannot_change_the_result_is_ignored():
    assert first(with_new(5, 6, 7, None))["overall_response"] == "PMD"  # four new lesions of any size
    assert first(with_new(None))["overall_response"] == "SMD"  # one new lesion: SMD whatever its size


def test_missing_baseline_lesion_status_when_it_decides_cmr_is_ne():
    rows = [
        *BASELINE,
        ("P1", 84, "B1", "target", "lung", "absent", None, None),
        ("P1", 84, "B2", "target", "lymph node", "absent", None, None),
    ]
    row = first(rows)
    assert row["overall_response"] == "NE" and "B3" in row["reason"]


def test_A3_new_since_previous_scan():
    rows = [
        *with_new(12, 12, 12),
        ("P1", 168, "B1", "target", "lung", "present", 20, 5.0),
        ("P1", 168, "B2", "target", "lymph node", "present", 15, 4.0),
        ("P1", 168, "B3", "target", "liver", "present", 18, 6.0),
        *[("P1", 168, f"N{i}", "new", "bone", "present", 12, 3.0) for i in (1, 2, 3)],
    ]
    assert run(rows).timepoints["overall_response"].tolist() == ["PMD", "PMD"]
    previous = run(rows, percimt_new_since="previous").timepoints
    assert previous["overall_response"].tolist() == ["PMD", "SMD"]


def test_A4_patient_benefit_no_pmd_ever_versus_last_scan():
    rows = [
        *with_new(12, 12, 12),
        ("P1", 168, "B1", "target", "lung", "present", 20, 5.0),
        ("P1", 168, "B2", "target", "lymph node", "present", 15, 4.0),
        ("P1", 168, "B3", "target", "liver", "present", 18, 6.0),
        *[("P1", 168, f"N{i}", "new", "bone", "absent", None, None) for i in (1, 2, 3)],
    ]
    result = run(rows)
    assert result.timepoints["overall_response"].tolist() == ["PMD", "SMD"]
    assert result.best_response.iloc[0]["clinical_benefit"] == "no_clinical_benefit"
    assert result.best_response.iloc[0]["best_response"] == "PMD"
    last = run(rows, percimt_patient_benefit="last_scan").best_response.iloc[0]
    assert last["clinical_benefit"] == "clinical_benefit"


def test_missing_functional_diameter_column_is_an_input_error():
    frame = pd.DataFrame(with_new(12), columns=COLUMNS).drop(columns="functional_diameter_mm")
    with pytest.raises(InputError, match="functional_diameter_mm"):
        CRITERION.assess(Study(pet=frame))
