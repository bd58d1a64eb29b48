"""``spatial run`` draws its grids along the roads ``spatial grids --roads`` reads from the same
network file: every road class (the trunk road, 干道, that walks leave out), arterials weighted as
the borders grids want most; the walks stay those of the walking network.

The scene: one community of 4 x 4 blocks of 100 m (50 households each: two grids of 400), a trunk
road down its middle (x = 200 m, not walkable), a footway across it (y = 200 m, walkable), and
residential streets round it. A grid border along the trunk road costs 400 m at a tenth, along the
footway 400 m at a fifth: a planner's grids are the west and east halves, split at the 干道.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from spatial import run_project
from spatial.cli import main

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 2_490_000.0
OUT = "[outputs]\nmaps = false\nworkbook = false\npng = false\nkml = false\n"


def _scene(d: Path) -> Path:
    """The community, its 16 units, one station and the network (a line layer with OSM's
    ``highway`` and ``name``) in ``d/in.gpkg``; returns the file."""
    path = d / "in.gpkg"
    gpd.GeoDataFrame({"community_id": ["C1"], "street": ["S1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 400)],
                     crs=UTM).to_file(path, layer="communities")
    cells = [(i, j) for j in range(4) for i in range(4)]
    gpd.GeoDataFrame({"unit_id": [f"U{i}{j}" for i, j in cells], "community_id": "C1", "households": 50,
                      "population": 120},
                     geometry=[box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
                               for i, j in cells], crs=UTM).to_file(path, layer="units")
    gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(X0 + 50, Y0 - 10)], crs=UTM).to_file(
        path, layer="stations")
    x1, y1 = X0 + 400, Y0 + 400
    lines = [  # the ring of residential streets, cut where the trunk road and the footway meet it
        ("residential", "南环路", [(X0, Y0), (X0 + 200, Y0)]), ("residential", "南环路", [(X0 + 200, Y0), (x1, Y0)]),
        ("residential", "北环路", [(X0, y1), (X0 + 200, y1)]), ("residential", "北环路", [(X0 + 200, y1), (x1, y1)]),
        ("residential", "西环路", [(X0, Y0), (X0, Y0 + 200)]), ("residential", "西环路", [(X0, Y0 + 200), (X0, y1)]),
        ("residential", "东环路", [(x1, Y0), (x1, Y0 + 200)]), ("residential", "东环路", [(x1, Y0 + 200), (x1, y1)]),
        ("trunk", "中轴大道", [(X0 + 200, Y0), (X0 + 200, y1)]),
        ("footway", "", [(X0, Y0 + 200), (x1, Y0 + 200)]),
    ]
    gpd.GeoDataFrame({"highway": [h for h, _, _ in lines], "name": [n for _, n, _ in lines]},
                     geometry=[LineString(c) for _, _, c in lines], crs=UTM).to_file(path, layer="roads")
    return path


def _project(d: Path, gpkg: Path, *, plan: Path | None = None, roads: str = "") -> Path:
    net = f'network = {{ path = "{gpkg}", layer = "roads" }}\n'
    extra = f'plan = "{plan}"\n' if plan else ""
    text = (f'[project]\nname = "t"\noutput = "out"\n[inputs]\n{net}{roads}{extra}'
            f'communities = {{ path = "{gpkg}", layer = "communities" }}\n'
            f'units = {{ path = "{gpkg}", layer = "units" }}\n'
            f'stations = {{ path = "{gpkg}", layer = "stations" }}\n'
            '[grids]\nmin_households = 300\nmax_households = 500\nbalance = "band"\ncode_layout = "cjt349"\n'
            f'[coverage]\nminutes = [5, 10, 15]\nspeed_kmh = 4.0\n{OUT}')
    path = d / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _halves(units: pd.DataFrame) -> set[frozenset]:
    """The plan as sets of unit ids (labels aside)."""
    return {frozenset(g["unit_id"]) for _, g in units.groupby("grid_id")}


WEST = frozenset(f"U{i}{j}" for i in (0, 1) for j in range(4))
EAST = frozenset(f"U{i}{j}" for i in (2, 3) for j in range(4))


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> Path:
    return _scene(tmp_path_factory.mktemp("roads_scene"))


@pytest.fixture(scope="module")
def run(tmp_path_factory, scene) -> dict:
    d = tmp_path_factory.mktemp("roads_run")
    return run_project(_project(d, scene), out_dir=d / "out").layers


def test_the_run_draws_its_grid_borders_along_the_trunk_road(run):
    # was: the run gave the grids the walking network (no trunk road) and cut along the footway:
    # {U00..U31} south and north halves, the 干道 running through both grids
    assert _halves(run["units"]) == {WEST, EAST}
    assert (run["grids"]["road_share"] == 1.0).all()


def test_the_run_and_spatial_grids_roads_draw_one_plan_from_one_network_file(run, scene, tmp_path):
    out = tmp_path / "grids.gpkg"
    # the network file (a GeoPackage of road lines) as --roads
    lines = gpd.read_file(scene, layer="roads")
    lines.to_file(tmp_path / "roads.gpkg", layer="roads")
    assert main(["-q", "grids", f"{scene}:communities", f"{scene}:units", "--roads", str(tmp_path / "roads.gpkg"),
                 "--out", str(out), "--min", "300", "--max", "500", "--balance", "band"]) == 0
    cli = gpd.read_file(out, layer="units")
    assert _halves(cli) == _halves(run["units"]) == {WEST, EAST}
    # the 四至 name the trunk road on the side along it, as spatial grids names it
    west = run["grids"].set_index(run["grids"]["grid_id"]).loc[run["units"].set_index("unit_id").at["U00", "grid_id"]]
    assert west["east_bound"].startswith("中轴大道")


def test_the_walks_are_those_of_the_walking_network(run, scene):
    # the trunk road is never walked: the run's walks are spatial.walking_coverage's on the walking read
    from spatial import read_network, walking_coverage

    net = read_network(scene, layer="roads")
    assert "trunk" not in set(net.edges_layer()["highway"])
    units = gpd.read_file(scene, layer="units")
    ref = walking_coverage(units, gpd.read_file(scene, layer="stations"), net, minutes=[5, 10, 15], speed_kmh=4.0)
    got = run["coverage_demand"].set_index("unit_id").loc[ref["unit_id"]]
    np.testing.assert_array_equal(got["walk_m"].to_numpy(), ref["walk_m"].to_numpy())


def test_the_report_says_which_roads_the_grids_follow(run):
    report = run["report"]
    said = report[report["problem"].astype(str).str.contains("grid borders follow")]
    assert len(said) == 1
    assert "in.gpkg" in said["problem"].iloc[0] and "trunk roads too" in said["problem"].iloc[0]


def test_read_roads_keeps_the_trunk_road_the_walking_read_drops(scene):
    from spatial import read_network, read_roads

    walk = set(read_network(scene, layer="roads").edges_layer()["highway"])
    roads = read_roads(scene, layer="roads").edges_layer()
    assert "trunk" not in walk and "trunk" in set(roads["highway"])
    assert roads.loc[roads["highway"] == "trunk", "length_m"].sum() == pytest.approx(400.0)


def _osm(lines: gpd.GeoDataFrame, path: Path) -> Path:
    """The road lines as an OSM XML file (nodes shared where lines meet), as a download gives them."""
    ll = lines.to_crs(4326)
    ids: dict = {}
    ways = []
    for k, (hw, name, geom) in enumerate(zip(ll["highway"], ll["name"], ll.geometry), start=1):
        refs = [ids.setdefault((round(x, 7), round(y, 7)), len(ids) + 1) for x, y in geom.coords]
        tags = f'<tag k="highway" v="{hw}"/>' + (f'<tag k="name" v="{name}"/>' if name else "")
        ways.append(f'<way id="{k}">' + "".join(f'<nd ref="{r}"/>' for r in refs) + tags + "</way>")
    nodes = [f'<node id="{i}" lat="{y}" lon="{x}"/>' for (x, y), i in ids.items()]
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">' + "".join(nodes + ways) + "</osm>",
                    encoding="utf-8")
    return path


def test_a_network_file_as_the_projects_roads_input_is_read_as_spatial_grids_roads_reads_it(scene, tmp_path):
    # was: [inputs] roads = "net.osm" refused ("cannot read '.osm' files"), where spatial grids --roads net.osm
    # reads it; now its every road is a border, the trunk road first
    osm = _osm(gpd.read_file(scene, layer="roads"), tmp_path / "net.osm")
    text = (f'[project]\nname = "t"\noutput = "out"\n[inputs]\nroads = "{osm}"\n'
            f'communities = {{ path = "{scene}", layer = "communities" }}\n'
            f'units = {{ path = "{scene}", layer = "units" }}\n'
            f'[grids]\nmin_households = 300\nmax_households = 500\n{OUT}')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    layers = run_project(tmp_path / "p.toml", out_dir=tmp_path / "out").layers
    assert _halves(layers["units"]) == {WEST, EAST}
    assert "trunk" in set(layers["roads"]["highway"])


def test_a_redraw_in_a_run_names_the_trunk_road_along_its_grids(scene, tmp_path):
    # was: a run redrawing a plan read the walking network as its roads: the west grid's east side,
    # along the 干道, was said as "东至G2网格"
    plan = pd.DataFrame({"unit_id": sorted(WEST | EAST), "grid_id": ["G1" if u in WEST else "G2"
                                                                      for u in sorted(WEST | EAST)]})
    plan.to_csv(tmp_path / "plan.csv", index=False)
    text = _project(tmp_path, scene, plan=tmp_path / "plan.csv").read_text(encoding="utf-8")
    (tmp_path / "p.toml").write_text(text.replace('balance = "band"\n', ""), encoding="utf-8")
    layers = run_project(tmp_path / "p.toml", out_dir=tmp_path / "out").layers
    assert _halves(layers["units"]) == {WEST, EAST} and len(layers["moves"]) == 0
    grids = layers["grids"].set_index("grid_id")
    assert grids.at["G1", "east_bound"].startswith("中轴大道") and grids.at["G2", "west_bound"].startswith("中轴大道")
