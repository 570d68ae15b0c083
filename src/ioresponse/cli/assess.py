"""``ioresponse assess | validate | explain | compare``: criteria on a table, and their results read back."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ioresponse.cli._common import (
    INPUT_ERROR_EXIT,
    console,
    err_console,
    handles_input_errors,
    read_output,
    styled,
)
from ioresponse.schema import DAY, PATIENT, READER, InputError

if TYPE_CHECKING:  # the commands import pandas, the criteria and the cohort statistics when they run
    import pandas as pd

    from ioresponse.api import Result
    from ioresponse.criteria import Study


class OutputFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    both = "both"


def _pairs(texts: list[str], option: str, form: str) -> list[tuple[str, str]]:
    """``a=b`` texts of a repeatable option."""
    pairs = []
    for text in texts:
        if "=" not in text:
            raise InputError(option, [], None, f'"{text}" is not of the form {form}')
        name, value = text.split("=", 1)
        pairs.append((name.strip(), value.strip()))
    return pairs


def _column_map(texts: list[str]) -> dict[str, str]:
    return dict(_pairs(texts, "--map", "user_column=contract_column"))


def _criteria(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


CRITERION_KEYS = ("recist11", "irrc", "irrecist", "irecist", "imrecist", "eortc", "percist", "pecrit",
                  "percimt", "impercist", "ipercist")
"""The keys of :func:`ioresponse.criteria.registry`, in report order, written out: the help would otherwise
import every criterion (pandas, numba) for ``--help`` and ``--version``; tests/cli/test_s16_startup.py
holds them equal to the registry's."""
CRITERIA_HELP = f"Comma-separated criterion keys ({', '.join(CRITERION_KEYS)}), or all."
"""Help of ``assess --criteria``: :data:`CRITERION_KEYS`."""

OPTION_HELP = (
    "Option name=value, e.g. min_sd_days=56, given to each chosen criterion that has it (repeatable). "
    "Names, choices and defaults: the docstring of ioresponse.criteria.<key>.assess, and "
    "ioresponse.patterns.PatternOptions for the patterns; README, section Python."
)
"""Help of ``assess --option``: where the option names are documented."""
OptionOpt = Annotated[
    list[str] | None, typer.Option("--option", "-o", metavar="<name=value>", help=OPTION_HELP)
]

InputArg = Annotated[
    Path,
    typer.Argument(
        metavar="INPUT",
        help="Lesion table, sum-only table, PET table (CSV/Parquet/Excel) or SDTM folder "
        "(TU, TR and optionally RS).",
    ),
]
PatientsOpt = Annotated[
    Path | None, typer.Option("--patients", help="Patient table (patient_id, treatment_start, arm, ...).")
]
PetOpt = Annotated[Path | None, typer.Option("--pet", help="PET lesion table for the metabolic criteria.")]
MapOpt = Annotated[
    list[str],
    typer.Option(
        "--map",
        metavar="<user=contract>",
        help="Read a column of yours as a contract column, e.g. sld=target_sum_mm (repeatable).",
    ),
]
ExcludeOpt = Annotated[
    bool,
    typer.Option(
        "--exclude-invalid",
        help="Leave out invalid rows, each listed with its reason in excluded.csv, instead of "
        "stopping at the first.",
    ),
]
KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--patient-key",
        metavar="<columns>",
        help="Comma-separated columns joined into patient_id when ids repeat across studies, "
        "e.g. study,patient_id.",
    ),
]
WarnOpt = Annotated[
    bool,
    typer.Option(
        "--warn-implausible",
        help="Warn instead of stopping on implausible values (centimetre-looking sizes).",
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        metavar="<name>",
        help="Sheet of an Excel workbook INPUT (needed when several sheets hold data).",
    ),
]


@handles_input_errors
def assess(
    input: InputArg,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    criteria: Annotated[str | None, typer.Option(
        "--criteria", metavar="<keys>",
        help=f"{CRITERIA_HELP} Default: recist11 for a lesion table, percist for a PET table, both when "
        "both are given.")] = None,
    patients: PatientsOpt = None,
    pet: PetOpt = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Output file format.")
    ] = OutputFormat.both,
    confirm: Annotated[
        bool | None,
        typer.Option(
            "--confirm/--no-confirm",
            help="Confirmed CR/PR drive dates and the summary (default: the criterion's own).",
        ),
    ] = None,
    column_map: MapOpt = None,
    patient_key: KeyOpt = None,
    option: OptionOpt = None,
    exclude_invalid: ExcludeOpt = False,
    warn_implausible: WarnOpt = False,
    sheet: SheetOpt = None,
    patterns: Annotated[
        bool, typer.Option("--patterns/--no-patterns", help="Also find the atypical patterns (patterns.*).")
    ] = True,
) -> None:
    """Assess every patient under the chosen criteria.

    Writes the timepoints and best responses (and patterns.*) into --out, and prints a summary.
    """
    from ioresponse.api import load, run

    options: dict[str, object] = dict(_pairs(option or [], "--option", "name=value"))
    if confirm is not None:
        options["confirm_response"] = confirm
    with _progress() as progress:
        task = progress.add_task("reading and validating", total=None)
        study = load(
            input,
            pet=pet,
            on_invalid="exclude" if exclude_invalid else "raise",
            **read_options(patients, column_map, patient_key, warn_implausible, sheet),
        )
        progress.update(task, description="assessing")
        result = run(
            study,
            None if criteria is None else _criteria(criteria),
            patterns=patterns,
            progress=lambda key: progress.update(task, description=f"assessing {key}"),
            **options,
        )
    written = []
    if output_format in (OutputFormat.csv, OutputFormat.both):
        written += result.to_csv(out)
    if output_format in (OutputFormat.parquet, OutputFormat.both):
        written += result.to_parquet(out)
    _remove_earlier_outputs(out, written)
    _print_summary(result, confirm)
    _print_recorded_agreement(result)
    _print_skipped(result.skipped)
    if study.excluded is not None and len(study.excluded):
        listed = " and ".join(str(path) for path in written if path.stem == "excluded")
        err_console.print(styled(f"{len(study.excluded)} input rows excluded,", "yellow",
                                 f"each with its reason in {listed}"), highlight=False)
    console.print(f"wrote {len(written)} files to {out}/")


DERIVED_OUTPUTS = (
    "compare_wide.csv", "compare_reclassification.csv",  # ioresponse compare
    "report.html", "rates.csv", "response_counts.csv", "pfs.csv", "pfs_landmarks.csv",  # ioresponse report
    "duration_of_response.csv", "progression_moves.csv", "tbp.csv", "median_split.csv",
    "rs.csv", "rs.xpt", "adrs.csv", "adrs.xpt",  # ioresponse export
    "irae_flags.csv", "biomarkers.csv", "il8.csv",  # ioresponse patterns
)
"""Files the other commands derive from an assess folder: a new assess run makes them stale."""


def _remove_earlier_outputs(out: Path, written: list[Path]) -> None:
    """Remove the output tables an earlier run left in ``out`` that this run did not write (patterns after
    --no-patterns, excluded rows, the other format) and what other commands derived from them (a report,
    rates, a comparison, an export), so that the folder, ``explain`` and ``compare`` hold this run's
    results only."""
    from ioresponse.api import Result

    tables = [out / f"{name}{suffix}" for name in Result.TABLE_NAMES for suffix in (".csv", ".parquet")]
    stale = [path for path in (*tables, *(out / name for name in DERIVED_OUTPUTS))
             if path not in written and path.exists()]
    for path in stale:
        path.unlink()
    if stale:
        names = ", ".join(p.name for p in stale)
        err_console.print(styled(f"removed {len(stale)} files of an earlier run:", "yellow", names),
                          highlight=False)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def _print_summary(result: Result, confirmed: bool | None) -> None:
    """Patients per best response, criterion by criterion: the confirmed best response with ``--confirm``,
    the unconfirmed one with ``--no-confirm``, else each criterion's own (confirmed for irRC; the column
    the cohort endpoints read, spec/patterns.md 7.1)."""
    from ioresponse.cohort.rates import endpoint_responses, response_columns
    from ioresponse.cohort.reclassification import LABEL_ORDER

    best = result.best_response
    if not len(best):
        console.print("no follow-up assessment: nothing to summarise")
        return
    keys = ["criterion"] + ([READER] if (best[READER] != "").any() else [])
    shown = endpoint_responses(best, confirmed).rename("best")
    counts = shown.groupby([best[k] for k in keys], sort=False).value_counts().unstack(fill_value=0)
    rank = {label: i for i, label in enumerate(LABEL_ORDER)}
    counts = counts[sorted(counts.columns, key=lambda label: (rank.get(label, len(rank)), label))]
    # One line per criterion (x reader) with its own labels only: a column per label of every criterion
    # would not fit a terminal once the immune and metabolic criteria sit side by side.
    criteria = list(dict.fromkeys(best["criterion"]))
    used = response_columns(best, confirmed)
    confirming = [c for c in criteria if (used[best["criterion"] == c] == "best_response_confirmed").any()]
    caption = None if not confirming else "confirmed responses: " + (
        "every criterion" if len(confirming) == len(criteria) else ", ".join(confirming))
    n = best[PATIENT].nunique()
    table = Table(title=f"Best overall response ({n} patient{'s' * (n != 1)})", caption=caption)
    for name in keys:
        table.add_column(name)
    table.add_column("patients per best response")
    for index, row in counts.iterrows():
        index = index if isinstance(index, tuple) else (index,)
        table.add_row(*[str(i) for i in index], "   ".join(f"{label} {n}" for label, n in row.items() if n))
    console.print(table)


def _print_recorded_agreement(result: Result) -> None:
    """Readers' own RS calls against the computed timepoints of the criterion their RSCAT names (a
    confusion table per criterion)."""
    import pandas as pd

    from ioresponse.criteria import registry

    pairs = result.against_recorded()
    titles = {key: criterion.title.split(" (")[0] for key, criterion in registry().items()}
    for key, part in pairs.groupby("criterion", sort=False):
        confusion = pd.crosstab(part["recorded_response"], part["computed_response"])
        table = Table(
            title=f"Readers' RS calls (rows) vs computed {titles.get(key, key)} (columns): "
            f"{part['agrees'].mean():.1%} agree over {len(part)} calls"
        )
        table.add_column("recorded")
        for name in confusion.columns:
            table.add_column(str(name), justify="right")
        for label, row in confusion.iterrows():
            table.add_row(str(label), *[str(v) for v in row])
        console.print(table)


def read_options(
    patients: Path | None,
    column_map: list[str] | None,
    patient_key: str | None,
    warn_implausible: bool,
    sheet: str | None,
) -> dict[str, object]:
    """The reading options every command shares (--patients, --map, --patient-key,
    --warn-implausible, --sheet) as keywords of :func:`ioresponse.load` and ``validate_only``."""
    return {
        "patients": patients,
        "column_map": _column_map(column_map or []),
        "patient_key": _criteria(patient_key) if patient_key else None,
        "validation": "warn" if warn_implausible else "raise",
        "sheet": sheet,
    }


@handles_input_errors
def validate(
    input: InputArg,
    patients: PatientsOpt = None,
    pet: PetOpt = None,
    column_map: MapOpt = None,
    patient_key: KeyOpt = None,
    warn_implausible: WarnOpt = False,
    sheet: SheetOpt = None,
    criteria: Annotated[
        str | None,
        typer.Option(
            "--criteria",
            metavar="<keys>",
            help="Also check that these criteria accept the input (their required columns and baseline "
            "rules, as assess does), without writing results: comma-separated keys, or all.",
        ),
    ] = None,
    option: OptionOpt = None,
) -> None:
    """Check an input without assessing it.

    Lists every problem found, each located; exit code 2 if any. The --pet table is read as assess reads
    it (its first problem). With --criteria, each criterion's refusal is listed too (with --option as
    assess takes it, e.g. on_baseline_violation=warn).
    """
    from ioresponse.api import load
    from ioresponse.io.load import validate_only

    read = read_options(patients, column_map, patient_key, warn_implausible, sheet)
    problems = validate_only(input, **read)
    messages = [problem.located() for problem in problems]
    if not messages and (criteria or pet is not None):
        study = load(input, pet=pet, **read)  # a problem of the PET table: located, exit 2
        messages = _criterion_refusals(study, _criteria(criteria), option or []) if criteria else []
    if not messages:
        console.print(f"{input}" + (f" and {pet}" if pet is not None else "") + ": no problem found"
                      + (f" (criteria: {criteria})" if criteria else ""))
        return
    for message in messages:
        err_console.print(styled("error:", "red", message), highlight=False)
    err_console.print(f"{len(messages)} problem(s)")
    raise typer.Exit(INPUT_ERROR_EXIT)


def _criterion_refusals(study: Study, names: list[str], option: list[str]) -> list[str]:
    """Each chosen criterion run alone with its options: the located refusal of every one that refuses the
    study (a column it needs, a baseline rule), the same refusal of several criteria once naming them all
    ("(recist11, irecist)"); the criteria that "all" skips are named. The options' types and choices are
    checked first, against every criterion named, before an option's value is read as a column name, as
    assess does."""
    from ioresponse.api import ALL, criterion_names, run, select_criteria, split_options
    from ioresponse.criteria import registry

    refusals: dict[str, list[str]] = {}

    def refused(key: str, refusal: InputError) -> None:
        text = refusal.located().replace(f" ({key})", " ({keys})", 1)
        refusals.setdefault(text, []).append(key)

    options = dict(_pairs(option, "--option", "name=value"))
    names = criterion_names(names)
    available = registry()
    split_options([available[n] for n in (available if ALL in names else names)], options)  # checks only
    chosen = []
    for name in names:
        try:  # a criterion named explicitly is refused for a column it lacks; "all" skips it
            selected, skipped = select_criteria([name], study, options)
        except InputError as refusal:
            refused(name, refusal)
            continue
        chosen += selected
        _print_skipped(skipped)
    per_criterion = split_options(chosen, options)  # an option of a criterion that cannot run: as assess
    for criterion in chosen:
        try:
            run(study, [criterion.key], patterns=False, **per_criterion[criterion.key])
        except InputError as refusal:
            refused(criterion.key, refusal)
    return [text.replace("{keys}", ", ".join(keys)) for text, keys in refusals.items()]


def _print_skipped(skipped: dict[str, str]) -> None:
    """The criteria ``--criteria all`` could not run, each with the columns it lacks."""
    for key, why in skipped.items():
        err_console.print(styled("skipped", "yellow", f"{key}: {why}"), highlight=False)


@handles_input_errors
def explain(
    outdir: Annotated[Path, typer.Argument(metavar="OUTDIR", help="Folder written by `ioresponse assess`.")],
    patient: Annotated[str, typer.Argument(metavar="PATIENT", help="patient_id to show.")],
    reader: Annotated[str | None, typer.Option(
        "--reader", metavar="<name>",
        help="Only this reader's calls, best responses and pattern flags.")] = None,
    criterion: Annotated[str | None, typer.Option(
        "--criterion", metavar="<key>",
        help="Only this criterion's calls and best response (the pattern flags are shown whatever the "
        "criterion).")] = None,
) -> None:
    """Print one patient's calls under every criterion, with reasons.

    The timeline (every criterion's call with its reason), then the best responses and the pattern
    flags; --reader and --criterion keep one reader's or one criterion's.
    """
    import pandas as pd

    timepoints = read_output(outdir, "timepoints")
    best = read_output(outdir, "best_response")
    patterns = read_output(outdir, "patterns", required=False)
    mine = timepoints[timepoints[PATIENT].astype(str) == patient]
    own_best = best[best[PATIENT].astype(str) == patient]
    if not len(own_best):
        known = ", ".join(sorted(best[PATIENT].astype(str).unique())[:10]) or "none"
        raise InputError(str(outdir / "best_response"), [], PATIENT, f"no patient {patient}; e.g. {known}")
    for column, option, chosen in ((READER, "--reader", reader), ("criterion", "--criterion", criterion)):
        if chosen is None:
            continue
        present = list(dict.fromkeys(own_best[column].astype(str)))
        if chosen not in present:  # the patient's best-response rows: one per reader x criterion
            listed = ", ".join(name for name in present if name) or "none (no reader is named)"
            raise InputError(str(outdir / "best_response"), [], column,
                             f"no {column} {chosen} for patient {patient} ({option}); present: {listed}")
        own_best = own_best[own_best[column].astype(str) == chosen]
        mine = mine[mine[column].astype(str) == chosen]
    if reader is not None and patterns is not None and READER in patterns.columns:
        # rows of no reader (irAE findings, biomarkers: the patient's own, spec/patterns.md 0.5) belong to
        # every reader's view of the patient
        patterns = patterns[patterns[READER].isin([reader, ""])]
    if not len(mine):
        console.print(f"Patient {patient}: no follow-up assessment after the baseline")
    for read_by, rows in mine.groupby(READER, sort=True):
        title = f"Patient {patient}" + (f", reader {read_by}" if read_by else "")
        table = Table(title=title, show_lines=True)
        for name in ("day", "criterion", "response", "flags", "reason"):
            table.add_column(name, overflow="fold")
        for _, row in rows.sort_values([DAY], kind="stable").iterrows():
            flags = "" if pd.isna(row["flags"]) else str(row["flags"])
            table.add_row(str(row[DAY]), row["criterion"], row["overall_response"], flags, str(row["reason"]))
        console.print(table)
    summary = Table(title="Best overall response")
    for name in ("reader", "criterion", "best", "confirmed", "reason"):
        summary.add_column(name, overflow="fold")
    for _, row in own_best.iterrows():
        summary.add_row(
            row[READER],
            row["criterion"],
            row["best_response"],
            row["best_response_confirmed"],
            str(row["reason"]),
        )
    console.print(summary)
    if patterns is not None and len(patterns):
        flagged = patterns[patterns[PATIENT].astype(str) == patient]
        if len(flagged):
            table = Table(title="Patterns and flags")
            # README "Input": each reader is assessed separately: a patient's rows of several readers say
            # whose each is, as the timeline and best-response tables do.
            several = READER in flagged.columns and flagged[READER].nunique() > 1
            shown = (*([READER] if several else []), "day", "pattern", "definition", "flag", "reason")
            for name in shown:
                table.add_column(name, overflow="fold")
            for _, row in flagged.sort_values([READER, DAY] if several else DAY, kind="stable").iterrows():
                table.add_row(*("" if pd.isna(row.get(c)) else str(row.get(c)) for c in shown))
            console.print(table)


@handles_input_errors
def compare_command(
    outdir: Annotated[
        Path, typer.Argument(metavar="OUTDIR", help="Folder written by `ioresponse assess --criteria ...`.")
    ],
    reference: Annotated[
        str, typer.Option("--reference", help="Criterion the others are compared with.")
    ] = "recist11",
    confirmed: Annotated[
        bool | None,
        typer.Option("--confirmed/--unconfirmed", show_default=False,
                     help="Compare the confirmed (or unconfirmed) best response of every criterion; default: "
                          "each criterion's own, as the assess summary and the report (irRC confirms)."),
    ] = None,
) -> None:
    """Best responses side by side, reclassified against a reference.

    The reference is --reference (RECIST 1.1 by default). Prints one reclassification matrix per
    criterion and writes OUTDIR/compare_wide.csv and OUTDIR/compare_reclassification.csv.
    """
    from ioresponse.api import compare, listed_names, split_names

    best = read_output(outdir, "best_response")
    comparison = compare(best, reference=reference, confirmed=confirmed, source=str(outdir / "best_response"))
    column = {None: "each criterion's own best response", True: "best_response_confirmed",
              False: "best_response"}[confirmed]
    comparison.wide.to_csv(outdir / "compare_wide.csv", index=False, lineterminator="\n")
    comparison.cells.to_csv(outdir / "compare_reclassification.csv", index=False, lineterminator="\n")
    _print_wide(comparison.wide)
    if not comparison.matrices:
        console.print(f"only {reference} in {outdir}: nothing to reclassify (assess with --criteria all)")
    cells = comparison.cells
    for criterion, matrix in comparison.matrices.items():
        blocks = ([(None, matrix)] if READER not in cells
                  else [(reader, matrix.loc[reader]) for reader in matrix.index.unique(0)])
        for reader, block in blocks:
            whose = "" if reader is None else f", reader {reader}"
            console.print(Text.assemble("\n", (reference, "bold"), " (rows) vs ", (criterion, "bold"),
                                        f" (columns), {column}{whose}"))
            table = Table()
            table.add_column(reference)
            for name in block.columns:
                table.add_column(str(name), justify="right")
            for label, row in block.iterrows():
                table.add_row(str(label), *[str(v) for v in row])
            console.print(table)
            moves = cells[(cells["criterion"] == criterion) & cells["reclassified"]]
            if reader is not None:
                moves = moves[moves[READER] == reader]
            for move in moves.to_dict("records"):
                patients = split_names(str(move["patients"]))
                listed = listed_names(patients[:LISTED_PATIENTS]) + (
                    f" and {len(patients) - LISTED_PATIENTS} more" if len(patients) > LISTED_PATIENTS else ""
                )
                before = move[f"{reference}_response"]
                console.print(f"  {before} -> {move['response']}: {move['n']} ({listed})", highlight=False)
    console.print(f"wrote {outdir / 'compare_wide.csv'} and {outdir / 'compare_reclassification.csv'}")


LISTED_PATIENTS = 5
"""Patients named per reclassified cell on screen; the CSV lists them all."""
WIDE_ROWS_SHOWN = 20
"""Rows of the wide table printed; the CSV holds them all."""


def _print_wide(wide: pd.DataFrame) -> None:
    """The patient x criterion best responses, the first :data:`WIDE_ROWS_SHOWN` rows."""
    import pandas as pd

    table = Table(title=f"Best response per patient ({len(wide)} rows)")
    for name in wide.columns:
        table.add_column(str(name))
    for row in wide.head(WIDE_ROWS_SHOWN).itertuples(index=False):
        table.add_row(*["" if pd.isna(v) else str(v) for v in row])
    console.print(table)
    if len(wide) > WIDE_ROWS_SHOWN:
        console.print(f"... {len(wide) - WIDE_ROWS_SHOWN} more rows in compare_wide.csv")
