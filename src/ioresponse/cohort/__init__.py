"""Cohort statistics of the result tables: response rates, reclassification, survival, agreement.

Everything here reads the timepoint and best-response tables of spec/anatomic.md 0.9 and never
changes a response.
"""

from ioresponse.cohort.agreement import cohen_kappa, reader_agreement
from ioresponse.cohort.rates import (
    DISEASE_CONTROL_LABELS,
    RESPONDER_LABELS,
    ResponseRateFitter,
    clopper_pearson,
    response_rates,
)
from ioresponse.cohort.reclassification import reclassification_long, reclassification_matrix
from ioresponse.cohort.survival import KaplanMeierByGroup, pfs_durations, response_durations

__all__ = [
    "DISEASE_CONTROL_LABELS", "RESPONDER_LABELS", "KaplanMeierByGroup", "ResponseRateFitter",
    "clopper_pearson", "cohen_kappa", "pfs_durations", "reader_agreement", "reclassification_long",
    "reclassification_matrix", "response_durations", "response_rates",
]
