"""The report's reclassification matrices count patients: one matrix per reader when several readers read
the cohort (found by the s17 consistency audit: pooled, 2 readers x 4 patients read as 8 "patients")."""

from __future__ import annotations

import re

import pandas as pd

from ioresponse.report.html import ReportTables, render_report


def matrices(html: str) -> list[str]:
    """The notes above each reclassification matrix."""
    section = html.split("Reclassification between criteria (patients)")[1].split("<h3>")[0]
    return re.findall(r'<p class="note">(Rows: [^<]*)</p>', section)


def test_one_matrix_per_reader_each_counting_the_cohort_once(timepoints, best_response):
    two = pd.concat([best_response.assign(reader="R1"), best_response.assign(reader="R2")], ignore_index=True)
    html = render_report(ReportTables(timepoints.assign(reader="R1"), two))
    # 2 readers x (recist11 against irecist): two matrices, named by reader
    assert matrices(html) == ["Rows: recist11; columns: irecist; reader R1.",
                              "Rows: recist11; columns: irecist; reader R2."]
    section = html.split("Reclassification between criteria (patients)")[1].split("<h3>")[0]
    first = section.split("reader R2.")[0]
    cells = [int(c) for c in re.findall(r"<td[^>]*>(\d+)</td>", first)]
    assert sum(cells) == best_response["patient_id"].nunique()  # each of the 4 patients once, not 8


def test_a_single_reader_keeps_one_unnamed_matrix(timepoints, best_response):
    html = render_report(ReportTables(timepoints, best_response))
    assert matrices(html) == ["Rows: recist11; columns: irecist."]
