"""Audit s19 "figures": what the figures and the HTML report SHOW, not only that they draw.

Audited: ``ioresponse.report.figures`` (waterfall, spider, swimmer, km_curves, pet_timeline) and
``ioresponse.report.html`` (``render_report`` and the ``ioresponse report`` command), against README
"Cohort analysis, figures, HTML report and CDISC export", the figure docstrings, spec/anatomic.md 0.5
(sums, relative change), 0.9 (``pct_change_baseline``, ``current_sum``, ``after_progression``, both best
responses), 2.4/2.7 (irRC thresholds and confirmation), spec/metabolic.md 1.7 and the imPERCIST sum,
and spec/patterns.md 7 (ORR with exact CI, PFS per criterion censored at the last adequate assessment).

Method: small cohorts typed by hand, assessed through ``ioresponse.assess`` (or the CLI), each figure
drawn on an Agg ``Figure`` and its artists read back (bar heights and hatches, line data, scatter
offsets, tick labels, axis labels). Figures drawn inside the report are captured by wrapping the public
figure functions (the report calls them through the ``figures`` module). Every expected value is
computed by hand in the comment next to its assertion, never read from the package's output.

The tests under "proven differences" were strict xfails when the audit proved them; all nine are fixed
and now pass as regressions: the reference lines and the y label come from the criterion drawn (irRC
-50 % / +25 %; irRECIST's TMTB), the swimmer and the patient headline read the best response as the rates
do (irRC's confirmed column), the report's per-patient figures draw one criterion (a PET-only report draws
its first PET criterion; ``criterion=None`` refuses a table of several), the PET timeline is drawn per
reader from the baseline scan on (``baseline_sum`` on ``reference_day``) under the criterion's sum label,
and the swimmer refuses several readers' reads as the spider does. One expectation changed with the
fixes: the imPERCIST timeline now starts with its baseline sum (8.0 + 6.0 = 14.0 on day -5).
"""

from __future__ import annotations

import io
import re
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from lifelines import KaplanMeierFitter  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import ioresponse  # noqa: E402
from ioresponse.report import figures  # noqa: E402
from ioresponse.report.html import ReportTables, render_report  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "criteria"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import cli  # noqa: E402
from assessed import row  # noqa: E402

FIGURE_FUNCTIONS = ("waterfall", "spider", "swimmer", "km_curves", "pet_timeline")
HATCH = {"CR": "", "PR": "//", "SD": "..", "iUPD": "\\\\", "PD": "xx", "NE": ""}  # FAMILY_STYLES hatches


def _ax():
    return Figure(figsize=(6, 4)).add_subplot()


def _assess(rows, criteria=("recist11",), **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
        return ioresponse.assess(frame, criteria=criteria, **options)


def _bars(ax):
    return [(round(float(p.get_height()), 4), str(p.get_hatch() or "")) for p in ax.patches]


def _data_lines(ax):
    """Lines that are not the horizontal reference lines (axhline: x data in axes coordinates 0..1)."""
    return [line for line in ax.get_lines() if not (list(line.get_xdata()) == [0, 1]
                                                    and len(set(line.get_ydata())) == 1)]


def _hlines(ax):
    return sorted({float(line.get_ydata()[0]) for line in ax.get_lines()
                   if list(line.get_xdata()) == [0, 1] and len(set(line.get_ydata())) == 1} - {0.0})


@pytest.fixture
def drawn(monkeypatch):
    """The axes of every figure the report draws, as (function name, axes, args, kwargs)."""
    record = []
    for name in FIGURE_FUNCTIONS:
        original = getattr(figures, name)

        def wrapper(*args, _original=original, _name=name, **kwargs):
            ax = _original(*args, **kwargs)
            record.append((_name, ax, args, kwargs))
            return ax

        monkeypatch.setattr(figures, name, wrapper)
    return record


# --- a RECIST 1.1 cohort typed by hand ---------------------------------------------------------------
# A: baseline 40 + 60 = 100 mm (day -7); day 56 30 + 40 = 70 (-30.00 %: PR); day 112 T1 not evaluable
#    (incomplete sum: NE, no % change); day 168 30 + 60 = 90 (-10 % vs baseline, +20 mm and +28.6 % vs
#    nadir 70: PD); day 224 30 + 70 = 100 (0 %), after progression.
# B: 50 mm (day -3) -> 65 mm on day 84 (+30 %, +15 mm: PD).
# C: baseline only (no follow-up).
# D: 50 mm -> 45 mm on day 42 (-10 %: SD), NE on day 98 (T1 not evaluable).
COHORT = [
    row(-7, "T1", 40, patient="A"), row(-7, "T2", 60, patient="A"),
    row(56, "T1", 30, patient="A"), row(56, "T2", 40, patient="A"),
    row(112, "T1", None, status="not_evaluable", patient="A"), row(112, "T2", 20, patient="A"),
    row(168, "T1", 30, patient="A"), row(168, "T2", 60, patient="A"),
    row(224, "T1", 30, patient="A"), row(224, "T2", 70, patient="A"),
    row(-3, "T1", 50, patient="B"), row(84, "T1", 65, patient="B"),
    row(-3, "T1", 50, patient="C"),
    row(-3, "T1", 50, patient="D"), row(42, "T1", 45, patient="D"),
    row(98, "T1", None, status="not_evaluable", patient="D"),
]


@pytest.fixture(scope="module")
def cohort():
    return _assess(COHORT)


# ======================================= passing (regression) tests ==================================

def test_waterfall_bar_is_best_change_before_progression_sorted_and_hatched(cohort):
    """README waterfall + spec/anatomic.md 0.9 (after_progression rows ignored by the best response)."""
    ax = figures.waterfall(cohort.timepoints, cohort.best_response, criterion="recist11", ax=_ax())
    # A: min(-30, -10) = -30 (NE day 112 has no %, day 224 is after progression: its 0 % is not read);
    # B: +30; D: -10; C has no follow-up: no bar. Sorted from the largest increase: B, D, A.
    # Styles (hatch) by best response: B PD "xx", D SD "..", A PR "//".
    assert _bars(ax) == [(30.0, HATCH["PD"]), (-10.0, HATCH["SD"]), (-30.0, HATCH["PR"])]
    assert "n = 3" in ax.get_xlabel()
    assert _hlines(ax) == [-30.0, 20.0]  # RECIST 1.1 sec. 4.3.1 thresholds for a RECIST figure
    assert ax.get_legend().get_title().get_text() == "Best response (recist11)"


def test_waterfall_confirmed_option_changes_the_style_only():
    """README option --confirmed: the waterfall reads best_response_confirmed (spec/patterns.md 7.1)."""
    # 100 -> 60 (-40 %: PR, day 56) -> 85 (+41.7 % and +25 mm vs nadir 60: PD, day 112): PR not confirmed
    # -> best_response PR, best_response_confirmed SD (spec/anatomic.md 0.9, 1.7).
    result = _assess([row(-7, "T1", 100), row(56, "T1", 60), row(112, "T1", 85)])
    default = figures.waterfall(result.timepoints, result.best_response, ax=_ax())
    confirmed = figures.waterfall(result.timepoints, result.best_response, confirmed=True, ax=_ax())
    assert _bars(default) == [(-40.0, HATCH["PR"])]  # best change -40 %, RECIST's own column: PR
    assert _bars(confirmed) == [(-40.0, HATCH["SD"])]  # same bar, confirmed column: SD


def test_spider_draws_measured_points_only_from_zero_at_start(cohort):
    """Spider docstring and spec/anatomic.md 0.5: an incomplete sum (NE) has no % change, not 0."""
    ax = figures.spider(cohort.timepoints, criterion="recist11", ax=_ax())
    lines = {len(line.get_xdata()): line for line in _data_lines(ax)}
    a = lines[4]  # A: start (0, 0), then days 56, 168, 224; day 112 (NE) is not drawn
    assert list(a.get_xdata()) == [0, 56, 168, 224]
    assert list(a.get_ydata()) == [0.0, -30.0, -10.0, 0.0]  # (70-100)/100, (90-100)/100, (100-100)/100
    assert sorted(tuple(line.get_ydata()) for line in _data_lines(ax) if len(line.get_xdata()) == 2) == [
        (0.0, -10.0), (0.0, 30.0)]  # D: 45 vs 50 = -10 % (its NE day 98 not drawn); B: 65 vs 50 = +30 %
    assert "days" in ax.get_xlabel()  # the x numbers are days (56, 168...)


def test_swimmer_lanes_and_marks(cohort):
    """README swimmer: lane to the last assessment, marks on the criterion's response / progression days."""
    ax = figures.swimmer(cohort.timepoints, cohort.best_response, criterion="recist11", ax=_ax())
    # last assessment day: B 84, D 98 (NE counts as an assessment), A 224; sorted by length
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B", "D", "A"]
    assert [float(p.get_width()) for p in ax.patches] == [84.0, 98.0, 224.0]
    marks = {c.get_label(): c.get_offsets().tolist() for c in ax.collections}
    assert marks["first response (CR/PR)"] == [[56.0, 2.0]]  # A's PR on day 56, lane 2
    assert sorted(marks["progression"]) == [[84.0, 0.0], [168.0, 2.0]]  # B PD day 84, A PD day 168


def test_swimmer_marks_iupd_and_icpd_days():
    """README swimmer "(iUPD/iCPD marks)"; iRECIST: iUPD +30 %, iCPD a further >= 5 mm."""
    # 50 -> 65 (+30 %, +15 mm: PD / iUPD, day 56) -> 75 (+10 mm vs 65 at iUPD: iCPD, day 112)
    result = _assess([row(-3, "T1", 50), row(56, "T1", 65), row(112, "T1", 75)],
                     criteria=("recist11", "irecist"))
    ax = figures.swimmer(result.timepoints, result.best_response, criterion="recist11", ax=_ax())
    marks = {c.get_label(): c.get_offsets().tolist() for c in ax.collections}
    assert marks["progression"] == [[56.0, 0.0]]  # RECIST 1.1 PD day 56
    assert marks["iUPD (unconfirmed, iRECIST)"] == [[56.0, 0.0]]
    assert marks["iCPD (confirmed, iRECIST)"] == [[112.0, 0.0]]
    assert [float(p.get_width()) for p in ax.patches] == [112.0]


def test_km_curve_equals_lifelines_on_hand_pfs(cohort):
    """spec/patterns.md 7.4: event = first PD; censored at the last adequate (not NE) assessment."""
    from ioresponse.cohort.survival import pfs_durations

    ax = figures.km_curves(pfs_durations(cohort.best_response), ax=_ax())
    # by hand: A PD day 168 (event), B PD day 84 (event), C no follow-up (censored 0), D censored at 42
    # (its day-98 assessment is NE, not adequate).
    hand = KaplanMeierFitter().fit([168, 84, 0, 42], [1, 1, 0, 0])
    curve = [line for line in ax.get_lines() if line.get_label() == "recist11"]
    assert len(curve) == 1
    xs, ys = np.asarray(curve[0].get_xdata(), float), np.asarray(curve[0].get_ydata(), float)
    expected = hand.survival_function_.iloc[:, 0]
    assert list(xs) == list(expected.index)  # 0, 42, 84, 168
    np.testing.assert_allclose(ys, expected.to_numpy())  # 1, 1, 1/2 (2 at risk), 0
    assert ys[list(xs).index(84.0)] == pytest.approx(0.5)


READERS_CSV = (
    "patient_id,reader,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"
    "P1,1,-7,T1,target,liver,false,40,,present\n"
    "P1,1,56,T1,target,liver,false,28,,present\n"
    "P1,2,-7,T1,target,liver,false,40,,present\n"
    "P1,2,56,T1,target,liver,false,52,,present\n"
    "P2,1,-7,T1,target,liver,false,50,,present\n"
    "P2,1,56,T1,target,liver,false,50,,present\n"
    "P2,2,-7,T1,target,liver,false,50,,present\n"
    "P2,2,56,T1,target,liver,false,30,,present\n"
)


@pytest.fixture
def readers_report(tmp_path, drawn):
    (tmp_path / "lesions.csv").write_text(READERS_CSV, encoding="utf-8")
    out = tmp_path / "out"
    assert cli("assess", tmp_path / "lesions.csv", "--out", out, "--no-patterns").exit_code == 0
    drawn.clear()
    result = cli("report", out)
    assert result.exit_code == 0, result.output
    return out, drawn


def test_report_one_figure_set_per_reader_each_patient_once(readers_report):
    """README: "one set of figures per named reader: a figure shows each patient once"."""
    _, drawn = readers_report
    waterfalls = [ax for name, ax, *_ in drawn if name == "waterfall"]
    swimmers = [ax for name, ax, *_ in drawn if name == "swimmer"]
    # reader 1: P1 40 -> 28 = -30 %, P2 50 -> 50 = 0 %; reader 2: P1 40 -> 52 = +30 %, P2 50 -> 30 = -40 %
    assert [[h for h, _ in _bars(ax)] for ax in waterfalls] == [[0.0, -30.0], [30.0, -40.0]]
    for ax in swimmers:
        assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["P1", "P2"]  # once each


def test_report_self_contained_and_prints_rates_of_rates_csv(readers_report):
    """README: report.html self-contained; ORR with exact Clopper-Pearson CI (spec/patterns.md 7.1)."""
    out, _ = readers_report
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<script[^>]*\bsrc=|<link\b", page)
    images = re.findall(r"<img[^>]*\bsrc=\"([^\"]*)\"", page)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    rates = pd.read_csv(out / "rates.csv", dtype={"reader": str})
    # each reader: 1 responder of 2 (reader 1: P1 PR; reader 2: P2 PR); exact CI
    # lower = BetaInv(0.025; 1, 2) = 1 - sqrt(0.975) = 0.0126, upper = sqrt(0.975) = 0.9874
    assert sorted(rates["orr"]) == [0.5, 0.5]
    np.testing.assert_allclose(rates["orr_ci_low"], 1 - np.sqrt(0.975), atol=1e-6)
    np.testing.assert_allclose(rates["orr_ci_high"], np.sqrt(0.975), atol=1e-6)
    # DCR: reader 1 P1 PR + P2 SD (day 56 >= 42) = 2/2, lower = 0.025 ** (1/2) = 0.158; reader 2 1/2
    assert sorted(rates["dcr"]) == [0.5, 1.0]
    assert page.count("50.0% (1.3-98.7)") == 3  # the page prints these numbers: ORR x 2, DCR reader 2
    assert page.count("100.0% (15.8-100.0)") == 1  # DCR reader 1
    for patient in ("P1", "P2"):  # one section per patient with the calls of both readers
        assert page.count(f"<summary>{patient}:") == 1
    assert "recist11 (1): PR" in page and "recist11 (2): PD" in page  # P1's headline


def test_report_empty_timepoints_say_nothing_to_plot(drawn):
    """README: "An empty timepoint table (no follow-up) gives a report that says there is nothing to plot"."""
    result = _assess([row(-7, "T1", 40), row(-7, "T1", 50, patient="P2")])
    page = render_report(ReportTables(result.timepoints, result.best_response))
    assert "nothing to plot" in page
    waterfall = next(ax for name, ax, *_ in drawn if name == "waterfall")
    assert waterfall.patches == [] or all(p.get_height() == 0 for p in waterfall.patches)
    assert any(t.get_text() == "No data" for t in waterfall.texts)


def _many(n):
    rows = []
    for i in range(n):
        patient = f"P{i:02d}"
        rows += [row(-7, "T1", 50, patient=patient), row(56, "T1", 30 + i, patient=patient)]
    return rows


@pytest.mark.parametrize("case", ["one", "sixty", "unicode", "all_ne", "sum_only"])
def test_report_robust_cohorts(case, drawn):
    """Robustness: 1 and 60 patients, unicode ids, a criterion all NE, a sum-only table (no lesions)."""
    if case == "one":
        frame, bars = pd.DataFrame([row(-7, "T1", 50), row(56, "T1", 40)]), [-20.0]  # 40 vs 50
    elif case == "sixty":
        frame = pd.DataFrame(_many(60))
        bars = sorted(((30 + i - 50) / 50 * 100 for i in range(60)), reverse=True)  # (30+i-50)/50
    elif case == "unicode":
        frame = pd.DataFrame([row(-7, "T1", 50, patient="Pé-1"), row(56, "T1", 25, patient="Pé-1"),
                              row(-7, "T1", 40, patient="患者2"), row(56, "T1", 44, patient="患者2")])
        bars = [10.0, -50.0]  # 44 vs 40 = +10 %, 25 vs 50 = -50 %
    elif case == "all_ne":
        frame = pd.DataFrame([row(-7, "T1", 50), row(56, "T1", None, status="not_evaluable")])
        bars = []  # the only follow-up has an incomplete sum: no % change
    else:
        frame = pd.DataFrame({"patient_id": ["S1", "S1", "S1"], "day": [0, 56, 112],
                              "target_sum_mm": [100.0, 60.0, 55.0]})
        bars = [-45.0]  # min(60/100 - 1, 55/100 - 1) = -45 %
    result = _assess(frame)
    page = render_report(ReportTables(result.timepoints, result.best_response))
    assert "<html" in page
    waterfall = next(ax for name, ax, *_ in drawn if name == "waterfall")
    np.testing.assert_allclose([h for h, _ in _bars(waterfall)], bars, atol=1e-3)
    swimmer = next(ax for name, ax, *_ in drawn if name == "swimmer")
    if case == "unicode":
        assert sorted(t.get_text() for t in swimmer.get_yticklabels()) == sorted(["Pé-1", "患者2"])


# ============================ proven differences (xfail until fixed in s19 figfix) ====================

def test_waterfall_irrc_draws_irrc_thresholds():
    # 50 x 40 = 2000 mm2 -> 30 x 30 = 900 mm2 on day 28: -55 % (irPR band, spec 2.4)
    result = _assess([row(-7, "T1", 50, perpendicular_mm=40.0), row(28, "T1", 30, perpendicular_mm=30.0),
                      row(70, "T1", 30, perpendicular_mm=30.0)], criteria=("irrc",))
    ax = figures.waterfall(result.timepoints, result.best_response, criterion="irrc", ax=_ax())
    assert [h for h, _ in _bars(ax)] == [-55.0]  # (900 - 2000) / 2000
    assert _hlines(ax) == [-50.0, 25.0]


def test_spider_irrecist_label_names_the_sum_drawn():
    # target T1 50 -> 50 (0 %); new measurable U1 20 mm on day 56: TMTB 70 = +40 % vs baseline 50
    result = _assess([row(-7, "T1", 50), row(56, "T1", 50), row(56, "U1", 20)], criteria=("irrecist",))
    ax = figures.spider(result.timepoints, criterion="irrecist", ax=_ax())
    (line,) = _data_lines(ax)
    drawn_change = float(line.get_ydata()[-1])
    assert drawn_change == pytest.approx(40.0)  # (70 - 50) / 50: the TMTB is what is drawn
    assert "target sum" not in ax.get_ylabel()  # ... so the label must not call it the target sum


def test_swimmer_irrc_lane_styled_by_confirmed_best_response():
    # irPR on day 28 (-55 %) and day 40 (12 days later, < 28: not a confirmation): confirmed best NE
    result = _assess([row(-7, "T1", 50, perpendicular_mm=40.0), row(28, "T1", 30, perpendicular_mm=30.0),
                      row(40, "T1", 30, perpendicular_mm=30.0)], criteria=("irrc",))
    water = figures.waterfall(result.timepoints, result.best_response, criterion="irrc", ax=_ax())
    swim = figures.swimmer(result.timepoints, result.best_response, criterion="irrc", ax=_ax())
    assert [c.get_label() for c in swim.collections] == []  # no confirmed response: no response mark
    assert [t.get_text() for t in water.get_legend().get_texts()] == ["not evaluable"]
    legend = [t.get_text() for t in swim.get_legend().get_texts()] if swim.get_legend() else []
    assert "partial response" not in legend  # the lane must not claim an irPR irRC never confirmed
    assert str(swim.patches[0].get_hatch() or "") != HATCH["PR"]


def test_report_headline_irrc_reads_confirmed_best_response():
    result = _assess([row(-7, "T1", 50, perpendicular_mm=40.0), row(28, "T1", 30, perpendicular_mm=30.0),
                      row(40, "T1", 30, perpendicular_mm=30.0)], criteria=("irrc",))
    page = render_report(ReportTables(result.timepoints, result.best_response))
    assert "<summary>P1: irrc: NE</summary>" in page  # irPR day 28 never confirmed >= 28 days later


PET_TWO = ("patient_id,day,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd\n"
           "P1,-5,L1,target,lung,8.0,60,2.0,0.25\n"
           "P1,-5,L2,target,lung,6.0,60,2.0,0.25\n"
           "P1,56,L1,target,lung,7.2,62,2.1,0.25\n"
           "P1,56,L2,target,lung,2.0,62,2.1,0.25\n")


def test_report_pet_only_waterfall_does_not_mix_criteria(drawn):
    # PERCIST: hottest SULpeak 8.0 -> 7.2 = -10 % (SMD); imPERCIST: sum 14.0 -> 9.2 = -34.29 % (PMR)
    result = _assess(pd.read_csv(io.StringIO(PET_TWO)), criteria=("percist", "impercist"))
    render_report(ReportTables(result.timepoints, result.best_response))
    waterfall = next(ax for name, ax, *_ in drawn if name == "waterfall")
    allowed = {(-10.0, HATCH["SD"]), (-34.2857, HATCH["PR"])}  # one criterion's change with its own style
    assert set(_bars(waterfall)) <= allowed


PET_READERS = ("patient_id,reader,day,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd\n"
               "P1,R1,-5,L1,target,lung,8.0,60,2.0,0.25\n"
               "P1,R1,56,L1,target,lung,5.6,62,2.1,0.25\n"
               "P1,R2,-5,L1,target,lung,8.0,60,2.0,0.25\n"
               "P1,R2,56,L1,target,lung,4.0,62,2.1,0.25\n")


def test_report_pet_timeline_per_reader(drawn):
    result = _assess(pd.read_csv(io.StringIO(PET_READERS)), criteria=("percist",))
    render_report(ReportTables(result.timepoints, result.best_response))
    timelines = [ax for name, ax, *_ in drawn if name == "pet_timeline"]
    values = sorted(float(y) for ax in timelines for line in ax.get_lines() for y in line.get_ydata())
    assert 4.0 in values and 5.6 in values  # R2's hottest SULpeak on day 56, and R1's


def test_report_pet_timeline_starts_at_baseline(drawn):
    result = _assess(pd.read_csv(io.StringIO(PET_READERS)).query("reader == 'R1'"), criteria=("percist",))
    render_report(ReportTables(result.timepoints, result.best_response))
    (ax,) = [ax for name, ax, *_ in drawn if name == "pet_timeline"]
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [-5, 56]  # baseline scan day -5, follow-up day 56
    assert list(line.get_ydata()) == [8.0, 5.6]  # hottest SULpeak 8.0 -> 5.6 (-30 %: PMR)


def test_report_pet_timeline_label_impercist_sum(drawn):
    result = _assess(pd.read_csv(io.StringIO(PET_TWO)), criteria=("impercist",))
    render_report(ReportTables(result.timepoints, result.best_response))
    (ax,) = [ax for name, ax, *_ in drawn if name == "pet_timeline"]
    (line,) = ax.get_lines()
    # baseline 8.0 + 6.0 = 14.0 on day -5 (drawn since the fix of item 7), then 7.2 + 2.0 = 9.2 on day 56:
    # a sum over lesions is drawn
    assert list(line.get_ydata()) == [pytest.approx(14.0), pytest.approx(9.2)]
    assert "hottest lesion" not in ax.get_ylabel()


def test_swimmer_refuses_two_readers_reads_as_spider_does():
    from ioresponse.schema import InputError

    # R1: 50 -> 65 (+30 %: iUPD, day 56) -> 60 (iUPD kept, day 112); R2: 50 -> 55 (+10 %: iSD) -> 66 (iUPD)
    rows = [row(-3, "T1", 50, reader="R1"), row(56, "T1", 65, reader="R1"), row(112, "T1", 60, reader="R1"),
            row(-3, "T1", 50, reader="R2"), row(56, "T1", 55, reader="R2"), row(112, "T1", 66, reader="R2")]
    result = _assess(rows, criteria=("irecist",))
    with pytest.raises(InputError):
        figures.spider(result.timepoints, criterion="irecist", ax=_ax())  # refused: two readers
    with pytest.raises(InputError):
        figures.swimmer(result.timepoints, criterion="irecist", ax=_ax())  # should be refused likewise
