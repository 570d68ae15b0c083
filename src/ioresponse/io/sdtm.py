"""CDISC SDTM tumour domains (TU, TR, SUPPTR, RS, optional DM) into the lesion-table contract.

Sources: CDISC SDTM Implementation Guide v3.4 (TU, TR, RS domains; --DY study day, sec. 4.4.4;
partial ISO 8601 dates, sec. 4.4.2) and the RECIST 1.1 paper (Eisenhauer et al., Eur J Cancer
2009;45:228-247, doi:10.1016/j.ejca.2008.10.026) for what the records mean. Tested on the
pharmaverse synthetic oncology set (shared/data/pharmaverse_sdtm, DATA_DICTIONARY.md).

Mapping (one lesion row per subject x evaluator x TRLNKID x visit x date):

- ``patient_id`` = USUBJID; a USUBJID that the TU, TR or RS file holds under several STUDYIDs (studies
  pooled in one folder) is refused at its rows, column STUDYID (SDTMIG: USUBJID is one subject of one
  submission; spec/anatomic.md 0.1: one patient per patient_id): each study's folder is assessed
  separately. ``reader`` = --EVALID when given, else --EVAL ("INVESTIGATOR",
  "RADIOLOGIST 1"); ``accepted`` = --ACPTFL == "Y" (True for every record when the column is absent or
  empty: no adjudication information).
- ``lesion_id`` = TRLNKID (= TULNKID); ``role`` from TUSTRESC of the linked TU record (TARGET,
  NON-TARGET, NEW; "NEW TARGET" / "NEW NON-TARGET", as iRECIST trials write a new lesion with the
  reader's class, are role new, since the criteria classify new lesions themselves, spec/anatomic.md 4.4,
  and the lesion row's note keeps the reader's class) of the same evaluator, else of a TU record without
  evaluator (TUEVAL / TUEVALID absent
  or empty: it identifies the lesion for every reader), else TRGRPID.
- ``organ`` = TULOC in lower case, else SUPPTR ``TRLOC``; ``lymph_node`` when the location names a
  lymph node (then organ "lymph node", spec/anatomic.md 0.1). Empty for a non-target or new lesion
  without location; a target lesion without one is refused at its TU rows (RECIST 1.1 sec. 4.2 counts
  targets per organ): the rule of a user's table (io.validate.organ_needed). TU records of one lesion
  (subject, evaluator, TULNKID) with different TULOC are refused at those rows, as different roles are
  (spec/anatomic.md 0.1: a lesion's rows agree on organ and lymph_node).
- Tests read (TRTESTCD, :data:`READ_TESTS`): LDIAM, LPERP, SAXIS, DIAMETER, TUMSTATE and SUMDIAM. A
  record of any other test is refused at its TR rows (column TRTESTCD), never dropped silently.
- Measurements (TRSTRESN in TRSTRESU mm, or cm converted to mm; another unit is an error naming its TR
  rows). When TRSTRESU is empty or absent the unit is the collected TRORRESU of the same record (one
  warning per file says so: the standard result was given without its unit); with both empty it is read
  as mm, with a note on the row and one warning per file, and io.load runs the centimetre checks of a
  user's lesion table on those sizes (:data:`NO_UNIT`). When TRSTRESC and TRSTRESN are both empty the
  collected TRORRES in TRORRESU is read under the same rule, with a note, so that a "TOO SMALL TO MEASURE"
  kept only in TRORRES is too_small. A record whose numeric TRORRES in TRORRESU (mm or cm) and standard
  result in its unit are not one size in mm (:data:`SAME_RESULT_MM`) is refused at its TR rows. LDIAM ->
  long_axis_mm, LPERP -> perpendicular_mm, and for nodes the short axis (SAXIS, else LPERP, else
  DIAMETER) -> short_axis_mm; DIAMETER (the sponsor's RECIST measure) fills long_axis_mm of non-nodal
  lesions without LDIAM. A DIAMETER beside the axis read (LDIAM of a non-nodal lesion, SAXIS or LPERP of
  a node) is listed in ``Study.excluded`` with that reason. SAXIS of a non-nodal lesion is kept in
  short_axis_mm, as a user's table keeps it (the rules read the long axis, spec/anatomic.md 0.4). A node
  measured (LDIAM) with none of SAXIS, LPERP, DIAMETER and without a state
  is an error at its TR row (spec/anatomic.md 0.4: a present node's value is its short axis).
- Status: TUMSTATE per :data:`TUMSTATE_STATUS` (role-specific: UNEQUIVOCAL is unequivocal progression of
  a non-target but an unequivocal new lesion; EQUIVOCAL is present with ``equivocal`` True); a measured
  value 0 is ``absent``; TRSTAT = NOT DONE is ``not_evaluable`` with the reason in ``note`` (a result the
  NOT DONE record still holds is not read, and the note says so). A NOT DONE record without TRDTC and
  TRDY (CDISC: scans not performed have no TRDTC) is placed at its visit
  (VISITNUM, else VISIT) with the date and day of the other TR records of that subject, reader and visit;
  with none dated it stays an undated row, which is an error.
- SUMDIAM records are the sponsor's sums: not lesions. The criterion recomputes the sums from the
  lesions; the SUMDIAM rows are listed in ``Study.excluded`` with that reason, so no row goes unreported.
  A TU lesion with no TR record is listed there too (its ``source_row`` is then a TU row, as the reason
  says).
- ``day``: from --DY when present, converted from SDTM study day (day 1 = first dose, no day 0) to the
  contract's "first dose = day 0": ``day = DY - 1`` for DY > 0 and ``day = DY`` for DY < 0 (a --DY of 0,
  which SDTM does not have, is refused at its rows). Without --DY, ``day = date - treatment_start``
  (io.load). Partial dates (``2014-01``): with --DY and a known
  treatment start the date is ``treatment_start + day`` (consistent with the study day, so that the
  rows of one visit share one date); without --DY it is imputed to the middle of the period
  (io.tables). Either way the row's ``note`` says so, and one warning per file names the TR rows
  (:class:`~ioresponse.io.tables.PartialDateWarning`); no assessment is dropped.
- ``treatment_start`` per subject: DM.RFSTDTC when a DM file is in the folder (ARM, ACTARM, SEX, AGE
  are copied to the patient table too); otherwise derived from
  the records themselves: ``date - (DY - 1)`` from the complete-dated TR/TU/RS record with the
  smallest |DY| (closest to the start, so the least affected by nominal study days); a patient table
  given by the user wins over both.
- ``source_row`` of lesion rows and of ``Study.excluded`` points into the TR file (the first TR record
  read of the lesion assessment: LDIAM, LPERP and DIAMETER of one target are one row; a DIAMETER listed
  in ``Study.excluded`` is not that row; an excluded TU or RS record's reason names its file and row);
  ``Study.recorded``
  rows point into the RS file. Messages about lesion rows name the SDTM variable a contract column comes
  from (``date`` is TRDTC, ``day`` TRDY, ``role`` TUSTRESC of the TU file, ...).
- RS: records of other tests (TRGRESP, NTRGRESP, NEWLPROG, BESTRSP, ...) are not compared; they are
  listed in ``Study.excluded`` with their RSTESTCD (``source_row`` then an RS row, which the reason
  names). Overall-response records (RSTESTCD OVRLRESP) become ``Study.recorded`` with RSSTRESC (where it is
  empty the collected RSORRES, with a note) normalised to the labels of spec/anatomic.md 0.9 and
  metabolic.md 1.6 (CR / PR / SD / NON-CR/NON-PD / PD / NE,
  iUPD, irPR, PMD, ...); RSSTAT NOT DONE is NE. Values that are not responses (e.g. "CHECK") are kept
  with an empty ``recorded_response`` and a ``note``. RSCAT names the criterion of each record (SDTM IG
  6.3 RS: "RECIST 1.1", "iRECIST", ...) and becomes its ``criterion`` key, so that a reader's iRECIST
  call is compared with the computed iRECIST call; an empty RSCAT is RECIST 1.1, a category ioresponse
  does not assess is kept with an empty ``criterion`` and a ``note``. An RS record is the call of its
  visit: it takes the day and date of the TR assessment of the same subject, reader and visit (VISITNUM,
  compared as a number, so that "2.0" is visit 2 (SDTMIG: VISITNUM is numeric), else VISIT; as NOT DONE
  TR records above), with a note where that differs from its RSDY / RSDTC; only
  without one, or when that visit's TR records have several dates, do RSDY / RSDTC place it. An RS
  record of an evaluator whose subject's TR has none is placed by, and compared with, the TR read without
  an evaluator (:func:`shared_reader`, as for TU); an evaluator with TR records of their own is compared
  with their own calls only (``Result.against_recorded``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ioresponse import schema as s
from ioresponse.io import tables as t
from ioresponse.io import validate as v
from ioresponse.schema import InputError

DOMAINS = ("tu", "tr", "rs", "supptr", "dm")
REQUIRED_DOMAINS = ("tu", "tr")
SUFFIXES = (".csv", ".xpt", ".parquet", ".pq")

NEW_CLASSES = ("NEW TARGET", "NEW NON-TARGET", "NEW NON TARGET")
"""TUSTRESC of a new lesion with the reader's own iRECIST class (new lesion target / non-target): read as
role new, since the criteria classify new lesions themselves (spec/anatomic.md 4.4: at first appearance, by
RECIST 1.1 measurability); the reader's class is kept in the lesion row's note."""
ROLE_OF_TUSTRESC = {  # SDTMIG TU: TUSTRESC of TUTESTCD TUMIDENT
    "TARGET": s.Role.TARGET.value,
    "NON-TARGET": s.Role.NON_TARGET.value,
    "NON TARGET": s.Role.NON_TARGET.value,
    "NEW": s.Role.NEW.value,
    **dict.fromkeys(NEW_CLASSES, s.Role.NEW.value),
}
SUM_TEST = "SUMDIAM"  # sponsor-derived sum of diameters (not a lesion)
MEASURE_TESTS = ("LDIAM", "LPERP", "SAXIS", "DIAMETER")
MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "": 1.0}
"""TRSTRESU (lower case) of a measurement -> mm; SDTM's standard unit of tumour sizes is mm, so a size
without any unit ("") is read as mm, with a note (:data:`NO_UNIT`)."""
NO_UNIT = "TRSTRESU and TRORRESU empty: no unit, read as mm"
"""The note of a lesion row whose size is given without any unit."""
SAME_RESULT_MM = (0.05, 1e-6)
"""Absolute (mm) and relative tolerance within which TRORRES in TRORRESU and the standard result in mm are
one result: cm -> mm is exact (x 10), so they differ only by the standard result's rounding to 0.1 mm."""
STATE_TEST = "TUMSTATE"
READ_TESTS = (*MEASURE_TESTS, STATE_TEST, SUM_TEST)
"""The TRTESTCD values read (SDTM CT, TR test codes); a record of another test is refused at its row."""
NOT_DONE = "NOT DONE"
SUMDIAM_REASON = "sponsor-derived sum (TRTESTCD SUMDIAM): recomputed from the lesions, not used as a lesion"
LYMPH_WORDS = ("LYMPH", "NODE")  # a location naming a lymph node (TULOC "LYMPH NODE")

# TUMSTATE (and text TRSTRESC) -> (status, equivocal) by role; spec/anatomic.md 0.3.
_NT, _NEW = s.Role.NON_TARGET.value, s.Role.NEW.value
TUMSTATE_STATUS: dict[str, dict[str, tuple[str, bool]]] = {
    "PRESENT": {"*": (s.Status.PRESENT.value, False)},
    "ABSENT": {"*": (s.Status.ABSENT.value, False)},
    "UNEQUIVOCAL PROGRESSION": {"*": (s.Status.UNEQUIVOCAL_PROGRESSION.value, False)},
    # RECIST 1.1 sec. 4.3.3/4.3.5: "unequivocal" qualifies non-target progression, or a new lesion
    "UNEQUIVOCAL": {_NEW: (s.Status.PRESENT.value, False),
                    "*": (s.Status.UNEQUIVOCAL_PROGRESSION.value, False)},
    # RECIST 1.1 sec. 4.3.5: an equivocal finding is not progression; kept as present + equivocal
    "EQUIVOCAL": {"*": (s.Status.PRESENT.value, True)},
    "TOO SMALL TO MEASURE": {"*": (s.Status.TOO_SMALL.value, False)},
    "NOT EVALUABLE": {"*": (s.Status.NOT_EVALUABLE.value, False)},
    "NOT ASSESSABLE": {"*": (s.Status.NOT_EVALUABLE.value, False)},
    "NE": {"*": (s.Status.NOT_EVALUABLE.value, False)},
}
RESPONSE_OF_RSSTRESC = {  # RECIST 1.1 sec. 4.4 response categories
    "CR": s.Response.CR.value, "PR": s.Response.PR.value, "SD": s.Response.SD.value,
    "PD": s.Response.PD.value, "NE": s.Response.NE.value,
    "NON-CR/NON-PD": s.Response.NON_CR_NON_PD.value, "NON-CR NON-PD": s.Response.NON_CR_NON_PD.value,
    "NCRNPD": s.Response.NON_CR_NON_PD.value, "NOT EVALUABLE": s.Response.NE.value,
}
RESPONSE_OF_RSSTRESC |= {label.upper(): label for label in (  # immune and metabolic labels (spec 0.9, 1.6)
    "irCR", "irPR", "irSD", "irNON-CR/NON-PD", "irPD", "iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iUPD",
    "iCPD", "CMR", "PMR", "SMD", "PMD", "UPMD", "CPMD")}
CRITERION_OF_RSCAT = {  # RSCAT with its case, spaces and punctuation dropped -> criterion key
    "": "recist11", "RECIST": "recist11", "RECIST11": "recist11", "RECISTV11": "recist11",
    "IRRC": "irrc", "IRRECIST": "irrecist", "IRECIST": "irecist", "IMRECIST": "imrecist",
    "EORTC": "eortc", "EORTC1999": "eortc", "PERCIST": "percist", "PERCIST10": "percist", "PECRIT": "pecrit",
    "PERCIMT": "percimt", "IMPERCIST": "impercist", "IMPERCIST5": "impercist", "IPERCIST": "ipercist",
}
"""The criterion of an RS record's category (SDTM IG 6.3 RS: RSCAT names the response criteria)."""
OVERALL_RESPONSE_TESTS = ("OVRLRESP",)
SPLIT_TEST = "TUSPLIT"
"""TUTESTCD of a TU record identifying the fragment of a split lesion (SDTM IG TU; CDISC CT C96784)."""
DM_PATIENT_COLUMNS = {"ARM": "arm", "ACTARM": "actual_arm", "SEX": "sex", "AGE": "age", "RFSTDTC": "rfstdtc"}
"""DM variables copied to the patient table when a DM file is in the folder."""
RECORDED_COLUMNS = (s.PATIENT, s.READER, s.DAY, s.DATE, "visit", "recorded_response", s.SOURCE_ROW)


class RecordedValueWarning(s.IoresponseWarning):
    """RS overall-response records kept but not compared: a value that is not a response category, or a
    category (RSCAT) of criteria ioresponse does not assess."""


class StudyDayWarning(s.IoresponseWarning):
    """TR records whose TRDTC - TRDY is not the subject's first dose: the day is read from TRDY."""


class CollectedUnitWarning(s.IoresponseWarning):
    """TR measurements with TRSTRESU empty, read in the unit of their collected result (TRORRESU), or, with
    TRORRESU empty too, as mm (no unit given)."""


@dataclass
class SdtmParts:
    """What an SDTM folder gives: the lesion rows as text, readers' calls, derived patient table."""

    raw: t.RawTable
    recorded: pd.DataFrame | None
    patients: pd.DataFrame
    findings: list[v.Finding]
    unused: pd.DataFrame
    """Records not used by design (SUMDIAM, a DIAMETER beside the axis read, a TU lesion without TR, an RS
    record that is no overall response), columns source_row, patient_id, column, reason."""
    variables: dict[str, str]
    """The SDTM variable each contract column of the lesion rows comes from, named in messages."""
    unit_not_stated: frozenset[int]
    """``source_row`` of the lesion rows with a size given without any unit (:data:`NO_UNIT`), on which
    io.load runs the centimetre checks of a user's table."""


def find_domains(folder: Path) -> dict[str, Path]:
    """Domain files of ``folder`` by lower-case domain (``tu.csv``, ``TU.xpt``, ``tr_onco.csv`` ...)."""
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES:
            continue
        stem = path.stem.lower()
        for domain in DOMAINS:
            if stem == domain or stem.startswith(domain + "_"):
                found.setdefault(domain, []).append(path)
    for domain, paths in found.items():
        if len(paths) > 1:
            raise InputError(folder.name, [], None, f"several files for domain {domain.upper()}: "
                                                    f"{', '.join(p.name for p in paths)}; keep one")
    missing = [d.upper() for d in REQUIRED_DOMAINS if d not in found]
    if missing:
        raise InputError(folder.name, [], None, f"SDTM folder without {' and '.join(missing)}: expected "
                                                "files such as tu.csv / TU.xpt / tu_onco.parquet and tr.csv")
    return {domain: paths[0] for domain, paths in found.items()}


def read_sdtm(folder: Path, *, source: str | None = None) -> SdtmParts:
    """Read TU + TR (+ SUPPTR, RS, DM) of ``folder`` into lesion rows (text) and the readers' calls."""
    files = find_domains(folder)
    tables = {d: t.read_table(p, source=p.name) for d, p in files.items()}
    tr, tu = tables["tr"], tables["tu"]
    _require(tr, ("USUBJID", "TRLNKID", "TRTESTCD"))
    _require(tu, ("USUBJID", "TULNKID", "TUSTRESC"))
    _one_study_per_subject(tables)
    if "TRDY" not in tr.frame.columns and "TRDTC" not in tr.frame.columns:
        raise InputError(tr.source, [], "TRDTC", "TR needs TRDTC or TRDY to place assessments in time")
    patients = _patients(tables)
    start = patients.set_index(s.PATIENT)["treatment_start"]
    records = _tr_records(tr, tables.get("supptr"), start)
    read = records["TRTESTCD"].isin(READ_TESTS)
    lesions_part = records[read & (records["TRTESTCD"] != SUM_TEST)]
    lesion_rows, findings, diameters, unit_not_stated = _lesion_rows(lesions_part, _tu_lesions(tu), tr.source,
                                                                     tu.source)
    findings = _unread_tests(records[~read], tr.source) + findings
    unused = records.loc[records["TRTESTCD"] == SUM_TEST, [s.SOURCE_ROW, "USUBJID"]].rename(
        columns={"USUBJID": s.PATIENT}).assign(column="TRTESTCD", reason=SUMDIAM_REASON)
    pieces = [unused, diameters, _unmeasured(tu, records)]
    recorded = None
    if "rs" in tables:
        recorded = _recorded(tables["rs"], patients, records)
        pieces.append(_other_rs_tests(tables["rs"]))
    unused = pd.concat(pieces, ignore_index=True)
    name = source or tr.source
    return SdtmParts(t.RawTable(lesion_rows, name), recorded, patients, findings, unused,
                     _variables(tr, tu), unit_not_stated)


def _unread_tests(records: pd.DataFrame, source: str) -> list[v.Finding]:
    """TR records of a test not in :data:`READ_TESTS`, refused at their rows, one finding per test code:
    their result would otherwise be lost (DESIGN.md: nothing the user gave is silently dropped)."""
    findings = []
    for test, part in records.groupby("TRTESTCD", sort=False):
        rows = part[s.SOURCE_ROW].astype(int).tolist()
        findings.append(v.Finding(InputError(
            source, rows, "TRTESTCD",
            f"{len(rows)} record(s) of test {test!r}, which is not read; the tests read are "
            f"{', '.join(READ_TESTS)} (SDTM CT TRTESTCD): record the result under one of these, or remove "
            "the records")))
    return findings


def _variables(tr: t.RawTable, tu: t.RawTable) -> dict[str, str]:
    """Contract column -> the SDTM variable it comes from (role and location from the TU file)."""
    measured = "TRSTRESN" if "TRSTRESN" in tr.frame.columns else "TRSTRESC"
    return {
        s.PATIENT: "USUBJID", s.LESION: "TRLNKID", s.DATE: "TRDTC",
        s.DAY: "TRDY" if "TRDY" in tr.frame.columns else "TRDTC", s.STATUS: "TRSTRESC",
        s.LONG_AXIS: measured, s.SHORT_AXIS: measured, s.PERPENDICULAR: measured,
        s.ROLE: f"TUSTRESC ({tu.source})", s.ORGAN: f"TULOC ({tu.source})",
        s.LYMPH_NODE: f"TULOC ({tu.source})",
    }


def _require(table: t.RawTable, columns: tuple[str, ...]) -> None:
    """The SDTM variables a domain needs, and a subject on every record (an empty USUBJID is refused at
    its rows, never assessed as a patient "": spec/anatomic.md 0.1, every required cell has a value)."""
    missing = [c for c in columns if c not in table.frame.columns]
    if missing:
        raise InputError(table.source, [], missing[0], f"missing SDTM variable(s) {', '.join(missing)}")
    empty = (table.frame["USUBJID"].str.strip() == "").to_numpy()
    if empty.any():
        raise InputError(table.source, table.frame.loc[empty, s.SOURCE_ROW].tolist(), "USUBJID",
                         "empty: every record names its subject")


def _one_study_per_subject(tables: dict[str, t.RawTable]) -> None:
    """A USUBJID that one file (TU, TR or RS) holds under several STUDYIDs (studies pooled in one folder)
    is refused at its rows of that file, column STUDYID, never merged into one patient: SDTMIG (USUBJID)
    makes a subject's identifier unique within a submission, and a ``patient_id`` is one patient with one
    baseline and one clock (spec/anatomic.md 0.1, 0.2). Checked within each file: an RS file whose STUDYID
    differs from that of TU / TR throughout (as ``ioresponse export --sdtm`` writes it, STUDYID
    "IORESPONSE") pools nothing. An empty STUDYID names no study."""
    for domain in ("tu", "tr", "rs"):
        table = tables.get(domain)
        if table is None or not {"USUBJID", "STUDYID"} <= set(table.frame.columns):
            continue
        given = table.frame[table.frame["STUDYID"].str.strip() != ""]
        studies = given.groupby("USUBJID", sort=True)["STUDYID"].nunique()
        pooled = studies.index[studies > 1]
        if pooled.empty:
            continue
        subject = given[given["USUBJID"] == pooled[0]]
        others = f" (and {len(pooled) - 1} other subject(s))" if len(pooled) > 1 else ""
        raise InputError(table.source, subject[s.SOURCE_ROW].tolist(), "STUDYID",
                         f"subject {pooled[0]} (USUBJID){others} appears in several studies (STUDYID "
                         f"{', '.join(sorted(pd.unique(subject['STUDYID'].str.strip())))}): a USUBJID is one "
                         "subject of one submission (SDTMIG), so these records cannot be one patient's "
                         "assessments; assess each study's folder separately")


def _reader(frame: pd.DataFrame, prefix: str) -> pd.Series:
    """--EVALID when given, else --EVAL, else "" (single reader)."""
    evaluator = frame.get(f"{prefix}EVAL", pd.Series("", index=frame.index))
    evaluator_id = frame.get(f"{prefix}EVALID", pd.Series("", index=frame.index))
    return evaluator_id.where(evaluator_id != "", evaluator)


def _accepted(frame: pd.DataFrame, prefix: str) -> pd.Series:
    """--ACPTFL == "Y"; every record is accepted when the flag is absent or never set."""
    flag = frame.get(f"{prefix}ACPTFL", pd.Series("", index=frame.index)).str.upper()
    if not (flag != "").any():
        return pd.Series("true", index=frame.index)
    return pd.Series(np.where(flag == "Y", "true", "false"), index=frame.index)


def _study_days(table: t.RawTable, frame: pd.DataFrame, variable: str) -> np.ndarray:
    """SDTM study day ``variable`` of ``frame`` (rows of ``table``) as numbers, NaN where empty. A --DY that
    is not a whole number of days, or is 0, is refused at its rows, never replaced by the day of --DTC
    (SDTM IG 4.4.4: --DY is an integer, day 1 is the first dose and the day before it is day -1)."""
    study_day = frame[variable]
    values, bad = t.parse_float(study_day)
    bad |= np.isfinite(values) & ((values % 1 != 0) | (np.abs(values) > t.MAX_ABS_DAY))
    if bad.any():
        raise InputError(table.source, frame.loc[bad, s.SOURCE_ROW].tolist(), variable,
                         f"{study_day[bad].iloc[0]!r} is not a study day; SDTM {variable} is a whole number "
                         "of days (day 1 = first dose), or empty")
    zero = values == 0
    if zero.any():
        raise InputError(table.source, frame.loc[zero, s.SOURCE_ROW].tolist(), variable,
                         f"study day 0: SDTM has no day 0 ({variable} 1 is the day of first dose, -1 the day "
                         "before); give the study day or leave it empty")
    return values


def _sdtm_day(table: t.RawTable, frame: pd.DataFrame, variable: str) -> pd.Series:
    """SDTM study day ``variable`` of ``frame`` (rows of ``table``; day 1 = first dose, no day 0) -> days
    since first dose (first dose = day 0); "" where empty (:func:`_study_days` refuses what is no study
    day)."""
    if variable not in frame.columns:
        return pd.Series("", index=frame.index)
    values = _study_days(table, frame, variable)
    day = np.where(values > 0, values - 1, values)
    return pd.Series([str(int(d)) if np.isfinite(d) else "" for d in day], index=frame.index)


def _dated(date: pd.Series, day: pd.Series, subject: pd.Series, start: pd.Series,
           prefix: str) -> tuple[pd.Series, pd.Series]:
    """Partial --DTC with a --DY: date = treatment start + day, with a note (the rest unchanged)."""
    first_dose = subject.map(start).fillna("")
    days, _ = t.parse_float(day)
    partial = (date != "") & (date.str.len() < 10) & np.isfinite(days) & (first_dose != "")
    if not partial.any():
        return date, pd.Series("", index=date.index, dtype=object)
    shifted = pd.to_datetime(first_dose.where(partial), format="%Y-%m-%d", errors="coerce") + pd.to_timedelta(
        np.where(partial, days, 0), unit="D")
    fixed = shifted.dt.strftime("%Y-%m-%d").fillna("")
    note = "date " + date + " partial: imputed " + fixed + f" (treatment start + {prefix}DY)"
    note = note.where(partial, "")
    return date.where(~partial, fixed), note


def _days_on_one_clock(source: str, records: pd.DataFrame, start: pd.Series) -> pd.Series:
    """The records' days (TRDY as contract days), each subject on one clock (spec/anatomic.md 0.1, 0.2).

    Records with a complete TRDTC and a TRDY whose ``date - day`` is not the subject's first dose
    (``start``: DM RFSTDTC, else derived by :func:`_start_from_study_days`; spec 0.1: day = date -
    treatment_start) are named in one :class:`StudyDayWarning`. Not refused: the pharmaverse TR
    (shared/data/pharmaverse_sdtm) gives nominal study days (WEEK 12 at TRDY 84) with the scan dates, so
    34 689 of its 55 223 dated records, of 198 of its 254 subjects, lie up to 58 days off; the day is read
    from TRDY (SDTM IG 4.4.4) and the date is kept as given.

    A record with a TRDTC but no TRDY (an unscheduled visit) is placed by its date (io.load). Beside nominal
    days the two clocks cannot be ordered (an unscheduled scan three weeks after WEEK 12 can land before
    it), so such a subject's dated records are all placed by their dates, their TRDY not read (a second
    warning names them); the records of other subjects keep TRDY."""
    days, _ = t.parse_float(records[s.DAY])
    first_dose = records["USUBJID"].map(start).fillna("")
    complete = ((records[s.DATE].str.len() >= 10) & (first_dose != "")).to_numpy()
    date = pd.to_datetime(records[s.DATE].str.slice(0, 10).where(complete), format="%Y-%m-%d",
                          errors="coerce")
    dated = complete & date.notna().to_numpy()
    by_date = (date - pd.to_datetime(first_dose.where(dated), format="%Y-%m-%d", errors="coerce")).dt.days
    off = dated & np.isfinite(days) & (by_date.to_numpy() != days)
    if not off.any():
        return records[s.DAY]
    first = np.flatnonzero(off)[0]
    implied = (date.iloc[first] - pd.Timedelta(days=days[first])).strftime("%Y-%m-%d")
    subject = records["USUBJID"]
    warnings.warn(StudyDayWarning(InputError(
        source, records.loc[off, s.SOURCE_ROW].tolist(), "TRDY",
        f"{int(off.sum())} record(s) of {subject[off].nunique()} subject(s) with a TRDY that is not the "
        "study day of their TRDTC: TRDTC - TRDY gives another first dose than the subject's treatment start "
        f"(DM RFSTDTC, else that of the dated record closest to it), e.g. subject {subject.iloc[first]}, row "
        f"{records[s.SOURCE_ROW].iloc[first]}: TRDTC {records[s.DATE].iloc[first]} at TRDY "
        f"{_study_day_text(days[first])} gives {implied}, treatment start {first_dose.iloc[first]}; the day "
        "is read from TRDY (nominal study days?), the date is kept as given").located()), stacklevel=6)
    dated_only = dated & ~np.isfinite(days)
    mixed = subject.isin(set(subject[off]) & set(subject[dated_only])).to_numpy() & dated & np.isfinite(days)
    if not mixed.any():
        return records[s.DAY]
    subjects = sorted(set(subject[mixed]))
    warnings.warn(StudyDayWarning(InputError(
        source, records.loc[mixed, s.SOURCE_ROW].tolist(), "TRDY",
        f"{len(subjects)} subject(s) ({', '.join(subjects[:3])}{' ...' if len(subjects) > 3 else ''}) with "
        "TRDY that are not the study days of their TRDTC and records dated by TRDTC alone: one clock per "
        "subject, so these records are placed by TRDTC (day = TRDTC - first dose) and their TRDY is not "
        "read").located()), stacklevel=6)
    return records[s.DAY].mask(mixed, by_date.astype("Int64").astype(str))


def _study_day_text(day: float) -> str:
    """A contract day (first dose = day 0) as the SDTM study day it was (day 1 = first dose, no day 0)."""
    return str(int(day + 1 if day >= 0 else day))


def _tr_records(tr: t.RawTable, supptr: t.RawTable | None, start: pd.Series) -> pd.DataFrame:
    """TR with reader, accepted, location (SUPPTR TRLOC) and the numeric result in mm."""
    frame = tr.frame

    def column(name: str) -> pd.Series:
        return frame[name] if name in frame.columns else pd.Series("", index=frame.index)

    # SDTMIG TR: the standardised result (TRSTRESC/TRSTRESN in TRSTRESU) is read; when both are empty the
    # collected one (TRORRES in TRORRESU) is, under the same unit rule, with a note
    original = column("TRORRES").str.strip()
    from_original = (column("TRSTRESC") == "") & (column("TRSTRESN") == "") & (original != "")
    out = pd.DataFrame({
        "USUBJID": frame["USUBJID"], "TRLNKID": frame["TRLNKID"], "TRTESTCD": frame["TRTESTCD"].str.upper(),
        "TRGRPID": column("TRGRPID"), s.READER: _reader(frame, "TR"), "accepted": _accepted(frame, "TR"),
        "TRSTRESC": column("TRSTRESC").where(~from_original, original),
        "TRSTAT": column("TRSTAT").str.upper(), "TRREASND": column("TRREASND"),
        s.DATE: column("TRDTC"), s.DAY: _sdtm_day(tr, frame, "TRDY"), t.VISIT: column("VISIT"),
        t.VISIT_NUMBER: column("VISITNUM"), "TRLOC": "", s.SOURCE_ROW: frame[s.SOURCE_ROW],
    }, index=frame.index)
    values, _ = t.parse_float(column("TRSTRESN"))
    text_values, _ = t.parse_float(out["TRSTRESC"])
    differ = np.isfinite(values) & np.isfinite(text_values) & ~np.isclose(values, text_values, rtol=1e-9)
    if differ.any():  # SDTM IG TR: TRSTRESN is TRSTRESC as a number; which one is meant is not ours to pick
        first = np.flatnonzero(differ)[0]
        raise InputError(tr.source, frame.loc[differ, s.SOURCE_ROW].tolist(), "TRSTRESN",
                         f"TRSTRESN {values[first]:g} and TRSTRESC {out['TRSTRESC'].iloc[first]!r} of one "
                         "record disagree; TRSTRESN is the numeric form of TRSTRESC")
    values = np.where(np.isfinite(values), values, text_values)
    # SDTMIG TR: TRSTRESU is the unit of the standard result; where it is empty the record's collected unit
    # TRORRESU is its unit (TRSTRESC is TRORRES in standard form), and with both empty it is mm
    no_standard_unit = (column("TRSTRESU").str.strip() == "") & (column("TRORRESU").str.strip() != "")
    collected_unit = from_original | no_standard_unit
    unit_variable = pd.Series(np.where(collected_unit, "TRORRESU", "TRSTRESU"), index=frame.index)
    given_unit = column("TRSTRESU").where(~collected_unit, column("TRORRESU"))
    unit = given_unit.str.strip().str.lower()
    measured = out["TRTESTCD"].isin(MEASURE_TESTS) & np.isfinite(values)
    borrowed = (measured & no_standard_unit & ~from_original).to_numpy()
    if borrowed.any():
        units = ", ".join(sorted(pd.unique(given_unit[borrowed].str.strip())))
        warnings.warn(CollectedUnitWarning(InputError(
            tr.source, frame.loc[borrowed, s.SOURCE_ROW].tolist(), "TRSTRESU",
            f"{int(borrowed.sum())} measurement(s) with TRSTRESU empty: the standard result was given "
            f"without its unit; the collected unit TRORRESU ({units}) was used").located()), stacklevel=5)
    unknown = (measured & ~unit.isin(list(MM_PER_UNIT))).to_numpy()
    if unknown.any():
        first = np.flatnonzero(unknown)[0]
        raise InputError(tr.source, frame.loc[unknown, s.SOURCE_ROW].tolist(), unit_variable.iloc[first],
                         f"{given_unit.iloc[first]!r} is not a unit of tumour size read here; expected mm or "
                         "cm (cm are converted to mm)")
    # the unit of a record that is not a measurement (TUMSTATE, SUMDIAM) is not used
    out["value"] = values * unit.map(MM_PER_UNIT).fillna(1.0).to_numpy()
    read_done = out["TRSTAT"] != NOT_DONE  # a NOT DONE record's result is not read (below)
    _same_result(tr, column, out["value"], measured & read_done & ~from_original, unit_variable)
    no_unit = (measured & (unit == "")).to_numpy()
    if no_unit.any():  # SDTM's standard unit of tumour size is mm (MM_PER_UNIT); said, and checked in io.load
        warnings.warn(CollectedUnitWarning(InputError(
            tr.source, frame.loc[no_unit, s.SOURCE_ROW].tolist(), "TRSTRESU",
            f"{int(no_unit.sum())} measurement(s) with TRSTRESU and TRORRESU empty: no unit is given, the "
            "sizes are read as mm (SDTM's standard unit of tumour size), and those that look like "
            "centimetres are caught as in a lesion table").located()), stacklevel=5)
    out["unit_not_stated"] = no_unit
    out["result_note"] = t.join_notes(
        pd.Series(np.where(from_original, "TRSTRESC and TRSTRESN empty: TRORRES " + original + " read", ""),
                  index=frame.index),
        pd.Series(np.where(unit == "cm", unit_variable + " cm converted to mm", ""), index=frame.index),
        pd.Series(np.where(no_unit, NO_UNIT, ""), index=frame.index))
    # TRSTAT NOT DONE: the test was not done, so a result the record still holds is not read (the lesion is
    # not_evaluable unless another record of its assessment gives a result), with a note
    ignored = ((out["TRSTAT"] == NOT_DONE) & ((out["TRSTRESC"] != "") | np.isfinite(values))).to_numpy()
    result = out["TRSTRESC"].where(out["TRSTRESC"] != "", column("TRSTRESN"))
    out["result_note"] = out["result_note"].mask(ignored, "result " + result + " of a NOT DONE test not read")
    out.loc[ignored, ["TRSTRESC", "value"]] = ["", np.nan]
    out[s.DAY] = _days_on_one_clock(tr.source, out, start)
    out[s.DATE], out["date_note"] = _dated(out[s.DATE], out[s.DAY], out["USUBJID"], start, "TR")
    imputed = (out["date_note"] != "").to_numpy()
    if imputed.any():  # said as a partial date imputed in the middle of its period is (io.load)
        t.warn_partial_dates(tr.source, frame.loc[imputed, s.SOURCE_ROW].tolist(), "TRDTC",
                             out.loc[imputed, "date_note"].iloc[0], stacklevel=5)
    out = _placed_at_visit(out)
    if supptr is not None and {"QNAM", "IDVAR", "IDVARVAL", "QVAL"} <= set(supptr.frame.columns):
        out["TRLOC"] = _supptr_location(frame, supptr.frame)
    return out


def _same_result(tr: t.RawTable, column: Callable[[str], pd.Series], standard_mm: pd.Series,
                 compared: pd.Series, unit_variable: pd.Series) -> None:
    """Refuse a measurement whose collected result (TRORRES, a number, in TRORRESU mm or cm) and standard
    result (TRSTRESN, else TRSTRESC, in its unit: ``standard_mm``) are not one size in mm (SDTMIG TR:
    TRSTRESC is TRORRES in the standard unit; :data:`SAME_RESULT_MM`), e.g. TRORRES 3.6 cm beside TRSTRESN
    3.6 mm, a conversion left out: which one is meant is not ours to pick. ``compared`` marks the records
    read from their standard result."""
    original, original_unit = column("TRORRES").str.strip(), column("TRORRESU").str.strip()
    collected, _ = t.parse_float(original)
    per_mm = original_unit.str.lower().map(MM_PER_UNIT).where(original_unit != "")  # no unit: not compared
    collected_mm = collected * per_mm.to_numpy(dtype=np.float64)
    absolute, relative = SAME_RESULT_MM
    differ = (compared.to_numpy() & np.isfinite(collected_mm) & np.isfinite(standard_mm.to_numpy())
              & ~np.isclose(standard_mm.to_numpy(), collected_mm, rtol=relative, atol=absolute))
    if not differ.any():
        return
    first = np.flatnonzero(differ)[0]
    standard = "TRSTRESN" if column("TRSTRESN").iloc[first].strip() else "TRSTRESC"
    unit = column(unit_variable.iloc[first]).iloc[first].strip()
    borrowed = " (TRSTRESU empty: its unit is TRORRESU's)" if unit_variable.iloc[first] == "TRORRESU" else ""
    raise InputError(tr.source, tr.frame.loc[differ, s.SOURCE_ROW].tolist(), standard,
                     f"TRORRES {original.iloc[first]} {original_unit.iloc[first]} "
                     f"({collected_mm[first]:g} mm) and {standard} {column(standard).iloc[first].strip()} "
                     f"{unit}{borrowed} ({standard_mm.iloc[first]:g} mm) of one record disagree; the "
                     "standard result is the collected one in the standard unit (SDTMIG TR): correct the one "
                     "that is wrong, or its unit")


def _visit(number: pd.Series, name: pd.Series) -> pd.Series:
    """The visit of each record, the key that matches records of one visit: VISITNUM, else VISIT ("" when
    neither is given). SDTMIG: VISITNUM is numeric, so it is compared as a number ("2.0" of a file written
    from floats is visit 2); a VISITNUM that is no number is compared as given. Only the key: the VISITNUM
    and VISIT written out are those of the file."""
    values, _ = t.parse_float(number)
    canonical = pd.Series([repr(x) if np.isfinite(x) else "" for x in values], index=number.index)
    number = canonical.where(canonical != "", number)
    return number.where(number != "", name)


def _at_visit(keys: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """Day, date and date note of the TR assessment of each (USUBJID, reader, _visit) of ``keys``: those of
    that visit's dated TR record with the smallest day (then date, then TR row); NaN where there is none
    (an empty visit places nothing). ``assessments`` counts the visit's distinct (day, date) pairs."""
    key = ["USUBJID", s.READER, "_visit"]
    visit = _visit(records[t.VISIT_NUMBER], records[t.VISIT])
    dated = records.assign(_visit=visit, _day=t.parse_float(records[s.DAY])[0])[
        ((records[s.DAY] != "") | (records[s.DATE] != "")) & (visit != "")]
    first = dated.sort_values(["_day", s.DATE, s.SOURCE_ROW], kind="stable").drop_duplicates(key)
    count = dated.drop_duplicates([*key, s.DAY, s.DATE]).groupby(key).size().rename("assessments")
    first = first.join(count, on=key)
    return keys[key].merge(first[[*key, s.DAY, s.DATE, "date_note", "assessments"]], on=key,
                           how="left").set_index(keys.index)


def _placed_at_visit(records: pd.DataFrame) -> pd.DataFrame:
    """A NOT DONE record without TRDTC and TRDY takes the date and day of its visit.

    CDISC QRS RECIST 1.1 supplement: scans not performed have no TRDTC. The visit (VISITNUM, else VISIT) of
    the same subject and reader places the record (:func:`_at_visit`). Without a dated record of that
    visit it stays undated, an error naming its row like any undated record (io.validate.check_time).
    """
    undated = (records[s.DAY] == "") & (records[s.DATE] == "")
    lost = undated & (records["TRSTAT"] == NOT_DONE)
    if not lost.any():
        return records
    placed = _at_visit(records.assign(_visit=_visit(records[t.VISIT_NUMBER], records[t.VISIT])), records)
    found = lost & placed[s.DAY].notna()
    label = records[t.VISIT].where(records[t.VISIT] != "", "VISITNUM " + records[t.VISIT_NUMBER])
    note = "TRDTC and TRDY empty: placed at visit " + label + " by its other TR records"
    records = records.copy()
    records.loc[found, s.DAY] = placed.loc[found, s.DAY]
    records.loc[found, s.DATE] = placed.loc[found, s.DATE]
    records.loc[found, "date_note"] = t.join_notes(note, placed["date_note"])[found]
    return records


def _supptr_location(tr: pd.DataFrame, supp: pd.DataFrame) -> pd.Series:
    """SUPPTR QNAM TRLOC joined on USUBJID + TRSEQ (IDVAR = TRSEQ)."""
    loc = supp[(supp["QNAM"].str.upper() == "TRLOC") & (supp["IDVAR"].str.upper() == "TRSEQ")]
    if "TRSEQ" not in tr.columns or loc.empty:
        return pd.Series("", index=tr.index)
    key = loc.drop_duplicates(["USUBJID", "IDVARVAL"]).set_index(["USUBJID", "IDVARVAL"])["QVAL"]
    index = pd.MultiIndex.from_arrays([tr["USUBJID"], tr["TRSEQ"]])
    return pd.Series(key.reindex(index).fillna("").to_numpy(), index=tr.index)


def _tu_lesions(tu: t.RawTable) -> pd.DataFrame:
    """Role and location of each (subject, reader, lesion) from TU; an unknown TUSTRESC is fatal, and so are
    TU records of one lesion with different roles or different locations."""
    frame = tu.frame
    role_text = frame["TUSTRESC"].str.strip().str.upper()
    role = role_text.map(ROLE_OF_TUSTRESC)
    unknown = role.isna().to_numpy()
    if unknown.any():
        value = role_text[unknown].iloc[0]
        rows = frame.loc[unknown & (role_text == value).to_numpy(), s.SOURCE_ROW].tolist()
        raise InputError(tu.source, rows, "TUSTRESC", f"{value!r} is not a lesion role; allowed: "
                                                      f"{', '.join(ROLE_OF_TUSTRESC)}")
    lesion = pd.Series(list(zip(frame["USUBJID"], _reader(frame, "TU"), frame["TULNKID"], strict=True)),
                       index=frame.index)
    # spec/anatomic.md 0.2: a lesion's role is fixed at its identification
    _one_per_lesion(tu, lesion, role, role_text, "TUSTRESC", "with several roles",
                    "a lesion keeps the role it was identified with (spec/anatomic.md 0.2)")
    location = frame.get("TULOC", pd.Series("", index=frame.index)).str.strip()
    # spec/anatomic.md 0.1: a lesion's rows agree on organ and lymph_node (io.validate refuses a user's table
    # whose rows disagree); which location is meant is not ours to pick
    _one_per_lesion(tu, lesion, location.str.upper(), location, "TULOC", "in several locations",
                    "a lesion has one location (spec/anatomic.md 0.1: its rows agree on organ and "
                    "lymph_node): keep one TULOC, or give the other lesion its own TULNKID")
    lesions = pd.DataFrame({
        "USUBJID": frame["USUBJID"], s.READER: _reader(frame, "TU"), "TRLNKID": frame["TULNKID"],
        "tu_role": role.fillna(""), "tu_role_text": role_text, "TULOC": location,
        "split_of": _split_parents(frame), "tu_row": frame[s.SOURCE_ROW],
    })
    # the location is the one given on any of the lesion's TU records (_one_per_lesion: they agree)
    located = lesions[lesions["TULOC"] != ""].drop_duplicates(["USUBJID", s.READER, "TRLNKID"])
    lesions = lesions.drop_duplicates(["USUBJID", s.READER, "TRLNKID"]).drop(columns="TULOC")
    return lesions.merge(located[["USUBJID", s.READER, "TRLNKID", "TULOC"]], how="left",
                         on=["USUBJID", s.READER, "TRLNKID"]).fillna({"TULOC": ""})


def _one_per_lesion(tu: t.RawTable, lesion: pd.Series, compared: pd.Series, shown: pd.Series, column: str,
                    several: str, rule: str) -> None:
    """TU records of one lesion (subject, evaluator, TULNKID) whose ``compared`` values differ (empty ones
    left out) are refused at those rows, naming their ``shown`` values and the ``rule`` they break."""
    given = (compared != "").to_numpy()
    values = compared[given].groupby(lesion[given], sort=False).transform("nunique")
    if not (values > 1).any():
        return
    first = lesion[given][(values > 1).to_numpy()].iat[0]
    same = given & (lesion == first).to_numpy()
    rows = tu.frame.loc[same, s.SOURCE_ROW].tolist()
    named = ", ".join(f"{value} on row {row}" for value, row in zip(shown[same], rows, strict=True))
    subject, _, lesion_id = first
    raise InputError(tu.source, rows, column,
                     f"lesion {lesion_id} of subject {subject} is identified {several} ({named}); {rule}")


def _split_parents(frame: pd.DataFrame) -> pd.Series:
    """For a TU record of a split (TUTESTCD TUSPLIT, SDTM IG TU: a fragment "T01.1" of lesion "T01"), the
    lesion it split from; "" otherwise. Its TR results are then fragments of that lesion, which add up
    (RECIST 1.1 sec. 4.3.2, spec/anatomic.md 0.4)."""
    test = frame.get("TUTESTCD", pd.Series("", index=frame.index)).str.strip().str.upper()
    parent = frame["TULNKID"].str.rsplit(".", n=1).str[0]
    subject = frame["USUBJID"] + "\0" + _reader(frame, "TU")
    known = set(zip(subject, frame["TULNKID"], strict=True))
    split = (test == SPLIT_TEST) & (parent != frame["TULNKID"]).to_numpy() & np.array(
        [(who, lesion) in known for who, lesion in zip(subject, parent, strict=True)], dtype=bool)
    return parent.where(split, "")


def _unmeasured(tu: t.RawTable, records: pd.DataFrame) -> pd.DataFrame:
    """TU records whose lesion has no TR record: nothing to assess, so reported, never dropped silently.

    ``source_row`` is then a row of the TU file, which the reason names.
    """
    frame = tu.frame
    key = ["USUBJID", s.READER, "TRLNKID"]
    lesions = pd.DataFrame({"USUBJID": frame["USUBJID"], s.READER: _reader(frame, "TU"),
                            "TRLNKID": frame["TULNKID"], s.SOURCE_ROW: frame[s.SOURCE_ROW]})
    measured = records[key].assign(**{s.READER: shared_reader(records, lesions, key)})
    measured = measured.drop_duplicates().assign(_measured=True)
    lesions = lesions.merge(measured, on=key, how="left")
    alone = lesions[lesions["_measured"].isna()]
    reasons = [f"{tu.source} row {row}: lesion {lesion} is identified in TU but has no TR record (no "
               "measurement, nothing to assess)" for row, lesion in zip(alone[s.SOURCE_ROW], alone["TRLNKID"],
                                                                         strict=True)]
    return pd.DataFrame({s.SOURCE_ROW: alone[s.SOURCE_ROW].to_numpy(), s.PATIENT: alone["USUBJID"].to_numpy(),
                         "column": "TULNKID", "reason": reasons})


def _lesion_rows(records: pd.DataFrame, tu: pd.DataFrame, source: str,
                 tu_source: str) -> tuple[pd.DataFrame, list[v.Finding], pd.DataFrame, frozenset[int]]:
    """One text row per lesion x assessment in contract columns (TR ``source``), the findings on unknown
    states and on lesions TU (``tu_source``) leaves without a role or a needed location, the DIAMETER
    records not read (:func:`_unread_diameters`), and the ``source_row`` of the lesion rows with a size
    given without a unit (``SdtmParts.unit_not_stated``)."""
    keys = ["USUBJID", s.READER, "TRLNKID", t.VISIT_NUMBER, t.VISIT, s.DATE, s.DAY]
    records = records.assign(_tu_reader=shared_reader(records, tu, ["USUBJID", s.READER, "TRLNKID"])).merge(
        tu.rename(columns={s.READER: "_tu_reader"}), on=["USUBJID", "_tu_reader", "TRLNKID"], how="left")
    records["role"] = records["tu_role"].fillna("")
    group_text = records["TRGRPID"].str.strip().str.upper()
    from_group = group_text.map(ROLE_OF_TUSTRESC).fillna("")
    by_group = (records["role"] == "") & (from_group != "")
    records["role"] = records["role"].where(~by_group, from_group)
    # NEW_CLASSES: the reader's own new-lesion class is kept in the note (nothing the user gave is lost)
    role_text = records["tu_role_text"].fillna("").where(~by_group, group_text)
    records["role_note"] = np.where(
        role_text.isin(NEW_CLASSES), np.where(by_group, "TRGRPID ", "TUSTRESC ") + role_text
        + ": read as a new lesion (the criteria classify new lesions themselves, spec/anatomic.md 4.4)", "")
    location = records["TULOC"].fillna("")
    records["location"] = location.where(location != "", records["TRLOC"]).str.strip()
    group = records.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    records["_group"] = group
    first = records.sort_values(s.SOURCE_ROW, kind="stable").drop_duplicates("_group").set_index("_group")
    first = first.sort_index()
    measures = records[records["TRTESTCD"].isin(MEASURE_TESTS)].pivot_table(
        index="_group", columns="TRTESTCD", values="value", aggfunc="first")
    measures = measures.reindex(index=first.index, columns=list(MEASURE_TESTS))
    state = records[records["TRTESTCD"] == STATE_TEST].drop_duplicates("_group").set_index("_group")
    state_text = state["TRSTRESC"].str.strip().str.upper().reindex(first.index).fillna("")
    any_text = _first_given(records, "TRSTRESC", first.index).str.strip().str.upper()
    not_done = (records["TRSTAT"] == NOT_DONE).groupby(records["_group"]).any().reindex(first.index)
    reason = _first_given(records, "TRREASND", first.index)
    result_note = _first_given(records, "result_note", first.index)
    date_note = _first_given(records, "date_note", first.index)
    node = first["location"].str.upper().str.contains("|".join(LYMPH_WORDS), regex=True)
    organ = first["location"].str.lower().where(~node, v.LYMPH_NODE_ORGAN)
    long_axis = measures["LDIAM"].where(measures["LDIAM"].notna() | node, measures["DIAMETER"])
    # a non-nodal lesion keeps its SAXIS in short_axis_mm, as a user's table keeps it (the rules read the
    # long axis of a non-nodal lesion, spec/anatomic.md 0.4): nothing is dropped
    short_axis = measures["SAXIS"].fillna(measures["LPERP"]).fillna(measures["DIAMETER"]).where(
        node, measures["SAXIS"])
    measure = short_axis.where(node, long_axis)
    unread = _unread_diameters(records, measures, node)
    # source_row: the first record of the assessment that is read, so that no lesion row points at a
    # DIAMETER record listed in Study.excluded (README "Outputs": a row is used, or listed with its reason)
    read = records[~records[s.SOURCE_ROW].isin(unread[s.SOURCE_ROW])]
    first[s.SOURCE_ROW] = read.groupby("_group")[s.SOURCE_ROW].min().reindex(first.index)
    duplicates = _duplicate_records(records, first[s.SOURCE_ROW], source)
    status, equivocal, note, findings = _status(first["role"], state_text, any_text, measure, not_done,
                                                reason, first[s.SOURCE_ROW], source)
    findings += _node_without_short_axis(first, node & short_axis.isna() & measures["LDIAM"].notna()
                                         & (state_text == "") & ~not_done, measures["LDIAM"], source)
    split_of = first["split_of"].fillna("")
    split_note = ("fragment " + first["TRLNKID"] + " of split lesion " + split_of + " (TUSPLIT)").where(
        split_of != "", "")
    note = t.join_notes(note, split_note, first["role_note"])
    lesion = first["TRLNKID"].where(split_of == "", split_of)
    rows = pd.DataFrame({
        s.PATIENT: first["USUBJID"], s.READER: first[s.READER], "accepted": first["accepted"],
        s.DAY: first[s.DAY], s.DATE: first[s.DATE], s.LESION: lesion, s.ROLE: first["role"],
        s.ORGAN: organ, s.LYMPH_NODE: np.where(node, "true", "false"),
        s.LONG_AXIS: [_text(x) for x in long_axis], s.SHORT_AXIS: [_text(x) for x in short_axis],
        s.PERPENDICULAR: [_text(x) for x in measures["LPERP"]], s.STATUS: status,
        s.EQUIVOCAL: np.where(equivocal, "true", "false"), "note": t.join_notes(note, date_note, result_note),
        t.VISIT: first[t.VISIT], t.VISIT_NUMBER: first[t.VISIT_NUMBER], s.SOURCE_ROW: first[s.SOURCE_ROW],
    })
    findings = duplicates + findings
    missing_role = (rows[s.ROLE] == "").to_numpy()
    if missing_role.any():
        findings.append(v.Finding(InputError(source, rows.loc[missing_role, s.SOURCE_ROW].tolist(), "TRLNKID",
                                             _no_role(rows[missing_role].iloc[0], tu, tu_source))))
    unplaced = v.organ_needed(rows) & (rows[s.ORGAN] == "").to_numpy()
    if unplaced.any():  # as a user's lesion table (io.validate.check_lesion_cells)
        tu_rows = sorted({int(r) for r in first.loc[unplaced, "tu_row"].dropna()})
        findings.append(v.Finding(InputError(
            tu_source, tu_rows, "TULOC",
            f"target lesion {rows.loc[unplaced, s.LESION].iloc[0]} has no location (TULOC empty, and no "
            f"SUPPTR TRLOC for its TR records, {source} rows "
            f"{', '.join(map(str, rows.loc[unplaced, s.SOURCE_ROW]))}): RECIST 1.1 sec. 4.2 counts target "
            "lesions per organ")))
    unit_not_stated = records.loc[records["unit_not_stated"], "_group"].unique()
    unstated_rows = frozenset(int(r) for r in first.loc[unit_not_stated, s.SOURCE_ROW])
    return rows.sort_values(s.SOURCE_ROW).reset_index(drop=True), findings, unread, unstated_rows


def _unread_diameters(records: pd.DataFrame, measures: pd.DataFrame, node: pd.Series) -> pd.DataFrame:
    """DIAMETER records beside the axis that is read instead: LDIAM of a non-nodal lesion, SAXIS (else
    LPERP) of a node (module docstring: DIAMETER fills an axis only without these). Listed in
    ``Study.excluded`` with that reason (README "Outputs": rows not used, each with its reason)."""
    read_instead = pd.Series(np.where(node, np.where(measures["SAXIS"].notna(), "SAXIS", "LPERP"), "LDIAM"),
                             index=measures.index)
    axis = pd.Series(np.where(node, "short", "long"), index=measures.index)
    beside = measures["DIAMETER"].notna() & np.where(
        node, measures["SAXIS"].notna() | measures["LPERP"].notna(), measures["LDIAM"].notna())
    diameter = records[(records["TRTESTCD"] == "DIAMETER") & records["_group"].map(beside).to_numpy()]
    diameter = diameter.sort_values(s.SOURCE_ROW, kind="stable")
    instead = diameter["_group"].map(read_instead)
    reasons = ("DIAMETER beside " + instead + ": " + instead + " is the " + diameter["_group"].map(axis)
               + " axis read (lesion " + diameter["TRLNKID"] + ")")
    return pd.DataFrame({s.SOURCE_ROW: diameter[s.SOURCE_ROW].to_numpy(),
                         s.PATIENT: diameter["USUBJID"].to_numpy(), "column": "TRTESTCD",
                         "reason": reasons.to_numpy()})


def _node_without_short_axis(first: pd.DataFrame, unmeasured: pd.Series, long_axis: pd.Series,
                             source: str) -> list[v.Finding]:
    """Lymph-node assessments measured (LDIAM) with no short axis (no SAXIS, LPERP or DIAMETER) and no
    state: refused at their TR row, never made not_evaluable (spec/anatomic.md 0.4: a present node's value
    is short_axis_mm; "Missing measurement: InputError naming the column")."""
    if not unmeasured.any():
        return []
    example = first[unmeasured].iloc[0]
    return [v.Finding(InputError(
        source, first.loc[unmeasured, s.SOURCE_ROW].tolist(), "TRTESTCD",
        f"lymph-node lesion {example['TRLNKID']} of {example['USUBJID']} is measured (LDIAM "
        f"{long_axis[unmeasured].iloc[0]:g} mm) without a short axis: give its TRTESTCD SAXIS record (or "
        "LPERP / DIAMETER, read as the short axis); RECIST 1.1 sec. 3.1.1 measures a node by its short "
        "axis"))]


def shared_reader(records: pd.DataFrame, others: pd.DataFrame, key: list[str]) -> pd.Series:
    """The reader of each of ``records`` where ``others`` has its ``key`` (which holds the reader), else "":
    records without an evaluator (--EVAL / --EVALID empty) stand for every reader. So a TU record without
    TUEVAL identifies the lesion for every reader of TR, and an RS record of an evaluator is placed and
    compared with the TR records and calls read without one (SDTM IG TU / TR / RS)."""
    own = pd.MultiIndex.from_frame(records[key]).isin(pd.MultiIndex.from_frame(others[key]))
    return records[s.READER].where(own, "")


def _no_role(row: pd.Series, tu: pd.DataFrame, tu_source: str) -> str:
    """Why lesion row ``row`` has no role: no TU record, or TU records of other evaluators only."""
    lesion = row[s.LESION]
    others = tu.loc[(tu["USUBJID"] == row[s.PATIENT]) & (tu["TRLNKID"] == lesion), s.READER]
    if others.empty:
        return f"no TU record (TULNKID) and no TRGRPID gives the role of lesion {lesion}"
    reader = row[s.READER] or "the TR records without an evaluator"
    return (f"lesion {lesion} of {row[s.PATIENT]} is identified in {tu_source} (TULNKID) for evaluator(s) "
            f"{', '.join(sorted(others))} only, not for {reader}, and no TRGRPID gives its role; give it "
            "a TU record of that evaluator (TUEVAL / TUEVALID), or one without evaluator (for every reader)")


def _duplicate_records(records: pd.DataFrame, lesion_row: pd.Series, source: str) -> list[v.Finding]:
    """Two records of one test for one lesion at one visit. Identical: the extra one is reported (and
    left out with ``on_invalid="exclude"``); different: the lesion's assessment is refused, or left out
    whole, never decided by the first record (spec/anatomic.md 0.4; nothing is dropped silently)."""
    tested = records[records["TRTESTCD"].isin([*MEASURE_TESTS, STATE_TEST])]
    repeated = tested[tested.duplicated(["_group", "TRTESTCD"], keep=False)]
    findings = []
    for (group, test), part in repeated.groupby(["_group", "TRTESTCD"], sort=False):
        part = part.sort_values(s.SOURCE_ROW)
        rows = part[s.SOURCE_ROW].astype(int).tolist()
        lesion = f"{test} of lesion {part['TRLNKID'].iloc[0]} ({part['USUBJID'].iloc[0]})"
        if part[["TRSTRESC", "value"]].astype(str).nunique().max() == 1:
            message = f"identical duplicate of row {rows[0]}: {lesion} recorded twice; keep one record"
            findings.append(v.Finding(InputError(source, rows[1:], "TRTESTCD", message)))
            continue
        values = ", ".join(part["TRSTRESC"].astype(str))
        message = (f"{lesion} recorded {len(rows)} times at one visit with different results ({values}); "
                   "one record per lesion, test and visit")
        exclude = (*rows, int(lesion_row.loc[group]))
        findings.append(v.Finding(InputError(source, rows, "TRTESTCD", message), exclude_rows=exclude))
    return findings


def _first_given(records: pd.DataFrame, column: str, groups: pd.Index) -> pd.Series:
    """First non-empty value of ``column`` in each record group ("" when none)."""
    given = records[records[column] != ""].drop_duplicates("_group").set_index("_group")[column]
    return given.reindex(groups).fillna("").astype(object)


def _text(value: float) -> str:
    return repr(float(value)) if np.isfinite(value) else ""


def _status(role: pd.Series, state: pd.Series, text: pd.Series, measure: pd.Series, not_done: pd.Series,
            reason: pd.Series, source_rows: pd.Series, source: str
            ) -> tuple[pd.Series, np.ndarray, pd.Series, list[v.Finding]]:
    """Status, equivocal flag and note of each lesion assessment (spec/anatomic.md 0.3)."""
    status = pd.Series("", index=role.index, dtype=object)
    equivocal = np.zeros(len(role), dtype=bool)
    label = state.where(state != "", text.where(~text.str.match(r"^[0-9.]+$"), ""))
    for value, by_role in TUMSTATE_STATUS.items():
        hit = (label == value).to_numpy()
        for lesion_role in (*[r for r in by_role if r != "*"], "*"):
            applies = (role == lesion_role) if lesion_role != "*" else (status == "")
            chosen = hit & applies.to_numpy()
            mapped, is_equivocal = by_role[lesion_role]
            status = status.mask(chosen, mapped)
            equivocal |= chosen & is_equivocal
    measured = status.eq("") & measure.notna()
    status = status.mask(measured & (measure == 0), s.Status.ABSENT.value)
    status = status.mask(measured & (measure > 0), s.Status.PRESENT.value)
    findings = []
    unknown = status.eq("") & (label != "")
    for value in pd.unique(label[unknown]):
        rows = source_rows[unknown & (label == value)].tolist()
        findings.append(v.Finding(InputError(source, rows, "TRSTRESC",
                                             f"{value!r} is not a tumour state; allowed: "
                                             f"{', '.join(TUMSTATE_STATUS)} (or a number in mm)")))
    note = pd.Series("", index=role.index, dtype=object)
    empty = status.eq("") & ~unknown
    why = reason.where(reason.str.strip() == "", ": " + reason)  # TRREASND, when given
    note = note.mask(empty & not_done, "TRSTAT NOT DONE" + why)
    note = note.mask(empty & ~not_done, t.EMPTY_VALUE_NOTE)
    status = status.mask(empty, s.Status.NOT_EVALUABLE.value)
    return status, equivocal, note, findings


def _patients(tables: dict[str, t.RawTable]) -> pd.DataFrame:
    """One row per USUBJID with treatment_start (DM.RFSTDTC, else derived from dated study days)."""
    subjects = sorted(pd.unique(tables["tr"].frame["USUBJID"]))
    start = pd.Series("", index=pd.Index(subjects, name=s.PATIENT), dtype=object)
    if "dm" in tables and "RFSTDTC" in tables["dm"].frame.columns:
        dm = tables["dm"].frame.drop_duplicates("USUBJID").set_index("USUBJID")
        iso, _, _ = t.parse_dates(dm["RFSTDTC"].str.slice(0, 10))
        iso = iso.where(dm["RFSTDTC"].str.len() >= 10, "")
        start = iso.reindex(start.index).fillna("")
    derived = _start_from_study_days(tables)
    start = start.where(start != "", derived.reindex(start.index).fillna(""))
    table = pd.DataFrame({s.PATIENT: start.index, "treatment_start": start.to_numpy()})
    if "dm" in tables:
        dm = tables["dm"].frame.drop_duplicates("USUBJID").set_index("USUBJID")
        for variable, column in DM_PATIENT_COLUMNS.items():
            if variable in dm.columns:
                table[column] = dm[variable].reindex(table[s.PATIENT]).fillna("").to_numpy()
    return table


def _start_from_study_days(tables: dict[str, t.RawTable]) -> pd.Series:
    """First-dose date = date - (DY - 1) from the complete-dated record with the smallest |DY|."""
    pieces = []
    for domain, prefix in (("tr", "TR"), ("tu", "TU"), ("rs", "RS")):
        frame = tables[domain].frame if domain in tables else None
        if frame is None or f"{prefix}DY" not in frame or f"{prefix}DTC" not in frame:
            continue
        study_day = _study_days(tables[domain], frame, f"{prefix}DY")
        dated = ((frame[f"{prefix}DTC"].str.len() >= 10) & np.isfinite(study_day)).to_numpy()
        pieces.append(pd.DataFrame({"USUBJID": frame.loc[dated, "USUBJID"],
                                    "date": frame.loc[dated, f"{prefix}DTC"].str.slice(0, 10),
                                    "dy": study_day[dated]}))
    if not pieces:
        return pd.Series(dtype=object)
    both = pd.concat(pieces, ignore_index=True)
    both = both.assign(distance=both["dy"].abs()).sort_values(["USUBJID", "distance", "dy"], kind="stable")
    best = both.drop_duplicates("USUBJID").set_index("USUBJID")
    offset = np.where(best["dy"] > 0, best["dy"] - 1, best["dy"])
    first_dose = pd.to_datetime(best["date"], format="%Y-%m-%d", errors="coerce")
    start = first_dose - pd.to_timedelta(offset, unit="D")
    return start.dt.strftime("%Y-%m-%d").fillna("")


def _recorded(rs: t.RawTable, patients: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """Overall-response records of RS (the readers' own calls), normalised (RECIST 1.1 sec. 4.4), each
    placed at its visit's TR assessment (of TR ``records``) where there is one."""
    frame = rs.frame
    _require(rs, ("USUBJID", "RSTESTCD"))
    overall = frame[_overall(frame)]
    # SDTMIG RS: the standardised result RSSTRESC is read; where it is empty the collected RSORRES is, with
    # a note (as TRORRES in TR)
    standard = overall.get("RSSTRESC", pd.Series("", index=overall.index)).str.strip()
    original = overall.get("RSORRES", pd.Series("", index=overall.index)).str.strip()
    from_original = (standard == "") & (original != "")
    value = standard.where(~from_original, original).str.upper()
    variable = pd.Series(np.where(from_original, "RSORRES ", "RSSTRESC "), index=overall.index)
    original_note = pd.Series(np.where(from_original, "RSSTRESC empty: RSORRES " + original + " read", ""),
                              index=overall.index)
    response = value.map(RESPONSE_OF_RSSTRESC).fillna("")
    not_done = overall.get("RSSTAT", pd.Series("", index=overall.index)).str.upper() == NOT_DONE
    response = response.mask(not_done & (value == ""), s.Response.NE.value)
    no_response = (response == "") & (value != "")
    note = pd.Series("", index=overall.index, dtype=object).mask(
        no_response, variable + value + " is not a response category; not compared")
    category = overall.get("RSCAT", pd.Series("", index=overall.index)).fillna("")
    criterion = category.str.upper().str.replace(r"[^0-9A-Z]", "", regex=True).map(CRITERION_OF_RSCAT)
    note = t.join_notes(note, pd.Series(np.where(
        criterion.isna(), "RSCAT " + category + " is not a criterion ioresponse assesses; not compared", ""),
        index=overall.index))
    # the two reasons a record is not compared are worded apart (README "CDISC SDTM folders": a value that
    # is not a response, or a category not assessed, stays in recorded with a note)
    kept = []
    if no_response.any():
        kept.append(f"{int(no_response.sum())} overall-response record(s) hold values that are not response "
                    "categories "
                    f"({', '.join(sorted(pd.unique(value[no_response])))}), kept with an empty "
                    "recorded_response")
    if criterion.isna().any():
        kept.append(f"{int(criterion.isna().sum())} overall-response record(s) are of categories (RSCAT) "
                    "ioresponse does not assess "
                    f"({', '.join(sorted(pd.unique(category[criterion.isna()])))}), kept with an empty "
                    "criterion")
    if kept:
        warnings.warn(RecordedValueWarning(
            f"{rs.source}: {'; '.join(kept)}; not compared"), stacklevel=5)
    study_day, rsdtc, visit_note = _rs_at_visit(rs, overall, records)
    first_dose = patients.set_index(s.PATIENT)["treatment_start"]
    dated, dy_note = _dated(rsdtc, study_day, overall["USUBJID"], first_dose, "RS")
    iso, date_note, bad_date = t.parse_dates(dated)
    if bad_date.any():
        raise InputError(rs.source, overall.loc[bad_date, s.SOURCE_ROW].tolist(), "RSDTC",
                         f"{dated[bad_date].iloc[0]!r} is not an ISO 8601 date (YYYY-MM-DD, or partial "
                         "YYYY-MM)")
    date_note = t.join_notes(dy_note, date_note)
    day = t.parse_float(study_day)[0]
    start = overall["USUBJID"].map(first_dose).fillna("")
    day = np.where(np.isfinite(day), day, t.days_between(iso, start))
    table = pd.DataFrame({
        s.PATIENT: overall["USUBJID"], s.READER: _reader(overall, "RS"),
        s.DAY: pd.array([int(d) if np.isfinite(d) else None for d in day], dtype="Int64"),
        s.DATE: iso, "visit": overall.get("VISIT", ""), "recorded_response": response,
        s.SOURCE_ROW: overall[s.SOURCE_ROW].astype(np.int64),
        "accepted": _accepted(overall, "RS") == "true", "category": category,
        "criterion": criterion.fillna(""),
        "note": t.join_notes(original_note, note, visit_note, date_note),
    })
    return table.sort_values([s.PATIENT, s.READER, s.DAY, s.SOURCE_ROW], kind="stable").reset_index(drop=True)


def _overall(rs: pd.DataFrame) -> pd.Series:
    """The RS records of an overall response (RSTESTCD in :data:`OVERALL_RESPONSE_TESTS`, any case)."""
    return rs["RSTESTCD"].str.strip().str.upper().isin(OVERALL_RESPONSE_TESTS)


def _other_rs_tests(rs: t.RawTable) -> pd.DataFrame:
    """RS records of a test other than the overall response (TRGRESP, NTRGRESP, NEWLPROG, BESTRSP, ...):
    not compared (the criteria compute the components and the best response themselves), so listed in
    ``Study.excluded`` with the test named (README "Outputs": rows not used, each with its reason; nothing
    is dropped silently). ``source_row`` is then a row of the RS file, which the reason names."""
    frame = rs.frame
    test = frame["RSTESTCD"].str.strip().str.upper()
    other = frame[~_overall(frame)]
    named = test[other.index].where(test[other.index] != "", "empty")
    reasons = (rs.source + " row " + other[s.SOURCE_ROW].astype(str) + ": RS RSTESTCD " + named
               + f": not an overall response ({', '.join(OVERALL_RESPONSE_TESTS)}), not compared")
    return pd.DataFrame({s.SOURCE_ROW: other[s.SOURCE_ROW].to_numpy(), s.PATIENT: other["USUBJID"].to_numpy(),
                         "column": "RSTESTCD", "reason": reasons.to_numpy()})


def _rs_at_visit(rs: t.RawTable, overall: pd.DataFrame,
                 records: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Contract day (text), date and note of each RS record: an RS record is the call of its visit, so the
    TR assessment of the same subject, reader (or of TR read without an evaluator, :func:`shared_reader`)
    and visit (VISITNUM, else VISIT; :func:`_at_visit`) places it, with a note where that moves it (README
    Input: each OVRLRESP is compared with the computed call of its visit); only without one, or when the
    visit has TR assessments on several dates (which one is meant is then not ours to pick), do its own
    RSDY and RSDTC place it."""
    blank = pd.Series("", index=overall.index)
    rsdtc, rsdy = overall.get("RSDTC", blank), overall.get("RSDY", blank)
    number, name = overall.get("VISITNUM", blank), overall.get("VISIT", blank)
    study_day = _sdtm_day(rs, overall, "RSDY")
    keys = pd.DataFrame({"USUBJID": overall["USUBJID"], s.READER: _reader(overall, "RS"),
                         "_visit": _visit(number, name)})
    keys[s.READER] = shared_reader(keys, records, ["USUBJID", s.READER])
    placed = _at_visit(keys, records)
    found = placed["assessments"] == 1
    moved = found & ((placed[s.DAY] != study_day) | (placed[s.DATE] != rsdtc.str.slice(0, 10)))
    label = name.where(name != "", "VISITNUM " + number)
    own = "RSDTC " + rsdtc.where(rsdtc != "", "empty") + ", RSDY " + rsdy.where(rsdy != "", "empty")
    note = own + ": placed at visit " + label + " by its TR records (" + placed[s.DATE].fillna("") + ")"
    note = t.join_notes(note.where(moved, ""), placed["date_note"].where(moved, "").fillna(""))
    return study_day.where(~found, placed[s.DAY]), rsdtc.where(~found, placed[s.DATE]), note
