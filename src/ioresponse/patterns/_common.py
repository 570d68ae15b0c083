"""What every pattern rule shares: three-valued logic, thresholds, time units and the output table.

Source: spec/patterns.md section 0 (0.1 time, 0.3 three-valued results, 0.4 thresholds, 0.6 output rows).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_type_hints

import pandas as pd

from ioresponse.schema import DAY, PATIENT, READER, coerce_option

DAYS_PER_MONTH = 30.4375
"""Days per month, 365.25 / 12, as in the Gustave Roussy TGR reference code (spec 0.1)."""

THRESHOLD_TOLERANCE = 1e-9
"""Non-strict x >= t is tested as x >= t - 1e-9, strict x > t as x > t + 1e-9 (spec 0.4)."""

Flag = bool | None
"""A three-valued result: True, False, or None for not evaluable (spec 0.3)."""

FlagText = Literal["true", "false", "not_evaluable"]

PATTERN_COLUMNS = (
    PATIENT,
    READER,
    "pattern",
    "definition",
    "episode",
    "date",
    DAY,
    "flag",
    "values",
    "evidence",
    "reason",
)
"""Columns of the patterns table (spec/patterns.md 0.6, plus ``reader`` and ``day``)."""


def months(days: float) -> float:
    """Days to months, ``d / 30.4375`` (spec 0.1)."""
    return days / DAYS_PER_MONTH


def flag_text(flag: Flag) -> FlagText:
    """The output spelling of a three-valued flag (spec 0.3)."""
    if flag is None:
        return "not_evaluable"
    return "true" if flag else "false"


def all_of(parts: Iterable[Flag]) -> Flag:
    """AND (spec 0.3): false if any part is false, true if all are true, else not evaluable."""
    values = list(parts)
    if any(p is False for p in values):
        return False
    if all(p is True for p in values):
        return True
    return None


def any_of(parts: Iterable[Flag]) -> Flag:
    """OR (spec 0.3): true if any part is true, false if all are false, else not evaluable."""
    values = list(parts)
    if any(p is True for p in values):
        return True
    if all(p is False for p in values):
        return False
    return None


def at_least(k: int, parts: Iterable[Flag]) -> Flag:
    """ "At least k of n" (spec 0.3): true if #true >= k, false if #true + #not_evaluable < k."""
    values = list(parts)
    n_true = sum(p is True for p in values)
    n_unknown = sum(p is None for p in values)
    if n_true >= k:
        return True
    if n_true + n_unknown < k:
        return False
    return None


def known(x: float | None) -> bool:
    """A number that can be compared (not None, not NaN)."""
    if x is None or isinstance(x, str):
        return False
    if isinstance(x, float | int):  # the common case, without pandas' generic test
        return not math.isnan(x)
    return not bool(pd.isna(x))


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts of Python values, like ``to_dict("records")`` but column-wise."""
    names = list(frame.columns)
    rows = zip(*(frame[c].tolist() for c in names), strict=True)
    return [dict(zip(names, row, strict=True)) for row in rows]


def at_least_value(x: float | None, threshold: float) -> Flag:
    """Non-strict ``x >= threshold`` with the 0.4 tolerance; None when x is unknown."""
    return x >= threshold - THRESHOLD_TOLERANCE if known(x) else None


def above(x: float | None, threshold: float) -> Flag:
    """Strict ``x > threshold`` with the 0.4 tolerance; None when x is unknown."""
    return x > threshold + THRESHOLD_TOLERANCE if known(x) else None


def below(x: float | None, threshold: float) -> Flag:
    """Strict ``x < threshold`` with the 0.4 tolerance; None when x is unknown."""
    return x < threshold - THRESHOLD_TOLERANCE if known(x) else None


def at_most_value(x: float | None, threshold: float) -> Flag:
    """Non-strict ``x <= threshold`` with the 0.4 tolerance; None when x is unknown."""
    return x <= threshold + THRESHOLD_TOLERANCE if known(x) else None


def median_time(survival: pd.Series) -> float:
    """The Kaplan-Meier median of a survival curve (time index): the first time the curve is at or below
    one half, non-strict with the tolerance of spec 0.4 (5/6 x 4/5 x 3/4 is 0.5000000000000001 in
    binary: the median is that time, not the next); inf when the curve stays above (spec 7.3, 7.4)."""
    reached = survival.index[survival.to_numpy(float) <= 0.5 + THRESHOLD_TOLERANCE]
    return float(reached[0]) if len(reached) else math.inf


def display(x: float | None, decimals: int) -> float | str | None:
    """Round for display only (spec 0.4); None stays None, an infinite ratio is written "inf"."""
    if not known(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return round(float(x), decimals)


def fmt(x: float | None, decimals: int = 2, signed: bool = False) -> str:
    """A number as shown in a reason sentence: ``decimals`` places, or more when so few would show a
    whole number the value is not (every threshold of these definitions is whole: 5 mm, 20 %, 50 %, a
    ratio of 2): 4.95 mm reads "4.95", never "5.0" beside "under 5 mm". The value is the one the rules
    compare, rounded to 6 places (spec/anatomic.md 0.5)."""
    if not known(x):
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    sign = "+" if signed else ""
    shown = f"{x:{sign}.{decimals}f}"
    exact = round(x, 6)
    if float(shown).is_integer() and exact != float(shown):
        return _six_places(exact, sign)
    return shown


def mm(x: float | None) -> str:
    """A length in mm as shown in a reason: as the rules compare it (rounded to 6 places, spec/anatomic.md
    0.5), without trailing zeros: "40", "20.25"."""
    if not known(x):
        return "n/a"
    return _six_places(round(float(x), 6)).removesuffix(".")


def _six_places(x: float, sign: str = "") -> str:
    return f"{x:{sign}.6f}".rstrip("0")


@dataclass
class PatternRow:
    """One row of the patterns table (spec 0.6)."""

    patient_id: str
    reader: str
    pattern: str
    definition: str
    flag: Flag
    reason: str
    values: Mapping[str, object] = field(default_factory=dict)
    evidence: Mapping[str, object] = field(default_factory=dict)
    episode: int | None = None
    date: str = ""
    day: int | None = None


def pattern_frame(rows: Iterable[PatternRow]) -> pd.DataFrame:
    """The patterns table from rows, columns :data:`PATTERN_COLUMNS`, values and evidence as JSON."""
    cells = [
        {
            PATIENT: r.patient_id,
            READER: r.reader,
            "pattern": r.pattern,
            "definition": r.definition,
            "episode": r.episode,
            "date": r.date,
            DAY: r.day,
            "flag": flag_text(r.flag),
            "values": json.dumps(r.values, sort_keys=True, default=_json_default),
            "evidence": json.dumps(r.evidence, sort_keys=True, default=_json_default),
            "reason": r.reason,
        }
        for r in rows
    ]
    frame = pd.DataFrame.from_records(cells, columns=list(PATTERN_COLUMNS))
    frame["episode"] = frame["episode"].astype("Int64")
    frame[DAY] = frame[DAY].astype("Int64")
    return frame


def json_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its dict and list cells as JSON text (sorted keys), as the patterns table writes
    ``values`` and ``evidence``: CSV readers get JSON, not Python's repr."""
    def text(value: object) -> str:
        return json.dumps(value, sort_keys=True, default=_json_default)

    nested = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, dict | list)).any()]
    return frame.assign(**{c: frame[c].map(text) for c in nested})


def _json_default(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return str(value)


NonpositiveReference = Literal["not_evaluable", "literal", "hpd_if_exp_positive"]
"""Ratio definitions when the reference growth is <= 0 (spec 2.2, open question 9.1)."""
KatoPaceMetric = Literal["relative", "absolute", "tgr"]
"""Kato 2017 progression pace (spec 2.1, open question 9.2)."""
EcogRule = Literal["worsens_to_2_or_more", "worsens_by_2_or_more"]
"""Lo Russo 2019 clinical deterioration (spec 2.3 H7, open question 9.3)."""
MatosTimeRule = Literal["ttf_lt_2_months", "ttf_le_2_months", "none"]
"""Matos 2020 time condition (spec 2.3 H8, open question 9.4)."""
MatosNewLesionRule = Literal["two_organs", "two_in_involved_organ_or_new_organ"]
"""Matos 2020 new-lesion condition (spec 2.3 H8, open question 9.4)."""
MinSubsequentResponse = Literal["SD", "PR"]
"""RECIST-then-non-PD pseudoprogression: response that resolves the episode (spec 1.3, Park 2020)."""
HodiCriterion = Literal["irrc", "irrecist"]
"""Timepoints read by the Hodi 2016 pseudoprogression variant (spec 1.3)."""
DrrLoss = Literal["progression", "end_of_response"]
"""What ends a durable response of OPTiM (spec 4.1): the first progression after the onset (the spec's
rule), or the first evaluable assessment out of response (stable disease or progression: "lasts
continuously" read strictly)."""


@dataclass(frozen=True)
class PatternOptions:
    """Every option of the pattern rules, with the spec defaults (spec/patterns.md sections 1-4)."""

    early_cutoff_days: int = 84
    """Early pseudoprogression if the initial progression is on or before this day (spec 1.4 step 4)."""
    min_subsequent_response: MinSubsequentResponse = "SD"
    hodi_criterion: HodiCriterion = "irrc"
    prebaseline_max_days_before_baseline: int | None = None
    """Oldest allowed prebaseline scan, days before baseline (spec 0.2; Kim 2019 used 84)."""
    nonpositive_reference: NonpositiveReference = "not_evaluable"
    kato_pace_metric: KatoPaceMetric = "relative"
    ecog_rule: EcogRule = "worsens_to_2_or_more"
    split_lymph_node_regions: bool = False
    """Count lymph-node stations as separate organs in organ rules (spec 2.3 H7)."""
    matos_time_rule: MatosTimeRule = "ttf_lt_2_months"
    matos_new_lesion_rule: MatosNewLesionRule = "two_organs"
    matos_min_abs_increase_mm: float | None = None
    max_progressing_lesions: int = 5
    """Oligoprogression: at most this many progressing lesions (spec 4.4; 3 as alternative)."""
    max_progressing_organs: int = 3
    """Oligoprogression: in at most this many organs (spec 4.4)."""
    response_criterion: str | None = None
    """Criterion read by durable response and oligoprogression; None: recist11, else the first given."""
    min_off_treatment_days: int = 183
    """Off-treatment response must last this long after treatment_end (spec 4.3)."""
    off_treatment_include_sd: bool = False
    """Count a best response of SD for the off-treatment definition (spec 4.3 option)."""
    drr_loss: DrrLoss = "progression"
    """What ends the response of durable.drr_optim (spec 4.1): the first progression after the onset
    (spec default), or ``"end_of_response"``, the first evaluable assessment after it out of response."""
    cohort_median_pfs_days: float | None = None
    """Median PFS of the cohort for Pons-Tostivint 2019; None: Kaplan-Meier on the given results."""
    cohort_by: str | None = None
    """Patient-table column whose values define the cohorts of Pons-Tostivint 2019 (e.g. study or arm:
    "the same drug(s)"); None: all patients form one cohort."""
    accept_equivalent_assays: bool = False
    """Biomarker rules: read a value measured with another assay than the rule's (spec 6.3 option; else
    the wrong assay gives not_evaluable)."""

    @classmethod
    def from_mapping(cls, options: Mapping[str, object]) -> PatternOptions:
        """Pick the options this layer knows from ``options`` (others belong to the criteria).

        Raises
        ------
        InputError
            A value not of its declared type (``schema.coerce_option``): a choice outside its allowed
            choices, a number not finite and >= 0.
        """
        hints = get_type_hints(cls)
        return cls(**{item.name: coerce_option(item.name, options[item.name], hints[item.name])
                      for item in fields(cls) if item.name in options})


OPTION_NAMES = frozenset(PatternOptions.__dataclass_fields__)
"""Names of the options :func:`ioresponse.patterns.find_patterns` reads."""
