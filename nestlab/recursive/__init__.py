"""nestlab.recursive — Generalized Recursive Reasoning (GR2; Wen, Yang, Luo, Wang, IJCAI 2020).

Modules: :mod:`~nestlab.recursive.games` (beauty contest, 2x2 matrix games, max of two
quadratics), :mod:`~nestlab.recursive.dynamics` (IGA and level-k look-ahead dynamics, Lyapunov
function, RK4), :mod:`~nestlab.recursive.gr2` (GR2-L / GR2-M learners, batched over agents),
:mod:`~nestlab.recursive.baselines` (DDPG, MADDPG), :mod:`~nestlab.recursive.train` (training
loop, replay buffer, cached runs, summaries), :mod:`~nestlab.recursive.experiments`
(notebook-level studies), :mod:`~nestlab.recursive.claims` (the numbers behind the paper's
claims, their records and scoreboard rows) and :mod:`~nestlab.recursive.plots`.

Importing this package does no training; torch is imported by the learner modules.
"""

from nestlab.recursive.games import (
    BeautyContest,
    GameBatch,
    MatrixGame,
    MaxOfTwoQuadratics,
    matching_pennies,
    matrix_game,
    prisoners_dilemma,
    rotational,
    stag_hunt,
)

__all__ = ["BeautyContest", "GameBatch", "MatrixGame", "MaxOfTwoQuadratics", "matching_pennies",
           "matrix_game", "prisoners_dilemma", "rotational", "stag_hunt"]
