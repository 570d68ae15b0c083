"""Audit of the CDISC SDTM input (TU/TR/RS) and the SDTM RS / ADaM ADRS export against the spec.

Rules pinned: spec/anatomic.md 0.1-0.4 (roles, statuses, lesion values in mm), 0.2 (assessments,
missing rows), 1.4-1.5 (target NE with a not-evaluable lesion, new lesions of any size, new nodes
>= 10 mm), 1.8.2 (equivocal new lesion back-dated), README "CDISC SDTM folders" (each evaluator
assessed separately, partial dates imputed with the imputation stated in the reason) and
"ioresponse export results/ --sdtm --adam" (rs.csv/.xpt, adrs.csv/.xpt).

CDISC facts used (reference only, code does not carry over): SDTMIG TR/RS and the CDISC QRS
"Disease Response Supplement for RECIST 1.1" (TRTESTCD LDIAM for non-nodal and LPERP for nodal
targets; TRSTAT "NOT DONE" + TRREASND; "TOO SMALL TO MEASURE" kept in TRORRES with the standardised
value 5 in TRSTRESC/TRSTRESN; scans not performed carry no TRDTC); ADaMIG (imputed *DT needs *DTF;
*DT is a numeric date); SAS XPORT v5 (names <= 8, labels <= 40, character values <= 200).

Every SDTM folder here is hand-made; SDTM study day 1 = first dose = contract day 0, so TRDY 43 is
day 42 and TRDY 85 is day 84 (spec 0.1, sdtm.py docstring).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

import ioresponse
from ioresponse.io.load import load_study
from ioresponse.report.export import write_export
from ioresponse.schema import InputError

TR_HEADER = ("USUBJID,TRLNKID,TRGRPID,TRTESTCD,TRORRES,TRORRESU,TRSTRESC,TRSTRESN,TRSTRESU,TRSTAT,TRREASND,"
             "TREVAL,TREVALID,VISITNUM,VISIT,TRDTC,TRDY")
TU_HEADER = "USUBJID,TULNKID,TUSTRESC,TULOC,TUEVAL,TUEVALID"
VISITS = {1: ("3", "BASELINE", "2021-03-01"), 43: ("7", "WEEK 6", "2021-04-12"),
          85: ("9", "WEEK 12", "2021-05-24")}


def tr_row(lesion, test, value, dy, *, subject="S1", group="TARGET", unit="mm", orres=None, stresc=None,
           stat="", reasnd="", reader=("INVESTIGATOR", ""), date=None, visit=None):
    """One TR record as CSV text; ``value`` is TRSTRESN (a number) or a text result (TRSTRESC)."""
    visitnum, visit_name, visit_date = VISITS.get(dy, ("99", f"UNSCHEDULED {dy}", ""))
    if visit is not None:
        visitnum, visit_name = visit
    number = "" if value is None or isinstance(value, str) else f"{value:g}"
    text = stresc if stresc is not None else (value if isinstance(value, str) else number)
    orres = text if orres is None else orres
    std_unit = unit if number else ""
    trdtc = visit_date if date is None else date
    trdy = "" if dy is None else str(dy)
    return ",".join([subject, lesion, group, test, orres, std_unit, text, number, std_unit, stat, reasnd,
                     reader[0], reader[1], visitnum, visit_name, trdtc, trdy])


def tu_row(lesion, role, location, *, subject="S1", reader=("INVESTIGATOR", "")):
    return ",".join([subject, lesion, role, location, reader[0], reader[1]])


def write_folder(folder: Path, tu_rows, tr_rows, rs: Path | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tu.csv").write_text("\n".join([TU_HEADER, *tu_rows]) + "\n")
    (folder / "tr.csv").write_text("\n".join([TR_HEADER, *tr_rows]) + "\n")
    if rs is not None:
        (folder / "rs.csv").write_bytes(rs.read_bytes())
    return folder


def assess(folder, criteria=("recist11",), **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(folder, criteria=criteria, **options)


def recist(result):
    tp = result.timepoints
    return tp[tp["criterion"] == "recist11"].reset_index(drop=True)


# Two baseline targets, liver 50 mm and lung 20 mm (baseline sum 70 mm), read by the investigator.
TU_TWO_TARGETS = [tu_row("T01", "TARGET", "LIVER"), tu_row("T02", "TARGET", "LUNG")]
BASELINE_TWO_TARGETS = [tr_row("T01", "LDIAM", 50, 1), tr_row("T02", "LDIAM", 20, 1)]


# ---------------------------------------------------------------------------------------------
# Readers (README "CDISC SDTM folders": each evaluator assessed separately)


def test_each_reader_keeps_its_own_tu_roles_tr_measurements_and_nadir(tmp_path):
    # README: each evaluator (--EVALID, else --EVAL) is assessed separately; spec 0.2 roles fixed at
    # baseline *per lesion table*, so T02 can be a target for radiologist 1 and a non-target for
    # radiologist 2 (TU is per evaluator: USUBJID + evaluator + TULNKID).
    r1, r2 = ("INDEPENDENT ASSESSOR", "RADIOLOGIST 1"), ("INDEPENDENT ASSESSOR", "RADIOLOGIST 2")
    tu = [tu_row("T01", "TARGET", "LIVER", reader=r1), tu_row("T02", "TARGET", "LUNG", reader=r1),
          tu_row("T01", "TARGET", "LIVER", reader=r2), tu_row("T02", "NON-TARGET", "LUNG", reader=r2)]
    tr = [tr_row("T01", "LDIAM", 50, 1, reader=r1), tr_row("T02", "LDIAM", 20, 1, reader=r1),
          tr_row("T01", "LDIAM", 30, 43, reader=r1), tr_row("T02", "LDIAM", 15, 43, reader=r1),
          tr_row("T01", "LDIAM", 50, 1, reader=r2),
          tr_row("T02", "TUMSTATE", "PRESENT", 1, reader=r2, group="NON-TARGET"),
          tr_row("T01", "LDIAM", 62, 43, reader=r2),
          tr_row("T02", "TUMSTATE", "PRESENT", 43, reader=r2, group="NON-TARGET")]
    folder = write_folder(tmp_path / "sdtm", tu, tr)
    lesions = load_study(folder).lesions
    roles = lesions.drop_duplicates(["reader", "lesion_id"]).set_index(["reader", "lesion_id"])["role"]
    assert roles.to_dict() == {("RADIOLOGIST 1", "T01"): "target", ("RADIOLOGIST 1", "T02"): "target",
                               ("RADIOLOGIST 2", "T01"): "target", ("RADIOLOGIST 2", "T02"): "non_target"}
    tp = recist(assess(folder)).set_index("reader")
    # radiologist 1: baseline 50 + 20 = 70; day 42 30 + 15 = 45, (45 - 70) / 70 = -35.71 % <= -30 %: PR
    assert tp.loc["RADIOLOGIST 1", "baseline_sum"] == 70
    assert tp.loc["RADIOLOGIST 1", "current_sum"] == 45
    assert tp.loc["RADIOLOGIST 1", "overall_response"] == "PR"
    # radiologist 2: baseline 50 (T02 is not a target); day 42 62 mm: +24 % and +12 mm vs nadir 50: PD
    assert tp.loc["RADIOLOGIST 2", "baseline_sum"] == 50
    assert tp.loc["RADIOLOGIST 2", "current_sum"] == 62
    assert tp.loc["RADIOLOGIST 2", "overall_response"] == "PD"


# ---------------------------------------------------------------------------------------------
# NEW lesions in TU/TR (spec 0.1 role new; 1.5 new lesions; 1.8.2 equivocal)


@pytest.mark.parametrize("source", ["tu", "trgrpid"])
def test_new_lesion_from_sdtm_is_role_new_with_its_measurement_and_gives_pd(tmp_path, source):
    # spec 1.5: "A new lesion can have any size; it does not need to be measurable"; CDISC QRS RECIST
    # supplement shows a NEW01 measured 4 mm (below 5 mm, not "too small to measure").
    # Targets 50 + 20 = 70 -> 30 + 12 = 42 (-40 %: target PR) + new lesion -> overall PD (Table 1).
    tu = TU_TWO_TARGETS + ([tu_row("NEW01", "NEW", "LIVER")] if source == "tu" else [])
    tr = BASELINE_TWO_TARGETS + [
        tr_row("T01", "LDIAM", 30, 43), tr_row("T02", "LDIAM", 12, 43),
        tr_row("NEW01", "LDIAM", 4, 43, group="NEW")]
    folder = write_folder(tmp_path / "sdtm", tu, tr)
    lesions = load_study(folder).lesions
    new = lesions[lesions["lesion_id"] == "NEW01"].iloc[0]
    assert (new["role"], new["status"], new["long_axis_mm"], bool(new["lymph_node"])) == (
        "new", "present", 4.0, False)
    tp = recist(assess(folder)).iloc[0]
    assert (tp["target_response"], tp["new_lesion_response"], tp["overall_response"]) == ("PR", "yes", "PD")
    assert tp["current_sum"] == 42  # new lesions are never added to the RECIST target sum (spec 1.4)


@pytest.mark.parametrize(("short_axis", "new_response", "overall"), [(10, "yes", "PD"), (9, "no", "SD")])
def test_new_lymph_node_from_lperp_counts_only_from_10mm(tmp_path, short_axis, new_response, overall):
    # spec 1.5: "a node counts as a new lesion only with short axis >= 10 mm ... nodes under 10 mm are
    # ignored with the flag new_node_below_10mm"; a TULOC "LYMPH NODE" NEW lesion measured by LPERP.
    # Targets 70 -> 45 + 20 = 65 (-7.14 %: SD); boundary 10 mm -> PD, 9 mm -> SD.
    tu = TU_TWO_TARGETS + [tu_row("NEW01", "NEW", "LYMPH NODE")]
    tr = BASELINE_TWO_TARGETS + [tr_row("T01", "LDIAM", 45, 43), tr_row("T02", "LDIAM", 20, 43),
                                 tr_row("NEW01", "LPERP", short_axis, 43, group="NEW")]
    folder = write_folder(tmp_path / "sdtm", tu, tr)
    new = load_study(folder).lesions.query("lesion_id == 'NEW01'").iloc[0]
    assert (new["role"], bool(new["lymph_node"]), new["short_axis_mm"]) == ("new", True, float(short_axis))
    tp = recist(assess(folder)).iloc[0]
    assert (tp["target_response"], tp["new_lesion_response"], tp["overall_response"]) == (
        "SD", new_response, overall)
    assert ("new_node_below_10mm" in str(tp["flags"])) == (short_axis < 10)


def test_equivocal_new_lesion_in_tr_then_unequivocal_backdates_pd(tmp_path):
    # spec 1.8.2 (default backdate_equivocal_pd = true): TUMSTATE EQUIVOCAL on day 42 (present, equivocal),
    # UNEQUIVOCAL on day 84 (a new lesion: present, not equivocal) -> PD on day 84 and the day-42
    # overall response rewritten to PD; progression day 42. Targets stay 45 + 20 = 65 (SD).
    tu = TU_TWO_TARGETS + [tu_row("NEW01", "NEW", "BONE")]
    tr = BASELINE_TWO_TARGETS
    for dy, state in ((43, "EQUIVOCAL"), (85, "UNEQUIVOCAL")):
        tr = tr + [tr_row("T01", "LDIAM", 45, dy), tr_row("T02", "LDIAM", 20, dy),
                   tr_row("NEW01", "TUMSTATE", state, dy, group="NEW")]
    folder = write_folder(tmp_path / "sdtm", tu, tr)
    new = load_study(folder).lesions.query("lesion_id == 'NEW01'").sort_values("day")
    assert new["status"].tolist() == ["present", "present"]
    assert new["equivocal"].astype(bool).tolist() == [True, False]
    result = assess(folder)
    tp = recist(result)
    assert tp["new_lesion_response"].tolist() == ["equivocal", "yes"]
    assert tp["overall_response"].tolist() == ["PD", "PD"]
    assert "NEW01" in tp.loc[0, "reason"]
    best = result.best_response.iloc[0]
    assert (best["best_response"], best["progression_day"]) == ("PD", 42)


# ---------------------------------------------------------------------------------------------
# TRSTAT NOT DONE (spec 0.3 not_evaluable; 1.4 step 1)


@pytest.mark.parametrize(("t01", "target", "overall"), [(30, "NE", "NE"), (90, "PD", "PD")])
def test_not_done_target_is_kept_as_not_evaluable(tmp_path, t01, target, overall):
    # spec 0.3: a target "not_evaluable" has a missing value; spec 1.4 step 1: if the known part already
    # meets PD the target response is PD, else NE. Baseline 70 = nadir.
    # t01 = 30: known 30 mm cannot reach PD -> NE. t01 = 90: (90 - 70) / 70 = +28.57 % and +20 mm -> PD.
    tr = BASELINE_TWO_TARGETS + [
        tr_row("T01", "LDIAM", t01, 43),
        tr_row("T02", "LDIAM", None, 43, stat="NOT DONE", reasnd="SCAN NOT PERFORMED", stresc="", orres="")]
    folder = write_folder(tmp_path / "sdtm", TU_TWO_TARGETS, tr)
    lesions = load_study(folder).lesions
    t02 = lesions[(lesions["lesion_id"] == "T02") & (lesions["day"] == 42)]
    assert len(t02) == 1  # not dropped
    assert t02["status"].iloc[0] == "not_evaluable"
    assert "SCAN NOT PERFORMED" in t02["note"].iloc[0]
    tp = recist(assess(folder)).iloc[0]
    assert (tp["target_response"], tp["overall_response"]) == (target, overall)
    assert "T02" in tp["reason"]


NOT_PERFORMED_T02 = tr_row("T02", "LDIAM", None, None, stat="NOT DONE", reasnd="SCAN NOT PERFORMED",
                           stresc="", orres="", date="", visit=("7", "WEEK 6"))
"""T02 not done at WEEK 6 (VISITNUM 7), with no TRDTC and no TRDY (CDISC QRS RECIST 1.1 supplement)."""


def test_not_done_scan_without_trdtc_is_not_evaluable_at_its_visit(tmp_path):
    # CDISC QRS RECIST 1.1 supplement: "In TR, scans which are not performed do not have a TRDTC
    # populated" (TRSTAT NOT DONE, TRREASND SCAN NOT PERFORMED). The WEEK 6 visit exists (T01 measured
    # that day); T02 is not evaluable there, so the target response is NE (30 mm known, not PD).
    tr = BASELINE_TWO_TARGETS + [tr_row("T01", "LDIAM", 30, 43), NOT_PERFORMED_T02]
    folder = write_folder(tmp_path / "sdtm", TU_TWO_TARGETS, tr)
    try:
        result = assess(folder)
    except InputError as error:  # pragma: no cover - the behaviour before the fix
        pytest.fail(f"folder refused: {error}")
    tp = recist(result)
    assert len(tp) == 1
    assert (tp.loc[0, "day"], tp.loc[0, "target_response"], tp.loc[0, "overall_response"]) == (42, "NE", "NE")
    t02 = load_study(folder).lesions.query("lesion_id == 'T02' and day == 42").iloc[0]
    assert (t02["date"], t02["status"]) == ("2021-04-12", "not_evaluable")  # the WEEK 6 date of T01
    assert "SCAN NOT PERFORMED" in t02["note"] and "placed at visit WEEK 6" in t02["note"]


def test_not_done_scan_without_trdtc_at_a_visit_with_no_dated_record_is_a_located_error(tmp_path):
    # Nothing else dates WEEK 6 (T01 was measured at WEEK 12 only): the record cannot be placed in time.
    tr = BASELINE_TWO_TARGETS + [NOT_PERFORMED_T02, tr_row("T01", "LDIAM", 30, 85),
                                 tr_row("T02", "LDIAM", 15, 85)]
    folder = write_folder(tmp_path / "sdtm", TU_TWO_TARGETS, tr)
    with pytest.raises(InputError, match="no day and no date") as error:
        load_study(folder)
    assert error.value.rows == [4]  # file row of the WEEK 6 T02 record (header = row 1)


# ---------------------------------------------------------------------------------------------
# "TOO SMALL TO MEASURE" (spec 0.3 / 0.4: 5 mm default; RECIST 1.1 sec. 4.3.2)


@pytest.mark.parametrize("coding", ["standardised_5", "text_in_trstresc"])
def test_too_small_to_measure_counts_5mm(tmp_path, coding):
    # CDISC supplement: TRORRES "TOO SMALL TO MEASURE" with TRSTRESC/TRSTRESN standardised to 5 mm; or the
    # text itself in TRSTRESC (spec 0.4 too_small -> TOO_SMALL_DEFAULT_MM = 5.0).
    # Day 42: T01 30 + T02 5 = 35; (35 - 70) / 70 = -50 % -> PR (not CR: the lesion is still there).
    if coding == "standardised_5":
        small = tr_row("T02", "LDIAM", 5, 43, orres="TOO SMALL TO MEASURE")
    else:
        small = tr_row("T02", "LDIAM", "TOO SMALL TO MEASURE", 43)
    folder = write_folder(tmp_path / "sdtm", TU_TWO_TARGETS,
                          BASELINE_TWO_TARGETS + [tr_row("T01", "LDIAM", 30, 43), small])
    tp = recist(assess(folder)).iloc[0]
    assert tp["current_sum"] == 35
    assert (tp["target_response"], tp["overall_response"]) == ("PR", "PR")


def test_too_small_given_only_in_trorres_is_not_read_as_missing(tmp_path):
    # The collected result (TRORRES) says the lesion is there but too small; nothing says it was not
    # evaluated. Expected as above: 30 + 5 = 35 mm, -50 % -> PR.
    small = tr_row("T02", "LDIAM", None, 43, orres="TOO SMALL TO MEASURE", stresc="")
    folder = write_folder(tmp_path / "sdtm", TU_TWO_TARGETS,
                          BASELINE_TWO_TARGETS + [tr_row("T01", "LDIAM", 30, 43), small])
    status = load_study(folder).lesions.query("lesion_id == 'T02' and day == 42")["status"].iloc[0]
    assert status == "too_small"
    assert recist(assess(folder)).loc[0, "overall_response"] == "PR"


def test_numeric_trorres_is_read_in_trorresu_when_the_standard_result_is_empty(tmp_path):
    # SDTMIG TR: TRORRES/TRORRESU is the collected result; with TRSTRESC/TRSTRESN empty it is read under
    # the same unit rule as TRSTRESU (mm, or cm x 10). T02 1.5 cm = 15 mm: day 42 30 + 15 = 45 mm,
    # (45 - 70) / 70 = -35.71 % -> PR.
    fields = tr_row("T02", "LDIAM", None, 43, orres="1.5", stresc="").split(",")
    fields[5] = "cm"  # TRORRESU
    folder = write_folder(tmp_path / "sdtm", TU_TWO_TARGETS,
                          BASELINE_TWO_TARGETS + [tr_row("T01", "LDIAM", 30, 43), ",".join(fields)])
    t02 = load_study(folder).lesions.query("lesion_id == 'T02' and day == 42").iloc[0]
    assert t02["long_axis_mm"] == pytest.approx(15.0)
    assert "TRORRES 1.5 read" in t02["note"] and "TRORRESU cm converted to mm" in t02["note"]
    assert recist(assess(folder)).loc[0, "current_sum"] == pytest.approx(45.0)
    fields[5] = "in"
    write_folder(folder, TU_TWO_TARGETS,
                 BASELINE_TWO_TARGETS + [tr_row("T01", "LDIAM", 30, 43), ",".join(fields)])
    with pytest.raises(InputError, match="'in' is not a unit of tumour size") as error:
        load_study(folder)
    assert error.value.column == "TRORRESU"


# ---------------------------------------------------------------------------------------------
# Units (spec 0.1: sizes in mm)


def _unit_folder(folder, unit):
    # Liver 43 mm, lung 11 mm, node (LPERP = short axis, >= 15 mm at baseline) 16 mm: baseline
    # 43 + 11 + 16 = 70. Day 42: 22 + 11 + 16 = 49; (49 - 70) / 70 = -0.30 exactly -> PR (spec 0.5:
    # rel <= -0.30 after rounding to 6 decimals; 1.1 cm * 10 is 11.000000000000002 in binary floating point).
    scale = 10.0 if unit == "cm" else 1.0
    tu = TU_TWO_TARGETS + [tu_row("T03", "TARGET", "LYMPH NODE")]
    tr = []
    for dy, sizes in ((1, (43, 11, 16)), (43, (22, 11, 16))):
        for (lesion, test), size in zip((("T01", "LDIAM"), ("T02", "LDIAM"), ("T03", "LPERP")), sizes,
                                        strict=True):
            tr.append(tr_row(lesion, test, float(f"{size / scale:g}"), dy, unit=unit))
    return write_folder(folder, tu, tr)


def test_centimetres_are_times_10_and_nothing_else_changes(tmp_path):
    mm = _unit_folder(tmp_path / "mm", "mm")
    cm = _unit_folder(tmp_path / "cm", "cm")
    lesions_mm, lesions_cm = load_study(mm).lesions, load_study(cm).lesions
    assert set(lesions_cm["note"]) == {"TRSTRESU cm converted to mm"}
    pd.testing.assert_frame_equal(lesions_cm.drop(columns="note"), lesions_mm.drop(columns="note"),
                                  check_exact=False, rtol=1e-12)
    assert lesions_cm.query("lesion_id == 'T03'")["short_axis_mm"].tolist() == pytest.approx([16.0, 16.0])
    tp_mm, tp_cm = recist(assess(mm)), recist(assess(cm))
    assert tp_mm.loc[0, "overall_response"] == tp_cm.loc[0, "overall_response"] == "PR"
    assert tp_cm.loc[0, "baseline_sum"] == pytest.approx(70.0)
    assert tp_cm.loc[0, "current_sum"] == pytest.approx(49.0)
    assert tp_cm.loc[0, "pct_change_baseline"] == pytest.approx(tp_mm.loc[0, "pct_change_baseline"])


def test_standard_result_in_mm_is_used_as_is_when_the_original_was_in_cm(tmp_path):
    # SDTMIG: TRSTRESN is in the standard unit TRSTRESU; TRORRES/TRORRESU keep the original (2.2 cm).
    # The mm standard value 22 must not be scaled again: day 42 sum 22 + 20 = 42, -40 % -> PR.
    row = tr_row("T01", "LDIAM", 22, 43)
    fields = row.split(",")
    fields[4], fields[5] = "2.2", "cm"  # TRORRES, TRORRESU
    folder = write_folder(tmp_path / "sdtm", TU_TWO_TARGETS,
                          BASELINE_TWO_TARGETS + [",".join(fields), tr_row("T02", "LDIAM", 20, 43)])
    t01 = load_study(folder).lesions.query("lesion_id == 'T01' and day == 42").iloc[0]
    assert (t01["long_axis_mm"], t01["note"]) == (22.0, "")
    assert recist(assess(folder)).loc[0, "current_sum"] == 42


# ---------------------------------------------------------------------------------------------
# SUMDIAM (sponsor sums are not lesions; the criterion recomputes the sums)


def test_sumdiam_that_disagrees_with_the_lesions_is_not_used(tmp_path):
    # spec 0.5: sums are computed from the lesion values. Sponsor SUMDIAM says 999 at both visits; the
    # lesions give 70 at baseline and 30 + 15 = 45 on day 42 (-35.71 % -> PR).
    tr = BASELINE_TWO_TARGETS + [
        tr_row("", "SUMDIAM", 999, 1), tr_row("T01", "LDIAM", 30, 43), tr_row("T02", "LDIAM", 15, 43),
        tr_row("", "SUMDIAM", 999, 43)]
    folder = write_folder(tmp_path / "sdtm", TU_TWO_TARGETS, tr)
    study = load_study(folder)
    excluded = study.excluded[study.excluded["column"] == "TRTESTCD"]
    assert sorted(excluded["source_row"]) == [4, 7]  # file rows of the two SUMDIAM records (header = 1)
    assert excluded["reason"].str.contains("SUMDIAM").all()
    assert (study.lesions["lesion_id"] != "").all()
    tp = recist(assess(folder)).iloc[0]
    assert (tp["baseline_sum"], tp["current_sum"], tp["overall_response"]) == (70, 45, "PR")


# ---------------------------------------------------------------------------------------------
# Partial dates (README: "partial dates use the study day or a documented imputation that the reason
# states")


@pytest.mark.parametrize("with_study_day", [True, False])
def test_partial_date_is_imputed_and_the_reason_says_so(tmp_path, with_study_day):
    # Treatment start: 2021-03-01 at TRDY 1 (SDTM day 1 = first dose). Day-42 visit recorded as "2021-04".
    # With TRDY 43: date = start + 42 days = 2021-04-12, day 42. Without TRDY: some date in April 2021
    # (documented imputation), day = date - start. Either way the reason states the imputation.
    dy = 43 if with_study_day else None
    tr = BASELINE_TWO_TARGETS + [tr_row("T01", "LDIAM", 30, dy, date="2021-04"),
                                 tr_row("T02", "LDIAM", 15, dy, date="2021-04")]
    folder = write_folder(tmp_path / "sdtm", TU_TWO_TARGETS, tr)
    tp = recist(assess(folder)).iloc[0]
    assert tp["date"].startswith("2021-04-")
    assert int(tp["day"]) == (pd.Timestamp(tp["date"]) - pd.Timestamp("2021-03-01")).days
    if with_study_day:
        assert (tp["date"], int(tp["day"])) == ("2021-04-12", 42)
    assert re.search(r"2021-04 partial: imputed " + tp["date"], tp["reason"])
    assert tp["overall_response"] == "PR"  # 45 vs 70: -35.71 %


# ---------------------------------------------------------------------------------------------
# Export: SDTM RS and ADaM ADRS


R1 = ("INDEPENDENT ASSESSOR", "RADIOLOGIST 1")
R2 = ("INDEPENDENT ASSESSOR", "RADIOLOGIST 2")
INV = ("INVESTIGATOR", "")
# subject, reader, T01 long axis (mm) at TRDY 1, 43, 85; liver target, no other lesion
EXPORT_SIZES = [("S1", INV, (50, 30, 30)), ("S1", R1, (50, 62, 62)), ("S1", R2, (50, 45, 45)),
                ("S2", INV, (40, 28, 28))]
# RECIST 1.1 by hand (spec 1.4, 1.7; min_sd_days 42, confirm interval >= 28 days):
# S1 INV: 30/50 = -40 % PR on days 42 and 84 -> BOR PR, confirmed (42 days apart) PR.
# S1 R1: 62 vs 50: +24 % and +12 mm -> PD day 42; day 84 after progression -> BOR PD, CBOR PD.
# S1 R2: -10 % SD on days 42 and 84 (day 42 >= 42) -> BOR SD, CBOR SD.
# S2 INV: (28 - 40) / 40 = -30 % exactly -> PR on days 42 and 84 -> BOR PR, CBOR PR.
EXPECTED_OVERALL = {("S1", "INVESTIGATOR"): ["PR", "PR"], ("S1", "RADIOLOGIST 1"): ["PD", "PD"],
                    ("S1", "RADIOLOGIST 2"): ["SD", "SD"], ("S2", "INVESTIGATOR"): ["PR", "PR"]}
EXPECTED_BOR = {("S1", "INVESTIGATOR"): ("PR", "PR"), ("S1", "RADIOLOGIST 1"): ("PD", "PD"),
                ("S1", "RADIOLOGIST 2"): ("SD", "SD"), ("S2", "INVESTIGATOR"): ("PR", "PR")}
AVAL = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6}  # admiralonco aval_resp()


def _export_folder(folder: Path) -> Path:
    tu, tr = [], []
    for subject, reader, sizes in EXPORT_SIZES:
        tu.append(tu_row("T01", "TARGET", "LIVER", subject=subject, reader=reader))
        for dy, size in zip((1, 43, 85), sizes, strict=True):
            # S2's day-84 scan was recorded with a partial date (month only)
            date = "2021-05" if (subject, dy) == ("S2", 85) else None
            tr.append(tr_row("T01", "LDIAM", size, dy, subject=subject, reader=reader, date=date))
    return write_folder(folder, tu, tr)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    folder = _export_folder(root / "sdtm")
    result = assess(folder, criteria=("recist11", "irecist"))
    out = root / "out"
    out.mkdir()
    write_export(out, result.timepoints, result.best_response, "sdtm", study_id="S")
    write_export(out, result.timepoints, result.best_response, "adam", study_id="S")
    return folder, result, out


def _read_csv(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _reader(table):
    """The reader of an exported row as the SDTM reader reads it: RSEVALID, else RSEVAL."""
    return table["RSEVALID"].where(table["RSEVALID"] != "", table["RSEVAL"])


def test_rs_export_has_one_overall_row_per_subject_reader_visit_criterion(exported):
    _, result, out = exported
    rs = _read_csv(out / "rs.csv")
    overall = rs[rs["RSTESTCD"] == "OVRLRESP"]
    # 4 subject-readers x 2 follow-ups x 2 criteria = 16 overall responses, unique by key
    assert len(overall) == 16
    assert not overall.duplicated(["USUBJID", "RSEVAL", "RSEVALID", "RSDY", "RSCAT"]).any()
    assert set(rs["RSCAT"]) == {"RECIST 1.1", "iRECIST"}
    assert set(rs["RSTESTCD"]) <= {"OVRLRESP", "TRGRESP", "NTRGRESP", "NEWLPROG"}
    assert set(rs["DOMAIN"]) == {"RS"} and set(rs["STUDYID"]) == {"S"}
    assert not rs.duplicated(["USUBJID", "RSSEQ"]).any()  # RSSEQ unique within a subject (SDTM key)
    assert rs["RSDTC"].str.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?").all()  # ISO 8601
    assert set(overall["RSDY"]) == {"43", "85"}  # days 42 and 84 -> SDTM study days 43 and 85
    overall = overall.assign(reader=_reader(overall))
    recist_rows = overall[overall["RSCAT"] == "RECIST 1.1"]
    got = recist_rows.groupby(["USUBJID", "reader"])["RSORRES"].apply(list).to_dict()
    assert got == EXPECTED_OVERALL
    assert (recist_rows["RSORRES"] == recist_rows["RSSTRESC"]).all()
    irecist = result.timepoints[result.timepoints["criterion"] == "irecist"]
    got_i = overall[overall["RSCAT"] == "iRECIST"].sort_values(["USUBJID", "reader", "RSDY"])["RSORRES"]
    assert got_i.tolist() == irecist.sort_values(["patient_id", "reader", "day"])["overall_response"].tolist()


def test_exported_rs_reads_back_as_the_readers_recorded_calls(exported, tmp_path):
    folder, _, out = exported
    rs = _read_csv(out / "rs.csv")
    rs = rs[rs["RSCAT"] == "RECIST 1.1"]
    back = tmp_path / "back"
    back.mkdir()
    for name in ("tu.csv", "tr.csv"):
        (back / name).write_bytes((folder / name).read_bytes())
    rs.to_csv(back / "rs.csv", index=False)
    recorded = load_study(back).recorded
    got = recorded.sort_values(["patient_id", "reader", "day"]).groupby(["patient_id", "reader"])[
        "recorded_response"].apply(list).to_dict()
    assert got == EXPECTED_OVERALL
    assert sorted(set(recorded["day"].astype(int))) == [42, 84]


def test_adrs_has_bor_and_cbor_per_subject_reader_criterion(exported):
    _, _, out = exported
    adrs = _read_csv(out / "adrs.csv")
    for param in ("Best Overall Response by ", "Confirmed Best Overall Response by "):
        rows = adrs[adrs["PARAM"].str.startswith(param)]  # one PARAMCD per criterion (BOR, IBOR, ...)
        assert not rows.duplicated(["USUBJID", "RSEVAL", "RSEVALID", "PARCAT1"]).any()
        assert len(rows) == 8  # 4 subject-readers x 2 criteria
    recist_rows = adrs[adrs["PARCAT1"] == "RECIST 1.1"]
    for (subject, reader), (bor, cbor) in EXPECTED_BOR.items():
        mine = recist_rows[(recist_rows["USUBJID"] == subject) & (_reader(recist_rows) == reader)]
        values = mine.set_index("PARAMCD")
        assert values.loc["BOR", "AVALC"] == bor
        assert values.loc["CBOR", "AVALC"] == cbor
        assert float(values.loc["BOR", "AVAL"]) == AVAL[bor]
        assert mine[mine["PARAMCD"] == "OVR"]["AVALC"].tolist() == EXPECTED_OVERALL[(subject, reader)]


@pytest.mark.parametrize("name", ["rs", "adrs"])
def test_xpt_opens_with_pandas_and_pyreadstat_within_xport_v5_limits(exported, name):
    _, _, out = exported
    table, meta = pyreadstat.read_xport(str(out / f"{name}.xpt"))
    assert all(len(column) <= 8 for column in table.columns)
    assert all(label and len(label) <= 40 for label in meta.column_labels)
    assert len(meta.table_name) <= 8
    text = table.select_dtypes(include="object")
    assert all(text[c].astype(str).str.len().max() <= 200 for c in text.columns)
    by_pandas = pd.read_sas(out / f"{name}.xpt", format="xport", encoding="utf-8")
    assert list(by_pandas.columns) == list(table.columns)
    csv = _read_csv(out / f"{name}.csv")
    assert len(by_pandas) == len(table) == len(csv)
    assert by_pandas["USUBJID"].tolist() == csv["USUBJID"].tolist()


def test_rs_date_of_a_partially_dated_scan_keeps_the_collected_precision(exported):
    _, _, out = exported
    rs = _read_csv(out / "rs.csv")
    s2 = rs[(rs["USUBJID"] == "S2") & (rs["RSTESTCD"] == "OVRLRESP") & (rs["RSDY"] == "85")]
    assert set(s2["RSDTC"]) == {"2021-05"}


def test_adrs_imputed_analysis_date_has_its_imputation_flag(exported):
    _, _, out = exported
    adrs = _read_csv(out / "adrs.csv")
    row = adrs[(adrs["USUBJID"] == "S2") & (adrs["PARAMCD"] == "OVR") & (adrs["ADY"].astype(float) == 85)]
    assert set(row["ADTF"]) == {"D"}
    assert set(row["ADT"]) == {"2021-05-24"}  # treatment start 2021-03-01 + 84 days
    ovr = adrs[adrs["PARAMCD"] == "OVR"]
    assert set(ovr.drop(index=row.index)["ADTF"]) == {""}  # every other date was collected complete


def test_adrs_xpt_analysis_date_is_numeric(exported):
    _, _, out = exported
    _, meta = pyreadstat.read_xport(str(out / "adrs.xpt"))
    assert meta.readstat_variable_types["ADT"] == "double"
    raw, _ = pyreadstat.read_xport(str(out / "adrs.xpt"), disable_datetime_conversion=True)
    csv = _read_csv(out / "adrs.csv")
    # SAS date = days since 1960-01-01: 2021-04-12 is 22382 (61 x 365 + 16 leap days + 101)
    week6 = raw[(csv["ADT"] == "2021-04-12").to_numpy()]
    assert set(week6["ADT"]) == {22382.0}


def test_adrs_bor_has_the_date_of_the_best_response_assessment(exported):
    _, _, out = exported
    adrs = _read_csv(out / "adrs.csv")
    s2 = adrs[(adrs["USUBJID"] == "S2") & (adrs["PARCAT1"] == "RECIST 1.1")].set_index("PARAMCD")
    # S2 BOR PR first reached on day 42 (ADY 43), the WEEK 6 scan dated 2021-04-12
    assert s2.loc["BOR", "ADY"].startswith("43")
    assert s2.loc["BOR", "ADT"] == "2021-04-12"


def test_rs_export_of_an_sdtm_input_names_visits_by_day(exported):
    """VISIT "DAY 42" and VISITNUM 42 (the day since first dose), not the study's "WEEK 6" / 7.

    SDTMIG would carry the study's visits (TR VISITNUM 7 "WEEK 6"), but the export reads only the result
    tables (timepoints, best_response), which have no visit column: the lesion table drops VISIT/VISITNUM
    after the visit-order check and Study.recorded holds RS VISIT only when the folder has RS. Carrying the
    visit through would change the result tables' columns, so the documented behaviour (report/export.py
    docstring, "Not written") is pinned here.
    """
    _, _, out = exported
    rs = _read_csv(out / "rs.csv")
    week6 = rs[rs["RSDY"] == "43"]
    assert set(week6["VISIT"]) == {"DAY 42"}
    assert set(week6["VISITNUM"].astype(float)) == {42.0}


def test_rs_export_splits_evaluator_and_evaluator_id(exported):
    _, _, out = exported
    rs = _read_csv(out / "rs.csv")
    r1 = rs[(rs["USUBJID"] == "S1") & (rs["RSEVAL"] == "INDEPENDENT ASSESSOR")]
    assert set(r1["RSEVALID"]) == {"RADIOLOGIST 1", "RADIOLOGIST 2"}
    assert set(rs["RSEVAL"]) == {"INVESTIGATOR", "INDEPENDENT ASSESSOR"}
