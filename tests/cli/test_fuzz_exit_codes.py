"""A seeded, deterministic fuzz of the command line: small valid inputs, one mutation per case.

The project's rule (README "Command line", spec/anatomic.md 0.1, spec/metabolic.md 1.1): bad input stops
with a located message (file, row as the user sees it, header = row 1, column, what was expected) and
exit code 2, never a traceback (exit 1); nothing the user gave is silently dropped or changed.

Each case starts from a valid lesion table (4 patients: targets, a target node, non-targets, a new
lesion), a dated lesion table with its patient table, a PET table (3 patients) or an SDTM TU/TR/RS folder,
applies one mutation and runs ``assess`` and ``validate`` (with the same criteria); the last group runs
``explain``, ``compare``, ``report`` and ``export`` on the outputs of a good run. Every case asserts:
exit code 0 or 2, no traceback, and a refusal names the file (and the row or column of a fault at a row).
Per case, what the contract says on top:

- ``refuse``: exit 2 from both commands (e.g. a required column missing);
- ``same``: exit 0 and the outputs equal the unmutated run's (rows reordered, header spellings, ...);
- ``same_or_refuse``: either, and when accepted the outputs equal the unmutated run's;
- ``noisy``: either, and when accepted a warning says what happened (a row entered twice);
- ``accept``: exit 0 (the outputs may differ; an extra check may say how);
- ``either``: 0 or 2, and ``validate --criteria`` agrees with ``assess``.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from _cli import cli, flat

SEED = 20240611
"""Every random choice of this file (row shuffles) comes from this seed."""

Table = list[list[str]]
Mutation = Callable[[Table], Table]

# ---------------------------------------------------------------------------------------------
# The valid inputs. Lesion table rows are file rows 2-26 (header = row 1), noted on the right.

LESIONS = """\
patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,perpendicular_mm,status,clinical_status
P1,-7,T1,target,liver,false,40,,30,present,stable
P1,-7,T2,target,lymph node,true,22,20,,present,stable
P1,-7,NT1,non_target,bone,false,,,,present,stable
P1,56,T1,target,liver,false,28,,20,present,stable
P1,56,T2,target,lymph node,true,14,12,,present,stable
P1,56,NT1,non_target,bone,false,,,,present,stable
P1,112,T1,target,liver,false,20,,15,present,stable
P1,112,T2,target,lymph node,true,10,9,,present,stable
P1,112,NT1,non_target,bone,false,,,,absent,stable
P2,-3,A1,target,lung,false,30,,25,present,stable
P2,-3,A2,non_target,pleura,false,,,,present,stable
P2,54,A1,target,lung,false,32,,26,present,stable
P2,54,A2,non_target,pleura,false,,,,present,stable
P2,54,N1,new,brain,false,12,,10,present,stable
P2,110,A1,target,lung,false,30,,25,present,stable
P2,110,A2,non_target,pleura,false,,,,present,stable
P2,110,N1,new,brain,false,8,,6,present,stable
P3,0,B1,target,kidney,false,25,,20,present,stable
P3,0,B2,target,adrenal,false,15,,12,present,stable
P3,60,B1,target,kidney,false,24,,20,present,stable
P3,60,B2,target,adrenal,false,14,,12,present,stable
P4,-10,C1,target,lung,false,50,,40,present,stable
P4,-10,C2,non_target,liver,false,,,,present,stable
P4,49,C1,target,lung,false,70,,50,present,deteriorating
P4,49,C2,non_target,liver,false,,,,unequivocal_progression,deteriorating
"""
# rows: P1 2-10 (T1 40 -> 28 -> 20 mm, node T2 20 -> 12 -> 9 mm: PR), P2 11-18 (new brain lesion N1 on
# day 54: PD / iUPD), P3 19-22 (SD), P4 23-26 (+40 % and unequivocal non-target progression: PD).

PATIENTS = """\
patient_id,treatment_start,arm,os_days,os_event,treatment_end
P1,2021-03-10,A,400,0,2021-09-01
P2,2021-04-01,B,200,1,2021-08-01
P3,2021-05-01,A,300,0,2021-08-01
P4,2021-05-15,B,150,1,2021-07-01
"""


def _dated(lesions: str, patients: str) -> str:
    """The lesion table with ``date`` (treatment start + day) instead of ``day``."""
    start = {row["patient_id"]: date.fromisoformat(row["treatment_start"])
             for row in csv.DictReader(io.StringIO(patients))}
    table = list(csv.reader(io.StringIO(lesions)))
    table[0][1] = "date"
    for row in table[1:]:
        row[1] = (start[row[0]] + timedelta(days=int(row[1]))).isoformat()
    return _text(table)


PET = """\
patient_id,day,lesion_id,role,organ,suvmax,sulpeak,tlg,functional_diameter_mm,status,uptake_min,liver_sul_mean,liver_sul_sd,cycles_before_scan
P1,-5,L1,target,lung,12.0,8.0,120,30,present,60,2.0,0.25,0
P1,-5,L2,target,liver,9.0,6.0,80,25,present,60,2.0,0.25,0
P1,56,L1,target,lung,8.0,5.6,70,25,present,62,2.1,0.25,3
P1,56,L2,target,liver,6.0,4.0,40,20,present,62,2.1,0.25,3
P2,-2,M1,target,bone,10.0,7.0,90,28,present,58,1.9,0.2,0
P2,60,M1,target,bone,13.0,9.5,150,33,present,61,2.0,0.2,3
P2,60,M2,new,lung,6.0,4.5,20,12,present,61,2.0,0.2,3
P3,0,Q1,target,lymph node,7.0,5.0,50,20,present,65,2.2,0.3,0
P3,63,Q1,target,lymph node,6.8,4.9,48,20,present,64,2.2,0.3,3
"""
# rows: P1 2-5 (PMR), P2 6-8 (new lesion, PMD), P3 9-10 (SMD)

SDTM_TU = """\
USUBJID,TULNKID,TUSTRESC,TULOC
S1,T01,TARGET,LIVER
S1,T02,TARGET,LUNG
S1,NT01,NON-TARGET,BONE
S2,T01,TARGET,LYMPH NODE
S2,NT01,NON-TARGET,PLEURA
S2,NEW01,NEW,BRAIN
"""
SDTM_TR = """\
USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY
S1,T01,LDIAM,40,40,mm,2021-03-01,-6
S1,T02,LDIAM,25,25,mm,2021-03-01,-6
S1,NT01,TUMSTATE,PRESENT,,,2021-03-01,-6
S1,T01,LDIAM,28,28,mm,2021-05-01,56
S1,T02,LDIAM,15,15,mm,2021-05-01,56
S1,NT01,TUMSTATE,PRESENT,,,2021-05-01,56
S2,T01,SAXIS,20,20,mm,2021-04-01,-3
S2,NT01,TUMSTATE,PRESENT,,,2021-04-01,-3
S2,T01,SAXIS,22,22,mm,2021-06-01,59
S2,NT01,TUMSTATE,PRESENT,,,2021-06-01,59
S2,NEW01,TUMSTATE,PRESENT,,,2021-06-01,59
"""
# TR rows: S1 2-7 (T01 + T02 65 -> 43 mm: PR), S2 8-12 (new lesion: PD)
SDTM_RS = """\
USUBJID,RSTESTCD,RSCAT,RSSTRESC,RSDTC,RSDY
S1,OVRLRESP,RECIST 1.1,PR,2021-05-01,56
S2,OVRLRESP,RECIST 1.1,PD,2021-06-01,59
"""

# ---------------------------------------------------------------------------------------------
# Tables as lists of rows of text; a mutation takes and returns one. Rows are file rows (header = 1).


def _table(text: str) -> Table:
    return [list(row) for row in csv.reader(io.StringIO(text))]


def _text(table: Table) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue()


def _col(table: Table, column: str) -> int:
    return table[0].index(column)


def cell(row: int, column: str, value: str) -> Mutation:
    def mutate(table: Table) -> Table:
        table[row - 1][_col(table, column)] = value
        return table
    return mutate


def where(column: str, old: str, new: str, *, match: str | None = None) -> Mutation:
    """Every cell of ``column`` equal to ``old`` (on rows whose first cell is ``match``, when given)."""
    def mutate(table: Table) -> Table:
        j = _col(table, column)
        for row in table[1:]:
            if row[j] == old and (match is None or row[0] == match):
                row[j] = new
        return table
    return mutate


def drop_column(column: str) -> Mutation:
    def mutate(table: Table) -> Table:
        j = _col(table, column)
        return [row[:j] + row[j + 1:] for row in table]
    return mutate


def drop_rows(*rows: int) -> Mutation:
    return lambda table: [row for i, row in enumerate(table, start=1) if i not in rows]


def append_copy(row: int, **changes: str) -> Mutation:
    """Row ``row`` again, at the end of the table, with ``changes``."""
    def mutate(table: Table) -> Table:
        copy = list(table[row - 1])
        for column, value in changes.items():
            copy[_col(table, column)] = value
        return [*table, copy]
    return mutate


def swap(a: str, b: str) -> Mutation:
    """The values of columns ``a`` and ``b`` swapped, the header kept."""
    def mutate(table: Table) -> Table:
        i, j = _col(table, a), _col(table, b)
        for row in table[1:]:
            row[i], row[j] = row[j], row[i]
        return table
    return mutate


def add_column(name: str, value: str | Callable[[int], str]) -> Mutation:
    def mutate(table: Table) -> Table:
        values = [value(i) if callable(value) else value for i in range(2, len(table) + 1)]
        return [table[0] + [name]] + [row + [v] for row, v in zip(table[1:], values, strict=True)]
    return mutate


def rename(old: str, new: str) -> Mutation:
    def mutate(table: Table) -> Table:
        table[0][_col(table, old)] = new
        return table
    return mutate


def shuffled(seed: int = SEED) -> Mutation:
    def mutate(table: Table) -> Table:
        rows = table[1:]
        random.Random(seed).shuffle(rows)
        return [table[0], *rows]
    return mutate


def reversed_rows(table: Table) -> Table:
    return [table[0], *table[:0:-1]]


def doubled(table: Table) -> Table:
    return [table[0], *table[1:], *table[1:]]


def chain(*mutations: Mutation) -> Mutation:
    def mutate(table: Table) -> Table:
        for mutation in mutations:
            table = mutation(table)
        return table
    return mutate


# ---------------------------------------------------------------------------------------------
# Running a case


@dataclass(frozen=True)
class Input:
    """A valid input: its files, and the arguments of ``assess`` and ``validate`` on it."""

    files: dict[str, str]  # file (relative to the case folder) -> text
    target: str  # the argument given as INPUT
    options: tuple[str, ...] = ()  # reading options given to assess and validate
    criteria: str = "all"
    patterns: bool = False
    validate_target: str = ""  # validate reads one table: the PET table of a lesion + PET pair


INPUTS = {
    "les": Input({"lesions.csv": LESIONS}, "lesions.csv"),
    "dated": Input({"lesions.csv": _dated(LESIONS, PATIENTS), "patients.csv": PATIENTS}, "lesions.csv",
                   ("--patients", "patients.csv"), "recist11,irecist", patterns=True),
    "pet": Input({"pet.csv": PET}, "pet.csv", patterns=True),
    "pair": Input({"lesions.csv": LESIONS, "pet.csv": PET}, "lesions.csv", ("--pet", "pet.csv"),
                  validate_target="pet.csv"),
    "sdtm": Input({"sdtm/tu.csv": SDTM_TU, "sdtm/tr.csv": SDTM_TR, "sdtm/rs.csv": SDTM_RS}, "sdtm",
                  criteria="recist11,irecist"),
}
INPUTS["pat"] = INPUTS["dated"]  # the patient table of the dated input is mutated
INPUTS["dated_alone"] = Input({"lesions.csv": INPUTS["dated"].files["lesions.csv"]}, "lesions.csv",
                              criteria="recist11,irecist")  # dates and no patient table


@dataclass(frozen=True)
class Case:
    id: str
    base: str  # key of INPUTS
    file: str  # the file the mutation applies to (and a refusal must name)
    mutate: Mutation | None
    expect: str  # refuse | same | same_or_refuse | noisy | accept | either
    rows: tuple[int, ...] = ()  # the rows of the fault: a refusal must name one of them
    column: str | None = None  # the column of the fault: a refusal must name it
    args: tuple[str, ...] = ()  # more arguments of assess (validate takes those it knows)
    renamed: dict[str, str] = field(default_factory=dict)  # id -> id the outputs should hold instead
    check: Callable[[Path, str], None] | None = None  # more checks of an accepted run (out, output)
    fragments: tuple[str, ...] = ()  # a refusal must also say these
    located_in: str = ""  # the file a refusal names, when not ``file`` (a fault seen in another file)


def _last_frame(result) -> str:
    if result.exc_info is None or isinstance(result.exception, SystemExit):
        return ""
    frames = [f for f in traceback.extract_tb(result.exc_info[2]) if "/ioresponse/" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(result.exc_info[2])[-1]
    return f"{frame.filename}:{frame.lineno} in {frame.name}"


def assert_clean_exit(result) -> str:
    """Exit code 0 or 2, never a traceback; returns the output with line wrapping undone."""
    assert result.exit_code in (0, 2), (result.exit_code, repr(result.exception), _last_frame(result),
                                        result.output[-2000:])
    assert "Traceback" not in result.output
    return flat(result)


_ROWS = re.compile(r"\brows? (\d+(?:(?:, | and |-)\d+)*)")


def named_rows(text: str) -> set[int]:
    rows: set[int] = set()
    for match in _ROWS.finditer(text):
        for part in re.split(r", | and ", match[1]):
            low, _, high = part.partition("-")
            rows.update(range(int(low), int(high or low) + 1))
    return rows


def assert_located(text: str, file: str, rows: tuple[int, ...] = (), column: str | None = None) -> None:
    assert Path(file).name in text, (file, text)
    if rows:
        assert named_rows(text) & set(rows), (rows, text)
    if column:
        assert re.search(rf"\bcolumns?\b[^:;]*?\b{re.escape(column)}\b", text), (column, text)


OUTPUT_TABLES = ("timepoints", "best_response", "lesions", "pet", "recorded", "recorded_vs_computed",
                 "excluded", "patterns")


def read_outputs(out: Path, renamed: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """The CSV outputs as text, ``source_row`` dropped, rows sorted: comparable across row orders."""
    tables = {}
    for name in OUTPUT_TABLES:
        path = out / f"{name}.csv"
        if not path.exists():
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame = frame.drop(columns="source_row", errors="ignore")
        for column in ("patient_id", "lesion_id"):
            if renamed and column in frame:
                frame[column] = frame[column].replace(renamed)
        tables[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return tables


def write_input(folder: Path, base: Input, case: Case | None) -> None:
    for name, text in base.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if case is not None and case.mutate is not None and name == case.file:
            text = _text(case.mutate(_table(text)))
        path.write_text(text, encoding="utf-8", newline="")


def assess_args(folder: Path, base: Input, extra: tuple[str, ...] = ()) -> list:
    args = ["assess", folder / base.target, "--out", folder / "out", "--format", "csv",
            "--criteria", base.criteria, *[_in(folder, a) for a in base.options], *extra]
    return args if base.patterns else [*args, "--no-patterns"]


VALIDATE_TAKES = {"--patients", "--map", "--patient-key", "--warn-implausible", "--sheet", "--criteria", "-o",
                  "--option"}


def validate_args(folder: Path, base: Input, extra: tuple[str, ...] = ()) -> tuple[list, bool]:
    """The arguments of ``validate`` on the same input, and whether it takes every one of ``extra``."""
    kept, complete, i = [], True, 0
    while i < len(extra):
        arg, has_value = extra[i], extra[i] not in ("--warn-implausible", "--exclude-invalid")
        if arg in VALIDATE_TAKES:
            kept += extra[i:i + 1 + has_value]
        else:
            complete = False
        i += 1 + has_value
    options = [_in(folder, a) for a in base.options] if base.options[:1] == ("--patients",) else []
    criteria = [] if "--criteria" in kept else ["--criteria", base.criteria]
    return ["validate", folder / (base.validate_target or base.target), *criteria, *options, *kept], complete


def _in(folder: Path, arg: str) -> str:
    return str(folder / arg) if arg.endswith(".csv") else arg


@pytest.fixture(scope="module")
def unmutated(tmp_path_factory):
    """The outputs of each valid input assessed without mutation, computed once."""
    cache: dict[str, dict[str, pd.DataFrame]] = {}

    def outputs(base_key: str) -> dict[str, pd.DataFrame]:
        key = "dated" if base_key == "pat" else base_key  # the same files and arguments
        if key not in cache:
            folder = tmp_path_factory.mktemp(f"unmutated_{key}")
            base = INPUTS[key]
            write_input(folder, base, None)
            result = cli(*assess_args(folder, base))
            assert result.exit_code == 0, result.output
            cache[key] = read_outputs(folder / "out")
        return cache[key]

    return outputs


def assert_same_outputs(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> None:
    assert sorted(got) == sorted(want)
    for name, frame in want.items():
        other = got[name][[c for c in frame.columns if c in got[name].columns]]
        pd.testing.assert_frame_equal(other, frame, obj=name)


# ---------------------------------------------------------------------------------------------
# The cases


def _names_in_output(*fragments: str) -> Callable[[Path, str], None]:
    def check(out: Path, text: str) -> None:
        for fragment in fragments:
            assert fragment in text, (fragment, text)
    return check


def _in_table(table: str, column: str, value: str, where_patient: str | None = None
              ) -> Callable[[Path, str], None]:
    def check(out: Path, text: str) -> None:
        frame = pd.read_csv(out / f"{table}.csv", dtype=str, keep_default_na=False)
        if where_patient is not None:
            frame = frame[frame["patient_id"] == where_patient]
        assert value in set(frame[column]), (table, column, value, frame[column].unique())
    return check


def _reason_names(patient: str, day: str, *fragments: str) -> Callable[[Path, str], None]:
    def check(out: Path, text: str) -> None:
        frame = pd.read_csv(out / "timepoints.csv", dtype=str, keep_default_na=False)
        reasons = " ".join(frame.loc[(frame["patient_id"] == patient) & (frame["day"] == day), "reason"])
        for fragment in fragments:
            assert fragment in reasons, (fragment, reasons)
    return check


def _extra_column_kept_or_named(column: str) -> Callable[[Path, str], None]:
    def check(out: Path, text: str) -> None:
        written = pd.read_csv(next(out.glob("lesions.csv"), out / "pet.csv"), dtype=str).columns
        assert column in written or column in text, (column, list(written), text)
    return check


def L(id_: str, mutate: Mutation, expect: str, rows: tuple[int, ...] = (), column: str | None = None,
      **kw) -> Case:
    return Case(f"lesions-{id_}", "les", "lesions.csv", mutate, expect, rows, column, **kw)


LONG_ID = "P" + "x" * 4999
REQUIRED = ["patient_id", "day", "lesion_id", "role", "status", "short_axis_mm"]
NOT_NUMBERS = ["abc", "nan", "inf", "-", "N/A", "?", "1e400"]

LESION_CASES = [
    # a required column missing: refused naming it
    *[L(f"drop_column-{c}", drop_column(c), "refuse", column=c) for c in REQUIRED],
    L("drop_column-perpendicular_mm", drop_column("perpendicular_mm"), "accept",
      check=_names_in_output("skipped irrc", "perpendicular_mm")),
    # a required cell emptied
    L("empty-day-row8", cell(8, "day", ""), "refuse", (8,), "day"),
    L("empty-role-row13", cell(13, "role", ""), "refuse", (13,), "role"),
    L("empty-status-row5", cell(5, "status", ""), "refuse", (5,), "status"),
    L("empty-long_axis_mm-row5", cell(5, "long_axis_mm", ""), "refuse", (5,), "long_axis_mm"),
    L("empty-short_axis_mm-node-row6", cell(6, "short_axis_mm", ""), "refuse", (6,), "short_axis_mm"),
    L("empty-clinical_status-row6", cell(6, "clinical_status", ""), "either", (6,), "clinical_status"),
    L("empty-long_axis_mm-new-lesion-row15",
      chain(cell(15, "long_axis_mm", ""), cell(15, "perpendicular_mm", "")), "either", (15,), "long_axis_mm"),
    # a row deleted
    L("drop_row-nontarget-followup-row7", drop_rows(7), "accept", check=_reason_names("P1", "56", "NT1")),
    L("drop_row-target-followup-row5", drop_rows(5), "accept", check=_reason_names("P1", "56", "T1")),
    L("drop_row-baseline-target-row2", drop_rows(2), "refuse", (4, 7), "role"),
    L("drop_row-first-new-lesion-row15", drop_rows(15), "accept"),
    L("only_baseline-P3", drop_rows(21, 22), "accept", check=_in_table("best_response", "patient_id", "P3")),
    L("only_baselines-every-patient", drop_rows(*range(5, 11), *range(13, 19), 21, 22, 25, 26), "accept"),
    # two columns' values swapped
    L("swap-long_short_axis", swap("long_axis_mm", "short_axis_mm"), "refuse", (2, 3), "long_axis_mm"),
    L("swap-day_long_axis", swap("day", "long_axis_mm"), "refuse", (2,), "long_axis_mm"),
    L("swap-lymph_node_status", swap("lymph_node", "status"), "refuse", tuple(range(2, 27)), "status"),
    L("swap-patient_lesion_id", swap("patient_id", "lesion_id"), "either"),
    # text, non-finite values and out-of-range numbers in numeric columns
    *[L(f"long_axis_mm-{v}-row5", cell(5, "long_axis_mm", v), "refuse", (5,), "long_axis_mm")
      for v in NOT_NUMBERS],
    L("short_axis_mm-inf-node-row6", cell(6, "short_axis_mm", "inf"), "refuse", (6,), "short_axis_mm"),
    L("perpendicular_mm-nan-row5", cell(5, "perpendicular_mm", "nan"), "refuse", (5,), "perpendicular_mm"),
    L("long_axis_mm-negative-row5", cell(5, "long_axis_mm", "-28"), "refuse", (5,), "long_axis_mm"),
    # no lesion measures a metre: refused as implausible (STYLE.md 5), the size named at its row
    L("long_axis_mm-huge-row5", cell(5, "long_axis_mm", "1e9"), "refuse", (5,), "long_axis_mm"),
    L("long_axis_mm-1e308-row2", cell(2, "long_axis_mm", "1e308"), "refuse", (2,), "long_axis_mm"),
    L("day-abc-row5", cell(5, "day", "abc"), "refuse", (5,), "day"),
    L("day-inf-row5", cell(5, "day", "inf"), "refuse", (5,), "day"),
    L("day-float-56.0-row5", cell(5, "day", "56.0"), "same_or_refuse", (5,), "day"),
    L("day-float-every-row", lambda t: [t[0]] + [[r[0], r[1] + ".0", *r[2:]] for r in t[1:]],
      "same_or_refuse"),
    L("day-overflow-P3", where("day", "60", "9" * 30, match="P3"), "refuse", (21, 22), "day"),
    # numbers in label columns
    L("role-number-row5", cell(5, "role", "1"), "refuse", (5,), "role"),
    L("lymph_node-maybe-row3", cell(3, "lymph_node", "maybe"), "refuse", (3,), "lymph_node"),
    L("organ-number-lesion-T1", where("organ", "liver", "42", match="P1"), "accept",
      check=_in_table("lesions", "organ", "42")),
    L("organ-changes-at-follow-up-row5", cell(5, "organ", "lung"), "either", (2, 5), "organ"),
    L("lymph_node-changes-at-follow-up-row5", cell(5, "lymph_node", "true"), "refuse", (2, 5)),
    # labels in other cases and spellings
    L("role-Target-row5", cell(5, "role", "Target"), "same_or_refuse", (5,), "role"),
    L("status-PRESENT-everywhere", where("status", "present", "PRESENT"), "same_or_refuse", column="status"),
    L("role-non-target-hyphen-row4", where("role", "non_target", "non-target"), "same_or_refuse",
      column="role"),
    L("status-unequivocal-progression-space-row26", cell(26, "status", "unequivocal progression"),
      "same_or_refuse", (26,), "status"),
    L("clinical_status-disagrees-in-assessment-row6", cell(6, "clinical_status", "deteriorating"), "refuse",
      (5, 6, 7), "clinical_status"),
    L("role-new-at-baseline-row4", cell(4, "role", "new"), "refuse", (4,), "role"),
    L("status-unequivocal-progression-on-target-row5", cell(5, "status", "unequivocal_progression"), "refuse",
      (5,), "status"),
    # identifiers: unicode, very long, quoted, blank
    L("patient_id-unicode", where("patient_id", "P1", "Pé😀"), "same", renamed={"Pé😀": "P1"}),
    L("patient_id-5000-chars", where("patient_id", "P2", LONG_ID), "same", renamed={LONG_ID: "P2"}),
    L("patient_id-comma-and-quote", where("patient_id", "P3", 'P"3,x'), "same", renamed={'P"3,x': "P3"}),
    L("patient_id-newline-in-cell", where("patient_id", "P4", "P\n4"), "either"),
    L("patient_id-blank-row5", cell(5, "patient_id", " "), "refuse", (5,), "patient_id"),
    L("lesion_id-unicode", where("lesion_id", "T1", "Ŧ①"), "same", renamed={"Ŧ①": "T1"}),
    # a NUL byte would end its cell in pandas' reader: refused at its line and column
    L("lesion_id-NUL-char-row5", cell(5, "lesion_id", "T\x001"), "refuse", (5,), "lesion_id"),
    L("patient_id-NUL-char-row23", where("patient_id", "P4", "P4\x00x"), "refuse", (23,), "patient_id"),
    L("long_axis_mm-NUL-char-row5", cell(5, "long_axis_mm", "2\x008"), "refuse", (5,), "long_axis_mm"),
    # duplicated rows and lesion ids
    L("duplicate-target-row5", append_copy(5), "noisy", (5, 27), "lesion_id"),
    L("duplicate-target-row5-other-size", append_copy(5, long_axis_mm="30"), "noisy", (5, 27), "lesion_id"),
    L("duplicate-nontarget-row7", append_copy(7), "noisy", (7, 27), "lesion_id"),
    L("duplicate-lesion_id-other-patient-row13", append_copy(13, patient_id="P1", day="56"), "either",
      (27,), "role"),
    L("lesion_id-of-target-on-nontarget-row4", cell(4, "lesion_id", "T1"), "refuse", (2, 4), "lesion_id"),
    # rows in another order, extra and renamed columns: the same results
    L("rows-shuffled", shuffled(), "same"),
    L("extra-column-comment", add_column("comment", lambda i: f"note {i}"), "same",
      check=_extra_column_kept_or_named("comment")),
    L("extra-column-empty", add_column("x_unused", ""), "same"),  # constant per patient: patient information
    L("extra-column-unicode-name", add_column("Ω remark", lambda i: f"ok {i}"), "same",
      check=_extra_column_kept_or_named("Ω remark")),
    L("extra-column-equivocal-maybe", add_column("equivocal", "maybe"), "refuse", (2,), "equivocal"),
    L("extra-column-modality-ultrasound", add_column("modality", "ultrasound"), "either", (2,), "modality"),
    L("header-Patient-ID-with-space", rename("patient_id", "Patient ID"), "same"),
    L("header-upper-case", lambda t: [[c.upper() for c in t[0]], *t[1:]], "same"),
    L("header-unknown-name-for-lesion_id", rename("lesion_id", "lesion"), "refuse", column="lesion_id"),
    L("header-two-spellings-of-one-column", add_column("Patient ID", "P9"), "refuse", column="patient_id"),
]

DATED, PAT = "lesions.csv", "patients.csv"


def D(id_: str, mutate: Mutation, expect: str, rows: tuple[int, ...] = (), column: str | None = None,
      **kw) -> Case:
    return Case(f"dated-{id_}", "dated", DATED, mutate, expect, rows, column, **kw)


def PT(id_: str, mutate: Mutation, expect: str, rows: tuple[int, ...] = (), column: str | None = None,
       **kw) -> Case:
    return Case(f"patients-{id_}", "pat", PAT, mutate, expect, rows, column, **kw)


DATE_CASES = [
    D("date-2021-02-30-row5", cell(5, "date", "2021-02-30"), "refuse", (5,), "date"),
    D("date-2023-02-29-row5", cell(5, "date", "2023-02-29"), "refuse", (5,), "date"),
    D("date-empty-row5", cell(5, "date", ""), "refuse", (5,), "date"),
    D("date-basic-iso-row5", cell(5, "date", "20210505"), "same_or_refuse", (5,), "date"),
    D("date-with-time-row5", cell(5, "date", "2021-05-05T00:00:00"), "same_or_refuse", (5,), "date"),
    D("date-no-zero-padding-row5", cell(5, "date", "2021-5-5"), "same_or_refuse", (5,), "date"),
    D("date-year-1900-row5", cell(5, "date", "1900-01-01"), "either", (5,), "date"),
    D("date-year-9999-P3", where("date", "2021-06-30", "9999-12-31", match="P3"), "either", (21, 22), "date"),
    D("date-and-day-contradict", add_column("day", "0"), "refuse", (2,), "date"),
    D("rows-shuffled", shuffled(), "same"),
    Case("dated-no-patient-table", "dated_alone", DATED, None, "refuse", column="treatment_start"),
]

PATIENT_CASES = [
    PT("treatment_start-2021-02-30-row3", cell(3, "treatment_start", "2021-02-30"), "refuse", (3,),
       "treatment_start"),
    PT("treatment_start-empty-row2", cell(2, "treatment_start", ""), "refuse", column="treatment_start",
       located_in=DATED),
    PT("duplicate-patient-other-start", append_copy(2, treatment_start="2021-03-01"), "refuse", (2, 6),
       "patient_id"),
    PT("duplicate-patient-identical", append_copy(2), "noisy", (2, 6), "patient_id"),
    PT("extra-patient-without-lesions", append_copy(2, patient_id="P9"), "either"),
    PT("treatment_end-before-start-row2", cell(2, "treatment_end", "2021-01-01"), "refuse", (2,),
       "treatment_end"),
    PT("os_days-negative-row4", cell(4, "os_days", "-5"), "refuse", (4,), "os_days"),
    PT("os_days-before-last-assessment-row2", cell(2, "os_days", "30"), "refuse", (2,), "os_days"),
    PT("os_event-2-row3", cell(3, "os_event", "2"), "refuse", (3,), "os_event"),
    PT("os_event-yes-row3", cell(3, "os_event", "yes"), "either", (3,), "os_event"),
    PT("drop_column-patient_id", drop_column("patient_id"), "refuse", column="patient_id"),
    PT("drop_column-treatment_start", drop_column("treatment_start"), "refuse", column="treatment_start",
       located_in=DATED),
    PT("patient_id-lower-case-row2", cell(2, "patient_id", "p1"), "refuse", located_in=DATED),
    PT("rows-reversed", reversed_rows, "same"),
    PT("extra-column", add_column("site", "Paris"), "same"),
]


def P(id_: str, mutate: Mutation, expect: str, rows: tuple[int, ...] = (), column: str | None = None,
      **kw) -> Case:
    return Case(f"pet-{id_}", "pet", "pet.csv", mutate, expect, rows, column, **kw)


PET_CASES = [
    P("sulpeak-abc-row4", cell(4, "sulpeak", "abc"), "refuse", (4,), "sulpeak"),
    P("sulpeak-inf-row4", cell(4, "sulpeak", "inf"), "refuse", (4,), "sulpeak"),
    P("sulpeak-negative-row4", cell(4, "sulpeak", "-5.6"), "refuse", (4,), "sulpeak"),
    P("sulpeak-nan-row4", cell(4, "sulpeak", "nan"), "either", (4,), "sulpeak"),
    P("uptake_min-negative-P2", where("uptake_min", "61", "-61"), "either", (7, 8), "uptake_min"),
    P("liver_sul_mean-disagrees-in-scan-row4", cell(4, "liver_sul_mean", "2.5"), "refuse", (4, 5),
      "liver_sul_mean"),
    P("cycles_before_scan-float-P1", where("cycles_before_scan", "3", "2.5", match="P1"), "either", (4, 5),
      "cycles_before_scan"),
    P("day-float-60.5-P2", where("day", "60", "60.5"), "refuse", (7, 8), "day"),
    P("role-new-at-baseline-row3", cell(3, "role", "new"), "refuse", (3,), "role"),
    P("status-gone-row4", cell(4, "status", "gone"), "refuse", (4,), "status"),
    P("status-PRESENT-everywhere", where("status", "present", "PRESENT"), "same_or_refuse", column="status"),
    P("drop_column-sulpeak", drop_column("sulpeak"), "either", column="sulpeak"),
    P("drop_column-lesion_id", drop_column("lesion_id"), "refuse", column="lesion_id"),
    P("duplicate-row4", append_copy(4), "noisy", (4, 11), "lesion_id"),
    P("only_baseline-P3", drop_rows(10), "accept", check=_in_table("best_response", "patient_id", "P3")),
    P("rows-shuffled", shuffled(), "same"),
    P("extra-column", add_column("scanner", "GE"), "same", check=_extra_column_kept_or_named("scanner")),
    P("patient_id-unicode", where("patient_id", "P2", "Ψ-2"), "same", renamed={"Ψ-2": "P2"}),
    Case("pair-pet-recist_response-XX-row4", "pair", "pet.csv",
         chain(add_column("recist_response", lambda i: "PR" if i in (4, 5) else ""),
               cell(4, "recist_response", "XX")),
         "refuse", (4,), "recist_response"),
    Case("pair-pet-patient-lower-case", "pair", "pet.csv", where("patient_id", "P1", "p1"), "either"),
    Case("pair-pet-rows-shuffled", "pair", "pet.csv", shuffled(), "same"),
]


def S(id_: str, file: str, mutate: Mutation, expect: str, rows: tuple[int, ...] = (),
      column: str | None = None, **kw) -> Case:
    return Case(f"sdtm-{id_}", "sdtm", f"sdtm/{file}", mutate, expect, rows, column, **kw)


SDTM_CASES = [
    S("TRSTRES-abc-row5", "tr.csv", chain(cell(5, "TRSTRESN", "abc"), cell(5, "TRSTRESC", "abc")), "refuse",
      (5,), "TRSTRESC"),
    S("TRSTRES-inf-row5", "tr.csv", chain(cell(5, "TRSTRESN", "inf"), cell(5, "TRSTRESC", "inf")), "refuse",
      (5,), "TRSTRESN"),
    S("TRSTRES-negative-row5", "tr.csv", chain(cell(5, "TRSTRESN", "-28"), cell(5, "TRSTRESC", "-28")),
      "refuse", (5,), "TRSTRESC"),
    S("TRSTRESN-disagrees-with-TRSTRESC-row5", "tr.csv", cell(5, "TRSTRESN", "30"), "noisy", (5,)),
    S("TRDTC-2021-02-30-row5", "tr.csv", where("TRDTC", "2021-05-01", "2021-02-30"), "refuse", (5, 6, 7),
      "TRDTC"),
    S("TRDY-float-row5", "tr.csv", where("TRDY", "56", "56.5"), "refuse", (5, 6, 7), "TRDY"),
    S("TRDY-text-row5", "tr.csv", where("TRDY", "56", "day56"), "refuse", (5, 6, 7), "TRDY"),
    S("TRSTRESU-CM-upper-row2", "tr.csv", chain(cell(2, "TRSTRESU", "CM"), cell(2, "TRSTRESN", "4.0"),
                                               cell(2, "TRSTRESC", "4.0")), "accept", (2,), "TRSTRESU",
      check=_in_table("lesions", "long_axis_mm", "40.0", where_patient="S1")),
    S("TUMSTATE-lower-case", "tr.csv", where("TRSTRESC", "PRESENT", "present"), "same_or_refuse",
      column="TRSTRESC"),
    S("TUMSTATE-MAYBE-row7", "tr.csv", cell(7, "TRSTRESC", "MAYBE"), "refuse", (7,), "TRSTRESC"),
    S("TR-drop_column-TRTESTCD", "tr.csv", drop_column("TRTESTCD"), "refuse", column="TRTESTCD"),
    S("TR-drop_column-TRLNKID", "tr.csv", drop_column("TRLNKID"), "refuse", column="TRLNKID"),
    S("TR-lesion-not-in-TU-row5", "tr.csv", cell(5, "TRLNKID", "T99"), "refuse", (5,), "TRLNKID"),
    S("TR-rows-shuffled", "tr.csv", shuffled(), "same"),
    S("TU-TUSTRESC-lower-case", "tu.csv", where("TUSTRESC", "TARGET", "target"), "same_or_refuse",
      column="TUSTRESC"),
    S("TU-TUSTRESC-BOGUS-row2", "tu.csv", cell(2, "TUSTRESC", "BOGUS"), "refuse", (2,), "TUSTRESC"),
    S("TU-TULOC-empty-row3", "tu.csv", cell(3, "TULOC", ""), "refuse", (3,), "TULOC"),
    S("TU-duplicate-lesion-other-role", "tu.csv", append_copy(2, TUSTRESC="NON-TARGET"), "refuse", (2, 8),
      "TUSTRESC"),
    S("RS-RSSTRESC-CHECK-row2", "rs.csv", cell(2, "RSSTRESC", "CHECK"), "accept",
      check=_in_table("recorded", "patient_id", "S1")),
    S("RS-RSDTC-2021-02-30-row2", "rs.csv", cell(2, "RSDTC", "2021-02-30"), "refuse", (2,), "RSDTC"),
    S("RS-unknown-subject-row3", "rs.csv", cell(3, "USUBJID", "S9"), "either", (3,), "USUBJID"),
    S("RS-drop_column-RSTESTCD", "rs.csv", drop_column("RSTESTCD"), "refuse", column="RSTESTCD"),
]


def Opt(id_: str, args: tuple[str, ...], expect: str, named: str | None = None, **kw) -> Case:
    """An option with an odd value, on the valid lesion table; a refusal must say ``named``."""
    fragments = (named,) if named else ()
    return Case(f"option-{id_}", "les", "", None, expect, args=args, fragments=fragments, **kw)


OPTION_CASES = [
    Opt("min_sd_days-negative", ("--option", "min_sd_days=-1"), "either", "min_sd_days"),
    Opt("min_sd_days-huge", ("--option", "min_sd_days=1000000000"), "either"),
    Opt("min_sd_days-float", ("--option", "min_sd_days=56.5"), "refuse", "min_sd_days"),
    Opt("option-without-name", ("--option", "=56"), "refuse", "option"),
    Opt("min_sd_days-given-twice", ("--option", "min_sd_days=56", "--option", "min_sd_days=42"), "either"),
    Opt("max_targets-zero", ("--option", "max_targets=0"), "either"),
    Opt("on_baseline_violation-upper-case", ("--option", "on_baseline_violation=WARN"), "same_or_refuse"),
    Opt("metabolic-option-on-lesion-table", ("--option", "percist_pmd_inclusive=true"), "either"),
    Opt("criteria-upper-case", ("--criteria", "RECIST11"), "either"),
    Opt("patient-key-unknown-column", ("--patient-key", "study,patient_id"), "refuse", "study"),
    Opt("map-to-unknown-contract-column", ("--map", "organ=colour"), "refuse", "colour"),
    Opt("map-two-columns-onto-one", ("--map", "lesion_id=patient_id"), "refuse", "patient_id"),
    Opt("patients-file-missing", ("--patients", "nosuch_patients.csv"), "refuse", "nosuch_patients.csv"),
    Opt("pet-is-the-lesion-table-all", ("--pet", "lesions.csv"), "either", "lesions.csv"),
    Opt("pet-is-the-lesion-table-percist", ("--pet", "lesions.csv", "--criteria", "recist11,percist"),
        "refuse", "lesions.csv"),
    Opt("warn-implausible-on-valid-input", ("--warn-implausible",), "same"),
    Opt("exclude-invalid-on-valid-input", ("--exclude-invalid",), "same"),
]


CROSS_CASES = [
    Case("pet-given-as-patients", "pet", "pet.csv", None, "refuse", args=("--patients", "pet.csv")),
    Case("pet-given-also-as-pet", "pet", "pet.csv", None, "either", args=("--pet", "pet.csv")),
    Case("dated-patients-given-as-pet", "dated", PAT, None, "refuse", args=("--pet", "patients.csv")),
]

MUTATION_CASES = [*LESION_CASES, *DATE_CASES, *PATIENT_CASES, *PET_CASES, *SDTM_CASES, *OPTION_CASES,
                  *CROSS_CASES]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in MUTATION_CASES])
def test_mutated_input(case: Case, tmp_path, unmutated):
    base = INPUTS[case.base]
    write_input(tmp_path, base, case)
    args = tuple(_in(tmp_path, a) for a in case.args)
    assessed = cli(*assess_args(tmp_path, base, args))
    validate, validate_sees_all = validate_args(tmp_path, base, args)
    validated = cli(*validate)
    texts = {"assess": assert_clean_exit(assessed), "validate": assert_clean_exit(validated)}
    codes = {"assess": assessed.exit_code, "validate": validated.exit_code}
    commands = ["assess", "validate"] if validate_sees_all else ["assess"]

    for command in commands:
        if codes[command] == 2:
            if case.file:
                assert_located(texts[command], case.located_in or case.file, case.rows, case.column)
            for fragment in case.fragments:
                assert fragment in texts[command], (fragment, texts[command])
    if case.expect == "refuse":
        assert [codes[c] for c in commands] == [2] * len(commands), (codes, texts)
    elif case.expect in ("same", "accept"):
        assert codes["assess"] == 0, texts["assess"]
    if validate_sees_all:  # validate --criteria checks what assess refuses, no more and no less
        assert codes["validate"] == codes["assess"], (codes, texts)
    if codes["assess"] == 0:
        out = tmp_path / "out"
        if case.expect in ("same", "same_or_refuse"):
            assert_same_outputs(read_outputs(out, case.renamed), unmutated(case.base))
        if case.expect == "noisy":
            assert "warning" in texts["assess"], texts["assess"]
            assert named_rows(texts["assess"]) & set(case.rows), (case.rows, texts["assess"])
        if case.check is not None:
            case.check(out, texts["assess"])


# ---------------------------------------------------------------------------------------------
# explain, compare, report and export on the outputs of a good run (some of them damaged)

UNICODE_LESIONS = _text(chain(where("patient_id", "P1", "Pé😀-1"), where("patient_id", "P2", "P" + "é" * 300),
                              where("lesion_id", "T1", "Ŧ①"))(_table(LESIONS)))
RUNS = {  # name -> (files, assess arguments after INPUT)
    "dated": ({"lesions.csv": _dated(LESIONS, PATIENTS), "patients.csv": PATIENTS},
              ("--patients", "patients.csv", "--criteria", "all")),
    "pet": ({"pet.csv": PET}, ("--criteria", "all")),
    "unicode": ({"lesions.csv": UNICODE_LESIONS}, ("--criteria", "recist11,irecist", "--no-patterns")),
}


@pytest.fixture(scope="module")
def good_runs(tmp_path_factory) -> dict[str, Path]:
    """Each run of RUNS assessed once: name -> the folder holding its inputs and its ``out`` folder."""
    folders = {}
    for name, (files, args) in RUNS.items():
        folder = tmp_path_factory.mktemp(f"good_{name}")
        for file, text in files.items():
            (folder / file).write_text(text, encoding="utf-8", newline="")
        result = cli("assess", folder / next(iter(files)), "--out", folder / "out",
                     *[_in(folder, a) for a in args])
        assert result.exit_code == 0, result.output
        folders[name] = folder
    return folders


def only_csv(out: Path) -> None:
    """The Parquet tables removed, so that the commands read the CSV files a case damages."""
    for path in out.glob("*.parquet"):
        path.unlink()


def csv_edit(name: str, edit: Callable[[str], str]) -> Callable[[Path], None]:
    def damage(out: Path) -> None:
        only_csv(out)
        path = out / f"{name}.csv"
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return damage


def csv_table_edit(name: str, mutation: Mutation) -> Callable[[Path], None]:
    return csv_edit(name, lambda text: _text(mutation(_table(text))))


def remove(name: str) -> Callable[[Path], None]:
    def damage(out: Path) -> None:
        for path in out.glob(f"{name}.*"):
            path.unlink()
    return damage


def patients_edit(mutation: Mutation) -> Callable[[Path], None]:
    def damage(out: Path) -> None:
        path = out.parent / "patients.csv"
        path.write_text(_text(mutation(_table(path.read_text(encoding="utf-8")))), encoding="utf-8")
    return damage


@dataclass(frozen=True)
class OnOutputs:
    id: str
    run: str  # key of RUNS
    args: tuple[str, ...]  # the command and its arguments; OUT is the output folder, files are in its parent
    expect: str  # refuse | accept | either
    fragments: tuple[str, ...] = ()  # a refusal must say these (the file, the column, the value)
    damage: Callable[[Path], None] | None = None
    check: Callable[[Path], None] | None = None  # more checks of an accepted run (the output folder)


def C(id_: str, run: str, args: tuple[str, ...], expect: str, *fragments: str,
      damage: Callable[[Path], None] | None = None, check: Callable[[Path], None] | None = None) -> OnOutputs:
    return OnOutputs(id_, run, args, expect, fragments, damage, check)


def xpt_as_csv(out: Path) -> None:
    """Every exported SAS transport file holds the identifiers of its CSV twin, unchanged."""
    for xpt in out.glob("*.xpt"):
        written = pd.read_csv(xpt.with_suffix(".csv"), dtype=str, keep_default_na=False)
        read = pd.read_sas(xpt, format="xport", encoding="utf-8")
        for column in ("STUDYID", "USUBJID"):
            assert list(read[column]) == list(written[column]), (xpt.name, column)


OUTPUT_CASES = [
    # explain
    C("explain-patient-empty-string", "dated", ("explain", "OUT", ""), "refuse", "patient"),
    C("explain-patient-lower-case", "dated", ("explain", "OUT", "p1"), "either", "p1"),
    C("explain-patient-unicode-absent", "dated", ("explain", "OUT", "Pé😀"), "refuse", "Pé😀"),
    C("explain-unicode-patient", "unicode", ("explain", "OUT", "Pé😀-1"), "accept"),
    C("explain-pet-run", "pet", ("explain", "OUT", "P2"), "accept"),
    C("explain-outdir-is-a-file", "dated", ("explain", "OUT/timepoints.csv", "P1"), "refuse",
      "timepoints.csv"),
    C("explain-timepoints-without-reason", "dated", ("explain", "OUT", "P1"), "refuse", "timepoints.csv",
      "reason", damage=csv_table_edit("timepoints", drop_column("reason"))),
    C("explain-timepoints-cut-mid-row", "dated", ("explain", "OUT", "P1"), "either", "timepoints.csv",
      damage=csv_edit("timepoints", lambda text: text[: len(text) // 2])),
    C("explain-best_response-removed", "dated", ("explain", "OUT", "P1"), "either", "best_response",
      damage=remove("best_response")),
    C("explain-timepoints-day-text", "dated", ("explain", "OUT", "P1"), "either", "timepoints.csv", "day",
      damage=csv_table_edit("timepoints", where("day", "56", "fifty-six"))),
    # compare
    C("compare-reference-irecist", "dated", ("compare", "OUT", "--reference", "irecist"), "accept"),
    C("compare-reference-empty", "dated", ("compare", "OUT", "--reference", ""), "refuse",
      "present: recist11"),
    C("compare-pet-run-reference-percist", "pet", ("compare", "OUT", "--reference", "percist"), "accept"),
    C("compare-best_response-without-column", "dated", ("compare", "OUT"), "refuse", "best_response",
      "best_response", damage=csv_table_edit("best_response", drop_column("best_response"))),
    C("compare-best_response-rows-twice", "dated", ("compare", "OUT"), "either", "best_response",
      damage=csv_table_edit("best_response", doubled)),
    C("compare-best_response-unknown-label", "dated", ("compare", "OUT"), "either", "best_response",
      damage=csv_table_edit("best_response", where("best_response", "PR", "XX"))),
    C("compare-best_response-empty-file", "dated", ("compare", "OUT"), "refuse", "best_response",
      damage=csv_edit("best_response", lambda text: "")),
    # report
    C("report-landmark-days-negative", "dated", ("report", "OUT", "--landmark-days", "-1"), "refuse",
      "landmark"),
    C("report-landmark-days-nan", "dated", ("report", "OUT", "--landmark-days", "nan"), "refuse", "landmark"),
    C("report-landmark-days-huge", "dated", ("report", "OUT", "--landmark-days", "1e9"), "either",
      "landmark"),
    C("report-dcr-landmark-days-text", "dated", ("report", "OUT", "--dcr-landmark-days", "4 months"),
      "refuse", "dcr-landmark-days"),
    C("report-median-split-text-column", "dated",
      ("report", "OUT", "--patients", "patients.csv", "--median-split", "arm"), "refuse", "arm"),
    C("report-median-split-unknown-column", "dated",
      ("report", "OUT", "--patients", "patients.csv", "--median-split", "mtv"), "refuse", "mtv"),
    C("report-patients-os_event-2", "dated", ("report", "OUT", "--patients", "patients.csv"), "refuse",
      "patients.csv", "os_event", damage=patients_edit(cell(3, "os_event", "2"))),
    C("report-patients-duplicate-patient", "dated", ("report", "OUT", "--patients", "patients.csv"), "refuse",
      "patients.csv", "P1", damage=patients_edit(append_copy(2, os_days="500"))),
    C("report-patients-file-missing", "dated", ("report", "OUT", "--patients", "nosuch.csv"), "refuse",
      "nosuch.csv"),
    C("report-unicode-run-long-title", "unicode", ("report", "OUT", "--title", "Ω " * 200), "accept"),
    # export
    C("export-no-flag", "dated", ("export", "OUT"), "either", "--sdtm"),
    C("export-study-id-300-chars", "dated", ("export", "OUT", "--adam", "--study-id", "S" * 300), "either",
      "study", check=xpt_as_csv),
    C("export-study-id-unicode", "dated", ("export", "OUT", "--sdtm", "--study-id", "ÉTUDE-Ω"), "either",
      "study", check=xpt_as_csv),
    C("export-unicode-and-300-char-ids", "unicode", ("export", "OUT", "--sdtm", "--adam"), "either",
      "patient", check=xpt_as_csv),
    C("export-pet-run", "pet", ("export", "OUT", "--sdtm", "--adam"), "accept"),
    C("export-timepoints-without-overall_response", "dated", ("export", "OUT", "--sdtm"), "refuse",
      "timepoints", "overall_response",
      damage=csv_table_edit("timepoints", drop_column("overall_response"))),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in OUTPUT_CASES])
def test_command_on_outputs(case: OnOutputs, tmp_path, good_runs):
    folder = tmp_path / "run"
    shutil.copytree(good_runs[case.run], folder)
    out = folder / "out"
    if case.damage is not None:
        case.damage(out)
    args = [str(out) + a[3:] if a.startswith("OUT") else _in(folder, a) for a in case.args]
    result = cli(*args)
    text = assert_clean_exit(result)
    if case.expect == "refuse":
        assert result.exit_code == 2, text
    elif case.expect == "accept":
        assert result.exit_code == 0, text
    if result.exit_code == 2:
        for fragment in case.fragments:
            assert fragment in text, (fragment, text)
    elif case.check is not None:
        case.check(out)
