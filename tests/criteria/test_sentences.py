"""The sentence writer of the reasons (spec/anatomic.md 0.10), checked on the spec's own sentences."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ioresponse.criteria._sentences import (
    change_fields,
    change_fragments,
    every_row,
    expand,
    integer,
    mm,
    pct,
    sentences,
    signed_mm,
    text,
)


def test_spec_0_10_pd_sentence():
    # "target sum 61 mm is +24.49% and +12 mm vs nadir 49 mm (>=20% and >=5 mm): PD (RECIST 1.1 sec. 4.3.1)"
    template = expand("target sum {total} mm is {vs_nadir} (>=20% and >=5 mm): PD (RECIST 1.1 sec. 4.3.1)",
                      change_fragments("mm"))
    current = np.array([61.0])
    fields = {"total": mm(current), **change_fields(current, np.array([70.0]), np.array([49.0]))}
    assert sentences([(every_row(1), {0: template})], fields).to_pylist() == [
        "target sum 61 mm is +24.49% and +12 mm vs nadir 49 mm (>=20% and >=5 mm): PD (RECIST 1.1 sec. 4.3.1)"
    ]


def test_spec_0_10_sd_sentence_and_burden_in_mm2():
    # "... +22.22% but only +4 mm vs nadir 18 mm (<5 mm): not PD; +0.00% vs baseline 22 mm: SD ..."
    current = np.array([22.0, 914.0])
    fields = change_fields(current, np.array([22.0, 800.0]), np.array([18.0, 600.0]))
    template = "{rel_nadir} but only {abs_nadir} vs nadir {nadir}; {rel_base} vs baseline {base}"
    assert sentences([(every_row(2), {0: template})], fields).to_pylist() == [
        "+22.22% but only +4 vs nadir 18; +0.00% vs baseline 22",
        "+52.33% but only +314 vs nadir 600; +14.25% vs baseline 800",  # irRC 914 mm2 vs nadir 600 mm2
    ]


def test_number_formats():
    values = np.array([45.0, 44.96, 3.25, -3.5, np.nan, 0.0])
    fields = {"v": mm(values), "s": signed_mm(values), "p": pct(values / 100), "i": integer(values)}
    written = sentences([(every_row(6), {0: "{v}|{s}|{p}|{i}"})], fields).to_pylist()
    assert written == [
        "45|+45|+45.00%|45",
        "44.96|+44.96|+44.96%|44",  # the value as compared, rounded to 6 decimals (spec 0.5; s20 audit)
        "3.25|+3.25|+3.25%|3",
        "-3.5|-3.5|-3.50%|-3",
        "NE|NE|n/a|NE",  # missing: not evaluable, or a change against nothing
        "0|+0|+0.00%|0",
    ]


def test_parts_are_joined_and_empty_parts_add_no_separator():
    note = pa.chunked_array([["first note", None], ["", "last"]])
    codes = np.array([0, 1, -1, 2])
    parts = [
        (codes, {0: "rule zero", 1: "rule one", 2: ""}),
        (every_row(4), {0: "{note}"}),
        (np.array([-1, 0, 0, -1]), {0: "tail {n}"}),
    ]
    written = sentences(parts, {"note": text(note), "n": integer(np.arange(4.0))}).to_pylist()
    assert written == ["rule zero; first note", "rule one; tail 1", "tail 2", "last"]


def test_empty_separator_concatenates():
    day = np.array([84.0, np.nan])
    parts = [
        (every_row(2), {0: "best response {best}"}),
        (np.where(np.isnan(day), -1, 0), {0: " (day {day})"}),
    ]
    fields = {"best": text(np.array(["PR", "SD"], dtype=object)), "day": integer(day)}
    written = sentences(parts, fields, separator="").to_pylist()
    assert written == ["best response PR (day 84)", "best response SD"]
