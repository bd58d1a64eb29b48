"""Walking time on slopes: a DEM (or node elevations) makes walks directed by Tobler's function.

References are computed here by hand from the slope and the distance (or by networkx on a graph
built from the raw elevations), never from the project's own edge costs.
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from affine import Affine

from spatial.core.errors import CRSError, InputFileError, SpatialError
from spatial.coverage.walks import walking_coverage
from spatial.network.elevation import NODATA, OUTSIDE_DEM, STEPS_FACTOR, edge_times, tobler_factor
from spatial.network.graph import network_from_arrays
from spatial.network.read import read_network

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 2_500_000.0
SPEED = 4.0
M_PER_MIN = SPEED * 1000 / 60


def tobler_by_hand(slope: float) -> float:
    """Tobler's hiking function over its value on the flat: 6 exp(-3.5 |S + 0.05|) / 6 exp(-0.175)."""
    return (6 * math.exp(-3.5 * abs(slope + 0.05))) / (6 * math.exp(-3.5 * 0.05))


def write_dem(path, z_of_xy, *, crs="EPSG:4326", bounds_utm=(X0 - 300, Y0 - 300, X0 + 1300, Y0 + 300),
              cell=0.0001, nodata=-9999.0, mask=None):
    """A GeoTIFF in ``crs`` (cells ``cell`` wide in its units) over ``bounds_utm`` (UTM 50N), each
    cell holding ``z_of_xy`` of its centre's UTM coordinates; cells where ``mask`` is true hold nodata."""
    to_dem = pyproj.Transformer.from_crs(UTM, crs, always_xy=True)
    to_utm = pyproj.Transformer.from_crs(crs, UTM, always_xy=True)
    xs, ys = to_dem.transform([bounds_utm[0], bounds_utm[2]], [bounds_utm[1], bounds_utm[3]])
    left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
    w, h = int(math.ceil((right - left) / cell)), int(math.ceil((top - bottom) / cell))
    cx, cy = np.meshgrid(left + (np.arange(w) + 0.5) * cell, top - (np.arange(h) + 0.5) * cell)
    ux, uy = to_utm.transform(cx, cy)
    z = np.asarray(z_of_xy(ux, uy), dtype="float32")
    if mask is not None:
        z[mask(ux, uy)] = nodata
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="float32", crs=crs,
                       transform=Affine(cell, 0, left, 0, -cell, top), nodata=nodata) as dst:
        dst.write(z, 1)
    return path


def street(length_m=1000.0, step_m=100.0, highway=None):
    """A straight street along x from (X0, Y0), nodes every ``step_m``."""
    xs = X0 + np.arange(0, length_m + 1, step_m)
    xy = np.column_stack([xs, np.full(len(xs), Y0)])
    u = np.arange(len(xs) - 1)
    return network_from_arrays(xy, u, u + 1, crs=UTM, highway=highway)


def points(xy, **cols):
    return gpd.GeoDataFrame(cols, geometry=shapely.points(np.asarray(xy, float)), crs=UTM)


def climbing(x, y):
    """8% up towards the east."""
    return 100.0 + 0.08 * (x - X0)


@pytest.fixture(scope="module")
def hill_dem(tmp_path_factory):
    return write_dem(tmp_path_factory.mktemp("dem") / "climb8.tif", climbing)


def test_tobler_is_normalised_to_the_flat_speed_and_fastest_slightly_downhill():
    s = np.array([-0.2, -0.08, -0.05, 0.0, 0.08, 0.2])
    got = tobler_factor(s)
    assert got == pytest.approx([tobler_by_hand(x) for x in s], rel=1e-12)
    assert tobler_factor(0.0) == 1.0 and np.argmax(got) == 2


def test_street_climbing_8_percent_matches_tobler_both_ways(hill_dem):
    net = street()
    station = points([[X0 + 500, Y0 + 5]], station_id=["S"])
    hx = np.array([10.0, 150, 250, 333, 470, 530, 640, 820, 990])
    homes = points(np.column_stack([X0 + hx, np.full(len(hx), Y0 - 20)]), households=np.ones(len(hx)))
    got = walking_coverage(homes, station, net, dem=hill_dem, speed_kmh=SPEED)
    # by hand: a flat 20 m leg to the street, then along it; uphill towards the station from the
    # west (rise 8 m per 100 m), downhill from the east; the station's own 5 m leg is flat too
    along = np.abs(hx - 500)
    slope = np.where(hx < 500, 0.08, -0.08)
    ref_min = (20 + 5) / M_PER_MIN + along / (M_PER_MIN * np.array([tobler_by_hand(s) for s in slope]))
    assert got["walk_min"].to_numpy() == pytest.approx(ref_min, rel=0.03)
    assert got["walk_m"].to_numpy() == pytest.approx(along + 25, abs=1e-6)
    # uphill walks are slower than downhill ones of the same length
    up = got.loc[hx == 470, "walk_min"].item()
    down = got.loc[hx == 530, "walk_min"].item()
    assert up > down
    # minute bands use the times: 275 m walked uphill is beyond 5 minutes (333 m on the flat),
    # 345 m walked downhill within them
    flat = walking_coverage(homes, station, net, speed_kmh=SPEED)
    assert flat.loc[np.isin(hx, [250, 820]), "band"].tolist() == ["5min", "10min"]
    assert got.loc[np.isin(hx, [250, 820]), "band"].tolist() == ["10min", "5min"]


def test_dem_in_its_own_metric_crs_gives_the_same_walks(tmp_path, hill_dem):
    utm_dem = write_dem(tmp_path / "utm.tif", climbing, crs=UTM, cell=5.0)
    net = street()
    station = points([[X0 + 500, Y0]], station_id=["S"])
    homes = points([[X0 + 100, Y0 + 10], [X0 + 900, Y0 + 10]], households=[1, 1])
    a = walking_coverage(homes, station, net, dem=hill_dem)
    b = walking_coverage(homes, station, net, dem=utm_dem)
    assert a["walk_min"].to_numpy() == pytest.approx(b["walk_min"].to_numpy(), rel=0.005)


def test_flat_dem_and_no_dem_give_the_same_answers(tmp_path):
    rng = np.random.default_rng(3)
    side = 12
    xs, ys = np.meshgrid(np.arange(side) * 80.0, np.arange(side) * 80.0)
    xy = np.column_stack([xs.ravel(), ys.ravel()]) + rng.normal(0, 6, (side * side, 2)) + [X0, Y0]
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    net = network_from_arrays(xy, u, v, crs=UTM)
    dem = write_dem(tmp_path / "flat.tif", lambda x, y: np.full(np.shape(x), 42.0),
                    bounds_utm=(X0 - 200, Y0 - 200, X0 + 1100, Y0 + 1100))
    stations = points(xy[[5, 70, 130]] + [3, 4], station_id=["a", "b", "c"])
    homes = points(xy[rng.integers(0, len(xy), 200)] + rng.normal(0, 25, (200, 2)), households=np.ones(200))
    for bands in ({"minutes": (5, 10, 15)}, {"meters": (300, 500, 1000)}):
        flat = walking_coverage(homes, stations, net, **bands)
        hilly = walking_coverage(homes, stations, net, dem=dem, **bands)
        for col in ("walk_m", "walk_min"):
            assert hilly[col].to_numpy() == pytest.approx(flat[col].to_numpy(), rel=1e-9)
        assert hilly["band"].tolist() == flat["band"].tolist()
        assert hilly["nearest_station"].tolist() == flat["nearest_station"].tolist()


def test_distance_bands_stay_distances_and_walk_min_is_the_time_of_that_walk(hill_dem):
    net = street()
    station = points([[X0 + 500, Y0]], station_id=["S"])
    homes = points([[X0 + 200, Y0], [X0 + 800, Y0]], households=[1, 1])
    flat = walking_coverage(homes, station, net, meters=(300, 500, 1000))
    hilly = walking_coverage(homes, station, net, meters=(300, 500, 1000), dem=hill_dem)
    assert hilly["walk_m"].tolist() == pytest.approx(flat["walk_m"].tolist())
    assert hilly["band"].tolist() == flat["band"].tolist() == ["300m", "300m"]
    assert hilly["walk_min"].tolist() == pytest.approx(
        [300 / M_PER_MIN / tobler_by_hand(0.08), 300 / M_PER_MIN / tobler_by_hand(-0.08)], rel=0.03)


def test_random_hills_match_a_networkx_reference_built_from_the_raw_elevations():
    """Node elevations in a graph (as osmnx adds them): quickest walk home -> station by networkx."""
    rng = np.random.default_rng(7)
    side = 9
    g = nx.MultiDiGraph(crs=UTM)
    for i in range(side):
        for j in range(side):
            g.add_node(i * side + j, x=X0 + 70.0 * j + rng.normal(0, 5), y=Y0 + 70.0 * i + rng.normal(0, 5),
                       elevation=float(rng.uniform(0, 12)))
    for i in range(side):
        for j in range(side):
            a = i * side + j
            for b in ([a + 1] if j + 1 < side else []) + ([a + side] if i + 1 < side else []):
                g.add_edge(a, b, highway="residential")
    net = read_network(g)
    ref = nx.DiGraph()
    for a, b in g.edges():
        pa, pb = g.nodes[a], g.nodes[b]
        length = math.hypot(pb["x"] - pa["x"], pb["y"] - pa["y"])
        rise = pb["elevation"] - pa["elevation"]
        ref.add_edge(a, b, t=length / tobler_by_hand(rise / length), m=length)
        ref.add_edge(b, a, t=length / tobler_by_hand(-rise / length), m=length)
    station_nodes = [10, 58, 76]
    # walks from the homes to the stations: search from the stations on the reversed graph
    cost, paths = nx.multi_source_dijkstra(ref.reverse(), station_nodes, weight="t")
    nodes = sorted(cost)
    stations = points([[g.nodes[s]["x"], g.nodes[s]["y"]] for s in station_nodes], station_id=station_nodes)
    homes = points([[g.nodes[h]["x"], g.nodes[h]["y"]] for h in nodes], households=np.ones(len(nodes)))
    got = walking_coverage(homes, stations, net, dem=g, speed_kmh=SPEED)
    assert got["walk_min"].to_numpy() == pytest.approx([cost[h] / M_PER_MIN for h in nodes], rel=1e-9, abs=1e-9)
    metres = [sum(ref[a][b]["m"] for a, b in zip(paths[h][:-1], paths[h][1:])) for h in nodes]
    assert got["walk_m"].to_numpy() == pytest.approx(metres, rel=1e-9, abs=1e-9)
    assert got["nearest_station"].tolist() == [paths[h][0] for h in nodes]
    # uphill and downhill differ: the graph is really directed
    assert not np.allclose(edge_times(net, g).forward_m, edge_times(net, g).backward_m)


def test_steps_are_slower_by_the_documented_factor(tmp_path):
    flat_dem = write_dem(tmp_path / "flat.tif", lambda x, y: np.zeros(np.shape(x)))
    net = street(highway=np.array(["footway"] * 4 + ["steps"] + ["footway"] * 5, dtype=object))
    station = points([[X0, Y0]], station_id=["S"])
    home = points([[X0 + 1000, Y0]], households=[1])
    got = walking_coverage(home, station, net, dem=flat_dem)
    assert got["walk_min"].item() == pytest.approx((900 + 100 * STEPS_FACTOR) / M_PER_MIN)
    slower = walking_coverage(home, station, net, dem=edge_times(net, flat_dem, steps_factor=3.0))
    assert slower["walk_min"].item() == pytest.approx((900 + 300) / M_PER_MIN)
    assert walking_coverage(home, station, net)["walk_min"].item() == pytest.approx(1000 / M_PER_MIN)


def test_edges_outside_the_dem_and_on_nodata_are_reported_and_walked_flat(tmp_path):
    # the DEM covers x < X0 + 750 only, and holds nodata around the node at x = X0 + 200 (a void
    # inside an edge, with heights on both sides of it, is filled: tests/test_outside_hills4.py)
    dem = write_dem(tmp_path / "part.tif", climbing, bounds_utm=(X0 - 300, Y0 - 300, X0 + 750, Y0 + 300),
                    mask=lambda x, y: np.abs(x - (X0 + 200)) < 30)
    net = street()
    times = edge_times(net, dem)
    rep = times.report
    assert rep.loc[0, "layer"] == "dem" and "of edges" in rep.loc[0, "problem"]
    assert "EPSG:4326" in rep.loc[0, "problem"]
    flat = rep.iloc[1:]
    assert set(flat["action"]) == {"walked flat"}
    assert dict(zip(flat["row_id"], flat["problem"])) == {
        "1-2": NODATA, "2-3": NODATA, "7-8": OUTSIDE_DEM, "8-9": OUTSIDE_DEM, "9-10": OUTSIDE_DEM}
    assert times.share == pytest.approx(5 / 10)
    on = times.has_elevation
    assert (times.forward_m[~on] == net.length_m[~on]).all() and (times.forward_m[on] > net.length_m[on]).all()


def test_bad_dems_fail_with_a_message_naming_the_file(tmp_path):
    net = street()
    no_crs = tmp_path / "nocrs.tif"
    with rasterio.open(no_crs, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32",
                       transform=Affine(300, 0, X0, 0, -50, Y0 + 100)) as dst:
        dst.write(np.zeros((4, 4), "float32"), 1)
    with pytest.raises(CRSError, match=r"nocrs\.tif has no CRS"):
        edge_times(net, no_crs)
    elsewhere = write_dem(tmp_path / "elsewhere.tif", climbing,
                          bounds_utm=(X0 + 50_000, Y0, X0 + 51_000, Y0 + 1_000))
    with pytest.raises(SpatialError, match=r"elsewhere\.tif does not cover the network"):
        edge_times(net, elsewhere)
    corrupt = tmp_path / "corrupt.tif"
    corrupt.write_bytes(b"II*\x00" + bytes(range(256)) * 4)
    with pytest.raises(InputFileError, match=r"cannot read DEM .*corrupt\.tif"):
        edge_times(net, corrupt)
    with pytest.raises(InputFileError, match=r"missing\.tif does not exist"):
        edge_times(net, tmp_path / "missing.tif")
    all_nodata = write_dem(tmp_path / "nodata.tif", climbing, mask=lambda x, y: np.ones(np.shape(x), bool))
    with pytest.raises(SpatialError, match=r"nodata\.tif gives no elevation to any edge"):
        edge_times(net, all_nodata)
    nan_dem = write_dem(tmp_path / "nan.tif", lambda x, y: np.where(x < X0 + 450, np.nan, climbing(x, y)))
    assert 0 < edge_times(net, nan_dem).share < 1
    with pytest.raises(SpatialError, match="steps_factor"):
        edge_times(net, nan_dem, steps_factor=0.5)


def test_isochrones_reach_farther_where_the_walk_to_the_station_is_downhill(hill_dem):
    from spatial.coverage.service_areas import isochrones

    net = street()
    station = points([[X0 + 500, Y0]], station_id=["S"])
    flat = isochrones(station, net, minutes=[5], cell_m=5.0, simplify_m=0)
    hilly = isochrones(station, net, minutes=[5], cell_m=5.0, simplify_m=0, dem=hill_dem)
    reach = 5 * M_PER_MIN  # 333 m on the flat
    # homes west of the station walk uphill to it, homes east of it downhill
    west, _, east, _ = hilly.geometry.iloc[0].bounds
    assert X0 + 500 - west == pytest.approx(reach * tobler_by_hand(0.08), abs=8)
    assert east - (X0 + 500) == pytest.approx(reach * tobler_by_hand(-0.08), abs=8)
    fw, _, fe, _ = flat.geometry.iloc[0].bounds
    assert X0 + 500 - fw == pytest.approx(reach, abs=8) and fe - (X0 + 500) == pytest.approx(reach, abs=8)
    # distance bands stay distances
    by_m = isochrones(station, net, meters=[300], cell_m=5.0, simplify_m=0, dem=hill_dem)
    assert by_m.geometry.iloc[0].equals(isochrones(station, net, meters=[300], cell_m=5.0, simplify_m=0).geometry.iloc[0])


def test_siting_counts_the_same_times_as_the_coverage(hill_dem):
    from spatial.siting.sites import site_stations

    net = street()
    hx = np.arange(20.0, 1000, 40)
    homes = points(np.column_stack([X0 + hx, np.full(len(hx), Y0 + 15)]), households=np.ones(len(hx)),
                   unit_id=np.arange(len(hx)))
    result = site_stations(homes, None, net, k=1, band="5min", dem=hill_dem, exact=False)
    site = result.sites.to_crs(UTM)
    served = walking_coverage(homes, site.assign(station_id=site["site_id"]), net, minutes=[5], dem=hill_dem)
    assert result.demand["covered_after"].tolist() == (served["band"] == "5min").tolist()
    flat = site_stations(homes, None, net, k=1, band="5min", exact=False)
    # on the slope fewer homes lie within 5 minutes of one site than on the flat
    assert result.demand["covered_after"].sum() < flat.demand["covered_after"].sum()


def test_cli_dem_option_reports_and_bad_dems_are_one_line(tmp_path, capsys):
    from spatial.cli import main

    net = street()
    lines = gpd.GeoDataFrame({"highway": ["footway"] * net.n_edges}, geometry=net.geometry, crs=UTM)
    lines.to_file(tmp_path / "street.gpkg")
    points([[X0 + 500, Y0]], station_id=["S"], name=["山顶站"]).to_file(tmp_path / "stations.gpkg")
    points([[X0 + 250, Y0 + 10], [X0 + 820, Y0 + 10]], households=[10, 20], unit_id=["w", "e"]).to_file(
        tmp_path / "homes.gpkg")
    dem = write_dem(tmp_path / "hill.tif", climbing)
    args = [str(tmp_path / f) for f in ("street.gpkg", "stations.gpkg", "homes.gpkg")]
    out = tmp_path / "out.gpkg"
    assert main(["coverage", *args, "--out", str(out), "--dem", str(dem)]) == 0
    assert "elevations on 100.0% of edges" in capsys.readouterr().out
    demand = gpd.read_file(out, layer="demand")
    assert demand["band"].tolist() == ["10min", "5min"]
    report = gpd.read_file(out, layer="report")
    assert (report["layer"] == "dem").sum() == 1
    # the map states the slope model next to the walking speed
    html = tmp_path / "map.html"
    assert main(["map", "--coverage", str(out), "--out", str(html)]) == 0
    text = html.read_text(encoding="utf-8")
    assert "坡度模型：步行时间按 Tobler" in text and "100.0% 的路段有高程" in text  # the Chinese map in Chinese
    elsewhere = write_dem(tmp_path / "elsewhere.tif", climbing, bounds_utm=(X0 + 90_000, Y0, X0 + 91_000, Y0 + 500))
    corrupt = tmp_path / "corrupt.tif"
    corrupt.write_bytes(b"not a tiff at all")
    for bad, says in ((elsewhere, "does not cover the network"), (corrupt, "cannot read DEM")):
        assert main(["coverage", *args, "--out", str(tmp_path / "bad.gpkg"), "--dem", str(bad)]) == 2
        err = capsys.readouterr().err.strip()
        assert says in err and str(bad.name) in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_dask_parts_read_their_own_window_and_equal_the_single_process_run(tmp_path, monkeypatch):
    import spatial.network.elevation as elevation
    from spatial.project.distributed import make_client, run_coverage_distributed

    rng = np.random.default_rng(11)
    side = 24
    xs, ys = np.meshgrid(np.arange(side) * 60.0, np.arange(side) * 60.0)
    xy = np.column_stack([xs.ravel(), ys.ravel()]) + [X0, Y0]
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    net = network_from_arrays(xy, u, v, crs=UTM)
    dem = write_dem(tmp_path / "hills.tif", lambda x, y: 40 * np.sin((x - X0) / 200) * np.cos((y - Y0) / 300),
                    crs=UTM, cell=10.0, bounds_utm=(X0 - 100, Y0 - 100, X0 + 1500, Y0 + 1500))
    homes_xy = xy[rng.integers(0, len(xy), 300)] + rng.normal(0, 20, (300, 2))
    homes = points(homes_xy, households=np.ones(300), city=np.where(homes_xy[:, 0] < X0 + 700, "west", "east"))
    stations = points(xy[[30, 300, 500]] + 5, station_id=["a", "b", "c"])
    ref = walking_coverage(homes, stations, net, dem=dem, minutes=(5, 10), max_walk_m=700.0)
    windows = []
    real = elevation._Dem.__init__

    def spy(self, *args, **kwargs):
        real(self, *args, **kwargs)
        windows.append(self.values.shape)

    monkeypatch.setattr(elevation._Dem, "__init__", spy)
    client = make_client(n_workers=2, processes=False)
    try:
        got = run_coverage_distributed(homes, stations, net, by="city", client=client, max_walk_m=700.0,
                                       minutes=(5, 10), dem=dem, workdir=tmp_path / "work")
    finally:
        client.close()
    for col in ("walk_m", "walk_min"):
        assert got[col].to_numpy() == pytest.approx(ref[col].to_numpy(), rel=1e-9)
    assert got["band"].tolist() == ref["band"].tolist()
    assert got["nearest_station"].tolist() == ref["nearest_station"].tolist()
    # two parts, each reading less than the whole DEM (160 x 160 cells)
    assert len(windows) == 2 and all(h * w < 160 * 160 for h, w in windows)
    with pytest.raises(SpatialError, match="path of a GeoTIFF"):
        run_coverage_distributed(homes, stations, net, by="city", dem=edge_times(net, dem), max_walk_m=700.0)


def test_project_file_dem_is_a_path_beside_it(tmp_path):
    from spatial.core.errors import InputFileError as Missing
    from spatial.datasets.embedded import demo_paths
    from spatial.project.config import load_project

    layers = demo_paths()["layers"]
    text = (f'[inputs]\ncommunities = {{ path = "{layers}", layer = "communities" }}\n'
            f'units = {{ path = "{layers}", layer = "units" }}\n[coverage]\ndem = "hills/dem.tif"\n')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    with pytest.raises(Missing, match=r"\[coverage\] dem file .*dem\.tif does not exist"):
        load_project(tmp_path / "p.toml")
    (tmp_path / "hills").mkdir()
    write_dem(tmp_path / "hills" / "dem.tif", climbing)
    assert load_project(tmp_path / "p.toml").coverage["dem"] == (tmp_path / "hills" / "dem.tif").resolve()


def test_parallel_edges_keep_the_quicker_one_each_way(hill_dem):
    # a straight street up the hill and a longer detour between the same two nodes; the detour
    # climbs to a crest (its middle vertex 30 m north on the same slope) and so is never quicker
    xy = np.array([[X0, Y0], [X0 + 400, Y0], [X0 + 600, Y0]])
    detour = shapely.LineString([(X0, Y0), (X0 + 200, Y0 + 60), (X0 + 400, Y0)])
    geometry = np.array([shapely.LineString(xy[:2]), detour, shapely.LineString(xy[1:])], dtype=object)
    net = network_from_arrays(xy, [0, 0, 1], [1, 1, 2], crs=UTM, geometry=geometry)
    station = points([[X0 + 600, Y0]], station_id=["top"])
    home = points([[X0, Y0]], households=[1])
    got = walking_coverage(home, station, net, dem=hill_dem)
    assert got["walk_m"].item() == pytest.approx(600)
    assert got["walk_min"].item() == pytest.approx(600 / M_PER_MIN / tobler_by_hand(0.08), rel=0.01)
