"""Pseudoprogression: an initial progression by a criterion, then stability or response without new therapy.

Sources (spec/patterns.md section 1):
- iRECIST: Seymour L et al. Lancet Oncol 2017;18:e143-e152, doi:10.1016/S1470-2045(17)30074-8
  (iUPD not confirmed as iCPD, "the bar is reset").
- Hodi FS et al. J Clin Oncol 2016;34(13):1510-1517, doi:10.1200/JCO.2015.64.0391 (KEYNOTE-001: >= 25 %
  tumour-burden increase not confirmed at the next assessment; early at week 12, delayed after).
- Park HJ et al. Radiology 2020;297(1):87-96, doi:10.1148/radiol.2020200443 (RECIST 1.1 PD followed by
  SD/PR/CR or by PR/CR only).
- imRECIST: Hodi FS et al. J Clin Oncol 2018;36:850-858, doi:10.1200/JCO.2017.75.1644.
- FDG-PET form: Humbert O et al. Eur J Nucl Med Mol Imaging 2020;47(5):1158-1167 (PERCIST PMD, then
  response or stability at the next PET).
The walk is the skeleton of spec 1.4; definitions differ only in their initial progression, confirmation
and resolution (table 1.3). The irRC and PERCIST variants decide at the first later assessment, as their
sources do (spec 1.4 step 2): when that assessment can neither confirm nor resolve (NE), the episode is
not evaluable; later assessments are not read. The Hodi 2016 burden test reads the known part of an
incomplete burden (anatomic.md 2.4, 3.4) and a nadir of 0 (anatomic.md 0.5); the imRECIST variant reads
imRECIST's own confirmation of the initial PD (anatomic.md 0.8); the iRECIST variant ends an episode at
its reset (anatomic.md 4.6).
A pattern row never changes a response.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ioresponse.criteria import Study
from ioresponse.criteria._anatomic import CONFIRM_MIN_DAYS
from ioresponse.io.tables import days_between, parse_dates
from ioresponse.io.validate import LOCAL_THERAPY_DATES, split_dates
from ioresponse.patterns._common import (
    Flag,
    PatternOptions,
    PatternRow,
    above,
    at_least_value,
    display,
    fmt,
    known,
    mm,
    records,
)
from ioresponse.patterns._study import file_rows, new_lesion_rows, patient_days, patient_values
from ioresponse.schema import (
    DATE,
    DAY,
    LESION,
    NON_TARGET,
    PATIENT,
    READER,
    ROLE,
    STATUS,
    InputError,
    Response,
    Role,
    Status,
)

PATTERN = "pseudoprogression"

EARLY_CUTOFF_DAYS = 84
"""Early pseudoprogression: initial progression within the first 12 weeks (Hodi 2016; spec 1.4 step 4)."""
HODI_BURDEN_INCREASE = 1.25
"""irRC progression: tumour burden >= +25 % vs nadir, non-strict (Wolchok 2009; Hodi 2016; spec 1.3)."""
RECIST_PD_FRACTION = 1.20
"""RECIST 1.1 PD: sum >= +20 % vs nadir (Eisenhauer 2009 sec. 4.3.1; spec 1.3 RECIST variant)."""
RECIST_PD_MM = 5.0
"""... and >= +5 mm (Eisenhauer 2009 sec. 4.3.1)."""
RECIST_PR_FRACTION = 0.70
"""RECIST 1.1 PR: sum <= -30 % vs baseline (Eisenhauer 2009 sec. 4.3.1)."""

IRECIST_RESOLVED = frozenset({"iSD", "iPR", "iCR", "NON-iCR/NON-iUPD"})
"""iRECIST responses that reset an unconfirmed iUPD (Seymour 2017; spec 1.1, 1.3): the step-1 mapping the
iUPD machine reports on a reset, NON-iCR/NON-iUPD for disease without target lesions (anatomic.md 4.6). After
an iUPD the machine writes them on its reset row only (flag ``iupd_reset``): every other row of an open
episode is iUPD, iCPD or NE."""
PERCIST_RESOLVED = frozenset({"CMR", "PMR", "SMD"})
"""PERCIST responses at the next PET that resolve a PMD (Humbert 2020; spec 1.3)."""
NO_TARGETS = "none"
"""``target_response`` of a patient without baseline target lesions: the sum S over no lesion is 0 mm
(spec 0.2, 1.3)."""


@dataclass
class Episode:
    """State of one open episode: the initial progression row and its reference nadir."""

    start: dict
    nadir: float


Test = Callable[[dict, Episode, "Context"], Flag]


@dataclass(frozen=True)
class Context:
    """Per-subject information a test may read beyond the timepoint rows."""

    new_lesion_days: frozenset[int]
    """Days with an unequivocal new lesion, or a non-target unequivocal progression."""
    unknown_new_lesion_days: frozenset[int]
    """Days where a new lesion seen before is not evaluable or has no row: not known to be absent."""
    components_given: bool
    """False for sum-only input: new lesions and non-targets are not known."""
    min_subsequent_response: str
    confirm_min_days: int
    """The imRECIST results' confirmation window (its ``confirm_min_days``, anatomic.md 0.8)."""


@dataclass(frozen=True)
class PsPDefinition:
    """One row of spec table 1.3."""

    id: str
    citation: str
    criterion: str
    initial_label: str
    """Text of the initial progression in reasons, e.g. "iUPD"."""
    initial: Callable[[dict], Flag]
    """The initial progression at one timepoint; None when the timepoint is NE (spec 0.3)."""
    confirms: Test
    resolves: Test
    default: bool
    next_assessment_only: bool = False
    """Decided at the first later assessment, as the irRC and PERCIST sources do (spec 1.4 step 2): when it
    neither confirms nor resolves, the episode is not evaluable instead of waiting for a later one."""

    @property
    def required_inputs(self) -> tuple[str, ...]:
        """The criterion's timepoints, and the lesion table for the anatomic variants (new lesions and
        non-target progression, spec 1.3); the PERCIST variant reads PERCIST timepoints only."""
        lesions = () if self.criterion == "percist" else ("lesions",)
        return (*lesions, f"timepoints:{self.criterion}")


def _label_is(label: str) -> Callable[[dict], Flag]:
    """The response is ``label``; not known at an NE timepoint (spec 0.3)."""
    return lambda row: None if row["overall_response"] == Response.NE else row["overall_response"] == label


def _known_burden(row: dict) -> tuple[float, bool]:
    """The tumour burden at a timepoint and whether it is complete.

    A complete burden is ``current_sum``; an incomplete one leaves ``current_sum`` empty and its known part
    is the known target sum plus the known counted-new-lesion sum (``target_sum`` shows "the known part of
    an incomplete sum", ``new_lesion_sum`` the counted new lesions; anatomic.md 0.9, 2.4, 3.4).
    """
    if known(row["current_sum"]):
        return float(row["current_sum"]), True
    return sum(float(v) for v in (row["target_sum"], row["new_lesion_sum"]) if known(v)), False


def _hodi_increase(row: dict, nadir: float) -> Flag:
    """Tumour burden >= +25 % vs ``nadir`` (spec 1.3, non-strict 0.4).

    An incomplete burden whose known part already meets it meets it (spec 0.3; anatomic.md 2.4 "Incomplete
    TB: irPD band if the known part already satisfies rel >= 0.25"); one whose known part does not is not
    known. Over a nadir of 0 every burden > 0 meets it and a burden of 0 does not (anatomic.md 0.5).
    """
    if not known(nadir):
        return None
    burden, complete = _known_burden(row)
    meets = above(burden, 0.0) if nadir <= 0 else at_least_value(burden / nadir, HODI_BURDEN_INCREASE)
    return True if meets else (False if complete else None)


def _hodi_initial(row: dict) -> Flag:
    """Tumour burden >= +25 % vs the nadir of the timepoint (spec 1.3)."""
    return _hodi_increase(row, row["nadir_sum"])


def _hodi_confirms(row: dict, episode: Episode, context: Context) -> Flag:
    """The next assessment still >= +25 % vs the same nadir (spec 1.3)."""
    return _hodi_increase(row, episode.nadir)


def _hodi_resolves(row: dict, episode: Episode, context: Context) -> Flag:
    """The next assessment < 1.25 x nadir (spec 1.3): its burden is complete and not >= +25 %; an incomplete
    burden whose known part is below the threshold is not known (spec 0.3, anatomic.md 2.4)."""
    increase = _hodi_increase(row, episode.nadir)
    return None if increase is None else not increase


def _recist_resolves(row: dict, episode: Episode, context: Context) -> Flag:
    """Not PD vs the pre-PD nadir, new lesions gone, no unequivocal non-target progression (spec 1.3).

    A patient without baseline target lesions has S = 0 mm (spec 0.2), so no sum test gives PD. The three
    parts are an AND (spec 0.3): on a sum-only table, where new lesions and non-targets are not given, a
    sum that is not PD leaves the resolution not known.
    """
    no_targets = row.get("target_response") == NO_TARGETS
    current = 0.0 if no_targets else row["current_sum"]
    if not known(current) or not known(episode.nadir):
        return None
    growth = current - episode.nadir  # spec 0.4: both thresholds non-strict, with its tolerance
    still_pd = at_least_value(current, RECIST_PD_FRACTION * episode.nadir) and at_least_value(growth,
                                                                                            RECIST_PD_MM)
    if still_pd:
        return False
    if not context.components_given:
        return None  # "every new lesion absent and no unequivocal non-target progression" not known (0.3)
    if int(row[DAY]) in context.new_lesion_days:
        return False
    if int(row[DAY]) in context.unknown_new_lesion_days:
        return None  # "every new lesion absent" is not known (spec 1.3)
    if context.min_subsequent_response == "PR":
        if no_targets:  # without target lesions no PR: CR is the only response of the PR family (spec 1.3)
            return row["overall_response"] == Response.CR
        return bool(at_least_value(RECIST_PR_FRACTION * row["baseline_sum"], current))
    return True


def _never(row: dict, episode: Episode, context: Context) -> Flag:
    return False


def _in(labels: frozenset[str]) -> Test:
    return lambda row, episode, context: row["overall_response"] in labels


def _confirmed_imrecist(row: dict, episode: Episode, context: Context) -> Flag:
    """The assessment that confirmed the initial PD: ``confirmation_state`` "confirms" (anatomic.md 0.9)."""
    return row["confirmation_state"] == "confirms"


def _not_confirmed_imrecist(row: dict, episode: Episode, context: Context) -> Flag:
    """The assessment that decided an initial PD imRECIST did not confirm (spec 1.3 "before confirmation";
    anatomic.md 0.8, 5.7): the PD row is ``not_confirmed`` and this is the first later evaluable assessment
    at least ``confirm_min_days`` (28 by default, the option imRECIST ran with) after it, whatever its
    response (SD, PR, CR or NON-CR/NON-PD).
    Assessments inside the window or NE do not decide; a PD still ``pending`` at the end of the data is
    not decided (spec 1.4 step 3)."""
    return (
        episode.start["confirmation_state"] == "not_confirmed"
        and row["overall_response"] != Response.NE
        and int(row[DAY]) - int(episode.start[DAY]) >= context.confirm_min_days
    )


# iRECIST: an iCPD confirms the iUPD of its own episode only (anatomic.md 4.7: its progression day is that
# episode's iupd_day). The walk ends an episode at its reset (IRECIST_RESOLVED, 4.6), so the iCPD it reaches
# is always its own: a later episode's iCPD never confirms an earlier, reset iUPD.
DEFINITIONS = (
    PsPDefinition("pseudoprogression.irecist", "iRECIST, Seymour 2017", "irecist", "iUPD",
                  _label_is("iUPD"), _in(frozenset({"iCPD"})), _in(IRECIST_RESOLVED), True),
    PsPDefinition("pseudoprogression.irrc_hodi2016", "Hodi 2016", "irrc", "tumour burden >= +25 % vs nadir",
                  _hodi_initial, _hodi_confirms, _hodi_resolves, False, next_assessment_only=True),
    PsPDefinition("pseudoprogression.recist_then_nonpd", "RECIST 1.1 PD then non-PD, Park 2020", "recist11",
                  "RECIST PD", _label_is("PD"), _never, _recist_resolves, False),
    PsPDefinition("pseudoprogression.imrecist", "imRECIST, Hodi 2018", "imrecist", "imRECIST PD",
                  _label_is("PD"), _confirmed_imrecist, _not_confirmed_imrecist, False),
    PsPDefinition("pseudoprogression.percist_humbert2020", "Humbert 2020", "percist", "PERCIST PMD",
                  _label_is("PMD"), _in(frozenset({"PMD"})), _in(PERCIST_RESOLVED), False,
                  next_assessment_only=True),
)
"""Spec table 1.3, default first."""


def criterion_of(definition: PsPDefinition, options: PatternOptions) -> str:
    """Timepoints a definition reads (the Hodi variant follows ``hodi_criterion``)."""
    return options.hodi_criterion if definition.id.endswith("hodi2016") else definition.criterion


def find(
    study: Study, timepoints: pd.DataFrame, options: PatternOptions, definitions: list[str],
    confirm_min_days: int = CONFIRM_MIN_DAYS,
) -> list[PatternRow]:
    """Pattern rows of the chosen definitions: one per patient x reader x episode (spec 0.6, 1.4).

    ``confirm_min_days``: the confirmation window imRECIST ran with (its option, anatomic.md 0.8).
    """
    new_therapy = patient_days(study, "new_therapy_start")
    local_therapy = _local_therapy_days(study)
    contexts = _contexts(study, options, confirm_min_days)
    rows: list[PatternRow] = []
    for definition in (d for d in DEFINITIONS if d.id in definitions):
        key = criterion_of(definition, options)
        table = timepoints[timepoints["criterion"] == key].sort_values([PATIENT, READER, DAY], kind="stable")
        subjects: dict[tuple[str, str], list[dict]] = {}
        for record in records(table):
            subjects.setdefault((record[PATIENT], record[READER]), []).append(record)
        for (patient, reader), group in subjects.items():
            fallback = Context(frozenset(), frozenset(), True, options.min_subsequent_response,
                               confirm_min_days)
            own = contexts.get((patient, reader), fallback)
            context = own if "lesions" in definition.required_inputs else fallback
            rows += walk(
                definition, group, context, new_therapy.get(patient),
                local_therapy.get(patient, ()), options.early_cutoff_days,
            )
    return rows


def walk(
    definition: PsPDefinition, rows: list[dict], context: Context, new_therapy_day: int | None,
    local_therapy_days: tuple[int, ...] = (), early_cutoff_days: int = EARLY_CUTOFF_DAYS,
) -> list[PatternRow]:
    """The algorithm of spec 1.4 on one subject's timepoint rows sorted by day.

    Without an initial progression the flag is false, unless no timepoint could tell (every one NE):
    whether the initial progression of step 1 occurred is then not known (spec 0.3).
    """
    patient, reader = str(rows[0][PATIENT]), str(rows[0][READER])
    out: list[PatternRow] = []
    i = 0
    while True:
        start = next((k for k in range(i, len(rows)) if definition.initial(rows[k])), None)
        if start is None:
            break
        episode = Episode(rows[start], _nadir_at(rows, start))
        row, end = _decide(definition, rows, start, episode, context, new_therapy_day, local_therapy_days,
                           early_cutoff_days, len(out) + 1)
        out.append(row)
        if row.flag is not True:
            break
        i = end + 1
    if not out:
        if any(definition.initial(r) is False for r in rows):
            flag, reason = False, f"no {definition.initial_label} at any assessment"
        else:
            flag, reason = None, ("no assessment after baseline can be evaluated: whether a "
                                  f"{definition.initial_label} occurred is not known (spec 0.3)")
        out.append(PatternRow(patient, reader, PATTERN, definition.id, flag,
                              f"{reason} ({definition.citation})", {"criterion": rows[0]["criterion"]}))
    return out


def _decide(
    definition: PsPDefinition, rows: list[dict], start: int, episode: Episode, context: Context,
    new_therapy_day: int | None, local_therapy_days: tuple[int, ...], early_cutoff_days: int, number: int,
) -> tuple[PatternRow, int]:
    first = rows[start]
    t_u = int(first[DAY])
    values: dict[str, object] = {
        "t_u": t_u, "criterion": first["criterion"], "response_at_progression": first["overall_response"],
        "pct_change_nadir_at_progression": display(_pct(first["current_sum"], episode.nadir), 2),
    }
    evidence: dict[str, object] = {"progression_day": t_u}
    if not context.components_given:
        evidence["components_not_given"] = "new lesions and non-target lesions not in the input"

    def row(flag: Flag, reason: str) -> PatternRow:
        return PatternRow(patient_id=str(first[PATIENT]), reader=str(first[READER]), pattern=PATTERN,
                          definition=definition.id, flag=flag, reason=f"{reason} ({definition.citation})",
                          values=values, evidence=evidence, episode=number, date=str(first[DATE]), day=t_u)

    progression = f"{definition.initial_label} on day {t_u}"
    undecided: list[int] = []  # days whose resolution is not known (spec 0.3)
    for k in range(start + 1, len(rows)):
        later = rows[k]
        day = int(later[DAY])
        if new_therapy_day is not None and new_therapy_day <= day:
            values["new_therapy_day"] = new_therapy_day
            return row(None, f"{progression}: new anticancer therapy started on day {new_therapy_day} "
                             "before progression resolved or was confirmed"), k
        if definition.confirms(later, episode, context):
            values["confirmation_day"] = day
            return row(False, f"{progression} confirmed as {later['overall_response']} on day {day}"), k
        resolved = definition.resolves(later, episode, context)
        if resolved:
            timing = "early" if t_u <= early_cutoff_days else "late"
            values |= {"resolution_day": day, "response_at_resolution": later["overall_response"],
                       "timing": timing, "days_to_resolution": day - t_u}
            local = [d for d in local_therapy_days if t_u <= d <= day]
            if local:
                evidence["confounded_by_local_therapy"] = True
                evidence["local_therapy_days"] = local
            cut = "<=" if timing == "early" else ">"
            reason = (f"{progression} not confirmed: {later['overall_response']} on day {day}"
                      f"{_sum_text(later, episode)}; {timing} (day {t_u} {cut} {early_cutoff_days})")
            if not context.components_given:
                reason += "; new lesions not given: resolution judged on sums only"
            return row(True, reason), k
        if resolved is None:
            undecided.append(day)
        if definition.next_assessment_only:  # spec 1.4 step 2: decided at the first later assessment
            return row(None, f"{progression}: the next assessment ({later['overall_response']} on day {day}) "
                             "neither confirms nor resolves it"), k
    last = int(rows[-1][DAY])
    reason = f"{progression}: progression unconfirmed at last assessment (day {last})"
    if undecided and not context.components_given:
        reason += (f"; new lesions and non-target lesions not given: whether day {undecided[0]} resolves it "
                   "is not known (spec 0.3)")
    return row(None, reason), len(rows)


def _nadir_at(rows: list[dict], start: int) -> float:
    """The nadir at the initial progression P (spec 1.4 "percent change at P (vs nadir)"): the criterion's
    own ``nadir_sum``; rows without one (the metabolic criteria, metabolic.md 1.6) take the lowest of the
    baseline value and the values of the earlier follow-ups."""
    own = rows[start]["nadir_sum"]
    if known(own):
        return float(own)
    values = [float(r["current_sum"]) for r in rows[:start] if known(r["current_sum"])]
    if known(rows[start]["baseline_sum"]):
        values.append(float(rows[start]["baseline_sum"]))
    return min(values, default=float("nan"))


def _pct(current: float, reference: float) -> float | None:
    if not (known(current) and known(reference)) or reference == 0:
        return None
    return 100.0 * (current - reference) / reference


def _sum_text(row: dict, episode: Episode) -> str:
    if not known(row["current_sum"]):
        return ""
    change = _pct(row["current_sum"], episode.nadir)
    current = mm(row["current_sum"])
    return f" (sum {current} vs nadir {mm(episode.nadir)} at progression, {fmt(change, 2, True)} %)"


def _contexts(study: Study, options: PatternOptions, confirm_min_days: int) -> dict[tuple[str, str], Context]:
    """Days with a new lesion or unequivocal non-target progression, per patient x reader."""
    lesions = study.lesions
    given = not ({"new", NON_TARGET} & set(study.missing_components))
    if lesions is None:
        return {}
    worse = new_lesion_rows(lesions) | (
        (lesions[ROLE].to_numpy() == Role.NON_TARGET)
        & (lesions[STATUS].to_numpy() == Status.UNEQUIVOCAL_PROGRESSION)
    )
    days: dict[tuple[str, str], set[int]] = {}
    for p, r, d in zip(lesions[PATIENT][worse], lesions[READER][worse], lesions[DAY][worse], strict=True):
        days.setdefault((p, r), set()).add(int(d))
    unknown = _unknown_new_lesion_days(lesions)
    subjects = set(zip(lesions[PATIENT], lesions[READER], strict=True))
    return {
        s: Context(
            frozenset(days.get(s, ())), frozenset(unknown.get(s, ())), given, options.min_subsequent_response,
            confirm_min_days,
        )
        for s in subjects
    }


def _unknown_new_lesion_days(lesions: pd.DataFrame) -> dict[tuple[str, str], set[int]]:
    """Per patient x reader, the days where a new lesion seen earlier is not_evaluable or has no row
    (spec/anatomic.md 0.2: a missing row is not evaluable)."""
    keys = [PATIENT, READER]
    new = lesions.loc[lesions[ROLE].to_numpy() == Role.NEW, [*keys, DAY, LESION, STATUS]]
    first = new.groupby([*keys, LESION], sort=False)[DAY].min().rename("first").reset_index()
    days = lesions[[*keys, DAY]].drop_duplicates()
    known = days.merge(first, on=keys)
    known = known[known["first"] < known[DAY]]  # seen at an earlier assessment
    reported = known.merge(new[[*keys, DAY, LESION, STATUS]].drop_duplicates([*keys, DAY, LESION]),
                           on=[*keys, DAY, LESION], how="left")
    missing = reported.loc[reported[STATUS].isna(), [*keys, DAY]]
    not_evaluable = new.loc[new[STATUS] == Status.NOT_EVALUABLE, [*keys, DAY]]
    result: dict[tuple[str, str], set[int]] = {}
    for patient, reader, day in pd.concat([missing, not_evaluable]).itertuples(index=False):
        result.setdefault((patient, reader), set()).add(int(day))
    return result


def _local_therapy_days(study: Study) -> dict[str, tuple[int, ...]]:
    """Patient-table ``local_therapy_dates`` as days (spec 1.4 step 5): ISO dates separated by ";" or ","
    (io.validate.split_dates; checked when the patient table is read, io.validate.check_local_therapy_dates).

    Raises
    ------
    InputError
        Dates of a patient without ``treatment_start``: they cannot become days (spec 0.1), at the row.
    """
    patients = study.patients
    if patients is None or LOCAL_THERAPY_DATES not in patients:
        return {}
    starts = patient_values(study, "treatment_start")
    result = {}
    for patient, cell, row in zip(patients[PATIENT].astype(str), patients[LOCAL_THERAPY_DATES],
                                  file_rows(patients), strict=True):
        dates = split_dates(cell)
        if not dates:
            continue
        if patient not in starts:
            raise InputError(study.patients_source, [row], "treatment_start",
                             f"patient {patient} has {LOCAL_THERAPY_DATES} but no treatment_start to make "
                             "them days (spec/patterns.md 0.1)")
        iso = parse_dates(pd.Series(dates, dtype=object))[0]  # a time part is not read (io.tables)
        start = parse_dates(pd.Series([str(starts[patient])] * len(dates), dtype=object))[0]
        result[patient] = tuple(sorted(int(d) for d in days_between(iso, start)))
    return result
