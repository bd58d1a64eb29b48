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


def test_the_coverage_walkthrough_names_the_colours_the_map_draws_uncovered_homes_in():
    # 02_coverage said 未覆盖单元为红色 (uncovered units are red) above the map; the maps draw them
    # magenta (beyond every band) and dark purple (unreachable), not red, for the colour-blind
    import colorsys

    from spatial.maps._style import BEYOND_COLOUR, UNREACHABLE_COLOUR

    def hue_deg(hex_colour):
        r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
        return colorsys.rgb_to_hls(r, g, b)[0] * 360

    assert 290 <= hue_deg(BEYOND_COLOUR) <= 340  # magenta: 品红
    assert 260 <= hue_deg(UNREACHABLE_COLOUR) < 290  # purple: 紫
    markdown = "\n".join(c.source for c in jupytext.read(NOTEBOOKS[1]).cells if c.cell_type == "markdown")
    assert "品红色（超出服务圈）" in markdown and "深紫色（无法步行到达）" in markdown
    assert "红色" not in markdown.replace("品红色", "")
