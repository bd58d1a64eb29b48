"""Results as QGIS and ArcGIS Pro users open them: each file written by the package read back with
an independent reader (sqlite3 on the GeoPackage's own tables, the DBF header's bytes, the KML's
XML) and checked against what the desktop GIS needs. Each fault found on the demo's output,
reduced to a tiny input with a known answer."""

from __future__ import annotations

import sqlite3
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import GeometryCollection, LineString, Point, box

from spatial.cli import main
from spatial.io.writers import write_layers, write_shapefile
from spatial.maps import _style
from test_outside_a import files  # noqa: F401 (a fixture: a street grid of footways, stations and units)

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000


def _declared_types(gpkg: Path) -> dict[str, str]:
    """``{table: geometry type}`` as the GeoPackage declares it in ``gpkg_geometry_columns``."""
    with sqlite3.connect(gpkg) as con:
        return dict(con.execute("select table_name, geometry_type_name from gpkg_geometry_columns"))


def _wkb_types(gpkg: Path, table: str) -> list[int]:
    """The WKB geometry type of each row of ``table``, read from the GeoPackage blobs themselves."""
    out = []
    with sqlite3.connect(gpkg) as con:
        col = con.execute("select column_name from gpkg_geometry_columns where table_name = ?", (table,)).fetchone()[0]
        for (blob,) in con.execute(f'select "{col}" from "{table}"'):
            flags = blob[3]
            envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
            wkb = blob[8 + envelope:]
            out.append(struct.unpack("<I" if wkb[0] == 1 else ">I", wkb[1:5])[0])
    return out


def test_an_area_layer_with_slivers_of_lines_is_written_as_one_polygon_type(tmp_path):
    """The demo's isochrones layer held 37 Polygons, 7 MultiPolygons and 7 GeometryCollections
    (a polygon plus a LineString or Point of no area on its edge): GDAL declared the layer
    GEOMETRY, which QGIS splits into three sublayers and ArcGIS Pro does not open."""
    square = box(X0, Y0, X0 + 100, Y0 + 100)
    crumbs = GeometryCollection([box(X0 + 200, Y0, X0 + 300, Y0 + 100), LineString([(X0 + 300, Y0), (X0 + 350, Y0)]),
                                 Point(X0 + 400, Y0)])
    two = shapely.MultiPolygon([box(X0, Y0 + 200, X0 + 50, Y0 + 250), box(X0 + 100, Y0 + 200, X0 + 150, Y0 + 250)])
    layer = gpd.GeoDataFrame({"band": ["5min", "10min", "15min"]}, geometry=[square, crumbs, two], crs=UTM)
    out = write_layers({"isochrones": layer}, tmp_path / "areas.gpkg")
    assert _declared_types(out) == {"isochrones": "MULTIPOLYGON"}
    assert _wkb_types(out, "isochrones") == [6, 6, 6]  # every row a MultiPolygon
    back = gpd.read_file(out, layer="isochrones", engine="pyogrio").to_crs(UTM)
    assert back["band"].tolist() == ["5min", "10min", "15min"]  # no row lost
    assert back.area.round(3).tolist() == [10_000.0, 10_000.0, 5_000.0]  # no area lost
    assert len(layer.geometry[1].geoms) == 3  # the caller's frame is as it was


def test_a_collection_of_lines_and_points_beside_polygons_is_left_to_say_itself(tmp_path):
    """Nothing is dropped to make a layer one type: a collection with no area stays as it is."""
    odd = GeometryCollection([Point(X0, Y0), LineString([(X0, Y0), (X0 + 1, Y0)])])
    layer = gpd.GeoDataFrame({"k": [1, 2]}, geometry=[box(X0, Y0, X0 + 1, Y0 + 1), odd], crs=UTM)
    out = write_layers({"odd": layer}, tmp_path / "odd.gpkg")
    assert _wkb_types(out, "odd") == [3, 7]


def _dbf_fields(dbf: Path) -> dict[str, tuple[str, int, int]]:
    """``{name: (type, width, decimals)}`` from a DBF's header bytes."""
    data = dbf.read_bytes()
    header = struct.unpack("<H", data[8:10])[0]
    out = {}
    for k in range((header - 33) // 32):
        field = data[32 + 32 * k: 64 + 32 * k]
        out[field[:11].rstrip(b"\0").decode("ascii")] = (chr(field[11]), field[16], field[17])
    return out


def test_shapefile_counts_are_fields_arcgis_reads_as_long_integers(tmp_path):
    """A grid layer's households (int64) were written as N(18,0), which ArcGIS reads as Double
    (375.0 households); a whole number of 9 digits or fewer is a Long integer there."""
    import pandas as pd

    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"], "households": [375, 412], "n_units": [3, 4],
                              "leads": pd.array([2, None], dtype="Int64"), "big": [5_000_000_000, 1],
                              "area_m2": [10_000.5, 2.0]},
                             geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100)], crs=UTM)
    shp = write_shapefile(grids, tmp_path / "grids.shp")
    fields = _dbf_fields(shp.with_suffix(".dbf"))
    for name in ("households", "n_units", "leads"):
        kind, width, decimals = fields[name]
        assert (kind, decimals) == ("N", 0) and width <= 9, (name, fields[name])
    assert fields["big"][1] >= 10  # 5,000,000,000 needs its width: not cut
    assert fields["area_m2"][2] > 0  # reals stay reals
    back = gpd.read_file(shp, engine="pyogrio")
    assert back["households"].tolist() == [375, 412] and back["big"].tolist() == [5_000_000_000, 1]
    assert back["leads"].iloc[0] == 2 and pd.isna(back["leads"].iloc[1])
    assert grids["households"].dtype == "int64"  # the caller's frame is as it was


# --- QGIS styles in the GeoPackage ------------------------------------------------------------


def _rgba(hex_colour: str, opacity: float) -> str:
    """A ``#rrggbb`` colour and an opacity as QGIS writes them, computed here on their own."""
    return ",".join(str(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5)) + f",{round(opacity * 255)}"


def _styles(gpkg: Path) -> dict[str, ET.Element]:
    """``{layer: parsed QML}`` of the default styles in the GeoPackage's ``layer_styles`` table,
    checked to be registered as QGIS (through GDAL) needs it."""
    with sqlite3.connect(gpkg) as con:
        kind = con.execute("select data_type from gpkg_contents where table_name = 'layer_styles'").fetchone()
        assert kind == ("attributes",)  # GDAL, so QGIS, opens no table left out of gpkg_contents
        geometry = dict(con.execute("select table_name, column_name from gpkg_geometry_columns"))
        rows = con.execute("select f_table_name, f_geometry_column, styleQML from layer_styles where useAsDefault")
        out = {}
        for table, column, qml in rows:
            assert geometry[table] == column
            out[table] = ET.fromstring(qml.split("\n", 1)[1] if qml.startswith("<!DOCTYPE") else qml)
    return out


def _fills(qml: ET.Element) -> dict[str | None, tuple[str, str, str]]:
    """``{category value: (fill colour, outline colour, outline width)}`` of a QML renderer (the
    key None for a single symbol), read from the ``prop`` elements every QGIS 3 reads."""
    renderer = qml.find("renderer-v2")
    symbols = {s.get("name"): {p.get("k"): p.get("v") for p in s.find("layer").findall("prop")}
               for s in renderer.find("symbols")}
    if renderer.get("type") == "singleSymbol":
        keyed = {None: symbols["0"]}
    else:
        keyed = {c.get("value"): symbols[c.get("symbol")] for c in renderer.find("categories")}
    return {k: (p["color"], p["outline_color"], p["outline_width"]) for k, p in keyed.items()}


def test_grids_open_in_qgis_coloured_by_status_and_labelled_by_grid_as_on_the_web_map(tmp_path):
    """results.gpkg had no layer_styles table: QGIS drew every layer in one random colour, with no
    labels and English field names. The grids now open filled by household status in the web
    map's colours (45 % opaque, #333333 outlines 1.2 px), labelled with their number, with the
    popups' Chinese words as field aliases."""
    grids = gpd.GeoDataFrame({"grid_id": ["C1-01", "C1-02", "C1-03"], "households": [250, 400, 600],
                              "band_status": ["under", "in", "over"]},
                             geometry=[box(X0 + 100 * k, Y0, X0 + 100 * (k + 1), Y0 + 100) for k in range(3)], crs=UTM)
    from spatial.maps._gis_styles import qgis_styles

    out = write_layers({"grids": grids, "summary": grids.drop(columns="geometry")}, tmp_path / "g.gpkg",
                       styles=qgis_styles({"grids": grids}))
    qml = _styles(out)["grids"]
    renderer = qml.find("renderer-v2")
    assert (renderer.get("type"), renderer.get("attr")) == ("categorizedSymbol", "band_status")
    assert _fills(qml) == {s: (_rgba(_style.STATUS_COLOURS[s], 0.45), "51,51,51,255", "1.2")
                           for s in ("under", "in", "over")}
    assert qml.get("labelsEnabled") == "1"
    assert qml.find("labeling/settings/text-style").get("fieldName") == "grid_id"
    aliases = {a.get("field"): a.get("name") for a in qml.find("aliases")}
    assert aliases["households"] == "户数" and aliases["band_status"] == "户数状态"
    assert qml.find("layerGeometryType").text == "2"
    layers = {str(n) for n, _ in pyogrio.list_layers(out)}
    assert layers == {"grids", "summary", "layer_styles"}  # the data as written, and the styles' table


def test_coverage_bands_gaps_and_stations_open_in_qgis_in_the_web_maps_colours(files, tmp_path):  # noqa: F811
    """``spatial coverage``'s demand layer opens coloured by walking band (nearest darkest, as
    band_colours gives them; beyond and unreachable red), the gaps as dashed purple outlines
    labelled with their rank, the stations as dark blue dots."""
    out = tmp_path / "cov.gpkg"
    assert main(["-q", "coverage", str(files["net"]), str(files["stations"]), str(files["units"]),
                 "--out", str(out), "--meters", "200,400"]) == 0
    styles = _styles(out)
    assert {"demand", "stations", "isochrones", "gaps"} <= set(styles)
    demand = _fills(styles["demand"])
    ramp = _style.band_colours(["200m", "400m"])
    assert {b: demand[b][0] for b in ("200m", "400m")} == {b: _rgba(ramp[b], 0.8) for b in ramp}
    assert demand["beyond"][0] == _rgba(_style.BEYOND_COLOUR, 0.85)
    assert demand["unreachable"][0] == _rgba(_style.UNREACHABLE_COLOUR, 0.85)
    with sqlite3.connect(out) as con:  # every band the layer holds has its colour
        held = {b for (b,) in con.execute("select distinct band from demand")}
    assert held <= set(demand)
    iso = _fills(styles["isochrones"])
    assert {b: iso[b][0] for b in ramp} == {b: _rgba(ramp[b], 0.2) for b in ramp}
    gaps = styles["gaps"]
    assert _fills(gaps) == {None: (_rgba(_style.GAP_COLOUR, 0.08), _rgba(_style.GAP_COLOUR, 1), "2.5")}
    props = {p.get("k"): p.get("v") for p in gaps.iter("prop")}
    assert props["outline_style"] == "dash"
    assert gaps.find("labeling/settings/text-style").get("isExpression") == "1"
    stations = styles["stations"]
    assert stations.find("layerGeometryType").text == "0"
    assert {p.get("k"): p.get("v") for p in stations.iter("prop")}["color"] == _rgba(_style.STATION_COLOUR, 1)


def test_styles_for_a_layer_not_written_are_refused(tmp_path):
    layer = gpd.GeoDataFrame({"k": [1]}, geometry=[box(X0, Y0, X0 + 1, Y0 + 1)], crs=UTM)
    with pytest.raises(ValueError, match=r"^styles name layers that are not written: grids; name layers among a"):
        write_layers({"a": layer}, tmp_path / "a.gpkg", styles={"grids": "<qgis/>"})
    with pytest.raises(ValueError, match=r"^'a.geojson': layer styles are kept by GeoPackages only"):
        write_layers({"a": layer}, tmp_path / "a.geojson", styles={"a": "<qgis/>"})
    assert not (tmp_path / "a.gpkg").exists() and not (tmp_path / "a.geojson").exists()


# --- KMZ for 奥维互动地图 and Google Earth ---------------------------------------------------------

KML = "{http://www.opengis.net/kml/2.2}"


def _kml_colour(hex_colour: str, opacity: float) -> str:
    """KML's ``aabbggrr`` of a ``#rrggbb`` colour, computed here on its own."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return "%02x%02x%02x%02x" % (round(opacity * 255), b, g, r)


def _doc(path: Path) -> ET.Element:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return ET.fromstring(z.read("doc.kml"))


def _tags(el: ET.Element) -> list[str]:
    return [c.tag.replace(KML, "") for c in el]


def test_kmz_placemarks_are_styled_in_the_web_maps_colours(tmp_path):
    """results.kmz had no <Style> at all: Google Earth fills an unstyled polygon solid white, so
    the 158 grids of the demo hid the map under them, and 奥维 drew every layer alike. Each
    grid now points at the style of its household status (the web map's fill at 45 %, #333333
    outline 1.2 px), gaps and stations at theirs, in the order KML 2.2 sets."""
    from spatial.maps.kmz import results_kmz

    cells = [box(X0 + 100 * k, Y0, X0 + 100 * (k + 1), Y0 + 100) for k in range(3)]
    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2", "G3"], "households": [250, 400, 600],
                              "band_status": ["under", "in", "over"]}, geometry=cells, crs=UTM)
    gaps = gpd.GeoDataFrame({"gap_id": ["P1"], "rank": [1], "households": [40]},
                            geometry=[box(X0, Y0 + 200, X0 + 50, Y0 + 250)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["甲站"]}, geometry=[Point(X0, Y0)], crs=UTM)
    root = _doc(results_kmz(tmp_path / "r.kmz", {"grids": grids, "gaps": gaps, "stations": stations}))
    folders = {d.findtext(f"{KML}name"): d for d in root.iter(f"{KML}Document") if d.find(f"{KML}name") is not None}
    assert set(folders) == {"网格", "党群服务站", "覆盖盲区"}

    def drawn(folder: ET.Element) -> dict[str, tuple[str, str, str]]:
        """``{placemark name: (fill, outline, width)}`` through each placemark's styleUrl."""
        styles = {s.get("id"): s for s in folder.findall(f"{KML}Style")}
        out = {}
        for pm in folder.findall(f"{KML}Placemark"):
            style = styles[pm.findtext(f"{KML}styleUrl").lstrip("#")]
            out[pm.findtext(f"{KML}name")] = (style.findtext(f"{KML}PolyStyle/{KML}color"),
                                              style.findtext(f"{KML}LineStyle/{KML}color"),
                                              style.findtext(f"{KML}LineStyle/{KML}width"))
        return out

    status = dict(zip(grids["grid_id"], grids["band_status"]))
    assert drawn(folders["网格"]) == {g: (_kml_colour(_style.STATUS_COLOURS[s], 0.45), "ff333333", "1.2")
                                    for g, s in status.items()}
    assert drawn(folders["覆盖盲区"]) == {"盲区 #1": (_kml_colour(_style.GAP_COLOUR, 0.08),
                                                _kml_colour(_style.GAP_COLOUR, 1), "2.5")}
    station_style = folders["党群服务站"].find(f"{KML}Style")
    assert station_style.findtext(f"{KML}IconStyle/{KML}color") == _kml_colour(_style.STATION_COLOUR, 1)
    for folder in folders.values():  # KML 2.2: a container's styles, then its schema, then its features
        tags = _tags(folder)
        assert tags[0] == "name" and tags.index("Style") < tags.index("Schema") < tags.index("Placemark")
        for pm in folder.findall(f"{KML}Placemark"):
            order = _tags(pm)
            assert order.index("styleUrl") > order.index("description") and order.index("styleUrl") < \
                order.index("ExtendedData")


def test_kmz_counts_are_typed_as_integers_in_the_schema(tmp_path):
    """The KMZ's schema typed the grids' households, population and worker counts (int64) as
    ``string`` (KML has no 64-bit integer), so QGIS and ArcGIS read 375 households back as text;
    they are ``int`` now, reals stay ``double``."""
    from spatial.io.kml import write_kml

    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"], "households": [375, 412], "deviation_pct": [-2.5, 4.0]},
                             geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100)], crs=UTM)
    root = _doc(write_kml({"网格": grids}, tmp_path / "g.kmz", names={"网格": "grid_id"},
                          fields={"网格": ["households", "deviation_pct"]}))
    types = {f.get("name"): f.get("type") for f in root.iter(f"{KML}SimpleField")}
    assert types == {"households": "int", "deviation_pct": "double"}
    values = [d.text for d in root.iter(f"{KML}SimpleData") if d.get("name") == "households"]
    assert values == ["375", "412"]
    assert grids["households"].dtype == "int64"


def test_a_shapefile_opens_in_qgis_styled_with_its_full_field_names_as_aliases(tmp_path):
    """A grids shapefile showed QGIS users the cut names a DBF's 10 bytes allow (band_statu,
    household_, target_hou) and one random colour; the run's shapefiles now come with a
    grids.qml, which QGIS opens them in: coloured by status on the short field, each field's
    alias the popups' words or its full name."""
    import pandas as pd

    from spatial.maps._gis_styles import qgis_styles

    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"], "households": [250, 400], "household_leads": [8, 13],
                              "surveyed_by": ["王", "李"], "band_status": ["under", "in"]},
                             geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100)], crs=UTM)
    shp = write_shapefile(grids, tmp_path / "grids.shp", style=qgis_styles({"grids": grids})["grids"])
    names = pd.read_csv(tmp_path / "grids.fields.csv", encoding="utf-8-sig").set_index("original")["short"]
    in_dbf = set(_dbf_fields(shp.with_suffix(".dbf")))
    qml = ET.fromstring((tmp_path / "grids.qml").read_text(encoding="utf-8").split("\n", 1)[1])
    renderer = qml.find("renderer-v2")
    assert renderer.get("attr") == names["band_status"] != "band_status" and renderer.get("attr") in in_dbf
    assert {c.get("value") for c in renderer.find("categories")} == {"under", "in", "over"}
    assert qml.find("labeling/settings/text-style").get("fieldName") == "grid_id"
    aliases = {a.get("field"): a.get("name") for a in qml.find("aliases")}
    assert set(aliases) == in_dbf
    assert aliases[names["household_leads"]] == "联户长（人）" and aliases["households"] == "户数"
    assert aliases[names["surveyed_by"]] == "surveyed_by"  # no words for it: its full name
    assert _fills(qml)["in"][0] == _rgba(_style.STATUS_COLOURS["in"], 0.45)
    assert not (tmp_path / "plain.qml").exists()
    write_shapefile(grids, tmp_path / "plain.shp")  # no style asked: no .qml
    assert not (tmp_path / "plain.qml").exists()


def test_a_layer_written_anew_without_a_style_loses_its_old_one(tmp_path):
    """A grids layer replaced in a styled GeoPackage kept its old style, which colours by
    band_status: a new grids layer without that column is drawn as nothing in QGIS."""
    from spatial.maps._gis_styles import qgis_styles

    cells = [box(X0, Y0, X0 + 100, Y0 + 100)]
    grids = gpd.GeoDataFrame({"grid_id": ["G1"], "band_status": ["in"]}, geometry=cells, crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(X0, Y0)], crs=UTM)
    path = write_layers({"grids": grids, "stations": stations}, tmp_path / "r.gpkg",
                        styles=qgis_styles({"grids": grids, "stations": stations}))
    assert set(_styles(path)) == {"grids", "stations"}
    write_layers({"grids": grids.drop(columns="band_status")}, path)  # replaced, the stations kept
    assert set(_styles(path)) == {"stations"}
    assert set(gpd.read_file(path, layer="grids").columns) == {"grid_id", "geometry"}


def _column_types(gpkg: Path, table: str) -> dict[str, str]:
    with sqlite3.connect(gpkg) as con:
        return {row[1]: row[2] for row in con.execute(f'pragma table_info("{table}")')}


def test_spatial_site_writes_counts_as_integers(files, tmp_path):  # noqa: F811
    """``spatial site`` wrote the households and people a new site gains, and the households of
    the before/after table, as REAL (2582.0 households in QGIS and ArcGIS on the demo), where
    ``spatial run`` and ``spatial coverage`` write counts as integers."""
    out = tmp_path / "s.gpkg"
    assert main(["-q", "site", str(files["net"]), str(files["stations"]), str(files["units"]), "--k", "1",
                 "--band", "300m", "--out", str(out)]) == 0
    sites = _column_types(out, "sites")
    assert sites["gain_households"] == "INTEGER", sites
    assert _column_types(out, "before_after")["households"] == "INTEGER"
    with sqlite3.connect(out) as con:
        gained, = con.execute("select gain_households from sites").fetchone()
        total = con.execute("select households from before_after where level = 'overall'").fetchone()[0]
    assert isinstance(gained, int) and total == 8 * 100 + 7  # the fixture's eight cells and the far home


def test_empty_result_layers_keep_their_geometry_type(files, tmp_path):  # noqa: F811
    """Every home within 2 km: ``spatial coverage`` wrote its empty gaps layer, and ``spatial
    site`` (nothing to gain) its empty sites and unreachable layers, as GEOMETRY, which ArcGIS
    Pro does not open and QGIS lists with no type; they keep the type of their kind now."""
    cov, site = tmp_path / "c.gpkg", tmp_path / "s.gpkg"
    net, st, units = (str(files[k]) for k in ("net", "stations", "units"))
    homes = gpd.read_file(units)
    homes = homes[homes["unit_id"] != "FAR"]  # the home off the network would be a gap of its own
    homes.to_file(tmp_path / "near.gpkg")
    assert main(["-q", "coverage", net, st, str(tmp_path / "near.gpkg"), "--out", str(cov), "--meters", "2000"]) == 0
    assert main(["-q", "site", net, st, str(tmp_path / "near.gpkg"), "--k", "1", "--band", "2000m",
                 "--out", str(site)]) == 0
    with sqlite3.connect(cov) as con:
        assert con.execute("select count(*) from gaps").fetchone() == (0,)
    assert _declared_types(cov)["gaps"] == "MULTIPOLYGON"
    declared = _declared_types(site)
    with sqlite3.connect(site) as con:
        assert con.execute("select count(*) from sites").fetchone() == (0,)
    assert (declared["sites"], declared["unreachable"]) == ("POINT", "MULTIPOLYGON")
    assert _styles(site)["sites"].find("layerGeometryType").text == "0"  # drawn as points


def test_evaluated_grids_open_in_qgis_coloured_by_status(tmp_path):
    """``spatial grids --evaluate`` wrote its grid_scores (the grids with their band_status) with no
    style, where the grids ``spatial grids`` draws open coloured by status."""
    cells = [box(X0 + 100 * k, Y0, X0 + 100 * (k + 1), Y0 + 100) for k in range(2)]
    plan = gpd.GeoDataFrame({"grid_id": ["G1", "G2"], "community_id": ["C1", "C1"], "households": [250, 400]},
                            geometry=cells, crs=UTM)
    plan.to_file(tmp_path / "plan.gpkg", layer="grids")
    out = tmp_path / "scores.gpkg"
    assert main(["-q", "grids", "--evaluate", str(tmp_path / "plan.gpkg"), "--out", str(out)]) == 0
    qml = _styles(out)["grid_scores"]
    assert qml.find("renderer-v2").get("attr") == "band_status"
    assert _fills(qml)["under"][0] == _rgba(_style.STATUS_COLOURS["under"], 0.45)
    with sqlite3.connect(out) as con:
        assert dict(con.execute("select grid_id, band_status from grid_scores")) == {"G1": "under", "G2": "in"}


def test_a_merge_without_conflicts_writes_a_conflicts_layer_of_polygons(tmp_path):
    """Two departments' grids that agree: ``spatial merge`` wrote the empty conflicts layer as
    GEOMETRY, which ArcGIS Pro does not open."""
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    comm.to_file(tmp_path / "c.gpkg")
    same = gpd.GeoDataFrame({"grid_id": ["A1", "A2"]}, geometry=[box(X0, Y0, X0 + 200, Y0 + 200),
                                                               box(X0 + 200, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    same.to_file(tmp_path / "a.gpkg")
    same.to_file(tmp_path / "b.gpkg")
    out = tmp_path / "m.gpkg"
    assert main(["-q", "merge", str(tmp_path / "c.gpkg"), f"综治={tmp_path / 'a.gpkg'}", f"城管={tmp_path / 'b.gpkg'}",
                 "--out", str(out)]) == 0
    with sqlite3.connect(out) as con:
        assert con.execute("select count(*) from conflicts").fetchone() == (0,)
    assert _declared_types(out)["conflicts"] == "MULTIPOLYGON"
    assert _declared_types(out)["unified"] == "POLYGON"  # a layer with rows is declared by them


def test_a_one_layer_geopackage_with_qgis_styles_reads_without_naming_its_layer(tmp_path, capsys):
    # the styles' table is a second 'layer' to GDAL: a units file saved from QGIS with its style
    # (or written here) was refused as "holds 2 layers (units, layer_styles); name one"
    from spatial.cli import main
    from spatial.io.layers import read_layer
    from spatial.maps._gis_styles import qgis_styles

    grids = gpd.GeoDataFrame({"grid_id": ["C1-01"], "households": [400], "band_status": ["in"]},
                             geometry=[box(X0, Y0, X0 + 100, Y0 + 100)], crs=UTM)
    out = write_layers({"grids": grids}, tmp_path / "g.gpkg", styles=qgis_styles({"grids": grids}))
    assert {str(n) for n, _ in pyogrio.list_layers(out)} == {"grids", "layer_styles"}
    assert read_layer(out)["grid_id"].tolist() == ["C1-01"]
    assert main(["-q", "grids", "--evaluate", str(out), "--out", str(tmp_path / "s.gpkg")]) == 0
