"""Figures (report/figures.py): drawn without error for the hand-made, single-patient and empty cohorts,
with labelled axes carrying units."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ioresponse.cohort.survival import pfs_durations  # noqa: E402
from ioresponse.report import figures  # noqa: E402
from ioresponse.schema import InputError  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _cohorts(timepoints, best_response):
    single_tp = timepoints[timepoints["patient_id"] == "P1"]
    single_best = best_response[best_response["patient_id"] == "P1"]
    return {"cohort": (timepoints, best_response), "single": (single_tp, single_best),
            "empty": (timepoints[:0], best_response[:0])}


@pytest.mark.parametrize("which", ["cohort", "single", "empty"])
def test_every_figure_draws_for_cohort_single_patient_and_empty(which, timepoints, best_response):
    tp, best = _cohorts(timepoints, best_response)[which]
    pet = pd.DataFrame({"patient_id": tp["patient_id"], "day": tp["day"], "sulpeak": tp["current_sum"] / 10})
    axes = [
        figures.waterfall(tp, best),
        figures.spider(tp, criterion="irecist"),  # one criterion: criterion=None refuses the two of tp
        figures.swimmer(tp, best, treatment_end={"P1": 100.0}),
        figures.km_curves(pfs_durations(best)),
        figures.pet_timeline(pet),
    ]
    for ax in axes:
        assert ax.get_xlabel() and ax.get_ylabel()
        ax.figure.canvas.draw()
    units = [ax.get_xlabel() + ax.get_ylabel() for ax in axes]
    assert all(("(days)" in u) or ("(%)" in u) for u in units)


def test_waterfall_draws_one_bar_per_patient_with_best_change(timepoints, best_response):
    ax = figures.waterfall(timepoints, best_response, criterion="recist11")
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    # best % change before progression, hand-made table: P1 -50, P2 +25 (the -10 is after PD), P3 -10
    assert heights == [-50.0, -10.0, 25.0]


def test_waterfall_styles_differ_without_colour(timepoints, best_response):
    ax = figures.waterfall(timepoints, best_response)
    hatches = {p.get_hatch() for p in ax.patches}
    assert len(hatches) == 3


def test_best_pct_change_ignores_after_progression(timepoints):
    best = figures.best_pct_change(timepoints, "recist11")
    assert best.to_dict() == {"P1": -50.0, "P2": 25.0, "P3": -10.0}


def test_response_family_of_each_criterion_label():
    assert figures.response_family("iCPD") == "progression"
    assert figures.response_family("iUPD") == "unconfirmed progression"
    assert figures.response_family("NON-iCR/NON-iUPD") == "stable disease"
    assert figures.response_family("whatever") == "other"


def test_swimmer_marks_iupd_and_icpd_from_irecist(timepoints, best_response):
    ax = figures.swimmer(timepoints, best_response)
    labels = ax.get_legend_handles_labels()[1]
    assert "iUPD (unconfirmed, iRECIST)" in labels
    assert "iCPD (confirmed, iRECIST)" in labels


def test_spider_starts_each_patient_at_zero(timepoints):
    ax = figures.spider(timepoints, criterion="recist11")
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) > 2]
    assert all(line.get_xdata()[0] == 0 and line.get_ydata()[0] == 0 for line in lines)
    assert len(lines) == 3  # P4 has no evaluable change


def test_pet_timeline_rejects_unknown_aggregate():
    with pytest.raises(InputError, match="aggregate"):
        figures.pet_timeline(pd.DataFrame({"patient_id": [], "day": [], "sulpeak": []}), aggregate="mean")


def test_pet_timeline_sum_over_lesions():
    pet = pd.DataFrame({"patient_id": ["P1"] * 4, "day": [0, 0, 56, 56], "sulpeak": [4.0, 2.0, 3.0, np.nan]})
    ax = figures.pet_timeline(pet, aggregate="sum")
    assert list(ax.get_lines()[0].get_ydata()) == [6.0, 3.0]


def test_empty_timepoint_table_read_back_from_csv_draws_no_data(timepoints, best_response, tmp_path):
    # A header-only timepoints.csv reads back with an object after_progression column; the waterfall used to
    # fail with KeyError('patient_id') on it. Now: no bar, "No data".
    timepoints[:0].to_csv(tmp_path / "timepoints.csv", index=False)
    empty = pd.read_csv(tmp_path / "timepoints.csv")
    assert figures.best_pct_change(empty, "recist11").empty
    ax = figures.waterfall(empty, best_response)
    assert not ax.patches and "No data" in [t.get_text() for t in ax.texts]


def test_waterfall_styles_irrc_by_its_confirmed_best_response(timepoints, best_response):
    # spec 7.1: irRC always confirms. P1's irRC best_response irPR, best_response_confirmed irSD: the bar
    # takes the stable-disease hatch by default, the partial-response hatch with confirmed=False.
    tp = timepoints[timepoints["patient_id"] == "P1"].assign(criterion="irrc")
    best = best_response[best_response["patient_id"] == "P1"].assign(criterion="irrc", best_response="irPR",
                                                                      best_response_confirmed="irSD")
    default = figures.waterfall(tp, best, criterion="irrc")
    unconfirmed = figures.waterfall(tp, best, criterion="irrc", confirmed=False)
    assert default.patches[0].get_hatch() == figures.FAMILY_STYLES["stable disease"]["hatch"]
    assert unconfirmed.patches[0].get_hatch() == figures.FAMILY_STYLES["partial response"]["hatch"]
