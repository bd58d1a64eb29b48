"""Small promises the command line made and broke (an outside user's findings): the streets
``spatial editor --roads NETWORK`` draws, the speed ``spatial coverage --meters`` says it used,
``spatial grids --evaluate results.gpkg --gated-col`` on a results file whose grids layer has no
estate column, and what the docs say of the stations' ``name`` column.

Every figure expected is worked out by hand from the tiny towns written here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from spatial.cli import main

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 2_490_000.0
ROOT = Path(__file__).resolve().parents[1]


def _osm(path: Path) -> Path:
    """An OSM file of two ways meeting at node 2: a residential street (nodes 1-2, 200 m) and a
    trunk road (nodes 2-3, 200 m), which walks leave out and grid borders follow first."""
    nodes = {1: (0.0, 0.0), 2: (200.0, 0.0), 3: (200.0, 200.0)}
    lonlat = gpd.GeoSeries([Point(X0 + x, Y0 + y) for x, y in nodes.values()], crs=UTM).to_crs(4326)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    lines += [f'<node id="{i}" lat="{p.y:.9f}" lon="{p.x:.9f}"/>' for i, p in zip(nodes, lonlat)]
    for wid, refs, kind in ((10, [1, 2], "residential"), (11, [2, 3], "trunk")):
        lines.append(f'<way id="{wid}">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                     + f'<tag k="highway" v="{kind}"/></way>')
    path.write_text("\n".join(lines + ["</osm>"]), encoding="utf-8")
    return path


def _page_roads(path: Path) -> list:
    data = json.loads(re.search(r'id="sp-editor-data">(.*?)</script>', path.read_text(encoding="utf-8"),
                                re.S).group(1))
    return data["roads"]


# ------------------------------------------------------------- 1: the editor's streets, every class


def test_the_editor_draws_the_trunk_road_of_a_network_file_as_spatial_grids_follows_it(tmp_path):
    # was: `spatial editor PLAN --roads net.osm` read the walking network, so the page showed the
    # residential street alone, while `spatial grids --roads net.osm` drew the grids along the trunk
    # road too (and `spatial run`'s page drew it): the planner saw grid borders on no street
    osm = _osm(tmp_path / "net.osm")
    plan = gpd.GeoDataFrame({"unit_id": ["U0", "U1"], "grid_id": ["G1", "G2"], "households": [300, 300]},
                            geometry=[box(X0 + 100, Y0 + 10, X0 + 190, Y0 + 100),
                                      box(X0 + 210, Y0 + 10, X0 + 300, Y0 + 100)], crs=UTM)
    plan.to_file(tmp_path / "plan.gpkg", layer="units")
    assert main(["-q", "editor", str(tmp_path / "plan.gpkg"), "--roads", str(osm),
                 "--out", str(tmp_path / "edit.html")]) == 0
    roads = _page_roads(tmp_path / "edit.html")
    # each road a line of two points (four numbers): the street and the trunk road
    assert sorted(len(r) for r in roads) == [4, 4]
    # the trunk road runs north: its step is in latitude (about 200 m, 0.0018°), none in longitude
    steps = sorted((abs(r[2]), abs(r[3])) for r in roads)
    assert steps[0][0] < steps[0][1] and steps[1][0] > steps[1][1]


# --------------------------------------------------- 2: what a coverage in metres says it used


@pytest.fixture(scope="module")
def street(tmp_path_factory) -> Path:
    """A street 1,000 m long (a line layer), a station at its west end and two homes of 10
    households beside it, 200 m and 600 m along: 300 m reaches one, 1,000 m both."""
    d = tmp_path_factory.mktemp("street")
    gpd.GeoDataFrame({"highway": ["residential"]}, geometry=[gpd.GeoSeries.from_wkt(
        [f"LINESTRING ({X0} {Y0}, {X0 + 1000} {Y0})"]).iloc[0]], crs=UTM).to_file(d / "in.gpkg", layer="roads")
    gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(X0, Y0 + 5)], crs=UTM).to_file(
        d / "in.gpkg", layer="stations")
    gpd.GeoDataFrame({"unit_id": ["H1", "H2"], "households": [10, 10]}, crs=UTM,
                     geometry=[Point(X0 + 200, Y0 + 5), Point(X0 + 600, Y0 + 5)]).to_file(d / "in.gpkg", layer="units")
    return d


def _coverage_line(d: Path, out: str, *bands: str, capsys) -> str:
    capsys.readouterr()
    assert main(["coverage", f"{d / 'in.gpkg'}:roads", f"{d / 'in.gpkg'}:stations", f"{d / 'in.gpkg'}:units",
                 "--no-isochrones", *bands, "--out", str(d / out)]) == 0
    return next(ln for ln in capsys.readouterr().out.splitlines() if "households covered" in ln)


def test_coverage_in_metres_says_its_bands_are_metres_walked_not_a_speed(street, capsys):
    # was: `spatial coverage --meters 300,1000` printed "speed 4 km/h; households covered: ...",
    # as if a speed had drawn the bands: a metre band is the metres walked, the speed only turns
    # them into walk_min
    line = _coverage_line(street, "m.gpkg", "--meters", "300,1000", capsys=capsys)
    assert line == ("bands by metres walked (--speed-kmh 4 gives walk_min only); households covered: "
                    "300m 50.0%, 1000m 100.0%")
    # minutes are walked at the speed: said as before
    line = _coverage_line(street, "t.gpkg", "--minutes", "5,15", "--speed-kmh", "3", capsys=capsys)
    assert line == "speed 3 km/h; households covered: 5min 50.0%, 15min 100.0%"


# ----------------------------------------- 3: --evaluate results.gpkg --gated-col: its units layer


@pytest.fixture(scope="module")
def estate_results(tmp_path_factory) -> Path:
    """Four 100 m units of 100 households in a row, estate 丽景苑 over U1 and U2 in a column
    named 小区名称, drawn by `spatial grids` in the band 200-200 into results.gpkg (layers grids,
    units, report)."""
    d = tmp_path_factory.mktemp("estate")
    gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(4)], "households": [100] * 4,
                      "小区名称": [None, "丽景苑", "丽景苑", None]},
                     geometry=[box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 100) for i in range(4)],
                     crs=UTM).to_file(d / "town.gpkg", layer="units")
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 100)], crs=UTM).to_file(
        d / "town.gpkg", layer="communities")
    assert main(["-q", "grids", f"{d / 'town.gpkg'}:communities", f"{d / 'town.gpkg'}:units", "--min", "200",
                 "--max", "200", "--out", str(d / "results.gpkg")]) == 0
    return d


@pytest.mark.parametrize("plan", ["results.gpkg", "results.gpkg:grids"])
def test_evaluating_a_results_file_with_its_units_estate_column_names_the_units_layer(estate_results, capsys,
                                                                                      plan):
    # was: "--gated-col: the plan's units have no column '小区名称' (they have: grid_id, ...,
    # four_bounds)": the grids layer was read, and its columns listed as the units'; nothing said
    # the units layer beside it has the column
    d = estate_results
    capsys.readouterr()
    out = d / f"{plan.replace(':', '_')}_s.gpkg"
    assert main(["grids", "--evaluate", str(d / plan), "--gated-col", "小区名称", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and not out.exists()
    assert (f"--gated-col: the grids read from '{d / plan}' have no column '小区名称'; its units layer has it: "
            f"score the units with --evaluate {d / 'results.gpkg'}:units") in err
    # as it says: the units scored, the estate named where the plan splits it (U0+U1 | U2+U3)
    assert main(["grids", "--evaluate", f"{d / 'results.gpkg'}:units", "--gated-col", "小区名称",
                 "--out", str(out)]) == 0
    assert "gated estates split between grids (1): 丽景苑" in capsys.readouterr().out


def test_a_gated_column_neither_layer_has_is_refused_as_before(estate_results, capsys):
    d = estate_results
    assert main(["grids", "--evaluate", str(d / "results.gpkg"), "--gated-col", "小区",
                 "--out", str(d / "none.gpkg")]) == 2
    assert "--gated-col: the plan's units have no column '小区' (they have: grid_id" in capsys.readouterr().err


# ------------------------------------------------------ 4: the stations' name column is optional


def _stations_row(path: Path) -> list[str]:
    """The cells of the stations' row of the input table in ``path`` (layer, geometry, required, optional)."""
    row = next(ln for ln in path.read_text(encoding="utf-8").splitlines()
               if ln.startswith("|") and "党群服务中心/站" in ln.split("|")[1])
    return [c.strip() for c in row.strip("|").split("|")]


@pytest.mark.parametrize("doc", ["README.md", "docs/layers.md"])
def test_the_docs_call_the_stations_name_optional_and_say_what_is_shown_without_it(doc):
    # was: `station_id`, `name` under "required columns", though every command runs without a name
    _, _, required, optional = _stations_row(ROOT / doc)
    assert required.split(" ")[0] == "`station_id`" and "`name`" not in required
    assert optional.startswith("`name` (without one") or optional.startswith("`name` (also found as")
    assert "`站点 S01` in the KMZ" in optional


def test_stations_without_a_name_are_scored_and_listed_by_their_ids(street, capsys):
    # the street's station S1 has no name column: the coverage runs, its load table lists it by id
    _coverage_line(street, "n.gpkg", "--meters", "1000", capsys=capsys)
    header = (street / "n_station_load.csv").read_text(encoding="utf-8-sig").splitlines()
    assert header[0].split(",")[0] == "station_id" and "name" not in header[0].split(",")
    assert header[1].startswith("S1,")


# ------------------------------------------------------- 5: bands given with spaces, as one types them


@pytest.mark.parametrize("tail", [["--meters", "300", "500", "1000"], ["--meters", "300,", "500,", "1000"]])
def test_bands_given_with_spaces_are_told_to_be_given_with_commas(street, capsys, tail):
    # was: "spatial coverage: error: unrecognized arguments: 500 1000", nothing said what to do
    d = street
    assert main(["coverage", f"{d / 'in.gpkg'}:roads", f"{d / 'in.gpkg'}:stations", f"{d / 'in.gpkg'}:units",
                 "--out", str(d / "sp.gpkg"), *tail]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and not (d / "sp.gpkg").exists()
    assert "give the bands in one argument, with commas: --meters 300,500,1000" in err
