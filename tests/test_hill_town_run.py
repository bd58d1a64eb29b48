"""A synthetic 从江 walked through ``spatial run`` with its DEM: the walks on the slopes against
networkx on the raw ways, what the maps and README.txt say of them, and the bridges deciding the
gaps; the same on Dask.

The town (UTM 49N, local metres): the 都柳江 along y = 0, its banks at y = ±30; the ground rises
20% north of the river and 15% south of it (the river's cells at 246 m, the banks at 250 m). 北岸街
(y = 40) and 南岸街 (y = -40) run flat along the banks; two bridges cross at x = 200 (西桥) and
x = 1,000 (东桥), 80 m each, over the valley. Lanes climb the slopes: 上坡巷 (x = 600, 400 m north,
20%), 石阶 (x = 800, steps, 200 m, 20%), 陡巷 (x = 1,200, a path, 100 m, 20%), 南坡巷 (x = 400,
300 m south, 15%). The station stands on 上坡巷, 5 m up it. Homes 10 m off their lanes' tops and the
streets, H5 on the south bank 90 m across the river from the station. The ways are an OSM file
(bridge=yes, highway=steps, waterway=river) and the DEM a GeoTIFF written with rasterio.

Each expected walk is worked out here with networkx on the raw ways: Tobler's hiking function
(v = 4 km/h · exp(−3.5·(|S+0.05|−0.05)), S the rise over run walked from the home to the station),
steps at least 5/3 of the flat time, a bridge climbing straight between its ends' ground (not
down into the valley under it), the legs to the street flat; never the project's own objects.
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
import shapely
from affine import Affine

UTM = "EPSG:32649"  # 从江 lies in UTM zone 49N
X0, Y0 = 600_000.0, 2_850_000.0
M_PER_MIN = 4.0 * 1000 / 60
STATION = (600, 45)  # on 上坡巷, 5 m up it
WAYS = [
    (1, {"highway": "residential", "name": "北岸街"}, [(0, 40), (200, 40), (600, 40), (800, 40), (1000, 40), (1200, 40)]),
    (2, {"highway": "residential", "name": "南岸街"}, [(0, -40), (200, -40), (400, -40), (600, -40), (1000, -40),
                                                     (1200, -40)]),
    (3, {"highway": "residential", "name": "西桥", "bridge": "yes", "layer": "1"}, [(200, -40), (200, 40)]),
    (4, {"highway": "residential", "name": "东桥", "bridge": "yes", "layer": "1"}, [(1000, -40), (1000, 40)]),
    (5, {"highway": "footway", "name": "上坡巷"}, [(600, 40), (600, 440)]),
    (6, {"highway": "steps", "name": "石阶"}, [(800, 40), (800, 240)]),
    (7, {"highway": "footway", "name": "南坡巷"}, [(400, -40), (400, -340)]),
    (8, {"highway": "path", "name": "陡巷"}, [(1200, 40), (1200, 140)]),
    (9, {"waterway": "river", "name": "都柳江"}, [(-100, 0), (1300, 0)]),
]
#: unit: (centre, the point of its street 10 m away, households)
HOMES = {"H1": ((600, 450), (600, 440), 120), "H2": ((800, 250), (800, 240), 80), "H3": ((400, -350), (400, -340), 150),
         "H4": ((1100, -50), (1100, -40), 60), "H5": ((600, -50), (600, -40), 100), "H6": ((1200, 150), (1200, 140), 90),
         "H7": ((300, 50), (300, 40), 110)}


def ground(y: float) -> float:
    """The town's ground (m) at local y: the banks rising 20% north and 15% south, the river at 246."""
    return 250 + 0.20 * (y - 30) if y >= 30 else 250 + 0.15 * (-30 - y) if y <= -30 else 246.0


def tobler(slope: float) -> float:
    return math.exp(-3.5 * (abs(slope + 0.05) - 0.05))


def minutes(a, b, steps: bool) -> float:
    """From a to b on a straight way whose ends stand on the ground (a bridge too: straight)."""
    run = math.dist(a, b)
    t = run / (M_PER_MIN * tobler((ground(b[1]) - ground(a[1])) / run))
    return max(t, 5 / 3 * run / M_PER_MIN) if steps else t


def reference(skip: tuple[int, ...] = ()) -> dict[str, float]:
    """Each home's walk to the station, minutes: networkx on the raw ways (but ``skip``)."""
    g = nx.DiGraph()
    cuts = {(5, (600, 40), (600, 440)): STATION, (2, (1000, -40), (1200, -40)): (1100, -40),
            (1, (200, 40), (600, 40)): (300, 40)}  # the station's and two homes' points inside a piece
    for wid, tags, pts in WAYS:
        if "highway" not in tags or wid in skip:
            continue
        for a, b in zip(pts[:-1], pts[1:]):
            pieces = [(a, cuts[(wid, a, b)]), (cuts[(wid, a, b)], b)] if (wid, a, b) in cuts else [(a, b)]
            for p, q in pieces:
                g.add_edge(p, q, w=minutes(p, q, tags["highway"] == "steps"))
                g.add_edge(q, p, w=minutes(q, p, tags["highway"] == "steps"))
    out = {}
    for h, (centre, on_street, _) in HOMES.items():
        try:
            out[h] = math.dist(centre, on_street) / M_PER_MIN + nx.shortest_path_length(g, on_street, STATION, "w")
        except nx.NetworkXNoPath:
            out[h] = math.inf
    return out


def write_osm(path, skip: tuple[int, ...] = ()) -> None:
    to_ll = pyproj.Transformer.from_crs(UTM, 4326, always_xy=True)
    ids, nodes, ways = {}, [], []
    for wid, tags, pts in WAYS:
        if wid in skip:
            continue
        for x, y in pts:
            if (x, y) not in ids:
                ids[(x, y)] = len(ids) + 1
                lon, lat = to_ll.transform(X0 + x, Y0 + y)
                nodes.append(f'<node id="{ids[(x, y)]}" lat="{lat:.9f}" lon="{lon:.9f}"/>')
        ways.append(f'<way id="{wid}">' + "".join(f'<nd ref="{ids[p]}"/>' for p in pts)
                    + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()) + "</way>")
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">' + "".join(nodes + ways) + "</osm>",
                    encoding="utf-8")


def write_town(d) -> None:
    write_osm(d / "town.osm")
    left, top, cell = X0 - 300, Y0 + 600, 5.0
    w, h = 360, 220
    cy = (top - (np.arange(h) + 0.5) * cell) - Y0
    z = np.repeat(np.array([ground(y) for y in cy], dtype="float32")[:, None], w, axis=1)
    with rasterio.open(d / "dem.tif", "w", driver="GTiff", width=w, height=h, count=1, dtype="float32", crs=UTM,
                       transform=Affine(cell, 0, left, 0, -cell, top), nodata=-9999.0) as dst:
        dst.write(z, 1)
    gpd.GeoDataFrame({"unit_id": list(HOMES), "households": [hh for *_, hh in HOMES.values()]},
                     geometry=[shapely.box(X0 + x - 8, Y0 + y - 8, X0 + x + 8, Y0 + y + 8) for (x, y), *_ in HOMES.values()],
                     crs=UTM).to_file(d / "units.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"], "name": ["丙妹镇党群服务中心"]},
                     geometry=[shapely.Point(X0 + STATION[0], Y0 + STATION[1])], crs=UTM).to_file(d / "stations.gpkg")
    gpd.GeoDataFrame({"community_id": ["C1"], "name": ["江边社区"], "street": ["丙妹镇"]},
                     geometry=[shapely.box(X0 - 100, Y0 - 500, X0 + 1300, Y0 + 500)], crs=UTM).to_file(d / "c.gpkg")
    (d / "p.toml").write_text("""[project]
name = "从江丙妹镇（合成）"
[inputs]
network = "town.osm"
communities = "c.gpkg"
units = "units.gpkg"
stations = "stations.gpkg"
[grids]
min_households = 50
max_households = 900
[coverage]
minutes = [5, 10, 15]
dem = "dem.tif"
[siting]
enabled = false
[outputs]
workbook = false
png = false
""", encoding="utf-8")


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    from spatial.cli import main

    d = tmp_path_factory.mktemp("congjiang")
    write_town(d)
    assert main(["-q", "run", str(d / "p.toml"), "--out", str(d / "out")]) == 0
    return d


def test_the_walks_on_the_slopes_are_those_of_tobler_on_the_raw_ways(town):
    got = gpd.read_file(town / "out" / "results.gpkg", layer="coverage_demand").set_index("unit_id")
    ref = reference()
    for h, want in ref.items():
        assert got.loc[h, "walk_min"] == pytest.approx(want, abs=0.005), h
    band = {h: "5min" if m <= 5 else "10min" if m <= 10 else "15min" if m <= 15 else "beyond" for h, m in ref.items()}
    assert got["band"].to_dict() == band
    # down 上坡巷's 20% to the station: 395 m at 70% of the flat speed, not 6.1 minutes on the flat
    assert got.loc["H1", "walk_min"] == pytest.approx((10 + 395 / math.exp(-3.5 * 0.10)) / M_PER_MIN, abs=0.005)
    assert got.loc["H1", "walk_m"] == pytest.approx(405, abs=0.01)


def flat_metres() -> dict[str, float]:
    """Each home's shortest walk to the station on the flat, metres: networkx on the raw ways."""
    g = nx.Graph()
    for wid, tags, pts in WAYS:
        if "highway" in tags:
            for a, b in zip(pts[:-1], pts[1:]):
                g.add_edge(a, b, w=math.dist(a, b))
    for p, (a, b) in {STATION: ((600, 40), (600, 440)), (1100, -40): ((1000, -40), (1200, -40)),
                      (300, 40): ((200, 40), (600, 40))}.items():
        g.remove_edge(a, b)
        g.add_edge(a, p, w=math.dist(a, p))
        g.add_edge(p, b, w=math.dist(p, b))
    return {h: math.dist(c, s) + nx.shortest_path_length(g, s, STATION, "w") for h, (c, s, _) in HOMES.items()}


def test_the_maps_and_readme_say_the_minutes_are_on_the_slopes_and_what_they_cost(town):
    """On the flat every home is within 1,000 m (H3 995 m: 710 households, 100%); on the slopes H3
    is 15.9 minutes away (560, 78.9%): the maps and README.txt say both, not the model alone."""
    hh = {h: n for h, (*_, n) in HOMES.items()}
    flat = sum(hh[h] for h, m in flat_metres().items() if m <= 1000)
    slopes = sum(hh[h] for h, m in reference().items() if m <= 15)
    assert (flat, slopes) == (710, 560)
    effect = f"平地上 15 分钟内 {flat} 户（100.0%），计坡度 {slopes} 户（78.9%），少 {flat - slopes} 户"
    for name in ("coverage.html", "overview.html"):
        page = (town / "out" / name).read_text(encoding="utf-8")
        assert "平地上 15 分钟约 1000 米" in page, name
        assert ("坡度模型：步行时间按 Tobler: v = speed·exp(−3.5·(|S+0.05|−0.05)) 计算，台阶 ×1.67，从住处算到服务站；"
                f"100.0% 的路段有高程（15 / 15）；{effect}") in page, name
    readme = (town / "out" / "README.txt").read_text(encoding="utf-8-sig").splitlines()
    assert ("步行时间计入坡度（高程 dem.tif，100.0% 的路段有高程）：平地 4 公里/小时，坡上按 Tobler 坡度模型，台阶 ×1.67，"
            "从住处算到服务站。") in readme
    assert f"{effect}。" in readme


def test_the_bridges_decide_the_gaps(town):
    """H3, up 南坡巷 on the south bank, crosses by 西桥 in 15.9 minutes: the one gap at 15 minutes;
    without 西桥 it walks round by 东桥 (21.9). H5, 90 m across the river from the station, walks
    895 m by either bridge, never across the water."""
    from spatial.coverage.walks import walking_coverage
    from spatial.network.read import read_network

    gaps = pd.read_csv(town / "out" / "gaps.csv", encoding="utf-8-sig")
    assert gaps["households"].tolist() == [150]  # H3 alone
    assert gaps["walk_to_station_min"].tolist() == [round(reference()["H3"], 1)]  # 15.9, by 西桥
    walks = gpd.read_file(town / "out" / "results.gpkg", layer="coverage_demand").set_index("unit_id")
    assert walks.loc["H5", "walk_m"] == pytest.approx(10 + 400 + 80 + 400 + 5, abs=0.01)
    write_osm(town / "one_bridge.osm", skip=(3,))
    units = gpd.read_file(town / "units.gpkg")
    stations = gpd.read_file(town / "stations.gpkg")
    one = walking_coverage(units, stations, read_network(town / "one_bridge.osm"), dem=str(town / "dem.tif"))
    ref = reference(skip=(3,))
    assert ref["H3"] == pytest.approx(21.89, abs=0.01)
    for h, want in ref.items():
        assert one.set_index("unit_id").loc[h, "walk_min"] == pytest.approx(want, abs=0.005), h
    # without 西桥, H3 is outside the circle on the flat too (1,395 m round by 东桥): the slopes cost nothing more
    assert one.attrs["slope_effect"] == {"band": "15min", "households": 710.0, "flat": 560.0, "slopes": 560.0}
    from spatial.maps._speed import walks_slope

    assert walks_slope(one, None, "zh").endswith("；平地上 15 分钟内 560 户（78.9%），计坡度 560 户（78.9%），坡度未改变圈内户数")


@pytest.mark.slow
def test_the_hill_town_on_dask_writes_what_one_process_writes(town):
    from spatial.cli import main

    assert main(["-q", "run", str(town / "p.toml"), "--out", str(town / "dask"), "--scheduler", "local"]) == 0
    for layer in ("coverage_demand", "gaps", "report"):
        one = gpd.read_file(town / "out" / "results.gpkg", layer=layer)
        got = gpd.read_file(town / "dask" / "results.gpkg", layer=layer)
        pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(one), check_exact=False, atol=1e-9)
    assert (town / "dask" / "README.txt").read_bytes() == (town / "out" / "README.txt").read_bytes()
