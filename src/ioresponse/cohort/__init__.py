"""Cohort statistics of the result tables: response rates, reclassification, survival, agreement, TBP.

Everything here reads the timepoint and best-response tables of spec/anatomic.md 0.9 and never
changes a response. The endpoints are those of spec/patterns.md section 7, per criterion.
"""

from ioresponse.cohort.agreement import cohen_kappa, reader_agreement
from ioresponse.cohort.beyond_progression import subsequent_outcome, treatment_beyond_progression
from ioresponse.cohort.rates import (
    DISEASE_CONTROL_LABELS,
    RESPONDER_LABELS,
    Population,
    ResponseRateFitter,
    clopper_pearson,
    disease_control_at_landmark,
    measurable_at_baseline,
    response_column,
    response_rates,
)
from ioresponse.cohort.reclassification import (
    progression_moves,
    reclassification_long,
    reclassification_matrix,
)
from ioresponse.cohort.survival import (
    DEFAULT_LANDMARKS_DAYS,
    KaplanMeierByGroup,
    censored_at_new_therapy,
    median_split,
    os_durations,
    pfs_durations,
    response_durations,
    split_summary,
)

__all__ = [
    "DEFAULT_LANDMARKS_DAYS", "DISEASE_CONTROL_LABELS", "RESPONDER_LABELS", "KaplanMeierByGroup",
    "Population", "ResponseRateFitter", "censored_at_new_therapy", "clopper_pearson", "cohen_kappa",
    "disease_control_at_landmark", "measurable_at_baseline", "median_split", "os_durations", "pfs_durations",
    "progression_moves", "reader_agreement", "reclassification_long", "reclassification_matrix",
    "response_column", "response_durations", "response_rates", "split_summary", "subsequent_outcome",
    "treatment_beyond_progression",
]
