"""Laleh et al. 2022 sums (shared/data/laleh2022_atezolizumab): every row is used or reported.

Expected counts are from the folder's PROVENANCE.md ("Counts" table and "Oddities"), and are
recounted here from the raw CSV with the csv module, never from the loader.
"""

from __future__ import annotations

import csv
import warnings
from collections import Counter
from pathlib import Path

import pytest

from ioresponse.io.load import load_study

LALEH = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "laleh2022_atezolizumab"
TIDY = LALEH / "laleh2022_tidy.csv"
COLUMN_MAP = {"patient": "patient_id", "value_raw": "target_sum_mm"}

# PROVENANCE.md "Counts": rows and patients per study, and patients with a baseline row (day <= 0).
ROWS = {"Study1": 456, "Study2": 966, "Study3": 2177, "Study4": 4126, "Study5": 835}
PATIENTS = {"Study1": 76, "Study2": 165, "Study3": 387, "Study4": 701, "Study5": 143}
WITH_BASELINE = {"Study1": 76, "Study2": 164, "Study3": 382, "Study4": 696, "Study5": 142}

pytestmark = pytest.mark.skipif(not TIDY.exists(), reason="shared Laleh data not present")


@pytest.fixture(scope="module")
def raw_rows() -> list[dict[str, str]]:
    with TIDY.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def study():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_study(TIDY, column_map=COLUMN_MAP, on_invalid="exclude",
                          patient_key=("study", "patient_id"))


def test_provenance_counts_hold_in_the_raw_file(raw_rows):
    assert len(raw_rows) == 8560
    assert Counter(r["study"] for r in raw_rows) == ROWS
    patients = {(r["study"], r["patient"]) for r in raw_rows}
    assert Counter(study for study, _ in patients) == PATIENTS


def test_every_row_is_used_or_excluded_with_a_reason(study, raw_rows):
    used = set(study.lesions["source_row"])
    excluded = set(study.excluded["source_row"])
    assert used | excluded == set(range(2, 2 + len(raw_rows)))
    assert not used & excluded
    assert (study.excluded["reason"] != "").all()
    assert len(study.lesions) == len(used)  # one target_sum pseudo-lesion per used row


def test_patients_per_study_match_provenance(study):
    kept = study.patients[study.patients["patient_id"].isin(study.lesions["patient_id"])]
    assert kept.groupby("study").size().to_dict() == WITH_BASELINE
    everyone = set(study.lesions["patient_id"]) | set(study.excluded["patient_id"])
    assert Counter(p.split(":")[0] for p in everyone) == PATIENTS


def test_patients_without_baseline_are_excluded_as_missing_baseline(study, raw_rows):
    by_patient: dict[str, list[int]] = {}
    for row in raw_rows:
        if row["day"]:
            by_patient.setdefault(f"{row['study']}:{row['patient']}", []).append(int(row["day"]))
    no_baseline = {p for p, days in by_patient.items() if min(days) > 0}
    missing = study.excluded["reason"].str.startswith("missing baseline")
    reported = set(study.excluded.loc[missing, "patient_id"])
    assert reported == no_baseline
    assert len(no_baseline) == sum(PATIENTS.values()) - sum(WITH_BASELINE.values())


def test_empty_day_row_is_reported(study, raw_rows):
    file_row = next(i + 2 for i, r in enumerate(raw_rows) if r["day"] == "")
    reason = study.excluded.set_index("source_row").loc[file_row, "reason"]
    assert reason.startswith("no day and no date")


def test_duplicates_identical_keep_one_conflicting_pair_both_excluded(study, raw_rows):
    # PROVENANCE.md: 7 duplicated patient-days; one Study5 pair holds 12 and 41 mm.
    keys = Counter((r["study"], r["patient"], r["day"]) for r in raw_rows)
    duplicated = [k for k, n in keys.items() if n == 2]
    assert len(duplicated) == 7
    identical = study.excluded[study.excluded["reason"].str.startswith("identical duplicate of row")]
    conflicting = study.excluded[study.excluded["reason"].str.startswith("conflicting duplicate")]
    assert len(identical) + len(conflicting) // 2 == 7
    conflict_rows = [i + 2 for i, r in enumerate(raw_rows)
                     if r["study"] == "Study5" and r["source_row"] in ("28", "29")]
    assert conflicting["source_row"].tolist() == conflict_rows
    assert conflicting["reason"].str.contains(r"\(12 mm, 41 mm\)").all()


def test_text_values_become_recist_statuses_not_dropped(study, raw_rows):
    used = set(study.lesions["source_row"])
    text = {i + 2: r["value_raw"] for i, r in enumerate(raw_rows) if r["value_flag"] != "numeric"}
    status = study.lesions.set_index("source_row")["status"]
    expected = {"NOT EVALUABLE": "not_evaluable", "TOO SMALL TO MEASURE": "too_small", "": "not_evaluable"}
    for row, value in text.items():
        if row in used:
            assert status[row] == expected[value]


def test_without_patient_key_repeated_ids_are_reported_not_merged():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(TIDY, column_map=COLUMN_MAP, on_invalid="exclude")
    reasons = study.excluded["reason"]
    repeated = study.excluded[reasons.str.contains("several values of the patient-level column (?:arm|study)",
                                                   regex=True)]
    assert repeated["patient_id"].nunique() == 9  # 1,472 patients but 1,463 distinct ids
    assert len(set(study.lesions["source_row"]) | set(study.excluded["source_row"])) == 8560


def test_a_follow_up_sum_written_tenfold_smaller_is_excluded_as_centimetres(study, raw_rows):
    # Study3 patient 1387807231132253952: 37, 38, 33, ... 33 mm, then 3.3 on day 400 (the raw file's value):
    # a tenth of the previous sum with a decimal, the same sum written in cm (io.validate, STYLE.md 5).
    file_row = next(i + 2 for i, r in enumerate(raw_rows)
                    if (r["study"], r["patient"], r["day"]) == ("Study3", "1387807231132253952", "400"))
    assert raw_rows[file_row - 2]["value_raw"] == "3.3"
    reason = study.excluded.set_index("source_row").loc[file_row, "reason"]
    assert "look like centimetres" in reason and "3.3 after 33" in reason
