"""A bad-input sweep over the public API and the CLI, as a new user would try it.

Run: ``.venv/bin/python -m benchmarks.bad_input_sweep [--out sweep.csv] [--no-cli]``.

Each case feeds one bad input to one public entry point and classifies what happens:

* ``clean``     — handled correctly where the case knows the right answer, else refused with ``ValueError``/``TypeError``/``FileNotFoundError`` (or CLI exit 2)
                  whose message names the bad argument (every token of the case appears);
* ``unclear``   — refused with such an error, but the message does not name the argument;
* ``traceback`` — any other exception (or a CLI traceback / exit status other than 2);
* ``wrong``     — accepted and the result is visibly wrong (NaN/inf, or the case's own check);
* ``accepted``  — accepted silently.

The cases are independent of the test-suite (written from the public signatures and
docstrings, not from the tests), so the sweep measures what the tests may have missed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import math
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REFUSALS = (ValueError, TypeError, FileNotFoundError)


class Case(NamedTuple):
    area: str
    label: str
    call: Callable[[], Any]
    tokens: tuple[str, ...]
    wrong: Callable[[Any], bool] | None = None


def _nonfinite(x: Any) -> bool:
    try:
        if isinstance(x, dict):
            return any(_nonfinite(v) for v in x.values())
        if isinstance(x, tuple | list) and x and not isinstance(x[0], str):
            return any(_nonfinite(v) for v in x)
        if hasattr(x, "value") and isinstance(x.value, float):
            return not math.isfinite(x.value)
        a = np.asarray(x, dtype=float)
        return bool(a.size) and not bool(np.all(np.isfinite(a)))
    except (TypeError, ValueError):
        return False


def classify(case: Case) -> tuple[str, str]:
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            out = case.call()
    except REFUSALS as exc:
        msg = str(exc)
        ok = all(t.lower() in msg.lower() for t in case.tokens)
        return ("clean" if ok else "unclear"), f"{type(exc).__name__}: {msg[:160]}"
    except Exception as exc:  # noqa: BLE001 — that is what the sweep measures
        return "traceback", f"{type(exc).__name__}: {str(exc)[:160]}"
    if case.wrong is not None:  # the case knows the right answer: accepting it may be right
        try:
            if case.wrong(out):
                return "wrong", f"returned {str(out)[:120]}"
        except Exception as exc:  # noqa: BLE001
            return "wrong", f"result check failed: {exc}"
        return "clean", f"handled correctly: {str(out)[:110]}"
    if _nonfinite(out):
        return "wrong", f"returned non-finite {str(out)[:120]}"
    return "accepted", f"returned {str(out)[:120]}"


# ----------------------------------------------------------------------------- case builders


def runner_cases() -> list[Case]:
    from nestlab import runner

    def plan(nb: str, key: str, value: str) -> Callable[[], Any]:
        return lambda: runner.plan_runs([nb], overrides=[(key, value)])

    rows = [
        ("11_actor_inference", "n_trials", "-5"), ("11_actor_inference", "n_trials", "0"),
        ("11_actor_inference", "n_trials", "1e12"), ("11_actor_inference", "n_trials", "ten"),
        ("11_actor_inference", "n_trials", "1:30"), ("11_actor_inference", "n_trials", "0x10"),
        ("11_actor_inference", "n_trials", "true"), ("11_actor_inference", "n_trials", "2.5"),
        ("11_actor_inference", "mu0", ".nan"), ("11_actor_inference", "mu0", ".inf"),
        ("11_actor_inference", "mu0", "-1"), ("11_actor_inference", "mu0", "0"),
        ("11_actor_inference", "sigma", "-0.2"), ("11_actor_inference", "sigma0", "0"),
        ("11_actor_inference", "sigma_r", "nan"), ("11_actor_inference", "chains", "0"),
        ("11_actor_inference", "chains", "-1"), ("11_actor_inference", "warmup", "-10"),
        ("11_actor_inference", "draws", "0"), ("11_actor_inference", "s_low", "-1"),
        ("11_actor_inference", "n_datasets", "-3"), ("11_actor_inference", "seed", "-1"),
        ("11_actor_inference", "seed", "abc"), ("11_actor_inference", "train_threads", "0"),
        ("10_actor_policy", "n_steps", "1000000000000"), ("10_actor_policy", "n_steps", "-5"),
        ("10_actor_policy", "costs", "[bogus]"), ("10_actor_policy", "costs", "[]"),
        ("10_actor_policy", "costs", "quadratic"), ("10_actor_policy", "costs", "[1, 2]"),
        ("10_actor_policy", "head", "bogus"), ("10_actor_policy", "batch", "0"),
        ("10_actor_policy", "n_mc", "-1"), ("10_actor_policy", "n_val", "0"),
        ("12_actor_identifiability", "sigma_levels", "[0.1, -0.2]"),
        ("12_actor_identifiability", "sigma_levels", "[a, b]"),
        ("12_actor_identifiability", "beta", ".nan"), ("12_actor_identifiability", "n_per_condition", "0"),
        ("13_actor_real_data", "sj_subjects", "[-1]"), ("13_actor_real_data", "qs_experiment", "7"),
        ("13_actor_real_data", "chains", "0"), ("13_actor_real_data", "sj_all", "maybe"),
        ("14_actor_cost_comparison", "families", "[nope]"), ("14_actor_cost_comparison", "worked_family", "nope"),
        ("14_actor_cost_comparison", "n_nodes", "0"), ("14_actor_cost_comparison", "n_datasets", "-1"),
        ("20_nested_construction", "width", "0"), ("20_nested_construction", "n_blocks", "-2"),
        ("20_nested_construction", "cue_accuracy", "1.5"), ("20_nested_construction", "cue_accuracy", ".nan"),
        ("20_nested_construction", "ks", "[0, 3]"), ("20_nested_construction", "ks", "[-1]"),
        ("20_nested_construction", "max_fraction", "2"), ("20_nested_construction", "n_train", "0"),
        ("20_nested_construction", "epochs", "-1"), ("20_nested_construction", "hidden", "0"),
        ("30_gr2_dynamics", "games", "[chess]"), ("30_gr2_dynamics", "levels", "[-1]"),
        ("30_gr2_dynamics", "zeta", "-0.1"), ("30_gr2_dynamics", "dt", "0"),
        ("30_gr2_dynamics", "start_alpha", "1.5"), ("30_gr2_dynamics", "n_steps", "0"),
        ("31_gr2_beauty_contest", "ps", "[-0.5]"), ("31_gr2_beauty_contest", "rewards", "[cube]"),
        ("31_gr2_beauty_contest", "n_players", "1"), ("31_gr2_beauty_contest", "lams", "[.nan]"),
        ("31_gr2_beauty_contest", "baselines", "[foo]"), ("31_gr2_beauty_contest", "n_runs", "0"),
        ("32_gr2_games", "games", "[poker]"), ("32_gr2_games", "methods", "[GR2-L9000]"),
        ("32_gr2_games", "batch_size", "0"), ("32_gr2_games", "n_iters", "-4"),
        ("40_loi_reanalysis", "n_permutations", "-1"), ("40_loi_reanalysis", "top_k", "0"),
        ("41_loi_training", "lr", "-0.5"), ("41_loi_training", "n_replicates", "0"),
        ("41_loi_training", "lr", ".inf"), ("41_loi_training", "n_rounds", "0"),
        ("00_tour", "focus", "bogus"),
    ]
    cases = [Case("runner -p", f"{nb} -p {k} {v}", plan(nb, k, v), (k,)) for nb, k, v in rows]
    # values that parse surprisingly under YAML 1.1: the result must be what was typed, or refused
    def seed_is(value: str, want: int) -> Case:
        def check(plans):
            return plans[0].parameters.get("seed") != want
        return Case("runner -p", f"seed {value} means {want}", plan("11_actor_inference", "seed", value),
                    ("seed",), wrong=check)
    cases += [seed_is("010", 10), seed_is("0o10", 10), seed_is("1_000", 1000)]
    cases += [
        Case("runner", "unknown notebook", lambda: runner.plan_runs(["99_nope"]), ("99_nope",)),
        Case("runner", "unknown profile", lambda: runner.plan_runs(["00_tour"], profile="huge"), ("huge",)),
        Case("runner", "unknown parameter", plan("00_tour", "nope", "1"), ("nope",)),
    ]
    return cases


def cli_cases(tmp: Path) -> list[Case]:
    exe = str(Path(sys.executable).parent / "nestlab")
    a_file = tmp / "a_file.txt"
    a_file.write_text("x")
    ro = tmp / "readonly"
    ro.mkdir()
    os.chmod(ro, 0o500)

    def cli(*args: str) -> Callable[[], Any]:
        def run():
            proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=300,
                                  cwd=tmp, env={**os.environ, "NESTLAB_CACHE": str(tmp / "cache")})
            if "Traceback" in proc.stderr or proc.returncode not in (0, 2):
                raise RuntimeError(f"exit {proc.returncode}: {proc.stderr[-300:]}")
            if proc.returncode == 2:
                raise ValueError(proc.stderr)
            return f"exit {proc.returncode}"
        return run

    out = str(tmp / "cli-out")
    cases = [
        Case("cli", "--out is a file", cli("run", "00_tour", "--out", str(a_file)), ("--out", "a_file")),
        Case("cli", "--out under a file", cli("run", "00_tour", "--out", str(a_file / "sub")), ("--out",)),
        Case("cli", "--timeout 0", cli("run", "00_tour", "--timeout", "0", "--out", out), ("timeout",)),
        Case("cli", "--timeout -5", cli("run", "00_tour", "--timeout", "-5", "--out", out), ("timeout",)),
        Case("cli", "--timeout abc", cli("run", "00_tour", "--timeout", "abc", "--out", out), ("timeout",)),
        Case("cli", "-p missing value", cli("run", "00_tour", "-p", "focus"), ("-p",)),
        Case("cli", "unknown subcommand", cli("frobnicate"), ("frobnicate",)),
        Case("cli", "list unknown profile", cli("list", "--profile", "nope"), ("nope",)),
        Case("cli", "run unknown notebook", cli("run", "nope", "--out", out), ("nope",)),
        Case("cli", "-p n_trials -5", cli("run", "11_actor_inference", "-p", "n_trials", "-5", "--out", out),
             ("n_trials",)),
        Case("cli", "-p costs [bogus]", cli("run", "10_actor_policy", "-p", "costs", "[bogus]", "--out", out),
             ("bogus",)),
        Case("cli", "-p mu0 .nan", cli("run", "11_actor_inference", "-p", "mu0", ".nan", "--out", out), ("mu0",)),
    ]
    if os.geteuid() != 0:  # root can write anywhere: the case says nothing then
        cases.append(Case("cli", "--out unwritable", cli("run", "00_tour", "--out", str(ro / "x")), ("--out",)))
    # a malformed results file in the output folder must not break the index
    broken = tmp / "broken-out"
    broken.mkdir()
    for name, payload in {"10_a": b"[]", "11_b": b"\x00\xff\xfe binary", "12_c": b'{"name": 5, "status": [],'
                          b' "results": "x", "runtime_s": "fast", "outputs": 3}'}.items():
        (broken / f"{name}.results.json").write_bytes(payload)

    def index_broken():
        from nestlab import runner
        runner.write_index(broken)
        html = (broken / "index.html").read_text()
        return "unreadable" in html or "malformed" in html or "invalid" in html

    cases.append(Case("cli", "index over malformed results", index_broken, ("results",),
                      wrong=lambda ok: not ok))
    return cases


def actors_cases(tmp: Path) -> list[Case]:
    from nestlab import actors
    from nestlab.actors import ActorParams, data

    s = np.linspace(0.5, 3, 20)
    r = s * 0.9
    P = ActorParams(0.2, 0.15, 1.5, 0.1)

    def fit(**kw):
        args = {"cost": "quadratic", "chains": 1, "warmup": 5, "draws": 5}
        args.update(kw)
        st = args.pop("stimuli", s)
        rs = args.pop("responses", r)
        return lambda: actors.fit(st, rs, **args)

    cases = [
        Case("actors.fit", "target_accept 1.5", fit(target_accept=1.5), ("target_accept",)),
        Case("actors.fit", "target_accept 0", fit(target_accept=0.0), ("target_accept",)),
        Case("actors.fit", "target_accept nan", fit(target_accept=float("nan")), ("target_accept",)),
        Case("actors.fit", "chains 0", fit(chains=0), ("chains",)),
        Case("actors.fit", "chains -2", fit(chains=-2), ("chains",)),
        Case("actors.fit", "chains 2.5", fit(chains=2.5), ("chains",)),
        Case("actors.fit", "warmup -1", fit(warmup=-1), ("warmup",)),
        Case("actors.fit", "draws 0", fit(draws=0), ("draws",)),
        Case("actors.fit", "draws '10'", fit(draws="10"), ("draws",)),
        Case("actors.fit", "seed -1", fit(seed=-1), ("seed",)),
        Case("actors.fit", "seed 'a'", fit(seed="a"), ("seed",)),
        Case("actors.fit", "n_nodes 0", fit(n_nodes=0), ("n_nodes",)),
        Case("actors.fit", "n_nodes 1000000", fit(n_nodes=1_000_000), ("n_nodes",)),
        Case("actors.fit", "prior_draws -1", fit(prior_draws=-1), ("prior_draws",)),
        Case("actors.fit", "cost bogus", fit(cost="bogus"), ("bogus",)),
        Case("actors.fit", "cost None", fit(cost=None), ("cost",)),
        Case("actors.fit", "policy bogus", fit(policy="bogus"), ("policy",)),
        Case("actors.fit", "likelihood bogus", fit(likelihood="bogus"), ("likelihood",)),
        Case("actors.fit", "stimuli with nan", fit(stimuli=np.r_[s[:-1], np.nan]), ("stimuli",)),
        Case("actors.fit", "stimuli negative", fit(stimuli=-s), ("stimuli",)),
        Case("actors.fit", "responses zero", fit(responses=np.zeros_like(r)), ("responses",)),
        Case("actors.fit", "responses inf", fit(responses=np.r_[r[:-1], np.inf]), ("responses",)),
        Case("actors.fit", "lengths differ", fit(responses=r[:-3]), ("responses",)),
        Case("actors.fit", "empty data", fit(stimuli=np.array([]), responses=np.array([])), ("stimuli",)),
        Case("actors.fit", "2-d stimuli", fit(stimuli=s.reshape(4, 5), responses=r.reshape(4, 5)), ("stimuli",)),
        Case("actors.fit", "string stimuli", fit(stimuli=["a"] * 20), ("stimuli",)),
        Case("actors.fit", "fixed unknown name", fit(fixed={"nope": 1.0}), ("nope",)),
        Case("actors.fit", "fixed negative sigma", fit(fixed={"sigma": -0.2}), ("sigma",)),
        Case("actors.fit", "fixed nan mu0", fit(fixed={"mu0": float("nan")}), ("mu0",)),
        Case("actors.fit", "conditions wrong length", fit(conditions=np.zeros(3, int)), ("conditions",)),
        Case("actors.fit", "conditions negative", fit(conditions=-np.ones(20, int)), ("conditions",)),
        Case("actors.fit", "per_condition unknown", fit(per_condition=["nope"]), ("nope",)),
        Case("actors.fit", "fixed not a mapping", fit(fixed=[1, 2]), ("fixed",)),
        Case("actors.simulate", "cost bogus", lambda: actors.simulate(s, P, cost="bogus"), ("bogus",)),
        Case("actors.simulate", "stimuli nan", lambda: actors.simulate(np.r_[s, np.nan], P), ("stimuli",)),
        Case("actors.simulate", "stimuli negative", lambda: actors.simulate(-s, P), ("stimuli",)),
        Case("actors.simulate", "params sigma negative", lambda: actors.simulate(s, ActorParams(-0.2, 0.15, 1.5, 0.1)),
             ("sigma",)),
        Case("actors.simulate", "params mu0 zero", lambda: actors.simulate(s, ActorParams(0.2, 0.15, 0.0, 0.1)),
             ("mu0",)),
        Case("actors.simulate", "params sigma_r nan", lambda: actors.simulate(s, ActorParams(0.2, 0.15, 1.5, np.nan)),
             ("sigma_r",)),
        Case("actors.simulate", "seed -1", lambda: actors.simulate(s, P, seed=-1), ("seed",)),
        Case("actors.simulate", "cost_params unknown", lambda: actors.simulate(s, P, cost="linex", cost_params={"zz": 1}),
             ("zz",)),
        Case("actors.simulate", "params not ActorParams", lambda: actors.simulate(s, {"sigma": 0.2}), ("params",)),
        Case("actors.optimal_action", "mc n_samples 0",
             lambda: actors.optimal_action("linex", 1.0, P, {"c": 0.5}, method="mc", n_samples=0), ("n_samples",)),
        Case("actors.optimal_action", "mc n_samples -3",
             lambda: actors.optimal_action("linex", 1.0, P, {"c": 0.5}, method="mc", n_samples=-3), ("n_samples",)),
        Case("actors.optimal_action", "method bogus",
             lambda: actors.optimal_action("quadratic", 1.0, P, method="bogus"), ("bogus",)),
        Case("actors.optimal_action", "m negative",
             lambda: actors.optimal_action("quadratic", -1.0, P), ("m",)),
        Case("actors.optimal_action", "m nan",
             lambda: actors.optimal_action("quadratic", float("nan"), P), ("m",)),
        Case("actors.optimal_action", "cost bogus", lambda: actors.optimal_action("bogus", 1.0, P), ("bogus",)),
        Case("actors.optimal_action", "linex c missing",
             lambda: actors.optimal_action("linex", 1.0, P, {}), ("c",)),
        Case("actors.optimal_action", "linex c nan",
             lambda: actors.optimal_action("linex", 1.0, P, {"c": float("nan")}), ("c",)),
        Case("actors.cost_value", "unknown cost", lambda: actors.cost_value("bogus", 1.0, 1.0), ("bogus",)),
        Case("actors.cost_value", "asym params missing",
             lambda: actors.cost_value("asymmetric_quadratic", 1.0, 1.0, {}), ("asymmetric_quadratic",)),
        Case("actors.get_cost", "None", lambda: actors.get_cost(None), ("cost",)),
        Case("actors.get_cost", "int", lambda: actors.get_cost(3), ("cost",)),
        Case("actors.posterior", "sigma0 negative",
             lambda: actors.posterior(1.0, ActorParams(0.2, -0.1, 1.5, 0.1)), ("sigma0",)),
        Case("actors.response_law", "beta nan", lambda: actors.response_law(s, P, beta=float("nan")), ("beta",)),
        Case("actors.load_policy", "TrainConfig n_steps 0", lambda: actors.load_policy("quadratic", config=actors.TrainConfig(n_steps=0), progress=False), ("n_steps",)),
        Case("actors.load_policy", "TrainConfig batch -1", lambda: actors.load_policy("quadratic", config=actors.TrainConfig(batch=-1), progress=False), ("batch",)),
        Case("actors.load_policy", "TrainConfig lr nan", lambda: actors.load_policy("quadratic", config=actors.TrainConfig(lr=float("nan")), progress=False), ("lr",)),
        Case("actors.load_policy", "TrainConfig lr negative", lambda: actors.load_policy("quadratic", config=actors.TrainConfig(lr=-1.0), progress=False), ("lr",)),
        Case("actors.load_policy", "TrainConfig n_mc 0", lambda: actors.load_policy("quadratic", config=actors.TrainConfig(n_mc=0), progress=False), ("n_mc",)),
        Case("actors.load_policy", "TrainConfig hidden empty", lambda: actors.load_policy("quadratic", config=actors.TrainConfig(hidden=()), progress=False), ("hidden",)),
        Case("actors.load_policy", "TrainConfig hidden zero", lambda: actors.load_policy("quadratic", config=actors.TrainConfig(hidden=(0, 4)), progress=False), ("hidden",)),
        Case("actors.train_policy", "cost bogus", lambda: actors.train_policy("bogus", progress=False), ("bogus",)),
        Case("actors.train_policy", "n_threads 0",
             lambda: actors.train_policy("quadratic", n_threads=0, progress=False), ("n_threads",)),
        Case("actors.load_policy", "box inverted",
             lambda: actors.load_policy("quadratic", box={"sigma": (0.5, 0.1)}, progress=False), ("sigma",)),
        Case("actors.load_policy", "box unknown key",
             lambda: actors.load_policy("quadratic", box={"zz": (0.1, 0.5)}, progress=False), ("zz",)),
    ]
    # CSV loaders with a crafted Sohn & Jazayeri folder
    header = "subject,session,trial,ts_ms,tp_ms,deltaT_ms,condition,reward\n"
    good = "1,1,1,923.3,878.8,0,original,99.8\n1,1,2,907.3,793.1,0,original,98.6\n"

    def sj(name: str, text: str | bytes) -> Path:
        folder = tmp / f"sj-{name}"
        folder.mkdir(exist_ok=True)
        p = folder / "rsg_trials.csv"
        (p.write_bytes if isinstance(text, bytes) else p.write_text)(text)
        return p

    sj_rows = {
        "empty": "", "header-only": header, "binary": b"\x00\x01\x02\xff\xfe" * 50,
        "utf16": (header + good).encode("utf-16"), "extra-field": header + "1,1,1,923,878,0,original,99,EXTRA\n",
        "missing-column": "subject,session,trial,ts_ms,condition,reward\n1,1,1,923,original,99\n",
        "dup-column": "subject,subject,session,trial,ts_ms,tp_ms,deltaT_ms,condition,reward\n1,1,1,1,923,878,0,original,99\n",
        "text-in-number": header + "1,1,1,abc,878,0,original,99\n",
        "negative-ts": header + "1,1,1,-923,878,0,original,99\n",
        "zero-tp": header + "1,1,1,923,0,0,original,99\n",
        "nan-tp": header + "1,1,1,923,nan,0,original,99\n",
        "inf-ts": header + "1,1,1,inf,878,0,original,99\n",
        "bad-condition": header + "1,1,1,923,878,0,sideways,99\n",
        "subject-1e30": header + "1e30,1,1,923,878,0,original,99\n",
        "subject-text": header + "bob,1,1,923,878,0,original,99\n",
        "subject-float": header + "1.5,1,1,923,878,0,original,99\n",
        "missing-cell": header + "1,1,1,923,,0,original,99\n",
    }
    for key, text in sj_rows.items():
        path = sj(key, text)
        cases.append(Case("actors.data", f"sohn_jazayeri {key}",
                          (lambda p=path: data.load_sohn_jazayeri(p)), ("rsg_trials",)))
    cases.append(Case("actors.data", "sohn_jazayeri missing folder",
                      lambda: data.load_sohn_jazayeri(tmp / "nope"), ("nope",)))
    qs_header = "subID,trial_num,curDur,rpr,curCoherence,is_outlier\n"
    qs_rows = {
        "empty": "", "binary": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "missing-bool": qs_header + "026578,30,1.6,1.283,0.7,\n",
        "bad-bool": qs_header + "026578,30,1.6,1.283,0.7,perhaps\n",
        "neg-dur": qs_header + "026578,30,-1.6,1.283,0.7,False\n",
        "coherence-2": qs_header + "026578,30,1.6,1.283,2.0,False\n",
        "dup-column": "subID,subID,trial_num,curDur,rpr,curCoherence,is_outlier\n1,1,30,1.6,1.28,0.7,False\n",
        "missing-rpr": "subID,trial_num,curDur,curCoherence,is_outlier\n1,30,1.6,0.7,False\n",
        "nan-rpr": qs_header + "026578,30,1.6,nan,0.7,False\n",
    }
    for key, text in qs_rows.items():
        folder = tmp / f"qs-{key}"
        folder.mkdir(exist_ok=True)
        p = folder / "exp1_ramped_coherence.csv"
        (p.write_bytes if isinstance(text, bytes) else p.write_text)(text)
        cases.append(Case("actors.data", f"qu_shi {key}", (lambda f=folder: data.load_qu_shi(1, f)),
                          ("exp1_ramped_coherence",)))
    cases.append(Case("actors.data", "qu_shi experiment 3", lambda: data.load_qu_shi(3, tmp), ("experiment",)))
    cases.append(Case("actors.data", "qu_shi experiment '1'", lambda: data.load_qu_shi("1", tmp), ("experiment",)))
    return cases


def nested_cases() -> list[Case]:
    from nestlab import nested
    from nestlab.nested import experiments as ex

    return [
        Case("nested.ess", "all-zero weights", lambda: nested.ess(np.zeros(5)), ("weights",)),
        Case("nested.ess", "negative weights", lambda: nested.ess(np.array([0.5, -0.2])), ("weights",)),
        Case("nested.ess", "nan weight", lambda: nested.ess(np.array([0.5, np.nan])), ("weights",)),
        Case("nested.ess", "empty", lambda: nested.ess(np.array([])), ("weights",)),
        Case("nested.ess", "strings", lambda: nested.ess(["a", "b"]), ("weights",)),
        Case("nested.ConstructionConfig", "width 0", lambda: nested.ConstructionConfig(width=0), ("width",)),
        Case("nested.ConstructionConfig", "height -1", lambda: nested.ConstructionConfig(height=-1), ("height",)),
        Case("nested.ConstructionConfig", "n_blocks 0", lambda: nested.ConstructionConfig(n_blocks=0), ("n_blocks",)),
        Case("nested.ConstructionConfig", "n_blocks 1000", lambda: nested.ConstructionConfig(n_blocks=1000), ("n_blocks",)),
        Case("nested.ConstructionConfig", "max_steps 0", lambda: nested.ConstructionConfig(max_steps=0), ("max_steps",)),
        Case("nested.ConstructionConfig", "width 2.5", lambda: nested.ConstructionConfig(width=2.5), ("width",)),
        Case("nested.ConstructionConfig", "wall outside grid",
             lambda: nested.ConstructionConfig(walls=((50, 50),)), ("walls",)),
        Case("nested.ConstructionConfig", "wall splits grid",
             lambda: nested.Construction(nested.ConstructionConfig(walls=tuple((3, y) for y in range(8)))), ("walls",)),
        Case("nested.ConstructionConfig", "wall not a pair",
             lambda: nested.ConstructionConfig(walls=((1, 2, 3),)), ("walls",)),
        Case("nested.AgentParams", "beta0 negative", lambda: nested.AgentParams(beta0=-1.0), ("beta0",)),
        Case("nested.AgentParams", "beta1 nan", lambda: nested.AgentParams(beta1=float("nan")), ("beta1",)),
        Case("nested.AgentParams", "epsilon 1.5", lambda: nested.AgentParams(epsilon=1.5), ("epsilon",)),
        Case("nested.AgentParams", "epsilon -0.1", lambda: nested.AgentParams(epsilon=-0.1), ("epsilon",)),
        Case("nested.AgentParams", "cue_accuracy 2", lambda: nested.AgentParams(cue_accuracy=2.0), ("cue_accuracy",)),
        Case("nested.AgentParams", "hinder_radius -5", lambda: nested.AgentParams(hinder_radius=-5.0),
             ("hinder_radius",)),
        Case("nested.gumbel_top_k", "k 0", lambda: nested.gumbel_top_k(np.zeros(5), 0, np.random.default_rng(0)), ("k",)),
        Case("nested.gumbel_top_k", "k > n", lambda: nested.gumbel_top_k(np.zeros(5), 9, np.random.default_rng(0)), ("k",)),
        Case("nested.gumbel_top_k", "log_q nan",
             lambda: nested.gumbel_top_k(np.array([0.0, np.nan]), 1, np.random.default_rng(0)), ("log_q",)),
        Case("nested.gumbel_top_k", "rng not a Generator", lambda: nested.gumbel_top_k(np.zeros(5), 2, 0), ("rng",)),
        Case("nested.experiments", "episodes n -1",
             lambda: ex.episodes(ex.Setup(nested.ConstructionConfig(), nested.AgentParams()), -1, seed=0), ("n",)),
        Case("nested.experiments", "episodes seed -1",
             lambda: ex.episodes(ex.Setup(nested.ConstructionConfig(), nested.AgentParams()), 2, seed=-1), ("seed",)),
        Case("nested.experiments", "level1_particles k 0", lambda: ex.level1_particles(0, 15), ("k",)),
        Case("nested.experiments", "accuracy truth out of range",
             lambda: ex.accuracy(np.array([[0.5, 0.5]]), 5), ("truth",)),
        Case("nested.experiments", "time_scaling blocks empty", lambda: ex.time_scaling([], k=3), ("blocks",)),
        Case("nested.experiments", "time_scaling k 0", lambda: ex.time_scaling([5], k=0), ("k",)),
        Case("nested.episodes", "cue_log_prior accuracy 1.5",
             lambda: nested.episodes.cue_log_prior(15, 1.5) if hasattr(nested, "episodes")
             else __import__("nestlab.nested.episodes", fromlist=["x"]).cue_log_prior(15, 1.5), ("accuracy",)),
        Case("nested.episodes", "cue_log_prior n_goals 0",
             lambda: __import__("nestlab.nested.episodes", fromlist=["x"]).cue_log_prior(0, 0.5), ("n_goals",)),
        Case("nested.episodes", "simulate_episode goal out of range",
             lambda: __import__("nestlab.nested.episodes", fromlist=["x"]).simulate_episode(
                 nested.Construction(), 0, goal=999), ("goal",)),
        Case("nested.episodes", "simulate_episode social 7",
             lambda: __import__("nestlab.nested.episodes", fromlist=["x"]).simulate_episode(
                 nested.Construction(), 0, social=7), ("social",)),
    ]


def recursive_cases() -> list[Case]:
    from nestlab import recursive
    from nestlab.recursive import dynamics, gr2
    from nestlab.recursive import experiments as rex

    G = recursive.matching_pennies()
    return [
        Case("recursive.GR2Config", "temperature nan", lambda: gr2.GR2Config(temperature=float("nan")), ("temperature",)),
        Case("recursive.GR2Config", "temperature -1", lambda: gr2.GR2Config(temperature=-1.0), ("temperature",)),
        Case("recursive.GR2Config", "aux_weight nan", lambda: gr2.GR2Config(aux_weight=float("nan")), ("aux_weight",)),
        Case("recursive.GR2Config", "tau 2", lambda: gr2.GR2Config(tau=2.0), ("tau",)),
        Case("recursive.GR2Config", "tau -0.1", lambda: gr2.GR2Config(tau=-0.1), ("tau",)),
        Case("recursive.GR2Config", "hidden 0", lambda: gr2.GR2Config(hidden=0), ("hidden",)),
        Case("recursive.GR2Config", "lr 0", lambda: gr2.GR2Config(lr=0.0), ("lr",)),
        Case("recursive.GR2Config", "lr inf", lambda: gr2.GR2Config(lr=float("inf")), ("lr",)),
        Case("recursive.GR2Config", "marginal_samples 0", lambda: gr2.GR2Config(marginal_samples=0), ("marginal_samples",)),
        Case("recursive.GR2Config", "level 0", lambda: gr2.GR2Config(level=0), ("level",)),
        Case("recursive.GR2Config", "level -2", lambda: gr2.GR2Config(level=-2), ("level",)),
        Case("recursive.GR2Config", "mode X", lambda: gr2.GR2Config(mode="X"), ("mode",)),
        Case("recursive.GR2Config", "lam nan", lambda: gr2.GR2Config(lam=float("nan")), ("lam",)),
        Case("recursive.GR2Config", "lam -1", lambda: gr2.GR2Config(lam=-1.0), ("lam",)),
        Case("recursive.GR2Config", "gamma 1.5", lambda: gr2.GR2Config(gamma=1.5), ("gamma",)),
        Case("recursive.GR2Config", "opponent_model bogus", lambda: gr2.GR2Config(opponent_model="bogus"),
             ("opponent_model",)),
        Case("recursive.BeautyContest", "n 1", lambda: recursive.BeautyContest(n=1), ("n",)),
        Case("recursive.BeautyContest", "p -0.5", lambda: recursive.BeautyContest(p=-0.5), ("p",)),
        Case("recursive.BeautyContest", "p nan", lambda: recursive.BeautyContest(p=float("nan")), ("p",)),
        Case("recursive.BeautyContest", "reward cube", lambda: recursive.BeautyContest(reward="cube"), ("reward",)),
        Case("recursive.matrix_game", "unknown", lambda: recursive.matrix_game("chess"), ("chess",)),
        Case("recursive.MatrixGame", "wrong shape", lambda: recursive.MatrixGame(((1, 2, 3),), ((1, 2, 3),)), ("row",)),
        Case("recursive.MatrixGame", "nan payoff",
             lambda: recursive.MatrixGame(((np.nan, 0), (0, 1)), ((0, 0), (0, 1))), ("row",)),
        Case("recursive.dynamics", "integrate dt 0", lambda: dynamics.integrate(G, (0.5, 0.5), dt=0.0), ("dt",)),
        Case("recursive.dynamics", "integrate n_steps -1", lambda: dynamics.integrate(G, (0.5, 0.5), n_steps=-1),
             ("n_steps",)),
        Case("recursive.dynamics", "integrate z0 outside", lambda: dynamics.integrate(G, (1.5, 0.5)), ("z0",)),
        Case("recursive.dynamics", "integrate z0 nan", lambda: dynamics.integrate(G, (np.nan, 0.5)), ("z0",)),
        Case("recursive.dynamics", "integrate level -1", lambda: dynamics.integrate(G, (0.5, 0.5), level=-1), ("level",)),
        Case("recursive.dynamics", "velocity zeta -1",
             lambda: dynamics.velocity(G, np.array([0.5, 0.5]), zeta=-1.0), ("zeta",)),
        Case("recursive.dynamics", "level_k_system level -1", lambda: dynamics.level_k_system(G, -1), ("level",)),
        Case("recursive.dynamics", "pure_level_k_chain k_max -1", lambda: dynamics.pure_level_k_chain(G, -1), ("k_max",)),
        Case("recursive.experiments", "beauty methods unknown",
             lambda: rex.beauty_contest_experiment(["GR2-Q1"], n_runs=1, n_iters=1), ("GR2-Q1",)),
        Case("recursive.experiments", "beauty n_runs 0",
             lambda: rex.beauty_contest_experiment(["GR2-L1"], n_runs=0, n_iters=1), ("n_runs",)),
        Case("recursive.experiments", "beauty ps empty",
             lambda: rex.beauty_contest_experiment(["GR2-L1"], ps=(), n_runs=1, n_iters=1), ("ps",)),
        Case("recursive.experiments", "games unknown game",
             lambda: rex.games_experiment(["GR2-L1"], games=("poker",), n_runs=1, n_iters=1), ("poker",)),
        Case("recursive.experiments", "games n_iters -1",
             lambda: rex.games_experiment(["GR2-L1"], n_runs=1, n_iters=-1), ("n_iters",)),
        Case("recursive.experiments", "dynamics unknown game",
             lambda: rex.dynamics_experiment(("chess",)), ("chess",)),
        Case("recursive.experiments", "dynamics levels negative",
             lambda: rex.dynamics_experiment(levels=(-1,)), ("levels",)),
    ]


def influence_cases(tmp: Path) -> list[Case]:
    from nestlab import influence
    from nestlab.influence import data as idata

    rng = np.random.default_rng(0)
    good = rng.uniform(0, 100, size=(5, 40))
    sp5 = tmp / "sp5"
    sp5.mkdir()

    def npz_file(name: str, **arrays) -> Path:
        p = sp5 / name
        np.savez(p, **arrays)
        return p

    trunc = sp5 / "trunc.npz"
    src = ROOT.parent / "shared" / "data" / "loi" / "eval_sp5" / "chicken_L_SP5.npz"
    if src.is_file():
        trunc.write_bytes(src.read_bytes()[:200])
    else:
        trunc.write_bytes(b"PK\x03\x04" + bytes(100))
    npy = sp5 / "renamed.npz"
    np.save(sp5 / "renamed.npy", np.ones(3))
    shutil.move(sp5 / "renamed.npy", npy)
    junk = sp5 / "junk.npz"
    junk.write_bytes(os.urandom(300))
    zip_no_npy = sp5 / "zipnonpy.npz"
    with zipfile.ZipFile(zip_no_npy, "w") as zf:
        zf.writestr("readme.txt", "hello")
    obj = sp5 / "object.npz"
    np.savez(obj, rewards=np.array([{"a": 1}], dtype=object))
    shape = (5, 25, 4, 3)
    cases = [
        Case("influence.loi", "empty stack", lambda: influence.loi(np.empty((0, 10))), ("returns",)),
        Case("influence.loi", "all out of range", lambda: influence.loi(np.full((3, 10), 500.0)), ("returns",)),
        Case("influence.loi", "nan returns", lambda: influence.loi(np.full((3, 10), np.nan)), ("returns",)),
        Case("influence.loi", "1-d returns", lambda: influence.loi(np.arange(10.0)), ("returns",)),
        Case("influence.loi", "estimator bogus", lambda: influence.loi(good, estimator="bogus"), ("bogus",)),
        Case("influence.loi", "bins 0", lambda: influence.loi(good, bins=0), ("bins",)),
        Case("influence.loi", "bins -3", lambda: influence.loi(good, bins=-3), ("bins",)),
        Case("influence.loi", "bins 2.5", lambda: influence.loi(good, bins=2.5), ("bins",)),
        Case("influence.loi", "value_range inverted", lambda: influence.loi(good, value_range=(100.0, 0.0)),
             ("value_range",)),
        Case("influence.loi", "value_range nan", lambda: influence.loi(good, value_range=(0.0, np.nan)),
             ("value_range",)),
        Case("influence.loi", "k 0 knn", lambda: influence.loi(good, estimator="knn", k=0), ("k",)),
        Case("influence.loi", "n_permutations -1", lambda: influence.loi(good, estimator="null_corrected",
                                                                          n_permutations=-1), ("n_permutations",)),
        Case("influence.loi", "seed -1", lambda: influence.loi(good, seed=-1), ("seed",)),
        Case("influence.loi", "strings", lambda: influence.loi([["a", "b"], ["c", "d"]]), ("returns",)),
        Case("influence.loi", "single co-player", lambda: influence.loi(good[:1]), ("returns",)),
        Case("influence.loi_all", "k 0", lambda: influence.loi_all(good, k=0), ("k",)),
        Case("influence.loi_all", "empty", lambda: influence.loi_all(np.empty((0, 0))), ("returns",)),
        Case("influence.enumerate_allocations", "n 0", lambda: influence.enumerate_allocations(0), ("n_scenarios",)),
        Case("influence.enumerate_allocations", "n -3", lambda: influence.enumerate_allocations(-3), ("n_scenarios",)),
        Case("influence.enumerate_allocations", "total -1",
             lambda: influence.enumerate_allocations(3, total=-1), ("total",)),
        Case("influence.allocate_by_loi", "empty", lambda: influence.allocate_by_loi([]), ("loi_values",)),
        Case("influence.allocate_by_loi", "nan", lambda: influence.allocate_by_loi([0.1, np.nan, 0.3]),
             ("loi_values",)),
        Case("influence.rank_allocation", "protocol bogus",
             lambda: influence.rank_allocation([{"a": np.ones(3)}], ("PP",), protocol="bogus"), ("bogus",)),
        Case("influence.rank_allocation", "k 0",
             lambda: influence.rank_allocation([{"a": np.ones(3)}], ("PP",), k=0), ("k",)),
        Case("influence.compare_allocation", "protocol bogus",
             lambda: influence.compare_allocation([{"a": np.ones(3)}], ("PP",), protocol="bogus"),
             ("bogus",)),
        Case("influence.data", "eval_sp5 unknown game", lambda: idata.load_eval_sp5("chess", "L"), ("chess",)),
        Case("influence.data", "eval_sp5 unknown map", lambda: idata.load_eval_sp5("chicken", "Q"), ("Q",)),
        Case("influence.data", "eval_sp5 truncated", lambda: idata.load_eval_sp5("chicken", "L", path=trunc),
             ("trunc.npz",)),
        Case("influence.data", "eval_sp5 renamed npy", lambda: idata.load_eval_sp5("chicken", "L", path=npy),
             ("renamed.npz",)),
        Case("influence.data", "eval_sp5 random bytes", lambda: idata.load_eval_sp5("chicken", "L", path=junk),
             ("junk.npz",)),
        Case("influence.data", "eval_sp5 zip without arrays",
             lambda: idata.load_eval_sp5("chicken", "L", path=zip_no_npy), ("zipnonpy.npz",)),
        Case("influence.data", "eval_sp5 object array", lambda: idata.load_eval_sp5("chicken", "L", path=obj),
             ("object.npz",)),
        Case("influence.data", "eval_sp5 wrong key",
             (lambda p=npz_file("wrongkey.npz", other=np.ones(shape)): idata.load_eval_sp5("chicken", "L", path=p)),
             ("wrongkey.npz",)),
        Case("influence.data", "eval_sp5 wrong shape",
             (lambda p=npz_file("wrongshape.npz", rewards=np.ones((2, 2))): idata.load_eval_sp5("chicken", "L", path=p)),
             ("wrongshape.npz",)),
        Case("influence.data", "eval_sp5 string dtype",
             (lambda p=npz_file("strdtype.npz", rewards=np.full(shape, "x")): idata.load_eval_sp5("chicken", "L", path=p)),
             ("strdtype.npz",)),
        Case("influence.data", "eval_sp5 nan values",
             (lambda p=npz_file("nanvals.npz", rewards=np.full(shape, np.nan)): idata.load_eval_sp5("chicken", "L", path=p)),
             ("nanvals.npz",)),
        Case("influence.data", "eval_sp5 missing file",
             lambda: idata.load_eval_sp5("chicken", "L", path=sp5 / "absent.npz"), ("absent.npz",)),
        Case("influence.data", "tournament unknown method", lambda: idata.load_tournament("chicken", "L", "XX"),
             ("XX",)),
        Case("influence.data", "tournament truncated",
             lambda: idata.load_tournament("chicken", "L", "PP3", path=trunc), ("trunc.npz",)),
        Case("influence.data", "loi_log unknown version", lambda: idata.load_loi_log("chicken", "L", version="v9"),
             ("v9",)) if hasattr(idata, "load_loi_log") else None,
        Case("influence.data", "loi_log truncated", lambda: idata.load_loi_log("chicken", "L", path=trunc),
             ("trunc.npz",)),
        Case("influence.data", "loi_log float checkpoints",
             (lambda p=npz_file("floatck.npz", rewards=np.ones((1, 4, 5, 9, 6, 2)), checkpoints=np.linspace(0, 1, 9)):
              idata.load_loi_log("chicken", "L", path=p)), ("floatck.npz",)),
        Case("influence.data", "loi_log nan rewards",
             (lambda p=npz_file("nanrw.npz", rewards=np.full((1, 4, 5, 9, 6, 2), np.nan),
                                checkpoints=np.arange(9)): idata.load_loi_log("chicken", "L", path=p)),
             ("nanrw.npz",)),
    ]
    return [c for c in cases if c is not None]


def cache_cases(tmp: Path) -> list[Case]:
    import torch

    from nestlab import cache

    d = tmp / "cache"

    def build():
        return {"w": torch.ones(3)}, {"n": 1}

    def nan_vs_inf():
        cache.load_or_build("sweep.t", {"x": float("nan")}, build, version="1", directory=d)
        e = cache.load_or_build("sweep.t", {"x": float("inf")}, build, version="1", directory=d)
        return e.hit  # must be a miss

    def none_vs_nan():
        cache.load_or_build("sweep.u", {"x": None}, build, version="1", directory=d)
        e = cache.load_or_build("sweep.u", {"x": float("nan")}, build, version="1", directory=d)
        return e.hit

    def corrupt_meta():
        e = cache.load_or_build("sweep.m", {"x": 1}, build, version="1", directory=d)
        raw = bytearray(e.path.read_bytes())
        i = raw.find(b'"config"')
        raw[i + 3] ^= 0x01
        e.path.write_bytes(bytes(raw))
        e2 = cache.load_or_build("sweep.m", {"x": 1}, build, version="1", directory=d)
        return e2.hit  # must be rebuilt (miss)

    def garbage_header():
        e = cache.load_or_build("sweep.g", {"x": 1}, build, version="1", directory=d)
        e.path.write_bytes(b"\xff" * 8 + b"{not json}")
        return cache.load_or_build("sweep.g", {"x": 1}, build, version="1", directory=d).hit

    def info_broken():
        e = cache.load_or_build("sweep.i", {"x": 1}, build, version="1", directory=d)
        raw = e.path.read_bytes().replace(b'"info":"{', b'"info":"[')
        e.path.write_bytes(raw)
        return cache.load_or_build("sweep.i", {"x": 1}, build, version="1", directory=d).hit

    return [
        Case("cache", "NaN and inf share a key", nan_vs_inf, ("config",), wrong=bool),
        Case("cache", "None and NaN share a key", none_vs_nan, ("config",), wrong=bool),
        Case("cache", "flipped metadata character", corrupt_meta, ("cache",), wrong=bool),
        Case("cache", "garbage header", garbage_header, ("cache",), wrong=bool),
        Case("cache", "info field broken", info_broken, ("cache",), wrong=bool),
        Case("cache", "empty namespace", lambda: cache.load_or_build("", {}, build, version="1", directory=d),
             ("namespace",)),
        Case("cache", "config not a mapping", lambda: cache.load_or_build("sweep.x", [1, 2], build, version="1",
                                                                           directory=d), ("config",)),
        Case("cache", "build returns non-tensors",
             lambda: cache.load_or_build("sweep.y", {}, lambda: ({"w": [1, 2]}, {}), version="1", directory=d),
             ("build",)),
        Case("cache", "build returns one value",
             lambda: cache.load_or_build("sweep.z", {}, lambda: {"w": torch.ones(1)}, version="1", directory=d),
             ("build",)),
        Case("cache", "version not a string",
             lambda: cache.load_or_build("sweep.v", {}, build, version=3, directory=d), ("version",)),
        Case("cache", "directory is a file",
             lambda: cache.load_or_build("sweep.f", {}, build, version="1", directory=Path(__file__)), ("directory",)),
    ]


def diagnostics_cases() -> list[Case]:
    from nestlab import diagnostics as dg

    post = {"a": np.random.default_rng(0).normal(size=(2, 100)), "b": np.random.default_rng(1).normal(size=(2, 100))}
    idata = dg.to_inference_data(posterior=post)
    return [
        Case("diagnostics", "convergence rhat_max 0.5", lambda: dg.convergence(idata, rhat_max=0.5), ("rhat_max",)),
        Case("diagnostics", "convergence ess_min -1", lambda: dg.convergence(idata, ess_min=-1), ("ess_min",)),
        Case("diagnostics", "convergence unknown var", lambda: dg.convergence(idata, var_names=["zz"]), ("zz",)),
        Case("diagnostics", "convergence not idata", lambda: dg.convergence({"a": 1}), ("idata",)),
        Case("diagnostics", "correlation unknown var", lambda: dg.correlation(idata, var_names=["zz"]), ("zz",)),
        Case("diagnostics", "pair_correlation unknown", lambda: dg.pair_correlation(idata, "a", "zz"), ("zz",)),
        Case("diagnostics", "posterior_summary hdi 1.5", lambda: dg.posterior_summary(idata, hdi_prob=1.5),
             ("hdi_prob",)),
        Case("diagnostics", "posterior_summary hdi 0", lambda: dg.posterior_summary(idata, hdi_prob=0.0),
             ("hdi_prob",)),
        Case("diagnostics", "interval_covers prob 2", lambda: dg.interval_covers(idata, {"a": 0.0}, prob=2.0),
             ("prob",)),
        Case("diagnostics", "interval_covers unknown truth", lambda: dg.interval_covers(idata, {"zz": 0.0}), ("zz",)),
        Case("diagnostics", "ess_per_second seconds 0", lambda: dg.ess_per_second(idata, 0.0), ("seconds",)),
        Case("diagnostics", "ess_per_second seconds nan", lambda: dg.ess_per_second(idata, float("nan")),
             ("seconds",)),
        Case("diagnostics", "identifiability threshold 2",
             lambda: dg.identifiability(idata, ridge_threshold=2.0), ("ridge_threshold",)),
        Case("diagnostics", "loo without log_likelihood", lambda: dg.loo(idata), ("log_likelihood",)),
        Case("diagnostics", "compare empty", lambda: dg.loo_compare({}), ("fits",)),
        Case("diagnostics", "compare method bogus", lambda: dg.loo_compare({"x": idata}, method="bogus"), ("bogus",)),
        Case("diagnostics", "to_inference_data 1-d posterior",
             lambda: dg.to_inference_data(posterior={"a": np.ones(5)}), ("posterior",)),
        Case("diagnostics", "plot_ecdf_ranks n_draws 0",
             lambda: dg.plot_ecdf_ranks(np.arange(10), n_draws=0), ("n_draws",)),
    ]


def record_cases() -> list[Case]:
    import nestlab

    return [
        Case("record", "name empty", lambda: nestlab.record("", 1.0), ("name",)),
        Case("record", "name not str", lambda: nestlab.record(3, 1.0), ("name",)),
        Case("record", "unserialisable value", lambda: nestlab.record("x", object()), ("x",)),
        Case("record", "read_results of missing file", lambda: nestlab.read_results("/no/such.ipynb"),
             ("such.ipynb",)),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=None, help="write every case's outcome to this CSV")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI cases (they start processes)")
    args = ap.parse_args(argv)
    os.environ.setdefault("NESTLAB_HEADLESS", "1")
    import matplotlib

    matplotlib.use("Agg")
    tmp = Path(tempfile.mkdtemp(prefix="nestlab-sweep-"))
    os.environ["NESTLAB_CACHE"] = str(tmp / "nestlab-cache")
    builders = [("runner", runner_cases), ("actors", lambda: actors_cases(tmp)), ("nested", nested_cases),
                ("recursive", recursive_cases), ("influence", lambda: influence_cases(tmp)),
                ("cache", lambda: cache_cases(tmp)), ("diagnostics", diagnostics_cases),
                ("record", record_cases)]
    if not args.no_cli:
        builders.insert(1, ("cli", lambda: cli_cases(tmp)))
    rows = []
    for area, build in builders:
        try:
            cases = build()
        except Exception as exc:  # noqa: BLE001
            print(f"could not build the {area} cases: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        for case in cases:
            outcome, detail = classify(case)
            rows.append((case.area, case.label, outcome, detail))
            print(f"{outcome:9s} {case.area:26s} {case.label:40s} {detail[:110]}", flush=True)
    totals = Counter(r[2] for r in rows)
    n = len(rows)
    print(f"\n{n} cases: " + ", ".join(f"{k} {totals.get(k, 0)}" for k in
                                     ("clean", "unclear", "traceback", "accepted", "wrong"))
          + f"; clean {100 * totals.get('clean', 0) / max(n, 1):.1f} %")
    by_area = Counter((r[0].split(".")[0].split(" ")[0], r[2]) for r in rows)
    for area in sorted({a for a, _ in by_area}):
        parts = ", ".join(f"{k} {by_area[(area, k)]}" for k in ("clean", "unclear", "traceback", "accepted", "wrong")
                          if by_area[(area, k)])
        print(f"  {area:12s} {parts}")
    if args.out:
        with open(args.out, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["area", "case", "outcome", "detail"])
            w.writerows(rows)
    with contextlib.suppress(OSError):
        shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
