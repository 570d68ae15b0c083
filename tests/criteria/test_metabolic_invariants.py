"""Relations between the six metabolic criteria, and between forms of one input (spec/metabolic.md).

Seeded random valid PET histories (N = 480 patients, numpy default_rng): baseline on day -14..0, 2-6
follow-ups (the first on day 14-89, some in the PECRIT window 21-28), 1-3 baseline lesions (target or
non_target, organs drawn with repeats), multiplicative SULpeak/SUVmax/TLG/diameter walks, one patient in
six on exact thresholds (+15.5 %, +-30 %, +25 %, -15 %, -25 %), lesions resolved (status absent),
not_evaluable or missing rows, rare unequivocal progression, new lesions in 40 % of patients (1-4,
sometimes a second wave, some resolving later), per-scan uptake time and liver values that sometimes
fail the PERCIST quality checks, cycles sometimes missing, a RECIST 1.1 response per scan for PECRIT.
Every run goes through ``ioresponse.io.load.load_study`` and ``ioresponse.criteria.registry()[key]
.assess``; all options are the spec defaults unless stated.

Expected values come from the spec text (quoted in each test), applied to the generated inputs or to
another criterion's call; never from the tested criterion's own output.

Left out as ambiguous in the spec: iPERCIST calls after the first CPMD (9.5 rule 1 read literally
reopens an episode); iPERCIST triggers (a)/(b) against U when a scan of the pair fails the 5.4 checks;
responder when SCAN-2 is NE or an episode stays open (9.8); PERCIST PMD by a new lesion on a scan where a
baseline lesion has no value (5.7 third bullet has no "unless PMD by (c) or (d)"); EORTC PMD by
unequivocal progression on an otherwise NE scan (4.7 rescues only new lesions); EORTC CMR with a
resolved new lesion (4.5); EORTC "hottest baseline-present lesion" with non-targets (4.2 A2); a missing
row of a lesion that is not tracked / not selected (1.2 vs 4.7, 8.7); PERCIMT with a not_evaluable
baseline lesion (7.7) and its benefit with no evaluable follow-up (7.9); lesion ids renamed out of order
(1.4 "Tie-breaking only decides which id is reported" vs 8.7 "baseline-selected" and 5.5 (b) TLG of the
selected lesions); PECRIT under truncation (6.9 picks the scan from all follow-ups up to day 28);
imPERCIST vs PERCIST call agreement without new lesions (the spec states none).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ioresponse.criteria import registry
from ioresponse.io.load import load_study

SEED = 20240917
N = 480
ORGANS = ("lung", "liver", "lymph node", "bone", "adrenal")
RECIST = ("CR", "PR", "SD", "PD", "NE")
METABOLIC = ("eortc", "percist", "pecrit", "percimt", "impercist", "ipercist")
SERIAL = ("eortc", "percist", "percimt", "impercist", "ipercist")  # one call per follow-up
BOUNDARY = (1.155, 1.30, 0.70, 1.25, 0.85, 0.75, 1.0)
RANK = {"CMR": 4, "PMR": 3, "SMD": 2, "PMD": 1}
I_RANK = {"CMR": 5, "PMR": 4, "SMD": 3, "UPMD": 2, "CPMD": 1}
KEY = ["patient_id", "day"]
TP_COLUMNS = ["overall_response", "confirmation_state", "rel_change", "abs_change", "current_sum",
              "baseline_sum", "after_progression", "progression_day", "new_lesion_count", "qc_passed",
              "timing_flag", "clinical_benefit", "upmd_day", "percist_response"]
BEST_COLUMNS = ["best_response", "best_response_confirmed", "progression_day", "bor_day", "pfs_event",
                "pfs_day", "responder", "clinical_benefit"]


# --- random valid histories ---------------------------------------------------------------------------


def _history(rng: np.random.Generator, patient: str) -> list[dict]:
    base = -int(rng.integers(0, 15))
    first = int(rng.choice([rng.integers(14, 21), rng.integers(21, 29), rng.integers(29, 90)]))
    gaps = rng.integers(7, 64, int(rng.integers(1, 6)))
    days = [base, first, *(first + np.cumsum(gaps)).tolist()]
    liver0 = float(rng.choice([1.8, 2.0, 2.2]))
    scans = {}
    for k, day in enumerate(days):
        jump = 0.5 if k and rng.random() < 0.06 else 0.0
        liver = liver0 + float(rng.choice([-0.2, -0.1, 0.0, 0.1, 0.2])) + jump
        liver = liver0 if k == 0 else round(liver, 2)
        uptake = int(rng.choice([45, 52, 58, 60, 63, 68, 76], p=[.03, .1, .2, .3, .2, .12, .05]))
        scans[day] = {"uptake_min": 60 if k == 0 else uptake, "liver_sul_mean": liver, "liver_sul_sd": 0.25,
                      "cycles_before_scan": float(k) if k == 0 or rng.random() > 0.04 else np.nan,
                      "recist_response": str(rng.choice(RECIST, p=[.05, .2, .5, .2, .05]))}
    drift = float(rng.choice([-0.5, -0.25, -0.1, 0.0, 0.1, 0.3]))
    p_absent = 0.3 if drift <= -0.25 else 0.03
    # One patient in six sits on the thresholds: every lesion of a scan is its baseline value times one
    # of BOUNDARY (exact to 2 decimals), so rel is exactly -30 %, +15.5 %, +25 %, +30 % ...
    boundary = [float(rng.choice(BOUNDARY)) for _ in days] if rng.random() < 1 / 6 else None
    rows = []
    for i in range(int(rng.integers(1, 4))):
        role = "target" if rng.random() < 0.75 else "non_target"
        organ = str(rng.choice(ORGANS))
        peak, ratio = float(rng.uniform(2.5, 12.0)), float(rng.uniform(1.1, 1.6))
        if boundary:
            peak, ratio = float(rng.choice([4.0, 8.0, 10.0])), 1.5
        start = peak
        mtv, diameter, absent = float(rng.uniform(2, 30)), float(rng.uniform(10, 40)), False
        for k, day in enumerate(days):
            if k and boundary:
                peak = start * boundary[k]
            elif k:
                peak *= float(np.exp(rng.normal(drift / 2, 0.25)))
                mtv *= float(np.exp(rng.normal(drift / 2, 0.3)))
                diameter *= float(np.exp(rng.normal(drift / 4, 0.12)))
            row = {"patient_id": patient, "day": day, "lesion_id": f"L{i + 1}", "role": role, "organ": organ}
            u = rng.random()
            absent = k > 0 and ((absent and rng.random() < 0.85) or u < p_absent)
            if absent:
                row["status"] = "absent"
            elif k and u < p_absent + 0.03:
                row["status"] = "not_evaluable"
            elif k and u < p_absent + 0.05:
                continue  # the scan has no row for this baseline lesion (spec 1.2)
            else:
                noise = 1.0 if boundary else float(rng.uniform(0.95, 1.05))
                row |= {"status": "unequivocal_progression" if k and u > 0.99 else "present",
                        "sulpeak": round(peak, 2), "suvmax": round(peak * ratio * noise, 2),
                        "tlg": round(peak * mtv, 1), "functional_diameter_mm": round(diameter, 1)}
            rows.append(row | scans[day])
    if rng.random() < 0.4:
        waves = [int(rng.integers(1, len(days)))]
        if rng.random() < 0.3 and waves[0] < len(days) - 1:
            waves.append(int(rng.integers(waves[0] + 1, len(days))))
        count = 0
        for wave in waves:
            for _ in range(int(rng.integers(1, 5))):
                count += 1
                peak, organ = float(rng.uniform(1.0, 9.0)), str(rng.choice(ORGANS))
                diameter = float(rng.choice([10.0, 15.0, rng.uniform(5, 25)]))
                resolving = rng.random() < (0.6 if drift <= -0.25 else 0.2)
                resolves = int(rng.integers(wave + 1, len(days) + 1)) if resolving else len(days)
                for k in range(wave, len(days)):
                    peak *= float(np.exp(rng.normal(0.05, 0.15)))
                    row = {"patient_id": patient, "day": days[k], "lesion_id": f"N{count}", "role": "new",
                           "organ": organ, "status": "absent"}  # resolved, and stays so (9.6)
                    if k < resolves:
                        row |= {"status": "present", "sulpeak": round(peak, 2),
                                "suvmax": round(peak * 1.3, 2), "tlg": round(peak * 4.0, 1),
                                "functional_diameter_mm": round(diameter, 1)}
                    rows.append(row | scans[days[k]])
    return rows


def cohort(seed: int = SEED, n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame([row for p in range(n) for row in _history(rng, f"P{p:03d}")])


def assess(frame: pd.DataFrame, names=METABOLIC, patients=None, **options) -> dict:
    """{key: CriterionResult} through the public loader and registry; options go where accepted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(frame, patients=patients)
    results = {}
    for name in names:
        criterion = registry()[name]
        accepted = criterion.assess.__code__.co_varnames
        results[name] = criterion.assess(study, **{k: v for k, v in options.items() if k in accepted})
    return results


def indexed(result) -> pd.DataFrame:
    return result.timepoints.set_index(KEY).sort_index()


def scan_facts(frame: pd.DataFrame) -> pd.DataFrame:
    """Per follow-up scan, what the spec rules read off the input (not off any criterion)."""
    facts = []
    for patient, rows in frame.groupby("patient_id", sort=True):
        baseline_day = rows.loc[rows["day"] <= 0, "day"].max()
        baseline = rows[rows["day"] == baseline_day]
        ids = set(baseline["lesion_id"])
        first = baseline.iloc[0]
        threshold = round(1.5 * first["liver_sul_mean"] + 2 * first["liver_sul_sd"], 6)  # 5.3, 1.5
        measurable = baseline["sulpeak"].max() >= threshold
        for day, scan in rows[rows["day"] > baseline_day].groupby("day", sort=True):
            old = scan[scan["lesion_id"].isin(ids)]
            new = scan[(scan["role"] == "new") & (scan["status"] == "present")]
            new_rows = bool((scan["role"] == "new").any())
            liver = scan.iloc[0]
            change = liver["liver_sul_mean"] - first["liver_sul_mean"]
            rel_liver, abs_liver = round(change / first["liver_sul_mean"], 6), round(change, 6)
            qc = (50 <= liver["uptake_min"] <= 70 and abs(liver["uptake_min"] - first["uptake_min"]) <= 15
                  and abs(rel_liver) <= 0.20 and abs(abs_liver) < 0.3)  # 5.4
            flagged = set(old.loc[old["status"] == "unequivocal_progression", "lesion_id"])
            valued = old[(old["status"] != "absent") & old["sulpeak"].notna()]
            top5 = select_hottest(valued, 5, 2)
            facts.append({
                "patient_id": patient, "day": day, "baseline_day": baseline_day,
                "threshold": threshold, "measurable": bool(measurable), "qc": bool(qc),
                "all_target": bool((baseline["role"] == "target").all()),
                "complete": set(old["lesion_id"]) == ids and not (old["status"] == "not_evaluable").any(),
                "all_absent": set(old["lesion_id"]) == ids and (old["status"] == "absent").all(),
                "new": set(new["lesion_id"]), "new_rows": new_rows, "flagged": flagged,
                "cycles_ok": liver["cycles_before_scan"] >= 1,
                "hottest": valued["sulpeak"].max(), "tlg5": top5["tlg"].sum() if len(top5) else np.nan,
                "uptake": liver["uptake_min"], "liver": liver["liver_sul_mean"],
                "recist": liver["recist_response"],
            })
    return pd.DataFrame(facts).set_index(KEY).sort_index()


def select_hottest(lesions: pd.DataFrame, n: int, per_organ: int) -> pd.DataFrame:
    """1.4: sort by sulpeak descending then lesion_id; keep while fewer than per_organ of the organ."""
    kept, count = [], {}
    for index, row in lesions.sort_values(["sulpeak", "lesion_id"], ascending=[False, True]).iterrows():
        if len(kept) < n and count.get(row["organ"], 0) < per_organ:
            kept.append(index)
            count[row["organ"]] = count.get(row["organ"], 0) + 1
    return lesions.loc[kept]


@pytest.fixture(scope="module")
def data():
    frame = cohort()
    return frame, scan_facts(frame), assess(frame)


def same_calls(left: dict, right: dict, rename=None, days=None) -> None:
    """Timepoint and best-response rows of every criterion agree (after renaming patients back)."""
    for name in left:
        a, b = left[name].timepoints, right[name].timepoints
        if rename is not None:
            b = b.assign(patient_id=b["patient_id"].map(rename))
        if days is not None:
            a, b = (t[t.set_index(KEY).index.isin(days)] for t in (a, b))
        columns = [c for c in TP_COLUMNS if c in a.columns]
        a, b = (_plain(t, KEY, columns) for t in (a, b))
        pd.testing.assert_frame_equal(a, b, obj=f"{name} timepoints")
        a, b = left[name].best_response, right[name].best_response
        if rename is not None:
            b = b.assign(patient_id=b["patient_id"].map(rename))
        columns = [c for c in BEST_COLUMNS if c in a.columns]
        a, b = (_plain(t, ["patient_id"], columns) for t in (a, b))
        pd.testing.assert_frame_equal(a, b, obj=f"{name} best response")


def _plain(table: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """Values as text (True, 0.25, nan), so that equal calls compare equal whatever the column dtype."""
    table = table[keys + columns].copy()
    for column in columns:
        if table[column].dtype.kind in "iuf":
            table[column] = table[column].astype(float).round(9)  # sums in another order: last-bit noise
    table = table.astype(str)
    return table.sort_values(keys).reset_index(drop=True)


def test_the_histories_reach_every_branch(data):
    frame, facts, results = data
    calls = {name: set(results[name].timepoints["overall_response"]) for name in METABOLIC}
    for name in ("eortc", "percist", "percimt", "impercist"):
        assert calls[name] == {"CMR", "PMR", "SMD", "PMD", "NE"}, name
    assert calls["ipercist"] == {"CMR", "PMR", "SMD", "UPMD", "CPMD", "NE"}
    assert calls["pecrit"] == {"clinical_benefit", "no_clinical_benefit", "NE"}
    assert facts["all_absent"].sum() > 20 and (~facts["qc"]).sum() > 100 and (~facts["measurable"]).sum() > 30
    assert facts["new"].map(bool).sum() > 300 and facts["flagged"].map(bool).sum() > 5


# --- iPERCIST follows PERCIST ---------------------------------------------------------------------------


def _ipercist_expectations(percist: pd.DataFrame, ipercist: pd.DataFrame, facts: pd.DataFrame,
                           confirm_on_pmd: bool) -> list[str]:
    errors = []
    for patient, rows in ipercist.groupby(level="patient_id"):
        state, upmd_day = "none", None
        for (_, day), got in rows["overall_response"].items():
            p = percist.at[(patient, day), "overall_response"]
            where = f"{patient} day {day}: PERCIST {p}, iPERCIST {got}"
            if p != "PMD" and got != p:  # rules 1 and 2: a non-PMD PERCIST call is taken as it is
                errors.append(where)
            if p == "PMD" and got not in ("UPMD", "CPMD"):
                errors.append(where)
            if state == "done":
                continue  # after the first CPMD only the two lines above (rule 1 after CPMD: ambiguous)
            if state == "none" and p == "PMD":
                if got != "UPMD":
                    errors.append(where + " (no open episode: expected UPMD)")
                state, upmd_day = "open", day
            elif state == "open" and p in ("CMR", "PMR", "SMD"):
                state = "none"
            elif state == "open" and p == "PMD":
                at_u = facts.loc[(patient, upmd_day)]
                now = facts.loc[(patient, day)]
                since_u = bool((now["new"] - at_u["new"]) or (now["flagged"] - at_u["flagged"]))
                rise = _rise_since(at_u, now)
                if (confirm_on_pmd or since_u or rise) and got != "CPMD":
                    errors.append(where + f" (episode open since day {upmd_day}: expected CPMD)")
                if not confirm_on_pmd and not since_u and rise is False and got != "UPMD":
                    errors.append(where + f" (no trigger against day {upmd_day}: expected UPMD)")
                if got == "CPMD":
                    state = "done"
    return errors


def _rise_since(at_u: pd.Series, now: pd.Series) -> bool | None:
    """PERCIST triggers (a) and (b) of 5.5 with scan U as the reference (9.5 rule 2); None where the
    spec does not settle it: a value missing at U or C, H_U = 0, either scan failing the 5.4 checks against
    baseline or C against U, or no measurable baseline lesion (5.3: not quantitatively assessable)."""
    computable = (at_u["complete"] and now["complete"] and at_u["qc"] and now["qc"] and now["measurable"]
                  and at_u["hottest"] > 0
                  and 50 <= now["uptake"] <= 70 and abs(now["uptake"] - at_u["uptake"]) <= 15
                  and abs(round((now["liver"] - at_u["liver"]) / at_u["liver"], 6)) <= 0.20
                  and abs(round(now["liver"] - at_u["liver"], 6)) < 0.3)
    if not computable:
        return None
    h_u, h_c = at_u["hottest"], now["hottest"]
    increase = round((h_c - h_u) / h_u, 6) > 0.30 and round(h_c - h_u, 6) > 0.8
    extent = round(now["tlg5"] / at_u["tlg5"] - 1, 6) >= 0.75 and h_c >= h_u
    return bool(increase or extent)


def test_ipercist_follows_percist_and_its_state_machine(data):
    """9.5: "At each follow-up compute the PERCIST category against baseline (P_bl). 1. No open UPMD
    episode: if P_bl is PMD, the scan is UPMD ... Otherwise the category is P_bl (CMR, PMR, SMD or NE).
    2. Open episode: if P_bl is CMR, PMR or SMD: the category is P_bl ... if P_bl is NE: the category is
    NE ... if P_bl is PMD: ... (c) a new lesion at C that was not present at U; (d) an
    unequivocal_progression flag set at C on a lesion that was not so flagged at U. Any one: CPMD ...
    None: the scan stays UPMD", with (a) "hottest SULpeak at C versus hottest at U meets the PERCIST
    increase rule (rel > 0.30 and abs > 0.8)" and (b) "TLG extent rule versus U" (5.5: TLG of the up-to-5
    hottest, max 2 per organ, +75 % and no SULpeak decline). Checked up to and including the first CPMD;
    (a)/(b) only where both scans are complete and pass the 5.4 checks against baseline and against U."""
    _, facts, results = data
    errors = _ipercist_expectations(indexed(results["percist"]), indexed(results["ipercist"]), facts, False)
    assert not errors, f"{len(errors)} scans, e.g. {errors[:5]}"


def test_ipercist_with_baseline_confirmation_is_a_function_of_percist(data):
    """9.5 rule 2, last bullet: "Option ipercist_confirm_reference = "baseline": a scan with P_bl = PMD
    inside an open episode is CPMD directly." So up to the first CPMD the iPERCIST calls follow from the
    PERCIST calls alone."""
    frame, facts, results = data
    ipercist = assess(frame, ["ipercist"], ipercist_confirm_reference="baseline")["ipercist"]
    errors = _ipercist_expectations(indexed(results["percist"]), indexed(ipercist), facts, True)
    assert not errors, f"{len(errors)} scans, e.g. {errors[:5]}"


def _confirmation_errors(results: dict) -> list[str]:
    errors = []
    for name in results:
        if name != "ipercist" and (results[name].timepoints["confirmation_state"] != "not_required").any():
            errors.append(f"{name}: confirmation_state other than not_required")
    responder = results["ipercist"].best_response.set_index("patient_id")["responder"]
    for patient, rows in results["ipercist"].timepoints.sort_values(KEY).groupby("patient_id"):
        calls, states = rows["overall_response"].tolist(), rows["confirmation_state"].tolist()
        upmd, reset, expected = None, False, {}
        for i, call in enumerate(calls):
            if upmd is None and call == "UPMD":
                upmd = i
            elif upmd is not None and call in ("CMR", "PMR", "SMD"):
                expected[upmd], upmd, reset = "not_confirmed", None, True
            elif call == "CPMD":
                expected[upmd], expected[i], upmd = "confirmed", "confirms", None
                break
        if upmd is not None:
            expected[upmd] = "pending"
        got = {i: states[i] for i in expected}
        if got != expected:
            errors.append(f"{patient} {calls}: states {states}, expected {expected} at those rows")
        if (calls[0] in ("CMR", "PMR", "SMD") or reset) and str(responder[patient]) != "True":
            errors.append(f"{patient} {calls}: responder {responder[patient]}, expected True")
        confirmed_first = calls[0] == "UPMD" and "CPMD" in calls and not reset
        if confirmed_first and str(responder[patient]) != "False":
            errors.append(f"{patient} {calls}: responder {responder[patient]}, expected False")
    return errors


def test_confirmation_state_and_responder(data):
    """1.6 "confirmation_state ...: not_required except for iPERCIST, whose UPMD scan is pending while its
    episode is open and becomes confirmed or not_confirmed when the episode closes, the CPMD scan being
    marked confirms"; 9.5 rule 4 "an episode still open at the patient's last scan stays UPMD
    (unconfirmed)"; 9.8 "responder (Goldfarb): CMR, PMR or SMD at SCAN-2 (first follow-up) or at the scan
    that closed a UPMD episode". Checked on the UPMD scan that opens each episode, up to the first CPMD;
    responder only where the rule decides (a first follow-up UPMD confirmed without reset is not one)."""
    _, _, results = data
    errors = _confirmation_errors(results)
    assert not errors, f"{len(errors)} patients, e.g. {errors[:5]}"


# --- new lesions, quality checks, measurability across the family --------------------------------------


def test_new_lesion_quality_and_measurability_relations(data):
    """4.6 "Any new FDG-avid lesion judged metastatic (role = new) gives PMD"; 4.7 "A new lesion still
    gives PMD on a scan that is otherwise NE." 5.5 "Evaluation order: quality checks (NE, except that (c)
    new lesion and (d) unequivocal progression still give PMD on a scan that failed them)"; 5.7 "baseline
    hottest lesion below T ...: NE ... unless PMD by (c) or (d)". 8.3 "If none is measurable, every
    follow-up is NE (new lesions do not make PMD in imPERCIST)"; 8.7 "PERCIST quality checks fail ... Note
    that, unlike PERCIST, a new lesion does not rescue a failed scan into PMD". 7.6 new lesions "are the
    only route to PMD" (PERCIMT), so PERCIMT PMD implies EORTC and PERCIST PMD (12: "New lesion alone")."""
    _, facts, results = data
    call = {name: indexed(results[name])["overall_response"] for name in SERIAL}
    errors = []
    for key, f in facts.iterrows():
        c = {name: call[name][key] for name in SERIAL}
        progression = bool(f["new"] or f["flagged"])
        if f["new"] and c["eortc"] != "PMD":
            errors.append(f"{key}: new lesion, EORTC {c['eortc']}")
        if f["complete"] and progression and c["percist"] != "PMD":
            errors.append(f"{key}: new lesion or unequivocal flag, PERCIST {c['percist']}")
        if (not f["qc"] or not f["measurable"]) and not progression and c["percist"] != "NE":
            errors.append(f"{key}: QC {f['qc']}, measurable {f['measurable']}, PERCIST {c['percist']}")
        if (not f["qc"] or not f["measurable"]) and c["impercist"] != "NE":
            errors.append(f"{key}: QC {f['qc']}, measurable {f['measurable']}, imPERCIST {c['impercist']}")
        if c["percimt"] == "PMD" and (len(f["new"]) < 2 or c["eortc"] != "PMD"
                                      or (f["complete"] and c["percist"] != "PMD")):
            errors.append(f"{key}: PERCIMT PMD with {len(f['new'])} new lesions, EORTC {c['eortc']}, "
                          f"PERCIST {c['percist']}")
        if f["complete"] and f["cycles_ok"] and f["flagged"] and c["eortc"] != "PMD":
            errors.append(f"{key}: unequivocal progression (4.5 PMD), EORTC {c['eortc']}")
    assert not errors, f"{len(errors)} scans, e.g. {errors[:5]}"


def test_complete_metabolic_response_agrees_across_criteria(data):
    """4.5 CMR "every baseline lesion resolved (status = absent) and no new lesion"; 7.5 CMR "every
    baseline lesion resolved and n_all == 0" (new lesions "present at the follow-up"); 5.5 CMR "every
    baseline lesion is resolved and no new lesion is present. Resolved: status = absent, or sulpeak <
    liver_sul_mean"; 8.5 CMR "every lesion (baseline and new) resolved by the PERCIST resolution rule";
    9.2 iPERCIST is "Exactly PERCIST 1.0", 9.5 keeps a CMR P_bl, 9.6 "A new lesion that has resolved at C
    no longer keeps P_bl at PMD". With a measurable baseline and passing quality checks (5.7, 8.7 come
    first, 1.7 order), the PERCIST family gives CMR when every baseline lesion is absent and no new lesion
    is present; PERCIMT gives CMR exactly then, EORTC exactly then among scans without new-lesion rows
    (whether a resolved new lesion is "a new lesion" for 4.5 is not said) and with cycles (4.7)."""
    _, facts, results = data
    call = {name: indexed(results[name])["overall_response"] for name in SERIAL}
    errors = []
    for key, f in facts.iterrows():
        c = {name: call[name][key] for name in SERIAL}
        cmr = f["all_absent"] and not f["new"]
        settled = not (cmr and f["new_rows"])  # a resolved new lesion: 4.5 does not say
        if settled and (cmr and f["cycles_ok"]) != (c["eortc"] == "CMR"):
            errors.append(f"{key}: all absent {f['all_absent']}, new {f['new']}: EORTC {c['eortc']}")
        if cmr != (c["percimt"] == "CMR"):
            errors.append(f"{key}: all absent {f['all_absent']}, new {f['new']}: PERCIMT {c['percimt']}")
        if cmr and f["qc"] and f["measurable"]:
            wrong = {n: c[n] for n in ("percist", "impercist", "ipercist") if c[n] != "CMR"}
            if wrong:
                errors.append(f"{key}: all absent, no new lesion present, QC passes: {wrong}")
        if f["new"] and "CMR" in (c["percist"], c["ipercist"]):
            errors.append(f"{key}: new lesion {f['new']}: PERCIST {c['percist']}, iPERCIST {c['ipercist']}")
    assert (facts["all_absent"] & facts["new_rows"] & ~facts["new"].map(bool)).sum() >= 2  # 9.6 cases
    assert not errors, f"{len(errors)} scans, e.g. {errors[:5]}"


def test_percist_family_shares_threshold_and_quality_checks(data):
    """5.3 "T = 1.5 x liver_sul_mean + 2 x liver_sul_sd" (rounded, 1.5); 5.4 the quality checks; 6.3 PECRIT
    measurability "As PERCIST (5.3)"; 8.2 imPERCIST "liver reference and measurability exactly as PERCIST
    (5.3, 5.4)"; 9.2 iPERCIST "Exactly PERCIST 1.0 ... measurability, quality checks". One T per patient
    and one quality-check verdict per scan for the PERCIST family, the ones the spec formulas give."""
    _, facts, results = data
    errors = []
    for name in ("percist", "pecrit", "impercist", "ipercist"):
        rows = indexed(results[name])
        if name == "pecrit":  # 6.5: PET "not consulted" unless RECIST 1.1 is SD
            rows = rows[rows["recist_response"] == "SD"]
        keys = rows.index
        threshold = rows["measurability_threshold"].to_numpy(float)
        wrong = keys[threshold != facts.loc[keys, "threshold"].to_numpy(float)]
        if len(wrong):
            errors.append(f"{name}: T differs from 5.3 at {list(wrong[:3])}")
        qc = (rows["qc_passed"].astype(str) == "True").to_numpy()
        wrong = keys[qc != facts.loc[keys, "qc"].to_numpy(bool)]
        if len(wrong):
            errors.append(f"{name}: qc_passed differs from 5.4 at {list(wrong[:3])}")
    assert not errors, errors


# --- PECRIT from RECIST 1.1 and the PERCIST hottest lesion ----------------------------------------------


def test_pecrit_follows_recist_and_the_percist_hottest_lesion(data):
    """6.9 "evaluated once per patient, on the first follow-up PET with 21 <= day <= 28. If there is none,
    the default uses the first follow-up PET"; 6.5: CR or PR -> clinical_benefit, PD ->
    no_clinical_benefit, NE -> NE, SD -> clinical_benefit if "rel > +0.155", otherwise
    no_clinical_benefit; 6.2 SULpeak of the hottest lesion "exactly as PERCIST 5.2"; 6.7 NE "in the SD
    branch only: PERCIST quality checks fail, baseline not measurable, or a baseline lesion lacks a value";
    6.9 "the patient-level row repeats the single prediction"."""
    _, facts, results = data
    pecrit = results["pecrit"].timepoints.set_index("patient_id")
    percist = indexed(results["percist"])
    best = results["pecrit"].best_response.set_index("patient_id")
    assert pecrit.index.is_unique and len(pecrit) == N
    errors = []
    for patient, row in pecrit.iterrows():
        days = facts.loc[patient].index
        window = [d for d in days if 21 <= d <= 28]
        day = window[0] if window else days[0]
        f = facts.loc[(patient, day)]
        got = row["overall_response"]
        if row["day"] != day:
            errors.append(f"{patient}: PECRIT on day {row['day']}, expected day {day}")
            continue
        recist = f["recist"]
        if recist == "SD" and not (f["qc"] and f["measurable"] and f["complete"]):
            expected = "NE"
        elif recist == "SD":
            rel = percist.at[(patient, day), "rel_change"]
            if np.isnan(rel):
                continue  # every baseline lesion absent: H_fu is not defined by 5.2
            expected = "clinical_benefit" if rel > 0.155 else "no_clinical_benefit"
            if row["rel_change"] != rel:
                errors.append(f"{patient}: PECRIT rel {row['rel_change']} vs PERCIST {rel}")
        else:
            expected = {"CR": "clinical_benefit", "PR": "clinical_benefit", "PD": "no_clinical_benefit",
                        "NE": "NE"}[recist]
        if got != expected:
            errors.append(f"{patient} day {day}: RECIST {recist}, expected {expected}, got {got}")
        if not best.at[patient, "best_response"] == best.at[patient, "best_response_confirmed"] == got:
            errors.append(f"{patient}: best {best.at[patient, 'best_response']} vs timepoint {got}")
    assert not errors, f"{len(errors)} patients, e.g. {errors[:5]}"


# --- EORTC (hottest SULpeak) and PERCIST share the reference quantity ------------------------------------


def test_eortc_hottest_sulpeak_option_measures_what_percist_measures(data):
    """4.2 A2 "eortc_aggregate = "hottest": value = metric of the hottest baseline-present lesion at each
    scan" with A1 eortc_metric = "sulpeak"; 5.2 "Primary measure: SULpeak of the single hottest lesion at
    each scan ... among lesions that were present at baseline (target or non-target)". EORTC tracks "the
    baseline lesions with role = target" (4.2, 4.4), so the two name the same lesions when every baseline
    lesion is a target (whether "baseline-present" also takes in non-targets is not said: left out). Same
    rel where both are computed on a complete scan; PERCIST PMD by (a) (rel > 0.30 and abs > 0.8) is then
    above EORTC's "rel > +0.25" (4.5), so EORTC is PMD when its scan is evaluable (cycles given, 4.7)."""
    frame, facts, results = data
    eortc = indexed(assess(frame, ["eortc"], eortc_metric="sulpeak", eortc_aggregate="hottest")["eortc"])
    percist = indexed(results["percist"])
    complete = facts.index[facts["complete"] & facts["all_target"]]
    both = eortc.loc[complete, "rel_change"].notna() & percist.loc[complete, "rel_change"].notna()
    assert both.sum() > 500
    keys = both.index[both]
    np.testing.assert_array_equal(eortc.loc[keys, "rel_change"].to_numpy(float),
                                  percist.loc[keys, "rel_change"].to_numpy(float))
    rises = keys[(percist.loc[keys, "rel_change"] > 0.30) & (percist.loc[keys, "abs_change"] > 0.8)
                 & facts.loc[keys, "cycles_ok"]]
    assert len(rises) > 50
    assert (eortc.loc[rises, "overall_response"] == "PMD").all()


def test_eortc_is_scale_free(data):
    """4.3 "The 1999 paper sets no numeric minimum uptake"; 4.5: every EORTC rule is on the relative
    change of the summed SUV (and on diameters), so SUVmax x 2 or x 0.5 (exact in binary floating point)
    changes no call and no relative change."""
    frame, _, results = data
    for factor in (2.0, 0.5):
        scaled = assess(frame.assign(suvmax=frame["suvmax"] * factor), ["eortc"])
        a, b = indexed(results["eortc"]), indexed(scaled["eortc"])
        assert (a["overall_response"] == b["overall_response"]).all()
        np.testing.assert_array_equal(a["rel_change"].to_numpy(float), b["rel_change"].to_numpy(float))
        columns = ["best_response", "progression_day"]
        pd.testing.assert_frame_equal(results["eortc"].best_response[columns],
                                      scaled["eortc"].best_response[columns])


# --- quantities a criterion does not read -----------------------------------------------------------------


def _scan_draw(frame: pd.DataFrame, rng: np.random.Generator, values) -> np.ndarray:
    """One draw per scan (per-scan columns must agree within a scan, 1.1), repeated on its rows."""
    scans = frame.groupby(KEY).ngroup().to_numpy()
    return np.asarray(values(scans.max() + 1))[scans]


PERTURB = {
    # 4.10 EORTC reads suvmax, cycles, diameters, status; uptake_min only for a warning (4.7, A9).
    "eortc": ("eortc",), "percist_family": ("percist", "impercist", "ipercist"),
    "percimt": ("percimt",), "pecrit": ("pecrit",),
}


@pytest.mark.parametrize("group", list(PERTURB))
def test_calls_do_not_read_quantities_their_criterion_does_not_use(data, group):
    """2.7 "Which quantity each criterion uses", with the input columns: 4.10 EORTC "Required: ... the
    chosen metric (suvmax by default), cycles_before_scan. Optional: functional_diameter_mm, status,
    uptake_min (warning only)"; 5.10 / 8.10 / 9.9 PERCIST family: sulpeak, liver, uptake, tlg, status
    (recist_response only for the advisory flag, 5.8 "The engine does not hold the category"); 7.2 PERCIMT
    "No SUV quantity enters the categories"; 6.6 PECRIT "PET-only new lesions do not enter PECRIT" and 6.2
    (hottest SULpeak, RECIST 1.1)."""
    frame, _, results = data
    rng = np.random.default_rng(SEED + 1)
    changed = frame.copy()
    rows = len(frame)
    draw = _scan_draw(frame, rng, lambda n: rng.integers(1, 9, n).astype(float))
    cycles = np.where(frame["day"] <= 0, 0.0, draw)  # 1.1: 0 at baseline
    if group in ("eortc", "percimt"):
        changed["sulpeak"] = (frame["sulpeak"] * rng.uniform(0.3, 3.0, rows)).round(2)
        changed["tlg"] = (frame["tlg"] * rng.uniform(0.3, 3.0, rows)).round(1)
        changed["liver_sul_mean"] = _scan_draw(frame, rng, lambda n: rng.uniform(1.0, 3.0, n).round(2))
        changed["uptake_min"] = _scan_draw(frame, rng, lambda n: rng.integers(30, 100, n))
        changed["recist_response"] = _scan_draw(frame, rng, lambda n: rng.choice(RECIST, n))
    if group == "percimt":
        changed["suvmax"] = (frame["suvmax"] * rng.uniform(0.3, 3.0, rows)).round(2)
        changed["cycles_before_scan"] = cycles
    if group in ("percist_family", "pecrit"):
        changed["suvmax"] = (frame["suvmax"] * rng.uniform(0.3, 3.0, rows)).round(2)
        diameter = frame["functional_diameter_mm"] * rng.uniform(0.3, 3.0, rows)
        changed["functional_diameter_mm"] = diameter.round(1)
        changed["cycles_before_scan"] = cycles
    if group == "percist_family":
        changed["recist_response"] = _scan_draw(frame, rng, lambda n: rng.choice(RECIST, n))
    if group == "pecrit":  # new-lesion rows out, but a scan keeps its rows of baseline lesions
        old = (changed["role"] != "new").groupby([changed[k] for k in KEY]).transform("any")
        changed = changed[(changed["role"] != "new") | ~old]
    names = PERTURB[group]
    before = {name: results[name] for name in names}
    after = assess(changed, names)
    for name in names:
        a, b = indexed(before[name]), indexed(after[name])
        assert (a["overall_response"] == b["overall_response"]).all(), name
        pd.testing.assert_frame_equal(before[name].best_response[["patient_id", "best_response"]],
                                      after[name].best_response[["patient_id", "best_response"]])


# --- best response from the timepoints --------------------------------------------------------------------


def test_best_response_progression_day_and_after_progression_follow_the_timepoints(data):
    """1.7 "Best overall response ranks CMR > PMR > SMD > PMD; NE timepoints are skipped; only timepoints
    up to and including the first PMD (CPMD for iPERCIST) are considered. Scans after that point are ...
    flagged after_progression = True ... and never change the best response or the progression date";
    4.9, 5.9, 8.9 "Date of progression = first PMD"; 7.9 PERCIMT clinical_benefit "true if no evaluable
    follow-up is PMD"; 9.8 "Ranking CMR > PMR > SMD > UPMD > CPMD, over follow-ups up to and including the
    first CPMD. UPMD counts as the best response only if nothing better occurred and it was never
    confirmed ... Date of progression: date of the UPMD scan that was later confirmed"; 1.6 "No metabolic
    criterion confirms a response ... so both columns carry the same value"."""
    _, _, results = data
    errors = []
    for name in SERIAL:
        final = "CPMD" if name == "ipercist" else "PMD"
        rank = I_RANK if name == "ipercist" else RANK
        best = results[name].best_response.set_index("patient_id")
        for patient, rows in results[name].timepoints.sort_values(KEY).groupby("patient_id"):
            calls, days = rows["overall_response"].tolist(), rows["day"].tolist()
            stop = calls.index(final) if final in calls else len(calls) - 1
            window = calls[: stop + 1]
            progression = np.nan
            if final in calls:
                progression = days[stop]
                if name == "ipercist":  # the UPMD scan that opened the confirmed episode
                    start = stop
                    while start > 0 and window[start - 1] in ("UPMD", "NE"):
                        start -= 1
                    while window[start] == "NE":
                        start += 1
                    progression = days[start]
                    window = window[:start] + window[stop:]  # its UPMD scans were confirmed
            ranked = [c for c in window if c in rank]
            expected = max(ranked, key=rank.get) if ranked else "NE"
            got = best.loc[patient]
            if not got["best_response"] == got["best_response_confirmed"] == expected:
                errors.append(f"{name} {patient} {calls}: best {got['best_response']} / "
                              f"{got['best_response_confirmed']}, expected {expected}")
            if not (got["progression_day"] == progression or (np.isnan(progression)
                                                              and np.isnan(got["progression_day"]))):
                errors.append(f"{name} {patient} {calls} {days}: progression day {got['progression_day']}, "
                              f"expected {progression}")
            after = [d > days[stop] for d in days] if final in calls else [False] * len(days)
            if rows["after_progression"].astype(bool).tolist() != after:
                flags = rows["after_progression"].tolist()
                errors.append(f"{name} {patient} {calls}: after_progression {flags}")
            benefit = "no_clinical_benefit" if "PMD" in calls else "clinical_benefit"
            evaluable = set(calls) != {"NE"}  # no evaluable follow-up: 7.9 does not say
            if name == "percimt" and evaluable and got["clinical_benefit"] != benefit:
                errors.append(f"percimt {patient} {calls}: clinical_benefit {got['clinical_benefit']}")
    assert not errors, f"{len(errors)} patients, e.g. {errors[:5]}"


# --- causality ---------------------------------------------------------------------------------------------


def test_a_call_does_not_depend_on_later_scans(data):
    """1.2 "Follow-ups are processed in day order"; every serial criterion compares with baseline by default
    (4.5, 5.5 A6, 7.5 A3, 8.5 A4) and iPERCIST with the UPMD scan (9.5); only iPERCIST's
    confirmation_state looks ahead (1.6 "pending while its episode is open"; 9.5 rule 4 "an episode still
    open at the patient's last scan stays UPMD"). So leaving out the scans after a random follow-up leaves
    every earlier overall_response unchanged."""
    frame, facts, results = data
    rng = np.random.default_rng(SEED + 2)
    cut = {}
    for patient, days in facts.reset_index().groupby("patient_id")["day"]:
        cut[patient] = int(rng.choice(days.to_numpy()[:-1])) if len(days) > 1 else int(days.max())
    truncated = frame[frame["day"] <= frame["patient_id"].map(cut)]
    shorter = assess(truncated, SERIAL)
    for name in SERIAL:
        a, b = indexed(results[name]), indexed(shorter[name])
        kept = a.index[a.index.get_level_values("day") <= a.index.get_level_values("patient_id").map(cut)]
        assert b.index.equals(kept), name
        assert (a.loc[kept, "overall_response"] == b["overall_response"]).all(), name
        np.testing.assert_array_equal(a.loc[kept, "rel_change"].to_numpy(float) if "rel_change" in a else 0,
                                      b["rel_change"].to_numpy(float) if "rel_change" in b else 0)
    errors = _confirmation_errors(shorter)  # the look-ahead part, on the shorter histories
    assert not errors, f"{len(errors)} patients, e.g. {errors[:5]}"


# --- forms of the same input -------------------------------------------------------------------------------


def test_shuffled_rows_and_renamed_patients_give_the_same_calls(data):
    """1.1 patient_id is an identifier; 1.2 "A scan is the set of rows sharing (patient_id, day)" and
    "Follow-ups are processed in day order": row order and patient names carry no information."""
    frame, _, results = data
    rng = np.random.default_rng(SEED + 3)
    order = rng.permutation(frame["patient_id"].unique())
    names = {p: f"subject-{rng.integers(10**6)}-{i}" for i, p in enumerate(order)}
    changed = frame.assign(patient_id=frame["patient_id"].map(names)).sample(frac=1.0, random_state=SEED)
    same_calls(results, assess(changed), rename={v: k for k, v in names.items()})


def test_renamed_lesions_and_organs_give_the_same_calls(data):
    """1.1 lesion_id "stable lesion identifier", organ "string ... organ or site label used for the 'max 2
    per organ' rule"; 1.4 ties are broken "by lesion_id ascending (string order)". A one-to-one renaming of
    organ labels, and of lesion ids that keeps their string order, changes no call and no value. (A
    renaming that reorders ids can change a call: 1.4 says "Tie-breaking only decides which id is
    reported", but with tied SULpeaks it decides which lesion is "baseline-selected" for 8.7 NE, and which
    TLGs enter 5.5 (b); left out.)"""
    frame, _, results = data
    rng = np.random.default_rng(SEED + 6)
    organs = dict(zip(ORGANS, [f"site {c}" for c in rng.permutation(list("abcde"))], strict=True))
    ids = sorted(frame["lesion_id"].unique())
    names = sorted({"".join(rng.choice(list("abcdefghij"), 6)) for _ in range(3 * len(ids))})
    keep = np.sort(rng.choice(len(names), len(ids), replace=False))
    lesions = dict(zip(ids, [names[k] for k in keep], strict=True))
    changed = frame.assign(organ=frame["organ"].map(organs), lesion_id=frame["lesion_id"].map(lesions))
    same_calls(results, assess(changed))


def test_a_not_evaluable_row_and_a_missing_row_are_the_same(data):
    """1.3 "Not evaluable lesion: status = not_evaluable, or a missing value where one is needed; treated as
    a missing value"; 1.2 "A baseline lesion missing from a follow-up makes that follow-up NE for criteria
    that need lesion values". Leaving out the not_evaluable rows (where the scan keeps other rows) changes
    no call of PERCIST, iPERCIST (5.7 any baseline lesion), PECRIT (6.7); of EORTC where every baseline
    lesion is tracked (all targets, 4.2, 4.7); of imPERCIST where every baseline lesion is selected
    (measurable, at most two per organ, 8.2, 8.7). 1.2 (any baseline lesion) and 4.7 / 8.7 (tracked /
    selected lesions only) disagree on the others; PERCIMT's 7.7 ("no status") is left out too."""
    frame, facts, results = data
    kept = (frame["status"] != "not_evaluable").groupby([frame[k] for k in KEY]).transform("any")
    changed = frame[(frame["status"] != "not_evaluable") | ~kept]
    assert len(changed) < len(frame) - 50
    after = assess(changed, ("eortc", "percist", "pecrit", "impercist", "ipercist"))
    per_patient = facts.groupby(level="patient_id")[["baseline_day", "threshold", "all_target"]].first()
    baseline = frame[frame["day"] == frame["patient_id"].map(per_patient["baseline_day"])]
    all_target = per_patient["all_target"]
    below = baseline["sulpeak"] < baseline["patient_id"].map(per_patient["threshold"])
    unmeasured = below.groupby(baseline["patient_id"]).any()
    crowded = baseline.groupby(["patient_id", "organ"]).size().groupby(level="patient_id").max() > 2
    all_selected = ~unmeasured & ~crowded
    subsets = {"eortc": all_target[all_target].index, "impercist": all_selected[all_selected].index}
    for name, result in after.items():
        patients = subsets.get(name, all_target.index)
        a, b = ({name: type(r)(r.timepoints[r.timepoints["patient_id"].isin(patients)],
                               r.best_response[r.best_response["patient_id"].isin(patients)])}
                for r in (results[name], result))
        same_calls(a, b)


def test_dates_with_a_patient_table_give_the_same_calls_as_days(data):
    """1.1 "date or day: ISO date, or integer days ... If only date is given, day is derived from the
    patient table's treatment_start" (first dose = day 0)."""
    frame, _, results = data
    rng = np.random.default_rng(SEED + 4)
    patients = pd.DataFrame({"patient_id": sorted(frame["patient_id"].unique())})
    patients["treatment_start"] = (pd.Timestamp("2019-01-01")
                                   + pd.to_timedelta(rng.integers(0, 1500, len(patients)), unit="D"))
    start = frame["patient_id"].map(patients.set_index("patient_id")["treatment_start"])
    dated = frame.assign(date=(start + pd.to_timedelta(frame["day"], unit="D")).dt.strftime("%Y-%m-%d"))
    patients["treatment_start"] = patients["treatment_start"].dt.strftime("%Y-%m-%d")
    same_calls(results, assess(dated.drop(columns="day"), patients=patients))


def test_a_scan_before_the_baseline_is_ignored(data):
    """1.2 "Baseline = the latest scan with day <= 0 ... Scans before the baseline are ignored"."""
    frame, facts, results = data
    rng = np.random.default_rng(SEED + 5)
    baseline_day = frame.loc[frame["day"] <= 0].groupby("patient_id")["day"].max()
    baseline = frame[frame["day"] == frame["patient_id"].map(baseline_day)].copy()
    shift = pd.Series(rng.integers(20, 60, len(baseline_day)), index=baseline_day.index)
    baseline["day"] -= baseline["patient_id"].map(shift)
    for column in ("sulpeak", "suvmax", "tlg"):
        baseline[column] = (baseline[column] * rng.uniform(0.2, 2.0, len(baseline))).round(2)
    baseline["uptake_min"] = 90
    gone = baseline.drop_duplicates("patient_id").iloc[::3].assign(  # a lesion seen only before baseline
        lesion_id="X1", role="target", organ="lung", status="present", sulpeak=20.0, suvmax=25.0)
    changed = pd.concat([frame, baseline, gone], ignore_index=True)
    same_calls(results, assess(changed), days=facts.index)


def test_other_patients_do_not_change_a_patients_calls(data):
    """1.2 scans, baseline and follow-ups are defined per patient_id: running a patient alone, or with
    another half of the cohort, gives its calls in the whole cohort."""
    frame, _, results = data
    patients = sorted(frame["patient_id"].unique())
    halves = [patients[::2], patients[1::2]]
    parts = [assess(frame[frame["patient_id"].isin(half)]) for half in halves]
    for name in METABOLIC:
        joined = pd.concat([p[name].timepoints for p in parts])
        best = pd.concat([p[name].best_response for p in parts])
        glued = {name: type(results[name])(joined, best)}
        same_calls({name: results[name]}, glued)
    for patient in patients[:12]:
        alone = assess(frame[frame["patient_id"] == patient])
        whole = {name: type(r)(r.timepoints[r.timepoints["patient_id"] == patient],
                               r.best_response[r.best_response["patient_id"] == patient])
                 for name, r in results.items()}
        same_calls(whole, alone)
