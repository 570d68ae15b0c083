"""Cohort statistics of the result tables: response rates, reclassification, survival, agreement, TBP.

Everything here reads the timepoint and best-response tables of spec/anatomic.md 0.9 and never
changes a response. The endpoints are those of spec/patterns.md section 7, per criterion.

The names below are imported from their module on first use (PEP 562 module ``__getattr__``), so that
importing one module, e.g. ``ioresponse.cohort.rates``, does not load the others (lifelines for survival).
"""

from __future__ import annotations

from ioresponse._lazy import lazy_names

_HOMES = {
    "agreement": ("cohen_kappa", "reader_agreement"),
    "beyond_progression": ("subsequent_outcome", "treatment_beyond_progression"),
    "rates": ("DISEASE_CONTROL_LABELS", "RESPONDER_LABELS", "Population", "ResponseRateFitter",
              "clopper_pearson", "disease_control_at_landmark", "measurable_at_baseline", "response_column",
              "response_rates"),
    "reclassification": ("progression_moves", "reclassification_long", "reclassification_matrix"),
    "survival": ("DEFAULT_LANDMARKS_DAYS", "KaplanMeierByGroup", "censored_at_new_therapy", "median_split",
                 "os_durations", "pfs_durations", "response_durations", "split_summary"),
}
"""The public names, by the module that defines them."""
_MODULE_OF = {name: f"{__name__}.{module}" for module, names in _HOMES.items() for name in names}

__all__ = list(_MODULE_OF)

__getattr__ = lazy_names(__name__, _MODULE_OF)
