"""A false-refusal audit of the tables ``ioresponse patterns`` and ``ioresponse assess`` read beside the
lesion table: valid data that a clinician or a trial data manager really writes must be accepted.

The side tables (``--visits``, ``--events``, ``--findings``, ``--samples``) and the patient table's
biomarker and reference-scan columns are checked when read (README "Atypical patterns, irAE look-alikes
and biomarkers"; spec/patterns.md 0.1, 0.2, 0.5, 2.3 H7, 5.3, 5.4, 6.2-6.4; spec/anatomic.md 0). Each
case below changes the valid inputs of tests/patterns/test_pattern_inputs_fuzz.py (typed again here) into
another valid spelling of the same data, or into a valid edge case the spec or clinical practice allows:

- visits: ECOG 0 and 4 (spec 0.5: 0-4), a visit on day 0, day and date both given and agreeing, header
  spellings (README: "input headers may use another spelling of the contract names"), blank lines,
  patients without lesions or without a follow-up scan;
- events: the ``diagnosis`` or ``term`` column (README), grades empty, 1, 3 and 5 (CTCAE 1-5), quoted
  commas, case, an event on day 0;
- findings: the aliases of ``ioresponse/data/organ_vocabulary.csv`` and the words of spec 5.3 in other
  cases and with spaces or hyphens, each alias on a new row that must raise the rule of spec 5.4 by hand,
  SUVmax 0, empty sizes, findings on or before day 0 (no flag, no refusal), words of a user's rule table
  (Python API);
- samples: the IL-8 spellings, values 0 and 40.0, repeated identical rows, another unit text (not
  evaluable, spec 6.4 "same unit required"), dates instead of days, other analytes;
- the patient table: PD-L1 0 and 100 and 50.0, TMB 0, MSI/MMR spellings, booleans as yes/no/1/0,
  ``line_of_therapy`` "2.0" (read as the whole number 2 of spec 6.2, as a numeric export writes it),
  the reference scan both empty, both given and agreeing, or with a partial date (imputed mid-month,
  io.tables), ``last_contact_date``;
- file formats: CRLF line ends, a UTF-8 byte-order mark, Excel workbooks with date and number cells,
  Parquet files with typed columns (README: CSV, Parquet, Excel).

Every case asserts exit code 0 and no traceback from every command run (``patterns``; and ``assess`` for a
case on the patient table), then, per case:

- ``same``: every output equal to the unmutated run's (finding ids and ``source_row`` aside);
- ``same_flags``: the same pattern and irAE flags (the values may show the user's spelling);
- ``accept``: exit 0, and the hand-worked check of the case (spec arithmetic, e.g. IL-8 22 / 40 = 0.55).

Expected values come from the spec, the README or hand arithmetic, never from the program's output on the
mutated input. A valid input the program refuses is kept here, marked ``xfail(strict=True)`` with what
happens now and where in src/.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import ioresponse
from ioresponse.patterns import irae
from ioresponse.patterns._study import SideTableWarning

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))  # the CLI test helpers (tests/cli)
from _cli import cli, flat  # noqa: E402
from side_tables_example import EVENTS, FINDINGS, LESIONS, PATIENTS, SAMPLES, STARTS, VISITS  # noqa: E402

# ---------------------------------------------------------------------------------------------
# The valid inputs (tests/patterns/side_tables_example.py: file rows and hand-worked values noted there)
from test_pattern_inputs_fuzz import (  # noqa: E402  (its output readers)
    ASSESS_OUTPUTS,
    PATTERN_OUTPUTS,
    assert_same,
    read_outputs,
)

BASE = {"lesions.csv": LESIONS, "patients.csv": PATIENTS, "visits.csv": VISITS, "events.csv": EVENTS,
        "findings.csv": FINDINGS, "samples.csv": SAMPLES, "starts.csv": STARTS}
V, E, F, S, PT = "visits.csv", "events.csv", "findings.csv", "samples.csv", "patients.csv"
OPTION = {V: "--visits", E: "--events", F: "--findings", S: "--samples"}
SIDE_DEFINITIONS = {V: "hpd.lo_russo2019", E: "irae", F: "irae", S: "biomarkers"}
"""The patterns that read each side table (the ``--definitions`` of a case on it)."""

# ---------------------------------------------------------------------------------------------
# Edits of a CSV text (rows are file rows, header = row 1)

Edit = Callable[[str], "str | bytes"]


def _rows(text: str) -> list[list[str]]:
    return [list(row) for row in csv.reader(io.StringIO(text))]


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def cell(row: int, column: str, value: str) -> Edit:
    def edit(text: str) -> str:
        rows = _rows(text)
        rows[row - 1][rows[0].index(column)] = value
        return _csv(rows)
    return edit


def column_values(column: str, mapping: dict[str, str]) -> Edit:
    """Every cell of ``column`` holding a key of ``mapping`` replaced by its value."""
    def edit(text: str) -> str:
        rows = _rows(text)
        at = rows[0].index(column)
        for row in rows[1:]:
            row[at] = mapping.get(row[at], row[at])
        return _csv(rows)
    return edit


def rename(**names: str) -> Edit:
    def edit(text: str) -> str:
        rows = _rows(text)
        rows[0] = [names.get(c, c) for c in rows[0]]
        return _csv(rows)
    return edit


def add_column(name: str, *values: str) -> Edit:
    def edit(text: str) -> str:
        rows = _rows(text)
        return _csv([[*rows[0], name]] + [[*row, v] for row, v in zip(rows[1:], values, strict=True)])
    return edit


def drop_column(name: str) -> Edit:
    def edit(text: str) -> str:
        rows = _rows(text)
        at = rows[0].index(name)
        return _csv([row[:at] + row[at + 1:] for row in rows])
    return edit


def append(*lines: str) -> Edit:
    """Lines of CSV text added at the end of the table."""
    return lambda text: text + "".join(f"{line}\n" for line in lines)


def insert_line(after_row: int, line: str) -> Edit:
    def edit(text: str) -> str:
        lines = text.splitlines(keepends=True)
        return "".join([*lines[:after_row], f"{line}\n", *lines[after_row:]])
    return edit


def replaced(new_text: str) -> Edit:
    return lambda text: new_text


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def bom(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def chain(*edits: Edit) -> Edit:
    def edit(text: str) -> str | bytes:
        for one in edits:
            text = one(text)
        return text
    return edit


# ---------------------------------------------------------------------------------------------
# Other file formats: the (edited) table written as a workbook or a Parquet file with typed cells


Columns = tuple[str, ...]


def _typed(text: str, dates: Columns, numbers: Columns, bools: Columns) -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for column in dates:
        frame[column] = pd.to_datetime(frame[column].where(frame[column] != ""), format="%Y-%m-%d")
    for column in numbers:
        frame[column] = pd.to_numeric(frame[column].where(frame[column] != ""))
    for column in bools:
        frame[column] = frame[column].map({"true": True, "false": False, "": None}).astype(object)
    return frame


def as_excel(dates: Columns = (), numbers: Columns = (), bools: Columns = ()) -> Callable[[str, Path], None]:
    """An .xlsx workbook of one sheet: date, number and TRUE/FALSE cells, empty cells left empty."""
    def write(text: str, path: Path) -> None:
        frame = _typed(text, dates, numbers, bools).astype(object)
        frame = frame.where(frame.notna() & (frame != ""), None)
        frame.to_excel(path, index=False, sheet_name="data")
    return write


def as_parquet(dates: Columns = (), numbers: Columns = (), bools: Columns = ()
               ) -> Callable[[str, Path], None]:
    """A Parquet file: datetime64 dates, int64 / float64 numbers (NaN when empty), booleans (None when
    empty), text columns."""
    def write(text: str, path: Path) -> None:
        _typed(text, dates, numbers, bools).to_parquet(path, index=False)
    return write


# ---------------------------------------------------------------------------------------------
# Cases and how they run


@dataclass(frozen=True)
class Case:
    table: str  # the table (key of BASE) under test: its option and its definitions are used
    edits: tuple[tuple[str, Edit], ...]  # (file, edit), the table under test and any other
    expect: str  # same | same_flags | accept
    check: Callable[[Path], None] | None = None  # more checks of the patterns run (its --out)
    writer: Callable[[str, Path], None] | None = None  # the table under test in another format
    suffix: str = ".csv"


def case(table: str, id_: str, edit: Edit | None, expect: str = "same", *,
         check: Callable[[Path], None] | None = None, also: tuple[tuple[str, Edit], ...] = (),
         writer: Callable[[str, Path], None] | None = None, suffix: str = ".csv", xfail: str = ""):
    """A case on ``table``; ``also`` edits other tables of the same run (a patient added to both)."""
    edits = ((table, edit),) if edit is not None else ()
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    stem = table.removesuffix(".csv")
    return pytest.param(Case(table, (*edits, *also), expect, check, writer, suffix), id=f"{stem}-{id_}",
                        marks=marks)


def _full(table: str) -> bool:
    return table in ("lesions.csv", PT)


def write_inputs(folder: Path, case_: Case | None) -> dict[str, Path]:
    """Every input file of the run; returns the path of each table by its BASE name."""
    edits: dict[str, list[Edit]] = {}
    for name, edit in case_.edits if case_ is not None else ():
        edits.setdefault(name, []).append(edit)
    paths = {}
    for name, text in BASE.items():
        content: str | bytes = text
        for edit in edits.get(name, []):
            content = edit(content)
        path = folder / name
        if case_ is not None and name == case_.table and case_.writer is not None:
            path = folder / (name.removesuffix(".csv") + case_.suffix)
            case_.writer(content, path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        paths[name] = path
    return paths


def patterns_args(folder: Path, paths: dict[str, Path], table: str) -> list:
    args: list = ["patterns", paths["lesions.csv"], "--out", folder / "out"]
    if _full(table):
        return [*args, "--criteria", "recist11,irecist", "--patients", paths[PT]]
    return [*args, "--criteria", "recist11", "--patients", paths["starts.csv"], OPTION[table], paths[table],
            "--definitions", SIDE_DEFINITIONS[table]]


def assess_args(folder: Path, paths: dict[str, Path]) -> list:
    return ["assess", paths["lesions.csv"], "--out", folder / "assessed", "--format", "csv",
            "--criteria", "recist11,irecist", "--patients", paths[PT]]


def assert_accepted(result) -> None:
    assert result.exit_code == 0, (result.exit_code, repr(result.exception), flat(result)[-1500:])
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def unmutated(tmp_path_factory):
    """The outputs of each command on the valid inputs, per table scope, computed once."""
    cache: dict[tuple[str, str], dict[str, pd.DataFrame]] = {}

    def outputs(command: str, table: str) -> dict[str, pd.DataFrame]:
        key = (command, "full" if _full(table) else table)
        if key not in cache:
            folder = tmp_path_factory.mktemp(f"valid_{command}_{key[1].replace('.', '_')}")
            paths = write_inputs(folder, None)
            if command == "patterns":
                result = cli(*patterns_args(folder, paths, table))
                cache[key] = read_outputs(folder / "out", PATTERN_OUTPUTS)
            else:
                result = cli(*assess_args(folder, paths))
                cache[key] = read_outputs(folder / "assessed", ASSESS_OUTPUTS)
            assert result.exit_code == 0, result.output
        return cache[key]

    return outputs


# ---------------------------------------------------------------------------------------------
# Hand-worked checks of an accepted run


def _frame(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)


def flag(patient: str, definition: str, expected: str) -> Callable[[Path], None]:
    """The patterns.csv flag of one patient and definition."""
    def check(out: Path) -> None:
        frame = _frame(out, "patterns")
        got = frame.loc[(frame["patient_id"] == patient) & (frame["definition"] == definition), "flag"]
        assert list(got) == [expected], (patient, definition, list(got))
    return check


def hpd_values(patient: str, definition: str, **expected: object) -> Callable[[Path], None]:
    """Numbers of an HPD row's ``values``; ``c1`` ... ``c5`` are Lo Russo's criteria (spec 2.3 H7)."""
    def check(out: Path) -> None:
        frame = _frame(out, "patterns")
        row = frame[(frame["patient_id"] == patient) & (frame["definition"] == definition)]
        assert len(row) == 1, (patient, definition, len(row))
        values = json.loads(row["values"].iloc[0])
        values |= values.get("criteria", {})
        assert {k: values.get(k) for k in expected} == expected, values
    return check


def irae_flags(patient: str, day: int, *rule_ids: str) -> Callable[[Path], None]:
    """Exactly these irAE look-alike rules fire for the patient on the day (spec 5.4, by hand)."""
    def check(out: Path) -> None:
        frame = _frame(out, "irae_flags")
        mine = frame[(frame["patient_id"] == patient) & (frame["day"] == str(day))]
        assert sorted(mine["rule_id"]) == sorted(rule_ids), frame[["patient_id", "day", "rule_id"]]
    return check


def event_on(patient: str, day: int) -> Callable[[Path], None]:
    """A recorded clinical event of the patient on the day, shown in the patterns table."""
    def check(out: Path) -> None:
        frame = _frame(out, "patterns")
        mine = frame[(frame["patient_id"] == patient) & (frame["definition"] == "clinical_event")]
        assert list(mine["day"]) == [str(day)] and list(mine["flag"]) == ["true"], mine
    return check


def il8(patient: str, *expected: tuple[int, float | None, str]) -> Callable[[Path], None]:
    """The patient's IL-8 rows: (day, ratio to baseline or None, direction) (spec 6.4)."""
    def check(out: Path) -> None:
        frame = _frame(out, "il8")
        mine = frame[frame["patient_id"] == patient]
        got = [(int(d), None if r == "" else float(r), w)
               for d, r, w in zip(mine["day"], mine["il8_ratio"], mine["direction"], strict=True)]
        assert len(got) == len(expected), got
        for (day, ratio, direction), (want_day, want, want_direction) in zip(got, expected, strict=True):
            assert (day, direction) == (want_day, want_direction), got
            assert (ratio is None) if want is None else ratio == pytest.approx(want, abs=5e-4)
    return check


def biomarker(patient: str, rule_id: str, meets: str | None) -> Callable[[Path], None]:
    """The biomarkers.csv line of a patient and rule (``None``: no line, the context does not match)."""
    def check(out: Path) -> None:
        frame = _frame(out, "biomarkers")
        got = frame.loc[(frame["patient_id"] == patient) & (frame["rule_id"] == rule_id), "meets_cutoff"]
        assert list(got) == ([] if meets is None else [meets]), (patient, rule_id, list(got))
    return check


def every(*checks: Callable[[Path], None]) -> Callable[[Path], None]:
    def check(out: Path) -> None:
        for one in checks:
            one(out)
    return check


# ---------------------------------------------------------------------------------------------
# The cases

VISIT_CASES = [
    # ECOG 0-4 (spec 0.5); Lo Russo criterion 5 = an ECOG on days 1-60 >= 2 and above the baseline ECOG,
    # the latest on or before day 0 (spec 2.3 H7, default "worsens_to_2_or_more")
    case(V, "ecog-0-row3", cell(3, "ecog", "0"), "accept",  # H1 1 -> 0
         check=hpd_values("H1", "hpd.lo_russo2019", c5=False)),
    case(V, "ecog-4-row3", cell(3, "ecog", "4"), "accept",  # H1 1 -> 4
         check=hpd_values("H1", "hpd.lo_russo2019", c5=True)),
    # a visit on day 0 (the first dose) is the baseline visit (H7 "on or before day 0")
    case(V, "visit-on-day-0-row6", cell(6, "date", "2021-03-01"), "same"),
    # time: day and date agreeing, a day on some rows and a date on others, spaces around a date
    case(V, "day-and-date-agree", add_column("day", "-5", "37", "-4", "42", "-3", "50"), "same"),
    case(V, "day-or-date-per-row", replaced("patient_id,day,date,ecog\nH1,-5,,1\nH1,,2021-02-10,3\n"
                                            "R2,-4,,0\nR2,,2021-03-15,0\nP3,-3,,1\nP3,50,,1\n"), "same"),
    case(V, "date-with-spaces-row3", cell(3, "date", "  2021-02-10 "), "same"),
    # header spellings (README: "input headers may use another spelling of the contract names")
    case(V, "header-ECOG", rename(ecog="ECOG"), "same"),
    case(V, "header-Patient-ID-Date", rename(patient_id="Patient ID", date="Date"), "same"),
    # blank lines (README: counted, and skipped), an identical row twice
    case(V, "blank-trailing-line", append(""), "same"),
    case(V, "blank-line-after-row3", insert_line(3, ""), "same"),
    case(V, "duplicate-identical-visit", append("H1,2021-02-10,3"), "same"),
    # patients: with visits but no lesion row (in the patient table), without a follow-up scan, or not in
    # the study (README: left out with a warning)
    case(V, "patient-without-lesions", append("Q5,2021-05-01,0", "Q5,2021-06-01,1"), "accept",
         also=(("starts.csv", append("Q5,2021-05-03")),),
         check=hpd_values("H1", "hpd.lo_russo2019", c5=True)),
    case(V, "patient-without-follow-up-scan", append("B6,2021-04-30,1", "B6,2021-05-20,2"), "accept",
         also=(("starts.csv", append("B6,2021-05-03")),
               ("lesions.csv", append("B6,-4,G,target,liver,false,30,,present"))),
         check=hpd_values("H1", "hpd.lo_russo2019", c5=True)),
    case(V, "patient-not-in-study", append("Z9,2021-02-10,1"), "same"),
    # file formats
    case(V, "crlf", crlf, "same"),
    case(V, "xlsx-date-cells", None, "same", writer=as_excel(("date",), ("ecog",)), suffix=".xlsx"),
]

EVENT_CASES = [
    # the column naming the event (README: event, or diagnosis, term)
    case(E, "column-diagnosis", rename(event="diagnosis"), "same"),
    case(E, "column-term", rename(event="term"), "same"),
    # grades: optional, a CTCAE grade 1-5 (5: death related to the event)
    case(E, "grade-empty-row2", cell(2, "grade", ""), "same_flags"),
    case(E, "grade-5-row2", cell(2, "grade", "5"), "same_flags"),
    case(E, "no-grade-column", drop_column("grade"), "same_flags"),
    # event text: a quoted comma, case
    case(E, "event-with-quoted-comma-row2", cell(2, "event", "pneumonitis, organizing pattern"), "same_flags",
         check=event_on("P3", 54)),
    case(E, "event-capitalised-row2", cell(2, "event", "Pneumonitis"), "same"),
    # an event on day 0; an event of a patient without flags (2021-04-05 + 26 days = 2021-05-01)
    case(E, "event-on-day-0",
         replaced("patient_id,day,event,grade\nP3,54,pneumonitis,2\nR2,0,thyroiditis,1\n"),
         "accept", check=event_on("R2", 0)),
    case(E, "event-of-stable-patient", append("S4,2021-05-01,arthritis,1"), "accept",
         check=event_on("S4", 26)),
    case(E, "header-Event-Grade", rename(event="Event", grade="Grade"), "same"),
    # file formats
    case(E, "utf8-bom", bom, "same"),
    case(E, "xlsx-date-cells", None, "same", writer=as_excel(("date",), ("grade",)), suffix=".xlsx"),
]

# A new finding of the stable patient S4 on day 30 (no lesion progressing), one per rule of spec 5.4,
# each written with an alias of organ_vocabulary.csv or a spec 5.3 word in another spelling.
NEW_FINDING = "S4,30,{organ},{side},{finding},{pattern},,"


def s4_rule(id_: str, rule: str, *rows: tuple[str, str, str, str]):
    lines = (NEW_FINDING.format(organ=o, side=s, finding=f, pattern=p) for o, s, f, p in rows)
    return case(F, id_, append(*lines), "accept", check=irae_flags("S4", 30, rule))


FINDING_CASES = [
    # organ aliases and case on the base rows: the same flags and values (organs are reported as codes)
    case(F, "organ-Thyroid-row2", cell(2, "organ", "Thyroid"), "same"),
    case(F, "organ-Pulmonary-row3", cell(3, "organ", "Pulmonary"), "same"),
    # spec 5.3 words in other spellings ("Ground glass" is ground_glass, irae.findings_table)
    case(F, "pattern-ground-glass-space-row3", cell(3, "pattern", "ground glass"), "same"),
    case(F, "pattern-Ground-Glass-row3", cell(3, "pattern", "Ground-Glass"), "same"),
    case(F, "side-Bilateral-row3", cell(3, "side", "Bilateral"), "same"),
    # numbers: SUVmax 0, an empty size (not measured); IRAE-PNEU also fires on finding = opacity alone
    case(F, "suvmax-0-row2", cell(2, "suvmax", "0"), "accept", check=irae_flags("R2", 56, "IRAE-THY")),
    case(F, "size_mm-empty-row3", cell(3, "size_mm", ""), "accept", check=irae_flags("P3", 54, "IRAE-PNEU")),
    case(F, "pattern-empty-row3", cell(3, "pattern", ""), "same_flags"),
    # the optional columns left out (README: side, pattern, suvmax, size_mm optional)
    case(F, "required-columns-only", replaced("patient_id,day,organ,finding\nP3,54,lung,opacity\n"), "accept",
         check=every(irae_flags("P3", 54, "IRAE-PNEU"), irae_flags("R2", 56))),
    # findings on or before day 0: no flag (C(A) is for day > 0, spec 5.4), no refusal
    case(F, "finding-on-day-0", append("H1,0,lung,right,opacity,ground_glass,,"), "same_flags",
         check=irae_flags("H1", 0)),
    case(F, "finding-before-day-0", append("H1,-7,thyroid,,uptake,diffuse,5.0,"), "same_flags",
         check=irae_flags("H1", -7)),
    case(F, "day-and-date-agree", add_column("date", "2021-03-29", "2021-04-24"), "same_flags"),
    # each rule of spec 5.4 raised by a finding written with an alias or another spelling (S4, day 30)
    s4_rule("alias-Hypophysis", "IRAE-HYPO", ("Hypophysis", "midline", "enlargement", "")),
    s4_rule("alias-heart", "IRAE-MYO", ("heart", "", "uptake", "focal")),
    s4_rule("alias-large-bowel-Wall-thickening", "IRAE-COL", ("large bowel", "", "Wall thickening", "")),
    s4_rule("alias-hepatic-Diffuse", "IRAE-HEP", ("hepatic", "", "uptake", "Diffuse")),
    s4_rule("alias-adrenal-gland-Left-Right", "IRAE-ADR",
            ("adrenal gland", "Left", "enlargement", ""), ("Adrenal", "Right", "enlargement", "")),
    s4_rule("alias-hilar-node-left-right", "IRAE-SARC",
            ("hilar lymph node", "left", "enlargement", ""), ("Hilar node", "right", "enlargement", "")),
    s4_rule("alias-subcarinal-Symmetric", "IRAE-SARC", ("subcarinal", "", "uptake", "Symmetric")),
    s4_rule("thyroid-left-and-right", "IRAE-THY",
            ("thyroid", "left", "uptake", "focal"), ("thyroid", "right", "uptake", "focal")),
    s4_rule("alias-large-vessel-wall-thickening", "IRAE-VASC", ("large vessel", "", "wall-thickening", "")),
    s4_rule("alias-pulmonary-artery-filling-defect", "IRAE-VTE",
            ("pulmonary artery", "", "filling defect", "")),
    # file formats, header spelling
    case(F, "parquet-typed", None, "same", writer=as_parquet(numbers=("day", "suvmax", "size_mm")),
         suffix=".parquet"),
    case(F, "header-Finding", rename(finding="Finding"), "same"),
]

SAMPLES_BY_DATE = """\
patient_id,date,analyte,value,unit
R2,2021-01-29,IL-8,40,pg/mL
R2,2021-02-22,IL-8,22,pg/mL
P3,2021-02-27,IL-8,30,pg/mL
P3,2021-03-21,IL-8,45,pg/mL
"""
# days from the starts (R2 2021-02-01, P3 2021-03-01): R2 -3 and 21, P3 -2 and 20, as SAMPLES
R2_IL8 = il8("R2", (21, 22 / 40, "decrease"))  # spec 6.4 example: 0.55
P3_IL8 = il8("P3", (20, 45 / 30, "increase"))
BOTH_IL8 = every(R2_IL8, P3_IL8)

SAMPLE_CASES = [
    # IL-8 spellings
    case(S, "analyte-IL8", column_values("analyte", {"IL-8": "IL8"}), "same"),
    case(S, "analyte-il-8", column_values("analyte", {"IL-8": "il-8"}), "same"),
    case(S, "analyte-Interleukin-8", column_values("analyte", {"IL-8": "Interleukin-8"}), "same"),
    case(S, "analyte-CXCL8", column_values("analyte", {"IL-8": "CXCL8"}), "same"),
    # values: 0 at follow-up (0 / 40 = 0, a decrease), 0 at baseline (below detection), 40.0
    case(S, "value-0-follow-up-row3", cell(3, "value", "0"), "accept",
         check=il8("R2", (21, 0.0, "decrease"))),
    case(S, "value-0-baseline-row2", cell(2, "value", "0"), "accept", check=P3_IL8),
    case(S, "value-40.0-row2", cell(2, "value", "40.0"), "accept", check=R2_IL8),
    # an identical row twice (a lab export repeating a sample)
    case(S, "duplicate-identical-baseline", append("R2,-3,IL-8,40,pg/mL"), "same"),
    # units: the same unit in another case is the same unit (spec 6.4 "same unit required"); another unit
    # gives not_evaluable (P3's ng/L below)
    case(S, "unit-pg/ml-at-follow-up-row3", cell(3, "unit", "pg/ml"), "accept", check=R2_IL8),
    case(S, "unit-ng/L-at-follow-up-row5", cell(5, "unit", "ng/L"), "accept",
         check=il8("P3", (20, None, "not_evaluable"))),
    case(S, "unit-pg/ml-everywhere", column_values("unit", {"pg/mL": "pg/ml"}), "accept", check=BOTH_IL8),
    # time: dates instead of days (made days from treatment_start), a baseline sample on day 0
    case(S, "by-date", replaced(SAMPLES_BY_DATE), "accept", check=BOTH_IL8),
    case(S, "baseline-on-day-0-row2", cell(2, "day", "0"), "accept", check=R2_IL8),
    # other analytes (README: named in a warning), a patient without a baseline sample (no ratio)
    case(S, "other-analyte-rows", append("R2,-3,CRP,12,mg/L", "R2,21,CRP,8,mg/L"), "same"),
    case(S, "patient-without-baseline-sample", append("S4,30,IL-8,15,pg/mL"), "accept",
         check=every(BOTH_IL8, il8("S4", (30, None, "not_evaluable")))),
    # file formats, header spelling
    case(S, "xlsx-number-cells", None, "same", writer=as_excel(numbers=("day", "value")), suffix=".xlsx"),
    case(S, "parquet-typed", None, "same", writer=as_parquet(numbers=("day", "value")), suffix=".parquet"),
    case(S, "header-Analyte-Value-Unit", rename(analyte="Analyte", value="Value", unit="Unit"), "same"),
]

PATIENT_DATES = ("treatment_start", "treatment_end", "prebaseline_date")
PATIENT_NUMBERS = ("prebaseline_sum_mm", "line_of_therapy", "pdl1_tps", "pdl1_cps", "tmb_mut_per_mb")
PATIENT_BOOLS = ("egfr_alk_negative", "prior_treatment_progressed")
H1_HPD = flag("H1", "hpd.champiat2017", "true")


def reference_scan(row: int, date: str, sum_mm: str) -> Edit:
    return chain(cell(row, "prebaseline_date", date), cell(row, "prebaseline_sum_mm", sum_mm))


PATIENT_CASES = [
    # PD-L1 0-100 (spec 6.2, 6.3): H1, R2 NSCLC first line, 22C3; BM-NSCLC-1L-50 >= 50, -1L-1-US >= 1
    case(PT, "pdl1_tps-0-row2", cell(2, "pdl1_tps", "0"), "accept",
         check=every(biomarker("H1", "BM-NSCLC-1L-50", "false"),
                     biomarker("H1", "BM-NSCLC-1L-1-US", "false"))),
    case(PT, "pdl1_tps-100-row3", cell(3, "pdl1_tps", "100"), "accept",
         check=every(biomarker("R2", "BM-NSCLC-1L-50", "true"), biomarker("R2", "BM-NSCLC-1L-1-US", "true"))),
    case(PT, "pdl1_tps-50.0-row3", cell(3, "pdl1_tps", "50.0"), "accept",  # spec 6.6 BM-1: 50 >= 50
         check=biomarker("R2", "BM-NSCLC-1L-50", "true")),
    case(PT, "pdl1_cps-0-row5", cell(5, "pdl1_cps", "0"), "same_flags"),
    # TMB >= 0 (spec 6.3; BM-TMB-AGNOSTIC >= 10 mut/Mb, spec 6.6 BM-4)
    case(PT, "tmb-0-row4", cell(4, "tmb_mut_per_mb", "0"), "accept",
         check=biomarker("P3", "BM-TMB-AGNOSTIC", "false")),
    case(PT, "tmb-10.0-row5", cell(5, "tmb_mut_per_mb", "10.0"), "accept",
         check=biomarker("S4", "BM-TMB-AGNOSTIC", "true")),
    # MSI / MMR (spec 6.2 MSI-H / MSI-L / MSS, dMMR / pMMR; README: or unknown), in any case
    case(PT, "msi_status-msi-h-row4", cell(4, "msi_status", "msi-h"), "same_flags"),
    case(PT, "msi_status-MSI-L-row5", cell(5, "msi_status", "MSI-L"), "accept",
         check=biomarker("S4", "BM-MSI-AGNOSTIC", "false")),
    case(PT, "msi_status-unknown-row5", cell(5, "msi_status", "unknown"), "accept",
         check=biomarker("S4", "BM-MSI-AGNOSTIC", "not_evaluable")),
    case(PT, "msi_status-empty-row5", cell(5, "msi_status", ""), "accept",
         check=biomarker("S4", "BM-MSI-AGNOSTIC", "not_evaluable")),
    case(PT, "mmr-DMMR-without-msi-row4", chain(cell(4, "msi_status", ""), cell(4, "mmr_status", "DMMR")),
         "accept", check=biomarker("P3", "BM-MSI-AGNOSTIC", "true")),
    case(PT, "mmr-pmmr-without-msi-row5", chain(cell(5, "msi_status", ""), cell(5, "mmr_status", "pmmr")),
         "accept", check=biomarker("S4", "BM-MSI-AGNOSTIC", "false")),
    # booleans (spec 6.2; README: true/false, yes/no, 1/0, empty when not known)
    case(PT, "egfr_alk_negative-yes", column_values("egfr_alk_negative", {"true": "yes"}), "same_flags"),
    case(PT, "egfr_alk_negative-TRUE-and-1", chain(cell(2, "egfr_alk_negative", "TRUE"),
                                                   cell(3, "egfr_alk_negative", "1")), "same_flags"),
    case(PT, "egfr_alk_negative-no-row2", cell(2, "egfr_alk_negative", "no"), "accept",  # EGFR/ALK altered
         check=every(biomarker("H1", "BM-NSCLC-1L-50", None), biomarker("H1", "BM-NSCLC-1L-1-US", None))),
    case(PT, "egfr_alk_negative-0-row2", cell(2, "egfr_alk_negative", "0"), "accept",
         check=biomarker("H1", "BM-NSCLC-1L-50", None)),
    case(PT, "egfr_alk_negative-empty-row2", cell(2, "egfr_alk_negative", ""), "accept",  # not checked
         check=biomarker("H1", "BM-NSCLC-1L-50", "true")),
    # line of therapy 1, 2, ... (spec 6.2): "2.0" is the whole number 2 as a numeric export writes it
    case(PT, "line_of_therapy-2.0-row5", cell(5, "line_of_therapy", "2.0"), "same_flags"),
    # the reference scan (spec 0.2): both empty; both given and agreeing with the lesion rows (H1 day -56 =
    # 2020-11-09, sum 25 + 15 = 40), or within 0.5 mm; a partial date; given for a patient without one in
    # the lesion rows (P3: 2021-01-15 is day -45)
    case(PT, "prebaseline-both-empty-row5", reference_scan(5, "", ""), "accept",
         check=hpd_values("S4", "hpd.champiat2017", S_pre=None, t_pre=None)),
    case(PT, "prebaseline-agrees-H1-row2", reference_scan(2, "2020-11-09", "40.0"), "same"),
    case(PT, "prebaseline-within-0.5-mm-row2", reference_scan(2, "2020-11-09", "40.4"), "accept",
         check=H1_HPD),
    # 2021-02 -> 2021-02-15 (io.tables: the middle of the month), 49 days before 2021-04-05
    case(PT, "prebaseline_date-partial-2021-02-row5", cell(5, "prebaseline_date", "2021-02"), "accept",
         check=hpd_values("S4", "hpd.champiat2017", S_pre=20.0, t_pre=-49)),
    # P3: 26 -> 30 mm over 42 days, then 30 -> 31 over 57: the TGR ratio is far below 2 (Champiat false)
    case(PT, "prebaseline-P3-row4", reference_scan(4, "2021-01-15", "26"), "accept",
         check=every(hpd_values("P3", "hpd.champiat2017", S_pre=26.0, t_pre=-45),
                     flag("P3", "hpd.champiat2017", "false"))),
    # last contact: R2 on treatment at day 241 (2021-09-30): TTF not < 2 months, Lo Russo c1 false
    case(PT, "last_contact_date-iso-row3", add_column("last_contact_date", "", "2021-09-30", "", ""),
         "accept", check=hpd_values("R2", "hpd.lo_russo2019", c1=False)),
    # a patient without lesion rows (enrolled, no scan yet)
    case(PT, "patient-without-lesions",
         append("Q5,2021-05-03,,,,,NSCLC,1,pembrolizumab,true,false,80,,22C3,,,,"), "accept",
         check=every(H1_HPD, biomarker("H1", "BM-NSCLC-1L-50", "true"))),
    # spellings and file formats
    case(PT, "header-Patient-ID-Treatment-Start",
         rename(patient_id="Patient ID", treatment_start="Treatment Start"), "same"),
    case(PT, "crlf", crlf, "same"),
    case(PT, "utf8-bom", bom, "same"),
    case(PT, "xlsx-date-number-bool-cells", None, "same",
         writer=as_excel(PATIENT_DATES, PATIENT_NUMBERS, PATIENT_BOOLS), suffix=".xlsx"),
    case(PT, "parquet-typed", None, "same", writer=as_parquet(PATIENT_DATES, PATIENT_NUMBERS, PATIENT_BOOLS),
         suffix=".parquet"),
]


CASES = [*VISIT_CASES, *EVENT_CASES, *FINDING_CASES, *SAMPLE_CASES, *PATIENT_CASES]


@pytest.mark.parametrize("case_", CASES)
def test_valid_input_is_accepted(case_: Case, tmp_path: Path, unmutated) -> None:
    paths = write_inputs(tmp_path, case_)
    runs = {"patterns": cli(*patterns_args(tmp_path, paths, case_.table))}
    if _full(case_.table):
        runs["assess"] = cli(*assess_args(tmp_path, paths))
    for result in runs.values():
        assert_accepted(result)
    if case_.expect in ("same", "same_flags"):
        assert_same(read_outputs(tmp_path / "out", PATTERN_OUTPUTS), unmutated("patterns", case_.table),
                    flags_only=case_.expect == "same_flags")
        if "assess" in runs:
            assert_same(read_outputs(tmp_path / "assessed", ASSESS_OUTPUTS), unmutated("assess", case_.table),
                        flags_only=case_.expect == "same_flags")
    if case_.check is not None:
        case_.check(tmp_path / "out")


# ---------------------------------------------------------------------------------------------
# Python API: the words of a user's rule table are vocabulary too (irae.findings_table, README)

USER_RULE = {
    "rule_id": "USER-CAVITY", "clause": "1", "level": "review", "organs": "lung", "patterns": "tree_in_bud",
    "findings": "cavitation", "new_lesions_only": "false", "min_rows": "1", "sides_both": "false",
    "sides_organs": "", "no_progression_outside": "", "evidence": "", "signal": "", "event_terms": "",
    "flag_text": "Cavitating lung finding (site rule).", "source": "user",
}


@pytest.mark.parametrize("row", [
    pytest.param("R2,56,lung,right,cavitation,,,", id="user-finding-word"),
    pytest.param("R2,56,lung,right,uptake,Tree-in-bud,,", id="user-pattern-word"),
])
def test_user_rule_words_are_accepted(row: str, tmp_path: Path) -> None:
    paths = write_inputs(tmp_path, None)
    study = ioresponse.load(paths["lesions.csv"], patients=paths["starts.csv"])
    result = ioresponse.run(study, ["recist11"], patterns=False)
    findings = pd.read_csv(io.StringIO(FINDINGS + row + "\n"))  # as a user reads it: numbers typed
    rules = pd.concat([irae.default_rules(), pd.DataFrame([USER_RULE])], ignore_index=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flags = irae.find_flags(study, result.timepoints, findings=findings, rules=rules)
    side_warnings = [str(w.message) for w in caught if issubclass(w.category, SideTableWarning)]
    assert side_warnings == []
    got = sorted(zip(flags["patient_id"], flags["day"], flags["rule_id"], strict=True))
    assert got == [("P3", 54, "IRAE-PNEU"), ("R2", 56, "IRAE-THY"), ("R2", 56, "USER-CAVITY")]
