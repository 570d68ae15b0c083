"""Audit "consistency": the same facts written by several commands of the CLI must agree.

A trial imaging core lab is played by hand: ten patients read by two readers (R1, R2), one of them (P07)
also by an adjudicator (ADJ); the ``accepted`` column marks the adjudicated read (README "Input", "Cohort
analysis ... CDISC export": ``RSACPTFL`` / ``ANL01FL``). Scans are given as dates with a patient table
(``treatment_start``, ``arm``, ``os_days`` / ``os_event``). The study holds new lesions with measurements,
a pseudoprogression (P02: iUPD then iPR), a confirmed progression (P03: iUPD then iCPD), a non-target-only
patient (P04), a patient without follow-up (P05), readers who disagree (P07, P10).

``assess --criteria all``, ``compare``, ``report --patients``, ``export --sdtm --adam``, ``explain`` and
``patterns`` run once (module fixture); the tests read their files and check each fact everywhere it is
written, against hand arithmetic from the inputs and:

- README "Command line" (compare: each criterion's own best response, irRC confirms; explain), "Cohort
  analysis, figures, HTML report and CDISC export" (rates.csv, response_counts.csv, pfs.csv,
  progression_moves.csv, report.html, export RS / ADRS, RSACPTFL / ANL01FL), "Atypical patterns";
- spec/anatomic.md 0.5 (thresholds), 0.9 (output, confirm_response), 1.4-1.7 (RECIST 1.1), 2.4-2.7
  (irRC products and confirmation), 4.6-4.7 (iRECIST iUPD / iCPD, iBOR, iPFS);
- spec/patterns.md 7 (population, denominators), 7.1 (ORR, Clopper-Pearson), 7.2 (DCR), 7.4 (PFS, the
  count of patients whose progression date moves).
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from scipy.stats import beta
from typer.testing import CliRunner

from ioresponse.cli import app

# --------------------------------------------------------------------------------------------------------
# The study, typed by hand
# --------------------------------------------------------------------------------------------------------

PATIENTS = {  # patient -> (treatment_start, arm, os_days, os_event)
    "P01": ("2024-01-08", "A", 400, 0),
    "P02": ("2024-01-15", "B", 420, 0),
    "P03": ("2024-01-22", "A", 200, 1),
    "P04": ("2024-02-05", "B", 300, 0),
    "P05": ("2024-02-12", "A", 30, 1),
    "P06": ("2024-02-19", "B", 350, 0),
    "P07": ("2024-03-04", "A", 380, 0),
    "P08": ("2024-03-11", "B", 390, 0),
    "P09": ("2024-03-18", "A", 80, 1),
    "P10": ("2024-03-25", "B", 250, 1),
}
BASE = -7  # baseline scan one week before the first dose
LESIONS = {  # lesion id -> (role, organ, lymph node)
    "T1": ("target", "liver", False), "T2": ("target", "lung", False), "TN": ("target", "lymph node", True),
    "N1": ("non_target", "lung", False), "U1": ("new", "liver", False),
}
P = "present"
SAME_FOR_BOTH_READERS = {  # R1's read accepted by the adjudicator, R2 identical
    # P01 PR: 40+30 = 70 -> 42 (-40.00 %) -> 35 -> 34
    "P01": {BASE: {"T1": 40, "T2": 30, "N1": P}, 56: {"T1": 24, "T2": 18, "N1": P},
            112: {"T1": 20, "T2": 15, "N1": P}, 168: {"T1": 20, "T2": 14, "N1": P}},
    # P02 pseudoprogression: 30+20 = 50 -> 60 (+20.00 %, +10 mm) and new U1 12 mm -> 34 (-32 %) -> 30
    "P02": {BASE: {"T1": 30, "T2": 20}, 56: {"T1": 36, "T2": 24, "U1": 12},
            112: {"T1": 20, "T2": 14, "U1": "absent"}, 168: {"T1": 18, "T2": 12, "U1": "absent"}},
    # P03 confirmed PD: 50 -> 62 (+24 %, +12 mm) and new U1 15 mm -> 70 (+8 mm vs 62 at iUPD): iCPD
    "P03": {BASE: {"T1": 50, "N1": P}, 56: {"T1": 62, "N1": P, "U1": 15}, 112: {"T1": 70, "N1": P, "U1": 22}},
    # P04 non-target disease only
    "P04": {BASE: {"N1": P}, 56: {"N1": P}, 112: {"N1": P}},
    # P05 no follow-up (died on day 30)
    "P05": {BASE: {"T1": 45, "T2": 22}},
    # P06 SD: 60 -> 55 -> 58
    "P06": {BASE: {"T1": 35, "T2": 25}, 56: {"T1": 32, "T2": 23}, 112: {"T1": 33, "T2": 25}},
    # P08 CR: liver 20 mm + node 16 mm -> absent + node 8 mm (< 10 mm) -> absent + node 7 mm
    "P08": {BASE: {"T1": 20, "TN": 16}, 56: {"T1": "absent", "TN": 8}, 112: {"T1": "absent", "TN": 7}},
    # P09 PD by a new lesion: lung 35 -> 34 and new U1 18 mm; died on day 80
    "P09": {BASE: {"T2": 35}, 56: {"T2": 34, "U1": 18}},
}
OWN_READS = [  # (patient, reader, accepted, timeline)
    # P07: R1 48 (-31.43 %) PR, 47 PR; R2 52 (-25.71 %) SD, 50 (-28.57 %) SD; ADJ 49 (-30.00 %) PR, 48 PR
    ("P07", "R1", False, {BASE: {"T1": 45, "T2": 25}, 56: {"T1": 30, "T2": 18}, 112: {"T1": 29, "T2": 18}}),
    ("P07", "R2", False, {BASE: {"T1": 45, "T2": 25}, 56: {"T1": 33, "T2": 19}, 112: {"T1": 31, "T2": 19}}),
    ("P07", "ADJ", True, {BASE: {"T1": 45, "T2": 25}, 56: {"T1": 31, "T2": 18}, 112: {"T1": 30, "T2": 18}}),
    # P10: R1 49 (+22.5 %, +9 mm) PD; R2 46 (+15 %) SD, 47 SD; the adjudicator accepts R2's read
    ("P10", "R1", False, {BASE: {"T1": 40}, 56: {"T1": 49}, 112: {"T1": 52}}),
    ("P10", "R2", True, {BASE: {"T1": 40}, 56: {"T1": 46}, 112: {"T1": 47}}),
]
ACCEPTED_READER = {p: "R1" for p in SAME_FOR_BOTH_READERS} | {"P07": "ADJ", "P10": "R2"}
ANATOMIC = ("recist11", "irrc", "irrecist", "irecist", "imrecist")


def reads():
    out = []
    for patient, timeline in SAME_FOR_BOTH_READERS.items():
        out += [(patient, "R1", True, timeline), (patient, "R2", False, timeline)]
    return out + OWN_READS


def scan_date(patient: str, day: int) -> str:
    return (dt.date.fromisoformat(PATIENTS[patient][0]) + dt.timedelta(days=day)).isoformat()


def lesion_table() -> pd.DataFrame:
    rows = []
    for patient, reader, accepted, timeline in reads():
        for day, lesions in timeline.items():
            for lesion, value in lesions.items():
                role, organ, node = LESIONS[lesion]
                size = None if isinstance(value, str) else float(value)
                rows.append(dict(
                    patient_id=patient, reader=reader, accepted=accepted, date=scan_date(patient, day),
                    lesion_id=lesion, role=role, organ=organ, lymph_node=node,
                    long_axis_mm=None if size is None else (size + 4 if node else size),
                    short_axis_mm=size if node else None,
                    # irRC: perpendicular = round(0.8 x long axis); a node's product uses its short axis
                    perpendicular_mm=None if size is None or node else float(round(size * 0.8)),
                    status=value if isinstance(value, str) else "present", clinical_status="stable"))
    return pd.DataFrame(rows)


def patient_table() -> pd.DataFrame:
    return pd.DataFrame([dict(patient_id=p, treatment_start=s, arm=a, os_days=d, os_event=e)
                         for p, (s, a, d, e) in PATIENTS.items()])


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("core_lab")
    lesion_table().to_csv(folder / "lesions.csv", index=False)
    patient_table().to_csv(folder / "patients.csv", index=False)
    out = folder / "R"
    runs = {
        "assess": invoke("assess", folder / "lesions.csv", "--patients", folder / "patients.csv",
                         "--criteria", "all", "--out", out),
        "compare": invoke("compare", out),
        "report": invoke("report", out, "--patients", folder / "patients.csv"),
        "export": invoke("export", out, "--sdtm", "--adam"),
        "explain": invoke("explain", out, "P02"),
        "explain_adj": invoke("explain", out, "P07", "--reader", "ADJ", "--criterion", "recist11"),
        "patterns": invoke("patterns", folder / "lesions.csv", "--patients", folder / "patients.csv",
                           "--out", folder / "PAT"),
    }
    for name, result in runs.items():
        assert result.exit_code == 0, (name, result.output, repr(result.exception))

    def read(name, where=out):
        return pd.read_csv(where / f"{name}.csv", dtype={"patient_id": str, "reader": str, "USUBJID": str},
                           keep_default_na=False, na_values=[""])

    return {"out": out, "runs": runs, "read": read, "pat": folder / "PAT"}


def own_column(criterion: str) -> str:
    """README compare / report: each criterion's own best response, irRC confirms (spec/anatomic.md 0.9)."""
    return "best_response_confirmed" if criterion == "irrc" else "best_response"


# --------------------------------------------------------------------------------------------------------
# Consistent facts (regression tests)
# --------------------------------------------------------------------------------------------------------

# RECIST 1.1 best responses by hand (spec/anatomic.md 1.4-1.7; min_sd_days 42, SD on day 56 counts)
RECIST_BOR = {
    ("P01", "R1"): "PR", ("P01", "R2"): "PR", ("P02", "R1"): "PD", ("P02", "R2"): "PD",
    ("P03", "R1"): "PD", ("P03", "R2"): "PD", ("P04", "R1"): "NON-CR/NON-PD", ("P04", "R2"): "NON-CR/NON-PD",
    ("P05", "R1"): "NE", ("P05", "R2"): "NE", ("P06", "R1"): "SD", ("P06", "R2"): "SD",
    ("P07", "R1"): "PR", ("P07", "R2"): "SD", ("P07", "ADJ"): "PR", ("P08", "R1"): "CR", ("P08", "R2"): "CR",
    ("P09", "R1"): "PD", ("P09", "R2"): "PD", ("P10", "R1"): "PD", ("P10", "R2"): "SD",
}
# iRECIST (spec 4.6-4.7): P02 iUPD reset -> iPR; P03 +8 mm over the iUPD sum -> iCPD; P09 iUPD never
# confirmed; P10 R1 52 mm is +3 mm over 49 at iUPD (< 5 mm): still iUPD
IRECIST_BOR = {
    ("P01", "R1"): "iPR", ("P02", "R1"): "iPR", ("P03", "R1"): "iCPD", ("P04", "R1"): "NON-iCR/NON-iUPD",
    ("P05", "R1"): "NE", ("P06", "R1"): "iSD", ("P07", "ADJ"): "iPR", ("P07", "R2"): "iSD",
    ("P08", "R1"): "iCR", ("P09", "R1"): "iUPD", ("P10", "R1"): "iUPD", ("P10", "R2"): "iSD",
}


def test_best_responses_by_hand_in_best_response_csv(lab):
    """spec/anatomic.md 1.7 and 4.7: the hand-derived best responses, one row per patient x reader."""
    best = lab["read"]("best_response").set_index(["criterion", "patient_id", "reader"])
    for (patient, reader), expected in RECIST_BOR.items():
        assert best.loc[("recist11", patient, reader), "best_response"] == expected, (patient, reader)
    for (patient, reader), expected in IRECIST_BOR.items():
        assert best.loc[("irecist", patient, reader), "best_response"] == expected, (patient, reader)
    # irRC P07 R2: 33x26 + 19x15 = 1143 mm2 (-46.08 % of 2120: irSD), then 31x25 + 19x15 = 1060 (-50.00 %:
    # irPR) at the last scan, never confirmed (spec 2.7): irPR unconfirmed, irSD confirmed
    assert best.loc[("irrc", "P07", "R2"), ["best_response", "best_response_confirmed"]].tolist() == [
        "irPR", "irSD"]
    # 21 reads of 10 patients under each of the five anatomic criteria, none dropped or repeated
    assert len(best) == 21 * 5 and not best.index.duplicated().any()


def test_compare_wide_and_matrix_cells_equal_best_response(lab):
    """README "Command line": compare reads each criterion's own best response (irRC confirms); the
    reclassification cells are the counts of the wide table's pairs."""
    best = lab["read"]("best_response")
    wide = lab["read"]("compare_wide").set_index(["patient_id", "reader"])
    assert len(wide) == 21  # one row per read
    for row in best.itertuples(index=False):
        own = getattr(row, own_column(row.criterion))
        assert wide.loc[(row.patient_id, row.reader), row.criterion] == own
    assert wide.loc[("P07", "R2"), "irrc"] == "irSD"  # confirmed irRC (hand: irPR never confirmed)
    cells = lab["read"]("compare_reclassification")
    for criterion in ANATOMIC[1:]:  # one matrix per reader (each patient once, spec 8)
        pairs = wide.reset_index().groupby(["reader", "recist11", criterion]).size()
        mine = cells[cells["criterion"] == criterion]
        mine = mine.set_index(["reader", "recist11_response", "response"])["n"]
        assert mine.sort_index().to_dict() == pairs.sort_index().to_dict(), criterion
    # P02: RECIST PD -> iPR is a reclassification for both readers (README compare)
    moved = cells[(cells["criterion"] == "irecist") & (cells["recist11_response"] == "PD")
                  & (cells["response"] == "iPR")]
    assert moved[["reader", "reclassified", "patients"]].values.tolist() == [["R1", True, "P02"],
                                                                            ["R2", True, "P02"]]


def clopper_pearson(x, n):
    """spec/patterns.md 7.1, computed here with scipy.stats.beta."""
    low = 0.0 if x == 0 else beta.ppf(0.025, x, n - x + 1)
    high = 1.0 if x == n else beta.ppf(0.975, x + 1, n - x)
    return low, high


@pytest.mark.parametrize(("arm", "reader", "criterion", "n", "excluded", "responders", "control"), [
    # measurable population: P04 (non-target only, baseline sum 0) excluded; P05 (no follow-up) stays as NE
    ("all arms", "R1", "recist11", 9, 1, 3, 4),   # PR P01 P07, CR P08; + SD P06
    ("all arms", "R2", "recist11", 9, 1, 2, 5),   # PR P01, CR P08; + SD P06 P07 P10
    ("all arms", "ADJ", "recist11", 1, 0, 1, 1),  # P07 PR
    ("A", "R1", "recist11", 5, 0, 2, 2),          # P01 PR, P03 PD, P05 NE, P07 PR, P09 PD
    ("B", "R2", "recist11", 4, 1, 1, 3),          # P02 PD, P06 SD, P08 CR, P10 SD
    ("all arms", "R1", "irrc", 9, 1, 4, 6),       # confirmed irPR P01 P02 P07, irCR P08; irSD P06 P09
    ("all arms", "R2", "irecist", 9, 1, 3, 6),    # iPR P01 P02, iCR P08; iSD P06 P07 P10
])
def test_rates_recomputed_by_hand(lab, arm, reader, criterion, n, excluded, responders, control):
    """spec/patterns.md 7, 7.1, 7.2 and README rates.csv: denominators, counts, exact CIs per arm / reader."""
    rates = lab["read"]("rates")
    row = rates[(rates["arm"] == arm) & (rates["reader"] == reader) & (rates["criterion"] == criterion)]
    assert len(row) == 1
    row = row.iloc[0]
    assert (row["n"], row["excluded"], row["responders"], row["disease_control"]) == (
        n, excluded, responders, control)
    assert row["response_column"] == own_column(criterion)
    assert row["orr"] == pytest.approx(responders / n)
    assert (row["orr_ci_low"], row["orr_ci_high"]) == pytest.approx(clopper_pearson(responders, n))
    assert (row["dcr_ci_low"], row["dcr_ci_high"]) == pytest.approx(clopper_pearson(control, n))


def test_response_counts_add_up_to_the_rates_denominator(lab):
    """README: response_counts.csv holds the patients of the denominator per best response."""
    rates = lab["read"]("rates").set_index(["criterion", "arm", "reader"])
    counts = lab["read"]("response_counts")
    totals = counts.groupby(["criterion", "arm", "reader"])["n"].sum()
    assert totals.to_dict() == rates["n"].to_dict()
    r1 = counts[(counts["criterion"] == "recist11") & (counts["arm"] == "all arms")
                & (counts["reader"] == "R1")]
    # hand: CR P08; PR P01 P07; SD P06; PD P02 P03 P09 P10; NE P05 (P04 excluded)
    expected = {"CR": 1, "PR": 2, "SD": 1, "PD": 4, "NE": 1}
    assert dict(zip(r1["best_response"], r1["n"], strict=True)) == expected


@pytest.mark.parametrize(("criterion", "arm", "reader", "n", "events", "median"), [
    # A R1: P03 PD d56, P09 PD d56, P05 death d30 (no follow-up); P01 censored d168, P07 d112
    ("recist11", "A", "R1", 5, 3, 56.0),
    # B R2: P02 PD d56; P10 no PD, death d250; P04 P06 P08 censored d112 -> S(56)=0.8, S(250)=0: median 250
    ("recist11", "B", "R2", 5, 2, 250.0),
    # irRC A R1: P03 irPD d56 (70x56 = 3920 confirms), P05 death d30, P09 irSD then death d80: median 80
    ("irrc", "A", "R1", 5, 3, 80.0),
    # iRECIST B R1: P10 iUPD d56 never confirmed, death d250: event at d56 (spec 4.7, D8); P02 reset: no event
    ("irecist", "B", "R1", 5, 1, None),
])
def test_pfs_events_from_progression_days_and_deaths(lab, criterion, arm, reader, n, events, median):
    """spec/patterns.md 7.4 and README pfs.csv: progression, or death from the patient table; per arm and
    reader so that a curve counts each patient once."""
    pfs = lab["read"]("pfs")
    row = pfs[(pfs["criterion"] == criterion) & (pfs["arm"] == arm) & (pfs["reader"] == reader)].iloc[0]
    assert (row["n"], row["events"], row["censored"]) == (n, events, n - events)
    if median is None:
        assert pd.isna(row["median_days"]) and "median_days" in row["not_reached"]
    else:
        assert row["median_days"] == median


def test_rs_overall_responses_dates_and_visits_match_timepoints(lab):
    """README export: RS OVRLRESP per timepoint; RSDTC = treatment_start + day, VISIT "DAY n", RSDY = day + 1
    (no day 0), RSCAT the criterion as published, RSEVALID the reader."""
    tp = lab["read"]("timepoints")
    rs = lab["read"]("rs")
    ovr = rs[rs["RSTESTCD"] == "OVRLRESP"]
    assert len(ovr) == len(tp)
    names = {"recist11": "RECIST 1.1", "irrc": "irRC", "irrecist": "irRECIST", "irecist": "iRECIST",
             "imrecist": "imRECIST"}
    got = ovr.set_index(["USUBJID", "RSEVALID", "RSCAT", "VISITNUM"])
    for row in tp.itertuples(index=False):
        rsrow = got.loc[(row.patient_id, row.reader, names[row.criterion], row.day)]
        assert rsrow["RSORRES"] == row.overall_response
        assert rsrow["RSDTC"] == row.date == scan_date(row.patient_id, row.day)
        assert rsrow["VISIT"] == f"DAY {row.day}" and rsrow["RSDY"] == row.day + 1
    # hand: P02 day 56 (2024-01-15 + 56 = 2024-03-11) PD under RECIST 1.1, iUPD under iRECIST, new lesion Y
    p02 = rs[(rs["USUBJID"] == "P02") & (rs["RSEVALID"] == "R1") & (rs["VISITNUM"] == 56)]
    by = {(r.RSCAT, r.RSTESTCD): r.RSORRES for r in p02.itertuples()}
    assert by[("RECIST 1.1", "OVRLRESP")] == "PD" and by[("iRECIST", "OVRLRESP")] == "iUPD"
    assert by[("RECIST 1.1", "NEWLPROG")] == "Y"
    assert set(p02["RSDTC"]) == {"2024-03-11"}


def test_adrs_bor_cbor_equal_best_response_and_accepted_read_is_the_analysis_record(lab):
    """README export: ADRS BOR / CBOR (prefixed per criterion); RSACPTFL = Y marks the accepted read and
    only its ADRS rows are analysis records (ANL01FL): one analysis BOR per patient and criterion."""
    best = lab["read"]("best_response")
    adrs = lab["read"]("adrs")
    prefix = {"recist11": "", "irrc": "IRC", "irrecist": "IRR", "irecist": "I", "imrecist": "IM"}
    got = adrs[~adrs["PARAMCD"].str.endswith("OVR")].set_index(["USUBJID", "RSEVALID", "PARAMCD"])
    assert got.index.is_unique
    for row in best.itertuples(index=False):
        bor = got.loc[(row.patient_id, row.reader, prefix[row.criterion] + "BOR")]
        cbor = got.loc[(row.patient_id, row.reader, prefix[row.criterion] + "CBOR")]
        assert bor["AVALC"] == row.best_response and cbor["AVALC"] == row.best_response_confirmed
        accepted = ACCEPTED_READER[row.patient_id] == row.reader
        assert (bor["ANL01FL"] == "Y") == accepted, (row.patient_id, row.reader)
    analysis = adrs[(adrs["PARAMCD"] == "BOR") & (adrs["ANL01FL"] == "Y")]
    assert sorted(analysis["USUBJID"]) == sorted(PATIENTS)  # each patient once, none dropped
    assert dict(zip(analysis["USUBJID"], analysis["AVALC"], strict=True)) == {
        p: RECIST_BOR[(p, ACCEPTED_READER[p])] for p in PATIENTS}
    # the BOR date is the assessment on bor_day: P02 iRECIST iPR on day 112, 2024-01-15 + 112 days
    ibor = got.loc[("P02", "R1", "IBOR")]
    assert ibor["ADT"] == scan_date("P02", 112) == "2024-05-06" and ibor["ADY"] == 113
    rs = lab["read"]("rs")
    flagged = rs[rs["RSACPTFL"] == "Y"][["USUBJID", "RSEVALID"]].drop_duplicates()
    assert dict(zip(flagged["USUBJID"], flagged["RSEVALID"], strict=True)) == {
        p: r for p, r in ACCEPTED_READER.items() if p != "P05"}  # P05 has no follow-up: no RS row


def table_rows(output: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in output.splitlines() if "│" in line]


def test_explain_prints_the_best_responses_of_best_response_csv(lab):
    """README "Command line": explain prints the timeline with reasons, then the best responses;
    --reader / --criterion keep one reader's, one criterion's."""
    best = lab["read"]("best_response")
    mine = best[best["patient_id"] == "P02"]
    printed = {(r[0], r[1]): (r[2], r[3]) for r in table_rows(lab["runs"]["explain"].output)
               if len(r) == 5 and r[0] in ("R1", "R2")}
    assert printed == {(r.reader, r.criterion): (r.best_response, r.best_response_confirmed)
                       for r in mine.itertuples()}
    assert printed[("R1", "recist11")] == ("PD", "PD") and printed[("R1", "irecist")] == ("iPR", "iPR")
    rows = table_rows(lab["runs"]["explain_adj"].output)
    timeline = [r for r in rows if len(r) == 5 and r[0].isdigit() and r[1] in ANATOMIC]
    assert [(r[0], r[1], r[2]) for r in timeline] == [("56", "recist11", "PR"), ("112", "recist11", "PR")]
    assert [r[:4] for r in rows if len(r) == 5 and r[0] == "ADJ"] == [["ADJ", "recist11", "PR", "PR"]]


def test_patterns_command_agrees_with_assess_on_pseudoprogression(lab):
    """README "Atypical patterns": patterns runs the same rules alone; spec/patterns.md 1.4: P02's iUPD on
    day 56 reset by iPR on day 112 is a pseudoprogression (early, day 56 <= 84)."""
    from_assess = lab["read"]("patterns")
    alone = lab["read"]("patterns", lab["pat"])
    key = ["patient_id", "reader", "definition"]
    for table in (from_assess, alone):
        pseudo = table[table["definition"] == "pseudoprogression.irecist"].set_index(["patient_id", "reader"])
        assert pseudo.loc[("P02", "R1"), "flag"] == "true" and pseudo.loc[("P02", "R2"), "flag"] == "true"
        assert pseudo.loc[("P03", "R1"), "flag"] == "false"  # iUPD confirmed as iCPD
    a = from_assess[from_assess["pattern"] == "pseudoprogression"].set_index(key)["flag"]
    b = alone[alone["pattern"] == "pseudoprogression"].set_index(key)["flag"]
    assert a.sort_index().to_dict() == b.sort_index().to_dict()


def test_assess_summary_counts_the_same_best_responses_as_compare(lab):
    """README "Command line": compare's default is each criterion's own best response, "as in the summary
    of assess and in the report: irRC confirms"; the summary counts each read once."""
    wide = lab["read"]("compare_wide")
    printed = {}
    for cells in table_rows(lab["runs"]["assess"].output):
        if len(cells) == 3 and cells[0] in ANATOMIC:
            tokens = cells[2].split()
            printed[(cells[0], cells[1])] = dict(zip(tokens[::2], map(int, tokens[1::2]), strict=True))
    for (criterion, reader), counts in printed.items():
        mine = wide.loc[wide["reader"] == reader, criterion].value_counts().to_dict()
        assert counts == mine, (criterion, reader)
    # hand, irRC R2 confirmed: irPR P01 P02, irCR P08, irSD P06 P07 P09, irPD P03 P10, NE P04 P05
    assert printed[("irrc", "R2")] == {"irCR": 1, "irPR": 2, "irSD": 3, "irPD": 2, "NE": 2}
    assert len(printed) == 15  # 5 criteria x 3 readers


def test_report_reader_agreement_kappa_by_hand(lab):
    """README report.html: reader agreement (Cohen's kappa). RECIST 1.1, R1 vs R2 on 10 patients: agree on
    8 (P07 PR/SD, P10 PD/SD differ): p_o = 0.8; marginals R1 PR .2 PD .4 SD .1 CR .1 NCNP .1 NE .1, R2 PR .1
    PD .3 SD .3 CR .1 NCNP .1 NE .1: p_e = .02+.12+.03+.01+.01+.01 = 0.20; kappa = 0.6 / 0.8 = 0.75."""
    html = (lab["out"] / "report.html").read_text(encoding="utf-8")
    cells = r'<td class="[a-z]*">{}</td>'
    pattern = "".join(cells.format(v) for v in ("recist11", "R1", "R2", "10", "0.8", "0.75"))
    assert re.search(pattern, html)
    assert "10 patient(s)" in html


# --------------------------------------------------------------------------------------------------------
# The difference the audit proved (a strict xfail, fixed in session 17)
# --------------------------------------------------------------------------------------------------------

def test_progression_moves_count_each_patient_once(lab):
    # Found pooling the readers (n = 21 reads for 10 patients, P02 counted twice); fixed in session 17: split
    # by arm and reader as the rates and PFS are (spec/patterns.md 7.4 counts patients).
    moves = lab["read"]("progression_moves")
    assert {"arm", "reader"} <= set(moves.columns)
    for reader in ("R1", "R2", "ADJ"):
        mine = moves[(moves["reader"] == reader) & (moves["criterion"] == "irecist")]
        # R1 and R2 read all 10 patients (5 per arm); ADJ one (P07)
        assert mine["n"].sum() == (1 if reader == "ADJ" else 10)
        # RECIST PD but no iRECIST progression: only P02 (P03 same day; P09, P10 R1 iUPD events on day 56)
        assert mine["reference_only"].sum() == (0 if reader == "ADJ" else 1)
