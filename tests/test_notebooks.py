"""The walkthrough notebooks: paired with their reviewable .py, and they run top to bottom."""

from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))


def test_there_are_three_walkthroughs():
    assert [p.stem for p in NOTEBOOKS] == ["01_grids", "02_coverage", "03_siting"]


@pytest.mark.parametrize("script", NOTEBOOKS, ids=lambda p: p.stem)
def test_ipynb_is_in_sync_with_its_script(script):
    pair = script.with_suffix(".ipynb")
    assert pair.exists(), f"{pair.name} missing: run jupytext --sync {script}"
    code = [c.source for c in jupytext.read(script).cells]
    stored = [c.source for c in nbformat.read(pair, as_version=4).cells]
    assert code == stored, f"{pair.name} differs from {script.name}: run jupytext --sync {script}"


@pytest.mark.slow
@pytest.mark.parametrize("script", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(script):
    nb = jupytext.read(script)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(script.parent.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
