"""How two criteria classify the same patients: best-response cross tables.

A reclassification matrix counts patients by their best response under criterion A (rows) and
criterion B (columns), matched on patient and reader. It is the table immunotherapy papers use to
show, e.g., how many RECIST 1.1 progressions iRECIST keeps as iUPD/iSD (Seymour L et al. Lancet
Oncol 2017;18:e143-e152, doi:10.1016/S1470-2045(17)30074-8, "comparison with RECIST 1.1"; spec
anatomic.md section 8). Labels stay each criterion's own (spec/anatomic.md 0.9, metabolic.md 1.7).
The same comparison of progression dates (spec/patterns.md 7.4: "the count of patients whose
progression date moves between criteria") is :func:`progression_moves`.
"""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from ioresponse.cohort.rates import as_flag, require_columns, split_columns
from ioresponse.schema import PATIENT, READER, InputError

LABEL_ORDER = (
    "CR", "irCR", "iCR", "CMR", "PR", "irPR", "iPR", "PMR", "SD", "irSD", "iSD", "SMD",
    "NON-CR/NON-PD", "irNON-CR/NON-PD", "NON-iCR/NON-iUPD", "iUPD", "PD", "irPD", "iCPD", "UPMD",
    "PMD", "CPMD", "clinical_benefit", "no_clinical_benefit", "NE",
)
"""Display order of categories: best first, the best-response priority of RECIST 1.1 sec. 4.4
(CR > PR > SD > NON-CR/NON-PD > PD > NE) applied to each criterion's labels."""

SAME_CATEGORY = {
    "irCR": "CR", "iCR": "CR", "irPR": "PR", "iPR": "PR", "irSD": "SD", "iSD": "SD",
    "irNON-CR/NON-PD": "NON-CR/NON-PD", "NON-iCR/NON-iUPD": "NON-CR/NON-PD", "irPD": "PD", "iCPD": "PD",
}
"""Immune labels naming a RECIST 1.1 category (spec/anatomic.md 0.9, section 8): irCR beside CR is the
same call, not a reclassification. iUPD, an unconfirmed progression, has no RECIST 1.1 twin."""

MISSING_LABEL = "(none)"
"""Shown for a patient who has no best-response row under one of the two criteria."""


def _order(labels: pd.Index) -> list[str]:
    rank = {label: i for i, label in enumerate(LABEL_ORDER)}
    return sorted(labels, key=lambda label: (rank.get(label, len(rank)), label))


def per_reader(best_response: pd.DataFrame) -> list[tuple[str | None, pd.DataFrame]]:
    """``best_response`` split by reader when it names several (each reader's rows, readers sorted), else
    ``[(None, best_response)]``: a reclassification matrix counts patients, each once (spec/anatomic.md
    8), so several readers' reads are never pooled in one matrix."""
    if READER not in best_response.columns:
        return [(None, best_response)]
    reader = best_response[READER].fillna("").astype(str)  # CSV round trips give NaN
    if reader.nunique() < 2:
        return [(None, best_response)]
    return [(name, best_response[reader == name]) for name in sorted(set(reader))]


def by_reader(matrices: dict[str | None, pd.DataFrame]) -> pd.DataFrame:
    """The matrices of :func:`per_reader`'s parts as one table: the single matrix as it is, several as
    blocks of rows under index level ``reader`` (categories absent from a reader's block count 0)."""
    if None in matrices:
        return matrices[None]
    table = pd.concat(matrices, names=[READER]).fillna(0).astype("int64")
    return table[_order(table.columns)]


def _matched(best_response: pd.DataFrame, criterion_a: str, criterion_b: str, column: str) -> pd.DataFrame:
    require_columns(best_response, (PATIENT, "criterion", column))
    keys = [PATIENT, READER] if READER in best_response.columns else [PATIENT]
    left = best_response.loc[best_response["criterion"] == criterion_a, [*keys, column]]
    right = best_response.loc[best_response["criterion"] == criterion_b, [*keys, column]]
    merged = left.merge(right, on=keys, how="outer", suffixes=("_a", "_b"))
    for side in ("_a", "_b"):
        merged[column + side] = merged[column + side].fillna(MISSING_LABEL).replace("", MISSING_LABEL)
    return merged


def reclassification_matrix(best_response: pd.DataFrame, criterion_a: str, criterion_b: str, *,
                            column: str = "best_response") -> pd.DataFrame:
    """Patients by best response under ``criterion_a`` (rows) and ``criterion_b`` (columns).

    Parameters
    ----------
    best_response : pandas.DataFrame
        Best-response table of several criteria (schema.BEST_RESPONSE_COLUMNS).
    criterion_a, criterion_b : str
        Criterion keys (spec/anatomic.md 0.9), e.g. ``"recist11"`` and ``"irecist"``.
    column : {"best_response", "best_response_confirmed"}, default "best_response"
        Which best response to compare.

    Returns
    -------
    pandas.DataFrame
        Integer counts; index named ``criterion_a``, columns named ``criterion_b``, categories in
        :data:`LABEL_ORDER`; a patient missing under one criterion is counted under ``(none)``.

    Raises
    ------
    InputError
        The table names several readers: a matrix counts each patient once (README "Command line",
        spec/anatomic.md 8), so one reader's rows are compared at a time (:func:`per_reader`).
    """
    parts = per_reader(best_response)
    if len(parts) > 1:
        readers = ", ".join(name or "(no reader named)" for name, _ in parts)
        raise InputError("best_response", [], READER,
                         f"several readers ({readers}); a reclassification matrix counts each patient once: "
                         "compare one reader's rows at a time (ioresponse.cohort.reclassification.per_reader "
                         "splits them, by_reader joins the matrices) or use reclassification_long")
    merged = _matched(best_response, criterion_a, criterion_b, column)
    table = pd.crosstab(merged[column + "_a"], merged[column + "_b"])
    table = table.reindex(index=_order(table.index), columns=_order(table.columns), fill_value=0)
    table.index.name = criterion_a
    table.columns.name = criterion_b
    return table.astype("int64")


def reclassification_long(best_response: pd.DataFrame, *, column: str = "best_response") -> pd.DataFrame:
    """Every pair of criteria as one long table, each reader's patients apart (:func:`per_reader`).

    Returns
    -------
    pandas.DataFrame
        Columns ``criterion_a, criterion_b, response_a, response_b, n`` (non-zero cells only), with
        ``reader`` first when the table names several readers; readers sorted, pairs in the order the
        criteria first appear, cells in :data:`LABEL_ORDER`.
    """
    require_columns(best_response, (PATIENT, "criterion", column))
    criteria = list(dict.fromkeys(best_response["criterion"])) if len(best_response) else []
    parts = per_reader(best_response)
    rows = []
    for reader, part in parts:
        lead = () if reader is None else (reader,)
        for criterion_a, criterion_b in combinations(criteria, 2):
            matrix = reclassification_matrix(part, criterion_a, criterion_b, column=column)
            for response_a in matrix.index:
                for response_b in matrix.columns:
                    count = int(matrix.loc[response_a, response_b])
                    if count:
                        rows.append((*lead, criterion_a, criterion_b, response_a, response_b, count))
    columns = ["criterion_a", "criterion_b", "response_a", "response_b", "n"]
    return pd.DataFrame(rows, columns=columns if parts[0][0] is None else [READER, *columns])


MOVE_COLUMNS = (
    "reference", "criterion", "n", "same_day", "earlier", "later", "reference_only", "criterion_only",
    "neither", "moved",
)
"""Columns of :func:`progression_moves`."""


def progression_moves(best_response: pd.DataFrame, *, reference: str = "recist11") -> pd.DataFrame:
    """How many patients' progression date moves between ``reference`` and each other criterion.

    The progression date of a criterion is its PFS event day (``pfs_day`` where ``pfs_event``;
    spec/patterns.md 7.4: RECIST 1.1 first PD, iRECIST the iUPD later confirmed as iCPD, irRC/irRECIST
    the confirmed irPD, metabolic criteria their progression date). Patients (x reader) are matched
    between the two criteria; a patient missing under one of them is not counted. The counts are split
    by ``arm`` and ``reader`` when named, as the rates are (:func:`ioresponse.cohort.rates.split_columns`),
    so that each patient counts once in a row.

    Parameters
    ----------
    best_response : pandas.DataFrame
        Best-response table of several criteria with ``pfs_event`` and ``pfs_day``.
    reference : str, default "recist11"
        The criterion the others are compared with.

    Returns
    -------
    pandas.DataFrame
        The group columns (``arm``, ``reader``) when named, then :data:`MOVE_COLUMNS`, one row per other
        criterion in the order they first appear (and per group, in sorted order): patients
        compared (``n``); progression under both on the same day, earlier or later than under the
        reference; progression under the reference only (e.g. RECIST PD but not iCPD), under the
        other criterion only, under neither; ``moved`` = every patient whose date differs. Empty
        when no patient has a row under ``reference``.
    """
    require_columns(best_response, (PATIENT, "criterion", "pfs_event", "pfs_day"))
    groups = split_columns(best_response)
    keys = list(dict.fromkeys([PATIENT, *([READER] if READER in best_response.columns else []), *groups]))
    table = best_response[[*keys, "criterion"]].fillna("").astype(str)
    table["_day"] = pd.to_numeric(best_response["pfs_day"], errors="coerce").where(
        as_flag(best_response["pfs_event"]).to_numpy())
    base = table[table["criterion"] == reference].drop(columns="criterion")
    columns = [*groups, *MOVE_COLUMNS]
    if base.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for criterion in dict.fromkeys(table["criterion"]):
        if criterion == reference:
            continue
        other = table[table["criterion"] == criterion].drop(columns="criterion")
        pairs = base.merge(other, on=keys, suffixes=("_a", "_b"))
        for group, members in (pairs.groupby(groups, sort=True) if groups else [((), pairs)]):
            a, b = members["_day_a"], members["_day_b"]
            both = a.notna() & b.notna()
            counts = {
                "same_day": int((both & (a == b)).sum()), "earlier": int((both & (b < a)).sum()),
                "later": int((both & (b > a)).sum()), "reference_only": int((a.notna() & b.isna()).sum()),
                "criterion_only": int((a.isna() & b.notna()).sum()),
                "neither": int((a.isna() & b.isna()).sum()),
            }
            rows.append({**dict(zip(groups, group, strict=True)), "reference": reference,
                         "criterion": criterion, "n": len(members), **counts,
                         "moved": len(members) - counts["same_day"] - counts["neither"]})
    return pd.DataFrame(rows, columns=columns)
