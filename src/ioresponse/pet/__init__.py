"""PET image quantification: SUV/SUL from DICOM, SULpeak, MTV/TLG, reference regions (spec/pet.md).

Public entry points::

    from ioresponse.pet import read_suv, read_labels, quantify
    volume = read_suv("pet_dir")                  # SUVVolume: .values (z, y, x), .spacing_mm, .provenance
    lesions = quantify(volume, read_labels("rtstruct.dcm", volume), liver_centre=(x, y, z))
"""

from ioresponse.pet.peak import PEAK_METHODS, PeakResult, peak, peak_by_method, sphere_kernel
from ioresponse.pet.quantify import LESION_COLUMNS, quantify, read_labels
from ioresponse.pet.reference import ReferenceRegion, reference_region
from ioresponse.pet.segment import functional_diameter, percist_threshold, segment
from ioresponse.pet.suv import (
    SuvFactors,
    SuvOptions,
    SUVVolume,
    body_surface_area_m2,
    compute_suv_factors,
    ideal_body_weight_kg,
    lean_body_mass_kg,
    read_nifti_suv,
    read_suv,
    suv_scale_factors,
)

__all__ = [
    "LESION_COLUMNS",
    "PEAK_METHODS",
    "PeakResult",
    "ReferenceRegion",
    "SUVVolume",
    "SuvFactors",
    "SuvOptions",
    "body_surface_area_m2",
    "compute_suv_factors",
    "functional_diameter",
    "ideal_body_weight_kg",
    "lean_body_mass_kg",
    "peak",
    "peak_by_method",
    "percist_threshold",
    "quantify",
    "read_labels",
    "read_nifti_suv",
    "read_suv",
    "reference_region",
    "segment",
    "sphere_kernel",
    "suv_scale_factors",
]
