"""A small SDTM folder (TU + TR): units of TRSTRESU and messages naming the SDTM variables.

Source: CDISC SDTM Implementation Guide v3.4, TR domain (TRSTRESN in the standard unit TRSTRESU).
The TR rows are file rows 2-5 (header = row 1). TRDY -6 on 2021-03-01 puts the first dose on 2021-03-07,
so the date of TRDY 57 (day 56) is 2021-03-07 + 56 days = 2021-05-02 (dates that agree with their days:
no StudyDayWarning).
"""

from __future__ import annotations

import pytest

from ioresponse.io.load import load_study
from ioresponse.schema import InputError

TU = "USUBJID,TULNKID,TUSTRESC,TULOC\nS1,T01,TARGET,LIVER\nS1,NT01,NON-TARGET,BONE\n"
TR = (
    "USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY\n"
    "S1,T01,LDIAM,40,40,mm,2021-03-01,-6\n"
    "S1,NT01,TUMSTATE,PRESENT,,,2021-03-01,-6\n"
    "S1,T01,LDIAM,2.8,2.8,cm,2021-05-02,57\n"
    "S1,NT01,TUMSTATE,PRESENT,,,2021-05-02,57\n"
)


def _folder(tmp_path, tu=TU, tr=TR):
    (tmp_path / "tu.csv").write_text(tu)
    (tmp_path / "tr.csv").write_text(tr)
    return tmp_path


def test_centimetres_are_converted_and_units_are_read_in_any_case(tmp_path):
    lesions = load_study(_folder(tmp_path, tr=TR.replace(",mm,", ",MM,"))).lesions
    target = lesions[lesions["lesion_id"] == "T01"]
    assert target["long_axis_mm"].tolist() == [40.0, 28.0]
    assert target["note"].tolist() == ["", "TRSTRESU cm converted to mm"]


def test_unknown_unit_is_refused_naming_the_tr_rows(tmp_path):
    with pytest.raises(InputError, match=r"tr.csv, row 2, column TRSTRESU: 'in' is not a unit of tumour size "
                                         r"read here; expected mm or cm"):
        load_study(_folder(tmp_path, tr=TR.replace(",mm,", ",in,")))


def test_role_error_names_the_tu_variable(tmp_path):
    # T01 a target at baseline and a non-target at the follow-up: roles are fixed at baseline (spec 0.2).
    tr = TR.replace("S1,T01,LDIAM,2.8,2.8,cm", "S1,T02,LDIAM,2.8,2.8,cm")
    tu = TU + "S1,T02,NON-TARGET,LUNG\n"
    with pytest.raises(InputError, match=r"tr.csv, row 4, column TUSTRESC \(tu.csv\): lesion first seen"):
        load_study(_folder(tmp_path, tu=tu, tr=tr))


def test_study_day_zero_is_refused_in_tu_as_in_tr(tmp_path):
    # SDTM IG 4.4.4: day 1 is the first dose and the day before is day -1; TUDY dates the treatment start.
    tu = "USUBJID,TULNKID,TUSTRESC,TULOC,TUDTC,TUDY\nS1,T01,TARGET,LIVER,2021-03-01,0\n"
    with pytest.raises(InputError, match=r"tu.csv, row 2, column TUDY: study day 0: SDTM has no day 0"):
        load_study(_folder(tmp_path, tu=tu))


def _readers(tr: str, *readers: str) -> str:
    """TR with TREVAL / TREVALID: every record once per reader."""
    lines = tr.splitlines()
    records = [f"{line},INDEPENDENT ASSESSOR,{reader}" for reader in readers for line in lines[1:]]
    return "\n".join([lines[0] + ",TREVAL,TREVALID", *records]) + "\n"


def test_tu_without_evaluator_identifies_the_lesions_of_every_reader(tmp_path):
    study = load_study(_folder(tmp_path, tr=_readers(TR, "RADIOLOGIST 1", "RADIOLOGIST 2")))
    lesions = study.lesions
    assert sorted(set(lesions["reader"])) == ["RADIOLOGIST 1", "RADIOLOGIST 2"]
    roles = ["non_target", "non_target", "target", "target"]
    assert lesions.groupby("reader")["role"].apply(sorted).tolist() == [roles, roles]
    assert study.excluded.empty  # no TU record reported as unmeasured


def test_tu_of_another_evaluator_is_named_in_the_refusal(tmp_path):
    tu = TU.replace("TULOC\n", "TULOC,TUEVAL\n").replace("LIVER\n", "LIVER,INVESTIGATOR\n").replace(
        "BONE\n", "BONE,INVESTIGATOR\n")
    with pytest.raises(InputError, match=r"tr.csv, rows 2-5, column TRLNKID: lesion T01 of S1 is identified "
                                         r"in tu.csv \(TULNKID\) for evaluator\(s\) INVESTIGATOR only, not "
                                         r"for RADIOLOGIST 1"):
        load_study(_folder(tmp_path, tu=tu, tr=_readers(TR, "RADIOLOGIST 1")))


def test_not_done_record_with_a_result_is_not_evaluable_with_notes(tmp_path):
    tr = ("USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRSTAT,TRREASND,TRDTC,TRDY\n"
          "S1,T01,LDIAM,40,40,mm,,,2021-03-01,-6\n"
          "S1,NT01,TUMSTATE,PRESENT,,,,,2021-03-01,-6\n"
          "S1,T01,LDIAM,2.8,2.8,cm,NOT DONE,SCAN LOST,2021-05-02,57\n"
          "S1,NT01,TUMSTATE,PRESENT,,,,,2021-05-02,57\n")
    target = load_study(_folder(tmp_path, tr=tr)).lesions.query("lesion_id == 'T01'")
    assert target["status"].tolist() == ["present", "not_evaluable"]
    assert target["long_axis_mm"].isna().tolist() == [False, True]
    assert target["note"].iloc[1] == "TRSTAT NOT DONE: SCAN LOST; result 2.8 of a NOT DONE test not read"


def test_rs_response_only_in_rsorres_is_read_with_a_note(tmp_path):
    rs = ("USUBJID,RSTESTCD,RSORRES,RSSTRESC,RSDTC,RSDY\n"
          "S1,OVRLRESP,PR,,2021-05-02,57\n"
          "S1,OVRLRESP,SD,PR,2021-05-02,57\n")
    (tmp_path / "rs.csv").write_text(rs)
    recorded = load_study(_folder(tmp_path)).recorded
    assert recorded["recorded_response"].tolist() == ["PR", "PR"]
    assert recorded["note"].tolist() == ["RSSTRESC empty: RSORRES PR read", ""]


def test_not_done_record_without_a_reason_says_so_without_an_empty_colon(tmp_path):
    tr = ("USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRSTAT,TRREASND,TRDTC,TRDY\n"
          "S1,T01,LDIAM,40,40,mm,,,2021-03-01,-6\n"
          "S1,NT01,TUMSTATE,PRESENT,,,,,2021-03-01,-6\n"
          "S1,T01,LDIAM,,,,NOT DONE,,2021-05-02,57\n"
          "S1,NT01,TUMSTATE,PRESENT,,,,,2021-05-02,57\n")
    target = load_study(_folder(tmp_path, tr=tr)).lesions.query("lesion_id == 'T01'")
    assert target["status"].tolist() == ["present", "not_evaluable"]
    assert target["note"].iloc[1] == "TRSTAT NOT DONE"
