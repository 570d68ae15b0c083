"""Audit of RECIST 1.1 (spec/anatomic.md section 1) and imRECIST (section 5) through the public API.

The first tests pin differences between the code and the spec that the audit found, since fixed (each
quotes the rule it checks); the others pin tricky behaviours that were verified to follow the spec.
"""

import pytest
from assessed import by_day, row, run

from ioresponse.schema import InputError


def best(result, column="best_response"):
    return result.best_response[column].iloc[0]


# --- differences the audit found, fixed ---------------------------------------------------------------------


@pytest.mark.parametrize("criterion", ["recist11", "imrecist"])
def test_0_4_A11_split_target_node_with_summed_short_axis_of_10mm_or_more_is_not_normal(criterion):
    # spec 0.4: "Split lesion ... the lesion value is the sum of the fragment values"; A11: "fragment
    # short axes are summed as for other lesions"; "Normal lymph node: ... short axis < 10 mm"; 1.4 step 2:
    # CR needs "every nodal target is normal". Node T1 20 -> fragments 7 + 6 = 13 mm (not normal), liver
    # T2 30 -> absent: sum 13 vs B 50 = -74 %: target PR, overall PR (imRECIST 5.4 "gone ... nodes < 10").
    rows = [row(-7, "T1", 20, node=True, organ="neck"), row(-7, "T2", 30),
            row(56, "T1", 7, node=True, organ="neck"), row(56, "T1", 6, node=True, organ="neck"),
            row(56, "T2", status="absent")]
    result = run(rows, criterion)
    assert by_day(result, "current_sum") == {56: 13.0}
    assert by_day(result) == {56: "PR"}


def test_1_8_1_split_target_node_back_to_10mm_after_cr_is_a_reappearance():
    # spec 1.8.1: after an overall CR the assessment is PD when "a nodal target short axis >= 10 mm"; with
    # A11 the split node's short axis is 6 + 5 = 11 mm. Sum 11 vs nadir 8 is +3 mm (not PD by the sums),
    # so only the reappearance rule makes day 168 PD.
    rows = [row(-7, "T1", 20, node=True, organ="neck"), row(56, "T1", 8, node=True, organ="neck"),
            row(112, "T1", 8, node=True, organ="neck"),
            row(168, "T1", 6, node=True, organ="neck"), row(168, "T1", 5, node=True, organ="neck")]
    result = run(rows)
    assert by_day(result) == {56: "CR", 112: "CR", 168: "PD"}


def test_1_5_split_new_node_with_summed_short_axis_of_10mm_or_more_is_a_new_lesion():
    # spec 1.5: "a node counts as a new lesion only with short axis >= 10 mm"; 0.4 / A11: a split node's
    # value is the sum of its fragments, 6 + 5 = 11 mm -> a new lesion: Table 1 row 3, PD.
    rows = [row(-7, "T1", 40), row(56, "T1", 38),
            row(56, "U1", 6, node=True, organ="neck"), row(56, "U1", 5, node=True, organ="neck")]
    result = run(rows)
    assert by_day(result, "new_lesion_response") == {56: "yes"}
    assert by_day(result) == {56: "PD"}


@pytest.mark.parametrize("criterion", ["recist11", "imrecist", "irecist", "irrecist", "irrc"])
@pytest.mark.parametrize("status", ["too_small", "absent", "not_evaluable"])
def test_1_2_baseline_target_without_a_measurable_size_is_a_violation(status, criterion):
    # spec 1.2: a target is measurable when "long_axis_mm >= 10"; "The software ... checks ... size
    # thresholds for role = target (violation: InputError ...)" (A1 default "error"; 5.2 the same for
    # imRECIST). A too_small target is 5 mm, an absent one 0, a not_evaluable one has no size.
    # Found by this audit: only present targets were size-checked, and a not_evaluable one silently left B =
    # the other targets, so an unchanged patient read PD. irRC's index lesions follow the same rule (2.2).
    rows = [row(-7, "T1", status=status), row(-7, "T2", 30, organ="lung"),
            row(56, "T1", 40), row(56, "T2", 30, organ="lung")]
    rows = [r | {"perpendicular_mm": 20.0} for r in rows]
    with pytest.raises(InputError, match="not present at baseline") as error:
        run(rows, criterion)
    assert (error.value.rows, error.value.column) == ([2], "status")
    kept = run(rows, criterion, on_baseline_violation="warn")  # A1 option: kept as given and flagged
    assert "baseline_" in kept.timepoints["flags"].iloc[0]


@pytest.mark.parametrize("criterion", ["recist11", "imrecist"])
def test_1_3_split_baseline_target_counts_once_for_the_caps(criterion):
    # spec 1.3: "At most 5 target lesions in total and at most 2 per organ"; 0.4: "several rows with the
    # same lesion_id in one assessment are fragments" of ONE lesion. T1 (20 + 15) and T2 are 2 liver
    # targets: B = 65; day 56 40 + 20 = 60 -> -7.69 %: SD.
    rows = [row(-7, "T1", 20), row(-7, "T1", 15), row(-7, "T2", 30),
            row(56, "T1", 40), row(56, "T2", 20)]
    result = run(rows, criterion)
    assert by_day(result, "baseline_sum") == {56: 65.0}
    assert by_day(result) == {56: "SD"}


def test_1_9_present_new_node_without_short_axis_is_an_input_error():
    # spec 1.9: required "short_axis_mm for ... nodal new lesions that are present"; 0.4 present: "Missing
    # measurement: InputError naming the column"; 0.1: "it never guesses a value". Whether the node is a
    # new lesion at all depends on it (1.5: ">= 10 mm short axis").
    rows = [row(-7, "T1", 100), row(56, "T1", 90), row(56, "U1", node=True, organ="neck")]
    with pytest.raises(InputError, match="short_axis_mm"):
        run(rows)


# --- verified behaviours ---------------------------------------------------------------------------------


def test_1_8_3_continued_pr_after_a_confirmed_pr_with_confirmation_on():
    # spec 1.8.3: with the option, "after the first confirmed PR ... a computed SD is reported as PR with
    # flag continued_pr"; best response the same. B 100; 56: 60 PR; 84: 62 PR (28 days: confirms);
    # 112: 71 = -29 % vs B, +18.33 % vs nadir 60: SD -> PR.
    rows = [row(-7, "T1", 100), row(56, "T1", 60), row(84, "T1", 62), row(112, "T1", 71)]
    plain = run(rows, confirm_response=True)
    assert by_day(plain) == {56: "PR", 84: "PR", 112: "SD"}
    result = run(rows, confirm_response=True, continued_pr_after_confirmed_pr=True)
    assert by_day(result) == {56: "PR", 84: "PR", 112: "PR"}
    assert "continued_pr" in by_day(result, "flags")[112]
    assert by_day(result, "confirmation_state")[56] == "confirmed"
    for column in ("best_response", "best_response_confirmed", "first_response_day"):
        assert best(result, column) == best(plain, column)


def test_1_8_2_equivocal_lesion_gone_then_unequivocal_is_dated_to_its_first_appearance():
    # spec 1.5: "if the same lesion_id is later present and not equivocal, PD is declared and dated to the
    # first assessment that showed it" - even with an assessment in between where it was absent.
    rows = [row(-7, "T1", 50), row(56, "T1", 45), row(56, "U1", 8, equivocal=True),
            row(84, "T1", 45), row(84, "U1", status="absent"), row(112, "T1", 45), row(112, "U1", 12)]
    result = run(rows)
    assert by_day(result) == {56: "PD", 84: "SD", 112: "PD"}
    assert best(result, "progression_day") == 56
    assert best(result) == "PD"
    assert list(run(rows, backdate_equivocal_pd=False).best_response[["best_response", "progression_day"]]
                .iloc[0]) == ["SD", 112]


def test_1_6_table1_row10_target_cr_with_only_an_equivocal_new_lesion_is_cr_and_flagged():
    # spec 1.6.1 row 10: "CR / PR / SD | as rows 6-9 | equivocal -> as rows 6-9, plus flag". Node 9 mm,
    # liver absent: target CR (sum 9); equivocal new lesion: CR, not PD.
    rows = [row(-7, "T1", 20, node=True, organ="neck"), row(-7, "T2", 30),
            row(56, "T1", 9, node=True, organ="neck"), row(56, "T2", status="absent"),
            row(56, "U1", 14, organ="lung", equivocal=True)]
    result = run(rows)
    assert by_day(result) == {56: "CR"}
    assert by_day(result, "new_lesion_response") == {56: "equivocal"}
    assert "equivocal_new_lesion" in by_day(result, "flags")[56]


def test_1_6_2_non_target_only_not_evaluated_with_an_equivocal_new_lesion_is_ne():
    # spec 1.6.2: "NE | no / equivocal -> NE". Best response NE (nothing else).
    rows = [row(-7, "N1", organ="peritoneum"), row(56, "N1", organ="peritoneum", status="not_evaluable"),
            row(56, "U1", 12, equivocal=True)]
    result = run(rows)
    assert by_day(result) == {56: "NE"}
    assert best(result) == "NE"


def test_0_1_per_assessment_slice_thickness_must_agree():
    # spec 0.1: "if rows of one assessment disagree, raise InputError naming the rows" (slice_thickness_mm
    # decides measurability, 0.6).
    lung = dict(organ="lung")
    rows = [row(-7, "T1", 40, slice_thickness_mm=5.0), row(-7, "T2", 30, slice_thickness_mm=7.0, **lung),
            row(56, "T1", 40, slice_thickness_mm=5.0), row(56, "T2", 30, slice_thickness_mm=5.0, **lung)]
    with pytest.raises(InputError, match="slice_thickness_mm"):
        run(rows)


def test_1_2_pathological_nodal_non_target_is_not_flagged_a_normal_one_is_and_counts_as_absent():
    # spec 1.2: "a node recorded at baseline with short axis < 10 mm gets the flag normal_node_recorded";
    # 10 to < 15 mm is pathological (non-target, no flag). 1.5 step 3: a nodal non-target < 10 mm is absent.
    rows = [row(-7, "T1", 50), row(-7, "N1", 12, node=True), row(56, "T1", 45), row(56, "N1", 12, node=True),
            row(-7, "T1", 50, patient="P2"), row(-7, "N1", 9.5, node=True, patient="P2"),
            row(56, "T1", 45, patient="P2"), row(56, "N1", 9.5, node=True, patient="P2")]
    tp = run(rows).timepoints.set_index("patient_id")
    assert "normal_node_recorded" not in tp.loc["P1", "flags"]
    assert "normal_node_recorded" in tp.loc["P2", "flags"]
    assert tp.loc["P1", "non_target_response"] == "NON-CR/NON-PD"
    assert tp.loc["P2", "non_target_response"] == "CR"


def test_0_8_imrecist_sd_before_28_days_does_not_decide_and_best_response_scope():
    # spec 0.8: "Assessments between i and j (earlier than 28 days, or NE) do not decide". B 50: 56 62 PD;
    # 70 50 SD (14 days); 84 62 PD (28 days): confirmed, progression day 56. 5.7 / E2: bor_scope "all"
    # counts the SD of day 70 (>= 42); "until_confirmed_pd" stops at day 56: PD.
    rows = [row(-7, "T1", 50), row(56, "T1", 62), row(70, "T1", 50), row(84, "T1", 62), row(112, "T1", 45)]
    result = run(rows, "imrecist")
    assert by_day(result, "confirmation_state") == {56: "confirmed", 70: "not_required", 84: "confirms",
                                                    112: "not_required"}
    assert (best(result), best(result, "progression_day"), best(result, "pfs_event")) == ("SD", 56, True)
    assert best(run(rows, "imrecist", bor_scope="until_confirmed_pd")) == "PD"
    assert best(run(rows, "recist11")) == "PD"  # RECIST 1.1: no confirmation of PD (1.7)
