"""What README.md, docs/*.md and the docstrings promise, checked by running it as a user would."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import spatial

ROOT = Path(__file__).resolve().parents[1]


def _modules() -> list[str]:
    names = (m.name for m in pkgutil.walk_packages(spatial.__path__, "spatial."))
    return sorted(n for n in names if not n.endswith("__main__"))  # importing these runs the CLI


@pytest.mark.parametrize("name", _modules())
def test_every_module_docstring_parses_as_doctests(name):
    # `python -m pytest --doctest-modules spatial` stopped at collection: read_table's example
    # wrote "\n" in a plain docstring, so its CSV lines landed unindented in the example.
    module = importlib.import_module(name)
    doctest.DocTestFinder().find(module)


def test_the_core_and_io_examples_pass_under_plain_doctest_modules():
    # atomic_path's example left a file open (ResourceWarning, an error under the project's
    # filterwarnings); natural_key's said '(none)' sorts first, the key puts it after the numbers.
    files = ["spatial/core/atomic.py", "spatial/core/checks.py", "spatial/io/layers.py"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--doctest-modules", *files, "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:]


def test_python_dash_m_spatial_is_the_spatial_command(tmp_path):
    # `python -m spatial coverage --help` said "No module named spatial.__main__": only
    # `python -m spatial.cli` worked, while a notebook's `!python -m spatial ...` is what users type.
    run = subprocess.run([sys.executable, "-m", "spatial", "coverage", "--help"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("usage: spatial coverage")
