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


# ------------------------------------------------------------------ [coverage]/[siting] without stations


@pytest.fixture
def town(tmp_path) -> str:
    """[inputs] lines of one community (C1) of 4 x 2 units of 100 households (编号, 户数): no network,
    no stations (an empty net.graphml and a one-station s.csv lie beside them for tests that add them)."""
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM).to_file(
        tmp_path / "c.gpkg")
    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
             for i in range(4) for j in range(2)]
    gpd.GeoDataFrame({"编号": [f"U{k}" for k in range(8)], "户数": [100] * 8}, geometry=cells, crs=UTM).to_file(
        tmp_path / "u.gpkg")
    (tmp_path / "net.graphml").write_bytes(b"")  # never read: the runs adding it are refused first
    (tmp_path / "s.csv").write_text("station_id,lon,lat\nS1,114.05,22.54\n", encoding="utf-8")
    return 'communities = "c.gpkg"\nunits = { path = "u.gpkg", households_col = "户数" }\n'


@pytest.mark.parametrize("rest, pattern", [
    ("[coverage]\nminutes = [5, 10, 15]\n[siting]\nk = 2\n",
     r"\[coverage\] is set but \[inputs\] has no stations; add \[inputs\] stations, or remove the \[coverage\] "
     r"and \[siting\] sections$"),
    ("[coverage]\nspeed_kmh = 4.5\n", r"\[coverage\] is set but \[inputs\] has no stations; .*remove the "
                                      r"\[coverage\] section$"),
    ("[siting]\nk = 1\n", r"\[siting\] is set but \[inputs\] has no stations; .*remove the \[siting\] section$"),
])
def test_coverage_or_siting_without_stations_is_refused(tmp_path, capsys, town, rest, pattern):
    # was: both steps skipped without a word, exit 0
    _one_line_error(capsys, ["-q", "run", str(_project(tmp_path, town, rest + NO_MAPS))], pattern)
    assert not (tmp_path / "out").exists()
    # without those sections (and without stations) the project draws grids only
    result = run_project(_project(tmp_path, town, NO_MAPS))
    assert sorted(result.layers["grids"]["households"]) == [400, 400]
    assert "coverage_demand" not in result.layers


def test_coverage_without_a_network_is_refused(tmp_path, capsys, town):
    project = _project(tmp_path, town + 'stations = "s.csv"\n', "[coverage]\nminutes = [15]\n" + NO_MAPS)
    _one_line_error(capsys, ["-q", "run", str(project)],
                    r"\[coverage\] is set but \[inputs\] has no network; add \[inputs\] network")


# ------------------------------------------------------------------ the run log: the project's own words


def test_the_run_log_holds_the_options_as_the_project_file_gives_them(tmp_path, town):
    # was: households_col "households" where the file said "户数" (the name the steps use)
    run_project(_project(tmp_path, town, NO_MAPS))
    log = json.loads((tmp_path / "out" / "run_log.json").read_text(encoding="utf-8"))
    assert log["inputs"]["units"]["options"] == {"households_col": "户数"}
    assert log["inputs"]["units"]["columns"] == {"id_col": "编号", "households_col": "户数"}
    assert log["inputs"]["communities"]["columns"] == {"id_col": "community_id"}


# ------------------------------------------------------------------ minutes and meters, bands, siting keys


@pytest.mark.parametrize("rest, pattern", [
    ("[coverage]\nminutes = [5, 10, 15]\nmeters = [300, 500]\n[siting]\nk = 2\nband = \"15min\"\n",
     r"\[coverage\] gives both minutes and meters; keep one"),
    ("[coverage]\nmeters = [300, 500]\n[siting]\nk = 2\nband = \"15min\"\n",
     r"\[siting\] band '15min' is not one of the \[coverage\] bands \['300m', '500m'\]; give one of them"),
    ("[coverage]\ngap_band = \"20min\"\n", r"\[coverage\] gap_band '20min' is not one of the \[coverage\] bands "
                                          r"\['5min', '10min', '15min'\]"),
    ("[siting]\nband = \"15min\"\n", r"\[siting\] needs k \(the number of sites to add\) or target"),
    ("[siting]\nk = 2\ntarget = 0.9\n", r"\[siting\] gives both k and target; keep one"),
    ("[coverage]\nenabled = false\n[siting]\nk = 2\n", r"\[siting\] scores sites by the coverage step, which "
                                                       r"\[coverage\] enabled = false turns off"),
])
def test_coverage_and_siting_keys_that_would_be_ignored_are_refused(tmp_path, capsys, town, rest, pattern):
    project = _project(tmp_path, town + 'network = "net.graphml"\nstations = "s.csv"\n', rest)
    with pytest.raises(SpatialError, match=pattern):
        load_project(project)
    _one_line_error(capsys, ["-q", "run", str(project)], pattern)


def _demo_inputs() -> str:
    """``[inputs]`` lines of the demo's network, communities, units and stations."""
    demo = DATA / "demo.gpkg"
    return (f'network = "{DATA / "futian_walk.graphml"}"\n'
            f'communities = {{ path = "{demo}", layer = "communities" }}\n'
            f'units = {{ path = "{demo}", layer = "units" }}\n'
            f'stations = {{ path = "{demo}", layer = "stations" }}\n')


def test_siting_with_meter_bands_sites_in_the_largest_band(tmp_path):
    # was: band='15min' is not one of the bands ['300m', '500m'] (the default band read minutes)
    inputs = _demo_inputs()
    project = _project(tmp_path, inputs, "[grids]\nenabled = false\n[coverage]\nmeters = [300, 500]\n"
                                         "[siting]\nk = 1\n" + NO_MAPS.replace("png = false", "png = true"))
    result = run_project(project)
    assert len(result.layers["sites"]) == 1
    assert set(result.layers["coverage_demand"]["band"]) <= {"300m", "500m", "beyond", "unreachable"}
    assert (tmp_path / "out" / "overview.png").exists()


def test_siting_capacity_and_time_limit_are_read_from_the_project(tmp_path):
    # [siting] capacity_households and time_limit_s, as spatial site --capacity-households and
    # --time-limit-s: a project giving them was refused ("unknown key(s)") though the file's checks
    # named them; the demo's first site adds 2,582 households uncapped, at most 500 capped
    inputs = _demo_inputs()
    project = _project(tmp_path, inputs, "[grids]\nenabled = false\n[siting]\nk = 1\ncapacity_households = 500\n"
                                         "time_limit_s = 5\n" + NO_MAPS)
    assert load_project(project).siting["capacity_households"] == 500
    sites = run_project(project).layers["sites"]
    assert len(sites) == 1 and 0 < sites["gain_households"].iloc[0] <= 500


# ------------------------------------------------------------------ spatial grids --street-gap-m, point units


def test_street_gap_with_point_units_says_it_has_no_effect(tmp_path, capsys):
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM).to_file(
        tmp_path / "c.gpkg")
    points = [Point(X0 + 50 + 100 * i, Y0 + 50 + 100 * j) for i in range(4) for j in range(2)]
    gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": [100] * 8}, geometry=points,
                     crs=UTM).to_file(tmp_path / "u.gpkg")
    args = ["grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg")]
    assert main([*args, "--out", str(tmp_path / "a.gpkg")]) == 0
    assert "street-gap" not in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "b.gpkg"), "--street-gap-m", "500"]) == 0
    err = capsys.readouterr().err
    assert re.search(r"--street-gap-m 500 has no effect: the units in .*u\.gpkg are points", err), err
    a = gpd.read_file(tmp_path / "a.gpkg", layer="units")
    b = gpd.read_file(tmp_path / "b.gpkg", layer="units")
    pd.testing.assert_series_equal(a["grid_id"], b["grid_id"])


@pytest.mark.parametrize("extra, rest, pattern", [
    ('candidates = "s.csv"\n', "[siting]\nk = 2\ncandidate_spacing_m = 25\n",
     r"\[siting\] candidate_spacing_m thins the network nodes sited when \[inputs\] has no candidates; the rooms "
     r"of \[inputs\] candidates are each sited as listed: drop candidate_spacing_m"),
    ("", "[siting]\nk = 2\ncandidate_spacing_m = 0\n", r"candidate_spacing_m.*a distance in metres > 0, e.g. 25"),
])
def test_a_candidate_spacing_the_siting_would_not_use_is_refused(tmp_path, capsys, town, extra, rest, pattern):
    # [siting] candidate_spacing_m, as spatial site --candidate-spacing-m: the square of which at most one
    # network node is sited when no candidate rooms are given; with rooms, or of 0 m, it is refused
    project = _project(tmp_path, town + 'network = "net.graphml"\nstations = "s.csv"\n' + extra, rest)
    with pytest.raises(SpatialError, match=pattern):
        load_project(project)
    _one_line_error(capsys, ["-q", "run", str(project)], pattern)
