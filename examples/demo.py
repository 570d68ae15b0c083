"""`make demo`: ioresponse on the bundled public data, as a user would run it.

1. CDISC SDTM (pharmaverse synthetic TU/TR/RS, 3 readers): every anatomic criterion, per-reader best
   responses, the readers' own RS calls against the computed RECIST 1.1 calls, the disagreements with
   both sides' reasons, and the side-by-side comparison of the immune criteria with RECIST 1.1.
2. Laleh 2022 (five atezolizumab trials, sums of diameters only): RECIST 1.1 target-only, every input
   row used or excluded with a reason.
3. Cohort analysis (rates with CIs, waterfall/spider/KM on Laleh and INSPIRE): examples/cohort_demo.py.
4. A longitudinal PET study written as DICOM, quantified and read by the metabolic criteria:
   examples/pet_study.py.
5. The HTML report of the SDTM run.

Usage: python examples/demo.py --shared ../shared --out out
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd

EXAMPLES = Path(__file__).resolve().parent


def ioresponse(*args: str | Path) -> None:
    """Run the command line exactly as a user types it; stop the demo if it fails."""
    command = [sys.executable, "-m", "ioresponse", *map(str, args)]
    print(f"\n$ ioresponse {' '.join(map(str, args))}", flush=True)
    subprocess.run(command, check=True)


def example(name: str):
    """Import examples/<name>.py as a module."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sdtm(shared: Path, out: Path) -> Path:
    folder = out / "sdtm"
    ioresponse(
        "assess",
        shared / "data" / "pharmaverse_sdtm",
        "--criteria",
        "all",
        "--out",
        folder,
        "--option",
        "on_baseline_violation=warn",
    )
    pairs = pd.read_csv(folder / "recorded_vs_computed.csv", keep_default_na=False)
    disagreements = pairs[~pairs["agrees"]]
    disagreements.to_csv(folder / "rs_disagreements.csv", index=False, lineterminator="\n")
    print(
        f"\n{len(disagreements)} of {len(pairs)} recorded RS calls differ from the computed RECIST 1.1 call; "
        f"each with the computed reason in {folder / 'rs_disagreements.csv'}"
    )
    print(disagreements.groupby(["recorded_response", "computed_response"]).size().rename("n").to_string())
    ioresponse("compare", folder)
    return folder


def laleh(shared: Path, out: Path) -> Path:
    folder = out / "laleh"
    ioresponse(
        "assess",
        shared / "data" / "laleh2022_atezolizumab" / "laleh2022_tidy.csv",
        "--map",
        "patient=patient_id",
        "--map",
        "value_raw=target_sum_mm",
        "--patient-key",
        "study,patient_id",
        "--exclude-invalid",
        "--out",
        folder,
    )
    excluded = pd.read_csv(folder / "excluded.csv")
    used = pd.read_csv(folder / "lesions.csv", usecols=["source_row"])["source_row"].nunique()
    print(
        f"Laleh 2022: {used} rows used, {excluded['source_row'].nunique()} excluded with a reason "
        f"(of 8,560 in the file)"
    )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    sdtm_folder = sdtm(args.shared, args.out)
    laleh(args.shared, args.out)
    print("\n== Cohort analysis (Laleh 2022, INSPIRE) ==", flush=True)
    example("cohort_demo").main(args.shared, args.out)
    if (EXAMPLES / "pet_study.py").exists():
        print("\n== PET images -> lesion metrics -> metabolic criteria ==", flush=True)
        example("pet_study").main(args.out / "pet")
    ioresponse("report", sdtm_folder)
    print(f"\nDemo done. Report: {(sdtm_folder / 'report.html').resolve()}")


if __name__ == "__main__":
    main()
