"""Biomarker rules on the worked examples of spec/patterns.md 6.6 (BM-1 .. BM-4) and cut-off boundaries."""

from __future__ import annotations

import pandas as pd
import pytest

from ioresponse.biomarkers import default_rules, evaluate_biomarkers, il8_changes, read_rules
from ioresponse.schema import InputError

NSCLC_1L = {
    "patient_id": "BM-1",
    "tumor_type": "NSCLC",
    "line_of_therapy": 1,
    "drug": "pembrolizumab",
    "egfr_alk_negative": True,
    "pdl1_assay": "22C3",
}
UROTHELIAL = {
    "patient_id": "BM-3",
    "tumor_type": "urothelial",
    "line_of_therapy": 1,
    "cisplatin_eligible": False,
}


def calls(rows: list[dict], **options: object) -> dict[str, str]:
    table = evaluate_biomarkers(pd.DataFrame(rows), **options)
    return dict(zip(table["rule_id"], table["meets_cutoff"], strict=True))


def test_BM1_tps_50_meets_label_but_not_consensus_wording() -> None:
    # spec 6.6 BM-1: TPS 50 % (22C3) -> BM-NSCLC-1L-50 true (50 >= 50); "> 50 %" would give false.
    table = evaluate_biomarkers(pd.DataFrame([NSCLC_1L | {"pdl1_tps": 50}]))
    row = table[table["rule_id"] == "BM-NSCLC-1L-50"].iloc[0]
    assert row["meets_cutoff"] == "true"
    assert row["line"].startswith("PD-L1 TPS 50% >= 50% (22C3): label cut-off met for pembrolizumab")
    assert 'consensus\'s wording "> 50" it would not be met' in row["line"]


def test_BM1_tps_just_below_50() -> None:
    assert calls([NSCLC_1L | {"pdl1_tps": 49.9}])["BM-NSCLC-1L-50"] == "false"


def test_BM2_tps_20() -> None:
    # spec 6.6 BM-2: TPS 20 % -> BM-NSCLC-1L-50 false; BM-NSCLC-1L-1-US true.
    result = calls([NSCLC_1L | {"pdl1_tps": 20}])
    assert result["BM-NSCLC-1L-50"] == "false" and result["BM-NSCLC-1L-1-US"] == "true"


def test_BM3_urothelial_cps_and_ic() -> None:
    # spec 6.6 BM-3: CPS 8 -> BM-UC-1L-CPS10 false; IC 5 % (SP142) -> BM-UC-1L-IC5 true (5 >= 5).
    cps = calls([UROTHELIAL | {"drug": "pembrolizumab", "pdl1_cps": 8, "pdl1_assay": "22C3"}])
    ic = calls([UROTHELIAL | {"drug": "atezolizumab", "pdl1_ic": 5, "pdl1_assay": "SP142"}])
    assert cps == {"BM-UC-1L-CPS10": "false"} and ic == {"BM-UC-1L-IC5": "true"}


@pytest.mark.parametrize("cps,expected", [(10, "true"), (9.99, "false")])
def test_cps_10_boundary(cps: float, expected: str) -> None:
    row = UROTHELIAL | {"drug": "pembrolizumab", "pdl1_cps": cps, "pdl1_assay": "22C3"}
    assert calls([row])["BM-UC-1L-CPS10"] == expected


@pytest.mark.parametrize("tmb,expected", [(12, "true"), (10, "true"), (9.9, "false")])
def test_BM4_tmb_10(tmb: float, expected: str) -> None:
    # spec 6.6 BM-4: TMB 12 mut/Mb (FoundationOne CDx), progressed -> true; 9.9 -> false.
    row = {
        "patient_id": "BM-4",
        "tumor_type": "cholangiocarcinoma",
        "drug": "pembrolizumab",
        "prior_treatment_progressed": True,
        "tmb_mut_per_mb": tmb,
        "tmb_assay": "FoundationOne CDx",
    }
    assert calls([row])["BM-TMB-AGNOSTIC"] == expected


def test_msi_h_or_dmmr() -> None:
    base = {
        "patient_id": "M",
        "tumor_type": "colorectal",
        "drug": "pembrolizumab",
        "prior_treatment_progressed": True,
    }
    assert calls([base | {"msi_status": "MSI-H", "mmr_status": ""}])["BM-MSI-AGNOSTIC"] == "true"
    assert calls([base | {"msi_status": "", "mmr_status": "dMMR"}])["BM-MSI-AGNOSTIC"] == "true"
    assert calls([base | {"msi_status": "MSS", "mmr_status": ""}])["BM-MSI-AGNOSTIC"] == "false"
    assert calls([base | {"msi_status": "", "mmr_status": ""}])["BM-MSI-AGNOSTIC"] == "not_evaluable"


def test_wrong_assay_is_not_evaluable_naming_it() -> None:
    # spec 6.3: a TPS from SP263 is not silently used for a 22C3 rule; option accept_equivalent_assays.
    row = NSCLC_1L | {"pdl1_tps": 60, "pdl1_assay": "SP263"}
    table = evaluate_biomarkers(pd.DataFrame([row]))
    line = table[table["rule_id"] == "BM-NSCLC-1L-50"].iloc[0]
    assert line["meets_cutoff"] == "not_evaluable" and "SP263" in line["line"]
    assert calls([row], accept_equivalent_assays=True)["BM-NSCLC-1L-50"] == "true"


def test_missing_value_not_evaluable() -> None:
    table = evaluate_biomarkers(pd.DataFrame([NSCLC_1L | {"pdl1_tps": None}]))
    assert set(table["meets_cutoff"]) == {"not_evaluable"}
    assert "PD-L1 TPS not provided" in table["line"].iat[0]


def test_previously_treated_nsclc_nivolumab_has_no_pdl1_condition() -> None:
    row = {"patient_id": "N", "tumor_type": "NSCLC", "line_of_therapy": 2, "drug": "nivolumab", "pdl1_tps": 0}
    assert calls([row]) == {"BM-NSCLC-2L-NONE": "true"}


@pytest.mark.parametrize("column,value", [("pdl1_tps", 101), ("pdl1_cps", -1), ("tmb_mut_per_mb", -0.5)])
def test_out_of_range_is_input_error(column: str, value: float) -> None:
    with pytest.raises(InputError, match=column):
        evaluate_biomarkers(pd.DataFrame([NSCLC_1L | {column: value}]))


def test_user_rules_extend_the_table(tmp_path) -> None:
    rules = default_rules()
    extra = rules.iloc[[0]].assign(rule_id="MY-RULE", cutoff="60")
    path = tmp_path / "rules.csv"
    pd.concat([rules, extra]).to_csv(path, index=False)
    result = calls([NSCLC_1L | {"pdl1_tps": 55}], rules=read_rules(path))
    assert result["MY-RULE"] == "false" and result["BM-NSCLC-1L-50"] == "true"


def test_il8_ratio_example() -> None:
    # spec 6.4: baseline 40 pg/mL, day 21: 22 pg/mL -> ratio 0.55, decrease (early window 14-28).
    samples = pd.DataFrame(
        {
            "patient_id": ["A", "A"],
            "day": [-2, 21],
            "analyte": ["IL-8", "IL-8"],
            "value": [40.0, 22.0],
            "unit": ["pg/mL", "pg/mL"],
        }
    )
    row = il8_changes(samples).iloc[0]
    assert row["il8_ratio"] == pytest.approx(0.55) and row["direction"] == "decrease" and bool(row["early"])
    assert row["reason"].startswith("IL-8 22 / 40 pg/mL at baseline (day -2) = ratio 0.55: decrease; early")


def _il8(rows: list[tuple[str, int, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["patient_id", "day", "value", "unit"]).assign(analyte="IL-8")


def test_il8_without_baseline_or_in_another_unit_is_not_evaluable_and_says_why() -> None:
    # spec 6.4: ratio = value / baseline value, same unit required. A patient without a sample on or before
    # day 0 keeps a row (nothing the user gave is dropped); pg/ml is pg/mL, ng/L is another unit as written.
    table = il8_changes(_il8([("B", 20, "45", "pg/mL"), ("C", -1, "30", "pg/mL"), ("C", 21, "15", "pg/ml"),
                              ("C", 42, "45", "ng/L")])).set_index(["patient_id", "day"])
    assert table["direction"].to_dict() == {("B", 20): "not_evaluable", ("C", 21): "decrease",
                                            ("C", 42): "not_evaluable"}
    assert table.loc[("C", 21), "il8_ratio"] == pytest.approx(0.5)
    assert table.loc[("B", 20), "reason"].startswith("no baseline IL-8 sample (on or before day 0)")
    assert "unit ng/L differs from the baseline sample's pg/mL (day -1)" in table.loc[("C", 42), "reason"]


def test_il8_value_beyond_a_limit_of_quantification_is_refused_with_the_way_out() -> None:
    with pytest.raises(InputError, match="limit of quantification has no ratio") as error:
        il8_changes(_il8([("C", -1, "30", "pg/mL"), ("C", 21, "<5", "pg/mL")]))
    assert (error.value.rows, error.value.column) == ([3], "value")
