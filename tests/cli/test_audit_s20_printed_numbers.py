"""Audit s20 ("printed"): every number a person reads equals what the written tables say, and the truth.

Audited, on small hand-built inputs and on the bundled ``examples/lesions.csv``:

- ``ioresponse assess``: the printed "Best overall response" summary (patients per criterion and
  category, the number of patients, the confirmed-response caption, skipped criteria) against
  ``best_response.csv`` and a hand count; the readers' RS agreement line against
  ``recorded_vs_computed.csv`` (pharmaverse SDTM, when the shared data is present);
- ``ioresponse compare``: the printed wide table, every reclassification matrix (per reader too) and
  the reclassified patients' lines against ``compare_wide.csv`` / ``compare_reclassification.csv`` and
  a cross-tabulation of the best-response table;
- ``ioresponse report``: the rates (ORR, DCR with Clopper-Pearson CIs computed here with
  ``scipy.stats.binomtest``), the counts per category, the Kaplan-Meier medians and landmark rates
  (computed here by hand: product-limit estimate, Greenwood variance, log-log interval) and Cohen's
  kappa in ``report.html`` against ``rates.csv``, ``response_counts.csv``, ``pfs.csv`` and
  ``pfs_landmarks.csv``;
- ``ioresponse patterns``: the printed counts per pattern, definition and flag against ``patterns.csv``;
- ``ioresponse explain``: the reasons it prints against the timepoint table's columns (sums, % changes,
  change over the nadir), on whole-mm sums and on sums of decimals, anatomic and PERCIST.

Expected values are written by hand next to each assertion (README, spec/ and arithmetic on the
inputs); outputs of the package are compared with each other only where the relation is the point
(printed == written).
"""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from _cli import assert_accepted, cli, flat, write
from scipy.stats import binomtest, norm

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "lesions.csv"
PHARMAVERSE = ROOT / ".." / "shared" / "data" / "pharmaverse_sdtm"

HEADER = "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"

# Seven patients, one target each, baseline day -7, RECIST 1.1 by hand (sec. 4.3.1, 4.4):
#   A 50 -> 30 (-40%: PR) -> 28 (PR, 56 days later: confirmed)            best PR,  confirmed PR
#   B 20 -> absent -> absent (CR, confirmed)                               best CR,  confirmed CR
#   C 50 -> 45 (-10%: SD) -> 46 (SD)                                       best SD,  confirmed SD
#   D 50 -> 65 (+30%, +15 mm: PD)                                          best PD,  confirmed PD
#   E 40 -> 28 (-30%: PR) -> 40 (+42.86% and +12 mm vs nadir 28: PD)       best PR,  confirmed SD
#   F 33 -> 32 (SD) -> 34 (SD)                                             best SD,  confirmed SD
#   G 30 at baseline only                                                  best NE
COHORT = HEADER + """A,-7,T1,target,liver,false,50,,present
A,56,T1,target,liver,false,30,,present
A,112,T1,target,liver,false,28,,present
B,-7,T1,target,lung,false,20,,present
B,56,T1,target,lung,false,,,absent
B,112,T1,target,lung,false,,,absent
C,-7,T1,target,liver,false,50,,present
C,56,T1,target,liver,false,45,,present
C,112,T1,target,liver,false,46,,present
D,-7,T1,target,liver,false,50,,present
D,56,T1,target,liver,false,65,,present
E,-7,T1,target,liver,false,40,,present
E,56,T1,target,liver,false,28,,present
E,112,T1,target,liver,false,40,,present
F,-7,T1,target,liver,false,33,,present
F,56,T1,target,liver,false,32,,present
F,112,T1,target,liver,false,34,,present
G,-7,T1,target,liver,false,30,,present
"""

# Two readers (R1, R2) read K1-K3 (baseline 50 mm, day -7):
#   K1: R1 30, 29 (PR)          R2 32, 30 (PR)
#   K2: R1 45, 46 (SD)          R2 62 (+24%, +12 mm: PD)
#   K3: R1 65 (PD)              R2 66 (PD)
READERS = "patient_id,reader," + HEADER.split(",", 1)[1] + "".join(
    f"{p},{r},{day},T1,target,liver,false,{size},,present\n"
    for p, r, sizes in (("K1", "R1", (50, 30, 29)), ("K1", "R2", (50, 32, 30)), ("K2", "R1", (50, 45, 46)),
                        ("K2", "R2", (50, 62)), ("K3", "R1", (50, 65)), ("K3", "R2", (50, 66)))
    for day, size in zip((-7, 56, 112), sizes, strict=False)
)

# Six patients assessed every 56 days up to day 392 (baseline 50 mm; 48 mm = SD; 60 mm = +20% and
# +10 mm = PD). PD on day 56 (S1), 112 (S2), 168 (S3), 224 (S4); S5 and S6 SD to day 392 (censored).
# Arm A = S1, S3, S5; arm B = S2, S4, S6.
PD_DAY = {"S1": 56, "S2": 112, "S3": 168, "S4": 224, "S5": None, "S6": None}
ARMS = "patient_id,arm\nS1,A\nS2,B\nS3,A\nS4,B\nS5,A\nS6,B\n"


def _survival_cohort() -> str:
    rows = []
    for patient, pd_day in PD_DAY.items():
        rows.append(f"{patient},-7,T1,target,liver,false,50,,present\n")
        for day in range(56, 393, 56):
            rows.append(f"{patient},{day},T1,target,liver,false,{60 if day == pd_day else 48},,present\n")
            if day == pd_day:
                break
    return HEADER + "".join(rows)


PET = (
    "patient_id,day,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd\n"
    # Liver 2.0 / 0.25: T = 1.5 x 2.0 + 2 x 0.25 = 3.5 (PERCIST 5.3).
    "Q1,-5,L1,target,lung,8.0,60,2.0,0.25\n"  # 8.0 -> 5.6: -30.0%, -2.4 SUL: PMR
    "Q1,56,L1,target,lung,5.6,62,2.1,0.25\n"
    "Q2,-5,L1,target,lung,8.0,60,2.0,0.25\n"  # 8.0 -> 7.5: -6.25%: SMD
    "Q2,56,L1,target,lung,7.5,60,2.0,0.25\n"
    "Q3,-5,L1,target,lung,6.0,60,2.0,0.25\n"  # 6.0 -> 8.0: +33.3%, +2.0 SUL: PMD
    "Q3,56,L1,target,lung,8.0,60,2.0,0.25\n"
    "Q4,-5,L1,target,lung,3.0,60,2.0,0.25\n"  # 3.0 < T = 3.5: not measurable, excluded from the rates
    "Q4,56,L1,target,lung,2.5,60,2.0,0.25\n"
)


# ---------------------------------------------------------------------------------------------------------
# helpers


def table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, keep_default_na=False)


def plain(result) -> str:
    """The output with rich's boxes removed and whitespace collapsed (wrapped cells joined)."""
    return " ".join(re.sub(r"[│┃┏┓┗┛┡┩└┘┌┐━─╇╈┳┻┼┬┴├┤╭╮╰╯]", " ", result.output).split())


def summary_counts(result) -> dict[tuple[str, ...], dict[str, int]]:
    """The assess summary: {(criterion[, reader]): {label: n}} from the printed table."""
    out = {}
    for line in result.output.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) < 2 or cells[0] in ("", "criterion"):
            continue
        pairs = re.findall(r"(\S+) (\d+)", cells[-1])
        out[tuple(cells[:-1])] = {label: int(n) for label, n in pairs}
    return out


def own_response(best: pd.DataFrame) -> pd.Series:
    """Each criterion's own best response (README: `confirm_response` column; irRC confirms)."""
    confirmed = best["confirm_response"].astype(str).str.lower() == "true"
    return best["best_response_confirmed"].where(confirmed, best["best_response"])


class _Tables(HTMLParser):
    """Every <table> of an HTML page as rows of cell texts, with the heading above it."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.heading = ""
        self._in_heading = False
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3", "h4"):
            self._in_heading, self.heading = True, ""
        elif tag == "table":
            self.tables.append((self.heading.strip(), []))
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3", "h4"):
            self._in_heading = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1][1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._in_heading:
            self.heading += data
        if self._cell is not None:
            self._cell.append(data)


def html_tables(path: Path) -> list[tuple[str, pd.DataFrame]]:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return [(heading, pd.DataFrame(rows[1:], columns=rows[0])) for heading, rows in parser.tables if rows]


def html_table(path: Path, heading: str) -> pd.DataFrame:
    found = [frame for title, frame in html_tables(path) if title.startswith(heading)]
    assert found, [title for title, _ in html_tables(path)]
    return found[0]


def ci_text(x: int, n: int) -> str:
    """The report's "rate% (low-high)" with one decimal, the CI from scipy (spec/patterns.md 7.1)."""
    ci = binomtest(x, n).proportion_ci(confidence_level=0.95, method="exact")
    return f"{100 * x / n:.1f}% ({100 * ci.low:.1f}-{100 * ci.high:.1f})"


NUMBER = r"[+-]?\d+(?:\.\d+)?"


def reason_numbers(reason: str) -> dict[str, float]:
    """The numbers an anatomic reason names: the current sum, the baseline and its % change, the nadir,
    its % change and the absolute change over it."""
    found: dict[str, float] = {}
    current = re.match(rf"(?:target sum|TMTB|sum|tumour burden) ({NUMBER}) mm2? ", reason)
    if current:
        found["current_sum"] = float(current.group(1))
    base = re.search(rf"({NUMBER})% vs baseline ({NUMBER}) mm", reason)
    if base:
        found["pct_change_baseline"], found["baseline_sum"] = float(base.group(1)), float(base.group(2))
    nadir = re.search(rf"({NUMBER})%(?:,| and| but only) ({NUMBER}) mm2? vs nadir ({NUMBER}) mm", reason)
    if nadir:
        found["pct_change_nadir"] = float(nadir.group(1))
        found["abs_change_nadir"] = float(nadir.group(2))
        found["nadir_sum"] = float(nadir.group(3))
    return found


# ---------------------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """COHORT assessed under RECIST 1.1 and iRECIST (default confirmation), then report and compare."""
    folder = tmp_path_factory.mktemp("cohort")
    path = write(folder, COHORT)
    out = folder / "results"
    assessed = cli("assess", path, "--criteria", "recist11,irecist", "--out", out, "--no-patterns")
    assert_accepted(assessed)
    reported = cli("report", out)
    assert_accepted(reported)
    compared = cli("compare", out)
    assert_accepted(compared)
    return assessed, compared, out


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """README: `ioresponse assess examples/lesions.csv --criteria all --out results/`."""
    out = tmp_path_factory.mktemp("example") / "results"
    assessed = cli("assess", EXAMPLE, "--criteria", "all", "--out", out)
    assert_accepted(assessed)
    return assessed, out


# ---------------------------------------------------------------------------------------------------------
# ioresponse assess: the printed summary


def test_assess_summary_counts_equal_the_best_response_table_and_a_hand_count(cohort):
    assessed, _, out = cohort
    printed = summary_counts(assessed)
    # Hand (COHORT comment), unconfirmed best response (RECIST 1.1 and iRECIST do not confirm by
    # default): CR B; PR A, E; SD C, F; PD D; NE G. iRECIST: D's PD at its last scan is an iUPD.
    assert printed[("recist11",)] == {"CR": 1, "PR": 2, "SD": 2, "PD": 1, "NE": 1}
    assert printed[("irecist",)] == {"iCR": 1, "iPR": 2, "iSD": 2, "iUPD": 1, "NE": 1}
    best = table(out, "best_response.csv")
    for (criterion,), counts in printed.items():
        written = own_response(best[best["criterion"] == criterion]).value_counts().to_dict()
        assert counts == written, criterion  # printed == written
    assert "Best overall response (7 patients)" in flat(assessed)  # A-G


def test_assess_summary_with_confirm_counts_the_confirmed_best_response(tmp_path):
    path = write(tmp_path, COHORT)
    out = tmp_path / "results"
    assessed = cli("assess", path, "--criteria", "recist11", "--confirm", "--out", out, "--no-patterns")
    assert_accepted(assessed)
    # README "--confirm: confirmed CR/PR drive the response days and the summary": E's PR of day 56 is
    # not confirmed (PD on day 112), so E is SD (day 56 >= 42 days): CR 1, PR 1 (A), SD 3 (C, E, F).
    assert summary_counts(assessed)[("recist11",)] == {"CR": 1, "PR": 1, "SD": 3, "PD": 1, "NE": 1}
    assert "confirmed responses: every criterion" in flat(assessed)
    best = table(out, "best_response.csv")
    assert best["best_response_confirmed"].value_counts().to_dict() == {"SD": 3, "CR": 1, "PR": 1, "PD": 1,
                                                                         "NE": 1}


def test_example_summary_reads_irrc_confirmed_and_names_the_skipped_criteria(example):
    assessed, out = example
    printed = summary_counts(assessed)
    # README: P01 confirmed PR; P02 PD under RECIST 1.1 (new lesion on day 56), then iUPD reset, iPR;
    # P03 progression confirmed as iCPD. irRC confirms responses (README, compare): P02's irPR of day 140
    # has no later scan, so its confirmed best response is irSD.
    assert printed[("recist11",)] == {"PR": 1, "PD": 2}
    assert printed[("irecist",)] == {"iPR": 2, "iCPD": 1}
    assert printed[("irrc",)] == {"irPR": 1, "irSD": 1, "irPD": 1}
    best = table(out, "best_response.csv")
    for (criterion,), counts in printed.items():
        assert counts == own_response(best[best["criterion"] == criterion]).value_counts().to_dict()
    text = flat(assessed)
    assert "Best overall response (3 patients)" in text and "confirmed responses: irrc" in text
    # a lesion table has no PET columns: the six metabolic criteria are skipped, each named with why
    for key in ("eortc", "percist", "pecrit", "percimt", "impercist", "ipercist"):
        assert f"skipped {key}: input has no metabolic table" in text


@pytest.mark.skipif(not PHARMAVERSE.exists(), reason="shared pharmaverse data not present")
def test_recorded_agreement_line_equals_the_recorded_vs_computed_table(tmp_path):
    folder = tmp_path / "sdtm"
    folder.mkdir()
    keep = {"01-701-1015", "01-711-1143"}
    for domain in ("tu", "tr", "rs"):
        frame = pd.read_csv(PHARMAVERSE / f"{domain}_onco.csv", dtype=str, keep_default_na=False)
        frame[frame["USUBJID"].isin(keep)].to_csv(folder / f"{domain}_onco.csv", index=False)
    out = tmp_path / "results"
    assessed = cli("assess", folder, "--criteria", "recist11", "--out", out, "--no-patterns",
                   "--option", "on_baseline_violation=warn")
    assert_accepted(assessed)
    pairs = table(out, "recorded_vs_computed.csv")
    agree = (pairs["agrees"].astype(str) == "True").sum()
    match = re.search(r"(\d+\.\d)% agree over (\d+) calls", flat(assessed))
    assert match, flat(assessed)
    assert int(match.group(2)) == len(pairs)  # printed calls == written rows
    assert match.group(1) == f"{100 * agree / len(pairs):.1f}"  # one decimal, as `:.1%` prints it


# ---------------------------------------------------------------------------------------------------------
# ioresponse compare


def test_compare_matrices_and_moves_equal_the_written_tables_and_the_best_responses(cohort):
    _, compared, out = cohort
    text = plain(compared)
    # Hand: under iRECIST every patient keeps his RECIST 1.1 category (A, E iPR; B iCR; C, F iSD; G NE)
    # except D, whose PD (day 56, the last scan) is an unconfirmed iUPD: PD -> iUPD, 1 (D).
    assert "PD -> iUPD: 1 (D)" in text
    assert "Best response per patient (7 rows)" in text
    best = table(out, "best_response.csv")
    wide = table(out, "compare_wide.csv")
    pivot = best.assign(own=own_response(best)).pivot(index="patient_id", columns="criterion", values="own")
    for row in wide.itertuples(index=False):
        assert (row.recist11, row.irecist) == tuple(pivot.loc[row.patient_id, ["recist11", "irecist"]])
        assert f"{row.patient_id} {row.recist11} {row.irecist}" in text  # printed wide row (empty reader)
    cells = table(out, "compare_reclassification.csv")
    crosstab = pd.crosstab(pivot["recist11"], pivot["irecist"])
    assert cells["n"].sum() == len(pivot) == crosstab.to_numpy().sum() == 7  # each patient once
    for cell in cells.itertuples(index=False):
        assert crosstab.loc[cell.recist11_response, cell.response] == cell.n
        patients = sorted(pivot.index[(pivot["recist11"] == cell.recist11_response)
                                      & (pivot["irecist"] == cell.response)])
        assert cell.patients == ", ".join(patients)
    # the printed matrix: one line per RECIST 1.1 category, its counts summing to the row total
    for label, counts in crosstab.iterrows():
        shown = re.search(rf"\b{re.escape(label)}((?: \d+)+)", text.split("(columns)")[1])
        assert shown and [int(v) for v in shown.group(1).split()] == [
            counts.get(c, 0) for c in re.search(r"recist11 ((?:i\w+ |NE )+)", text.split("(columns)")[1])
            .group(1).split()], label


def test_compare_per_reader_blocks_count_each_read_once(tmp_path):
    path = write(tmp_path, READERS)
    out = tmp_path / "results"
    assert_accepted(cli("assess", path, "--criteria", "recist11,irecist", "--out", out, "--no-patterns"))
    compared = cli("compare", out)
    assert_accepted(compared)
    text = plain(compared)
    # R1: K1 PR/iPR, K2 SD/iSD, K3 PD/iUPD (PD at the last scan: iUPD). R2: K1 PR/iPR, K2 PD/iUPD,
    # K3 PD/iUPD. Each reader's block holds 3 patients; the moves name the reader's patients.
    assert "reader R1" in text and "reader R2" in text
    assert "PD -> iUPD: 1 (K3)" in text and "PD -> iUPD: 2 (K2, K3)" in text
    cells = table(out, "compare_reclassification.csv")
    assert cells.groupby("reader")["n"].sum().to_dict() == {"R1": 3, "R2": 3}


def test_compare_lists_five_patients_and_counts_the_rest(tmp_path):
    # 25 patients: a new lesion on day 56 (RECIST 1.1 PD, iRECIST iUPD), gone on day 112 with the target
    # 50 -> 45 (-10%): iUPD not confirmed, iSD. Every patient: PD -> iSD.
    rows = "".join(
        f"P{i:02d},-7,T1,target,liver,false,50,,present\nP{i:02d},56,T1,target,liver,false,50,,present\n"
        f"P{i:02d},56,N1,new,lung,false,12,,present\nP{i:02d},112,T1,target,liver,false,45,,present\n"
        f"P{i:02d},112,N1,new,lung,false,,,absent\n" for i in range(1, 26))
    path = write(tmp_path, HEADER + rows)
    out = tmp_path / "results"
    assert_accepted(cli("assess", path, "--criteria", "recist11,irecist", "--out", out, "--no-patterns"))
    compared = cli("compare", out)
    assert_accepted(compared)
    text = plain(compared)
    assert "PD -> iSD: 25 (P01, P02, P03, P04, P05 and 20 more)" in text  # 25 - 5 listed = 20
    assert "... 5 more rows in compare_wide.csv" in text  # 25 rows, 20 shown
    assert len(table(out, "compare_wide.csv")) == 25


# ---------------------------------------------------------------------------------------------------------
# ioresponse report


def test_report_rates_and_counts_equal_rates_csv_and_clopper_pearson(cohort):
    _, _, out = cohort
    rates = table(out, "rates.csv").set_index("criterion")
    shown = html_table(out / "report.html", "Response rates").set_index("criterion")
    # Hand (unconfirmed, every patient measurable, n = 7): responders CR B + PR A, E = 3;
    # disease control adds SD C, F = 5 (SD on day 56 >= 42). irecist: the same.
    for criterion in ("recist11", "irecist"):
        assert (rates.loc[criterion, "n"], rates.loc[criterion, "responders"]) == (7, 3)
        assert rates.loc[criterion, "disease_control"] == 5
        ci = binomtest(3, 7).proportion_ci(method="exact")
        assert rates.loc[criterion, "orr_ci_low"] == pytest.approx(ci.low, abs=1e-9)
        assert rates.loc[criterion, "orr_ci_high"] == pytest.approx(ci.high, abs=1e-9)
        assert shown.loc[criterion, "orr (95% CI)"] == ci_text(3, 7) == "42.9% (9.9-81.6)"
        assert shown.loc[criterion, "dcr (95% CI)"] == ci_text(5, 7) == "71.4% (29.0-96.3)"
        assert shown.loc[criterion, "n"] == "7" and shown.loc[criterion, "responders"] == "3"
    counts = html_table(out / "report.html", "Patients per best-response category").set_index("criterion")
    written = table(out, "response_counts.csv")
    for row in written.itertuples(index=False):
        assert counts.loc[row.criterion, row.best_response] == str(row.n)
    assert counts.loc["recist11", ["CR", "PR", "SD", "PD", "NE"]].tolist() == ["1", "2", "2", "1", "1"]


def test_report_pet_rates_exclude_the_unmeasurable_patient(tmp_path):
    path = write(tmp_path, PET, "pet.csv")
    out = tmp_path / "results"
    assert_accepted(cli("assess", path, "--criteria", "percist", "--out", out, "--no-patterns"))
    assert_accepted(cli("report", out))
    rates = table(out, "rates.csv").iloc[0]
    # Q4's hottest SULpeak 3.0 < T 3.5 (PERCIST 5.3): excluded; n = 3, PMR Q1, SMD Q2, PMD Q3.
    assert (rates["n"], rates["excluded"], rates["responders"], rates["disease_control"]) == (3, 1, 1, 2)
    shown = html_table(out / "report.html", "Response rates").iloc[0]
    assert shown["orr (95% CI)"] == ci_text(1, 3) == "33.3% (0.8-90.6)"
    assert shown["dcr (95% CI)"] == ci_text(2, 3) == "66.7% (9.4-99.2)"
    assert (shown["n"], shown["excluded"]) == ("3", "1")


def _km(times_events: list[tuple[float, bool]], at: float) -> tuple[float, float, float, int]:
    """Kaplan-Meier S(at) with the Greenwood log-log 95 % interval and the number at risk after ``at``."""
    s, greenwood = 1.0, 0.0
    for t in sorted({t for t, e in times_events if e and t <= at}):
        n = sum(1 for u, _ in times_events if u >= t)
        d = sum(1 for u, e in times_events if u == t and e)
        s *= 1 - d / n
        greenwood += d / (n * (n - d)) if n > d else math.inf
    z = norm.ppf(0.975)
    spread = z * math.sqrt(greenwood) / abs(math.log(s))
    return s, s ** math.exp(spread), s ** math.exp(-spread), sum(1 for u, _ in times_events if u > at)


def test_report_pfs_medians_and_landmarks_equal_the_tables_and_a_hand_kaplan_meier(tmp_path):
    path = write(tmp_path, _survival_cohort())
    patients = write(tmp_path, ARMS, "patients.csv")
    out = tmp_path / "results"
    assert_accepted(cli("assess", path, "--out", out, "--no-patterns"))
    assert_accepted(cli("report", out, "--patients", patients))
    pfs = table(out, "pfs.csv").set_index("arm")
    # Arm A: PD day 56 (S1), 168 (S3), S5 censored day 392: S = 2/3 after 56, 1/3 after 168 -> median 168.
    # Arm B: PD 112 (S2), 224 (S4), S6 censored 392 -> median 224.
    assert pfs.loc["A", ["n", "events", "censored", "median_days"]].tolist() == [3, 2, 1, 168.0]
    assert pfs.loc["B", ["n", "events", "censored", "median_days"]].tolist() == [3, 2, 1, 224.0]
    shown = html_table(out / "report.html", "Progression-free survival").set_index("arm")
    for arm in ("A", "B"):
        assert shown.loc[arm, "median_days"] == f"{pfs.loc[arm, 'median_days']:.0f}"
        assert shown.loc[arm, "median_ci_low"] == f"{pfs.loc[arm, 'median_ci_low']:.0f}"
    landmarks = table(out, "pfs_landmarks.csv")
    data = {"A": [(56, True), (168, True), (392, False)], "B": [(112, True), (224, True), (392, False)]}
    for row in landmarks.itertuples(index=False):
        s, low, high, at_risk = _km(data[row.arm], row.landmark_days)
        # e.g. arm A at 182.625: S = 1/3, Greenwood 1/6 + 1/2, log-log CI 0.00896-0.774, 1 at risk (S5)
        assert (row.survival, row.ci_low, row.ci_high) == pytest.approx((s, low, high), rel=1e-6)
        assert row.at_risk == at_risk
    shown = html_table(out / "report.html", "Landmark rates")
    printed = {(r.arm, r.at_risk, r.survival, r.ci_low, r.ci_high) for r in shown.itertuples(index=False)}
    for row in landmarks.itertuples(index=False):
        assert (row.arm, str(row.at_risk), f"{row.survival:.3g}", f"{row.ci_low:.3g}",
                f"{row.ci_high:.3g}") in printed


def test_report_prints_the_landmark_days_of_pfs_landmarks_csv(tmp_path):
    path = write(tmp_path, _survival_cohort())
    out = tmp_path / "results"
    assert_accepted(cli("assess", path, "--out", out, "--no-patterns"))
    assert_accepted(cli("report", out))
    written = table(out, "pfs_landmarks.csv")["landmark_days"].tolist()
    assert written == [182.625, 365.25]  # README: "182.625 and 365.25 ... 6 and 12 months"
    shown = html_table(out / "report.html", "Landmark rates")["landmark_days"].tolist()
    assert shown == ["182.625", "365.25"]  # as written, not "182.6", "365.2" (one decimal)


def test_report_kappa_equals_a_hand_computation(tmp_path):
    path = write(tmp_path, READERS)
    out = tmp_path / "results"
    assert_accepted(cli("assess", path, "--criteria", "recist11", "--out", out, "--no-patterns"))
    assert_accepted(cli("report", out))
    kappa = html_table(out / "report.html", "Agreement between readers").iloc[0]
    # R1: PR, SD, PD; R2: PR, PD, PD. Observed 2/3; expected 1/3 x 1/3 (PR) + 1/3 x 2/3 (PD) = 1/3;
    # kappa = (2/3 - 1/3) / (1 - 1/3) = 0.5.
    assert (kappa["n"], kappa["observed_agreement"], kappa["kappa"]) == ("3", "0.667", "0.5")


# ---------------------------------------------------------------------------------------------------------
# ioresponse patterns


def test_patterns_printed_counts_equal_the_patterns_table(tmp_path):
    out = tmp_path / "patterns"
    result = cli("patterns", EXAMPLE, "--criteria", "recist11,irecist", "--out", out)
    assert_accepted(result)
    written = table(out, "patterns.csv")
    printed = {}
    for line in result.output.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 5 and cells[2].isdigit():
            printed[(cells[0], cells[1])] = tuple(int(c) for c in cells[2:])
    expected = written.groupby(["pattern", "definition"])["flag"].value_counts().unstack(fill_value=0)
    assert len(printed) == len(expected)
    for (pattern, definition), row in expected.iterrows():
        flags = ("true", "false", "not_evaluable")
        assert printed[(pattern, definition)] == tuple(row.get(f, 0) for f in flags)
    # README: P02 is a pseudoprogression (iUPD day 56 reset to iSD), P01 and P03 are not.
    assert printed[("pseudoprogression", "pseudoprogression.irecist")][0] == 1
    assert "Patterns (3 patients;" in flat(result)


# ---------------------------------------------------------------------------------------------------------
# ioresponse explain


def _check_reasons(timepoints: pd.DataFrame) -> int:
    """Every number an anatomic reason names equals its column; returns how many numbers were checked."""
    checked = 0
    for row in timepoints.to_dict("records"):
        for column, value in reason_numbers(row["reason"]).items():
            assert value == pytest.approx(float(row[column]), abs=1e-9), (column, row["reason"])
            checked += 1
    return checked


def test_explain_reasons_name_the_timepoint_columns_of_the_example(example):
    _, out = example
    shown = cli("explain", out, "P02")
    assert_accepted(shown)
    text = plain(shown)
    timepoints = table(out, "timepoints.csv")
    mine = timepoints[timepoints["patient_id"] == "P02"]
    for reason in mine["reason"]:
        assert reason in text  # printed verbatim
    # P02 (examples/lesions.csv): targets 30 + 20 = 50 mm; day 56 38 + 26 = 64 mm: +28.00% and +14 mm vs
    # nadir 50 (RECIST 1.1 PD); day 140 20 + 13 = 33 mm: -34.00% vs baseline 50, -29.79% vs nadir 47.
    assert "target sum 64 mm is +28.00% and +14 mm vs nadir 50 mm" in text
    assert "target sum 33 mm is -34.00% vs baseline 50 mm" in text
    assert _check_reasons(timepoints[timepoints["criterion"].isin(
        ["recist11", "irrecist", "irecist", "imrecist", "irrc"])]) > 60


DECIMALS = HEADER + """P1,-7,T1,target,liver,false,20,,present
P1,56,T1,target,liver,false,24.95,,present
P2,-7,T1,target,liver,false,20.25,,present
P2,56,T1,target,liver,false,20.35,,present
"""


def test_explain_prints_an_absolute_change_under_5_mm_as_under_5_mm(tmp_path):
    path = write(tmp_path, DECIMALS)
    out = tmp_path / "results"
    assert_accepted(cli("assess", path, "--out", out, "--no-patterns"))
    shown = cli("explain", out, "P1")
    assert_accepted(shown)
    row = table(out, "timepoints.csv").query("patient_id == 'P1'").iloc[0]
    # Hand: 24.95 - 20 = 4.95 mm (< 5 mm: not PD, RECIST 1.1 sec. 4.3.1); +24.75%.
    assert (row["current_sum"], row["abs_change_nadir"], row["overall_response"]) == (24.95, 4.95, "SD")
    assert "+5.0 mm vs nadir 20 mm (<5 mm)" not in plain(shown)  # the sentence contradicts its own rule
    assert "target sum 24.95 mm is +24.75% but only +4.95 mm vs nadir 20 mm (<5 mm)" in plain(shown)


def test_explain_prints_sums_of_decimals_as_the_table_holds_them(tmp_path):
    path = write(tmp_path, DECIMALS)
    out = tmp_path / "results"
    assert_accepted(cli("assess", path, "--criteria", "recist11,irecist", "--out", out, "--no-patterns"))
    shown = cli("explain", out, "P2")
    assert_accepted(shown)
    timepoints = table(out, "timepoints.csv").query("patient_id == 'P2'")
    # Hand: 20.35 - 20.25 = +0.1 mm, 0.1 / 20.25 = +0.49%.
    assert timepoints[["baseline_sum", "current_sum"]].drop_duplicates().values.tolist() == [[20.25, 20.35]]
    assert "target sum 20.35 mm is +0.49% vs baseline 20.25 mm" in plain(shown)
    _check_reasons(timepoints)


PERCIST_EDGE = (
    "patient_id,day,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd\n"
    # Liver 1.0 / 0.1: T = 1.5 + 0.2 = 1.7 (PERCIST 5.3); 2.65 is measurable.
    "Q1,-5,L1,target,lung,2.65,60,1.0,0.1\n"
    "Q1,56,L1,target,lung,1.855,60,1.0,0.1\n"
)


def test_explain_percist_prints_the_sul_change_that_misses_0_8(tmp_path):
    path = write(tmp_path, PERCIST_EDGE, "pet.csv")
    out = tmp_path / "results"
    assert_accepted(cli("assess", path, "--criteria", "percist", "--out", out, "--no-patterns"))
    shown = cli("explain", out, "Q1")
    assert_accepted(shown)
    row = table(out, "timepoints.csv").iloc[0]
    # Hand: 1.855 - 2.65 = -0.795 SUL (not <= -0.8: not PMR, spec/metabolic.md 5.5);
    # rel = -0.795 / 2.65 = -30.0%.
    assert (row["abs_change"], row["current_sum"], row["overall_response"]) == (-0.795, 1.855, "SMD")
    text = plain(shown)
    assert row["reason"] in text
    assert "only -0.8 SUL (<=-0.8 SUL required" not in text  # the sentence contradicts its own rule
    assert "hottest SULpeak 1.855 (L1) vs baseline 2.65 (L1): -30.0%, -0.795 SUL" in text
