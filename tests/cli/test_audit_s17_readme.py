"""Audit s17 ("readme"): README.md checked claim by claim against what the package does.

Audited: the sections "Command line" (outputs, the removal of an earlier run's tables and of what
`compare`, `report`, `export` and `patterns` derived from them, `lesions.*` read back by `assess`,
`--exclude-invalid`), "Input: the lesion table" (sum-only and % change tables, the patient table's
checks), "Atypical patterns" (the side tables of `patterns`, a PET study alone), "Cohort analysis ...
CDISC export" (ADRS PARAMCD per criterion), the flag table, the iRECIST option list (against
spec/anatomic.md 4.11 and the docstring it cites) and the Laleh figures of "Two commands". Claims already
pinned by tests/cli/test_readme_journey.py are not repeated.

The five claims found false were strict xfails and are fixed (session 17): a sum-only or % change input's
``lesions.*`` reads back as the sum table it came from, ``--exclude-invalid`` names the excluded.* it wrote,
``patterns`` on a PET table alone reads PERCIST; the other tests pin true claims. Expected values come from
the README text and hand arithmetic (comments), never from the package's output.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd
import pytest
from _cli import GOOD, assert_accepted, assert_refused, cli, flat, write

import ioresponse

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "lesions.csv"
LALEH = ROOT / ".." / "shared" / "data" / "laleh2022_atezolizumab" / "laleh2022_tidy.csv"


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, keep_default_na=False)


# ---------------------------------------------------------------------------------------------------------
# Differences the audit found (strict xfails first), fixed in session 17

# Sum-only table with the optional columns: S1 baseline 50 mm, day 56 34 mm = -32.00% (<= -30%): PR
# (RECIST 1.1 sec. 4.3.1), no new lesion, non-target present: overall PR.
SUMS_WITH_OPTIONAL = ("patient_id,day,target_sum_mm,new_lesions,non_target\n"
                      "S1,-3,50,false,present\nS1,56,34,false,present\n")


def test_sum_table_with_new_lesions_column_its_lesions_file_reads_back(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert_accepted(cli("assess", write(tmp_path, SUMS_WITH_OPTIONAL, "sums.csv"), "--out", first,
                        "--no-patterns"))
    result = cli("assess", first / "lesions.csv", "--out", second, "--no-patterns")
    assert_accepted(result)
    a, b = read(first, "timepoints.csv"), read(second, "timepoints.csv")
    assert b["overall_response"].tolist() == a["overall_response"].tolist() == ["PR"]  # 34 vs 50: -32%
    assert b["day"].tolist() == a["day"].tolist() == [56]
    assert b["current_sum"].tolist() == a["current_sum"].tolist() == [34]


@pytest.mark.parametrize("text", [
    "patient_id,day,target_sum_mm\nS1,-3,50\nS1,56,34\n",  # 34 vs 50: -32.00%, target PR
    "patient_id,day,pct_change,baseline_size_mm\nS1,0,0,50\nS1,56,-32,50\n",  # 50 x 0.68 = 34 mm, PR
], ids=["sum_only", "pct_change"])
def test_a_target_only_table_read_back_stays_target_only(tmp_path, text):
    first, second = tmp_path / "first", tmp_path / "second"
    assert_accepted(cli("assess", write(tmp_path, text, "table.csv"), "--out", first, "--no-patterns"))
    assert_accepted(cli("assess", first / "lesions.csv", "--out", second, "--no-patterns"))
    a, b = read(first, "timepoints.csv"), read(second, "timepoints.csv")
    assert a["overall_response"].tolist() == b["overall_response"].tolist() == ["PR"]
    assert all("target-only assessment" in reason for reason in a["reason"])  # README l.190-191
    for column in ("target_response", "non_target_response", "new_lesion_response"):
        assert b[column].tolist() == a[column].tolist(), column
    assert all("target-only assessment" in reason for reason in b["reason"])


def test_exclude_invalid_names_the_excluded_file_it_wrote(tmp_path):
    out = tmp_path / "out"
    text = GOOD + "P1,56,T2,target,lung,false,abc,,present\n"  # row 6: 'abc' is not a size
    result = cli("assess", write(tmp_path, text), "--out", out, "--exclude-invalid", "--format", "parquet",
                 "--no-patterns")
    assert_accepted(result)
    assert (out / "excluded.parquet").exists()
    assert len(pd.read_parquet(out / "excluded.parquet")) == 1  # the one row at fault
    named = [word for word in flat(result).split() if "excluded." in word]
    assert named, flat(result)
    assert all(Path(word.rstrip(".,;:)")).exists() for word in named), named


# A PET table (README "Metabolic criteria" columns) with a new pituitary lesion at day 56: the irAE rule of
# hypophysitis reads the new lesions of a PET table (README l.305-306).
PET_TABLE = ("patient_id,day,lesion_id,role,organ,suvmax,sulpeak,tlg,functional_diameter_mm,status,"
             "uptake_min,liver_sul_mean,liver_sul_sd,cycles_before_scan\n"
             "P1,-5,L1,target,lung,12.0,8.0,120,30,present,60,2.0,0.25,0\n"
             "P1,56,L1,target,lung,8.0,5.6,70,25,present,62,2.1,0.25,3\n"
             "P1,56,N1,new,pituitary,6.0,4.0,10,12,present,62,2.1,0.25,3\n")


def test_patterns_command_screens_a_pet_study_alone(tmp_path):
    out = tmp_path / "out"
    assert_accepted(cli("patterns", write(tmp_path, PET_TABLE, "pet.csv"), "--out", out))
    patterns = read(out, "patterns.csv")
    assert "IRAE-HYPO" in set(patterns["definition"])  # new pituitary lesion: hypophysitis look-alike


# ---------------------------------------------------------------------------------------------------------
# True claims, pinned


def test_pet_table_of_the_readme_is_screened_by_patterns_with_a_metabolic_criterion(tmp_path):
    # Companion of the test above: with --criteria percist the same PET study is screened (README l.305).
    out = tmp_path / "out"
    assert_accepted(cli("patterns", write(tmp_path, PET_TABLE, "pet.csv"), "--criteria", "percist",
                        "--out", out))
    assert "IRAE-HYPO" in set(read(out, "patterns.csv")["definition"])


def test_assess_removes_what_compare_report_export_and_patterns_derived(tmp_path):
    # README l.122-123 "Tables an earlier run left in the folder are removed (and named), and so is what
    # `compare`, `report`, `export` and `patterns` derived from them."
    out = tmp_path / "results"
    assert_accepted(cli("assess", EXAMPLE, "--criteria", "recist11,irecist", "--out", out, "--no-patterns"))
    patients = write(tmp_path, "patient_id,arm,tumor_type,pdl1_tps\nP01,A,NSCLC,60\nP02,B,NSCLC,10\n"
                               "P03,A,NSCLC,5\n", "patients.csv")
    assert_accepted(cli("compare", out))
    assert_accepted(cli("report", out, "--patients", patients))
    assert_accepted(cli("export", out, "--sdtm", "--adam"))
    assert_accepted(cli("patterns", EXAMPLE, "--patients", patients, "--out", out))
    derived = {"compare_wide.csv", "compare_reclassification.csv", "report.html", "rates.csv",
               "response_counts.csv", "pfs.csv", "rs.csv", "rs.xpt", "adrs.csv", "adrs.xpt",
               "irae_flags.csv", "biomarkers.csv"}
    assert derived <= {p.name for p in out.iterdir()}
    result = cli("assess", EXAMPLE, "--out", out, "--no-patterns")
    assert_accepted(result)
    left = {p.name for p in out.iterdir()}
    assert not derived & left, derived & left
    assert left == {f"{name}.{ext}" for name in ("timepoints", "best_response", "lesions")
                    for ext in ("csv", "parquet")}
    for name in derived:  # "(and named)"
        assert name in flat(result), name


def test_adrs_paramcd_is_one_per_criterion_and_parameter(tmp_path):
    # README l.404-407: RECIST 1.1 OVR/BOR/CBOR; the others prefixed: iRECIST I, irRC IRC, irRECIST IRR,
    # imRECIST IM, EORTC EO, PERCIST PC, PECRIT PEC, PERCIMT PCM, imPERCIST IMP, iPERCIST IP.
    pet = ("patient_id,day,lesion_id,role,organ,suvmax,sulpeak,tlg,functional_diameter_mm,status,uptake_min,"
           "liver_sul_mean,liver_sul_sd,cycles_before_scan,recist_response\n"
           "P01,-5,L1,target,lung,12.0,8.0,120,30,present,60,2.0,0.25,0,\n"
           "P01,56,L1,target,lung,8.0,5.6,70,25,present,62,2.1,0.25,3,PR\n")
    out = tmp_path / "results"
    assert_accepted(cli("assess", EXAMPLE, "--pet", write(tmp_path, pet, "pet.csv"), "--criteria", "all",
                        "--out", out, "--no-patterns"))
    assert_accepted(cli("export", out, "--adam"))
    prefixes = ["", "I", "IRC", "IRR", "IM", "EO", "PC", "PEC", "PCM", "IMP", "IP"]
    expected = {prefix + param for prefix in prefixes for param in ("OVR", "BOR", "CBOR")}
    assert set(read(out, "adrs.csv")["PARAMCD"]) == expected
    assert set(read(out, "adrs.csv")["STUDYID"]) == {"IORESPONSE"}  # l.398-399: default IORESPONSE


@pytest.mark.parametrize("text, column", [
    ("patient_id,tumor_type,pdl1_tps\nP1,NSCLC,101\n", "pdl1_tps"),  # PD-L1 0-100
    ("patient_id,tumor_type,pdl1_cps\nP1,NSCLC,100.5\n", "pdl1_cps"),
    ("patient_id,tumor_type,pdl1_ic\nP1,NSCLC,-1\n", "pdl1_ic"),
    ("patient_id,tumor_type,tmb_mut_per_mb\nP1,NSCLC,-0.5\n", "tmb_mut_per_mb"),  # TMB >= 0
    ("patient_id,line_of_therapy\nP1,0\n", "line_of_therapy"),  # 1, 2, ...
    ("patient_id,line_of_therapy\nP1,1.5\n", "line_of_therapy"),
    ("patient_id,cisplatin_eligible\nP1,maybe\n", "cisplatin_eligible"),  # true/false
    ("patient_id,msi_status\nP1,high\n", "msi_status"),  # MSI-H/MSI-L/MSS
    ("patient_id,mmr_status\nP1,deficient\n", "mmr_status"),  # dMMR/pMMR (or unknown)
    ("patient_id,prebaseline_date\nP1,2019-12-01\n", "prebaseline_sum_mm"),  # both or neither
    # l.213-214: treatment_end_reason progression, toxicity, death, completed, patient or other
    ("patient_id,treatment_start,treatment_end,treatment_end_reason\n"
     "P1,2020-01-01,2020-05-01,adverse event\n", "treatment_end_reason"),
])
def test_patient_table_columns_are_checked_when_read(tmp_path, text, column):
    # README l.321-324 "The patient table's biomarker columns are checked when it is read: PD-L1 0-100,
    # TMB >= 0, `line_of_therapy` 1, 2, ..., eligibility columns true/false, `msi_status` MSI-H/MSI-L/MSS,
    # `mmr_status` dMMR/pMMR (or `unknown`), and `prebaseline_date` with `prebaseline_sum_mm` (both or
    # neither)." Column names of spec/patterns.md 6.2.
    lesions = write(tmp_path, GOOD)
    patients = write(tmp_path, text, "patients.csv")
    assert_refused(cli("validate", lesions, "--patients", patients), "patients.csv", "row 2", column)


def test_patient_table_values_the_readme_allows_are_accepted(tmp_path):
    # README l.214 "(any case)" for treatment_end_reason; l.323 mmr_status "(or `unknown`)".
    lesions = write(tmp_path, GOOD)
    text = ("patient_id,treatment_start,treatment_end,treatment_end_reason,mmr_status,msi_status\n"
            "P1,2020-01-01,2020-05-01,TOXICITY,unknown,MSS\n")
    assert_accepted(cli("validate", lesions, "--patients", write(tmp_path, text, "patients.csv")))


@pytest.mark.parametrize("option, text, fragments", [
    ("--visits", "patient_id,day,ecog\nP1,0,1.5\n", ["row 2", "ecog"]),  # a whole number 0-4
    ("--visits", "patient_id,day,ecog\nP1,0,1\nP1,0,2\n", ["rows 2, 3", "ecog"]),  # one per patient and day
    ("--events", "Patient ID,Day,Event,Grade\nP1,30,colitis,6\n", ["row 2", "grade"]),  # CTCAE 1-5
    ("--findings", "patient_id,day,Organ,Finding,Size (mm)\nP1,56,lung,opacity,-3\n", ["row 2", "size_mm"]),
    ("--samples", "patient_id,day,analyte,value,unit\nP1,0,IL8,<5,pg/ml\n", ["row 2", "value"]),  # "<5"
])
def test_side_tables_of_patterns_stop_at_file_row_and_column(tmp_path, option, text, fragments):
    # README l.310-318: the checks of --visits/--events/--findings/--samples; "Headers may be spelt in any
    # case and punctuation ("Event", "Size (mm)"). A cell that cannot be read stops the run at its file,
    # row and column (exit 2)".
    side = write(tmp_path, text, "side.csv")
    result = cli("patterns", write(tmp_path, GOOD), option, side, "--out", tmp_path / "out")
    assert_refused(result, "side.csv", *fragments)


def test_flags_of_the_readme_table_are_set(tmp_path):
    # README l.143-157, flag table; each patient built for one flag (sizes in mm, day 0 = first dose).
    header = ("patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status,equivocal,"
              "clinical_status\n")
    rows = [
        "A,-35,T1,target,liver,false,40,,present,,stable",  # baseline 35 > 28 days before day 0
        "A,56,T1,target,liver,false,28,,present,,stable",
        "B,-7,T1,target,liver,false,40,,present,,stable",
        "B,-7,N1,non_target,lymph_node,true,,8,present,,stable",  # node < 10 mm at baseline: normal
        "B,56,T1,target,liver,false,28,,present,,stable",
        "B,56,N1,non_target,lymph_node,true,,8,present,,stable",
        "B,56,U1,new,lymph_node,true,,7,present,,stable",  # new node under 10 mm: not a lesion
        "C,-7,T1,target,bone,false,40,,present,,stable",  # bone target
        "C,56,T1,target,bone,false,28,,present,,stable",
        "D,-7,T1,target,liver,false,40,,present,,stable",
        "D,56,T1,target,liver,false,28,,present,,stable",
        "D,56,U1,new,lung,false,8,,present,true,stable",  # equivocal new lesion
        "E,-7,T1,target,liver,false,40,,present,,stable",
        "E,56,T1,target,liver,false,5,,too_small,,stable",  # too_small with a size given
        # iRECIST: day 56 T1 50 vs 40 = +25%, +10 mm and non-target unequivocal: iUPD, clinically
        # deteriorating; day 70 is 14 < 28 days after the iUPD (early scan); day 140 is 84 > 56 days after.
        "F,-7,T1,target,liver,false,40,,present,,stable",
        "F,-7,NT1,non_target,bone,false,,,present,,stable",
        "F,56,T1,target,liver,false,50,,present,,deteriorating",
        "F,56,NT1,non_target,bone,false,,,unequivocal_progression,,deteriorating",
        "F,70,T1,target,liver,false,50,,present,,stable",
        "F,70,NT1,non_target,bone,false,,,unequivocal_progression,,stable",
        "F,140,T1,target,liver,false,60,,present,,stable",
        "F,140,NT1,non_target,bone,false,,,unequivocal_progression,,stable",
    ]
    out = tmp_path / "out"
    assert_accepted(cli("assess", write(tmp_path, header + "\n".join(rows) + "\n"), "--criteria",
                        "recist11,irecist", "--out", out, "--no-patterns"))
    timepoints = read(out, "timepoints.csv")

    def flags(criterion, patient, day):
        row = timepoints[(timepoints["criterion"] == criterion) & (timepoints["patient_id"] == patient)
                         & (timepoints["day"] == day)]
        assert len(row) == 1
        return set(row["flags"].iloc[0].split(";"))

    assert "baseline_older_than_28_days" in flags("recist11", "A", 56)
    assert {"normal_node_recorded", "new_node_below_10mm"} <= flags("recist11", "B", 56)
    assert "bone_target_check_soft_tissue_component" in flags("recist11", "C", 56)
    assert "equivocal_new_lesion" in flags("recist11", "D", 56)
    assert "too_small_with_measurement" in flags("recist11", "E", 56)
    assert "iupd_not_clinically_stable" in flags("irecist", "F", 56)
    assert "early_scan_not_used" in flags("irecist", "F", 70)
    assert "late_confirmation" in flags("irecist", "F", 140)


def test_irecist_options_of_the_readme_are_the_signature_with_the_spec_defaults():
    # README l.103-109: iRECIST's options (spec/anatomic.md 4.11), "each with the spec's default", named in
    # the docstring of ioresponse.criteria.irecist.assess. Defaults: the 4.11 table (icpd_incomplete_reference
    # is D11, README l.110-114: default known_part).
    from ioresponse.criteria import irecist

    spec_defaults = {
        "new_lesion_reset": "target_shrinkage", "icpd_increase_reference": "iupd", "icpd_absolute_mm": 5.0,
        "icpd_incomplete_reference": "known_part", "early_scan_policy": "ignore", "confirm_min_days": 28,
        "confirm_max_days": 56, "confirm_tolerance_days": 0, "max_new_target": 5,
        "max_new_target_per_organ": 2, "reclassify_new_lesions": False, "nlt_pd_absolute_mm": 5.0,
        "unconfirmed_iupd_pfs": "event", "unstable_iupd_as_icpd": False, "reappearance_after_cr_is_pd": True,
        "confirm_response": False, "max_ne_between": 1, "accept_iupd_between": False, "min_sd_days": 42,
    }
    parameters = inspect.signature(irecist.assess).parameters
    for name, default in spec_defaults.items():
        assert parameters[name].default == default, name
        assert name in irecist.assess.__doc__, name


def test_a_pet_table_read_back_from_pet_files_gives_the_same_calls(tmp_path):
    # README l.116-122: "a PET-only input writes `pet.*` instead of `lesions.*`"; with l.117 "`assess` reads
    # it back with the same calls, days and sums". Hottest SULpeak 8.0 -> 5.6: -30.0%, -2.4 SUL: PMR.
    first, second = tmp_path / "first", tmp_path / "second"
    pet = PET_TABLE.rsplit("P1,56,N1", 1)[0]
    assert_accepted(cli("assess", write(tmp_path, pet, "pet.csv"), "--out", first, "--no-patterns"))
    assert (first / "pet.csv").exists() and not (first / "lesions.csv").exists()
    assert_accepted(cli("assess", first / "pet.csv", "--out", second, "--no-patterns"))
    a, b = read(first, "timepoints.csv"), read(second, "timepoints.csv")
    assert a["overall_response"].tolist() == b["overall_response"].tolist() == ["PMR"]
    pd.testing.assert_frame_equal(a, b)


def test_laleh_figures_of_the_demo_paragraph():
    # README l.38-39: "The Laleh rates cover its five trials (1,472 patients); its waterfall, spider and
    # report show Study1 only (76 patients, three arms)". Patient ids repeat across studies (l.89).
    if not LALEH.exists():
        pytest.skip("shared data not beside the repository")
    laleh = pd.read_csv(LALEH, usecols=["study", "arm", "patient"], dtype=str)
    assert laleh["study"].nunique() == 5
    assert len(laleh[["study", "patient"]].drop_duplicates()) == 1472
    study1 = laleh[laleh["study"] == "Study1"]
    assert study1["patient"].nunique() == 76 and study1["arm"].nunique() == 3


def test_example_lesions_tell_the_three_stories_of_the_readme(tmp_path):
    # README l.27-30: "P01 a confirmed partial response; P02 a pseudoprogression, PD under RECIST 1.1 at day
    # 56 with a new lesion, then shrinking: iUPD reset to iSD, then iPR; P03 a progression that iRECIST
    # confirms as iCPD". By hand: P01 65 -> 44 mm (-32.3%) at 56 and 41 at 112: PR, confirmed (>= 28 days
    # apart). P02 new lesion U1 at 56; day 98 targets 47 < 64 (iUPD sum) and U1 10 < 12: reset; day 140
    # 33 vs 50 = -34%: iPR. P03 40 -> 52 (+30%, +12 mm) at 49, 63 (+11 mm vs the iUPD) at 91: iCPD.
    result = ioresponse.assess(EXAMPLE, criteria=("recist11", "irecist"), confirm_response=True)
    tp = result.timepoints
    calls = {(c, p, int(d)): r for c, p, d, r in
             tp[["criterion", "patient_id", "day", "overall_response"]].itertuples(index=False)}
    assert calls[("recist11", "P02", 56)] == "PD"
    assert [calls[("irecist", "P02", d)] for d in (56, 98, 140)] == ["iUPD", "iSD", "iPR"]
    assert "iupd_reset" in tp[(tp["criterion"] == "irecist") & (tp["patient_id"] == "P02")
                              & (tp["day"] == 98)]["flags"].iloc[0]
    assert [calls[("irecist", "P03", d)] for d in (49, 91)] == ["iUPD", "iCPD"]
    best = result.best_response.set_index(["criterion", "patient_id"])
    assert best.loc[("recist11", "P01"), "best_response_confirmed"] == "PR"
