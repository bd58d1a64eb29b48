"""Specification of the loose ends of the last closing note: module sizes, overlapping units in the
library's report, unknown floor areas, the sites' coordinates and the service areas' default."""

from __future__ import annotations

import csv
import logging
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

import spatial
from spatial.maps._data import decode
from spatial.maps._layers import VectorLayer
from spatial.maps.interactive import overview_map
from spatial.network.read import read_network

UTM = "EPSG:32650"  # Shenzhen
X0, Y0 = 206_000, 2_495_000


# ----------------------------------------------------------------------------- module sizes
def test_every_module_is_under_600_lines():
    """The developers' guide keeps modules under 600 lines (private ``_`` modules split out past
    it); grids/partition.py (664), grids/redraw.py (690) and project/pipeline.py (605) were over."""
    root = Path(spatial.__file__).parent
    sizes = {str(p.relative_to(root)): len(p.read_text(encoding="utf-8").splitlines()) for p in root.rglob("*.py")}
    assert len(sizes) > 100
    assert {name: n for name, n in sizes.items() if n >= 600} == {}


# ----------------------------------------------------------------------------- the siting map
def test_site_popup_gives_wgs84_longitude_and_latitude_to_six_decimals():
    """An official finds a suggested site by its coordinates: 经度/纬度 in WGS84, 6 decimals."""
    sites = gpd.GeoDataFrame({"site_id": ["N1", "N2"], "rank": [1, 2], "gain_households": [130, 50]},
                             geometry=[Point(X0 + 700, Y0 + 100), Point(X0 + 800, Y0 + 150)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(X0 + 50, Y0 + 50)], crs=UTM)
    demand = gpd.GeoDataFrame({"unit_id": ["u1"], "households": [100], "band": ["5min"], "walk_m": [120.0]},
                              geometry=[Point(X0 + 100, Y0 + 100)], crs=UTM)
    grids = gpd.GeoDataFrame({"grid_id": ["G1"], "community_id": ["C1"], "households": [100]},
                             geometry=[box(X0, Y0, X0 + 900, Y0 + 300)], crs=UTM)
    m = overview_map(grids, demand, stations, sites=sites, lang="zh")
    layer = next(c for c in m._children.values() if isinstance(c, VectorLayer) and c.options["key"] == "sites")
    to_wgs84 = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
    want = [tuple(f"{v:.6f}" for v in to_wgs84.transform(X0 + dx, Y0 + dy)) for dx, dy in ((700, 100), (800, 150))]
    got = [(f["properties"]["lon"], f["properties"]["lat"]) for f in decode(layer.data_js)]
    assert got == want
    assert 113 < float(got[0][0]) < 115 and 22 < float(got[0][1]) < 23  # Shenzhen
    labels = {column: label for column, label, _ in layer.fields}
    assert labels["lon"] == "经度（WGS84）" and labels["lat"] == "纬度（WGS84）"


# ----------------------------------------------------------------------------- service areas' default
def _street():
    """A 1 km footway along y = 0 with a station at its west end (no paths mapped off it)."""
    roads = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (1000, 0)])], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(0, 0)], crs=UTM)
    return read_network(roads), stations


def test_isochrones_without_study_area_warn_once_that_they_spill_off_the_network(caplog):
    """Without ``study_area`` the areas claim ground up to ``max_off_network_m`` (300 m) from the
    street on both sides, where no home may be counted (docs/isochrones.md: 11.6 km² on the demo,
    2.0 km² outside the communities). The areas stay as they were (the CLI's figures with them),
    and one warning says so and to pass ``study_area``; none when it is given or walks end at
    ``max_snap_m``."""
    from spatial.coverage.service_areas import isochrones

    net, stations = _street()
    with caplog.at_level(logging.WARNING, logger="spatial.coverage.service_areas"):
        free = isochrones(stations, net, meters=(500,))
    said = [r.getMessage() for r in caplog.records if "study_area" in r.getMessage()]
    assert len(said) == 1 and "300 m" in said[0] and "--communities" in said[0]
    # the area itself is unchanged: a leg at (300, y) reaches 500 m at y = 200 / 1.25 = 160 m either side
    cross = LineString([(300, -400), (300, 400)])
    assert free.geometry.iloc[0].intersection(cross).bounds[1] == pytest.approx(-160, abs=10)
    study = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(-300, 0, 1300, 400)], crs=UTM)
    for kwargs in ({"study_area": study}, {"max_off_network_m": None}):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="spatial.coverage.service_areas"):
            isochrones(stations, net, meters=(500,), **kwargs)
        assert not [r for r in caplog.records if "study_area" in r.getMessage()], kwargs


# ----------------------------------------------------------------------------- unknown floor areas
def _station_load_of_three():
    """Stations A (100 m² for 1,000 households: 10 m² per 100, under 30), B (area blank: unknown)
    and C (500 m² for 100 households: 500 m² per 100, meets it)."""
    from spatial.coverage.load import station_load

    stations = gpd.GeoDataFrame({"station_id": ["A", "B", "C"], "floor_area_m2": [100.0, None, 500.0]},
                                geometry=[Point(0, 0), Point(100, 0), Point(200, 0)], crs=UTM)
    demand = gpd.GeoDataFrame({"households": [1000.0, 1000.0, 100.0], "nearest_station": ["A", "B", "C"]},
                              geometry=[Point(0, 1), Point(100, 1), Point(200, 1)], crs=UTM)
    return station_load(demand, stations)


def test_unknown_floor_area_is_not_under_standard_false_in_the_tables(tmp_path):
    """A station whose floor area is blank was written ``under_standard`` False (meets the
    standard) in the stations layer and station_load.csv; unknown stays unknown (NA, empty)."""
    from spatial.coverage.load import fca_by_community
    from spatial.io.tables import write_csv
    from spatial.io.workbook import integer_counts

    load = _station_load_of_three()
    assert load["m2_per_100hh"].tolist()[::2] == [10.0, 500.0] and pd.isna(load["m2_per_100hh"].iloc[1])
    under = load["under_standard"]
    assert under.astype(object).where(under.notna(), None).tolist() == [True, None, False]
    assert int(load["under_standard"].sum()) == 1
    # the CSV officials open: the unknown cell empty, the others as before
    path = write_csv(integer_counts(pd.DataFrame(load.drop(columns="geometry"))), tmp_path / "station_load.csv")
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["under_standard"] for r in rows] == ["True", "", "False"]
    # a row of no households has no floor area per 100 households either
    demand = pd.DataFrame({"households": [0.0, 100.0], "fca_m2_per_100hh": [float("nan"), 20.0],
                           "community_id": ["C1", "C2"]})
    table = fca_by_community(demand, households_col="households", min_m2_per_100hh=30)
    got = dict(zip(table["id"], table["under_standard"].tolist()))
    assert got["C2"] is True and pd.isna(got["C1"])


def test_unknown_floor_area_is_null_in_the_geopackage_and_blank_in_the_popup(tmp_path):
    """In results.gpkg / coverage.gpkg the unknown station's under_standard is NULL (read here with
    sqlite3, not the project's reader), and the map's popup, reading it back, flags A only."""
    from spatial.io.layers import read_layer
    from spatial.io.writers import write_layers
    from spatial.maps._data import popup_props

    path = write_layers({"stations": _station_load_of_three()}, tmp_path / "coverage.gpkg", fresh=True)
    with sqlite3.connect(path) as db:
        got = db.execute("SELECT station_id, under_standard FROM stations ORDER BY station_id").fetchall()
    assert got == [("A", 1), ("B", None), ("C", 0)]
    back = read_layer(path, layer="stations")
    props, _ = popup_props(back, ["under_standard"], "zh")
    assert props["under_standard"] == ["低于每百户面积标准", None, None]


# ----------------------------------------------------------------------------- overlapping units
def _overlapping_row():
    """One community 400 x 200 m of four units of 100 households; U3 (150-300) overlaps U2
    (100-200) by 50 x 200 m = 10,000 m²."""
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    spans = {"U1": (0, 100), "U2": (100, 200), "U3": (150, 300), "U4": (300, 400)}
    units = gpd.GeoDataFrame({"unit_id": list(spans), "households": [100] * 4},
                             geometry=[box(X0 + a, Y0, X0 + b, Y0 + 200) for a, b in spans.values()], crs=UTM)
    return units, communities


def _overlap_rows(frame: pd.DataFrame) -> list:
    rows = frame[frame["problem"].astype(str).str.startswith("overlaps unit")]
    return rows[["layer", "row_id", "problem"]].values.tolist()


def test_partition_grids_reports_overlapping_units_as_the_cli_does(tmp_path, caplog):
    """``spatial grids`` reported 'U2 overlaps unit U3 by 10,000 m²' (validate_inputs), the library's
    partition_grids and redraw_grids nothing: a planner in Jupyter never heard of the land drawn
    in one grid only. Both now give the row (one check), and the CLI's report holds it once."""
    from spatial.cli import main
    from spatial.grids.partition import partition_grids
    from spatial.grids.redraw import redraw_grids

    units, communities = _overlapping_row()
    shared = box(X0 + 150, Y0, X0 + 200, Y0 + 200).area  # the reference, by hand: 10,000 m²
    want = [["units", "U2", f"overlaps unit U3 by {shared:,.0f} m²"]]
    with caplog.at_level(logging.WARNING):
        res = partition_grids(units, communities, min_households=100, max_households=250)
    assert _overlap_rows(res.report) == want
    assert any("pairs of units overlap" in r.getMessage() for r in caplog.records)
    plan = pd.DataFrame({"unit_id": list(units["unit_id"]), "grid_id": ["A", "A", "B", "B"]})
    assert _overlap_rows(redraw_grids(units, communities, plan, min_households=100, max_households=250).report) == want
    units.to_file(tmp_path / "u.gpkg")
    communities.to_file(tmp_path / "c.gpkg")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert main(["grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--min", "100",
                     "--max", "250", "--out", str(tmp_path / "g.gpkg")]) == 0
    report = gpd.read_file(tmp_path / "g.gpkg", layer="report")
    assert _overlap_rows(report) == want
    # validated once: one warning, not one from the validation and one from the grids
    assert sum("pairs of units overlap" in r.getMessage() for r in caplog.records) == 1
    # a caller who validated already skips the second check
    assert _overlap_rows(partition_grids(units, communities, min_households=100, max_households=250,
                                         check_overlaps=False).report) == []


def test_the_overlap_check_beside_prepare_keeps_the_rows_order_and_prepares_errors_first():
    """The overlap check runs on a thread while the units are prepared: its row still comes after
    prepare's own (here: no unit_id column, the index is the id) and before the grids', and bad
    input still gets prepare's message (not one from the check, which reads the same units)."""
    from spatial.grids.partition import partition_grids

    units, communities = _overlapping_row()
    units = units.drop(columns="unit_id").set_index(pd.Index(["U1", "U2", "U3", "U4"]))
    rows = partition_grids(units, communities, min_households=100, max_households=250).report
    said = rows[["layer", "row_id"]].values.tolist()
    assert said.index(["units", "-"]) < said.index(["units", "U2"])  # prepare's row, then the overlap's
    assert _overlap_rows(rows) == [["units", "U2", "overlaps unit U3 by 10,000 m²"]]
    with pytest.raises(spatial.SpatialError, match="units.*(CRS|crs)"):
        partition_grids(units.set_crs(None, allow_override=True), communities, min_households=100,
                        max_households=250)


def test_a_unit_inside_another_is_an_overlap():
    """A unit drawn wholly inside another (a building's unit inside its estate's) shares all its
    land with it; the "overlaps" predicate says no to that, the check must not."""
    from spatial.core.checks import Report
    from spatial.io.validate import overlapping_units

    units = gpd.GeoDataFrame({"unit_id": ["E", "B", "C"]},
                             geometry=[box(X0, Y0, X0 + 200, Y0 + 200), box(X0 + 50, Y0 + 50, X0 + 90, Y0 + 80),
                                       box(X0 + 200, Y0, X0 + 300, Y0 + 200)], crs=UTM)
    report = Report()
    overlapping_units(units, units["unit_id"].to_numpy(), report)
    assert _overlap_rows(report.to_frame()) == [["units", "E", "overlaps unit B by 1,200 m²"]]


def test_spatial_run_reports_each_overlapping_pair_once(tmp_path):
    """``spatial run`` validates the inputs (a row) and draws the grids (the same row): said once."""
    from spatial.core.checks import Report
    from spatial.project.config import load_project
    from spatial.project.pipeline import _grids, _validate

    units, communities = _overlapping_row()
    units.to_file(tmp_path / "a.gpkg", layer="units")
    communities.to_file(tmp_path / "a.gpkg", layer="communities")
    (tmp_path / "p.toml").write_text(
        '[project]\nname = "t"\n[inputs]\ncommunities = { path = "a.gpkg", layer = "communities" }\n'
        'units = { path = "a.gpkg", layer = "units" }\n[grids]\nmin_households = 100\nmax_households = 250\n',
        encoding="utf-8")
    project = load_project(tmp_path / "p.toml")
    layers, report = {"units": units, "communities": communities}, Report()
    _validate(project, layers, report)
    _grids(project, layers, report)
    assert _overlap_rows(report.to_frame()) == [["units", "U2", "overlaps unit U3 by 10,000 m²"]]


# ----------------------------------------------------------------------------- siting: every candidate accounted for
def _siting_street():
    """A 4 km footway along y = 0 (15 min at 4 km/h = 1,000 m) with homes A (0 m, 100 households),
    B (2,000 m, 50) and C (4,000 m, 30)."""
    roads = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (4000, 0)])], crs=UTM)
    homes = gpd.GeoDataFrame({"unit_id": ["A", "B", "C"], "households": [100, 50, 30]},
                             geometry=[Point(0, 0), Point(2000, 0), Point(4000, 0)], crs=UTM)
    return read_network(roads), homes


def _candidates(xy, ids, **cols):
    return gpd.GeoDataFrame({"candidate_id": ids, **cols}, geometry=[Point(x, y) for x, y in xy], crs=UTM)


def test_every_candidate_not_chosen_is_in_the_report_with_its_reason():
    """k=1 of: Z (3,000 m, reaches B and C: 80), X (2,000 m, reaches B: 50), DUP at X's place,
    Y (4,000 m, C: 30), Z_TWIN at Z's place and P (0 m, A: 100, the best). P is chosen; Z_TWIN, X,
    DUP, Z and Y were in neither the sites nor the report (only candidates reaching nobody and
    those filtered out were reported). (Of two candidates at one place the smaller id is taken:
    the twin's id sorts after Z's.)"""
    net, homes = _siting_street()
    cands = _candidates([(3000, 0), (2000, 0), (2000, 0), (4000, 0), (3000, 0), (0, 0)],
                        ["Z", "X", "DUP", "Y", "Z_TWIN", "P"])
    res = spatial.site_stations(homes, None, net, candidates=cands, k=1, minutes=(15,))
    assert res.sites["candidate_id"].tolist() == ["P"]
    rows = res.report[res.report["layer"] == "candidates"].set_index("row_id")
    assert set(res.sites["candidate_id"]) | set(rows.index) == set(cands["candidate_id"])
    assert rows.loc["Z", "problem"] == "would add 80 households within 15min"
    assert rows.loc["Z", "action"] == "not chosen: the 1 site chosen (k=1) adds more"
    assert rows.loc["X", "problem"] == "would add 50 households within 15min"
    assert rows.loc["Y", "problem"] == "would add 30 households within 15min"
    assert rows.loc["Z", "problem_zh"] == "15分钟内可新增 80 户"
    # k=2: P and Z chosen; the duplicates of Z (Z_TWIN, same place) and those reaching only Z's homes
    res = spatial.site_stations(homes, None, net, candidates=cands, k=2, minutes=(15,))
    assert res.sites["candidate_id"].tolist() == ["P", "Z"]
    rows = res.report[res.report["layer"] == "candidates"].set_index("row_id")
    assert sorted(rows.index) == ["DUP", "X", "Y", "Z_TWIN"]
    assert rows.loc["Z_TWIN", "problem"] == "same place as chosen site NEW002 (Z)"
    assert rows.loc["Z_TWIN", "problem_zh"] == "与已选新站 NEW002（Z）位置相同"
    assert rows.loc["X", "problem"] == "reaches only households that chosen site NEW002 (Z) reaches"
    assert set(rows["action"]) == {"not chosen: adds nobody after the chosen sites"}


def test_a_duplicate_of_a_set_cover_site_is_reported_and_counted_by_the_cli(tmp_path, capsys):
    """target=0.44 (80 of 180 households): Z alone; Z_TWIN at its place was nowhere. The CLI counts
    the candidates not chosen apart from those left out."""
    from spatial.cli import main
    from spatial.network.graph import edges_frame

    net, homes = _siting_street()
    cands = _candidates([(3000, 0), (3000, 0), (3000, 9000)], ["Z", "Z_TWIN", "FAR"])
    res = spatial.site_stations(homes, None, net, candidates=cands, target=0.44, minutes=(15,))
    assert res.sites["candidate_id"].tolist() == ["Z"]
    rows = res.report[res.report["layer"] == "candidates"].set_index("row_id")
    assert rows.loc["Z_TWIN", "problem"] == "same place as chosen site NEW001 (Z)"
    edges_frame(net)[["geometry"]].to_file(tmp_path / "net.gpkg")
    homes.to_file(tmp_path / "homes.gpkg")
    cands.to_file(tmp_path / "cands.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(0, 0)], crs=UTM).to_file(tmp_path / "st.gpkg")
    code = main(["site", str(tmp_path / "net.gpkg"), str(tmp_path / "st.gpkg"), str(tmp_path / "homes.gpkg"),
                 "--candidates", str(tmp_path / "cands.gpkg"), "--k", "1", "--out", str(tmp_path / "s.gpkg")])
    assert code == 0
    out = capsys.readouterr().out
    assert ("1 candidate left out (see the report layer): too far from network 1; 1 not chosen (see the report "
            "layer): same place as a chosen site 1") in out
    written = gpd.read_file(tmp_path / "s.gpkg", layer="report")
    assert sorted(written["row_id"]) == ["FAR", "Z_TWIN", "not in the source"]  # and the line layer holds no water


# ----------------------------------------------------------------------------- columns a function replaces
def _two_units():
    units = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "households": [150, 150], "grid_id": ["old-1", "old-2"]},
                             geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100)],
                             crs=UTM)
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 200, Y0 + 100)], crs=UTM)
    return units, communities


def _replaced(caplog):
    return [r.getMessage() for r in caplog.records if "already has column" in r.getMessage()]


def test_partition_grids_says_it_replaces_an_old_grid_id_column_as_walking_coverage_does(caplog):
    """Units carrying last year's grid_id: partition_grids overwrote it without a word, while
    walking_coverage warned of its own columns; both now say so and how to keep the old values."""
    units, communities = _two_units()
    with caplog.at_level(logging.WARNING, logger="spatial"):
        plan = spatial.partition_grids(units, communities, min_households=200, max_households=400)
    assert plan.units["grid_id"].nunique() == 1 and "old-1" not in set(plan.units["grid_id"])
    assert _replaced(caplog) == [
        "'units' already has column 'grid_id'; partition_grids replaces it with its own (to keep the old values, "
        "rename it first, in the file or with units.rename(columns={'grid_id': 'old_grid_id'}))"]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spatial"):
        spatial.partition_grids(units.drop(columns="grid_id"), communities, min_households=200, max_households=400)
    assert _replaced(caplog) == []
    # walking_coverage: the same words
    net, stations = _street()
    demand = gpd.GeoDataFrame({"households": [10], "band": ["old"], "walk_m": [1.0]}, geometry=[Point(100, 0)],
                              crs=UTM)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spatial"):
        spatial.walking_coverage(demand, stations, net)
    assert _replaced(caplog) == [
        "'demand' already has columns 'walk_m', 'band'; walking_coverage replaces them with its own (to keep the "
        "old values, rename them first, in the file or with demand.rename(columns={'walk_m': 'old_walk_m'}))"]


def test_candidates_with_a_site_id_or_rank_column_are_sited_with_a_warning_not_a_pandas_error(caplog):
    """A candidates layer with its own 'site_id' and 'rank' (a planner's shortlist) failed with
    pandas' 'cannot insert site_id, already exists'; an id column named 'site_id' did too."""
    net, homes = _siting_street()
    cands = _candidates([(3000, 0), (0, 0)], ["Z", "P"], site_id=["s-1", "s-2"], rank=[2, 1])
    with caplog.at_level(logging.WARNING, logger="spatial"):
        res = spatial.site_stations(homes, None, net, candidates=cands, k=1, minutes=(15,))
    assert res.sites[["site_id", "rank", "candidate_id"]].values.tolist() == [["NEW001", 1, "P"]]
    assert _replaced(caplog) == [
        "'candidates' already has columns 'site_id', 'rank'; site_stations replaces them with its own (to keep "
        "the old values, rename them first, in the file or with candidates.rename(columns={'site_id': "
        "'old_site_id'}))"]
    by_site_id = cands.drop(columns=["candidate_id", "rank"])
    res = spatial.site_stations(homes, None, net, candidates=by_site_id, k=1, minutes=(15,),
                                candidate_id_col="site_id")
    assert res.sites[["site_id", "candidate_id"]].values.tolist() == [["NEW001", "s-2"]]


# ----------------------------------------------------------------------------- argument errors are SpatialErrors
def test_write_layers_argument_errors_are_spatial_errors_that_say_what_to_do(tmp_path):
    """write_layers raised plain ValueError/TypeError (the CLI's 'internal error', exit 1) for a
    file it cannot write; now OptionError (a SpatialError and ValueError; OptionTypeError is a
    TypeError too), naming the file or layer and what to give."""
    from spatial.core.errors import OptionError, OptionTypeError

    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=UTM)
    cases = [
        (({"a": gdf}, tmp_path / "out.txt"), {}, OptionError,
         r"^cannot tell the format of '.*out\.txt' from its suffix: name it \.gpkg .* or pass driver='GPKG'$"),
        (({"a": gdf}, tmp_path / "out.shp"), {}, OptionError,
         r"^'out\.shp': write_layers does not write shapefiles; write each layer with write_shapefile"),
        (({}, tmp_path / "out.gpkg"), {}, OptionError,
         r"^no layers to write to 'out\.gpkg': give at least one, e\.g\. write_layers\(\{'out': gdf\}, 'out\.gpkg'\)$"),
        (({"a": gdf}, tmp_path / "out.gpkg"), {"metadata": {"b": {"k": "v"}}}, OptionError,
         r"^metadata names layers that are not written: b; name layers among a \(or add the layer\)$"),
        (({"a": [1, 2]}, tmp_path / "out.gpkg"), {}, OptionTypeError,
         r"^layer 'a' must be a GeoDataFrame or DataFrame, got list; read or build it as one"),
    ]
    for args, kwargs, error, message in cases:
        with pytest.raises(error, match=message) as caught:
            spatial.write_layers(*args, **kwargs)
        assert isinstance(caught.value, spatial.SpatialError) and isinstance(caught.value, ValueError)
    with pytest.raises(TypeError):  # still a TypeError, as it was
        spatial.write_layers({"a": [1, 2]}, tmp_path / "out.gpkg")
    with pytest.raises(OptionTypeError, match="write_shapefile needs a GeoDataFrame, got DataFrame; a table"):
        spatial.write_shapefile(pd.DataFrame({"a": [1]}), tmp_path / "t.shp")
    assert not list(tmp_path.iterdir())


def test_map_argument_errors_are_spatial_errors():
    from spatial.core.errors import OptionError, OptionTypeError

    grids = gpd.GeoDataFrame({"grid_id": ["G1"], "households": [100]}, geometry=[box(0, 0, 10, 10)], crs=UTM)
    with pytest.raises(OptionError, match=r"^min_households \(500\) must not exceed max_households \(300\); give "
                                          r"the band's lower end first$"):
        spatial.grid_map(grids, min_households=500, max_households=300)
    with pytest.raises(OptionError, match=r"^min_households must be a finite number of households, got '300'$"):
        spatial.grid_map(grids, min_households="300")  # was TypeError: '>' not supported between 'str' and 'int'
    with pytest.raises(OptionError, match=r"^max_households must be a finite number of households, got None$"):
        spatial.grid_editor(grids.assign(unit_id=["U1"]), max_households=None)
    with pytest.raises(OptionError, match=r"^lang must be 'zh' \(Chinese\) or 'en' \(English\), got 'fr'$"):
        spatial.grid_map(grids, lang="fr")
    with pytest.raises(OptionError, match=r"^tiles_crs must be 'wgs84' \(OSM, Tianditu\) or 'gcj02'"):
        spatial.grid_map(grids, tiles_crs="bd09")
    with pytest.raises(OptionTypeError, match=r"^save_map needs a folium\.Map \(from grid_map"):
        spatial.save_map(grids, "x.html")
    units = grids.assign(unit_id=["U1"])
    with pytest.raises(OptionError, match=r"^min_households \(500\) must not exceed max_households \(300\)"):
        spatial.grid_editor(units, min_households=500, max_households=300)
    from spatial.maps.from_files import map_from_files

    with pytest.raises(OptionError, match=r"^map_from_files needs grids= .* or coverage= .*, or both$"):
        map_from_files()


def test_partition_grids_option_of_the_wrong_kind_is_an_option_type_error():
    """roads=a file path (a str) or blocks=a list: plain TypeError, the CLI's internal error."""
    from spatial.core.errors import OptionTypeError

    units, communities = _two_units()
    with pytest.raises(OptionTypeError, match=r"^roads must be a GeoDataFrame of lines, a WalkNetwork or an osmnx "
                                              r"graph, got str; read a file with spatial\.read_layer\(path\)$"):
        spatial.partition_grids(units, communities, min_households=200, max_households=400, roads="roads.gpkg")
    with pytest.raises(OptionTypeError, match=r"^blocks must be a column name, a dict or a Series keyed by unit id, "
                                              r"got list$"):
        spatial.partition_grids(units, communities, min_households=200, max_households=400, blocks=["B1", "B2"])


def test_the_cli_prints_an_option_error_from_the_library_on_one_line_with_exit_2(tmp_path, capsys, monkeypatch):
    """An OptionError raised under a command (here write_layers given nothing to write) is one
    line on stderr and exit 2, not 'internal error' and exit 1 as its ValueError was."""
    import spatial.io.layers as layers_module
    from spatial.cli import main
    from spatial.network.graph import edges_frame

    net, homes = _siting_street()
    edges_frame(net)[["geometry"]].to_file(tmp_path / "net.gpkg")
    homes.to_file(tmp_path / "homes.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(0, 0)], crs=UTM).to_file(tmp_path / "st.gpkg")
    real = layers_module.write_layers
    monkeypatch.setattr(layers_module, "write_layers", lambda layers, path, **kw: real({}, path, **kw))
    code = main(["site", str(tmp_path / "net.gpkg"), str(tmp_path / "st.gpkg"), str(tmp_path / "homes.gpkg"),
                 "--k", "1", "--out", str(tmp_path / "s.gpkg")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1] == ("spatial site: error: no layers to write to 's.gpkg': give at least one, e.g. "
                       "write_layers({'s': gdf}, 's.gpkg')")


# ----------------------------------------------------------------------------- whole counts
def test_whole_household_counts_stored_as_floats_come_back_whole_everywhere(caplog):
    """Buildings of 220.0 and 80.0 households (a spreadsheet's floats): units_from_buildings kept
    220.0 while partition, evaluate and the ten-household groups gave 220; one rule now (int64
    when every count is whole, by value), and fractional counts stay floats in every one of them."""
    from spatial.grids.workforce import ten_household_groups

    community = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 200, Y0 + 100)], crs=UTM)
    buildings = gpd.GeoDataFrame({"households": [220.0, 80.0], "unit_id": ["b1", "b2"]},
                                 geometry=[box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 60),
                                           box(X0 + 140, Y0 + 20, X0 + 180, Y0 + 60)], crs=UTM)
    with caplog.at_level(logging.WARNING, logger="spatial"):
        units = spatial.units_from_buildings(buildings, community)
    assert units["households"].dtype == np.int64 and sorted(units["households"])[-2:] == [80, 220]
    assert _replaced(caplog) == [
        "'buildings' already has column 'unit_id'; units_from_buildings replaces it with its own (to keep the old "
        "values, rename it first, in the file or with buildings.rename(columns={'unit_id': 'old_unit_id'}))"]
    plan = spatial.partition_grids(units, community, min_households=250, max_households=400)
    scores = spatial.evaluate_grids(plan.units, community, min_households=250, max_households=400).grids
    points = units[units["households"] > 0].assign(geometry=lambda d: d.representative_point())
    groups = ten_household_groups(points, plan.units, households_col="households").groups
    for table in (plan.grids, scores, groups):
        assert table["households"].dtype == np.int64, table
    # fractional counts (apportioned by floor area) stay as they are, in every step
    halves = spatial.units_from_buildings(buildings.assign(households=[220.5, 79.5]), community)
    assert halves["households"].dtype == float and halves["households"].sum() == pytest.approx(300.0)
    plan = spatial.partition_grids(halves, community, min_households=250, max_households=400)
    assert plan.grids["households"].dtype == float


# ----------------------------------------------------------------------------- the editor's band
def test_the_editor_checks_a_plan_against_the_band_its_grids_were_drawn_for(tmp_path, capsys):
    """`spatial grids --min 200 --max 300` then `spatial editor PLAN` checked the grids against
    300-500 and only warned (the page needs the band in numbers, and the plan did not record it):
    the grids' layer now records its band and the editor (and the map) take it; given --min/--max
    still win, an older plan without the record keeps the warning."""
    import json
    import re

    from spatial.cli import main
    from spatial.grids.plan import recorded_band

    cells = [box(X0 + i * 100, Y0, X0 + (i + 1) * 100, Y0 + 100) for i in range(4)]
    units = gpd.GeoDataFrame({"unit_id": ["U1", "U2", "U3", "U4"], "households": [120, 130, 110, 140]},
                             geometry=cells, crs=UTM)
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 100)], crs=UTM)
    units.to_file(tmp_path / "u.gpkg")
    communities.to_file(tmp_path / "c.gpkg")
    plan = tmp_path / "plan.gpkg"
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--min", "200", "--max", "300",
                 "--out", str(plan)]) == 0
    assert recorded_band(plan) == (200.0, 300.0)
    drawn = gpd.read_file(plan, layer="grids")
    assert sorted(drawn["households"]) == [250, 250] and set(drawn["band_status"]) == {"in"}

    def band_of(page):
        text = page.read_text(encoding="utf-8")
        return json.loads(re.search(r'id="sp-editor-data">(.*?)</script>', text, re.S).group(1))["band"]

    capsys.readouterr()
    assert main(["editor", str(plan), "--out", str(tmp_path / "e.html")]) == 0
    said = capsys.readouterr()
    assert band_of(tmp_path / "e.html") == [200.0, 300.0]
    assert "band 200-300 households, as PLAN's grids were drawn" in said.out and "another band" not in said.err
    assert main(["editor", str(plan), "--min", "260", "--out", str(tmp_path / "e2.html")]) == 0
    assert band_of(tmp_path / "e2.html") == [260.0, 300.0]
    assert "band 260-300 households (PLAN's grids were drawn for 200-300)" in capsys.readouterr().out
    # the map of the file: checked in numbers against 200-300, not flagged against 300-500
    from spatial.maps.from_files import map_from_files

    m = map_from_files(grids=plan)
    assert "200–300" in m.get_root().render()
    # a plan of another tool (no record): 300-500 and the warning, as before
    gpd.read_file(plan, layer="units").to_file(tmp_path / "old.gpkg", layer="units")
    drawn.to_file(tmp_path / "old.gpkg", layer="grids")
    assert recorded_band(tmp_path / "old.gpkg") is None
    assert main(["editor", str(tmp_path / "old.gpkg"), "--out", str(tmp_path / "e3.html")]) == 0
    assert band_of(tmp_path / "e3.html") == [300.0, 500.0]
    assert "give it with --min and --max" in capsys.readouterr().err


# ----------------------------------------------------------------------------- whole numbers by value
def test_whole_numbers_given_as_floats_are_taken_as_whole_numbers():
    """n_grids=2.0, group_size=10.0 and full_time_per_grid=1.0 (a float from a spreadsheet or a
    division) were refused as 'must be a whole number ..., got 2.0' while site_stations took k=2.0;
    whole by value is whole everywhere, as counts are (2.5 is still refused)."""
    from spatial.grids.workforce import ten_household_groups

    units, communities = _two_units()
    units = units.drop(columns="grid_id")
    plan = spatial.partition_grids(units, communities, n_grids=2.0)
    assert plan.units["grid_id"].nunique() == 2
    assert spatial.partition_grids(units, communities, n_grids={"C1": 2.0}).units["grid_id"].nunique() == 2
    with pytest.raises(spatial.SpatialError, match=r"^n_grids must be a whole number of grids, 1 or more .* got 2\.5"):
        spatial.partition_grids(units, communities, n_grids=2.5)
    staffed = spatial.staffing(plan.grids, full_time_per_grid=1.0)
    assert staffed["full_time_workers"].tolist() == [1, 1]
    points = units.assign(geometry=units.representative_point())
    groups = ten_household_groups(points, plan.units, group_size=10.0, households_col="households")
    assert groups.households["group_id"].notna().all()
    with pytest.raises(spatial.SpatialError, match=r"^group_size must be a whole number >= 1, got True$"):
        ten_household_groups(points, plan.units, group_size=True)


def test_site_stations_refuses_k_and_target_it_cannot_read_with_its_own_message():
    """k=nan failed with Python's 'cannot convert float NaN to integer', k=inf with an
    OverflowError and target='0.9' with "'<' not supported between 'int' and 'str'"."""
    net, homes = _siting_street()
    cands = _candidates([(3000, 0)], ["Z"])
    for k in (float("nan"), float("inf"), True, 1.5):
        with pytest.raises(spatial.SpatialError, match=r"^k must be a whole number >= 1, got "):
            spatial.site_stations(homes, None, net, candidates=cands, k=k)
    with pytest.raises(spatial.SpatialError, match=r"^target is a share of households in \(0, 1\], e\.g\. 0\.99; "
                                                   r"got '0\.9'$"):
        spatial.site_stations(homes, None, net, candidates=cands, target="0.9")
    assert spatial.site_stations(homes, None, net, candidates=cands, k=1.0, minutes=(15,)).sites["rank"].tolist() == [1]


def test_numeric_options_given_as_text_get_a_message_not_a_python_type_error():
    """A number typed as text (a config read by hand, a notebook widget): max_walk_m='2000',
    min_m2_per_100hh='30', coverage_map's speed_kmh='4' and site_stations' candidate_spacing_m /
    capacity_households failed with TypeError ('>' not supported, ufunc 'isfinite'); each now says
    what it needs, like max_snap_m='100' did."""
    net, homes = _siting_street()
    stations = gpd.GeoDataFrame({"station_id": ["S"], "floor_area_m2": [400]}, geometry=[Point(0, 0)], crs=UTM)
    with pytest.raises(spatial.SpatialError, match=r"^max_walk_m must be a positive number of metres \(or left "
                                                   r"out\), got '2000'$"):
        spatial.walking_coverage(homes, stations, net, max_walk_m="2000")
    demand = spatial.walking_coverage(homes, stations, net)
    with pytest.raises(spatial.SpatialError, match=r"^min_m2_per_100hh must be a number of m² >= 0, got '30'$"):
        spatial.station_load(demand, stations, min_m2_per_100hh="30")
    with pytest.raises(spatial.SpatialError, match=r"^speed_kmh must be a walking speed > 0 km/h .* got '4'$"):
        spatial.coverage_map(demand, stations, speed_kmh="4")
    with pytest.raises(spatial.SpatialError, match=r"^capacity_households must be > 0, got '50'$"):
        spatial.site_stations(demand, stations, net, k=1, capacity_households="50")
    with pytest.raises(spatial.SpatialError, match=r"^candidate_spacing_m must be > 0 metres, got '100'$"):
        spatial.site_stations(demand, stations, net, k=1, candidate_spacing_m="100")


def test_ten_household_groups_say_when_they_replace_the_points_own_ids(caplog):
    """Household points carrying their own 'unit_id' (a register's building number) came back
    with the unit's id in it and no word; points made from the units (the same ids) say nothing."""
    from spatial.grids.workforce import ten_household_groups

    units, communities = _two_units()
    plan = spatial.partition_grids(units.drop(columns="grid_id"), communities, min_households=200,
                                   max_households=400)
    points = plan.units.assign(geometry=plan.units.representative_point())
    with caplog.at_level(logging.WARNING, logger="spatial"):
        ten_household_groups(points, plan.units, households_col="households")
    assert _replaced(caplog) == []
    with caplog.at_level(logging.WARNING, logger="spatial"):
        out = ten_household_groups(points.assign(unit_id=["B-7", "B-9"]), plan.units, households_col="households")
    assert out.households["unit_id"].tolist() == ["U1", "U2"]
    assert _replaced(caplog) == [
        "'households' already has column 'unit_id'; ten_household_groups replaces it with its own (to keep the old "
        "values, rename it first, in the file or with households.rename(columns={'unit_id': 'old_unit_id'}))"]


# ----------------------------------------------------------------------------- writing odd frames
def test_layers_named_by_numbers_and_columns_named_twice_are_written(tmp_path, caplog):
    """{3: gdf} (layers keyed by community number) failed in pyogrio with "Argument 'layer' has
    incorrect type (expected str, got int)" (write_kml: "cannot serialize 3"); a frame with a
    column named twice (pd.concat(axis=1)) failed with "'DataFrame' object has no attribute
    'dtype'" in write_layers and write_shapefile. Names are written as text, a repeat as a_2."""
    import pyogrio

    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=UTM)
    spatial.write_layers({3: gdf}, tmp_path / "n.gpkg")
    assert pyogrio.list_layers(tmp_path / "n.gpkg")[:, 0].tolist() == ["3"]
    with pytest.raises(spatial.SpatialError, match=r"^layer names repeat once written as text: 3, '3'; give every "
                                                   r"layer its own name$"):
        spatial.write_layers({3: gdf, "3": gdf}, tmp_path / "m.gpkg")
    kml = spatial.write_kml({3: gdf}, tmp_path / "n.kml")
    assert "<name>3</name>" in kml.read_text(encoding="utf-8")
    twice = gpd.GeoDataFrame(pd.concat([pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [2]})], axis=1),
                             geometry=[Point(0, 0)], crs=UTM)
    with caplog.at_level(logging.WARNING, logger="spatial"):
        spatial.write_layers({"t": twice}, tmp_path / "t.gpkg")
        spatial.write_shapefile(twice, tmp_path / "t.shp")
    for back in (gpd.read_file(tmp_path / "t.gpkg"), spatial.read_layer(tmp_path / "t.shp")):
        assert back[["a", "a_2"]].values.tolist() == [[1, 2]]
    assert "layer 't': columns whose names repeat or differ only in case cannot all be written; a written as a_2" \
        in caplog.text


def test_write_workbook_names_a_summary_that_is_not_a_coverage_summary(tmp_path):
    """A summary without 'level' (a user's own table, or a dict of layers) failed with KeyError: 'level'."""
    with pytest.raises(spatial.ColumnError, match=r"^'summary' must be a coverage summary with a 'level' column .* "
                                                  r"got a table with columns community_id, pct; pass "
                                                  r"spatial\.coverage_summary\(demand, bands=\.\.\.\)$"):
        spatial.write_workbook(tmp_path / "w.xlsx", pd.DataFrame({"community_id": ["C1"], "pct": [90.0]}))
    with pytest.raises(spatial.ColumnError, match=r"got a dict; pass spatial\.coverage_summary"):
        spatial.write_workbook(tmp_path / "w.xlsx", {"d": pd.DataFrame()})
    assert not (tmp_path / "w.xlsx").exists()
