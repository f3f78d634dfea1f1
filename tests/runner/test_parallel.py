"""nestlab.runner.parallel and dask_backend: --jobs N, Dask schedulers, faults (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nestlab import cli, runner
from nestlab.runner import dask_backend, parallel

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"
SCALE = FIXTURES / "scale"


def _published(out: Path) -> dict[str, dict]:
    return {r["name"]: r for r in runner.load_runs(out)}


@pytest.fixture(scope="module")
def serial_and_parallel(tmp_path_factory):
    serial, par = tmp_path_factory.mktemp("serial"), tmp_path_factory.mktemp("parallel")
    common = ["run", "02_broken", "01_square", "--profile", "smoke", "--notebooks", str(FIXTURES),
              "--no-progress"]
    rc_serial = cli.main([*common, "--out", str(serial)])
    rc_par = cli.main([*common, "--out", str(par), "--jobs", "2"])
    return (serial, rc_serial), (par, rc_par)


@pytest.mark.notebooks
def test_jobs_2_gives_the_serial_results_and_exit_status(serial_and_parallel):
    (serial, rc_serial), (par, rc_par) = serial_and_parallel
    assert rc_serial == rc_par == 1  # one fixture fails on purpose
    a, b = _published(serial), _published(par)
    assert set(a) == set(b) == {"01_square", "02_broken"}
    for name in a:
        assert a[name]["status"] == b[name]["status"]
        assert a[name]["results"] == b[name]["results"]
        assert a[name]["parameters"] == b[name]["parameters"]
    assert b["02_broken"]["error"]["ename"] == "ValueError" and b["02_broken"]["error"]["cell"] == 3
    page = (par / "index.html").read_text()
    assert "1 of 2 notebooks ok" in page and '<a href="01_square.html">01_square</a>' in page
    assert [p.name for p in par.iterdir() if p.name.startswith(".")] == [".nestlab.lock"]


@pytest.mark.notebooks
def test_kernels_get_their_share_of_the_cores(serial_and_parallel):
    (_, _), (par, _) = serial_and_parallel
    # every kernel ran with a bounded thread count (the variables reach the kernel)
    assert parallel.kernel_threads(2, 2) == 1 and parallel.kernel_threads(2, 16) == 8
    assert parallel.kernel_threads(4, 2) == 1


def test_thread_env_keeps_what_the_user_set():
    env = parallel.thread_env(3, {"OMP_NUM_THREADS": "7"})
    assert env["OMP_NUM_THREADS"] == "7"
    assert env["MKL_NUM_THREADS"] == env["NESTLAB_HOST_DEVICES"] == "3"
    assert set(env) == set(parallel.THREAD_VARIABLES)


@pytest.mark.parametrize("jobs", [0, -1, 1.5, "2", True, 1000])
def test_bad_jobs_refused(jobs):
    with pytest.raises(runner.UsageError, match="jobs"):
        parallel.check_jobs(jobs)


@pytest.mark.parametrize("value", ["0", "-2", "x", "1.5", "257"])
def test_cli_refuses_bad_jobs(value, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", "01_square", "--notebooks", str(FIXTURES), "--jobs", value])
    assert exc.value.code == 2
    assert "invalid jobs" in capsys.readouterr().err


@pytest.mark.notebooks
def test_a_killed_worker_fails_that_run_only(tmp_path):
    """The kernel kills its worker process (SIGKILL): that run is failed, the other one is ok."""
    marker = tmp_path / "killed-once"
    a = parallel.Job(runner.plan_runs(["01_line"], overrides=[("kill_marker", str(marker))],
                                      notebooks=SCALE)[0], tmp_path, "[1/2] 01_line")
    out_b = tmp_path / "b"
    out_b.mkdir()
    b = parallel.Job(runner.plan_runs(["01_line"], overrides=[("seed", "3")], notebooks=SCALE)[0],
                     out_b, "[2/2] 01_line")
    runs = parallel.execute_jobs([a, b], parallel.LocalProcesses(2), progress=False)
    assert marker.exists()
    assert runs[0].status == "failed" and runs[0].error["ename"] == "WorkerDied"
    assert "SIGKILL" in runs[0].error["evalue"]
    assert runs[1].status == "ok" and runs[1].results["stats"]["seed_sq"] == 9
    (pub,) = runner.load_runs(tmp_path)
    assert pub["status"] == "failed" and not (tmp_path / "01_line.ipynb").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging-")]


class _Interrupting:
    """A backend whose second wait is a Ctrl-C, after one run has been published."""

    capacity = 2

    def __init__(self):
        self.calls, self.cancelled, self.closed = 0, [], False
        self.stagings = []

    def submit(self, job, staging):
        self.stagings.append((job, staging))
        (staging.path / "01_square.ipynb").write_text("{half written")
        return len(self.stagings) - 1

    def wait(self, handles, timeout):
        self.calls += 1
        if self.calls == 1:
            job, staging = self.stagings[0]
            run = parallel.failed_run(job.plan, "ValueError", "stand-in")
            staging.file(".ipynb").unlink()
            staging.file(".results.json").write_text(json.dumps(run.to_json()))
            return [(0, run)]
        raise KeyboardInterrupt

    def cancel(self, handles):
        self.cancelled.extend(handles)

    def close(self):
        self.closed = True


def test_ctrl_c_leaves_no_half_written_outputs(tmp_path):
    (plan,) = runner.plan_runs(["01_square"], notebooks=FIXTURES)
    out1, out2 = tmp_path / "a", tmp_path / "b"
    out1.mkdir()
    out2.mkdir()
    (out2 / "01_square.html").write_text("old report")
    backend = _Interrupting()
    jobs = [parallel.Job(plan, out1, "a"), parallel.Job(plan, out2, "b")]
    with pytest.raises(KeyboardInterrupt):
        parallel.execute_jobs(jobs, backend, progress=False)
    assert backend.cancelled == [1] and backend.closed
    assert (out1 / "01_square.results.json").is_file()  # the finished run was published
    assert sorted(p.name for p in out2.iterdir()) == [".nestlab.lock", "01_square.html"]
    assert (out2 / "01_square.html").read_text() == "old report"  # untouched, nothing half made


@pytest.mark.parametrize("address", ["", "tcp://", "http://127.0.0.1:8786", "tcp://host",
                                     "tcp://h:99999", "127.0.0.1:8786", "tcp://h:1/path", 8786])
def test_bad_scheduler_addresses_refused(address):
    with pytest.raises(runner.UsageError, match="valid values: local, tcp://HOST:PORT"):
        dask_backend.check_scheduler(address)


def test_tls_options_checked(tmp_path):
    pem = tmp_path / "x.pem"
    pem.write_text("not checked here")
    with pytest.raises(runner.UsageError, match="missing: --tls-cert, --tls-key"):
        dask_backend.check_scheduler("tls://10.0.0.1:8786", tls_ca=str(pem))
    with pytest.raises(runner.UsageError, match="needs a tls:// scheduler"):
        dask_backend.check_scheduler("tcp://10.0.0.1:8786", tls_ca=str(pem))
    with pytest.raises(runner.UsageError, match="applies to a tls:// scheduler"):
        dask_backend.check_scheduler("local", tls_key=str(pem))
    with pytest.raises(runner.UsageError, match="invalid --tls-key"):
        dask_backend.check_scheduler("tls://10.0.0.1:8786", tls_ca=str(pem), tls_cert=str(pem),
                                     tls_key=str(tmp_path / "missing.pem"))
    assert dask_backend.check_scheduler("tls://10.0.0.1:8786", tls_ca=str(pem), tls_cert=str(pem),
                                        tls_key=str(pem)) == ("tls://10.0.0.1:8786", None)
    with pytest.raises(runner.UsageError, match="need --scheduler tls://"):
        parallel.make_backend(2, tls_ca=str(pem))


def test_plain_tcp_beyond_loopback_warns():
    assert dask_backend.check_scheduler("tcp://127.0.0.1:8786") == ("tcp://127.0.0.1:8786", None)
    assert dask_backend.check_scheduler("tcp://localhost:8786")[1] is None
    _, warning = dask_backend.check_scheduler("tcp://192.0.2.7:8786")
    assert "plain TCP" in warning and "tls://" in warning


def test_unreachable_scheduler_is_refused_with_exit_2(tmp_path, capsys):
    rc = cli.main(["run", "01_square", "--notebooks", str(FIXTURES), "--out", str(tmp_path / "r"),
                   "--scheduler", "tcp://127.0.0.1:9", "--no-progress"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler tcp://127.0.0.1:9" in err and "dask scheduler" in err
    assert not (tmp_path / "r" / "01_square.results.json").exists()  # no kernel started


def test_kernel_start_failures_are_recognised():
    (plan,) = runner.plan_runs(["01_square"], notebooks=FIXTURES)
    assert dask_backend.is_kernel_start_failure(parallel.failed_run(plan, "RuntimeError", "died"))
    in_cell = parallel.failed_run(plan, "RuntimeError", "x")
    in_cell.error["cell"] = 2
    assert not dask_backend.is_kernel_start_failure(in_cell)
    assert not dask_backend.is_kernel_start_failure(parallel.failed_run(plan, "ValueError", "x"))
