"""The analyst in Jupyter: GeoDataFrames in and out, the same functions as the command line.

Each test builds a tiny input whose answer is known by hand (most: four 50 m x 100 m units in a
row, west to east, in one community), never from spatial's own objects; the few on the demo data
check an order or a count read off the result itself.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import spatial

CRS = "EPSG:32650"
BAND = dict(min_households=150, max_households=250)


def _units(ids=("u1", "u2", "u3", "u4")) -> gpd.GeoDataFrame:
    """100, 120, 90 and 110 households, west to east."""
    return gpd.GeoDataFrame(
        {"unit_id": list(ids), "community_id": "C1", "households": [100, 120, 90, 110]},
        geometry=[box(0, 0, 50, 100), box(50, 0, 100, 100), box(100, 0, 150, 100), box(150, 0, 200, 100)],
        crs=CRS,
    )


def _community() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 200, 100)], crs=CRS)


# --- a Series on the units' own index is a column of the units ---------------------------------

@pytest.mark.parametrize("ids", [(1, 2, 3, 4), ("u1", "u2", "u3", "u4")], ids=["numbered", "named"])
def test_a_plan_read_for_the_units_is_redrawn_as_it_was_read(tmp_path, ids):
    # read_plan(path, units) gives each unit's grid on the units' own index (0..3), as documented
    # for units["grid_id"] = ...; redraw_grids read that Series as keyed by unit id: with units
    # numbered 1..4 unit 2 took row 2's grid B, unit 4 was "not in the plan" and "unit 0 no longer
    # among the units", and a plan already in the band was redrawn with 2 moves; with named
    # units it was refused as "'plan' matches none of the units: its unit ids (0, 1, 2, 3)"
    path = tmp_path / "plan.csv"
    path.write_text("unit_id,grid_id\n" + "".join(f"{i},{g}\n" for i, g in zip(ids, "AABB")), encoding="utf-8")
    units = _units(ids)
    plan = spatial.read_plan(path, units)
    redrawn = spatial.redraw_grids(units, _community(), plan, **BAND)
    assert redrawn.moves.empty  # A = 220 and B = 200 households: in the band as planned
    assert redrawn.units["grid_id"].tolist() == ["A", "A", "B", "B"]
    assert redrawn.report[redrawn.report["layer"] == "plan"].empty
    # the same plan keyed by unit id is read as it always was
    keyed = spatial.redraw_grids(units, _community(), plan.set_axis(units["unit_id"]), **BAND)
    assert keyed.moves.empty and keyed.units["grid_id"].tolist() == ["A", "A", "B", "B"]


def test_units_old_grid_column_passed_as_the_plan_is_that_column():
    # redraw_grids(units, communities, units["old_grid"]): the Series is on the units' rows
    units = _units((1, 2, 3, 4)).assign(old_grid=["A", "A", "B", "B"])
    redrawn = spatial.redraw_grids(units, _community(), units["old_grid"], **BAND)
    assert redrawn.moves.empty and redrawn.units["grid_id"].tolist() == ["A", "A", "B", "B"]


def test_a_column_of_the_units_given_as_a_series_is_read_row_by_row():
    # together=units["estate"] with units numbered 1..4 on a 0..3 index: the estate of row 1 (u2)
    # was put on unit 1 and row 2's on unit 2, so units 1 and 2 were held together instead of
    # 2 and 3 (and a warning said id 0 is not among the units)
    units = _units((1, 2, 3, 4)).assign(estate=[None, "E", "E", None])
    by_series = spatial.partition_grids(units, _community(), together=units["estate"], **BAND)
    grid = dict(zip(by_series.units["unit_id"], by_series.units["grid_id"]))
    assert grid[2] == grid[3]  # the estate of units 2 and 3 is one grid's
    by_name = spatial.partition_grids(units, _community(), together="estate", **BAND)
    assert by_series.units["grid_id"].tolist() == by_name.units["grid_id"].tolist()
    # a Series keyed by unit id is read by its keys, as before
    keyed = spatial.partition_grids(units, _community(), together=units.set_index("unit_id")["estate"], **BAND)
    assert keyed.units["grid_id"].tolist() == by_name.units["grid_id"].tolist()


def test_blocks_given_as_a_column_of_the_units_are_the_units_blocks():
    # blocks=units["block"] with named units was refused: "blocks names no unit among the units:
    # 0, 1, 2, 3; key it by the units' ids"
    units = _units().assign(block=["a", "a", "b", "b"])
    by_series = spatial.partition_grids(units, _community(), blocks=units["block"], **BAND)
    by_name = spatial.partition_grids(units, _community(), blocks="block", **BAND)
    assert by_series.units["grid_id"].tolist() == by_name.units["grid_id"].tolist() == ["C1-01", "C1-01", "C1-02", "C1-02"]


# --- locked given as a mask ----------------------------------------------------------------------

@pytest.mark.parametrize("form", ["series", "array", "list", "keyed"])
def test_redraw_takes_the_locked_units_as_a_true_false_mask(form):
    # locked=units["unit_id"] == "u3" (or units["locked"], a boolean column) was read as a list of
    # unit ids: "locked lists 2 unit ids, none of them among the units: False, True"
    units = _units().assign(grid_id=["A", "A", "A", "B"])
    mask = units["unit_id"] == "u3"
    locked = {"series": mask, "array": mask.to_numpy(), "list": mask.tolist(), "keyed": mask.set_axis(units["unit_id"])}[form]
    by_mask = spatial.redraw_grids(units, _community(), locked=locked, **BAND)
    by_ids = spatial.redraw_grids(units, _community(), locked=["u3"], **BAND)
    assert by_mask.units["grid_id"].tolist() == by_ids.units["grid_id"].tolist()
    assert by_mask.units.set_index("unit_id").at["u3", "grid_id"] == "A"  # the locked unit stayed
    assert by_mask.units["locked"].tolist() == [False, False, True, False]


def test_a_mask_of_the_wrong_length_is_refused_in_one_line():
    units = _units().assign(grid_id=["A", "A", "A", "B"])
    with pytest.raises(spatial.OptionError, match=r"^locked holds 3 True/False values for 4 units; give one per unit"):
        spatial.redraw_grids(units, _community(), locked=np.array([True, False, False]), **BAND)


# --- ids held as the index ------------------------------------------------------------------------

def _stations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"station_id": ["S1"], "name": ["一站"]}, geometry=gpd.points_from_xy([0], [-5]), crs=CRS)


@pytest.mark.parametrize(("call", "layer", "column"), [
    (lambda: spatial.partition_grids(_units(), _community().set_index("community_id")), "communities", "community_id"),
    (lambda: spatial.isochrones(_stations().set_index("station_id"), _street(), meters=(100,)), "stations", "station_id"),
    (lambda: spatial.walking_coverage(_units(), _stations().set_index("station_id"), _street()), "stations",
     "station_id"),
])
def test_ids_set_as_the_index_are_named_as_the_index_not_as_missing(call, layer, column):
    # stations.set_index("station_id") (to look stations up by id): "'stations' has no column
    # 'station_id'; it has: name, geometry. Rename the column or pass its name with ..._col"
    with pytest.raises(spatial.ColumnError, match=rf"^'{layer}' has '{column}' as its index, not as a column; pass "
                                                  rf"{layer}\.reset_index\(\)"):
        call()


def _street():
    """One 200 m footway along the units' southern edge."""
    from shapely.geometry import LineString

    lines = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, -5), (200, -5)])], crs=CRS)
    return spatial.read_network(lines)


# --- the static overview of a small town --------------------------------------------------------

def test_overview_png_of_gaps_some_unranked_numbers_the_ranked_and_draws_the_rest(tmp_path):
    # a town of fewer than ten ranked gaps and one gap of no households (or with no mapped path:
    # no rank): "TypeError: int() argument must be ... not 'NAType'", and `spatial run` of two
    # Futian communities ended in "internal error" at its last step, writing nothing
    import matplotlib.pyplot as plt

    from spatial.maps.static import overview_figure

    gaps = gpd.GeoDataFrame({"gap_id": ["G001", "G002", "N001"], "rank": pd.array([1, pd.NA, pd.NA], dtype="Int64")},
                            geometry=[box(10, 10, 40, 40), box(60, 10, 90, 40), box(110, 10, 140, 40)], crs=CRS)
    path = spatial.overview_png(tmp_path / "o.png", communities=_community(), gaps=gaps, lang="en")
    assert path.exists() and path.stat().st_size > 0
    fig = overview_figure(communities=_community(), gaps=gaps.assign(rank=[1.0, np.nan, np.nan]), zh=False)
    assert [t.get_text() for t in fig.axes[0].texts if t.get_text().startswith("#")] == ["#1"]
    plt.close(fig)


# --- the examples in the code ---------------------------------------------------------------------

def _modules() -> list[str]:
    import pkgutil

    names = (m.name for m in pkgutil.walk_packages(spatial.__path__, "spatial."))
    return sorted(n for n in names if not n.endswith("__main__"))  # importing these runs the CLI


@pytest.mark.parametrize("name", _modules())
def test_every_example_in_the_code_shows_what_it_prints(name, monkeypatch, tmp_path):
    # test_docstrings runs the public names' examples; the helpers' went stale unseen:
    # layer_looks said grids in the band are drawn '#66bd63', the maps draw them '#1a9850'
    import doctest
    import importlib

    public = {f"spatial.{module}.{attr}" for attr, module in spatial._LAZY.items()}
    tests = [t for t in doctest.DocTestFinder().find(importlib.import_module(name)) if t.name not in public]
    monkeypatch.chdir(tmp_path)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    for test in tests:
        runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)


# --- a map shown in the notebook, then saved ------------------------------------------------------

def test_a_map_shown_then_saved_twice_is_the_file_a_fresh_map_saves(tmp_path):
    # folium gave every layer a new 'addTo' line at each render: a map shown in Jupyter and then
    # saved carried each layer's addTo twice, a second save three times, and the files differed
    grids = gpd.GeoDataFrame({"grid_id": ["C1-01", "C1-02"], "households": [220, 200]},
                             geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=CRS)
    fresh = spatial.save_map(spatial.grid_map(grids, communities=_community()), tmp_path / "fresh.html").read_bytes()
    m = spatial.grid_map(grids, communities=_community())
    shown = m._repr_html_()  # a notebook cell showing the map
    first = spatial.save_map(m, tmp_path / "first.html").read_bytes()
    second = spatial.save_map(m, tmp_path / "second.html").read_bytes()
    assert first == fresh and second == fresh
    assert m._repr_html_() == shown
    page = fresh.decode("utf-8")
    layers = set(re.findall(r"var (vector_layer_\w+) = spLayer", page))
    assert layers and all(page.count(f"{layer}.addTo(") == 1 for layer in layers)


# --- validate_inputs gives layers of their own ------------------------------------------------------

def test_validate_inputs_gives_back_frames_of_its_own_whether_or_not_it_repaired_them():
    # a clean layer came back as the very object given (layers["units"] is units): a column set on
    # the checked units appeared on the caller's units too; a layer it repaired came back a copy
    units, communities = _units(), _community()
    before = units.copy(deep=True)
    layers, _ = spatial.validate_inputs(units=units, communities=communities)
    assert layers["units"] is not units and layers["communities"] is not communities
    pd.testing.assert_frame_equal(layers["units"], before)
    layers["units"]["checked"] = True
    layers["units"].loc[0, "households"] = 999
    pd.testing.assert_frame_equal(units, before)


# --- isochrones' study area as the signature allows ---------------------------------------------------

def test_isochrones_take_the_study_area_as_a_geoseries_as_documented():
    # study_area: "GeoDataFrame or GeoSeries"; communities.geometry was refused: "'study_area'
    # must be a GeoDataFrame ..., got a GeoSeries"
    from shapely.geometry import LineString

    street = spatial.read_network(gpd.GeoDataFrame({"highway": ["footway"]}, crs=CRS,
                                                   geometry=[LineString([(0, -5), (400, -5)])]))
    # a station 200 m off the footway: reached over unmapped ground (an estimated walk)
    station = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=gpd.points_from_xy([100], [195]), crs=CRS)
    area = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 200, 300)], crs=CRS)
    frame = spatial.isochrones(station, street, meters=(500,), study_area=area)
    series = spatial.isochrones(station, street, meters=(500,), study_area=area.geometry)
    assert series["area_m2"].tolist() == frame["area_m2"].tolist()
    assert series.geometry.iloc[0].equals(frame.geometry.iloc[0])


# --- the walking network wherever lines are due ---------------------------------------------------

def _named_streets():
    """Four named streets meeting round two 200 m grids, read as a walking network."""
    from shapely.geometry import LineString

    corners = [(-5, 205), (405, 205), (405, -5), (-5, -5)]
    lines = gpd.GeoDataFrame(
        {"highway": ["residential"] * 4, "name": ["红荔路", "农林路", "深南大道", "香蜜湖路"]},
        geometry=[LineString([a, b]) for a, b in zip(corners, corners[1:] + corners[:1])], crs=CRS)
    return lines, spatial.read_network(lines)


def _two_grids():
    return gpd.GeoDataFrame({"grid_id": ["C1-01", "C1-02"], "community_id": "C1", "households": [300, 320]},
                            geometry=[box(0, 0, 200, 200), box(200, 0, 400, 200)], crs=CRS)


def test_four_bounds_read_the_walking_network_as_partition_grids_does():
    # partition_grids(units, communities, roads=network) takes the network, as the grids notebook
    # shows; four_bounds(grids, network) said "'roads' must be a GeoDataFrame ..., got
    # WalkNetwork; read it with geopandas.read_file, or build points with ..."
    _, network = _named_streets()
    bounds = spatial.four_bounds(_two_grids(), network)
    assert bounds["four_bounds"].tolist() == ["东至C1-02网格，南至深南大道，西至香蜜湖路，北至红荔路",
                                              "东至农林路，南至深南大道，西至C1-01网格，北至红荔路"]


@pytest.mark.parametrize("draw", [
    lambda grids, net: spatial.grid_map(grids, network_edges=net),
    lambda grids, net: spatial.overview_png("o.png", communities=_community(), grids=grids, network_edges=net),
    lambda grids, net: spatial.grid_editor(grids.assign(unit_id=["u1", "u2"]), roads=net),
    lambda grids, net: spatial.coverage_map(_homes(), _stations(), network_edges=net),
], ids=["grid_map", "overview_png", "grid_editor", "coverage_map"])
def test_maps_draw_the_walking_network_given_as_it_was_read(draw, tmp_path, monkeypatch):
    # network_edges=network: "'network_edges' must be a GeoDataFrame ..., got WalkNetwork" (and
    # coverage_map: "AttributeError: 'WalkNetwork' object has no attribute 'attrs'")
    monkeypatch.chdir(tmp_path)
    lines, network = _named_streets()
    assert draw(_two_grids(), network) is not None


def _homes():
    return gpd.GeoDataFrame({"unit_id": ["h1"], "households": [10], "walk_m": [100.0], "band": ["5min"]},
                            geometry=gpd.points_from_xy([50], [50]), crs=CRS)


def test_a_walking_network_where_its_edges_are_due_says_how_to_get_them():
    _, network = _named_streets()
    with pytest.raises(spatial.GeometryError, match=r"^'network_edges' must be a GeoDataFrame .*got WalkNetwork; pass "
                                                    r"its edges as a layer: spatial\.edges_frame\(network\)$"):
        spatial.validate_inputs(network_edges=network)


# --- a summary of a band the walks were not scored for ----------------------------------------------

def _scored_15():
    """Homes of 10, 20 and 30 households 8, 12 and 20 minutes' walk from a station (4 km/h),
    labelled as walking_coverage(minutes=(15,)) labels them."""
    return gpd.GeoDataFrame({"unit_id": ["a", "b", "c"], "households": [10, 20, 30],
                             "walk_m": [8 * 200 / 3, 12 * 200 / 3, 20 * 200 / 3], "walk_min": [8.0, 12.0, 20.0],
                             "band": ["15min", "15min", "beyond"]},
                            geometry=gpd.points_from_xy([0, 100, 200], [0, 0, 0]), crs=CRS)


def test_a_summary_of_a_nearer_band_than_the_walks_were_scored_for_counts_by_the_walks():
    # walking_coverage(minutes=(15,)) then coverage_summary(bands=make_bands(minutes=(10,))):
    # "pct_hh_10min 0.0" (no home labelled '10min'); the demo's homes within 10 minutes are 46.8%
    summary = spatial.coverage_summary(_scored_15(), bands=["10min", "15min"])
    assert summary.loc[0, "hh_10min"] == 10 and summary.loc[0, "hh_15min"] == 30
    assert summary.loc[0, "pct_hh_10min"] == pytest.approx(100 * 10 / 60)


def test_a_summary_of_a_band_past_the_scored_ones_is_refused_not_undercounted():
    # bands=["20min"] counted the 12-minute homes only (50%): the 20-minute home, labelled
    # 'beyond', was never counted, though its walk is within 20 minutes
    with pytest.raises(spatial.SpatialError, match=r"^band='20min' is not among the bands the walks were scored for "
                                                   r"\(15min\)"):
        spatial.coverage_summary(_scored_15(), bands=["20min"])


def test_the_overview_png_colours_homes_beyond_a_nearer_band_by_their_walks():
    # overview_png(band="10min") on walks scored for 15 minutes drew the 8-minute home as beyond
    from spatial.maps.static import _uncovered

    assert _uncovered(_scored_15(), "10min").tolist() == [False, True, True]


# --- 2SFCA counts whole households as whole ---------------------------------------------------------

def test_station_fca_counts_the_households_in_reach_as_whole_households():
    # 30 households in reach of the station read 30.0 (float64), where station_load says 30;
    # decayed counts stay fractional
    homes = gpd.GeoDataFrame({"unit_id": ["a", "b"], "households": [10, 20]},
                             geometry=gpd.points_from_xy([50, 150], [-5, -5]), crs=CRS)
    station = gpd.GeoDataFrame({"station_id": ["S1"], "floor_area_m2": [300]}, geometry=gpd.points_from_xy([0], [-5]),
                               crs=CRS)
    _, stations = spatial.station_fca(homes, station, _street(), limit_m=1000)
    assert stations["fca_households_in_reach"].tolist() == [30] and stations["fca_households_in_reach"].dtype == "int64"
    _, decayed = spatial.station_fca(homes, station, _street(), limit_m=1000, decay_sigma_m=100)
    assert decayed["fca_households_in_reach"].dtype == "float64" and 0 < decayed["fca_households_in_reach"].iloc[0] < 30


# --- the grid table in the grids' own order ----------------------------------------------------------

def test_the_grids_of_a_plan_are_listed_in_their_own_order():
    # plan.grids (and grids.csv, the workbook's 网格 sheet, results.gpkg) listed Futian's C02 as
    # C02-03, C02-01, C02-02 ... C02-09, C02-12, C02-10, C02-11: rows in the order the grids were
    # drawn, numbers given by where they lie
    from spatial.core.checks import natural_key

    demo = spatial.load_demo()
    communities = demo["communities"].iloc[:2]
    units = demo["units"][demo["units"]["community_id"].isin(communities["community_id"])]
    grids = spatial.partition_grids(units, communities).grids
    ids = grids["grid_id"].tolist()
    assert ids == sorted(ids, key=natural_key) and ids[:2] == ["C01-01", "C01-02"]
    assert grids["grid_seq"].tolist() == [int(i.split("-")[1]) for i in ids]
    assert grids.index.tolist() == list(range(len(grids)))


def test_a_redrawn_plan_lists_its_grids_by_name_as_people_count_them():
    # the redraw of that plan, a year on (20% more households), listed C01-01, C01-03, C01-02,
    # C01-05, C01-06, C01-06-a, C01-04 ...
    from spatial.core.checks import natural_key

    demo = spatial.load_demo()
    communities = demo["communities"].iloc[:2]
    units = spatial.partition_grids(demo["units"][demo["units"]["community_id"].isin(["C01", "C02"])],
                                    communities).units
    units["households"] = units["households"] * 6 // 5
    ids = spatial.redraw_grids(units, communities).grids["grid_id"].tolist()
    # (C01-12, split off C01-06 at 501 households, is handed back since C01's grids fit the band
    # without it; C02-13 was split off C02-04: new grids take the community's next number. On the
    # demo since 8 December 2026 C02 has 11 grids and the new one is C02-12)
    assert ids == sorted(ids, key=natural_key) and ids[-1] == "C02-12" and "C01-12" not in ids


# --- the map of a community no station serves --------------------------------------------------------

def test_the_map_of_homes_none_within_a_band_asks_for_the_bands_and_draws_with_them():
    # coverage_map of a community whose homes are all beyond the bands (Futian's C10 with one
    # station, walks of 5 minutes) said "bands is empty; give the bands to report", bands the
    # caller never gave
    homes = _homes().assign(band=["beyond"], walk_m=[2000.0], community_id=["C1"])
    with pytest.raises(spatial.OptionError, match=r"^'demand' has no home within a band, so the map cannot tell which "
                                                  r"bands the walks were scored for; pass them, e\.g\. bands="):
        spatial.coverage_map(homes, _stations())
    assert spatial.coverage_map(homes, _stations(), bands=["5min"]) is not None


def test_overview_png_numbers_gaps_and_sites_whose_shapes_are_in_another_column():
    # sites from site_stations(candidates=...) read from PostGIS keep the candidates' 'geom', and
    # gaps read back from PostGIS have it too: "AttributeError: 'Series' object has no attribute
    # 'geometry'"; a site given as the building's outline is numbered at a point inside it
    import matplotlib.pyplot as plt
    from shapely.geometry import Point

    from spatial.maps.static import overview_figure

    x0, y0 = 206_000, 2_495_000  # in Futian, whose UTM zone the figure is drawn in
    gaps = gpd.GeoDataFrame({"rank": [1]}, geometry=[box(x0 + 10, y0 + 10, x0 + 40, y0 + 40)],
                            crs=CRS).rename_geometry("geom")
    sites = gpd.GeoDataFrame({"rank": [1, 2]}, crs=CRS,
                             geometry=[Point(x0 + 120, y0 + 20), box(x0 + 150, y0 + 60, x0 + 170, y0 + 80)])
    community = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(x0, y0, x0 + 200, y0 + 100)], crs=CRS)
    fig = overview_figure(communities=community, gaps=gaps, sites=sites.rename_geometry("geom"), zh=False)
    labels = {t.get_text(): t.get_position() for t in fig.axes[0].texts}
    plt.close(fig)
    assert {"#1", "1", "2"} <= set(labels)
    (x, y), (sx, sy) = labels["#1"], labels["2"]
    assert 10 < x - x0 < 40 and 10 < y - y0 < 40 and 150 < sx - x0 < 170 and 60 < sy - y0 < 80


def test_write_workbook_leaves_out_the_shapes_of_grids_and_gaps_read_from_postgis(tmp_path):
    # evaluate_grids keeps PostGIS's 'geom' column; write_workbook(grids=scores.grids) wrote every
    # polygon into the 网格 sheet as WKT text (and a gap's into 盲区), where 'geometry' was left out
    import openpyxl

    grids = _two_grids().assign(band_status=["in", "over"]).rename_geometry("geom")
    gaps = gpd.GeoDataFrame({"gap_id": ["G001"], "rank": [1], "households": [40], "site_x": [50.0], "site_y": [50.0]},
                            geometry=[box(0, 0, 50, 50)], crs=CRS).rename_geometry("geom")
    summary = pd.DataFrame({"level": ["overall"], "id": ["all"], "n_points": [2], "households": [620],
                            "hh_15min": [300], "pct_hh_15min": [48.4]})
    path = spatial.write_workbook(tmp_path / "a.xlsx", summary, grids=grids, gaps=gaps, lang="en")
    cells = [str(v) for ws in openpyxl.load_workbook(path).worksheets for row in ws.values for v in row]
    assert "C1-02" in cells and "G001" in cells
    assert not [v for v in cells if v.startswith("POLYGON")] and "geom" not in cells
