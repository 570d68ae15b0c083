"""``ioresponse patterns``: atypical response patterns, irAE look-alike flags and biomarker lines.

Runs the criteria (spec/anatomic.md, spec/metabolic.md), then every pattern definition of
spec/patterns.md whose inputs are given, and writes DIR/patterns.*, DIR/irae_flags.csv and
DIR/biomarkers.csv. A pattern or flag never changes a response.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ioresponse.cli._common import console, handles_input_errors
from ioresponse.cli.assess import (
    KeyOpt,
    MapOpt,
    PatientsOpt,
    SheetOpt,
    WarnOpt,
    _criteria,
    _pairs,
    read_options,
)
from ioresponse.schema import READER

if TYPE_CHECKING:  # the command imports pandas, the criteria and the patterns when it runs
    import pandas as pd

    from ioresponse.criteria import Study

DEFAULT_CRITERIA = "recist11,irecist,irrecist,imrecist"
"""The unidimensional anatomic criteria: every sum-only or lesion table can run them (irRC needs products)."""
PET_DEFAULT_CRITERION = "percist"
"""The metabolic criterion the PET patterns read (pseudoprogression.percist_humbert2020; spec/patterns.md
1.3)."""


def _default_criteria(study: Study) -> list[str]:
    """The criteria the patterns read when none is named: the anatomic ones for a lesion table, PERCIST for a
    PET table, both for both."""
    keys = _criteria(DEFAULT_CRITERIA) if study.lesions is not None else []
    return keys + ([PET_DEFAULT_CRITERION] if study.pet is not None else [])


def _read(path: Path | None, kind: str) -> pd.DataFrame | None:
    """An optional side table, read as text columns (numbers parsed by each rule)."""
    from ioresponse.io.tables import side_table

    return None if path is None else side_table(path, kind)


@handles_input_errors
def patterns(
    input: Annotated[
        Path, typer.Argument(metavar="INPUT", help="Lesion table, sum-only table, PET table or SDTM folder.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    criteria: Annotated[
        str | None,
        typer.Option(
            "--criteria",
            metavar="<keys>",
            help="Comma-separated criteria whose results the patterns read (add irrc for bidimensional "
            f"tables), or all. Default: {DEFAULT_CRITERIA} for a lesion or sum-only table, "
            f"{PET_DEFAULT_CRITERION} for a PET table.",
        ),
    ] = None,
    patients: PatientsOpt = None,
    events: Annotated[
        Path | None, typer.Option("--events", help="Clinical events: patient_id, date or day, event, grade.")
    ] = None,
    visits: Annotated[
        Path | None, typer.Option("--visits", help="Clinical visits: patient_id, date or day, ecog.")
    ] = None,
    findings: Annotated[
        Path | None,
        typer.Option("--findings", help="Imaging findings for irAE rules (spec/patterns.md 5.3)."),
    ] = None,
    samples: Annotated[
        Path | None,
        typer.Option("--samples", help="Serum samples: patient_id, day, analyte, value, unit (IL-8)."),
    ] = None,
    definitions: Annotated[
        str | None,
        typer.Option(
            "--definitions",
            metavar="<ids>",
            help="Comma-separated definition ids (default: the default definitions whose inputs are "
            "given; ioresponse.patterns.registry() lists every id and marks the others, e.g. "
            "hpd.kim2019, pseudoprogression.imrecist).",
        ),
    ] = None,
    column_map: MapOpt = None,
    patient_key: KeyOpt = None,
    option: Annotated[
        list[str],
        typer.Option(
            "--option",
            "-o",
            metavar="<name=value>",
            help="Pattern or criterion option name=value (repeatable); names in "
            "ioresponse.patterns.PatternOptions and ioresponse.criteria.<key>.assess.",
        ),
    ] = None,
    exclude_invalid: Annotated[
        bool, typer.Option("--exclude-invalid", help="List invalid rows, go on.")
    ] = False,
    warn_implausible: WarnOpt = False,
    sheet: SheetOpt = None,
) -> None:
    """Find atypical response patterns, irAE flags and biomarkers.

    Pseudoprogression, hyperprogression, dissociated and durable responses (spec/patterns.md). Writes
    patterns.*, irae_flags.csv and, when their inputs are given, biomarkers.csv and il8.csv into --out.
    """
    from ioresponse.api import load, run
    from ioresponse.biomarkers import evaluate_biomarkers, il8_changes
    from ioresponse.patterns import OPTION_NAMES, find_patterns
    from ioresponse.patterns import irae as irae_rules
    from ioresponse.patterns._common import PatternOptions, json_cells
    from ioresponse.patterns._study import visit_days

    options = dict(_pairs(option or [], "--option", "name=value"))
    pattern_options = {k: v for k, v in options.items() if k in OPTION_NAMES}
    criterion_options = {k: v for k, v in options.items() if k not in OPTION_NAMES}
    study = load(
        input,
        on_invalid="exclude" if exclude_invalid else "raise",
        **read_options(patients, column_map, patient_key, warn_implausible, sheet),
    )
    result = run(study, _criteria(criteria) if criteria else _default_criteria(study), patterns=False,
                 **criterion_options)  # the patterns are found below, with the side tables and options
    event_table, finding_table = _read(events, "events"), _read(findings, "findings")
    table = find_patterns(
        study,
        result.timepoints,
        result.best_response,
        events=event_table,
        visits=_read(visits, "visits"),
        findings=finding_table,
        definitions=_criteria(definitions) if definitions else None,
        criterion_options=result.criterion_options,
        **pattern_options,
    )
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "patterns.csv", index=False)
    table.to_parquet(out / "patterns.parquet", index=False)
    chosen = PatternOptions.from_mapping(pattern_options)
    flags = irae_rules.find_flags(study, result.timepoints, findings=finding_table, events=event_table,
                                  options=chosen)
    json_cells(flags).to_csv(out / "irae_flags.csv", index=False)
    written = 3
    if study.patients is not None and "tumor_type" in study.patients:
        lines = evaluate_biomarkers(study.patients, source=study.patients_source,  # spec 6.3 option
                                    accept_equivalent_assays=chosen.accept_equivalent_assays)
        lines.to_csv(out / "biomarkers.csv", index=False)
        written += 1
    if samples is not None:
        changes = il8_changes(visit_days(_read(samples, "samples"), study, "samples"))
        changes.to_csv(out / "il8.csv", index=False)
        written += 1
    _print_summary(table)
    console.print(f"wrote {written} files to {out}/")


def _print_summary(table: pd.DataFrame) -> None:
    """Pattern rows per flag, per definition and, when readers are named, per reader: README "Input",
    "each reader is assessed separately", so a row counts each patient once (as ``assess`` and ``compare``
    print per reader)."""
    if not len(table):
        console.print("no pattern could be evaluated with the given inputs")
        return
    readers = table[READER].fillna("").astype(str)
    keys = ["pattern", "definition"] + ([READER] if (readers != "").any() else [])
    counts = (table.assign(**{READER: readers}).groupby(keys, sort=False)["flag"].value_counts()
              .unstack(fill_value=0))
    columns = [c for c in ("true", "false", "not_evaluable") if c in counts.columns]
    n = table["patient_id"].nunique()
    per = " x ".join(["patient", *keys[2:], "definition"])
    summary = Table(title=f"Patterns ({n} patient{'s' * (n != 1)}; rows per {per})")
    for name in (*keys, *columns):
        summary.add_column(name, justify="right" if name in columns else "left")
    for key, row in counts.iterrows():
        summary.add_row(*key, *[str(row[c]) for c in columns])
    console.print(summary)
