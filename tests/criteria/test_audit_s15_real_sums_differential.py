"""Audit s15 (h5): real-data differential audit of RECIST 1.1, irRECIST and imRECIST on per-patient sums.

Audited against spec/anatomic.md 0.1-0.9 (baseline = latest day <= 0, 0.3/0.4 status values and the
``too_small`` default of 5 mm, 0.5 nadir / rounding / R = 0, 0.7 confirmation of response, 0.8
confirmation of progression, 0.9 output), 1.2 (baseline measurability), 1.4-1.7 (RECIST 1.1 thresholds,
nadir, CR, min SD duration, best overall response with and without confirmation, progression day), 1.8.1
(reappearance after CR), 3.4-3.7 (irRECIST) and 5.4-5.7 (imRECIST) as far as they apply to a sum-only input
(README "sum-only tables": no non-target and no new-lesion information, so non-target is "none" and no new
lesion exists), patterns.md 7 (ORR) on INSPIRE.

Method. ``_recist`` and ``_immune`` below are an independent reference written from the spec text only
(before the criteria code was read). They are run, with the package, on EVERY patient of the Laleh 2022
set (../shared/data/laleh2022_atezolizumab, all five studies, 1,460 patients with a baseline row, loaded by
the documented path: ``column_map`` patient/value_raw, ``patient_key=("study", "patient_id")``,
``on_invalid="exclude"``) and on the INSPIRE % changes rebuilt with ``read_pct_change(time_unit="weeks")``.

Findings on the real data:
- RECIST 1.1, irRECIST and imRECIST: every timepoint ``overall_response`` and every ``best_response`` /
  ``best_response_confirmed`` / ``progression_day`` agree for all 1,460 patients once the loader keeps every
  row (``validation="warn"``). With the default validation the only differences are three patients
  (Study3:1387807231132253952, Study3:7697449015664537600, Study4:6177166190572933120) whose follow-ups
  written as 3.3 after 33, 9.8 after 74, 6.9 after 70 ... are excluded by the loader as centimetres
  (README, documented); that is input validation, not a criterion rule.
- INSPIRE: package and reference agree on every timepoint of the 74 patients; the recorded ``orr`` of
  pembrolizumab.csv (CR/PR vs SD/PD) agrees with the computed best response for 74/74 patients; the
  recorded ``cbr`` (CR/PR/SD >= cycle 6) differs by definition (SD >= cycle 6 vs SD >= 42 days, and
  recorded calls that include non-target / new-lesion progression): 25 recorded "PD/SD<C6" are computed SD,
  no recorded "SD>=C6" is computed PD. No package error there.
- Proven differences (hand-made patients, strict xfail): a sum-only baseline that is NOT EVALUABLE or
  empty is read as a baseline sum of 0 mm under RECIST 1.1, irRECIST and imRECIST (any later sum >= 5 mm is
  PD against "nadir 0"; criteria/recist11.py _baseline_checks and _anatomic.unmeasured_baseline_targets
  exempt the sum pseudo-lesion, and _timepoints takes the incomplete baseline total as B); a
  sum-only baseline "TOO SMALL TO MEASURE" or below 10 mm is accepted without the InputError that spec 1.2
  and 1.11-A1 (default ``on_baseline_violation = "error"``) require and that the lesion-table path raises.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pandas as pd
import pytest

import ioresponse
from ioresponse.io.pct_change import read_pct_change
from ioresponse.schema import InputError

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
LALEH = SHARED / "laleh2022_atezolizumab" / "laleh2022_tidy.csv"
INSPIRE = SHARED / "inspire_pembrolizumab"
COLUMN_MAP = {"patient": "patient_id", "value_raw": "target_sum_mm"}

needs_data = pytest.mark.skipif(not (LALEH.exists() and INSPIRE.exists()), reason="shared data not present")

# --------------------------------------------------------------------------------------------------------
# Independent reference (spec text only)
# --------------------------------------------------------------------------------------------------------

TOO_SMALL_MM = 5.0  # spec 0.4 TOO_SMALL_DEFAULT_MM


def _rnd(x: float) -> float:
    return round(x, 6)  # spec 0.5: rel and abs rounded to 6 decimals before threshold tests


def _value(raw):
    """Sum-only cell -> mm, or None (not evaluable). README: NOT EVALUABLE / empty -> NE; TOO SMALL -> 0.4."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    text = str(raw).strip()
    if text == "TOO SMALL TO MEASURE":
        return TOO_SMALL_MM
    if text in ("", "NOT EVALUABLE"):
        return None
    return float(text)


def _pd_test(s: float, nadir: float) -> bool:
    # spec 1.4 step 3 and 0.5: rel >= 0.20 and abs >= 5 mm; nadir 0: every S > 0 meets the relative test
    rel = (math.inf if s > 0 else 0.0) if nadir == 0 else _rnd((s - nadir) / nadir)
    return rel >= 0.20 and _rnd(s - nadir) >= 5.0


def _confirmed(rows, i, kind, prog, cmin=28, max_ne=1):
    """spec 0.7 for the CR or PR at index i of rows [(day, response)]."""
    d0 = rows[i][0]
    between = {"CR": {"CR", "NE"}, "PR": {"PR", "CR", "NE"}}[kind]
    confirming = {"CR": {"CR"}, "PR": {"PR", "CR"}}[kind]
    ne = 0
    for dj, rj in rows[i + 1:]:
        if prog is not None and d0 < prog <= dj:
            return False
        if rj in confirming and dj - d0 >= cmin:
            return True
        if rj not in between:
            return False
        ne += rj == "NE"
        if ne > max_ne:
            return False
    return False


def _best(rows, prog, *, confirm, min_sd=42):
    """spec 1.7 best_response (confirm=False) / best_response_confirmed (confirm=True)."""
    if confirm:
        rows = list(rows)
        for i, (day, resp) in enumerate(rows):  # spec 0.7: CR whose next evaluable is PR is read as PR
            nxt = next((r for _, r in rows[i + 1:] if r != "NE"), None)
            if resp == "CR" and nxt == "PR":
                rows[i] = (day, "PR")
        for kind in ("CR", "PR"):
            if any(r == kind and _confirmed(rows, i, kind, prog) for i, (_, r) in enumerate(rows)):
                return kind
        if any(r in ("CR", "PR", "SD") and d >= min_sd for d, r in rows):
            return "SD"
    else:
        for kind in ("CR", "PR"):
            if any(r == kind for _, r in rows):
                return kind
        if any(r == "SD" and d >= min_sd for d, r in rows):
            return "SD"
    return "PD" if any(r == "PD" for _, r in rows) else "NE"


def _recist(visits):
    """RECIST 1.1 on one patient's sums [(day, mm or None)]: (timepoints, best, best_confirmed, prog_day)."""
    visits = sorted(visits)
    base = [v for d, v in visits if d <= 0]
    if not base:
        return None
    b = base[-1]  # spec 0.2: latest assessment with day <= 0
    complete, tps, last_evaluable = [b], [], None
    for day, s in [(d, v) for d, v in visits if d > 0]:
        if s is None:
            resp = "NE"  # spec 1.4 step 1: a single pseudo-lesion, nothing is known
        else:
            nadir = min(complete)  # spec 0.5: complete sums strictly before t, baseline included
            if s == 0:
                resp = "CR"  # spec 1.4 step 2 (no node information in a sum: only a sum of 0 is CR)
            elif _pd_test(s, nadir) or last_evaluable == "CR":
                resp = "PD"  # spec 1.4 step 3, or 1.8.1 reappearance (non-nodal value > 0 after overall CR)
            elif _rnd((s - b) / b) <= -0.30:
                resp = "PR"
            else:
                resp = "SD"
            complete.append(s)
            last_evaluable = resp
        tps.append((day, resp))
    prog = next((d for d, r in tps if r == "PD"), None)
    scope = [(d, r) for d, r in tps if prog is None or d <= prog]  # spec 1.7 scope
    return tps, _best(scope, prog, confirm=False), _best(scope, prog, confirm=True), prog


def _immune(visits, *, scope):
    """irRECIST (scope "until_confirmed_pd", 3.7) / imRECIST (scope "all", 5.7) on sums, no NT / new."""
    visits = sorted(visits)
    b = [v for d, v in visits if d <= 0][-1]
    complete, tps = [b], []
    for day, s in [(d, v) for d, v in visits if d > 0]:
        if s is None:
            resp = "NE"
        else:
            nadir = min(complete)
            if s == 0:
                resp = "CR"  # gone, non-target none, no new lesion (3.6 row 5, 5.6 row 3)
            elif _pd_test(s, nadir):
                resp = "PD"  # no reappearance-after-CR rule (3.4, 5.4)
            elif _rnd((s - b) / b) <= -0.30:
                resp = "PR"
            else:
                resp = "SD"
            complete.append(s)
        tps.append([day, resp, ""])
    prog, i = None, 0
    while i < len(tps):  # spec 0.8
        if tps[i][1] != "PD":
            i += 1
            continue
        j = next((k for k in range(i + 1, len(tps))
                  if tps[k][1] != "NE" and tps[k][0] - tps[i][0] >= 28), None)
        if j is None:
            break  # pending at the end of data: counts as PD for best response (unconfirmed_pd_as="pd")
        if tps[j][1] == "PD":
            prog = tps[i][0]
            break
        for k in range(i, j):
            if tps[k][1] == "PD":
                tps[k][2] = "not_confirmed"
        i = j + 1
    rows = [(d, r) for d, r, state in tps if state != "not_confirmed"]
    if scope != "all" and prog is not None:
        rows = [(d, r) for d, r in rows if d <= prog]
    return ([(d, r) for d, r, _ in tps], _best(rows, prog, confirm=False),
            _best(rows, prog, confirm=True), prog)


# --------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------


def _sums(vals, patient="P"):
    return pd.DataFrame({"patient_id": patient, "day": [d for d, _ in vals],
                         "target_sum_mm": [v for _, v in vals]})


def _assess(vals, criterion="recist11", **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(_sums(vals), criteria=(criterion,), **options)


def _timeline(result):
    tp = result.timepoints
    return list(zip(tp["day"].astype(int), tp["overall_response"], strict=True))


def _bor(result):
    row = result.best_response.iloc[0]
    prog = None if pd.isna(row["progression_day"]) else int(row["progression_day"])
    return row["best_response"], row["best_response_confirmed"], prog


def _strip(label: str) -> str:
    return label[2:] if label.startswith("ir") else label


def _package_vs_reference(result, criterion, raw_by_patient, reference):
    tp = result.timepoints[result.timepoints["criterion"] == criterion]
    br = result.best_response[result.best_response["criterion"] == criterion]
    timelines: dict[str, list] = {}
    labels = [_strip(x) for x in tp["overall_response"]]
    for pid, day, label in zip(tp["patient_id"], tp["day"].astype(int), labels, strict=True):
        timelines.setdefault(pid, []).append((day, label))
    best = {pid: (_strip(b), _strip(c), None if pd.isna(p) else int(p)) for pid, b, c, p in zip(
        br["patient_id"], br["best_response"], br["best_response_confirmed"], br["progression_day"],
        strict=True)}
    differences = {}
    for pid, visits in raw_by_patient.items():
        expected = reference(visits)
        if expected is None:
            continue
        got = (timelines.get(pid, []), *best[pid])
        if got != tuple(expected):
            differences[pid] = (expected, got)
    return differences


# --------------------------------------------------------------------------------------------------------
# Full-data comparisons (Laleh 2022, INSPIRE)
# --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def laleh_raw():
    raw = pd.read_csv(LALEH, dtype=str, keep_default_na=False)
    raw["pid"] = raw["study"] + ":" + raw["patient"]
    raw = raw[raw["day"] != ""]  # PROVENANCE: one Study5 row without a day (the loader reports it)
    raw = raw.drop_duplicates(["pid", "day", "value_raw"])  # identical duplicates: one kept
    raw = raw[~raw.duplicated(["pid", "day"], keep=False)]  # Study5 12 / 41 mm pair: both unusable
    return {pid: [(int(d), _value(x)) for d, x in zip(g["day"], g["value_raw"], strict=True)]
            for pid, g in raw.groupby("pid")}


@pytest.fixture(scope="module")
def laleh_result():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(LALEH, criteria=("recist11", "irrecist", "imrecist"), column_map=COLUMN_MAP,
                                 patient_key=("study", "patient_id"), on_invalid="exclude", validation="warn")


@needs_data
def test_laleh_every_patient_recist11_irrecist_imrecist_match_the_reference(laleh_raw, laleh_result):
    # 1,460 patients with a baseline row (PROVENANCE.md: 76 + 164 + 382 + 696 + 142).
    assert sum(1 for visits in laleh_raw.values() if any(d <= 0 for d, _ in visits)) == 1460
    assert laleh_result.best_response.groupby("criterion")["patient_id"].nunique().to_dict() == {
        "recist11": 1460, "irrecist": 1460, "imrecist": 1460}
    references = {"recist11": _recist,
                  "irrecist": lambda v: None if not any(d <= 0 for d, _ in v) else _immune(v, scope="x"),
                  "imrecist": lambda v: None if not any(d <= 0 for d, _ in v) else _immune(v, scope="all")}
    for criterion, reference in references.items():
        differences = _package_vs_reference(laleh_result, criterion, laleh_raw, reference)
        assert differences == {}, (criterion, list(differences.items())[:3])


@needs_data
def test_inspire_every_patient_matches_the_reference_and_the_recorded_orr(tmp_path):
    changes = pd.read_csv(INSPIRE / "ctDNA.csv")
    recorded = pd.read_csv(INSPIRE / "pembrolizumab.csv").set_index("id")
    table = changes.merge(recorded[["l_size"]], left_on="id", right_index=True, how="left").rename(
        columns={"id": "patient_id", "time": "day", "size_change": "pct_change",
                 "l_size": "baseline_size_mm"})
    path = tmp_path / "inspire_pct.csv"
    table[["patient_id", "day", "pct_change", "baseline_size_mm"]].to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sums = read_pct_change(path, time_unit="weeks")  # README: times in weeks
        result = ioresponse.assess(sums.drop(columns="note"), criteria=("recist11",))
    # Reference rebuild (pct_change.py docstring / README): sum = l_size x (1 + pct / 100), baseline on day 0,
    # weeks -> round(7 x weeks) days, empty change -> not evaluable.
    visits = {}
    for pid, g in table.groupby("patient_id"):
        size = float(g["baseline_size_mm"].iloc[0])
        visits[pid] = [(0, size)] + [
            (round(7 * w), None if math.isnan(p) else round(size * (1 + p / 100), 6))
            for w, p in zip(g["day"], g["pct_change"], strict=True)]
    assert len(visits) == 74  # PROVENANCE: ctDNA.csv 74 patients
    assert _package_vs_reference(result, "recist11", visits, _recist) == {}
    # Recorded orr (CR/PR vs SD/PD; recorded calls also saw non-target and new lesions): counts only.
    best = result.best_response.set_index("patient_id")["best_response"]
    computed = best.isin(["CR", "PR"]).map({True: "CR/PR", False: "SD/PD"})
    agree = int((computed == recorded.loc[computed.index, "orr"]).sum())
    print(f"\nINSPIRE: computed RECIST 1.1 ORR agrees with recorded orr for {agree}/74 patients")
    assert agree == 74


# --------------------------------------------------------------------------------------------------------
# Regression tests: real cases checked by hand (raw values quoted)
# --------------------------------------------------------------------------------------------------------


def test_real_pr_boundary_exactly_minus_30_percent_spec_1_4_and_0_5():
    # Laleh Study3:1787590169110834944 raw: -1:10, 40:8, 82:8, 124:7, 166:7, 208:8.
    # 8 vs 10 = -20.00 % SD; 7 vs 10 = -30.00 % (<= -30 %): PR; 208: 8 = -20 % vs B, +1 mm vs nadir 7: SD.
    result = _assess([(-1, "10"), (40, "8"), (82, "8"), (124, "7"), (166, "7"), (208, "8")])
    assert _timeline(result) == [(40, "SD"), (82, "SD"), (124, "PR"), (166, "PR"), (208, "SD")]
    # PR 124 confirmed by PR 166 (42 days >= 28): PR both ways; no PD.
    assert _bor(result) == ("PR", "PR", None)


def test_real_pd_boundary_exactly_20_percent_and_5_mm_spec_1_4_step_3():
    # Laleh Study1:3601742235057902080 raw: -8:28, 36:27, 77:26, 126:25, 172:28, 233:30.
    # 172: 28 vs nadir 25 = +12 %, +3 mm: SD; 233: 30 vs nadir 25 = +20.00 % and +5 mm (both >=): PD.
    result = _assess([(-8, "28"), (36, "27"), (77, "26"), (126, "25"), (172, "28"), (233, "30")])
    assert _timeline(result) == [(36, "SD"), (77, "SD"), (126, "SD"), (172, "SD"), (233, "PD")]
    assert _bor(result) == ("SD", "SD", 233)  # SD on day 77 >= 42 (spec 1.7); progression day 233


def test_real_relative_but_not_absolute_increase_is_sd_spec_1_4_and_r2():
    # Laleh Study1:4066194189192838144 raw (the same id also exists in Study3: patient_key needed):
    # -5:11, 42:15, 78:16. Day 42: +36.36 % but +4 mm (< 5): SD, and 42 >= min_sd_days 42;
    # day 78: 16 vs nadir 11 = +45.45 %, +5 mm: PD.
    result = _assess([(-5, "11"), (42, "15"), (78, "16")])
    assert _timeline(result) == [(42, "SD"), (78, "PD")]
    assert _bor(result) == ("SD", "SD", 78)  # SD exactly on day 42 counts (day >= min_sd_days)


def test_real_too_small_after_cr_is_reappearance_pd_spec_0_4_and_1_8_1():
    # Laleh Study2:-7047721075453393920 raw: -20:14, 41:11, 83:5, 125:TOO SMALL, 164:TOO SMALL, 206:0,
    # 248:TOO SMALL. 41: -21.43 % SD; 83: 5 = -64.29 % PR; 125/164: too small = 5 mm (0.4), PR;
    # 206: 0 -> CR; 248: too small = 5 mm after an overall CR -> PD (1.8.1; also +5 mm over nadir 0).
    result = _assess([(-20, "14"), (41, "11"), (83, "5"), (125, "TOO SMALL TO MEASURE"),
                      (164, "TOO SMALL TO MEASURE"), (206, "0"), (248, "TOO SMALL TO MEASURE")])
    assert _timeline(result) == [(41, "SD"), (83, "PR"), (125, "PR"), (164, "PR"), (206, "CR"), (248, "PD")]
    # best CR (206); confirmed: CR 206 has no CR >= 28 days later (248 is PD); PR 83 confirmed by 125: PR.
    assert _bor(result) == ("CR", "PR", 248)


def test_real_confirmed_cr_then_ne_then_regrowth_spec_0_7_and_1_8_1():
    # Laleh Study2:6453869916513055744 raw: -26:14, 42:8, 86:3, 125:3, 168:3, 210:4, 252:0, 294:0,
    # 378:NOT EVALUABLE, 462:0, 540:8. 42: -42.86 % PR; 252: CR, 294: CR (42 days: confirmed);
    # 378: NE; 462: CR; 540: 8 mm after CR (and +8 mm vs nadir 0): PD.
    result = _assess([(-26, "14"), (42, "8"), (86, "3"), (125, "3"), (168, "3"), (210, "4"), (252, "0"),
                      (294, "0"), (378, "NOT EVALUABLE"), (462, "0"), (540, "8")])
    assert _timeline(result)[-5:] == [(252, "CR"), (294, "CR"), (378, "NE"), (462, "CR"), (540, "PD")]
    assert _bor(result) == ("CR", "CR", 540)


def test_real_sd_before_min_duration_then_ne_is_ne_spec_1_7():
    # Laleh Study2:-8515282166362165248 raw: -8:34, 41:31, 57:NOT EVALUABLE. 41: -8.82 % SD but 41 < 42;
    # 57: NE. No SD at day >= 42, no PD: best NE (spec 1.7 rule 4).
    result = _assess([(-8, "34"), (41, "31"), (57, "NOT EVALUABLE")])
    assert _timeline(result) == [(41, "SD"), (57, "NE")]
    assert _bor(result) == ("NE", "NE", None)


def test_real_unconfirmed_progression_then_response_irrecist_imrecist_spec_0_8():
    # Laleh Study2:-7623763453598519296 raw: -5:140, 41:67, 83:50, 127:62, 167:42, 204:5, 251:4, 338:0.
    # 127: 62 vs nadir 50 = +24 %, +12 mm: PD. RECIST 1.1: progression day 127, best PR (41: -52.14 %).
    # irRECIST / imRECIST: the first evaluable assessment >= 28 days later (167: 42 = -70 % vs B) is not
    # PD -> not confirmed (0.8); 338: 0 -> CR; best CR, no progression day.
    vals = [(-5, "140"), (41, "67"), (83, "50"), (127, "62"), (167, "42"), (204, "5"), (251, "4"), (338, "0")]
    assert _bor(_assess(vals)) == ("PR", "PR", 127)  # PR 41 confirmed by PR 83 (42 days) before the PD
    for criterion, cr in (("irrecist", "irCR"), ("imrecist", "CR")):
        result = _assess(vals, criterion)
        states = dict(zip(result.timepoints["day"].astype(int), result.timepoints["confirmation_state"],
                          strict=True))
        assert states[127] == "not_confirmed"
        # CR at 338 has no later CR: best_response_confirmed is the PR 41 confirmed by 83 (0.7).
        assert _bor(result) == (cr, "irPR" if criterion == "irrecist" else "PR", None)


def test_real_confirmed_progression_imrecist_counts_sd_after_pd_irrecist_does_not_spec_3_7_5_7():
    # Laleh Study1:4583976144885798912 raw: -13:51, 41:65, 83:45. 41: +27.45 %, +14 mm vs 51: PD (pending);
    # 83 (42 days later): 45 vs N(83) = 51 is -11.76 %: not PD -> not confirmed (0.8). Hand-made variant
    # with a confirming scan: 83 -> 80 (+56.86 % vs 51): confirmed, progression day 41; then 130: 45 SD.
    vals = [(-13, "51"), (41, "65"), (83, "80"), (130, "45")]
    assert _bor(_assess(vals, "irrecist")) == ("irPD", "irPD", 41)  # scope ends at the confirmed PD (3.7)
    assert _bor(_assess(vals, "imrecist")) == ("SD", "SD", 41)  # bor_scope "all": SD 130 >= 42 counts (5.7)


def test_pct_change_rebuild_uses_baseline_size_for_the_5_mm_rule_spec_1_4():
    # A % change row of +25 % on a 16 mm baseline is 20 mm: +25 %, +4 mm (< 5): SD, not PD
    # (README: sums = baseline_size_mm x (1 + pct / 100)); on the nominal 100 mm baseline it is +25 mm: PD.
    table = pd.DataFrame({"patient_id": ["A", "B"], "day": [8, 8], "pct_change": [25.0, 25.0],
                          "baseline_size_mm": [16.0, float("nan")]})
    from ioresponse.io.pct_change import sums_from_pct_change

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sums = sums_from_pct_change(table, time_unit="weeks")  # 8 weeks = day 56
        result = ioresponse.assess(sums.drop(columns="note"), criteria=("recist11",))
    tp = result.timepoints.set_index("patient_id")
    assert tp.loc["A", "current_sum"] == 20.0 and tp.loc["A", "overall_response"] == "SD"
    assert tp.loc["B", "overall_response"] == "PD"
    assert int(tp.loc["A", "day"]) == 56


# --------------------------------------------------------------------------------------------------------
# Proven differences (strict xfail)
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("criterion", ["recist11", "irrecist", "imrecist"])
@pytest.mark.parametrize("baseline", ["NOT EVALUABLE", ""])
def test_sum_only_not_evaluable_baseline_is_not_a_zero_baseline_spec_0_4_0_5(baseline, criterion):
    # Baseline day -7 NOT EVALUABLE (the latest day <= 0, spec 0.2); day 56: 20 mm.
    try:
        result = _assess([(-7, baseline), (56, "20")], criterion)
    except InputError:
        return  # refusing the patient is spec-conformant (1.2, 1.11-A1 default "error"; 3.2, 5.2 as RECIST)
    tp = result.timepoints
    assert not (tp["baseline_sum"] == 0).any()  # the baseline was not measured: not 0 mm
    assert [_strip(x) for x in tp["overall_response"]] != ["PD"]  # no complete reference to progress from


@pytest.mark.parametrize("baseline", ["TOO SMALL TO MEASURE", "8"])
def test_sum_only_baseline_below_measurability_is_refused_spec_1_2_a1(baseline):
    # A target sum below 10 mm cannot come from measurable targets (each >= 10 mm, nodes >= 15 mm); a target
    # "too small to measure" at baseline is not measurable (1.2). Lesion-table equivalent raises InputError.
    with pytest.raises(InputError):
        _assess([(-7, baseline), (56, "20")])
