"""Adversarial end-to-end checks of `ioresponse report`, `export` and `compare` (spec/patterns.md 7).

Every result set is a real output: small lesion tables typed here are run through ``ioresponse.assess``
and written to a folder, then the commands run on it through typer's CliRunner. Expected values come
from RECIST 1.1 arithmetic on the typed sizes (PR <= -30 % vs baseline; PD >= +20 % and >= +5 mm vs
nadir; SD needs day >= min_sd_days = 42), the Kaplan-Meier product-limit formula and the
Clopper-Pearson formula of spec/patterns.md 7.1, computed here with scipy.stats.beta:

    lower = BetaInv(alpha/2; x, n - x + 1) (0 when x = 0), upper = BetaInv(1 - alpha/2; x + 1, n - x)
    (1 when x = n).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from scipy.stats import beta
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.report import figures
from ioresponse.schema import InputError

ALPHA = 0.05
LESION_COLUMNS = ["patient_id", "day", "lesion_id", "role", "organ", "lymph_node", "long_axis_mm", "status"]
REPORT_TABLES = {"rates.csv", "response_counts.csv", "pfs.csv", "pfs_landmarks.csv",
                 "duration_of_response.csv", "progression_moves.csv", "report.html"}
SAS_EPOCH = dt.date(1960, 1, 1)


# --- helpers ------------------------------------------------------------------------------------------


def exact_ci(x: int, n: int) -> tuple[float, float]:
    """Clopper-Pearson bounds from the formula of spec/patterns.md 7.1 (not the package's function)."""
    low = 0.0 if x == 0 else float(beta.ppf(ALPHA / 2, x, n - x + 1))
    high = 1.0 if x == n else float(beta.ppf(1 - ALPHA / 2, x + 1, n - x))
    return low, high


def one_target(sizes: dict[str, list[tuple[int, float | None]]], **constant: object) -> pd.DataFrame:
    """One non-nodal liver target T1 per patient: {patient: [(day, long axis mm or None = absent)]}."""
    rows = [(patient, day, "T1", "target", "liver", False, np.nan if size is None else float(size),
             "absent" if size is None else "present")
            for patient, visits in sizes.items() for day, size in visits]
    table = pd.DataFrame(rows, columns=LESION_COLUMNS)
    for column, value in constant.items():
        table[column] = value
    return table


def assess_into(outdir: Path, table: pd.DataFrame, criteria: tuple[str, ...] = ("recist11",),
                fmt: str = "parquet", **kwargs: object) -> ioresponse.api.Result:
    result = ioresponse.assess(table, criteria=criteria, **kwargs)
    (result.to_csv if fmt == "csv" else result.to_parquet)(outdir)
    return result


def written(output: str) -> list[Path]:
    """Every path a command says it wrote ("wrote X", compare: "wrote X and Y"); rich wraps long lines."""
    text = output.replace("\n", "")
    return [Path(p) for p in re.findall(r"(?:wrote|and) ?(/\S+?\.(?:csv|xpt|html))", text)]


def run(*args: object) -> tuple[object, list[Path]]:
    """Invoke the CLI; assert exit 0 and that every file it says it wrote exists."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    paths = written(result.output)
    assert paths, result.output
    missing = [p for p in paths if not p.exists()]
    assert missing == [], missing
    return result, paths


def report(outdir: Path, *options: object) -> tuple[pd.DataFrame, str, list[Path]]:
    result, paths = run("report", outdir, *options)
    assert {p.name for p in paths} >= REPORT_TABLES
    rates = pd.read_csv(outdir / "rates.csv", dtype={"patient_id": str, "reader": str, "arm": str},
                        keep_default_na=False, na_values=[""])
    return rates, (outdir / "report.html").read_text(encoding="utf-8"), paths


def section(html: str, start: str, end: str) -> str:
    return html[html.index(start):html.index(end, html.index(start))]


def row(rates: pd.DataFrame, **keys: object) -> pd.Series:
    chosen = rates
    for column, value in keys.items():
        chosen = chosen[chosen[column].fillna("").astype(str) == str(value)]
    assert len(chosen) == 1, (keys, rates)
    return chosen.iloc[0]


# --- zero responders -----------------------------------------------------------------------------------

# Z1 50 -> 55 (+10 %: SD), Z2 50 -> 65 (+30 %, +15 mm: PD), Z3 40 -> 38 (-5 %: SD), Z4 40 -> 50 (+25 %,
# +10 mm: PD), all on day 56 (>= 42, so SD counts). RECIST 1.1: ORR 0/4, DCR 2/4.
ZERO = {"Z1": [(-7, 50), (56, 55)], "Z2": [(-7, 50), (56, 65)], "Z3": [(-7, 40), (56, 38)],
        "Z4": [(-7, 40), (56, 50)]}


@pytest.fixture(scope="module")
def zero_cohort(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("zero")
    assess_into(outdir, one_target(ZERO), criteria=("recist11", "irecist"))
    rates, html, _ = report(outdir)
    return outdir, rates, html


def test_zero_responders_orr_0_of_4_with_exact_clopper_pearson_bounds(zero_cohort):
    _, rates, _ = zero_cohort
    recist = row(rates, criterion="recist11")
    assert (recist["population"], recist["n"], recist["excluded"], recist["not_checked"]) == (
        "measurable_at_baseline", 4, 0, 0)
    assert (recist["responders"], recist["orr"]) == (0, 0.0)
    low, high = exact_ci(0, 4)
    assert low == 0.0 and high == pytest.approx(1 - 0.025 ** (1 / 4))  # closed form for x = 0
    assert recist["orr_ci_low"] == 0.0
    assert recist["orr_ci_high"] == pytest.approx(high, abs=1e-9)
    assert recist["disease_control"] == 2 and recist["dcr"] == pytest.approx(0.5)
    assert (recist["dcr_ci_low"], recist["dcr_ci_high"]) == pytest.approx(exact_ci(2, 4), abs=1e-9)
    # iRECIST on the same sizes: iSD, iUPD, iSD, iUPD: no responder either
    irecist = row(rates, criterion="irecist")
    assert (irecist["n"], irecist["responders"], irecist["orr_ci_low"]) == (4, 0, 0.0)


def test_zero_responders_counts_and_html_show_0_of_4_for_each_criterion(zero_cohort):
    outdir, _, html = zero_cohort
    counts = pd.read_csv(outdir / "response_counts.csv")
    recist = counts[counts["criterion"] == "recist11"].set_index("best_response")["n"].to_dict()
    assert recist == {"SD": 2, "PD": 2}
    assert counts.groupby("criterion")["n"].sum().to_dict() == {"recist11": 4, "irecist": 4}
    _, high = exact_ci(0, 4)
    rates_html = section(html, "<h3>Response rates</h3>", "<h3>Patients per best-response")
    assert f"0.0% (0.0-{100 * high:.1f})" in rates_html  # 0/4: 0.0 % (0.0-60.2)
    for criterion in ("recist11", "irecist"):
        assert criterion in rates_html
    for patient in ZERO:
        assert f"<summary>{patient}:" in html


def test_zero_responders_pfs_median_is_the_day_the_curve_reaches_one_half(zero_cohort):
    # Z2, Z4 PD on day 56 (events), Z1, Z3 censored on day 56: S(56) = 1 - 2/4 = 0.5 -> median 56.
    outdir, _, _ = zero_cohort
    pfs = pd.read_csv(outdir / "pfs.csv").set_index("criterion")
    assert (pfs.loc["recist11", "n"], pfs.loc["recist11", "events"], pfs.loc["recist11", "censored"]) == (
        4, 2, 2)
    assert pfs.loc["recist11", "median_days"] == 56
    duration = pd.read_csv(outdir / "duration_of_response.csv")
    assert duration.empty  # no responder, no duration of response


# --- all responders, every patient censored --------------------------------------------------------------

# A1 50 -> 30 -> 25 (-40 %, -50 %: PR), A2 40 -> absent -> absent (CR), A3 60 -> 40 -> 40 (-33 %: PR).
# ORR 3/3; nobody progresses: PFS all censored on day 112, median not reached; DoR 56 days each, censored.
ALL = {"A1": [(-7, 50), (56, 30), (112, 25)], "A2": [(-7, 40), (56, None), (112, None)],
       "A3": [(-7, 60), (56, 40), (112, 40)]}


@pytest.fixture(scope="module")
def all_cohort(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("all")
    assess_into(outdir, one_target(ALL))
    rates, html, _ = report(outdir)
    return outdir, rates, html


def test_all_responders_orr_3_of_3_upper_bound_is_one(all_cohort):
    _, rates, _ = all_cohort
    recist = row(rates, criterion="recist11")
    assert (recist["n"], recist["responders"], recist["orr"]) == (3, 3, 1.0)
    low, high = exact_ci(3, 3)
    assert high == 1.0 and low == pytest.approx(0.025 ** (1 / 3))  # closed form for x = n
    assert recist["orr_ci_low"] == pytest.approx(low, abs=1e-9) and recist["orr_ci_high"] == 1.0
    assert (recist["disease_control"], recist["dcr_ci_high"]) == (3, 1.0)


def test_every_patient_censored_pfs_and_dor_medians_are_not_a_finite_number(all_cohort):
    outdir, _, _ = all_cohort
    pfs = pd.read_csv(outdir / "pfs.csv").iloc[0]
    assert (pfs["n"], pfs["events"], pfs["censored"]) == (3, 0, 3)
    assert not np.isfinite(pfs["median_days"])
    dor = pd.read_csv(outdir / "duration_of_response.csv").iloc[0]
    assert (dor["n"], dor["events"], dor["censored"]) == (3, 0, 3)
    assert not np.isfinite(dor["median_days"])


def test_every_patient_censored_report_says_median_not_reached_not_inf(all_cohort):
    _, _, html = all_cohort
    pfs_html = section(html, "<h3>Progression-free survival", "<h4>Landmark rates")
    assert ">inf<" not in pfs_html
    assert re.search(r"not reached|\bNR\b", pfs_html, flags=re.IGNORECASE)


# --- a patient without follow-up ------------------------------------------------------------------------

# N1 50 -> 30 (PR), N2 50 -> 50 (SD), N3 baseline only. Rates: N3 stays in n as a non-responder, measurable
# from the baseline sum 50 mm > 0 on its best-response row (anatomic.md 1.2; not "not_checked"), ORR 1/3,
# DCR 2/3.
NO_FOLLOW_UP = {"N1": [(-7, 50), (56, 30)], "N2": [(-7, 50), (56, 50)], "N3": [(-7, 50)]}


@pytest.fixture(scope="module")
def no_follow_up(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("nofu")
    assess_into(outdir, one_target(NO_FOLLOW_UP))
    rates, html, _ = report(outdir)
    run("export", outdir, "--sdtm", "--adam")
    return outdir, rates, html


def test_no_follow_up_patient_stays_in_the_rate_denominator(no_follow_up):
    _, rates, html = no_follow_up
    recist = row(rates, criterion="recist11")
    assert (recist["n"], recist["not_checked"], recist["excluded"]) == (3, 0, 0)
    assert (recist["responders"], recist["disease_control"]) == (1, 2)
    assert (recist["orr_ci_low"], recist["orr_ci_high"]) == pytest.approx(exact_ci(1, 3), abs=1e-9)
    assert "<summary>N3:" in html


def test_no_follow_up_patient_is_censored_in_pfs_not_dropped(no_follow_up):
    outdir, _, _ = no_follow_up
    pfs = pd.read_csv(outdir / "pfs.csv").iloc[0]
    assert (pfs["n"], pfs["events"], pfs["censored"]) == (3, 0, 3)


def test_no_follow_up_patient_has_best_response_rows_but_no_timepoint_rows_in_export(no_follow_up):
    outdir, _, _ = no_follow_up
    rs = pd.read_csv(outdir / "rs.csv", keep_default_na=False)
    overall = rs[rs["RSTESTCD"] == "OVRLRESP"]
    assert sorted(overall["USUBJID"]) == ["N1", "N2"]  # one follow-up each, none for N3
    assert overall.set_index("USUBJID")["RSDY"].to_dict() == {"N1": 57, "N2": 57}  # day 56 + 1
    adrs = pd.read_csv(outdir / "adrs.csv", keep_default_na=False)
    assert adrs["PARAMCD"].value_counts().to_dict() == {"OVR": 2, "BOR": 3, "CBOR": 3}
    assert set(adrs.loc[adrs["USUBJID"] == "N3", "PARAMCD"]) == {"BOR", "CBOR"}
    xpt, _ = pyreadstat.read_xport(str(outdir / "adrs.xpt"))
    assert len(xpt) == 8


# --- deaths from the patient table (os_days / os_event) ------------------------------------------------

# O1 50 -> 30 -> 30 (PR from day 56), dies day 150: PFS death 150, DoR 150 - 56 = 94 (event).
# O2 50 -> 65 (PD day 56), dies day 100: PFS progression 56. O3 50 -> 48 (SD), alive day 300: censored 56.
# O4 baseline only, dies day 30: PFS death 30.
# KM: 30 (1 of 4) S = 3/4; 56 (1 event of 3 at risk, 1 censored) S = 3/4 * 2/3 = 1/2 -> median 56;
# 150 (1 of 1) S = 0. Landmark day 100: at risk {O1} = 1, S = 0.5.
OS = {"O1": [(-7, 50), (56, 30), (112, 30)], "O2": [(-7, 50), (56, 65)], "O3": [(-7, 50), (56, 48)],
      "O4": [(-7, 50)]}


@pytest.fixture(scope="module")
def os_cohort(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("os")
    assess_into(outdir, one_target(OS))
    patients = pd.DataFrame({"patient_id": list(OS), "os_days": [150, 100, 300, 30],
                             "os_event": [1, 1, 0, 1]})
    patients.to_csv(outdir / "patients.csv", index=False)
    rates, html, paths = report(outdir, "--patients", outdir / "patients.csv", "--landmark-days", 100)
    return outdir, rates, html, paths


def test_death_without_progression_is_a_pfs_event_and_survival_is_hand_computed(os_cohort):
    outdir, _, _, _ = os_cohort
    pfs = pd.read_csv(outdir / "pfs.csv").iloc[0]
    assert (pfs["criterion"], pfs["n"], pfs["events"], pfs["censored"]) == ("recist11", 4, 3, 1)
    assert pfs["median_days"] == 56
    landmark = pd.read_csv(outdir / "pfs_landmarks.csv").iloc[0]
    assert (landmark["landmark_days"], landmark["at_risk"]) == (100, 1)
    assert landmark["survival"] == pytest.approx(0.5)


def test_death_of_a_responder_ends_the_duration_of_response(os_cohort):
    outdir, _, _, paths = os_cohort
    dor = pd.read_csv(outdir / "duration_of_response.csv").iloc[0]
    assert (dor["n"], dor["events"], dor["censored"]) == (1, 1, 0)
    assert dor["median_days"] == 94
    assert "tbp.csv" not in {p.name for p in paths}  # no treatment_end: no TBP table


# --- several readers -------------------------------------------------------------------------------------

# R1: P1 PR (50 -> 30), P2 PR (50 -> 30), P3 SD (50 -> 50), P4 PD (50 -> 65)
# R2: P1 PR (50 -> 30), P2 SD (50 -> 40, -20 %), P3 SD (50 -> 48), P4 PD (50 -> 62, +24 %, +12 mm)
# Kappa (best response, RECIST 1.1): p_o = 3/4; p_e = (2*1 + 1*2 + 1*1) / 16 = 5/16;
# kappa = (0.75 - 0.3125) / (1 - 0.3125) = 0.63636...
READERS = {"R1": {"P1": 30, "P2": 30, "P3": 50, "P4": 65}, "R2": {"P1": 30, "P2": 40, "P3": 48, "P4": 62}}


@pytest.fixture(scope="module")
def readers_cohort(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("readers")
    table = pd.concat([one_target({p: [(-7, 50), (56, size)] for p, size in sizes.items()}, reader=reader)
                       for reader, sizes in READERS.items()], ignore_index=True)
    assess_into(outdir, table, criteria=("recist11", "irecist"))
    rates, html, _ = report(outdir)
    run("export", outdir, "--sdtm", "--adam")
    return outdir, rates, html


def test_rates_are_split_per_reader_with_their_own_denominator(readers_cohort):
    _, rates, _ = readers_cohort
    r1, r2 = row(rates, criterion="recist11", reader="R1"), row(rates, criterion="recist11", reader="R2")
    assert (r1["n"], r1["responders"], r1["disease_control"]) == (4, 2, 3)
    assert (r2["n"], r2["responders"], r2["disease_control"]) == (4, 1, 3)
    assert (r2["orr_ci_low"], r2["orr_ci_high"]) == pytest.approx(exact_ci(1, 4), abs=1e-9)
    assert len(rates) == 4  # 2 criteria x 2 readers


def test_pfs_curves_are_split_per_reader_each_patient_once(readers_cohort):
    # Kaplan & Meier 1958 count independent patients: each reader's curve holds the 4 patients once
    # (pooled, every patient would count twice). RECIST 1.1 under both readers: P4 PD on day 56 (R1 65 mm,
    # +30 %; R2 62 mm, +24 % and +12 mm), the other three censored at their last assessment, day 56.
    outdir, _, _ = readers_cohort
    pfs = pd.read_csv(outdir / "pfs.csv", dtype={"reader": str})
    recist = pfs[pfs["criterion"] == "recist11"].set_index("reader")
    assert sorted(recist.index) == ["R1", "R2"]
    for reader in ("R1", "R2"):
        assert tuple(recist.loc[reader, ["n", "events", "censored"]]) == (4, 1, 3)
    assert len(pfs) == 4  # 2 criteria x 2 readers


def test_per_patient_figures_are_drawn_per_reader(readers_cohort):
    # A waterfall bar, a spider line or a curve of the two readers' reads mixed would show one patient
    # twice (or one reader's change with the other's best response): one figure set per reader.
    _, _, html = readers_cohort
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", html)
    for kind in ("Waterfall", "Spider", "Swimmer", "Kaplan-Meier: progression-free survival"):
        shown = [c for c in captions if kind in c]
        assert len(shown) == 2, (kind, shown)
        assert any("reader R1" in c for c in shown) and any("reader R2" in c for c in shown), shown


def test_a_per_patient_figure_refuses_two_readers_reads(readers_cohort):
    outdir, _, _ = readers_cohort
    timepoints = pd.read_parquet(outdir / "timepoints.parquet")
    with pytest.raises(InputError, match=r"2 readers \('R1', 'R2'\)"):
        figures.waterfall(timepoints)
    figures.waterfall(timepoints[timepoints["reader"] == "R1"])  # one reader's reads: drawn


def test_report_shows_cohen_kappa_between_the_two_readers(readers_cohort):
    _, _, html = readers_cohort
    agreement = section(html, "Agreement between readers", "<h3>Progression-free survival")
    kappa = (0.75 - 5 / 16) / (1 - 5 / 16)
    assert f"{kappa:.3g}" in agreement  # 0.636
    assert "R1" in agreement and "R2" in agreement


def test_export_of_two_readers_names_each_evaluator_and_numbers_rsseq_per_subject(readers_cohort):
    outdir, _, _ = readers_cohort
    rs = pd.read_csv(outdir / "rs.csv", keep_default_na=False)
    overall = rs[rs["RSTESTCD"] == "OVRLRESP"]
    assert len(overall) == 16  # 4 patients x 2 readers x 2 criteria x 1 follow-up
    assert set(overall["RSEVAL"]) == {"INDEPENDENT ASSESSOR"}
    assert overall.groupby("RSEVALID").size().to_dict() == {"R1": 8, "R2": 8}
    r2 = overall[(overall["RSEVALID"] == "R2") & (overall["RSCAT"] == "RECIST 1.1")]
    assert r2.set_index("USUBJID")["RSORRES"].to_dict() == {"P1": "PR", "P2": "SD", "P3": "SD", "P4": "PD"}
    for _, seq in rs.groupby("USUBJID")["RSSEQ"]:
        assert sorted(seq) == list(range(1, len(seq) + 1))
    adrs = pd.read_csv(outdir / "adrs.csv", keep_default_na=False)
    assert adrs["PARAMCD"].isin(["BOR", "IBOR"]).sum() == 16  # RECIST 1.1 BOR, iRECIST IBOR (admiralonco)


def test_compare_pairs_patient_and_reader(readers_cohort):
    outdir, _, _ = readers_cohort
    run("compare", outdir)
    wide = pd.read_csv(outdir / "compare_wide.csv", keep_default_na=False)
    assert len(wide) == 8  # (patient, reader) subjects
    assert set(wide.loc[wide["reader"] == "R2", "recist11"]) == {"PR", "SD", "PD"}
    # iPR beside PR and iSD beside SD are the same call, never a reclassification (P1-P3, both readers);
    # whether P4's PD beside an unconfirmed iUPD is one is left to the code (judgement, not tested)
    cells = pd.read_csv(outdir / "compare_reclassification.csv", keep_default_na=False)
    moves = cells[cells["reclassified"]]
    assert not set(moves["response"]) & {"iPR", "iSD", "PR", "SD"}
    assert all("P4" in patients for patients in moves["patients"])


# --- several criteria, one patient without a row under one of them ---------------------------------------

# Anatomic: P1 50 -> 25 (PR), P2 50 -> 45 (SD), P3 50 -> 70 (PD). PET (PERCIST) for P1 and P2 only:
# liver 2.0 +- 0.2 -> T = 1.5 * 2.0 + 2 * 0.2 = 3.4; SULpeak 8.0 at baseline (measurable), day 50
# P1 3.0 (-62.5 %, -5.0 SUL: PMR), P2 8.0 (SMD). P3 has no PERCIST row.
PET_COLUMNS = ["patient_id", "day", "lesion_id", "role", "organ", "suvmax", "sulpeak", "tlg",
               "functional_diameter_mm", "status", "uptake_min", "liver_sul_mean", "liver_sul_sd",
               "cycles_before_scan"]


@pytest.fixture(scope="module")
def mixed_cohort(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("mixed")
    table = one_target({"P1": [(-7, 50), (56, 25)], "P2": [(-7, 50), (56, 45)], "P3": [(-7, 50), (56, 70)]})
    pet = pd.DataFrame([
        ("P1", -5, "L1", "target", "lung", 10.0, 8.0, 50.0, 30.0, "present", 60, 2.0, 0.2, 0),
        ("P1", 50, "L1", "target", "lung", 4.0, 3.0, 20.0, 20.0, "present", 60, 2.0, 0.2, 3),
        ("P2", -5, "L1", "target", "lung", 10.0, 8.0, 50.0, 30.0, "present", 60, 2.0, 0.2, 0),
        ("P2", 50, "L1", "target", "lung", 10.0, 8.0, 50.0, 30.0, "present", 60, 2.0, 0.2, 3),
    ], columns=PET_COLUMNS)
    assess_into(outdir, table, criteria=("recist11", "irecist", "percist"), pet=pet)
    rates, html, _ = report(outdir)
    return outdir, rates, html


def test_each_criterion_has_its_own_denominator_when_a_patient_lacks_a_row(mixed_cohort):
    outdir, rates, _ = mixed_cohort
    assert list(rates["criterion"]) == ["recist11", "irecist", "percist"]
    recist, percist = row(rates, criterion="recist11"), row(rates, criterion="percist")
    assert (recist["n"], recist["responders"], recist["disease_control"]) == (3, 1, 2)
    assert (percist["n"], percist["excluded"], percist["responders"]) == (2, 0, 1)
    assert (percist["orr_ci_low"], percist["orr_ci_high"]) == pytest.approx(exact_ci(1, 2), abs=1e-9)
    counts = pd.read_csv(outdir / "response_counts.csv")
    assert counts.groupby("criterion")["n"].sum().to_dict() == {"recist11": 3, "irecist": 3, "percist": 2}
    pfs = pd.read_csv(outdir / "pfs.csv").set_index("criterion")
    assert (pfs.loc["percist", "n"], pfs.loc["percist", "events"]) == (2, 0)
    assert (pfs.loc["recist11", "n"], pfs.loc["recist11", "events"]) == (3, 1)


def test_progression_moves_compare_only_patients_present_under_both(mixed_cohort):
    outdir, _, _ = mixed_cohort
    moves = pd.read_csv(outdir / "progression_moves.csv").set_index("criterion")
    # P3 (RECIST PD day 56) has no PERCIST row: not counted; P1, P2 progress under neither
    assert (moves.loc["percist", "n"], moves.loc["percist", "neither"], moves.loc["percist", "moved"]) == (
        2, 2, 0)
    # iRECIST: P3 iUPD at its last assessment, never confirmed, is an event on the iUPD day by default
    # (spec 7.4, unconfirmed_iupd_pfs = "event"): same day as the RECIST PD
    assert (moves.loc["irecist", "n"], moves.loc["irecist", "same_day"], moves.loc["irecist", "moved"]) == (
        3, 1, 0)


def test_report_mentions_every_criterion_and_draws_the_pet_timeline(mixed_cohort):
    _, _, html = mixed_cohort
    head = html[:html.index("<h2 id=\"cohort\">")]
    assert "criteria: recist11, irecist, percist" in head
    assert "PET timeline" in html
    assert html.count("<summary>") == 3


def test_compare_lists_the_patient_missing_under_one_criterion(mixed_cohort):
    outdir, _, _ = mixed_cohort
    run("compare", outdir)
    wide = pd.read_csv(outdir / "compare_wide.csv", keep_default_na=False).set_index("patient_id")
    assert list(wide.index) == ["P1", "P2", "P3"]
    assert wide.loc["P3", "recist11"] == "PD" and wide.loc["P3", "percist"] == ""
    moves = pd.read_csv(outdir / "compare_reclassification.csv", keep_default_na=False)
    p3 = moves[moves["criterion"] == "percist"].set_index("patients")
    assert p3.loc["P3", "response"] == "(none)" and p3.loc["P3", "n"] == 1


# --- arms from a patient table ---------------------------------------------------------------------------

# CSV outputs and ids with leading zeros. 001 PR (50 -> 30), 002 SD (50 -> 50), 003 PD (50 -> 65),
# 004 PR (50 -> 20). Arm A = 001, 002, 003 (ORR 1/3); arm B = 004 alone (ORR 1/1, CI [0.025, 1]).
ARMS = {"001": [(-7, 50), (56, 30)], "002": [(-7, 50), (56, 50)], "003": [(-7, 50), (56, 65)],
        "004": [(-7, 50), (56, 20)]}


@pytest.fixture(scope="module")
def arm_outdir(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("arms")
    assess_into(outdir, one_target(ARMS), fmt="csv")
    return outdir


def test_an_arm_with_a_single_patient_gets_its_own_exact_interval(arm_outdir, tmp_path):
    patients = tmp_path / "patients.csv"
    pd.DataFrame({"patient_id": ["001", "002", "003", "004"], "arm": ["A", "A", "A", "B"]}).to_csv(
        patients, index=False)
    rates, _, _ = report(arm_outdir, "--patients", patients)
    arm_a, arm_b = row(rates, criterion="recist11", arm="A"), row(rates, criterion="recist11", arm="B")
    assert (arm_a["n"], arm_a["responders"], arm_a["disease_control"]) == (3, 1, 2)
    assert (arm_a["orr_ci_low"], arm_a["orr_ci_high"]) == pytest.approx(exact_ci(1, 3), abs=1e-9)
    assert (arm_b["n"], arm_b["responders"], arm_b["orr"]) == (1, 1, 1.0)
    low, high = exact_ci(1, 1)
    assert (low, high) == pytest.approx((0.025, 1.0))  # Beta(0.025; 1, 1) = 0.025
    assert (arm_b["orr_ci_low"], arm_b["orr_ci_high"]) == pytest.approx((low, high), abs=1e-9)


def test_patient_table_with_an_extra_and_a_missing_patient_counts_every_result_once(arm_outdir, tmp_path):
    # 003 is missing from the patient table (arm unknown); 999 is in it but has no result.
    patients = tmp_path / "patients.csv"
    pd.DataFrame({"patient_id": ["001", "002", "004", "999"], "arm": ["A", "A", "B", "B"],
                  "os_days": [200, 200, 200, 20], "os_event": [0, 0, 0, 1]}).to_csv(patients, index=False)
    rates, html, _ = report(arm_outdir, "--patients", patients)
    recist = rates[rates["criterion"] == "recist11"]
    by_arm = recist[recist["arm"] != "all arms"]  # README: split by arm, the whole cohort's row comes first
    assert by_arm["n"].sum() == 4  # 001, 002, 003, 004: nobody dropped, 999 not added
    assert row(recist, arm="all arms")["n"] == 4
    assert row(recist, arm="A")["n"] == 2 and row(recist, arm="B")["n"] == 1
    pfs = pd.read_csv(arm_outdir / "pfs.csv", keep_default_na=False)
    pfs = pfs[pfs["criterion"] == "recist11"].set_index("arm")  # a curve per arm, 003's arm not given
    assert pfs["n"].to_dict() == {"": 1, "A": 2, "B": 1}  # every result once; 999 has none
    assert pfs["events"].to_dict() == {"": 1, "A": 0, "B": 0}  # 003: PD on day 56; 999 died, no result
    assert "<summary>999:" not in html


def test_patient_table_row_without_results_is_reported(arm_outdir, tmp_path):
    patients = tmp_path / "patients.csv"
    table = pd.DataFrame({"patient_id": ["001", "002", "003", "004", "999"],
                          "arm": ["A", "A", "A", "B", "B"]})
    table.to_csv(patients, index=False)
    result = CliRunner().invoke(app, ["report", str(arm_outdir), "--patients", str(patients)])
    assert result.exit_code == 0
    html = (arm_outdir / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<style>.*?</style>|data:image/png;base64,[^\"]*", "", html, flags=re.DOTALL)
    assert re.search(r"\b999\b", result.output + text)


# --- ISO dates, a new therapy before the first follow-up, TBP --------------------------------------------

# D1 start 2021-03-01, 50 -> 65 on 2021-04-26 (day 56: PD); new therapy 2021-03-31 (day 30), last dose
#    2021-04-20 (day 50, before the PD: no TBP).
# D2 start 2021-03-10, 50 -> 30 on 2021-05-05 (day 56: PR) -> 45 on 2021-06-30 (day 112: +50 %, +15 mm vs
#    nadir 30: PD); last dose 2021-07-30 (day 142: TBP, 30 days).
# D3 start 2021-03-01, 40 -> 40 on 2021-04-26 (day 56: SD); new therapy 2021-06-01 (day 92, after the last
#    assessment: censoring unchanged).
DATED = [("D1", "2021-02-25", 50), ("D1", "2021-04-26", 65), ("D2", "2021-03-08", 50),
         ("D2", "2021-05-05", 30), ("D2", "2021-06-30", 45), ("D3", "2021-02-26", 40),
         ("D3", "2021-04-26", 40)]
STARTS = {"D1": "2021-03-01", "D2": "2021-03-10", "D3": "2021-03-01"}


@pytest.fixture(scope="module")
def dated_outdir(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("dated")
    table = pd.DataFrame([(p, d, "T1", "target", "liver", False, float(s), "present") for p, d, s in DATED],
                         columns=["patient_id", "date", *LESION_COLUMNS[2:]])
    starts = pd.DataFrame({"patient_id": list(STARTS), "treatment_start": list(STARTS.values())})
    assess_into(outdir, table, patients=starts)
    patients = starts.assign(new_therapy_start=["2021-03-31", "", "2021-06-01"],
                             treatment_end=["2021-04-20", "2021-07-30", ""])
    patients.to_csv(outdir / "patients.csv", index=False)
    run("export", outdir, "--sdtm", "--adam")
    return outdir


def test_dates_become_days_from_treatment_start_in_the_timepoints(dated_outdir):
    timepoints = pd.read_parquet(dated_outdir / "timepoints.parquet")
    rows = timepoints[["patient_id", "date", "day"]].itertuples(index=False)
    days = {(p, str(d)): int(day) for p, d, day in rows}
    assert days == {("D1", "2021-04-26"): 56, ("D2", "2021-05-05"): 56, ("D2", "2021-06-30"): 112,
                    ("D3", "2021-04-26"): 56}


def test_pfs_censored_at_day_0_when_the_new_therapy_precedes_the_first_follow_up(dated_outdir):
    # Without the option: events D1 (56) and D2 (112), D3 censored 56.
    report(dated_outdir, "--patients", dated_outdir / "patients.csv")
    pfs = pd.read_csv(dated_outdir / "pfs.csv").iloc[0]
    assert (pfs["n"], pfs["events"], pfs["censored"]) == (3, 2, 1)
    # With it: D1's PD (day 56) comes after its new therapy (day 30) with no assessment on or before day
    # 30 -> censored on day 0. KM: 0 (censored), 56 (censored), 112 (1 event of 1 at risk) -> median 112.
    report(dated_outdir, "--patients", dated_outdir / "patients.csv", "--censor-at-new-therapy")
    pfs = pd.read_csv(dated_outdir / "pfs.csv").iloc[0]
    assert (pfs["n"], pfs["events"], pfs["censored"]) == (3, 1, 2)
    assert pfs["median_days"] == 112


def test_tbp_from_last_dose_dates(dated_outdir):
    _, _, paths = report(dated_outdir, "--patients", dated_outdir / "patients.csv")
    assert "tbp.csv" in {p.name for p in paths}
    tbp = pd.read_csv(dated_outdir / "tbp.csv", dtype={"tbp": str}).set_index("patient_id")
    assert sorted(tbp.index) == ["D1", "D2"]  # D3 never progresses
    assert (tbp.loc["D1", "recist_pd_day"], tbp.loc["D1", "treatment_end_day"], tbp.loc["D1", "tbp"]) == (
        56, 50, "false")
    assert (tbp.loc["D2", "recist_pd_day"], tbp.loc["D2", "tbp"], tbp.loc["D2", "tbp_days"]) == (
        112, "true", 30)


def test_export_carries_the_real_assessment_dates_and_study_days(dated_outdir):
    rs = pd.read_csv(dated_outdir / "rs.csv", keep_default_na=False)
    overall = rs[rs["RSTESTCD"] == "OVRLRESP"]
    got = sorted(zip(overall["USUBJID"], overall["RSDTC"], overall["RSDY"], overall["RSORRES"], strict=True))
    assert got == [("D1", "2021-04-26", 57, "PD"), ("D2", "2021-05-05", 57, "PR"),
                   ("D2", "2021-06-30", 113, "PD"), ("D3", "2021-04-26", 57, "SD")]
    xpt, _ = pyreadstat.read_xport(str(dated_outdir / "rs.xpt"))
    assert sorted(xpt.loc[xpt["RSTESTCD"] == "OVRLRESP", "RSDTC"]) == [
        "2021-04-26", "2021-04-26", "2021-05-05", "2021-06-30"]


def test_adrs_dates_are_iso_in_csv_and_sas_dates_in_xpt(dated_outdir):
    adrs = pd.read_csv(dated_outdir / "adrs.csv", keep_default_na=False)
    ovr = adrs[adrs["PARAMCD"] == "OVR"]
    assert set(ovr["ADTF"]) == {""}  # complete dates: nothing imputed
    assert sorted(ovr["ADT"]) == ["2021-04-26", "2021-04-26", "2021-05-05", "2021-06-30"]
    d2_bor = adrs[(adrs["USUBJID"] == "D2") & (adrs["PARAMCD"] == "BOR")].iloc[0]
    assert (d2_bor["AVALC"], d2_bor["ADT"], d2_bor["ADY"]) == ("PR", "2021-05-05", 57)  # the PR assessment
    xpt, _ = pyreadstat.read_xport(str(dated_outdir / "adrs.xpt"))
    expected = sorted((dt.date.fromisoformat(d) - SAS_EPOCH).days for d in ovr["ADT"])
    got = xpt.loc[xpt["PARAMCD"] == "OVR", "ADT"]
    as_days = sorted(int(v) if isinstance(v, float | int) else (v - SAS_EPOCH).days for v in got)
    assert as_days == expected


# --- a partial assessment date in an SDTM input ----------------------------------------------------------

# TU/TR: P1 LDIAM 50 on 2013-11-20 (TRDY 1 = first dose), 30 on "2014-01" (TRDY 57, day 56: -40 % PR);
# P2 40 on 2013-12-02 (TRDY 1), 52 on 2014-01-27 (TRDY 57: +30 %, +12 mm PD). P1's partial date is imputed
# from the study day: 2013-11-20 + 56 days = 2014-01-15 (Nov 20 + 10 = Nov 30, + 31 = Dec 31, + 15).


@pytest.fixture(scope="module")
def partial_outdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sdtm")
    tu = pd.DataFrame({"STUDYID": "S1", "DOMAIN": "TU", "USUBJID": ["P1", "P2"], "TULNKID": "T01",
                       "TUTESTCD": "TUMIDENT", "TUSTRESC": "TARGET", "TULOC": "LIVER", "TUDY": 1})
    records = [("P1", 50, 1, "2013-11-20"), ("P1", 30, 57, "2014-01"), ("P2", 40, 1, "2013-12-02"),
               ("P2", 52, 57, "2014-01-27")]
    tr = pd.DataFrame(records, columns=["USUBJID", "TRSTRESN", "TRDY", "TRDTC"]).assign(
        STUDYID="S1", DOMAIN="TR", TRLNKID="T01", TRTESTCD="LDIAM", TRSTRESU="mm")
    tu.to_csv(folder / "tu.csv", index=False)
    tr.to_csv(folder / "tr.csv", index=False)
    outdir = tmp_path_factory.mktemp("partial_out")
    result = ioresponse.assess(folder, criteria=("recist11",))
    result.to_parquet(outdir)
    run("export", outdir, "--sdtm", "--adam")
    return outdir


def test_partial_sdtm_date_is_exported_as_collected_in_rs(partial_outdir):
    rs = pd.read_csv(partial_outdir / "rs.csv", keep_default_na=False)
    overall = rs[rs["RSTESTCD"] == "OVRLRESP"].set_index("USUBJID")
    assert (overall.loc["P1", "RSDTC"], overall.loc["P1", "RSDY"], overall.loc["P1", "RSORRES"]) == (
        "2014-01", 57, "PR")
    assert (overall.loc["P2", "RSDTC"], overall.loc["P2", "RSORRES"]) == ("2014-01-27", "PD")
    xpt, _ = pyreadstat.read_xport(str(partial_outdir / "rs.xpt"))
    assert set(xpt.loc[xpt["USUBJID"] == "P1", "RSDTC"]) == {"2014-01"}  # every test row of that visit


def test_partial_sdtm_date_is_imputed_and_flagged_in_adrs(partial_outdir):
    adrs = pd.read_csv(partial_outdir / "adrs.csv", keep_default_na=False)
    p1 = adrs[adrs["USUBJID"] == "P1"].set_index("PARAMCD")
    assert (p1.loc["OVR", "ADT"], p1.loc["OVR", "ADTF"], p1.loc["OVR", "ADY"]) == ("2014-01-15", "D", 57)
    assert (p1.loc["BOR", "ADT"], p1.loc["BOR", "ADTF"]) == ("2014-01-15", "D")
    p2 = adrs[(adrs["USUBJID"] == "P2") & (adrs["PARAMCD"] == "OVR")].iloc[0]
    assert (p2["ADT"], p2["ADTF"]) == ("2014-01-27", "")
    xpt, _ = pyreadstat.read_xport(str(partial_outdir / "adrs.xpt"))
    ovr = xpt[(xpt["USUBJID"] == "P1") & (xpt["PARAMCD"] == "OVR")].iloc[0]
    value = ovr["ADT"]
    days = int(value) if isinstance(value, float | int) else (value - SAS_EPOCH).days
    assert days == (dt.date(2014, 1, 15) - SAS_EPOCH).days
    assert not math.isnan(days)
