"""CDISC-style outputs of the computed responses: SDTM RS and an ADaM ADRS-like table.

Sources
-------
- SDTM RS (Disease Response) domain: CDISC SDTM Implementation Guide v3.3/3.4, section 6.3 "RS";
  CDISC Therapeutic Area User Guide for oncology (TAUG-Oncology), tests ``OVRLRESP`` "Overall
  Response", ``TRGRESP`` "Target Response", ``NTRGRESP`` "Non-target Response", ``NEWLPROG`` "New
  Lesion Progression" and ``NEWLIND`` "New Lesion Indicator" (CDISC Controlled Terminology, codelists
  ONCRSTCD/ONCRTEST; NEWLIND as in the pharmaversesdtm iRECIST RS example, ``rs_onco_irecist``). Study day:
  SDTM IG 4.4.4 (``--DY`` = day - reference + 1 on or after the reference day, no day 0); our
  ``day`` 0 is the first dose (contract.md), so ``RSDY = day + 1`` for ``day >= 0`` and ``day``
  before it.
- ADaM ADRS: CDISC ADaM Implementation Guide v1.3 (Basic Data Structure) and the ADaM oncology
  examples: ``PARAMCD`` ``OVR`` (overall response by visit), ``BOR`` (best overall response) and
  ``CBOR`` (confirmed best overall response), ``AVALC``/``AVAL``, ``ADT``/``ADY``, one set per
  criterion in ``PARCAT1``. ``AVAL`` codes follow admiralonco's ``aval_resp()`` (CR 1, PR 2, SD 3,
  NON-CR/NON-PD 4, PD 5, NE 6) applied to each criterion's family; unconfirmed progression (iUPD,
  UPMD), which admiralonco does not code, is 7. ``ADT`` is the date of the assessment (for BOR and
  CBOR the assessment of that best response: ``best_response_day``, ``best_response_confirmed_day``),
  with ``ADTF`` "D" (day imputed) or "M" (month and day imputed) when
  that date was imputed from a partial one (ADaM IG 3.1.2 "Timing Variable Conventions"; admiral
  ``compute_dtf()``).
- Dates as collected: SDTM never imputes ``--DTC`` (SDTM IG 4.4.2), so ``RSDTC`` is the partial date
  the input gave ("2021-05") when io imputed it; the timepoint ``reason`` carries io's note
  ("date 2021-05 partial: imputed 2021-05-24 ...", io.tables.parse_dates, io.sdtm._dated), which is
  where the export reads the collected date from (:data:`PARTIAL_DATE_NOTE`): the anatomic criteria end
  their reasons with the lesion rows' notes, the metabolic ones with the PET rows' notes
  (criteria._metabolic.Scan.note).
- New lesions (:data:`NEW_LESION_PROGRESSION`): ``NEWLPROG`` ("New Lesion Progression") only under the
  criteria where a new lesion is by itself progression: RECIST 1.1 (PD, spec/anatomic.md 1.5/1.6),
  iRECIST (iUPD, 4.5/4.6), EORTC 1999 (PMD, spec/metabolic.md 4.6), PERCIST 1.0 (PMD, 5.6) and
  iPERCIST (UPMD, 9.6). Where new lesions enter the tumour burden or are counted instead, a new lesion
  is no progression by itself, and the same Y/N is written as ``NEWLIND`` ("New Lesion Indicator"):
  irRC (new lesions "never define irPD" by themselves, spec/anatomic.md 2.5/2.6), irRECIST (3.5),
  imRECIST (5.5), PERCIMT (progression by their count and size only, spec/metabolic.md 7.6) and
  imPERCIST (8.6: "never PMD on their own"). PECRIT writes no new-lesion result (6.6: counted only
  through RECIST 1.1), so it has neither record.
- Evaluators: ``RSEVAL`` takes the CDISC CT evaluator codelist (EVAL: "INVESTIGATOR", "INDEPENDENT
  ASSESSOR") and ``RSEVALID`` the reader ("RADIOLOGIST 1"), SDTM IG 6.3 RS; both are derived from the
  result tables' ``reader`` (:func:`evaluator`), the only reader information they carry.
- SAS transport: written with ``pyreadstat.write_xport`` as XPORT version 5 (the version the FDA
  accepts), so variable names have at most 8 characters and labels at most 40. Its header dates (created,
  modified) are :data:`XPORT_HEADER_TIME`, or ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds
  convention), instead of the clock, so that the same results give byte-identical files (DESIGN.md).

Not written: the ``reason`` sentences (SDTM would carry them in SUPPRS). ``VISIT``/``VISITNUM`` (and
``AVISIT``/``AVISITN``) are "DAY n" and the day since first dose, also for an SDTM input: the result
tables carry no visit of the study (the lesion table drops it after the visit-order check).
"""

from __future__ import annotations

import os
import re
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyreadstat

from ioresponse.cohort.rates import require_columns
from ioresponse.criteria import BEST_RESPONSE_DAYS
from ioresponse.schema import DATE, DAY, NOT_GIVEN, PATIENT, READER, InputError, IoresponseWarning

CRITERION_NAMES = {
    "recist11": "RECIST 1.1", "irrc": "irRC", "irrecist": "irRECIST", "irecist": "iRECIST",
    "imrecist": "imRECIST", "eortc": "EORTC 1999", "percist": "PERCIST 1.0", "pecrit": "PECRIT",
    "percimt": "PERCIMT", "impercist": "imPERCIST5", "ipercist": "iPERCIST",
}
"""``RSCAT``/``PARCAT1``: the criterion as published (CDISC CT term "RECIST 1.1" where it exists)."""

RS_TESTS = (
    ("overall_response", "OVRLRESP", "Overall Response"),
    ("target_response", "TRGRESP", "Target Response"),
    ("non_target_response", "NTRGRESP", "Non-target Response"),
    ("new_lesion_response", "NEWLPROG", "New Lesion Progression"),
)
"""Timepoint column -> (RSTESTCD, RSTEST), CDISC CT oncology response tests (TAUG-Oncology); the new
lesions are :data:`NEW_LESION_INDICATOR` under a criterion outside :data:`NEW_LESION_PROGRESSION`."""

NEW_LESION_PROGRESSION = frozenset({"recist11", "irecist", "eortc", "percist", "ipercist"})
"""Criteria under which a new lesion is by itself progression (module docstring): their new lesions are
``NEWLPROG``."""

NEW_LESION_INDICATOR = ("NEWLIND", "New Lesion Indicator")
"""(RSTESTCD, RSTEST) of the new lesions under the other criteria, where they are no progression."""

NEW_LESION_RESULTS = {"yes": "Y", "no": "N", "equivocal": "EQUIVOCAL"}
"""``NEWLPROG``/``NEWLIND`` results: CDISC NY codelist, plus EQUIVOCAL for an equivocal new lesion (RECIST
1.1 4.3.3)."""

NOT_RECORDED = frozenset({"", "none", NOT_GIVEN, "nan"})
"""Component values that produce no RS row: no such lesions, or the input did not carry them."""

RS_COLUMNS = {
    "STUDYID": "Study Identifier", "DOMAIN": "Domain Abbreviation", "USUBJID": "Unique Subject Identifier",
    "RSSEQ": "Sequence Number", "RSTESTCD": "Assessment Short Name", "RSTEST": "Assessment Name",
    "RSCAT": "Category for Assessment", "RSORRES": "Result or Finding in Original Units",
    "RSSTRESC": "Character Result/Finding in Std Format", "RSEVAL": "Evaluator",
    "RSEVALID": "Evaluator Identifier", "VISITNUM": "Visit Number",
    "VISIT": "Visit Name", "RSDTC": "Date/Time of Assessment", "RSDY": "Study Day of Assessment",
    "RSACPTFL": "Accepted Record Flag",
}
"""SDTM RS variables written, with their SDTM IG labels."""

ADRS_COLUMNS = {
    "STUDYID": "Study Identifier", "USUBJID": "Unique Subject Identifier", "PARAMCD": "Parameter Code",
    "PARAM": "Parameter", "PARCAT1": "Parameter Category 1", "RSEVAL": "Evaluator",
    "RSEVALID": "Evaluator Identifier", "AVALC": "Analysis Value (C)", "AVAL": "Analysis Value",
    "ADT": "Analysis Date", "ADTF": "Analysis Date Imputation Flag", "ADY": "Analysis Relative Day",
    "AVISIT": "Analysis Visit", "AVISITN": "Analysis Visit (N)", "ANL01FL": "Analysis Flag 01",
}
"""ADRS-like variables written, with ADaM IG style labels."""

AVAL_CODES = {
    "CR": 1, "irCR": 1, "iCR": 1, "CMR": 1, "PR": 2, "irPR": 2, "iPR": 2, "PMR": 2,
    "SD": 3, "irSD": 3, "iSD": 3, "SMD": 3, "NON-CR/NON-PD": 4, "irNON-CR/NON-PD": 4, "NON-iCR/NON-iUPD": 4,
    "PD": 5, "irPD": 5, "iCPD": 5, "PMD": 5, "CPMD": 5, "NE": 6, "iUPD": 7, "UPMD": 7,
}
"""``AVAL`` of each response label (admiralonco ``aval_resp()`` order; 7 = unconfirmed progression)."""

PARAMS = {
    "OVR": ("overall_response", "Overall Response by {name}"),
    "BOR": ("best_response", "Best Overall Response by {name}"),
    "CBOR": ("best_response_confirmed", "Confirmed Best Overall Response by {name}"),
}
"""ADRS parameters (PARAMCD of RECIST 1.1 -> source column, PARAM template)."""

PARAMCD_PREFIXES = {
    "recist11": "", "irecist": "I", "irrc": "IRC", "irrecist": "IRR", "imrecist": "IM", "eortc": "EO",
    "percist": "PC", "pecrit": "PEC", "percimt": "PCM", "impercist": "IMP", "ipercist": "IP",
}
"""What each criterion puts before OVR, BOR and CBOR, so that PARAMCD is one-to-one with PARAM when
several criteria share one ADRS (ADaM IG BDS). RECIST 1.1 keeps admiralonco's OVR/BOR/CBOR; iRECIST
takes admiralonco's iRECIST vignette's "I" (IBOR); every code stays within 8 characters (SAS XPORT v5)."""

INDEPENDENT_ASSESSOR = "INDEPENDENT ASSESSOR"
"""``RSEVAL`` of a named reader other than the investigator (CDISC CT EVAL; TAUG-Oncology central review)."""

EVALUATORS = ("INVESTIGATOR", INDEPENDENT_ASSESSOR)
"""CDISC CT EVAL terms a reader may already be (an SDTM input with --EVAL and no --EVALID)."""

PARTIAL_DATE_NOTE = re.compile(
    r"date (?P<collected>\d{4}(?:-\d{2})?) partial: imputed (?P<imputed>\d{4}-\d{2}-\d{2})")
"""The note io writes on a date it imputed (io.tables.parse_dates, io.sdtm._dated), kept in ``reason``."""

STUDY_DAY_NOTE = "(treatment start + "
"""How io's note says a partial date was completed from the input's study day (io.sdtm._dated)."""

DATE_IMPUTATION_FLAG = {len("2021-05"): "D", len("2021"): "M"}
"""``ADTF`` by the length of the collected date: day imputed, or month and day (ADaM IG 3.1.2)."""

SAS_EPOCH = pd.Timestamp("1960-01-01")
"""SAS date value 0: a SAS date is the number of days since 1 January 1960."""

SAS_DATE_FORMAT = "DATE9"
"""Display format of the numeric ``ADT`` in adrs.xpt (e.g. 12APR2021)."""

Standard = Literal["sdtm", "adam"]


def accepted_reads(lesions: pd.DataFrame | None) -> pd.DataFrame | None:
    """Each reader's assessment (patient x reader x day) and whether the lesion table accepts it: every row
    of it has ``accepted`` true (SDTM --ACPTFL "Y", io.sdtm; True when the input has no such column).
    None without a lesion table or its ``accepted`` column."""
    if lesions is None or "accepted" not in lesions.columns:
        return None
    flag = lesions["accepted"].map(lambda v: str(v).strip().lower() in ("true", "1", "y", "yes"))
    key = pd.DataFrame({"_patient": _text(lesions, PATIENT), "_reader": _text(lesions, READER),
                        "_day": pd.to_numeric(lesions[DAY], errors="coerce"), "_accepted": flag})
    return key.groupby(["_patient", "_reader", "_day"], as_index=False)["_accepted"].all()


def _evaluations(table: pd.DataFrame, day_column: str, accepted: pd.DataFrame | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per row: whether its subject has more than one evaluator, and whether the row is that subject's
    accepted evaluation (``accepted``: :func:`accepted_reads`; a best response is accepted when all of the
    reader's assessments are). Without ``accepted`` no row is known to be accepted."""
    key = _assessment_key(table, day_column)
    several = key.groupby("_patient")["_reader"].transform("nunique").to_numpy() > 1
    if accepted is None or not len(table):
        return several, np.zeros(len(table), bool)
    if day_column != DAY:
        accepted = accepted.groupby(["_patient", "_reader"], as_index=False)["_accepted"].all()
    on = ["_patient", "_reader"] + (["_day"] if day_column == DAY else [])
    found = key[on].merge(accepted, how="left", on=on)["_accepted"].fillna(False).to_numpy(bool)
    return several, found


def study_day(day: pd.Series) -> pd.Series:
    """SDTM/ADaM study day from days since first dose: no day 0 (SDTM IG 4.4.4)."""
    numeric = pd.to_numeric(day, errors="coerce")
    return numeric.where(numeric < 0, numeric + 1)


def _rs_study_day(day: pd.Series, rsdtc: pd.Series, reason: pd.Series) -> pd.Series:
    """``RSDY`` of each row. SDTM IG 4.4.4 derives --DY from complete dates only, so it is empty when
    ``RSDTC`` is partial and io imputed the day from it (the imputed day stays in ``ADY`` with its
    ``ADTF``); a day the input gave as a study day (SDTM --DY, io.sdtm._dated) is kept."""
    partial = (rsdtc != "") & (rsdtc.str.len() < len("2021-05-15"))
    given = reason.str.contains(STUDY_DAY_NOTE, regex=False)
    return study_day(day).mask((partial & ~given).to_numpy()).astype("Int64")  # 57, not 57.0


def _visit(day: pd.Series) -> pd.Series:
    return "DAY " + pd.to_numeric(day, errors="coerce").astype("Int64").astype(str)


def _criterion_name(criterion: pd.Series) -> pd.Series:
    return criterion.map(CRITERION_NAMES)


def check_criteria(table: pd.DataFrame, source: str, *, first_row: int = 2) -> None:
    """Refuse a ``criterion`` that is not one of :data:`CRITERION_NAMES` (the criteria of
    ``ioresponse.criteria.registry()``): the export has no published name (``RSCAT``/``PARCAT1``) nor
    ``PARAMCD`` prefix for it, and two unknown criteria would share a PARAMCD (ADaM IG BDS: one PARAMCD per
    PARAM). ``source`` names the table in the error, whose first data row is ``first_row`` (a CSV file:
    2, the header being row 1)."""
    criterion = table["criterion"].astype(str)
    unknown = ~criterion.isin(CRITERION_NAMES)
    if unknown.any():
        raise InputError(source, (np.flatnonzero(unknown.to_numpy()) + first_row).tolist(), "criterion",
                         f"{criterion[unknown].iloc[0]!r} is not a criterion of ioresponse (known: "
                         f"{', '.join(CRITERION_NAMES)}); expected a table written by `ioresponse assess`")


def _text(table: pd.DataFrame, column: str) -> pd.Series:
    """``column`` as text ("" when missing or absent)."""
    if column not in table:
        return pd.Series("", index=table.index, dtype=object)
    return table[column].fillna("").astype(str)


def evaluator(reader: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``RSEVAL`` and ``RSEVALID`` of each reader.

    A reader that is an EVAL term ("INVESTIGATOR", any case) is ``RSEVAL`` with an empty ``RSEVALID``;
    another named reader ("RADIOLOGIST 1") is an INDEPENDENT ASSESSOR with ``RSEVALID`` the reader; no
    reader (a single unnamed one) leaves both empty.
    """
    name = reader.fillna("").astype(str).str.strip()
    term = name.str.upper().isin(EVALUATORS)
    role = pd.Series(np.where(term, name.str.upper(), np.where(name != "", INDEPENDENT_ASSESSOR, "")),
                     index=reader.index)
    return role, name.where(~term, "")


def collected_date(date: pd.Series, reason: pd.Series) -> pd.Series:
    """The date as the input gave it: the partial date whose imputation to ``date`` the reason states."""

    def collected(iso: str, text: str) -> str:
        notes = (m["collected"] for m in PARTIAL_DATE_NOTE.finditer(text) if m["imputed"] == iso)
        return next(notes, iso)

    return pd.Series([collected(iso, text) for iso, text in zip(date, reason, strict=True)], index=date.index,
                     dtype=object)


def _analysis_dates(timepoints: pd.DataFrame) -> pd.DataFrame:
    """``ADT`` (ISO date of the assessment, "" when only days were given) and ``ADTF`` of each timepoint."""
    date = _text(timepoints, DATE)
    collected = collected_date(date, _text(timepoints, "reason"))
    flag = collected.str.len().map(DATE_IMPUTATION_FLAG).where(collected != date, "").fillna("")
    return pd.DataFrame({"ADT": date, "ADTF": flag}, index=timepoints.index)


def rs_table(timepoints: pd.DataFrame, *, study_id: str = "IORESPONSE",
             accepted: pd.DataFrame | None = None) -> pd.DataFrame:
    """SDTM RS rows of the computed timepoint responses.

    Parameters
    ----------
    timepoints : pandas.DataFrame
        Timepoint table (schema.TIMEPOINT_COLUMNS).
    study_id : str, default "IORESPONSE"
        ``STUDYID`` of every row.
    accepted : pandas.DataFrame, optional
        :func:`accepted_reads` of the lesion table: ``RSACPTFL`` = "Y" on the accepted evaluation of a
        subject with more than one evaluator, else empty.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RS_COLUMNS`; one row per timepoint and test whose result exists (components
        that are ``none`` or ``not_given`` are left out), sorted by subject, criterion, evaluator,
        day and test, ``RSSEQ`` numbered 1.. per subject. ``RSDTC`` is the date as collected (partial
        when the input's was), ``RSEVAL``/``RSEVALID`` come from :func:`evaluator`.
    """
    require_columns(timepoints, (PATIENT, "criterion", DAY, "overall_response"), "timepoints")
    check_criteria(timepoints, "timepoints")
    rseval, rsevalid = evaluator(_text(timepoints, READER))
    reason = _text(timepoints, "reason")
    rsdtc = collected_date(_text(timepoints, DATE), reason)
    # SDTM IG RS --ACPTFL (TAUG-Oncology): "Y" on the accepted evaluation where more than one evaluator read
    several, chosen = _evaluations(timepoints, DAY, accepted)
    acptfl = pd.Series(np.where(several & chosen, "Y", ""), index=timepoints.index)
    parts = []
    for order, (column, code, name) in enumerate(RS_TESTS):
        if column not in timepoints.columns:
            continue
        result = timepoints[column].fillna("").astype(str)
        codes, names = pd.Series(code, index=timepoints.index), pd.Series(name, index=timepoints.index)
        if column == "new_lesion_response":
            result = result.map(lambda v: NEW_LESION_RESULTS.get(v, v))
            indicator = ~timepoints["criterion"].isin(NEW_LESION_PROGRESSION)  # no progression by itself
            codes, names = (series.mask(indicator, value)
                            for series, value in zip((codes, names), NEW_LESION_INDICATOR, strict=True))
        keep = ~result.isin(NOT_RECORDED)
        source = timepoints[keep]
        parts.append(pd.DataFrame({
            "USUBJID": source[PATIENT].astype(str), "RSTESTCD": codes[keep], "RSTEST": names[keep],
            "RSCAT": _criterion_name(source["criterion"]), "RSORRES": result[keep], "RSSTRESC": result[keep],
            "RSEVAL": rseval[keep], "RSEVALID": rsevalid[keep],
            "VISITNUM": pd.to_numeric(source[DAY], errors="coerce"), "VISIT": _visit(source[DAY]),
            "RSDTC": rsdtc[keep], "RSDY": _rs_study_day(source[DAY], rsdtc[keep], reason[keep]),
            "RSACPTFL": acptfl[keep], "_order": order,
            "_criterion": source["criterion"],
        }))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*RS_COLUMNS, "_order"])
    table = table.sort_values(["USUBJID", "_criterion", "RSEVAL", "RSEVALID", "VISITNUM", "_order"],
                              kind="stable")
    table["STUDYID"] = study_id
    table["DOMAIN"] = "RS"
    table["RSSEQ"] = table.groupby("USUBJID").cumcount() + 1
    return table[list(RS_COLUMNS)].reset_index(drop=True)


def adrs_table(timepoints: pd.DataFrame, best_response: pd.DataFrame, *,
               study_id: str = "IORESPONSE", accepted: pd.DataFrame | None = None) -> pd.DataFrame:
    """ADaM ADRS-like long table: OVR per assessment, BOR and CBOR per subject and criterion.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ADRS_COLUMNS`; ``PARAMCD`` is :data:`PARAMS`' code after the criterion's
        :data:`PARAMCD_PREFIXES` (one per criterion and parameter). ``ANL01FL`` = "Y" on OVR rows
        before progression (the rows best response reads, spec/anatomic.md 0.9) and on every BOR/CBOR
        row; of a subject with more than one evaluator, only on the accepted evaluation's rows
        (``accepted``, as :func:`rs_table`).
        ``ADT`` is the ISO 8601 date text (empty when only days were given; adrs.xpt holds it as a
        numeric SAS date, see :func:`write_export`) with its imputation flag ``ADTF``; BOR and CBOR take
        the day of their own best response as ``ADY`` (:func:`_best_response_days`) and the date of the
        assessment on that day as ``ADT``.
    """
    require_columns(best_response, (PATIENT, "criterion", "best_response", "best_response_confirmed"))
    for table, source in ((timepoints, "timepoints"), (best_response, "best_response")):
        check_criteria(table, source)
    dates = _analysis_dates(timepoints)
    ovr = _adrs_rows(timepoints.join(dates), "OVR", DAY)
    after = timepoints.get("after_progression", pd.Series(False, index=timepoints.index))
    ovr["ANL01FL"] = np.where(after.map(lambda v: str(v).lower() in ("true", "1")).to_numpy(), "", "Y")
    days = _best_response_days(best_response)
    bor, cbor = (
        _adrs_rows(_with_best_response_dates(days, timepoints, dates, column), param, column)
        for param, column in zip(("BOR", "CBOR"), BEST_RESPONSE_DAYS, strict=True)
    )
    if accepted is not None:  # ADaM BDS: of a subject read by several evaluators, the accepted one's rows
        sources = ((timepoints, DAY, (ovr,)), (best_response, "bor_day", (bor, cbor)))
        for source, day_column, params in sources:
            several, chosen = _evaluations(source, day_column, accepted)
            for rows in params:
                rows["ANL01FL"] = np.where(chosen | ~several, rows["ANL01FL"], "")
        _warn_unsettled_adjudication(best_response, several, chosen)  # the best-response rows: the last
    table = pd.concat([ovr, bor, cbor], ignore_index=True)
    table["STUDYID"] = study_id
    table = table.sort_values(["USUBJID", "PARCAT1", "RSEVAL", "RSEVALID", "_param", "AVISITN"],
                              kind="stable", na_position="last")
    return table[list(ADRS_COLUMNS)].reset_index(drop=True)


def _warn_unsettled_adjudication(best: pd.DataFrame, several: np.ndarray, chosen: np.ndarray) -> None:
    """Warn of the subjects read by several readers whose best response has no accepted read, or more than
    one, under a criterion: ADaM BDS wants one analysis record per subject and parameter, and ANL01FL then
    marks none or several (a read is accepted when every one of its assessments is)."""
    frame = pd.DataFrame({"patient": _text(best, PATIENT), "criterion": _text(best, "criterion"),
                          "several": several, "chosen": chosen})
    counts = frame[frame["several"]].groupby(["patient", "criterion"], sort=True)["chosen"].sum()
    for accepted, meaning in ((0, "no analysis BOR (ANL01FL), as no read is accepted at every assessment"),
                              (2, "several analysis BORs (ANL01FL), one per accepted read")):
        odd = counts[counts == 0] if accepted == 0 else counts[counts >= 2]
        patients = list(dict.fromkeys(odd.index.get_level_values("patient")))
        if patients:
            more = f" and {len(patients) - 1} more" if len(patients) > 1 else ""
            verb = "get" if more else "gets"
            warnings.warn(f"adrs: patient {patients[0]}{more}, read by several readers, {verb} {meaning}; "
                          "mark one read of each patient accepted (the lesion table's accepted column, SDTM "
                          "TRACPTFL)", IoresponseWarning, stacklevel=3)


def _best_response_days(best_response: pd.DataFrame) -> pd.DataFrame:
    """``best_response`` with the day of each of its two best responses in
    :data:`~ioresponse.criteria.BEST_RESPONSE_DAYS`: the anatomic criteria's own, else ``bor_day`` (a
    metabolic criterion's two best responses are one; a table written by an older version)."""
    bor_day = pd.to_numeric(best_response["bor_day"], errors="coerce")
    return best_response.assign(**{
        column: pd.to_numeric(best_response[column], errors="coerce").fillna(bor_day)
        if column in best_response.columns else bor_day
        for column in BEST_RESPONSE_DAYS
    })


def _with_best_response_dates(best_response: pd.DataFrame, timepoints: pd.DataFrame,
                              dates: pd.DataFrame, day_column: str) -> pd.DataFrame:
    """``best_response`` with the ``ADT``/``ADTF`` of the timepoint at its ``day_column`` (same subject,
    reader and criterion); empty when there is none."""
    key = ["_patient", "_reader", "_criterion", "_day"]
    at = _assessment_key(timepoints, DAY).join(dates).dropna(subset=["_day"]).drop_duplicates(key)
    found = _assessment_key(best_response, day_column).merge(at, how="left", on=key)
    return best_response.assign(**{column: found[column].fillna("").to_numpy() for column in ("ADT", "ADTF")})


def _assessment_key(table: pd.DataFrame, day_column: str) -> pd.DataFrame:
    day = pd.to_numeric(table[day_column], errors="coerce") if day_column in table else np.nan
    return pd.DataFrame({"_patient": _text(table, PATIENT), "_reader": _text(table, READER),
                         "_criterion": _text(table, "criterion"), "_day": day}, index=table.index)


def _adrs_rows(table: pd.DataFrame, paramcd: str, day_column: str) -> pd.DataFrame:
    column, template = PARAMS[paramcd]
    names = _criterion_name(table["criterion"]) if len(table) else pd.Series(dtype=str)
    day = pd.to_numeric(table[day_column], errors="coerce") if day_column in table else np.nan
    value = table[column].fillna("").astype(str)
    rseval, rsevalid = evaluator(_text(table, READER))
    prefix = table["criterion"].astype(str).map(PARAMCD_PREFIXES)
    rows = pd.DataFrame({
        "USUBJID": table[PATIENT].astype(str), "PARAMCD": prefix + paramcd,
        "PARAM": names.map(lambda name: template.format(name=name)), "PARCAT1": names,
        "RSEVAL": rseval, "RSEVALID": rsevalid,
        "AVALC": value, "AVAL": value.map(AVAL_CODES).astype("Int64"),  # 2, not 2.0, as RSDY
        "ADT": table["ADT"], "ADTF": table["ADTF"],
        "ADY": study_day(pd.Series(day, index=table.index)).astype("Int64"),
        "AVISIT": _visit(pd.Series(day, index=table.index)) if paramcd == "OVR" else "",
        "AVISITN": pd.Series(day if paramcd == "OVR" else np.nan, index=table.index).astype("Int64"),
        "ANL01FL": "Y", "_param": list(PARAMS).index(paramcd),
    })
    return rows


XPORT_MAX_CHARACTERS = 200
"""SAS transport version 5 holds character values of at most 200 bytes, in US-ASCII."""


def _check_xport_values(table: pd.DataFrame, path: Path, written: Path, *, removed: bool) -> None:
    """Refuse a text value that XPORT version 5 cannot hold: over 200 characters or not ASCII (an id
    "Pé"); the file would be invalid for SAS and the FDA's readers. The CSV (``written``) holds them;
    ``removed``: the message says that the .xpt an earlier export left at ``path`` was removed."""
    for column in table.columns:
        if table[column].dtype != object:
            continue
        text = table[column].fillna("").astype(str)
        bad = (text.str.len() > XPORT_MAX_CHARACTERS) | ~text.map(str.isascii)
        if bad.any():
            rows = (np.flatnonzero(bad.to_numpy()) + 2).tolist()  # the rows of the CSV written
            raise InputError(str(path), rows, column,
                             f"{text[bad].iloc[0][:40]!r}: SAS transport v5 holds ASCII text of at most "
                             f"{XPORT_MAX_CHARACTERS} characters, so the .xpt is not written ({written.name} "
                             "is, rows as in it" + (f"; the {path.name} of an earlier export is removed"
                                                    if removed else "")
                             + "); shorten or transliterate the patient ids, readers or --study-id")


XPORT_HEADER_TIME = datetime(1960, 1, 1, tzinfo=UTC)
"""Created and modified time written in the XPORT headers: the SAS epoch, unless SOURCE_DATE_EPOCH is set."""
_XPORT_TIME = re.compile(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d")
_XPORT_VARIABLES = re.compile(rb"HEADER RECORD\*+NAM")  # NAMESTR (version 5), NAMSTV8 (version 8)


def _fixed_header_times(path: Path) -> None:
    """Rewrite the created / modified times of an XPORT file (ddMMMyy:hh:mm:ss, SAS TS-140) so that they
    do not depend on the clock; only the header records before the variable descriptors are touched."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else XPORT_HEADER_TIME
    stamp = when.strftime("%d%b%y:%H:%M:%S").upper().encode("ascii")
    data = path.read_bytes()
    end = match.start() if (match := _XPORT_VARIABLES.search(data)) else 0
    path.write_bytes(_XPORT_TIME.sub(stamp, data[:end]) + data[end:])


def write_export(outdir: Path, timepoints: pd.DataFrame, best_response: pd.DataFrame, standard: Standard, *,
                 study_id: str = "IORESPONSE", accepted: pd.DataFrame | None = None) -> list[Path]:
    """Write ``rs.csv`` and ``rs.xpt`` (``standard="sdtm"``) or ``adrs.csv`` and ``adrs.xpt`` ("adam").

    Dates: SDTM ``RSDTC`` is ISO 8601 text in both files (SDTM IG 4.4.2). ADaM ``ADT`` is ISO 8601 text
    in adrs.csv and a numeric SAS date (days since 1960-01-01, format ``DATE9``) in adrs.xpt, as ADaM
    IG v1.3 3.1.3 defines ``*DT`` variables.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    outdir = Path(outdir)
    if standard == "sdtm":
        table, name, labels = rs_table(timepoints, study_id=study_id, accepted=accepted), "rs", RS_COLUMNS
    else:
        table = adrs_table(timepoints, best_response, study_id=study_id, accepted=accepted)
        name, labels = "adrs", ADRS_COLUMNS
    csv_path, xpt_path = outdir / f"{name}.csv", outdir / f"{name}.xpt"
    earlier = xpt_path.exists()
    xpt_path.unlink(missing_ok=True)  # an earlier export's .xpt never stays beside a CSV it contradicts
    table.to_csv(csv_path, index=False)
    _check_xport_values(table, xpt_path, csv_path, removed=earlier)
    formats = {}
    if standard == "adam":
        sas_days = (pd.to_datetime(table["ADT"], format="%Y-%m-%d", errors="coerce") - SAS_EPOCH).dt.days
        table, formats = table.assign(ADT=sas_days.astype(float)), {"ADT": SAS_DATE_FORMAT}
    pyreadstat.write_xport(table, str(xpt_path), file_label=f"{name.upper()} from ioresponse",
                           column_labels=labels, table_name=name.upper(), file_format_version=5,
                           variable_format=formats)
    _fixed_header_times(xpt_path)
    return [csv_path, xpt_path]
