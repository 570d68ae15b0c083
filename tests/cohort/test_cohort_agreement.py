"""Cohen's kappa (cohort/agreement.py) on a textbook example.

Textbook example: Wikipedia "Cohen's kappa", worked example: 50 grant proposals read by readers A
and B; both "yes" 20, A yes / B no 5, A no / B yes 10, both "no" 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ioresponse.cohort.agreement import cohen_kappa, reader_agreement

A = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
B = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15


def test_cohen_kappa_textbook_example_is_0_4():
    assert cohen_kappa(A, B) == pytest.approx(0.4)


def test_cohen_kappa_perfect_and_empty():
    assert cohen_kappa(["PR", "SD", "PD"], ["PR", "SD", "PD"]) == pytest.approx(1.0)
    assert math.isnan(cohen_kappa([], []))


def test_reader_agreement_pairs_patients_per_criterion():
    table = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(50)] * 2, "criterion": "recist11",
        "reader": ["RADIOLOGIST 1"] * 50 + ["RADIOLOGIST 2"] * 50,
        "best_response": [{"yes": "PR", "no": "PD"}[v] for v in A + B],
    })
    result = reader_agreement(table)
    assert result.loc[0, ["reader_a", "reader_b", "n"]].tolist() == ["RADIOLOGIST 1", "RADIOLOGIST 2", 50]
    assert result.loc[0, "observed_agreement"] == pytest.approx(0.7)
    assert result.loc[0, "kappa"] == pytest.approx(0.4)


def test_reader_agreement_single_reader_is_empty():
    table = pd.DataFrame({"patient_id": ["P1"], "criterion": ["recist11"], "reader": [""],
                          "best_response": ["PR"]})
    assert reader_agreement(table).empty
