"""CDISC SDTM TU/TR/RS (pharmaverse synthetic oncology set) into the lesion table.

Every expected count is recounted here from the raw CSV files with plain pandas (string columns),
never from the loader; values quoted from shared/data/pharmaverse_sdtm/DATA_DICTIONARY.md are marked.
The set is loaded once per module (56k TR rows).
"""

from __future__ import annotations

import shutil
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from ioresponse.io.load import load_study
from ioresponse.io.sdtm import RecordedValueWarning
from ioresponse.schema import InputError

SDTM = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "pharmaverse_sdtm"

pytestmark = pytest.mark.skipif(not SDTM.exists(), reason="shared pharmaverse SDTM data not present")


def _raw(name: str) -> pd.DataFrame:
    frame = pd.read_csv(SDTM / name, dtype=str, keep_default_na=False)
    frame["file_row"] = range(2, 2 + len(frame))
    return frame


@pytest.fixture(scope="module")
def tr() -> pd.DataFrame:
    frame = _raw("tr_onco.csv")
    frame["reader"] = frame["TREVALID"].where(frame["TREVALID"] != "", frame["TREVAL"])
    return frame


@pytest.fixture(scope="module")
def loaded():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study = load_study(SDTM)
    return study, caught


@pytest.fixture(scope="module")
def study(loaded):
    return loaded[0]


def test_subjects_lesions_and_assessments_counted_from_the_raw_files(study, tr):
    lesions = study.lesions
    measured = tr[tr["TRTESTCD"] != "SUMDIAM"]
    assert lesions["patient_id"].nunique() == tr["USUBJID"].nunique() == 254  # DATA_DICTIONARY: 254 subjects
    # one row per lesion x reader x visit x date (LDIAM / LPERP / DIAMETER of one target are one row)
    assert len(lesions) == measured.groupby(["USUBJID", "reader", "TRLNKID", "VISITNUM", "TRDTC"]).ngroups
    # distinct lesions (per reader) = TU records (DATA_DICTIONARY: 7,734)
    assert len(lesions[["patient_id", "reader", "lesion_id"]].drop_duplicates()) == len(_raw("tu_onco.csv"))
    # assessments: one per subject x reader x study day (or date when TRDY is empty)
    when = tr["TRDY"].where(tr["TRDY"] != "", tr["TRDTC"])
    raw_assessments = pd.DataFrame({"s": tr["USUBJID"], "r": tr["reader"], "w": when}).drop_duplicates()
    assert len(lesions[["patient_id", "reader", "day"]].drop_duplicates()) == len(raw_assessments)


def test_subject_read_by_three_evaluators_yields_three_readers(study, tr):
    subject = "01-701-1015"
    assert tr.loc[tr["USUBJID"] == subject, "reader"].nunique() == 3
    readers = study.lesions.loc[study.lesions["patient_id"] == subject, "reader"]
    assert sorted(readers.unique()) == ["INVESTIGATOR", "RADIOLOGIST 1", "RADIOLOGIST 2"]
    assert study.lesions.groupby("patient_id")["reader"].nunique().eq(3).all()


def test_accepted_flag_follows_tracptfl(study, tr):
    flagged = set(tr.loc[tr["TRACPTFL"] == "Y", "reader"])
    assert flagged == {"RADIOLOGIST 1"}  # in this set the flag sits on radiologist 1's records
    accepted = study.lesions.groupby("reader")["accepted"].agg(["all", "any"])
    assert accepted.loc["RADIOLOGIST 1", "all"]
    assert not accepted.loc[["INVESTIGATOR", "RADIOLOGIST 2"], "any"].any()


def test_study_day_converted_to_first_dose_day_zero(study, tr):
    # SDTM day 1 = first dose (no day 0) -> contract day 0; day 42 -> 41.
    days = set(study.lesions["day"])
    raw = {int(d) for d in tr["TRDY"] if d}
    assert raw == {1, 42, 84, 126, 168}
    assert {d - 1 for d in raw} <= days


def test_unscheduled_visit_without_study_day_is_dated_from_treatment_start(study):
    # 01-701-1153: baseline 2013-09-23 at TRDY 1 (first dose), UNSCHEDULED 9.3 on 2013-12-30 without TRDY:
    # 2013-09-23 -> 2013-12-30 is 7 + 31 + 30 + 30 = 98 days.
    lesions = study.lesions
    rows = lesions[(lesions["patient_id"] == "01-701-1153") & (lesions["date"] == "2013-12-30")]
    assert set(rows["day"]) == {98}
    start = study.patients.set_index("patient_id").loc["01-701-1153", "treatment_start"]
    assert start == "2013-09-23"


def test_partial_dates_are_imputed_and_noted(study, tr):
    partial = tr[(tr["TRDTC"].str.len() == 7) & (tr["TRTESTCD"] != "SUMDIAM")]
    assert len(partial) > 0
    rows = study.lesions[study.lesions["source_row"].isin(partial["file_row"])]
    assert len(rows) == partial.groupby(["USUBJID", "reader", "TRLNKID"]).ngroups
    assert rows["note"].str.contains(r"date 2014-01 partial: imputed 2014-01-\d\d").all()
    assert (rows["day"] == 0).all()  # TRDY 1 is kept: the assessment is not dropped


def test_lymph_node_targets_use_lperp_as_short_axis(study, tr):
    tu = _raw("tu_onco.csv")
    nodes = tu[tu["TULOC"] == "LYMPH NODE"]
    lesions = study.lesions
    node_rows = lesions[lesions["lymph_node"]]
    assert len(node_rows[["patient_id", "reader", "lesion_id"]].drop_duplicates()) == len(nodes)
    assert (node_rows["organ"] == "lymph node").all()
    lperp = tr[tr["TRTESTCD"] == "LPERP"].set_index(["USUBJID", "reader", "TRLNKID", "TRDTC"])["TRSTRESN"]
    sample = node_rows[(node_rows["status"] == "present") & (node_rows["note"] == "")].iloc[0]
    key = (sample["patient_id"], sample["reader"], sample["lesion_id"], sample["date"])
    assert sample["short_axis_mm"] == float(lperp.loc[key])


def test_tumour_states_map_to_statuses_by_role(study, tr):
    lesions = study.lesions
    state = tr[tr["TRTESTCD"] == "TUMSTATE"]
    counts = state.groupby(["TRGRPID", "TRSTRESC"]).size()
    by_role = lesions.groupby(["role", "status", "equivocal"]).size()
    assert by_role[("non_target", "unequivocal_progression", False)] == counts[("NON-TARGET", "UNEQUIVOCAL")]
    assert by_role[("non_target", "absent", False)] == counts[("NON-TARGET", "ABSENT")]
    assert by_role[("new", "present", True)] == counts[("NEW", "EQUIVOCAL")]
    assert by_role[("new", "present", False)] == counts[("NEW", "UNEQUIVOCAL")]


def test_not_done_records_are_not_evaluable_with_the_reason(study, tr):
    not_done = tr[(tr["TRSTAT"] == "NOT DONE") & tr["TRTESTCD"].isin(["TUMSTATE", "DIAMETER"])]
    rows = study.lesions[study.lesions["note"].str.startswith("TRSTAT NOT DONE")]
    assert len(rows) == len(not_done)
    assert (rows["status"] == "not_evaluable").all()
    assert rows["note"].eq("TRSTAT NOT DONE: NOT ASSESSABLE: Image obscured").all()


def test_sumdiam_rows_are_reported_not_used_as_lesions(study, tr):
    sums = tr.loc[tr["TRTESTCD"] == "SUMDIAM", "file_row"]
    reason = study.excluded["reason"]
    excluded = study.excluded[reason.str.startswith("sponsor-derived sum (TRTESTCD SUMDIAM)")]
    assert sorted(excluded["source_row"]) == sorted(sums)
    assert (excluded["column"] == "TRTESTCD").all()
    assert not study.lesions["source_row"].isin(sums).any()


def _unread_diameters(tr: pd.DataFrame) -> pd.Series:
    """TR rows of a DIAMETER result beside the axis read (io.sdtm docstring: LDIAM of a non-nodal lesion,
    SAXIS, else LPERP, of a node), recounted from the raw files."""
    tu = _raw("tu_onco.csv")
    tu["reader"] = tu["TUEVALID"].where(tu["TUEVALID"] != "", tu["TUEVAL"])
    node = tu.assign(node=tu["TULOC"].str.upper().str.contains("LYMPH|NODE")).drop_duplicates(
        ["USUBJID", "reader", "TULNKID"]).set_index(["USUBJID", "reader", "TULNKID"])["node"]
    key = ["USUBJID", "reader", "TRLNKID", "VISITNUM", "TRDTC"]
    result = tr[(tr["TRSTRESN"] != "") & (tr["TRSTAT"] != "NOT DONE")]
    given = result.groupby(key)["TRTESTCD"].agg(set)
    diameter = result[result["TRTESTCD"] == "DIAMETER"]
    tests = given.reindex(pd.MultiIndex.from_frame(diameter[key])).to_numpy()
    is_node = node.reindex(pd.MultiIndex.from_frame(diameter[["USUBJID", "reader", "TRLNKID"]])).to_numpy()
    beside = [bool(t & ({"SAXIS", "LPERP"} if n else {"LDIAM"})) for t, n in zip(tests, is_node, strict=True)]
    return diameter.loc[beside, "file_row"]


def test_every_tr_row_is_used_or_reported(study, tr):
    # README "Outputs": every row is used or listed in excluded.* with its reason, not both. A lesion row's
    # source_row is the first TR record read of its assessment; the DIAMETER records beside the axis read
    # (DATA_DICTIONARY: DIAMETER = LDIAM, or LPERP for nodes) are listed in excluded, as are the SUMDIAM sums
    # and the RS records other than OVRLRESP (their reason names rs_onco.csv)
    unread = _unread_diameters(tr)
    measured = tr[(tr["TRTESTCD"] != "SUMDIAM") & ~tr["file_row"].isin(unread)]
    first_rows = measured.groupby(["USUBJID", "reader", "TRLNKID", "VISITNUM", "TRDTC"])["file_row"].min()
    assert set(study.lesions["source_row"]) == set(first_rows)
    rs = _raw("rs_onco.csv")
    other_rs = rs[rs["RSTESTCD"] != "OVRLRESP"]
    assert len(study.excluded) == (tr["TRTESTCD"] == "SUMDIAM").sum() + len(unread) + len(other_rs)
    diameters = study.excluded[study.excluded["reason"].str.startswith("DIAMETER beside")]
    assert sorted(diameters["source_row"]) == sorted(unread)
    assert not study.lesions["source_row"].isin(diameters["source_row"]).any()
    listed = study.excluded[study.excluded["column"] == "RSTESTCD"]
    assert sorted(listed["source_row"]) == sorted(other_rs["file_row"])
    assert listed["reason"].str.startswith("rs_onco.csv row ").all()


def test_recorded_overall_responses_from_rs(loaded):
    study, caught = loaded
    rs = _raw("rs_onco.csv")
    overall = rs[rs["RSTESTCD"] == "OVRLRESP"]
    recorded = study.recorded
    assert len(recorded) == len(overall)
    assert sorted(recorded["source_row"]) == sorted(overall["file_row"])
    values = overall.set_index("file_row")["RSSTRESC"]
    by_row = recorded.set_index("source_row")["recorded_response"]
    for response in ("CR", "PR", "SD", "PD"):
        assert (by_row[values[values == response].index] == response).all()
    check = values[values == "CHECK"].index  # not a response category (PROVENANCE: 3 rows)
    assert len(check) == 3
    assert (by_row[check] == "").all()
    assert any(issubclass(w.category, RecordedValueWarning) for w in caught)
    assert list(recorded.columns[:7]) == ["patient_id", "reader", "day", "date", "visit", "recorded_response",
                                          "source_row"]


def test_unknown_tumour_state_lists_the_allowed_values(tmp_path):
    tr = pd.read_csv(SDTM / "tr_onco.csv", dtype=str, keep_default_na=False, nrows=400)
    tr.loc[tr["TRTESTCD"] == "TUMSTATE", "TRSTRESC"] = ["SHRUNK"] + list(
        tr.loc[tr["TRTESTCD"] == "TUMSTATE", "TRSTRESC"].iloc[1:])
    bad_row = int(tr.index[tr["TRSTRESC"] == "SHRUNK"][0]) + 2
    tr.to_csv(tmp_path / "tr.csv", index=False)
    shutil.copy(SDTM / "tu_onco.csv", tmp_path / "tu.csv")
    with pytest.raises(InputError, match=r"'SHRUNK' is not a tumour state; allowed: PRESENT, ABSENT") \
            as caught:
        load_study(tmp_path)
    assert (caught.value.file, caught.value.rows, caught.value.column) == ("tr.csv", [bad_row], "TRSTRESC")


def test_folder_without_tu_is_an_input_error(tmp_path):
    shutil.copy(SDTM / "rs_onco.csv", tmp_path / "RS.csv")
    with pytest.raises(InputError, match="SDTM folder without TU and TR"):
        load_study(tmp_path)


def _subset(tmp_path: Path, subjects: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    tu = pd.read_csv(SDTM / "tu_onco.csv", dtype=str, keep_default_na=False)
    keep = tu["USUBJID"].drop_duplicates().iloc[:subjects]
    tr = pd.read_csv(SDTM / "tr_onco.csv", dtype=str, keep_default_na=False)
    return tu[tu["USUBJID"].isin(keep)], tr[tr["USUBJID"].isin(keep)]


def test_csv_parquet_and_xpt_folders_give_the_same_lesions(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    tu, tr = _subset(tmp_path)
    numeric = {"TUSEQ", "VISITNUM", "TUDY", "TRSEQ", "TRSTRESN", "TRDY"}
    folders = {kind: tmp_path / kind for kind in ("csv", "parquet", "xpt")}
    for folder in folders.values():
        folder.mkdir()
    for name, table in (("tu", tu), ("tr", tr)):
        table.to_csv(folders["csv"] / f"{name}.csv", index=False)
        table.to_parquet(folders["parquet"] / f"{name.upper()}.parquet")
        typed = table.apply(lambda c: pd.to_numeric(c.replace("", None)) if c.name in numeric else c)
        pyreadstat.write_xport(typed, str(folders["xpt"] / f"{name}.xpt"), table_name=name.upper(),
                               file_format_version=5)
    expected = load_study(folders["csv"]).lesions
    assert len(expected) > 0
    for kind in ("parquet", "xpt"):
        pd.testing.assert_frame_equal(load_study(folders[kind]).lesions, expected)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "pyreadstat", None)  # pandas' XPORT reader, zero artefact mapped back
        pd.testing.assert_frame_equal(load_study(folders["xpt"]).lesions, expected)


def test_dm_gives_treatment_start_and_arm(tmp_path):
    tu, tr = _subset(tmp_path, subjects=1)
    subject = tu["USUBJID"].iloc[0]
    tu.to_csv(tmp_path / "tu.csv", index=False)
    tr.to_csv(tmp_path / "tr.csv", index=False)
    pd.DataFrame({"USUBJID": [subject], "RFSTDTC": ["2013-12-20T09:30"], "ARM": ["Drug A"]}).to_csv(
        tmp_path / "dm.csv", index=False)
    study = load_study(tmp_path)
    patient = study.patients.set_index("patient_id").loc[subject]
    assert (patient["treatment_start"], patient["arm"]) == ("2013-12-20", "Drug A")
    # TRDY still gives the day where present (SDTM day 1 -> 0); DM only dates records without TRDY
    assert study.lesions["day"].min() == 0


def test_unknown_tu_role_lists_the_allowed_values(tmp_path):
    tu, tr = _subset(tmp_path, subjects=1)
    tu = tu.copy()
    tu.iloc[0, tu.columns.get_loc("TUSTRESC")] = "INDEX"
    tu.to_csv(tmp_path / "tu.csv", index=False)
    tr.to_csv(tmp_path / "tr.csv", index=False)
    with pytest.raises(InputError, match="'INDEX' is not a lesion role; allowed: TARGET") as caught:
        load_study(tmp_path)
    assert (caught.value.file, caught.value.rows, caught.value.column) == ("tu.csv", [2], "TUSTRESC")


def test_tu_lesion_without_tr_record_is_reported_not_dropped(tmp_path):
    """Issue 3: nothing the user gave is silently dropped; a TU lesion never measured in TR is listed."""
    tu, tr = _subset(tmp_path, subjects=1)
    extra = tu.iloc[[0]].assign(TULNKID="T99", TUSEQ="99")
    tu = pd.concat([tu, extra], ignore_index=True)
    tu.to_csv(tmp_path / "tu.csv", index=False)
    tr.to_csv(tmp_path / "tr.csv", index=False)
    study = load_study(tmp_path)
    reported = study.excluded[study.excluded["column"] == "TULNKID"]
    assert len(reported) == 1
    assert reported["source_row"].iloc[0] == len(tu) + 1  # the last TU data row (header is row 1)
    assert reported["reason"].iloc[0].startswith("tu.csv row")
    assert "lesion T99 is identified in TU but has no TR record" in reported["reason"].iloc[0]
    assert not (study.lesions["lesion_id"] == "T99").any()
