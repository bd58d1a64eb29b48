"""A planner's grid workflows over weeks: a plan edited outside the tool and redrawn, departmental
layers merged, and a project file the planner edits by hand between runs."""

from pathlib import Path

import pytest

from spatial import SpatialError
from spatial.project.config import load_project

_PROJECT = """
[project]
name = "街道网格"
[inputs]
communities = { path = "数据 文件/社区.gpkg", layer = "communities" }
units = { path = "数据 文件/社区.gpkg", layer = "units" }
"""


def _project_file(tmp_path: Path, text: str) -> Path:
    (tmp_path / "数据 文件").mkdir(exist_ok=True)
    (tmp_path / "数据 文件" / "社区.gpkg").write_bytes(b"")
    path = tmp_path / "项目 文件.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, said", [
    (_PROJECT + "[grids]\nmin_houshold = 300\n", r"\[grids\] has unknown key\(s\) \['min_houshold'\] "
                                                 r"\(did you mean 'min_households'\?\)"),
    (_PROJECT + "[grid]\nmin_households = 300\n", r"unknown section\(s\) \['grid'\] \(did you mean 'grids'\?\)"),
    (_PROJECT.replace('layer = "units"', 'layr = "units"'), r"input 'units' has unknown key\(s\) \['layr'\] "
                                                             r"\(did you mean 'layer'\?\)"),
    (_PROJECT.replace("communities = {", "communties = {"), r"unknown input 'communties' "
                                                            r"\(did you mean 'communities'\?\)"),
    (_PROJECT + "[grids]\nmin_housholds = 300\nmax_housholds = 500\n",
     r"\(did you mean 'max_households' for 'max_housholds', 'min_households' for 'min_housholds'\?\)"),
])
def test_a_misspelt_project_key_is_named_with_the_key_it_was_meant_to_be(tmp_path, text, said):
    with pytest.raises(SpatialError, match=said):
        load_project(_project_file(tmp_path, text))


def test_a_key_like_no_known_one_gets_no_guess(tmp_path):
    with pytest.raises(SpatialError, match=r"unknown key\(s\) \['colour'\]; known keys") as err:
        load_project(_project_file(tmp_path, _PROJECT + "[grids]\ncolour = 'red'\n"))
    assert "did you mean" not in str(err.value)
