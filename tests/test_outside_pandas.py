"""The public API as an analyst calls it in Jupyter on today's pandas (3.x: copy-on-write, the
``str`` dtype): the shapes alone (``gdf.geometry``), None or a list given where a layer is due are
named in one line, not a pandas AttributeError deep inside; whole household counts come back as
integers from every coverage table, as they do from the grids."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

import spatial

CRS = "EPSG:32650"


def _town():
    """A 2,000 m footway along y = 0, a station of 60 m² at x = 0 and homes at x = 300 m (10
    households, 25 people), 1,100 m (20, 50) and 1,150 m (30, 70): at 4 km/h 15 minutes is 1,000 m,
    so the first is within it and the other two beyond, 50 m apart (one gap)."""
    lines = gpd.GeoDataFrame({"highway": ["footway"], "name": ["绿道"]},
                             geometry=[LineString([(0, 0), (2000, 0)])], crs=CRS)
    homes = gpd.GeoDataFrame({"unit_id": ["near", "far", "farther"], "households": [10, 20, 30],
                              "population": [25, 50, 70], "community_id": ["C1", "C1", "C1"]},
                             geometry=[Point(300, 0), Point(1100, 0), Point(1150, 0)], crs=CRS, index=[5, 9, 7])
    station = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["一站"], "floor_area_m2": [60]},
                               geometry=[Point(0, 0)], crs=CRS)
    return lines, spatial.read_network(lines), homes, station


def _grids():
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, -100, 2000, 100)], crs=CRS)
    units = gpd.GeoDataFrame(
        {"unit_id": ["u1", "u2", "u3", "u4"], "community_id": "C1", "households": [100, 120, 90, 110],
         "grid_id": ["G1", "G1", "G2", "G2"]},
        geometry=[box(0, -100, 500, 100), box(500, -100, 1000, 100), box(1000, -100, 1500, 100),
                  box(1500, -100, 2000, 100)], crs=CRS,
    )
    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"], "community_id": "C1", "households": [220, 200],
                              "n_buildings": [2, 2]},
                             geometry=[box(0, -100, 1000, 100), box(1000, -100, 2000, 100)], crs=CRS)
    return communities, units, grids


_SHAPES_ALONE = r"must be a (Geo)?DataFrame .*got a GeoSeries: the geometries alone, without the layer's columns; " \
                r"pass the GeoDataFrame itself \(gdf, not gdf\.geometry"


def _calls():
    """Each public call that read a layer's columns before it checked the layer was a frame:
    (label, the layer's name in the message, call taking the layer)."""
    lines, net, homes, station = _town()
    communities, units, grids = _grids()
    demand = spatial.walking_coverage(homes, station, net)
    return {label: (name, call) for label, name, call in [
        ("partition_grids units", "units", lambda x: spatial.partition_grids(x, communities)),
        ("staffing grids", "grids", lambda x: spatial.staffing(x)),
        ("coverage_summary demand", r"demand \(run walking_coverage first\)",
         lambda x: spatial.coverage_summary(x, bands="15min")),
        ("coverage_summary communities", "communities",
         lambda x: spatial.coverage_summary(demand, bands="15min", communities=x)),
        ("coverage_summary grids", "grids", lambda x: spatial.coverage_summary(demand, bands="15min", grids=x)),
        ("coverage_gaps demand", "demand", lambda x: spatial.coverage_gaps(x, net)),
        ("station_load demand", r"demand \(run walking_coverage first\)", lambda x: spatial.station_load(x, station)),
        ("station_load stations", "stations", lambda x: spatial.station_load(demand, x)),
        ("station_fca demand", "demand", lambda x: spatial.station_fca(x, station, net)),
        ("station_fca stations", "stations", lambda x: spatial.station_fca(demand, x, net)),
        ("four_bounds roads", "roads", lambda x: spatial.four_bounds(grids, x)),
        ("grid_map units", "units", lambda x: spatial.grid_map(grids, units=x)),
        ("grid_map communities", "communities", lambda x: spatial.grid_map(grids, communities=x)),
        ("grid_editor communities", "communities", lambda x: spatial.grid_editor(units, x)),
    ]}, {"units": units, "grids": grids, "communities": communities, "demand": demand, "stations": station,
        "roads": lines}


_CALLED = ["partition_grids units", "staffing grids", "coverage_summary demand", "coverage_summary communities",
           "coverage_summary grids", "coverage_gaps demand", "station_load demand", "station_load stations",
           "station_fca demand", "station_fca stations", "four_bounds roads", "grid_map units",
           "grid_map communities", "grid_editor communities"]


@pytest.mark.parametrize("label", _CALLED)
def test_the_shapes_alone_given_for_a_layer_are_named_not_a_pandas_attribute_error(label):
    # units.geometry passed for units (a slip from gdf.plot() cells, or gdf["geometry"]): each of
    # these ended in "AttributeError: 'GeoSeries' object has no attribute 'columns'"; None or a list
    # of layers in "'NoneType' / 'list' object has no attribute 'columns'"
    calls, layers = _calls()
    name, call = calls[label]
    layer = layers[label.split()[-1]]
    with pytest.raises(spatial.GeometryError, match=rf"^'{name}' {_SHAPES_ALONE}"):
        call(layer.geometry)
    with pytest.raises(spatial.GeometryError, match=rf"^'{name}' must be a (Geo)?DataFrame .*got list; "):
        call([layer])
    call(layer)  # the layer itself is taken


def test_a_missing_layer_or_a_table_without_geometry_is_named_where_a_layer_is_due(tmp_path):
    # overview_map(None, ...) and overview_png(communities=None) ended in "TypeError: object of type
    # 'NoneType' has no len()"; a table of the roads' names (no geometry) given to four_bounds in
    # "'DataFrame' object has no attribute 'crs'", the communities as a table to grid_editor in
    # "'DataFrame' object has no attribute 'to_crs'"
    lines, net, homes, station = _town()
    communities, units, grids = _grids()
    demand = spatial.walking_coverage(homes, station, net)
    with pytest.raises(spatial.GeometryError, match=r"^'grids' must be a GeoDataFrame .*got NoneType; "):
        spatial.overview_map(None, demand, station)
    with pytest.raises(spatial.GeometryError, match=r"^'communities' must be a GeoDataFrame .*got NoneType; "):
        spatial.overview_png(tmp_path / "overview.png", communities=None, demand=demand)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(spatial.GeometryError, match=r"^'roads' must be a GeoDataFrame .*got DataFrame; read it"):
        spatial.four_bounds(grids, pd.DataFrame(lines))
    with pytest.raises(spatial.GeometryError, match=r"^'communities' must be a GeoDataFrame .*got DataFrame; read it"):
        spatial.grid_editor(units, pd.DataFrame(communities))
    # the same calls on the layers
    assert spatial.four_bounds(grids, lines)["grid_id"].tolist() == ["G1", "G2"]
    assert spatial.grid_editor(units, communities).startswith("<!DOCTYPE html>")


def test_a_geoseries_of_stations_says_to_pass_the_frame_not_to_read_a_file():
    # the message for walking_coverage(homes, stations.geometry, ...) said "read it with
    # geopandas.read_file" (the analyst has the layer already: it is the frame that is due)
    lines, net, homes, station = _town()
    with pytest.raises(spatial.GeometryError, match=rf"^'stations' {_SHAPES_ALONE}"):
        spatial.walking_coverage(homes, station.geometry, net)
    with pytest.raises(spatial.GeometryError, match=rf"^'stations' {_SHAPES_ALONE}"):
        spatial.isochrones(station.geometry, net)


def test_coverage_tables_count_whole_households_and_people_as_integers():
    # homes of 10, 20 and 30 households: the summary said 60.0 households, 10.0 within 15 minutes,
    # the gap 50.0 and the station 10.0 served (float64), where the grids say 220 (int64); an
    # analyst's merge or a sum shown in a notebook read "60.0 户". Counts that are not whole
    # (households spread by floor area) stay as given.
    lines, net, homes, station = _town()
    demand = spatial.walking_coverage(homes, station, net)
    assert demand["band"].tolist() == ["5min", "beyond", "beyond"]  # 300 m is 4.5 minutes
    summary = spatial.coverage_summary(demand, bands=["5min", "15min"])
    counts = ["households", "population", "hh_estimated", "hh_unreachable", "hh_5min", "hh_5min_estimated",
              "pop_5min", "hh_15min", "hh_15min_estimated", "pop_15min"]
    assert summary[counts].dtypes.tolist() == ["int64"] * len(counts)
    assert summary.loc[0, ["households", "population", "hh_15min", "pop_15min"]].tolist() == [60, 145, 10, 25]
    assert summary.loc[0, "pct_hh_15min"] == pytest.approx(100 / 6)
    gaps = spatial.coverage_gaps(demand, net)
    assert gaps["households"].tolist() == [50] and gaps["households"].dtype == "int64"
    assert gaps["population"].tolist() == [120] and gaps["population"].dtype == "int64"
    load = spatial.station_load(demand, station)
    assert load[["households_served", "population_served", "households_estimated"]].dtypes.tolist() == ["int64"] * 3
    assert load.loc[0, ["households_served", "population_served"]].tolist() == [60, 145]
    assert load.loc[0, "m2_per_100hh"] == pytest.approx(100.0)
    # the same homes with counts read as floats (a column with a blank once in it) or as Int64
    for hh in (homes["households"].astype(float), homes["households"].astype("Int64")):
        again = spatial.walking_coverage(homes.assign(households=hh), station, net)
        assert spatial.coverage_summary(again, bands="15min")["hh_15min"].tolist() == [10, 10]  # overall, C1
        assert spatial.coverage_summary(again, bands="15min")["hh_15min"].dtype == "int64"
    # halves stay halves
    halves = demand.assign(households=[10.5, 20, 29.5])
    assert spatial.coverage_summary(halves, bands="15min")["households"].tolist() == [60.0, 60.0]
    assert spatial.coverage_summary(halves, bands="15min")["hh_15min"].tolist() == [10.5, 10.5]
    assert spatial.coverage_gaps(halves, net)["households"].tolist() == [49.5]
    assert spatial.station_load(halves, station)["households_served"].tolist() == [60.0]


@pytest.mark.parametrize("given", ["int64", "Int64", "text"])
def test_validate_inputs_keeps_whole_household_counts_whole(given):
    # units with 100 and 120 households (int64, pandas' Int64, or "100户" typed in a sheet): the
    # checked units came back with 100.0 and 120.0 (float64), so every table an analyst built from
    # them showed "100.0 户"; whole counts are int64 now, and a float column stays as it was given
    _, _, homes, _ = _town()
    units = homes.iloc[:2].copy()
    if given == "Int64":
        units["households"] = units["households"].astype("Int64")
    elif given == "text":
        units["households"] = units["households"].astype(str) + "户"
    layers, _ = spatial.validate_inputs(units=units)
    assert layers["units"]["households"].tolist() == [10, 20] and layers["units"]["households"].dtype == "int64"
    assert list(layers["units"].index) == [5, 9] and list(layers["units"].columns) == list(units.columns)
    floats, _ = spatial.validate_inputs(units=homes.assign(households=[10.0, 20.5, 30.0]))
    assert floats["units"]["households"].tolist() == [10.0, 20.5, 30.0]


def test_a_summary_of_no_homes_still_has_its_overall_row_of_zero():
    # demand[demand["community_id"] == "C9"] (a community with no homes yet, or a mistyped id):
    # the summary had no rows at all, and with the communities given it listed each community at
    # 0 households but no 'overall' row, so summary.loc[summary.level == "overall"] was empty
    lines, net, homes, station = _town()
    demand = spatial.walking_coverage(homes, station, net)
    communities = gpd.GeoDataFrame({"community_id": ["C1", "C2"]},
                                   geometry=[box(0, -100, 1000, 100), box(1000, -100, 2000, 100)], crs=CRS)
    none = spatial.coverage_summary(demand.iloc[:0], bands="15min")
    assert none[["level", "id", "n_points", "households", "hh_15min"]].values.tolist() == [["overall", "all", 0, 0, 0]]
    assert pd.isna(none.loc[0, "pct_hh_15min"])
    listed = spatial.coverage_summary(demand.drop(columns="community_id").iloc[:0], bands="15min",
                                      communities=communities)
    assert listed[["level", "id", "households"]].values.tolist() == [
        ["overall", "all", 0], ["community", "C1", 0], ["community", "C2", 0]]
    # with homes the rows are as they were: overall first, then each community
    some = spatial.coverage_summary(demand.drop(columns="community_id"), bands="15min", communities=communities)
    assert some[["level", "id", "households", "hh_15min"]].values.tolist() == [
        ["overall", "all", 60, 10], ["community", "C1", 10, 10], ["community", "C2", 50, 0]]


def test_a_column_a_function_writes_that_the_layer_already_has_is_said_when_its_values_change(caplog):
    # a survey's own 'households_served' on the stations, the registry's 'four_bounds' on the grids,
    # a previous layout's 'grid_code', staffing at other ratios: each was replaced without a word
    # (walking_coverage and partition_grids say so); now each says which column it replaces and how
    # to keep the old values, and a rerun on its own output (the same values) says nothing
    import logging

    lines, net, homes, station = _town()
    communities, units, grids = _grids()
    demand = spatial.walking_coverage(homes, station, net)
    calls = [
        ("stations", "households_served", "station_load",
         lambda: spatial.station_load(demand, station.assign(households_served=[999]))),
        ("demand", "fca_m2_per_100hh", "station_fca",
         lambda: spatial.station_fca(demand.assign(fca_m2_per_100hh=1.0), station, net)),
        ("stations", "fca_households_in_reach", "station_fca",
         lambda: spatial.station_fca(demand, station.assign(fca_households_in_reach=1.0), net)),
        ("grids", "four_bounds", "four_bounds", lambda: spatial.four_bounds(grids.assign(four_bounds="东至河"), lines)),
        ("grids", "household_leads", "staffing", lambda: spatial.staffing(grids.assign(household_leads=1))),
        ("grids", "grid_code", "assign_grid_codes",
         lambda: spatial.assign_grid_codes(grids.assign(grid_code="x"), communities.assign(code="440304001002"))),
        ("buildings", "households_source", "spread_by_floor_area",
         lambda: spatial.spread_by_floor_area(units.assign(households_source="普查"),
                                              communities.assign(households=420))),
    ]
    for layer, column, by, call in calls:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="spatial"):
            out = call()
        said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert said == [f"'{layer}' already has column '{column}'; {by} replaces it with its own (to keep the old "
                        f"values, rename it first, in the file or with {layer}.rename(columns={{'{column}': "
                        f"'old_{column}'}}))"], (by, said)
    # the same call on its own output: the values stay, nothing is said
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spatial"):
        loaded = spatial.station_load(demand, station)
        assert spatial.station_load(demand, loaded)["households_served"].tolist() == [60]
        bounded = spatial.four_bounds(grids, lines)
        spatial.four_bounds(bounded, lines)
        spatial.staffing(spatial.staffing(grids))
        fca = spatial.station_fca(demand, station, net)
        spatial.station_fca(fca[0], fca[1], net)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_partition_grids_refuses_true_false_for_locked_or_together_instead_of_drawing_grids_true_and_false():
    # units carrying the editor's (or redraw_grids') boolean 'locked' column, passed on as
    # partition_grids(units, communities, locked="locked") or as a mask keyed by unit id: every
    # True unit was put in a grid named True and every False unit in a grid named False, one grid
    # of 100 households and one of 320 without a word (in Futian's C01: 203 and 4,044 households)
    communities, units, _ = _grids()
    units = units.drop(columns="grid_id").assign(locked=[True, False, False, False])
    mask = units.set_index("unit_id")["locked"]
    for locked in ("locked", mask, mask.to_dict(), mask.astype("boolean")):
        with pytest.raises(spatial.OptionError, match=r"^locked holds True/False, which would put every True unit "
                                                      r"in one grid .*redraw_grids\(units, communities, plan, "
                                                      r"locked='locked'\)"):
            spatial.partition_grids(units, communities, locked=locked, min_households=150, max_households=250)
    with pytest.raises(spatial.OptionError, match=r"^together holds True/False.*give that column as gated_col="):
        spatial.partition_grids(units, communities, together="locked", min_households=150, max_households=250)
    # the lock as the docstring means it, unit -> grid: u1 kept in a grid named 'K'
    plan = spatial.partition_grids(units, communities, locked={"u1": "K"}, min_households=150, max_households=250)
    assert plan.units["grid_id"].tolist()[0] == "K"
    assert sorted(plan.grids["households"].tolist()) == [200, 220]


def test_a_plan_read_or_given_with_the_shapes_alone_is_named(tmp_path):
    # read_plan("plan.csv", units.geometry) ended in "AttributeError: 'GeoSeries' object has no
    # attribute 'columns'"; redraw_grids(units, communities, grids.geometry) (the grid outlines
    # without their ids) in "'plan' matches none of the units: its unit ids (0, 1) are not among the
    # units' (u1, u2, u3, u4)", as if the polygons' row numbers were unit ids; and the outlines
    # themselves (a 网格边界 layer, which `spatial grids --existing outlines.shp --redraw` takes) in
    # "'plan' has no column 'unit_id'"
    communities, units, grids = _grids()
    path = tmp_path / "plan.csv"
    path.write_text("unit_id,grid_id\nu1,G1\nu2,G1\nu3,G2\nu4,G2\n", encoding="utf-8-sig")
    with pytest.raises(spatial.GeometryError, match=rf"^'units' {_SHAPES_ALONE}"):
        spatial.read_plan(path, units.geometry)
    with pytest.raises(spatial.GeometryError, match=rf"^'plan' {_SHAPES_ALONE}"):
        spatial.redraw_grids(units, communities, grids.geometry, min_households=150, max_households=250)
    assert spatial.read_plan(path, units).tolist() == ["G1", "G1", "G2", "G2"]
    # the outlines themselves are read as the command line reads them (the units each holds): G1
    # holding u1 (100 households) and G2 the other three (320) is brought into the band by one move
    outlines = grids.assign(geometry=[box(0, -100, 500, 100), box(500, -100, 2000, 100)])
    redrawn = spatial.redraw_grids(units.drop(columns="grid_id"), communities, outlines,
                                   min_households=150, max_households=250)
    assert redrawn.units["grid_id"].tolist() == ["G1", "G1", "G2", "G2"]
    assert redrawn.moves["unit_id"].tolist() == ["u2"] and redrawn.grids["households"].tolist() == [220, 200]


def test_grids_per_community_given_as_a_series_are_drawn_as_the_mapping_they_are():
    # n_grids=communities.set_index("community_id")["grids"] (the number per community kept in
    # the communities' table) was refused in three lines: "n_grids must be a whole number ...
    # got C1    2\nC2    1\nName: grids, dtype: int64"
    communities = gpd.GeoDataFrame({"community_id": ["C1", "C2"], "grids": [2, 1]},
                                   geometry=[box(0, -100, 1000, 100), box(1000, -100, 2000, 100)], crs=CRS)
    _, units, _ = _grids()
    units = units.drop(columns="grid_id").assign(community_id=["C1", "C1", "C2", "C2"])
    per = communities.set_index("community_id")["grids"]
    plan = spatial.partition_grids(units, communities, n_grids=per)
    assert plan.grids.groupby("community_id").size().to_dict() == {"C1": 2, "C2": 1}
    assert plan.grids["households"].tolist() == [100, 120, 200]
    assert plan.units["grid_id"].tolist() == spatial.partition_grids(units, communities, n_grids=per.to_dict()).units[
        "grid_id"].tolist()
    twice = pd.Series([2, 1, 1], index=["C1", "C2", "C2"])
    with pytest.raises(spatial.SpatialError, match=r"^n_grids names community C2 more than once; give each community "
                                                   r"one number of grids$"):
        spatial.partition_grids(units, communities, n_grids=twice)


def test_a_duration_column_is_written_as_text_not_a_pyogrio_error(tmp_path):
    # demand["walk_time"] = pd.to_timedelta(demand["walk_min"], unit="min"), then write_layers or
    # write_shapefile: "NotImplementedError: field type is not supported timedelta64[us]" from
    # pyogrio, and nothing written; durations are written as pandas shows them
    _, net, homes, station = _town()
    demand = spatial.walking_coverage(homes, station, net)
    demand["walk_time"] = pd.to_timedelta(demand["walk_min"], unit="min").dt.round("s")  # 4.5, 16.5, 17.25 min
    kept = demand.copy()
    back = spatial.read_layer(spatial.write_layers({"demand": demand}, tmp_path / "demand.gpkg"))
    assert back["walk_time"].tolist() == ["0 days 00:04:30", "0 days 00:16:30", "0 days 00:17:15"]
    assert back["walk_m"].round(6).tolist() == [300.0, 1100.0, 1150.0]
    shp = spatial.read_layer(spatial.write_shapefile(demand, tmp_path / "demand.shp"))
    assert shp["walk_time"].tolist() == ["0 days 00:04:30", "0 days 00:16:30", "0 days 00:17:15"]
    pd.testing.assert_frame_equal(demand, kept)  # the caller's column is left a duration


def test_new_sites_count_the_households_they_gain_as_whole_households():
    # a site gaining the homes of 20 and 30 households said gain_households 50.0 and the
    # before/after table 60.0 households (float64), where coverage_summary says 60
    _, net, homes, station = _town()
    demand = spatial.walking_coverage(homes, station, net)
    candidate = gpd.GeoDataFrame({"candidate_id": ["K1"]}, geometry=[Point(1120, 0)], crs=CRS)
    sited = spatial.site_stations(demand, station, net, candidates=candidate, k=1)
    assert sited.sites[["gain_households", "gain_population"]].values.tolist() == [[50, 120]]
    assert sited.sites[["gain_households", "gain_population"]].dtypes.tolist() == ["int64", "int64"]
    assert sited.sites.loc[0, "cum_coverage_pct"] == pytest.approx(100.0)
    assert sited.before_after.loc[0, "households"] == 60 and sited.before_after["households"].dtype == "int64"
    halves = spatial.site_stations(demand.assign(households=[10, 20.5, 29.5]), station, net, candidates=candidate, k=1)
    assert halves.before_after["households"].tolist()[0] == 60.0 and halves.before_after["households"].dtype == "float64"


def test_write_workbook_takes_grids_indexed_by_their_own_id(tmp_path):
    # grids.set_index("grid_id", drop=False) (to look grids up by id in a notebook), then
    # write_workbook(..., grids=grids): "ValueError: 'grid_id' is both an index level and a column
    # label, which is ambiguous" from the merge of the grid coverage, and no workbook
    from openpyxl import load_workbook

    _, net, homes, station = _town()
    demand = spatial.walking_coverage(homes.assign(grid_id=["G1", "G2", "G2"]), station, net)
    _, _, grids = _grids()
    summary = spatial.coverage_summary(demand, bands="15min", grids=grids)
    path = spatial.write_workbook(tmp_path / "summary.xlsx", summary, grids=grids.set_index("grid_id", drop=False),
                                  lang="en")
    rows = list(load_workbook(path)["grid"].values)
    at = rows[0].index("Households within 15 min")
    assert rows[0][0] == "Grid id" and [(r[0], r[at]) for r in rows[1:]] == [("G1", 10), ("G2", 0)]
    plain = spatial.write_workbook(tmp_path / "plain.xlsx", summary, grids=grids, lang="en")
    assert list(load_workbook(plain)["grid"].values) == rows  # the same sheet as from the plain frame
