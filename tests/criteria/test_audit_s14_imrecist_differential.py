"""Differential audit of imRECIST (spec/anatomic.md sections 0.1-0.10 - in particular 0.7 and 0.8 - all of
section 5 with its options, and the imRECIST column of section 8).

An independent reference of imRECIST written from the spec text only (``reference`` below: RECIST 1.1
baseline, sum of targets plus counted new measurable lesions with the 5 / 2-per-organ caps, baseline and nadir
references, +20 % and +5 mm progression, PR at -30 %, non-target and new non-measurable lesions that only
block CR, the table of 5.6, PD confirmation per 0.8, response confirmation per 0.7, best overall response over
every assessment with not-confirmed PD rows skipped, progression day / PFS event / duration of response) is
compared with ``ioresponse.assess(..., criteria=("imrecist",))`` on seeded random patients, at the defaults
and under each documented option of 5.11. The random patients agree (timepoint labels, confirmation states,
after_progression, best responses and dates). Reconciling the two settled four readings the spec leaves
open, taken as the code's (each is reasonable and is asserted below or in earlier audits): a new lesion not
evaluated may be present, so it blocks CR (pinned by test_audit_s13_irrc_differential); a patient without
targets whose counted new lesion is not evaluated is NE (5.4 "incomplete"); a PD pending at the end of data
ends the duration of response at its day (E5 "pd" makes it the PFS event); with ``first_appearance_only`` a
lesion is first seen when first unequivocal.

Two differences were found by hand, both outside what the random patients exercise, and fixed in session 14:
a split new lymph node was judged per fragment (0.4 with 5.4 / 1.5), and a present non-nodal new lesion
without its measurement was taken as non-measurable (0.1, 0.4, 1.9). New lesions of irRECIST, iRECIST and
imRECIST are now judged on their lesion value (fragments summed, 0.4), as RECIST 1.1 already did, through one
helper (``_anatomic.small_new_nodes`` / ``measurable_lesion``); an uncounted present new lesion without its
measurement makes the irRECIST / imRECIST burden incomplete (3.4, 5.4: NE unless the known part is PD).
Every expected value comes from the spec and hand arithmetic.
"""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from assessed import by_day, row, run

import ioresponse

PR_REL, PD_REL, PD_ABS, TOO_SMALL = -0.30, 0.20, 5.0, 5.0  # 5.4, 0.4


def _num(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _measure(r):
    return _num(r.get("short_axis_mm") if r["lymph_node"] else r.get("long_axis_mm"))


def _value(r):  # 0.4 unidimensional value; None = missing
    s = r["status"]
    if s == "not_evaluable":
        return None
    if s == "absent":
        return 0.0
    if s == "too_small":
        return TOO_SMALL
    return _measure(r)


def _normal_node(r):  # 0.4
    return r["status"] in ("absent", "too_small") or (_measure(r) is not None and _measure(r) < 10)


def _gone(r):  # 5.4 gone: absent, nodes < 10 mm
    return r["status"] == "absent" or (bool(r["lymph_node"]) and _normal_node(r))


def _organ(r):  # 0.1: nodes are one organ
    return "lymph node" if r["lymph_node"] else r["organ"]


def _measurable_new(r):  # 5.4 / 0.6 (CT, no slice column)
    if r["status"] != "present" or r.get("equivocal") is True:
        return False
    m = _measure(r)
    return m is not None and (m >= 15 if r["lymph_node"] else m >= 10)


def _new_lesion_present(r):  # 1.5: a malignant new lesion; a node only from 10 mm
    if r["status"] not in ("present", "too_small", "unequivocal_progression") or r.get("equivocal") is True:
        return False
    if r["lymph_node"]:
        return not _normal_node(r)
    return True


def _rel(s, ref):  # 0.5 with rounding and R = 0
    if ref == 0:
        return math.inf if s > 0 else 0.0
    return round((s - ref) / ref, 6)


def _is_pd(s, nadir):
    return _rel(s, nadir) >= PD_REL and round(s - nadir, 6) >= PD_ABS


DEFAULTS = dict(confirm_min_days=28, min_sd_days=42, max_new_measurable=5, max_new_measurable_per_organ=2,
                bor_scope="all", unconfirmed_pd_as="pd", max_ne_between=1, new_lesion_entry="when_measurable",
                confirm_response=False)


def reference(rows, **options):
    """One patient under imRECIST (spec 0 and 5) -> dict of the timepoint labels and confirmation states by
    day, best_response, best_response_confirmed, progression_day, pfs_event, pfs_day, first_response_day,
    duration_of_response_days."""
    o = dict(DEFAULTS, **options)
    CONFIRM_DAYS, MIN_SD_DAYS = o["confirm_min_days"], o["min_sd_days"]
    MAX_NEW, MAX_NEW_PER_ORGAN = o["max_new_measurable"], o["max_new_measurable_per_organ"]
    df = pd.DataFrame(rows)
    days = sorted({int(d) for d in df["day"]})
    base_day = max(d for d in days if d <= 0)  # 0.2
    fups = [d for d in days if d > base_day]
    at = {d: {} for d in days}
    for r in df.to_dict("records"):
        at[int(r["day"])][r["lesion_id"]] = r
    base = at[base_day]
    targets = [k for k, r in base.items() if r["role"] == "target"]
    nts = [k for k, r in base.items() if r["role"] == "non_target"]
    B = sum(_value(base[k]) for k in targets)
    complete_sums = [B]
    counted, per_organ, seen_new, first_seen_measurable, ever_lesion = [], {}, {}, {}, set()
    labels = {}
    for d in fups:
        nadir = min(complete_sums)
        for k, r in at[d].items():
            if r["role"] == "new" and k not in seen_new:
                seen_new[k] = r
            if (r["role"] == "new" and k not in first_seen_measurable and r.get("equivocal") is not True
                    and r["status"] in ("present", "too_small", "unequivocal_progression")):
                # E4 first_appearance_only: first seen as a new lesion (unequivocal, 5.9, and not absent)
                first_seen_measurable[k] = _measurable_new(r)

        def get(k, d=d):
            if k in at[d]:
                return at[d][k]
            src = base.get(k) or seen_new[k]
            return dict(src, status="not_evaluable", long_axis_mm=np.nan, short_axis_mm=np.nan)

        # counting new measurable lesions (5.4, E1, E4 when_measurable)
        cands = [k for k in seen_new if k not in counted and k in at[d] and _measurable_new(at[d][k])
                 and (o["new_lesion_entry"] == "when_measurable" or first_seen_measurable.get(k))]
        cands.sort(key=lambda k: (-_measure(at[d][k]), k))
        for k in cands:
            org = _organ(at[d][k])
            if len(counted) < MAX_NEW and per_organ.get(org, 0) < MAX_NEW_PER_ORGAN:
                counted.append(k)
                per_organ[org] = per_organ.get(org, 0) + 1
        sld_rows = [get(k) for k in targets] + [get(k) for k in counted]
        vals = [_value(r) for r in sld_rows]
        complete = all(v is not None for v in vals)
        S = sum(v for v in vals if v is not None)
        # 5.5 / 5.6 row 3: a new non-measurable lesion present, or not evaluated (so possibly present; the
        # reading pinned by test_audit_s13_irrc_differential), prevents CR
        # (a new node never seen at >= 10 mm was never a lesion, 1.5, and does not)
        for k in seen_new:
            if k in at[d] and _new_lesion_present(at[d][k]):
                ever_lesion.add(k)
        uncounted_new_present = any(
            _new_lesion_present(get(k)) or (get(k)["status"] == "not_evaluable"
                                            and (k in ever_lesion or not get(k)["lymph_node"]))
            for k in seen_new if k not in counted
        )
        nt_rows = [get(k) for k in nts]
        if not nts:
            nt = "none"
        elif all(_gone(r) for r in nt_rows):
            nt = "CR"
        elif any(r["status"] == "not_evaluable" for r in nt_rows):
            nt = "NE"
        else:
            nt = "NON"
        if not targets:  # 5.6 last paragraph; an incomplete sum of counted new lesions is NE (5.4)
            if counted and _is_pd(S, nadir):
                lab = "PD"
            elif not complete:
                lab = "NE"
            elif (nt in ("CR", "none") and all(_gone(get(k)) for k in counted)
                  and not uncounted_new_present):
                lab = "CR"
            elif nt == "NE":
                lab = "NE"
            else:
                lab = "NON-CR/NON-PD"
        elif not complete:
            lab = "PD" if _is_pd(S, nadir) else "NE"
        elif all(_gone(r) for r in sld_rows):
            lab = "CR" if nt in ("CR", "none") and not uncounted_new_present else "PR"
        elif _is_pd(S, nadir):
            lab = "PD"
        elif _rel(S, B) <= PR_REL:
            lab = "PR"
        else:
            lab = "SD"
        labels[d] = lab
        if complete:
            complete_sums.append(S)

    # 0.8 confirmation of PD
    state = {d: ("not_required" if labels[d] != "PD" else None) for d in fups}
    prog_day, pending_at_end = None, None
    i = 0
    while i < len(fups):
        d = fups[i]
        if labels[d] != "PD" or state[d] is not None:
            i += 1
            continue
        # d is a first PD: pending
        j = next((k for k in range(i + 1, len(fups))
                  if labels[fups[k]] != "NE" and fups[k] - d >= CONFIRM_DAYS), None)
        if j is None:
            state[d] = "pending"
            pending_at_end = d
            for k in range(i + 1, len(fups)):
                if labels[fups[k]] == "PD":
                    state[fups[k]] = "pending"
            break
        if labels[fups[j]] == "PD":
            state[d] = "confirmed"
            prog_day = d
            for k in range(i + 1, len(fups)):
                if labels[fups[k]] == "PD":
                    state[fups[k]] = "after"
            state[fups[j]] = "confirms"
            break
        state[d] = "not_confirmed"
        for k in range(i + 1, j):
            if labels[fups[k]] == "PD":
                state[fups[k]] = "not_confirmed"
        i = j + 1
    # 5.7: a PD pending at the end of data is a PFS event at its day (E5 unconfirmed_pd_as = "pd"); the
    # progression day is the first PD of a confirmed pair
    if o["unconfirmed_pd_as"] == "ne":
        pending_at_end = None
    pfs_event = prog_day is not None or pending_at_end is not None
    pfs_day = prog_day if prog_day is not None else pending_at_end

    # best overall response, bor_scope = "all", not-confirmed PD skipped (5.7)
    seq = [(d, labels[d]) for d in fups if state[d] != "not_confirmed"
           and not (o["bor_scope"] == "until_confirmed_pd" and prog_day is not None and d > prog_day)]
    if o["unconfirmed_pd_as"] == "ne":
        seq = [(d, "NE" if state[d] == "pending" else lab) for d, lab in seq]
    has_pd = any(lab == "PD" for _, lab in seq)

    def tail(allow):
        if any(lab in allow and d >= MIN_SD_DAYS for d, lab in seq):
            return "SD"
        if any(lab == "NON-CR/NON-PD" and d >= MIN_SD_DAYS for d, lab in seq):
            return "NON-CR/NON-PD"
        return "PD" if has_pd else "NE"

    labs = [lab for _, lab in seq]
    best = "CR" if "CR" in labs else "PR" if "PR" in labs else tail({"SD"})

    # 0.7 confirmation of response (CR then PR downgrade)
    conf = list(seq)
    for n, (d, lab) in enumerate(seq):
        if lab == "CR":
            nxt = next((lab2 for _, lab2 in seq[n + 1:] if lab2 != "NE"), None)
            if nxt == "PR":
                conf[n] = (d, "PR")

    def confirmed(n, want, ok_between):
        d, _ = conf[n]
        ne = 0
        for m in range(n + 1, len(conf)):
            dj, labj = conf[m]
            if prog_day is not None and d < prog_day <= dj:
                return False
            if dj - d >= CONFIRM_DAYS and labj in want:
                return True
            if labj == "NE":
                ne += 1
                if ne > o["max_ne_between"]:
                    return False
            elif labj not in ok_between:
                return False
        return False

    conf_cr = [conf[n][0] for n, (_, lab) in enumerate(conf) if lab == "CR" and confirmed(n, {"CR"}, {"CR"})]
    conf_pr = [conf[n][0] for n, (_, lab) in enumerate(conf)
               if lab == "PR" and confirmed(n, {"PR", "CR"}, {"PR", "CR"})]
    bconf = "CR" if conf_cr else "PR" if conf_pr else tail({"SD", "CR", "PR"})
    # 5.7 dates: first response = first CR/PR (first of a confirmed pair with confirm_response)
    if o["confirm_response"]:
        first = min(conf_cr + conf_pr) if bconf in ("CR", "PR") else None
    else:
        first = next((d for d, lab in seq if lab in ("CR", "PR")), None)
    dor = None
    if first is not None:
        if pfs_event and pfs_day > first:  # a PD pending at the end of data is the event (E5 "pd")
            dor = pfs_day - first
        else:
            # censored at the last evaluable assessment (a pending PD read as NE with E5 "ne")
            dor = max(d for d in fups if labels[d] != "NE" and not (
                o["unconfirmed_pd_as"] == "ne" and state[d] == "pending")) - first
    return dict(labels=labels, state=state, best_response=best, best_response_confirmed=bconf,
                progression_day=prog_day, pfs_event=pfs_event, pfs_day=pfs_day, first_response_day=first,
                duration_of_response_days=dor)


# --- random patients (spec 0.1 rows) --------------------------------------------------------------
ORGANS = ["lung", "liver", "adrenal", "kidney", "bone", "peritoneum"]


def _row(patient, day, lid, role, organ, node, status, value=None):
    out = dict(patient_id=patient, day=day, lesion_id=lid, role=role, organ=organ, lymph_node=node,
               status=status, long_axis_mm=np.nan, short_axis_mm=np.nan)
    if value is not None:
        out["short_axis_mm" if node else "long_axis_mm"] = float(value)
    return out


def make_patient(rng, patient):
    rows = []
    n_fu = int(rng.integers(2, 8))
    days, d = [], 0
    for _ in range(n_fu):
        d += int(rng.choice([14, 21, 27, 28, 29, 35, 42, 56]))
        days.append(d)
    base_day = -int(rng.integers(0, 15))
    n_t = int(rng.integers(0, 6)) if rng.random() < 0.1 else int(rng.integers(1, 6))
    per_org = {}
    lesions = []
    for k in range(n_t):
        node = rng.random() < 0.3
        organ = "lymph node" if node else str(rng.choice(ORGANS))
        key = "lymph node" if node else organ
        if per_org.get(key, 0) >= 2:
            continue
        per_org[key] = per_org.get(key, 0) + 1
        lesions.append((f"T{k + 1}", "target", organ if not node else "neck", node,
                        float(rng.integers(15, 40) if node else rng.integers(10, 50))))
    for k in range(int(rng.integers(0 if lesions else 1, 3))):
        node = rng.random() < 0.3
        lesions.append((f"N{k + 1}", "non_target", "mediastinum" if node else str(rng.choice(ORGANS)), node,
                        float(rng.integers(10, 15)) if node else float(rng.integers(5, 30))))
    for lid, role, organ, node, v in lesions:
        rows.append(_row(patient, base_day, lid, role, organ, node, "present", v))
    trend = rng.choice([0.6, 0.8, 1.0, 1.1, 1.3])
    for lid, role, organ, node, v in lesions:
        cur = v
        for day in days:
            cur = max(0.0, round(cur * trend * rng.uniform(0.8, 1.25)))
            u = rng.random()
            if role == "target":
                if u < 0.05:
                    continue  # missing row
                if u < 0.10:
                    rows.append(_row(patient, day, lid, role, organ, node, "not_evaluable"))
                elif u < 0.15 or cur < 3:
                    rows.append(_row(patient, day, lid, role, organ, node, "absent"))
                elif u < 0.19:
                    rows.append(_row(patient, day, lid, role, organ, node, "too_small"))
                else:
                    rows.append(_row(patient, day, lid, role, organ, node, "present", cur))
            else:
                status = str(rng.choice(["present", "absent", "unequivocal_progression", "not_evaluable"],
                                        p=[0.5, 0.25, 0.15, 0.1]))
                if u < 0.04:
                    continue
                rows.append(_row(patient, day, lid, role, organ, node, status,
                                 (cur if node else v) if status == "present" else None))
    for k in range(int(rng.integers(0, 4))):
        first = int(rng.integers(0, len(days)))
        node = rng.random() < 0.3
        organ = "hilum" if node else str(rng.choice(ORGANS[:3]))
        cur = float(rng.integers(6, 26))
        lid = f"U{k + 1}"
        n_equivocal = int(rng.integers(1, 3)) if rng.random() < 0.2 else 0
        for n_seen, day in enumerate(days[first:]):
            u = rng.random() if n_seen else 0.5  # first seen present (or too small)
            if u < 0.04:
                continue
            if u < 0.10:
                rows.append(_row(patient, day, lid, "new", organ, node, "not_evaluable"))
            elif u < 0.17:
                rows.append(_row(patient, day, lid, "new", organ, node, "absent"))
            elif u < 0.20 and not node:
                rows.append(_row(patient, day, lid, "new", organ, node, "too_small"))
            else:
                rows.append(_row(patient, day, lid, "new", organ, node, "present", cur))
            rows[-1]["equivocal"] = n_seen < n_equivocal
            cur = float(max(3, round(cur * rng.uniform(0.7, 1.5))))
    return rows


# --- the random comparison ------------------------------------------------------------------------------

BEST_COLUMNS = ("best_response", "best_response_confirmed", "progression_day", "pfs_event", "pfs_day",
                "first_response_day", "duration_of_response_days")


def _plain(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, float, np.integer, np.floating)):
        return int(x)
    return x


def _differences(n, seed, **options):
    rng = np.random.default_rng(seed)
    patients = {f"P{i:03d}": make_patient(rng, f"P{i:03d}") for i in range(n)}
    table = pd.DataFrame([r for rows in patients.values() for r in rows])
    table["equivocal"] = table["equivocal"].map(lambda x: x is True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(table, criteria=("imrecist",), **options)
    tp, best = result.timepoints, result.best_response.set_index("patient_id")
    out = []
    for patient, rows in patients.items():
        want = reference(rows, **options)
        t = tp[tp["patient_id"] == patient]
        days = t["day"].astype(int)
        got = {"labels": dict(zip(days, t["overall_response"], strict=True)),
               "after": dict(zip(days, t["after_progression"].astype(bool), strict=True))}
        exp = {"labels": want["labels"],
               "after": {d: want["progression_day"] is not None and d > want["progression_day"]
                         for d in want["labels"]}}
        if options.get("unconfirmed_pd_as") != "ne":  # 0.8 / 0.9 states of the PD rows
            pd_days = [d for d, lab in want["labels"].items() if lab == "PD"]
            states = dict(zip(days, t["confirmation_state"], strict=True))
            got["state"] = {d: states.get(d) for d in pd_days}
            renamed = {"after": "not_required"}  # PD rows after a confirmed PD
            exp["state"] = {d: renamed.get(want["state"][d], want["state"][d]) for d in pd_days}
        b = best.loc[patient]
        for column in BEST_COLUMNS:
            if column == "pfs_day" and not want["pfs_event"]:
                continue  # censoring day of PFS: not specified by section 5
            got[column], exp[column] = _plain(b[column]), _plain(want[column])
        bad = {k: (exp[k], got[k]) for k in exp if exp[k] != got[k]}
        if bad:
            out.append((patient, bad))
    return out


def test_random_patients_match_the_reference_at_the_defaults():
    # 120 seeded patients; defaults of 5.11
    assert _differences(120, seed=14) == []


@pytest.mark.parametrize("options", [
    {"confirm_response": True},
    {"bor_scope": "until_confirmed_pd"},
    {"unconfirmed_pd_as": "ne", "max_ne_between": 0},
    {"max_new_measurable": 2, "max_new_measurable_per_organ": 1, "confirm_min_days": 35, "min_sd_days": 56},
    {"new_lesion_entry": "first_appearance_only"},
])
def test_random_patients_match_the_reference_under_each_option(options):
    # 5.11 options, 25 seeded patients each
    assert _differences(25, seed=140, **options) == []


# --- proven difference: a split new lymph node (spec 0.4 with 5.4 and 1.5) -----------------------------

def test_0_4_5_4_split_new_node_of_17mm_is_counted_in_the_sum():
    # spec 0.4 "Split lesion: several rows with the same lesion_id in one assessment are fragments; the lesion
    # value is the sum of the fragment values"; 5.4 counts new nodes with "short axis >= 15 mm".
    rows = [row(-7, "T1", 40, organ="lung"), row(56, "T1", 35, organ="lung"),
            row(56, "U1", 8, node=True, organ="hilum"), row(56, "U1", 9, node=True, organ="hilum")]
    result = run(rows, "imrecist")
    # U1 = 8 + 9 = 17 mm >= 15: counted; SLD = 35 + 17 = 52 mm vs nadir 40: +30.00 % (>= 20 %) and +12 mm
    # (>= 5): PD, pending (5.6 row 1, 0.8)
    assert by_day(result, "current_sum") == {56: 52.0}
    assert by_day(result) == {56: "PD"}
    assert "new_node_below_10mm" not in by_day(result, "flags")[56]


def test_0_4_5_6_split_new_node_of_11mm_is_a_new_non_measurable_lesion_that_prevents_cr():
    # spec 0.4 (fragments summed), 1.5 "a node counts as a new lesion only with short axis >= 10 mm", 5.5 "New
    # non-measurable lesions ... any one present prevents CR".
    rows = [row(-7, "T1", 40, organ="lung"), row(56, "T1", status="absent", organ="lung"),
            row(56, "U1", 6, node=True, organ="hilum"), row(56, "U1", 5, node=True, organ="hilum")]
    result = run(rows, "imrecist")
    # U1 = 6 + 5 = 11 mm: a new lesion (>= 10), not measurable (< 15); T1 gone, no non-target: 5.6 row 5 -> PR
    assert by_day(result, "new_lesion_response") == {56: "yes"}
    assert by_day(result) == {56: "PR"}


def test_0_4_5_6_control_unsplit_new_node_of_11mm_prevents_cr():
    # the same node in one row (11 mm): new non-measurable lesion present, T1 gone -> 5.6 row 5: PR
    rows = [row(-7, "T1", 40, organ="lung"), row(56, "T1", status="absent", organ="lung"),
            row(56, "U1", 11, node=True, organ="hilum")]
    assert by_day(run(rows, "imrecist")) == {56: "PR"}


# --- proven difference: a first-seen non-nodal new lesion without its measurement (0.1, 0.4, 1.9, 5.9) ------


@pytest.mark.parametrize("criterion", ["imrecist", "irrecist"])
def test_0_4_5_9_new_lesion_present_without_long_axis_is_not_guessed_non_measurable(criterion):
    rows = [row(-7, "T1", 40, organ="lung"), row(56, "T1", 30, organ="lung"), row(56, "U1", organ="liver")]
    # T1 30 vs B 40 = -25 %. U1's size is unknown: under 10 mm it is new non-measurable (SD); at 18 mm or
    # more it is counted and SLD >= 48 = +20 % and +8 mm over 40 (PD). The answer depends on the missing
    # value: the sum is incomplete and its known part (30) is not PD, so NE (5.4; irRECIST 3.4), never SD.
    # (The input check accepts it: a non-nodal new lesion is new at any size, 1.5.)
    result = run(rows, criterion)
    assert by_day(result) == {56: "NE"}
    assert "lesion U1 present without a size" in by_day(result, "reason")[56]  # 0.10: the reason names it


# --- the same rules in the criteria that share them (session 14 fix) ----------------------------------------


def test_0_4_2_9_irrc_new_lesion_present_without_diameters_makes_the_burden_incomplete():
    # irRC, the same rule: T1 40 x 30 = 1200 mm2 at baseline, 30 x 20 = 600 on day 56. U1 is present with no
    # diameter. Under 5 x 5 mm it is new non-measurable: burden 600 = -50 % (irPR). At 5 x 5 mm or more it is
    # counted (2.4): burden >= 625, above -50 % (irSD), and irPD once U1 >= 900 mm2 (1500 = +25 % vs the
    # nadir 1200). Its size decides, so the burden is incomplete: the known part (600) is not irPD -> NE
    # (2.4 "Incomplete TB"), and the reason names the lesion (0.10).
    rows = [row(-7, "T1", 40, organ="lung", perpendicular_mm=30),
            row(56, "T1", 30, organ="lung", perpendicular_mm=20), row(56, "U1", organ="liver")]
    result = run(rows, "irrc")
    assert by_day(result) == {56: "NE"}
    assert "lesion U1 present without a size" in by_day(result, "reason")[56]


@pytest.mark.parametrize(("criterion", "column", "value", "label"), [
    ("irrecist", "current_sum", 52.0, "irPD"),  # 3.4: TMTB 35 + 17 = 52 vs nadir 40: +30 %, +12 mm
    ("irecist", "new_lesion_sum", 17.0, "iUPD"),  # 4.4: a measurable new node (>= 15 mm) is an NLT
])
def test_0_4_3_4_4_4_split_new_node_of_17mm_is_measurable(criterion, column, value, label):
    # spec 0.4 (fragments summed): U1 = 8 + 9 = 17 mm, a measurable new node (0.6, >= 15 mm), no flag
    rows = [row(-7, "T1", 40, organ="lung"), row(56, "T1", 35, organ="lung"),
            row(56, "U1", 8, node=True, organ="hilum"), row(56, "U1", 9, node=True, organ="hilum")]
    result = run(rows, criterion)
    assert by_day(result, column) == {56: value}
    assert by_day(result) == {56: label}
    assert "new_node_below_10mm" not in by_day(result, "flags")[56]


@pytest.mark.parametrize(("criterion", "column", "value", "label"), [
    ("imrecist", "current_sum", 46.0, "SD"),  # 5.4: SLD 35 + 11 = 46 vs 40: +15 %, not PD
    ("irrecist", "current_sum", 46.0, "irSD"),  # 3.4: the same TMTB
    ("irecist", "new_lesion_sum", 11.0, "iUPD"),  # 4.4: an NLT of 11 mm
])
def test_0_4_0_6_split_non_nodal_new_lesion_of_11mm_is_measurable(criterion, column, value, label):
    # spec 0.4: U1 = 6 + 5 = 11 mm >= min_nonnodal_mm 10 (0.6): a new measurable lesion, counted
    rows = [row(-7, "T1", 40, organ="lung"), row(56, "T1", 35, organ="lung"),
            row(56, "U1", 6, organ="liver"), row(56, "U1", 5, organ="liver")]
    result = run(rows, criterion)
    assert by_day(result, column) == {56: value}
    assert by_day(result) == {56: label}


@pytest.mark.parametrize(("criterion", "label"), [("imrecist", "PD"), ("irrecist", "irPD")])
def test_0_4_5_4_unmeasured_new_lesion_with_the_known_part_already_pd_is_pd(criterion, label):
    # spec 5.4 / 3.4 "incomplete (PD if the known part already meets PD, else NE)": T1 50 vs 40 is +25 %,
    # +10 mm whatever U1 measures
    rows = [row(-7, "T1", 40, organ="lung"), row(56, "T1", 50, organ="lung"), row(56, "U1", organ="liver")]
    assert by_day(run(rows, criterion)) == {56: label}


# --- rules checked and found correct ---------------------------------------------------------------------


def test_0_4_5_4_counted_new_lesion_that_later_splits_is_summed():
    # U1 12 mm on day 56 (>= 10: counted), fragments 8 + 9 = 17 mm on day 84 (0.4)
    rows = [row(-7, "T1", 40, organ="lung"), row(56, "T1", 30, organ="lung"), row(56, "U1", 12),
            row(84, "T1", 30, organ="lung"), row(84, "U1", 8), row(84, "U1", 9)]
    result = run(rows, "imrecist")
    # day 56: 30 + 12 = 42 vs nadir 40: +5.00 % -> SD; day 84: 30 + 17 = 47 vs nadir 40: +17.50 % -> SD
    assert by_day(result, "current_sum") == {56: 42.0, 84: 47.0}
    assert by_day(result) == {56: "SD", 84: "SD"}


def test_0_8_deciding_assessment_is_compared_with_its_own_nadir_which_an_early_sd_lowered():
    # 0.8 "j still meets the criterion's PD rule (recomputed at j against N(j))"
    rows = [row(-7, "T1", 50), row(56, "T1", 60), row(70, "T1", 45), row(84, "T1", 56)]
    result = run(rows, "imrecist")
    # 56: 60 vs 50 = +20.00 %, +10 -> PD pending; 70: 45 (14 days later: does not decide) -> SD;
    # 84 (28 days after 56): N(84) = min(50, 60, 45) = 45; 56 vs 45 = +24.44 %, +11 mm -> PD: confirms day 56
    assert by_day(result) == {56: "PD", 70: "SD", 84: "PD"}
    assert by_day(result, "nadir_sum")[84] == 45.0
    assert by_day(result, "confirmation_state") == {56: "confirmed", 70: "not_required", 84: "confirms"}
    b = result.best_response.iloc[0]
    # best response: SD at day 70 < 42? no, 70 >= 42 -> SD (5.7, bor_scope all); progression day 56
    assert (b["best_response"], b["progression_day"], bool(b["pfs_event"])) == ("SD", 56, True)


@pytest.mark.parametrize("confirm_response", [False, True])
def test_0_7_0_8_not_confirmed_pd_between_two_pr_does_not_break_the_response_confirmation(confirm_response):
    rows = [row(-7, "T1", 50), row(28, "T1", 30), row(42, "T1", 40), row(70, "T1", 30), row(98, "T1", 30)]
    result = run(rows, "imrecist", confirm_response=confirm_response)
    # 28: 30 vs 50 = -40 % -> PR; 42: 40 vs nadir 30 = +33.33 %, +10 -> PD; decided at 70 (28 days): 30 vs
    # N(70) = 30 -> not PD: not confirmed, ignored for best response (0.8); PR 28 confirmed by PR 70 (42 days,
    # nothing left between, 0.7) -> PR both ways; first response day 28; no PD: duration censored at the last
    # evaluable assessment 98 - 28 = 70
    assert by_day(result, "confirmation_state")[42] == "not_confirmed"
    b = result.best_response.iloc[0]
    assert (b["best_response"], b["best_response_confirmed"]) == ("PR", "PR")
    assert (b["first_response_day"], b["duration_of_response_days"], bool(b["pfs_event"])) == (28, 70, False)


def test_0_4_5_4_too_small_target_node_is_normal_so_the_sum_is_gone():
    # 0.4 "Normal lymph node: a node with status absent, or too_small, or short axis < 10 mm"; value 5 mm
    rows = [row(-7, "T1", 20, node=True, organ="neck"),
            row(56, "T1", status="too_small", node=True, organ="neck")]
    result = run(rows, "imrecist")
    # SLD 5 mm, every target gone, no non-target, no new lesion: 5.6 row 3 -> CR
    assert by_day(result, "current_sum") == {56: 5.0}
    assert by_day(result) == {56: "CR"}


def test_1_5_5_6_new_node_never_at_10mm_is_not_a_lesion_even_when_its_row_is_missing_later():
    # U1: a 9 mm then 7 mm new node (< 10 mm: not a new lesion, 1.5), no row on day 112 (0.2: not_evaluable);
    # it was never a lesion, so it cannot block CR
    rows = [row(-7, "T1", 30, organ="lung"), row(56, "T1", 10, organ="lung"),
            row(56, "U1", 9, node=True, organ="hilum"), row(84, "T1", 8, organ="lung"),
            row(84, "U1", 7, node=True, organ="hilum"), row(112, "T1", status="absent", organ="lung")]
    result = run(rows, "imrecist")
    # 56: 10 vs 30 = -66.67 % -> PR; 84: 8 -> PR; 112: target gone, nothing else -> CR
    assert by_day(result) == {56: "PR", 84: "PR", 112: "CR"}


def test_5_4_5_6_no_targets_counted_new_lesion_not_evaluated_is_ne_and_cannot_confirm():
    # non-target only; U1 12 mm on day 56: counted, SLD 12 over a nadir of 0 (>= 5 mm): PD pending (5.6);
    # day 84: U1 not evaluated -> SLD incomplete, known part 0 not PD: NE (5.4), which does not decide (0.8);
    # day 112: U1 absent, N1 present -> NON-CR/NON-PD decides day 56 (56 days later): not confirmed
    rows = [row(-7, "N1", 20), row(56, "N1", 20), row(56, "U1", 12, organ="lung"),
            row(84, "N1", 20), row(84, "U1", status="not_evaluable", organ="lung"),
            row(112, "N1", 20), row(112, "U1", status="absent", organ="lung")]
    result = run(rows, "imrecist")
    assert by_day(result) == {56: "PD", 84: "NE", 112: "NON-CR/NON-PD"}
    assert by_day(result, "confirmation_state")[56] == "not_confirmed"
    b = result.best_response.iloc[0]
    # 5.7: NON-CR/NON-PD at day 112 >= 42 -> best NON-CR/NON-PD; no PFS event
    assert (b["best_response"], bool(b["pfs_event"])) == ("NON-CR/NON-PD", False)


def test_5_11_option_values_are_checked_and_recist_only_options_refused():
    rows = [row(-7, "T1", 50), row(56, "T1", 50)]
    with pytest.raises(ioresponse.schema.InputError, match="bor_scope"):
        run(rows, "imrecist", bor_scope="bogus")  # 5.11: "all" / "until_confirmed_pd"
    with pytest.raises(ioresponse.schema.InputError, match="accept_sd_between"):
        run(rows, "imrecist", accept_sd_between=True)  # not in the option table of 5.11
