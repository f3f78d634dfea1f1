"""Headless execution of the numbered notebooks and publication of HTML reports.

The runner contract (``../shared/spec/suite.md``), one job per module:

* :mod:`~nestlab.runner.params` — the grammar of declared parameters and the check of a value;
* :mod:`~nestlab.runner.catalogue` — :func:`discover` the notebooks, profiles, :func:`plan_runs`
  (every refusal before any kernel starts: :class:`UsageError`, CLI exit status 2);
* :mod:`~nestlab.runner.execution` — :func:`execute` one notebook with papermill,
  :func:`run_notebooks` for a whole request;
* :mod:`~nestlab.runner.export` — :func:`to_html`, one self-contained HTML file per notebook;
* :mod:`~nestlab.runner.publication` — staging and all-or-nothing publication, sweeping of stale
  temporary files;
* :mod:`~nestlab.runner.site` — :func:`write_index`, the report index, robust to any results file;
* :mod:`~nestlab.runner.files` — atomic writes with a normal file mode, the folder lock, the
  up-front check of an output folder.
"""

from nestlab.runner.catalogue import (
    NOTEBOOK_RE,
    NotebookInfo,
    RunPlan,
    available_profiles,
    discover,
    load_profile,
    plan_runs,
    read_notebook_info,
)
from nestlab.runner.errors import DeclarationError, ParameterTypeError, UsageError
from nestlab.runner.execution import (
    VERSIONED_PACKAGES,
    NotebookRun,
    execute,
    package_versions,
    run_notebooks,
)
from nestlab.runner.export import to_html
from nestlab.runner.files import atomic_write_text, check_out_dir, file_mode, folder_lock
from nestlab.runner.params import (
    Parameter,
    ParamSpec,
    check_value,
    parse_declaration,
    parse_parameters,
    parse_parameters_cell,
)
from nestlab.runner.publication import Staging, publish, sweep
from nestlab.runner.site import headline, load_runs, read_run, render_index, write_index

__all__ = [
    "NOTEBOOK_RE",
    "VERSIONED_PACKAGES",
    "DeclarationError",
    "NotebookInfo",
    "NotebookRun",
    "ParamSpec",
    "Parameter",
    "ParameterTypeError",
    "RunPlan",
    "Staging",
    "UsageError",
    "atomic_write_text",
    "available_profiles",
    "check_out_dir",
    "check_value",
    "discover",
    "execute",
    "file_mode",
    "folder_lock",
    "headline",
    "load_profile",
    "load_runs",
    "package_versions",
    "parse_declaration",
    "parse_parameters",
    "parse_parameters_cell",
    "plan_runs",
    "publish",
    "read_notebook_info",
    "read_run",
    "render_index",
    "run_notebooks",
    "sweep",
    "to_html",
    "write_index",
]
