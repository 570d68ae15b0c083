"""Benchmark of the anatomic criteria on a synthetic cohort; prints one JSON line.

The cohort: N patients, 1-5 targets and 0-4 non-targets each, baseline on day -14..0, follow-ups
every 6-9 weeks for up to 2 years, shrinking / growing / mixed trajectories, some new lesions and
missing measurements. It is written as Parquet, read back with pyarrow (timed), and assessed from the
in-memory table in a fresh process that has only read it (timed; text columns in the contract's
Arrow-backed string dtype, as pandas 3 reads them by default). The baseline a user would write, a
per-patient pandas loop computing the RECIST 1.1 sums, nadir and thresholds, is timed on a sample of
patients and scaled to N (with object and with Arrow text columns; the faster counts). Peak memory is
the resident high-water mark of that process while it assesses the table, over its memory once the
table is read (Linux).

The assessing process's allocator is set up as the command line sets it (``ioresponse.memory``: freed
memory is reused rather than returned to the kernel); ``--allocator default`` measures the library as a
plain Python session runs it.

Usage: python bench/anatomic.py [--n 100000] [--criteria recist11,...] [--loop-sample 2000]
                                [--allocator cli|default]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ioresponse.api import run
from ioresponse.criteria import TEXT, Study, text_columns
from ioresponse.memory import reuse_freed_memory

ORGANS = np.array(["liver", "lung", "bone", "adrenal", "peritoneum", "kidney", "brain", "skin"])


def synthetic_cohort(n_patients: int, seed: int = 7) -> pd.DataFrame:
    """The validated lesion table (io contract) of ``n_patients`` synthetic patients."""
    rng = np.random.default_rng(seed)
    n_targets = rng.integers(1, 6, n_patients)
    n_non_targets = rng.integers(0, 5, n_patients)
    n_visits = rng.integers(2, 14, n_patients)  # baseline + 1..12 follow-ups (6-9 weeks apart, <= 2 years)
    trend = rng.choice([-0.12, -0.05, 0.0, 0.06, 0.15], n_patients)  # per-visit log change of the burden
    gaps = rng.integers(42, 64, (n_patients, 13))
    gaps[:, 0] = 0
    baseline_day = -rng.integers(0, 15, n_patients)

    lesions_per_patient = n_targets + n_non_targets
    patient = np.repeat(np.arange(n_patients), lesions_per_patient)
    index_in_patient = np.arange(len(patient)) - np.repeat(
        np.cumsum(lesions_per_patient) - lesions_per_patient, lesions_per_patient
    )
    is_target = index_in_patient < n_targets[patient]
    node = (index_in_patient == 4) & (rng.random(len(patient)) < 0.5)  # at most one node: <= 2 per organ
    organ = np.where(node, "lymph node", ORGANS[(index_in_patient // 2 + patient) % len(ORGANS)])
    size0 = np.where(node, rng.uniform(15, 40, len(patient)), rng.uniform(10, 60, len(patient)))
    lesion_trend = trend[patient] + rng.normal(0, 0.05, len(patient))  # mixed responses across lesions

    visits = n_visits[patient]
    row_lesion = np.repeat(np.arange(len(patient)), visits)
    visit = np.arange(len(row_lesion)) - np.repeat(np.cumsum(visits) - visits, visits)
    row_patient = patient[row_lesion]
    day = baseline_day[row_patient] + np.cumsum(gaps, axis=1)[row_patient, visit]
    size = size0[row_lesion] * np.exp(lesion_trend[row_lesion] * visit)
    size = np.round(size, 0)
    status = np.where(size < 3, "absent", "present").astype(object)
    missing = (rng.random(len(row_lesion)) < 0.02) & (visit > 0)
    status[missing] = "not_evaluable"
    target = is_target[row_lesion]
    non_target = ~target
    nt_progress = non_target & (visit > 0) & (rng.random(len(row_lesion)) < 0.01)
    status[nt_progress] = "unequivocal_progression"
    is_node = node[row_lesion]
    value = np.where(status == "present", size, np.nan)
    table = pd.DataFrame(
        {
            "patient_id": np.char.add("P", row_patient.astype(str)).astype(object),
            "reader": "",
            "accepted": True,
            "day": day.astype(np.int64),
            "date": "",
            "lesion_id": np.where(target, "T", "N").astype(object) + index_in_patient[row_lesion].astype(str),
            "role": np.where(target, "target", "non_target").astype(object),
            "organ": organ[row_lesion].astype(object),
            "lymph_node": is_node,
            "long_axis_mm": np.where(non_target, np.nan, np.where(is_node, np.round(value * 1.3), value)),
            "short_axis_mm": np.where(is_node, value, np.nan),
            "perpendicular_mm": np.where(non_target, np.nan, np.round(value * 0.7)),
            "status": status,
            "equivocal": False,
            "clinical_status": "",
            "slice_thickness_mm": np.nan,
            "modality": "ct",
            "note": "",
        }
    )
    table = pd.concat([table, _new_lesions(table, rng)], ignore_index=True)
    table["source_row"] = np.arange(len(table), dtype=np.int64) + 2
    table = table.sort_values(["patient_id", "reader", "day", "lesion_id", "source_row"], kind="stable")
    return text_columns(table.reset_index(drop=True))  # text as the loader gives it (README)


def _new_lesions(table: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """New lesions in about 15 % of patients, from a random follow-up on, growing."""
    visits = table[["patient_id", "day"]].drop_duplicates()
    first = visits.groupby("patient_id")["day"].transform("min")
    follow = visits[visits["day"] > first]
    chosen = follow.groupby("patient_id").sample(n=1, random_state=3)
    chosen = chosen[rng.random(len(chosen)) < 0.15]
    later = follow.merge(chosen.rename(columns={"day": "from_day"}), on="patient_id")
    later = later[later["day"] >= later["from_day"]]
    size = np.round(8 + (later["day"] - later["from_day"]).to_numpy() / 20.0)
    return pd.DataFrame(
        {
            "patient_id": later["patient_id"].to_numpy(),
            "reader": "",
            "accepted": True,
            "day": later["day"].to_numpy(np.int64),
            "date": "",
            "lesion_id": "U1",
            "role": "new",
            "organ": "liver",
            "lymph_node": False,
            "long_axis_mm": size,
            "short_axis_mm": np.nan,
            "perpendicular_mm": np.round(size * 0.7),
            "status": "present",
            "equivocal": False,
            "clinical_status": "",
            "slice_thickness_mm": np.nan,
            "modality": "ct",
            "note": "",
        }
    )


def naive_recist_loop(table: pd.DataFrame) -> pd.DataFrame:
    """What a user would write: per patient, per assessment, target sum, nadir and the 1.1 thresholds."""
    rows = []
    for patient, lesions in table.groupby("patient_id"):
        targets = lesions[lesions["role"] == "target"]
        values = np.where(targets["lymph_node"], targets["short_axis_mm"], targets["long_axis_mm"])
        values = np.where(targets["status"] == "absent", 0.0, values)
        sums = pd.Series(values, index=targets.index).groupby(targets["day"]).sum(min_count=1)
        baseline_sum = sums.iloc[0]
        nadir = baseline_sum
        for day, total in sums.iloc[1:].items():
            if total >= 1.2 * nadir and total - nadir >= 5:
                response = "PD"
            elif total <= 0.7 * baseline_sum:
                response = "PR"
            else:
                response = "SD"
            rows.append((patient, day, total, nadir, response))
            nadir = min(nadir, total)
    return pd.DataFrame(rows, columns=["patient_id", "day", "sum", "nadir", "response"])


def read_cohort(path: Path) -> pd.DataFrame:
    """The Parquet cohort as the validated table: text in the contract's Arrow-backed string dtype."""
    return pq.read_table(path).to_pandas(types_mapper={pa.string(): TEXT, pa.large_string(): TEXT}.get)


def assess_child(path: Path, criteria: list[str], measure: str) -> None:
    """In a fresh process that reads the cohort (and warms numba up on 2,000 rows), assess it and print
    the seconds it takes, its peak resident memory (Arrow, polars and numba buffers included) over the
    resident memory once the table is read, in bytes, and the bytes the result tables hold.

    ``measure="peak"`` first returns the memory that reading freed to the kernel (glibc), so that the
    peak counts every page the assessment touches; ``"time"`` does not, as a command-line run, which
    reads and validates before assessing, would not (its seconds are the ones reported).
    """
    table = read_cohort(path)
    run(Study(lesions=table.iloc[:2000].copy(), source="warm-up"), criteria, patterns=False)
    gc.collect()
    if measure == "peak":
        pa.default_memory_pool().release_unused()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    resident = _status_bytes("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := current resident size (Linux)
    start = time.perf_counter()
    result = run(Study(lesions=table, source="synthetic"), criteria, patterns=False)
    seconds = time.perf_counter() - start
    peak = _status_bytes("VmHWM") - resident
    print(seconds, peak, _distinct_bytes(result.timepoints, result.best_response))


def _distinct_bytes(*frames: pd.DataFrame) -> int:
    """Bytes held by the frames' columns, each Arrow buffer counted once (criteria share some)."""
    buffers: dict[int, int] = {}
    numpy_bytes = 0
    for frame in frames:
        for name in frame.columns:
            values = frame[name].array
            if not hasattr(values, "__arrow_array__"):
                numpy_bytes += frame[name].to_numpy().nbytes
                continue
            for chunk in values.__arrow_array__().chunks:
                buffers.update({b.address: b.size for b in chunk.buffers() if b is not None})
    return numpy_bytes + sum(buffers.values())


def _status_bytes(field: str) -> int:
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith(field + ":"))
    return int(line.split()[1]) * 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--criteria", default="recist11")
    parser.add_argument("--loop-sample", type=int, default=2_000)
    parser.add_argument("--allocator", choices=("cli", "default"), default="cli")
    parser.add_argument("--assess", type=Path, help=argparse.SUPPRESS)  # the child: assess_child
    parser.add_argument("--measure", choices=("time", "peak"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    criteria = args.criteria.split(",")
    if args.assess:  # the process that assesses, set up as the command line sets itself up
        if args.allocator == "cli":
            reuse_freed_memory()
        assess_child(args.assess, criteria, args.measure)
        return

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cohort.parquet"
        synthetic_cohort(args.n).to_parquet(path, index=False)
        start = time.perf_counter()
        pq.read_table(path)
        read_s = time.perf_counter() - start
        table = read_cohort(path)
        printed = {
            measure: subprocess.run(
                [sys.executable, __file__, "--assess", str(path), "--criteria", args.criteria,
                 "--allocator", args.allocator, "--measure", measure],
                capture_output=True, text=True, check=True,
            ).stdout.split()
            for measure in ("time", "peak")
        }
        assess_s = float(printed["time"][-3])
        peak, result_bytes = int(printed["peak"][-2]), int(printed["peak"][-1])
    in_memory_bytes = int(table.memory_usage(deep=True).sum())

    # The user's loop, on the text dtype where it runs faster (object in pandas 2, Arrow in pandas 3).
    sample_ids = table["patient_id"].drop_duplicates().iloc[: args.loop_sample]
    sample = table[table["patient_id"].isin(sample_ids)]
    loop_times = []
    for form in (sample, sample.astype({c: object for c in sample.columns if sample[c].dtype == TEXT})):
        start = time.perf_counter()
        naive_recist_loop(form)
        loop_times.append((time.perf_counter() - start) * args.n / len(sample_ids))
    loop_s = min(loop_times)

    print(
        json.dumps(
            {
                "benchmark": "anatomic",
                "criteria": criteria,
                "allocator": args.allocator,
                "n_patients": args.n,
                "rows": len(table),
                "assessments": int(table[["patient_id", "day"]].drop_duplicates().shape[0]),
                "pyarrow_read_s": round(read_s, 3),
                "assess_s": round(assess_s, 3),
                "assess_over_read": round(assess_s / read_s, 2),
                "table_in_memory_mb": round(in_memory_bytes / 2**20, 1),
                "assess_peak_rss_mb": round(peak / 2**20, 1),
                "peak_over_table": round(peak / in_memory_bytes, 2),
                "results_in_memory_mb": round(result_bytes / 2**20, 1),
                "naive_loop_s_extrapolated": round(loop_s, 1),
                "naive_loop_sample_patients": len(sample_ids),
                "speedup_vs_naive_loop": round(loop_s / assess_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
