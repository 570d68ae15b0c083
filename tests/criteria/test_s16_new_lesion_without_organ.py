"""A new lesion may be given without organ (io.validate.organ_needed: only targets need one, RECIST 1.1
sec. 4.2; SDTM TU often has no TULOC for new lesions). Its organ is unknown, so it is under no per-organ
cap of the immune criteria, only their total caps (criteria._immune.count_new_lesions).

Patient: baseline T1 50 mm (liver); day 56 T1 50 mm and three new lesions of 20 mm each (measurable,
>= 10 mm, spec/anatomic.md 0.6).
"""

from __future__ import annotations

import pytest
from assessed import by_day, row, run


def _rows(organ: str) -> list[dict]:
    return [row(-7, "T1", 50), row(56, "T1", 50)] + [
        row(56, f"U{i}", 20, organ=organ) for i in (1, 2, 3)
    ]


@pytest.mark.parametrize(("organ", "nlt_sum"), [("liver", 40.0), ("", 60.0)])
def test_irecist_new_lesion_targets_per_organ_cap_needs_the_organ(organ, nlt_sum):
    # spec 4.4: NLT "at most 5 in total, at most 2 per organ". Three liver lesions: two NLT, 20 + 20 = 40 mm,
    # the third a new lesion non-target. Without organ no per-organ cap applies: three NLT, 60 mm (<= 5).
    assert by_day(run(_rows(organ), "irecist"), "new_lesion_sum") == {56: nlt_sum}


@pytest.mark.parametrize(("organ", "total"), [("liver", 90.0), ("", 110.0)])
def test_imrecist_new_measurable_lesions_per_organ_cap_needs_the_organ(organ, total):
    # spec 5.4: new measurable lesions join the sum, at most 5 in total and 2 per organ (E1). Liver: 50 + 20
    # + 20 = 90 mm; without organ all three count: 50 + 60 = 110 mm.
    assert by_day(run(_rows(organ), "imrecist"), "current_sum") == {56: total}
