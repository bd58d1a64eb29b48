"""``spatial run`` as an outside tester ran it: a Dask run whose units carry no community id and
whose communities number themselves 社区编号; [coverage] and [siting] set without stations;
minutes and meters both given; the run log naming the columns as the project file does; and
``spatial grids --street-gap-m`` with point units."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import DATA
from shapely.geometry import Point, box

from spatial import SpatialError, run_project
from spatial.cli import main
from spatial.project.config import load_project

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000
#: outputs a test run does not need
NO_MAPS = "[outputs]\nmaps = false\nworkbook = false\npng = false\n"


def _project(tmp_path: Path, inputs: str, rest: str = "") -> Path:
    path = tmp_path / "p.toml"
    path.write_text(f'[project]\nname = "t"\noutput = "out"\n[inputs]\n{inputs}{rest}', encoding="utf-8")
    return path


def _one_line_error(capsys, argv: list[str], pattern: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and re.search(pattern, err), err


@pytest.fixture(scope="module")
def chinese_demo(tmp_path_factory) -> Path:
    """The demo's layers as an office gives them: communities numbered 社区编号 (no street column),
    units with 户数 and no community id (each lies in its community), the demo's stations."""
    d = tmp_path_factory.mktemp("chinese_demo")
    path = d / "demo.gpkg"
    comm = gpd.read_file(DATA / "demo.gpkg", layer="communities")
    comm.rename(columns={"community_id": "社区编号"}).drop(columns="street").to_file(path, layer="communities")
    units = gpd.read_file(DATA / "demo.gpkg", layer="units")
    units.drop(columns="community_id").rename(columns={"households": "户数"}).to_file(path, layer="units")
    gpd.read_file(DATA / "demo.gpkg", layer="stations").to_file(path, layer="stations")
    return path


# ------------------------------------------------------------------ Dask: a unit's part by location


def test_a_dask_run_places_units_without_a_community_id_as_one_process_does(tmp_path, chinese_demo):
    # was: internal error KeyError 'community_id' (the units were assumed to carry it)
    inputs = (f'network = "{DATA / "futian_walk.graphml"}"\n'
              f'communities = {{ path = "{chinese_demo}", layer = "communities" }}\n'
              f'units = {{ path = "{chinese_demo}", layer = "units", households_col = "户数" }}\n'
              f'stations = {{ path = "{chinese_demo}", layer = "stations" }}\n')
    project = _project(tmp_path, inputs, "[siting]\nenabled = false\n" + NO_MAPS + "[distributed]\nn_workers = 1\n")
    one = run_project(project, out_dir=tmp_path / "one").layers["coverage_demand"]
    got = run_project(project, out_dir=tmp_path / "dask", scheduler="local").layers["coverage_demand"]
    one, got = one.set_index("unit_id").sort_index(), got.set_index("unit_id").sort_index()
    assert len(got) == len(one) == 1866
    assert "社区编号" not in got.columns  # the part key is not left on the units
    np.testing.assert_allclose(got["walk_m"].to_numpy(), one["walk_m"].to_numpy(), atol=1e-6)
    assert got["band"].tolist() == one["band"].tolist()
    assert got["nearest_station"].tolist() == one["nearest_station"].tolist()


def test_a_split_column_the_communities_lack_is_named(tmp_path, chinese_demo):
    from spatial.project.pipeline import _split_key

    project = load_project(_project(
        tmp_path, f'communities = {{ path = "{chinese_demo}", layer = "communities" }}\n'
                  f'units = {{ path = "{chinese_demo}", layer = "units" }}\n', '[distributed]\nby = "city"\n'))
    comm = gpd.read_file(chinese_demo, layer="communities")
    with pytest.raises(SpatialError, match=r"\[distributed\] by: the communities \(demo.gpkg\) have no column "
                                           r"'city'; they have: 社区编号, name, code, synthetic; give one of them"):
        _split_key(project, comm)
