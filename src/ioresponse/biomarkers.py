"""Biomarker label rules (PD-L1 TPS/CPS/IC, MSI-H/dMMR, TMB) applied to the patient table, and IL-8 kinetics.

Sources: spec/patterns.md section 6 (rule table 6.3, worked examples 6.6); the consensus (Leon-Mateos L et
al. Clin Transl Oncol 2021;23(3):434-449, doi:10.1007/s12094-020-02442-3) where it differs from labels
(section 8); EMA press release 1 June 2018; FDA approvals of 23 May 2017 (MSI-H/dMMR), 11 April 2019
(KEYNOTE-042) and 16 June 2020 (TMB-H). IL-8: Sanmamed MF et al. Ann Oncol 2017;28(8):1988-1995,
doi:10.1093/annonc/mdx190.

The rules are data (``ioresponse/data/biomarker_rules.csv``); a user extends them with their own CSV of the
same columns. Output lines describe the label context of a cut-off, never an eligibility or treatment
decision, and carry the regulator, date, ``as_of`` and source of the rule.
"""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ioresponse.io.tables import (
    TRUE_WORDS,
    SideTableWarning,
    parse_float,
    read_table,
    refuse_rows,
    side_table,
)
from ioresponse.io.validate import PATIENT_CATEGORIES, PDL1_PERCENT_COLUMNS, TMB, check_patient_biomarkers
from ioresponse.patterns._common import Flag, above, at_least_value, below
from ioresponse.schema import DATE, DAY, PATIENT, SOURCE_ROW, InputError

VALUE_COLUMNS = (*PDL1_PERCENT_COLUMNS, TMB, *PATIENT_CATEGORIES)
"""Patient-table columns holding a biomarker value (spec 6.2)."""
MSI_MMR = "msi_mmr"
"""Rule value column meaning "msi_status MSI-H or mmr_status dMMR" (spec 6.3 BM-MSI-AGNOSTIC)."""
ASSAY_COLUMNS = {
    "pdl1_tps": "pdl1_assay",
    "pdl1_cps": "pdl1_assay",
    "pdl1_ic": "pdl1_assay",
    TMB: "tmb_assay",
}
"""Patient-table column naming the assay of each value (spec 6.2)."""
RULE_COLUMNS = (
    "rule_id",
    "enabled",
    "biomarker",
    "value_column",
    "unit",
    "operator",
    "cutoff",
    "assays",
    "tumor_types",
    "lines",
    "drugs",
    "conditions",
    "context",
    "regulator",
    "as_of",
    "source",
    "in_consensus",
    "consensus_operator",
    "consensus_cutoff",
)
BIOMARKER_COLUMNS = (
    PATIENT,
    "rule_id",
    "biomarker",
    "value",
    "cutoff",
    "meets_cutoff",
    "context",
    "drugs",
    "regulator",
    "as_of",
    "source",
    "line",
)
"""Output of :func:`evaluate_biomarkers`: one line per patient x matching rule."""
IL8_EARLY_WINDOW_DAYS = (14, 28)
"""Early IL-8 change: first sample on days 14-28 after the first dose (Sanmamed 2017; spec 6.4)."""


def default_rules() -> pd.DataFrame:
    """The rule table shipped with ioresponse (spec 6.3)."""
    with resources.as_file(resources.files("ioresponse") / "data" / "biomarker_rules.csv") as path:
        return read_rules(path)


def read_rules(path: str | Path) -> pd.DataFrame:
    """Read and check a biomarker rule table.

    Raises
    ------
    InputError
        A column is missing, an operator unknown or a cut-off not a number.
    """
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    name = Path(path).name
    missing = [c for c in RULE_COLUMNS if c not in table]
    if missing:
        raise InputError(
            name, [], missing[0], f"biomarker rule table needs columns {', '.join(RULE_COLUMNS)}"
        )
    bad = ~table["operator"].isin([">=", ">", "positive", "none"])
    if bad.any():
        raise InputError(
            name, (np.flatnonzero(bad) + 2).tolist(), "operator", 'expected ">=", ">", "positive" or "none"'
        )
    numeric = table["operator"].isin([">=", ">"])
    cutoff = pd.to_numeric(table["cutoff"], errors="coerce")
    bad = numeric & cutoff.isna()
    if bad.any():
        raise InputError(name, (np.flatnonzero(bad) + 2).tolist(), "cutoff", "expected a number")
    return table


def _norm(value: object) -> str:
    return (
        "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip().lower()
    )


def _options(text: str) -> list[str]:
    return [t.strip().lower() for t in str(text).split("|") if t.strip()]


def _truthy(value: object) -> str:
    """A boolean cell as "true" / "false", "" when empty (io.tables.parse_bool's words; the patient table
    is checked when read, io.validate.check_patient_biomarkers)."""
    text = _norm(value)
    if not text:
        return ""
    return "true" if text in TRUE_WORDS else "false"


def _line_matches(rule_lines: str, line: str) -> bool:
    if rule_lines.startswith(">="):
        return float(line) >= float(rule_lines[2:])
    return float(line) == float(rule_lines)


def context_match(rule: dict, patient: dict) -> tuple[bool, list[str]]:
    """Whether a patient fits a rule's indication context, and the context items not given (spec 6.3)."""
    tumor = _norm(patient.get("tumor_type"))
    types = _options(rule["tumor_types"])
    if "*" not in types and tumor not in types:
        return False, []
    unchecked = []
    line = _norm(patient.get("line_of_therapy"))
    if rule["lines"]:
        if not line.replace(".", "", 1).isdigit():
            unchecked.append("line of therapy")
        elif not _line_matches(rule["lines"], line):
            return False, []
    drug = _norm(patient.get("drug"))
    if rule["drugs"]:
        if not drug:
            unchecked.append("drug")
        elif drug not in _options(rule["drugs"]):
            return False, []
    for condition in filter(None, (c.strip() for c in rule["conditions"].split(";"))):
        column, wanted = (part.strip() for part in condition.split("="))
        value = _truthy(patient.get(column))
        if not value:
            unchecked.append(column)
        elif value != wanted.lower():
            return False, []
    return True, unchecked


def _compare(value: float, operator: str, cutoff: float) -> bool:
    """``value`` against the cut-off with the tolerances of spec/patterns.md 0.4."""
    return bool(above(value, cutoff) if operator == ">" else at_least_value(value, cutoff))


def _msi(patient: dict) -> tuple[Flag, str]:
    """"MSI-H or dMMR (PCR / IHC / NGS)" (spec/patterns.md 6.3): one biomarker status that either assay
    determines. Positive when either status is positive (MSI-H, dMMR); negative when a status is known
    and none is positive (MSS or MSI-L, pMMR: the test done found no instability); not evaluable when
    neither is given. Returns the flag and the statuses given."""
    msi, mmr = _norm(patient.get("msi_status")), _norm(patient.get("mmr_status"))
    shown = ", ".join(str(v) for v in (patient.get("msi_status"), patient.get("mmr_status")) if _norm(v))
    if msi == "msi-h" or mmr == "dmmr":
        return True, shown
    if msi in ("mss", "msi-l") or mmr == "pmmr":
        return False, shown
    return None, ""


def evaluate_rule(rule: dict, patient: dict, accept_equivalent_assays: bool = False) -> dict:
    """One output line: meets_cutoff in {"true", "false", "not_evaluable"} with the sentence (spec 6.3)."""
    label, unit = rule["biomarker"], rule["unit"]
    where = f"{rule['drugs'].replace('|', ' or ')} in {rule['context']}"
    cite = f"{rule['rule_id']}; {rule['regulator']}; {rule['source']}; as of {rule['as_of']}"
    notes: list[str] = []
    value_text, flag = "", None
    if rule["operator"] == "none":
        flag, sentence = True, f"no biomarker condition for {where}"
    elif rule["value_column"] == MSI_MMR:
        flag, value_text = _msi(patient)
        sentence = (
            f"{label} not provided (msi_status / mmr_status)"
            if flag is None
            else f"{value_text}: {label} {'positive' if flag else 'negative'}"
        )
    else:
        column, cutoff = rule["value_column"], float(rule["cutoff"])
        raw = pd.to_numeric(pd.Series([patient.get(column)]), errors="coerce").iloc[0]
        assay = str(patient.get(ASSAY_COLUMNS.get(column, ""), "") or "").strip()
        allowed = _options(rule["assays"])
        shown_cut = f"{cutoff:g}{'%' if unit == '%' else (' ' + unit if unit else '')}"
        if pd.isna(raw):
            sentence = f"{label} not provided"
        elif allowed and assay and assay.lower() not in allowed and not accept_equivalent_assays:
            sentence = f"{label} measured with {assay}, the rule needs {rule['assays'].replace('|', ' or ')}"
        else:
            value_text = f"{raw:g}{'%' if unit == '%' else (' ' + unit if unit else '')}"
            flag = _compare(float(raw), rule["operator"], cutoff)
            sign = rule["operator"] if flag else f"not {rule['operator']}"
            sentence = f"{label} {value_text} {sign} {shown_cut}" + (f" ({assay})" if assay else "")
            if allowed and not assay:
                notes.append(f"assay not given (rule: {rule['assays']})")
            if allowed and assay and assay.lower() not in allowed:
                notes.append(f"assay {assay} accepted as equivalent (option accept_equivalent_assays)")
            if rule["consensus_operator"] and flag != _compare(
                float(raw), rule["consensus_operator"], float(rule["consensus_cutoff"])
            ):
                notes.append(
                    f"under the consensus's wording \"{rule['consensus_operator']} "
                    f'{rule["consensus_cutoff"]}" it would {"not " if flag else ""}be met'
                )
    verdict = {True: "label cut-off met", False: "label cut-off not met", None: "not evaluable"}[flag]
    if rule["operator"] == "none":
        verdict = "label context applies"
    line = f"{sentence}: {verdict} for {where} ({cite})"
    line += "".join(f"; {n}" for n in notes) + ". Label context, not a treatment decision."
    return {
        "rule_id": rule["rule_id"],
        "biomarker": label,
        "value": value_text,
        "cutoff": "" if rule["operator"] in ("none", "positive") else f"{rule['operator']} {rule['cutoff']}",
        "meets_cutoff": {True: "true", False: "false", None: "not_evaluable"}[flag],
        "context": rule["context"],
        "drugs": rule["drugs"],
        "regulator": rule["regulator"],
        "as_of": rule["as_of"],
        "source": rule["source"],
        "line": line,
    }


def evaluate_biomarkers(
    patients: pd.DataFrame,
    rules: pd.DataFrame | None = None,
    *,
    accept_equivalent_assays: bool = False,
    include_disabled: bool = False,
    source: str = "<patients>",
) -> pd.DataFrame:
    """Apply the rule table to the patient table: one line per patient x matching rule (spec 6.3).

    A rule is applied when the patient's ``tumor_type`` (and, when given, ``line_of_therapy``, ``drug`` and
    eligibility columns) match its context. Without the rule's value column it is applied only when its
    whole context was given and matches: "not_evaluable", the value not provided (spec 6.3); a table that
    gives neither the value nor the context gets no line for it.

    ``patients``: a path, a pandas or polars DataFrame, read as text (io.tables.read_table).

    Raises
    ------
    InputError
        TPS/CPS/IC outside 0-100 or TMB < 0 (spec 6.3); a line of therapy, eligibility boolean or MSI/MMR
        status the rules cannot read (spec 6.2; io.validate.check_patient_biomarkers), at its row.
    """
    patients = read_table(patients, source=source).frame  # text cells whatever the dtypes; rows as a file's
    if PATIENT not in patients.columns:
        raise InputError(source, [], PATIENT, "missing: the biomarker lines are per patient (spec 6.3)")
    for finding in check_patient_biomarkers(patients, source):
        raise finding.error
    rules = default_rules() if rules is None else rules
    if not include_disabled:
        rules = rules[rules["enabled"].str.lower() == "true"]
    records = []
    rule_list = rules.to_dict("records")
    for patient in patients.drop(columns=SOURCE_ROW).to_dict("records"):
        for rule in rule_list:
            column = rule["value_column"]
            present = (
                not column
                or (column == MSI_MMR and ({"msi_status", "mmr_status"} & set(patient)))
                or column in patient
            )
            matches, unchecked = context_match(rule, patient)
            if not matches or (not present and unchecked):
                continue  # a value the table has no column for is reported only in a checked context
            line = evaluate_rule(rule, patient, accept_equivalent_assays)
            if unchecked:
                line["line"] += f" Context not checked: {', '.join(unchecked)} not given."
            records.append({PATIENT: str(patient[PATIENT])} | line)
    return pd.DataFrame.from_records(records, columns=list(BIOMARKER_COLUMNS))


IL8_SPELLINGS = frozenset({"il8", "il-8", "interleukin-8", "interleukin 8", "cxcl8"})
"""How an IL-8 analyte may be written (case-insensitive)."""
SAMPLE_COLUMNS = (PATIENT, DAY, "analyte", "value", "unit")
"""Columns of the samples table (spec 6.2: the long biomarker table; its dates made days by the caller)."""
IL8_COLUMNS = (PATIENT, DAY, DATE, "value", "baseline_value", "unit", "il8_ratio", "direction", "early",
               "reason")
"""Output of :func:`il8_changes`: one row per IL-8 sample after day 0."""
IL8_SOURCE = " (Sanmamed 2017, spec/patterns.md 6.4)"


def il8_changes(samples: pd.DataFrame) -> pd.DataFrame:
    """IL-8 ratio to baseline per sample, with direction; no category is assigned (spec 6.4).

    ``samples``: ``patient_id, day, analyte, value, unit`` (long table; only IL-8 rows are read, the
    others are named in a warning). Baseline is the latest sample on or before day 0; a sample in another
    unit, or of a patient without a baseline sample, is not evaluable; every row says why in ``reason``.

    Raises
    ------
    InputError
        A column missing; of an IL-8 row: no patient or unit, a day that is not a whole number, a value that
        is not a number >= 0, or two different values for a patient on one day; at the rows of the table
        (read by :func:`ioresponse.io.tables.side_table`: a path, a pandas or polars DataFrame; named by its
        file, else "<samples>").
    """
    samples = side_table(samples, "samples")
    name = samples.attrs["source"]
    missing = [c for c in SAMPLE_COLUMNS if c not in samples]
    if missing:
        raise InputError(name, [], ", ".join(missing),
                         f"missing; the samples table has the columns {', '.join(SAMPLE_COLUMNS)}")
    il8 = samples["analyte"].str.lower().isin(IL8_SPELLINGS).to_numpy()
    if not il8.all():  # another analyte is not read, so not checked either
        other = ", ".join(map(repr, sorted(set(samples["analyte"][~il8]))[:5]))
        error = InputError(name, samples[SOURCE_ROW][~il8].tolist(), "analyte",
                           f"{other} is not IL-8 (IL8, IL-8, interleukin-8, CXCL8): not read (spec 6.4 reads "
                           "IL-8 only)")
        warnings.warn(SideTableWarning(error.located()), stacklevel=2)
    frame = samples[il8].copy()
    rows = frame[SOURCE_ROW].to_numpy()
    for column in (PATIENT, "unit"):  # a sample of no one, or in no unit, cannot be compared
        refuse_rows(name, rows, (frame[column] == "").to_numpy(), column, f"empty {column}")
    days, bad = parse_float(frame[DAY])
    bad |= ~np.isfinite(days) | (np.mod(np.nan_to_num(days), 1) != 0)
    refuse_rows(name, rows, bad, DAY, "not a whole number of days since treatment start (every sample needs "
                                      "its day)")
    values, bad = parse_float(frame["value"])
    bad |= ~np.isfinite(values) | (values < 0)
    limit = frame["value"].str.strip().str.match(r"[<>]").to_numpy()
    refuse_rows(name, rows, bad & limit, "value", "a value beyond a limit of quantification has no ratio "
                                                  "to baseline (spec 6.4): give the value measured, or leave "
                                                  "the sample out")
    refuse_rows(name, rows, bad, "value", "not a concentration (a number >= 0)")
    frame[DAY] = days.astype(np.int64)
    frame["value"] = pd.to_numeric(frame["value"])  # as written: 40 stays 40
    clash = frame.groupby([PATIENT, DAY])["value"].transform("nunique").to_numpy() > 1
    if clash.any():
        first = frame[clash].iloc[0]
        refuse_rows(name, rows, clash, "value", f"patient {first[PATIENT]} has different IL-8 values on day "
                                                f"{first[DAY]}; keep the one measured")
    frame = frame.sort_values([PATIENT, DAY], kind="stable")
    records = []
    for patient, group in frame.groupby(PATIENT, sort=False):
        before = group[group[DAY] <= 0]
        base = before.iloc[-1] if len(before) else None
        early_seen = False
        for sample in group[group[DAY] > 0].to_dict("records"):
            early = not early_seen and IL8_EARLY_WINDOW_DAYS[0] <= sample[DAY] <= IL8_EARLY_WINDOW_DAYS[1]
            early_seen |= early
            ratio, direction, reason = _il8_change(sample, base)
            records.append({PATIENT: patient, DAY: int(sample[DAY]), DATE: sample.get(DATE, ""),
                            "value": sample["value"],
                            "baseline_value": np.nan if base is None else base["value"],
                            "unit": sample["unit"], "il8_ratio": ratio, "direction": direction,
                            "early": early,
                            "reason": reason + ("; early sample (days 14-28)" if early else "") + IL8_SOURCE})
    return pd.DataFrame.from_records(records, columns=IL8_COLUMNS)


def _il8_change(sample: dict, base: pd.Series | None) -> tuple[float, str, str]:
    """Ratio to the baseline sample, direction and the reason (spec 6.4: same unit required; units compared
    as written, case aside: pg/mL is pg/ml)."""
    if base is None:
        return np.nan, "not_evaluable", "no baseline IL-8 sample (on or before day 0): no ratio"
    if str(sample["unit"]).strip().lower() != str(base["unit"]).strip().lower():
        return np.nan, "not_evaluable", (f"unit {sample['unit']} differs from the baseline sample's "
                                         f"{base['unit']} (day {base[DAY]}): no ratio (same unit required)")
    if not base["value"]:
        return np.nan, "not_evaluable", f"baseline IL-8 0 {base['unit']} (day {base[DAY]}): no ratio"
    ratio = float(sample["value"]) / float(base["value"])
    # spec 6.4: decrease (< 1), increase (> 1), else unchanged; strict, with the tolerances of spec 0.4
    direction = "decrease" if below(ratio, 1.0) else "increase" if above(ratio, 1.0) else "unchanged"
    return ratio, direction, (f"IL-8 {sample['value']:g} / {base['value']:g} {base['unit']} at baseline (day "
                              f"{base[DAY]}) = ratio {ratio:.2f}: {direction}")
