"""Running the command line on files a user wrote: the helpers the CLI tests share."""

from __future__ import annotations

from typer.testing import CliRunner

from ioresponse.cli import app

runner = CliRunner()


def write(folder, text, name="lesions.csv"):
    """``text`` (str, or bytes written as they are) as ``folder/name``."""
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def cli(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def assess(tmp_path, path, *extra):
    return cli("assess", path, "--out", tmp_path / "out", "--no-patterns", *extra)


def flat(result) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def assert_refused(result, *fragments) -> str:
    """Exit code 2, no traceback, and every fragment of the located message; returns the message."""
    assert result.exit_code == 2, (result.exit_code, repr(result.exception), result.output)
    assert "Traceback" not in result.output
    text = flat(result)
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    return text


def assert_accepted(result):
    assert result.exit_code == 0, (result.exit_code, repr(result.exception), result.output)


HEADER = "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"
# Rows 2-5 of the file (header = row 1). T1 40 -> 28 mm is -30.00% (<= -30%): PR (RECIST 1.1 sec. 4.3.1).
ROWS = [
    "P1,-7,T1,target,liver,false,40,,present",
    "P1,-7,NT1,non_target,bone,false,,,present",
    "P1,56,T1,target,liver,false,28,,present",
    "P1,56,NT1,non_target,bone,false,,,present",
]
GOOD = HEADER + "\n".join(ROWS) + "\n"

PET = (
    "patient_id,day,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd\n"
    "P1,-5,L1,target,lung,8.0,60,2.0,0.25\n"
    "P1,56,L1,target,lung,5.6,62,2.1,0.25\n"
)

SDTM_TU = "USUBJID,TULNKID,TUSTRESC,TULOC\nS1,T01,TARGET,LIVER\nS1,NT01,NON-TARGET,BONE\n"
# TR rows 2-5: baseline (TRDY -6) and one follow-up (TRDY 57 = day 56 since first dose): T01 40 -> 28, PR.
SDTM_TR = (
    "USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY\n"
    "S1,T01,LDIAM,40,40,mm,2021-03-01,-6\n"
    "S1,NT01,TUMSTATE,PRESENT,,,2021-03-01,-6\n"
    "S1,T01,LDIAM,28,28,mm,2021-05-02,57\n"
    "S1,NT01,TUMSTATE,PRESENT,,,2021-05-02,57\n"
)


def sdtm_folder(tmp_path, tu=SDTM_TU, tr=SDTM_TR, rs=None):
    """An SDTM folder of CSV files: TU, and TR and RS when given."""
    folder = tmp_path / "sdtm"
    folder.mkdir()
    write(folder, tu, "tu.csv")
    for text, name in ((tr, "tr.csv"), (rs, "rs.csv")):
        if text is not None:
            write(folder, text, name)
    return folder
