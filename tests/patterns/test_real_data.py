"""Real-data sanity checks of the pattern rules (counts printed with ``pytest -s``).

- Laleh 2022 (five atezolizumab trials, target sums; ../shared/data/laleh2022_atezolizumab): per study, how
  many patients each hyperprogression definition can evaluate and flags. The workbook has one scan on or
  before day 0 per patient (PROVENANCE.md "Patients with a baseline row"), so no prebaseline scan exists:
  every kinetics definition must be not evaluable with that reason, and no definition can flag HPD without
  TTF (no treatment_end in the data).
- INSPIRE (pembrolizumab, % change of the target sum; ../shared/data/inspire_pembrolizumab): pseudoprogression
  per cohort (melanoma is cohort D).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from ioresponse.criteria import registry
from ioresponse.io.load import load_study
from ioresponse.io.pct_change import sums_from_pct_change
from ioresponse.patterns import find_patterns
from ioresponse.patterns.hyperprogression import DEFINITIONS
from ioresponse.schema import IoresponseWarning

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
HPD = [d.id for d in DEFINITIONS if d.default]
KINETICS = [d.id for d in DEFINITIONS if d.default and d.needs_prebaseline]
PATIENTS_WITH_BASELINE = {"Study1": 76, "Study2": 164, "Study3": 382, "Study4": 696, "Study5": 142}
"""PROVENANCE.md of laleh2022_atezolizumab, "Patients with a baseline row (day <= 0)"."""


@pytest.fixture(scope="module")
def laleh() -> pd.DataFrame:
    frame = pd.read_csv(SHARED / "laleh2022_atezolizumab" / "laleh2022_tidy.csv", dtype=str)
    frame = frame[["study", "arm", "patient", "day", "value_raw"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IoresponseWarning)
        study = load_study(
            frame,
            column_map={"patient": "patient_id", "value_raw": "target_sum_mm"},
            patient_key=("study", "patient_id"),
            on_invalid="exclude",
        )
        result = registry()["recist11"].assess(study)
    table = find_patterns(study, result.timepoints, result.best_response, definitions=HPD)
    table["study"] = table["patient_id"].str.split(":").str[0]
    return table


def test_laleh_every_patient_with_baseline_has_one_row_per_definition(laleh: pd.DataFrame) -> None:
    per_study = laleh.groupby("study")["patient_id"].nunique().to_dict()
    assert per_study == PATIENTS_WITH_BASELINE
    assert (laleh.groupby(["patient_id", "definition"]).size() == 1).all()


def test_laleh_counts_per_study_and_definition(laleh: pd.DataFrame) -> None:
    counts = laleh.assign(evaluable=laleh["flag"] != "not_evaluable", flagged=laleh["flag"] == "true")
    summary = counts.groupby(["definition", "study"])[["evaluable", "flagged"]].sum()
    print("\nLaleh 2022, hyperprogression: evaluable / flagged per study\n" + summary.unstack().to_string())
    assert summary["flagged"].sum() == 0  # no prebaseline scan, no TTF: nothing can be called HPD
    for definition in ("hpd.petrioli2020", "hpd.saada_bouzid2017"):  # ratio only: never decidable here
        assert summary.loc[definition, "evaluable"].sum() == 0
    # Definitions with a RECIST-PD condition are decided "false" when the first evaluation is not PD:
    # plausible share of first-evaluation PD (target sums only) is between 3 % and 40 %.
    pd_share = 1 - summary.loc["hpd.champiat2017", "evaluable"].sum() / len(laleh["patient_id"].unique())
    assert 0.03 < pd_share < 0.40


def test_laleh_every_not_evaluable_row_has_a_reason(laleh: pd.DataFrame) -> None:
    undecided = laleh[laleh["flag"] == "not_evaluable"]
    assert undecided["reason"].str.contains("not evaluable").all()
    kinetics = undecided[undecided["definition"].isin(KINETICS)]
    reasons = kinetics["reason"].str.contains("no prebaseline scan") | kinetics["reason"].str.contains(
        "unknown"
    )
    assert reasons.all()


@pytest.fixture(scope="module")
def inspire() -> pd.DataFrame:
    folder = SHARED / "inspire_pembrolizumab"
    changes = pd.read_csv(folder / "ctDNA.csv")
    sizes = pd.read_csv(folder / "pembrolizumab.csv")[["id", "l_size"]]
    table = changes.merge(sizes, on="id", how="left").rename(
        columns={"id": "patient_id", "time": "day", "size_change": "pct_change", "l_size": "baseline_size_mm"}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IoresponseWarning)
        sums = sums_from_pct_change(
            table[["patient_id", "day", "pct_change", "baseline_size_mm"]], time_unit="weeks"
        )
        cohorts = changes[["id", "cohort"]].drop_duplicates().rename(columns={"id": "patient_id"})
        study = load_study(sums, patients=cohorts)
        results = [registry()[k].assess(study) for k in ("recist11", "irecist")]
    timepoints = pd.concat([r.timepoints for r in results])
    best = pd.concat([r.best_response for r in results])
    found = find_patterns(
        study,
        timepoints,
        best,
        definitions=["pseudoprogression.irecist", "pseudoprogression.recist_then_nonpd"],
    )
    found = found.merge(cohorts, on="patient_id")
    found["timing"] = found["values"].map(lambda v: json.loads(v).get("timing", ""))
    found["progressed"] = found["episode"].notna()
    return found


def test_inspire_pseudoprogression_per_cohort(inspire: pd.DataFrame) -> None:
    summary = inspire.groupby(["definition", "cohort"]).agg(
        patients=("patient_id", "nunique"),
        progressed=("progressed", "sum"),
        true=("flag", lambda f: (f == "true").sum()),
        false=("flag", lambda f: (f == "false").sum()),
        not_evaluable=("flag", lambda f: (f == "not_evaluable").sum()),
    )
    print("\nINSPIRE pseudoprogression per cohort (D = melanoma)\n" + summary.to_string())
    irecist = summary.loc["pseudoprogression.irecist"]
    assert irecist["patients"].sum() == 74  # PROVENANCE.md: ctDNA.csv 74 patients
    assert irecist.loc["D", "patients"] == 11
    # Pseudoprogression is rare (Park 2020 pooled 6.0 %); at most a few per cohort.
    assert (summary["true"] <= 0.2 * summary["patients"]).all()


def test_inspire_every_open_episode_has_a_reason(inspire: pd.DataFrame) -> None:
    undecided = inspire[inspire["flag"] == "not_evaluable"]
    # spec 0.3: a patient whose every assessment after baseline is NE cannot tell whether it progressed
    reasons = ("unconfirmed at last assessment|new anticancer therapy|"
               "no assessment after baseline can be evaluated")
    assert undecided["reason"].str.contains(reasons).all()
