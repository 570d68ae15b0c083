"""Audit s20 "escape": user-given text travels safely into every output.

Audited: patient ids, readers, lesion ids, organs, notes, arms (patient table), report titles, file and
folder names, from a hand-built lesion table through `ioresponse assess`, `explain`, `compare`, `report`,
`export` and the figures of `ioresponse.report.figures`, into report.html (parsed with html.parser), the
PNG figures (matplotlib labels), the CSV / Parquet outputs (read back with pandas), SDTM/ADaM XPT and
the console (rich).

Cases: HTML/JS (`<script>`, `"><img onerror>`, `&amp;`, `</td>`), spreadsheet formulas (`=HYPERLINK`,
`+1+1`, `@SUM`, with `-` and `-5` that must stay as written), separators and Unicode (comma, quote,
newline, tab, é, 中文, emoji, NUL, ESC), paths (spaces, Unicode, leading '-', an --out that is a file),
rich markup (`[bold]`, `[/]`, `[red]x[/red]`) and rich emoji codes (`:cat:`), matplotlib mathtext (`$...$`)
and legend labels starting with '_'.

Sources: README (outputs; "Bad input stops with a located message (file, row, column, what was expected)
and exit code 2"; `--patient-key study,patient_id` for "ids that repeat across studies"; compare writes
`compare_reclassification.csv` with the `patients` of each cell; the PET timelines in the report) and the
project rule: never a traceback, nothing the user gave silently dropped or changed.

Each proven difference is a strict xfail asserting the correct behaviour; the other tests pin cases found
correct. Fixed since (io/tables.py, io/load.py), now plain tests: an id holding a terminal control
character (ESC) is refused at its rows and column, shown escaped; a patient key whose values join into
one id for two patients ("S1:A" + "B", "S1" + "A:B") is refused naming both. Fixed since (api.py compare,
cli/assess.py, report/export.py; tests/test_s20_output_fixes.py), now plain tests: a reclassified cell's
patients are joined by ", " with a name holding a comma or quote in CSV double quotes, so that they split
back into the cell's n; a refused export removes the .xpt an earlier export left.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from matplotlib import cbook
from matplotlib.figure import Figure

from ioresponse.report import figures

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import assert_accepted, assert_refused, cli, flat, write  # noqa: E402

HEADER = ["patient_id", "reader", "day", "lesion_id", "role", "organ", "lymph_node", "long_axis_mm",
          "short_axis_mm", "status", "note"]


def table(rows: list[list]) -> str:
    """A lesion table as CSV text (quoted by the csv module, as a spreadsheet writes it)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([HEADER, *rows])
    return buffer.getvalue()


def one_target(patient: str, after: float, reader: str = "", lesion: str = "T1", organ: str = "liver",
               note: str = "", before: float = 40) -> list[list]:
    """A patient with one liver target, ``before`` mm at day -7 and ``after`` mm at day 56."""
    return [[patient, reader, -7, lesion, "target", organ, "false", before, "", "present", note],
            [patient, reader, 56, lesion, "target", organ, "false", after, "", "present", note]]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def run(tmp_path: Path, rows: list[list], *extra: str, out: str = "out") -> Path:
    path = write(tmp_path, table(rows))
    assert_accepted(cli("assess", path, "--out", tmp_path / out, "--no-patterns", *extra))
    return tmp_path / out


# ---------------------------------------------------------------------------------------------------------
# 1. HTML report


SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
AMP = "liver&amp;</td>"
NOTE = "</td><b>x</b>"
ARM = "<i>arm</i>&amp;"


def test_report_html_shows_user_text_escaped(tmp_path):
    rows = [*one_target(SCRIPT, 28, reader=IMG, lesion="T<1>", organ=AMP, note=NOTE),  # PR (-30 %)
            *one_target("P2", 60, reader=IMG, organ="lung")]  # PD (+50 %)
    out = run(tmp_path, rows, "--criteria", "recist11,irecist")
    patients = write(tmp_path, f'patient_id,arm\n"{SCRIPT}",{ARM}\nP2,B\n', "patients.csv")
    assert_accepted(cli("report", out, "--patients", patients, "--title", f"{SCRIPT} & co"))
    page = _Page()
    page.feed((out / "report.html").read_text(encoding="utf-8"))
    tags = [tag for tag, _ in page.tags]
    assert "script" not in tags and "b" not in tags and "i" not in tags  # no element comes from user text
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    assert images and all(set(a) == {"src", "alt"} and a["src"].startswith("data:image/png;base64,")
                          for a in images)  # only the embedded figures; no onerror attribute
    text = "".join(page.text)
    for given in (SCRIPT, IMG, "T<1>", AMP, NOTE, ARM, f"{SCRIPT} & co"):  # visible text == the input
        assert given in text, given


# ---------------------------------------------------------------------------------------------------------
# 2-3. CSV / Parquet round trips, NUL


ODD_IDS = ['P,1', 'P"2"', 'P\n3', 'P\t4', 'Pé中文😀', '=HYPERLINK("http://x","y")', '+1+1', '@SUM(A1)',
           '-', '-5', 'NA']


def test_csv_and_parquet_keep_ids_and_notes_as_written(tmp_path):
    rows = [row for i, pid in enumerate(ODD_IDS) for row in one_target(pid, 30 + i, note=pid)]
    out = run(tmp_path, rows)
    for name in ("best_response", "lesions", "timepoints"):
        back = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")
        assert set(back["patient_id"]) == set(ODD_IDS), name  # each id as typed: "-5", "-", "=..." unmangled
        assert set(pd.read_parquet(out / f"{name}.parquet")["patient_id"].astype(str)) == set(ODD_IDS), name
    notes = pd.read_csv(out / "lesions.csv", dtype=str, keep_default_na=False)
    assert (notes["note"] == notes["patient_id"]).all()  # each note was its patient's id


def test_nul_byte_in_an_id_is_refused_located(tmp_path):
    text = table(one_target("P1", 28)).replace("P1", "P\x001", 1).encode("utf-8")
    path = write(tmp_path, text)
    assert_refused(cli("assess", path, "--out", tmp_path / "out"), "row 2", "column patient_id", "NUL")


# ---------------------------------------------------------------------------------------------------------
# 3, 5. Console: rich markup, emoji codes, control characters


def test_markup_in_cells_of_an_error_prints_literally(tmp_path):
    rows = one_target("P1", 28)
    rows[0][4], rows[1][9] = "[red]x[/red]", "[/]"  # role of row 2, status of row 3
    path = write(tmp_path, table(rows))
    message = assert_refused(cli("validate", path))
    assert '"[red]x[/red]" is not an allowed value' in message  # printed as typed, no MarkupError
    assert '"[/]" is not an allowed value' in message


def test_markup_in_a_patient_id_prints_literally(tmp_path):
    out = run(tmp_path, one_target("P[bold]x[/]", 28), "--criteria", "recist11,irecist")
    shown = cli("explain", out, "P[bold]x[/]")
    assert_accepted(shown)
    assert "Patient P[bold]x[/]" in flat(shown)  # the id as typed
    compared = cli("compare", out)
    assert_accepted(compared)
    assert "P[bold]x[/]" in compared.output


def test_console_prints_emoji_codes_as_typed(tmp_path):
    out = tmp_path / "o:cat:"
    assessed = cli("assess", write(tmp_path, table(one_target("P:cat:", 28))), "--out", out,
                   "--criteria", "recist11,irecist", "--no-patterns")
    assert_accepted(assessed)
    assert f"to {out}/" in flat(assessed)  # the folder written is named as given
    shown = cli("explain", out, "P:cat:")
    assert "Patient P:cat:" in flat(shown)  # the id as typed
    assert "🐱" not in cli("compare", out).output  # the input has no emoji


def test_terminal_escape_in_an_id_is_refused_or_not_echoed_raw(tmp_path):
    pid = "P\x1b[2J1"
    path = write(tmp_path, table(one_target(pid, 28)))
    result = cli("assess", path, "--out", tmp_path / "out", "--no-patterns")
    if result.exit_code == 2:  # refused, located, as NUL is: both rows of the patient (lines 2 and 3) hold it
        assert "\x1b" not in result.output  # the message shows the id escaped, not raw
        assert_refused(result, "rows 2, 3", "column patient_id", "'\\x1b' (ESC)")
        return
    assert "\x1b" not in cli("explain", tmp_path / "out", "nope").output  # no raw ESC from the input
    assert "\x1b" not in cli("compare", tmp_path / "out").output


# ---------------------------------------------------------------------------------------------------------
# Figures: matplotlib mathtext and legend labels


def test_report_draws_a_patient_id_with_dollar_signs(tmp_path):
    out = run(tmp_path, [*one_target("$\\foo$", 28), *one_target("P2", 60)])
    result = cli("report", out)
    assert result.exit_code == 0, (repr(result.exception), result.output[-300:])  # nothing wrong with the id
    assert (out / "report.html").exists()


def test_report_draws_an_arm_with_dollar_signs(tmp_path):
    out = run(tmp_path, [*one_target("P1", 28), *one_target("P2", 60)])
    patients = write(tmp_path, "patient_id,arm\nP1,$\\bar$\nP2,B\n", "patients.csv")
    result = cli("report", out, "--patients", patients)
    assert result.exit_code == 0, (repr(result.exception), result.output[-300:])


def test_swimmer_labels_are_not_mathtext(timepoints, best_response):
    renamed = {"P1": "P$1$"}
    ax = Figure().add_subplot()
    figures.swimmer(timepoints.replace({"patient_id": renamed}),
                    best_response.replace({"patient_id": renamed}), ax=ax)
    # matplotlib draws "\$" as a literal "$", and text with no unescaped pair of "$" as text, not maths
    # (matplotlib.text.Text, "Writing mathematical expressions": "\$" is a literal dollar sign)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert r"P\$1\$" in labels  # the id, dollars escaped
    assert not any(cbook.is_math_text(label) for label in labels)  # drawn literally: "P$1$"


def test_pet_timeline_legend_names_a_patient_starting_with_underscore():
    pet = pd.DataFrame({"patient_id": ["_P1", "_P1", "P2", "P2"], "day": [0, 56, 0, 56],
                        "sulpeak": [5.0, 4.0, 6.0, 7.0]})
    ax = Figure().add_subplot()
    figures.pet_timeline(pet, ax=ax)
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["P2", "_P1"]  # both patients


# ---------------------------------------------------------------------------------------------------------
# Separators inside composed values


def test_patient_key_does_not_merge_two_patients(tmp_path):
    text = ("site,patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"
            "S1:A,B,-7,T1,target,liver,false,40,present\n"  # 40 -> 28 mm: -30 %, PR
            "S1:A,B,56,T1,target,liver,false,28,present\n"
            "S1,A:B,-7,T2,target,lung,false,30,present\n"  # 30 -> 45 mm: +50 %, PD
            "S1,A:B,56,T2,target,lung,false,45,present\n")
    path = write(tmp_path, text)
    result = cli("assess", path, "--patient-key", "site,patient_id", "--out", tmp_path / "out",
                 "--no-patterns")
    if result.exit_code == 2:  # refused, naming the clash: acceptable
        assert_refused(result, "S1:A:B")
        return
    best = pd.read_csv(tmp_path / "out" / "best_response.csv", dtype=str, keep_default_na=False)
    assert len(best) == 2  # two patients of the input, one PR and one PD
    assert sorted(best["best_response"]) == ["PD", "PR"]


def test_reclassification_patients_cell_names_each_patient(tmp_path):
    ids = ["A, B", "A", "B", "C"]
    out = run(tmp_path, [row for pid in ids for row in one_target(pid, 60)], "--criteria", "recist11,irecist")
    assert_accepted(cli("compare", out))
    cells = pd.read_csv(out / "compare_reclassification.csv", dtype=str, keep_default_na=False)
    cell = cells.loc[cells["n"] == "4", "patients"].iloc[0]  # PD -> iUPD for the 4 patients (+50 %)
    decodings = [next(csv.reader([cell], skipinitialspace=True)), cell.split("; "), cell.split("|")]
    with contextlib.suppress(ValueError):
        decodings.append(json.loads(cell))
    assert any(sorted(d) == sorted(ids) for d in decodings), cell  # some unambiguous listing of the 4 ids


# ---------------------------------------------------------------------------------------------------------
# SDTM / ADaM XPT


def test_xpt_refuses_non_ascii_id_with_a_located_message(tmp_path):
    out = run(tmp_path, one_target("Pé中文", 28))
    message = assert_refused(cli("export", out, "--sdtm"), "rs.xpt", "USUBJID", "ASCII")
    assert "Pé中文" in message  # names the value
    rs = pd.read_csv(out / "rs.csv", dtype=str, keep_default_na=False)
    assert set(rs["USUBJID"]) == {"Pé中文"}  # the CSV keeps the id as written


def test_refused_xpt_leaves_no_stale_xpt(tmp_path):
    out = run(tmp_path, one_target("P1", 28))
    assert_accepted(cli("export", out, "--sdtm", "--study-id", "ABC"))
    assert_refused(cli("export", out, "--sdtm", "--study-id", "STÜDY"), "STUDYID")
    assert set(pd.read_csv(out / "rs.csv", dtype=str)["STUDYID"]) == {"STÜDY"}
    xpt = out / "rs.xpt"
    assert not xpt.exists() or b"ABC" not in xpt.read_bytes()  # no rs.xpt of the earlier study


# ---------------------------------------------------------------------------------------------------------
# 4. Paths


def test_paths_with_spaces_unicode_and_leading_dash(tmp_path, monkeypatch):
    folder = tmp_path / "dir é 中"
    folder.mkdir()
    write(folder, table(one_target("P1", 28)), "-x lesions.csv")
    monkeypatch.chdir(folder)
    assert_accepted(cli("assess", "./-x lesions.csv", "--out", "./-out é", "--no-patterns"))
    best = pd.read_csv(folder / "-out é" / "best_response.csv", dtype=str)
    assert list(best["best_response"]) == ["PR"]  # 40 -> 28 mm, -30 %
    shown = cli("explain", "./-out é", "P1")
    assert_accepted(shown)


def test_out_that_is_a_file_or_under_a_file_is_refused(tmp_path):
    path = write(tmp_path, table(one_target("P1", 28)))
    blocker = write(tmp_path, "x", "afile")
    assert_refused(cli("assess", path, "--out", blocker, "--no-patterns"), str(blocker))
    assert_refused(cli("assess", path, "--out", blocker / "sub", "--no-patterns"), "afile")
