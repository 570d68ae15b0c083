"""The worked examples of spec/anatomic.md as lesion tables (sections 2.10 Q, 3.10 J, 4.10 iR), typed once
for every test that runs them; read with ``_lesions.lesions``."""

# spec 2.10 Q1: confirmed irPR (products 1650 -> 620 -> 476 mm2).
Q1 = """
day lesion role   organ node long perp status
-7  L1     target liver n    40   30   present
-7  L2     target lung  n    20   15   present
-7  L3     target skin  n    15   10   present
84  L1     target liver n    25   20   present
84  L2     target lung  n    12   10   present
84  L3     target skin  n    -    -    absent
112 L1     target liver n    22   18   present
112 L2     target lung  n    10   8    present
112 L3     target skin  n    -    -    absent
"""


# spec 2.10 Q2: a new measurable lesion (N1) enters the burden and turns irPR into irSD.
Q2 = """
day lesion role   organ node long perp status
-7  L1     target liver n    30   20   present
-7  L2     target lung  n    25   20   present
84  L1     target liver n    18   15   present
84  L2     target lung  n    15   10   present
84  N1     new    liver n    15   12   present
112 L1     target liver n    15   12   present
112 L2     target lung  n    12   10   present
112 N1     new    liver n    10   8    present
140 L1     target liver n    14   10   present
140 L2     target lung  n    10   9    present
140 N1     new    liver n    8    6    present
"""


# spec 2.10 Q3: unconfirmed irPD (pseudoprogression), then irPR; N2 (4 x 3 mm) never counts.
Q3 = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
-7  L2     target lung  n    20   10   present
84  L1     target liver n    25   22   present
84  L2     target lung  n    22   12   present
84  N1     new    liver n    10   10   present
84  N2     new    lung  n    4    3    present
112 L1     target liver n    18   16   present
112 L2     target lung  n    15   8    present
112 N1     new    liver n    6    5    present
112 N2     new    lung  n    4    3    present
168 L1     target liver n    12   10   present
168 L2     target lung  n    10   6    present
168 N1     new    liver n    -    -    absent
168 N2     new    lung  n    -    -    absent
196 L1     target liver n    10   10   present
196 L2     target lung  n    8    5    present
196 N1     new    liver n    -    -    absent
196 N2     new    lung  n    -    -    absent
"""


# spec 2.10 Q4: confirmed irPD, progression dated to the first irPD.
Q4 = """
day lesion role   organ node long perp status
-7  L1     target liver n    30   30   present
56  L1     target liver n    36   34   present
84  L1     target liver n    40   38   present
"""


# spec 2.10 Q5: irCR with a normal-sized index node (short axis 8 < 10 mm).
Q5 = """
day lesion role       organ      node long short perp status
-7  L1     target     mediastinum y   20   16    -    present
-7  L2     target     lung       n    15   -     12   present
-7  NI1    non_target bone       n    -    -     -    present
84  L1     target     mediastinum y   12   8     -    present
84  L2     target     lung       n    -    -     -    absent
84  NI1    non_target bone       n    -    -     -    absent
112 L1     target     mediastinum y   11   7     -    present
112 L2     target     lung       n    -    -     -    absent
112 NI1    non_target bone       n    -    -     -    absent
"""


# spec 3.10 J2: +20 % but less than 5 mm, then a confirmed irPD driven by a new lesion.
J2 = """
day lesion role   organ node long status
-7  T1     target lung  n    11   present
-7  T2     target lung  n    10   present
56  T1     target lung  n    9    present
56  T2     target lung  n    8    present
112 T1     target lung  n    11   present
112 T2     target lung  n    10   present
168 T1     target lung  n    11   present
168 T2     target lung  n    10   present
168 N1     new    liver n    10   present
196 T1     target lung  n    12   present
196 T2     target lung  n    10   present
196 N1     new    liver n    11   present
"""


# spec 3.10 J3: unequivocal non-target progression (default irPD; Nishino form irSD).
J3 = """
day lesion role       organ  node long status
-7  T1     target     liver  n    30   present
-7  T2     target     lung   n    20   present
-7  NT1    non_target pleura n    -    present
56  T1     target     liver  n    26   present
56  T2     target     lung   n    18   present
56  NT1    non_target pleura n    -    unequivocal_progression
84  T1     target     liver  n    25   present
84  T2     target     lung   n    17   present
84  NT1    non_target pleura n    -    unequivocal_progression
"""


# spec 4.10 iR2: iCPD from growth of the new lesion targets (+5 mm).
IR2 = """
day lesion role   organ  node long status
-7  T1     target kidney n    50   present
56  T1     target kidney n    46   present
112 T1     target kidney n    45   present
112 A      new    liver  n    12   present
112 B      new    lung   n    10   present
147 T1     target kidney n    44   present
147 A      new    liver  n    15   present
147 B      new    lung   n    12   present
"""


# spec 4.10 iR3: iCPD from further target growth, after one non-confirming assessment.
IR3 = """
day lesion role   organ node long status
-7  T1     target liver n    30   present
-7  T2     target lung  n    20   present
56  T1     target liver n    25   present
56  T2     target lung  n    15   present
112 T1     target liver n    30   present
112 T2     target lung  n    19   present
154 T1     target liver n    33   present
154 T2     target lung  n    20   present
196 T1     target liver n    35   present
196 T2     target lung  n    21   present
"""


# spec 4.10 iR4: target iUPD that reverts (reset), a second iUPD, confirmed by a new lesion.
IR4 = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
-7  T2     target lung  n    20   present
56  T1     target liver n    30   present
56  T2     target lung  n    14   present
112 T1     target liver n    38   present
112 T2     target lung  n    16   present
154 T1     target liver n    33   present
154 T2     target lung  n    14   present
210 T1     target liver n    34   present
210 T2     target lung  n    15   present
266 T1     target liver n    40   present
266 T2     target lung  n    15   present
301 T1     target liver n    41   present
301 T2     target lung  n    15   present
301 N1     new    liver n    8    present
"""


# spec 4.10 iR5: clinically unstable iUPD, an early scan that cannot confirm, confirmation later.
IR5 = """
day lesion role   organ node long status  clinical
-7  T1     target liver n    60   present stable
56  T1     target liver n    75   present deteriorating
70  T1     target liver n    80   present deteriorating
91  T1     target liver n    82   present deteriorating
"""


# spec 4.10 iR6: new lesion, then further shrinkage of baseline disease (iQ&A scenario B).
IR6 = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
-7  T2     target liver n    30   present
56  T1     target liver n    40   present
56  T2     target liver n    24   present
112 T1     target liver n    36   present
112 T2     target liver n    22   present
112 N1     new    lung  n    7    present
168 T1     target liver n    30   present
168 T2     target liver n    18   present
168 N1     new    lung  n    7    present
224 T1     target liver n    28   present
224 T2     target liver n    17   present
224 N1     new    lung  n    7    present
"""


# spec 4.10 iR7: PR first, then a new lesion with no further change (iQ&A scenario F).
IR7 = """
day lesion role   organ node long status
-7  T1     target liver n    60   present
-7  T2     target liver n    40   present
56  T1     target liver n    40   present
56  T2     target liver n    25   present
112 T1     target liver n    40   present
112 T2     target liver n    25   present
112 N1     new    lung  n    6    present
168 T1     target liver n    40   present
168 T2     target liver n    25   present
168 N1     new    lung  n    6    present
"""
