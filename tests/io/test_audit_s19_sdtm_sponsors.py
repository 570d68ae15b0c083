"""Audit (session 19, auditor "sdtm"): SDTM TU / TR / RS as other sponsors, core labs and immune-criteria
trials write them, and the comparison of the readers' recorded responses (RS) with the computed calls.

Audited through the public entry points (``ioresponse.assess`` on a folder, ``Result.against_recorded``, the
``assess`` and ``validate`` commands) on small folders built by hand (CSV, SAS XPORT written by
``pyreadstat.write_xport``, Parquet), against:

- README "Input: the lesion table", bullet "CDISC SDTM folders" (each evaluator assessed separately,
  TRACPTFL / RSACPTFL, each RS OVRLRESP compared with the computed call of the criterion its RSCAT names,
  "CHECK" or a category not assessed kept in ``recorded`` with a note), README "Outputs in results/"
  (``excluded.*``: "rows not used, each with its reason"; bad input: "a located message (file, row, column,
  what was expected) and exit code 2");
- the mapping in the module docstring of ``ioresponse/io/sdtm.py`` (patient_id = USUBJID; reader = --EVALID,
  else --EVAL; role from TUSTRESC; organ / lymph node from TULOC; LDIAM / LPERP / SAXIS / DIAMETER / TUMSTATE;
  TRSTRESU mm or cm; RS placed at its visit's TR assessment; "no row goes unreported");
- spec/anatomic.md 0.1 (lesion_id stable, one patient per patient_id), 0.2 (assessments, baseline), 0.4
  (lesion values), 0.5 (sums, nadir, thresholds), 0.9 (labels), RECIST 1.1 1.4-1.6, irRC 2.4-2.7 and
  iRECIST 4.4-4.6 for the expected calls, computed by hand in the comments.

The seven differences this audit proved (strict xfails at first) were fixed by the fix helper "sdtmfix" of
the same session and are regression tests now: RS records of other tests (TRGRESP, BESTRSP, ...) are listed
in ``excluded``; a USUBJID of several STUDYIDs is refused (exit 2, column STUDYID); an RS record of an
evaluator with TR records of their own is compared with their own calls only (``Result.against_recorded``
decides the shared reader from the lesion rows); VISITNUM is matched as a number; a non-nodal lesion keeps
its SAXIS in ``short_axis_mm``; a DIAMETER beside the axis read is listed in ``excluded``; TU records of one
lesion with different TULOC are refused (exit 2, column TULOC). The "Before the fix" comments say what the
code did.

SDTM study day -> contract day (first dose = day 0, no SDTM day 0): TRDY -5 -> -5, 57 -> 56, 113 -> 112,
169 -> 168; first dose 2021-03-01 (TRDTC 2021-04-26 at TRDY 57). Rows: header = row 1, so the n-th record
of a file is row n + 1.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app

VISITS = {  # VISITNUM -> (VISIT, TRDTC, TRDY)
    "1": ("SCREENING", "2021-02-24", "-5"),
    "2": ("WEEK 8", "2021-04-26", "57"),
    "3": ("WEEK 16", "2021-06-21", "113"),
    "4": ("WEEK 24", "2021-08-16", "169"),
}
IRC1 = ("INDEPENDENT ASSESSOR", "RADIOLOGIST 1")
IRC2 = ("INDEPENDENT ASSESSOR", "RADIOLOGIST 2")
NO_READER = ("", "")


def tr(lesion, test, value, visit, *, reader=NO_READER, subject="S1", study="A", unit="mm", accepted="",
       **extra):
    """One TR record; a number is TRSTRESC and TRSTRESN in ``unit``, a text (a state) TRSTRESC only."""
    name, date, day = VISITS[visit]
    number = test != "TUMSTATE"
    record = {
        "STUDYID": study, "DOMAIN": "TR", "USUBJID": subject, "TRGRPID": "", "TRLNKID": lesion,
        "TRTESTCD": test,
        "TRORRES": str(value), "TRORRESU": unit if number else "", "TRSTRESC": str(value),
        "TRSTRESN": str(value) if number else "", "TRSTRESU": unit if number else "", "TRSTAT": "",
        "TREVAL": reader[0], "TREVALID": reader[1], "TRACPTFL": accepted, "VISITNUM": visit, "VISIT": name,
        "EPOCH": "SCREENING" if visit == "1" else "TREATMENT", "TRDTC": date, "TRDY": day,
    }
    record.update(extra)
    return record


def tu(lesion, role, location, *, reader=NO_READER, subject="S1", study="A", **extra):
    record = {"STUDYID": study, "DOMAIN": "TU", "USUBJID": subject, "TULNKID": lesion,
              "TUTESTCD": "TUMIDENT", "TUORRES": role, "TUSTRESC": role, "TULOC": location,
              "TUEVAL": reader[0], "TUEVALID": reader[1]}
    record.update(extra)
    return record


def rs(response, visit, *, category="RECIST 1.1", test="OVRLRESP", reader=NO_READER, subject="S1", study="A",
       accepted="", **extra):
    name, date, day = VISITS[visit] if visit else ("", "", "")
    record = {"STUDYID": study, "DOMAIN": "RS", "USUBJID": subject, "RSTESTCD": test, "RSCAT": category,
              "RSORRES": response, "RSSTRESC": response, "RSEVAL": reader[0], "RSEVALID": reader[1],
              "RSACPTFL": accepted, "VISITNUM": visit, "VISIT": name, "RSDTC": date, "RSDY": day}
    record.update(extra)
    return record


def with_seq(rows, seq):
    table = pd.DataFrame(rows).fillna("")
    table.insert(3, seq, [str(i) for i in range(1, len(table) + 1)])
    return table


def folder(tmp_path, tu_rows, tr_rows, rs_rows=None, *, name="sdtm") -> Path:
    """tu.csv, tr.csv (and rs.csv) with every value as text; header = row 1."""
    path = tmp_path / name
    path.mkdir()
    with_seq(tu_rows, "TUSEQ").to_csv(path / "tu.csv", index=False)
    with_seq(tr_rows, "TRSEQ").to_csv(path / "tr.csv", index=False)
    if rs_rows is not None:
        with_seq(rs_rows, "RSSEQ").to_csv(path / "rs.csv", index=False)
    return path


def assess(path, *criteria):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(path, criteria=criteria or ("recist11",))


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def flat(result) -> str:
    return " ".join(result.output.split())


def calls(result, criterion=None):
    """(reader, day, overall_response) of the timepoints."""
    tp = result.timepoints
    if criterion:
        tp = tp[tp["criterion"] == criterion]
    return [(r, int(d), o) for r, d, o in tp[["reader", "day", "overall_response"]].itertuples(index=False)]


def pairs(result):
    """(reader, criterion, day, recorded, computed) of recorded_vs_computed, sorted."""
    table = result.against_recorded()
    return sorted((r, c, int(d), rec, comp) for r, c, d, rec, comp in table[
        ["reader", "criterion", "day", "recorded_response", "computed_response"]].itertuples(index=False))


def excluded_rows(result) -> set[int]:
    excluded = result.study.excluded
    return set() if excluded is None or not len(excluded) else set(excluded["source_row"].astype(int))


# ---------------------------------------------------------------------------------------------------------
# Proven differences, fixed (xfail strict until the fix; regression tests since)


def test_rs_records_other_than_ovrlresp_are_listed_not_silently_dropped(tmp_path):
    # A sponsor's RS (as the pharmaverse rs_onco.csv: 4 300 TRGRESP / NTRGRESP / NEWLPROG records) holds the
    # component responses and the best response beside the overall ones.
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER"), tu("NT01", "NON-TARGET", "BONE")], [
        tr("T01", "LDIAM", 40, "1"), tr("NT01", "TUMSTATE", "PRESENT", "1"),
        tr("T01", "LDIAM", 28, "2"), tr("NT01", "TUMSTATE", "PRESENT", "2"),
    ], [
        rs("PR", "2", test="TRGRESP"),            # row 2
        rs("NON-CR/NON-PD", "2", test="NTRGRESP"),  # row 3
        rs("N", "2", test="NEWLPROG"),            # row 4
        rs("PR", "2"),                            # row 5: OVRLRESP, compared
        rs("PR", "", test="BESTRSP"),             # row 6
    ])
    result = assess(path)
    # 40 -> 28 mm = -30.00% (<= -30 %): PR, non-target present: PR (RECIST 1.1 Table 1)
    assert calls(result) == [("", 56, "PR")]
    assert set(result.study.recorded["source_row"]) == {5}
    # README "Outputs": excluded.* lists the rows not used, each with its reason; sdtm.py: "no row goes
    # unreported". Rows 2, 3, 4 and 6 of rs.csv are used nowhere, so they must be listed with a reason.
    excluded = result.study.excluded
    listed = excluded[excluded["reason"].str.contains("rs.csv|RSTESTCD", regex=True)] \
        if excluded is not None and len(excluded) else pd.DataFrame(columns=["source_row"])
    assert set(listed["source_row"].astype(int)) >= {2, 3, 4, 6}


def test_same_usubjid_in_two_studies_is_not_merged_into_one_patient(tmp_path):
    # Two studies pooled in one folder; subject "001" of study A and "001" of study B are different people
    # (SDTM keys a subject by STUDYID + USUBJID when studies are pooled).
    path = folder(tmp_path, [
        tu("T01", "TARGET", "LIVER", subject="001", study="A"),
        tu("T01", "TARGET", "LUNG", subject="001", study="B"),
    ], [
        tr("T01", "LDIAM", 40, "1", subject="001", study="A"),
        tr("T01", "LDIAM", 28, "2", subject="001", study="A"),
        tr("T01", "LDIAM", 50, "1", subject="001", study="B", TRDTC="2022-01-03", TRDY="-3"),
        tr("T01", "LDIAM", 70, "2", subject="001", study="B", TRDTC="2022-03-07", TRDY="61"),
    ])
    run = cli("assess", path, "--out", tmp_path / "out", "--no-patterns", "--format", "csv")
    if run.exit_code == 2:  # refused: the message must say why (the study)
        assert "STUDYID" in flat(run), flat(run)
        return
    assert run.exit_code == 0, run.output
    best = pd.read_csv(tmp_path / "out" / "best_response.csv", dtype=str, keep_default_na=False)
    # spec 0.1 / 0.5: A/001 40 -> 28 mm (-30 %) PR; B/001 50 -> 70 mm (+40 %, +20 mm vs nadir 50) PD, each on
    # its own baseline. Before the fix: one patient "001", study B's lung lesion read as A's liver lesion
    # (first TU record), baselines and follow-ups of both studies interleaved: PR at day 56, then PD vs nadir
    # 28.
    assert sorted(best["best_response"]) == ["PD", "PR"]


def test_rs_of_a_reader_with_own_tr_is_not_compared_with_another_readers_call(tmp_path):
    # The investigator's TR has no TREVAL (the sponsor leaves it empty); RADIOLOGIST 1 read the baseline only
    # (TR row 4) but recorded an RS call at WEEK 8.
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER")], [
        tr("T01", "LDIAM", 40, "1"), tr("T01", "LDIAM", 28, "2"),
        tr("T01", "LDIAM", 40, "1", reader=IRC1),
    ], [rs("PD", "2", reader=IRC1)])
    result = assess(path)
    assert calls(result) == [("", 56, "PR")]  # investigator: 40 -> 28 mm = -30 %: PR
    # sdtm.py docstring / Result.against_recorded: only "an RS record of an evaluator whose subject's TR has
    # none" is compared with the read without an evaluator. RADIOLOGIST 1 has TR records of its own, with no
    # WEEK 8 assessment: "(no assessment)". Before the fix: compared with the investigator's PR.
    assert pairs(result) == [("RADIOLOGIST 1", "recist11", 56, "PD", "(no assessment)")]


def test_rs_visitnum_written_as_a_decimal_is_the_same_visit(tmp_path):
    # TR written by SAS ("2"), RS by a pandas step whose VISITNUM column is float ("2.0"); the RS date is the
    # day the response was entered, three days after the scan.
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER")], [
        tr("T01", "LDIAM", 40, "1"), tr("T01", "LDIAM", 28, "2"),
    ], [rs("PR", "2", VISITNUM="2.0", RSDTC="2021-04-29", RSDY="60")])
    result = assess(path)
    # SDTM VISITNUM is numeric: 2.0 is visit 2 (WEEK 8), so the RS record is the call of the WEEK 8 scan (day
    # 56: PR, 40 -> 28 mm = -30 %). Before the fix: VISITNUM compared as text, the record placed by RSDY 60
    # at day 59, "(no assessment)".
    assert pairs(result) == [("", "recist11", 56, "PR", "PR")]


def test_short_axis_of_a_lesion_not_located_in_a_node_is_not_silently_dropped(tmp_path):
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER"), tu("T02", "TARGET", "LUNG")], [
        tr("T01", "LDIAM", 40, "1"),  # row 2
        tr("T01", "SAXIS", 16, "1"),  # row 3
        tr("T02", "LDIAM", 30, "1"),  # row 4
        tr("T01", "LDIAM", 28, "2"),  # row 5
        tr("T01", "SAXIS", 8, "2"),   # row 6
        tr("T02", "LDIAM", 20, "2"),  # row 7
    ])
    result = assess(path)
    # sums 70 -> 48 mm = -31.43 %: PR (RECIST 1.1 sec. 4.3.1; a non-nodal lesion counts its long axis)
    assert calls(result) == [("", 56, "PR")]
    lesions = result.study.lesions
    short = set(lesions.loc[lesions["lesion_id"] == "T01", "short_axis_mm"].dropna())
    # README "Outputs": every row is used or listed in excluded.* with its reason. A user's table keeps a
    # short_axis_mm given on a non-nodal row (not used by the rule, but kept); here the SAXIS records (rows
    # 3 and 6) vanished before the fix: not in lesions.*, not in excluded.*, no warning.
    assert short == {16.0, 8.0} or {3, 6} <= excluded_rows(result)


def test_diameter_beside_ldiam_is_not_silently_dropped(tmp_path):
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER")], [
        tr("T01", "LDIAM", 40, "1"),     # row 2
        tr("T01", "DIAMETER", 44, "1"),  # row 3: the sponsor's RECIST measure, 4 mm more than LDIAM
        tr("T01", "LDIAM", 28, "2"),     # row 4
        tr("T01", "DIAMETER", 31, "2"),  # row 5
    ])
    result = assess(path)
    assert calls(result) == [("", 56, "PR")]  # LDIAM 40 -> 28 mm = -30 %: PR
    # sdtm.py: DIAMETER "fills long_axis_mm of non-nodal lesions without LDIAM"; beside LDIAM it is used
    # nowhere (by DIAMETER 44 -> 31 mm = -29.5 % the call would be SD), and README "Outputs" wants every row
    # used or listed in excluded.* with its reason. Before the fix rows 3 and 5 were not listed.
    assert {3, 5} <= excluded_rows(result)


def test_tu_records_of_one_lesion_with_different_locations_are_not_silently_resolved(tmp_path):
    # T01 identified twice by the same reader (baseline and a re-identification at WEEK 8) in two locations.
    path = folder(tmp_path, [
        tu("T01", "TARGET", "LIVER", VISITNUM="1"),       # row 2
        tu("T01", "TARGET", "LYMPH NODE", VISITNUM="2"),  # row 3
        tu("T02", "TARGET", "LUNG"),
    ], [
        tr("T01", "LDIAM", 30, "1"), tr("T01", "SAXIS", 16, "1"), tr("T02", "LDIAM", 20, "1"),
        tr("T01", "LDIAM", 28, "2"), tr("T01", "SAXIS", 8, "2"), tr("T02", "LDIAM", 0, "2"),
    ])
    run = cli("assess", path, "--out", tmp_path / "out", "--no-patterns", "--format", "csv")
    # spec 0.1: a lesion_id is "stable across assessments" and its rows agree on organ and lymph_node
    # (io.validate refuses fragments that disagree); a lesion with two roles in TU is refused (sdtm.py). As a
    # node (short axis 16 -> 8 mm, normal) with T02 gone the call is CR; as liver (long axis 58 -> 28 mm)
    # PR. Which one is meant is not the code's to pick: refused naming tu.csv, or tu.csv row 3 reported.
    # Before the fix: the first record (LIVER) won silently, exit 0, no warning, nothing in excluded.
    text = flat(run)
    assert (run.exit_code == 2 and "tu.csv" in text and "TULOC" in text) or (
        run.exit_code == 0 and "tu.csv, row" in text and "TULOC" in text), text


# ---------------------------------------------------------------------------------------------------------
# Rules checked and found correct (regression tests)


def test_readme_sdtm_two_independent_radiologists_each_assessed_and_paired_with_own_rs(tmp_path):
    """README "CDISC SDTM folders": each evaluator separately; RS paired by RSCAT criterion, reader, visit.
    iRECIST 4.4 / 4.6: a measurable new lesion (>= 10 mm) is a new lesion target; NLT sum +5 mm at >= 28 days
    after iUPD confirms iCPD."""
    path = folder(tmp_path, [
        tu("T01", "TARGET", "LIVER", reader=IRC1), tu("T01", "TARGET", "LIVER", reader=IRC2),
        tu("NEW01", "NEW", "LUNG", reader=IRC2),
    ], [
        tr("T01", "LDIAM", 40, "1", reader=IRC1), tr("T01", "LDIAM", 28, "2", reader=IRC1),
        tr("T01", "LDIAM", 27, "3", reader=IRC1),
        tr("T01", "LDIAM", 40, "1", reader=IRC2), tr("T01", "LDIAM", 40, "2", reader=IRC2),
        tr("NEW01", "LDIAM", 12, "2", reader=IRC2), tr("T01", "LDIAM", 41, "3", reader=IRC2),
        tr("NEW01", "LDIAM", 18, "3", reader=IRC2),
    ], [
        rs("PR", "2", reader=IRC1), rs("PR", "3", reader=IRC1), rs("PD", "2", reader=IRC2),
        rs("PD", "3", reader=IRC2), rs("iPR", "2", category="iRECIST", reader=IRC1),
        rs("iPR", "3", category="iRECIST", reader=IRC1), rs("iUPD", "2", category="iRECIST", reader=IRC2),
        rs("iCPD", "3", category="iRECIST", reader=IRC2),
        rs("PD", "3", reader=("INDEPENDENT ASSESSOR", "ADJUDICATOR")),  # no TR of its own
    ])
    result = assess(path, "recist11", "irecist")
    # R1: 40 -> 28 (-30 %) PR, 27 (-32.5 %) PR. R2: new lesion at day 56 -> PD / iUPD; day 112 NLT 12 -> 18
    # mm (+6 >= 5 mm), 56 days after the iUPD -> iCPD (iRECIST Table 2).
    assert calls(result, "recist11") == [("RADIOLOGIST 1", 56, "PR"), ("RADIOLOGIST 1", 112, "PR"),
                                         ("RADIOLOGIST 2", 56, "PD"), ("RADIOLOGIST 2", 112, "PD")]
    assert calls(result, "irecist") == [("RADIOLOGIST 1", 56, "iPR"), ("RADIOLOGIST 1", 112, "iPR"),
                                        ("RADIOLOGIST 2", 56, "iUPD"), ("RADIOLOGIST 2", 112, "iCPD")]
    assert pairs(result) == sorted([
        ("ADJUDICATOR", "recist11", 112, "PD", "(no assessment)"),  # no TR of the adjudicator: not paired
        ("RADIOLOGIST 1", "irecist", 56, "iPR", "iPR"), ("RADIOLOGIST 1", "irecist", 112, "iPR", "iPR"),
        ("RADIOLOGIST 1", "recist11", 56, "PR", "PR"), ("RADIOLOGIST 1", "recist11", 112, "PR", "PR"),
        ("RADIOLOGIST 2", "irecist", 56, "iUPD", "iUPD"), ("RADIOLOGIST 2", "irecist", 112, "iCPD", "iCPD"),
        ("RADIOLOGIST 2", "recist11", 56, "PD", "PD"), ("RADIOLOGIST 2", "recist11", 112, "PD", "PD"),
    ])


def test_readme_sdtm_rscat_variants_checks_and_unassessed_categories(tmp_path):
    """README "CDISC SDTM folders": RSCAT names the criterion; "CHECK" and a category not assessed stay in
    recorded with a note, not compared. Lower-case TUSTRESC / TULOC / TUMSTATE values read (sdtm.py).
    RECIST 1.1 1.6.2 (non-target only), iRECIST 4.5 / 4.6, irRECIST 3.6."""
    path = folder(tmp_path, [tu("NT01", "NON-TARGET", "BONE"), tu("NT02", "non-target", "lymph node")], [
        tr("NT01", "TUMSTATE", "present", "1"), tr("NT02", "TUMSTATE", "PRESENT", "1"),
        tr("NT01", "TUMSTATE", "Present", "2"), tr("NT02", "TUMSTATE", "ABSENT", "2"),
        tr("NT01", "TUMSTATE", "UNEQUIVOCAL PROGRESSION", "3"), tr("NT02", "TUMSTATE", "ABSENT", "3"),
    ], [
        rs("NON-CR/NON-PD", "2"), rs("NON-iCR/NON-iUPD", "2", category="iRECIST"),
        rs("irSD", "2", category="irRC"), rs("irNON-CR/NON-PD", "2", category="irRECIST"),
        rs("PD", "3"), rs("IUPD", "3", category="iRECIST"), rs("irPD", "3", category="irRECIST"),
        rs("CHECK", "3"),                                   # row 9
        rs("PD", "3", category="Investigator RECIST"),      # row 10
    ])
    result = assess(path, "recist11", "irecist", "irrecist")
    # day 56: bone present -> NON-CR/NON-PD (Table 2); day 112: unequivocal progression -> PD / iUPD / irPD
    assert pairs(result) == sorted([
        ("", "recist11", 56, "NON-CR/NON-PD", "NON-CR/NON-PD"), ("", "recist11", 112, "PD", "PD"),
        ("", "irecist", 56, "NON-iCR/NON-iUPD", "NON-iCR/NON-iUPD"), ("", "irecist", 112, "iUPD", "iUPD"),
        ("", "irrecist", 56, "irNON-CR/NON-PD", "irNON-CR/NON-PD"), ("", "irrecist", 112, "irPD", "irPD"),
    ])  # irRC not assessed: its irSD is kept, not compared
    recorded = result.study.recorded.set_index("source_row")
    assert recorded.loc[9, "recorded_response"] == "" and "CHECK" in recorded.loc[9, "note"]
    assert recorded.loc[10, "criterion"] == "" and "Investigator RECIST" in recorded.loc[10, "note"]
    assert recorded.loc[4, "criterion"] == "irrc" and recorded.loc[4, "recorded_response"] == "irSD"


def test_irrc_bidimensional_sdtm_with_new_measurable_lesion_confirmed_irpd(tmp_path):
    """irRC 2.4 / 2.6 / 2.7 from LDIAM x LPERP; RS irRC calls compared (README)."""
    rows = []
    sizes = {"1": (40, 30, 20, 10, None), "2": (30, 20, 10, 10, None), "3": (30, 20, 10, 10, (20, 20)),
             "4": (30, 20, 10, 10, (25, 20))}
    inv = ("INVESTIGATOR", "")
    for visit, (a, b, c, d, new) in sizes.items():
        rows += [tr("T01", "LDIAM", a, visit, reader=inv), tr("T01", "LPERP", b, visit, reader=inv),
                 tr("T02", "LDIAM", c, visit, reader=inv), tr("T02", "LPERP", d, visit, reader=inv)]
        if new:
            rows += [tr("N01", "LDIAM", new[0], visit, reader=inv),
                     tr("N01", "LPERP", new[1], visit, reader=inv)]
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER", reader=inv),
                             tu("T02", "TARGET", "LUNG", reader=inv),
                             tu("N01", "NEW", "LUNG", reader=inv)], rows,
                  [rs("irPR", "2", category="irRC", reader=inv), rs("irPD", "3", category="irRC", reader=inv),
                   rs("irPD", "4", category="irRC", reader=inv)])
    result = assess(path, "irrc")
    tp = result.timepoints
    # TB0 = 40x30 + 20x10 = 1400; day 56: 600 + 100 = 700 (-50 %: irPR); day 112: 700 + new 20x20 = 1100
    # (+57.14 % vs nadir 700: irPD); day 168: 700 + 25x20 = 1200 (+71.4 % vs 700): confirms (>= 28 days)
    assert tp["current_sum"].tolist() == [700.0, 1100.0, 1200.0]
    assert tp["overall_response"].tolist() == ["irPR", "irPD", "irPD"]
    assert tp["confirmation_state"].tolist()[1:] == ["confirmed", "confirms"]
    assert [p[3:] for p in pairs(result)] == [("irPR", "irPR"), ("irPD", "irPD"), ("irPD", "irPD")]


@pytest.mark.parametrize("kind", ["xpt", "parquet"])
def test_xpt_and_parquet_with_times_unscheduled_visit_and_epoch(tmp_path, kind):
    """sdtm.py (XPT / Parquet; a TRDTC with a time; an unscheduled visit without TRDY placed by its date);
    spec 0.2 (day order), RECIST 1.1 1.4 (PD: +20 % and +5 mm vs nadir)."""
    pyreadstat = pytest.importorskip("pyreadstat")
    when = {"1": ("2021-02-24T09:30", -5.0), "2": ("2021-04-26T14:05:00", 57.0),
            "2.1": ("2021-05-10T08:00", None), "3": ("2021-06-21", 113.0)}
    records = []
    for visit, t01 in (("1", 40), ("2", 28), ("2.1", 36), ("3", 30)):
        date, day = when[visit]
        for lesion, test, value in (("T01", "LDIAM", t01), ("NT01", "TUMSTATE", "PRESENT")):
            records.append({"STUDYID": "A", "USUBJID": "S1", "TRSEQ": float(len(records) + 1),
                            "TRLNKID": lesion, "TRTESTCD": test, "TRSTRESC": str(value),
                            "TRSTRESN": float(value) if test == "LDIAM" else None,
                            "TRSTRESU": "mm" if test == "LDIAM" else "", "VISITNUM": float(visit),
                            "VISIT": "UNSCHEDULED" if visit == "2.1" else f"V{visit}",
                            "EPOCH": "SCREENING" if visit == "1" else "TREATMENT", "TRDTC": date,
                            "TRDY": day})
    tu_table = pd.DataFrame([tu("T01", "TARGET", "LIVER"), tu("NT01", "NON-TARGET", "BONE")])
    tr_table = pd.DataFrame(records)
    path = tmp_path / "sdtm"
    path.mkdir()
    if kind == "xpt":
        pyreadstat.write_xport(tu_table, str(path / "TU.xpt"), table_name="TU", file_format_version=5)
        pyreadstat.write_xport(tr_table, str(path / "TR.xpt"), table_name="TR", file_format_version=5)
    else:
        tu_table.to_parquet(path / "tu.parquet", index=False)
        tr_table.to_parquet(path / "tr.parquet", index=False)
    result = assess(path)
    # days: -5, 56, 2021-05-10 - 2021-03-01 = 70, 112. T01 40 -> 28 (PR) -> 36 (+28.6 %, +8 mm vs nadir 28:
    # PD) -> 30 (after PD; vs nadir 28 +7.1 %: SD as computed timepoint)
    assert calls(result) == [("", 56, "PR"), ("", 70, "PD"), ("", 112, "SD")]
    assert result.best_response["best_response"].tolist() == ["PR"]


def test_readme_bad_input_unknown_unit_is_located_with_exit_2(tmp_path):
    """README "Outputs": bad input stops with a located message (file, row, column) and exit 2; sdtm.py: a
    unit other than mm / cm is an error naming its TR rows."""
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER"), tu("T02", "TARGET", "LUNG")], [
        tr("T01", "LDIAM", 40, "1"), tr("T02", "LDIAM", 2.0, "1", unit="CM"),
        tr("T01", "LDIAM", 28, "2"), tr("T02", "LDIAM", 1.5, "2", unit="in"),  # row 5
    ])
    for command in (("assess", path, "--out", tmp_path / "out", "--no-patterns"), ("validate", path)):
        run = cli(*command)
        assert run.exit_code == 2, run.output
        assert "tr.csv, row 5, column TRSTRESU" in flat(run) and "'in'" in flat(run)


def test_sdtm_units_cm_converted_and_standard_mm_kept_when_collected_in_cm(tmp_path):
    """sdtm.py: TRSTRESN in TRSTRESU mm, or cm converted to mm (any case); TRORRESU is not read when the
    standard unit is given."""
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER"), tu("T02", "TARGET", "LUNG")], [
        tr("T01", "LDIAM", 4.0, "1", unit="Cm"),
        tr("T02", "LDIAM", 20, "1", TRORRES="2.0", TRORRESU="cm"),
        tr("T01", "LDIAM", 2.8, "2", unit="cm"),
        tr("T02", "LDIAM", 14, "2", TRORRES="1.4", TRORRESU="cm"),
    ])
    result = assess(path)
    lesions = result.study.lesions
    # T01 4.0 cm = 40 mm, 2.8 cm = 28 mm; T02 20 and 14 mm as standardised. Sum 60 -> 42 = -30 %: PR
    assert lesions["long_axis_mm"].tolist() == [40.0, 20.0, 28.0, 14.0]
    assert calls(result) == [("", 56, "PR")]


def test_acceptance_flags_follow_tracptfl_and_rsacptfl_per_reader(tmp_path):
    """README: the adjudicated read is marked from TRACPTFL / RSACPTFL; RS of each reader paired with it."""
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER")], [
        tr("T01", "LDIAM", 40, "1", reader=IRC1, accepted="Y"),
        tr("T01", "LDIAM", 28, "2", reader=IRC1, accepted="Y"),
        tr("T01", "LDIAM", 40, "1", reader=IRC2, accepted="N"),
        tr("T01", "LDIAM", 50, "2", reader=IRC2, accepted="N"),
    ], [rs("PR", "2", reader=IRC1, accepted="Y", RSDY="60"),
        rs("PD", "2", reader=IRC2, accepted="N", RSDY="60")])
    result = assess(path)
    lesions = result.study.lesions
    assert dict(zip(lesions["reader"], lesions["accepted"], strict=False)) == {"RADIOLOGIST 1": True,
                                                                               "RADIOLOGIST 2": False}
    recorded = result.study.recorded
    assert dict(zip(recorded["reader"], recorded["accepted"], strict=True)) == {"RADIOLOGIST 1": True,
                                                                                "RADIOLOGIST 2": False}
    # RSDY 60 (nominal) but VISITNUM 2 places each call at its reader's WEEK 8 scan, day 56: R1 -30 % PR;
    # R2 40 -> 50 mm (+25 %, +10 mm) PD
    assert pairs(result) == [("RADIOLOGIST 1", "recist11", 56, "PR", "PR"),
                             ("RADIOLOGIST 2", "recist11", 56, "PD", "PD")]


def test_rs_of_a_visit_without_tr_is_not_paired_with_a_neighbouring_scan(tmp_path):
    """README: each OVRLRESP is compared with the computed call of its visit; WEEK 16 has no TR record."""
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER")], [
        tr("T01", "LDIAM", 40, "1"), tr("T01", "LDIAM", 28, "2"), tr("T01", "LDIAM", 26, "4"),
    ], [rs("PR", "2"), rs("CR", "3"), rs("PR", "4")])
    result = assess(path)
    # 28 (-30 %) PR at day 56; 26 (-35 %) PR at day 168; WEEK 16 (RSDY 113 -> day 112) has no scan
    assert pairs(result) == [("", "recist11", 56, "PR", "PR"), ("", "recist11", 112, "CR", "(no assessment)"),
                             ("", "recist11", 168, "PR", "PR")]


def test_validate_scheduled_visits_out_of_date_order_are_refused_for_sdtm(tmp_path):
    """io.validate (README validate): a later-numbered scheduled visit may not lie on an earlier day."""
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER")], [
        tr("T01", "LDIAM", 40, "1"),
        tr("T01", "LDIAM", 28, "2", TRDTC="2021-06-21", TRDY="113"),
        tr("T01", "LDIAM", 30, "3", TRDTC="2021-04-26", TRDY="57"),  # row 4
    ])
    run = cli("validate", path)
    assert run.exit_code == 2, run.output
    assert "tr.csv, row 4, column TRDTC" in flat(run)
