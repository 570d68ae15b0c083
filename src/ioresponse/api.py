"""``ioresponse.assess``: every selected criterion on one input, side by side.

The result holds one timepoint table and one best-response table for all criteria (spec/anatomic.md
0.9, spec/metabolic.md 1.6), sorted in a documented order so that the same input gives the same
bytes.
"""

from __future__ import annotations

import csv
import inspect
import os
import re
import typing
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ioresponse.criteria import (
    Criterion,
    CriterionResult,
    Study,
    check_confirmation_window,
    registry,
    text_columns,
)
from ioresponse.criteria._anatomic import sharing
from ioresponse.criteria.pecrit import LesionTableError
from ioresponse.io.sdtm import shared_reader
from ioresponse.io.tables import source_name, spelling, write_csv
from ioresponse.schema import DAY, OPTIONS, PATIENT, READER, InputError, coerce_option

ALL = "all"
"""``criteria=("all",)`` runs every criterion whose required columns are present."""

OnInvalid = Literal["raise", "exclude"]

ENGINES = {"pecrit": "recist11"}
"""A criterion that runs another criterion's engine, by key, with the options of that one too: PECRIT reads
the RECIST 1.1 response "computed by the RECIST 1.1 engine on the anatomic columns of the same scan"
(spec/metabolic.md 6.2), so it takes the RECIST 1.1 options of the run (:func:`split_options`) and its calls
are the recist11 rows of the same result (criteria.pecrit.recist_timepoints)."""

PET_SOURCE = "source"
"""Key of ``Study.pet.attrs`` naming the PET table given beside an anatomic input (--pet / pet=) in messages,
as io.tables.side_table names a side table: its file name, or "<PET table>"."""


@dataclass
class Result:
    """Outputs of :func:`assess`.

    timepoints : one row per patient x reader x criterion x follow-up (spec/anatomic.md 0.9).
    best_response : one row per patient x reader x criterion.
    patterns : atypical-pattern rows (spec/patterns.md 0.6), empty when not computed.
    skipped : criteria asked for (or implied by "all") that could not run, with the reason.
    study : the validated inputs.
    criterion_options : the options each criterion ran with, by criterion key (the ones given).
    """

    timepoints: pd.DataFrame
    best_response: pd.DataFrame
    study: Study
    patterns: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped: dict[str, str] = field(default_factory=dict)
    criterion_options: dict[str, dict[str, Any]] = field(default_factory=dict)

    TABLE_NAMES = ("timepoints", "best_response", "lesions", "pet", "patterns", "recorded",
                   "recorded_vs_computed", "excluded")
    """File stems of every table :meth:`tables` can give."""

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every output table by file stem, the ones that exist (a subset of :attr:`TABLE_NAMES`).

        Text columns are :data:`ioresponse.criteria.TEXT` in every table, as in the criteria's results, so
        that the tables join on their text columns once written (DESIGN.md "The tables": Parquet holds one
        Arrow type for ``patient_id``, ``reader``...); the CSV text is the same.
        """
        tables = {"timepoints": self.timepoints, "best_response": self.best_response}
        if self.study.lesions is not None:
            tables["lesions"] = self.study.lesions
        if self.study.pet is not None:
            tables["pet"] = self.study.pet
        if len(self.patterns):
            tables["patterns"] = self.patterns
        if self.study.recorded is not None:
            tables["recorded"] = self.study.recorded
            pairs = self.against_recorded()
            if len(pairs):
                tables["recorded_vs_computed"] = pairs
        if self.study.excluded is not None and len(self.study.excluded):
            tables["excluded"] = self.study.excluded
        return {name: text_columns(table.copy(deep=False)) for name, table in tables.items()}

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write every table as ``directory/<name>.csv``; returns the paths."""
        return self._write(directory, "csv")

    def to_parquet(self, directory: str | Path) -> list[Path]:
        """Write every table as ``directory/<name>.parquet``; returns the paths."""
        return self._write(directory, "parquet")

    def _write(self, directory: str | Path, fmt: str) -> list[Path]:
        if not isinstance(directory, str | Path):
            raise InputError("directory", [], None, f"{directory!r} is not a folder path")
        directory = Path(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # a file where the folder should be, no permission
            raise InputError(str(directory), [], None, f"cannot write the results there: {error.strerror}") \
                from None
        paths = []
        for name, table in self.tables().items():
            path = directory / f"{name}.{fmt}"
            if fmt == "csv":
                write_csv(table, path)
            else:
                table.to_parquet(path, index=False)
            paths.append(path)
        return paths

    def against_recorded(self, criterion: str | None = None) -> pd.DataFrame:
        """Computed timepoint calls beside the readers' own (SDTM RS), one row per recorded call.

        Each RS record is compared with the criterion its RSCAT names (``recorded.criterion``: RECIST 1.1
        when empty, iRECIST for "iRECIST", ...), when that criterion was assessed; ``criterion`` keeps
        one. Records without a response category or of a category not assessed are not compared (their
        note in ``recorded`` says why). Columns: patient_id, reader, criterion, day, visit,
        recorded_response, computed_response, agrees, reason (the computed call's reason), so a reviewer
        can see which side erred. An RS record of an evaluator who has no lesion rows of that subject
        (TR without TREVAL / TREVALID) is compared with the calls read without one; an evaluator with lesion
        rows of their own is compared with their own calls only, so a visit they did not assess is "(no
        assessment)" (io.sdtm module docstring, as io.sdtm._rs_at_visit places it), as is a record of a
        patient without follow-up, alone as in a cohort. Empty without RS.
        """
        recorded = self.study.recorded
        columns = [
            PATIENT,
            READER,
            "criterion",
            DAY,
            "visit",
            "recorded_response",
            "computed_response",
            "agrees",
            "reason",
        ]
        # a criterion assessed has a best response of every patient, a follow-up or not: a patient whose TR
        # holds a baseline only is compared alone as in a cohort (DESIGN.md: a single patient is a cohort
        # of one), with "(no assessment)"
        assessed = set(self.best_response.get("criterion", []))
        if criterion is not None:
            assessed &= {criterion}
        if recorded is None or not assessed:
            return pd.DataFrame(columns=columns)
        recorded = recorded[recorded["criterion"].isin(assessed) & (recorded["recorded_response"] != "")]
        computed = self.timepoints[[PATIENT, READER, "criterion", DAY, "overall_response", "reason"]]
        # an RS record of an evaluator whose subject's TR has none is compared with the calls read without
        # one (SDTM: records without --EVAL stand for every reader; io.sdtm.shared_reader), decided from the
        # lesion rows, not from the calls: a reader whose TR holds a baseline only has no calls, yet their
        # RS is theirs (io.sdtm module docstring, RS)
        lesions = self.study.lesions
        recorded = recorded.assign(_reader=shared_reader(recorded, lesions, [PATIENT, READER]))
        merged = recorded.merge(computed.rename(columns={READER: "_reader"}),
                                on=[PATIENT, "_reader", "criterion", DAY], how="left")
        merged = merged.rename(columns={"overall_response": "computed_response"})
        merged["computed_response"] = merged["computed_response"].fillna("(no assessment)")
        merged["reason"] = merged["reason"].fillna("no lesion measurements on this day")
        merged["agrees"] = merged["recorded_response"] == merged["computed_response"]
        if "visit" not in merged:
            merged["visit"] = ""
        order = [PATIENT, READER, "criterion", DAY]
        return merged[columns].sort_values(order, kind="stable").reset_index(drop=True)

    def compare(self, reference: str = "recist11", *, confirmed: bool | None = None) -> Comparison:
        """Best responses side by side and reclassification against ``reference`` (issue 4 item 4); which
        best response: :func:`compare`."""
        return compare(self.best_response, reference=reference, confirmed=confirmed)


@dataclass(frozen=True)
class Comparison:
    """Side-by-side best responses and reclassification matrices against a reference criterion.

    wide : one row per patient (x reader), one column per criterion.
    matrices : per other criterion, counts of patients by reference category (rows) x its category
        (columns). With several readers each reader has its own block of rows (index ``reader``, then
        the reference category), so that every block counts each patient once.
    cells : the matrices' cells that hold patients, as a long table with the patients in each (and
        its ``reader`` with several readers); ``reclassified`` marks the cells whose two labels name
        different categories (irCR beside CR is the same category:
        ``cohort.reclassification.SAME_CATEGORY``).
    """

    wide: pd.DataFrame
    matrices: dict[str, pd.DataFrame]
    cells: pd.DataFrame


def compare(
    best_response: pd.DataFrame,
    *,
    reference: str = "recist11",
    confirmed: bool | None = None,
    source: str = "best_response",
) -> Comparison:
    """Build the side-by-side view of ``best_response`` (any number of criteria); ``source`` names the
    table in messages.

    ``confirmed``: None (default) compares each criterion's own best response, the one its
    ``confirm_response`` chose (irRC confirms by default; spec/anatomic.md 0.9), as the command line's
    summary, the endpoints and the report do; True the confirmed and False the unconfirmed best response
    of every criterion.

    Readers are not pooled: a matrix counts patients (spec/anatomic.md 8), so a table read by several
    readers gives one block of rows per reader, as the report draws one matrix per reader.

    Raises
    ------
    InputError
        A column the comparison reads is not in the table, or ``reference`` has no results in it.
    """
    from ioresponse.cohort.rates import endpoint_responses, require_columns
    from ioresponse.cohort.reclassification import (
        MISSING_LABEL,
        SAME_CATEGORY,
        by_reader,
        per_reader,
        reclassification_matrix,
    )

    require_columns(best_response, (PATIENT, "criterion"), source)
    column = "response"
    best_response = best_response.assign(
        **{column: endpoint_responses(best_response, confirmed, source).to_numpy(object)})
    keys = [PATIENT, READER] if READER in best_response else [PATIENT]
    order = list(dict.fromkeys(best_response["criterion"]))
    if reference not in order:
        present = ", ".join(map(str, order)) or "none"
        raise InputError(source, [], "criterion", f"no {reference} results; present: {present}")
    wide = best_response.pivot(index=keys, columns="criterion", values=column)
    wide = wide.reindex(columns=order).reset_index()
    wide.columns.name = None
    parts = per_reader(best_response)
    sides = [(name, part.pivot(index=keys, columns="criterion", values=column).reset_index())
             for name, part in parts]
    matrices: dict[str, pd.DataFrame] = {}
    cells = []
    for other in order:
        if other == reference:
            continue
        matrices[other] = by_reader(
            {name: reclassification_matrix(part, reference, other, column=column) for name, part in parts})
        for name, side in sides:
            # A patient assessed under one of the two criteria only moves from or to "(none)", as in the
            # matrices.
            pair = side.reindex(columns=[*keys, reference, other]).fillna(
                {reference: MISSING_LABEL, other: MISSING_LABEL})
            category = pair[[reference, other]].replace(SAME_CATEGORY)
            pair["reclassified"] = category[reference] != category[other]
            for (before, after, moved), group in pair.groupby([reference, other, "reclassified"], sort=True):
                cells.append(
                    {
                        "reference": reference,
                        "criterion": other,
                        **({} if name is None else {READER: name}),
                        f"{reference}_response": before,
                        "response": after,
                        "reclassified": moved,
                        "n": len(group),
                        "patients": listed_names(_subject_names(group, keys if name is None else [PATIENT])),
                    }
                )
    columns = ["reference", "criterion", *([] if parts[0][0] is None else [READER]), f"{reference}_response",
               "response", "reclassified", "n", "patients"]
    return Comparison(wide, matrices, pd.DataFrame(cells, columns=columns))


def listed_names(names: Iterable[str]) -> str:
    """``names`` as one text, joined by ", ", a name that holds a comma, a double quote, a line break or
    leading or trailing white space in double quotes, its quotes doubled (the CSV convention), so that
    :func:`split_names` gives the names back whatever they hold."""
    return ", ".join(_listed(name) for name in names)


def _listed(name: str) -> str:
    return '"' + name.replace('"', '""') + '"' if _QUOTED.search(name) else name


_QUOTED = re.compile(r'[,"\r\n]|^\s|\s$')
"""A name :func:`listed_names` puts in double quotes."""


def split_names(listing: str) -> list[str]:
    """The names of a :func:`listed_names` text."""
    return next(csv.reader([listing], skipinitialspace=True), [])


def _subject_names(group: pd.DataFrame, keys: list[str]) -> list[str]:
    """The patients of ``group``, each as "patient (reader)" when its rows name one reader (the composite
    is quoted as a whole by :func:`listed_names`)."""
    readers = group[READER].fillna("").astype(str) if len(keys) > 1 else None  # CSV round trips give NaN
    if readers is None or (readers == "").all():
        return group[PATIENT].astype(str).tolist()
    return [f"{p} ({r})" if r else str(p) for p, r in zip(group[PATIENT], readers, strict=True)]


def criterion_names(names: str | Iterable[str]) -> list[str]:
    """``names`` checked: criterion keys or "all", given as such or as one string of comma-separated
    keys ("recist11,irecist"). No name at all, a name given twice (the result has one row per criterion
    and assessment, spec 0.9) or an unknown name is an error."""
    available = registry()
    choices = f"choose from {', '.join(available)} or 'all'"
    if isinstance(names, str):
        given: list[object] = list(names.split(","))
    else:
        given = list(names) if isinstance(names, Iterable) else [names]
    if not all(isinstance(n, str) for n in given):
        raise InputError("--criteria", [], None, f"{names!r}: criteria are named by their criterion keys "
                                                 "(text), e.g. 'recist11' or ['recist11', 'irecist']")
    names = [n.strip() for n in given]
    if not any(names):
        raise InputError("--criteria", [], None, f"no criterion named; {choices}")
    twice = [n for n, count in Counter(names).items() if count > 1]
    if twice:
        raise InputError("--criteria", [], None, f"{', '.join(twice)} named more than once")
    unknown = [n for n in names if n != ALL and n not in available]
    if unknown:
        raise InputError("--criteria", [], None, f"unknown criterion {', '.join(unknown)}; {choices}")
    return names


def default_criteria(study: Study) -> list[str]:
    """The reference criterion of each table given: RECIST 1.1 for a lesion table, PERCIST 1.0 for a PET
    table, both when both are given (the criteria run when none is named)."""
    keys = ["recist11"] if study.lesions is not None else []
    keys += ["percist"] if study.pet is not None else []
    return keys or ["recist11"]


def select_criteria(
    names: str | Iterable[str] | None, study: Study, options: Mapping[str, Any] | None = None
) -> tuple[list[Criterion], dict[str, str]]:
    """Criteria to run, and those skipped with the reason.

    ``names`` as :func:`criterion_names` takes them; None: :func:`default_criteria`. A criterion named
    explicitly whose columns are missing is an error; with "all" it is skipped. ``options`` (criteria
    options) choose the columns of a criterion that reads the one an option names (EORTC's metric).
    """
    available = registry()
    names = criterion_names(default_criteria(study) if names is None else names)
    explicit = [n for n in names if n != ALL]
    chosen: list[Criterion] = []
    skipped: dict[str, str] = {}
    wanted = list(available) if ALL in names else explicit
    for key in wanted:
        criterion = available[key]
        # an option's type and choices are checked before its value is read as a column (EORTC's metric)
        missing = criterion.missing_columns(study, _accepted_options(criterion, options or {}))
        if not missing:
            chosen.append(criterion)
        elif key in explicit and missing == [f"{criterion.family} table"]:
            raise InputError(study.source, [], None, _other_family(criterion, study))
        elif key in explicit:
            raise InputError(
                _table_source(criterion, study),
                [],
                missing[0],
                f"{criterion.title} needs {', '.join(missing)}, of which the input has no value (no such "
                "column, or only empty cells)",
            )
        else:
            skipped[key] = (f"input has no {missing[0]}" if missing == [f"{criterion.family} table"]
                            else f"input has no value in {', '.join(missing)}")
    return chosen, skipped


def _table_source(criterion: Criterion, study: Study) -> str:
    """The name in messages of the table ``criterion`` reads: the PET table given beside an anatomic input
    (--pet / pet=, named when :func:`load` reads it) for a metabolic criterion, else the input."""
    if criterion.family == "metabolic" and study.pet is not None:
        return study.pet.attrs.get(PET_SOURCE, study.source)
    return study.source


def _other_family(criterion: Criterion, study: Study) -> str:
    """Why a criterion of the other family cannot read the input, and the criteria that can."""
    if criterion.family == "anatomic":
        return (f"{criterion.title} reads a lesion table and the input is a PET table: choose a metabolic "
                "criterion (--criteria percist, or all), or give the lesion table as the input and this "
                "one with --pet")
    return (f"{criterion.title} reads a PET table and the input has none: give it with --pet (Python: pet=), "
            "or choose an anatomic criterion")


def split_options(criteria: Sequence[Criterion], options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Give each criterion the options its ``assess`` accepts (and those of the criterion whose engine it
    runs, :data:`ENGINES`); refuse options none accepts.

    Each value is checked against its declared type (``schema.coerce_option``: a ``Literal`` option's
    value outside its choices is refused with the choices listed, STYLE.md 5; a number must be finite and
    >= 0), and a criterion's confirmation window must make sense (``check_confirmation_window``).
    """
    per_criterion = {c.key: _accepted_options(c, options) for c in criteria}
    for criterion in criteria:
        accepted = inspect.signature(criterion.assess).parameters
        if "confirm_min_days" in accepted and "confirm_max_days" in accepted:  # spec 0.8, 4.11 D3-D4
            given = {**{n: p.default for n, p in accepted.items()}, **per_criterion[criterion.key]}
            check_confirmation_window(given["confirm_min_days"], given["confirm_max_days"],
                                      given.get("confirm_tolerance_days", 0))
    unused = sorted(set(options) - {name for chosen in per_criterion.values() for name in chosen})
    if unused:
        keys = ", ".join(c.key for c in criteria)
        raise InputError(OPTIONS, [], unused[0], f"not an option of the selected criteria ({keys})")
    return per_criterion


def _accepted_options(criterion: Criterion, options: Mapping[str, Any]) -> dict[str, Any]:
    """The options ``criterion.assess`` names (keyword-only parameters), each checked against its declared
    type (``schema.coerce_option``), with those of the criterion whose engine it runs (:data:`ENGINES`)."""
    hints = typing.get_type_hints(criterion.assess)
    accepted = inspect.signature(criterion.assess).parameters
    own = {name: coerce_option(name, value, hints.get(name)) for name, value in options.items()
           if name in accepted and accepted[name].kind == inspect.Parameter.KEYWORD_ONLY}
    engine = ENGINES.get(criterion.key)
    return own if engine is None else _accepted_options(registry()[engine], options) | own


def assess(
    data: Any,
    criteria: str | Sequence[str] | None = None,
    *,
    patients: Any = None,
    pet: Any = None,
    column_map: dict[str, str] | None = None,
    patient_key: Sequence[str] | None = None,
    on_invalid: OnInvalid = "raise",
    validation: Literal["raise", "warn"] = "raise",
    sheet: str | None = None,
    **options: Any,
) -> Result:
    """Assess every patient of ``data`` under each of ``criteria``.

    Parameters
    ----------
    data : path, pandas.DataFrame, polars.DataFrame or Study
        Lesion table, sum-only table, SDTM folder (TU/TR[/RS]) or PET table (DESIGN.md tables).
    criteria : sequence of str, optional
        Criterion keys (``ioresponse.criteria.registry()``), one string of them separated by commas, or
        "all". Default: :func:`default_criteria` (RECIST 1.1 for a lesion table, PERCIST 1.0 for a PET
        table).
    patients : path or DataFrame, optional
        Patient table joined by ``patient_id`` (treatment_start, arm, ...).
    pet : path or DataFrame, optional
        PET lesion table, assessed by the metabolic criteria beside the anatomic ones.
    column_map : dict, optional
        Renames the user's columns to the contract's (``{"patient": "patient_id"}``).
    patient_key : sequence of str, optional
        Columns joined into ``patient_id`` when ids repeat across studies (``("study", "patient_id")``).
    on_invalid : {"raise", "exclude"}, default "raise"
        Refuse bad rows, or leave them out and list them in ``study.excluded`` with the reason.
    validation : {"raise", "warn"}, default "raise"
        Plausibility checks (centimetre-looking sizes...) refuse or warn (STYLE.md 6).
    sheet : str, optional
        Sheet of an Excel workbook ``data`` (needed when several sheets hold data).
    **options
        Criterion options, each given to every selected criterion that accepts it
        (e.g. ``confirm_response=True``, ``min_sd_days=56``).

    Returns
    -------
    Result

    Examples
    --------
    >>> import pandas as pd, ioresponse
    >>> rows = [("P1", d, "T1", "target", "liver", False, v, "present") for d, v in ((-7, 40), (56, 26))]
    >>> table = pd.DataFrame(rows, columns=["patient_id", "day", "lesion_id", "role", "organ", "lymph_node",
    ...                                     "long_axis_mm", "status"])
    >>> ioresponse.assess(table).timepoints[["day", "current_sum", "overall_response"]]
       day  current_sum overall_response
    0   56         26.0               PR
    """
    study = (
        data
        if isinstance(data, Study)
        else load(
            data,
            patients=patients,
            pet=pet,
            column_map=column_map,
            patient_key=patient_key,
            on_invalid=on_invalid,
            validation=validation,
            sheet=sheet,
        )
    )
    return run(study, criteria, **options)


def run(
    study: Study,
    criteria: str | Sequence[str] | None = None,
    *,
    patterns: bool = True,
    progress: Callable[[str], None] | None = None,
    **options: Any,
) -> Result:
    """Run the criteria, then the atypical patterns, on a validated study.

    ``patterns=False`` skips spec/patterns.md; ``progress(step)`` is called, in order, when the result
    of each criterion is awaited and before the patterns. Options named in
    ``ioresponse.patterns.OPTION_NAMES`` go to the patterns, the others to every criterion that accepts
    them. The criteria run in threads, one per core (at most one per criterion); the result is the
    same as one after the other, and the first criterion in order to fail raises its error.
    """
    if not isinstance(study, Study):
        raise InputError("study", [], None, f"run takes the Study that ioresponse.load(...) returns, not a "
                                            f"{type(study).__name__}; ioresponse.assess(data, ...) reads and "
                                            "assesses in one call")
    # imported here, not with the module: ``import ioresponse.api`` (load, compare) stays free of scipy
    # (cohort.rates) and lifelines (patterns.durable)
    from ioresponse.cohort.rates import CONFIRM_RESPONSE, confirms_response
    from ioresponse.patterns import OPTION_NAMES, find_patterns, mention_flags

    pattern_options = {k: v for k, v in options.items() if k in OPTION_NAMES}
    criterion_options = {k: v for k, v in options.items() if k not in OPTION_NAMES}
    chosen, skipped = select_criteria(criteria, study, criterion_options)
    per_criterion = split_options(chosen, criterion_options)
    with sharing(study.lesions):  # what the criteria derive from the table, computed once for all
        try:
            results = _assess_all(chosen, study, per_criterion, progress)
        except InputError as error:
            raise _in_file_terms(error, study) from None
    for criterion, outcome in zip(chosen, results, strict=True):  # which best response drove the dates
        ran = confirms_response(criterion.key)  # the criterion's own option, not its engine's (ENGINES)
        if "confirm_response" in inspect.signature(criterion.assess).parameters:
            ran = per_criterion[criterion.key].get("confirm_response", ran)
        outcome.best_response[CONFIRM_RESPONSE] = bool(ran)
    timepoints = _stacked([r.timepoints for r in results])
    best = _stacked([r.best_response for r in results])
    result = Result(timepoints, best, study, skipped=skipped, criterion_options=per_criterion)
    if patterns and (study.lesions is not None or study.pet is not None):  # HPD reads the lesion table
        step = None if progress is None else (lambda family: progress(f"patterns: {family}"))
        result.patterns = find_patterns(study, timepoints, best, progress=step,
                                        criterion_options=per_criterion, **pattern_options)
        result.timepoints = mention_flags(timepoints, result.patterns)
    return result


def _in_file_terms(error: InputError, study: Study) -> InputError:
    """A criterion's InputError about rows of ``study.source`` naming its column as the user's file does
    (``Study.column_names``: the user's header, or the SDTM variable), with the contract name in brackets
    unless the header only spells it otherwise ("Long Axis (mm)")."""
    named = study.column_names.get(error.column or "")
    if error.file != study.source or named is None:
        return error
    column = named if spelling(named) == error.column else f"{named} ({error.column})"
    return InputError(error.file, error.rows, column, error.message)


def _assess_all(
    chosen: list[Criterion],
    study: Study,
    options: dict[str, dict[str, Any]],
    progress: Callable[[str], None] | None,
) -> list[CriterionResult]:
    """Each criterion's result, in order. Several criteria run side by side, one per core: their numba
    kernels, numpy and Arrow release the GIL. The first criterion in order to fail raises its error."""
    workers = min(len(chosen), os.cpu_count() or 1)
    if workers < 2:
        results = []
        for criterion in chosen:
            if progress is not None:
                progress(criterion.key)
            results.append(_assessed(criterion, study, options[criterion.key]))
        return results
    with ThreadPoolExecutor(workers) as pool:
        running = [pool.submit(_assessed, c, study, options[c.key]) for c in chosen]
        try:
            results = []
            for criterion, outcome in zip(chosen, running, strict=True):
                if progress is not None:
                    progress(criterion.key)
                results.append(outcome.result())
            return results
        except BaseException:
            for outcome in running:
                outcome.cancel()
            raise


def _assessed(criterion: Criterion, study: Study, options: dict[str, Any]) -> CriterionResult:
    """``criterion.assess(study, **options)``; its InputError about rows or columns of the input names the
    table the criterion reads (:func:`_table_source`): a metabolic criterion's, the --pet file, except the
    refusals of the RECIST 1.1 engine PECRIT runs, about the lesion table (spec/metabolic.md 6.2)."""
    try:
        return criterion.assess(study, **options)
    except InputError as error:
        source = _table_source(criterion, study)
        if error.file != study.source or source == study.source or isinstance(error, LesionTableError):
            raise
        raise InputError(source, error.rows, error.column, error.message) from None


def load(
    data: Any,
    *,
    patients: Any = None,
    pet: Any = None,
    column_map: dict[str, str] | None = None,
    patient_key: Sequence[str] | None = None,
    on_invalid: OnInvalid = "raise",
    validation: Literal["raise", "warn"] = "raise",
    sheet: str | None = None,
) -> Study:
    """Read and validate inputs: a PET table alone, or anatomic data (lesions, sums, % changes from
    baseline or SDTM) with an optional PET table. The kind of table is recognised by its columns
    (``ioresponse.io.load.input_kind``); ``sheet`` chooses the sheet of an Excel workbook ``data``."""
    from ioresponse.io.load import load_study
    from ioresponse.io.pet_table import read_pet_table

    study = load_study(
        data,
        patients=patients,
        column_map=column_map,
        patient_key=patient_key,
        on_invalid=on_invalid,
        validation=validation,
        sheet=sheet,
    )
    if pet is None:
        return study
    if study.pet is not None:
        raise InputError(study.source, [], None, "the input is a PET table and a second PET table is given "
                                                  "(--pet / pet=); give the anatomic table as the input")
    table = read_pet_table(pet, patients=study.patients)
    table.attrs[PET_SOURCE] = source_name(pet, None if isinstance(pet, str | Path) else "<PET table>")
    return replace(study, pet=table)


def _stacked(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The criteria's tables one after the other, in the order asked for.

    Each criterion writes its rows sorted by patient, reader and day (the order of the validated
    input), so the result is sorted by criterion, then patient, reader and day: a long table that
    re-sorting would only make slower to build.

    The result has the columns of every criterion run, those of a criterion without rows too (spec 0.9:
    an empty result table still has its columns). A column some criteria do not write is empty on their
    rows and keeps its kind, so that a criterion's rows are written alike alone and beside others: an
    integer column becomes pandas "Int64" and a boolean one pandas "boolean", empty where missing
    (PERCIST's ``reference_day`` -5, never -5.0; ``measurable_disease`` True, never an object column),
    and a text column is "" on their rows (README "Python": an empty value is "").
    """
    if len(tables) < 2:
        return tables[0] if tables else pd.DataFrame()
    dtypes: dict[str, Any] = {}  # every column in order, with its type on the rows of a criterion lacking it
    for table in tables:
        for column, dtype in table.dtypes.items():
            dtypes.setdefault(column, _NULLABLE.get(dtype.kind, dtype))
    partial = {c for c in dtypes if not all(c in table for table in tables)}
    completed = [_completed(table, dtypes, partial) for table in tables]
    filled = [table for table in completed if len(table)]
    if len(filled) < 2:  # one criterion with rows, or none: its table, with every criterion's columns
        return (filled or completed)[0]
    return pd.concat(filled, ignore_index=True)


_NULLABLE = {"i": "Int64", "u": "Int64", "b": "boolean"}
"""The pandas dtype an integer or boolean column takes when some criteria do not write it (:func:`_stacked`):
the same kind, empty where missing."""


def _completed(table: pd.DataFrame, dtypes: dict[str, Any], partial: set[str]) -> pd.DataFrame:
    """``table`` with the columns ``dtypes`` names, in that order: its own ``partial`` integer and boolean
    columns as :data:`_NULLABLE` says, and the columns it lacks added empty ("" for text)."""
    promoted = {c: _NULLABLE[table[c].dtype.kind] for c in partial
                if c in table and table[c].dtype.kind in _NULLABLE}
    lacking = {c: pd.Series("" if isinstance(dtypes[c], pd.StringDtype) else None, index=table.index,
                            dtype=dtypes[c]) for c in dtypes if c not in table}
    if not promoted and not lacking and list(table.columns) == list(dtypes):
        return table  # every criterion writes the same columns: no copy of a cohort's table
    return table.astype(promoted).assign(**lacking)[list(dtypes)]
