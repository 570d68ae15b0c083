"""Cross-criterion (metamorphic) audit of the five anatomic criteria run side by side on one table
(spec/anatomic.md sections 0-5 and the comparison table of section 8), through the public API
``ioresponse.assess(table, criteria=("recist11", "irrc", "irrecist", "irecist", "imrecist"))`` and the
command line ``ioresponse assess ... --out OUTDIR`` + ``ioresponse compare OUTDIR``.

Seeded random patients (1-5 targets incl. nodes with long / short / perpendicular diameters, 0-3
non-targets, 2-8 follow-ups 35-90 days apart, absent / too_small / not_evaluable statuses, 0-3 new
lesions with nodes, too_small, not_evaluable rows) are checked against relations derived from the spec
text; the sums are recomputed here by hand from the input rows (0.4, 0.5), never read from the output.

Relations kept (spec sentences quoted next to each test):

S1  no new lesions: RECIST 1.1, irRECIST, imRECIST and iRECIST report the same current / baseline / nadir
    sums, percentages and absolute change, and the same target category (1.4, 3.4, 4.4, 5.4, 8).
S2  no new lesions and no unequivocal non-target progression: before the first RECIST 1.1 PD every
    timepoint of irRECIST, imRECIST and iRECIST is RECIST 1.1's category with the criterion's prefix; the
    first RECIST 1.1 PD is iRECIST's iUPD; irRECIST = imRECIST on every row (category, confirmation
    state, progression day) (3.4-3.6, 4.6 step 1, 5.4-5.6, 0.8).
S3  with new lesions (and, in a second cohort, unequivocal non-target progression): hand-computed TMTB /
    SLD (targets + counted new measurable, caps 5 / 2 per organ), irRC tumour burden (products, 25 mm2 too
    small), iRECIST new-lesion-target sum, nadirs, and the timepoint category of irRECIST, imRECIST and
    irRC recomputed from those sums; RECIST 1.1 PD whenever a new lesion is present (1.5, 2.4, 3.4, 4.4,
    5.4, 1.6.1 row 3).
S4  best_response = best timepoint in each criterion's window, not-confirmed PD rows skipped; the same for
    best_response_confirmed with the 0.7 routine; progression_day, pfs_event, pfs_day, after_progression,
    first_response_day and duration of response consistent with the timepoints (0.7-0.9, 1.7, 2.7, 3.7,
    4.7, 5.7).
S5  every timepoint reason names the criterion's own source and, where a complete sum drives the call,
    the row's current_sum and one of its percentages as displayed (0.10).
S6  ``ioresponse compare --unconfirmed`` reproduces best_response (with --confirmed,
    best_response_confirmed) of best_response.csv in compare_wide.csv, and its reclassification cells
    (count, patients) (README "compare"; spec 8).
S7  hand-made reappearance after CR: RECIST 1.1 PD and iRECIST iUPD on the same day, irRECIST / imRECIST
    follow their sums (1.8.1, 4.6 step 1, 3.4 and 5.4 last bullets).

Dropped after reading the spec: iRECIST = RECIST 1.1 with equivocal new lesions and default back-dating
(1.8.2 has no iRECIST counterpart); irRC categories = RECIST 1.1 (products, +25 % without 5 mm, irPD
tested before "gone", 2.4); irRECIST / irRC pfs_event for a PD pending at the end of data (3.7 and 2.7
say nothing about PFS; imRECIST 5.7 alone makes it an event); imRECIST's non_target_response label when a
non-target is unequivocally progressing and another is not evaluated (5.5 only says it does not make PD);
"a not-confirmed irPD between two PRs breaks confirmation" (0.8: such a row "is ignored by the
best-response derivation", so skipping it is a reading the spec allows).

Proven difference, fixed: the reason of an irRECIST / imRECIST "all gone" timepoint named no number
(0.10 "The reason names the numbers and the rule"); it now starts with the TMTB / SLD.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from assessed import row
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app

ALL = ("recist11", "irrc", "irrecist", "irecist", "imrecist")
UNI = ("recist11", "irrecist", "irecist", "imrecist")
ORGANS = ("liver", "lung", "adrenal", "kidney", "peritoneum", "bone", "brain")
PREFIX = {"recist11": "", "irrc": "ir", "irrecist": "ir", "irecist": "i", "imrecist": ""}
SOURCE = {
    "recist11": "RECIST 1.1",
    "irrc": "Wolchok 2009",
    "irrecist": "irRECIST",
    "irecist": "iRECIST",
    "imrecist": "imRECIST",
}


def band(label):
    """Criterion label -> RECIST 1.1 category (0.9 label table); iUPD counts as PD here."""
    for p in ("ir", "i"):
        if (
            isinstance(label, str)
            and label.startswith(p)
            and label[len(p) :] in ("CR", "PR", "SD", "PD", "NON-CR/NON-PD")
        ):
            return label[len(p) :]
    return {"NON-iCR/NON-iUPD": "NON-CR/NON-PD", "iUPD": "PD"}.get(label, label)


def label(criterion, category):
    """RECIST 1.1 category -> the criterion's own label (0.9)."""
    if category in ("NE", "iUPD", "iCPD"):
        return category
    if criterion == "irecist" and category == "NON-CR/NON-PD":
        return "NON-iCR/NON-iUPD"
    return PREFIX[criterion] + category


# --- seeded random patients ------------------------------------------------------------------------------


def _patient(rng, pid, *, n_new=0, nt_up=False):
    gaps = rng.integers(35, 91, int(rng.integers(2, 9)))
    days = [-int(rng.integers(0, 8)), *np.cumsum(gaps).tolist()]
    drift = float(rng.choice([-0.5, -0.3, -0.15, -0.05, 0.0, 0.05, 0.15, 0.3]))
    organs, rows, nodes, others = list(rng.permutation(ORGANS)), [], 0, 0
    for i in range(int(rng.integers(1, 6))):  # targets: <= 5, <= 2 per organ, nodes one organ (1.3)
        node = nodes < 2 and rng.random() < 0.3
        organ = "lymph node" if node else str(organs[others // 2])
        nodes, others = nodes + node, others + (not node)
        size, trend = (
            float(rng.integers(15, 35) if node else rng.integers(10, 60)),
            drift + rng.normal(0, 0.1),
        )
        for k, d in enumerate(days):
            if k:
                size = min(size * float(np.exp(trend + rng.normal(0, 0.12))), 150.0)
            s, kw = float(round(size)), dict(organ=organ, node=node, patient=pid)
            if k and rng.random() < 0.05:
                rows.append(row(d, f"T{i + 1}", status="not_evaluable", **kw))
            elif node and k and s < 6 and rng.random() < 0.5:
                rows.append(row(d, f"T{i + 1}", status="absent", **kw))
            elif node and k and s < 8 and rng.random() < 0.3:
                rows.append(row(d, f"T{i + 1}", status="too_small", **kw))
            elif node:
                extra = {"perpendicular_mm": max(s, 3.0)} if rng.random() < 0.5 else {}
                rows.append(
                    row(
                        d,
                        f"T{i + 1}",
                        max(s, 3.0),
                        long_axis_mm=float(round(max(s, 3.0) * 1.3)),
                        **extra,
                        **kw,
                    )
                )
            elif k and s < 4:
                rows.append(row(d, f"T{i + 1}", status="absent", **kw))
            elif k and s < 7 and rng.random() < 0.4:
                rows.append(row(d, f"T{i + 1}", status="too_small", **kw))
            else:
                rows.append(row(d, f"T{i + 1}", s, perpendicular_mm=float(max(5, round(s * 0.7))), **kw))
    for j in range(int(rng.integers(0, 4))):  # non-targets
        node = rng.random() < 0.3
        organ = "lymph node" if node else str(rng.choice(ORGANS))
        for k, d in enumerate(days):
            u, status = (rng.random() if k else 0.5), "present"
            if k and u < 0.1 + 0.2 * (drift < -0.2):
                status = "absent"
            elif k and u > 0.94:
                status = "not_evaluable"
            elif k and nt_up and u > 0.86:
                status = "unequivocal_progression"
            kw = {}
            if node and status in ("present", "unequivocal_progression"):
                kw["short_axis_mm"] = float(rng.integers(6, 15) if k else rng.integers(10, 15))
            rows.append(row(d, f"N{j + 1}", status=status, organ=organ, node=node, patient=pid, **kw))
    for j in range(int(rng.integers(0, n_new + 1))):  # new lesions, some never measurable
        k0, node = int(rng.integers(1, len(days))), rng.random() < 0.25
        organ = "lymph node" if node else str(rng.choice(("liver", "lung", "bone")))
        size, trend = float(rng.integers(5, 23) if node else rng.integers(4, 26)), rng.normal(0, 0.25)
        for k in range(k0, len(days)):
            if k > k0:
                size = min(size * float(np.exp(trend + rng.normal(0, 0.1))), 120.0)
            s, kw = float(round(size)), dict(organ=organ, node=node, patient=pid)
            if k > k0 and rng.random() < 0.08:
                rows.append(row(days[k], f"U{j + 1}", status="not_evaluable", **kw))
            elif k > k0 and s < (4 if node else 3):
                rows.append(row(days[k], f"U{j + 1}", status="absent", **kw))
            elif node:
                rows.append(
                    row(days[k], f"U{j + 1}", max(s, 3.0), long_axis_mm=float(round(max(s, 3.0) * 1.3)), **kw)
                )
            elif k > k0 and s < 5 and rng.random() < 0.5:
                rows.append(row(days[k], f"U{j + 1}", status="too_small", **kw))
            else:
                rows.append(
                    row(
                        days[k],
                        f"U{j + 1}",
                        max(s, 3.0),
                        perpendicular_mm=float(max(3, round(s * 0.7))),
                        **kw,
                    )
                )
    return rows


def cohort(seed, n, **kinds):
    rng = np.random.default_rng(seed)
    rows = [r for i in range(n) for r in _patient(rng, f"P{i:03d}", **kinds)]
    return pd.DataFrame(rows)


def assess(table, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(table, criteria=ALL, **options)


@pytest.fixture(scope="module")
def plain():
    """No new lesions, no unequivocal progression."""
    table = cohort(20261130, 90)
    return table, assess(table)


@pytest.fixture(scope="module")
def with_new():
    """0-3 new lesions per patient and unequivocal non-target progression."""
    table = cohort(7, 90, n_new=3, nt_up=True)
    return table, assess(table)


# --- hand arithmetic (0.4, 0.5, 2.4, 3.4, 4.4, 5.4) ------------------------------------------------------


def value(r, product=False):
    """0.4: unidimensional value (node short axis) or irRC product; too_small 5 / 25, absent 0, NE nan."""
    status = r["status"]
    if status == "absent":
        return 0.0
    if status == "too_small":
        return 25.0 if product else 5.0
    if status == "not_evaluable":
        return math.nan
    if product:
        perpendicular = r.get("perpendicular_mm", math.nan)
        if r["lymph_node"] and pd.isna(perpendicular):
            perpendicular = r["short_axis_mm"]
        return float(r["long_axis_mm"]) * float(perpendicular)
    return float(r["short_axis_mm"] if r["lymph_node"] else r["long_axis_mm"])


def gone(r):
    """0.4 normal node (absent, too_small, short axis < 10) or absent lesion."""
    if r["status"] == "absent":
        return True
    return bool(r["lymph_node"]) and (
        r["status"] == "too_small" or (r["status"] == "present" and r["short_axis_mm"] < 10)
    )


def measurable(r, product=False):
    """0.6 (non-nodal >= 10, node short axis >= 15) or irRC 2.4 (both diameters >= 5)."""
    if r["status"] != "present":
        return False
    if product:
        perpendicular = r.get("perpendicular_mm", math.nan)
        if r["lymph_node"] and pd.isna(perpendicular):
            perpendicular = r["short_axis_mm"]
        return r["long_axis_mm"] >= 5 and perpendicular >= 5
    return r["short_axis_mm"] >= 15 if r["lymph_node"] else r["long_axis_mm"] >= 10


def rel(s, ref):
    return round((s - ref) / ref, 6)


def total(rows, product=False):
    return sum(value(r, product) for r in rows)


def known(rows, product=False):
    return sum(v for r in rows if not pd.isna(v := value(r, product)))


def by_patient(table):
    out = {}
    for r in table.to_dict("records"):
        out.setdefault(r["patient_id"], {}).setdefault(r["day"], []).append(r)
    return out


def hand(assessments):
    """{day: sums and expected categories} of one patient ({day: input rows}), from the input rows only."""
    days = sorted(assessments)
    counted, counted_irrc, nlt, seen, history, out = [], [], [], set(), {"S": [], "M": [], "P": []}, {}
    for d in days:
        a = assessments[d]
        targets = [r for r in a if r["role"] == "target"]
        nontargets = [r for r in a if r["role"] == "non_target"]
        new = [r for r in a if r["role"] == "new"]
        organ = lambda r: "lymph node" if r["lymph_node"] else r["organ"]  # noqa: E731
        ids = [x for x, _ in counted]
        for _, lid, o in sorted(
            (-value(r), r["lesion_id"], organ(r)) for r in new if measurable(r) and r["lesion_id"] not in ids
        ):
            if len(counted) < 5 and [y for _, y in counted].count(o) < 2:  # 3.4 / 5.4 caps, larger first
                counted.append((lid, o))
        counted_irrc += [
            r["lesion_id"] for r in new if measurable(r, True) and r["lesion_id"] not in counted_irrc
        ]
        for _, lid, o, m in sorted(
            (-value(r), r["lesion_id"], organ(r), measurable(r))
            for r in new
            if r["lesion_id"] not in seen and r["status"] == "present"
        ):
            if m and len(nlt) < 5 and [y for _, y in nlt].count(o) < 2:  # 4.4 NLT, fixed at first sight
                nlt.append((lid, o))
            seen.add(lid)
        ids, nlt_ids = [x for x, _ in counted], [x for x, _ in nlt]
        in_sum = [r for r in new if r["lesion_id"] in ids]
        in_tb = [r for r in new if r["lesion_id"] in counted_irrc]
        rec = dict(
            S=total(targets),
            M=total(targets) + total(in_sum),
            TB=total(targets, True) + total(in_tb, True),
            NLT=total([r for r in new if r["lesion_id"] in nlt_ids]),
            new_present=any(
                r["status"] in ("present", "too_small", "unequivocal_progression")
                and not (r["lymph_node"] and r["status"] == "present" and r["short_axis_mm"] < 10)
                for r in new
            ),
            nt_up=any(r["status"] == "unequivocal_progression" for r in nontargets),
        )
        if d == days[0]:
            base, base_tb = rec["S"], rec["TB"]
        else:
            n_s, n_m, n_p = (min(x for x in history[k] if not pd.isna(x)) for k in ("S", "M", "P"))
            rec.update(B=base, B2=base_tb, nadS=n_s, nadM=n_m, nadP=n_p)
            nt_gone = all(gone(r) for r in nontargets)

            def pd_uni(s, n):  # 0.5 and 1.4: >= 20 % and >= 5 mm (R = 0: any S > 0, abs still applies)
                return (n == 0 and s >= 5) or (n > 0 and rel(s, n) >= 0.2 and round(s - n, 6) >= 5)

            def pd_bi(s, n):  # 2.4: >= 25 %, no absolute minimum
                return (n == 0 and s > 0) or (n > 0 and rel(s, n) >= 0.25)

            other_new = [r for r in new if r["lesion_id"] not in ids]
            other_present = any(
                r["status"] in ("present", "too_small", "unequivocal_progression")
                and not (r["lymph_node"] and r["status"] == "present" and r["short_axis_mm"] < 10)
                for r in other_new
            )
            all_gone = all(gone(r) for r in targets + in_sum)
            if pd.isna(rec["M"]):  # 3.4 / 5.4 order: incomplete, gone, PD, PR, SD
                cat = "PD" if pd_uni(known(targets) + known(in_sum), n_m) else "NE"
            elif all_gone:
                cat = "CR" if nt_gone and not other_present else "PR"
            elif pd_uni(rec["M"], n_m):
                cat = "PD"
            elif rel(rec["M"], base) <= -0.3:
                cat = "PR"
            else:
                cat = "SD"
            rec["imrecist"] = cat
            rec["irrecist"] = "PD" if rec["nt_up"] else cat  # 3.5 default: non-target progression is irPD
            other_tb = any(
                r["status"] in ("present", "too_small", "unequivocal_progression")
                for r in new
                if r["lesion_id"] not in counted_irrc
            )
            if pd.isna(rec["TB"]):  # 2.4 order: incomplete, irPD band, gone, PR band, SD band
                cat = "PD" if pd_bi(known(targets, True) + known(in_tb, True), n_p) else "NE"
            elif pd_bi(rec["TB"], n_p):
                cat = "PD"
            elif all(gone(r) for r in targets + in_tb):
                cat = "CR" if nt_gone and not other_tb else "PR"
            elif rel(rec["TB"], base_tb) <= -0.5:
                cat = "PR"
            else:
                cat = "SD"
            rec["irrc"] = cat
            out[d] = rec
        for k, v in (("S", rec["S"]), ("M", rec["M"]), ("P", rec["TB"])):
            history[k].append(v)
    return out


def close(a, b):
    return (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and abs(a - b) < 1e-6)


def wide(result, column):
    return result.timepoints.pivot(index=["patient_id", "day"], columns="criterion", values=column)


# --- S1, S2: no new lesions ------------------------------------------------------------------------------


def test_s1_same_sums_and_target_category_without_new_lesions(plain):
    """1.4 "New lesions are never added"; 3.4 TMTB = targets + counted new lesions; 4.4 "S(t): sum of the
    baseline target values only"; 5.4 SLD = targets + counted new lesions; section 8 "as RECIST 1.1" for
    the measurement of irRECIST, iRECIST and imRECIST. Without new lesions the four sums are one sum."""
    table, result = plain
    for column in (
        "current_sum",
        "baseline_sum",
        "nadir_sum",
        "pct_change_baseline",
        "pct_change_nadir",
        "abs_change_nadir",
        "sum_complete",
        "target_sum",
    ):
        w = wide(result, column)
        for criterion in UNI[1:]:
            same = (w[criterion] == w["recist11"]) | (w[criterion].isna() & w["recist11"].isna())
            assert same.all(), (column, criterion, w[~same].head())
    targets = wide(result, "target_response").map(band)
    for criterion in UNI[1:]:
        assert (targets[criterion] == targets["recist11"]).all(), criterion
    # and they are the hand sums (0.4: node short axis, too_small 5, absent 0; 0.5 nadir of complete sums)
    tp = result.timepoints.set_index(["patient_id", "day", "criterion"]).sort_index()
    for pid, assessments in list(by_patient(table).items())[:60]:
        for d, rec in hand(assessments).items():
            r = tp.loc[(pid, d, "recist11")]
            assert close(r.current_sum, rec["S"]) and close(r.nadir_sum, rec["nadS"]), (pid, d)
            assert close(r.baseline_sum, rec["B"]), (pid, d)


def test_s2_categories_coincide_before_the_first_recist_pd(plain):
    """3.4-3.6 (same thresholds 20 % and 5 mm, 30 %), 5.4-5.6, 4.6 step 1 ("Otherwise ... the RECIST 1.1
    mapping with an "i" prefix"); the first RECIST 1.1 PD is a RECIST 1.1 progression trigger, so iUPD
    (4.6 step 1). irRECIST and imRECIST differ only in non-target progression and the best-response
    window (3.5, 5.5, 5.7), so without unequivocal progression their rows are identical (0.8)."""
    _, result = plain
    calls = wide(result, "overall_response")
    assert (calls["recist11"] == "PD").sum() > 50 and (calls["recist11"] == "CR").sum() >= 3
    for pid, g in calls.groupby(level=0):
        pd_days = [d for (_, d), v in g["recist11"].items() if v == "PD"]
        first = pd_days[0] if pd_days else np.inf
        for (_, d), r in g.iterrows():
            if d < first:
                for criterion in UNI[1:]:
                    assert r[criterion] == label(criterion, r["recist11"]), (pid, d, criterion)
            elif d == first:
                assert r["irecist"] == "iUPD", (pid, d)
    for column in ("overall_response", "confirmation_state", "progression_day", "after_progression"):
        w = wide(result, column)
        a, b = w["irrecist"], w["imrecist"]
        a = a.map(band) if column == "overall_response" else a
        b = b.map(band) if column == "overall_response" else b
        assert ((a == b) | (a.isna() & b.isna())).all(), column


def test_s3_irrc_burden_is_the_sum_of_products(plain):
    """0.4 "Bidimensional product p (mm2): long_axis_mm x perpendicular_mm (for nodes short_axis_mm when
    perpendicular_mm is empty); too_small -> 25.0; absent -> 0"; 2.3 TB0 = SPD of the index lesions."""
    table, result = plain
    tp = result.timepoints.set_index(["patient_id", "day", "criterion"]).sort_index()
    for pid, assessments in by_patient(table).items():
        for d, rec in hand(assessments).items():
            r = tp.loc[(pid, d, "irrc")]
            assert r.sum_unit == "mm2"
            if not pd.isna(rec["TB"]):
                assert close(r.current_sum, rec["TB"]), (pid, d, r.current_sum, rec["TB"])
            assert close(r.nadir_sum, rec["nadP"]) and close(r.baseline_sum, rec["B2"]), (pid, d)
            assert band(r.overall_response) == rec["irrc"], (pid, d, r.overall_response, rec["irrc"])


# --- S3: new lesions and non-target progression ----------------------------------------------------------


def test_s3_new_lesions_hand_sums_and_categories(with_new):
    """3.4 "TMTB(t) = sum of the baseline target values at t + sum of the values of the counted new
    measurable lesions" (5 in total, 2 per organ, larger first, once counted stays counted); 5.4 the same
    SLD; 2.4 TB with new lesions of both diameters >= 5 mm; 4.4 NLT fixed at first appearance, "NLT_sum(t)
    ... (reported as new_lesion_sum)"; 3.5 default non-target progression is irPD, 5.5 it "does not define
    PD"; 1.6.1 row 3: a new lesion is RECIST 1.1 PD; 1.5 new nodes < 10 mm are not new lesions."""
    table, result = with_new
    tp = result.timepoints.set_index(["patient_id", "day", "criterion"]).sort_index()
    counts = {"nt_up": 0, "new": 0}
    for pid, assessments in by_patient(table).items():
        for d, rec in hand(assessments).items():
            counts["nt_up"] += rec["nt_up"]
            counts["new"] += rec["new_present"]
            r = {c: tp.loc[(pid, d, c)] for c in ALL}
            for c in ("recist11", "irecist"):
                if not pd.isna(rec["S"]):
                    assert close(r[c].current_sum, rec["S"]), (pid, d, c)
            nls = r["irecist"].new_lesion_sum
            if not pd.isna(rec["NLT"]):
                assert close(0.0 if pd.isna(nls) else nls, rec["NLT"]), (pid, d, nls, rec["NLT"])
            for c in ("irrecist", "imrecist"):
                if not pd.isna(rec["M"]):
                    assert close(r[c].current_sum, rec["M"]), (pid, d, c, r[c].current_sum, rec["M"])
                assert close(r[c].nadir_sum, rec["nadM"]), (pid, d, c)
                assert band(r[c].overall_response) == rec[c], (pid, d, c, r[c].overall_response, rec[c])
            if not pd.isna(rec["TB"]):
                assert close(r["irrc"].current_sum, rec["TB"]), (pid, d)
            assert band(r["irrc"].overall_response) == rec["irrc"], (pid, d, r["irrc"].overall_response)
            assert (r["recist11"].new_lesion_response == "yes") == rec["new_present"], (pid, d)
            if rec["new_present"] or rec["nt_up"]:
                assert r["recist11"].overall_response == "PD", (pid, d)
    assert counts["nt_up"] > 30 and counts["new"] > 100


def test_s3_first_new_lesion_or_progression_is_iupd(with_new):
    """4.6 step 1: any RECIST 1.1 progression trigger (T, NT, NL) with no open iUPD -> iUPD; before it the
    RECIST 1.1 mapping with the i prefix. So up to the first RECIST 1.1 PD (no equivocal lesions, so no
    back-dating, 1.8.2), iRECIST = RECIST 1.1 with the i prefix."""
    _, result = with_new
    calls = wide(result, "overall_response")
    for pid, g in calls.groupby(level=0):
        pd_days = [d for (_, d), v in g["recist11"].items() if v == "PD"]
        first = pd_days[0] if pd_days else np.inf
        until = g[g.index.get_level_values(1) <= first]
        assert [label("irecist", v) if v != "PD" else "iUPD" for v in until["recist11"]] == list(
            until["irecist"]
        ), pid


# --- S4: best responses and dates ------------------------------------------------------------------------


def _scope(criterion, ov, progression_day):
    """Rows counted for best response: 1.7 up to the first PD; 2.7 / 3.7 up to the confirmed progression
    day, not-confirmed PD skipped; 4.7 up to the first iCPD; 5.7 every row, not-confirmed PD skipped."""
    if criterion == "recist11":
        return [x for x in ov if pd.isna(progression_day) or x[0] <= progression_day]
    if criterion == "irecist":
        icpd = [x[0] for x in ov if x[1] == "iCPD"]
        return [x for x in ov if not icpd or x[0] <= icpd[0]]
    keep = [x for x in ov if not (band(x[1]) == "PD" and x[2] == "not_confirmed")]
    if criterion == "imrecist":
        return keep
    return [x for x in keep if pd.isna(progression_day) or x[0] <= progression_day]


def _rank(criterion, scope, confirmed_days=None):
    cats = [band(x[1]) if x[1] not in ("iUPD", "iCPD") else x[1] for x in scope]
    late = [band(x[1]) for x in scope if x[0] >= 42]  # min_sd_days = 42 (1.7, 2.7, 3.7, 4.7, 5.7)
    if confirmed_days is None:
        best = "CR" if "CR" in cats else "PR" if "PR" in cats else None
    else:
        best = "CR" if "CR" in confirmed_days.values() else "PR" if confirmed_days else None
    if best is None:
        if any(c in late for c in (("SD",) if confirmed_days is None else ("CR", "PR", "SD"))):
            best = "SD"
        elif "NON-CR/NON-PD" in late:
            best = "NON-CR/NON-PD"
        else:
            best = next((c for c in ("iCPD", "iUPD", "PD") if c in cats), "NE")
    return label(criterion, best)


def _confirmed(ov, progression_day):
    """0.7: confirmed CR / PR (28 days, between only CR / PR / NE, at most one NE, no progression date in
    (i, j]); a CR whose next evaluable row is PR is read as PR; not-confirmed PD rows ignored (0.8), but an
    iUPD breaks the confirmation (4.7, D10 accept_iupd_between = False)."""
    seq = [
        [d, "iUPD" if v == "iUPD" else band(v)]
        for d, v, s in ov
        if not (band(v) == "PD" and v != "iUPD" and s == "not_confirmed")
    ]
    for i, x in enumerate(seq):
        following = [y for y in seq[i + 1 :] if y[1] != "NE"]
        if x[1] == "CR" and following and following[0][1] == "PR":
            x[1] = "PR"
    out = {}
    for i, (d, v) in enumerate(seq):
        if v not in ("CR", "PR"):
            continue
        ne = 0
        for dj, vj in seq[i + 1 :]:
            if not pd.isna(progression_day) and d < progression_day <= dj:
                break
            if dj - d >= 28 and (vj == "CR" if v == "CR" else vj in ("CR", "PR")):
                out[d] = v
                break
            ne += vj == "NE"
            if ne > 1 or (vj != "NE" and (vj != "CR" if v == "CR" else vj not in ("CR", "PR"))):
                break
    return out


@pytest.mark.parametrize("which", ["plain", "with_new"])
def test_s4_best_response_dates_and_pfs_follow_the_timepoints(which, request):
    """0.9 "Both best responses are always computed"; 1.7 ranking and scope; 2.7, 3.7 "over assessments
    before the confirmed progression day (plus the progression itself), skipping not-confirmed irPD
    rows"; 4.7 iBOR ranking, scope up to the first iCPD, "An episode still open at the end of data ...
    event at iupd_day"; 5.7 bor_scope "all", "a PD pending at the end of data is an event at its day";
    1.7 dates: "no PD: censored at the last evaluable assessment"; 0.9 after_progression."""
    _, result = request.getfixturevalue(which)
    best = {(b.patient_id, b.criterion): b for b in result.best_response.itertuples()}
    for (pid, criterion), g in result.timepoints.groupby(["patient_id", "criterion"]):
        g = g.sort_values("day")
        b = best[(pid, criterion)]
        ov = list(zip(g.day, g.overall_response, g.confirmation_state, strict=True))
        pd_rows = [x for x in ov if band(x[1]) == "PD" and x[1] != "iUPD" and x[1] != "iCPD"]
        if criterion == "recist11":
            progression = pd_rows[0][0] if pd_rows else math.nan
        elif criterion == "irecist":
            progression = b.progression_day  # iupd_day of the episode ending in iCPD (4.7)
            assert pd.isna(progression) == ("iCPD" not in g.overall_response.values), pid
        else:
            confirmed = [x[0] for x in pd_rows if x[2] == "confirmed"]
            progression = confirmed[0] if confirmed else math.nan
        assert close(b.progression_day, progression), (pid, criterion, b.progression_day, progression)
        scope = _scope(criterion, ov, progression)
        assert b.best_response == _rank(criterion, scope), (pid, criterion, b.best_response, ov)
        confirmed_days = {d: v for d, v in _confirmed(ov, progression).items() if d in {x[0] for x in scope}}
        assert b.best_response_confirmed == _rank(criterion, scope, confirmed_days), (pid, criterion, ov)
        # PFS (1.7, 4.7 D8 default "event", 5.7; 2.7 / 3.7: the confirmed irPD)
        evaluable = [x for x in ov if x[1] != "NE"]
        pending = [x[0] for x in pd_rows if x[2] == "pending"]
        if criterion == "irecist":
            event = not pd.isna(progression) or bool(evaluable and evaluable[-1][1] == "iUPD")
        else:
            event = not pd.isna(progression) or (criterion == "imrecist" and bool(pending))
        assert bool(b.pfs_event) == event, (pid, criterion, ov)
        if event and not pd.isna(progression):
            assert b.pfs_day == progression, (pid, criterion)
        elif event and criterion == "imrecist":
            assert b.pfs_day == pending[0], (pid, criterion)
        elif not event:
            assert close(b.pfs_day, evaluable[-1][0] if evaluable else math.nan), (pid, criterion)
        # after_progression (0.9; 4.6 step 0: after iCPD)
        icpd = [x[0] for x in ov if x[1] == "iCPD"]
        for (d, *_), after in zip(ov, g.after_progression, strict=True):
            expected = (
                (d > icpd[0])
                if criterion == "irecist" and icpd
                else (criterion != "irecist" and not pd.isna(progression) and d > progression)
            )
            assert bool(after) == expected, (pid, criterion, d)


def test_s4_first_response_day_and_duration_of_response(plain):
    """1.7 "First response day = day of the first CR/PR ... Duration of response = progression day - first
    response day; no PD: censored at the last evaluable assessment"; 2.7 irRC dates from the confirmed
    pair (confirm_response defaults True, 0.9); 5.7 "from the first CR/PR to the progression day that
    follows it"."""
    _, result = plain
    best = {(b.patient_id, b.criterion): b for b in result.best_response.itertuples()}
    for (pid, criterion), g in result.timepoints.groupby(["patient_id", "criterion"]):
        if criterion == "irecist":
            continue  # 4.7: an open iUPD ends the duration at iupd_day (D8)
        g = g.sort_values("day")
        b = best[(pid, criterion)]
        ov = list(zip(g.day, g.overall_response, g.confirmation_state, strict=True))
        progression = b.progression_day
        window = [x for x in ov if criterion == "imrecist" or pd.isna(progression) or x[0] < progression]
        if criterion == "irrc":
            responses = [x[0] for x in window if band(x[1]) in ("CR", "PR") and x[2] == "confirmed"]
        else:
            responses = [x[0] for x in window if band(x[1]) in ("CR", "PR")]
        first = responses[0] if responses else math.nan
        assert close(b.first_response_day, first), (pid, criterion, b.first_response_day, ov)
        if responses:
            later = [x[0] for x in ov if band(x[1]) == "PD" and x[2] == "confirmed" and x[0] > first]
            end = (
                (later[0] if later else None)
                if criterion == "imrecist"
                else (None if pd.isna(progression) else progression)
            )
            if end is None:
                end = [x[0] for x in ov if x[1] != "NE"][-1]
            assert b.duration_of_response_days == end - first, (pid, criterion)


# --- S5: reasons -----------------------------------------------------------------------------------------


def test_s5_reasons_name_the_source_and_the_numbers_of_the_row(with_new):
    """0.10 "The reason names the numbers and the rule, with the source section" (templates: "target sum 61
    mm is +24.49% ... (RECIST 1.1 sec. 4.3.1)", "tumour burden 914 mm2 is +52.33% ... (irRC, Wolchok 2009
    Table 1)"). Rows decided by a complete sum other than "all gone" are checked for the sum and one of
    the row's percentages (two decimals); every row for its own source."""
    _, result = with_new
    checked = 0
    for r in result.timepoints.itertuples():
        assert SOURCE[r.criterion] in r.reason, (r.criterion, r.reason)
        others = [
            s
            for c, s in SOURCE.items()
            if c not in (r.criterion, "recist11")
            and re.search(rf"(?<![A-Za-z]){re.escape(s)}(?![A-Za-z])", r.reason)
        ]
        assert not others, (r.criterion, r.reason)
        if (
            not r.sum_complete
            or re.search(r"gone|absent|non-target progression: irPD", r.reason)
            or r.current_sum != round(r.current_sum)
            or r.nadir_sum == 0
        ):
            continue
        unit = "mm2" if r.criterion == "irrc" else "mm"
        assert f"{r.current_sum:.0f} {unit}" in r.reason, (r.criterion, r.current_sum, r.reason)
        shown = [f"{v:+.2f}%" for v in (r.pct_change_baseline, r.pct_change_nadir) if not pd.isna(v)]
        if shown:
            # two decimals, more where two would land on a whole percentage the change is not (s20:
            # "-76.9981%" for the table's -77.00); each printed percentage read back to two decimals
            printed = [f"{float(pct[:-1]):+.2f}%" for pct in re.findall(r"[+-]\d+\.\d+%", r.reason)]
            assert any(s in printed for s in shown), (r.criterion, shown, r.reason)
            for pct in printed:
                assert pct in shown, (r.criterion, pct, shown, r.reason)
            checked += 1
    assert checked > 1500


def _gone_patient():
    """T1 node 20 -> 9 mm (normal), T2 liver 30 -> absent; NT1 present: every measured lesion gone, a
    non-target present."""
    return pd.DataFrame(
        [
            row(-7, "T1", 20, node=True, organ="lymph node", long_axis_mm=25, perpendicular_mm=20),
            row(-7, "T2", 30, perpendicular_mm=20),
            row(-7, "NT1", status="present", role="non_target", organ="bone"),
            row(56, "T1", 9, node=True, organ="lymph node", long_axis_mm=12, perpendicular_mm=9),
            row(56, "T2", status="absent"),
            row(56, "NT1", status="present", role="non_target", organ="bone"),
        ]
    )


@pytest.fixture(scope="module")
def gone_rows():
    return assess(_gone_patient()).timepoints.set_index("criterion")


def test_s5_recist_and_irrc_gone_reasons_name_the_sum(gone_rows):
    """0.10 template "non-nodal targets absent and target nodes 9, 7 mm (<10 mm) with sum 16 mm: target CR
    (RECIST 1.1 sec. 4.3.2)": RECIST 1.1 (9 mm) and irRC (12 x 9 = 108 mm2) name the sum of a gone row."""
    tp = gone_rows
    assert tp.loc["recist11", "overall_response"] == "PR"  # target CR, non-target present: Table 1 row 7
    assert "sum 9 mm" in tp.loc["recist11", "reason"]
    assert tp.loc["irrc", "overall_response"] == "irPR"  # 2.6 row 4
    assert "108 mm2" in tp.loc["irrc", "reason"]


def test_s5_irrecist_and_imrecist_gone_reasons_name_the_sum(gone_rows):
    """0.10 "The reason names the numbers and the rule, with the source section"; the TMTB (3.4) and SLD
    (5.4) of this row are the node's 9 mm (T2 absent = 0): 9 mm, -82.00 % vs baseline 50 mm."""
    tp = gone_rows
    for criterion in ("irrecist", "imrecist"):
        assert tp.loc[criterion, "current_sum"] == 9.0  # 9 + 0 (0.4)
        assert band(tp.loc[criterion, "overall_response"]) == "PR"  # 3.6 row 6, 5.6 row 4
        assert "9 mm" in tp.loc[criterion, "reason"], tp.loc[criterion, "reason"]


# --- S6: ioresponse compare ------------------------------------------------------------------------------

SAME_CATEGORY = {
    "irCR": "CR",
    "iCR": "CR",
    "irPR": "PR",
    "iPR": "PR",
    "irSD": "SD",
    "iSD": "SD",
    "irNON-CR/NON-PD": "NON-CR/NON-PD",
    "NON-iCR/NON-iUPD": "NON-CR/NON-PD",
    "irPD": "PD",
    "iCPD": "PD",
}


def test_s6_compare_reproduces_the_best_responses(tmp_path):
    """README "compare": it "writes compare_wide.csv (patient x criterion) and compare_reclassification.csv
    (every non-empty cell of the matrices: both responses, reclassified, n, patients)"; --confirmed
    compares confirmed best responses; spec 8 / 0.9: irCR beside CR is the same category."""
    cli = CliRunner()
    source = tmp_path / "lesions.csv"
    cohort(11, 30, n_new=2, nt_up=True).to_csv(source, index=False)
    out = tmp_path / "out"
    done = cli.invoke(
        app,
        [
            "assess",
            str(source),
            "--out",
            str(out),
            "--criteria",
            ",".join(ALL),
            "--format",
            "csv",
            "--no-patterns",
        ],
    )
    assert done.exit_code == 0, done.output
    best = pd.read_csv(out / "best_response.csv", dtype=str, keep_default_na=False)
    for flag, column in ((["--unconfirmed"], "best_response"), (["--confirmed"], "best_response_confirmed")):
        done = cli.invoke(app, ["compare", str(out), *flag], env={"COLUMNS": "250"})
        assert done.exit_code == 0, done.output
        expected = best.pivot(index="patient_id", columns="criterion", values=column)
        got = pd.read_csv(out / "compare_wide.csv", dtype=str, keep_default_na=False).set_index("patient_id")
        assert len(got) == 30
        for criterion in ALL:
            assert (got.loc[expected.index, criterion] == expected[criterion]).all(), (flag, criterion)
        cells = {}
        for criterion in ALL[1:]:
            for pid, a, b in zip(expected.index, expected["recist11"], expected[criterion], strict=True):
                cells.setdefault((criterion, a, b), []).append(pid)
        matrix = pd.read_csv(out / "compare_reclassification.csv", dtype=str, keep_default_na=False)
        assert len(matrix) == len(cells), flag
        for r in matrix.itertuples():
            patients = cells[(r.criterion, r.recist11_response, r.response)]
            assert int(r.n) == len(patients)
            assert r.patients == ", ".join(sorted(patients))
            assert (r.reclassified == "True") == (
                SAME_CATEGORY.get(r.response, r.response) != r.recist11_response
            )


# --- S7: reappearance after CR (hand-made) ---------------------------------------------------------------


def _history(*assessments):
    rows = []
    for day, lesions in assessments:
        for lesion in lesions:
            rows.append(row(day, *lesion[0], **lesion[1]))
    return pd.DataFrame(rows)


L = "lymph node"


@pytest.fixture(scope="module")
def reappearance():
    liver, node = dict(perpendicular_mm=15), dict(node=True, organ=L)
    lung = dict(status="absent", organ="lung")
    tables = {
        "target_back": _history(
            (-7, [(("T1", 20), liver), (("T2", 30), dict(organ="lung", perpendicular_mm=20))]),
            (56, [(("T1",), dict(status="absent")), (("T2",), lung)]),
            (112, [(("T1",), dict(status="not_evaluable")), (("T2",), lung)]),
            (168, [(("T1", 3), dict(perpendicular_mm=3)), (("T2",), lung)]),
        ),
        "node_back": _history(
            (-7, [(("T1", 20), dict(node, long_axis_mm=25))]),
            (56, [(("T1", 8), dict(node, long_axis_mm=10))]),
            (112, [(("T1", 8), dict(node, long_axis_mm=10))]),
            (168, [(("T1", 12), dict(node, long_axis_mm=16))]),
        ),
        "nontarget_back": _history(
            (-7, [(("T1", 20), liver), (("N1",), dict(status="present", organ="bone"))]),
            (56, [(("T1",), dict(status="absent")), (("N1",), dict(status="absent", organ="bone"))]),
            (112, [(("T1",), dict(status="absent")), (("N1",), dict(status="present", organ="bone"))]),
        ),
        "nodal_nontarget_back": _history(
            (-7, [(("T1", 20), liver), (("N1", 12), node)]),
            (56, [(("T1",), dict(status="absent")), (("N1", 8), node)]),
            (112, [(("T1",), dict(status="absent")), (("N1", 12), node)]),
        ),
    }
    table = pd.concat([t.assign(patient_id=k) for k, t in tables.items()], ignore_index=True)
    return assess(table).timepoints


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        # non-nodal target 20 -> absent (CR) -> not evaluable (NE) -> present 3 mm: RECIST 1.1 PD (1.8.1, the
        # most recent evaluable response was CR), iRECIST iUPD (4.6 step 1 reappearance, T); irRECIST and
        # imRECIST have no reappearance rule (3.4, 5.4): TMTB 3 mm vs nadir 0 is +3 mm < 5 mm: not PD; -94 %
        # vs baseline 50: irPR / PR. irRC: 3 x 3 = 9 mm2 vs nadir 0: irPD band (2.4 last bullet).
        (
            "target_back",
            {"recist11": "PD", "irecist": "iUPD", "irrecist": "irPR", "imrecist": "PR", "irrc": "irPD"},
        ),
        # target node 20 -> 8 -> 8 (CR) -> 12 mm: node back to >= 10 mm after CR (1.8.1): PD / iUPD; TMTB 12
        # vs nadir 8: +50.00 % but +4 mm < 5 mm, -40.00 % vs 20: irPR / PR; irRC 16 x 12 = 192 vs 10 x 8 = 80:
        # +140 %: irPD.
        (
            "node_back",
            {"recist11": "PD", "irecist": "iUPD", "irrecist": "irPR", "imrecist": "PR", "irrc": "irPD"},
        ),
        # non-target present -> absent (CR) -> present: reappearance of a non-target (1.8.1): PD / iUPD (NT);
        # irRECIST / imRECIST: all measured gone, non-target present: irPR / PR (3.6 row 6, 5.6 row 4); irRC
        # 2.6 row 4: irPR.
        (
            "nontarget_back",
            {"recist11": "PD", "irecist": "iUPD", "irrecist": "irPR", "imrecist": "PR", "irrc": "irPR"},
        ),
        # nodal non-target 12 -> 8 (CR) -> 12 without unequivocal progression: no reappearance (1.8.1), target
        # CR with non-target NON-CR/NON-PD: PR (Table 1 row 7) and iPR; irPR / PR / irPR.
        (
            "nodal_nontarget_back",
            {"recist11": "PR", "irecist": "iPR", "irrecist": "irPR", "imrecist": "PR", "irrc": "irPR"},
        ),
    ],
)
def test_s7_reappearance_after_cr(case, expected, reappearance):
    """1.8.1, 4.6 step 1 ("reappearance after an overall iCR, as RECIST 1.1 1.8.1"), 3.4 and 5.4 ("no
    reappearance-after-CR rule"), 2.4 ("irRC has no separate reappearance rule")."""
    tp = reappearance[reappearance.patient_id == case]
    last = tp[tp.day == tp.day.max()].set_index("criterion")["overall_response"].to_dict()
    first = tp[tp.day == 56].set_index("criterion")["overall_response"].to_dict()
    assert first == {"recist11": "CR", "irecist": "iCR", "irrecist": "irCR", "imrecist": "CR", "irrc": "irCR"}
    assert last == expected
