"""Audit s18 "pvdiff": the pharmaverse RS calls that disagree with the computed RECIST 1.1 call.

What was audited: the 115 recorded-vs-computed disagreements of the demo run (`make demo`, pharmaverse
SDTM study /work/shared/data/pharmaverse_sdtm, 1,896 RS overall responses compared), against
spec/anatomic.md section 1 (RECIST 1.1: 1.4 sums, nadir, +20 % and +5 mm, -30 %; 1.5 non-target and new
lesions; 1.6.1 Table 1; 1.8.1 reappearance after CR) and section 0 (0.1 input contract, 0.2 assessments
in day order, 0.4 lesion values, 0.5 nadir and arithmetic), plus the SDTM mapping documented in
ioresponse.io.sdtm (TR rows -> lesions: TU role and TULOC, LDIAM / LPERP by node, TRSTAT NOT DONE ->
not_evaluable, TUMSTATE UNEQUIVOCAL / EQUIVOCAL, SUMDIAM not used).

How: a stratified sample of 43 disagreements (12 of recorded PR vs computed PD, 10 of SD vs PD, 10 of PR
vs NE and every call of the small groups CR vs NE, PD vs SD, PR vs SD, SD vs NE, SD vs PR) was
recomputed by hand from the raw TU / TR rows of that subject and reader; the arithmetic is written next
to each row of SAMPLED below. Findings:

- (a) computed call right, RS inconsistent (PROVENANCE.md warns): the simulated TRGRESP ignores the
  nadir (PR / SD against baseline while the sum is >= +20 % and >= +5 mm over an earlier, lower sum, or
  over a nadir of 0 after a CR), and reads targets with TRSTAT NOT DONE as measured (SUMDIAM 0: CR, or
  PR from the known lesions). 73 of the 115 calls are after an earlier PD anyway.
- (c) input ambiguity, code follows its documented mapping: the sponsor's DIAMETER (and SUMDIAM) uses
  the per-visit SUPPTR TRLOC, which rotates between organs from visit to visit for one lesion (e.g.
  01-701-1133 R1-T01: LYMPH NODE, LYMPH NODE, ADRENAL GLAND, BLADDER, LYMPH NODE), whereas the code takes
  node or not from the lesion's TU location (TULOC, fixed at identification; spec 0.1 lymph_node is a
  lesion attribute). 11 of the 115 disagreements flip on that choice (PR vs SD 3, SD vs PR 4, PD vs SD 1,
  PR vs PD 2, SD vs PD 1). Every computed PD among the 115 is target PD (Table 1 row 1), 19 of them
  against a nadir of 0 after a CR; none comes from a new lesion or a non-target.
- (b) one defect: assessments are ordered by two different clocks. Scheduled visits take their day from
  the nominal TRDY, unscheduled visits (no TRDY) from TRDTC - treatment start, so subject 01-711-1143's
  WEEK 12 scan (TRDTC 2013-06-01, TRDY 84 -> day 83) is assessed after the UNSCHEDULED 9.2 scan of
  2013-06-22 (day 80) and used that later scan as its nadir (fixed in session 18: such a subject is placed
  on the TRDTC clock, io.sdtm._days_on_one_clock; the two tests below pin it).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import ioresponse

REAL = Path("/work/shared/data/pharmaverse_sdtm")
DOMAIN_FILES = ("tu_onco.csv", "tr_onco.csv", "rs_onco.csv", "supptr_onco.csv")

# (subject, reader, visit, recorded RS call, computed call expected by hand, class)
# Notation: target values in TU order (T01..T05, "n" = TULOC lymph node, short axis LPERP; others LDIAM);
# ND = TRSTAT NOT DONE; NT states P present, A absent, U unequivocal, N not done; B baseline sum,
# N nadir (smallest complete sum strictly before the visit, spec 0.5), S sum at the visit.
SAMPLED = [
    # ---- recorded PR, computed PD ----
    # BL 15+19+19+18+13=84; W6 7+5.5+11+12+7=42.5 (NT U: first PD); W12 9+8+13+5+14=49; W18 12+12+8+10+14=56:
    # vs N 42.5 +13.5 mm, +31.76% -> target PD (1.4 step 3) although -33.33% vs B (RS: PR vs baseline).
    ("01-701-1097", "INVESTIGATOR", "WEEK 18 (T)", "PR", "PD", "a"),
    # BL 74; W6 44.3; W12 5.5+9+6+6+8=34.5; W18 49.7; W24 7.7+13+13+10+6=49.7:
    # vs N 34.5 +15.2 mm, +44.06% -> PD.
    ("01-701-1097", "RADIOLOGIST 2", "WEEK 24", "PR", "PD", "a"),
    # BL 71; W6 41.3; W12 and W18 all 0 (CR); W24 14+n4.5+10+6+6=40.5: N=0, +40.5 mm >= 5 and every S>0 meets
    # the relative test (0.5 R=0) -> PD; also reappearance after CR (1.8.1).
    ("01-701-1345", "RADIOLOGIST 1", "WEEK 24", "PR", "PD", "a"),
    # BL n11+19+17+18+18=83; W6 n9.9+7+13.2+6+6=42.1 (NT N, no U); W12 n14+10+12+5+10=51:
    # +8.9 mm, +21.14% -> PD.
    ("01-703-1119", "RADIOLOGIST 1", "WEEK 12", "PR", "PD", "a"),
    # BL 81; W6 44.2; W12 44.4; W18 8+n10.8+5+6+8=37.8; W24 5+n12.6+5+12+11=45.6: +7.8 mm, +20.63% -> PD.
    ("01-705-1349", "RADIOLOGIST 2", "WEEK 24", "PR", "PD", "a"),
    # BL n16+19+10+17+10=72; W6 n7.2+11+5+6+8=37.2; W12 n5+13+8+11+12=49:
    # +11.8 mm, +31.72% -> PD (-31.94% vs B).
    ("01-706-1041", "INVESTIGATOR", "WEEK 12", "PR", "PD", "a"),
    # BL 11+n15+19+10+13=68; W6 6.6+n8.1+11+5+6=36.7; W12 9+n8.1+10+9+8=44.1: +7.4 mm, +20.16% -> PD.
    ("01-709-1339", "RADIOLOGIST 1", "WEEK 12", "PR", "PD", "a"),
    # BL 75; W6 56.3; W12 54.6; W18 7+7+11+8+9=42; W24 13+9+13+6+10=51: +9 mm, +21.43% -> PD (-32% vs B).
    ("01-716-1157", "RADIOLOGIST 2", "WEEK 24", "PR", "PD", "a"),
    # BL 81; W6 7+6.6+n4.5+10+6=34.1; W12 39.3 (one NT N); W18 14+9+n12+9+9=53: +18.9 mm, +55.43% -> PD.
    ("01-718-1139", "INVESTIGATOR", "WEEK 18 (T)", "PR", "PD", "a"),
    # BL 55; W6 47 (NT U); W12, W18 all 0 (CR); W24 8+6.6+n8.1+6+5=33.7: N=0, +33.7 mm -> PD, NT all A (CR).
    ("01-701-1415", "RADIOLOGIST 1", "WEEK 24", "PR", "PD", "a"),
    # BL n19+10+17+13+11=70; W12 n8.1+5.5+7+8+8=36.6; W24 n7+7+11+11+8=44: +7.4 mm, +20.22% -> PD. (c): with
    # the sponsor's DIAMETER (by per-visit TRLOC) W12 is 9+5+7+8+8=37, and 44 is +18.92%: not PD, -37% PR.
    ("01-701-1133", "RADIOLOGIST 1", "WEEK 24", "PR", "PD", "c"),
    # BL 72; W6 52 (NT U); W12 5+5.5+n9.9+11+9=40.4; W18 10+15.4+n4.5+7+12=48.9: +8.5 mm, +21.04% -> PD.
    # (c): DIAMETER sums 41 then 48, +17.07%: not PD, -33.33% vs B: the recorded PR.
    ("01-717-1357", "INVESTIGATOR", "WEEK 18 (T)", "PR", "PD", "c"),
    # ---- recorded SD, computed PD ----
    # BL 10+n16+13+16+18=73; W6 42 (NT U); W12 all 0 (CR); W24 5+n9.9+13+12+14=53.9: N=0 -> PD; NT has N (NE)
    # which does not matter once the target is PD (Table 1 row 1). The PROVENANCE example 73 -> 42 -> 0 -> 55.
    ("01-701-1015", "INVESTIGATOR", "WEEK 24", "SD", "PD", "a"),
    # BL 59; W6 47; W12 42; U9.3 (2013-12-30, before U9.2 of 2014-01-08) 44.5; U9.2 6+7.7+n6.3+13+7=40;
    # W24 6.6+14+n9.9+13+5=48.5: vs N 40 +8.5 mm, +21.25% -> PD (-17.80% vs B: RS says SD vs baseline).
    ("01-701-1153", "RADIOLOGIST 2", "WEEK 24", "SD", "PD", "a"),
    # BL 74; W6 55.9 (NT U); W12 6.6+9+13+11+12=51.6; W18 12+12+14+12+14=64: +12.4 mm, +24.03% -> PD.
    ("01-703-1379", "RADIOLOGIST 1", "WEEK 18 (T)", "SD", "PD", "a"),
    # BL 67; W6 11+7+n9+13+8=48 (NT U); W12 50; W18 64; W24 13.2+11+n11.7+14+12=61.9: vs N 48 (from W6, not
    # the previous visit) +13.9 mm, +28.96% -> PD.
    ("01-704-1127", "RADIOLOGIST 1", "WEEK 24", "SD", "PD", "a"),
    # BL n12+10+17+14+15=68; W6 n5.4+11+8+5+14=43.4; W12 n11.7+15.4+11+9+6=53.1: +9.7 mm, +22.35% -> PD.
    ("01-708-1253", "RADIOLOGIST 1", "WEEK 12", "SD", "PD", "a"),
    # BL 68; W6 50; W12, W18 all 0 (CR); W24 n11+14+13+8+12=58: N=0 -> PD (and reappearance after CR).
    ("01-710-1235", "INVESTIGATOR", "WEEK 24", "SD", "PD", "a"),
    # BL n7+13+12+13+7=52; W12 0 (CR); U9.2 83.6 (NT U); W18 0 (CR); W24 n9.9+13+12.1+13+13=61: N=0 -> PD;
    # the new lesion is EQUIVOCAL (does not make PD by itself, 1.5) but the target does.
    ("01-716-1160", "INVESTIGATOR", "WEEK 24", "SD", "PD", "a"),
    # BL 71; W6 7+7+n13+6+8=41; W12 55.6 (NT U); U9.2 48.4; W18 14+8+n8+7+14=51:
    # vs N 41 +10 mm, +24.39% -> PD.
    ("01-718-1101", "INVESTIGATOR", "WEEK 18 (T)", "SD", "PD", "a"),
    # BL 63; W6 n5.4+11+6.6+11+5=39 (NT U); W12 n11.7+13+9+5+11=49.7: +10.7 mm, +27.44% -> PD.
    ("01-709-1301", "RADIOLOGIST 1", "WEEK 12", "SD", "PD", "a"),
    # BL 66; W12 11+6+n7.2+12+10=46.2; W18 14.3+12+n9+13+8=56.3: +10.1 mm, +21.86% -> PD. (c): DIAMETER sums
    # 47 then 56, +19.15%: not PD, -15.15% vs B: the recorded SD.
    ("01-701-1239", "RADIOLOGIST 1", "WEEK 18 (T)", "SD", "PD", "c"),
    # ---- recorded PR, computed NE ----
    # W18: all five targets TRSTAT NOT DONE (SUMDIAM 0): no target measured -> target NE, no NT U, no new
    # lesion -> overall NE (1.4 step 1, Table 1 row 5). RS reads the NOT DONE sum 0 as target CR.
    ("01-701-1192", "RADIOLOGIST 1", "WEEK 18 (T)", "PR", "NE", "a"),
    ("01-701-1392", "RADIOLOGIST 2", "WEEK 18 (T)", "PR", "NE", "a"),
    ("01-708-1336", "RADIOLOGIST 2", "WEEK 18 (T)", "PR", "NE", "a"),
    ("01-710-1368", "RADIOLOGIST 1", "WEEK 18 (T)", "PR", "NE", "a"),
    ("01-716-1024", "RADIOLOGIST 2", "WEEK 18 (T)", "PR", "NE", "a"),
    # BL 13+n18+11+16+14=72; W6 5.5+n9.9+ND+13+7 known 35.4: PD needs >= 86.4 (no); PR needs S <= 50.4, i.e.
    # T03 <= 15 mm, unknown -> target NE -> overall NE (1.4 step 1). RS: PR from the known lesions.
    ("01-704-1017", "INVESTIGATOR", "WEEK 6", "PR", "NE", "a"),
    # BL 77; W6 15.4+ND+n9+11+7 known 42.4: PD needs >= 92.4; PR needs T02 <= 11.5 -> NE.
    ("01-705-1431", "INVESTIGATOR", "WEEK 6", "PR", "NE", "a"),
    # BL 73; W6 12+8.8+n11.7+ND+8 known 40.5: PD needs >= 87.6; PR needs T04 <= 10.6 -> NE.
    ("01-710-1053", "INVESTIGATOR", "WEEK 6", "PR", "NE", "a"),
    # BL 62; W6 ND+15.4+n9+6+5 known 35.4: PD needs >= 74.4; PR needs T01 <= 8 -> NE.
    ("01-714-1035", "INVESTIGATOR", "WEEK 6", "PR", "NE", "a"),
    # BL 83; W6 6.6+n5.4+ND+5+11 known 28: PD needs >= 99.6; PR needs T03 <= 30.1 -> NE.
    ("01-715-1107", "INVESTIGATOR", "WEEK 6", "PR", "NE", "a"),
    # ---- small groups ----
    # CR vs NE: W18 all targets NOT DONE, NT all A: target NE -> overall NE (Table 1 row 5, not row 6).
    ("01-709-1312", "RADIOLOGIST 1", "WEEK 18 (T)", "CR", "NE", "a"),
    # PD vs SD: BL 10+n12+5+14+14=55 (all later sums larger, N=55); W24 19+n11.7+13.2+11+11=65.9: +10.9 mm but
    # +19.82% < 20% -> not PD; new lesion EQUIVOCAL -> not PD: SD. Sponsor DIAMETER reads T02 as LDIAM 13 ->
    # 66 = exactly +20.00%: PD (c).
    ("01-708-1084", "RADIOLOGIST 2", "WEEK 24", "PD", "SD", "c"),
    # PR vs SD: BL 10+n19+10+15+16=70; W6 43.7; W12 8+n7.2+15.4+9+10=49.6: -29.14% vs B (> -30%), +5.9 mm but
    # +13.50% vs N -> SD. (c): DIAMETER sum 8+8+14+9+10=49 is exactly -30.00% vs B: the recorded PR.
    ("01-704-1351", "RADIOLOGIST 1", "WEEK 12", "PR", "SD", "c"),
    # BL n14+16+16+12+11=69; W6 44.2; W12 n5.4+14.3+7+8+14=48.7: -29.42% vs B, +4.5 mm vs N -> SD.
    # (c): DIAMETER sum 6+13+7+8+14=48, -30.43%: the recorded PR.
    ("01-705-1059", "RADIOLOGIST 2", "WEEK 12", "PR", "SD", "c"),
    # BL 12+14+17+14+16=73; W6 48.8; W12 9+9+6.6+14+13=51.6: -29.32% vs B, +2.8 mm vs N -> SD.
    # (c): DIAMETER sum 9+9+6+14+13=51 (T03 read by its W12 TRLOC as a node), -30.14%: the recorded PR.
    ("01-717-1109", "RADIOLOGIST 2", "WEEK 12", "PR", "SD", "c"),
    # SD vs NE: BL 54; W6 15+13.2+n9+ND+13 known 50.2: PD needs >= 64.8; PR needs S <= 37.8 (impossible) and
    # SD needs T04 < 14.6: undecidable -> NE (1.4 step 1 has no "SD if PR is impossible").
    ("01-704-1008", "INVESTIGATOR", "WEEK 6", "SD", "NE", "a"),
    # BL 11+14+n9+9+13=56; W6 16+18+nND+13+18 known 65: PD needs >= 67.2 (and +5): T03 >= 2.2 would make PD,
    # so unknown -> NE.
    ("01-704-1332", "INVESTIGATOR", "WEEK 6", "SD", "NE", "a"),
    # SD vs PR: BL 19+n11+16+10+19=75; W12 49.2; U9.3 14+n10.8+8+13+6=51.8: -30.93% vs B -> PR; +2.6 mm vs
    # N 49.2 -> not PD. (c): DIAMETER sum 14+12+8+13+6=53, -29.33%: the recorded SD.
    ("01-701-1153", "INVESTIGATOR", "UNSCHEDULED 9.3", "SD", "PR", "c"),
    # BL n10+11+19+15+12=67; W6 n11.7+11+9+9+6=46.7: -30.30% -> PR (NT N: row 8 accepts NE).
    # (c): DIAMETER sum 13+10+9+9+6=47, -29.85%: the recorded SD.
    ("01-704-1065", "RADIOLOGIST 1", "WEEK 6", "SD", "PR", "c"),
    # BL n15+15+15+16+10=71; W6 n5.4+13+10+8+13=49.4: -30.42% -> PR. (c): DIAMETER 50, -29.58%: SD.
    ("01-714-1375", "INVESTIGATOR", "WEEK 6", "SD", "PR", "c"),
    # BL 18+14+n12+12+15=71; W6 53.6; W12 8+10+n9.9+7+14=48.9: -31.13% -> PR. (c): DIAMETER 50: SD.
    ("01-716-1167", "RADIOLOGIST 1", "WEEK 12", "SD", "PR", "c"),
]
DEFECT_SUBJECT = "01-711-1143"


def _require_real() -> None:
    if not all((REAL / name).exists() for name in DOMAIN_FILES):
        pytest.skip("pharmaverse SDTM data not available")


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    """The RS-vs-computed table of an extract of the sampled subjects (every reader), assessed once."""
    _require_real()
    folder = tmp_path_factory.mktemp("pharmaverse_extract")
    subjects = {row[0] for row in SAMPLED} | {DEFECT_SUBJECT}
    for name in DOMAIN_FILES:
        frame = pd.read_csv(REAL / name, dtype=str, keep_default_na=False)
        frame[frame["USUBJID"].isin(subjects)].to_csv(folder / name, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(folder, criteria=("recist11",), on_baseline_violation="warn")
    return result.against_recorded()


def _call(table: pd.DataFrame, subject: str, reader: str, visit: str) -> pd.Series:
    rows = table[(table["patient_id"] == subject) & (table["reader"] == reader) & (table["visit"] == visit)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


@pytest.mark.parametrize(("subject", "reader", "visit", "recorded", "expected", "kind"), SAMPLED,
                         ids=[f"{s}-{r}-{v}" for s, r, v, *_ in SAMPLED])
def test_s1_sampled_disagreements_recomputed_by_hand(extract, subject, reader, visit, recorded, expected,
                                                     kind):
    """Spec 1.4-1.6, 1.8.1: the computed call equals the hand result; the RS call is the other one."""
    call = _call(extract, subject, reader, visit)
    assert call["recorded_response"] == recorded  # RS OVRLRESP of that visit, as in rs_onco.csv
    assert call["computed_response"] == expected  # hand arithmetic in the comment of SAMPLED


def test_s0_5_real_subject_week12_not_judged_against_a_later_scan(extract):
    # INVESTIGATOR, by scan date: BL 2013-04-03 19+n11+16+12+13=71; W6 2013-05-15 T04 NOT DONE (NE, not a
    # nadir); W12 2013-06-01 9+n7+14+14+11=55: vs N 71 -22.54% (not <= -30%), -16 mm -> target SD; NT04 NOT
    # DONE (NE), no new lesion -> overall SD (Table 1 row 9), as the investigator recorded.
    # (The UNSCHEDULED 9.2 scan of 2013-06-22, 12+n10+6+7+6=41, comes three weeks later.)
    call = _call(extract, DEFECT_SUBJECT, "INVESTIGATOR", "WEEK 12")
    assert call["computed_response"] == "SD"


# ---------------------------------------------------------------- small SDTM folders built by hand
TU_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "TUSEQ", "TULNKID", "TUTESTCD", "TUORRES", "TUSTRESC", "TULOC",
              "TUEVAL", "VISITNUM", "VISIT", "TUDTC", "TUDY"]
TR_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "TRSEQ", "TRGRPID", "TRLNKID", "TRTESTCD", "TRORRES",
              "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU", "TRSTAT", "TRREASND", "TREVAL", "VISITNUM",
              "VISIT", "TRDTC", "TRDY"]
VISITS = {  # visit -> (VISITNUM, TRDTC, TRDY): a 2020 study with first dose 2020-01-01 (TRDY 1)
    "BASELINE": ("3", "2020-01-01", "1"), "WEEK 6": ("7", "2020-02-12", "43"),
    "WEEK 12": ("9", "2020-03-25", "85"), "WEEK 18": ("10", "2020-05-06", "127"),
}


def _sdtm(folder: Path, lesions: dict[str, tuple[str, str]], results: list[tuple],
          supptr: list[tuple] | None = None) -> Path:
    """TU (lesion -> (role, TULOC)) and TR rows (subject P1, investigator). ``results`` rows are
    (visit, lesion, test, value, stat) with value "" for a NOT DONE record; visit may be a tuple
    (VISITNUM, VISIT, TRDTC, TRDY) for a visit not in VISITS."""
    folder.mkdir(parents=True, exist_ok=True)
    tu = [["S", "TU", "P1", str(i + 1), lesion, "TUMIDENT", role, role, location, "INVESTIGATOR", "3",
           "BASELINE", "2020-01-01", "1"] for i, (lesion, (role, location)) in enumerate(lesions.items())]
    pd.DataFrame(tu, columns=TU_COLUMNS).to_csv(folder / "tu.csv", index=False)
    tr = []
    for seq, (visit, lesion, test, value, stat) in enumerate(results, start=1):
        number, name, dtc, dy = visit if isinstance(visit, tuple) else (*VISITS[visit][:1], visit,
                                                                          *VISITS[visit][1:])
        group = "" if test == "SUMDIAM" else lesions[lesion][0]
        group = group or "TARGET"
        unit = "mm" if test != "TUMSTATE" and value != "" else ""
        tr.append(["S", "TR", "P1", str(seq), group, lesion, test, value, unit, value,
                   value if unit else "", unit, stat, "NOT ASSESSABLE: Image obscured" if stat else "",
                   "INVESTIGATOR", number, name, dtc, dy])
    pd.DataFrame(tr, columns=TR_COLUMNS).to_csv(folder / "tr.csv", index=False)
    if supptr:
        rows = [["S", "TR", "P1", "TRSEQ", str(seq), "TRLOC", "Location of the Tumor", loc, "CRF"]
                for seq, loc in supptr]
        pd.DataFrame(rows, columns=["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL",
                                    "QVAL", "QORIG"]).to_csv(folder / "supptr.csv", index=False)
    return folder


def _calls(folder: Path) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(folder, criteria=("recist11",), on_baseline_violation="warn")
    return result.timepoints.sort_values("day")["overall_response"].tolist()


TWO_TARGETS = {"T01": ("TARGET", "LIVER"), "T02": ("TARGET", "LUNG")}


def test_s1_4_not_done_target_is_ne_and_its_partial_sum_never_a_nadir(tmp_path):
    # Spec 1.4 step 1 and 0.5. B = 40 + 30 = 70. W6: T01 10, T02 NOT DONE: known 10; PD needs >= 84: no;
    # PR needs S <= 49, i.e. T02 <= 39: unknown -> NE (the RS "PR from the known lesions" pattern). The
    # sponsor's SUMDIAM 10 of that visit is not read. W12: 12 + 20 = 32; N = 70 (the incomplete 10 is
    # not a nadir): -54.29% vs B -> PR (against 10 it would be +220%, +22 mm: PD).
    folder = _sdtm(tmp_path / "sdtm", TWO_TARGETS, [
        ("BASELINE", "T01", "LDIAM", "40", ""), ("BASELINE", "T02", "LDIAM", "30", ""),
        ("WEEK 6", "T01", "LDIAM", "10", ""), ("WEEK 6", "T02", "LDIAM", "", "NOT DONE"),
        ("WEEK 6", "", "SUMDIAM", "10", ""),
        ("WEEK 12", "T01", "LDIAM", "12", ""), ("WEEK 12", "T02", "LDIAM", "20", ""),
    ])
    assert _calls(folder) == ["NE", "PR"]


def test_s1_6_1_all_targets_not_done_with_sumdiam_zero_is_ne_not_cr(tmp_path):
    # Spec 1.6.1 row 5 (the RS "CR"/"PR" at WEEK 18 pattern). W6: both targets NOT DONE, SUMDIAM 0, NT
    # absent: no target measured -> target NE, non-target CR, no new lesion -> overall NE (not CR, row 6).
    lesions = {**TWO_TARGETS, "NT01": ("NON-TARGET", "BONE")}
    folder = _sdtm(tmp_path / "sdtm", lesions, [
        ("BASELINE", "T01", "LDIAM", "40", ""), ("BASELINE", "T02", "LDIAM", "30", ""),
        ("BASELINE", "NT01", "TUMSTATE", "PRESENT", ""),
        ("WEEK 6", "T01", "LDIAM", "", "NOT DONE"), ("WEEK 6", "T02", "LDIAM", "", "NOT DONE"),
        ("WEEK 6", "", "SUMDIAM", "0", ""), ("WEEK 6", "NT01", "TUMSTATE", "ABSENT", ""),
    ])
    assert _calls(folder) == ["NE"]


def test_s0_5_nadir_zero_after_cr_then_regrowth_is_pd_although_far_below_baseline(tmp_path):
    # Spec 0.5 (R = 0: every S > 0 meets the relative test; +5 mm still needed) and 1.8.1. B = 70;
    # W6: 0 + 0 -> CR; W12: 6 + 0 = 6: vs N 0 +6 mm >= 5 -> PD, though -91.43% vs B (RS would say PR).
    folder = _sdtm(tmp_path / "sdtm", TWO_TARGETS, [
        ("BASELINE", "T01", "LDIAM", "40", ""), ("BASELINE", "T02", "LDIAM", "30", ""),
        ("WEEK 6", "T01", "LDIAM", "0", ""), ("WEEK 6", "T02", "LDIAM", "0", ""),
        ("WEEK 12", "T01", "LDIAM", "6", ""), ("WEEK 12", "T02", "LDIAM", "0", ""),
    ])
    assert _calls(folder) == ["CR", "PD"]


def test_s1_4_nadir_is_the_lowest_earlier_sum_not_the_previous_one(tmp_path):
    # Spec 0.5 / 1.4 step 3. B = 50 + 30 = 80. W6 25 + 15 = 40: -50% -> PR. W12 27 + 18 = 45: vs N 40
    # +12.50% -> not PD, -43.75% -> PR. W18 29 + 19.5 = 48.5: vs N 40 (W6, not the previous 45) +8.5 mm,
    # +21.25% -> PD (vs 45 it would be +7.78%: not PD), while -39.38% vs B.
    folder = _sdtm(tmp_path / "sdtm", TWO_TARGETS, [
        ("BASELINE", "T01", "LDIAM", "50", ""), ("BASELINE", "T02", "LDIAM", "30", ""),
        ("WEEK 6", "T01", "LDIAM", "25", ""), ("WEEK 6", "T02", "LDIAM", "15", ""),
        ("WEEK 12", "T01", "LDIAM", "27", ""), ("WEEK 12", "T02", "LDIAM", "18", ""),
        ("WEEK 18", "T01", "LDIAM", "29", ""), ("WEEK 18", "T02", "LDIAM", "19.5", ""),
    ])
    assert _calls(folder) == ["PR", "PR", "PD"]


@pytest.mark.parametrize(("t01", "expected"), [
    ("36", "PD"),    # 36 + 30 = 66 vs N 55: (66 - 55) / 55 = 0.2 exactly (rounded to 6 dp) and +11 mm -> PD
    ("35.9", "SD"),  # 35.9 + 30 = 65.9: +19.82% < 20% -> not PD although +10.9 mm; +19.82% vs B -> SD
])
def test_s0_5_plus_20_percent_boundary(tmp_path, t01, expected):
    # Spec 0.5 (rounding before comparing, rel >= 0.20) and 1.4 step 3; case 01-708-1084 R2 WEEK 24.
    folder = _sdtm(tmp_path / "sdtm", TWO_TARGETS, [
        ("BASELINE", "T01", "LDIAM", "25", ""), ("BASELINE", "T02", "LDIAM", "30", ""),
        ("WEEK 6", "T01", "LDIAM", t01, ""), ("WEEK 6", "T02", "LDIAM", "30", ""),
    ])
    assert _calls(folder) == [expected]


def test_s1_5_unequivocal_non_target_is_pd_equivocal_new_lesion_is_not(tmp_path):
    # Spec 1.5 / 1.6.1. B = 70. W6: 30 + 20 = 50 (-28.57%: SD), new lesion TUMSTATE EQUIVOCAL -> SD (row 10,
    # not PD). W12: 30 + 20 = 50 (SD), NT01 TUMSTATE UNEQUIVOCAL -> non-target PD -> overall PD (row 2).
    lesions = {**TWO_TARGETS, "NT01": ("NON-TARGET", "BONE"), "NEW01": ("NEW", "")}
    folder = _sdtm(tmp_path / "sdtm", lesions, [
        ("BASELINE", "T01", "LDIAM", "40", ""), ("BASELINE", "T02", "LDIAM", "30", ""),
        ("BASELINE", "NT01", "TUMSTATE", "PRESENT", ""),
        ("WEEK 6", "T01", "LDIAM", "30", ""), ("WEEK 6", "T02", "LDIAM", "20", ""),
        ("WEEK 6", "NT01", "TUMSTATE", "PRESENT", ""), ("WEEK 6", "NEW01", "TUMSTATE", "EQUIVOCAL", ""),
        ("WEEK 12", "T01", "LDIAM", "30", ""), ("WEEK 12", "T02", "LDIAM", "20", ""),
        ("WEEK 12", "NT01", "TUMSTATE", "UNEQUIVOCAL", ""), ("WEEK 12", "NEW01", "TUMSTATE", "ABSENT", ""),
    ])
    assert _calls(folder) == ["SD", "PD"]


def test_s0_4_sdtm_node_measured_by_short_axis_of_its_tu_location(tmp_path):
    # Spec 0.4 (node value = short axis) with the documented SDTM mapping (node or not from TULOC, fixed at
    # identification; the per-visit SUPPTR TRLOC "LIVER" at W6 does not turn the node into a liver lesion).
    # T01 node (TULOC LYMPH NODE): LDIAM 25 / LPERP 20 at BL, LDIAM 22 / LPERP 13 at W6 (TRLOC LIVER), T02
    # lung 30. B = 20 + 30 = 50; W6 = 13 + 21 = 34: -32% -> PR. (With LDIAM 22 for T01: 43, -14%: SD, the
    # sponsor-DIAMETER reading behind several RS disagreements.)
    lesions = {"T01": ("TARGET", "LYMPH NODE"), "T02": ("TARGET", "LUNG")}
    folder = _sdtm(tmp_path / "sdtm", lesions, [
        ("BASELINE", "T01", "LDIAM", "25", ""), ("BASELINE", "T01", "LPERP", "20", ""),
        ("BASELINE", "T02", "LDIAM", "30", ""),
        ("WEEK 6", "T01", "LDIAM", "22", ""), ("WEEK 6", "T01", "LPERP", "13", ""),
        ("WEEK 6", "T02", "LDIAM", "21", ""),
    ], supptr=[(4, "LIVER"), (5, "LIVER")])
    assert _calls(folder) == ["PR"]


def test_s0_5_mixed_nominal_and_date_days_reorder_scans(tmp_path):
    # First dose 2020-01-01 (BASELINE TRDY 1). WEEK 12 scanned 2020-02-28 (day 58) but TRDY 85 (nominal);
    # UNSCHEDULED 9.2 scanned 2020-03-20 (day 79), no TRDY. In scan order: B 50; WEEK 12 40: -20% vs B,
    # N 50 -> SD; UNSCHEDULED 30: -40% -> PR. Expected in scan order: SD then PR.
    folder = _sdtm(tmp_path / "sdtm", {"T01": ("TARGET", "LIVER")}, [
        ("BASELINE", "T01", "LDIAM", "50", ""),
        (("9", "WEEK 12", "2020-02-28", "85"), "T01", "LDIAM", "40", ""),
        (("9.2", "UNSCHEDULED 9.2", "2020-03-20", ""), "T01", "LDIAM", "30", ""),
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(folder, criteria=("recist11",), on_baseline_violation="warn")
    by_date = result.timepoints.sort_values("date")["overall_response"].tolist()
    assert by_date == ["SD", "PR"]
