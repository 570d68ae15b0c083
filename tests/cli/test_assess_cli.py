"""`ioresponse assess | validate | explain | compare` as a user runs them (issue 3 item 7)."""

import io
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ioresponse.cli import app

runner = CliRunner()

# Example R1 of spec/anatomic.md 1.10 as a user's CSV (node value = short axis).
R1_CSV = """patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status
P1,-7,T1,target,liver,false,40,,present
P1,-7,T2,target,lung,false,20,,present
P1,-7,T3,target,mediastinum,true,,20,present
P1,-7,NT1,non_target,bone,false,,,present
P1,56,T1,target,liver,false,28,,present
P1,56,T2,target,lung,false,14,,present
P1,56,T3,target,mediastinum,true,,12,present
P1,56,NT1,non_target,bone,false,,,present
P1,84,T1,target,liver,false,26,,present
P1,84,T2,target,lung,false,12,,present
P1,84,T3,target,mediastinum,true,,11,present
P1,84,NT1,non_target,bone,false,,,present
P1,140,T1,target,liver,false,34,,present
P1,140,T2,target,lung,false,15,,present
P1,140,T3,target,mediastinum,true,,12,present
P1,140,NT1,non_target,bone,false,,,present
"""


def write(tmp_path: Path, text: str, name: str = "lesions.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_assess_writes_timepoints_and_best_response(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["assess", str(write(tmp_path, R1_CSV)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    best = pd.read_csv(out / "best_response.csv")
    assert best[["best_response", "best_response_confirmed"]].iloc[0].tolist() == ["PR", "PR"]
    assert pd.read_parquet(out / "timepoints.parquet")["overall_response"].tolist() == ["PR", "PR", "PD"]


def test_assess_output_is_byte_identical_for_shuffled_rows(tmp_path):
    lines = R1_CSV.strip().split("\n")
    shuffled = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    for name, text in (("a", R1_CSV), ("b", shuffled)):
        result = runner.invoke(
            app,
            [
                "assess",
                str(write(tmp_path, text, f"{name}.csv")),
                "--out",
                str(tmp_path / name),
                "--format",
                "csv",
            ],
        )
        assert result.exit_code == 0, result.output
    for table in ("timepoints.csv", "best_response.csv"):
        assert (tmp_path / "a" / table).read_bytes() == (tmp_path / "b" / table).read_bytes()


def test_explain_prints_the_reason_of_every_call(tmp_path):
    out = tmp_path / "out"
    runner.invoke(app, ["assess", str(write(tmp_path, R1_CSV)), "--out", str(out)])
    result = runner.invoke(app, ["explain", str(out), "P1"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "+24.49% and +12 mm vs nadir 49 mm" in result.output


def test_explain_unknown_patient_exits_2(tmp_path):
    out = tmp_path / "out"
    runner.invoke(app, ["assess", str(write(tmp_path, R1_CSV)), "--out", str(out)])
    result = runner.invoke(app, ["explain", str(out), "P9"])
    assert result.exit_code == 2
    assert "no patient P9" in result.output


def test_missing_column_exits_2_with_located_message(tmp_path):
    # every line without its last field, status (the header too: a data row longer than the header is
    # another error, tests/cli/test_bad_input.py)
    path = write(tmp_path, "\n".join(line.rsplit(",", 1)[0] for line in R1_CSV.strip().split("\n")) + "\n")
    result = runner.invoke(app, ["assess", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "lesions.csv" in result.output and "status" in result.output
    assert "Traceback" not in result.output


def test_unknown_criterion_exits_2(tmp_path):
    result = runner.invoke(app, ["assess", str(write(tmp_path, R1_CSV)), "--criteria", "recist2"])
    assert result.exit_code == 2
    assert "unknown criterion recist2" in result.output


def test_validate_lists_problems_and_exits_2(tmp_path):
    bad = R1_CSV.replace("P1,56,T1,target,liver,false,28", "P1,56,T1,target,liver,false,-28")
    result = runner.invoke(app, ["validate", str(write(tmp_path, bad))])
    assert result.exit_code == 2
    assert "row 6" in result.output and "long_axis_mm" in result.output
    assert runner.invoke(app, ["validate", str(write(tmp_path, R1_CSV, "ok.csv"))]).exit_code == 0


def test_compare_needs_the_reference_criterion(tmp_path):
    out = tmp_path / "out"
    runner.invoke(app, ["assess", str(write(tmp_path, R1_CSV)), "--out", str(out)])
    result = runner.invoke(app, ["compare", str(out), "--reference", "irecist"])
    assert result.exit_code == 2
    assert "no irecist results" in result.output


def test_help_of_every_command_renders():
    for command in ("assess", "validate", "explain", "compare"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, result.output


def test_criteria_all_on_sums_skips_criteria_without_data(tmp_path):
    # A sum-only table (issue 3 item 2) has no perpendicular diameter: irRC (spec 2.9) cannot run.
    sums = "patient_id,day,target_sum_mm\nA,-5,50\nA,40,30\nA,90,TOO SMALL TO MEASURE\n"
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["assess", str(write(tmp_path, sums, "sums.csv")), "--criteria", "all", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "skipped irrc: input has no value in perpendicular_mm" in result.output
    best = pd.read_csv(out / "best_response.csv")
    # day 40: 30 mm is -40% (PR); day 90: "too small to measure" counts 5 mm (RECIST 1.1 sec. 4.3.2): PR.
    assert best.loc[best["criterion"] == "recist11", "best_response"].tolist() == ["PR"]
    timepoints = pd.read_csv(out / "timepoints.csv")
    reasons = timepoints.loc[timepoints["criterion"] == "recist11", "reason"]
    assert reasons.str.contains("target-only assessment").all()
    # Every criterion says the components were absent from the input, never "none" (issue 3 item 2).
    assert set(timepoints["criterion"]) == {"recist11", "irrecist", "irecist", "imrecist"}
    assert (timepoints["non_target_response"] == "not_given").all()
    assert (timepoints["new_lesion_response"] == "not_given").all()
    assert timepoints["reason"].str.contains("input has no new lesion or non-target lesion information").all()


def test_pct_change_table_is_assessed_as_the_sums_it_describes(tmp_path):
    # issue 8 item 5: a "% change from baseline" table is an input format. With baseline 50 mm,
    # -40% is 30 mm (PR, <=-30%, RECIST 1.1 sec. 4.3.1); then +30% of baseline is 65 mm, +35 mm over
    # the nadir 30 mm: PD (>=20% and >=5 mm).
    table = "patient,time,change,baseline_size_mm\nA,0,0,50\nA,56,-40,50\nA,112,30,50\n"
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "assess",
            str(write(tmp_path, table, "pct.csv")),
            "--map",
            "patient=patient_id",
            "--map",
            "time=day",
            "--map",
            "change=pct_change",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    timepoints = pd.read_csv(out / "timepoints.csv")
    assert timepoints["current_sum"].tolist() == [30.0, 65.0]
    assert timepoints["overall_response"].tolist() == ["PR", "PD"]


def _two_sheets(tmp_path: Path) -> Path:
    """A workbook with reader 1's table on sheet "reader1" and patient P2's on sheet "reader2"."""
    table = pd.read_csv(io.StringIO(R1_CSV))
    path = tmp_path / "lesions.xlsx"
    with pd.ExcelWriter(path) as writer:
        table.to_excel(writer, sheet_name="reader1", index=False)
        table.assign(patient_id="P2").to_excel(writer, sheet_name="reader2", index=False)
    return path


def test_sheet_chooses_the_sheet_of_a_workbook_for_assess_validate_and_patterns(tmp_path):
    pytest.importorskip("openpyxl")
    path = _two_sheets(tmp_path)
    refused = runner.invoke(app, ["validate", str(path)], env={"COLUMNS": "250"})
    assert refused.exit_code == 2
    assert "2 sheets with data (reader1, reader2)" in refused.output and "--sheet NAME" in refused.output
    assert runner.invoke(app, ["validate", str(path), "--sheet", "reader2"]).exit_code == 0
    out = tmp_path / "out"
    args = ["assess", str(path), "--sheet", "reader2", "--out", str(out), "--no-patterns"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out / "best_response.csv")["patient_id"].tolist() == ["P2"]
    result = runner.invoke(app, ["patterns", str(path), "--sheet", "reader1", "--out", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    unknown = runner.invoke(app, ["assess", str(path), "--sheet", "reader3"], env={"COLUMNS": "250"})
    assert unknown.exit_code == 2
    assert "no sheet 'reader3'; the workbook has: reader1, reader2" in unknown.output


def test_api_assess_passes_sheet_and_patient_key_to_the_reader(tmp_path):
    pytest.importorskip("openpyxl")
    import ioresponse

    result = ioresponse.assess(_two_sheets(tmp_path), sheet="reader2")
    assert result.best_response["patient_id"].tolist() == ["P2"]
    table = pd.read_csv(io.StringIO(R1_CSV)).assign(study="S9")
    keyed = ioresponse.assess(table, patient_key=("study", "patient_id"))
    assert keyed.best_response["patient_id"].tolist() == ["S9:P1"]


def test_validate_takes_the_patient_key(tmp_path):
    table = pd.read_csv(io.StringIO(R1_CSV))
    both = pd.concat([table.assign(study="A"), table.assign(study="B", day=table["day"] + 1)])
    path = tmp_path / "two_studies.csv"
    both.to_csv(path, index=False)
    refused = runner.invoke(app, ["validate", str(path)], env={"COLUMNS": "250"})
    assert refused.exit_code == 2 and "--patient-key study,patient_id" in refused.output
    assert runner.invoke(app, ["validate", str(path), "--patient-key", "study,patient_id"]).exit_code == 0


def test_patterns_takes_warn_implausible(tmp_path):
    cm = R1_CSV.replace(",40,", ",4.0,").replace(",20,", ",2.0,").replace(",28,", ",2.8,")
    path = write(tmp_path, cm.replace(",14,", ",1.4,").replace(",26,", ",2.6,").replace(",34,", ",3.4,")
                 .replace(",12,", ",1.2,").replace(",11,", ",1.1,").replace(",15,", ",1.5,"))
    out = str(tmp_path / "p")
    refused = runner.invoke(app, ["patterns", str(path), "--out", out], env={"COLUMNS": "250"})
    assert refused.exit_code == 2 and "--warn-implausible" in refused.output
    options = ["--option", "on_baseline_violation=warn"]
    result = runner.invoke(app, ["patterns", str(path), "--out", out, "--warn-implausible", *options])
    assert result.exit_code == 0, result.output
    assert "centimetres" in " ".join(result.output.split())


def test_a_study_without_follow_up_goes_through_every_command(tmp_path: Path) -> None:
    """A baseline and nothing after (spec 0.2): best response NE, and the empty timepoint table keeps
    its columns (spec 0.9) so that report, export and explain read it instead of failing."""
    table = tmp_path / "baseline_only.csv"
    header = "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"
    table.write_text(header + "P007,-7,T1,target,liver,false,40,present\n")
    out = tmp_path / "out"
    assert runner.invoke(app, ["assess", str(table), "--out", str(out), "--format", "csv"]).exit_code == 0
    assert pd.read_csv(out / "timepoints.csv").columns[0] == "patient_id"
    assert pd.read_csv(out / "best_response.csv")["best_response"].tolist() == ["NE"]
    commands = (["report", str(out)], ["export", str(out), "--sdtm", "--adam"], ["explain", str(out), "P007"])
    for command in commands:
        result = runner.invoke(app, command)
        assert result.exit_code == 0, (command, result.output)
    assert "no follow-up assessment" in runner.invoke(app, ["explain", str(out), "P007"]).output


def test_validate_with_criteria_reports_what_a_criterion_refuses(tmp_path: Path) -> None:
    """`validate --criteria` also runs the criteria's own checks: irRC multiplies the long axis by the
    perpendicular diameter of every present index lesion (spec 2.9), so a node given by its short axis
    alone passes RECIST 1.1 but is refused, located, under irRC."""
    table = tmp_path / "nodes.csv"
    table.write_text(
        "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,perpendicular_mm,status\n"
        "P1,-7,T1,target,liver,false,40,,30,present\nP1,-7,T2,target,lymph node,true,,20,,present\n"
        "P1,56,T1,target,liver,false,30,,20,present\nP1,56,T2,target,lymph node,true,,15,,present\n"
    )
    assert runner.invoke(app, ["validate", str(table)]).exit_code == 0
    assert runner.invoke(app, ["validate", str(table), "--criteria", "recist11,irecist"]).exit_code == 0
    refused = runner.invoke(app, ["validate", str(table), "--criteria", "all"])
    assert refused.exit_code == 2
    assert "rows 3, 5, column long_axis_mm" in refused.output and "irRC" in refused.output


def test_a_baseline_rule_broken_under_several_criteria_is_one_warning_naming_them_all(tmp_path):
    """Three liver targets break the count rule of RECIST 1.1 sec. 4.2, which irRECIST, iRECIST and
    imRECIST keep (spec 3.3, 4.2, 5.3). With on_baseline_violation=warn the user reads it once, with the
    four criteria named and the second patient counted, not four times for the first patient only."""
    rows = ["patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status"]
    for patient in ("P1", "P2"):
        for day, size in ((-7, 30), (56, 20)):
            rows += [f"{patient},{day},T{i},target,liver,false,{size},present" for i in (1, 2, 3)]
    path = write(tmp_path, "\n".join(rows) + "\n")
    criteria = "recist11,irrecist,irecist,imrecist"
    result = runner.invoke(
        app, ["assess", str(path), "--out", str(tmp_path / "out"), "--criteria", criteria,
              "-o", "on_baseline_violation=warn"]
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert text.count("more than 5 targets in total or 2 per organ") == 1
    assert "patient P1 and 1 more: more than 5 targets" in text
    assert "flagged baseline_target_rule_violated (recist11, irrecist, irecist, imrecist)" in text


def test_merged_warnings_keeps_other_warnings_and_brackets_that_are_not_criteria():
    from ioresponse.cli._common import merged_warnings

    messages = [
        "a.csv: patient P1: rule X; flagged f (imrecist)",
        "a.csv: sizes look like centimetres (cm)",
        "a.csv: patient P1: rule X; flagged f (recist11)",
        "a.csv: sizes look like centimetres (cm)",
    ]
    assert merged_warnings(messages) == [
        "a.csv: sizes look like centimetres (cm)",
        "a.csv: patient P1: rule X; flagged f (recist11, imrecist)",
    ]


def test_merged_warnings_come_in_the_registry_order_whatever_thread_finished_first():
    """The criteria run in threads: the irRC warning raised before RECIST 1.1's still prints after it, so
    the same input always prints the same lines."""
    from ioresponse.cli._common import merged_warnings

    irrc, recist = "a.csv: index rule; flagged g (irrc)", "a.csv: target rule; flagged f (recist11)"
    assert merged_warnings([irrc, recist]) == merged_warnings([recist, irrc]) == [recist, irrc]
