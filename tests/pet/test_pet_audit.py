"""Second-round audit of spec/pet.md (SUV/SUL from DICOM, peaks, MTV thresholds, reference regions, I/O).

Only rules not pinned by the other tests of tests/pet and tests/io are checked here. Every expected value is
taken from the spec text, from the documented expected values of shared/data, or computed by hand from the
spec formulas (arithmetic in the comments); none is copied from the code's output. Synthetic series use the
IBSI-SUV settings of tests/pet/_pet_synthetic.py (70 kg, 1.75 m, male, 368.08 MBq injected 2025-01-01
10:00:00, series and acquisition 11:00:00, T1/2 6586.2 s, 300 s frames, FrameReferenceTime 150 s).
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest
from _pet_synthetic import write_series

from ioresponse.io.dicom import Geometry, read_pet_series
from ioresponse.pet import (
    SUVVolume,
    compute_suv_factors,
    peak,
    quantify,
    read_labels,
    read_suv,
    reference_region,
    segment,
    sphere_kernel,
)
from ioresponse.pet.suv import SuvOptions, SuvWarning
from ioresponse.schema import InputError

SUV_HEADERS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "suv_headers"
F_BW_DRO_0_0 = 2.7777812e-4
"""spec 7(g): 70 kg, 368.08 MBq, 3600 s uptake, T1/2 6586.2 s -> F_bw = 70000 / 2.5199969e8 g/Bq."""


def _datasets(tmp_path: Path, header: dict, shape=(2, 4, 4), value: float = 10000.0, **kwargs) -> list:
    """Write a synthetic series and read it back, sorted by InstanceNumber (= slice k + 1)."""
    folder = tmp_path / "series"
    write_series(folder, np.full(shape, value), header, **kwargs)
    datasets = [pydicom.dcmread(p) for p in folder.iterdir()]
    return sorted(datasets, key=lambda ds: int(ds.InstanceNumber))


def _factors(datasets: list, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuvWarning)
        return compute_suv_factors(datasets, options=SuvOptions(**options))


def _read(folder: Path, normalization: str = "bw", **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuvWarning)
        return read_suv(folder, normalization, **options)


def _warned(factors, text: str) -> bool:
    return any(text in w for w in factors.provenance["warnings"])


def _geometry(shape, spacing_xyz=(4.0, 4.0, 4.0)) -> Geometry:
    return Geometry(
        shape=shape,
        spacing=spacing_xyz,
        origin=np.zeros(3),
        direction=np.eye(3),
        slice_positions=np.arange(shape[0]) * spacing_xyz[2],
    )


# ---------------------------------------------------------------------------------------------------
# 2.5 / 2.6 decay factor: half-life, times across midnight, fractional seconds
# ---------------------------------------------------------------------------------------------------


def test_2_5_explicit_injection_datetime_the_day_before_is_used_as_is(tmp_path):
    # spec 2.5 step 1 + 7(g): injection DT 2024-12-31 23:30:00, SeriesDate/Time 2025-01-01 00:30:00 -> uptake
    # 3600 s across midnight without any shift or midnight warning; F_bw = 70000 / (368.08e6 x 0.68463292)
    # = 2.7777812e-4 g/Bq (the DRO_0_0 number of 7(g)).
    header = {
        "RadiopharmaceuticalStartDateTime": "20241231233000",
        "SeriesTime": "003000",
        "AcquisitionTime": "003000",
    }
    factors = _factors(_datasets(tmp_path, header))
    assert factors.provenance["uptake_s"] == pytest.approx(3600.0, abs=1e-6)
    assert factors.bw[0] == pytest.approx(F_BW_DRO_0_0, rel=1e-7)
    assert not _warned(factors, "midnight")


def test_2_5_midnight_rule_for_none_and_per_frame_correction(tmp_path):
    # spec 2.5 step 2 ("for ADMIN/NONE, later than the earliest acquisition datetime") and 2.6 NONE:
    # time-only injection 23:30:00 on SeriesDate 2025-01-02 is after the acquisition 00:30:00 -> 2025-01-01.
    # Factor = 1000 W / A_inj x g(T) x exp(lambda 3600) = F_bw(DRO_0_0) x g(300 s);
    # lambda T = 1.05242352e-4 x 300 = 0.031572706, g = x / (1 - e^-x) = 1.0158694
    # -> 2.7777812e-4 x 1.0158694 = 2.8218630e-4 g/Bq.
    header = {
        "DecayCorrection": "NONE",
        "CorrectedImage": ["ATTN"],
        "RadiopharmaceuticalStartDateTime": None,
        "RadiopharmaceuticalStartTime": "233000",
        "SeriesDate": "20250102",
        "SeriesTime": "003000",
        "AcquisitionDate": "20250102",
        "AcquisitionTime": "003000",
    }
    factors = _factors(_datasets(tmp_path, header))
    assert factors.provenance["injection_datetime"] == "2025-01-01 23:30:00"
    assert factors.provenance["reference_time_source"] == "none_per_frame"
    assert factors.bw == pytest.approx(np.full(2, 2.8218630e-4), rel=1e-7)
    assert _warned(factors, "midnight")


def test_2_6_half_life_is_read_from_the_header_ga68(tmp_path):
    # spec 2.6 lambda = ln 2 / (0018,1075); IBSI-SUV DRO_5_0 uses Ga-68, T1/2 4057.7 s (2.11).
    # 3600 / 4057.7 = 0.88720211; 2^-0.88720211 = 0.54066163; F_bw = 70000 / (368.08e6 x 0.54066163)
    # = 3.5174689e-4 g/Bq (an F-18 half-life would give 2.7777812e-4).
    factors = _factors(_datasets(tmp_path, {"RadionuclideHalfLife": 4057.7}))
    assert factors.provenance["half_life_s"] == 4057.7
    assert factors.bw[0] == pytest.approx(3.5174689e-4, rel=1e-7)


def test_2_4_fractional_seconds_of_the_injection_datetime_are_kept(tmp_path):
    # spec 2.4 "keep fractional seconds": injection 10:00:00.5, reference 11:00:00 -> uptake 3599.5 s.
    factors = _factors(_datasets(tmp_path, {"RadiopharmaceuticalStartDateTime": "20250101100000.500000"}))
    assert factors.provenance["uptake_s"] == pytest.approx(3599.5, abs=1e-6)


def test_2_1_acquisition_datetime_is_used_instead_of_date_and_time(tmp_path):
    # spec 2.1 (0008,002A) "used instead of date + time when present". AcquisitionDateTime 11:05:00 but
    # AcquisitionTime 11:00:00, SeriesTime 11:03:00: the earliest acquisition is 11:05:00, so SeriesTime is
    # not after it and is t_ref (rule 3): uptake 3780 s, F_bw = 70000 / (368.08e6 x 2^(-3780/6586.2))
    # = 2.8309041e-4. (Reading AcquisitionTime would make SeriesTime "after" and give another reference.)
    header = {
        "AcquisitionDateTime": "20250101110500",
        "AcquisitionTime": "110000",
        "SeriesTime": "110300",
        "FrameReferenceTime": None,
    }
    factors = _factors(_datasets(tmp_path, header))
    assert factors.provenance["reference_time_source"] == "series"
    assert factors.provenance["uptake_s"] == pytest.approx(3780.0, abs=1e-6)
    assert factors.bw[0] == pytest.approx(2.8309041e-4, rel=1e-7)


# ---------------------------------------------------------------------------------------------------
# 2.7 cross-checks (b) Siemens private datetime and (c) GE DecayFactor: warnings only
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("private", "warns"), [("20250101105000", True), ("20250101110000.5", False)])
def test_2_7_cross_check_b_siemens_private_datetime(tmp_path, private, warns):
    # spec 2.7 (b): warn if (0071,1022) (creator SIEMENS MED PT) differs from t_ref by more than 1 s.
    # t_ref = SeriesTime 11:00:00 (rule 3); 10:50:00 is 600 s away -> warning; 11:00:00.5 is 0.5 s -> none.
    # Warnings never change a number: uptake 3600 s, F_bw = 2.7777812e-4 either way.
    datasets = _datasets(tmp_path, {"Manufacturer": "SIEMENS"})
    for ds in datasets:
        ds.private_block(0x0071, "SIEMENS MED PT", create=True).add_new(0x22, "DT", private)
    factors = _factors(datasets)
    assert _warned(factors, "(0071,1022)") is warns
    assert factors.provenance["uptake_s"] == pytest.approx(3600.0, abs=1e-6)
    assert factors.bw[0] == pytest.approx(F_BW_DRO_0_0, rel=1e-7)


@pytest.mark.parametrize(("decay_factors", "warns"), [((1.012679, 1.038904), False), ((1.0, 1.0), True)])
def test_2_7_cross_check_c_ge_decay_factor(tmp_path, decay_factors, warns):
    # spec 2.7 (c) and 7(k): for GE, DecayFactor = exp(lambda (Delta + T_ave(T))) = exp(lambda Delta) g(T);
    # T1/2 6588 s, T = 240 s: lambda T = 0.025251264, g = 1.012679; beds at Delta = 0 and 243 s give
    # 1.012679 and 1.038904 (7(k)) -> no warning. 1.0 differs from 1.012679 by 1.3% (> 0.1%) -> warning,
    # the factor is unchanged (t_ref = SeriesTime 11:00:00, uptake 3600 s).
    header = {
        "Manufacturer": "GE MEDICAL SYSTEMS",
        "RadionuclideHalfLife": 6588.0,
        "ActualFrameDuration": 240000,
    }
    per_slice = {"FrameReferenceTime": [0, 243000], "DecayFactor": list(decay_factors)}
    factors = _factors(_datasets(tmp_path, header, per_slice=per_slice))
    assert _warned(factors, "(0054,1321) DecayFactor") is warns
    assert factors.provenance["reference_time_source"] == "series"
    assert factors.bw[0] == pytest.approx(70000 / (368.08e6 * 2 ** (-3600 / 6588)), rel=1e-9)


# ---------------------------------------------------------------------------------------------------
# 2.3 units: Philips CNTS per slice, GML / CM2ML without timing, GML IBW for women
# ---------------------------------------------------------------------------------------------------


def test_2_3_philips_suv_scale_factor_is_applied_per_slice(tmp_path):
    # spec 2.3 CNTS: "SUVbw = U x f_SUV (f per slice)". 10000 counts on both slices, f = 0.0005 on slice 0
    # and 0.0004 on slice 1 -> SUVbw 5.0 and 4.0 (int16 storage: 4-5 significant digits).
    folder = tmp_path / "cnts"
    write_series(
        folder,
        np.full((2, 4, 4), 10000.0),
        {"Manufacturer": "Philips", "Units": "CNTS"},
        per_slice={"PhilipsSUVScaleFactor": [0.0005, 0.0004]},
    )
    volume = _read(folder)
    assert volume.values[0] == pytest.approx(np.full((4, 4), 5.0), rel=1e-4)
    assert volume.values[1] == pytest.approx(np.full((4, 4), 4.0), rel=1e-4)
    assert volume.provenance["philips_factor_used"]


def test_2_3_gml_needs_no_injection_data(tmp_path):
    # spec 2.3: "Images already in SUV units need no times or activity". GML/BW without any
    # RadiopharmaceuticalInformationSequence: SUVbw = U = 3.0.
    header = {
        "Units": "GML",
        "SUVType": "BW",
        "RadiopharmaceuticalStartDateTime": None,
        "RadionuclideTotalDose": None,
        "RadionuclideHalfLife": None,
    }
    folder = tmp_path / "gml"
    write_series(folder, np.full((2, 4, 4), 3.0), header)
    assert _read(folder).values == pytest.approx(np.full((2, 4, 4), 3.0), rel=1e-4)


def test_2_3_cm2ml_read_back_as_suvbsa_gives_the_stored_value(tmp_path):
    # spec 2.3 CM2ML: SUVbw = U x W / (10 BSA); spec 1.1: SUVbsa = SUVbw x N_bsa / (1000 W)
    # = SUVbw x 10 BSA / W, so asking for "bsa" returns U itself (0.5 cm^2/ml) whatever BSA is.
    folder = tmp_path / "cm2ml"
    write_series(folder, np.full((2, 4, 4), 0.5), {"Units": "CM2ML"})
    assert _read(folder, "bsa").values == pytest.approx(np.full((2, 4, 4), 0.5), rel=1e-4)


def test_2_3_gml_ibw_decodes_with_the_female_formula(tmp_path):
    # spec 2.3 / 1.5: SUVType IBW, sex F, 70 kg, 1.75 m: IBW = 45.5 + 0.91 x 23 = 66.43 kg;
    # SUVbw = U x 70 / 66.43 = 2.0 x 1.0537408 = 2.1074816.
    folder = tmp_path / "ibw"
    write_series(folder, np.full((2, 4, 4), 2.0), {"Units": "GML", "SUVType": "IBW", "PatientSex": "F"})
    assert _read(folder).values == pytest.approx(np.full((2, 4, 4), 2.1074816), rel=1e-4)


# ---------------------------------------------------------------------------------------------------
# 1.3-1.6 body-size normalisations through the DICOM header
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("normalization", "formula", "normaliser_kg"),
    [
        # spec 7(b), "Same W/H if the patient were female": James 75.97 - 23.54715 = 52.42285 kg
        ("lbm", "james", 52.42285),
        # Janmahasatian 658170 / (8780 + 244 x 22.408787) = 658170 / 14247.744 = 46.19468 kg
        ("lbm", "janmahasatian", 46.19468),
        # spec 1.5 female IBW = 45.5 + 0.91 x (178 - 152) = 45.5 + 23.66 = 69.16 kg
        ("ibw", "janmahasatian", 69.16),
    ],
)
def test_1_3_1_5_female_normalisations_from_the_header(tmp_path, normalization, formula, normaliser_kg):
    # spec 1.1: SUV_x = SUVbw x N_x / (1000 W); header F, 71 kg, PatientSize 1.78 m.
    header = {"PatientWeight": 71.0, "PatientSize": 1.78, "PatientSex": "F"}
    factors = _factors(_datasets(tmp_path, header), lbm_formula=formula)
    assert factors.conversion(normalization) == pytest.approx(normaliser_kg / 71.0, rel=1e-6)


@pytest.mark.parametrize(("weight", "warns"), [(131.0, False), (132.0, True)])
def test_1_6_james_warning_at_the_male_turning_bmi(tmp_path, weight, warns):
    # spec 1.6: men turn at BMI 10^4 x 1.10 / 256 = 42.97 (quoted 43.0). At 1.75 m: 131 kg -> 131 / 3.0625
    # = 42.78 (no warning), 132 kg -> 43.10 (warning). LBM = 1.10 W - 128 (W/175)^2 either way.
    factors = _factors(_datasets(tmp_path, {"PatientWeight": weight}), lbm_formula="james")
    assert factors.conversion("lbm") == pytest.approx((1.10 * weight - 128 * (weight / 175) ** 2) / weight)
    assert _warned(factors, "James") is warns


def test_1_3_james_male_lbm_below_zero_is_refused(tmp_path):
    # spec 1.3 "A computed LBM <= 0 ... is an InputError": M 230 kg, 1.60 m (BMI 89.8 > 85.9):
    # 1.10 x 230 - 128 x (230/160)^2 = 253 - 264.5 = -11.5 kg. SUVbw is still produced.
    factors = _factors(
        _datasets(tmp_path, {"PatientWeight": 230.0, "PatientSize": 1.60}), lbm_formula="james"
    )
    assert factors.bw[0] == pytest.approx(230000 / (368.08e6 * 2 ** (-3600 / 6586.2)), rel=1e-9)
    with pytest.raises(InputError):
        factors.conversion("lbm")


# ---------------------------------------------------------------------------------------------------
# shared/data/suv_headers: the GE and Siemens sample series recomputed by hand, plus their SUL
# ---------------------------------------------------------------------------------------------------


def _case(tmp_path: Path, name: str) -> list:
    """The case's header extract written as real DICOM (one slice per instance)."""
    instances = json.loads((SUV_HEADERS / "metadata" / f"{name}-instances.json").read_text())
    headers = []
    for instance in instances:
        header = {"PatientSize": None, "RadiopharmaceuticalStartDateTime": None}
        for key, value in instance.items():
            if key != "PhilipsPETPrivateGroup":
                header[key] = value.strip() if isinstance(value, str) else value
        headers.append(header)
    keys = sorted({k for h in headers for k in h})
    return _datasets(
        tmp_path, {}, shape=(len(headers), 4, 4), per_slice={k: [h.get(k) for h in headers] for k in keys}
    )


def test_suv_headers_ge_case_by_hand_and_its_sul(tmp_path):
    # GE_MEDICAL_AND_BQML (expected.csv suvbw 0.0005367387681819742): F 52 kg, 1.65 m, 152022720 Bq at
    # 08:45:00, SeriesTime = AcquisitionTime 09:56:21 (rule 3) -> uptake 1 h 11 min 21 s = 4281 s;
    # F_bw = 52000 / (152022720 x 2^(-4281/6586.2001953125)) = 5.3673877e-4.
    # SUL (not in the case file; spec 1.3, female): BMI = 52 / 1.65^2 = 19.100092;
    # Janmahasatian = 482040 / (8780 + 244 x 19.100092) = 482040 / 13440.422 = 35.864944 kg;
    # James = 1.07 x 52 - 148 x (52/165)^2 = 55.64 - 14.699431 = 40.940569 kg; IBW = 45.5 + 0.91 x 13 = 57.33.
    factors = _factors(_case(tmp_path, "GE_MEDICAL_AND_BQML"))
    assert factors.provenance["reference_time_source"] == "series"
    assert factors.provenance["uptake_s"] == pytest.approx(4281.0, abs=1e-6)
    assert factors.bw[0] == pytest.approx(0.0005367387681819742, rel=1e-7)
    assert factors.conversion("lbm") == pytest.approx(35.864944 / 52, rel=1e-7)
    assert factors.conversion("ibw") == pytest.approx(57.33 / 52, rel=1e-12)
    james = _factors(_case(tmp_path / "j", "GE_MEDICAL_AND_BQML"), lbm_formula="james")
    assert james.conversion("lbm") == pytest.approx(40.940569 / 52, rel=1e-7)


def test_suv_headers_siemens_case_by_hand_without_cross_check_warning(tmp_path):
    # SIEMENS (expected.csv suvbw 0.00042748316187197236): M 67 kg, 374 MBq at 08:30:45, SeriesTime 10:48:29
    # before AcquisitionTime 10:48:30.35137 (rule 3) -> uptake 2 h 17 min 44 s = 8264 s;
    # F_bw = 67000 / (374e6 x 2^(-8264/6586.2)) = 4.2748316e-4.
    # Cross-check (a) of 2.7: back-computed r = 10:48:30.351 + T_ave(74.324 s) - 38.513 s, T_ave ~ T/2 -
    # lambda T^2 / 12 = 37.114 s -> 10:48:28.95, 0.05 s from SeriesTime (< 120 s) -> no warning.
    # No PatientSize in the extract: SUL needs (0010,1020) (spec 2.8).
    factors = _factors(_case(tmp_path, "SIEMENS"))
    assert factors.provenance["reference_time_source"] == "series"
    assert factors.provenance["uptake_s"] == pytest.approx(8264.0, abs=1e-6)
    assert factors.bw[0] == pytest.approx(0.00042748316187197236, rel=1e-7)
    assert not _warned(factors, "back-computed")
    with pytest.raises(InputError, match=r"\(0010,1020\) PatientSize"):
        factors.conversion("lbm")


# ---------------------------------------------------------------------------------------------------
# 0.4 / 2.2 refusals name the DICOM tag, and locate file and row
# ---------------------------------------------------------------------------------------------------


def test_0_4_error_names_the_file_and_instance_number_of_the_bad_slice(tmp_path):
    # spec 0.4: file = the file path, row = InstanceNumber, column "(gggg,eeee) Keyword". NONE needs
    # ActualFrameDuration per image (2.6); it is missing on the second slice only (InstanceNumber 2).
    folder = tmp_path / "none"
    paths = write_series(
        folder,
        np.full((2, 4, 4), 10000.0),
        {"DecayCorrection": "NONE", "CorrectedImage": ["ATTN"]},
        per_slice={"ActualFrameDuration": [300000, None]},
    )
    with pytest.raises(InputError) as raised:
        _read(folder)
    assert raised.value.column == "(0018,1242) ActualFrameDuration"
    assert Path(raised.value.file).name == paths[1].name
    assert raised.value.rows == [2]


NO_RADIOPHARMACEUTICAL = {
    "RadiopharmaceuticalStartDateTime": None,
    "RadionuclideTotalDose": None,
    "RadionuclideHalfLife": None,
}


@pytest.mark.parametrize(
    ("header", "per_slice", "column"),
    [
        # 2.2 item 7: the whole sequence is missing
        (NO_RADIOPHARMACEUTICAL, None, r"\(0054,0016\) RadiopharmaceuticalInformationSequence"),
        # 2.4: an unparsable DT / TM names its attribute
        ({"RadiopharmaceuticalStartDateTime": "notadate"}, None, r"\(0018,1078\)"),
        ({"DecayCorrectionDateTime": "garbage"}, None, r"\(0018,9701\) DecayCorrectionDateTime"),
        # 2.6 NONE is corrected per image with its own acquisition time
        (
            {"DecayCorrection": "NONE", "CorrectedImage": ["ATTN"], "AcquisitionTime": None},
            None,
            r"\(0008,0032\) AcquisitionTime",
        ),
        # 2.2 item 3 also for ADMIN: "START or ADMIN but CorrectedImage lacks DECY"
        ({"DecayCorrection": "ADMIN", "CorrectedImage": ["ATTN"]}, None, r"\(0028,0051\) CorrectedImage"),
        # 2.3 CM2ML decoding needs the height; 2.3 GML LBMJANMA needs the sex
        ({"Units": "CM2ML", "PatientSize": None}, None, r"\(0010,1020\) PatientSize"),
        ({"Units": "GML", "SUVType": "LBMJANMA", "PatientSex": None}, None, r"\(0010,0040\) PatientSex"),
        # 2.2 item 4: series-level attributes that differ between instances
        ({}, {"SeriesTime": ["110000", "110001"]}, r"\(0008,0031\) SeriesTime"),
        ({}, {"Units": ["BQML", "GML"]}, r"\(0054,1001\) Units"),
        ({}, {"DecayCorrection": ["START", "ADMIN"]}, r"\(0054,1102\) DecayCorrection"),
    ],
)
def test_2_2_refusals_name_the_tag(tmp_path, header, per_slice, column):
    datasets = _datasets(tmp_path, header, per_slice=per_slice)
    with pytest.raises(InputError, match=column):
        _factors(datasets)


def _rewrite(path: Path, **attributes) -> None:
    ds = pydicom.dcmread(path)
    for key, value in attributes.items():
        setattr(ds, key, value)
    ds.save_as(path)


@pytest.mark.parametrize(
    ("attributes", "column"),
    [
        # 2.2 item 4 / 6.2: PixelSpacing must be one value per series
        ({"PixelSpacing": [4.0, 3.0]}, r"\(0028,0030\) PixelSpacing"),
        # 6.2 step 1: |u| = |v| = 1 and u.v = 0 within 1e-4
        ({"ImageOrientationPatient": [1, 0, 0, 0.5, 0.5, 0]}, r"\(0020,0037\) ImageOrientationPatient"),
    ],
)
def test_6_2_geometry_refusals_name_the_tag(tmp_path, attributes, column):
    paths = write_series(tmp_path / "g", np.full((3, 4, 4), 100.0), reverse_files=False)
    for path in paths if "ImageOrientationPatient" in attributes else paths[1:2]:
        _rewrite(path, **attributes)
    with pytest.raises(InputError, match=column):
        read_pet_series(tmp_path / "g")


def test_0_4_provenance_holds_the_listed_keys(tmp_path):
    # spec 0.4: "Each converted scan carries a provenance record ... with at least: series_uid, manufacturer,
    # units_in, decay_correction, injection_datetime, reference_datetime, reference_time_source, uptake_s,
    # half_life_s, injected_bq, weight_kg, height_cm, sex, lbm_formula, ..., suv_bw_factor, ...,
    # unit_fixes_applied, ..., warnings". (lbm_kg is checked separately below.)
    folder = tmp_path / "p"
    write_series(folder, np.full((2, 4, 4), 10000.0), {})
    provenance = _read(folder).provenance
    for key in (
        "series_uid",
        "manufacturer",
        "units_in",
        "decay_correction",
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
        "suv_bw_factor",
        "unit_fixes_applied",
        "warnings",
    ):
        assert key in provenance, key
    assert provenance["uptake_s"] == pytest.approx(3600.0)
    assert provenance["suv_bw_factor"] == pytest.approx(F_BW_DRO_0_0, rel=1e-7)


def test_0_4_provenance_has_lbm_kg_when_the_header_allows_it(tmp_path):
    # Janmahasatian male 70 kg, 1.75 m: BMI 22.857143, LBM = 648900 / (6680 + 4937.1429) = 55.857108 kg.
    folder = tmp_path / "p"
    write_series(folder, np.full((2, 4, 4), 10000.0), {})
    provenance = _read(folder).provenance
    assert provenance.get("lbm_kg") == pytest.approx(55.857108, rel=1e-7)


# ---------------------------------------------------------------------------------------------------
# 3 peaks: the 1 ml sphere radius, the supersampling examples, the returned fields
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("spacing", "voxels"), [(3.10, 33), (3.11, 27)])
def test_3_1_centre_rule_kernel_pins_the_1_ml_radius(spacing, voxels):
    # spec 3.1: r = (3000 / 4 pi)^(1/3) = 6.2035 mm, r^2 = 38.4835 mm^2. At 3.10 mm the offsets (2,0,0)
    # (6.20 mm, 4 x 9.61 = 38.44 <= r^2) are inside: |o|^2 <= 4 -> 1 + 6 + 12 + 8 + 6 = 33 voxels. At 3.11 mm
    # they are at 6.22 mm (38.688 > r^2): |o|^2 <= 3 -> 1 + 6 + 12 + 8 = 27 voxels.
    kernel = sphere_kernel((spacing, spacing, spacing), "centre")
    assert int(np.count_nonzero(kernel)) == voxels


@pytest.mark.parametrize(
    ("n", "voxels", "volume_ml", "tolerance"), [(10, 27, 0.986, 5e-4), (40, None, 0.9996, 5e-5)]
)
def test_3_3_fractional_kernel_with_other_supersampling(n, voxels, volume_ml, tolerance):
    # spec 3.3: "(n = 10 would give 27 voxels and 0.986 ml; n = 40 gives 0.9996 ml.)" at 4 mm isotropic.
    kernel = sphere_kernel((4.0, 4.0, 4.0), "fractional", n)
    if voxels is not None:
        assert int(np.count_nonzero(kernel)) == voxels
    assert kernel.sum() * 0.064 == pytest.approx(volume_ml, abs=tolerance)


def test_3_6_peak_result_reports_the_centre_in_lps():
    # One hot voxel at (k, j, i) = (3, 4, 5) on a 4 mm grid with origin 0 and identity direction ->
    # centre_lps = (4 x 5, 4 x 4, 4 x 3) = (20, 16, 12) mm.
    image = np.ones((7, 9, 11))
    image[3, 4, 5] = 9.0
    mask = np.zeros(image.shape, dtype=bool)
    mask[3, 4, 5] = True
    result = peak(image, mask, (4.0, 4.0, 4.0))
    assert result.centre_index == (3, 4, 5)
    assert tuple(result.centre_lps) == pytest.approx((20.0, 16.0, 12.0))


# ---------------------------------------------------------------------------------------------------
# 0.3 / 4.2 threshold tolerance at the boundary; 4.4 MTV from slice positions
# ---------------------------------------------------------------------------------------------------


def _row(values: list[float]) -> np.ndarray:
    image = np.zeros((1, 1, len(values)))
    image[0, 0, :] = values
    return image


def test_0_3_relative_threshold_tolerance_scales_with_the_threshold():
    # spec 0.3: value >= t - 1e-9 max(1, |t|). SUVmax 10, 41% -> t = 4.1, tolerance 4.1e-9:
    # 4.1 - 3e-9 is in, 4.1 - 6e-9 is out (keep="all" so connectivity plays no role).
    image = _row([10.0, 4.1 - 3e-9, 4.1 - 6e-9, 4.1])
    mask, threshold = segment(image, np.ones(image.shape, dtype=bool), keep="all")
    assert threshold == pytest.approx(4.1, abs=1e-12)
    assert mask[0, 0].tolist() == [True, True, False, True]


def test_0_3_threshold_below_one_uses_an_absolute_tolerance_of_1e_9():
    # spec 0.3: max(1, |t|) = 1 for t = 0.41 x 2.0 = 0.82 -> tolerance 1e-9 (not 0.82e-9):
    # 0.82 - 0.9e-9 is in, 0.82 - 1.2e-9 is out.
    image = _row([2.0, 0.82 - 0.9e-9, 0.82 - 1.2e-9])
    mask, _ = segment(image, np.ones(image.shape, dtype=bool), keep="all")
    assert mask[0, 0].tolist() == [True, True, False]


def test_0_3_absolute_threshold_2_5_boundary():
    # spec 4.2 absolute 2.5 with the tolerance of 0.3 (2.5e-9): 2.5 and 2.5 - 2e-9 in, 2.5 - 3e-9 out.
    image = _row([6.0, 2.5, 2.5 - 2e-9, 2.5 - 3e-9])
    mask, _ = segment(image, np.ones(image.shape, dtype=bool), method="absolute", keep="all")
    assert mask[0, 0].tolist() == [True, True, True, False]


def test_4_4_mtv_uses_the_slice_spacing_from_positions_not_slice_thickness(tmp_path):
    # spec 4.4: mtv_ml = n x di x dj x dk / 1000, "dk is the slice spacing from positions (6.2), never
    # SliceThickness". Slices 3.27 mm apart with SliceThickness 5.0; one hot voxel (SUVbw 10 in 1):
    # MTV = 4 x 4 x 3.27 / 1000 = 0.05232 ml, TLG = 10 x 0.05232 = 0.5232.
    truth = np.ones((5, 5, 5))
    truth[2, 2, 2] = 10.0
    folder = tmp_path / "thick"
    write_series(
        folder,
        truth * 368.08e6 / 70000,  # ADMIN: C = SUVbw x A_inj / (1000 W)
        {"DecayCorrection": "ADMIN", "SliceThickness": 5.0},
        spacing_zyx=(3.27, 4.0, 4.0),
    )
    volume = _read(folder)
    row = quantify(volume, {"1": np.ones(truth.shape, dtype=bool)}).iloc[0]
    assert row["mtv_ml"] == pytest.approx(0.05232, rel=1e-9)
    assert row["tlg"] == pytest.approx(0.5232, rel=1e-4)


# ---------------------------------------------------------------------------------------------------
# 5 reference regions: boundary voxels exactly at the radius / half-length
# ---------------------------------------------------------------------------------------------------


def test_5_1_liver_sphere_includes_voxels_exactly_15_mm_away():
    # spec 5.1: centres within 15 mm (inclusive). 5 mm isotropic: offsets with a^2 + b^2 + c^2 <= 9, counted
    # by |o|^2 = 0..9: 1 + 6 + 12 + 8 + 6 + 24 + 24 + 0 + 12 + 30 = 123 voxels (the 6 axis voxels at
    # exactly 15 mm included) -> 123 x 0.125 = 15.375 ml.
    geometry = _geometry((9, 9, 9), (5.0, 5.0, 5.0))
    region = reference_region(np.ones((9, 9, 9)), geometry, (4, 4, 4), centre_is_index=True)
    assert region.voxel_count == 123
    assert region.volume_ml == pytest.approx(15.375, abs=1e-12)


def test_5_2_blood_pool_cylinder_boundaries_are_inclusive():
    # spec 5.2: sqrt(dx^2 + dy^2) <= 5 mm and |dz| <= 10 mm. 2.5 mm pixels: a^2 + b^2 <= 4 ->
    # 1 + 4 + 4 + 4 = 13 per slice (the (2,0) pixels at exactly 5 mm included); 5 mm slices: dz = 0, +-5,
    # +-10 -> 5 slices; 65 voxels.
    geometry = _geometry((7, 7, 7), (2.5, 2.5, 5.0))
    region = reference_region(
        np.ones((7, 7, 7)), geometry, (3, 3, 3), kind="blood_pool", centre_is_index=True
    )
    assert region.voxel_count == 65


# ---------------------------------------------------------------------------------------------------
# 4.6 lesion identity from label files (new-lesion counts)
# ---------------------------------------------------------------------------------------------------


def test_4_6_label_values_are_lesions_and_binary_masks_are_split(tmp_path):
    # spec 4.6: distinct integers -> one lesion per value (label 2 in two disjoint parts stays one lesion);
    # a binary mask (all lesions value 1) is split into 26-connected components: here two blobs -> 2 lesions.
    shape = (4, 10, 10)
    volume = SUVVolume.from_array(np.ones(shape), _geometry(shape))
    affine = np.diag([-4.0, -4.0, 4.0, 1.0])  # nibabel (i, j, k) at RAS (-4i, -4j, 4k) = LPS (4i, 4j, 4k)
    multi = np.zeros(shape, dtype=np.int16)
    multi[1, 1, 1] = 1
    multi[1, 5, 5] = 2
    multi[2, 8, 8] = 2
    nib.save(nib.Nifti1Image(multi.transpose(2, 1, 0), affine), tmp_path / "multi.nii.gz")
    lesions = read_labels(tmp_path / "multi.nii.gz", volume)
    assert len(lesions) == 2
    assert sorted(int(m.sum()) for m in lesions.values()) == [1, 2]
    binary = np.zeros(shape, dtype=np.int16)
    binary[1, 1, 1] = binary[2, 2, 2] = 1  # corner contact: one lesion
    binary[1, 6, 6] = binary[1, 6, 7] = 1  # a second lesion
    nib.save(nib.Nifti1Image(binary.transpose(2, 1, 0), affine), tmp_path / "binary.nii.gz")
    split = read_labels(tmp_path / "binary.nii.gz", volume)
    assert len(split) == 2
    assert sorted(int(m.sum()) for m in split.values()) == [2, 2]


def test_sanity_constants_of_the_hand_arithmetic():
    # The lambda and decay values quoted from spec 7 that the comments above rely on.
    assert math.isclose(math.log(2) / 6586.2, 1.05242352e-4, rel_tol=1e-8)
    assert math.isclose(2 ** (-3600 / 6586.2), 0.68463292, rel_tol=1e-8)
    assert math.isclose(70000 / (368.08e6 * 0.68463292), F_BW_DRO_0_0, rel_tol=1e-7)
