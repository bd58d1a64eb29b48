"""What an outside tester found in ``spatial coverage``, ``spatial site`` and the coverage API, pinned:
a search limit below the largest band, a search limit that changed the gaps, a floor-area column
that is not there, the 2SFCA table without communities, candidates left out without a word, and
API inputs refused with a plain error or not at all."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from spatial.cli import main
from spatial.core.errors import SpatialError
from spatial.coverage.gaps import NO_MAPPED_PATH, SERVICE, coverage_gaps
from spatial.coverage.walks import walking_coverage
from spatial.network.graph import network_from_arrays

UTM = "EPSG:32650"


def _street():
    """A 2 km street (nodes every 100 m) with a station at its west end, and a 500 m street of its
    own 3 km east that no station is on."""
    xs = np.arange(0.0, 2001.0, 100.0)
    main_xy = np.column_stack([xs, np.zeros_like(xs)])
    far_xy = np.array([[5000.0, 0.0], [5500.0, 0.0]])
    xy = np.vstack([main_xy, far_xy])
    n = len(xs)
    u = list(range(n - 1)) + [n]
    v = list(range(1, n)) + [n + 1]
    net = network_from_arrays(xy, u, v, crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(0, 0)], crs=UTM)
    homes = gpd.GeoDataFrame(
        {"unit_id": ["near", "est", "far", "cut_off"], "households": [10.0, 20.0, 30.0, 40.0]},
        geometry=[Point(100, 5),  # 300m band
                  Point(860, 120),  # estimated: 860 + 120 x 1.25 = 1010 m, straight 980 m: no mapped path
                  Point(1500, 5),  # walkable, beyond 1000 m: a service gap
                  Point(5200, 5)],  # on the street no station is on: unreachable
        crs=UTM)
    return net, stations, homes


# ---------------------------------------------------------------- 1: --max-walk-m below the largest band


def test_max_walk_below_the_largest_band_is_refused_by_the_api():
    """max_walk_m 500 with a 1000 m band reported 1000m coverage as if the search had gone on."""
    net, stations, homes = _street()
    with pytest.raises(SpatialError, match="max_walk_m 500 m is below the largest band 1000m"):
        walking_coverage(homes, stations, net, meters=(300, 500, 1000), max_walk_m=500.0)
    with pytest.raises(SpatialError, match="below the largest band 15min .1000 m of walk"):
        walking_coverage(homes, stations, net, minutes=(5, 15), speed_kmh=4.0, max_walk_m=999.0)


def test_max_walk_below_the_largest_band_is_refused_by_the_cli(tmp_path, capsys):
    net, stations, homes = _street()
    roads = gpd.GeoDataFrame({"highway": ["footway"] * net.n_edges}, geometry=list(net.geometry), crs=UTM)
    roads.to_file(tmp_path / "roads.gpkg")
    stations.to_file(tmp_path / "stations.gpkg")
    homes.to_file(tmp_path / "homes.gpkg")
    out = tmp_path / "c.gpkg"
    code = main(["-q", "coverage", str(tmp_path / "roads.gpkg"), str(tmp_path / "stations.gpkg"),
                 str(tmp_path / "homes.gpkg"), "--out", str(out), "--meters", "300,500,1000", "--max-walk-m", "500"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and not out.exists()
    assert len(err.splitlines()) == 1 and "--max-walk-m 500 m is below the largest band 1000m" in err


def test_max_walk_below_the_largest_band_is_refused_in_a_project_file(tmp_path):
    from spatial.project.config import load_project

    toml = tmp_path / "p.toml"
    for name in ("u.gpkg", "c.gpkg"):
        (tmp_path / name).write_bytes(b"")  # not read: the options are checked first
    toml.write_text('[inputs]\nunits = "u.gpkg"\ncommunities = "c.gpkg"\n\n[coverage]\nmeters = [300, 1000]\nmax_walk_m = 500\n',
                    encoding="utf-8")
    with pytest.raises(SpatialError, match=r"\[coverage\] max_walk_m 500 m is below the largest band 1000m"):
        load_project(toml)


# ---------------------------------------------------------------- 2: --max-walk-m at the largest band


def test_max_walk_at_the_largest_band_gives_the_bands_reasons_and_gaps_of_the_whole_search():
    """With max_walk_m = 1000 the home 1.5 km away got reason 'no station within max_walk_m' (counted
    'not reached'), the estimated home lost its 'no mapped path' gap to a service gap, and the home on
    a street with no station was 'beyond' instead of unreachable."""
    net, stations, homes = _street()
    opts = dict(meters=(300, 500, 1000), max_snap_m=100.0)
    whole = walking_coverage(homes, stations, net, **opts)
    assert whole["band"].tolist() == ["300m", "beyond", "beyond", "unreachable"]
    assert whole["reason"].tolist() == ["", "", "", "no station in its network component"]
    for limit in (1000.0, 1200.0):
        cut = walking_coverage(homes, stations, net, max_walk_m=limit, **opts)
        for col in ("band", "reason", "access"):
            assert cut[col].tolist() == whole[col].tolist(), (limit, col)
        assert np.isinf(cut["walk_m"].iloc[2]) and pd.isna(cut["nearest_station"].iloc[2])
        gaps = {k: coverage_gaps(d, net, band="1000m")[["gap_id", "cause", "households", "n_points"]]
                for k, d in (("whole", whole), ("cut", cut))}
        pd.testing.assert_frame_equal(gaps["cut"], gaps["whole"])
        assert dict(zip(gaps["cut"]["households"], gaps["cut"]["cause"])) == {
            30.0: SERVICE, 20.0: NO_MAPPED_PATH, 40.0: NO_MAPPED_PATH}


# ---------------------------------------------------------------- 3: --station-area-col not in the stations


def _write_street(tmp_path: Path) -> dict[str, Path]:
    net, stations, homes = _street()
    p = {"net": tmp_path / "roads.gpkg", "stations": tmp_path / "stations.gpkg", "homes": tmp_path / "homes.gpkg"}
    gpd.GeoDataFrame({"highway": ["footway"] * net.n_edges}, geometry=list(net.geometry), crs=UTM).to_file(p["net"])
    stations.assign(面积=[250.0]).to_file(p["stations"])
    homes.to_file(p["homes"])
    return p


def test_station_area_col_naming_a_missing_column_is_refused(tmp_path, capsys):
    """--station-area-col 建筑面积 on stations with 面积 gave every station under_standard False."""
    p = _write_street(tmp_path)
    out = tmp_path / "c.gpkg"
    args = ["-q", "coverage", str(p["net"]), str(p["stations"]), str(p["homes"]), "--out", str(out),
            "--meters", "300,1000", "--no-isochrones"]
    assert main([*args, "--station-area-col", "建筑面积"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and not out.exists()
    assert "--station-area-col '建筑面积'" in err and "station_id, 面积" in err
    # the column that is there is used: 250 m² for the 10 + 20 + 30 households nearest to the station
    assert main([*args, "--station-area-col", "面积"]) == 0
    load = pd.read_csv(tmp_path / "c_station_load.csv", encoding="utf-8-sig")
    assert load["m2_per_100hh"].tolist() == [round(250.0 / 60 * 100, 1)]  # as the workbook shows it


# ---------------------------------------------------------------- 4: fca_by_community without units' community ids


def test_fca_by_community_has_the_communities_the_summary_has(tmp_path):
    """With --communities and units without community_id, the summary had community rows and
    OUT_fca_by_community.csv only 'overall'."""
    from shapely.geometry import box

    p = _write_street(tmp_path)
    stations = gpd.read_file(p["stations"]).rename(columns={"面积": "floor_area_m2"})
    stations.to_file(p["stations"])
    comm = tmp_path / "communities.gpkg"
    gpd.GeoDataFrame({"社区编号": ["W", "E"]}, geometry=[box(-100, -200, 1000, 200), box(1000, -200, 6000, 200)],
                     crs=UTM).to_file(comm)
    out = tmp_path / "c.gpkg"
    assert main(["-q", "coverage", str(p["net"]), str(p["stations"]), str(p["homes"]), "--out", str(out),
                 "--meters", "300,1000", "--no-isochrones", "--communities", str(comm)]) == 0
    summary = pd.read_csv(tmp_path / "c_summary.csv", encoding="utf-8-sig")
    fca = pd.read_csv(tmp_path / "c_fca_by_community.csv", encoding="utf-8-sig")
    assert fca[["level", "id", "households"]].values.tolist() == [
        ["overall", "all", 100.0], ["community", "E", 70.0], ["community", "W", 30.0]]
    rows = summary[summary.level == "community"].set_index("id")["households"].to_dict()
    assert rows == {"E": 70.0, "W": 30.0}


def test_coverage_refuses_units_naming_a_community_the_layer_lacks_as_site_and_grids_do(tmp_path, capsys):
    """Homes naming community 'X' (a typo for 'E') were counted in a summary row 'X' with no name,
    without a word, where spatial grids, spatial site and spatial run refuse them. Now one line,
    exit 2, nothing written; without the column the homes are placed by where they lie."""
    from shapely.geometry import box

    p = _write_street(tmp_path)
    comm = tmp_path / "communities.gpkg"
    gpd.GeoDataFrame({"community_id": ["W", "E"]}, geometry=[box(-100, -200, 1000, 200), box(1000, -200, 6000, 200)],
                     crs=UTM).to_file(comm)
    homes = gpd.read_file(p["homes"])
    homes.assign(community_id=["W"] + ["X"] * (len(homes) - 1)).to_file(p["homes"])
    out = tmp_path / "c.gpkg"
    args = ["-q", "coverage", str(p["net"]), str(p["stations"]), str(p["homes"]), "--out", str(out),
            "--meters", "300,1000", "--no-isochrones", "--communities", str(comm)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and not out.exists() and not (tmp_path / "c_summary.csv").exists()
    assert "homes.gpkg' column 'community_id' names communities that are not in 'communities'" in err
    assert "('X')" in err and "drop the column" in err
    homes.to_file(p["homes"])  # no community_id: placed by location
    assert main(args) == 0


# ---------------------------------------------------------------- 5: spatial site, candidates left out


def test_site_says_which_candidates_it_left_out_and_the_infeasible_target_once(tmp_path, capsys):
    """A candidate 50 km off (a coordinate typo) and one on the street with no station were dropped
    with no word on the console; the '--target cannot be reached' warning was printed twice."""
    p = _write_street(tmp_path)
    cand = tmp_path / "cand.gpkg"
    gpd.GeoDataFrame({"candidate_id": ["ON", "TYPO", "OFF"]},
                     geometry=[Point(1500, 10), Point(51500, 10), Point(1200, 400)], crs=UTM).to_file(cand)
    code = main(["site", str(p["net"]), str(p["stations"]), str(p["homes"]), "--candidates", str(cand),
                 "--target", "0.99", "--band", "1000m", "--out", str(tmp_path / "s.gpkg")])
    captured = capsys.readouterr()
    said = captured.out + captured.err
    assert code == 0
    line = [ln for ln in said.splitlines() if "candidates left out" in ln]
    assert line == ["2 candidates left out (see the report layer): too far from network 2; 1 lies more than "
                    "5 km from the network, likely a coordinate mistake (longitude/latitude swapped or mistyped, "
                    "another coordinate system): TYPO (50 km)"]
    assert said.count("cannot be reached from these candidates") == 1


# ---------------------------------------------------------------- 6: the coverage API's inputs


def test_gaps_of_a_band_the_walks_were_not_scored_for_are_refused():
    """coverage_gaps(band='20min') on 15-minute walks returned gaps (homes 'beyond' 15 min counted
    as beyond 20 min)."""
    net, stations, homes = _street()
    walks = walking_coverage(homes, stations, net, meters=(300, 1000))
    for band in ("1500m", "20min"):  # 1500 m: the home 1.5 km away is labelled beyond 1000 m
        with pytest.raises(SpatialError, match=rf"band='{band}' is not among the bands the walks were scored "
                                               r"for \(300m, 1000m\)"):  # every band scored, not only those reached
            coverage_gaps(walks, net, band=band)
    assert len(coverage_gaps(walks, net, band="1000m")) == 3


@pytest.mark.parametrize("opts, says", [
    (dict(minutes=()), "at least one band is needed"),
    (dict(minutes=(-5,)), "band limits must be positive numbers"),
    (dict(speed_kmh=0), "speed_kmh must be a walking speed > 0"),
])
def test_bad_bands_and_speed_raise_spatial_errors(opts, says):
    net, stations, homes = _street()
    with pytest.raises(SpatialError, match=says):
        walking_coverage(homes, stations, net, **opts)


def test_empty_stations_and_a_plain_dataframe_are_named():
    """An empty stations layer was said to be 'on a small disconnected part ... dropped'; a
    DataFrame without geometry raised a plain AttributeError/TypeError."""
    net, stations, homes = _street()
    with pytest.raises(SpatialError, match="the stations layer is empty"):
        walking_coverage(homes, stations.iloc[:0], net, meters=(1000,))
    with pytest.raises(SpatialError, match="'demand' must be a GeoDataFrame .* got DataFrame"):
        walking_coverage(pd.DataFrame(homes.drop(columns="geometry")), stations, net, meters=(1000,))
