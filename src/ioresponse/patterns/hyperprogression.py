"""Hyperprogressive disease (HPD): every published operational definition, reported separately.

Sources (spec/patterns.md section 2 and the comparison table of section 11):
- TGR method: Ferté C et al. Clin Cancer Res 2014;20(1):246-252, doi:10.1158/1078-0432.CCR-13-2098.
- H1 Champiat S et al. Clin Cancer Res 2017;23(8):1920-1928, doi:10.1158/1078-0432.CCR-16-1741.
- H2 Kanjanapan Y et al. Cancer 2019 (same rule as H1).
- H3 Petrioli R et al. Anticancer Drugs 2020;31(2):190-195, doi:10.1097/CAD.0000000000000864.
- H4 Saâda-Bouzid E et al. Ann Oncol 2017;28(7):1605-1611, doi:10.1093/annonc/mdx178.
- H5 Kato S et al. Clin Cancer Res 2017;23(15):4242-4250, doi:10.1158/1078-0432.CCR-16-3133.
- H6 Ferrara R et al. JAMA Oncol 2018;4(11):1543-1552, doi:10.1001/jamaoncol.2018.3676.
- H7 Lo Russo G et al. Clin Cancer Res 2019;25(3):989-999, doi:10.1158/1078-0432.CCR-18-1390.
- H8 Matos I et al. Clin Cancer Res 2020;26(8):1846-1855, doi:10.1158/1078-0432.CCR-19-2226.
- H9 Kas B et al. JAMA Oncol 2020;6(7):1039-1046, doi:10.1001/jamaoncol.2020.1634.
- H10 Kim CG et al. Ann Oncol 2019;30(7):1104-1113 (documented, disabled: combination not verified).

Every definition is a function of the target sums S_pre, S_0, S_1 at the prebaseline, baseline and
first-evaluation scans (spec 0.2), the RECIST 1.1 response at the first evaluation, the time to
treatment failure and, for Lo Russo and Matos, new-lesion organs and ECOG. A missing scan makes the
quantity that needs it not evaluable, with the reason; nothing is imputed (spec 2.2). Conditions
combine with the three-valued logic of spec 0.3, so a definition is decided ``false`` as soon as one
required condition is known to fail.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ioresponse.criteria import Study
from ioresponse.criteria._anatomic import NORMAL_NODE_SHORT_AXIS_MM
from ioresponse.io import tables as t
from ioresponse.patterns._common import (
    DAYS_PER_MONTH,
    Flag,
    PatternOptions,
    PatternRow,
    above,
    all_of,
    any_of,
    at_least,
    at_least_value,
    at_most_value,
    below,
    display,
    fmt,
    known,
    mm,
    months,
    records,
)
from ioresponse.patterns._study import (
    PREBASELINE_LABEL,
    PREBASELINE_SUM_TOLERANCE_MM,
    SideTableWarning,
    assessment_sums,
    file_rows,
    new_lesion_rows,
    organ_keys,
    patient_days,
    patient_values,
    visit_days,
)
from ioresponse.schema import (
    DATE,
    DAY,
    LESION,
    LYMPH_NODE,
    PATIENT,
    READER,
    ROLE,
    SHORT_AXIS,
    STATUS,
    InputError,
    Role,
    Status,
)

TGR_RATIO_HPD = 2.0
"""TGR_exp / TGR_ref >= 2, "2-fold or greater" (Champiat 2017; Kanjanapan 2019; Petrioli 2020; spec H1-H3)."""
TGK_RATIO_HPD = 2.0
"""TGK_exp / TGK_ref >= 2 (Saada-Bouzid 2017; spec H4)."""
KATO_PCT_INCREASE = 50.0
"""Tumour burden increase > 50 % vs pre-immunotherapy imaging (Kato 2017; spec H5, strict)."""
KATO_PACE_RATIO = 2.0
"""More than 2-fold increase in progression pace (Kato 2017; spec H5, strict)."""
TTF_MONTHS = 2.0
"""Time to treatment failure < 2 months (Kato 2017; Lo Russo 2019; Matos 2020; spec 2.1)."""
FERRARA_DELTA_TGR = 50.0
"""TGR_exp - TGR_ref > 50 %/month (Ferrara 2018; spec H6, strict)."""
KAS_DELTA_TGR = 100.0
"""TGR_exp - TGR_ref > 100 %/month (Kas 2020; spec H9, strict)."""
KAS_TARGET_PD_PCT = 20.0
"""Target-lesion RECIST progression: sum +20 % (RECIST 1.1 sec. 4.3.1; spec H9, open question 9.5)."""
KAS_TARGET_PD_MM = 5.0
"""... and +5 mm (RECIST 1.1 sec. 4.3.1; spec H9)."""
LO_RUSSO_PCT_INCREASE = 50.0
"""Lo Russo criterion 2: target sum increase >= 50 % baseline to first evaluation (spec H7)."""
LO_RUSSO_NEW_IN_INVOLVED_ORGAN = 2
"""Lo Russo criterion 3: >= 2 new lesions in an organ involved at baseline (spec H7)."""
LO_RUSSO_MIN_CRITERIA = 3
"""Lo Russo: at least 3 of the 5 criteria (spec H7)."""
LO_RUSSO_ECOG_WINDOW_DAYS = 60
"""Lo Russo criterion 5: clinical deterioration within the first 2 months, day <= 60 (spec H7)."""
LO_RUSSO_ECOG_LEVEL = 2
"""ECOG deterioration to PS >= 2 (default) or by >= 2 points (option) (spec H7, open question 9.3)."""
MATOS_PCT_INCREASE = 40.0
"""Matos 2020: target sum >= +40 % at first evaluation (spec H8)."""
MATOS_PCT_WITH_NEW_ORGANS = 20.0
"""Matos 2020: or >= +20 % with new lesions in >= 2 organs (spec H8)."""
MATOS_NEW_LESION_ORGANS = 2
"""Matos 2020: new lesions in at least 2 distinct organs (spec H8)."""
SHORT_INTERVAL_DAYS = 28
"""Rates on intervals shorter than this carry ``short_interval_warning`` (spec 2.2)."""


@dataclass(frozen=True)
class Scan:
    """One assessment's target sum (baseline target lesions only, spec 0.2)."""

    day: int
    sum_mm: float
    """NaN when the sum is not computable (a baseline target not evaluable or missing)."""
    date: str = ""


@dataclass(frozen=True)
class HpdInputs:
    """What the HPD definitions read for one patient (x reader).

    ``*_missing`` holds the reason when the matching value is absent.
    """

    patient_id: str
    baseline: Scan
    reader: str = ""
    prebaseline: Scan | None = None
    prebaseline_missing: str = "no prebaseline scan"
    first: Scan | None = None
    first_missing: str = "no assessment after day 0"
    recist_first: str | None = None
    """RECIST 1.1 overall response at the first evaluation ("PD", "SD", ...); None when unknown."""
    recist_missing: str = "RECIST 1.1 response at first evaluation not given"
    treatment_end_day: int | None = None
    last_contact_day: int | None = None
    ttf_missing: str = "treatment_end not given"
    new_lesion_organs: tuple[str, ...] | None = ()
    """Organ of every unequivocal new lesion at the first evaluation; None when new lesions are not given."""
    baseline_organs: frozenset[str] = frozenset()
    ecog_baseline: int | None = None
    ecog_first_60_days: tuple[int, ...] | None = None
    """ECOG values recorded on days 1-60; None when no ECOG table is given."""
    evidence: dict[str, object] = field(default_factory=dict)

    @functools.cached_property
    def kinetics(self) -> Kinetics:
        """The shared quantities of spec 2.1, computed once and read by every definition."""
        return _kinetics(self)

    @functools.cached_property
    def kinetics_values(self) -> dict[str, object]:
        """``values`` of the shared quantities (each definition adds its own to a copy)."""
        return _kinetics_values(self.kinetics, self)


@dataclass(frozen=True)
class Condition:
    """One condition of a definition: its three-valued result and the sentence that says why."""

    flag: Flag
    text: str


@dataclass(frozen=True)
class Decision:
    """A definition's call on one patient."""

    flag: Flag
    reason: str
    values: dict[str, object]
    evidence: dict[str, object] = field(default_factory=dict)


# --- shared quantities (spec 2.1) -------------------------------------------------------------------


def tumor_growth(s_a: float, s_b: float, days: float) -> float | None:
    """TG = 3 ln(S_b / S_a) / months, in 1/month (Ferté 2014; spec 2.1); None when a sum is <= 0."""
    if not (known(s_a) and known(s_b)) or s_a <= 0 or s_b <= 0 or days <= 0:
        return None
    return 3.0 * math.log(s_b / s_a) / months(days)


def tumor_growth_rate(s_a: float, s_b: float, days: float) -> float | None:
    """TGR = 100 (exp(TG) - 1) in % volume per month (Ferté 2014; spec 2.1).

    S_b = 0 (every target gone) gives the limit -100 %/month; S_a = 0 is not evaluable (spec 2.2).
    """
    if known(s_a) and known(s_b) and s_a > 0 and s_b == 0 and days > 0:
        return -100.0
    growth = tumor_growth(s_a, s_b, days)
    return None if growth is None else 100.0 * math.expm1(growth)


def tumor_growth_kinetics(s_a: float, s_b: float, days: float) -> float | None:
    """TGK = (S_b - S_a) / months in mm/month (Saada-Bouzid 2017; spec 2.1)."""
    if not (known(s_a) and known(s_b)) or days <= 0:
        return None
    return (s_b - s_a) / months(days)


def progression_pace(s_a: float, s_b: float, days: float) -> float | None:
    """Kato pace, relative change per month (S_b / S_a - 1) / months (spec 2.1, interpretation)."""
    if not (known(s_a) and known(s_b)) or s_a <= 0 or days <= 0:
        return None
    return (s_b / s_a - 1.0) / months(days)


@dataclass(frozen=True)
class Kinetics:
    """Reference (prebaseline -> baseline) and experimental (baseline -> first) quantities."""

    tgr_ref: float | None
    tgr_exp: float | None
    tgk_ref: float | None
    tgk_exp: float | None
    pace_ref: float | None
    pace_exp: float | None
    pct_1: float | None
    abs_1: float | None
    ref_missing: str
    exp_missing: str
    warnings: tuple[str, ...]

    @property
    def delta_tgr(self) -> float | None:
        return self.tgr_exp - self.tgr_ref if known(self.tgr_ref) and known(self.tgr_exp) else None


def kinetics(x: HpdInputs) -> Kinetics:
    """Every shared quantity of spec 2.1 for one patient, with the reason of each missing one."""
    return x.kinetics


def _kinetics(x: HpdInputs) -> Kinetics:
    base = x.baseline
    warnings: list[str] = []
    ref_missing = exp_missing = ""
    tgr_ref = tgk_ref = pace_ref = tgr_exp = tgk_exp = pace_exp = pct_1 = abs_1 = None
    if not known(base.sum_mm):
        ref_missing = exp_missing = f"baseline sum not computable (day {base.day})"
    if x.prebaseline is None:
        ref_missing = ref_missing or x.prebaseline_missing
    elif not ref_missing:
        ref_days = base.day - x.prebaseline.day
        tgr_ref = tumor_growth_rate(x.prebaseline.sum_mm, base.sum_mm, ref_days)
        tgk_ref = tumor_growth_kinetics(x.prebaseline.sum_mm, base.sum_mm, ref_days)
        pace_ref = progression_pace(x.prebaseline.sum_mm, base.sum_mm, ref_days)
        if tgr_ref is None:
            ref_missing = (
                f"zero sum (prebaseline {mm(x.prebaseline.sum_mm)} mm, baseline {mm(base.sum_mm)} mm): "
                "log undefined"
            )
        if ref_days < SHORT_INTERVAL_DAYS:
            warnings.append("short_interval_warning: reference interval < 28 days")
    if x.first is None:
        exp_missing = exp_missing or x.first_missing
    elif not known(x.first.sum_mm):
        exp_missing = exp_missing or f"first-evaluation sum not computable (day {x.first.day})"
    elif not exp_missing:
        exp_days = x.first.day - base.day
        tgr_exp = tumor_growth_rate(base.sum_mm, x.first.sum_mm, exp_days)
        tgk_exp = tumor_growth_kinetics(base.sum_mm, x.first.sum_mm, exp_days)
        pace_exp = progression_pace(base.sum_mm, x.first.sum_mm, exp_days)
        abs_1 = x.first.sum_mm - base.sum_mm
        pct_1 = 100.0 * abs_1 / base.sum_mm if base.sum_mm > 0 else None
        if tgr_exp is None:
            exp_missing = f"baseline sum {mm(base.sum_mm)} mm: log undefined"
        if exp_days < SHORT_INTERVAL_DAYS:
            warnings.append("short_interval_warning: experimental interval < 28 days")
    return Kinetics(
        tgr_ref,
        tgr_exp,
        tgk_ref,
        tgk_exp,
        pace_ref,
        pace_exp,
        pct_1,
        abs_1,
        ref_missing,
        exp_missing,
        tuple(warnings),
    )


# --- conditions ---------------------------------------------------------------------------------------


def recist_pd_first(x: HpdInputs) -> Condition:
    """RECIST 1.1 PD at the first evaluation, as the criterion called it (spec 2.1, anatomic.md)."""
    if x.first is None:
        return Condition(None, f"RECIST response at first evaluation unknown ({x.first_missing})")
    if x.recist_first is None or x.recist_first == "NE":
        why = "NE" if x.recist_first == "NE" else x.recist_missing
        return Condition(None, f"RECIST response at first evaluation (day {x.first.day}) unknown ({why})")
    if x.recist_first == "PD":
        return Condition(True, f"RECIST PD at first evaluation (day {x.first.day})")
    return Condition(False, f"no RECIST PD at first evaluation (day {x.first.day}: {x.recist_first})")


def ratio_condition(
    name: str,
    unit: str,
    ref: float | None,
    exp: float | None,
    threshold: float,
    strict: bool,
    missing: str,
    option: str,
) -> tuple[Condition, float | None]:
    """exp / ref against a threshold, with the non-positive-reference option of spec 2.2."""
    sign = ">" if strict else ">="
    compare = above if strict else at_least_value
    if ref is None or exp is None:
        return Condition(None, f"{name} ratio not computed ({missing})"), None
    head = f"{name} {fmt(exp)} {unit} on treatment vs {fmt(ref)} {unit} before"
    if ref > 0:
        ratio = exp / ref
        met = compare(ratio, threshold)
        verb = sign if met else f"not {sign}"
        return Condition(met, f"{head} (ratio {fmt(ratio, 3)} {verb} {threshold:g})"), ratio
    literal = exp / ref if ref != 0 else (math.copysign(math.inf, exp) if exp != 0 else math.nan)
    if option == "literal":
        met = compare(literal, threshold) if known(literal) else None
        return Condition(met, f"{head} (literal ratio {fmt(literal, 3)}, reference <= 0)"), literal
    if option == "hpd_if_exp_positive":
        met = exp > 0
        state = "growing" if met else "not growing"
        return Condition(met, f"{head}: reference <= 0 and {state} on treatment"), literal
    return Condition(None, f"{head}: {name}_ref <= 0, ratio meaningless"), literal


def ttf_condition(x: HpdInputs, inclusive: bool = False) -> Condition:
    """TTF < 2 months (strict; ``inclusive``: <= 2 months), censored at last contact (spec 2.1)."""
    sign = "<=" if inclusive else "<"
    limit = TTF_MONTHS * DAYS_PER_MONTH
    if x.treatment_end_day is not None:
        ttf = x.treatment_end_day
        met = at_most_value(ttf, limit) if inclusive else below(ttf, limit)
        verb = sign if met else f"not {sign}"
        return Condition(met, f"TTF {ttf} d {verb} 2 months")
    if x.last_contact_day is not None and x.last_contact_day > limit:
        return Condition(False, f"treatment ongoing at day {x.last_contact_day}: TTF not {sign} 2 months")
    return Condition(None, f"TTF unknown ({x.ttf_missing})")


def _kinetics_values(k: Kinetics, x: HpdInputs) -> dict[str, object]:
    values: dict[str, object] = {
        "S_pre": x.prebaseline.sum_mm if x.prebaseline else None,
        "t_pre": x.prebaseline.day if x.prebaseline else None,
        "S_0": x.baseline.sum_mm,
        "t_0": x.baseline.day,
        "S_1": x.first.sum_mm if x.first else None,
        "t_1": x.first.day if x.first else None,
        "TGR_ref": display(k.tgr_ref, 2),
        "TGR_exp": display(k.tgr_exp, 2),
        "dTGR": display(k.delta_tgr, 2),
        "TGK_ref": display(k.tgk_ref, 4),
        "TGK_exp": display(k.tgk_exp, 4),
        "pct_1": display(k.pct_1, 2),
        "abs_1": display(k.abs_1, 2),
        "recist_first": x.recist_first,
    }
    return {key: (None if isinstance(v, float) and math.isnan(v) else v) for key, v in values.items()}


def _decide(citation: str, flag: Flag, conditions: list[Condition], notes: list[str] | None = None) -> str:
    """The reason sentence: the conditions that decided, then the verdict and the source."""
    if flag is True:
        parts, verdict = [c.text for c in conditions], "HPD"
    elif flag is False:
        parts, verdict = [c.text for c in conditions if c.flag is False], "not HPD"
    else:
        parts, verdict = [c.text for c in conditions if c.flag is None], "not evaluable"
    text = f"{'; '.join(parts)}: {verdict} ({citation})"
    if flag is False:
        undecided = [c.text for c in conditions if c.flag is None]
        text += "".join(f"; {u}" for u in undecided)
    return text + "".join(f"; {n}" for n in notes or [])


# --- the definitions (spec 2.3) -------------------------------------------------------------------------


def _tgr_ratio_definition(citation: str, needs_pd: bool) -> Callable[[HpdInputs, PatternOptions], Decision]:
    def decide(x: HpdInputs, options: PatternOptions) -> Decision:
        k = kinetics(x)
        ratio, value = ratio_condition(
            "TGR",
            "%/mo",
            k.tgr_ref,
            k.tgr_exp,
            TGR_RATIO_HPD,
            False,
            k.ref_missing or k.exp_missing,
            options.nonpositive_reference,
        )
        conditions = [ratio, recist_pd_first(x)] if needs_pd else [ratio]
        flag = all_of(c.flag for c in conditions)
        values = x.kinetics_values | {"TGR_ratio": display(value, 3)}
        return Decision(flag, _decide(citation, flag, conditions), values, _evidence(x, k))

    return decide


champiat2017 = _tgr_ratio_definition("Champiat 2017", needs_pd=True)
"""H1: RECIST PD at first evaluation AND TGR ratio >= 2 (spec 2.3 H1)."""
kanjanapan2019 = _tgr_ratio_definition("Kanjanapan 2019", needs_pd=True)
"""H2: as H1, with its own citation (spec 2.3 H2)."""
petrioli2020 = _tgr_ratio_definition("Petrioli 2020", needs_pd=False)
"""H3: TGR ratio >= 2, no RECIST condition (spec 2.3 H3)."""


def saada_bouzid2017(x: HpdInputs, options: PatternOptions) -> Decision:
    """H4: TGK ratio >= 2, no RECIST condition (spec 2.3 H4)."""
    k = kinetics(x)
    ratio, value = ratio_condition(
        "TGK",
        "mm/mo",
        k.tgk_ref,
        k.tgk_exp,
        TGK_RATIO_HPD,
        False,
        k.ref_missing or k.exp_missing,
        options.nonpositive_reference,
    )
    flag = ratio.flag
    values = x.kinetics_values | {"TGK_ratio": display(value, 3)}
    return Decision(flag, _decide("Saada-Bouzid 2017", flag, [ratio]), values, _evidence(x, k))


def kato2017(x: HpdInputs, options: PatternOptions) -> Decision:
    """H5: TTF < 2 months AND burden > +50 % AND progression pace ratio > 2 (spec 2.3 H5)."""
    k = kinetics(x)
    ttf = ttf_condition(x)
    pct = above(k.pct_1, KATO_PCT_INCREASE)
    pct_cond = Condition(
        pct,
        f"tumor burden {fmt(k.pct_1, 2, signed=True)} % is {'' if pct else 'not '}> 50 %"
        if pct is not None
        else f"tumor burden change not computed ({k.exp_missing})",
    )
    ref, exp, name, unit = {
        "relative": (k.pace_ref, k.pace_exp, "pace", "/mo"),
        "absolute": (k.tgk_ref, k.tgk_exp, "TGK", "mm/mo"),
        "tgr": (k.tgr_ref, k.tgr_exp, "TGR", "%/mo"),
    }[options.kato_pace_metric]
    pace, value = ratio_condition(
        name,
        unit,
        ref,
        exp,
        KATO_PACE_RATIO,
        True,
        k.ref_missing or k.exp_missing,
        options.nonpositive_reference,
    )
    conditions = [ttf, pct_cond, pace]
    flag = all_of(c.flag for c in conditions)
    values = x.kinetics_values | {
        "pace_ref": display(k.pace_ref, 5),
        "pace_exp": display(k.pace_exp, 5),
        "pace_ratio": display(value, 3),
        "pace_metric": options.kato_pace_metric,
        "ttf_days": x.treatment_end_day,
    }
    return Decision(flag, _decide("Kato 2017", flag, conditions), values, _evidence(x, k))


def _delta_tgr_definition(
    citation: str, threshold: float, size_condition: Callable[[HpdInputs, Kinetics], Condition]
) -> Callable[[HpdInputs, PatternOptions], Decision]:
    def decide(x: HpdInputs, options: PatternOptions) -> Decision:
        k = kinetics(x)
        delta = k.delta_tgr
        if delta is None:
            diff = Condition(None, f"dTGR not computed ({k.ref_missing or k.exp_missing})")
        else:
            met = above(delta, threshold)
            diff = Condition(
                met,
                f"dTGR {fmt(k.tgr_exp)} - ({fmt(k.tgr_ref)}) = {fmt(delta)} %/mo "
                f"{'>' if met else 'not >'} {threshold:g}",
            )
        conditions = [diff, size_condition(x, k)]
        flag = all_of(c.flag for c in conditions)
        return Decision(flag, _decide(citation, flag, conditions), dict(x.kinetics_values), _evidence(x, k))

    return decide


def _recist_pd_size(x: HpdInputs, k: Kinetics) -> Condition:
    return recist_pd_first(x)


def _target_pd_size(x: HpdInputs, k: Kinetics) -> Condition:
    """Target-lesion RECIST progression, pct_1 >= 20 % and abs_1 >= 5 mm (Kas 2020; spec H9)."""
    if k.pct_1 is None or k.abs_1 is None:
        return Condition(None, f"target-sum change not computed ({k.exp_missing})")
    met = all_of([at_least_value(k.pct_1, KAS_TARGET_PD_PCT), at_least_value(k.abs_1, KAS_TARGET_PD_MM)])
    state = "" if met else "no "
    change = f"{fmt(k.pct_1, 2, signed=True)} %, {fmt(k.abs_1, 1, signed=True)} mm"
    return Condition(met, f"{state}target-lesion progression ({change})")


ferrara2018 = _delta_tgr_definition("Ferrara 2018", FERRARA_DELTA_TGR, _recist_pd_size)
"""H6: RECIST PD at first evaluation AND dTGR > 50 (spec 2.3 H6)."""
kas2020 = _delta_tgr_definition("Kas 2020", KAS_DELTA_TGR, _target_pd_size)
"""H9: target-lesion RECIST progression AND dTGR > 100 (spec 2.3 H9)."""


def _new_lesion_counts(x: HpdInputs) -> dict[str, int] | None:
    if x.new_lesion_organs is None:
        return None
    counts: dict[str, int] = {}
    for organ in x.new_lesion_organs:
        counts[organ] = counts.get(organ, 0) + 1
    return counts


def new_in_involved_organ(x: HpdInputs) -> Condition:
    """>= 2 new lesions in an organ involved at baseline, at the first evaluation (Lo Russo 3)."""
    counts = _new_lesion_counts(x)
    if counts is None or x.first is None:
        return Condition(None, "new lesions not given")
    organs = sorted(
        o for o, n in counts.items() if o in x.baseline_organs and n >= LO_RUSSO_NEW_IN_INVOLVED_ORGAN
    )
    if organs:
        return Condition(True, f">= 2 new lesions in involved organ {', '.join(organs)}")
    return Condition(False, "no organ involved at baseline with >= 2 new lesions")


def new_organ(x: HpdInputs) -> Condition:
    """>= 1 new lesion in an organ without baseline lesion, at the first evaluation (Lo Russo 4)."""
    counts = _new_lesion_counts(x)
    if counts is None or x.first is None:
        return Condition(None, "new lesions not given")
    organs = sorted(o for o in counts if o not in x.baseline_organs)
    if organs:
        return Condition(True, f"spread to new organ(s) {', '.join(organs)}")
    return Condition(False, "no new organ involved")


def ecog_deterioration(x: HpdInputs, rule: str) -> Condition:
    """ECOG worsening within days 1-60 (Lo Russo criterion 5; spec H7, open question 9.3)."""
    if x.ecog_first_60_days is None:
        return Condition(None, "ECOG at baseline and within 60 days not given")
    if not x.ecog_first_60_days:
        return Condition(None, "no ECOG recorded on days 1-60")
    worst = max(x.ecog_first_60_days)
    if worst < LO_RUSSO_ECOG_LEVEL:  # below 2 under either rule, whatever the baseline (ECOG >= 0)
        return Condition(False, f"ECOG at most {worst} on days 1-60 (not {LO_RUSSO_ECOG_LEVEL} or worse)")
    if x.ecog_baseline is None:
        return Condition(None, f"ECOG {worst} on days 1-60 but no baseline ECOG (on or before day 0)")
    if rule == "worsens_by_2_or_more":
        met = worst >= x.ecog_baseline + LO_RUSSO_ECOG_LEVEL
    else:
        met = worst >= LO_RUSSO_ECOG_LEVEL and worst > x.ecog_baseline
    return Condition(met, f"ECOG {x.ecog_baseline} -> {worst}{'' if met else ' (no deterioration)'}")


def lo_russo2019(x: HpdInputs, options: PatternOptions) -> Decision:
    """H7: RECIST PD at first evaluation AND >= 3 of 5 clinical/radiological criteria (spec 2.3 H7)."""
    k = kinetics(x)
    pct = at_least_value(k.pct_1, LO_RUSSO_PCT_INCREASE)
    criteria = [
        ttf_condition(x),
        Condition(
            pct,
            f"target sum {fmt(k.pct_1, 2, signed=True)} % {'>=' if pct else 'not >='} 50 %"
            if pct is not None
            else f"target-sum change not computed ({k.exp_missing})",
        ),
        new_in_involved_organ(x),
        new_organ(x),
        ecog_deterioration(x, options.ecog_rule),
    ]
    count = at_least(LO_RUSSO_MIN_CRITERIA, (c.flag for c in criteria))
    n_true = sum(c.flag is True for c in criteria)
    n_unknown = sum(c.flag is None for c in criteria)
    met = [c.text for c in criteria if c.flag is True]
    summary = Condition(
        count,
        f"{n_true}/5 criteria met{': ' + '; '.join(met) if met else ''}"
        + (
            f" ({n_unknown} not evaluable: {'; '.join(c.text for c in criteria if c.flag is None)})"
            if n_unknown
            else ""
        ),
    )
    conditions = [recist_pd_first(x), summary]
    flag = all_of(c.flag for c in conditions)
    values = x.kinetics_values | {
        "criteria_met": n_true,
        "criteria_not_evaluable": n_unknown,
        "criteria": {f"c{i + 1}": c.flag for i, c in enumerate(criteria)},
        "ecog_rule": options.ecog_rule,
    }
    return Decision(flag, _decide("Lo Russo 2019", flag, conditions), values, _evidence(x, k))


def matos2020(x: HpdInputs, options: PatternOptions) -> Decision:
    """H8: RECIST PD AND (>= +40 % OR >= +20 % with new lesions in >= 2 organs) AND TTF (spec 2.3 H8)."""
    k = kinetics(x)
    if options.matos_new_lesion_rule == "two_organs":
        counts = _new_lesion_counts(x)
        if counts is None or x.first is None:
            organs = Condition(None, "new lesions not given")
        else:
            met = len(counts) >= MATOS_NEW_LESION_ORGANS
            organs = Condition(
                met,
                f"new lesions in {len(counts)} organ(s)"
                + (f" ({', '.join(sorted(counts))})" if counts else ""),
            )
    else:
        involved, spread = new_in_involved_organ(x), new_organ(x)
        organs = Condition(any_of([involved.flag, spread.flag]), f"{involved.text}; {spread.text}")
    pct40 = at_least_value(k.pct_1, MATOS_PCT_INCREASE)
    pct20 = at_least_value(k.pct_1, MATOS_PCT_WITH_NEW_ORGANS)
    size_flag = any_of([pct40, all_of([pct20, organs.flag])])
    if k.pct_1 is None:
        size = Condition(None, f"target-sum change not computed ({k.exp_missing})")
    elif size_flag:
        why = ">= 40 %" if pct40 else f">= 20 % with {organs.text}"
        size = Condition(True, f"target sum {fmt(k.pct_1, 2, True)} % ({why})")
    else:
        size = Condition(size_flag, f"target sum {fmt(k.pct_1, 2, True)} % (not >= 40 %; {organs.text})")
    conditions = [recist_pd_first(x), size]
    if options.matos_min_abs_increase_mm is not None:
        minimum = options.matos_min_abs_increase_mm
        met = at_least_value(k.abs_1, minimum)
        conditions.append(Condition(met, f"increase {fmt(k.abs_1, 1, True)} mm vs minimum {minimum:g} mm"))
    if options.matos_time_rule != "none":
        conditions.append(ttf_condition(x, inclusive=options.matos_time_rule == "ttf_le_2_months"))
    flag = all_of(c.flag for c in conditions)
    values = x.kinetics_values | {
        "new_lesion_organs": sorted(set(x.new_lesion_organs)) if x.new_lesion_organs is not None else None,
        "ttf_days": x.treatment_end_day,
        "matos_time_rule": options.matos_time_rule,
    }
    return Decision(flag, _decide("Matos 2020", flag, conditions), values, _evidence(x, k))


def kim2019(x: HpdInputs, options: PatternOptions) -> Decision:
    """H10: documented, not decided: how TGK ratio, TGR ratio and TTF combine is not verified (spec 9.6)."""
    k = kinetics(x)
    return Decision(
        None,
        "combination of TGK ratio, TGR ratio and TTF < 2 months not verified (Kim 2019; spec 9.6): "
        "compose it from hpd.champiat2017, hpd.saada_bouzid2017 and TTF",
        dict(x.kinetics_values),
        _evidence(x, k),
    )


def _evidence(x: HpdInputs, k: Kinetics) -> dict[str, object]:
    evidence = dict(x.evidence)
    if k.warnings:
        evidence["warnings"] = list(k.warnings)
    return evidence


@dataclass(frozen=True)
class HpdDefinition:
    """One published HPD definition (spec 2.3) and what it needs."""

    id: str
    citation: str
    needs_prebaseline: bool
    decide: Callable[[HpdInputs, PatternOptions], Decision]
    default: bool = True


DEFINITIONS = (
    HpdDefinition("hpd.champiat2017", "Champiat 2017", True, champiat2017),
    HpdDefinition("hpd.kanjanapan2019", "Kanjanapan 2019", True, kanjanapan2019),
    HpdDefinition("hpd.petrioli2020", "Petrioli 2020", True, petrioli2020),
    HpdDefinition("hpd.saada_bouzid2017", "Saada-Bouzid 2017", True, saada_bouzid2017),
    HpdDefinition("hpd.kato2017", "Kato 2017", True, kato2017),
    HpdDefinition("hpd.ferrara2018", "Ferrara 2018", True, ferrara2018),
    HpdDefinition("hpd.lo_russo2019", "Lo Russo 2019", False, lo_russo2019),
    HpdDefinition("hpd.matos2020", "Matos 2020", False, matos2020),
    HpdDefinition("hpd.kas2020", "Kas 2020", True, kas2020),
    HpdDefinition("hpd.kim2019", "Kim 2019", True, kim2019, default=False),
)
"""The definitions of spec 2.3 in the order of the comparison table (section 11)."""


# --- inputs from a study (spec 0.2) ---------------------------------------------------------------------

PRIOR_THERAPY = "prior_therapy_in_reference_period"
"""Patient-table column: the reference period was under a previous treatment (evidence only, spec 2.2)."""
RECIST_KEY = "recist11"
"""Criterion whose first-evaluation response is "RECIST PD at first evaluation" (spec 2.1)."""


def hpd_inputs(
    study: Study, timepoints: pd.DataFrame | None, options: PatternOptions, visits: pd.DataFrame | None = None
) -> list[HpdInputs]:
    """One :class:`HpdInputs` per patient x reader from the lesion table, criteria and patient tables.

    Raises
    ------
    InputError
        Patient-table ``prebaseline_sum_mm`` differs from the lesion rows by more than 0.5 mm (spec 0.2).
    """
    sums = assessment_sums(study)
    recist = _responses(timepoints, RECIST_KEY)
    recist_missing = "no RECIST 1.1 timepoint on that day" if recist else "RECIST 1.1 timepoints not given"
    end_day = patient_days(study, "treatment_end")
    contact_day = patient_days(study, "last_contact_date")
    table_pre_day = patient_days(study, "prebaseline_date")
    table_pre_sum = patient_values(study, "prebaseline_sum_mm")
    prior_therapy = patient_values(study, PRIOR_THERAPY)
    has_end = study.patients is not None and (
        "treatment_end" in study.patients or "treatment_end_day" in study.patients
    )
    new_organs, baseline_organs = _organs(study, sums, options.split_lymph_node_regions)
    ecog = _ecog(visits, study)
    inputs = []
    subjects: dict[tuple[str, str], list[dict]] = {}
    for record in records(sums):
        subjects.setdefault((record[PATIENT], record[READER]), []).append(record)
    for (patient, reader), group in subjects.items():
        base_row = next(r for r in group if r["is_baseline"])
        baseline = Scan(int(base_row[DAY]), float(base_row["target_sum_mm"]), str(base_row[DATE]))
        prebaseline, pre_missing = _prebaseline(group, baseline, options)
        prebaseline, pre_missing = _table_prebaseline(
            study,
            patient,
            str(reader),
            baseline,
            options,
            prebaseline,
            pre_missing,
            table_pre_day.get(patient),
            table_pre_sum.get(patient),
        )
        after = [r for r in group if r[DAY] > 0]
        first = None
        if after:
            first = Scan(int(after[0][DAY]), float(after[0]["target_sum_mm"]), str(after[0][DATE]))
        ttf_missing = "treatment_end not given" if not has_end else "treatment ongoing, no last_contact_date"
        ecog_base, ecog_window = ecog.get(patient, (None, None)) if ecog is not None else (None, None)
        evidence: dict[str, object] = {"baseline_day": baseline.day}
        if patient in prior_therapy:
            evidence[PRIOR_THERAPY] = str(prior_therapy[patient]).strip().lower() in ("true", "1", "yes")
        if first is not None and not known(first.sum_mm):
            evidence["first_evaluation"] = str(after[0]["missing_targets"])
        inputs.append(
            HpdInputs(
                patient_id=str(patient),
                reader=str(reader),
                baseline=baseline,
                prebaseline=prebaseline,
                prebaseline_missing=pre_missing,
                first=first,
                recist_first=recist.get((patient, reader, first.day)) if first else None,
                recist_missing=recist_missing,
                treatment_end_day=end_day.get(patient),
                last_contact_day=contact_day.get(patient),
                ttf_missing=ttf_missing,
                new_lesion_organs=None
                if "new" in study.missing_components or first is None
                else tuple(new_organs.get((patient, reader, first.day), ())),
                baseline_organs=frozenset(baseline_organs.get((patient, reader), ())),
                ecog_baseline=ecog_base,
                ecog_first_60_days=ecog_window if ecog is not None else None,
                evidence=evidence,
            )
        )
    return inputs


def _responses(timepoints: pd.DataFrame | None, criterion: str) -> dict[tuple[str, str, int], str]:
    if timepoints is None or not len(timepoints):
        return {}
    rows = timepoints[timepoints["criterion"] == criterion]
    return {
        (str(p), str(r), int(d)): str(o)
        for p, r, d, o in zip(rows[PATIENT], rows[READER], rows[DAY], rows["overall_response"], strict=True)
    }


def _prebaseline(group: list[dict], baseline: Scan, options: PatternOptions) -> tuple[Scan | None, str]:
    """The latest complete assessment before baseline; a ``prebaseline`` label wins (spec 0.2)."""
    before = [r for r in group if r["is_pre_baseline"]]
    if not before:
        return None, f"no prebaseline scan (no assessment before baseline day {baseline.day})"
    recent = [r for r in before if not _outside_window(baseline, int(r[DAY]), options)]
    if not recent:
        return None, _outside_window(baseline, int(before[-1][DAY]), options)
    before = recent
    complete = [r for r in before if known(r["target_sum_mm"])]
    if not complete:
        days = ", ".join(str(int(r[DAY])) for r in before)
        why = "; ".join(sorted({r["missing_targets"] for r in before}))
        return None, f"no prebaseline scan with every baseline target measured (day {days}: {why})"
    labelled = [r for r in complete if r["label"] == PREBASELINE_LABEL]
    row = (labelled or complete)[-1]
    return Scan(int(row[DAY]), float(row["target_sum_mm"]), str(row[DATE])), ""


def _outside_window(baseline: Scan, day: int, options: PatternOptions, source: str = "latest") -> str:
    """Why a reference scan on ``day`` is older than option ``prebaseline_max_days_before_baseline``
    allows (spec 0.2); "" when the option is unset or the scan lies within the window."""
    limit = options.prebaseline_max_days_before_baseline
    if limit is None or baseline.day - day <= limit:
        return ""
    return f"no prebaseline scan within {limit} days before baseline day {baseline.day} ({source} day {day})"


def _table_prebaseline(
    study: Study,
    patient: str,
    reader: str,
    baseline: Scan,
    options: PatternOptions,
    from_rows: Scan | None,
    missing: str,
    day: int | None,
    sum_mm: object,
) -> tuple[Scan | None, str]:
    """Patient-table prebaseline_date / prebaseline_sum_mm (the reference code's SCANDATE_BEFORE and
    RECIST_BEFORE, spec 0.2); must agree with ``reader``'s lesion rows when both exist."""
    if day is None or sum_mm is None:
        return from_rows, missing
    value = float(sum_mm)

    def rows() -> list[int]:  # the patient's row of the patient table, looked up for a message only
        return file_rows(study.patients)[study.patients[PATIENT].astype(str).to_numpy() == patient].tolist()

    if day >= baseline.day:  # spec 2.2: an interval <= 0 days between the two scans is a data error
        raise InputError(study.patients_source, rows(), "prebaseline_date",
                         f"patient {patient}: the prebaseline scan (day {day}) is not before the baseline "
                         f"scan (day {baseline.day}); it is the scan before it (spec/patterns.md 2.2)")
    if from_rows is not None and abs(from_rows.sum_mm - value) > PREBASELINE_SUM_TOLERANCE_MM:
        raise InputError(
            study.patients_source,
            rows(),
            "prebaseline_sum_mm",
            f"patient {patient}: prebaseline_sum_mm {value:g} mm differs from the baseline target lesions "
            f"on the prebaseline scan{f' read by {reader}' if reader else ''} (day {from_rows.day}: "
            f"{from_rows.sum_mm:g} mm) by more than 0.5 mm",
        )
    if from_rows is not None:
        return from_rows, ""
    # spec 0.2: the patient-table reference is the same prebaseline scan given another way, so the
    # prebaseline_max_days_before_baseline window applies to it as to lesion rows (spec 2.2: not evaluable).
    too_old = _outside_window(baseline, day, options, "patient-table prebaseline")
    return (None, too_old) if too_old else (Scan(day, value), "")


def _organs(
    study: Study, sums: pd.DataFrame, split: bool
) -> tuple[dict[tuple[str, str, int], list[str]], dict[tuple[str, str], set[str]]]:
    lesions = study.lesions
    organ = organ_keys(lesions, split)
    new = new_lesion_rows(lesions) & ~_normal_new_node(lesions)
    keys = [PATIENT, READER, DAY, LESION]  # the fragments of a split lesion are one lesion (anatomic.md 0.4)
    new_lesions = lesions.loc[new, keys].assign(organ=np.asarray(organ)[new]).drop_duplicates(keys)
    new_organs: dict[tuple[str, str, int], list[str]] = {}
    for p, r, d, _, o in new_lesions.itertuples(index=False, name=None):
        new_organs.setdefault((p, r, int(d)), []).append(o)
    baseline_day = dict(zip(zip(sums[PATIENT], sums[READER], strict=True), sums["baseline_day"], strict=True))
    at_baseline = np.array(
        [
            baseline_day.get((p, r)) == d
            for p, r, d in zip(lesions[PATIENT], lesions[READER], lesions[DAY], strict=True)
        ],
        bool,
    )
    at_baseline &= lesions[ROLE].isin([Role.TARGET, Role.NON_TARGET]).to_numpy()
    baseline_organs: dict[tuple[str, str], set[str]] = {}
    for p, r, o in zip(
        lesions[PATIENT][at_baseline], lesions[READER][at_baseline], organ[at_baseline], strict=True
    ):
        baseline_organs.setdefault((p, r), set()).add(o)
    return new_organs, baseline_organs


def _normal_new_node(lesions: pd.DataFrame) -> np.ndarray:
    """New lymph nodes that are no new lesion under RECIST 1.1: short axis under 10 mm, or too small to
    measure (spec/anatomic.md 1.5 "a node counts as a new lesion only with short axis >= 10 mm", 0.4)."""
    node = lesions[LYMPH_NODE].to_numpy(bool) if LYMPH_NODE in lesions else np.zeros(len(lesions), bool)
    short = (lesions[SHORT_AXIS].to_numpy(float) if SHORT_AXIS in lesions
             else np.full(len(lesions), np.nan))
    too_small = lesions[STATUS].to_numpy() == Status.TOO_SMALL
    return node & (too_small | (short < NORMAL_NODE_SHORT_AXIS_MM))


ECOG = "ecog"
ECOG_WORST = 4
"""A visit's ECOG performance status is 0 (fully active) to 4 (completely disabled) (spec/patterns.md 0.5;
Oken 1982 grade 5, dead, is no visit)."""


def _ecog(visits: pd.DataFrame | None, study: Study) -> dict[str, tuple[int | None, tuple[int, ...]]] | None:
    """Baseline ECOG (latest visit on or before day 0) and ECOG values on days 1-60 (spec 2.3 H7).

    Raises
    ------
    InputError
        No ``ecog`` column, a score that is not a whole number 0-4 (spec 0.5), or two different scores of
        a patient on one day, at the rows of the visits table.
    """
    if visits is None:
        return None
    visits = t.side_table(visits, "visits")  # "ECOG", "Ecog" read as ecog
    name = visits.attrs["source"]
    if ECOG not in visits:  # a visits table is given for its ECOG scores: without them it would be ignored
        raise InputError(name, [], ECOG, "missing column; the visits table gives the ECOG performance "
                                         "status (0-4) of each visit")
    frame = visit_days(visits, study)
    text = frame[ECOG]
    scores, bad = t.parse_float(text)
    bad |= np.isfinite(scores) & ((scores % 1 != 0) | (scores < 0) | (scores > ECOG_WORST))
    if bad.any():
        t.refuse_rows(name, file_rows(frame), bad, ECOG,
                      f"{text[bad].iloc[0]!r} is not an ECOG performance status (a whole number 0-4)")
    empty = ~np.isfinite(scores)
    if empty.any():  # a visit without a score is no evidence either way: named, not used
        error = InputError(name, file_rows(frame)[empty].tolist(), ECOG, "empty ECOG: visit not used")
        warnings.warn(SideTableWarning(error.located()), stacklevel=4)
    frame = frame[~empty].assign(**{ECOG: scores[~empty].astype(int)})
    clash = frame.groupby([PATIENT, DAY])[ECOG].transform("nunique").to_numpy() > 1
    if clash.any():
        first = frame[clash].iloc[0]
        t.refuse_rows(name, file_rows(frame), clash, ECOG,
                      f"patient {first[PATIENT]} has different ECOG scores on day {first[DAY]}; "
                      "keep the one that was recorded")
    frame = frame.sort_values([PATIENT, DAY], kind="stable")
    result: dict[str, tuple[int | None, tuple[int, ...]]] = {}
    for patient, group in frame.groupby(PATIENT, sort=False):
        before = group.loc[group[DAY] <= 0, ECOG]
        window = group.loc[(group[DAY] > 0) & (group[DAY] <= LO_RUSSO_ECOG_WINDOW_DAYS), ECOG]
        result[str(patient)] = (int(before.iloc[-1]) if len(before) else None, tuple(int(s) for s in window))
    return result


PATTERN = "hyperprogression"


def find(
    study: Study,
    timepoints: pd.DataFrame | None,
    options: PatternOptions,
    definitions: list[str],
    visits: pd.DataFrame | None = None,
) -> list[PatternRow]:
    """Pattern rows (spec 0.6) of the chosen HPD definitions, one per patient x reader x definition."""
    chosen = [d for d in DEFINITIONS if d.id in definitions]
    if not chosen:
        return []
    rows = []
    for x in hpd_inputs(study, timepoints, options, visits):
        for definition in chosen:
            decision = definition.decide(x, options)
            rows.append(
                PatternRow(
                    x.patient_id,
                    x.reader,
                    PATTERN,
                    definition.id,
                    decision.flag,
                    decision.reason,
                    decision.values,
                    decision.evidence,
                    date=x.first.date if x.first else "",
                    day=x.first.day if x.first else None,
                )
            )
    return rows
