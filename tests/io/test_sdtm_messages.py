"""A small SDTM folder (TU + TR): units of TRSTRESU and messages naming the SDTM variables.

Source: CDISC SDTM Implementation Guide v3.4, TR domain (TRSTRESN in the standard unit TRSTRESU).
The TR rows are file rows 2-5 (header = row 1).
"""

from __future__ import annotations

import pytest

from ioresponse.io.load import load_study
from ioresponse.schema import InputError

TU = "USUBJID,TULNKID,TUSTRESC,TULOC\nS1,T01,TARGET,LIVER\nS1,NT01,NON-TARGET,BONE\n"
TR = (
    "USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY\n"
    "S1,T01,LDIAM,40,40,mm,2021-03-01,-6\n"
    "S1,NT01,TUMSTATE,PRESENT,,,2021-03-01,-6\n"
    "S1,T01,LDIAM,2.8,2.8,cm,2021-05-01,57\n"
    "S1,NT01,TUMSTATE,PRESENT,,,2021-05-01,57\n"
)


def _folder(tmp_path, tu=TU, tr=TR):
    (tmp_path / "tu.csv").write_text(tu)
    (tmp_path / "tr.csv").write_text(tr)
    return tmp_path


def test_centimetres_are_converted_and_units_are_read_in_any_case(tmp_path):
    lesions = load_study(_folder(tmp_path, tr=TR.replace(",mm,", ",MM,"))).lesions
    target = lesions[lesions["lesion_id"] == "T01"]
    assert target["long_axis_mm"].tolist() == [40.0, 28.0]
    assert target["note"].tolist() == ["", "TRSTRESU cm converted to mm"]


def test_unknown_unit_is_refused_naming_the_tr_rows(tmp_path):
    with pytest.raises(InputError, match=r"tr.csv, row 2, column TRSTRESU: 'in' is not a unit of tumour size "
                                         r"read here; expected mm or cm"):
        load_study(_folder(tmp_path, tr=TR.replace(",mm,", ",in,")))


def test_role_error_names_the_tu_variable(tmp_path):
    # T01 a target at baseline and a non-target at the follow-up: roles are fixed at baseline (spec 0.2).
    tr = TR.replace("S1,T01,LDIAM,2.8,2.8,cm", "S1,T02,LDIAM,2.8,2.8,cm")
    tu = TU + "S1,T02,NON-TARGET,LUNG\n"
    with pytest.raises(InputError, match=r"tr.csv, row 4, column TUSTRESC \(tu.csv\): lesion first seen"):
        load_study(_folder(tmp_path, tu=tu, tr=tr))
