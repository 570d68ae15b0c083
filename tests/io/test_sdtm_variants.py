"""Variations of real trial SDTM tumour data (TU / TR / RS / DM) read from a folder.

Sources of the expected values (never the code's output):
- README "Input" (CDISC SDTM folders: each evaluator separately, TRACPTFL / RSACPTFL, partial dates use
  the study day or a documented imputation, RS OVRLRESP compared with the criterion its RSCAT names in
  ``recorded_vs_computed``, non-responses kept with a note; bad input: located message and exit 2);
- the module docstring of ioresponse/io/sdtm.py (the mapping: TRLNKID / TULNKID, LDIAM / LPERP / SAXIS,
  TRSTRESU cm / mm / empty, TUMSTATE, TRSTAT NOT DONE, TRDY -> day, DM.RFSTDTC);
- spec/anatomic.md 0.2-0.5 (assessments, statuses, lesion values, 5 mm for "too small"), 1.4-1.6
  (RECIST 1.1: PR rel(S, B) <= -30 %; PD rel(S, N) >= +20 % and abs >= 5 mm; new lesion; unequivocal
  non-target progression), 4 (iRECIST: first progression is iUPD);
- the CDISC SDTM IG (TR: TRSTRESN in TRSTRESU; --DY: day 1 = first dose, no day 0).

SDTM study day -> contract day (first dose = day 0): TRDY -6 -> -6, TRDY 57 -> 56, TRDY 113 -> 112.
First dose 2021-03-01: day -6 = 2021-02-23, day 56 = 2021-04-26, day 112 = 2021-06-21.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.io.load import load_study

START = "2021-03-01"
WHEN = {-6: "2021-02-23", 57: "2021-04-26", 113: "2021-06-21"}  # TRDY -> TRDTC
VISIT = {-6: ("1", "BASELINE"), 57: ("2", "WEEK 8"), 113: ("3", "WEEK 16")}
TR_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "TRSEQ", "TRGRPID", "TRLNKID", "TRTESTCD", "TRORRES",
              "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU", "TRSTAT", "TRREASND", "TREVAL", "TREVALID",
              "TRACPTFL", "VISITNUM", "VISIT", "TRDTC", "TRDY"]
TU_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "TUSEQ", "TULNKID", "TUTESTCD", "TUORRES", "TUSTRESC", "TULOC",
              "TUEVAL", "TUEVALID", "TUACPTFL", "VISITNUM", "VISIT", "TUDTC", "TUDY"]
GROUP = {"T": "TARGET", "N": "NON-TARGET"}


def tr(subject, lesion, test, result, dy, *, unit="mm", stat="", reasnd="", reader=("INVESTIGATOR", ""),
       accepted="", date=None, group=None, visit=None):
    """One TR record: a number is TRSTRESN (and TRSTRESC), a text is TRSTRESC only."""
    number = isinstance(result, int | float) and not isinstance(result, bool)
    text = f"{result:g}" if number else (result or "")
    visitnum, visit_name = visit or VISIT.get(dy, ("", ""))
    return {
        "STUDYID": "ST1", "DOMAIN": "TR", "USUBJID": subject,
        "TRGRPID": group if group is not None else GROUP.get(lesion[0], "NEW"), "TRLNKID": lesion,
        "TRTESTCD": test, "TRORRES": text, "TRORRESU": unit if number else "", "TRSTRESC": text,
        "TRSTRESN": text if number else "", "TRSTRESU": unit if number else "", "TRSTAT": stat,
        "TRREASND": reasnd, "TREVAL": reader[0], "TREVALID": reader[1], "TRACPTFL": accepted,
        "VISITNUM": visitnum, "VISIT": visit_name, "TRDTC": WHEN.get(dy, "") if date is None else date,
        "TRDY": "" if dy is None else str(dy),
    }


def tu(subject, lesion, role, location, *, reader=("INVESTIGATOR", ""), accepted="", dy=-6):
    visitnum, visit_name = VISIT[dy]
    return {"STUDYID": "ST1", "DOMAIN": "TU", "USUBJID": subject, "TULNKID": lesion, "TUTESTCD": "TUMIDENT",
            "TUORRES": role, "TUSTRESC": role, "TULOC": location, "TUEVAL": reader[0], "TUEVALID": reader[1],
            "TUACPTFL": accepted, "VISITNUM": visitnum, "VISIT": visit_name, "TUDTC": WHEN[dy],
            "TUDY": str(dy)}


def frame(rows, columns, seq):
    table = pd.DataFrame(rows, columns=columns).fillna("")
    table[seq] = [str(i) for i in range(1, len(table) + 1)]
    return table


def write_folder(folder: Path, tu_rows, tr_rows, *, rs=None, dm=None) -> Path:
    """CSV files tu.csv, tr.csv (and rs.csv, dm.csv); every value text; header = row 1."""
    folder.mkdir(parents=True, exist_ok=True)
    frame(tu_rows, TU_COLUMNS, "TUSEQ").to_csv(folder / "tu.csv", index=False)
    frame(tr_rows, TR_COLUMNS, "TRSEQ").to_csv(folder / "tr.csv", index=False)
    if rs is not None:
        pd.DataFrame(rs).fillna("").to_csv(folder / "rs.csv", index=False)
    if dm is not None:
        pd.DataFrame(dm).to_csv(folder / "dm.csv", index=False)
    return folder


def assess(folder, criteria=("recist11",), **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(folder, criteria=criteria, **options)


def calls(result, criterion="recist11"):
    tp = result.timepoints
    tp = tp[tp["criterion"] == criterion]
    return {(p, r, int(d)): o for p, r, d, o in tp[["patient_id", "reader", "day", "overall_response"]]
            .itertuples(index=False)}


def lesion(lesions, patient, lesion_id, day):
    found = lesions[(lesions["patient_id"] == patient) & (lesions["lesion_id"] == lesion_id)
                    & (lesions["day"] == day)]
    assert len(found) == 1, found
    return found.iloc[0]


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def refused(result, *fragments):
    """Exit 2, no traceback, and every fragment in the (unwrapped) message."""
    assert "Traceback" not in result.output
    assert result.exit_code == 2, (result.exit_code, repr(result.exception), result.output)
    text = " ".join(result.output.split())
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    return text


# ---------------------------------------------------------------------------------------------
# One folder, three subjects: links, LDIAM / LPERP / SAXIS, units, TUMSTATE, NEW, TOO SMALL TO MEASURE
#
# S1 (RECIST 1.1 by hand):
#   baseline  T01 liver LDIAM 4.0 cm = 40 mm (LPERP 30 mm); T02 lymph node SAXIS 20 mm (LDIAM 30 mm);
#             T03 lung LDIAM 20 with TRSTRESU empty (= mm); NT01 bone PRESENT.  B = 40 + 20 + 20 = 80.
#   day 56    T01 2.4 cm = 24; T02 SAXIS 12; T03 "TOO SMALL TO MEASURE" = 5 mm (spec 0.4).
#             S = 41; (41 - 80) / 80 = -48.75 % <= -30 %: PR; NT01 PRESENT: non-CR/non-PD -> PR.
#   day 112   T01 26, T02 12, T03 5 -> S = 43: +4.88 % vs nadir 41 (not PD), -46.25 % vs B: target PR;
#             NEW01 (TU NEW, identified at WEEK 16) LDIAM 8 mm: new lesion -> PD (Table 1 row 3).
# S2: T01 50 -> 40 (-20 %: SD); NT01 PRESENT -> UNEQUIVOCAL PROGRESSION on day 56 -> PD (row 2).
# S3: T01 30 -> LDIAM 0 (absent) and NT01 ABSENT on day 56 -> CR (row 6).


def _mixed_rows():
    tu_rows = [tu("S1", "T01", "TARGET", "LIVER"), tu("S1", "T02", "TARGET", "LYMPH NODE"),
               tu("S1", "T03", "TARGET", "LUNG"), tu("S1", "NT01", "NON-TARGET", "BONE"),
               tu("S1", "NEW01", "NEW", "LIVER", dy=113),
               tu("S2", "T01", "TARGET", "LIVER"), tu("S2", "NT01", "NON-TARGET", "BONE"),
               tu("S3", "T01", "TARGET", "LUNG"), tu("S3", "NT01", "NON-TARGET", "PLEURA")]
    tr_rows = [
        tr("S1", "T01", "LDIAM", 4.0, -6, unit="cm"), tr("S1", "T01", "LPERP", 30, -6),
        tr("S1", "T02", "SAXIS", 20, -6), tr("S1", "T02", "LDIAM", 30, -6),
        tr("S1", "T03", "LDIAM", 20, -6, unit=""), tr("S1", "NT01", "TUMSTATE", "PRESENT", -6),
        tr("S1", "T01", "LDIAM", 2.4, 57, unit="cm"), tr("S1", "T02", "SAXIS", 12, 57),
        tr("S1", "T03", "LDIAM", "TOO SMALL TO MEASURE", 57), tr("S1", "NT01", "TUMSTATE", "PRESENT", 57),
        tr("S1", "T01", "LDIAM", 26, 113), tr("S1", "T02", "SAXIS", 12, 113),
        tr("S1", "T03", "LDIAM", 5, 113),
        tr("S1", "NT01", "TUMSTATE", "PRESENT", 113), tr("S1", "NEW01", "LDIAM", 8, 113),
        tr("S2", "T01", "LDIAM", 50, -6), tr("S2", "NT01", "TUMSTATE", "PRESENT", -6),
        tr("S2", "T01", "LDIAM", 40, 57), tr("S2", "NT01", "TUMSTATE", "UNEQUIVOCAL PROGRESSION", 57),
        tr("S3", "T01", "LDIAM", 30, -6), tr("S3", "NT01", "TUMSTATE", "PRESENT", -6),
        tr("S3", "T01", "LDIAM", 0, 57), tr("S3", "NT01", "TUMSTATE", "ABSENT", 57),
    ]
    return tu_rows, tr_rows


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    folder = write_folder(tmp_path_factory.mktemp("mixed") / "sdtm", *_mixed_rows())
    return folder, load_study(folder).lesions, assess(folder)


def test_links_units_and_node_short_axis_give_the_lesion_values(mixed):
    _, lesions, _ = mixed
    t01 = lesion(lesions, "S1", "T01", -6)
    # sdtm.py: LDIAM -> long_axis_mm, LPERP -> perpendicular_mm; cm x 10 with a note
    assert (t01["role"], t01["organ"], bool(t01["lymph_node"])) == ("target", "liver", False)
    assert (t01["long_axis_mm"], t01["perpendicular_mm"]) == (40.0, 30.0)
    assert "cm converted to mm" in t01["note"]
    t02 = lesion(lesions, "S1", "T02", -6)
    # a location naming a lymph node: organ "lymph node", short axis from SAXIS
    assert (bool(t02["lymph_node"]), t02["organ"], t02["short_axis_mm"]) == (True, "lymph node", 20.0)
    assert lesion(lesions, "S1", "T02", 56)["short_axis_mm"] == 12.0
    assert lesion(lesions, "S1", "T03", -6)["long_axis_mm"] == 20.0  # TRSTRESU empty: mm
    assert lesion(lesions, "S1", "T01", 56)["long_axis_mm"] == 24.0  # 2.4 cm


def test_tumstate_and_text_results_become_statuses(mixed):
    _, lesions, _ = mixed
    assert lesion(lesions, "S1", "T03", 56)["status"] == "too_small"
    assert lesion(lesions, "S1", "NT01", 56)["status"] == "present"
    assert lesion(lesions, "S2", "NT01", 56)["status"] == "unequivocal_progression"
    assert lesion(lesions, "S3", "NT01", 56)["status"] == "absent"
    assert lesion(lesions, "S3", "T01", 56)["status"] == "absent"  # measured 0
    new = lesion(lesions, "S1", "NEW01", 112)
    assert (new["role"], new["status"], new["long_axis_mm"]) == ("new", "present", 8.0)


def test_recist_calls_of_the_mixed_folder(mixed):
    _, _, result = mixed
    tp = result.timepoints.query("criterion == 'recist11'").set_index(["patient_id", "day"])
    assert tp.loc[("S1", 56), "baseline_sum"] == 80
    assert tp.loc[("S1", 56), "current_sum"] == 41
    assert tp.loc[("S1", 112), "current_sum"] == 43  # new lesions never enter the sum (spec 1.4)
    assert tp.loc[("S1", 112), "new_lesion_response"] == "yes"
    assert tp.loc[("S2", 56), "target_response"] == "SD"
    assert {k: v for k, v in calls(result).items() if k[2] > 0} == {
        ("S1", "INVESTIGATOR", 56): "PR", ("S1", "INVESTIGATOR", 112): "PD",
        ("S2", "INVESTIGATOR", 56): "PD", ("S3", "INVESTIGATOR", 56): "CR"}


# ---------------------------------------------------------------------------------------------
# Node measured by LPERP only (CDISC QRS RECIST supplement: nodal targets in LPERP); sdtm.py: for nodes
# the short axis is SAXIS, else LPERP, else DIAMETER. Node 20 -> 13: (13 - 20) / 20 = -35 %: PR.


@pytest.mark.parametrize("test", ["SAXIS", "LPERP", "DIAMETER"])
def test_node_short_axis_from_each_accepted_test_code(tmp_path, test):
    tu_rows = [tu("S1", "T01", "TARGET", "LYMPH NODE")]
    tr_rows = [tr("S1", "T01", test, 20, -6), tr("S1", "T01", test, 13, 57)]
    folder = write_folder(tmp_path / "sdtm", tu_rows, tr_rows)
    lesions = load_study(folder).lesions
    assert lesion(lesions, "S1", "T01", -6)["short_axis_mm"] == 20.0
    assert calls(assess(folder)) == {("S1", "INVESTIGATOR", 56): "PR"}


# ---------------------------------------------------------------------------------------------
# Target not evaluable at a follow-up (spec 0.2: a baseline lesion with no row is not_evaluable; 0.3;
# 1.4 step 1). Baseline T01 50 + T02 20 = 70 = nadir. Day 56 T01 30: known 30 cannot reach PD -> NE.
# With T01 90: (90 - 70) / 70 = +28.57 % and +20 mm -> PD whatever T02 is.


@pytest.mark.parametrize("coding", ["not_evaluable_text", "trstat_not_done", "no_tr_row"])
@pytest.mark.parametrize(("t01", "expected"), [(30, "NE"), (90, "PD")])
def test_target_not_evaluable_at_a_follow_up(tmp_path, coding, t01, expected):
    tu_rows = [tu("S1", "T01", "TARGET", "LIVER"), tu("S1", "T02", "TARGET", "LUNG")]
    tr_rows = [tr("S1", "T01", "LDIAM", 50, -6), tr("S1", "T02", "LDIAM", 20, -6),
               tr("S1", "T01", "LDIAM", t01, 57)]
    if coding == "not_evaluable_text":
        tr_rows.append(tr("S1", "T02", "LDIAM", "NOT EVALUABLE", 57))
    elif coding == "trstat_not_done":
        tr_rows.append(tr("S1", "T02", "LDIAM", "", 57, stat="NOT DONE", reasnd="SCAN NOT PERFORMED"))
    folder = write_folder(tmp_path / "sdtm", tu_rows, tr_rows)
    result = assess(folder)
    tp = result.timepoints.query("criterion == 'recist11'").iloc[0]
    assert (int(tp["day"]), tp["overall_response"]) == (56, expected)
    assert "T02" in tp["reason"]
    if coding != "no_tr_row":
        assert lesion(result.study.lesions, "S1", "T02", 56)["status"] == "not_evaluable"


# ---------------------------------------------------------------------------------------------
# Merged lesions (spec 0.4): the conglomerate on one lesion, the absorbed one entered as absent (0).
# T01 40 + T02 20 = 60 -> conglomerate T01 50, T02 0: S = 50, -16.67 %: SD (not CR: T01 present).


def test_merged_lesions_conglomerate_and_absorbed_lesion_at_zero(tmp_path):
    tu_rows = [tu("S1", "T01", "TARGET", "LIVER"), tu("S1", "T02", "TARGET", "LIVER")]
    tr_rows = [tr("S1", "T01", "LDIAM", 40, -6), tr("S1", "T02", "LDIAM", 20, -6),
               tr("S1", "T01", "LDIAM", 50, 57), tr("S1", "T02", "LDIAM", 0, 57)]
    folder = write_folder(tmp_path / "sdtm", tu_rows, tr_rows)
    result = assess(folder)
    assert lesion(result.study.lesions, "S1", "T02", 56)["status"] == "absent"
    tp = result.timepoints.query("criterion == 'recist11'").iloc[0]
    assert (tp["current_sum"], tp["overall_response"]) == (50, "SD")


# Split lesions: nothing in README / sdtm.py says how an SDTM split is coded (SDTM IG: new TULNKID such
# as "T01.1" / "T01.2"; README's lesion table: several rows of one lesion_id). Only README's general
# promise is pinned: no traceback; accepted (exit 0) or refused with a located message (exit 2).


@pytest.mark.parametrize("coding", ["suffixed_link_ids", "same_link_id_twice"])
def test_split_lesion_codings_never_give_a_traceback(tmp_path, coding):
    tu_rows = [tu("S1", "T01", "TARGET", "LIVER")]
    tr_rows = [tr("S1", "T01", "LDIAM", 30, -6)]
    if coding == "suffixed_link_ids":
        tu_rows += [tu("S1", "T01.1", "TARGET", "LIVER", dy=57), tu("S1", "T01.2", "TARGET", "LIVER", dy=57)]
        tr_rows += [tr("S1", "T01.1", "LDIAM", 12, 57), tr("S1", "T01.2", "LDIAM", 9, 57)]
    else:
        tr_rows += [tr("S1", "T01", "LDIAM", 12, 57), tr("S1", "T01", "LDIAM", 9, 57)]
    folder = write_folder(tmp_path / "sdtm", tu_rows, tr_rows)
    result = cli("assess", folder, "--out", tmp_path / "out", "--no-patterns")
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 2), (result.exit_code, repr(result.exception), result.output)
    if result.exit_code == 2:
        assert "tr.csv" in result.output or "tu.csv" in result.output


def test_split_recorded_as_tusplit_fragments_adds_up_to_the_lesion(tmp_path):
    # SDTM IG TU: a lesion that splits gets TU records TUTESTCD TUSPLIT with link ids "T01.1", "T01.2".
    # Their TR results are fragments of T01, which add up (RECIST 1.1 sec. 4.3.2, spec 0.4): 12 + 9 = 21 mm
    # against 30 mm at baseline is -30.00 % (<= -30 %): PR, as spec R7's two fragment rows.
    split = [tu("S1", f"T01.{i}", "TARGET", "LIVER", dy=57) | {"TUTESTCD": "TUSPLIT"} for i in (1, 2)]
    tr_rows = [tr("S1", "T01", "LDIAM", 30, -6), tr("S1", "T01.1", "LDIAM", 12, 57),
               tr("S1", "T01.2", "LDIAM", 9, 57)]
    result = assess(write_folder(tmp_path / "sdtm", [tu("S1", "T01", "TARGET", "LIVER"), *split], tr_rows))
    tp = result.timepoints.iloc[0]
    assert (tp["current_sum"], tp["pct_change_baseline"], tp["overall_response"]) == (21, -30.0, "PR")
    fragments = result.study.lesions.query("day == 56")
    assert fragments["lesion_id"].tolist() == ["T01", "T01"]
    assert fragments["note"].str.contains("fragment T01.1 of split lesion T01|fragment T01.2 of split").all()


# ---------------------------------------------------------------------------------------------
# Dates (sdtm.py: day = TRDY - 1 for TRDY > 0; without TRDY day = date - treatment start; DM.RFSTDTC is
# the treatment start; partial dates: with TRDY date = start + day, without TRDY the middle of the period,
# io.tables: "YYYY-MM" -> day 15; the note states the imputation).
# T01 50 -> 30 (-40 %): PR in every variant.


def _dated_rows(baseline_date, follow_date, dy=(-6, 57)):
    return ([tu("S1", "T01", "TARGET", "LIVER")],
            [tr("S1", "T01", "LDIAM", 50, dy[0], date=baseline_date),
             tr("S1", "T01", "LDIAM", 30, dy[1], date=follow_date, visit=VISIT[57])])


DM = [{"STUDYID": "ST1", "DOMAIN": "DM", "USUBJID": "S1", "RFSTDTC": "2021-03-01T09:30", "ARM": "A"}]


@pytest.mark.parametrize(("follow_date", "with_dy", "with_dm", "day", "date"), [
    ("2021-04-26", True, False, 56, "2021-04-26"),   # full date + TRDY, start derived from the records
    ("2021-04-26", False, True, 56, "2021-04-26"),   # full date, no TRDY: date - RFSTDTC
    ("2021-04", True, True, 56, "2021-04-26"),       # partial date + TRDY: start + day
    ("2021-04", False, True, 45, "2021-04-15"),      # partial, no TRDY: 15 April = 2021-03-01 + 45 days
])
def test_full_and_partial_dates_with_and_without_study_day(tmp_path, follow_date, with_dy, with_dm, day,
                                                           date):
    tu_rows, tr_rows = _dated_rows("2021-02-23", follow_date, dy=(-6, 57) if with_dy else (None, None))
    folder = write_folder(tmp_path / "sdtm", tu_rows, tr_rows, dm=DM if with_dm else None)
    result = assess(folder)
    baseline = lesion(result.study.lesions, "S1", "T01", -6)
    assert baseline["date"] == "2021-02-23"
    follow = lesion(result.study.lesions, "S1", "T01", day)
    assert str(follow["date"])[:10] == date
    if len(follow_date) < 10:
        assert "2021-04" in follow["note"] and "imput" in follow["note"]
    assert calls(result) == {("S1", "INVESTIGATOR", day): "PR"}


def test_dm_rfstdtc_is_the_first_dose_when_it_differs_from_the_study_days(tmp_path):
    # DM.RFSTDTC 2021-03-08 is the treatment start (sdtm.py); without TRDY the days come from it:
    # 2021-02-23 -> day -13, 2021-04-26 -> day 49 (March 23 days + April 26).
    tu_rows, tr_rows = _dated_rows("2021-02-23", "2021-04-26", dy=(None, None))
    dm = [{**DM[0], "RFSTDTC": "2021-03-08"}]
    result = assess(write_folder(tmp_path / "sdtm", tu_rows, tr_rows, dm=dm))
    assert sorted(result.study.lesions["day"].astype(int)) == [-13, 49]
    assert calls(result) == {("S1", "INVESTIGATOR", 49): "PR"}


def test_lesions_of_one_visit_scanned_on_different_dates_keep_their_rows(tmp_path):
    # VISITNUM 2 holds T01 on 2021-04-26 (TRDY 57) and T02 on 2021-04-28 (TRDY 59). Nothing promises
    # that one visit is one assessment (spec 0.2: an assessment is one patient x day), so only the
    # docstring's mapping is pinned: one lesion row per TRLNKID x visit x date, none lost.
    tu_rows = [tu("S1", "T01", "TARGET", "LIVER"), tu("S1", "T02", "TARGET", "LUNG")]
    tr_rows = [tr("S1", "T01", "LDIAM", 50, -6), tr("S1", "T02", "LDIAM", 20, -6),
               tr("S1", "T01", "LDIAM", 30, 57),
               tr("S1", "T02", "LDIAM", 12, 59, date="2021-04-28", visit=VISIT[57])]
    lesions = load_study(write_folder(tmp_path / "sdtm", tu_rows, tr_rows)).lesions
    assert lesion(lesions, "S1", "T01", 56)["date"] == "2021-04-26"
    assert lesion(lesions, "S1", "T02", 58)["date"] == "2021-04-28"
    assert len(lesions) == 4


# ---------------------------------------------------------------------------------------------
# Several evaluators and adjudication (README: each evaluator assessed separately, reader = --EVALID,
# else --EVAL; accepted from TRACPTFL / RSACPTFL).
# R1: T01 50 -> 30 (-40 %) PR.  R2: 50 -> 62 (+24 %, +12 mm) PD.  INVESTIGATOR (TREVALID empty): 50 -> 45
# (-10 %) SD.  TRACPTFL Y on R1's records only.


def test_each_evaluator_is_a_reader_and_the_accepted_flag_follows_tracptfl(tmp_path):
    r1, r2, inv = ("INDEPENDENT ASSESSOR", "RADIOLOGIST 1"), ("INDEPENDENT ASSESSOR", "RADIOLOGIST 2"), \
        ("INVESTIGATOR", "")
    tu_rows, tr_rows, rs = [], [], []
    for reader, follow, flag, call in ((r1, 30, "Y", "PR"), (r2, 62, "", "PD"), (inv, 45, "", "SD")):
        tu_rows.append(tu("S1", "T01", "TARGET", "LIVER", reader=reader, accepted=flag))
        tr_rows += [tr("S1", "T01", "LDIAM", 50, -6, reader=reader, accepted=flag),
                    tr("S1", "T01", "LDIAM", follow, 57, reader=reader, accepted=flag)]
        rs.append({"USUBJID": "S1", "RSTESTCD": "OVRLRESP", "RSCAT": "RECIST 1.1", "RSSTRESC": call,
                   "RSEVAL": reader[0], "RSEVALID": reader[1], "RSACPTFL": flag, "VISIT": "WEEK 8",
                   "RSDTC": WHEN[57], "RSDY": "57"})
    folder = write_folder(tmp_path / "sdtm", tu_rows, tr_rows, rs=rs)
    result = assess(folder)
    lesions = result.study.lesions
    accepted = lesions.groupby("reader")["accepted"].agg(lambda x: set(x.astype(bool)))
    assert accepted.to_dict() == {"RADIOLOGIST 1": {True}, "RADIOLOGIST 2": {False}, "INVESTIGATOR": {False}}
    assert calls(result) == {("S1", "RADIOLOGIST 1", 56): "PR", ("S1", "RADIOLOGIST 2", 56): "PD",
                             ("S1", "INVESTIGATOR", 56): "SD"}
    recorded = result.study.recorded.set_index("reader")
    assert recorded["accepted"].astype(bool).to_dict() == {
        "RADIOLOGIST 1": True, "RADIOLOGIST 2": False, "INVESTIGATOR": False}
    pairs = result.against_recorded()
    assert len(pairs) == 3 and pairs["agrees"].astype(bool).all()


# ---------------------------------------------------------------------------------------------
# RS: RSCAT "RECIST 1.1" / "iRECIST" compared with their own criterion; RSSTAT NOT DONE is NE; "CHECK"
# and an unassessed RSCAT are kept, not compared; a non-OVRLRESP test is not a recorded call.
# S1: T01 50 -> 70 (+40 %, +20 mm): RECIST PD, iRECIST first progression iUPD (spec 4.6).
# S2: T01 50 -> 40 (-20 %: SD / iSD) on day 56 -> 30 (-40 %: PR / iPR) on day 112.


RS_ROWS = [  # (subject, RSDY, RSCAT, RSTESTCD, RSSTRESC, RSSTAT)
    ("S1", 57, "RECIST 1.1", "OVRLRESP", "PD", ""),        # rs.csv row 2: agrees
    ("S1", 57, "iRECIST", "OVRLRESP", "iUPD", ""),         # row 3: agrees (iRECIST)
    ("S2", 57, "RECIST 1.1", "OVRLRESP", "PR", ""),        # row 4: computed SD -> disagrees
    ("S2", 113, "RECIST 1.1", "OVRLRESP", "", "NOT DONE"),  # row 5: NE vs computed PR -> disagrees
    ("S2", 113, "RECIST 1.1", "OVRLRESP", "CHECK", ""),    # row 6: not a response, not compared
    ("S2", 113, "WHO", "OVRLRESP", "PR", ""),              # row 7: category not assessed
    ("S2", 113, "RECIST 1.1", "TRGRESP", "PR", ""),        # row 8: target response, not an overall call
]


@pytest.fixture(scope="module")
def with_rs(tmp_path_factory):
    tu_rows = [tu("S1", "T01", "TARGET", "LIVER"), tu("S2", "T01", "TARGET", "LIVER")]
    tr_rows = [tr("S1", "T01", "LDIAM", 50, -6), tr("S1", "T01", "LDIAM", 70, 57),
               tr("S2", "T01", "LDIAM", 50, -6), tr("S2", "T01", "LDIAM", 40, 57),
               tr("S2", "T01", "LDIAM", 30, 113)]
    rs = [{"STUDYID": "ST1", "DOMAIN": "RS", "USUBJID": subject, "RSTESTCD": test, "RSCAT": category,
           "RSORRES": value, "RSSTRESC": value, "RSSTAT": stat, "RSEVAL": "INVESTIGATOR",
           "VISIT": VISIT[dy][1], "VISITNUM": VISIT[dy][0], "RSDTC": WHEN[dy], "RSDY": str(dy)}
          for subject, dy, category, test, value, stat in RS_ROWS]
    folder = write_folder(tmp_path_factory.mktemp("rs") / "sdtm", tu_rows, tr_rows, rs=rs)
    return folder, assess(folder, criteria=("recist11", "irecist"))


def test_rs_records_are_normalised_with_their_criterion_and_notes(with_rs):
    _, result = with_rs
    recorded = result.study.recorded.set_index("source_row")
    assert sorted(recorded.index) == [2, 3, 4, 5, 6, 7]  # TRGRESP (row 8) is not an overall response
    assert recorded.loc[5, "recorded_response"] == "NE"  # RSSTAT NOT DONE
    assert recorded.loc[6, "recorded_response"] == "" and "CHECK" in recorded.loc[6, "note"]
    assert recorded.loc[7, "criterion"] == "" and "WHO" in recorded.loc[7, "note"]
    assert recorded.loc[[2, 4, 5], "criterion"].tolist() == ["recist11"] * 3
    assert recorded.loc[3, "criterion"] == "irecist"


def test_recorded_vs_computed_compares_each_call_with_its_own_criterion(with_rs):
    _, result = with_rs
    assert calls(result) == {("S1", "INVESTIGATOR", 56): "PD", ("S2", "INVESTIGATOR", 56): "SD",
                             ("S2", "INVESTIGATOR", 112): "PR"}
    assert calls(result, "irecist")[("S1", "INVESTIGATOR", 56)] == "iUPD"
    pairs = result.against_recorded()
    got = {(p, c, int(d), r, x, bool(a)) for p, c, d, r, x, a in pairs[
        ["patient_id", "criterion", "day", "recorded_response", "computed_response", "agrees"]]
        .itertuples(index=False)}
    assert got == {("S1", "recist11", 56, "PD", "PD", True), ("S1", "irecist", 56, "iUPD", "iUPD", True),
                   ("S2", "recist11", 56, "PR", "SD", False), ("S2", "recist11", 112, "NE", "PR", False)}


def test_cli_writes_recorded_vs_computed_with_a_criterion_column(with_rs, tmp_path):
    folder, _ = with_rs
    result = cli("assess", folder, "--criteria", "recist11,irecist", "--out", tmp_path / "out",
                 "--no-patterns", "--format", "csv")
    assert result.exit_code == 0, result.output
    pairs = pd.read_csv(tmp_path / "out" / "recorded_vs_computed.csv", dtype=str, keep_default_na=False)
    assert sorted(pairs["criterion"]) == ["irecist", "recist11", "recist11", "recist11"]


# ---------------------------------------------------------------------------------------------
# SAS transport files (pyreadstat.write_xport): numbers are numeric columns (TRSTRESN 50.0, TRDY 57.0).
# S1 T01 50 -> 30 (-40 %) PR; S2 T01 40 -> 50 (+25 %, +10 mm) PD.


def _xpt_tables():
    tu_rows = [tu("S1", "T01", "TARGET", "LIVER"), tu("S2", "T01", "TARGET", "LUNG")]
    tr_rows = [tr("S1", "T01", "LDIAM", 50, -6), tr("S1", "T01", "LDIAM", 30, 57),
               tr("S2", "T01", "LDIAM", 40, -6), tr("S2", "T01", "LDIAM", 50, 57)]
    tu_table, tr_table = frame(tu_rows, TU_COLUMNS, "TUSEQ"), frame(tr_rows, TR_COLUMNS, "TRSEQ")
    for table, numeric in ((tu_table, ["TUSEQ", "TUDY", "VISITNUM"]),
                           (tr_table, ["TRSEQ", "TRSTRESN", "TRDY", "VISITNUM"])):
        for column in numeric:
            table[column] = pd.to_numeric(table[column].replace("", None)).astype(float)
    return tu_table, tr_table


@pytest.mark.parametrize("lower_case", [False, True])
def test_xpt_files_written_by_pyreadstat(tmp_path, lower_case):
    pyreadstat = pytest.importorskip("pyreadstat")
    folder = tmp_path / "sdtm"
    folder.mkdir()
    for name, table in zip(("tu", "tr"), _xpt_tables(), strict=True):
        if lower_case:
            table = table.rename(columns=str.lower)
        pyreadstat.write_xport(table, str(folder / f"{name}.xpt"), table_name=name.upper())
    result = cli("assess", folder, "--criteria", "recist11", "--out", tmp_path / "out", "--no-patterns",
                 "--format", "csv")
    assert "Traceback" not in result.output
    if lower_case and result.exit_code == 2:
        # SDTM variable names are upper case; README only promises other spellings of *contract* names.
        # A refusal must still be located (file and variable).
        text = " ".join(result.output.split())
        assert ".xpt" in text and "USUBJID" in text.upper(), text
        return
    assert result.exit_code == 0, result.output
    tp = pd.read_csv(tmp_path / "out" / "timepoints.csv", dtype=str, keep_default_na=False)
    got = {(p, d, o) for p, d, o in tp[["patient_id", "day", "overall_response"]].itertuples(index=False)}
    assert got == {("S1", "56", "PR"), ("S2", "56", "PD")}


# ---------------------------------------------------------------------------------------------
# Bad input through the command line (README: a located message - file, row, column - and exit 2).
# TR rows: row 2 = S1 T01 baseline, row 3 = S1 T01 day 56, ...


def _bad_folder(tmp_path, tu_rows=None, tr_rows=None):
    tu_rows = tu_rows if tu_rows is not None else [tu("S1", "T01", "TARGET", "LIVER")]
    tr_rows = tr_rows if tr_rows is not None else [tr("S1", "T01", "LDIAM", 50, -6),
                                                   tr("S1", "T01", "LDIAM", 30, 57)]
    folder = write_folder(tmp_path / "sdtm", tu_rows, tr_rows)
    return cli("assess", folder, "--out", tmp_path / "out", "--no-patterns")


def test_tr_link_without_tu_record_is_refused_naming_the_tr_row(tmp_path):
    rows = [tr("S1", "T01", "LDIAM", 50, -6), tr("S1", "T09", "LDIAM", 20, -6, group=""),
            tr("S1", "T01", "LDIAM", 30, 57)]
    refused(_bad_folder(tmp_path, tr_rows=rows), "tr.csv", "row 3", "TRLNKID", "T09")


def test_tu_lesion_with_two_roles_is_refused(tmp_path):
    rows = [tu("S1", "T01", "TARGET", "LIVER"), tu("S1", "T01", "NON-TARGET", "LIVER")]
    refused(_bad_folder(tmp_path, tu_rows=rows), "tu.csv", "TUSTRESC", "T01")


@pytest.mark.parametrize("empty_row", ["baseline", "follow_up"])
def test_empty_usubjid_is_refused_naming_the_row(tmp_path, empty_row):
    # TR row 3 has USUBJID empty; S1 stays complete (rows 2 and 4).
    rows = [tr("S1", "T01", "LDIAM", 50, -6),
            tr("", "T01", "LDIAM", *((50, -6) if empty_row == "baseline" else (30, 57))),
            tr("S1", "T01", "LDIAM", 30, 57)]
    refused(_bad_folder(tmp_path, tr_rows=rows), "tr.csv", "row 3", "USUBJID")


def test_missing_usubjid_variable_is_refused_naming_it(tmp_path):
    folder = write_folder(tmp_path / "sdtm", [tu("S1", "T01", "TARGET", "LIVER")],
                          [tr("S1", "T01", "LDIAM", 50, -6), tr("S1", "T01", "LDIAM", 30, 57)])
    table = pd.read_csv(folder / "tr.csv", dtype=str, keep_default_na=False).drop(columns="USUBJID")
    table.to_csv(folder / "tr.csv", index=False)
    result = cli("assess", folder, "--out", tmp_path / "out", "--no-patterns")
    refused(result, "tr.csv", "USUBJID")


def test_subject_without_baseline_is_refused_naming_the_subject(tmp_path):
    # spec 0.2: no assessment with day <= 0 -> InputError("missing baseline"). S2 is seen on day 56 only
    # (TR rows 4-5).
    tu_rows = [tu("S1", "T01", "TARGET", "LIVER"), tu("S2", "T01", "TARGET", "LIVER")]
    rows = [tr("S1", "T01", "LDIAM", 50, -6), tr("S1", "T01", "LDIAM", 30, 57),
            tr("S2", "T01", "LDIAM", 40, 57), tr("S2", "T01", "LDIAM", 30, 113)]
    refused(_bad_folder(tmp_path, tu_rows=tu_rows, tr_rows=rows), "tr.csv", "rows 4, 5", "S2", "baseline")
