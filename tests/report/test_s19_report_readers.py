"""The fixes of audit s19 "readers" in the report (tests/cohort/test_audit_s19_readers_everywhere.py).

`--median-split` (spec/patterns.md 6.5) cuts at the median of the patients each reader read, each once
(README "Input": "each reader is assessed separately"), and a reader's OS and PFS at that same cut over
the same patients (README "Cohort analysis": "the column's cohort median"); median_split.csv names the
reader and the cut; report.html draws one median-split figure per reader ("one set of figures per named
reader: a figure shows each patient once") and names the reader of each pattern row of a patient section.
Expected values are computed by hand in the comments.
"""

from __future__ import annotations

import re
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import ioresponse  # noqa: E402
from ioresponse.cohort.survival import median_split  # noqa: E402
from ioresponse.report import html  # noqa: E402


def _series(reader: str, patient: str, pairs: list[tuple[int, float]]) -> list[dict]:
    return [dict(patient_id=patient, reader=reader, day=day, lesion_id="T1", role="target", organ="lung",
                 lymph_node=False, long_axis_mm=float(value), short_axis_mm=np.nan, status="present")
            for day, value in pairs]


# R1 P1: 40 -> 50 mm on day 56 (+25 %, +10 mm: PD day 56); R1 P2: 50 -> 30 (-40 %: PR), no progression;
# R1 P3: 40 -> 38 -> 36 (SD), no progression. R2 P2: 50 -> 50 -> 65 on day 112 (+30 %, +15 mm: PD day 112);
# R2 P4: 40 -> 20 (-50 %: PR), no progression.
LESIONS = pd.DataFrame(
    _series("R1", "P1", [(-5, 40), (56, 50), (112, 55)])
    + _series("R1", "P2", [(-3, 50), (56, 30), (112, 30)])
    + _series("R1", "P3", [(-4, 40), (56, 38), (112, 36)])
    + _series("R2", "P2", [(-3, 50), (56, 50), (112, 65)])
    + _series("R2", "P4", [(-2, 40), (56, 20), (112, 20)])
)
PATIENTS = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4"], "os_days": [200, 300, 250, 260],
                         "os_event": [1, 0, 0, 1], "mtv": [10.0, 20.0, 30.0, 40.0]})
MTV = PATIENTS.set_index("patient_id")["mtv"]


def _assess(lesions: pd.DataFrame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(lesions, criteria=("recist11",))


def _tables(result, patients: pd.DataFrame | None = PATIENTS) -> html.ReportTables:
    return html.ReportTables(timepoints=result.timepoints, best_response=result.best_response,
                             patterns=result.patterns, patients=patients, split_values=MTV)


def _split(result, patients: pd.DataFrame | None = PATIENTS) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return html.endpoint_tables(_tables(result, patients))["median_split"]


def _rows(split: pd.DataFrame, endpoint: str, reader: str | None = None) -> pd.DataFrame:
    rows = split[split["endpoint"] == endpoint]
    return (rows if reader is None else rows[rows["reader"] == reader]).set_index("group")


# --------------------------------------------------------------------------------------------------
# cohort.survival.median_split: by and cohort


def test_median_split_by_reader_cuts_each_reader_at_the_median_of_its_own_patients():
    durations = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P2", "P4"],
                              "reader": ["R1", "R1", "R1", "R2", "R2"],
                              "duration_days": [10.0, 20, 30, 40, 50], "event": [True] * 5})
    split = median_split(durations, MTV, "mtv", by=("reader",))
    groups = dict(zip(zip(split["reader"], split["patient_id"], strict=True), split["group"], strict=True))
    # R1: median of 10, 20, 30 = 20 (a value at the median goes above): P1 below, P2 and P3 above.
    # R2: median of 20, 40 = 30: P2 below, P4 above; P2's 20 is below R2's cut and above R1's.
    assert groups == {("R1", "P1"): "mtv < 20", ("R1", "P2"): "mtv >= 20", ("R1", "P3"): "mtv >= 20",
                      ("R2", "P2"): "mtv < 30", ("R2", "P4"): "mtv >= 30"}
    cuts = split.drop_duplicates("reader").set_index("reader")
    assert cuts["cut"].to_dict() == {"R1": 20.0, "R2": 30.0}
    assert cuts["cut_patients"].to_dict() == {"R1": 3, "R2": 2}  # P1, P2, P3 | P2, P4


def test_median_split_cohort_sets_the_cut_when_the_durations_hold_some_of_its_patients():
    # OS known for P1 and P3 only; the cohort (the patients read) is P1, P2, P3 with values 10, 20, 60.
    values = pd.Series({"P1": 10.0, "P2": 20.0, "P3": 60.0})
    os_known = pd.DataFrame({"patient_id": ["P1", "P3"], "duration_days": [100.0, 200],
                             "event": [True, False]})
    cohort = pd.DataFrame({"patient_id": ["P1", "P2", "P3"]})
    split = median_split(os_known, values, "mtv", cohort=cohort)
    # cohort median of 10, 20, 60 = 20 (3 patients): P1 below, P3 above
    assert split["group"].tolist() == ["mtv < 20", "mtv >= 20"]
    assert split["cut"].tolist() == [20.0, 20.0] and split["cut_patients"].tolist() == [3, 3]
    # without the cohort, the median of P1 and P3 alone: (10 + 60) / 2 = 35
    assert median_split(os_known, values, "mtv")["group"].tolist() == ["mtv < 35", "mtv >= 35"]


# --------------------------------------------------------------------------------------------------
# median_split.csv of the report (endpoint_tables)


def test_one_reader_os_and_pfs_are_cut_at_the_median_of_the_assessed_patients():
    result = _assess(LESIONS[LESIONS["reader"] == "R1"].drop(columns="reader"))
    split = _split(result)
    # assessed: P1, P2, P3 (mtv 10, 20, 30) -> cut 20 over 3 patients; P4 (mtv 40) has OS but no result:
    # in neither split (the patient-table's median 25 would have been the OS cut)
    assert set(split["cut"]) == {20.0} and set(split["cut_patients"]) == {3}
    assert "reader" not in split.columns
    os_rows = _rows(split, "OS")
    # below 20: P1 (died day 200): n 1, 1 event, median 200; above: P2 (alive 300), P3 (alive 250): n 2, 0
    assert os_rows.loc["mtv < 20", ["n", "events", "median_days"]].tolist() == [1, 1, 200.0]
    assert os_rows.loc["mtv >= 20", ["n", "events"]].tolist() == [2, 0]
    pfs = _rows(split, "PFS")
    # PFS under RECIST 1.1 at the same cut: P1 (PD day 56) below; P2 and P3 above, neither progresses
    # but P2 and P3 are alive (os_event 0): both censored
    assert pfs.loc["mtv < 20", ["n", "events", "median_days"]].tolist() == [1, 1, 56.0]
    assert pfs.loc["mtv >= 20", ["n", "events"]].tolist() == [2, 0]


def test_named_readers_each_get_their_own_cut_for_os_and_pfs():
    split = _split(_assess(LESIONS))
    # R1 read P1, P2, P3 (10, 20, 30): cut 20 over 3; R2 read P2, P4 (20, 40): cut (20 + 40) / 2 = 30 over 2
    for endpoint in ("OS", "PFS"):
        cuts = split[split["endpoint"] == endpoint].drop_duplicates("reader").set_index("reader")
        assert cuts["cut"].to_dict() == {"R1": 20.0, "R2": 30.0}, endpoint
        assert cuts["cut_patients"].to_dict() == {"R1": 3, "R2": 2}, endpoint
    r2_os = _rows(split, "OS", "R2")
    # R2's OS: P2 (20 < 30, alive day 300) below, P4 (40, died day 260) above; each n 1
    assert r2_os.loc["mtv < 30", ["n", "events"]].tolist() == [1, 0]
    assert r2_os.loc["mtv >= 30", ["n", "events", "median_days"]].tolist() == [1, 1, 260.0]
    r2_pfs = _rows(split, "PFS", "R2")
    # R2's PFS: P2 PD day 112 (below 30); P4 PR without progression, died day 260: a PFS event (spec 7.4)
    assert r2_pfs.loc["mtv < 30", ["n", "events", "median_days"]].tolist() == [1, 1, 112.0]
    assert r2_pfs.loc["mtv >= 30", ["n", "events", "median_days"]].tolist() == [1, 1, 260.0]
    # R1's OS: P1 (10) below; P2 and P3 (20, 30) above: 1 and 2 patients, never R2's P4
    assert _rows(split, "OS", "R1")["n"].to_dict() == {"mtv < 20": 1, "mtv >= 20": 2}


# --------------------------------------------------------------------------------------------------
# report.html: a median-split figure per reader; the reader of each pattern row


def _captions(page: str) -> list[str]:
    return [" ".join(c.split()) for c in re.findall(r"<figcaption>(.*?)</figcaption>", page, re.S)]


def test_report_draws_one_median_split_figure_per_reader_and_says_its_cut():
    result = _assess(LESIONS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        page = html.render_report(_tables(result, PATIENTS[["patient_id", "mtv"]]))
    split = [c for c in _captions(page) if "on each side of its cohort median" in c]
    # no OS in the patient table: PFS under recist11; R1 cut 20 of 3 patients, R2 cut 30 of 2 (as above)
    assert len(split) == 2
    assert "(median 20 of reader R1&#39;s 3 patients), reader R1" in split[0]
    assert "(median 30 of reader R2&#39;s 2 patients), reader R2" in split[1]


def test_report_of_one_unnamed_reader_says_the_cut_is_of_the_patients_assessed():
    result = _assess(LESIONS[LESIONS["reader"] == "R1"].drop(columns="reader"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        page = html.render_report(_tables(result))
    split = [c for c in _captions(page) if "on each side of its cohort median" in c]
    # OS given: the OS figure, cut 20 of P1, P2, P3 (P4 has no result)
    assert len(split) == 1 and "OS by mtv" in split[0]
    assert "(median 20 of the 3 patients)" in split[0]


def test_report_patient_section_pattern_table_has_the_reader_column():
    result = _assess(LESIONS)
    # P2 is read by R1 and R2: each read has its pattern rows (e.g. HPD not evaluable, no prebaseline scan)
    assert set(result.patterns.loc[result.patterns["patient_id"] == "P2", "reader"]) == {"R1", "R2"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        page = html.render_report(html.ReportTables(result.timepoints, result.best_response,
                                                    patterns=result.patterns))
    sections = re.findall(r"<details id=\"patient-\d+\">(.*?)</details>", page, re.S)
    p2 = next(s for s in sections if re.search(r"\bP2\b", s[:400]))
    patterns = p2[p2.index("<th>pattern</th>") - 40:]
    # the header names the reader before the pattern, and P2's rows are R1's and R2's
    assert re.search(r"<th>reader</th>\s*<th>pattern</th>", patterns)
    assert "R1" in patterns and "R2" in patterns
