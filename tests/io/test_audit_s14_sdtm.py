"""Audit (session 14, helper 5): CDISC SDTM TU / TR / RS import, RS comparison and RS export round trip.

The six differences under "Proven differences" were found in session 14 and fixed in session 14 (io.sdtm,
Result.against_recorded): a TR record of a test code not read is refused at its row (column TRTESTCD); a
measured lymph node without a short axis is refused at its TR row; an empty TRSTRESU takes the record's
TRORRESU (with a warning); an RS record of an evaluator is compared with TU / TR read without one; an RS
record is placed at its visit's TR assessment (VISITNUM, else VISIT).

Audited: ``ioresponse.io.sdtm`` through the public entry points (``ioresponse.io.load.load_study``,
``ioresponse.assess``, ``Result.against_recorded``, ``report.export.write_export`` and the ``validate``
command), on small SDTM folders built by hand and on a one-subject extract of the pharmaverse set in
/work/shared/data/pharmaverse_sdtm (read only; the extract is written to tmp_path).

Reference mapping written independently from the SDTM IG conventions as the brief and the project state
them (TU: TULNKID, TULOC, TUSTRESC TARGET / NON-TARGET / NEW; TR: TRLNKID, TRTESTCD LDIAM / LPERP / SAXIS
/ DIAMETER / TUMSTATE / SUMDIAM, TRSTRESN in TRSTRESU mm or cm, TRORRES / TRORRESU the collected result,
TRDTC ISO 8601 (possibly partial), TRDY study day with no day 0, VISITNUM / VISIT, TREVAL / TREVALID;
RS: OVRLRESP with RSCAT) into the lesion table of spec/anatomic.md 0.1, checked against:

- spec/anatomic.md 0.1 (columns, "it never guesses a value"), 0.2 (assessments, baseline, new lesions),
  0.3 / 0.4 (statuses and lesion values: "present: short_axis_mm if lymph_node, else long_axis_mm.
  Missing measurement: InputError naming the column"), 0.9 (labels), RECIST 1.1 Table 1;
- DESIGN.md ("Errors are values the user can act on: InputError(file, row, column, message)"; "if they
  are missing it says which, it does not guess") and README "Input" (SDTM folders: every RS OVRLRESP is
  compared with the computed call of its criterion; partial dates use the study day or a documented
  imputation) plus the brief's non-negotiable rule: nothing silently dropped or changed.

SDTM study day -> contract day (first dose = day 0): TRDY -6 -> -6, 57 -> 56, 80 -> 79, 113 -> 112.
First dose 2021-03-01 (derived from TRDY/TRDTC: 2021-04-26 is TRDY 57 -> day 56).
TR rows in messages: header = row 1, so the n-th TR record is row n + 1.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.io.load import load_study
from ioresponse.report.export import write_export
from ioresponse.schema import InputError

REAL = Path("/work/shared/data/pharmaverse_sdtm")
DATES = {-6: "2021-02-23", 57: "2021-04-26", 80: "2021-05-19", 113: "2021-06-21"}
VISITS = {-6: ("1", "BASELINE"), 57: ("2", "WEEK 8"), 80: ("2.1", "UNSCHEDULED 2.1"), 113: ("3", "WEEK 16")}
TR_COLUMNS = [
    "STUDYID",
    "DOMAIN",
    "USUBJID",
    "TRSEQ",
    "TRGRPID",
    "TRLNKGRP",
    "TRLNKID",
    "TRTESTCD",
    "TRORRES",
    "TRORRESU",
    "TRSTRESC",
    "TRSTRESN",
    "TRSTRESU",
    "TRSTAT",
    "TRREASND",
    "TREVAL",
    "TREVALID",
    "TRACPTFL",
    "VISITNUM",
    "VISIT",
    "TRDTC",
    "TRDY",
]
TU_COLUMNS = [
    "STUDYID",
    "DOMAIN",
    "USUBJID",
    "TUSEQ",
    "TULNKID",
    "TUTESTCD",
    "TUORRES",
    "TUSTRESC",
    "TULOC",
    "TULAT",
    "TUMETHOD",
    "TUEVAL",
    "TUEVALID",
    "TUACPTFL",
    "VISITNUM",
    "VISIT",
    "TUDTC",
    "TUDY",
]
RS_COLUMNS = [
    "STUDYID",
    "DOMAIN",
    "USUBJID",
    "RSSEQ",
    "RSTESTCD",
    "RSTEST",
    "RSCAT",
    "RSORRES",
    "RSSTRESC",
    "RSSTAT",
    "RSEVAL",
    "RSEVALID",
    "RSACPTFL",
    "VISITNUM",
    "VISIT",
    "RSDTC",
    "RSDY",
]


def tr(
    subject,
    lesion,
    test,
    result,
    dy,
    *,
    group="TARGET",
    unit="mm",
    stresc=None,
    stresu=None,
    orresu=None,
    evaluator="INVESTIGATOR",
    date=None,
    visit=None,
):
    """One TR record: a number is TRORRES / TRSTRESC / TRSTRESN in ``unit``, a text TRORRES / TRSTRESC."""
    number = isinstance(result, int | float)
    text = f"{result:g}" if number else result
    visitnum, visit_name = visit or VISITS.get(dy, ("", ""))
    return {
        "STUDYID": "ST",
        "DOMAIN": "TR",
        "USUBJID": subject,
        "TRGRPID": group,
        "TRLNKGRP": "",
        "TRLNKID": lesion,
        "TRTESTCD": test,
        "TRORRES": text,
        "TRORRESU": (unit if number else "") if orresu is None else orresu,
        "TRSTRESC": text if stresc is None else stresc,
        "TRSTRESN": text if number else "",
        "TRSTRESU": (unit if number else "") if stresu is None else stresu,
        "TRSTAT": "",
        "TRREASND": "",
        "TREVAL": evaluator,
        "TREVALID": "",
        "TRACPTFL": "",
        "VISITNUM": visitnum,
        "VISIT": visit_name,
        "TRDTC": DATES.get(dy, "") if date is None else date,
        "TRDY": "" if dy is None else str(dy),
    }


def tu(subject, lesion, role, location, *, evaluator="INVESTIGATOR", dy=-6):
    visitnum, visit_name = VISITS[dy]
    return {
        "STUDYID": "ST",
        "DOMAIN": "TU",
        "USUBJID": subject,
        "TULNKID": lesion,
        "TUTESTCD": "TUMIDENT",
        "TUORRES": role,
        "TUSTRESC": role,
        "TULOC": location,
        "TULAT": "",
        "TUMETHOD": "CT SCAN",
        "TUEVAL": evaluator,
        "TUEVALID": "",
        "TUACPTFL": "",
        "VISITNUM": visitnum,
        "VISIT": visit_name,
        "TUDTC": DATES[dy],
        "TUDY": str(dy),
    }


def rs(subject, dy, response, *, evaluator="INVESTIGATOR", date=None, with_dy=True, visit=None):
    visitnum, visit_name = visit or VISITS[dy]
    return {
        "STUDYID": "ST",
        "DOMAIN": "RS",
        "USUBJID": subject,
        "RSTESTCD": "OVRLRESP",
        "RSTEST": "Overall Response",
        "RSCAT": "RECIST 1.1",
        "RSORRES": response,
        "RSSTRESC": response,
        "RSSTAT": "",
        "RSEVAL": evaluator,
        "RSEVALID": "",
        "RSACPTFL": "",
        "VISITNUM": visitnum,
        "VISIT": visit_name,
        "RSDTC": DATES[dy] if date is None else date,
        "RSDY": str(dy) if with_dy else "",
    }


def write_folder(folder: Path, tu_rows, tr_rows, rs_rows=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows, columns, seq in (
        ("tu", tu_rows, TU_COLUMNS, "TUSEQ"),
        ("tr", tr_rows, TR_COLUMNS, "TRSEQ"),
        ("rs", rs_rows, RS_COLUMNS, "RSSEQ"),
    ):
        if rows is None:
            continue
        table = pd.DataFrame(rows, columns=columns).fillna("")
        table[seq] = [str(i) for i in range(1, len(table) + 1)]
        table.to_csv(folder / f"{name}.csv", index=False)
    return folder


def load(folder, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_study(folder, **options)


def assess(folder, criteria=("recist11",)):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(folder, criteria=criteria)


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def lesion(study, lesion_id, day, patient="S1"):
    rows = study.lesions[
        (study.lesions["patient_id"] == patient)
        & (study.lesions["lesion_id"] == lesion_id)
        & (study.lesions["day"] == day)
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def reported(folder, row):
    """TR ``row`` is named by a located InputError, or listed in ``Study.excluded``."""
    try:
        study = load(folder)
    except InputError as error:
        return row in error.rows and error.file == "tr.csv"
    return row in set(study.excluded["source_row"].astype(int))


LIVER_AND_BONE = [tu("S1", "T01", "TARGET", "LIVER"), tu("S1", "NT01", "NON-TARGET", "BONE")]
BASELINE = [tr("S1", "T01", "LDIAM", 40, -6), tr("S1", "NT01", "TUMSTATE", "PRESENT", -6, group="NON-TARGET")]


# ---------------------------------------------------------------------------------------------------------
# Proven differences
# ---------------------------------------------------------------------------------------------------------


def test_measurement_under_an_unknown_trtestcd_is_not_silently_dropped(tmp_path):
    # TR records: 1 T01 LDIAM 40 (row 2), 2 NT01 PRESENT (row 3), 3 NT01 PRESENT day 56 (row 4),
    # 4 T01 LONGDIAM 20 mm day 56 (row 5): the only result of T01 at day 56 is under a test code SDTM
    # controlled terminology does not have; the reader must say so at row 5, column TRTESTCD.
    folder = write_folder(
        tmp_path / "sdtm",
        LIVER_AND_BONE,
        [
            *BASELINE,
            tr("S1", "NT01", "TUMSTATE", "PRESENT", 57, group="NON-TARGET"),
            tr("S1", "T01", "LONGDIAM", 20, 57),
        ],
    )
    result = cli("validate", folder)
    assert "Traceback" not in result.output
    assert result.exit_code == 2, result.output  # spec: bad input -> exit 2 with a located message
    assert "row 5" in result.output and "TRTESTCD" in result.output


def test_record_of_an_unread_test_code_is_reported(tmp_path):
    # TR record 4 (row 5) T01 LDIAM 20; record 5 (row 6) T01 VOLUME 8000 mm3: row 6 must be reported.
    folder = write_folder(
        tmp_path / "sdtm",
        LIVER_AND_BONE,
        [
            *BASELINE,
            tr("S1", "NT01", "TUMSTATE", "PRESENT", 57, group="NON-TARGET"),
            tr("S1", "T01", "LDIAM", 20, 57),
            tr("S1", "T01", "VOLUME", 8000, 57, unit="mm3"),
        ],
    )
    assert reported(folder, 6)


def test_node_measured_without_a_short_axis_is_an_input_error(tmp_path):
    # T02 (TULOC LYMPH NODE) baseline LDIAM 30 / SAXIS 20; day 56 LDIAM 25 mm only (TR record 6, row 7):
    # a measured (present) node needs its short axis; the reference mapping refuses row 7.
    tus = [*LIVER_AND_BONE, tu("S1", "T02", "TARGET", "LYMPH NODE")]
    folder = write_folder(
        tmp_path / "sdtm",
        tus,
        [
            *BASELINE,
            tr("S1", "T02", "LDIAM", 30, -6),
            tr("S1", "T02", "SAXIS", 20, -6),
            tr("S1", "T01", "LDIAM", 30, 57),
            tr("S1", "T02", "LDIAM", 25, 57),
            tr("S1", "NT01", "TUMSTATE", "PRESENT", 57, group="NON-TARGET"),
        ],
    )
    with pytest.raises(InputError) as raised:
        load(folder)
    assert 7 in raised.value.rows


def test_empty_standard_unit_does_not_override_the_collected_cm(tmp_path):
    # T01 baseline 40 mm, T02 node SAXIS 20 mm: B = 60. Day 56: T01 TRORRES 3.0 TRORRESU cm, TRSTRESC/N 3.0,
    # TRSTRESU empty (TR record 4, row 5); T02 SAXIS 15. Read in cm: 30 + 15 = 45, (45 - 60) / 60 = -25 %:
    # SD. Read as mm: 3 + 15 = 18, -70 %: PR -- a silent factor 10.
    tus = [*LIVER_AND_BONE, tu("S1", "T02", "TARGET", "LYMPH NODE")]
    folder = write_folder(
        tmp_path / "sdtm",
        tus,
        [
            *BASELINE,
            tr("S1", "T02", "SAXIS", 20, -6),
            tr("S1", "T01", "LDIAM", 3.0, 57, unit="cm", stresu=""),
            tr("S1", "T02", "SAXIS", 15, 57),
            tr("S1", "NT01", "TUMSTATE", "PRESENT", 57, group="NON-TARGET"),
        ],
    )
    try:
        study = load(folder)
    except InputError as error:  # a located refusal is acceptable too
        assert 5 in error.rows
        return
    assert lesion(study, "T01", 56)["long_axis_mm"] == 30.0  # 3.0 cm x 10


def test_rs_with_an_evaluator_is_compared_with_a_tr_read_without_one(tmp_path):
    # T01 40 -> 20 mm: (20 - 40) / 40 = -50 % <= -30 %: PR, NT01 present: overall PR (RECIST 1.1 Table 1).
    tus = [
        tu("S1", "T01", "TARGET", "LIVER", evaluator=""),
        tu("S1", "NT01", "NON-TARGET", "BONE", evaluator=""),
    ]
    trs = [
        tr("S1", "T01", "LDIAM", 40, -6, evaluator=""),
        tr("S1", "NT01", "TUMSTATE", "PRESENT", -6, group="NON-TARGET", evaluator=""),
        tr("S1", "T01", "LDIAM", 20, 57, evaluator=""),
        tr("S1", "NT01", "TUMSTATE", "PRESENT", 57, group="NON-TARGET", evaluator=""),
    ]
    folder = write_folder(tmp_path / "sdtm", tus, trs, [rs("S1", 57, "PR")])
    compared = assess(folder).against_recorded()
    assert len(compared) == 1
    assert compared.iloc[0]["computed_response"] == "PR"  # the day-56 call, by hand
    assert bool(compared.iloc[0]["agrees"])


def test_rs_with_a_partial_date_is_compared_with_the_call_of_its_visit(tmp_path):
    trs = [
        *BASELINE,
        tr("S1", "T01", "LDIAM", 20, 57),
        tr("S1", "NT01", "TUMSTATE", "PRESENT", 57, group="NON-TARGET"),
    ]
    folder = write_folder(
        tmp_path / "sdtm", LIVER_AND_BONE, trs, [rs("S1", 57, "PR", date="2021-04", with_dy=False)]
    )
    compared = assess(folder).against_recorded()
    assert len(compared) == 1
    # T01 40 -> 20 mm: -50 %: PR at day 56, the only assessment of VISITNUM 2 ("WEEK 8")
    assert compared.iloc[0]["computed_response"] == "PR"
    assert int(compared.iloc[0]["day"]) == 56


# ---------------------------------------------------------------------------------------------------------
# Rules checked and found correct (regression tests)
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trdtc", "trdy", "date", "day", "noted"),
    [
        ("2021-04-26T10:30", "57", "2021-04-26", 56, False),  # ISO 8601 date-time: the date part
        ("2021-04-26T10:30:00", "", "2021-04-26", 56, False),  # no TRDY: date - treatment start (2021-03-01)
        ("2021", "57", "2021-04-26", 56, True),  # year only + TRDY 57: start + 56 days, with a note
        ("2021---26", "57", "2021-04-26", 56, True),  # ISO 8601 with the month missing + TRDY
    ],
)
def test_iso8601_date_forms_give_the_study_day_spec_0_2(tmp_path, trdtc, trdy, date, day, noted):
    # spec/anatomic.md 0.1 / 0.2: day = days since first dose (2021-03-01, derived from baseline TRDY -6 on
    # 2021-02-23); SDTM TRDY 57 -> day 56. Partial dates are placed by TRDY and say so in the note.
    follow = [
        tr("S1", "T01", "LDIAM", 20, 57, date=trdtc),
        tr("S1", "NT01", "TUMSTATE", "PRESENT", 57, group="NON-TARGET", date=trdtc),
    ]
    for record in follow:
        record["TRDY"] = trdy
    study = load(write_folder(tmp_path / "sdtm", LIVER_AND_BONE, [*BASELINE, *follow]))
    row = lesion(study, "T01", day)
    assert row["date"] == date
    assert ("partial" in row["note"]) == noted


def test_unscheduled_visit_and_new_lesion_only_in_tr_spec_0_2_and_recist_table_1(tmp_path):
    # Visits: WEEK 8 (TRDY 57, day 56), UNSCHEDULED VISITNUM 99 (TRDY 80, day 79),
    # WEEK 16 (TRDY 113, day 112).
    # T01 40 -> 30 -> 30 -> 30: -25 % vs B = 40 (not <= -30 %), not +20 % over nadir 30: target SD each time.
    # NEW01 has no TU record; TRGRPID NEW gives its role (sdtm.py), LDIAM 12 mm at day 112: unequivocal new
    # lesion -> PD (RECIST 1.1 sec. 4.3.5, Table 1 row 3). Expected calls: SD, SD, PD.
    unscheduled = ("99", "UNSCHEDULED")
    trs = [*BASELINE]
    for dy, visit in ((57, None), (80, unscheduled), (113, None)):
        trs += [
            tr("S1", "T01", "LDIAM", 30, dy, visit=visit),
            tr("S1", "NT01", "TUMSTATE", "PRESENT", dy, group="NON-TARGET", visit=visit),
        ]
    trs.append(tr("S1", "NEW01", "LDIAM", 12, 113, group="NEW"))
    result = assess(write_folder(tmp_path / "sdtm", LIVER_AND_BONE, trs))
    tp = result.timepoints
    assert list(zip(tp["day"].astype(int), tp["overall_response"], strict=True)) == [
        (56, "SD"),
        (79, "SD"),
        (112, "PD"),
    ]
    new = lesion(result.study, "NEW01", 112)
    assert (new["role"], new["long_axis_mm"], new["status"]) == ("new", 12.0, "present")


def test_same_lesion_recorded_at_two_visits_on_one_day_is_refused_not_summed_spec_0_4(tmp_path):
    # WEEK 8 and UNSCHEDULED 2.1 both dated 2021-04-26 (TRDY 57) with T01 LDIAM 20: one assessment (spec 0.2),
    # so the two records must not be added up as fragments of a split lesion (spec 0.4, 40 mm); a located
    # error names the repeated TR rows (records 5 and 6 -> rows 6 and 7).
    other = ("2.1", "UNSCHEDULED 2.1")
    trs = [
        *BASELINE,
        tr("S1", "T01", "LDIAM", 20, 57),
        tr("S1", "NT01", "TUMSTATE", "PRESENT", 57, group="NON-TARGET"),
        tr("S1", "T01", "LDIAM", 20, 57, visit=other),
        tr("S1", "NT01", "TUMSTATE", "PRESENT", 57, group="NON-TARGET", visit=other),
    ]
    result = cli("validate", write_folder(tmp_path / "sdtm", LIVER_AND_BONE, trs))
    assert "Traceback" not in result.output
    assert result.exit_code == 2
    assert "tr.csv, row 6" in result.output and "tr.csv, row 7" in result.output


def test_negative_trstresn_without_trstresc_is_refused_at_its_row(tmp_path):
    # spec/anatomic.md 0.1: sizes in mm (>= 0); TR record 3 (row 4) TRSTRESN -20, TRSTRESC empty.
    trs = [
        *BASELINE,
        tr("S1", "T01", "LDIAM", -20, 57, stresc=""),
        tr("S1", "NT01", "TUMSTATE", "PRESENT", 57, group="NON-TARGET"),
    ]
    with pytest.raises(InputError) as raised:
        load(write_folder(tmp_path / "sdtm", LIVER_AND_BONE, trs))
    assert (raised.value.file, raised.value.rows, raised.value.column) == ("tr.csv", [4], "TRSTRESN")


def test_xpt_with_numeric_trseq_takes_the_organ_from_supptr_trloc_spec_0_1(tmp_path):
    # TU T01 has no TULOC; SUPPTR QNAM TRLOC (IDVAR TRSEQ) gives LIVER for its TR records. In XPT, TRSEQ,
    # TRSTRESN, TRDY and VISITNUM are numeric while IDVARVAL is text: the join must still work.
    tus = [tu("S1", "T01", "TARGET", ""), tu("S1", "NT01", "NON-TARGET", "BONE")]
    trs = [
        *BASELINE,
        tr("S1", "T01", "LDIAM", 20, 57),
        tr("S1", "NT01", "TUMSTATE", "PRESENT", 57, group="NON-TARGET"),
    ]
    csv = write_folder(tmp_path / "csv", tus, trs)
    folder = tmp_path / "xpt"
    folder.mkdir()
    for name, numeric in (
        ("tu", ("TUSEQ", "TUDY", "VISITNUM")),
        ("tr", ("TRSEQ", "TRSTRESN", "TRDY", "VISITNUM")),
    ):
        table = pd.read_csv(csv / f"{name}.csv", dtype=str, keep_default_na=False)
        for column in numeric:
            table[column] = pd.to_numeric(table[column])
        pyreadstat.write_xport(
            table, str(folder / f"{name}.xpt"), table_name=name.upper(), file_format_version=5
        )
    supp = pd.DataFrame(
        {
            "STUDYID": "ST",
            "RDOMAIN": "TR",
            "USUBJID": "S1",
            "IDVAR": "TRSEQ",
            "IDVARVAL": ["1", "2", "3", "4"],
            "QNAM": "TRLOC",
            "QLABEL": "Location",
            "QVAL": ["LIVER", "", "LIVER", ""],
            "QORIG": "CRF",
        }
    )
    pyreadstat.write_xport(supp, str(folder / "supptr.xpt"), table_name="SUPPTR", file_format_version=5)
    study = load(folder)
    row = lesion(study, "T01", 56)
    assert (row["organ"], row["long_axis_mm"], row["status"]) == ("liver", 20.0, "present")


def test_rs_export_reads_back_and_agrees_for_a_single_reader_with_partial_dates(tmp_path):
    # Round trip (README export): assess -> write_export RS -> rs.csv beside the same TU/TR -> every
    # OVRLRESP is compared and agrees. S1: T01 40 -> 20 (TRDTC partial "2021-04", TRDY 57) -> 20: PR, PR
    # (iRECIST iPR, iPR). S2: T01 20 -> 30 (+50 %, +10 mm: PD / iUPD) -> 10 (PR vs baseline 20 after PD:
    # still computed, spec 0.9; iRECIST: iPR). 8 calls in all.
    tus = [
        tu("S1", "T01", "TARGET", "LIVER", evaluator=""),
        tu("S1", "NT01", "NON-TARGET", "BONE", evaluator=""),
        tu("S2", "T01", "TARGET", "LUNG", evaluator=""),
    ]
    trs = [
        tr("S1", "T01", "LDIAM", 40, -6, evaluator=""),
        tr("S1", "NT01", "TUMSTATE", "PRESENT", -6, group="NON-TARGET", evaluator=""),
        tr("S1", "T01", "LDIAM", 20, 57, evaluator="", date="2021-04"),
        tr("S1", "NT01", "TUMSTATE", "PRESENT", 57, group="NON-TARGET", evaluator="", date="2021-04"),
        tr("S1", "T01", "LDIAM", 20, 80, evaluator=""),
        tr("S1", "NT01", "TUMSTATE", "PRESENT", 80, group="NON-TARGET", evaluator=""),
        tr("S2", "T01", "LDIAM", 20, -6, evaluator=""),
        tr("S2", "T01", "LDIAM", 30, 57, evaluator=""),
        tr("S2", "T01", "LDIAM", 10, 113, evaluator=""),
    ]
    folder = write_folder(tmp_path / "sdtm", tus, trs)
    result = assess(folder, ("recist11", "irecist"))
    out = tmp_path / "out"
    out.mkdir()
    write_export(out, result.timepoints, result.best_response, "sdtm", study_id="S")
    back = tmp_path / "back"
    back.mkdir()
    for name in ("tu.csv", "tr.csv"):
        shutil.copy(folder / name, back / name)
    shutil.copy(out / "rs.csv", back / "rs.csv")
    compared = assess(back, ("recist11", "irecist")).against_recorded()
    got = {
        (p, c, int(d)): r
        for p, c, d, r in compared[["patient_id", "criterion", "day", "recorded_response"]].itertuples(
            index=False
        )
    }
    assert got == {
        ("S1", "recist11", 56): "PR",
        ("S1", "recist11", 79): "PR",
        ("S1", "irecist", 56): "iPR",
        ("S1", "irecist", 79): "iPR",
        ("S2", "recist11", 56): "PD",
        ("S2", "recist11", 112): "PR",
        ("S2", "irecist", 56): "iUPD",
        ("S2", "irecist", 112): "iPR",
    }
    assert compared["agrees"].all()


@pytest.fixture
def real_subject(tmp_path):
    """The pharmaverse records of subject 01-701-1015 (read only; the extract is written to tmp_path)."""
    if not REAL.is_dir():
        pytest.skip("pharmaverse SDTM data not available")
    folder = tmp_path / "real"
    folder.mkdir()
    for name in ("tu_onco.csv", "tr_onco.csv", "rs_onco.csv", "supptr_onco.csv"):
        table = pd.read_csv(REAL / name, dtype=str, keep_default_na=False)
        table[table["USUBJID"] == "01-701-1015"].to_csv(folder / name, index=False)
    return folder


def test_real_pharmaverse_lesions_checked_by_hand_against_tr_onco(real_subject):
    # Raw tr_onco.csv (this subject, INVESTIGATOR): TRSEQ 4-6 T02 (TU: LYMPH NODE) baseline DIAMETER 16,
    # LDIAM 17.6, LPERP 16 mm, TRDTC "2014-01" (partial), TRDY 1 -> day 0; TRSEQ 109-111 T01 (ADRENAL GLAND)
    # WEEK 6 TRDTC 2014-02-12 TRDY 42 -> day 41, LDIAM 11, LPERP 9.9; TRSEQ 64 NT01 TUMSTATE UNEQUIVOCAL at
    # WEEK 6 (a non-target: unequivocal progression, spec 0.3); TRSEQ 172-174 T01 WEEK 12 (TRDY 84 -> day
    # 83) all 0 -> absent; TRSEQ 16 SUMDIAM 73 (not a lesion, listed in excluded). Rows = TRSEQ + 1 here.
    study = load(real_subject)
    lesions = study.lesions[study.lesions["reader"] == "INVESTIGATOR"]
    node = lesions[(lesions["lesion_id"] == "T02") & (lesions["day"] == 0)].iloc[0]
    assert (node["organ"], bool(node["lymph_node"]), node["short_axis_mm"], node["long_axis_mm"]) == (
        "lymph node",
        True,
        16.0,
        17.6,
    )
    assert node["date"] == "2014-01-02"  # first dose = TRDTC 2014-01-02 at TRDY 1 (non-target records)
    t01 = lesions[(lesions["lesion_id"] == "T01") & (lesions["day"] == 41)].iloc[0]
    assert (t01["organ"], t01["long_axis_mm"], t01["perpendicular_mm"], t01["date"]) == (
        "adrenal gland",
        11.0,
        9.9,
        "2014-02-12",
    )
    nt01 = lesions[(lesions["lesion_id"] == "NT01") & (lesions["day"] == 41)].iloc[0]
    assert nt01["status"] == "unequivocal_progression"
    gone = lesions[(lesions["lesion_id"] == "T01") & (lesions["day"] == 83)].iloc[0]
    assert (gone["status"], gone["long_axis_mm"]) == ("absent", 0.0)
    assert 17 in set(study.excluded["source_row"].astype(int))  # TRSEQ 16 SUMDIAM
    assert set(lesions["day"]) == {0, 41, 83, 167}  # TRDY 1, 42, 84, 168
