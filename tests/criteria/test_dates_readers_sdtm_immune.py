"""One clinical history in several equivalent forms gives the same calls under the five anatomic criteria.

Forms (spec/anatomic.md 0.1-0.2, README "Input: the lesion table"): days or ISO dates with a patient
table (``day = date - treatment_start``); several readers in one table (one subject per patient x
reader, 0.9); a CDISC SDTM TU/TR folder; the rows in any order; patient ids and readers kept as text.
Every expected call below is worked out by hand from the spec (numbers in the comments).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ioresponse

ANATOMIC = ("recist11", "irrc", "irrecist", "irecist", "imrecist")
ROLE = {"t": "target", "nt": "non_target", "new": "new"}
STATUS = {"p": "present", "a": "absent", "ne": "not_evaluable", "up": "unequivocal_progression",
          "ts": "too_small"}


SOLE = "R0"
"""The reader of the patients read once: a table with a reader column names it on every row (README)."""


def history(patient: str, text: str, reader: str = SOLE) -> list[dict]:
    """Lines ``day lesion role organ node long perp short status | lesion ...`` ("-" = empty), one row
    per lesion per assessment, as text cells."""
    rows = []
    for line in filter(str.strip, text.splitlines()):
        day, lesions = line.split(maxsplit=1)
        for lesion, role, organ, node, long, perp, short, status in map(str.split, lesions.split("|")):
            rows.append({"patient_id": patient, "reader": reader, "day": day, "lesion_id": lesion,
                         "role": ROLE[role], "organ": {"node": "lymph node"}.get(organ, organ),
                         "lymph_node": "true" if node == "y" else "false",
                         "long_axis_mm": long.strip("-"), "perpendicular_mm": perp.strip("-"),
                         "short_axis_mm": short.strip("-"), "status": STATUS[status]})
    return rows


def frame(*histories: list[dict]) -> pd.DataFrame:  # every cell text, as a user's CSV
    return pd.DataFrame([row for rows in histories for row in rows], dtype=str)


def assess(table, **options) -> ioresponse.Result:
    return ioresponse.assess(table, criteria=ANATOMIC, patterns=False, **options)


def calls(result, patient: str, reader: str = SOLE, column: str = "overall_response") -> dict[str, str]:
    """criterion -> the subject's timepoint ``column`` in day order, joined by spaces."""
    tp = result.timepoints
    tp = tp[(tp["patient_id"] == patient) & (tp["reader"] == reader)]
    return {c: " ".join(map(str, g[column])) for c, g in tp.groupby("criterion", sort=False)}


def best(result, patient: str, reader: str = SOLE, column: str = "best_response") -> dict[str, object]:
    br = result.best_response
    br = br[(br["patient_id"] == patient) & (br["reader"] == reader)]
    return dict(zip(br["criterion"], br[column], strict=True))


def assert_same(a, b, drop: tuple[str, ...] = ()) -> None:
    """Timepoint and best-response tables equal, cell for cell, except the ``drop`` columns."""
    for name in ("timepoints", "best_response"):
        x, y = (getattr(r, name).drop(columns=list(drop), errors="ignore").reset_index(drop=True)
                for r in (a, b))
        pd.testing.assert_frame_equal(x.astype(object), y.astype(object))


def by_criterion(*labels: str) -> dict[str, str]:
    return dict(zip(ANATOMIC, labels, strict=True))


# -- Hand-worked histories (baseline day -7) -----------------------------------------------------------
# E: confirmation of progression, 0.8 (irRC/irRECIST/imRECIST) and 4.6 (iRECIST), with the deciding scan
# 28 days (E28, day 84) or 27 days (E27, day 83) after the first PD. L1 liver, long x perpendicular:
#   -7: 30x30 (sum 30, TB 900); 56: 36x34 (30 -> 36 = +6 mm, +20.00%: PD / iUPD T; TB 1224 = +36.00%:
#   irPD); 84|83: 24x20 (24: -20.00% vs nadir 30 and baseline: SD; TB 480 = -46.67%: irSD);
#   140: 42x40 (42 vs nadir 24: +18 mm, +75%: PD; TB 1680 vs nadir 480: irPD).
E_ROWS = """
-7 L1 t liver n 30 30 - p
56 L1 t liver n 36 34 - p
{d} L1 t liver n 24 20 - p
140 L1 t liver n 42 40 - p
"""
# E28: day 84 decides (>= 28 days): the PD of day 56 is not confirmed, the search restarts, day 140 is a
# new pending PD; best response the SD of day 84 (>= 42). iRECIST: day 84 resets (24 < ref 36, not PD
# vs nadir 30): iSD; day 140 is a new iUPD (42 vs nadir 24).
E28 = by_criterion("PD SD PD", "irPD irSD irPD", "irPD irSD irPD", "iUPD iSD iUPD", "PD SD PD")
E28_BEST = by_criterion("PD", "irSD", "irSD", "iSD", "SD")
# E27: day 83 is 27 days after day 56, so it does not decide; day 140 does: PD again vs nadir 24 (irRC
# 1680 >= 1.25 x 480): confirmed, progression day 56, best response irPD (the irSD of day 83 lies after
# the progression day). iRECIST: day 83 is an early scan (iUPD); day 140: 42 - 36 = +6 mm (>= 5): iCPD.
# imRECIST (bor_scope "all") keeps the SD of day 83 as best response but progression day is 56.
E27 = by_criterion("PD SD PD", "irPD irSD irPD", "irPD irSD irPD", "iUPD iUPD iCPD", "PD SD PD")
E27_BEST = by_criterion("PD", "irPD", "irPD", "iCPD", "SD")
# R: confirmation of response, 0.7 (confirm_response=True). T1 liver 40x30, T2 lung 30x20 (sum 70, TB
# 1800); 56: 26x16, 20x12 (46 = -34.29%; TB 656 = -63.56%); 84|83: 24x15, 18x10 (42 = -40.00%; TB 540).
R_ROWS = """
-7 T1 t liver n 40 30 - p | T2 t lung n 30 20 - p
56 T1 t liver n 26 16 - p | T2 t lung n 20 12 - p
{d} T1 t liver n 24 15 - p | T2 t lung n 18 10 - p
"""
R_CALLS = by_criterion("PR PR", "irPR irPR", "irPR irPR", "iPR iPR", "PR PR")
R28_CONFIRMED = by_criterion("PR", "irPR", "irPR", "iPR", "PR")  # 84 - 56 = 28 >= 28
R27_CONFIRMED = by_criterion("SD", "irSD", "irSD", "iSD", "SD")  # 27 < 28: SD (day 56 >= 42)
# S: minimum SD duration, 1.7. T1 liver 50x40 -> 48x40 (-4.00%, TB -4.00%): SD on day 42 counts, day 41 not.
S_ROWS = """
-7 T1 t liver n 50 40 - p
{d} T1 t liver n 48 40 - p
"""
S_CALLS = by_criterion("SD", "irSD", "irSD", "iSD", "SD")
# I: iRECIST 4.7, iR2 of the spec: T1 50; 56: 46 (iSD); 112: 45, new A liver 12 and B lung 10 (NLT 22):
# iUPD (NL); 168|169: A 15, B 12 (NLT 27 = +5 mm): iCPD dated 112; after 57 days flag late_confirmation.
I_ROWS = """
-7 T1 t liver n 50 40 - p
56 T1 t liver n 46 38 - p
112 T1 t liver n 45 38 - p | A new liver n 12 10 - p | B new lung n 10 8 - p
{d} T1 t liver n 44 37 - p | A new liver n 15 12 - p | B new lung n 12 10 - p
"""
STARTS = {"E28": "2024-02-01", "E27": "2023-12-20", "R28": "2024-02-29", "R27": "2021-03-01",
          "S42": "2020-12-31", "S41": "2021-10-15", "I56": "2022-01-31", "I57": "2019-11-30"}


def windows() -> pd.DataFrame:
    return frame(history("E28", E_ROWS.format(d=84)), history("E27", E_ROWS.format(d=83)),
                 history("R28", R_ROWS.format(d=84)), history("R27", R_ROWS.format(d=83)),
                 history("S42", S_ROWS.format(d=42)), history("S41", S_ROWS.format(d=41)),
                 history("I56", I_ROWS.format(d=168)), history("I57", I_ROWS.format(d=169)))


def dated(table: pd.DataFrame, starts: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table with ``date = treatment_start + day`` instead of ``day``, and the patient table."""
    start = pd.to_datetime(table["patient_id"].map(starts))
    out = table.drop(columns="day")
    days = pd.to_timedelta(table["day"].astype(int), unit="D")
    out.insert(2, "date", (start + days).dt.strftime("%Y-%m-%d"))
    return out, pd.DataFrame({"patient_id": list(starts), "treatment_start": list(starts.values())})


@pytest.fixture(scope="module")
def by_days():
    return assess(windows(), confirm_response=True)


def test_window_edges_by_hand_with_days(by_days):
    """0.8 / 4.6 / 4.7: the first evaluable scan >= 28 days after a PD decides it (27 days does not);
    0.7: a response is confirmed >= 28 days later; 1.7: SD counts from day 42; 4.7: iCPD after 57 days
    is flagged late_confirmation."""
    r = by_days
    assert calls(r, "E28") == E28 and best(r, "E28") == E28_BEST
    assert calls(r, "E27") == E27 and best(r, "E27") == E27_BEST
    for c in ("irrc", "irrecist", "imrecist"):
        assert calls(r, "E28", column="confirmation_state")[c].split()[0] == "not_confirmed"
        assert calls(r, "E28", column="confirmation_state")[c].split()[2] == "pending"
        assert calls(r, "E27", column="confirmation_state")[c].split()[0::2] == ["confirmed", "confirms"]
        assert best(r, "E27", column="progression_day")[c] == 56
    assert best(r, "E27", column="progression_day")["irecist"] == 56
    assert calls(r, "R28") == calls(r, "R27") == R_CALLS
    assert best(r, "R28", column="best_response_confirmed") == R28_CONFIRMED
    assert best(r, "R27", column="best_response_confirmed") == R27_CONFIRMED
    assert calls(r, "S42") == calls(r, "S41") == S_CALLS
    assert best(r, "S42") == S_CALLS and best(r, "S41") == by_criterion(*["NE"] * 5)
    for patient, day in (("I56", 168), ("I57", 169)):
        assert calls(r, patient)["irecist"] == "iSD iUPD iCPD"
        assert best(r, patient, column="progression_day")["irecist"] == 112
        flags = dict(zip(calls(r, patient, column="day")["irecist"].split(),
                         calls(r, patient, column="flags")["irecist"].split(" "), strict=True))
        assert ("late_confirmation" in flags[str(day)]) == (patient == "I57")


def test_dates_with_treatment_start_give_the_same_calls_as_days(by_days):
    """0.1: with only ``date``, ``day = date - treatment_start`` (patient table); the timepoints and best
    responses are those of the day form (leap days and year ends inside the windows), except ``date``."""
    table, patients = dated(windows(), STARTS)
    by_dates = assess(table, patients=patients, confirm_response=True)
    assert_same(by_days, by_dates, drop=("date",))
    tp = by_dates.timepoints
    e28 = tp[(tp["patient_id"] == "E28") & (tp["criterion"] == "irrc")]
    assert list(e28["date"]) == ["2024-03-28", "2024-04-25", "2024-06-20"]  # 2024-02-01 + 56, 84, 140
    assert list(e28["day"]) == [56, 84, 140]
    assert calls(by_dates, "E27") == E27 and best(by_dates, "R27", column="best_response_confirmed") == \
        R27_CONFIRMED
    inline = table.assign(treatment_start=table["patient_id"].map(STARTS))  # a per-patient column (README)
    assert_same(by_days, assess(inline, confirm_response=True), drop=("date",))


# -- Several readers (0.9: one subject per patient x reader) --------------------------------------------
# R1: T1 liver / T2 lung: -7 40x30, 30x20 (70; TB 1800); 56 26x19, 18x13 (44 = -37.14%; TB 728 =
# -59.56%); 84 30x21, 21x13 (51: +7 mm, +15.91% vs 44, -27.14% vs 70: SD; TB 843: +15.8% vs 728,
# -53.17%: irPR); 112 36x26, 24x18 + new N1 lung 12x10 (60 vs 44: +16 mm, +36.36%: PD; TMTB 72; TB 1488
# vs 728: irPD; iUPD T+NL, ref 60, NLT 12); 140 38x28, 25x19, N1 14x12 (63: +3 mm, NLT +2 mm: no iCPD,
# still PD vs nadir 44: no reset; TMTB 77, TB 1707: PD confirmed).
READER_1 = """
-7 T1 t liver n 40 30 - p | T2 t lung n 30 20 - p
56 T1 t liver n 26 19 - p | T2 t lung n 18 13 - p
84 T1 t liver n 30 19 - p | T2 t lung n 21 13 - p
112 T1 t liver n 36 26 - p | T2 t lung n 24 18 - p | N1 new lung n 12 10 - p
140 T1 t liver n 38 28 - p | T2 t lung n 25 19 - p | N1 new lung n 14 12 - p
"""
# R2: 56 38x30, 28x20 (66 = -5.71%; TB 1700); 84 28x20, 20x14 (48 = -31.43%; TB 840 = -53.33%); 112
# 32x20, 22x14 (54: +6 mm, +12.50% vs own nadir 48 - but +10 mm, +22.73% vs R1's 44; TB 948 +12.86%);
# 140 28x20, 20x14 (48 = -31.43%). No new lesion.
READER_2 = """
-7 T1 t liver n 40 30 - p | T2 t lung n 30 20 - p
56 T1 t liver n 38 30 - p | T2 t lung n 28 20 - p
84 T1 t liver n 28 20 - p | T2 t lung n 20 14 - p
112 T1 t liver n 32 20 - p | T2 t lung n 22 14 - p
140 T1 t liver n 28 20 - p | T2 t lung n 20 14 - p
"""
R1_CALLS = by_criterion("PR SD PD PD", "irPR irPR irPD irPD", "irPR irSD irPD irPD", "iPR iSD iUPD iUPD",
                        "PR SD PD PD")
R1_CONFIRMED = by_criterion("SD", "irPR", "irSD", "iSD", "SD")  # only irRC has PR-PR 28 days apart
R2_CALLS = by_criterion("SD PR SD PR", "irSD irPR irSD irPR", "irSD irPR irSD irPR", "iSD iPR iSD iPR",
                        "SD PR SD PR")
R2_CONFIRMED = by_criterion("SD", "irSD", "irSD", "iSD", "SD")  # PR then SD; last PR has no follow-up


def readers() -> pd.DataFrame:
    return frame(history("P1", READER_1, "R1"), history("P1", READER_2, "R2"))


def test_two_readers_by_hand_and_each_as_if_alone():
    """0.9 / 0.5 / 0.7 / 0.8 / 4.6: each reader is a subject of its own: its nadir, confirmations, new
    lesions and iUPD episode never reach the other reader (R2 on day 112 would be PD with R1's nadir 44
    or R1's new lesion); each reader's calls equal its rows assessed alone, and dates (one treatment
    start for both readers) give the calls of days."""
    both = assess(readers(), confirm_response=True)
    assert calls(both, "P1", "R1") == R1_CALLS
    assert calls(both, "P1", "R2") == R2_CALLS
    assert best(both, "P1", "R1", "best_response_confirmed") == R1_CONFIRMED
    assert best(both, "P1", "R2", "best_response_confirmed") == R2_CONFIRMED
    assert best(both, "P1", "R2") == by_criterion("PR", "irPR", "irPR", "iPR", "PR")
    table, patients = dated(readers(), {"P1": "2022-12-31"})
    assert_same(both, assess(table, patients=patients, confirm_response=True), drop=("date",))
    for reader in ("R1", "R2"):
        table = readers()
        alone = assess(table[table["reader"] == reader].reset_index(drop=True), confirm_response=True)
        for name in ("timepoints", "best_response"):
            got = getattr(both, name)
            got = got[got["reader"] == reader].reset_index(drop=True)
            pd.testing.assert_frame_equal(got.astype(object), getattr(alone, name).astype(object))


# -- SDTM TU/TR (README "CDISC SDTM"; io.sdtm) ----------------------------------------------------------
# J1 of the spec (3.10) with perpendiculars and a bone non-target: T1 liver, T2 node (TULOC LYMPH NODE,
# short axis = LPERP), N1 new lung lesion (TUSTRESC NEW) from day 56, NT1 bone (TUMSTATE PRESENT).
# RECIST 1.1: N1 is PD on day 56 (and still present later). irRECIST / imRECIST: TMTB 40+20 = 60;
# 56: 24+14+12 = 50 (-16.67%): SD; 84: 20+10+10 = 40 (-33.33%): PR; 112: 18+9+8 = 35: PR.
# irRC: TB0 40x30 + 25x20 = 1700; 56: 432+252+120 = 804 (-52.71%), 84: 530, 112: 408: irPR.
# iRECIST: 56 iUPD (NL, ref_S 38, NLT 12); 84: 30 < 38, NLT 10 <= 12: reset, 30 = -50%: iPR; 112: iPR.
J1 = """
-7 T1 t liver n 40 30 - p | T2 t node y 25 20 20 p | NT1 nt bone n - - - p
56 T1 t liver n 24 18 - p | T2 t node y 18 14 14 p | NT1 nt bone n - - - p | N1 new lung n 12 10 - p
84 T1 t liver n 20 15 - p | T2 t node y 15 10 10 p | NT1 nt bone n - - - p | N1 new lung n 10 8 - p
112 T1 t liver n 18 14 - p | T2 t node y 12 9 9 p | NT1 nt bone n - - - p | N1 new lung n 8 6 - p
"""
J1_CALLS = by_criterion("PD PD PD", "irPR irPR irPR", "irSD irPR irPR", "iUPD iPR iPR", "SD PR PR")
J1_BEST = by_criterion("PD", "irPR", "irPR", "iPR", "PR")
TUMSTATE = {"present": "PRESENT", "absent": "ABSENT", "unequivocal_progression": "UNEQUIVOCAL PROGRESSION"}


def sdtm(folder, rows: list[dict], start: str, *, study_day: bool = True, partial: int | None = None):
    """TU + TR CSV files of ``rows`` (and DM with RFSTDTC without study days); ``partial``: that day's
    TRDTC is year-month only; a target not evaluable is a TRSTAT NOT DONE record without date or day,
    placed by its VISITNUM."""
    folder.mkdir()
    tu = pd.DataFrame([{"USUBJID": r["patient_id"], "TUEVAL": r["reader"], "TULNKID": r["lesion_id"],
                        "TUSTRESC": r["role"].upper().replace("_", "-"),
                        "TULOC": r["organ"].upper()} for r in rows]).drop_duplicates()
    tu.to_csv(folder / "tu.csv", index=False)
    records = []
    for r in rows:
        day = int(r["day"])
        date = (pd.Timestamp(start) + pd.Timedelta(days=day)).strftime("%Y-%m-%d")
        visit = sorted({int(x["day"]) for x in rows if x["patient_id"] == r["patient_id"]}).index(day) + 1
        base = {"USUBJID": r["patient_id"], "TREVAL": r["reader"], "TRLNKID": r["lesion_id"],
                "VISITNUM": visit, "TRDTC": date[:7] if day == partial else date,
                "TRDY": day + 1 if day >= 0 else day}  # SDTM study day: no day 0
        if r["status"] == "not_evaluable":
            records.append({**base, "TRDTC": "", "TRDY": "", "TRTESTCD": "LDIAM", "TRSTAT": "NOT DONE",
                            "TRREASND": "SCAN NOT DONE"})
        node = r["lymph_node"] == "true"
        tests = {"LDIAM": r["long_axis_mm"], "LPERP": r["short_axis_mm"] if node else r["perpendicular_mm"]}
        if r["status"] == "absent" and r["role"] != "non_target":  # a measured 0 is absent (io.sdtm)
            tests = {"LPERP" if node else "LDIAM": "0"}
        for code, value in tests.items():
            if value:
                records.append({**base, "TRTESTCD": code, "TRSTRESC": value, "TRSTRESN": value,
                                "TRSTRESU": "mm"})
        if r["role"] == "non_target":
            records.append({**base, "TRTESTCD": "TUMSTATE", "TRSTRESC": TUMSTATE[r["status"]]})
    tr = pd.DataFrame(records)
    if not study_day:
        tr = tr.drop(columns="TRDY")
        subjects = sorted({r["patient_id"] for r in rows})
        pd.DataFrame({"USUBJID": subjects, "RFSTDTC": start}).to_csv(folder / "dm.csv", index=False)
    tr.to_csv(folder / "tr.csv", index=False)
    return folder


# R4 of the spec (1.10) with perpendiculars, as S2: T3 not evaluable on days 56 and 112. Known sums 40
# (PD would need >= 78): NE; 79 >= 78 and +14 mm vs nadir 65: PD, whatever T3 is (sec. 4.4.2); irRC
# known 384+192 = 576 of TB0 1050: NE; 1530+850 = 2380 >= 1.25 x 1050: irPD; iRECIST: NE, iUPD.
R4 = """
-7 T1 t liver n 30 20 - p | T2 t liver n 20 15 - p | T3 t lung n 15 10 - p | NT1 nt peritoneum n - - - p
56 T1 t liver n 24 16 - p | T2 t liver n 16 12 - p | T3 t lung n - - - ne | NT1 nt peritoneum n - - - p
112 T1 t liver n 45 34 - p | T2 t liver n 34 25 - p | T3 t lung n - - - ne | NT1 nt peritoneum n - - - p
"""
R4_CALLS = by_criterion("NE PD", "NE irPD", "NE irPD", "NE iUPD", "NE PD")
# R3 of the spec (1.10) with long axes, as S3: target nodes T1, T2 (short axes 18, 16), T3 liver 25;
# NT1 iliac node 12. Day 56: nodes 9, 7 (< 10), T3 absent, NT1 8: CR (sum 16 > 0); 112: CR; 168: T1
# back to 11 (>= 10) after CR: RECIST PD (1.8.1), iRECIST iUPD (reappearance); irRECIST / imRECIST have
# no reappearance rule: 18 mm is +3 mm vs nadir 15 (not PD), -69.49% vs 59: PR. irRC: TB 178, 158 with
# nodes normal: irCR; 165 + 70 = 235 is +48.73% vs 158: irPD.
R3 = """
-7 T1 t node y 25 18 18 p | T2 t node y 22 16 16 p | T3 t liver n 25 20 - p | NT1 nt node y - - 12 p
56 T1 t node y 12 9 9 p | T2 t node y 10 7 7 p | T3 t liver n - - - a | NT1 nt node y - - 8 p
112 T1 t node y 11 8 8 p | T2 t node y 10 7 7 p | T3 t liver n - - - a | NT1 nt node y - - 7 p
168 T1 t node y 15 11 11 p | T2 t node y 10 7 7 p | T3 t liver n - - - a | NT1 nt node y - - 7 p
"""
R3_CALLS = by_criterion("CR CR PD", "irCR irCR irPD", "irCR irCR irPR", "iCR iCR iUPD", "CR CR PR")


@pytest.mark.parametrize("form", ["study_day", "partial_date", "dm_rfstdtc"])
def test_sdtm_folder_gives_the_calls_of_the_lesion_table(tmp_path, form):
    """README "CDISC SDTM" / io.sdtm: TU roles (TARGET, NON-TARGET, NEW), TULOC "LYMPH NODE" (short axis
    from LPERP), TUMSTATE of non-targets, SDTM study day (day 1 = first dose; 57 -> day 56), a partial
    TRDTC with TRDY, or TRDTC with DM.RFSTDTC: the calls of the same history as a lesion table."""
    rows = history("S1", J1) + history("S2", R4) + history("S3", R3)
    table = assess(frame(rows))
    assert calls(table, "S1") == J1_CALLS and best(table, "S1") == J1_BEST
    assert calls(table, "S2") == R4_CALLS and calls(table, "S3") == R3_CALLS
    folder = sdtm(tmp_path / "sdtm", rows, "2021-03-01", study_day=form != "dm_rfstdtc",
                  partial=84 if form == "partial_date" else None)
    folder_result = assess(folder)
    assert_same(table, folder_result, drop=("reason", "date"))
    notes = r"; (date 2021-05 partial: imputed 2021-05-24 \(treatment start \+ TRDY\)|TRSTAT NOT DONE: .*)$"
    reasons = folder_result.timepoints["reason"].str.replace(notes, "", regex=True)
    assert list(reasons) == list(table.timepoints["reason"])
    assert calls(folder_result, "S1", column="date")["irrc"] == "2021-04-26 2021-05-24 2021-06-21"


# M2 of the spec (5.10) with perpendiculars: T1 liver, T2 lung; NT1 bone unequivocal progression; N1 new
# liver 12 then 20 mm (measurable), N2 new lung 6x5 (non-measurable for the RECIST family, 5x5 for irRC).
# RECIST 1.1: PD (non-target and new lesions). imRECIST: 57 (-5.00%), 62 (+5 mm, +8.77% vs 57): SD, SD.
# iRECIST: iUPD (NT, NL; NLT 12), day 112: NLT 20 = +8 mm: iCPD. irRECIST: NT unequivocal progression is
# irPD (3.5 default), again on day 112: confirmed. irRC: TB0 1500; 960 (-36.00%), 1030 (+7.29%): irSD.
M2 = """
-7 T1 t liver n 40 30 - p | T2 t lung n 20 15 - p | NT1 nt bone n - - - p
56 T1 t liver n 30 22 - p | T2 t lung n 15 10 - p | NT1 nt bone n - - - up
56 N1 new liver n 12 10 - p | N2 new lung n 6 5 - p
112 T1 t liver n 28 20 - p | T2 t lung n 14 10 - p | NT1 nt bone n - - - up
112 N1 new liver n 20 15 - p | N2 new lung n 6 5 - p
"""
M2_CALLS = by_criterion("PD PD", "irSD irSD", "irPD irPD", "iUPD iCPD", "SD SD")
M2_BEST = by_criterion("PD", "irSD", "irPD", "iCPD", "SD")


def test_sdtm_evaluators_are_readers_with_their_own_lesions(tmp_path):
    """README "CDISC SDTM": each evaluator (TREVAL / TUEVAL) is assessed separately; a TULNKID means the
    lesion of that evaluator (T2 is a node for one reader, a lung lesion for the other); the calls are
    those of the lesion table with a ``reader`` column, and each reader's are the hand-worked J1 / M2."""
    rows = history("S1", J1, "RADIOLOGIST 1") + history("S1", M2, "RADIOLOGIST 2")
    table = assess(frame(rows))
    assert calls(table, "S1", "RADIOLOGIST 1") == J1_CALLS and best(table, "S1", "RADIOLOGIST 1") == J1_BEST
    assert calls(table, "S1", "RADIOLOGIST 2") == M2_CALLS and best(table, "S1", "RADIOLOGIST 2") == M2_BEST
    folder_result = assess(sdtm(tmp_path / "sdtm", rows, "2021-03-01"))
    assert_same(table, folder_result, drop=("date",))


# -- Row order ----------------------------------------------------------------------------------------
# Caps on new measurable lesions with ties (5.4 / 3.4: 2 per organ, "larger value first, then lesion_id";
# 4.4 for iRECIST NLT): Na, Nb and Nc are all 12 mm on day 56, so Na and Nb are counted and Nc is over
# the cap whatever the row order. imRECIST / irRECIST: 30+12+12 = 54 (+4 mm vs 50: SD); day 112:
# 28+12+12 = 52: SD (counting Nc 30 instead would be 70, PD). irRC counts all three (5 per organ):
# TB0 2000; 720+360 = 1080 (-46.00%): irSD; 616+240+750 = 1606 (+48.70% vs 1080): irPD.
# iRECIST: iUPD (NL, NLT 24); day 112 the NLNT Nc grew (12 -> 30): iCPD.
CAP = """
-7 T1 t lung n 50 40 - p
56 T1 t lung n 30 24 - p | Nb new liver n 12 10 - p | Na new liver n 12 10 - p | Nc new liver n 12 10 - p
112 T1 t lung n 28 22 - p | Nc new liver n 30 25 - p | Na new liver n 12 10 - p | Nb new liver n 12 10 - p
"""
CAP_CALLS = by_criterion("PD PD", "irSD irPD", "irSD irSD", "iUPD iCPD", "SD SD")
# R7 of the spec (1.10): T1 split into fragments 12 + 9 (irRC 96 + 54), T2 too small (5 mm, 25 mm2): 26 mm
# (-38.10%): PR; 8: PR; all absent: CR, CR (irRC TB0 720 -> 175, 48: irPR; 0: irCR).
R7 = """
-7 T1 t liver n 30 20 - p | T2 t lung n 12 10 - p
56 T1 t liver n 12 8 - p | T1 t liver n 9 6 - p | T2 t lung n - - - ts
112 T1 t liver n 8 6 - p | T2 t lung n - - - a
168 T1 t liver n - - - a | T2 t lung n - - - a
196 T1 t liver n - - - a | T2 t lung n - - - a
"""
R7_CALLS = by_criterion("PR PR CR CR", "irPR irPR irCR irCR", "irPR irPR irCR irCR", "iPR iPR iCR iCR",
                        "PR PR CR CR")


def cohort() -> pd.DataFrame:
    return pd.concat([windows(), readers(), frame(history("S1", J1), history("CAP", CAP), history("R7", R7))],
                     ignore_index=True)


@pytest.mark.parametrize("order", ["shuffled", "reversed"])
def test_row_order_changes_no_call_and_no_reason(order):
    """0.2: an assessment is the rows sharing (patient_id, day), processed in day order; 0.9: output sorted
    by patient, reader and day. Interleaved patients, days out of order and lesions in any order give
    the same tables, cell for cell (reasons included); the tie-broken caps of 3.4 / 5.4 do not move."""
    table = cohort()
    sorted_result = assess(table, confirm_response=True)
    assert calls(sorted_result, "CAP") == CAP_CALLS and calls(sorted_result, "R7") == R7_CALLS
    positions = np.random.default_rng(7).permutation(len(table)) if order == "shuffled" else \
        np.arange(len(table))[::-1]
    moved = table.iloc[positions].reset_index(drop=True)
    assert not moved["day"].astype(int).groupby(moved["patient_id"]).is_monotonic_increasing.all()
    if order == "reversed":  # columns in another order, headers in another spelling (README)
        moved = moved[moved.columns[::-1]].rename(columns={"patient_id": "Patient_ID",
                                                           "long_axis_mm": "Long Axis mm"})
    moved_result = assess(moved, confirm_response=True)
    assert_same(sorted_result, moved_result)
    assert calls(moved_result, "E27") == E27 and calls(moved_result, "P1", "R1") == R1_CALLS
    assert calls(moved_result, "CAP") == CAP_CALLS and calls(moved_result, "S1") == J1_CALLS
    assert calls(moved_result, "R7") == R7_CALLS


# -- Ids that look like numbers (README: text columns stay text) --------------------------------------
# 007: 50 -> 48 (-4.00%): SD. 7: 50x40 -> 61x50 (+11 mm, +22.00%; TB +52.50%): PD. 7 read by reader "NA":
# 50x40 -> 30x20 (-40.00%; TB -70.00%): PR.
IDS = (history("007", S_ROWS.format(d=56)) + history("7", S_ROWS.format(d=56).replace("48 40", "61 50"))
       + history("7", S_ROWS.format(d=56).replace("48 40", "30 20"), "NA"))
IDS_SUBJECTS = {("007", SOLE), ("7", SOLE), ("7", "NA")}
IDS_BEST = {("007", SOLE): S_CALLS, ("7", SOLE): by_criterion("PD", "irPD", "irPD", "iUPD", "PD"),
            ("7", "NA"): by_criterion("PR", "irPR", "irPR", "iPR", "PR")}


def assert_ids(result) -> None:
    subjects = set(zip(result.best_response["patient_id"], result.best_response["reader"], strict=True))
    assert subjects == IDS_SUBJECTS
    for (patient, reader), expected in IDS_BEST.items():
        assert best(result, patient, reader) == expected


def test_patient_ids_and_readers_stay_text_through_csv_files(tmp_path):
    """0.1 / README: patient_id and reader are text: "007" and "7" are two patients (each joined to its
    own treatment_start in a CSV patient table), readers R0 and "NA" two subjects of patient 7."""
    table, patients = dated(frame(IDS), {"007": "2021-01-01", "7": "2021-02-01"})
    table.to_csv(tmp_path / "lesions.csv", index=False)
    patients.to_csv(tmp_path / "patients.csv", index=False)
    assert "\n007," in (tmp_path / "lesions.csv").read_text()
    result = assess(tmp_path / "lesions.csv", patients=tmp_path / "patients.csv")
    assert_ids(result)
    assert set(result.timepoints["day"]) == {56}
    assert_same(assess(frame(IDS)), result, drop=("date",))


def test_excel_workbook_keeps_the_text_ids_of_the_csv(tmp_path):
    """README "Excel": the same cells as a workbook give the subjects of the CSV file: reader "NA" is a
    name, not a missing value (the CSV keeps it, test above)."""
    frame(IDS).to_excel(tmp_path / "lesions.xlsx", index=False)
    assert_ids(assess(tmp_path / "lesions.xlsx"))
