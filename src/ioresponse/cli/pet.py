"""``ioresponse pet``: SUV conversion report and lesion quantification of PET series.

Rules as in spec/pet.md (sections 2 and 4); the commands only present what ``ioresponse.pet`` computes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from ioresponse.cli._common import console, handles_input_errors
from ioresponse.schema import OPTIONS, InputError, check_choice

if TYPE_CHECKING:  # the commands import numpy, pandas and ioresponse.pet (scipy, pydicom) when they run
    from ioresponse.pet import SUVVolume

app = typer.Typer(
    help="PET: SUV conversion and lesion metrics.\n\nSUVmax, SULpeak, MTV and TLG of every lesion "
    "(spec/pet.md).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

REPORTED_HEADER = (
    "units_in",
    "decay_correction",
    "suv_type_in",
    "manufacturer",
    "injection_datetime",
    "reference_datetime",
    "reference_time_source",
    "uptake_s",
    "half_life_s",
    "injected_bq",
    "weight_kg",
    "height_cm",
    "sex",
    "lbm_formula",
    "philips_factor_used",
    "unit_fixes_applied",
)
"""Header values and rules printed by ``ioresponse pet suv`` (spec 0.4 provenance)."""

NormalizationOption = Annotated[
    str,
    typer.Option(
        "--normalization",
        metavar="<auto|bw|lbm|bsa|ibw>",
        help="Body weight, lean body mass (SUL), body surface area or ideal body weight; auto: the SUV "
        "type the image stores, else body weight.",
    ),
]
LbmOption = Annotated[
    str, typer.Option("--lbm-formula", metavar="<janmahasatian|james>", help="Lean body mass formula.")
]
SexOtherOption = Annotated[
    str,
    typer.Option(
        "--sex-other",
        metavar="<error|mean>",
        help="Sex O or missing: refuse SUL/IBW, or use the mean of the male and female values.",
    ),
]
UnitFixesOption = Annotated[
    str,
    typer.Option(
        "--unit-fixes",
        metavar="<strict|auto>",
        help="auto: rewrite grams, centimetres and MBq found in the header, with a warning.",
    ),
]
ReferenceOption = Annotated[
    str,
    typer.Option(
        "--reference-time",
        metavar="<auto|backcompute|earliest_acquisition>",
        help="Decay reference of START images (spec/pet.md 2.7).",
    ),
]


def _options(lbm_formula: str, sex_other: str, unit_fixes: str, reference_time: str) -> dict[str, str]:
    choices = {
        "--lbm-formula": (lbm_formula, ("janmahasatian", "james")),
        "--sex-other": (sex_other, ("error", "mean")),
        "--unit-fixes": (unit_fixes, ("strict", "auto")),
        "--reference-time": (reference_time, ("auto", "backcompute", "earliest_acquisition")),
    }
    for name, (value, allowed) in choices.items():
        check_choice(name, value, allowed)
    return {
        "lbm_formula": lbm_formula,
        "sex_other": sex_other,
        "unit_fixes": unit_fixes,
        "reference_time": reference_time,
    }


@app.command("suv")
@handles_input_errors
def suv(
    series_dir: Annotated[Path, typer.Argument(metavar="SERIES_DIR", help="Folder of one PET DICOM series.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
    normalization: NormalizationOption = "auto",
    lbm_formula: LbmOption = "janmahasatian",
    sex_other: SexOtherOption = "error",
    unit_fixes: UnitFixesOption = "strict",
    reference_time: ReferenceOption = "auto",
) -> None:
    """Print the SUV conversion of one PET series.

    The header values and rules used, the SUV factor(s), and the SUV minimum, median and maximum.
    """
    import numpy as np

    from ioresponse.pet import read_suv

    check_choice("--normalization", normalization, ("auto", "bw", "lbm", "bsa", "ibw"))
    volume = read_suv(
        series_dir, normalization, **_options(lbm_formula, sex_other, unit_fixes, reference_time)
    )
    values = volume.values
    factors = np.unique(volume.factors.bw * volume.conversion(normalization))
    report = {key: volume.provenance.get(key) for key in REPORTED_HEADER}
    report.update(
        series=str(series_dir),
        normalization=normalization if normalization != "auto" else volume.factors.stored,
        factors=[float(f) for f in factors],
        suv_min=float(values.min()),
        suv_median=float(np.median(values)),
        suv_max=float(values.max()),
        warnings=list(volume.provenance.get("warnings", [])),
    )
    if as_json:
        console.print_json(json.dumps(report, default=str))
        return
    table = Table(title=f"SUV conversion of {series_dir}", show_header=False)
    for key, value in report.items():
        if key == "factors":
            value = ", ".join(f"{f:.8g}" for f in value)
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


def _parse_point(text: str | None, option: str) -> tuple[float, float, float] | None:
    if text is None:
        return None
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 3 or not all(math.isfinite(v) for v in values):
        raise InputError(OPTIONS, [], option, f"{text!r} is not three numbers X,Y,Z (LPS mm).")
    return values  # type: ignore[return-value]


def _read_volume(
    source: Path,
    pet_units: str | None,
    options: dict[str, str],
    weight_kg: float | None,
    height_cm: float | None,
    sex: str | None,
) -> SUVVolume:
    """A DICOM series folder (header values overridable), or a NIfTI PET in SUVbw (spec 6.6)."""
    from ioresponse.pet import read_suv
    from ioresponse.pet.suv import read_nifti_suv

    if source.name.endswith((".nii", ".nii.gz")):
        if pet_units != "suvbw":
            raise InputError(
                str(source),
                [],
                None,
                "a NIfTI PET has no header: state its units, --pet-units suvbw (Python: "
                "read_nifti_suv(path, pet_units='suvbw')); a Bq/ml NIfTI needs the injection data, which "
                "only the Python API takes (read_nifti_suv(path, pet_units='bqml', ...)).",
            )
        return read_nifti_suv(
            source,
            pet_units="suvbw",
            weight_kg=weight_kg,
            height_cm=height_cm,
            sex=sex,
            lbm_formula=options["lbm_formula"],
            sex_other=options["sex_other"],  # type: ignore[arg-type]
        )
    return read_suv(source, "bw", weight_kg=weight_kg, height_cm=height_cm, sex=sex, **options)


@app.command("quantify")
@handles_input_errors
def quantify(
    series_dirs: Annotated[
        list[Path],
        typer.Argument(metavar="SERIES_DIR", help="Folder(s) of PET DICOM series, or NIfTI PET files."),
    ],
    labels: Annotated[
        list[Path],
        typer.Option(
            "--labels",
            metavar="<path>",
            help="RTSTRUCT, DICOM SEG or NIfTI labels; one per series, in the same order (repeatable).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Lesion table to write (.csv or .parquet).")],
    fraction_threshold: Annotated[
        float | None,
        typer.Option(
            "--fraction-threshold",
            metavar="<0-1>",
            help="Binarise a fractional (probability) label map at >= this value (spec/pet.md 6.6); "
            "default: non-integer NIfTI labels are refused, a DICOM SEG FRACTIONAL is read at 0.5.",
        ),
    ] = None,
    liver: Annotated[
        str | None, typer.Option("--liver", metavar="<x,y,z>", help="Liver sphere centre in LPS mm.")
    ] = None,
    blood_pool: Annotated[
        str | None,
        typer.Option("--blood-pool", metavar="<x,y,z>", help="Blood-pool cylinder centre in LPS mm."),
    ] = None,
    peak: Annotated[
        str,
        typer.Option(
            "--peak",
            metavar="<percist|ibsi-local|ibsi-global>",
            help="SULpeak placement and weighting (spec/pet.md 3.6).",
        ),
    ] = "percist",
    segmentation: Annotated[
        str,
        typer.Option(
            metavar="<relative|absolute|percist>",
            help="MTV threshold: --fraction x SUVmax, SUVbw 2.5, or the PERCIST liver threshold on SUL.",
        ),
    ] = "relative",
    fraction: Annotated[
        float, typer.Option(help="Fraction of SUVmax of the relative threshold (0.50 is also common).")
    ] = 0.41,
    normalization: Annotated[
        str,
        typer.Option(
            "--normalization",
            metavar="<bw|bsa>",
            help="SUVmax in SUVbw, or in SUVbsa (cm^2/ml; EORTC, spec/pet.md 1.7); bsa needs weight and "
            "height.",
        ),
    ] = "bw",
    patient_id: Annotated[str | None, typer.Option(help="Patient id (default: PatientID).")] = None,
    pet_units: Annotated[
        str | None, typer.Option(help="NIfTI PET only: suvbw (voxels are SUVbw); Bq/ml NIfTI needs the API.")
    ] = None,
    weight_kg: Annotated[float | None, typer.Option(help="Weight (kg); overrides the header.")] = None,
    height_cm: Annotated[float | None, typer.Option(help="Height (cm); overrides the header.")] = None,
    sex: Annotated[str | None, typer.Option(help="M or F; overrides the header.")] = None,
    lbm_formula: LbmOption = "janmahasatian",
    sex_other: SexOtherOption = "error",
    unit_fixes: UnitFixesOption = "strict",
    reference_time: ReferenceOption = "auto",
) -> None:
    """Write the lesion table of PET series and their labels.

    One row per lesion: SUVmax, SULpeak, MTV, TLG, functional diameter, liver reference, uptake.
    """
    import pandas as pd

    from ioresponse.pet import quantify as quantify_lesions
    from ioresponse.pet import read_labels

    if len(labels) != len(series_dirs):
        raise InputError(
            OPTIONS,
            [],
            "--labels",
            f"{len(labels)} label files for {len(series_dirs)} series; give one each.",
        )
    check_choice("--peak", peak, ("percist", "ibsi-local", "ibsi-global"))
    check_choice("--segmentation", segmentation, ("relative", "absolute", "percist"))
    check_choice("--normalization", normalization, ("bw", "bsa"))
    if segmentation == "relative" and not 0 < fraction <= 1:
        raise InputError(OPTIONS, [], "--fraction", f"{fraction:g} is not in (0, 1].")
    if fraction_threshold is not None and not 0 < fraction_threshold <= 1:
        raise InputError(OPTIONS, [], "--fraction-threshold", f"{fraction_threshold:g} is not in (0, 1].")
    if segmentation == "percist" and liver is None:
        raise InputError(
            OPTIONS,
            [],
            "--segmentation",
            "percist thresholds at the liver reference (1.5 x SUL mean + 2 SD); give the liver centre: "
            "--liver X,Y,Z (Python: liver_centre=(x, y, z)).",
        )
    options = _options(lbm_formula, sex_other, unit_fixes, reference_time)
    centre = _parse_point(liver, "--liver")
    blood_pool_centre = _parse_point(blood_pool, "--blood-pool")
    tables = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("PET series", total=len(series_dirs))
        for series_dir, label_path in zip(series_dirs, labels, strict=True):
            volume = _read_volume(series_dir, pet_units, options, weight_kg, height_cm, sex)
            masks = read_labels(label_path, volume, fraction_threshold=fraction_threshold)
            tables.append(
                quantify_lesions(
                    volume,
                    masks,
                    patient_id=patient_id,
                    liver_centre=centre,
                    blood_pool_centre=blood_pool_centre,
                    peak_method=peak,  # type: ignore[arg-type]
                    segmentation=segmentation,
                    fraction=fraction,  # type: ignore[arg-type]
                    normalisation=normalization,  # type: ignore[arg-type]
                )
            )
            progress.advance(task)
    table = pd.concat(tables, ignore_index=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        table.to_parquet(out, index=False)
    else:
        table.to_csv(out, index=False)
    for series_dir, lesions in zip(series_dirs, tables, strict=True):
        console.print(
            f"{series_dir}: total MTV {lesions.attrs['total_mtv_ml']:.2f} ml, total TLG "
            f"{lesions.attrs['total_tlg']:.2f} (SUVbw x ml; union of the lesion masks)"
        )
    console.print(f"{len(table)} lesion(s) from {len(series_dirs)} series written to {out}")
