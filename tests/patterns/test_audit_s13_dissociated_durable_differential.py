"""Differential audit of dissociated response, durable response and oligoprogression (session 13, h10).

Audited against spec/patterns.md sections 0.1-0.6 (time, assessments, three-valued results, thresholds with
the 1e-9 tolerances), 3.2 (lesion-level classification), 3.3 (dissociated.lesion_level,
bernard_tessier2020, tozuka2020), 3.4 (worked examples), 4.1 (durable.drr_optim), 4.2
(durable.pons_tostivint2019), 4.3 (durable.off_treatment) and 4.4 (oligoprogression).

Method: compact independent reference implementations of 3.2, 3.3 and 4.1-4.4 written from the spec text
only (below, ``_ref_*``), compared with the public API (``ioresponse.load`` / ``ioresponse.run`` /
``ioresponse.patterns.find_patterns``) on seeded random patients. Cases where the spec is ambiguous are
skipped by the reference and counted (a lesion that is both "responding" by r_base and "progressing" by
r_nadir, 3.2 gives no precedence; "last assessment in response" of 4.1 read two ways).
Conventions the reference follows from elsewhere in the spec: all lymph-node stations count as one organ
(spec 2.3 H7 "all lymph node stations count as one organ `lymph_node`", option split_lymph_node_regions);
the durable rules read the criterion's timepoints (spec 0.5 "Criteria output"); a CR/PR after a PD is no
response onset (RECIST 1.1 best response).
The three proven differences are fixed; their tests assert the spec. The earlier audit
(test_audit_s12_dissociated_durable_irae.py) is not repeated.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest

import ioresponse
from ioresponse.criteria import Study
from ioresponse.patterns import find_patterns

EPS = 1e-9  # spec 0.4
START = pd.Timestamp("2021-01-01")
DISSOCIATED = ["dissociated.lesion_level", "dissociated.bernard_tessier2020", "dissociated.tozuka2020"]
ORGANS = [("lung", False), ("liver", False), ("bone", False), ("adrenal", False),
          ("lymph_node_mediastinal", True), ("lymph_node_hilar", True)]


def _lesion(pid: str, day: int, lid: str, value: float | None, *, role: str = "target", organ: str = "lung",
            node: bool = False, status: str = "present") -> dict:
    """One lesion row; ``value`` is the short axis for nodes and the long axis otherwise."""
    return {"patient_id": pid, "day": day, "lesion_id": lid, "role": role, "organ": organ, "lymph_node": node,
            "long_axis_mm": np.nan if (node or value is None) else float(value),
            "short_axis_mm": float(value) if (node and value is not None) else np.nan, "status": status}


def _date(day: int) -> str:
    return (START + pd.Timedelta(days=int(day))).strftime("%Y-%m-%d")


def _run(rows: list[dict], definitions: list[str], patients: list[dict] | None = None, **options: object):
    study = ioresponse.load(pd.DataFrame(rows), patients=None if patients is None else pd.DataFrame(patients))
    result = ioresponse.run(study, ["recist11"], patterns=False, **options)
    table = find_patterns(study, result.timepoints, result.best_response, definitions=definitions, **options)
    return result, table


def _flags(table: pd.DataFrame, pid: str = "P1") -> dict[str, str]:
    mine = table[table["patient_id"] == pid]
    return dict(zip(mine["definition"], mine["flag"], strict=True))


# =========================================================================================================
# Independent reference (written from the spec text only)
# =========================================================================================================


def _x(r) -> float:
    return r["short_axis_mm"] if r["lymph_node"] else r["long_axis_mm"]  # spec 3.2 size x


def _ref_states(pr: pd.DataFrame) -> list[tuple[int, dict, list, list]]:
    """Per post-baseline day: classified lesions, not-evaluable lesions, new lesions (spec 3.2)."""
    bday = pr.loc[pr["day"] <= 0, "day"].max()  # spec 0.2 baseline
    x0 = {r["lesion_id"]: _x(r) for _, r in pr[pr["day"] == bday].iterrows()
          if r["role"] != "new" and r["status"] == "present" and not math.isnan(_x(r))}
    hist = {lid: [v] for lid, v in x0.items()}
    out = []
    for day in sorted(pr.loc[pr["day"] > bday, "day"].unique()):
        known, ne, new = {}, [], []
        for _, r in pr[pr["day"] == day].iterrows():
            lid = r["lesion_id"]
            if r["role"] == "new":
                if r["status"] != "absent":
                    new.append((lid, r["organ"]))
                continue
            if lid not in x0:
                continue
            if r["status"] == "not_evaluable":
                ne.append((lid, r["organ"]))
                continue
            xt = 0.0 if r["status"] == "absent" else _x(r)
            if math.isnan(xt):
                continue  # no measurement: not classified (spec 3.2)
            nadir = min(hist[lid])
            rb = (xt - x0[lid]) / x0[lid]
            rn = (xt - nadir) / nadir if nadir > 0 else math.inf
            an = xt - nadir
            resp = (rb <= -0.30 + EPS or r["status"] == "absent"
                    or (bool(r["lymph_node"]) and x0[lid] >= 10 - EPS and xt < 10 - EPS))
            prog = rn >= 0.20 - EPS and an >= 5 - EPS
            known[lid] = {"rb": rb, "rn": rn, "an": an, "resp": resp, "prog": prog, "organ": r["organ"]}
            hist[lid].append(xt)
        out.append((int(day), known, ne, new))
    return out


def _or(flags: list[str]) -> str:  # spec 0.3 OR
    if "true" in flags:
        return "true"
    return "false" if all(f == "false" for f in flags) else "not_evaluable"


def _and(flags: list[str]) -> str:  # spec 0.3 AND
    if "false" in flags:
        return "false"
    return "true" if all(f == "true" for f in flags) else "not_evaluable"


def _decided(outcomes: list[bool]) -> str:
    """spec 3.3: not evaluable if the call would change with a not_evaluable lesion classified otherwise."""
    return "true" if all(outcomes) else "false" if not any(outcomes) else "not_evaluable"


def _ref_dissociated(pr: pd.DataFrame) -> dict[str, tuple[str, int | None] | None]:
    res = {}
    states = _ref_states(pr)
    for name in ("lesion_level", "bernard_tessier2020", "tozuka2020"):
        per_day, ambiguous = [], False
        for day, known, ne, new in states:
            if not known and not new:
                per_day.append((day, "not_evaluable"))
                continue
            dual = any(k["resp"] and k["prog"] for k in known.values())
            ambiguous |= dual and name != "bernard_tessier2020"
            outs = []
            for a in itertools.product("rps", repeat=len(ne)):  # NE lesion: responding/progressing/stable
                if name == "lesion_level":
                    n_r = sum(k["resp"] for k in known.values()) + a.count("r")
                    n_p = sum(k["prog"] for k in known.values()) + len(new) + a.count("p")
                    outs.append(n_r > 0 and n_p > 0)
                elif name == "bernard_tessier2020":
                    dec = {lid for lid, k in known.items() if k["rb"] < -0.30 - EPS}
                    inc = {lid: k["an"] for lid, k in known.items() if k["rn"] > 0.20 + EPS}
                    ambiguous |= bool(dec & set(inc))
                    total = sum(inc.values()) + (math.inf if "p" in a else 0.0)
                    n_dec, n_inc = len(dec) + a.count("r"), len(inc) + a.count("p")
                    outs.append(n_dec > 0 and n_inc > 0 and total >= 5 - EPS)
                else:
                    shrink = {lid for lid, k in known.items() if k["rb"] < -EPS}
                    shrink |= {f"ne{i}" for i, c in enumerate(a) if c == "r"}
                    prog = {lid for lid, k in known.items() if k["prog"]}
                    prog |= {f"ne{i}" for i, c in enumerate(a) if c == "p"}
                    outs.append(bool(shrink) and (bool(new) or any(p != s for s in shrink for p in prog)))
            per_day.append((day, _decided(outs)))
        first = next((d for d, f in per_day if f == "true"), None)
        res[name] = None if ambiguous else (_or([f for _, f in per_day]), first)
    return res


def _organ(o: str) -> str:
    return "lymph_node" if o.startswith("lymph_node") else o  # spec 2.3 H7 convention


def _ref_oligo(pr: pd.DataFrame, tps: pd.DataFrame, max_les: int = 5, max_org: int = 3) -> str | None:
    """spec 4.4 at every RECIST PD timepoint, patient-level OR. None: ambiguous here."""
    states = {d: (k, ne, new) for d, k, ne, new in _ref_states(pr)}
    flags = []
    for d, resp, ntr in zip(tps["day"], tps["overall_response"], tps["non_target_response"], strict=True):
        if resp != "PD":
            continue
        known, ne, new = states[int(d)]
        if ntr == "PD" or any(k["resp"] and k["prog"] for k in known.values()):
            return None
        prog = [(lid, k["organ"]) for lid, k in known.items() if k["prog"]] + list(new)
        outs = []
        for a in itertools.product((True, False), repeat=len(ne)):  # NE lesion progressing or not
            p2 = prog + [x for x, y in zip(ne, a, strict=True) if y]
            outs.append(1 <= len(p2) <= max_les and len({_organ(o) for _, o in p2}) <= max_org)
        flags.append(_decided(outs))
    return _or(flags) if flags else "false"


def _ref_drr(tps: pd.DataFrame, best: str) -> str | None:
    """spec 4.1 on the criterion's timepoints."""
    tps = tps.sort_values("day")
    pts = [(int(d), o) for d, o in zip(tps["day"], tps["overall_response"], strict=True)]
    first_pd = next((d for d, o in pts if o == "PD"), math.inf)
    onset = next((d for d, o in pts if o in ("CR", "PR") and d < first_pd), None)
    if onset is None:
        return "not_evaluable" if best == "NE" else "false"
    if onset > 365:
        return "false"
    loss = next((d for d, o in pts if o == "PD" and d > onset), None)
    if loss is not None:
        return "true" if loss - onset >= 183 else "false"
    last_any = max(d for d, o in pts if o != "NE")
    last_resp = max(d for d, o in pts if o in ("CR", "PR"))
    a = "true" if last_any - onset >= 183 else "not_evaluable"
    b = "true" if last_resp - onset >= 183 else "not_evaluable"
    return a if a == b else None  # "last assessment in response": two readings


def _ref_off(tps: pd.DataFrame, best: str, end: int | None, reason: str) -> str | None:
    """spec 4.3 (default: CR/PR only, 183 days)."""
    tps = tps.sort_values("day")
    pts = [(int(d), o) for d, o in zip(tps["day"], tps["overall_response"], strict=True)]
    if end is None:
        return "not_evaluable" if best in ("CR", "PR", "NE") else "false"
    if any(o == "PD" and d < end for d, o in pts):
        return None
    before = [o for d, o in pts if d < end]
    if any(o in ("CR", "PR") for o in before):
        a = "true"
    elif best not in ("CR", "PR", "NE") or "NE" not in before:
        a = "false"
    else:
        return None
    b = "not_evaluable" if reason == "" else "false" if reason == "progression" else "true"
    pd_day = next((d for d, o in pts if o == "PD" and d > end), None)
    if pd_day is not None:
        c = "true" if pd_day - end >= 183 else "false"
    else:
        after = [d for d, o in pts if d > end and o != "NE"]
        c = "true" if after and max(after) - end >= 183 else "not_evaluable"
    return _and([a, b, c])


# =========================================================================================================
# Random patients
# =========================================================================================================


def _random_patient(rng: np.random.Generator, pid: str) -> list[dict]:
    """Targets in distinct organs (RECIST 1.1 limits), measured / unmeasured non-targets, absent (never
    reappearing) and not-evaluable lesions, new lesions that persist."""
    n_t, n_nt = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    t_org = rng.permutation(len(ORGANS))[:n_t]
    les = []
    for k in range(n_t + n_nt):
        organ, node = ORGANS[int(t_org[k]) if k < n_t else int(rng.integers(len(ORGANS)))]
        role = "target" if k < n_t else "non_target"
        base = float(rng.choice([10, 12, 15, 20, 25, 30] if node else [10, 12, 15, 20, 25, 30, 40, 50]))
        base = max(base, 15.0) if (role == "target" and node) else base
        les.append((f"L{k}", role, organ, node, base, role == "non_target" and rng.random() < 0.3))
    rows = [_lesion(pid, -7, lid, None if unm else b, role=ro, organ=o, node=n)
            for lid, ro, o, n, b, unm in les]
    cur = {le[0]: le[4] for le in les}
    absent: set[str] = set()
    news: list[tuple] = []
    day = 0
    for _ in range(int(rng.integers(1, 6))):
        day += int(rng.choice([42, 56, 63, 84, 112]))
        for lid, ro, o, n, _b, unm in les:
            kw = {"role": ro, "organ": o, "node": n}
            u = rng.random()
            if unm:
                rows.append(_lesion(pid, day, lid, None, **kw))
            elif lid in absent or u < 0.05:
                absent.add(lid)
                rows.append(_lesion(pid, day, lid, None, status="absent", **kw))
            elif u < 0.10:
                rows.append(_lesion(pid, day, lid, None, status="not_evaluable", **kw))
            else:
                step = rng.choice([-12, -10, -8, -6, -5, -4, -3, -2, 0, 2, 3, 4, 5, 6, 8, 10, 12])
                cur[lid] = float(max(2.0, cur[lid] + step))
                rows.append(_lesion(pid, day, lid, cur[lid], **kw))
        for lid, v, o, n in news:
            rows.append(_lesion(pid, day, lid, v, role="new", organ=o, node=n))
        if rng.random() < 0.2:
            o, n = ORGANS[int(rng.integers(len(ORGANS)))]
            news.append((f"N{len(news)}", float(rng.choice([8, 10, 12, 15, 20])), o, n))
            rows.append(_lesion(pid, day, news[-1][0], news[-1][1], role="new", organ=o, node=n))
    return rows


@pytest.fixture(scope="module")
def random_lesion_run():
    rng = np.random.default_rng(20261130)
    rows = [r for i in range(250) for r in _random_patient(rng, f"R{i:03d}")]
    frame = pd.DataFrame(rows)
    result, table = _run(rows, DISSOCIATED + ["oligoprogression"])
    return frame, result, table


def test_random_dissociated_matches_reference(random_lesion_run) -> None:
    # spec 3.2 / 3.3 / 0.3 / 0.4: flag and first true day of every default-free dissociated variant.
    frame, _, table = random_lesion_run
    compared, diffs = 0, []
    for pid, pr in frame.groupby("patient_id"):
        got = table[table["patient_id"] == pid].set_index("definition")
        for name, ref in _ref_dissociated(pr).items():
            if ref is None:
                continue
            compared += 1
            row = got.loc["dissociated." + name]
            day = None if pd.isna(row["day"]) else int(row["day"])
            if row["flag"] != ref[0] or (ref[0] == "true" and day != ref[1]):
                diffs.append((pid, name, ref, row["flag"], day))
    assert compared > 600
    assert diffs == []


def _ne_lesion_on_pd_day(pr: pd.DataFrame, tps: pd.DataFrame) -> bool:
    pd_days = set(tps.loc[tps["overall_response"] == "PD", "day"].astype(int))
    return bool(((pr["status"] == "not_evaluable") & pr["day"].isin(pd_days)).any())


def test_random_oligoprogression_matches_reference(random_lesion_run) -> None:
    # spec 4.4 at RECIST PD timepoints. Patients with a not_evaluable lesion on a PD day are left to the
    # hand-made test below (test_4_4_oligo_not_evaluable_lesion_that_cannot_change_the_call).
    frame, result, table = random_lesion_run
    compared, diffs = 0, []
    for pid, pr in frame.groupby("patient_id"):
        tps = result.timepoints[result.timepoints["patient_id"] == pid]
        ref = _ref_oligo(pr, tps)
        if ref is None or _ne_lesion_on_pd_day(pr, tps):
            continue
        compared += 1
        got = _flags(table, pid)["oligoprogression"]
        if got != ref:
            diffs.append((pid, ref, got))
    assert compared > 150
    assert diffs == []


def _random_durable_patient(rng: np.random.Generator, pid: str) -> tuple[list[dict], dict, int | None]:
    n_t = int(rng.integers(1, 3))
    sizes = {f"L{k}": float(rng.choice([20, 30, 40, 50])) for k in range(n_t)}
    organs = ["lung", "liver"]
    rows = [_lesion(pid, -7, lid, v, organ=organs[k]) for k, (lid, v) in enumerate(sizes.items())]
    day, trend = 0, rng.choice([-6, -4, -2, 0])
    for _ in range(int(rng.integers(2, 10))):
        day += int(rng.choice([42, 56, 84, 112, 140]))
        for k, lid in enumerate(sizes):
            if rng.random() < 0.06:
                rows.append(_lesion(pid, day, lid, None, organ=organs[k], status="not_evaluable"))
                continue
            if rng.random() < 0.15:
                trend = rng.choice([-6, -2, 0, 4, 8])
            sizes[lid] = float(max(3.0, sizes[lid] + trend + rng.choice([-2, 0, 2])))
            rows.append(_lesion(pid, day, lid, sizes[lid], organ=organs[k]))
    end = None if rng.random() < 0.3 else int(rng.integers(20, max(day, 60)) // 2 * 2 + 1)  # odd: no tie
    reason = str(rng.choice(["progression", "toxicity", "completed", "patient", ""]))
    patient = {"patient_id": pid, "treatment_start": _date(0),
               "treatment_end": "" if end is None else _date(end),
               "treatment_end_reason": "" if end is None else reason,
               "last_contact_date": _date(day + int(rng.integers(0, 400)))}
    return rows, patient, end


def test_random_durable_matches_reference() -> None:
    # spec 4.1 drr_optim and 4.3 off_treatment (defaults) on 250 random patients.
    rng = np.random.default_rng(4143)
    rows, patients, ends = [], [], {}
    for i in range(250):
        r, p, e = _random_durable_patient(rng, f"D{i:03d}")
        rows += r
        patients.append(p)
        ends[p["patient_id"]] = (e, p["treatment_end_reason"])
    result, table = _run(rows, ["durable.drr_optim", "durable.off_treatment"], patients)
    best = result.best_response.set_index("patient_id")["best_response"]
    compared, diffs = 0, []
    for pid, (end, reason) in ends.items():
        tps = result.timepoints[result.timepoints["patient_id"] == pid]
        if end is not None and not (tps["day"] < end).any():
            continue  # no assessment before treatment_end: see the hand-made test for 4.3
        got = _flags(table, pid)
        for name, ref in (("durable.drr_optim", _ref_drr(tps, best[pid])),
                          ("durable.off_treatment", _ref_off(tps, best[pid], end, reason))):
            if ref is None:
                continue
            compared += 1
            if got[name] != ref:
                diffs.append((pid, name, ref, got[name]))
    assert compared > 400
    assert diffs == []


def test_random_pons_tostivint_matches_reference() -> None:
    # spec 4.2: threshold = 3 x Kaplan-Meier median PFS (smallest time with S(t) <= 0.5); event >= threshold
    # true, event before false, censored at/after true, censored before not_evaluable.
    rng = np.random.default_rng(42)
    for _ in range(30):
        n = int(rng.integers(3, 12))
        pfs, events = rng.choice(np.arange(30, 400, 7), n), rng.random(n) < 0.7
        rows = [{"patient_id": f"C{i}", "reader": "", "criterion": "recist11", "best_response": "SD",
                 "best_response_confirmed": "SD", "bor_day": 42.0, "first_response_day": np.nan,
                 "progression_day": float(p) if e else np.nan, "duration_of_response_days": np.nan,
                 "pfs_event": bool(e), "pfs_day": float(p), "reason": ""}
                for i, (p, e) in enumerate(zip(pfs, events, strict=True))]
        table = find_patterns(Study(), pd.DataFrame([]), pd.DataFrame(rows),
                              definitions=["durable.pons_tostivint2019"])
        surv, median = 1.0, None
        for t in sorted(set(pfs[events])):
            surv *= 1 - np.sum((pfs == t) & events) / np.sum(pfs >= t)
            if surv <= 0.5 + 1e-12:
                median = float(t)
                break
        flags = dict(zip(table["patient_id"], table["flag"], strict=True))
        for i, (p, e) in enumerate(zip(pfs, events, strict=True)):
            if median is None:
                ref = "not_evaluable"
            else:
                ref = "true" if p >= 3 * median - EPS else ("false" if e else "not_evaluable")
            assert flags[f"C{i}"] == ref, (list(pfs), list(events), median)
        if median is not None:
            assert json.loads(table.iloc[0]["values"])["threshold_days"] == pytest.approx(3 * median)


# =========================================================================================================
# Differences found (since fixed: the test asserts the spec)
# =========================================================================================================


def test_4_4_oligo_not_evaluable_lesion_that_cannot_change_the_call() -> None:
    # spec 4.4: "progressing lesions (3.2, new lesions included) number 1 to `max_progressing_lesions`
    # (default 5 ...), lie in <= `max_progressing_organs` organs (default 3), and every other lesion is
    # responding or stable"; spec 3.3: not evaluable when "the call would change if a lesion marked
    # `not_evaluable` at T were responding or progressing"; spec 0.3 AND.
    # Target A (lung) 30 -> 40 on day 56: sum +33 %, +10 mm -> RECIST PD (N is a non-target, not in the sum)
    # and A is progressing (r_nadir 0.33 >= 0.20, a_nadir 10 >= 5). Non-target N (liver, 20 mm)
    # not_evaluable on day 56. If N is progressing: 2 lesions (<= 5) in 2 organs (<= 3) -> true; if N is
    # responding or stable: 1 lesion, 1 organ, every other lesion controlled -> true. -> true.
    rows = [_lesion("P1", -7, "A", 30), _lesion("P1", -7, "N", 20, role="non_target", organ="liver"),
            _lesion("P1", 56, "A", 40),
            _lesion("P1", 56, "N", None, role="non_target", organ="liver", status="not_evaluable")]
    result, table = _run(rows, ["oligoprogression"])
    assert result.timepoints["overall_response"].tolist() == ["PD"]
    assert _flags(table)["oligoprogression"] == "true"


def test_4_4_oligo_unequivocal_progression_of_the_progressing_lesion_itself() -> None:
    # spec 4.4: "progressing lesions (3.2, new lesions included) number 1 to `max_progressing_lesions`, lie
    # in <= `max_progressing_organs` organs, and every other lesion is responding or stable with no
    # unequivocal non-target progression outside those lesions".
    # Target A (lung) 40 -> 40: stable. Measured non-target N (liver) 20 -> 40 on day 56, status
    # unequivocal_progression: r_nadir +100 % >= 20 %, a_nadir 20 >= 5 -> progressing (3.2); RECIST PD by
    # non-target progression. Progressing lesions {N}: 1 lesion, 1 organ; the only unequivocal progression
    # is N itself (not outside) -> true.
    nt = {"role": "non_target", "organ": "liver"}
    rows = [_lesion("P1", -7, "A", 40), _lesion("P1", -7, "N", 20, **nt), _lesion("P1", 56, "A", 40),
            _lesion("P1", 56, "N", 40, status="unequivocal_progression", **nt)]
    result, table = _run(rows, ["oligoprogression"])
    assert result.timepoints["overall_response"].tolist() == ["PD"]
    assert _flags(table)["oligoprogression"] == "true"


def test_4_3_off_treatment_no_assessment_before_treatment_end_is_false() -> None:
    # spec 4.3: "best response CR or PR (or, option, SD) before `treatment_end`, `treatment_end_reason` not
    # progression, and no PD ... for >= `min_off_treatment_days` ... after `treatment_end`".
    # spec 0.3: "a definition is decided as `false` as soon as one required condition is known to fail".
    # Treatment stopped for toxicity on 2021-01-28 = day 27; the first assessment is day 56 (NE: B not
    # evaluable), then day 98 (NE). No response can have been documented before day 27 -> false.
    rows = [_lesion("P1", -7, "A", 30), _lesion("P1", -7, "B", 20, organ="liver"),
            _lesion("P1", 56, "A", 15), _lesion("P1", 56, "B", None, organ="liver", status="not_evaluable"),
            _lesion("P1", 98, "A", 15), _lesion("P1", 98, "B", None, organ="liver", status="not_evaluable")]
    patients = [{"patient_id": "P1", "treatment_start": _date(0), "treatment_end": _date(27),
                 "treatment_end_reason": "toxicity"}]
    result, table = _run(rows, ["durable.off_treatment"], patients)
    assert result.best_response["best_response"].tolist() == ["NE"]
    assert _flags(table)["durable.off_treatment"] == "false"


# =========================================================================================================
# Tricky rules checked and found to follow the spec
# =========================================================================================================


def test_0_4_3_2_float_tolerance_on_both_bands() -> None:
    # spec 0.4: non-strict ">= t" is tested as x >= t - 1e-9. A 14 -> 9.8: (9.8 - 14) / 14 =
    # -0.29999999999999993 in binary, -30 % in decimal -> responding (<= -0.30). B 26 -> 31.2: +20 %
    # (0.19999999999999998 in binary), +5.2 mm -> progressing. lesion_level true.
    # bernard_tessier2020 (strict < -0.30 and > 0.20): neither -> false.
    rows = [_lesion("P1", -7, "A", 14), _lesion("P1", -7, "B", 26, organ="liver"),
            _lesion("P1", 56, "A", 9.8), _lesion("P1", 56, "B", 31.2, organ="liver")]
    _, table = _run(rows, DISSOCIATED)
    flags = _flags(table)
    assert flags["dissociated.lesion_level"] == "true"
    assert flags["dissociated.bernard_tessier2020"] == "false"


def test_3_3_bernard_tessier_sums_small_increases_over_lesions() -> None:
    # spec 3.3 bernard_tessier2020: ">= 1 existing lesion with r_nadir > 0.20 (strict) AND sum of a_nadir over
    # those progressing lesions >= 5 mm". A 40 -> 20 (-50 %); B 10 -> 12.5 and C 10 -> 12.5 (+25 %, +2.5 mm
    # each): summed increase 5.0 >= 5 -> true. lesion_level: B, C are not progressing (2.5 < 5 mm) -> false.
    rows = [_lesion("P1", -7, "A", 40), _lesion("P1", -7, "B", 10, organ="liver"),
            _lesion("P1", -7, "C", 10, organ="bone"), _lesion("P1", 56, "A", 20),
            _lesion("P1", 56, "B", 12.5, organ="liver"), _lesion("P1", 56, "C", 12.5, organ="bone")]
    _, table = _run(rows, DISSOCIATED)
    flags = _flags(table)
    assert flags["dissociated.bernard_tessier2020"] == "true"
    assert flags["dissociated.lesion_level"] == "false"


def test_3_3_bernard_tessier_plus_20_percent_exactly_is_not_an_increase() -> None:
    # spec 3.3: r_nadir > 0.20 strict (Bernard-Tessier) vs >= 0.20 (3.2). A 40 -> 20 (-50 %), B 25 -> 30
    # (+20 %, +5 mm): lesion_level true (B progressing), bernard_tessier2020 false.
    rows = [_lesion("P1", -7, "A", 40), _lesion("P1", -7, "B", 25, organ="liver"),
            _lesion("P1", 56, "A", 20), _lesion("P1", 56, "B", 30, organ="liver")]
    _, table = _run(rows, DISSOCIATED)
    flags = _flags(table)
    assert flags["dissociated.lesion_level"] == "true"
    assert flags["dissociated.bernard_tessier2020"] == "false"


def test_3_2_node_under_10mm_responds_only_for_lesion_level() -> None:
    # spec 3.2: "nodes: short axis < 10 mm counts as responding when it was >= 10 mm at baseline".
    # Measured non-target node A 12 -> 9 (-25 %): responding by the node rule. Target B (lung) 20 -> 26
    # (+30 %, +6 mm): progressing. lesion_level true; tozuka2020 true (A: r_base < 0); bernard_tessier2020
    # false (-25 % is not < -30 %).
    node = {"role": "non_target", "organ": "lymph_node_mediastinal", "node": True}
    rows = [_lesion("P1", -7, "A", 12, **node), _lesion("P1", -7, "B", 20),
            _lesion("P1", 56, "A", 9, **node), _lesion("P1", 56, "B", 26)]
    _, table = _run(rows, DISSOCIATED)
    assert _flags(table) == {"dissociated.lesion_level": "true", "dissociated.tozuka2020": "true",
                             "dissociated.bernard_tessier2020": "false"}


def test_3_3_patient_level_or_with_a_not_evaluable_timepoint() -> None:
    # spec 3.3: patient flag true if any timepoint is true; spec 0.3 OR: false only if all parts are false.
    # Day 56: A 30 -> 27, B 20 -> 21: no responding, no progressing -> false. Day 112: A and B not_evaluable,
    # no new lesion: "fewer than one measurable lesion with both a baseline and a T value" -> not_evaluable.
    # Patient: OR(false, not_evaluable) -> not_evaluable.
    rows = [_lesion("P1", -7, "A", 30), _lesion("P1", -7, "B", 20), _lesion("P1", 56, "A", 27),
            _lesion("P1", 56, "B", 21), _lesion("P1", 112, "A", None, status="not_evaluable"),
            _lesion("P1", 112, "B", None, status="not_evaluable")]
    _, table = _run(rows, ["dissociated.lesion_level"])
    assert _flags(table)["dissociated.lesion_level"] == "not_evaluable"


def test_4_4_lymph_node_stations_are_one_organ() -> None:
    # spec 4.4 "<= max_progressing_organs organs (default 3)"; spec 2.3 H7: all lymph node stations count as
    # one organ. Lung target A 40 -> 40 (stable). Day 56 new lesions: liver, bone, hilar node, mediastinal
    # node -> RECIST PD; 4 progressing lesions in 3 organs (liver, bone, lymph_node) -> true.
    rows = [_lesion("P1", -7, "A", 40), _lesion("P1", 56, "A", 40),
            _lesion("P1", 56, "U1", 15, role="new", organ="liver"),
            _lesion("P1", 56, "U2", 15, role="new", organ="bone"),
            _lesion("P1", 56, "U3", 15, role="new", organ="lymph_node_hilar", node=True),
            _lesion("P1", 56, "U4", 15, role="new", organ="lymph_node_mediastinal", node=True)]
    _, table = _run(rows, ["oligoprogression"])
    assert _flags(table)["oligoprogression"] == "true"


def test_4_1_drr_optim_response_after_progression_is_no_onset() -> None:
    # spec 4.1: onset d_r = first CR/PR; loss = first PD. A 30 -> 40 on day 56 (+33 %: PD), 15 on day 112
    # and 300. RECIST 1.1 best response PD: no objective response -> false (not not_evaluable).
    rows = [_lesion("P1", -7, "A", 30), _lesion("P1", 56, "A", 40), _lesion("P1", 112, "A", 15),
            _lesion("P1", 300, "A", 15)]
    _, table = _run(rows, ["durable.drr_optim"])
    assert _flags(table)["durable.drr_optim"] == "false"


def test_4_3_off_treatment_response_only_after_treatment_end_is_false() -> None:
    # spec 4.3: "best response CR or PR ... before `treatment_end`". Treatment stopped (toxicity) on day 27;
    # A 30 -> 15 on day 56 (PR, first documented after the end), 15 on day 400 (no PD, 373 days off).
    # No CR/PR before treatment_end -> false.
    rows = [_lesion("P1", -7, "A", 30), _lesion("P1", 56, "A", 15), _lesion("P1", 400, "A", 15)]
    patients = [{"patient_id": "P1", "treatment_start": _date(0), "treatment_end": _date(27),
                 "treatment_end_reason": "toxicity"}]
    _, table = _run(rows, ["durable.off_treatment"], patients)
    assert _flags(table)["durable.off_treatment"] == "false"


def test_4_3_off_treatment_late_pd_after_183_days_is_true() -> None:
    # spec 4.3: "no PD ... for >= min_off_treatment_days (default 183) after treatment_end". PR on day 56
    # (30 -> 15), treatment completed day 101, PD on day 301 (15 -> 25: +67 %, +10 mm): 200 days >= 183
    # without PD -> true.
    rows = [_lesion("P1", -7, "A", 30), _lesion("P1", 56, "A", 15), _lesion("P1", 301, "A", 25)]
    patients = [{"patient_id": "P1", "treatment_start": _date(0), "treatment_end": _date(101),
                 "treatment_end_reason": "completed"}]
    result, table = _run(rows, ["durable.off_treatment"], patients)
    assert result.timepoints["overall_response"].tolist() == ["PR", "PD"]
    assert _flags(table)["durable.off_treatment"] == "true"
