"""Issue 4 as a user runs it: the five anatomic criteria side by side from one lesion table (CSV or
SDTM), `--criteria all` and what it skips, reasons, `compare` (CLI and ``Result.compare()``) and the
exit-2 refusals. Expected values are worked out by hand from spec/anatomic.md, never copied from output;
cases of tests/cli/test_assess_cli.py and tests/criteria/test_anatomic_side_by_side.py are not repeated.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pandas as pd
import pytest
from _cli import assert_accepted, assert_refused, cli, flat, sdtm_folder, write

import ioresponse
from ioresponse.schema import TIMEPOINT_COLUMNS

ANATOMIC = ["recist11", "irrc", "irrecist", "irecist", "imrecist"]
METABOLIC = ["eortc", "percist", "pecrit", "percimt", "impercist", "ipercist"]
RULE = {"recist11": "(RECIST 1.1", "irrc": "(irRC", "irrecist": "(irRECIST", "irecist": "(iRECIST",
        "imrecist": "(imRECIST"}
"""How each criterion's reasons name its rule (spec 0.10: "the rule, with the source section")."""

HEADER = "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,perpendicular_mm,status\n"
# P1 (spec iR1 with perpendiculars): N1 new lung nodule 8 x 6 mm on day 56, gone on day 112. RECIST 1.1:
#   a new lesion is PD (1.5, Table 1 row 3). irRC: TB0 1200+600 = 1800 mm2; d56 972+468+N1 48 = 1488
#   (-17.33%, irSD); d112 600+240+0 = 840 (-53.33%: irPR); d168 648 (irPR). irRECIST / imRECIST: N1 < 10 mm
#   is new non-measurable, never PD (3.5, 5.5): 62 (-11.43%) SD, 50 (-28.57%) SD, 44 (-37.14%) PR.
#   iRECIST: iUPD (NL) d56; d112 no trigger, N1 absent: reset, iSD; d168 iPR (4.6).
# P2 (spec M1, day 84 changed): 55 -> 68 mm (+23.64%, +13 mm) PD/irPD/iUPD on day 56; day 84 38 mm
#   (-30.91% vs 55): PD not confirmed, PR / iPR (reset) (0.8, 4.6); 34, 32 mm PR. irRC: 1100 -> 1708
#   (+55.27%) irPD pending; d84 308+160 = 468 (-57.45%): not confirmed, irPR; d140 344, d168 307 irPR.
# P3: N1 new liver lesion 12 x 10 mm (measurable) on day 56. RECIST 1.1 PD. imRECIST / irRECIST:
#   57 mm (-5.00%), then 55 mm (-8.33%): SD. irRC: 1500 -> 660+150+120 = 930 (-38.00%), then 840
#   (-44.00%): irSD. iRECIST: iUPD (NL, NLT 12); d112 NLT 12 (+0), S 43 < 45: reset (R3), 43 mm -28.33%: iSD.
# P4 (spec Q4): 30 -> 36 mm (+20.00%, +6 mm) PD day 56; 42 x 38 on day 84 confirms everywhere
#   (irRC 1596 >= 1.25 x 900; iRECIST 42 - 36 = +6 mm >= 5: iCPD).
# P5: 40 -> 26 -> 24 mm (-35%, -40%); irRC 1200 -> 468 -> 384 (-61%, -68%): PR under all five.
COHORT = HEADER + """\
P1,-7,T1,target,liver,false,40,,30,present
P1,-7,T2,target,lung,false,30,,20,present
P1,-7,NT1,non_target,bone,false,,,,present
P1,56,T1,target,liver,false,36,,27,present
P1,56,T2,target,lung,false,26,,18,present
P1,56,NT1,non_target,bone,false,,,,present
P1,56,N1,new,lung,false,8,,6,present
P1,112,T1,target,liver,false,30,,20,present
P1,112,T2,target,lung,false,20,,12,present
P1,112,NT1,non_target,bone,false,,,,present
P1,112,N1,new,lung,false,,,,absent
P1,168,T1,target,liver,false,26,,18,present
P1,168,T2,target,lung,false,18,,10,present
P1,168,NT1,non_target,bone,false,,,,present
P1,168,N1,new,lung,false,,,,absent
P2,-7,T1,target,lung,false,30,,20,present
P2,-7,T2,target,liver,false,25,,20,present
P2,56,T1,target,lung,false,38,,26,present
P2,56,T2,target,liver,false,30,,24,present
P2,84,T1,target,lung,false,22,,14,present
P2,84,T2,target,liver,false,16,,10,present
P2,140,T1,target,lung,false,18,,12,present
P2,140,T2,target,liver,false,16,,8,present
P2,168,T1,target,lung,false,17,,11,present
P2,168,T2,target,liver,false,15,,8,present
P3,-7,T1,target,liver,false,40,,30,present
P3,-7,T2,target,lung,false,20,,15,present
P3,56,T1,target,liver,false,30,,22,present
P3,56,T2,target,lung,false,15,,10,present
P3,56,N1,new,liver,false,12,,10,present
P3,112,T1,target,liver,false,29,,20,present
P3,112,T2,target,lung,false,14,,10,present
P3,112,N1,new,liver,false,12,,10,present
P4,-7,T1,target,lung,false,30,,30,present
P4,56,T1,target,lung,false,36,,34,present
P4,84,T1,target,lung,false,42,,38,present
P5,-7,T1,target,liver,false,40,,30,present
P5,56,T1,target,liver,false,26,,18,present
P5,112,T1,target,liver,false,24,,16,present
"""
BEST = pd.DataFrame(
    [line.split() for line in ("PD irPR irPR iPR PR", "PD irPR irPR iPR PR", "PD irSD irSD iSD SD",
                               "PD irPD irPD iCPD PD", "PR irPR irPR iPR PR")],
    index=pd.Index(["P1", "P2", "P3", "P4", "P5"], name="patient_id"), columns=ANATOMIC)
"""Best response (unconfirmed, spec 0.9) per patient x criterion, from the arithmetic above."""
PR_, SD_ = {"irrc": "irPR", "irrecist": "irPR", "irecist": "iPR", "imrecist": "PR"}, {
    "irrc": "irSD", "irrecist": "irSD", "irecist": "iSD", "imrecist": "SD"}


def _without_perpendicular(folder, empty: bool = False):
    """COHORT with no perpendicular_mm column (or the column with no value at all) as folder/lesions.csv."""
    table = pd.read_csv(io.StringIO(COHORT), dtype={"patient_id": str})
    table = table.assign(perpendicular_mm=float("nan")) if empty else table.drop(columns="perpendicular_mm")
    table.to_csv(folder / "lesions.csv", index=False)
    return folder / "lesions.csv"


def _best(out) -> pd.DataFrame:
    best = pd.read_csv(out / "best_response.csv", dtype={"patient_id": str})
    return best.pivot(index="patient_id", columns="criterion", values="best_response")


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    """`ioresponse assess cohort.csv --criteria all --out out` once for the module: (out, CLI result)."""
    folder = tmp_path_factory.mktemp("issue4")
    path = write(folder, COHORT)
    result = cli("assess", path, "--criteria", "all", "--out", folder / "out", "--no-patterns")
    assert_accepted(result)
    return folder / "out", result


@pytest.mark.parametrize("key", ANATOMIC)
def test_each_anatomic_key_runs_alone_from_the_one_table(tmp_path, key):
    """Issue 4 item 1: `--criteria` accepts recist11, irrc, irrecist, irecist, imrecist, each on the one
    table with new-lesion measurements (item 2); the best responses are the hand-worked ones."""
    out = tmp_path / "out"
    assert_accepted(cli("assess", write(tmp_path, COHORT), "--criteria", key, "--out", out, "--no-patterns"))
    best = _best(out)
    assert list(best.columns) == [key]
    assert best[key].to_dict() == BEST[key].to_dict()


def test_criteria_all_runs_the_five_side_by_side_and_says_why_the_others_were_skipped(assessed):
    """Issue 4 items 1 and 3: `--criteria all` on a lesion table with both diameters runs all five
    anatomic criteria (spec 0.9 keys, report order) and names each metabolic criterion skipped with why."""
    out, result = assessed
    best = pd.read_csv(out / "best_response.csv", dtype={"patient_id": str})
    assert list(dict.fromkeys(best["criterion"])) == ANATOMIC
    text = flat(result)
    assert "skipped irrc" not in text
    for key in METABOLIC:
        assert f"skipped {key}: input has no metabolic table" in text


@pytest.mark.parametrize("perpendicular", ["no column", "empty column"])
def test_all_skips_irrc_on_a_lesion_table_without_any_perpendicular_diameter(tmp_path, perpendicular):
    """Issue 4 item 1: irRC needs `perpendicular_mm` (spec 2.9); `--criteria all` skips it, saying so, and
    runs the four others, which ignore that column (spec 1.9, 3.9) and so give the same calls."""
    path = _without_perpendicular(tmp_path, empty=perpendicular == "empty column")
    result = cli("assess", path, "--criteria", "all", "--out", tmp_path / "out", "--no-patterns")
    assert_accepted(result)
    assert "skipped irrc: input has no value in perpendicular_mm" in flat(result)
    others = [k for k in ANATOMIC if k != "irrc"]
    assert _best(tmp_path / "out")[others].to_dict() == BEST[others].to_dict()


@pytest.mark.parametrize("command", ["assess", "validate"])
def test_irrc_named_explicitly_without_perpendicular_is_refused_naming_the_column(tmp_path, command):
    """Issue 4 items 2 and 5: a criterion asked for by name whose column is absent is a located refusal
    (spec 0.1: "raises InputError naming it; it never guesses"), exit 2, for assess and validate."""
    path = _without_perpendicular(tmp_path)
    assert_refused(cli(command, path, "--criteria", "irrc"), "lesions.csv", "perpendicular_mm", "irRC")


def test_irrc_missing_diameter_of_one_index_lesion_names_the_option_way_out(tmp_path):
    """Spec 2.9 and 2.11 (missing_diameter): a present index lesion without its perpendicular diameter is
    refused at that row (P5 day 56: file row 39), and the message says how to count it not evaluable from
    the command line."""
    table = pd.read_csv(io.StringIO(COHORT), dtype={"patient_id": str})
    table.loc[(table["patient_id"] == "P5") & (table["day"] == 56), "perpendicular_mm"] = float("nan")
    table.to_csv(tmp_path / "lesions.csv", index=False)
    result = cli("assess", tmp_path / "lesions.csv", "--criteria", "irrc", "--out", tmp_path / "o")
    assert_refused(result, "lesions.csv, row 39, column perpendicular_mm: missing measurement",
                   "--option missing_diameter=not_evaluable")
    args = ("--criteria", "irrc", "--out", tmp_path / "o", "--option", "missing_diameter=not_evaluable")
    assert_accepted(cli("assess", tmp_path / "lesions.csv", *args))


def test_validate_criteria_all_says_which_column_irrc_lacks(tmp_path):
    """Issue 4 item 2: `validate FILE --criteria all` on a table without perpendicular_mm names the
    criterion that cannot run (irRC) and the column it lacks, as `assess --criteria all` does."""
    result = cli("validate", _without_perpendicular(tmp_path), "--criteria", "all")
    assert "Traceback" not in result.output
    text = flat(result)
    assert "perpendicular_mm" in text and ("irrc" in text or "irRC" in text), text


def test_validate_lists_the_refusal_of_every_criterion_and_takes_their_options(tmp_path):
    """Issue 4 item 2 with README "validate ... every problem, located": P5's only target, 9 mm at
    baseline, is below the RECIST 1.1 minimum of 10 mm (spec 1.2; irRECIST, iRECIST and imRECIST keep
    the rule) and the table has no perpendicular_mm (irRC): both refusals are listed, the RECIST one once
    for the four criteria. --option on_baseline_violation=warn (spec 1.2: flag instead) leaves irRC's."""
    path = _without_perpendicular(tmp_path)
    table = pd.read_csv(path, dtype={"patient_id": str})
    table.loc[(table["patient_id"] == "P5") & (table["day"] == -7), "long_axis_mm"] = 9
    table.to_csv(path, index=False)
    both = cli("validate", path, "--criteria", "recist11,irrc,irecist")
    text = assert_refused(both, "2 problem(s)", "irRC (Wolchok 2009) needs perpendicular_mm", "10 mm",
                          "column long_axis_mm: patient P5")  # the size at fault, not the role
    assert "(recist11, irecist)" in text
    warn = ("--option", "on_baseline_violation=warn")
    warned = cli("validate", path, "--criteria", "recist11,irrc,irecist", *warn)
    assert_refused(warned, "1 problem(s)", "perpendicular_mm")
    assert_accepted(cli("validate", path, "--criteria", "recist11", "-o", "on_baseline_violation=warn"))


@pytest.mark.parametrize("command", ["assess", "validate"])
def test_unknown_criterion_name_exits_2_listing_every_valid_name(tmp_path, command):
    """Issue 4 items 1 and 5: an unknown `--criteria` name is exit 2 with the valid keys listed."""
    result = cli(command, write(tmp_path, COHORT), "--criteria", "recist11,irecist2")
    text = assert_refused(result, "--criteria", "unknown criterion irecist2")
    for key in [*ANATOMIC, "all"]:
        assert key in text.split("choose from", 1)[1]


def test_a_criterion_named_twice_is_refused(tmp_path):
    """Issue 4 items 3 and 5: one row per patient x criterion x assessment, so naming a criterion twice is
    refused (exit 2, naming it) rather than assessed twice into duplicated rows."""
    result = cli("assess", write(tmp_path, COHORT), "--criteria", "recist11,irecist,recist11", "--out",
                 tmp_path / "out", "--no-patterns")
    assert_refused(result, "--criteria", "recist11 named more than once")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("names", [",", " "])
def test_a_criteria_list_without_any_name_is_refused(tmp_path, names):
    """Issue 4 items 1 and 5: `--criteria` that names no criterion is bad input: exit 2 naming --criteria."""
    assert_refused(cli("assess", write(tmp_path, COHORT), "--criteria", names, "--out", tmp_path / "o"),
                   "--criteria")


def test_timepoints_follow_the_rules_of_each_criterion(assessed):
    """Spec 0.8 and 4.6 on P1 and P2: RECIST 1.1 PD stays PD; the immune criteria leave it unconfirmed
    (P2: not_confirmed at day 56) or reset the iUPD (flag iupd_reset), then respond."""
    timepoints = pd.read_csv(assessed[0] / "timepoints.csv", dtype={"patient_id": str})
    calls = timepoints.groupby(["patient_id", "criterion"])["overall_response"].agg(list)
    assert calls["P1"].to_dict() == {
        "recist11": ["PD", "SD", "PR"], "irrc": ["irSD", "irPR", "irPR"],
        "irrecist": ["irSD", "irSD", "irPR"], "irecist": ["iUPD", "iSD", "iPR"],
        "imrecist": ["SD", "SD", "PR"]}
    assert calls["P2"].to_dict() == {
        "recist11": ["PD", "PR", "PR", "PR"], "irrc": ["irPD", "irPR", "irPR", "irPR"],
        "irrecist": ["irPD", "irPR", "irPR", "irPR"], "irecist": ["iUPD", "iPR", "iPR", "iPR"],
        "imrecist": ["PD", "PR", "PR", "PR"]}
    rows = timepoints.set_index(["patient_id", "criterion", "day"]).sort_index()
    for key in ("irrc", "irrecist", "imrecist"):
        assert rows.loc[("P2", key, 56), "confirmation_state"] == "not_confirmed"
    for patient, day in (("P1", 112), ("P2", 84), ("P3", 112)):
        assert "iupd_reset" in str(rows.loc[(patient, "irecist", day), "flags"]).split(";")
    assert list(rows.loc[("P1", "recist11"), "after_progression"]) == [False, True, True]
    best = pd.read_csv(assessed[0] / "best_response.csv", dtype={"patient_id": str})
    progression = best.set_index(["patient_id", "criterion"])["progression_day"]
    assert progression["P2", "recist11"] == 56 and progression[[("P2", k) for k in ANATOMIC[1:]]].isna().all()


def test_one_row_per_patient_criterion_and_assessment_each_with_its_rule(assessed):
    """Issue 4 item 3: timepoints one row per patient x reader x criterion x follow-up (13 follow-ups x 5),
    best responses one per patient x reader x criterion, every `reason` non-empty and naming its rule."""
    out = assessed[0]
    timepoints = pd.read_csv(out / "timepoints.csv", dtype={"patient_id": str})
    best = pd.read_csv(out / "best_response.csv", dtype={"patient_id": str})
    assert len(timepoints) == 13 * 5
    assert not timepoints.duplicated(["patient_id", "reader", "criterion", "day"]).any()
    assert len(best) == 5 * 5 and not best.duplicated(["patient_id", "reader", "criterion"]).any()
    for table in (timepoints, best):
        for criterion, reason in zip(table["criterion"], table["reason"], strict=True):
            assert isinstance(reason, str) and RULE[criterion] in reason, (criterion, reason)


def _moves(confirmed: bool) -> set[tuple]:
    """Off-diagonal cells vs RECIST 1.1. Unconfirmed: P1, P2 PD -> PR-like, P3 PD -> SD-like (P4's PD ->
    irPD/iCPD and P5's PR -> PR are one category). Confirmed (0.7, confirm_response off): the last-scan PR of
    P1 has no confirming scan, so it counts as SD (1.7), except under irRC (irPR d112 confirmed by d168)."""
    cells = set()
    for key in PR_:
        to_pr, to_sd = ("P2", "P1, P3") if confirmed and key != "irrc" else ("P1, P2", "P3")
        cells |= {(key, "PD", label, names.count(",") + 1, names) for label, names in ((PR_[key], to_pr),
                                                                                      (SD_[key], to_sd))}
    return cells


@pytest.mark.parametrize("confirmed", [False, True])
def test_compare_prints_and_writes_the_wide_table_and_the_reclassified_patients(assessed, confirmed):
    """Issue 4 item 4: `compare OUTDIR` prints the patient x criterion table and, per immune criterion,
    the RECIST 1.1 PD patients now PR or SD, and writes compare_wide.csv and compare_reclassification.csv."""
    out = assessed[0]
    result = cli("compare", out, *(["--confirmed"] if confirmed else []))
    assert_accepted(result)
    wide = pd.read_csv(out / "compare_wide.csv", dtype={"patient_id": str}).set_index("patient_id")
    assert list(wide.columns) == ["reader", *ANATOMIC]
    if not confirmed:
        assert wide[ANATOMIC].to_dict() == BEST.to_dict()
    cells = pd.read_csv(out / "compare_reclassification.csv")
    moves = cells[cells["reclassified"]].drop(columns=["reclassified"])
    assert set(moves.drop(columns=["reference"]).itertuples(index=False, name=None)) == _moves(confirmed)
    text = flat(result)
    for _key, before, after, n, patients in _moves(confirmed):
        assert f"{before} -> {after}: {n} ({patients})" in text


def test_result_compare_counts_every_cell_of_each_matrix_against_recist11(tmp_path):
    """Issue 4 item 4 through the Python API (`load`, `run`, `Result.compare()`): rows RECIST 1.1, columns
    the immune criterion, every patient counted once; `assess` gives the same best responses as load + run."""
    path = write(tmp_path, COHORT)
    result = ioresponse.run(ioresponse.load(path), ANATOMIC, patterns=False)
    comparison = result.compare()
    assert set(comparison.matrices) == {"irrc", "irrecist", "irecist", "imrecist"}
    pd_label = {"irrc": "irPD", "irrecist": "irPD", "irecist": "iCPD", "imrecist": "PD"}
    for key, matrix in comparison.matrices.items():
        assert int(matrix.to_numpy().sum()) == 5
        assert int(matrix.loc["PD", PR_[key]]) == 2 and int(matrix.loc["PD", SD_[key]]) == 1
        assert int(matrix.loc["PD", pd_label[key]]) == 1 and int(matrix.loc["PR", PR_[key]]) == 1
    assert comparison.wide.set_index("patient_id")[ANATOMIC].astype(object).to_dict() == BEST.to_dict()
    again = ioresponse.assess(path, criteria=ANATOMIC)
    pd.testing.assert_frame_equal(again.best_response, result.best_response)


def test_compare_writes_the_count_of_every_matrix_cell(assessed):
    """Issue 4 item 4: the matrices written by `compare` hold the count of every cell, so the written
    counts of each immune criterion add up to the 5 patients."""
    assert_accepted(cli("compare", assessed[0]))
    written = pd.read_csv(assessed[0] / "compare_reclassification.csv")
    assert written.groupby("criterion")["n"].sum().to_dict() == dict.fromkeys(PR_, 5)


def test_compare_on_a_folder_with_one_criterion_or_without_the_reference(tmp_path):
    """Issue 4 item 4: RECIST 1.1 alone gives the wide table and says there is nothing to reclassify (exit
    0, the command's own message); immune criteria without RECIST 1.1 are refused (exit 2) naming those
    present."""
    path = write(tmp_path, COHORT)
    for name, criteria in (("one", "recist11"), ("immune", "irecist,irrc")):
        args = ("--criteria", criteria, "--out", tmp_path / name, "--no-patterns")
        assert_accepted(cli("assess", path, *args))
    alone = cli("compare", tmp_path / "one")
    assert_accepted(alone)
    assert "nothing to reclassify" in flat(alone)
    wide = pd.read_csv(tmp_path / "one" / "compare_wide.csv")
    assert list(wide.columns) == ["patient_id", "reader", "recist11"]
    assert_refused(cli("compare", tmp_path / "immune"), "no recist11 results", "irecist, irrc")


def test_compare_reads_the_newer_run_when_an_older_parquet_file_remains(tmp_path):
    """Issue 4 item 4: `compare` reads the results of the last `assess` into the folder; a CSV-only run
    is not shadowed by the Parquet file an earlier run left there (nothing stale is read silently)."""
    path, out = write(tmp_path, COHORT), tmp_path / "out"
    assert_accepted(cli("assess", path, "--criteria", "recist11", "--out", out, "--no-patterns"))
    assert (out / "best_response.parquet").exists()
    os.utime(out / "best_response.parquet", ns=(1_000_000_000, 1_000_000_000))  # an older run's file
    args = ("--criteria", "recist11,irecist", "--out", out, "--no-patterns", "--format", "csv")
    assert_accepted(cli("assess", path, *args))
    assert_accepted(cli("compare", out))
    wide = pd.read_csv(out / "compare_wide.csv")
    assert list(wide.columns) == ["patient_id", "reader", "recist11", "irecist"]


def test_assess_removes_the_tables_an_earlier_run_left_in_its_folder(tmp_path):
    """Issue 4 item 3: the output folder holds this run's tables only. An earlier run's patterns (this run
    has --no-patterns) and its Parquet files (this run writes CSV) are removed and named, so `explain`
    never shows another run's pattern flags."""
    path, out = write(tmp_path, COHORT), tmp_path / "out"
    assert_accepted(cli("assess", path, "--criteria", "recist11", "--out", out))
    assert (out / "patterns.csv").exists() and (out / "timepoints.parquet").exists()
    again = cli("assess", path, "--criteria", "irecist", "--out", out, "--no-patterns", "--format", "csv")
    assert_accepted(again)
    assert "files of an earlier run" in flat(again) and "patterns.csv" in flat(again)
    assert sorted(p.name for p in out.iterdir()) == ["best_response.csv", "lesions.csv", "timepoints.csv"]


def test_assess_removes_what_other_commands_derived_from_an_earlier_run(tmp_path):
    """README: "Tables an earlier run left in the folder are removed (and named)": a comparison and a
    report built on an earlier run would no longer match the new tables (s15 fresh-clone walk-through)."""
    path, out = write(tmp_path, COHORT), tmp_path / "out"
    assert_accepted(cli("assess", path, "--criteria", "recist11,irecist", "--out", out))
    assert_accepted(cli("compare", out))
    assert_accepted(cli("report", out))
    assert (out / "report.html").exists() and (out / "rates.csv").exists()
    again = cli("assess", path, "--criteria", "recist11", "--out", out)
    assert_accepted(again)
    for name in ("compare_wide.csv", "compare_reclassification.csv", "report.html", "rates.csv"):
        assert not (out / name).exists() and name in flat(again)


@pytest.mark.parametrize("command", ["compare", "explain"])
def test_compare_and_explain_on_a_folder_without_results_exit_2(tmp_path, command):
    """Issue 4 item 5: a folder `assess` did not write (empty, or timepoints only) is exit 2 naming the
    missing table, never a traceback."""
    args, missing = (["P1"], "timepoints") if command == "explain" else ([], "best_response")
    assert_refused(cli(command, tmp_path, *args), str(tmp_path), f"no {missing}.parquet or {missing}.csv")
    columns = ",".join(TIMEPOINT_COLUMNS)  # a whole timepoint table: the best-response table is missing
    write(tmp_path, f"{columns}\n" + ",".join("P1" if c == "patient_id" else "" for c in TIMEPOINT_COLUMNS)
          + "\n", "timepoints.csv")
    assert_refused(cli(command, tmp_path, *args), "no best_response.parquet or best_response.csv")


def test_compare_on_a_best_response_table_without_criterion_column_is_located(tmp_path):
    """Issue 4 item 5: a best_response.csv that is not one `assess` wrote (no `criterion` column) is a
    located refusal naming the file and the column, exit 2."""
    write(tmp_path, "patient_id,best_response\nP1,PD\n", "best_response.csv")
    assert_refused(cli("compare", tmp_path), "best_response", "criterion")


def test_explain_shows_every_criterion_and_refuses_an_unknown_patient(assessed):
    """Issue 4 items 3 and 5: `explain OUTDIR P1` after `--criteria all` shows the call of each criterion
    with its reason (the iRECIST reset of spec 4.6); an unknown patient is exit 2 naming known ones."""
    shown = cli("explain", assessed[0], "P1")
    assert_accepted(shown)
    text = flat(shown)
    assert all(key in text for key in ANATOMIC) and "iUPD reset" in text and "unequivocal new lesion" in text
    assert_refused(cli("explain", assessed[0], "P9"), "no patient P9", "P1")


TU = "USUBJID,TULNKID,TUSTRESC,TULOC\n" + "\n".join(
    ["S1,T1,TARGET,LIVER", "S1,T2,TARGET,LUNG", "S1,NT1,NON-TARGET,BONE", "S1,N1,NEW,LUNG",
     "S1,N2,NEW,LYMPH NODE"]) + "\n"


def _tr() -> str:
    """P1 of COHORT as SDTM TR (TRDY 57 = day 56, spec sdtm mapping: day = DY - 1), plus N2, a new node
    16 x 12 mm on day 56 that is gone by day 112."""
    rows = ["USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDY"]
    sizes = {-7: {"T1": (40, 30), "T2": (30, 20)},
             57: {"T1": (36, 27), "T2": (26, 18), "N1": (8, 6), "N2": (16, 12)},
             113: {"T1": (30, 20), "T2": (20, 12)}, 169: {"T1": (26, 18), "T2": (18, 10)}}
    for day, lesions in sizes.items():
        for lesion, (long_axis, perpendicular) in lesions.items():
            rows += [f"S1,{lesion},LDIAM,{long_axis},{long_axis},mm,{day}",
                     f"S1,{lesion},LPERP,{perpendicular},{perpendicular},mm,{day}"]
        rows.append(f"S1,NT1,TUMSTATE,PRESENT,,,{day}")
        rows += [f"S1,{n},TUMSTATE,ABSENT,,,{day}" for n in ("N1", "N2") if day > 57]
    return "\n".join(rows) + "\n"


def test_sdtm_new_lesions_carry_their_measurements_and_feed_every_criterion(tmp_path):
    """Issue 4 item 2: TU/TR NEW lesions map like `role = new` rows (long axis, perpendicular, node short
    axis) and give P1's calls. N2 (node, short axis 12) changes none: a new lesion for RECIST 1.1 (>= 10 mm),
    non-measurable (< 15 mm) for irRECIST/imRECIST, irRC d56 1488+192 = 1680 (-6.67%) irSD, d112 840 irPR."""
    folder = sdtm_folder(tmp_path, tu=TU, tr=_tr())
    lesions = ioresponse.load(folder).lesions.set_index(["lesion_id", "day"])
    assert lesions.loc[("N1", 56), ["role", "lymph_node", "long_axis_mm", "perpendicular_mm"]].tolist() == [
        "new", False, 8.0, 6.0]
    assert lesions.loc[("N2", 56), ["role", "lymph_node", "short_axis_mm", "organ"]].tolist() == [
        "new", True, 12.0, "lymph node"]
    assert lesions.loc[("N2", 112), "status"] == "absent"
    out = tmp_path / "out"
    assert_accepted(cli("assess", folder, "--criteria", "all", "--out", out, "--no-patterns"))
    assert _best(out).loc["S1", ANATOMIC].tolist() == BEST.loc["P1", ANATOMIC].tolist()


def test_a_new_node_counts_from_10_mm_under_recist_and_never_makes_pd_under_imrecist():
    """Spec 1.5 (a new node is a lesion from short axis 10 mm, else flag new_node_below_10mm) and 5.4-5.5
    (15 mm to enter the sum; new non-measurable lesions never define PD), from a DataFrame. T1 50 -> 45
    -> 44 mm; new node N1 short axis 8 (d56) then 12 (d112): RECIST 1.1 SD, PD (best SD, d56 >= 42);
    iRECIST iSD, iUPD (4.4: the 8 mm node was no lesion); imRECIST/irRECIST SD; irRC 2000 -> 1575+96 =
    1671 (-16.45%) -> 1496+192 = 1688 (+1.02%): irSD."""
    rows = [("Q", -7, "T1", False, 50, None, 40), ("Q", 56, "T1", False, 45, None, 35),
            ("Q", 56, "N1", True, 12, 8, 8), ("Q", 112, "T1", False, 44, None, 34),
            ("Q", 112, "N1", True, 16, 12, 12)]
    table = pd.DataFrame(rows, columns=["patient_id", "day", "lesion_id", "lymph_node", "long_axis_mm",
                                        "short_axis_mm", "perpendicular_mm"])
    table = table.assign(role=table["lesion_id"].map({"T1": "target", "N1": "new"}), status="present",
                         organ=table["lymph_node"].map({False: "liver", True: "lymph node"}))
    result = ioresponse.assess(table, criteria=ANATOMIC)
    calls = result.timepoints.groupby("criterion")["overall_response"].agg(list).to_dict()
    assert calls == {"recist11": ["SD", "PD"], "irrc": ["irSD", "irSD"], "irrecist": ["irSD", "irSD"],
                     "irecist": ["iSD", "iUPD"], "imrecist": ["SD", "SD"]}
    assert "new_node_below_10mm" in str(result.timepoints["flags"].iloc[0])
    best = result.best_response.set_index("criterion")
    assert best.loc["recist11", ["best_response", "progression_day"]].tolist() == ["SD", 112]
    assert best.loc[ANATOMIC[1:], "best_response"].tolist() == ["irSD", "irSD", "iSD", "SD"]


def test_python_dash_m_entry_point_compares_and_refuses_with_real_exit_codes(assessed, tmp_path):
    """Issue 4 items 4 and 5 through `python -m ioresponse`: compare exits 0 printing the reclassified
    patients; an unknown criterion exits 2 on stderr with the valid names, no traceback."""
    env = {**os.environ, "COLUMNS": "250"}
    shown = subprocess.run([sys.executable, "-m", "ioresponse", "compare", str(assessed[0])],
                           capture_output=True, text=True, env=env, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "PD -> iPR: 2 (P1, P2)" in " ".join(shown.stdout.split())
    refused = subprocess.run([sys.executable, "-m", "ioresponse", "assess", str(write(tmp_path, COHORT)),
                              "--criteria", "imrecist,recist1.1", "--out", str(tmp_path / "o")],
                             capture_output=True, text=True, env=env, timeout=120)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "unknown criterion recist1.1" in refused.stderr
    assert "irecist" in refused.stderr.split("choose from")[1]
