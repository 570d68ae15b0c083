"""README.md read top to bottom by a new user: every command-line example and Python block, run as written.

Each test pins one README claim (the sentence is quoted in a comment above it). Paths are adapted only:
outputs go to a temporary folder, ``../shared`` is the shared data folder beside the repository, and
the placeholder files (lesions.csv, sums.csv, pet.csv, ...) are small tables written here. Expected
values come from the README text or are worked out by hand from the inputs, never copied from an
output.
"""

from __future__ import annotations

import inspect
import io
import json
import re
import runpy
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cli import assert_accepted, assert_refused, cli, flat, sdtm_folder, write
from scipy.stats import beta

import ioresponse

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared" / "data"
PHARMAVERSE = SHARED / "pharmaverse_sdtm"
LALEH = SHARED / "laleh2022_atezolizumab" / "laleh2022_tidy.csv"
STS = SHARED / "pet_sts_001"
DRO = SHARED / "ibsi_suv_dro" / "DRO_0_0"

HEADER = "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"

# "lesions.csv" of the README: example R1 of spec/anatomic.md 1.10 for patient P007 (the README's explain
# example). Targets 40 + 20 + node 20 = 80 mm; day 56: 28 + 14 + 12 = 54 mm (-32.50%: PR); day 84:
# 26 + 12 + 11 = 49 mm (nadir, PR); day 140: 34 + 15 + 12 = 61 mm = +12 mm and +24.49% vs 49: PD.
LESIONS = HEADER + """P007,-7,T1,target,liver,false,40,,present
P007,-7,T2,target,lung,false,20,,present
P007,-7,T3,target,mediastinum,true,,20,present
P007,-7,NT1,non_target,bone,false,,,present
P007,56,T1,target,liver,false,28,,present
P007,56,T2,target,lung,false,14,,present
P007,56,T3,target,mediastinum,true,,12,present
P007,56,NT1,non_target,bone,false,,,present
P007,84,T1,target,liver,false,26,,present
P007,84,T2,target,lung,false,12,,present
P007,84,T3,target,mediastinum,true,,11,present
P007,84,NT1,non_target,bone,false,,,present
P007,140,T1,target,liver,false,34,,present
P007,140,T2,target,lung,false,15,,present
P007,140,T3,target,mediastinum,true,,12,present
P007,140,NT1,non_target,bone,false,,,present
"""

# A PET table with every column the README lists. Hottest SULpeak 8.0 -> 5.6 = -30.0% and -2.4 SUL:
# PMR under PERCIST 1.0 (>= 30% and >= 0.8 SUL decrease).
PET_HEADER = ("patient_id,day,lesion_id,role,organ,suvmax,sulpeak,tlg,functional_diameter_mm,status,"
              "uptake_min,liver_sul_mean,liver_sul_sd,cycles_before_scan\n")
PET_TABLE = PET_HEADER + ("P007,-5,L1,target,lung,12.0,8.0,120,30,present,60,2.0,0.25,0\n"
                          "P007,56,L1,target,lung,8.0,5.6,70,25,present,62,2.1,0.25,3\n")

ANATOMIC = {"recist11", "irrc", "irrecist", "irecist", "imrecist"}
METABOLIC = {"eortc", "percist", "pecrit", "percimt", "impercist", "ipercist"}

# One PR at day 56 (40 -> 28 mm, -30%) that is not confirmed: 40 mm on day 112 is +12 mm and +42.86% over
# the nadir 28 (PD). Unconfirmed best response PR; confirmed best response SD (SD since day 56 >= 42).
UNCONFIRMED = HEADER + """P1,-7,T1,target,liver,false,40,,present
P1,56,T1,target,liver,false,28,,present
P1,112,T1,target,liver,false,40,,present
"""


def table(folder, name, **kwargs) -> pd.DataFrame:
    return pd.read_csv(Path(folder) / name, keep_default_na=False, **kwargs)


def numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column], errors="coerce")


def summary_cell(result, criterion: str) -> str:
    """The "patients per best response" cell of ``criterion`` in the summary assess prints."""
    match = re.search(rf"│ {criterion} │ ([^│]*)│", flat(result))
    assert match, flat(result)
    return match.group(1).strip()


def help_options(*command) -> set[str]:
    result = cli(*command, "--help")
    assert_accepted(result)
    options = result.output.split("Options:", 1)[1]
    flags = re.findall(r"^ +(?:-\w, )?(--[a-z-]+)(?: */ *(--[a-z-]+))?", options, flags=re.MULTILINE)
    return {flag for pair in flags for flag in pair if flag} - {"--help"}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The README's placeholder inputs, written once."""
    folder = tmp_path_factory.mktemp("inputs")
    write(folder, LESIONS, "lesions.csv")
    write(folder, PET_TABLE, "pet.csv")
    return folder


@pytest.fixture(scope="module")
def results(data, tmp_path_factory):
    """``ioresponse assess lesions.csv --criteria all --out results/``."""
    out = tmp_path_factory.mktemp("run") / "results"
    assert_accepted(cli("assess", data / "lesions.csv", "--criteria", "all", "--out", out))
    return out


@pytest.fixture(scope="module")
def pharmaverse(tmp_path_factory):
    """The pharmaverse SDTM folder cut to two subjects (one with a partial baseline date and baseline-rule
    breaches, one with RS values "CHECK")."""
    if not PHARMAVERSE.exists():
        pytest.skip("shared pharmaverse data not present")
    folder = tmp_path_factory.mktemp("pharmaverse") / "sdtm_folder"
    folder.mkdir()
    keep = {"01-701-1015", "01-711-1143"}
    for domain in ("tu", "tr", "rs"):
        frame = pd.read_csv(PHARMAVERSE / f"{domain}_onco.csv", dtype=str, keep_default_na=False)
        frame[frame["USUBJID"].isin(keep)].to_csv(folder / f"{domain}_onco.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def pharmaverse_results(pharmaverse, tmp_path_factory):
    out = tmp_path_factory.mktemp("pharmaverse_run") / "results"
    result = cli("assess", pharmaverse, "--criteria", "recist11,irecist", "--out", out,
                 "--option", "min_sd_days=56", "--option", "on_baseline_violation=warn")
    return result, out


# ---------------------------------------------------------------------------------------------------------
# Introduction


def test_every_criterion_the_readme_names_is_a_criterion_key():
    # "anatomic criteria: RECIST 1.1, irRC, irRECIST, iRECIST, imRECIST; metabolic criteria: EORTC 1999,
    # PERCIST 1.0, PECRIT, PERCIMT, imPERCIST, iPERCIST"
    from ioresponse.criteria import registry

    assert set(registry()) == ANATOMIC | METABOLIC


def test_each_call_has_a_reason_naming_the_rule_the_section_and_the_numbers(results):
    # "each call with a `reason` sentence naming the rule, the section of the paper and the numbers, e.g.
    # `target sum 61 mm is +24.49% and +12 mm vs nadir 49 mm (>=20% and >=5 mm): target PD (RECIST 1.1
    # sec. 4.3.1)`"
    timepoints = table(results, "timepoints.csv")
    call = timepoints[(timepoints["criterion"] == "recist11") & (timepoints["day"] == 140)].iloc[0]
    assert call["overall_response"] == "PD"
    assert ("target sum 61 mm is +24.49% and +12 mm vs nadir 49 mm (>=20% and >=5 mm): target PD "
            "(RECIST 1.1 sec. 4.3.1)") in call["reason"]
    assert (timepoints["reason"] != "").all()


# ---------------------------------------------------------------------------------------------------------
# Python


def test_python_block_runs_as_written(tmp_path, monkeypatch):
    # result = ioresponse.assess("examples/lesions.csv", criteria=("recist11", "irecist"),
    #                            confirm_response=True)
    # result.timepoints  # one row per patient x criterion x follow-up: sums, % changes, components, reason
    # result.best_response  # one row per patient x criterion: best_response, best_response_confirmed, days
    # result.compare().wide  # best responses side by side
    # result.to_parquet("out/")
    monkeypatch.chdir(ROOT)
    result = ioresponse.assess("examples/lesions.csv", criteria=("recist11", "irecist"),
                               confirm_response=True)
    timepoints = result.timepoints
    assert len(timepoints) == 2 * (2 + 3 + 2)  # 2 criteria x follow-ups of P01, P02, P03
    for column in ("baseline_sum", "nadir_sum", "current_sum", "pct_change_baseline", "pct_change_nadir",
                   "target_response", "non_target_response", "new_lesion_response", "reason"):
        assert column in timepoints
    best = result.best_response
    assert {"best_response", "best_response_confirmed", "bor_day", "progression_day"} <= set(best)
    wide = result.compare().wide
    # README "examples/lesions.csv": P01 B = 40 + 25 = 65; day 56 28 + 16 = 44 (-32.31%: PR), day 112
    # 26 + 15 = 41 (-36.92%: PR, 56 days later: confirmed). P02 B = 30 + 20 = 50; day 56 38 + 26 = 64
    # (+28.00%, +14 mm) and new lesion U1: PD / iUPD; day 98 (42 days later) 28 + 19 = 47, U1 12 -> 10 mm,
    # no further growth: iUPD reset, iSD; day 140 20 + 13 = 33 (-34.00%), U1 absent: iPR, not confirmed
    # (no later scan), so the confirmed iBOR is iSD. P03 B = 40; day 49 52 (+30.00%, +12 mm): PD / iUPD;
    # day 91 63 = +11 mm vs 52 at iUPD (>= 5 mm): iCPD.
    assert wide[["patient_id", "recist11", "irecist"]].values.tolist() == [
        ["P01", "PR", "iPR"], ["P02", "PD", "iSD"], ["P03", "PD", "iCPD"]]
    written = result.to_parquet(tmp_path / "out")
    names = {path.name for path in written}
    assert {"timepoints.parquet", "best_response.parquet"} <= names
    assert all(path.exists() for path in written)


def test_data_may_be_a_path_of_any_format_or_a_pandas_or_polars_frame(data, tmp_path):
    # "`data` may be a path (CSV, Parquet, Excel, an SDTM folder) or a pandas / polars DataFrame."
    frame = pd.read_csv(data / "lesions.csv")
    frame.to_parquet(tmp_path / "lesions.parquet")
    frame.to_excel(tmp_path / "lesions.xlsx", index=False)
    sdtm = sdtm_folder(tmp_path)  # T01 40 -> 28 mm on day 56: PR
    polars = pytest.importorskip("polars")
    inputs = [data / "lesions.csv", str(tmp_path / "lesions.parquet"), tmp_path / "lesions.xlsx", frame,
              polars.read_csv(data / "lesions.csv"), sdtm]
    for given in inputs:
        best = ioresponse.assess(given).best_response
        assert best["best_response"].tolist() == ["PR"], type(given)


def test_criterion_options_are_keywords_given_to_every_selected_criterion_that_has_them(tmp_path):
    # "Options of the criteria are keyword arguments (`min_sd_days=56`, `on_baseline_violation="warn"`,
    # ...), given to every selected criterion that has them"
    # 40 -> 36 mm on day 49 is SD; it counts for the best response at day >= min_sd_days only.
    path = write(tmp_path, HEADER + "P1,-7,T1,target,liver,false,40,,present\n"
                 "P1,49,T1,target,liver,false,36,,present\n")
    criteria = ("recist11", "irecist", "irrecist", "imrecist")
    default = ioresponse.assess(path, criteria=criteria).best_response
    assert default["best_response"].tolist() == ["SD", "iSD", "irSD", "SD"]  # 49 >= 42 (spec default)
    later = ioresponse.assess(path, criteria=criteria, min_sd_days=56).best_response
    assert not later["best_response"].isin(["SD", "iSD", "irSD"]).any()


def test_assess_is_load_then_run_and_run_reassesses_the_study(data):
    # "`assess` is `load` then `run`: `study = ioresponse.load(data)` gives the validated
    # `ioresponse.Study` (`study.lesions`, `study.excluded`, ...), and `ioresponse.run(study, ["recist11",
    # "irecist"])` assesses it again under other criteria or options without reading the file twice."
    study = ioresponse.load(data / "lesions.csv")
    assert isinstance(study, ioresponse.Study)
    assert len(study.lesions) == 16 and len(study.excluded) == 0
    rerun = ioresponse.run(study, ["recist11", "irecist"])
    direct = ioresponse.assess(data / "lesions.csv", criteria=("recist11", "irecist"))
    pd.testing.assert_frame_equal(rerun.timepoints, direct.timepoints)
    pd.testing.assert_frame_equal(rerun.best_response, direct.best_response)


def test_result_tables_are_long_in_the_order_asked_for_sorted_by_patient_reader_and_day(tmp_path):
    # "The result tables are long tables: the criteria's rows one criterion after the other (in the order
    # asked for), each sorted by patient, reader and day."
    rows = [line for line in LESIONS.splitlines()[1:]]
    other = [line.replace("P007", "P001") for line in rows]
    path = write(tmp_path, HEADER + "\n".join(reversed(rows + other)) + "\n")
    result = ioresponse.assess(path, criteria=("irecist", "recist11"))
    expected = [(c, p, d) for c in ("irecist", "recist11") for p in ("P001", "P007") for d in (56, 84, 140)]
    assert list(zip(result.timepoints["criterion"], result.timepoints["patient_id"],
                    result.timepoints["day"], strict=True)) == expected
    assert result.best_response["criterion"].tolist() == ["irecist", "irecist", "recist11", "recist11"]


def test_text_columns_are_pyarrow_backed_strings_with_empty_values(data):
    # "Their text columns (patient, labels, `reason`) use pandas' pyarrow-backed string dtype (`str`, the
    # default of pandas 3; an empty value is `""`), and so do the text columns of the validated lesion
    # table (`Study.lesions`) ... `==`, `.str`, `.isin` and `.to_numpy()` work as on any string column."
    result = ioresponse.assess(data / "lesions.csv", criteria=("recist11",))
    frames = [(result.timepoints, ("patient_id", "reader", "overall_response", "reason")),
              (result.best_response, ("patient_id", "best_response", "reason")),
              (result.study.lesions, ("patient_id", "lesion_id", "role", "status"))]
    for frame, columns in frames:
        for column in columns:
            dtype = frame[column].dtype
            assert isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow", (column, dtype)
            assert str(dtype) == "str"
    reader = result.timepoints["reader"]
    assert (reader == "").all()  # no reader column in the input: empty text, not NaN
    assert result.timepoints["reason"].str.contains("RECIST 1.1").all()
    assert result.timepoints["overall_response"].isin(["PR", "PD"]).all()
    assert list(result.timepoints["patient_id"].to_numpy()) == ["P007"] * 3


def test_a_study_holding_plain_object_strings_gives_the_same_results(data):
    # "A table given directly to `Study` may hold plain object strings: it gives the same results, after a
    # conversion."
    study = ioresponse.load(data / "lesions.csv")
    lesions = study.lesions.copy()
    for column in lesions:
        if isinstance(lesions[column].dtype, pd.StringDtype):
            lesions[column] = lesions[column].astype(object)
    plain = ioresponse.run(ioresponse.Study(lesions=lesions), ["recist11", "irecist"])
    arrow = ioresponse.run(study, ["recist11", "irecist"])
    pd.testing.assert_frame_equal(plain.timepoints, arrow.timepoints)
    pd.testing.assert_frame_equal(plain.best_response, arrow.best_response)


# ---------------------------------------------------------------------------------------------------------
# Command line: the examples


def test_assess_default_is_recist11_and_writes_both_formats(data, tmp_path):
    # "ioresponse assess lesions.csv --out results/  # RECIST 1.1 (default; PERCIST for a PET table)"
    # "Outputs in `results/`: `timepoints.{csv,parquet}`, `best_response.{csv,parquet}`, `lesions.*` (the
    # validated input), and when present `patterns.*`"
    out = tmp_path / "results"
    assert_accepted(cli("assess", data / "lesions.csv", "--out", out))
    assert set(table(out, "best_response.csv")["criterion"]) == {"recist11"}
    for stem in ("timepoints", "best_response", "lesions", "patterns"):
        assert (out / f"{stem}.csv").exists() and (out / f"{stem}.parquet").exists(), stem


def test_assess_default_for_a_pet_table_is_percist_and_writes_pet_instead_of_lesions(data, tmp_path):
    # "ioresponse assess pet.csv --out results/  # PERCIST 1.0, the default for a PET table"
    # "a PET-only input writes `pet.*` instead of `lesions.*`"
    out = tmp_path / "results"
    assert_accepted(cli("assess", data / "pet.csv", "--out", out))
    best = table(out, "best_response.csv")
    assert best[["criterion", "best_response"]].values.tolist() == [["percist", "PMR"]]
    assert (out / "pet.csv").exists() and (out / "pet.parquet").exists()
    assert not list(out.glob("lesions.*"))


def test_criteria_all_runs_every_criterion_the_columns_allow(results):
    # "ioresponse assess lesions.csv --criteria all --out results/  # every criterion the columns allow"
    # No perpendicular_mm (irRC, README lesion table) and no PET table: the four other anatomic criteria.
    assert set(table(results, "best_response.csv")["criterion"]) == ANATOMIC - {"irrc"}


def test_sdtm_folder_with_options_flags_baseline_breaches_and_does_not_stop(pharmaverse, pharmaverse_results):
    # "ioresponse assess sdtm_folder/ --criteria recist11,irecist --out results/ --option min_sd_days=56
    #  --option on_baseline_violation=warn  # flag baseline-rule breaches, do not stop"
    result, out = pharmaverse_results
    assert_accepted(result)
    assert set(table(out, "best_response.csv")["criterion"]) == {"recist11", "irecist"}
    flags = table(out, "timepoints.csv")["flags"]
    assert flags.str.contains("baseline").any()
    assert "flagged" in flat(result)
    stopped = cli("assess", pharmaverse, "--criteria", "recist11,irecist", "--out", out.parent / "stopped",
                  "--no-patterns")
    assert_refused(stopped, "on_baseline_violation=warn")


def test_option_min_sd_days_reaches_both_criteria_of_the_sdtm_example(tmp_path):
    # "--option min_sd_days=56" in "ioresponse assess sdtm_folder/ --criteria recist11,irecist ..."
    # T01 40 -> 36 mm on TRDY 50 (day 49): SD, which counts for the best response from day 42 (default)
    # but not from day 56.
    tr = ("USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY\n"
          "S1,T01,LDIAM,40,40,mm,2021-03-01,-6\nS1,NT01,TUMSTATE,PRESENT,,,2021-03-01,-6\n"
          "S1,T01,LDIAM,36,36,mm,2021-04-25,50\nS1,NT01,TUMSTATE,PRESENT,,,2021-04-25,50\n")
    folder = sdtm_folder(tmp_path, tr=tr)
    for extra, expect_sd in (((), True), (("--option", "min_sd_days=56"), False)):
        out = tmp_path / f"out{len(extra)}"
        assert_accepted(cli("assess", folder, "--criteria", "recist11,irecist", "--out", out, *extra))
        best = table(out, "best_response.csv")["best_response"]
        assert best.isin(["SD", "iSD"]).all() == expect_sd, best.tolist()


def test_sum_table_with_map_and_exclude_invalid(tmp_path):
    # "ioresponse assess sums.csv --map patient=patient_id --map sld=target_sum_mm --exclude-invalid
    #  --out results/"  and  "`excluded.*` (rows not used, each with its reason)"
    sums = write(tmp_path, "patient,day,sld\nA,-3,50\nA,60,30\nB,-2,40\nB,60,abc\nB,120,60\n", "sums.csv")
    out = tmp_path / "results"
    assert_refused(cli("assess", sums, "--map", "patient=patient_id", "--map", "sld=target_sum_mm",
                       "--out", tmp_path / "stop"), "sums.csv", "row 5", "sld")
    assert_accepted(cli("assess", sums, "--map", "patient=patient_id", "--map", "sld=target_sum_mm",
                        "--exclude-invalid", "--out", out))
    excluded = table(out, "excluded.csv")
    assert excluded[["source_row", "patient_id"]].values.tolist() == [[5, "B"]]
    assert excluded["reason"].iloc[0] != ""
    # A: 50 -> 30 mm is -40%: PR. B: 40 -> 60 mm is +50%, +20 mm: PD.
    best = table(out, "best_response.csv")
    assert best[["patient_id", "best_response"]].values.tolist() == [["A", "PR"], ["B", "PD"]]


def test_validate_lists_every_problem_located_and_exits_2(data, tmp_path):
    # "ioresponse validate lesions.csv  # every problem, located; exit 2 if any"
    assert_accepted(cli("validate", data / "lesions.csv"))
    bad = LESIONS.replace("P007,-7,NT1,non_target", "P007,-7,NT1,nontarget").replace(
        "P007,84,T2,target,lung,false,12", "P007,84,T2,target,lung,maybe,12")
    text = assert_refused(cli("validate", write(tmp_path, bad, "lesions.csv")))
    assert "lesions.csv, row 5, column role" in text
    assert "lesions.csv, row 11, column lymph_node" in text


def test_validate_criteria_all_lists_what_irrc_refuses(tmp_path):
    # "ioresponse validate lesions.csv --criteria all  # and what each criterion refuses (irRC: both
    # diameters)". A nodal target without long axis: irRC multiplies two diameters of every target.
    text = (HEADER.replace("status", "perpendicular_mm,status")
            + "P1,-7,T1,target,liver,false,40,,30,present\nP1,-7,T2,target,mediastinum,true,,20,,present\n"
            + "P1,56,T1,target,liver,false,28,,20,present\nP1,56,T2,target,mediastinum,true,,12,,present\n")
    path = write(tmp_path, text)
    assert_accepted(cli("validate", path))
    refused = assert_refused(cli("validate", path, "--criteria", "all"), "irRC", "long_axis_mm")
    assert "rows 3, 5" in refused


def test_assess_a_workbook_sheet(data, tmp_path):
    # "ioresponse assess readers.xlsx --sheet reader1 --out results/  # a workbook with several sheets"
    frame = pd.read_csv(data / "lesions.csv")
    path = tmp_path / "readers.xlsx"
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, sheet_name="reader1", index=False)
        frame.assign(patient_id="P008").to_excel(writer, sheet_name="reader2", index=False)
    assert_refused(cli("assess", path, "--out", tmp_path / "x"), "--sheet")
    out = tmp_path / "results"
    assert_accepted(cli("assess", path, "--sheet", "reader1", "--out", out))
    assert table(out, "best_response.csv")["patient_id"].tolist() == ["P007"]


def test_explain_prints_one_patients_timeline_with_reasons(results):
    # "ioresponse explain results/ P007  # one patient's timeline with reasons"
    result = cli("explain", results, "P007")
    assert_accepted(result)
    text = flat(result)
    for criterion in ANATOMIC - {"irrc"}:
        assert criterion in text
    assert "target sum 54 mm is -32.50% vs baseline 80 mm" in text  # day 56
    assert "+24.49% and +12 mm vs nadir 49 mm" in text  # day 140


def test_compare_immune_criteria_vs_recist11_prints_and_writes_the_reclassified_patients(tmp_path):
    # "ioresponse compare results/  # immune criteria vs RECIST 1.1"; "`compare` ... prints the wide table
    # and one matrix per criterion with the patients of each reclassified cell, and writes
    # `compare_wide.csv` (patient x criterion) and `compare_reclassification.csv` (every non-empty cell of
    # the matrices: both responses, `reclassified`, `n`, `patients`)."
    # P1: 40 -> 28 mm, PR / iPR. P5: a new lesion on day 56 (PD; iUPD), gone on day 112 with the target at
    # 20 mm (-50%): RECIST best response PD, iRECIST iPR (the iUPD is not confirmed): reclassified.
    text = HEADER + ("P1,-7,T1,target,liver,false,40,,present\nP1,56,T1,target,liver,false,28,,present\n"
                     "P5,-7,T1,target,liver,false,40,,present\nP5,56,T1,target,liver,false,40,,present\n"
                     "P5,56,N1,new,lung,false,12,,present\nP5,112,T1,target,liver,false,20,,present\n"
                     "P5,112,N1,new,lung,false,,,absent\n")
    out = tmp_path / "results"
    assert_accepted(cli("assess", write(tmp_path, text), "--criteria", "recist11,irecist", "--out", out))
    result = cli("compare", out)
    assert_accepted(result)
    assert "PD -> iPR: 1 (P5)" in flat(result)
    wide = table(out, "compare_wide.csv")
    assert wide[["patient_id", "recist11", "irecist"]].values.tolist() == [["P1", "PR", "iPR"],
                                                                             ["P5", "PD", "iPR"]]
    cells = table(out, "compare_reclassification.csv")
    assert {"recist11_response", "response", "reclassified", "n", "patients"} <= set(cells)
    moved = cells[cells["reclassified"].astype(str) == "True"]
    assert moved[["recist11_response", "response", "n", "patients"]].values.tolist() == [
        ["PD", "iPR", 1, "P5"]]
    # "`compare` takes `--reference` (default recist11) and `--confirmed` (compare confirmed best
    # responses)": P1's PR is never confirmed (no later scan), P5's iPR neither.
    assert_accepted(cli("compare", out, "--reference", "irecist"))
    assert "irecist_response" in table(out, "compare_reclassification.csv")
    assert_accepted(cli("compare", out, "--confirmed"))
    assert "PR" not in table(out, "compare_wide.csv")["recist11"].tolist()


def test_version():
    # "ioresponse --version"
    result = cli("--version")
    assert_accepted(result)
    assert ioresponse.__version__ in result.output


# ---------------------------------------------------------------------------------------------------------
# Command line: the options


ASSESS_OPTIONS = {"--out", "--criteria", "--option", "--map", "--exclude-invalid", "--sheet", "--format",
                  "--confirm", "--no-confirm", "--patient-key", "--warn-implausible", "--patients", "--pet",
                  "--no-patterns"}


def test_every_assess_option_is_in_the_readme_and_in_help():
    # "Other options of `assess` (see `ioresponse assess --help`): `--format csv|parquet|both` (default
    # both), `--confirm` / `--no-confirm` ..., `--patient-key` ..., `--warn-implausible` ..., `--patients`,
    # `--pet`, `--no-patterns`." (with --out, --criteria, --option, --map, --exclude-invalid and --sheet
    # of the examples)
    assert help_options("assess") - {"--patterns"} == ASSESS_OPTIONS


def test_validate_takes_the_reading_options_of_assess():
    # "`validate` takes the same reading options, and `--option` with `--criteria`."
    reading = {"--patients", "--pet", "--map", "--patient-key", "--warn-implausible", "--sheet"}
    assert reading | {"--option", "--criteria"} <= help_options("validate")


def test_validate_takes_option_with_criteria(tmp_path):
    # "`validate` takes ... `--option` with `--criteria`." A baseline target of 8 mm breaks the RECIST 1.1
    # measurability rule (>= 10 mm): refused, unless the option asks to warn.
    text = HEADER + ("P1,-7,T1,target,liver,false,40,,present\nP1,-7,T2,target,lung,false,8,,present\n"
                     "P1,56,T1,target,liver,false,28,,present\nP1,56,T2,target,lung,false,8,,present\n")
    path = write(tmp_path, text)
    assert_refused(cli("validate", path, "--criteria", "recist11"), "row 3", "long_axis_mm")
    assert_accepted(cli("validate", path, "--criteria", "recist11", "--option", "on_baseline_violation=warn"))


def test_compare_options_are_the_ones_the_readme_lists():
    # "`compare` takes `--reference` (default recist11) and `--confirmed` / `--unconfirmed`"
    assert help_options("compare") == {"--reference", "--confirmed", "--unconfirmed"}


def test_format_writes_csv_parquet_or_both(data, tmp_path):
    # "`--format csv|parquet|both` (default both)"
    for fmt, suffixes in (("csv", {".csv"}), ("parquet", {".parquet"}), ("both", {".csv", ".parquet"})):
        out = tmp_path / fmt
        assert_accepted(cli("assess", data / "lesions.csv", "--out", out, "--format", fmt))
        assert {path.suffix for path in out.iterdir()} == suffixes


def test_confirm_drives_the_dates(tmp_path):
    # "`--confirm` / `--no-confirm` (confirmed CR/PR drive the response days and the summary; ...)": the
    # unconfirmed PR gives a first response day without --confirm, none with it.
    path = write(tmp_path, UNCONFIRMED)
    for flag, first_response in (("--no-confirm", 56.0), ("--confirm", None)):
        out = tmp_path / flag
        assert_accepted(cli("assess", path, "--out", out, flag))
        best = table(out, "best_response.csv")
        assert best[["best_response", "best_response_confirmed"]].values.tolist() == [["PR", "SD"]]
        day = numeric(best, "first_response_day").iloc[0]
        assert (pd.isna(day) and first_response is None) or day == first_response


def test_confirm_drives_the_summary(tmp_path):
    # "`--confirm` / `--no-confirm` (confirmed CR/PR drive the response days and the summary; default: each
    # criterion's own)". With --confirm the never-confirmed PR is SD (see UNCONFIRMED).
    result = cli("assess", write(tmp_path, UNCONFIRMED), "--out", tmp_path / "out", "--confirm")
    assert_accepted(result)
    assert summary_cell(result, "recist11") == "SD 1"


def test_irrc_own_confirmation_drives_the_summary_by_default(tmp_path):
    # "(confirmed CR/PR drive the response days and the summary; default: each criterion's own)"; irRC
    # confirms responses (report option table: "`best_response_confirmed` for a criterion that confirms
    # responses (irRC)"). Products 40x40 -> 28x28 (-51%: irPR) -> 40x40 (+104% vs nadir: irPD): never
    # confirmed, irSD.
    text = (HEADER.replace("status", "perpendicular_mm,status")
            + "P1,-7,T1,target,liver,false,40,,40,present\nP1,56,T1,target,liver,false,28,,28,present\n"
            + "P1,112,T1,target,liver,false,40,,40,present\n")
    result = cli("assess", write(tmp_path, text), "--criteria", "irrc", "--out", tmp_path / "out")
    assert_accepted(result)
    best = table(tmp_path / "out", "best_response.csv")
    assert best["best_response_confirmed"].tolist() == ["irSD"]
    assert summary_cell(result, "irrc") == "irSD 1"


def test_patient_key_separates_ids_that_repeat_across_studies(tmp_path):
    # "`--patient-key study,patient_id` (ids that repeat across studies, as in the Laleh file)"
    path = write(tmp_path, "study,patient_id,day,target_sum_mm\nS1,7,-3,50\nS1,7,60,30\n"
                           "S2,7,-3,50\nS2,7,60,70\n", "sums.csv")
    assert_refused(cli("assess", path, "--out", tmp_path / "x"), "--patient-key")
    out = tmp_path / "results"
    assert_accepted(cli("assess", path, "--patient-key", "study,patient_id", "--out", out))
    best = table(out, "best_response.csv")
    # S1: 50 -> 30 mm (-40%): PR; S2: 50 -> 70 mm (+40%, +20 mm): PD; two patients.
    assert len(best) == 2 and sorted(best["best_response"]) == ["PD", "PR"]


def test_patients_table_gives_the_treatment_start_of_dated_assessments(tmp_path):
    # "`date` or `day` ... with dates only, `treatment_start` comes from `--patients`"
    text = HEADER.replace(",day,", ",date,") + ("P1,2021-03-01,T1,target,liver,false,40,,present\n"
                                                "P1,2021-05-03,T1,target,liver,false,28,,present\n")
    path = write(tmp_path, text)
    assert_refused(cli("assess", path, "--out", tmp_path / "x"), "treatment_start")
    patients = write(tmp_path, "patient_id,treatment_start\nP1,2021-03-08\n", "patients.csv")
    out = tmp_path / "results"
    assert_accepted(cli("assess", path, "--patients", patients, "--out", out))
    # 2021-03-08 -> 2021-05-03: 24 + 30 + 2 = 56 days.
    timepoints = table(out, "timepoints.csv")
    assert timepoints[["date", "day"]].values.tolist() == [["2021-05-03", 56]]


def test_pet_option_adds_every_metabolic_criterion(data, tmp_path):
    # "ioresponse assess lesions.csv --pet pet.csv --criteria all --out results/"
    out = tmp_path / "results"
    assert_accepted(cli("assess", data / "lesions.csv", "--pet", data / "pet.csv", "--criteria", "all",
                        "--out", out))
    assert set(table(out, "best_response.csv")["criterion"]) == (ANATOMIC - {"irrc"}) | METABOLIC
    assert (out / "lesions.csv").exists() and (out / "pet.csv").exists()


def test_assess_writes_patterns_unless_no_patterns_and_removes_the_earlier_tables(data, tmp_path):
    # "`ioresponse assess` also writes `patterns.*` (skip with `--no-patterns`)"; "Tables an earlier run
    # left in the folder are removed (and named)."
    out = tmp_path / "results"
    assert_accepted(cli("assess", data / "lesions.csv", "--out", out))
    assert (out / "patterns.csv").exists()
    result = cli("assess", data / "lesions.csv", "--out", out, "--no-patterns")
    assert_accepted(result)
    assert not list(out.glob("patterns.*"))
    assert "patterns.csv" in flat(result) and "patterns.parquet" in flat(result)


def test_the_same_input_gives_byte_identical_files(data, tmp_path):
    # "The same input gives byte-identical files."
    for name in ("a", "b"):
        assert_accepted(cli("assess", data / "lesions.csv", "--criteria", "all", "--out", tmp_path / name))
    files = sorted(path.name for path in (tmp_path / "a").iterdir())
    assert files == sorted(path.name for path in (tmp_path / "b").iterdir())
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_bad_input_stops_with_a_located_message_and_exit_2(tmp_path):
    # "Bad input stops with a located message (file, row, column, what was expected) and exit code 2."
    path = write(tmp_path, LESIONS.replace("P007,56,NT1,non_target,bone,false,,,present",
                                           "P007,56,NT1,non_target,bone,false,,,presnt"))
    assert_refused(cli("assess", path, "--out", tmp_path / "out"),
                   "lesions.csv", "row 9", "column status", "present")


def test_rows_count_blank_lines_and_the_header_as_row_1(tmp_path):
    # "Rows are the rows the user sees: CSV lines (blank lines counted, and skipped) or Excel rows, the
    # header being row 1." Header = line 1, blank line 2, baseline line 3, blank line 4, bad line 5.
    text = HEADER + "\nP1,-7,T1,target,liver,false,40,,present\n\nP1,56,T1,target,liver,false,28,,presnt\n"
    assert_refused(cli("validate", write(tmp_path, text)), "row 5", "status")
    frame = pd.read_csv(io.StringIO(HEADER + "P1,-7,T1,target,liver,false,40,,present\n"
                                    "P1,56,T1,target,liver,false,28,,presnt\n"))
    frame.to_excel(tmp_path / "lesions.xlsx", index=False)  # the bad row is Excel row 3
    assert_refused(cli("validate", tmp_path / "lesions.xlsx"), "row 3", "status")


@pytest.mark.parametrize("case", ["latin1", "semicolons", "column_twice"])
def test_csv_files_are_utf8_comma_separated_with_each_column_once(tmp_path, case):
    # "CSV files are UTF-8 and comma-separated; a column is given once."
    good = HEADER + "P1,-7,T1,target,liver,false,40,,present\nP1,56,T1,target,liver,false,28,,present\n"
    text = {"latin1": good.replace("P1", "José").encode("latin-1"),
            "semicolons": good.replace(",", ";"),
            "column_twice": good.replace("long_axis_mm,", "long_axis_mm,long_axis_mm,")
            .replace(",40,", ",40,40,").replace(",28,", ",28,28,")}[case]
    assert_refused(cli("assess", write(tmp_path, text), "--out", tmp_path / "out"), "lesions.csv")


# ---------------------------------------------------------------------------------------------------------
# Sizes that look like centimetres


def test_a_table_of_sizes_all_below_10_with_decimals_is_refused_unless_warn_implausible(tmp_path):
    # "Sizes that look like centimetres are refused (`--warn-implausible` keeps them, with a warning): a
    # table whose sizes are all below 10 with decimals"
    path = write(tmp_path, HEADER + "P1,-7,T1,target,liver,false,4.2,,present\n"
                                    "P1,56,T1,target,liver,false,2.8,,present\n")
    assert_refused(cli("validate", path), "centimetres")
    kept = cli("validate", path, "--warn-implausible")
    assert_accepted(kept)
    assert "warning" in flat(kept) and "centimetres" in flat(kept)


def test_a_patient_whose_baseline_targets_are_all_below_10_with_decimals_is_refused(tmp_path):
    # "a patient whose baseline targets are all below 10 with decimals"
    text = HEADER + ("P1,-7,T1,target,liver,false,42,,present\nP1,56,T1,target,liver,false,28,,present\n"
                     "P2,-7,T1,target,liver,false,4.2,,present\nP2,-7,T2,target,lung,false,3.5,,present\n"
                     "P2,56,T1,target,liver,false,2.8,,present\nP2,56,T2,target,lung,false,3.5,,present\n")
    assert_refused(cli("validate", write(tmp_path, text)), "P2", "centimetres")


@pytest.mark.parametrize(("t1", "t2", "refused"), [("3.3", "2.5", True), ("5.5", "4.5", False),
                                                  ("1.9", "1.4", False)])
def test_a_follow_up_about_a_tenth_of_the_previous_sizes_is_refused(tmp_path, t1, t2, refused):
    # "a follow-up whose sizes are all below 10 with decimals and each about a tenth (1/15 to 2/15) of the
    # lesion's previous size in mm". 3.3/33 = 0.100 and 2.5/24 = 0.104 are within [0.067, 0.133];
    # 5.5/33 = 0.167 is above 2/15 and 1.9/33 = 0.058 below 1/15: a real response in mm.
    text = HEADER + (f"P1,-7,T1,target,liver,false,33,,present\nP1,-7,T2,target,lung,false,24,,present\n"
                     f"P1,56,T1,target,liver,false,{t1},,present\nP1,56,T2,target,lung,false,{t2},,present\n")
    result = cli("validate", write(tmp_path, text))
    if refused:
        assert_refused(result, "rows 4, 5", "centimetres")
    else:
        assert_accepted(result)


def test_a_percent_change_table_is_not_checked_for_centimetres(tmp_path):
    # "(not checked in a % change table)": -90% of a 33 mm baseline is 3.3 mm.
    path = write(tmp_path, "patient_id,day,pct_change,baseline_size_mm\nA,0,0,33\nA,56,-90,33\n", "pct.csv")
    assert_accepted(cli("validate", path))


def test_three_laleh_patients_have_follow_ups_in_centimetres():
    # "In the Laleh 2022 sums three patients have such follow-ups (one reads 37 ... 33, then 3.3 mm)."
    if not LALEH.exists():
        pytest.skip("shared Laleh data not present")
    result = cli("validate", LALEH, "--map", "patient=patient_id", "--map", "value_raw=target_sum_mm",
                 "--patient-key", "study,patient_id")
    text = assert_refused(result)
    patients = set(re.findall(r"sizes of patient (\S+) on day \d+ look like centimetres, while its earlier",
                              text))
    assert len(patients) == 3, patients
    raw = pd.read_csv(LALEH, dtype=str, keep_default_na=False)
    raw["key"] = raw["study"] + ":" + raw["patient"]
    series = {key: raw.loc[raw["key"] == key, "value_raw"].tolist() for key in patients}
    assert any(values[0] == "37" and values[-2:] == ["33", "3.3"] for values in series.values()), series


# ---------------------------------------------------------------------------------------------------------
# Input: the lesion table and the other accepted tables


def test_a_split_lesion_adds_up_with_a_warning_naming_the_rows(tmp_path):
    # "A target or new lesion given on several rows of one assessment is a split lesion: its fragments add
    # up (RECIST 1.1 sec. 4.3.2), and a warning names the rows"
    # 40 mm -> 30 + 20 = 50 mm on day 56: +25%, +10 mm: PD.
    text = HEADER + ("P1,-7,T1,target,liver,false,40,,present\nP1,56,T1,target,liver,false,30,,present\n"
                     "P1,56,T1,target,liver,false,20,,present\n")
    out = tmp_path / "out"
    result = cli("assess", write(tmp_path, text), "--out", out)
    assert_accepted(result)
    assert "rows 3, 4" in flat(result) and "split" in flat(result)
    timepoint = table(out, "timepoints.csv").iloc[0]
    assert (timepoint["current_sum"], timepoint["overall_response"]) == (50.0, "PD")


def test_a_non_target_lesion_has_one_row_per_assessment(tmp_path):
    # "A non-target lesion has one row per assessment."
    text = HEADER + ("P1,-7,T1,target,liver,false,40,,present\nP1,-7,NT1,non_target,bone,false,,,present\n"
                     "P1,56,T1,target,liver,false,30,,present\nP1,56,NT1,non_target,bone,false,,,present\n"
                     "P1,56,NT1,non_target,bone,false,,,absent\n")
    assert_refused(cli("validate", write(tmp_path, text)), "rows 5, 6", "NT1")


def test_sum_only_table_texts_and_a_target_only_reason(tmp_path):
    # "text values `NOT EVALUABLE` and `TOO SMALL TO MEASURE` are read per the spec, an empty sum is not
    # evaluable; without the optional columns every reason says that non-target or new-lesion information
    # was absent (a target-only assessment)". spec/anatomic.md: too small to measure = 5 mm.
    text = "patient_id,day,target_sum_mm\nA,-3,50\nA,60,NOT EVALUABLE\nA,120,TOO SMALL TO MEASURE\nA,180,\n"
    out = tmp_path / "out"
    assert_accepted(cli("assess", write(tmp_path, text, "sums.csv"), "--out", out))
    timepoints = table(out, "timepoints.csv")
    assert timepoints["overall_response"].tolist() == ["NE", "PR", "NE"]  # 5 mm is -90%: PR
    assert numeric(timepoints, "current_sum").iloc[1] == 5.0
    assert timepoints["reason"].str.contains("target-only assessment").all()


def test_sum_only_table_optional_new_lesions_and_non_target_columns(tmp_path):
    # "optional `new_lesions` (true/false on every row) and `non_target` (a status on every row: present,
    # absent, unequivocal_progression, not_evaluable)". A: -4% but a new lesion: PD. B: -5% but unequivocal
    # non-target progression: PD (RECIST 1.1 Table 1).
    text = ("patient_id,day,target_sum_mm,new_lesions,non_target\nA,-3,50,false,present\n"
            "A,60,48,true,present\nB,-2,40,false,present\nB,60,38,false,unequivocal_progression\n")
    out = tmp_path / "out"
    assert_accepted(cli("assess", write(tmp_path, text, "sums.csv"), "--out", out))
    timepoints = table(out, "timepoints.csv")
    assert timepoints["overall_response"].tolist() == ["PD", "PD"]
    assert not timepoints["reason"].str.contains("target-only").any()


def test_pct_change_table_sits_on_a_nominal_100_mm_baseline_and_says_so(tmp_path):
    # "% change from baseline tables ... recognised by their `pct_change` column and rebuilt into target
    # sums (without a baseline size they sit on a nominal 100 mm baseline, so the +5 mm rule compares 5
    # percentage points, and the reasons say so)". -80% then -76%: +20% over the nadir but only +4 points
    # (not PD on 100 mm); with a 200 mm baseline 40 -> 48 mm is +20% and +8 mm: PD.
    nominal = write(tmp_path, "patient_id,day,pct_change\nA,0,0\nA,56,-80\nA,112,-76\n", "pct.csv")
    sized = write(tmp_path, "patient_id,day,pct_change,baseline_size_mm\nA,0,0,200\nA,56,-80,200\n"
                            "A,112,-76,200\n", "pct_sized.csv")
    for path, last in ((nominal, "PR"), (sized, "PD")):
        out = tmp_path / path.stem
        assert_accepted(cli("assess", path, "--out", out))
        timepoints = table(out, "timepoints.csv")
        assert timepoints["overall_response"].tolist()[-1] == last
    nominal_reasons = table(tmp_path / "pct", "timepoints.csv")["reason"]
    assert nominal_reasons.str.contains("100 mm").all()
    assert nominal_reasons.str.contains("percentage point").all()


def test_read_pct_change_takes_times_in_weeks(tmp_path):
    # "for times in weeks put them in `day` and use
    # `ioresponse.io.pct_change.read_pct_change(path, time_unit="weeks")`"
    from ioresponse.io.pct_change import read_pct_change

    path = write(tmp_path, "patient_id,day,pct_change,baseline_size_mm\nA,0,0,50\nA,8,-40,50\n", "pct.csv")
    sums = read_pct_change(path, time_unit="weeks")
    assert sums["day"].tolist() == [0, 56]  # 8 weeks
    assert sums["target_sum_mm"].tolist() == [50.0, 30.0]  # -40% of 50 mm
    assert ioresponse.assess(sums).best_response["best_response"].tolist() == ["PR"]


def test_headers_may_use_another_spelling_of_the_contract_names(tmp_path):
    # "input headers may use another spelling of the contract names (`Patient_ID`, `Long Axis mm`,
    # `Long axis (mm)`: the same letters and digits in any case, with any punctuation between words)"
    for long_axis in ("Long Axis mm", "Long axis (mm)"):
        header = f"Patient_ID,Day,Lesion ID,Role,Organ,Lymph-Node,{long_axis},Short_Axis_MM,STATUS\n"
        path = write(tmp_path, header + "P1,-7,T1,target,liver,false,40,,present\n"
                                        "P1,56,T1,target,liver,false,28,,present\n")
        assert ioresponse.assess(path).best_response["best_response"].tolist() == ["PR"]


def test_sdtm_readers_are_assessed_separately_and_the_adjudicated_read_is_marked(pharmaverse,
                                                                                  pharmaverse_results):
    # "**CDISC SDTM** folders (TU + TR, RS optional; CSV, XPT or Parquet): each evaluator is assessed
    # separately (`reader` column), the adjudicated read is marked from `TRACPTFL` / `RSACPTFL`"
    _, out = pharmaverse_results
    tr = pd.read_csv(pharmaverse / "tr_onco.csv", dtype=str, keep_default_na=False)
    tr["reader"] = tr["TREVALID"].where(tr["TREVALID"] != "", tr["TREVAL"])
    assert tr["reader"].nunique() == 3  # investigator + 2 radiologists (shared/data/README.md)
    best = table(out, "best_response.csv")
    for criterion in ("recist11", "irecist"):
        part = best[best["criterion"] == criterion]
        assert set(zip(part["patient_id"], part["reader"], strict=True)) == set(
            zip(tr["USUBJID"], tr["reader"], strict=True))
    accepted = tr.groupby(["USUBJID", "reader"])["TRACPTFL"].agg(lambda flags: (flags == "Y").any())
    lesions = table(out, "lesions.csv")
    marked = lesions.groupby(["patient_id", "reader"])["accepted"].agg(
        lambda values: (values.astype(str) == "True").any())
    assert marked.to_dict() == accepted.to_dict()
    rs = pd.read_csv(pharmaverse / "rs_onco.csv", dtype=str, keep_default_na=False)
    recorded = table(out, "recorded.csv")
    rs_accepted = rs[(rs["RSTESTCD"] == "OVRLRESP") & (rs["RSACPTFL"] == "Y")]
    assert (recorded["accepted"].astype(str) == "True").sum() == len(rs_accepted)


def test_sdtm_rs_calls_are_compared_with_the_criterion_rscat_names(tmp_path):
    # "each RS overall response (`OVRLRESP`) is compared with the computed call of the criterion its `RSCAT`
    # names ("RECIST 1.1", "iRECIST", "irRC", "PERCIST", ...; empty = RECIST 1.1) in
    # `recorded_vs_computed`, and a value that is not a response ("CHECK") ... stays in `recorded` with a
    # note, not compared". T01 40 -> 28 mm on day 56 (TRDY 57): PR and iPR.
    rs = ("USUBJID,RSTESTCD,RSCAT,RSSTRESC,RSDY\nS1,OVRLRESP,,PR,57\nS1,OVRLRESP,iRECIST,iSD,57\n"
          "S1,OVRLRESP,RECIST 1.1,CHECK,57\n")
    out = tmp_path / "results"
    assert_accepted(cli("assess", sdtm_folder(tmp_path, rs=rs), "--criteria", "recist11,irecist",
                        "--out", out))
    pairs = table(out, "recorded_vs_computed.csv")
    assert sorted(pairs[["criterion", "recorded_response", "computed_response"]].values.tolist()) == [
        ["irecist", "iSD", "iPR"], ["recist11", "PR", "PR"]]
    recorded = table(out, "recorded.csv")
    check = recorded[recorded["source_row"] == 4].iloc[0]
    assert check["recorded_response"] == "" and check["note"] != ""


def test_sdtm_partial_dates_use_the_study_day_or_an_imputation_the_reason_states(tmp_path, pharmaverse,
                                                                                  pharmaverse_results):
    # "partial dates use the study day or a documented imputation that the reason states"
    # pharmaverse: subject 01-701-1015's baseline TRDTC "2014-01" with TRDY 1 (day 0 = the first dose).
    _, out = pharmaverse_results
    lesions = table(out, "lesions.csv")
    baseline = lesions[lesions["patient_id"] == "01-701-1015"]["day"]
    assert baseline.min() == 0
    tr = ("USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY\n"
          "S1,T01,LDIAM,40,40,mm,2021-03-01,-6\nS1,NT01,TUMSTATE,PRESENT,,,2021-03-01,-6\n"
          "S1,T01,LDIAM,28,28,mm,2021-05,\nS1,NT01,TUMSTATE,PRESENT,,,2021-05,\n")
    out = tmp_path / "results"
    assert_accepted(cli("assess", sdtm_folder(tmp_path, tr=tr), "--out", out))
    timepoint = table(out, "timepoints.csv").iloc[0]
    assert timepoint["date"].startswith("2021-05-")
    assert "2021-05 partial" in timepoint["reason"] and "imputed" in timepoint["reason"]


def test_sdtm_split_lesion_fragments_add_up_as_one_lesion(tmp_path):
    # "the fragments of a split lesion (TU records `TUTESTCD = TUSPLIT`, link ids "T01.1", "T01.2") add up
    # as lesion T01". 40 mm -> 30 + 20 = 50 mm: +25%, +10 mm: PD.
    tu = ("USUBJID,TULNKID,TUTESTCD,TUSTRESC,TULOC\nS1,T01,TUMIDENT,TARGET,LIVER\n"
          "S1,NT01,TUMIDENT,NON-TARGET,BONE\nS1,T01.1,TUSPLIT,TARGET,LIVER\nS1,T01.2,TUSPLIT,TARGET,LIVER\n")
    tr = ("USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY\n"
          "S1,T01,LDIAM,40,40,mm,2021-03-01,-6\nS1,NT01,TUMSTATE,PRESENT,,,2021-03-01,-6\n"
          "S1,T01.1,LDIAM,30,30,mm,2021-05-01,57\nS1,T01.2,LDIAM,20,20,mm,2021-05-01,57\n"
          "S1,NT01,TUMSTATE,PRESENT,,,2021-05-01,57\n")
    out = tmp_path / "results"
    assert_accepted(cli("assess", sdtm_folder(tmp_path, tu=tu, tr=tr), "--out", out))
    timepoint = table(out, "timepoints.csv").iloc[0]
    assert (timepoint["current_sum"], timepoint["overall_response"]) == (50.0, "PD")
    assert set(table(out, "lesions.csv")["lesion_id"]) == {"T01", "NT01"}


def test_sdtm_folder_of_parquet_files(tmp_path):
    # "CDISC SDTM folders (TU + TR, RS optional; CSV, XPT or Parquet)"
    csv_folder = sdtm_folder(tmp_path)
    folder = tmp_path / "parquet"
    folder.mkdir()
    for name in ("tu", "tr"):
        pd.read_csv(csv_folder / f"{name}.csv", dtype=str, keep_default_na=False).to_parquet(
            folder / f"{name}.parquet", index=False)
    best = ioresponse.assess(folder).best_response
    assert best["best_response"].tolist() == ["PR"]  # T01 40 -> 28 mm


PATIENT_DATES = {
    "treatment_end": "patient_id,treatment_start,treatment_end\nP007,2021-03-08,2021-03-01\n",
    "new_therapy_start": "patient_id,treatment_start,new_therapy_start\nP007,2021-03-08,2021-03-01\n",
    "treatment_end_day": "patient_id,treatment_end_day\nP007,-3\n",
    "new_therapy_start_day": "patient_id,new_therapy_start_day\nP007,-3\n",
    "os_days": "patient_id,os_days,os_event\nP007,100,1\n",  # died on day 100, assessed on day 140
}


@pytest.mark.parametrize("column", [*PATIENT_DATES, "os_days_alive"])
def test_validate_assess_and_report_refuse_impossible_patient_dates(data, results, tmp_path, column):
    # "`validate`, `assess` and `report` refuse impossible dates in it: `treatment_end` or
    # `new_therapy_start` before `treatment_start` (or their `_day` below 0), and `os_days` (death, or alive
    # at last contact) before the patient's last assessment"
    text = PATIENT_DATES.get(column, "patient_id,os_days,os_event\nP007,100,0\n")
    patients = write(tmp_path, text, "patients.csv")
    name = column.replace("_alive", "")
    assert_refused(cli("validate", data / "lesions.csv", "--patients", patients), "patients.csv", name)
    assert_refused(cli("assess", data / "lesions.csv", "--patients", patients, "--out", tmp_path / "o"),
                   "patients.csv", name)
    folder = shutil.copytree(results, tmp_path / "results")
    assert_refused(cli("report", folder, "--patients", patients), "patients.csv", name)


# ---------------------------------------------------------------------------------------------------------
# PET quantification


def test_pet_suv_prints_units_decay_times_dose_factor_and_suv_range():
    # "ioresponse pet suv PET_DIR [--json]  # units, decay mode, times, dose, factor, SUV range"
    # "Checked against the IBSI-SUV reference objects": DRO_0_0 hot sphere SUV 4.00 (DRO_list.csv).
    if not DRO.exists():
        pytest.skip("shared IBSI-SUV data not present")
    table_output = cli("pet", "suv", DRO / "PT")
    assert_accepted(table_output)
    result = cli("pet", "suv", DRO / "PT", "--json")
    assert_accepted(result)
    values = suv_json(result)
    assert values["units_in"] == "BQML" and values["decay_correction"] == "START"
    for key in ("injection_datetime", "reference_datetime", "injected_bq", "factors", "suv_min", "suv_max"):
        assert values[key] not in (None, "", []), key
    assert values["suv_max"] == pytest.approx(4.00, rel=1e-3)


def suv_json(result) -> dict:
    """The JSON object ``pet suv --json`` prints (warnings, if any, go around it)."""
    text = result.output
    return json.loads(text[text.index("{"):text.rindex("}") + 1])


@pytest.mark.parametrize(("name", "units", "decay"), [
    ("DRO_2_0", "GML", "START"), ("DRO_2_4", "CNTS", "START"), ("DRO_3_1", "BQML", "ADMIN"),
    ("DRO_3_4", "BQML", "NONE")])
def test_suv_from_bqml_decay_modes_philips_cnts_and_gml(name, units, decay):
    # "SUV from BQML (decay START/ADMIN/NONE, vendor time rules, midnight rule), Philips CNTS, GML/CM2ML";
    # "Checked against the IBSI-SUV reference objects": hot sphere SUVmax 4.00 (DRO_list.csv).
    folder = DRO.parent / name / "PT"
    if not folder.exists():
        pytest.skip("shared IBSI-SUV data not present")
    result = cli("pet", "suv", folder, "--json")
    assert_accepted(result)
    values = suv_json(result)
    assert (values["units_in"], values["decay_correction"]) == (units, decay)
    assert values["suv_max"] == pytest.approx(4.00, rel=1e-3)


def test_sul_uses_janmahasatian_by_default_or_james(sts_suv):
    # "SUL with Janmahasatian (default) or James-128 lean body mass, SUVbsa, SUVibw."
    assert {"--normalization", "--lbm-formula"} <= help_options("pet", "suv")
    help_text = flat(cli("pet", "suv", "--help"))
    assert "auto|bw|lbm|bsa|ibw" in help_text and "janmahasatian|james" in help_text
    values = suv_json(cli("pet", "suv", STS / "pet", "--json", "--normalization", "lbm"))
    assert (values["normalization"], values["lbm_formula"]) == ("lbm", "janmahasatian")
    james = suv_json(cli("pet", "suv", STS / "pet", "--json", "--normalization", "lbm",
                         "--lbm-formula", "james"))
    assert james["lbm_formula"] == "james" and james["factors"] != values["factors"]


PET_COLUMNS = ["patient_id", "date", "lesion_id", "suvmax", "suvmean", "sulpeak", "sulmean", "mtv_ml", "tlg",
               "functional_diameter_mm", "liver_sul_mean", "liver_sul_sd", "uptake_min", "normalization",
               "peak_method"]


def test_pet_quantify_writes_the_lesion_table_columns(tmp_path):
    # "ioresponse pet quantify PET_DIR --labels RTSTRUCT|SEG|labels.nii.gz --out lesions.csv [--liver X,Y,Z]
    # [--blood-pool X,Y,Z] [--peak percist|ibsi-local|ibsi-global]"; "Output columns: patient_id, date,
    # lesion_id, suvmax, ..., normalization, peak_method"; "SULpeak: PERCIST 1 ml sphere ... (default)";
    # "MTV/TLG: 41 % of SUVmax (default ...)"
    if not STS.exists():
        pytest.skip("shared STS_001 data not present")
    out = tmp_path / "lesions.csv"
    rtstruct = STS / "rtstruct" / "1-1.dcm"
    assert_accepted(cli("pet", "quantify", STS / "pet", "--labels", rtstruct, "--out", out))
    lesions = pd.read_csv(out)
    assert list(lesions.columns[:len(PET_COLUMNS)]) == PET_COLUMNS
    assert set(lesions["lesion_id"]) == {"GTV_Mass", "GTV_Edema"}  # the RTSTRUCT's ROIs
    assert (lesions["peak_method"] == "percist").all()
    assert lesions["threshold"].to_numpy() == pytest.approx(0.41 * lesions["suvmax"].to_numpy())
    assert lesions["liver_sul_mean"].isna().all()
    liver = tmp_path / "liver.csv"
    assert_accepted(cli("pet", "quantify", STS / "pet", "--labels", rtstruct, "--out", liver,
                        "--liver", "2,0,-450", "--blood-pool", "2,0,-400", "--peak", "ibsi-local"))
    lesions = pd.read_csv(liver)
    assert lesions["liver_sul_mean"].notna().all() and lesions["liver_sul_sd"].notna().all()
    assert lesions["blood_pool_sul_mean"].notna().all()
    assert (lesions["peak_method"] == "ibsi-local").all()


@pytest.fixture(scope="module")
def sts_suv():
    if not STS.exists():
        pytest.skip("shared STS_001 data not present")
    from ioresponse.pet import read_labels, read_suv

    pet = read_suv(str(STS / "pet"))
    return pet, read_labels(str(STS / "rtstruct" / "1-1.dcm"), pet)


def test_pet_python_api_names(sts_suv):
    # pet = read_suv("pet_dir")   # .values (z, y, x) in SUV, .spacing_mm, .origin, .direction, .provenance
    # lesions = quantify(pet, read_labels("rtstruct.dcm", pet), liver_centre=(x, y, z))  # LPS mm
    import pydicom

    from ioresponse.pet import quantify

    pet, labels = sts_suv
    first = pydicom.dcmread(next((STS / "pet").glob("*.dcm")), stop_before_pixels=True)
    # z first: 267 slices (shared/data/README.md) of Rows x Columns
    assert pet.values.shape == (267, first.Rows, first.Columns)
    assert len(pet.spacing_mm) == 3 and len(pet.origin) == 3
    assert np.asarray(pet.direction).size == 9
    assert pet.provenance
    lesions = quantify(pet, labels, liver_centre=(2.0, 0.0, -450.0))
    assert set(lesions["lesion_id"]) == {"GTV_Mass", "GTV_Edema"}
    assert lesions["liver_sul_mean"].notna().all()


def test_radiomics_features_on_the_suv_image(sts_suv):
    # "Radiomics: `pip install 'ioresponse[radiomics]'` (`ioresponse.pet.radiomics.radiomics_features`,
    # pyradiomics on the SUV image)": the first-order maximum is the lesion's SUVmax.
    pytest.importorskip("radiomics")
    from ioresponse.pet import quantify
    from ioresponse.pet.radiomics import radiomics_features

    pet, labels = sts_suv
    features = radiomics_features(pet, labels, feature_classes={"firstorder": ["Maximum"]})
    suvmax = quantify(pet, labels).set_index("lesion_id")["suvmax"]
    for row in features.itertuples():
        assert row.original_firstorder_Maximum == pytest.approx(suvmax[row.lesion_id], rel=1e-6)


@pytest.mark.parametrize(("tag", "edit"), [("(0054,1001) Units:", ("Units", "PROPCPS")),
                                           ("(0028,0051) CorrectedImage:", ("CorrectedImage", ["DECY"]))])
def test_pet_refusals_name_the_tag(tmp_path, tag, edit):
    # "Refusals name the tag: `(0054,1001) Units: ...`, `(0028,0051) CorrectedImage: ...` (not attenuation
    # corrected)."
    if not DRO.exists():
        pytest.skip("shared IBSI-SUV data not present")
    import pydicom

    folder = tmp_path / "PT"
    folder.mkdir()
    for path in sorted((DRO / "PT").glob("*.dcm")):
        dataset = pydicom.dcmread(path)
        setattr(dataset, *edit)
        dataset.save_as(folder / path.name)
    assert_refused(cli("pet", "suv", folder), tag)


# ---------------------------------------------------------------------------------------------------------
# Metabolic criteria


def test_metabolic_criteria_write_the_columns_of_the_anatomic_ones(data, tmp_path):
    # "Six criteria write the same `overall_response`, `best_response`, `best_response_confirmed` and
    # `reason` columns as the anatomic ones"
    out = tmp_path / "results"
    assert_accepted(cli("assess", data / "lesions.csv", "--pet", data / "pet.csv", "--criteria", "all",
                        "--out", out))
    timepoints, best = table(out, "timepoints.csv"), table(out, "best_response.csv")
    for criterion in METABOLIC:
        rows = timepoints[timepoints["criterion"] == criterion]
        assert len(rows) and (rows["overall_response"] != "").all() and (rows["reason"] != "").all()
        row = best[best["criterion"] == criterion].iloc[0]
        assert row["best_response"] != "" and row["best_response_confirmed"] != "" and row["reason"] != ""


def test_pet_table_with_percist_and_ipercist(data, tmp_path):
    # "ioresponse assess pet.csv --criteria percist,ipercist --out results/"
    out = tmp_path / "results"
    assert_accepted(cli("assess", data / "pet.csv", "--criteria", "percist,ipercist", "--out", out))
    best = table(out, "best_response.csv")
    assert best["criterion"].tolist() == ["percist", "ipercist"]
    assert best["best_response"].tolist()[0] == "PMR"


def test_pecrit_takes_recist_from_recist_response_or_from_the_anatomic_table(data, tmp_path):
    # "PECRIT takes RECIST 1.1 from `recist_response` or from the anatomic table."
    assert_refused(cli("assess", data / "pet.csv", "--criteria", "pecrit", "--out", tmp_path / "x"),
                   "recist_response")
    with_column = PET_TABLE.replace("cycles_before_scan\n", "cycles_before_scan,recist_response\n", 1)
    with_column = with_column.replace(",0\n", ",0,\n").replace(",3\n", ",3,PD\n")
    out = tmp_path / "column"
    path = write(tmp_path, with_column, "pet.csv")
    assert_accepted(cli("assess", path, "--criteria", "pecrit", "--out", out))
    assert "RECIST 1.1 PD" in table(out, "timepoints.csv")["reason"].iloc[0]
    out = tmp_path / "anatomic"
    assert_accepted(cli("assess", data / "lesions.csv", "--pet", data / "pet.csv", "--criteria", "pecrit",
                        "--out", out))
    assert "RECIST 1.1 PR" in table(out, "timepoints.csv")["reason"].iloc[0]  # P007 day 56: PR


def test_every_spec_ambiguity_is_an_option_percist_pmd_inclusive(tmp_path):
    # "Every spec ambiguity is an option with the spec default, e.g. `--option percist_pmd_inclusive=true`."
    # SULpeak 8.0 -> 10.4 is exactly +30% and +2.4 SUL: PMD only when the boundary is inclusive.
    path = write(tmp_path, PET_TABLE.replace("8.0,5.6,70", "8.0,10.4,70"), "pet.csv")
    calls = []
    for extra in ((), ("--option", "percist_pmd_inclusive=true")):
        out = tmp_path / f"out{len(extra)}"
        assert_accepted(cli("assess", path, "--out", out, *extra))
        calls.append(table(out, "timepoints.csv")["overall_response"].iloc[0])
    assert calls[1] == "PMD" and calls[0] != "PMD"


def test_pet_study_example_runs_every_metabolic_criterion(tmp_path, monkeypatch, capsys):
    # "python examples/pet_study.py out/pet  # DICOM study -> ioresponse.pet -> every metabolic criterion"
    out = tmp_path / "out" / "pet"
    monkeypatch.setattr(sys, "argv", ["examples/pet_study.py", str(out)])
    runpy.run_path(str(ROOT / "examples" / "pet_study.py"), run_name="__main__")
    assert set(table(out, "best_response.csv")["criterion"]) == METABOLIC
    assert list((out / "dicom").iterdir())
    # "ioresponse assess out/pet/pet_lesions.csv --patients out/pet/patients.csv --criteria all --out ..."
    results = tmp_path / "results"
    assert_accepted(cli("assess", out / "pet_lesions.csv", "--patients", out / "patients.csv", "--criteria",
                        "all", "--out", results))
    assert set(table(results, "best_response.csv")["criterion"]) == METABOLIC


# ---------------------------------------------------------------------------------------------------------
# Atypical patterns, irAE look-alikes and biomarkers


def test_patterns_rows_have_the_readme_columns_and_flags(results):
    # "One row per patient x definition (x episode): `pattern, definition, episode, date, day, flag (true /
    # false / not_evaluable), values, evidence, reason`."
    patterns = table(results, "patterns.csv")
    columns = ["pattern", "definition", "episode", "date", "day", "flag", "values", "evidence", "reason"]
    assert all(column in patterns for column in columns)
    assert set(patterns["flag"]) <= {"true", "false", "not_evaluable"}


def test_patterns_command_runs_them_alone_with_definitions_on_request(data, tmp_path):
    # "`ioresponse patterns INPUT --out DIR` runs them alone with more inputs (`--patients`, `--events`,
    # `--visits`, `--findings`, `--samples`)"; "(the others on request, `--definitions
    # pseudoprogression.imrecist,...`)"; "Kim 2019 on request (`--definitions hpd.kim2019`)"
    assert {"--out", "--patients", "--events", "--visits", "--findings", "--samples",
            "--definitions"} <= help_options("patterns")
    out = tmp_path / "DIR"
    assert_accepted(cli("patterns", data / "lesions.csv", "--out", out,
                        "--definitions", "hpd.kim2019,pseudoprogression.imrecist"))
    assert set(table(out, "patterns.csv")["definition"]) == {"hpd.kim2019", "pseudoprogression.imrecist"}


def test_pattern_definitions_by_default_and_on_request():
    # "Pseudoprogression: iRECIST (default), Hodi 2016 irRC, RECIST PD then non-PD, imRECIST, PERCIST (the
    # others on request ...)"; "Hyperprogression, every definition reported separately: Champiat,
    # Kanjanapan, Petrioli (TGR ratio), Saada-Bouzid (TGK ratio), Kato, Ferrara, Lo Russo, Matos, Kas, and
    # Kim 2019 on request"; "Dissociated response, oligoprogression, durable response (OPTiM,
    # Pons-Tostivint, off treatment)."
    from ioresponse.patterns import registry

    definitions = registry().values()
    pseudo = {d.source.split(",")[0].split(" ")[0]: d.default for d in definitions
              if d.pattern == "pseudoprogression"}
    assert pseudo == {"iRECIST": True, "Hodi": False, "RECIST": False, "imRECIST": False, "Humbert": False}
    hpd = {d.source.split(" ")[0]: d.default for d in definitions if d.pattern == "hyperprogression"}
    assert hpd == {"Champiat": True, "Kanjanapan": True, "Petrioli": True, "Saada-Bouzid": True, "Kato": True,
                   "Ferrara": True, "Lo": True, "Matos": True, "Kas": True, "Kim": False}
    patterns = {d.pattern for d in definitions}
    assert {"dissociated", "oligoprogression", "durable_response"} <= patterns
    durable = " ".join(d.source for d in definitions if d.pattern == "durable_response")
    assert "OPTiM" in durable and "Pons-Tostivint" in durable


def test_assess_reports_every_default_hyperprogression_definition_separately(results):
    # "Hyperprogression, every definition reported separately: Champiat, Kanjanapan, Petrioli, Saada-Bouzid,
    # Kato, Ferrara, Lo Russo, Matos, Kas, and Kim 2019 on request"
    patterns = table(results, "patterns.csv")
    hpd = patterns[patterns["pattern"] == "hyperprogression"]
    names = {"champiat", "kanjanapan", "petrioli", "saada_bouzid", "kato", "ferrara", "lo_russo", "matos",
             "kas"}
    assert {d.split(".")[1].rstrip("0123456789") for d in hpd["definition"]} == names
    assert hpd.groupby("definition").size().eq(1).all()  # one row each for the one patient


@pytest.mark.parametrize(("first", "timing"), [(84, "early"), (98, "late")])
def test_pseudoprogression_is_early_up_to_day_84_else_late(tmp_path, first, timing):
    # "early (first progression on or before day 84) or late". A new lesion (iUPD) gone 56 days later with
    # the target at -50% (iPR): pseudoprogression under iRECIST.
    later = first + 56
    text = HEADER + ("P5,-7,T1,target,liver,false,40,,present\n"
                     f"P5,{first},T1,target,liver,false,40,,present\nP5,{first},N1,new,lung,false,12,,present\n"
                     f"P5,{later},T1,target,liver,false,20,,present\nP5,{later},N1,new,lung,false,,,absent\n")
    out = tmp_path / "DIR"
    assert_accepted(cli("patterns", write(tmp_path, text), "--out", out))
    patterns = table(out, "patterns.csv")
    row = patterns[patterns["definition"] == "pseudoprogression.irecist"].iloc[0]
    assert row["flag"] == "true"
    assert json.loads(row["values"])["timing"] == timing


def test_hyperprogression_reference_is_the_latest_prebaseline_scan_and_never_imputed(tmp_path):
    # "The reference scan is the latest pre-baseline assessment (or `prebaseline_date` +
    # `prebaseline_sum_mm` in the patient table); without one the kinetics are "not evaluable" with the
    # reason, never imputed."
    scans = HEADER + "P1,-7,T1,target,liver,false,40,,present\nP1,56,T1,target,liver,false,80,,present\n"
    before = HEADER + "P1,-60,T1,target,liver,false,38,,present\n" + scans[len(HEADER):]
    dated = HEADER.replace(",day,", ",date,") + ("P1,2021-03-01,T1,target,liver,false,40,,present\n"
                                                 "P1,2021-05-03,T1,target,liver,false,80,,present\n")
    patients = write(tmp_path, "patient_id,treatment_start,prebaseline_date,prebaseline_sum_mm\n"
                               "P1,2021-03-08,2021-01-07,38\n", "patients.csv")  # 2021-01-07 = day -60
    runs = {"none": (write(tmp_path, scans, "none.csv"),), "scan": (write(tmp_path, before, "scan.csv"),),
            "table": (write(tmp_path, dated, "dated.csv"), "--patients", patients)}
    rows = {}
    for name, args in runs.items():
        assert_accepted(cli("patterns", args[0], "--out", tmp_path / name, *args[1:]))
        patterns = table(tmp_path / name, "patterns.csv")
        rows[name] = patterns[patterns["definition"] == "hpd.petrioli2020"].iloc[0]
    assert rows["none"]["flag"] == "not_evaluable" and "prebaseline" in rows["none"]["reason"]
    for name in ("scan", "table"):
        values = json.loads(rows[name]["values"])
        assert (values["S_pre"], values["t_pre"]) == (38.0, -60), name
        assert rows[name]["flag"] != "not_evaluable"


def test_a_pattern_never_changes_a_response_and_an_irae_flag_is_mentioned_in_the_reason(tmp_path):
    # "A pattern never changes a response; an irAE look-alike flag is mentioned in the timepoint's
    # `reason`." A new pituitary lesion: PD, and the hypophysitis look-alike (irae_rules.csv IRAE-HYPO).
    text = HEADER + ("P1,-7,T1,target,liver,false,40,,present\nP1,56,T1,target,liver,false,28,,present\n"
                     "P1,56,N1,new,pituitary,false,12,,present\n")
    path = write(tmp_path, text)
    assert_accepted(cli("assess", path, "--out", tmp_path / "with"))
    assert_accepted(cli("assess", path, "--out", tmp_path / "without", "--no-patterns"))
    with_patterns = table(tmp_path / "with", "timepoints.csv")
    without = table(tmp_path / "without", "timepoints.csv")
    assert with_patterns["overall_response"].tolist() == without["overall_response"].tolist() == ["PD"]
    assert "IRAE-HYPO" in with_patterns["reason"].iloc[0]


def test_a_pet_study_alone_is_screened_for_irae_look_alikes(tmp_path):
    # "The irAE rules read the new lesions of a CT or a PET table ..., so a PET study alone is screened
    # too."
    text = PET_TABLE + "P007,56,N1,new,pituitary,6.0,4.0,10,12,present,62,2.1,0.25,3\n"
    out = tmp_path / "results"
    assert_accepted(cli("assess", write(tmp_path, text, "pet.csv"), "--out", out))
    patterns = table(out, "patterns.csv")
    irae = patterns[patterns["pattern"].str.contains("irae")]
    assert "IRAE-HYPO" in set(irae["definition"]) and (irae["flag"].astype(str).str.lower() == "true").all()
    assert "IRAE-HYPO" in table(out, "timepoints.csv")["reason"].iloc[0]


def test_irae_and_biomarker_rules_are_data_files_and_biomarker_lines_are_written(data, tmp_path):
    # "irAE look-alike flags from `ioresponse/data/irae_rules.csv` ..., biomarker label lines (PD-L1
    # TPS/CPS/IC, MSI-H/dMMR, TMB) from `ioresponse/data/biomarker_rules.csv`: both are data files a user
    # can extend."
    package = Path(inspect.getfile(ioresponse)).parent
    rules = pd.read_csv(package / "data" / "biomarker_rules.csv")
    assert {"PD-L1 TPS", "PD-L1 CPS", "PD-L1 IC", "MSI-H/dMMR", "TMB"} <= set(rules["biomarker"])
    assert (package / "data" / "irae_rules.csv").exists()
    patients = write(tmp_path, "patient_id,tumor_type,pdl1_tps\nP007,nsclc,60\n", "patients.csv")
    out = tmp_path / "DIR"
    assert_accepted(cli("patterns", data / "lesions.csv", "--patients", patients, "--out", out))
    lines = table(out, "biomarkers.csv")
    assert "PD-L1 TPS" in set(lines["biomarker"])


# ---------------------------------------------------------------------------------------------------------
# Cohort analysis, report and export

# Five patients with both diameters (irRC runs too):
# P1: 40x40 -> 28x28 (day 56, PR, irPR) -> 26x26 (day 112, PR confirmed 56 days later).
# P2: 30 mm stable, a new brain lesion on day 112: RECIST SD then PD (day 112); irRC 900 + 144 = 1044 mm2
#     (+16%, < 25%): irSD.
# P3: baseline only (no follow-up). P4: non-target disease only (not measurable).
# P6: PR on day 56 (-30%), 40 mm on day 112 (+43% vs nadir 28): PD; PR never confirmed.
REPORT_LESIONS = HEADER.replace("status", "perpendicular_mm,status") + """\
P1,-7,T1,target,liver,false,40,,40,present
P1,56,T1,target,liver,false,28,,28,present
P1,112,T1,target,liver,false,26,,26,present
P2,-5,T1,target,lung,false,30,,30,present
P2,56,T1,target,lung,false,30,,30,present
P2,112,T1,target,lung,false,30,,30,present
P2,112,N1,new,brain,false,12,,12,present
P3,-3,T1,target,liver,false,50,,50,present
P4,-4,NT1,non_target,bone,false,,,,present
P4,56,NT1,non_target,bone,false,,,,present
P6,-7,T1,target,liver,false,40,,40,present
P6,56,T1,target,liver,false,28,,28,present
P6,112,T1,target,liver,false,40,,40,present
"""
# Last dose: P2 day 181 (69 days after its PD), P6 day 120 (8 days after). P2 starts a new therapy on day 80.
# P3 dies on day 200 (no progression before). mtv 10..50: cohort median 30.
REPORT_PATIENTS = """patient_id,treatment_end_day,new_therapy_start_day,os_days,os_event,mtv
P1,300,,400,0,10
P2,181,80,300,1,20
P3,30,,200,1,30
P4,90,,250,0,40
P6,120,,260,0,50
"""


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort")
    out = folder / "results"
    assert_accepted(cli("assess", write(folder, REPORT_LESIONS), "--criteria", "recist11,irrc", "--out", out))
    write(folder, REPORT_PATIENTS, "patients.csv")
    return folder


def report(cohort, tmp_path, *args, patients=True):
    """``ioresponse report results/ [--patients patients.csv] [options]`` on a copy of the cohort results."""
    folder = shutil.copytree(cohort / "results", tmp_path / "results")
    extra = ("--patients", cohort / "patients.csv") if patients else ()
    assert_accepted(cli("report", folder, *extra, *args))
    return folder


def by_criterion(folder, name):
    return table(folder, name).set_index("criterion")


def clopper_pearson(x, n):
    low = 0.0 if x == 0 else beta.ppf(0.025, x, n - x + 1)
    high = 1.0 if x == n else beta.ppf(0.975, x + 1, n - x)
    return low, high


def test_report_writes_report_html_and_the_endpoint_tables(cohort, tmp_path):
    # "ioresponse report results/ [--patients patients.csv] [options below]  # report.html and the endpoint
    # tables"; "`tbp.csv`, when the patient table gives the last dose"
    without = report(cohort, tmp_path / "a", patients=False)
    endpoint_tables = ["rates.csv", "response_counts.csv", "pfs.csv", "pfs_landmarks.csv",
                       "duration_of_response.csv", "progression_moves.csv"]
    for name in ["report.html", *endpoint_tables]:
        assert (without / name).exists(), name
    assert not (without / "tbp.csv").exists()
    assert (report(cohort, tmp_path / "b") / "tbp.csv").exists()


def test_rates_name_their_denominator_with_exact_clopper_pearson_intervals(cohort, tmp_path):
    # "`rates.csv`: ORR and DCR per criterion ... with exact Clopper-Pearson 95 % CIs; each row names its
    # denominator: `population`, `n`, `excluded` (not measurable at baseline, read from the `baseline_sum`
    # ... of `best_response.*`, which every criterion writes, for a patient without follow-up too) and
    # `not_checked` (only for a best-response table without `baseline_sum` ...), and the best-response
    # column read (`response_column`). `response_counts.csv`: patients of the denominator per best
    # response."
    rates = by_criterion(report(cohort, tmp_path, patients=False), "rates.csv")
    recist = rates.loc["recist11"]
    # n: P1, P2, P3, P6 (P4 excluded); P3 (baseline only) checked from its baseline sum 50 mm > 0;
    # responders P1, P6; disease control P1, P2, P6.
    assert (recist["population"], recist["n"], recist["excluded"], recist["not_checked"]) == (
        "measurable_at_baseline", 4, 1, 0)
    assert (recist["response_column"], recist["responders"], recist["disease_control"]) == (
        "best_response", 2, 3)
    assert (recist["orr_ci_low"], recist["orr_ci_high"]) == pytest.approx(clopper_pearson(2, 4))
    assert (recist["dcr_ci_low"], recist["dcr_ci_high"]) == pytest.approx(clopper_pearson(3, 4))
    counts = table(tmp_path / "results", "response_counts.csv")
    recist_counts = counts[counts["criterion"] == "recist11"].set_index("best_response")["n"].to_dict()
    assert recist_counts == {"PR": 2, "SD": 1, "NE": 1}


def test_report_reads_each_criterions_own_best_response_column_by_default(cohort, tmp_path):
    # "`--confirmed` / `--unconfirmed` | each criterion's own | ... by default `best_response_confirmed` for a
    # criterion that confirms responses (irRC) and `best_response` otherwise; `--confirmed` reads
    # `best_response_confirmed` for every criterion ..., `--unconfirmed` `best_response` for every
    # criterion". Responders: P1 and P6 unconfirmed, P1 only confirmed.
    expected = {(): {"recist11": ("best_response", 2), "irrc": ("best_response_confirmed", 1)},
                ("--confirmed",): {"recist11": ("best_response_confirmed", 1),
                                   "irrc": ("best_response_confirmed", 1)},
                ("--unconfirmed",): {"recist11": ("best_response", 2), "irrc": ("best_response", 2)}}
    for index, (args, columns) in enumerate(expected.items()):
        rates = by_criterion(report(cohort, tmp_path / str(index), *args, patients=False), "rates.csv")
        for criterion, (column, responders) in columns.items():
            assert (rates.loc[criterion, "response_column"], rates.loc[criterion, "responders"]) == (
                column, responders), (args, criterion)


def test_population_all_treated(cohort, tmp_path):
    # "`--population` | `measurable_at_baseline` | denominator: patients with measurable disease at baseline
    # under the criterion ..., or `all_treated`"
    rates = by_criterion(report(cohort, tmp_path, "--population", "all_treated", patients=False), "rates.csv")
    assert rates["population"].eq("all_treated").all()
    assert rates["n"].eq(5).all() and rates["excluded"].eq(0).all()


def test_dcr_landmark_days(cohort, tmp_path):
    # "`--dcr-landmark-days` | none | disease control also needs CR, PR or SD recorded at or after this day"
    # At or after day 100: RECIST only P1 (PR on day 112); irRC P1 (irPR) and P2 (irSD).
    rates = by_criterion(report(cohort, tmp_path, "--dcr-landmark-days", "100", patients=False), "rates.csv")
    assert rates.loc["recist11", "disease_control"] == 1 and rates.loc["irrc", "disease_control"] == 2


def test_landmark_days_default_and_repeatable(cohort, tmp_path):
    # "`--landmark-days` | 182.625 and 365.25 | PFS landmark (repeatable); the default is 6 and 12 months"
    default = table(report(cohort, tmp_path / "a", patients=False), "pfs_landmarks.csv")
    assert set(default["landmark_days"]) == {182.625, 365.25}
    chosen = table(report(cohort, tmp_path / "b", "--landmark-days", "100", "--landmark-days", "200",
                          patients=False), "pfs_landmarks.csv")
    assert set(chosen["landmark_days"]) == {100.0, 200.0}
    # "`pfs_landmarks.csv` (survival and CI at each landmark)"
    assert {"survival", "ci_low", "ci_high"} <= set(chosen)


def test_pfs_counts_progression_or_death_from_the_patient_table(cohort, tmp_path):
    # "`pfs.csv` (Kaplan-Meier median with 95 % CI, events, censored; progression, or death from the patient
    # table)": RECIST progressions P2 and P6 (day 112); with the patient table also P3's death on day 200.
    alone = by_criterion(report(cohort, tmp_path / "a", patients=False), "pfs.csv")
    joined = by_criterion(report(cohort, tmp_path / "b"), "pfs.csv")
    assert (alone.loc["recist11", "events"], joined.loc["recist11", "events"]) == (2, 3)
    assert {"median_days", "median_ci_low", "median_ci_high", "censored"} <= set(joined)


def test_duration_of_response_and_progression_moves(cohort, tmp_path):
    # "`duration_of_response.csv` (first CR/PR to progression or death), `progression_moves.csv` (patients
    # whose progression date differs from RECIST 1.1: same day, earlier, later, RECIST only, e.g. PD but not
    # iCPD, other only)". RECIST responders P1 (ongoing) and P6 (PR day 56, PD day 112: 56 days).
    folder = report(cohort, tmp_path, patients=False)
    response = by_criterion(folder, "duration_of_response.csv").loc["recist11"]
    assert (response["n"], response["events"], response["censored"]) == (2, 1, 1)
    moves = table(folder, "progression_moves.csv").set_index("criterion").loc["irrc"]
    assert moves["reference"] == "recist11"
    # P2: RECIST PD by its new lesion on day 112, irSD under irRC: RECIST only. P6: RECIST PD on day 112;
    # its irPD (40 x 40 vs nadir 28 x 28, +104 %) is the last assessment, pending, never confirmed, so no
    # irRC progression date (spec/patterns.md 7.4: "irRC / irRECIST first irPD confirmed"): RECIST only.
    # No move is earlier or later, and irRC never progresses where RECIST does not.
    counts = (moves["reference_only"], moves["earlier"], moves["later"], moves["criterion_only"])
    assert counts == (2, 0, 0, 0)


def test_censor_at_new_therapy(cohort, tmp_path):
    # "`--censor-at-new-therapy` | off | when the PFS event ... comes after the patient table's
    # `new_therapy_start` (or `new_therapy_start_day`), censor PFS at the criterion's last evaluable
    # assessment on or before that day": P2's PD on day 112 follows its new therapy on day 80.
    default = by_criterion(report(cohort, tmp_path / "a"), "pfs.csv")
    censored = by_criterion(report(cohort, tmp_path / "b", "--censor-at-new-therapy"), "pfs.csv")
    assert censored.loc["recist11", "events"] == default.loc["recist11", "events"] - 1


@pytest.mark.parametrize(("minimum", "expected"), [(None, {"P2": True, "P6": True}),
                                                   (69, {"P2": True, "P6": False}),
                                                   (70, {"P2": False, "P6": False})])
def test_tbp_min_days(cohort, tmp_path, minimum, expected):
    # "`--tbp-min-days` | 0 | treatment beyond progression: last dose strictly after the PD and at least
    # this many days after it"; P2 +69 days, P6 +8 days.
    args = () if minimum is None else ("--tbp-min-days", str(minimum))
    tbp = table(report(cohort, tmp_path, *args), "tbp.csv")
    calls = {p: str(v).lower() == "true" for p, v in zip(tbp["patient_id"], tbp["tbp"], strict=True)}
    assert calls == expected
    assert set(tbp["criterion"]) == {"irrc"}  # "the outcome under each immune criterion"


def test_median_split_puts_a_value_at_the_median_above(cohort, tmp_path):
    # "`median_split.csv`, with `--median-split COLUMN` ...: OS (when the patient table gives
    # `os_days`/`os_event`) and PFS per criterion on each side of the column's cohort median (a value at
    # the median goes above), Kaplan-Meier medians and the log-rank p, ... labelled as such on every row"
    split = table(report(cohort, tmp_path, "--median-split", "mtv"), "median_split.csv")
    assert set(split["endpoint"]) == {"OS", "PFS"}
    assert {"median_days", "logrank_p"} <= set(split)
    assert sorted(split.groupby("n").size().index.tolist()) == [2, 3]  # 10, 20 | 30, 40, 50
    os_rows = split[split["endpoint"] == "OS"]
    assert sorted(os_rows["n"]) == [2, 3]
    assert split["note"].str.contains("exploratory").all()


def test_report_html_is_self_contained(cohort, tmp_path):
    # "`report.html` is self-contained (figures embedded, opens without network)"
    html = (report(cohort, tmp_path) / "report.html").read_text(encoding="utf-8")
    sources = re.findall(r'(?:src|href)="([^"#]*)"', html)
    assert all(source.startswith("data:") for source in sources if source), sources
    assert "data:image" in html or "<svg" in html
    for patient in ("P1", "P2", "P3", "P4", "P6"):
        assert patient in html


def test_report_with_readers_shows_their_agreement(pharmaverse_results, tmp_path):
    # "reader agreement (Cohen's kappa)"
    _, out = pharmaverse_results
    folder = shutil.copytree(out, tmp_path / "results")
    assert_accepted(cli("report", folder))
    assert "kappa" in (folder / "report.html").read_text(encoding="utf-8").lower()


def test_an_empty_timepoint_table_gives_a_report_saying_there_is_nothing_to_plot(tmp_path):
    # "An empty timepoint table (no follow-up) gives a report that says there is nothing to plot."
    out = tmp_path / "results"
    assert_accepted(cli("assess", write(tmp_path, HEADER + "P1,-7,T1,target,liver,false,40,,present\n"),
                        "--out", out))
    assert_accepted(cli("report", out))
    assert "nothing to plot" in (out / "report.html").read_text(encoding="utf-8")


def test_every_report_option_of_the_table_is_in_help():
    # The option table of README "Cohort analysis, figures, HTML report and CDISC export".
    documented = {"--confirmed", "--unconfirmed", "--population", "--dcr-landmark-days", "--landmark-days",
                  "--censor-at-new-therapy", "--tbp-min-days", "--patients", "--median-split", "--title"}
    assert documented <= help_options("report")


def test_cohort_and_report_python_names_exist():
    # "Python: `ioresponse.cohort` (`ResponseRateFitter`, ...), `ioresponse.report.html` (`EndpointOptions`,
    # `endpoint_tables`, `render_report`) and `ioresponse.report.figures` (one function per figure ...)."
    import ioresponse.cohort
    import ioresponse.report.figures
    import ioresponse.report.html

    for name in ("ResponseRateFitter", "KaplanMeierByGroup", "pfs_durations", "response_durations",
                 "os_durations", "median_split", "split_summary", "progression_moves",
                 "treatment_beyond_progression", "reclassification_matrix", "cohen_kappa"):
        assert hasattr(ioresponse.cohort, name), name
    for name in ("EndpointOptions", "endpoint_tables", "render_report"):
        assert hasattr(ioresponse.report.html, name), name
    for name in ("waterfall", "spider", "swimmer", "km_curves", "pet_timeline"):
        assert callable(getattr(ioresponse.report.figures, name)), name


def test_response_rate_fitter_without_timepoints_checks_no_baseline_and_warns(cohort):
    # "`ResponseRateFitter().fit(best, timepoints=timepoints)`: the denominator reads `best`'s `baseline_sum`;
    # a table without it falls back to the timepoints, and without them no baseline can be checked (every
    # patient is `not_checked`, with a warning)."
    from ioresponse.cohort import ResponseRateFitter
    from ioresponse.schema import BEST_RESPONSE_COLUMNS

    result = ioresponse.assess(cohort / "lesions.csv", criteria=("recist11",))
    # P1, P2, P3, P6 measurable, P4 (non-target only) excluded; P3 (baseline only) checked too
    own = ResponseRateFitter().fit(result.best_response).summary
    assert (own.loc[0, "n"], own.loc[0, "excluded"], own.loc[0, "not_checked"]) == (4, 1, 0)
    old = result.best_response[list(BEST_RESPONSE_COLUMNS)]  # no baseline_sum: an older version's table
    with pytest.warns(Warning):
        alone = ResponseRateFitter().fit(old).summary
    assert (alone.loc[0, "n"], alone.loc[0, "not_checked"]) == (5, 5)
    # from the timepoint rows: P4 excluded, P3 (no timepoint row) not checked and kept
    checked = ResponseRateFitter().fit(old, timepoints=result.timepoints).summary
    assert (checked.loc[0, "n"], checked.loc[0, "excluded"], checked.loc[0, "not_checked"]) == (4, 1, 1)


def test_export_writes_sdtm_rs_and_adam_adrs_as_csv_and_xpt(cohort, tmp_path, monkeypatch):
    # "ioresponse export results/ --sdtm --adam  # rs.csv/.xpt, adrs.csv/.xpt"; "the XPORT headers carry
    # 01JAN60:00:00:00 as created and modified time (or the time in `SOURCE_DATE_EPOCH` when set), so that
    # the same results give byte-identical files."
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    copies = [shutil.copytree(cohort / "results", tmp_path / name) for name in ("a", "b", "c")]
    for folder in copies[:2]:
        assert_accepted(cli("export", folder, "--sdtm", "--adam"))
    names = ("rs.csv", "rs.xpt", "adrs.csv", "adrs.xpt")
    for name in names:
        assert (copies[0] / name).read_bytes() == (copies[1] / name).read_bytes(), name
    assert (copies[0] / "rs.xpt").read_bytes()[:400].count(b"01JAN60:00:00:00") == 2
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")  # 1970-01-02 00:00:00 UTC
    assert_accepted(cli("export", copies[2], "--sdtm"))
    assert (copies[2] / "rs.xpt").read_bytes()[:400].count(b"02JAN70:00:00:00") == 2


# ---------------------------------------------------------------------------------------------------------
# Benchmarks


def test_bench_anatomic_takes_the_options_the_readme_shows(monkeypatch, capsys):
    # "`python bench/anatomic.py --n 100000 --criteria recist11,irrc,irrecist,irecist,imrecist`";
    # "`bench/anatomic.py --allocator default` measures without it"; "The command line therefore keeps
    # freed memory for reuse (`ioresponse.memory.reuse_freed_memory`)"
    import ioresponse.memory

    assert callable(ioresponse.memory.reuse_freed_memory)
    monkeypatch.setattr(sys, "argv", ["bench/anatomic.py", "--help"])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(ROOT / "bench" / "anatomic.py"), run_name="__main__")
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "--n" in text and "--criteria" in text and "{cli,default}" in text
