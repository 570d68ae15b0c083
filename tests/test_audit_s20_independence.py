"""Audit s20 "indep": independence of the results, through the public API (``ioresponse.assess``,
``ioresponse.load`` / ``ioresponse.run``, the ``ioresponse`` command line).

Audited against README.md ("Input: the lesion table", the PET table, "Command line": "The same input gives
byte-identical files"; "each reader is assessed separately"), DESIGN.md ("Engine principles": "A single
patient is a cohort of one", "Deterministic: the same input gives byte-identical outputs"), spec/anatomic.md
0.2 ("An *assessment* is the set of rows sharing (`patient_id`, `day`)"), 0.9 and the state rules of 1.7,
2.7, 3.7, 4.6, 5.7; spec/metabolic.md 1.2 ("A *scan* is the set of rows sharing (`patient_id`, `day`)"),
6.2 (PECRIT reads "the RECIST 1.1 engine on the anatomic columns of the same scan"), and spec/patterns.md
5.1 / 5.4 (irAE flags never change a call; IRAE-HEP fires when "the metabolic module reports the liver
reference at A as not comparable with baseline").

Relations checked (expected values come from the relation itself, with hand arithmetic as anchors):
1. patient independence: each patient's timepoint and best-response rows (every column, reason text
   included) are the same alone, inside a cohort of deliberately different patients, with the rows
   shuffled, with the ids renamed so that the sort order changes, and with extreme neighbours in sort order
   (huge sums and PD at every scan, all NE, CR at every scan); ids "P10", "P9", "p9"; a baseline-only patient
   at day 0 just before a patient whose baseline is day 0; "T1" in every patient; equal day numbers;
2. reader independence (two readers of a patient, reader labels renamed);
3. criterion isolation (each criterion alone, all, reversed order, patterns on/off, one criterion's options);
4. determinism (the same call twice; the command line twice, byte for byte).

Found (fixed since): irAE flag IRAE-HEP was written onto the rows of EORTC and PERCIMT (and of every
criterion of the patient's assessment) only when a PERCIST-family criterion ran beside them (patterns.irae
read the other criteria's reason text; now the signal is computed from the PET table); PECRIT's RECIST 1.1
engine ignored the RECIST options given to the run, so that another patient's anatomic baseline refused
PECRIT for every patient, with a message that named the PET table for rows of the lesion table (now the
engine takes the run's RECIST 1.1 options, reads the patients of the PET table only, and its refusals name
the lesion table).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.schema import InputError

ANATOMIC = ("recist11", "irrc", "irrecist", "irecist", "imrecist")
METABOLIC = ("eortc", "percist", "pecrit", "percimt", "impercist", "ipercist")
TABLES = ("timepoints", "best_response")


# --- anatomic lesion rows (spec/anatomic.md 0.1) ----------------------------------------------------------


def lesion(patient, day, lesion_id, value=None, *, node=False, status="present", organ="liver"):
    """One row; ``value`` is a node's short axis (long axis 1.5x, perpendicular = short axis, for irRC), else
    the long axis (perpendicular 0.8x). The role follows the id: T target, N non-target, U new."""
    role = {"T": "target", "N": "non_target", "U": "new"}[lesion_id[0]]
    long = short = perpendicular = np.nan
    if value is not None:
        if node:
            short, long, perpendicular = float(value), 1.5 * value, float(value)
        else:
            long, perpendicular = float(value), 0.8 * value
    return dict(patient_id=patient, day=day, lesion_id=lesion_id, role=role,
                organ="lymph node" if node else organ, lymph_node=node, long_axis_mm=long,
                short_axis_mm=short, perpendicular_mm=perpendicular, status=status)


def history(patient, scans):
    """``scans``: (day, [(lesion_id, value, {keyword arguments of lesion})...]) pairs."""
    return [lesion(patient, day, lid, value, **(extra[0] if extra else {}))
            for day, lesions in scans for lid, value, *extra in lesions]


NE = {"status": "not_evaluable"}
GONE = {"status": "absent"}
UP = {"status": "unequivocal_progression"}
NODE = {"node": True}


def pd_then_response(p):  # 80 -> 102 (+27.5 %, +22 mm: PD, iUPD) -> 60 -> 45
    return history(p, [(-7, [("T1", 50), ("T2", 30), ("N1", None)]),
                       (56, [("T1", 62), ("T2", 40), ("N1", None)]),
                       (112, [("T1", 40), ("T2", 20), ("N1", None)]),
                       (168, [("T1", 30), ("T2", 15), ("N1", None)])])


def iupd_confirmed(p):  # 60 -> 78 (+30 %, +18 mm: iUPD) -> 90 (+12 mm vs 78: iCPD) -> 105
    return history(p, [(-3, [("T1", 40), ("T2", 20)]), (42, [("T1", 52), ("T2", 26)]),
                       (84, [("T1", 60), ("T2", 30)]), (126, [("T1", 70), ("T2", 35)])])


def new_lesions(p):  # baseline on day 0, new lesions U1 then U2 growing
    return history(p, [(0, [("T1", 30), ("N1", None)]), (49, [("T1", 25), ("N1", None), ("U1", 12)]),
                       (98, [("T1", 24), ("N1", None), ("U1", 18), ("U2", 15)]),
                       (147, [("T1", 20), ("N1", None), ("U1", 25), ("U2", 20)])])


def nodes(p):
    return history(p, [(-10, [("T1", 22, NODE), ("T2", 15), ("N1", None, NODE)]),
                       (60, [("T1", 12, NODE), ("T2", None, GONE), ("N1", None, NODE)]),
                       (120, [("T1", 8, NODE), ("T2", None, GONE), ("N1", None, NODE | GONE)]),
                       (180, [("T1", 7, NODE), ("T2", None, GONE), ("N1", None, NODE | GONE)])])


def baseline_only(p):  # one assessment on day 0
    return history(p, [(0, [("T1", 33), ("N1", None)])])


def not_evaluable_scans(p):
    return history(p, [(-5, [("T1", 40), ("T2", 25)]), (50, [("T1", None, NE), ("T2", 20)]),
                       (100, [("T1", 25), ("T2", 15)]), (150, [("T1", 24), ("T2", None, NE)]),
                       (200, [("T1", 22), ("T2", 14)])])


def unconfirmed_at_last_scan(p):  # 40 -> 30 -> 28 -> 45 with unequivocal non-target progression
    return history(p, [(-1, [("T1", 40), ("N1", None)]), (40, [("T1", 30), ("N1", None)]),
                       (80, [("T1", 28), ("N1", None)]), (120, [("T1", 45), ("N1", None, UP)])])


def non_target_progression(p):
    return history(p, [(-2, [("T1", 25), ("N1", None)]), (45, [("T1", 22), ("N1", None, UP)]),
                       (90, [("T1", 20), ("N1", None, UP), ("U1", 10)])])


def extreme_growth(p):  # huge sums, PD at every scan, new lesions
    return history(p, [(0, [("T1", 300), ("T2", 250), ("N1", None)]),
                       (30, [("T1", 400), ("T2", 300), ("N1", None, UP), ("U1", 40)]),
                       (60, [("T1", 500), ("T2", 400), ("N1", None, UP), ("U1", 60), ("U2", 30)]),
                       (90, [("T1", 600), ("T2", 500), ("N1", None, UP), ("U1", 80), ("U2", 50)])])


def extreme_not_evaluable(p):
    return history(p, [(0, [("T1", 60), ("N1", None)])]
                   + [(d, [("T1", None, NE), ("N1", None, NE)]) for d in (30, 60, 90)])


def extreme_complete(p):  # a nadir of 0 mm from day 30 on
    return history(p, [(0, [("T1", 15)])] + [(d, [("T1", None, GONE)]) for d in (30, 60, 90)])


# ids sort: "P1" < "P10" < "P2b" < "P3" < "P4" < "P5" < "P9" < "p9"; "P5" (day 0 only) is followed by
# "P9" and "p9" (baseline day 0, the day of P5's last assessment)
COHORT = {"P9": pd_then_response, "P10": iupd_confirmed, "p9": new_lesions, "P1": nodes, "P5": baseline_only,
          "P3": not_evaluable_scans, "P2b": unconfirmed_at_last_scan, "P4": non_target_progression}
EXTREMES = (extreme_growth, extreme_not_evaluable, extreme_complete)


def table(patients):
    return pd.DataFrame([r for pid, make in patients.items() for r in make(pid)])


def assess(data, criteria=ANATOMIC, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(data, criteria=tuple(criteria), **options)


def fast(data, criteria=ANATOMIC, **options):
    """The criteria without the patterns (the criterion rows are the same, checked below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.run(ioresponse.load(data), tuple(criteria), patterns=False, **options)


def rows_of(frame, column, value):
    return frame[frame[column] == value].reset_index(drop=True)


def assert_same(got, expected, what):
    """Every column, text included; a column's kind may differ between stacked and single tables."""
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_dtype=False, obj=what)


@pytest.fixture(scope="module")
def cohort():
    frame = table(COHORT)
    return frame, fast(frame)


# --- 1. patient independence (spec/anatomic.md 0.2, DESIGN.md "a single patient is a cohort of one") -----


def test_hand_anchors_of_the_cohort(cohort):
    """Absolute anchors (spec/anatomic.md 1.4, 4.6): P9 80 -> 102 mm is +27.5 % and +22 mm: RECIST 1.1 PD;
    P10 60 -> 78 mm (+30 %, +18 mm) is iUPD, then 90 mm is +12 mm over the iUPD sum (>= 5 mm): iCPD; P5 has a
    baseline only: no timepoint row, a best-response row with its baseline sum 33 mm."""
    _, result = cohort
    tp = result.timepoints
    recist = rows_of(tp, "criterion", "recist11")
    p9 = rows_of(recist, "patient_id", "P9")
    assert p9["current_sum"].tolist()[0] == 102.0 and p9["overall_response"].tolist()[0] == "PD"
    irecist = rows_of(rows_of(tp, "criterion", "irecist"), "patient_id", "P10")
    assert irecist["overall_response"].tolist()[:2] == ["iUPD", "iCPD"]
    assert (tp["patient_id"] == "P5").sum() == 0
    best = rows_of(rows_of(result.best_response, "criterion", "recist11"), "patient_id", "P5")
    assert best["baseline_sum"].tolist() == [33.0]


@pytest.mark.parametrize("patient", sorted(COHORT))
def test_patient_alone_equals_patient_in_the_cohort(cohort, patient):
    """spec 0.2 / DESIGN.md: the first (P1) and last (p9) patient in sort order, the one-assessment patient
    (P5), a patient sorting between others (P2b) are the same alone as in the cohort."""
    _, result = cohort
    alone = fast(table({patient: COHORT[patient]}))
    for name in TABLES:
        assert_same(rows_of(getattr(result, name), "patient_id", patient), getattr(alone, name),
                    f"{patient} {name}")


def _renamed_back(result, names):
    back = {new: old for old, new in names.items()}
    return {name: getattr(result, name).assign(patient_id=lambda t: t["patient_id"].map(back))
            for name in TABLES}


@pytest.mark.parametrize("change", ["shuffled", "renamed", *(f.__name__ for f in EXTREMES)])
def test_patient_rows_do_not_depend_on_the_other_patients(cohort, change):
    """spec 0.2: rows shuffled; ids renamed so that the sort order reverses; each patient framed by an
    extreme patient just before and just after it in sort order ("P9" -> "P8~" and "P9_")."""
    frame, result = cohort
    names = {p: p for p in COHORT}
    if change == "shuffled":
        changed = fast(frame.sample(frac=1.0, random_state=7))
    elif change == "renamed":
        names = {p: f"Z{len(COHORT) - i:02d}" for i, p in enumerate(sorted(COHORT))}
        changed = fast(frame.assign(patient_id=frame["patient_id"].map(names)))
    else:
        make = next(f for f in EXTREMES if f.__name__ == change)
        extra = {}
        for p in COHORT:
            extra[p + "_"] = make
            extra[p[:-1] + chr(ord(p[-1]) - 1) + "~"] = make
        changed = fast(pd.concat([frame, table(extra)], ignore_index=True))
    tables = _renamed_back(changed, names)
    for patient in COHORT:
        for name in TABLES:
            assert_same(rows_of(tables[name], "patient_id", patient),
                        rows_of(getattr(result, name), "patient_id", patient), f"{change} {patient} {name}")


# --- 2. reader independence (README "Input": each reader is assessed separately) ---------------------------


def test_each_reader_alone_equals_the_reader_beside_another():
    """Two readers of each patient (R2 reads another patient's history under the same id; for P5, R1 has a
    baseline on day 0 only and R2's baseline is day 0 too): each reader's rows equal the rows of that reader
    alone; renaming the readers so that their order flips changes nothing but the label."""
    makes = list(COHORT.items())
    parts = []
    for i, (p, make) in enumerate(makes):
        parts.append(pd.DataFrame(make(p)).assign(reader="R1"))
        parts.append(pd.DataFrame(makes[(i + 1) % len(makes)][1](p)).assign(reader="R2"))
    both = pd.concat(parts, ignore_index=True)
    result = fast(both)
    flipped = fast(both.assign(reader=both["reader"].map({"R1": "zz", "R2": "A"})))
    for reader, label in (("R1", "zz"), ("R2", "A")):
        alone = fast(both[both["reader"] == reader])
        for name in TABLES:
            mine = rows_of(getattr(result, name), "reader", reader)
            assert_same(mine, getattr(alone, name), f"{reader} {name}")
            renamed = rows_of(getattr(flipped, name), "reader", label).assign(reader=reader)
            assert_same(renamed, mine, f"{reader} renamed {name}")


# --- 3. criterion isolation ------------------------------------------------------------------------------


def test_each_anatomic_criterion_alone_equals_it_beside_the_others(cohort):
    """spec 0.9 (one table, criteria side by side): each criterion alone == its rows with all, with "all",
    in reverse order, with patterns on (the default) and off; the columns other criteria add are empty."""
    frame, result = cohort
    everything = assess(frame, ("all",))
    reverse = fast(frame, ANATOMIC[::-1])
    for criterion in ANATOMIC:
        alone = assess(frame, (criterion,))
        for name in TABLES:
            own = getattr(alone, name)
            for label, other in (("with all", result), ('"all"', everything), ("reversed", reverse)):
                rows = rows_of(getattr(other, name), "criterion", criterion)
                assert_same(rows[own.columns], own, f"{criterion} {label} {name}")
                for column in rows.columns.difference(own.columns):
                    assert rows[column].isna().all() or (rows[column] == "").all(), (criterion, column)


def test_irecist_options_do_not_change_the_other_criteria(cohort):
    """README "Python": options go to the criteria that have them; iRECIST's own options (spec 4.11
    new_lesion_reset, icpd_absolute_mm, icpd_increase_reference, confirm_tolerance_days, max_new_target)
    change no row of RECIST 1.1, irRC, irRECIST or imRECIST."""
    frame, result = cohort
    options = dict(new_lesion_reset="resolution_only", icpd_absolute_mm=1.0,
                   icpd_increase_reference="previous", confirm_tolerance_days=7, max_new_target=1)
    changed = fast(frame, **options)
    for criterion in ("recist11", "irrc", "irrecist", "imrecist"):
        for name in TABLES:
            assert_same(rows_of(getattr(changed, name), "criterion", criterion),
                        rows_of(getattr(result, name), "criterion", criterion), f"{criterion} {name}")
    # and iRECIST itself moved: P10's iCPD needs +1 mm over the previous sum now, as before (+12 mm)
    assert rows_of(rows_of(changed.timepoints, "criterion", "irecist"), "patient_id", "P10")[
        "overall_response"].tolist()[:2] == ["iUPD", "iCPD"]


# --- 4. determinism (README "Command line", DESIGN.md "Deterministic") -----------------------------------


def test_the_same_call_twice_gives_the_same_tables(cohort):
    frame, _ = cohort
    first, second = assess(frame), assess(frame)
    for name in (*TABLES, "patterns"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), obj=name)


def test_the_command_line_twice_writes_byte_identical_files(tmp_path, cohort):
    """README: "The same input gives byte-identical files" (threads run the criteria side by side)."""
    frame, _ = cohort
    path = tmp_path / "cohort.csv"
    frame.to_csv(path, index=False)
    runner, outputs = CliRunner(), []
    for k in (1, 2):
        out = tmp_path / f"out{k}"
        done = runner.invoke(app, ["assess", str(path), "--criteria", ",".join(ANATOMIC), "--out", str(out),
                                   "--no-patterns"], env={"COLUMNS": "250"})
        assert done.exit_code == 0, done.output
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0].keys() == outputs[1].keys() and "timepoints.parquet" in outputs[0]
    for name, content in outputs[0].items():
        assert outputs[1][name] == content, name


# --- metabolic criteria (spec/metabolic.md 1.2) ----------------------------------------------------------

QC = {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25}
"""T = 1.5 x 2.0 + 2 x 0.25 = 3.5 SUL (spec 5.3); uptake 60 min: the PERCIST checks pass (5.4)."""


def pet(patient, lesions, days, recist=None, liver=None):
    """PET rows (spec 1.1) from (lesion_id, role, organ, {day: SULpeak or dict}); SUVmax 1.3x, TLG 10x and
    functional diameter 4x the SULpeak; ``recist`` (day: call) fills ``recist_response`` (SD when not
    given); ``liver`` (day: SULmean) changes the liver reference."""
    calls = {d: "" if i == 0 else (recist or {}).get(d, "SD") for i, d in enumerate(days)}
    scans = {d: QC | {"cycles_before_scan": 2 * i, "recist_response": calls[d]}
             | ({"liver_sul_mean": liver[d]} if liver and d in liver else {}) for i, d in enumerate(days)}
    rows = []
    for lesion_id, role, organ, cells in lesions:
        for day, cell in cells.items():
            values = cell if isinstance(cell, dict) else {
                "sulpeak": cell, "suvmax": round(1.3 * cell, 3), "tlg": round(10 * cell, 3),
                "functional_diameter_mm": round(4 * cell, 1)}
            rows.append({"patient_id": patient, "day": day, "lesion_id": lesion_id, "role": role,
                         "organ": organ, "status": "present"} | values | scans[day])
    return pd.DataFrame(rows)


DAYS = [-3, 25, 60, 100]
PET_COHORT = {
    "P9": lambda p: pet(p, [("L1", "target", "lung", {-3: 8, 25: 6, 60: 4, 100: 3}),
                            ("L2", "target", "liver", {-3: 6, 25: 5, 60: 3, 100: 2.5})], DAYS,
                        recist={25: "PR", 60: "PR", 100: "PR"}),
    "P10": lambda p: pet(p, [("L1", "target", "lung", {-3: 6, 25: 9, 60: 7, 100: 4})], DAYS),
    "p9": lambda p: pet(p, [("L1", "target", "lung", {-3: 6, 25: 6, 60: 6.2, 100: 6}),
                            ("N1", "new", "bone", {60: 5, 100: 6}), ("N2", "new", "liver", {100: 4.5})], DAYS,
                        recist={60: "PD", 100: "PD"}),
    "P1": lambda p: pet(p, [("L1", "target", "lung", {-3: 6, 25: {"status": "not_evaluable"}, 60: 4, 100: 5}),
                            ("L2", "non_target", "bone", {-3: 5, 25: 5, 60: 5, 100: 5})], DAYS),
    "P5": lambda p: pet(p, [("L1", "target", "lung", {0: 7})], [0]),
    "P3": lambda p: pet(p, [("L1", "target", "lung", {-1: 5} | {d: GONE for d in (25, 60, 100)})],
                        [-1, 25, 60, 100], recist={25: "CR", 60: "CR", 100: "CR"}),
    "P2b": lambda p: pet(p, [("L1", "target", "lung", {-3: 5, 25: 7, 60: 9.5, 100: 12})], DAYS,
                         recist={25: "PD", 60: "PD", 100: "PD"}),
}


def extreme_pet(p):
    return pet(p, [("L1", "target", "lung", {0: 40, 30: 60, 60: 80, 90: 95}),
                   ("N1", "new", "bone", {30: 30, 60: 40, 90: 50})], [0, 30, 60, 90],
               recist={30: "PD", 60: "PD", 90: "PD"})


def test_metabolic_patients_alone_in_a_cohort_shuffled_renamed_and_beside_extremes():
    """spec/metabolic.md 1.2 (a scan is the rows sharing patient_id and day): every metabolic criterion gives
    each patient the same rows alone, in the cohort, shuffled, renamed (sort order reversed) and framed by an
    extreme patient (SULpeak 40 -> 95 with new lesions)."""
    frame = pd.concat([make(p) for p, make in PET_COHORT.items()], ignore_index=True)
    result = fast(frame, METABOLIC)
    names = {p: f"Z{len(PET_COHORT) - i:02d}" for i, p in enumerate(sorted(PET_COHORT))}
    extra = pd.concat([extreme_pet(q) for p in PET_COHORT
                       for q in (p + "_", p[:-1] + chr(ord(p[-1]) - 1) + "~")])
    variants = {
        "shuffled": (fast(frame.sample(frac=1.0, random_state=3), METABOLIC), {}),
        "renamed": (fast(frame.assign(patient_id=frame["patient_id"].map(names)), METABOLIC), names),
        "extremes": (fast(pd.concat([frame, extra], ignore_index=True), METABOLIC), {}),
    }
    for patient, make in PET_COHORT.items():
        alone = fast(make(patient), METABOLIC)
        for name in TABLES:
            expected = rows_of(getattr(result, name), "patient_id", patient)
            assert_same(getattr(alone, name), expected, f"alone {patient} {name}")
            for label, (other, renamed) in variants.items():
                got = rows_of(getattr(other, name), "patient_id", renamed.get(patient, patient))
                assert_same(got.assign(patient_id=patient), expected, f"{label} {patient} {name}")
    # anchor (spec 5.5): P2b SULpeak 5 -> 7 is +40 % (> 30 % and > 0.8 SUL): PERCIST PMD on day 25
    percist = rows_of(rows_of(result.timepoints, "criterion", "percist"), "patient_id", "P2b")
    assert percist["overall_response"].tolist()[0] == "PMD"


def test_metabolic_readers_are_assessed_separately():
    """README "Input": each reader is assessed separately (PET table too)."""
    makes = list(PET_COHORT.items())
    both = pd.concat([part for i, (p, make) in enumerate(makes) for part in (
        make(p).assign(reader="R1"), makes[(i + 2) % len(makes)][1](p).assign(reader="R2"))],
        ignore_index=True)
    result = fast(both, METABOLIC)
    for reader in ("R1", "R2"):
        alone = fast(both[both["reader"] == reader], METABOLIC)
        for name in TABLES:
            assert_same(rows_of(getattr(result, name), "reader", reader), getattr(alone, name),
                        f"{reader} {name}")


# --- proven differences ------------------------------------------------------------------------------------

LIVER_SHIFT = pet("P1", [("L1", "target", "lung", {0: {"sulpeak": 8.0, "suvmax": 10.0}, 56: {"sulpeak": 4.0,
                                                                                          "suvmax": 5.0}})],
                  [0, 56], liver={56: 2.6})
"""Liver SULmean 2.0 -> 2.6 at day 56: +30 % and +0.6 SUL, outside the PERCIST comparability rule (5.4:
within 20 % and 0.3 SUL). EORTC: sum SUVmax 10.0 -> 5.0 is -50 % after 2 cycles: PMR (4.5)."""


@pytest.mark.parametrize("criterion", ["eortc", "percimt"])
def test_irae_hep_flag_on_a_criterion_does_not_depend_on_percist_running(criterion):
    """Fixed: spec/patterns.md 5.4 IRAE-HEP fires when the liver reference at A is not comparable with
    baseline, a fact of the scan read from the PET table (patterns.irae.liver_not_comparable), so the
    criterion's rows carry the flag alone as beside PERCIST."""
    alone = assess(LIVER_SHIFT, (criterion,))
    beside = assess(LIVER_SHIFT, (criterion, "percist"))
    own = alone.timepoints
    assert own["day"].tolist() == [56]
    if criterion == "eortc":
        assert own["overall_response"].tolist() == ["PMR"]  # -50 % after 2 cycles (spec 4.5)
    rows = rows_of(beside.timepoints, "criterion", criterion)[own.columns]
    assert_same(rows, own, f"{criterion} beside percist")  # flags and reason identical
    assert own["flags"].tolist() == ["irae:IRAE-HEP"]  # +30 % and +0.6 SUL: not comparable (metabolic 5.4)


def _anatomic_and_pet():
    """P1: T1 40 -> 20 mm on day 25 (-50 %: RECIST 1.1 PR, spec 1.4) with a PET scan the same day (PECRIT
    window 21-28) and no recist_response; P2 has no PET and three liver targets (over the 2 per organ of
    RECIST 1.1 sec. 4.2)."""
    lesions = pd.DataFrame(history("P1", [(-3, [("T1", 40)]), (25, [("T1", 20)])])
                           + history("P2", [(-3, [("T1", 40), ("T2", 30), ("T3", 20)]),
                                            (25, [("T1", 40), ("T2", 30), ("T3", 20)])]))
    scans = pet("P1", [("L1", "target", "lung", {-3: 8.0, 25: 9.5})], [-3, 25]).assign(recist_response="")
    return lesions, scans


def test_pecrit_of_one_patient_does_not_depend_on_another_patients_anatomic_baseline():
    lesions, scans = _anatomic_and_pet()
    result = assess(lesions, ("recist11", "pecrit"), pet=scans, on_baseline_violation="warn")
    recist = rows_of(result.timepoints, "criterion", "recist11")
    assert rows_of(recist, "patient_id", "P1")["overall_response"].tolist() == ["PR"]  # -50 % (1.4)
    pecrit = rows_of(result.timepoints, "criterion", "pecrit")
    assert pecrit["recist_response"].tolist() == ["PR"]
    assert pecrit["overall_response"].tolist() == ["clinical_benefit"]  # RECIST PR: benefit (spec 6.5)


def test_pecrit_recist_engine_reads_the_patients_of_the_pet_table_only():
    """Decided (fix helper "indep"): PECRIT's RECIST 1.1 engine runs on the patients of the PET table only
    (pecrit.recist_timepoints; spec/metabolic.md 6.2 "the anatomic columns of the same scan"): P2 has no PET
    scan, so its three liver targets no longer refuse PECRIT with the default options (the audit expected
    the refusal naming the lesion table; a refusal about a PET patient's own rows does, below)."""
    lesions, scans = _anatomic_and_pet()
    pecrit = assess(lesions, ("pecrit",), pet=scans).timepoints
    assert pecrit["patient_id"].tolist() == ["P1"] and pecrit["recist_response"].tolist() == ["PR"]  # -50 %


def test_pecrit_recist_engine_error_names_the_lesion_table():
    """README: bad input stops with a located message: P1's own three liver targets (over the 2 per organ
    of RECIST 1.1 sec. 4.2) are rows 2-4 of the lesion table (header = row 1), given as a DataFrame
    ("<table>"), not of the PET table ("<PET table>")."""
    lesions = pd.DataFrame(history("P1", [(-3, [("T1", 40), ("T2", 30), ("T3", 20)]),
                                          (25, [("T1", 20), ("T2", 15), ("T3", 10)])]))
    _, scans = _anatomic_and_pet()
    with pytest.raises(InputError) as error:
        assess(lesions, ("pecrit",), pet=scans)
    assert error.value.rows is not None and list(error.value.rows) == [2, 3, 4]  # P1's baseline rows
    assert error.value.file == "<table>"  # the lesion table given as a DataFrame, not "<PET table>"
