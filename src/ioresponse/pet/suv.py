"""SUV scale factors from DICOM PET headers: units, decay correction, vendor timing, normalisations.

Sources: QIBA SUV vendor-neutral pseudo-code (Clunie 2012/2018),
https://qibawiki.rsna.org/index.php/Standardized_Uptake_Value_(SUV); IBSI-SUV manual (Vácha et al.,
draft), https://oncoray.github.io/suv_computation/suv.html; PERCIST 1.0, Wahl RL et al. J Nucl Med
2009;50 Suppl 1:122S-150S, doi:10.2967/jnumed.108.057307; Janmahasatian S et al. Clin Pharmacokinet
2005;44:1051-1065, doi:10.2165/00003088-200544100-00004; Tahari AK et al. J Nucl Med 2014;55:1481-1484,
doi:10.2967/jnumed.113.136986; Du Bois D, Du Bois EF, Arch Intern Med 1916;17:863-871.
Rules as in spec/pet.md sections 1 (normalisations), 2.2-2.8 (DICOM to SUV) and 0.4 (provenance).

``SUV_x = C * N_x / A(t_C)``: every factor returned here multiplies the rescaled pixel value ``U`` of
one instance (Bq/ml, counts or an SUV already) and gives SUVbw; the other normalisations differ from
SUVbw by one constant per scan, ``N_x / (1000 W)`` (spec 1.1).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset
from pydicom.valuerep import DA, DT, TM

from ioresponse.io.dicom import (
    DicomInputError,
    Geometry,
    is_nonuniform,
    raw_text,
    read_pet_series,
    resample_slices,
    tag_label,
)
from ioresponse.schema import OPTIONS, InputError, IoresponseWarning, check_choice

Normalization = Literal["auto", "bw", "lbm", "bsa", "ibw"]
LbmFormula = Literal["janmahasatian", "james", "james120"]
SexOther = Literal["error", "mean"]
UnitFixes = Literal["strict", "auto"]
ReferenceTime = Literal["auto", "backcompute", "earliest_acquisition"]


class SuvWarning(IoresponseWarning):
    """A PET header oddity that was noted; it never changes a number (spec 0.4)."""


# How messages name an option: the command-line spelling first, then the Python one (STYLE.md 5).
UNIT_FIXES = "--unit-fixes auto (Python: unit_fixes='auto')"
SEX_OTHER_MEAN = "--sex-other mean (Python: sex_other='mean')"
GIVE_WEIGHT = "--weight-kg KG (pet quantify; Python: weight_kg=KG)"
GIVE_HEIGHT = "--height-cm CM (pet quantify; Python: height_cm=CM)"
GIVE_SEX = "--sex M|F (pet quantify; Python: sex='M' or 'F')"
GIVE_DOSE = "injected_bq=BQ (Python API only; the command line has no such option)"


# --- Normalisations (spec 1.2-1.6) -----------------------------------------------------------------

JANMAHASATIAN = {"M": (9270.0, 6680.0, 216.0), "F": (9270.0, 8780.0, 244.0)}
"""LBM = a W / (b + c BMI), BMI with H in metres (Janmahasatian 2005; spec 1.3)."""
JAMES = {"M": (1.10, 128.0), "F": (1.07, 148.0)}
"""LBM = a W - b (W/H)^2 with H in cm (James 1976, as quoted by PERCIST and Tahari 2014; spec 1.3)."""
MORGAN_120 = {"M": (1.10, 120.0), "F": (1.07, 148.0)}
"""DICOM SUV Type ``LBM`` (IBSI-SUV attributes it to Morgan & Bray 1994); decode only, or the
calculate-suv convention through ``lbm_formula="james120"`` (spec 1.3, 7(h))."""
JAMES_COEFFICIENTS = {"james": JAMES, "james120": MORGAN_120}
"""Coefficients of each James-form ``lbm_formula`` (spec 1.3); "janmahasatian" is the other choice."""
IDEAL_BODY_WEIGHT = {"M": (48.0, 1.06), "F": (45.5, 0.91)}
"""IBW = a + b (H - 152), H in cm (Sugawara 1999, doi:10.1148/radiology.213.2.r99nv37521; spec 1.5)."""
DU_BOIS = (0.007184, 0.425, 0.725)
"""BSA (m^2) = 0.007184 W^0.425 H^0.725, W kg, H cm (Du Bois 1916; spec 1.4)."""
SEXES = ("M", "F")
NORMALIZATION_NAMES = {
    "lbm": ("SUL (lean body mass)", "LBM / W"),
    "bsa": ("SUVbsa", "10 BSA / W"),
    "ibw": ("SUVibw", "IBW / W"),
}
"""Name in messages and SUVbw -> normalisation constant of each normalisation other than body weight."""

# --- Plausibility (spec 1.8) -------------------------------------------------------------------------

WEIGHT_RANGE_KG = (2.0, 350.0)
"""Accepted PatientWeight (spec 1.8)."""
HEIGHT_RANGE_M = (0.40, 2.50)
"""Accepted PatientSize in metres (spec 1.8)."""
DOSE_RANGE_BQ = (1e7, 2e9)
"""Accepted RadionuclideTotalDose, 10 MBq to 2 GBq (spec 1.8)."""
WEIGHT_IN_GRAMS = (2000.0, 350000.0)
"""``unit_fixes="auto"``: a weight in this range is read as grams (IBSI-SUV; spec 1.8)."""
HEIGHT_IN_CM = (40.0, 250.0)
"""``unit_fixes="auto"``: a PatientSize in this range is read as cm (spec 1.8)."""
DOSE_IN_MBQ = (30.0, 2000.0)
"""``unit_fixes="auto"``: a dose in this range is read as MBq (IBSI-SUV DRO_3_0; spec 1.8)."""

# --- Timing (spec 2.5-2.7) ---------------------------------------------------------------------------

F18_HALF_LIFE_S = 6586.2
"""F-18 half-life used when (0018,1075) is missing and the radionuclide code says F-18 (spec 2.6)."""
SERIES_TOLERANCE_S = 1.0
"""SeriesDateTime may be up to 1 s after the earliest acquisition and still be t_ref (spec 2.7 rule 3)."""
BACKCOMPUTE_SPREAD_S = 1.0
"""Back-computed references must agree within 1 s (spec 2.7 rule 4)."""
REFERENCE_CROSS_CHECK_S = 120.0
"""Warn when the chosen and the back-computed references differ by more (spec 2.7 cross-check a)."""
GE_DECAY_FACTOR_TOLERANCE = 1e-3
"""Warn when GE DecayFactor differs from exp(lambda (Delta + T_ave)) by more (spec 2.7 cross-check c)."""
PHILIPS_ROUTE_TOLERANCE = 0.02
"""Warn when the two Philips CNTS routes differ by more than 2% (spec 2.3)."""
INJECTION_TIME_TOLERANCE_S = 1.0
"""Warn when (0018,1072) and the time of (0018,1078) differ by more (spec 2.5 step 1)."""
MAX_UPTAKE_S = 86400.0
"""Uptake must be below 24 h (spec 2.5 step 3)."""

GE_PRIVATE = (0x0009, "GEMS_PETD_01", 0x0D, "(0009,100D) GE PET scan datetime")
"""GE private scan datetime, looked up through its creator (QIBA pseudo-code; spec 2.1)."""
SIEMENS_PRIVATE = (0x0071, "SIEMENS MED PT", 0x22, "(0071,1022) Siemens decay correction datetime")
"""Siemens private decay-correction datetime, cross-check only (spec 2.1, 2.7 cross-check b)."""
PHILIPS_CREATOR = "Philips PET Private Group"
"""Creator of the Philips (7053,xx00) SUV and (7053,xx09) activity scale factors (spec 2.1)."""
PHILIPS_SUV = (0x7053, PHILIPS_CREATOR, 0x00, "(7053,1000) Philips SUV scale factor")
PHILIPS_ACTIVITY = (0x7053, PHILIPS_CREATOR, 0x09, "(7053,1009) Philips activity concentration scale factor")

RETIRED_TM = re.compile(r"\d{2}:\d{2}:\d{2}(\.\d{1,6})?")
"""The retired TM form HH:MM:SS(.FFFFFF), still accepted (spec 2.4); pydicom's TM refuses the colons."""

HANDLED_UNITS = ("BQML", "CNTS", "GML", "CM2ML")
"""(0054,1001) Units values this module converts (spec 2.3)."""
DECAY_MODES = ("START", "ADMIN", "NONE")
"""(0054,1102) DecayCorrection values (spec 2.6)."""
GML_SUV_TYPES = ("", "BW", "LBM", "LBMJAMES128", "LBMJANMA", "IBW")
"""(0054,1006) SUVType values decoded for Units GML (spec 2.3); BSA belongs to CM2ML."""
SERIES_LEVEL = (
    "Units",
    "DecayCorrection",
    "CorrectedImage",
    "PatientWeight",
    "PatientSize",
    "PatientSex",
    "SeriesDate",
    "SeriesTime",
    "SUVType",
)
"""Attributes that must be equal on every instance of a series (spec 2.2 item 4)."""
RADIOPHARMACEUTICAL_ITEM = (
    "Radiopharmaceutical",
    "RadiopharmaceuticalStartTime",
    "RadiopharmaceuticalStartDateTime",
    "RadionuclideTotalDose",
    "RadionuclideHalfLife",
)
"""Attributes of the radiopharmaceutical item that must be equal on every instance (spec 2.1, 2.2 item 4)."""


@dataclass(frozen=True)
class SuvOptions:
    """Options of the SUV step (spec 9); patient-table values override the header (spec 1.8).

    Parameters
    ----------
    lbm_formula : {"janmahasatian", "james", "james120"}, default "janmahasatian"
        Lean body mass for SUL (spec 1.3). "james120" is the calculate-suv library convention (male
        coefficient 120), offered only to reproduce that library's numbers; it is not the literature.
    sex_other : {"error", "mean"}, default "error"
        Sex ``O`` or empty: refuse SUL/IBW, or use the mean of the male and female values (spec 1.3).
    unit_fixes : {"strict", "auto"}, default "strict"
        Rewrite grams, centimetres and MBq found in the header, with a warning (spec 1.8).
    reference_time : {"auto", "backcompute", "earliest_acquisition"}, default "auto"
        Decay reference of ``START`` images (spec 2.7). "backcompute" forces rule 4; "earliest_acquisition"
        skips rule 4 (the QIBA pseudo-code and calculate-suv order), an option added here.
    weight_kg, height_cm, sex, injected_bq : optional
        Values from the patient/visit table; they override the DICOM header (spec 1.8, 2.6).
    """

    lbm_formula: LbmFormula = "janmahasatian"
    sex_other: SexOther = "error"
    unit_fixes: UnitFixes = "strict"
    reference_time: ReferenceTime = "auto"
    weight_kg: float | None = None
    height_cm: float | None = None
    sex: str | None = None
    injected_bq: float | None = None

    def __post_init__(self) -> None:
        """Refuse a choice outside its documented values (spec 9), before any header is read."""
        check_choice("lbm_formula", self.lbm_formula, LbmFormula)
        check_choice("sex_other", self.sex_other, SexOther)
        check_choice("unit_fixes", self.unit_fixes, UnitFixes)
        check_choice("reference_time", self.reference_time, ReferenceTime)


# --------------------------------------------------------------------------------------------------
# Body-size formulas (spec 1.3-1.5)
# --------------------------------------------------------------------------------------------------


def lean_body_mass_kg(
    weight_kg: float, height_cm: float, sex: str, formula: LbmFormula = "janmahasatian"
) -> float:
    """Lean body mass in kg for sex ``M`` or ``F`` (either case) (spec 1.3).

    Raises
    ------
    InputError
        When ``formula`` is not one of "janmahasatian", "james", "james120" (spec 9), ``sex`` is not M or
        F, or the lean body mass is <= 0 (James at extreme BMI, spec 1.3, 1.6).

    Examples
    --------
    >>> round(lean_body_mass_kg(71, 178, "M", "james"), 6)  # spec 7(b)
    57.734895
    """
    check_choice("lbm_formula", formula, LbmFormula)
    sex = _formula_sex(sex, f"lean body mass ({formula})")
    if formula == "janmahasatian":
        numerator, base, slope = JANMAHASATIAN[sex]
        bmi = weight_kg / (height_cm / 100.0) ** 2
        lbm = numerator * weight_kg / (base + slope * bmi)
    else:
        factor, coefficient = JAMES_COEFFICIENTS[formula][sex]
        lbm = factor * weight_kg - coefficient * (weight_kg / height_cm) ** 2
    return _positive_mass(
        f"lean body mass ({formula})", lbm, f"weight {weight_kg:g} kg, height {height_cm:g} cm, sex {sex}"
    )


def james_turning_bmi(sex: str) -> float:
    """BMI above which James' LBM decreases with weight: 10^4 a / (2 b) (spec 1.6)."""
    factor, coefficient = JAMES[sex]
    return 1e4 * factor / (2 * coefficient)


def body_surface_area_m2(weight_kg: float, height_cm: float) -> float:
    """Du Bois body surface area in m^2 (spec 1.4)."""
    constant, weight_power, height_power = DU_BOIS
    return constant * weight_kg**weight_power * height_cm**height_power


def ideal_body_weight_kg(height_cm: float, sex: str) -> float:
    """Ideal body weight in kg for sex ``M`` or ``F`` (either case) (spec 1.5).

    Raises
    ------
    InputError
        When ``sex`` is not M or F, or the ideal body weight is <= 0 (very short patients, spec 1.5).
    """
    sex = _formula_sex(sex, "ideal body weight")
    base, slope = IDEAL_BODY_WEIGHT[sex]
    return _positive_mass(
        "ideal body weight", base + slope * (height_cm - 152.0), f"height {height_cm:g} cm, sex {sex}"
    )


def _formula_sex(sex: str, name: str) -> str:
    """``sex`` as ``M`` or ``F``, in any case as the patient values are read (spec 1.3, 1.8); any other value
    is an InputError naming the way to the male/female mean, which only the SUV readers offer (spec 1.3)."""
    normalised = sex.strip().upper()
    if normalised not in SEXES:
        raise InputError(
            "<patient values>",
            [],
            "sex",
            f"{sex!r} is not M or F; the {name} formula is defined for sex M or F. For sex O or missing, "
            f"read_suv / read_nifti_suv give the mean of the male and female values: {SEX_OTHER_MEAN}.",
        )
    return normalised


def _positive_mass(name: str, kg: float, inputs: str) -> float:
    """``kg`` when above 0; a body mass <= 0 is an InputError naming the inputs (spec 1.3, 1.5)."""
    if kg <= 0:
        raise InputError("<patient values>", [], None, f"{name} is {kg:.2f} kg (<= 0) at {inputs}.")
    return kg


# --------------------------------------------------------------------------------------------------
# Header access with located errors
# --------------------------------------------------------------------------------------------------


class _Header:
    """The instances of one series with their files, for reading values and locating errors (spec 0.4)."""

    def __init__(self, datasets: Sequence[Dataset], files: Sequence[str] | None) -> None:
        self.datasets = list(datasets)
        self.files = list(files) if files is not None else ["<dataset>"] * len(self.datasets)
        self.warnings: list[str] = []

    def row(self, index: int) -> int:
        number = self.text(index, "InstanceNumber")
        return int(number) if number.isdigit() else index + 1  # a damaged number: the slice's place

    def error(self, index: int, column: str, message: str) -> InputError:
        return DicomInputError(self.files[index], [self.row(index)], column, message)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        warnings.warn(message, SuvWarning, stacklevel=3)

    def text(self, index: int, keyword: str) -> str:
        return raw_text(self.datasets[index], keyword)

    @property
    def first(self) -> Dataset:
        return self.datasets[0]

    def radiopharmaceutical(self, index: int = 0) -> Dataset:
        sequence = self.datasets[index].get("RadiopharmaceuticalInformationSequence")
        if not sequence:
            raise self.error(
                index,
                tag_label("RadiopharmaceuticalInformationSequence"),
                "missing; SUV needs the injected activity, half-life and injection time it holds.",
            )
        return sequence[0]

    def private(self, index: int, spec: tuple[int, str, int, str], *, fallback: bool = False) -> str | None:
        """A private value looked up through its creator (spec 2.1); ``fallback`` allows element xx10 + offset
        when the creator element (gggg,0010) of that slot is absent (GE exception of spec 2.1), never when
        another creator owns the slot."""
        group, creator, offset, _ = spec
        ds = self.datasets[index]
        try:
            element = ds.private_block(group, creator)[offset]
        except KeyError:
            if not fallback or (group << 16) | 0x0010 in ds:
                return None
            element = ds.get((group << 16) | 0x1000 | offset)
            if element is None:
                return None
        value = element.value
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        text = str(value).strip().strip("\x00").strip()
        return text or None


def _number(header: _Header, index: int, source: Dataset, keyword: str) -> float | None:
    value = raw_text(source, keyword)
    if not value:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise header.error(index, tag_label(keyword), f"{value!r} is not a number.") from None


_DICOM_DATE_TIME = re.compile(r"\d{12}(\d{2}(\.\d{1,6})?)?([+-]\d{4})?")
"""DT (PS3.5 6.2) down to the minute: YYYYMMDDHHMM[SS[.FFFFFF]][&ZZXX]. pydicom also takes ISO 8601
("2025-01-01T10:00:00") and reads its time as midnight; a DT without its time of day gives no time."""


def _parse_datetime(header: _Header, index: int, column: str, text: str) -> dt.datetime:
    """A DT value; a UTC offset is kept and resolved when the value is compared (:func:`_seconds`)."""
    try:
        if not _DICOM_DATE_TIME.fullmatch(text.strip()):
            raise ValueError(text)
        value = DT(text.strip())
    except ValueError:
        raise header.error(
            index, column, f"{text!r} is not a DICOM date-time (YYYYMMDDHHMMSS.FFFFFF)."
        ) from None
    return dt.datetime.combine(value.date(), value.timetz())


def _one_clock(header: _Header, *moments: dt.datetime) -> list[dt.datetime]:
    """Datetimes made comparable (spec 2.4): when all carry UTC offsets they compare in UTC; when only some
    do, those offsets are dropped (same local clock) with a warning."""
    if len({moment.tzinfo is None for moment in moments}) < 2:
        return list(moments)
    for moment in moments:
        if moment.tzinfo is None:
            continue
        message = (
            f"UTC offset of {_clock(moment)} dropped: the time it is compared with has none; all times of a "
            "study are read on one clock (spec 2.4)."
        )
        if message not in header.warnings:
            header.warn(message)
    return [moment.replace(tzinfo=None) for moment in moments]


def _seconds(header: _Header, start: dt.datetime, end: dt.datetime) -> float:
    """``end - start`` in seconds, on one clock (spec 2.4)."""
    start, end = _one_clock(header, start, end)
    return (end - start).total_seconds()


def _combine(
    header: _Header, index: int, date_keyword: str, date_text: str, time_keyword: str, time_text: str
) -> dt.datetime:
    try:
        day = DA(date_text.strip())
    except ValueError:
        raise header.error(
            index, tag_label(date_keyword), f"{date_text!r} is not a DICOM date (YYYYMMDD)."
        ) from None
    return dt.datetime.combine(day, _parse_time(header, index, time_keyword, time_text))


def _parse_time(header: _Header, index: int, keyword: str, text: str) -> dt.time:
    """A TM value: HHMMSS.FFFFFF, HHMMSS, HHMM, HH or the retired HH:MM:SS (spec 2.4)."""
    text = text.strip()
    if RETIRED_TM.fullmatch(text):
        text = text.replace(":", "")
    try:
        clock = TM(text)
    except ValueError:
        raise header.error(
            index, tag_label(keyword), f"{text!r} is not a DICOM time (HHMMSS.FFFFFF or HH:MM:SS)."
        ) from None
    return dt.time(clock.hour, clock.minute, clock.second, clock.microsecond)


def _listed(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _clock(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.isoformat(sep=" ")


# --------------------------------------------------------------------------------------------------
# Acceptance (spec 2.2)
# --------------------------------------------------------------------------------------------------


def _multi(value: object) -> list[str]:
    """A CS attribute as a list of upper-case strings (pydicom returns one value as a plain string)."""
    if value is None or value == "":
        return []
    items = [value] if isinstance(value, str | bytes) else list(value)  # type: ignore[arg-type]
    return [str(item).strip().upper() for item in items]


FDG_NAMES = ("FDG", "DEOXYGLUCOSE")
"""Letters of a radiopharmaceutical name that say FDG ("18F-FDG", "Fludeoxyglucose F^18^")."""


def _warn_if_not_fdg(header: _Header) -> None:
    """(0018,0031) Radiopharmaceutical, or the meaning of its code, that does not look like FDG: a warning
    (spec 2.1); the SUV is computed all the same, but the metabolic criteria are defined for FDG."""
    sequence = header.first.get("RadiopharmaceuticalInformationSequence") or []
    if not sequence:
        return  # SUV from BQML needs the sequence and says so; GML and CM2ML do not read it
    item = sequence[0]
    codes = item.get("RadiopharmaceuticalCodeSequence") or []
    names = [str(item.get("Radiopharmaceutical", "") or ""), *(str(c.get("CodeMeaning", "")) for c in codes)]
    letters = [re.sub(r"[^A-Z]", "", name.upper()) for name in names if name.strip()]
    if letters and not any(fdg in text for text in letters for fdg in FDG_NAMES):
        name = names[0] or names[-1]
        header.warn(f"{tag_label('Radiopharmaceutical')} {name!r} does not look like FDG; the SUV is "
                    "computed, but the metabolic criteria (PERCIST, ...) are defined for FDG.")


def _check_acceptance(header: _Header) -> None:
    for index, ds in enumerate(header.datasets):
        modality = str(ds.get("Modality", ""))
        if modality != "PT":
            raise header.error(index, tag_label("Modality"), f"{modality or 'empty'} is not PT (PET).")
    for keyword in SERIES_LEVEL:
        reference = _value(header.first, keyword)
        for index, ds in enumerate(header.datasets[1:], start=1):
            if _value(ds, keyword) != reference:
                raise header.error(
                    index,
                    tag_label(keyword),
                    f"{ds.get(keyword)!s} differs from {header.first.get(keyword)!s} on the first instance; "
                    "one series must have one value.",
                )
    _check_radiopharmaceutical_consistency(header)
    _warn_if_not_fdg(header)
    corrected = _multi(header.first.get("CorrectedImage"))
    if "ATTN" not in corrected:
        raise header.error(
            0,
            tag_label("CorrectedImage"),
            f"{'/'.join(corrected) or 'empty'} lacks ATTN: the image is not attenuation corrected and cannot "
            "be quantified; use the attenuation-corrected series.",
        )
    units = header.text(0, "Units").upper()
    if units not in HANDLED_UNITS:
        raise header.error(
            0,
            tag_label("Units"),
            f"{header.text(0, 'Units') or 'empty'} is not a quantifiable unit; expected one of "
            f"{', '.join(HANDLED_UNITS)}.",
        )
    decay = header.text(0, "DecayCorrection").upper()
    if decay in ("START", "ADMIN") and "DECY" not in corrected:
        raise header.error(
            0,
            tag_label("CorrectedImage"),
            f"DecayCorrection is {decay} but CorrectedImage ({'/'.join(corrected)}) lacks DECY: inconsistent "
            "header.",
        )
    series_type = _multi(header.first.get("SeriesType"))
    if series_type and series_type[0] in ("DYNAMIC", "GATED"):
        raise header.error(
            0, tag_label("SeriesType"), f"{series_type[0]} series are not quantified; give one static frame."
        )
    if len(series_type) > 1 and series_type[1] == "REPROJECTION":
        raise header.error(0, tag_label("SeriesType"), "REPROJECTION images are not quantitative.")


def _value(ds: Dataset, keyword: str) -> object:
    """An attribute as compared between instances (spec 2.2 item 4): numbers, dates and times by value
    ("70" equals "70.0", "110000" equals "110000.000"), code strings as a set of values; text that does not
    parse compares as text."""
    text = raw_text(ds, keyword)
    vr = dictionary_VR(keyword)
    try:
        if vr == "DS":
            return float(text)
        if vr == "TM":
            return TM(text.replace(":", "") if RETIRED_TM.fullmatch(text) else text)
        if vr in ("DA", "DT"):
            return (DA if vr == "DA" else DT)(text)
    except ValueError:
        return text
    if vr == "CS":
        return frozenset(_multi(ds.get(keyword)))
    return text


def _radionuclide_code(item: Dataset) -> tuple[str, str]:
    """(0054,0300) RadionuclideCodeSequence as (scheme, code value); empty when absent."""
    codes = item.get("RadionuclideCodeSequence") or []
    if not codes:
        return "", ""
    return raw_text(codes[0], "CodingSchemeDesignator"), raw_text(codes[0], "CodeValue")


def _check_radiopharmaceutical_consistency(header: _Header) -> None:
    """The radiopharmaceutical item, compared by value, is the same on every instance (spec 2.2 item 4)."""

    def item(ds: Dataset) -> Dataset:
        sequence = ds.get("RadiopharmaceuticalInformationSequence")
        return sequence[0] if sequence else Dataset()

    reference = item(header.first)
    for index, ds in enumerate(header.datasets[1:], start=1):
        current = item(ds)
        different = [
            tag_label(keyword)
            for keyword in RADIOPHARMACEUTICAL_ITEM
            if _value(current, keyword) != _value(reference, keyword)
        ]
        if _radionuclide_code(current) != _radionuclide_code(reference):
            different.append(tag_label("RadionuclideCodeSequence"))
        if different:
            raise header.error(
                index,
                tag_label("RadiopharmaceuticalInformationSequence"),
                f"{_listed(different)} {'differs' if len(different) == 1 else 'differ'} from the first "
                "instance; one series has one injection.",
            )


# --------------------------------------------------------------------------------------------------
# Patient (spec 1.8)
# --------------------------------------------------------------------------------------------------


@dataclass
class _Patient:
    weight_kg: float | None
    height_cm: float | None
    sex: str
    fixes: list[str] = field(default_factory=list)


def _patient(header: _Header, options: SuvOptions) -> _Patient:
    ds = header.first
    weight = _number(header, 0, ds, "PatientWeight")
    size = _number(header, 0, ds, "PatientSize")
    patient = _Patient(
        weight_kg=None, height_cm=None, sex=str(ds.get("PatientSex", "") or "").strip().upper()
    )
    # a table value overrides the header (spec 1.8): the header's then serves only the difference warning
    if weight:
        given = options.weight_kg is not None
        patient.weight_kg = weight if given else _plausible_weight(header, weight, options, patient.fixes)
    if size:
        given = options.height_cm is not None
        patient.height_cm = size * 100.0 if given else _plausible_height(header, size, options, patient.fixes)
    _apply_table_values(header, patient, options)
    return patient


def _plausible_weight(header: _Header, weight: float, options: SuvOptions, fixes: list[str]) -> float:
    low, high = WEIGHT_RANGE_KG
    if low <= weight <= high:
        return weight
    if options.unit_fixes == "auto" and WEIGHT_IN_GRAMS[0] <= weight <= WEIGHT_IN_GRAMS[1]:
        fixes.append(f"PatientWeight {weight:g} read as grams")
        header.warn(f"{tag_label('PatientWeight')} {weight:g} read as grams: {weight / 1000:g} kg.")
        return weight / 1000.0
    grams = WEIGHT_IN_GRAMS[0] <= weight <= WEIGHT_IN_GRAMS[1]
    raise header.error(
        0,
        tag_label("PatientWeight"),
        f"{weight:g} kg is outside {low:g}-{high:g} kg; correct it, give the weight: {GIVE_WEIGHT}"
        + (f", or read it as grams: {UNIT_FIXES}." if grams else "."),
    )


def _plausible_height(header: _Header, size: float, options: SuvOptions, fixes: list[str]) -> float:
    low, high = HEIGHT_RANGE_M
    if low <= size <= high:
        return size * 100.0
    if options.unit_fixes == "auto" and HEIGHT_IN_CM[0] <= size <= HEIGHT_IN_CM[1]:
        fixes.append(f"PatientSize {size:g} read as cm")
        header.warn(f"{tag_label('PatientSize')} {size:g} read as cm.")
        return size
    centimetres = HEIGHT_IN_CM[0] <= size <= HEIGHT_IN_CM[1]
    raise header.error(
        0,
        tag_label("PatientSize"),
        f"{size:g} m is outside {low:g}-{high:g} m (PatientSize is in metres); correct it, give the height: "
        f"{GIVE_HEIGHT}" + (f", or read it as centimetres: {UNIT_FIXES}." if centimetres else "."),
    )


def check_table_values(weight_kg: float | None = None, height_cm: float | None = None) -> None:
    """Refuse a patient-table weight or height outside the plausible ranges (spec 1.8)."""
    if weight_kg is not None and not WEIGHT_RANGE_KG[0] <= weight_kg <= WEIGHT_RANGE_KG[1]:
        raise InputError(
            OPTIONS,
            [],
            "--weight-kg (Python: weight_kg)",
            f"{weight_kg:g} kg is outside {WEIGHT_RANGE_KG[0]:g}-{WEIGHT_RANGE_KG[1]:g} kg; give the weight "
            "in kg.",
        )
    if height_cm is not None and not HEIGHT_IN_CM[0] <= height_cm <= HEIGHT_IN_CM[1]:
        raise InputError(
            OPTIONS,
            [],
            "--height-cm (Python: height_cm)",
            f"{height_cm:g} cm is outside {HEIGHT_IN_CM[0]:g}-{HEIGHT_IN_CM[1]:g} cm; give the height in cm.",
        )


def _checked_dose(injected_bq: float) -> float:
    """A given injected activity inside the plausible range (spec 1.8)."""
    if not DOSE_RANGE_BQ[0] <= injected_bq <= DOSE_RANGE_BQ[1]:
        raise InputError(
            OPTIONS,
            [],
            "injected_bq (Python API only)",
            f"{injected_bq:g} Bq is outside 1e7-2e9 Bq; give the activity in Bq.",
        )
    return float(injected_bq)


def _apply_table_values(header: _Header, patient: _Patient, options: SuvOptions) -> None:
    check_table_values(options.weight_kg, options.height_cm)
    if options.weight_kg is not None:
        if patient.weight_kg and abs(options.weight_kg - patient.weight_kg) > 0.05 * patient.weight_kg:
            header.warn(
                f"weight_kg {options.weight_kg:g} differs from the header's {patient.weight_kg:g} kg by >5%."
            )
        patient.weight_kg = float(options.weight_kg)
    if options.height_cm is not None:
        if patient.height_cm and abs(options.height_cm - patient.height_cm) > 2.0:
            header.warn(
                f"height_cm {options.height_cm:g} differs from the header's {patient.height_cm:g} cm "
                "by >2 cm."
            )
        patient.height_cm = float(options.height_cm)
    if options.sex is not None:
        sex = options.sex.strip().upper()
        if sex not in (*SEXES, "O", ""):
            raise InputError(OPTIONS, [], "--sex (Python: sex)", f"{options.sex!r} is not M, F or O.")
        if patient.sex and sex != patient.sex:
            header.warn(f"sex {sex} differs from the header's {patient.sex}.")
        patient.sex = sex


def _require_weight(header: _Header, patient: _Patient, why: str) -> float:
    if not patient.weight_kg:
        raise header.error(
            0,
            tag_label("PatientWeight"),
            f"missing or zero; {why} needs the body weight. Give it: {GIVE_WEIGHT}.",
        )
    return patient.weight_kg


def _require_height(header: _Header, patient: _Patient, why: str) -> float:
    if not patient.height_cm:
        raise header.error(
            0, tag_label("PatientSize"), f"missing; {why} needs the height. Give it: {GIVE_HEIGHT}."
        )
    return patient.height_cm


def _by_sex(
    header: _Header,
    patient: _Patient,
    options: SuvOptions,
    why: str,
    formula: Callable[[str], float],
    tag: str,
) -> float:
    """Evaluate a sex-specific formula; sex O or empty follows ``sex_other`` (spec 1.3). The formula's
    refusal of a mass <= 0 (spec 1.3, 1.5) is located at the header attribute ``tag``."""

    def located(sex: str) -> float:
        try:
            return formula(sex)
        except InputError as error:
            raise header.error(0, tag, error.message) from None

    if patient.sex in SEXES:
        return located(patient.sex)
    if patient.sex in ("O", ""):
        if options.sex_other == "mean":
            header.warn(f"sex {patient.sex or 'missing'}: {why} is the mean of the male and female values.")
            return (located("M") + located("F")) / 2
        raise header.error(
            0,
            tag_label("PatientSex"),
            f"{patient.sex or 'missing'}; {why} needs sex M or F. Give it: {GIVE_SEX}, or use the mean of "
            f"the male and female values: {SEX_OTHER_MEAN}.",
        )
    raise header.error(0, tag_label("PatientSex"), f"{patient.sex} is not M, F or O.")


def _lbm(header: _Header, patient: _Patient, options: SuvOptions, formula: LbmFormula) -> float:
    why = f"lean body mass ({formula})"
    weight = _require_weight(header, patient, why)
    height = _require_height(header, patient, why)
    value = _by_sex(
        header,
        patient,
        options,
        why,
        lambda sex: lean_body_mass_kg(weight, height, sex, formula),
        tag_label("PatientWeight"),
    )
    if formula == "james" and patient.sex in SEXES:
        _warn_james(weight, height, patient.sex, header.warn)
    return value


def _warn_james(weight_kg: float, height_cm: float, sex: str, warn: Callable[[str], None]) -> None:
    """Spec 1.6: "MUST emit a warning whenever lbm_formula = 'james' and BMI exceeds the sex-specific
    turning point"."""
    bmi = weight_kg / (height_cm / 100.0) ** 2
    if bmi > james_turning_bmi(sex):
        warn(
            f"BMI {bmi:.1f} is above {james_turning_bmi(sex):.1f}, where James' LBM decreases with weight "
            "(Tahari 2014): SUL is unreliable; prefer --lbm-formula janmahasatian "
            "(Python: lbm_formula='janmahasatian')."
        )


def _header_lbm(patient: _Patient, formula: LbmFormula) -> float | None:
    """The lean body mass the header gives without a choice or a doubt (weight, height, sex M/F, a value
    above 0), for the provenance record (spec 0.4); SUL itself goes through :func:`_lbm`, which refuses a
    value <= 0 located at the header."""
    if patient.weight_kg is None or patient.height_cm is None or patient.sex not in SEXES:
        return None
    try:
        return lean_body_mass_kg(patient.weight_kg, patient.height_cm, patient.sex, formula)
    except InputError:
        return None


def _ibw(header: _Header, patient: _Patient, options: SuvOptions) -> float:
    height = _require_height(header, patient, "ideal body weight")
    return _by_sex(
        header,
        patient,
        options,
        "ideal body weight",
        lambda sex: ideal_body_weight_kg(height, sex),
        tag_label("PatientSize"),
    )


def _bsa(header: _Header, patient: _Patient) -> float:
    weight = _require_weight(header, patient, "body surface area")
    return body_surface_area_m2(weight, _require_height(header, patient, "body surface area"))


# --------------------------------------------------------------------------------------------------
# Times (spec 2.4-2.7)
# --------------------------------------------------------------------------------------------------


@dataclass
class _Times:
    series: dt.datetime | None
    acquisitions: list[dt.datetime | None]
    frame_reference_s: list[float | None]
    frame_duration_s: list[float | None]

    @property
    def earliest(self) -> dt.datetime | None:
        known = [a for a in self.acquisitions if a is not None]
        return min(known) if known else None


def _series_date_text(header: _Header, index: int) -> str:
    for keyword in ("SeriesDate", "AcquisitionDate", "StudyDate"):
        text = header.text(index, keyword)
        if text:
            return text
    return ""


def _acquisition(header: _Header, index: int, date_time: str, date: str, time: str) -> dt.datetime | None:
    """AcquisitionDateTime, else AcquisitionDate (or SeriesDate) + AcquisitionTime (spec 2.4)."""
    if date_time:
        return _parse_datetime(header, index, tag_label("AcquisitionDateTime"), date_time)
    if time:
        return _combine(header, index, "AcquisitionDate", date, "AcquisitionTime", time)
    return None


def _times(header: _Header) -> _Times:
    series = None
    if header.text(0, "SeriesTime") and _series_date_text(header, 0):
        series = _combine(
            header, 0, "SeriesDate", _series_date_text(header, 0), "SeriesTime", header.text(0, "SeriesTime")
        )
    acquisitions, references, durations = [], [], []
    parsed: dict[tuple[str, str, str], dt.datetime | None] = {}
    for index, ds in enumerate(header.datasets):
        key = (
            header.text(index, "AcquisitionDateTime"),
            header.text(index, "AcquisitionDate") or _series_date_text(header, index),
            header.text(index, "AcquisitionTime"),
        )
        if key not in parsed:
            parsed[key] = _acquisition(header, index, *key)
        acquisitions.append(parsed[key])
        reference = _number(header, index, ds, "FrameReferenceTime")
        duration = _number(header, index, ds, "ActualFrameDuration")
        references.append(None if reference is None else reference / 1000.0)
        durations.append(None if duration is None else duration / 1000.0)
    clocked = iter(_one_clock(header, *(moment for moment in acquisitions if moment is not None)))
    acquisitions = [None if moment is None else next(clocked) for moment in acquisitions]
    return _Times(series, acquisitions, references, durations)


def _average_count_offset(decay_constant: float, duration_s: float) -> float:
    """T_ave(T) = ln(lambda T / (1 - exp(-lambda T))) / lambda, time of the mean count rate (spec 2.7)."""
    x = decay_constant * duration_s
    return math.log(x / -math.expm1(-x)) / decay_constant


def _count_rate_correction(decay_constant: float, duration_s: float) -> float:
    """g(T) = lambda T / (1 - exp(-lambda T)) (spec 2.6, NONE)."""
    x = decay_constant * duration_s
    return x / -math.expm1(-x)


def _backcomputed(header: _Header, times: _Times, decay_constant: float) -> tuple[dt.datetime | None, float]:
    """Rule 4: r_s = t_acq,s + T_ave(T_s) - Delta_s; (median, spread), or (None, nan) when not computable.

    "every image has FrameReferenceTime and ActualFrameDuration > 0" is read with "> 0" applying to both:
    a FrameReferenceTime of 0 carries no timing (calculate-suv case CPS_AND_BQML_AC_DT_-_S_DT).
    """
    if "GE" in header.text(0, "Manufacturer").upper():
        return None, math.nan
    moments = []
    for acquisition, reference, duration in zip(
        times.acquisitions, times.frame_reference_s, times.frame_duration_s, strict=True
    ):
        if acquisition is None or not reference or reference <= 0 or not duration or duration <= 0:
            return None, math.nan
        offset = _average_count_offset(decay_constant, duration) - reference
        moments.append(acquisition + dt.timedelta(seconds=offset))
    epoch = min(moments)
    seconds = np.asarray([(m - epoch).total_seconds() for m in moments])
    return epoch + dt.timedelta(seconds=float(np.median(seconds))), float(np.ptp(seconds))


def _decay_reference(
    header: _Header, times: _Times, decay_constant: float, options: SuvOptions
) -> tuple[dt.datetime, str]:
    """The decay reference time t_ref of START images (spec 2.7, rules 1-5, first applicable wins)."""
    backcomputed, spread = _backcomputed(header, times, decay_constant)
    if options.reference_time == "backcompute":
        if backcomputed is None or spread > BACKCOMPUTE_SPREAD_S:
            raise header.error(
                0,
                tag_label("FrameReferenceTime"),
                "--reference-time backcompute (Python: reference_time='backcompute') needs AcquisitionTime, "
                "FrameReferenceTime and ActualFrameDuration on every instance (not GE) agreeing within 1 s "
                f"(spread {spread:.1f} s); use --reference-time auto (Python: reference_time='auto').",
            )
        return backcomputed, "backcomputed"
    chosen = _reference_by_rules(header, times, backcomputed, spread, options)
    if (
        chosen[1] in ("decay_correction_datetime", "ge_private", "series")
        and backcomputed is not None
        and spread <= BACKCOMPUTE_SPREAD_S
        and abs(_seconds(header, backcomputed, chosen[0])) > REFERENCE_CROSS_CHECK_S
    ):
        header.warn(
            f"decay reference {_clock(chosen[0])} ({chosen[1]}) differs from the back-computed "
            f"{_clock(backcomputed)} by more than {REFERENCE_CROSS_CHECK_S:g} s; check the series timing "
            "(--reference-time backcompute, Python: reference_time='backcompute', uses the latter)."
        )
    return chosen


def _reference_by_rules(
    header: _Header, times: _Times, backcomputed: dt.datetime | None, spread: float, options: SuvOptions
) -> tuple[dt.datetime, str]:
    explicit = {header.text(i, "DecayCorrectionDateTime") for i in range(len(header.datasets))}
    if len(explicit) == 1 and "" not in explicit:
        return _parse_datetime(
            header, 0, tag_label("DecayCorrectionDateTime"), explicit.pop()
        ), "decay_correction_datetime"
    ge_value = header.private(0, GE_PRIVATE)
    if ge_value is None and "GE" in header.text(0, "Manufacturer").upper():
        ge_value = _creatorless_ge_datetime(header)
    if ge_value is not None:
        return _parse_datetime(header, 0, GE_PRIVATE[3], ge_value), "ge_private"
    earliest = times.earliest
    if times.series is not None and (
        earliest is None or _seconds(header, earliest, times.series) <= SERIES_TOLERANCE_S
    ):
        return times.series, "series"
    if options.reference_time == "auto" and backcomputed is not None:
        if spread <= BACKCOMPUTE_SPREAD_S:
            return backcomputed, "backcomputed"
        header.warn(f"inconsistent frame timing (spread {spread:.1f} s); the earliest acquisition is used.")
    if earliest is None:
        raise header.error(
            0, tag_label("AcquisitionTime"), "missing; the decay reference of a START image cannot be found."
        )
    header.warn(
        "SeriesTime is after the acquisitions and no GE private or frame timing fits: the earliest "
        f"acquisition "
        f"{_clock(earliest)} is the decay reference."
    )
    return earliest, "earliest_acquisition"


def _creatorless_ge_datetime(header: _Header) -> str | None:
    """GE exception of spec 2.1: (0009,100D) without any creator at (0009,0010) is the GE scan datetime only
    when it parses as a DT; any other value is ignored (rule 2 of spec 2.7 then does not apply)."""
    value = header.private(0, GE_PRIVATE, fallback=True)
    if value is None:
        return None
    try:
        DT(value)
    except ValueError:
        return None
    header.warn(f"{GE_PRIVATE[3]} used without its private creator {GE_PRIVATE[1]} (GE exception, spec 2.1).")
    return value


def _injection(
    header: _Header, item: Dataset, reference: dt.datetime, reference_label: str
) -> tuple[dt.datetime, bool]:
    """Injection datetime (spec 2.5): the DateTime attribute, else the time on SeriesDate (midnight rule)."""
    date_time = str(item.get("RadiopharmaceuticalStartDateTime", "") or "").strip()
    time_only = str(item.get("RadiopharmaceuticalStartTime", "") or "").strip()
    if date_time:
        moment = _parse_datetime(header, 0, tag_label("RadiopharmaceuticalStartDateTime"), date_time)
        if time_only:
            stated = dt.datetime.combine(
                moment.date(), _parse_time(header, 0, "RadiopharmaceuticalStartTime", time_only)
            )
            if abs((stated - moment.replace(tzinfo=None)).total_seconds()) > INJECTION_TIME_TOLERANCE_S:
                header.warn(
                    f"{tag_label('RadiopharmaceuticalStartTime')} {time_only} differs from "
                    f"{tag_label('RadiopharmaceuticalStartDateTime')} {date_time}; the DateTime is used."
                )
        return moment, False
    if not time_only:
        raise header.error(
            0,
            f"{tag_label('RadiopharmaceuticalStartDateTime')} / {tag_label('RadiopharmaceuticalStartTime')}",
            "both missing; SUV needs the injection time. Supply it in the header to continue.",
        )
    moment = _combine(
        header, 0, "SeriesDate", _series_date_text(header, 0), "RadiopharmaceuticalStartTime", time_only
    )
    if _seconds(header, reference, moment) > 0:
        moment -= dt.timedelta(days=1)
        header.warn(
            f"injection time {time_only} on the series date is after the {reference_label} "
            f"{_clock(reference)}: "
            "injection taken on the previous day (midnight rule)."
        )
    return moment, True


def _check_uptake(header: _Header, injection: dt.datetime, reference: dt.datetime, label: str) -> float:
    uptake = _seconds(header, injection, reference)
    if not 0 < uptake < MAX_UPTAKE_S:
        raise header.error(
            0,
            tag_label("RadiopharmaceuticalStartTime"),
            f"injection at {_clock(injection)} is {'after' if uptake <= 0 else 'more than 24 h before'} the "
            f"{label} {_clock(reference)}; a negative or day-long decay time is never used.",
        )
    return uptake


def _half_life(header: _Header, item: Dataset) -> float:
    half_life = _number(header, 0, item, "RadionuclideHalfLife")
    if half_life is None or half_life == 0:
        codes = item.get("RadionuclideCodeSequence") or []
        code = codes[0] if codes else Dataset()
        if str(code.get("CodeValue", "")) == "C-111A1" or "18" in str(code.get("CodeMeaning", "")):
            header.warn(
                f"{tag_label('RadionuclideHalfLife')} missing: F-18 half-life {F18_HALF_LIFE_S} s used."
            )
            return F18_HALF_LIFE_S
        raise header.error(
            0,
            tag_label("RadionuclideHalfLife"),
            "missing or zero and the radionuclide is not identified as F-18.",
        )
    if half_life < 0:
        raise header.error(0, tag_label("RadionuclideHalfLife"), f"{half_life:g} s is not > 0.")
    return half_life


def _dose(header: _Header, item: Dataset, options: SuvOptions, fixes: list[str]) -> float:
    if options.injected_bq is not None:
        return _checked_dose(options.injected_bq)
    dose = _number(header, 0, item, "RadionuclideTotalDose")
    if not dose:
        raise header.error(
            0,
            tag_label("RadionuclideTotalDose"),
            "missing or zero; SUV needs the injected activity (Bq). Correct the header, or give it: "
            f"{GIVE_DOSE}.",
        )
    if DOSE_RANGE_BQ[0] <= dose <= DOSE_RANGE_BQ[1]:
        return dose
    if options.unit_fixes == "auto" and DOSE_IN_MBQ[0] <= dose <= DOSE_IN_MBQ[1]:
        fixes.append(f"RadionuclideTotalDose {dose:g} read as MBq")
        header.warn(f"{tag_label('RadionuclideTotalDose')} {dose:g} read as MBq.")
        return dose * 1e6
    megabecquerels = DOSE_IN_MBQ[0] <= dose <= DOSE_IN_MBQ[1]
    raise header.error(
        0,
        tag_label("RadionuclideTotalDose"),
        f"{dose:g} Bq is outside 1e7-2e9 Bq; correct it"
        + (f", read it as MBq: {UNIT_FIXES}," if megabecquerels else "")
        + f" or give the activity: {GIVE_DOSE}.",
    )


# --------------------------------------------------------------------------------------------------
# Factors per Units (spec 2.3, 2.6)
# --------------------------------------------------------------------------------------------------


@dataclass
class SuvFactors:
    """SUV factors of one series and the provenance of every value used (spec 2.8, 0.4).

    Attributes
    ----------
    bw : numpy.ndarray
        Per instance (input order), the factor turning the rescaled pixel value into SUVbw.
    stored : str
        The normalisation "auto" resolves to: "bw", or the SUV type an image already stores.
    provenance : dict
        JSON-serialisable record of every header value and rule used.
    """

    bw: np.ndarray
    stored: str
    stored_conversion: float
    provenance: dict[str, Any]
    _header: _Header
    _patient: _Patient
    _options: SuvOptions
    _conversions: dict[str, float] = field(default_factory=dict)

    def conversion(self, normalization: Normalization) -> float:
        """Constant turning SUVbw into the given normalisation, ``N_x / (1000 W)`` (spec 1.1, 2.8).

        Raises
        ------
        InputError
            When ``normalization`` is not one of its choices, or the header lacks what it needs (weight,
            height, sex).
        """
        check_choice("normalization", normalization, Normalization)
        if normalization == "auto":
            return self.stored_conversion
        if normalization == "bw":
            return 1.0
        if normalization not in self._conversions:
            self._conversions[normalization] = self._compute(normalization)
        return self._conversions[normalization]

    def _compute(self, normalization: str) -> float:
        header, patient, options = self._header, self._patient, self._options
        weight = _require_weight(header, patient, f"SUV {normalization}")
        if normalization == "lbm":
            lbm = _lbm(header, patient, options, options.lbm_formula)
            self.provenance["lbm_kg"] = lbm
            value = lbm / weight
        elif normalization == "bsa":
            bsa = _bsa(header, patient)
            self.provenance["bsa_m2"] = bsa
            value = 10.0 * bsa / weight
        else:  # "ibw", the last choice (conversion checked it)
            ibw = _ibw(header, patient, options)
            self.provenance["ibw_kg"] = ibw
            value = ibw / weight
        return value  # its warnings are in provenance["warnings"], the header's list


def compute_suv_factors(
    datasets: Sequence[Dataset], files: Sequence[str] | None = None, options: SuvOptions | None = None
) -> SuvFactors:
    """SUVbw factor of every instance and the provenance record (spec 2.2-2.8).

    Parameters
    ----------
    datasets : sequence of pydicom.Dataset
        The instances of one PET series (any order; one factor per instance in this order).
    files : sequence of str, optional
        Their file paths, for error locations.
    options : SuvOptions, optional
        Defaults of spec 9.
    """
    options = options or SuvOptions()
    header = _Header(datasets, files)
    _check_acceptance(header)
    patient = _patient(header, options)
    units = header.text(0, "Units").upper()
    provenance: dict[str, Any] = {
        "series_uid": header.text(0, "SeriesInstanceUID"),
        "manufacturer": header.text(0, "Manufacturer"),
        "units_in": units,
        "decay_correction": header.text(0, "DecayCorrection").upper(),
        "suv_type_in": header.text(0, "SUVType").upper(),
        "weight_kg": patient.weight_kg,
        "height_cm": patient.height_cm,
        "sex": patient.sex,
        "lbm_formula": options.lbm_formula,
        "lbm_kg": _header_lbm(patient, options.lbm_formula),
        "sex_other": options.sex_other,
        "unit_fixes": options.unit_fixes,
        "reference_time_option": options.reference_time,
        "unit_fixes_applied": patient.fixes,
        "injection_datetime": None,
        "reference_datetime": None,
        "reference_time_source": None,
        "uptake_s": None,
        "half_life_s": None,
        "injected_bq": None,
        "suv_bw_factor": None,
        "philips_factor_used": None,
        "warnings": header.warnings,
    }
    stored, stored_conversion = "bw", 1.0
    if units == "BQML":
        factors = _bqml_factors(header, patient, options, provenance)
    elif units == "CNTS":
        factors = _philips_factors(header, patient, options, provenance)
    elif units == "GML":
        factors, stored, stored_conversion = _gml_factors(header, patient, options)
        _record_times_if_possible(header, patient, options, provenance)
    else:  # CM2ML
        bsa = _bsa(header, patient)
        weight = _require_weight(header, patient, "decoding SUVbsa (CM2ML)")
        factors = np.full(len(header.datasets), weight / (10.0 * bsa))
        stored, stored_conversion = "bsa", 10.0 * bsa / weight
        _record_times_if_possible(header, patient, options, provenance)
    provenance["suv_bw_factor"] = float(factors[0])
    provenance["suv_bw_factors_distinct"] = int(np.unique(np.round(factors, 15)).size)
    provenance["stored_normalization"] = stored
    return SuvFactors(
        bw=factors,
        stored=stored,
        stored_conversion=stored_conversion,
        provenance=provenance,
        _header=header,
        _patient=patient,
        _options=options,
    )


def _bqml_factors(header: _Header, patient: _Patient, options: SuvOptions, provenance: dict) -> np.ndarray:
    """Bq/ml -> SUVbw per instance for START, ADMIN and NONE (spec 2.6)."""
    decay = header.text(0, "DecayCorrection").upper()
    if decay not in DECAY_MODES:
        raise header.error(
            0, tag_label("DecayCorrection"), f"{decay or 'empty'} is not one of {', '.join(DECAY_MODES)}."
        )
    weight = _require_weight(header, patient, "SUV")
    item = header.radiopharmaceutical()
    half_life = _half_life(header, item)
    decay_constant = math.log(2) / half_life
    dose = _dose(header, item, options, patient.fixes)
    times = _times(header)
    grams = 1000.0 * weight
    if decay == "START":
        reference, source = _decay_reference(header, times, decay_constant, options)
        injection, _ = _injection(header, item, reference, "decay reference")
        uptake = _check_uptake(header, injection, reference, "scan reference")
        factors = np.full(len(header.datasets), grams / (dose * math.exp(-decay_constant * uptake)))
        _ge_decay_factor_check(header, times, decay_constant)
    else:
        earliest = times.earliest or times.series
        if earliest is None:
            raise header.error(
                0, tag_label("AcquisitionTime"), f"missing; {decay} images need the acquisition time."
            )
        reference, source = earliest, ("admin" if decay == "ADMIN" else "none_per_frame")
        injection, _ = _injection(header, item, earliest, "earliest acquisition")
        uptake = _check_uptake(header, injection, earliest, "earliest acquisition")
        if decay == "ADMIN":
            factors = np.full(len(header.datasets), grams / dose)
        else:
            factors = _none_factors(header, times, injection, decay_constant, grams / dose)
    _siemens_cross_check(header, reference, decay)
    provenance.update(
        injection_datetime=_clock(injection),
        reference_datetime=_clock(reference),
        reference_time_source=source,
        uptake_s=uptake,
        half_life_s=half_life,
        injected_bq=dose,
    )
    return factors


def _none_factors(
    header: _Header, times: _Times, injection: dt.datetime, decay_constant: float, base: float
) -> np.ndarray:
    """NONE: per image g(T_s) exp(lambda (t_acq,s - t_inj)) (spec 2.6; IBSI-SUV DRO_3_4)."""
    factors = np.empty(len(header.datasets))
    for index, (acquisition, duration) in enumerate(
        zip(times.acquisitions, times.frame_duration_s, strict=True)
    ):
        if acquisition is None:
            raise header.error(
                index, tag_label("AcquisitionTime"), "missing; NONE images are corrected per frame."
            )
        if not duration or duration <= 0:
            raise header.error(
                index,
                tag_label("ActualFrameDuration"),
                "missing or zero; NONE images need the frame duration.",
            )
        elapsed = _check_uptake(header, injection, acquisition, "acquisition")
        factors[index] = (
            base * _count_rate_correction(decay_constant, duration) * math.exp(decay_constant * elapsed)
        )
    return factors


def _ge_decay_factor_check(header: _Header, times: _Times, decay_constant: float) -> None:
    """GE cross-check c of spec 2.7: DecayFactor = exp(lambda (Delta + T_ave(T)))."""
    if "GE" not in header.text(0, "Manufacturer").upper():
        return
    for index, ds in enumerate(header.datasets):
        stated = _number(header, index, ds, "DecayFactor")
        reference, duration = times.frame_reference_s[index], times.frame_duration_s[index]
        if stated is None or reference is None or not duration:
            continue
        expected = math.exp(decay_constant * (reference + _average_count_offset(decay_constant, duration)))
        if abs(stated / expected - 1) > GE_DECAY_FACTOR_TOLERANCE:
            header.warn(
                f"{tag_label('DecayFactor')} {stated:g} differs from {expected:.6f} expected from the frame "
                "timing "
                "(GE cross-check); the decay reference may not be the series time."
            )
            return


def _siemens_cross_check(header: _Header, reference: dt.datetime, decay: str) -> None:
    value = header.private(0, SIEMENS_PRIVATE)
    if value is None or decay != "START":
        return
    try:
        stated = DT(value)
    except ValueError:
        return
    stated = dt.datetime.combine(stated.date(), stated.timetz())
    if abs(_seconds(header, reference, stated)) > 1.0:
        header.warn(
            f"{SIEMENS_PRIVATE[3]} {value} differs from the decay reference {_clock(reference)} by > 1 s."
        )


def _philips_factors(header: _Header, patient: _Patient, options: SuvOptions, provenance: dict) -> np.ndarray:
    """Philips CNTS: (7053,1000) SUV factor, else (7053,1009) to Bq/ml then BQML (QIBA order; spec 2.3)."""
    philips = "PHILIPS" in header.text(0, "Manufacturer").upper()
    suv_values = [header.private(i, PHILIPS_SUV) for i in range(len(header.datasets))]
    activity_values = [header.private(i, PHILIPS_ACTIVITY) for i in range(len(header.datasets))]
    if philips and all(v is None for v in suv_values + activity_values):
        suv_values = [header.private(i, PHILIPS_SUV, fallback=True) for i in range(len(header.datasets))]
        activity_values = [
            header.private(i, PHILIPS_ACTIVITY, fallback=True) for i in range(len(header.datasets))
        ]
        if any(v is not None for v in suv_values + activity_values):
            header.warn(
                f"Philips scale factors read without their private creator '{PHILIPS_CREATOR}' (Manufacturer "
                "is Philips; the same exception as for GE in spec 2.1)."
            )

    def as_factors(values: list[str | None], label: str) -> np.ndarray | None:
        if any(v is None for v in values):
            return None
        try:
            numbers = np.asarray([float(v) for v in values])
        except ValueError:
            raise header.error(0, label, f"{values[0]!r} is not a number.") from None
        return numbers if np.all(numbers != 0) else None

    suv = as_factors(suv_values, PHILIPS_SUV[3])
    activity = as_factors(activity_values, PHILIPS_ACTIVITY[3])
    if suv is None and activity is None:
        raise header.error(
            0,
            tag_label("Units"),
            f"CNTS without the Philips private scale factors {PHILIPS_SUV[3]} / {PHILIPS_ACTIVITY[3]} "
            f"(creator '{PHILIPS_CREATOR}'); counts cannot be converted to SUV.",
        )
    if suv is not None:
        provenance["philips_factor_used"] = "(7053,1000) SUV scale factor"
        if activity is not None:
            _philips_cross_check(header, patient, options, suv, activity)
        _record_times_if_possible(header, patient, options, provenance)
        return suv
    provenance["philips_factor_used"] = "(7053,1009) activity concentration scale factor"
    return activity * _bqml_factors(header, patient, options, provenance)


def _philips_cross_check(
    header: _Header, patient: _Patient, options: SuvOptions, suv: np.ndarray, activity: np.ndarray
) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SuvWarning)
            silent = _Header(header.datasets, header.files)
            other = activity * _bqml_factors(silent, patient, options, {})
    except InputError as error:
        header.warn(f"Philips activity route not computable for the cross-check: {error.message}")
        return
    difference = float(np.max(np.abs(other / suv - 1)))
    if difference > PHILIPS_ROUTE_TOLERANCE:
        header.warn(
            f"the Philips SUV factor and the activity-concentration route differ by {100 * difference:.1f}% "
            "(> 2%); the SUV factor (7053,1000) is used."
        )


def _gml_factors(header: _Header, patient: _Patient, options: SuvOptions) -> tuple[np.ndarray, str, float]:
    """GML: the image is an SUV already; decode its SUVType to SUVbw (spec 2.3, 7(h))."""
    suv_type = header.text(0, "SUVType").upper()
    count = len(header.datasets)
    if suv_type in ("", "BW"):
        return np.ones(count), "bw", 1.0
    if suv_type not in GML_SUV_TYPES:
        raise header.error(
            0,
            tag_label("SUVType"),
            f"{suv_type} with Units GML is not decodable; expected BW, LBM, LBMJAMES128, LBMJANMA or IBW "
            "(BSA images use Units CM2ML).",
        )
    weight = _require_weight(header, patient, f"decoding SUVType {suv_type}")
    if suv_type == "IBW":
        normaliser, stored = _ibw(header, patient, options), "ibw"
    else:
        formula: LbmFormula = {"LBM": "james120", "LBMJAMES128": "james", "LBMJANMA": "janmahasatian"}[
            suv_type
        ]
        normaliser, stored = _lbm(header, patient, options, formula), f"lbm_{formula}"
    return np.full(count, weight / normaliser), stored, normaliser / weight


def _record_times_if_possible(
    header: _Header, patient: _Patient, options: SuvOptions, provenance: dict
) -> None:
    """Images already in SUV need no timing; record the uptake when the header allows (``uptake_min``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SuvWarning)
            silent = _Header(header.datasets, header.files)
            record: dict[str, Any] = {}
            _bqml_factors(silent, patient, options, record)
    except InputError:
        return
    for key in (
        "injection_datetime",
        "reference_datetime",
        "reference_time_source",
        "uptake_s",
        "half_life_s",
    ):
        provenance[key] = record[key]


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def suv_scale_factors(
    datasets: Sequence[Dataset],
    normalization: Normalization = "bw",
    *,
    files: Sequence[str] | None = None,
    **options: Any,
) -> np.ndarray:
    """One factor per instance turning the rescaled pixel value into SUV (spec 1-2).

    Parameters
    ----------
    datasets : sequence of pydicom.Dataset
        The instances of one PET series.
    normalization : {"bw", "lbm", "bsa", "ibw", "auto"}, default "bw"
        Body weight, lean body mass (SUL), body surface area (cm^2/ml) or ideal body weight; "auto" is
        the SUV type the image already stores (Units GML/CM2ML), else body weight.
    files : sequence of str, optional
        File of every dataset, for error locations.
    **options
        Fields of :class:`SuvOptions` (``lbm_formula``, ``sex_other``, ``unit_fixes``, ``reference_time``,
        ``weight_kg``, ``height_cm``, ``sex``, ``injected_bq``).

    Returns
    -------
    numpy.ndarray of float64, one factor per dataset (g/Bq for BQML images).

    Examples
    --------
    Spec 7(a): 71 kg, 388.78 MBq at 10:35:00, reference 11:20:11, T1/2 6588 s -> 2.4290140e-4 g/Bq.
    """
    factors = compute_suv_factors(datasets, files, SuvOptions(**options))
    return factors.bw * factors.conversion(normalization)


@dataclass
class SUVVolume:
    """A PET volume in SUV with its geometry and provenance (spec 2.8).

    Attributes
    ----------
    suvbw : numpy.ndarray
        SUVbw, float64, ``[k, j, i]`` (z, y, x).
    geometry : Geometry
        Voxel grid (LPS).
    normalization : str
        The normalisation of :attr:`values`.
    provenance : dict
        Every header value and rule used, JSON-serialisable.
    source : str
        The series folder or NIfTI file read, for error locations; "" for a volume built in memory.
    """

    suvbw: np.ndarray
    geometry: Geometry
    normalization: str
    provenance: dict[str, Any]
    factors: SuvFactors | None
    frame_of_reference_uid: str = ""
    sop_instance_uids: list[str] = field(default_factory=list)
    conversions: dict[str, float] = field(default_factory=dict)
    source: str = ""

    @property
    def values(self) -> np.ndarray:
        """SUV in :attr:`normalization`, float64, ``[k, j, i]`` (z, y, x)."""
        return self.as_normalization(self.normalization)

    def as_normalization(self, normalization: Normalization) -> np.ndarray:
        """The volume in another normalisation (a constant times SUVbw; spec 1.1)."""
        factor = self.conversion(normalization)
        return self.suvbw if factor == 1.0 else self.suvbw * factor

    def conversion(self, normalization: Normalization) -> float:
        """Constant turning SUVbw into ``normalization``; raises InputError when it is not one of the choices
        or cannot be computed."""
        check_choice("normalization", normalization, Normalization)
        if self.factors is not None:
            return self.factors.conversion(normalization)
        if normalization in ("bw", "auto"):
            return 1.0
        if normalization not in self.conversions:
            raise InputError(self.source or "<volume>", [], None, self._unavailable(normalization))
        return self.conversions[normalization]

    def _unavailable(self, normalization: str) -> str:
        """Why a volume without a DICOM header lacks a normalisation, and the way out (spec 1.3-1.5, 6.6)."""
        name, constant = NORMALIZATION_NAMES[normalization]
        record = self.provenance
        refusal = record.get("normalizations_refused", {}).get(normalization)
        if refusal:  # complete patient values that the body-mass formula refused (spec 1.3, 1.5)
            return f"{name} is not computable: {refusal}"
        sex = str(record.get("sex") or "").upper()
        given = {
            ("weight", "--weight-kg KG", "weight_kg=KG"): record.get("weight_kg"),
            ("height", "--height-cm CM", "height_cm=CM"): record.get("height_cm"),
            ("sex", "--sex M|F", "sex='M'"): normalization == "bsa"
            or sex in SEXES
            or (sex in ("O", "") and record.get("sex_other") == "mean"),
        }
        missing = [key for key, value in given.items() if not value]
        if "weight_kg" not in record or not missing:  # built in memory: the Python API gives the constant
            return (
                f"{name} is not available for this volume: give the constant from SUVbw (Python API only: "
                f"SUVVolume.from_array(..., conversions={{'{normalization}': {constant}}}))."
            )
        text = (
            f"{name} needs the patient's {_listed([word for word, _, _ in missing])}, which a NIfTI PET does "
            f"not carry: give {' '.join(option for _, option, _ in missing)} (pet quantify; Python: "
            f"read_nifti_suv(..., {', '.join(python for _, _, python in missing)}))"
        )
        if missing[-1][0] == "sex":
            text += f", or for sex O the mean of the male and female values: {SEX_OTHER_MEAN}"
        return text + "."

    @classmethod
    def from_array(
        cls,
        suvbw: np.ndarray,
        geometry: Geometry,
        *,
        conversions: dict[str, float] | None = None,
        lbm_formula: LbmFormula = "janmahasatian",
        provenance: dict[str, Any] | None = None,
    ) -> SUVVolume:
        """An SUVbw volume not read from DICOM (NIfTI with ``pet_units="suvbw"``, spec 6.6; simulations).

        ``conversions`` gives the constants SUVbw -> other normalisations (``{"lbm": LBM / W}``).
        """
        check_choice("lbm_formula", lbm_formula, LbmFormula)  # the SUL formula the lesion table names
        record = {"lbm_formula": lbm_formula, "patient_id": "", "date": "", "uptake_s": None, "warnings": []}
        record.update(provenance or {})
        return cls(
            suvbw=np.asarray(suvbw, dtype=np.float64),
            geometry=geometry,
            normalization="bw",
            provenance=record,
            factors=None,
            conversions=dict(conversions or {}),
        )

    @property
    def sul_factor(self) -> float:
        """SUL / SUVbw = LBM / W with the chosen LBM formula (spec 1.3)."""
        return self.conversion("lbm")

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        """Voxel spacing in array order (z, y, x) = (dk, dj, di), mm."""
        return self.geometry.spacing_zyx

    @property
    def origin(self) -> np.ndarray:
        """LPS position (mm) of the centre of voxel [0, 0, 0]."""
        return self.geometry.origin

    @property
    def direction(self) -> np.ndarray:
        """3 x 3 matrix, columns = LPS unit vectors of increasing i, j, k."""
        return self.geometry.direction


def read_suv(
    series: str | Path | Sequence[str | Path],
    normalization: Normalization = "auto",
    *,
    nonuniform: Literal["error", "resample"] = "error",
    **options: Any,
) -> SUVVolume:
    """Read a PET DICOM series and convert it to SUV (spec 2, 6).

    Parameters
    ----------
    series : path or sequence of paths
        Folder of the series (searched recursively) or its files.
    normalization : {"auto", "bw", "lbm", "bsa", "ibw"}, default "auto"
        "auto": body weight, or the SUV type the image already stores (Units GML, CM2ML).
    nonuniform : {"error", "resample"}, default "error"
        Non-uniform slice spacing (spec 6.2 step 5).
    **options
        Fields of :class:`SuvOptions`.

    Returns
    -------
    SUVVolume
    """
    pet = read_pet_series(series, nonuniform=nonuniform, resample=False)
    factors = compute_suv_factors(pet.datasets, pet.files, SuvOptions(**options))
    suvbw = pet.values
    suvbw *= factors.bw[:, None, None]
    geometry = pet.geometry
    if is_nonuniform(geometry):
        suvbw, geometry = resample_slices(suvbw, geometry)
        factors._header.warn(
            "non-uniform slice spacing resampled linearly to the median spacing (nonuniform='resample')."
        )
    provenance = factors.provenance
    provenance["max_slice_gap_deviation_mm"] = geometry.max_slice_gap_deviation_mm
    provenance["nonuniform"] = nonuniform
    provenance["patient_id"] = str(pet.datasets[0].get("PatientID", ""))
    provenance["date"] = _iso_date(_series_date_text(factors._header, 0))  # the date the times are read on
    volume = SUVVolume(
        suvbw=suvbw,
        geometry=geometry,
        normalization=normalization,
        provenance=provenance,
        factors=factors,
        frame_of_reference_uid=pet.frame_of_reference_uid,
        sop_instance_uids=pet.sop_instance_uids,
        source=str(series) if isinstance(series, str | Path) else str(Path(pet.files[0]).parent),
    )
    volume.conversion(normalization)  # refuse an unavailable normalisation now, with its located message
    return volume


def _iso_date(text: str) -> str:
    text = text.strip()
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if len(text) >= 8 else ""


def _table_conversions(
    weight_kg: float | None,
    height_cm: float | None,
    sex: str | None,
    lbm_formula: LbmFormula,
    sex_other: SexOther,
    warn: Callable[[str], None],
) -> tuple[dict[str, float], dict[str, str]]:
    """SUVbw -> SUL / SUVbsa / SUVibw constants from patient-table values (spec 1.3-1.5), where computable,
    and the refusal of each one the body-mass formula refused (a mass <= 0, spec 1.3, 1.5), for the
    volume's message when it is asked for; ``warn`` records the James high-BMI warning (1.6) and the
    male/female mean of sex O (1.3)."""
    if not weight_kg or not height_cm:
        return {}, {}
    conversions = {"bsa": 10.0 * body_surface_area_m2(weight_kg, height_cm) / weight_kg}
    refused: dict[str, str] = {}
    sex = (sex or "").upper()  # as the volume's message reads it
    sexes = [sex] if sex in SEXES else (list(SEXES) if sex_other == "mean" and sex in ("O", "") else [])
    if len(sexes) > 1:
        warn(f"sex {sex or 'missing'}: SUL and SUVibw use the mean of the male and female values.")
    elif sexes and lbm_formula == "james":
        _warn_james(weight_kg, height_cm, sexes[0], warn)
    if not sexes:
        return conversions, refused
    masses: dict[str, Callable[[str], float]] = {
        "lbm": lambda s: lean_body_mass_kg(weight_kg, height_cm, s, lbm_formula),
        "ibw": lambda s: ideal_body_weight_kg(height_cm, s),
    }
    for normalization, mass in masses.items():
        try:
            conversions[normalization] = float(np.mean([mass(s) for s in sexes])) / weight_kg
        except InputError as error:
            refused[normalization] = error.message
    return conversions, refused


def read_nifti_suv(
    path: str | Path,
    *,
    pet_units: Literal["suvbw", "bqml"],
    weight_kg: float | None = None,
    height_cm: float | None = None,
    sex: str | None = None,
    lbm_formula: LbmFormula = "janmahasatian",
    sex_other: SexOther = "error",
    injected_bq: float | None = None,
    injection_datetime: dt.datetime | None = None,
    reference_datetime: dt.datetime | None = None,
    decay_correction: Literal["START", "ADMIN"] | None = None,
    half_life_s: float = F18_HALF_LIFE_S,
) -> SUVVolume:
    """A PET volume stored as NIfTI, whose units the user states (spec 6.6).

    Parameters
    ----------
    pet_units : {"suvbw", "bqml"}
        "suvbw": the voxels are SUVbw already. "bqml": activity concentration; SUVbw needs ``weight_kg``,
        ``injected_bq``, ``injection_datetime``, ``decay_correction`` and, unless it is "ADMIN",
        ``reference_datetime``.
    weight_kg, height_cm, sex, lbm_formula, sex_other
        Patient-table values for SUL / SUVbsa / SUVibw (spec 1.3-1.5, 1.8).
    injected_bq, injection_datetime, reference_datetime
        Injected activity (Bq) and its datetime, and the scan reference time ("bqml" only). When only one
        of the datetimes carries a UTC offset, the offset is dropped with a warning (spec 2.4).
    decay_correction : {"START", "ADMIN"}, optional
        "bqml" only, required: the values are decay corrected to ``reference_datetime`` ("START") or to
        the injection ("ADMIN") (spec 2.6, 6.6); there is no default, a wrong guess changes every SUV.

    Raises
    ------
    InputError
        Unknown ``pet_units`` or ``decay_correction``, or a value the "bqml" conversion needs is missing.
    """
    from ioresponse.io.nifti import read_nifti

    check_choice("lbm_formula", lbm_formula, LbmFormula)
    check_choice("sex_other", sex_other, SexOther)
    check_table_values(weight_kg, height_cm)
    values, geometry = read_nifti(path)
    recorder = _Header([], None)  # no header: it records the warnings of the table values
    provenance: dict[str, Any] = {
        "units_in": pet_units,
        "weight_kg": weight_kg,
        "height_cm": height_cm,
        "sex": sex or "",
        "lbm_formula": lbm_formula,
        "sex_other": sex_other,
        "warnings": recorder.warnings,
    }
    if pet_units == "bqml":
        if decay_correction not in (None, "START", "ADMIN"):
            raise InputError(
                str(path), [], "decay_correction", f"{decay_correction!r} is not 'START' or 'ADMIN'."
            )
        needed = {
            "weight_kg": weight_kg,
            "injected_bq": injected_bq,
            "injection_datetime": injection_datetime,
        }
        if decay_correction != "ADMIN":
            needed["reference_datetime"] = reference_datetime
        needed["decay_correction"] = decay_correction
        missing = [name for name, value in needed.items() if value is None]
        if missing:
            convention = (
                " decay_correction is 'START' (values decay corrected to reference_datetime) or 'ADMIN' (to "
                "the injection)."
                if decay_correction is None
                else ""
            )
            raise InputError(
                str(path),
                [],
                ", ".join(missing),
                f"a NIfTI PET in Bq/ml has no header: give {', '.join(missing)} (patient/visit table)."
                + convention,
            )
        _checked_dose(injected_bq)
        if not half_life_s > 0:
            raise InputError(OPTIONS, [], "half_life_s", f"{half_life_s:g} s is not > 0.")
        start = decay_correction == "START"
        uptake = _seconds(recorder, injection_datetime, reference_datetime) if start else 0.0
        if start and not 0 < uptake < MAX_UPTAKE_S:
            raise InputError(
                str(path),
                [],
                "injection_datetime",
                f"injection at {_clock(injection_datetime)} is not before the reference "
                f"{_clock(reference_datetime)}.",
            )
        values = values * (1000.0 * weight_kg / (injected_bq * math.exp(-math.log(2) / half_life_s * uptake)))
        provenance.update(
            uptake_s=uptake if start else None,
            injected_bq=injected_bq,
            decay_correction=decay_correction,
            half_life_s=half_life_s,
        )
    elif pet_units != "suvbw":
        raise InputError(str(path), [], "pet_units", f"{pet_units!r} is not 'suvbw' or 'bqml'.")
    conversions, provenance["normalizations_refused"] = _table_conversions(
        weight_kg, height_cm, sex, lbm_formula, sex_other, recorder.warn
    )
    volume = SUVVolume.from_array(
        values,
        geometry,
        conversions=conversions,
        lbm_formula=lbm_formula,
        provenance=provenance,
    )
    volume.source = str(path)
    return volume
