"""Cohort analysis on real data (issue 8 item 5): Laleh 2022 atezolizumab sums and INSPIRE % changes.

Called by the lead's ``make demo`` as ``main(shared, out)``; runs on its own with
``python examples/cohort_demo.py --shared ../shared --out out``.

- Laleh 2022 (PLoS Comput Biol 18(2):e1009822, doi:10.1371/journal.pcbi.1009822; five atezolizumab
  studies, sums of target diameters only): RECIST 1.1 **target-only** best response per patient
  (``ioresponse.assess`` on the sum-only table), ORR and DCR with exact 95 % CIs per study and arm,
  waterfall and spider plots and an HTML report for one study.
- INSPIRE (Bratman SV et al. Nat Cancer 2020;1:873-881, doi:10.1038/s43018-020-0096-5; pembrolizumab):
  % changes rebuilt into sums from the baseline size, target-only best response, confusion table and
  Cohen's kappa against the recorded response, spider plot by cohort, Kaplan-Meier curves of PFS and
  OS by derived best response, and response against PD-L1 and TMB.

Target-only means: the tables carry no non-target or new-lesion information, so a RECIST 1.1 call
here can miss progression by new lesions; every reason sentence says so.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy.stats import mannwhitneyu  # noqa: E402

import ioresponse  # noqa: E402
from ioresponse.cohort.agreement import cohen_kappa  # noqa: E402
from ioresponse.cohort.rates import ResponseRateFitter, is_responder  # noqa: E402
from ioresponse.cohort.survival import median_split, not_reached_named, split_summary  # noqa: E402
from ioresponse.criteria import registry  # noqa: E402
from ioresponse.io.pct_change import sums_from_pct_change  # noqa: E402
from ioresponse.report import figures  # noqa: E402
from ioresponse.report.html import ReportTables, write_report  # noqa: E402
from ioresponse.schema import IoresponseWarning  # noqa: E402

LALEH_FOLDER = Path("data") / "laleh2022_atezolizumab"
INSPIRE_FOLDER = Path("data") / "inspire_pembrolizumab"
FIGURE_STUDY = "Study1"
"""The Laleh study drawn as waterfall and spider (76 patients, three arms: readable bar widths)."""
TARGET_ONLY = "RECIST 1.1 (target lesions only)"
DAYS_PER_MONTH = 365.25 / 12
RECORDED_RESPONDER = "CR/PR"
"""INSPIRE ``orr`` value of a responder (PROVENANCE.md: ``CR/PR`` 16, ``SD/PD`` 78)."""


def _save(figure: Figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(figure)
    return path


def _assess_target_only(sums: pd.DataFrame) -> ioresponse.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IoresponseWarning)
        return ioresponse.assess(sums, criteria=("recist11",), on_invalid="exclude")


def laleh(shared: Path, out: Path) -> pd.DataFrame:
    """Target-only RECIST 1.1 rates per study and arm; figures and report for :data:`FIGURE_STUDY`."""
    raw = pd.read_csv(shared / LALEH_FOLDER / "laleh2022_tidy.csv", dtype=str, keep_default_na=False)
    raw["patient_id"] = raw["study"] + ":" + raw["patient"]
    sums = raw.rename(columns={"value_raw": "target_sum_mm"})[["patient_id", "day", "target_sum_mm"]]
    result = _assess_target_only(sums)
    arms = raw[["patient_id", "study", "arm"]].drop_duplicates("patient_id")
    best = result.best_response.merge(arms, on="patient_id", how="left")
    rates = ResponseRateFitter().fit(best, groups=("study", "arm"), timepoints=result.timepoints).summary
    rates.insert(2, "assessment", TARGET_ONLY)
    rates.to_csv(out / "laleh_rates.csv", index=False)
    excluded = result.study.excluded
    print(f"Laleh 2022: {best['patient_id'].nunique()} patients assessed, {TARGET_ONLY}; "
          f"{0 if excluded is None else excluded['patient_id'].nunique()} patient(s) left out by validation "
          "(listed in laleh_excluded.csv)")
    if excluded is not None:
        excluded.to_csv(out / "laleh_excluded.csv", index=False)
    print(_rates_text(rates))
    _laleh_figures(result, best, out)
    return rates


def _rates_text(rates: pd.DataFrame) -> str:
    shown = rates[["study", "arm", "n", "responders", "disease_control"]].copy()
    for rate in ("orr", "dcr"):
        shown[f"{rate.upper()} % (95% CI)"] = [
            f"{100 * r:5.1f} ({100 * lo:4.1f}-{100 * hi:5.1f})"
            for r, lo, hi in zip(rates[rate], rates[f"{rate}_ci_low"], rates[f"{rate}_ci_high"], strict=True)]
    return shown.to_string(index=False)


def _laleh_figures(result: ioresponse.Result, best: pd.DataFrame, out: Path) -> None:
    in_study = best.loc[best["study"] == FIGURE_STUDY, "patient_id"]
    timepoints = result.timepoints[result.timepoints["patient_id"].isin(in_study)]
    study_best = best[best["patient_id"].isin(in_study)]
    figure = Figure(figsize=(10, 4.5))
    figures.waterfall(timepoints, study_best, ax=figure.add_subplot())
    figure.axes[0].set_title(f"Laleh 2022 {FIGURE_STUDY}: {TARGET_ONLY}")
    print(f"wrote {_save(figure, out / 'laleh_waterfall.png')}")
    arm_of = study_best.set_index("patient_id")["arm"]
    figure = Figure(figsize=(9, 5))
    figures.spider(timepoints.assign(arm="arm " + timepoints["patient_id"].map(arm_of)), group="arm",
                   ax=figure.add_subplot())
    figure.axes[0].set_title(f"Laleh 2022 {FIGURE_STUDY}: target sum over time, by arm")
    print(f"wrote {_save(figure, out / 'laleh_spider.png')}")
    report = write_report(ReportTables(timepoints, study_best.drop(columns=["study"])),
                          out / "laleh_report.html", title=f"Laleh 2022 {FIGURE_STUDY}: {TARGET_ONLY}")
    print(f"wrote {report}")


def inspire(shared: Path, out: Path) -> pd.DataFrame:
    """Target-only best response from % changes against INSPIRE's recorded response and biomarkers."""
    changes = pd.read_csv(shared / INSPIRE_FOLDER / "ctDNA.csv", dtype={"id": str})
    patients = pd.read_csv(shared / INSPIRE_FOLDER / "pembrolizumab.csv", dtype={"id": str})
    table = changes.merge(patients[["id", "l_size"]], on="id", how="left").rename(columns={
        "id": "patient_id", "time": "day", "size_change": "pct_change", "l_size": "baseline_size_mm"})
    sums = sums_from_pct_change(table, time_unit="weeks", source="ctDNA.csv")
    result = _assess_target_only(sums)
    derived = result.best_response[["patient_id", "best_response"]]
    merged = patients.rename(columns={"id": "patient_id"}).merge(derived, on="patient_id", how="inner")
    responder = is_responder(merged["best_response"])
    merged["derived_responder"] = responder.map({True: "CR/PR", False: "SD/PD/NE"})
    print(f"\nINSPIRE: {len(merged)} patients with % change trajectories (of {len(patients)}), {TARGET_ONLY}")
    confusion = pd.crosstab(merged["best_response"], merged["orr"], margins=True)
    confusion.to_csv(out / "inspire_confusion.csv")
    print("derived best response (rows) vs recorded objective response (columns):")
    print(confusion.to_string())
    recorded = merged["orr"].eq(RECORDED_RESPONDER).map({True: "CR/PR", False: "SD/PD/NE"})
    kappa = cohen_kappa(merged["derived_responder"], recorded)
    agreement = (merged["derived_responder"] == recorded).mean()
    print(f"responder agreement with the recorded response: {100 * agreement:.1f}%, "
          f"Cohen's kappa {kappa:.2f}")
    _inspire_figures(result, merged, out)
    biomarkers = _biomarkers(merged)
    biomarkers.to_csv(out / "inspire_biomarkers.csv", index=False)
    print(biomarkers.to_string(index=False))
    _os_by_baseline_size(merged, out)
    return merged


def _os_by_baseline_size(merged: pd.DataFrame, out: Path) -> None:
    """OS on each side of the cohort median of the baseline target size, an exploratory split
    (spec/patterns.md 6.5: no validated cut-off of an imaging biomarker)."""
    durations = pd.DataFrame({"patient_id": merged["patient_id"], "event": merged["os_status"].eq(1),
                              "duration_days": merged["os_time"] * DAYS_PER_MONTH})
    sizes = merged.set_index("patient_id")["l_size"].rename("baseline_size_mm")
    summary = split_summary(median_split(durations, sizes, "baseline_size_mm"))
    not_reached_named(summary).to_csv(out / "inspire_os_by_baseline_size.csv", index=False)
    shown = summary.assign(median_months=(summary["median_days"] / DAYS_PER_MONTH).round(1))
    print(f"\nINSPIRE: overall survival by baseline target size, {summary['note'].iloc[0]}")
    print(shown[["group", "n", "events", "median_months", "logrank_p"]].to_string(index=False))


def _inspire_figures(result: ioresponse.Result, merged: pd.DataFrame, out: Path) -> None:
    cohort_of = merged.set_index("patient_id")["cohort"]
    timepoints = result.timepoints.assign(cohort="cohort " + result.timepoints["patient_id"].map(cohort_of))
    figure = Figure(figsize=(9, 5))
    figures.spider(timepoints, group="cohort", ax=figure.add_subplot())
    figure.axes[0].set_title("INSPIRE: change of target size from baseline, by cohort")
    print(f"wrote {_save(figure, out / 'inspire_spider.png')}")
    figure = Figure(figsize=(12, 4.5))
    for panel, (time, status, what) in enumerate((("pfs_time", "pfs_status", "progression-free survival"),
                                                  ("os_time", "os_status", "overall survival"))):
        figures.km_curves(merged, groups=("best_response",), duration_column=time, event_column=status,
                          xlabel="Time since treatment start (months)", ylabel=f"Probability of {what}",
                          ax=figure.add_subplot(1, 2, panel + 1))
        figure.axes[panel].set_title(f"INSPIRE: {what} by derived best response", fontsize=10)
    print(f"wrote {_save(figure, out / 'inspire_km.png')}")
    figure = Figure(figsize=(9, 4))
    for panel, (column, label) in enumerate((("pdl1", "PD-L1 (%)"), ("tmb", "TMB (log)"))):
        ax = figure.add_subplot(1, 2, panel + 1)
        groups = ["CR/PR", "SD/PD/NE"]
        values = [merged.loc[merged["derived_responder"] == g, column].dropna() for g in groups]
        boxes = ax.boxplot(values, patch_artist=True)
        ax.set_xticks([1, 2], groups)
        for box, hatch in zip(boxes["boxes"], ("//", ".."), strict=True):
            box.set(facecolor="0.85", hatch=hatch)
        ax.set_xlabel(f"Derived best response ({TARGET_ONLY})")
        ax.set_ylabel(label)
    print(f"wrote {_save(figure, out / 'inspire_biomarkers.png')}")


def _biomarkers(merged: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for column in ("pdl1", "tmb"):
        responders = merged.loc[merged["derived_responder"] == "CR/PR", column].dropna()
        others = merged.loc[merged["derived_responder"] != "CR/PR", column].dropna()
        test = mannwhitneyu(responders, others) if len(responders) and len(others) else None
        rows.append({"biomarker": column, "n_responders": len(responders),
                     "median_responders": responders.median(), "n_others": len(others),
                     "median_others": others.median(),
                     "mann_whitney_p": test.pvalue if test is not None else float("nan")})
    return pd.DataFrame(rows)


def missing_api() -> list[str]:
    """What the demo needs from the engine and does not find (it never re-implements RECIST)."""
    missing = [] if hasattr(ioresponse, "assess") else ["ioresponse.assess"]
    if "recist11" not in registry():
        missing.append("criterion recist11")
    return missing


def main(shared: Path, out: Path) -> None:
    """Run both parts; outputs go to ``out/cohort``."""
    out = Path(out) / "cohort"
    out.mkdir(parents=True, exist_ok=True)
    missing = missing_api()
    if missing:
        print(f"cohort demo skipped: {', '.join(missing)} not available yet")
        return
    laleh(Path(shared), out)
    inspire(Path(shared), out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=Path("out"))
    arguments = parser.parse_args()
    main(arguments.shared, arguments.out)
