"""Session 19 fixes of the SDTM reader (fix helper "sdtmfix"), after the audit of
tests/io/test_audit_s19_sdtm_sponsors.py: what each fix does beyond the audit's own test.

Rules checked (each beside its assertion): README "Outputs in results/" (``excluded.*``: rows not used, each
with its reason; bad input: located message and exit code 2), README "CDISC SDTM folders", the module
docstring of ``ioresponse/io/sdtm.py`` (the mapping), SDTMIG (VISITNUM numeric; USUBJID one subject of a
submission), spec/anatomic.md 0.1 (a lesion's rows agree on organ / lymph_node), 0.4 (the value read: short
axis of a node, else the long axis), 4.4 (iRECIST classifies new lesions at first appearance) and RECIST 1.1
Table 1 for the calls, computed by hand in the comments. Rows: header = row 1, so the n-th record of a file
is row n + 1. Study days: TRDY -5 -> day -5, 57 -> day 56 (first dose 2021-03-01).
"""

from __future__ import annotations

import warnings

import pytest
from test_audit_s19_sdtm_sponsors import (
    IRC1,
    assess,
    calls,
    cli,
    excluded_rows,
    flat,
    folder,
    pairs,
    rs,
    tr,
    tu,
)

import ioresponse
from ioresponse.io.sdtm import RecordedValueWarning


def reasons(result) -> dict[int, str]:
    excluded = result.study.excluded
    return dict(zip(excluded["source_row"].astype(int), excluded["reason"], strict=True))


# --- 1. RS records other than the overall response are listed in excluded -----------------------------------


def test_rs_other_tests_listed_with_their_test_code_and_file(tmp_path):
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER")], [
        tr("T01", "LDIAM", 40, "1"), tr("T01", "LDIAM", 28, "2"),
    ], [
        rs("PR", "2", test="TRGRESP"),    # rs.csv row 2
        rs("PR", "2", test=" ovrlresp"),  # row 3: the overall response in another case: compared
        rs("PR", "", test="BESTRSP"),     # row 4
    ])
    result = assess(path)
    # 40 -> 28 mm = -30 %: PR (RECIST 1.1 Table 1); row 3 is the overall response, compared
    assert pairs(result) == [("", "recist11", 56, "PR", "PR")]
    assert set(result.study.recorded["source_row"]) == {3}
    # README "Outputs": each row not used is listed with its reason; the reason names the RS file and row,
    # since source_row of excluded otherwise points into TR (sdtm.py docstring)
    assert reasons(result) == {
        2: "rs.csv row 2: RS RSTESTCD TRGRESP: not an overall response (OVRLRESP), not compared",
        4: "rs.csv row 4: RS RSTESTCD BESTRSP: not an overall response (OVRLRESP), not compared",
    }
    assert set(result.study.excluded["column"]) == {"RSTESTCD"}


# --- 2. one USUBJID in several studies is refused -----------------------------------------------------------


def test_subject_of_two_studies_refused_at_its_rows_with_column_studyid(tmp_path):
    path = folder(tmp_path, [
        tu("T01", "TARGET", "LIVER", subject="001", study="A"),  # tu.csv row 2
        tu("T01", "TARGET", "LUNG", subject="001", study="B"),   # row 3
        tu("T01", "TARGET", "LUNG", subject="002", study="B"),   # row 4: another subject, one study
    ], [
        tr("T01", "LDIAM", 40, "1", subject="001", study="A"),
        tr("T01", "LDIAM", 50, "1", subject="001", study="B"),
        tr("T01", "LDIAM", 30, "1", subject="002", study="B"),
    ])
    for command in (("assess", path, "--out", tmp_path / "out", "--no-patterns"), ("validate", path)):
        run = cli(*command)
        assert run.exit_code == 2, run.output
        text = flat(run)
        # README: a located message (file, rows, column) and exit code 2; SDTMIG: a USUBJID is one subject
        assert "tu.csv, rows 2, 3, column STUDYID" in text, text
        assert "subject 001 (USUBJID) appears in several studies (STUDYID A, B)" in text
        assert "assess each study's folder separately" in text
        assert "Traceback" not in run.output


def test_rs_file_written_under_another_studyid_throughout_is_read(tmp_path):
    # `ioresponse export --sdtm` writes STUDYID "IORESPONSE"; beside the sponsor's TU / TR (STUDYID "A") its
    # RS pools no two studies in one file, so it is read and compared
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER")], [
        tr("T01", "LDIAM", 40, "1"), tr("T01", "LDIAM", 28, "2"),
    ], [rs("PR", "2", study="IORESPONSE")])
    # 40 -> 28 mm = -30 %: PR (RECIST 1.1 Table 1)
    assert pairs(assess(path)) == [("", "recist11", 56, "PR", "PR")]


def test_subjects_of_pooled_studies_with_distinct_usubjid_are_assessed(tmp_path):
    # SDTMIG: USUBJID is unique across the submission, so pooled studies with distinct USUBJIDs are fine
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER", subject="A-001", study="A"),
                             tu("T01", "TARGET", "LUNG", subject="B-001", study="B")], [
        tr("T01", "LDIAM", 40, "1", subject="A-001", study="A"),
        tr("T01", "LDIAM", 28, "2", subject="A-001", study="A"),
        tr("T01", "LDIAM", 50, "1", subject="B-001", study="B"),
        tr("T01", "LDIAM", 70, "2", subject="B-001", study="B"),
    ])
    result = assess(path)
    # 40 -> 28 mm = -30 % PR; B-001: 50 -> 70 mm = +40 %, +20 mm vs nadir 50: PD (RECIST 1.1 4.3.1)
    assert dict(zip(result.best_response["patient_id"], result.best_response["best_response"],
                    strict=True)) == {"A-001": "PR", "B-001": "PD"}


# --- 3. an RS record is compared with its own reader's calls when that reader has TR records ---------------


def test_rs_of_an_evaluator_without_tr_still_compared_with_the_read_without_evaluator(tmp_path):
    # sdtm.py docstring: "an RS record of an evaluator whose subject's TR has none is placed by, and compared
    # with, the TR read without an evaluator" (kept by the fix)
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER")], [
        tr("T01", "LDIAM", 40, "1"), tr("T01", "LDIAM", 28, "2"),
    ], [rs("PR", "2", reader=IRC1)])
    result = assess(path)
    # 40 -> 28 mm = -30 %: PR (RECIST 1.1 Table 1), the only read; RADIOLOGIST 1 has no TR records
    assert pairs(result) == [("RADIOLOGIST 1", "recist11", 56, "PR", "PR")]


def test_rs_of_a_reader_with_own_tr_is_compared_with_their_own_call(tmp_path):
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER")], [
        tr("T01", "LDIAM", 40, "1"), tr("T01", "LDIAM", 28, "2"),
        tr("T01", "LDIAM", 40, "1", reader=IRC1), tr("T01", "LDIAM", 50, "2", reader=IRC1),
    ], [rs("PD", "2", reader=IRC1), rs("PR", "2")])
    result = assess(path)
    # investigator 40 -> 28 mm = -30 %: PR; RADIOLOGIST 1 40 -> 50 mm = +25 %, +10 mm vs nadir 40: PD
    assert pairs(result) == [("", "recist11", 56, "PR", "PR"), ("RADIOLOGIST 1", "recist11", 56, "PD", "PD")]


# --- 4. VISITNUM matched as a number ------------------------------------------------------------------------


def test_tr_visitnum_written_as_a_decimal_matches_rs_visitnum_written_as_an_integer(tmp_path):
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER")], [
        tr("T01", "LDIAM", 40, "1", VISITNUM="1.0"), tr("T01", "LDIAM", 28, "2", VISITNUM="2.00"),
    ], [rs("PR", "2", RSDTC="2021-04-29", RSDY="60")])
    result = assess(path)
    # SDTMIG: VISITNUM is numeric, 2.00 is visit 2; the RS record of WEEK 8 is placed at its scan, day 56
    # (TRDY 57 - 1), not at its RSDY 60 (day 59): PR, 40 -> 28 mm = -30 %
    assert pairs(result) == [("", "recist11", 56, "PR", "PR")]
    recorded = result.study.recorded
    assert recorded["visit"].tolist() == ["WEEK 8"]  # the VISIT the file gives, unchanged
    assert "placed at visit WEEK 8 by its TR records (2021-04-26)" in recorded["note"].iloc[0]


def test_not_done_record_placed_at_a_visit_written_in_another_numeric_form(tmp_path):
    # sdtm.py: a NOT DONE record without TRDTC / TRDY takes the date and day of its visit's TR records
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER"), tu("T02", "TARGET", "LUNG")], [
        tr("T01", "LDIAM", 40, "1"), tr("T02", "LDIAM", 20, "1"),
        tr("T01", "LDIAM", 28, "2"),
        tr("T02", "LDIAM", "", "2", VISITNUM="2.0", TRDTC="", TRDY="", TRSTAT="NOT DONE", TRSTRESC="",
           TRSTRESN="", TRORRES=""),  # row 5
    ])
    result = assess(path)
    lesions = result.study.lesions
    t02 = lesions[(lesions["lesion_id"] == "T02") & (lesions["source_row"] == 5)]
    # VISITNUM 2.0 is visit 2: placed at day 56 (TRDY 57), not_evaluable (TRSTAT NOT DONE)
    assert t02["day"].tolist() == [56] and t02["status"].tolist() == ["not_evaluable"]
    # T01 28 mm measured, T02 not evaluable: S_known = 28 mm does not meet PD against the nadir 60 mm (40 +
    # 20), so the target response is NE (spec/anatomic.md 1.4 step 1, RECIST 1.1 sec. 4.4.2)
    assert calls(result) == [("", 56, "NE")]


# --- 5 / 6. SAXIS of a non-nodal lesion kept; DIAMETER beside the axis read listed -------------------------


def test_saxis_of_a_non_nodal_lesion_is_kept_and_not_read(tmp_path):
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER"), tu("N01", "TARGET", "LYMPH NODE")], [
        tr("T01", "LDIAM", 40, "1"), tr("T01", "SAXIS", 16, "1"),
        tr("N01", "LDIAM", 25, "1"), tr("N01", "SAXIS", 20, "1"),
        tr("T01", "LDIAM", 30, "2"), tr("T01", "SAXIS", 9, "2"),
        tr("N01", "LDIAM", 22, "2"), tr("N01", "SAXIS", 12, "2"),
    ])
    result = assess(path)
    lesions = result.study.lesions.sort_values(["day", "lesion_id"])
    # the liver lesion keeps its SAXIS in short_axis_mm; the node's short axis is its SAXIS (spec 0.4)
    assert lesions["short_axis_mm"].tolist() == [20.0, 16.0, 12.0, 9.0]
    # spec 0.4: the value read is the long axis of the liver lesion and the short axis of the node:
    # baseline 40 + 20 = 60 mm, day 56 30 + 12 = 42 mm = -30 %: PR
    assert result.timepoints["current_sum"].tolist() == [42.0]
    assert calls(result) == [("", 56, "PR")]
    assert excluded_rows(result) == set()


def test_diameter_beside_the_axis_read_is_listed_and_alone_is_read(tmp_path):
    # two subjects, so that no one has more than 2 nodal targets (RECIST 1.1 sec. 4.2)
    path = folder(tmp_path, [
        tu("T01", "TARGET", "LIVER"), tu("T02", "TARGET", "LUNG"), tu("N01", "TARGET", "LYMPH NODE"),
        tu("N02", "TARGET", "AXILLARY LYMPH NODE", subject="S2"),
        tu("N03", "TARGET", "LYMPH NODE", subject="S2"),
    ], [
        tr("T01", "LDIAM", 40, "1"),                   # row 2
        tr("T01", "DIAMETER", 44, "1"),                # row 3: beside LDIAM, not read
        tr("T02", "DIAMETER", 30, "1"),                # row 4: alone, the long axis (sdtm.py)
        tr("N01", "SAXIS", 20, "1"),                   # row 5
        tr("N01", "DIAMETER", 25, "1"),                # row 6: beside SAXIS of a node, not read
        tr("N02", "LPERP", 18, "1", subject="S2"),     # row 7: a node's short axis when no SAXIS
        tr("N02", "DIAMETER", 21, "1", subject="S2"),  # row 8: beside LPERP of a node, not read
        tr("N03", "LDIAM", 24, "1", subject="S2"),     # row 9
        tr("N03", "DIAMETER", 16, "1", subject="S2"),  # row 10: the node's short axis (no SAXIS / LPERP)
    ])
    result = assess(path)
    assert reasons(result) == {
        3: "DIAMETER beside LDIAM: LDIAM is the long axis read (lesion T01)",
        6: "DIAMETER beside SAXIS: SAXIS is the short axis read (lesion N01)",
        8: "DIAMETER beside LPERP: LPERP is the short axis read (lesion N02)",
    }
    lesions = result.study.lesions.set_index("lesion_id")
    assert lesions.loc["T02", "long_axis_mm"] == 30.0
    assert lesions.loc["N03", "short_axis_mm"] == 16.0 and lesions.loc["N02", "short_axis_mm"] == 18.0


# --- 7. one lesion, one location ----------------------------------------------------------------------------


def test_tu_locations_of_one_lesion_that_disagree_are_refused_naming_both(tmp_path):
    path = folder(tmp_path, [
        tu("T01", "TARGET", "LIVER"),                     # row 2
        tu("T01", "TARGET", "LYMPH NODE", VISITNUM="2"),  # row 3
    ], [tr("T01", "LDIAM", 30, "1")])
    run = cli("validate", path)
    assert run.exit_code == 2, run.output
    # README: located (file, rows, column) and exit 2; spec 0.1: a lesion's rows agree on organ / lymph_node
    assert ("tu.csv, rows 2, 3, column TULOC: lesion T01 of subject S1 is identified in several locations "
            "(LIVER on row 2, LYMPH NODE on row 3)") in flat(run), flat(run)


def test_tu_locations_of_one_lesion_differing_in_case_or_one_empty_are_one_location(tmp_path):
    path = folder(tmp_path, [
        tu("T01", "TARGET", ""),                      # row 2: no location on the first record
        tu("T01", "TARGET", "Liver", VISITNUM="2"),   # row 3
        tu("T01", "TARGET", "LIVER", VISITNUM="3"),   # row 4: the same organ in another case
    ], [tr("T01", "LDIAM", 40, "1"), tr("T01", "LDIAM", 28, "2")])
    result = assess(path)
    # the location given on any of the lesion's TU records is its location (organ in lower case, sdtm.py);
    # a target without one would be refused (RECIST 1.1 sec. 4.2)
    assert set(result.study.lesions["organ"]) == {"liver"}
    assert calls(result) == [("", 56, "PR")]  # 40 -> 28 mm = -30 %


# --- 8. NEW TARGET / NEW NON-TARGET are new lesions ---------------------------------------------------------


@pytest.mark.parametrize("written", ["NEW TARGET", "NEW NON-TARGET", "new target"])
def test_new_lesion_with_the_readers_irecist_class_is_role_new(tmp_path, written):
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER"), tu("N01", written, "LUNG")], [
        tr("T01", "LDIAM", 40, "1"), tr("T01", "LDIAM", 40, "2"), tr("N01", "LDIAM", 12, "2"),
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(path, criteria=("recist11", "irecist"))
    lesions = result.study.lesions
    new = lesions[lesions["lesion_id"] == "N01"]
    assert new["role"].tolist() == ["new"]
    # the reader's class is kept in the note (nothing the user gave is lost)
    assert new["note"].iloc[0] == (f"TUSTRESC {written.upper()}: read as a new lesion (the criteria classify "
                                   "new lesions themselves, spec/anatomic.md 4.4)")
    # targets 40 -> 40 mm (SD), an unequivocal new lesion: PD (RECIST 1.1 Table 1), iUPD (iRECIST 4.6)
    assert calls(result, "recist11") == [("", 56, "PD")]
    assert calls(result, "irecist") == [("", 56, "iUPD")]


# --- 9. the RS warning names each reason a record is not compared -------------------------------------------


def test_rs_warning_words_a_category_not_assessed_apart_from_a_value_that_is_no_response(tmp_path):
    path = folder(tmp_path, [tu("T01", "TARGET", "LIVER")], [
        tr("T01", "LDIAM", 40, "1"), tr("T01", "LDIAM", 28, "2"),
    ], [rs("PD", "2", category="Investigator RECIST"), rs("CHECK", "2")])
    with pytest.warns(RecordedValueWarning) as caught:
        ioresponse.assess(path, criteria=("recist11",))
    text = " ".join(str(w.message) for w in caught if issubclass(w.category, RecordedValueWarning))
    # "PD" is a response category: its record is not compared for its RSCAT only
    assert text == ("rs.csv: 1 overall-response record(s) hold values that are not response categories "
                    "(CHECK), kept with an empty recorded_response; 1 overall-response record(s) are of "
                    "categories (RSCAT) ioresponse does not assess (Investigator RECIST), kept with an empty "
                    "criterion; not compared")
