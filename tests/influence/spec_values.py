"""Reference values of the LoI spec (section 3) and the data README, typed in independently of
`nestlab.influence` so that the tests also guard the package's own copies."""

SPEC_LOI_ARXIV = {
    "chicken": (1.291, 1.364, 1.438, 1.227),
    "pure_coordination": (1.117, 1.071, 0.975, 0.976),
    "prisoners_dilemma": (1.377, 1.385, 1.180, 1.100),
    "stag_hunt": (1.397, 1.431, 1.424, 1.063),
}
SPEC_P = {"chicken": "2.1e-04", "pure_coordination": "2.4e-07", "prisoners_dilemma": "4.5e-01",
          "stag_hunt": "8.6e-03"}
SPEC_GAIN = {"chicken": 4.0, "pure_coordination": 4.2, "prisoners_dilemma": 1.1, "stag_hunt": 3.0}
README_RLC = {
    "chicken": (1.4457, 1.4290, 1.3153, 1.2581),
    "pure_coordination": (0.9310, 1.1777, 1.2178, 1.0703),
    "prisoners_dilemma": (1.2033, 1.3015, 1.3759, 1.1795),
    "stag_hunt": (1.4087, 1.3413, 1.4221, 1.1297),
}
