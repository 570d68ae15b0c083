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
RATES_COLUMNS = ["criterion", "n", "responders", "orr", "orr_ci_low", "orr_ci_high", "disease_control", "dcr",
                 "dcr_ci_low", "dcr_ci_high"]


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
    assert "best_response.parquet: not found" in message
    assert "ioresponse assess" in message


def test_report_of_empty_and_single_patient_cohorts(timepoints, best_response, tmp_path):
    empty = render_report(ReportTables(timepoints[:0], best_response[:0]))
    assert "0 patient(s)" in empty
    single = ReportTables(timepoints[timepoints["patient_id"] == "P1"],
                          best_response[best_response["patient_id"] == "P1"])
    assert "<summary>P1:" in render_report(single)


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
