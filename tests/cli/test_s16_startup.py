"""Start-up of the command line (session 16, task H2.1): ``ioresponse --version`` and ``--help`` import
typer and rich only; each command imports what it computes with when it runs.

Rules that can fail, not timings: a fresh interpreter imports the console entry point
(``ioresponse.cli:app``, pyproject.toml) and the modules it loaded are listed. The public API
(``import ioresponse; ioresponse.assess(...)``) keeps its names.
"""

from __future__ import annotations

import subprocess
import sys
import typing

import pytest
from _cli import cli

import ioresponse
from ioresponse.cli.assess import CRITERION_KEYS
from ioresponse.cli.report import PopulationChoice

HEAVY = ("scipy", "matplotlib", "lifelines", "pandas", "numba", "polars", "jinja2")
"""Libraries of the computations, none needed to parse the command line or print its help."""


def loaded_after(code: str, modules: tuple[str, ...] = HEAVY) -> list[str]:
    """The ``modules`` a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys\nprint(*(m for m in {modules!r} if m in sys.modules), file=sys.stderr)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stderr.split()  # the command's own output is on stdout


def test_importing_the_console_entry_point_loads_no_computation_library():
    # pyproject.toml [project.scripts]: ioresponse = "ioresponse.cli:app"
    assert loaded_after("import ioresponse.cli") == []


def test_version_and_help_run_without_a_computation_library():
    code = ("import sys\nfrom ioresponse.cli import app\nsys.argv = ['ioresponse', '{}']\n"
            "try:\n    app()\nexcept SystemExit as done:\n    assert done.code == 0, done.code")
    assert loaded_after(code.format("--version")) == []
    assert loaded_after(code.format("--help")) == []


@pytest.mark.parametrize("command", ["assess", "validate", "explain", "compare", "patterns", "report",
                                     "export"])
def test_every_command_help_runs_without_a_computation_library(command):
    code = ("import sys\nfrom ioresponse.cli import app\n"
            f"sys.argv = ['ioresponse', '{command}', '--help']\n"
            "try:\n    app()\nexcept SystemExit as done:\n    assert done.code == 0, done.code")
    assert loaded_after(code) == []


def test_the_api_module_loads_neither_scipy_nor_lifelines_nor_matplotlib():
    # ioresponse.load / compare need pandas and the criteria; the cohort statistics (scipy.stats,
    # matplotlib) and the patterns (lifelines) are imported by ioresponse.run when it runs. (numba, which
    # the criteria use, imports the bare scipy package to check its version: scipy.stats is the cost.)
    assert loaded_after("import ioresponse.api", ("scipy.stats", "matplotlib", "lifelines")) == []


def test_importing_the_package_loads_nothing_heavy_until_a_name_is_used():
    assert loaded_after("import ioresponse") == []
    assert "pandas" in loaded_after("import ioresponse\nioresponse.Study")


def test_the_public_names_are_those_of_their_modules():
    import ioresponse.api
    import ioresponse.criteria

    assert ioresponse.__all__ == ["Result", "Study", "assess", "compare", "load", "run"]
    for name in ("Result", "assess", "compare", "load", "run"):
        assert getattr(ioresponse, name) is getattr(ioresponse.api, name)
    assert ioresponse.Study is ioresponse.criteria.Study
    from ioresponse import assess, load  # noqa: F401  (the from-import form)

    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        ioresponse.nothing  # noqa: B018


def test_the_cohort_package_names_are_those_of_their_modules():
    import ioresponse.cohort
    from ioresponse.cohort import rates, survival

    assert ioresponse.cohort.ResponseRateFitter is rates.ResponseRateFitter
    assert ioresponse.cohort.KaplanMeierByGroup is survival.KaplanMeierByGroup
    with pytest.raises(AttributeError):
        ioresponse.cohort.nothing  # noqa: B018


def test_the_help_lists_the_registry_keys_in_report_order():
    from ioresponse.criteria import registry

    assert tuple(registry()) == CRITERION_KEYS
    help_text = " ".join(cli("assess", "--help").output.split())
    assert f"Comma-separated criterion keys ({', '.join(registry())}), or all." in help_text


def test_the_population_choices_are_those_of_the_rates():
    from ioresponse.cohort.rates import Population

    assert typing.get_args(PopulationChoice) == typing.get_args(Population)


def test_version_prints_the_installed_version():
    result = cli("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"ioresponse {ioresponse.__version__}"
