"""`ioresponse report OUTDIR` and `ioresponse export OUTDIR --sdtm|--adam` (issue 8 items 3 and 4).

Both read the files `ioresponse assess INPUT --out OUTDIR` writes (contract.md): timepoints and
best_response (Parquet, else CSV), and lesions / patterns when present.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ioresponse.cli._common import console, handles_input_errors
from ioresponse.cohort.rates import response_rates
from ioresponse.report.export import write_export
from ioresponse.report.html import ReportTables, write_report
from ioresponse.schema import PATIENT, READER, InputError

TEXT_COLUMNS = {PATIENT: str, READER: str, "criterion": str}
"""Columns read as text from CSV, so that identifiers such as 007 keep their zeros."""


def read_output(outdir: Path, name: str, *, required: bool = True) -> pd.DataFrame | None:
    """Read ``OUTDIR/<name>.parquet`` (or ``.csv``); None when optional and absent.

    Raises
    ------
    InputError
        A required table is missing, or lacks ``patient_id``.
    """
    parquet, csv = outdir / f"{name}.parquet", outdir / f"{name}.csv"
    if parquet.exists():
        table = pd.read_parquet(parquet)
    elif csv.exists():
        table = pd.read_csv(csv, dtype=TEXT_COLUMNS, keep_default_na=True)
    elif required:
        raise InputError(str(parquet), [], None,
                         f"not found (nor {csv.name}); run `ioresponse assess INPUT --out {outdir}` first")
    else:
        return None
    if PATIENT not in table.columns:
        raise InputError(str(parquet if parquet.exists() else csv), [], PATIENT,
                         "missing; expected a table written by `ioresponse assess` (spec/anatomic.md 0.9)")
    if READER in table.columns:
        table[READER] = table[READER].fillna("").astype(str)
    return table


def read_patients(path: Path | None) -> pd.DataFrame | None:
    """The optional patient table (``patient_id``; ``arm``, ``os_days``, ``os_event`` used when present)."""
    if path is None:
        return None
    if not path.exists():
        raise InputError(str(path), [], None, "patient table not found")
    table = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype={PATIENT: str})
    if PATIENT not in table.columns:
        raise InputError(str(path), [], PATIENT, "missing; the patient table needs one row per patient_id")
    return table


def load_tables(outdir: Path, patients: Path | None = None) -> ReportTables:
    """The assess outputs of ``outdir`` (plus a patient table) as :class:`ReportTables`.

    A patient table's ``arm`` is copied onto the best-response rows so that rates split by arm.
    """
    best = read_output(outdir, "best_response")
    patient_table = read_patients(patients)
    if patient_table is not None and "arm" in patient_table.columns and "arm" not in best.columns:
        arms = patient_table[[PATIENT, "arm"]].drop_duplicates(PATIENT)
        best = best.merge(arms.astype({PATIENT: str}), on=PATIENT, how="left")
    return ReportTables(
        timepoints=read_output(outdir, "timepoints"), best_response=best,
        lesions=read_output(outdir, "lesions", required=False),
        patterns=read_output(outdir, "patterns", required=False), patients=patient_table,
    )


@handles_input_errors
def report(
    outdir: Annotated[Path, typer.Argument(help="Folder written by `ioresponse assess --out`.")],
    confirmed: Annotated[bool, typer.Option("--confirmed", help="Rates from best_response_confirmed.")]
    = False,
    patients: Annotated[Path | None, typer.Option(help="Patient table (arm, os_days, os_event).")] = None,
    title: Annotated[str, typer.Option(help="Title of the HTML report.")] = "ioresponse report",
) -> None:
    """Write OUTDIR/report.html (cohort page, figures, one section per patient) and OUTDIR/rates.csv."""
    tables = load_tables(outdir, patients)
    rates = response_rates(tables.best_response, confirmed=confirmed)
    rates_path = outdir / "rates.csv"
    rates.to_csv(rates_path, index=False)
    html_path = write_report(tables, outdir / "report.html", confirmed=confirmed, title=title)
    console.print(f"wrote {rates_path}")
    console.print(f"wrote {html_path}")


@handles_input_errors
def export(
    outdir: Annotated[Path, typer.Argument(help="Folder written by `ioresponse assess --out`.")],
    sdtm: Annotated[bool, typer.Option("--sdtm", help="SDTM RS: rs.csv and rs.xpt.")] = False,
    adam: Annotated[bool, typer.Option("--adam", help="ADaM ADRS-like: adrs.csv and adrs.xpt.")] = False,
    study_id: Annotated[str, typer.Option(help="STUDYID of every row.")] = "IORESPONSE",
) -> None:
    """Write CDISC-style tables of the computed responses (CSV and SAS transport v5) into OUTDIR."""
    if not (sdtm or adam):
        raise InputError(str(outdir), [], None, "choose --sdtm, --adam or both")
    timepoints = read_output(outdir, "timepoints")
    best = read_output(outdir, "best_response")
    for standard in [s for s, chosen in (("sdtm", sdtm), ("adam", adam)) if chosen]:
        for path in write_export(outdir, timepoints, best, standard, study_id=study_id):
            console.print(f"wrote {path}")
