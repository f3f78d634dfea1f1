"""15_actor_your_data: a researcher's CSV (here the built-in demo with a known truth), per-subject and
hierarchical fits, PSIS-LOO over families, identifiability verdicts, .nc files; a malformed CSV is refused."""

import pytest

from tests.browser.pages import check_report

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def run(run_smoke):
    r = run_smoke("15_actor_your_data")
    assert r.status == "ok", r.error
    return r


@pytest.fixture(scope="module")
def out(run, run_smoke):
    # the runner gives the kernel its staging folder as $NESTLAB_OUT_DIR: the .nc files and the
    # demo CSV are published next to the report
    return run_smoke.out_dirs["15_actor_your_data"]


def test_demo_data_fits_and_files(run, out):
    import arviz as az

    res = run.results
    assert res["data.demo"] is True and res["data.n_trials"] == 240
    assert res["data.conditions"] == ["0.08", "0.2"]
    assert sorted(res["loo.ranking"]) == ["quadratic", "quadratic_effort"]
    assert set(res["loo.winner_by_subject"]) == {"s1", "s2", "s3"}
    # 2 families x 3 subjects, the one-sigma refits of quadratic_effort, the hierarchical fit
    conv = res["converged"]
    assert len(conv) == 10 and all(isinstance(v, bool) for v in conv.values())
    assert res["converged.all"] == all(conv.values())
    assert res["hierarchical.cost"] == res["loo.ranking"][0]
    assert set(res["identifiability.verdict"].values()) <= {"told apart", "ridge"}
    # even at smoke size most 90% intervals hold the demo truth (numbers recorded, not claimed)
    assert res["recovery.coverage"] >= 0.7
    files = res["idata_files"]
    assert len(files) == 7 and all((out / name).is_file() for name in files.values())
    assert (out / "15_actor_your_data.demo.csv").is_file()
    h = az.from_netcdf(out / files[f"hierarchical.{res['hierarchical.cost']}"])
    assert list(h.posterior["subject"].values) == ["s1", "s2", "s3"]
    assert h.log_likelihood["r"].shape[-1] == 240


def test_claims_follow_the_gates(run):
    res = run.results
    claims = {c["claim"]: c for c in run.claims}
    assert len(claims) == 3
    for c in claims.values():
        if not res["converged.all"]:  # smoke sizes cannot pass ESS >= 400: no number is claimed
            assert c["verdict"] == "not held" and "not shown" in str(c["nestlab"])


def test_malformed_csv_is_refused(tmp_path):
    from nestlab.runner import run_notebooks

    bad = tmp_path / "mine.csv"
    bad.write_text("subject,noise,ts,tp\na,0.1,1.0,1.1\na,0.1,1.0,oops\n")
    (r,) = run_notebooks(["15_actor_your_data"], profile="smoke", out_dir=tmp_path / "rep",
                         overrides={"data_path": str(bad)}, progress=False, build_index=False)
    assert r.status == "failed"
    msg = r.error["evalue"]
    assert r.error["ename"] == "ValueError"
    for bit in (str(bad), "line 3", "'tp'", "not a number"):
        assert bit in msg, (bit, msg)


@pytest.mark.browser
def test_15_report_reads_offline_in_a_browser(run_smoke, browser):
    check_report(browser, run_smoke, "15_actor_your_data")
