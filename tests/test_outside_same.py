"""The same answer every time: the same data in another row order, index or CRS gives the same
results (a planner re-saving a layer in QGIS, an analyst with another index, a machine of other cores)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spatial.coverage.gaps import coverage_gaps
from spatial.coverage.walks import walking_coverage
from spatial.grids.codes import assign_grid_codes
from spatial.grids.tessellation import spread_by_floor_area
from spatial.grids.workforce import ten_household_groups
from spatial.siting.sites import site_stations
from spatial.network.graph import network_from_arrays
from spatial.network.snapping import layer_xy

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 2_500_000.0


def street_grid(n: int = 6, step: float = 100.0):
    """An ``n`` x ``n`` grid of streets ``step`` metres apart, from (X0, Y0), in UTM 50N."""
    xs, ys = np.meshgrid(np.arange(n) * step, np.arange(n) * step)
    xy = np.c_[xs.ravel(), ys.ravel()] + [X0, Y0]
    ids = np.arange(n * n).reshape(n, n)
    u = np.r_[ids[:, :-1].ravel(), ids[:-1, :].ravel()]
    v = np.r_[ids[:, 1:].ravel(), ids[1:, :].ravel()]
    return network_from_arrays(xy, u, v, crs=UTM)


def uncovered_homes(rows) -> gpd.GeoDataFrame:
    """Homes scored beyond 15 minutes: (unit_id, x, y, households), x and y from (X0, Y0)."""
    ids, xs, ys, hh = zip(*rows)
    return gpd.GeoDataFrame(
        {"unit_id": ids, "households": hh, "population": [3 * h for h in hh], "walk_m": 2000.0,
         "walk_min": 30.0, "band": "beyond", "reason": ""},
        geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in zip(xs, ys)], crs=UTM,
    )


# --- coverage gaps ------------------------------------------------------------------------------


def test_a_gap_of_two_homes_has_the_same_site_whatever_the_row_order():
    """A pair of homes is equally near its middle: the site went to the row listed first (the
    Futian demo's gaps G011, G022, G027, G038 and G062 moved 2-39 m when its units were shuffled,
    nine others when the demand came in EPSG:4547). The tie now goes to the western home."""
    net = street_grid()
    homes = uncovered_homes([("a", 140, 210, 30), ("b", 220, 210, 30),  # 80 m apart on one street
                             ("far1", 9000, 9000, 5), ("far2", 9060, 9000, 5)])  # off the network
    for rows in (homes, homes.iloc[::-1], homes.iloc[[1, 0, 3, 2]]):
        gaps = coverage_gaps(rows, net, link_m=150.0).set_index("gap_id")
        assert gaps["n_points"].tolist() == [2, 2]
        # the west home's point on its street (y = 200 m), and the west home off the network
        assert gaps.loc["G001", ["site_x", "site_y"]].tolist() == [X0 + 140, Y0 + 200]
        assert gaps.loc["G002", ["site_x", "site_y"]].tolist() == [X0 + 9000, Y0 + 9000]


def test_gap_sites_do_not_move_with_reprojection_noise():
    """The same homes given in degrees: the millimetres of a round trip through EPSG:4326 do not
    decide which home of a pair is the site."""
    net = street_grid()
    homes = uncovered_homes([("a", 140, 210, 30), ("b", 220, 210, 30)])
    base = coverage_gaps(homes, net, link_m=150.0)
    for crs in ("EPSG:4326", "EPSG:4490", "EPSG:4547"):
        again = coverage_gaps(homes.to_crs(crs).iloc[::-1], net, link_m=150.0)
        assert np.allclose(again[["site_x", "site_y"]], base[["site_x", "site_y"]], atol=0.01, rtol=0)
        assert again["households"].tolist() == base["households"].tolist() == [60.0]


# --- ten-household groups -------------------------------------------------------------------------


def households_at_doors(doors) -> gpd.GeoDataFrame:
    """One point per household at its building's door: ``doors`` is (x, y, households) from (X0, Y0);
    household ids ``h<building><nn>``."""
    rows = [(f"h{b}{i:02d}", x, y) for b, (x, y, n) in enumerate(doors) for i in range(n)]
    return gpd.GeoDataFrame({"household_id": [r[0] for r in rows]},
                            geometry=[shapely.Point(X0 + x, Y0 + y) for _, x, y in rows], crs=UTM)


def test_households_at_one_door_join_the_same_groups_whatever_the_row_order():
    """A building's households share its door's point, so the Hilbert order ties them and the
    tie went to the row order: reversing 25 households (12, 9 and 4 at three doors) moved 16 of
    them to another group. Ties now go by place, count and id (or the index)."""
    units = gpd.GeoDataFrame({"unit_id": ["u1"], "grid_id": ["G1"]},
                             geometry=[shapely.box(X0, Y0, X0 + 100, Y0 + 100)], crs=UTM)
    homes = households_at_doors([(10, 10, 12), (50, 50, 9), (90, 90, 4)])
    by_id = ten_household_groups(homes, units, id_col="household_id").households.set_index("household_id")
    # 25 households: three groups of 8 or 9 along the curve, the door's households in id order
    assert by_id["group_id"].value_counts().sort_index().tolist() == [8, 9, 8]
    assert by_id.loc[["h000", "h007"], "group_id"].tolist() == ["G1-001", "G1-001"]
    assert by_id.loc[["h008", "h100"], "group_id"].tolist() == ["G1-002", "G1-002"]
    rng = np.random.default_rng(7)
    for rows in (homes.iloc[::-1], homes.iloc[rng.permutation(len(homes))]):
        again = ten_household_groups(rows, units, id_col="household_id").households
        assert again.index.equals(rows.index)  # the input's rows, in its order
        assert again.set_index("household_id")["group_id"].loc[by_id.index].tolist() == by_id["group_id"].tolist()
        indexed = ten_household_groups(rows.set_index("household_id"), units).households
        assert indexed["group_id"].loc[by_id.index].tolist() == by_id["group_id"].tolist()


# --- siting --------------------------------------------------------------------------------------


def test_of_two_equally_good_candidates_the_same_is_chosen_whatever_the_row_order():
    """K1 and K2 each reach one home of 10 households (K3 none): with k=1 the site was whichever
    the candidates layer listed first (K1, or K2 once the layer was re-saved in reverse). Now the
    first by id."""
    net = street_grid()
    homes = gpd.GeoDataFrame({"unit_id": ["p", "q"], "households": [10, 10]},
                             geometry=[shapely.Point(X0 + 100, Y0 + 120), shapely.Point(X0 + 400, Y0 + 120)], crs=UTM)
    station = gpd.GeoDataFrame({"station_id": ["Z"]}, geometry=[shapely.Point(X0 + 500, Y0 + 500)], crs=UTM)
    candidates = gpd.GeoDataFrame({"candidate_id": ["K1", "K2", "K3"]}, crs=UTM, geometry=[
        shapely.Point(X0 + 100, Y0 + 100), shapely.Point(X0 + 400, Y0 + 100), shapely.Point(X0 + 100, Y0 + 400)])
    demand = walking_coverage(homes, station, net, meters=[100, 200])
    for exact in (True, False):
        for rows in (candidates, candidates.iloc[::-1], candidates.iloc[[1, 2, 0]]):
            for homes_in in (demand, demand.iloc[::-1]):
                result = site_stations(homes_in, station, net, candidates=rows, k=1, band="100m", meters=[100, 200],
                                       exact=exact)
                assert result.sites["candidate_id"].tolist() == ["K1"]
                assert result.sites["gain_households"].tolist() == [10.0]


# --- households spread over buildings ------------------------------------------------------------


def test_identical_towers_get_the_same_households_whatever_the_row_order_or_crs():
    """Three identical 18-floor towers share a community's 1,000 households: 334, 333 and 333.
    The odd household went to the tower listed first (T1 as given, T3 reversed), and to T3 when
    the layers came in degrees (their areas then differ by rounding noise). Now to the westernmost."""
    community = gpd.GeoDataFrame({"community_id": ["C1"], "households": [1000]},
                                 geometry=[shapely.box(X0, Y0, X0 + 300, Y0 + 100)], crs=UTM)
    towers = gpd.GeoDataFrame({"tower": ["T1", "T2", "T3"], "floors": [18, 18, 18]}, crs=UTM,
                              geometry=[shapely.box(X0 + x, Y0 + 40, X0 + x + 20, Y0 + 60) for x in (40, 140, 240)])
    for rows, comm in [(towers, community), (towers.iloc[::-1], community),
                       (towers.iloc[[1, 2, 0]].to_crs("EPSG:4326"), community.to_crs("EPSG:4326")),
                       (towers.iloc[::-1].to_crs("EPSG:4490"), community.to_crs("EPSG:4490"))]:
        out = spread_by_floor_area(rows, comm)
        assert out.index.equals(rows.index)
        assert out.set_index("tower")["households"].to_dict() == {"T1": 334, "T2": 333, "T3": 333}


# --- grid codes ----------------------------------------------------------------------------------


def test_grid_codes_read_the_grids_in_the_same_frame_whatever_their_crs():
    """Two grids named out of the engine's pattern, 1 km apart in Futian, the eastern one 25 m
    higher in CGCS2000 / 3-degree Gauss-Krüger CM 114E (EPSG:4547), whose north is 1.15° off UTM
    50N's there: read in the layer's own CRS the east grid was a row of its own (numbered 1),
    read in UTM (from EPSG:4326 or 32650) both were one row, west first. The reading order is now
    always taken in the local UTM zone."""
    from pyproj import Transformer

    x0, y0 = Transformer.from_crs("EPSG:4326", "EPSG:4547", always_xy=True).transform(114.02, 22.53)
    grids = gpd.GeoDataFrame({"grid_id": ["west", "east"], "community_id": ["C1", "C1"]}, crs="EPSG:4547",
                             geometry=[shapely.box(x0, y0, x0 + 200, y0 + 30),
                                       shapely.box(x0 + 1000, y0 + 25, x0 + 1200, y0 + 55)])
    community = gpd.GeoDataFrame({"community_id": ["C1"], "code": ["440304007001"]}, crs="EPSG:4547",
                                 geometry=[shapely.box(x0 - 100, y0 - 100, x0 + 1300, y0 + 200)])
    for crs in ("EPSG:4547", "EPSG:4326", "EPSG:4490", "EPSG:32650"):
        for rows in (grids.to_crs(crs), grids.to_crs(crs).iloc[::-1]):
            coded = assign_grid_codes(rows, community, layout="db11").set_index("grid_id")
            assert coded["grid_code"].to_dict() == {"west": "440304007001001", "east": "440304007001002"}, crs


# --- home points on a network kept in a Gauss-Krüger zone ------------------------------------------

#: The Futian demo's unit C04-0114 (synthetic), EPSG:4326.
UNIT_C04_0114 = shapely.from_wkt("POLYGON ((114.037682 22.5452328, 114.0370397 22.5448224, 114.0367943 22.5449514, "
                                 "114.0369608 22.5456247, 114.0376026 22.5456219, 114.037682 22.5452328))")


def streets_in(crs: str):
    """A 4 x 4 street grid 0.001 deg apart around unit C04-0114, read in ``crs``."""
    lon, lat = np.meshgrid(114.0360 + 0.001 * np.arange(4), 22.5440 + 0.001 * np.arange(4))
    ids = np.arange(16).reshape(4, 4)
    u = np.r_[ids[:, :-1].ravel(), ids[:-1, :].ravel()]
    v = np.r_[ids[:, 1:].ravel(), ids[1:, :].ravel()]
    nodes = gpd.GeoSeries(shapely.points(lon.ravel(), lat.ravel()), crs="EPSG:4326").to_crs(crs)
    return network_from_arrays(shapely.get_coordinates(nodes.values), u, v, crs=crs)


def test_a_unit_has_the_same_home_point_on_a_network_in_utm_or_in_a_gauss_krueger_zone():
    """A network read from CGCS2000 / 3-degree GK CM 114E (EPSG:4547) stays in it (ground metres);
    a unit's home point (shapely's point on surface, on a west-east line through its middle) was
    found there, 1.15° turned from UTM 50N: C04-0114's point moved 39 m, and on the demo 178 units
    moved, 12 changed band (503 households). It is now found in the local UTM zone either way."""
    unit = gpd.GeoDataFrame({"unit_id": ["C04-0114"], "households": [50]}, geometry=[UNIT_C04_0114], crs="EPSG:4326")
    station = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[shapely.Point(114.0360, 22.5440)], crs="EPSG:4326")
    points, walks = [], []
    for crs in ("EPSG:32650", "EPSG:4547"):
        net = streets_in(crs)
        xy = layer_xy(unit.to_crs("EPSG:4490"), net, name="units")
        points.append(gpd.GeoSeries(shapely.points(xy), crs=crs).to_crs("EPSG:32650").values[0])
        walks.append(walking_coverage(unit, station, net, meters=[500, 1000])["walk_m"].iloc[0])
    assert shapely.distance(points[0], points[1]) < 0.01
    # the same walk, but for the two CRSs' scales (UTM 50N's is 1.00077 at 114E, the zone's 1.0000)
    assert walks[1] == pytest.approx(walks[0], rel=1e-3)


def test_household_groups_are_the_same_from_a_gauss_krueger_zone():
    """The Hilbert curve was drawn in the points' own CRS when it is in ground metres: the Futian
    demo's community C01 (82 points of households, 77 groups in one grid) had points in other
    groups from EPSG:4547 than from EPSG:4326 (5 of them in the demo plan's grids). The curve is
    now drawn in the local UTM zone."""
    from spatial.datasets.embedded import load_demo

    units = load_demo(network=False)["units"].query("community_id == 'C01'").assign(grid_id="C01-01")
    homes = units.loc[units["households"] > 0, ["unit_id", "households"]].set_geometry(
        units.loc[units["households"] > 0].to_crs("EPSG:32650").representative_point().to_crs("EPSG:4326"))
    base = ten_household_groups(homes, units, households_col="households", id_col="unit_id").households
    assert len(base) == 80 and base["group_id"].nunique() == 75
    for crs in ("EPSG:4547", "EPSG:4490", "EPSG:32650"):
        again = ten_household_groups(homes.to_crs(crs), units.to_crs(crs), households_col="households",
                                     id_col="unit_id").households
        assert again["group_id"].tolist() == base["group_id"].tolist(), crs


def test_the_same_units_in_another_row_order_give_the_same_grids():
    # a units layer saved again in QGIS (sorted by another column) gave another plan: on the demo,
    # reversed rows put 224-287 of 1,866 units in another grid and 837-904 under another grid name.
    # The units are drawn in the order of their ids and come back in their rows' order.
    import spatial
    from spatial.grids.partition import partition_grids

    demo = spatial.load_demo()
    units = demo["units"][demo["units"]["community_id"].isin(["C01", "C02"])]
    comms = demo["communities"][demo["communities"]["community_id"].isin(["C01", "C02"])]
    first = partition_grids(units, comms)
    for shuffled in (units.iloc[::-1], units.sample(frac=1.0, random_state=7).set_index("unit_id", drop=False)):
        again = partition_grids(shuffled, comms)
        assert again.units.index.equals(shuffled.index)  # the rows' own order and index
        assert dict(zip(again.units["unit_id"], again.units["grid_id"])) == \
            dict(zip(first.units["unit_id"], first.units["grid_id"]))
        assert again.grids.drop(columns="geometry").equals(first.grids.drop(columns="geometry"))


def test_units_whose_ids_are_out_of_order_keep_their_range_index_and_write_no_index_column(tmp_path):
    # drawn in the order of their ids and put back, the units came back under a plain Index of
    # 0..n-1 instead of their RangeIndex, and every writer then saved it as a column 'index'
    # (the units layer of grids.gpkg and of a project's results.gpkg)
    import pyogrio

    from spatial.grids.partition import partition_grids
    from spatial.io.writers import write_layers

    units = gpd.GeoDataFrame({"unit_id": ["U3", "U1", "U2", "U4"], "households": [100, 100, 100, 100]},
                             geometry=[shapely.box(100 * i, 0, 100 * (i + 1), 100) for i in range(4)],
                             crs="EPSG:32650")
    comms = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 400, 100)], crs="EPSG:32650")
    out = partition_grids(units, comms, min_households=150, max_households=250)
    assert isinstance(out.units.index, pd.RangeIndex) and out.units.index.equals(units.index)
    assert out.units["unit_id"].tolist() == ["U3", "U1", "U2", "U4"]
    path = write_layers({"units": out.units}, tmp_path / "g.gpkg")
    assert "index" not in pyogrio.read_info(path, layer="units")["fields"].tolist()
