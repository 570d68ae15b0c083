"""Differential audit of imPERCIST (spec/metabolic.md section 8) and iPERCIST (section 9).

What was audited: ``ioresponse.assess(pet_table, criteria=("impercist",))`` and ``("ipercist",)``
(src/ioresponse/criteria/impercist.py, ipercist.py on top of percist.py and _metabolic.py) against an
INDEPENDENT reference implementation written in this file from the spec text only:

- conventions 1.1-1.7 (baseline = latest scan with day <= 0, missing baseline lesions 1.2, resolved and
  not-evaluable lesions 1.3, ``select_hottest`` 1.4, rounding to 6 decimals 1.5, best response 1.7);
- PERCIST 1.0 as inherited (5.3 measurability ``T``, 5.4 quality checks, 5.5 categories with the
  PMR other-lesion check, 5.7 NE conditions);
- imPERCIST 8.2-8.9 (sum of up to 5 hottest SULpeaks max 2 per organ, new lesions eligible, PMD only by
  the sum ``>= +30%``, CMR when every lesion is resolved, PMR ``<= -30%``) and the options of 8.12
  (``impercist_new_lesion_mode``, ``impercist_inclusive``, ``impercist_min_abs_sul``,
  ``impercist_reference``);
- iPERCIST 9.5 (UPMD / CPMD state machine: what opens, confirms (a)-(d) versus U, resets, NE keeps the
  episode open), 9.8 (best response with confirmed UPMD ranked as CPMD, progression dated at U,
  responder) and the options of 9.11 (``ipercist_enforce_window``, ``ipercist_confirm_reference``).

Seeded random small PET patients (baseline, optional pre-baseline scan, 1-5 follow-ups at varied days,
1-6 lesions over four organs, liver values and uptake times that sometimes fail 5.4, values exactly at
+-30%, resolved / not-evaluable / unreported lesions, unequivocal-progression flags, new lesions that
appear, resolve and come back, optionally a tlg column) are run through both and compared on the
timepoint ``overall_response``, ``confirmation_state`` (iPERCIST), ``after_progression``, and on
``best_response``, ``progression_day`` and ``responder``. The differences found were reduced to
hand-made patients (since fixed; the tests assert the spec's result):

1. imPERCIST: a baseline lesion that is not selected into ``S_bl`` and has no row at a follow-up does
   not make the follow-up NE (spec 1.2), although ``S_fu`` re-selects among all lesions (8.2);
2. iPERCIST: the confirmation rules 9.5 2(a)/(b) (hottest / TLG at C versus U) are applied although the
   UPMD scan U was not quantitatively evaluable: (2a) U failed the quality checks (5.4), (2b) the patient
   has no measurable baseline lesion (5.3 / 5.7).

A third difference found early in the session (2(a) measured against the hottest of U's valued
lesions when a baseline lesion had no value at U) disappeared when percist.py was changed during the
session so that a scan with a baseline lesion without value is NE even with a new lesion (5.7 has no
"unless PMD by (c) or (d)" for that bullet); a passing test pins that behaviour.

Not defined by the spec and therefore modelled on the code in the reference: after the confirmed
progression, a scan whose PERCIST category is PMD is reported ``CPMD`` (``after_progression``).

Expected values in the hand-made tests come from the spec text and hand arithmetic in the comments.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
from _pet_tables import QC, pet

import ioresponse

NAN = float("nan")
ORGANS = ("lung", "liver", "bone", "lymph node")
SCAN_COLS = ("uptake_min", "liver_sul_mean", "liver_sul_sd")
# Liver 2.0 / 0.25 (T = 1.5 x 2.0 + 2 x 0.25 = 3.5), uptake 60 min: PERCIST quality checks pass (5.3, 5.4).

# ============================================================================ independent reference (spec)


def _isnan(x):
    return x is None or (isinstance(x, float) and math.isnan(x))


def _r6(x):
    return round(x, 6)  # 1.5: rounded to 6 decimals before any comparison


def _by_scan(records):
    """1.2: {day: {lesion_id: row}}, the baseline (latest day <= 0) and the follow-ups in day order."""
    scans = {}
    for r in records:
        scans.setdefault(int(r["day"]), {})[r["lesion_id"]] = r
    base = max(d for d in scans if d <= 0)
    return scans, base, sorted(d for d in scans if d > base)


def _scan(rows):
    first = next(iter(rows.values()))
    return {c: first[c] for c in SCAN_COLS}


def _value(r):
    """1.3: absent -> 0 (resolved); not_evaluable or no sulpeak -> None (missing value)."""
    if r is None or r["status"] == "not_evaluable":
        return None
    if r["status"] == "absent":
        return 0.0
    return None if _isnan(r["sulpeak"]) else float(r["sulpeak"])


def _candidates(rows, ids=None):
    """1.4 step 1: (lesion_id, organ, value) of lesions with a value that are not absent."""
    out = []
    for lid, r in rows.items():
        if (ids is None or lid in ids) and r["status"] != "absent" and _value(r) is not None:
            out.append((lid, r["organ"], _value(r)))
    return out


def select_hottest(items, n=5, per_organ=2):
    """1.4 steps 2-3: value descending then lesion_id; at most per_organ per organ, n in all."""
    kept, per = [], {}
    for lid, organ, v in sorted(items, key=lambda t: (-t[2], t[0])):
        if len(kept) == n:
            break
        if per.get(organ, 0) < per_organ:
            kept.append((lid, v))
            per[organ] = per.get(organ, 0) + 1
    return kept


def _threshold(scan_bl):
    return _r6(1.5 * scan_bl["liver_sul_mean"] + 2 * scan_bl["liver_sul_sd"])  # 5.3


def _qc_ok(scan_bl, scan_fu):
    """5.4 (strict default): uptake 50-70 at each scan, within 15 min; liver within 20% and < 0.3 SUL."""
    if not all(50 <= s["uptake_min"] <= 70 for s in (scan_bl, scan_fu)):
        return False
    if abs(scan_fu["uptake_min"] - scan_bl["uptake_min"]) > 15:
        return False
    liver_bl, liver_fu = scan_bl["liver_sul_mean"], scan_fu["liver_sul_mean"]
    return abs(_r6((liver_fu - liver_bl) / liver_bl)) <= 0.20 and abs(_r6(liver_fu - liver_bl)) < 0.3


def _resolved(r, liver_fu):
    """5.5 default resolution: absent, or SULpeak < liver SULmean of the same follow-up."""
    v = _value(r)
    return r["status"] == "absent" or (v is not None and v < liver_fu)


def _baseline_ids(bl):
    return [lid for lid, r in bl.items() if r["role"] in ("target", "non_target")]


# ---------------------------------------------------------------------------- imPERCIST (8)

RANK = {"CMR": 4, "PMR": 3, "SMD": 2, "PMD": 1}


def ref_impercist(records, mode="top5", inclusive=True, min_abs=0.0, reference="baseline"):
    """({day: category}, best_response, progression_day)."""
    scans, base, fus = _by_scan(records)
    bl = scans[base]
    scan_bl = _scan(bl)
    ids = _baseline_ids(bl)
    t = _threshold(scan_bl)
    chosen = select_hottest([it for it in _candidates(bl, set(ids)) if it[2] >= t])  # 8.2, 8.3 measurable
    sel_ids = [lid for lid, _ in chosen]
    s_bl = sum(v for _, v in chosen)
    nadir = s_bl
    cats = {}
    for d in fus:
        fu = scans[d]
        scan_fu = _scan(fu)
        new_ids = [lid for lid, r in fu.items() if r["role"] == "new"]
        if not sel_ids or not _qc_ok(scan_bl, scan_fu):
            cats[d] = "NE"  # 8.7: no measurable baseline lesion; failed quality checks
            continue
        if any(lid not in fu or _value(fu[lid]) is None for lid in sel_ids):
            cats[d] = "NE"  # 8.7: a baseline-selected lesion without value
            continue
        if any(lid not in fu for lid in ids):
            cats[d] = "NE"  # 1.2: a baseline lesion missing from the follow-up
            continue
        if mode == "top5":
            s_fu = sum(v for _, v in select_hottest(_candidates(fu)))
        else:
            if any(_value(fu[lid]) is None for lid in new_ids):
                cats[d] = "NE"  # 8.2 add_all needs every new lesion's SULpeak
                continue
            s_fu = sum(_value(fu[lid]) for lid in sel_ids) + sum(_value(fu[lid]) for lid in new_ids)
        everything = [fu.get(lid) for lid in [*ids, *new_ids]]  # 8.5: every lesion, baseline and new
        resolved = all(r is not None and _resolved(r, scan_fu["liver_sul_mean"]) for r in everything)
        ref = s_bl if reference == "baseline" else nadir
        if ref == 0:
            cats[d] = "CMR" if resolved else "NE"  # 1.5: reference value is 0
            continue
        rel_p, ab_p = _r6((s_fu - ref) / ref), _r6(s_fu - ref)
        rel, ab = _r6((s_fu - s_bl) / s_bl), _r6(s_fu - s_bl)
        pmd = (rel_p >= 0.30 if inclusive else rel_p > 0.30) and ab_p >= min_abs
        pmr = (rel <= -0.30 if inclusive else rel < -0.30) and ab <= -min_abs
        cats[d] = "PMD" if pmd else "CMR" if resolved else "PMR" if pmr else "SMD"
        nadir = min(nadir, s_fu)
    best, progression = None, None
    for d in fus:  # 1.7 / 8.9: NE skipped, up to and including the first PMD
        if cats[d] == "NE":
            continue
        if best is None or RANK[cats[d]] > RANK[best]:
            best = cats[d]
        if cats[d] == "PMD":
            progression = d
            break
    return cats, best or "NE", progression


# ---------------------------------------------------------------------------- PERCIST (5) and iPERCIST (9)


def _tlg_sum(rows, ids):
    """5.2 TLG measure: tlg summed over select_hottest(baseline lesions present, sulpeak, 5, 2) at this
    scan; None when a selected lesion has no tlg (5.5 note: then (b) is skipped)."""
    tlgs = [rows[lid].get("tlg", NAN) for lid, _ in select_hottest(_candidates(rows, set(ids)))]
    return None if any(_isnan(t) for t in tlgs) else sum(tlgs)


def _extent(tlg_ref, tlg_now, h_ref, h_now):
    """5.5 (b): TLG_fu / TLG_bl - 1 >= 0.75 (rounded, 1.5) and H_fu >= H_bl."""
    if tlg_ref is None or tlg_now is None or not tlg_ref:
        return False
    return _r6(tlg_now / tlg_ref - 1) >= 0.75 and h_now >= h_ref


def _percist(bl, fu, scan_bl, scan_fu):
    """PERCIST 1.0 category versus baseline (defaults) and what the iPERCIST confirmation needs."""
    ids = _baseline_ids(bl)
    new = {lid for lid, r in fu.items() if r["role"] == "new" and r["status"] != "absent"}
    flags = {lid for lid in ids if lid in fu and fu[lid]["status"] == "unequivocal_progression"}
    ok = _qc_ok(scan_bl, scan_fu)
    bl_values = [v for _, _, v in _candidates(bl, set(ids))]
    h_bl = max(bl_values) if bl_values else 0.0
    assessable = ok and h_bl > 0 and h_bl >= _threshold(scan_bl)  # 5.3, 5.4, 5.7
    missing = [lid for lid in ids if lid not in fu or _value(fu[lid]) is None]  # 5.7
    fu_values = [v for _, _, v in _candidates(fu, set(ids))]
    h_fu = max(fu_values) if fu_values else 0.0
    info = {
        "new": new,
        "flags": flags,
        "U": h_fu if assessable else None,  # 9.5 2(a) needs U quantitatively evaluable (5.3, 5.4)
        "C": h_fu if assessable else None,  # ... and C
        "TLG": _tlg_sum(fu, ids),
    }
    if missing or not h_bl:
        return "NE", info  # 5.7: a baseline lesion without value, or H_bl = 0 (no 'unless PMD by (c)/(d)')
    if new or flags:
        return "PMD", info  # 5.5 (c), (d): also on a scan that failed the checks (5.4) or measurability
    if not assessable:
        return "NE", info
    rel, ab = _r6((h_fu - h_bl) / h_bl), _r6(h_fu - h_bl)
    if (rel > 0.30 and ab > 0.8) or _extent(_tlg_sum(bl, ids), info["TLG"], h_bl, h_fu):
        return "PMD", info
    if all(_resolved(fu[lid], scan_fu["liver_sul_mean"]) for lid in ids):
        return "CMR", info
    rising = any(
        fu[lid]["status"] != "absent" and _r6((_value(fu[lid]) - _value(bl[lid])) / _value(bl[lid])) > 0.30
        for lid in ids
    )
    return ("PMR" if rel <= -0.30 and ab <= -0.8 and not rising else "SMD"), info


IRANK = {"CMR": 5, "PMR": 4, "SMD": 3, "UPMD": 2, "CPMD": 1}


def ref_ipercist(records, enforce_window=False, confirm_reference="upmd_scan"):
    """({day: (category, confirmation_state)}, best_response, progression_day, responder)."""
    scans, base, fus = _by_scan(records)
    bl = scans[base]
    scan_bl = _scan(bl)
    out, episodes, episode, progressed, resets = {}, [], None, False, []
    for d in fus:
        cat, info = _percist(bl, scans[d], scan_bl, _scan(scans[d]))
        if progressed:  # not defined by 9.5; modelled on the code (see module docstring)
            out[d] = "CPMD" if cat == "PMD" else cat
        elif episode is None:  # rule 1
            out[d] = "UPMD" if cat == "PMD" else cat
            if cat == "PMD":
                episode = {"U": d, "info": info, "days": [d], "state": "pending"}
                episodes.append(episode)
        elif cat in ("CMR", "PMR", "SMD"):  # rule 2: reset
            out[d] = cat
            resets.append(d)
            episode["state"] = "not_confirmed"
            episode = None
        elif cat == "NE":  # rule 2 / 9.7: stays open
            out[d] = "NE"
        else:
            u = episode["info"]
            h_u, h_c = u["U"], info["C"]
            a = bool(h_u) and h_c is not None and _r6((h_c - h_u) / h_u) > 0.30 and _r6(h_c - h_u) > 0.8
            a = a or (h_u is not None and h_c is not None and _extent(u["TLG"], info["TLG"], h_u, h_c))  # (b)
            confirm = a or bool(info["new"] - u["new"]) or bool(info["flags"] - u["flags"])
            if confirm_reference == "baseline":
                confirm = True
            if enforce_window and d - episode["U"] < 28:
                confirm = False  # rule 3: too early to confirm
            if confirm:
                out[d] = "CPMD"
                episode.update(state="confirmed", cpmd=d)
                episode, progressed = None, True
            else:
                out[d] = "UPMD"
                episode["days"].append(d)
    states = {d: "not_required" for d in fus}
    for ep in episodes:
        states |= dict.fromkeys(ep["days"], ep["state"])
        if "cpmd" in ep:
            states[ep["cpmd"]] = "confirms"
    best, progression = None, None
    for d in fus:  # 9.8
        c = "CPMD" if out[d] == "UPMD" and states[d] == "confirmed" else out[d]
        if c == "NE":
            continue
        if best is None or IRANK[c] > IRANK[best]:
            best = c
        if out[d] == "CPMD":
            progression = next(ep["U"] for ep in episodes if ep.get("cpmd") == d)
            break
    if (fus and out[fus[0]] in ("CMR", "PMR", "SMD")) or resets:
        responder = True
    elif progression is not None:
        responder = False
    else:
        responder = None
    return {d: (out[d], states[d]) for d in fus}, best or "NE", progression, responder


# ============================================================================ random patients


def random_patient(rng, pid, p_missing_row=0.02, with_tlg=False):
    """Long PET rows (1.1) of one random patient: baseline, 1-5 follow-ups, 1-6 lesions, new lesions."""
    base = -int(rng.integers(0, 15))
    days = [base]
    day = int(rng.integers(14, 100))
    for _ in range(int(rng.integers(1, 6))):
        days.append(day)
        day += int(rng.choice([14, 21, 28, 35, 42, 56, 63, 84]))
    liver, sd = float(rng.choice([1.6, 2.0, 2.0, 2.4])), float(rng.choice([0.2, 0.25, 0.3]))
    scans = {base: {"uptake_min": 60, "liver_sul_mean": liver, "liver_sul_sd": sd}}
    for d in days[1:]:
        shift = float(rng.choice([0.0, 0.0, 0.0, 0.0, 0.0, 0.1, -0.1, 0.2, 0.4]))
        uptake = int(rng.choice([60, 60, 60, 60, 60, 65, 55, 74]))
        scans[d] = {"uptake_min": uptake, "liver_sul_mean": round(liver + shift, 2), "liver_sul_sd": sd}
    pre = base - 30 if rng.random() < 0.1 else None  # a pre-baseline scan, ignored (1.2)
    if pre is not None:
        scans[pre] = {"uptake_min": 60, "liver_sul_mean": liver, "liver_sul_sd": sd}
    rows = []

    volumes = {}

    def add(lid, role, organ, d, value, status="present"):
        row = {"patient_id": pid, "day": d, "lesion_id": lid, "role": role, "organ": organ,
               "sulpeak": value, "status": status} | scans[d]
        if with_tlg:  # TLG = volume x uptake (2.5); the volume drifts; now and then no tlg
            volumes[lid] = volumes.get(lid, float(rng.uniform(2, 30))) * float(np.exp(rng.normal(0, 0.5)))
            row["tlg"] = NAN if _isnan(value) or rng.random() < 0.03 else round(value * volumes[lid], 1)
        rows.append(row)

    trend = float(rng.choice([-0.5, -0.2, 0.0, 0.0, 0.15]))  # responders, stable and progressing patients

    def drift(v):
        return round(max(0.5, v * float(np.exp(rng.normal(trend, 0.35)))), 1)

    for i in range(int(rng.integers(1, 7))):
        lid, organ = f"L{i + 1}", str(rng.choice(ORGANS))
        role = "target" if rng.random() < 0.7 else "non_target"
        v0 = round(float(rng.uniform(1.5, 9.0)), 1)
        if pre is not None:
            add(lid, role, organ, pre, drift(v0))
        add(lid, role, organ, base, v0)
        v = v0
        for d in days[1:]:
            u = rng.random()
            if u < p_missing_row:
                continue  # no row (1.2)
            if u < 0.05:
                add(lid, role, organ, d, NAN, "not_evaluable")
            elif u < 0.15:
                add(lid, role, organ, d, NAN, "absent")
            else:
                # exactly +-30% of baseline now and then (boundaries of 5.5 / 8.5), else a random drift
                v = round(v0 * 1.3, 2) if u < 0.18 else round(v0 * 0.7, 2) if u < 0.2 else drift(v)
                add(lid, role, organ, d, v, "unequivocal_progression" if rng.random() < 0.03 else "present")
    k = 0
    for j, d in enumerate(days[1:], start=1):
        if rng.random() < 0.25:
            for _ in range(int(rng.integers(1, 3))):
                k += 1
                lid, organ = f"N{k}", str(rng.choice(ORGANS))
                v = round(float(rng.uniform(1.0, 8.0)), 1)
                for later in days[j:]:
                    if later != d and rng.random() < 0.2:
                        add(lid, "new", organ, later, NAN, "absent")
                    else:
                        v = v if later == d else drift(v)
                        add(lid, "new", organ, later, v)
    return rows


@functools.cache
def random_table(seed, n, p_missing_row=0.02, with_tlg=False):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        rows += random_patient(rng, f"R{i:03d}", p_missing_row, with_tlg)
    return pd.DataFrame(rows)


@functools.cache
def code_result(seed, n, p_missing_row, criterion, options=(), with_tlg=False):
    table = random_table(seed, n, p_missing_row, with_tlg)
    return ioresponse.assess(table, criteria=(criterion,), **dict(options))


OPTION_NAMES = {  # package option -> reference keyword
    "impercist_new_lesion_mode": "mode",
    "impercist_inclusive": "inclusive",
    "impercist_min_abs_sul": "min_abs",
    "impercist_reference": "reference",
    "ipercist_enforce_window": "enforce_window",
    "ipercist_confirm_reference": "confirm_reference",
}


def _patients(table):
    return {pid: group.to_dict("records") for pid, group in table.groupby("patient_id")}


def _got(result):
    """(timepoint rows by (patient, day), best-response rows by patient) of the package's result."""
    rows = {(r["patient_id"], int(r["day"])): r for r in result.timepoints.to_dict("records")}
    return rows, {r["patient_id"]: r for r in result.best_response.to_dict("records")}


def _na(x, cast):
    return None if pd.isna(x) else cast(x)


def _wrong_impercist(pid, got, expected):
    cats, best, progression = expected
    rows, bests = got
    wrong = [(d, c, rows[(pid, d)]["overall_response"]) for d, c in cats.items()
             if rows[(pid, d)]["overall_response"] != c]
    # 1.7: scans after the first PMD are flagged after_progression
    wrong += [(d, "after_progression") for d in cats
              if bool(rows[(pid, d)]["after_progression"]) != (progression is not None and d > progression)]
    b = bests[pid]
    got_best = (b["best_response"], _na(b["progression_day"], int))
    if got_best != (best, progression):
        wrong.append(("best, progression_day", (best, progression), got_best))
    return wrong


def _wrong_ipercist(pid, got, expected):
    states, best, progression, responder = expected
    rows, bests = got
    wrong = []
    cpmd_day = next((d for d, (c, st) in states.items() if st == "confirms"), None)
    for d, state in states.items():
        r = rows[(pid, d)]
        if (r["overall_response"], r["confirmation_state"]) != state:
            wrong.append((d, state, (r["overall_response"], r["confirmation_state"])))
        if bool(r["after_progression"]) != (cpmd_day is not None and d > cpmd_day):
            wrong.append((d, "after_progression"))  # 1.7: after the first CPMD
    b = bests[pid]
    got_best = (b["best_response"], _na(b["progression_day"], int), _na(b["responder"], bool))
    if got_best != (best, progression, responder):
        wrong.append(("best, progression_day, responder", (best, progression, responder), got_best))
    return wrong


def compare(criterion, seed, n, options=(), p_missing_row=0.02, with_tlg=False):
    """Run the package and the reference on the same random patients; the patients whose results differ."""
    table = random_table(seed, n, p_missing_row, with_tlg)
    got = _got(code_result(seed, n, p_missing_row, criterion, options, with_tlg))
    kw = {OPTION_NAMES[k]: v for k, v in options}
    ref, wrong_of = (ref_impercist, _wrong_impercist) if criterion == "impercist" else (ref_ipercist,
                                                                                        _wrong_ipercist)
    found = {}
    for pid, records in _patients(table).items():
        wrong = wrong_of(pid, got, ref(records, **kw))
        if wrong:
            found[pid] = wrong
    return found


# ============================================================================ hand-made patients


def assess(criterion, lesions, scans=None, **options):
    return ioresponse.assess(pet(lesions, scans), criteria=(criterion,), **options)


def column(result, name):
    return result.timepoints[name].tolist()


def best(result):
    return result.best_response.iloc[0]


ABSENT = {"status": "absent"}
NOT_EVALUABLE = {"status": "not_evaluable"}

# ---------------------------------------------------------------------------- proven differences


def test_1_2_8_2_impercist_unselected_baseline_lesion_missing_from_follow_up_is_ne():
    # T = 1.5 x 2.0 + 2 x 0.25 = 3.5. Baseline: L1 (lung) 6.0 measurable -> S_bl = 6.0; L2 (bone) 3.0
    # < 3.5, not in S_bl but a baseline lesion (1.3). Day 90: L1 6.0, L2 has no row.
    # spec 1.2: 'Every lesion present at baseline must be reported at every follow-up, either with a value
    # or with status = absent. A baseline lesion missing from a follow-up makes that follow-up NE for
    # criteria that need lesion values (reason lists the missing lesion_ids).' imPERCIST needs L2's value:
    # S_fu = select_hottest(all lesions present at the follow-up) (8.2): L2 at 3.0 -> S_fu 9.0, +50% PMD;
    # L2 absent -> S_fu 6.0, 0% SMD. The category hangs on the missing value -> NE naming L2.
    lesions = [("L1", "target", "lung", {-6: 6.0, 90: 6.0}), ("L2", "target", "bone", {-6: 3.0})]
    row = assess("impercist", lesions).timepoints.iloc[0]
    assert row["overall_response"] == "NE"  # 1.2
    assert "L2" in row["reason"]  # 1.2: the reason lists the missing lesion_id


def test_9_5_2a_5_4_ipercist_no_uptake_confirmation_against_a_upmd_scan_that_failed_qc():
    # Baseline day -5: L1 (lung) 5.0, L2 (lymph node) 3.0, uptake 60.
    # Day 56, uptake 80 min: 5.4 fails (80 > 70; |80 - 60| = 20 > 15) -> quantitative rules NE, but N1
    # (bone) new -> 5.5 (c) PMD on a failed scan -> UPMD, U = day 56 (L1 5.0 measured under failed QC).
    # Day 84, uptake 60 (passes vs baseline): L1 7.0 (+40%, +2.0 vs baseline) -> P_bl PMD. Versus U: the
    # pair (U, C) fails too (|60 - 80| = 20 > 15) and U's own pair with baseline failed: 5.4 'a scan pair
    # that fails is NE for quantitative rules' -> 2(a) cannot fire (the code's own rule for a C that
    # fails, pinned by test_metabolic_audit.py::
    # test_ipercist_9_5_quantitative_confirmation_is_not_applied_on_a_scan_that_failed_qc);
    # 2(c) N1 was present at U; no flag -> UPMD, pending.
    lesions = [
        ("L1", "target", "lung", {-5: 5.0, 56: 5.0, 84: 7.0}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.0, 84: 3.0}),
        ("N1", "new", "bone", {56: 3.0, 84: 3.0}),
    ]
    result = assess("ipercist", lesions, {-5: QC, 56: QC | {"uptake_min": 80}, 84: QC})
    assert column(result, "overall_response") == ["UPMD", "UPMD"]  # 9.5 rule 2: not confirmed
    assert pd.isna(best(result)["progression_day"])  # no confirmed episode


def test_9_5_2b_5_4_ipercist_no_extent_confirmation_against_a_upmd_scan_that_failed_qc():
    # Baseline: L1 (lung) SULpeak 5.0, tlg 50. Day 56 (uptake 80: fails 5.4, 80 > 70 and 20 > 15 min):
    # L1 5.0 / 50, N1 (bone) new -> PMD by (c) -> UPMD (U = 56). Day 84 (uptake 60): L1 5.1 / 100 ->
    # vs baseline TLG 100 / 50 - 1 = 1.0 >= 0.75 with 5.1 >= 5.0 -> PMD (b) (and N1). Versus U: (a)
    # 5.1 vs 5.0 +2% no; (b) would be the same +100% TLG, but U's values come from a failed scan pair
    # (5.4) -> not evaluable; (c) N1 already at U -> UPMD.
    cell = lambda v, g: {"sulpeak": v, "tlg": g}  # noqa: E731
    lesions = [("L1", "target", "lung", {-5: cell(5.0, 50.0), 56: cell(5.0, 50.0), 84: cell(5.1, 100.0)}),
               ("N1", "new", "bone", {56: cell(3.0, 10.0), 84: cell(3.0, 10.0)})]
    result = assess("ipercist", lesions, {-5: QC, 56: QC | {"uptake_min": 80}, 84: QC})
    assert column(result, "overall_response") == ["UPMD", "UPMD"]  # 9.5 rule 2: not confirmed


def test_9_5_2a_5_3_ipercist_no_uptake_confirmation_without_measurable_baseline_disease():
    # T = 3.5; baseline L1 (lung) 3.2 < 3.5: 5.3 'The patient is quantitatively assessable if the baseline
    # hottest lesion is measurable'; 5.7: 'baseline hottest lesion below T: NE ..., unless PMD by (c) or (d)'.
    # Day 56: N1 (bone) new -> PMD by (c) -> UPMD (U = 56). Day 84: L1 4.5, N1 3.0 -> P_bl PMD by (c)
    # only. Versus U: 2(a) is the quantitative PERCIST increase rule (4.5 vs 3.0 would be +50%, +1.5) and
    # the patient is not quantitatively assessable; 2(c) N1 was present at U -> UPMD, pending.
    lesions = [("L1", "target", "lung", {-5: 3.2, 56: 3.0, 84: 4.5}),
               ("N1", "new", "bone", {56: 3.0, 84: 3.0})]
    result = assess("ipercist", lesions)
    assert column(result, "overall_response") == ["UPMD", "UPMD"]  # 9.5 rule 2: not confirmed
    assert column(result, "confirmation_state") == ["pending", "pending"]


# ---------------------------------------------------------------------------- random comparisons

SEED, N_DEFAULT, N_OPTIONS = 20261130, 250, 100


@pytest.mark.parametrize(
    "options",
    [
        (),
        (("impercist_new_lesion_mode", "add_all"),),  # 8.12 A1
        (("impercist_reference", "nadir"),),  # A4
        (("impercist_inclusive", False), ("impercist_min_abs_sul", 0.8)),  # A2, A3
    ],
)
def test_random_impercist_matches_the_spec_reference(options):
    found = compare("impercist", SEED, N_DEFAULT if not options else N_OPTIONS, options)
    assert not found, dict(list(found.items())[:5])


@pytest.mark.parametrize(
    ("options", "with_tlg"),
    [
        ((), False),
        ((), True),  # tlg column: PERCIST extent rule (b) versus baseline and versus U (9.5 2(b))
        ((("ipercist_enforce_window", True),), False),  # 9.11 A2
        ((("ipercist_confirm_reference", "baseline"),), False),  # 9.11 A1
    ],
)
def test_random_ipercist_matches_the_spec_reference(options, with_tlg):
    found = compare("ipercist", SEED, N_DEFAULT if not options else N_OPTIONS, options, with_tlg=with_tlg)
    assert not found, dict(list(found.items())[:5])


def test_random_patients_exercise_every_category():
    # guard for the generator: the comparisons above are only worth something if every category occurs
    seen = {
        crit: set(code_result(SEED, N_DEFAULT, 0.02, crit, ()).timepoints["overall_response"])
        for crit in ("impercist", "ipercist")
    }
    assert seen["impercist"] == {"CMR", "PMR", "SMD", "PMD", "NE"}
    assert seen["ipercist"] == {"CMR", "PMR", "SMD", "UPMD", "CPMD", "NE"}


# ---------------------------------------------------------------------------- checks that already hold


def test_9_5_2c_9_8_new_lesion_absent_at_u_that_reappears_confirms_and_an_earlier_reset_is_the_best():
    # Day 28: N1 (bone) new -> PMD -> UPMD (U1). Day 56: N1 absent, L1 5.0 (0%) -> SMD: reset,
    # 'UPMD at day 28 not confirmed'. Day 84: L1 7.0 (+40%, +2.0) -> PMD -> UPMD (U2 = 84).
    # Day 112: N1 back (3.0): P_bl PMD; vs U2: L1 0%, but N1 'was not present at U' (absent at day 84) ->
    # 2(c) -> CPMD dated day 84. Best (9.8): SMD (day 56) over scans up to the CPMD; responder: the SMD
    # closed an episode -> True.
    lesions = [("L1", "target", "lung", {-5: 5.0, 28: 5.0, 56: 5.0, 84: 7.0, 112: 7.0}),
               ("N1", "new", "bone", {28: 3.0, 56: ABSENT, 84: ABSENT, 112: 3.0})]
    result = assess("ipercist", lesions)
    assert column(result, "overall_response") == ["UPMD", "SMD", "UPMD", "CPMD"]
    assert column(result, "confirmation_state") == ["not_confirmed", "not_required", "confirmed", "confirms"]
    row = best(result)
    assert row["best_response"] == "SMD" and row["progression_day"] == 84 and bool(row["responder"])


@pytest.mark.parametrize(("inclusive", "expected"), [(False, "UPMD"), (True, "CPMD")])
def test_1_5_9_5_2a_confirmation_by_exactly_30_percent_versus_u(inclusive, expected):
    # Liver 1.6 / 0.2 at every scan: T = 2.4 + 0.4 = 2.8. Baseline L1 3.0 (measurable).
    # Day 56: 4.0 (+33.3%, +1.0 > 0.8) -> PMD -> UPMD. Day 84: 5.2 (vs baseline +73.3%) -> PMD; vs U:
    # (5.2 - 4.0) / 4.0 = 0.30000000000000004, rounded 0.3 (1.5): 'rel > 0.30' fails -> UPMD by default;
    # percist_pmd_inclusive (9.11 A4: >= 0.30 and >= 0.8; +1.2 SUL) -> CPMD.
    scans = dict.fromkeys((-5, 56, 84), {"uptake_min": 60, "liver_sul_mean": 1.6, "liver_sul_sd": 0.2})
    lesions = [("L1", "target", "lung", {-5: 3.0, 56: 4.0, 84: 5.2})]
    result = assess("ipercist", lesions, scans, percist_pmd_inclusive=inclusive)
    assert column(result, "overall_response") == ["UPMD", expected]


def test_9_5_2d_a_flag_already_set_at_u_does_not_confirm_a_newly_flagged_lesion_does():
    # Day 56: L2 unequivocal_progression -> 5.5 (d) PMD -> UPMD (U = 56); L1 5.0 -> 5.1 (+2%).
    # Day 84: L2 still flagged (set at U already), L1 5.1 (vs U 0%) -> still UPMD.
    # Day 112: L1 newly flagged -> 2(d) -> CPMD dated day 56; best CPMD (UPMD rows of a confirmed episode).
    flag = "unequivocal_progression"
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 5.1, 84: 5.1, 112: {"sulpeak": 5.1, "status": flag}}),
               ("L2", "target", "lymph node",
                {-5: 3.0, 56: {"sulpeak": 3.0, "status": flag}, 84: {"sulpeak": 3.0, "status": flag},
                 112: {"sulpeak": 3.0, "status": flag}})]
    result = assess("ipercist", lesions)
    assert column(result, "overall_response") == ["UPMD", "UPMD", "CPMD"]
    assert column(result, "confirmation_state") == ["confirmed", "confirmed", "confirms"]
    assert best(result)["best_response"] == "CPMD" and best(result)["progression_day"] == 56


@pytest.mark.parametrize("criterion", ["impercist", "ipercist"])
def test_1_2_baseline_is_the_latest_scan_on_or_before_day_0(criterion):
    # Day -30: L1 4.0 (pre-baseline, ignored); day 0: 10.0 (baseline). Day 90: 7.0 -> vs day 0:
    # -30.0% (rounded), -3.0 SUL -> PMR for both (imPERCIST sum 10.0 -> 7.0 <= -30%; PERCIST hottest
    # <= -30% and <= -0.8, no other lesion). Versus day -30 it would be +75%.
    result = assess(criterion, [("L1", "target", "lung", {-30: 4.0, 0: 10.0, 90: 7.0})])
    assert column(result, "day") == [90] and column(result, "overall_response") == ["PMR"]
    assert "ignored: pre-baseline" in best(result)["reason"]  # 1.2


def test_9_8_first_follow_up_smd_stays_a_responder_after_confirmed_progression():
    # Day 56: 5.0 -> 5.5 (+10%) SMD. Day 112: 7.5 (+50%, +2.5) -> UPMD. Day 140: 10.0 vs U
    # (10.0 - 7.5) / 7.5 = +33.3%, +2.5 -> CPMD dated 112. Best SMD; responder: 'CMR, PMR or SMD at
    # SCAN-2 (first follow-up)' -> True.
    result = assess("ipercist", [("L1", "target", "lung", {-5: 5.0, 56: 5.5, 112: 7.5, 140: 10.0})])
    assert column(result, "overall_response") == ["SMD", "UPMD", "CPMD"]
    row = best(result)
    assert row["best_response"] == "SMD" and row["progression_day"] == 112 and bool(row["responder"])


def test_8_2_8_5_impercist_top5_cap_drops_a_third_lesion_of_an_organ_and_new_lesions_never_pmd_alone():
    # T = 3.5. Baseline L1 (liver) 6.0, L2 (liver) 5.0, L3 (lung) 4.0: S_bl = 15.0.
    # Day 90: L1 5.0, L2 4.0, L3 4.0, N1 (liver) 5.5, N2 (bone) 1.0. select_hottest (1.4): N1 5.5 (liver),
    # L1 5.0 (liver), L2 4.0 (liver: third, dropped), L3 4.0 (lung), N2 1.0 (bone) -> S_fu = 15.5,
    # rel = +3.3%: SMD (PERCIST would say PMD for the new lesions).
    lesions = [("L1", "target", "liver", {-6: 6.0, 90: 5.0}), ("L2", "target", "liver", {-6: 5.0, 90: 4.0}),
               ("L3", "target", "lung", {-6: 4.0, 90: 4.0}), ("N1", "new", "liver", {90: 5.5}),
               ("N2", "new", "bone", {90: 1.0})]
    row = assess("impercist", lesions).timepoints.iloc[0]
    assert row["current_sum"] == pytest.approx(15.5) and row["overall_response"] == "SMD"


def test_5_7_9_5_incomplete_scan_with_a_new_lesion_is_ne_and_opens_no_episode():
    # 5.7: 'a baseline lesion with neither sulpeak nor status = absent at the follow-up' -> NE, and unlike
    # the quality-check and measurability bullets it has no 'unless PMD by (c) or (d)'; 1.2 likewise.
    # Day 56: L1 not_evaluable (1.3), N1 new -> P_bl NE -> NE, no episode (9.5 rule 1).
    # Day 84: L1 7.0 (+40%, +2.0) and N1 -> PMD -> UPMD (U = 84), open at the last scan -> pending.
    # (Before the percist.py change of this session the day-56 scan was UPMD and day 84 confirmed it by
    # 2(a) against the hottest of U's valued lesions, L2 3.1: +125.8%.)
    lesions = [
        ("L1", "target", "lung", {-5: 5.0, 56: NOT_EVALUABLE, 84: 7.0}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.1, 84: 3.1}),
        ("N1", "new", "bone", {56: 3.0, 84: 3.0}),
    ]
    result = assess("ipercist", lesions)
    assert column(result, "overall_response") == ["NE", "UPMD"]
    assert column(result, "confirmation_state") == ["not_required", "pending"]
    assert best(result)["best_response"] == "UPMD" and pd.isna(best(result)["progression_day"])  # 9.8, rule 4
