"""The valid side-table example of the patterns' input audits (test_pattern_inputs_fuzz.py,
test_pattern_api_inputs.py, test_side_tables_accept_valid.py): four patients, each table as the text a
CSV file holds (file rows noted beside them; header = row 1).

H1 has a pre-baseline scan and hyperprogression, R2 is a responder with a pre-baseline scan, P3 has a new
node then resolution (pseudoprogression), S4 is stable with its reference scan given in the patient table
as ``prebaseline_date`` + ``prebaseline_sum_mm``. Every expected value of the audits is worked from these
tables by hand in their comments.
"""

LESIONS = """\
patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status
H1,-56,A,target,lung,false,25,,present
H1,-56,B,target,liver,false,15,,present
H1,-7,A,target,lung,false,27,,present
H1,-7,B,target,liver,false,17,,present
H1,49,A,target,lung,false,37,,present
H1,49,B,target,liver,false,25,,present
R2,-60,C,target,liver,false,36,,present
R2,-5,C,target,liver,false,40,,present
R2,56,C,target,liver,false,28,,present
R2,112,C,target,liver,false,20,,present
P3,-3,D,target,lung,false,30,,present
P3,-3,E,non_target,pleura,false,,,present
P3,54,D,target,lung,false,31,,present
P3,54,E,non_target,pleura,false,,,present
P3,54,N1,new,lymph node,true,15,12,present
P3,110,D,target,lung,false,24,,present
P3,110,E,non_target,pleura,false,,,present
P3,110,N1,new,lymph node,true,8,6,absent
S4,0,F,target,kidney,false,25,,present
S4,60,F,target,kidney,false,24,,present
"""
# rows: H1 2-7 (pre-baseline day -56: 40 mm, baseline 44, day 49: 62 -> HPD by Champiat & co.), R2 8-11
# (PR), P3 12-19 (new node on day 54: iUPD, gone on day 110: pseudoprogression), S4 20-21 (SD).

PATIENTS = """\
patient_id,treatment_start,treatment_end,treatment_end_reason,prebaseline_date,prebaseline_sum_mm,\
tumor_type,line_of_therapy,drug,egfr_alk_negative,prior_treatment_progressed,pdl1_tps,pdl1_cps,pdl1_assay,\
msi_status,mmr_status,tmb_mut_per_mb,tmb_assay
H1,2021-01-04,2021-03-29,progression,,,NSCLC,1,pembrolizumab,true,false,60,,22C3,MSS,pMMR,4,FoundationOne CDx
R2,2021-02-01,,,,,NSCLC,1,pembrolizumab,true,false,20,,22C3,,,,
P3,2021-03-01,,,,,colorectal,3,pembrolizumab,,true,,,,MSI-H,dMMR,12,FoundationOne CDx
S4,2021-04-05,,,2021-02-04,20,urothelial,2,pembrolizumab,,true,,15,22C3,MSS,,9.9,FoundationOne CDx
"""
# rows: H1 2, R2 3, P3 4, S4 5 (not in alphabetical order: a row number counted after sorting shows)

VISITS = """\
patient_id,date,ecog
H1,2020-12-30,1
H1,2021-02-10,3
R2,2021-01-28,0
R2,2021-03-15,0
P3,2021-02-26,1
P3,2021-04-20,1
"""
# days: H1 -5 and 37 (ECOG 1 -> 3: Lo Russo criterion 5 met), R2 -4 and 42, P3 -3 and 50.
VISITS_BY_DAY = """\
patient_id,day,ecog
H1,-5,1
H1,37,3
R2,-4,0
R2,42,0
P3,-3,1
P3,50,1
"""

EVENTS = """\
patient_id,date,event,grade
P3,2021-04-24,pneumonitis,2
R2,2021-03-20,thyroiditis,1
"""
# days: P3 54, R2 47

FINDINGS = """\
patient_id,day,organ,side,finding,pattern,suvmax,size_mm
R2,56,thyroid,,uptake,diffuse,6.1,
P3,54,lung,bilateral,opacity,ground_glass,3.2,20
"""
# row 2: IRAE-THY (spec 5.5 IRAE-1); row 3: IRAE-PNEU

SAMPLES = """\
patient_id,day,analyte,value,unit
R2,-3,IL-8,40,pg/mL
R2,21,IL-8,22,pg/mL
P3,-2,IL-8,30,pg/mL
P3,20,IL-8,45,pg/mL
"""
# R2: 22 / 40 = 0.55, decrease (spec 6.4 example); P3: 45 / 30 = 1.5, increase

STARTS = """\
patient_id,treatment_start
H1,2021-01-04
R2,2021-02-01
P3,2021-03-01
S4,2021-04-05
"""
# The treatment starts alone: the patient table of a case on a side table (its dates become days).
