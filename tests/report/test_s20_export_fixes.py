"""Fixes of audit s20 "export" (tests/report/test_audit_s20_export.py): the metabolic criteria carry the PET
rows' notes (io's partial-date note among them) into their reasons, so the export sees the collected date;
new lesions are "New Lesion Progression" (NEWLPROG) only where a new lesion is progression by itself, else
"New Lesion Indicator" (NEWLIND); a results table with an unknown criterion is refused.

Expected values come from the spec sections, CDISC text and hand arithmetic in the comments.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import ioresponse
from ioresponse.criteria import registry
from ioresponse.report.export import CRITERION_NAMES, PARAMCD_PREFIXES, adrs_table, rs_table
from ioresponse.schema import InputError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import assert_accepted, assert_refused, cli, write  # noqa: E402

PATIENTS = pd.DataFrame({"patient_id": ["P1"], "treatment_start": ["2021-01-06"]})
# io.tables.parse_dates's note on an imputed partial date, as the lesion table keeps it in `note`
MARCH = "date 2021-03 partial: imputed 2021-03-15"
YEAR = "date 2021 partial: imputed 2021-07-01"


def _assess(rows: pd.DataFrame, criteria: tuple[str, ...], **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(rows, criteria=criteria, **options)


def _pet(notes: list[str], extra: dict | None = None) -> pd.DataFrame:
    # baseline 2021-01-05 (day -1); "2021-03" -> 2021-03-15 = day 68 (25 + 28 + 15); "2021" -> 2021-07-01 =
    # day 176 (25 + 28 + 31 + 30 + 31 + 30 + 1). L1 and L2 (lung, liver) at every scan.
    table = pd.DataFrame({
        "patient_id": ["P1"] * 6, "date": ["2021-01-05"] * 2 + ["2021-03"] * 2 + ["2021"] * 2,
        "lesion_id": ["L1", "L2"] * 3, "role": ["target"] * 6, "organ": ["lung", "liver"] * 3,
        "sulpeak": [8.0, 4.0, 5.6, 3.0, 11.0, 4.0], "uptake_min": [60] * 6,
        "liver_sul_mean": [2.0] * 6, "liver_sul_sd": [0.25] * 6, "note": notes,
    })
    return table.assign(**(extra or {}))


# ---------------------------------------------------------------- finding 1: notes into reasons


@pytest.mark.parametrize("criterion", ["percist", "ipercist", "impercist"])
def test_metabolic_reason_ends_with_the_scan_notes_once_each_as_anatomic(criterion):
    # spec/anatomic.md 0.10 (the reason ends with the input's note, criteria._anatomic._assessment_notes):
    # day 68: io's date note on L1, a reader's note on L2, in row order; day 176: the date note on both
    # rows, written once; the baseline's note belongs to no follow-up.
    table = _pet(["baseline note", "", MARCH, "L2 re-read by R2", YEAR, YEAR])
    timepoints = _assess(table, (criterion,), patients=PATIENTS).timepoints.set_index("day")
    assert timepoints.loc[68, "reason"].endswith(f"; {MARCH}; L2 re-read by R2")
    assert timepoints.loc[176, "reason"].endswith(f"; {YEAR}")
    assert timepoints.loc[176, "reason"].count(YEAR) == 1  # two rows, one note
    assert "baseline note" not in " ".join(timepoints["reason"])


def test_metabolic_reason_without_notes_is_unchanged():
    # no note on any row and complete dates (so io notes no imputed date): the reason ends with the rule's
    # source, nothing appended (spec/metabolic.md 1.6)
    dates = ["2021-01-05"] * 2 + ["2021-03-15"] * 2 + ["2021-07-01"] * 2
    timepoints = _assess(_pet([""] * 6, {"date": dates}), ("percist",), patients=PATIENTS).timepoints
    assert all(reason.endswith(")") for reason in timepoints["reason"])


def test_metabolic_partial_dates_export_as_collected_sdtm_ig_4_4_2():
    # The PET rows noted as io notes an imputed date: SDTM IG 4.4.2 RSDTC is the date as collected
    # ("2021-03", "2021"), no RSDY from a partial date (4.4.4), ADTF "D" (day imputed) / "M" (month and day
    # imputed; ADaM IG 3.1.2). SULpeak hottest 8.0 -> 5.6: -30 %, -2.4 SUL: PMR; 8.0 -> 11.0: +37.5 %, +3.0
    # SUL: PMD, iPERCIST's first PMD is UPMD (spec/metabolic.md 5.5, 9.5).
    result = _assess(_pet(["", "", MARCH, MARCH, YEAR, YEAR]), ("percist", "ipercist"), patients=PATIENTS)
    rs = rs_table(result.timepoints)
    overall = rs[rs["RSTESTCD"] == "OVRLRESP"]
    got = {(r.RSCAT, r.VISITNUM): (r.RSORRES, r.RSDTC, r.RSDY) for r in overall.itertuples()}
    assert got == {
        ("PERCIST 1.0", 68): ("PMR", "2021-03", pd.NA), ("PERCIST 1.0", 176): ("PMD", "2021", pd.NA),
        ("iPERCIST", 68): ("PMR", "2021-03", pd.NA), ("iPERCIST", 176): ("UPMD", "2021", pd.NA)}
    adrs = adrs_table(result.timepoints, result.best_response)
    ovr = adrs[adrs["PARAMCD"].isin(["PCOVR", "IPOVR"])]
    assert {(r.AVISITN, r.ADT, r.ADTF, r.ADY) for r in ovr.itertuples()} == {
        (68, "2021-03-15", "D", 69), (176, "2021-07-01", "M", 177)}  # ADY = day + 1 (no day 0)


# ---------------------------------------------------------------- finding 2: NEWLPROG / NEWLIND

NEW_LESION_TEST = {
    # a new lesion is progression by itself: NEWLPROG
    "recist11": "NEWLPROG",  # spec/anatomic.md 1.5/1.6: new lesion -> PD
    "irecist": "NEWLPROG",  # 4.5/4.6: new lesion -> iUPD
    "eortc": "NEWLPROG",  # spec/metabolic.md 4.6: any new FDG-avid lesion gives PMD
    "percist": "NEWLPROG",  # 5.6: PMD at the first scan where it appears
    "ipercist": "NEWLPROG",  # 9.6: UPMD at the first appearance
    # new lesions enter the burden or are counted: no progression by itself, NEWLIND
    "irrc": "NEWLIND",  # spec/anatomic.md 2.5: new non-measurable lesions never define irPD, measurable
    "irrecist": "NEWLIND",  # ones enter the tumour burden (2.6); irRECIST 3.5, imRECIST 5.5 the same
    "imrecist": "NEWLIND",
    "percimt": "NEWLIND",  # spec/metabolic.md 7.6: one to three small new lesions give SMD
    "impercist": "NEWLIND",  # 8.6: "never PMD on their own"
}


def test_new_lesion_test_code_follows_whether_a_new_lesion_is_progression_by_itself():
    keys = [*NEW_LESION_TEST, "pecrit"]
    timepoints = pd.DataFrame({
        "patient_id": "P1", "criterion": keys, "day": 56, "overall_response": "NE",
        # PECRIT writes no new-lesion result (spec/metabolic.md 6.6: counted only through RECIST 1.1)
        "new_lesion_response": ["yes"] * len(NEW_LESION_TEST) + [""],
    })
    rs = rs_table(timepoints)
    new = rs[rs["RSTESTCD"] != "OVRLRESP"]
    names = {name: key for key, name in CRITERION_NAMES.items()}
    assert {names[r.RSCAT]: r.RSTESTCD for r in new.itertuples()} == NEW_LESION_TEST
    assert set(new["RSORRES"]) == set(new["RSSTRESC"]) == {"Y"}  # CDISC NY codelist
    tests = dict(zip(new["RSTESTCD"], new["RSTEST"], strict=True))
    assert tests == {"NEWLPROG": "New Lesion Progression", "NEWLIND": "New Lesion Indicator"}


def test_irrc_q2_new_measurable_lesion_is_an_indicator_not_progression():
    # spec/anatomic.md 2.10 Q2: index 40 x 40 = 1600 mm2; day 56 index 30 x 30 = 900 + new 20 x 20 = 400 ->
    # 1300 mm2 = -18.75 %: irSD. RECIST 1.1 on the same scan: the new lesion is PD (1.5), NEWLPROG Y.
    def lesion(day, lesion_id, role, size):
        return dict(patient_id="P1", day=day, lesion_id=lesion_id, role=role, organ="liver", lymph_node=False,
                    long_axis_mm=float(size), perpendicular_mm=float(size), status="present")

    rows = pd.DataFrame([lesion(0, "T1", "target", 40), lesion(56, "T1", "target", 30),
                         lesion(56, "U1", "new", 20)])
    rs = rs_table(_assess(rows, ("irrc", "recist11")).timepoints).set_index(["RSCAT", "RSTESTCD"])
    assert rs.loc[("irRC", "OVRLRESP"), "RSORRES"] == "irSD"
    assert rs.loc[("irRC", "NEWLIND"), "RSORRES"] == "Y"
    assert ("irRC", "NEWLPROG") not in rs.index
    assert rs.loc[("RECIST 1.1", "OVRLRESP"), "RSORRES"] == "PD"
    assert rs.loc[("RECIST 1.1", "NEWLPROG"), "RSORRES"] == "Y"


# ---------------------------------------------------------------- finding 3: unknown criteria


def test_export_names_the_same_criteria_as_the_registry():
    # every criterion the package computes has a published name and a PARAMCD prefix; nothing else does
    assert set(CRITERION_NAMES) == set(PARAMCD_PREFIXES) == set(registry())


def test_rs_and_adrs_refuse_an_unknown_criterion():
    timepoints = pd.DataFrame({"patient_id": ["P1", "P1"], "criterion": ["recist11", "recist12"],
                               "day": [56, 56], "overall_response": ["PR", "PR"]})
    with pytest.raises(InputError) as refused:
        rs_table(timepoints)
    # the second row of the table, row 3 of its CSV (header = row 1)
    assert (refused.value.file, refused.value.rows, refused.value.column) == ("timepoints", [3], "criterion")
    assert "'recist12' is not a criterion of ioresponse" in refused.value.message
    best = pd.DataFrame({"patient_id": ["P1"], "criterion": ["recist13"], "best_response": ["PR"],
                         "best_response_confirmed": ["PR"], "bor_day": [56.0]})
    with pytest.raises(InputError) as refused:
        adrs_table(timepoints.iloc[:1], best)
    refusal = (refused.value.file, refused.value.rows, refused.value.column)
    assert refusal == ("best_response", [2], "criterion")


def test_cli_export_refuses_an_unknown_criterion_exit_2(tmp_path):
    source = write(tmp_path, "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"
                             "P1,0,T1,target,liver,false,40,present\nP1,56,T1,target,liver,false,28,present\n"
                             "P2,0,T1,target,liver,false,40,present\nP2,56,T1,target,liver,false,28,present\n")
    out = tmp_path / "out"
    assert_accepted(cli("assess", source, "--out", out, "--criteria", "recist11", "--no-patterns",
                        "--format", "csv"))
    timepoints = pd.read_csv(out / "timepoints.csv", dtype=str, keep_default_na=False)
    assert timepoints["patient_id"].tolist() == ["P1", "P2"]  # one follow-up each, rows 2 and 3
    timepoints["criterion"] = "recist12"
    timepoints.to_csv(out / "timepoints.csv", index=False)
    known = ("known: recist11, irrc, irrecist, irecist, imrecist, eortc, percist, pecrit, percimt, "
             "impercist, ipercist")
    assert_refused(cli("export", out, "--adam"), "timepoints.csv", "rows 2, 3", "column criterion",
                   "'recist12' is not a criterion of ioresponse", known)
    assert not (out / "adrs.csv").exists()
