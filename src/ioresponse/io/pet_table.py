"""Read and validate the PET assessment table (one row per lesion per FDG-PET scan).

Columns and rules: spec/metabolic.md 1.1 (input table), 1.2 (scans and baseline) and 1.3 (lesions);
DESIGN.md "The tables". The validated table is the contract between this module and the six
metabolic criteria (``Study.pet``):

- always present: ``patient_id``, ``reader`` ("" for a single reader), ``day`` (int64, days since
  treatment start), ``date`` (ISO text, "" when only ``day`` was given), ``lesion_id``, ``role``
  (target / non_target / new), ``visceral`` (bool, False when absent), ``note`` and
  ``source_row`` (1-based row of the user's file, header = row 1);
- present only when the input has them (a criterion that needs one says so, it never guesses):
  ``status`` (present / absent / unequivocal_progression / not_evaluable; "present" when empty, and
  read as present by the criteria that do not need it, :func:`statuses`), ``organ`` (lower case),
  the lesion values ``suvmax``, ``sulpeak``, ``sulmean``, ``mtv_ml``,
  ``tlg``, ``functional_diameter_mm`` (float64, NaN when empty) and the per-scan values
  ``liver_sul_mean``, ``liver_sul_sd``, ``blood_pool_sul_mean``, ``blood_pool_sul_sd``,
  ``uptake_min``, ``cycles_before_scan`` (float64, whole), ``reference_region`` ("liver" when empty),
  ``recist_response``, ``clinical_status`` and ``lbm_formula`` ("user-supplied" when empty; taken
  from the ``normalization`` column of ``ioresponse.pet.quantify`` when only that is given, where a
  normalisation other than lean body mass, e.g. ``bw``, is refused: the SUL columns would not be SUL).
Functional diameters that look like centimetres (every one below 10, some with decimals: the lesion
table's rule) are refused, or kept with a warning with ``validation="warn"``.
Other columns are not used; an ``UnusedColumnWarning`` names them (quantify's provenance columns
excepted).

Per-scan values are repeated on every lesion row of the scan; an empty cell takes the value of the
other rows of the same scan, two different values raise ``InputError`` naming the rows (spec 1.1).
Rows are sorted by (patient_id, reader, day, lesion_id, source_row) with a default RangeIndex.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ioresponse.io.tables import (
    MAX_ABS_DAY,
    contract_names,
    date_problem,
    decimal_comma_hint,
    join_notes,
    parse_bool,
    parse_dates,
    parse_float,
    read_table,
    refuse_rows,
    warn_imputed_dates,
)
from ioresponse.io.validate import (
    CM_LOOKING_MAX_MM,
    CM_WAY_OUT,
    Finding,
    ImplausibleValueWarning,
    UnusedColumnWarning,
    check_date_day_agree,
    check_reader_cells,
    in_file_terms,
    looks_like_cm,
)
from ioresponse.schema import (
    CLINICAL_STATUS,
    DATE,
    DAY,
    LESION,
    ORGAN,
    PATIENT,
    READER,
    ROLE,
    SOURCE_ROW,
    STATUS,
    InputError,
    Role,
    Status,
    Validation,
)

FUNCTIONAL_DIAMETER = "functional_diameter_mm"
LESION_VALUE_COLUMNS = ("suvmax", "sulpeak", "sulmean", "mtv_ml", "tlg", FUNCTIONAL_DIAMETER)
"""Per-lesion PET values (spec/metabolic.md 1.1); non-negative numbers."""

CYCLES = "cycles_before_scan"
SCAN_NUMBER_COLUMNS = (
    "liver_sul_mean",
    "liver_sul_sd",
    "blood_pool_sul_mean",
    "blood_pool_sul_sd",
    "uptake_min",
    CYCLES,
)
"""Per-scan numbers repeated on every lesion row of a scan (spec/metabolic.md 1.1)."""

REFERENCE_REGION = "reference_region"
RECIST_RESPONSE = "recist_response"
LBM_FORMULA = "lbm_formula"
VISCERAL = "visceral"
NORMALIZATION = "normalization"
"""SUL formula column of ``ioresponse.pet.quantify``; read as ``lbm_formula`` when that is absent."""
SUVMAX_NORMALIZATION = "suvmax_normalization"
"""SUVmax normalisation column of ``ioresponse.pet.quantify`` (bw or bsa, spec/pet.md 1.7)."""
NOTE = "note"
IRAE_TEXT_COLUMNS = ("side", "pattern")
"""Optional lesion descriptors of spec/patterns.md 0.5, read by the irAE look-alike rules (5.3), kept as
written (lower case)."""
SCAN_TEXT_COLUMNS = (REFERENCE_REGION, RECIST_RESPONSE, CLINICAL_STATUS, LBM_FORMULA)
"""Per-scan labels repeated on every lesion row of a scan (spec/metabolic.md 1.1, 2.2)."""

PET_STATUSES = (Status.PRESENT, Status.ABSENT, Status.UNEQUIVOCAL_PROGRESSION, Status.NOT_EVALUABLE)
"""Lesion statuses a PET reading can carry (spec/metabolic.md 1.1)."""

TEXT_CHOICES: dict[str, tuple[str, ...]] = {
    REFERENCE_REGION: ("liver", "blood_pool"),
    RECIST_RESPONSE: ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"),
    CLINICAL_STATUS: ("stable", "deteriorating"),
    LBM_FORMULA: ("janmahasatian", "james", "user-supplied"),
}
TEXT_DEFAULTS = {REFERENCE_REGION: "liver", LBM_FORMULA: "user-supplied"}

_ROLE_SPELLINGS = {
    "target": Role.TARGET,
    "non_target": Role.NON_TARGET,
    "non-target": Role.NON_TARGET,
    "nontarget": Role.NON_TARGET,
    "new": Role.NEW,
}

CANONICAL_ORDER = (
    PATIENT,
    READER,
    DAY,
    DATE,
    LESION,
    ROLE,
    ORGAN,
    STATUS,
    VISCERAL,
    *LESION_VALUE_COLUMNS,
    *SCAN_NUMBER_COLUMNS,
    *SCAN_TEXT_COLUMNS,
    *IRAE_TEXT_COLUMNS,
    NOTE,
    SOURCE_ROW,
)

QUANTIFY_TRACE_COLUMNS = (
    "suvmean",
    "peak_method",
    "segmentation",
    "threshold",
    "tlg_normalization",
    "suvmax_normalization",
    "voi_voxels",
    "peak_centre_index",
)
"""Provenance columns of ``ioresponse.pet.quantify``: kept out of the criteria without a warning (those of
:data:`ONE_PER_PATIENT` are first checked to be one per patient)."""

PET_COLUMNS = (*CANONICAL_ORDER, NORMALIZATION, *QUANTIFY_TRACE_COLUMNS)
"""Every column name of the PET table (spec/metabolic.md 1.1, and quantify's provenance): a header that
spells one otherwise ("Liver SUL mean", "Uptake (min)": the same letters and digits in any case, with any
punctuation between words; README "Input") takes it (io.tables.contract_names)."""

ONE_PER_PATIENT = {
    # spec/pet.md 1.7; metabolic.md 4.2: the SUV normalisation is "identical at all scans"
    SUVMAX_NORMALIZATION: "SUVmax in another normalisation (bw or bsa, pet quantify --normalization)",
    # metabolic.md 2.5: the TLG normalisation "must be the same at all scans of a patient"
    "tlg_normalization": "TLG in another normalisation (bw or lbm)",
    # pet.md 4.5: "The same mask (same method and threshold) MUST be used at all scans of a patient"
    "segmentation": "MTV and TLG from another mask (pet quantify --segmentation, --fraction)",
    # pet.md 3.2-3.6: the peak definitions give different values; a change is read within one of them
    "peak_method": "SULpeak by another peak definition (pet quantify --peak)",
}
"""The ``pet quantify`` settings a patient's scans must share, and what a value made another way is."""

_ANATOMIC_MEASURES = ("long_axis_mm", "short_axis_mm", "perpendicular_mm", "target_sum_mm")


def looks_like_pet_table(columns: Iterable[str]) -> bool:
    """Whether a table with these columns is a PET assessment table (spec/metabolic.md 1.1).

    True when it has ``lesion_id`` and at least one PET lesion value (``suvmax``, ``sulpeak``,
    ``sulmean``, ``mtv_ml``, ``tlg``, ``functional_diameter_mm``) and no anatomic measurement
    column (``long_axis_mm``, ``short_axis_mm``, ``perpendicular_mm``, ``target_sum_mm``).
    """
    names = {str(c).strip().lower() for c in columns}
    return (
        LESION in names
        and any(c in names for c in LESION_VALUE_COLUMNS)
        and not any(c in names for c in _ANATOMIC_MEASURES)
    )


def statuses(pet: pd.DataFrame) -> np.ndarray:
    """The ``status`` of every row of a validated PET table: "present" where the table has no status
    column or the cell is empty, as the criteria that do not need it read it (spec 1.1: optional)."""
    if STATUS in pet:
        return pet[STATUS].fillna(Status.PRESENT.value).to_numpy()
    return np.full(len(pet), Status.PRESENT.value, dtype=object)


def read_pet_table(
    source: str | Path | pd.DataFrame | Any, *, patients: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Read a PET assessment table from CSV, Parquet or Excel (or a pandas/polars frame) and validate it.

    Parameters
    ----------
    source : path or DataFrame
        ``.csv``, ``.parquet``/``.pq`` or ``.xlsx``/``.xls`` file, or a pandas or polars DataFrame.
    patients : DataFrame, optional
        Patient table with ``patient_id`` and ``treatment_start`` (ISO date); needed only when the
        PET table gives ``date`` without ``day`` (spec/metabolic.md 1.1).

    Returns
    -------
    pandas.DataFrame
        The validated table described in the module docstring.

    Raises
    ------
    InputError
        Located at the file, rows and column at fault.
    """
    name = None if isinstance(source, str | Path) else "<PET table>"
    raw = read_table(source, source=name, names=PET_COLUMNS)
    return validate_pet_table(raw.frame, file=raw.source, patients=patients, column_names=raw.user_names)


def validate_pet_table(
    frame: pd.DataFrame, *, file: str = "<table>", patients: pd.DataFrame | None = None,
    validation: Validation = "raise", column_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Validate a raw PET table and return it in canonical form (see the module docstring).

    A table that already carries ``source_row`` keeps it, so validating twice gives the same table.
    ``validation="warn"`` keeps dates and days that disagree within a patient (a plausibility check,
    io.validate.check_date_day_agree), with a warning; each scan is placed by its day. Headers spelling
    a PET column otherwise take its name (:data:`PET_COLUMNS`, as io.tables.read_table does);
    ``column_names`` gives the user's header of the columns read_table renamed so
    (``RawTable.user_names``): an error names the column the user sees.
    """
    header = [str(c) for c in frame.columns]
    names = contract_names(header, {}, file, PET_COLUMNS)
    users = {**(column_names or {}), **{n: h for h, n in zip(header, names, strict=True) if n != h}}
    try:
        return _validated(frame.set_axis(names, axis=1).reset_index(drop=True), file, patients, validation)
    except InputError as error:
        raise in_file_terms(Finding(error), users).error from None


def _validated(raw: pd.DataFrame, file: str, patients: pd.DataFrame | None, validation: Validation
               ) -> pd.DataFrame:
    source_rows = (
        _integers(raw[SOURCE_ROW], SOURCE_ROW, np.arange(len(raw)) + 2, file)
        if SOURCE_ROW in raw
        else np.arange(len(raw), dtype=np.int64) + 2
    )
    _require_columns(raw, file)
    if raw.empty:  # nothing to assess: said here, not as "columns the input does not have" later
        raise InputError(file, [], None, "the PET table has its columns but no rows")
    _warn_unused(raw.columns, file)
    out = pd.DataFrame({SOURCE_ROW: source_rows.astype(np.int64)})
    rows = out[SOURCE_ROW].to_numpy()
    out[PATIENT] = _required_text(raw[PATIENT], PATIENT, rows, file)
    out[READER] = _text(raw[READER]) if READER in raw else ""
    for finding in check_reader_cells(out, file):  # as a lesion table, before the baseline check blames a day
        raise finding.error
    out[LESION] = _required_text(raw[LESION], LESION, rows, file)
    out[ROLE] = _roles(raw[ROLE], rows, file)
    if ORGAN in raw:
        out[ORGAN] = _text(raw[ORGAN]).str.lower()
    if STATUS in raw:  # optional (spec 1.1); a criterion that needs it says so (PERCIMT 7.10)
        out[STATUS] = _statuses(raw[STATUS], rows, file)
    out[VISCERAL] = _booleans(raw[VISCERAL], VISCERAL, rows, file) if VISCERAL in raw else False
    for column in (*LESION_VALUE_COLUMNS, *SCAN_NUMBER_COLUMNS):
        if column in raw:
            out[column] = _numbers(raw[column], column, rows, file)
    if FUNCTIONAL_DIAMETER in out:
        _check_cm_diameters(out, file, validation)
    if CYCLES in out:  # spec 1.1: "number of treatment cycles given before this scan", an integer
        fractional = (out[CYCLES].notna() & (out[CYCLES] % 1 != 0)).to_numpy()
        refuse_rows(file, rows, fractional, CYCLES, "expected a whole number of cycles")
    for column in SCAN_TEXT_COLUMNS:
        if column in raw:
            out[column] = _choices(raw[column], column, rows, file)
    if LBM_FORMULA not in raw and NORMALIZATION in raw:
        out[LBM_FORMULA] = _formulas_of_normalization(raw[NORMALIZATION], rows, file)
    for column, what in ONE_PER_PATIENT.items():
        if column in raw:
            _one_setting_per_patient(raw, out, rows, file, column, what)
    out[DATE], imputed = _dates(raw[DATE], rows, file) if DATE in raw else ("", "")
    out[DAY] = _days(raw, out, patients, file, validation)
    for column in (c for c in IRAE_TEXT_COLUMNS if c in raw):
        out[column] = _text(raw[column]).str.lower()
    given = _text(raw[NOTE]) if NOTE in raw else pd.Series("", index=out.index, dtype=object)
    out[NOTE] = join_notes(given, imputed) if DATE in raw else given  # the collected date (as io.load notes)
    _fill_scan_values(out, file)
    for column, default in TEXT_DEFAULTS.items():
        if column in out:
            out[column] = out[column].replace("", default)
    out = out.sort_values([PATIENT, READER, DAY, LESION, SOURCE_ROW], kind="mergesort")
    out = out.reset_index(drop=True)
    _check_structure(out, file)
    return out[[c for c in CANONICAL_ORDER if c in out]]


# ---------------------------------------------------------------- column conversion


def _one_setting_per_patient(raw: pd.DataFrame, out: pd.DataFrame, rows: np.ndarray, file: str, column: str,
                             what: str) -> None:
    """One value of a ``pet quantify`` setting per patient and reader (:data:`ONE_PER_PATIENT`): values made
    another way at another scan are not compared. An empty cell (a contour without voxels) is no value."""
    given = _text(raw[column]).str.lower()
    first = given.where(given != "").groupby([out[PATIENT], out[READER]]).transform("first")
    refuse_rows(file, rows, ((given != "") & first.notna() & (given != first)).to_numpy(), column,
                f"{what} than at this patient's first row: quantify every scan the same way")


def _require_columns(raw: pd.DataFrame, file: str) -> None:
    for column in (PATIENT, LESION, ROLE):
        if column not in raw:
            raise InputError(
                file,
                [],
                column,
                f"missing column {column!r}; the PET table needs patient_id, "
                "lesion_id, role and day (or date) (spec/metabolic.md 1.1)",
            )
    if DAY not in raw and DATE not in raw:
        raise InputError(
            file,
            [],
            DAY,
            "missing column 'day' (or 'date'): every PET row needs its scan day "
            "(days since treatment start) or scan date",
        )


def _warn_unused(columns: Iterable[str], file: str) -> None:
    """Columns the metabolic criteria never read are named, not dropped silently (STYLE.md 6)."""
    unused = [c for c in columns if c not in PET_COLUMNS]
    if unused:
        warnings.warn(
            UnusedColumnWarning(
                f"{file}: PET column(s) {', '.join(unused)} are not used by the metabolic criteria"
            ),
            stacklevel=4,
        )


def _text(series: pd.Series) -> pd.Series:
    def one(value: Any) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    return series.map(one).astype(object)


def _check_cm_diameters(out: pd.DataFrame, file: str, validation: Validation) -> None:
    """Plausibility: functional diameters that look like centimetres, by the lesion table's rule for a whole
    table (io.validate.check_cm_sizes, STYLE.md 5): every diameter given below 10 and some with decimals
    (spec/metabolic.md 1.1: ``functional_diameter_mm`` in mm; PERCIMT counts new lesions by it, 7.5).
    Refused, or with ``validation="warn"`` kept with a warning."""
    diameters = out[FUNCTIONAL_DIAMETER].to_numpy(dtype=np.float64)
    given = np.isfinite(diameters) & (diameters > 0)
    if not looks_like_cm(diameters[given]):
        return
    example = next(d for d in diameters[given] if d != round(d))
    error = InputError(file, out.loc[given, SOURCE_ROW].tolist(), FUNCTIONAL_DIAMETER,
                       f"functional diameters look like centimetres (every diameter in the table is below "
                       f"{CM_LOOKING_MAX_MM:g} and some have decimals, e.g. {example:g}); {CM_WAY_OUT}")
    if validation == "raise":
        raise error
    warnings.warn(ImplausibleValueWarning(error.located()), stacklevel=5)


def _formulas_of_normalization(series: pd.Series, rows: np.ndarray, file: str) -> pd.Series:
    """``lbm_formula`` from ioresponse.pet.quantify's ``normalization`` column: ``lbm_janmahasatian`` ->
    ``janmahasatian``, ``lbm_james`` -> ``james``, another LBM normalisation (``lbm_james120``) or an empty
    cell -> ``user-supplied`` (spec/metabolic.md 2.2).

    The column names the normalisation of the SUL values (``sulpeak``, ``sulmean``, the liver and blood-pool
    SUL): any other (``bw``, ``bsa``) says they are not SUL, which PERCIST, PECRIT, imPERCIST and iPERCIST
    read (spec/pet.md 1.7, spec/metabolic.md 2.7), so it is refused at its rows rather than read as SUL.
    """
    text = _text(series).str.lower()
    not_lbm = ((text != "") & ~text.str.startswith("lbm")).to_numpy()
    if not_lbm.any():
        refuse_rows(file, rows, not_lbm, NORMALIZATION,
                    f"{text[not_lbm].iloc[0]!r} is not a lean-body-mass normalisation: this column names the "
                    "normalisation of the SUL values (sulpeak, sulmean, liver and blood-pool SUL), which "
                    "PERCIST, PECRIT, imPERCIST and iPERCIST read as SUL (spec/pet.md 1.7, spec/metabolic.md "
                    "2.2); give SUL values (pet quantify writes lbm_janmahasatian or lbm_james), and the "
                    f"normalisation of SUVmax in {SUVMAX_NORMALIZATION}")
    formula = text.str.removeprefix("lbm_")
    return formula.where(formula.isin(["janmahasatian", "james"]), "user-supplied")


def _blank_to_nan(text: pd.Series) -> pd.Series:
    return text.where(text != "", np.nan)


def _required_text(series: pd.Series, column: str, rows: np.ndarray, file: str) -> pd.Series:
    text = _text(series)
    refuse_rows(file, rows, (text == "").to_numpy(), column, f"empty {column}; every row needs one")
    return text


def _roles(series: pd.Series, rows: np.ndarray, file: str) -> pd.Series:
    text = _text(series).str.lower()
    roles = text.map(lambda v: _ROLE_SPELLINGS.get(v, "")).astype(object)
    bad = (roles == "").to_numpy()
    if bad.any():
        first = text[bad].iloc[0]
        refuse_rows(file, rows, bad, ROLE, f"role {first!r} is not one of 'target', 'non_target', 'new'")
    return roles.map(str).astype(object)


def _statuses(series: pd.Series, rows: np.ndarray, file: str) -> pd.Series:
    text = _text(series).str.lower().str.replace(" ", "_").str.replace("-", "_")
    allowed = {s.value for s in PET_STATUSES}
    bad = (~text.isin(allowed) & (text != "")).to_numpy()
    if bad.any():
        first = text[bad].iloc[0]
        refuse_rows(file, rows, bad, STATUS, f"status {first!r} is not one of "
                    + ", ".join(repr(s) for s in sorted(allowed)) + " (spec/metabolic.md 1.1)")
    return text.where(text != "", np.nan)  # not given: read as present by the criteria that do not need it


def _booleans(series: pd.Series, column: str, rows: np.ndarray, file: str) -> pd.Series:
    values, bad = parse_bool(_text(series))
    refuse_rows(file, rows, bad, column, "expected true/false (or yes/no, 1/0)")
    return pd.Series(values, index=series.index, dtype=bool)


def _numbers(series: pd.Series, column: str, rows: np.ndarray, file: str) -> pd.Series:
    text = _text(series)
    numbers, not_number = parse_float(text)  # "inf" and "nan" are not numbers a scan can give
    values = pd.Series(numbers, index=text.index)
    if not_number.any():
        first = text[not_number].iloc[0]
        refuse_rows(file, rows, not_number, column, f"{first!r} is not a number{decimal_comma_hint(first)}; "
                    "leave the cell empty when the value is unknown")
    negative = (values < 0).to_numpy()
    refuse_rows(file, rows, negative, column, "negative value; PET values, times and counts are >= 0")
    return values


def _integers(series: pd.Series, column: str, default: np.ndarray, file: str) -> np.ndarray:
    values, _ = parse_float(_text(series))
    bad = ~(np.isfinite(values) & (values % 1 == 0) & (np.abs(values) < 2.0**53))  # int64 holds it exactly
    refuse_rows(file, default, bad, column, "expected a whole number")
    return values.astype(np.int64)


def _choices(series: pd.Series, column: str, rows: np.ndarray, file: str) -> pd.Series:
    text = _text(series)
    text = text.str.upper() if column == RECIST_RESPONSE else text.str.lower().str.replace(" ", "_")
    allowed = TEXT_CHOICES[column]
    bad = ((text != "") & ~text.isin(allowed)).to_numpy()
    if bad.any():
        first = text[bad].iloc[0]
        refuse_rows(file, rows, bad, column, f"{first!r} is not one of " + ", ".join(map(repr, allowed)))
    return text


def _dates(series: pd.Series, rows: np.ndarray, file: str) -> tuple[pd.Series, pd.Series]:
    """ISO dates read as the lesion table reads them (io.tables.parse_dates: a time part is not read, a
    partial date is imputed to the middle of its period with a warning, other text is refused), and the
    note of each imputed one ("date 2021-03 partial: imputed 2021-03-15"; "" for the others)."""
    text = _text(series)
    iso, notes, bad = parse_dates(text)
    if bad.any():
        refuse_rows(file, rows, bad, DATE, date_problem(text[bad].iloc[0]))
    warn_imputed_dates(file, rows, DATE, notes, stacklevel=4)
    return iso, notes


def _days(raw: pd.DataFrame, out: pd.DataFrame, patients: pd.DataFrame | None, file: str,
          validation: Validation) -> pd.Series:
    """``day`` as given, else derived from ``date`` and the patient's ``treatment_start`` (spec 1.1)."""
    rows = out[SOURCE_ROW].to_numpy()
    if DAY in raw:
        given = _text(raw[DAY])
        days = pd.Series(parse_float(given)[0], index=given.index)
        not_whole = ((given != "") & ~(np.isfinite(days) & (days % 1 == 0))).to_numpy()
        refuse_rows(file, rows, not_whole, DAY,
                    "expected whole days since treatment start (first dose = day 0)")
        refuse_rows(file, rows, (days.abs() > MAX_ABS_DAY).to_numpy(), DAY,
                    "more than 100 years from treatment start; day counts days since the first dose")
    else:
        days = pd.Series(np.nan, index=out.index)
    need = days.isna().to_numpy()
    if need.any():
        derived = _days_from_dates(out.loc[need], patients, file)
        far = (derived.abs() > MAX_ABS_DAY).to_numpy()
        refuse_rows(file, out.loc[need, SOURCE_ROW].to_numpy(), far, DATE,
                    "more than 100 years from the patient's treatment_start: a date out of range (a "
                    "placeholder such as 1899-12-30?)")
        days = days.copy()
        days.loc[need] = derived
    for finding in check_date_day_agree(out.assign(**{DAY: days}), file):
        if validation == "raise":
            raise finding.error
        warnings.warn(ImplausibleValueWarning(finding.error.located()), stacklevel=4)
    return days.astype(np.int64)


def _days_from_dates(rows: pd.DataFrame, patients: pd.DataFrame | None, file: str) -> pd.Series:
    no_date = (rows[DATE] == "").to_numpy()
    refuse_rows(file, rows[SOURCE_ROW].to_numpy(), no_date, DAY,
                "empty day and no date; give the scan day (days since treatment start) or its date")
    if patients is None or "treatment_start" not in patients or PATIENT not in patients:
        raise InputError(
            file,
            rows[SOURCE_ROW].tolist(),
            DAY,
            "only a date is given; deriving the day needs a "
            "patient table with patient_id and treatment_start (or give the day column)",
        )
    start_dates = parse_dates(_text(patients["treatment_start"]))[0]
    starts = dict(zip(_text(patients[PATIENT]), start_dates, strict=True))
    start = pd.to_datetime(
        rows[PATIENT].map(lambda p: starts.get(p) or None), format="%Y-%m-%d", errors="coerce"
    )
    unknown = start.isna().to_numpy()
    if unknown.any():
        patient = rows[PATIENT][unknown].iloc[0]
        refuse_rows(file, rows[SOURCE_ROW].to_numpy(), unknown, DATE,
                    f"no treatment_start for patient {patient} in the patient table; cannot derive day")
    return (pd.to_datetime(rows[DATE], format="%Y-%m-%d") - start).dt.days


# ---------------------------------------------------------------- table structure


def _fill_scan_values(out: pd.DataFrame, file: str) -> None:
    """Per-scan values: empty cells take the scan's value; two different values raise (spec 1.1)."""
    keys = [out[PATIENT], out[READER], out[DAY]]
    for column in (*SCAN_NUMBER_COLUMNS, *SCAN_TEXT_COLUMNS):
        if column not in out:
            continue
        values = out[column] if column in SCAN_NUMBER_COLUMNS else _blank_to_nan(out[column])
        distinct = values.groupby(keys, sort=False).transform("nunique")
        conflict = (distinct > 1).to_numpy()
        if conflict.any():
            first = out.loc[conflict].iloc[0]
            same_scan = (
                conflict
                & (out[PATIENT] == first[PATIENT]).to_numpy()
                & (out[READER] == first[READER]).to_numpy()
                & (out[DAY] == first[DAY]).to_numpy()
            )
            raise InputError(
                file,
                out.loc[same_scan, SOURCE_ROW].tolist(),
                column,
                f"patient {first[PATIENT]} day {first[DAY]}: the rows of one scan disagree on "
                f"{column}; give one value per scan (spec/metabolic.md 1.1)",
            )
        filled = values.groupby(keys, sort=False).transform("first")
        out[column] = filled if column in SCAN_NUMBER_COLUMNS else filled.fillna("").astype(object)


def _check_structure(out: pd.DataFrame, file: str) -> None:
    """Scan and lesion rules of spec/metabolic.md 1.2-1.3 and 2.2, checked on whole columns."""
    _check_duplicates(out, file)
    patient_keys = [out[PATIENT], out[READER]]
    baseline_day = out[DAY].where(out[DAY] <= 0).groupby(patient_keys).transform("max")
    _raise_first_patient(
        out,
        baseline_day.isna(),
        file,
        DAY,
        "missing baseline: {who} has no scan with day <= 0 (spec/metabolic.md 1.2)",
        whole_patient=True,
    )
    at_baseline = out[DAY] == baseline_day
    _raise_first_patient(
        out,
        at_baseline & (out[ROLE] == Role.NEW),
        file,
        ROLE,
        "{who}: role 'new' at the "
        "baseline scan; baseline lesions are 'target' or 'non_target' (spec/metabolic.md 1.3)",
    )
    lesion_keys = [*patient_keys, out[LESION]]
    seen_at_baseline = at_baseline.groupby(lesion_keys).transform("any")
    first_seen_later = (out[DAY] > baseline_day) & ~seen_at_baseline & (out[ROLE] != Role.NEW)
    _raise_first_patient(
        out,
        first_seen_later,
        file,
        ROLE,
        "{who}: lesion {lesion} is first seen after baseline "
        "but its role is {role!r}; a lesion first seen at a follow-up must be 'new' (spec 1.3)",
    )
    roles_from_baseline = out[ROLE].where(out[DAY] >= baseline_day)
    changing = roles_from_baseline.groupby(lesion_keys).transform("nunique") > 1
    _raise_first_patient(
        out,
        changing & roles_from_baseline.notna(),
        file,
        ROLE,
        "{who}: lesion {lesion} changes "
        "role between scans; a role is fixed at baseline and a new lesion stays 'new' (spec 1.3)",
    )
    if LBM_FORMULA in out:
        mixed = out[LBM_FORMULA].groupby(patient_keys).transform("nunique") > 1
        _raise_first_patient(
            out,
            mixed,
            file,
            LBM_FORMULA,
            "{who}: scans use different LBM formulas; SUL must "
            "use one formula for all scans of a patient (spec/metabolic.md 2.2)",
        )


def _raise_first_patient(
    out: pd.DataFrame, bad: pd.Series, file: str, column: str, template: str, whole_patient: bool = False
) -> None:
    """Raise for the first patient with a ``bad`` row, naming its offending rows (or all its rows)."""
    if not bad.any():
        return
    first = out.loc[bad.to_numpy()].iloc[0]
    same_patient = ((out[PATIENT] == first[PATIENT]) & (out[READER] == first[READER])).to_numpy()
    rows = out.loc[same_patient if whole_patient else same_patient & bad.to_numpy(), SOURCE_ROW]
    who = f"patient {first[PATIENT]}" + (f" (reader {first[READER]})" if first[READER] else "")
    message = template.format(who=who, lesion=first[LESION], role=first[ROLE])
    raise InputError(file, rows.tolist(), column, message)


def _check_duplicates(out: pd.DataFrame, file: str) -> None:
    duplicated = out.duplicated([PATIENT, READER, DAY, LESION], keep=False).to_numpy()
    if duplicated.any():
        first = out.loc[duplicated].iloc[0]
        same = (
            duplicated
            & (out[LESION] == first[LESION]).to_numpy()
            & (out[PATIENT] == first[PATIENT]).to_numpy()
        )
        raise InputError(
            file,
            out.loc[same, SOURCE_ROW].tolist(),
            LESION,
            f"lesion {first[LESION]} appears twice for patient {first[PATIENT]} on day {first[DAY]}; "
            "keep one row per lesion per scan",
        )
