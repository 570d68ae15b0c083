"""``ioresponse explain OUTDIR PATIENT --reader R --criterion C`` (session 16, task H2.4).

One patient read by two readers under RECIST 1.1 and iRECIST. Hand arithmetic: one liver target of 50 mm
at baseline (day -7); on day 56 reader R1 measures 30 mm (-40 %, <= -30 %: PR, RECIST 1.1 sec. 4.3.1;
iPR under iRECIST) and reader R2 65 mm (+30 % and +15 mm over the nadir 50 mm: PD; iUPD under iRECIST,
Seymour 2017 Table 2). An unknown reader or criterion is refused with exit code 2, naming the ones present.
"""

from __future__ import annotations

import pytest
from _cli import assert_refused, cli, flat, write

LESIONS = """patient_id,reader,day,lesion_id,role,organ,lymph_node,long_axis_mm,status
P1,R1,-7,T1,target,liver,false,50,present
P1,R1,56,T1,target,liver,false,30,present
P1,R2,-7,T1,target,liver,false,50,present
P1,R2,56,T1,target,liver,false,65,present
"""


@pytest.fixture(scope="module")
def outdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explain")
    out = folder / "out"
    result = cli("assess", write(folder, LESIONS), "--criteria", "recist11,irecist", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def lines(result) -> list[str]:
    return [" ".join(line.replace("│", " ").split()) for line in result.output.splitlines()]


def test_without_filters_both_readers_and_both_criteria_are_shown(outdir):
    result = cli("explain", outdir, "P1")
    assert result.exit_code == 0, result.output
    shown = lines(result)
    assert "Patient P1, reader R1" in shown and "Patient P1, reader R2" in shown
    assert {"R1 recist11 PR", "R1 irecist iPR", "R2 recist11 PD", "R2 irecist iUPD"} <= {
        " ".join(line.split()[:3]) for line in shown}


def test_reader_keeps_one_readers_calls_best_responses_and_pattern_flags(outdir):
    result = cli("explain", outdir, "P1", "--reader", "R2")
    assert result.exit_code == 0, result.output
    shown = lines(result)
    assert "Patient P1, reader R2" in shown and "Patient P1, reader R1" not in shown
    best = [" ".join(line.split()[:3]) for line in shown if line.startswith(("R1 ", "R2 "))]
    assert best == ["R2 recist11 PD", "R2 irecist iUPD"]
    assert any(line.startswith("56 recist11 PD") for line in shown)  # R2's call, not R1's PR
    assert not any(line.startswith("56 recist11 PR") for line in shown)
    # R2's pattern rows: the iUPD of day 56 is not confirmed at the last assessment (not evaluable)
    assert any(line.startswith("56 pseudoprogression pseudoprogression.irecist not_evaluable")
               for line in shown)
    assert not any(line.startswith("pseudoprogression pseudoprogression.irecist false") for line in shown)


def test_criterion_keeps_one_criterions_calls_and_best_responses(outdir):
    result = cli("explain", outdir, "P1", "--criterion", "irecist")
    assert result.exit_code == 0, result.output
    shown = lines(result)
    calls = [line for line in shown if line.startswith("56 ")]
    assert any(line.startswith("56 irecist iPR") for line in calls)
    assert any(line.startswith("56 irecist iUPD") for line in calls)
    assert not any(line.startswith("56 recist11") for line in calls)
    # the best-response table only: the pattern table that follows names the reader of each row too (two
    # readers; session 19)
    best_table = shown[:shown.index("Patterns and flags")]
    best = [" ".join(line.split()[:3]) for line in best_table if line.startswith(("R1 ", "R2 "))]
    assert best == ["R1 irecist iPR", "R2 irecist iUPD"]


def test_reader_and_criterion_together_keep_one_call(outdir):
    result = cli("explain", outdir, "P1", "--reader", "R1", "--criterion", "recist11")
    assert result.exit_code == 0, result.output
    shown = lines(result)
    calls = [line for line in shown if line.startswith(("56 recist11", "56 irecist"))]
    assert len(calls) == 1 and calls[0].startswith("56 recist11 PR")
    best = [" ".join(line.split()[:3]) for line in shown if line.startswith(("R1 ", "R2 "))]
    assert best == ["R1 recist11 PR"]


def test_unknown_reader_exits_2_listing_the_readers_present(outdir):
    result = cli("explain", outdir, "P1", "--reader", "R9")
    assert_refused(result, "best_response", "column reader", "no reader R9 for patient P1 (--reader)",
                   "present: R1, R2")


def test_unknown_criterion_exits_2_listing_the_criteria_present(outdir):
    result = cli("explain", outdir, "P1", "--criterion", "percist")
    assert_refused(result, "best_response", "column criterion",
                   "no criterion percist for patient P1 (--criterion)", "present: recist11, irecist")


def test_criterion_absent_for_the_chosen_reader_lists_that_readers_criteria(outdir):
    result = cli("explain", outdir, "P1", "--reader", "R1", "--criterion", "irrc")
    assert_refused(result, "no criterion irrc for patient P1", "present: recist11, irecist")


def test_reader_of_results_without_named_readers_says_none_is_named(tmp_path):
    unnamed = "\n".join(line.replace(",R1,", ",,") for line in LESIONS.splitlines() if ",R2," not in line)
    out = tmp_path / "out"
    assert cli("assess", write(tmp_path, unnamed + "\n"), "--out", out, "--no-patterns").exit_code == 0
    result = cli("explain", out, "P1", "--reader", "R1")
    assert_refused(result, "no reader R1 for patient P1 (--reader); present: none (no reader is named)")
    assert "Traceback" not in flat(result)


def test_reader_keeps_the_patients_own_flags_that_no_reader_made(tmp_path):
    # spec/patterns.md 0.5, 5.4: a finding of the patient (diffuse thyroid uptake on day 56, no reader
    # column) flags IRAE-THY for the patient whoever reads the scans, so R1's view shows it too.
    out = tmp_path / "out"
    lesions = write(tmp_path, LESIONS)
    findings = tmp_path / "findings.csv"
    findings.write_text("patient_id,day,organ,finding,pattern\nP1,56,thyroid,uptake,diffuse\n")
    assert cli("assess", lesions, "--criteria", "recist11", "--out", out, "--no-patterns").exit_code == 0
    assert cli("patterns", lesions, "--findings", findings, "--out", out).exit_code == 0
    result = cli("explain", out, "P1", "--reader", "R1")
    assert result.exit_code == 0, result.output
    assert any(line.startswith("56 irae_lookalike IRAE-THY true") for line in lines(result))
