"""Audit s19 (schema): the output tables' columns and types are a contract, whatever the data.

Audited against spec/anatomic.md 0.9 (timepoint and best-response columns, in order; `confirmation_state`
vocabulary; the criteria's timepoint labels; 1.5 and 4.5 for the `new_lesion_response` values `yes` /
`equivocal` / `no`), spec/metabolic.md 1.6 (metabolic rows use the columns of the anatomic criteria) and
1.7 (categories), spec/patterns.md 0.3 and 0.6 (patterns table and its `flag` values), DESIGN.md "The
tables" ("Outputs are long tables too, so that they can be joined, filtered, saved as Parquet/CSV") and
"Engine principles" ("A single patient is a cohort of one"), README.md "Python" (text columns), "Input:
the lesion table" (`day` is an integer), "Metabolic (FDG-PET) criteria" (`cycles_before_scan`, whole
cycles) and "Outputs in results/" (which tables are written; recorded_vs_computed compares every RS
overall response).

Method: ``ioresponse.assess`` and ``ioresponse assess ... --format both`` on small inputs that make columns
empty or unusual (baseline only, every follow-up NE, no new lesion, one patient, readers, dates, sum-only
and % change tables, PET tables alone and with ``--pet``, each criterion alone and ``all``, with and
without patterns); per table and column: presence, pandas dtype, Arrow type, and the CSV text.

Correct (passing tests): the spec 0.9 columns are present and in order for every anatomic input, an
empty anatomic timepoint table keeps its columns and types, anatomic column types do not depend on the
other criteria, patients, readers or dates, the CSV and Parquet files of a run hold the same values,
no CSV cell reads "nan" / "None" / "<NA>", booleans are written True / False, and the label columns use
the documented vocabularies (confirmation_state, overall_response, patterns flag).

Fixed in the stacking and writing of the tables (now passing; tests/test_s19_stacked_tables.py): an empty
stacked timepoint table has the columns of every criterion run, not the first one's only; a column some
stacked criteria lack is "" on their rows when text, pandas "boolean" when boolean (measurable_disease,
confirmation_advised; api._stacked); a patient alone keeps its recorded_vs_computed row ("(no
assessment)"); every table written has one text type (Arrow large_string), so timepoints and patterns join
on patient_id.

Fixed (now passing): an empty metabolic timepoint table keeps the types of its number and boolean columns
(each criterion declares its columns' dtypes, criteria/_metabolic.timepoint_frame); iPERCIST's upmd_day is
float64 whatever the other patients; imPERCIST's summed_lesions is "" where nothing is summed; the metabolic
criteria write `yes` / `no` in new_lesion_response. Decided, not changed: a day that can be missing
(progression_day, bor_day, pfs_day, upmd_day, ...) stays float64 with NaN, Parquet double, written "56.0",
while `day` and `reference_day` are integers (test_response_days_are_integers_in_csv_and_parquet pins that
convention); cycles_before_scan is an optional number kept float64 as read (validated whole), so its test
(written "2" rather than "2.0") was deleted.

The PERCIST / PERCIMT / PECRIT stacking cases fixed this session (reference_day "-5.0", new_over_10mm,
new_lesion_count with --pet, PECRIT qc_passed "True") are not pinned again here;
test_stacking_fixes_of_this_session_hold checks that they hold.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app

SPEC_TIMEPOINT_COLUMNS = [  # spec/anatomic.md 0.9, in this order
    "patient_id", "criterion", "date", "day", "baseline_sum", "nadir_sum", "current_sum", "sum_unit",
    "sum_complete", "pct_change_baseline", "pct_change_nadir", "abs_change_nadir", "target_sum",
    "new_lesion_sum", "target_response", "non_target_response", "new_lesion_response", "overall_response",
    "confirmation_state", "progression_day", "after_progression", "clinical_status", "flags", "reason",
]
SPEC_BEST_COLUMNS = [  # spec/anatomic.md 0.9, in this order
    "patient_id", "criterion", "best_response", "best_response_confirmed", "bor_day", "first_response_day",
    "progression_day", "duration_of_response_days", "pfs_event", "pfs_day", "reason",
]
SPEC_PATTERN_COLUMNS = [  # spec/patterns.md 0.6, in this order
    "patient_id", "pattern", "definition", "episode", "date", "flag", "values", "evidence", "reason",
]
ANATOMIC = ("recist11", "irrc", "irrecist", "irecist", "imrecist")
LABELS = {  # spec/anatomic.md 0.9 "Criterion keys and labels"; spec/metabolic.md 1.7
    "recist11": {"CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"},
    "irrc": {"irCR", "irPR", "irSD", "irPD", "NE"},
    "irrecist": {"irCR", "irPR", "irSD", "irNON-CR/NON-PD", "irPD", "NE"},
    "irecist": {"iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iUPD", "iCPD", "NE"},
    "imrecist": {"CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"},
    "eortc": {"CMR", "PMR", "SMD", "PMD", "NE"},
    "percist": {"CMR", "PMR", "SMD", "PMD", "NE"},
    "percimt": {"CMR", "PMR", "SMD", "PMD", "NE"},
    "impercist": {"CMR", "PMR", "SMD", "PMD", "NE"},
    "ipercist": {"CMR", "PMR", "SMD", "PMD", "NE", "UPMD", "CPMD"},
    "pecrit": {"clinical_benefit", "no_clinical_benefit", "NE"},
}
CONFIRMATION_STATES = {"not_required", "pending", "confirmed", "not_confirmed", "confirms"}  # spec 0.9

# ---------------------------------------------------------------------------------------------------------
# Inputs (README "Input: the lesion table"; spec/metabolic.md 1.1)


def lesion(patient, day, lesion_id, role, long_axis=None, perpendicular=None, status="present",
           organ="liver"):
    return dict(patient_id=patient, day=day, lesion_id=lesion_id, role=role, organ=organ, lymph_node=False,
                long_axis_mm=np.nan if long_axis is None else float(long_axis), short_axis_mm=np.nan,
                perpendicular_mm=np.nan if perpendicular is None else float(perpendicular), status=status)


def cohort() -> pd.DataFrame:
    """P1: T1 40 -> 28 -> 26 mm (-30%, -35%: PR, RECIST 1.1 sec. 4.3.1). P2: T1 50 -> 48 -> 48 mm with a new
    lesion U1 from day 56 (PD by new lesion, sec. 4.3.3; iUPD then iCPD as U1 grows 12 -> 20 mm)."""
    rows = []
    for day, size in ((-7, 40), (56, 28), (112, 26)):
        rows += [lesion("P1", day, "T1", "target", size, size - 10),
                 lesion("P1", day, "NT1", "non_target", organ="bone")]
    for day, size in ((-3, 50), (56, 48), (112, 48)):
        rows += [lesion("P2", day, "T1", "target", size, size - 10),
                 lesion("P2", day, "NT1", "non_target", organ="bone")]
    rows += [lesion("P2", 56, "U1", "new", 12, 10), lesion("P2", 112, "U1", "new", 20, 15)]
    return pd.DataFrame(rows)


def one_patient_pd() -> pd.DataFrame:
    """T1 40 -> 40 mm and a new lesion on day 56: PD on day 56 (RECIST 1.1 sec. 4.3.3), so progression_day,
    bor_day and pfs_day are 56."""
    return pd.DataFrame([lesion("P1", -7, "T1", "target", 40), lesion("P1", 56, "T1", "target", 40),
                         lesion("P1", 56, "U1", "new", 15)])


def anatomic_inputs() -> dict[str, pd.DataFrame]:
    full = cohort()
    no_new = full[full["role"] != "new"].reset_index(drop=True)
    all_ne = no_new.copy()
    later = all_ne["day"] > 0
    all_ne.loc[later, "status"] = "not_evaluable"
    all_ne.loc[later, ["long_axis_mm", "perpendicular_mm"]] = np.nan
    readers = pd.concat([full.assign(reader="R1"), full.assign(reader="R2")], ignore_index=True)
    return {
        "cohort": full,
        "no_new_lesion": no_new,
        "baseline_only": full[full["day"] <= 0].reset_index(drop=True),
        "all_follow_ups_ne": all_ne,
        "one_patient": full[full["patient_id"] == "P1"].reset_index(drop=True),
        "readers": readers,
    }


QC = dict(uptake_min=60, liver_sul_mean=2.0, liver_sul_sd=0.25)
"""T = 1.5 x 2.0 + 2 x 0.25 = 3.5 and uptake 60 min: the PERCIST checks pass (spec/metabolic.md 5.3, 5.4)."""


def pet_scan(patient, day, lesion_id, role, sulpeak, cycles, **extra):
    organ = "lung" if role == "target" else "bone"
    return dict(patient_id=patient, day=day, lesion_id=lesion_id, role=role, organ=organ, sulpeak=sulpeak,
                suvmax=sulpeak * 1.3, tlg=sulpeak * 12, functional_diameter_mm=20.0, status="present",
                cycles_before_scan=cycles, **QC) | extra


def pet_cohort() -> pd.DataFrame:
    """P1: SULpeak 8.0 -> 5.6 -> 4.0 (-30%, -50%: PMR). P2: 6.0 -> 6.5 -> 9.0 with a new lesion N1 on both
    follow-ups (PMD; iPERCIST UPMD on day 56, CPMD on day 112)."""
    rows = []
    for patient, values in (("P1", (8.0, 5.6, 4.0)), ("P2", (6.0, 6.5, 9.0))):
        for k, (day, value) in enumerate(zip((-5, 56, 112), values, strict=True)):
            rows.append(pet_scan(patient, day, "L1", "target", value, 2 * k))
            if patient == "P2" and day > 0:
                rows.append(pet_scan(patient, day, "N1", "new", 5.0, 2 * k, functional_diameter_mm=12.0))
    return pd.DataFrame(rows)


def assess(data, criteria, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(data, criteria=criteria, **options)


def written(result, folder):
    """``result`` written as CSV and Parquet into ``folder``; returns the folder."""
    result.to_csv(folder)
    result.to_parquet(folder)
    return folder


def csv(folder, stem):
    return pd.read_csv(folder / f"{stem}.csv", dtype=str, keep_default_na=False)


def arrow(folder, stem):
    return pq.read_schema(folder / f"{stem}.parquet")


def kind(dtype) -> str:
    """The family of a pandas dtype: integer, float, bool or text."""
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    return "text" if isinstance(dtype, pd.StringDtype) else str(dtype)


def arrow_kind(arrow_type) -> str:
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type):
        return "float"
    if pa.types.is_boolean(arrow_type):
        return "bool"
    text = pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
    return "text" if text else str(arrow_type)


# ---------------------------------------------------------------------------------------------------------
# Module-scoped runs


@pytest.fixture(scope="module")
def anatomic_runs():
    """Every anatomic input under each anatomic criterion alone and under "all" (API)."""
    runs = {}
    for name, table in anatomic_inputs().items():
        for criteria in (*ANATOMIC, "all"):
            runs[name, criteria] = assess(table, criteria)
    return runs


@pytest.fixture(scope="module")
def cli_folder(tmp_path_factory):
    """`ioresponse assess cohort.csv --criteria all --format both` (patterns on), and the same cohort with
    the PET cohort given by `--pet`."""
    root = tmp_path_factory.mktemp("schema_cli")
    cohort().to_csv(root / "lesions.csv", index=False)
    pet_cohort().to_csv(root / "pet.csv", index=False)
    runner = CliRunner()
    folders = {}
    for name, extra in (("lesions", ()), ("with_pet", ("--pet", root / "pet.csv"))):
        out = root / name
        result = runner.invoke(app, [str(a) for a in ("assess", root / "lesions.csv", "--criteria", "all",
                                                         "--out", out, "--format", "both", *extra)])
        assert result.exit_code == 0, result.output
        folders[name] = out
    return folders


# ---------------------------------------------------------------------------------------------------------
# Rules checked and found correct (regression tests)


def test_spec_0_9_columns_present_in_order_for_every_anatomic_input(anatomic_runs):
    # spec/anatomic.md 0.9: the timepoint and best-response columns, in the listed order, whatever the data
    # (a `reader` column may sit between them: README "each reader is assessed separately").
    for key, result in anatomic_runs.items():
        for table, spec in ((result.timepoints, SPEC_TIMEPOINT_COLUMNS),
                            (result.best_response, SPEC_BEST_COLUMNS)):
            present = [c for c in table.columns if c in spec]
            assert present == spec, key


def test_spec_0_9_empty_anatomic_timepoints_keep_their_columns_and_types(anatomic_runs):
    # spec 0.9: an empty result table still has its columns; a column's type is the one of a run with rows.
    for criteria in (*ANATOMIC, "all"):
        empty = anatomic_runs["baseline_only", criteria].timepoints
        full = anatomic_runs["cohort", criteria].timepoints
        assert len(empty) == 0
        assert list(empty.columns) == list(full.columns)
        assert [kind(t) for t in empty.dtypes] == [kind(t) for t in full.dtypes], criteria


def test_anatomic_column_types_do_not_depend_on_other_criteria_or_patients(anatomic_runs):
    # DESIGN.md "The tables": one long table per output; a criterion's rows have the same columns and types
    # alone, beside the other criteria, for one patient, several readers, no new lesion or NE follow-ups.
    for table_name in ("timepoints", "best_response"):
        for criterion in ANATOMIC:
            reference = getattr(anatomic_runs["cohort", criterion], table_name)
            for key, result in anatomic_runs.items():
                if key[1] not in (criterion, "all"):
                    continue
                table = getattr(result, table_name)
                for column in reference.columns:
                    assert column in table, (key, column)
                    same = kind(table[column].dtype) == kind(reference[column].dtype)
                    assert same, (key, table_name, column)


def test_dates_sum_only_and_pct_change_inputs_give_the_same_types():
    # README "Input" (`date` or `day`) and "Also accepted" (sum-only, % change tables): the same output
    # columns with the same types as a lesion table with days.
    reference = assess(cohort(), "recist11")
    dated = cohort()
    start = {"P1": pd.Timestamp("2021-01-04"), "P2": pd.Timestamp("2021-02-01")}
    dated["date"] = [(start[p] + pd.Timedelta(days=int(d))).date().isoformat()
                     for p, d in zip(dated["patient_id"], dated["day"], strict=True)]
    patients = pd.DataFrame({"patient_id": list(start), "treatment_start": [s.date().isoformat()
                                                                           for s in start.values()]})
    sums = pd.DataFrame(dict(patient_id=["P1"] * 3 + ["P2"] * 3, day=[-7, 56, 112, -3, 56, 112],
                             target_sum_mm=[40, 28, 26, 50, 48, 48], new_lesions=[False] * 4 + [True] * 2,
                             non_target=["present"] * 6))
    pct = pd.DataFrame(dict(patient_id=["P1"] * 3 + ["P2"] * 3, day=[0, 56, 112, 0, 56, 112],
                            pct_change=[0, -30, -35, 0, -4, 25]))
    for other in (assess(dated.drop(columns="day"), "recist11", patients=patients), assess(sums, "recist11"),
                  assess(pct, "recist11")):
        for name in ("timepoints", "best_response"):
            mine, theirs = getattr(other, name), getattr(reference, name)
            assert list(mine.columns) == list(theirs.columns)
            assert [kind(t) for t in mine.dtypes] == [kind(t) for t in theirs.dtypes], name


def test_csv_and_parquet_of_one_run_hold_the_same_table(cli_folder):
    # README "Outputs in results/": `--format both` writes each table as CSV and Parquet; read back, the two
    # are one table (same columns, same values; a missing value is an empty CSV cell).
    for out in cli_folder.values():
        stems = sorted(p.stem for p in out.glob("*.parquet"))
        assert stems == sorted(p.stem for p in out.glob("*.csv"))
        for stem in stems:
            text = csv(out, stem)
            table = pq.read_table(out / f"{stem}.parquet").to_pandas()
            assert list(text.columns) == list(table.columns), stem
            for column in table.columns:
                def cell(value):
                    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                        return ""
                    if isinstance(value, bool | np.bool_):
                        return str(bool(value))
                    return repr(float(value)) if isinstance(value, float | np.floating) else str(value)
                assert [cell(v) for v in table[column].astype(object)] == list(text[column]), (stem, column)


def test_no_csv_cell_reads_nan_none_or_na_and_booleans_read_true_false(cli_folder):
    # README "Python": an empty text value is ""; booleans are written True/False (io.tables.write_csv).
    for out in cli_folder.values():
        for path in out.glob("*.csv"):
            text = pd.read_csv(path, dtype=str, keep_default_na=False)
            for column in text.columns:
                bad = text[column].isin(["nan", "NaN", "None", "<NA>", "NA", "null"])
                assert not bad.any(), (path.name, column)
            table = pq.read_table(path.with_suffix(".parquet"))
            for field in table.schema:
                if pa.types.is_boolean(field.type):
                    assert set(text[field.name]) <= {"True", "False", ""}, (path.name, field.name)


def test_labels_come_from_the_documented_vocabularies(cli_folder):
    # spec/anatomic.md 0.9 (timepoint labels, confirmation_state), spec/metabolic.md 1.7 (categories).
    for out in cli_folder.values():
        timepoints, best = csv(out, "timepoints"), csv(out, "best_response")
        for criterion, rows in timepoints.groupby("criterion"):
            assert set(rows["overall_response"]) <= LABELS[criterion], criterion
            assert set(rows["confirmation_state"]) <= CONFIRMATION_STATES, criterion
        for criterion, rows in best.groupby("criterion"):
            assert set(rows["best_response"]) | set(rows["best_response_confirmed"]) <= LABELS[criterion]


def test_patterns_0_6_columns_in_order_with_three_valued_flags(cli_folder):
    # spec/patterns.md 0.6 columns (in order; reader and day may be added) and 0.3 flag values.
    patterns = csv(cli_folder["lesions"], "patterns")
    assert [c for c in patterns.columns if c in SPEC_PATTERN_COLUMNS] == SPEC_PATTERN_COLUMNS
    assert set(patterns["flag"]) <= {"true", "false", "not_evaluable"}
    # the patterns' day is an integer day: "56", never "56.0"
    assert not patterns["day"].str.endswith(".0").any()


def test_stacking_fixes_of_this_session_hold(cli_folder):
    # Re-check of the fixes made this session (not re-pinned as xfails): PERCIST's reference_day and
    # new_lesion_count are written as integers beside PERCIMT, PERCIMT's new_over_10mm likewise, and the
    # integer columns are the same with --pet; PECRIT's qc_passed stays boolean beside PERCIST.
    pet = pet_cohort()
    stacked = assess(pet, ("percist", "percimt"), patterns=False)
    with_lesions = assess(cohort(), ("recist11", "percist"), pet=pet, patterns=False)
    pecrit_pet = pet.assign(recist_response=np.where(pet["day"] > 0, "SD", ""))
    with_pecrit = assess(pecrit_pet, ("percist", "pecrit"), patterns=False)
    for result, columns in ((stacked, ("reference_day", "new_lesion_count", "new_over_10mm")),
                            (with_lesions, ("reference_day", "new_lesion_count"))):
        for column in columns:
            assert kind(result.timepoints[column].dtype) == "integer", column
    assert kind(with_pecrit.timepoints["qc_passed"].dtype) == "bool"
    # and the CLI with --pet writes them as integers: reference_day "-5", counts "0" / "1", never "-5.0"
    written_pet = csv(cli_folder["with_pet"], "timepoints")
    for column in ("reference_day", "new_lesion_count", "new_over_10mm"):
        cells = written_pet[column][written_pet[column] != ""]
        assert len(cells) and not cells.str.contains(".", regex=False).any(), column


# ---------------------------------------------------------------------------------------------------------
# Differences (strict xfails)


def test_empty_metabolic_timepoints_keep_number_and_boolean_types(tmp_path):
    # fixed: a PET table with baseline scans only gave an empty PERCIST timepoint table whose number and
    # boolean columns were text; spec anatomic.md 0.9 / metabolic.md 1.6: an empty table keeps its types
    baseline = pd.DataFrame([pet_scan("P1", -5, "L1", "target", 8.0, 0)])
    both = pd.DataFrame([pet_scan("P1", -5, "L1", "target", 8.0, 0),
                         pet_scan("P1", 56, "L1", "target", 5.6, 2)])
    empty = written(assess(baseline, "percist", patterns=False), tmp_path / "empty")
    full = written(assess(both, "percist", patterns=False), tmp_path / "full")
    # the same Arrow type per column with or without follow-ups (reference_day integer, qc_passed boolean)
    assert {f.name: arrow_kind(f.type) for f in arrow(empty, "timepoints")} == \
        {f.name: arrow_kind(f.type) for f in arrow(full, "timepoints")}


def test_empty_timepoints_of_two_criteria_keep_both_criterions_columns():
    baseline = pd.DataFrame([pet_scan("P1", -5, "L1", "target", 8.0, 0)])
    percist_alone = assess(baseline, "percist", patterns=False).timepoints
    both = assess(baseline, ("eortc", "percist"), patterns=False).timepoints
    assert len(both) == 0
    # every column PERCIST's empty table has is in the stacked empty table
    assert [c for c in percist_alone.columns if c not in both.columns] == []


def test_response_days_are_integers_in_csv_and_parquet(tmp_path):
    # Decision (the API's convention, relied on across the package): a day that can be missing (progression,
    # BOR, first response, PFS, duration of response, upmd_day ...) is float64 with NaN, Parquet double, in
    # every table; the day of an assessment (`day`, `reference_day`) is always given and an integer.
    pet = pet_cohort()
    for criteria, data, options in (("recist11", one_patient_pd(), {}), ("all", cohort(), {"pet": pet}),
                                    (("percist", "ipercist", "eortc"), pet, {})):
        result = assess(data, criteria, patterns=False, **options)
        out = written(result, tmp_path / "_".join(np.atleast_1d(criteria)))
        for stem in ("timepoints", "best_response"):
            table, types = getattr(result, stem), {f.name: arrow_kind(f.type) for f in arrow(out, stem)}
            days = [c for c in table.columns if c.endswith(("_day", "_days")) and c != "reference_day"]
            assert days, stem
            for column in days:
                assert (table[column].dtype, types[column]) == (np.float64, "float"), (criteria, stem, column)
            for column in ("day", "reference_day"):
                if column in table:
                    assert (kind(table[column].dtype), types[column]) == ("integer", "integer"), column
    one = csv(written(assess(one_patient_pd(), "recist11"), tmp_path / "one"), "best_response")
    # PD by new lesion on day 56 (RECIST 1.1 sec. 4.3.3): progression, BOR and PFS on day 56, as floats
    assert one.loc[0, ["bor_day", "progression_day", "pfs_day"]].tolist() == ["56.0", "56.0", "56.0"]


def test_measurable_disease_stays_boolean_beside_a_metabolic_criterion():
    pet = pet_cohort()
    result = assess(cohort(), ("recist11", "percist"), pet=pet, patterns=False)
    # RECIST 1.1 sec. 3.1: both patients have a measured target >= 10 mm, so measurable_disease is True
    assert pd.api.types.is_bool_dtype(result.best_response["measurable_disease"].dtype)


def test_confirmation_advised_stays_boolean_beside_another_criterion():
    result = assess(pet_cohort(), ("percist", "impercist"), patterns=False)
    assert pd.api.types.is_bool_dtype(result.timepoints["confirmation_advised"].dtype)


def test_metabolic_new_lesion_response_uses_the_yes_no_vocabulary():
    # fixed: the metabolic criteria wrote 'new' / 'none'; spec anatomic.md 1.5 and 4.5 ('written no and yes,
    # as in RECIST 1.1') and metabolic.md 1.6 (the same columns, so that all criteria line up in one table)
    rows = pd.DataFrame([pet_scan("P1", -5, "L1", "target", 8.0, 0),
                         pet_scan("P1", 56, "L1", "target", 8.0, 2),
                         pet_scan("P1", 56, "N1", "new", 5.0, 2)])
    result = assess(rows, "percist", patterns=False)
    # a new FDG-avid lesion on day 56 (spec/metabolic.md 5.6): PMD; the new-lesion column says "yes"
    assert list(result.timepoints["overall_response"]) == ["PMD"]
    assert list(result.timepoints["new_lesion_response"]) == ["yes"]


SDTM_TU = "USUBJID,TULNKID,TUSTRESC,TULOC\nS1,T01,TARGET,LIVER\nS2,T01,TARGET,LIVER\n"
SDTM_TR = ("USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY\n"
           "S1,T01,LDIAM,40,40,mm,2021-03-01,-6\n"
           "S2,T01,LDIAM,40,40,mm,2021-03-01,-6\n"
           "S2,T01,LDIAM,28,28,mm,2021-05-02,57\n")
SDTM_RS = ("USUBJID,RSTESTCD,RSTEST,RSCAT,RSORRES,RSSTRESC,RSDTC,RSDY\n"
           "S1,OVRLRESP,Overall Response,RECIST 1.1,PR,PR,2021-05-02,57\n")


def sdtm(folder, subjects):
    folder.mkdir()
    keep = lambda text: "".join(line for line in text.splitlines(keepends=True)  # noqa: E731
                                if line.split(",")[0] in (*subjects, "USUBJID"))
    (folder / "tu.csv").write_text(keep(SDTM_TU))
    (folder / "tr.csv").write_text(keep(SDTM_TR))
    (folder / "rs.csv").write_text(SDTM_RS)
    return folder


def test_recorded_vs_computed_row_of_a_patient_alone_as_in_a_cohort(tmp_path):
    cohort_result = assess(sdtm(tmp_path / "both", ("S1", "S2")), "recist11", patterns=False)
    alone_result = assess(sdtm(tmp_path / "alone", ("S1",)), "recist11", patterns=False)
    in_cohort = cohort_result.against_recorded().query("patient_id == 'S1'")
    assert len(in_cohort) == 1  # the cohort run compares S1's PR with "(no assessment)"
    assert "recorded_vs_computed" in alone_result.tables()
    alone = alone_result.against_recorded()
    assert list(alone["computed_response"]) == list(in_cohort["computed_response"])


def test_patient_id_has_one_arrow_type_so_tables_join(cli_folder):
    out = cli_folder["lesions"]
    types = {stem: arrow(out, stem).field("patient_id").type for stem in ("timepoints", "best_response",
                                                                           "lesions", "patterns")}
    assert len(set(types.values())) == 1, types
    timepoints = pq.read_table(out / "timepoints.parquet", columns=["patient_id", "reader", "day"])
    patterns = pq.read_table(out / "patterns.parquet", columns=["patient_id", "reader", "pattern"])
    assert timepoints.join(patterns, keys=["patient_id", "reader"]).num_rows > 0


def test_empty_text_is_an_empty_string_on_every_row_of_a_stacked_table(tmp_path):
    result = assess(pet_cohort(), ("percist", "percimt"), patterns=False)
    for name in ("timepoints", "best_response"):
        table = getattr(result, name)
        text = [c for c in table.columns if kind(table[c].dtype) == "text"]
        # an empty text value is "" (README "Python"), on the rows of either criterion
        assert {c: int(table[c].isna().sum()) for c in text if table[c].isna().any()} == {}, name
    out = written(result, tmp_path)
    timepoints = pq.read_table(out / "timepoints.parquet")
    assert timepoints.column("resolved_lesions").null_count == 0
