"""``durable.drr_optim`` and what ends the response (spec/patterns.md 4.1, option ``drr_loss``).

Spec 4.1: OPTiM's objective response "lasts continuously for >= 6 months", and its rule takes the loss day
``d_l`` = the first PD after the onset ``d_r``. The two differ when the response gives way to stable
disease before the progression: the rule (default ``drr_loss="progression"``) counts from onset to PD;
``drr_loss="end_of_response"`` reads "continuously" strictly and ends the response at the first evaluable
assessment out of response. Expected values are day arithmetic from the spec, beside each assertion.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app


def scans(*sums: tuple[int, float]) -> pd.DataFrame:
    """One 'liver' target per scan, ``(day, long axis mm)``."""
    return pd.DataFrame([{"patient_id": "P1", "day": day, "lesion_id": "T1", "role": "target",
                          "organ": "liver", "lymph_node": False, "long_axis_mm": size, "status": "present"}
                         for day, size in sums])


def drr(table: pd.DataFrame, **options) -> tuple[str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(table, criteria=("recist11",), response_criterion="recist11", **options)
    found = result.patterns[result.patterns["definition"] == "durable.drr_optim"]
    assert len(found) == 1
    return str(found["flag"].iloc[0]), str(found["reason"].iloc[0])


# RECIST 1.1 (sec. 4.3.1): baseline 100 mm; day 84 60 mm (-40 %: PR); day 200 71 mm (-29 % vs baseline: not
# PR; +18 % vs the nadir 60: not PD): SD; day 400 90 mm (+50 % and +30 mm over the nadir 60): PD.
PR_SD_PD = scans((-7, 100), (84, 60), (200, 71), (400, 90))


def test_spec_4_1_default_loss_is_the_first_progression():
    # d_r 84, d_l 400 (first PD): 400 - 84 = 316 >= 183 -> durable (the spec's rule, its first example)
    flag, reason = drr(PR_SD_PD)
    assert flag == "true"
    assert "lost on day 400: 316 days" in reason


def test_end_of_response_loss_is_the_first_assessment_out_of_response():
    # the response gives way to SD on day 200: 200 - 84 = 116 < 183 -> not durable
    flag, reason = drr(PR_SD_PD, drr_loss="end_of_response")
    assert flag == "false"
    assert "out of response on day 200: 116 days" in reason


@pytest.mark.parametrize("loss", ["progression", "end_of_response"])
def test_spec_4_1_examples_without_stable_disease_agree_under_both_options(loss):
    # spec 4.1 examples: PR day 84, PD day 400 -> 316 days, durable; PR day 56, PD day 200 -> 144, not durable
    # (no assessment out of response before the PD: both options read the same loss day)
    assert drr(scans((-7, 100), (84, 60), (400, 90)), drr_loss=loss)[0] == "true"
    assert drr(scans((-7, 100), (56, 60), (200, 90)), drr_loss=loss)[0] == "false"


def test_end_of_response_ends_a_response_interrupted_by_stable_disease():
    # PR 84 (60 mm), SD 140 (71 mm), PR 300 (50 mm, -50 %), last assessment: default: no PD, last response
    # day 300 - 84 = 216 >= 183 -> durable; end_of_response: out of response on day 140, 56 days -> false
    table = scans((-7, 100), (84, 60), (140, 71), (300, 50))
    assert drr(table)[0] == "true"
    assert drr(table, drr_loss="end_of_response")[0] == "false"


def test_an_unknown_drr_loss_is_refused_at_the_command_line(tmp_path):
    source = tmp_path / "lesions.csv"
    PR_SD_PD.to_csv(source, index=False)
    result = CliRunner().invoke(app, ["patterns", str(source), "--out", str(tmp_path / "out"),
                                      "--option", "drr_loss=continuous"])
    assert result.exit_code == 2
    assert "drr_loss" in result.output and "end_of_response" in result.output
