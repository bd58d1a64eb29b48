"""Specification of the grids' four bounds (网格四至): the named line along each side, else what
lies across it, as a grid register writes "东至…，南至…，西至…，北至…"."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString

from spatial import CRSError, OptionError
from spatial.grids.four_bounds import EDGE, four_bounds

CRS = "EPSG:32650"


def row_of_three():
    """Grids A | B | C, 200 m squares side by side; streets along the north (y 205) and south
    (y -5) of the row, and a street along A's west (x -5)."""
    grids = gpd.GeoDataFrame({"grid_id": ["A", "B", "C"], "community_id": ["C1", "C1", "C1"]}, crs=CRS,
                             geometry=[shapely.box(200 * i, 0, 200 * (i + 1), 200) for i in range(3)],
                             index=[10, 11, 12])
    roads = gpd.GeoDataFrame({"name": ["红荔路", "['深南大道', '深南大道辅路']", "香蜜湖路"]}, crs=CRS,
                             geometry=[LineString([(-100, 205), (700, 205)]), LineString([(-100, -5), (700, -5)]),
                                       LineString([(-5, -100), (-5, 300)])])
    return grids, roads


def test_each_side_is_the_street_along_it_else_the_grid_across():
    grids, roads = row_of_three()
    out = four_bounds(grids, roads)
    assert out.loc[11, "four_bounds"] == "东至C网格，南至深南大道，西至A网格，北至红荔路"
    assert out.loc[10, ["east_bound", "south_bound", "west_bound", "north_bound"]].tolist() == [
        "B网格", "深南大道", "香蜜湖路", "红荔路"]
    # nothing along C's east side and nothing across it: the edge of the area drawn
    assert out.loc[12, "east_bound"] == EDGE == "辖区边界"
    assert list(out.index) == [10, 11, 12] and list(out.columns[:3]) == list(grids.columns)


def test_a_line_of_two_names_gives_both_once():
    # osmnx joins the names of the edges it merges into a list, which a network file's edges
    # store as '建业街;竹香二路' (OSM's own way of joining values); which part bears which name
    # is lost, so the side is named by both, joined by 、 as a 四至 writes two streets
    grids, roads = row_of_three()
    roads.loc[0, "name"] = "红荔路;红荔西路"
    roads.loc[1, "name"] = " ;深南大道辅路;深南大道"
    out = four_bounds(grids, roads)
    assert out["north_bound"].tolist() == ["红荔路、红荔西路"] * 3 and out["south_bound"].tolist() == ["深南大道"] * 3


def test_the_demo_s_network_gives_no_joined_names():
    # the demo's walking network, read as `spatial grids --roads` reads it (spatial.read_network)
    import spatial
    from spatial.datasets.embedded import demo_paths
    from spatial.network.graph import edges_frame
    from spatial.network.read import read_network

    demo = spatial.load_demo()
    edges = edges_frame(read_network(demo_paths()["network"], exclude_highways=(), keep_private=True, keep="all"))
    assert edges["name"].astype(str).str.contains(";").any()  # the file does hold merged names
    res = spatial.partition_grids(demo["units"], demo["communities"])
    out = four_bounds(res.grids, edges)
    sides = out[["east_bound", "south_bound", "west_bound", "north_bound"]].to_numpy().ravel()
    assert not any(";" in s or "[" in s or "'" in s for s in sides)
    assert any("、" in s for s in sides)  # a side along a merged street names both its streets


def test_a_cross_street_at_a_corner_does_not_name_the_side():
    # a street running north-south ends 10 m from A's north-east corner: it is across the
    # north side's end, not along it; the north side keeps 红荔路 and the east side the grid B
    grids, roads = row_of_three()
    cross = gpd.GeoDataFrame({"name": ["建业街"]}, crs=CRS, geometry=[LineString([(195, 210), (195, 400)])])
    roads = pd.concat([roads.iloc[[0]], cross], ignore_index=True)
    out = four_bounds(grids, roads)
    assert out.loc[10, ["east_bound", "north_bound"]].tolist() == ["B网格", "红荔路"]


def test_a_street_along_a_small_part_of_a_side_does_not_name_it():
    # a lane along 40 m of B's 200 m south side (20%): the side is named by what lies across
    grids, roads = row_of_three()
    lane = gpd.GeoDataFrame({"name": ["小巷"]}, crs=CRS, geometry=[LineString([(280, -4), (320, -4)])])
    assert four_bounds(grids, lane).loc[11, "south_bound"] == EDGE
    assert four_bounds(grids, lane, min_share=0.1).loc[11, "south_bound"] == "小巷"


def test_a_side_facing_another_community_says_its_name():
    grids, roads = row_of_three()
    grids.loc[12, "community_id"] = "C2"
    comms = gpd.GeoDataFrame({"community_id": ["C1", "C2"], "name": ["香蜜社区", "竹林社区"]}, crs=CRS,
                             geometry=[shapely.box(0, 0, 400, 200), shapely.box(400, 0, 600, 200)])
    out = four_bounds(grids, roads, communities=comms)
    assert out.loc[11, "east_bound"] == "竹林社区" and out.loc[12, "west_bound"] == "香蜜社区"
    assert four_bounds(grids, roads).loc[11, "east_bound"] == "C2社区"  # no names given: its id


def test_without_roads_sides_are_what_lies_across():
    grids, _ = row_of_three()
    out = four_bounds(grids)
    assert out.loc[11, "four_bounds"] == "东至C网格，南至辖区边界，西至A网格，北至辖区边界"


def test_roads_in_degrees_and_a_river_drawn_as_an_area_are_read():
    grids, roads = row_of_three()
    river = gpd.GeoDataFrame({"名称": ["深圳河"]}, crs=CRS, geometry=[shapely.box(-100, -60, 700, -2)])
    out = four_bounds(grids, river.to_crs(4326))
    assert out["south_bound"].tolist() == ["深圳河"] * 3


def test_no_crs_and_bad_options_are_refused():
    grids, roads = row_of_three()
    with pytest.raises(CRSError):
        four_bounds(grids.set_crs(None, allow_override=True), roads)
    with pytest.raises(OptionError, match="reach_m must be a number over 0"):
        four_bounds(grids, roads, reach_m=-1)
    with pytest.raises(OptionError, match="min_share must be a number over 0 and at most 1"):
        four_bounds(grids, roads, min_share=30)
    with pytest.raises(ValueError, match="'roads' has no column '路名'"):
        four_bounds(grids, roads, name_col="路名")


def test_on_futian_every_street_named_lies_along_that_side(tmp_path):
    # the demo's grids on real OSM streets (futian_walk.graphml, © OpenStreetMap contributors):
    # checked against the raw GraphML read by networkx, not by this package: a side named by a
    # street has an edge of that name within 30 m of the grid, on that side of the grid's middle
    import networkx as nx

    import spatial
    from spatial.datasets.embedded import demo_paths

    demo = spatial.load_demo()
    g = nx.read_graphml(demo_paths()["network"])
    xy = {n: (float(d["x"]), float(d["y"])) for n, d in g.nodes(data=True)}
    rows = []
    for u, v, d in g.edges(data=True):
        if "name" not in d:
            continue
        geom = shapely.from_wkt(d["geometry"]) if "geometry" in d else LineString([xy[u], xy[v]])
        for name in d["name"].strip("[]").replace("'", "").split(", "):
            rows.append({"name": name.removesuffix("辅路") if len(name) > 2 else name, "geometry": geom})
    raw = gpd.GeoDataFrame(rows, crs=4326).to_crs(CRS)
    res = spatial.partition_grids(demo["units"], demo["communities"])
    out = four_bounds(res.grids, gpd.GeoDataFrame(rows, crs=4326)).to_crs(CRS)
    checked = 0
    for _, grid in out.iterrows():
        mid = grid.geometry.centroid
        for side, sign, axis in (("east", 1, 0), ("south", -1, 1), ("west", -1, 0), ("north", 1, 1)):
            name = grid[f"{side}_bound"]
            if name == EDGE or name.endswith("网格") or name.endswith("社区"):
                continue
            for one in name.split("、"):  # (a side along two streets names both)
                near = raw[(raw["name"] == one) & (raw.distance(grid.geometry.boundary) <= 30)]
                assert len(near), (grid["grid_id"], side, one)
                pts = shapely.get_coordinates(shapely.intersection(near.geometry.to_numpy(),
                                                                   grid.geometry.boundary.buffer(30)))
                assert (sign * (pts[:, axis] - (mid.x, mid.y)[axis]) > 0).any(), (grid["grid_id"], side, one)
            checked += 1
    assert checked > 0.4 * 4 * len(out)  # most sides of the demo's grids lie along named streets
    assert np.isin(out["four_bounds"].str.count("至"), [4]).all()


def test_an_empty_grid_gets_no_sides_and_the_others_theirs():
    grids, roads = row_of_three()
    grids.loc[11, "geometry"] = shapely.Polygon()
    out = four_bounds(grids, roads)
    assert out.loc[11, "four_bounds"] == "东至辖区边界，南至辖区边界，西至辖区边界，北至辖区边界"
    assert out.loc[10, "north_bound"] == "红荔路" and out.loc[12, "south_bound"] == "深南大道"


def test_spatial_grids_writes_the_four_bounds_and_the_map_shows_them(tmp_path):
    from spatial.cli import main
    from spatial.maps.interactive import grid_map

    grids, roads = row_of_three()
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(12)], "households": [100] * 12}, crs=CRS,
                             geometry=[shapely.box(50 * i, 0, 50 * (i + 1), 200) for i in range(12)])
    comm = gpd.GeoDataFrame({"community_id": ["C1"], "name": ["香蜜社区"]}, crs=CRS, geometry=[shapely.box(0, 0, 600, 200)])
    for name, frame in (("units", units), ("comm", comm), ("roads", roads)):
        frame.to_file(tmp_path / f"{name}.gpkg")
    out = tmp_path / "g.gpkg"
    assert main(["-q", "grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--grids", "3",
                 "--roads", str(tmp_path / "roads.gpkg"), "--out", str(out)]) == 0
    written = gpd.read_file(out, layer="grids").sort_values("grid_id")
    assert written["north_bound"].tolist() == ["红荔路"] * 3 and written["south_bound"].tolist() == ["深南大道"] * 3
    assert written["four_bounds"].iloc[0] == "东至C1-02网格，南至深南大道，西至香蜜湖路，北至红荔路"
    page = grid_map(written, communities=comm).get_root().render()
    assert "四至" in page and "东至C1-02网格" in page


def test_the_kmz_for_a_grid_worker_s_phone_says_each_grid_s_four_bounds(tmp_path):
    import zipfile

    from spatial.maps.kmz import results_kmz

    grids, roads = row_of_three()
    path = results_kmz(tmp_path / "网格.kmz", {"grids": four_bounds(grids, roads)})
    with zipfile.ZipFile(path) as kmz:
        text = kmz.read("doc.kml").decode("utf-8")
    assert "四至" in text and "东至C网格，南至深南大道，西至A网格，北至红荔路" in text


def test_sides_are_read_against_true_north_whatever_the_crs():
    """A square grid turned 45.6° (from true north), a named street along each side, at Futian.
    UTM 50N's grid north is 1.14° east of true north there, so in UTM the side facing 45.6° faced
    44.5° and was read as the east side; from EPSG:4547 (a Gauss-Krüger zone on 114°E) as the
    north. Now the sides are the same from UTM, the Gauss-Krüger zone and degrees."""
    from pyproj import Transformer

    x0, y0 = Transformer.from_crs(4326, 4547, always_xy=True).transform(114.02, 22.54)
    turn = np.radians(45.6)
    rot = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    corners = np.array([[-100.0, -100], [100, -100], [100, 100], [-100, 100]]) @ rot.T + [x0, y0]
    grid = gpd.GeoDataFrame({"grid_id": ["A"], "community_id": ["C1"]}, geometry=[shapely.Polygon(corners)],
                            crs="EPSG:4547")
    lines, names = [], ["北边路", "西边路", "南边路", "东边路"]  # outward normals at 45.6°, 135.6°, ...
    for i in range(4):
        a, b = np.array([[105.0, -120], [105, 120]]) @ np.array([[np.cos(turn + i * np.pi / 2),
                                                                   -np.sin(turn + i * np.pi / 2)],
                                                                  [np.sin(turn + i * np.pi / 2),
                                                                   np.cos(turn + i * np.pi / 2)]]).T + [x0, y0]
        lines.append(LineString([a, b]))
    roads = gpd.GeoDataFrame({"name": names}, geometry=lines, crs="EPSG:4547")
    cols = ["east_bound", "south_bound", "west_bound", "north_bound"]
    got = {crs: four_bounds(grid.to_crs(crs), roads.to_crs(crs))[cols].iloc[0].tolist()
           for crs in ("EPSG:4547", "EPSG:32650", "EPSG:4326")}
    assert got["EPSG:4547"] == ["东边路", "南边路", "西边路", "北边路"]
    assert got["EPSG:32650"] == got["EPSG:4326"] == got["EPSG:4547"]
