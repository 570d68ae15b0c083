"""durable.off_treatment's reason when the progression came before the treatment end (spec/patterns.md 4.3).

A patient treated beyond progression whose treatment then ends for another reason: the progression is
before the end, so the reason says how many days before it, not "-32 days after" (s19 readers audit).
"""

from __future__ import annotations

import pandas as pd
from test_durable import best, tp

from ioresponse.criteria import Study
from ioresponse.patterns import durable
from ioresponse.patterns._common import PatternOptions, pattern_frame


def _row(progression: int, end: int) -> pd.Series:
    patients = pd.DataFrame(
        {"patient_id": ["A"], "treatment_end_day": [end], "treatment_end_reason": ["toxicity"]}
    )
    rows = [best("A", 56, progression, progression, True)]
    points = [tp("A", 56, "PR"), tp("A", progression, "PD")]
    frame = pattern_frame(durable.find(Study(patients=patients), pd.DataFrame(points), pd.DataFrame(rows),
                                       PatternOptions(), ["durable.off_treatment"]))
    return frame.iloc[0]


def test_progression_before_the_treatment_end_is_worded_as_before() -> None:
    # PR on day 56, PD on day 168, treatment ended (toxicity) on day 200: 200 - 168 = 32 days before the
    # end; no progression-free time off treatment, so the flag is false (spec 4.3: no PD for >= 183 days)
    row = _row(168, 200)
    assert row["flag"] == "false"
    assert "progression on day 168, 32 days before treatment end (day 200)" in row["reason"]
    assert "-32" not in row["reason"]


def test_progression_after_the_treatment_end_is_worded_as_after() -> None:
    # PD on day 330, treatment end day 200: 130 days after (< 183: false)
    row = _row(330, 200)
    assert row["flag"] == "false"
    assert "progression on day 330, 130 days after treatment end (day 200) < 183" in row["reason"]
