"""A seeded, deterministic fuzz of the user tables the atypical patterns read, one mutation per case.

The project's rule (README "Atypical patterns, irAE look-alikes and biomarkers", spec/patterns.md 0.5,
5.3, 6.2-6.4): bad input stops with a located message (file, row as the user sees it, header = row 1,
column, what was expected) and exit code 2, never a traceback (exit 1); nothing the user gave is silently
dropped or changed.

The valid inputs: a lesion table of four patients (H1 with a pre-baseline scan and hyperprogression, R2 a
responder with a pre-baseline scan, P3 a new node then resolution: pseudoprogression, S4 stable, whose
reference scan is given in the patient table as ``prebaseline_date`` + ``prebaseline_sum_mm``), a patient
table with dates and biomarkers (PD-L1 TPS/CPS, MSI/MMR, TMB), a visits table (dated ECOG: H1 1 -> 3 in
the first 60 days), a clinical-events table, an imaging-findings table with irAE-looking findings (diffuse
thyroid uptake, bilateral ground-glass opacity) and an IL-8 samples table. Each case mutates one table
(or gives one table to the wrong option) and runs ``ioresponse patterns`` with it; a case on the patient
or lesion table also runs ``ioresponse assess`` (which takes ``--patients`` but none of ``--visits``,
``--events``, ``--findings``, ``--samples``). The lesion-table fuzz of ``assess`` itself is
tests/cli/test_fuzz_exit_codes.py; the rules' results by hand are
tests/patterns/test_irae_biomarkers_by_hand.py.

To stay fast, a case on a side table gives ``patterns`` the lesion table, the treatment starts as the
patient table, that side table, ``--criteria recist11`` and the ``--definitions`` of the patterns reading
it (visits: Lo Russo 2019; events, findings: irae; samples: biomarkers); a case on the patient or lesion
table gives the lesion and patient tables, the default definitions and ``--criteria recist11,irecist``.

Every case asserts: exit code 0 or 2, no traceback, and a refusal names the file (and the row or column
of a fault at a row). On top, per case:

- ``refuse``: exit 2 from every command run (a required column missing, an out-of-range value, ...);
- ``same``: exit 0 and every output equal to the unmutated run's (rows reordered, an extra column, ...);
- ``same_or_refuse``: either, and when accepted the outputs equal the unmutated run's;
- ``same_flags``: exit 0 and the same flags (the values may show the user's spelling, e.g. "msi-h");
- ``noisy``: either, and when accepted a warning names the column or a row of the fault (a value the
  rules cannot use must not vanish silently);
- ``accept``: exit 0 (an extra check may say what the outputs hold);
- ``either``: 0 or 2.

Where the program does not do so, the case is marked ``xfail(strict=True)`` with what happens and the
last frame in src/.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))  # the CLI test helpers (tests/cli)
from _cli import cli, flat  # noqa: E402
from test_fuzz_exit_codes import (  # noqa: E402
    Mutation,
    Table,
    _last_frame,
    _table,
    _text,
    add_column,
    append_copy,
    assert_located,
    cell,
    chain,
    drop_column,
    drop_rows,
    named_rows,
    rename,
    shuffled,
    where,
)

SEED = 20240612
"""Every random choice of this file (row shuffles) comes from this seed."""

# ---------------------------------------------------------------------------------------------
# The valid inputs (tests/patterns/side_tables_example.py: file rows and hand-worked values noted there)
from side_tables_example import EVENTS, FINDINGS, LESIONS, PATIENTS, SAMPLES, STARTS, VISITS, VISITS_BY_DAY  # noqa: E402

BASE = {"lesions.csv": LESIONS, "patients.csv": PATIENTS, "visits.csv": VISITS, "events.csv": EVENTS,
        "findings.csv": FINDINGS, "samples.csv": SAMPLES, "starts.csv": STARTS}
OPTION = {"patients.csv": "--patients", "visits.csv": "--visits", "events.csv": "--events",
          "findings.csv": "--findings", "samples.csv": "--samples"}
SIDE_DEFINITIONS = {"visits.csv": "hpd.lo_russo2019", "events.csv": "irae", "findings.csv": "irae",
                    "samples.csv": "biomarkers"}
"""The patterns that read each side table (the ``--definitions`` of a case on it)."""
CRITERIA = "recist11,irecist"
"""The criteria of a case on the patient or lesion table (iRECIST for pseudoprogression); RECIST 1.1 alone
for a case on a side table."""

# ---------------------------------------------------------------------------------------------
# Mutations beyond those of tests/cli/test_fuzz_exit_codes.py


def replaced_by(text: str) -> Mutation:
    """The whole table replaced by ``text`` (another valid spelling of the same data)."""
    return lambda table: _table(text)


def empty_file(table: Table) -> Table:
    return []


def header_only(table: Table) -> Table:
    return table[:1]


def upper_header(column: str) -> Mutation:
    return rename(column, column.upper())


# ---------------------------------------------------------------------------------------------
# Running a case


@dataclass(frozen=True)
class Case:
    id: str
    table: str  # the table (key of BASE) under test: its option and its definitions are used
    mutate: Mutation | None
    expect: str  # refuse | same | same_or_refuse | same_flags | noisy | accept | either
    rows: tuple[int, ...] = ()  # the rows of the fault: a refusal must name one of them
    column: str | None = None  # the column of the fault: a refusal must name it
    given: str = ""  # the file given to the table's option instead (the wrong table); not mutated
    check: Callable[[Path], None] | None = None  # more checks of an accepted patterns run (its --out)
    located_in: str = ""  # the file a refusal names, when not the table (a fault seen in another file)


def write_inputs(folder: Path, case: Case | None) -> None:
    for name, text in BASE.items():
        if case is not None and case.mutate is not None and name == case.table:
            text = _text(case.mutate(_table(text)))
        (folder / name).write_text(text, encoding="utf-8", newline="")


def _full(table: str) -> bool:
    return table in ("lesions.csv", "patients.csv")


def patterns_args(folder: Path, case_table: str, given: str = "") -> list:
    full = _full(case_table)
    args: list = ["patterns", folder / "lesions.csv", "--out", folder / "out",
                  "--criteria", CRITERIA if full else "recist11"]
    tables = {"patients.csv": "--patients"}
    if not full:
        tables = {"starts.csv": "--patients", case_table: OPTION[case_table]}
    for name, option in tables.items():
        args += [option, folder / (given if given and name == case_table else name)]
    return args if full else [*args, "--definitions", SIDE_DEFINITIONS[case_table]]


def assess_args(folder: Path, given: str = "") -> list:
    return ["assess", folder / "lesions.csv", "--out", folder / "assessed", "--format", "csv",
            "--criteria", CRITERIA, "--patients", folder / (given or "patients.csv")]


FINDING_ID = re.compile(r"finding \d+")
"""A finding's id is its position in the findings table ("finding 2"): another row order renumbers it."""
PATTERN_OUTPUTS = ("patterns", "irae_flags", "biomarkers", "il8")
ASSESS_OUTPUTS = ("timepoints", "best_response", "patterns")
FLAG_COLUMNS = ["patient_id", "pattern", "definition", "episode", "day", "flag"]


def read_outputs(out: Path, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The CSV outputs as text, finding ids blanked, rows sorted: comparable across row orders."""
    tables = {}
    for name in names:
        path = out / f"{name}.csv"
        if not path.exists():
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame = frame.drop(columns="source_row", errors="ignore")
        frame = frame.apply(lambda column: column.str.replace(FINDING_ID, "finding #", regex=True))
        tables[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return tables


def assert_same(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame], flags_only: bool = False
                ) -> None:
    assert sorted(got) == sorted(want)
    for name, frame in want.items():
        if flags_only:
            if "flag" not in frame:
                continue
            frame = frame[FLAG_COLUMNS].sort_values(FLAG_COLUMNS).reset_index(drop=True)
            other = got[name][FLAG_COLUMNS].sort_values(FLAG_COLUMNS).reset_index(drop=True)
        else:
            other = got[name]
        pd.testing.assert_frame_equal(other, frame, obj=name)


@pytest.fixture(scope="module")
def unmutated(tmp_path_factory):
    """The outputs of each command on the valid inputs, per table scope, computed once."""
    cache: dict[tuple[str, str], dict[str, pd.DataFrame]] = {}

    def outputs(command: str, table: str) -> dict[str, pd.DataFrame]:
        key = (command, "full" if _full(table) else table)
        if key not in cache:
            folder = tmp_path_factory.mktemp(f"unmutated_{command}_{key[1].replace('.', '_')}")
            write_inputs(folder, None)
            if command == "patterns":
                result = cli(*patterns_args(folder, table))
                cache[key] = read_outputs(folder / "out", PATTERN_OUTPUTS)
            else:
                result = cli(*assess_args(folder))
                cache[key] = read_outputs(folder / "assessed", ASSESS_OUTPUTS)
            assert result.exit_code == 0, result.output
        return cache[key]

    return outputs


def assert_clean_exit(result) -> str:
    """Exit code 0 or 2, never a traceback; returns the output with line wrapping undone."""
    assert result.exit_code in (0, 2), (result.exit_code, repr(result.exception), _last_frame(result),
                                        result.output[-2000:])
    assert "Traceback" not in result.output
    return flat(result)


# ---------------------------------------------------------------------------------------------
# Checks of accepted runs


def _pattern_flag(patient: str, definition: str, flag: str) -> Callable[[Path], None]:
    def check(out: Path) -> None:
        frame = pd.read_csv(out / "patterns.csv", dtype=str, keep_default_na=False)
        got = frame.loc[(frame["patient_id"] == patient) & (frame["definition"] == definition), "flag"]
        assert list(got) == [flag], (patient, definition, list(got))
    return check


def _il8(patient: str, column: str, values: list[str]) -> Callable[[Path], None]:
    def check(out: Path) -> None:
        frame = pd.read_csv(out / "il8.csv", dtype=str, keep_default_na=False)
        assert list(frame.loc[frame["patient_id"] == patient, column]) == values
    return check


# ---------------------------------------------------------------------------------------------
# The cases



def fuzz(table: str, id_: str, mutate: Mutation | None, expect: str, rows: tuple[int, ...] = (),
         column: str | None = None, *, xfail: str = "", **kw: object):
    stem = table.removesuffix(".csv")
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(Case(f"{stem}-{id_}", table, mutate, expect, rows, column, **kw),
                        id=f"{stem}-{id_}", marks=marks)


V, E, F, S, PT, L = "visits.csv", "events.csv", "findings.csv", "samples.csv", "patients.csv", "lesions.csv"

VISIT_CASES = [
    # a required column missing
    fuzz(V, "drop_column-ecog", drop_column("ecog"), "refuse", column="ecog"),
    fuzz(V, "drop_column-patient_id", drop_column("patient_id"), "refuse", column="patient_id"),
    fuzz(V, "drop_column-date", drop_column("date"), "refuse", column="date"),
    # cells empty
    fuzz(V, "empty-date-row3", cell(3, "date", ""), "noisy", (3,), "date"),
    fuzz(V, "empty-patient_id-row3", cell(3, "patient_id", ""), "noisy", (3,), "patient_id"),
    # text and out-of-range values in ECOG (0-4, spec 0.5)
    fuzz(V, "ecog-1-2-row3", cell(3, "ecog", "1-2"), "refuse", (3,), "ecog"),
    fuzz(V, "ecog-7-row3", cell(3, "ecog", "7"), "refuse", (3,), "ecog"),
    fuzz(V, "ecog-5-row3", cell(3, "ecog", "5"), "refuse", (3,), "ecog"),  # 5 = dead, no visit (spec 0.5)
    fuzz(V, "ecog-2.5-row3", cell(3, "ecog", "2.5"), "refuse", (3,), "ecog"),
    fuzz(V, "ecog-3.0-row3", cell(3, "ecog", "3.0"), "same_or_refuse", (3,), "ecog"),
    # dates in other formats, impossible dates; days instead of dates, as floats
    fuzz(V, "date-2021-02-30-row3", cell(3, "date", "2021-02-30"), "refuse", (3,), "date"),
    fuzz(V, "date-10/02/2021-row3", cell(3, "date", "10/02/2021"), "same_or_refuse", (3,), "date"),
    fuzz(V, "by-day", replaced_by(VISITS_BY_DAY), "same"),
    fuzz(V, "day-float-37.0-row3", chain(replaced_by(VISITS_BY_DAY), cell(3, "day", "37.0")),
         "same_or_refuse", (3,), "day"),
    fuzz(V, "day-float-37.5-row3", chain(replaced_by(VISITS_BY_DAY), cell(3, "day", "37.5")), "refuse",
         (3,), "day"),
    fuzz(V, "day-text-row3", chain(replaced_by(VISITS_BY_DAY), cell(3, "day", "d37")), "refuse", (3,), "day"),
    fuzz(V, "date-and-day-contradict", add_column("day", "0"), "refuse", (2,), "day"),
    # patients not in the lesion table, mixed case ids
    fuzz(V, "patient-not-in-lesions-dated", append_copy(2, patient_id="Z9"), "either", (8,), "patient_id"),
    fuzz(V, "patient_id-lower-case-by-day",
         chain(replaced_by(VISITS_BY_DAY), where("patient_id", "H1", "h1")), "noisy", (2, 3), "patient_id"),
    # duplicated rows with other values
    fuzz(V, "duplicate-visit-other-ecog", append_copy(3, ecog="0"), "noisy", (3, 8), "ecog"),
    # order, extra columns, header spellings
    fuzz(V, "rows-shuffled", shuffled(SEED), "same"),
    fuzz(V, "extra-column", add_column("physician", "Dr X"), "same"),
    fuzz(V, "header-ECOG-upper-case", upper_header("ecog"), "same_or_refuse", column="ecog"),
    # empty and header-only files
    fuzz(V, "empty-file", empty_file, "refuse"),
    fuzz(V, "header-only", header_only, "either"),
]

EVENT_CASES = [
    fuzz(E, "drop_column-event", drop_column("event"), "refuse", column="event"),
    fuzz(E, "drop_column-date", drop_column("date"), "refuse", column="date"),
    fuzz(E, "drop_column-patient_id", drop_column("patient_id"), "refuse", column="patient_id"),
    fuzz(E, "empty-event-row2", cell(2, "event", ""), "noisy", (2,), "event"),
    fuzz(E, "empty-date-row2", cell(2, "date", ""), "noisy", (2,), "date"),
    fuzz(E, "date-2021-04-31-row2", cell(2, "date", "2021-04-31"), "refuse", (2,), "date"),
    fuzz(E, "date-24/04/2021-row2", cell(2, "date", "24/04/2021"), "same_or_refuse", (2,), "date"),
    fuzz(E, "by-day", replaced_by("patient_id,day,event,grade\nP3,54,pneumonitis,2\nR2,47,thyroiditis,1\n"),
         "same_flags"),
    fuzz(E, "day-float-54.5", replaced_by("patient_id,day,event,grade\nP3,54.5,pneumonitis,2\n"
                                          "R2,47,thyroiditis,1\n"), "refuse", (2,), "day"),
    fuzz(E, "event-mixed-case-row2", cell(2, "event", "Pneumonitis"), "same_or_refuse", (2,), "event"),
    fuzz(E, "grade-6-row2", cell(2, "grade", "6"), "refuse", (2,), "grade"),  # CTCAE v5.0 grades 1-5
    fuzz(E, "grade-text-row3", cell(3, "grade", "mild"), "refuse", (3,), "grade"),
    fuzz(E, "patient-not-in-lesions", append_copy(2, patient_id="Z9"), "either", (4,), "patient_id"),
    fuzz(E, "rows-shuffled", lambda t: [t[0], t[2], t[1]], "same"),
    fuzz(E, "extra-column", add_column("reporter", "nurse"), "same"),
    fuzz(E, "empty-file", empty_file, "refuse"),
    fuzz(E, "header-only", header_only, "either"),
]

FINDING_CASES = [
    fuzz(F, "drop_column-organ", drop_column("organ"), "refuse", column="organ"),
    fuzz(F, "drop_column-patient_id", drop_column("patient_id"), "refuse", column="patient_id"),
    fuzz(F, "drop_column-day", drop_column("day"), "refuse", column="day"),
    fuzz(F, "empty-organ-row2", cell(2, "organ", ""), "noisy", (2,), "organ"),
    fuzz(F, "empty-day-row2", cell(2, "day", ""), "noisy", (2,), "day"),
    fuzz(F, "suvmax-high-row2", cell(2, "suvmax", "high"), "refuse", (2,), "suvmax"),
    fuzz(F, "suvmax-negative-row2", cell(2, "suvmax", "-6.1"), "refuse", (2,), "suvmax"),
    fuzz(F, "size_mm-2cm-row3", cell(3, "size_mm", "2 cm"), "refuse", (3,), "size_mm"),
    fuzz(F, "day-float-56.5-row2", cell(2, "day", "56.5"), "refuse", (2,), "day"),
    fuzz(F, "day-float-56.0-row2", cell(2, "day", "56.0"), "same_or_refuse", (2,), "day"),
    fuzz(F, "finding-misspelt-row2", cell(2, "finding", "uptke"), "noisy", (2,), "finding"),
    fuzz(F, "pattern-misspelt-row3", cell(3, "pattern", "groundglass"), "noisy", (3,), "pattern"),
    fuzz(F, "side-both-row3", cell(3, "side", "both"), "noisy", (3,), "side"),
    fuzz(F, "organ-mixed-case-row2", cell(2, "organ", "Thyroid"), "same_or_refuse", (2,), "organ"),
    fuzz(F, "by-date", replaced_by("patient_id,date,organ,side,finding,pattern,suvmax,size_mm\n"
                                   "R2,2021-03-29,thyroid,,uptake,diffuse,6.1,\n"
                                   "P3,2021-04-24,lung,bilateral,opacity,ground_glass,3.2,20\n"), "accept",
         check=_pattern_flag("R2", "IRAE-THY", "true")),
    fuzz(F, "date-2021-03-32-row2",
         replaced_by("patient_id,date,organ,side,finding,pattern,suvmax,size_mm\n"
                     "R2,2021-03-32,thyroid,,uptake,diffuse,6.1,\n"), "refuse", (2,), "date"),
    fuzz(F, "patient-not-in-lesions", append_copy(2, patient_id="Z9"), "either", (4,), "patient_id"),
    fuzz(F, "rows-shuffled", lambda t: [t[0], t[2], t[1]], "same"),
    fuzz(F, "extra-column", add_column("reader_note", "check TSH"), "same"),
    fuzz(F, "empty-file", empty_file, "refuse"),
    fuzz(F, "header-only", header_only, "either"),
]

SAMPLE_CASES = [
    fuzz(S, "drop_column-value", drop_column("value"), "refuse", column="value"),
    fuzz(S, "drop_column-analyte", drop_column("analyte"), "refuse", column="analyte"),
    fuzz(S, "drop_column-unit", drop_column("unit"), "refuse", column="unit"),
    fuzz(S, "drop_column-patient_id", drop_column("patient_id"), "refuse", column="patient_id"),
    fuzz(S, "drop_column-day", drop_column("day"), "refuse", column="day"),
    fuzz(S, "value-high-row3", cell(3, "value", "high"), "refuse", (3,), "value"),
    fuzz(S, "value-negative-row3", cell(3, "value", "-22"), "refuse", (3,), "value"),
    fuzz(S, "empty-day-row3", cell(3, "day", ""), "noisy", (3,), "day"),
    fuzz(S, "day-float-21.5-row3", cell(3, "day", "21.5"), "refuse", (3,), "day"),
    fuzz(S, "day-float-21.0-row3", cell(3, "day", "21.0"), "same_or_refuse", (3,), "day"),
    fuzz(S, "analyte-mixed-case", where("analyte", "IL-8", "il-8"), "same_or_refuse", column="analyte"),
    fuzz(S, "analyte-unknown-row3", cell(3, "analyte", "IL 8"), "noisy", (3,), "analyte"),
    fuzz(S, "analyte-pdl1-rows-added", append_copy(2, analyte="PD-L1 TPS", value="50", unit="%"), "noisy",
         (6,), "analyte"),
    fuzz(S, "unit-changes-at-follow-up-row3", cell(3, "unit", "ng/mL"), "accept",
         check=_il8("R2", "direction", ["not_evaluable"])),
    fuzz(S, "duplicate-baseline-other-value", append_copy(2, value="80"), "noisy", (2, 6), "value"),
    fuzz(S, "rows-shuffled", shuffled(SEED), "same"),
    fuzz(S, "extra-column", add_column("lab", "central"), "same"),
    fuzz(S, "empty-file", empty_file, "refuse"),
    fuzz(S, "header-only", header_only, "either"),
]

PATIENT_CASES = [
    # biomarkers: text and out-of-range values (spec 6.3: outside 0-100 for TPS/CPS/IC, TMB < 0)
    fuzz(PT, "pdl1_tps-50%-row3", cell(3, "pdl1_tps", "50%"), "refuse", (3,), "pdl1_tps"),
    fuzz(PT, "pdl1_tps-150-row3", cell(3, "pdl1_tps", "150"), "refuse", (3,), "pdl1_tps"),
    fuzz(PT, "pdl1_cps-negative-row5", cell(5, "pdl1_cps", "-1"), "refuse", (5,), "pdl1_cps"),
    fuzz(PT, "tmb-high-row4", cell(4, "tmb_mut_per_mb", "high"), "refuse", (4,), "tmb_mut_per_mb"),
    fuzz(PT, "pdl1_tps-60.0-row2", cell(2, "pdl1_tps", "60.0"), "same_or_refuse", (2,), "pdl1_tps"),
    fuzz(PT, "empty-pdl1_tps-row2", cell(2, "pdl1_tps", ""), "accept",
         check=_pattern_flag("H1", "BM-NSCLC-1L-50", "not_evaluable")),
    # unknown and mixed-case categorical values
    fuzz(PT, "msi_status-unknown-row5", cell(5, "msi_status", "unknown"), "accept",
         check=_pattern_flag("S4", "BM-MSI-AGNOSTIC", "not_evaluable")),
    fuzz(PT, "msi_status-MSI-high-row5", cell(5, "msi_status", "MSI-high"), "noisy", (5,), "msi_status"),
    fuzz(PT, "msi_status-lower-case-row4", cell(4, "msi_status", "msi-h"), "same_flags", (4,), "msi_status"),
    fuzz(PT, "tumor_type-lower-case", where("tumor_type", "NSCLC", "nsclc"), "same_flags"),
    fuzz(PT, "egfr_alk_negative-maybe-row2", cell(2, "egfr_alk_negative", "maybe"), "noisy", (2,),
         "egfr_alk_negative"),
    fuzz(PT, "line_of_therapy-first-row2", cell(2, "line_of_therapy", "first"), "noisy", (2,),
         "line_of_therapy"),
    fuzz(PT, "drop_column-tumor_type", drop_column("tumor_type"), "noisy", column="tumor_type"),
    # the reference scan of the patient table (spec 0.2)
    fuzz(PT, "prebaseline_date-2021-02-30-row5", cell(5, "prebaseline_date", "2021-02-30"), "refuse", (5,),
         "prebaseline_date"),
    fuzz(PT, "prebaseline_date-04/02/2021-row5", cell(5, "prebaseline_date", "04/02/2021"), "same_or_refuse",
         (5,), "prebaseline_date"),
    fuzz(PT, "prebaseline_sum_mm-text-row5", cell(5, "prebaseline_sum_mm", "twenty"), "refuse", (5,),
         "prebaseline_sum_mm"),
    fuzz(PT, "prebaseline_sum_mm-without-date-row5", cell(5, "prebaseline_date", ""), "noisy", (5,),
         "prebaseline_date"),
    fuzz(PT, "prebaseline-differs-from-lesion-rows-row2",
         chain(cell(2, "prebaseline_date", "2020-11-09"), cell(2, "prebaseline_sum_mm", "45")), "refuse",
         column="prebaseline_sum_mm"),
    fuzz(PT, "prebaseline-agrees-with-lesion-rows-row2",
         chain(cell(2, "prebaseline_date", "2020-11-09"), cell(2, "prebaseline_sum_mm", "40")), "same"),
    # a patient twice with other values; empty and header-only files
    fuzz(PT, "duplicate-patient-other-tps", append_copy(3, pdl1_tps="80"), "refuse", (3, 6), "patient_id"),
    fuzz(PT, "empty-file", empty_file, "refuse"),
    fuzz(PT, "header-only", header_only, "either"),
]

LESION_CASES = [
    fuzz(L, "drop-prebaseline-scan-H1", drop_rows(2, 3), "accept",
         check=_pattern_flag("H1", "hpd.champiat2017", "not_evaluable")),
    fuzz(L, "prebaseline-scan-misses-a-target-H1", drop_rows(3), "accept",
         check=_pattern_flag("H1", "hpd.champiat2017", "not_evaluable")),
    fuzz(L, "timepoint_label-prebaseline",
         add_column("timepoint_label", lambda i: "prebaseline" if i in (2, 3, 8) else ""), "same"),
    fuzz(L, "side-unknown-value", add_column("side", lambda i: "both sides" if i == 16 else ""), "noisy",
         (16,), "side"),
    fuzz(L, "rows-shuffled", shuffled(SEED), "same"),
]

WRONG_TABLE_CASES = [
    fuzz(F, "given-the-samples-table", None, "refuse", column="organ", given=S),
    fuzz(V, "given-the-lesion-table", None, "refuse", column="ecog", given=L),
    fuzz(V, "given-the-patients-table", None, "refuse", column="ecog", given=PT),
    fuzz(S, "given-the-findings-table", None, "refuse", column="value", given=F),
    fuzz(E, "given-the-samples-table", None, "refuse", column="event", given=S),
    fuzz(PT, "given-the-samples-table", None, "refuse", given=S),
]

CASES = [*VISIT_CASES, *EVENT_CASES, *FINDING_CASES, *SAMPLE_CASES, *PATIENT_CASES, *LESION_CASES,
         *WRONG_TABLE_CASES]


@pytest.mark.parametrize("case", CASES)
def test_mutated_pattern_input(case: Case, tmp_path: Path, unmutated) -> None:
    write_inputs(tmp_path, case)
    runs = {"patterns": cli(*patterns_args(tmp_path, case.table, case.given))}
    if _full(case.table):
        runs["assess"] = cli(*assess_args(tmp_path, case.given))
    texts = {command: assert_clean_exit(result) for command, result in runs.items()}
    codes = {command: result.exit_code for command, result in runs.items()}
    named = case.located_in or case.given or case.table
    for command, text in texts.items():
        if codes[command] == 2:
            assert_located(text, named, case.rows, case.column)
    if case.expect == "refuse":
        assert set(codes.values()) == {2}, (codes, texts)
    elif case.expect in ("same", "same_flags", "accept"):
        assert set(codes.values()) == {0}, (codes, texts)
    outs = {"patterns": (tmp_path / "out", PATTERN_OUTPUTS),
            "assess": (tmp_path / "assessed", ASSESS_OUTPUTS)}
    for command, code in codes.items():
        if code != 0:
            continue
        folder, names = outs[command]
        if case.expect in ("same", "same_or_refuse", "same_flags"):
            assert_same(read_outputs(folder, names), unmutated(command, case.table),
                        flags_only=case.expect == "same_flags")
        if case.expect == "noisy":
            text = texts[command]
            assert "warning" in text, text
            assert (case.column and case.column in text) or named_rows(text) & set(case.rows), text
    if case.check is not None and codes["patterns"] == 0:
        case.check(tmp_path / "out")
