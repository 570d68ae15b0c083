"""`ioresponse report OUTDIR` and `ioresponse export OUTDIR --sdtm|--adam` (issue 8 items 3 and 4).

Both read the files `ioresponse assess INPUT --out OUTDIR` writes (contract.md): timepoints and
best_response (Parquet, else CSV), and lesions / patterns when present. The report's cohort
endpoints and their options are those of spec/patterns.md section 7 (report.html.EndpointOptions).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from ioresponse.cli._common import console, handles_input_errors, output_path, read_output
from ioresponse.schema import DAY, OPTIONS, PATIENT, SOURCE_ROW, InputError, IoresponseWarning

if TYPE_CHECKING:  # the commands import pandas, the cohort statistics and the report when they run
    import pandas as pd

    from ioresponse.io.load import PatientTable
    from ioresponse.report.html import ReportTables

PopulationChoice = Literal["measurable_at_baseline", "all_treated"]
"""The choices of ``report --population``: :data:`ioresponse.cohort.rates.Population`, written out so that
``--help`` and ``--version`` do not import the cohort statistics (scipy, matplotlib);
tests/cli/test_s16_startup.py holds them equal."""


def read_patients(path: Path | None) -> PatientTable | None:
    """The optional patient table (``patient_id``; ``arm``, ``os_days``, ``os_event``, ``treatment_end``,
    ``new_therapy_start`` used when present), read and checked as ``assess`` and ``validate`` read it
    (io.load.read_patients: one row per patient, ISO dates, no date before ``treatment_start``)."""
    from ioresponse.io.load import read_patients as read_checked_patients

    if path is None:
        return None
    if not path.exists():
        raise InputError(str(path), [], None, "patient table not found")
    return read_checked_patients(path)


def check_follow_up(patients: PatientTable, outdir: Path, timepoints: pd.DataFrame,
                    lesions: pd.DataFrame | None) -> None:
    """Refuse an ``os_days`` before a patient's last assessment in the results (io.validate.check_follow_up),
    as ``assess`` and ``validate`` do with the input: every assessment is in ``lesions`` (baseline
    included) when present, else the follow-ups are in ``timepoints``; a CSV's rows are named."""
    import numpy as np
    import pandas as pd

    name, table = ("lesions", lesions) if lesions is not None else ("timepoints", timepoints)
    if DAY not in table.columns:
        return
    path = output_path(outdir, name)
    assessments = pd.DataFrame({PATIENT: table[PATIENT].astype(str), DAY: table[DAY]})
    if path is not None and path.suffix == ".csv":
        assessments[SOURCE_ROW] = np.arange(len(table)) + 2  # header = row 1; assess writes no blank line
    patients.check_follow_up(assessments, str(path))


def load_tables(outdir: Path, patients: Path | None = None, median_split: str | None = None) -> ReportTables:
    """The assess outputs of ``outdir`` (plus a patient table) as :class:`ReportTables`.

    A patient table's ``arm`` is copied onto the best-response rows so that rates split by arm. Its empty
    cells are missing values (NaN) for the endpoint functions. ``median_split`` names a numeric column of
    the patient table to split OS and PFS at its cohort median (spec/patterns.md 6.5).
    """
    from ioresponse.report.html import ReportTables

    if median_split is not None and patients is None:
        raise InputError(OPTIONS, [], "--median-split",
                         f"{median_split} is a column of the patient table: give it with --patients")
    best = read_output(outdir, "best_response")
    timepoints = read_output(outdir, "timepoints")
    lesions = read_output(outdir, "lesions", required=False)
    checked = read_patients(patients)
    if checked is not None:
        check_follow_up(checked, outdir, timepoints, lesions)
    patient_table = None if checked is None else checked.table.pipe(lambda table: table.where(table != ""))
    if patient_table is not None:
        unmatched = sorted(set(patient_table[PATIENT].astype(str)) - set(best[PATIENT].astype(str)))
        if unmatched:
            more = f" and {len(unmatched) - 10} more" if len(unmatched) > 10 else ""
            shown = ", ".join(unmatched[:10]) + more
            warnings.warn(f"{patients}: {len(unmatched)} patient(s) of the patient table have no result in "
                          f"{outdir} and are left out of every endpoint: {shown}", IoresponseWarning,
                          stacklevel=2)
    if patient_table is not None and "arm" in patient_table.columns and "arm" not in best.columns:
        arms = patient_table[[PATIENT, "arm"]].drop_duplicates(PATIENT)
        best = best.merge(arms.astype({PATIENT: str}), on=PATIENT, how="left")
    split_values = None if median_split is None or checked is None else checked.numbers(median_split)
    return ReportTables(
        timepoints=timepoints, best_response=best, lesions=lesions,
        patterns=read_output(outdir, "patterns", required=False), patients=patient_table,
        split_values=split_values,
    )


@handles_input_errors
def report(
    outdir: Annotated[Path, typer.Argument(
        metavar="OUTDIR", help="Folder written by `ioresponse assess --out`.")],
    confirmed: Annotated[bool | None, typer.Option(
        "--confirmed/--unconfirmed",
        help="Read best_response_confirmed (--confirmed) or best_response (--unconfirmed) for every "
        "criterion. Default: the one that drove each criterion's dates in assess (its confirm_response "
        "column: confirmed after `assess --confirm`, and for irRC).")]
    = None,
    population: Annotated[PopulationChoice, typer.Option(
        help="Denominator of ORR and DCR: patients measurable at baseline under the criterion, or all "
        "treated.")]
    = "measurable_at_baseline",
    dcr_landmark_days: Annotated[int | None, typer.Option(
        metavar="<day>",
        help="Disease control also needs CR/PR/SD at or after this day (e.g. 122 = 4 months).")] = None,
    landmark_days: Annotated[list[float] | None, typer.Option(
        metavar="<day>",
        help="PFS landmark day (repeatable). Default: 182.625 and 365.25 (6 and 12 months).")] = None,
    censor_at_new_therapy: Annotated[bool, typer.Option(
        show_default=False,
        help="Censor PFS at the criterion's last evaluable (not NE) assessment on or before the patient "
        "table's new_therapy_start (or new_therapy_start_day), day 0 if none, when the event or censoring "
        "comes after that day. Default: off.")]
    = False,
    tbp_min_days: Annotated[int, typer.Option(
        metavar="<days>",
        help="Treatment beyond progression (tbp.csv): last dose (treatment_end) strictly after the first "
        "RECIST 1.1 PD and at least this many days after it.")]
    = 0,
    patients: Annotated[Path | None, typer.Option(
        help="Patient table (arm, os_days, os_event, treatment_end, new_therapy_start).")] = None,
    median_split: Annotated[str | None, typer.Option(
        metavar="<column>",
        help="A numeric column of the patient table (e.g. a baseline MTV from `pet quantify`): OS and PFS "
        "on each side of its cohort median, with the log-rank p, in median_split.csv and a figure. An "
        "exploratory split: no cut-off is validated (spec/patterns.md 6.5).")] = None,
    title: Annotated[str, typer.Option(help="Title of the HTML report.")] = "ioresponse report",
) -> None:
    """Write OUTDIR/report.html and the endpoint tables.

    The report has a cohort page, figures and one section per patient. The tables, in OUTDIR:
    rates.csv, response_counts.csv, pfs.csv, pfs_landmarks.csv, duration_of_response.csv,
    progression_moves.csv and, when the patient table gives treatment_end, tbp.csv (spec/patterns.md 7);
    with --median-split, median_split.csv (spec/patterns.md 6.5).
    """
    from ioresponse.cohort.survival import DEFAULT_LANDMARKS_DAYS, not_reached_named
    from ioresponse.report.html import EndpointOptions, endpoint_tables, write_report

    tables = load_tables(outdir, patients, median_split)
    options = EndpointOptions(
        confirmed=confirmed, population=population, dcr_landmark_days=dcr_landmark_days,
        landmarks_days=tuple(landmark_days) if landmark_days else DEFAULT_LANDMARKS_DAYS,
        censor_at_new_therapy=censor_at_new_therapy, tbp_min_days=tbp_min_days,
    )
    written = endpoint_tables(tables, options)
    for name, why in (("tbp", "no treatment_end"), ("median_split", "no --median-split")):
        stale = outdir / f"{name}.csv"  # from an earlier run: it would no longer match
        if name not in written and stale.exists():
            stale.unlink()
            console.print(f"removed {stale} ({why} in this run)")
    for name, table in written.items():
        path = outdir / f"{name}.csv"
        not_reached_named(table).to_csv(path, index=False)  # an inf median: an empty cell, named
        console.print(f"wrote {path}")
    html_path = write_report(tables, outdir / "report.html", options=options, title=title,
                             endpoints=written)
    console.print(f"wrote {html_path}")


@handles_input_errors
def export(
    outdir: Annotated[Path, typer.Argument(
        metavar="OUTDIR", help="Folder written by `ioresponse assess --out`.")],
    sdtm: Annotated[bool, typer.Option("--sdtm", help="SDTM RS: rs.csv and rs.xpt.")] = False,
    adam: Annotated[bool, typer.Option("--adam", help="ADaM ADRS-like: adrs.csv and adrs.xpt.")] = False,
    study_id: Annotated[str, typer.Option(help="STUDYID of every row.")] = "IORESPONSE",
) -> None:
    """Write CDISC-style tables of the computed responses into OUTDIR.

    Each as CSV and SAS transport v5 (.xpt); choose --sdtm, --adam or both.
    """
    from ioresponse.report.export import accepted_reads, check_criteria, write_export

    if not (sdtm or adam):
        raise InputError(str(outdir), [], None, "choose --sdtm, --adam or both")
    timepoints = read_output(outdir, "timepoints")
    best = read_output(outdir, "best_response")
    for name, table in (("timepoints", timepoints), ("best_response", best)):
        path = output_path(outdir, name)  # the file read_output read; the header is CSV row 1
        check_criteria(table, str(path), first_row=2 if path is not None and path.suffix == ".csv" else 1)
    accepted = accepted_reads(read_output(outdir, "lesions", required=False))
    refused = None
    for standard in [s for s, chosen in (("sdtm", sdtm), ("adam", adam)) if chosen]:
        try:  # each standard chosen is written (or its .xpt removed) before a refusal stops the command,
            paths = write_export(outdir, timepoints, best, standard, study_id=study_id, accepted=accepted)
        except InputError as error:  # so no earlier export's table stays beside this one's
            refused = refused or error
            continue
        for path in paths:
            console.print(f"wrote {path}")
    if refused is not None:
        raise refused
