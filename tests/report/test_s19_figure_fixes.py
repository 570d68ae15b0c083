"""The fixes of audit s19 "figures" beyond its nine regressions (tests/report/test_audit_s19_figures.py).

Each figure draws the criterion it is given: its reference lines (spec/anatomic.md 1.4, 2.4, 3.4, 4.4, 5.4;
spec/metabolic.md 5.5, 8.5, 9.5; none for EORTC 4.5, PECRIT 6.5, PERCIMT 7.5), the name of the sum its
``current_sum`` holds (spec/anatomic.md 0.9, spec/metabolic.md 2.7) and the best response as the rates
read it (spec/patterns.md 7.1). The spider starts on the baseline scan's day when the table gives it
(spec/metabolic.md 1.6, ``reference_day``); the PET timeline starts at the baseline scan. Expected values
are typed from the spec or computed by hand in the comments.
"""

from __future__ import annotations

import io
import re
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import ioresponse  # noqa: E402
from ioresponse.report import figures  # noqa: E402
from ioresponse.report.html import EndpointOptions, ReportTables, render_report  # noqa: E402
from ioresponse.schema import InputError  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "criteria"))
from assessed import row  # noqa: E402

HATCH = {"PR": "//", "SD": ".."}  # FAMILY_STYLES hatches of partial response and stable disease


def _ax():
    return Figure(figsize=(6, 4)).add_subplot()


def _assess(frame, criteria):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(frame, criteria=criteria)


def _hlines(ax):
    """The horizontal reference lines (axhline: x data 0..1 in axes coordinates), the 0 line left out."""
    return sorted({float(line.get_ydata()[0]) for line in ax.get_lines()
                   if list(line.get_xdata()) == [0, 1] and len(set(line.get_ydata())) == 1} - {0.0})


def _text(label):
    return " ".join(label.split())  # a long label is wrapped over two lines


def _table(criterion, unit):
    """Two patients' timepoints under ``criterion``, typed by hand: P1 -40 %, P2 +10 %."""
    return pd.DataFrame({"patient_id": ["P1", "P2"], "criterion": criterion, "day": [56, 56],
                         "pct_change_baseline": [-40.0, 10.0], "sum_unit": unit})


@pytest.mark.parametrize(("criterion", "lines"), [
    ("recist11", [-30.0, 20.0]),  # RECIST 1.1 sec. 4.3.1, spec/anatomic.md 1.4: PR -30 %, PD +20 %
    ("irecist", [-30.0, 20.0]),  # spec/anatomic.md 4.4: target categories as RECIST 1.1
    ("irrc", [-50.0, 25.0]),  # spec/anatomic.md 2.4: PR band <= -50 %, irPD band >= +25 %
    ("irrecist", [-30.0, 20.0]),  # spec/anatomic.md 3.4: irPR <= -0.30, irPD >= 0.20
    ("imrecist", [-30.0, 20.0]),  # spec/anatomic.md 5.4: PR <= -0.30, PD >= 0.20
    ("percist", [-30.0, 30.0]),  # spec/metabolic.md 5.5: PMR rel <= -0.30, PMD rel >= +0.30
    ("ipercist", [-30.0, 30.0]),  # spec/metabolic.md 9.5: PERCIST's category first
    ("impercist", [-30.0, 30.0]),  # spec/metabolic.md 8.5: PMR <= -0.30, PMD >= +0.30
    ("eortc", []),  # spec/metabolic.md 4.5: PMR -15 % or -25 % by cycles: no single pair
    ("pecrit", []),  # spec/metabolic.md 6.5: a prediction rule, no response / progression pair
    ("percimt", []),  # spec/metabolic.md 7.5: counts of new lesions, no % threshold
])
def test_waterfall_and_spider_draw_the_criterion_reference_lines(criterion, lines):
    table = _table(criterion, "")
    assert _hlines(figures.waterfall(table, criterion=criterion, ax=_ax())) == lines
    assert _hlines(figures.spider(table, criterion=criterion, ax=_ax())) == lines
    note = figures.reference_note(criterion)
    if lines:
        assert note == (f"dashed {lines[1]:+g} % (progression), dotted {lines[0]:+g} % (response) "
                        f"of {criterion}")
    else:
        assert note.startswith("no reference line")


def test_criterion_none_reads_the_lines_of_the_table_criterion():
    # a table of irRC rows only, criterion=None: irRC's lines (spec/anatomic.md 2.4)
    assert _hlines(figures.waterfall(_table("irrc", "mm2"), criterion=None, ax=_ax())) == [-50.0, 25.0]


@pytest.mark.parametrize(("criterion", "unit", "name"), [
    ("recist11", "mm", "target sum in mm"),  # spec/anatomic.md 0.9: RECIST: targets
    ("irecist", "mm", "target sum in mm"),  # spec/anatomic.md 0.9: iRECIST: baseline targets
    ("irrc", "mm2", "tumour burden (sum of products) in mm2"),  # 0.9: irRC: tumour burden (2.4, products)
    ("irrecist", "mm", "total measured tumour burden (targets + new) in mm"),  # 0.9: irRECIST: TMTB
    ("imrecist", "mm", "sum incl. new measurable lesions in mm"),  # 0.9: targets plus new measurable
    ("percist", "SUL", "SULpeak of the hottest lesion in SUL"),  # spec/metabolic.md 2.7
    ("impercist", "SUL", "sum of SULpeak (up to 5 lesions) in SUL"),  # spec/metabolic.md 2.7
])
def test_y_label_names_the_sum_drawn(criterion, unit, name):
    table = _table(criterion, unit)
    assert _text(figures.waterfall(table, criterion=criterion, ax=_ax()).get_ylabel()) == (
        f"Best change of {name} from baseline (%)")
    assert _text(figures.spider(table, criterion=criterion, ax=_ax()).get_ylabel()) == (
        f"Change of {name} from baseline (%)")


def test_criterion_none_refuses_a_table_of_several_criteria():
    table = pd.concat([_table("percist", "SUL"), _table("impercist", "SUL")], ignore_index=True)
    for draw in (figures.waterfall, figures.spider):
        with pytest.raises(InputError, match=r"2 criteria \(percist, impercist\)"):
            draw(table, criterion=None, ax=_ax())
    with pytest.raises(InputError, match="criteria"):
        figures.best_pct_change(table)


# 100 -> 60 (-40 %: PR, day 56) -> 85 (+41.7 % and +25 mm vs nadir 60: PD, day 112): the PR is not confirmed
# (spec/anatomic.md 1.7): best_response PR, best_response_confirmed SD.
UNCONFIRMED_PR = [row(-7, "T1", 100), row(56, "T1", 60), row(112, "T1", 85)]


def test_swimmer_confirmed_option_styles_the_lane_and_the_response_mark():
    result = _assess(pd.DataFrame(UNCONFIRMED_PR), ("recist11",))
    default = figures.swimmer(result.timepoints, result.best_response, ax=_ax())
    confirmed = figures.swimmer(result.timepoints, result.best_response, confirmed=True, ax=_ax())
    marks = {c.get_label(): c.get_offsets().tolist() for c in default.collections}
    assert str(default.patches[0].get_hatch()) == HATCH["PR"]  # RECIST's own column: PR
    assert marks["first response (CR/PR)"] == [[56.0, 0.0]] and marks["progression"] == [[112.0, 0.0]]
    marks = {c.get_label(): c.get_offsets().tolist() for c in confirmed.collections}
    assert str(confirmed.patches[0].get_hatch()) == HATCH["SD"]  # confirmed column: SD
    assert "first response (CR/PR)" not in marks  # an SD lane claims no response
    assert marks["progression"] == [[112.0, 0.0]]


def test_report_headline_reads_the_confirmed_option():
    result = _assess(pd.DataFrame(UNCONFIRMED_PR), ("recist11",))
    tables = ReportTables(result.timepoints, result.best_response)
    assert "<summary>P1: recist11: PR</summary>" in render_report(tables)  # RECIST's own: best_response
    assert "<summary>P1: recist11: SD</summary>" in render_report(
        tables, options=EndpointOptions(confirmed=True))  # best_response_confirmed, as the rates


PET = ("patient_id,reader,day,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd\n"
       "P1,R1,-5,L1,target,lung,8.0,60,2.0,0.25\n"
       "P1,R1,-5,L2,target,lung,6.0,60,2.0,0.25\n"
       "P1,R1,56,L1,target,lung,7.2,62,2.1,0.25\n"
       "P1,R1,56,L2,target,lung,2.0,62,2.1,0.25\n")


@pytest.fixture(scope="module")
def pet_result():
    return _assess(pd.read_csv(io.StringIO(PET)), ("percist", "impercist"))


def test_spider_starts_at_the_baseline_scan_day(pet_result):
    ax = figures.spider(pet_result.timepoints, criterion="percist", ax=_ax())
    (line,) = [line for line in ax.get_lines() if list(line.get_xdata()) != [0, 1]]
    assert list(line.get_xdata()) == [-5, 56]  # baseline scan day -5 (reference_day), follow-up day 56
    assert list(line.get_ydata()) == [0.0, pytest.approx(-10.0)]  # hottest 8.0 -> 7.2: -10 %
    assert "baseline at its scan day" in ax.get_xlabel() and "(days)" in ax.get_xlabel()


def test_criterion_sums_start_at_the_baseline(pet_result):
    sums = figures.criterion_sums(pet_result.timepoints, "impercist")
    # imPERCIST sum of SULpeak: baseline 8.0 + 6.0 = 14.0 on day -5, follow-up 7.2 + 2.0 = 9.2 on day 56
    assert list(sums["day"]) == [-5, 56]
    assert list(sums["current_sum"]) == [pytest.approx(14.0), pytest.approx(9.2)]
    assert set(sums["sum_unit"]) == {"SUL"}


def test_pet_timeline_refuses_two_readers():
    pet = pd.read_csv(io.StringIO(PET))
    pet = pd.concat([pet, pet.assign(reader="R2")], ignore_index=True)
    with pytest.raises(InputError, match="2 readers"):
        figures.pet_timeline(pet, ax=_ax())


def test_report_pet_only_draws_under_percist_with_its_lines_and_labels(pet_result):
    page = render_report(ReportTables(pet_result.timepoints, pet_result.best_response))
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    waterfall = next(c for c in captions if "Waterfall" in c)
    # the first criterion present (no anatomic one): PERCIST, its lines +30 % / -30 % (metabolic.md 5.5)
    assert "SULpeak of the hottest lesion" in waterfall and "under percist" in waterfall
    assert "dashed +30 % (progression), dotted -30 % (response) of percist" in waterfall
    timeline = next(c for c in captions if "PET timeline" in c)
    assert "SULpeak of the hottest lesion in SUL" in timeline and "from the baseline scan" in timeline


def test_report_draws_one_pet_timeline_per_reader():
    pet = pd.read_csv(io.StringIO(PET))
    result = _assess(pd.concat([pet, pet.assign(reader="R2")], ignore_index=True), ("percist",))
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", render_report(
        ReportTables(result.timepoints, result.best_response)))
    timelines = [c for c in captions if "PET timeline" in c]
    assert len(timelines) == 2  # readers R1 and R2
    assert timelines[0].endswith(", reader R1.") and timelines[1].endswith(", reader R2.")
