"""The lesion table ``assess`` writes (``lesions.csv`` / ``.parquet``, README "Outputs") is assessed again
with the same calls, days and sums.

Session 16 found that an SDTM run's lesion table was refused when read back: an empty organ (TU records
without TULOC), a date and a day that disagree (SDTM TRDY nominal study days beside the scan dates
TRDTC), and sizes that look like centimetres. The rules chosen (io.sdtm, io.validate):

- ``organ`` is needed on target rows only (RECIST 1.1 sec. 4.2 counts target lesions per organ), in a
  user's table as in SDTM (a target without TULOC is refused there); a new lesion without organ is under
  no per-organ cap (tests/criteria/test_s16_new_lesion_without_organ.py);
- an SDTM lesion row whose TRDTC is not the date of its TRDY (``TRDTC - day`` is not the subject's
  treatment start) is placed by TRDY and keeps TRDTC as its date, with a warning. A user's table whose
  ``date - day`` differs within a patient is refused by default, a plausibility check that
  ``validation="warn"`` (``--warn-implausible``) relaxes, each row placed by its day: the written table
  reads back with the same calls then;
- sizes: the SDTM reader converts cm to mm (TRSTRESU), so the written sizes are in mm and pass the
  centimetre checks of a user's table unless the sizes themselves look like centimetres (pharmaverse:
  patients whose baseline targets are all below 10 mm with decimals; ``validation="warn"`` keeps them).

Every expected value is worked out by hand in the comments.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import ioresponse
from ioresponse.io.load import load_study, validate_only
from ioresponse.io.sdtm import StudyDayWarning
from ioresponse.schema import InputError

SHARED_SDTM = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "pharmaverse_sdtm"

# One subject, DM RFSTDTC 2021-03-01 (first dose: day 0, SDTM study day 1).
# TU: T01 liver and T02 lung (targets), NT01 non-target and N01 new lesion without TULOC.
# TR (file rows 2-10), sizes in cm (TRSTRESU cm -> x 10 mm):
# - baseline TRDTC 2021-02-25, TRDY -4: day -4; 2021-02-25 - (-4) = 2021-03-01, the first dose: agrees.
#   T01 4.2 cm = 42 mm, T02 3.5 cm = 35 mm: sum 77 mm.
# - week 8 TRDTC 2021-04-30, TRDY 57: day 56; 2021-04-30 - 56 days = 2021-03-05, not 2021-03-01 (a nominal
#   study day): placed by TRDY on day 56, date kept. T01 2.9 cm = 29, T02 2.1 cm = 21 mm: sum 50 mm,
#   (50 - 77) / 77 = -35.06 % <= -30 %: PR (RECIST 1.1 sec. 4.4.1), non-target present: PR.
# - week 16 TRDTC 2021-06-21, TRDY 113: day 112; 2021-06-21 - 112 days = 2021-03-01: agrees. T01 28 mm,
#   T02 20 mm (sum 48), and the new lesion N01 (unequivocal): PD (RECIST 1.1 sec. 4.3.3).
TU = """USUBJID,TULNKID,TUSTRESC,TULOC
S1,T01,TARGET,LIVER
S1,T02,TARGET,LUNG
S1,NT01,NON-TARGET,
S1,N01,NEW,
"""
TR = """USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY
S1,T01,LDIAM,4.2,4.2,cm,2021-02-25,-4
S1,T02,LDIAM,3.5,3.5,cm,2021-02-25,-4
S1,NT01,TUMSTATE,PRESENT,,,2021-02-25,-4
S1,T01,LDIAM,2.9,2.9,cm,2021-04-30,57
S1,T02,LDIAM,2.1,2.1,cm,2021-04-30,57
S1,NT01,TUMSTATE,PRESENT,,,2021-04-30,57
S1,T01,LDIAM,2.8,2.8,cm,2021-06-21,113
S1,T02,LDIAM,2.0,2.0,cm,2021-06-21,113
S1,N01,TUMSTATE,UNEQUIVOCAL,,,2021-06-21,113
"""
DM = "USUBJID,RFSTDTC\nS1,2021-03-01\n"

# A user's lesion table with dates and a patient table (README "with dates only, treatment_start comes
# from --patients"), treatment start 2021-03-01: 2021-02-26 is day -3, 2021-04-26 day 31 + 25 = 56.
# P1: 40 + 30 = 70 -> 25 + 20 = 45 mm, (45 - 70) / 70 = -35.71 %: PR. P2: 30 -> 40 mm (+33.33 %,
# +10 mm): PD. The non-target of P1 leaves its organ empty (allowed: not a target).
LESIONS = """patient_id,date,lesion_id,role,organ,lymph_node,long_axis_mm,status
P1,2021-02-26,T1,target,liver,false,40,present
P1,2021-02-26,T2,target,lung,false,30,present
P1,2021-02-26,NT1,non_target,,false,,present
P1,2021-04-26,T1,target,liver,false,25,present
P1,2021-04-26,T2,target,lung,false,20,present
P1,2021-04-26,NT1,non_target,,false,,present
P2,2021-02-26,T1,target,lung,false,30,present
P2,2021-04-26,T1,target,lung,false,40,present
"""
PATIENTS = "patient_id,treatment_start,arm\nP1,2021-03-01,A\nP2,2021-03-01,B\n"


def _sdtm(folder: Path) -> Path:
    folder.mkdir()
    for name, text in (("tu.csv", TU), ("tr.csv", TR), ("dm.csv", DM)):
        (folder / name).write_text(text)
    return folder


def _same(first: ioresponse.Result, again: ioresponse.Result) -> None:
    """The timepoint and best-response tables are identical; the lesion tables too but for source_row
    (rows of the input read: TR rows, then rows of lesions.csv)."""
    for name in ("timepoints", "best_response"):
        pd.testing.assert_frame_equal(first.tables()[name], again.tables()[name], check_dtype=False)
    lesions, read_back = first.study.lesions, again.study.lesions
    pd.testing.assert_frame_equal(lesions.drop(columns="source_row"), read_back.drop(columns="source_row"),
                                  check_dtype=False)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_sdtm_lesion_table_is_assessed_again_with_the_same_calls(tmp_path, fmt):
    first = ioresponse.assess(_sdtm(tmp_path / "sdtm"))
    getattr(first, f"to_{fmt}")(tmp_path / "out")
    written = tmp_path / "out" / f"lesions.{fmt}"
    # week 8's date - day (2021-03-05) is not the other rows' (2021-03-01, 6 of the 9 dated rows): refused
    # as given, naming the patient's dated rows 2-10 of the written table (header = row 1) and week 8's
    # first row 5 as the example
    with pytest.raises(InputError, match=r"rows 2-10, column date: dates and days of patient S1 disagree "
                                         r"\(date - day gives 2 different treatment starts, 2021-03-01 on 6 "
                                         r"of its 9 dated rows; e.g. row 5: date 2021-04-30 - day 56 = "
                                         r"2021-03-05\).*"
                                         r"--warn-implausible, validation=\"warn\" in Python, keeps both"):
        ioresponse.assess(written)
    again = ioresponse.assess(written, validation="warn")
    _same(first, again)
    calls = first.timepoints.sort_values("day")
    assert calls["day"].tolist() == [56, 112]  # TRDY 57 and 113 (study day 1 = day 0)
    assert calls["overall_response"].tolist() == ["PR", "PD"]  # -35.06 %; new lesion N01
    assert calls["current_sum"].tolist() == [50.0, 48.0]  # 29 + 21, 28 + 20 mm (cm x 10)
    assert calls["date"].tolist() == ["2021-04-30", "2021-06-21"]  # TRDTC as given


def test_sdtm_row_whose_trdtc_is_not_the_date_of_its_trdy_is_placed_by_trdy_with_its_date(tmp_path):
    with pytest.warns(StudyDayWarning, match="tr.csv, rows 5-7, column TRDY"):
        lesions = load_study(_sdtm(tmp_path / "sdtm")).lesions
    week8 = lesions[lesions["day"] == 56]  # TRDY 57
    assert week8["date"].tolist() == ["2021-04-30"] * 3


def test_sdtm_sizes_in_cm_are_written_in_mm_and_pass_the_centimetre_checks(tmp_path):
    first = ioresponse.assess(_sdtm(tmp_path / "sdtm"))
    first.to_csv(tmp_path / "out")
    written = pd.read_csv(tmp_path / "out" / "lesions.csv", dtype=str, keep_default_na=False)
    targets = written[written["role"] == "target"]
    # 4.2 cm = 42 mm, 3.5 cm = 35 mm; 2.9 and 2.1 cm on day 56; 2.8 and 2.0 cm on day 112
    assert targets["long_axis_mm"].tolist() == ["42.0", "35.0", "29.0", "21.0", "28.0", "20.0"]
    # baseline targets of 42 and 35 mm are measurable in mm (>= 10, RECIST 1.1 sec. 3.1.1): no finding
    # (week 8's date and day disagree: that plausibility finding only, nothing about centimetres)
    problems = validate_only(tmp_path / "out" / "lesions.csv")
    assert [p.column for p in problems] == ["date"]


def test_sdtm_empty_tuloc_is_an_empty_organ_of_non_target_and_new_lesions_only(tmp_path):
    lesions = load_study(_sdtm(tmp_path / "sdtm")).lesions
    organs = lesions.drop_duplicates("lesion_id").set_index("lesion_id")["organ"].to_dict()
    assert organs == {"T01": "liver", "T02": "lung", "NT01": "", "N01": ""}
    unplaced = TU.replace("S1,T02,TARGET,LUNG", "S1,T02,TARGET,")
    folder = _sdtm(tmp_path / "unplaced")
    (folder / "tu.csv").write_text(unplaced)
    # T02 is TU row 3; its TR records are rows 3, 6 and 9
    with pytest.raises(InputError, match=r"tu.csv, row 3, column TULOC: target lesion T02 has no location "
                                         r"\(TULOC empty, and no SUPPTR TRLOC for its TR records, tr.csv "
                                         r"rows 3, 6, 9\): RECIST 1.1 sec. 4.2 counts target lesions per "
                                         r"organ"):
        load_study(folder)


def test_user_table_organ_may_be_empty_on_non_target_and_new_rows_not_on_target_rows(tmp_path):
    table = tmp_path / "lesions.csv"
    table.write_text(LESIONS)
    lesions = load_study(table, patients=_patients(tmp_path)).lesions
    assert lesions.loc[lesions["lesion_id"] == "NT1", "organ"].tolist() == ["", ""]
    # P1's baseline T2 is row 3 of the file (header = row 1)
    table.write_text(LESIONS.replace("P1,2021-02-26,T2,target,lung", "P1,2021-02-26,T2,target,"))
    with pytest.raises(InputError, match=r"lesions.csv, row 3, column organ: empty; expected the organ of "
                                         r"the target lesion, in lower case and without side "
                                         r"\(e.g. \"lung\"; RECIST 1.1 sec. 4.2 counts target lesions per "
                                         r"organ\)"):
        load_study(table, patients=_patients(tmp_path))
    # a new lesion measured 12 mm without organ (row 10, the appended one) is accepted
    table.write_text(LESIONS + "P2,2021-04-26,N1,new,,false,12,present\n")
    assert "N1" in set(load_study(table, patients=_patients(tmp_path)).lesions["lesion_id"])


def _patients(folder: Path) -> Path:
    path = folder / "patients.csv"
    path.write_text(PATIENTS)
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_user_lesion_table_with_dates_is_assessed_again_with_the_same_calls(tmp_path, fmt):
    table = tmp_path / "lesions_in.csv"
    table.write_text(LESIONS)
    first = ioresponse.assess(table, patients=_patients(tmp_path))
    getattr(first, f"to_{fmt}")(tmp_path / "out")
    again = ioresponse.assess(tmp_path / "out" / f"lesions.{fmt}", patients=_patients(tmp_path))
    _same(first, again)
    calls = first.timepoints.set_index("patient_id")
    assert calls["day"].to_dict() == {"P1": 56, "P2": 56}  # 2021-04-26 - 2021-03-01 = 31 + 25 days
    assert calls["overall_response"].to_dict() == {"P1": "PR", "P2": "PD"}  # -35.71 %; +33.33 %, +10 mm
    # read back without the patient table too: the written file gives the day beside the date
    alone = ioresponse.assess(tmp_path / "out" / f"lesions.{fmt}")
    pd.testing.assert_frame_equal(first.timepoints, alone.timepoints, check_dtype=False)


@pytest.mark.skipif(not SHARED_SDTM.exists(), reason="shared pharmaverse SDTM data not present")
def test_pharmaverse_sdtm_lesion_table_is_assessed_again_with_the_same_best_responses(tmp_path):
    # the demo's option (examples/demo.py): baseline targets below the measurability rule are kept, flagged
    first = ioresponse.assess(SHARED_SDTM, on_baseline_violation="warn")
    first.to_csv(tmp_path / "out")
    written = tmp_path / "out" / "lesions.csv"
    # Refused as written only by plausibility checks (README: --warn-implausible keeps them): sizes that
    # look like centimetres (TRSTRESU says mm, but some patients' baseline targets are all below 10 mm with
    # a decimal, e.g. 7, 9, 8.8, 5, 6 mm, which a user's table in mm cannot be told from one in cm), and
    # TRDY nominal study days beside the scan dates (the StudyDayWarning of the SDTM run).
    problems = validate_only(written)
    assert "date" in {p.column for p in problems}
    assert all("look like centimetres" in str(p) or "dates and days of patient" in str(p) for p in problems)
    again = ioresponse.assess(written, validation="warn", on_baseline_violation="warn")
    pd.testing.assert_frame_equal(first.best_response, again.best_response, check_dtype=False)
    pd.testing.assert_frame_equal(first.timepoints, again.timepoints, check_dtype=False)
