"""Hill towns (从江, 黎平) tried from outside: walking times on slopes from a DEM.

Every expected figure is worked out here from the slope and the distance by hand (Tobler's
hiking function written out below), never from the project's own edge costs.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

from spatial.network.graph import network_from_arrays

UTM = "EPSG:32649"  # 从江 / 黎平 lie in UTM zone 49N
X0, Y0 = 600_000.0, 2_850_000.0
SPEED = 4.0
M_PER_MIN = SPEED * 1000 / 60


def tobler(slope: float) -> float:
    """Tobler's walking speed on ``slope`` over the flat speed: exp(-3.5|S+0.05|) / exp(-3.5·0.05)."""
    return math.exp(-3.5 * abs(slope + 0.05)) / math.exp(-3.5 * 0.05)


def dem_file(path, z_of_x, *, cell=5.0, nodata=-9999.0, count=1, dtype="float32", photometric=None,
             bounds=(X0 - 200, Y0 - 200, X0 + 1200, Y0 + 200)):
    """A north-up GeoTIFF in UTM 49N whose cell centres hold ``z_of_x`` of their x."""
    left, bottom, right, top = bounds
    w, h = int(round((right - left) / cell)), int(round((top - bottom) / cell))
    x = left + (np.arange(w) + 0.5) * cell
    z = np.broadcast_to(np.asarray(z_of_x(x), dtype=np.float64), (h, w)).astype(dtype)
    extra = {} if photometric is None else {"photometric": photometric}
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=count, dtype=dtype, crs=UTM,
                       transform=Affine(cell, 0, left, 0, -cell, top), nodata=nodata, **extra) as dst:
        for b in range(1, count + 1):
            dst.write(z, b)
    return path


def street(length_m=1000.0, step_m=100.0):
    """A straight street east from (X0, Y0), a node every ``step_m``."""
    xs = X0 + np.arange(0.0, length_m + 1, step_m)
    u = np.arange(len(xs) - 1)
    return network_from_arrays(np.column_stack([xs, np.full(len(xs), Y0)]), u, u + 1, crs=UTM)


def points(xy, **cols):
    return gpd.GeoDataFrame(cols, geometry=shapely.points(np.asarray(xy, float)), crs=UTM)


def write_street_inputs(folder):
    """The street, a station at its middle and two homes, as GeoPackages for the CLI."""
    net = street()
    gpd.GeoDataFrame({"highway": ["footway"] * net.n_edges}, geometry=net.geometry, crs=UTM).to_file(
        folder / "street.gpkg")
    points([[X0 + 500, Y0]], station_id=["S"]).to_file(folder / "stations.gpkg")
    points([[X0 + 250, Y0 + 10], [X0 + 820, Y0 + 10]], households=[10, 20], unit_id=["w", "e"]).to_file(
        folder / "homes.gpkg")
    return [str(folder / f) for f in ("street.gpkg", "stations.gpkg", "homes.gpkg")]


def test_a_dem_that_is_nodata_over_the_whole_network_is_one_line_on_the_command_line(tmp_path, capsys):
    from spatial.cli import main

    args = write_street_inputs(tmp_path)
    dem = dem_file(tmp_path / "voids.tif", lambda x: np.full(len(x), -9999.0))
    assert main(["coverage", *args, "--out", str(tmp_path / "out.gpkg"), "--dem", str(dem)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    # one line: the error naming the file, not a warning about 10 flat edges before it
    assert len(err) == 1, err
    assert "voids.tif gives no elevation to any edge" in err[0] and "run without it" in err[0]
    assert not (tmp_path / "out.gpkg").exists()


def test_an_undeclared_void_is_nodata_not_a_cliff_that_cuts_the_street(tmp_path):
    from spatial.coverage.walks import walking_coverage
    from spatial.network.elevation import NODATA, edge_times

    # SRTM's voids of -32768, which this file does not declare as nodata, on a street
    # climbing 8% eastwards; the void lies around the node at x = 400 m (on the edges 300-400 and
    # 400-500 m: a void with heights on both sides of it on one edge is filled, test_outside_hills4)
    def climb_with_void(x):
        return np.where(np.abs(x - (X0 + 400)) < 20, -32768, 100 + 0.08 * (x - X0))

    dem = dem_file(tmp_path / "srtm_voids.tif", climb_with_void, nodata=None)
    net = street()
    times = edge_times(net, dem)
    flat = times.report.iloc[1:]
    assert flat["row_id"].tolist() == ["3-4", "4-5"] and flat["problem"].tolist() == [NODATA] * 2
    assert "cells below -500 m or above 9000 m read as nodata" in times.report.iloc[0]["problem"]
    assert np.isfinite(times.forward_m).all() and np.isfinite(times.backward_m).all()
    # a home at the east end walks down to a station at the west end: 800 m at -8% and the
    # void's 200 m flat (by hand), not 'no station in its network component'
    home = points([[X0 + 1000, Y0]], households=[1])
    station = points([[X0, Y0]], station_id=["S"])
    got = walking_coverage(home, station, net, dem=times, speed_kmh=SPEED, minutes=[5, 10, 15, 20])
    assert got["access"].item() == "network" and got["nearest_station"].item() == "S"
    assert got["walk_min"].item() == pytest.approx((800 / tobler(-0.08) + 200) / M_PER_MIN, rel=0.01)


def test_a_colour_image_given_as_the_dem_is_refused_not_read_as_heights(tmp_path):
    from spatial.core.errors import SpatialError
    from spatial.network.elevation import edge_times

    # a georeferenced scan of a map: three uint8 bands, red/green/blue
    photo = dem_file(tmp_path / "map_scan.tif", lambda x: (x - X0) % 256, count=3, dtype="uint8", nodata=None,
                     photometric="RGB")
    with pytest.raises(SpatialError, match=r"map_scan\.tif is a colour image \(RGB bands\), not elevations"):
        edge_times(street(), photo)
    # a one-band DEM of the same numbers is read
    assert edge_times(street(), dem_file(tmp_path / "heights.tif", lambda x: 0.05 * (x - X0))).share == 1.0


def test_spatial_site_takes_the_dem_and_sites_by_the_walks_on_the_slopes(tmp_path, capsys):
    from spatial.cli import main

    # the street climbs 8% eastwards; one candidate at x = 500 m, no station yet
    net = street()
    gpd.GeoDataFrame({"highway": ["footway"] * net.n_edges}, geometry=net.geometry, crs=UTM).to_file(
        tmp_path / "street.gpkg")
    gpd.GeoDataFrame({"station_id": []}, geometry=gpd.GeoSeries([], crs=UTM)).to_file(tmp_path / "stations.gpkg")
    points([[X0 + 500, Y0]], candidate_id=["C"]).to_file(tmp_path / "candidates.gpkg")
    # W walks 270 m up to it (+10 m flat leg): 280 m flat, 270/0.7558 + 10 = 367 m on the slope;
    # E walks 330 m down to it: 340 m flat, 330/1.0725 + 10 = 318 m on the slope; 5 min = 333 m
    points([[X0 + 230, Y0 + 10], [X0 + 830, Y0 + 10]], households=[10, 20], unit_id=["W", "E"]).to_file(
        tmp_path / "homes.gpkg")
    assert 270 + 10 < 5 * M_PER_MIN < 270 / tobler(0.08) + 10
    assert 330 / tobler(-0.08) + 10 < 5 * M_PER_MIN < 330 + 10
    dem = dem_file(tmp_path / "slope.tif", lambda x: 100 + 0.08 * (x - X0))
    args = ["site", *(str(tmp_path / f) for f in ("street.gpkg", "stations.gpkg", "homes.gpkg")),
            "--candidates", str(tmp_path / "candidates.gpkg"), "--k", "1", "--band", "5min", "--no-exact"]
    assert main([*args, "--out", str(tmp_path / "flat.gpkg")]) == 0
    assert main([*args, "--out", str(tmp_path / "hill.gpkg"), "--dem", str(dem)]) == 0
    out = capsys.readouterr().out
    assert "walk times by Tobler" in out and "elevations on 100.0% of edges" in out
    flat = gpd.read_file(tmp_path / "flat.gpkg", layer="before_after")
    hill = gpd.read_file(tmp_path / "hill.gpkg", layer="before_after")
    assert flat["pct_after"].iloc[0] == pytest.approx(100 * 10 / 30)  # W only
    assert hill["pct_after"].iloc[0] == pytest.approx(100 * 20 / 30)  # E only, as spatial coverage --dem says
    report = gpd.read_file(tmp_path / "hill.gpkg", layer="report")
    assert (report["layer"] == "dem").sum() == 1
    assert main(["coverage", *(str(tmp_path / f) for f in ("street.gpkg", "candidates.gpkg", "homes.gpkg")),
                 "--station-id-col", "candidate_id", "--minutes", "5", "--out", str(tmp_path / "cov.gpkg"),
                 "--dem", str(dem)]) == 0
    demand = gpd.read_file(tmp_path / "cov.gpkg", layer="demand")
    assert demand["band"].tolist() == ["beyond", "5min"]


def test_a_home_part_way_along_a_long_edge_over_a_ridge_walks_the_slopes_of_its_own_part(tmp_path):
    from spatial.coverage.service_areas import isochrones
    from spatial.coverage.walks import walking_coverage

    # one 1 km edge from A (x = 0, 0 m) up 10% to a ridge at x = 500 m (50 m) and down 10% to B
    dem = dem_file(tmp_path / "ridge.tif", lambda x: 50 - 0.1 * np.abs(x - (X0 + 500)))
    net = network_from_arrays(np.array([[X0, Y0], [X0 + 1000, Y0]]), [0], [1], crs=UTM)
    home = points([[X0 + 500, Y0 + 10]], households=[1])  # on the ridge, a 10 m flat leg
    # by hand: down 500 m at -10% (Tobler's factor exactly 1 there) to A, plus the leg: 510 m;
    # half of the whole edge's cost from B to A (up then down, 1209 m) would be 615 m
    assert tobler(-0.1) == pytest.approx(1.0)
    assert (500 / tobler(0.1) + 500) / 2 + 10 > 600
    at_a = walking_coverage(home, points([[X0, Y0]], station_id=["A"]), net, dem=dem, speed_kmh=SPEED)
    assert at_a["walk_min"].item() == pytest.approx(510 / M_PER_MIN, rel=0.01)
    # a station on the same edge at x = 100 m: 400 m down to it
    on_edge = walking_coverage(home, points([[X0 + 100, Y0]], station_id=["S"]), net, dem=dem, speed_kmh=SPEED)
    assert on_edge["walk_min"].item() == pytest.approx(410 / M_PER_MIN, rel=0.01)
    # the 5-minute area of a station on the ridge: homes walk up to it, 333 m × Tobler(+10%) =
    # 235 m either side (half the edge's cost each way would give 333 × 1000 / 1209 = 276 m)
    ridge = points([[X0 + 500, Y0]], station_id=["R"])
    area = isochrones(ridge, net, minutes=[5], speed_kmh=SPEED, cell_m=5.0, simplify_m=0, dem=dem)
    west, _, east, _ = area.geometry.iloc[0].bounds
    reach = 5 * M_PER_MIN * tobler(0.1)
    assert X0 + 500 - west == pytest.approx(reach, abs=8) and east - (X0 + 500) == pytest.approx(reach, abs=8)


def test_a_project_with_a_dem_and_siting_reports_the_elevations_once(tmp_path):
    from spatial.cli import main

    net = street()
    gpd.GeoDataFrame({"highway": ["footway"] * net.n_edges}, geometry=net.geometry, crs=UTM).to_file(
        tmp_path / "street.gpkg")
    points([[X0 + 1000, Y0]], station_id=["S"], floor_area_m2=[100.0]).to_file(tmp_path / "stations.gpkg")
    hx = np.arange(50.0, 1000, 100)
    points(np.column_stack([X0 + hx, np.full(len(hx), Y0 + 10)]), households=np.full(len(hx), 10),
           unit_id=[f"u{i}" for i in range(len(hx))]).to_file(tmp_path / "units.gpkg")
    gpd.GeoDataFrame({"community_id": ["C"], "name": ["山坡社区"]},
                     geometry=[shapely.box(X0 - 100, Y0 - 100, X0 + 1100, Y0 + 100)], crs=UTM).to_file(
        tmp_path / "communities.gpkg")
    # the DEM covers x < 750 m: edges 7-8, 8-9 and 9-10 are walked flat, each said once
    dem_file(tmp_path / "dem.tif", lambda x: 100 + 0.08 * (x - X0), bounds=(X0 - 200, Y0 - 200, X0 + 750, Y0 + 200))
    (tmp_path / "p.toml").write_text(
        '[project]\nname = "hills"\noutput = "out"\n'
        '[inputs]\nnetwork = "street.gpkg"\nunits = { path = "units.gpkg", households_col = "households" }\n'
        'stations = "stations.gpkg"\ncommunities = "communities.gpkg"\n[grids]\nenabled = false\n'
        '[coverage]\nminutes = [5, 10, 15]\ndem = "dem.tif"\n[siting]\nk = 1\nband = "5min"\n'
        '[outputs]\nmaps = false\nworkbook = false\npng = false\nkml = false\n', encoding="utf-8")
    assert main(["run", str(tmp_path / "p.toml")]) == 0
    report = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="report")
    assert (report["layer"] == "dem").sum() == 1
    flat = report[(report["layer"] == "network") & report["problem"].str.contains("elevation|DEM", case=False)]
    assert sorted(flat["row_id"]) == ["7-8", "8-9", "9-10"]
    # 2SFCA on the same walks as the bands: up 8% to x = 700 m, then 300 m flat to the station at
    # the top; within 15 minutes (1000 m) from x >= 179 m: 8 homes of 10 households share 100 m²
    demand = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="coverage_demand")
    reach = (700 - hx) / tobler(0.08) + 300 + 10 <= 1000
    assert (demand["band"] != "beyond").tolist() == reach.tolist() == [False, False] + [True] * 8
    assert demand["fca_m2_per_100hh"].tolist() == pytest.approx(np.where(reach, 100 / 80 * 100, 0.0))


def test_node_elevations_with_a_void_walk_that_node_s_edges_flat_and_say_why():
    import networkx as nx

    from spatial.coverage.walks import walking_coverage
    from spatial.network.elevation import edge_times

    # node elevations as osmnx.elevation.add_node_elevations_raster takes them from an SRTM tile
    # whose void (-32768) the file does not declare: node 5 sits in it
    net = street()
    graph = nx.Graph()
    graph.add_nodes_from((i, {"elevation": -32768.0 if i == 5 else 100 + 8.0 * i}) for i in range(11))
    times = edge_times(net, graph)
    flat = times.report.iloc[1:]
    assert flat["row_id"].tolist() == ["4-5", "5-6"]
    assert set(flat["problem"]) == {"no elevation: node 'elevation' below -500 m or above 9000 m (a void)"}
    assert set(flat["problem_zh"]) == {"无高程：节点 'elevation' 低于 -500 米或高于 9000 米（空值）"}
    assert np.isfinite(times.forward_m).all() and np.isfinite(times.backward_m).all()
    # from the east end down to a station at the west end: 800 m at -8% and 200 m flat, by hand
    got = walking_coverage(points([[X0 + 1000, Y0]], households=[1]), points([[X0, Y0]], station_id=["S"]), net,
                           dem=times, speed_kmh=SPEED, minutes=[5, 10, 15, 20])
    assert got["walk_min"].item() == pytest.approx((800 / tobler(-0.08) + 200) / M_PER_MIN)


def test_2sfca_counts_the_homes_within_the_band_on_the_slopes(tmp_path):
    from spatial.coverage.load import station_fca

    # the 8% street; a 100 m² station at x = 500 m; W walks 270 m up to it (367 m of flat walking
    # with its 10 m leg), E walks 330 m down (318 m): within 5 minutes (333 m) on the slopes is E only
    dem = dem_file(tmp_path / "slope.tif", lambda x: 100 + 0.08 * (x - X0))
    station = points([[X0 + 500, Y0]], station_id=["S"], floor_area_m2=[100.0])
    homes = points([[X0 + 230, Y0 + 10], [X0 + 830, Y0 + 10]], households=[10, 20])
    flat_d, flat_s = station_fca(homes, station, street(), limit_m=5 * M_PER_MIN)
    assert flat_s["fca_households_in_reach"].item() == 10 and flat_d["fca_m2_per_100hh"].tolist() == [1000.0, 0.0]
    hill_d, hill_s = station_fca(homes, station, street(), limit_m=5 * M_PER_MIN, dem=dem)
    assert hill_s["fca_households_in_reach"].item() == 20  # 100 m² for 20 households: 500 m² per 100
    assert hill_d["fca_m2_per_100hh"].tolist() == [0.0, 500.0]


def test_spatial_coverage_dem_counts_2sfca_on_the_slopes_too(tmp_path):
    from spatial.cli import main

    args = write_street_inputs(tmp_path)  # homes W (x = 250 m) and E (x = 820 m), the station at 500 m
    points([[X0 + 500, Y0]], station_id=["S"], floor_area_m2=[100.0]).to_file(tmp_path / "stations.gpkg")
    dem = dem_file(tmp_path / "slope.tif", lambda x: 100 + 0.08 * (x - X0))
    # 5 minutes = 333 m: W walks 250 m up (+10 m leg) = 341 m on the slope, E 320 m down = 308 m
    assert 320 / tobler(-0.08) + 10 < 5 * M_PER_MIN < 250 / tobler(0.08) + 10
    out = tmp_path / "out.gpkg"
    assert main(["coverage", *args, "--out", str(out), "--dem", str(dem), "--minutes", "5"]) == 0
    demand = gpd.read_file(out, layer="demand")
    assert demand["band"].tolist() == ["beyond", "5min"]
    # E's 20 households alone share the 100 m²: 500 m² per 100 households; W none
    assert demand["fca_m2_per_100hh"].tolist() == pytest.approx([0.0, 500.0])


def test_a_dem_on_a_local_survey_grid_is_one_line_not_an_internal_error(tmp_path, capsys):
    from rasterio.crs import CRS

    from spatial.cli import main

    args = write_street_inputs(tmp_path)
    # a city's own grid (城市独立坐标系) exported without its parameters: a LOCAL_CS
    local = CRS.from_wkt('LOCAL_CS["city grid",LOCAL_DATUM["x",0],UNIT["metre",1],AXIS["X",EAST],AXIS["Y",NORTH]]')
    dem = tmp_path / "city_grid.tif"
    with rasterio.open(dem, "w", driver="GTiff", width=20, height=20, count=1, dtype="float32", crs=local,
                       transform=Affine(10, 0, 0, 0, -10, 200)) as dst:
        dst.write(np.full((20, 20), 100, "float32"), 1)
    assert main(["coverage", *args, "--out", str(tmp_path / "out.gpkg"), "--dem", str(dem)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "internal error" not in err[0]
    assert "city_grid.tif is in 'city grid', which cannot be converted to the network's" in err[0]
    assert "gdal_edit.py -a_srs" in err[0]


def test_the_map_says_when_its_sites_and_coverage_were_timed_differently(tmp_path, capsys):
    from spatial.cli import main

    args = write_street_inputs(tmp_path)
    points([[X0 + 500, Y0]], candidate_id=["C"]).to_file(tmp_path / "candidates.gpkg")
    dem = dem_file(tmp_path / "slope.tif", lambda x: 100 + 0.08 * (x - X0))
    cov = tmp_path / "cov.gpkg"
    assert main(["coverage", *args, "--out", str(cov), "--dem", str(dem)]) == 0
    site = ["site", *args, "--candidates", str(tmp_path / "candidates.gpkg"), "--k", "1", "--no-exact"]
    assert main([*site, "--out", str(tmp_path / "flat_sites.gpkg")]) == 0
    assert main([*site, "--out", str(tmp_path / "hill_sites.gpkg"), "--dem", str(dem)]) == 0
    capsys.readouterr()
    for sites, warned in (("hill_sites.gpkg", False), ("flat_sites.gpkg", True)):
        assert main(["map", "--coverage", str(cov), "--sites", str(tmp_path / sites),
                     "--out", str(tmp_path / "map.html")]) == 0
        err = capsys.readouterr().err
        assert ("flat_sites.gpkg were chosen on flat walks but the walks of" in err) is warned, err
        assert ("run spatial site again with the same --dem" in err) is warned


def test_a_gap_s_site_serves_every_home_of_the_gap_within_the_band_on_the_slopes(tmp_path):
    from spatial.coverage.gaps import assign_gaps, coverage_gaps
    from spatial.coverage.walks import walking_coverage

    # the 8% street, its station at the top (east end); a home every 10 m; 5-minute band
    dem = dem_file(tmp_path / "slope.tif", lambda x: 100 + 0.08 * (x - X0))
    net = street()
    hx = np.arange(5.0, 1000, 10)
    homes = points(np.column_stack([X0 + hx, np.full(len(hx), Y0 + 5)]), households=np.ones(len(hx)),
                   unit_id=[f"h{i}" for i in range(len(hx))])
    top = points([[X0 + 1000, Y0]], station_id=["top"])
    scored = walking_coverage(homes, top, net, dem=dem, minutes=[5], max_off_network_m=None)
    gaps = coverage_gaps(scored, net, band="5min", speed_kmh=SPEED, dem=dem)
    labelled = assign_gaps(scored, net, band="5min", speed_kmh=SPEED, dem=dem)
    assert labelled["gap_id"].notna().sum() == (scored["band"] != "5min").sum() == int(gaps["households"].sum())
    # each gap's site (one new station) reaches every home of its gap within 5 minutes, walking up
    # or down the slope to it, as walking_coverage times the walk
    for _, gap in gaps.iterrows():
        mine = (labelled["gap_id"] == gap["gap_id"]).fillna(False).astype(bool)
        site = points([[gap["site_x"], gap["site_y"]]], station_id=[gap["gap_id"]])
        walks = walking_coverage(homes[mine.to_numpy()], site, net, dem=dem, minutes=[5], max_off_network_m=None)
        assert walks["walk_min"].max() <= 5 + 1e-9, (gap["gap_id"], walks["walk_min"].max())


def test_spatial_site_says_the_dem_is_not_used_for_a_band_in_metres(tmp_path, capsys):
    from spatial.cli import main

    args = write_street_inputs(tmp_path)
    points([[X0 + 500, Y0]], candidate_id=["C"]).to_file(tmp_path / "candidates.gpkg")
    dem = dem_file(tmp_path / "slope.tif", lambda x: 100 + 0.08 * (x - X0))
    assert main(["site", *args, "--candidates", str(tmp_path / "candidates.gpkg"), "--k", "1", "--no-exact",
                 "--band", "300m", "--dem", str(dem), "--out", str(tmp_path / "sites.gpkg")]) == 0
    out = capsys.readouterr().out
    assert "--dem slope.tif not used: the band 300m is a walking distance, not a time" in out
    assert "walk times by Tobler" not in out
    assert not (gpd.read_file(tmp_path / "sites.gpkg", layer="report")["layer"] == "dem").any()
