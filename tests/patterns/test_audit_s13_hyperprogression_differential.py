"""Differential audit of the hyperprogression definitions (spec/patterns.md 0.1-0.6, 2.1-2.5, 11).

What was audited: the nine default HPD definitions H1-H9 (``hpd.champiat2017`` ... ``hpd.kas2020``) as a
user reaches them, ``ioresponse.assess(lesions, criteria=("recist11",), patients=...)`` followed by
``ioresponse.patterns.find_patterns(..., visits=...)`` (and the ``ioresponse patterns`` CLI).

Method: ``_reference`` below is an independent implementation of every definition written from the spec
text alone (0.1 months = days / 30.4375; 0.2 baseline, prebaseline candidate (label wins, else latest scan
with every baseline target measured or absent), first evaluation; 0.3 three-valued AND / OR / k-of-n;
0.4 tolerances x >= t - 1e-9 and x > t + 1e-9; 2.1 TGR, TGK, pace, TTF with censoring; 2.2 missing
reference, zero sums, non-positive reference; 2.3 H1-H9 with their strictness). Seeded random patients
(prebaseline scan or not, patient-table prebaseline, baseline, 0-3 follow-ups, target sums with absent
and not-evaluable lesions, new lesions of several kinds and organs, non-target progression, treatment
end / last contact, ECOG visits) are run through both and compared definition by definition.

The comparison found one family of differences, reduced below to hand-made patients: the new-lesion
counts of Lo Russo (criteria 3 and 4) and Matos (organs with new lesions) read every ``role = new`` row,
so (a) a new lymph node that anatomic.md 1.5 does not count as a new lesion (short axis < 10 mm, or
``too_small``) counts, and (b) the fragments of one split new lesion (several rows with one
``lesion_id``, anatomic.md 0.4) count as several lesions. Since fixed: the tests assert the spec's
counts. Everything else agreed (about 4,000 random
patients under default options and under every documented option value, the sum-only input path for
the organ-free definitions, and the CLI against ``find_patterns``).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ioresponse
from ioresponse.patterns import find_patterns

MONTH = 30.4375  # spec 0.1
EPS = 1e-9  # spec 0.4
START = pd.Timestamp("2020-01-01")
HPD_IDS = (
    "hpd.champiat2017",
    "hpd.kanjanapan2019",
    "hpd.petrioli2020",
    "hpd.saada_bouzid2017",
    "hpd.kato2017",
    "hpd.ferrara2018",
    "hpd.lo_russo2019",
    "hpd.matos2020",
    "hpd.kas2020",
)


def _date(day: int) -> str:
    return (START + pd.Timedelta(days=int(day))).strftime("%Y-%m-%d")


# --- independent reference (spec text only) ------------------------------------------------------------


def _and(*xs):  # spec 0.3
    return False if any(x is False for x in xs) else True if all(x is True for x in xs) else None


def _or(*xs):
    return True if any(x is True for x in xs) else False if all(x is False for x in xs) else None


def _at_least(k, xs):
    true, unknown = sum(x is True for x in xs), sum(x is None for x in xs)
    return True if true >= k else False if true + unknown < k else None


def _ge(x, t):  # spec 0.4 non-strict
    return None if x is None else x >= t - EPS


def _gt(x, t):  # spec 0.4 strict
    return None if x is None else x > t + EPS


def _tgr(sa, sb, days):  # spec 2.1 / 2.2: S_a = 0 -> not evaluable; S_b = 0 -> -100 %/month
    if sa is None or sb is None or sa <= 0:
        return None
    return -100.0 if sb == 0 else 100 * (math.exp(3 * math.log(sb / sa) / (days / MONTH)) - 1)


def _tgk(sa, sb, days):
    return None if sa is None or sb is None else (sb - sa) / (days / MONTH)


def _pace(sa, sb, days):
    return None if sa is None or sb is None or sa <= 0 else (sb / sa - 1) / (days / MONTH)


@dataclass
class Lesion:
    lid: str
    organ: str
    node: bool


@dataclass
class Patient:
    pid: str
    targets: list
    nontargets: list
    t0: int  # baseline day
    s0: dict  # baseline value per target
    pre: list = field(default_factory=list)  # (day, {lid: mm | "absent" | "ne"}, timepoint_label)
    table_pre: tuple | None = None  # (prebaseline day, prebaseline_sum_mm) in the patient table
    follow: list = field(default_factory=list)  # (day, {lid: ...}, [(organ, node, mm, kind)], nt status)
    end_day: int | None = None
    contact_day: int | None = None
    ecog: list | None = None  # [(day, ecog)]


def _organ(organ: str, node: bool, split: bool = False) -> str:
    # spec 5.3 codes mapped case-insensitively; H7: all lymph node stations are one organ `lymph_node`
    # unless split_lymph_node_regions (the code applies the option to Matos too; the spec is silent there)
    if split:
        return organ.lower()
    return "lymph_node" if node or organ.lower().startswith("lymph_node") else organ.lower()


def _reference(p: Patient, opt: dict | None = None) -> dict[str, str]:
    opt = opt or {}
    npr = opt.get("nonpositive_reference", "not_evaluable")
    window = opt.get("prebaseline_max_days_before_baseline")
    split = opt.get("split_lymph_node_regions", False)
    s0, t0 = sum(p.s0.values()), p.t0
    # 0.2 prebaseline: every baseline target measured or absent; the label wins, else the latest one
    complete = [
        (d, v, lab)
        for d, v, lab in p.pre
        if all(v.get(t.lid, "ne") != "ne" for t in p.targets) and (window is None or t0 - d <= window)
    ]
    labelled = [c for c in complete if c[2] == "prebaseline"]
    chosen = labelled[-1] if labelled else complete[-1] if complete else None
    if chosen is not None:
        t_pre, s_pre = chosen[0], sum(0.0 if x == "absent" else x for x in chosen[1].values())
    elif p.table_pre is not None and (window is None or t0 - p.table_pre[0] <= window):
        t_pre, s_pre = p.table_pre
    else:
        t_pre = s_pre = None
    # 0.2 first evaluation; 2.1 RECIST PD at it; anatomic.md 1.5: a new node counts only with short axis
    # >= 10 mm (too_small is a normal node), an equivocal / absent / not assessed new lesion does not count,
    # and a split lesion (several rows, one lesion_id) is one lesion
    first = p.follow[0] if p.follow else None
    t1 = s1 = pd1 = None
    skip: set[str] = set()
    new_first: list = []
    if first is not None:
        t1, vals, news, nt_status = first
        new_first = [n for n in news if n[3] in ("present", "split") or (n[3] == "too_small" and not n[1])]
        known = [0.0 if vals[t.lid] == "absent" else vals[t.lid] for t in p.targets if vals[t.lid] != "ne"]
        s_known = sum(known)
        target_pd = (s_known - s0) / s0 >= 0.2 - EPS and s_known - s0 >= 5 - EPS
        if len(known) == len(p.targets):
            s1 = s_known
        if new_first or nt_status == "unequivocal_progression":
            pd1 = True
        else:
            pd1 = bool(target_pd) if s1 is not None else (True if target_pd else None)
        if s1 is None and (s_known - s0) / s0 >= 0.2 - EPS:  # incomplete sum already over a threshold:
            skip |= {"hpd.matos2020", "hpd.kas2020", "hpd.kato2017", "hpd.lo_russo2019"}  # not decided here
    pct1 = None if s1 is None else 100 * (s1 - s0) / s0
    abs1 = None if s1 is None else s1 - s0
    ref = (lambda f: None) if t_pre is None else (lambda f: f(s_pre, s0, t0 - t_pre))
    exp = (lambda f: None) if t1 is None else (lambda f: f(s0, s1, t1 - t0))
    tgr_ref, tgr_exp, tgk_ref, tgk_exp = ref(_tgr), exp(_tgr), ref(_tgk), exp(_tgk)
    d_tgr = None if tgr_ref is None or tgr_exp is None else tgr_exp - tgr_ref

    def ratio_test(e, r, test):  # 2.2 non-positive reference
        if e is None or r is None:
            return None
        if r > 0:
            return test(e / r)
        if npr == "not_evaluable":
            return None
        if npr == "hpd_if_exp_positive":
            return e > 0
        if r == 0:
            return "skip" if e == 0 else e > 0
        return test(e / r)

    tgr_ratio = ratio_test(tgr_exp, tgr_ref, lambda r: _ge(r, 2))
    tgk_ratio = ratio_test(tgk_exp, tgk_ref, lambda r: _ge(r, 2))
    metric = opt.get("kato_pace_metric", "relative")
    pe, pr = {
        "relative": (exp(_pace), ref(_pace)),
        "absolute": (tgk_exp, tgk_ref),
        "tgr": (tgr_exp, tgr_ref),
    }[metric]
    pace_ratio = ratio_test(pe, pr, lambda r: _gt(r, 2))
    for flag, ids in (
        (tgr_ratio, {"hpd.champiat2017", "hpd.kanjanapan2019", "hpd.petrioli2020"}),
        (tgk_ratio, {"hpd.saada_bouzid2017"}),
        (pace_ratio, {"hpd.kato2017"}),
    ):
        if flag == "skip":  # literal 0 / 0
            skip |= ids
    tgr_ratio, tgk_ratio, pace_ratio = (
        None if x == "skip" else x for x in (tgr_ratio, tgk_ratio, pace_ratio)
    )
    # 2.1 TTF < 2 months (0.1: day <= 60); ongoing: false once follow-up exceeds 60 days, else unknown
    if p.end_day is not None:
        ttf = p.end_day < 60.875 - EPS
    else:
        ttf = False if p.contact_day is not None and p.contact_day > 60 else None
    # H7 criteria 3-5 and H8 organs
    base_organs = {_organ(t.organ, t.node, split) for t in p.targets + p.nontargets}
    if first is None:
        c3 = c4 = two_organs = None
    else:
        new_organs = [_organ(n[0], n[1], split) for n in new_first]
        c3 = any(new_organs.count(o) >= 2 and o in base_organs for o in new_organs)
        c4 = any(o not in base_organs for o in new_organs)
        two_organs = len(set(new_organs)) >= 2
    if p.ecog is None:
        c5 = None
    else:
        before = [e for d, e in p.ecog if d <= 0]
        window_ecog = [e for d, e in p.ecog if 1 <= d <= 60]
        base = before[-1] if before else None
        if not window_ecog:
            c5 = None  # nothing recorded on days 1-60: missing, not "no deterioration"
        elif opt.get("ecog_rule", "worsens_to_2_or_more") == "worsens_to_2_or_more":
            c5 = (
                False
                if not any(e >= 2 for e in window_ecog)
                else None
                if base is None
                else any(e >= 2 and e > base for e in window_ecog)
            )
        else:
            c5 = None if base is None else any(e - base >= 2 for e in window_ecog)
    matos_new = two_organs if opt.get("matos_new_lesion_rule", "two_organs") == "two_organs" else _or(c3, c4)
    matos_time = True if opt.get("matos_time_rule", "ttf_lt_2_months") == "none" else ttf
    min_abs = opt.get("matos_min_abs_increase_mm")
    out = {
        "hpd.champiat2017": _and(pd1, tgr_ratio),
        "hpd.kanjanapan2019": _and(pd1, tgr_ratio),
        "hpd.petrioli2020": tgr_ratio,
        "hpd.saada_bouzid2017": tgk_ratio,
        "hpd.kato2017": _and(ttf, _gt(pct1, 50), pace_ratio),
        "hpd.ferrara2018": _and(pd1, _gt(d_tgr, 50)),
        "hpd.lo_russo2019": _and(pd1, _at_least(3, [ttf, _ge(pct1, 50), c3, c4, c5])),
        "hpd.matos2020": _and(
            pd1,
            _or(_ge(pct1, 40), _and(_ge(pct1, 20), matos_new)),
            matos_time,
            True if min_abs is None else _ge(abs1, min_abs),
        ),
        "hpd.kas2020": _and(_ge(pct1, 20), _ge(abs1, 5), _gt(d_tgr, 100)),
    }
    flags = {k: {True: "true", False: "false", None: "not_evaluable"}[v] for k, v in out.items()}
    return {k: ("skip" if k in skip else v) for k, v in flags.items()}


# --- random patients -------------------------------------------------------------------------------------

TARGET_ORGANS = [
    ("lung", False),
    ("liver", False),
    ("adrenal", False),
    ("lymph_node_mediastinal", True),
    ("lymph_node_hilar", True),
    ("Liver", False),
]
NT_ORGANS = [
    ("bone", False),
    ("pleura", False),
    ("liver", False),
    ("lung", False),
    ("lymph_node_other", True),
]
NEW_ORGANS = [
    ("bone", False),
    ("brain", False),
    ("adrenal", False),
    ("liver", False),
    ("lung", False),
    ("LIVER", False),
    ("spleen", False),
    ("lymph_node_hilar", True),
    ("lymph_node_other", True),
]
PLAIN_KINDS = ["present"] * 6 + ["absent", "equivocal", "too_small", "ne"]
TRICKY_KINDS = ["small_node", "split"]  # the two kinds behind the proven differences


def _generate(rng: np.random.Generator, pid: str, kinds: list[str]) -> Patient:
    targets: list[Lesion] = []
    per_organ: dict[str, int] = {}
    n_targets = int(rng.integers(1, 4))
    while len(targets) < n_targets:
        organ, node = TARGET_ORGANS[int(rng.integers(len(TARGET_ORGANS)))]
        if per_organ.get(_organ(organ, node), 0) < 2:  # anatomic.md 1.3: at most 2 targets per organ
            per_organ[_organ(organ, node)] = per_organ.get(_organ(organ, node), 0) + 1
            targets.append(Lesion(f"T{len(targets) + 1}", organ, node))
    nontargets = [Lesion("N1", *NT_ORGANS[int(rng.integers(len(NT_ORGANS)))])] if rng.random() < 0.5 else []
    t0 = -int(rng.integers(0, 29))
    s0 = {t.lid: float(rng.integers(15, 41) if t.node else rng.integers(10, 61)) for t in targets}
    p = Patient(pid, targets, nontargets, t0, s0)

    def values(lo: float, hi: float, absent: float) -> dict:
        return {
            t.lid: "absent"
            if rng.random() < absent
            else float(max(1, round(s0[t.lid] * rng.uniform(lo, hi))))
            for t in targets
        }

    mode = rng.choice(["none", "rows", "rows", "rows", "missing", "later_incomplete", "labelled", "table"])
    if mode in ("rows", "missing", "later_incomplete", "labelled"):
        day = t0 - int(rng.integers(10, 120))
        v = values(0.4, 1.3, 0.08) if rng.random() > 0.04 else {t.lid: "absent" for t in targets}
        if mode == "missing":  # a baseline target without measurement: not a prebaseline candidate
            v[targets[0].lid] = "ne"
            if rng.random() < 0.5:
                v.pop(targets[0].lid)
        p.pre.append((day, v, "prebaseline" if mode == "labelled" else ""))
        if mode in ("later_incomplete", "labelled") and t0 - day > 1:
            v2 = values(0.6, 1.2, 0.0)
            if mode == "later_incomplete":
                v2.pop(targets[-1].lid)
            p.pre.append((int(rng.integers(day + 1, t0)), v2, ""))
    elif mode == "table":
        total = sum(s0.values())
        p.table_pre = (
            t0 - int(rng.integers(10, 120)),
            float(rng.integers(int(total * 0.5), int(total * 1.2) + 2)),
        )
    day = 0
    for i in range(int(rng.choice([0, 1, 1, 2, 3], p=[0.04, 0.36, 0.2, 0.2, 0.2]))):
        day = int(rng.integers(1, 90)) if i == 0 else day + int(rng.integers(21, 70))
        lo, hi = [(0.3, 1.0), (0.9, 1.6), (1.2, 2.6), (1.0, 1.3)][int(rng.integers(4))]
        v = values(lo, hi, 0.05)
        if i == 0 and rng.random() < 0.25:  # first-evaluation sum exactly +20 / +40 / +50 % (0.4 boundaries)
            k = float(rng.choice([0.2, 0.4, 0.5]))
            v = dict(s0)
            v[targets[-1].lid] = round(sum(s0.values()) * (1 + k) - sum(s0[t.lid] for t in targets[:-1]), 1)
        if i == 0 and rng.random() < 0.04:
            v = {t.lid: "absent" for t in targets}
        if rng.random() < 0.06:
            v[targets[-1].lid] = "ne"
        news = []
        for _ in range(int(rng.choice([0, 0, 0, 1, 2, 3]))):
            organ, node = NEW_ORGANS[int(rng.integers(len(NEW_ORGANS)))]
            kind = str(rng.choice(kinds))
            if kind == "small_node":
                organ, node = "lymph_node_other", True
            if kind == "too_small" and node and "small_node" not in kinds:
                kind = "present"
            news.append((organ, node, float(rng.integers(10, 30)), kind))
        nt = "unequivocal_progression" if i == 0 and nontargets and rng.random() < 0.1 else "present"
        p.follow.append((day, v, news, nt))
    if rng.random() < 0.6:
        p.end_day = int(rng.choice([60, 61, int(rng.integers(20, 120))]))
    elif rng.random() < 0.8:
        p.contact_day = int(rng.choice([60, 61, int(rng.integers(30, 150))]))
    if rng.random() < 0.8:
        days = {
            int(rng.choice([1, 60, 61, int(rng.integers(1, 100))])) for _ in range(int(rng.integers(0, 3)))
        }
        p.ecog = sorted(
            [(t0 - 20, int(rng.integers(0, 3))), (t0, int(rng.integers(0, 3)))]
            + [(d, int(rng.integers(0, 5))) for d in days]
        )
    return p


def _row(
    pid,
    day,
    lesion_id,
    role,
    organ="lung",
    node=False,
    status="present",
    value=None,
    label="",
    equivocal=False,
) -> dict:
    row = dict(
        patient_id=pid,
        day=day,
        lesion_id=lesion_id,
        role=role,
        organ=organ,
        lymph_node=node,
        status=status,
        long_axis_mm=np.nan,
        short_axis_mm=np.nan,
        timepoint_label=label,
        equivocal=equivocal,
    )
    if value is not None:
        row["short_axis_mm" if node else "long_axis_mm"] = float(value)
    return row


def _tables(patients: list[Patient]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rows, prow, vrows = [], [], []

    def target(pid, day, t, x, label=""):
        if x == "ne":
            return _row(pid, day, t.lid, "target", t.organ, t.node, "not_evaluable", label=label)
        return _row(
            pid,
            day,
            t.lid,
            "target",
            t.organ,
            t.node,
            "absent" if x == "absent" else "present",
            None if x == "absent" else x,
            label,
        )

    for p in patients:
        rows += [target(p.pid, d, t, v[t.lid], lab) for d, v, lab in p.pre for t in p.targets if t.lid in v]
        rows += [target(p.pid, p.t0, t, p.s0[t.lid]) for t in p.targets]
        rows += [_row(p.pid, p.t0, n.lid, "non_target", n.organ, n.node) for n in p.nontargets]
        n_new = 0
        for d, v, news, nt in p.follow:
            rows += [target(p.pid, d, t, v[t.lid]) for t in p.targets]
            rows += [_row(p.pid, d, n.lid, "non_target", n.organ, n.node, nt) for n in p.nontargets]
            for organ, node, size, kind in news:
                n_new += 1
                lid = f"U{n_new}"
                if kind == "small_node":
                    rows.append(_row(p.pid, d, lid, "new", organ, True, "present", 7.0))
                elif kind == "split":
                    rows += [
                        _row(p.pid, d, lid, "new", organ, node, "present", size),
                        _row(p.pid, d, lid, "new", organ, node, "present", 9.5),
                    ]
                elif kind in ("absent", "too_small"):
                    rows.append(_row(p.pid, d, lid, "new", organ, node, kind))
                elif kind == "ne":
                    rows.append(_row(p.pid, d, lid, "new", organ, node, "not_evaluable"))
                else:
                    rows.append(
                        _row(
                            p.pid, d, lid, "new", organ, node, "present", size, equivocal=kind == "equivocal"
                        )
                    )
        prow.append(
            dict(
                patient_id=p.pid,
                treatment_start=_date(0),
                treatment_end=None if p.end_day is None else _date(p.end_day),
                last_contact_date=None if p.contact_day is None else _date(p.contact_day),
                prebaseline_date=_date(p.table_pre[0]) if p.table_pre else None,
                prebaseline_sum_mm=p.table_pre[1] if p.table_pre else np.nan,
            )
        )
        vrows += [dict(patient_id=p.pid, date=_date(d), ecog=e) for d, e in p.ecog or []]
    return pd.DataFrame(rows), pd.DataFrame(prow), pd.DataFrame(vrows)


def _hpd(lesions, patients, visits, **options) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(lesions, criteria=("recist11",), patients=patients, patterns=False)
        frame = find_patterns(result.study, result.timepoints, result.best_response, visits=visits, **options)
    return frame[frame["pattern"] == "hyperprogression"]


def _disagreements(n: int, seed: int, kinds: list[str], options: dict | None = None) -> list[str]:
    rng = np.random.default_rng(seed)
    patients = [_generate(rng, f"P{i:03d}", kinds) for i in range(n)]
    frame = _hpd(*_tables(patients), **(options or {}))
    got = dict(zip(zip(frame["patient_id"], frame["definition"], strict=True), frame["flag"], strict=True))
    out = []
    for p in patients:
        for definition, expected in _reference(p, options).items():
            if expected != "skip" and got.get((p.pid, definition)) != expected:
                out.append(f"{p.pid} {definition}: reference {expected}, code {got.get((p.pid, definition))}")
    return out


# --- the random comparison ------------------------------------------------------------------------------


def test_random_differential_without_small_new_nodes_or_split_new_lesions() -> None:
    # 300 seeded patients; every new-lesion kind except the two behind the proven differences.
    assert _disagreements(300, 13, PLAIN_KINDS) == []


@pytest.mark.parametrize(
    "options",
    [
        {"nonpositive_reference": "literal", "kato_pace_metric": "absolute"},
        {"nonpositive_reference": "hpd_if_exp_positive", "ecog_rule": "worsens_by_2_or_more"},
        {"matos_new_lesion_rule": "two_in_involved_organ_or_new_organ", "matos_time_rule": "none"},
        {
            "prebaseline_max_days_before_baseline": 84,
            "matos_min_abs_increase_mm": 10,
            "kato_pace_metric": "tgr",
        },
    ],
    ids=lambda o: ",".join(o),
)
def test_random_differential_documented_options(options: dict) -> None:
    # spec 2.1 / 2.2 / 2.3 options (documented alternatives, not bugs): same comparison, 100 patients each.
    assert _disagreements(100, 29, PLAIN_KINDS, options) == []


def test_random_differential_all_new_lesion_kinds() -> None:
    # Same comparison with new nodes of 7 mm and split new lesions added; fails only through the
    # differences pinned by the hand-made tests below.
    assert _disagreements(300, 13, PLAIN_KINDS + TRICKY_KINDS * 2) == []


# --- proven differences, reduced to hand-made patients ---------------------------------------------


def _flags(rows: list[dict], end_day: int | None = 50, ecog: list[tuple[int, int]] = (), **options) -> dict:
    patients = pd.DataFrame(
        [
            dict(
                patient_id="P1",
                treatment_start=_date(0),
                treatment_end=None if end_day is None else _date(end_day),
            )
        ]
    )
    visits = pd.DataFrame(
        [dict(patient_id="P1", date=_date(d), ecog=e) for d, e in ecog],
        columns=["patient_id", "date", "ecog"],
    )
    frame = _hpd(pd.DataFrame(rows), patients, visits, **options).set_index("definition")
    return {
        d: (frame.loc[d, "flag"], json.loads(frame.loc[d, "values"]), frame.loc[d, "reason"])
        for d in frame.index
    }


def _small_node(status: str) -> dict:
    return _row(
        "P1", 42, "U1", "new", "lymph_node_mediastinal", True, status, 7.0 if status == "present" else None
    )


@pytest.mark.parametrize("status", ["present", "too_small"])
def test_H7_new_node_below_10_mm_is_not_a_new_lesion_for_lo_russo(status: str) -> None:
    # Baseline day -7: T1 lung 40. Day 42: T1 62 (+22 mm, +55.00 %: RECIST target PD) and a new
    # mediastinal node, short axis 7 mm (or too_small = normal node, anatomic.md 0.4): not a new lesion.
    # c1 TTF 50 d < 60.875 true; c2 +55.00 % >= 50 true; c3 false; c4 false (no new lesion);
    # c5 ECOG 1 (day -7) -> 1 (day 30) false: 2 of 5 -> false.
    rows = [
        _row("P1", -7, "T1", "target", value=40),
        _row("P1", 42, "T1", "target", value=62),
        _small_node(status),
    ]
    flag, values, _ = _flags(rows, ecog=[(-7, 1), (30, 1)])["hpd.lo_russo2019"]
    assert values["criteria"]["c4"] is False
    assert flag == "false"


@pytest.mark.parametrize("status", ["present", "too_small"])
def test_H8_new_node_below_10_mm_is_not_a_second_new_lesion_organ_for_matos(status: str) -> None:
    # Baseline day -7: T1 lung 40. Day 42: T1 50 (+10 mm, +25.00 %: RECIST PD), new liver lesion 15 mm and a
    # new mediastinal node of 7 mm (or too_small): new lesions in 1 organ (liver). 25.00 % is not >= 40 %
    # and the >= 20 % arm needs 2 organs -> false (TTF 50 d < 2 months does not matter).
    rows = [
        _row("P1", -7, "T1", "target", value=40),
        _row("P1", 42, "T1", "target", value=50),
        _row("P1", 42, "U2", "new", "liver", value=15),
        _small_node(status),
    ]
    assert _flags(rows)["hpd.matos2020"][0] == "false"


def _split_patient(second_lesion_id: str) -> list[dict]:
    # Baseline day -7: T1 lung 40 + T2 liver 30 = 70. Day 42: 42 + 30 = 72 (+2.86 %, +2 mm: target SD), a new
    # liver lesion given as two rows (14 mm and 9.5 mm); same lesion_id -> one split lesion, else two lesions.
    return [
        _row("P1", -7, "T1", "target", value=40),
        _row("P1", -7, "T2", "target", "liver", value=30),
        _row("P1", 42, "T1", "target", value=42),
        _row("P1", 42, "T2", "target", "liver", value=30),
        _row("P1", 42, "U1", "new", "liver", value=14),
        _row("P1", 42, second_lesion_id, "new", "liver", value=9.5),
    ]


def test_H7_split_new_lesion_counts_once_for_lo_russo() -> None:
    # RECIST PD (new lesion). c1 TTF 50 d true; c2 +2.86 % false; c3 one new lesion in liver false; c4 false
    # (liver involved at baseline); c5 ECOG 1 (day -7) -> 2 (day 30) true: 2 of 5 -> false.
    flag, values, _ = _flags(_split_patient("U1"), ecog=[(-7, 1), (30, 2)])["hpd.lo_russo2019"]
    assert values["criteria"]["c3"] is False
    assert flag == "false"


# --- rules checked and found correct (regression tests) ----------------------------------------------------


def test_H7_two_distinct_new_lesions_in_involved_organ_meet_criterion_3() -> None:
    # Control for the split test (spec H7 criterion 3): U1 and U2 are two lesions in the liver, involved at
    # baseline -> c3 true; with c1 and c5 true: 3 of 5 -> true.
    flag, values, _ = _flags(_split_patient("U2"), ecog=[(-7, 1), (30, 2)])["hpd.lo_russo2019"]
    assert values["criteria"] == {"c1": True, "c2": False, "c3": True, "c4": False, "c5": True}
    assert flag == "true"


def test_H7_lymph_node_stations_are_one_organ_and_organ_codes_ignore_case() -> None:
    # spec H7 "all lymph node stations count as one organ lymph_node"; 5.3 "inputs are mapped
    # case-insensitively". Baseline day -7: T1 mediastinal node 20 (short axis) + T2 "Liver" 30 = 50.
    # Day 42: 22 + 33 = 55 (+10.00 %), new hilar node 12 mm and new other-station node 14 mm (both >= 10 mm:
    # new lesions), new "LIVER" lesion 11 mm. RECIST PD (new lesions). c1 TTF 50 d true; c2 false;
    # c3 two new lesions in lymph_node (involved) true; c4 liver is involved -> false; c5 ECOG 1 -> 2 true.
    rows = [
        _row("P1", -7, "T1", "target", "lymph_node_mediastinal", True, value=20),
        _row("P1", -7, "T2", "target", "Liver", value=30),
        _row("P1", 42, "T1", "target", "lymph_node_mediastinal", True, value=22),
        _row("P1", 42, "T2", "target", "Liver", value=33),
        _row("P1", 42, "U1", "new", "lymph_node_hilar", True, value=12),
        _row("P1", 42, "U2", "new", "lymph_node_other", True, value=14),
        _row("P1", 42, "U3", "new", "LIVER", value=11),
    ]
    flag, values, _ = _flags(rows, ecog=[(-7, 1), (30, 2)])["hpd.lo_russo2019"]
    assert values["criteria"] == {"c1": True, "c2": False, "c3": True, "c4": False, "c5": True}
    assert flag == "true"


@pytest.mark.parametrize(("ecog_day", "expected"), [(60, "true"), (61, "false")])
def test_H7_ecog_window_ends_on_day_60(ecog_day: int, expected: str) -> None:
    # spec H7 criterion 5: "within the first 2 months (day <= 60)", ECOG >= 2 and > baseline ECOG.
    # Baseline day -7: T1 40; day 42: T1 62 (+55.00 %, RECIST PD). c1 TTF 50 d true, c2 true, c3/c4 false;
    # ECOG 1 (day -7), 1 (day 30), 2 on day 60: c5 true, 3/5 -> true; 2 on day 61: c5 false, 2/5 -> false.
    rows = [_row("P1", -7, "T1", "target", value=40), _row("P1", 42, "T1", "target", value=62)]
    assert _flags(rows, ecog=[(-7, 1), (30, 1), (ecog_day, 2)])["hpd.lo_russo2019"][0] == expected


def _three_scans(
    pre: list[tuple[int, float, str]],
    baseline: float = 44,
    first: float = 62,
    first_day: int = 49,
    baseline_day: int = -7,
) -> list[dict]:
    rows = [_row("P1", d, "T1", "target", value=v, label=lab) for d, v, lab in pre]
    return rows + [
        _row("P1", baseline_day, "T1", "target", value=baseline),
        _row("P1", first_day, "T1", "target", value=first),
    ]


def test_0_2_prebaseline_label_wins_over_a_later_complete_scan() -> None:
    # spec 0.2: "if several candidates exist the label wins, else the latest one". Day -100: 40 labelled
    # prebaseline; day -50: 43 (complete, unlabelled). Baseline day -7: 44; day 49: 62.
    # TGR_ref from day -100: 3 ln(44/40) = 0.285931; 93 d = 3.055441 mo; TG = 0.093581; TGR_ref = 9.81 %/mo
    # (from day -50 it would be 3 ln(44/43) / 1.412731 = 0.048818 -> 5.00 %/mo).
    rows = _three_scans([(-100, 40, "prebaseline"), (-50, 43, "")])
    assert _flags(rows)["hpd.champiat2017"][1]["TGR_ref"] == pytest.approx(9.81, abs=0.005)


def test_0_2_prebaseline_is_the_latest_scan_with_every_baseline_target_measured() -> None:
    # spec 0.2: "the latest assessment strictly before the baseline assessment in which every baseline target
    # lesion has a measurement or status = absent". Day -100: T1 25 + T2 15 = 40; day -50: T1 22 and T2
    # not_evaluable (not a candidate); baseline day -7: 27 + 17 = 44; day 49: 37 + 25 = 62 (+40.91 %, PD).
    # Reference from day -100: TGR_ref = 9.81 %/mo (as above); TGR_exp = 74.93 %/mo (spec 2.4 HP-1:
    # 56 days, 62/44); ratio 7.64 >= 2 -> Champiat true.
    rows = [
        _row("P1", -100, "T1", "target", value=25),
        _row("P1", -100, "T2", "target", "liver", value=15),
        _row("P1", -50, "T1", "target", value=22),
        _row("P1", -50, "T2", "target", "liver", status="not_evaluable"),
        _row("P1", -7, "T1", "target", value=27),
        _row("P1", -7, "T2", "target", "liver", value=17),
        _row("P1", 49, "T1", "target", value=37),
        _row("P1", 49, "T2", "target", "liver", value=25),
    ]
    flag, values, _ = _flags(rows, end_day=84)["hpd.champiat2017"]
    assert values["TGR_ref"] == pytest.approx(9.81, abs=0.005)
    assert values["TGR_exp"] == pytest.approx(74.93, abs=0.005)
    assert flag == "true"


def test_2_2_zero_reference_growth_blocks_ratios_not_differences() -> None:
    # spec 2.2: TGR_ref <= 0 -> ratio not_evaluable (default); "Difference-based definitions (Ferrara, Kas)
    # remain evaluable". Day -60: 40; baseline day -4: 40 (TGR_ref = TGK_ref = pace_ref = 0); day 52: 60
    # (+50.00 %, +20 mm, PD). TGR_exp: 3 ln 1.5 = 1.216395 / 1.839836 mo = 0.661140 -> 93.70 %/mo.
    # dTGR 93.70: Ferrara (> 50) true, Kas (> 100) false. Kato: TTF 52 d true, +50.00 % not > 50 -> false
    # although pace is not evaluable (0.3). Champiat, Petrioli, Saada-Bouzid: not evaluable.
    rows = _three_scans([(-60, 40, "")], baseline=40, first=60, first_day=52, baseline_day=-4)
    flags = {d: f for d, (f, _, _) in _flags(rows, end_day=52).items()}
    assert (flags["hpd.ferrara2018"], flags["hpd.kas2020"], flags["hpd.kato2017"]) == (
        "true",
        "false",
        "false",
    )
    assert {flags[d] for d in ("hpd.champiat2017", "hpd.petrioli2020", "hpd.saada_bouzid2017")} == {
        "not_evaluable"
    }


def test_2_2_all_targets_gone_gives_minus_100_and_decides_every_kinetic_definition() -> None:
    # spec 2.2: "S_1 = 0 (all targets gone): TGR_exp is the limit -100 %/month; TGK is computed normally."
    # Day -60: 30; baseline day -4: 36; day 52: T1 absent + new liver lesion 12 mm (RECIST PD).
    # TGR_ref: 3 ln 1.2 = 0.546965 / 1.839836 = 0.297290 -> 34.62 %/mo; dTGR = -134.62 -> Ferrara false;
    # TGR ratio -2.89 -> Champiat false; TGK 6 / 1.839836 = 3.2612 vs -36 / 1.839836 = -19.567: ratio -6.
    rows = [
        _row("P1", -60, "T1", "target", value=30),
        _row("P1", -4, "T1", "target", value=36),
        _row("P1", 52, "T1", "target", status="absent"),
        _row("P1", 52, "U1", "new", "liver", value=12),
    ]
    result = _flags(rows)
    assert result["hpd.champiat2017"][1]["TGR_exp"] == pytest.approx(-100.0)
    assert result["hpd.ferrara2018"][1]["dTGR"] == pytest.approx(-134.62, abs=0.005)
    assert [result[d][0] for d in ("hpd.champiat2017", "hpd.ferrara2018", "hpd.saada_bouzid2017")] == [
        "false"
    ] * 3


def test_2_3_H4_tgk_ratio_exactly_two_meets_the_non_strict_threshold() -> None:
    # spec H4 "TGK ratio >= 2 (non-strict)". Day -91: 40; baseline -7: 50 (+10 mm in 84 d); day 35: 60
    # (+10 mm in 42 d): TGKr = (10 / 42) / (10 / 84) = 2 -> true.
    rows = _three_scans([(-91, 40, "")], baseline=50, first=60, first_day=35)
    assert _flags(rows)["hpd.saada_bouzid2017"][0] == "true"


@pytest.mark.parametrize(("pre_sum", "expected"), [(31.25, "false"), (31.5, "true")])
def test_2_3_H5_pace_ratio_is_strict(pre_sum: float, expected: str) -> None:
    # spec H5 "pace ratio > 2 (strict)". Day -91: pre_sum; baseline -7: 50; day 35: 80 (+60.00 % > 50);
    # TTF 40 d < 2 months. pace_exp = 0.6 / (42 d); pace_ref = (50 / 31.25 - 1) / (84 d) = 0.6 / 84 d ->
    # ratio exactly 2 -> false; with 31.5: (50 / 31.5 - 1) = 0.587302 -> ratio 2.043 -> true.
    rows = _three_scans([(-91, pre_sum, "")], baseline=50, first=80, first_day=35)
    assert _flags(rows, end_day=40)["hpd.kato2017"][0] == expected


def test_0_4_matos_40_percent_landing_below_in_binary_still_meets() -> None:
    # spec 0.4 "a value that is exactly on the threshold in decimal arithmetic but lands at 39.9999999999 ...
    # still meets a '>= 40' rule". Baseline day -7: 36; day 42: 50.4: 100 * 14.4 / 36 = 40 (decimal),
    # 39.99999999999999 in float64. PD (+14.4 mm), TTF 50 d -> Matos true.
    rows = [_row("P1", -7, "T1", "target", value=36), _row("P1", 42, "T1", "target", value=50.4)]
    assert _flags(rows)["hpd.matos2020"][0] == "true"


def test_H9_kas_needs_target_progression_ferrara_any_recist_pd_cli(tmp_path: Path) -> None:
    # spec H6 "RECIST PD at the first evaluation AND dTGR > 50"; H9 "target-lesion RECIST progression
    # (pct_1 >= 20 % and abs_1 >= 5 mm) AND dTGR > 100". Day -60: 40; baseline -4: 41; day 3: 45 (+9.76 %,
    # +4 mm) and a new liver lesion (RECIST PD by the new lesion only).
    # TGR_ref: 3 ln(41/40) = 0.074078 / 1.839836 = 0.040263 -> 4.11 %/mo. TGR_exp: 3 ln(45/41) = 0.279269 /
    # (7 d = 0.229979 mo) = 1.214323 -> 236.81 %/mo; dTGR = 232.70. Ferrara true; Kas false (size fails).
    # Run through the `ioresponse patterns` CLI (writes only under tmp_path).
    rows = [
        _row("P1", -60, "T1", "target", value=40),
        _row("P1", -4, "T1", "target", value=41),
        _row("P1", 3, "T1", "target", value=45),
        _row("P1", 3, "U1", "new", "liver", value=12),
    ]
    pd.DataFrame(rows).drop(columns=["timepoint_label", "equivocal"]).to_csv(
        tmp_path / "lesions.csv", index=False
    )
    pd.DataFrame([dict(patient_id="P1", treatment_start=_date(0))]).to_csv(
        tmp_path / "patients.csv", index=False
    )
    cli = Path(sys.executable).with_name("ioresponse")
    done = subprocess.run(
        [
            str(cli),
            "patterns",
            str(tmp_path / "lesions.csv"),
            "--patients",
            str(tmp_path / "patients.csv"),
            "--criteria",
            "recist11",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "out" / "patterns.csv").set_index("definition")
    assert table.loc["hpd.ferrara2018", "flag"] == "true"
    assert table.loc["hpd.kas2020", "flag"] == "false"
    assert json.loads(table.loc["hpd.ferrara2018", "values"])["dTGR"] == pytest.approx(232.70, abs=0.01)
