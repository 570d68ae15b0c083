"""The HTML report (report/html.py) and the `report` command; the browser check runs in headless
Chromium through Playwright (Debian's chromium, installed by .ci/run)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ioresponse.cli import app
from ioresponse.report.html import ReportTables, render_report, write_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
RATES_COLUMNS = ["criterion", "population", "n", "excluded", "not_checked", "response_column", "responders",
                 "orr", "orr_ci_low", "orr_ci_high", "disease_control", "dcr", "dcr_ci_low", "dcr_ci_high",
                 "dcr_landmark_days"]


def test_report_command_writes_report_and_rates(assess_outdir):
    result = CliRunner().invoke(app, ["report", str(assess_outdir)])
    assert result.exit_code == 0, result.output
    rates = pd.read_csv(assess_outdir / "rates.csv")
    assert list(rates.columns) == RATES_COLUMNS
    # hand-made cohort (conftest): RECIST 1.1 1 responder (P1) and 2 with disease control (P1, P3) of 4
    recist = rates.set_index("criterion").loc["recist11"]
    assert (recist["n"], recist["responders"], recist["disease_control"]) == (4, 1, 2)
    html = (assess_outdir / "report.html").read_text(encoding="utf-8")
    for patient in ("P1", "P2", "P3", "P4"):
        assert f"<summary>{patient}:" in html
    assert "hand-made row 0: PR" in html  # every call's reason is shown
    assert "iUPD on day 56 followed by iSD" in html  # the pattern row
    assert "http://" not in html and "https://" not in html


def test_report_confirmed_reads_confirmed_best_response(assess_outdir):
    best = pd.read_parquet(assess_outdir / "best_response.parquet")
    best["best_response_confirmed"] = best["best_response_confirmed"].replace({"PR": "SD"})
    best.to_parquet(assess_outdir / "best_response.parquet", index=False)
    assert CliRunner().invoke(app, ["report", str(assess_outdir), "--confirmed"]).exit_code == 0
    rates = pd.read_csv(assess_outdir / "rates.csv").set_index("criterion")
    assert rates.loc["recist11", "responders"] == 0


def test_report_command_reads_csv_outputs_too(assess_outdir):
    for name in ("timepoints", "best_response"):
        pd.read_parquet(assess_outdir / f"{name}.parquet").to_csv(assess_outdir / f"{name}.csv", index=False)
        (assess_outdir / f"{name}.parquet").unlink()
    assert CliRunner().invoke(app, ["report", str(assess_outdir)]).exit_code == 0


def test_report_command_without_assess_outputs_exits_2_with_located_message(tmp_path):
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    message = result.output.replace("\n", "")  # rich wraps long lines
    assert f"{tmp_path}: no best_response.parquet or best_response.csv: run" in message
    assert "ioresponse assess" in message


def test_report_of_empty_and_single_patient_cohorts(timepoints, best_response, tmp_path):
    empty = render_report(ReportTables(timepoints[:0], best_response[:0]))
    assert "0 patient(s)" in empty
    single = ReportTables(timepoints[timepoints["patient_id"] == "P1"],
                          best_response[best_response["patient_id"] == "P1"])
    assert "<summary>P1:" in render_report(single)


def test_patient_headline_names_the_reader_of_each_best_response(timepoints, best_response):
    # A patient read by two readers: each best response in the section's headline names its reader, so
    # that "recist11: PD, recist11: SD" never appears without saying whose read is whose.
    one = best_response[best_response["patient_id"] == "P1"]
    two = pd.concat([one.assign(reader="R1"), one.assign(reader="R2")], ignore_index=True)
    tables = ReportTables(timepoints[timepoints["patient_id"] == "P1"].assign(reader="R1"), two)
    html = render_report(tables)
    first = one.iloc[0]
    assert f"{first['criterion']} (R1): {first['best_response']}" in html
    assert f"{first['criterion']} (R2): {first['best_response']}" in html


def test_report_is_deterministic(timepoints, best_response):
    tables = ReportTables(timepoints, best_response)
    assert render_report(tables) == render_report(tables)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: install Debian's chromium "
                    "(apt-get install -y chromium; .ci/run does) to run the browser check")
def test_report_opens_in_headless_chromium_with_every_figure_visible(timepoints, best_response, tmp_path):
    from playwright.sync_api import sync_playwright

    path = write_report(ReportTables(timepoints, best_response), tmp_path / "report.html")
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            widths = page.eval_on_selector_all("figure img", "images => images.map(i => i.naturalWidth)")
            complete = page.eval_on_selector_all("figure img", "images => images.every(i => i.complete)")
            visible = [page.locator("figure img").nth(i).is_visible() for i in range(len(widths))]
        finally:
            browser.close()
    assert len(widths) >= 4
    assert all(width > 0 for width in widths)
    assert complete and all(visible)
    assert errors == []


# --- spec/patterns.md section 7 through `ioresponse report` --------------------------------------------


def test_report_of_an_empty_timepoint_table_says_there_is_nothing_to_plot(assess_outdir):
    # An assess run without any follow-up writes the timepoint header only: the report is written, exit 0.
    empty = pd.read_parquet(assess_outdir / "timepoints.parquet")[:0]
    empty.to_csv(assess_outdir / "timepoints.csv", index=False)
    (assess_outdir / "timepoints.parquet").unlink()
    result = CliRunner().invoke(app, ["report", str(assess_outdir)])
    assert result.exit_code == 0, result.output
    html = (assess_outdir / "report.html").read_text(encoding="utf-8")
    assert "no follow-up assessment" in html and "nothing to plot" in html


def test_report_of_a_zero_byte_timepoint_file_exits_2_with_a_located_message(assess_outdir):
    (assess_outdir / "timepoints.parquet").unlink()
    (assess_outdir / "timepoints.csv").write_text("", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(assess_outdir)])
    assert result.exit_code == 2
    assert "timepoints.csv: empty file" in result.output.replace("\n", "")


def test_report_denominator_is_measurable_at_baseline_by_default(assess_outdir):
    # spec 7: P4's baseline sum set to 0 (non-target disease only) leaves the default denominator:
    # RECIST 1.1 n = 3 (P1, P2, P3), 1 excluded; --population all_treated counts the 4 patients.
    timepoints = pd.read_parquet(assess_outdir / "timepoints.parquet")
    timepoints.loc[timepoints["patient_id"] == "P4", "baseline_sum"] = 0.0
    timepoints.to_parquet(assess_outdir / "timepoints.parquet", index=False)
    assert CliRunner().invoke(app, ["report", str(assess_outdir)]).exit_code == 0
    recist = pd.read_csv(assess_outdir / "rates.csv").set_index("criterion").loc["recist11"]
    assert (recist["population"], recist["n"], recist["excluded"]) == ("measurable_at_baseline", 3, 1)
    html = (assess_outdir / "report.html").read_text(encoding="utf-8")
    assert "Denominator n: measurable at baseline" in html
    result = CliRunner().invoke(app, ["report", str(assess_outdir), "--population", "all_treated"])
    assert result.exit_code == 0
    recist = pd.read_csv(assess_outdir / "rates.csv").set_index("criterion").loc["recist11"]
    assert (recist["population"], recist["n"]) == ("all_treated", 4)


def test_report_reads_irrc_confirmed_by_default_and_unconfirmed_on_request(assess_outdir):
    # spec 7.1: irRC always confirms. An irRC copy of the four patients, each best_response irPR and
    # best_response_confirmed irSD: irRC responders 0 by default and with --confirmed, 4 with --unconfirmed;
    # RECIST 1.1 (P1 PR in both columns) stays 1.
    best = pd.read_parquet(assess_outdir / "best_response.parquet")
    irrc = best[best["criterion"] == "irecist"].assign(criterion="irrc", best_response="irPR")
    irrc["best_response_confirmed"] = "irSD"
    best = pd.concat([best, irrc], ignore_index=True)
    best.to_parquet(assess_outdir / "best_response.parquet", index=False)
    timepoints = pd.read_parquet(assess_outdir / "timepoints.parquet")
    irrc_tp = timepoints[timepoints["criterion"] == "irecist"].assign(criterion="irrc")
    timepoints = pd.concat([timepoints, irrc_tp], ignore_index=True)
    timepoints.to_parquet(assess_outdir / "timepoints.parquet", index=False)
    expected = {(): (0, "best_response_confirmed"), ("--unconfirmed",): (4, "best_response"),
                ("--confirmed",): (0, "best_response_confirmed")}
    for flags, (irrc_responders, column) in expected.items():
        assert CliRunner().invoke(app, ["report", str(assess_outdir), *flags]).exit_code == 0
        rates = pd.read_csv(assess_outdir / "rates.csv").set_index("criterion")
        assert rates.loc["irrc", "responders"] == irrc_responders
        assert rates.loc["irrc", "response_column"] == column
        assert rates.loc["recist11", "responders"] == 1


def test_report_with_a_patient_table_writes_tbp_and_censors_at_new_therapy(assess_outdir):
    # Hand-made cohort (conftest): P2 RECIST PD day 56, iRECIST iUPD 56 then iSD 112; P3 RECIST PD day 112,
    # iRECIST iUPD 112 then iCPD 168. Last doses: P2 day 140 (TBP, 84 days), P3 day 112 (no TBP, 0 days).
    # P3 starts a new therapy on day 100: its RECIST PD on 112 is censored at its last adequate assessment
    # on or before 100 (SD, day 56), so RECIST 1.1 PFS has 1 event (P2) and 3 censored.
    patients = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4"],
                             "treatment_end_day": [None, 140, 112, None],
                             "new_therapy_start_day": [None, None, 100, None]})
    patients.to_csv(assess_outdir / "patients.csv", index=False)
    options = ["--patients", str(assess_outdir / "patients.csv"), "--censor-at-new-therapy",
               "--landmark-days", "100"]
    result = CliRunner().invoke(app, ["report", str(assess_outdir), *options])
    assert result.exit_code == 0, result.output
    tbp = pd.read_csv(assess_outdir / "tbp.csv", dtype={"patient_id": str, "tbp": str})
    tbp = tbp.set_index("patient_id")
    assert (tbp.loc["P2", "tbp"], tbp.loc["P2", "tbp_days"]) == ("true", 84)
    assert tbp.loc["P2", "outcome"] == "pseudoprogression"
    assert (tbp.loc["P3", "tbp"], tbp.loc["P3", "tbp_days"]) == ("false", 0)
    assert tbp.loc["P3", "outcome"] == "confirmed_progression"
    pfs = pd.read_csv(assess_outdir / "pfs.csv").set_index("criterion")
    assert (pfs.loc["recist11", "events"], pfs.loc["recist11", "censored"]) == (1, 3)
    assert set(pd.read_csv(assess_outdir / "pfs_landmarks.csv")["landmark_days"]) == {100}
    moves = pd.read_csv(assess_outdir / "progression_moves.csv").iloc[0]
    assert (moves["criterion"], moves["reference_only"], moves["same_day"]) == ("irecist", 1, 1)
    assert "Treatment beyond progression" in (assess_outdir / "report.html").read_text(encoding="utf-8")


def test_report_median_split_of_a_patient_column_writes_os_and_pfs_by_group(assess_outdir):
    # spec/patterns.md 6.5: on request, an exploratory split at the cohort median. Baseline MTV 10, 20, 30,
    # 40 mL: median 25, P1 and P2 below, P3 and P4 above. OS: P1 death 100, P2 death 200 (below); P3 alive
    # at 300, P4 death 400 (above). Log-rank by hand: day 100, 4 at risk (2 below), E = 0.5, V = 0.25;
    # day 200, 3 at risk (1 below), E = 1/3, V = 2/9; day 400, none below. O - E = 2 - 5/6 = 7/6,
    # V = 17/36: chi-square 2.882, p = 0.0896 (1 df).
    patients = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4"], "os_days": [100, 200, 300, 400],
                             "os_event": [1, 1, 0, 1], "baseline_mtv_ml": [10, 20, 30, 40]})
    patients.to_csv(assess_outdir / "patients.csv", index=False)
    options = ["--patients", str(assess_outdir / "patients.csv"), "--median-split", "baseline_mtv_ml"]
    result = CliRunner().invoke(app, ["report", str(assess_outdir), *options])
    assert result.exit_code == 0, result.output
    split = pd.read_csv(assess_outdir / "median_split.csv", keep_default_na=False)
    os_rows = split[split["endpoint"] == "OS"].set_index("group")
    assert os_rows.loc["baseline_mtv_ml < 25", ["n", "events", "median_days"]].tolist() == [2, 2, 100]
    assert os_rows.loc["baseline_mtv_ml >= 25", ["n", "events", "median_days"]].tolist() == [2, 1, 400]
    assert os_rows["logrank_p"].tolist() == pytest.approx([0.0896, 0.0896], abs=1e-4)
    # PFS under RECIST 1.1 (conftest): P2 PD day 56 and P1's death (below); P3 PD day 112 and P4's death
    # (above): a death without progression is a PFS event (spec 7.4).
    pfs = split[(split["endpoint"] == "PFS") & (split["criterion"] == "recist11")].set_index("group")
    assert pfs["events"].to_dict() == {"baseline_mtv_ml < 25": 2, "baseline_mtv_ml >= 25": 2}
    html = (assess_outdir / "report.html").read_text(encoding="utf-8")
    assert "OS by baseline_mtv_ml on each side of its cohort median" in html
    assert "exploratory split at the cohort median" in html
    # the next run without the option removes the table it no longer matches
    result = CliRunner().invoke(app, ["report", str(assess_outdir)])
    assert result.exit_code == 0 and not (assess_outdir / "median_split.csv").exists()


def test_report_median_split_without_os_draws_pfs_under_the_main_criterion(assess_outdir):
    pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4"], "suvmax": [5, 6, 7, ""]}).to_csv(
        assess_outdir / "patients.csv", index=False)
    result = CliRunner().invoke(app, ["report", str(assess_outdir), "--patients",
                                      str(assess_outdir / "patients.csv"), "--median-split", "suvmax"])
    assert result.exit_code == 0, result.output
    split = pd.read_csv(assess_outdir / "median_split.csv")
    assert set(split["endpoint"]) == {"PFS"}
    assert split.groupby("criterion")["n"].sum().to_dict() == {"irecist": 3, "recist11": 3}  # P4: no value
    assert "PFS under recist11 by suvmax" in (assess_outdir / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("patients, options, message", [
    (None, [], "option --median-split: baseline_mtv_ml is a column of the patient table: give it with "
               "--patients"),
    ("patient_id,mtv\nP1,10\n", ["--patients"], "patients.csv, column baseline_mtv_ml: the patient table "
                                               "has no column baseline_mtv_ml; it has: patient_id, mtv"),
    ("patient_id,baseline_mtv_ml\nP1,10\nP2,n/a\n", ["--patients"],
     "patients.csv, row 3, column baseline_mtv_ml: 'n/a' is not a number"),
], ids=["no_patient_table", "absent_column", "not_a_number"])
def test_report_median_split_refusals_are_located(assess_outdir, patients, options, message):
    if patients is not None:
        (assess_outdir / "patients.csv").write_text(patients)
        options = [*options, str(assess_outdir / "patients.csv")]
    result = CliRunner().invoke(app, ["report", str(assess_outdir), *options, "--median-split",
                                      "baseline_mtv_ml"])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
