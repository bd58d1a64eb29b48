"""Specification of spatial.maps.interactive: offline HTML maps of grids and walking coverage."""

from __future__ import annotations

import json
import logging
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from folium import plugins
from hypothesis import given, settings
from hypothesis import strategies as hst
from shapely.geometry import LineString, Point, box

from spatial import ColumnError, CRSError, Report, SpatialError
from spatial.cli import main
from spatial.maps import _style as st
from spatial.maps._layers import BoxControl, Layout, VectorLayer
from spatial.maps._data import decode
from spatial.maps._offline import ASSET_FILES, ASSETS
from spatial.maps.from_files import map_from_files
from spatial.maps.interactive import (
    coverage_map,
    grid_map,
    overview_map,
    save_map,
    tianditu_tiles,
)

UTM = "EPSG:32650"  # Shenzhen
X0, Y0 = 206_000, 2_495_000
REMOTE = re.compile(r'src="http|href="http|@import url\(http|url\(http', re.IGNORECASE)
EVIL = "<script>alert(1)</script>"


# ----------------------------------------------------------------------------- tiny layers
@pytest.fixture
def grids():
    return gpd.GeoDataFrame(
        {"grid_id": ["G1", "G2", "G3"], "grid_code": ["4403040010010001", "4403040010010002", "4403040010010003"],
         "community_id": ["C1"] * 3, "households": [250, 400, 620], "full_time_workers": [1, 1, 2]},
        geometry=[box(X0 + 300 * i, Y0, X0 + 300 * (i + 1), Y0 + 300) for i in range(3)], crs=UTM)


@pytest.fixture
def communities():
    return gpd.GeoDataFrame({"community_id": ["C1"], "name": ["香蜜湖社区"]},
                            geometry=[box(X0, Y0, X0 + 900, Y0 + 300)], crs=UTM)


@pytest.fixture
def network():
    return gpd.GeoDataFrame(geometry=[LineString([(X0, Y0 + 150), (X0 + 900, Y0 + 150)]),
                                      LineString([(X0 + 450, Y0), (X0 + 450, Y0 + 300)])], crs=UTM)


@pytest.fixture
def demand():
    return gpd.GeoDataFrame(
        {"unit_id": ["u1", "u2", "u3", "u4"], "community_id": ["C1"] * 4, "households": [100, 200, 50, 80],
         "walk_m": [120.0, 600.4, 1500.0, np.nan], "walk_min": [1.8, 9.0, 22.5, np.nan],
         "band": ["5min", "10min", "beyond", "unreachable"], "reason": ["", "", "", "too far from network"]},
        geometry=[Point(X0 + 100, Y0 + 100), Point(X0 + 400, Y0 + 200), Point(X0 + 800, Y0 + 250),
                  Point(X0 + 890, Y0 + 10)], crs=UTM)


@pytest.fixture
def stations():
    return gpd.GeoDataFrame({"station_id": ["S1", "S2"], "name": [EVIL, "莲花党群服务中心"], "type": ["站", "中心"]},
                            geometry=[Point(X0 + 50, Y0 + 50), Point(X0 + 450, Y0 + 150)], crs=UTM)


@pytest.fixture
def isochrones():
    centre = Point(X0 + 50, Y0 + 50)
    return gpd.GeoDataFrame({"station_id": ["S1", "S1"], "band": ["5min", "10min"], "limit_m": [333.3, 666.7]},
                            geometry=[centre.buffer(300), centre.buffer(600)], crs=UTM)


@pytest.fixture
def gaps():
    return gpd.GeoDataFrame({"gap_id": [1], "rank": [1], "households": [130]},
                            geometry=[box(X0 + 750, Y0, X0 + 900, Y0 + 300)], crs=UTM)


def layers_of(m: folium.Map) -> dict[str, VectorLayer]:
    return {c.layer_name: c for c in m._children.values() if isinstance(c, VectorLayer)}


def features(layer: VectorLayer) -> list[dict]:
    return decode(layer.data_js)


def boxes_text(m: folium.Map) -> str:
    return " ".join(c.html_text for c in m._children.values() if isinstance(c, BoxControl))


# ----------------------------------------------------------------------------- offline page
def test_saved_map_is_one_self_contained_file(tmp_path, grids, communities, network, demand, stations,
                                              isochrones, gaps):
    m = overview_map(grids, demand, stations, isochrones=isochrones, gaps=gaps, communities=communities,
                     network_edges=network)
    page = save_map(m, tmp_path / "sub" / "overview.html").read_text(encoding="utf-8")
    assert not REMOTE.findall(page)
    for host in ("cdn.jsdelivr", "code.jquery", "cdnjs", "bootstrapcdn", "unpkg"):
        assert host not in page
    assert "Leaflet 1.9.3" in page                      # leaflet inlined
    assert "Control.FullScreen" in page and "L.Control.Measure" in page and "L.Control.Search" in page
    assert "url(data:image/png;base64," in page         # stylesheet images inlined
    assert "fontawesome" not in page.lower() and "glyphicon" not in page.lower()


def test_every_plugin_url_folium_uses_has_a_vendored_file():
    urls = [u for _, u in folium.Map.default_js + folium.Map.default_css if "leaflet@" in u]
    for cls in (plugins.Fullscreen, plugins.MeasureControl, plugins.Search):
        urls += [u for _, u in cls.default_js + cls.default_css]
    assert len(urls) == 8
    for url in urls:
        assert url in ASSET_FILES, f"folium now loads {url}: vendor it (spatial/_assets/VERSIONS.md)"
        assert (ASSETS / ASSET_FILES[url]).is_file()
    for folder in ("leaflet", "leaflet.fullscreen", "leaflet-measure", "leaflet-search"):
        assert (ASSETS / folder / "LICENSE").is_file()


def test_online_save_keeps_cdn_links(tmp_path, grids):
    page = save_map(grid_map(grids), tmp_path / "g.html", offline=False).read_text(encoding="utf-8")
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"' in page
    assert "code.jquery.com" not in page                # our maps never load jQuery/Bootstrap


def test_plain_folium_map_drops_unused_defaults_and_refuses_unknown_remote_assets(tmp_path, caplog):
    m = folium.Map(tiles=None)
    folium.CircleMarker([22.5, 114.0], radius=4).add_to(m)
    with caplog.at_level(logging.WARNING, logger="spatial.maps._offline"):
        page = save_map(m, tmp_path / "plain.html").read_text(encoding="utf-8")
    assert not REMOTE.findall(page)
    assert "jquery" in caplog.text
    clustered = folium.Map(tiles=None)
    plugins.MarkerCluster().add_to(clustered)
    with pytest.raises(SpatialError, match="markercluster.*offline=False"):
        save_map(clustered, tmp_path / "cluster.html")


# ----------------------------------------------------------------------------- grids
def test_grids_are_coloured_by_households_against_the_band(grids):
    m = grid_map(grids, min_households=300, max_households=500)
    layer = layers_of(m)["网格"]
    styles = layer.styles
    got = {f["properties"]["_label"]: (styles[f["properties"]["_s"]]["fillColor"], f["properties"]["band_status"])
           for f in features(layer)}
    assert got == {"G1": (st.STATUS_COLOURS["under"], "不足 300 户"),
                   "G2": (st.STATUS_COLOURS["in"], "300–500 户"),
                   "G3": (st.STATUS_COLOURS["over"], "超过 500 户")}
    assert [f["properties"]["_label"] for f in features(layer)] == ["G1", "G2", "G3"]
    # names first: the popup is headed by the grid code, the short id in small print
    assert [f["properties"]["_t"] for f in features(layer)] == list(grids["grid_code"])
    assert [f["properties"]["_ids"] for f in features(layer)] == ["网格号 G1", "网格号 G2", "网格号 G3"]
    assert layer.label_field == "_label"
    assert ("full_time_workers", "专职网格员（人）", "") in layer.fields
    assert "网格户数" in boxes_text(m) and "不足 300 户 (1)" in boxes_text(m)


def test_grid_labels_fall_back_to_grid_code_and_english(grids):
    m = grid_map(grids.drop(columns="grid_id"), lang="en", min_households=200, max_households=700)
    layer = layers_of(m)["Grids"]
    assert [f["properties"]["_label"] for f in features(layer)] == list(grids["grid_code"])
    assert {f["properties"]["band_status"] for f in features(layer)} == {"200–700 households"}


def test_grid_map_rejects_bad_input(grids):
    with pytest.raises(CRSError, match="set_crs"):
        grid_map(grids.set_crs(None, allow_override=True))
    with pytest.raises(ColumnError, match="grid_code.*grid_id"):
        grid_map(grids.drop(columns=["grid_code", "grid_id"]))
    with pytest.raises(ColumnError, match="households"):
        grid_map(grids.drop(columns="households"))
    with pytest.raises(ValueError, match="min_households"):
        grid_map(grids, min_households=600, max_households=500)
    with pytest.raises(ValueError, match="lang"):
        grid_map(grids, lang="fr")


# ----------------------------------------------------------------------------- coverage
def test_service_areas_are_one_toggle_per_band_and_uncovered_are_red(demand, stations, isochrones):
    m = coverage_map(demand, stations, isochrones=isochrones)
    layers = layers_of(m)
    assert list(layers) == ["党群服务中心/站", "未覆盖居民单元", "已覆盖居民单元", "5分钟服务圈", "10分钟服务圈"]  # top first
    assert len(features(layers["5分钟服务圈"])) == 1 and len(features(layers["10分钟服务圈"])) == 1
    covered, uncovered = layers["已覆盖居民单元"], layers["未覆盖居民单元"]
    assert [f["properties"]["_t"] for f in features(covered)] == ["u1", "u2"]  # the popup title
    styles = uncovered.styles
    colours = {f["properties"]["_t"]: styles[f["properties"]["_s"]]["fillColor"] for f in features(uncovered)}
    assert colours == {"u3": st.BEYOND_COLOUR, "u4": st.UNREACHABLE_COLOUR}
    reasons = [f["properties"].get("reason") for f in features(uncovered)]
    assert reasons == [None, "距路网过远"]             # empty reason left out, known reason translated


def test_walking_speed_and_legend_are_stated_in_both_languages(demand, stations):
    zh = boxes_text(coverage_map(demand, stations))
    assert "按步行速度 4.0 公里/小时计（15 分钟约 1000 米）" in zh and "5分钟" in zh and "超出服务圈" in zh
    en = boxes_text(coverage_map(demand, stations, speed_kmh=3.6, lang="en"))
    assert "At a walking speed of 3.6 km/h (15 min ≈ 900 m)" in en and "beyond every band" in en


def test_coverage_per_community_in_popups_and_table(demand, stations, communities):
    m = coverage_map(demand, stations, communities=communities)
    # 430 households: 100 within 5 min, 300 within 10 min
    table = boxes_text(m)
    assert "香蜜湖社区" in table and "23.3" in table and "69.8" in table
    (c,) = features(layers_of(m)["社区边界"])
    assert c["properties"]["pct_hh_5min"] == 23.3 and c["properties"]["pct_hh_10min"] == 69.8
    summary = pd.DataFrame({"level": ["overall", "community"], "id": ["overall", "C1"], "households": [430, 430],
                            "pct_hh_5min": [11.1, 11.1], "pct_hh_10min": [22.2, 22.2]})
    m2 = coverage_map(demand, stations, communities=communities, summary=summary)
    assert "11.1" in boxes_text(m2) and "23.3" not in boxes_text(m2)


def test_gaps_are_ranked_with_labels_on_the_largest(demand, stations, gaps):
    many = pd.concat([gaps.assign(rank=r, gap_id=r) for r in range(12, 0, -1)]).set_crs(UTM, allow_override=True)
    layer = layers_of(coverage_map(demand, stations, gaps=many))["服务盲区（按户数排名）"]
    got = features(layer)
    assert [f["properties"]["rank"] for f in got] == list(range(1, 13))
    assert [f["properties"].get("_label") for f in got] == [f"#{r}" for r in range(1, 11)] + [None, None]


def test_station_names_are_escaped_text(tmp_path, demand, stations):
    m = coverage_map(demand, stations)
    page = save_map(m, tmp_path / "c.html").read_text(encoding="utf-8")
    assert EVIL not in page and "alert(1)" in page      # present only as escaped data
    layer = layers_of(m)["党群服务中心/站"]
    props = [f["properties"] for f in features(layer)]
    assert props[0]["name"] == EVIL                     # the value itself is kept
    assert "spEsc" in page                              # popups and tooltips escape in the browser
    assert "li.textContent = text" in page              # search matches are listed as text


@settings(max_examples=20, deadline=None)
@given(name=hst.text(min_size=1, max_size=30))
def test_any_station_name_survives_and_never_opens_a_tag(name):
    demand = gpd.GeoDataFrame({"band": ["5min"]}, geometry=[Point(114.05, 22.54)], crs=4326)
    stations = gpd.GeoDataFrame({"name": [name]}, geometry=[Point(114.05, 22.54)], crs=4326)
    layer = layers_of(coverage_map(demand, stations))["党群服务中心/站"]
    assert features(layer)[0]["properties"]["name"] == name
    assert "<" not in layer.data_js and "&" not in layer.data_js.replace("&amp;", "")


def test_coverage_map_rejects_bad_input(demand, stations):
    with pytest.raises(CRSError, match="'stations' has no CRS.*set_crs"):
        coverage_map(demand, stations.set_crs(None, allow_override=True))
    with pytest.raises(ColumnError, match="'demand' has no column 'band'"):
        coverage_map(demand.drop(columns="band"), stations)
    with pytest.raises(ColumnError, match="'stations' has no column 'name'.*_col option"):  # nor an id to show
        coverage_map(demand, stations.drop(columns=["name", "station_id"]))


# ----------------------------------------------------------------------------- geometry and size
def test_coordinates_are_wgs84_rounded_to_6_decimals_homes_to_5_and_compact(demand, stations):
    m = coverage_map(demand, stations)
    layer = layers_of(m)["已覆盖居民单元"]
    assert ", " not in layer.data_js and '"bbox"' not in layer.data_js
    got = np.array([f["geometry"]["coordinates"] for f in features(layer)])
    want = demand.iloc[:2].to_crs(4326).get_coordinates().to_numpy()
    assert np.abs(got - want).max() <= 0.5e-5 + 1e-12          # homes' points: about a metre
    assert np.array_equal(got, np.round(got, 5))
    got = np.array([f["geometry"]["coordinates"] for f in features(layers_of(m)["党群服务中心/站"])])
    want = stations.to_crs(4326).get_coordinates().to_numpy()
    assert np.abs(got - want).max() <= 0.5e-6 + 1e-12
    assert np.array_equal(got, np.round(got, 6))


def test_a_thousand_footprints_cost_under_300_bytes_each(tmp_path):
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 3000, size=(1000, 2))
    foot = gpd.GeoDataFrame({"unit_id": [f"b{i}" for i in range(1000)], "households": 20,
                             "walk_m": rng.uniform(0, 2000, 1000), "walk_min": 1.0,
                             "band": rng.choice(["5min", "10min", "15min", "beyond"], 1000)},
                            geometry=[box(X0 + x, Y0 + y, X0 + x + 15, Y0 + y + 10) for x, y in xy], crs=UTM)
    stations = gpd.GeoDataFrame({"name": ["S"]}, geometry=[Point(X0, Y0)], crs=UTM)
    empty = save_map(coverage_map(foot.iloc[:0], stations), tmp_path / "empty.html").stat().st_size
    full = save_map(coverage_map(foot, stations), tmp_path / "full.html").stat().st_size
    assert (full - empty) / 1000 < 300
    assert full - empty < 0.75 * len(foot.to_crs(4326).to_json())  # vs. plain GeoJSON


def test_rows_without_geometry_are_reported_not_dropped_silently(demand, stations):
    demand = demand.copy()
    demand.loc[demand.index[1], "geometry"] = None
    report = Report()
    layer = layers_of(coverage_map(demand, stations, report=report))["已覆盖居民单元"]
    assert len(features(layer)) == 1
    assert report.to_frame().to_dict("records") == [
        {"layer": "demand", "row_id": "1", "problem": "empty or missing geometry", "action": "not drawn on the map"}]


def test_gcj02_basemap_shifts_overlays_for_display_only(demand, stations):
    pytest.importorskip("spatial.io.coords")
    plain = features(layers_of(coverage_map(demand, stations))["党群服务中心/站"])
    amap = coverage_map(demand, stations, tiles="amap")
    shifted = features(layers_of(amap)["党群服务中心/站"])
    d = np.array(shifted[0]["geometry"]["coordinates"]) - np.array(plain[0]["geometry"]["coordinates"])
    metres = np.hypot(d[0] * 111_320 * np.cos(np.radians(22.5)), d[1] * 110_574)
    assert 100 < metres < 900                           # GCJ-02 is 22-699 m off in China
    assert demand.crs == UTM                            # inputs untouched
    assert any(isinstance(c, folium.TileLayer) and "autonavi" in c.tiles for c in amap._children.values())


def test_tiles_osm_and_tianditu(grids):
    osm = grid_map(grids, tiles="osm")
    (tile,) = [c for c in osm._children.values() if isinstance(c, folium.TileLayer)]
    assert tile.tiles == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    urls = tianditu_tiles("KEY")
    tdt = grid_map(grids, tiles=urls)
    tiles = [c for c in tdt._children.values() if isinstance(c, folium.TileLayer)]
    assert [t.tiles for t in tiles] == urls and all(u.endswith("tk=KEY") for u in urls)
    assert no_tiles(grid_map(grids))


def no_tiles(m) -> bool:
    return not any(isinstance(c, folium.TileLayer) for c in m._children.values())


# ----------------------------------------------------------------------------- composition
def test_layers_add_to_an_existing_map_with_one_layer_control_last(grids, demand, stations, network):
    m = grid_map(grids, network_edges=network)
    assert coverage_map(demand, stations, m=m) is m
    kids = list(m._children.values())
    assert sum(isinstance(k, folium.LayerControl) for k in kids) == 1
    assert isinstance(kids[-2], folium.LayerControl) and isinstance(kids[-1], Layout)
    assert sum(isinstance(k, plugins.Fullscreen) for k in kids) == 1
    assert {"网格", "步行路网", "党群服务中心/站"} <= set(layers_of(m))


def test_attribution_and_synthetic_note(tmp_path, demand, stations, grids, network):
    page = save_map(coverage_map(demand, stations, network_edges=network), tmp_path / "a.html").read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors" in page and "合成数据" not in page
    # a map of the planner's own grids, no network drawn: nothing of OpenStreetMap's on it to credit
    page = save_map(grid_map(grids), tmp_path / "g.html").read_text(encoding="utf-8")
    assert "OpenStreetMap" not in page
    assert "OpenStreetMap" in save_map(grid_map(grids, tiles="osm"), tmp_path / "t.html").read_text(encoding="utf-8")
    flagged = coverage_map(demand.assign(synthetic=True), stations)
    assert "示意数据" in boxes_text(flagged)
    assert "示意数据" not in boxes_text(coverage_map(demand.assign(synthetic=True), stations, synthetic_note=False))


def test_overview_draws_sites_ranked(grids, demand, stations, communities):
    sites = gpd.GeoDataFrame({"site_id": ["N1", "N2"], "rank": [2, 1], "gain_households": [50, 130]},
                             geometry=[Point(X0 + 800, Y0 + 150), Point(X0 + 700, Y0 + 100)], crs=UTM)
    m = overview_map(grids, demand, stations, sites=sites, communities=communities, lang="en")
    layers = layers_of(m)
    assert {"Grids", "Units covered", "Community boundaries", "Recommended new sites"} <= set(layers)
    got = [f["properties"] for f in features(layers["Recommended new sites"])]
    assert [(p["_t"], p["_label"], p["_ids"]) for p in got] == [("New site 1", "1", "site id N2"),
                                                           ("New site 2", "2", "site id N1")]
    assert "Coverage by community" in boxes_text(m)


# ----------------------------------------------------------------------------- files and CLI
def test_cli_map_from_geopackages(tmp_path, grids, demand, stations, isochrones, gaps, communities, capsys):
    g, c = tmp_path / "grids.gpkg", tmp_path / "coverage.gpkg"
    grids.to_file(g, layer="grids")
    communities.to_file(g, layer="communities")
    for name, layer in {"demand": demand, "stations": stations, "isochrones": isochrones, "gaps": gaps}.items():
        layer.to_file(c, layer=name)
    pd.DataFrame({"level": ["overall", "community"], "id": ["overall", "C1"], "households": [430, 430],
                  "pct_hh_5min": [12.5, 12.5], "pct_hh_10min": [50.0, 50.0]}).to_csv(
        tmp_path / "coverage_summary.csv", index=False, encoding="utf-8-sig")
    out = tmp_path / "maps" / "futian.html"
    assert main(["map", "--grids", str(g), "--coverage", str(c), "--lang", "en", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Units not covered" in page and "Grids" in page and not REMOTE.findall(page)
    assert "12.5" in page                               # the summary CSV beside the GeoPackage
    assert "wrote" in capsys.readouterr().out
    assert main(["map", "--out", str(out)]) == 2
    assert main(["map", "--coverage", str(tmp_path / "missing.gpkg"), "--out", str(out)]) == 2
    only_grids = map_from_files(grids=g)
    assert "网格" in layers_of(only_grids)


def test_cli_map_of_a_coverage_file_loads_no_walking_network(tmp_path, demand, stations):
    """The map reads the coverage file's speed (its demand layer's metadata) without loading the
    routing and snapping modules and scipy's graph routines (about 0.3 s of the map's start-up)."""
    c, out = tmp_path / "coverage.gpkg", tmp_path / "map.html"
    demand.to_file(c, layer="demand")
    stations.to_file(c, layer="stations")
    from test_architecture import _loaded_after

    code = f"from spatial.cli import main\nassert main(['-q', 'map', '--coverage', {str(c)!r}, '--out', {str(out)!r}]) == 0"
    assert _loaded_after(code, ("spatial.network", "scipy.sparse.csgraph", "spatial.coverage.walks")) == []
    assert "Leaflet 1.9.3" in out.read_text(encoding="utf-8")


def test_cli_map_of_a_coverage_run_whose_stations_have_no_names(tmp_path, demand, stations):
    """``spatial coverage`` keeps the stations' columns: given ids alone, its output has no name
    column, and the map labels the stations by id instead of refusing the file."""
    c = tmp_path / "coverage.gpkg"
    demand.to_file(c, layer="demand")
    stations.drop(columns="name").to_file(c, layer="stations")
    out = tmp_path / "map.html"
    assert main(["map", "--coverage", str(c), "--lang", "en", "--out", str(out)]) == 0
    layer = layers_of(map_from_files(coverage=c))["党群服务中心/站"]
    assert [f["properties"]["station_id"] for f in features(layer)] == stations["station_id"].astype(str).tolist()
    with pytest.raises(ColumnError, match="'stations' has no column 'label'"):  # a name asked for must be there
        coverage_map(demand, stations.drop(columns="name"), name_col="label")


def test_jupyter_display_is_offline_too(grids):
    shown = grid_map(grids)._repr_html_()
    assert shown.startswith("<div") and "srcdoc=" in shown and "Leaflet 1.9.3" in shown
    assert "cdn.jsdelivr" not in shown


def test_columnar_layer_json_round_trips_mixed_geometries_and_repeated_text():
    from spatial.maps._data import layer_json

    geoms = [Point(114.05, 22.54), box(114.0, 22.5, 114.001, 22.501), Point(114.06, 22.55).buffer(0.001).union(
        box(114.1, 22.6, 114.101, 22.601)), shapely.GeometryCollection([Point(114.0, 22.0)])] * 3
    gdf = gpd.GeoDataFrame(geometry=geoms, crs=4326)
    band = ["5min", "10min", "5min", None] * 3
    text, n, bounds = layer_json(gdf, "t", {"band": band, "k": list(range(12))}, [0, 1, 2, 0] * 3,
                                 gcj02=False, report=None)
    assert n == 12 and '"k":["5min","10min"' in text  # repeated text stored once
    got = decode(text)
    assert [f["geometry"]["type"] for f in got[:4]] == ["Point", "Polygon", "MultiPolygon", "GeometryCollection"]
    assert [f["properties"].get("band") for f in got] == band
    assert [f["properties"]["_s"] for f in got[:4]] == [0, 1, 2, 0]
    assert shapely.from_geojson(json.dumps(got[1]["geometry"])).equals(geoms[1])
    assert np.allclose(bounds, [114.0, 22.0, 114.101, 22.601])


# ----------------------------------------------------------------------------- reading the map
def test_layers_are_stacked_by_meaning(grids, demand, stations, isochrones, gaps, communities, network):
    sites = gpd.GeoDataFrame({"site_id": ["N1"], "rank": [1]}, geometry=[Point(X0 + 700, Y0 + 100)], crs=UTM)
    m = overview_map(grids, demand, stations, sites=sites, isochrones=isochrones, gaps=gaps,
                     communities=communities, network_edges=network)
    z = {name: layer.options["z"] for name, layer in layers_of(m).items()}
    areas = max(z["5分钟服务圈"], z["10分钟服务圈"], z["服务盲区（按户数排名）"])
    units = (z["已覆盖居民单元"], z["未覆盖居民单元"])
    outlines = (z["网格"], z["社区边界"])
    assert z["步行路网"] < areas < min(units) <= max(units) < min(outlines)
    assert max(outlines) < z["党群服务中心/站"] < z["建议新增站点"]          # points on top
    panes = [layer.options["key"] for layer in layers_of(m).values()]
    assert len(set(panes)) == len(panes)                 # one pane each: toggling keeps the order
    assert list(z.values()) == sorted(z.values(), reverse=True)  # the layer list reads top first


def test_popups_put_names_first_and_ids_in_small_print(demand, stations, communities):
    demand = demand.assign(nearest_station=["S2", "S2", "S1", None])
    m = coverage_map(demand, stations, communities=communities)
    layers = layers_of(m)
    (community,) = features(layers["社区边界"])
    assert (community["properties"]["_t"], community["properties"]["_ids"]) == ("香蜜湖社区", "社区编号 C1")
    unit = features(layers["已覆盖居民单元"])[0]["properties"]
    assert (unit["_t"], unit["_sub"], unit["nearest_station"]) == ("u1", "香蜜湖社区", "莲花党群服务中心")
    assert unit["band"] == "5分钟内" and unit["_sum"] == "5分钟内"
    far = features(layers["未覆盖居民单元"])[1]["properties"]
    assert far["_sum"] == "距路网过远" and far["reason"] == "距路网过远"
    station = features(layers["党群服务中心/站"])[1]["properties"]
    assert (station["_t"], station["_ids"], station["_search"]) == ("莲花党群服务中心", "站点编号 S2",
                                                                    "莲花党群服务中心 · S2")
    assert '香蜜湖社区 <span class="sp-small">C1</span>' in boxes_text(m)


def test_metrics_are_in_plain_words_with_a_one_line_explanation(grids):
    scored = grids.assign(polsby_popper=[0.61, 0.42, 0.2], road_share=[0.5, 0.25, None])
    zh = layers_of(grid_map(scored))["网格"]
    (compact,) = [f for f in zh.fields if f[0] == "polsby_popper"]
    assert compact[1] == "紧凑度" and compact[2].startswith("1 表示圆形")
    assert [f["properties"].get("road_share") for f in features(zh)] == [50, 25, None]   # as %
    en = layers_of(grid_map(scored, lang="en"))["Grids"]
    (compact,) = [f for f in en.fields if f[0] == "polsby_popper"]
    assert compact[1] == "Compactness" and "Polsby-Popper" in compact[2]
    assert all(re.fullmatch(r"[\x00-\x7f²–]*", label) for _, label, _ in en.fields)  # no Chinese left


def test_first_view_fits_the_study_area_not_the_whole_network(grids, network):
    far_road = gpd.GeoDataFrame(geometry=[LineString([(X0, Y0), (X0 + 20_000, Y0 + 20_000)])], crs=UTM)
    m = grid_map(grids, network_edges=pd.concat([network, far_road]))
    (layout,) = [c for c in m._children.values() if isinstance(c, Layout)]
    (south, west), (north, east) = json.loads(layout.options_js)["bounds"]
    want = grids.to_crs(4326).total_bounds
    assert np.allclose([west, south, east, north], want, atol=1e-6)


def test_the_planners_own_sources_are_credited_once_after_openstreetmap(tmp_path, grids, demand, stations, communities):
    """A map of a planner's grids and a census's households names the sources it is given, on
    every map and each once (the overview draws the grid and the coverage maps on one map)."""
    credit = "住户数：XX区2025年房屋普查 <内部>"
    page = grid_map(grids, credits=credit).get_root().render()
    assert 'addAttribution("住户数：XX区2025年房屋普查 \\u0026lt;内部\\u0026gt;")' in page  # escaped, as text
    assert "OpenStreetMap" not in page  # no network drawn: credited to no one else
    both = overview_map(grids, demand, stations, communities=communities, credits=["A 局", "B 院"])
    html_ = both.get_root().render()
    assert html_.count("addAttribution(\"A 局\")") == 1 and html_.count("addAttribution(\"B 院\")") == 1
    g = tmp_path / "grids.gpkg"
    grids.to_file(g, layer="grids")
    out = tmp_path / "grids.html"
    assert main(["-q", "map", "--grids", str(g), "--credit", "A 局", "--credit", "B 院", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "A 局" in page and "B 院" in page
