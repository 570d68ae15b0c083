"""SDTM RS and ADaM ADRS-like export (report/export.py): content, study days, CSV and XPORT round trip."""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest
from typer.testing import CliRunner

from ioresponse.cli import app
from ioresponse.criteria import registry
from ioresponse.report.export import adrs_table, evaluator, rs_table, study_day, write_export


def test_study_day_has_no_day_zero_sdtm_ig_4_4_4():
    # first dose is our day 0 = SDTM study day 1; the day before is -1 (SDTM IG 4.4.4)
    assert study_day(pd.Series([-7, -1, 0, 1, 56])).tolist() == [-7, -1, 1, 2, 57]


def test_rs_rows_per_test_skip_components_not_given(timepoints):
    timepoints = timepoints.copy()
    timepoints.loc[0, "new_lesion_response"] = "yes"
    timepoints.loc[1, "non_target_response"] = "NON-CR/NON-PD"
    rs = rs_table(timepoints, study_id="S1")
    # hand-made table: 16 timepoints -> 16 OVRLRESP + 16 TRGRESP, plus the two components set above
    assert rs["RSTESTCD"].value_counts().to_dict() == {"OVRLRESP": 16, "TRGRESP": 16, "NEWLPROG": 1,
                                                        "NTRGRESP": 1}
    new = rs[rs["RSTESTCD"] == "NEWLPROG"].iloc[0]
    assert (new["USUBJID"], new["RSORRES"], new["RSTEST"], new["VISIT"], new["RSDY"]) == (
        "P1", "Y", "New Lesion Progression", "DAY 56", 57)
    assert set(rs["DOMAIN"]) == {"RS"} and set(rs["STUDYID"]) == {"S1"}
    assert set(rs["RSCAT"]) == {"RECIST 1.1", "iRECIST"}
    assert rs.groupby("USUBJID")["RSSEQ"].apply(lambda s: s.tolist() == list(range(1, len(s) + 1))).all()


def test_adrs_has_ovr_per_assessment_and_bor_cbor_per_patient(timepoints, best_response):
    adrs = adrs_table(timepoints, best_response)
    # 8 timepoints, 4 patients per criterion; RECIST 1.1 OVR/BOR/CBOR, iRECIST IOVR/IBOR/ICBOR (admiralonco)
    assert adrs["PARAMCD"].value_counts().to_dict() == {"OVR": 8, "BOR": 4, "CBOR": 4, "IOVR": 8, "IBOR": 4,
                                                        "ICBOR": 4}
    p3 = adrs[(adrs["USUBJID"] == "P3") & (adrs["PARCAT1"] == "RECIST 1.1")]
    assert p3["AVALC"].tolist() == ["SD", "PD", "PD", "SD", "SD"]
    assert p3["AVAL"].tolist() == [3, 5, 5, 3, 3]  # admiralonco aval_resp(): SD 3, PD 5
    assert p3["ANL01FL"].tolist() == ["Y", "Y", "", "Y", "Y"]  # day 168 is after progression
    iupd = adrs[(adrs["AVALC"] == "iUPD")]
    assert set(iupd["AVAL"]) == {7}


def test_evaluator_and_evaluator_id_from_the_reader():
    # CDISC CT EVAL: the investigator is RSEVAL INVESTIGATOR (no RSEVALID); a named reader is an INDEPENDENT
    # ASSESSOR identified by RSEVALID; a reader that is already an EVAL term stays RSEVAL; no reader, nothing.
    readers = pd.Series(["INVESTIGATOR", "Investigator", "RADIOLOGIST 1", "", "INDEPENDENT ASSESSOR"])
    rseval, rsevalid = evaluator(readers)
    assert rseval.tolist() == ["INVESTIGATOR", "INVESTIGATOR", "INDEPENDENT ASSESSOR", "",
                               "INDEPENDENT ASSESSOR"]
    assert rsevalid.tolist() == ["", "", "RADIOLOGIST 1", "", ""]


def test_partial_dates_keep_their_precision_in_rs_and_flag_adt_in_adrs(timepoints, best_response):
    # io's imputation note in the reason (io.tables.parse_dates): "2021" -> 2021-07-01 (month and day
    # imputed, ADTF "M"), "2021-05" -> 2021-05-15 (day imputed, "D"); a complete date has no flag. A note
    # about another date (2021-02 -> 2021-02-15) does not touch a row dated 2021-03-04.
    p1 = (timepoints["patient_id"] == "P1") & (timepoints["criterion"] == "recist11")
    timepoints = timepoints.copy()
    timepoints.loc[p1, "date"] = ["2021-07-01", "2021-05-15"]
    timepoints.loc[p1, "reason"] = ["PR; date 2021 partial: imputed 2021-07-01",
                                    "PR; date 2021-05 partial: imputed 2021-05-15"]
    recist = timepoints["criterion"] == "recist11"
    p2 = recist & (timepoints["patient_id"] == "P2") & (timepoints["day"] == 56)
    timepoints.loc[p2, ["date", "reason"]] = ["2021-03-04", "PD; date 2021-02 partial: imputed 2021-02-15"]
    rs = rs_table(timepoints)
    ovr = rs[(rs["RSTESTCD"] == "OVRLRESP") & (rs["RSCAT"] == "RECIST 1.1")]
    ovr = ovr.set_index(["USUBJID", "VISITNUM"])
    # SDTM IG 4.4.4: --DY only from a complete date, so the imputed days have no RSDY; the complete one does
    assert ovr.loc[("P1", 56), ["RSDTC", "RSDY"]].tolist() == ["2021", pd.NA]
    assert ovr.loc[("P1", 112), ["RSDTC", "RSDY"]].tolist() == ["2021-05", pd.NA]
    assert ovr.loc[("P2", 56), ["RSDTC", "RSDY"]].tolist() == ["2021-03-04", 57]
    best_response = best_response.copy()
    best_response.loc[(best_response["patient_id"] == "P1") & (best_response["criterion"] == "recist11"),
                      "bor_day"] = 112
    adrs = adrs_table(timepoints, best_response)
    recist_rows = adrs[adrs["PARCAT1"] == "RECIST 1.1"]
    p1_rows = recist_rows[recist_rows["USUBJID"] == "P1"].set_index(["PARAMCD", "ADY"])
    assert p1_rows.loc[("OVR", 57), ["ADT", "ADTF"]].tolist() == ["2021-07-01", "M"]
    assert p1_rows.loc[("OVR", 113), ["ADT", "ADTF"]].tolist() == ["2021-05-15", "D"]
    # BOR / CBOR at bor_day 112 take that assessment's date and flag
    assert p1_rows.loc[("BOR", 113), ["ADT", "ADTF"]].tolist() == ["2021-05-15", "D"]
    assert p1_rows.loc[("CBOR", 113), ["ADT", "ADTF"]].tolist() == ["2021-05-15", "D"]
    p2_rows = recist_rows[(recist_rows["USUBJID"] == "P2") & (recist_rows["PARAMCD"] == "OVR")]
    assert p2_rows.iloc[0][["ADT", "ADTF"]].tolist() == ["2021-03-04", ""]
    # no bor_day (the hand-made P3 row): no date
    p3_bor = adrs[(adrs["USUBJID"] == "P3") & adrs["PARAMCD"].isin(["BOR", "IBOR"])]
    assert set(p3_bor["ADT"]) == set(p3_bor["ADTF"]) == {""}


def _reread_rs(path) -> tuple[pd.DataFrame, object]:
    """Our own minimal re-reader of the RS transport file (pyreadstat), independent of the writer's tables."""
    return pyreadstat.read_xport(str(path))


def test_rs_xpt_round_trip_keeps_every_value(timepoints, best_response, tmp_path):
    written = write_export(tmp_path, timepoints, best_response, "sdtm", study_id="S1")
    assert [p.name for p in written] == ["rs.csv", "rs.xpt"]
    expected = rs_table(timepoints, study_id="S1")
    table, meta = _reread_rs(tmp_path / "rs.xpt")
    assert meta.table_name == "RS"
    assert list(table.columns) == list(expected.columns)
    assert meta.column_names_to_labels["RSTESTCD"] == "Assessment Short Name"
    for column in ("USUBJID", "RSTESTCD", "RSCAT", "RSORRES", "VISIT"):
        assert table[column].tolist() == expected[column].tolist()
    assert table["RSDY"].tolist() == expected["RSDY"].astype(float).tolist()
    csv = pd.read_csv(tmp_path / "rs.csv", keep_default_na=False)
    assert csv["RSORRES"].tolist() == expected["RSORRES"].tolist()
    ovr = table[(table["RSTESTCD"] == "OVRLRESP") & (table["RSCAT"] == "RECIST 1.1")]
    recist = timepoints[timepoints["criterion"] == "recist11"]
    assert ovr["RSORRES"].tolist() == recist["overall_response"].tolist()
    assert (ovr["RSDY"] - 1).tolist() == recist["day"].astype(float).tolist()


def test_adrs_xpt_names_fit_xport_v5(timepoints, best_response, tmp_path):
    write_export(tmp_path, timepoints, best_response, "adam")
    table, meta = pyreadstat.read_xport(str(tmp_path / "adrs.xpt"))
    assert all(len(name) <= 8 for name in table.columns)
    assert all(len(label) <= 40 for label in meta.column_labels)
    assert len(table) == 32
    assert meta.readstat_variable_types["ADT"] == "double"  # a SAS date even when no row has one
    # format DATE, width 9 (NAMESTR nform/nfl); pyreadstat >= 1.3.8 reads it back with SAS's period
    assert meta.original_variable_types["ADT"] in ("DATE9", "DATE9.")


def test_export_command_writes_both_standards(assess_outdir):
    result = CliRunner().invoke(app, ["export", str(assess_outdir), "--sdtm", "--adam", "--study-id", "X1"])
    assert result.exit_code == 0, result.output
    for name in ("rs.csv", "rs.xpt", "adrs.csv", "adrs.xpt"):
        assert (assess_outdir / name).exists()


def test_export_command_needs_a_standard(assess_outdir):
    result = CliRunner().invoke(app, ["export", str(assess_outdir)])
    assert result.exit_code == 2
    assert "--sdtm" in result.output


@pytest.mark.parametrize("standard", ["sdtm", "adam"])
def test_export_of_empty_cohort(timepoints, best_response, tmp_path, standard):
    paths = write_export(tmp_path, timepoints[:0], best_response[:0], standard)
    assert all(p.exists() for p in paths)


def _sdtm_folder(folder):
    """Hand-made SDTM TU/TR: one target lesion (liver) per patient, sizes in mm at study days 1, 57, 113
    (days 0, 56, 112 since first dose); P1 shrinks 50 -> 30 -> 25 mm (-40 %, -50 %), P2 grows
    40 -> 50 mm (+25 %) then shrinks, P3 stays 40 mm then grows to 52 mm (+30 %)."""
    folder.mkdir()
    sizes = {"P1": [50, 30, 25], "P2": [40, 50, 36], "P3": [40, 40, 52]}
    tu = pd.DataFrame({"STUDYID": "S1", "DOMAIN": "TU", "USUBJID": list(sizes), "TULNKID": "T01",
                       "TUTESTCD": "TUMIDENT", "TUSTRESC": "TARGET", "TULOC": "LIVER", "TUDY": 1})
    rows = [(patient, size, dy) for patient, values in sizes.items()
            for size, dy in zip(values, (1, 57, 113), strict=True)]
    tr = pd.DataFrame(rows, columns=["USUBJID", "TRSTRESN", "TRDY"]).assign(
        STUDYID="S1", DOMAIN="TR", TRLNKID="T01", TRTESTCD="LDIAM", TRSTRESU="mm")
    tu.to_csv(folder / "tu.csv", index=False)
    tr.to_csv(folder / "tr.csv", index=False)
    return folder


@pytest.mark.parametrize("suffix", ["xpt", "csv"])
def test_rs_export_round_trips_through_the_sdtm_loader(tmp_path, suffix):
    import ioresponse
    from ioresponse.io.load import load_study

    folder = _sdtm_folder(tmp_path / "sdtm")
    result = ioresponse.assess(folder, criteria=("recist11",))
    export_dir = tmp_path / "export"
    export_dir.mkdir()
    write_export(export_dir, result.timepoints, result.best_response, "sdtm", study_id="S1")
    (folder / f"rs.{suffix}").write_bytes((export_dir / f"rs.{suffix}").read_bytes())
    recorded = load_study(folder).recorded
    computed = result.timepoints
    assert recorded["patient_id"].tolist() == computed["patient_id"].tolist()
    assert recorded["day"].astype(int).tolist() == computed["day"].astype(int).tolist()
    assert recorded["recorded_response"].tolist() == computed["overall_response"].tolist()
    # the hand-made sizes: P1 -40 % then -50 % (PR, PR); P2 +25 % (PD)
    assert recorded.loc[recorded["patient_id"] == "P1", "recorded_response"].tolist() == ["PR", "PR"]
    assert recorded.loc[recorded["patient_id"] == "P2", "recorded_response"].iloc[0] == "PD"


def test_adrs_paramcd_is_one_per_criterion_and_parameter_within_eight_characters(timepoints, best_response):
    # ADaM IG BDS: PARAMCD one-to-one with PARAM, at most 8 characters (SAS XPORT v5), for every criterion
    # ioresponse has, so that any criteria side by side share one ADRS.
    criteria = sorted(registry())
    adrs = adrs_table(pd.concat([timepoints.assign(criterion=key) for key in criteria], ignore_index=True),
                      pd.concat([best_response.assign(criterion=key) for key in criteria], ignore_index=True))
    pairs = adrs[["PARAMCD", "PARAM"]].drop_duplicates()
    assert len(pairs) == 3 * len(criteria)
    assert pairs["PARAMCD"].is_unique and pairs["PARAM"].is_unique
    assert pairs["PARAMCD"].str.fullmatch(r"[A-Z][A-Z0-9]{0,7}").all()
    recist = adrs[adrs["PARCAT1"] == "RECIST 1.1"]
    assert set(recist["PARAMCD"]) == {"BOR", "CBOR", "OVR"}  # admiralonco's RECIST 1.1 codes
