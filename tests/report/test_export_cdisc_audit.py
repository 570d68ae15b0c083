"""Audit of `ioresponse export --sdtm --adam` against the CDISC conventions a trial programmer checks.

A small study is typed by hand (lesion table with dates, patient table with treatment_start), run through
the command line in-process (`assess --criteria recist11,irecist`, then `export --sdtm --adam`), and the
files are read back: rs.csv / adrs.csv as text, rs.xpt / adrs.xpt with pyreadstat (and pandas.read_sas).

Conventions (public sources): SDTM IG 3.3/3.4 section 6.3 RS and 4.4.4 (study day, no day 0); CDISC
TAUG-Oncology / RECIST 1.1 disease response supplement (OVRLRESP, TRGRESP, NTRGRESP, NEWLPROG, RSEVAL,
RSEVALID, RSACPTFL); ADaM IG 1.3 BDS (PARAMCD <= 8 characters and one-to-one with PARAM, *DT numeric SAS
dates, *DTF imputation flags, ADY as --DY); SAS XPORT version 5 (names <= 8, labels <= 40, character
values <= 200 bytes, US-ASCII only).

Where the program departs from a convention the test keeps the convention and is a strict xfail; where
the convention is a sponsor choice the test pins what README.md / report/export.py promise, and says so.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pyreadstat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import assert_accepted, assert_refused, cli, flat, write  # noqa: E402

STUDY_ID = "AUDIT01"

# Treatment start (first dose) = SDTM RFSTDTC / ADaM TRTSDT = study day 1.
TREATMENT_START = {"P1": "2021-01-10", "P2": "2021-02-01", "P3": "2021-01-10", "P4": "2021-01-10"}
PATIENTS = "patient_id,treatment_start\n" + "".join(f"{p},{d}\n" for p, d in TREATMENT_START.items())

HEADER = "patient_id,reader,accepted,date,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"
LESIONS = HEADER + """\
P1,,true,2021-01-03,T1,target,liver,false,50,,present
P1,,true,2021-01-03,NT1,non_target,bone,false,,,present
P1,,true,2021-03-07,T1,target,liver,false,30,,present
P1,,true,2021-03-07,NT1,non_target,bone,false,,,present
P1,,true,2021-05-02,T1,target,liver,false,25,,present
P1,,true,2021-05-02,NT1,non_target,bone,false,,,present
P2,,true,2021-02-01,T1,target,lung,false,40,,present
P2,,true,2021-03-29,T1,target,lung,false,50,,present
P2,,true,2021-05-24,T1,target,lung,false,56,,present
P3,RADIOLOGIST 1,true,2021-01-08,T1,target,liver,false,40,,present
P3,RADIOLOGIST 1,true,2021-03-15,T1,target,liver,false,36,,present
P3,RADIOLOGIST 2,false,2021-01-08,T1,target,liver,false,40,,present
P3,RADIOLOGIST 2,false,2021-03-15,T1,target,liver,false,38,,present
P4,,true,2021-01-04,T1,target,lung,false,50,,present
P4,,true,2021-03-08,T1,target,lung,false,48,,present
P4,,true,2021-05,T1,target,lung,false,60,,present
"""
# Worked by hand (days since first dose; SDTM study day = day + 1, no day 0):
# P1 (start 2021-01-10; non-target bone present): 50 -> 30 mm on 2021-03-07 (day 56, RSDY 57) is -40 %
#    (<= -30 %): PR / iPR; 25 mm on 2021-05-02 (day 112, RSDY 113) is -50 %: PR / iPR. BOR PR / iPR at day 56.
# P2 (start 2021-02-01; baseline on the first dose day; no non-target lesion, so no NTRGRESP row):
#    50 mm on 2021-03-29 (day 56, RSDY 57) is +25 % and +10 mm vs nadir 40: PD / iUPD; 56 mm on 2021-05-24
#    (day 112, RSDY 113): PD (after the progression of day 56) / iCPD (+6 mm >= 5 mm over the iUPD sum).
#    BOR PD at day 56; iBOR iCPD at day 112.
# P3 (start 2021-01-10), two readers, radiologist 1 is the accepted read: on 2021-03-15 (day 64, RSDY 65)
#    reader 1 36 mm (-10 %), reader 2 38 mm (-5 %): SD / iSD for each.
# P4 (start 2021-01-10): 48 mm on 2021-03-08 (day 57, RSDY 58, -4 %): SD / iSD; 60 mm in "2021-05"
#    (io imputes mid-month 2021-05-15 = day 125) is +25 % and +12 mm vs nadir 48: PD / iUPD.
#    BOR SD / iSD (day 57).
OVERALL = {  # (USUBJID, RSCAT, RSEVALID, VISITNUM): (RSORRES, RSDTC, RSDY)
    ("P1", "RECIST 1.1", "", 56): ("PR", "2021-03-07", 57),
    ("P1", "RECIST 1.1", "", 112): ("PR", "2021-05-02", 113),
    ("P1", "iRECIST", "", 56): ("iPR", "2021-03-07", 57),
    ("P1", "iRECIST", "", 112): ("iPR", "2021-05-02", 113),
    ("P2", "RECIST 1.1", "", 56): ("PD", "2021-03-29", 57),
    ("P2", "RECIST 1.1", "", 112): ("PD", "2021-05-24", 113),
    ("P2", "iRECIST", "", 56): ("iUPD", "2021-03-29", 57),
    ("P2", "iRECIST", "", 112): ("iCPD", "2021-05-24", 113),
    ("P3", "RECIST 1.1", "RADIOLOGIST 1", 64): ("SD", "2021-03-15", 65),
    ("P3", "RECIST 1.1", "RADIOLOGIST 2", 64): ("SD", "2021-03-15", 65),
    ("P3", "iRECIST", "RADIOLOGIST 1", 64): ("iSD", "2021-03-15", 65),
    ("P3", "iRECIST", "RADIOLOGIST 2", 64): ("iSD", "2021-03-15", 65),
    ("P4", "RECIST 1.1", "", 57): ("SD", "2021-03-08", 58),
    ("P4", "RECIST 1.1", "", 125): ("PD", "2021-05", None),  # partial date: no RSDY (SDTM IG 4.4.4)
    ("P4", "iRECIST", "", 57): ("iSD", "2021-03-08", 58),
    ("P4", "iRECIST", "", 125): ("iUPD", "2021-05", None),
}
BEST = {  # (USUBJID, PARCAT1, RSEVALID): (AVALC, AVAL, ADT, ADY, SAS date of ADT = days since 1960-01-01)
    ("P1", "RECIST 1.1", ""): ("PR", 2, "2021-03-07", 57, 22346),  # 61 years + 16 leap days = 22281 + 65
    ("P2", "RECIST 1.1", ""): ("PD", 5, "2021-03-29", 57, 22368),
    ("P3", "RECIST 1.1", "RADIOLOGIST 1"): ("SD", 3, "2021-03-15", 65, 22354),
    ("P3", "RECIST 1.1", "RADIOLOGIST 2"): ("SD", 3, "2021-03-15", 65, 22354),
    ("P4", "RECIST 1.1", ""): ("SD", 3, "2021-03-08", 58, 22347),
    ("P1", "iRECIST", ""): ("iPR", 2, "2021-03-07", 57, 22346),
    ("P2", "iRECIST", ""): ("iCPD", 5, "2021-05-24", 113, 22424),
    ("P3", "iRECIST", "RADIOLOGIST 1"): ("iSD", 3, "2021-03-15", 65, 22354),
    ("P3", "iRECIST", "RADIOLOGIST 2"): ("iSD", 3, "2021-03-15", 65, 22354),
    ("P4", "iRECIST", ""): ("iSD", 3, "2021-03-08", 58, 22347),
}
RS_TESTS = {"OVRLRESP": "Overall Response", "TRGRESP": "Target Response", "NTRGRESP": "Non-target Response",
            "NEWLPROG": "New Lesion Progression"}
ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")  # ISO 8601 date, complete or truncated on the right
XPORT_V5_MAX_CHARACTERS = 200


def _run(folder: Path, lesions: str, patients: str = PATIENTS, *, export: bool = True) -> Path:
    """Write the inputs into ``folder``, assess them under RECIST 1.1 and iRECIST, export both standards
    (unless ``export`` is False); returns the assess output folder."""
    folder.mkdir(parents=True, exist_ok=True)
    path, patients_path, out = write(folder, lesions), write(folder, patients, "patients.csv"), folder / "out"
    assert_accepted(cli("assess", path, "--patients", patients_path, "--out", out,
                        "--criteria", "recist11,irecist", "--no-patterns", "--format", "csv"))
    if export:
        assert_accepted(_export(out))
    return out


def _export(out: Path):
    with pytest.MonkeyPatch.context() as env:  # the README promise below is for an unset SOURCE_DATE_EPOCH
        env.delenv("SOURCE_DATE_EPOCH", raising=False)
        return cli("export", out, "--sdtm", "--adam", "--study-id", STUDY_ID)


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = _run(tmp_path_factory.mktemp("cdisc_audit"), LESIONS)
    rs_xpt, rs_meta = pyreadstat.read_xport(str(out / "rs.xpt"))
    # raw values: ADT as the stored SAS date number, not converted by the reader
    adrs_xpt, adrs_meta = pyreadstat.read_xport(str(out / "adrs.xpt"), disable_datetime_conversion=True)
    return SimpleNamespace(out=out, rs=_csv(out / "rs.csv"), adrs=_csv(out / "adrs.csv"), rs_xpt=rs_xpt,
                           rs_meta=rs_meta, adrs_xpt=adrs_xpt, adrs_meta=adrs_meta,
                           timepoints=_csv(out / "timepoints.csv"), best=_csv(out / "best_response.csv"))


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce")


# ---------------------------------------------------------------- SDTM RS


def test_rs_identifiers_domain_and_sequence(study):
    rs = study.rs
    assert set(rs["STUDYID"]) == {STUDY_ID} and set(rs["DOMAIN"]) == {"RS"}
    # rows per subject, by hand: P1 2 criteria x 2 visits x 4 tests = 16; P2 no non-target: 2 x 2 x 3 = 12;
    # P3 2 readers x 2 criteria x 1 visit x 3 = 12; P4 2 x 2 x 3 = 12 (52 rows)
    assert rs["USUBJID"].value_counts().to_dict() == {"P1": 16, "P2": 12, "P3": 12, "P4": 12}
    # RSSEQ: unique within USUBJID, 1..n, integer
    for _, seq in rs.groupby("USUBJID")["RSSEQ"]:
        assert seq.astype(int).tolist() == list(range(1, len(seq) + 1))


def test_rs_tests_categories_and_results_use_cdisc_terms(study):
    rs = study.rs
    assert dict(zip(rs["RSTESTCD"], rs["RSTEST"], strict=True)) == RS_TESTS
    assert all(len(code) <= 8 and re.fullmatch(r"[A-Z][A-Z0-9]*", code) for code in rs["RSTESTCD"])
    assert all(len(name) <= 40 for name in rs["RSTEST"])
    # RSCAT: the criterion as published (CT term "RECIST 1.1"; CRITERION_NAMES in export.py)
    assert set(rs["RSCAT"]) == {"RECIST 1.1", "iRECIST"}
    # every result has its standard form; NEWLPROG takes the NY codelist (no new lesion anywhere: N)
    assert (rs["RSORRES"] != "").all() and (rs["RSSTRESC"] == rs["RSORRES"]).all()
    assert set(rs.loc[rs["RSTESTCD"] == "NEWLPROG", "RSSTRESC"]) == {"N"}
    # P2 has no non-target lesion: no NTRGRESP row rather than a made-up result (export.rs_table docstring)
    assert rs.loc[rs["USUBJID"] == "P2", "RSTESTCD"].isin(["NTRGRESP"]).sum() == 0


def test_rs_every_computed_timepoint_once_with_the_hand_values(study):
    ovr = study.rs[study.rs["RSTESTCD"] == "OVRLRESP"]
    got = {(r.USUBJID, r.RSCAT, r.RSEVALID, int(r.VISITNUM)):
           (r.RSORRES, r.RSDTC, int(r.RSDY) if r.RSDY else None) for r in ovr.itertuples()}
    assert len(ovr) == len(got) == len(study.timepoints) == 16  # each timepoint exactly once
    assert got == OVERALL


def test_rs_natural_key_is_unique(study):
    key = ["USUBJID", "RSCAT", "RSTESTCD", "RSEVAL", "RSEVALID", "VISITNUM"]
    assert not study.rs.duplicated(key).any()


def test_rs_dates_are_iso8601_and_rsdy_has_no_day_zero(study):
    rs = study.rs
    assert rs["RSDTC"].str.match(ISO_DATE).all()
    complete = rs[rs["RSDTC"].str.len() == 10]
    start = complete["USUBJID"].map(TREATMENT_START).map(date.fromisoformat)
    days = [(date.fromisoformat(d) - s).days for d, s in zip(complete["RSDTC"], start, strict=True)]
    # SDTM IG 4.4.4: --DY = date - RFSTDTC + 1 on or after RFSTDTC (no study day 0)
    assert complete["RSDY"].astype(int).tolist() == [d + 1 if d >= 0 else d for d in days]
    assert (_num(rs["RSDY"]) != 0).all()


def test_rs_study_day_is_empty_when_the_collected_date_is_partial(study):
    partial = study.rs[study.rs["RSDTC"] == "2021-05"]
    assert len(partial) == 6  # P4 day 125: 2 criteria x (OVRLRESP, TRGRESP, NEWLPROG)
    assert (partial["RSDY"] == "").all()


def test_rs_readers_give_evaluator_and_evaluator_id(study):
    rs = study.rs
    p3 = rs[rs["USUBJID"] == "P3"]
    assert set(p3["RSEVAL"]) == {"INDEPENDENT ASSESSOR"}  # CDISC CT EVAL
    assert p3["RSEVALID"].value_counts().to_dict() == {"RADIOLOGIST 1": 6, "RADIOLOGIST 2": 6}
    # sponsor choice (export.evaluator docstring): a single unnamed reader leaves both empty
    others = rs[rs["USUBJID"] != "P3"]
    assert set(others["RSEVAL"]) == set(others["RSEVALID"]) == {""}


def test_rs_accepted_flag_marks_the_accepted_reader(study):
    # convention: with more than one evaluator RSACPTFL = 'Y' marks the accepted evaluation (SDTM IG RS,
    # TAUG-Oncology); the lesion table's accepted column says radiologist 1 for P3
    rs = study.rs
    assert "RSACPTFL" in rs.columns
    p3 = rs[rs["USUBJID"] == "P3"]
    assert set(p3.loc[p3["RSEVALID"] == "RADIOLOGIST 1", "RSACPTFL"]) == {"Y"}
    assert set(p3.loc[p3["RSEVALID"] == "RADIOLOGIST 2", "RSACPTFL"]) == {""}
    # one evaluator: the flag is not needed and left empty
    assert set(rs.loc[rs["USUBJID"] != "P3", "RSACPTFL"]) == {""}


def test_rs_holds_no_derived_best_response_sponsor_choice(study):
    # Sponsor choice: SDTM carries BESTRSP only where the sponsor collects/submits it; ioresponse writes "SDTM
    # RS rows of the computed timepoint responses" (rs_table) and puts best response in ADRS (BOR/CBOR).
    assert "BESTRSP" not in set(study.rs["RSTESTCD"])
    # RECIST 1.1 with admiralonco's OVR/BOR/CBOR, iRECIST with its iRECIST vignette's "I" prefix (IBOR)
    assert set(study.adrs["PARAMCD"]) == {"OVR", "BOR", "CBOR", "IOVR", "IBOR", "ICBOR"}


def test_rs_visit_is_the_day_since_first_dose_sponsor_choice(study):
    # Sponsor choice documented in export.py: the result tables carry no planned visit, so VISIT is
    # "DAY n" and VISITNUM n (days since first dose); VISIT and VISITNUM still map one to one.
    rs = study.rs
    assert (rs["VISIT"] == "DAY " + rs["VISITNUM"]).all()
    assert rs.groupby("VISIT")["VISITNUM"].nunique().eq(1).all()
    assert rs.groupby("VISITNUM")["VISIT"].nunique().eq(1).all()


# ---------------------------------------------------------------- ADaM ADRS


def test_adrs_ovr_has_every_timepoint_once_and_anl01fl_before_progression(study):
    adrs = study.adrs
    ovr = adrs[adrs["PARAMCD"].isin(["OVR", "IOVR"])]  # RECIST 1.1 and iRECIST
    got = {(r.USUBJID, r.PARCAT1, r.RSEVALID, int(float(r.AVISITN))): (r.AVALC, int(float(r.ADY)))
           for r in ovr.itertuples()}
    assert len(ovr) == len(got) == 16
    # ADY is the study day of ADT, imputed dates too (ADaM IG 3.1.2, with ADTF): P4's "2021-05" -> day 126
    assert got == {key: (value[0], value[2] or key[3] + 1) for key, value in OVERALL.items()}
    assert (ovr["AVISIT"] == "DAY " + ovr["AVISITN"].astype(float).astype(int).astype(str)).all()
    # ANL01FL: only P2's RECIST 1.1 day 112 comes after its PD of day 56 (iRECIST goes on after iUPD); of P3,
    # read by two radiologists, only the accepted read (radiologist 1, the lesion table's accepted column)
    # gives analysis records (ADaM BDS: one per subject x parameter x visit)
    not_flagged = ovr[ovr["ANL01FL"] != "Y"]
    assert not_flagged[["USUBJID", "PARCAT1", "RSEVALID", "AVISITN", "ANL01FL"]].values.tolist() == [
        ["P2", "RECIST 1.1", "", "112", ""], ["P3", "RECIST 1.1", "RADIOLOGIST 2", "64", ""],
        ["P3", "iRECIST", "RADIOLOGIST 2", "64", ""]]


def test_adrs_best_response_once_per_subject_criterion_reader(study):
    adrs = study.adrs
    for paramcd in ("BOR", "CBOR"):
        rows = adrs[adrs["PARAMCD"].isin([paramcd, f"I{paramcd}"])]  # RECIST 1.1 and iRECIST
        got = {(r.USUBJID, r.PARCAT1, r.RSEVALID): (r.AVALC, int(float(r.AVAL)), r.ADT, int(float(r.ADY)))
               for r in rows.itertuples()}
        assert len(rows) == len(got) == len(study.best) == 10
        assert got == {key: value[:4] for key, value in BEST.items()}
        accepted = rows["RSEVALID"] != "RADIOLOGIST 2"  # P3's second read is not the accepted one
        assert set(rows.loc[accepted, "ANL01FL"]) == {"Y"} and set(rows.loc[~accepted, "ANL01FL"]) == {""}
        assert set(rows["AVISIT"]) == {""}
    assert all(len(code) <= 8 for code in adrs["PARAMCD"])


def test_adrs_dates_iso_in_csv_numeric_sas_dates_in_xpt_with_flags(study):
    adrs, xpt = study.adrs, study.adrs_xpt
    assert adrs["ADT"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()
    # ADaM IG 3.1.3: *DT numeric; ADT in adrs.xpt is days since 1960-01-01 with format DATE9
    assert study.adrs_meta.readstat_variable_types["ADT"] == "double"
    # format DATE, width 9 (NAMESTR nform/nfl); pyreadstat >= 1.3.8 reads it back with SAS's period
    assert study.adrs_meta.original_variable_types["ADT"] in ("DATE9", "DATE9.")
    bor = xpt[xpt["PARAMCD"].isin(["BOR", "IBOR"])]
    got = {(r.USUBJID, r.PARCAT1, r.RSEVALID): int(r.ADT) for r in bor.itertuples()}
    assert got == {key: value[4] for key, value in BEST.items()}
    # ADY = ADT - TRTSDT + 1 (ADT on or after TRTSDT, as --DY)
    start = adrs["USUBJID"].map(TREATMENT_START).map(date.fromisoformat)
    days = [(date.fromisoformat(d) - s).days + 1 for d, s in zip(adrs["ADT"], start, strict=True)]
    assert _num(adrs["ADY"]).astype(int).tolist() == days
    # ADTF "D": P4's "2021-05" imputed to 2021-05-15 (day only); every other date is complete (null flag)
    flagged = adrs[adrs["ADTF"] != ""]
    assert flagged[["USUBJID", "PARAMCD", "ADT", "ADTF"]].drop_duplicates().values.tolist() == [
        ["P4", "OVR", "2021-05-15", "D"], ["P4", "IOVR", "2021-05-15", "D"]]
    assert len(flagged) == 2  # RECIST 1.1 PD and iRECIST iUPD of day 125


def test_adrs_aval_codes_sponsor_choice(study):
    # Sponsor choice (export.AVAL_CODES docstring): admiralonco aval_resp() order per criterion family,
    # unconfirmed progression (iUPD) 7.
    pairs = set(zip(study.adrs["AVALC"], _num(study.adrs["AVAL"]).astype(int), strict=True))
    assert pairs == {("PR", 2), ("SD", 3), ("PD", 5), ("iPR", 2), ("iSD", 3), ("iUPD", 7), ("iCPD", 5)}


def test_adrs_paramcd_is_one_to_one_with_param(study):
    # convention: PARAMCD is one-to-one with PARAM (ADaM IG BDS), also with two criteria in one ADRS
    pairs = study.adrs[["PARAMCD", "PARAM"]].drop_duplicates()
    assert not pairs["PARAMCD"].duplicated().any()
    assert not pairs["PARAM"].duplicated().any()


def test_adrs_one_analysis_record_per_subject_paramcd_visit(study):
    # convention: one analysis record (ANL01FL = 'Y') per subject x PARAMCD x visit (ADaM BDS): each
    # criterion has its own PARAMCD, and of P3's two readers only the accepted read is flagged
    flagged = study.adrs[study.adrs["ANL01FL"] == "Y"]
    assert not flagged.duplicated(["USUBJID", "PARAMCD", "AVISITN"]).any()


# ---------------------------------------------------------------- transport files and reproducibility


@pytest.mark.parametrize("name", ["rs", "adrs"])
def test_xpt_names_labels_and_values_fit_version_5(study, name):
    table, meta = getattr(study, f"{name}_xpt"), getattr(study, f"{name}_meta")
    assert meta.table_name == name.upper() and len(meta.table_name) <= 8  # dataset = file name
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]{0,7}", column) for column in table.columns)
    assert all(len(label) <= 40 and label.isascii() for label in meta.column_labels)
    text = table.select_dtypes(include="object")
    assert all(text[c].str.len().max() <= XPORT_V5_MAX_CHARACTERS for c in text.columns)


@pytest.mark.parametrize("name", ["rs", "adrs"])
def test_csv_and_xpt_hold_the_same_rows_and_values(study, name):
    csv, xpt = getattr(study, name), getattr(study, f"{name}_xpt")
    assert list(csv.columns) == list(xpt.columns) and len(csv) == len(xpt)
    for column in csv.columns:
        if column == "ADT":  # ISO text in the CSV, SAS date in the XPT (write_export docstring)
            iso = (pd.Timestamp("1960-01-01") + pd.to_timedelta(xpt[column], unit="D")).dt.strftime("%F")
            assert iso.fillna("").tolist() == csv[column].tolist()
        elif xpt[column].dtype == object:
            assert xpt[column].tolist() == csv[column].tolist(), column
        else:
            pd.testing.assert_series_equal(xpt[column], _num(csv[column]).astype(float), check_names=False)
    # an independent reader agrees on the rows
    other = pd.read_sas(study.out / f"{name}.xpt", format="xport", encoding="ascii")
    assert other.shape == xpt.shape and other["USUBJID"].tolist() == csv["USUBJID"].tolist()


def test_same_inputs_give_byte_identical_files(study, tmp_path):
    names = ("rs.csv", "rs.xpt", "adrs.csv", "adrs.xpt")
    first = {name: (study.out / name).read_bytes() for name in names}
    # README: XPORT headers carry 01JAN60:00:00:00 (SOURCE_DATE_EPOCH unset), not the clock
    assert b"01JAN60:00:00:00" in first["rs.xpt"][:400] and b"01JAN60:00:00:00" in first["adrs.xpt"][:400]
    assert_accepted(_export(study.out))  # again into the same folder
    assert {name: (study.out / name).read_bytes() for name in names} == first
    again = _run(tmp_path / "again", LESIONS)  # and from a fresh assess elsewhere
    assert {name: (again / name).read_bytes() for name in names} == first


# ---------------------------------------------------------------- long and non-ASCII values in XPT v5

LONG_ID = "SITE-0001-" + "X" * 200  # 210 characters
LONG_READER = "RADIOLOGIST " + "Y" * 200  # 212 characters
LONG_LESIONS = HEADER.replace("accepted,", "") + "".join(
    f"{LONG_ID},{LONG_READER},{day},T1,target,liver,false,{size},,present\n"
    for day, size in (("2021-01-03", 50), ("2021-03-07", 30)))  # -40 %: PR / iPR on day 56


@pytest.fixture(scope="module")
def long_study(tmp_path_factory):
    patients = f"patient_id,treatment_start\n{LONG_ID},2021-01-10\n"
    return _run(tmp_path_factory.mktemp("cdisc_long"), LONG_LESIONS, patients, export=False)


def test_long_id_and_reader_are_not_truncated_silently(long_study):
    result = _export(long_study)
    if result.exit_code != 0:  # a located refusal is not a silent truncation
        assert_refused(result, "USUBJID")
        return
    for name in ("rs", "adrs"):
        csv = _csv(long_study / f"{name}.csv")
        xpt, _ = pyreadstat.read_xport(str(long_study / f"{name}.xpt"))
        assert set(csv["USUBJID"]) == set(xpt["USUBJID"]) == {LONG_ID}
        assert set(csv["RSEVALID"]) == set(xpt["RSEVALID"]) == {LONG_READER}


def test_xpt_values_over_200_characters_are_refused_or_reported(long_study, tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    for path in long_study.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    result = _export(folder)
    if result.exit_code != 0:
        assert_refused(result, "USUBJID", "200")
        return
    for name in ("rs", "adrs"):  # written anyway: only values that fit, and the output says what was done
        xpt, _ = pyreadstat.read_xport(str(folder / f"{name}.xpt"))
        longest = xpt.select_dtypes(include="object").apply(lambda c: c.str.len().max()).max()
        assert longest <= XPORT_V5_MAX_CHARACTERS
    assert "200" in flat(result)


def test_xpt_non_ascii_values_are_refused_or_reported(tmp_path):
    lesions = LONG_LESIONS.replace(LONG_ID, "Pé").replace(LONG_READER, "")
    out = _run(tmp_path / "accents", lesions, "patient_id,treatment_start\nPé,2021-01-10\n", export=False)
    result = _export(out)
    if result.exit_code != 0:
        assert_refused(result, "USUBJID", "ASCII")
        return
    xpt, _ = pyreadstat.read_xport(str(out / "rs.xpt"))  # written anyway: ASCII values, and said so
    assert b"P\xc3\xa9" not in (out / "rs.xpt").read_bytes()  # the UTF-8 bytes of "Pé"
    assert all(value.isascii() for value in xpt["USUBJID"]) and "ASCII" in flat(result)
